/* api.c — the JSON API under /api/v1: replies, errors, request bodies, /api/v1/me. */
#include "api.h"
#include "users.h"
#include "app.h"
#include "log.h"
#include <string.h>
#include <strings.h>
#include <stdlib.h>

static const char *code_for(int status){
  switch( status ){
    case 400: return "bad_request";
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 409: return "conflict";
    case 413: return "too_large";
    case 415: return "unsupported_media_type";
    case 422: return "invalid";
    case 429: return "too_many_requests";
    default: return "internal_error";
  }
}

/* Write {"error":{"code":...,"message":...}} with the status. */
void api_error(struct req *r, int status, const char *code, const char *message){
  json_t *j = json_pack("{s:{s:s,s:s}}", "error", "code", code ? code : code_for(status),
                        "message", message ? message : "error");
  if( status==401 ) resp_header(r, "WWW-Authenticate", "Bearer realm=\"holdpoint\"");
  api_reply(r, status, j);
}

int api_fail(struct req *r, int status, const char *code, const char *message){
  api_error(r, status, code, message);
  return HP_OK;
}

int api_reply(struct req *r, int status, json_t *j){
  buf_reset(&r->body);
  r->status = status;
  r->resp_type = "application/json";
  if( j==NULL ){
    buf_puts(&r->body, "{\"error\":{\"code\":\"internal_error\",\"message\":\"out of memory\"}}");
    r->status = 500;
    return HP_OK;
  }
  char *z = json_dumps(j, JSON_COMPACT|JSON_ENSURE_ASCII);
  json_decref(j);
  if( z ){ buf_puts(&r->body, z); buf_puts(&r->body, "\n"); free(z); }
  return HP_OK;
}

void api_stream_begin(struct req *r, int status, struct jsonw *w){
  buf_reset(&r->body);
  r->status = status;
  r->resp_type = "application/json";
  jsonw_init(w, &r->body);
}

int api_stream_end(struct req *r, struct jsonw *w){
  if( w->bad || w->depth || r->body.oom ){
    log_msg("api: a streamed reply came out incomplete (%s)", r->body.oom ? "out of memory" : "unbalanced");
    return api_fail(r, 500, NULL, NULL);
  }
  buf_puts(&r->body, "\n");
  return HP_OK;
}

/*
** Read a JSON object body.  On a problem the error reply is already written
** (415 not JSON, 413 too large, 400 malformed or not an object), *out is NULL
** and the handler should just return HP_OK.
*/
int api_read_json(struct req *r, json_t **out){
  *out = NULL;
  if( strncasecmp(r->content_type, "application/json", 16)!=0 ){
    return api_fail(r, 415, NULL, "Send the body as application/json.");
  }
  char *z;
  size_t n;
  int rc = req_read_body(r, r->app->cfg.max_form, &z, &n);
  if( rc==HP_TOO_LARGE ) return api_fail(r, 413, NULL, "The JSON body is too large.");
  if( rc ) return api_fail(r, 400, NULL, "The body could not be read.");
  json_error_t err;
  json_t *j = json_loadb(z, n, JSON_REJECT_DUPLICATES, &err);
  if( j==NULL || !json_is_object(j) ){
    char msg[300];
    if( j ) snprintf(msg, sizeof(msg), "The body must be a JSON object.");
    else snprintf(msg, sizeof(msg), "Malformed JSON at line %d column %d: %s", err.line, err.column, err.text);
    json_decref(j);
    return api_fail(r, 400, "malformed_json", msg);
  }
  *out = j;
  return HP_OK;
}

json_t *api_user_json(const struct user *u){
  json_t *roles = json_array();
  for(size_t i=0; i<users_nroles; i++){
    if( u->roles & users_roles[i].bit ) json_array_append_new(roles, json_string(users_roles[i].name));
  }
  return json_pack("{s:I,s:s,s:s,s:s,s:o}", "id", (json_int_t)u->id, "username", u->username,
                   "display_name", u->display_name, "email", u->email, "roles", roles);
}

/* GET /api/v1/me — who the token belongs to. */
int api_me(struct req *r){
  return api_reply(r, 200, api_user_json(r->user));
}

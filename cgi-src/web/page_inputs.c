/* page_inputs.c — saving an activity's fields from its page, and showing the page again with the errors. */
#include "page_inputs.h"
#include "util.h"
#include "api.h"
#include "page_release.h"
#include "inputs.h"
#include "evidence.h"
#include "mayact.h"
#include "app.h"
#include "db.h"
#include "audit.h"
#include "router.h"
#include "log.h"
#include <stdio.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>


/*
** Show the activity page again for r (the route's first {id}) with status,
** keeping r->errors and r->form, so that each message stands next to its field.
*/
int page_inputs_rerender(struct req *r, int status){
  int rc = page_activity(r);
  if( rc==HP_OK ) r->status = status;
  return rc;
}

/*
** POST /activities/{id}/inputs — validate every non-file field of the form
** (inputs named f_<key>), then save them all for the current round, or
** re-render the page with 422 and each message next to its field.
** Route flags: AUTH | CSRF.
*/
int page_inputs_save(struct req *r){
  int64_t id = r->ids[0];
  struct inputs_activity act;
  struct inputs_field *f;
  size_t nf;
  int rc = inputs_load_activity(r->app, &r->arena, id, &act);
  if( rc ) return rc;
  if( strcmp(act.status, "on_hold")!=0 ){
    router_render_error(r, HP_CONFLICT, "This activity is not waiting for input any more.");
    return HP_OK;
  }
  if( !inputs_may_edit(r->app, r->user, &act) ){
    req_audit_tx(r, "access.denied", "activity", id, act.release_id, "{s:s,s:s,s:i,s:s}",
                   "method", r->method, "path", r->path, "status", 403, "reason", "may not edit inputs");
    router_render_error(r, HP_FORBIDDEN, "Only the people who may act on this activity can fill in its form.");
    return HP_OK;
  }
  if( inputs_load_fields(r->app, &r->arena, id, &f, &nf) ) return HP_ERROR;
  struct inputs_value *v = arena_alloc(&r->arena, sizeof(*v)*(nf ? nf : 1));
  if( v==NULL ) return HP_ERROR;
  size_t nv = 0;
  char msg[300];
  for(size_t i=0; i<nf; i++){
    if( f[i].type==INPUTS_FILE ) continue;
    const char *name = arena_printf(&r->arena, INPUTS_PREFIX "%s", f[i].key);
    const char *val = req_form(r, name);
    if( !inputs_check(&f[i], val, msg, sizeof(msg)) ) req_field_error(r, name, "%s", msg);
    v[nv].key = f[i].key;
    v[nv].value = val ? val : "";
    nv++;
  }
  if( r->errors ) return page_inputs_rerender(r, HP_UNPROCESSABLE);
  if( nv==0 ){
    page_flash(r, "This activity has no values to save.");
    return resp_redirect(r, "/activities/%lld", (long long)id);
  }
  struct audit_ctx c;
  req_audit_ctx(r, &c);
  rc = inputs_save(r->app, &c, id, act.round, v, nv, r->user->id);
  if( rc==HP_CONFLICT ){
    router_render_error(r, HP_CONFLICT, "This activity is not waiting for input any more.");
    return HP_OK;
  }
  if( rc ) return rc;
  page_flash(r, "Saved.");
  return resp_redirect(r, "/activities/%lld", (long long)id);
}

/* A JSON value as a field's text: strings as they are, numbers as written, true "on", false and null "". */
static const char *json_as_text(struct req *r, json_t *v){
  if( json_is_string(v) ) return arena_strdup(&r->arena, json_string_value(v));
  if( json_is_true(v) ) return "on";
  if( json_is_false(v) || json_is_null(v) ) return "";
  if( json_is_integer(v) ) return arena_printf(&r->arena, "%lld", (long long)json_integer_value(v));
  if( json_is_real(v) ){
    char *z = util_json_dumps_typed(v, JSON_ENCODE_ANY|JSON_COMPACT);
    const char *out = z ? arena_strdup(&r->arena, z) : NULL;
    free(z);
    return out;
  }
  return NULL;
}

/*
** POST /api/v1/activities/{id}/inputs {"values": {"ticket": "CHG-42", "coverage": 97.5,
** "passed": true}} — fill an activity's fields from a pipeline, as the token's owner (who
** must be allowed to fill them: inputs_may_edit).  Only the keys given are saved; each
** value is checked by its field's rules (an empty one only clears it: required fields are
** needed to approve, not to save).  200 with the round's values; 404, 403, 409 when the
** activity is not on hold; 422 {"error": {..., "fields": {"key": "message"}}}.
** Files go through /evidence.  Route flags: API | RAWBODY.
*/
int api_inputs_save(struct req *r){
  json_t *j;
  struct inputs_activity act;
  struct inputs_field *f;
  size_t nf;
  char msg[300];
  api_read_json(r, &j);
  if( j==NULL ) return HP_OK;
  int rc = inputs_load_activity(r->app, &r->arena, r->ids[0], &act);
  if( rc==HP_NOT_FOUND ){ json_decref(j); return api_fail(r, 404, NULL, "There is no such activity."); }
  if( rc ){ json_decref(j); return rc; }
  json_t *values = json_object_get(j, "values");
  if( !json_is_object(values) || json_object_size(values)==0 ){
    json_decref(j);
    return api_fail(r, 422, "invalid", "Send {\"values\": {\"field key\": value, ...}} with at least one field.");
  }
  if( strcmp(act.status, "on_hold")!=0 ){
    json_decref(j);
    return api_fail(r, 409, "not_waiting", "This activity is not waiting for input.");
  }
  if( !inputs_may_edit(r->app, r->user, &act) ){
    json_decref(j);
    req_audit_tx(r, "access.denied", "activity", act.id, act.release_id, "{s:s,s:s,s:i,s:s}",
                 "method", r->method, "path", r->path, "status", 403, "reason", "may not edit inputs");
    return api_fail(r, 403, "forbidden", "Only the people who may act on this activity can fill in its fields.");
  }
  if( inputs_load_fields(r->app, &r->arena, act.id, &f, &nf) ){ json_decref(j); return HP_ERROR; }
  struct inputs_value *v = arena_alloc(&r->arena, sizeof(*v)*(json_object_size(values) + 1));
  json_t *errors = json_object();
  size_t nv = 0;
  const char *key;
  json_t *val;
  if( v==NULL || errors==NULL ){ json_decref(j); json_decref(errors); return HP_ERROR; }
  json_object_foreach(values, key, val){
    const struct inputs_field *fd = NULL;
    for(size_t i=0; i<nf; i++) if( strcmp(f[i].key, key)==0 ) fd = &f[i];
    const char *text = json_as_text(r, val);
    if( fd==NULL ){
      json_object_set_new(errors, key, json_string("This activity has no such field."));
    }else if( fd->type==INPUTS_FILE ){
      json_object_set_new(errors, key, json_string("A file field: upload the file (POST /api/v1/activities/{id}/evidence)."));
    }else if( text==NULL ){
      json_object_set_new(errors, key, json_string("Give a string, a number or true/false."));
    }else if( text[0] && !inputs_check(fd, text, msg, sizeof(msg)) ){
      json_object_set_new(errors, key, json_string(msg));
    }else{
      v[nv].key = fd->key;
      v[nv].value = text;
      nv++;
    }
  }
  json_decref(j);
  if( json_object_size(errors) ){
    return api_reply(r, 422, json_pack("{s:{s:s,s:s,s:o}}", "error", "code", "invalid",
                                       "message", "Some values were refused; nothing was saved.", "fields", errors));
  }
  json_decref(errors);
  struct audit_ctx c;
  req_audit_ctx(r, &c);
  rc = inputs_save(r->app, &c, act.id, act.round, v, nv, r->user->id);
  if( rc==HP_CONFLICT ) return api_fail(r, 409, "not_waiting", "This activity stopped waiting for input; nothing was saved.");
  if( rc==HP_UNAVAILABLE ) return api_fail(r, 503, NULL, "Holdpoint is busy. Try again in a moment.");
  if( rc ) return rc;
  struct inputs_value *saved;
  size_t nsaved;
  if( inputs_load_values(r->app, &r->arena, act.id, act.round, &saved, &nsaved) ) return HP_ERROR;
  json_t *out = json_object();
  for(size_t i=0; out && i<nsaved; i++) json_object_set_new(out, saved[i].key, json_string(saved[i].value));
  return api_reply(r, 200, json_pack("{s:I,s:i,s:o*}", "activity_id", (json_int_t)act.id, "round", act.round,
                                     "values", out));
}

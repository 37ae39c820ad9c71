/* req.c — struct req: parameters, cookies, body, typed accessors, responses. */
#include "req.h"
#include "db.h"
#include "util.h"
#include "audit.h"
#include "app.h"
#include "log.h"
#include "fault.h"
#include <fcgiapp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <errno.h>
#include <stdarg.h>
#include <sys/time.h>

static int64_t now_us(void){
  struct timeval tv;
  gettimeofday(&tv, NULL);
  return (int64_t)tv.tv_sec*1000000 + tv.tv_usec;
}

int64_t req_elapsed_us(const struct req *r){
  return now_us() - r->start_us;
}

const char *req_param_env(struct req *r, const char *name){
  if( r->fcgx==NULL ) return NULL;
  return FCGX_GetParam(name, r->fcgx->envp);
}

/*
** The parameters req_init reads, found in one pass over nginx's list: FCGX_GetParam walks the
** list from its start for every name it is asked (a sixth of a small page's work, for these
** sixteen).  The first of a name counts, as with FCGX_GetParam.
*/
enum { P_METHOD, P_REQUEST_ID, P_REMOTE_ADDR, P_USER_AGENT, P_CONTENT_TYPE, P_HOLDPOINT_HOST, P_HTTP_HOST,
       P_ORIGIN, P_SEC_FETCH_SITE, P_AUTHORIZATION, P_HTTPS, P_CONTENT_LENGTH, P_DOCUMENT_URI, P_REQUEST_URI,
       P_QUERY_STRING, P_COOKIE, P_COUNT };
#define P_(name) { name, sizeof(name) - 1 }
static const struct { const char *name; size_t len; } params[P_COUNT] = {
  [P_METHOD] = P_("REQUEST_METHOD"), [P_REQUEST_ID] = P_("REQUEST_ID"), [P_REMOTE_ADDR] = P_("REMOTE_ADDR"),
  [P_USER_AGENT] = P_("HTTP_USER_AGENT"), [P_CONTENT_TYPE] = P_("CONTENT_TYPE"),
  [P_HOLDPOINT_HOST] = P_("HOLDPOINT_HOST"), [P_HTTP_HOST] = P_("HTTP_HOST"), [P_ORIGIN] = P_("HTTP_ORIGIN"),
  [P_SEC_FETCH_SITE] = P_("HTTP_SEC_FETCH_SITE"), [P_AUTHORIZATION] = P_("HTTP_AUTHORIZATION"),
  [P_HTTPS] = P_("HTTPS"), [P_CONTENT_LENGTH] = P_("CONTENT_LENGTH"), [P_DOCUMENT_URI] = P_("DOCUMENT_URI"),
  [P_REQUEST_URI] = P_("REQUEST_URI"), [P_QUERY_STRING] = P_("QUERY_STRING"), [P_COOKIE] = P_("HTTP_COOKIE"),
};
#undef P_

static void read_params(char **envp, const char *v[P_COUNT]){
  for(int i=0; i<P_COUNT; i++) v[i] = NULL;
  for(; envp && *envp; envp++){
    const char *e = *envp, *eq = strchr(e, '=');
    if( eq==NULL ) continue;
    size_t n = (size_t)(eq - e);
    for(int i=0; i<P_COUNT; i++){
      if( params[i].len==n && v[i]==NULL && memcmp(params[i].name, e, n)==0 ){ v[i] = eq + 1; break; }
    }
  }
}

/*
** Fill r from the FastCGI request (fcgx may be NULL in tests: the caller
** then sets the fields it needs).  Parses the query string and cookies;
** malformed ones are ignored here and reported by the router.
*/
void req_init(struct req *r, struct app *app, FCGX_Request *fcgx){
  const char *p[P_COUNT];
  memset(r, 0, sizeof(*r));
  r->app = app;
  r->fcgx = fcgx;
  r->start_us = now_us();
  r->statements_at_start = db_counters().statements;
  r->steps_at_start = db_counters().vm_steps;
  arena_init(&r->arena);
  buf_init(&r->hdrs);
  buf_init(&r->body);
  r->status = 200;
  read_params(fcgx ? fcgx->envp : NULL, p);
  r->method = p[P_METHOD] ? p[P_METHOD] : "GET";
  r->request_id = p[P_REQUEST_ID] ? p[P_REQUEST_ID] : "-";
  r->remote_addr = p[P_REMOTE_ADDR] ? p[P_REMOTE_ADDR] : "";
  r->user_agent = p[P_USER_AGENT] ? p[P_USER_AGENT] : "";
  r->content_type = p[P_CONTENT_TYPE] ? p[P_CONTENT_TYPE] : "";
  /* nginx passes the Host header as the browser sent it (with the port) in
  ** HOLDPOINT_HOST; Debian's fastcgi_params sets HTTP_HOST to $host, without it. */
  r->host = p[P_HOLDPOINT_HOST] ? p[P_HOLDPOINT_HOST] : p[P_HTTP_HOST] ? p[P_HTTP_HOST] : "";
  r->origin = p[P_ORIGIN];
  r->sec_fetch_site = p[P_SEC_FETCH_SITE];
  r->authorization = p[P_AUTHORIZATION];
  r->cookie_header = p[P_COOKIE];
  const char *https = p[P_HTTPS];
  r->https = https && (strcasecmp(https, "on")==0 || strcmp(https, "1")==0);
  const char *len = p[P_CONTENT_LENGTH];
  if( len && len[0] ){
    char *end;
    errno = 0;
    long long v = strtoll(len, &end, 10);
    r->content_length = (errno || *end || v<0) ? -1 : v;
  }
  /* DOCUMENT_URI is the path nginx matched, already normalised; REQUEST_URI has the query. */
  const char *uri = p[P_DOCUMENT_URI];
  if( uri==NULL ){
    const char *ru = p[P_REQUEST_URI] ? p[P_REQUEST_URI] : "/";
    const char *q = strchr(ru, '?');
    uri = q ? arena_strndup(&r->arena, ru, (size_t)(q-ru)) : ru;
  }
  r->path = uri;
  r->query = p[P_QUERY_STRING] ? p[P_QUERY_STRING] : "";
  r->log_user = "-";
}

void req_free(struct req *r){
  buf_free(&r->hdrs);
  buf_free(&r->body);
  arena_free(&r->arena);
}

/* name may be NULL (a name built in an arena that ran out): nothing is found. */
static const char *kv_find(const struct kv *a, size_t n, const char *name){
  if( name==NULL ) return NULL;
  for(size_t i=0; i<n; i++) if( strcmp(a[i].name, name)==0 ) return a[i].value;
  return NULL;
}

const char *req_query(struct req *r, const char *name){
  return kv_find(r->qs, r->nqs, name);
}

const char *req_form(struct req *r, const char *name){
  return kv_find(r->form, r->nform, name);
}

const char *req_cookie(struct req *r, const char *name){
  return kv_find(r->cookies, r->ncookies, name);
}

/*
** Read the whole body (at most max bytes) into the arena.  Returns HP_OK,
** HP_TOO_LARGE when it is longer than max, or HP_BAD_REQUEST when it ends
** early.  A body can be read once.
*/
int req_read_body(struct req *r, int64_t max, char **out, size_t *nout){
  *out = NULL;
  *nout = 0;
  if( r->body_read ) return HP_BAD_REQUEST;
  r->body_read = 1;
  if( r->content_length > max ) return HP_TOO_LARGE;
  if( r->content_length < 0 ) return HP_BAD_REQUEST;
  size_t n = (size_t)r->content_length;
  char *z = arena_alloc(&r->arena, n + 1);
  if( z==NULL ) return HP_ERROR;
  if( n && r->fcgx ){
    int got = FCGX_GetStr(z, (int)n, r->fcgx->in);
    if( got<0 || (size_t)got!=n ) return HP_BAD_REQUEST;
  }
  z[n] = 0;
  *out = z;
  *nout = n;
  return HP_OK;
}

/* Parse an application/x-www-form-urlencoded body into r->form. */
int req_read_form(struct req *r){
  if( r->body_read ) return HP_OK;
  if( r->content_length<=0 ){ r->body_read = 1; return HP_OK; }
  if( strncasecmp(r->content_type, "application/x-www-form-urlencoded", 33)!=0 ) return HP_UNSUPPORTED;
  char *z;
  size_t n;
  int rc = req_read_body(r, r->app->cfg.max_form, &z, &n);
  if( rc ) return rc;
  if( form_parse_urlencoded(&r->arena, z, n, &form_default_limits, &r->form, &r->nform) ){
    return HP_BAD_REQUEST;
  }
  return HP_OK;
}

void req_field_error(struct req *r, const char *field, const char *fmt, ...){
  struct field_error *e = arena_alloc(&r->arena, sizeof(*e));
  if( e==NULL ) return;
  va_list ap;
  va_start(ap, fmt);
  e->message = arena_vprintf(&r->arena, fmt, ap);
  va_end(ap);
  e->field = arena_strdup(&r->arena, field);
  if( e->message==NULL || e->field==NULL ) return;        /* out of memory: the page says less */
  e->next = NULL;
  /* keep them in the order they were found */
  struct field_error **pp = &r->errors;
  while( *pp ) pp = &(*pp)->next;
  *pp = e;
}

const char *req_error_for(struct req *r, const char *field){
  if( field==NULL ) return NULL;
  for(struct field_error *e = r->errors; e; e = e->next){
    if( strcmp(e->field, field)==0 ) return e->message;
  }
  return NULL;
}


int req_text(struct req *r, const char *name, size_t minlen, size_t maxlen, const char **out){
  const char *z = req_form(r, name);
  if( z==NULL ) z = "";
  *out = z;
  size_t n = util_utf8_chars(z);
  if( n < minlen ){
    if( minlen==1 ) req_field_error(r, name, "This field is required.");
    else req_field_error(r, name, "Use at least %zu characters.", minlen);
    return 0;
  }
  if( n > maxlen ){
    req_field_error(r, name, "Use at most %zu characters (you used %zu).", maxlen, n);
    return 0;
  }
  return 1;
}

static int parse_int(const char *z, int64_t lo, int64_t hi, int64_t *out){
  char *end;
  errno = 0;
  long long v = strtoll(z, &end, 10);
  if( errno || end==z || *end || v<lo || v>hi ) return 0;
  *out = v;
  return 1;
}

int req_int(struct req *r, const char *name, int64_t lo, int64_t hi, int64_t dflt, int64_t *out){
  const char *z = req_form(r, name);
  *out = dflt;
  if( z==NULL || z[0]==0 ) return 1;
  if( !parse_int(z, lo, hi, out) ){
    req_field_error(r, name, "Enter a whole number between %lld and %lld.", (long long)lo, (long long)hi);
    return 0;
  }
  return 1;
}

/* Like req_int, for the query string; no field error (bad values use the default). */
int req_qint(struct req *r, const char *name, int64_t lo, int64_t hi, int64_t dflt, int64_t *out){
  const char *z = req_query(r, name);
  *out = dflt;
  if( z==NULL || z[0]==0 ) return 1;
  if( !parse_int(z, lo, hi, out) ){ *out = dflt; return 0; }
  return 1;
}

int req_enum(struct req *r, const char *name, const char *const *allowed, const char **out){
  const char *z = req_form(r, name);
  *out = NULL;
  for(int i=0; z && allowed[i]; i++){
    if( strcmp(z, allowed[i])==0 ){ *out = allowed[i]; return 1; }
  }
  req_field_error(r, name, "Choose one of the options.");
  return 0;
}

int req_has_role(const struct req *r, unsigned roles){
  return r->user && (r->user->roles & roles)!=0;
}

/* Add a response header; refuses names or values with CR, LF or other controls. */
int resp_header(struct req *r, const char *name, const char *value){
  if( name==NULL || value==NULL ) return -1;              /* an arena_printf that ran out of memory */
  for(const char *p = name; *p; p++) if( (unsigned char)*p<=0x20 || *p==':' ) return -1;
  for(const char *p = value; *p; p++) if( (unsigned char)*p<0x20 && *p!='\t' ) return -1;
  buf_printf(&r->hdrs, "%s: %s\r\n", name, value);
  return 0;
}

void resp_text(struct req *r, int status, const char *type, const char *text){
  r->status = status;
  r->resp_type = type;
  buf_reset(&r->body);
  buf_puts(&r->body, text);
}

/* 303 See Other to a local path (printf-style); always returns HP_OK. */
int resp_redirect(struct req *r, const char *fmt, ...){
  va_list ap;
  va_start(ap, fmt);
  char *loc = arena_vprintf(&r->arena, fmt, ap);
  va_end(ap);
  if( loc==NULL || loc[0]!='/' || loc[1]=='/' || resp_header(r, "Location", loc) ){
    resp_header(r, "Location", "/");
  }
  r->status = 303;
  r->resp_type = "text/plain; charset=utf-8";
  buf_reset(&r->body);
  return HP_OK;
}

int resp_redirect_external(struct req *r, const char *url){
  if( url==NULL || (strncmp(url, "https://", 8)!=0 && strncmp(url, "http://", 7)!=0) || resp_header(r, "Location", url) ){
    return HP_ERROR;
  }
  r->status = 303;
  r->resp_type = "text/plain; charset=utf-8";
  buf_reset(&r->body);
  return HP_OK;
}

static const char *status_text(int s){
  switch( s ){
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 503: return "Service Unavailable";
    default: return s>=500 ? "Internal Server Error" : "Status";
  }
}

static int has_header(struct req *r, const char *name){
  size_t n = strlen(name);
  const char *p = r->hdrs.z;
  while( p && *p ){
    if( strncasecmp(p, name, n)==0 && p[n]==':' ) return 1;
    p = strstr(p, "\r\n");
    if( p ) p += 2;
  }
  return 0;
}

static void out_raw(struct req *r, const char *z, size_t n){
  if( r->fcgx && n ) FCGX_PutStr(z, (int)n, r->fcgx->out);
}

/* The security headers every response carries (QUALITY.md "headers"). */
static void write_head(struct req *r){
  struct buf h;
  const char *fault = fault_report();                     /* fault builds only (fault.h) */
  buf_init(&h);
  char num[UTIL_I64_MAX];
  buf_puts(&h, "Status: ");
  buf_append(&h, num, (size_t)(util_i64_text(r->status, num) - num));
  buf_puts(&h, " ");
  buf_puts(&h, status_text(r->status));
  buf_puts(&h, "\r\n");
  if( fault ) buf_printf(&h, "X-Holdpoint-Fault: %s\r\n", fault);
  buf_puts(&h, "Content-Type: ");
  buf_puts(&h, r->resp_type ? r->resp_type : "text/html; charset=utf-8");
  buf_puts(&h, "\r\n");
  buf_puts(&h, "X-Content-Type-Options: nosniff\r\n");
  if( !has_header(r, "Content-Security-Policy") ){
    buf_puts(&h, "Content-Security-Policy: default-src 'self'; frame-ancestors 'none'; "
                 "form-action 'self'; base-uri 'none'; object-src 'none'\r\n");
  }
  buf_puts(&h, "Referrer-Policy: same-origin\r\n");
  buf_puts(&h, "X-Frame-Options: DENY\r\n");
  if( !has_header(r, "Cache-Control") ) buf_puts(&h, "Cache-Control: no-store\r\n");
  if( r->https ) buf_puts(&h, "Strict-Transport-Security: max-age=31536000\r\n");
  if( r->hdrs.len ) buf_append(&h, r->hdrs.z, r->hdrs.len);
  if( r->app && r->app->cfg.count_statements ){         /* how many SQL statements this response ran */
    buf_printf(&h, "X-Holdpoint-Statements: %lld\r\n", (long long)(db_counters().statements - r->statements_at_start));
    buf_printf(&h, "X-Holdpoint-Steps: %lld\r\n", (long long)(db_counters().vm_steps - r->steps_at_start));
  }
  if( !r->streaming ){
    buf_puts(&h, "Content-Length: ");
    buf_append(&h, num, (size_t)(util_i64_text((int64_t)r->body.len, num) - num));
    buf_puts(&h, "\r\n");
  }
  buf_puts(&h, "\r\n");
  out_raw(r, h.z, h.len);
  buf_free(&h);
}

int resp_begin_stream(struct req *r, int status, const char *type){
  r->status = status;
  r->resp_type = type;
  r->streaming = 1;
  write_head(r);
  return HP_OK;
}

int resp_write(struct req *r, const char *z, size_t n){
  if( r->streaming ){
    if( r->fcgx && n && FCGX_PutStr(z, (int)n, r->fcgx->out)<0 ) return -1;
    return 0;
  }
  buf_append(&r->body, z, n);
  return r->body.oom ? -1 : 0;
}

/* Send the status line, headers and buffered body (or end a streamed body). */
void resp_abort(struct req *r){
  r->aborted = 1;
  r->finished = 1;
}

void resp_finish(struct req *r){
  if( r->finished ) return;
  r->finished = 1;
  if( r->streaming ){
    if( r->fcgx ) FCGX_FFlush(r->fcgx->out);
    return;
  }
  write_head(r);
  if( strcmp(r->method, "HEAD")!=0 ) out_raw(r, r->body.z, r->body.len);
}

/* ---------------------------------------------------------------- the request's person in the audit trail */

void req_audit_ctx(struct req *r, struct audit_ctx *c){
  memset(c, 0, sizeof(*c));
  if( r->user ){
    c->actor_id = r->user->id;
    c->actor_name = r->user->username;
  }
  c->ip = r->remote_addr;
  c->session_hash = r->session_hash;
  c->user_agent = r->user_agent;
  c->request_id = r->request_id;
}

/* The request's person as actor; own_tx wraps the record in a transaction of its own. */
static int audit_v(struct req *r, int own_tx, const char *action, const char *object_type,
                   int64_t object_id, int64_t release_id, const char *details_fmt, va_list ap){
  struct audit_ctx c;
  req_audit_ctx(r, &c);
  if( own_tx && db_begin_write(r->app->db) ) return -1;
  int rc = audit_append_v(r->app, &c, action, object_type, object_id, release_id, details_fmt, ap);
  if( own_tx ){
    if( rc==0 ) rc = db_commit(r->app->db);
    else db_rollback(r->app->db);
  }
  return rc;
}

int req_audit(struct req *r, const char *action, const char *object_type, int64_t object_id,
              int64_t release_id, const char *details_fmt, ...){
  va_list ap;
  va_start(ap, details_fmt);
  int rc = audit_v(r, 0, action, object_type, object_id, release_id, details_fmt, ap);
  va_end(ap);
  return rc;
}

int req_audit_tx(struct req *r, const char *action, const char *object_type, int64_t object_id,
                 int64_t release_id, const char *details_fmt, ...){
  va_list ap;
  va_start(ap, details_fmt);
  int rc = audit_v(r, 1, action, object_type, object_id, release_id, details_fmt, ap);
  va_end(ap);
  return rc;
}

/* page.c — the shared layout, error pages, small formatting helpers and /healthz (/ is page_inbox.c). */
#include "page.h"
#include <stdlib.h>
#include <jansson.h>
#include "util.h"
#include "app.h"
#include "db.h"
#include "session.h"
#include "notify.h"
#include "log.h"
#include <stdio.h>
#include <string.h>
#include <stdarg.h>
#include <time.h>

static int emit_to_body(void *ctx, const char *z, size_t n){
  struct req *r = ctx;
  return resp_write(r, z, n);
}

static const char *role_names(struct req *r){
  static const struct { unsigned bit; const char *name; } names[] = {
    { ROLE_RELEASE_MANAGER, "release manager" }, { ROLE_APPROVER, "approver" },
    { ROLE_QA, "QA" }, { ROLE_AUDITOR, "auditor" }, { ROLE_ADMIN, "admin" },
  };
  struct buf b;
  buf_init(&b);
  for(size_t i=0; i<HP_ARRAY_SIZE(names); i++){
    if( r->user->roles & names[i].bit ){
      if( b.len ) buf_puts(&b, ", ");
      buf_puts(&b, names[i].name);
    }
  }
  char *z = arena_strdup(&r->arena, b.z ? b.z : "no role");
  buf_free(&b);
  return z;
}

/*
** Expand tpl with d inside the shared layout (header with the product name,
** navigation and user menu; footer) into r's body with the given status.
** Consumes d.  Returns HP_OK, or HP_ERROR when the template fails.
*/
int page_render(struct req *r, int status, const char *tpl, tmpl_dict *d, const char *title){
  int rc = HP_OK;
  tmpl_dict *h = tmpl_include(d, "HEADER", "_header.tpl");
  tmpl_dict *f = tmpl_include(d, "FOOTER", "_footer.tpl");
  tmpl_set(h, "TITLE", title);
  if( r->user ){
    tmpl_dict *u = tmpl_section(h, "SIGNED_IN");
    tmpl_set(u, "USER_NAME", r->user->display_name);
    tmpl_set(u, "USERNAME", r->user->username);
    tmpl_set(u, "ROLES", role_names(r));
    tmpl_set(u, "CSRF", r->csrf_token);
    if( r->user->roles & ROLE_ADMIN ) tmpl_show(u, "ADMIN");
    if( r->user->roles & (ROLE_ADMIN|ROLE_AUDITOR) ) tmpl_show(u, "AUDITOR");
    if( r->user->roles & (ROLE_ADMIN|ROLE_AUDITOR|ROLE_RELEASE_MANAGER) ) tmpl_show(u, "INSIGHTS");
    /* unread in-app notifications (notify.c): one indexed count per page */
    int64_t unread = notify_unread_count(r->app, r->user->id);
    if( unread>=NOTIFY_UNREAD_CAP ) tmpl_set(tmpl_section(u, "UNREAD"), "UNREAD_COUNT", HP_STR(NOTIFY_UNREAD_CAP) "+");
    else if( unread>0 ) tmpl_set_int(tmpl_section(u, "UNREAD"), "UNREAD_COUNT", unread);
  }else{
    tmpl_show(h, "SIGNED_OUT");
  }
  const char *flash = r->flash ? r->flash : sess_take_flash(r);
  if( flash && flash[0] ) tmpl_set(tmpl_section(h, "FLASH"), "FLASH", flash);
  (void)f;
  buf_reset(&r->body);
  r->status = status;
  r->resp_type = "text/html; charset=utf-8";
  if( tmpl_expand(tpl, d, emit_to_body, r)!=0 ){
    log_msg("template %s failed to expand", tpl);
    rc = HP_ERROR;
  }
  tmpl_dict_free(d);
  return rc;
}

/* Render the error page; if even that fails, a plain text body. */
void page_error(struct req *r, int status, const char *message){
  static const char *titles[] = { "Bad request", "Sign in required", "Not allowed", "Not found",
    "Method not allowed", "Conflict", "Too large", "Unsupported type", "Please check the form",
    "Too many attempts", "Server error", "Busy" };
  static const int codes[] = { 400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 500, 503 };
  const char *title = "Error";
  for(size_t i=0; i<HP_ARRAY_SIZE(codes); i++) if( codes[i]==status ) title = titles[i];
  if( status==405 ) resp_header(r, "Allow", "GET, HEAD, POST");
  tmpl_dict *d = tmpl_dict_new("error");
  if( d ){
    tmpl_set_int(d, "STATUS", status);
    tmpl_set(d, "TITLE", title);
    tmpl_set(d, "MESSAGE", message);
    if( page_render(r, status, "error.tpl", d, title)==HP_OK ) return;
  }
  resp_text(r, status, "text/plain; charset=utf-8", message);
}

/* Percent-encode z for use as one query-string value. */
const char *page_url_arg(struct req *r, const char *z){
  static const char hex[] = "0123456789ABCDEF";
  size_t n = strlen(z);
  char *out = arena_alloc(&r->arena, n*3 + 1), *p = out;
  if( out==NULL ) return "";
  for(; *z; z++){
    unsigned char c = (unsigned char)*z;
    if( (c>='a'&&c<='z') || (c>='A'&&c<='Z') || (c>='0'&&c<='9') || c=='-' || c=='_' || c=='.' || c=='~' || c=='/' ){
      *p++ = (char)c;
    }else{
      *p++ = '%'; *p++ = hex[c>>4]; *p++ = hex[c&15];
    }
  }
  *p = 0;
  return out;
}

const char *page_time(struct req *r, int64_t ms){
  if( ms<=0 ) return "";
  char z[80];
  return arena_strdup(&r->arena, util_time_in(ms, r->user ? r->user->time_zone : NULL, 0, z, sizeof(z)));
}

/* Copy z to p; the end. */
static char *put(char *p, const char *z){
  size_t n = strlen(z);
  memcpy(p, z, n);
  return p + n;
}

/*
** Describe a span of milliseconds as people say it ("3 h 20 min"), between
** before and after ("in ", " ago"), into the request's arena.  Every row of a
** list says how long ago: written by hand, not by two printf passes.
*/
static const char *span_text(struct req *r, int64_t d, const char *before, const char *after){
  char z[2*UTIL_I64_MAX + 40], *p = put(z, before);
  int64_t s = d/1000;
  if( s<60 ){ p = put(util_i64_text(s, p), " s"); }
  else if( s<3600 ){ p = put(util_i64_text(s/60, p), " min"); }
  else if( s<86400 ){ p = put(util_i64_text(s/3600, p), " h "); p = put(util_i64_text(s%3600/60, p), " min"); }
  else{ p = put(util_i64_text(s/86400, p), " d "); p = put(util_i64_text(s%86400/3600, p), " h"); }
  p = put(p, after);
  return arena_strndup(&r->arena, z, (size_t)(p - z));
}
static const char *span(struct req *r, int64_t d){
  return span_text(r, d, "", "");
}

/* A configured length of time in seconds: whole days or hours alone ("24 h", "2 d"), else as span(). */
const char *page_duration(struct req *r, int64_t s){
  if( s>=86400 && s%86400==0 ) return arena_printf(&r->arena, "%lld d", (long long)(s/86400));
  if( s>=3600 && s<86400 && s%3600==0 ) return arena_printf(&r->arena, "%lld h", (long long)(s/3600));
  return span(r, s*1000);
}

const char *page_ago(struct req *r, int64_t ms){
  int64_t d = app_now_ms(r->app) - ms;
  if( d<0 ) return span_text(r, -d, "in ", "");
  return span_text(r, d, "", " ago");
}

/* Put each field error in ERR_<FIELD> (upper-cased) and list them all in ERRORS. */
void page_field_errors(struct req *r, tmpl_dict *d){
  for(struct field_error *e = r->errors; e; e = e->next){
    char key[80];
    size_t i = 0;
    memcpy(key, "ERR_", 4);
    for(const char *p = e->field; *p && i+5<sizeof(key); p++, i++){
      char c = *p;
      key[4+i] = (c>='a' && c<='z') ? (char)(c-32) : (c=='-'||c=='.') ? '_' : c;
    }
    key[4+i] = 0;
    tmpl_set(d, key, e->message);
    tmpl_dict *s = tmpl_section(d, "ERRORS");
    tmpl_set(s, "FIELD", e->field);
    tmpl_set(s, "MESSAGE", e->message);
  }
}

void page_flash(struct req *r, const char *fmt, ...){
  va_list ap;
  va_start(ap, fmt);
  char *z = arena_vprintf(&r->arena, fmt, ap);
  va_end(ap);
  sess_set_flash(r, z);
}

/* GET /healthz — "ok" once the database answers a query. */
int page_healthz(struct req *r){
  if( r->app->db==NULL || db_int(r->app->db, "SELECT count(*) FROM schema_migrations", -1)<1 ){
    resp_text(r, 503, "text/plain; charset=utf-8", "database unavailable\n");
    return HP_OK;
  }
  resp_text(r, 200, "text/plain; charset=utf-8", "ok");
  return HP_OK;
}

/*
** A JSON record as labelled fields: for each top-level key of an object a
** section (named section) with KEY and VALUE, the value as text (strings as
** they are, numbers as typed, nested values as compact JSON); anything that is
** not an object is one field named "details".  Returns how many fields.
*/
int page_json_fields(tmpl_dict *d, const char *section, const char *json){
  if( json==NULL || json[0]==0 ) return 0;
  json_t *j = json_loads(json, JSON_DECODE_ANY, NULL);
  int n = 0;
  if( json_is_object(j) ){
    const char *k;
    json_t *v;
    json_object_foreach(j, k, v){
      tmpl_dict *f = tmpl_section(d, section);
      tmpl_set(f, "KEY", k);
      if( json_is_string(v) ){
        tmpl_set(f, "VALUE", json_string_value(v));
      }else if( json_is_integer(v) ){                 /* as json_dumps writes them, without its round trip */
        tmpl_set_int(f, "VALUE", (int64_t)json_integer_value(v));
      }else if( json_is_boolean(v) || json_is_null(v) ){
        tmpl_set(f, "VALUE", json_is_null(v) ? "null" : json_is_true(v) ? "true" : "false");
      }else{
        char *z = util_json_dumps_typed(v, JSON_COMPACT|JSON_ENCODE_ANY);
        tmpl_set(f, "VALUE", z ? z : "");
        free(z);
      }
      n++;
    }
  }else{
    tmpl_dict *f = tmpl_section(d, section);
    tmpl_set(f, "KEY", "details");
    char *z = j ? util_json_dumps_typed(j, JSON_COMPACT|JSON_ENCODE_ANY) : NULL;
    tmpl_set(f, "VALUE", z ? z : json);
    free(z);
    n = 1;
  }
  json_decref(j);
  return n;
}

static int cmp_str(const void *a, const void *b){
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
** Every zone of tzdata's zone1970.tab (one per region that has had the same clocks since
** 1970), sorted, as ZONE sections (ZONE_NAME, ZONE_SELECTED for `selected`).
*/
void page_time_zones(struct req *r, tmpl_dict *d, const char *selected){
  char line[512];
  const char *zones[1024];
  size_t n = 0;
  FILE *f = fopen("/usr/share/zoneinfo/zone1970.tab", "r");
  while( f && n<sizeof(zones)/sizeof(zones[0]) && fgets(line, sizeof(line), f) ){
    if( line[0]=='#' ) continue;
    char *save = NULL, *col = strtok_r(line, "\t\n", &save);
    for(int i=0; col && i<2; i++) col = strtok_r(NULL, "\t\n", &save);
    if( col && col[0] ) zones[n++] = arena_strdup(&r->arena, col);
    if( n && zones[n-1]==NULL ) n--;
  }
  if( f ) fclose(f);
  qsort(zones, n, sizeof(zones[0]), cmp_str);
  for(size_t i=0; i<n; i++){
    tmpl_dict *z = tmpl_section(d, "ZONE");
    tmpl_set(z, "ZONE_NAME", zones[i]);
    if( selected && strcmp(zones[i], selected)==0 ) tmpl_show(z, "ZONE_SELECTED");
  }
}

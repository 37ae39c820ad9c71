/* holdctl.c — the pipeline client: trigger releases, report results, wait for gates, decide (libcurl + jansson only). */
#include <curl/curl.h>
#include <jansson.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
** `holdctl upload` lives in holdctl_upload.c (the evidence module's part).
** build/holdctl is linked from holdctl.o alone, with libcurl and jansson, so
** it is compiled into this translation unit.
*/
#include "holdctl_upload.h"

/* Exit statuses: what a pipeline branches on. */
enum holdctl_exit {
  HOLDCTL_OK = 0,          /* done; for wait: approved / completed */
  HOLDCTL_FAILED = 1,      /* the server refused; for wait: rejected / failed / aborted */
  HOLDCTL_TIMEOUT = 2,     /* wait: still undecided when --timeout ran out */
  HOLDCTL_USAGE = 3        /* bad arguments, missing configuration, unreachable server, bad token */
};

#define MAX_BODY (16*1024*1024)
#define DEFAULT_TIMEOUT_S 3600

static void usage(FILE *f){
  fputs(
"usage: holdctl COMMAND [ARGS]\n"
"  trigger TEMPLATE --name N --version V [--artifact A] [--artifact-digest sha256:…] [--var KEY=VALUE]...\n"
"                                 start a release; prints its id (A may end in @sha256:…)\n"
"  build RELEASE --digest sha256:… [--artifact A]\n"
"                                 a new build for the release: decisions for the old one stop counting\n"
"  verify --release RELEASE --digest sha256:…\n"
"                                 the deploy gate: exit 0 only if every approval covers exactly this build\n"
"  status RELEASE                 the release, its phases and activities\n"
"  result ACTIVITY pass|warning|fail [--details JSON]\n"
"                                 report an automated activity's result\n"
"  wait RELEASE [--activity NAME] [--timeout 1h]\n"
"                                 wait for an activity (or the whole release) to be decided;\n"
"                                 exit 0 approved/completed, 1 rejected/failed/aborted, 2 timeout\n"
"  approve ACTIVITY --comment C   approve (as the token's owner)\n"
"  reject ACTIVITY --comment C    reject\n"
"  upload ACTIVITY FIELD FILE     attach a file as evidence for a field\n"
"  input ACTIVITY KEY=VALUE...    fill an activity's fields (checked by their rules)\n"
"ACTIVITY is an activity id, or RELEASE/NAME (e.g. 12/deploy-qa).\n"
"Durations: 30s, 5m, 1h, 2d or a combination like 1h30m.\n"
"Environment: HOLDPOINT_URL (e.g. https://holdpoint.example), HOLDPOINT_TOKEN (an API token).\n"
"Exit status: 0 ok, 1 refused/rejected, 2 timeout, 3 usage or configuration error.\n", f);
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A message on stderr, prefixed "holdctl: ". */
static void say(const char *fmt, ...){
  va_list ap;
  fputs("holdctl: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

/* ---------------------------------------------------------------- HTTP */

struct conf {
  char url[2048];          /* without a trailing slash */
  const char *token;
};

struct resp {
  long status;             /* HTTP status, 0 when no answer */
  char *body;
  size_t len;
  int too_big;
};

static size_t on_data(char *p, size_t size, size_t n, void *ud){
  struct resp *r = ud;
  size_t add = size*n;
  if( r->len + add > MAX_BODY ){ r->too_big = 1; return 0; }
  char *nb = realloc(r->body, r->len + add + 1);
  if( nb==NULL ) return 0;
  memcpy(nb + r->len, p, add);
  r->body = nb;
  r->len += add;
  r->body[r->len] = 0;
  return add;
}

static void resp_free(struct resp *r){
  free(r->body);
  memset(r, 0, sizeof(*r));
}

/*
** One request: method path [JSON body] with the bearer token.  Returns 0 when
** the server answered (any status, in r), -1 when it could not be reached
** (message printed).
*/
static int http(const struct conf *c, const char *method, const char *path, const char *body, struct resp *r){
  char url[4096], auth[1200], errbuf[CURL_ERROR_SIZE] = "";
  struct curl_slist *h = NULL;
  int rc = -1;
  memset(r, 0, sizeof(*r));
  if( snprintf(url, sizeof(url), "%s%s", c->url, path)>=(int)sizeof(url)
   || snprintf(auth, sizeof(auth), "Authorization: Bearer %s", c->token)>=(int)sizeof(auth) ){
    say("the URL or token is too long");
    return -1;
  }
  CURL *cu = curl_easy_init();
  if( cu==NULL ){ say("out of memory"); return -1; }
  h = curl_slist_append(h, auth);
  h = curl_slist_append(h, "Accept: application/json");
  if( body ) h = curl_slist_append(h, "Content-Type: application/json");
  curl_easy_setopt(cu, CURLOPT_URL, url);
  curl_easy_setopt(cu, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(cu, CURLOPT_USERAGENT, "holdctl/1");
  curl_easy_setopt(cu, CURLOPT_CUSTOMREQUEST, method);
  if( body ){
    curl_easy_setopt(cu, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(cu, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
  }
  curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(cu, CURLOPT_WRITEDATA, r);
  curl_easy_setopt(cu, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(cu, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(cu, CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(cu, CURLOPT_PROTOCOLS_STR, "http,https");
  CURLcode cc = curl_easy_perform(cu);
  if( cc!=CURLE_OK ){
    if( r->too_big ) say("the answer from %s is too large", c->url);
    else say("cannot reach HOLDPOINT_URL %s: %s", c->url, errbuf[0] ? errbuf : curl_easy_strerror(cc));
    resp_free(r);
    goto out;
  }
  curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &r->status);
  rc = 0;
out:
  curl_slist_free_all(h);
  curl_easy_cleanup(cu);
  return rc;
}

/* The body as JSON (new reference) or NULL. */
static json_t *resp_json(const struct resp *r){
  if( r->body==NULL ) return NULL;
  return json_loadb(r->body, r->len, 0, NULL);
}

/*
** Print the server's refusal (its JSON error message, or the status) and
** return the exit status for it: 3 for a bad or missing token, 1 otherwise.
*/
static int refused(const struct resp *r, const char *what){
  json_t *j = resp_json(r);
  const char *msg = json_string_value(json_object_get(json_object_get(j, "error"), "message"));
  if( msg ) say("%s: %s (HTTP %ld)", what, msg, r->status);
  else say("%s: the server answered HTTP %ld", what, r->status);
  json_decref(j);
  if( r->status==401 ) say("check HOLDPOINT_TOKEN: it must be a valid API token (holdpoint token create)");
  return r->status==401 ? HOLDCTL_USAGE : HOLDCTL_FAILED;
}

/* ---------------------------------------------------------------- arguments */

/* A positive decimal id, or 0. */
static long long parse_id(const char *z){
  char *end;
  if( z==NULL || *z<'1' || *z>'9' ) return 0;
  errno = 0;
  long long v = strtoll(z, &end, 10);
  return (errno || *end) ? 0 : v;
}

/* "30s", "5m", "1h", "2d", "1h30m" or plain seconds; -1 if malformed or not positive. */
static long long parse_duration(const char *z){
  long long total = 0;
  if( z==NULL || *z==0 ) return -1;
  while( *z ){
    char *end;
    if( *z<'0' || *z>'9' ) return -1;
    errno = 0;
    long long v = strtoll(z, &end, 10);
    if( errno || v>1000000000LL ) return -1;
    long long mult = 1;
    switch( *end ){
      case 's': mult = 1; end++; break;
      case 'm': mult = 60; end++; break;
      case 'h': mult = 3600; end++; break;
      case 'd': mult = 86400; end++; break;
      case 0: if( end==z ) return -1; break;
      default: return -1;
    }
    total += v*mult;
    if( total>100LL*365*86400 ) return -1;
    z = end;
  }
  return total>0 ? total : -1;
}

/* The value of --name among argv[from..), and whether an unknown option is there. */
struct opts {
  const char *name, *version, *artifact, *details, *activity, *timeout, *comment, *digest, *release;
  const char *vars[100];
  int nvars;
  const char *pos[34];     /* positional arguments (input: ACTIVITY and up to 33 KEY=VALUE) */
  int npos;
};

/* Parse options after the command.  0 ok, -1 (message printed). */
static int parse_opts(int argc, char **argv, struct opts *o){
  memset(o, 0, sizeof(*o));
  for(int i=0; i<argc; i++){
    const char *a = argv[i];
    const char **slot = NULL;
    if( strcmp(a, "--name")==0 ) slot = &o->name;
    else if( strcmp(a, "--version")==0 ) slot = &o->version;
    else if( strcmp(a, "--artifact")==0 ) slot = &o->artifact;
    else if( strcmp(a, "--details")==0 ) slot = &o->details;
    else if( strcmp(a, "--activity")==0 ) slot = &o->activity;
    else if( strcmp(a, "--timeout")==0 ) slot = &o->timeout;
    else if( strcmp(a, "--comment")==0 ) slot = &o->comment;
    else if( strcmp(a, "--artifact-digest")==0 || strcmp(a, "--digest")==0 ) slot = &o->digest;
    else if( strcmp(a, "--release")==0 ) slot = &o->release;
    else if( strcmp(a, "--var")==0 ){
      if( i+1>=argc ){ say("--var needs KEY=VALUE"); return -1; }
      if( o->nvars==(int)(sizeof(o->vars)/sizeof(o->vars[0])) ){ say("too many --var"); return -1; }
      o->vars[o->nvars++] = argv[++i];
      continue;
    }else if( a[0]=='-' && a[1]=='-' ){
      say("unknown option %s", a);
      return -1;
    }else{
      if( o->npos==34 ){ say("too many arguments"); return -1; }
      o->pos[o->npos++] = a;
      continue;
    }
    if( i+1>=argc ){ say("%s needs a value", a); return -1; }
    *slot = argv[++i];
  }
  return 0;
}

/* ---------------------------------------------------------------- commands */

/* GET the release as JSON into *out.  Returns -1 ok, or an exit status (message printed). */
static int get_release(const struct conf *c, long long id, json_t **out){
  char path[64];
  struct resp r;
  *out = NULL;
  snprintf(path, sizeof(path), "/api/v1/releases/%lld", id);
  if( http(c, "GET", path, NULL, &r) ) return HOLDCTL_USAGE;
  if( r.status!=200 ){
    int rc = refused(&r, "status");
    resp_free(&r);
    return rc;
  }
  *out = resp_json(&r);
  resp_free(&r);
  if( *out==NULL ){ say("the server's answer is not JSON"); return HOLDCTL_FAILED; }
  return -1;
}

/* The activity called name in a release's JSON, or NULL. */
static json_t *find_activity(json_t *rel, const char *name){
  size_t i, k;
  json_t *ph, *a;
  json_array_foreach(json_object_get(rel, "phases"), i, ph){
    json_array_foreach(json_object_get(ph, "activities"), k, a){
      const char *n = json_string_value(json_object_get(a, "name"));
      if( n && strcmp(n, name)==0 ) return a;
    }
  }
  return NULL;
}

/* Resolve ACTIVITY (an id, or RELEASE/NAME) to an id.  -1 ok, or an exit status. */
static int resolve_activity(const struct conf *c, const char *z, long long *id){
  *id = parse_id(z);
  if( *id ) return -1;
  const char *slash = z ? strchr(z, '/') : NULL;
  if( slash==NULL ){
    say("ACTIVITY must be an activity id or RELEASE/NAME (e.g. 12/deploy-qa), not '%s'", z ? z : "");
    return HOLDCTL_USAGE;
  }
  char rel_s[32];
  size_t n = (size_t)(slash - z);
  if( n==0 || n>=sizeof(rel_s) ){ say("bad release id in '%s'", z); return HOLDCTL_USAGE; }
  memcpy(rel_s, z, n);
  rel_s[n] = 0;
  long long rel = parse_id(rel_s);
  if( rel==0 ){ say("bad release id in '%s'", z); return HOLDCTL_USAGE; }
  json_t *j;
  int rc = get_release(c, rel, &j);
  if( rc>=0 ) return rc;
  json_t *a = find_activity(j, slash + 1);
  if( a ) *id = (long long)json_integer_value(json_object_get(a, "id"));
  json_decref(j);
  if( *id==0 ){ say("release %lld has no activity '%s'", rel, slash + 1); return HOLDCTL_USAGE; }
  return -1;
}

/* holdctl trigger TEMPLATE --name N --version V [--artifact A] [--var k=v]... */
static int cmd_trigger(const struct conf *c, struct opts *o){
  if( o->npos!=1 || o->name==NULL || o->version==NULL ){
    say("usage: holdctl trigger TEMPLATE --name N --version V [--artifact A] [--var KEY=VALUE]...");
    return HOLDCTL_USAGE;
  }
  json_t *vars = json_object();
  for(int i=0; i<o->nvars; i++){
    const char *eq = strchr(o->vars[i], '=');
    if( eq==NULL || eq==o->vars[i] ){ say("--var takes KEY=VALUE, not '%s'", o->vars[i]); json_decref(vars); return HOLDCTL_USAGE; }
    char key[256];
    size_t n = (size_t)(eq - o->vars[i]);
    if( n>=sizeof(key) ){ say("variable name too long"); json_decref(vars); return HOLDCTL_USAGE; }
    memcpy(key, o->vars[i], n);
    key[n] = 0;
    if( json_object_get(vars, key) ){ say("--var %s given twice", key); json_decref(vars); return HOLDCTL_USAGE; }
    json_object_set_new(vars, key, json_string(eq + 1));
  }
  json_t *body = json_pack("{s:s,s:s,s:s,s:o}", "template", o->pos[0], "name", o->name, "version", o->version,
                           "variables", vars);
  if( body && o->artifact ) json_object_set_new(body, "artifact", json_string(o->artifact));
  if( body && o->digest ) json_object_set_new(body, "artifact_digest", json_string(o->digest));
  char *z = body ? json_dumps(body, JSON_COMPACT) : NULL;
  json_decref(body);
  if( z==NULL ){ say("out of memory (or a value is not UTF-8)"); return HOLDCTL_FAILED; }
  struct resp r;
  int rc = http(c, "POST", "/api/v1/releases", z, &r);
  free(z);
  if( rc ) return HOLDCTL_USAGE;
  if( r.status!=201 ){
    rc = refused(&r, "trigger");
    resp_free(&r);
    return rc;
  }
  json_t *j = resp_json(&r);
  resp_free(&r);
  json_int_t id = json_integer_value(json_object_get(j, "id"));
  const char *st = json_string_value(json_object_get(j, "status"));
  if( id<=0 ){
    say("the server's answer has no release id");
    json_decref(j);
    return HOLDCTL_FAILED;
  }
  printf("%lld\n", (long long)id);
  say("release %lld started (%s)", (long long)id, st ? st : "?");
  json_decref(j);
  return HOLDCTL_OK;
}

/* The string member key of o, or "?" (never NULL, for printing). */
static const char *js(json_t *o, const char *key){
  const char *z = json_string_value(json_object_get(o, key));
  return z ? z : "?";
}

/* One line per activity: name, kind, status, result, and when it waits, since when and until when. */
static void print_release(json_t *rel){
  json_t *tpl = json_object_get(rel, "template");
  long long waiting = (long long)json_integer_value(json_object_get(rel, "waiting"));
  printf("Release %lld  %s %s  (template %s v%lld)\n", (long long)json_integer_value(json_object_get(rel, "id")),
         js(rel, "name"), js(rel, "version"), js(tpl, "name"), (long long)json_integer_value(json_object_get(tpl, "version")));
  printf("Status: %s", js(rel, "status"));
  if( waiting ) printf(" (%lld %s waiting for people)", waiting, waiting==1 ? "activity" : "activities");
  printf("\n");
  size_t i, k;
  json_t *ph, *a;
  json_array_foreach(json_object_get(rel, "phases"), i, ph){
    printf("  phase %-22s %s\n", js(ph, "name"), js(ph, "status"));
    json_array_foreach(json_object_get(ph, "activities"), k, a){
      const char *res = json_string_value(json_object_get(a, "result"));
      const char *dl = json_string_value(json_object_get(a, "deadline_at"));
      long long round = (long long)json_integer_value(json_object_get(a, "round"));
      char line[600];
      int n = snprintf(line, sizeof(line), "    %-6lld %-24s %-10s %-10s", (long long)json_integer_value(json_object_get(a, "id")),
                       js(a, "name"), js(a, "kind"), js(a, "status"));
      if( n>0 && (size_t)n<sizeof(line) && res ) n += snprintf(line+n, sizeof(line)-(size_t)n, " %s", res);
      if( n>0 && (size_t)n<sizeof(line) && round>1 ) n += snprintf(line+n, sizeof(line)-(size_t)n, " (round %lld)", round);
      if( n>0 && (size_t)n<sizeof(line) && dl && !res ) n += snprintf(line+n, sizeof(line)-(size_t)n, " deadline %s", dl);
      size_t len = strlen(line);
      while( len>0 && line[len-1]==' ' ) line[--len] = 0;
      printf("%s\n", line);
    }
  }
}

/* holdctl status RELEASE */
static int cmd_status(const struct conf *c, struct opts *o){
  long long id = o->npos==1 ? parse_id(o->pos[0]) : 0;
  if( id==0 ){ say("usage: holdctl status RELEASE (a release id)"); return HOLDCTL_USAGE; }
  json_t *j;
  int rc = get_release(c, id, &j);
  if( rc>=0 ) return rc;
  print_release(j);
  json_decref(j);
  return HOLDCTL_OK;
}

/* holdctl result ACTIVITY pass|warning|fail [--details JSON] */
static int cmd_result(const struct conf *c, struct opts *o){
  if( o->npos!=2 ){ say("usage: holdctl result ACTIVITY pass|warning|fail [--details JSON]"); return HOLDCTL_USAGE; }
  const char *res = o->pos[1];
  if( strcmp(res, "pass")!=0 && strcmp(res, "warning")!=0 && strcmp(res, "fail")!=0 ){
    say("the result must be pass, warning or fail, not '%s'", res);
    return HOLDCTL_USAGE;
  }
  json_t *details = NULL;
  if( o->details ){
    json_error_t e;
    details = json_loads(o->details, JSON_DECODE_ANY, &e);
    if( details==NULL ){ say("--details is not JSON: %s", e.text); return HOLDCTL_USAGE; }
  }
  long long id;
  int rc = resolve_activity(c, o->pos[0], &id);
  if( rc>=0 ){ json_decref(details); return rc; }
  json_t *body = json_pack("{s:s}", "result", res);
  if( details ) json_object_set_new(body, "details", details);
  char *z = json_dumps(body, JSON_COMPACT);
  json_decref(body);
  char path[80];
  snprintf(path, sizeof(path), "/api/v1/activities/%lld/result", id);
  struct resp r;
  rc = z ? http(c, "POST", path, z, &r) : -1;
  free(z);
  if( rc ) return HOLDCTL_USAGE;
  if( r.status!=200 ){
    rc = refused(&r, "result");
    resp_free(&r);
    return rc;
  }
  json_t *j = resp_json(&r);
  resp_free(&r);
  printf("activity %lld (%s): %s (%s)\n", id, js(j, "name"), js(j, "status"), res);
  json_decref(j);
  return HOLDCTL_OK;
}

/* holdctl approve|reject ACTIVITY --comment C — POST /api/v1/activities/{id}/decision. */
static int cmd_decide(const struct conf *c, struct opts *o, const char *decision){
  if( o->npos!=1 ){ say("usage: holdctl %s ACTIVITY --comment C", decision); return HOLDCTL_USAGE; }
  long long id;
  int rc = resolve_activity(c, o->pos[0], &id);
  if( rc>=0 ) return rc;
  json_t *body = json_pack("{s:s,s:s}", "decision", decision, "comment", o->comment ? o->comment : "");
  char *z = body ? json_dumps(body, JSON_COMPACT) : NULL;
  json_decref(body);
  if( z==NULL ){ say("out of memory (or the comment is not UTF-8)"); return HOLDCTL_FAILED; }
  char path[80];
  snprintf(path, sizeof(path), "/api/v1/activities/%lld/decision", id);
  struct resp r;
  rc = http(c, "POST", path, z, &r);
  free(z);
  if( rc ) return HOLDCTL_USAGE;
  if( r.status!=200 ){
    rc = refused(&r, decision);
    resp_free(&r);
    return rc;
  }
  json_t *j = resp_json(&r);
  resp_free(&r);
  const char *st = json_string_value(json_object_get(j, "status"));
  printf("activity %lld: %s recorded%s%s\n", id, decision, st ? "; status " : "", st ? st : "");
  json_decref(j);
  return HOLDCTL_OK;
}

/* holdctl input ACTIVITY KEY=VALUE... — POST /api/v1/activities/{id}/inputs {"values":{...}}. */
static int cmd_input(const struct conf *c, struct opts *o){
  if( o->npos<2 ){ say("usage: holdctl input ACTIVITY KEY=VALUE..."); return HOLDCTL_USAGE; }
  long long id;
  int rc = resolve_activity(c, o->pos[0], &id);
  if( rc>=0 ) return rc;
  json_t *values = json_object(), *body = json_pack("{s:o}", "values", values);
  for(int i=1; body && i<o->npos; i++){
    const char *eq = strchr(o->pos[i], '=');
    if( eq==NULL || eq==o->pos[i] ){
      say("'%s' is not KEY=VALUE", o->pos[i]);
      json_decref(body);
      return HOLDCTL_USAGE;
    }
    char key[128];
    snprintf(key, sizeof(key), "%.*s", (int)(eq - o->pos[i]), o->pos[i]);
    json_object_set_new(values, key, json_string(eq + 1));
  }
  char *z = body ? json_dumps(body, JSON_COMPACT) : NULL;
  json_decref(body);
  if( z==NULL ){ say("out of memory (or a value is not UTF-8)"); return HOLDCTL_FAILED; }
  char path[80];
  snprintf(path, sizeof(path), "/api/v1/activities/%lld/inputs", id);
  struct resp r;
  rc = http(c, "POST", path, z, &r);
  free(z);
  if( rc ) return HOLDCTL_USAGE;
  json_t *j = resp_json(&r);
  if( r.status!=200 ){
    json_t *fields = json_object_get(json_object_get(j, "error"), "fields");
    const char *k;
    json_t *m;
    json_object_foreach(fields, k, m) say("%s: %s", k, json_string_value(m));
    json_decref(j);
    rc = refused(&r, "input");
    resp_free(&r);
    return rc;
  }
  resp_free(&r);
  printf("activity %lld: %d value%s saved\n", id, o->npos - 1, o->npos==2 ? "" : "s");
  json_decref(j);
  return HOLDCTL_OK;
}

/* holdctl upload ACTIVITY FIELD FILE — ACTIVITY may be RELEASE/NAME; the rest is holdctl_upload(). */
static int cmd_upload(const struct conf *c, struct opts *o){
  if( o->npos!=3 ){ say("usage: holdctl upload ACTIVITY FIELD FILE"); return HOLDCTL_USAGE; }
  long long id;
  int rc = resolve_activity(c, o->pos[0], &id);
  if( rc>=0 ) return rc;
  char ids[32];
  snprintf(ids, sizeof(ids), "%lld", id);
  return holdctl_upload(c->url, c->token, ids, o->pos[1], o->pos[2]);
}

static double now_s(void){
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec/1e9;
}

static void sleep_s(double s){
  if( s<=0 ) return;
  struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s)*1e9) };
  while( nanosleep(&ts, &ts)==-1 && errno==EINTR ){}
}

/*
** holdctl wait RELEASE [--activity NAME] [--timeout 1h] — poll with backoff
** (0.5 s, x1.5, at most 10 s) until the activity (or the release) is decided.
** Transient failures after the first answer are retried until the timeout.
*/
static int cmd_wait(const struct conf *c, struct opts *o){
  long long id = o->npos==1 ? parse_id(o->pos[0]) : 0;
  long long timeout = o->timeout ? parse_duration(o->timeout) : DEFAULT_TIMEOUT_S;
  if( id==0 ){ say("usage: holdctl wait RELEASE [--activity NAME] [--timeout 1h]"); return HOLDCTL_USAGE; }
  if( timeout<0 ){ say("--timeout takes a duration like 30s, 5m, 1h or 1h30m, not '%s'", o->timeout); return HOLDCTL_USAGE; }
  double start = now_s(), end = start + (double)timeout, delay = 0.5;
  char last[300] = "";
  int answered = 0;
  for(;;){
    char path[64];
    struct resp r;
    snprintf(path, sizeof(path), "/api/v1/releases/%lld", id);
    if( http(c, "GET", path, NULL, &r) ){
      if( !answered ) return HOLDCTL_USAGE;       /* never reached: a configuration error */
    }else if( r.status==200 ){
      json_t *rel = resp_json(&r);
      resp_free(&r);
      answered = 1;
      const char *rs = json_string_value(json_object_get(rel, "status"));
      char now[300];
      int verdict = -1;
      if( rs==NULL ){ json_decref(rel); say("the server's answer is not a release"); return HOLDCTL_FAILED; }
      if( o->activity ){
        json_t *a = find_activity(rel, o->activity);
        if( a==NULL ){
          say("release %lld has no activity '%s'", id, o->activity);
          json_decref(rel);
          return HOLDCTL_USAGE;
        }
        const char *as = json_string_value(json_object_get(a, "status"));
        const char *res = json_string_value(json_object_get(a, "result"));
        snprintf(now, sizeof(now), "%s: %s%s%s (release %s)", o->activity, as ? as : "?",
                 res ? ", " : "", res ? res : "", rs);
        if( as && (strcmp(as, "completed")==0 || strcmp(as, "skipped")==0) ) verdict = HOLDCTL_OK;
        else if( as && (strcmp(as, "rejected")==0 || strcmp(as, "failed")==0 || strcmp(as, "aborted")==0) ) verdict = HOLDCTL_FAILED;
        else if( strcmp(rs, "failed")==0 || strcmp(rs, "aborted")==0 ) verdict = HOLDCTL_FAILED;
      }else{
        snprintf(now, sizeof(now), "release %lld: %s", id, rs);
        if( strcmp(rs, "completed")==0 ) verdict = HOLDCTL_OK;
        else if( strcmp(rs, "failed")==0 || strcmp(rs, "aborted")==0 ) verdict = HOLDCTL_FAILED;
      }
      json_decref(rel);
      if( strcmp(now, last)!=0 ){
        say("%s", now);
        snprintf(last, sizeof(last), "%s", now);
      }
      if( verdict>=0 ){
        printf("%s\n", now);
        return verdict;
      }
    }else if( r.status==401 || r.status==403 || r.status==404 ){
      int rc = refused(&r, "wait");
      resp_free(&r);
      return rc==HOLDCTL_FAILED ? HOLDCTL_USAGE : rc;
    }else{
      say("the server answered HTTP %ld; trying again", r.status);
      resp_free(&r);
    }
    double t = now_s();
    if( t>=end ){
      say("timed out after %s%s%s", o->timeout ? o->timeout : "1h", last[0] ? "; " : "", last);
      return HOLDCTL_TIMEOUT;
    }
    sleep_s(delay < end - t ? delay : end - t);
    delay *= 1.5;
    if( delay>10 ) delay = 10;
  }
}

/* holdctl build RELEASE --digest sha256:… [--artifact A] */
static int cmd_build(const struct conf *c, struct opts *o){
  long long id = o->npos==1 ? parse_id(o->pos[0]) : 0;
  if( id==0 || (o->digest==NULL && o->artifact==NULL) ){
    say("usage: holdctl build RELEASE --digest sha256:… [--artifact A]");
    return HOLDCTL_USAGE;
  }
  json_t *body = json_object();
  if( o->digest ) json_object_set_new(body, "digest", json_string(o->digest));
  if( o->artifact ) json_object_set_new(body, "artifact", json_string(o->artifact));
  char *z = json_dumps(body, JSON_COMPACT);
  json_decref(body);
  if( z==NULL ){ say("out of memory"); return HOLDCTL_FAILED; }
  char path[64];
  struct resp r;
  snprintf(path, sizeof(path), "/api/v1/releases/%lld/build", id);
  int rc = http(c, "POST", path, z, &r);
  free(z);
  if( rc ) return HOLDCTL_USAGE;
  if( r.status!=200 ){
    rc = refused(&r, "build");
    resp_free(&r);
    return rc;
  }
  json_t *j = resp_json(&r);
  resp_free(&r);
  printf("release %lld: %s\n", id, j && json_is_true(json_object_get(j, "restarted"))
         ? "new build recorded; the release starts again and its approvals are asked for again"
         : "already this build; nothing changed");
  json_decref(j);
  return HOLDCTL_OK;
}

/* holdctl verify --release RELEASE --digest sha256:… — exit 0 only when the build may ship. */
static int cmd_verify(const struct conf *c, struct opts *o){
  long long id = o->release ? parse_id(o->release) : 0;
  if( id==0 || o->digest==NULL || o->npos ){
    say("usage: holdctl verify --release RELEASE --digest sha256:…");
    return HOLDCTL_USAGE;
  }
  char path[300];
  struct resp r;
  if( strlen(o->digest)>160 ){ say("--digest is too long"); return HOLDCTL_USAGE; }
  snprintf(path, sizeof(path), "/api/v1/releases/%lld/verify?digest=%s", id, o->digest);
  for(char *p = path; *p; p++) if( *p==' ' ) *p = '+';
  if( http(c, "GET", path, NULL, &r) ) return HOLDCTL_USAGE;
  if( r.status!=200 ){
    int rc = refused(&r, "verify");
    resp_free(&r);
    return rc==HOLDCTL_OK ? HOLDCTL_FAILED : rc;
  }
  json_t *j = resp_json(&r);
  resp_free(&r);
  if( j==NULL ){ say("the server's answer is not JSON"); return HOLDCTL_FAILED; }
  int ok = json_is_true(json_object_get(j, "verified"));
  size_t i;
  json_t *v;
  if( ok ){
    printf("verified: every approval of release %lld covers %s\n", id, o->digest);
  }else{
    printf("NOT verified: %s may not ship as release %lld\n", o->digest, id);
    json_array_foreach(json_object_get(j, "reasons"), i, v) printf("  - %s\n", json_string_value(v));
  }
  json_decref(j);
  return ok ? HOLDCTL_OK : HOLDCTL_FAILED;
}

int main(int argc, char **argv){
  struct conf c;
  struct opts o;
  if( argc<2 ){ usage(stderr); return HOLDCTL_USAGE; }
  if( strcmp(argv[1], "-h")==0 || strcmp(argv[1], "--help")==0 || strcmp(argv[1], "help")==0 ){
    usage(stdout);
    return HOLDCTL_OK;
  }
  const char *cmd = argv[1];
  if( strcmp(cmd, "trigger") && strcmp(cmd, "status") && strcmp(cmd, "result") && strcmp(cmd, "wait")
   && strcmp(cmd, "approve") && strcmp(cmd, "reject") && strcmp(cmd, "upload") && strcmp(cmd, "input")
   && strcmp(cmd, "build") && strcmp(cmd, "verify") ){
    say("unknown command '%s'", cmd);
    usage(stderr);
    return HOLDCTL_USAGE;
  }
  if( parse_opts(argc-2, argv+2, &o) ) return HOLDCTL_USAGE;
  const char *url = getenv("HOLDPOINT_URL");
  c.token = getenv("HOLDPOINT_TOKEN");
  if( url==NULL || url[0]==0 ){ say("HOLDPOINT_URL is not set (e.g. export HOLDPOINT_URL=https://holdpoint.example)"); return HOLDCTL_USAGE; }
  if( c.token==NULL || c.token[0]==0 ){ say("HOLDPOINT_TOKEN is not set (an API token: holdpoint token create, or your profile page)"); return HOLDCTL_USAGE; }
  if( strncmp(url, "http://", 7)!=0 && strncmp(url, "https://", 8)!=0 ){
    say("HOLDPOINT_URL must start with http:// or https://, not '%s'", url);
    return HOLDCTL_USAGE;
  }
  if( snprintf(c.url, sizeof(c.url), "%s", url)>=(int)sizeof(c.url) ){ say("HOLDPOINT_URL is too long"); return HOLDCTL_USAGE; }
  size_t n = strlen(c.url);
  while( n>0 && c.url[n-1]=='/' ) c.url[--n] = 0;
  if( curl_global_init(CURL_GLOBAL_DEFAULT)!=CURLE_OK ){ say("cannot initialise libcurl"); return HOLDCTL_FAILED; }
  int rc;
  if( strcmp(cmd, "trigger")==0 ) rc = cmd_trigger(&c, &o);
  else if( strcmp(cmd, "status")==0 ) rc = cmd_status(&c, &o);
  else if( strcmp(cmd, "result")==0 ) rc = cmd_result(&c, &o);
  else if( strcmp(cmd, "wait")==0 ) rc = cmd_wait(&c, &o);
  else if( strcmp(cmd, "upload")==0 ) rc = cmd_upload(&c, &o);
  else if( strcmp(cmd, "input")==0 ) rc = cmd_input(&c, &o);
  else if( strcmp(cmd, "build")==0 ) rc = cmd_build(&c, &o);
  else if( strcmp(cmd, "verify")==0 ) rc = cmd_verify(&c, &o);
  else rc = cmd_decide(&c, &o, strcmp(cmd, "approve")==0 ? "approve" : "reject");
  curl_global_cleanup();
  return rc;
}

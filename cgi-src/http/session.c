/* session.c — browser sessions: 256-bit tokens stored as SHA-256, cookies, idle/absolute expiry. */
#include "session.h"
#include "users.h"
#include "auth.h"
#include "util.h"
#include "app.h"
#include "db.h"
#include "log.h"
#include "audit.h"
#include "ldapdir.h"
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <string.h>
#include <strings.h>
#include <stdio.h>


/* Fill out with 2*nbytes hex characters of fresh randomness and a NUL. */
const char *sess_cookie_name(const struct req *r){
  return r->https ? "__Host-hp_session" : "hp_session";
}

/* The Set-Cookie value for the session cookie; max_age 0 deletes it. */
const char *sess_cookie_header(struct req *r, const char *value, int max_age){
  return arena_printf(&r->arena, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s",
                      sess_cookie_name(r), value, r->https ? "; Secure" : "",
                      max_age>0 ? "" : "; Max-Age=0");
}

/*
** The device cookie (core/auth.c's throttling): a random value set when a person
** signs in, kept a year, so that this browser keeps signing in while strangers
** guessing that person's password are slowed down.  Only its SHA-256 is stored.
*/
static const char *device_cookie_name(const struct req *r){
  return r->https ? "__Host-hp_device" : "hp_device";
}

const char *sess_device_hash(struct req *r){
  const char *v = req_cookie(r, device_cookie_name(r));
  char h[65];
  if( v==NULL || strlen(v)!=64 || strspn(v, "0123456789abcdef")!=64 ) return NULL;
  util_sha256_hex(v, 64, h);
  return arena_strdup(&r->arena, h);
}

void sess_device_cookie(struct req *r, const char *value){
  resp_header(r, "Set-Cookie", arena_printf(&r->arena, "%s=%s; Path=/; Max-Age=31536000; HttpOnly;"
                                            " SameSite=Strict%s", device_cookie_name(r), value,
                                            r->https ? "; Secure" : ""));
}

/* Load an enabled user with roles into the arena: 1 found, 0 not (or disabled), -1 the database
** or memory failed. */
static int load_user(struct req *r, int64_t user_id, struct user **out){
  struct db *db = r->app->db;
  int found = 0;
  *out = NULL;
  struct db_stmt *st = db_prepare(db, "SELECT username, display_name, email, is_admin, time_zone, auth_source,"
                                    " (SELECT confirmed_at FROM totp WHERE user_id=users.id) IS NOT NULL"
                                    " FROM users WHERE id=:id AND disabled=0");
  if( st==NULL ) return -1;
  db_bind_int64(st, ":id", user_id);
  int step = db_step(st);
  if( step==DB_ROW ){
    struct user *u = arena_alloc(&r->arena, sizeof(*u));
    if( u ){
      memset(u, 0, sizeof(*u));
      u->id = user_id;
      u->username = db_col_dup(&r->arena, st, 0);
      u->display_name = db_col_dup(&r->arena, st, 1);
      u->email = db_col_dup(&r->arena, st, 2);
      u->is_admin = db_col_int(st, 3);
      u->time_zone = db_col_dup(&r->arena, st, 4);
      u->auth_source = db_col_dup(&r->arena, st, 5);
      u->two_step = db_col_int(st, 6);
      found = u->username && u->display_name && u->email && u->time_zone && u->auth_source ? 1 : -1;
      if( found==1 ) *out = u;
    }else{
      found = -1;
    }
  }else if( step!=DB_DONE ){
    found = -1;
  }
  db_finish(st);
  if( found!=1 ) return found;
  st = db_prepare(db, "SELECT role FROM user_roles WHERE user_id=:id");
  if( st==NULL ){ *out = NULL; return -1; }
  db_bind_int64(st, ":id", user_id);
  while( (step = db_step(st))==DB_ROW ) (*out)->roles |= users_role_bit(db_col_text(st, 0));
  db_finish(st);
  if( step!=DB_DONE ){ *out = NULL; return -1; }     /* never a person with half their roles */
  if( (*out)->is_admin ) (*out)->roles |= ROLE_ADMIN;
  (*out)->must_set_up_two_step = strcmp((*out)->auth_source, "local")==0 && !(*out)->two_step
                              && ((*out)->roles & users_roles_parse(r->app->cfg.idp.two_step_roles));
  return 1;
}

/* Load an enabled user with roles into the arena.  Returns 1 found, 0 not (or a failure, logged). */
int sess_load_user(struct req *r, int64_t user_id, struct user **out){
  return load_user(r, user_id, out)==1;
}

/*
** Who a session cookie (or an API token) names, kept by a worker while the database does not
** change (db_generation): the session's times, its CSRF token and the person with their roles.  The
** times are checked against the clock on every request, as the query does; everything else that
** could change the answer (a sign-out, a disabled account, a role, a name) is a write, which
** starts a new generation.  A few sessions per worker, replaced in turn.
*/
#define SESS_KEPT 8
static struct kept_sess {
  int64_t gen, user_id, last_seen, expires_at;
  int64_t token_id;                   /* an API token's (sess_token_identify), 0 for a browser session */
  char hash[65];
  char *csrf, *username, *display_name, *email, *time_zone, *auth_source;   /* malloc'd */
  int is_admin, two_step;
  unsigned roles;
} kept_sess[SESS_KEPT];
static int kept_next;

static void kept_clear(struct kept_sess *k){
  free(k->csrf); free(k->username); free(k->display_name); free(k->email); free(k->time_zone); free(k->auth_source);
  memset(k, 0, sizeof(*k));
}

static void kept_store(int64_t gen, const char *h, int64_t last_seen, int64_t expires_at, const char *csrf,
                       int64_t token_id, const struct user *u){
  if( gen==0 ) return;
  struct kept_sess *k = &kept_sess[kept_next];
  kept_next = (kept_next + 1) % SESS_KEPT;
  kept_clear(k);
  k->csrf = strdup(csrf); k->username = strdup(u->username); k->display_name = strdup(u->display_name);
  k->email = strdup(u->email); k->time_zone = strdup(u->time_zone); k->auth_source = strdup(u->auth_source);
  if( !k->csrf || !k->username || !k->display_name || !k->email || !k->time_zone || !k->auth_source ){
    kept_clear(k);                    /* out of memory: simply not kept */
    return;
  }
  k->gen = gen; k->user_id = u->id; k->last_seen = last_seen; k->expires_at = expires_at; k->token_id = token_id;
  snprintf(k->hash, sizeof(k->hash), "%s", h);
  k->is_admin = u->is_admin; k->two_step = u->two_step; k->roles = u->roles;
}

/* The kept entry for this hash in this generation (a token's when token), or NULL. */
static const struct kept_sess *kept_find(int64_t gen, const char *h, int token){
  for(int i=0; gen!=0 && i<SESS_KEPT; i++){
    if( kept_sess[i].gen==gen && (kept_sess[i].token_id!=0)==token && strcmp(kept_sess[i].hash, h)==0 ){
      return &kept_sess[i];
    }
  }
  return NULL;
}

/* The person a kept session names, copied into the request's arena; 1, or 0 when out of memory. */
static int kept_user(struct req *r, const struct kept_sess *k, struct user **out){
  struct user *u = arena_alloc(&r->arena, sizeof(*u));
  if( u==NULL ) return 0;
  memset(u, 0, sizeof(*u));
  u->id = k->user_id;
  u->username = arena_strdup(&r->arena, k->username);
  u->display_name = arena_strdup(&r->arena, k->display_name);
  u->email = arena_strdup(&r->arena, k->email);
  u->time_zone = arena_strdup(&r->arena, k->time_zone);
  u->auth_source = arena_strdup(&r->arena, k->auth_source);
  u->is_admin = k->is_admin;
  u->two_step = k->two_step;
  u->roles = k->roles;
  if( !u->username || !u->display_name || !u->email || !u->time_zone || !u->auth_source ) return 0;
  u->must_set_up_two_step = strcmp(u->auth_source, "local")==0 && !u->two_step
                         && (u->roles & users_roles_parse(r->app->cfg.idp.two_step_roles));
  *out = u;
  return 1;
}

/*
** Identify the browser from its session cookie.  A session counts when it
** exists, was not ended, its user is enabled, it is younger than its absolute
** expiry and was used within the idle limit.  last_seen_at is refreshed at
** most once a minute to keep page views free of writes.
*/
int sess_identify(struct req *r){
  const char *tok = req_cookie(r, sess_cookie_name(r));
  if( tok==NULL || strlen(tok)!=2*SESS_TOKEN_BYTES ) return 0;
  char h[65];
  util_sha256_hex(tok, strlen(tok), h);
  struct db *db = r->app->db;
  int64_t now = app_now_ms(r->app), user_id = 0, last_seen = 0, expires_at = 0;
  int64_t idle = now - (int64_t)r->app->cfg.session_idle*1000;
  const char *csrf = NULL;
  int64_t gen = db_generation(db);
  const struct kept_sess *k = kept_find(gen, h, 0);
  if( k ){
    if( k->expires_at<=now || k->last_seen<=idle ) return 0;          /* the query's own conditions */
    csrf = arena_strdup(&r->arena, k->csrf);
    if( csrf==NULL || !kept_user(r, k, &r->user) ) return -1;       /* out of memory */
    last_seen = k->last_seen;
  }else{
    struct db_stmt *st = db_prepare(db, "SELECT user_id, csrf_token, last_seen_at, expires_at FROM sessions"
                                      " WHERE id_hash=:h AND ended_at IS NULL AND expires_at>:now"
                                      " AND last_seen_at>:idle");
    if( st==NULL ) return -1;
    db_bind_text(st, ":h", h);
    db_bind_int64(st, ":now", now);
    db_bind_int64(st, ":idle", idle);
    int step = db_step(st);
    if( step==DB_ROW ){
      user_id = db_col_int64(st, 0);
      csrf = db_col_dup(&r->arena, st, 1);
      last_seen = db_col_int64(st, 2);
      expires_at = db_col_int64(st, 3);
    }
    db_finish(st);
    if( step!=DB_ROW && step!=DB_DONE ) return -1;     /* not "signed out": the database failed */
    if( step==DB_ROW && csrf==NULL ) return -1;            /* out of memory */
    if( user_id==0 ) return 0;
    int found = load_user(r, user_id, &r->user);
    if( found!=1 ) return found;
    kept_store(gen, h, last_seen, expires_at, csrf, 0, r->user);
  }
  r->session_hash = arena_strdup(&r->arena, h);
  r->csrf_token = csrf;
  if( now - last_seen > 60000 ){
    struct db_stmt *st = db_prepare(db, "UPDATE sessions SET last_seen_at=:now WHERE id_hash=:h");
    if( st ){
      db_bind_int64(st, ":now", now);
      db_bind_text(st, ":h", h);
      db_step(st);
      db_finish(st);
    }
  }
  return 1;
}

/*
** Start a session for user_id: a fresh 256-bit token (never reused, so a
** cookie planted before sign-in is worthless after it), its hash stored with
** the IP and user agent, and the cookie set on the response.
*/
int sess_create(struct req *r, int64_t user_id, const char *method){
  char tok[2*SESS_TOKEN_BYTES+1], csrf[65], h[65];
  if( util_random_hex(tok, SESS_TOKEN_BYTES) || util_random_hex(csrf, 32) ) return HP_ERROR;
  util_sha256_hex(tok, strlen(tok), h);
  int64_t now = app_now_ms(r->app);
  struct db_stmt *st = db_prepare(r->app->db,
    "INSERT INTO sessions(id_hash,user_id,csrf_token,created_at,last_seen_at,expires_at,ip,user_agent,auth_method)"
    " VALUES(:h,:u,:c,:now,:now,:exp,:ip,:ua,:m)");
  if( st==NULL ) return HP_ERROR;
  db_bind_text(st, ":h", h);
  db_bind_int64(st, ":u", user_id);
  db_bind_text(st, ":c", csrf);
  db_bind_int64(st, ":now", now);
  db_bind_int64(st, ":exp", now + (int64_t)r->app->cfg.session_max*1000);
  db_bind_text(st, ":ip", r->remote_addr);
  db_bind_text(st, ":ua", r->user_agent);
  db_bind_text(st, ":m", method);
  int rc = db_step(st)==DB_DONE ? HP_OK : HP_ERROR;
  db_finish(st);
  if( rc==HP_OK ){
    resp_header(r, "Set-Cookie", sess_cookie_header(r, tok, 1));
    r->session_hash = arena_strdup(&r->arena, h);
    r->csrf_token = arena_strdup(&r->arena, csrf);
  }
  return rc;
}

int sess_end(struct req *r, const char *id_hash){
  struct db_stmt *st = db_prepare(r->app->db,
    "UPDATE sessions SET ended_at=:now WHERE id_hash=:h AND ended_at IS NULL");
  if( st==NULL ) return HP_ERROR;
  db_bind_int64(st, ":now", app_now_ms(r->app));
  db_bind_text(st, ":h", id_hash);
  int rc = db_step(st)==DB_DONE ? HP_OK : HP_ERROR;
  db_finish(st);
  return rc;
}

/*
** End every session of user_id except the one whose hash is keep (NULL: all),
** with an audit record when any ended, in a transaction of its own.  Used
** after a password change or reset.  HP_OK, HP_UNAVAILABLE or HP_ERROR.
*/
int sess_end_others(struct req *r, int64_t user_id, const char *keep){
  struct db *db = r->app->db;
  if( db_begin_write(db) ) return HP_UNAVAILABLE;
  struct db_stmt *st = db_prepare(db, "UPDATE sessions SET ended_at=:now"
                                    " WHERE user_id=:u AND ended_at IS NULL AND id_hash<>:keep");
  int ok = 0, n = 0;
  if( st ){
    db_bind_int64(st, ":now", app_now_ms(r->app));
    db_bind_int64(st, ":u", user_id);
    db_bind_text(st, ":keep", keep ? keep : "");
    ok = db_step(st)==DB_DONE;
    n = db_changes(db);
    db_finish(st);
  }
  if( ok && n>0 ) ok = req_audit(r, "session.end_others", "user", user_id, 0, "{s:i}", "ended", n)==0;
  if( !ok || db_commit(db) ){
    db_rollback(db);
    return HP_ERROR;
  }
  return HP_OK;
}

/* Flash messages travel in a short-lived cookie, percent-encoded. */
void sess_set_flash(struct req *r, const char *msg){
  static const char hex[] = "0123456789ABCDEF";
  struct buf b;
  if( msg==NULL ) return;                                /* an arena_printf that ran out of memory */
  buf_init(&b);
  for(const unsigned char *p = (const unsigned char*)msg; *p && b.len<600; p++){
    if( (*p>='a'&&*p<='z') || (*p>='A'&&*p<='Z') || (*p>='0'&&*p<='9') || *p=='.' || *p=='-' ){
      buf_append(&b, (const char*)p, 1);
    }else{
      char e[3] = { '%', hex[*p>>4], hex[*p&15] };
      buf_append(&b, e, 3);
    }
  }
  if( b.z ){
    resp_header(r, "Set-Cookie", arena_printf(&r->arena, "hp_flash=%s; Path=/; Max-Age=60; HttpOnly; SameSite=Strict", b.z));
  }
  buf_free(&b);
}

const char *sess_take_flash(struct req *r){
  const char *z = req_cookie(r, "hp_flash");
  struct kv *kv;
  size_t n;
  if( z==NULL || z[0]==0 ) return NULL;
  resp_header(r, "Set-Cookie", "hp_flash=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
  if( form_parse_urlencoded(&r->arena, arena_printf(&r->arena, "m=%s", z), strlen(z)+2,
                            &form_default_limits, &kv, &n) || n!=1 ) return NULL;
  return kv[0].value;
}

/*
** Identify an API caller from "Authorization: Bearer hp_...".  The token must
** exist, not be revoked, and belong to an enabled user; its last use is
** recorded (to the minute).  The caller acts with the user's roles and nothing more.
*/
int sess_token_identify(struct req *r){
  const char *z = r->authorization;
  if( z==NULL || strncasecmp(z, "Bearer ", 7)!=0 ) return HP_UNAUTHORIZED;
  z += 7;
  while( *z==' ' ) z++;
  if( strlen(z)!=67 || strncmp(z, "hp_", 3)!=0 ) return HP_UNAUTHORIZED;
  char h[65];
  util_sha256_hex(z, strlen(z), h);
  int64_t tid = 0, uid = 0, last_used = 0, now = app_now_ms(r->app), gen = db_generation(r->app->db);
  const struct kept_sess *k = kept_find(gen, h, 1);
  if( k ){
    if( !kept_user(r, k, &r->user) ) return HP_UNAVAILABLE;         /* out of memory */
    tid = k->token_id;
    last_used = k->last_seen;
  }else{
    struct db_stmt *st = db_prepare(r->app->db, "SELECT id, user_id, coalesce(last_used_at,0) FROM api_tokens"
                                              " WHERE token_hash=:h AND revoked_at IS NULL");
    if( st==NULL ) return HP_ERROR;
    db_bind_text(st, ":h", h);
    int step = db_step(st);
    if( step==DB_ROW ){
      tid = db_col_int64(st, 0);
      uid = db_col_int64(st, 1);
      last_used = db_col_int64(st, 2);
    }
    db_finish(st);
    if( step!=DB_ROW && step!=DB_DONE ) return HP_UNAVAILABLE;   /* not "unknown token": the database failed */
    if( tid==0 || !sess_load_user(r, uid, &r->user) ) return HP_UNAUTHORIZED;
    kept_store(gen, h, last_used, INT64_MAX, "", tid, r->user);
  }
  r->via_token = 1;
  r->token_id = tid;
  r->session_hash = arena_printf(&r->arena, "token:%lld", (long long)tid);
  /* The last use, to the minute: a read through the API writes at most once a minute (and
     only then: a write ends the page's read snapshot and waits for the write lock). */
  if( last_used < now - 60000 ){
    struct db_stmt *st = db_prepare(r->app->db, "UPDATE api_tokens SET last_used_at=:now WHERE id=:id"
                                                " AND (last_used_at IS NULL OR last_used_at<:now-60000)");
    if( st ){
      db_bind_int64(st, ":now", now);
      db_bind_int64(st, ":id", tid);
      db_step(st);
      db_finish(st);
    }
  }
  return HP_OK;
}

/*
** Verify the signed-in person's password again (electronic signatures).  On
** success the session's reauth_at is set to now and 1 is returned.
*/
int sess_reauthenticate(struct req *r, const char *password, int64_t *wait_ms){
  struct auth_counts counts;
  *wait_ms = 0;
  if( r->user==NULL || password==NULL ) return 0;
  /* throttled like a sign-in, but only this person's own failures count: they are signed in */
  auth_counts_load(r->app, r->user->username, r->user->id, r->remote_addr, NULL, &counts);
  counts.account = counts.ip_unknown = 0;
  if( auth_gate(&counts, r->app->cfg.login_max_failures, app_now_ms(r->app), wait_ms)!=AUTH_OPEN ) return -1;
  const char *method = "password";
  int ok = 0;
  if( r->user->auth_source && strcmp(r->user->auth_source, "ldap")==0 ){
    /* the directory checks it: the person's password lives there */
    struct ldap_entry e;
    char err[300];
    method = "ldap";
    ok = ldapdir_authenticate(&r->app->cfg.idp, &r->arena, r->user->username, password, &e, err, sizeof(err))==HP_OK;
  }else if( r->user->auth_source==NULL || strcmp(r->user->auth_source, "local")==0 ){
    struct db_stmt *st = db_prepare(r->app->db, "SELECT password_hash FROM users WHERE id=:id AND disabled=0");
    if( st==NULL ) return 0;
    db_bind_int64(st, ":id", r->user->id);
    ok = db_step(st)==DB_ROW && auth_verify_password(db_col_text(st, 0), password);
    db_finish(st);
  }
  if( !ok ){
    auth_record_failure(r->app, r->user->username, r->remote_addr, 1, NULL);
    return 0;
  }
  sess_reauth_record(r, method);
  return 1;
}

void sess_reauth_record(struct req *r, const char *method){
  if( r->session_hash==NULL || strncmp(r->session_hash, "token:", 6)==0 ) return;
  sess_reauth_mark(r->app, r->session_hash, r->user ? r->user->id : 0, method);
}

int sess_reauth_mark(struct app *a, const char *id_hash, int64_t user_id, const char *method){
  struct db_stmt *st = db_prepare(a->db, "UPDATE sessions SET reauth_at=:now, reauth_method=:m WHERE id_hash=:h"
                                       " AND (:u=0 OR user_id=:u) AND ended_at IS NULL AND expires_at>:now");
  int n = -1;
  if( st ){
    db_bind_int64(st, ":now", app_now_ms(a));
    db_bind_text(st, ":m", method);
    db_bind_text(st, ":h", id_hash);
    db_bind_int64(st, ":u", user_id);
    if( db_step(st)==DB_DONE ) n = db_changes(a->db);
    db_finish(st);
  }
  return n;
}

const char *sess_reauth_recent(struct req *r, int64_t within_ms){
  if( r->session_hash==NULL ) return NULL;
  struct db_stmt *st = db_prepare(r->app->db, "SELECT reauth_method FROM sessions WHERE id_hash=:h"
                                            " AND reauth_at>=:since AND reauth_method IS NOT NULL");
  const char *m = NULL;
  if( st==NULL ) return NULL;
  db_bind_text(st, ":h", r->session_hash);
  db_bind_int64(st, ":since", app_now_ms(r->app) - within_ms);
  if( db_step(st)==DB_ROW ) m = db_col_dup(&r->arena, st, 0);
  db_finish(st);
  return m;
}

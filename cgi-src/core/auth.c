/* auth.c — passwords (Argon2id), sign-in throttling, API tokens, re-authentication. */
#include "auth.h"
#include "util.h"
#include "app.h"
#include "db.h"
#include "log.h"
#include <argon2.h>
#include <openssl/rand.h>
#include <string.h>
#include <strings.h>
#include <stdio.h>

/*
** Hash pw with Argon2id, a fresh 16-byte salt and the configured cost, into
** the standard encoded form ($argon2id$v=19$m=...,t=...,p=1$salt$hash).
** Returns 0, or -1 on failure.
*/
int auth_hash_password(const struct app *a, const char *pw, char *out, size_t nout){
  unsigned char salt[16];
  if( RAND_bytes(salt, sizeof(salt))!=1 ) return -1;
  uint32_t t = a ? (uint32_t)a->cfg.argon2_t : 2, m = a ? (uint32_t)a->cfg.argon2_m : 19456;
  size_t need = argon2_encodedlen(t, m, 1, sizeof(salt), 32, Argon2_id);
  if( need > nout ) return -1;
  int rc = argon2id_hash_encoded(t, m, 1, pw, strlen(pw), salt, sizeof(salt), 32, out, nout);
  return rc==ARGON2_OK ? 0 : -1;
}

/* argon2id_verify compares in constant time. */
int auth_verify_password(const char *encoded, const char *pw){
  if( encoded==NULL || strncmp(encoded, "$argon2id$", 10)!=0 ) return 0;
  return argon2id_verify(encoded, pw, strlen(pw))==ARGON2_OK;
}

const char *auth_password_problem(const char *pw){
  size_t n = strlen(pw);
  if( n<10 ) return "Use at least 10 characters.";
  if( n>256 ) return "Use at most 256 characters.";
  return NULL;
}

/*
** Sign-in throttling, as OWASP recommends, so that a stranger can slow down
** guessing but cannot lock people out:
**
**  - per (account name, address) pair: after max failures in the window, each
**    further try waits 30 s, then 1, 2, 4, 8 minutes, at most 15;
**  - per address, only for names that are not accounts: after 4 x max such
**    failures an attempt from there must succeed (a wrong password answers
**    "too many" like an unknown name does, so the answers never tell which
**    names exist), while a person typing their own right password gets in;
**  - per account from browsers it never signed in from: after 10 x max
**    failures in the window (many addresses guessing one person's password)
**    such browsers wait for the window;
**  - a browser with a device cookie for that account (set when the person
**    signed in there before) skips all three, until it fails max times itself.
**
** auth_gate() is the pure rule; auth_check_login() counts, asks it, checks
** the password and records failures.
*/
int64_t auth_pair_delay_ms(int pair_failures, int max_failures){
  if( pair_failures < max_failures ) return 0;
  int k = pair_failures - max_failures;
  int64_t d = AUTH_FIRST_DELAY_MS;
  while( k-- > 0 && d < AUTH_THROTTLE_WINDOW_MS ) d *= 2;
  return d > AUTH_THROTTLE_WINDOW_MS ? AUTH_THROTTLE_WINDOW_MS : d;
}

enum auth_gate auth_gate(const struct auth_counts *c, int max, int64_t now, int64_t *wait_ms){
  *wait_ms = 0;
  if( max < 1 ) max = 1;
  if( c->trusted_device && c->device < max ) return AUTH_OPEN;
  if( c->pair >= max ){
    int64_t until = c->pair_last_at + auth_pair_delay_ms(c->pair, max);
    if( now < until ){ *wait_ms = until - now; return AUTH_WAIT_PAIR; }
  }
  if( c->account >= 10*max ){
    int64_t until = c->account_oldest_at + AUTH_THROTTLE_WINDOW_MS;
    *wait_ms = until > now ? until - now : 1000;
    return AUTH_WAIT_ACCOUNT;
  }
  if( c->ip_unknown >= 4*max ) return AUTH_MUST_SUCCEED;
  return AUTH_OPEN;
}

/* One count over login_failures since the window began (:a/:b are the keys). */
static int count_since(struct app *a, const char *sql, const char *k1, const char *k2,
                       int64_t since, int64_t *extra){
  struct db_stmt *st = db_prepare(a->db, sql);
  int n = 0;
  if( extra ) *extra = 0;
  if( st==NULL ) return 0;
  db_bind_text(st, ":a", k1);
  if( k2 ) db_bind_text(st, ":b", k2);
  db_bind_int64(st, ":since", since);
  if( db_step(st)==DB_ROW ){
    n = db_col_int(st, 0);
    if( extra ) *extra = db_col_int64(st, 1);
  }
  db_finish(st);
  return n;
}

/* The device cookie's owner, or 0. */
static int64_t device_user(struct app *a, const char *device_hash){
  if( device_hash==NULL || device_hash[0]==0 ) return 0;
  struct db_stmt *st = db_prepare(a->db, "SELECT user_id FROM login_devices WHERE id_hash=:h");
  int64_t uid = 0;
  if( st==NULL ) return 0;
  db_bind_text(st, ":h", device_hash);
  if( db_step(st)==DB_ROW ) uid = db_col_int64(st, 0);
  db_finish(st);
  return uid;
}

void auth_counts_load(struct app *a, const char *username, int64_t user_id, const char *ip,
                      const char *device_hash, struct auth_counts *c){
  int64_t since = app_now_ms(a) - AUTH_THROTTLE_WINDOW_MS;
  memset(c, 0, sizeof(*c));
  c->pair = count_since(a, "SELECT count(*), max(at) FROM login_failures"
                           " WHERE username=:a AND ip=:b AND at>:since", username, ip, since, &c->pair_last_at);
  c->ip_unknown = count_since(a, "SELECT count(*), 0 FROM login_failures"
                                 " WHERE ip=:a AND known=0 AND at>:since", ip, NULL, since, NULL);
  c->account = count_since(a, "SELECT count(*), min(at) FROM login_failures"
                              " WHERE username=:a AND device_hash IS NULL AND at>:since",
                           username, NULL, since, &c->account_oldest_at);
  if( user_id>0 && device_hash && device_user(a, device_hash)==user_id ){
    c->trusted_device = 1;
    c->device = count_since(a, "SELECT count(*), 0 FROM login_failures"
                               " WHERE device_hash=:a AND at>:since", device_hash, NULL, since, NULL);
  }
}

/* device_hash is recorded only for a device cookie of this account (a trusted browser). */
void auth_record_failure(struct app *a, const char *username, const char *ip, int known,
                         const char *device_hash){
  struct db_stmt *st = db_prepare(a->db, "INSERT INTO login_failures(username,ip,at,known,device_hash)"
                                       " VALUES(:u,:ip,:now,:k,:d)");
  if( st==NULL ) return;
  db_bind_text(st, ":u", username);
  db_bind_text(st, ":ip", ip);
  db_bind_int64(st, ":now", app_now_ms(a));
  db_bind_int64(st, ":k", known ? 1 : 0);
  if( device_hash ) db_bind_text(st, ":d", device_hash);
  db_step(st);
  db_finish(st);
}

/* The job runner forgets failures a day old (the administrator's page shows the last day). */
void auth_prune(struct app *a, int64_t now){
  struct db_stmt *st = db_prepare(a->db, "DELETE FROM login_failures WHERE at<:t");
  if( st==NULL ) return;
  db_bind_int64(st, ":t", now - 24*3600*1000LL);
  db_step(st);
  db_finish(st);
}

/*
** Check a sign-in.  The same answer (HP_UNAUTHORIZED) for an unknown name, a
** wrong password and a disabled account, and an Argon2 verification even for
** unknown names, so neither the message nor the timing tells which.  A
** throttled attempt (HP_TOO_MANY, *wait_ms and *gate say why) is refused
** before the password is looked at, except under the address limit, where
** only a right password gets through.  device_hash: the SHA-256 of the
** browser's device cookie, or NULL.
*/
int auth_check_login(struct app *a, const struct auth_attempt *at, int64_t *user_id,
                     enum auth_gate *gate, int64_t *wait_ms){
  static const char dummy[] =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$"
    "2Jf9TqDgDqHnLUVVJ1qIoMJvBn/8I8+eY8m0Du9fJ4E";
  struct auth_counts counts;
  *user_id = 0;
  struct db_stmt *st = db_prepare(a->db, "SELECT id, password_hash, disabled FROM users WHERE username=:u");
  if( st==NULL ) return HP_ERROR;
  db_bind_text(st, ":u", at->username);
  int64_t id = 0;
  int disabled = 1, ok;
  char hash[256] = "";
  if( db_step(st)==DB_ROW ){
    id = db_col_int64(st, 0);
    snprintf(hash, sizeof(hash), "%s", db_col_text(st, 1));
    disabled = db_col_int(st, 2);
  }
  db_finish(st);
  auth_counts_load(a, at->username, id, at->ip, at->device_hash, &counts);
  *gate = auth_gate(&counts, a->cfg.login_max_failures, app_now_ms(a), wait_ms);
  if( *gate==AUTH_WAIT_PAIR || *gate==AUTH_WAIT_ACCOUNT ) return HP_TOO_MANY;
  ok = auth_verify_password(id ? hash : dummy, at->password);
  if( !ok || id==0 || disabled ){
    auth_record_failure(a, at->username, at->ip, id!=0, counts.trusted_device ? at->device_hash : NULL);
    return *gate==AUTH_MUST_SUCCEED ? HP_TOO_MANY : HP_UNAUTHORIZED;
  }
  *gate = AUTH_OPEN;
  *user_id = id;
  return HP_OK;
}

int auth_login_gate(struct app *a, const struct auth_attempt *at, int64_t user_id, enum auth_gate *gate,
                    int64_t *wait_ms, const char **failure_device){
  struct auth_counts counts;
  auth_counts_load(a, at->username, user_id, at->ip, at->device_hash, &counts);
  *gate = auth_gate(&counts, a->cfg.login_max_failures, app_now_ms(a), wait_ms);
  *failure_device = counts.trusted_device ? at->device_hash : NULL;
  return *gate==AUTH_WAIT_PAIR || *gate==AUTH_WAIT_ACCOUNT ? HP_TOO_MANY : HP_OK;
}

/*
** Remember this browser for user_id, inside the caller's transaction: keep a
** device cookie it already has for this person (device_hash), or make a new
** one and write the cookie's value to out (else out is "").  0 or -1.
*/
int auth_device_remember(struct app *a, int64_t user_id, const char *device_hash,
                         char *out, size_t nout){
  char hex[65], h[65];
  struct db_stmt *st;
  out[0] = 0;
  if( device_hash && device_user(a, device_hash)==user_id ){
    st = db_prepare(a->db, "UPDATE login_devices SET last_used_at=:now WHERE id_hash=:h");
    if( st==NULL ) return -1;
    db_bind_text(st, ":h", device_hash);
  }else{
    if( nout < 65 || util_random_hex(hex, 32) ) return -1;
    util_sha256_hex(hex, 64, h);
    st = db_prepare(a->db, "INSERT INTO login_devices(id_hash,user_id,created_at,last_used_at)"
                           " VALUES(:h,:u,:now,:now)");
    if( st==NULL ) return -1;
    db_bind_text(st, ":h", h);
    db_bind_int64(st, ":u", user_id);
    snprintf(out, nout, "%s", hex);
  }
  db_bind_int64(st, ":now", app_now_ms(a));
  int rc = db_step(st)==DB_DONE ? 0 : -1;
  db_finish(st);
  if( rc ) out[0] = 0;
  return rc;
}

/* Make a token for user_id, store its hash, and write the token itself to out. */
int auth_token_create(struct app *a, int64_t user_id, const char *name, char *out, size_t nout,
                      int64_t *token_id){
  char hex[65], h[65];
  if( nout < 3+64+1 || util_random_hex(hex, 32) ) return HP_ERROR;
  snprintf(out, nout, "hp_%s", hex);
  util_sha256_hex(out, strlen(out), h);
  struct db_stmt *st = db_prepare(a->db, "INSERT INTO api_tokens(user_id,name,token_hash,created_at)"
                                       " VALUES(:u,:n,:h,:now)");
  if( st==NULL ) return HP_ERROR;
  db_bind_int64(st, ":u", user_id);
  db_bind_text(st, ":n", name);
  db_bind_text(st, ":h", h);
  db_bind_int64(st, ":now", app_now_ms(a));
  int rc = db_step(st)==DB_DONE ? HP_OK : HP_ERROR;
  db_finish(st);
  if( token_id ) *token_id = db_last_id(a->db);
  return rc;
}

int auth_token_revoke(struct app *a, int64_t token_id, int64_t user_id){
  if( token_id<=0 && user_id<=0 ) return -1;
  struct db_stmt *st = db_prepare(a->db, "UPDATE api_tokens SET revoked_at=:now WHERE revoked_at IS NULL"
                                       " AND (:t=0 OR id=:t) AND (:u=0 OR user_id=:u)");
  int n = -1;
  if( st==NULL ) return -1;
  db_bind_int64(st, ":now", app_now_ms(a));
  db_bind_int64(st, ":t", token_id>0 ? token_id : 0);
  db_bind_int64(st, ":u", user_id>0 ? user_id : 0);
  if( db_step(st)==DB_DONE ) n = db_changes(a->db);
  db_finish(st);
  return n;
}

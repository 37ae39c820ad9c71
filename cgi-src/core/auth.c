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

/* Pure: one account name gets max_failures tries per window; one IP four times that. */
int auth_throttled(int failures_user, int failures_ip, int max_failures){
  return failures_user >= max_failures || failures_ip >= 4*max_failures;
}

static int count_failures(struct app *a, const char *sql, const char *val){
  sqlite3_stmt *st = db_prepare(a->db, sql);
  int n = 0;
  if( st==NULL ) return 0;
  db_bind_text(st, ":v", val);
  db_bind_int64(st, ":since", app_now_ms(a) - AUTH_THROTTLE_WINDOW_MS);
  if( db_step(st)==SQLITE_ROW ) n = sqlite3_column_int(st, 0);
  db_finish(st);
  return n;
}

int auth_is_throttled(struct app *a, const char *username, const char *ip){
  int fu = count_failures(a, "SELECT count(*) FROM login_failures WHERE username=:v AND at>:since", username);
  int fi = count_failures(a, "SELECT count(*) FROM login_failures WHERE ip=:v AND at>:since", ip);
  return auth_throttled(fu, fi, a->cfg.login_max_failures);
}

void auth_record_failure(struct app *a, const char *username, const char *ip){
  sqlite3_stmt *st = db_prepare(a->db, "INSERT INTO login_failures(username,ip,at) VALUES(:u,:ip,:now)");
  if( st==NULL ) return;
  db_bind_text(st, ":u", username);
  db_bind_text(st, ":ip", ip);
  db_bind_int64(st, ":now", app_now_ms(a));
  db_step(st);
  db_finish(st);
}

/*
** Check a sign-in.  The same answer (HP_UNAUTHORIZED) for an unknown name, a
** wrong password and a disabled account, and an Argon2 verification even for
** unknown names, so neither the message nor the timing tells which.  Throttled
** attempts are refused before the password is looked at.
*/
int auth_check_login(struct app *a, const char *username, const char *pw, const char *ip,
                     int64_t *user_id){
  static const char dummy[] =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$"
    "2Jf9TqDgDqHnLUVVJ1qIoMJvBn/8I8+eY8m0Du9fJ4E";
  *user_id = 0;
  if( auth_is_throttled(a, username, ip) ) return HP_TOO_MANY;
  sqlite3_stmt *st = db_prepare(a->db, "SELECT id, password_hash, disabled FROM users WHERE username=:u");
  if( st==NULL ) return HP_ERROR;
  db_bind_text(st, ":u", username);
  int64_t id = 0;
  int disabled = 1, ok;
  char hash[256] = "";
  if( db_step(st)==SQLITE_ROW ){
    id = sqlite3_column_int64(st, 0);
    snprintf(hash, sizeof(hash), "%s", db_col_text(st, 1));
    disabled = sqlite3_column_int(st, 2);
  }
  db_finish(st);
  ok = auth_verify_password(id ? hash : dummy, pw);
  if( !ok || id==0 || disabled ){
    auth_record_failure(a, username, ip);
    return HP_UNAUTHORIZED;
  }
  *user_id = id;
  return HP_OK;
}

/* Make a token for user_id, store its hash, and write the token itself to out. */
int auth_token_create(struct app *a, int64_t user_id, const char *name, char *out, size_t nout,
                      int64_t *token_id){
  char hex[65], h[65];
  if( nout < 3+64+1 || util_random_hex(hex, 32) ) return HP_ERROR;
  snprintf(out, nout, "hp_%s", hex);
  util_sha256_hex(out, strlen(out), h);
  sqlite3_stmt *st = db_prepare(a->db, "INSERT INTO api_tokens(user_id,name,token_hash,created_at)"
                                       " VALUES(:u,:n,:h,:now)");
  if( st==NULL ) return HP_ERROR;
  db_bind_int64(st, ":u", user_id);
  db_bind_text(st, ":n", name);
  db_bind_text(st, ":h", h);
  db_bind_int64(st, ":now", app_now_ms(a));
  int rc = db_step(st)==SQLITE_DONE ? HP_OK : HP_ERROR;
  db_finish(st);
  if( token_id ) *token_id = sqlite3_last_insert_rowid(a->db);
  return rc;
}

int auth_token_revoke(struct app *a, int64_t token_id, int64_t user_id){
  if( token_id<=0 && user_id<=0 ) return -1;
  sqlite3_stmt *st = db_prepare(a->db, "UPDATE api_tokens SET revoked_at=:now WHERE revoked_at IS NULL"
                                       " AND (:t=0 OR id=:t) AND (:u=0 OR user_id=:u)");
  int n = -1;
  if( st==NULL ) return -1;
  db_bind_int64(st, ":now", app_now_ms(a));
  db_bind_int64(st, ":t", token_id>0 ? token_id : 0);
  db_bind_int64(st, ":u", user_id>0 ? user_id : 0);
  if( db_step(st)==SQLITE_DONE ) n = sqlite3_changes(a->db);
  db_finish(st);
  return n;
}

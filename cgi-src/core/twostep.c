/* twostep.c — two-step sign-in for local accounts (RFC 6238 codes from pure/totp.c; recovery codes kept as SHA-256). */
#include "twostep.h"
#include "hp.h"
#include "app.h"
#include "db.h"
#include "util.h"
#include "audit.h"
#include <openssl/rand.h>
#include <string.h>

int twostep_state(struct app *a, int64_t uid, struct twostep_state *out){
  memset(out, 0, sizeof(*out));
  struct db_stmt *st = db_prepare(a->db, "SELECT confirmed_at IS NOT NULL, confirmed_at, pending_secret IS NOT NULL,"
                                       " (SELECT count(*) FROM recovery_codes WHERE user_id=:u AND used_at IS NULL)"
                                       " FROM totp WHERE user_id=:u");
  if( st==NULL ) return -1;
  db_bind_int64(st, ":u", uid);
  int rc = db_step(st);
  if( rc==DB_ROW ){
    out->enabled = db_col_int(st, 0);
    out->confirmed_at = db_col_int64(st, 1);
    out->pending = db_col_int(st, 2);
    out->recovery_left = db_col_int(st, 3);
  }
  db_finish(st);
  return rc==DB_ROW || rc==DB_DONE ? 0 : -1;
}

/* One statement with :u (and :s, :now when named) bound; 0 or -1. */
static int exec_u(struct app *a, const char *sql, int64_t uid, const char *s){
  struct db_stmt *st = db_prepare(a->db, sql);
  if( st==NULL ) return -1;
  db_bind_int64(st, ":u", uid);
  if( s ) db_bind_text(st, ":s", s);
  if( db_has_param(st, ":now") ) db_bind_int64(st, ":now", app_now_ms(a));
  int rc = db_step(st)==DB_DONE ? 0 : -1;
  db_finish(st);
  return rc;
}

/*
** Pending secrets live in their own row kind: a confirmed secret is replaced
** only when the new one is confirmed, so the table keeps one row per person
** and a pending secret waits in pending_secret.
*/
int twostep_begin(struct app *a, const struct audit_ctx *c, int64_t uid, char *secret, size_t nsecret){
  unsigned char key[TOTP_SECRET_BYTES];
  if( nsecret < TOTP_B32_LEN(TOTP_SECRET_BYTES) || RAND_bytes(key, sizeof(key))!=1 ) return HP_ERROR;
  totp_base32_encode(key, sizeof(key), secret);
  if( db_begin_write(a->db) ) return HP_UNAVAILABLE;
  int ok = exec_u(a, "INSERT INTO totp(user_id, secret, pending_secret, created_at) VALUES(:u, '', :s, :now)"
                     " ON CONFLICT(user_id) DO UPDATE SET pending_secret=excluded.pending_secret", uid, secret)==0;
  if( ok ) ok = audit_append(a, c, "auth.two_step_begun", "user", uid, 0, NULL)==0;
  if( !ok || db_commit(a->db) ){
    db_rollback(a->db);
    return HP_ERROR;
  }
  return HP_OK;
}

int twostep_pending_secret(struct app *a, int64_t uid, char *secret, size_t nsecret){
  struct db_stmt *st = db_prepare(a->db, "SELECT pending_secret FROM totp WHERE user_id=:u AND pending_secret IS NOT NULL");
  int found = 0;
  if( st==NULL ) return 0;
  db_bind_int64(st, ":u", uid);
  if( db_step(st)==DB_ROW ){
    snprintf(secret, nsecret, "%s", db_col_text(st, 0));
    found = 1;
  }
  db_finish(st);
  return found;
}

/* Fresh recovery codes for uid in the caller's transaction: the old ones go. 0, -1. */
static int make_recovery(struct app *a, int64_t uid, char codes[TWOSTEP_RECOVERY_CODES][TWOSTEP_RECOVERY_LEN+2]){
  static const char alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";   /* no 0/o, 1/i/l */
  if( exec_u(a, "DELETE FROM recovery_codes WHERE user_id=:u", uid, NULL) ) return -1;
  for(int i = 0; i<TWOSTEP_RECOVERY_CODES; i++){
    unsigned char rnd[TWOSTEP_RECOVERY_LEN];
    char plain[TWOSTEP_RECOVERY_LEN+1], h[65];
    if( RAND_bytes(rnd, sizeof(rnd))!=1 ) return -1;
    for(int j = 0; j<TWOSTEP_RECOVERY_LEN; j++) plain[j] = alphabet[rnd[j] % (sizeof(alphabet)-1)];
    plain[TWOSTEP_RECOVERY_LEN] = 0;
    snprintf(codes[i], TWOSTEP_RECOVERY_LEN+2, "%.5s-%.5s", plain, plain+5);
    util_sha256_hex(plain, TWOSTEP_RECOVERY_LEN, h);
    if( exec_u(a, "INSERT INTO recovery_codes(user_id, code_hash, created_at) VALUES(:u, :s, :now)", uid, h) ) return -1;
  }
  return 0;
}

/* A typed code without spaces and dashes, lower case. */
static size_t clean_code(const char *code, char *out, size_t nout){
  size_t n = 0;
  for(const char *p = code; *p && n+1<nout; p++){
    if( *p==' ' || *p=='-' ) continue;
    out[n++] = (char)(*p>='A' && *p<='Z' ? *p+32 : *p);
  }
  out[n] = 0;
  return n;
}

int twostep_confirm(struct app *a, const struct audit_ctx *c, int64_t uid, const char *code,
                    char codes[TWOSTEP_RECOVERY_CODES][TWOSTEP_RECOVERY_LEN+2], char *err, size_t nerr){
  char secret[64], clean[16];
  unsigned char key[64];
  if( !twostep_pending_secret(a, uid, secret, sizeof(secret)) ){
    snprintf(err, nerr, "There is no new authenticator to confirm. Start the set-up again.");
    return HP_CONFLICT;
  }
  int nkey = totp_base32_decode(secret, key, sizeof(key));
  uint64_t step = 0;
  if( clean_code(code, clean, sizeof(clean))==TOTP_DIGITS && nkey>0 ){
    step = totp_check(key, (size_t)nkey, clean, app_now_ms(a)/1000, 0);
  }
  if( step==0 ){
    snprintf(err, nerr, "That code is not right. Type the 6 digits the app shows now (check the phone's clock if it keeps failing).");
    return HP_UNPROCESSABLE;
  }
  if( db_begin_write(a->db) ) return HP_UNAVAILABLE;
  struct db_stmt *st = db_prepare(a->db, "UPDATE totp SET secret=pending_secret, pending_secret=NULL, confirmed_at=:now,"
                                       " last_step=:step WHERE user_id=:u AND pending_secret=:s");
  int ok = st!=NULL;
  if( st ){
    db_bind_int64(st, ":now", app_now_ms(a));
    db_bind_int64(st, ":step", (int64_t)step);
    db_bind_int64(st, ":u", uid);
    db_bind_text(st, ":s", secret);
    ok = db_step(st)==DB_DONE && db_changes(a->db)==1;
    db_finish(st);
  }
  if( ok ) ok = make_recovery(a, uid, codes)==0;
  if( ok ) ok = audit_append(a, c, "auth.two_step_on", "user", uid, 0, "{s:i}", "recovery_codes", TWOSTEP_RECOVERY_CODES)==0;
  if( !ok || db_commit(a->db) ){
    db_rollback(a->db);
    return HP_ERROR;
  }
  return HP_OK;
}

int twostep_new_recovery(struct app *a, const struct audit_ctx *c, int64_t uid,
                         char codes[TWOSTEP_RECOVERY_CODES][TWOSTEP_RECOVERY_LEN+2]){
  struct twostep_state s;
  if( twostep_state(a, uid, &s) ) return HP_ERROR;
  if( !s.enabled ) return HP_CONFLICT;
  if( db_begin_write(a->db) ) return HP_UNAVAILABLE;
  int ok = make_recovery(a, uid, codes)==0
        && audit_append(a, c, "auth.recovery_codes_new", "user", uid, 0, "{s:i}", "recovery_codes", TWOSTEP_RECOVERY_CODES)==0;
  if( !ok || db_commit(a->db) ){
    db_rollback(a->db);
    return HP_ERROR;
  }
  return HP_OK;
}

int twostep_disable(struct app *a, const struct audit_ctx *c, int64_t uid){
  if( db_begin_write(a->db) ) return HP_UNAVAILABLE;
  int ok = exec_u(a, "DELETE FROM recovery_codes WHERE user_id=:u", uid, NULL)==0
        && exec_u(a, "DELETE FROM totp WHERE user_id=:u", uid, NULL)==0
        && audit_append(a, c, "auth.two_step_off", "user", uid, 0, NULL)==0;
  if( !ok || db_commit(a->db) ){
    db_rollback(a->db);
    return HP_ERROR;
  }
  return HP_OK;
}

int twostep_check(struct app *a, int64_t uid, const char *code, const char **method){
  char clean[64];
  size_t n = clean_code(code, clean, sizeof(clean));
  if( n==TOTP_DIGITS ){
    struct db_stmt *st = db_prepare(a->db, "SELECT secret, last_step FROM totp WHERE user_id=:u AND confirmed_at IS NOT NULL");
    unsigned char key[64];
    int nkey = -1;
    int64_t last = 0;
    if( st==NULL ) return -1;
    db_bind_int64(st, ":u", uid);
    if( db_step(st)==DB_ROW ){
      nkey = totp_base32_decode(db_col_text(st, 0), key, sizeof(key));
      last = db_col_int64(st, 1);
    }
    db_finish(st);
    if( nkey<=0 ) return 0;
    uint64_t step = totp_check(key, (size_t)nkey, clean, app_now_ms(a)/1000, (uint64_t)last);
    if( step==0 ) return 0;
    /* the step is taken once: the same code replayed (or raced) is refused */
    st = db_prepare(a->db, "UPDATE totp SET last_step=:s WHERE user_id=:u AND last_step<:s");
    if( st==NULL ) return -1;
    db_bind_int64(st, ":s", (int64_t)step);
    db_bind_int64(st, ":u", uid);
    int rc = db_step(st)==DB_DONE ? db_changes(a->db)==1 : -1;
    db_finish(st);
    *method = "password+totp";
    return rc;
  }
  if( n!=TWOSTEP_RECOVERY_LEN ) return 0;
  char h[65];
  util_sha256_hex(clean, n, h);
  struct db_stmt *st = db_prepare(a->db, "UPDATE recovery_codes SET used_at=:now WHERE user_id=:u AND code_hash=:h AND used_at IS NULL");
  if( st==NULL ) return -1;
  db_bind_int64(st, ":now", app_now_ms(a));
  db_bind_int64(st, ":u", uid);
  db_bind_text(st, ":h", h);
  int rc = db_step(st)==DB_DONE ? db_changes(a->db)==1 : -1;
  db_finish(st);
  *method = "recovery";
  return rc;
}

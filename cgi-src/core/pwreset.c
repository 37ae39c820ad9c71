/* pwreset.c — password reset by a single-use, expiring e-mail link (only its SHA-256 is stored). */
#include "pwreset.h"
#include "hp.h"
#include "app.h"
#include "db.h"
#include "util.h"
#include "auth.h"
#include "users.h"
#include "audit.h"
#include "notify.h"
#include <stdio.h>
#include <string.h>

int pwreset_request(struct app *a, const struct audit_ctx *c, const char *who){
  const struct idp_config *p = &a->cfg.idp;
  int64_t uid = 0, now = app_now_ms(a);
  const char *email = NULL, *username = NULL;
  char emailbuf[256], namebuf[72];
  struct db_stmt *st = db_prepare(a->db, "SELECT id, email, username FROM users WHERE (username=:w OR lower(email)=lower(:w))"
                                       " AND auth_source='local' AND disabled=0 AND email LIKE '%_@_%' ORDER BY id LIMIT 2");
  int n = 0;
  if( st==NULL ) return HP_ERROR;
  db_bind_text(st, ":w", who);
  while( db_step(st)==DB_ROW ){
    if( n++==0 ){
      uid = db_col_int64(st, 0);
      snprintf(emailbuf, sizeof(emailbuf), "%s", db_col_text(st, 1));
      snprintf(namebuf, sizeof(namebuf), "%s", db_col_text(st, 2));
      email = emailbuf;
      username = namebuf;
    }
  }
  db_finish(st);
  if( n!=1 ) uid = 0;                       /* nobody, or an address two accounts share: no link */
  if( uid && p->require_sso && (p->break_glass[0]==0 || strcmp(username, p->break_glass)!=0) ) uid = 0;
  if( db_begin_write(a->db) ) return HP_UNAVAILABLE;
  int ok = 1, sent = 0;
  if( uid ){
    int recent = 0;
    st = db_prepare(a->db, "SELECT count(*) FROM password_resets WHERE user_id=:u AND created_at>:since");
    ok = st!=NULL;
    if( st ){
      db_bind_int64(st, ":u", uid);
      db_bind_int64(st, ":since", now - 3600*1000);
      if( db_step(st)==DB_ROW ) recent = db_col_int(st, 0);
      db_finish(st);
    }
    if( ok && recent<PWRESET_PER_HOUR ){
      char tok[65], h[65];
      ok = util_random_hex(tok, 32)==0;
      if( ok ){
        util_sha256_hex(tok, 64, h);
        st = db_prepare(a->db, "INSERT INTO password_resets(id_hash,user_id,created_at,expires_at) VALUES(:h,:u,:now,:exp)");
        ok = st!=NULL;
        if( st ){
          db_bind_text(st, ":h", h);
          db_bind_int64(st, ":u", uid);
          db_bind_int64(st, ":now", now);
          db_bind_int64(st, ":exp", now + PWRESET_TTL_MS);
          ok = db_step(st)==DB_DONE;
          db_finish(st);
        }
      }
      if( ok ){
        size_t nb = strlen(a->cfg.base_url);
        while( nb>0 && a->cfg.base_url[nb-1]=='/' ) nb--;
        char link[512], body[1400];
        snprintf(link, sizeof(link), "%.*s/login/reset/new?token=%s", (int)nb, a->cfg.base_url, tok);
        snprintf(body, sizeof(body),
                 "Someone (we hope you) asked to reset the Holdpoint password of %s.\n\n"
                 "Choose a new password here within 30 minutes:\n\n%s\n\n"
                 "The link works once. If you did not ask for it, ignore this message: your password stays as it is.\n",
                 username, link);
        sent = notify_account_email(a, email, "Reset your Holdpoint password", body);
        ok = sent>=0;
      }
    }
  }
  if( ok ) ok = audit_append(a, c, "auth.reset_requested", "user", uid, 0, "{s:s,s:b}", "asked_for", who,
                             "sent", sent>0)==0;
  if( !ok || db_commit(a->db) ){
    db_rollback(a->db);
    return HP_ERROR;
  }
  return HP_OK;
}

int64_t pwreset_check(struct app *a, const char *token){
  char h[65];
  int64_t uid = 0;
  if( token==NULL || strlen(token)!=64 ) return 0;
  util_sha256_hex(token, 64, h);
  struct db_stmt *st = db_prepare(a->db, "SELECT r.user_id FROM password_resets r JOIN users u ON u.id=r.user_id"
                                       " WHERE r.id_hash=:h AND r.used_at IS NULL AND r.expires_at>:now"
                                       " AND u.disabled=0 AND u.auth_source='local'");
  if( st==NULL ) return 0;
  db_bind_text(st, ":h", h);
  db_bind_int64(st, ":now", app_now_ms(a));
  if( db_step(st)==DB_ROW ) uid = db_col_int64(st, 0);
  db_finish(st);
  return uid;
}

int pwreset_finish(struct app *a, const struct audit_ctx *c, const char *token, const char *password,
                   char *err, size_t nerr){
  const char *p = auth_password_problem(password);
  if( p ){ snprintf(err, nerr, "%s", p); return HP_UNPROCESSABLE; }
  if( token==NULL || strlen(token)!=64 ){ snprintf(err, nerr, "This link is unknown, was used already or has expired."); return HP_NOT_FOUND; }
  char h[65];
  util_sha256_hex(token, 64, h);
  if( db_begin_write(a->db) ){ snprintf(err, nerr, "The database is busy; try again."); return HP_UNAVAILABLE; }
  /* spend the link first, conditionally: of two tabs using it at once, one wins */
  int64_t uid = 0;
  struct db_stmt *st = db_prepare(a->db, "UPDATE password_resets SET used_at=:now WHERE id_hash=:h AND used_at IS NULL"
                                       " AND expires_at>:now AND user_id IN (SELECT id FROM users WHERE disabled=0"
                                       " AND auth_source='local') RETURNING user_id");
  int ok = st!=NULL;
  if( st ){
    db_bind_int64(st, ":now", app_now_ms(a));
    db_bind_text(st, ":h", h);
    if( db_step(st)==DB_ROW ) uid = db_col_int64(st, 0);
    while( db_step(st)==DB_ROW ){}
    db_finish(st);
  }
  if( ok && uid==0 ){
    db_rollback(a->db);
    snprintf(err, nerr, "This link is unknown, was used already or has expired. Ask for a new one.");
    return HP_NOT_FOUND;
  }
  int rc = ok ? users_set_password(a, c, uid, password, err, nerr) : HP_ERROR;   /* a savepoint inside ours */
  if( rc==HP_OK ){
    st = db_prepare(a->db, "UPDATE password_resets SET used_at=:now WHERE user_id=:u AND used_at IS NULL");
    ok = st!=NULL;
    if( st ){
      db_bind_int64(st, ":now", app_now_ms(a));
      db_bind_int64(st, ":u", uid);
      ok = db_step(st)==DB_DONE;
      db_finish(st);
    }
    if( ok ) ok = users_end_sessions(a, uid)==HP_OK;
    if( ok ) ok = audit_append(a, c, "auth.reset_used", "user", uid, 0, NULL)==0;
    if( !ok ){ rc = HP_ERROR; snprintf(err, nerr, "Could not save the new password."); }
  }
  if( rc!=HP_OK || db_commit(a->db) ){
    db_rollback(a->db);
    return rc==HP_OK ? HP_ERROR : rc;
  }
  return HP_OK;
}

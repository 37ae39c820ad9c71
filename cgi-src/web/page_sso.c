/* page_sso.c — sign in through the company's OpenID Connect provider, and confirm a signature there. */
#include "page.h"
#include "page_login.h"
#include "app.h"
#include "db.h"
#include "util.h"
#include "session.h"
#include "audit.h"
#include "federate.h"
#include "oidc.h"
#include <string.h>

#define OIDC_COOKIE "hp_oidc"
#define OIDC_PENDING_MS (10*60*1000)

/* The round trip is over (used or refused): this browser's hp_oidc cookie goes. */
static void forget_browser(struct req *r){
  resp_header(r, "Set-Cookie", OIDC_COOKIE "=; Path=/login/oidc; Max-Age=0; HttpOnly; SameSite=Lax");
}

static const char *redirect_uri(struct req *r){
  const char *b = r->app->cfg.base_url;
  size_t n = strlen(b);
  while( n>0 && b[n-1]=='/' ) n--;
  return arena_printf(&r->arena, "%.*s/login/oidc/callback", (int)n, b);
}

/*
** Start a round trip to the provider: remember state, nonce and the PKCE
** verifier (hashed state as the key), bind them to this browser with a cookie
** that survives the provider's redirect back (SameSite=Lax), and go.
*/
static int start(struct req *r, const char *purpose, const char *next){
  const struct idp_config *p = &r->app->cfg.idp;
  char state[65], nonce[65], verifier[65], browser[65], hs[65], hb[65];
  const char *url;
  char err[300];
  if( util_random_hex(state, 32) || util_random_hex(nonce, 32) || util_random_hex(verifier, 32)
   || util_random_hex(browser, 32) ) return HP_ERROR;
  util_sha256_hex(state, 64, hs);
  util_sha256_hex(browser, 64, hb);
  int rc = oidc_authorize_url(p, &r->arena, redirect_uri(r), state, nonce, verifier, strcmp(purpose, "reauth")==0,
                              &url, err, sizeof(err));
  if( rc!=HP_OK ){
    req_audit_tx(r, "auth.login_failed", "user", r->user ? r->user->id : 0, 0, "{s:s,s:s}", "method", "oidc", "reason", err);
    if( r->user ){
      page_flash(r, "%s", err);
      return resp_redirect(r, "%s", next);
    }
    return page_login_show(r, HP_UNAVAILABLE, "", next, err);
  }
  int64_t now = app_now_ms(r->app);
  struct db *db = r->app->db;
  if( db_begin_write(db) ) return HP_UNAVAILABLE;
  struct db_stmt *st = db_prepare(db, "INSERT INTO oidc_pending(state_hash,browser_hash,nonce,verifier,next,purpose,"
                                    "user_id,session_hash,created_at,expires_at)"
                                    " VALUES(:s,:b,:n,:v,:next,:p,:u,:sh,:now,:exp)");
  int ok = st!=NULL;
  if( st ){
    db_bind_text(st, ":s", hs);
    db_bind_text(st, ":b", hb);
    db_bind_text(st, ":n", nonce);
    db_bind_text(st, ":v", verifier);
    db_bind_text(st, ":next", next);
    db_bind_text(st, ":p", purpose);
    if( r->user ) db_bind_int64(st, ":u", r->user->id);
    if( r->user && r->session_hash ) db_bind_text(st, ":sh", r->session_hash);
    db_bind_int64(st, ":now", now);
    db_bind_int64(st, ":exp", now + OIDC_PENDING_MS);
    ok = db_step(st)==DB_DONE;
    db_finish(st);
  }
  /* round trips never finished are forgotten after a day */
  if( ok ){
    st = db_prepare(db, "DELETE FROM oidc_pending WHERE expires_at < :old");
    ok = st!=NULL;
    if( st ){
      db_bind_int64(st, ":old", now - 86400000);
      ok = db_step(st)==DB_DONE;
      db_finish(st);
    }
  }
  if( !ok || db_commit(db) ){
    db_rollback(db);
    return HP_ERROR;
  }
  resp_header(r, "Set-Cookie", arena_printf(&r->arena, OIDC_COOKIE "=%s; Path=/login/oidc; Max-Age=600; HttpOnly;"
                                            " SameSite=Lax%s", browser, r->https ? "; Secure" : ""));
  return resp_redirect_external(r, url);
}

/* GET /login/oidc?next=/path — "Sign in with <provider>". */
int page_oidc_start(struct req *r){
  const char *next = page_login_safe_next(req_query(r, "next"));
  if( r->app->cfg.idp.oidc_issuer[0]==0 ){
    return page_login_show(r, 404, "", next, "Signing in with a company provider is not set up here. Use your"
                           " username and password.");
  }
  if( r->user ) return resp_redirect(r, "%s", next);
  return start(r, "login", next);
}

/*
** GET /activities/{id}/reauth — a person who signs in through the provider
** confirms who they are there, now, before signing a decision (the provider
** is asked for a fresh sign-in: prompt=login, max_age=0).
*/
int page_oidc_reauth(struct req *r){
  const char *back = arena_printf(&r->arena, "/activities/%lld#decide", (long long)r->ids[0]);
  if( strcmp(r->user->auth_source, "oidc")!=0 || r->app->cfg.idp.oidc_issuer[0]==0 ){
    page_flash(r, "Your signature is confirmed with your password, in the form below.");
    return resp_redirect(r, "%s", back);
  }
  return start(r, "reauth", back);
}

struct pending {
  const char *nonce, *verifier, *next, *purpose, *session_hash;
  int64_t user_id, created_at;
};

/* Take (and delete: single use) the round trip named by state, if this browser started it. 1, 0 unknown, -1 failed. */
static int take_pending(struct req *r, const char *state, struct pending *p){
  const char *browser = req_cookie(r, OIDC_COOKIE);
  char hs[65], hb[65];
  int found = 0;
  util_sha256_hex(state, strlen(state), hs);
  util_sha256_hex(browser ? browser : "", browser ? strlen(browser) : 0, hb);
  struct db *db = r->app->db;
  if( db_begin_write(db) ) return -1;
  struct db_stmt *st = db_prepare(db, "DELETE FROM oidc_pending WHERE state_hash=:s AND expires_at>:now"
                                    " RETURNING browser_hash, nonce, verifier, next, purpose, user_id, session_hash, created_at");
  if( st==NULL ){
    db_rollback(db);
    return -1;
  }
  db_bind_text(st, ":s", hs);
  db_bind_int64(st, ":now", app_now_ms(r->app));
  if( db_step(st)==DB_ROW ){
    found = strcmp(db_col_text(st, 0), hb)==0;
    p->nonce = db_col_dup(&r->arena, st, 1);
    p->verifier = db_col_dup(&r->arena, st, 2);
    p->next = db_col_dup(&r->arena, st, 3);
    p->purpose = db_col_dup(&r->arena, st, 4);
    p->user_id = db_col_int64(st, 5);
    p->session_hash = db_col_dup(&r->arena, st, 6);
    p->created_at = db_col_int64(st, 7);
    while( db_step(st)==DB_ROW ){}
  }
  db_finish(st);
  if( db_commit(db) ){
    db_rollback(db);
    return -1;
  }
  return found;
}

/* A round trip that failed: audited (nothing else is recorded) and said on the sign-in page. */
static int refuse(struct req *r, int status, int64_t uid, const char *next, const char *reason, const char *message){
  req_audit_tx(r, "auth.login_failed", "user", uid, 0, "{s:s,s:s}", "method", "oidc", "reason", reason);
  forget_browser(r);
  return page_login_show(r, status, "", next ? next : "/", message);
}

/* The user's federated identity, "issuer subject", and username, or NULL. */
static const char *external_id(struct req *r, int64_t uid, const char **username){
  struct db_stmt *st = db_prepare(r->app->db, "SELECT external_id, username FROM users WHERE id=:u"
                                            " AND auth_source='oidc' AND disabled=0");
  const char *z = NULL;
  if( st==NULL ) return NULL;
  db_bind_int64(st, ":u", uid);
  if( db_step(st)==DB_ROW ){
    z = db_col_dup(&r->arena, st, 0);
    *username = db_col_dup(&r->arena, st, 1);
  }
  db_finish(st);
  return z;
}

/* GET /login/oidc/callback?code=…&state=… (or ?error=…) — the provider sends the browser back. */
int page_oidc_callback(struct req *r){
  const struct idp_config *cfg = &r->app->cfg.idp;
  const char *state = req_query(r, "state"), *code = req_query(r, "code"), *error = req_query(r, "error");
  struct pending p;
  memset(&p, 0, sizeof(p));
  if( cfg->oidc_issuer[0]==0 ) return page_login_show(r, 404, "", "/", "Signing in with a company provider is not set up here.");
  if( state==NULL || state[0]==0 || strlen(state)>128 ){
    return refuse(r, 400, 0, "/", "no state", "That sign-in link is incomplete. Start again with the button below.");
  }
  int k = take_pending(r, state, &p);
  if( k<0 ) return HP_UNAVAILABLE;
  if( k==0 ){
    return refuse(r, 400, 0, "/", "unknown state or another browser",
                  "That sign-in was not started in this browser, took longer than 10 minutes or was"
                  " already used. Start again with the button below.");
  }
  if( error ){
    const char *desc = req_query(r, "error_description");
    return refuse(r, 400, p.user_id, p.next, error, arena_printf(&r->arena, "%s did not sign you in: %s.",
                  cfg->oidc_label, desc && desc[0] ? desc : error));
  }
  if( code==NULL || code[0]==0 || strlen(code)>2048 ) return refuse(r, 400, p.user_id, p.next, "no code", "The provider sent no code. Start again.");
  int reauth = strcmp(p.purpose, "reauth")==0;
  struct oidc_claims c;
  char err[400];
  /* a re-authentication must be a sign-in at the provider after we asked for it */
  int rc = oidc_finish(cfg, &r->arena, redirect_uri(r), code, p.verifier, p.nonce, app_now_ms(r->app)/1000,
                       reauth ? p.created_at/1000 : 0, &c, err, sizeof(err));
  if( rc==HP_UNAVAILABLE ) return refuse(r, 503, p.user_id, p.next, err, err);
  if( rc!=HP_OK ){
    return refuse(r, 400, p.user_id, p.next, err, arena_printf(&r->arena, "Holdpoint could not accept the answer"
                  " from %s (%s). Nothing was recorded. Start again, and tell an administrator if it happens again.",
                  cfg->oidc_label, err));
  }
  const char *ext = arena_printf(&r->arena, "%s %s", c.iss, c.sub);
  if( reauth ){
    const char *who = NULL;
    const char *mine = external_id(r, p.user_id, &who);
    if( mine==NULL || strcmp(mine, ext)!=0 ){
      return refuse(r, 400, p.user_id, p.next, "reauth by another person", "You confirmed as a different person at"
                    " the provider. Your signature needs your own sign-in there.");
    }
    struct db *db = r->app->db;
    struct audit_ctx ac;
    req_audit_ctx(r, &ac);
    ac.actor_id = p.user_id;
    ac.actor_name = who;
    ac.session_hash = p.session_hash;
    if( db_begin_write(db) ) return HP_UNAVAILABLE;
    int n = sess_reauth_mark(r->app, p.session_hash ? p.session_hash : "", p.user_id, "oidc");
    if( n<0 || (n==1 && audit_append(r->app, &ac, "auth.reauthenticated", "user", p.user_id, 0,
                                      "{s:s}", "method", "oidc")) || db_commit(db) ){
      db_rollback(db);
      return HP_ERROR;
    }
    forget_browser(r);
    if( n==0 ) return refuse(r, 400, p.user_id, p.next, "session ended", "Your session ended meanwhile. Sign in again.");
    return page_login_continue(r, "Confirmed", "You confirmed who you are. Sign your decision within 5 minutes.", p.next);
  }
  struct fed_person fp = { "oidc", ext, c.username, c.email, c.name, c.groups, c.ngroups };
  struct audit_ctx ac;
  int64_t uid = 0;
  req_audit_ctx(r, &ac);
  rc = fed_sign_in(r->app, &ac, &fp, &uid, err, sizeof(err));
  if( rc!=HP_OK ) return refuse(r, rc==HP_UNAVAILABLE || rc==HP_ERROR ? rc : 400, 0, p.next, err, err);
  forget_browser(r);
  return page_login_finish(r, uid, "oidc", p.next, NULL);
}

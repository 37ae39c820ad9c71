/* page_login.c — sign in (a password kept here or in the LDAP directory, then a second step when set up) and sign out. */
#include "page.h"
#include "page_login.h"
#include "users.h"
#include "util.h"
#include "app.h"
#include "db.h"
#include "auth.h"
#include "session.h"
#include "audit.h"
#include "federate.h"
#include "ldapdir.h"
#include "twostep.h"
#include "pwreset.h"
#include <string.h>

#define PENDING_COOKIE "hp_pending"
#define PENDING_MS (5*60*1000)
#define PENDING_TRIES 5

const char *page_login_safe_next(const char *z){
  if( z==NULL || z[0]!='/' || z[1]=='/' || z[1]=='\\' || strlen(z)>512 ) return "/";
  for(const char *p = z; *p; p++) if( (unsigned char)*p<0x20 ) return "/";
  return z;
}

/* May this name use the password form?  Not when everyone signs in through the provider, but for the break-glass account. */
static int password_allowed(struct req *r, const char *username){
  const struct idp_config *p = &r->app->cfg.idp;
  return !p->require_sso || (p->break_glass[0] && username && strcmp(username, p->break_glass)==0);
}

int page_login_show(struct req *r, int status, const char *username, const char *next, const char *message){
  const struct idp_config *p = &r->app->cfg.idp;
  tmpl_dict *d = tmpl_dict_new("login");
  if( d==NULL ) return HP_ERROR;
  tmpl_set(d, "USERNAME", username ? username : "");
  tmpl_set(d, "NEXT", next);
  if( r->csrf_token ) tmpl_set(d, "CSRF", r->csrf_token);
  if( message ) tmpl_set(tmpl_section(d, "MESSAGE"), "MESSAGE", message);
  if( p->oidc_issuer[0] ){
    tmpl_dict *o = tmpl_section(d, "OIDC");
    tmpl_set(o, "LABEL", p->oidc_label);
  }
  if( p->require_sso && p->ldap_url[0]==0 ){
    tmpl_section(d, "BREAK_GLASS");       /* only the provider's button, and the emergency account's form */
  }else{
    /* the form takes Holdpoint passwords and, with LDAP, the directory's (the only ones under HOLDPOINT_REQUIRE_SSO) */
    tmpl_dict *f = tmpl_section(d, "PASSWORD_FORM");
    tmpl_set(f, "USER_LABEL", p->ldap_url[0] && p->require_sso ? "Username (your company account)"
                            : p->ldap_url[0] ? "Username (your company account, or a Holdpoint account)" : "Username");
    if( p->oidc_issuer[0] ) tmpl_section(d, "OR");
  }
  page_field_errors(r, d);
  return page_render(r, status, "login.tpl", d, "Sign in");
}

int page_check_password(struct req *r, const char *field, const char *password){
  int64_t wait_ms = 0;
  int ok = sess_reauthenticate(r, password, &wait_ms);      /* throttled and counted like a sign-in */
  if( ok<0 ){
    req_field_error(r, field, "Too many wrong passwords. Try again in %lld minute%s.",
                    (long long)((wait_ms+59999)/60000), wait_ms>60000 ? "s" : "");
    return -1;
  }
  if( !ok ) req_field_error(r, field, "That is not your current password.");
  return ok;
}

/* GET /login */
int page_login_form(struct req *r){
  const char *next = page_login_safe_next(req_query(r, "next"));
  if( r->user ) return resp_redirect(r, "%s", next);
  return page_login_show(r, 200, "", next, NULL);
}

/*
** What a throttled person reads: how long to wait and what else works, never
** whether the name is an account.
*/
static const char *throttle_message(struct req *r, enum auth_gate gate, int64_t wait_ms){
  if( gate==AUTH_MUST_SUCCEED ){
    return "Too many failed sign-ins from this address. Check the username and password,"
           " or ask an administrator.";
  }
  int64_t min = (wait_ms + 59999) / 60000;
  return arena_printf(&r->arena, "Too many failed sign-ins. Try again in %lld minute%s, or sign in"
                      " from a browser you have signed in from before. An administrator can see"
                      " the attempts.", (long long)min, min==1 ? "" : "s");
}

static int throttled(struct req *r, const char *username, const char *next, enum auth_gate gate, int64_t wait_ms){
  static const char *const why[] = { "", "name_and_address", "account", "address" };
  req_audit_tx(r, "auth.login_throttled", "user", 0, 0, "{s:s,s:s,s:I}", "username", username,
               "limit", why[gate], "wait_s", (long long)((wait_ms+999)/1000));
  return page_login_show(r, 429, username, next, throttle_message(r, gate, wait_ms));
}

static int wrong(struct req *r, const char *username, const char *next){
  req_audit_tx(r, "auth.login_failed", "user", 0, 0, "{s:s}", "username", username);
  return page_login_show(r, 401, username, next, "That username and password do not match.");
}

int page_login_continue(struct req *r, const char *title, const char *message, const char *next){
  tmpl_dict *d = tmpl_dict_new("continue");
  if( d==NULL ) return HP_ERROR;
  tmpl_set(d, "TITLE_TEXT", title);
  tmpl_set(d, "MESSAGE", message);
  tmpl_set(d, "NEXT", page_login_safe_next(next));
  return page_render(r, 200, "continue.tpl", d, title);
}

int page_login_finish(struct req *r, int64_t uid, const char *method, const char *next, const char *tz){
  struct db *db = r->app->db;
  char device_new[65];
  const char *device = sess_device_hash(r);
  if( db_begin_write(db) ) return HP_UNAVAILABLE;
  if( r->session_hash && strncmp(r->session_hash, "token:", 6)!=0 ) sess_end(r, r->session_hash);
  r->user = NULL;
  int rc = sess_create(r, uid, method);
  if( rc==HP_OK && !sess_load_user(r, uid, &r->user) ) rc = HP_ERROR;
  if( rc==HP_OK && auth_device_remember(r->app, uid, device, device_new, sizeof(device_new)) ) rc = HP_ERROR;
  if( rc==HP_OK && req_audit(r, "auth.login", "user", uid, 0, "{s:s}", "method", method) ) rc = HP_ERROR;
  /* Times are shown in the browser's zone until the person chooses one (their page). */
  if( rc==HP_OK && r->user->time_zone[0]==0 && tz && util_tz_valid(tz) ){
    struct audit_ctx c;
    char err[160];
    req_audit_ctx(r, &c);
    if( users_set_time_zone(r->app, &c, uid, tz, err, sizeof(err))!=HP_OK ) rc = HP_ERROR;
  }
  if( rc!=HP_OK || db_commit(db) ){
    db_rollback(db);
    return HP_ERROR;
  }
  if( device_new[0] ) sess_device_cookie(r, device_new);
  r->log_user = r->user->username;
  /* Back from the provider's site: a redirect would arrive without the new SameSite=Strict cookie. */
  if( strcmp(method, "oidc")==0 ) return page_login_continue(r, "Signed in", "You are signed in.", next);
  return resp_redirect(r, "%s", next);
}

/* A right password for someone with two-step sign-in: remember it for five minutes and ask for the code. */
static int ask_second_step(struct req *r, int64_t uid, const char *next, const char *tz){
  char tok[65], h[65];
  if( util_random_hex(tok, 32) ) return HP_ERROR;
  util_sha256_hex(tok, 64, h);
  int64_t now = app_now_ms(r->app);
  if( db_begin_write(r->app->db) ) return HP_UNAVAILABLE;
  struct db_stmt *st = db_prepare(r->app->db, "INSERT INTO login_pending(id_hash,user_id,next,tz,created_at,expires_at)"
                                            " VALUES(:h,:u,:n,:tz,:now,:exp)");
  int ok = st!=NULL;
  if( st ){
    db_bind_text(st, ":h", h);
    db_bind_int64(st, ":u", uid);
    db_bind_text(st, ":n", next);
    db_bind_text(st, ":tz", tz && util_tz_valid(tz) ? tz : "");
    db_bind_int64(st, ":now", now);
    db_bind_int64(st, ":exp", now + PENDING_MS);
    ok = db_step(st)==DB_DONE;
    db_finish(st);
  }
  /* old, unfinished ones go */
  if( ok ){
    st = db_prepare(r->app->db, "DELETE FROM login_pending WHERE expires_at < :old");
    ok = st!=NULL;
    if( st ){
      db_bind_int64(st, ":old", now - 86400000);
      ok = db_step(st)==DB_DONE;
      db_finish(st);
    }
  }
  if( ok ) ok = req_audit(r, "auth.password_ok", "user", uid, 0, "{s:s}", "next_step", "two-step code")==0;
  if( !ok || db_commit(r->app->db) ){
    db_rollback(r->app->db);
    return HP_ERROR;
  }
  resp_header(r, "Set-Cookie", arena_printf(&r->arena, PENDING_COOKIE "=%s; Path=/login; Max-Age=300; HttpOnly;"
                                            " SameSite=Strict%s", tok, r->https ? "; Secure" : ""));
  return resp_redirect(r, "/login/two-step");
}

/* Sign in through the LDAP directory: the directory checks the password, then the account follows it. */
/* known: the id of the account with this username, 0 if none (page_login looked it up). */
static int login_ldap(struct req *r, const char *username, const char *password, const char *next, int64_t known){
  int64_t wait_ms = 0;
  enum auth_gate gate;
  const char *fdev = NULL;
  struct auth_attempt at = { username, password, r->remote_addr, sess_device_hash(r) };
  if( auth_login_gate(r->app, &at, known, &gate, &wait_ms, &fdev)==HP_TOO_MANY ) return throttled(r, username, next, gate, wait_ms);
  struct ldap_entry e;
  char err[400];
  int rc = ldapdir_authenticate(&r->app->cfg.idp, &r->arena, username, password, &e, err, sizeof(err));
  if( rc==HP_UNAUTHORIZED ){
    auth_record_failure(r->app, username, r->remote_addr, known!=0, fdev);
    if( gate==AUTH_MUST_SUCCEED ) return throttled(r, username, next, gate, wait_ms);
    return wrong(r, username, next);
  }
  if( rc!=HP_OK ){
    req_audit_tx(r, "auth.login_failed", "user", 0, 0, "{s:s,s:s}", "username", username, "reason", err);
    return page_login_show(r, HP_UNAVAILABLE, username, next, err);
  }
  struct fed_person p = { "ldap", e.dn, e.username, e.email, e.display, e.groups, e.ngroups };
  struct audit_ctx c;
  int64_t uid = 0;
  req_audit_ctx(r, &c);
  rc = fed_sign_in(r->app, &c, &p, &uid, err, sizeof(err));
  if( rc!=HP_OK ){
    req_audit_tx(r, "auth.login_refused", "user", 0, 0, "{s:s,s:s}", "username", username, "reason", err);
    return page_login_show(r, rc==HP_UNAVAILABLE || rc==HP_ERROR ? rc : 400, username, next, err);
  }
  return page_login_finish(r, uid, "ldap", next, req_form(r, "tz"));
}

/*
** POST /login — a Holdpoint account's password (throttled, one message for
** every kind of failure), or, when the name is not a Holdpoint password
** account and LDAP is set up, the directory's.  A second step follows when the
** account has one.
*/
int page_login(struct req *r){
  const char *username, *password;
  const char *next = page_login_safe_next(req_form(r, "next"));
  int ok = req_text(r, "username", 1, 64, &username);
  ok &= req_text(r, "password", 1, 256, &password);
  if( !ok ) return page_login_show(r, 422, username, next, NULL);
  const struct idp_config *idp = &r->app->cfg.idp;
  /* Which door: a local account's name uses its password here; any other name the directory's. */
  int local = 0;
  int64_t known = 0;
  struct db_stmt *st = db_prepare(r->app->db, "SELECT id, auth_source='local' FROM users WHERE username=:u");
  if( st ){
    db_bind_text(st, ":u", username);
    if( db_step(st)==DB_ROW ){
      known = db_col_int64(st, 0);
      local = db_col_int(st, 1) ? 1 : -1;
    }
    db_finish(st);
  }
  if( idp->ldap_url[0] && local<=0 ) return login_ldap(r, username, password, next, known);
  if( !password_allowed(r, username) ){
    return page_login_show(r, 400, username, next, arena_printf(&r->arena, "Holdpoint signs people in with %s"
                           " only. Use the button above.", idp->oidc_issuer[0] ? idp->oidc_label : "the company directory"));
  }
  int64_t uid = 0, wait_ms = 0;
  enum auth_gate gate;
  struct auth_attempt at = { username, password, r->remote_addr, sess_device_hash(r) };
  int rc = auth_check_login(r->app, &at, &uid, &gate, &wait_ms);
  if( rc==HP_TOO_MANY ) return throttled(r, username, next, gate, wait_ms);
  if( rc!=HP_OK ) return wrong(r, username, next);
  struct twostep_state ts;
  if( twostep_state(r->app, uid, &ts) ) return HP_ERROR;
  if( ts.enabled ) return ask_second_step(r, uid, next, req_form(r, "tz"));
  return page_login_finish(r, uid, "password", next, req_form(r, "tz"));
}

/* The pending sign-in of this browser's hp_pending cookie: its user, next and tz, or 0. */
static int64_t pending_load(struct req *r, const char **hash, const char **next, const char **tz, int *failures){
  const char *tok = req_cookie(r, PENDING_COOKIE);
  char h[65];
  int64_t uid = 0;
  if( tok==NULL || strlen(tok)!=64 ) return 0;
  util_sha256_hex(tok, 64, h);
  struct db_stmt *st = db_prepare(r->app->db, "SELECT user_id, next, tz, failures FROM login_pending"
                                            " WHERE id_hash=:h AND expires_at>:now");
  if( st==NULL ) return 0;
  db_bind_text(st, ":h", h);
  db_bind_int64(st, ":now", app_now_ms(r->app));
  if( db_step(st)==DB_ROW ){
    uid = db_col_int64(st, 0);
    *next = db_col_dup(&r->arena, st, 1);
    *tz = db_col_dup(&r->arena, st, 2);
    *failures = db_col_int(st, 3);
    *hash = arena_strdup(&r->arena, h);
  }
  db_finish(st);
  return uid;
}

static int second_step_page(struct req *r, int status, const char *message){
  tmpl_dict *d = tmpl_dict_new("two_step_login");
  if( d==NULL ) return HP_ERROR;
  if( r->csrf_token ) tmpl_set(d, "CSRF", r->csrf_token);
  if( message ) tmpl_set(tmpl_section(d, "MESSAGE"), "MESSAGE", message);
  page_field_errors(r, d);
  return page_render(r, status, "two_step_login.tpl", d, "Two-step sign-in");
}

static int pending_gone(struct req *r){
  page_flash(r, "That sign-in took too long or was tried too often. Sign in again.");
  return resp_redirect(r, "/login");
}

/* GET /login/two-step */
int page_login_two_step_form(struct req *r){
  const char *h, *next, *tz;
  int failures;
  if( pending_load(r, &h, &next, &tz, &failures)==0 ) return pending_gone(r);
  return second_step_page(r, 200, NULL);
}

/* POST /login/two-step — the code; five wrong ones end the pending sign-in. */
int page_login_two_step(struct req *r){
  const char *h, *next, *tz, *code, *method = NULL;
  int failures = 0;
  int64_t uid = pending_load(r, &h, &next, &tz, &failures);
  if( uid==0 ) return pending_gone(r);
  if( !req_text(r, "code", 1, 64, &code) ) return second_step_page(r, 422, NULL);
  struct db *db = r->app->db;
  if( db_begin_write(db) ) return HP_UNAVAILABLE;
  int k = twostep_check(r->app, uid, code, &method);
  int spent = k>0 || (k==0 && failures+1>=PENDING_TRIES);     /* signed in, or the last try failed */
  struct db_stmt *st = db_prepare(db, spent ? "DELETE FROM login_pending WHERE id_hash=:h"
                                          : "UPDATE login_pending SET failures=failures+1 WHERE id_hash=:h");
  int ok = k>=0 && st!=NULL;
  if( st ){
    db_bind_text(st, ":h", h);
    ok = ok && db_step(st)==DB_DONE;
    db_finish(st);
  }
  if( ok && k==0 ) ok = req_audit(r, "auth.two_step_failed", "user", uid, 0, NULL)==0;
  if( ok && k>0 && strcmp(method, "recovery")==0 ) ok = req_audit(r, "auth.recovery_code_used", "user", uid, 0, NULL)==0;
  if( !ok || db_commit(db) ){
    db_rollback(db);
    return HP_ERROR;
  }
  if( k==0 ){
    if( spent ) return pending_gone(r);
    req_field_error(r, "code", "That code is not right (or was used already). Type the 6 digits your app shows now,"
                    " or one of your recovery codes.");
    return second_step_page(r, 401, NULL);
  }
  resp_header(r, "Set-Cookie", PENDING_COOKIE "=; Path=/login; Max-Age=0; HttpOnly; SameSite=Strict");
  return page_login_finish(r, uid, method, next, tz);
}

/* POST /logout — end this session and clear the cookie. */
int page_logout(struct req *r){
  struct db *db = r->app->db;
  if( db_begin_write(db) ) return HP_UNAVAILABLE;
  if( sess_end(r, r->session_hash) || req_audit(r, "auth.logout", "user", r->user->id, 0, NULL)
   || db_commit(db) ){
    db_rollback(db);
    return HP_ERROR;
  }
  resp_header(r, "Set-Cookie", sess_cookie_header(r, "", 0));
  page_flash(r, "You have signed out.");
  return resp_redirect(r, "/login");
}

/* ---------------------------------------------------------------- password reset by e-mail */

static int reset_page(struct req *r, int status, const char *which, const char *who, const char *token, const char *message){
  tmpl_dict *d = tmpl_dict_new("reset");
  if( d==NULL ) return HP_ERROR;
  if( r->csrf_token ) tmpl_set(d, "CSRF", r->csrf_token);
  tmpl_show(d, which);
  tmpl_set(d, "WHO", who ? who : "");
  tmpl_set(d, "TOKEN", token ? token : "");
  if( message ) tmpl_set(tmpl_section(d, "MESSAGE"), "MESSAGE", message);
  page_field_errors(r, d);
  return page_render(r, status, "reset.tpl", d, "Reset your password");
}

/* GET /login/reset */
int page_reset_form(struct req *r){
  return reset_page(r, 200, "ASK", "", NULL, NULL);
}

/* POST /login/reset — who; the same answer whether or not it is an account. */
int page_reset_request(struct req *r){
  const char *who;
  struct audit_ctx c;
  if( !req_text(r, "who", 1, 254, &who) ) return reset_page(r, 422, "ASK", who, NULL, NULL);
  req_audit_ctx(r, &c);
  int rc = pwreset_request(r->app, &c, who);
  if( rc ) return rc;
  return reset_page(r, 200, "SENT", who, NULL, NULL);
}

/* GET /login/reset/new?token=… — the link from the e-mail. */
int page_reset_new_form(struct req *r){
  const char *token = req_query(r, "token");
  if( pwreset_check(r->app, token)==0 ) return reset_page(r, 404, "GONE", NULL, NULL, NULL);
  resp_header(r, "Referrer-Policy", "no-referrer");
  return reset_page(r, 200, "CHOOSE", NULL, token, NULL);
}

/* POST /login/reset/new — token, new_password, new_password2. */
int page_reset_new(struct req *r){
  const char *token = req_form(r, "token"), *pw, *pw2;
  char err[300];
  struct audit_ctx c;
  if( pwreset_check(r->app, token)==0 ) return reset_page(r, 404, "GONE", NULL, NULL, NULL);
  req_text(r, "new_password", 1, 256, &pw);
  req_text(r, "new_password2", 0, 256, &pw2);
  if( r->errors==NULL && strcmp(pw, pw2)!=0 ) req_field_error(r, "new_password2", "The two new passwords are not the same.");
  if( r->errors ) return reset_page(r, 422, "CHOOSE", NULL, token, NULL);
  req_audit_ctx(r, &c);
  int rc = pwreset_finish(r->app, &c, token, pw, err, sizeof(err));
  if( rc==HP_UNPROCESSABLE ){
    req_field_error(r, "new_password", "%s", err);
    return reset_page(r, 422, "CHOOSE", NULL, token, NULL);
  }
  if( rc==HP_NOT_FOUND ) return reset_page(r, 404, "GONE", NULL, NULL, NULL);
  if( rc ) return rc;
  page_flash(r, "Your new password is saved. Sign in with it.");
  return resp_redirect(r, "/login");
}

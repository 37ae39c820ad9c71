/* page_login.c — sign in and sign out. */
#include "page.h"
#include "users.h"
#include "util.h"
#include "app.h"
#include "db.h"
#include "auth.h"
#include "session.h"
#include "audit.h"
#include <string.h>

/* Only local paths are followed after sign-in ("/x", never "//host" or "http:"). */
static const char *safe_next(const char *z){
  if( z==NULL || z[0]!='/' || z[1]=='/' || z[1]=='\\' || strlen(z)>512 ) return "/";
  for(const char *p = z; *p; p++) if( (unsigned char)*p<0x20 ) return "/";
  return z;
}

static int login_page(struct req *r, int status, const char *username, const char *next,
                      const char *message){
  tmpl_dict *d = tmpl_dict_new("login");
  if( d==NULL ) return HP_ERROR;
  tmpl_set(d, "USERNAME", username ? username : "");
  tmpl_set(d, "NEXT", next);
  if( r->csrf_token ) tmpl_set(d, "CSRF", r->csrf_token);
  if( message ) tmpl_set(tmpl_section(d, "MESSAGE"), "MESSAGE", message);
  page_field_errors(r, d);
  return page_render(r, status, "login.tpl", d, "Sign in");
}

/* GET /login */
int page_login_form(struct req *r){
  const char *next = safe_next(req_query(r, "next"));
  if( r->user ) return resp_redirect(r, "%s", next);
  return login_page(r, 200, "", next, NULL);
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

/*
** POST /login — check the name and password (throttled, one message for every
** kind of failure), end any session this browser had, start a new one and go on.
*/
int page_login(struct req *r){
  const char *username, *password;
  const char *next = safe_next(req_form(r, "next"));
  int ok = req_text(r, "username", 1, 64, &username);
  ok &= req_text(r, "password", 1, 256, &password);
  if( !ok ) return login_page(r, 422, username, next, NULL);
  int64_t uid = 0, wait_ms = 0;
  enum auth_gate gate;
  const char *device = sess_device_hash(r);
  struct auth_attempt at = { username, password, r->remote_addr, device };
  int rc = auth_check_login(r->app, &at, &uid, &gate, &wait_ms);
  if( rc==HP_TOO_MANY ){
    static const char *const why[] = { "", "name_and_address", "account", "address" };
    req_audit_tx(r, "auth.login_throttled", "user", 0, 0, "{s:s,s:s,s:I}", "username", username,
                 "limit", why[gate], "wait_s", (long long)((wait_ms+999)/1000));
    return login_page(r, 429, username, next, throttle_message(r, gate, wait_ms));
  }
  if( rc!=HP_OK ){
    req_audit_tx(r, "auth.login_failed", "user", 0, 0, "{s:s}", "username", username);
    return login_page(r, 401, username, next, "That username and password do not match.");
  }
  sqlite3 *db = r->app->db;
  char device_new[65];
  if( db_begin_write(db) ) return HP_UNAVAILABLE;
  if( r->session_hash ) sess_end(r, r->session_hash);
  r->user = NULL;
  rc = sess_create(r, uid);
  if( rc==HP_OK && !sess_load_user(r, uid, &r->user) ) rc = HP_ERROR;
  if( rc==HP_OK && auth_device_remember(r->app, uid, device, device_new, sizeof(device_new)) ) rc = HP_ERROR;
  if( rc==HP_OK && req_audit(r, "auth.login", "user", uid, 0, NULL) ) rc = HP_ERROR;
  /* Times are shown in the browser's zone until the person chooses one (their page). */
  const char *tz = req_form(r, "tz");
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
  return resp_redirect(r, "%s", next);
}

/* POST /logout — end this session and clear the cookie. */
int page_logout(struct req *r){
  sqlite3 *db = r->app->db;
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

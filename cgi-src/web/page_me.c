/* page_me.c — the signed-in person's own page: profile, password, sessions and API tokens. */
#include "page.h"
#include "page_login.h"
#include "app.h"
#include "db.h"
#include "auth.h"
#include "session.h"
#include "audit.h"
#include "users.h"
#include "util.h"
#include <string.h>
#include <stdlib.h>
#include <stdio.h>

#define ME_MAX_TOKENS 50        /* active API tokens one person may hold */
#define ME_MAX_SESSIONS 100     /* sessions listed on the page */


/* 1 when z holds a control character (names shown on pages and in logs must not). */
static int has_control(const char *z){
  for(; *z; z++) if( (unsigned char)*z<0x20 || *z==0x7f ) return 1;
  return 0;
}

/* Add one SESSIONS row per live session of the person, the current one marked. */
static void add_sessions(struct req *r, tmpl_dict *d){
  int64_t now = app_now_ms(r->app);
  struct db_stmt *st = db_prepare(r->app->db,
    "SELECT rowid, created_at, last_seen_at, ip, user_agent, id_hash=:cur FROM sessions"
    " WHERE user_id=:u AND ended_at IS NULL AND expires_at>:now AND last_seen_at>:idle"
    " ORDER BY id_hash=:cur DESC, last_seen_at DESC LIMIT :lim");
  int n = 0;
  if( st==NULL ) return;
  db_bind_text(st, ":cur", r->session_hash ? r->session_hash : "");
  db_bind_int64(st, ":u", r->user->id);
  db_bind_int64(st, ":now", now);
  db_bind_int64(st, ":idle", now - (int64_t)r->app->cfg.session_idle*1000);
  db_bind_int64(st, ":lim", ME_MAX_SESSIONS);
  while( db_step(st)==DB_ROW ){
    tmpl_dict *s = tmpl_section(d, "SESSION");
    int64_t created = db_col_int64(st, 1), seen = db_col_int64(st, 2);
    tmpl_set_int(s, "SESSION_ID", db_col_int64(st, 0));
    tmpl_set(s, "SESSION_CREATED", page_time(r, created));
    tmpl_set(s, "SESSION_SEEN", page_ago(r, seen));
    tmpl_set(s, "SESSION_IP", db_col_text(st, 3)[0] ? db_col_text(st, 3) : "unknown");
    tmpl_set(s, "SESSION_AGENT", db_col_text(st, 4)[0] ? db_col_text(st, 4) : "unknown");
    if( db_col_int(st, 5) ) tmpl_show(s, "THIS_SESSION");
    else tmpl_show(s, "OTHER_SESSION");
    n++;
  }
  db_finish(st);
  if( n==0 ) tmpl_show(d, "NO_SESSIONS");
  else tmpl_show(d, "HAS_SESSIONS");
}

/* Add one TOKEN row per API token of the person, newest first. */
static void add_tokens(struct req *r, tmpl_dict *d){
  struct db_stmt *st = db_prepare(r->app->db,
    "SELECT id, name, created_at, last_used_at, revoked_at FROM api_tokens"
    " WHERE user_id=:u ORDER BY revoked_at IS NOT NULL, id DESC");
  int n = 0;
  if( st==NULL ) return;
  db_bind_int64(st, ":u", r->user->id);
  while( db_step(st)==DB_ROW ){
    tmpl_dict *s = tmpl_section(d, "TOKEN");
    int64_t used = db_col_int64(st, 3), revoked = db_col_int64(st, 4);
    tmpl_set_int(s, "TOKEN_ID", db_col_int64(st, 0));
    tmpl_set(s, "TOKEN_LABEL", db_col_text(st, 1));
    tmpl_set(s, "TOKEN_CREATED", page_time(r, db_col_int64(st, 2)));
    tmpl_set(s, "TOKEN_USED", used>0 ? page_ago(r, used) : "never");
    if( revoked>0 ){
      tmpl_set(tmpl_section(s, "TOKEN_REVOKED"), "TOKEN_REVOKED_AT", page_time(r, revoked));
    }else{
      tmpl_show(s, "TOKEN_ACTIVE");
    }
    n++;
  }
  db_finish(st);
  if( n==0 ) tmpl_show(d, "NO_TOKENS");
  else tmpl_show(d, "HAS_TOKENS");
}

/* Add the person's roles and teams. */
static void add_profile(struct req *r, tmpl_dict *d){
  const struct user *u = r->user;
  int nroles = 0, nteams = 0;
  tmpl_set(d, "PROFILE_HELP", strcmp(u->auth_source, "local")==0
           ? "Only an administrator can change your name, e-mail address, roles and teams."
           : "Your name and e-mail address come from your company account; teams and roles that follow your groups change"
             " with them there, others only an administrator changes.");
  if( strcmp(u->auth_source, "local")==0 ){
    tmpl_set(d, "SIGN_IN_HOW", "With your Holdpoint username and password.");
    tmpl_show(d, "LOCAL_ACCOUNT");
    tmpl_show(d, "PASSWORD_SECTION");
    tmpl_show(d, u->two_step ? "TWO_STEP_ON" : "TWO_STEP_OFF");
  }else if( strcmp(u->auth_source, "oidc")==0 ){
    tmpl_set(d, "SIGN_IN_HOW", arena_printf(&r->arena, "Through %s. Your name, e-mail address and groups come from"
             " there at each sign-in; your password and two-step sign-in are managed there.", r->app->cfg.idp.oidc_label));
  }else{
    tmpl_set(d, "SIGN_IN_HOW", "With your company directory (LDAP) account. Your name, e-mail address and groups come"
             " from the directory; change your password there.");
  }
  tmpl_set(d, "DISPLAY_NAME", u->display_name);
  tmpl_set(d, "USERNAME", u->username);
  tmpl_set(d, "EMAIL", u->email);
  for(size_t i=0; i<users_nroles; i++){
    if( u->roles & users_roles[i].bit ){
      tmpl_set(tmpl_section(d, "ROLE"), "ROLE_LABEL", users_roles[i].label);
      nroles++;
    }
  }
  if( nroles==0 ) tmpl_show(d, "NO_ROLES");
  struct db_stmt *st = db_prepare(r->app->db,
    "SELECT t.name, t.description FROM team_members m JOIN teams t ON t.id=m.team_id"
    " WHERE m.user_id=:u ORDER BY t.name");
  if( st ){
    db_bind_int64(st, ":u", u->id);
    while( db_step(st)==DB_ROW ){
      tmpl_dict *s = tmpl_section(d, "TEAM");
      tmpl_set(s, "TEAM_NAME", db_col_text(st, 0));
      tmpl_set(s, "TEAM_DESCRIPTION", db_col_text(st, 1));
      nteams++;
    }
    db_finish(st);
  }
  if( nteams==0 ) tmpl_show(d, "NO_TEAMS");
  if( u->roles & ROLE_ADMIN ) tmpl_show(d, "IS_ADMIN");
}

static int me_page(struct req *r, int status, const char *new_token, const char *new_token_label,
                   const char *token_name);

/* The time zone form: every zone of tzdata, the person's own selected. */
static void add_time_zones(struct req *r, tmpl_dict *d){
  const char *mine = req_form(r, "time_zone") ? req_form(r, "time_zone") : r->user->time_zone;
  tmpl_set(d, "TZ_NOW", r->user->time_zone[0] ? r->user->time_zone : "UTC");
  if( mine[0]==0 ) tmpl_show(d, "TZ_UTC");
  tmpl_set(d, "ERR_TIME_ZONE", req_error_for(r, "time_zone"));
  page_time_zones(r, d, mine);
}

/* POST /me/time-zone — the zone for this person's times ("" = UTC). */
int page_me_time_zone(struct req *r){
  const char *zone;
  char err[200];
  struct audit_ctx c;
  if( !req_text(r, "time_zone", 0, UTIL_TZ_MAX, &zone) ) return me_page(r, 422, NULL, NULL, NULL);
  req_audit_ctx(r, &c);
  int rc = users_set_time_zone(r->app, &c, r->user->id, zone, err, sizeof(err));
  if( rc==HP_UNPROCESSABLE ){
    req_field_error(r, "time_zone", "%s", err);
    return me_page(r, 422, NULL, NULL, NULL);
  }
  if( rc ) return rc;
  page_flash(r, "Times are now shown in %s.", zone[0] ? zone : "UTC");
  return resp_redirect(r, "/me#time-zone");
}

/*
** Render /me with the given status.  new_token (shown once, never stored) and
** its label are set right after a token was made; token_name is what the
** person typed into the new-token form when it is re-rendered with errors.
** Field errors come from r->errors.  Returns HP_OK or HP_ERROR.
*/
static int me_page(struct req *r, int status, const char *new_token, const char *new_token_label,
                   const char *token_name){
  tmpl_dict *d = tmpl_dict_new("me");
  if( d==NULL ) return HP_ERROR;
  tmpl_set(d, "CSRF", r->csrf_token);
  tmpl_set(d, "TOKEN_NAME", token_name ? token_name : "");
  if( new_token ){
    tmpl_dict *s = tmpl_section(d, "NEW_TOKEN");
    tmpl_set(s, "NEW_TOKEN_VALUE", new_token);
    tmpl_set(s, "NEW_TOKEN_LABEL", new_token_label);
  }
  add_profile(r, d);
  add_time_zones(r, d);
  add_sessions(r, d);
  add_tokens(r, d);
  page_field_errors(r, d);
  if( r->errors ) tmpl_show(d, "HAS_ERRORS");
  return page_render(r, status, "me.tpl", d, "Your account");
}

/* GET /me — who you are, your sessions and API tokens, and a password form. */
int page_me(struct req *r){
  return me_page(r, 200, NULL, NULL, NULL);
}

/*
** POST /me/sessions/{id}/end — end one of the person's own sessions ({id} is
** the sessions table's rowid).  Someone else's session, an unknown one or an
** ended one is 404.  Ending the current session signs this browser out.
*/
int page_me_end_session(struct req *r){
  int64_t sid = r->ids[0];
  struct db *db = r->app->db;
  struct db_stmt *st;
  int rc = HP_ERROR, current = 0;
  if( db_begin_write(db) ) return HP_UNAVAILABLE;
  st = db_prepare(db, "SELECT id_hash=:cur FROM sessions WHERE rowid=:id AND user_id=:u AND ended_at IS NULL");
  if( st==NULL ) goto out;
  db_bind_text(st, ":cur", r->session_hash ? r->session_hash : "");
  db_bind_int64(st, ":id", sid);
  db_bind_int64(st, ":u", r->user->id);
  if( db_step(st)!=DB_ROW ){
    db_finish(st);
    rc = HP_NOT_FOUND;
    goto out;
  }
  current = db_col_int(st, 0);
  db_finish(st);
  st = db_prepare(db, "UPDATE sessions SET ended_at=:now WHERE rowid=:id AND user_id=:u AND ended_at IS NULL");
  if( st==NULL ) goto out;
  db_bind_int64(st, ":now", app_now_ms(r->app));
  db_bind_int64(st, ":id", sid);
  db_bind_int64(st, ":u", r->user->id);
  int ok = db_step(st)==DB_DONE && db_changes(db)==1;
  db_finish(st);
  if( !ok || req_audit(r, "session.end", "session", sid, 0, "{s:b}", "current", current) ) goto out;
  if( db_commit(db) ) goto out;
  rc = HP_OK;
out:
  if( rc!=HP_OK ){
    db_rollback(db);
    return rc;
  }
  if( current ){
    resp_header(r, "Set-Cookie", sess_cookie_header(r, "", 0));
    page_flash(r, "You have signed out.");
    return resp_redirect(r, "/login");
  }
  page_flash(r, "The session has ended; that browser is signed out.");
  return resp_redirect(r, "/me#sessions");
}

/*
** POST /me/tokens — make an API token named by the field "token_name"
** (1..100 characters).  The token is shown once on the page rendered here
** (201); only its hash is kept.  At most ME_MAX_TOKENS active tokens.
*/
int page_me_token_new(struct req *r){
  const char *name;
  struct db *db = r->app->db;
  if( req_text(r, "token_name", 1, 100, &name) && has_control(name) ){
    req_field_error(r, "token_name", "Use letters, digits, spaces and punctuation only.");
  }
  if( r->errors==NULL ){
    struct db_stmt *st = db_prepare(db, "SELECT count(*) FROM api_tokens WHERE user_id=:u AND revoked_at IS NULL");
    int64_t n = 0;
    if( st==NULL ) return HP_ERROR;
    db_bind_int64(st, ":u", r->user->id);
    if( db_step(st)==DB_ROW ) n = db_col_int64(st, 0);
    db_finish(st);
    if( n>=ME_MAX_TOKENS ){
      req_field_error(r, "token_name", "You have %d active tokens. Revoke one you no longer use first.", ME_MAX_TOKENS);
    }
  }
  if( r->errors ) return me_page(r, 422, NULL, NULL, name);
  char tok[80];
  int64_t tid = 0;
  if( db_begin_write(db) ) return HP_UNAVAILABLE;
  if( auth_token_create(r->app, r->user->id, name, tok, sizeof(tok), &tid)
   || req_audit(r, "token.create", "token", tid, 0, "{s:s,s:s}", "user", r->user->username, "name", name)
   || db_commit(db) ){
    db_rollback(db);
    return HP_ERROR;
  }
  return me_page(r, 201, tok, name, "");
}

/*
** POST /me/tokens/{id}/revoke — revoke one of the person's own tokens.  A
** token of someone else (or none) is 404; an already revoked one is left as it is.
*/
int page_me_token_revoke(struct req *r){
  int64_t tid = r->ids[0], revoked = 0;
  struct db *db = r->app->db;
  int rc = HP_ERROR, found = 0;
  if( db_begin_write(db) ) return HP_UNAVAILABLE;
  struct db_stmt *st = db_prepare(db, "SELECT revoked_at IS NOT NULL FROM api_tokens WHERE id=:id AND user_id=:u");
  if( st==NULL ) goto out;
  db_bind_int64(st, ":id", tid);
  db_bind_int64(st, ":u", r->user->id);
  if( db_step(st)==DB_ROW ){ found = 1; revoked = db_col_int(st, 0); }
  db_finish(st);
  if( !found ){ rc = HP_NOT_FOUND; goto out; }
  if( !revoked ){
    if( auth_token_revoke(r->app, tid, r->user->id)!=1 || req_audit(r, "token.revoke", "token", tid, 0, "{s:s}", "user", r->user->username) ) goto out;
  }
  if( db_commit(db) ) goto out;
  rc = HP_OK;
out:
  if( rc!=HP_OK ){
    db_rollback(db);
    return rc;
  }
  page_flash(r, revoked ? "That token was already revoked." : "The token is revoked; programs using it are now refused.");
  return resp_redirect(r, "/me#tokens");
}

/*
** POST /me/password — change one's own password: current_password, then
** new_password twice (new_password2).  A wrong current password counts as a
** failed sign-in (and is throttled the same way).  Other sessions end.
*/
int page_me_password(struct req *r){
  const char *cur, *pw, *pw2, *p;
  char err[300];
  struct audit_ctx c;
  int have_cur = req_text(r, "current_password", 1, 256, &cur);
  if( req_text(r, "new_password", 1, 256, &pw) && (p = auth_password_problem(pw)) ){
    req_field_error(r, "new_password", "%s", p);
  }
  req_text(r, "new_password2", 0, 256, &pw2);
  if( req_error_for(r, "new_password")==NULL && strcmp(pw, pw2)!=0 ){
    req_field_error(r, "new_password2", "The two new passwords are not the same.");
  }
  if( have_cur ){
    int ok = page_check_password(r, "current_password", cur);
    if( ok<0 ) return me_page(r, 429, NULL, NULL, NULL);
    if( !ok ){
      req_audit_tx(r, "user.password_failed", "user", r->user->id, 0, NULL);
    }else if( r->errors==NULL && strcmp(cur, pw)==0 ){
      req_field_error(r, "new_password", "Choose a password different from the current one.");
    }
  }
  if( r->errors ) return me_page(r, 422, NULL, NULL, NULL);
  req_audit_ctx(r, &c);
  int rc = users_set_password(r->app, &c, r->user->id, pw, err, sizeof(err));
  if( rc==HP_UNPROCESSABLE ){
    req_field_error(r, "new_password", "%s", err);
    return me_page(r, 422, NULL, NULL, NULL);
  }
  if( rc ) return rc;
  if( sess_end_others(r, r->user->id, r->session_hash)!=HP_OK ){
    page_flash(r, "Your password has been changed, but your other sessions could not be ended. End them below.");
  }else{
    page_flash(r, "Your password has been changed. Your other sessions were signed out.");
  }
  return resp_redirect(r, "/me");
}

/* page_admin.c — administration pages: people (roles, passwords, disabling) and teams. */
#include "page.h"
#include "twostep.h"
#include "app.h"
#include "db.h"
#include "auth.h"
#include "session.h"
#include "audit.h"
#include "users.h"
#include <string.h>
#include <stdio.h>

#define ADMIN_PAGE_SIZE 50      /* users per page of the list */
#define ADMIN_MAX_TEAMS 32      /* teams chosen for a new user (users_add's limit) */
#define ADMIN_MAX_LISTED 2000   /* usernames offered as suggestions on the teams page */


/* A person as the admin pages show them. */
struct admin_user {
  int64_t id, created_at;
  const char *username, *display_name, *email;
  const char *auth_source;     /* local, oidc, ldap */
  int disabled, two_step;
  unsigned roles;
};

/* What was typed into a user form, kept when the form is shown again with errors. */
struct user_form {
  const char *username, *display_name, *email;
  unsigned roles;
  const char *teams[ADMIN_MAX_TEAMS];
  int nteams;
};

static int has_control(const char *z){
  for(; *z; z++) if( (unsigned char)*z<0x20 || *z==0x7f ) return 1;
  return 0;
}

/* "Release manager, QA" for a set of role bits; "No role" for none.  Arena string. */
static const char *role_text(struct req *r, unsigned roles){
  char z[200] = "";
  size_t n = 0;
  for(size_t i=0; i<users_nroles; i++){
    if( roles & users_roles[i].bit ){
      n += (size_t)snprintf(z+n, sizeof(z)-n, "%s%s", n ? ", " : "", users_roles[i].label);
      if( n>=sizeof(z) ) break;
    }
  }
  return arena_strdup(&r->arena, n ? z : "No role");
}

/* Role bits from a comma-separated list of role names (group_concat). */
static unsigned roles_from_list(const char *z){
  unsigned bits = 0;
  char name[32];
  while( z && *z ){
    size_t n = strcspn(z, ",");
    if( n<sizeof(name) ){
      memcpy(name, z, n);
      name[n] = 0;
      bits |= users_role_bit(name);
    }
    z += n;
    if( *z==',' ) z++;
  }
  return bits;
}

/*
** Read every "roles" value of the form into ROLE_* bits.  Returns 1 when each
** names a role, else 0 after a field error on "roles".
*/
static int form_roles(struct req *r, unsigned *out){
  *out = 0;
  for(size_t i=0; i<r->nform; i++){
    if( strcmp(r->form[i].name, "roles")!=0 ) continue;
    unsigned b = users_role_bit(r->form[i].value);
    if( b==0 ){
      req_field_error(r, "roles", "Choose roles from the list.");
      return 0;
    }
    *out |= b;
  }
  return 1;
}

/*
** Read every "teams" value of the form (team names) into f->teams.  Returns 1
** when each names an existing team, else 0 after a field error on "teams".
*/
static int form_teams(struct req *r, struct user_form *f){
  int64_t tid;
  f->nteams = 0;
  for(size_t i=0; i<r->nform; i++){
    if( strcmp(r->form[i].name, "teams")!=0 ) continue;
    if( f->nteams>=ADMIN_MAX_TEAMS ){
      req_field_error(r, "teams", "Choose at most %d teams here; add more on the teams page.", ADMIN_MAX_TEAMS);
      return 0;
    }
    if( !users_team_find(r->app, r->form[i].value, &tid) ){
      req_field_error(r, "teams", "There is no team '%s'.", r->form[i].value);
      return 0;
    }
    f->teams[f->nteams++] = r->form[i].value;
  }
  return 1;
}

/* Validate a display name and an e-mail address, recording field errors.  1 when both are fine. */
static int check_name_email(struct req *r, const char **display, const char **email){
  const char *p;
  int ok = 1;
  if( req_text(r, "display_name", 1, 100, display) && has_control(*display) ){
    req_field_error(r, "display_name", "Use letters, digits, spaces and punctuation only.");
  }
  if( req_error_for(r, "display_name") ) ok = 0;
  if( req_text(r, "email", 1, 254, email) && (p = users_email_problem(*email)) ){
    req_field_error(r, "email", "%s", p);
  }
  if( req_error_for(r, "email") ) ok = 0;
  return ok;
}

/* Load one user with roles.  Returns 1 found, 0 not. */
static int load_user(struct req *r, int64_t id, struct admin_user *u){
  struct db_stmt *st = db_prepare(r->app->db,
    "SELECT username, display_name, email, disabled, created_at, is_admin,"
    " (SELECT group_concat(role, ',') FROM user_roles WHERE user_id=users.id), auth_source,"
    " (SELECT confirmed_at IS NOT NULL FROM totp WHERE user_id=users.id)"
    " FROM users WHERE id=:id");
  int found = 0;
  memset(u, 0, sizeof(*u));
  if( st==NULL ) return 0;
  db_bind_int64(st, ":id", id);
  if( db_step(st)==DB_ROW ){
    u->id = id;
    u->username = db_col_dup(&r->arena, st, 0);
    u->display_name = db_col_dup(&r->arena, st, 1);
    u->email = db_col_dup(&r->arena, st, 2);
    u->disabled = db_col_int(st, 3);
    u->created_at = db_col_int64(st, 4);
    u->roles = roles_from_list(db_col_text(st, 6)) | (db_col_int(st, 5) ? ROLE_ADMIN : 0);
    u->auth_source = db_col_dup(&r->arena, st, 7);
    u->two_step = db_col_int(st, 8);
    found = u->username!=NULL && u->auth_source!=NULL;
  }
  db_finish(st);
  return found;
}

/* Add ROLE_OPTION rows (checkboxes) to d, checked for the bits in roles. */
static void add_role_options(tmpl_dict *d, unsigned roles){
  for(size_t i=0; i<users_nroles; i++){
    tmpl_dict *s = tmpl_section(d, "ROLE_OPTION");
    tmpl_set(s, "ROLE_VALUE", users_roles[i].name);
    tmpl_set(s, "ROLE_LABEL", users_roles[i].label);
    tmpl_set(s, "ROLE_HELP", users_roles[i].help);
    if( roles & users_roles[i].bit ) tmpl_show(s, "ROLE_CHECKED");
  }
}

/* Show the error summary when there are field errors. */
static void add_errors(struct req *r, tmpl_dict *d){
  page_field_errors(r, d);
  if( r->errors ) tmpl_show(d, "HAS_ERRORS");
}

/* ------------------------------------------------------------------ /admin */

/* GET /admin — counts and the ways into people and teams administration. */
int page_admin_home(struct req *r){
  struct db *db = r->app->db;
  int64_t now = app_now_ms(r->app);
  tmpl_dict *d = tmpl_dict_new("admin_home");
  if( d==NULL ) return HP_ERROR;
  tmpl_set_int(d, "USERS_ACTIVE", db_int(db, "SELECT count(*) FROM users WHERE disabled=0", 0));
  {
    const struct idp_config *p = &r->app->cfg.idp;
    tmpl_set(d, "SIGN_IN_WITH", p->oidc_issuer[0] && p->ldap_url[0] ? "OpenID Connect and LDAP"
             : p->oidc_issuer[0] ? "OpenID Connect" : p->ldap_url[0] ? "LDAP" : "Holdpoint passwords only");
    tmpl_set_int(d, "MAPPED_GROUPS", db_int(db, "SELECT count(DISTINCT grp) FROM group_map", 0));
  }
  tmpl_set_int(d, "USERS_DISABLED", db_int(db, "SELECT count(*) FROM users WHERE disabled=1", 0));
  tmpl_set_int(d, "TEAMS", db_int(db, "SELECT count(*) FROM teams", 0));
  tmpl_set_int(d, "WINDOWS", db_int(db, "SELECT count(*) FROM change_windows", 0));
  tmpl_set_int(d, "SCHEDULED", db_int(db, "SELECT count(*) FROM activities WHERE status='scheduled'", 0));
  tmpl_set_int(d, "ADMINS", db_int(db, "SELECT count(*) FROM users WHERE is_admin=1 AND disabled=0", 0));
  tmpl_set_int(d, "TOKENS", db_int(db, "SELECT count(*) FROM api_tokens WHERE revoked_at IS NULL", 0));
  struct db_stmt *st = db_prepare(db, "SELECT count(*) FROM sessions WHERE ended_at IS NULL"
                                    " AND expires_at>:now AND last_seen_at>:idle");
  int64_t nsess = 0;
  if( st ){
    db_bind_int64(st, ":now", now);
    db_bind_int64(st, ":idle", now - (int64_t)r->app->cfg.session_idle*1000);
    if( db_step(st)==DB_ROW ) nsess = db_col_int64(st, 0);
    db_finish(st);
  }
  tmpl_set_int(d, "SESSIONS", nsess);
  st = db_prepare(db, "SELECT count(*) FROM login_failures WHERE at>:day");
  if( st ){
    db_bind_int64(st, ":day", now - 24*3600*1000LL);
    if( db_step(st)==DB_ROW ) tmpl_set_int(d, "FAILED_SIGNINS", db_col_int64(st, 0));
    db_finish(st);
  }
  return page_render(r, 200, "admin_home.tpl", d, "Administration");
}

/* ------------------------------------------------------- sign-in attempts */

/*
** GET /admin/sign-ins — failed sign-ins of the last day by (name, address):
** how many, how many in the throttling window, and whether that pair is
** being slowed down now (auth.c's rule, asked, not repeated).
*/
int page_admin_signins(struct req *r){
  struct db *db = r->app->db;
  int64_t now = app_now_ms(r->app);
  int max = r->app->cfg.login_max_failures, n = 0;
  tmpl_dict *d = tmpl_dict_new("admin_signins");
  if( d==NULL ) return HP_ERROR;
  tmpl_set_int(d, "MAX", max);
  struct db_stmt *st = db_prepare(db,
    "SELECT f.username, f.ip, count(*), max(f.at), sum(f.at>:win), max(u.id),"
    "       max(CASE WHEN f.at>:win THEN f.at END)"
    "  FROM login_failures f LEFT JOIN users u ON u.username=f.username"
    " WHERE f.at>:day GROUP BY f.username, f.ip ORDER BY max(f.at) DESC LIMIT 201");
  if( st==NULL ) return HP_ERROR;
  db_bind_int64(st, ":win", now - AUTH_THROTTLE_WINDOW_MS);
  db_bind_int64(st, ":day", now - 24*3600*1000LL);
  while( db_step(st)==DB_ROW ){
    if( ++n > 200 ){ tmpl_show(d, "MORE"); break; }
    tmpl_dict *row = tmpl_section(d, "ROW");
    int64_t uid = db_col_int64(st, 5);
    int recent = db_col_int(st, 4);
    tmpl_set(row, "ROW_USERNAME", db_col_text(st, 0));
    tmpl_set(row, "ROW_IP", db_col_text(st, 1));
    tmpl_set_int(row, "ROW_COUNT", db_col_int64(st, 2));
    tmpl_set_int(row, "ROW_RECENT", recent);
    tmpl_set(row, "ROW_LAST", page_ago(r, db_col_int64(st, 3)));
    if( uid ){
      tmpl_set_int(tmpl_section(row, "ROW_USER_ID"), "ROW_USER_ID", uid);
      tmpl_show(row, "ROW_KNOWN");
    }else{
      tmpl_show(row, "ROW_NO_USER");
      tmpl_show(row, "ROW_UNKNOWN");
    }
    int64_t until = recent>=max ? db_col_int64(st, 6) + auth_pair_delay_ms(recent, max) : 0;
    if( until > now ){
      tmpl_set(tmpl_section(row, "ROW_WAITING"), "ROW_UNTIL", page_time(r, until));
    }else{
      tmpl_show(row, "ROW_FREE");
    }
  }
  db_finish(st);
  tmpl_show(d, n ? "HAS_ROWS" : "NO_ROWS");
  return page_render(r, 200, "admin_signins.tpl", d, "Failed sign-ins");
}

/* ------------------------------------------------------------ user list */

/*
** Render the user list (page ?page=N of ADMIN_PAGE_SIZE, by username) and the
** add-user form, filled from f when it is shown again with errors (f NULL:
** empty form).  alert is a message above the form, or NULL.
*/
static int users_page(struct req *r, int status, const struct user_form *f, const char *alert){
  struct db *db = r->app->db;
  int64_t page, total, pages;
  req_qint(r, "page", 1, 1000000, 1, &page);
  total = db_int(db, "SELECT count(*) FROM users", 0);
  pages = total==0 ? 1 : (total + ADMIN_PAGE_SIZE - 1)/ADMIN_PAGE_SIZE;
  if( page>pages ) page = pages;
  tmpl_dict *d = tmpl_dict_new("admin_users");
  if( d==NULL ) return HP_ERROR;
  tmpl_set(d, "CSRF", r->csrf_token);
  tmpl_set_int(d, "TOTAL", total);
  struct db_stmt *st = db_prepare(db,
    "SELECT u.id, u.username, u.display_name, u.email, u.disabled, u.is_admin,"
    " (SELECT group_concat(role, ',') FROM user_roles WHERE user_id=u.id),"
    " (SELECT group_concat(t.name, ', ') FROM team_members m JOIN teams t ON t.id=m.team_id WHERE m.user_id=u.id)"
    " FROM users u ORDER BY u.username LIMIT :lim OFFSET :off");
  if( st==NULL ){ tmpl_dict_free(d); return HP_ERROR; }
  db_bind_int64(st, ":lim", ADMIN_PAGE_SIZE);
  db_bind_int64(st, ":off", (page-1)*ADMIN_PAGE_SIZE);
  int n = 0;
  while( db_step(st)==DB_ROW ){
    tmpl_dict *s = tmpl_section(d, "USER");
    unsigned roles = roles_from_list(db_col_text(st, 6)) | (db_col_int(st, 5) ? ROLE_ADMIN : 0);
    tmpl_set_int(s, "USER_ID", db_col_int64(st, 0));
    tmpl_set(s, "USER_USERNAME", db_col_text(st, 1));
    tmpl_set(s, "USER_DISPLAY", db_col_text(st, 2));
    tmpl_set(s, "USER_EMAIL", db_col_text(st, 3));
    tmpl_set(s, "USER_ROLES", role_text(r, roles));
    tmpl_set(s, "USER_TEAMS", db_col_text(st, 7)[0] ? db_col_text(st, 7) : "—");
    tmpl_show(s, db_col_int(st, 4) ? "USER_DISABLED" : "USER_ACTIVE");
    n++;
  }
  db_finish(st);
  tmpl_show(d, n ? "HAS_USERS" : "NO_USERS");
  if( pages>1 ){
    tmpl_dict *p = tmpl_section(d, "PAGER");
    tmpl_set_int(p, "PAGE", page);
    tmpl_set_int(p, "PAGES", pages);
    if( page>1 ) tmpl_set_int(tmpl_section(p, "PREV"), "PREV_PAGE", page-1);
    if( page<pages ) tmpl_set_int(tmpl_section(p, "NEXT"), "NEXT_PAGE", page+1);
  }
  /* the add-user form */
  tmpl_set(d, "USERNAME", f ? f->username : "");
  tmpl_set(d, "DISPLAY_NAME", f ? f->display_name : "");
  tmpl_set(d, "EMAIL", f ? f->email : "");
  add_role_options(d, f ? f->roles : 0);
  st = db_prepare(db, "SELECT name, description FROM teams ORDER BY name");
  int nteams = 0;
  while( st && db_step(st)==DB_ROW ){
    tmpl_dict *s = tmpl_section(d, "TEAM_OPTION");
    const char *name = db_col_text(st, 0);
    tmpl_set(s, "TEAM_NAME", name);
    tmpl_set(s, "TEAM_DESCRIPTION", db_col_text(st, 1));
    tmpl_set_int(s, "TEAM_INDEX", nteams);
    for(int i=0; f && i<f->nteams; i++){
      if( strcmp(f->teams[i], name)==0 ){ tmpl_show(s, "TEAM_CHECKED"); break; }
    }
    nteams++;
  }
  db_finish(st);
  if( nteams ) tmpl_show(d, "HAS_TEAM_OPTIONS");
  if( alert ) tmpl_set(tmpl_section(d, "ALERT"), "ALERT", alert);
  add_errors(r, d);
  return page_render(r, status, "admin_users.tpl", d, "Users");
}

/* GET /admin/users[?page=N] */
int page_admin_users(struct req *r){
  return users_page(r, 200, NULL, NULL);
}

/*
** POST /admin/users — add a person: username, display_name, email, password,
** roles (repeated), teams (repeated).  Errors re-render the list with the form
** (422; 409 when the username is taken).  Then to the new person's page.
*/
int page_admin_user_add(struct req *r){
  struct user_form f;
  const char *pw, *p;
  char err[300];
  int64_t id = 0;
  memset(&f, 0, sizeof(f));
  if( req_text(r, "username", 1, 64, &f.username) && (p = users_name_problem(f.username)) ){
    req_field_error(r, "username", "%s", p);
  }
  check_name_email(r, &f.display_name, &f.email);
  if( req_text(r, "password", 1, 256, &pw) && (p = auth_password_problem(pw)) ){
    req_field_error(r, "password", "%s", p);
  }
  form_roles(r, &f.roles);
  form_teams(r, &f);
  if( r->errors ) return users_page(r, 422, &f, NULL);
  struct audit_ctx c;
  req_audit_ctx(r, &c);
  int rc = users_add(r->app, &c, f.username, f.display_name, f.email, pw, f.roles, f.teams, f.nteams,
                     &id, err, sizeof(err));
  if( rc==HP_CONFLICT ){
    req_field_error(r, "username", "%s Choose another username.", err);
    return users_page(r, 409, &f, NULL);
  }
  if( rc==HP_UNPROCESSABLE ) return users_page(r, 422, &f, err);
  if( rc ) return rc;
  page_flash(r, "%s (%s) was added. Give them their password; they can change it on their own page.",
             f.display_name, f.username);
  return resp_redirect(r, "/admin/users/%lld", (long long)id);
}

/* ----------------------------------------------------------- one user */

/*
** Render one person's page: facts, the edit form (filled from f when shown
** again with errors, else from the database), password reset, disable or
** enable, and team memberships.  alert is shown at the top, or NULL.
** Returns HP_NOT_FOUND for an unknown id.
*/
static int user_page(struct req *r, int status, int64_t id, const struct user_form *f, const char *alert){
  struct admin_user u;
  if( !load_user(r, id, &u) ) return HP_NOT_FOUND;
  tmpl_dict *d = tmpl_dict_new("admin_user");
  if( d==NULL ) return HP_ERROR;
  int self = u.id==r->user->id;
  tmpl_set(d, "CSRF", r->csrf_token);
  tmpl_set_int(d, "ID", u.id);
  tmpl_set(d, "USERNAME", u.username);
  tmpl_set(d, "NAME", u.display_name);
  tmpl_set(d, "CURRENT_EMAIL", u.email);
  tmpl_set(d, "CREATED", page_time(r, u.created_at));
  tmpl_set(d, "CURRENT_ROLES", role_text(r, u.roles));
  tmpl_set(d, "DISPLAY_NAME", f ? f->display_name : u.display_name);
  tmpl_set(d, "EMAIL", f ? f->email : u.email);
  add_role_options(d, f ? f->roles : u.roles);
  if( self ) tmpl_show(d, "SELF");
  if( u.disabled ){
    tmpl_show(d, "DISABLED");
  }else if( self ){
    tmpl_show(d, "ACTIVE_SELF");
  }else{
    tmpl_show(d, "ACTIVE");
  }
  if( alert ) tmpl_set(tmpl_section(d, "ALERT"), "ALERT", alert);
  if( strcmp(u.auth_source, "local")==0 ){
    tmpl_set(d, "SIGNS_IN", u.two_step ? "Holdpoint password and two-step code" : "Holdpoint password");
    tmpl_show(d, "PASSWORD_SECTION");
    if( u.two_step ) tmpl_show(d, "TWO_STEP_RESET");
  }else{
    tmpl_set(d, "SIGNS_IN", strcmp(u.auth_source, "oidc")==0
             ? arena_printf(&r->arena, "%s (OpenID Connect); account made at their first sign-in", r->app->cfg.idp.oidc_label)
             : "the company directory (LDAP); account made at their first sign-in");
    tmpl_show(d, "FEDERATED");
  }

  /* live sessions and tokens, so the admin sees what disabling ends */
  int64_t now = app_now_ms(r->app);
  struct db_stmt *st = db_prepare(r->app->db,
    "SELECT (SELECT count(*) FROM sessions WHERE user_id=:u AND ended_at IS NULL AND expires_at>:now"
    " AND last_seen_at>:idle), (SELECT count(*) FROM api_tokens WHERE user_id=:u AND revoked_at IS NULL)");
  if( st ){
    db_bind_int64(st, ":u", u.id);
    db_bind_int64(st, ":now", now);
    db_bind_int64(st, ":idle", now - (int64_t)r->app->cfg.session_idle*1000);
    if( db_step(st)==DB_ROW ){
      tmpl_set_int(d, "SESSIONS", db_col_int64(st, 0));
      tmpl_set_int(d, "TOKENS", db_col_int64(st, 1));
    }
    db_finish(st);
  }

  /* teams: the ones they are in (remove) and the others (add) */
  st = db_prepare(r->app->db,
    "SELECT t.id, t.name, t.description, EXISTS(SELECT 1 FROM team_members m"
    " WHERE m.team_id=t.id AND m.user_id=:u) FROM teams t ORDER BY t.name");
  int nin = 0, nout = 0;
  if( st ) db_bind_int64(st, ":u", u.id);
  while( st && db_step(st)==DB_ROW ){
    int in = db_col_int(st, 3);
    tmpl_dict *s = tmpl_section(d, in ? "MEMBER_OF" : "NOT_MEMBER_OF");
    tmpl_set_int(s, "TEAM_ID", db_col_int64(st, 0));
    tmpl_set(s, "TEAM_NAME", db_col_text(st, 1));
    tmpl_set(s, "TEAM_DESCRIPTION", db_col_text(st, 2));
    if( in ) nin++; else nout++;
  }
  db_finish(st);
  if( nin ) tmpl_show(d, "HAS_MEMBER_OF");
  else tmpl_show(d, "NO_MEMBER_OF");
  if( nout ) tmpl_show(d, "HAS_NOT_MEMBER_OF");
  add_errors(r, d);
  return page_render(r, status, "admin_user.tpl", d, u.display_name);
}

/* GET /admin/users/{id} */
int page_admin_user(struct req *r){
  return user_page(r, 200, r->ids[0], NULL, NULL);
}

/*
** POST /admin/users/{id} — change display_name, email and roles (repeated).
** An admin cannot take away their own admin role (422), so an admin remains.
*/
int page_admin_user_save(struct req *r){
  int64_t id = r->ids[0];
  struct admin_user u;
  struct user_form f;
  char err[300];
  if( !load_user(r, id, &u) ) return HP_NOT_FOUND;
  memset(&f, 0, sizeof(f));
  check_name_email(r, &f.display_name, &f.email);
  if( form_roles(r, &f.roles) && id==r->user->id && !(f.roles & ROLE_ADMIN) ){
    req_field_error(r, "roles", "You cannot remove your own admin role. Ask another administrator to do it,"
                    " so that someone can always manage Holdpoint.");
  }
  if( r->errors ) return user_page(r, 422, id, &f, NULL);
  struct audit_ctx c;
  req_audit_ctx(r, &c);
  int rc = users_update(r->app, &c, id, f.display_name, f.email, f.roles, err, sizeof(err));
  if( rc==HP_UNPROCESSABLE ) return user_page(r, 422, id, &f, err);
  if( rc ) return rc;
  page_flash(r, "The changes to %s are saved.", u.username);
  return resp_redirect(r, "/admin/users/%lld", (long long)id);
}

/*
** POST /admin/users/{id}/password — set a new password (password, password2).
** The person's sessions end (the admin's own current session is kept).
*/
/* POST /admin/users/{id}/two-step/reset — someone lost their phone and their recovery codes. */
int page_admin_user_two_step_reset(struct req *r){
  struct admin_user u;
  struct audit_ctx c;
  if( !load_user(r, r->ids[0], &u) ) return HP_NOT_FOUND;
  req_audit_ctx(r, &c);
  int rc = twostep_disable(r->app, &c, u.id);
  if( rc ) return rc;
  page_flash(r, "Two-step sign-in is off for %s. If their role requires it, they set it up again at their next sign-in.",
             u.username);
  return resp_redirect(r, "/admin/users/%lld", (long long)u.id);
}

int page_admin_user_password(struct req *r){
  int64_t id = r->ids[0];
  struct admin_user u;
  const char *pw, *pw2, *p;
  char err[300];
  if( !load_user(r, id, &u) ) return HP_NOT_FOUND;
  if( strcmp(u.auth_source, "local")!=0 ){
    return user_page(r, 409, id, NULL, "This person signs in through the company's provider: their password is kept there.");
  }
  if( req_text(r, "password", 1, 256, &pw) && (p = auth_password_problem(pw)) ){
    req_field_error(r, "password", "%s", p);
  }
  req_text(r, "password2", 0, 256, &pw2);
  if( req_error_for(r, "password")==NULL && strcmp(pw, pw2)!=0 ){
    req_field_error(r, "password2", "The two passwords are not the same.");
  }
  if( r->errors ) return user_page(r, 422, id, NULL, NULL);
  struct audit_ctx c;
  req_audit_ctx(r, &c);
  int rc = users_set_password(r->app, &c, id, pw, err, sizeof(err));
  if( rc==HP_UNPROCESSABLE ){
    req_field_error(r, "password", "%s", err);
    return user_page(r, 422, id, NULL, NULL);
  }
  if( rc ) return rc;
  rc = sess_end_others(r, id, id==r->user->id ? r->session_hash : NULL);
  page_flash(r, "The password of %s is changed%s", u.username,
             rc==HP_OK ? "; their sessions have ended." : ", but their sessions could not be ended.");
  return resp_redirect(r, "/admin/users/%lld", (long long)id);
}

/*
** POST /admin/users/{id}/disable — the person can no longer sign in; their
** sessions end and their tokens are revoked (users_set_disabled).  An admin
** cannot disable themselves (409).
*/
int page_admin_user_disable(struct req *r){
  int64_t id = r->ids[0];
  struct admin_user u;
  if( !load_user(r, id, &u) ) return HP_NOT_FOUND;
  if( id==r->user->id ){
    return user_page(r, 409, id, NULL, "You cannot disable your own account. Ask another administrator,"
                     " so that someone can always manage Holdpoint.");
  }
  if( u.disabled ){
    page_flash(r, "%s was already disabled.", u.username);
    return resp_redirect(r, "/admin/users/%lld", (long long)id);
  }
  struct audit_ctx c;
  req_audit_ctx(r, &c);
  int rc = users_set_disabled(r->app, &c, id, 1);
  if( rc ) return rc;
  page_flash(r, "%s is disabled: they cannot sign in, their sessions have ended and their API tokens are revoked.",
             u.username);
  return resp_redirect(r, "/admin/users/%lld", (long long)id);
}

/* POST /admin/users/{id}/enable — the person may sign in again (tokens stay revoked). */
int page_admin_user_enable(struct req *r){
  int64_t id = r->ids[0];
  struct admin_user u;
  if( !load_user(r, id, &u) ) return HP_NOT_FOUND;
  if( !u.disabled ){
    page_flash(r, "%s is already enabled.", u.username);
    return resp_redirect(r, "/admin/users/%lld", (long long)id);
  }
  struct audit_ctx c;
  req_audit_ctx(r, &c);
  int rc = users_set_disabled(r->app, &c, id, 0);
  if( rc ) return rc;
  page_flash(r, "%s is enabled and can sign in again.", u.username);
  return resp_redirect(r, "/admin/users/%lld", (long long)id);
}

/* ---------------------------------------------------------------- teams */

/*
** Render the team list with members and the add-team form (values from the
** form when shown again).  err_team names the team whose add-member form gets
** err_member and keeps the typed username.
*/
static int teams_page(struct req *r, int status, int64_t err_team, const char *err_member){
  struct db *db = r->app->db;
  tmpl_dict *d = tmpl_dict_new("admin_teams");
  if( d==NULL ) return HP_ERROR;
  tmpl_set(d, "CSRF", r->csrf_token);
  tmpl_set(d, "NAME", req_form(r, "name") && err_team==0 ? req_form(r, "name") : "");
  tmpl_set(d, "DESCRIPTION", req_form(r, "description") && err_team==0 ? req_form(r, "description") : "");
  struct db_stmt *st = db_prepare(db,
    "SELECT t.id, t.name, t.description, u.id, u.username, u.display_name, u.disabled"
    " FROM teams t LEFT JOIN team_members m ON m.team_id=t.id LEFT JOIN users u ON u.id=m.user_id"
    " ORDER BY t.name, t.id, u.username");
  if( st==NULL ){ tmpl_dict_free(d); return HP_ERROR; }
  tmpl_dict *team = NULL;
  int64_t cur = 0;
  int nteams = 0, nmembers = 0;
  while( db_step(st)==DB_ROW ){
    int64_t tid = db_col_int64(st, 0);
    if( team==NULL || tid!=cur ){
      if( team ) tmpl_show(team, nmembers ? "HAS_MEMBERS" : "NO_MEMBERS");
      team = tmpl_section(d, "TEAM");
      cur = tid;
      nmembers = 0;
      nteams++;
      tmpl_set_int(team, "TEAM_ID", tid);
      tmpl_set(team, "TEAM_NAME", db_col_text(st, 1));
      tmpl_set(team, "TEAM_DESCRIPTION", db_col_text(st, 2));
      if( tid==err_team ){
        tmpl_set(team, "ERR_MEMBER", err_member);
        tmpl_set(team, "MEMBER_USERNAME", req_form(r, "username"));
        tmpl_dict *a = tmpl_section(d, "MEMBER_ALERT");
        tmpl_set(a, "ALERT_TEAM", db_col_text(st, 1));
        tmpl_set_int(a, "ALERT_TEAM_ID", tid);
        tmpl_set(a, "ALERT_MESSAGE", err_member);
      }
    }
    if( db_col_null(st, 3) ) continue;
    tmpl_dict *m = tmpl_section(team, "MEMBER");
    tmpl_set_int(m, "MEMBER_ID", db_col_int64(st, 3));
    tmpl_set(m, "MEMBER_USERNAME_SHOWN", db_col_text(st, 4));
    tmpl_set(m, "MEMBER_NAME", db_col_text(st, 5));
    if( db_col_int(st, 6) ) tmpl_show(m, "MEMBER_DISABLED");
    nmembers++;
  }
  db_finish(st);
  if( team ) tmpl_show(team, nmembers ? "HAS_MEMBERS" : "NO_MEMBERS");
  tmpl_show(d, nteams ? "HAS_TEAMS" : "NO_TEAMS");
  st = db_prepare(db, "SELECT username, display_name FROM users WHERE disabled=0 ORDER BY username LIMIT :lim");
  if( st ){
    db_bind_int64(st, ":lim", ADMIN_MAX_LISTED);
    while( db_step(st)==DB_ROW ){
      tmpl_dict *s = tmpl_section(d, "KNOWN_USER");
      tmpl_set(s, "KNOWN_USERNAME", db_col_text(st, 0));
      tmpl_set(s, "KNOWN_NAME", db_col_text(st, 1));
    }
    db_finish(st);
  }
  add_errors(r, d);
  return page_render(r, status, "admin_teams.tpl", d, "Teams");
}

/* GET /admin/teams */
int page_admin_teams(struct req *r){
  return teams_page(r, 200, 0, NULL);
}

/* POST /admin/teams — add a team: name (like a username), description (0..500). */
int page_admin_team_add(struct req *r){
  const char *name, *desc, *p;
  char err[300];
  int64_t id;
  if( req_text(r, "name", 1, 64, &name) && (p = users_team_problem(name)) ){
    req_field_error(r, "name", "%s", p);
  }
  if( req_text(r, "description", 0, 500, &desc) && has_control(desc) ){
    req_field_error(r, "description", "Use letters, digits, spaces and punctuation only.");
  }
  if( r->errors ) return teams_page(r, 422, 0, NULL);
  struct audit_ctx c;
  req_audit_ctx(r, &c);
  int rc = users_team_add(r->app, &c, name, desc, &id, err, sizeof(err));
  if( rc==HP_CONFLICT || rc==HP_UNPROCESSABLE ){
    req_field_error(r, "name", "%s", err);
    return teams_page(r, rc==HP_CONFLICT ? 409 : 422, 0, NULL);
  }
  if( rc ) return rc;
  page_flash(r, "The team %s was added. Add its members below.", name);
  return resp_redirect(r, "/admin/teams#team-%lld", (long long)id);
}

/* 1 when a team with this id exists; its name goes to *name (arena). */
static int team_exists(struct req *r, int64_t id, const char **name){
  struct db_stmt *st = db_prepare(r->app->db, "SELECT name FROM teams WHERE id=:id");
  int found = 0;
  *name = NULL;
  if( st==NULL ) return 0;
  db_bind_int64(st, ":id", id);
  if( db_step(st)==DB_ROW ){ *name = db_col_dup(&r->arena, st, 0); found = *name!=NULL; }
  db_finish(st);
  return found;
}

/* 1 when user_id is a member of team_id. */
static int is_member(struct req *r, int64_t team_id, int64_t user_id){
  struct db_stmt *st = db_prepare(r->app->db, "SELECT 1 FROM team_members WHERE team_id=:t AND user_id=:u");
  int found = 0;
  if( st==NULL ) return 0;
  db_bind_int64(st, ":t", team_id);
  db_bind_int64(st, ":u", user_id);
  found = db_step(st)==DB_ROW;
  db_finish(st);
  return found;
}

/* After a membership change: back to the person's page (back=user) or to the team. */
static int member_redirect(struct req *r, int64_t team_id, int64_t user_id){
  const char *back = req_form(r, "back");
  if( back && strcmp(back, "user")==0 ) return resp_redirect(r, "/admin/users/%lld#teams", (long long)user_id);
  return resp_redirect(r, "/admin/teams#team-%lld", (long long)team_id);
}

/* POST /admin/teams/{id}/members — add the person named in "username" to the team. */
int page_admin_team_member_add(struct req *r){
  int64_t tid = r->ids[0], uid = 0;
  const char *team, *username;
  char err[300];
  if( !team_exists(r, tid, &team) ) return HP_NOT_FOUND;
  if( !req_text(r, "username", 1, 64, &username) ){
    return teams_page(r, 422, tid, req_error_for(r, "username"));
  }
  if( !users_find(r->app, username, &uid) ){
    return teams_page(r, 422, tid, arena_printf(&r->arena, "There is no user '%s'.", username));
  }
  if( is_member(r, tid, uid) ){
    page_flash(r, "%s is already in the team %s.", username, team);
    return member_redirect(r, tid, uid);
  }
  struct audit_ctx c;
  req_audit_ctx(r, &c);
  int rc = users_team_member(r->app, &c, tid, uid, 1, err, sizeof(err));
  if( rc ) return rc;
  page_flash(r, "%s was added to the team %s.", username, team);
  return member_redirect(r, tid, uid);
}

/* POST /admin/teams/{id}/members/{id}/remove — take a person out of the team (404 if not in it). */
int page_admin_team_member_remove(struct req *r){
  int64_t tid = r->ids[0], uid = r->ids[1];
  const char *team;
  struct admin_user u;
  char err[300];
  if( !team_exists(r, tid, &team) || !load_user(r, uid, &u) || !is_member(r, tid, uid) ) return HP_NOT_FOUND;
  struct audit_ctx c;
  req_audit_ctx(r, &c);
  int rc = users_team_member(r->app, &c, tid, uid, 0, err, sizeof(err));
  if( rc ) return rc;
  page_flash(r, "%s was removed from the team %s.", u.username, team);
  return member_redirect(r, tid, uid);
}

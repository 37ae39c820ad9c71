/* users.c — people, roles and teams: the operations shared by the command line and admin pages. */
#include "users.h"
#include "util.h"
#include "hp.h"
#include "app.h"
#include "db.h"
#include "auth.h"
#include "audit.h"
#include "mayact.h"
#include <jansson.h>
#include <string.h>
#include <stdio.h>

/* The one table of roles: bit, stored name, the words on pages, in display order. */
const struct users_role users_roles[] = {
  { ROLE_RELEASE_MANAGER, "release_manager", "Release manager", "starts and steers releases" },
  { ROLE_APPROVER, "approver", "Approver", "decides on approvals" },
  { ROLE_QA, "qa", "QA", "signs off quality checks" },
  { ROLE_AUDITOR, "auditor", "Auditor", "reads the audit trail and exports" },
  { ROLE_ADMIN, "admin", "Admin", "manages people and teams" },
};
const size_t users_nroles = HP_ARRAY_SIZE(users_roles);

unsigned users_role_bit(const char *name){
  for(size_t i=0; name && i<users_nroles; i++) if( strcmp(name, users_roles[i].name)==0 ) return users_roles[i].bit;
  return 0;
}

const char *users_role_name(unsigned bit){
  for(size_t i=0; i<users_nroles; i++) if( users_roles[i].bit==bit ) return users_roles[i].name;
  return "";
}

unsigned users_roles_parse(const char *list){
  unsigned bits = 0;
  char name[32];
  while( list && *list ){
    size_t n = strcspn(list, ", ");
    if( n>0 && n<sizeof(name) ){
      memcpy(name, list, n);
      name[n] = 0;
      bits |= users_role_bit(name);
    }
    list += n;
    list += strspn(list, ", ");
  }
  return bits;
}

static int ident_ok(const char *z, size_t max){
  size_t n = strlen(z);
  if( n==0 || n>max ) return 0;
  if( !((z[0]>='a'&&z[0]<='z') || (z[0]>='0'&&z[0]<='9')) ) return 0;
  for(; *z; z++){
    if( !((*z>='a'&&*z<='z') || (*z>='0'&&*z<='9') || *z=='.' || *z=='_' || *z=='-') ) return 0;
  }
  return 1;
}

const char *users_name_problem(const char *z){
  return ident_ok(z, 64) ? NULL
    : "Use 1 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit.";
}

const char *users_team_problem(const char *z){
  return ident_ok(z, 64) ? NULL
    : "Use 1 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit.";
}

const char *users_email_problem(const char *z){
  const char *at = strchr(z, '@');
  size_t n = strlen(z);
  if( n<3 || n>254 || at==NULL || at==z || at[1]==0 || strchr(at+1, '@') ) return "Enter an e-mail address like name@example.com.";
  for(; *z; z++) if( (unsigned char)*z<=0x20 || *z=='<' || *z=='>' || *z==',' ) return "Enter an e-mail address like name@example.com.";
  return NULL;
}

static int set_err(char *err, size_t nerr, int rc, const char *msg){
  snprintf(err, nerr, "%s", msg);
  return rc;
}

static int exec_bound(struct db *db, const char *sql, int64_t a, int64_t b, const char *z){
  struct db_stmt *st = db_prepare(db, sql);
  if( st==NULL ) return -1;
  if( db_has_param(st, ":a") ) db_bind_int64(st, ":a", a);
  if( db_has_param(st, ":b") ) db_bind_int64(st, ":b", b);
  if( db_has_param(st, ":z") ) db_bind_text(st, ":z", z);
  int rc = db_step(st)==DB_DONE ? 0 : -1;
  db_finish(st);
  return rc;
}

static int write_roles(struct db *db, int64_t id, unsigned roles){
  if( exec_bound(db, "DELETE FROM user_roles WHERE user_id=:a", id, 0, NULL) ) return -1;
  for(size_t i=0; i<users_nroles; i++){
    if( (roles & users_roles[i].bit)
     && exec_bound(db, "INSERT INTO user_roles(user_id,role) VALUES(:a,:z)", id, 0, users_roles[i].name) ) return -1;
  }
  return exec_bound(db, "UPDATE users SET is_admin=:b WHERE id=:a", id, (roles & ROLE_ADMIN) ? 1 : 0, NULL);
}

/*
** Add a person with roles and team memberships, in one transaction with its
** audit record.  Returns HP_OK and *id, HP_UNPROCESSABLE for invalid input,
** HP_CONFLICT when the username is taken (err says which).
*/
int users_add(struct app *a, const struct audit_ctx *c, const char *username, const char *display,
              const char *email, const char *password, unsigned roles, const char *const *teams,
              int nteams, int64_t *id, char *err, size_t nerr){
  const char *p;
  if( (p = users_name_problem(username)) ) return set_err(err, nerr, HP_UNPROCESSABLE, p);
  if( display[0]==0 || strlen(display)>100 ) return set_err(err, nerr, HP_UNPROCESSABLE, "Enter a display name of 1 to 100 characters.");
  if( (p = users_email_problem(email)) ) return set_err(err, nerr, HP_UNPROCESSABLE, p);
  if( (p = auth_password_problem(password)) ) return set_err(err, nerr, HP_UNPROCESSABLE, p);
  char hash[256];
  if( auth_hash_password(a, password, hash, sizeof(hash)) ) return set_err(err, nerr, HP_ERROR, "Could not hash the password.");
  int64_t tids[32];
  if( nteams > 32 ) return set_err(err, nerr, HP_UNPROCESSABLE, "Too many teams.");
  for(int i=0; i<nteams; i++){
    if( !users_team_find(a, teams[i], &tids[i]) ){
      snprintf(err, nerr, "There is no team '%s'.", teams[i]);
      return HP_UNPROCESSABLE;
    }
  }
  struct db *db = a->db;
  if( db_begin_write(db) ) return set_err(err, nerr, HP_UNAVAILABLE, "The database is busy.");
  int64_t exists = 0;
  if( users_find(a, username, &exists) ){
    db_rollback(db);
    snprintf(err, nerr, "The username '%s' is taken.", username);
    return HP_CONFLICT;
  }
  struct db_stmt *st = db_prepare(db, "INSERT INTO users(username,display_name,email,password_hash,created_at)"
                                    " VALUES(:u,:d,:e,:h,:now)");
  int bad = st==NULL;
  if( st ){
    db_bind_text(st, ":u", username);
    db_bind_text(st, ":d", display);
    db_bind_text(st, ":e", email);
    db_bind_text(st, ":h", hash);
    db_bind_int64(st, ":now", app_now_ms(a));
    bad = db_step(st)!=DB_DONE;
    db_finish(st);
  }
  *id = db_last_id(db);
  if( !bad ) bad = write_roles(db, *id, roles);
  for(int i=0; !bad && i<nteams; i++){
    bad = exec_bound(db, "INSERT OR IGNORE INTO team_members(team_id,user_id) VALUES(:a,:b)", tids[i], *id, NULL);
  }
  if( !bad ) bad = audit_append(a, c, "user.add", "user", *id, 0, "{s:s,s:s,s:s,s:i}", "username", username,
                                "display_name", display, "email", email, "roles", (int)roles)
                || mayact_person_changed(a, c, *id);
  if( bad || db_commit(db) ){
    db_rollback(db);
    return set_err(err, nerr, HP_ERROR, "Could not save the user.");
  }
  return HP_OK;
}

int users_set_time_zone(struct app *a, const struct audit_ctx *c, int64_t id, const char *zone,
                        char *err, size_t nerr){
  if( zone==NULL ) zone = "";
  if( zone[0] && !util_tz_valid(zone) ){
    return set_err(err, nerr, HP_UNPROCESSABLE, "Choose a time zone from the list, such as Europe/Berlin.");
  }
  struct db *db = a->db;
  if( db_begin_write(db) ) return set_err(err, nerr, HP_UNAVAILABLE, "The database is busy.");
  struct db_stmt *st = db_prepare(db, "UPDATE users SET time_zone=:z WHERE id=:id");
  int bad = st==NULL;
  if( st ){
    db_bind_text(st, ":z", zone);
    db_bind_int64(st, ":id", id);
    bad = db_step(st)!=DB_DONE || db_changes(db)!=1;
    db_finish(st);
  }
  if( !bad ) bad = audit_append(a, c, "user.time_zone", "user", id, 0, "{s:s}", "time_zone", zone[0] ? zone : "UTC");
  if( bad || db_commit(db) ){
    db_rollback(db);
    return set_err(err, nerr, HP_ERROR, "The time zone could not be saved.");
  }
  return HP_OK;
}

int users_update(struct app *a, const struct audit_ctx *c, int64_t id, const char *display,
                 const char *email, unsigned roles, char *err, size_t nerr){
  const char *p;
  if( display[0]==0 || strlen(display)>100 ) return set_err(err, nerr, HP_UNPROCESSABLE, "Enter a display name of 1 to 100 characters.");
  if( (p = users_email_problem(email)) ) return set_err(err, nerr, HP_UNPROCESSABLE, p);
  struct db *db = a->db;
  if( db_begin_write(db) ) return set_err(err, nerr, HP_UNAVAILABLE, "The database is busy.");
  struct db_stmt *st = db_prepare(db, "UPDATE users SET display_name=:d, email=:e WHERE id=:id");
  int bad = st==NULL;
  if( st ){
    db_bind_text(st, ":d", display);
    db_bind_text(st, ":e", email);
    db_bind_int64(st, ":id", id);
    bad = db_step(st)!=DB_DONE || db_changes(db)!=1;
    db_finish(st);
  }
  if( !bad ) bad = write_roles(db, id, roles);
  if( !bad ) bad = audit_append(a, c, "user.update", "user", id, 0, "{s:s,s:s,s:i}", "display_name", display,
                                "email", email, "roles", (int)roles)
                || mayact_person_changed(a, c, id);
  if( bad || db_commit(db) ){
    db_rollback(db);
    return set_err(err, nerr, HP_NOT_FOUND, "No such account with a Holdpoint password (people who sign in through"
                   " the company's provider or directory change their password there).");
  }
  return HP_OK;
}

int users_set_password(struct app *a, const struct audit_ctx *c, int64_t id, const char *password,
                       char *err, size_t nerr){
  const char *p = auth_password_problem(password);
  if( p ) return set_err(err, nerr, HP_UNPROCESSABLE, p);
  char hash[256];
  if( auth_hash_password(a, password, hash, sizeof(hash)) ) return set_err(err, nerr, HP_ERROR, "Could not hash the password.");
  struct db *db = a->db;
  if( db_begin_write(db) ) return set_err(err, nerr, HP_UNAVAILABLE, "The database is busy.");
  int bad = exec_bound(db, "UPDATE users SET password_hash=:z WHERE id=:a AND auth_source='local'", id, 0, hash)
         || db_changes(db)!=1
         || audit_append(a, c, "user.password", "user", id, 0, NULL);
  if( bad || db_commit(db) ){
    db_rollback(db);
    return set_err(err, nerr, HP_NOT_FOUND, "No such user.");
  }
  return HP_OK;
}

/* End every browser session of user_id, inside the caller's transaction.  HP_OK or HP_ERROR. */
int users_end_sessions(struct app *app, int64_t user_id){
  struct db_stmt *st = db_prepare(app->db,
    "UPDATE sessions SET ended_at=:now WHERE user_id=:u AND ended_at IS NULL");
  if( st==NULL ) return HP_ERROR;
  db_bind_int64(st, ":now", app_now_ms(app));
  db_bind_int64(st, ":u", user_id);
  int rc = db_step(st)==DB_DONE ? HP_OK : HP_ERROR;
  db_finish(st);
  return rc;
}

/* Disabling also ends every session of that person, in the same transaction. */
int users_set_disabled(struct app *a, const struct audit_ctx *c, int64_t id, int disabled){
  struct db *db = a->db;
  if( db_begin_write(db) ) return HP_UNAVAILABLE;
  int bad = exec_bound(db, "UPDATE users SET disabled=:b WHERE id=:a", id, disabled ? 1 : 0, NULL)
         || db_changes(db)!=1;
  if( !bad && disabled ){
    bad = users_end_sessions(a, id)!=HP_OK
       || auth_token_revoke(a, 0, id)<0;
  }
  if( !bad ) bad = audit_append(a, c, disabled ? "user.disable" : "user.enable", "user", id, 0, NULL)
                || mayact_person_changed(a, c, id);
  if( bad || db_commit(db) ){
    db_rollback(db);
    return HP_NOT_FOUND;
  }
  return HP_OK;
}

static int find_id(struct app *a, const char *sql, const char *name, int64_t *id){
  struct db_stmt *st = db_prepare(a->db, sql);
  int found = 0;
  *id = 0;
  if( st==NULL ) return 0;
  db_bind_text(st, ":z", name);
  if( db_step(st)==DB_ROW ){ *id = db_col_int64(st, 0); found = 1; }
  db_finish(st);
  return found;
}

int users_find(struct app *a, const char *username, int64_t *id){
  return find_id(a, "SELECT id FROM users WHERE username=:z", username, id);
}

int users_team_find(struct app *a, const char *name, int64_t *id){
  return find_id(a, "SELECT id FROM teams WHERE name=:z", name, id);
}

int users_team_add(struct app *a, const struct audit_ctx *c, const char *name, const char *description,
                   int64_t *id, char *err, size_t nerr){
  const char *p = users_team_problem(name);
  if( p ) return set_err(err, nerr, HP_UNPROCESSABLE, p);
  if( strlen(description)>500 ) return set_err(err, nerr, HP_UNPROCESSABLE, "Use at most 500 characters for the description.");
  struct db *db = a->db;
  if( db_begin_write(db) ) return set_err(err, nerr, HP_UNAVAILABLE, "The database is busy.");
  if( users_team_find(a, name, id) ){
    db_rollback(db);
    snprintf(err, nerr, "There is already a team '%s'.", name);
    return HP_CONFLICT;
  }
  struct db_stmt *st = db_prepare(db, "INSERT INTO teams(name,description,created_at) VALUES(:n,:d,:now)");
  int bad = st==NULL;
  if( st ){
    db_bind_text(st, ":n", name);
    db_bind_text(st, ":d", description);
    db_bind_int64(st, ":now", app_now_ms(a));
    bad = db_step(st)!=DB_DONE;
    db_finish(st);
  }
  *id = db_last_id(db);
  if( !bad ) bad = audit_append(a, c, "team.add", "team", *id, 0, "{s:s}", "name", name);
  if( bad || db_commit(db) ){
    db_rollback(db);
    return set_err(err, nerr, HP_ERROR, "Could not save the team.");
  }
  return HP_OK;
}

int users_team_member(struct app *a, const struct audit_ctx *c, int64_t team_id, int64_t user_id,
                      int add, char *err, size_t nerr){
  struct db *db = a->db;
  if( db_begin_write(db) ) return set_err(err, nerr, HP_UNAVAILABLE, "The database is busy.");
  int bad = exec_bound(db, add ? "INSERT OR IGNORE INTO team_members(team_id,user_id) VALUES(:a,:b)"
                               : "DELETE FROM team_members WHERE team_id=:a AND user_id=:b",
                       team_id, user_id, NULL);
  if( bad ){
    db_rollback(db);
    return set_err(err, nerr, HP_NOT_FOUND, "No such team or user.");
  }
  bad = audit_append(a, c, add ? "team.member_add" : "team.member_remove", "team", team_id, 0,
                     "{s:I}", "user_id", (json_int_t)user_id)
     || mayact_person_changed(a, c, user_id);
  if( bad || db_commit(db) ){
    db_rollback(db);
    return set_err(err, nerr, HP_ERROR, "Could not save the membership.");
  }
  return HP_OK;
}

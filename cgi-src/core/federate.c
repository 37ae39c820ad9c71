/* federate.c — accounts of people who sign in through the company's provider, and the group map. */
#include "federate.h"
#include "arena.h"
#include "ldapdir.h"
#include "idmap.h"
#include "users.h"
#include "mayact.h"
#include "audit.h"
#include "auth.h"
#include "app.h"
#include "db.h"
#include "log.h"
#include "hp.h"
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <stdlib.h>

static int fail(char *err, size_t nerr, int rc, const char *msg){
  snprintf(err, nerr, "%s", msg);
  return rc;
}

/* The groups as a JSON array, each with its short name beside it ("cn=qa,ou=g,…" and "qa"). */
static char *groups_json(const struct fed_person *p, int with_short){
  json_t *arr = json_array();
  char sh[256];
  for(size_t i=0; arr && i<p->ngroups; i++){
    if( p->groups[i]==NULL || p->groups[i][0]==0 ) continue;
    json_array_append_new(arr, json_string(p->groups[i]));
    const char *s = idmap_group_short(p->groups[i], sh, sizeof(sh));
    if( with_short && s!=p->groups[i] ) json_array_append_new(arr, json_string(s));
  }
  char *z = arr ? json_dumps(arr, JSON_COMPACT) : NULL;
  json_decref(arr);
  return z;
}

/* Set membership of one mapped team or role to want; audited when it changes.  1 changed, 0 not, -1. */
static int set_target(struct app *a, const struct audit_ctx *c, int64_t uid, const char *kind,
                      const char *target, int want){
  struct db *db = a->db;
  int64_t tid = 0;
  int have;
  struct db_stmt *st;
  if( strcmp(kind, "team")==0 ){
    if( !users_team_find(a, target, &tid) ) return 0;      /* a team that is gone: nothing to follow */
    st = db_prepare(db, "SELECT 1 FROM team_members WHERE team_id=:t AND user_id=:u");
    if( st==NULL ) return -1;
    db_bind_int64(st, ":t", tid);
  }else{
    if( users_role_bit(target)==0 ) return 0;
    st = db_prepare(db, "SELECT 1 FROM user_roles WHERE role=:r AND user_id=:u");
    if( st==NULL ) return -1;
    db_bind_text(st, ":r", target);
  }
  db_bind_int64(st, ":u", uid);
  int step = db_step(st);
  db_finish(st);
  if( step!=DB_ROW && step!=DB_DONE ) return -1;
  have = step==DB_ROW;
  if( have==want ) return 0;
  if( strcmp(kind, "team")==0 ){
    st = db_prepare(db, want ? "INSERT INTO team_members(team_id,user_id) VALUES(:t,:u)"
                             : "DELETE FROM team_members WHERE team_id=:t AND user_id=:u");
    if( st==NULL ) return -1;
    db_bind_int64(st, ":t", tid);
  }else{
    st = db_prepare(db, want ? "INSERT INTO user_roles(user_id,role) VALUES(:u,:r)"
                             : "DELETE FROM user_roles WHERE user_id=:u AND role=:r");
    if( st==NULL ) return -1;
    db_bind_text(st, ":r", target);
  }
  db_bind_int64(st, ":u", uid);
  int ok = db_step(st)==DB_DONE;
  db_finish(st);
  if( ok && strcmp(kind, "role")==0 && strcmp(target, "admin")==0 ){
    st = db_prepare(db, "UPDATE users SET is_admin=:v WHERE id=:u");
    ok = st!=NULL;
    if( st ){
      db_bind_int64(st, ":v", want);
      db_bind_int64(st, ":u", uid);
      ok = db_step(st)==DB_DONE;
      db_finish(st);
    }
  }
  if( !ok ) return -1;
  if( strcmp(kind, "team")==0 ){
    if( audit_append(a, c, want ? "team.member_add" : "team.member_remove", "team", tid, 0,
                     "{s:I,s:s}", "user_id", (json_int_t)uid, "via", "group map") ) return -1;
  }else{
    if( audit_append(a, c, want ? "user.role_add" : "user.role_remove", "user", uid, 0,
                     "{s:s,s:s}", "role", target, "via", "group map") ) return -1;
  }
  return 1;
}

/* Apply the group map to uid for the groups in gjson (with short names).  1 something changed, 0 not, -1. */
static int apply_map(struct app *a, const struct audit_ctx *c, int64_t uid, const char *gjson){
  struct tgt { char kind[8]; char name[72]; int want; } t[64];
  int n = 0, changed = 0;
  struct db_stmt *st = db_prepare(a->db, "SELECT target_kind, target, max(CASE WHEN lower(grp) IN (SELECT lower(value) FROM json_each(:g)) THEN 1 ELSE 0 END)"
                                       " FROM group_map GROUP BY target_kind, target ORDER BY target_kind, target");
  if( st==NULL ) return -1;
  db_bind_text(st, ":g", gjson);
  int step;
  while( (step = db_step(st))==DB_ROW && n<(int)HP_ARRAY_SIZE(t) ){
    snprintf(t[n].kind, sizeof(t[n].kind), "%s", db_col_text(st, 0));
    snprintf(t[n].name, sizeof(t[n].name), "%s", db_col_text(st, 1));
    t[n].want = db_col_int(st, 2);
    n++;
  }
  db_finish(st);
  if( step!=DB_ROW && step!=DB_DONE ) return -1;
  for(int i=0; i<n; i++){
    int k = set_target(a, c, uid, t[i].kind, t[i].name, t[i].want);
    if( k<0 ) return -1;
    changed |= k;
  }
  return changed;
}

/*
** A change of the map applies to everyone at once, from the groups each
** person brought at their last sign-in or sync (users.groups_json), in the
** caller's transaction.  0 or -1.
*/
static int reapply_all(struct app *a, const struct audit_ctx *c){
  struct who { int64_t id; char *groups; } *w = NULL;
  size_t n = 0, cap = 0;
  struct db_stmt *st = db_prepare(a->db, "SELECT id, groups_json FROM users WHERE auth_source<>'local' AND disabled=0 ORDER BY id");
  if( st==NULL ) return -1;
  int step, bad = 0;
  while( (step = db_step(st))==DB_ROW ){
    if( n==cap ){
      struct who *nw = realloc(w, (cap = cap ? 2*cap : 64)*sizeof(*w));
      if( nw==NULL ){ bad = 1; break; }
      w = nw;
    }
    w[n].id = db_col_int64(st, 0);
    w[n].groups = strdup(db_col_text(st, 1));
    if( w[n].groups==NULL ){ bad = 1; break; }
    n++;
  }
  db_finish(st);
  if( step!=DB_DONE && step!=DB_ROW ) bad = 1;
  for(size_t i = 0; !bad && i<n; i++){
    json_t *arr = json_loads(w[i].groups, 0, NULL);
    const char **g = arr && json_is_array(arr) ? calloc(json_array_size(arr)+1, sizeof(char*)) : NULL;
    struct fed_person p = { "", "", "", NULL, NULL, g, 0 };
    size_t k;
    json_t *v;
    if( g ) json_array_foreach(arr, k, v) if( json_is_string(v) ) g[p.ngroups++] = json_string_value(v);
    char *all = groups_json(&p, 1);
    int changed = all ? apply_map(a, c, w[i].id, all) : -1;
    if( changed<0 ) bad = 1;
    else if( changed>0 ) bad = mayact_person_changed(a, c, w[i].id)!=0;
    free(all);
    free(g);
    json_decref(arr);
  }
  for(size_t i = 0; i<n; i++) free(w[i].groups);
  free(w);
  return bad ? -1 : 0;
}

/* Refresh name, e-mail and groups of uid from p, then the map; in the caller's transaction.  0 or -1. */
static int refresh(struct app *a, const struct audit_ctx *c, int64_t uid, const struct fed_person *p){
  char *all = groups_json(p, 1), *shown = groups_json(p, 0);
  int bad = all==NULL || shown==NULL;
  const char *email = p->email && p->email[0] && users_email_problem(p->email)==NULL ? p->email : NULL;
  const char *display = p->display && p->display[0] && strlen(p->display)<=100 ? p->display : NULL;
  int profile_changed = 0;
  struct db_stmt *st = bad ? NULL : db_prepare(a->db, "SELECT display_name, email FROM users WHERE id=:id");
  if( st ){
    db_bind_int64(st, ":id", uid);
    if( db_step(st)==DB_ROW ){
      profile_changed = (display && strcmp(display, db_col_text(st, 0))!=0)
                     || (email && strcmp(email, db_col_text(st, 1))!=0);
    }else{
      bad = 1;
    }
    db_finish(st);
  }
  st = bad ? NULL : db_prepare(a->db, "UPDATE users SET display_name=coalesce(:d,display_name),"
                                      " email=coalesce(:e,email), groups_json=:g, synced_at=:now WHERE id=:id");
  if( st ){
    db_bind_text(st, ":d", display);
    db_bind_text(st, ":e", email);
    db_bind_text(st, ":g", shown);
    db_bind_int64(st, ":now", app_now_ms(a));
    db_bind_int64(st, ":id", uid);
    bad = db_step(st)!=DB_DONE;
    db_finish(st);
  }else{
    bad = 1;
  }
  if( !bad && profile_changed ){
    bad = audit_append(a, c, "user.update", "user", uid, 0, "{s:s?,s:s?,s:s}", "display_name", display,
                       "email", email, "via", p->source)!=0;
  }
  int k = bad ? -1 : apply_map(a, c, uid, all);
  if( k<0 ) bad = 1;
  if( !bad && k>0 ) bad = mayact_person_changed(a, c, uid)!=0;
  free(all);
  free(shown);
  return bad ? -1 : 0;
}

int fed_sign_in(struct app *a, const struct audit_ctx *c, const struct fed_person *p, int64_t *user_id,
                char *err, size_t nerr){
  char uname[72];
  *user_id = 0;
  if( p->external_id==NULL || p->external_id[0]==0 ){
    return fail(err, nerr, HP_UNPROCESSABLE, "The sign-in service did not say who you are.");
  }
  if( idmap_username(p->username, uname, sizeof(uname)) ){
    snprintf(err, nerr, "The sign-in service gave the username \"%.64s\", which Holdpoint cannot use: ask an"
             " administrator to check the username claim.", p->username ? p->username : "");
    return HP_UNPROCESSABLE;
  }
  struct db *db = a->db;
  if( db_begin_write(db) ) return fail(err, nerr, HP_UNAVAILABLE, "Holdpoint is busy. Try again in a moment.");
  int64_t uid = 0;
  int disabled = 0, rc = HP_OK;
  struct db_stmt *st = db_prepare(db, "SELECT id, disabled FROM users WHERE auth_source=:s AND external_id=:x");
  if( st==NULL ) goto failed;
  db_bind_text(st, ":s", p->source);
  db_bind_text(st, ":x", p->external_id);
  if( db_step(st)==DB_ROW ){
    uid = db_col_int64(st, 0);
    disabled = db_col_int(st, 1);
  }
  db_finish(st);
  if( uid==0 ){
    int64_t other = 0;
    if( users_find(a, uname, &other) ){
      db_rollback(db);
      snprintf(err, nerr, "The username \"%s\" belongs to another Holdpoint account (one that signs in"
               " differently). Ask an administrator to rename or remove that account.", uname);
      return HP_CONFLICT;
    }
    const char *email = p->email && users_email_problem(p->email)==NULL ? p->email : "";
    const char *display = p->display && p->display[0] && strlen(p->display)<=100 ? p->display : uname;
    st = db_prepare(db, "INSERT INTO users(username,display_name,email,password_hash,created_at,auth_source,external_id)"
                        " VALUES(:u,:d,:e,'!',:now,:s,:x)");
    if( st==NULL ) goto failed;
    db_bind_text(st, ":u", uname);
    db_bind_text(st, ":d", display);
    db_bind_text(st, ":e", email);
    db_bind_int64(st, ":now", app_now_ms(a));
    db_bind_text(st, ":s", p->source);
    db_bind_text(st, ":x", p->external_id);
    int ok = db_step(st)==DB_DONE;
    db_finish(st);
    if( !ok ) goto failed;
    uid = db_last_id(db);
    if( audit_append(a, c, "user.add", "user", uid, 0, "{s:s,s:s,s:s,s:s,s:b}", "username", uname,
                     "display_name", display, "email", email, "via", p->source, "first_sign_in", 1) ) goto failed;
  }else if( disabled ){
    db_rollback(db);
    return fail(err, nerr, HP_FORBIDDEN, "Your Holdpoint account is disabled. Ask a Holdpoint administrator.");
  }
  if( refresh(a, c, uid, p) ) goto failed;
  if( db_commit(db) ) goto failed;
  *user_id = uid;
  return rc;
failed:
  db_rollback(db);
  return fail(err, nerr, HP_ERROR, "Holdpoint could not save your account. Try again in a moment.");
}

int fed_refresh(struct app *a, const struct audit_ctx *c, int64_t user_id, const struct fed_person *p){
  if( p==NULL ){
    /* the directory no longer knows them: disabled, sessions ended, tokens revoked, approvals taken away */
    return users_set_disabled(a, c, user_id, 1)==HP_OK ? 0 : -1;
  }
  if( db_begin_write(a->db) ) return -1;
  if( refresh(a, c, user_id, p) || db_commit(a->db) ){
    db_rollback(a->db);
    return -1;
  }
  return 0;
}

/* Check a mapping and insert it (caller's transaction).  HP_OK or an error with err. */
static int map_insert(struct app *a, const struct audit_ctx *c, const char *grp, const char *kind,
                      const char *target, const char *source, int create_team, char *err, size_t nerr){
  int64_t tid = 0;
  if( grp==NULL || grp[0]==0 || strlen(grp)>256 ) return fail(err, nerr, HP_UNPROCESSABLE, "Enter the group's name (at most 256 characters).");
  if( strcmp(kind, "role")==0 ){
    if( users_role_bit(target)==0 ){
      snprintf(err, nerr, "There is no role \"%.64s\": use release_manager, approver, qa, auditor or admin.", target);
      return HP_UNPROCESSABLE;
    }
  }else if( strcmp(kind, "team")==0 ){
    if( !users_team_find(a, target, &tid) ){
      if( !create_team ){
        snprintf(err, nerr, "There is no team \"%.64s\". Add the team first.", target);
        return HP_UNPROCESSABLE;
      }
      const char *prob = users_team_problem(target);
      if( prob ){ snprintf(err, nerr, "team:%.64s: %s", target, prob); return HP_UNPROCESSABLE; }
      if( users_team_add(a, c, target, "Follows a group of the company's directory.", &tid, err, nerr)!=HP_OK ) return HP_ERROR;
    }
  }else{
    return fail(err, nerr, HP_UNPROCESSABLE, "Map a group to a team or a role.");
  }
  struct db_stmt *st = db_prepare(a->db, "INSERT INTO group_map(grp,target_kind,target,source,created_at)"
                                       " VALUES(:g,:k,:t,:s,:now) ON CONFLICT DO NOTHING");
  if( st==NULL ) return fail(err, nerr, HP_ERROR, "Could not save the mapping.");
  db_bind_text(st, ":g", grp);
  db_bind_text(st, ":k", kind);
  db_bind_text(st, ":t", target);
  db_bind_text(st, ":s", source);
  db_bind_int64(st, ":now", app_now_ms(a));
  int ok = db_step(st)==DB_DONE;
  int added = db_changes(a->db);
  db_finish(st);
  if( !ok ) return fail(err, nerr, HP_ERROR, "Could not save the mapping.");
  if( added==0 ){
    snprintf(err, nerr, "The group \"%.100s\" is already mapped to %s %s.", grp, kind, target);
    return HP_CONFLICT;
  }
  if( audit_append(a, c, "group_map.add", "group_map", db_last_id(a->db), 0, "{s:s,s:s,s:s,s:s}",
                   "group", grp, "kind", kind, "target", target, "source", source) ) return fail(err, nerr, HP_ERROR, "Could not save the mapping.");
  return HP_OK;
}

int fed_map_add(struct app *a, const struct audit_ctx *c, const char *grp, const char *kind,
                const char *target, const char *source, char *err, size_t nerr){
  if( db_begin_write(a->db) ) return fail(err, nerr, HP_UNAVAILABLE, "The database is busy.");
  int rc = map_insert(a, c, grp, kind, target, source, 0, err, nerr);
  if( rc==HP_OK && reapply_all(a, c) ) rc = fail(err, nerr, HP_ERROR, "Could not apply the mapping.");
  if( rc!=HP_OK || db_commit(a->db) ){
    db_rollback(a->db);
    return rc==HP_OK ? fail(err, nerr, HP_ERROR, "Could not save the mapping.") : rc;
  }
  return HP_OK;
}

/* Remove mapping id (of the admin page, or any with any_source); audited. */
static int map_remove(struct app *a, const struct audit_ctx *c, int64_t id, int any_source){
  if( db_begin_write(a->db) ) return HP_UNAVAILABLE;
  struct db_stmt *st = db_prepare(a->db, any_source ? "DELETE FROM group_map WHERE id=:id RETURNING grp, target_kind, target"
                       : "DELETE FROM group_map WHERE id=:id AND source='admin' RETURNING grp, target_kind, target");
  int rc = HP_ERROR;
  if( st ){
    db_bind_int64(st, ":id", id);
    if( db_step(st)==DB_ROW ){
      rc = audit_append(a, c, "group_map.remove", "group_map", id, 0, "{s:s,s:s,s:s}", "group", db_col_text(st, 0),
                        "kind", db_col_text(st, 1), "target", db_col_text(st, 2)) ? HP_ERROR : HP_OK;
      if( db_step(st)!=DB_DONE ) rc = HP_ERROR;
    }else{
      rc = HP_NOT_FOUND;
    }
    db_finish(st);
  }
  if( rc!=HP_OK || db_commit(a->db) ){
    db_rollback(a->db);
    return rc==HP_OK ? HP_ERROR : rc;
  }
  return HP_OK;
}

int fed_map_remove(struct app *a, const struct audit_ctx *c, int64_t id){
  if( db_begin_write(a->db) ) return HP_UNAVAILABLE;
  int rc = map_remove(a, c, id, 0);
  if( rc==HP_OK && reapply_all(a, c) ) rc = HP_ERROR;
  if( rc!=HP_OK || db_commit(a->db) ){
    db_rollback(a->db);
    return rc==HP_OK ? HP_ERROR : rc;
  }
  return HP_OK;
}

int fed_map_load_file(struct app *a, const struct audit_ctx *c, const char *path, char *err, size_t nerr){
  struct row { char grp[260], kind[8], target[72]; } *rows = NULL;
  size_t n = 0, cap = 0;
  FILE *f = fopen(path, "r");
  if( f==NULL ){ snprintf(err, nerr, "cannot read %.300s", path); return -1; }
  char line[1024], why[200];
  int lineno = 0, bad = 0;
  while( fgets(line, sizeof(line), f) ){
    lineno++;
    if( n==cap ){
      struct row *nr = realloc(rows, (cap = cap ? 2*cap : 16)*sizeof(*rows));
      if( nr==NULL ){ bad = 1; snprintf(err, nerr, "out of memory"); break; }
      rows = nr;
    }
    struct row *r = &rows[n];
    int k = idmap_parse_line(line, r->grp, sizeof(r->grp), r->kind, sizeof(r->kind), r->target, sizeof(r->target),
                             why, sizeof(why));
    if( k<0 ){ snprintf(err, nerr, "%.300s line %d: %s", path, lineno, why); bad = 1; break; }
    if( k>0 ) n++;
  }
  fclose(f);
  if( bad ){ free(rows); return -1; }
  if( db_begin_write(a->db) ){ free(rows); snprintf(err, nerr, "the database is busy"); return -1; }
  /* rows the file no longer has go (audited); rows it adds come (audited); the rest stay untouched */
  int64_t gone[256];
  int ngone = 0;
  struct db_stmt *st = db_prepare(a->db, "SELECT id, grp, target_kind, target FROM group_map WHERE source='file'");
  bad = st==NULL;
  while( st && db_step(st)==DB_ROW ){
    int keep = 0;
    for(size_t i=0; i<n && !keep; i++){
      keep = strcasecmp(rows[i].grp, db_col_text(st, 1))==0 && strcmp(rows[i].kind, db_col_text(st, 2))==0
          && strcmp(rows[i].target, db_col_text(st, 3))==0;
    }
    if( !keep && ngone<(int)HP_ARRAY_SIZE(gone) ) gone[ngone++] = db_col_int64(st, 0);
  }
  db_finish(st);
  for(int i=0; !bad && i<ngone; i++) bad = map_remove(a, c, gone[i], 1)!=HP_OK;
  int added = 0;
  for(size_t i=0; !bad && i<n; i++){
    int rc = map_insert(a, c, rows[i].grp, rows[i].kind, rows[i].target, "file", 1, why, sizeof(why));
    if( rc==HP_CONFLICT ) continue;                 /* there already (from the file or the admin page) */
    if( rc!=HP_OK ){ snprintf(err, nerr, "%.300s: %s", path, why); bad = 1; break; }
    added++;
  }
  free(rows);
  if( !bad && (added || ngone) && reapply_all(a, c) ){ bad = 1; snprintf(err, nerr, "could not apply the group map"); }
  if( bad || db_commit(a->db) ){
    db_rollback(a->db);
    if( !bad ) snprintf(err, nerr, "could not save the group map");
    return -1;
  }
  if( added || ngone ) log_msg("group map: %d mapping%s added, %d removed from %s", added, added==1 ? "" : "s", ngone, path);
  return 0;
}

/*
** One batch of the directory sync: up to n LDAP people after *cursor (by id)
** are looked up with the search account; found ones refreshed (groups, so
** teams and roles), gone ones disabled.  Stops at the first directory error.
** Returns how many were looked at, or -1 (directory unavailable: err).
*/
int fed_sync_batch(struct app *a, int64_t *cursor, int n, char *err, size_t nerr){
  struct { int64_t id; char *dn; } rows[64];
  int k = 0;
  if( n>64 ) n = 64;
  struct db_stmt *st = db_prepare(a->db, "SELECT id, external_id FROM users WHERE auth_source='ldap' AND disabled=0"
                                       " AND id>:c ORDER BY id LIMIT :n");
  if( st==NULL ) return -1;
  db_bind_int64(st, ":c", *cursor);
  db_bind_int64(st, ":n", n);
  while( k<n && db_step(st)==DB_ROW ){
    rows[k].id = db_col_int64(st, 0);
    rows[k].dn = strdup(db_col_text(st, 1));
    if( rows[k].dn ) k++;
  }
  db_finish(st);
  struct audit_ctx c = { 0, "directory sync", 0, "", "", "", "" };
  int done = 0, rc = 0;
  for(int i = 0; i<k; i++){
    struct arena ar;
    struct ldap_entry e;
    arena_init(&ar);
    int lr = ldapdir_lookup(&a->cfg.idp, &ar, rows[i].dn, &e, err, nerr);
    if( lr==HP_OK ){
      struct fed_person p = { "ldap", e.dn, e.username, e.email, e.display, e.groups, e.ngroups };
      if( fed_refresh(a, &c, rows[i].id, &p) ) rc = -1;
    }else if( lr==HP_NOT_FOUND ){
      if( fed_refresh(a, &c, rows[i].id, NULL) ) rc = -1;
    }else{
      rc = -1;
    }
    arena_free(&ar);
    if( rc ) break;
    *cursor = rows[i].id;
    done++;
  }
  for(int i = 0; i<k; i++) free(rows[i].dn);
  return rc ? -1 : done;
}

int fed_sync_all(struct app *a, int *people, char *err, size_t nerr){
  int64_t cursor = 0;
  int n;
  *people = 0;
  while( (n = fed_sync_batch(a, &cursor, 64, err, nerr))>0 ) *people += n;
  return n<0 ? -1 : 0;
}

/* The job runner's part: a round every HOLDPOINT_LDAP_SYNC_S, in batches of 20 people per tick. */
void fed_sync_tick(struct app *a, int64_t now){
  static int64_t cursor = 0, next_round = 0;
  static int64_t failed_at = 0;
  if( a->cfg.idp.ldap_url[0]==0 || a->cfg.idp.ldap_sync_s<=0 ) return;
  if( cursor==0 && now<next_round ) return;
  char err[300];
  int n = fed_sync_batch(a, &cursor, 20, err, sizeof(err));
  if( n<0 ){
    if( now - failed_at > 600000 ) log_msg("directory sync: %s (trying again next round)", err);
    failed_at = now;
    cursor = 0;
    next_round = now + 60000;          /* a directory that is down is tried again in a minute */
    return;
  }
  if( n<20 ){
    cursor = 0;
    next_round = now + (int64_t)a->cfg.idp.ldap_sync_s*1000;
  }
}


/* page_groups.c — the group map: which of the company's groups make people members of which teams, and give which roles. */
#include "page.h"
#include "page_login.h"
#include "app.h"
#include "db.h"
#include "users.h"
#include "audit.h"
#include "federate.h"
#include <string.h>

static int groups_page(struct req *r, int status){
  tmpl_dict *d = tmpl_dict_new("admin_groups");
  if( d==NULL ) return HP_ERROR;
  struct db *db = r->app->db;
  tmpl_set(d, "CSRF", r->csrf_token);
  const char *g = req_form(r, "group"), *t = req_form(r, "target");
  tmpl_set(d, "GROUP", g ? g : "");
  tmpl_set(d, "TARGET", t ? t : "");
  const char *kind = req_form(r, "kind");
  tmpl_show(d, kind && strcmp(kind, "role")==0 ? "KIND_ROLE" : "KIND_TEAM");
  const struct idp_config *p = &r->app->cfg.idp;
  if( p->group_map_file[0] ) tmpl_set(tmpl_section(d, "FILE"), "FILE_PATH", p->group_map_file);
  if( p->oidc_issuer[0]==0 && p->ldap_url[0]==0 ) tmpl_show(d, "NO_PROVIDER");
  int n = 0;
  struct db_stmt *st = db_prepare(db, "SELECT id, grp, target_kind, target, source FROM group_map ORDER BY grp, target_kind, target");
  if( st==NULL ) return HP_ERROR;
  while( db_step(st)==DB_ROW ){
    tmpl_dict *row = tmpl_section(d, "MAP");
    tmpl_set(row, "ID", db_col_text(st, 0));
    tmpl_set(row, "GRP", db_col_text(st, 1));
    tmpl_set(row, "KIND", strcmp(db_col_text(st, 2), "team")==0 ? "Team" : "Role");
    tmpl_set(row, "TARGET_NAME", db_col_text(st, 3));
    tmpl_show(row, strcmp(db_col_text(st, 4), "file")==0 ? "FROM_FILE" : "FROM_ADMIN");
    n++;
  }
  db_finish(st);
  if( n==0 ) tmpl_show(d, "NO_MAP");
  if( n ) tmpl_show(d, "HAS_MAP");
  /* the groups people brought at their last sign-in, to map them without guessing their spelling */
  st = db_prepare(db, "SELECT j.value, count(*) FROM users u, json_each(u.groups_json) j"
                      " WHERE u.auth_source<>'local' AND u.disabled=0 GROUP BY j.value ORDER BY j.value LIMIT 100");
  if( st==NULL ) return HP_ERROR;
  while( db_step(st)==DB_ROW ){
    tmpl_dict *s = tmpl_section(d, "SEEN");
    tmpl_set(s, "SEEN_GROUP", db_col_text(st, 0));
    tmpl_set(s, "SEEN_PEOPLE", db_col_text(st, 1));
  }
  db_finish(st);
  for(size_t i = 0; i<users_nroles; i++){
    tmpl_dict *s = tmpl_section(d, "ROLE");
    tmpl_set(s, "ROLE_NAME", users_roles[i].name);
    tmpl_set(s, "ROLE_LABEL", users_roles[i].label);
  }
  page_field_errors(r, d);
  if( r->errors ) tmpl_show(d, "HAS_ERRORS");
  return page_render(r, status, "admin_groups.tpl", d, "Groups");
}

/* GET /admin/groups */
int page_admin_groups(struct req *r){
  return groups_page(r, 200);
}

/* POST /admin/groups — group, kind (team|role), target. */
int page_admin_group_add(struct req *r){
  static const char *const kinds[] = { "team", "role", NULL };
  const char *grp, *kind, *target;
  char err[300];
  struct audit_ctx c;
  int ok = req_text(r, "group", 1, 256, &grp);
  ok &= req_enum(r, "kind", kinds, &kind);
  ok &= req_text(r, "target", 1, 64, &target);
  if( !ok ) return groups_page(r, 422);
  req_audit_ctx(r, &c);
  int rc = fed_map_add(r->app, &c, grp, kind, target, "admin", err, sizeof(err));
  if( rc==HP_UNPROCESSABLE || rc==HP_CONFLICT ){
    req_field_error(r, rc==HP_CONFLICT ? "group" : "target", "%s", err);
    return groups_page(r, rc);
  }
  if( rc ) return rc;
  page_flash(r, "People in the group “%s” are now %s %s (as of their last sign-in; their next sign-in%s"
             " reads their groups again).", grp, strcmp(kind, "team")==0 ? "members of the team" : "given the role", target,
             r->app->cfg.idp.ldap_url[0] ? " or directory sync" : "");
  return resp_redirect(r, "/admin/groups");
}

/* POST /admin/groups/{id}/remove */
int page_admin_group_remove(struct req *r){
  struct audit_ctx c;
  req_audit_ctx(r, &c);
  int rc = fed_map_remove(r->app, &c, r->ids[0]);
  if( rc ) return rc;
  page_flash(r, "The mapping was removed: the people it gave a team or role have lost it, with their open approvals through it.");
  return resp_redirect(r, "/admin/groups");
}

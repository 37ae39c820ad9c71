/* page_templates.c — release templates: the list, one version's YAML, and uploading a new version. */
#include "page_release.h"
#include "template_view.h"
#include "app.h"
#include "db.h"
#include "audit.h"
#include "engine.h"
#include "rtemplate.h"
#include <string.h>

#define TEMPLATES_MAX 500          /* template names listed */
#define VERSIONS_MAX 500           /* versions listed for one name */

/*
** Render the templates list; with yaml != NULL (a failed upload) the form
** keeps the text and err's lines are shown next to it.  status is 200 or 422.
*/
static int templates_page(struct req *r, int status, const char *yaml, const char *err){
  struct db_stmt *st = db_prepare(r->app->db,
    "WITH counts AS (SELECT template_id, count(*) n FROM releases GROUP BY template_id)"
    " SELECT t.id, t.name, t.version, t.description, t.created_at, agg.nver, agg.nrel"
    " FROM (SELECT v.name, max(v.version) latest, count(*) nver, coalesce(sum(c.n),0) nrel"
    "       FROM templates v LEFT JOIN counts c ON c.template_id=v.id GROUP BY v.name) agg"
    " JOIN templates t ON t.name=agg.name AND t.version=agg.latest ORDER BY t.name LIMIT :lim");
  if( st==NULL ) return HP_ERROR;
  db_bind_int64(st, ":lim", TEMPLATES_MAX);
  tmpl_dict *d = tmpl_dict_new("templates");
  if( d==NULL ){ db_finish(st); return HP_ERROR; }
  int n = 0;
  while( db_step(st)==DB_ROW ){
    tmpl_dict *s = tmpl_section(d, "TEMPLATE");
    tmpl_set_int(s, "ID", db_col_int64(st, 0));
    tmpl_set(s, "NAME", db_col_text(st, 1));
    tmpl_set_int(s, "VERSION", db_col_int64(st, 2));
    if( db_col_text(st, 3)[0] ) tmpl_set(tmpl_section(s, "DESCRIPTION"), "DESCRIPTION", db_col_text(st, 3));
    else tmpl_show(s, "NO_DESCRIPTION");
    tmpl_set(s, "UPDATED_AGO", page_ago(r, db_col_int64(st, 4)));
    tmpl_set(s, "UPDATED_UTC", page_time(r, db_col_int64(st, 4)));
    int64_t nver = db_col_int64(st, 5);
    tmpl_set(s, "VERSIONS", nver==1 ? "1 version" : arena_printf(&r->arena, "%lld versions", (long long)nver));
    tmpl_set_int(s, "RELEASES", db_col_int64(st, 6));
    n++;
  }
  db_finish(st);
  tmpl_show(d, n ? "HAS_TEMPLATES" : "NO_TEMPLATES");
  if( req_has_role(r, ROLE_RELEASE_MANAGER|ROLE_ADMIN) ){
    tmpl_dict *u = tmpl_section(d, "UPLOAD");
    tmpl_set(u, "YAML", yaml ? yaml : "");
    if( r->csrf_token ) tmpl_set(u, "CSRF", r->csrf_token);
    if( r->errors || (err && err[0]) ) tmpl_show(u, "INVALID");
    if( err && err[0] ){
      tmpl_dict *lines = tmpl_section(u, "YAML_LINES");
      char *copy = arena_strdup(&r->arena, err), *save = NULL;
      for(char *line = copy ? strtok_r(copy, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)){
        tmpl_set(tmpl_section(lines, "YAML_ERROR"), "MESSAGE", line);
      }
    }
  }
  page_field_errors(r, d);
  return page_render(r, status, "templates_list.tpl", d, "Templates");
}

/* GET /templates — every template by name, its latest version, description and releases. */
int page_templates(struct req *r){
  return templates_page(r, 200, NULL, NULL);
}

/*
** POST /templates — import a new version of a template from the YAML in the
** "yaml" field.  Route flags: AUTH | CSRF, release managers and admins.
** Invalid YAML: 422, the text kept, the "line N: ..." messages beside it.
*/
int page_template_upload(struct req *r){
  const char *yaml;
  if( !req_text(r, "yaml", 1, RTPL_MAX_SOURCE, &yaml) ){
    return templates_page(r, 422, yaml, NULL);
  }
  /* Browsers send a textarea's lines with CRLF; store the YAML with LF. */
  size_t n = strlen(yaml);
  char *src = arena_alloc(&r->arena, n + 1), *o = src;
  if( src==NULL ) return HP_ERROR;
  for(const char *p = yaml; *p; p++){
    if( p[0]=='\r' && p[1]=='\n' ) continue;
    *o++ = *p;
  }
  *o = 0;
  struct audit_ctx c;
  char err[4096] = "";
  int64_t tid = 0;
  int unchanged = 0;
  req_audit_ctx(r, &c);
  int rc = engine_template_import(r->app, &c, src, (size_t)(o - src), r->user->id, &tid, &unchanged, err, sizeof(err));
  if( rc==HP_UNPROCESSABLE || rc==HP_TOO_LARGE ){
    req_field_error(r, "yaml", "%s", "The template is not valid: each problem is listed here, with its line.");
    return templates_page(r, 422, yaml, err[0] ? err : "The template is not valid.");
  }
  if( rc ) return rc;
  struct db_stmt *st = db_prepare(r->app->db, "SELECT name, version FROM templates WHERE id=:id");
  if( st ){
    db_bind_int64(st, ":id", tid);
    if( db_step(st)==DB_ROW ){
      page_flash(r, unchanged ? "%s is unchanged: version %lld is already this text, so no new version was made."
                              : "Imported %s version %lld.", db_col_text(st, 0), (long long)db_col_int64(st, 1));
    }
    db_finish(st);
  }
  return resp_redirect(r, "/templates/%lld", (long long)tid);
}

/*
** GET /templates/{id} — one version: facts, its YAML source, and every
** version of the same name with its number of releases.  Two queries.
*/
int page_template(struct req *r){
  int64_t id = r->ids[0];
  struct db_stmt *st = db_prepare(r->app->db,
    "SELECT t.name, t.version, t.description, t.source_yaml, t.created_at, u.display_name"
    " FROM templates t LEFT JOIN users u ON u.id=t.created_by WHERE t.id=:id");
  if( st==NULL ) return HP_ERROR;
  db_bind_int64(st, ":id", id);
  if( db_step(st)!=DB_ROW ){ db_finish(st); return HP_NOT_FOUND; }
  tmpl_dict *d = tmpl_dict_new("template");
  if( d==NULL ){ db_finish(st); return HP_ERROR; }
  const char *name = db_col_dup(&r->arena, st, 0);
  int64_t version = db_col_int64(st, 1);
  tmpl_set_int(d, "ID", id);
  tmpl_set(d, "NAME", name);
  tmpl_set_int(d, "VERSION", version);
  if( db_col_text(st, 2)[0] ) tmpl_set(tmpl_section(d, "DESCRIPTION"), "DESCRIPTION", db_col_text(st, 2));
  tmpl_set(d, "SOURCE", db_col_text(st, 3));
  struct rtpl_template *outline = template_view_parse(db_col_text(st, 3));
  if( outline ){
    int orc = template_view_outline(r, d, outline);
    rtpl_free(outline);
    if( orc ){ db_finish(st); tmpl_dict_free(d); return HP_ERROR; }
  }
  tmpl_set(d, "CREATED_UTC", page_time(r, db_col_int64(st, 4)));
  tmpl_set(d, "CREATED_AGO", page_ago(r, db_col_int64(st, 4)));
  tmpl_set(d, "CREATED_BY", db_col_text(st, 5)[0] ? db_col_text(st, 5) : "the command line");
  db_finish(st);

  st = db_prepare(r->app->db,
    "WITH counts AS (SELECT template_id, count(*) n FROM releases"
    "                WHERE template_id IN (SELECT id FROM templates WHERE name=:name) GROUP BY template_id)"
    " SELECT t.id, t.version, t.created_at, u.display_name, coalesce(c.n,0)"
    " FROM templates t LEFT JOIN users u ON u.id=t.created_by LEFT JOIN counts c ON c.template_id=t.id"
    " WHERE t.name=:name ORDER BY t.version DESC LIMIT :lim");
  if( st==NULL ){ tmpl_dict_free(d); return HP_ERROR; }
  db_bind_text(st, ":name", name);
  db_bind_int64(st, ":lim", VERSIONS_MAX);
  int64_t latest = 0;
  while( db_step(st)==DB_ROW ){
    tmpl_dict *v = tmpl_section(d, "VERSION_ROW");
    int64_t vid = db_col_int64(st, 0), vv = db_col_int64(st, 1);
    if( latest==0 ) latest = vv;
    tmpl_set_int(v, "V_ID", vid);
    tmpl_set_int(v, "V_VERSION", vv);
    tmpl_set(v, "V_CREATED_UTC", page_time(r, db_col_int64(st, 2)));
    tmpl_set(v, "V_CREATED_AGO", page_ago(r, db_col_int64(st, 2)));
    tmpl_set(v, "V_BY", db_col_text(st, 3)[0] ? db_col_text(st, 3) : "the command line");
    tmpl_set_int(v, "V_RELEASES", db_col_int64(st, 4));
    if( vid==id ) tmpl_show(v, "V_CURRENT");
    else tmpl_show(v, "V_OTHER");
  }
  db_finish(st);
  if( version==latest ){
    tmpl_show(d, "IS_LATEST");
    if( req_has_role(r, ROLE_RELEASE_MANAGER|ROLE_ADMIN) ) tmpl_show(d, "CAN_START");
  }
  else tmpl_set_int(tmpl_section(d, "NOT_LATEST"), "LATEST", latest);
  return page_render(r, 200, "template.tpl", d, arena_printf(&r->arena, "Template %s v%lld", name, (long long)version));
}

/* page_start.c — start a release from the browser: choose a template, fill its variables, go. */
#include "page.h"
#include "page_start.h"
#include "template_view.h"
#include "rtemplate.h"
#include "engine.h"
#include "app.h"
#include "db.h"
#include "audit.h"
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#define START_TEMPLATES_MAX 500

/* The latest version of a template by name: its source, or NULL (not found or failed). */
static const char *latest_source(struct req *r, const char *name, int64_t *version){
  struct db_stmt *st = db_prepare(r->app->db, "SELECT source_yaml, version FROM templates WHERE name=:n"
                                            " ORDER BY version DESC LIMIT 1");
  const char *src = NULL;
  if( st==NULL ) return NULL;
  db_bind_text(st, ":n", name);
  if( db_step(st)==DB_ROW ){
    src = db_col_dup(&r->arena, st, 0);
    *version = db_col_int64(st, 1);
  }
  db_finish(st);
  return src;
}

/* Step 1: the templates to choose from (latest versions, by name). */
static int choose_page(struct req *r, int status){
  tmpl_dict *d = tmpl_dict_new("release_new");
  if( d==NULL ) return HP_ERROR;
  tmpl_show(d, "CHOOSE");
  struct db_stmt *st = db_prepare(r->app->db,
    "SELECT name, max(version), (SELECT description FROM templates d WHERE d.name=t.name ORDER BY version DESC LIMIT 1)"
    " FROM templates t GROUP BY name ORDER BY name LIMIT :lim");
  if( st==NULL ){ tmpl_dict_free(d); return HP_ERROR; }
  db_bind_int64(st, ":lim", START_TEMPLATES_MAX);
  int n = 0;
  tmpl_dict *c = tmpl_section(d, "CHOOSE");
  while( db_step(st)==DB_ROW ){
    tmpl_dict *o = tmpl_section(c, "OPTION");
    tmpl_set(o, "T_NAME", db_col_text(st, 0));
    tmpl_set_int(o, "T_VERSION", db_col_int64(st, 1));
    if( db_col_text(st, 2)[0] ) tmpl_set(tmpl_section(o, "T_DESCRIPTION"), "T_DESCRIPTION", db_col_text(st, 2));
    n++;
  }
  db_finish(st);
  tmpl_show(c, n ? "HAS_TEMPLATES" : "NO_TEMPLATES");
  page_field_errors(r, d);
  return page_render(r, status, "release_new.tpl", d, "Start a release");
}

/* Step 2: the form for one template, filled from r's form when shown again with errors. */
static int form_page(struct req *r, int status, const char *name, const char *alert){
  int64_t version = 0;
  const char *src = latest_source(r, name, &version);
  if( src==NULL ){
    req_field_error(r, "template", "There is no template named \"%s\". Choose one of the list.", name);
    return choose_page(r, 404);
  }
  struct rtpl_template *t = template_view_parse(src);
  if( t==NULL ) return HP_ERROR;
  tmpl_dict *d = tmpl_dict_new("release_new");
  if( d==NULL ){ rtpl_free(t); return HP_ERROR; }
  tmpl_dict *f = tmpl_section(d, "FORM");
  tmpl_set(f, "TEMPLATE", name);
  tmpl_set_int(f, "TEMPLATE_VERSION", version);
  tmpl_set(f, "CSRF", r->csrf_token);
  const char *v;
  tmpl_set(f, "NAME_VALUE", (v = req_form(r, "name")) ? v : name);
  tmpl_set(f, "VERSION_VALUE", (v = req_form(r, "version")) ? v : "");
  tmpl_set(f, "ARTIFACT_VALUE", (v = req_form(r, "artifact")) ? v : "");
  if( alert ) tmpl_set(tmpl_section(d, "ALERT"), "ALERT", alert);
  for(size_t i=0; i<t->nvariables; i++){
    tmpl_dict *vr = tmpl_section(f, "VAR");
    const char *field = arena_printf(&r->arena, "var_%s", t->variables[i]);
    tmpl_set(vr, "VAR_NAME", t->variables[i]);
    tmpl_set(vr, "VAR_FIELD", field);
    tmpl_set(vr, "VAR_VALUE", (v = req_form(r, field)) ? v : "");
    const char *err = req_error_for(r, field);
    if( err ){
      tmpl_set(tmpl_section(vr, "VAR_ERROR"), "VAR_ERROR", err);
      tmpl_show(vr, "VAR_INVALID");
    }
  }
  if( r->errors ) tmpl_show(d, "HAS_ERRORS");
  page_field_errors(r, d);
  int rc = template_view_outline(r, d, t);
  rtpl_free(t);
  if( rc ){ tmpl_dict_free(d); return HP_ERROR; }
  return page_render(r, status, "release_new.tpl", d, arena_printf(&r->arena, "Start a release of %s", name));
}

/* GET /releases/new[?template=NAME] */
int page_release_new(struct req *r){
  const char *name = req_query(r, "template");
  if( name==NULL || name[0]==0 ) return choose_page(r, 200);
  return form_page(r, 200, name, NULL);
}

/*
** POST /releases — template, name, version, artifact, var_<name> for each
** variable.  Every field is checked here so that all problems show at once
** next to their fields; the engine checks again and its answer ("variables.x:
** ...") lands next to the field it names.
*/
int page_release_start(struct req *r){
  const char *tpl, *name, *version, *artifact;
  if( !req_text(r, "template", 1, 64, &tpl) ) return choose_page(r, 422);
  int64_t tv = 0;
  const char *src = latest_source(r, tpl, &tv);
  if( src==NULL ){
    req_field_error(r, "template", "There is no template named \"%s\". Choose one of the list.", tpl);
    return choose_page(r, 422);
  }
  struct rtpl_template *t = template_view_parse(src);
  if( t==NULL ) return HP_ERROR;
  req_text(r, "name", 1, 200, &name);
  req_text(r, "version", 0, 100, &version);
  req_text(r, "artifact", 0, 1000, &artifact);
  size_t n = t->nvariables;
  const char **keys = arena_alloc(&r->arena, (n ? n : 1) * sizeof(*keys));
  const char **vals = arena_alloc(&r->arena, (n ? n : 1) * sizeof(*vals));
  if( keys==NULL || vals==NULL ){ rtpl_free(t); return HP_ERROR; }
  for(size_t i=0; i<n; i++){
    const char *field = arena_printf(&r->arena, "var_%s", t->variables[i]);
    keys[i] = arena_strdup(&r->arena, t->variables[i]);
    if( field==NULL || keys[i]==NULL ){ rtpl_free(t); return HP_ERROR; }
    req_text(r, field, 1, 4000, &vals[i]);              /* "This field is required." next to it */
  }
  rtpl_free(t);
  if( r->errors ) return form_page(r, 422, tpl, "The release was not started. Fix what is marked below.");
  struct engine_new_release nr = { tpl, name, version, artifact, keys, vals, (int)n, r->user->id, NULL, NULL };
  struct audit_ctx c;
  char err[600] = "";
  int64_t id = 0;
  req_audit_ctx(r, &c);
  int rc = engine_release_create(r->app, &c, &nr, &id, err, sizeof(err));
  if( rc==HP_UNPROCESSABLE ){
    /* "variables.image: ..." -> var_image; "name: ..." -> name */
    const char *colon = strchr(err, ':');
    char field[100] = "action";
    if( colon && colon - err < 90 ){
      if( strncmp(err, "variables.", 10)==0 ) snprintf(field, sizeof(field), "var_%.*s", (int)(colon - err - 10), err + 10);
      else snprintf(field, sizeof(field), "%.*s", (int)(colon - err), err);
    }
    req_field_error(r, field, "%s", colon ? colon + 2 : err);
    return form_page(r, 422, tpl, "The release was not started. Fix what is marked below.");
  }
  if( rc==HP_UNAVAILABLE ) return form_page(r, 503, tpl, "Holdpoint is busy. Nothing was started; try again in a moment.");
  if( rc ) return form_page(r, 500, tpl, err[0] ? err : "The release could not be started. Nothing was saved.");
  page_flash(r, "The release %s %s has started.", name, version && version[0] ? version : "");
  return resp_redirect(r, "/releases/%lld", (long long)id);
}

/* page_windows.c — change windows and freezes: the list, the forms, and what waits for a window. */
#include "page_windows.h"
#include "page.h"
#include "app.h"
#include "db.h"
#include "util.h"
#include "audit.h"
#include "windows.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *scope_text(struct req *r, const char *kind, const char *name){
  if( strcmp(kind, "template")==0 ) return arena_printf(&r->arena, "Template %s", name);
  if( strcmp(kind, "environment")==0 ) return arena_printf(&r->arena, "Environment %s", name);
  return "Every release";
}

/* "2026-12-21 00:00 CET" in the zone the administrator chose, then in the viewer's own zone. */
static const char *time_both(struct req *r, int64_t ms, const char *zone){
  char a[80];
  util_time_in(ms, zone, 0, a, sizeof(a));
  const char *mine = page_time(r, ms);
  if( strcmp(zone, r->user->time_zone)==0 ) return arena_strdup(&r->arena, a);
  return arena_printf(&r->arena, "%s (%s for you)", a, mine);
}

static void scope_form(tmpl_dict *d, const char *prefix, const char *kind){
  char key[40];
  const char *k = kind && (strcmp(kind, "template")==0 || strcmp(kind, "environment")==0) ? kind : "all";
  snprintf(key, sizeof(key), "%s_SCOPE_%s", prefix, strcmp(k, "all")==0 ? "ALL" : strcmp(k, "template")==0 ? "TEMPLATE" : "ENV");
  tmpl_show(d, key);
}

static int windows_page(struct req *r, int status, const char *form){
  tmpl_dict *d = tmpl_dict_new("admin_windows");
  if( d==NULL ) return HP_ERROR;
  int64_t now = app_now_ms(r->app);
  tmpl_set(d, "CSRF", r->csrf_token);

  struct freeze *f;
  int nf;
  if( freezes_list(r->app, &r->arena, now, 20, &f, &nf) ) return HP_ERROR;
  for(int i=0; i<nf; i++){
    tmpl_dict *row = tmpl_section(d, "FREEZE");
    int64_t end = f[i].ended_at && f[i].ended_at<f[i].ends_at ? f[i].ended_at : f[i].ends_at;
    tmpl_set(row, "ID", arena_printf(&r->arena, "%lld", (long long)f[i].id));
    tmpl_set(row, "SCOPE", scope_text(r, f[i].scope_kind, f[i].scope_name));
    tmpl_set(row, "STARTS", time_both(r, f[i].starts_at, f[i].time_zone));
    tmpl_set(row, "ENDS", time_both(r, f[i].ends_at, f[i].time_zone));
    tmpl_set(row, "REASON", f[i].reason);
    tmpl_set(row, "APPROVER", arena_printf(&r->arena, "%d of %s %s", f[i].approver_min, f[i].approver_kind, f[i].approver_name));
    tmpl_set(row, "BY", f[i].created_by);
    if( end<=now ){
      tmpl_set(row, "STATE", f[i].ended_at && f[i].ended_at<f[i].ends_at
                             ? arena_printf(&r->arena, "Ended early, %s", page_time(r, f[i].ended_at)) : "Over");
      tmpl_show(row, "PAST");
    }else{
      tmpl_set(row, "STATE", f[i].starts_at<=now ? "In force" : "Coming");
      tmpl_show(row, f[i].starts_at<=now ? "IN_FORCE" : "COMING");
      tmpl_show(row, "CAN_END");
    }
  }
  tmpl_show(d, nf ? "HAS_FREEZES" : "NO_FREEZES");

  struct change_window *w;
  int nw;
  if( windows_list(r->app, &r->arena, &w, &nw) ) return HP_ERROR;
  for(int i=0; i<nw; i++){
    tmpl_dict *row = tmpl_section(d, "WINDOW");
    tmpl_set(row, "ID", arena_printf(&r->arena, "%lld", (long long)w[i].id));
    tmpl_set(row, "SCOPE", scope_text(r, w[i].scope_kind, w[i].scope_name));
    tmpl_set(row, "SPEC", w[i].spec);
    tmpl_set(row, "ZONE", w[i].time_zone);
    tmpl_set(row, "LABEL", w[i].label);
    /* Open now, or when next: this window alone (others of the same scope aside). */
    int64_t opens = -1;
    int closed = windows_spec_closed(w[i].spec, w[i].time_zone, now, &opens);
    tmpl_set(row, "NEXT", closed==0 ? "Open now" : closed==1 && opens>0
                          ? arena_printf(&r->arena, "Opens %s", page_time(r, opens)) : "—");
  }
  tmpl_show(d, nw ? "HAS_WINDOWS" : "NO_WINDOWS");

  /* What waits for a window now. */
  int ns = 0;
  struct db_stmt *st = db_prepare(r->app->db, "SELECT x.id, x.name, x.release_id, r.name, r.version, x.scheduled_until"
                                            " FROM activities x JOIN releases r ON r.id=x.release_id"
                                            " WHERE x.status='scheduled' ORDER BY x.scheduled_until, x.id LIMIT 50");
  if( st==NULL ) return HP_ERROR;
  while( db_step(st)==DB_ROW ){
    tmpl_dict *row = tmpl_section(d, "SCHEDULED");
    tmpl_set(row, "ACT_ID", db_col_text(st, 0));
    tmpl_set(row, "ACT_NAME", db_col_text(st, 1));
    tmpl_set(row, "REL_ID", db_col_text(st, 2));
    tmpl_set(row, "REL_NAME", arena_printf(&r->arena, "%s %s", db_col_text(st, 3), db_col_text(st, 4)));
    tmpl_set(row, "OPENS", db_col_null(st, 5) ? "—" : page_time(r, db_col_int64(st, 5)));
    ns++;
  }
  db_finish(st);
  if( ns ) tmpl_show(d, "HAS_SCHEDULED");

  /* The forms keep what was typed when something needs fixing. */
  int wf = form && strcmp(form, "window")==0, ff = form && strcmp(form, "freeze")==0;
  const char *zone = (wf || ff) && req_form(r, "time_zone") ? req_form(r, "time_zone")
                   : r->user->time_zone[0] ? r->user->time_zone : "UTC";
  page_time_zones(r, d, zone);
  scope_form(d, "W", wf ? req_form(r, "scope_kind") : NULL);
  scope_form(d, "F", ff ? req_form(r, "scope_kind") : NULL);
  static const char *const keep[] = { "scope_name", "spec", "label", "starts", "ends", "reason", "approver_name", "approver_min", NULL };
  for(int i=0; keep[i]; i++){
    char key[40];
    snprintf(key, sizeof(key), "%s_%s", wf ? "W" : "F", keep[i]);
    for(char *p = key; *p; p++) if( *p>='a' && *p<='z' ) *p = (char)(*p - 'a' + 'A');
    if( (wf || ff) && req_form(r, keep[i]) ) tmpl_set(d, key, req_form(r, keep[i]));
  }
  if( !(ff && req_form(r, "approver_min")) ) tmpl_set(d, "F_APPROVER_MIN", "1");
  const char *ak = ff ? req_form(r, "approver_kind") : NULL;
  tmpl_show(d, ak && strcmp(ak, "user")==0 ? "AK_USER" : ak && strcmp(ak, "role")==0 ? "AK_ROLE" : "AK_TEAM");
  if( (wf || ff) && r->errors ){
    /* The messages show in the form they came from. */
    page_field_errors(r, d);
    tmpl_show(d, wf ? "W_ERR" : "F_ERR");
    tmpl_set(d, "FORM_PREFIX", wf ? "w" : "f");
  }
  return page_render(r, status, "admin_windows.tpl", d, "Change windows and freezes");
}

/* GET /admin/windows */
int page_admin_windows(struct req *r){
  return windows_page(r, 200, NULL);
}

static const char *const SCOPES[] = { "all", "template", "environment", NULL };

/* POST /admin/windows — scope_kind, scope_name, spec, time_zone, label. */
int page_admin_window_add(struct req *r){
  const char *kind, *name = "", *spec, *zone, *label = "";
  char field[40] = "", err[300];
  struct audit_ctx c;
  int ok = req_enum(r, "scope_kind", SCOPES, &kind);
  if( ok && strcmp(kind, "all")!=0 ) ok &= req_text(r, "scope_name", 0, 100, &name);
  ok &= req_text(r, "spec", 1, 200, &spec);
  ok &= req_text(r, "time_zone", 1, UTIL_TZ_MAX, &zone);
  if( req_form(r, "label") ) ok &= req_text(r, "label", 0, 100, &label);
  if( !ok ) return windows_page(r, 422, "window");
  req_audit_ctx(r, &c);
  int64_t id;
  int rc = windows_add(r->app, &c, kind, name, spec, zone, label, &id, field, sizeof(field), err, sizeof(err));
  if( rc==HP_UNPROCESSABLE ){
    req_field_error(r, field[0] ? field : "spec", "%s", err);
    return windows_page(r, 422, "window");
  }
  if( rc ) return rc;
  page_flash(r, "The window was added. Activities in its scope now start only inside their windows; any that was"
                " scheduled is looked at again within a second.");
  return resp_redirect(r, "/admin/windows");
}

/* POST /admin/windows/{id}/remove */
int page_admin_window_remove(struct req *r){
  struct audit_ctx c;
  char err[200];
  req_audit_ctx(r, &c);
  int rc = windows_remove(r->app, &c, r->ids[0], err, sizeof(err));
  if( rc ) return rc;
  page_flash(r, "The window was removed. Activities scheduled only by it start within a second.");
  return resp_redirect(r, "/admin/windows");
}

/* A datetime-local value ("2026-12-21T00:00") in zone into ms; 0 when it is not one. */
static int64_t local_ms(const char *z, const char *zone){
  int64_t ms;
  if( z==NULL || strlen(z)!=16 || z[10]!='T' || !util_parse_utc(z, 1, &ms) ) return 0;
  time_t t = (time_t)(ms/1000);
  struct tm tm;
  if( gmtime_r(&t, &tm)==NULL ) return 0;
  tm.tm_isdst = -1;
  int64_t s = util_tz_utc(zone, &tm);
  return s>0 ? s*1000 : 0;
}

/* POST /admin/freezes — scope_kind, scope_name, starts, ends, time_zone, reason, approver_kind, approver_name, approver_min. */
int page_admin_freeze_add(struct req *r){
  static const char *const kinds[] = { "team", "user", "role", NULL };
  struct freeze_new f;
  const char *starts, *ends;
  int64_t min = 1;
  char field[40] = "", err[300];
  struct audit_ctx c;
  memset(&f, 0, sizeof(f));
  f.scope_name = "";
  int ok = req_enum(r, "scope_kind", SCOPES, &f.scope_kind);
  if( ok && strcmp(f.scope_kind, "all")!=0 ) ok &= req_text(r, "scope_name", 0, 100, &f.scope_name);
  ok &= req_text(r, "starts", 1, 20, &starts);
  ok &= req_text(r, "ends", 1, 20, &ends);
  ok &= req_text(r, "time_zone", 1, UTIL_TZ_MAX, &f.time_zone);
  ok &= req_text(r, "reason", 1, 500, &f.reason);
  ok &= req_enum(r, "approver_kind", kinds, &f.approver_kind);
  ok &= req_text(r, "approver_name", 1, 128, &f.approver_name);
  ok &= req_int(r, "approver_min", 1, 100, 1, &min);
  if( ok && !util_tz_valid(f.time_zone) ){
    req_field_error(r, "time_zone", "Choose a time zone from the list (such as Europe/Berlin).");
    ok = 0;
  }
  if( ok && (f.starts_at = local_ms(starts, f.time_zone))==0 ){
    req_field_error(r, "starts", "Give a date and time, such as 2026-12-21T00:00.");
    ok = 0;
  }
  if( ok && (f.ends_at = local_ms(ends, f.time_zone))==0 ){
    req_field_error(r, "ends", "Give a date and time, such as 2027-01-04T08:00.");
    ok = 0;
  }
  if( !ok ) return windows_page(r, 422, "freeze");
  f.approver_min = (int)min;
  req_audit_ctx(r, &c);
  int64_t id;
  int rc = freezes_add(r->app, &c, &f, &id, field, sizeof(field), err, sizeof(err));
  if( rc==HP_UNPROCESSABLE ){
    req_field_error(r, field[0] ? field : "reason", "%s", err);
    return windows_page(r, 422, "freeze");
  }
  if( rc ) return rc;
  page_flash(r, "The freeze was added. While it is in force, approvals in its scope also need %d approval%s of %s %s.",
             f.approver_min, f.approver_min==1 ? "" : "s", f.approver_kind, f.approver_name);
  return resp_redirect(r, "/admin/windows");
}

/* POST /admin/freezes/{id}/end */
int page_admin_freeze_end(struct req *r){
  struct audit_ctx c;
  char err[200];
  req_audit_ctx(r, &c);
  int rc = freezes_end(r->app, &c, r->ids[0], err, sizeof(err));
  if( rc==HP_CONFLICT ){
    page_flash(r, "%s", err);
    return resp_redirect(r, "/admin/windows");
  }
  if( rc ) return rc;
  page_flash(r, "The freeze was ended. Approvals that opened during it keep its rule for their round; new ones open without it.");
  return resp_redirect(r, "/admin/windows");
}

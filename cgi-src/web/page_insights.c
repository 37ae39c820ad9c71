/* page_insights.c — where releases wait and how people approve: the page, its signals as CSV, and the JSON. */
#include "page.h"
#include "page_insights.h"
#include "insights.h"
#include "export.h"
#include "api.h"
#include "app.h"
#include "db.h"
#include "util.h"
#include <jansson.h>
#include <string.h>

#define DAY_MS (86400LL*1000)
#define MAX_DAYS 366

struct period { const char *from, *to, *tpl; int64_t from_ms, until_ms; };

/* from and to (YYYY-MM-DD, UTC, both days included; default the last 30 days), template. 1 ok, else field errors. */
static int read_period(struct req *r, struct period *p){
  char buf[40], day[11];
  int ok = 1;
  int64_t today = 0;
  memset(p, 0, sizeof(*p));
  p->from = req_query(r, "from");
  p->to = req_query(r, "to");
  p->tpl = req_query(r, "template");
  if( p->tpl==NULL ) p->tpl = "";
  if( strlen(p->tpl)>64 ){ req_field_error(r, "template", "There is no such template."); ok = 0; }
  const char *now = app_iso_time(app_now_ms(r->app), buf, sizeof(buf));
  snprintf(day, sizeof(day), "%.10s", now);
  if( !util_parse_utc(day, 0, &today) ) return 0;
  if( p->to && p->to[0] ){
    if( !util_parse_utc(p->to, 0, &p->until_ms) ){
      req_field_error(r, "to", "Enter the last day as YYYY-MM-DD, for example 2026-01-31.");
      ok = 0;
    }
    p->until_ms += DAY_MS;
  }else{
    p->until_ms = today + DAY_MS;
    p->to = arena_strdup(&r->arena, day);
  }
  if( p->from && p->from[0] ){
    if( !util_parse_utc(p->from, 0, &p->from_ms) ){
      req_field_error(r, "from", "Enter the first day as YYYY-MM-DD, for example 2026-01-01.");
      ok = 0;
    }
  }else{
    p->from_ms = p->until_ms - 30*DAY_MS;
    p->from = arena_printf(&r->arena, "%.10s", app_iso_time(p->from_ms, buf, sizeof(buf)));
  }
  if( ok && p->from_ms >= p->until_ms ){ req_field_error(r, "to", "The last day is before the first day."); ok = 0; }
  if( ok && p->until_ms - p->from_ms > MAX_DAYS*DAY_MS ){
    req_field_error(r, "from", "Choose at most a year (366 days).");
    ok = 0;
  }
  return ok;
}

/* Seconds in words (page_duration), "—" when there is nothing to measure. */
static const char *dur(struct req *r, json_t *v){
  return json_is_integer(v) ? page_duration(r, json_integer_value(v)) : "—";
}

static void figures(struct req *r, tmpl_dict *row, json_t *o){
  tmpl_set_int(row, "DECIDED", json_integer_value(json_object_get(o, "decided")));
  tmpl_set(row, "HOLD_P50", dur(r, json_object_get(o, "on_hold_p50_s")));
  tmpl_set(row, "HOLD_P90", dur(r, json_object_get(o, "on_hold_p90_s")));
  tmpl_set(row, "HOLD_MAX", dur(r, json_object_get(o, "on_hold_max_s")));
  tmpl_set(row, "FIRST_P50", dur(r, json_object_get(o, "first_vote_p50_s")));
  tmpl_set_int(row, "EXPIRED", json_integer_value(json_object_get(o, "expired")));
  tmpl_set_int(row, "ESCALATED", json_integer_value(json_object_get(o, "escalated")));
  tmpl_set_int(row, "REJECTED", json_integer_value(json_object_get(o, "rejected")));
  tmpl_set_int(row, "RETRIED", json_integer_value(json_object_get(o, "retried")));
}

static int insights_page(struct req *r, int status, struct period *p, json_t *j){
  tmpl_dict *d = tmpl_dict_new("insights");
  if( d==NULL ) return HP_ERROR;
  tmpl_set(d, "FROM", p->from ? p->from : "");
  tmpl_set(d, "TO", p->to ? p->to : "");
  struct db_stmt *st = db_prepare(r->app->db, "SELECT DISTINCT name FROM templates ORDER BY name LIMIT 500");
  while( st && db_step(st)==DB_ROW ){
    tmpl_dict *t = tmpl_section(d, "TEMPLATE");
    tmpl_set(t, "TEMPLATE_NAME", db_col_text(st, 0));
    if( strcmp(db_col_text(st, 0), p->tpl)==0 ) tmpl_show(t, "SELECTED");
  }
  db_finish(st);
  page_field_errors(r, d);
  if( j==NULL ) return page_render(r, status, "insights.tpl", d, "Insights");
  tmpl_dict *res = tmpl_section(d, "RESULTS");
  tmpl_set(res, "CSV_QUERY", arena_printf(&r->arena, "from=%s&to=%s&template=%s", page_url_arg(r, p->from),
                                          page_url_arg(r, p->to), page_url_arg(r, p->tpl)));
  figures(r, res, json_object_get(j, "summary"));
  json_t *acts = json_object_get(j, "activities"), *o;
  size_t i;
  /* the chart: time on hold per activity, the median and the 90th percentile, scaled to the longest */
  json_int_t longest = 1;
  json_array_foreach(acts, i, o){
    json_t *p90 = json_object_get(o, "on_hold_p90_s");
    if( json_is_integer(p90) && json_integer_value(p90)>longest ) longest = json_integer_value(p90);
  }
  tmpl_dict *chart = NULL;
  if( json_array_size(acts)==0 ) tmpl_show(res, "NO_ACTIVITIES");
  else{
    chart = tmpl_section(res, "CHART");
    tmpl_set_int(chart, "CHART_H", (int64_t)json_array_size(acts)*28 + 8);
  }
  json_array_foreach(acts, i, o){
    tmpl_dict *row = tmpl_section(res, "ACTIVITY");
    tmpl_set(row, "TEMPLATE_OF", json_string_value(json_object_get(o, "template")));
    tmpl_set(row, "ACTIVITY_NAME", json_string_value(json_object_get(o, "activity")));
    figures(r, row, o);
    tmpl_dict *bar = tmpl_section(chart, "BAR");
    json_t *p50 = json_object_get(o, "on_hold_p50_s"), *p90 = json_object_get(o, "on_hold_p90_s");
    tmpl_set_int(bar, "Y", (int64_t)i*28 + 4);
    tmpl_set_int(bar, "TY", (int64_t)i*28 + 19);
    tmpl_set_int(bar, "W90", json_is_integer(p90) ? 2 + json_integer_value(p90)*560/longest : 2);
    tmpl_set_int(bar, "W50", json_is_integer(p50) ? 2 + json_integer_value(p50)*560/longest : 2);
    tmpl_set(bar, "SHORT", arena_printf(&r->arena, "%.28s", json_string_value(json_object_get(o, "activity"))));
    tmpl_set(bar, "LABEL", arena_printf(&r->arena, "%s / %s: median %s, 90%% %s", json_string_value(json_object_get(o, "template")),
             json_string_value(json_object_get(o, "activity")), dur(r, p50), dur(r, p90)));
  }
  json_t *teams = json_object_get(j, "teams");
  if( json_array_size(teams)==0 ) tmpl_show(res, "NO_TEAMS");
  json_array_foreach(teams, i, o){
    tmpl_dict *row = tmpl_section(res, "TEAM");
    tmpl_set(row, "TEAM_NAME", json_string_value(json_object_get(o, "team")));
    tmpl_set_int(row, "DECIDED", json_integer_value(json_object_get(o, "decided")));
    tmpl_set(row, "HOLD_P50", dur(r, json_object_get(o, "on_hold_p50_s")));
    tmpl_set(row, "HOLD_P90", dur(r, json_object_get(o, "on_hold_p90_s")));
    tmpl_set_int(row, "APPROVALS", json_integer_value(json_object_get(o, "approvals")));
    json_t *top = json_object_get(o, "top_approver");
    if( json_is_string(top) ){
      tmpl_set(row, "TOP", json_string_value(top));
      tmpl_set(row, "TOP_SHARE", arena_printf(&r->arena, "%.0f%%", 100.0*json_real_value(json_object_get(o, "top_share"))));
    }else{
      tmpl_set(row, "TOP", "—");
    }
  }
  json_t *people = json_object_get(j, "approvers");
  if( json_array_size(people)==0 ) tmpl_show(res, "NO_APPROVERS");
  json_array_foreach(people, i, o){
    tmpl_dict *row = tmpl_section(res, "APPROVER");
    tmpl_set(row, "PERSON", json_string_value(json_object_get(o, "name")));
    tmpl_set(row, "USERNAME", json_string_value(json_object_get(o, "user")));
    tmpl_set_int(row, "DECISIONS", json_integer_value(json_object_get(o, "decisions")));
    tmpl_set_int(row, "APPROVALS", json_integer_value(json_object_get(o, "approvals")));
    tmpl_set_int(row, "REJECTIONS", json_integer_value(json_object_get(o, "rejections")));
    tmpl_set(row, "OPEN_P50", dur(r, json_object_get(o, "open_to_decide_p50_s")));
    tmpl_set(row, "WAIT_P50", dur(r, json_object_get(o, "wait_to_decide_p50_s")));
  }
  json_t *sig = json_object_get(j, "signals");
  if( json_array_size(sig)==0 ) tmpl_show(res, "NO_SIGNALS");
  json_array_foreach(sig, i, o){
    tmpl_dict *row = tmpl_section(res, "SIGNAL");
    const char *kind = json_string_value(json_object_get(o, "kind"));
    tmpl_set(row, "KIND_LABEL", strcmp(kind, "quick")==0 ? "Decided within seconds"
             : strcmp(kind, "evidence_unopened")==0 ? "Evidence not opened" : "One person approves most");
    tmpl_set(row, "PERSON", json_string_value(json_object_get(o, "name")));
    tmpl_set(row, "DETAIL", json_string_value(json_object_get(o, "detail")));
    json_t *aid = json_object_get(o, "activity_id");
    if( json_is_integer(aid) ){
      tmpl_dict *l = tmpl_section(row, "LINK");
      tmpl_set_int(l, "ACTIVITY_ID", json_integer_value(aid));
      tmpl_set(l, "ACTIVITY_NAME", json_string_value(json_object_get(o, "activity")));
      tmpl_set(l, "WHEN", page_time(r, json_integer_value(json_object_get(o, "at"))));
    }else{
      tmpl_set(tmpl_section(row, "TEAM_SIGNAL"), "TEAM_NAME", json_string_value(json_object_get(o, "team")));
    }
  }
  return page_render(r, status, "insights.tpl", d, "Insights");
}

/* GET /insights?from=YYYY-MM-DD&to=YYYY-MM-DD&template=NAME */
int page_insights(struct req *r){
  struct period p;
  json_t *j = NULL;
  if( !read_period(r, &p) ) return insights_page(r, 422, &p, NULL);
  if( insights_compute(r->app, p.from_ms, p.until_ms, p.tpl, &j) ) return HP_ERROR;
  int rc = insights_page(r, 200, &p, j);
  json_decref(j);
  return rc;
}

/* GET /insights/signals.csv — the signals of the period, for an audit: kind, person, activity, release, when, what. */
int page_insights_csv(struct req *r){
  struct period p;
  json_t *j = NULL, *o;
  size_t i;
  char t[40];
  if( !read_period(r, &p) ) return HP_BAD_REQUEST;
  if( insights_compute(r->app, p.from_ms, p.until_ms, p.tpl, &j) ) return HP_ERROR;
  struct buf b;
  buf_init(&b);
  buf_puts(&b, "kind,user,name,activity,activity_id,release_id,team,at_utc,detail\r\n");
  json_array_foreach(json_object_get(j, "signals"), i, o){
    const char *cells[] = { json_string_value(json_object_get(o, "kind")), json_string_value(json_object_get(o, "user")),
      json_string_value(json_object_get(o, "name")), json_string_value(json_object_get(o, "activity")), NULL, NULL,
      json_string_value(json_object_get(o, "team")), NULL, json_string_value(json_object_get(o, "detail")) };
    char aid[24] = "", rid[24] = "";
    if( json_is_integer(json_object_get(o, "activity_id")) ){
      snprintf(aid, sizeof(aid), "%lld", (long long)json_integer_value(json_object_get(o, "activity_id")));
      snprintf(rid, sizeof(rid), "%lld", (long long)json_integer_value(json_object_get(o, "release_id")));
      cells[7] = app_iso_time(json_integer_value(json_object_get(o, "at")), t, sizeof(t));
    }
    cells[4] = aid;
    cells[5] = rid;
    for(size_t k = 0; k<HP_ARRAY_SIZE(cells); k++){
      if( k ) buf_puts(&b, ",");
      export_csv_cell(&b, cells[k] ? cells[k] : "");
    }
    buf_puts(&b, "\r\n");
  }
  json_decref(j);
  if( b.oom ){ buf_free(&b); return HP_ERROR; }
  if( req_audit_tx(r, "insights.export", "", 0, 0, "{s:s,s:s,s:s}", "from", p.from, "to", p.to, "template", p.tpl) ){
    buf_free(&b);
    return HP_UNAVAILABLE;
  }
  resp_header(r, "Content-Disposition", arena_printf(&r->arena, "attachment; filename=\"holdpoint-signals-%s-%s.csv\"",
                                                     p.from, p.to));
  resp_text(r, 200, "text/csv; charset=utf-8", b.z ? b.z : "");
  buf_free(&b);
  return HP_OK;
}

/* GET /api/v1/insights?from&to&template — the same figures as JSON (insights.h). */
int api_insights(struct req *r){
  struct period p;
  json_t *j = NULL;
  if( !read_period(r, &p) ){
    return api_fail(r, 422, "invalid", "from and to are days (YYYY-MM-DD), at most a year apart, to not before from.");
  }
  if( insights_compute(r->app, p.from_ms, p.until_ms, p.tpl, &j) ) return api_fail(r, 500, NULL, "The figures could not be read.");
  return api_reply(r, 200, j);
}

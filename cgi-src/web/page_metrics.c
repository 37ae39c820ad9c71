/* page_metrics.c — GET /metrics: Prometheus text for the people who keep Holdpoint running. */
#include "page_metrics.h"
#include "stats.h"
#include "router.h"
#include "app.h"
#include "db.h"
#include "log.h"
#include "util.h"
#include <arpa/inet.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 1 when addr is one of the allowed entries: an exact address, or an IPv4 a.b.c.d/n. */
static int addr_allowed(const char *allow, const char *addr){
  char list[512], *save = NULL;
  struct in_addr a4;
  int is4 = inet_pton(AF_INET, addr, &a4)==1;
  snprintf(list, sizeof(list), "%s", allow);
  for(char *w = strtok_r(list, " ,", &save); w; w = strtok_r(NULL, " ,", &save)){
    char *slash = strchr(w, '/');
    if( slash==NULL ){
      if( strcmp(w, addr)==0 ) return 1;
      continue;
    }
    *slash = 0;
    struct in_addr net;
    int bits = atoi(slash + 1);
    if( !is4 || bits<0 || bits>32 || inet_pton(AF_INET, w, &net)!=1 ) continue;
    uint32_t mask = bits==0 ? 0 : htonl(0xffffffffu << (32 - bits));
    if( (a4.s_addr & mask)==(net.s_addr & mask) ) return 1;
  }
  return 0;
}

/* 1 when the request carries the configured metrics token (compared in constant time). */
static int token_ok(struct req *r){
  char tok[256];
  const char *h = r->authorization;
  if( r->app->cfg.metrics_token_file[0]==0 || h==NULL || strncmp(h, "Bearer ", 7)!=0 ) return 0;
  int n = util_read_secret(r->app->cfg.metrics_token_file, tok, sizeof(tok));
  const char *given = h + 7;
  return n>0 && strlen(given)==(size_t)n && CRYPTO_memcmp(given, tok, (size_t)n)==0;
}

/* A route's pattern as a label value (quotes and backslashes cannot occur in patterns). */
static const char *route_label(int i){
  return i<(int)router_nroutes ? router_routes[i].pattern : "unmatched";
}

static void counters(struct buf *b, const struct stats *s){
  static const char *const cls[] = { "1xx", "2xx", "3xx", "4xx", "5xx" };
  buf_puts(b, "# HELP holdpoint_http_request_duration_seconds Requests by route, method and status class, with their time.\n"
              "# TYPE holdpoint_http_request_duration_seconds histogram\n");
  for(int i=0; s && i<STATS_MAX_ROUTES; i++){
    const char *method = i<(int)router_nroutes ? router_routes[i].method : "any";
    for(int c=0; c<5; c++){
      uint64_t total = 0;
      for(int k=0; k<STATS_NBUCKETS; k++) total += s->route[i].count[c][k];
      if( total==0 ) continue;
      uint64_t cum = 0;
      for(int k=0; k<STATS_NBUCKETS; k++){
        cum += s->route[i].count[c][k];
        char le[32];
        if( k==STATS_NBUCKETS-1 ) snprintf(le, sizeof(le), "+Inf");
        else snprintf(le, sizeof(le), "%g", stats_bucket_le[k]);
        buf_printf(b, "holdpoint_http_request_duration_seconds_bucket{route=\"%s\",method=\"%s\",status=\"%s\",le=\"%s\"} %llu\n",
                   route_label(i), method, cls[c], le, (unsigned long long)cum);
      }
      buf_printf(b, "holdpoint_http_request_duration_seconds_sum{route=\"%s\",method=\"%s\",status=\"%s\"} %.6f\n",
                 route_label(i), method, cls[c], (double)s->route[i].sum_us[c]/1e6);
      buf_printf(b, "holdpoint_http_request_duration_seconds_count{route=\"%s\",method=\"%s\",status=\"%s\"} %llu\n",
                 route_label(i), method, cls[c], (unsigned long long)total);
    }
  }
  buf_printf(b, "# HELP holdpoint_sqlite_busy_waits_total Times a statement waited for another's write lock.\n"
                "# TYPE holdpoint_sqlite_busy_waits_total counter\nholdpoint_sqlite_busy_waits_total %llu\n",
             (unsigned long long)(s ? s->sqlite_busy : 0));
  buf_printf(b, "# HELP holdpoint_process_restarts_total Processes the master restarted after they died.\n"
                "# TYPE holdpoint_process_restarts_total counter\n"
                "holdpoint_process_restarts_total{kind=\"worker\"} %llu\nholdpoint_process_restarts_total{kind=\"job_runner\"} %llu\n",
             (unsigned long long)(s ? s->restarts[0] : 0), (unsigned long long)(s ? s->restarts[1] : 0));
}

/* What the database says now: waiting activities by age, decisions, the outbox, the job runner. */
static int gauges(struct req *r, struct buf *b, const struct stats *s){
  struct db *db = r->app->db;
  int64_t now = app_now_ms(r->app);
  static const struct { const char *le; int64_t ms; } ages[] = {
    { "3600", 3600000 }, { "14400", 14400000 }, { "86400", 86400000 }, { "259200", 259200000 }, { "+Inf", -1 } };
  struct db_stmt *st = db_prepare(db,
    "SELECT kind, count(*), sum(:now-activated_at<=3600000), sum(:now-activated_at<=14400000),"
    " sum(:now-activated_at<=86400000), sum(:now-activated_at<=259200000), min(activated_at)"
    " FROM activities WHERE status='on_hold' AND kind IN ('approval','manual') GROUP BY kind");
  if( st==NULL ) return -1;
  db_bind_int64(st, ":now", now);
  struct buf oldest;
  buf_init(&oldest);
  buf_puts(b, "# HELP holdpoint_waiting_activities People's activities On Hold, by kind and how long they have waited (cumulative, seconds).\n"
              "# TYPE holdpoint_waiting_activities gauge\n");
  int seen[2] = { 0, 0 };
  while( db_step(st)==DB_ROW ){
    const char *kind = db_col_text(st, 0);
    seen[strcmp(kind, "manual")==0] = 1;
    for(int k=0; k<5; k++){
      int64_t v = ages[k].ms<0 ? db_col_int64(st, 1) : db_col_int64(st, 2+k);
      buf_printf(b, "holdpoint_waiting_activities{kind=\"%s\",waited_le=\"%s\"} %lld\n", kind, ages[k].le, (long long)v);
    }
    int64_t first = db_col_int64(st, 6);
    buf_printf(&oldest, "holdpoint_oldest_wait_seconds{kind=\"%s\"} %.3f\n", kind, first>0 ? (double)(now - first)/1000 : 0.0);
  }
  db_finish(st);
  for(int k=0; k<2; k++){
    if( seen[k] ) continue;
    const char *kind = k ? "manual" : "approval";
    for(int a=0; a<5; a++) buf_printf(b, "holdpoint_waiting_activities{kind=\"%s\",waited_le=\"%s\"} 0\n", kind, ages[a].le);
    buf_printf(&oldest, "holdpoint_oldest_wait_seconds{kind=\"%s\"} 0\n", kind);
  }
  buf_puts(b, "# HELP holdpoint_oldest_wait_seconds How long the longest-waiting activity of each kind has been On Hold.\n"
              "# TYPE holdpoint_oldest_wait_seconds gauge\n");
  if( oldest.len ) buf_append(b, oldest.z, oldest.len);
  buf_free(&oldest);

  st = db_prepare(db, "SELECT count(*), coalesce(min(scheduled_until),0) FROM activities WHERE status='scheduled'");
  if( st==NULL ) return -1;
  if( db_step(st)==DB_ROW ){
    int64_t next = db_col_int64(st, 1);
    buf_printf(b, "# HELP holdpoint_scheduled_activities Activities waiting for their change window to open.\n"
                  "# TYPE holdpoint_scheduled_activities gauge\nholdpoint_scheduled_activities %lld\n"
                  "# HELP holdpoint_next_window_opening_seconds Seconds until the first of them starts (0: none, or due now).\n"
                  "# TYPE holdpoint_next_window_opening_seconds gauge\nholdpoint_next_window_opening_seconds %.3f\n",
               (long long)db_col_int64(st, 0), next>now ? (double)(next - now)/1000 : 0.0);
  }
  db_finish(st);

  st = db_prepare(db, "SELECT decision, count(*) FROM decisions GROUP BY decision ORDER BY decision");
  if( st==NULL ) return -1;
  buf_puts(b, "# HELP holdpoint_decisions_total Decisions recorded, by what was decided.\n# TYPE holdpoint_decisions_total counter\n");
  while( db_step(st)==DB_ROW ){
    buf_printf(b, "holdpoint_decisions_total{decision=\"%s\"} %lld\n", db_col_text(st, 0), (long long)db_col_int64(st, 1));
  }
  db_finish(st);

  st = db_prepare(db, "SELECT channel, status, count(*), sum(attempts>1) FROM outbox WHERE status<>'sent' OR attempts>1"
                      " GROUP BY channel, status ORDER BY channel, status");
  if( st==NULL ) return -1;
  struct buf fails;
  buf_init(&fails);
  buf_puts(b, "# HELP holdpoint_outbox_messages Notifications not delivered yet (pending) or given up (failed), by channel.\n"
              "# TYPE holdpoint_outbox_messages gauge\n");
  while( db_step(st)==DB_ROW ){
    const char *ch = db_col_text(st, 0), *status = db_col_text(st, 1);
    for(const char *p = ch; *p; p++) if( *p=='"' || *p=='\\' || *p=='\n' ){ ch = "(unnamed)"; break; }
    if( strcmp(status, "sent")!=0 ) buf_printf(b, "holdpoint_outbox_messages{channel=\"%s\",status=\"%s\"} %lld\n", ch, status,
                                               (long long)db_col_int64(st, 2));
    buf_printf(&fails, "holdpoint_outbox_retried_messages{channel=\"%s\",status=\"%s\"} %lld\n", ch, status,
               (long long)db_col_int64(st, 3));
  }
  db_finish(st);
  buf_puts(b, "# HELP holdpoint_outbox_retried_messages Messages whose delivery failed at least once, by channel and where they are now.\n"
              "# TYPE holdpoint_outbox_retried_messages gauge\n");
  if( fails.len ) buf_append(b, fails.z, fails.len);
  buf_free(&fails);
  buf_printf(b, "# HELP holdpoint_job_runner_lag_seconds Time since the job runner last ran (timers, deliveries); it runs every second.\n"
                "# TYPE holdpoint_job_runner_lag_seconds gauge\nholdpoint_job_runner_lag_seconds %.3f\n",
             s && s->job_tick_ms>0 ? (double)(now - s->job_tick_ms)/1000 : -1.0);
  return 0;
}

int page_metrics(struct req *r){
  if( !addr_allowed(r->app->cfg.metrics_allow, r->remote_addr ? r->remote_addr : "") && !token_ok(r) ){
    resp_text(r, 403, "text/plain; charset=utf-8",
              "Metrics are for the addresses in HOLDPOINT_METRICS_ALLOW, or with the token of HOLDPOINT_METRICS_TOKEN_FILE.\n");
    return HP_OK;
  }
  const struct stats *s = stats_get();
  struct buf b;
  buf_init(&b);
  counters(&b, s);
  db_begin_read(r->app->db);
  int bad = gauges(r, &b, s);
  db_end_read(r->app->db);
  if( bad || b.oom ){ buf_free(&b); return HP_ERROR; }
  resp_text(r, 200, "text/plain; version=0.0.4; charset=utf-8", b.z);
  buf_free(&b);
  return HP_OK;
}

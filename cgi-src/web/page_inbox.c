/* page_inbox.c — the inbox: every activity on hold, most urgent first, filtered to the viewer's. */
#include "page_release.h"
#include "queue.h"
#include "app.h"
#include "db.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* 1 when an approval can be decided from the inbox: no signature and no required fields. */
#define INBOX_QUICK_SQL \
  "(a.kind='approval' AND a.signature_required=0" \
  " AND NOT EXISTS(SELECT 1 FROM fields qf WHERE qf.activity_id=a.id AND qf.required=1))"

/* The page's columns (queue.h's aliases), `key` the queue's key.  `yours`: may the viewer act
   on it (1 in the viewer's own list, which comes from may_act already). */
#define INBOX_COLS(yours, key) \
  "a.id, a.name, a.kind, a.activated_at, a.deadline_at, rl.id, rl.name, rl.version, p.id, p.name," \
  " " yours ", " INBOX_QUICK_SQL ", " key

/* Counts stop here: the toggle says "100+" rather than count thousands on every visit. */
#define INBOX_COUNT_CAP 100

#define INBOX_PER_PAGE 50

/*
** For release managers and administrators: the releases that wait for a
** Retry or an Abort (failed, or on hold with a failed phase), newest first,
** with what did not pass.  Read from the failed releases and the failed
** phases (an index of those alone), not from every release on hold.  0 or -1.
*/
static int stuck_releases(struct req *r, tmpl_dict *d){
  struct db_stmt *st = db_prepare(r->app->db,
    "SELECT rl.id, rl.name, rl.version, rl.status,"
    " (SELECT group_concat(a.name, ', ') FROM activities a WHERE a.release_id=rl.id"
    "   AND a.status IN ('rejected','failed','aborted'))"
    " FROM (SELECT sr.id FROM releases sr WHERE sr.status='failed'"
    "   UNION SELECT p.release_id FROM phases p WHERE p.status='failed') s"     /* phases_failed */
    " CROSS JOIN releases rl ON rl.id=s.id"                                    /* from those, not every release */
    " WHERE rl.status IN ('failed','on_hold')"
    " ORDER BY rl.created_at DESC, rl.id DESC LIMIT 20");
  if( st==NULL ) return -1;
  tmpl_dict *sec = NULL;
  while( db_step(st)==DB_ROW ){
    if( sec==NULL ) sec = tmpl_section(d, "STUCK");
    tmpl_dict *x = tmpl_section(sec, "STUCK_RELEASE");
    tmpl_set_int(x, "RELEASE_ID", db_col_int64(st, 0));
    tmpl_set(x, "RELEASE_NAME", db_col_text(st, 1));
    tmpl_set(x, "RELEASE_VERSION", db_col_text(st, 2));
    page_badge(x, db_col_text(st, 3));
    tmpl_set(x, "WHAT", db_col_text(st, 4)[0] ? db_col_text(st, 4) : "an activity");
  }
  db_finish(st);
  return 0;
}

/* One row of the page, kept until the page is complete (a backward page arrives reversed). */
struct inbox_row {
  int64_t id, activated_at, deadline_at, release_id, phase_id, due, since;
  int has_activated, has_deadline, yours, quick;
  const char *name, *kind, *release_name, *release_version, *phase_name;
};

/* A count, capped: "100+" past INBOX_COUNT_CAP. */
static const char *count_text(struct req *r, int64_t n){
  return n>INBOX_COUNT_CAP ? arena_printf(&r->arena, "%d+", INBOX_COUNT_CAP)
                           : arena_printf(&r->arena, "%lld", (long long)n);
}

/*
** How many activities are on hold everywhere (capped): the same for every visitor, so a worker
** keeps it until the database changes (db_generation) instead of counting again on each visit.
** -1 when it cannot be read.
*/
static int64_t on_hold_count(struct db *db){
  int64_t n, gen;
  if( db_kept(db, DB_KEPT_ON_HOLD, 0, &n, &gen) ) return n;
  struct db_stmt *st = db_prepare(db, "SELECT count(*) FROM (" QUEUE_ALL_KEYS(">", "ASC") ")");
  if( st==NULL ) return -1;
  db_bind_int64(st, ":lim", INBOX_COUNT_CAP + 1);
  db_bind_int64(st, ":k1", INT64_MIN);
  db_bind_int64(st, ":k2", INT64_MIN);
  db_bind_int64(st, ":k3", INT64_MIN);
  n = db_step(st)==DB_ROW ? db_col_int64(st, 0) : -1;
  db_finish(st);
  if( n>=0 ) db_keep(db, gen, DB_KEPT_ON_HOLD, 0, n);
  return n;
}

/*
** GET / — the inbox for people who are signed in (the sign-in page
** otherwise).  ?mine=1 shows what the viewer can act on (the default when
** there is anything), ?mine=0 everything on hold; 50 a page, ?after=KEY for
** the next (less urgent), ?before=KEY for the previous.  Four statements at
** most whatever the data: the two capped counts (the count of everything kept
** while the database does not change), and the page.
*/
int page_inbox(struct req *r){
  int64_t mine_q, k[3] = { 0, 0, 0 };
  if( r->user==NULL ) return resp_redirect(r, "/login");
  struct db *db = r->app->db;
  int64_t now = app_now_ms(r->app);
  int64_t total = on_hold_count(db), for_me = 0;
  struct db_stmt *st = db_prepare(db, "SELECT count(*) FROM (" QUEUE_MINE_KEYS(">", "ASC") ")");
  if( st==NULL || total<0 ){ db_finish(st); return HP_ERROR; }
  db_bind_int64(st, ":uid", r->user->id);
  db_bind_int64(st, ":now", now);
  db_bind_int64(st, ":lim", INBOX_COUNT_CAP + 1);
  db_bind_int64(st, ":k1", INT64_MIN);
  db_bind_int64(st, ":k2", INT64_MIN);
  db_bind_int64(st, ":k3", INT64_MIN);
  if( db_step(st)==DB_ROW ) for_me = db_col_int64(st, 0);
  db_finish(st);
  req_qint(r, "mine", 0, 1, for_me>0 ? 1 : 0, &mine_q);
  int mine = (int)mine_q;
  const char *after = req_query(r, "after"), *before = req_query(r, "before");
  int back = 0, keyed = 0;
  if( before && queue_parse_key(before, k) ){ back = 1; keyed = 1; }
  else if( after && queue_parse_key(after, k) ) keyed = 1;
  if( !keyed ){ k[0] = INT64_MIN; k[1] = INT64_MIN; k[2] = INT64_MIN; }

  static const char *const sql[2][2] = {
    { QUEUE_ALL(INBOX_COLS(MAYACT_VIEWER("a"), QUEUE_ALL_KEY), ">", "ASC"),
      QUEUE_ALL(INBOX_COLS(MAYACT_VIEWER("a"), QUEUE_ALL_KEY), "<", "DESC") },
    { QUEUE_MINE(INBOX_COLS("1", QUEUE_MINE_KEY), ">", "ASC"), QUEUE_MINE(INBOX_COLS("1", QUEUE_MINE_KEY), "<", "DESC") },
  };
  st = db_prepare(db, sql[mine][back]);
  if( st==NULL ) return HP_ERROR;
  db_bind_int64(st, ":uid", r->user->id);
  db_bind_int64(st, ":now", now);
  int64_t lim = mine ? QUEUE_MINE_ROWS(INBOX_PER_PAGE) : INBOX_PER_PAGE + 1;
  db_bind_int64(st, ":lim", lim);
  db_bind_int64(st, ":k1", k[0]);
  db_bind_int64(st, ":k2", k[1]);
  db_bind_int64(st, ":k3", k[2]);
  struct inbox_row *rows = arena_alloc(&r->arena, sizeof(*rows) * (INBOX_PER_PAGE + 1));
  int n = 0, more = 0, got = 0;
  while( rows && db_step(st)==DB_ROW ){
    got++;
    int64_t id = db_col_int64(st, 0);
    if( n>0 && rows[n-1].id==id ) continue;      /* one activity, for two people (QUEUE_MINE) */
    if( n==INBOX_PER_PAGE ){ more = 1; break; }
    struct inbox_row *w = &rows[n++];
    w->id = id;
    w->name = db_col_dup(&r->arena, st, 1);
    w->kind = db_col_dup(&r->arena, st, 2);
    w->has_activated = !db_col_null(st, 3);
    w->activated_at = db_col_int64(st, 3);
    w->has_deadline = !db_col_null(st, 4);
    w->deadline_at = db_col_int64(st, 4);
    w->release_id = db_col_int64(st, 5);
    w->release_name = db_col_dup(&r->arena, st, 6);
    w->release_version = db_col_dup(&r->arena, st, 7);
    w->phase_id = db_col_int64(st, 8);
    w->phase_name = db_col_dup(&r->arena, st, 9);
    w->yours = db_col_int(st, 10);
    w->quick = db_col_int(st, 11);
    w->due = db_col_int64(st, 12);
    w->since = db_col_int64(st, 13);
  }
  db_finish(st);
  if( rows==NULL ) return HP_ERROR;
  if( got==lim ) more = 1;                       /* read up to the bound: there is, or may be, more */
  if( back ){                                    /* read backwards: put the page in order */
    for(int i=0, j=n-1; i<j; i++, j--){ struct inbox_row t = rows[i]; rows[i] = rows[j]; rows[j] = t; }
  }
  /* Is there a page before this one, and one after it? */
  int has_prev = back ? more : keyed, has_next = back ? 1 : more;
  if( n==0 ) has_next = 0;

  tmpl_dict *d = tmpl_dict_new("inbox");
  if( d==NULL ) return HP_ERROR;
  int quick = 0;
  for(int i=0; i<n; i++){
    struct inbox_row *w = &rows[i];
    tmpl_dict *s = tmpl_section(d, "ITEM");
    tmpl_set_int(s, "ACT_ID", w->id);
    tmpl_set(s, "ACT_NAME", w->name);
    tmpl_set(s, "KIND", w->kind);
    tmpl_set(s, "KIND_LABEL", page_kind_label(w->kind));
    if( w->has_activated ){
      tmpl_dict *x = tmpl_section(s, "SINCE");
      tmpl_set(x, "SINCE_AGO", page_ago(r, w->activated_at));
      tmpl_set(x, "SINCE_UTC", page_time(r, w->activated_at));
    }
    if( w->has_deadline ) page_deadline(r, s, w->deadline_at);
    else tmpl_show(s, "NO_DEADLINE");
    tmpl_set_int(s, "RELEASE_ID", w->release_id);
    tmpl_set(s, "RELEASE_NAME", w->release_name);
    tmpl_set(s, "RELEASE_VERSION", w->release_version);
    tmpl_set_int(s, "PHASE_ID", w->phase_id);
    tmpl_set(s, "PHASE_NAME", w->phase_name);
    if( !mine && w->yours ) tmpl_show(s, "YOURS");
    if( w->yours && w->quick ){
      tmpl_show(s, "QUICK");                                    /* approve from the inbox */
      if( !quick++ ) tmpl_set(tmpl_section(d, "QUICK_FORM"), "CSRF", r->csrf_token);
    }
  }

  tmpl_set(d, "FOR_ME", count_text(r, for_me));
  tmpl_set(d, "TOTAL", count_text(r, total));
  tmpl_show(d, mine ? "MINE_CURRENT" : "ALL_CURRENT");
  tmpl_show(d, mine ? "ALL_LINK" : "MINE_LINK");
  if( n>0 ){
    tmpl_show(d, "HAS_ITEMS");
  }else if( keyed ){
    tmpl_set(tmpl_section(d, "NO_MORE"), "FIRST_URL", arena_printf(&r->arena, "/?mine=%d", mine));
  }else if( mine ){
    tmpl_dict *e = tmpl_section(d, "NOTHING_MINE");
    if( total>0 ) tmpl_set(tmpl_section(e, "OTHERS_WAITING"), "OTHERS_TEXT", total==1
      ? "1 activity waits for someone else."
      : total>INBOX_COUNT_CAP ? arena_printf(&r->arena, "More than %d activities wait for others.", INBOX_COUNT_CAP)
      : arena_printf(&r->arena, "%lld activities wait for others.", (long long)total));
  }else{
    tmpl_show(d, "NOTHING_AT_ALL");
  }
  if( n>0 && has_prev ){
    tmpl_set(tmpl_section(d, "PREV"), "PREV_URL", arena_printf(&r->arena, "/?mine=%d&before=%lld.%lld.%lld", mine,
             (long long)rows[0].due, (long long)rows[0].since, (long long)rows[0].id));
    tmpl_set(tmpl_section(d, "FIRST"), "FIRST_URL", arena_printf(&r->arena, "/?mine=%d", mine));
  }
  if( n>0 && has_next ){
    tmpl_set(tmpl_section(d, "NEXT"), "NEXT_URL", arena_printf(&r->arena, "/?mine=%d&after=%lld.%lld.%lld", mine,
             (long long)rows[n-1].due, (long long)rows[n-1].since, (long long)rows[n-1].id));
  }
  if( n>0 && (has_prev || has_next) ) tmpl_show(d, "PAGER");
  if( (r->user->roles & (ROLE_RELEASE_MANAGER|ROLE_ADMIN)) && !keyed && stuck_releases(r, d) ){
    tmpl_dict_free(d);
    return HP_ERROR;
  }
  return page_render(r, 200, "inbox.tpl", d, "Inbox");
}

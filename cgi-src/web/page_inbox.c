/* page_inbox.c — the inbox: every activity on hold, most urgent first, filtered to the viewer's. */
#include "page_release.h"
#include "app.h"
#include "db.h"
#include <string.h>

/* 1 when an approval can be decided from the inbox: no signature and no required fields. */
#define INBOX_QUICK_SQL \
  "(a.kind='approval' AND a.signature_required=0" \
  " AND NOT EXISTS(SELECT 1 FROM fields qf WHERE qf.activity_id=a.id AND qf.required=1))"

/* The activities the viewer (:uid) may act on at :now: an index lookup in may_act (mayact.h). */
#define INBOX_CANDIDATES_SQL \
  "WITH cand(id) AS (SELECT DISTINCT m.activity_id FROM may_act m JOIN activities ca" \
  "  ON ca.id=m.activity_id AND ca.round=m.round WHERE m.user_id=:uid AND " MAYACT_OPEN("m") ") "

#define INBOX_PER_PAGE 50

/*
** For release managers and administrators: the releases that wait for a
** Retry or an Abort (failed, or on hold with a failed phase), newest first,
** with what did not pass.  0 or -1.
*/
static int stuck_releases(struct req *r, tmpl_dict *d){
  sqlite3_stmt *st = db_prepare(r->app->db,
    "SELECT rl.id, rl.name, rl.version, rl.status,"
    " (SELECT group_concat(a.name, ', ') FROM activities a WHERE a.release_id=rl.id"
    "   AND a.status IN ('rejected','failed','aborted'))"
    " FROM releases rl WHERE rl.status='failed'"
    "  OR (rl.status='on_hold' AND EXISTS(SELECT 1 FROM phases p WHERE p.release_id=rl.id AND p.status='failed'))"
    " ORDER BY rl.created_at DESC, rl.id DESC LIMIT 20");
  if( st==NULL ) return -1;
  tmpl_dict *sec = NULL;
  while( db_step(st)==SQLITE_ROW ){
    if( sec==NULL ) sec = tmpl_section(d, "STUCK");
    tmpl_dict *x = tmpl_section(sec, "STUCK_RELEASE");
    tmpl_set_int(x, "RELEASE_ID", sqlite3_column_int64(st, 0));
    tmpl_set(x, "RELEASE_NAME", db_col_text(st, 1));
    tmpl_set(x, "RELEASE_VERSION", db_col_text(st, 2));
    page_badge(x, db_col_text(st, 3));
    tmpl_set(x, "WHAT", db_col_text(st, 4)[0] ? db_col_text(st, 4) : "an activity");
  }
  sqlite3_finalize(st);
  return 0;
}

/*
** GET / — the inbox for people who are signed in (the sign-in page
** otherwise).  ?mine=1 shows what the viewer can act on (the default when
** there is anything), ?mine=0 everything on hold; ?page=N, 50 a page.
** Sorted by deadline (soonest first, none last), then by how long it has
** waited.  Two queries: the counts, and the page.
*/
int page_inbox(struct req *r){
  int64_t pg, mine_q;
  if( r->user==NULL ) return resp_redirect(r, "/login");
  sqlite3 *db = r->app->db;
  sqlite3_stmt *st = db_prepare(db,
    INBOX_CANDIDATES_SQL
    "SELECT (SELECT count(*) FROM activities oa JOIN phases op ON op.id=oa.phase_id"
    "  WHERE oa.status='on_hold' AND op.status<>'failed'),"
    " (SELECT count(*) FROM cand)");
  if( st==NULL ) return HP_ERROR;
  int64_t now = app_now_ms(r->app);
  db_bind_int64(st, ":uid", r->user->id);
  db_bind_int64(st, ":now", now);
  int64_t total = 0, for_me = 0;
  if( db_step(st)==SQLITE_ROW ){
    total = sqlite3_column_int64(st, 0);
    for_me = sqlite3_column_int64(st, 1);
  }
  sqlite3_finalize(st);
  req_qint(r, "mine", 0, 1, for_me>0 ? 1 : 0, &mine_q);
  req_qint(r, "page", 1, 100000, 1, &pg);
  int mine = (int)mine_q;

  st = db_prepare(db, mine ?
    INBOX_CANDIDATES_SQL
    "SELECT a.id, a.name, a.kind, a.activated_at, a.deadline_at, rl.id, rl.name, rl.version, p.id, p.name, 1, " INBOX_QUICK_SQL
    " FROM cand JOIN activities a ON a.id=cand.id JOIN releases rl ON rl.id=a.release_id JOIN phases p ON p.id=a.phase_id"
    " ORDER BY a.deadline_at IS NULL, a.deadline_at, a.activated_at IS NULL, a.activated_at, a.id"
    " LIMIT :lim OFFSET :off"
    :
    "SELECT a.id, a.name, a.kind, a.activated_at, a.deadline_at, rl.id, rl.name, rl.version, p.id, p.name,"
    " " MAYACT_VIEWER("a") ", " INBOX_QUICK_SQL
    " FROM (SELECT oa.id FROM activities oa JOIN phases op ON op.id=oa.phase_id"   /* the page first, then its columns */
    "       WHERE oa.status='on_hold' AND op.status<>'failed'"
    "       ORDER BY oa.deadline_at IS NULL, oa.deadline_at, oa.activated_at IS NULL, oa.activated_at, oa.id"
    "       LIMIT :lim OFFSET :off) pg"
    " JOIN activities a ON a.id=pg.id JOIN releases rl ON rl.id=a.release_id JOIN phases p ON p.id=a.phase_id"
    " ORDER BY a.deadline_at IS NULL, a.deadline_at, a.activated_at IS NULL, a.activated_at, a.id");
  if( st==NULL ) return HP_ERROR;
  db_bind_int64(st, ":uid", r->user->id);
  db_bind_int64(st, ":now", now);
  db_bind_int64(st, ":lim", INBOX_PER_PAGE + 1);
  db_bind_int64(st, ":off", (pg-1)*INBOX_PER_PAGE);
  tmpl_dict *d = tmpl_dict_new("inbox");
  if( d==NULL ){ sqlite3_finalize(st); return HP_ERROR; }
  int n = 0, more = 0;
  while( db_step(st)==SQLITE_ROW ){
    if( n==INBOX_PER_PAGE ){ more = 1; break; }
    tmpl_dict *s = tmpl_section(d, "ITEM");
    tmpl_set_int(s, "ACT_ID", sqlite3_column_int64(st, 0));
    tmpl_set(s, "ACT_NAME", db_col_text(st, 1));
    tmpl_set(s, "KIND", db_col_text(st, 2));
    tmpl_set(s, "KIND_LABEL", page_kind_label(db_col_text(st, 2)));
    if( sqlite3_column_type(st, 3)!=SQLITE_NULL ){
      tmpl_dict *w = tmpl_section(s, "SINCE");
      tmpl_set(w, "SINCE_AGO", page_ago(r, sqlite3_column_int64(st, 3)));
      tmpl_set(w, "SINCE_UTC", page_time(r, sqlite3_column_int64(st, 3)));
    }
    if( sqlite3_column_type(st, 4)!=SQLITE_NULL ) page_deadline(r, s, sqlite3_column_int64(st, 4));
    else tmpl_show(s, "NO_DEADLINE");
    tmpl_set_int(s, "RELEASE_ID", sqlite3_column_int64(st, 5));
    tmpl_set(s, "RELEASE_NAME", db_col_text(st, 6));
    tmpl_set(s, "RELEASE_VERSION", db_col_text(st, 7));
    tmpl_set_int(s, "PHASE_ID", sqlite3_column_int64(st, 8));
    tmpl_set(s, "PHASE_NAME", db_col_text(st, 9));
    if( !mine && sqlite3_column_int(st, 10) ) tmpl_show(s, "YOURS");
    if( sqlite3_column_int(st, 10) && sqlite3_column_int(st, 11) ){
      tmpl_dict *q = tmpl_section(s, "QUICK");                  /* approve from the inbox */
      tmpl_set(q, "CSRF", r->csrf_token);
    }
    n++;
  }
  sqlite3_finalize(st);

  tmpl_set_int(d, "FOR_ME", for_me);
  tmpl_set_int(d, "TOTAL", total);
  tmpl_show(d, mine ? "MINE_CURRENT" : "ALL_CURRENT");
  tmpl_show(d, mine ? "ALL_LINK" : "MINE_LINK");
  if( n>0 ){
    tmpl_show(d, "HAS_ITEMS");
  }else if( mine ){
    tmpl_dict *e = tmpl_section(d, "NOTHING_MINE");
    if( total>0 ) tmpl_set(tmpl_section(e, "OTHERS_WAITING"), "OTHERS_TEXT", total==1
      ? "1 activity waits for someone else." : arena_printf(&r->arena, "%lld activities wait for others.", (long long)total));
  }else{
    tmpl_show(d, pg>1 ? "NO_MORE" : "NOTHING_AT_ALL");
  }
  if( pg>1 ) tmpl_set(tmpl_section(d, "PREV"), "PREV_URL", arena_printf(&r->arena, "/?mine=%d&page=%lld", mine, (long long)(pg-1)));
  if( more ) tmpl_set(tmpl_section(d, "NEXT"), "NEXT_URL", arena_printf(&r->arena, "/?mine=%d&page=%lld", mine, (long long)(pg+1)));
  if( pg>1 || more ) tmpl_set_int(tmpl_section(d, "PAGER"), "PAGE", pg);
  if( (r->user->roles & (ROLE_RELEASE_MANAGER|ROLE_ADMIN)) && pg==1 && stuck_releases(r, d) ){
    tmpl_dict_free(d);
    return HP_ERROR;
  }
  return page_render(r, 200, "inbox.tpl", d, "Inbox");
}

/* page_audit.c — the auditor's pages: the audit trail, its downloads, and a release's approvals log and PDF report. */
#include "page_audit.h"
#include "util.h"
#include "page_release.h"
#include "page.h"
#include "app.h"
#include "db.h"
#include "audit.h"
#include "export.h"
#include "log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <time.h>

#define AUDIT_PAGE_SIZE   50         /* records per page of /audit */
#define AUDIT_MAX_FILTER  64         /* characters in a text filter */
#define AUDIT_DAY_MS      86400000LL

/* ------------------------------------------------------------------ filters */

/* The filter as typed (shown again in the form) and as parsed. */
struct audit_query {
  struct export_filter f;
  const char *from, *to, *user, *action, *release, *ip;
};

/* 1 when every byte of z is in the set (NUL-terminated list of allowed characters) or alnum. */
static int only(const char *z, const char *extra){
  for(; *z; z++){
    char c = *z;
    if( (c>='a'&&c<='z') || (c>='A'&&c<='Z') || (c>='0'&&c<='9') || strchr(extra, c) ) continue;
    return 0;
  }
  return 1;
}

static const char *qparam(struct req *r, const char *name){
  const char *z = req_query(r, name);
  return z ? z : "";
}

/*
** Read the filters from the query string: from, to (YYYY-MM-DD, UTC, both
** days included), user, action ("auth.login", or "auth." for a group),
** release (id), ip; with paging, before/after (seq).  Returns 1, or 0 after
** a field error for each bad value.
*/
static int read_filter(struct req *r, struct audit_query *q, int paging){
  int ok = 1;
  memset(q, 0, sizeof(*q));
  q->from = qparam(r, "from");
  q->to = qparam(r, "to");
  q->user = qparam(r, "user");
  q->action = qparam(r, "action");
  q->release = qparam(r, "release");
  q->ip = qparam(r, "ip");
  if( q->from[0] && !util_parse_utc(q->from, 0, &q->f.from_ms) ){
    req_field_error(r, "from", "Enter the start date as YYYY-MM-DD, for example 2026-01-31.");
    ok = 0;
  }
  if( q->to[0] ){
    int64_t ms;
    if( !util_parse_utc(q->to, 0, &ms) ){
      req_field_error(r, "to", "Enter the end date as YYYY-MM-DD, for example 2026-01-31.");
      ok = 0;
    }else if( q->f.from_ms && ms < q->f.from_ms ){
      req_field_error(r, "to", "The end date is before the start date.");
      ok = 0;
    }else{
      q->f.until_ms = ms + AUDIT_DAY_MS;
    }
  }
  if( strlen(q->user)>AUDIT_MAX_FILTER || !only(q->user, "._-:@") ){
    req_field_error(r, "user", "Enter a username (letters, digits, '.', '_', '-').");
    ok = 0;
  }
  q->f.user = q->user;
  if( strlen(q->action)>AUDIT_MAX_FILTER || !only(q->action, "._-") || q->action[0]=='.' ){
    req_field_error(r, "action", "Enter an action such as auth.login, or auth. for every sign-in action.");
    ok = 0;
  }
  q->f.action = q->action;
  if( q->release[0] ){
    char *end;
    errno = 0;
    long long v = strtoll(q->release, &end, 10);
    if( errno || *end || v<1 || q->release[0]<'0' || q->release[0]>'9' ){
      req_field_error(r, "release", "Enter a release number, for example 12.");
      ok = 0;
    }else{
      q->f.release_id = v;
    }
  }
  if( strlen(q->ip)>AUDIT_MAX_FILTER || !only(q->ip, ".:") ){
    req_field_error(r, "ip", "Enter an IP address, for example 192.0.2.10 or 2001:db8::1.");
    ok = 0;
  }
  q->f.ip = q->ip;
  if( paging ){
    req_qint(r, "before", 1, INT64_MAX, 0, &q->f.before_seq);
    if( q->f.before_seq==0 ) req_qint(r, "after", 0, INT64_MAX, 0, &q->f.after_seq);
  }
  return ok;
}

/* "from=…&to=…" for the filters that are set (percent-encoded); "" for none. */
static const char *filter_qs(struct req *r, const struct audit_query *q){
  const char *names[] = { "from", "to", "user", "action", "release", "ip" };
  const char *values[] = { q->from, q->to, q->user, q->action, q->release, q->ip };
  struct buf b;
  buf_init(&b);
  for(size_t i=0; i<HP_ARRAY_SIZE(names); i++){
    if( values[i][0]==0 ) continue;
    buf_printf(&b, "%s%s=%s", b.len ? "&" : "", names[i], page_url_arg(r, values[i]));
  }
  const char *z = arena_strdup(&r->arena, b.z ? b.z : "");
  buf_free(&b);
  return z ? z : "";
}

/* path, plus "?" and the query when there is one; an arena string. */
static const char *with_qs(struct req *r, const char *path, const char *qs, const char *more){
  const char *sep = qs[0] && more[0] ? "&" : "";
  if( qs[0]==0 && more[0]==0 ) return path;
  return arena_printf(&r->arena, "%s?%s%s%s", path, qs, sep, more);
}

/* ------------------------------------------------------------------ small formatting */

/* "2026-01-02 03:04:05.678" (UTC) into the arena; also the ISO form in *iso. */
static const char *ms_time(struct req *r, int64_t ms, const char **iso){
  char z[40];
  app_iso_time(ms, z, sizeof(z));
  if( iso ) *iso = arena_strdup(&r->arena, z);
  z[10] = ' ';
  size_t n = strlen(z);
  if( n && z[n-1]=='Z' ) z[n-1] = 0;
  return arena_strdup(&r->arena, z);
}

/* "Display Name (username)"; whichever is known. */
static const char *person(struct req *r, const char *display, const char *username){
  if( display[0] && username[0] ) return arena_printf(&r->arena, "%s (%s)", display, username);
  return arena_strdup(&r->arena, display[0] ? display : username[0] ? username : "unknown");
}

/* ------------------------------------------------------------------ GET /audit */

/* 1 when some record matching f lies beyond seq (newer when newer, else older). */
static int audit_beyond(struct req *r, const struct export_filter *base, int newer, int64_t seq){
  struct export_filter f = *base;
  struct buf sql;
  int found = 0;
  f.before_seq = newer ? 0 : seq;
  f.after_seq = newer ? seq : 0;
  buf_init(&sql);
  buf_puts(&sql, "SELECT EXISTS(SELECT 1 FROM audit_log a WHERE 1=1");
  export_filter_sql(&f, &sql);
  buf_puts(&sql, ")");
  struct db_stmt *st = sql.oom ? NULL : db_prepare(r->app->db, sql.z);
  if( st && export_filter_bind(st, &f)==0 && db_step(st)==DB_ROW ) found = db_col_int(st, 0);
  db_finish(st);
  buf_free(&sql);
  return found;
}

/* Where an audit record's object lives, if it has a page this person may open. */
static void object_cell(struct req *r, tmpl_dict *row, const char *type, int64_t id, const char *name){
  const char *href = NULL, *label;
  if( type[0]==0 ) return;
  if( id==0 ){
    tmpl_set(tmpl_section(row, "OBJ_TEXT"), "OBJ_LABEL", type);
    return;
  }
  label = name[0] ? arena_printf(&r->arena, "%s %s", type, name)
                  : arena_printf(&r->arena, "%s #%lld", type, (long long)id);
  if( strcmp(type, "release")==0 ) href = arena_printf(&r->arena, "/releases/%lld", (long long)id);
  else if( strcmp(type, "activity")==0 ) href = arena_printf(&r->arena, "/activities/%lld", (long long)id);
  else if( strcmp(type, "evidence")==0 ) href = arena_printf(&r->arena, "/evidence/%lld", (long long)id);
  else if( strcmp(type, "user")==0 && req_has_role(r, ROLE_ADMIN) ) href = arena_printf(&r->arena, "/admin/users/%lld", (long long)id);
  if( href ){
    tmpl_dict *l = tmpl_section(row, "OBJ_LINK");
    tmpl_set(l, "OBJ_HREF", href);
    tmpl_set(l, "OBJ_LABEL", label);
  }else{
    tmpl_set(tmpl_section(row, "OBJ_TEXT"), "OBJ_LABEL", label);
  }
}

/*
** The distinct actions in the trail, for the action filter's suggestions.  The
** trail only grows, so a worker keeps the list with the sequence number it was
** read up to, and each visit adds the actions of the records written since (a
** range of the primary key).  The whole list is read again (an index skip-scan,
** one seek per action) the first time, after many new records, or when the
** trail is not the one it was read from (a lower head: a restored database).
*/
#define ACTION_MAX 500
#define ACTION_CATCH_UP 2000          /* new records read one by one at most; more: read the list again */
static struct {
  int64_t seq;                        /* read up to this record; 0: not read */
  int n;
  char *name[ACTION_MAX];             /* sorted */
} actions;

static void actions_forget(void){
  for(int i=0; i<actions.n; i++) free(actions.name[i]);
  actions.n = 0;
  actions.seq = 0;
}

/* Add one name in order (nothing when it is there already or the list is full).  0, or -1 out of memory. */
static int actions_add(const char *z){
  int lo = 0, hi = actions.n;
  while( lo<hi ){
    int mid = (lo + hi)/2, c = strcmp(actions.name[mid], z);
    if( c==0 ) return 0;
    if( c<0 ) lo = mid + 1; else hi = mid;
  }
  if( actions.n==ACTION_MAX ) return 0;
  char *copy = strdup(z);
  if( copy==NULL ) return -1;
  memmove(&actions.name[lo+1], &actions.name[lo], sizeof(actions.name[0])*(size_t)(actions.n - lo));
  actions.name[lo] = copy;
  actions.n++;
  return 0;
}

/* head: the newest record's sequence number, read by the page in the same snapshot (audit_head). */
static void action_options(struct req *r, tmpl_dict *d, int64_t head){
  struct db *db = r->app->db;
  struct db_stmt *st;
  int whole = actions.seq==0 || head<actions.seq || head - actions.seq>ACTION_CATCH_UP;
  if( whole ) actions_forget();
  {                                    /* one statement either way (an empty range costs nothing) */
    st = db_prepare(db, whole
      ? "WITH RECURSIVE x(action) AS ("
        "  SELECT min(action) FROM audit_log"
        "  UNION ALL SELECT (SELECT min(action) FROM audit_log WHERE action > x.action) FROM x WHERE x.action IS NOT NULL"
        ") SELECT action FROM x WHERE action IS NOT NULL LIMIT :lim"
      : "SELECT DISTINCT action FROM audit_log WHERE seq>:from AND seq<=:head");
    if( st && whole ) db_bind_int64(st, ":lim", ACTION_MAX);
    if( st && !whole ){
      db_bind_int64(st, ":from", actions.seq);
      db_bind_int64(st, ":head", head);
    }
    int step, bad = st==NULL;
    while( !bad && (step = db_step(st))==DB_ROW ) bad = actions_add(db_col_text(st, 0))!=0;
    if( !bad && step!=DB_DONE ) bad = 1;
    db_finish(st);
    if( bad ){ actions_forget(); return; }     /* read again next time; no suggestions now */
    actions.seq = head;
  }
  for(int i=0; i<actions.n; i++) tmpl_set(tmpl_section(d, "ACTION_OPTION"), "ACTION_VALUE", actions.name[i]);
}

/* One page of records (at most AUDIT_PAGE_SIZE) into ROW sections, newest first. */
static int audit_rows(struct req *r, tmpl_dict *d, const struct audit_query *q, const char *qs){
  struct buf sql;
  int rc = HP_ERROR, n = 0, step;
  int newer_paging = q->f.after_seq!=0;
  struct db_stmt *st = NULL;
  buf_init(&sql);
  buf_puts(&sql,
    "SELECT a.seq, a.at, a.actor_id, a.actor_name, coalesce(a.acting_for_id,0), coalesce(f.username,''),"
    " a.ip, a.session_hash, a.action, a.object_type, coalesce(a.object_id,0), coalesce(a.release_id,0),"
    " a.details_json, coalesce(rl.name,''), coalesce(rl.version,''),"
    " coalesce(CASE a.object_type"
    "   WHEN 'activity' THEN (SELECT name FROM activities WHERE id=a.object_id)"
    "   WHEN 'release' THEN (SELECT name FROM releases WHERE id=a.object_id)"
    "   WHEN 'user' THEN (SELECT username FROM users WHERE id=a.object_id)"
    "   WHEN 'team' THEN (SELECT name FROM teams WHERE id=a.object_id)"
    "   WHEN 'evidence' THEN (SELECT original_name FROM evidence WHERE id=a.object_id)"
    " END, '')"
    " FROM audit_log a LEFT JOIN users f ON f.id=a.acting_for_id AND a.acting_for_id>0"
    " LEFT JOIN releases rl ON rl.id=a.release_id AND a.release_id>0 WHERE 1=1");
  export_filter_sql(&q->f, &sql);
  buf_printf(&sql, " ORDER BY a.seq %s LIMIT %d", newer_paging ? "ASC" : "DESC", AUDIT_PAGE_SIZE + 1);
  if( sql.oom ) goto out;
  st = db_prepare(r->app->db, sql.z);
  if( st==NULL || export_filter_bind(st, &q->f) ) goto out;
  /* Newer pages are read upwards from `after`; rows are collected, then shown newest first. */
  struct cell { const char *time, *iso, *actor, *acting, *ip, *sess, *action, *otype, *oname, *details, *rname, *rver;
                int64_t seq, oid, rid; } cells[AUDIT_PAGE_SIZE + 1];
  while( (step = db_step(st))==DB_ROW ){
    if( n==AUDIT_PAGE_SIZE ){ n++; break; }        /* one more than a page: there is more */
    struct cell *c = &cells[n++];
    c->seq = db_col_int64(st, 0);
    c->time = ms_time(r, db_col_int64(st, 1), &c->iso);
    const char *actor = db_col_text(st, 3);
    c->actor = arena_strdup(&r->arena, actor[0] ? actor : db_col_int64(st, 2) ? "unknown" : "system");
    c->acting = db_col_int64(st, 4) ? arena_strdup(&r->arena, db_col_text(st, 5)[0] ? db_col_text(st, 5)
                  : arena_printf(&r->arena, "user #%lld", (long long)db_col_int64(st, 4))) : NULL;
    c->ip = db_col_dup(&r->arena, st, 6);
    c->sess = db_col_dup(&r->arena, st, 7);
    c->action = db_col_dup(&r->arena, st, 8);
    c->otype = db_col_dup(&r->arena, st, 9);
    c->oid = db_col_int64(st, 10);
    c->rid = db_col_int64(st, 11);
    c->details = db_col_dup(&r->arena, st, 12);
    c->rname = db_col_dup(&r->arena, st, 13);
    c->rver = db_col_dup(&r->arena, st, 14);
    c->oname = db_col_dup(&r->arena, st, 15);
  }
  if( step!=DB_ROW && step!=DB_DONE ) goto out;
  int more = n > AUDIT_PAGE_SIZE;
  if( more ) n = AUDIT_PAGE_SIZE;
  for(int k=0; k<n; k++){
    struct cell *c = &cells[newer_paging ? n-1-k : k];
    tmpl_dict *row = tmpl_section(d, "ROW");
    tmpl_set_int(row, "SEQ", c->seq);
    tmpl_set(row, "TIME", c->time);
    tmpl_set(row, "ISO", c->iso);
    tmpl_set(row, "ACTOR", c->actor);
    if( c->acting ) tmpl_set(tmpl_section(row, "ACTING_FOR"), "ACTING_FOR_NAME", c->acting);
    tmpl_set(row, "ACTION", c->action ? c->action : "");
    object_cell(r, row, c->otype ? c->otype : "", c->oid, c->oname ? c->oname : "");
    if( c->rid ){
      tmpl_dict *rl = tmpl_section(row, "REL");
      tmpl_set_int(rl, "REL_ID", c->rid);
      tmpl_set(rl, "REL_LABEL", c->rname && c->rname[0]
               ? arena_printf(&r->arena, "%s %s", c->rname, c->rver ? c->rver : "")
               : arena_printf(&r->arena, "#%lld", (long long)c->rid));
    }
    tmpl_set(row, "IP", c->ip ? c->ip : "");
    if( c->sess && c->sess[0] ){
      tmpl_dict *s = tmpl_section(row, "SESS");
      tmpl_set(s, "SESSION", c->sess);
      tmpl_set(s, "SESSION_SHORT", arena_strndup(&r->arena, c->sess, 12));
    }
    if( c->details && strcmp(c->details, "{}")!=0 ) page_json_fields(tmpl_section(row, "DETAILS"), "FIELD", c->details);
  }
  if( n==0 ){
    tmpl_show(d, "NO_ROWS");
  }else{
    tmpl_show(d, "HAS_ROWS");
    int64_t newest = cells[newer_paging ? n-1 : 0].seq, oldest = cells[newer_paging ? 0 : n-1].seq;
    int has_newer = newer_paging ? more : (q->f.before_seq ? audit_beyond(r, &q->f, 1, newest) : 0);
    int has_older = newer_paging ? audit_beyond(r, &q->f, 0, oldest) : more;
    if( has_newer || has_older ){
      tmpl_dict *p = tmpl_section(d, "PAGER");
      if( has_newer ){
        tmpl_dict *x = tmpl_section(p, "NEWER");
        tmpl_set(x, "NEWER_HREF", with_qs(r, "/audit", qs, arena_printf(&r->arena, "after=%lld", (long long)newest)));
        tmpl_set(x, "NEWEST_HREF", with_qs(r, "/audit", qs, ""));
      }
      if( has_older ){
        tmpl_set(tmpl_section(p, "OLDER"), "OLDER_HREF",
                 with_qs(r, "/audit", qs, arena_printf(&r->arena, "before=%lld", (long long)oldest)));
      }
    }
  }
  rc = HP_OK;
out:
  db_finish(st);
  buf_free(&sql);
  return rc;
}

/*
** GET /audit — the trail, newest first, 50 records a page (keyset paging on
** seq: before= for older pages, after= for newer ones), with the filters of
** struct audit_query and links to download the same records.
*/
int page_audit(struct req *r){
  struct audit_query q;
  char head[100];
  int ok = read_filter(r, &q, 1);
  const char *qs = filter_qs(r, &q);
  tmpl_dict *d = tmpl_dict_new("audit");
  if( d==NULL ) return HP_ERROR;
  tmpl_set(d, "FROM", q.from);
  tmpl_set(d, "TO", q.to);
  tmpl_set(d, "USER", q.user);
  tmpl_set(d, "ACTION", q.action);
  tmpl_set(d, "RELEASE", q.release);
  tmpl_set(d, "IP", q.ip);
  int have_head = audit_head(r->app, head, sizeof(head))==0;
  if( have_head ) tmpl_set(tmpl_section(d, "HEAD"), "HEAD", head);
  long long cp_seq;
  int64_t cp_at;
  if( audit_checkpoint_peek(r->app, &cp_seq, &cp_at) ){
    tmpl_dict *cp = tmpl_section(d, "CHECKPOINT");
    tmpl_set_int(cp, "CP_SEQ", cp_seq);
    tmpl_set(cp, "CP_AT", page_time(r, cp_at));
    tmpl_set(cp, "CP_AGO", page_ago(r, cp_at));
  }else{
    tmpl_dict *cp = tmpl_section(d, "NO_CHECKPOINT");
    tmpl_set_int(cp, "CP_EVERY", r->app->cfg.audit_checkpoint_every);
    tmpl_set(cp, "CP_AFTER", page_duration(r, r->app->cfg.audit_checkpoint_s));
  }
  if( have_head ) action_options(r, d, strtoll(head, NULL, 10));     /* "SEQ:HASH" */
  if( !ok ){
    tmpl_show(d, "HAS_ERRORS");
    page_field_errors(r, d);
    return page_render(r, 400, "audit.tpl", d, "Audit trail");
  }
  tmpl_set(d, "CSV_HREF", with_qs(r, "/audit/export.csv", qs, ""));
  tmpl_set(d, "JSONL_HREF", with_qs(r, "/audit/export.jsonl", qs, ""));
  tmpl_show(d, qs[0] ? "FILTERED" : "UNFILTERED");
  if( qs[0] ) tmpl_show(d, "CLEAR");
  if( audit_rows(r, d, &q, qs)!=HP_OK ){
    tmpl_dict_free(d);
    return HP_ERROR;
  }
  return page_render(r, 200, "audit.tpl", d, "Audit trail");
}

/* ------------------------------------------------------------------ downloads */

/* A download in progress: headers go out with the first bytes, so an early failure still gets an error page. */
struct download {
  struct req *r;
  const char *type, *filename;
  int started;
};

static void download_begin(struct download *dl){
  if( dl->started ) return;
  dl->started = 1;
  resp_header(dl->r, "Content-Disposition",
              arena_printf(&dl->r->arena, "attachment; filename=\"%s\"", dl->filename));
  resp_header(dl->r, "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; sandbox");
  resp_begin_stream(dl->r, 200, dl->type);
}

static int download_write(void *ctx, const char *z, size_t n){
  struct download *dl = ctx;
  download_begin(dl);
  return resp_write(dl->r, z, n);
}

/* "20260102T030405Z" for file names. */
static const char *stamp(struct req *r){
  time_t t = (time_t)(app_now_ms(r->app) / 1000);
  struct tm tm;
  char z[32];
  gmtime_r(&t, &tm);
  strftime(z, sizeof(z), "%Y%m%dT%H%M%SZ", &tm);
  return arena_strdup(&r->arena, z);
}

static int release_exists(struct req *r, int64_t id){
  struct db_stmt *st = db_prepare(r->app->db, "SELECT 1 FROM releases WHERE id=:id");
  int found = st && db_bind_int64(st, ":id", id)==0 && db_step(st)==DB_ROW;
  db_finish(st);
  return found;
}

/*
** Record the export in the trail (its own transaction, before any byte goes
** out: an export that cannot be recorded does not happen), then stream the
** records.  A HEAD request gets the headers only and is not recorded.
*/
static int audit_download(struct req *r, const struct export_filter *f, enum export_format fmt,
                          int64_t release_id, const char *filename){
  struct download dl = { r, fmt==EXPORT_CSV ? "text/csv; charset=utf-8; header=present"
                                            : "application/jsonl; charset=utf-8", filename, 0 };
  if( strcmp(r->method, "HEAD")==0 ){
    download_begin(&dl);
    return HP_OK;
  }
  if( req_audit_tx(r, "audit.export", release_id ? "release" : "", release_id, release_id, "{s:s,s:o}",
                     "format", fmt==EXPORT_CSV ? "csv" : "jsonl", "filters", export_filter_json(f)) ){
    return HP_UNAVAILABLE;
  }
  int64_t n = 0;
  int rc = export_audit(r->app->db, f, fmt, download_write, &dl, &n);
  if( rc!=HP_OK && !dl.started ) return HP_ERROR;
  if( rc!=HP_OK ){
    log_msg("%s: audit export stopped after %lld rows; the download is cut", r->request_id, (long long)n);
    resp_abort(r);
    return HP_OK;
  }
  download_begin(&dl);                                  /* no rows at all: an empty body */
  return HP_OK;
}

/* GET /audit/export.csv — the records of /audit's filters, oldest first, as CSV. */
int page_audit_csv(struct req *r){
  struct audit_query q;
  if( !read_filter(r, &q, 0) ) return HP_BAD_REQUEST;
  return audit_download(r, &q.f, EXPORT_CSV, 0, arena_printf(&r->arena, "holdpoint-audit-%s.csv", stamp(r)));
}

/* GET /audit/export.jsonl — the same as JSON Lines. */
int page_audit_jsonl(struct req *r){
  struct audit_query q;
  if( !read_filter(r, &q, 0) ) return HP_BAD_REQUEST;
  return audit_download(r, &q.f, EXPORT_JSONL, 0, arena_printf(&r->arena, "holdpoint-audit-%s.jsonl", stamp(r)));
}

/* GET /releases/{id}/audit.csv — every record about one release. */
int page_audit_release_csv(struct req *r){
  struct export_filter f;
  int64_t id = r->ids[0];
  if( !release_exists(r, id) ) return HP_NOT_FOUND;
  memset(&f, 0, sizeof(f));
  f.release_id = id;
  return audit_download(r, &f, EXPORT_CSV, id,
                        arena_printf(&r->arena, "holdpoint-audit-release-%lld.csv", (long long)id));
}

/*
** GET /releases/{id}/report.pdf — the release's report.  The export record
** and the chain head printed in the report come from one transaction, so
** the head printed is the record of this very report.
*/
int page_audit_release_pdf(struct req *r){
  int64_t id = r->ids[0];
  char head[100];
  struct download dl = { r, "application/pdf",
                         arena_printf(&r->arena, "holdpoint-audit-release-%lld.pdf", (long long)id), 0 };
  if( !release_exists(r, id) ) return HP_NOT_FOUND;
  if( strcmp(r->method, "HEAD")==0 ){
    download_begin(&dl);
    return HP_OK;
  }
  struct db *db = r->app->db;
  if( db_begin_write(db) ) return HP_UNAVAILABLE;
  if( req_audit(r, "audit.export", "release", id, id, "{s:s}", "format", "pdf")
   || audit_head(r->app, head, sizeof(head)) || db_commit(db) ){
    db_rollback(db);
    return HP_ERROR;
  }
  const char *who = person(r, r->user->display_name, r->user->username);
  int rc = export_pdf_release(r->app, id, head, who, r->user->time_zone, download_write, &dl);
  if( rc==HP_OK ) return HP_OK;
  if( !dl.started ) return rc==HP_NOT_FOUND ? HP_NOT_FOUND : HP_ERROR;
  log_msg("%s: the PDF report of release %lld was cut short", r->request_id, (long long)id);
  return HP_OK;
}

/* ------------------------------------------------------------------ GET /releases/{id}/approvals */

/* One approval activity on the page, with its rounds. */
struct appr {
  int64_t id;
  int rounds;
  tmpl_dict *d;
  tmpl_dict **round;          /* [rounds], round k at index k-1 */
  int *votes;                 /* votes shown per round */
  int history, actions, notes;
};

static struct appr *appr_find(struct appr *v, int n, int64_t id){
  for(int i=0; i<n; i++) if( v[i].id==id ) return &v[i];
  return NULL;
}

/* A notification's recipient without secrets: a URL shows its scheme and host only. */
static const char *recipient_shown(struct req *r, const char *z){
  const char *p = strstr(z, "://");
  if( p==NULL ) return z;
  size_t n = (size_t)(p + 3 - z) + strcspn(p + 3, "/?#");
  return arena_printf(&r->arena, "%.*s/…", (int)n, z);
}

static int approvals_release(struct req *r, tmpl_dict *d, int64_t id){
  struct db_stmt *st = db_prepare(r->app->db,
    "SELECT r.name, r.version, r.artifact, r.status, coalesce(t.name,''), coalesce(t.version,0),"
    " coalesce(u.display_name,''), coalesce(u.username,''), r.created_at, coalesce(r.finished_at,0)"
    " FROM releases r LEFT JOIN templates t ON t.id=r.template_id LEFT JOIN users u ON u.id=r.started_by"
    " WHERE r.id=:id");
  int rc = HP_ERROR;
  if( st==NULL || db_bind_int64(st, ":id", id) ) goto out;
  int step = db_step(st);
  if( step==DB_DONE ){ rc = HP_NOT_FOUND; goto out; }
  if( step!=DB_ROW ) goto out;
  tmpl_set_int(d, "RELEASE_ID", id);
  tmpl_set(d, "RELEASE_NAME", db_col_text(st, 0));
  tmpl_set(d, "RELEASE_VERSION", db_col_text(st, 1));
  tmpl_set(d, "ARTIFACT", db_col_text(st, 2));
  tmpl_set(d, "STATUS", db_col_text(st, 3));
  tmpl_set(d, "STATUS_LABEL", page_status_label(db_col_text(st, 3)));
  if( db_col_text(st, 4)[0] ){
    tmpl_set(d, "TEMPLATE", arena_printf(&r->arena, "%s, version %lld", db_col_text(st, 4),
                                         (long long)db_col_int64(st, 5)));
  }
  tmpl_set(d, "STARTED_BY", person(r, db_col_text(st, 6), db_col_text(st, 7)));
  const char *iso;
  tmpl_set(d, "STARTED_AT", ms_time(r, db_col_int64(st, 8), &iso));
  tmpl_set(d, "STARTED_ISO", iso);
  if( db_col_int64(st, 9) ){
    tmpl_dict *f = tmpl_section(d, "FINISHED");
    tmpl_set(f, "FINISHED_AT", ms_time(r, db_col_int64(st, 9), &iso));
    tmpl_set(f, "FINISHED_ISO", iso);
  }
  rc = HP_OK;
out:
  db_finish(st);
  return rc;
}

/* Prepare and bind :id; NULL on error. */
static struct db_stmt *rel_query(struct req *r, const char *sql, int64_t id){
  struct db_stmt *st = db_prepare(r->app->db, sql);
  if( st && db_bind_int64(st, ":id", id) ){ db_finish(st); st = NULL; }
  return st;
}

/* The approval activities that were triggered, each with one ROUND per round so far. */
static int approvals_activities(struct req *r, tmpl_dict *d, int64_t id, struct appr **out, int *nout){
  struct db_stmt *st = rel_query(r,
    "SELECT a.id, a.name, a.status, coalesce(a.result,''), a.round, ph.name, a.signature_required,"
    " a.signature_meaning, coalesce(a.activated_at,0), coalesce(a.finished_at,0),"
    " (a.activated_at IS NOT NULL OR a.round>1 OR EXISTS(SELECT 1 FROM decisions x WHERE x.activity_id=a.id)),"
    " a.kind"
    " FROM phases ph CROSS JOIN activities a ON a.phase_id=ph.id"     /* in order, through activities_phase */
    " WHERE ph.release_id=:id AND a.release_id=:id AND a.kind IN ('approval','manual')"
    " ORDER BY ph.position, a.position", id);
  int rc = HP_ERROR, n = 0, step;
  size_t cap = 0;
  struct appr *v = NULL;
  if( st==NULL ) goto out;
  while( (step = db_step(st))==DB_ROW ){
    if( !db_col_int(st, 10) ){
      tmpl_set(tmpl_section(d, "NOT_TRIGGERED"), "NT_NAME", db_col_text(st, 1));
      tmpl_show(d, "HAS_NOT_TRIGGERED");
      continue;
    }
    if( (v = arena_grow(&r->arena, v, (size_t)n, &cap, sizeof(*v)))==NULL ) goto out;
    struct appr *a = &v[n++];
    memset(a, 0, sizeof(*a));
    a->id = db_col_int64(st, 0);
    a->rounds = db_col_int(st, 4);
    if( a->rounds<1 ) a->rounds = 1;
    if( a->rounds>1000 ) a->rounds = 1000;
    a->d = tmpl_section(d, "ACTIVITY");
    tmpl_set_int(a->d, "ACT_ID", a->id);
    tmpl_set(a->d, "ACT_NAME", db_col_text(st, 1));
    tmpl_set(a->d, "ACT_STATUS", db_col_text(st, 2));
    tmpl_set(a->d, "ACT_STATUS_LABEL", page_status_label(db_col_text(st, 2)));
    if( db_col_text(st, 3)[0] ) tmpl_set(tmpl_section(a->d, "ACT_RESULT"), "RESULT", db_col_text(st, 3));
    tmpl_set(a->d, "PHASE", db_col_text(st, 5));
    tmpl_set(a->d, "ACT_KIND", strcmp(db_col_text(st, 11), "manual")==0 ? "Manual task" : "Approval");
    tmpl_set_int(a->d, "ROUNDS", a->rounds);
    if( db_col_int(st, 6) ) tmpl_set(tmpl_section(a->d, "SIG_REQUIRED"), "REQUIRED_MEANING", db_col_text(st, 7));
    const char *iso;
    if( db_col_int64(st, 8) ){
      tmpl_dict *x = tmpl_section(a->d, "ACTIVATED");
      tmpl_set(x, "ACTIVATED_AT", ms_time(r, db_col_int64(st, 8), &iso));
      tmpl_set(x, "ACTIVATED_ISO", iso);
    }
    if( db_col_int64(st, 9) ){
      tmpl_dict *x = tmpl_section(a->d, "ACT_FINISHED");
      tmpl_set(x, "ACT_FINISHED_AT", ms_time(r, db_col_int64(st, 9), &iso));
      tmpl_set(x, "ACT_FINISHED_ISO", iso);
    }
    a->round = arena_alloc(&r->arena, (size_t)a->rounds * sizeof(*a->round));
    a->votes = arena_alloc(&r->arena, (size_t)a->rounds * sizeof(*a->votes));
    if( a->round==NULL || a->votes==NULL ) goto out;
    for(int k=0; k<a->rounds; k++){
      a->round[k] = tmpl_section(a->d, "ROUND");
      tmpl_set_int(a->round[k], "ROUND", k + 1);
      if( k+1==a->rounds ) tmpl_show(a->round[k], "CURRENT");
      else tmpl_show(a->round[k], "EARLIER");
    }
  }
  if( step!=DB_DONE ) goto out;
  rc = HP_OK;
out:
  db_finish(st);
  *out = v;
  *nout = n;
  return rc;
}

/* One eligible person of a round, for sorting. */
struct elig { int64_t act; int round; const char *name; };

static int elig_cmp(const void *a, const void *b){
  const struct elig *x = a, *y = b;
  if( x->act!=y->act ) return x->act<y->act ? -1 : 1;
  if( x->round!=y->round ) return x->round<y->round ? -1 : 1;
  return strcmp(x->name, y->name);
}

/* Who was eligible in each round, by name, each once (a person may be in two rules).  Grouped
   here rather than by the database (GROUP BY and DISTINCT cost it two temporary b-trees). */
static int approvals_eligible(struct req *r, int64_t id, struct appr *v, int n){
  struct db_stmt *st = rel_query(r,
    "SELECT e.activity_id, e.round, u.username"
    " FROM activities a CROSS JOIN eligible e ON e.activity_id=a.id JOIN users u ON u.id=e.user_id"
    " WHERE a.release_id=:id AND a.kind IN ('approval','manual') LIMIT 100000", id);
  int step, m = 0;
  size_t cap = 0;
  struct elig *e = NULL;
  if( st==NULL ) return HP_ERROR;
  while( (step = db_step(st))==DB_ROW ){
    if( (e = arena_grow(&r->arena, e, (size_t)m, &cap, sizeof(*e)))==NULL ){ db_finish(st); return HP_ERROR; }
    e[m].act = db_col_int64(st, 0);
    e[m].round = db_col_int(st, 1);
    e[m].name = db_col_dup(&r->arena, st, 2);
    if( e[m].name ) m++;
  }
  db_finish(st);
  if( step!=DB_DONE ) return HP_ERROR;
  if( m>1 ) qsort(e, (size_t)m, sizeof(*e), elig_cmp);
  for(int i=0; i<m; ){
    int j = i;
    struct buf b;                                 /* "carol, dave" */
    buf_init(&b);
    for(; j<m && e[j].act==e[i].act && e[j].round==e[i].round; j++){
      if( j>i && strcmp(e[j].name, e[j-1].name)==0 ) continue;
      if( j>i ) buf_puts(&b, ", ");
      buf_puts(&b, e[j].name);
    }
    struct appr *a = appr_find(v, n, e[i].act);
    if( a && e[i].round>=1 && e[i].round<=a->rounds ){
      tmpl_set(tmpl_section(a->round[e[i].round-1], "ELIGIBLE"), "ELIGIBLE_NAMES", b.z ? b.z : "");
    }
    buf_free(&b);
    i = j;
  }
  return HP_OK;
}

/* A row of a round (an input or a file), for sorting: by activity, round, then k1 and k2. */
struct rrow { int64_t act, k1, k2; int round; const char *s[5]; };

static int rrow_cmp(const void *a, const void *b){
  const struct rrow *x = a, *y = b;
  if( x->act!=y->act ) return x->act<y->act ? -1 : 1;
  if( x->round!=y->round ) return x->round<y->round ? -1 : 1;
  if( x->k1!=y->k1 ) return x->k1<y->k1 ? -1 : 1;
  return x->k2<y->k2 ? -1 : x->k2>y->k2;
}

/* Rows of st (activity, round, k1, k2, then ns strings) into *out, sorted.  Their number, or -1. */
static int rrows_read(struct req *r, struct db_stmt *st, int ns, struct rrow **out){
  struct rrow *w = NULL;
  size_t cap = 0;
  int m = 0, step;
  while( (step = db_step(st))==DB_ROW ){
    if( (w = arena_grow(&r->arena, w, (size_t)m, &cap, sizeof(*w)))==NULL ) break;
    struct rrow *x = &w[m++];
    x->act = db_col_int64(st, 0);
    x->round = db_col_int(st, 1);
    x->k1 = db_col_int64(st, 2);
    x->k2 = db_col_int64(st, 3);
    for(int i=0; i<ns; i++){
      const char *z = db_col_dup(&r->arena, st, 4 + i);
      x->s[i] = z ? z : "";
    }
  }
  db_finish(st);
  if( step!=DB_DONE ) return -1;
  if( m>1 ) qsort(w, (size_t)m, sizeof(*w), rrow_cmp);
  *out = w;
  return m;
}

/*
** What was filled in and uploaded in each round: the form's values by label in
** the form's order, and the files in the order they came.  Read from the
** release's activities and put in order here (no temporary b-tree).
*/
static int approvals_inputs(struct req *r, int64_t id, struct appr *v, int n){
  struct rrow *w;
  struct db_stmt *st = rel_query(r,
    "SELECT a.id, i.round, coalesce(f.position, 1000000), i.id, coalesce(f.label, i.field_key), i.value,"
    " coalesce(f.type,''), coalesce(u.display_name,''), coalesce(u.username,'')"
    " FROM activities a CROSS JOIN inputs i ON i.activity_id=a.id"
    " LEFT JOIN fields f ON f.activity_id=i.activity_id AND f.key=i.field_key LEFT JOIN users u ON u.id=i.user_id"
    " WHERE a.release_id=:id AND a.kind IN ('approval','manual')", id);
  int m = st ? rrows_read(r, st, 5, &w) : -1;
  if( m<0 ) return HP_ERROR;
  for(int i=0; i<m; i++){
    struct appr *a = appr_find(v, n, w[i].act);
    int k = w[i].round;
    if( a==NULL || k<1 || k>a->rounds ) continue;
    tmpl_dict *x = tmpl_section(a->round[k-1], "INPUT");
    tmpl_show(a->round[k-1], "HAS_INPUTS");
    tmpl_set(x, "INPUT_LABEL", w[i].s[0]);
    const char *val = w[i].s[1];
    if( strcmp(w[i].s[2], "checkbox")==0 ) val = strcmp(val, "on")==0 ? "Yes" : "No";
    tmpl_set(x, "INPUT_VALUE", val);
    tmpl_set(x, "INPUT_BY", person(r, w[i].s[3], w[i].s[4]));
  }
  st = rel_query(r,
    "SELECT a.id, e.round, e.at, e.id, coalesce(f.label, e.field_key), e.original_name, e.sha256"
    " FROM activities a CROSS JOIN evidence e ON e.activity_id=a.id"
    " LEFT JOIN fields f ON f.activity_id=e.activity_id AND f.key=e.field_key"
    " WHERE a.release_id=:id AND a.kind IN ('approval','manual')", id);
  m = st ? rrows_read(r, st, 3, &w) : -1;
  if( m<0 ) return HP_ERROR;
  for(int i=0; i<m; i++){
    struct appr *a = appr_find(v, n, w[i].act);
    int k = w[i].round;
    if( a==NULL || k<1 || k>a->rounds ) continue;
    tmpl_dict *x = tmpl_section(a->round[k-1], "FILE");
    tmpl_show(a->round[k-1], "HAS_FILES");
    tmpl_set(x, "FILE_FIELD", w[i].s[0]);
    tmpl_set(x, "FILE_NAME", w[i].s[1]);
    tmpl_set(x, "FILE_SHA", w[i].s[2]);
    tmpl_set_int(x, "FILE_ID", w[i].k2);
  }
  return HP_OK;
}

/* Every vote, by round, with its signature manifestation and who acted for whom. */
static int approvals_votes(struct req *r, int64_t id, struct appr *v, int n){
  struct db_stmt *st = rel_query(r,
    "SELECT d.activity_id, d.round, d.decision, d.comment, d.signed, d.signature_name, d.signature_meaning,"
    " d.at, d.ip, d.channel, d.session_hash, coalesce(u.display_name,''), coalesce(u.username,''),"
    " coalesce(ac.display_name,''), coalesce(ac.username,''), d.actor_id<>d.user_id"
    " FROM decisions d JOIN activities a ON a.id=d.activity_id"
    " LEFT JOIN users u ON u.id=d.user_id LEFT JOIN users ac ON ac.id=d.actor_id"
    " WHERE a.release_id=:id AND a.kind IN ('approval','manual')"
    /* each activity's votes by round and time; activities by name (one a name): both in index order */
    " ORDER BY a.name, d.round, d.at, d.id", id);
  int step;
  if( st==NULL ) return HP_ERROR;
  while( (step = db_step(st))==DB_ROW ){
    struct appr *a = appr_find(v, n, db_col_int64(st, 0));
    int k = db_col_int(st, 1);
    if( a==NULL ) continue;
    if( k<1 ) k = 1;
    if( k>a->rounds ) k = a->rounds;
    a->votes[k-1]++;
    tmpl_dict *x = tmpl_section(a->round[k-1], "VOTE");
    const char *iso;
    tmpl_set(x, "VOTE_AT", ms_time(r, db_col_int64(st, 7), &iso));
    tmpl_set(x, "VOTE_ISO", iso);
    tmpl_set(x, "VOTER", person(r, db_col_text(st, 11), db_col_text(st, 12)));
    if( db_col_int(st, 15) ){
      tmpl_set(tmpl_section(x, "ACTING"), "ACTOR", person(r, db_col_text(st, 13), db_col_text(st, 14)));
    }
    const char *dec = db_col_text(st, 2);
    tmpl_set(x, "DECISION", dec);
    tmpl_set(x, "DECISION_LABEL", export_decision_label(dec));
    tmpl_set(x, "DECISION_CLASS", strcmp(dec, "approve")==0 ? "approved" : strcmp(dec, "reject")==0 ? "rejected" : "pending");
    if( db_col_text(st, 3)[0] ) tmpl_set(tmpl_section(x, "COMMENT"), "COMMENT_TEXT", db_col_text(st, 3));
    else tmpl_show(x, "NO_COMMENT");
    if( db_col_int(st, 4) ){
      tmpl_dict *s = tmpl_section(x, "SIGNED");
      tmpl_set(s, "SIG_NAME", db_col_text(st, 5));
      tmpl_set(s, "SIG_AT", ms_time(r, db_col_int64(st, 7), NULL));
      tmpl_set(s, "SIG_MEANING", db_col_text(st, 6));
    }else{
      tmpl_show(x, "UNSIGNED");
    }
    if( db_col_text(st, 8)[0] ) tmpl_set(tmpl_section(x, "VOTE_IP"), "IP", db_col_text(st, 8));
    tmpl_set(x, "CHANNEL", db_col_text(st, 9));
    if( db_col_text(st, 10)[0] ){
      tmpl_set(tmpl_section(x, "VOTE_SESSION"), "SESSION_SHORT", arena_strndup(&r->arena, db_col_text(st, 10), 12));
    }
  }
  db_finish(st);
  if( step!=DB_DONE ) return HP_ERROR;
  for(int i=0; i<n; i++){
    for(int k=0; k<v[i].rounds; k++){
      tmpl_show(v[i].round[k], v[i].votes[k] ? "HAS_VOTES" : "NO_VOTES");
    }
  }
  return HP_OK;
}

/*
** The activity's history from the trail, and the actions that ran after an
** approval (records "action.*" that name the activity as their object or in
** details.activity_id).
*/
static int approvals_history(struct req *r, int64_t id, struct appr *v, int n){
  struct db_stmt *st = rel_query(r,
    "SELECT a.seq, a.at, a.actor_name, a.action, a.details_json,"
    " CASE WHEN a.object_type='activity' THEN a.object_id"
    "      WHEN json_valid(a.details_json) THEN CAST(json_extract(a.details_json,'$.activity_id') AS INTEGER) END"
    " FROM audit_log a WHERE a.release_id=:id AND (a.object_type='activity' OR a.action LIKE 'action.%')"
    " ORDER BY a.seq", id);
  int step;
  if( st==NULL ) return HP_ERROR;
  while( (step = db_step(st))==DB_ROW ){
    struct appr *a = appr_find(v, n, db_col_int64(st, 5));
    if( a==NULL ) continue;
    const char *action = db_col_text(st, 3), *iso;
    int is_action = strncmp(action, "action.", 7)==0;
    tmpl_dict *x = tmpl_section(a->d, is_action ? "ACTION_RUN" : "HISTORY");
    if( is_action ) a->actions++; else a->history++;
    tmpl_set_int(x, "H_SEQ", db_col_int64(st, 0));
    tmpl_set(x, "H_AT", ms_time(r, db_col_int64(st, 1), &iso));
    tmpl_set(x, "H_ISO", iso);
    tmpl_set(x, "H_ACTOR", db_col_text(st, 2)[0] ? db_col_text(st, 2) : "system");
    tmpl_set(x, "H_ACTION", action);
    if( strcmp(db_col_text(st, 4), "{}")!=0 ) page_json_fields(tmpl_section(x, "H_DETAILS"), "FIELD", db_col_text(st, 4));
  }
  db_finish(st);
  return step==DB_DONE ? HP_OK : HP_ERROR;
}

/* One notification about an activity, for sorting by time. */
struct note { int64_t act, at, attempts; int seq; const char *channel, *to, *event, *status; };

static int note_cmp(const void *a, const void *b){
  const struct note *x = a, *y = b;
  if( x->at!=y->at ) return x->at<y->at ? -1 : 1;
  return x->seq<y->seq ? -1 : x->seq>y->seq;
}

/*
** Notifications about each activity, oldest first: the outbox messages about
** it, and the in-app notifications that link to it; both through indexes
** (outbox's activity_id, written with each message, and notifications' link),
** from the release's activities, and put in time order here (an ORDER BY over
** the two would sort each in a temporary b-tree and merge them).
*/
static int approvals_notifications(struct req *r, int64_t id, struct appr *v, int n){
  static const char *const sql[2] = {
    "SELECT a.id, o.channel, o.recipient, o.event, o.status, o.attempts, o.created_at"
    " FROM activities a CROSS JOIN outbox o ON o.activity_id=a.id"
    " WHERE a.release_id=:id AND a.kind IN ('approval','manual')",
    "SELECT a.id, 'in-app', coalesce(u.username,''), nt.text,"
    "  CASE WHEN nt.read_at IS NULL THEN 'unread' ELSE 'read' END, 1, nt.created_at"
    " FROM activities a CROSS JOIN notifications nt ON nt.link='/activities/'||a.id LEFT JOIN users u ON u.id=nt.user_id"
    " WHERE a.release_id=:id AND a.kind IN ('approval','manual')",
  };
  struct note *w = NULL;
  size_t cap = 0;
  int m = 0, step = DB_DONE;
  for(int q=0; q<2 && step==DB_DONE; q++){
    struct db_stmt *st = rel_query(r, sql[q], id);
    if( st==NULL ) return HP_ERROR;
    while( (step = db_step(st))==DB_ROW ){
      if( (w = arena_grow(&r->arena, w, (size_t)m, &cap, sizeof(*w)))==NULL ){ step = DB_ERROR; break; }
      struct note *x = &w[m];
      x->act = db_col_int64(st, 0);
      x->channel = db_col_dup(&r->arena, st, 1);
      x->to = db_col_dup(&r->arena, st, 2);
      x->event = db_col_dup(&r->arena, st, 3);
      x->status = db_col_dup(&r->arena, st, 4);
      x->attempts = db_col_int64(st, 5);
      x->at = db_col_int64(st, 6);
      x->seq = m;
      if( x->channel && x->to && x->event && x->status ) m++;
    }
    db_finish(st);
  }
  if( step!=DB_DONE ) return HP_ERROR;
  if( m>1 ) qsort(w, (size_t)m, sizeof(*w), note_cmp);
  for(int i=0; i<m; i++){
    struct appr *a = appr_find(v, n, w[i].act);
    if( a==NULL ) continue;
    a->notes++;
    tmpl_dict *x = tmpl_section(a->d, "NOTE");
    const char *iso;
    tmpl_set(x, "N_AT", ms_time(r, w[i].at, &iso));
    tmpl_set(x, "N_ISO", iso);
    tmpl_set(x, "N_CHANNEL", w[i].channel);
    tmpl_set(x, "N_RECIPIENT", recipient_shown(r, w[i].to));
    tmpl_set(x, "N_EVENT", w[i].event);
    tmpl_set(x, "N_STATUS", w[i].status);
    tmpl_set_int(x, "N_ATTEMPTS", w[i].attempts);
  }
  return HP_OK;
}

/*
** GET /releases/{id}/approvals — the approvals log: every approval activity
** that was triggered, round by round: who was eligible, who voted what with
** comment and signature manifestation, who acted for whom; the actions and
** notifications that ran; the activity's history; links to the downloads.
** Read-only, a bounded number of queries whatever the number of votes.
*/
int page_audit_approvals(struct req *r){
  int64_t id = r->ids[0];
  struct appr *v = NULL;
  int n = 0;
  tmpl_dict *d = tmpl_dict_new("approvals_log");
  if( d==NULL ) return HP_ERROR;
  int rc = approvals_release(r, d, id);
  if( rc==HP_OK ) rc = approvals_activities(r, d, id, &v, &n);
  if( rc==HP_OK ) rc = approvals_eligible(r, id, v, n);
  if( rc==HP_OK ) rc = approvals_votes(r, id, v, n);
  if( rc==HP_OK ) rc = approvals_inputs(r, id, v, n);
  if( rc==HP_OK ) rc = approvals_history(r, id, v, n);
  if( rc==HP_OK ) rc = approvals_notifications(r, id, v, n);
  if( rc!=HP_OK ){
    tmpl_dict_free(d);
    return rc;
  }
  for(int i=0; i<n; i++){
    tmpl_show(v[i].d, v[i].actions ? "HAS_ACTIONS" : "NO_ACTIONS");
    tmpl_show(v[i].d, v[i].notes ? "HAS_NOTES" : "NO_NOTES");
    tmpl_show(v[i].d, v[i].history ? "HAS_HISTORY" : "NO_HISTORY");
  }
  if( n==0 ) tmpl_show(d, "NO_ACTIVITIES");
  if( req_has_role(r, ROLE_AUDITOR|ROLE_ADMIN) ) tmpl_show(d, "MAY_CSV");
  return page_render(r, 200, "approvals_log.tpl", d, "Approvals log");
}

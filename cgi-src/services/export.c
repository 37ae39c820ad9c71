/* export.c — audit exports shared by the web and the command line: CSV, JSON Lines, the PDF report of a release. */
#include "export.h"
#include "hp.h"
#include "util.h"
#include "app.h"
#include "db.h"
#include "log.h"
#include <hpdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int export_write_stdio(void *ctx, const char *z, size_t n){
  return fwrite(z, 1, n, (FILE*)ctx)==n ? 0 : -1;
}

/* ------------------------------------------------------------------ filters */

void export_filter_sql(const struct export_filter *f, struct buf *where){
  if( f->from_ms ) buf_puts(where, " AND a.at >= :from");
  if( f->until_ms ) buf_puts(where, " AND a.at < :until");
  if( f->user && f->user[0] ){
    /* a person's records through the index on actor_id; names without an account (the
       command line, the seed) by name among the records without an actor id */
    buf_puts(where, " AND a.actor_id = coalesce((SELECT id FROM users WHERE username = :user), 0)"
                    " AND (a.actor_id <> 0 OR a.actor_name = :user)");
  }
  if( f->action && f->action[0] ){
    size_t n = strlen(f->action);
    /* "auth." means every action under auth: a range, so the index on action serves it */
    if( f->action[n-1]=='.' ) buf_puts(where, " AND a.action >= :action AND a.action < :action_end");
    else buf_puts(where, " AND a.action = :action");
  }
  if( f->release_id ) buf_puts(where, " AND a.release_id = :rel");
  if( f->ip && f->ip[0] ) buf_puts(where, " AND a.ip = :ip");
  if( f->before_seq ) buf_puts(where, " AND a.seq < :before");
  if( f->after_seq ) buf_puts(where, " AND a.seq > :after");
}

int export_filter_bind(struct db_stmt *st, const struct export_filter *f){
  int bad = 0;
  if( f->from_ms ) bad |= db_bind_int64(st, ":from", f->from_ms);
  if( f->until_ms ) bad |= db_bind_int64(st, ":until", f->until_ms);
  if( f->user && f->user[0] ) bad |= db_bind_text(st, ":user", f->user);
  if( f->action && f->action[0] ){
    size_t n = strlen(f->action);
    bad |= db_bind_text(st, ":action", f->action);
    if( f->action[n-1]=='.' ){
      char end[80];
      if( n>=sizeof(end) ) return -1;
      memcpy(end, f->action, n);
      end[n-1] = '.' + 1;             /* "auth." .. "auth/": everything that starts with "auth." */
      end[n] = 0;
      bad |= db_bind_text(st, ":action_end", end);
    }
  }
  if( f->release_id ) bad |= db_bind_int64(st, ":rel", f->release_id);
  if( f->ip && f->ip[0] ) bad |= db_bind_text(st, ":ip", f->ip);
  if( f->before_seq ) bad |= db_bind_int64(st, ":before", f->before_seq);
  if( f->after_seq ) bad |= db_bind_int64(st, ":after", f->after_seq);
  return bad ? -1 : 0;
}

static void date_of(int64_t ms, char out[11]){
  time_t t = (time_t)(ms/1000);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, 11, "%Y-%m-%d", &tm);
}

json_t *export_filter_json(const struct export_filter *f){
  json_t *j = json_object();
  if( j==NULL ) return NULL;
  char d[11];
  if( f->from_ms ){ date_of(f->from_ms, d); json_object_set_new(j, "from", json_string(d)); }
  if( f->until_ms ){ date_of(f->until_ms - 1, d); json_object_set_new(j, "to", json_string(d)); }
  if( f->user && f->user[0] ) json_object_set_new(j, "user", json_string(f->user));
  if( f->action && f->action[0] ) json_object_set_new(j, "action", json_string(f->action));
  if( f->release_id ) json_object_set_new(j, "release", json_integer(f->release_id));
  if( f->ip && f->ip[0] ) json_object_set_new(j, "ip", json_string(f->ip));
  return j;
}

/* ------------------------------------------------------------------ text */


/*
** Append z to out as valid UTF-8, in runs; with quotes, every '"' is
** doubled (CSV).  Invalid bytes become U+FFFD.
*/
static void append_clean(struct buf *out, const char *z, int quotes){
  const unsigned char *p = (const unsigned char*)z, *run = p;
  while( *p ){
    if( *p<0x80 ){
      if( quotes && *p=='"' ){
        buf_append(out, (const char*)run, (size_t)(p - run + 1));   /* up to and with the quote */
        buf_puts(out, "\"");
        run = ++p;
        continue;
      }
      p++;
      continue;
    }
    unsigned cp;
    size_t n = util_utf8_decode(p, 4, &cp);   /* stops at the NUL: it is no continuation byte */
    if( n==0 ){
      buf_append(out, (const char*)run, (size_t)(p - run));
      buf_puts(out, "\xEF\xBF\xBD");
      run = ++p;
      continue;
    }
    p += n;
  }
  buf_append(out, (const char*)run, (size_t)(p - run));
}

void export_utf8_clean(struct buf *out, const char *z){
  append_clean(out, z ? z : "", 0);
}

void export_csv_cell(struct buf *out, const char *z){
  if( z==NULL ) z = "";
  int guard = z[0]=='=' || z[0]=='+' || z[0]=='-' || z[0]=='@' || z[0]=='\t' || z[0]=='\r';
  int quote = strpbrk(z, "\",\r\n")!=NULL;
  if( quote ) buf_puts(out, "\"");
  if( guard ) buf_puts(out, "'");
  append_clean(out, z, quote);
  if( quote ) buf_puts(out, "\"");
}

/* Windows-1252 bytes 0x80..0x9F and the code points they stand for (0: unused). */
static const unsigned short cp1252_high[32] = {
  0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
  0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
  0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
  0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
};

size_t export_pdf_text(const char *utf8, char *out, size_t nout){
  const unsigned char *p = (const unsigned char*)(utf8 ? utf8 : "");
  size_t n = 0;
  if( nout==0 ) return 0;
  while( *p && n+1<nout ){
    unsigned cp;
    size_t len = util_utf8_decode(p, 4, &cp);
    unsigned char c = '?';
    if( len==0 ){
      len = 1;                               /* not UTF-8: one '?' per bad byte */
    }else if( cp=='\n' ){
      c = '\n';
    }else if( cp=='\t' || cp=='\r' ){
      c = ' ';
    }else if( (cp>=0x20 && cp<0x7F) || (cp>=0xA0 && cp<=0xFF) ){
      c = (unsigned char)cp;
    }else if( cp>=0x100 ){
      for(int i=0; i<32; i++) if( cp1252_high[i]==cp ){ c = (unsigned char)(0x80 + i); break; }
    }
    out[n++] = (char)c;
    p += len;
  }
  out[n] = 0;
  return n;
}

/* ------------------------------------------------------------------ CSV and JSON Lines */

#define EXPORT_FLUSH 32768       /* bytes gathered before they are handed to the writer */

/*
** The exported columns: the SELECT below yields them in this order, and
** both formats read each by its entry here (name and kind), never by a bare
** position.  TIME adds "time_ms" beside "time_utc" in JSON.
*/
enum col_kind { COL_INT, COL_TIME, COL_ID, COL_TEXT, COL_JSON };
static const struct { const char *name; enum col_kind kind; } columns[] = {
  { "seq", COL_INT }, { "time_utc", COL_TIME }, { "actor_id", COL_ID }, { "actor", COL_TEXT },
  { "actor_display_name", COL_TEXT }, { "acting_for_id", COL_ID }, { "acting_for", COL_TEXT },
  { "ip", COL_TEXT }, { "session_hash", COL_TEXT }, { "user_agent", COL_TEXT },
  { "request_id", COL_TEXT }, { "action", COL_TEXT }, { "object_type", COL_TEXT },
  { "object_id", COL_ID }, { "release_id", COL_ID }, { "details", COL_JSON },
  { "prev_hash", COL_TEXT }, { "hash", COL_TEXT },
};

static const char export_sql[] =
  "SELECT a.seq, a.at, a.actor_id, a.actor_name, u.display_name, a.acting_for_id, f.username,"
  " a.ip, a.session_hash, a.user_agent, a.request_id, a.action, a.object_type, a.object_id,"
  " a.release_id, a.details_json, a.prev_hash, a.hash"
  " FROM audit_log a LEFT JOIN users u ON u.id=a.actor_id AND a.actor_id>0"
  " LEFT JOIN users f ON f.id=a.acting_for_id AND a.acting_for_id>0"
  " WHERE 1=1";

/* An id column: empty (CSV) or null (JSON) for 0 and NULL, which mean "none". */
static int64_t col_id(struct db_stmt *st, int i){
  return db_col_null(st, i) ? 0 : db_col_int64(st, i);
}

static void csv_id(struct buf *b, int64_t v){
  if( v ) buf_printf(b, "%lld", (long long)v);
}

static void csv_row(struct buf *b, struct db_stmt *st){
  char t[40];
  for(int i=0; i<(int)HP_ARRAY_SIZE(columns); i++){
    if( i ) buf_puts(b, ",");
    switch( columns[i].kind ){
      case COL_INT:  buf_printf(b, "%lld", (long long)db_col_int64(st, i)); break;
      case COL_TIME: buf_puts(b, app_iso_time(db_col_int64(st, i), t, sizeof(t))); break;
      case COL_ID:   csv_id(b, col_id(st, i)); break;
      case COL_TEXT: case COL_JSON: export_csv_cell(b, db_col_text(st, i)); break;
    }
  }
  buf_puts(b, "\r\n");
}

/* A JSON string of z, repaired first when it is not valid UTF-8. */
static json_t *jstr(const char *z){
  json_t *j = json_string(z ? z : "");
  if( j==NULL ){
    struct buf c;
    buf_init(&c);
    export_utf8_clean(&c, z);
    j = json_string(c.z ? c.z : "");
    buf_free(&c);
  }
  return j ? j : json_null();
}

static json_t *jid(int64_t v){
  return v ? json_integer(v) : json_null();
}

static int dump_to_buf(const char *z, size_t n, void *ctx){
  buf_append(ctx, z, n);
  return ((struct buf*)ctx)->oom ? -1 : 0;
}

static int jsonl_row(struct buf *b, struct db_stmt *st){
  char t[40];
  json_t *o = json_object();
  if( o==NULL ) return -1;
  for(int i=0; i<(int)HP_ARRAY_SIZE(columns); i++){
    const char *k = columns[i].name;
    json_t *v = NULL;
    switch( columns[i].kind ){
      case COL_INT:  v = json_integer(db_col_int64(st, i)); break;
      case COL_TIME:                       /* "time_utc", then "time_ms" */
        json_object_set_new(o, k, json_string(app_iso_time(db_col_int64(st, i), t, sizeof(t))));
        k = "time_ms";
        v = json_integer(db_col_int64(st, i));
        break;
      case COL_ID:   v = jid(col_id(st, i)); break;
      case COL_TEXT: v = jstr(db_col_text(st, i)); break;
      case COL_JSON:
        v = json_loads(db_col_text(st, i), JSON_DECODE_ANY, NULL);
        if( v==NULL ) v = jstr(db_col_text(st, i));
        break;
    }
    json_object_set_new(o, k, v);
  }
  int rc = json_dump_callback(o, dump_to_buf, b, JSON_COMPACT);
  json_decref(o);
  buf_puts(b, "\n");
  return rc==0 && !b->oom ? 0 : -1;
}

int export_audit(struct db *db, const struct export_filter *f, enum export_format fmt,
                 export_write_fn w, void *ctx, int64_t *nrows){
  int rc = HP_ERROR, step;
  int64_t n = 0;
  struct buf sql, out;
  struct db_stmt *st = NULL;
  buf_init(&sql);
  buf_init(&out);
  buf_puts(&sql, export_sql);
  export_filter_sql(f, &sql);
  buf_puts(&sql, " ORDER BY a.seq");
  if( sql.oom ) goto out;
  st = db_prepare(db, sql.z);
  if( st==NULL || export_filter_bind(st, f) ) goto out;
  if( fmt==EXPORT_CSV ){
    for(size_t i=0; i<HP_ARRAY_SIZE(columns); i++){
      if( i ) buf_puts(&out, ",");
      buf_puts(&out, columns[i].name);
    }
    buf_puts(&out, "\r\n");
  }
  while( (step = db_step(st))==DB_ROW ){
    if( fmt==EXPORT_CSV ) csv_row(&out, st);
    else if( jsonl_row(&out, st) ) goto out;
    if( out.oom ) goto out;
    n++;
    if( out.len>=EXPORT_FLUSH ){
      if( w(ctx, out.z, out.len) ){ log_msg("export: the reader went away after %lld rows", (long long)n); goto out; }
      buf_reset(&out);
    }
  }
  if( step!=DB_DONE ) goto out;
  if( out.len && w(ctx, out.z, out.len) ) goto out;
  rc = HP_OK;
out:
  if( nrows ) *nrows = n;
  db_finish(st);
  buf_free(&sql);
  buf_free(&out);
  return rc;
}

/* ------------------------------------------------------------------ the PDF report */

#define UTC_BUF 128                 /* a time as utc() writes it */
#define PDF_W       595.28f     /* A4 portrait, points */
#define PDF_H       841.89f
#define PDF_LEFT    50.0f
#define PDF_RIGHT   50.0f
#define PDF_TOP     72.0f       /* body starts this far below the top edge */
#define PDF_BOTTOM  60.0f       /* and ends this far above the bottom edge */
#define PDF_LABEL   120.0f      /* width of the label column in key/value lines */

/* A report being laid out: the document, its fonts, the pages so far and the pen. */
struct pdf {
  HPDF_Doc doc;
  HPDF_Font regular, bold, mono;
  HPDF_Page page;
  HPDF_Page *pages;
  int npages, cap;
  float y;                      /* top of the next line on the current page */
  int failed;                   /* libharu reported an error */
  char running[200];            /* running header, WinAnsi */
};

static void pdf_error(HPDF_STATUS error_no, HPDF_STATUS detail_no, void *user_data){
  struct pdf *p = user_data;
  if( error_no==HPDF_STREAM_EOF ) return;          /* reading the finished document: the normal end */
  if( !p->failed ) log_msg("export: libharu error 0x%04X (detail %u)", (unsigned)error_no, (unsigned)detail_no);
  p->failed = 1;
}

/* Draw one line of WinAnsi text with its baseline size points below the pen. */
static void pdf_draw(struct pdf *p, HPDF_Font font, float size, float x, float gray,
                     const char *text){
  if( p->page==NULL ) return;
  HPDF_Page_SetGrayFill(p->page, gray);
  HPDF_Page_BeginText(p->page);
  HPDF_Page_SetFontAndSize(p->page, font, size);
  HPDF_Page_TextOut(p->page, x, p->y - size, text);
  HPDF_Page_EndText(p->page);
  HPDF_Page_SetGrayFill(p->page, 0);
}

static int pdf_new_page(struct pdf *p){
  if( p->npages==p->cap ){
    int cap = p->cap ? p->cap*2 : 16;
    HPDF_Page *np = realloc(p->pages, (size_t)cap * sizeof(*np));
    if( np==NULL ){ p->failed = 1; return -1; }
    p->pages = np;
    p->cap = cap;
  }
  p->page = HPDF_AddPage(p->doc);
  if( p->page==NULL ){ p->failed = 1; return -1; }
  HPDF_Page_SetSize(p->page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
  p->pages[p->npages++] = p->page;
  p->y = PDF_H - 36;
  pdf_draw(p, p->regular, 8, PDF_LEFT, 0.4f, p->running);
  HPDF_Page_SetGrayStroke(p->page, 0.75f);
  HPDF_Page_SetLineWidth(p->page, 0.5f);
  HPDF_Page_MoveTo(p->page, PDF_LEFT, PDF_H - 50);
  HPDF_Page_LineTo(p->page, PDF_W - PDF_RIGHT, PDF_H - 50);
  HPDF_Page_Stroke(p->page);
  p->y = PDF_H - PDF_TOP;
  return 0;
}

/* Start a new page unless h more points fit above the bottom margin. */
static void pdf_need(struct pdf *p, float h){
  if( p->page==NULL || p->y - h < PDF_BOTTOM ) pdf_new_page(p);
}

/*
** Write UTF-8 text as wrapped lines from x = PDF_LEFT + indent to the right
** margin, breaking at spaces (inside a word only when one word is wider
** than the line) and at newlines.  Text that the font cannot draw becomes '?'.
*/
static void pdf_para(struct pdf *p, HPDF_Font font, float size, float indent, float gray,
                     const char *utf8){
  size_t n = strlen(utf8 ? utf8 : "");
  char *text = malloc(n + 1), *line = malloc(n + 1);
  float lh = size * 1.35f, width = PDF_W - PDF_LEFT - PDF_RIGHT - indent;
  if( text==NULL || line==NULL ){ p->failed = 1; goto out; }
  export_pdf_text(utf8, text, n + 1);
  for(char *s = text; s; ){
    char *nl = strchr(s, '\n');
    size_t len = nl ? (size_t)(nl - s) : strlen(s);
    if( len==0 ){ pdf_need(p, lh); p->y -= lh; }
    while( len>0 && !p->failed ){
      HPDF_REAL real;
      HPDF_UINT k = HPDF_Font_MeasureText(font, (const HPDF_BYTE*)s, (HPDF_UINT)len, width, size, 0, 0, HPDF_TRUE, &real);
      if( k==0 ) k = HPDF_Font_MeasureText(font, (const HPDF_BYTE*)s, (HPDF_UINT)len, width, size, 0, 0, HPDF_FALSE, &real);
      if( k==0 || k>len ) k = 1;
      size_t m = k;
      while( m>0 && s[m-1]==' ' ) m--;
      memcpy(line, s, m);
      line[m] = 0;
      pdf_need(p, lh);
      pdf_draw(p, font, size, PDF_LEFT + indent, gray, line);
      p->y -= lh;
      s += k;
      len -= k;
      while( len>0 && *s==' ' ){ s++; len--; }
    }
    s = nl ? nl + 1 : NULL;
  }
out:
  free(text);
  free(line);
}

/* A label in bold and its value beside it (wrapped in the value column). */
static void pdf_kv(struct pdf *p, const char *label, const char *value){
  char l[100];
  pdf_need(p, 10 * 1.35f);
  export_pdf_text(label, l, sizeof(l));
  pdf_draw(p, p->bold, 10, PDF_LEFT, 0, l);
  pdf_para(p, p->regular, 10, PDF_LABEL, 0, value && value[0] ? value : "\xE2\x80\x94");
}

static void pdf_heading(struct pdf *p, const char *title){
  char t[200];
  p->y -= 10;
  pdf_need(p, 14 * 1.35f + 3 * 10 * 1.35f);        /* no heading alone at the foot of a page */
  export_pdf_text(title, t, sizeof(t));
  pdf_draw(p, p->bold, 13, PDF_LEFT, 0, t);
  p->y -= 13 * 1.35f;
  if( p->page==NULL ) return;
  HPDF_Page_SetGrayStroke(p->page, 0.8f);
  HPDF_Page_SetLineWidth(p->page, 0.5f);
  HPDF_Page_MoveTo(p->page, PDF_LEFT, p->y);
  HPDF_Page_LineTo(p->page, PDF_W - PDF_RIGHT, p->y);
  HPDF_Page_Stroke(p->page);
  p->y -= 6;
}

/*
** The zone of the person the report is for (export_pdf_release sets it for
** the length of one report); "" means UTC alone.
*/
static const char *pdf_zone = "";

/*
** "2026-01-02 03:04:05.678 UTC" into out, or in the reader's zone with the
** UTC time beside it: "2026-01-02 04:04 CET (03:04:05.678 UTC)"; "" for 0.
*/
static const char *utc(int64_t ms, char out[UTC_BUF]){
  char iso[40];
  if( ms<=0 ){ out[0] = 0; return out; }
  app_iso_time(ms, iso, sizeof(iso));
  iso[10] = ' ';
  size_t n = strlen(iso);
  if( n && iso[n-1]=='Z' ) iso[n-1] = 0;
  if( pdf_zone[0] ){
    char local[80];
    util_time_in(ms, pdf_zone, 0, local, sizeof(local));
    if( strstr(local, " UTC")==NULL ){
      snprintf(out, UTC_BUF, "%s (%s UTC)", local, iso + 11);
      return out;
    }
  }
  snprintf(out, UTC_BUF, "%s UTC", iso);
  return out;
}

/* "on_hold" -> "On hold", "waiting_for_approval" -> "Waiting for approval" (into out). */
static const char *label_of(const char *status, char *out, size_t nout){
  if( strcmp(status, "on_hold")==0 ) return "On Hold";
  snprintf(out, nout, "%s", status);
  for(char *q = out; *q; q++) if( *q=='_' ) *q = ' ';
  if( out[0]>='a' && out[0]<='z' ) out[0] = (char)(out[0] - 32);
  return out;
}

/* "approve" -> "Approved", ...: how a decision reads in reports and pages. */
const char *export_signature_method_label(const char *m){
  if( m==NULL || m[0]==0 || strcmp(m, "password")==0 ) return "password re-entered";
  if( strcmp(m, "ldap")==0 ) return "company directory password re-entered";
  if( strcmp(m, "oidc")==0 ) return "signed in again at the identity provider";
  return m;
}

const char *export_decision_label(const char *d){
  if( strcmp(d, "approve")==0 ) return "Approved";
  if( strcmp(d, "reject")==0 ) return "Rejected";
  if( strcmp(d, "take")==0 ) return "Took responsibility";
  if( strcmp(d, "proceed")==0 ) return "Proceeded";
  if( strcmp(d, "abort")==0 ) return "Aborted";
  return d;
}

/* "Display Name (username)", or just one of them, into b (reset first). */
static const char *person(struct buf *b, const char *display, const char *username){
  buf_reset(b);
  if( display[0] && username[0] ) buf_printf(b, "%s (%s)", display, username);
  else buf_puts(b, display[0] ? display : username[0] ? username : "unknown");
  return b->z ? b->z : "";
}

static struct db_stmt *pdf_query(struct db *db, const char *sql, int64_t release_id){
  struct db_stmt *st = db_prepare(db, sql);
  if( st && db_bind_int64(st, ":id", release_id) ){ db_finish(st); st = NULL; }
  return st;
}

/* The release summary; 1 when there is no such release. */
static int pdf_summary(struct pdf *p, struct db *db, int64_t id, const char *head,
                       const char *generated_by, int64_t now){
  char t[UTC_BUF], t2[UTC_BUF];
  struct buf b, who;
  int rc = -1;
  buf_init(&b);
  buf_init(&who);
  struct db_stmt *st = pdf_query(db,
    "SELECT r.name, r.version, r.artifact, r.artifact_digest, r.status, coalesce(t.name,''),"
    " coalesce(t.version,0), coalesce(u.display_name,''), coalesce(u.username,''), r.created_at,"
    " coalesce(r.finished_at,0), r.on_reject"
    " FROM releases r LEFT JOIN templates t ON t.id=r.template_id LEFT JOIN users u ON u.id=r.started_by"
    " WHERE r.id=:id", id);
  if( st==NULL ) goto out;
  int step = db_step(st);
  if( step==DB_DONE ){ rc = 1; goto out; }
  if( step!=DB_ROW ) goto out;
  buf_printf(&b, "Holdpoint audit report \xC2\xB7 release #%lld %s %s", (long long)id,
             db_col_text(st, 0), db_col_text(st, 1));
  export_pdf_text(b.z, p->running, sizeof(p->running));
  buf_reset(&b);
  buf_printf(&b, "Holdpoint audit report: release %s", db_col_text(st, 0));
  {
    char title[300];
    export_pdf_text(b.z, title, sizeof(title));
    HPDF_SetInfoAttr(p->doc, HPDF_INFO_TITLE, title);
  }
  pdf_new_page(p);
  pdf_para(p, p->bold, 18, 0, 0, "Audit report");
  buf_reset(&b);
  buf_printf(&b, "Release %s%s%s", db_col_text(st, 0), db_col_text(st, 1)[0] ? " " : "", db_col_text(st, 1));
  pdf_para(p, p->regular, 14, 0, 0, b.z);
  buf_reset(&b);
  buf_printf(&b, "Generated %s by %s. Times are in %s%s.", utc(now, t), generated_by,
             pdf_zone[0] ? pdf_zone : "UTC", pdf_zone[0] ? ", with UTC in brackets" : "");
  pdf_para(p, p->regular, 9, 0, 0.35f, b.z);

  pdf_heading(p, "Release");
  buf_reset(&b);
  buf_printf(&b, "%s (#%lld)", db_col_text(st, 0), (long long)id);
  pdf_kv(p, "Name", b.z);
  pdf_kv(p, "Version", db_col_text(st, 1));
  buf_reset(&b);
  buf_puts(&b, db_col_text(st, 2));
  if( db_col_text(st, 3)[0] ) buf_printf(&b, "%sdigest %s", b.len ? ", " : "", db_col_text(st, 3));
  pdf_kv(p, "Artifact", b.z);
  buf_reset(&b);
  if( db_col_text(st, 5)[0] ) buf_printf(&b, "%s, version %lld", db_col_text(st, 5), (long long)db_col_int64(st, 6));
  pdf_kv(p, "Template", b.z);
  pdf_kv(p, "Status", label_of(db_col_text(st, 4), t2, sizeof(t2)));
  pdf_kv(p, "Started by", person(&who, db_col_text(st, 7), db_col_text(st, 8)));
  pdf_kv(p, "Started at", utc(db_col_int64(st, 9), t));
  pdf_kv(p, "Finished at", utc(db_col_int64(st, 10), t));
  pdf_kv(p, "On rejection", strcmp(db_col_text(st, 11), "fail_phase")==0
         ? "the phase fails; the release waits for a retry" : "the release fails");
  db_finish(st);
  st = pdf_query(db, "SELECT key, value FROM release_vars WHERE release_id=:id ORDER BY key", id);
  if( st==NULL ) goto out;
  buf_reset(&b);
  while( db_step(st)==DB_ROW ){
    buf_printf(&b, "%s%s = %s", b.len ? "\n" : "", db_col_text(st, 0), db_col_text(st, 1));
  }
  pdf_kv(p, "Variables", b.z);

  pdf_heading(p, "Audit trail");
  pdf_para(p, p->regular, 10, 0, 0,
           "The chain head when this report was made (the last record, including the record of this report):");
  pdf_para(p, p->mono, 9, 12, 0, head);
  pdf_para(p, p->regular, 9, 0, 0.35f,
           "Anyone holding the data directory can check that no record up to it has been changed, "
           "removed or reordered with: holdpoint audit verify --head SEQ:HASH");
  rc = 0;
out:
  db_finish(st);
  buf_free(&b);
  buf_free(&who);
  return rc;
}

static int pdf_activities(struct pdf *p, struct db *db, int64_t id){
  char t[UTC_BUF], t2[UTC_BUF], s1[40], s2[40];
  struct buf b, who;
  int rc = -1, any = 0;
  int64_t phase = 0;
  buf_init(&b);
  buf_init(&who);
  pdf_heading(p, "Phases and activities");
  struct db_stmt *st = pdf_query(db,
    "SELECT p.id, p.position, p.name, p.status, a.id, a.name, a.kind, a.status, coalesce(a.result,''),"
    " a.round, coalesce(a.activated_at,0), coalesce(a.finished_at,0), coalesce(u.display_name,''),"
    " coalesce(u.username,''), coalesce(a.result_details,'')"
    " FROM phases p LEFT JOIN activities a ON a.phase_id=p.id LEFT JOIN users u ON u.id=a.responsible_user_id"
    " WHERE p.release_id=:id ORDER BY p.position, a.position", id);
  if( st==NULL ) goto out;
  int step;
  while( (step = db_step(st))==DB_ROW ){
    any = 1;
    if( db_col_int64(st, 0)!=phase ){
      phase = db_col_int64(st, 0);
      buf_reset(&b);
      buf_printf(&b, "Phase %lld: %s \xE2\x80\x94 %s", (long long)db_col_int64(st, 1),
                 db_col_text(st, 2), label_of(db_col_text(st, 3), s1, sizeof(s1)));
      p->y -= 4;
      pdf_need(p, 3 * 11 * 1.35f);
      pdf_para(p, p->bold, 11, 0, 0, b.z);
    }
    if( db_col_null(st, 4) ) continue;
    buf_reset(&b);
    buf_printf(&b, "\xE2\x80\xA2 %s (%s): %s", db_col_text(st, 5), db_col_text(st, 6),
               label_of(db_col_text(st, 7), s2, sizeof(s2)));
    if( db_col_text(st, 8)[0] ) buf_printf(&b, ", result %s", db_col_text(st, 8));
    pdf_para(p, p->regular, 10, 10, 0, b.z);
    buf_reset(&b);
    buf_printf(&b, "Round %lld", (long long)db_col_int64(st, 9));
    if( db_col_int64(st, 10) ) buf_printf(&b, " \xC2\xB7 activated %s", utc(db_col_int64(st, 10), t));
    if( db_col_int64(st, 11) ) buf_printf(&b, " \xC2\xB7 finished %s", utc(db_col_int64(st, 11), t2));
    if( db_col_text(st, 13)[0] ) buf_printf(&b, " \xC2\xB7 responsible: %s", person(&who, db_col_text(st, 12), db_col_text(st, 13)));
    if( db_col_text(st, 14)[0] ) buf_printf(&b, " \xC2\xB7 details: %s", db_col_text(st, 14));
    pdf_para(p, p->regular, 9, 20, 0.3f, b.z);
  }
  if( step!=DB_DONE ) goto out;
  if( !any ) pdf_para(p, p->regular, 10, 0, 0.35f, "None.");
  rc = 0;
out:
  db_finish(st);
  buf_free(&b);
  buf_free(&who);
  return rc;
}

static int pdf_decisions(struct pdf *p, struct db *db, int64_t id){
  char t[UTC_BUF];
  struct buf b, who, principal;
  int rc = -1, any = 0;
  buf_init(&b);
  buf_init(&who);
  buf_init(&principal);
  pdf_heading(p, "Decisions and signatures");
  struct db_stmt *st = pdf_query(db,
    "SELECT a.name, d.round, d.decision, d.comment, d.signed, d.signature_name, d.signature_meaning,"
    " d.at, d.ip, d.channel, d.session_hash, coalesce(u.display_name,''), coalesce(u.username,''),"
    " coalesce(ac.display_name,''), coalesce(ac.username,''), d.actor_id<>d.user_id, d.signature_method, d.artifact_digest"
    " FROM decisions d JOIN activities a ON a.id=d.activity_id JOIN phases p ON p.id=a.phase_id"
    " LEFT JOIN users u ON u.id=d.user_id LEFT JOIN users ac ON ac.id=d.actor_id"
    " WHERE a.release_id=:id ORDER BY p.position, a.position, d.round, d.at, d.id", id);
  if( st==NULL ) goto out;
  int step;
  while( (step = db_step(st))==DB_ROW ){
    any = 1;
    buf_reset(&b);
    buf_printf(&b, "%s \xC2\xB7 round %lld \xC2\xB7 %s", db_col_text(st, 0),
               (long long)db_col_int64(st, 1), export_decision_label(db_col_text(st, 2)));
    p->y -= 4;
    pdf_need(p, 4 * 10 * 1.35f);
    pdf_para(p, p->bold, 10, 0, 0, b.z);
    buf_reset(&b);
    person(&principal, db_col_text(st, 11), db_col_text(st, 12));
    if( db_col_int(st, 15) ){
      buf_printf(&b, "%s, acting for %s", person(&who, db_col_text(st, 13), db_col_text(st, 14)), principal.z);
    }else{
      buf_puts(&b, principal.z);
    }
    pdf_kv(p, "By", b.z);
    buf_reset(&b);
    buf_printf(&b, "%s \xC2\xB7 via %s", utc(db_col_int64(st, 7), t), db_col_text(st, 9));
    if( db_col_text(st, 8)[0] ) buf_printf(&b, " \xC2\xB7 IP %s", db_col_text(st, 8));
    if( db_col_text(st, 10)[0] ) buf_printf(&b, " \xC2\xB7 session %.12s", db_col_text(st, 10));
    pdf_kv(p, "Recorded", b.z);
    pdf_kv(p, "Comment", db_col_text(st, 3));
    if( db_col_text(st, 17)[0] ) pdf_kv(p, "For build", db_col_text(st, 17));
    if( db_col_int(st, 4) ){
      /* The manifestation of an electronic signature (21 CFR 11.50): printed name, date and time, meaning. */
      pdf_kv(p, "Signed by", db_col_text(st, 5));
      pdf_kv(p, "Signed at", utc(db_col_int64(st, 7), t));
      pdf_kv(p, "Meaning", db_col_text(st, 6));
      pdf_kv(p, "Confirmed by", export_signature_method_label(db_col_text(st, 16)));
    }else{
      pdf_kv(p, "Signature", "not signed electronically");
    }
  }
  if( step!=DB_DONE ) goto out;
  if( !any ) pdf_para(p, p->regular, 10, 0, 0.35f, "None.");
  rc = 0;
out:
  db_finish(st);
  buf_free(&b);
  buf_free(&who);
  buf_free(&principal);
  return rc;
}

static int pdf_inputs(struct pdf *p, struct db *db, int64_t id){
  char t[UTC_BUF];
  struct buf b, who;
  int rc = -1, any = 0;
  buf_init(&b);
  buf_init(&who);
  pdf_heading(p, "Inputs");
  struct db_stmt *st = pdf_query(db,
    "SELECT a.name, i.round, i.field_key, coalesce(f.label, i.field_key), i.value,"
    " coalesce(u.display_name,''), coalesce(u.username,''), i.at"
    " FROM inputs i JOIN activities a ON a.id=i.activity_id JOIN phases p ON p.id=a.phase_id"
    " LEFT JOIN fields f ON f.activity_id=i.activity_id AND f.key=i.field_key"
    " LEFT JOIN users u ON u.id=i.user_id"
    " WHERE a.release_id=:id ORDER BY p.position, a.position, i.round, coalesce(f.position,0), i.id", id);
  if( st==NULL ) goto out;
  int step;
  while( (step = db_step(st))==DB_ROW ){
    any = 1;
    buf_reset(&b);
    buf_printf(&b, "%s \xC2\xB7 round %lld \xC2\xB7 %s (%s)", db_col_text(st, 0),
               (long long)db_col_int64(st, 1), db_col_text(st, 3), db_col_text(st, 2));
    p->y -= 2;
    pdf_need(p, 3 * 10 * 1.35f);
    pdf_para(p, p->bold, 10, 0, 0, b.z);
    pdf_para(p, p->regular, 10, 10, 0, db_col_text(st, 4));
    buf_reset(&b);
    buf_printf(&b, "by %s, %s", person(&who, db_col_text(st, 5), db_col_text(st, 6)),
               utc(db_col_int64(st, 7), t));
    pdf_para(p, p->regular, 9, 10, 0.35f, b.z);
  }
  if( step!=DB_DONE ) goto out;
  if( !any ) pdf_para(p, p->regular, 10, 0, 0.35f, "None.");
  rc = 0;
out:
  db_finish(st);
  buf_free(&b);
  buf_free(&who);
  return rc;
}

static int pdf_evidence(struct pdf *p, struct db *db, int64_t id){
  char t[UTC_BUF];
  struct buf b, who;
  int rc = -1, any = 0;
  buf_init(&b);
  buf_init(&who);
  pdf_heading(p, "Evidence");
  struct db_stmt *st = pdf_query(db,
    "SELECT a.name, e.round, e.field_key, coalesce(f.label, e.field_key), e.original_name, e.mime,"
    " e.size, e.sha256, coalesce(u.display_name,''), coalesce(u.username,''), e.at, e.ip"
    " FROM evidence e JOIN activities a ON a.id=e.activity_id JOIN phases p ON p.id=a.phase_id"
    " LEFT JOIN fields f ON f.activity_id=e.activity_id AND f.key=e.field_key"
    " LEFT JOIN users u ON u.id=e.uploaded_by"
    " WHERE a.release_id=:id ORDER BY p.position, a.position, e.round, e.id", id);
  if( st==NULL ) goto out;
  int step;
  while( (step = db_step(st))==DB_ROW ){
    any = 1;
    buf_reset(&b);
    buf_printf(&b, "%s \xC2\xB7 round %lld \xC2\xB7 %s: %s", db_col_text(st, 0),
               (long long)db_col_int64(st, 1), db_col_text(st, 3), db_col_text(st, 4));
    p->y -= 2;
    pdf_need(p, 3 * 10 * 1.35f);
    pdf_para(p, p->bold, 10, 0, 0, b.z);
    buf_reset(&b);
    buf_printf(&b, "SHA-256 %s", db_col_text(st, 7));
    pdf_para(p, p->mono, 8, 10, 0, b.z);
    buf_reset(&b);
    buf_printf(&b, "%s, %lld bytes, uploaded by %s, %s", db_col_text(st, 5), (long long)db_col_int64(st, 6),
               person(&who, db_col_text(st, 8), db_col_text(st, 9)), utc(db_col_int64(st, 10), t));
    if( db_col_text(st, 11)[0] ) buf_printf(&b, " from IP %s", db_col_text(st, 11));
    pdf_para(p, p->regular, 9, 10, 0.35f, b.z);
  }
  if( step!=DB_DONE ) goto out;
  if( !any ) pdf_para(p, p->regular, 10, 0, 0.35f, "None.");
  rc = 0;
out:
  db_finish(st);
  buf_free(&b);
  buf_free(&who);
  return rc;
}

/* "Page i of n" and the report's identity at the foot of every page. */
static void pdf_footers(struct pdf *p, int64_t id, int64_t now){
  char left[200], right[40], t[UTC_BUF];
  snprintf(left, sizeof(left), "Holdpoint \xB7 release #%lld \xB7 generated %s", (long long)id, utc(now, t));
  for(int i=0; i<p->npages; i++){
    HPDF_Page pg = p->pages[i];
    snprintf(right, sizeof(right), "Page %d of %d", i + 1, p->npages);
    HPDF_Page_SetGrayFill(pg, 0.4f);
    HPDF_Page_BeginText(pg);
    HPDF_Page_SetFontAndSize(pg, p->regular, 8);
    HPDF_Page_TextOut(pg, PDF_LEFT, 32, left);
    HPDF_Page_TextOut(pg, PDF_W - PDF_RIGHT - HPDF_Page_TextWidth(pg, right), 32, right);
    HPDF_Page_EndText(pg);
  }
}

int export_pdf_release(struct app *a, int64_t release_id, const char *head,
                       const char *generated_by, const char *zone, export_write_fn w, void *ctx){
  struct pdf p;
  pdf_zone = zone && util_tz_valid(zone) ? zone : "";
  int rc = HP_ERROR, in_read = 0;
  int64_t now = app_now_ms(a);
  memset(&p, 0, sizeof(p));
  p.doc = HPDF_New(pdf_error, &p);
  if( p.doc==NULL ) goto out;
  HPDF_SetCompressionMode(p.doc, HPDF_COMP_ALL);
  HPDF_SetInfoAttr(p.doc, HPDF_INFO_CREATOR, "Holdpoint");
  HPDF_SetInfoAttr(p.doc, HPDF_INFO_AUTHOR, "Holdpoint");
  p.regular = HPDF_GetFont(p.doc, "Helvetica", "WinAnsiEncoding");
  p.bold = HPDF_GetFont(p.doc, "Helvetica-Bold", "WinAnsiEncoding");
  p.mono = HPDF_GetFont(p.doc, "Courier", "WinAnsiEncoding");
  if( p.failed || !p.regular || !p.bold || !p.mono ) goto out;
  /* one read transaction: every section sees the same state of the release */
  if( db_exec(a->db, "BEGIN") ) goto out;
  in_read = 1;
  int s = pdf_summary(&p, a->db, release_id, head, generated_by, now);
  if( s==1 ){ rc = HP_NOT_FOUND; goto out; }
  if( s || pdf_activities(&p, a->db, release_id) || pdf_decisions(&p, a->db, release_id)
   || pdf_inputs(&p, a->db, release_id) || pdf_evidence(&p, a->db, release_id) ) goto out;
  p.y -= 12;
  if( p.y - 9 * 1.35f >= PDF_BOTTOM ) pdf_para(&p, p.regular, 9, 0, 0.35f, "End of report.");   /* never a page of its own */
  db_rollback(a->db);
  in_read = 0;
  pdf_footers(&p, release_id, now);
  if( p.failed || HPDF_SaveToStream(p.doc)!=HPDF_OK || p.failed ) goto out;
  for(;;){
    HPDF_BYTE chunk[16384];
    HPDF_UINT32 n = sizeof(chunk);
    HPDF_STATUS st = HPDF_ReadFromStream(p.doc, chunk, &n);
    if( n>0 && w(ctx, (const char*)chunk, n) ) goto out;
    if( st==HPDF_STREAM_EOF ) break;
    if( st!=HPDF_OK ) goto out;
  }
  rc = HP_OK;
out:
  if( in_read ) db_rollback(a->db);
  if( p.doc ) HPDF_Free(p.doc);
  free(p.pages);
  return rc;
}

/* export.h — audit exports shared by the web and the command line: CSV, JSON Lines, the PDF report of a release. */
#ifndef HP_EXPORT_H
#define HP_EXPORT_H
#include <stdint.h>
#include <stddef.h>
#include <jansson.h>
#include "arena.h"

struct app;
struct db;
struct db_stmt;

/* Receives the output in pieces; returns 0 to go on, nonzero to stop (the reader went away). */
typedef int (*export_write_fn)(void *ctx, const char *z, size_t n);

/* An export_write_fn for a stdio stream (ctx is the FILE*). */
int export_write_stdio(void *ctx, const char *z, size_t n);

enum export_format { EXPORT_CSV = 0, EXPORT_JSONL };

/*
** Which audit rows.  A zero or NULL member does not restrict.  The web view
** and every export use the same filter, so what an auditor sees is what
** they download.
*/
struct export_filter {
  int64_t from_ms;          /* at >= from_ms */
  int64_t until_ms;         /* at <  until_ms */
  const char *user;         /* a username (records of that account), or an actor name without one ("cli:root") */
  const char *action;       /* exact action, or a prefix ending in '.' ("auth.") */
  int64_t release_id;
  const char *ip;
  int64_t before_seq;       /* seq <  before_seq (paging, web view only) */
  int64_t after_seq;        /* seq >  after_seq  (paging, web view only) */
};

/*
** Append " AND ..." conditions for f to where (columns of audit_log aliased
** "a"), with named parameters only; export_filter_bind binds the same ones.
** The SQL text depends on which members are set, never on their values.
*/
void export_filter_sql(const struct export_filter *f, struct buf *where);
int export_filter_bind(struct db_stmt *st, const struct export_filter *f);   /* 0 ok, -1 */
/* The filter as a JSON object (for the audit.export record).  New reference; NULL on OOM. */
json_t *export_filter_json(const struct export_filter *f);

/*
** Append one CSV field to out (RFC 4180): quoted when it holds '"', ',', CR
** or LF, quotes doubled; a value starting with = + - @ TAB or CR is prefixed
** with a single quote so that spreadsheets do not run it as a formula; bytes
** that are not UTF-8 become U+FFFD.  NULL is the empty field.
*/
void export_csv_cell(struct buf *out, const char *z);
/* Append z to out as valid UTF-8 (each invalid byte becomes U+FFFD). */
void export_utf8_clean(struct buf *out, const char *z);

/*
** Convert UTF-8 to the single-byte WinAnsi (Windows-1252) text that the
** standard PDF fonts draw: Latin-1 passes, the Windows-1252 extras (€ “ ” –
** — …) map to their bytes, LF stays, TAB and CR become spaces, and
** everything else (other scripts, emoji, control characters, invalid UTF-8)
** becomes '?'.  Writes at most nout-1 bytes and a NUL; returns the length.
*/
size_t export_pdf_text(const char *utf8, char *out, size_t nout);

/*
** Write the audit rows matching f, oldest first, as CSV (with a header row,
** CRLF line ends) or JSON Lines (one object per row), through w.  Steps the
** statement and writes as it goes, so memory stays flat for any number of
** rows.  Nothing reaches w before the first 32 KiB or the end, so an early
** database error leaves the response untouched.  nrows (may be NULL) gets
** the number written.  Returns HP_OK, or HP_ERROR on a database error or
** when w asked to stop (both logged).
*/
int export_audit(struct db *db, const struct export_filter *f, enum export_format fmt,
                 export_write_fn w, void *ctx, int64_t *nrows);

/*
** The PDF report of one release: summary, phases and activities, every
** decision with its signature manifestation, inputs, evidence with SHA-256,
** and head (the chain head "SEQ:HASH" at the time of the report), with page
** numbers.  generated_by names who asked for it; zone is theirs (util_tz_valid;
** "" or NULL: UTC): times are given in it with the UTC time beside them, and
** the report says which zone it uses.  Reads in one snapshot and
** builds the whole document before the first call to w.  Returns HP_OK,
** HP_NOT_FOUND when there is no such release, or HP_ERROR (logged).
*/
int export_pdf_release(struct app *a, int64_t release_id, const char *head,
                       const char *generated_by, const char *zone, export_write_fn w, void *ctx);
const char *export_decision_label(const char *decision);   /* "approve" -> "Approved" */
/* How a signer re-authenticated, in words: "oidc" -> "signed in again at the identity provider". */
const char *export_signature_method_label(const char *method);
#endif

/* evidence.h — the evidence store: type and name rules, content-addressed files, the evidence rows. */
#ifndef HP_EVIDENCE_H
#define HP_EVIDENCE_H
#include <stddef.h>
#include <stdint.h>
#include "hp.h"
#include "arena.h"

struct app;

#define EVIDENCE_LIST_MAX 1000          /* files listed for one activity (page and API) */

/*
** An upload is a multipart/form-data body, read straight from the FastCGI
** stream through the multipart parser into a temporary file in <data>/tmp
** (O_EXCL, 0600, a random name; the client's file name is never used on
** disk), hashed with SHA-256 as it streams.  Memory stays flat: nothing of the
** body is held beyond the parser's fixed buffers and one read buffer.
**
** Parts, in this order:  csrf (browser form only: it must come FIRST, so that
** nothing is stored for a forged request), field (the file field's key),
** file (with a filename).  At most EVIDENCE_MAX_PARTS parts of at most
** EVIDENCE_MAX_HEADER_BYTES header bytes each; any other part name is refused.
**
** Then, in this order (the first failure wins, and leaves no file and no row):
**   413  larger than the field's max_size (default and ceiling: HOLDPOINT_MAX_UPLOAD)
**   422  an unknown field, not a file field, no file, or an empty file
**   415  the type libmagic finds in the stored bytes is not in the field's
**        `accept` list (evidence_default_accept when the field has none), or
**        is a dangerous type (evidence_type_dangerous) the list does not name
**        exactly
**   422  the name's extension is unknown or does not agree with that type
** Accepted: fsync the temp file, rename it to evidence/ab/cd/<sha256> (if that
** content is stored already the temp file is simply removed), fsync the
** directory, and only then insert the `evidence` row with its
** 'evidence.upload' audit record in one BEGIN IMMEDIATE transaction.  Every
** refusal is audited as 'evidence.refused' (who, name, size, detected type,
** reason).  A crash at any point leaves at most a temp file, which the
** startup sweep (server.c) removes, or a stored file without a row, which is
** harmless (it may be the content of another upload, so it is never removed
** here).
*/
#define EVIDENCE_MAX_PARTS 8
#define EVIDENCE_MAX_HEADER_BYTES 4096
#define EVIDENCE_NAME_MAX 200                      /* characters of a file's name kept for display */
#define EVIDENCE_NAME_BUF (EVIDENCE_NAME_MAX*4 + 1)  /* bytes that always hold such a name */

/* Plain types the field's accept list means when it has none. NULL-terminated. */
extern const char *const evidence_default_accept[];

/*
** Make a client's file name fit for display: keep the last path component
** (after '/' or '\'), drop control characters (C0, DEL, C1 — so CR, LF, NUL
** and TAB), Unicode bidirectional overrides and invalid UTF-8 bytes, trim
** spaces, and keep at most EVIDENCE_NAME_MAX characters — shortening the
** stem, not the extension.  "", "." and ".." become "unnamed".  Writes a
** NUL-terminated UTF-8 string to out (nout >= EVIDENCE_NAME_BUF always
** suffices; a smaller buffer truncates at a character boundary).  Returns
** its length in bytes.  in may be NULL.
*/
size_t evidence_sanitize_name(const char *in, char *out, size_t nout);

/* What the extension of a name says about a detected MIME type. */
enum evidence_ext_rc {
  EVIDENCE_EXT_OK = 0,       /* a known extension whose types include mime */
  EVIDENCE_EXT_UNKNOWN,      /* no extension, or one Holdpoint does not know */
  EVIDENCE_EXT_MISMATCH      /* a known extension for other types */
};

/*
** Compare the extension of name (case-insensitive, the part after the last
** '.') with the detected type, using a fixed table (.pdf application/pdf,
** .png image/png, .jpg/.jpeg image/jpeg, .txt/.log text/plain, .csv text/csv
** or text/plain, .json application/json or text/plain, .xml, .zip, .gz,
** ...).  If types is not NULL it receives the table's types for the
** extension (", "-separated; "" when unknown) for messages.  Pure.
*/
int evidence_ext_check(const char *name, const char *mime, const char **types);

/* A content type in the words people use ("a PDF", "a Linux program"), or NULL when unknown. */
const char *evidence_type_words(const char *mime);

/*
** 1 for the types that can run or render active content when opened:
** HTML, XHTML, SVG, XML stylesheets, JavaScript, scripts (shell, Python,
** Perl, PHP, Ruby, ..., any text/x-script.*), executables and libraries
** (ELF, PE, Mach-O, Java archives, MSI, ...), Flash.  Pure.
*/
int evidence_type_dangerous(const char *mime);
/* The usual extension of a type ("pdf" for application/pdf), or NULL. */
const char *evidence_ext_for_type(const char *mime);

/*
** May a file of type mime be stored in a field whose accept list is
** accept[0..naccept) (naccept 0: evidence_default_accept)?  It must be in
** the list, and a dangerous type must be named there exactly.  Pure.
*/
int evidence_type_allowed(const char *mime, const char *const *accept, size_t naccept);

/* 1 when a browser may show the type inline: image/png, image/jpeg, image/gif, image/webp. */
int evidence_inline_ok(const char *mime);

/*
** The Content-Disposition value for a download of name: attachment (or
** inline) with filename="<ASCII, quotes and controls replaced by _>" and
** filename*=UTF-8''<percent-encoded name> (RFC 6266/8187).  Returns 0, or
** -1 if out is too small (nout >= 3*EVIDENCE_NAME_BUF + 64 suffices).
*/
int evidence_disposition(const char *name, int inline_, char *out, size_t nout);

/* "12 bytes", "3.4 KB", "20.0 MB" (1024-based), into out. */
const char *evidence_human_size(int64_t n, char *out, size_t nout);

/* The effective size limit for a file field with max_size (0 = none): at most cfg.max_upload. */
int64_t evidence_limit(const struct app *app, int64_t max_size);

/* One stored upload, as evidence_record writes it. */
struct evidence_row {
  int64_t activity_id, release_id;
  int round;
  const char *field_key, *sha256;
  int64_t size;
  const char *mime, *name, *stored_path, *via;   /* via: "web" or "api" */
};

/*
** Move the accepted temp file tmp (open as fd, size bytes, SHA-256 sha) into
** <data>/evidence/ab/cd/<sha256>: readable by the evidence directory's group
** (nginx), synced, renamed, directory synced; when that content is stored
** already the temp file is removed.  Closes fd; clears tmp[0] once the file
** is moved or removed.  Fills rel (relative to the data directory).  0 or -1.
*/
int evidence_store(struct app *app, int fd, char *tmp, const char *sha, int64_t size, char *rel, size_t nrel);

/*
** Insert the row and its 'evidence.upload' audit record (actor and address
** from c) in a transaction of its own, if the activity is still on hold in
** e->round.  HP_OK with *evidence_id, HP_CONFLICT, HP_UNAVAILABLE or HP_ERROR.
*/
struct audit_ctx;
int evidence_record(struct app *app, const struct audit_ctx *c, const struct evidence_row *e, int64_t *evidence_id);
void evidence_unstore(struct app *app, const char *rel);
void evidence_store_done(struct app *app, const char *sha);        /* recorded or unstored: drop the journal */            /* remove a stored file nobody refers to */
int evidence_temp_path(struct app *a, char *out, size_t nout);   /* tmp/up-<pid>-<random>; 0 or -1 */
int evidence_sweep_temp(struct app *a, int pid);                   /* a dead worker's files (0: all) */
#endif

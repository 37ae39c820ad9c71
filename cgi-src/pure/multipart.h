/* multipart.h — streaming, bounded multipart/form-data parser (RFC 7578 / RFC 2046). */
#ifndef HOLDPOINT_MULTIPART_H
#define HOLDPOINT_MULTIPART_H

#include <stddef.h>

/*
** Overview
** --------
** The parser is pure computation: bytes go in through mp_feed(), events come
** out through callbacks.  It does no I/O and keeps no global state.  Memory is
** fixed when the parser is created (about 2 * max_header_bytes plus a small
** struct) and never grows with the input: a part's body is never buffered, it
** is passed to on_part_data as soon as it is known not to be the start of a
** delimiter (at most the delimiter's length, 4 + boundary length, is held back
** across mp_feed calls).
**
** Accepted syntax (deliberately strict):
**   - The first delimiter is "--" boundary at the very start of the input or
**     after CRLF; bytes before it are the preamble (ignored, but limited).
**   - Every later delimiter is CRLF "--" boundary.  A delimiter line may carry
**     transport padding (spaces/tabs) before its CRLF.  The close delimiter is
**     "--" boundary "--"; everything after it is epilogue and is ignored.
**   - "--" boundary followed by anything other than padding, CR or "--" is a
**     syntax error (the boundary must not occur in a body).
**   - Header lines end with CRLF; a bare LF or a CR not followed by LF is a
**     syntax error.  So is any control character (0x00-0x1F except TAB, and
**     0x7F), a line without "name:", a header name with non-token characters,
**     and a folded (continuation) line.
**   - Every part needs "Content-Disposition: form-data" with a non-empty
**     name= parameter.  name= and filename= may be quoted strings (backslash
**     escapes: \x stands for x) or tokens.  filename*= and other parameters
**     are parsed for syntax and otherwise ignored.  Repeated
**     Content-Disposition or Content-Type headers, or repeated name=/filename=
**     parameters, are syntax errors (ambiguous input is refused).
**   - Other headers are counted against the limits and ignored.
**
** Events: for each part, on_part_begin once (after its headers), then
** on_part_data zero or more times with arbitrary chunking (never with len 0),
** then on_part_end when the next delimiter is seen.  When an error occurs,
** no further callback is made (in particular no on_part_end for the open part).
** Callbacks must not call back into the same parser.
*/

/* Longest boundary RFC 2046 allows. An out buffer of MP_BOUNDARY_MAX + 1 bytes always suffices. */
#define MP_BOUNDARY_MAX 70

/* Largest max_header_bytes mp_new() accepts (it allocates about twice this). */
#define MP_HEADER_BYTES_LIMIT ((size_t)1 << 20)

/*
** Limits.  Every field is used literally (0 means "none allowed").
**   max_parts        parts in the whole upload
**   max_header_bytes bytes of one part's header block, counting every byte
**                    of it: header lines, their CRLFs and the empty line
**   max_headers      header lines in one part
**   max_preamble     bytes before the first boundary (not counting the CRLF
**                    that ends the preamble)
*/
struct mp_limits {
  size_t max_parts;
  size_t max_header_bytes;
  size_t max_headers;
  size_t max_preamble;
};

/* Result codes.  MP_ERR_* are sticky on a parser. */
enum mp_rc {
  MP_OK = 0,               /* all input consumed, more wanted */
  MP_DONE,                 /* closing boundary seen */
  MP_ERR_SYNTAX,           /* malformed input (or NULL buffer with len > 0) */
  MP_ERR_TOO_MANY_PARTS,
  MP_ERR_HEADER_TOO_LARGE,
  MP_ERR_TOO_MANY_HEADERS,
  MP_ERR_PREAMBLE,         /* preamble longer than max_preamble */
  MP_ERR_TRUNCATED,        /* input ended before the closing boundary */
  MP_ERR_CALLBACK,         /* a callback returned nonzero */
  MP_ERR_BOUNDARY          /* bad or missing boundary in Content-Type */
};

/*
** What on_part_begin learns about a part.  All strings are NUL-terminated,
** owned by the parser and valid until on_part_end returns for this part (or
** until the parser is freed, whichever is first).
*/
struct mp_part_info {
  const char *name;         /* form field name; never NULL, never empty */
  const char *filename;     /* NULL if no filename= parameter; raw, NOT sanitised; may be "" */
  int has_filename;         /* 1 if filename= was present */
  const char *content_type; /* Content-Type header value, trimmed; NULL if absent */
};

/*
** Callbacks; any of them may be NULL.  Each returns 0 to continue; nonzero
** stops parsing with MP_ERR_CALLBACK.
*/
struct mp_callbacks {
  void *ctx;
  int (*on_part_begin)(void *ctx, const struct mp_part_info *info);
  int (*on_part_data)(void *ctx, const char *data, size_t len);
  int (*on_part_end)(void *ctx);
};

struct mp_parser; /* opaque: create with mp_new, release with mp_free */

/*
** Fill *lim with the defaults Holdpoint uses: 100 parts, 8192 header bytes,
** 16 header lines per part, 1024 bytes of preamble.
*/
void mp_limits_default(struct mp_limits *lim);

/*
** Extract the boundary from a Content-Type value such as
**   multipart/form-data; charset=utf-8; boundary="----abc"
** The media type must be multipart/form-data (case-insensitive); parameters
** are name=token or name="quoted string"; the parameter name "boundary" is
** matched case-insensitively and must occur exactly once.  The boundary must
** be 1..70 characters from RFC 2046 bchars, not ending in a space.  Writes
** the NUL-terminated boundary (without the leading "--") to out.
** Returns MP_OK, or MP_ERR_BOUNDARY for anything else (including a wrong
** media type and nout too small); out is then set to "" if nout > 0.
*/
int mp_boundary_from_content_type(const char *content_type, char *out, size_t nout);

/*
** Check a boundary string (without "--") against RFC 2046: 1..70 bchars,
** last one not a space.  Returns MP_OK or MP_ERR_BOUNDARY.
*/
int mp_boundary_check(const char *boundary);

/*
** Create a parser for the given boundary (without "--"); lim NULL means
** mp_limits_default(); cb NULL means no callbacks.  lim and cb are copied.
** Returns NULL if the boundary is invalid (see mp_boundary_check), if
** lim->max_header_bytes exceeds MP_HEADER_BYTES_LIMIT, or out of memory.
** Free with mp_free.
*/
struct mp_parser *mp_new(const char *boundary, const struct mp_limits *lim,
                         const struct mp_callbacks *cb);

/*
** Feed the next len bytes of the body.  Returns MP_OK (want more), MP_DONE
** once the closing boundary has been seen (later calls also return MP_DONE
** and ignore their bytes), or an MP_ERR_* code, which is sticky.
*/
int mp_feed(struct mp_parser *p, const char *buf, size_t len);

/*
** Signal end of input.  Returns MP_DONE if the closing boundary was seen,
** the sticky error if one occurred, else MP_ERR_TRUNCATED (which then
** becomes sticky).
*/
int mp_finish(struct mp_parser *p);

/* Number of parts begun so far (counted when their delimiter line ends). */
size_t mp_parts(const struct mp_parser *p);

/* A short, static, human-readable message for an mp_rc value. */
const char *mp_strerror(int rc);

/* Release a parser; NULL is allowed. */
void mp_free(struct mp_parser *p);

#endif /* HOLDPOINT_MULTIPART_H */

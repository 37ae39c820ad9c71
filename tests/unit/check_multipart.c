/* check_multipart.c — Check unit tests for the streaming multipart/form-data parser (cgi-src/pure/multipart.c). */
#define _POSIX_C_SOURCE 200809L

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "multipart.h"

#define B "xYzZy" /* boundary used by most tests */

/* ---------------------------------------------------------------- helpers */

/* A growable byte buffer for building messages. */
struct sb {
  char *p;
  size_t n, cap;
};

static void sb_addn(struct sb *b, const void *data, size_t n){
  if( b->n + n + 1 > b->cap ){
    size_t cap = b->cap ? b->cap : 256;
    while( b->n + n + 1 > cap ) cap *= 2;
    b->p = realloc(b->p, cap);
    ck_assert_ptr_nonnull(b->p);
    b->cap = cap;
  }
  if( n ) memcpy(b->p + b->n, data, n);
  b->n += n;
  b->p[b->n] = 0;
}

static void sb_add(struct sb *b, const char *s){
  sb_addn(b, s, strlen(s));
}

static void sb_free(struct sb *b){
  free(b->p);
  b->p = NULL;
  b->n = b->cap = 0;
}

/* Append a simple named part "--B CRLF CD: form-data; name="name" CRLF CRLF body CRLF". */
static void sb_part(struct sb *b, const char *bnd, const char *name, const char *body){
  sb_add(b, "--");
  sb_add(b, bnd);
  sb_add(b, "\r\nContent-Disposition: form-data; name=\"");
  sb_add(b, name);
  sb_add(b, "\"\r\n\r\n");
  sb_add(b, body);
  sb_add(b, "\r\n");
}

/* Append the close delimiter "--B--". */
static void sb_close(struct sb *b, const char *bnd){
  sb_add(b, "--");
  sb_add(b, bnd);
  sb_add(b, "--");
}

static char *xstrdup(const char *s){
  char *d;
  if( s==NULL ) return NULL;
  d = strdup(s);
  ck_assert_ptr_nonnull(d);
  return d;
}

/* One recorded event; consecutive data chunks are merged into one 'D' event. */
struct ev {
  char type; /* 'B' begin, 'D' data, 'E' end */
  char *name, *filename, *ctype;
  int has_filename;
  char *data;
  size_t len;
};

/* Records callback events and checks the callback protocol as it goes. */
struct rec {
  struct ev *ev;
  size_t nev, cap;
  int in_part;
  int violations;       /* protocol breaches seen by the callbacks */
  int abort_begin_at;   /* return nonzero on the Nth call (1-based), 0 = never */
  int abort_data_at;
  int abort_end_at;
  int nbegin, ndata, nend;
  int aborted;          /* a callback has returned nonzero */
  int calls_after_abort;
  const char *saved_name, *saved_filename, *saved_ctype; /* parser's pointers */
};

static struct ev *rec_push(struct rec *r, char type){
  struct ev *e;
  if( r->nev==r->cap ){
    r->cap = r->cap ? r->cap*2 : 16;
    r->ev = realloc(r->ev, r->cap * sizeof(*r->ev));
    ck_assert_ptr_nonnull(r->ev);
  }
  e = &r->ev[r->nev++];
  memset(e, 0, sizeof(*e));
  e->type = type;
  return e;
}

static void rec_free(struct rec *r){
  size_t i;
  for(i=0; i<r->nev; i++){
    free(r->ev[i].name);
    free(r->ev[i].filename);
    free(r->ev[i].ctype);
    free(r->ev[i].data);
  }
  free(r->ev);
  memset(r, 0, sizeof(*r));
}

/* Check the parser's strings still hold what on_part_begin saw. */
static void rec_check_saved(struct rec *r){
  const struct ev *b = NULL;
  size_t i;
  for(i=r->nev; i>0; i--){
    if( r->ev[i-1].type=='B' ){ b = &r->ev[i-1]; break; }
  }
  if( b==NULL ){ r->violations++; return; }
  if( strcmp(r->saved_name, b->name)!=0 ) r->violations++;
  if( (r->saved_filename==NULL)!=(b->filename==NULL) ) r->violations++;
  else if( b->filename && strcmp(r->saved_filename, b->filename)!=0 ) r->violations++;
  if( (r->saved_ctype==NULL)!=(b->ctype==NULL) ) r->violations++;
  else if( b->ctype && strcmp(r->saved_ctype, b->ctype)!=0 ) r->violations++;
}

static int rec_begin(void *ctx, const struct mp_part_info *info){
  struct rec *r = ctx;
  struct ev *e;
  if( r->aborted ) r->calls_after_abort++;
  if( r->in_part ) r->violations++;
  if( info->name==NULL || info->name[0]==0 ) r->violations++;
  if( (info->filename!=NULL)!=(info->has_filename!=0) ) r->violations++;
  r->in_part = 1;
  e = rec_push(r, 'B');
  e->name = xstrdup(info->name);
  e->filename = xstrdup(info->filename);
  e->ctype = xstrdup(info->content_type);
  e->has_filename = info->has_filename;
  r->saved_name = info->name;
  r->saved_filename = info->filename;
  r->saved_ctype = info->content_type;
  if( ++r->nbegin==r->abort_begin_at ){ r->aborted = 1; return 1; }
  return 0;
}

static int rec_data(void *ctx, const char *data, size_t len){
  struct rec *r = ctx;
  struct ev *e;
  if( r->aborted ) r->calls_after_abort++;
  if( !r->in_part || len==0 || data==NULL ) r->violations++;
  rec_check_saved(r);
  e = (r->nev>0 && r->ev[r->nev-1].type=='D') ? &r->ev[r->nev-1] : rec_push(r, 'D');
  e->data = realloc(e->data, e->len + len + 1);
  ck_assert_ptr_nonnull(e->data);
  memcpy(e->data + e->len, data, len);
  e->len += len;
  if( ++r->ndata==r->abort_data_at ){ r->aborted = 1; return 1; }
  return 0;
}

static int rec_end(void *ctx){
  struct rec *r = ctx;
  if( r->aborted ) r->calls_after_abort++;
  if( !r->in_part ) r->violations++;
  rec_check_saved(r);
  r->in_part = 0;
  rec_push(r, 'E');
  if( ++r->nend==r->abort_end_at ){ r->aborted = 1; return 1; }
  return 0;
}

static struct mp_callbacks rec_callbacks(struct rec *r){
  struct mp_callbacks cb;
  cb.ctx = r;
  cb.on_part_begin = rec_begin;
  cb.on_part_data = rec_data;
  cb.on_part_end = rec_end;
  return cb;
}

static int str_eq_null(const char *a, const char *b){
  if( a==NULL || b==NULL ) return a==b;
  return strcmp(a, b)==0;
}

/* Return 1 if two recordings hold the same events and bytes. */
static int rec_equal(const struct rec *a, const struct rec *b){
  size_t i;
  if( a->nev!=b->nev ) return 0;
  for(i=0; i<a->nev; i++){
    const struct ev *x = &a->ev[i], *y = &b->ev[i];
    if( x->type!=y->type || x->has_filename!=y->has_filename ) return 0;
    if( !str_eq_null(x->name, y->name) || !str_eq_null(x->filename, y->filename)
     || !str_eq_null(x->ctype, y->ctype) ) return 0;
    if( x->len!=y->len ) return 0;
    if( x->len && memcmp(x->data, y->data, x->len)!=0 ) return 0;
  }
  return 1;
}

/*
** Feed msg to a fresh parser at the given cut points (cuts[] ascending,
** ncuts of them), then call mp_finish.  Checks along the way that DONE and
** errors are sticky for the rest of the input and for mp_finish.  Returns
** the final result code.
*/
static int run_cuts(const char *bnd, const struct mp_limits *lim, const char *msg,
                    size_t len, const size_t *cuts, size_t ncuts, struct rec *r){
  struct mp_callbacks cb = rec_callbacks(r);
  struct mp_parser *p = mp_new(bnd, lim, &cb);
  size_t off = 0, c;
  int rc = MP_OK, rc2;
  ck_assert_ptr_nonnull(p);
  for(c=0; c<=ncuts; c++){
    size_t end = c<ncuts ? cuts[c] : len;
    int r1 = mp_feed(p, msg+off, end-off);
    if( rc==MP_OK ) rc = r1;
    else ck_assert_int_eq(r1, rc); /* DONE and errors are sticky */
    off = end;
  }
  rc2 = mp_finish(p);
  if( rc==MP_OK ) rc = rc2;
  else ck_assert_int_eq(rc2, rc);
  ck_assert_int_eq(mp_finish(p), rc);
  if( rc!=MP_DONE && rc!=MP_OK ) ck_assert_int_eq(mp_feed(p, "x", 1), rc);
  mp_free(p);
  ck_assert_int_eq(r->violations, 0);
  ck_assert_int_eq(r->calls_after_abort, 0);
  return rc;
}

/* Feed msg in chunks of chunk bytes (0: all at once). */
static int run_chunked(const char *bnd, const struct mp_limits *lim, const char *msg,
                       size_t len, size_t chunk, struct rec *r){
  size_t *cuts, n = 0, off;
  int rc;
  if( chunk==0 ) chunk = len ? len : 1;
  cuts = malloc((len/chunk + 1) * sizeof(*cuts));
  ck_assert_ptr_nonnull(cuts);
  for(off=chunk; off<len; off+=chunk) cuts[n++] = off;
  rc = run_cuts(bnd, lim, msg, len, cuts, n, r);
  free(cuts);
  return rc;
}

static int run_all(const char *bnd, const struct mp_limits *lim, const char *msg,
                   size_t len, struct rec *r){
  return run_chunked(bnd, lim, msg, len, 0, r);
}

static int run_str(const char *msg, struct rec *r){
  return run_all(B, NULL, msg, strlen(msg), r);
}

/* Assert event i is a begin with these values (filename/ctype may be NULL). */
static void expect_begin(const struct rec *r, size_t i, const char *name,
                         const char *filename, const char *ctype){
  ck_assert_uint_lt(i, r->nev);
  ck_assert_int_eq(r->ev[i].type, 'B');
  ck_assert_str_eq(r->ev[i].name, name);
  ck_assert_int_eq(r->ev[i].has_filename, filename!=NULL);
  if( filename ) ck_assert_str_eq(r->ev[i].filename, filename);
  else ck_assert_ptr_null(r->ev[i].filename);
  if( ctype ) ck_assert_str_eq(r->ev[i].ctype, ctype);
  else ck_assert_ptr_null(r->ev[i].ctype);
}

/* Assert event i is data equal to the len bytes at data. */
static void expect_data(const struct rec *r, size_t i, const char *data, size_t len){
  ck_assert_uint_lt(i, r->nev);
  ck_assert_int_eq(r->ev[i].type, 'D');
  ck_assert_uint_eq(r->ev[i].len, len);
  ck_assert(memcmp(r->ev[i].data, data, len)==0);
}

static void expect_end(const struct rec *r, size_t i){
  ck_assert_uint_lt(i, r->nev);
  ck_assert_int_eq(r->ev[i].type, 'E');
}

/* Expect msg (boundary B, default limits) to fail with rc and emit no begin event. */
static void expect_error_no_part(const char *msg, int want){
  struct rec r = {0};
  ck_assert_int_eq(run_str(msg, &r), want);
  ck_assert_int_eq(r.nbegin, 0);
  rec_free(&r);
}

/* Parse a one-part message whose header lines are hdrs (each ending CRLF). */
static int run_headers(const char *hdrs, struct rec *r){
  struct sb m = {0};
  int rc;
  sb_add(&m, "--" B "\r\n");
  sb_add(&m, hdrs);
  sb_add(&m, "\r\nbody\r\n--" B "--\r\n");
  rc = run_all(B, NULL, m.p, m.n, r);
  sb_free(&m);
  return rc;
}

/*
** Parse msg whole, then split at every single position, then one byte at a
** time, and assert every run gives the same result code and events.
** Returns the result code.
*/
static int check_split_invariance(const char *bnd, const struct mp_limits *lim,
                                  const char *msg, size_t len){
  struct rec ref = {0};
  size_t s;
  int rc = run_all(bnd, lim, msg, len, &ref);
  for(s=0; s<=len; s++){
    struct rec r = {0};
    ck_assert_int_eq(run_cuts(bnd, lim, msg, len, &s, 1, &r), rc);
    if( !rec_equal(&ref, &r) ) ck_abort_msg("events differ with a split at %zu", s);
    rec_free(&r);
  }
  {
    struct rec r = {0};
    ck_assert_int_eq(run_chunked(bnd, lim, msg, len, 1, &r), rc);
    ck_assert_msg(rec_equal(&ref, &r), "events differ when fed one byte at a time");
    rec_free(&r);
  }
  {
    struct rec r = {0};
    ck_assert_int_eq(run_chunked(bnd, lim, msg, len, 7, &r), rc);
    ck_assert_msg(rec_equal(&ref, &r), "events differ when fed 7 bytes at a time");
    rec_free(&r);
  }
  rec_free(&ref);
  return rc;
}

/* Small limits used where a test wants to hit them. */
static struct mp_limits small_limits(void){
  struct mp_limits l;
  l.max_parts = 5;
  l.max_header_bytes = 200;
  l.max_headers = 4;
  l.max_preamble = 16;
  return l;
}

/* ------------------------------------------------------------ basic parts */

START_TEST(t01_simple_field)
{
  struct rec r = {0};
  const char *msg = "--" B "\r\n"
    "Content-Disposition: form-data; name=\"title\"\r\n"
    "\r\n"
    "hello world\r\n"
    "--" B "--\r\n";
  ck_assert_int_eq(run_str(msg, &r), MP_DONE);
  ck_assert_uint_eq(r.nev, 3);
  expect_begin(&r, 0, "title", NULL, NULL);
  expect_data(&r, 1, "hello world", 11);
  expect_end(&r, 2);
  rec_free(&r);
}
END_TEST

START_TEST(t02_file_part)
{
  struct rec r = {0};
  const char *msg = "--" B "\r\n"
    "Content-Disposition: form-data; name=\"evidence\"; filename=\"../../etc/passwd\"\r\n"
    "Content-Type: application/pdf\r\n"
    "\r\n"
    "%PDF-1.4\r\n\r\nbinary\r\n"
    "--" B "--";
  ck_assert_int_eq(run_str(msg, &r), MP_DONE);
  ck_assert_uint_eq(r.nev, 3);
  expect_begin(&r, 0, "evidence", "../../etc/passwd", "application/pdf");
  expect_data(&r, 1, "%PDF-1.4\r\n\r\nbinary", 18);
  expect_end(&r, 2);
  rec_free(&r);
}
END_TEST

START_TEST(t03_several_parts)
{
  struct rec r = {0};
  const char *msg = "--" B "\r\n"
    "Content-Disposition: form-data; name=a\r\n\r\n"
    "1\r\n"
    "--" B "\r\n"
    "Content-Disposition: form-data; name=\"b\"; filename=\"\"\r\n"
    "Content-Type: application/octet-stream\r\n\r\n"
    "\r\n"
    "--" B "\r\n"
    "Content-Disposition: form-data; name=\"c\"\r\n\r\n"
    "three\r\n"
    "--" B "--\r\n";
  struct mp_parser *p;
  ck_assert_int_eq(run_str(msg, &r), MP_DONE);
  ck_assert_uint_eq(r.nev, 8);
  expect_begin(&r, 0, "a", NULL, NULL);
  expect_data(&r, 1, "1", 1);
  expect_end(&r, 2);
  expect_begin(&r, 3, "b", "", "application/octet-stream"); /* empty file input */
  expect_end(&r, 4);                                        /* no data event */
  expect_begin(&r, 5, "c", NULL, NULL);
  expect_data(&r, 6, "three", 5);
  expect_end(&r, 7);
  p = mp_new(B, NULL, NULL); /* no callbacks at all */
  ck_assert_ptr_nonnull(p);
  ck_assert_int_eq(mp_feed(p, msg, strlen(msg)), MP_DONE);
  ck_assert_uint_eq(mp_parts(p), 3);
  mp_free(p);
  rec_free(&r);
}
END_TEST

START_TEST(t04_quoted_escapes)
{
  struct rec r = {0};
  ck_assert_int_eq(run_headers(
    "Content-Disposition: form-data; name=\"a\\\"b\\\\c;d\"; filename=\"x \\\"y\\\".txt\"\r\n", &r),
    MP_DONE);
  expect_begin(&r, 0, "a\"b\\c;d", "x \"y\".txt", NULL);
  expect_data(&r, 1, "body", 4);
  rec_free(&r);
}
END_TEST

START_TEST(t05_tokens_case_and_params)
{
  struct rec r = {0};
  ck_assert_int_eq(run_headers(
    "content-DISPOSITION:FORM-DATA ;NAME = field_1 ; FileName=report.v2.pdf;"
    " filename*=UTF-8''r%C3%A9sum%C3%A9.pdf; size=12 ; creation-date=\"Wed, 12 Feb 1997\"\r\n"
    "CONTENT-type:   text/plain; charset=utf-8 \t\r\n"
    "X-Other: anything at all\t(ignored)\r\n", &r), MP_DONE);
  expect_begin(&r, 0, "field_1", "report.v2.pdf", "text/plain; charset=utf-8");
  rec_free(&r);
}
END_TEST

START_TEST(t06_utf8_and_tab_in_values)
{
  struct rec r = {0};
  ck_assert_int_eq(run_headers(
    "Content-Disposition: form-data; name=\"n\"; filename=\"r\xc3\xa9sum\xc3\xa9\tv1.pdf\"\r\n", &r),
    MP_DONE);
  expect_begin(&r, 0, "n", "r\xc3\xa9sum\xc3\xa9\tv1.pdf", NULL);
  rec_free(&r);
}
END_TEST

/* ------------------------------------------------------ delimiter matching */

START_TEST(t10_near_boundary_body)
{
  static const char body[] =
    "a\r\n--xYzZ\r\n"      /* prefix, then CRLF */
    "\r\n--xYz\r\r\n--x"   /* CR restarts a match */
    "\r\n-\r\nX"            /* one dash */
    "--xYzZy"               /* boundary not at line start: data */
    "\n--xYzZy\r--xYzZy"    /* LF or CR alone: data */
    "\r\r\r\n\r\n"          /* runs of CR */
    "\r\n--xYzZ";           /* ends with a long prefix */
  struct sb m = {0};
  struct rec r = {0};
  sb_add(&m, "--" B "\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\n");
  sb_addn(&m, body, sizeof(body)-1);
  sb_add(&m, "\r\n--" B "--");
  ck_assert_int_eq(run_all(B, NULL, m.p, m.n, &r), MP_DONE);
  ck_assert_uint_eq(r.nev, 3);
  expect_data(&r, 1, body, sizeof(body)-1);
  ck_assert_int_eq(check_split_invariance(B, NULL, m.p, m.n), MP_DONE);
  rec_free(&r);
  sb_free(&m);
}
END_TEST

START_TEST(t11_body_starting_with_dashes)
{
  /* Right after the header block, "--B" is not at a line start (the CRLF
  ** ending the blank line belongs to the headers), so it is body data. */
  struct rec r = {0};
  const char *msg = "--" B "\r\nContent-Disposition: form-data; name=f\r\n\r\n"
    "--" B "\r\n--" B "--";
  ck_assert_int_eq(run_str(msg, &r), MP_DONE);
  expect_data(&r, 1, "--" B, 7);
  rec_free(&r);
}
END_TEST

START_TEST(t12_empty_body_and_crlf_body)
{
  struct rec r = {0};
  const char *msg = "--" B "\r\nContent-Disposition: form-data; name=e\r\n\r\n"
    "\r\n--" B "\r\nContent-Disposition: form-data; name=c\r\n\r\n"
    "\r\n\r\n--" B "--";
  ck_assert_int_eq(run_str(msg, &r), MP_DONE);
  ck_assert_uint_eq(r.nev, 5);
  expect_begin(&r, 0, "e", NULL, NULL);
  expect_end(&r, 1);
  expect_begin(&r, 2, "c", NULL, NULL);
  expect_data(&r, 3, "\r\n", 2);
  expect_end(&r, 4);
  rec_free(&r);
}
END_TEST

START_TEST(t13_split_invariance_every_position)
{
  struct sb m = {0};
  int rc;
  struct mp_limits lim;
  mp_limits_default(&lim);
  sb_add(&m, "preamble text\r\n--xYzZ is not it\r\n");
  sb_add(&m, "--" B " \t \r\n");
  sb_add(&m, "Content-Disposition: form-data; name=\"a\\\"q\"\r\n\r\n");
  sb_add(&m, "v\r\n--xY\r\n--" B "\t\r\n");
  sb_add(&m, "Content-Disposition: form-data; name=file; filename=\"f.bin\"\r\n");
  sb_add(&m, "Content-Type: image/png\r\n\r\n");
  sb_addn(&m, "\0\x01\r\n\r\n-\r\n--xYzZ\xff", 16);
  sb_add(&m, "\r\n--" B "\r\nContent-Disposition: form-data; name=empty\r\n\r\n");
  sb_add(&m, "\r\n--" B "-- \r\nepilogue\r\n--" B "\r\nignored");
  rc = check_split_invariance(B, &lim, m.p, m.n);
  ck_assert_int_eq(rc, MP_DONE);
  sb_free(&m);
}
END_TEST

/* Error outcomes must not depend on chunking either. */
START_TEST(t14_split_invariance_errors)
{
  static const char *const msgs[] = {
    "--" B "\r\nContent-Disposition: form-data; name=a\r\n\r\nabc\r\n--xYz",      /* truncated */
    "--" B "\r\nContent-Disposition: form-data; name=a\r\n\r\nabc\r\n--" B "x",    /* syntax */
    "--" B "\r\nContent-Disposition: form-data; name=a\r\nX: 1\r\nY: 2\r\nZ: 3\r\n"
      "W: 4\r\n\r\n",                                                             /* headers */
    "0123456789abcdefX\r\n--" B "--",                                            /* preamble */
  };
  static const int want[] = { MP_ERR_TRUNCATED, MP_ERR_SYNTAX, MP_ERR_TOO_MANY_HEADERS,
                              MP_ERR_PREAMBLE };
  struct mp_limits lim = small_limits();
  size_t i;
  for(i=0; i<sizeof(msgs)/sizeof(msgs[0]); i++){
    ck_assert_int_eq(check_split_invariance(B, &lim, msgs[i], strlen(msgs[i])), want[i]);
  }
}
END_TEST

START_TEST(t15_all_byte_values)
{
  char body[256*3 + 8];
  size_t n = 0, i;
  struct sb m = {0};
  struct rec r = {0};
  for(i=0; i<256; i++) body[n++] = (char)i;
  for(i=0; i<256; i++) body[n++] = (char)(255 - i);
  memcpy(body+n, "\r\n--xYzZ", 8); n += 8; /* near miss in the middle */
  for(i=0; i<256; i++) body[n++] = (char)((i*7) & 0xff);
  sb_add(&m, "--" B "\r\nContent-Disposition: form-data; name=bin; filename=b\r\n"
             "Content-Type: application/octet-stream\r\n\r\n");
  sb_addn(&m, body, n);
  sb_add(&m, "\r\n--" B "--\r\n");
  ck_assert_int_eq(run_all(B, NULL, m.p, m.n, &r), MP_DONE);
  ck_assert_uint_eq(r.nev, 3);
  expect_begin(&r, 0, "bin", "b", "application/octet-stream");
  expect_data(&r, 1, body, n);
  ck_assert_int_eq(check_split_invariance(B, NULL, m.p, m.n), MP_DONE);
  rec_free(&r);
  sb_free(&m);
}
END_TEST

START_TEST(t16_transport_padding)
{
  struct rec r = {0};
  const char *msg = "--" B " \t \r\nContent-Disposition: form-data; name=a\r\n\r\n"
    "x\r\n--" B "\t\r\nContent-Disposition: form-data; name=b\r\n\r\n"
    "y\r\n--" B "--  \t\r\n";
  ck_assert_int_eq(run_str(msg, &r), MP_DONE);
  ck_assert_uint_eq(r.nev, 6);
  expect_data(&r, 1, "x", 1);
  expect_begin(&r, 3, "b", NULL, NULL);
  expect_data(&r, 4, "y", 1);
  rec_free(&r);
  /* padding then '-' is not a close delimiter */
  expect_error_no_part("--" B " --\r\n", MP_ERR_SYNTAX);
}
END_TEST

START_TEST(t17_streaming_holds_back_little)
{
  /* 2 MiB body in 64 KiB chunks: after every feed, all but at most the
  ** delimiter length of the body fed so far must have been reported. */
  enum { CHUNK = 65536, NCHUNK = 32 };
  static char chunk[CHUNK];
  const char *head = "--" B "\r\nContent-Disposition: form-data; name=big\r\n\r\n";
  struct mp_callbacks cb;
  struct rec r = {0};
  struct mp_parser *p;
  size_t i, fed = 0, dlen = 4 + strlen(B);
  for(i=0; i<CHUNK; i++) chunk[i] = (char)(i*31 + 7);
  chunk[CHUNK-3] = '\r'; chunk[CHUNK-2] = '\n'; chunk[CHUNK-1] = '-'; /* held across feeds */
  cb = rec_callbacks(&r);
  p = mp_new(B, NULL, &cb);
  ck_assert_ptr_nonnull(p);
  ck_assert_int_eq(mp_feed(p, head, strlen(head)), MP_OK);
  for(i=0; i<NCHUNK; i++){
    size_t got;
    ck_assert_int_eq(mp_feed(p, chunk, CHUNK), MP_OK);
    fed += CHUNK;
    got = r.nev>=2 ? r.ev[1].len : 0;
    ck_assert_uint_le(got, fed);
    ck_assert_uint_ge(got + dlen, fed);
    ck_assert_uint_eq(got, fed - 3);
  }
  ck_assert_int_eq(mp_feed(p, "\r\n--" B "--", 4 + strlen(B) + 2), MP_DONE);
  ck_assert_uint_eq(r.ev[1].len, fed);
  ck_assert(memcmp(r.ev[1].data + (fed - CHUNK), chunk, CHUNK)==0);
  mp_free(p);
  rec_free(&r);
}
END_TEST

/* ---------------------------------------------------------------- framing */

START_TEST(t20_missing_final_boundary)
{
  struct rec r = {0};
  struct mp_parser *p;
  const char *msg = "--" B "\r\nContent-Disposition: form-data; name=a\r\n\r\nabc";
  ck_assert_int_eq(run_str(msg, &r), MP_ERR_TRUNCATED);
  ck_assert_int_eq(r.nend, 0); /* the open part is not ended */
  rec_free(&r);
  /* body, then a delimiter with no "--" after it */
  expect_error_no_part("--" B, MP_ERR_TRUNCATED);
  {
    struct rec r2 = {0};
    ck_assert_int_eq(run_str("--" B "\r\nContent-Disposition: form-data; name=a\r\n\r\nabc\r\n--" B,
                             &r2), MP_ERR_TRUNCATED);
    ck_assert_int_eq(r2.nend, 1);
    expect_data(&r2, 1, "abc", 3);
    rec_free(&r2);
  }
  expect_error_no_part("--" B "\r\nContent-Disposition: form-data; na", MP_ERR_TRUNCATED);
  expect_error_no_part("--" B "-", MP_ERR_TRUNCATED);
  expect_error_no_part("--" B "  ", MP_ERR_TRUNCATED);
  expect_error_no_part("--" B "\r", MP_ERR_TRUNCATED);
  /* finish stays TRUNCATED, and feeding afterwards does not revive it */
  p = mp_new(B, NULL, NULL);
  ck_assert_ptr_nonnull(p);
  ck_assert_int_eq(mp_finish(p), MP_ERR_TRUNCATED);
  ck_assert_int_eq(mp_feed(p, "--" B "--", 9), MP_ERR_TRUNCATED);
  ck_assert_int_eq(mp_finish(p), MP_ERR_TRUNCATED);
  mp_free(p);
}
END_TEST

START_TEST(t21_empty_input_and_empty_form)
{
  struct rec r = {0};
  expect_error_no_part("", MP_ERR_TRUNCATED);
  ck_assert_int_eq(run_str("--" B "--", &r), MP_DONE);
  ck_assert_uint_eq(r.nev, 0);
  rec_free(&r);
  ck_assert_int_eq(run_str("--" B "--\r\n", &r), MP_DONE);
  ck_assert_uint_eq(r.nev, 0);
  rec_free(&r);
}
END_TEST

START_TEST(t22_preamble)
{
  struct mp_limits lim = small_limits(); /* max_preamble 16 */
  struct rec r = {0};
  const char *ok16 = "0123456789abcdef\r\n--" B "--";
  const char *bad17 = "0123456789abcdefg\r\n--" B "--";
  const char *near = "\r\n--xYzZ\r\n--" B "\r\nContent-Disposition: form-data; name=a\r\n\r\nz\r\n--" B "--";
  ck_assert_int_eq(run_all(B, &lim, ok16, strlen(ok16), &r), MP_DONE);
  rec_free(&r);
  ck_assert_int_eq(run_all(B, &lim, bad17, strlen(bad17), &r), MP_ERR_PREAMBLE);
  rec_free(&r);
  /* near-boundary lines in the preamble are preamble */
  ck_assert_int_eq(run_all(B, &lim, near, strlen(near), &r), MP_DONE);
  expect_begin(&r, 0, "a", NULL, NULL);
  expect_data(&r, 1, "z", 1);
  rec_free(&r);
  /* "--B" not at a line start is not the first delimiter */
  ck_assert_int_eq(run_all(B, &lim, "junk--" B "--", strlen("junk--" B "--"), &r), MP_ERR_TRUNCATED);
  rec_free(&r);
  /* max_preamble 0: only a boundary at the very start or after a bare CRLF */
  lim.max_preamble = 0;
  ck_assert_int_eq(run_all(B, &lim, "--" B "--", 9, &r), MP_DONE);
  rec_free(&r);
  ck_assert_int_eq(run_all(B, &lim, "\r\n--" B "--", 11, &r), MP_DONE);
  rec_free(&r);
  ck_assert_int_eq(run_all(B, &lim, "x\r\n--" B "--", 12, &r), MP_ERR_PREAMBLE);
  rec_free(&r);
}
END_TEST

START_TEST(t23_huge_preamble_detected_early)
{
  size_t n = 4u << 20, i;
  char *big = malloc(n);
  struct mp_parser *p;
  ck_assert_ptr_nonnull(big);
  for(i=0; i<n; i++) big[i] = (char)('a' + i % 26);
  p = mp_new(B, NULL, NULL); /* default max_preamble 1024 */
  ck_assert_ptr_nonnull(p);
  ck_assert_int_eq(mp_feed(p, big, 1024), MP_OK);
  ck_assert_int_eq(mp_feed(p, big, 1), MP_ERR_PREAMBLE);
  ck_assert_int_eq(mp_feed(p, "\r\n--" B "--", 11), MP_ERR_PREAMBLE);
  ck_assert_int_eq(mp_finish(p), MP_ERR_PREAMBLE);
  mp_free(p);
  {
    struct rec r = {0};
    ck_assert_int_eq(run_chunked(B, NULL, big, n, 4096, &r), MP_ERR_PREAMBLE);
    rec_free(&r);
  }
  free(big);
}
END_TEST

START_TEST(t24_epilogue_ignored)
{
  struct rec r = {0};
  static const char msg[] = "--" B "\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--" B "--"
    "\r\n--" B "\r\nContent-Disposition: form-data; name=b\r\n\r\n2\r\n--" B "--\r\n\x00\x01garbage";
  size_t len = sizeof(msg) - 1;
  struct mp_parser *p;
  struct mp_callbacks cb;
  ck_assert_int_eq(run_all(B, NULL, msg, len, &r), MP_DONE);
  ck_assert_uint_eq(r.nev, 3);
  expect_begin(&r, 0, "a", NULL, NULL);
  rec_free(&r);
  cb = rec_callbacks(&r);
  p = mp_new(B, NULL, &cb);
  ck_assert_ptr_nonnull(p);
  ck_assert_int_eq(mp_feed(p, msg, 50), MP_OK); /* not yet done */
  ck_assert_int_eq(mp_feed(p, msg + 50, len - 50), MP_DONE);
  ck_assert_int_eq(mp_feed(p, "--" B "\r\n", 9), MP_DONE);
  ck_assert_int_eq(mp_feed(p, NULL, 0), MP_DONE);
  ck_assert_int_eq(mp_finish(p), MP_DONE);
  ck_assert_uint_eq(r.nev, 3);
  ck_assert_uint_eq(mp_parts(p), 1);
  mp_free(p);
  rec_free(&r);
}
END_TEST

START_TEST(t25_bad_delimiter_lines)
{
  expect_error_no_part("--" B "x\r\n", MP_ERR_SYNTAX);
  expect_error_no_part("--" B "-x", MP_ERR_SYNTAX);
  expect_error_no_part("--" B "\rx", MP_ERR_SYNTAX);
  expect_error_no_part("--" B "\nContent-Disposition: form-data; name=a\n\nv\n--" B "--", MP_ERR_SYNTAX);
  expect_error_no_part("--" B " x\r\n", MP_ERR_SYNTAX);
  {
    /* boundary followed by other characters inside a body */
    struct rec r = {0};
    ck_assert_int_eq(run_str("--" B "\r\nContent-Disposition: form-data; name=a\r\n\r\n"
                             "v\r\n--" B "Q rest\r\n--" B "--", &r), MP_ERR_SYNTAX);
    ck_assert_int_eq(r.nend, 1);
    rec_free(&r);
  }
}
END_TEST

START_TEST(t26_garbage)
{
  static const char *const junk[] = {
    "hello world",
    "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
    "\r\n\r\n\r\n",
    "--",
    "--xYz",
    "--xyzzy--",   /* boundary is case-sensitive */
  };
  size_t i;
  for(i=0; i<sizeof(junk)/sizeof(junk[0]); i++) expect_error_no_part(junk[i], MP_ERR_TRUNCATED);
  expect_error_no_part("--" B "\r\n\x01\x02\xff", MP_ERR_SYNTAX);
  expect_error_no_part("--" B "\r\n\r\n\r\nbody\r\n--" B "--", MP_ERR_SYNTAX); /* no headers */
  expect_error_no_part("--" B "\r\ngarbage line\r\n\r\n", MP_ERR_SYNTAX);
}
END_TEST

START_TEST(t27_null_buffer_and_null_parser)
{
  struct mp_parser *p = mp_new(B, NULL, NULL);
  ck_assert_ptr_nonnull(p);
  ck_assert_int_eq(mp_feed(p, NULL, 0), MP_OK);
  ck_assert_int_eq(mp_feed(p, "", 0), MP_OK);
  ck_assert_int_eq(mp_feed(p, NULL, 5), MP_ERR_SYNTAX);
  ck_assert_int_eq(mp_feed(p, "--" B "--", 9), MP_ERR_SYNTAX);
  mp_free(p);
  ck_assert_int_eq(mp_feed(NULL, "x", 1), MP_ERR_SYNTAX);
  ck_assert_int_eq(mp_finish(NULL), MP_ERR_SYNTAX);
  ck_assert_uint_eq(mp_parts(NULL), 0);
  mp_free(NULL);
}
END_TEST

/* ----------------------------------------------------------------- limits */

START_TEST(t30_too_many_parts)
{
  struct sb m = {0};
  struct rec r = {0};
  struct mp_limits lim;
  int i;
  mp_limits_default(&lim);
  lim.max_parts = 100;
  for(i=0; i<2000; i++) sb_part(&m, B, "p", "v");
  sb_close(&m, B);
  ck_assert_int_eq(run_all(B, &lim, m.p, m.n, &r), MP_ERR_TOO_MANY_PARTS);
  ck_assert_int_eq(r.nbegin, 100);
  ck_assert_int_eq(r.nend, 100);
  rec_free(&r);
  sb_free(&m);
  /* exactly max_parts is fine */
  for(i=0; i<100; i++) sb_part(&m, B, "p", "v");
  sb_close(&m, B);
  ck_assert_int_eq(run_all(B, &lim, m.p, m.n, &r), MP_DONE);
  ck_assert_int_eq(r.nbegin, 100);
  rec_free(&r);
  sb_free(&m);
  /* max_parts 0 allows only the empty form */
  lim.max_parts = 0;
  ck_assert_int_eq(run_all(B, &lim, "--" B "--", 9, &r), MP_DONE);
  rec_free(&r);
  ck_assert_int_eq(run_all(B, &lim, "--" B "\r\n", 9, &r), MP_ERR_TOO_MANY_PARTS);
  rec_free(&r);
}
END_TEST

START_TEST(t31_header_too_large)
{
  /* max_header_bytes counts the whole header block: line, CRLF, empty line. */
  const char *line = "Content-Disposition: form-data; name=\"ab\"";
  size_t block = strlen(line) + 4;
  struct mp_limits lim = small_limits();
  struct rec r = {0};
  struct sb m = {0}, msg = {0};
  size_t i;
  sb_add(&msg, "--" B "\r\n");
  sb_add(&msg, line);
  sb_add(&msg, "\r\n\r\nv\r\n--" B "--");
  lim.max_header_bytes = block;
  ck_assert_int_eq(run_all(B, &lim, msg.p, msg.n, &r), MP_DONE);
  expect_begin(&r, 0, "ab", NULL, NULL);
  rec_free(&r);
  lim.max_header_bytes = block - 1;
  ck_assert_int_eq(run_all(B, &lim, msg.p, msg.n, &r), MP_ERR_HEADER_TOO_LARGE);
  ck_assert_int_eq(r.nbegin, 0);
  rec_free(&r);
  /* a limit of 0 refuses every part */
  lim.max_header_bytes = 0;
  ck_assert_int_eq(run_all(B, &lim, msg.p, msg.n, &r), MP_ERR_HEADER_TOO_LARGE);
  rec_free(&r);
  sb_free(&msg);
  /* one endless header line, fed in chunks, is stopped at the limit */
  lim.max_header_bytes = 8192;
  sb_add(&m, "--" B "\r\nX-Long: ");
  for(i=0; i<100000; i++) sb_add(&m, "a");
  ck_assert_int_eq(run_chunked(B, &lim, m.p, m.n, 1000, &r), MP_ERR_HEADER_TOO_LARGE);
  rec_free(&r);
  {
    /* the error is reported as soon as the limit is passed, not at the end */
    struct mp_parser *p = mp_new(B, &lim, NULL);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(mp_feed(p, m.p, 9 + 8192), MP_OK);
    ck_assert_int_eq(mp_feed(p, "a", 1), MP_ERR_HEADER_TOO_LARGE);
    mp_free(p);
  }
  sb_free(&m);
}
END_TEST

START_TEST(t32_too_many_headers)
{
  const char *four = "--" B "\r\nContent-Disposition: form-data; name=a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\nv\r\n--" B "--";
  const char *five = "--" B "\r\nContent-Disposition: form-data; name=a\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\nv\r\n--" B "--";
  struct mp_limits lim = small_limits(); /* max_headers 4 */
  struct rec r = {0};
  ck_assert_int_eq(run_all(B, &lim, four, strlen(four), &r), MP_DONE);
  expect_data(&r, 1, "v", 1);
  rec_free(&r);
  ck_assert_int_eq(run_all(B, &lim, five, strlen(five), &r), MP_ERR_TOO_MANY_HEADERS);
  ck_assert_int_eq(r.nbegin, 0);
  rec_free(&r);
}
END_TEST

START_TEST(t33_limits_are_per_part)
{
  /* Each part uses 3 of 4 header lines and most of the header bytes:
  ** the counters must reset between parts. */
  struct mp_limits lim = small_limits();
  struct sb m = {0};
  struct rec r = {0};
  int i;
  for(i=0; i<5; i++){
    sb_add(&m, "--" B "\r\nContent-Disposition: form-data; name=abc\r\n"
               "X-Pad: 0123456789012345678901234567890123456789012345678901234567890123456789\r\n"
               "Content-Type: text/plain\r\n\r\nbody\r\n");
  }
  sb_close(&m, B);
  ck_assert_int_eq(run_all(B, &lim, m.p, m.n, &r), MP_DONE);
  ck_assert_int_eq(r.nbegin, 5);
  rec_free(&r);
  sb_free(&m);
}
END_TEST

/* -------------------------------------------------------- header contents */

START_TEST(t40_missing_name)
{
  struct rec r = {0};
  ck_assert_int_eq(run_headers("Content-Disposition: form-data; filename=\"x.txt\"\r\n", &r), MP_ERR_SYNTAX);
  ck_assert_int_eq(r.nbegin, 0);
  rec_free(&r);
  ck_assert_int_eq(run_headers("Content-Disposition: form-data\r\n", &r), MP_ERR_SYNTAX);
  rec_free(&r);
  ck_assert_int_eq(run_headers("Content-Disposition: form-data; name=\"\"\r\n", &r), MP_ERR_SYNTAX);
  rec_free(&r);
  ck_assert_int_eq(run_headers("Content-Type: text/plain\r\n", &r), MP_ERR_SYNTAX);
  ck_assert_int_eq(r.nbegin, 0);
  rec_free(&r);
}
END_TEST

START_TEST(t41_bad_disposition)
{
  static const char *const bad[] = {
    "Content-Disposition: attachment; name=a\r\n",
    "Content-Disposition: form-data name=a\r\n",
    "Content-Disposition: form-data; name=\"a\r\n",
    "Content-Disposition: form-data; name=\"a\\\r\n",
    "Content-Disposition: form-data; name=\r\n",
    "Content-Disposition: form-data; name\r\n",
    "Content-Disposition: form-data; =a\r\n",
    "Content-Disposition: form-data; name=a;\r\n",
    "Content-Disposition: form-data; name=\"a\"b\r\n",
    "Content-Disposition: form-data; name=a b\r\n",
    "Content-Disposition: form-data; name=a/b\r\n",
    "Content-Disposition: form-data; name=\xc3\xa9\r\n",
    "Content-Disposition: form-data; name=a; name=b\r\n",
    "Content-Disposition: form-data; name=a; filename=x; FILENAME=y\r\n",
    "Content-Disposition: form-data; name=a\r\nContent-Disposition: form-data; name=b\r\n",
    "Content-Disposition: form-data; name=a\r\nContent-Type: a/b\r\nContent-Type: c/d\r\n",
    "Content-Disposition: form-data; name=a\r\nContent-Type:   \r\n",
    "Content-Disposition:\r\n",
    "Content-Disposition: form-data; name=a; x=\"unterminated\r\n",
  };
  size_t i;
  for(i=0; i<sizeof(bad)/sizeof(bad[0]); i++){
    struct rec r = {0};
    int rc = run_headers(bad[i], &r);
    ck_assert_msg(rc==MP_ERR_SYNTAX, "case %zu: got %d", i, rc);
    ck_assert_int_eq(r.nbegin, 0);
    rec_free(&r);
  }
}
END_TEST

START_TEST(t42_bad_header_lines)
{
  static const char *const bad[] = {
    "Content-Disposition: form-data; name=a\r\nNo colon here\r\n",
    "Content-Disposition: form-data; name=a\r\n: empty name\r\n",
    "Content-Disposition: form-data; name=a\r\nBad Name: x\r\n",
    "Content-Disposition: form-data; name=a\r\nName : x\r\n",
    "Content-Disposition: form-data; name=a\r\n folded: x\r\n",
    "Content-Disposition: form-data;\r\n name=a\r\n",
    "Content-Disposition: form-data; name=a\nX: y\r\n",     /* bare LF */
    "Content-Disposition: form-data; name=a\rxX-Foo: y\r\n", /* CR without LF */
    "Content-Disposition: form-data; name=a\r\r\n",
    "Content-Disposition: form-data; name=\"a\x01\"\r\n",   /* control char */
    "Content-Disposition: form-data; name=\"a\x7f\"\r\n",   /* DEL */
    "Content-Disposition: form-data; name=\"a\x1b[31m\"\r\n",
  };
  size_t i;
  for(i=0; i<sizeof(bad)/sizeof(bad[0]); i++){
    struct rec r = {0};
    int rc = run_headers(bad[i], &r);
    ck_assert_msg(rc==MP_ERR_SYNTAX, "case %zu: got %d", i, rc);
    ck_assert_int_eq(r.nbegin, 0);
    rec_free(&r);
  }
}
END_TEST

START_TEST(t43_nul_in_headers)
{
  struct sb m = {0};
  struct rec r = {0};
  sb_add(&m, "--" B "\r\nContent-Disposition: form-data; name=\"a");
  sb_addn(&m, "\0", 1);
  sb_add(&m, "b\"\r\n\r\nv\r\n--" B "--");
  ck_assert_int_eq(run_all(B, NULL, m.p, m.n, &r), MP_ERR_SYNTAX);
  ck_assert_int_eq(r.nbegin, 0);
  rec_free(&r);
  sb_free(&m);
  sb_add(&m, "--" B "\r\nX-A: 1");
  sb_addn(&m, "\0", 1);
  sb_add(&m, "\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--" B "--");
  ck_assert_int_eq(run_all(B, NULL, m.p, m.n, &r), MP_ERR_SYNTAX);
  rec_free(&r);
  sb_free(&m);
}
END_TEST

START_TEST(t44_strings_live_until_part_end)
{
  /* rec_data and rec_end compare the parser's pointers with copies taken
  ** at on_part_begin; a violation would fail run_cuts. Use many parts with
  ** different lengths so stale pointers would show. */
  struct sb m = {0};
  struct rec r = {0};
  char name[64], hdr[256];
  int i;
  for(i=0; i<20; i++){
    memcpy(name, "field", 5);            /* "field" then i+1 'n's: lengths differ */
    memset(name + 5, 'n', (size_t)i + 1);
    name[5 + i + 1] = 0;
    snprintf(hdr, sizeof(hdr), "--" B "\r\nContent-Type: t/%d\r\n"
             "Content-Disposition: form-data; filename=\"f%d\"; name=\"%s\"\r\n\r\n", i, i, name);
    sb_add(&m, hdr);
    sb_add(&m, "data\r\n--xY");
    sb_add(&m, "\r\n");
  }
  sb_close(&m, B);
  ck_assert_int_eq(run_chunked(B, NULL, m.p, m.n, 3, &r), MP_DONE);
  ck_assert_int_eq(r.nbegin, 20);
  ck_assert_int_eq(r.nend, 20);
  expect_begin(&r, 3*19, name, "f19", "t/19");
  ck_assert_str_eq(name, "fieldnnnnnnnnnnnnnnnnnnnn");
  expect_data(&r, 3*19 + 1, "data\r\n--xY", 10);
  rec_free(&r);
  sb_free(&m);
}
END_TEST

/* -------------------------------------------------------------- callbacks */

START_TEST(t50_callback_abort)
{
  const char *msg = "--" B "\r\nContent-Disposition: form-data; name=a\r\n\r\nabc\r\n"
    "--" B "\r\nContent-Disposition: form-data; name=b\r\n\r\ndef\r\n--" B "--";
  size_t len = strlen(msg);
  struct rec r = {0};
  r.abort_begin_at = 2;
  ck_assert_int_eq(run_all(B, NULL, msg, len, &r), MP_ERR_CALLBACK);
  ck_assert_int_eq(r.nbegin, 2);
  ck_assert_int_eq(r.ndata, 1);
  ck_assert_int_eq(r.nend, 1);
  rec_free(&r);
  r.abort_data_at = 1;
  ck_assert_int_eq(run_chunked(B, NULL, msg, len, 1, &r), MP_ERR_CALLBACK);
  ck_assert_int_eq(r.ndata, 1);
  ck_assert_int_eq(r.nend, 0);
  rec_free(&r);
  r.abort_end_at = 1;
  ck_assert_int_eq(run_all(B, NULL, msg, len, &r), MP_ERR_CALLBACK);
  ck_assert_int_eq(r.nend, 1);
  ck_assert_int_eq(r.nbegin, 1);
  rec_free(&r);
  r.abort_begin_at = 1;
  ck_assert_int_eq(run_chunked(B, NULL, msg, len, 5, &r), MP_ERR_CALLBACK);
  ck_assert_int_eq(r.ndata, 0);
  rec_free(&r);
}
END_TEST

/* A data-only consumer: counts bytes and calls. */
struct counter {
  size_t bytes, calls;
  char last[16];
};

static int count_data(void *ctx, const char *data, size_t len){
  struct counter *c = ctx;
  c->bytes += len;
  c->calls++;
  memcpy(c->last, data, len < sizeof(c->last) ? len : sizeof(c->last));
  return 0;
}

START_TEST(t51_partial_callbacks)
{
  /* Only on_part_data set: the other callbacks may be NULL. */
  struct counter c = {0};
  struct mp_callbacks cb = {0};
  struct mp_parser *p;
  const char *msg = "--" B "\r\nContent-Disposition: form-data; name=a\r\n\r\nxyz\r\n--" B "--";
  cb.ctx = &c;
  cb.on_part_data = count_data;
  p = mp_new(B, NULL, &cb);
  ck_assert_ptr_nonnull(p);
  ck_assert_int_eq(mp_feed(p, msg, strlen(msg)), MP_DONE);
  ck_assert_uint_eq(c.bytes, 3);
  ck_assert_uint_eq(c.calls, 1);
  ck_assert(memcmp(c.last, "xyz", 3)==0);
  mp_free(p);
}
END_TEST

/* --------------------------------------------------- boundary and mp_new */

START_TEST(t60_boundary_from_content_type_ok)
{
  static const struct { const char *ct, *want; } ok[] = {
    { "multipart/form-data; boundary=abc", "abc" },
    { "multipart/form-data; boundary=\"abc\"", "abc" },
    { "Multipart/Form-Data;BOUNDARY=----WebKitFormBoundary7MA4YWxkTrZu0gW",
      "----WebKitFormBoundary7MA4YWxkTrZu0gW" },
    { "  multipart/form-data ; charset=utf-8 ; BoUnDaRy = \"a b'()+_,-./:=?\"  ", "a b'()+_,-./:=?" },
    { "multipart/form-data; foo=\"x; boundary=evil\"; boundary=real", "real" },
    { "multipart/form-data; boundary=\"q\\uo\\\"\"x", NULL },           /* junk after value */
    { "multipart/form-data; boundary=\"esc\\aped\"", "escaped" },
    { "multipart/form-data;\tboundary=tab", "tab" },
    { "multipart/form-data; boundary=a=b/c:d?e", "a=b/c:d?e" },
  };
  char out[MP_BOUNDARY_MAX + 1];
  size_t i;
  for(i=0; i<sizeof(ok)/sizeof(ok[0]); i++){
    int rc = mp_boundary_from_content_type(ok[i].ct, out, sizeof(out));
    if( ok[i].want ){
      ck_assert_msg(rc==MP_OK, "case %zu: rc %d", i, rc);
      ck_assert_str_eq(out, ok[i].want);
    }else{
      ck_assert_msg(rc==MP_ERR_BOUNDARY, "case %zu: rc %d", i, rc);
      ck_assert_str_eq(out, "");
    }
  }
}
END_TEST

START_TEST(t61_boundary_from_content_type_bad)
{
  static const char *const bad[] = {
    "multipart/form-data",
    "multipart/form-data;",
    "multipart/form-data; boundary=",
    "multipart/form-data; boundary=\"\"",
    "multipart/form-data; boundary",
    "multipart/form-data; charset=utf-8",
    "multipart/mixed; boundary=abc",
    "text/plain; boundary=abc",
    "multipart/form-data-x; boundary=abc",
    "multipart/form-data boundary=abc",
    "multipart/form-data; boundary=abc; boundary=def",
    "multipart/form-data; boundary=\"abc",
    "multipart/form-data; boundary=\"ab\"c\"",
    "multipart/form-data; boundary=\"trailing \"",
    "multipart/form-data; boundary=\"a@b\"",
    "multipart/form-data; boundary=\"a\\\"b\"",
    "multipart/form-data; boundary=a@b",
    "multipart/form-data; boundary=abc def",
    "multipart/form-data; boundary=\"a\r\nb\"",
    "multipart/form-data; x; boundary=abc",
    "multipart/form-data; =abc",
    "",
  };
  char out[MP_BOUNDARY_MAX + 1];
  size_t i;
  for(i=0; i<sizeof(bad)/sizeof(bad[0]); i++){
    int rc;
    strcpy(out, "stale");
    rc = mp_boundary_from_content_type(bad[i], out, sizeof(out));
    ck_assert_msg(rc==MP_ERR_BOUNDARY, "case %zu (%s): rc %d", i, bad[i], rc);
    ck_assert_str_eq(out, "");
  }
  ck_assert_int_eq(mp_boundary_from_content_type(NULL, out, sizeof(out)), MP_ERR_BOUNDARY);
  ck_assert_int_eq(mp_boundary_from_content_type("multipart/form-data; boundary=a", NULL, 10),
                   MP_ERR_BOUNDARY);
  ck_assert_int_eq(mp_boundary_from_content_type("multipart/form-data; boundary=a", out, 0),
                   MP_ERR_BOUNDARY);
}
END_TEST

START_TEST(t62_boundary_length)
{
  char ct[200], b70[MP_BOUNDARY_MAX + 2], out[MP_BOUNDARY_MAX + 1], small[4];
  memset(b70, 'a', 70);
  b70[70] = 0;
  snprintf(ct, sizeof(ct), "multipart/form-data; boundary=%s", b70);
  ck_assert_int_eq(mp_boundary_from_content_type(ct, out, sizeof(out)), MP_OK);
  ck_assert_str_eq(out, b70);
  ck_assert_int_eq(mp_boundary_from_content_type(ct, out, 70), MP_ERR_BOUNDARY); /* no room for NUL */
  snprintf(ct, sizeof(ct), "multipart/form-data; boundary=\"%s\"", b70);
  ck_assert_int_eq(mp_boundary_from_content_type(ct, out, sizeof(out)), MP_OK);
  b70[70] = 'a';
  b70[71] = 0;
  snprintf(ct, sizeof(ct), "multipart/form-data; boundary=%s", b70);
  ck_assert_int_eq(mp_boundary_from_content_type(ct, out, sizeof(out)), MP_ERR_BOUNDARY);
  snprintf(ct, sizeof(ct), "multipart/form-data; boundary=\"%s\"", b70);
  ck_assert_int_eq(mp_boundary_from_content_type(ct, out, sizeof(out)), MP_ERR_BOUNDARY);
  ck_assert_int_eq(mp_boundary_from_content_type("multipart/form-data; boundary=abc", small, 4), MP_OK);
  ck_assert_str_eq(small, "abc");
  ck_assert_int_eq(mp_boundary_from_content_type("multipart/form-data; boundary=abcd", small, 4),
                   MP_ERR_BOUNDARY);
}
END_TEST

START_TEST(t63_mp_new_validation)
{
  char b70[MP_BOUNDARY_MAX + 2];
  struct mp_limits lim;
  struct sb m = {0};
  struct rec r = {0};
  memset(b70, '7', 70);
  b70[70] = 0;
  ck_assert_ptr_null(mp_new(NULL, NULL, NULL));
  ck_assert_ptr_null(mp_new("", NULL, NULL));
  ck_assert_ptr_null(mp_new("ab\r\n", NULL, NULL));
  ck_assert_ptr_null(mp_new("a\"b", NULL, NULL));
  ck_assert_ptr_null(mp_new("trailing ", NULL, NULL));
  ck_assert_int_eq(mp_boundary_check("in ner"), MP_OK);
  ck_assert_int_eq(mp_boundary_check(b70), MP_OK);
  mp_limits_default(&lim);
  lim.max_header_bytes = MP_HEADER_BYTES_LIMIT + 1;
  ck_assert_ptr_null(mp_new(B, &lim, NULL));
  lim.max_header_bytes = (size_t)-1;
  ck_assert_ptr_null(mp_new(B, &lim, NULL));
  /* a 70-character boundary works end to end, and 71 is refused */
  sb_part(&m, b70, "long", "v\r\n--777");
  sb_close(&m, b70);
  ck_assert_int_eq(run_all(b70, NULL, m.p, m.n, &r), MP_DONE);
  expect_data(&r, 1, "v\r\n--777", 8);
  rec_free(&r);
  sb_free(&m);
  b70[70] = '7';
  b70[71] = 0;
  ck_assert_ptr_null(mp_new(b70, NULL, NULL));
  ck_assert_int_eq(mp_boundary_check(b70), MP_ERR_BOUNDARY);
}
END_TEST

START_TEST(t64_boundary_with_space_and_dashes)
{
  /* Boundaries may contain spaces and dashes; the body must still be exact. */
  const char *bnd = "--a b--";
  const char *body = "x\r\n----a b-\r\n----a b\r\n--a b--";
  struct sb m = {0};
  struct rec r = {0};
  sb_part(&m, bnd, "s", body);
  sb_close(&m, bnd);
  ck_assert_int_eq(run_all(bnd, NULL, m.p, m.n, &r), MP_DONE);
  ck_assert_uint_eq(r.nev, 3);
  expect_data(&r, 1, body, strlen(body));
  rec_free(&r);
  ck_assert_int_eq(check_split_invariance(bnd, NULL, m.p, m.n), MP_DONE);
  sb_free(&m);
  /* the full delimiter followed by a stray character is refused */
  sb_part(&m, bnd, "s", "x\r\n----a b--Q");
  sb_close(&m, bnd);
  ck_assert_int_eq(run_all(bnd, NULL, m.p, m.n, &r), MP_ERR_SYNTAX);
  expect_data(&r, 1, "x", 1);
  rec_free(&r);
  sb_free(&m);
}
END_TEST

START_TEST(t65_defaults_and_strerror)
{
  struct mp_limits lim;
  int rc, rc2;
  mp_limits_default(&lim);
  ck_assert_uint_eq(lim.max_parts, 100);
  ck_assert_uint_eq(lim.max_header_bytes, 8192);
  ck_assert_uint_eq(lim.max_headers, 16);
  ck_assert_uint_eq(lim.max_preamble, 1024);
  ck_assert_str_eq(mp_strerror(MP_ERR_TOO_MANY_PARTS), "too many parts in the upload");
  for(rc=MP_OK; rc<=MP_ERR_BOUNDARY; rc++){
    const char *s = mp_strerror(rc);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_gt(strlen(s), 1);
    ck_assert_str_ne(s, mp_strerror(-1));
    for(rc2=MP_OK; rc2<rc; rc2++) ck_assert_str_ne(s, mp_strerror(rc2));
  }
  ck_assert_str_eq(mp_strerror(9999), mp_strerror(-1));
}
END_TEST

/* --------------------------------------------------------------- the suite */

static Suite *multipart_suite(void){
  Suite *s = suite_create("multipart");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, t01_simple_field);
  tcase_add_test(tc, t02_file_part);
  tcase_add_test(tc, t03_several_parts);
  tcase_add_test(tc, t04_quoted_escapes);
  tcase_add_test(tc, t05_tokens_case_and_params);
  tcase_add_test(tc, t06_utf8_and_tab_in_values);
  tcase_add_test(tc, t10_near_boundary_body);
  tcase_add_test(tc, t11_body_starting_with_dashes);
  tcase_add_test(tc, t12_empty_body_and_crlf_body);
  tcase_add_test(tc, t13_split_invariance_every_position);
  tcase_add_test(tc, t14_split_invariance_errors);
  tcase_add_test(tc, t15_all_byte_values);
  tcase_add_test(tc, t16_transport_padding);
  tcase_add_test(tc, t17_streaming_holds_back_little);
  tcase_add_test(tc, t20_missing_final_boundary);
  tcase_add_test(tc, t21_empty_input_and_empty_form);
  tcase_add_test(tc, t22_preamble);
  tcase_add_test(tc, t23_huge_preamble_detected_early);
  tcase_add_test(tc, t24_epilogue_ignored);
  tcase_add_test(tc, t25_bad_delimiter_lines);
  tcase_add_test(tc, t26_garbage);
  tcase_add_test(tc, t27_null_buffer_and_null_parser);
  tcase_add_test(tc, t30_too_many_parts);
  tcase_add_test(tc, t31_header_too_large);
  tcase_add_test(tc, t32_too_many_headers);
  tcase_add_test(tc, t33_limits_are_per_part);
  tcase_add_test(tc, t40_missing_name);
  tcase_add_test(tc, t41_bad_disposition);
  tcase_add_test(tc, t42_bad_header_lines);
  tcase_add_test(tc, t43_nul_in_headers);
  tcase_add_test(tc, t44_strings_live_until_part_end);
  tcase_add_test(tc, t50_callback_abort);
  tcase_add_test(tc, t51_partial_callbacks);
  tcase_add_test(tc, t60_boundary_from_content_type_ok);
  tcase_add_test(tc, t61_boundary_from_content_type_bad);
  tcase_add_test(tc, t62_boundary_length);
  tcase_add_test(tc, t63_mp_new_validation);
  tcase_add_test(tc, t64_boundary_with_space_and_dashes);
  tcase_add_test(tc, t65_defaults_and_strerror);
  suite_add_tcase(s, tc);
  return s;
}

int main(void){
  SRunner *sr = srunner_create(multipart_suite());
  int failed;
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed==0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

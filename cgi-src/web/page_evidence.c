/* page_evidence.c — evidence over HTTP: streaming uploads (browser and API), the list of a round's files, downloads. */
#include "server.h"
#include "page_evidence.h"
#include "page_inputs.h"
#include "evidence.h"
#include "inputs.h"
#include "multipart.h"
#include "util.h"
#include "app.h"
#include "db.h"
#include "req.h"
#include "api.h"
#include "audit.h"
#include "csrf.h"
#include "page.h"
#include "router.h"
#include "session.h"
#include "log.h"
#include "fault.h"
#include "mayact.h"
#include <fcgiapp.h>
#include <magic.h>
#include <openssl/evp.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

#define EVIDENCE_READ_CHUNK (64*1024)   /* bytes read from FastCGI at a time */
#define EVIDENCE_SMALL_MAX 256          /* bytes of the csrf and field values */
#define EVIDENCE_SLACK (64*1024)        /* multipart overhead allowed beyond the file limit */
#define EVIDENCE_MAGIC_BYTES (1024*1024)/* bytes of a file libmagic looks at */

enum part_kind { PART_NONE = 0, PART_CSRF, PART_FIELD, PART_FILE };

/* One upload in progress: the multipart callbacks' context. */
struct upload {
  struct req *r;
  const struct inputs_activity *act;
  struct inputs_field *fields;
  size_t nfields;
  int browser;                 /* a browser form: "csrf" must be the first part */
  int pending;                 /* browser: a refusal decided before the body, given after the CSRF check */
  const char *pending_why;
  enum part_kind part;
  int nparts;
  char small[EVIDENCE_SMALL_MAX+1];
  size_t nsmall;
  int have_csrf, have_field, have_file;
  const char *field_key;       /* as sent, even when unknown */
  struct evidence_upfile f;    /* the file */
  /* outcome */
  int status;                  /* 0, or the HTTP status of a refusal */
  const char *why;
  const char *csrf_reason;     /* the CSRF token was missing or wrong */
};

static void refuse(struct upload *u, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void refuse(struct upload *u, int status, const char *fmt, ...){
  if( u->status ) return;     /* the first reason wins */
  va_list ap;
  va_start(ap, fmt);
  u->why = arena_vprintf(&u->r->arena, fmt, ap);
  va_end(ap);
  u->status = status;
}

static const struct inputs_field *find_field(const struct upload *u, const char *key){
  for(size_t i=0; i<u->nfields; i++) if( strcmp(u->fields[i].key, key)==0 ) return &u->fields[i];
  return NULL;
}

void page_evidence_file_init(struct evidence_upfile *f){
  memset(f, 0, sizeof(*f));
  f->fd = -1;
}

/*
** A file part begins: keep its name (as sent and sanitised), open a temp
** file (evidence_temp_path) and start its hash.  field may still be NULL
** (the single upload names it in another part).  0, or -1 with f->status.
*/
int page_evidence_file_open(struct req *r, struct evidence_upfile *f, const struct inputs_field *field,
                            const char *filename){
  f->field = field;
  f->raw_name = arena_strdup(&r->arena, filename ? filename : "");
  evidence_sanitize_name(filename, f->name, sizeof(f->name));
  f->limit = evidence_limit(r->app, field ? field->max_size : 0);
  if( evidence_temp_path(r->app, f->tmp, sizeof(f->tmp))==0 ){
    f->fd = open(f->tmp, O_WRONLY|O_CREAT|O_EXCL|O_CLOEXEC|O_NOFOLLOW, 0600);
    if( f->fd<0 ){
      log_msg("evidence: cannot create %s: %s", f->tmp, strerror(errno));
      f->tmp[0] = 0;
    }
  }
  if( f->fd>=0 ) f->md = EVP_MD_CTX_new();
  if( f->raw_name==NULL || f->fd<0 || f->md==NULL || EVP_DigestInit_ex(f->md, EVP_sha256(), NULL)!=1 ){
    f->status = 500;
    f->why = "The file could not be stored. Nothing was saved.";
    return -1;
  }
  return 0;
}

/* Write all of z to fd; 0 or -1. */
static int write_all(int fd, const char *z, size_t n){
  while( n ){
    ssize_t w = fault_hit(FAULT_WRITE) ? (errno = EIO, -1) : write(fd, z, n);
    if( w<0 ){
      if( errno==EINTR ) continue;
      return -1;
    }
    z += w;
    n -= (size_t)w;
  }
  return 0;
}

/* File bytes: counted against the limit, written and hashed.  0, or -1 with f->status. */
int page_evidence_file_data(struct req *r, struct evidence_upfile *f, const char *data, size_t len){
  f->size += (int64_t)len;
  if( f->size > f->limit ){
    char a[40];
    f->status = 413;
    f->why = arena_printf(&r->arena, "%s is larger than %s, the limit for this field.", f->name,
                          evidence_human_size(f->limit, a, sizeof(a)));
    return -1;
  }
  if( write_all(f->fd, data, len) || EVP_DigestUpdate(f->md, data, len)!=1 ){
    log_msg("evidence: writing %s failed: %s", f->tmp, strerror(errno));
    f->status = 500;
    f->why = "The file could not be stored (the disk may be full). Nothing was saved.";
    return -1;
  }
  return 0;
}

/* The file part ended: its hash is final.  0, or -1 with f->status. */
int page_evidence_file_end(struct evidence_upfile *f){
  unsigned char dg[EVP_MAX_MD_SIZE];
  unsigned int ndg = 0;
  f->done = 1;
  if( EVP_DigestFinal_ex(f->md, dg, &ndg)!=1 || ndg!=32 ){
    f->status = 500;
    f->why = "The file could not be stored. Nothing was saved.";
    return -1;
  }
  util_hex(dg, 32, f->sha);
  return 0;
}

/* A part's headers are in: check its name and order; a file part opens the temp file. */
static int on_begin(void *ctx, const struct mp_part_info *info){
  struct upload *u = ctx;
  u->nparts++;
  u->nsmall = 0;
  if( u->browser && u->nparts==1 && strcmp(info->name, "csrf")!=0 ){
    u->csrf_reason = "missing or wrong CSRF token";
    return 1;
  }
  if( strcmp(info->name, "csrf")==0 && u->browser ){
    if( u->have_csrf ){ refuse(u, 400, "The form has the csrf part twice."); return 1; }
    u->have_csrf = 1;
    u->part = PART_CSRF;
    return 0;
  }
  if( strcmp(info->name, "field")==0 ){
    if( u->have_field ){ refuse(u, 400, "The form has the field part twice."); return 1; }
    u->have_field = 1;
    u->part = PART_FIELD;
    return 0;
  }
  if( strcmp(info->name, "file")==0 ){
    if( u->have_file ){ refuse(u, 422, "Upload one file at a time."); return 1; }
    if( !info->has_filename ){ refuse(u, 400, "The file part needs a filename."); return 1; }
    u->have_file = 1;
    u->part = PART_FILE;
    if( page_evidence_file_open(u->r, &u->f, u->f.field, info->filename) ){ refuse(u, u->f.status, "%s", u->f.why); return 1; }
    return 0;
  }
  refuse(u, 400, "Unexpected part \"%.64s\": send field and file%s.", info->name,
         u->browser ? " (after csrf)" : "");
  return 1;
}

/* Body bytes: small values are kept (bounded); file bytes are counted, written and hashed. */
static int on_data(void *ctx, const char *data, size_t len){
  struct upload *u = ctx;
  if( u->part==PART_CSRF || u->part==PART_FIELD ){
    if( u->nsmall + len > EVIDENCE_SMALL_MAX ){
      refuse(u, 400, "The %s part is too long.", u->part==PART_CSRF ? "csrf" : "field");
      return 1;
    }
    memcpy(u->small + u->nsmall, data, len);
    u->nsmall += len;
    return 0;
  }
  if( u->part!=PART_FILE ) return 0;
  if( page_evidence_file_data(u->r, &u->f, data, len) ){
    refuse(u, u->f.status, "%s", u->f.why);
    return 1;
  }
  return 0;
}

/* A part ended: check the CSRF token, or look up the field, or note the file is complete. */
static int on_end(void *ctx){
  struct upload *u = ctx;
  enum part_kind k = u->part;
  u->part = PART_NONE;
  u->small[u->nsmall] = 0;
  if( k==PART_CSRF ){
    const char *why = csrf_check_token(u->r, u->small);
    if( why ){ u->csrf_reason = why; return 1; }
    if( u->pending ){ refuse(u, u->pending, "%s", u->pending_why); return 1; }
  }else if( k==PART_FIELD ){
    u->field_key = arena_strdup(&u->r->arena, u->small);
    u->f.field = find_field(u, u->small);
    if( u->f.field==NULL || u->f.field->type!=INPUTS_FILE ){
      u->f.field = NULL;
      refuse(u, 422, "This activity has no file field \"%.64s\".", u->small);
      return 1;
    }
  }else if( k==PART_FILE ){
    if( page_evidence_file_end(&u->f) ){ refuse(u, u->f.status, "%s", u->f.why); return 1; }
  }
  return 0;
}

/*
** Read the whole body from FastCGI in chunks, feeding the parser p (NULL:
** discard).  Reading to the end even after a refusal keeps the FastCGI
** connection in step with nginx.  Returns the parser's result (MP_DONE when
** the closing boundary was seen), or MP_ERR_TRUNCATED when the body ends
** early.
*/
int page_evidence_read_body(struct req *r, struct mp_parser *p){
  char *buf = malloc(EVIDENCE_READ_CHUNK);
  int mrc = MP_OK, stopped = p==NULL;
  int64_t left = r->content_length;
  r->body_read = 1;
  if( buf==NULL ) return MP_ERR_CALLBACK;
  while( r->fcgx && left>0 ){
    int want = left < EVIDENCE_READ_CHUNK ? (int)left : EVIDENCE_READ_CHUNK;
    int got = FCGX_GetStr(buf, want, r->fcgx->in);
    if( got<=0 ) break;
    left -= got;
    if( !stopped ){
      mrc = mp_feed(p, buf, (size_t)got);
      if( mrc!=MP_OK ) stopped = 1;
    }
  }
  free(buf);
  if( p==NULL ) return MP_OK;
  if( left>0 && mrc==MP_OK ) return MP_ERR_TRUNCATED;
  if( mrc==MP_OK ) mrc = mp_finish(p);
  return mrc;
}

/* "a PDF", or "a file of type x/y" for a type without words. */
static const char *type_in_words(struct req *r, const char *mime){
  const char *w = evidence_type_words(mime);
  return w ? w : arena_printf(&r->arena, "a file of type %s", mime);
}

/* A refusal of one file; the first reason wins. */
static void file_refuse(struct req *r, struct evidence_upfile *f, int status, const char *fmt, ...)
  __attribute__((format(printf, 4, 5)));
static void file_refuse(struct req *r, struct evidence_upfile *f, int status, const char *fmt, ...){
  if( f->status ) return;
  va_list ap;
  va_start(ap, fmt);
  f->why = arena_vprintf(&r->arena, fmt, ap);
  va_end(ap);
  f->status = status;
}

/*
** After the body: the size, type and name checks, in the order evidence.h
** gives, for a complete file whose field is known.  Sets f->status and
** f->why (in words, naming the file) on a refusal.
*/
void page_evidence_file_check(struct req *r, struct evidence_upfile *f){
  char a[40];
  if( f->status ) return;
  int64_t limit = evidence_limit(r->app, f->field->max_size);
  if( f->size > limit ){
    file_refuse(r, f, 413, "%s is larger than %s, the limit for \"%s\".", f->name,
                evidence_human_size(limit, a, sizeof(a)), f->field->label);
    return;
  }
  if( f->size==0 ){
    file_refuse(r, f, 422, "%s is empty.", f->name);
    return;
  }
  /*
  ** libmagic reads at most this much of the file (its default is 7 MiB, which
  ** it then also scans as text); the types evidence may have are told by
  ** their first bytes, and a smaller window keeps a worker's memory small.
  */
  size_t window = EVIDENCE_MAGIC_BYTES;
  if( r->app->magic ) magic_setparam((magic_t)r->app->magic, MAGIC_PARAM_BYTES_MAX, &window);
  const char *m = r->app->magic ? magic_file((magic_t)r->app->magic, f->tmp) : NULL;
  if( m==NULL ){
    log_msg("evidence: libmagic failed on %s: %s", f->tmp,
            r->app->magic ? magic_error((magic_t)r->app->magic) : "not open");
    file_refuse(r, f, 500, "The type of %s could not be determined. Nothing was saved.", f->name);
    return;
  }
  snprintf(f->mime, sizeof(f->mime), "%s", m);
  server_magic_release(r->app);       /* its database's pages leave this worker's memory again */
  if( !evidence_type_allowed(f->mime, (const char *const *)f->field->accept, f->field->naccept) ){
    const char *const *acc = f->field->naccept ? (const char *const *)f->field->accept
                                               : evidence_default_accept;
    size_t n = f->field->naccept;
    if( n==0 ) while( acc[n] ) n++;
    /* In words first, the exact type in brackets: "report.pdf is a Linux program
    ** (application/x-pie-executable), not what "Test report" accepts: a PDF or plain text." */
    struct buf b;
    buf_init(&b);
    for(size_t i=0; i<n; i++){
      if( i ) buf_puts(&b, i+1==n ? " or " : ", ");
      buf_puts(&b, type_in_words(r, acc[i]));
    }
    file_refuse(r, f, 415, "%s is %s (%s), which is not allowed here: \"%s\" accepts %s.", f->name,
                type_in_words(r, f->mime), f->mime, f->field->label, b.z ? b.z : "nothing");
    buf_free(&b);
    return;
  }
  const char *types;
  int e = evidence_ext_check(f->name, f->mime, &types);
  const char *want = evidence_ext_for_type(f->mime);
  const char *hint = want ? arena_printf(&r->arena, "; end its name in .%s", want) : "";
  if( e==EVIDENCE_EXT_UNKNOWN ){
    file_refuse(r, f, 422, "The name \"%s\" has no extension Holdpoint knows for its content, %s (%s)%s.",
                f->name, type_in_words(r, f->mime), f->mime, hint);
  }else if( e==EVIDENCE_EXT_MISMATCH ){
    file_refuse(r, f, 422, "The name \"%s\" says %s, but the content is %s (%s)%s.", f->name,
                strchr(types, ',') ? types : type_in_words(r, types), type_in_words(r, f->mime), f->mime, hint);
  }
}

/* Move a checked file into the store (evidence_store); 0, or -1 with f->status. */
int page_evidence_file_store(struct req *r, struct evidence_upfile *f){
  int stored = evidence_store(r->app, f->fd, f->tmp, f->sha, f->size, f->rel, sizeof(f->rel));
  f->fd = -1;                                  /* closed by the store */
  if( stored ){
    file_refuse(r, f, 500, "%s could not be stored (the disk may be full). Nothing was saved.", f->name);
    return -1;
  }
  f->stored = 1;
  return 0;
}

/* Remove what a refused or failed file left (the temp file; not a stored one). */
void page_evidence_file_cleanup(struct evidence_upfile *f){
  if( f->fd>=0 ){ close(f->fd); f->fd = -1; }
  if( f->tmp[0] ){ unlink(f->tmp); f->tmp[0] = 0; }
  if( f->md ){ EVP_MD_CTX_free(f->md); f->md = NULL; }
}

/* The evidence JSON the API returns. */
static json_t *evidence_json(int64_t id, int64_t act, int64_t round, const char *key, const char *name,
                             int64_t size, const char *mime, const char *sha, const char *who,
                             int64_t at){
  char iso[40], url[48];
  snprintf(url, sizeof(url), "/evidence/%lld", (long long)id);
  return json_pack("{s:I,s:I,s:I,s:s,s:s,s:I,s:s,s:s,s:s,s:s,s:s}", "id", (json_int_t)id,
                   "activity_id", (json_int_t)act, "round", (json_int_t)round, "field", key,
                   "name", name, "size", (json_int_t)size, "type", mime, "sha256", sha,
                   "uploaded_by", who, "at", app_iso_time(at, iso, (int)sizeof(iso)),
                   "download", url);
}

/*
** The upload, for both routes.  Order: find the activity and its fields,
** decide whether the person may upload now (a browser learns the answer only
** after its CSRF token is checked), stream the body through the parser to a
** temp file, check it, store it, record it.  Every refusal is audited and
** answered as a re-rendered page (browser) or a JSON error (API).
*/
static int upload(struct req *r, int browser){
  struct upload u;
  struct inputs_activity act;
  char boundary[MP_BOUNDARY_MAX+1];
  int64_t evid = 0;
  /* The page's script uploads a file as soon as it is chosen, and wants JSON back. */
  const char *accept = req_param_env(r, "HTTP_ACCEPT");
  int wants_json = browser && accept && strstr(accept, "application/json");
  memset(&u, 0, sizeof(u));
  u.r = r;
  page_evidence_file_init(&u.f);
  u.browser = browser;
  u.act = &act;
  int rc = inputs_load_activity(r->app, &r->arena, r->ids[0], &act);
  if( rc ){
    page_evidence_read_body(r, NULL);
    return rc;
  }
  if( inputs_load_fields(r->app, &r->arena, act.id, &u.fields, &u.nfields) ){
    page_evidence_read_body(r, NULL);
    return HP_ERROR;
  }
  int pre = 0;
  const char *pre_why = NULL;
  if( strcmp(act.status, "on_hold")!=0 ){
    pre = 409;
    pre_why = "This activity is not waiting for input, so no files can be added.";
  }else if( !inputs_may_edit(r->app, r->user, &act) ){
    pre = 403;
    pre_why = "Only the people who may act on this activity can upload evidence for it.";
  }
  struct mp_parser *p = NULL;
  if( mp_boundary_from_content_type(r->content_type, boundary, sizeof(boundary))!=MP_OK ){
    refuse(&u, 415, "Send the file as multipart/form-data.");
  }else if( r->content_length<0 ){
    refuse(&u, 400, "The upload has no Content-Length.");
  }else if( r->content_length > r->app->cfg.max_upload + EVIDENCE_SLACK ){
    char a[40];
    refuse(&u, 413, "The upload is larger than %s, the server's limit.",
           evidence_human_size(r->app->cfg.max_upload, a, sizeof(a)));
  }else if( pre && !browser ){
    refuse(&u, pre, "%s", pre_why);
  }else{
    u.pending = pre;
    u.pending_why = pre_why;
    struct mp_limits lim;
    mp_limits_default(&lim);
    lim.max_parts = EVIDENCE_MAX_PARTS;
    lim.max_header_bytes = EVIDENCE_MAX_HEADER_BYTES;
    lim.max_headers = 8;
    struct mp_callbacks cb = { &u, on_begin, on_data, on_end };
    p = mp_new(boundary, &lim, &cb);
    if( p==NULL ) refuse(&u, 500, "The upload could not be read.");
  }
  int mrc = page_evidence_read_body(r, p);
  mp_free(p);
  if( p && !u.status && !u.csrf_reason && mrc!=MP_DONE ){
    if( mrc==MP_ERR_TRUNCATED ) refuse(&u, 400, "The upload ended before its closing boundary.");
    else refuse(&u, 400, "The upload is malformed: %s.", mp_strerror(mrc));
  }
  if( browser && !u.csrf_reason && !u.status && !u.have_csrf ) u.csrf_reason = "missing or wrong CSRF token";
  if( u.csrf_reason ){
    page_evidence_file_cleanup(&u.f);
    return router_csrf_refuse(r, u.csrf_reason);
  }
  if( !u.status && u.pending ) refuse(&u, u.pending, "%s", u.pending_why);
  if( !u.status && (!u.have_file || !u.f.done || (u.f.raw_name && u.f.raw_name[0]==0 && u.f.size==0)) ){
    refuse(&u, 422, "Choose a file to upload.");
  }
  if( !u.status && (!u.have_field || u.f.field==NULL) ){
    refuse(&u, 422, "Say which field the file is for (the \"field\" part).");
  }
  if( !u.status ){
    page_evidence_file_check(r, &u.f);
    if( u.f.status ) refuse(&u, u.f.status, "%s", u.f.why);
  }
  if( !u.status ){
    if( page_evidence_file_store(r, &u.f) ){
      refuse(&u, u.f.status, "%s", u.f.why);
    }else{
      struct audit_ctx c;
      struct evidence_row row = { act.id, act.release_id, act.round, u.f.field->key, u.f.sha, u.f.size, u.f.mime,
                                  u.f.name, u.f.rel, r->via_token ? "api" : "web" };
      req_audit_ctx(r, &c);
      rc = evidence_record(r->app, &c, &row, &evid);
      if( rc ) evidence_unstore(r->app, u.f.rel);     /* no file without its row */
      evidence_store_done(r->app, u.f.sha);
      if( rc==HP_CONFLICT ) refuse(&u, 409, "This activity stopped waiting for input; the file was not added.");
      else if( rc==HP_UNAVAILABLE ) refuse(&u, 503, "Holdpoint is busy. Try again in a moment.");
      else if( rc ) refuse(&u, 500, "The upload could not be recorded. Nothing was saved.");
    }
  }
  page_evidence_file_cleanup(&u.f);
  const char *fname = u.f.field ? arena_printf(&r->arena, INPUTS_PREFIX "%s", u.f.field->key) : "evidence";
  if( u.status ){
    req_audit_tx(r, "evidence.refused", "activity", act.id, act.release_id,
                   "{s:s,s:s,s:I,s:s,s:s,s:s,s:i,s:s}", "field", u.field_key ? u.field_key : "",
                   "name", u.f.name, "size", (json_int_t)(u.have_file ? u.f.size : r->content_length),
                   "type", u.f.mime, "sha256", u.f.sha, "reason", u.why, "status", u.status,
                   "via", browser ? "web" : "api");
    if( !browser || wants_json ) return api_fail(r, u.status, NULL, u.why);
    if( u.status==413 || u.status==415 || u.status==422 ){
      req_field_error(r, fname, "%s", u.why);
      return page_inputs_rerender(r, u.status);
    }
    router_render_error(r, u.status, u.why);
    return HP_OK;
  }
  char sz[40];
  if( browser && !wants_json ){
    page_flash(r, "Uploaded %s (%s, %s).", u.f.name, u.f.mime, evidence_human_size(u.f.size, sz, sizeof(sz)));
    return resp_redirect(r, "/activities/%lld", (long long)act.id);
  }
  json_t *j = evidence_json(evid, act.id, act.round, u.f.field->key, u.f.name, u.f.size, u.f.mime, u.f.sha,
                            r->user->username, app_now_ms(r->app));
  return api_reply(r, 201, json_pack("{s:o*}", "evidence", j));
}

/* ------------------------------------------------------------------ the activity's one form */

#define FORM_TEXT_MAX (INPUTS_TEXTAREA_MAX*4 + 16)   /* bytes of one text part: the longest field, as UTF-8 */
#define FORM_TEXT_TOTAL (512*1024)                    /* bytes of all text parts together */
#define FORM_MAX_PARTS (INPUTS_MAX_FIELDS + 16)

enum form_part { FP_NONE = 0, FP_CSRF, FP_TEXT, FP_FILE, FP_SKIP };

struct formread {
  struct req *r;
  struct inputs_field *fields;
  size_t nfields;
  struct evidence_form *out;
  enum form_part part;
  const char *pname;
  struct buf text;
  size_t total;
  struct kv *kv;
  size_t nkv;
  int nparts;
  int status;
  const char *why;
  const char *csrf_reason;
};

static int form_refuse(struct formread *fr, int status, const char *why){
  if( !fr->status ){ fr->status = status; fr->why = why; }
  return 1;
}

static int form_begin(void *ctx, const struct mp_part_info *info){
  struct formread *fr = ctx;
  struct req *r = fr->r;
  fr->nparts++;
  buf_reset(&fr->text);
  if( fr->nparts==1 ){
    if( strcmp(info->name, "csrf")!=0 || info->has_filename ){ fr->csrf_reason = "missing or wrong CSRF token"; return 1; }
    fr->part = FP_CSRF;
    return 0;
  }
  if( !info->has_filename ){
    if( strcmp(info->name, "csrf")==0 ) return form_refuse(fr, 400, "The form has the csrf part twice.");
    if( !form_name_ok(info->name, strlen(info->name)) ) return form_refuse(fr, 400, "The form has a part with a bad name.");
    fr->part = FP_TEXT;
    fr->pname = arena_strdup(&r->arena, info->name);
    return fr->pname ? 0 : form_refuse(fr, 500, "The form could not be read.");
  }
  /* A file input: f_<key> of one of the activity's file fields. */
  const struct inputs_field *field = NULL;
  size_t np = strlen(INPUTS_PREFIX);
  if( strncmp(info->name, INPUTS_PREFIX, np)==0 ){
    for(size_t i=0; i<fr->nfields; i++){
      if( fr->fields[i].type==INPUTS_FILE && strcmp(fr->fields[i].key, info->name+np)==0 ) field = &fr->fields[i];
    }
  }
  if( field==NULL ) return form_refuse(fr, 422, arena_printf(&r->arena, "This activity has no file field \"%.64s\".", info->name));
  if( info->filename==NULL || info->filename[0]==0 ){ fr->part = FP_SKIP; return 0; }   /* no file chosen */
  if( fr->out->nfiles>=EVIDENCE_FORM_FILES ) return form_refuse(fr, 422, "Attach at most 16 files at a time.");
  struct evidence_upfile *f = &fr->out->files[fr->out->nfiles++];
  page_evidence_file_init(f);
  fr->part = FP_FILE;
  if( page_evidence_file_open(r, f, field, info->filename) ) return form_refuse(fr, f->status, f->why);
  return 0;
}

static int form_data(void *ctx, const char *data, size_t len){
  struct formread *fr = ctx;
  if( fr->part==FP_FILE ){
    struct evidence_upfile *f = &fr->out->files[fr->out->nfiles-1];
    /* Too large: this file is refused, but the rest of the form still counts. */
    if( f->status ) return 0;
    if( page_evidence_file_data(fr->r, f, data, len) ){
      if( f->status==413 ) return 0;
      return form_refuse(fr, f->status, f->why);
    }
    return 0;
  }
  if( fr->part==FP_SKIP ) return len ? form_refuse(fr, 400, "A file input without a file name sent content.") : 0;
  if( fr->text.len + len > (fr->part==FP_CSRF ? EVIDENCE_SMALL_MAX : FORM_TEXT_MAX) ) return form_refuse(fr, 413, "A value in the form is too long.");
  fr->total += len;
  if( fr->total > FORM_TEXT_TOTAL ) return form_refuse(fr, 413, "The form is too large.");
  buf_append(&fr->text, data, len);
  return 0;
}

static int form_end(void *ctx){
  struct formread *fr = ctx;
  struct req *r = fr->r;
  enum form_part k = fr->part;
  fr->part = FP_NONE;
  const char *v = fr->text.len ? fr->text.z : "";
  if( k==FP_CSRF ){
    const char *why = csrf_check_token(r, v);
    if( why ){ fr->csrf_reason = why; return 1; }
  }else if( k==FP_TEXT ){
    if( strlen(v)!=fr->text.len || !util_utf8_ok(v, fr->text.len) ) return form_refuse(fr, 400, "The form has a value that is not UTF-8 text.");
    if( fr->nkv>=FORM_MAX_PARTS ) return form_refuse(fr, 400, "The form has too many parts.");
    fr->kv[fr->nkv].name = fr->pname;
    fr->kv[fr->nkv].value = arena_strdup(&r->arena, v);
    if( fr->kv[fr->nkv].value==NULL ) return form_refuse(fr, 500, "The form could not be read.");
    fr->kv[fr->nkv].vlen = fr->text.len;
    fr->nkv++;
  }else if( k==FP_FILE ){
    struct evidence_upfile *f = &fr->out->files[fr->out->nfiles-1];
    if( !f->status && page_evidence_file_end(f) ) return form_refuse(fr, f->status, f->why);
  }
  return 0;
}

int page_evidence_read_form(struct req *r, struct inputs_field *fields, size_t nfields,
                            struct evidence_form *out, const char **why, const char **csrf_reason){
  struct formread fr;
  char boundary[MP_BOUNDARY_MAX+1];
  memset(&fr, 0, sizeof(fr));
  memset(out, 0, sizeof(*out));
  fr.r = r;
  fr.fields = fields;
  fr.nfields = nfields;
  fr.out = out;
  buf_init(&fr.text);
  fr.kv = arena_alloc(&r->arena, sizeof(struct kv)*FORM_MAX_PARTS);
  *why = NULL;
  *csrf_reason = NULL;
  struct mp_parser *p = NULL;
  if( fr.kv==NULL ) form_refuse(&fr, 500, "The form could not be read.");
  else if( mp_boundary_from_content_type(r->content_type, boundary, sizeof(boundary))!=MP_OK ){
    form_refuse(&fr, 415, "Send the form as multipart/form-data.");
  }else if( r->content_length<0 ){
    form_refuse(&fr, 400, "The form has no Content-Length.");
  }else if( r->content_length > r->app->cfg.max_upload + EVIDENCE_SLACK + FORM_TEXT_TOTAL ){
    char a[40];
    form_refuse(&fr, 413, arena_printf(&r->arena, "The files are larger than %s together, the server's limit.",
                                       evidence_human_size(r->app->cfg.max_upload, a, sizeof(a))));
  }else{
    struct mp_limits lim;
    mp_limits_default(&lim);
    lim.max_parts = FORM_MAX_PARTS;
    lim.max_header_bytes = EVIDENCE_MAX_HEADER_BYTES;
    lim.max_headers = 8;
    struct mp_callbacks cb = { &fr, form_begin, form_data, form_end };
    p = mp_new(boundary, &lim, &cb);
    if( p==NULL ) form_refuse(&fr, 500, "The form could not be read.");
  }
  int mrc = page_evidence_read_body(r, p);
  mp_free(p);
  buf_free(&fr.text);
  if( p && !fr.status && !fr.csrf_reason && mrc!=MP_DONE ){
    form_refuse(&fr, 400, mrc==MP_ERR_TRUNCATED ? "The form ended before its closing boundary."
                          : arena_printf(&r->arena, "The form is malformed: %s.", mp_strerror(mrc)));
  }
  if( p && !fr.status && !fr.csrf_reason && fr.nparts==0 ) fr.csrf_reason = "missing or wrong CSRF token";
  r->form = fr.kv;
  r->nform = fr.nkv;
  if( fr.status || fr.csrf_reason ){
    page_evidence_form_cleanup(out);
    *why = fr.why;
    *csrf_reason = fr.csrf_reason;
    return fr.csrf_reason ? HP_FORBIDDEN : fr.status;
  }
  return 0;
}

void page_evidence_form_cleanup(struct evidence_form *form){
  for(int i=0; i<form->nfiles; i++) page_evidence_file_cleanup(&form->files[i]);
}

/* The two routes differ only in who they answer: a page or JSON. */
int page_evidence_upload(struct req *r){
  return upload(r, 1);
}

int page_evidence_api_upload(struct req *r){
  return upload(r, 0);
}


/*
** The one check in front of a release's evidence (mayact_sees_evidence says
** who): 1 may see; 0 refused, audited and answered (403, page or API).
*/
static int may_see_evidence(struct req *r, int64_t release_id, const char *object_type, int64_t object_id){
  if( mayact_sees_evidence(r->app, r->user->id, r->user->roles, release_id, 0) ) return 1;
  req_audit_tx(r, "access.denied", object_type, object_id, release_id, "{s:s,s:s,s:i,s:s}",
               "method", r->method, "path", r->path, "status", 403, "reason", "may not see this release's evidence");
  if( r->is_api ) api_fail(r, 403, NULL, MAYACT_EVIDENCE_REFUSED);
  else router_render_error(r, HP_FORBIDDEN, MAYACT_EVIDENCE_REFUSED);
  return 0;
}

/* GET /api/v1/activities/{id}/evidence — every file of the activity, newest first. */
int page_evidence_api_list(struct req *r){
  struct inputs_activity act;
  int rc = inputs_load_activity(r->app, &r->arena, r->ids[0], &act);
  if( rc==HP_NOT_FOUND ) return api_fail(r, 404, NULL, "There is no such activity.");
  if( rc ) return rc;
  if( !may_see_evidence(r, act.release_id, "activity", act.id) ) return HP_OK;
  struct db_stmt *st = db_prepare(r->app->db,
    "SELECT e.id, e.round, e.field_key, e.original_name, e.size, e.mime, e.sha256, u.username, e.at"
    " FROM evidence e JOIN users u ON u.id=e.uploaded_by WHERE e.activity_id=:id"
    " ORDER BY e.at DESC, e.id DESC LIMIT :lim");
  if( st==NULL ) return HP_ERROR;
  db_bind_int64(st, ":id", act.id);
  db_bind_int64(st, ":lim", EVIDENCE_LIST_MAX);
  json_t *list = json_array();
  while( list && db_step(st)==DB_ROW ){
    int64_t id = db_col_int64(st, 0);
    json_t *j = evidence_json(id, act.id, db_col_int64(st, 1), db_col_text(st, 2),
                              db_col_text(st, 3), db_col_int64(st, 4), db_col_text(st, 5),
                              db_col_text(st, 6), db_col_text(st, 7), db_col_int64(st, 8));
    json_array_append_new(list, j);
  }
  db_finish(st);
  return api_reply(r, 200, json_pack("{s:I,s:i,s:o*}", "activity_id", (json_int_t)act.id,
                                     "round", act.round, "evidence", list));
}

/* 1 when p is "evidence/ab/cd/<64 hex>" with ab and cd the hash's first bytes. */
static int stored_path_ok(const char *p){
  if( strlen(p)!=9+3+3+64 || strncmp(p, "evidence/", 9)!=0 ) return 0;
  const char *h = p + 15;
  for(int i=0; i<64; i++) if( !((h[i]>='0'&&h[i]<='9') || (h[i]>='a'&&h[i]<='f')) ) return 0;
  return p[11]=='/' && p[14]=='/' && strncmp(p+9, h, 2)==0 && strncmp(p+12, h+2, 2)==0;
}

int page_evidence_download(struct req *r){
  struct db_stmt *st = db_prepare(r->app->db,
    "SELECT e.original_name, e.mime, e.size, e.sha256, e.stored_path, e.activity_id, a.release_id"
    " FROM evidence e JOIN activities a ON a.id=e.activity_id WHERE e.id=:id");
  if( st==NULL ) return HP_ERROR;
  db_bind_int64(st, ":id", r->ids[0]);
  if( db_step(st)!=DB_ROW ){
    db_finish(st);
    if( r->is_api ) return api_fail(r, 404, NULL, "There is no such evidence.");
    return HP_NOT_FOUND;
  }
  struct arena *a = &r->arena;
  const char *name = db_col_dup(a, st, 0), *mime = db_col_dup(a, st, 1), *sha = db_col_dup(a, st, 3);
  const char *path = db_col_dup(a, st, 4);
  int64_t size = db_col_int64(st, 2), act = db_col_int64(st, 5);
  int64_t rel = db_col_int64(st, 6);
  db_finish(st);
  if( !may_see_evidence(r, rel, "evidence", r->ids[0]) ) return HP_OK;
  if( name==NULL || mime==NULL || sha==NULL || path==NULL || !stored_path_ok(path) ){
    log_msg("evidence: row %lld has a bad stored path", (long long)r->ids[0]);
    return HP_ERROR;
  }
  for(const char *p = mime; *p; p++){
    if( !((*p>='a'&&*p<='z') || (*p>='0'&&*p<='9') || strchr("/.+-", *p)) ){ mime = "application/octet-stream"; break; }
  }
  const char *q = req_query(r, "inline");
  int inl = q && strcmp(q, "1")==0 && evidence_inline_ok(mime);
  char disp[3*EVIDENCE_NAME_BUF + 64];
  if( evidence_disposition(name, inl, disp, sizeof(disp)) ) return HP_ERROR;
  /* No record, no file: a download that cannot be audited is refused. */
  if( req_audit_tx(r, "evidence.download", "evidence", r->ids[0], rel, "{s:I,s:s,s:I,s:s,s:s,s:b}",
                     "activity_id", (json_int_t)act, "name", name, "size", (json_int_t)size,
                     "type", mime, "sha256", sha, "inline", inl) ){
    return HP_UNAVAILABLE;
  }
  r->status = 200;
  r->resp_type = mime;
  buf_reset(&r->body);
  if( resp_header(r, "Content-Disposition", disp)
   || resp_header(r, "Content-Security-Policy", "sandbox; default-src 'none'; frame-ancestors 'none'")
   || resp_header(r, "X-Accel-Redirect", arena_printf(a, "/_%s", path)) ){
    return HP_ERROR;
  }
  return HP_OK;
}

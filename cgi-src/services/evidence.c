/* evidence.c — the evidence store: type and name rules, content-addressed files, the evidence rows. */
#include "evidence.h"
#include "util.h"
#include "app.h"
#include "db.h"
#include "audit.h"
#include "log.h"
#include "fault.h"
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
#include <dirent.h>


/* ---------------------------------------------------------------- pure: types and names */

const char *const evidence_default_accept[] = {
  "application/pdf", "text/plain", "text/csv", "application/json", "text/xml", "application/xml",
  "image/png", "image/jpeg", "image/gif", "image/webp",
  "application/zip", "application/gzip", "application/x-gzip", NULL
};

/* Content types in the words people use ("a PDF", "a Linux program"); NULL for the rest. */
static const struct { const char *mime, *words; } type_words[] = {
  { "application/pdf", "a PDF" }, { "text/plain", "plain text" }, { "text/csv", "a CSV table" },
  { "application/json", "JSON" }, { "text/xml", "XML" }, { "application/xml", "XML" },
  { "image/png", "a PNG image" }, { "image/jpeg", "a JPEG image" }, { "image/gif", "a GIF image" },
  { "image/webp", "a WebP image" }, { "image/svg+xml", "an SVG image (which can run scripts)" },
  { "application/zip", "a ZIP archive" }, { "application/gzip", "a gzip archive" },
  { "application/x-gzip", "a gzip archive" }, { "application/x-tar", "a tar archive" },
  { "text/html", "a web page (HTML)" }, { "application/xhtml+xml", "a web page (XHTML)" },
  { "application/x-pie-executable", "a Linux program" }, { "application/x-executable", "a Linux program" },
  { "application/x-sharedlib", "a Linux library" }, { "application/x-dosexec", "a Windows program" },
  { "application/x-mach-binary", "a macOS program" }, { "text/x-shellscript", "a shell script" },
  { "application/x-shellscript", "a shell script" }, { "text/x-python", "a Python script" },
  { "application/javascript", "JavaScript" }, { "text/javascript", "JavaScript" },
  { "application/msword", "a Word document" }, { "application/vnd.ms-excel", "an Excel workbook" },
  { "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "a Word document" },
  { "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "an Excel workbook" },
  { "application/octet-stream", "binary data Holdpoint does not recognise" },
};

const char *evidence_type_words(const char *mime){
  for(size_t i=0; mime && i<HP_ARRAY_SIZE(type_words); i++){
    if( strcmp(type_words[i].mime, mime)==0 ) return type_words[i].words;
  }
  return NULL;
}

/* Extensions Holdpoint knows, and the types libmagic reports for their content. */
static const struct { const char *ext; const char *types[3]; } EXT_TABLE[] = {
  { "pdf",  { "application/pdf" } },
  { "png",  { "image/png" } },
  { "jpg",  { "image/jpeg" } },
  { "jpeg", { "image/jpeg" } },
  { "gif",  { "image/gif" } },
  { "webp", { "image/webp" } },
  { "tif",  { "image/tiff" } },
  { "tiff", { "image/tiff" } },
  { "txt",  { "text/plain" } },
  { "log",  { "text/plain" } },
  { "text", { "text/plain" } },
  { "md",   { "text/plain", "text/markdown" } },
  { "csv",  { "text/csv", "text/plain" } },
  { "tsv",  { "text/tab-separated-values", "text/plain" } },
  { "json", { "application/json", "text/plain" } },
  { "xml",  { "text/xml", "application/xml" } },
  { "yaml", { "text/plain", "application/yaml", "application/x-yaml" } },
  { "yml",  { "text/plain", "application/yaml", "application/x-yaml" } },
  { "zip",  { "application/zip" } },
  { "gz",   { "application/gzip", "application/x-gzip" } },
  { "tgz",  { "application/gzip", "application/x-gzip" } },
  { "tar",  { "application/x-tar" } },
  { "mp4",  { "video/mp4" } },
  { "webm", { "video/webm" } },
  { "docx", { "application/vnd.openxmlformats-officedocument.wordprocessingml.document" } },
  { "xlsx", { "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" } },
  { "pptx", { "application/vnd.openxmlformats-officedocument.presentationml.presentation" } },
  { "odt",  { "application/vnd.oasis.opendocument.text" } },
  { "ods",  { "application/vnd.oasis.opendocument.spreadsheet" } },
  { "html", { "text/html" } },
  { "htm",  { "text/html" } },
  { "svg",  { "image/svg+xml" } },
};

/* Types that run or render active content (see evidence.h). */
static const char *const DANGEROUS[] = {
  "text/html", "application/xhtml+xml", "image/svg+xml", "application/xslt+xml", "text/xsl",
  "text/javascript", "application/javascript", "application/x-javascript", "application/ecmascript",
  "text/ecmascript", "application/hta", "text/x-shellscript", "application/x-shellscript",
  "application/x-sh", "application/x-csh", "text/x-python", "text/x-perl", "application/x-perl",
  "text/x-php", "application/x-php", "application/x-httpd-php", "text/x-ruby", "text/x-lua",
  "text/x-tcl", "text/x-awk", "text/x-nawk", "text/x-gawk", "text/x-msdos-batch", "application/x-bat",
  "application/x-executable", "application/x-sharedlib", "application/x-pie-executable",
  "application/x-object", "application/x-coredump", "application/x-elf", "application/x-dosexec",
  "application/x-msdownload", "application/vnd.microsoft.portable-executable",
  "application/x-mach-binary", "application/java-archive", "application/x-java-archive",
  "application/x-java-applet", "application/vnd.android.package-archive", "application/x-msi",
  "application/x-ms-shortcut", "application/x-shockwave-flash",
};

int evidence_type_dangerous(const char *mime){
  if( mime==NULL ) return 1;
  for(size_t i=0; i<HP_ARRAY_SIZE(DANGEROUS); i++) if( strcasecmp(mime, DANGEROUS[i])==0 ) return 1;
  if( strncasecmp(mime, "text/x-script", 13)==0 ) return 1;     /* text/x-script.python, ... */
  if( strncasecmp(mime, "application/x-mach-", 19)==0 ) return 1;
  return 0;
}

int evidence_type_allowed(const char *mime, const char *const *accept, size_t naccept){
  if( mime==NULL || mime[0]==0 ) return 0;
  if( naccept==0 ){
    accept = evidence_default_accept;
    while( accept[naccept] ) naccept++;
  }
  int danger = evidence_type_dangerous(mime);
  const char *slash = strchr(mime, '/');
  for(size_t i=0; i<naccept; i++){
    const char *a = accept[i];
    if( strcasecmp(a, mime)==0 ) return 1;
    /* "image/ *" (a wildcard): any subtype, but a dangerous one must be named exactly */
    size_t n = strlen(a);
    if( !danger && slash && n>=2 && strcmp(a+n-2, "/*")==0 && (size_t)(slash-mime)==n-2
     && strncasecmp(a, mime, n-2)==0 ) return 1;
  }
  return 0;
}

int evidence_inline_ok(const char *mime){
  static const char *const raster[] = { "image/png", "image/jpeg", "image/gif", "image/webp" };
  for(size_t i=0; mime && i<HP_ARRAY_SIZE(raster); i++) if( strcmp(mime, raster[i])==0 ) return 1;
  return 0;
}

/* The extension of name (after the last '.', not a leading one), or NULL. */
static const char *extension_of(const char *name){
  const char *dot = name ? strrchr(name, '.') : NULL;
  if( dot==NULL || dot==name || dot[1]==0 ) return NULL;
  return dot + 1;
}

int evidence_ext_check(const char *name, const char *mime, const char **types){
  static char none[] = "";
  if( types ) *types = none;
  const char *ext = extension_of(name);
  if( ext==NULL ) return EVIDENCE_EXT_UNKNOWN;
  for(size_t i=0; i<HP_ARRAY_SIZE(EXT_TABLE); i++){
    if( strcasecmp(ext, EXT_TABLE[i].ext)!=0 ) continue;
    int ok = 0;
    for(size_t k=0; k<3 && EXT_TABLE[i].types[k]; k++){
      if( mime && strcasecmp(mime, EXT_TABLE[i].types[k])==0 ) ok = 1;
    }
    if( types ) *types = EXT_TABLE[i].types[0];
    return ok ? EVIDENCE_EXT_OK : EVIDENCE_EXT_MISMATCH;
  }
  return EVIDENCE_EXT_UNKNOWN;
}

/* The usual extension for a type (".pdf"), or NULL. */
const char *evidence_ext_for_type(const char *mime){
  for(size_t i=0; mime && i<HP_ARRAY_SIZE(EXT_TABLE); i++){
    if( strcasecmp(EXT_TABLE[i].types[0], mime)==0 ) return EXT_TABLE[i].ext;
  }
  return NULL;
}


/* Code points never kept in a name: controls, bidirectional marks and overrides, BOM. */
static int drop_cp(unsigned c){
  return c<0x20 || (c>=0x7F && c<=0x9F) || c==0x061C || c==0x200E || c==0x200F
      || (c>=0x202A && c<=0x202E) || (c>=0x2066 && c<=0x2069) || c==0xFEFF;
}

size_t evidence_sanitize_name(const char *in, char *out, size_t nout){
  if( nout==0 ) return 0;
  out[0] = 0;
  if( in==NULL ) in = "";
  const char *base = in;
  for(const char *p = in; *p; p++) if( *p=='/' || *p=='\\' ) base = p + 1;
  size_t n = strlen(base);
  /* Pass 1: the kept code points, as offsets into base. */
  size_t *off = malloc(sizeof(size_t)*(n+1)), *len = malloc(sizeof(size_t)*(n+1));
  size_t k = 0;
  if( off==NULL || len==NULL ){ free(off); free(len); snprintf(out, nout, "unnamed"); return strlen(out); }
  const unsigned char *s = (const unsigned char*)base;
  for(size_t i=0; i<n; ){
    unsigned cp;
    size_t l = util_utf8_decode(s+i, n-i, &cp);
    if( l==0 ){ i++; continue; }
    if( !drop_cp(cp) ){ off[k] = i; len[k] = l; k++; }
    i += l;
  }
  /* Trim spaces at both ends. */
  size_t first = 0, last = k;
  while( first<last && s[off[first]]==' ' ) first++;
  while( last>first && s[off[last-1]]==' ' ) last--;
  int dots_only = 1;
  for(size_t i=first; i<last; i++) if( s[off[i]]!='.' ) dots_only = 0;
  if( dots_only ){
    free(off); free(len);
    snprintf(out, nout, "unnamed");
    return strlen(out);
  }
  /* Too long: keep the extension (up to 16 characters) and shorten the stem. */
  size_t cut_from = last, resume = last;
  if( last-first > EVIDENCE_NAME_MAX ){
    size_t dot = last;
    for(size_t i=last; i>first+1; i--) if( s[off[i-1]]=='.' ){ dot = i-1; break; }
    size_t extn = last - dot;
    if( dot<last && extn<=17 ){
      cut_from = first + (EVIDENCE_NAME_MAX - extn);
      resume = dot;
    }else{
      cut_from = first + EVIDENCE_NAME_MAX;
      resume = last;
    }
  }
  size_t o = 0;
  for(size_t i=first; i<last; i++){
    if( i>=cut_from && i<resume ) continue;
    if( o + len[i] + 1 > nout ) break;
    memcpy(out+o, s+off[i], len[i]);
    o += len[i];
  }
  out[o] = 0;
  free(off);
  free(len);
  return o;
}

int evidence_disposition(const char *name, int inline_, char *out, size_t nout){
  static const char hex[] = "0123456789ABCDEF";
  struct buf b;
  buf_init(&b);
  buf_puts(&b, inline_ ? "inline; filename=\"" : "attachment; filename=\"");
  const unsigned char *s = (const unsigned char*)name;
  size_t n = strlen(name);
  for(size_t i=0; i<n; ){
    unsigned cp;
    size_t l = util_utf8_decode(s+i, n-i, &cp);
    if( l==0 ) l = 1;
    char c = (char)s[i];
    if( l==1 && c>=0x20 && c<0x7F && c!='"' && c!='\\' && c!='%' ) buf_append(&b, &c, 1);
    else buf_puts(&b, "_");
    i += l;
  }
  buf_puts(&b, "\"; filename*=UTF-8''");
  for(size_t i=0; i<n; i++){
    unsigned char c = s[i];
    if( (c>='A'&&c<='Z') || (c>='a'&&c<='z') || (c>='0'&&c<='9') || strchr("!#$&+-.^_`|~", c) ){
      char ch = (char)c;
      buf_append(&b, &ch, 1);
    }else{
      char e[3] = { '%', hex[c>>4], hex[c&15] };
      buf_append(&b, e, 3);
    }
  }
  int rc = (b.oom || b.len+1>nout) ? -1 : 0;
  if( rc==0 ) memcpy(out, b.z, b.len+1);
  else if( nout ) out[0] = 0;
  buf_free(&b);
  return rc;
}

const char *evidence_human_size(int64_t n, char *out, size_t nout){
  if( n<1024 ) snprintf(out, nout, "%lld byte%s", (long long)n, n==1 ? "" : "s");
  else if( n<1024*1024 ) snprintf(out, nout, "%.1f KB", (double)n/1024);
  else if( n<1024LL*1024*1024 ) snprintf(out, nout, "%.1f MB", (double)n/(1024*1024));
  else snprintf(out, nout, "%.1f GB", (double)n/(1024.0*1024*1024));
  return out;
}

int64_t evidence_limit(const struct app *app, int64_t max_size){
  int64_t cap = app->cfg.max_upload;
  return (max_size>0 && max_size<cap) ? max_size : cap;
}

/* ---------------------------------------------------------------- upload */

/* ---------------------------------------------------------------- storage */

static int write_journal(struct app *app, const char *sha, const char *rel);
static int move_across(const char *tmp, const char *dst, gid_t gid);

/* fsync a directory; 0 or -1. */
static int sync_dir(const char *path){
  int fd = open(path, O_RDONLY|O_DIRECTORY|O_CLOEXEC);
  if( fd<0 ) return -1;
  int rc = fault_hit(FAULT_FSYNC) ? -1 : fsync(fd);
  close(fd);
  return rc;
}

/* mkdir with mode, the group of the evidence directory, and the parent synced; 0 or -1. */
static int make_dir(const char *path, const char *parent, gid_t gid){
  if( mkdir(path, 0750)==0 ){
    if( chown(path, (uid_t)-1, gid) ) log_msg("evidence: cannot set the group of %s: %s", path, strerror(errno));
    return sync_dir(parent);
  }
  return errno==EEXIST ? 0 : -1;
}

/*
** Move the accepted temp file into evidence/ab/cd/<sha256>: readable by the
** evidence directory's group (nginx), synced, renamed, directory synced.
** When that content is stored already, the temp file is just removed.
** Closes fd; clears tmp[0] once the file is moved or removed.  Fills rel
** (the path relative to the data directory).  0 or -1 (logged).
*/
int evidence_store(struct app *app, int fd, char *tmp, const char *sha, int64_t size, char *rel, size_t nrel){
  char ev[PATH_MAX], d1[PATH_MAX], d2[PATH_MAX], dst[PATH_MAX];
  struct stat st;
  if( app_path(app, ev, sizeof(ev), "evidence") || stat(ev, &st) ) return -1;
  if( fchmod(fd, 0640) || fchown(fd, (uid_t)-1, st.st_gid) ){
    log_msg("evidence: cannot set the mode or group of %s: %s", tmp, strerror(errno));
  }
  if( fault_hit(FAULT_FSYNC) || fsync(fd) ){
    log_msg("evidence: fsync %s: %s", tmp, strerror(errno));
    close(fd);
    return -1;
  }
  close(fd);
  if( snprintf(rel, nrel, "evidence/%.2s/%.2s/%s", sha, sha+2, sha)>=(int)nrel
   || app_path(app, d1, sizeof(d1), "evidence/%.2s", sha)
   || app_path(app, d2, sizeof(d2), "evidence/%.2s/%.2s", sha, sha+2)
   || app_path(app, dst, sizeof(dst), "%s", rel) ) return -1;
  if( make_dir(d1, ev, st.st_gid) || make_dir(d2, d1, st.st_gid) ){
    log_msg("evidence: cannot create %s: %s", d2, strerror(errno));
    return -1;
  }
  struct stat have;
  if( lstat(dst, &have)==0 && S_ISREG(have.st_mode) && have.st_size==size ){
    unlink(tmp);              /* the same content is stored already */
    tmp[0] = 0;
    return 0;
  }
  /* A journal beside the temp file names the file about to be stored: if this
  ** worker dies before the row is committed, the master removes the file
  ** (evidence_sweep_temp), so a crash never leaves a file without its row. */
  if( write_journal(app, sha, rel) ) return -1;
  if( rename(tmp, dst) && (errno!=EXDEV || move_across(tmp, dst, st.st_gid)) ){
    log_msg("evidence: rename %s -> %s: %s", tmp, dst, strerror(errno));
    evidence_store_done(app, sha);
    return -1;
  }
  tmp[0] = 0;
  if( sync_dir(d2) ){
    log_msg("evidence: fsync %s: %s", d2, strerror(errno));
    evidence_unstore(app, rel);
    evidence_store_done(app, sha);
    return -1;
  }
  return 0;
}

/*
** evidence/ on another file system than tmp/ (several nodes sharing one evidence
** directory, README "Several nodes"): copy into a temp name beside dst, sync it,
** rename it into place, then remove tmp.  0, or -1 with errno set and nothing left.
*/
static int move_across(const char *tmp, const char *dst, gid_t gid){
  char part[PATH_MAX], sha[65];
  long long size;
  if( snprintf(part, sizeof(part), "%s.part-%d", dst, (int)getpid())>=(int)sizeof(part) ){ errno = ENAMETOOLONG; return -1; }
  unlink(part);                                  /* left by a process of the same number that died */
  if( util_copy_file(tmp, part, 0640, sha, &size) ) return -1;
  if( chown(part, (uid_t)-1, gid) ) log_msg("evidence: cannot set the group of %s: %s", part, strerror(errno));
  if( rename(part, dst) ){
    int err = errno;
    unlink(part);
    errno = err;
    return -1;
  }
  unlink(tmp);
  return 0;
}

/* The journal of this worker's upload of content sha: tmp/up-<pid>-stored-<sha>. */
static int journal_path(struct app *app, int pid, const char *sha, char *out, size_t n){
  return app_path(app, out, n, "tmp/up-%d-stored-%s", pid, sha);
}

static int write_journal(struct app *app, const char *sha, const char *rel){
  char p[PATH_MAX];
  if( journal_path(app, (int)getpid(), sha, p, sizeof(p)) ) return -1;
  int fd = open(p, O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC|O_NOFOLLOW, 0600);
  if( fd<0 ){ log_msg("evidence: cannot write %s: %s", p, strerror(errno)); return -1; }
  size_t n = strlen(rel);
  int bad = write(fd, rel, n)!=(ssize_t)n;
  close(fd);
  if( bad ){ unlink(p); return -1; }
  return 0;
}

/* The upload of sha is recorded (or given up and unstored): its journal goes. */
void evidence_store_done(struct app *app, const char *sha){
  char p[PATH_MAX];
  if( sha && sha[0] && journal_path(app, (int)getpid(), sha, p, sizeof(p))==0 ) unlink(p);
}

/*
** Remove the stored file rel unless an evidence row refers to it (files are
** shared by hash), on db, under its write lock so that no upload records it
** meanwhile.  The check never counts as a fault (fault.h): it is the cleanup.
** Returns 1 removed, 0 kept or failed (logged).
*/
static int unlink_unreferenced(struct app *app, struct db *db, const char *rel){
  char path[PATH_MAX];
  if( rel==NULL || strncmp(rel, "evidence/", 9)!=0 || strstr(rel, "..")
   || app_path(app, path, sizeof(path), "%s", rel) ) return 0;
  fault_hold(1);
  if( db_in_tx(db) || db_begin_write(db) ){
    fault_hold(0);
    log_msg("evidence: cannot check whether %s is still referred to; left in place", rel);
    return 0;
  }
  int used = 1, removed = 0;
  struct db_stmt *st = db_prepare(db, "SELECT EXISTS(SELECT 1 FROM evidence WHERE stored_path=:p)");
  if( st && db_bind_text(st, ":p", rel)==0 && db_step(st)==DB_ROW ) used = db_col_int(st, 0);
  db_finish(st);
  if( !used ){
    removed = unlink(path)==0;
    if( !removed ) log_msg("evidence: cannot remove %s: %s", path, strerror(errno));
  }
  db_rollback(db);
  fault_hold(0);
  return removed;
}

/*
** A dead worker's journal: remove the stored file it names unless a row
** refers to it.  The master has no connection of its own, so it opens one.
*/
static void sweep_journal(struct app *app, int dirfd_, const char *name){
  char rel[160];
  int fd = openat(dirfd_, name, O_RDONLY|O_CLOEXEC|O_NOFOLLOW);
  ssize_t n = fd<0 ? -1 : read(fd, rel, sizeof(rel)-1);
  if( fd>=0 ) close(fd);
  if( n<=0 ) return;
  rel[n] = 0;
  struct db *db = NULL;
  if( app_db_open(app, &db) ) return;
  if( unlink_unreferenced(app, db, rel) ) log_msg("evidence: removed %s, stored by a worker that died before recording it", rel);
  db_close(db);
}

/*
** An upload stored by evidence_store() could not be recorded: remove its file
** unless a row already refers to the same content, so that no file is left
** without its row.  Best effort: failures are logged.
*/
void evidence_unstore(struct app *app, const char *rel){
  db_end_read(app->db);
  unlink_unreferenced(app, app->db, rel);
}

/*
** Insert the evidence row of an upload and its audit record, in a
** transaction of its own, if the activity is still on hold in round.
** HP_OK with *evidence_id, HP_CONFLICT (no longer on hold), HP_UNAVAILABLE
** or HP_ERROR.
*/
int evidence_record(struct app *app, const struct audit_ctx *c, const struct evidence_row *e, int64_t *evidence_id){
  struct db *db = app->db;
  int rc = HP_ERROR;
  if( db_begin_write(db) ) return HP_UNAVAILABLE;
  struct db_stmt *st = db_prepare(db, "SELECT status, round FROM activities WHERE id=:id");
  if( st==NULL ) goto out;
  db_bind_int64(st, ":id", e->activity_id);
  if( db_step(st)!=DB_ROW || strcmp(db_col_text(st, 0), "on_hold")!=0
   || db_col_int(st, 1)!=e->round ){
    rc = HP_CONFLICT;
    goto out;
  }
  db_finish(st);
  st = db_prepare(db,
    "INSERT INTO evidence(activity_id, round, field_key, sha256, size, mime, original_name,"
    " stored_path, uploaded_by, at, ip)"
    " VALUES(:act, :round, :key, :sha, :size, :mime, :name, :path, :uid, :at, :ip)");
  if( st==NULL ) goto out;
  db_bind_int64(st, ":act", e->activity_id);
  db_bind_int64(st, ":round", e->round);
  db_bind_text(st, ":key", e->field_key);
  db_bind_text(st, ":sha", e->sha256);
  db_bind_int64(st, ":size", e->size);
  db_bind_text(st, ":mime", e->mime);
  db_bind_text(st, ":name", e->name);
  db_bind_text(st, ":path", e->stored_path);
  db_bind_int64(st, ":uid", c->actor_id);
  db_bind_int64(st, ":at", app_now_ms(app));
  db_bind_text(st, ":ip", c->ip);
  if( db_step(st)!=DB_DONE ) goto out;
  *evidence_id = db_last_id(db);
  if( audit_append(app, c, "evidence.upload", "activity", e->activity_id, e->release_id,
                   "{s:I,s:s,s:i,s:s,s:I,s:s,s:s,s:s}", "evidence_id", (json_int_t)*evidence_id,
                   "field", e->field_key, "round", e->round, "name", e->name,
                   "size", (json_int_t)e->size, "type", e->mime, "sha256", e->sha256,
                   "via", e->via) ) goto out;
  rc = HP_OK;
out:
  db_finish(st);
  if( rc==HP_OK ){
    if( db_commit(db) ) rc = HP_ERROR;
  }else{
    db_rollback(db);
  }
  return rc;
}

/*
** Temporary upload files are <data>/tmp/up-<pid>-<random>: the worker that
** writes one is in its name, so that when a worker dies in the middle of an
** upload the master removes exactly that worker's files (evidence_sweep_temp)
** instead of leaving up to an upload's size on disk until the next restart.
*/
int evidence_temp_path(struct app *a, char *out, size_t nout){
  char rnd[33];
  if( util_random_hex(rnd, 16) ) return -1;
  return app_path(a, out, nout, "tmp/up-%d-%s", (int)getpid(), rnd);
}

/* Remove tmp/ files of worker pid (pid 0: every file).  Returns how many. */
int evidence_sweep_temp(struct app *a, int pid){
  char dir[4200], prefix[32];
  if( app_path(a, dir, sizeof(dir), "tmp") ) return 0;
  snprintf(prefix, sizeof(prefix), "up-%d-", pid);
  DIR *d = opendir(dir);
  if( d==NULL ) return 0;
  struct dirent *e;
  int n = 0;
  while( (e = readdir(d))!=NULL ){
    if( e->d_name[0]=='.' ) continue;
    if( pid && strncmp(e->d_name, prefix, strlen(prefix))!=0 ) continue;
    if( strstr(e->d_name, "-stored-") ) sweep_journal(a, dirfd(d), e->d_name);
    if( unlinkat(dirfd(d), e->d_name, 0)==0 ) n++;
  }
  closedir(d);
  return n;
}

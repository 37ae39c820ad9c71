/* backup.c — holdpoint backup / restore: SQLite's online backup, the key, the evidence, a manifest. */
#include "backup.h"
#include "audit.h"
#include "app.h"
#include "db.h"
#include "log.h"
#include "util.h"
#include <openssl/evp.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MANIFEST_MAGIC "holdpoint-backup 1"

static int fail(char *msg, size_t nmsg, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *msg, size_t nmsg, const char *fmt, ...){
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, nmsg, fmt, ap);
  va_end(ap);
  return -1;
}

/* mkdir -p for the directories of path (not its last component). */
static int mkdirs_for(const char *path){
  char p[PATH_MAX];
  snprintf(p, sizeof(p), "%s", path);
  for(char *s = p + 1; *s; s++){
    if( *s!='/' ) continue;
    *s = 0;
    if( mkdir(p, 0750) && errno!=EEXIST ) return -1;
    *s = '/';
  }
  return 0;
}

static int fsync_dir(const char *dir){
  int fd = open(dir, O_RDONLY|O_DIRECTORY|O_CLOEXEC);
  if( fd<0 ) return -1;
  int rc = fsync(fd);
  close(fd);
  return rc;
}

/*
** Copy src to dst (created new with mode, synced), or only hash src when
** dst is NULL; the SHA-256 and size of what was read come back.  0 or -1.
*/
static int copy_hash(const char *src, const char *dst, mode_t mode, char sha[65], long long *size){
  int in = open(src, O_RDONLY|O_CLOEXEC), out = -1, rc = -1;
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  char *buf = malloc(1 << 16);
  *size = 0;
  if( in<0 || md==NULL || buf==NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL)!=1 ) goto out;
  if( dst ){
    if( mkdirs_for(dst) ) goto out;
    out = open(dst, O_WRONLY|O_CREAT|O_EXCL|O_CLOEXEC, mode);
    if( out<0 ) goto out;
  }
  for(;;){
    ssize_t n = read(in, buf, 1 << 16);
    if( n<0 && errno==EINTR ) continue;
    if( n<0 ) goto out;
    if( n==0 ) break;
    *size += n;
    if( EVP_DigestUpdate(md, buf, (size_t)n)!=1 ) goto out;
    for(ssize_t w = 0; out>=0 && w<n; ){
      ssize_t k = write(out, buf + w, (size_t)(n - w));
      if( k<0 && errno==EINTR ) continue;
      if( k<0 ) goto out;
      w += k;
    }
  }
  unsigned char dg[EVP_MAX_MD_SIZE];
  unsigned int ndg = 0;
  if( EVP_DigestFinal_ex(md, dg, &ndg)!=1 || ndg!=32 ) goto out;
  util_hex(dg, 32, sha);
  if( out>=0 && fsync(out) ) goto out;
  rc = 0;
out:
  if( in>=0 ) close(in);
  if( out>=0 && close(out) ) rc = -1;
  if( rc && out>=0 ) unlink(dst);
  EVP_MD_CTX_free(md);
  free(buf);
  return rc;
}

/* An app whose data directory is dir, with its database open (for the chain's key and checks). */
static int open_as_data(const struct app *like, const char *dir, struct app *b){
  char path[PATH_MAX];
  memset(b, 0, sizeof(*b));
  b->cfg = like->cfg;
  snprintf(b->cfg.data_dir, sizeof(b->cfg.data_dir), "%s", dir);
  if( app_path(b, path, sizeof(path), "holdpoint.db") ) return -1;
  return db_open(path, &b->db);
}

struct entry { char sha[65]; long long size; char path[200]; };

static int cmp_entry(const void *x, const void *y){
  return strcmp(((const struct entry *)x)->path, ((const struct entry *)y)->path);
}

/* 1 when p is a relative path we write and read: no "..", no leading '/', plain characters. */
static int safe_rel(const char *p){
  if( p[0]==0 || p[0]=='/' || strstr(p, "..") ) return 0;
  for(; *p; p++) if( !((*p>='a'&&*p<='z') || (*p>='A'&&*p<='Z') || (*p>='0'&&*p<='9') || strchr("/._-", *p)) ) return 0;
  return 1;
}

int backup_make(struct app *a, const char *dir, char *msg, size_t nmsg){
  char path[PATH_MAX], src[PATH_MAX], head[120] = "", iso[40];
  struct entry *e = NULL;
  size_t n = 0, cap = 0;
  struct app b;
  int rc = -1;
  memset(&b, 0, sizeof(b));
  if( mkdir(dir, 0700) && errno!=EEXIST ) return fail(msg, nmsg, "cannot create %s: %s", dir, strerror(errno));
  DIR *d = opendir(dir);
  if( d==NULL ) return fail(msg, nmsg, "cannot open %s: %s", dir, strerror(errno));
  struct dirent *de;
  int empty = 1;
  while( (de = readdir(d))!=NULL ) if( strcmp(de->d_name, ".") && strcmp(de->d_name, "..") ) empty = 0;
  closedir(d);
  if( !empty ) return fail(msg, nmsg, "%s is not empty; back up into a new directory", dir);
  /* 1. the database: one consistent snapshot, while writers go on */
  snprintf(path, sizeof(path), "%s/holdpoint.db", dir);
  sqlite3 *dst = NULL;
  if( sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE|SQLITE_OPEN_CREATE, NULL)!=SQLITE_OK ){
    sqlite3_close(dst);
    return fail(msg, nmsg, "cannot create %s", path);
  }
  sqlite3_backup *bk = sqlite3_backup_init(dst, "main", a->db, "main");
  int step = bk ? sqlite3_backup_step(bk, -1) : SQLITE_ERROR;
  int fin = bk ? sqlite3_backup_finish(bk) : SQLITE_ERROR;
  if( step!=SQLITE_DONE || fin!=SQLITE_OK ){
    fail(msg, nmsg, "the database could not be copied: %s", sqlite3_errmsg(dst));
    sqlite3_close(dst);
    return -1;
  }
  int jm = sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL);
  sqlite3_close(dst);
  if( jm!=SQLITE_OK ) return fail(msg, nmsg, "the copied database could not be made one file");
  /* 2. the audit key */
  if( app_path(a, src, sizeof(src), "keys/audit.key") ) return fail(msg, nmsg, "path too long");
  snprintf(path, sizeof(path), "%s/keys/audit.key", dir);
  char sha[65];
  long long size;
  if( copy_hash(src, path, 0600, sha, &size) ) return fail(msg, nmsg, "cannot copy the audit key %s: %s", src, strerror(errno));
  /* 3. the evidence the snapshot refers to, each checked against its name (its content hash) */
  if( open_as_data(a, dir, &b) ){ fail(msg, nmsg, "cannot open the copied database"); goto out; }
  sqlite3_stmt *st = db_prepare(b.db, "SELECT DISTINCT stored_path, sha256 FROM evidence ORDER BY stored_path");
  if( st==NULL ){ fail(msg, nmsg, "cannot read the copied database"); goto out; }
  while( db_step(st)==SQLITE_ROW ){
    const char *rel = db_col_text(st, 0), *want = db_col_text(st, 1);
    if( !safe_rel(rel) ){ db_finish(st); fail(msg, nmsg, "an evidence row has a bad path: %s", rel); goto out; }
    if( app_path(a, src, sizeof(src), "%s", rel) ){ db_finish(st); fail(msg, nmsg, "path too long"); goto out; }
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    if( copy_hash(src, path, 0640, sha, &size) ){ db_finish(st); fail(msg, nmsg, "cannot copy %s: %s", src, strerror(errno)); goto out; }
    if( strcmp(sha, want)!=0 ){ db_finish(st); fail(msg, nmsg, "%s does not hold what its row says (SHA-256 %s)", rel, sha); goto out; }
  }
  db_finish(st);
  /* 4. the manifest: every file with its hash, and the chain's head */
  if( audit_head(&b, head, sizeof(head)) ){ fail(msg, nmsg, "cannot read the audit head of the copy"); goto out; }
  db_close(b.db);
  b.db = NULL;
  const char *files[] = { "holdpoint.db", "keys/audit.key" };
  for(int i=0; i<3; i++){
    /* the two fixed files, then the evidence directory walked in order */
    if( i<2 ){
      if( n==cap ){ cap = cap ? cap*2 : 64; e = realloc(e, cap*sizeof(*e)); if( e==NULL ) goto out; }
      snprintf(e[n].path, sizeof(e[n].path), "%s", files[i]);
      snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
      if( copy_hash(path, NULL, 0, e[n].sha, &e[n].size) ){ fail(msg, nmsg, "cannot read %s", path); goto out; }
      n++;
      continue;
    }
    /* evidence/ab/cd/<sha>: three levels */
    char base[PATH_MAX];
    snprintf(base, sizeof(base), "%s/evidence", dir);
    DIR *d1 = opendir(base);
    struct dirent *x, *y, *z;
    while( d1 && (x = readdir(d1))!=NULL ){
      if( x->d_name[0]=='.' ) continue;
      char p1[PATH_MAX];
      snprintf(p1, sizeof(p1), "%.3000s/%.200s", base, x->d_name);
      DIR *d2 = opendir(p1);
      while( d2 && (y = readdir(d2))!=NULL ){
        if( y->d_name[0]=='.' ) continue;
        char p2[PATH_MAX];
        snprintf(p2, sizeof(p2), "%.3000s/%.200s", p1, y->d_name);
        DIR *d3 = opendir(p2);
        while( d3 && (z = readdir(d3))!=NULL ){
          if( z->d_name[0]=='.' ) continue;
          if( n==cap ){ cap = cap ? cap*2 : 64; e = realloc(e, cap*sizeof(*e)); if( e==NULL ) break; }
          snprintf(e[n].path, sizeof(e[n].path), "evidence/%.8s/%.8s/%.100s", x->d_name, y->d_name, z->d_name);
          snprintf(path, sizeof(path), "%s/%s", dir, e[n].path);
          if( copy_hash(path, NULL, 0, e[n].sha, &e[n].size)==0 ) n++;
        }
        if( d3 ) closedir(d3);
        fsync_dir(p2);
      }
      if( d2 ) closedir(d2);
      fsync_dir(p1);
    }
    if( d1 ) closedir(d1);
    if( e==NULL ) goto out;
  }
  qsort(e, n, sizeof(*e), cmp_entry);
  snprintf(path, sizeof(path), "%s/MANIFEST", dir);
  FILE *f = fopen(path, "wx");
  if( f==NULL ){ fail(msg, nmsg, "cannot write %s: %s", path, strerror(errno)); goto out; }
  fprintf(f, "%s\ncreated %s\naudit-head %s\n", MANIFEST_MAGIC, app_iso_time(app_now_ms(a), iso, (int)sizeof(iso)), head);
  for(size_t i=0; i<n; i++) fprintf(f, "%s %lld %s\n", e[i].sha, e[i].size, e[i].path);
  int bad = fflush(f) || fsync(fileno(f));
  if( fclose(f) || bad ){ fail(msg, nmsg, "cannot write %s", path); goto out; }
  snprintf(path, sizeof(path), "%s/keys", dir);
  fsync_dir(path);
  fsync_dir(dir);
  snprintf(msg, nmsg, "%zu files, audit head %s", n, head);
  rc = 0;
out:
  if( b.db ) db_close(b.db);
  free(e);
  return rc;
}

/* Read the manifest of dir: its entries and head; 0 or -1 with msg. */
static int read_manifest(const char *dir, struct entry **out, size_t *nout, char head[120], char *msg, size_t nmsg){
  char path[PATH_MAX], line[512];
  struct entry *e = NULL;
  size_t n = 0, cap = 0;
  *out = NULL;
  *nout = 0;
  snprintf(path, sizeof(path), "%s/MANIFEST", dir);
  FILE *f = fopen(path, "r");
  if( f==NULL ) return fail(msg, nmsg, "%s has no MANIFEST: it is not a Holdpoint backup", dir);
  int lineno = 0, ok = 1;
  head[0] = 0;
  while( ok && fgets(line, sizeof(line), f) ){
    lineno++;
    line[strcspn(line, "\n")] = 0;
    if( lineno==1 ){ ok = strcmp(line, MANIFEST_MAGIC)==0; continue; }
    if( strncmp(line, "created ", 8)==0 ) continue;
    if( strncmp(line, "audit-head ", 11)==0 ){ snprintf(head, 120, "%.110s", line + 11); continue; }
    if( n==cap ){ cap = cap ? cap*2 : 64; struct entry *g = realloc(e, cap*sizeof(*e)); if( g==NULL ){ ok = 0; break; } e = g; }
    char rel[256];
    if( sscanf(line, "%64s %lld %255s", e[n].sha, &e[n].size, rel)!=3 || strlen(e[n].sha)!=64 || !safe_rel(rel)
     || strlen(rel)>=sizeof(e[n].path) ){
      ok = 0;
      break;
    }
    memcpy(e[n].path, rel, strlen(rel) + 1);           /* its length was checked above */
    n++;
  }
  fclose(f);
  if( !ok || head[0]==0 ){ free(e); return fail(msg, nmsg, "the MANIFEST of %s is damaged (line %d)", dir, lineno); }
  *out = e;
  *nout = n;
  return 0;
}

int backup_verify(struct app *a, const char *dir, char *msg, size_t nmsg){
  struct entry *e;
  size_t n;
  char head[120], path[PATH_MAX], sha[65];
  long long size;
  if( read_manifest(dir, &e, &n, head, msg, nmsg) ) return -1;
  int have_db = 0, have_key = 0;
  for(size_t i=0; i<n; i++){
    snprintf(path, sizeof(path), "%s/%s", dir, e[i].path);
    if( copy_hash(path, NULL, 0, sha, &size) ){ fail(msg, nmsg, "%s is missing from the backup", e[i].path); free(e); return -1; }
    if( size!=e[i].size || strcmp(sha, e[i].sha)!=0 ){
      fail(msg, nmsg, "%s was changed after the backup was made (its SHA-256 is %s, the manifest says %s)", e[i].path, sha, e[i].sha);
      free(e);
      return -1;
    }
    have_db |= strcmp(e[i].path, "holdpoint.db")==0;
    have_key |= strcmp(e[i].path, "keys/audit.key")==0;
  }
  free(e);
  if( !have_db || !have_key ) return fail(msg, nmsg, "the manifest does not list the database and the audit key");
  struct app b;
  if( open_as_data(a, dir, &b) ) return fail(msg, nmsg, "cannot open the backup's database");
  char vmsg[300];
  int v = audit_verify(&b, head, vmsg, sizeof(vmsg));
  db_close(b.db);
  if( v!=0 ) return fail(msg, nmsg, "the backup's audit trail does not verify: %s", vmsg);
  snprintf(msg, nmsg, "%zu files, audit head %s", n, head);
  return 0;
}

/* Is a server running on a's data directory (its pid file names a live holdpoint)? */
static int server_running(struct app *a){
  char path[PATH_MAX], cmd[64] = "";
  if( app_path(a, path, sizeof(path), "run/holdpoint.pid") ) return 0;
  FILE *f = fopen(path, "r");
  int pid = 0;
  if( f ){ if( fscanf(f, "%d", &pid)!=1 ) pid = 0; fclose(f); }
  if( pid<=0 || kill(pid, 0)!=0 ) return 0;
  snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
  f = fopen(path, "r");
  if( f ){ size_t k = fread(cmd, 1, sizeof(cmd)-1, f); cmd[k] = 0; fclose(f); }
  return strstr(cmd, "holdpoint")!=NULL;
}

int backup_restore(struct app *a, const char *dir, int replace, char *msg, size_t nmsg){
  char path[PATH_MAX], src[PATH_MAX], head[120], sha[65], vmsg[300];
  struct entry *e;
  size_t n;
  long long size;
  if( backup_verify(a, dir, msg, nmsg) ) return -1;
  if( server_running(a) ) return fail(msg, nmsg, "a Holdpoint server is running on %s; stop it first", a->cfg.data_dir);
  if( app_path(a, path, sizeof(path), "holdpoint.db") ) return fail(msg, nmsg, "path too long");
  if( access(path, F_OK)==0 ){
    if( !replace ) return fail(msg, nmsg, "%s already holds a database; restore into a new data directory, or add --replace"
                                    " (the current database, key and evidence are moved aside)", a->cfg.data_dir);
    char aside[PATH_MAX], iso[40], from[PATH_MAX], to[PATH_MAX];
    app_iso_time(app_now_ms(a), iso, (int)sizeof(iso));
    for(char *p = iso; *p; p++) if( *p==':' ) *p = '-';
    if( app_path(a, aside, sizeof(aside), "replaced-%s", iso) || mkdir(aside, 0700) ) return fail(msg, nmsg, "cannot make %s", aside);
    const char *move[] = { "holdpoint.db", "holdpoint.db-wal", "holdpoint.db-shm", "keys", "evidence", "log/audit-checkpoints" };
    for(size_t i=0; i<sizeof(move)/sizeof(move[0]); i++){
      if( app_path(a, from, sizeof(from), "%s", move[i]) ) return -1;
      snprintf(to, sizeof(to), "%.3000s/%s", aside, strchr(move[i], '/') ? strchr(move[i], '/') + 1 : move[i]);
      if( rename(from, to) && errno!=ENOENT ) return fail(msg, nmsg, "cannot move %s aside: %s", from, strerror(errno));
    }
  }
  if( read_manifest(dir, &e, &n, head, msg, nmsg) ) return -1;
  /* restored evidence keeps the group nginx reads it with: the evidence directory's, else the data directory's */
  struct stat gst;
  char evdir[PATH_MAX];
  gid_t gid = (gid_t)-1;
  if( app_path(a, evdir, sizeof(evdir), "evidence")==0 && stat(evdir, &gst)==0 ) gid = gst.st_gid;
  else if( stat(a->cfg.data_dir, &gst)==0 ) gid = gst.st_gid;
  for(size_t i=0; i<n; i++){
    int isdb = strcmp(e[i].path, "holdpoint.db")==0;
    snprintf(src, sizeof(src), "%s/%s", dir, e[i].path);
    if( app_path(a, path, sizeof(path), "%s%s", e[i].path, isdb ? ".restoring" : "") ){ free(e); return -1; }
    if( !isdb && access(path, F_OK)==0 && strncmp(e[i].path, "evidence/", 9)==0 ) continue;   /* the same content */
    unlink(path);
    if( copy_hash(src, path, strncmp(e[i].path, "keys/", 5)==0 ? 0600 : 0640, sha, &size) || strcmp(sha, e[i].sha)!=0 ){
      fail(msg, nmsg, "cannot copy %s to %s", e[i].path, path);
      free(e);
      return -1;
    }
    if( strncmp(e[i].path, "evidence/", 9)==0 && gid!=(gid_t)-1 ){
      /* the file and evidence/, evidence/ab, evidence/ab/cd */
      char p[PATH_MAX];
      snprintf(p, sizeof(p), "%s", path);
      for(int up=0; up<4; up++){
        if( chown(p, (uid_t)-1, gid) ) break;
        char *slash = strrchr(p, '/');
        if( slash==NULL ) break;
        *slash = 0;
      }
    }
  }
  free(e);
  /* the database last, by rename: a restore that stops half-way leaves no database behind */
  char final[PATH_MAX];
  if( app_path(a, final, sizeof(final), "holdpoint.db") || app_path(a, path, sizeof(path), "holdpoint.db.restoring")
   || rename(path, final) ) return fail(msg, nmsg, "cannot put the database in place");
  fsync_dir(a->cfg.data_dir);
  struct app t;
  if( open_as_data(a, a->cfg.data_dir, &t) ) return fail(msg, nmsg, "cannot open the restored database");
  int v = audit_verify(&t, head, vmsg, sizeof(vmsg));
  db_close(t.db);
  if( v!=0 ) return fail(msg, nmsg, "the restored audit trail does not verify: %s", vmsg);
  snprintf(msg, nmsg, "restored %zu files into %s; audit trail intact up to %s", n, a->cfg.data_dir, head);
  return 0;
}

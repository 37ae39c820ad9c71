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

/* util_copy_file, with the directories of dst made first. */
static int copy_hash(const char *src, const char *dst, mode_t mode, char sha[65], long long *size){
  if( dst && mkdirs_for(dst) ) return -1;
  return util_copy_file(src, dst, mode, sha, size);
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
  if( db_backup_to(a->db, path, msg, nmsg) ) return -1;
  /* 2. the audit key */
  if( app_path(a, src, sizeof(src), "keys/audit.key") ) return fail(msg, nmsg, "path too long");
  snprintf(path, sizeof(path), "%s/keys/audit.key", dir);
  char sha[65];
  long long size;
  if( copy_hash(src, path, 0600, sha, &size) ) return fail(msg, nmsg, "cannot copy the audit key %s: %s", src, strerror(errno));
  /* 3. the evidence the snapshot refers to, each checked against its name (its content hash) */
  if( open_as_data(a, dir, &b) ){ fail(msg, nmsg, "cannot open the copied database"); goto out; }
  struct db_stmt *st = db_prepare(b.db, "SELECT DISTINCT stored_path, sha256 FROM evidence ORDER BY stored_path");
  if( st==NULL ){ fail(msg, nmsg, "cannot read the copied database"); goto out; }
  while( db_step(st)==DB_ROW ){
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

/* ---------------------------------------------------------------- holdpoint migrate-store */

/* The target of "sqlite:PATH" / "postgres:URI" / a bare URI or path, in out. */
static const char *store_target(const char *spec, char *out, size_t n){
  if( strncmp(spec, "sqlite:", 7)==0 ) spec += 7;
  else if( strncmp(spec, "postgres:", 9)==0 && strncmp(spec, "postgres://", 11)!=0 ) spec += 9;
  snprintf(out, n, "%s", spec);
  return out;
}

struct store_table { char name[64]; int done; int64_t rows; };

/* The target's tables, parents before the tables that refer to them (foreign keys). */
static int store_tables(struct db *to, struct store_table **out, int *nout){
  struct store_table *t = NULL;
  int n = 0, cap = 0;
  struct db_stmt *st = db_prepare(to, "SELECT c.relname FROM pg_class c JOIN pg_namespace s ON s.oid=c.relnamespace"
                                      " WHERE s.nspname=current_schema() AND c.relkind='r' AND c.relname<>'schema_migrations'"
                                      " ORDER BY c.relname");
  if( st==NULL ) return -1;
  while( db_step(st)==DB_ROW ){
    if( n==cap ){
      cap = cap ? cap*2 : 64;
      struct store_table *nt = realloc(t, (size_t)cap*sizeof(*t));
      if( nt==NULL ){ db_finish(st); free(t); return -1; }
      t = nt;
    }
    memset(&t[n], 0, sizeof(t[n]));
    snprintf(t[n].name, sizeof(t[n].name), "%s", db_col_text(st, 0));
    n++;
  }
  db_finish(st);
  /* order: repeatedly take a table whose parents are all taken */
  struct store_table *ordered = calloc((size_t)(n ? n : 1), sizeof(*ordered));
  if( ordered==NULL ){ free(t); return -1; }
  int k = 0;
  while( k<n ){
    int progress = 0;
    for(int i=0; i<n; i++){
      if( t[i].done ) continue;
      int ready = 1;
      struct db_stmt *q = db_prepare(to, "SELECT p.relname FROM pg_constraint f JOIN pg_class c ON c.oid=f.conrelid"
                                         " JOIN pg_class p ON p.oid=f.confrelid WHERE f.contype='f' AND c.relname=:t AND p.relname<>:t");
      if( q==NULL ){ free(t); free(ordered); return -1; }
      db_bind_text(q, ":t", t[i].name);
      while( ready && db_step(q)==DB_ROW ){
        for(int j=0; j<n; j++) if( strcmp(t[j].name, db_col_text(q, 0))==0 && !t[j].done ) ready = 0;
      }
      db_finish(q);
      if( !ready ) continue;
      t[i].done = 1;
      ordered[k++] = t[i];
      progress = 1;
    }
    if( !progress ){ free(t); free(ordered); return -1; }     /* a circle of foreign keys */
  }
  free(t);
  *out = ordered;
  *nout = n;
  return 0;
}

/* Copy table t's rows from one store to the other (the target's own columns; generated ones are computed there). */
static int store_copy_table(struct db *from, struct db *to, struct store_table *t, char *msg, size_t nmsg){
  struct buf cols, sel, ins;
  int ncol = 0, rc = -1;
  buf_init(&cols); buf_init(&sel); buf_init(&ins);
  struct db_stmt *st = db_prepare(to, "SELECT column_name FROM information_schema.columns"
                                      " WHERE table_schema=current_schema() AND table_name=:t AND is_generated='NEVER'"
                                      " AND (is_identity='NO' OR identity_generation='BY DEFAULT') ORDER BY ordinal_position");
  if( st==NULL ) return fail(msg, nmsg, "cannot read the columns of %s", t->name);
  db_bind_text(st, ":t", t->name);
  while( db_step(st)==DB_ROW ){
    buf_printf(&cols, "%s\"%s\"", ncol ? "," : "", db_col_text(st, 0));
    buf_printf(&ins, "%s:c%d", ncol ? "," : "", ncol);
    ncol++;
  }
  db_finish(st);
  if( ncol==0 || cols.oom || ins.oom ){ fail(msg, nmsg, "no columns for %s", t->name); goto out; }
  buf_printf(&sel, "SELECT %s FROM \"%s\"", cols.z, t->name);
  struct buf sql;
  buf_init(&sql);
  buf_printf(&sql, "INSERT INTO \"%s\"(%s) VALUES(%s)", t->name, cols.z, ins.z);
  struct db_stmt *r = sel.oom ? NULL : db_prepare(from, sel.z);
  struct db_stmt *w = sql.oom ? NULL : db_prepare(to, sql.z);
  buf_free(&sql);
  if( r==NULL || w==NULL ){
    db_finish(r); db_finish(w);
    fail(msg, nmsg, "the source has no table %s with the target's columns (is it at the same schema version?)", t->name);
    goto out;
  }
  int step;
  while( (step = db_step(r))==DB_ROW ){
    for(int i=0; i<ncol; i++){
      char p[16];
      snprintf(p, sizeof(p), ":c%d", i);
      if( db_col_null(r, i) ) db_bind_null(w, p);
      else db_bind_text(w, p, db_col_text(r, i));
    }
    if( db_step(w)!=DB_DONE ){
      fail(msg, nmsg, "a row of %s could not be written: %s", t->name, db_errmsg(to));
      db_finish(r); db_finish(w);
      goto out;
    }
    db_reset(w);
    t->rows++;
  }
  db_finish(r);
  db_finish(w);
  if( step!=DB_DONE ){ fail(msg, nmsg, "%s could not be read", t->name); goto out; }
  /* identity columns go on after the highest id copied */
  st = db_prepare(to, "SELECT column_name FROM information_schema.columns WHERE table_schema=current_schema()"
                      " AND table_name=:t AND is_identity='YES' AND identity_generation='BY DEFAULT'");
  if( st==NULL ) goto out;
  db_bind_text(st, ":t", t->name);
  char idcol[64] = "";
  if( db_step(st)==DB_ROW ) snprintf(idcol, sizeof(idcol), "%s", db_col_text(st, 0));
  db_finish(st);
  if( idcol[0] ){
    char q[400];
    snprintf(q, sizeof(q), "SELECT setval(pg_get_serial_sequence('\"%s\"','%s'), coalesce((SELECT max(\"%s\") FROM \"%s\"),0)+1, false)",
             t->name, idcol, idcol, t->name);
    if( db_int(to, q, -1)<0 ){ fail(msg, nmsg, "cannot move the ids of %s on", t->name); goto out; }
  }
  rc = 0;
out:
  buf_free(&cols); buf_free(&sel); buf_free(&ins);
  return rc;
}

int backup_migrate_store(struct app *a, const char *from_spec, const char *to_spec, FILE *progress,
                         char *msg, size_t nmsg){
  char from_t[PATH_MAX], to_t[PATH_MAX], sqldir[PATH_MAX+8], head_from[120] = "", iso[40];
  struct db *from = NULL, *to = NULL;
  struct store_table *t = NULL;
  int nt = 0, rc = -1;
  struct app b;
  store_target(from_spec, from_t, sizeof(from_t));
  store_target(to_spec, to_t, sizeof(to_t));
  if( db_target_is_postgres(from_t) ) return fail(msg, nmsg, "--from must be a SQLite database (sqlite:PATH)");
  if( !db_target_is_postgres(to_t) ) return fail(msg, nmsg, "--to must be a PostgreSQL database (postgres://…)");
  if( access(from_t, R_OK) ) return fail(msg, nmsg, "cannot read %s: %s", from_t, strerror(errno));
  if( db_open(from_t, &from) ) return fail(msg, nmsg, "cannot open %s", from_t);
  if( db_open(to_t, &to) ){ fail(msg, nmsg, "cannot connect to the PostgreSQL database"); goto out; }
  snprintf(sqldir, sizeof(sqldir), "%s/sql", a->cfg.root_dir);
  int want = db_schema_version(from);
  if( db_migrate(to, sqldir, 0) ){ fail(msg, nmsg, "the PostgreSQL schema could not be created"); goto out; }
  if( db_schema_version(to)!=want ){
    fail(msg, nmsg, "the source is at schema %d and this program's PostgreSQL schema is %d: run holdpoint migrate on the source first",
         want, db_schema_version(to));
    goto out;
  }
  /* once: a target that was copied into, or that holds anything, is refused */
  struct db_stmt *st = db_prepare(to, "SELECT value FROM settings WHERE key='store.copied_from'");
  if( st && db_step(st)==DB_ROW ){
    fail(msg, nmsg, "this PostgreSQL database was filled by migrate-store already (%s); it is not done twice", db_col_text(st, 0));
    db_finish(st);
    goto out;
  }
  db_finish(st);
  if( db_int(to, "SELECT count(*) FROM users", 1)>0 || db_int(to, "SELECT count(*) FROM audit_log", 1)>0 ){
    fail(msg, nmsg, "the PostgreSQL database holds data already; migrate-store copies into an empty one only");
    goto out;
  }
  /* the source's chain first: nothing broken is carried over */
  memset(&b, 0, sizeof(b));
  b.cfg = a->cfg;
  b.db = from;
  if( audit_verify(&b, NULL, msg, nmsg)!=0 ){
    char why[400];
    snprintf(why, sizeof(why), "%s", msg);
    fail(msg, nmsg, "the source's audit trail does not verify (%s); nothing was copied", why);
    goto out;
  }
  if( store_tables(to, &t, &nt) ){ fail(msg, nmsg, "cannot list the PostgreSQL tables"); goto out; }
  /* one read snapshot of the source (a server may go on writing; the copy is of one moment) */
  if( db_exec(from, "BEGIN") ){ fail(msg, nmsg, "cannot read %s", from_t); goto out; }
  audit_head(&b, head_from, sizeof(head_from));
  if( db_begin_write(to) ){ db_exec(from, "COMMIT"); fail(msg, nmsg, "cannot write to PostgreSQL"); goto out; }
  int bad = 0;
  for(int i=0; i<nt && !bad; i++){
    bad = store_copy_table(from, to, &t[i], msg, nmsg);
    if( !bad && progress ) fprintf(progress, "copied %-22s %lld rows\n", t[i].name, (long long)t[i].rows);
  }
  if( !bad ){
    char label[PATH_MAX+80];
    snprintf(label, sizeof(label), "%s at %s, audit head %s", from_t, app_iso_time(app_now_ms(a), iso, (int)sizeof(iso)), head_from);
    st = db_prepare(to, "INSERT INTO settings(key,value) VALUES('store.copied_from',:v)");
    bad = st==NULL || db_bind_text(st, ":v", label) || db_step(st)!=DB_DONE;
    db_finish(st);
    if( bad ) fail(msg, nmsg, "cannot record the copy: %s", db_errmsg(to));
  }
  db_exec(from, "COMMIT");
  if( bad || db_commit(to) ){
    db_rollback(to);
    if( !bad ) fail(msg, nmsg, "the copy could not be committed; nothing was written");
    goto out;
  }
  /* verify on the target: every table's rows, the chain with the same head, every evidence file's checksum */
  for(int i=0; i<nt; i++){
    char q[160];
    snprintf(q, sizeof(q), "SELECT count(*) FROM \"%s\"", t[i].name);
    int64_t want_rows = t[i].rows + (strcmp(t[i].name, "settings")==0);   /* and store.copied_from */
    if( db_int(to, q, -1)!=want_rows ){ fail(msg, nmsg, "%s has a different number of rows on the target", t[i].name); goto out; }
  }
  b.db = to;
  char head_to[120] = "";
  if( audit_verify(&b, head_from[0] ? head_from : NULL, msg, nmsg)!=0 || audit_head(&b, head_to, sizeof(head_to))
   || strcmp(head_to, head_from)!=0 ){
    char why[400];
    snprintf(why, sizeof(why), "%s", msg);
    fail(msg, nmsg, "the audit trail does not verify on the target (%s)", why);
    goto out;
  }
  int64_t files = 0;
  st = db_prepare(to, "SELECT DISTINCT stored_path, sha256 FROM evidence ORDER BY stored_path");
  if( st==NULL ){ fail(msg, nmsg, "cannot read the evidence rows on the target"); goto out; }
  while( db_step(st)==DB_ROW ){
    char path[PATH_MAX], sha[65];
    long long size;
    const char *rel = db_col_text(st, 0);
    if( !safe_rel(rel) || app_path(a, path, sizeof(path), "%s", rel) || copy_hash(path, NULL, 0, sha, &size) ){
      fail(msg, nmsg, "evidence file %s cannot be read (the evidence directory must be the one the source used)", rel);
      db_finish(st);
      goto out;
    }
    if( strcmp(sha, db_col_text(st, 1))!=0 ){
      fail(msg, nmsg, "%s does not hold what its row says (SHA-256 %s)", rel, sha);
      db_finish(st);
      goto out;
    }
    files++;
  }
  db_finish(st);
  int64_t rows = 0;
  for(int i=0; i<nt; i++) rows += t[i].rows;
  snprintf(msg, nmsg, "%lld rows in %d tables copied; audit trail verified on PostgreSQL up to %s; %lld evidence files checked",
           (long long)rows, nt, head_to, (long long)files);
  rc = 0;
out:
  free(t);
  db_close(from);
  db_close(to);
  return rc;
}

/* db.c — SQLite: open with Holdpoint's pragmas, named binds, write transactions, migrations. */
#include "db.h"
#include <stdint.h>
#include "stats.h"
#include "fault.h"
#include "log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>

/*
** Wait for another connection's write lock as sqlite3_busy_timeout(5000)
** would (short sleeps first, then longer, 5 s in all), counting each wait
** for /metrics.
*/
static int busy_wait(void *ctx, int count){
  static const int delays_ms[] = { 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100 };
  const int n = (int)(sizeof(delays_ms)/sizeof(delays_ms[0]));
  int waited = 0;
  (void)ctx;
  for(int i=0; i<count && i<n; i++) waited += delays_ms[i];
  if( count>=n ) waited += (count - n)*100;
  int delay = count<n ? delays_ms[count] : 100;
  if( waited + delay > 5000 ) return 0;
  stats_busy();
  sqlite3_sleep(delay);
  return 1;
}

/*
** Open the database at path with WAL, synchronous=FULL, foreign keys and a
** busy timeout.  Returns 0 and *out, or -1 (logged; *out is NULL).
*/
int db_open(const char *path, sqlite3 **out){
  sqlite3 *db = NULL;
  *out = NULL;
  int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE|SQLITE_OPEN_CREATE|SQLITE_OPEN_NOMUTEX, NULL);
  if( rc!=SQLITE_OK ){
    log_msg("db: cannot open %s: %s", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close(db);
    return -1;
  }
  sqlite3_busy_handler(db, busy_wait, NULL);
  if( db_exec(db, "PRAGMA journal_mode=WAL") || db_exec(db, "PRAGMA synchronous=FULL")
   || db_exec(db, "PRAGMA foreign_keys=ON") ){
    sqlite3_close(db);
    return -1;
  }
  *out = db;
  return 0;
}

/*
** The statement cache.  A worker runs the same few hundred SQL texts over
** and over; preparing one costs as much as running it.  db_prepare hands out
** a cached statement for a text it has seen on this connection (when that
** statement is not in use: a text can be open twice, the second is a plain
** one), and db_finish puts it back, reset and unbound, instead of finalizing.
** Slots are reused round-robin once full; statements in use are never
** evicted.  One connection per process, so no locking.
*/
#define DB_CACHE_SLOTS 256
static struct db_slot {
  sqlite3 *db;
  sqlite3_stmt *st;
  unsigned long hash;
  int busy;
  const char *sql;                    /* the caller's text when it was last handed out (its address) */
} cache[DB_CACHE_SLOTS];
/*
** Hints, so that the usual call costs no hashing and no scan: the slot (+1) last used for a
** SQL text at this address (most texts are string literals), and the slot of a statement.
** Always checked against the slot, so a stale hint only sends the search the long way.
*/
#define DB_HINTS 1024
static short hint_sql[DB_HINTS], hint_st[DB_HINTS];
static unsigned hint_of(const void *p){
  uintptr_t x = (uintptr_t)p;
  return (unsigned)((x >> 4) ^ (x >> 14)) & (DB_HINTS - 1);
}
static int cache_next;                /* the next slot to try when evicting */
static int read_tx;                   /* a db_begin_read transaction is open */
static struct db_counters counters;

static unsigned long sql_hash(const char *z){
  unsigned long h = 5381;
  while( *z ) h = h*33 + (unsigned char)*z++;
  return h;
}

void db_close(sqlite3 *db){
  if( db==NULL ) return;
  for(int i=0; i<DB_CACHE_SLOTS; i++){
    if( cache[i].db==db ) memset(&cache[i], 0, sizeof(cache[i]));
  }
  sqlite3_stmt *st;
  while( (st = sqlite3_next_stmt(db, NULL))!=NULL ) sqlite3_finalize(st);
  sqlite3_close(db);
}

/* Hand out slot i for sql. */
static sqlite3_stmt *slot_take(int i, const char *sql){
  struct db_slot *c = &cache[i];
  c->busy = 1;
  c->sql = sql;
  hint_sql[hint_of(sql)] = (short)(i + 1);
  hint_st[hint_of(c->st)] = (short)(i + 1);
  return c->st;
}

sqlite3_stmt *db_prepare(sqlite3 *db, const char *sql){
  int s = hint_sql[hint_of(sql)] - 1;
  if( s>=0 ){
    struct db_slot *c = &cache[s];
    if( c->st && c->db==db && !c->busy && c->sql==sql && strcmp(sqlite3_sql(c->st), sql)==0 ){
      counters.cache_hits++;
      return slot_take(s, sql);
    }
  }
  unsigned long h = sql_hash(sql);
  int free_slot = -1;
  for(int i=0; i<DB_CACHE_SLOTS; i++){
    struct db_slot *c = &cache[i];
    if( c->st==NULL ){ if( free_slot<0 ) free_slot = i; continue; }
    if( c->db==db && c->hash==h && !c->busy && strcmp(sqlite3_sql(c->st), sql)==0 ){
      counters.cache_hits++;
      return slot_take(i, sql);
    }
  }
  sqlite3_stmt *st = NULL;
  counters.prepares++;
  if( sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL)!=SQLITE_OK ){
    log_msg("db: prepare failed: %s: %.200s", sqlite3_errmsg(db), sql);
    sqlite3_finalize(st);
    return NULL;
  }
  if( st==NULL ) return NULL;                          /* only a comment or spaces */
  if( free_slot<0 ){                                   /* evict the next statement not in use */
    for(int k=0; k<DB_CACHE_SLOTS && free_slot<0; k++){
      int i = (cache_next + k) % DB_CACHE_SLOTS;
      if( !cache[i].busy ){
        sqlite3_finalize(cache[i].st);
        memset(&cache[i], 0, sizeof(cache[i]));
        free_slot = i;
        cache_next = (i + 1) % DB_CACHE_SLOTS;
      }
    }
  }
  if( free_slot>=0 ){
    cache[free_slot] = (struct db_slot){ db, st, h, 1, sql };
    slot_take(free_slot, sql);
  }
  return st;
}

void db_finish(sqlite3_stmt *st){
  if( st==NULL ) return;
  counters.vm_steps += sqlite3_stmt_status(st, SQLITE_STMTSTATUS_VM_STEP, 1);
  int s = hint_st[hint_of(st)] - 1;
  if( s>=0 && cache[s].st==st ){
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    cache[s].busy = 0;
    return;
  }
  for(int i=0; i<DB_CACHE_SLOTS; i++){
    if( cache[i].st==st ){
      sqlite3_reset(st);
      sqlite3_clear_bindings(st);
      cache[i].busy = 0;
      return;
    }
  }
  sqlite3_finalize(st);
}

struct db_counters db_counters(void){
  return counters;
}

/* Look up a named parameter; a missing one is a programming error, logged. */
static int param_index(sqlite3_stmt *st, const char *name){
  int i = sqlite3_bind_parameter_index(st, name);
  if( i==0 ) log_msg("db: no parameter %s in: %.200s", name, sqlite3_sql(st));
  return i;
}

int db_bind_text(sqlite3_stmt *st, const char *name, const char *z){
  int i = param_index(st, name);
  if( i==0 ) return -1;
  if( z==NULL ) return sqlite3_bind_null(st, i)==SQLITE_OK ? 0 : -1;
  return sqlite3_bind_text(st, i, z, -1, SQLITE_TRANSIENT)==SQLITE_OK ? 0 : -1;
}

int db_bind_blob(sqlite3_stmt *st, const char *name, const void *p, int n){
  int i = param_index(st, name);
  if( i==0 ) return -1;
  return sqlite3_bind_blob(st, i, p, n, SQLITE_TRANSIENT)==SQLITE_OK ? 0 : -1;
}

int db_bind_int64(sqlite3_stmt *st, const char *name, int64_t v){
  int i = param_index(st, name);
  if( i==0 ) return -1;
  return sqlite3_bind_int64(st, i, v)==SQLITE_OK ? 0 : -1;
}

int db_bind_null(sqlite3_stmt *st, const char *name){
  int i = param_index(st, name);
  if( i==0 ) return -1;
  return sqlite3_bind_null(st, i)==SQLITE_OK ? 0 : -1;
}

int db_step(sqlite3_stmt *st){
  if( !sqlite3_stmt_busy(st) ){
    counters.statements++;                                 /* a new run of this statement */
    if( read_tx && !sqlite3_stmt_readonly(st) ) db_end_read(sqlite3_db_handle(st));   /* writes run outside it */
  }
  int rc = fault_hit(FAULT_STEP) ? SQLITE_IOERR : sqlite3_step(st);
  if( rc!=SQLITE_ROW && rc!=SQLITE_DONE ){
    sqlite3 *db = sqlite3_db_handle(st);
    /* Constraint failures are expected by callers (one vote per person); log the rest. */
    if( (rc & 0xff)!=SQLITE_CONSTRAINT ){
      log_msg("db: step failed (%d): %s: %.200s", rc, sqlite3_errmsg(db), sqlite3_sql(st));
    }
  }
  return rc;
}

int db_exec(sqlite3 *db, const char *sql){
  char *err = NULL;
  if( fault_hit(FAULT_STEP) ){
    log_msg("db: injected fault: %.200s", sql);
    return -1;
  }
  if( sqlite3_exec(db, sql, NULL, NULL, &err)!=SQLITE_OK ){
    log_msg("db: %s: %.200s", err ? err : "error", sql);
    sqlite3_free(err);
    return -1;
  }
  return 0;
}

/* Every transaction that writes starts here, so the write lock is taken up front. */
/*
** Write transactions nest: the outermost is BEGIN IMMEDIATE ... COMMIT, an
** inner one is a SAVEPOINT that its db_commit releases into the outer one
** and its db_rollback undoes alone.  So a handler can run several core calls
** (save the fields, record the files, decide) as one unit: each call keeps
** its own begin/commit, and nothing is written until the outermost commit.
*/
/* Open write transactions (1 = BEGIN, more = savepoints).  One count per process: a Holdpoint
** process writes through one connection (its app->db); the extra connections backup.c and
** doctor.c open only read, and the evidence sweep's own BEGIN does not go through here. */
static int wdepth;

int db_begin_write(sqlite3 *db){
  char sp[32];
  db_end_read(db);
  if( wdepth>0 && !sqlite3_get_autocommit(db) ){
    snprintf(sp, sizeof(sp), "SAVEPOINT hp_w%d", wdepth);
    if( db_exec(db, sp) ) return -1;
    wdepth++;
    return 0;
  }
  wdepth = 0;
  if( db_exec(db, "BEGIN IMMEDIATE") ) return -1;
  wdepth = 1;
  return 0;
}

int db_commit(sqlite3 *db){
  char sp[32];
  read_tx = 0;
  if( wdepth>1 ){
    snprintf(sp, sizeof(sp), "RELEASE hp_w%d", wdepth-1);
    if( db_exec(db, sp) ){
      db_rollback(db);
      return -1;
    }
    wdepth--;
    return 0;
  }
  if( db_exec(db, "COMMIT") ){
    db_rollback(db);
    return -1;
  }
  wdepth = 0;
  return 0;
}

void db_rollback(sqlite3 *db){
  char sp[64];
  read_tx = 0;
  if( wdepth>1 && !sqlite3_get_autocommit(db) ){
    wdepth--;
    snprintf(sp, sizeof(sp), "ROLLBACK TO hp_w%d; RELEASE hp_w%d", wdepth, wdepth);
    sqlite3_exec(db, sp, NULL, NULL, NULL);
    return;
  }
  wdepth = 0;
  if( !sqlite3_get_autocommit(db) ) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

/*
** A page's reads in one transaction: one snapshot for the whole page (its
** counts and its rows agree) and one lock instead of one per statement.
** Only when no transaction is open; a write ends it (db_begin_write, or a
** statement that writes, which then runs on its own as before).
*/
/* BEGIN or COMMIT through the statement cache (sqlite3_exec would prepare it every time). */
static int db_run(sqlite3 *db, const char *sql){
  sqlite3_stmt *st = db_prepare(db, sql);
  if( st==NULL ) return -1;
  int rc = sqlite3_step(st);
  db_finish(st);
  return rc==SQLITE_DONE ? 0 : -1;
}

void db_begin_read(sqlite3 *db){
  if( read_tx || !sqlite3_get_autocommit(db) ) return;
  if( db_run(db, "BEGIN")==0 ) read_tx = 1;
}

void db_end_read(sqlite3 *db){
  if( !read_tx ) return;
  read_tx = 0;
  if( !sqlite3_get_autocommit(db) && db_run(db, "COMMIT") ){
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  }
}

const char *db_col_text(sqlite3_stmt *st, int i){
  const unsigned char *z = sqlite3_column_text(st, i);
  return z ? (const char*)z : "";
}

char *db_col_dup(struct arena *a, sqlite3_stmt *st, int i){
  if( sqlite3_column_type(st, i)==SQLITE_NULL ) return NULL;
  const char *z = (const char*)sqlite3_column_text(st, i);
  return z ? arena_strndup(a, z, (size_t)sqlite3_column_bytes(st, i)) : NULL;
}

int64_t db_int(sqlite3 *db, const char *sql, int64_t dflt){
  sqlite3_stmt *st = db_prepare(db, sql);
  int64_t v = dflt;
  if( st && db_step(st)==SQLITE_ROW && sqlite3_column_type(st, 0)!=SQLITE_NULL ){
    v = sqlite3_column_int64(st, 0);
  }
  db_finish(st);
  return v;
}

int db_schema_version(sqlite3 *db){
  return (int)db_int(db, "SELECT max(version) FROM schema_migrations", 0);
}

static int cmp_names(const void *a, const void *b){
  return strcmp(*(char*const*)a, *(char*const*)b);
}

/* Read a whole file into a malloc'd NUL-terminated string; NULL on error. */
static char *slurp(const char *path){
  FILE *f = fopen(path, "rb");
  if( f==NULL ) return NULL;
  struct buf b;
  buf_init(&b);
  char tmp[8192];
  size_t n;
  while( (n = fread(tmp, 1, sizeof(tmp), f))>0 ) buf_append(&b, tmp, n);
  int bad = ferror(f) || b.oom;
  fclose(f);
  if( bad ){ buf_free(&b); return NULL; }
  if( b.z==NULL ) buf_append(&b, "", 0);
  return b.z;
}

/*
** Apply every sql/NNN_name.sql not yet recorded in schema_migrations, in
** order, each in its own BEGIN IMMEDIATE transaction that also records it.  Returns 0, or -1 (logged) leaving the failed one unapplied.
*/
int db_migrate(sqlite3 *db, const char *sql_dir, int verbose){
  int rc = -1;
  char **names = NULL;
  size_t n = 0, cap = 0;
  DIR *d = NULL;
  if( db_exec(db, "CREATE TABLE IF NOT EXISTS schema_migrations("
                  "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)") ) goto out;
  d = opendir(sql_dir);
  if( d==NULL ){ log_msg("db: cannot read migrations in %s", sql_dir); goto out; }
  struct dirent *e;
  while( (e = readdir(d))!=NULL ){
    const char *z = e->d_name;
    size_t len = strlen(z);
    if( len<8 || z[0]<'0' || z[0]>'9' || strcmp(z+len-4, ".sql")!=0 ) continue;
    if( n==cap ){
      cap = cap ? cap*2 : 16;
      char **nn = realloc(names, cap*sizeof(*names));
      if( nn==NULL ) goto out;
      names = nn;
    }
    names[n] = strdup(z);
    if( names[n]==NULL ) goto out;
    n++;
  }
  qsort(names, n, sizeof(*names), cmp_names);
  for(size_t i=0; i<n; i++){
    int version = (int)strtol(names[i], NULL, 10);   /* names were checked to start with a digit */
    sqlite3_stmt *q = db_prepare(db, "SELECT 1 FROM schema_migrations WHERE version=:v");
    int have = 0;
    if( q==NULL ) goto out;
    db_bind_int64(q, ":v", version);
    have = db_step(q)==SQLITE_ROW;
    db_finish(q);
    if( have ) continue;                 /* each file once, even one numbered below the newest */
    char path[4096];
    if( snprintf(path, sizeof(path), "%s/%s", sql_dir, names[i])>=(int)sizeof(path) ) goto out;
    char *sql = slurp(path);
    if( sql==NULL ){ log_msg("db: cannot read %s", path); goto out; }
    /* A file that rebuilds a table (SQLite's way to change a CHECK constraint) says so on its
       first line: it runs with foreign keys off, and every key is checked before it commits. */
    int fk_off = strncmp(sql, "-- holdpoint: foreign_keys=off", 30)==0;
    if( fk_off && db_exec(db, "PRAGMA foreign_keys=OFF") ){ free(sql); goto out; }
    int bad = db_begin_write(db) || db_exec(db, sql);
    free(sql);
    if( !bad && fk_off ){
      sqlite3_stmt *fk = db_prepare(db, "PRAGMA foreign_key_check");
      int step = fk ? db_step(fk) : SQLITE_ERROR;
      if( step==SQLITE_ROW ) log_msg("db: migration %s breaks a foreign key (table %s)", names[i], db_col_text(fk, 0));
      bad = step!=SQLITE_DONE;
      db_finish(fk);
    }
    if( !bad ){
      sqlite3_stmt *st = db_prepare(db, "INSERT INTO schema_migrations(version,name,applied_at)"
                                        " VALUES(:v,:n,strftime('%Y-%m-%dT%H:%M:%fZ','now'))");
      bad = st==NULL || db_bind_int64(st, ":v", version) || db_bind_text(st, ":n", names[i])
            || db_step(st)!=SQLITE_DONE;
      db_finish(st);
    }
    if( bad || db_commit(db) ){
      db_rollback(db);
      if( fk_off ) db_exec(db, "PRAGMA foreign_keys=ON");
      log_msg("db: migration %s failed", names[i]);
      goto out;
    }
    if( fk_off && db_exec(db, "PRAGMA foreign_keys=ON") ) goto out;
    if( verbose ) printf("applied %s\n", names[i]);
  }
  rc = 0;
out:
  if( d ) closedir(d);
  for(size_t i=0; i<n; i++) free(names[i]);
  free(names);
  return rc;
}

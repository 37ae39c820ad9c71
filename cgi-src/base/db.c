/*
** db.c — the store (db.h): SQLite, the embedded default, and PostgreSQL through libpq.
**
** Both backends hand out the same things: a connection (struct db), prepared statements
** with named binds (struct db_stmt) cached per connection, db_step's SQLite-style result
** codes, nested write transactions, a read snapshot per page.  What differs:
**   SQLite      one file; BEGIN IMMEDIATE is the write lock; a busy handler waits for it.
**   PostgreSQL  :name binds become $n; a statement is prepared on the server once per
**               connection; every write transaction takes one advisory lock first, so
**               writers are serialised across every node exactly as SQLite serialises a
**               machine's workers (the audit chain has one writer order); a statement that
**               fails inside a transaction is undone alone (a savepoint), as in SQLite.
*/
#include "db.h"
#include <sqlite3.h>
#include <libpq-fe.h>
#include <stdint.h>
#include "stats.h"
#include "fault.h"
#include "log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <dirent.h>
#include <unistd.h>
#include <strings.h>
#include <time.h>

/* The lock every PostgreSQL write transaction takes ("Hold" in ASCII). */
#define PG_WRITE_LOCK 0x486f6c64

struct db {
  enum db_dialect dialect;
  sqlite3 *lite;
  PGconn *pg;
  int wdepth;                 /* open write transactions (1 = BEGIN, more = savepoints) */
  int read_tx;                /* a db_begin_read transaction is open */
  int gen_ok;                 /* gen holds db_generation() for the open read snapshot */
  int64_t gen, gen_changes;   /* ... as long as this connection's count of changes is gen_changes */
  int64_t session_lock;       /* PostgreSQL: the advisory lock this session holds (0: none) */
  int64_t changes;            /* PostgreSQL: rows the last statement changed */
  unsigned seq;               /* PostgreSQL: names of server-side statements */
  char err[300];
};

struct db_stmt {
  struct db *db;
  sqlite3_stmt *lite;
  /* PostgreSQL */
  char *text;                 /* the caller's text, as given */
  char *pgtext;               /* the text with $n for :name */
  char name[16];              /* the server-side statement, "" until prepared */
  int nparam;
  char **pname;               /* pname[i] is the name for $i+1 */
  char **val;                 /* bound values (malloc'd text), NULL for NULL */
  int *len, *fmt;
  unsigned *oid;              /* the type each was bound as: 0 text, 20 int8, 17 bytea */
  PGresult *res;
  int row, nrows;
  int started;                /* db_step ran since the last reset */
  int writes;                 /* not a plain SELECT */
};

static struct db_counters counters;

enum db_dialect db_dialect(const struct db *db){
  return db ? db->dialect : DB_SQLITE;
}

int db_target_is_postgres(const char *t){
  return t && (strncmp(t, "postgres://", 11)==0 || strncmp(t, "postgresql://", 13)==0);
}

const char *db_errmsg(struct db *db){
  if( db==NULL ) return "no database";
  if( db->dialect==DB_SQLITE ) return sqlite3_errmsg(db->lite);
  return db->err[0] ? db->err : PQerrorMessage(db->pg);
}

/* ---------------------------------------------------------------- opening */

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

static void pg_notice(void *arg, const char *msg){
  (void)arg; (void)msg;             /* "NOTICE: relation already exists, skipping" and the like */
}

/*
** Open target: a PostgreSQL URI, or a SQLite file with WAL, synchronous=FULL, foreign keys
** and a busy timeout.  Returns 0 and *out, or -1 (logged; *out is NULL).
*/
int db_open(const char *target, struct db **out){
  *out = NULL;
  struct db *db = calloc(1, sizeof(*db));
  if( db==NULL ) return -1;
  if( db_target_is_postgres(target) ){
    db->dialect = DB_POSTGRES;
    db->pg = PQconnectdb(target);
    if( db->pg==NULL || PQstatus(db->pg)!=CONNECTION_OK ){
      log_msg("db: cannot connect to PostgreSQL: %s", db->pg ? PQerrorMessage(db->pg) : "out of memory");
      PQfinish(db->pg);
      free(db);
      return -1;
    }
    PQsetNoticeProcessor(db->pg, pg_notice, NULL);
    if( db_exec(db, "SET TIME ZONE 'UTC'") ){ db_close(db); return -1; }
    *out = db;
    return 0;
  }
  /* Before SQLite's first use in the process: no memory statistics (each allocation would take
     a global mutex to count itself; nothing here reads them).  Each process is single-threaded. */
  static int configured;
  if( !configured ){
    configured = 1;
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  }
  int rc = sqlite3_open_v2(target, &db->lite, SQLITE_OPEN_READWRITE|SQLITE_OPEN_CREATE|SQLITE_OPEN_NOMUTEX, NULL);
  if( rc!=SQLITE_OK ){
    log_msg("db: cannot open %s: %s", target, db->lite ? sqlite3_errmsg(db->lite) : sqlite3_errstr(rc));
    sqlite3_close(db->lite);
    free(db);
    return -1;
  }
  sqlite3_busy_handler(db->lite, busy_wait, NULL);
  if( db_exec(db, "PRAGMA journal_mode=WAL") || db_exec(db, "PRAGMA synchronous=FULL")
   || db_exec(db, "PRAGMA foreign_keys=ON") ){
    db_close(db);
    return -1;
  }
  *out = db;
  return 0;
}

/* ---------------------------------------------------------------- statements */

/*
** The statement cache.  A worker runs the same few hundred SQL texts over
** and over; preparing one costs as much as running it.  db_prepare hands out
** a cached statement for a text it has seen on this connection (when that
** statement is not in use: a text can be open twice, the second is a plain
** one), and db_finish puts it back, reset and unbound, instead of finalizing.
** Slots are reused round-robin once full; statements in use are never
** evicted.
*/
#define DB_CACHE_SLOTS 256
static struct db_slot {
  struct db *db;
  struct db_stmt *st;
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

static unsigned long sql_hash(const char *z){
  unsigned long h = 5381;
  while( *z ) h = h*33 + (unsigned char)*z++;
  return h;
}

static const char *stmt_text(struct db_stmt *st){
  return st->lite ? sqlite3_sql(st->lite) : st->text;
}

static void pg_clear(struct db_stmt *st){
  if( st->res ){ PQclear(st->res); st->res = NULL; }
  st->row = st->nrows = 0;
  st->started = 0;
}

static void stmt_free(struct db_stmt *st){
  if( st==NULL ) return;
  if( st->lite ) sqlite3_finalize(st->lite);
  pg_clear(st);
  if( st->name[0] && st->db && st->db->pg ){
    char sql[48];
    snprintf(sql, sizeof(sql), "DEALLOCATE %s", st->name);
    PQclear(PQexec(st->db->pg, sql));
  }
  for(int i=0; i<st->nparam; i++){ free(st->pname[i]); free(st->val[i]); }
  free(st->pname); free(st->val); free(st->len); free(st->fmt); free(st->oid);
  free(st->text); free(st->pgtext);
  free(st);
}

void db_close(struct db *db){
  if( db==NULL ) return;
  for(int i=0; i<DB_CACHE_SLOTS; i++){
    if( cache[i].db==db ){
      cache[i].st->name[0] = 0;                 /* closing: the server forgets them itself */
      stmt_free(cache[i].st);
      memset(&cache[i], 0, sizeof(cache[i]));
    }
  }
  if( db->lite ){
    sqlite3_stmt *st;
    while( (st = sqlite3_next_stmt(db->lite, NULL))!=NULL ) sqlite3_finalize(st);
    sqlite3_close(db->lite);
  }
  if( db->pg ) PQfinish(db->pg);
  free(db);
}

/*
** The few words of SQLite's dialect that Holdpoint's SQL uses and PostgreSQL spells
** otherwise; the functions are defined in sql/postgres/ (hp_json_*, group_concat,
** sum(boolean), two-argument min and max).  call: only when "(" follows.  An empty
** "to" is INSERT OR IGNORE, which becomes ON CONFLICT DO NOTHING at the end.
*/
static const struct pg_word { const char *from, *to; int call; } pg_words[] = {
  { "json_extract", "hp_json_extract", 1 },
  { "json_valid", "hp_json_valid", 1 },
  { "json_each", "hp_json_each", 1 },
  { "char", "chr", 1 },
  { "LIKE", "ILIKE", 0 },             /* SQLite's LIKE ignores the case of ASCII letters */
  { "INTEGER", "BIGINT", 0 },         /* CAST(x AS INTEGER): SQLite's integers are 64-bit */
  { "CROSS", "", 0 },                 /* SQLite's "CROSS JOIN … ON" (a join order it keeps) is a JOIN */
  { "OR", "", 0 },                    /* only after INSERT: see below */
  { NULL, NULL, 0 }
};

/*
** PostgreSQL's text for sql, outside quotes and comments: each :name becomes $n (the same
** name, the same n; "::", a cast, stays), the words of pg_words are replaced, "+col" (SQLite's
** "no index here") loses its "+", and a subquery in FROM or JOIN without an alias gets one.
** Fills st->pname and the bind arrays.  0 ok, -1 out of memory.
*/
static int pg_translate(struct db_stmt *st, const char *sql){
  size_t n = strlen(sql);
  char *out = malloc(n*3 + 64);
  if( out==NULL ) return -1;
  size_t o = 0;
  int ignore = 0;
  /* Parentheses open, and which of them hold a subquery in FROM or JOIN: PostgreSQL wants an
     alias for it ("FROM (SELECT …) AS x"), SQLite does not; one is added where none is given. */
  unsigned char fromsub[64];
  int depth = 0, nalias = 0;
  for(size_t i=0; i<n; ){
    char c = sql[i];
    if( c=='\'' || c=='"' ){                               /* a string or a quoted name */
      out[o++] = sql[i++];
      while( i<n ){
        out[o++] = sql[i];
        if( sql[i++]==c ){
          if( i<n && sql[i]==c ){ out[o++] = sql[i++]; continue; }
          break;
        }
      }
      continue;
    }
    if( c=='-' && i+1<n && sql[i+1]=='-' ){                /* a comment to the end of the line */
      while( i<n && sql[i]!='\n' ) out[o++] = sql[i++];
      continue;
    }
    if( c==':' && i+1<n && sql[i+1]==':' ){ out[o++] = ':'; out[o++] = ':'; i += 2; continue; }
    if( c=='+' && i+1<n && isalpha((unsigned char)sql[i+1]) ){   /* "+a.status": SQLite's "use no index here" */
      size_t k = o;
      while( k>0 && out[k-1]==' ' ) k--;
      if( k>0 && (strchr("(=,<>", out[k-1]) || (k>=4 && strncasecmp(out+k-4, " AND", 4)==0)
                  || (k>=3 && strncasecmp(out+k-3, " OR", 3)==0) || (k>=6 && strncasecmp(out+k-6, " WHERE", 6)==0)) ){
        i++;
        continue;
      }
    }
    if( (isalpha((unsigned char)c) || c=='_') && (i==0 || !(isalnum((unsigned char)sql[i-1]) || sql[i-1]=='_' || sql[i-1]=='.')) ){
      size_t s = i;
      while( i<n && (isalnum((unsigned char)sql[i]) || sql[i]=='_') ) i++;
      const char *to = NULL;
      for(const struct pg_word *w = pg_words; w->from; w++){
        if( strlen(w->from)==i-s && memcmp(w->from, sql+s, i-s)==0 && (!w->call || sql[i]=='(') ){ to = w->to; break; }
      }
      if( to && to[0]==0 && sql[s]=='C' ){
        if( strncmp(sql+i, " JOIN ", 6)==0 ){ while( i<n && sql[i]==' ' ) i++; continue; }
        to = NULL;
      }
      if( to && to[0]==0 && !(strncmp(sql+i, " IGNORE ", 8)==0 && o>=7 && memcmp(out+o-7, "INSERT ", 7)==0) ){
        to = NULL;                                          /* a plain OR */
      }
      if( to==NULL ){
        memcpy(out+o, sql+s, i-s);
        o += i-s;
      }else if( to[0]==0 ){                                 /* INSERT OR IGNORE: ON CONFLICT DO NOTHING at the end */
        ignore = 1;
        i += strlen(" IGNORE");
        while( o>0 && out[o-1]==' ' ) o--;
      }else{
        memcpy(out+o, to, strlen(to));
        o += strlen(to);
      }
      continue;
    }
    if( c==':' && i+1<n && (isalpha((unsigned char)sql[i+1]) || sql[i+1]=='_') ){
      size_t s = i;
      i++;
      while( i<n && (isalnum((unsigned char)sql[i]) || sql[i]=='_') ) i++;
      int k;
      for(k=0; k<st->nparam; k++){
        if( strlen(st->pname[k])==i-s && memcmp(st->pname[k], sql+s, i-s)==0 ) break;
      }
      if( k==st->nparam ){
        char **pn = realloc(st->pname, (size_t)(k+1)*sizeof(char*));
        if( pn==NULL ){ free(out); return -1; }
        st->pname = pn;
        pn[k] = strndup(sql+s, i-s);
        if( pn[k]==NULL ){ free(out); return -1; }
        st->nparam++;
      }
      o += (size_t)sprintf(out+o, "$%d", k+1);
      continue;
    }
    if( c=='(' ){
      size_t k = o;
      while( k>0 && out[k-1]==' ' ) k--;
      int sub = (k>=4 && strncasecmp(out+k-4, "FROM", 4)==0) || (k>=4 && strncasecmp(out+k-4, "JOIN", 4)==0);
      if( depth<(int)sizeof(fromsub) ) fromsub[depth] = (unsigned char)sub;
      depth++;
    }else if( c==')' && depth>0 ){
      depth--;
      if( depth<(int)sizeof(fromsub) && fromsub[depth] ){
        size_t k = i+1;
        while( k<n && isspace((unsigned char)sql[k]) ) k++;
        static const char *const after[] = { "WHERE", "ORDER", "GROUP", "LIMIT", "UNION", "EXCEPT", "INTERSECT",
                                             "JOIN", "LEFT", "INNER", "CROSS", "ON", "HAVING", "OFFSET", NULL };
        int alias = k<n && (isalpha((unsigned char)sql[k]) || sql[k]=='_');
        for(int w=0; alias && after[w]; w++){
          size_t l = strlen(after[w]);
          if( strncasecmp(sql+k, after[w], l)==0 && !(isalnum((unsigned char)sql[k+l]) || sql[k+l]=='_') ) alias = 0;
        }
        if( !alias ){
          out[o++] = sql[i++];
          o += (size_t)sprintf(out+o, " AS hp_sq%d", ++nalias);
          continue;
        }
      }
    }
    out[o++] = sql[i++];
  }
  if( ignore ){
    while( o>0 && (out[o-1]==' ' || out[o-1]==';' || out[o-1]=='\n') ) o--;
    o += (size_t)sprintf(out+o, " ON CONFLICT DO NOTHING");
  }
  out[o] = 0;
  st->pgtext = out;
  int np = st->nparam ? st->nparam : 1;
  st->val = calloc((size_t)np, sizeof(char*));
  st->len = calloc((size_t)np, sizeof(int));
  st->fmt = calloc((size_t)np, sizeof(int));
  st->oid = calloc((size_t)np, sizeof(unsigned));
  if( !st->val || !st->len || !st->fmt || !st->oid ) return -1;
  /* writes: anything but SELECT/WITH/VALUES/SHOW (a WITH that writes is not written here) */
  const char *p = sql;
  while( isspace((unsigned char)*p) ) p++;
  st->writes = !(strncasecmp(p, "SELECT", 6)==0 || strncasecmp(p, "WITH", 4)==0 || strncasecmp(p, "VALUES", 6)==0);
  return 0;
}

char *db_pg_translate(const char *sql){
  struct db_stmt st;
  memset(&st, 0, sizeof(st));
  char *out = NULL;
  if( pg_translate(&st, sql)==0 ){ out = st.pgtext; st.pgtext = NULL; }
  for(int i=0; i<st.nparam; i++) free(st.pname[i]);
  free(st.pname); free(st.val); free(st.len); free(st.fmt); free(st.oid); free(st.pgtext);
  return out;
}

/* A new statement for sql on db; NULL (logged) on error or for an empty text. */
static struct db_stmt *stmt_new(struct db *db, const char *sql){
  struct db_stmt *st = calloc(1, sizeof(*st));
  if( st==NULL ) return NULL;
  st->db = db;
  counters.prepares++;
  if( db->dialect==DB_SQLITE ){
    if( sqlite3_prepare_v3(db->lite, sql, -1, SQLITE_PREPARE_PERSISTENT, &st->lite, NULL)!=SQLITE_OK ){
      log_msg("db: prepare failed: %s: %.200s", sqlite3_errmsg(db->lite), sql);
      stmt_free(st);
      return NULL;
    }
    if( st->lite==NULL ){ free(st); return NULL; }      /* only a comment or spaces */
    return st;
  }
  st->text = strdup(sql);
  if( st->text==NULL || pg_translate(st, sql) ){
    log_msg("db: out of memory preparing: %.200s", sql);
    stmt_free(st);
    return NULL;
  }
  return st;
}

/* Hand out slot i for sql. */
static struct db_stmt *slot_take(int i, const char *sql){
  struct db_slot *c = &cache[i];
  c->busy = 1;
  c->sql = sql;
  hint_sql[hint_of(sql)] = (short)(i + 1);
  hint_st[hint_of(c->st)] = (short)(i + 1);
  return c->st;
}

struct db_stmt *db_prepare(struct db *db, const char *sql){
  int s = hint_sql[hint_of(sql)] - 1;
  if( s>=0 ){
    struct db_slot *c = &cache[s];
    if( c->st && c->db==db && !c->busy && c->sql==sql && strcmp(stmt_text(c->st), sql)==0 ){
      counters.cache_hits++;
      return slot_take(s, sql);
    }
  }
  unsigned long h = sql_hash(sql);
  int free_slot = -1;
  for(int i=0; i<DB_CACHE_SLOTS; i++){
    struct db_slot *c = &cache[i];
    if( c->st==NULL ){ if( free_slot<0 ) free_slot = i; continue; }
    if( c->db==db && c->hash==h && !c->busy && strcmp(stmt_text(c->st), sql)==0 ){
      counters.cache_hits++;
      return slot_take(i, sql);
    }
  }
  struct db_stmt *st = stmt_new(db, sql);
  if( st==NULL ) return NULL;
  if( free_slot<0 ){                                   /* evict the next statement not in use */
    for(int k=0; k<DB_CACHE_SLOTS && free_slot<0; k++){
      int i = (cache_next + k) % DB_CACHE_SLOTS;
      if( !cache[i].busy ){
        stmt_free(cache[i].st);
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

/* Forget the binds and any rows. */
static void stmt_clear(struct db_stmt *st){
  if( st->lite ){
    sqlite3_reset(st->lite);
    sqlite3_clear_bindings(st->lite);
    return;
  }
  pg_clear(st);
  for(int i=0; i<st->nparam; i++){ free(st->val[i]); st->val[i] = NULL; st->len[i] = 0; st->fmt[i] = 0; }
}

void db_reset(struct db_stmt *st){
  if( st==NULL ) return;
  if( st->lite ) sqlite3_reset(st->lite);
  else pg_clear(st);
}

void db_finish(struct db_stmt *st){
  if( st==NULL ) return;
  if( st->lite ) counters.vm_steps += sqlite3_stmt_status(st->lite, SQLITE_STMTSTATUS_VM_STEP, 1);
  int s = hint_st[hint_of(st)] - 1;
  if( s>=0 && cache[s].st==st ){
    stmt_clear(st);
    cache[s].busy = 0;
    return;
  }
  for(int i=0; i<DB_CACHE_SLOTS; i++){
    if( cache[i].st==st ){
      stmt_clear(st);
      cache[i].busy = 0;
      return;
    }
  }
  stmt_free(st);
}

struct db_counters db_counters(void){
  return counters;
}

/* ---------------------------------------------------------------- binds */

/* The parameter's index (1-based), or 0. */
static int param_find(struct db_stmt *st, const char *name){
  if( st->lite ) return sqlite3_bind_parameter_index(st->lite, name);
  for(int i=0; i<st->nparam; i++) if( strcmp(st->pname[i], name)==0 ) return i+1;
  return 0;
}

int db_has_param(struct db_stmt *st, const char *name){
  return param_find(st, name)!=0;
}

/* Look up a named parameter; a missing one is a programming error, logged. */
static int param_index(struct db_stmt *st, const char *name){
  int i = param_find(st, name);
  if( i==0 ) log_msg("db: no parameter %s in: %.200s", name, stmt_text(st));
  return i;
}

/* PostgreSQL: keep a copy of the value for $i (1-based) with its type. */
static int pg_bind(struct db_stmt *st, int i, const char *p, int n, int fmt, unsigned oid){
  char *v = NULL;
  if( p ){
    v = malloc((size_t)n + 1);
    if( v==NULL ) return -1;
    memcpy(v, p, (size_t)n);
    v[n] = 0;
  }
  free(st->val[i-1]);
  st->val[i-1] = v;
  st->len[i-1] = n;
  st->fmt[i-1] = fmt;
  if( p ) st->oid[i-1] = oid;
  return 0;
}

int db_bind_text(struct db_stmt *st, const char *name, const char *z){
  int i = param_index(st, name);
  if( i==0 ) return -1;
  if( !st->lite ) return pg_bind(st, i, z, z ? (int)strlen(z) : 0, 0, 0);
  if( z==NULL ) return sqlite3_bind_null(st->lite, i)==SQLITE_OK ? 0 : -1;
  return sqlite3_bind_text(st->lite, i, z, -1, SQLITE_TRANSIENT)==SQLITE_OK ? 0 : -1;
}

int db_bind_blob(struct db_stmt *st, const char *name, const void *p, int n){
  int i = param_index(st, name);
  if( i==0 ) return -1;
  if( !st->lite ) return pg_bind(st, i, p ? p : "", n, 1, 17);
  return sqlite3_bind_blob(st->lite, i, p, n, SQLITE_TRANSIENT)==SQLITE_OK ? 0 : -1;
}

int db_bind_int64(struct db_stmt *st, const char *name, int64_t v){
  int i = param_index(st, name);
  if( i==0 ) return -1;
  if( !st->lite ){
    char num[24];
    int n = snprintf(num, sizeof(num), "%lld", (long long)v);
    return pg_bind(st, i, num, n, 0, 20);
  }
  return sqlite3_bind_int64(st->lite, i, v)==SQLITE_OK ? 0 : -1;
}

int db_bind_null(struct db_stmt *st, const char *name){
  int i = param_index(st, name);
  if( i==0 ) return -1;
  if( !st->lite ) return pg_bind(st, i, NULL, 0, 0, 0);
  return sqlite3_bind_null(st->lite, i)==SQLITE_OK ? 0 : -1;
}

/* ---------------------------------------------------------------- running */

/* PostgreSQL: run a command that returns no rows; 0 ok, -1 (logged unless quiet). */
static void pg_revive(struct db *db);

static int pg_command(struct db *db, const char *sql, int quiet){
  /* A first command (BEGIN, SET: harmless to send again) that finds the connection broken
     opens it again and is sent once more. */
  int again = strncmp(sql, "BEGIN", 5)==0 || strncmp(sql, "SET ", 4)==0;
  PGresult *r = NULL;
  int ok = 0;
  for(int attempt=0; attempt<2 && !ok; attempt++){
    PQclear(r);
    pg_revive(db);
    int idle = PQtransactionStatus(db->pg)==PQTRANS_IDLE;
    r = PQexec(db->pg, sql);
    ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    ok = s==PGRES_COMMAND_OK || s==PGRES_TUPLES_OK;
    if( !(again && idle && PQstatus(db->pg)==CONNECTION_BAD) ) break;
  }
  if( !ok ){
    snprintf(db->err, sizeof(db->err), "%s", r ? PQresultErrorMessage(r) : PQerrorMessage(db->pg));
    if( !quiet ) log_msg("db: %s: %.200s", db->err, sql);
  }
  PQclear(r);
  return ok ? 0 : -1;
}

/*
** A connection that broke (the server restarted, or failed over to a replica that became the
** primary: give several hosts with target_session_attrs=read-write) is opened again before
** the next statement; what was prepared on the old one is prepared again on first use.  The
** transaction that was open is gone with it (its statements fail; the request answers 503).
*/
static void pg_revive(struct db *db){
  if( PQstatus(db->pg)!=CONNECTION_BAD ) return;
  PQreset(db->pg);
  if( PQstatus(db->pg)!=CONNECTION_OK ){
    snprintf(db->err, sizeof(db->err), "PostgreSQL cannot be reached: %s", PQerrorMessage(db->pg));
    return;
  }
  log_msg("db: connected to PostgreSQL again");
  for(int i=0; i<DB_CACHE_SLOTS; i++){
    if( cache[i].db==db && cache[i].st ) cache[i].st->name[0] = 0;
  }
  db->wdepth = 0;
  db->read_tx = 0;
  db->session_lock = 0;                      /* went with the old session */
  pg_command(db, "SET TIME ZONE 'UTC'", 0);
}

static int pg_in_tx(struct db *db){
  PGTransactionStatusType t = PQtransactionStatus(db->pg);
  return t==PQTRANS_INTRANS || t==PQTRANS_INERROR || t==PQTRANS_ACTIVE;
}

/*
** Prepare st on the server, with the types of its first binds (int8, bytea; text is left for
** the server to infer from where it is used).  A parameter whose type cannot be inferred
** (":x IS NULL OR col=:x" when :x is NULL) is then taken as text.  Inside a transaction the
** attempt runs in a savepoint, so that a refusal does not end the transaction.  0 or -1.
*/
static int pg_prepare(struct db_stmt *st){
  struct db *db = st->db;
  char name[16];
  snprintf(name, sizeof(name), "hp%u", ++db->seq);
  int tx = pg_in_tx(db);
  for(int attempt=0; attempt<2; attempt++){
    if( tx && pg_command(db, "SAVEPOINT hp_p", 0) ) return -1;
    PGresult *r = PQprepare(db->pg, name, st->pgtext, st->nparam, (const Oid*)st->oid);
    int ok = r && PQresultStatus(r)==PGRES_COMMAND_OK;
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    int retry = !ok && attempt==0 && state && (strcmp(state, "42P18")==0 || strcmp(state, "42P08")==0 || strcmp(state, "42725")==0);
    if( !ok && !retry ) log_msg("db: prepare failed: %s: %.300s", r ? PQresultErrorMessage(r) : PQerrorMessage(db->pg), st->pgtext);
    PQclear(r);
    if( tx ) pg_command(db, ok ? "RELEASE SAVEPOINT hp_p" : "ROLLBACK TO SAVEPOINT hp_p; RELEASE SAVEPOINT hp_p", 0);
    if( ok ){
      memcpy(st->name, name, sizeof(name));
      return 0;
    }
    if( !retry ) return -1;
    for(int i=0; i<st->nparam; i++) if( st->oid[i]==0 ) st->oid[i] = 25;   /* text */
  }
  return -1;
}

/* The first run of st since its reset: prepare it on the server if needed, run it, keep the rows. */
static int pg_run(struct db_stmt *st){
  struct db *db = st->db;
  pg_revive(db);
  if( PQtransactionStatus(db->pg)==PQTRANS_INERROR ){
    log_msg("db: statement in a failed transaction: %.200s", st->text);
    return DB_ERROR;
  }
  int idle = PQtransactionStatus(db->pg)==PQTRANS_IDLE;
  if( st->name[0]==0 && pg_prepare(st) && !(idle && PQstatus(db->pg)==CONNECTION_BAD) ) return DB_ERROR;
  int sp = st->writes && pg_in_tx(db);       /* a failure undoes this statement alone, as in SQLite */
  if( sp && pg_command(db, "SAVEPOINT hp_s", 0) ) return DB_ERROR;
  st->res = st->name[0] ? PQexecPrepared(db->pg, st->name, st->nparam, (const char *const*)st->val, st->len, st->fmt, 0) : NULL;
  ExecStatusType s = st->res ? PQresultStatus(st->res) : PGRES_FATAL_ERROR;
  if( s!=PGRES_TUPLES_OK && s!=PGRES_COMMAND_OK && idle && !st->writes && PQstatus(db->pg)==CONNECTION_BAD ){
    /* a read on its own that found the connection broken: open it again and read, once */
    PQclear(st->res);
    st->res = NULL;
    pg_revive(db);
    if( PQstatus(db->pg)==CONNECTION_OK && (st->name[0] || pg_prepare(st)==0) ){
      st->res = PQexecPrepared(db->pg, st->name, st->nparam, (const char *const*)st->val, st->len, st->fmt, 0);
    }
    s = st->res ? PQresultStatus(st->res) : PGRES_FATAL_ERROR;
  }
  if( s==PGRES_TUPLES_OK || s==PGRES_COMMAND_OK ){
    const char *n = PQcmdTuples(st->res);
    db->changes = n && n[0] ? strtoll(n, NULL, 10) : 0;
    st->nrows = s==PGRES_TUPLES_OK ? PQntuples(st->res) : 0;
    st->row = -1;
    if( sp && pg_command(db, "RELEASE SAVEPOINT hp_s", 0) ) return DB_ERROR;
    return DB_OK;
  }
  const char *state = st->res ? PQresultErrorField(st->res, PG_DIAG_SQLSTATE) : NULL;
  int rc = state && strncmp(state, "23", 2)==0 ? DB_CONSTRAINT : DB_ERROR;
  snprintf(db->err, sizeof(db->err), "%s", st->res ? PQresultErrorMessage(st->res) : PQerrorMessage(db->pg));
  if( rc!=DB_CONSTRAINT ) log_msg("db: step failed (%s): %s: %.300s", state ? state : "?", db->err, st->pgtext);
  pg_clear(st);
  if( sp ) pg_command(db, "ROLLBACK TO SAVEPOINT hp_s; RELEASE SAVEPOINT hp_s", 0);
  return rc;
}

int db_step(struct db_stmt *st){
  struct db *db = st->db;
  if( st->lite ){
    if( !sqlite3_stmt_busy(st->lite) ){
      counters.statements++;                                 /* a new run of this statement */
      if( db->read_tx && !sqlite3_stmt_readonly(st->lite) ) db_end_read(db);   /* writes run outside it */
    }
    int rc = fault_hit(FAULT_STEP) ? SQLITE_IOERR : sqlite3_step(st->lite);
    if( rc!=SQLITE_ROW && rc!=SQLITE_DONE ){
      /* Constraint failures are expected by callers (one vote per person); log the rest. */
      if( (rc & 0xff)==SQLITE_CONSTRAINT ) return DB_CONSTRAINT;
      log_msg("db: step failed (%d): %s: %.200s", rc, sqlite3_errmsg(db->lite), sqlite3_sql(st->lite));
    }
    return rc;
  }
  if( !st->started ){
    counters.statements++;
    if( db->read_tx && st->writes ) db_end_read(db);
    if( fault_hit(FAULT_STEP) ) return DB_ERROR;
    int rc = pg_run(st);
    if( rc!=DB_OK ) return rc;
    st->started = 1;
  }
  if( st->row+1 < st->nrows ){ st->row++; return DB_ROW; }
  return DB_DONE;
}

int db_exec(struct db *db, const char *sql){
  char *err = NULL;
  if( fault_hit(FAULT_STEP) ){
    log_msg("db: injected fault: %.200s", sql);
    return -1;
  }
  if( db->dialect==DB_POSTGRES ) return pg_command(db, sql, 0);
  if( sqlite3_exec(db->lite, sql, NULL, NULL, &err)!=SQLITE_OK ){
    log_msg("db: %s: %.200s", err ? err : "error", sql);
    sqlite3_free(err);
    return -1;
  }
  return 0;
}

int db_session_lock(struct db *db, int64_t key){
  if( db->dialect!=DB_POSTGRES ) return DB_NO_SESSION_LOCK;
  pg_revive(db);
  if( db->session_lock==key && PQstatus(db->pg)==CONNECTION_OK ) return 1;
  char sql[80];
  snprintf(sql, sizeof(sql), "SELECT pg_try_advisory_lock(%lld)", (long long)key);
  PGresult *r = PQexec(db->pg, sql);
  int rc = r && PQresultStatus(r)==PGRES_TUPLES_OK && PQntuples(r)==1 ? (PQgetvalue(r, 0, 0)[0]=='t') : -1;
  PQclear(r);
  if( rc==1 ) db->session_lock = key;
  return rc;
}

int db_in_tx(struct db *db){
  if( db->dialect==DB_POSTGRES ) return pg_in_tx(db);
  return !sqlite3_get_autocommit(db->lite);
}

/* ---------------------------------------------------------------- transactions */

/*
** Every transaction that writes starts here, so the write lock is taken up front
** (SQLite: BEGIN IMMEDIATE; PostgreSQL: the advisory lock, held to the commit).
** Write transactions nest: the outermost is BEGIN ... COMMIT, an inner one is a
** SAVEPOINT that its db_commit releases into the outer one and its db_rollback
** undoes alone.  So a handler can run several core calls (save the fields, record
** the files, decide) as one unit: each call keeps its own begin/commit, and nothing
** is written until the outermost commit.
*/
int db_begin_write(struct db *db){
  char sp[32];
  db_end_read(db);
  if( db->wdepth>0 && db_in_tx(db) ){
    snprintf(sp, sizeof(sp), "SAVEPOINT hp_w%d", db->wdepth);
    if( db_exec(db, sp) ) return -1;
    db->wdepth++;
    return 0;
  }
  db->wdepth = 0;
  if( db->dialect==DB_POSTGRES ){
    char sql[96];
    snprintf(sql, sizeof(sql), "BEGIN; SELECT pg_advisory_xact_lock(%d)", PG_WRITE_LOCK);
    if( fault_hit(FAULT_STEP) || pg_command(db, sql, 0) ){
      if( pg_in_tx(db) ) pg_command(db, "ROLLBACK", 1);
      return -1;
    }
  }else if( db_exec(db, "BEGIN IMMEDIATE") ) return -1;
  db->wdepth = 1;
  return 0;
}

int db_commit(struct db *db){
  char sp[32];
  db->read_tx = 0;
  if( db->wdepth>1 ){
    snprintf(sp, sizeof(sp), "RELEASE hp_w%d", db->wdepth-1);
    if( db_exec(db, sp) ){
      db_rollback(db);
      return -1;
    }
    db->wdepth--;
    return 0;
  }
  if( db_exec(db, "COMMIT") ){
    db_rollback(db);
    return -1;
  }
  db->wdepth = 0;
  return 0;
}

void db_rollback(struct db *db){
  char sp[64];
  db->read_tx = 0;
  if( db->wdepth>1 && db_in_tx(db) ){
    db->wdepth--;
    snprintf(sp, sizeof(sp), "ROLLBACK TO hp_w%d; RELEASE hp_w%d", db->wdepth, db->wdepth);
    if( db->dialect==DB_POSTGRES ) pg_command(db, sp, 1);
    else sqlite3_exec(db->lite, sp, NULL, NULL, NULL);
    return;
  }
  db->wdepth = 0;
  if( !db_in_tx(db) ) return;
  if( db->dialect==DB_POSTGRES ) pg_command(db, "ROLLBACK", 1);
  else sqlite3_exec(db->lite, "ROLLBACK", NULL, NULL, NULL);
}

/*
** A page's reads in one transaction: one snapshot for the whole page (its
** counts and its rows agree) and one lock instead of one per statement.
** Only when no transaction is open; a write ends it (db_begin_write, or a
** statement that writes, which then runs on its own as before).
*/
/* BEGIN or COMMIT through the statement cache (sqlite3_exec would prepare it every time). */
static int db_run(struct db *db, const char *sql){
  if( db->dialect==DB_POSTGRES ) return pg_command(db, sql, 0);
  struct db_stmt *st = db_prepare(db, sql);
  if( st==NULL ) return -1;
  int rc = sqlite3_step(st->lite);
  db_finish(st);
  return rc==SQLITE_DONE ? 0 : -1;
}

void db_begin_read(struct db *db){
  if( db->read_tx || db_in_tx(db) ) return;
  db->gen_ok = 0;
  const char *sql = db->dialect==DB_POSTGRES ? "BEGIN ISOLATION LEVEL REPEATABLE READ" : "BEGIN";
  if( db_run(db, sql)==0 ) db->read_tx = 1;
}

void db_end_read(struct db *db){
  if( !db->read_tx ) return;
  db->read_tx = 0;
  db->gen_ok = 0;
  if( db_in_tx(db) && db_run(db, "COMMIT") ) db_rollback(db);
}

/* ---------------------------------------------------------------- columns */

static const char *pg_value(struct db_stmt *st, int i){
  if( st->res==NULL || st->row<0 || st->row>=st->nrows || i>=PQnfields(st->res) ) return NULL;
  if( PQgetisnull(st->res, st->row, i) ) return NULL;
  return PQgetvalue(st->res, st->row, i);
}

int64_t db_col_int64(struct db_stmt *st, int i){
  if( st->lite ) return sqlite3_column_int64(st->lite, i);
  const char *v = pg_value(st, i);
  if( v==NULL ) return 0;
  if( v[0]=='t' && v[1]==0 ) return 1;                  /* a boolean */
  if( v[0]=='f' && v[1]==0 ) return 0;
  return strtoll(v, NULL, 10);
}

int db_col_int(struct db_stmt *st, int i){
  return (int)db_col_int64(st, i);
}

int db_col_null(struct db_stmt *st, int i){
  if( st->lite ) return sqlite3_column_type(st->lite, i)==SQLITE_NULL;
  return pg_value(st, i)==NULL;
}

const char *db_col_text(struct db_stmt *st, int i){
  if( st->lite ){
    const unsigned char *z = sqlite3_column_text(st->lite, i);
    return z ? (const char*)z : "";
  }
  const char *v = pg_value(st, i);
  return v ? v : "";
}

char *db_col_dup(struct arena *a, struct db_stmt *st, int i){
  if( st->lite ){
    if( sqlite3_column_type(st->lite, i)==SQLITE_NULL ) return NULL;
    const char *z = (const char*)sqlite3_column_text(st->lite, i);
    return z ? arena_strndup(a, z, (size_t)sqlite3_column_bytes(st->lite, i)) : NULL;
  }
  const char *v = pg_value(st, i);
  return v ? arena_strndup(a, v, (size_t)PQgetlength(st->res, st->row, i)) : NULL;
}

int64_t db_changes(struct db *db){
  return db->dialect==DB_POSTGRES ? db->changes : sqlite3_changes(db->lite);
}

int64_t db_last_id(struct db *db){
  if( db->dialect==DB_SQLITE ) return sqlite3_last_insert_rowid(db->lite);
  PGresult *r = PQexec(db->pg, "SELECT lastval()");
  int64_t v = r && PQresultStatus(r)==PGRES_TUPLES_OK && PQntuples(r)==1 ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0;
  PQclear(r);
  return v;
}

int64_t db_int(struct db *db, const char *sql, int64_t dflt){
  struct db_stmt *st = db_prepare(db, sql);
  int64_t v = dflt;
  if( st && db_step(st)==DB_ROW && !db_col_null(st, 0) ) v = db_col_int64(st, 0);
  db_finish(st);
  return v;
}

int64_t db_generation(struct db *db){
  if( db->dialect!=DB_SQLITE ) return 0;
  /* In a read snapshot nobody else's commit shows: asked again there, the answer is the same
     until this connection writes. */
  if( db_in_tx(db) && !db->read_tx ) return 0;     /* a write not yet committed may still roll back */
  int64_t mine = sqlite3_total_changes64(db->lite);
  if( db->read_tx && db->gen_ok && db->gen_changes==mine ) return db->gen;
  /* data_version changes when another connection commits (and, read in the page's snapshot,
     names that snapshot: the pragma starts the read if nothing has yet); this connection's
     own writes show in its count of changed rows. */
  int64_t others = db_int(db, "PRAGMA data_version", -1);
  if( others<0 ) return 0;
  int64_t g = (others << 32) ^ (mine & 0xffffffff) ^ ((int64_t)1 << 62);
  if( db->read_tx ){ db->gen = g; db->gen_changes = mine; db->gen_ok = 1; }
  return g;
}

/*
** Numbers a worker keeps while the database does not change (db_generation): direct-mapped
** slots by (what, key); a slot holds the generation it was counted in, so a change anywhere
** makes every kept number stale at once.  Nothing is kept where the generation is unknown.
*/
#define DB_KEPT_SLOTS 256
static struct { const struct db *db; int64_t gen, key, val; int what; } kept[DB_KEPT_SLOTS];

static unsigned kept_slot(int what, int64_t key){
  uint64_t h = ((uint64_t)key * 0x9E3779B97F4A7C15ull) ^ (uint64_t)what;
  return (unsigned)(h >> 56) & (DB_KEPT_SLOTS - 1);
}

int db_kept(struct db *db, int what, int64_t key, int64_t *val, int64_t *gen){
  *gen = db_generation(db);
  unsigned i = kept_slot(what, key);
  if( *gen==0 || kept[i].db!=db || kept[i].gen!=*gen || kept[i].what!=what || kept[i].key!=key ) return 0;
  *val = kept[i].val;
  return 1;
}

void db_keep(struct db *db, int64_t gen, int what, int64_t key, int64_t val){
  if( gen==0 ) return;
  unsigned i = kept_slot(what, key);
  kept[i].db = db; kept[i].gen = gen; kept[i].what = what; kept[i].key = key; kept[i].val = val;
}

int db_schema_version(struct db *db){
  return (int)db_int(db, "SELECT max(version) FROM schema_migrations", 0);
}

/* ---------------------------------------------------------------- migrations, backup */

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
** Apply every NNN_name.sql not yet recorded in schema_migrations, in order, each in
** its own write transaction that also records it (sql_dir for SQLite, sql_dir/postgres
** for PostgreSQL, where DDL is transactional too).  Two processes starting at once take
** turns: the check that a file is applied is made under the write lock.  Returns 0, or
** -1 (logged) leaving the failed one unapplied.
*/
int db_migrate(struct db *db, const char *sql_dir, int verbose){
  int rc = -1;
  char **names = NULL, dir[4096];
  size_t n = 0, cap = 0;
  DIR *d = NULL;
  int pg = db->dialect==DB_POSTGRES;
  if( snprintf(dir, sizeof(dir), "%s%s", sql_dir, pg ? "/postgres" : "")>=(int)sizeof(dir) ) goto out;
  if( pg && db_begin_write(db) ) goto out;       /* CREATE TABLE IF NOT EXISTS races on PostgreSQL */
  if( db_exec(db, "CREATE TABLE IF NOT EXISTS schema_migrations("
                  "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)") ){
    db_rollback(db);
    goto out;
  }
  if( pg && db_commit(db) ) goto out;
  d = opendir(dir);
  if( d==NULL ){ log_msg("db: cannot read migrations in %s", dir); goto out; }
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
    char path[4400];
    if( snprintf(path, sizeof(path), "%s/%s", dir, names[i])>=(int)sizeof(path) ) goto out;
    char *sql = slurp(path);
    if( sql==NULL ){ log_msg("db: cannot read %s", path); goto out; }
    /* A file that rebuilds a table (SQLite's way to change a CHECK constraint) says so on its
       first line: it runs with foreign keys off, and every key is checked before it commits. */
    int fk_off = !pg && strncmp(sql, "-- holdpoint: foreign_keys=off", 30)==0;
    if( fk_off && db_exec(db, "PRAGMA foreign_keys=OFF") ){ free(sql); goto out; }
    if( db_begin_write(db) ){ free(sql); goto out; }
    struct db_stmt *q = db_prepare(db, "SELECT 1 FROM schema_migrations WHERE version=:v");
    int have = -1;
    if( q && db_bind_int64(q, ":v", version)==0 ){
      int step = db_step(q);
      have = step==DB_ROW ? 1 : step==DB_DONE ? 0 : -1;
    }
    db_finish(q);
    int bad = have<0;
    if( have==0 ){                        /* each file once, even one numbered below the newest */
      bad = db_exec(db, sql);
      if( !bad && fk_off ){
        struct db_stmt *fk = db_prepare(db, "PRAGMA foreign_key_check");
        int step = fk ? db_step(fk) : DB_ERROR;
        if( step==DB_ROW ) log_msg("db: migration %s breaks a foreign key (table %s)", names[i], db_col_text(fk, 0));
        bad = step!=DB_DONE;
        db_finish(fk);
      }
      if( !bad ){
        char at[40];
        time_t now = time(NULL);
        struct tm tm;
        strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
        struct db_stmt *st = db_prepare(db, "INSERT INTO schema_migrations(version,name,applied_at) VALUES(:v,:n,:at)");
        bad = st==NULL || db_bind_int64(st, ":v", version) || db_bind_text(st, ":n", names[i])
              || db_bind_text(st, ":at", at) || db_step(st)!=DB_DONE;
        db_finish(st);
      }
    }
    free(sql);
    if( bad || db_commit(db) ){
      db_rollback(db);
      if( fk_off ) db_exec(db, "PRAGMA foreign_keys=ON");
      log_msg("db: migration %s failed", names[i]);
      goto out;
    }
    if( fk_off && db_exec(db, "PRAGMA foreign_keys=ON") ) goto out;
    if( verbose && have==0 ) printf("applied %s\n", names[i]);
  }
  rc = 0;
out:
  if( d ) closedir(d);
  for(size_t i=0; i<n; i++) free(names[i]);
  free(names);
  return rc;
}

int db_backup_to(struct db *db, const char *path, char *msg, size_t nmsg){
  if( db->dialect!=DB_SQLITE ){
    snprintf(msg, nmsg, "the database is PostgreSQL: back it up with pg_dump or the server's own backups");
    return -1;
  }
  sqlite3 *dst = NULL;
  if( sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE|SQLITE_OPEN_CREATE, NULL)!=SQLITE_OK ){
    sqlite3_close(dst);
    snprintf(msg, nmsg, "cannot create %s", path);
    return -1;
  }
  sqlite3_backup *bk = sqlite3_backup_init(dst, "main", db->lite, "main");
  int step = bk ? sqlite3_backup_step(bk, -1) : SQLITE_ERROR;
  int fin = bk ? sqlite3_backup_finish(bk) : SQLITE_ERROR;
  if( step!=SQLITE_DONE || fin!=SQLITE_OK ){
    snprintf(msg, nmsg, "the database could not be copied: %s", sqlite3_errmsg(dst));
    sqlite3_close(dst);
    return -1;
  }
  int jm = sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL);
  sqlite3_close(dst);
  if( jm!=SQLITE_OK ){
    snprintf(msg, nmsg, "the copied database could not be made one file");
    return -1;
  }
  return 0;
}

/*
** db.h — the store: one interface over SQLite (the embedded default) and PostgreSQL
** (several nodes sharing one database).  Connections and statements are opaque; a
** process uses one backend, chosen by db_open's target.  Named binds (:name), a
** per-connection statement cache, nested write transactions, a read snapshot per
** page, migrations per dialect (sql/ for SQLite, sql/postgres/ for PostgreSQL).
*/
#ifndef HP_DB_H
#define HP_DB_H
#include <stdint.h>
#include <stddef.h>
#include "arena.h"

struct db;                       /* a connection */
struct db_stmt;                  /* a prepared statement */

/* What db_step returns (SQLite's own numbers, so SQLite's codes pass through unchanged). */
enum { DB_OK = 0, DB_ERROR = 1, DB_BUSY = 5, DB_CONSTRAINT = 19, DB_ROW = 100, DB_DONE = 101 };
enum db_dialect { DB_SQLITE = 0, DB_POSTGRES = 1 };

/*
** Open a target: a file path (SQLite, with WAL, synchronous=FULL, foreign keys and a busy
** timeout), or "postgres://…" / "postgresql://…" (a libpq connection URI).  Returns 0 and
** *out, or -1 (logged; *out is NULL).
*/
int db_open(const char *target, struct db **out);
void db_close(struct db *db);
enum db_dialect db_dialect(const struct db *db);
/* 1 when target names a PostgreSQL database. */
int db_target_is_postgres(const char *target);
/*
** Prepare sql, or hand out this connection's cached statement for the same
** text; give it back with db_finish, which resets and unbinds a cached one
** and finalizes any other.  NULL (and a log line).
*/
struct db_stmt *db_prepare(struct db *db, const char *sql);
void db_finish(struct db_stmt *st);                     /* NULL is fine */
void db_reset(struct db_stmt *st);                      /* run it again; the binds stay */
/* What this process has run: statements started (db_step), texts prepared, cache hits. */
/* vm_steps: SQLite's own count of the virtual-machine steps run (rows visited, roughly):
** work, not time, so tests can check that a page's work does not grow with the data. */
struct db_counters { int64_t statements, prepares, cache_hits, vm_steps; };
struct db_counters db_counters(void);
int db_has_param(struct db_stmt *st, const char *name); /* 1 when the text has :name */
int db_bind_text(struct db_stmt *st, const char *name, const char *z);  /* NULL binds NULL */
int db_bind_blob(struct db_stmt *st, const char *name, const void *p, int n);
int db_bind_int64(struct db_stmt *st, const char *name, int64_t v);
int db_bind_null(struct db_stmt *st, const char *name);
int db_step(struct db_stmt *st);                        /* DB_ROW, DB_DONE, DB_CONSTRAINT or another error (logged) */
int db_exec(struct db *db, const char *sql);            /* 0 ok, -1 logged */
int db_begin_write(struct db *db);                      /* the write lock (nested: a SAVEPOINT); 0 ok, -1 */
int db_commit(struct db *db);                           /* 0 ok (nested: into the outer one), -1 (rolled back) */
void db_rollback(struct db *db);                        /* the innermost; safe to call with no transaction */
int db_in_tx(struct db *db);                            /* 1 when a transaction is open */
/*
** A lock this connection holds until it closes or breaks (PostgreSQL's session advisory lock:
** released the moment its process dies, kept while it lives, however long it stalls).
** 1 held (now or already), 0 another connection holds it, -1 error; DB_NO_SESSION_LOCK on
** SQLite, which has none (one machine: a lease row does).
*/
enum { DB_NO_SESSION_LOCK = 2 };
int db_session_lock(struct db *db, int64_t key);
void db_begin_read(struct db *db);  /* one read snapshot for a page; ended by db_end_read or any write */
void db_end_read(struct db *db);    /* safe to call with none open */
int64_t db_col_int64(struct db_stmt *st, int i);        /* 0 for NULL */
int db_col_int(struct db_stmt *st, int i);
int db_col_null(struct db_stmt *st, int i);             /* 1 when the column is NULL */
const char *db_col_text(struct db_stmt *st, int i);     /* "" for NULL */
char *db_col_dup(struct arena *a, struct db_stmt *st, int i); /* arena copy; NULL for NULL */
int64_t db_changes(struct db *db);                      /* rows the last INSERT/UPDATE/DELETE changed */
int64_t db_last_id(struct db *db);                      /* the id the last INSERT gave its row */
const char *db_errmsg(struct db *db);
int64_t db_int(struct db *db, const char *sql, int64_t dflt); /* first column of first row */
/*
** A number that is the same on two calls only if the database did not change in between (nobody
** committed, this connection wrote nothing): the key for a value a worker keeps between requests
** (a count every visitor sees).  Read it in the snapshot the value is read in.  0 when it cannot
** tell (PostgreSQL; inside a write transaction, which may still roll back): keep nothing then.
*/
int64_t db_generation(struct db *db);
/*
** A number a worker keeps while the database does not change.  db_kept gives it (1, *val) when
** it was kept for (what, key) in this generation; else 0 and *gen, the generation read before the
** caller reads the number afresh and keeps it with db_keep(db, gen, ...) — read before, so that a
** change in between leaves the number under an older generation, never a stale one under the
** newest.  gen 0 keeps nothing (PostgreSQL).  what: one of DB_KEPT_*.
*/
enum { DB_KEPT_ON_HOLD = 1, DB_KEPT_UNREAD = 2 };
int db_kept(struct db *db, int what, int64_t key, int64_t *val, int64_t *gen);
void db_keep(struct db *db, int64_t gen, int what, int64_t key, int64_t val);
int db_migrate(struct db *db, const char *sql_dir, int verbose);  /* 0 ok, -1 */
int db_schema_version(struct db *db);
/* PostgreSQL's spelling of a SQL text, as db_prepare sends it there (malloc'd; NULL: no memory). */
char *db_pg_translate(const char *sql);
/* A consistent copy of the whole database into a new SQLite file at path (SQLite only). */
int db_backup_to(struct db *db, const char *path, char *msg, size_t nmsg);
#endif

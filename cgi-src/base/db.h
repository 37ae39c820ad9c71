/* db.h — SQLite: open with Holdpoint's pragmas, named binds, write transactions, migrations. */
#ifndef HP_DB_H
#define HP_DB_H
#include <sqlite3.h>
#include <stdint.h>
#include <stddef.h>
#include "arena.h"

int db_open(const char *path, sqlite3 **out);          /* 0 ok; -1 with a log line */
void db_close(sqlite3 *db);
/*
** Prepare sql, or hand out this connection's cached statement for the same
** text; give it back with db_finish (never sqlite3_finalize), which resets
** and unbinds a cached one and finalizes any other.  NULL (and a log line).
*/
sqlite3_stmt *db_prepare(sqlite3 *db, const char *sql);
void db_finish(sqlite3_stmt *st);                       /* NULL is fine */
/* What this process has run: statements started (db_step), texts prepared, cache hits. */
/* vm_steps: SQLite's own count of the virtual-machine steps run (rows visited, roughly):
** work, not time, so tests can check that a page's work does not grow with the data. */
struct db_counters { int64_t statements, prepares, cache_hits, vm_steps; };
struct db_counters db_counters(void);
int db_bind_text(sqlite3_stmt *st, const char *name, const char *z);  /* NULL binds NULL */
int db_bind_blob(sqlite3_stmt *st, const char *name, const void *p, int n);
int db_bind_int64(sqlite3_stmt *st, const char *name, int64_t v);
int db_bind_null(sqlite3_stmt *st, const char *name);
int db_step(sqlite3_stmt *st);                          /* SQLITE_ROW, SQLITE_DONE, or an error (logged) */
int db_exec(sqlite3 *db, const char *sql);              /* 0 ok, -1 logged */
int db_begin_write(sqlite3 *db);                        /* BEGIN IMMEDIATE (nested: a SAVEPOINT); 0 ok, -1 */
int db_commit(sqlite3 *db);                             /* 0 ok (nested: into the outer one), -1 (rolled back) */
void db_rollback(sqlite3 *db);                          /* the innermost; safe to call with no transaction */
void db_begin_read(sqlite3 *db);    /* one read snapshot for a page; ended by db_end_read or any write */
void db_end_read(sqlite3 *db);      /* safe to call with none open */
const char *db_col_text(sqlite3_stmt *st, int i);       /* "" for NULL */
char *db_col_dup(struct arena *a, sqlite3_stmt *st, int i); /* arena copy; NULL for NULL */
int64_t db_int(sqlite3 *db, const char *sql, int64_t dflt); /* first column of first row */
int db_migrate(sqlite3 *db, const char *sql_dir, int verbose);  /* 0 ok, -1 */
int db_schema_version(sqlite3 *db);
#endif

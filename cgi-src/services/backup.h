/* backup.h — a copy of a data directory that proves itself: database, audit key, evidence, manifest. */
#ifndef HP_BACKUP_H
#define HP_BACKUP_H
#include <stddef.h>
#include <stdio.h>

struct app;

/*
** A backup directory has the layout of a data directory (holdpoint.db,
** keys/audit.key, evidence/ab/cd/<sha256>) plus MANIFEST:
**   holdpoint-backup 1
**   created 2026-12-06T05:00:00.000Z
**   audit-head SEQ:HASH
**   <sha256> <bytes> <path>      one line per file, sorted by path
**
** backup_make copies a's data directory into dir (which must not exist, or be
** empty) while the server runs: the database through SQLite's online backup
** API (one consistent snapshot, writers go on meanwhile), then the key, then
** every evidence file the snapshot refers to (each checked against its
** content hash), then the manifest, all synced.  backup_verify checks a
** backup without changing anything: every file of the manifest present with
** its size and hash, and the audit chain intact up to the head it names (so a
** trail cut short is found).  backup_restore verifies first, then copies the
** backup into a's data directory, which must hold no database unless replace
** (the old database, key and evidence are then moved to replaced-<time>/),
** and must not be in use by a running server; then verifies the restored
** chain.  Each returns 0, or -1 with a sentence in msg; *summary (may be
** NULL) gets "N files, audit head SEQ:HASH".
*/
int backup_make(struct app *a, const char *dir, char *msg, size_t nmsg);
int backup_verify(struct app *a, const char *dir, char *msg, size_t nmsg);
int backup_restore(struct app *a, const char *dir, int replace, char *msg, size_t nmsg);
/*
** holdpoint migrate-store: copy a SQLite installation (from: "sqlite:PATH") into an empty
** PostgreSQL database (to: "postgres://…"), all of it in one transaction on the target from
** one read snapshot of the source (a server may keep running on the source; stop it before
** switching).  The source's audit chain is verified first; then on the target every table's
** row count, the chain up to the source's head and every evidence file's checksum (the
** evidence directory stays where it is, shared).  The target records the copy and refuses a
** second one.  Progress lines go to progress (may be NULL).  0, or -1 with a sentence in msg.
*/
int backup_migrate_store(struct app *a, const char *from, const char *to, FILE *progress, char *msg, size_t nmsg);
#endif

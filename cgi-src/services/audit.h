/* audit.h — the one audit writer: append-only, HMAC-chained records of everything that matters. */
#ifndef HP_AUDIT_H
#define HP_AUDIT_H
#include <stdint.h>
#include <stddef.h>
#include "arena.h"
#include <stdarg.h>

struct app;

/* Who did something, from where.  Strings may be NULL (stored as ""). */
struct audit_ctx {
  int64_t actor_id;            /* 0 = the system or an unknown person */
  const char *actor_name;
  int64_t acting_for_id;       /* delegation: whose authority was used; 0 = none */
  const char *ip;
  const char *session_hash;
  const char *user_agent;
  const char *request_id;
};

/* One row as it is hashed (details_json exactly as stored). */
struct audit_row {
  int64_t seq, at, actor_id, acting_for_id, object_id, release_id;
  const char *actor_name, *ip, *session_hash, *user_agent, *request_id;
  const char *action, *object_type, *details_json;
};

#define AUDIT_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

void audit_canonical(const struct audit_row *row, struct buf *out);    /* pure */
void audit_chain_hash(const unsigned char *key, size_t nkey, const char *prev_hex,
                      const char *canonical, size_t n, char out[65]);   /* pure */
int audit_load_key(struct app *a, int create);                          /* 0 ok */

/*
** Append a record inside the caller's write transaction.  details_fmt is a
** jansson json_pack format for an object (or NULL for {}).  Returns 0, -1.
*/
int audit_append(struct app *a, const struct audit_ctx *c, const char *action,
                 const char *object_type, int64_t object_id, int64_t release_id,
                 const char *details_fmt, ...);
int audit_append_v(struct app *a, const struct audit_ctx *c, const char *action,
                   const char *object_type, int64_t object_id, int64_t release_id,
                   const char *details_fmt, va_list ap);
/* Verification: 0 intact; 1 broken (message names the first bad row); -1 error. */
int audit_verify(struct app *a, const char *head, char *msg, size_t nmsg);
int audit_head(struct app *a, char *out, size_t nout);                  /* "SEQ:HASH" */

/*
** Checkpoints: the chain's head leaves the database.  The job runner calls
** audit_checkpoint_maybe every second; once cfg.audit_checkpoint_every
** records were added since the last checkpoint, or cfg.audit_checkpoint_s
** seconds passed with any record added, it appends "SEQ HASH AT_MS MAC\n"
** (MAC: HMAC-SHA256 with the audit key over "checkpoint:SEQ:HASH:AT_MS") to
** cfg.audit_checkpoints (O_APPEND, synced), writes it to syslog (authpriv)
** with cfg.audit_witness_syslog, and POSTs {"seq","hash","at","mac"} to
** cfg.audit_witness_url when one is set (failures are logged; the next
** checkpoint goes again).  Returns 1 written, 0 not due, -1 error.
**
** audit_checkpoint_latest reads the last checkpoint into head ("SEQ:HASH")
** and *at, checking every line's MAC and that sequence numbers never go
** back: 1 found, 0 no checkpoint yet, -1 the file was tampered with (msg).
*/
int audit_checkpoint_maybe(struct app *a, int64_t now);
int audit_checkpoint_latest(struct app *a, char *head, size_t nhead, int64_t *at, char *msg, size_t nmsg);
/* The last checkpoint's row and time, read from the file's end for a page (unchecked: audit verify checks). 1 or 0. */
int audit_checkpoint_peek(struct app *a, long long *seq, int64_t *at);
#endif

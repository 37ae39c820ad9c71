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
#endif

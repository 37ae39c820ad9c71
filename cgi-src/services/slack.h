/* slack.h — Slack: messages with Approve/Reject buttons, and the signed interactivity endpoint. */
#ifndef HP_SLACK_H
#define HP_SLACK_H
#include <stdint.h>
#include <stddef.h>
#include <jansson.h>


#define SLACK_MAX_AGE_MS (5*60*1000)   /* older (or newer) request timestamps are refused */
#define SLACK_MAX_BODY (64*1024)

enum slack_sig {
  SLACK_SIG_OK = 0,
  SLACK_SIG_MISSING,        /* no timestamp or signature header, or no secret */
  SLACK_SIG_STALE,          /* the timestamp is more than 5 minutes away from now */
  SLACK_SIG_BAD             /* malformed, or the HMAC does not match */
};

/*
** Verify a request from Slack: signature must be "v0=" + hex HMAC-SHA256
** with secret over "v0:" + timestamp + ":" + body, compared in constant
** time; timestamp (seconds) within SLACK_MAX_AGE_MS of now_ms.  Pure.
*/
enum slack_sig slack_verify(const char *secret, const char *timestamp, const char *signature,
                            const char *body, size_t n, int64_t now_ms);

/* "v0=<hex>" for a timestamp and body (what Slack sends; tests sign with it).  out: 68 bytes. */
void slack_sign(const char *secret, const char *timestamp, const char *body, size_t n, char out[68]);

/* A message for an incoming webhook.  Strings borrowed. */
struct slack_msg {
  const char *subject;      /* the headline (also the notification text) */
  const char *body;         /* more lines, may be NULL */
  const char *link;         /* the activity (or release) in Holdpoint */
  const char *key;          /* idempotency key (block_id) */
  int64_t activity_id;      /* the buttons' value */
  int buttons;              /* 1: Approve and Reject buttons */
};

/* Block Kit JSON for m (a new object), or NULL when out of memory.  Pure. */
json_t *slack_message(const struct slack_msg *m);

/* Escape &, < and > for Slack's mrkdwn; appended to a malloc'd string (caller frees). */
char *slack_escape(const char *z);


#endif

/* notify.h — who hears about what: in-app notifications, the outbox, its delivery by the job runner. */
#ifndef HP_NOTIFY_H
#define HP_NOTIFY_H
#include <stdint.h>
#include <stddef.h>
#include <jansson.h>
#include "arena.h"
#include "hp.h"

struct app;
struct audit_ctx;
struct user;
struct vars_release;

/*
** How it works (README "Notifications"):
**
**  - An event (an activity waits, a reminder, an escalation, a decision, a
**    release failed or aborted) is turned, INSIDE the transaction of the
**    change that causes it, into in-app rows (table notifications) and one
**    outbox row per channel and recipient (e-mail and SMS per person as
**    their preferences say; Slack and Teams per team channel; signed
**    CloudEvents per webhook; the approval's actions).  Each row has an
**    idempotency key that every retry sends again.
**  - The job runner (jobs_tick) calls notify_deliver_due(): due rows are
**    sent in parallel with curl multi and short timeouts; a success marks
**    the row sent, a failure schedules the next attempt with exponential
**    backoff, and after the last attempt the row is failed (shown to admins
**    with its last error; Retry puts it back).
**  - Channels live in notify_channels, edited at /admin/notifications and
**    read from <data>/notify.json whenever that file changes.
*/

/* One kind of event people may choose to receive (the rows of /me/notifications). */
struct notify_event {
  const char *key;         /* "waiting", "reminder", ... as stored in user_prefs.event */
  const char *label;       /* for people */
};
const struct notify_event *notify_events(size_t *n);     /* the table, in display order */
const struct notify_event *notify_event_find(const char *key);  /* NULL if unknown */

/*
** What happened, as stored in outbox.event ("waiting", "reminder",
** "escalated", "approved", "rejected", "expired", "proceeded", "aborted",
** "release_failed", "release_aborted", "test"): the preference it belongs
** to and its CloudEvents type.  NULL for an unknown name.
*/
const char *notify_event_pref(const char *name);
const char *notify_event_ce_type(const char *name);

/* The personal channels of preferences, and their defaults (e-mail and in-app on, SMS off). */
extern const char *const notify_personal_channels[];     /* "email", "sms", "inapp", NULL */
int notify_pref_default(const char *channel);

/*
** An activity event ("waiting", "reminder", "escalated") for people[0..n),
** the people who may act on it (the core passes them: mayact_notify): in-app
** rows and outbox rows; channel messages go out whoever the people are.  Called inside the transaction
** of the change that causes it.  Returns 0, or -1 on a database error (the
** caller rolls back).
*/
int notify_activity_event(struct app *a, int64_t activity_id, const char *event,
                          const int64_t *people, size_t npeople);
/*
** An activity finished (approved, rejected, proceeded, aborted, expired):
** tell the release's starter and the team channels and webhooks; after an
** approval, queue the activity's actions_on_approve.  Same contract.
*/
int notify_activity_finished(struct app *a, int64_t activity_id, const char *outcome);
/* A release failed or was aborted (event "failed" or "aborted"): tell its starter.  Same contract. */
int notify_release_event(struct app *a, int64_t release_id, const char *event);

/*
** Queue a test message on one channel (the "Send test" button), addressed
** to u for e-mail and SMS.  Own transaction with an audit record.  HP_OK or
** an HP_* code with a sentence in err.
*/
int notify_channel_test(struct app *a, const struct audit_ctx *c, int64_t channel_id,
                        const struct user *u, char *err, size_t nerr);

/*
** Deliver the due outbox rows (status pending, next_attempt_at <= now),
** each independently; called by the job runner once a second.  Applies
** <data>/notify.json first when it changed.  Returns the number of rows
** that were sent or failed for good.
*/
int notify_deliver_due(struct app *a);

/*
** A message about a person's own account (a password reset link) to the
** address to, through every enabled e-mail channel, inside the caller's
** transaction.  The number of channels it was queued on, or -1.
*/
int notify_account_email(struct app *a, const char *to, const char *subject, const char *body);

/* Put a failed row back to pending, due now, attempts 0.  Own transaction + audit.  HP_OK/HP_NOT_FOUND/HP_ERROR. */
int notify_outbox_retry(struct app *a, const struct audit_ctx *c, int64_t outbox_id);

/*
** Apply <data>/notify.json when its size, time or inode changed since it was
** last applied (remembered in settings): its channels are created or updated
** by name (source 'file'), file channels it no longer lists are removed.  A
** file that cannot be used is reported in settings 'notify.config_error'.
** Inside the caller's write transaction when in_tx, else its own.  0 or -1.
*/
int notify_config_sync(struct app *a, int in_tx);

/*
** Link (or with external_id NULL/"" unlink) a person's identity: provider
** "slack" (a Slack user id like U0123ABCD) or "sms" (a phone number like
** +15551234567).  Own transaction with an audit record.  HP_OK, or
** HP_UNPROCESSABLE/HP_CONFLICT with err.
*/
int notify_link_identity(struct app *a, const struct audit_ctx *c, int64_t user_id, const char *provider,
                         const char *external_id, char *err, size_t nerr);
const char *notify_identity_problem(const char *provider, const char *external_id);  /* NULL if fine */

/*
** Is cfg (a JSON object) usable for a channel of this type?  HP_OK, or
** HP_UNPROCESSABLE with e naming the setting (url, from, dir, starttls,
** auth_header, events, type; "" for the whole object) and the problem.  email: url smtp:// or smtps://, from;
** file: dir (relative, under the data directory; default "mail");
** slack/teams/sms/webhook: url http(s):// or file:DIR (a local sink).
*/
int notify_channel_check(const char *type, json_t *cfg, struct hp_err *e);

/* Unread in-app notifications of a person (the header's count): one indexed count, capped at
** NOTIFY_UNREAD_CAP ("100+"). */
#define NOTIFY_UNREAD_CAP 100
int64_t notify_unread_count(struct app *a, int64_t user_id);

/* ------------------------------------------------------------------ pure helpers (unit-tested) */

/* Delay before the next attempt after `attempts` failed ones: base * 2^(attempts-1), at most a day. */
int64_t notify_backoff_ms(int64_t base_ms, int attempts);

/* Lower-case hex HMAC-SHA256 of msg[0..n) with key. */
void notify_hmac_hex(const char *key, size_t nkey, const char *msg, size_t n, char out[65]);

/* "sha256=<hex>" for a webhook body: the X-Holdpoint-Signature header's value. */
void notify_webhook_signature(const char *secret, const char *body, size_t n, char out[72]);

/*
** A CloudEvents 1.0 event (structured JSON): specversion "1.0", id, source
** "holdpoint", type, time (RFC 3339 UTC), datacontenttype
** "application/json", subject (may be NULL) and data (stolen).  NULL on OOM.
*/
json_t *notify_cloudevent(const char *type, const char *id, int64_t time_ms, const char *subject, json_t *data);

/* A random UUID (version 4) as the idempotency key: 36 characters + NUL.  0 ok. */
int notify_new_key(char out[37]);

/*
** What a notification text may name, besides {{release.*}}, {{vars.*}} and
** {{activities.NAME.outputs.*}} (rel):  {{activity.name}} {{activity.id}}
** {{activity.kind}} {{activity.phase}} {{activity.link}} {{activity.deadline}}
** {{event}} {{outcome}} {{recipient.name}} {{recipient.username}} {{link}},
** and {{activity.outputs.KEY}} for this activity's own outputs.
** All strings borrowed; NULL counts as "".
*/
struct notify_text {
  const struct vars_release *rel;
  int64_t activity_id;
  const char *activity_name, *activity_kind, *phase, *link, *deadline;
  const char *event, *outcome, *recipient_name, *recipient_username;
};
int notify_text_lookup(void *ctx, const char *name, size_t n, struct buf *out);  /* a vars_lookup_fn */

/*
** Render a text template: the first non-empty line is the subject, the rest
** (after blank lines) the body; placeholders substituted in both.  subject
** and body are malloc'd (caller frees).  0, or -1 when out of memory.
*/
int notify_render(const char *tpl, const struct notify_text *t, char **subject, char **body);

/* The text template of an event: templates/notify/<event>.txt, or a built-in default.  malloc'd. */
char *notify_template_text(struct app *a, const char *event);
#endif

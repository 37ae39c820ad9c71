/* approvals.h — decisions on approvals and manual tasks, delegation, deadlines. */
#ifndef HP_APPROVALS_H
#define HP_APPROVALS_H
#include <stdint.h>
#include <stddef.h>
#include "hp.h"

struct app;
struct audit_ctx;
struct user;
struct policy;
struct policy_status;

/* Who is deciding, and how. */
struct approvals_voter {
  const struct user *user;       /* the person who clicked (or owns the token) */
  int64_t acting_for;            /* delegation: the principal's user id, or 0 */
  int signed_ok;                 /* the person re-authenticated just now (browser) ... */
  const char *signature_method;  /* ... how: "password", "ldap" (the directory's password) or "oidc" (at the provider) */
  const char *channel;           /* "web", "api" or "slack" */
  const char *ip, *session_hash, *user_agent;
};

/* What a vote led to. */
struct approvals_result {
  int64_t release_id;
  int state;                     /* POLICY_PENDING / POLICY_APPROVED / POLICY_REJECTED */
  int needed;                    /* approvals still needed when pending */
};

/*
** Record one approve/reject vote on an approval activity, evaluate the quorum
** and advance the release, all in one BEGIN IMMEDIATE transaction.  Returns
** HP_OK; HP_NOT_FOUND; HP_FORBIDDEN (not an approver, self-approval, unknown
** identity, no current delegation); HP_CONFLICT (not waiting, deadline passed,
** already voted, already decided, group not open yet); HP_UNPROCESSABLE
** (comment missing on reject, signature needed, required fields not valid).
** *e (when not NULL) gets the error as a value: code, form field, sentence.
*/
int approvals_decide(struct app *a, const struct audit_ctx *c, const struct approvals_voter *v,
                     int64_t activity_id, const char *decision, const char *comment,
                     struct approvals_result *out, struct hp_err *e);

/* Manual tasks: take responsibility, (re)assign, proceed or abort with notes. */
int approvals_take(struct app *a, const struct audit_ctx *c, const struct user *u,
                   int64_t activity_id, struct hp_err *e);
int approvals_assign(struct app *a, const struct audit_ctx *c, const struct user *by,
                     int64_t activity_id, int64_t to_user, struct hp_err *e);
/* The holder hands a task back: nobody holds it, its group may take it again and is told. */
int approvals_hand_back(struct app *a, const struct audit_ctx *c, const struct user *u,
                        int64_t activity_id, struct hp_err *e);
int approvals_finish_task(struct app *a, const struct audit_ctx *c, const struct approvals_voter *v,
                          int64_t activity_id, const char *action, const char *notes,
                          struct hp_err *e);

/* Who may act is mayact.h's question: mayact_may() and the may_act table. */

/*
** Load the policy and the eligibility of an approval for its current round
** and evaluate the recorded votes (for pages and the API).  The caller frees
** *policy with policy_free().  HP_OK or HP_NOT_FOUND/HP_ERROR.
*/
int approvals_status(struct app *a, int64_t activity_id, struct policy **policy,
                     struct policy_status *st);

/* Delegation: the principal whose authority user may use now for this activity, or 0. */
int64_t approvals_active_delegation(struct app *a, int64_t delegate_id, int64_t principal_id, int64_t now);
int approvals_delegate(struct app *a, const struct audit_ctx *c, int64_t user_id, int64_t delegate_id,
                       int64_t starts_at, int64_t ends_at, struct hp_err *e);
int approvals_delegation_revoke(struct app *a, const struct audit_ctx *c, int64_t user_id,
                                int64_t delegation_id);

/* The job runner's timers: reminders, then expiry (reject or escalate).  Returns the number fired. */
int approvals_timers(struct app *a, int64_t now);

/*
** The deploy gate: may the build with this digest ship as this release?
** Yes only when it is the release's build and every approval of the release
** is approved, each approving vote given for exactly this digest (skipped
** approvals do not count; automatic ones were made for the build the release
** had then, which a new build resets).  *out: {"verified", "digest",
** "release_digest", "release_status", "reasons": [sentences], "approvals":
** [{"activity", "status", "round", "covers", "votes": [{"user", "digest"}]}]};
** json_decref it.  HP_OK, HP_NOT_FOUND, HP_UNPROCESSABLE (digest), HP_ERROR.
*/
struct json_t;
int approvals_verify_build(struct app *a, int64_t release_id, const char *digest, struct json_t **out);

#endif

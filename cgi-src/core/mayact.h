/* mayact.h — who may act on each open activity: the one owner of the answer, kept in the may_act table. */
#ifndef HP_MAYACT_H
#define HP_MAYACT_H
#include <stdint.h>
#include <stddef.h>
#include "hp.h"
#include "arena.h"

struct app;
struct audit_ctx;
struct policy;
struct policy_group;
struct policy_vote;

/*
** The set of people who may act on an activity is computed here, and only
** here, inside the write transaction that opens, changes or closes a round,
** and stored in `may_act` (one row per person and principal):
**
**   reason 'rule'            an approval: policy_may_vote() says the person may
**                            approve now (eligible this round, not voted, their
**                            ordered rule open, not the barred starter)
**   reason 'delegation'      an approval: a current or future delegation from
**                            someone with a 'rule' row; from_at/until_at bound it
**   reason 'responsibility'  a manual task nobody holds: the enabled people of
**                            its responsible user, team or role
**   reason 'holder'          a manual task: the person who took it
**
** Nobody may act when the activity is not on hold, its phase has failed or
** its release is not running or on hold.  until_at is the deadline (or the
** end of the delegation, whichever is first), so readers compare with their
** own clock: MAYACT_OPEN(alias) with :now bound to app_now_ms().  Every
** reader — the inbox (page and API), the release, phase and activity pages,
** the decision handlers, Slack and notifications — asks this table.
*/

/* SQL condition: row `m` of may_act is in force at :now. */
#define MAYACT_OPEN(m) "(" m ".from_at<=:now AND (" m ".until_at IS NULL OR " m ".until_at>:now))"

/* SQL condition: the person bound to :uid may act on activity alias `a` at :now (its current round). */
#define MAYACT_VIEWER(a) "EXISTS(SELECT 1 FROM may_act mv WHERE mv.activity_id=" a ".id AND mv.round=" a ".round" \
  " AND mv.user_id=:uid AND " MAYACT_OPEN("mv") ")"

/* ... in their own name (not only for someone who delegated to them). */
#define MAYACT_VIEWER_SELF(a) "EXISTS(SELECT 1 FROM may_act mv WHERE mv.activity_id=" a ".id AND mv.round=" a ".round" \
  " AND mv.user_id=:uid AND mv.for_user_id=:uid AND " MAYACT_OPEN("mv") ")"

/* One activity as the deciders need it; strings live in the caller's arena. */
struct mayact_act {
  int64_t id, release_id, started_by, deadline_at, deadline_s, responsible_user_id;
  int round, signature_required, escalated;
  const char *name, *kind, *status, *release_status, *phase_status, *policy_json, *signature_meaning;
  const char *responsible_kind, *responsible_name, *on_timeout_json, *reminders_json;
};

/* Load activity id into *w.  1 found, 0 not (or a database error, logged). */
int mayact_load(struct app *a, struct arena *ar, int64_t id, struct mayact_act *w);

/*
** The policy groups of an approval's current round from the `eligible`
** snapshot (people added by escalation join every rule without raising what
** each rule needs), and its approve/reject votes oldest first, with room for
** one more.  Arrays live in ar.  0 or -1.
*/
int mayact_groups(struct app *a, struct arena *ar, const struct mayact_act *w, const struct policy *p,
                  struct policy_group *groups);
int mayact_votes(struct app *a, struct arena *ar, const struct mayact_act *w,
                 struct policy_vote **out, size_t *nout);

/*
** Is user_id an enabled member of the group a rule or a responsibility names:
** kind "user" (that username), "team" (a member) or "role" (a holder)?  1 yes.
** The one answer to "is this person in that group" for the core.
*/
int mayact_in_group(struct app *a, int64_t user_id, const char *kind, const char *name);
/* How many enabled people that group has; -1 for an unknown kind or a database error. */
int mayact_group_size(struct app *a, const char *kind, const char *name);

/*
** The eligibility snapshot of a round (table `eligible`): for each rule of
** the approval's policy, the enabled people of its user, team or role
** (rule_index = the rule's position); mayact_snapshot_group adds one group,
** rule_index -1 for people added by escalation.  In the caller's transaction;
** 0 or -1.
*/
int mayact_snapshot(struct app *a, int64_t activity_id, int round);
int mayact_snapshot_group(struct app *a, int64_t activity_id, int round, int rule_index,
                          const char *kind, const char *name);

/* Recompute the rows of one activity, or of every activity of a release.  In the caller's transaction; 0 or -1. */
int mayact_refresh(struct app *a, int64_t activity_id);
int mayact_refresh_release(struct app *a, int64_t release_id);
/* Every open activity (after a migration, or to repair): own use of the caller's transaction; 0 or -1. */
int mayact_refresh_open(struct app *a);

/*
** A person's teams, roles, enabled state or delegations changed: in the
** caller's transaction, take away what they may no longer do on open rounds
** (their eligibility where they no longer belong to the rule's group and have
** not voted; a manual task they hold but no longer may), each with an audit
** record, and recompute every open activity that involves them.  Votes
** already cast stay counted.  0 or -1.
*/
int mayact_person_changed(struct app *a, const struct audit_ctx *c, int64_t user_id);

/*
** May user_id act on activity_id at now, for principal for_user_id (0: in
** their own name or for anyone)?  1 yes, 0 no.
*/
int mayact_may(struct app *a, int64_t activity_id, int64_t user_id, int64_t for_user_id, int64_t now);

/*
** Tell the people who may act on activity_id now about event ("waiting",
** "reminder", "escalated"), through notify_activity_event, inside the
** caller's transaction.  0 or -1.
*/
#define MAYACT_MAX_NOTIFY 500

/* May this person (id and role bits) see release_id's evidence?  1 yes, 0 no (mayact.c says who).
   acts_now: the caller has just read that the person may act on one of the release's
   activities now (MAYACT_VIEWER), which settles it without a query; else 0. */
int mayact_sees_evidence(struct app *a, int64_t user_id, unsigned roles, int64_t release_id, int acts_now);
#define MAYACT_EVIDENCE_REFUSED "Only the people and teams taking part in this release, release" \
  " managers, auditors and administrators may see its evidence."
int mayact_notify(struct app *a, int64_t activity_id, const char *event);
#endif

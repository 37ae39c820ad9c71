/* engine.h — the release state machine: a pure planner over a snapshot, and the one transaction that applies it. */
#ifndef HP_ENGINE_H
#define HP_ENGINE_H
#include <stddef.h>
#include <stdint.h>
#include "hp.h"

struct app;
struct audit_ctx;

/*
** How a release moves (see ARCHITECTURE.md for the statuses):
**
**  - Phases run in order: phase k+1 starts when phase k is completed.
**  - In a started phase an activity whose dependencies are all completed (or
**    skipped) is activated: automated -> running (waits for its result),
**    manual task or approval -> on_hold.  One whose dependencies are not all
**    complete is `blocked` when one of them is running, on_hold, rejected,
**    failed or aborted, else `pending`.
**  - Conditional approval: an approval that depends directly on automated
**    activities looks at the worst of their results (fail > warning > pass):
**    pass with when_pass=automatic, or warning with when_warning=automatic,
**    completes it at once ("approved", automatic, no person); otherwise it
**    goes on_hold.  An automated dependency that failed rejects it at once.
**  - A phase is completed when all its activities are; failed when one is
**    rejected, failed or aborted; waiting_for_approval while one is on_hold;
**    running otherwise.
**  - The release is completed when every phase is; with a failed phase it is
**    failed (on_reject fail_release) or on_hold (fail_phase: waiting for a
**    retry); on_hold while an activity is on_hold; running otherwise.
**  - A failed release accepts no results and no decisions until a retry.
**  - Retry of a rejected/failed/aborted activity (not in a completed or
**    aborted release): round+1, back to pending (so are the dependents that
**    it had rejected automatically), then activated as above.
**  - Abort: the release, every unfinished activity and phase -> aborted.
**  - New build (the artifact's digest changed; not in a completed or
**    aborted release): every activity that had started goes back to pending
**    in a new round, every phase to pending, the release to running, and it
**    starts again from the first phase: approvals and tasks decided for the
**    old build no longer count, automated steps run again for the new one.
**  - Change windows: an activity whose turn comes while its window is closed
**    (window_closed, which the database layer works out from the clock) is
**    `scheduled` instead of activated; it counts as started for the ones that
**    depend on it (they are blocked).  ENGINE_EV_WAKE (the job runner, when
**    a window opens) activates the scheduled ones whose window is open.  A
**    new build puts them back to pending; an abort aborts them.
**  - A failed phase is frozen: none of its activities takes a result or a
**    decision (HP_CONFLICT) until the failed one is retried; the core's
**    may_act (mayact.h) lists nobody for them meanwhile.
**
** The states, and who may act in each (docs/design-notes.md has the full table):
**
**   release  running | on_hold | failed | completed | aborted
**            people act only while running or on_hold
**   phase    pending | running | waiting_for_approval | completed | failed | aborted
**            failed: frozen until a retry
**   activity pending | blocked | scheduled | running | on_hold | completed | rejected | failed | skipped | aborted
**            on_hold: the people of may_act, if its phase has not failed
*/

enum engine_kind { ENGINE_AUTOMATED = 0, ENGINE_APPROVAL, ENGINE_MANUAL };

enum engine_release_status {
  ENGINE_REL_RUNNING = 0, ENGINE_REL_ON_HOLD, ENGINE_REL_COMPLETED, ENGINE_REL_FAILED,
  ENGINE_REL_ABORTED
};

enum engine_phase_status {
  ENGINE_PH_PENDING = 0, ENGINE_PH_RUNNING, ENGINE_PH_WAITING, ENGINE_PH_COMPLETED,
  ENGINE_PH_FAILED, ENGINE_PH_ABORTED
};

enum engine_act_status {
  ENGINE_ACT_PENDING = 0, ENGINE_ACT_BLOCKED, ENGINE_ACT_RUNNING, ENGINE_ACT_ON_HOLD,
  ENGINE_ACT_COMPLETED, ENGINE_ACT_REJECTED, ENGINE_ACT_FAILED, ENGINE_ACT_SKIPPED,
  ENGINE_ACT_ABORTED, ENGINE_ACT_SCHEDULED
};

/* activities.result: automated pass|warning|fail; others approved|rejected|proceeded|aborted|expired. */
enum engine_result {
  ENGINE_RES_NONE = 0, ENGINE_RES_PASS, ENGINE_RES_WARNING, ENGINE_RES_FAIL,
  ENGINE_RES_APPROVED, ENGINE_RES_REJECTED, ENGINE_RES_PROCEEDED, ENGINE_RES_ABORTED,
  ENGINE_RES_EXPIRED
};

/* Names as stored in the database ("waiting_for_approval", "on_hold", ...). */
const char *engine_kind_name(enum engine_kind k);
const char *engine_release_status_name(enum engine_release_status s);
const char *engine_phase_status_name(enum engine_phase_status s);
const char *engine_act_status_name(enum engine_act_status s);
const char *engine_result_name(enum engine_result r);     /* NULL for ENGINE_RES_NONE */
/* The reverse; each returns -1 for an unknown name (NULL gives ENGINE_RES_NONE for results). */
int engine_kind_parse(const char *z);
int engine_release_status_parse(const char *z);
int engine_phase_status_parse(const char *z);
int engine_act_status_parse(const char *z);
int engine_result_parse(const char *z);

/* ---------------------------------------------------------------- the pure part */

/* One activity as the planner sees it.  name and deps are borrowed. */
struct engine_act {
  int64_t id;
  const char *name;
  int phase;                          /* index into engine_snapshot.phases */
  enum engine_kind kind;
  enum engine_act_status status;
  enum engine_result result;
  int when_pass_auto, when_warning_auto;   /* 1: that result approves automatically */
  int round;                          /* >= 1 */
  int window_closed;                  /* 1: starting it now falls outside its change window */
  const int *deps;                    /* indices into engine_snapshot.acts */
  int ndeps;
};

struct engine_phase {
  int64_t id;
  const char *name;
  enum engine_phase_status status;
};

/* A release in memory: phases in order, activities in (phase, position) order. */
struct engine_snapshot {
  int64_t release_id;
  enum engine_release_status status;
  int fail_phase;                     /* on_reject: 0 fail_release, 1 fail_phase */
  struct engine_phase *phases;
  int nphases;
  struct engine_act *acts;
  int nacts;
};

enum engine_event_type {
  ENGINE_EV_START = 0,   /* a new release: start phase 1 and activate what can be */
  ENGINE_EV_RESULT,      /* act, result pass|warning|fail: an automated activity's result */
  ENGINE_EV_COMPLETE,    /* act, round, result approved|rejected|proceeded|aborted|expired */
  ENGINE_EV_RETRY,       /* act: run a rejected/failed/aborted activity again */
  ENGINE_EV_ABORT,       /* stop the release */
  ENGINE_EV_NEW_BUILD,   /* the artifact changed: everything that was decided is decided again */
  ENGINE_EV_WAKE         /* time passed: scheduled activities whose window opened start */
};

struct engine_event {
  enum engine_event_type type;
  int act;                            /* activity index (RESULT, COMPLETE, RETRY) */
  int round;                          /* COMPLETE: the round the decision was made in */
  enum engine_result result;          /* RESULT and COMPLETE */
};

enum engine_target { ENGINE_T_RELEASE = 0, ENGINE_T_PHASE, ENGINE_T_ACTIVITY };

/* What else a change does besides the status (bits of engine_change.flags). */
enum engine_change_flag {
  ENGINE_CF_ACTIVATE  = 1<<0,   /* activity: activated_at = now; deadline_at when it waits for people */
  ENGINE_CF_SNAPSHOT  = 1<<1,   /* approval: record who is eligible for this round */
  ENGINE_CF_AUTOMATIC = 1<<2,   /* decided by the engine (conditional approval), no person */
  ENGINE_CF_RETRY     = 1<<3,   /* activity: round+1, result/times cleared */
  ENGINE_CF_FINISH    = 1<<4,   /* finished_at = now (and result for an activity) */
  ENGINE_CF_START     = 1<<5,   /* phase: started_at = now */
  ENGINE_CF_CASCADE   = 1<<6,   /* retry reached this activity through a dependency */
  ENGINE_CF_NEW_BUILD = 1<<7,   /* with RETRY: reset because a new build of the artifact arrived */
  ENGINE_CF_SCHEDULE  = 1<<8    /* activity: its turn came outside its change window: scheduled_until */
};

/* One conditional status change, in the order it must be applied. */
struct engine_change {
  enum engine_target target;
  int index;                 /* phase or activity index; 0 for the release */
  int from, to;              /* statuses of the target's enum */
  enum engine_result result; /* activity: the result this change records (NONE: unchanged/cleared) */
  int round_before, round;   /* activity: round it must have, and round after */
  unsigned flags;            /* ENGINE_CF_* */
  int cause;                 /* activity index whose result decided this (AUTOMATIC), else -1 */
  const char *action;        /* audit action, a static string ("activity.on_hold") */
};

struct engine_plan {
  struct engine_change *ch;  /* malloc'd; engine_plan_free() */
  int n, cap;
  const char *why;           /* static reason when engine_plan refuses */
};

/*
** Apply event ev to the snapshot s and list, in p, every status change it
** causes (p must be zeroed or reused after engine_plan_free).  Pure: no
** clock, no I/O.  Returns HP_OK (s now holds the new state), HP_CONFLICT
** (the event is not possible in this state), HP_UNPROCESSABLE (a result or
** outcome that makes no sense for the activity) or HP_ERROR (out of memory,
** bad index).  On refusal s is unchanged and p->why says why.
*/
int engine_plan(struct engine_snapshot *s, const struct engine_event *ev, struct engine_plan *p);
void engine_plan_free(struct engine_plan *p);

/* ---------------------------------------------------------------- the database layer */

/*
** Every operation below comes twice: NAME_in_tx() works inside a write
** transaction the caller opened with db_begin_write() (the caller must roll
** back on any result but HP_OK), and NAME() opens, commits or rolls back its
** own.  Each state change is an UPDATE conditional on the expected status
** and writes its audit record (release_id set) through audit_append.  Results
** are HP_OK, HP_NOT_FOUND, HP_CONFLICT, HP_UNPROCESSABLE, HP_UNAVAILABLE (the
** database is busy) or HP_ERROR; err (when not NULL) gets a message for people.
*/

/*
** Validate a YAML template (rtpl_parse with teams, users and roles looked up
** in the database, impossible quorums counted over enabled people) and store
** it as version max+1 of its name, with an audit record.  created_by 0 = the
** command line.  HP_UNPROCESSABLE with err holding "line N: ..." lines.
** When the source is exactly that of the latest version, nothing is stored:
** HP_OK with that version's id and *unchanged set (unchanged may be NULL).
*/
int engine_template_import(struct app *a, const struct audit_ctx *c, const char *yaml, size_t n,
                           int64_t created_by, int64_t *template_id, int *unchanged, char *err, size_t nerr);

/*
** A new build of a release's artifact (a new digest, and the reference if
** given): recorded, audited (release.new_build) and, when the digest
** differs, the release starts again (ENGINE_EV_NEW_BUILD).  *changed 0 when
** it was the release's digest already.  HP_OK, HP_UNPROCESSABLE (digest),
** HP_CONFLICT (a finished release), HP_NOT_FOUND.
*/
int engine_new_build_in_tx(struct app *a, const struct audit_ctx *c, int64_t release_id, const char *artifact,
                           const char *digest, int *changed, char *err, size_t nerr);
int engine_new_build(struct app *a, const struct audit_ctx *c, int64_t release_id, const char *artifact,
                     const char *digest, int *changed, char *err, size_t nerr);

/*
** The job runner, every second: each release (at most 50 a call) with a
** scheduled activity whose window was to open by now gets ENGINE_EV_WAKE in
** its own transaction; one whose window closed again before it was woken
** waits for the next opening.  Returns the releases woken, or -1.
*/
int engine_wake_due(struct app *a, int64_t now);

/* A release to create from the latest version of a template. */
struct engine_new_release {
  const char *template_name;
  const char *name, *version, *artifact;       /* version and artifact may be NULL ("") */
  const char *const *var_keys, *const *var_values;   /* nvars pairs */
  int nvars;
  int64_t started_by;                          /* a user id */
  const char *origin_json;                     /* where it came from (releases.origin_json), or NULL */
  const char *artifact_digest;                 /* "sha256:…", or NULL: the one after '@' in artifact, if any */
};

/*
** Create a release: phases, activities, dependencies and fields from the
** latest version of the template, its variables (every declared variable is
** required, unknown names refused), then start it.  HP_UNPROCESSABLE with err
** naming the field ("variables.image: ...", "template: ...").
*/
int engine_release_create_in_tx(struct app *a, const struct audit_ctx *c,
                                const struct engine_new_release *nr, int64_t *release_id,
                                char *err, size_t nerr);
int engine_release_create(struct app *a, const struct audit_ctx *c,
                          const struct engine_new_release *nr, int64_t *release_id,
                          char *err, size_t nerr);

/*
** Record an automated activity's result ("pass", "warning" or "fail";
** details_json is JSON text or NULL) and advance the release.
*/
int engine_result_in_tx(struct app *a, const struct audit_ctx *c, int64_t activity_id,
                        const char *result, const char *details_json, char *err, size_t nerr);
int engine_result(struct app *a, const struct audit_ctx *c, int64_t activity_id,
                  const char *result, const char *details_json, char *err, size_t nerr);

/*
** Finish an on_hold activity of round expected_round: outcome "approved" or
** "proceeded" completes it, "rejected" or "expired" rejects it, "aborted"
** (manual tasks) aborts it; the last three fail its phase.  Records the
** outputs "decision" and, when comment is not empty, "notes".  For the
** approvals module: call engine_complete_in_tx after recording the vote.
*/
int engine_complete_in_tx(struct app *a, const struct audit_ctx *c, int64_t activity_id,
                          int expected_round, const char *outcome, const char *comment);
int engine_complete(struct app *a, const struct audit_ctx *c, int64_t activity_id,
                    int expected_round, const char *outcome, const char *comment);

/* Retry a rejected, failed or aborted activity of the release (round+1). */
int engine_retry_in_tx(struct app *a, const struct audit_ctx *c, int64_t release_id,
                       int64_t activity_id, char *err, size_t nerr);
int engine_retry(struct app *a, const struct audit_ctx *c, int64_t release_id,
                 int64_t activity_id, char *err, size_t nerr);

/* Abort the release (reason may be NULL or ""). */
int engine_abort_in_tx(struct app *a, const struct audit_ctx *c, int64_t release_id,
                       const char *reason, char *err, size_t nerr);
int engine_abort(struct app *a, const struct audit_ctx *c, int64_t release_id,
                 const char *reason, char *err, size_t nerr);

#endif

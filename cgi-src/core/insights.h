/* insights.h — where releases wait and how people approve: figures and signals over a period. */
#ifndef HP_INSIGHTS_H
#define HP_INSIGHTS_H
#include <stdint.h>
struct app;
struct json_t;

#define INSIGHTS_QUICK_MS 10000      /* a decision this soon after opening the activity is a signal */
#define INSIGHTS_ONE_PERSON 0.8      /* one person giving this share of a team's approvals ... */
#define INSIGHTS_ONE_PERSON_MIN 5    /* ... out of at least this many, is a signal */
#define INSIGHTS_MAX_SIGNALS 200

/*
** The figures of activities decided by people (approvals and manual tasks)
** that finished in [from_ms, until_ms), and of the decisions made then, of
** one template or all ("" or NULL).  *out (json_decref it):
**   {"from","until","template",
**    "summary": {"decided","on_hold_p50_s","on_hold_p90_s","on_hold_max_s","first_vote_p50_s",
**                "expired","escalated","rejected","retried"},
**    "activities": [{"template","activity", the same figures}],   (by template, activity)
**    "teams": [{"team","decided","on_hold_p50_s","on_hold_p90_s","approvals","top_approver","top_share"}],
**    "approvers": [{"user","name","decisions","approvals","rejections","open_to_decide_p50_s",
**                   "wait_to_decide_p50_s"}],
**    "signals": [{"kind": "quick"|"evidence_unopened"|"one_approver","user","name","activity",
**                 "activity_id","release_id","at","detail"}]}
** Seconds are numbers (null when there is nothing to measure).  Signals are for
** a reviewer to look at, never verdicts.  HP_OK or HP_ERROR.
*/
int insights_compute(struct app *a, int64_t from_ms, int64_t until_ms, const char *template_name,
                     struct json_t **out);

/* A person who may act opened activity_id in round: remember the first time (in its own small transaction). */
void insights_opened(struct app *a, int64_t activity_id, int round, int64_t user_id);
#endif

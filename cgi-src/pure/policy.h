/* policy.h — approver eligibility and quorum evaluation (pure: no database, no I/O). */
#ifndef HP_POLICY_H
#define HP_POLICY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
** How the engine uses this module, for one approval activity:
**
**   1. At template import: policy_parse() each activity's policy JSON, resolve
**      every rule to its people and call policy_check_feasible() with
**      starter 0 (nobody started anything yet).
**   2. At activation: snapshot, per rule, the user ids of the team/role
**      members (or the one named user) into a struct policy_group and call
**      policy_check_feasible() with the release starter.  Keep the snapshot:
**      "all" and "majority" are counted over it.
**   3. On each decision, inside the write transaction: policy_may_vote() with
**      the votes already recorded for this activity and round; refuse unless
**      POLICY_OK; insert the vote; policy_evaluate() over all votes; complete
**      or reject the activity when the state is no longer POLICY_PENDING.
**   4. Pages: policy_evaluate() gives per-rule progress and "N more
**      approvals needed".
**
** Everything is a pure function of its arguments: same input, same output.
** Nothing here reads the clock, the database or global state.
**
** Semantics the engine must know:
**  - Groups are per rule, in rule order; policy->nrule entries.  Duplicate ids
**    in a group are counted once.  Ids must be > 0.
**  - Self-approval: when allow_self_approval is false and the starter is in
**    a group, the starter is NOT counted in that rule's "eligible" number
**    (so "all of sre" means all of sre except the starter), the starter's
**    approvals count nowhere, and the starter is not a potential approver.
**    The starter may still reject if eligible here; the core goes further and
**    treats a barred starter as no approver at all (see mayact.h).
**  - One person, one vote, and a vote's principal is acting_for when set
**    (else user_id).  Both people of a vote are "used": neither may take part
**    in another vote of the same activity and round, in either role.  So a
**    delegate who voted in their own name cannot act for someone else, a
**    delegate who acted for A cannot act for B nor vote for themselves, and A
**    cannot vote once someone acted for A.  Self-approval is refused when
**    EITHER person is the starter.  Eligibility is the principal's; the
**    delegate need not be eligible.  This module does NOT check that a
**    delegation exists or is current: the engine must.
**  - Votes are passed in the order they were cast (oldest first); order
**    matters for "ordered" policies and for approve/reject races.
**  - ordered: rule k+1 opens when rules 1..k are met.  An approval counts only
**    for the rules that were open when it was cast (a person in both teams
**    who approved while only rule 1 was open counts for rule 1 only, and
**    cannot vote again later).  "ordered" requires mode "all".
**  - distinct (mode all): each approval is assigned to at most one rule by a
**    maximum b-matching (exact, not greedy).  The per-rule "met" flags are
**    computed in rule order: rule k is met when it can be met together with
**    the earlier met rules.  With mode "any", distinct has no effect (one
**    rule suffices).
**  - required (a rule key, JSON "required": true): with mode "any", the
**    quorum is "every required rule, and one of the others" (or just the
**    required ones when all are).  A freeze adds its emergency rule this way.
**    With mode "all" it changes nothing.
**  - Rejected: reject_when "any" and an eligible person rejected (a rejection
**    cast after the quorum was already met does not undo the approval), OR
**    the quorum can no longer be reached (all eligible people who have not
**    voted, minus a barred starter, approving would not be enough) — for both
**    values of reject_when.  This includes a policy that was infeasible from
**    the start: call policy_check_feasible() at activation for a message.
**  - Escalation: pass larger groups (e.g. append the admins to each group).
**    Because "all"/"majority" are counted over the group, escalation would
**    raise them; to keep the count fixed at activation, store the required
**    numbers from the first evaluation (status.rule[k].required) and pass
**    them back in policy_group.required.
*/

#define POLICY_MAX_RULES   16
#define POLICY_NAME_MAX    128      /* bytes of a rule's name, without the NUL */
#define POLICY_MIN_MAX     10000    /* largest numeric "min" */
#define POLICY_MAX_PEOPLE  100000   /* limit on the sum of group sizes, and on votes */

/* Result codes.  The engine maps the refusals to 403/409 and the rest to 500. */
enum policy_rc {
  POLICY_OK = 0,
  POLICY_NOT_ELIGIBLE,      /* the principal is in no rule's group */
  POLICY_SELF_APPROVAL,     /* the starter (as voter or as principal) tries to approve */
  POLICY_UNKNOWN_IDENTITY,  /* user_id <= 0, acting_for < 0 or starter <= 0 */
  POLICY_ALREADY_VOTED,     /* one of the two people already took part in a vote */
  POLICY_NOT_OPEN,          /* ordered: none of the principal's rules is open yet */
  POLICY_DECIDED,           /* the recorded votes already approve or reject */
  POLICY_INFEASIBLE,        /* policy_check_feasible: the quorum can never be met */
  POLICY_PARSE_ERROR,       /* policy_parse: bad JSON or a bad key; see err */
  POLICY_EINVAL,            /* caller bug: NULL, bad decision, id <= 0 in a group, ... */
  POLICY_ENOMEM
};

enum policy_kind { POLICY_KIND_USER, POLICY_KIND_TEAM, POLICY_KIND_ROLE };
enum policy_min { POLICY_MIN_COUNT, POLICY_MIN_ALL, POLICY_MIN_MAJORITY };
enum policy_mode { POLICY_MODE_ALL, POLICY_MODE_ANY };
enum policy_reject_when { POLICY_REJECT_ANY, POLICY_REJECT_CANNOT_REACH };
enum policy_decision { POLICY_REJECT = -1, POLICY_APPROVE = 1 };
enum policy_state { POLICY_PENDING, POLICY_APPROVED, POLICY_REJECTED };

struct policy_rule {
  enum policy_kind kind;
  char name[POLICY_NAME_MAX + 1];   /* team, role or user name; no control characters */
  enum policy_min min;
  int min_count;                    /* 1..POLICY_MIN_MAX when min == POLICY_MIN_COUNT */
  bool required;                    /* mode any: this rule must be met too (a freeze's emergency
                                       rule); in mode all every rule is required anyway */
};

/* A parsed policy.  Plain data; read it freely, build one by hand in tests. */
struct policy {
  int nrule;                        /* 1..POLICY_MAX_RULES */
  struct policy_rule rule[POLICY_MAX_RULES];
  enum policy_mode mode;
  bool ordered, distinct, allow_self_approval;
  enum policy_reject_when reject_when;
};

/* The people who may vote for one rule.  Borrowed: never freed here. */
struct policy_group {
  const int64_t *user_ids;          /* n ids, each > 0; may be NULL when n == 0 */
  size_t n;
  int required;                     /* 0: derive from min and the group; > 0: use as is */
};

/* One vote, as recorded or as proposed. */
struct policy_vote {
  int64_t user_id;                  /* who cast it (the delegate when acting_for is set) */
  int64_t acting_for;               /* principal, or 0; equal to user_id means 0 */
  int decision;                     /* POLICY_APPROVE or POLICY_REJECT */
};

struct policy_rule_status {
  int eligible;                     /* people counted for min (starter left out when barred) */
  int required;                     /* approvals needed; -1: can never be met */
  int approvals;                    /* approvals counted toward this rule (distinct: as assigned) */
  bool met;
  bool open;                        /* always true unless ordered */
};

struct policy_status {
  enum policy_state state;
  int nrule;
  struct policy_rule_status rule[POLICY_MAX_RULES];
  int approvals;                    /* approvals counted (people) */
  int rejections;                   /* rejections counted (people) */
  int needed;                       /* fewest further approvals that meet the quorum;
                                       0 when approved, -1 when rejected or unreachable */
  bool reachable;                   /* the quorum can still be (or has been) met */
};

/*
** Parse the JSON policy of one activity.  On POLICY_OK *out is a new policy
** the caller frees with policy_free().  On POLICY_PARSE_ERROR *out is NULL
** and err (if not NULL) holds a message naming the key, e.g.
** "rules[1].min must be a positive integer, \"all\" or \"majority\"".
** Absent keys default to mode all, ordered false, distinct true,
** allow_self_approval false, reject_when any; "rules" is required.
*/
enum policy_rc policy_parse(const char *json, struct policy **out, char *err, size_t nerr);

/* Free a policy from policy_parse().  NULL is fine. */
void policy_free(struct policy *p);

/*
** Write p as canonical compact JSON (every key present) into *out, which the
** caller frees with free().  Returns POLICY_OK, POLICY_EINVAL or POLICY_ENOMEM.
*/
enum policy_rc policy_to_json(const struct policy *p, char **out);

/*
** Approvals a rule needs when n_eligible people may approve for it: the
** number, n for "all", floor(n/2)+1 for "majority".  Returns -1 when it can
** never be met (nobody eligible, or a number larger than n).
*/
int policy_min_required(const struct policy_rule *rule, size_t n_eligible);

/*
** Can the quorum ever be met by these groups?  starter is the release
** starter, or 0 when none is known (template import).  Returns POLICY_OK, or
** POLICY_INFEASIBLE with err naming the rule ("rule 2 (team product, min 3):
** needs 3 approvals but only 2 people are eligible"); with distinct, rules
** that share people are checked together by matching.  Mode "any" is
** feasible when one rule is.  Also POLICY_EINVAL / UNKNOWN_IDENTITY / ENOMEM.
*/
enum policy_rc policy_check_feasible(const struct policy *p, const struct policy_group *groups,
                                     int64_t starter, char *err, size_t nerr);

/*
** May this ballot be recorded, given the votes already recorded (oldest
** first) for this activity and round?  Checks, in this order: identities
** (POLICY_UNKNOWN_IDENTITY), decision (POLICY_EINVAL), eligibility of the
** principal (POLICY_NOT_ELIGIBLE), self-approval (POLICY_SELF_APPROVAL),
** one vote per person (POLICY_ALREADY_VOTED), already decided
** (POLICY_DECIDED), ordered rules not open (POLICY_NOT_OPEN).  Allocates
** only temporarily.
*/
enum policy_rc policy_may_vote(const struct policy *p, const struct policy_group *groups,
                               int64_t starter, const struct policy_vote *votes, size_t nvotes,
                               const struct policy_vote *ballot);

/*
** Evaluate the recorded votes (oldest first) into *out.  Votes that
** policy_may_vote() would have refused count nowhere: a principal in no
** group, a rule not open, a barred self-approval, a second vote by either
** person.  Every recorded vote, even one that counts nowhere, still uses up
** both its people (they are no longer potential approvers), as the database
** keeps one row per person.  Returns POLICY_OK, POLICY_UNKNOWN_IDENTITY
** (starter <= 0, or a vote with user_id <= 0 / acting_for < 0),
** POLICY_EINVAL or POLICY_ENOMEM; on error *out is zeroed.  Allocates only
** temporarily.
*/
enum policy_rc policy_evaluate(const struct policy *p, const struct policy_group *groups,
                               int64_t starter, const struct policy_vote *votes, size_t nvotes,
                               struct policy_status *out);

/* Stable lower-case names for logs and JSON: "user", "team", "role"; "not_eligible", "approved"... */
const char *policy_kind_name(enum policy_kind k);
const char *policy_rc_name(enum policy_rc rc);
const char *policy_state_name(enum policy_state st);

#endif

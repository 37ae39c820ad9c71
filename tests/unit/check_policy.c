/* check_policy.c — Check suite for policy.c: parsing, eligibility, voting rights and quorum evaluation. */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

/* ------------------------------------------------------------------ */
/* Helpers: a tiny notation for groups and votes so the tables stay readable.
**   groups: "1 2 3|4 5 =2"  one group per rule, separated by '|';
**           "=N" sets policy_group.required to N (escalation snapshot).
**   votes:  "1+ 2- 5@3+"    user 1 approves, 2 rejects, 5 acting for 3 approves.
**   JSON:   written with single quotes, turned into double quotes.        */
/* ------------------------------------------------------------------ */

#define MAXP 64
#define STARTER 99    /* default starter: in no group */

struct groups_buf {
  int64_t ids[POLICY_MAX_RULES][MAXP];
  struct policy_group g[POLICY_MAX_RULES];
  int ng;
};

struct votes_buf {
  struct policy_vote v[MAXP];
  size_t n;
};

static void parse_groups(const char *spec, struct groups_buf *b)
{
  const char *s = spec;
  memset(b, 0, sizeof *b);
  b->ng = 1;
  while (*s) {
    char *end;
    if (*s == ' ') { s++; continue; }
    if (*s == '|') { b->ng++; s++; continue; }
    if (*s == '=') {
      b->g[b->ng - 1].required = (int)strtol(s + 1, &end, 10);
      s = end;
      continue;
    }
    {
      long long id = strtoll(s, &end, 10);
      struct policy_group *g = &b->g[b->ng - 1];
      ck_assert_msg(end != s, "bad group spec '%s'", spec);
      ck_assert(g->n < MAXP);
      b->ids[b->ng - 1][g->n++] = id;
      s = end;
    }
  }
  for (int k = 0; k < b->ng; k++) b->g[k].user_ids = b->ids[k];
}

static void parse_votes(const char *spec, struct votes_buf *b)
{
  const char *s = spec;
  memset(b, 0, sizeof *b);
  while (*s) {
    char *end;
    struct policy_vote *v;
    if (*s == ' ') { s++; continue; }
    ck_assert(b->n < MAXP);
    v = &b->v[b->n++];
    v->user_id = strtoll(s, &end, 10);
    ck_assert_msg(end != s, "bad vote spec '%s'", spec);
    s = end;
    if (*s == '@') {
      v->acting_for = strtoll(s + 1, &end, 10);
      s = end;
    }
    ck_assert_msg(*s == '+' || *s == '-', "bad vote spec '%s'", spec);
    v->decision = *s == '+' ? POLICY_APPROVE : POLICY_REJECT;
    s++;
  }
}

/* Parse a single-quoted policy; the test fails if it does not parse. */
static struct policy *mkpolicy(const char *sq)
{
  char json[4096], err[256];
  struct policy *p = NULL;
  size_t i;
  ck_assert(strlen(sq) < sizeof json);
  for (i = 0; sq[i]; i++) json[i] = sq[i] == '\'' ? '"' : sq[i];
  json[i] = '\0';
  ck_assert_msg(policy_parse(json, &p, err, sizeof err) == POLICY_OK, "parse %s: %s", json, err);
  return p;
}

/* "1/2-o 0/1+x": approvals/required, met (+/-), open (o/x) per rule. */
static void fmt_rules(const struct policy_status *st, char *buf, size_t n)
{
  size_t used = 0;
  buf[0] = '\0';
  for (int k = 0; k < st->nrule; k++) {
    used += (size_t)snprintf(buf + used, n - used, "%s%d/%d%c%c", k ? " " : "", st->rule[k].approvals,
                             st->rule[k].required, st->rule[k].met ? '+' : '-', st->rule[k].open ? 'o' : 'x');
    if (used >= n) break;
  }
}

static char state_char(enum policy_state s)
{
  return s == POLICY_APPROVED ? 'A' : s == POLICY_REJECTED ? 'R' : 'P';
}

#define T(name, min) "{'kind':'team','name':'" name "','min':" min "}"
#define RULES1(a) "{'rules':[" a "]"
#define RULES2(a, b) "{'rules':[" a "," b "]"
#define RULES3(a, b, c) "{'rules':[" a "," b "," c "]"

/* ------------------------------------------------------------------ */
/* Table 1: evaluation                                                  */
/* ------------------------------------------------------------------ */

struct eval_case {
  const char *id;
  const char *json;
  const char *groups;
  int64_t starter;
  const char *votes;
  char state;            /* P A R */
  int needed;
  const char *rules;     /* fmt_rules */
};

static const struct eval_case EVAL[] = {
  /* every kind of min */
  {"E01 count pending", RULES1(T("a","2")) "}", "1 2 3", STARTER, "1+", 'P', 1, "1/2-o"},
  {"E02 count met", RULES1(T("a","2")) "}", "1 2 3", STARTER, "1+ 2+", 'A', 0, "2/2+o"},
  {"E03 all pending", RULES1(T("a","'all'")) "}", "1 2 3", STARTER, "1+ 2+", 'P', 1, "2/3-o"},
  {"E04 all met", RULES1(T("a","'all'")) "}", "1 2 3", STARTER, "1+ 2+ 3+", 'A', 0, "3/3+o"},
  {"E05 majority odd pending", RULES1(T("a","'majority'")) "}", "1 2 3", STARTER, "1+", 'P', 1, "1/2-o"},
  {"E06 majority odd met", RULES1(T("a","'majority'")) "}", "1 2 3", STARTER, "1+ 3+", 'A', 0, "2/2+o"},
  {"E07 majority even: half is not enough", RULES1(T("a","'majority'")) "}", "1 2 3 4", STARTER, "1+ 2+", 'P', 1, "2/3-o"},
  {"E08 majority even met", RULES1(T("a","'majority'")) "}", "1 2 3 4", STARTER, "1+ 2+ 4+", 'A', 0, "3/3+o"},
  {"E09 majority n=1 pending", RULES1(T("a","'majority'")) "}", "7", STARTER, "", 'P', 1, "0/1-o"},
  {"E10 majority n=1 met", RULES1(T("a","'majority'")) "}", "7", STARTER, "7+", 'A', 0, "1/1+o"},
  {"E11 majority n=2 needs both", RULES1(T("a","'majority'")) "}", "1 2", STARTER, "1+", 'P', 1, "1/2-o"},
  {"E12 user rule", RULES1("{'kind':'user','name':'carol','min':1}") "}", "5", STARTER, "5+", 'A', 0, "1/1+o"},
  {"E13 duplicate ids counted once", RULES1(T("a","'all'")) "}", "1 1 2 2", STARTER, "1+ 2+", 'A', 0, "2/2+o"},
  {"E14 all leaves the barred starter out", RULES1(T("a","'all'")) "}", "1 2 99", 99, "1+ 2+", 'A', 0, "2/2+o"},
  {"E15 majority leaves the barred starter out", RULES1(T("a","'majority'")) "}", "1 2 3 99", 99, "1+", 'P', 1, "1/2-o"},
  {"E16 allowed starter counts in n", RULES1(T("a","'majority'")) ",'allow_self_approval':true}", "1 2 3 99", 99, "1+ 2+", 'P', 1, "2/3-o"},
  {"E17 allowed starter approval counts", RULES1(T("a","'majority'")) ",'allow_self_approval':true}", "1 2 3 99", 99, "1+ 2+ 99+", 'A', 0, "3/3+o"},
  /* AND vs OR */
  {"E18 AND pending", RULES2(T("sre","1"), T("product","2")) "}", "1 2|3 4 5", STARTER, "1+ 3+", 'P', 1, "1/1+o 1/2-o"},
  {"E19 AND met", RULES2(T("sre","1"), T("product","2")) "}", "1 2|3 4 5", STARTER, "1+ 3+ 4+", 'A', 0, "1/1+o 2/2+o"},
  {"E20 AND one rule is not enough", RULES2(T("sre","1"), T("product","2")) "}", "1 2|3 4 5", STARTER, "3+ 4+", 'P', 1, "0/1-o 2/2+o"},
  {"E21 OR met by one rule", RULES2(T("sre","1"), T("product","2")) ",'mode':'any'}", "1 2|3 4 5", STARTER, "1+", 'A', 0, "1/1+o 0/2-o"},
  {"E22 OR pending", RULES2(T("sre","1"), T("product","2")) ",'mode':'any'}", "1 2|3 4 5", STARTER, "3+", 'P', 1, "0/1-o 1/2-o"},
  {"E23 OR needed is the cheapest rule", RULES2(T("a","3"), T("b","1")) ",'mode':'any'}", "1 2 3|4", STARTER, "", 'P', 1, "0/3-o 0/1-o"},
  /* ordered */
  {"E24 ordered: rule 2 closed", RULES2(T("sre","1"), T("product","1")) ",'ordered':true}", "1|2", STARTER, "", 'P', 2, "0/1-o 0/1-x"},
  {"E25 ordered: vote for a closed rule counts nowhere", RULES2(T("sre","1"), T("product","1")) ",'ordered':true}", "1 3|2 4", STARTER, "2+", 'P', 2, "0/1-o 0/1-x"},
  {"E26 ordered: in order", RULES2(T("sre","1"), T("product","1")) ",'ordered':true}", "1|2", STARTER, "1+ 2+", 'A', 0, "1/1+o 1/1+o"},
  {"E27 ordered: early approval counts for rule 1 only", RULES2(T("a","1"), T("b","1")) ",'ordered':true}", "1 3|1 2", STARTER, "1+", 'P', 1, "1/1+o 0/1-o"},
  {"E28 ordered, not distinct: still rule 1 only", RULES2(T("a","1"), T("b","1")) ",'ordered':true,'distinct':false}", "1 3|1 2", STARTER, "1+", 'P', 1, "1/1+o 0/1-o"},
  {"E29 unordered, not distinct: both rules", RULES2(T("a","1"), T("b","1")) ",'distinct':false}", "1 3|1 2", STARTER, "1+", 'A', 0, "1/1+o 1/1+o"},
  {"E30 ordered: second approver opens nothing twice", RULES2(T("a","1"), T("b","1")) ",'ordered':true}", "1 3|1 2", STARTER, "1+ 2+", 'A', 0, "1/1+o 1/1+o"},
  {"E31 ordered: three stages", RULES3(T("a","1"), T("b","1"), T("c","1")) ",'ordered':true}", "1|2|3", STARTER, "1+ 2+", 'P', 1, "1/1+o 1/1+o 0/1-o"},
  {"E32 ordered: approval cast before rule 2 opened", RULES2(T("a","2"), T("b","1")) ",'ordered':true}", "1 2 3|3 4", STARTER, "1+ 3+ 2+", 'P', 1, "2/2+o 0/1-o"},
  /* distinct */
  {"E33 distinct: one person counts once", RULES2(T("sre","1"), T("product","2")) "}", "1 2|1 3 4", STARTER, "1+ 3+", 'P', 1, "1/1+o 1/2-o"},
  {"E34 not distinct: counts for both", RULES2(T("sre","1"), T("product","2")) ",'distinct':false}", "1 2|1 3 4", STARTER, "1+ 3+", 'A', 0, "1/1+o 2/2+o"},
  {"E35 matching where first-fit fails", RULES2(T("a","1"), T("b","1")) "}", "1 2|1", STARTER, "1+ 2+", 'A', 0, "1/1+o 1/1+o"},
  {"E36 matching over three rules", RULES3(T("a","1"), T("b","1"), T("c","1")) "}", "1 2 3|1|2", STARTER, "1+ 2+ 3+", 'A', 0, "1/1+o 1/1+o 1/1+o"},
  {"E37 same 3 people, 2+2 distinct: impossible", RULES2(T("a","2"), T("b","2")) "}", "1 2 3|1 2 3", STARTER, "1+ 2+ 3+", 'R', -1, "2/2+o 1/2-o"},
  {"E38 same 3 people, 2+2 not distinct", RULES2(T("a","2"), T("b","2")) ",'distinct':false}", "1 2 3|1 2 3", STARTER, "1+ 2+", 'A', 0, "2/2+o 2/2+o"},
  {"E39 not distinct: overlap lowers needed", RULES2(T("a","2"), T("b","2")) ",'distinct':false}", "1 2 3|3 4 5", STARTER, "", 'P', 3, "0/2-o 0/2-o"},
  {"E40 distinct: overlap does not", RULES2(T("a","2"), T("b","2")) "}", "1 2 3|3 4 5", STARTER, "", 'P', 4, "0/2-o 0/2-o"},
  {"E41 not distinct: shared voter", RULES2(T("a","2"), T("b","2")) ",'distinct':false}", "1 2 3|3 4 5", STARTER, "3+", 'P', 2, "1/2-o 1/2-o"},
  {"E42 distinct: potentials can re-route", RULES2(T("a","1"), T("b","1")) "}", "1 2|1", STARTER, "1+", 'P', 1, "1/1+o 0/1-o"},
  /* reject_when */
  {"E43 any: one rejection rejects", RULES1(T("a","2")) "}", "1 2 3", STARTER, "1-", 'R', -1, "0/2-o"},
  {"E44 cannot_reach: 1 of 3 rejects, 2 needed", RULES1(T("a","2")) ",'reject_when':'cannot_reach'}", "1 2 3", STARTER, "1-", 'P', 2, "0/2-o"},
  {"E45 cannot_reach: second rejection", RULES1(T("a","2")) ",'reject_when':'cannot_reach'}", "1 2 3", STARTER, "1- 2-", 'R', -1, "0/2-o"},
  {"E46 cannot_reach: approved despite a rejection", RULES1(T("a","2")) ",'reject_when':'cannot_reach'}", "1 2 3", STARTER, "1- 2+ 3+", 'A', 0, "2/2+o"},
  {"E47 any: rejection after approval is too late", RULES1(T("a","1")) "}", "1 2", STARTER, "1+ 2-", 'A', 0, "1/1+o"},
  {"E48 any: rejection before approval wins", RULES1(T("a","1")) "}", "1 2", STARTER, "2- 1+", 'R', -1, "1/1+o"},
  {"E49 rejection by a stranger counts nowhere", RULES1(T("a","2")) "}", "1 2 3", STARTER, "9-", 'P', 2, "0/2-o"},
  {"E50 ordered: rejection for a closed rule counts nowhere", RULES2(T("a","1"), T("b","1")) ",'ordered':true}", "1|2 3", STARTER, "2-", 'P', 2, "0/1-o 0/1-x"},
  {"E51 ordered: rejection for the open rule", RULES2(T("a","1"), T("b","1")) ",'ordered':true}", "1|2 3", STARTER, "1-", 'R', -1, "0/1-o 0/1-x"},
  {"E52 OR cannot_reach: one rule still reachable", RULES2(T("a","1"), T("b","2")) ",'mode':'any','reject_when':'cannot_reach'}", "1|2 3", STARTER, "1-", 'P', 2, "0/1-o 0/2-o"},
  {"E53 OR cannot_reach: none reachable", RULES2(T("a","1"), T("b","2")) ",'mode':'any','reject_when':'cannot_reach'}", "1|2 3", STARTER, "1- 2-", 'R', -1, "0/1-o 0/2-o"},
  {"E54 cannot_reach with distinct matching", RULES2(T("a","1"), T("b","1")) ",'reject_when':'cannot_reach'}", "1 2|1 2", STARTER, "1-", 'R', -1, "0/1-o 0/1-o"},
  {"E55 cannot_reach not distinct", RULES2(T("a","1"), T("b","1")) ",'reject_when':'cannot_reach','distinct':false}", "1 2|1 2", STARTER, "1-", 'P', 1, "0/1-o 0/1-o"},
  {"E56 cannot_reach: barred starter is no potential", RULES1(T("a","'all'")) ",'reject_when':'cannot_reach'}", "1 2 99", 99, "1-", 'R', -1, "0/2-o"},
  /* impossible quorums */
  {"E57 empty team", RULES1(T("a","1")) "}", "", STARTER, "", 'R', -1, "0/-1-o"},
  {"E58 min larger than team", RULES1(T("a","3")) "}", "1 2", STARTER, "", 'R', -1, "0/-1-o"},
  {"E59 OR with an empty alternative", RULES2(T("a","1"), T("b","1")) ",'mode':'any'}", "|2", STARTER, "", 'P', 1, "0/-1-o 0/1-o"},
  {"E60 OR met by the possible rule", RULES2(T("a","1"), T("b","1")) ",'mode':'any'}", "|2", STARTER, "2+", 'A', 0, "0/-1-o 1/1+o"},
  /* a required rule (a freeze's emergency rule) with mode any: it and one of the others */
  {"E62 OR+required: one rule is not enough", RULES3(T("a","1"), T("b","1"), "{'kind':'team','name':'e','min':1,'required':true}") ",'mode':'any'}", "1|2|9", STARTER, "1+", 'P', 1, "1/1+o 0/1-o 0/1-o"},
  {"E63 OR+required: one rule and the required one", RULES3(T("a","1"), T("b","1"), "{'kind':'team','name':'e','min':1,'required':true}") ",'mode':'any'}", "1|2|9", STARTER, "1+ 9+", 'A', 0, "1/1+o 0/1-o 1/1+o"},
  {"E64 OR+required: the required one alone is not enough", RULES3(T("a","1"), T("b","1"), "{'kind':'team','name':'e','min':1,'required':true}") ",'mode':'any'}", "1|2|9", STARTER, "9+", 'P', 1, "0/1-o 0/1-o 1/1+o"},
  {"E65 OR+required: needed counts both", RULES3(T("a","1"), T("b","2"), "{'kind':'team','name':'e','min':1,'required':true}") ",'mode':'any'}", "1|2 3|9", STARTER, "", 'P', 2, "0/1-o 0/2-o 0/1-o"},
  {"E66 OR+required unreachable: nobody in it", RULES2(T("a","1"), "{'kind':'team','name':'e','min':1,'required':true}") ",'mode':'any'}", "1|", STARTER, "1+", 'R', -1, "1/1+o 0/-1-o"},
  {"E67 only required rules", RULES1("{'kind':'team','name':'e','min':1,'required':true}") ",'mode':'any'}", "9", STARTER, "9+", 'A', 0, "1/1+o"},
  {"E68 required changes nothing in mode all", RULES2(T("a","1"), "{'kind':'team','name':'e','min':1,'required':true}") "}", "1|9", STARTER, "1+", 'P', 1, "1/1+o 0/1-o"},
  /* self-approval, identity, one vote, delegation */
  {"E61 starter approval counts nowhere", RULES1(T("a","1")) "}", "1 2", 1, "1+", 'P', 1, "0/1-o"},
  {"E62 starter approval allowed", RULES1(T("a","1")) ",'allow_self_approval':true}", "1 2", 1, "1+", 'A', 0, "1/1+o"},
  {"E63 starter may reject", RULES1(T("a","1")) "}", "1 2", 1, "1-", 'R', -1, "0/1-o"},
  {"E64 delegate who is the starter counts nowhere", RULES1(T("a","1")) "}", "1 2", 5, "5@1+", 'P', 1, "0/1-o"},
  {"E65 delegation counts for the principal", RULES1(T("a","1")) "}", "1 2", STARTER, "7@1+", 'A', 0, "1/1+o"},
  {"E66 acting for the starter counts nowhere", RULES1(T("a","1")) "}", "1 2", 1, "7@1+", 'P', 1, "0/1-o"},
  {"E67 second vote by the same person ignored", RULES1(T("a","1")) ",'reject_when':'cannot_reach'}", "1 2", STARTER, "1- 1+", 'P', 1, "0/1-o"},
  {"E68 delegate's own vote after acting ignored", RULES1(T("a","2")) "}", "1 2 3", STARTER, "1@2+ 1+", 'P', 1, "1/2-o"},
  {"E69 delegation within 'all' uses up the delegate", RULES1(T("a","'all'")) "}", "1 2", STARTER, "1@2+", 'R', -1, "1/2-o"},
  {"E70 principal's own vote after delegate ignored", RULES1(T("a","2")) "}", "1 2 3", STARTER, "7@1+ 1+", 'P', 1, "1/2-o"},
  /* escalation */
  {"E71 escalation keeps the activation count", RULES1(T("a","'all'")) "}", "1 2 4 5 =2", STARTER, "4+ 5+", 'A', 0, "2/2+o"},
  {"E72 without the snapshot 'all' grows", RULES1(T("a","'all'")) "}", "1 2 4 5", STARTER, "4+ 5+", 'P', 2, "2/4-o"},
  /* not distinct: greedy cover would take person 1 (4 rules) and then need 2 more; 2 and 3 suffice */
  {"E73 exact cover beats greedy", "{'rules':[" T("r1","1") "," T("r2","1") "," T("r3","1") "," T("r4","1") ","
   T("r5","1") "," T("r6","1") "],'distinct':false}", "1 2|1 2|1 3|1 3|2|3", STARTER, "", 'P', 2,
   "0/1-o 0/1-o 0/1-o 0/1-o 0/1-o 0/1-o"},
  {"E74 same, distinct", "{'rules':[" T("r1","1") "," T("r2","1") "," T("r3","1") "," T("r4","1") ","
   T("r5","1") "," T("r6","1") "]}", "1 2|1 2|1 3|1 3|2|3", STARTER, "", 'R', -1,
   "0/1-o 0/1-o 0/1-o 0/1-o 0/1-o 0/1-o"},
};

START_TEST(test_eval_table)
{
  const struct eval_case *c = &EVAL[_i];
  struct policy *p = mkpolicy(c->json);
  struct groups_buf g;
  struct votes_buf v;
  struct policy_status st;
  char got[256];
  enum policy_rc rc;

  parse_groups(c->groups, &g);
  ck_assert_msg(g.ng == p->nrule, "%s: %d groups for %d rules", c->id, g.ng, p->nrule);
  parse_votes(c->votes, &v);
  rc = policy_evaluate(p, g.g, c->starter, v.v, v.n, &st);
  ck_assert_msg(rc == POLICY_OK, "%s: rc %s", c->id, policy_rc_name(rc));
  ck_assert_msg(state_char(st.state) == c->state, "%s: state %c, expected %c", c->id, state_char(st.state), c->state);
  ck_assert_msg(st.needed == c->needed, "%s: needed %d, expected %d", c->id, st.needed, c->needed);
  fmt_rules(&st, got, sizeof got);
  ck_assert_msg(strcmp(got, c->rules) == 0, "%s: rules '%s', expected '%s'", c->id, got, c->rules);
  policy_free(p);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Table 2: may this ballot be recorded?                                */
/* ------------------------------------------------------------------ */

struct vote_case {
  const char *id;
  const char *json;
  const char *groups;
  int64_t starter;
  const char *votes;
  int64_t user, acting;
  int decision;
  enum policy_rc expect;
};

#define P1 RULES1(T("sre","1")) "}"
#define P2 RULES1(T("a","2")) "}"
#define PORD RULES2(T("sre","1"), T("product","1")) ",'ordered':true}"

static const struct vote_case VOTE[] = {
  {"M01 eligible approves", P1, "1 2", STARTER, "", 1, 0, 1, POLICY_OK},
  {"M02 not eligible", P1, "1 2", STARTER, "", 9, 0, 1, POLICY_NOT_ELIGIBLE},
  {"M03 self-approval refused", P1, "1 2", 1, "", 1, 0, 1, POLICY_SELF_APPROVAL},
  {"M04 starter may reject", P1, "1 2", 1, "", 1, 0, -1, POLICY_OK},
  {"M05 self-approval allowed", RULES1(T("sre","1")) ",'allow_self_approval':true}", "1 2", 1, "", 1, 0, 1, POLICY_OK},
  {"M06 user id 0", P1, "1 2", STARTER, "", 0, 0, 1, POLICY_UNKNOWN_IDENTITY},
  {"M07 negative user id", P1, "1 2", STARTER, "", -3, 0, 1, POLICY_UNKNOWN_IDENTITY},
  {"M08 starter unknown (0)", P1, "1 2", 0, "", 1, 0, 1, POLICY_UNKNOWN_IDENTITY},
  {"M09 starter negative", P1, "1 2", -1, "", 1, 0, -1, POLICY_UNKNOWN_IDENTITY},
  {"M10 acting_for negative", P1, "1 2", STARTER, "", 1, -2, 1, POLICY_UNKNOWN_IDENTITY},
  {"M11 double vote", P2, "1 2 3", STARTER, "1+", 1, 0, 1, POLICY_ALREADY_VOTED},
  {"M12 change of mind", P2, "1 2 3", STARTER, "1+", 1, 0, -1, POLICY_ALREADY_VOTED},
  {"M13 delegate for a principal who voted", P2, "1 2 3", STARTER, "1+", 5, 1, 1, POLICY_ALREADY_VOTED},
  {"M14 voted in own name, then acts for another", P2, "1 2 3", STARTER, "1+", 1, 2, 1, POLICY_ALREADY_VOTED},
  {"M15 acted for another, then own name", P2, "1 2 3", STARTER, "1@2+", 1, 0, 1, POLICY_ALREADY_VOTED},
  {"M16 principal after the delegate acted", P2, "1 2 3", STARTER, "1@2+", 2, 0, 1, POLICY_ALREADY_VOTED},
  {"M17 delegate acting for a second principal", P2, "1 2 3", STARTER, "1@2+", 1, 3, 1, POLICY_ALREADY_VOTED},
  {"M18 delegate need not be eligible", P2, "1 2 3", STARTER, "", 7, 2, 1, POLICY_OK},
  {"M19 delegate is the starter", P2, "1 2 3", 7, "", 7, 2, 1, POLICY_SELF_APPROVAL},
  {"M20 principal is the starter", P2, "1 2 3", 2, "", 7, 2, 1, POLICY_SELF_APPROVAL},
  {"M21 delegate starter may reject", P2, "1 2 3", 7, "", 7, 2, -1, POLICY_OK},
  {"M22 eligible delegate, ineligible principal", P2, "1 2 3", STARTER, "", 1, 9, 1, POLICY_NOT_ELIGIBLE},
  {"M23 acting for oneself is one's own vote", P2, "1 2 3", STARTER, "", 1, 1, 1, POLICY_OK},
  {"M24 ordered: rule 2 not open", PORD, "1|2", STARTER, "", 2, 0, 1, POLICY_NOT_OPEN},
  {"M25 ordered: no rejection before open", PORD, "1|2", STARTER, "", 2, 0, -1, POLICY_NOT_OPEN},
  {"M26 ordered: open once rule 1 met", PORD, "1|2", STARTER, "1+", 2, 0, 1, POLICY_OK},
  {"M27 ordered: member of both may vote early", PORD, "1|1 2", STARTER, "", 1, 0, 1, POLICY_OK},
  {"M28 decided: approved", P1, "1 2", STARTER, "1+", 2, 0, 1, POLICY_DECIDED},
  {"M29 decided: rejected", P1, "1 2", STARTER, "1-", 2, 0, 1, POLICY_DECIDED},
  {"M30 cannot_reach: still open after a rejection", RULES1(T("a","2")) ",'reject_when':'cannot_reach'}", "1 2 3", STARTER, "1-", 2, 0, 1, POLICY_OK},
  {"M31 decision must be +1 or -1", P1, "1 2", STARTER, "", 1, 0, 0, POLICY_EINVAL},
  {"M32 ineligible starter approving", P1, "1 2", 9, "", 9, 0, 1, POLICY_NOT_ELIGIBLE},
  {"M33 starter who rejected then approves", P1, "1 2", 1, "1-", 1, 0, 1, POLICY_SELF_APPROVAL},
  {"M34 escalated approver may vote", RULES1(T("a","'all'")) "}", "1 2 7 =2", STARTER, "", 7, 0, 1, POLICY_OK},
  {"M35 group id 0 is a caller bug", P1, "0 1", STARTER, "", 1, 0, 1, POLICY_EINVAL},
  {"M36 recorded vote with user 0 fails closed", P2, "1 2 3", STARTER, "0+", 1, 0, 1, POLICY_UNKNOWN_IDENTITY},
};

START_TEST(test_vote_table)
{
  const struct vote_case *c = &VOTE[_i];
  struct policy *p = mkpolicy(c->json);
  struct groups_buf g;
  struct votes_buf v;
  struct policy_vote ballot = {c->user, c->acting, c->decision};
  enum policy_rc rc;

  parse_groups(c->groups, &g);
  parse_votes(c->votes, &v);
  rc = policy_may_vote(p, g.g, c->starter, v.v, v.n, &ballot);
  ck_assert_msg(rc == c->expect, "%s: got %s, expected %s", c->id, policy_rc_name(rc), policy_rc_name(c->expect));
  policy_free(p);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Table 3: parsing                                                     */
/* ------------------------------------------------------------------ */

struct parse_case {
  const char *id;
  const char *json;        /* real JSON (double quotes) */
  enum policy_rc expect;
  const char *msg;         /* substring of the error message */
};

#define RS "\"rules\":[{\"kind\":\"team\",\"name\":\"sre\",\"min\":1}]"

static const struct parse_case PARSE[] = {
  {"P01 minimal", "{" RS "}", POLICY_OK, ""},
  {"P02 unknown top-level key", "{" RS ",\"foo\":1}", POLICY_PARSE_ERROR, "unknown key 'foo'"},
  {"P03 unknown rule key", "{\"rules\":[{\"kind\":\"team\",\"name\":\"a\",\"min\":1,\"colour\":\"red\"}]}", POLICY_PARSE_ERROR, "rules[0]: unknown key 'colour'"},
  {"P04 mode wrong type", "{" RS ",\"mode\":1}", POLICY_PARSE_ERROR, "'mode'"},
  {"P05 mode bad value", "{" RS ",\"mode\":\"some\"}", POLICY_PARSE_ERROR, "'mode'"},
  {"P06 ordered wrong type", "{" RS ",\"ordered\":\"yes\"}", POLICY_PARSE_ERROR, "'ordered' must be true or false"},
  {"P07 distinct wrong type", "{" RS ",\"distinct\":1}", POLICY_PARSE_ERROR, "'distinct'"},
  {"P08 allow_self_approval null", "{" RS ",\"allow_self_approval\":null}", POLICY_PARSE_ERROR, "'allow_self_approval'"},
  {"P09 reject_when bad value", "{" RS ",\"reject_when\":\"sometimes\"}", POLICY_PARSE_ERROR, "'reject_when'"},
  {"P10 reject_when wrong type", "{" RS ",\"reject_when\":true}", POLICY_PARSE_ERROR, "'reject_when'"},
  {"P11 min 0", "{\"rules\":[{\"kind\":\"team\",\"name\":\"a\",\"min\":0}]}", POLICY_PARSE_ERROR, "rules[0].min must be a positive integer"},
  {"P12 min negative", "{\"rules\":[{\"kind\":\"team\",\"name\":\"a\",\"min\":-2}]}", POLICY_PARSE_ERROR, "(got -2)"},
  {"P13 min fractional", "{\"rules\":[{\"kind\":\"team\",\"name\":\"a\",\"min\":1.5}]}", POLICY_PARSE_ERROR, "rules[0].min"},
  {"P14 min unknown word", "{\"rules\":[{\"kind\":\"team\",\"name\":\"a\",\"min\":\"half\"}]}", POLICY_PARSE_ERROR, "rules[0].min"},
  {"P15 min boolean", "{\"rules\":[{\"kind\":\"team\",\"name\":\"a\",\"min\":true}]}", POLICY_PARSE_ERROR, "rules[0].min"},
  {"P16 min too large", "{\"rules\":[{\"kind\":\"team\",\"name\":\"a\",\"min\":10001}]}", POLICY_PARSE_ERROR, "at most 10000"},
  {"P17 min largest", "{\"rules\":[{\"kind\":\"team\",\"name\":\"a\",\"min\":10000}]}", POLICY_OK, ""},
  {"P18 unknown kind", "{\"rules\":[{\"kind\":\"group\",\"name\":\"a\",\"min\":1}]}", POLICY_PARSE_ERROR, "rules[0].kind"},
  {"P19 kind wrong type", "{\"rules\":[{\"kind\":3,\"name\":\"a\",\"min\":1}]}", POLICY_PARSE_ERROR, "rules[0].kind"},
  {"P20 empty rules", "{\"rules\":[]}", POLICY_PARSE_ERROR, "'rules' must be a list of 1 to 16"},
  {"P21 rules not a list", "{\"rules\":{}}", POLICY_PARSE_ERROR, "'rules'"},
  {"P22 rules missing", "{\"mode\":\"all\"}", POLICY_PARSE_ERROR, "missing key 'rules'"},
  {"P23 rule missing min", "{\"rules\":[{\"kind\":\"team\",\"name\":\"a\"}]}", POLICY_PARSE_ERROR, "rules[0]: missing key 'min'"},
  {"P24 rule missing name", "{\"rules\":[{\"kind\":\"team\",\"min\":1}]}", POLICY_PARSE_ERROR, "rules[0]: missing key 'name'"},
  {"P25 rule missing kind", "{\"rules\":[{\"name\":\"a\",\"min\":1}]}", POLICY_PARSE_ERROR, "rules[0]: missing key 'kind'"},
  {"P26 empty name", "{\"rules\":[{\"kind\":\"team\",\"name\":\"\",\"min\":1}]}", POLICY_PARSE_ERROR, "rules[0].name"},
  {"P27 control character in name", "{\"rules\":[{\"kind\":\"team\",\"name\":\"a\\nb\",\"min\":1}]}", POLICY_PARSE_ERROR, "rules[0].name"},
  {"P28 name not a string", "{\"rules\":[{\"kind\":\"team\",\"name\":5,\"min\":1}]}", POLICY_PARSE_ERROR, "rules[0].name"},
  {"P29 NUL in name", "{\"rules\":[{\"kind\":\"team\",\"name\":\"a\\u0000b\",\"min\":1}]}", POLICY_PARSE_ERROR, "invalid JSON"},
  {"P30 error names the second rule", "{\"rules\":[{\"kind\":\"team\",\"name\":\"a\",\"min\":1},{\"kind\":\"team\",\"name\":\"b\",\"min\":0}]}", POLICY_PARSE_ERROR, "rules[1].min"},
  {"P31 rule not an object", "{\"rules\":[\"sre\"]}", POLICY_PARSE_ERROR, "rules[0] must be an object"},
  {"P32 invalid JSON", "{", POLICY_PARSE_ERROR, "invalid JSON"},
  {"P33 empty input", "", POLICY_PARSE_ERROR, "invalid JSON"},
  {"P34 not an object", "[1]", POLICY_PARSE_ERROR, "must be a JSON object"},
  {"P35 duplicate key", "{" RS "," RS "}", POLICY_PARSE_ERROR, "duplicate"},
  {"P36 ordered needs mode all", "{" RS ",\"ordered\":true,\"mode\":\"any\"}", POLICY_PARSE_ERROR, "'ordered'"},
  {"P37 trailing garbage", "{" RS "} x", POLICY_PARSE_ERROR, "invalid JSON"},
  {"P38 control characters in unknown key are neutralised", "{" RS ",\"a\\nb\":1}", POLICY_PARSE_ERROR, "unknown key 'a?b'"},
  {"P39 user and role kinds", "{\"rules\":[{\"kind\":\"user\",\"name\":\"carol\",\"min\":1},{\"kind\":\"role\",\"name\":\"approver\",\"min\":\"all\"}]}", POLICY_OK, ""},
};

START_TEST(test_parse_table)
{
  const struct parse_case *c = &PARSE[_i];
  struct policy *p = (struct policy *)&p;   /* must be overwritten */
  char err[256];
  enum policy_rc rc = policy_parse(c->json, &p, err, sizeof err);

  ck_assert_msg(rc == c->expect, "%s: got %s (%s)", c->id, policy_rc_name(rc), err);
  if (rc == POLICY_OK) {
    ck_assert_ptr_nonnull(p);
  } else {
    ck_assert_msg(p == NULL, "%s: *out must be NULL on error", c->id);
    ck_assert_msg(strstr(err, c->msg) != NULL, "%s: message '%s' lacks '%s'", c->id, err, c->msg);
  }
  policy_free(p);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Table 4: feasibility                                                 */
/* ------------------------------------------------------------------ */

struct feas_case {
  const char *id;
  const char *json;
  const char *groups;
  int64_t starter;
  enum policy_rc expect;
  const char *msg;
};

static const struct feas_case FEAS[] = {
  {"F01 feasible", RULES2(T("sre","1"), T("product","'majority'")) "}", "1|2 3 4", 0, POLICY_OK, ""},
  {"F02 empty team", RULES2(T("sre","1"), T("product","1")) "}", "1|", 0, POLICY_INFEASIBLE, "rule 2 (team product, min 1): nobody is eligible"},
  {"F03 min larger than team", RULES1(T("sre","3")) "}", "1 2", 0, POLICY_INFEASIBLE, "rule 1 (team sre, min 3): needs 3 approvals but only 2 people are eligible"},
  {"F04 distinct: same 3 people, 2+2", RULES2(T("a","2"), T("b","2")) "}", "1 2 3|1 2 3", 0, POLICY_INFEASIBLE, "rule 2 (team b, min 2) cannot be met together"},
  {"F05 not distinct: same 3 people, 2+2", RULES2(T("a","2"), T("b","2")) ",'distinct':false}", "1 2 3|1 2 3", 0, POLICY_OK, ""},
  {"F06 user rule needing two", RULES1("{'kind':'user','name':'carol','min':2}") "}", "5", 0, POLICY_INFEASIBLE, "rule 1 (user carol, min 2)"},
  {"F07 only member is the barred starter", RULES1(T("sre","1")) "}", "4", 4, POLICY_INFEASIBLE, "release starter may not approve"},
  {"F08 only member is an allowed starter", RULES1(T("sre","1")) ",'allow_self_approval':true}", "4", 4, POLICY_OK, ""},
  {"F09 import: no starter yet", RULES1(T("sre","1")) "}", "4", 0, POLICY_OK, ""},
  {"F10 OR with one empty rule", RULES2(T("a","1"), T("b","1")) ",'mode':'any'}", "|2", 0, POLICY_OK, ""},
  {"F11 OR with no possible rule", RULES2(T("a","1"), T("b","2")) ",'mode':'any'}", "|2", 0, POLICY_INFEASIBLE, "no rule can ever be met: rule 1 (team a"},
  {"F12 matching where first-fit fails", RULES2(T("a","1"), T("b","1")) "}", "1 2|1", 0, POLICY_OK, ""},
  {"F13 all without the starter", RULES1(T("a","'all'")) "}", "1 2 3", 3, POLICY_OK, ""},
  {"F14 negative starter", RULES1(T("a","1")) "}", "1", -1, POLICY_UNKNOWN_IDENTITY, ""},
  {"F15 third of three overlapping rules", RULES3(T("a","1"), T("b","1"), T("c","1")) "}", "1 2|1 2|1 2", 0, POLICY_INFEASIBLE, "rule 3 (team c, min 1)"},
  {"F16 ordered distinct checked the same", RULES2(T("a","2"), T("b","1")) ",'ordered':true}", "1 2|2", 0, POLICY_INFEASIBLE, "rule 2"},
  {"F17 escalation snapshot larger than group", RULES1(T("a","'all'")) "}", "1 2 =3", 0, POLICY_INFEASIBLE, "needs 3 approvals but only 2"},
  {"F18 majority of empty role", RULES1("{'kind':'role','name':'approver','min':'majority'}") "}", "", 0, POLICY_INFEASIBLE, "rule 1 (role approver, min majority): nobody"},
  {"F19 all of one", RULES1(T("a","'all'")) "}", "8", 0, POLICY_OK, ""},
  {"F21 OR: a required rule nobody can meet", RULES2(T("a","1"), "{'kind':'team','name':'e','min':1,'required':true}") ",'mode':'any'}", "1|", 0, POLICY_INFEASIBLE, "rule 2 (team e, min 1): nobody"},
  {"F22 OR: required feasible, others not", RULES2(T("a","2"), "{'kind':'team','name':'e','min':1,'required':true}") ",'mode':'any'}", "1|9", 0, POLICY_INFEASIBLE, "no rule can ever be met: rule 1"},
  {"F23 OR: required and one other feasible", RULES3(T("a","2"), T("b","1"), "{'kind':'team','name':'e','min':1,'required':true}") ",'mode':'any'}", "1|2|9", 0, POLICY_OK, ""},
  {"F20 group id 0 is a caller bug", RULES1(T("a","1")) "}", "0", 0, POLICY_EINVAL, ""},
};

START_TEST(test_feas_table)
{
  const struct feas_case *c = &FEAS[_i];
  struct policy *p = mkpolicy(c->json);
  struct groups_buf g;
  char err[512];
  enum policy_rc rc;

  parse_groups(c->groups, &g);
  rc = policy_check_feasible(p, g.g, c->starter, err, sizeof err);
  ck_assert_msg(rc == c->expect, "%s: got %s (%s)", c->id, policy_rc_name(rc), err);
  ck_assert_msg(strstr(err, c->msg) != NULL, "%s: message '%s' lacks '%s'", c->id, err, c->msg);
  policy_free(p);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Table 5: policy_min_required                                         */
/* ------------------------------------------------------------------ */

struct min_case {
  enum policy_min min;
  int count;
  size_t n;
  int expect;
};

static const struct min_case MINS[] = {
  {POLICY_MIN_COUNT, 1, 0, -1}, {POLICY_MIN_COUNT, 1, 1, 1}, {POLICY_MIN_COUNT, 2, 2, 2},
  {POLICY_MIN_COUNT, 3, 2, -1}, {POLICY_MIN_ALL, 0, 0, -1}, {POLICY_MIN_ALL, 0, 1, 1},
  {POLICY_MIN_ALL, 0, 5, 5}, {POLICY_MIN_MAJORITY, 0, 0, -1}, {POLICY_MIN_MAJORITY, 0, 1, 1},
  {POLICY_MIN_MAJORITY, 0, 2, 2}, {POLICY_MIN_MAJORITY, 0, 3, 2}, {POLICY_MIN_MAJORITY, 0, 4, 3},
  {POLICY_MIN_MAJORITY, 0, 5, 3}, {POLICY_MIN_MAJORITY, 0, 100, 51}, {POLICY_MIN_COUNT, 0, 5, -1},
};

START_TEST(test_min_table)
{
  struct policy_rule r;
  memset(&r, 0, sizeof r);
  r.min = MINS[_i].min;
  r.min_count = MINS[_i].count;
  ck_assert_int_eq(policy_min_required(&r, MINS[_i].n), MINS[_i].expect);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Single tests                                                         */
/* ------------------------------------------------------------------ */

START_TEST(test_parse_full_example)
{
  struct policy *p = mkpolicy(
    "{'rules':[{'kind':'team','name':'sre','min':1},{'kind':'team','name':'product','min':'majority'},"
    "{'kind':'user','name':'carol','min':1},{'kind':'role','name':'approver','min':'all'}],"
    "'mode':'all','ordered':false,'distinct':true,'allow_self_approval':false,'reject_when':'any'}");
  ck_assert_int_eq(p->nrule, 4);
  ck_assert_int_eq(p->rule[0].kind, POLICY_KIND_TEAM);
  ck_assert_str_eq(p->rule[0].name, "sre");
  ck_assert_int_eq(p->rule[0].min, POLICY_MIN_COUNT);
  ck_assert_int_eq(p->rule[0].min_count, 1);
  ck_assert_int_eq(p->rule[1].min, POLICY_MIN_MAJORITY);
  ck_assert_int_eq(p->rule[2].kind, POLICY_KIND_USER);
  ck_assert_str_eq(p->rule[2].name, "carol");
  ck_assert_int_eq(p->rule[3].kind, POLICY_KIND_ROLE);
  ck_assert_int_eq(p->rule[3].min, POLICY_MIN_ALL);
  ck_assert_int_eq(p->mode, POLICY_MODE_ALL);
  ck_assert(!p->ordered && p->distinct && !p->allow_self_approval);
  ck_assert_int_eq(p->reject_when, POLICY_REJECT_ANY);
  policy_free(p);
}
END_TEST

START_TEST(test_parse_defaults_and_overrides)
{
  struct policy *p = mkpolicy("{'rules':[{'kind':'team','name':'sre','min':1}]}");
  ck_assert_int_eq(p->mode, POLICY_MODE_ALL);
  ck_assert(!p->ordered);
  ck_assert(p->distinct);
  ck_assert(!p->allow_self_approval);
  ck_assert_int_eq(p->reject_when, POLICY_REJECT_ANY);
  policy_free(p);
  p = mkpolicy("{'reject_when':'cannot_reach','allow_self_approval':true,'distinct':false,"
               "'mode':'any','rules':[{'min':2,'name':'x.y-z_1','kind':'team'}]}");
  ck_assert_int_eq(p->mode, POLICY_MODE_ANY);
  ck_assert(!p->distinct);
  ck_assert(p->allow_self_approval);
  ck_assert_int_eq(p->reject_when, POLICY_REJECT_CANNOT_REACH);
  ck_assert_str_eq(p->rule[0].name, "x.y-z_1");
  ck_assert(!p->rule[0].required);
  policy_free(p);
  /* required: read, written back only when true, and checked */
  p = mkpolicy("{'mode':'any','rules':[{'kind':'team','name':'a','min':1},"
               "{'kind':'user','name':'cto','min':1,'required':true}]}");
  ck_assert(!p->rule[0].required);
  ck_assert(p->rule[1].required);
  char *json = NULL;
  ck_assert_int_eq(policy_to_json(p, &json), POLICY_OK);
  ck_assert_ptr_nonnull(strstr(json, "\"name\":\"cto\",\"min\":1,\"required\":true"));
  ck_assert_ptr_null(strstr(strstr(json, "required") + 1, "required"));   /* only the rule that has it */
  struct policy *q = NULL;
  ck_assert_int_eq(policy_parse(json, &q, NULL, 0), POLICY_OK);
  ck_assert(q->rule[1].required && !q->rule[0].required);
  policy_free(q);
  free(json);
  policy_free(p);
  char err[200];
  ck_assert_int_eq(policy_parse("{\"rules\":[{\"kind\":\"team\",\"name\":\"a\",\"min\":1,\"required\":1}]}",
                                &q, err, sizeof(err)), POLICY_PARSE_ERROR);
  ck_assert_str_eq(err, "rules[0].required must be true or false");
}
END_TEST

/* A text parsed again is answered from the kept copies: same result, a copy of its own each time;
** an error is never kept; a text pushed out by many others parses again. */
START_TEST(test_parse_again)
{
  const char *json = "{\"mode\":\"any\",\"rules\":[{\"kind\":\"team\",\"name\":\"qa\",\"min\":2},"
                     "{\"kind\":\"role\",\"name\":\"cab\",\"min\":\"majority\"}]}";
  struct policy *a = NULL, *b = NULL;
  char err[200] = "x", other[256];

  ck_assert_int_eq(policy_parse(json, &a, err, sizeof err), POLICY_OK);
  ck_assert_int_eq(policy_parse(json, &b, err, sizeof err), POLICY_OK);
  ck_assert_str_eq(err, "");
  ck_assert_ptr_ne(a, b);
  ck_assert_int_eq(a->nrule, 2);
  ck_assert_int_eq(b->nrule, 2);
  ck_assert_int_eq(b->mode, a->mode);
  ck_assert_int_eq(b->distinct, a->distinct);
  for (int i = 0; i < 2; i++) {
    ck_assert_int_eq(b->rule[i].kind, a->rule[i].kind);
    ck_assert_str_eq(b->rule[i].name, a->rule[i].name);
    ck_assert_int_eq(b->rule[i].min, a->rule[i].min);
    ck_assert_int_eq(b->rule[i].min_count, a->rule[i].min_count);
  }
  a->rule[0].min_count = 5;                      /* the caller's copy is its own */
  strcpy(a->rule[1].name, "changed");
  policy_free(b);
  ck_assert_int_eq(policy_parse(json, &b, NULL, 0), POLICY_OK);
  ck_assert_int_eq(b->rule[0].min_count, 2);
  ck_assert_str_eq(b->rule[1].name, "cab");
  ck_assert_int_eq(b->mode, POLICY_MODE_ANY);
  policy_free(a);
  policy_free(b);

  /* the same text with one byte changed is parsed as itself */
  char bad[512];
  snprintf(bad, sizeof bad, "%s", json);
  bad[strlen(bad) - 2] = ',';
  ck_assert_int_eq(policy_parse(bad, &a, err, sizeof err), POLICY_PARSE_ERROR);
  ck_assert_ptr_null(a);
  ck_assert_int_eq(policy_parse(bad, &a, err, sizeof err), POLICY_PARSE_ERROR);   /* not kept */
  ck_assert_str_ne(err, "");

  /* forty other texts later, the first parses the same */
  for (int i = 0; i < 40; i++) {
    snprintf(other, sizeof other, "{\"rules\":[{\"kind\":\"user\",\"name\":\"u%d\",\"min\":1}]}", i);
    ck_assert_int_eq(policy_parse(other, &a, NULL, 0), POLICY_OK);
    ck_assert_int_eq(a->rule[0].kind, POLICY_KIND_USER);
    ck_assert_int_eq(atoi(a->rule[0].name + 1), i);
    policy_free(a);
  }
  ck_assert_int_eq(policy_parse(json, &a, NULL, 0), POLICY_OK);
  ck_assert_int_eq(a->nrule, 2);
  ck_assert_int_eq(a->rule[1].min, POLICY_MIN_MAJORITY);
  policy_free(a);
}
END_TEST

START_TEST(test_parse_limits)
{
  char json[8192], err[256], name[POLICY_NAME_MAX + 2];
  struct policy *p = NULL;
  size_t n = 0;
  int k;

  /* 16 rules parse, 17 do not */
  for (int nr = 16; nr <= 17; nr++) {
    n = (size_t)snprintf(json, sizeof json, "{\"rules\":[");
    for (k = 0; k < nr; k++) {
      n += (size_t)snprintf(json + n, sizeof json - n, "%s{\"kind\":\"team\",\"name\":\"t%d\",\"min\":1}",
                            k ? "," : "", k);
    }
    snprintf(json + n, sizeof json - n, "]}");
    if (nr == 16) {
      ck_assert_int_eq(policy_parse(json, &p, err, sizeof err), POLICY_OK);
      ck_assert_int_eq(p->nrule, 16);
      ck_assert_str_eq(p->rule[15].name, "t15");
      policy_free(p);
      p = NULL;
    } else {
      ck_assert_int_eq(policy_parse(json, &p, err, sizeof err), POLICY_PARSE_ERROR);
      ck_assert_ptr_null(p);
      ck_assert_ptr_nonnull(strstr(err, "'rules'"));
    }
  }

  /* a name of POLICY_NAME_MAX bytes parses, one more does not */
  memset(name, 'n', POLICY_NAME_MAX);
  name[POLICY_NAME_MAX] = '\0';
  snprintf(json, sizeof json, "{\"rules\":[{\"kind\":\"team\",\"name\":\"%s\",\"min\":1}]}", name);
  ck_assert_int_eq(policy_parse(json, &p, err, sizeof err), POLICY_OK);
  ck_assert_uint_eq(strlen(p->rule[0].name), POLICY_NAME_MAX);
  policy_free(p);
  p = NULL;
  name[POLICY_NAME_MAX] = 'n';
  name[POLICY_NAME_MAX + 1] = '\0';
  snprintf(json, sizeof json, "{\"rules\":[{\"kind\":\"team\",\"name\":\"%s\",\"min\":1}]}", name);
  ck_assert_int_eq(policy_parse(json, &p, err, sizeof err), POLICY_PARSE_ERROR);
  ck_assert_ptr_nonnull(strstr(err, "rules[0].name"));

  /* tiny error buffers are respected; NULL buffers are fine */
  ck_assert_int_eq(policy_parse("{}", &p, err, 4), POLICY_PARSE_ERROR);
  ck_assert_uint_eq(strlen(err), 3);
  ck_assert_int_eq(policy_parse("{}", &p, NULL, 0), POLICY_PARSE_ERROR);
  ck_assert_int_eq(policy_parse(NULL, &p, err, sizeof err), POLICY_EINVAL);
  ck_assert_int_eq(policy_parse("{}", NULL, err, sizeof err), POLICY_EINVAL);
  policy_free(NULL);
}
END_TEST

START_TEST(test_to_json_round_trip)
{
  const char *canon =
    "{\"rules\":[{\"kind\":\"team\",\"name\":\"sre\",\"min\":1},{\"kind\":\"team\",\"name\":\"product\",\"min\":\"majority\"},"
    "{\"kind\":\"user\",\"name\":\"carol\",\"min\":1},{\"kind\":\"role\",\"name\":\"approver\",\"min\":\"all\"}],"
    "\"mode\":\"all\",\"ordered\":true,\"distinct\":false,\"allow_self_approval\":true,\"reject_when\":\"cannot_reach\"}";
  struct policy *p = NULL, *q = NULL;
  char *s = NULL, err[256];

  ck_assert_int_eq(policy_parse(canon, &p, err, sizeof err), POLICY_OK);
  ck_assert_int_eq(policy_to_json(p, &s), POLICY_OK);
  ck_assert_str_eq(s, canon);
  ck_assert_int_eq(policy_parse(s, &q, err, sizeof err), POLICY_OK);
  ck_assert_int_eq(memcmp(p, q, sizeof *p), 0);   /* calloc'd, so padding is zero in both */
  free(s);
  s = NULL;
  q->ordered = true;
  q->mode = POLICY_MODE_ANY;                      /* inconsistent by hand */
  ck_assert_int_eq(policy_to_json(q, &s), POLICY_EINVAL);
  ck_assert_ptr_null(s);
  ck_assert_int_eq(policy_to_json(NULL, &s), POLICY_EINVAL);
  ck_assert_int_eq(policy_to_json(p, NULL), POLICY_EINVAL);
  policy_free(p);
  policy_free(q);
}
END_TEST

START_TEST(test_bad_arguments)
{
  struct policy *p = mkpolicy("{'rules':[{'kind':'team','name':'a','min':1}]}");
  int64_t ids[] = {1, 2};
  struct policy_group g = {ids, 2, 0}, bad = {NULL, 2, 0}, neg = {ids, 2, -1};
  struct policy_vote v = {1, 0, POLICY_APPROVE}, zero = {0, 0, POLICY_APPROVE}, odd = {1, 0, 2};
  struct policy_status st;
  struct policy hand;
  char err[128];

  ck_assert_int_eq(policy_evaluate(p, &g, STARTER, &v, 1, NULL), POLICY_EINVAL);
  ck_assert_int_eq(policy_evaluate(NULL, &g, STARTER, &v, 1, &st), POLICY_EINVAL);
  ck_assert_int_eq(policy_evaluate(p, NULL, STARTER, &v, 1, &st), POLICY_EINVAL);
  ck_assert_int_eq(policy_evaluate(p, &bad, STARTER, &v, 1, &st), POLICY_EINVAL);
  ck_assert_int_eq(policy_evaluate(p, &neg, STARTER, &v, 1, &st), POLICY_EINVAL);
  ck_assert_int_eq(policy_evaluate(p, &g, STARTER, NULL, 1, &st), POLICY_EINVAL);
  ck_assert_int_eq(policy_evaluate(p, &g, 0, &v, 1, &st), POLICY_UNKNOWN_IDENTITY);
  ck_assert_int_eq(policy_evaluate(p, &g, STARTER, &zero, 1, &st), POLICY_UNKNOWN_IDENTITY);
  ck_assert_int_eq(st.nrule, 0);                  /* zeroed on error */
  ck_assert_int_eq(policy_evaluate(p, &g, STARTER, &odd, 1, &st), POLICY_EINVAL);
  ck_assert_int_eq(policy_may_vote(p, &g, STARTER, NULL, 0, NULL), POLICY_EINVAL);
  ck_assert_int_eq(policy_check_feasible(NULL, &g, 0, err, sizeof err), POLICY_EINVAL);
  /* a hand-built policy is validated like a parsed one */
  memcpy(&hand, p, sizeof hand);
  hand.ordered = true;
  hand.mode = POLICY_MODE_ANY;
  ck_assert_int_eq(policy_evaluate(&hand, &g, STARTER, &v, 1, &st), POLICY_EINVAL);
  memcpy(&hand, p, sizeof hand);
  hand.rule[0].min_count = 0;
  ck_assert_int_eq(policy_evaluate(&hand, &g, STARTER, &v, 1, &st), POLICY_EINVAL);
  memcpy(&hand, p, sizeof hand);
  hand.nrule = 0;
  ck_assert_int_eq(policy_may_vote(&hand, &g, STARTER, NULL, 0, &v), POLICY_EINVAL);
  /* valid call for contrast */
  ck_assert_int_eq(policy_evaluate(p, &g, STARTER, &v, 1, &st), POLICY_OK);
  ck_assert_int_eq(st.state, POLICY_APPROVED);
  policy_free(p);
}
END_TEST

START_TEST(test_names)
{
  ck_assert_str_eq(policy_rc_name(POLICY_OK), "ok");
  ck_assert_str_eq(policy_rc_name(POLICY_SELF_APPROVAL), "self_approval");
  ck_assert_str_eq(policy_rc_name(POLICY_NOT_OPEN), "not_open");
  ck_assert_str_eq(policy_rc_name((enum policy_rc)999), "unknown");
  ck_assert_str_eq(policy_state_name(POLICY_PENDING), "pending");
  ck_assert_str_eq(policy_state_name(POLICY_APPROVED), "approved");
  ck_assert_str_eq(policy_state_name(POLICY_REJECTED), "rejected");
}
END_TEST

/* Status counters beyond the table: approvals, rejections, eligible, reachable. */
START_TEST(test_status_counters)
{
  struct policy *p = mkpolicy("{'rules':[{'kind':'team','name':'a','min':3}],'reject_when':'cannot_reach'}");
  struct groups_buf g;
  struct votes_buf v;
  struct policy_status st;

  parse_groups("1 2 3 4 5 99", &g);
  parse_votes("1+ 2- 9+ 99+ 3+", &v);            /* 9 is a stranger, 99 the barred starter */
  ck_assert_int_eq(policy_evaluate(p, g.g, 99, v.v, v.n, &st), POLICY_OK);
  ck_assert_int_eq(st.approvals, 2);
  ck_assert_int_eq(st.rejections, 1);
  ck_assert_int_eq(st.rule[0].eligible, 5);
  ck_assert_int_eq(st.rule[0].approvals, 2);
  ck_assert(st.reachable);
  ck_assert_int_eq(st.needed, 1);
  ck_assert_int_eq(st.state, POLICY_PENDING);
  parse_votes("1+ 2- 9+ 99+ 3+ 4- 5-", &v);
  ck_assert_int_eq(policy_evaluate(p, g.g, 99, v.v, v.n, &st), POLICY_OK);
  ck_assert(!st.reachable);
  ck_assert_int_eq(st.state, POLICY_REJECTED);
  policy_free(p);
}
END_TEST

/* The same input gives the same output, and the largest sizes stay fast. */
START_TEST(test_large_and_deterministic)
{
  struct policy p;
  static int64_t ids[POLICY_MAX_RULES][300];
  struct policy_group g[POLICY_MAX_RULES];
  static struct policy_vote v[300];
  struct policy_status a, b;
  char err[256];
  uint32_t seed = 12345;
  int k, i;

  memset(&p, 0, sizeof p);
  p.nrule = POLICY_MAX_RULES;
  p.distinct = true;
  for (k = 0; k < POLICY_MAX_RULES; k++) {
    p.rule[k].kind = POLICY_KIND_TEAM;
    snprintf(p.rule[k].name, sizeof p.rule[k].name, "team%d", k);
    p.rule[k].min = POLICY_MIN_COUNT;
    p.rule[k].min_count = 8;
    for (i = 0; i < 300; i++) {              /* overlapping teams of 300 drawn from 1000 people */
      seed = seed * 1103515245u + 12345u;
      ids[k][i] = 1 + (int64_t)((seed >> 8) % 1000);
    }
    g[k].user_ids = ids[k];
    g[k].n = 300;
    g[k].required = 0;
  }
  for (i = 0; i < 300; i++) {
    v[i].user_id = ids[i % POLICY_MAX_RULES][i];
    v[i].acting_for = 0;
    v[i].decision = POLICY_APPROVE;
  }
  ck_assert_int_eq(policy_check_feasible(&p, g, 0, err, sizeof err), POLICY_OK);
  ck_assert_int_eq(policy_evaluate(&p, g, 5000, v, 60, &a), POLICY_OK);
  ck_assert_int_eq(policy_evaluate(&p, g, 5000, v, 60, &b), POLICY_OK);
  ck_assert_int_eq(memcmp(&a, &b, sizeof a), 0);
  ck_assert_int_eq(a.state, POLICY_PENDING);
  {
    int assigned = 0;                       /* distinct: each further approval adds at most one */
    for (k = 0; k < POLICY_MAX_RULES; k++) assigned += a.rule[k].approvals;
    ck_assert_int_le(assigned, a.approvals);
    ck_assert_int_eq(a.needed, 16 * 8 - assigned);
  }
  ck_assert_int_eq(policy_evaluate(&p, g, 5000, v, 300, &a), POLICY_OK);
  ck_assert_int_eq(a.state, POLICY_APPROVED);
  p.distinct = false;
  ck_assert_int_eq(policy_evaluate(&p, g, 5000, v, 40, &a), POLICY_OK);
  ck_assert_int_eq(policy_evaluate(&p, g, 5000, v, 40, &b), POLICY_OK);
  ck_assert_int_eq(memcmp(&a, &b, sizeof a), 0);
  ck_assert_int_ge(a.needed, 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Randomised comparison with a brute-force reference (small sizes).    */
/* ------------------------------------------------------------------ */

struct inst {
  struct policy p;
  int npeople;                         /* ids 1..npeople; npeople+1 is a stranger */
  uint32_t member[POLICY_MAX_RULES];   /* bit i-1: person i is in the group */
  int64_t starter;
  int nv;
  int64_t vuser[8];
  int vdec[8];
};

/* Is there a way to give each approval (masks m[i..na)) to at most one rule so
** that every rule in S gets rem[k] more?  (distinct) */
static int ref_assign(const uint32_t *m, int na, int i, int *rem, uint32_t S, int nrule)
{
  int k, left = 0;
  for (k = 0; k < nrule; k++) {
    if (S & (1u << k)) left += rem[k];
  }
  if (left == 0) return 1;
  if (na - i < left) return 0;
  for (k = 0; k < nrule; k++) {
    if ((S & m[i] & (1u << k)) && rem[k] > 0) {
      rem[k]--;
      if (ref_assign(m, na, i + 1, rem, S, nrule)) { rem[k]++; return 1; }
      rem[k]++;
    }
  }
  return ref_assign(m, na, i + 1, rem, S, nrule);
}

static int ref_can_meet(const struct inst *x, const int *req, const uint32_t *m, int na, uint32_t S)
{
  int rem[POLICY_MAX_RULES], k;
  for (k = 0; k < x->p.nrule; k++) {
    if (!(S & (1u << k))) { rem[k] = 0; continue; }
    if (req[k] <= 0) return 0;
    rem[k] = req[k];
    if (!x->p.distinct || x->p.mode == POLICY_MODE_ANY) {
      int c = 0;
      for (int i = 0; i < na; i++) c += (m[i] >> k) & 1u;
      if (c < req[k]) return 0;
      rem[k] = 0;
    }
  }
  return ref_assign(m, na, 0, rem, S, x->p.nrule);
}

struct ref_out {
  int approved, rejected_any, reachable_unused;
  uint32_t met, open;
};

/* Simulate the votes (user ids, decisions) in order, by the definitions in policy.h. */
static void ref_simulate(const struct inst *x, const int *req, const int64_t *user, const int *dec, int nv,
                         struct ref_out *o)
{
  uint32_t all = (1u << x->p.nrule) - 1u, m[16];
  int na = 0, front = 0, i, j, k;
  int64_t barred = x->p.allow_self_approval ? 0 : x->starter;

  memset(o, 0, sizeof *o);
  o->open = x->p.ordered ? 1u : all;
  for (i = 0; i < nv; i++) {
    uint32_t elig = 0, tag;
    int dup = 0;
    for (j = 0; j < i; j++) dup |= user[j] == user[i];
    if (dup) continue;
    for (k = 0; k < x->p.nrule; k++) {
      if (user[i] >= 1 && user[i] <= 31 && (x->member[k] >> (user[i] - 1)) & 1u) elig |= 1u << k;
    }
    tag = elig & o->open;
    if (!tag) continue;
    if (dec[i] < 0) { o->rejected_any = 1; continue; }
    if (user[i] == barred) continue;
    m[na++] = tag;
    if (x->p.ordered) {
      while (front < x->p.nrule && ref_can_meet(x, req, m, na, (2u << front) - 1u)) {
        o->met |= 1u << front;
        front++;
        if (front < x->p.nrule) o->open |= 1u << front;
      }
    }
  }
  if (!x->p.ordered) {
    for (k = 0; k < x->p.nrule; k++) {
      uint32_t S = (x->p.mode == POLICY_MODE_ALL && x->p.distinct) ? (o->met | (1u << k)) : (1u << k);
      if (ref_can_meet(x, req, m, na, S)) o->met |= 1u << k;
    }
  }
  o->approved = x->p.mode == POLICY_MODE_ALL ? o->met == all : o->met != 0;
}

/* Try every order of the potentials in set T after the recorded votes. */
static int ref_some_order_approves(const struct inst *x, const int *req, int64_t *user, int *dec, int nv,
                                   const int64_t *pot, uint32_t T, int npot)
{
  struct ref_out o;
  int i, any = 0;
  if (T == 0) {
    ref_simulate(x, req, user, dec, nv, &o);
    return o.approved;
  }
  for (i = 0; i < npot && !any; i++) {
    if (!(T & (1u << i))) continue;
    user[nv] = pot[i];
    dec[nv] = POLICY_APPROVE;
    any = ref_some_order_approves(x, req, user, dec, nv + 1, pot, T & ~(1u << i), npot);
    if (!x->p.ordered) break;            /* order does not matter */
  }
  return any;
}

START_TEST(test_random_against_reference)
{
  uint32_t seed = 0xC0FFEEu;
  int iter, checked = 0;
#define RND(n) (seed = seed * 1664525u + 1013904223u, (int)((seed >> 8) % (uint32_t)(n)))
  for (iter = 0; iter < 1500; iter++) {
    struct inst x;
    int64_t ids[POLICY_MAX_RULES][8], user[16], pot[8];
    int dec[16], req[POLICY_MAX_RULES], n[POLICY_MAX_RULES], npot = 0, k, i, best = -1;
    struct policy_group g[POLICY_MAX_RULES];
    struct policy_vote v[8];
    struct policy_status st;
    struct ref_out o, oprefix;
    uint32_t voted = 0;
    int64_t barred;
    char exp_state;

    memset(&x, 0, sizeof x);
    x.npeople = 1 + RND(5);
    x.p.nrule = 1 + RND(3);
    x.p.mode = RND(3) == 0 ? POLICY_MODE_ANY : POLICY_MODE_ALL;
    x.p.ordered = x.p.mode == POLICY_MODE_ALL && RND(3) == 0;
    x.p.distinct = RND(2);
    x.p.allow_self_approval = RND(3) == 0;
    x.p.reject_when = RND(2) ? POLICY_REJECT_ANY : POLICY_REJECT_CANNOT_REACH;
    x.starter = 1 + RND(x.npeople + 1);
    barred = x.p.allow_self_approval ? 0 : x.starter;
    for (k = 0; k < x.p.nrule; k++) {
      int r = RND(5);
      x.p.rule[k].kind = POLICY_KIND_TEAM;
      snprintf(x.p.rule[k].name, sizeof x.p.rule[k].name, "t%d", k);
      x.p.rule[k].min = r < 3 ? POLICY_MIN_COUNT : r == 3 ? POLICY_MIN_ALL : POLICY_MIN_MAJORITY;
      x.p.rule[k].min_count = 1 + RND(2);
      g[k].user_ids = ids[k];
      g[k].n = 0;
      g[k].required = 0;
      n[k] = 0;
      for (i = 1; i <= x.npeople; i++) {
        if (RND(2)) {
          x.member[k] |= 1u << (i - 1);
          ids[k][g[k].n++] = i;
          if (i != barred) n[k]++;
        }
      }
      req[k] = policy_min_required(&x.p.rule[k], (size_t)n[k]);
    }
    x.nv = RND(x.npeople + 2);
    for (i = 0; i < x.nv; i++) {
      x.vuser[i] = 1 + RND(x.npeople + 1);
      x.vdec[i] = RND(4) == 0 ? POLICY_REJECT : POLICY_APPROVE;
      v[i].user_id = x.vuser[i];
      v[i].acting_for = 0;
      v[i].decision = x.vdec[i];
      user[i] = x.vuser[i];
      dec[i] = x.vdec[i];
      if (x.vuser[i] <= 31) voted |= 1u << (x.vuser[i] - 1);
    }
    ck_assert_int_eq(policy_evaluate(&x.p, g, x.starter, v, (size_t)x.nv, &st), POLICY_OK);

    /* reference */
    ref_simulate(&x, req, user, dec, x.nv, &o);
    for (i = 1; i <= x.npeople; i++) {
      int elig = 0;
      for (k = 0; k < x.p.nrule; k++) elig |= (x.member[k] >> (i - 1)) & 1u;
      if (elig && i != barred && !((voted >> (i - 1)) & 1u)) pot[npot++] = i;
    }
    if (o.approved) {
      best = 0;
    } else {
      for (int size = 1; size <= npot && best < 0; size++) {
        for (uint32_t T = 0; T < (1u << npot) && best < 0; T++) {
          if (__builtin_popcount(T) == size && ref_some_order_approves(&x, req, user, dec, x.nv, pot, T, npot))
            best = size;
        }
      }
    }
    if (o.approved && o.rejected_any && x.p.reject_when == POLICY_REJECT_ANY) {
      int first = 0;                        /* index of the first counted rejection */
      for (;;) {
        struct ref_out t;
        ref_simulate(&x, req, user, dec, first + 1, &t);
        if (t.rejected_any) break;
        first++;
      }
      ref_simulate(&x, req, user, dec, first, &oprefix);
      exp_state = oprefix.approved ? 'A' : 'R';
    } else if (o.approved) {
      exp_state = 'A';
    } else if ((o.rejected_any && x.p.reject_when == POLICY_REJECT_ANY) || best < 0) {
      exp_state = 'R';
    } else {
      exp_state = 'P';
    }
    ck_assert_msg(state_char(st.state) == exp_state, "iter %d: state %c, reference %c", iter,
                  state_char(st.state), exp_state);
    ck_assert_msg(st.reachable == (best >= 0), "iter %d: reachable %d, reference needed %d", iter, st.reachable, best);
    if (exp_state == 'P') {
      ck_assert_msg(st.needed == best, "iter %d: needed %d, reference %d", iter, st.needed, best);
    }
    for (k = 0; k < x.p.nrule; k++) {
      ck_assert_msg(st.rule[k].met == (int)((o.met >> k) & 1u), "iter %d: rule %d met %d", iter, k, st.rule[k].met);
      ck_assert_msg(st.rule[k].open == (int)((o.open >> k) & 1u), "iter %d: rule %d open %d", iter, k, st.rule[k].open);
      ck_assert_int_eq(st.rule[k].required, req[k]);
    }
    checked++;
  }
  ck_assert_int_eq(checked, 1500);
#undef RND
}
END_TEST

static Suite *policy_suite(void)
{
  Suite *s = suite_create("policy");
  TCase *tc;

  tc = tcase_create("evaluate");
  tcase_add_loop_test(tc, test_eval_table, 0, (int)(sizeof EVAL / sizeof EVAL[0]));
  tcase_add_test(tc, test_status_counters);
  suite_add_tcase(s, tc);

  tc = tcase_create("may_vote");
  tcase_add_loop_test(tc, test_vote_table, 0, (int)(sizeof VOTE / sizeof VOTE[0]));
  suite_add_tcase(s, tc);

  tc = tcase_create("parse");
  tcase_add_loop_test(tc, test_parse_table, 0, (int)(sizeof PARSE / sizeof PARSE[0]));
  tcase_add_test(tc, test_parse_full_example);
  tcase_add_test(tc, test_parse_defaults_and_overrides);
  tcase_add_test(tc, test_parse_limits);
  tcase_add_test(tc, test_to_json_round_trip);
  suite_add_tcase(s, tc);

  tc = tcase_create("feasible");
  tcase_add_loop_test(tc, test_feas_table, 0, (int)(sizeof FEAS / sizeof FEAS[0]));
  tcase_add_loop_test(tc, test_min_table, 0, (int)(sizeof MINS / sizeof MINS[0]));
  suite_add_tcase(s, tc);

  tc = tcase_create("robustness");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_bad_arguments);
  tcase_add_test(tc, test_names);
  tcase_add_test(tc, test_parse_again);
  tcase_add_test(tc, test_large_and_deterministic);
  tcase_add_test(tc, test_random_against_reference);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(policy_suite());
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* check_engine.c — Check unit tests for the release state machine (cgi-src/core/engine.c): the pure planner and its database layer. */
#define _POSIX_C_SOURCE 200809L

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "engine.h"
#include "app.h"
#include "db.h"
#include "audit.h"

/* ================================================================ a release built by hand */

#define TB_MAX 16

struct tb {
  struct engine_snapshot s;
  struct engine_phase ph[TB_MAX];
  struct engine_act acts[TB_MAX];
  int deps[TB_MAX][TB_MAX];
  struct engine_plan plan;      /* of the last event */
};

static void tb_init(struct tb *b, int fail_phase){
  memset(b, 0, sizeof(*b));
  b->s.release_id = 1;
  b->s.status = ENGINE_REL_RUNNING;
  b->s.fail_phase = fail_phase;
  b->s.phases = b->ph;
  b->s.acts = b->acts;
}

static void tb_free(struct tb *b){
  engine_plan_free(&b->plan);
}

static int tb_phase(struct tb *b, const char *name){
  ck_assert_int_lt(b->s.nphases, TB_MAX);
  struct engine_phase *p = &b->ph[b->s.nphases];
  p->id = 100 + b->s.nphases;
  p->name = name;
  p->status = ENGINE_PH_PENDING;
  return b->s.nphases++;
}

static int tb_find(const struct tb *b, const char *name){
  for(int i=0; i<b->s.nacts; i++) if( strcmp(b->acts[i].name, name)==0 ) return i;
  ck_abort_msg("no activity %s", name);
  return -1;
}

/* Add an activity to phase; the dependencies follow as names, NULL-terminated. */
static int tb_act(struct tb *b, int phase, const char *name, enum engine_kind kind, ...){
  ck_assert_int_lt(b->s.nacts, TB_MAX);
  int i = b->s.nacts++;
  struct engine_act *a = &b->acts[i];
  a->id = 1000 + i;
  a->name = name;
  a->phase = phase;
  a->kind = kind;
  a->status = ENGINE_ACT_PENDING;
  a->round = 1;
  a->deps = b->deps[i];
  va_list ap;
  va_start(ap, kind);
  const char *d;
  while( (d = va_arg(ap, const char*))!=NULL ) b->deps[i][a->ndeps++] = tb_find(b, d);
  va_end(ap);
  return i;
}

static void tb_when(struct tb *b, const char *name, int pass_auto, int warning_auto){
  struct engine_act *a = &b->acts[tb_find(b, name)];
  a->when_pass_auto = pass_auto;
  a->when_warning_auto = warning_auto;
}

/*
** Replaying the plan's changes in order over the state before the event must
** meet every change's "from" (so each conditional UPDATE matches one row) and
** end in the state engine_plan left.  Checked after every successful event.
*/
static void check_replay(const struct tb *before, const struct tb *after){
  struct engine_phase ph[TB_MAX];
  struct engine_act acts[TB_MAX];
  enum engine_release_status rel = before->s.status;
  memcpy(ph, before->ph, sizeof(ph));
  memcpy(acts, before->acts, sizeof(acts));
  const struct engine_plan *p = &after->plan;
  for(int i=0; i<p->n; i++){
    const struct engine_change *c = &p->ch[i];
    ck_assert_ptr_nonnull(c->action);
    if( c->target==ENGINE_T_RELEASE ){
      ck_assert_int_eq(c->from, (int)rel);
      rel = (enum engine_release_status)c->to;
    }else if( c->target==ENGINE_T_PHASE ){
      ck_assert_int_eq(c->from, (int)ph[c->index].status);
      ph[c->index].status = (enum engine_phase_status)c->to;
    }else{
      ck_assert_msg(c->from==(int)acts[c->index].status, "change %d (%s of %s): from %s but it is %s", i,
                    c->action, acts[c->index].name, engine_act_status_name(c->from),
                    engine_act_status_name(acts[c->index].status));
      ck_assert_int_eq(c->round_before, acts[c->index].round);
      acts[c->index].status = (enum engine_act_status)c->to;
      acts[c->index].round = c->round;
    }
  }
  ck_assert_int_eq((int)rel, (int)after->s.status);
  for(int k=0; k<after->s.nphases; k++) ck_assert_int_eq(ph[k].status, after->ph[k].status);
  for(int i=0; i<after->s.nacts; i++){
    ck_assert_int_eq(acts[i].status, after->acts[i].status);
    ck_assert_int_eq(acts[i].round, after->acts[i].round);
  }
}

/* Run one event; on success check the replay, on refusal that nothing moved. */
static int tb_event(struct tb *b, enum engine_event_type type, const char *act, int round, enum engine_result res){
  struct tb before;
  memcpy(&before, b, sizeof(before));
  engine_plan_free(&b->plan);
  struct engine_event ev = { type, act ? tb_find(b, act) : -1, round, res };
  int rc = engine_plan(&b->s, &ev, &b->plan);
  if( rc==HP_OK ){
    check_replay(&before, b);
  }else{
    ck_assert_ptr_nonnull(b->plan.why);
    ck_assert_int_eq(b->plan.n, 0);
    ck_assert_int_eq(b->s.status, before.s.status);
    ck_assert_mem_eq(b->ph, before.ph, sizeof(b->ph));
    for(int i=0; i<b->s.nacts; i++){
      ck_assert_int_eq(b->acts[i].status, before.acts[i].status);
      ck_assert_int_eq(b->acts[i].round, before.acts[i].round);
      ck_assert_int_eq(b->acts[i].result, before.acts[i].result);
    }
  }
  return rc;
}

static int tb_start(struct tb *b){ return tb_event(b, ENGINE_EV_START, NULL, 0, ENGINE_RES_NONE); }
static int tb_result(struct tb *b, const char *a, enum engine_result r){ return tb_event(b, ENGINE_EV_RESULT, a, 0, r); }
static int tb_complete(struct tb *b, const char *a, int round, enum engine_result r){ return tb_event(b, ENGINE_EV_COMPLETE, a, round, r); }
static int tb_retry(struct tb *b, const char *a){ return tb_event(b, ENGINE_EV_RETRY, a, 0, ENGINE_RES_NONE); }
static int tb_abort(struct tb *b){ return tb_event(b, ENGINE_EV_ABORT, NULL, 0, ENGINE_RES_NONE); }
static int tb_new_build(struct tb *b){ return tb_event(b, ENGINE_EV_NEW_BUILD, NULL, 0, ENGINE_RES_NONE); }

static const char *ast(const struct tb *b, const char *name){ return engine_act_status_name(b->acts[tb_find(b, name)].status); }
static const char *pst(const struct tb *b, int k){ return engine_phase_status_name(b->ph[k].status); }
static const char *rst(const struct tb *b){ return engine_release_status_name(b->s.status); }
static const char *res(const struct tb *b, const char *name){
  const char *z = engine_result_name(b->acts[tb_find(b, name)].result);
  return z ? z : "none";
}

/* The change of the last plan for activity name with that action, or NULL. */
static const struct engine_change *change_for(const struct tb *b, const char *name, const char *action){
  int i = tb_find(b, name);
  for(int k=0; k<b->plan.n; k++){
    const struct engine_change *c = &b->plan.ch[k];
    if( c->target==ENGINE_T_ACTIVITY && c->index==i && strcmp(c->action, action)==0 ) return c;
  }
  return NULL;
}

static int has_action(const struct tb *b, const char *action){
  for(int k=0; k<b->plan.n; k++) if( strcmp(b->plan.ch[k].action, action)==0 ) return 1;
  return 0;
}

/* ================================================================ legal transitions */

START_TEST(t01_start_single_automated){
  struct tb b;
  tb_init(&b, 0);
  tb_phase(&b, "qa");
  tb_act(&b, 0, "deploy", ENGINE_AUTOMATED, NULL);
  ck_assert_int_eq(tb_start(&b), HP_OK);
  ck_assert_str_eq(ast(&b, "deploy"), "running");
  ck_assert_str_eq(pst(&b, 0), "running");
  ck_assert_str_eq(rst(&b), "running");
  ck_assert_int_eq(b.plan.n, 2);
  ck_assert_str_eq(b.plan.ch[0].action, "phase.start");
  ck_assert(b.plan.ch[0].flags & ENGINE_CF_START);
  ck_assert_str_eq(b.plan.ch[1].action, "activity.activate");
  ck_assert(b.plan.ch[1].flags & ENGINE_CF_ACTIVATE);
  tb_free(&b);
}
END_TEST

START_TEST(t02_chain_a_b_c){
  struct tb b;
  tb_init(&b, 0);
  tb_phase(&b, "p");
  tb_act(&b, 0, "A", ENGINE_AUTOMATED, NULL);
  tb_act(&b, 0, "B", ENGINE_AUTOMATED, "A", NULL);
  tb_act(&b, 0, "C", ENGINE_AUTOMATED, "B", NULL);
  ck_assert_int_eq(tb_start(&b), HP_OK);
  ck_assert_str_eq(ast(&b, "A"), "running");
  ck_assert_str_eq(ast(&b, "B"), "blocked");     /* its dependency is running */
  ck_assert_str_eq(ast(&b, "C"), "pending");     /* its dependency is only blocked */
  ck_assert_int_eq(tb_result(&b, "A", ENGINE_RES_PASS), HP_OK);
  ck_assert_str_eq(ast(&b, "A"), "completed");
  ck_assert_str_eq(res(&b, "A"), "pass");
  ck_assert_str_eq(ast(&b, "B"), "running");
  ck_assert_str_eq(ast(&b, "C"), "blocked");
  ck_assert_ptr_nonnull(change_for(&b, "A", "activity.result"));
  ck_assert_ptr_nonnull(change_for(&b, "C", "activity.block"));
  ck_assert_int_eq(tb_result(&b, "B", ENGINE_RES_PASS), HP_OK);
  ck_assert_str_eq(ast(&b, "C"), "running");
  ck_assert_str_eq(rst(&b), "running");
  ck_assert_int_eq(tb_result(&b, "C", ENGINE_RES_PASS), HP_OK);
  ck_assert_str_eq(pst(&b, 0), "completed");
  ck_assert_str_eq(rst(&b), "completed");
  ck_assert(has_action(&b, "phase.complete"));
  ck_assert(has_action(&b, "release.complete"));
  ck_assert(b.plan.ch[b.plan.n-1].flags & ENGINE_CF_FINISH);
  tb_free(&b);
}
END_TEST

START_TEST(t03_diamond){
  struct tb b;
  tb_init(&b, 0);
  tb_phase(&b, "p");
  tb_act(&b, 0, "A", ENGINE_AUTOMATED, NULL);
  tb_act(&b, 0, "B", ENGINE_AUTOMATED, "A", NULL);
  tb_act(&b, 0, "C", ENGINE_AUTOMATED, "A", NULL);
  tb_act(&b, 0, "D", ENGINE_AUTOMATED, "B", "C", NULL);
  ck_assert_int_eq(tb_start(&b), HP_OK);
  ck_assert_str_eq(ast(&b, "D"), "pending");
  ck_assert_int_eq(tb_result(&b, "A", ENGINE_RES_WARNING), HP_OK);
  ck_assert_str_eq(ast(&b, "B"), "running");
  ck_assert_str_eq(ast(&b, "C"), "running");
  ck_assert_str_eq(ast(&b, "D"), "blocked");
  ck_assert_int_eq(tb_result(&b, "B", ENGINE_RES_PASS), HP_OK);
  ck_assert_str_eq(ast(&b, "D"), "blocked");     /* C still runs */
  ck_assert_int_eq(b.plan.n, 1);                  /* only B's result */
  ck_assert_int_eq(tb_result(&b, "C", ENGINE_RES_PASS), HP_OK);
  ck_assert_str_eq(ast(&b, "D"), "running");
  ck_assert_int_eq(tb_result(&b, "D", ENGINE_RES_PASS), HP_OK);
  ck_assert_str_eq(rst(&b), "completed");
  tb_free(&b);
}
END_TEST

START_TEST(t04_phase_ordering){
  struct tb b;
  tb_init(&b, 0);
  tb_phase(&b, "qa");
  tb_phase(&b, "staging");
  tb_phase(&b, "production");
  tb_act(&b, 0, "A", ENGINE_AUTOMATED, NULL);
  tb_act(&b, 1, "B", ENGINE_AUTOMATED, NULL);
  tb_act(&b, 2, "C", ENGINE_AUTOMATED, "A", NULL);   /* depends on an earlier phase */
  ck_assert_int_eq(tb_start(&b), HP_OK);
  ck_assert_str_eq(pst(&b, 0), "running");
  ck_assert_str_eq(pst(&b, 1), "pending");
  ck_assert_str_eq(pst(&b, 2), "pending");
  ck_assert_str_eq(ast(&b, "B"), "pending");       /* its phase has not started */
  ck_assert_str_eq(ast(&b, "C"), "pending");
  ck_assert_int_eq(tb_result(&b, "A", ENGINE_RES_PASS), HP_OK);
  ck_assert_str_eq(pst(&b, 0), "completed");
  ck_assert_str_eq(pst(&b, 1), "running");
  ck_assert_str_eq(pst(&b, 2), "pending");
  ck_assert_str_eq(ast(&b, "B"), "running");
  ck_assert_str_eq(ast(&b, "C"), "pending");
  ck_assert_int_eq(tb_result(&b, "B", ENGINE_RES_PASS), HP_OK);
  ck_assert_str_eq(pst(&b, 1), "completed");
  ck_assert_str_eq(pst(&b, 2), "running");
  ck_assert_str_eq(ast(&b, "C"), "running");
  /* phase.complete of phase 1 comes before phase.start of phase 2 */
  int complete_at = -1, start_at = -1;
  for(int k=0; k<b.plan.n; k++){
    if( b.plan.ch[k].target==ENGINE_T_PHASE && b.plan.ch[k].index==1 && b.plan.ch[k].to==ENGINE_PH_COMPLETED ) complete_at = k;
    if( b.plan.ch[k].target==ENGINE_T_PHASE && b.plan.ch[k].index==2 && b.plan.ch[k].to==ENGINE_PH_RUNNING ) start_at = k;
  }
  ck_assert_int_ge(complete_at, 0);
  ck_assert_int_gt(start_at, complete_at);
  tb_free(&b);
}
END_TEST

START_TEST(t05_automated_fail_fail_release){
  struct tb b;
  tb_init(&b, 0);
  tb_phase(&b, "qa");
  tb_phase(&b, "prod");
  tb_act(&b, 0, "A", ENGINE_AUTOMATED, NULL);
  tb_act(&b, 0, "B", ENGINE_MANUAL, "A", NULL);
  tb_act(&b, 1, "C", ENGINE_AUTOMATED, NULL);
  ck_assert_int_eq(tb_start(&b), HP_OK);
  ck_assert_int_eq(tb_result(&b, "A", ENGINE_RES_FAIL), HP_OK);
  ck_assert_str_eq(ast(&b, "A"), "failed");
  ck_assert_str_eq(res(&b, "A"), "fail");
  ck_assert_str_eq(ast(&b, "B"), "blocked");       /* the manual task stays blocked */
  ck_assert_str_eq(pst(&b, 0), "failed");
  ck_assert_str_eq(pst(&b, 1), "pending");
  ck_assert_str_eq(rst(&b), "failed");
  ck_assert(has_action(&b, "phase.fail"));
  ck_assert(has_action(&b, "release.fail"));
  tb_free(&b);
}
END_TEST

START_TEST(t06_automated_fail_fail_phase){
  struct tb b;
  tb_init(&b, 1);
  tb_phase(&b, "qa");
  tb_act(&b, 0, "A", ENGINE_AUTOMATED, NULL);
  tb_act(&b, 0, "B", ENGINE_AUTOMATED, NULL);
  ck_assert_int_eq(tb_start(&b), HP_OK);
  ck_assert_int_eq(tb_result(&b, "A", ENGINE_RES_FAIL), HP_OK);
  ck_assert_str_eq(pst(&b, 0), "failed");
  ck_assert_str_eq(rst(&b), "on_hold");            /* waiting for a retry */
  /* a failed phase is frozen: the rest of it takes no results until the retry */
  ck_assert_int_eq(tb_result(&b, "B", ENGINE_RES_PASS), HP_CONFLICT);
  ck_assert_str_eq(ast(&b, "B"), "running");
  ck_assert_str_eq(pst(&b, 0), "failed");
  ck_assert_int_eq(tb_retry(&b, "A"), HP_OK);
  ck_assert_int_eq(tb_result(&b, "B", ENGINE_RES_PASS), HP_OK);
  ck_assert_str_eq(ast(&b, "B"), "completed");
  tb_free(&b);
}
END_TEST

START_TEST(t07_approval_on_hold_then_approved){
  struct tb b;
  tb_init(&b, 0);
  tb_phase(&b, "qa");
  tb_act(&b, 0, "signoff", ENGINE_APPROVAL, NULL);
  ck_assert_int_eq(tb_start(&b), HP_OK);
  ck_assert_str_eq(ast(&b, "signoff"), "on_hold");
  const struct engine_change *c = change_for(&b, "signoff", "activity.on_hold");
  ck_assert_ptr_nonnull(c);
  ck_assert(c->flags & ENGINE_CF_SNAPSHOT);
  ck_assert(c->flags & ENGINE_CF_ACTIVATE);
  ck_assert_str_eq(pst(&b, 0), "waiting_for_approval");
  ck_assert_str_eq(rst(&b), "on_hold");
  ck_assert(has_action(&b, "release.on_hold"));
  ck_assert_int_eq(tb_complete(&b, "signoff", 1, ENGINE_RES_APPROVED), HP_OK);
  ck_assert_str_eq(ast(&b, "signoff"), "completed");
  ck_assert_str_eq(res(&b, "signoff"), "approved");
  ck_assert_ptr_nonnull(change_for(&b, "signoff", "activity.complete"));
  ck_assert_str_eq(pst(&b, 0), "completed");
  ck_assert_str_eq(rst(&b), "completed");
  tb_free(&b);
}
END_TEST

/* evaluation -> approval with when {pass: automatic, warning: manual}, like the delivery template. */
static void conditional(struct tb *b, int pass_auto, int warning_auto){
  tb_init(b, 0);
  tb_phase(b, "production");
  tb_act(b, 0, "evaluation", ENGINE_AUTOMATED, NULL);
  tb_act(b, 0, "approval", ENGINE_APPROVAL, "evaluation", NULL);
  tb_act(b, 0, "migrate", ENGINE_MANUAL, "approval", NULL);
  tb_when(b, "approval", pass_auto, warning_auto);
  ck_assert_int_eq(tb_start(b), HP_OK);
  ck_assert_str_eq(ast(b, "approval"), "blocked");
}

START_TEST(t08_conditional_pass_automatic){
  struct tb b;
  conditional(&b, 1, 0);
  ck_assert_int_eq(tb_result(&b, "evaluation", ENGINE_RES_PASS), HP_OK);
  ck_assert_str_eq(ast(&b, "approval"), "completed");
  ck_assert_str_eq(res(&b, "approval"), "approved");
  const struct engine_change *c = change_for(&b, "approval", "activity.complete");
  ck_assert_ptr_nonnull(c);
  ck_assert(c->flags & ENGINE_CF_AUTOMATIC);
  ck_assert(!(c->flags & ENGINE_CF_SNAPSHOT));       /* nobody needs to be asked */
  ck_assert_int_eq(c->cause, tb_find(&b, "evaluation"));
  ck_assert_str_eq(ast(&b, "migrate"), "on_hold");
  ck_assert_str_eq(rst(&b), "on_hold");
  tb_free(&b);
}
END_TEST

START_TEST(t09_conditional_warning_manual){
  struct tb b;
  conditional(&b, 1, 0);
  ck_assert_int_eq(tb_result(&b, "evaluation", ENGINE_RES_WARNING), HP_OK);
  ck_assert_str_eq(ast(&b, "approval"), "on_hold");
  ck_assert_str_eq(ast(&b, "migrate"), "blocked");
  ck_assert_str_eq(pst(&b, 0), "waiting_for_approval");
  ck_assert_str_eq(rst(&b), "on_hold");
  tb_free(&b);
}
END_TEST

START_TEST(t10_conditional_warning_automatic){
  struct tb b;
  conditional(&b, 1, 1);
  ck_assert_int_eq(tb_result(&b, "evaluation", ENGINE_RES_WARNING), HP_OK);
  ck_assert_str_eq(ast(&b, "approval"), "completed");
  ck_assert(change_for(&b, "approval", "activity.complete")->flags & ENGINE_CF_AUTOMATIC);
  tb_free(&b);
}
END_TEST

START_TEST(t11_conditional_pass_manual){
  struct tb b;
  conditional(&b, 0, 0);
  ck_assert_int_eq(tb_result(&b, "evaluation", ENGINE_RES_PASS), HP_OK);
  ck_assert_str_eq(ast(&b, "approval"), "on_hold");
  tb_free(&b);
}
END_TEST

START_TEST(t12_conditional_fail_rejects){
  struct tb b;
  conditional(&b, 1, 1);
  ck_assert_int_eq(tb_result(&b, "evaluation", ENGINE_RES_FAIL), HP_OK);
  ck_assert_str_eq(ast(&b, "evaluation"), "failed");
  ck_assert_str_eq(ast(&b, "approval"), "rejected");
  ck_assert_str_eq(res(&b, "approval"), "rejected");
  const struct engine_change *c = change_for(&b, "approval", "activity.reject");
  ck_assert_ptr_nonnull(c);
  ck_assert(c->flags & ENGINE_CF_AUTOMATIC);
  ck_assert_int_eq(c->cause, tb_find(&b, "evaluation"));
  ck_assert_str_eq(ast(&b, "migrate"), "blocked");
  ck_assert_str_eq(pst(&b, 0), "failed");
  ck_assert_str_eq(rst(&b), "failed");
  tb_free(&b);
}
END_TEST

START_TEST(t13_conditional_worst_of_several){
  struct tb b;
  tb_init(&b, 0);
  tb_phase(&b, "p");
  tb_act(&b, 0, "e1", ENGINE_AUTOMATED, NULL);
  tb_act(&b, 0, "e2", ENGINE_AUTOMATED, NULL);
  tb_act(&b, 0, "gate", ENGINE_APPROVAL, "e1", "e2", NULL);
  tb_when(&b, "gate", 1, 0);
  ck_assert_int_eq(tb_start(&b), HP_OK);
  ck_assert_int_eq(tb_result(&b, "e1", ENGINE_RES_PASS), HP_OK);
  ck_assert_str_eq(ast(&b, "gate"), "blocked");
  ck_assert_int_eq(tb_result(&b, "e2", ENGINE_RES_WARNING), HP_OK);
  ck_assert_str_eq(ast(&b, "gate"), "on_hold");      /* the worst is warning: manual */
  tb_free(&b);

  tb_init(&b, 0);
  tb_phase(&b, "p");
  tb_act(&b, 0, "e1", ENGINE_AUTOMATED, NULL);
  tb_act(&b, 0, "e2", ENGINE_AUTOMATED, NULL);
  tb_act(&b, 0, "gate", ENGINE_APPROVAL, "e1", "e2", NULL);
  tb_when(&b, "gate", 1, 0);
  ck_assert_int_eq(tb_start(&b), HP_OK);
  ck_assert_int_eq(tb_result(&b, "e1", ENGINE_RES_FAIL), HP_OK);
  ck_assert_str_eq(ast(&b, "gate"), "rejected");     /* one failure is enough */
  tb_free(&b);
}
END_TEST

START_TEST(t14_manual_proceed_and_abort){
  struct tb b;
  tb_init(&b, 0);
  tb_phase(&b, "p");
  tb_act(&b, 0, "migrate", ENGINE_MANUAL, NULL);
  ck_assert_int_eq(tb_start(&b), HP_OK);
  const struct engine_change *c = change_for(&b, "migrate", "activity.on_hold");
  ck_assert_ptr_nonnull(c);
  ck_assert(!(c->flags & ENGINE_CF_SNAPSHOT));       /* no snapshot for manual tasks */
  ck_assert_int_eq(tb_complete(&b, "migrate", 1, ENGINE_RES_PROCEEDED), HP_OK);
  ck_assert_str_eq(ast(&b, "migrate"), "completed");
  ck_assert_str_eq(res(&b, "migrate"), "proceeded");
  ck_assert_str_eq(rst(&b), "completed");
  tb_free(&b);

  tb_init(&b, 0);
  tb_phase(&b, "p");
  tb_act(&b, 0, "migrate", ENGINE_MANUAL, NULL);
  tb_act(&b, 0, "after", ENGINE_AUTOMATED, "migrate", NULL);
  ck_assert_int_eq(tb_start(&b), HP_OK);
  ck_assert_int_eq(tb_complete(&b, "migrate", 1, ENGINE_RES_ABORTED), HP_OK);
  ck_assert_str_eq(ast(&b, "migrate"), "aborted");
  ck_assert_str_eq(res(&b, "migrate"), "aborted");
  ck_assert_ptr_nonnull(change_for(&b, "migrate", "activity.abort"));
  ck_assert_str_eq(ast(&b, "after"), "blocked");
  ck_assert_str_eq(pst(&b, 0), "failed");
  ck_assert_str_eq(rst(&b), "failed");
  tb_free(&b);
}
END_TEST

START_TEST(t15_reject_fail_release){
  struct tb b;
  tb_init(&b, 0);
  tb_phase(&b, "p");
  tb_act(&b, 0, "gate", ENGINE_APPROVAL, NULL);
  tb_act(&b, 0, "next", ENGINE_MANUAL, "gate", NULL);
  tb_act(&b, 0, "other", ENGINE_MANUAL, NULL);
  ck_assert_int_eq(tb_start(&b), HP_OK);
  ck_assert_int_eq(tb_complete(&b, "gate", 1, ENGINE_RES_REJECTED), HP_OK);
  ck_assert_str_eq(ast(&b, "gate"), "rejected");
  ck_assert_str_eq(ast(&b, "next"), "blocked");
  ck_assert_str_eq(pst(&b, 0), "failed");
  ck_assert_str_eq(rst(&b), "failed");
  /* a failed release is frozen until a retry */
  ck_assert_int_eq(tb_complete(&b, "other", 1, ENGINE_RES_PROCEEDED), HP_CONFLICT);
  tb_free(&b);
}
END_TEST

START_TEST(t16_reject_fail_phase){
  struct tb b;
  tb_init(&b, 1);
  tb_phase(&b, "p");
  tb_phase(&b, "q");
  tb_act(&b, 0, "gate", ENGINE_APPROVAL, NULL);
  tb_act(&b, 0, "next", ENGINE_MANUAL, "gate", NULL);
  tb_act(&b, 0, "other", ENGINE_MANUAL, NULL);
  tb_act(&b, 1, "later", ENGINE_AUTOMATED, NULL);
  ck_assert_int_eq(tb_start(&b), HP_OK);
  ck_assert_int_eq(tb_complete(&b, "gate", 1, ENGINE_RES_REJECTED), HP_OK);
  ck_assert_str_eq(ast(&b, "next"), "blocked");
  ck_assert_str_eq(pst(&b, 0), "failed");
  ck_assert_str_eq(rst(&b), "on_hold");
  ck_assert(has_action(&b, "phase.fail"));
  ck_assert(!has_action(&b, "release.fail"));
  /* the other branch of the phase is frozen while the phase is failed */
  ck_assert_int_eq(tb_complete(&b, "other", 1, ENGINE_RES_PROCEEDED), HP_CONFLICT);
  ck_assert_str_eq(ast(&b, "other"), "on_hold");
  ck_assert_str_eq(pst(&b, 0), "failed");
  ck_assert_str_eq(pst(&b, 1), "pending");
  ck_assert_str_eq(rst(&b), "on_hold");
  /* a retry, then approval, finishes the phase and starts the next */
  ck_assert_int_eq(tb_retry(&b, "gate"), HP_OK);
  ck_assert_str_eq(pst(&b, 0), "waiting_for_approval");
  ck_assert_int_eq(tb_complete(&b, "other", 1, ENGINE_RES_PROCEEDED), HP_OK);
  ck_assert_int_eq(tb_complete(&b, "gate", 2, ENGINE_RES_APPROVED), HP_OK);
  ck_assert_str_eq(ast(&b, "next"), "on_hold");
  ck_assert_int_eq(tb_complete(&b, "next", 1, ENGINE_RES_PROCEEDED), HP_OK);
  ck_assert_str_eq(pst(&b, 0), "completed");
  ck_assert_str_eq(ast(&b, "later"), "running");
  ck_assert_str_eq(rst(&b), "running");
  tb_free(&b);
}
END_TEST

START_TEST(t17_retry_approval_round_2){
  struct tb b;
  tb_init(&b, 0);
  tb_phase(&b, "p");
  tb_act(&b, 0, "gate", ENGINE_APPROVAL, NULL);
  ck_assert_int_eq(tb_start(&b), HP_OK);
  ck_assert_int_eq(tb_complete(&b, "gate", 1, ENGINE_RES_REJECTED), HP_OK);
  ck_assert_str_eq(rst(&b), "failed");
  ck_assert_int_eq(tb_retry(&b, "gate"), HP_OK);    /* allowed in a failed release */
  ck_assert_int_eq(b.acts[0].round, 2);
  ck_assert_str_eq(ast(&b, "gate"), "on_hold");
  ck_assert_str_eq(res(&b, "gate"), "none");
  const struct engine_change *c = change_for(&b, "gate", "activity.retry");
  ck_assert_ptr_nonnull(c);
  ck_assert_int_eq(c->round_before, 1);
  ck_assert_int_eq(c->round, 2);
  ck_assert_int_eq(c->to, ENGINE_ACT_PENDING);
  c = change_for(&b, "gate", "activity.on_hold");
  ck_assert_ptr_nonnull(c);
  ck_assert(c->flags & ENGINE_CF_SNAPSHOT);           /* fresh eligibility for round 2 */
  ck_assert_int_eq(c->round, 2);
  ck_assert_str_eq(pst(&b, 0), "waiting_for_approval");
  ck_assert_str_eq(rst(&b), "on_hold");
  ck_assert(has_action(&b, "phase.waiting"));
  /* a decision of round 1 no longer counts */
  ck_assert_int_eq(tb_complete(&b, "gate", 1, ENGINE_RES_APPROVED), HP_CONFLICT);
  ck_assert_int_eq(tb_complete(&b, "gate", 2, ENGINE_RES_APPROVED), HP_OK);
  ck_assert_str_eq(rst(&b), "completed");
  tb_free(&b);
}
END_TEST

START_TEST(t18_retry_automated_and_cascade){
  struct tb b;
  conditional(&b, 1, 0);
  ck_assert_int_eq(tb_result(&b, "evaluation", ENGINE_RES_FAIL), HP_OK);
  ck_assert_str_eq(ast(&b, "approval"), "rejected");
  ck_assert_int_eq(tb_retry(&b, "evaluation"), HP_OK);
  ck_assert_str_eq(ast(&b, "evaluation"), "running");
  ck_assert_int_eq(b.acts[tb_find(&b, "evaluation")].round, 2);
  /* the approval it rejected automatically is reset too */
  ck_assert_int_eq(b.acts[tb_find(&b, "approval")].round, 2);
  ck_assert_str_eq(ast(&b, "approval"), "blocked");
  const struct engine_change *c = change_for(&b, "approval", "activity.retry");
  ck_assert_ptr_nonnull(c);
  ck_assert(c->flags & ENGINE_CF_CASCADE);
  ck_assert_str_eq(pst(&b, 0), "running");
  ck_assert_str_eq(rst(&b), "running");
  ck_assert(has_action(&b, "release.resume"));
  ck_assert_int_eq(tb_result(&b, "evaluation", ENGINE_RES_PASS), HP_OK);
  ck_assert_str_eq(ast(&b, "approval"), "completed");
  ck_assert_str_eq(ast(&b, "migrate"), "on_hold");
  tb_free(&b);
}
END_TEST

START_TEST(t19_retry_approval_while_dependency_failed){
  struct tb b;
  conditional(&b, 1, 0);
  ck_assert_int_eq(tb_result(&b, "evaluation", ENGINE_RES_FAIL), HP_OK);
  /* retrying the approval while its evaluation failed rejects it again, in round 2 */
  ck_assert_int_eq(tb_retry(&b, "approval"), HP_OK);
  ck_assert_str_eq(ast(&b, "approval"), "rejected");
  ck_assert_int_eq(b.acts[tb_find(&b, "approval")].round, 2);
  ck_assert_str_eq(rst(&b), "failed");
  tb_free(&b);
}
END_TEST

START_TEST(t20_abort){
  struct tb b;
  tb_init(&b, 0);
  tb_phase(&b, "qa");
  tb_phase(&b, "prod");
  tb_phase(&b, "later");
  tb_act(&b, 0, "A", ENGINE_AUTOMATED, NULL);
  tb_act(&b, 1, "gate", ENGINE_APPROVAL, NULL);
  tb_act(&b, 1, "run", ENGINE_AUTOMATED, NULL);
  tb_act(&b, 1, "after", ENGINE_MANUAL, "gate", NULL);
  tb_act(&b, 2, "last", ENGINE_AUTOMATED, NULL);
  ck_assert_int_eq(tb_start(&b), HP_OK);
  ck_assert_int_eq(tb_result(&b, "A", ENGINE_RES_PASS), HP_OK);
  ck_assert_str_eq(rst(&b), "on_hold");
  ck_assert_int_eq(tb_abort(&b), HP_OK);
  ck_assert_str_eq(rst(&b), "aborted");
  ck_assert_str_eq(ast(&b, "A"), "completed");       /* finished work stays as it was */
  ck_assert_str_eq(ast(&b, "gate"), "aborted");
  ck_assert_str_eq(ast(&b, "run"), "aborted");
  ck_assert_str_eq(ast(&b, "after"), "aborted");
  ck_assert_str_eq(ast(&b, "last"), "aborted");
  ck_assert_str_eq(pst(&b, 0), "completed");
  ck_assert_str_eq(pst(&b, 1), "aborted");
  ck_assert_str_eq(pst(&b, 2), "aborted");
  ck_assert_str_eq(b.plan.ch[0].action, "release.abort");
  ck_assert(b.plan.ch[0].flags & ENGINE_CF_FINISH);
  tb_free(&b);
}
END_TEST

START_TEST(t21_independent_activities_and_both_on_hold){
  /* like the demo: evaluation=warning puts two approvals on hold at once */
  struct tb b;
  tb_init(&b, 0);
  tb_phase(&b, "production");
  tb_act(&b, 0, "evaluation", ENGINE_AUTOMATED, NULL);
  tb_act(&b, 0, "production-approval", ENGINE_APPROVAL, "evaluation", NULL);
  tb_act(&b, 0, "security-review", ENGINE_APPROVAL, "evaluation", NULL);
  tb_act(&b, 0, "db-migration", ENGINE_MANUAL, "production-approval", "security-review", NULL);
  tb_when(&b, "production-approval", 1, 0);
  tb_when(&b, "security-review", 1, 0);
  ck_assert_int_eq(tb_start(&b), HP_OK);
  ck_assert_int_eq(tb_result(&b, "evaluation", ENGINE_RES_WARNING), HP_OK);
  ck_assert_str_eq(ast(&b, "production-approval"), "on_hold");
  ck_assert_str_eq(ast(&b, "security-review"), "on_hold");
  ck_assert_str_eq(ast(&b, "db-migration"), "blocked");
  ck_assert_int_eq(tb_complete(&b, "security-review", 1, ENGINE_RES_APPROVED), HP_OK);
  ck_assert_str_eq(ast(&b, "db-migration"), "blocked");
  ck_assert_str_eq(pst(&b, 0), "waiting_for_approval");
  ck_assert_int_eq(tb_complete(&b, "production-approval", 1, ENGINE_RES_APPROVED), HP_OK);
  ck_assert_str_eq(ast(&b, "db-migration"), "on_hold");
  ck_assert_int_eq(tb_complete(&b, "db-migration", 1, ENGINE_RES_PROCEEDED), HP_OK);
  ck_assert_str_eq(rst(&b), "completed");
  tb_free(&b);
}
END_TEST

START_TEST(t22_expired){
  struct tb b;
  tb_init(&b, 1);
  tb_phase(&b, "p");
  tb_act(&b, 0, "gate", ENGINE_APPROVAL, NULL);
  ck_assert_int_eq(tb_start(&b), HP_OK);
  ck_assert_int_eq(tb_complete(&b, "gate", 1, ENGINE_RES_EXPIRED), HP_OK);
  ck_assert_str_eq(ast(&b, "gate"), "rejected");
  ck_assert_str_eq(res(&b, "gate"), "expired");
  ck_assert_str_eq(rst(&b), "on_hold");
  tb_free(&b);
}
END_TEST

/* ================================================================ illegal transitions */

START_TEST(t30_result_for_non_automated){
  struct tb b;
  tb_init(&b, 0);
  tb_phase(&b, "p");
  tb_act(&b, 0, "gate", ENGINE_APPROVAL, NULL);
  tb_act(&b, 0, "task", ENGINE_MANUAL, NULL);
  ck_assert_int_eq(tb_start(&b), HP_OK);
  ck_assert_int_eq(tb_result(&b, "gate", ENGINE_RES_PASS), HP_CONFLICT);
  ck_assert_int_eq(tb_result(&b, "task", ENGINE_RES_PASS), HP_CONFLICT);
  tb_free(&b);
}
END_TEST

START_TEST(t31_result_for_activity_not_running){
  struct tb b;
  tb_init(&b, 0);
  tb_phase(&b, "p");
  tb_act(&b, 0, "A", ENGINE_AUTOMATED, NULL);
  tb_act(&b, 0, "B", ENGINE_AUTOMATED, "A", NULL);
  ck_assert_int_eq(tb_start(&b), HP_OK);
  ck_assert_int_eq(tb_result(&b, "B", ENGINE_RES_PASS), HP_CONFLICT);   /* blocked */
  ck_assert_int_eq(tb_result(&b, "A", ENGINE_RES_PASS), HP_OK);
  ck_assert_int_eq(tb_result(&b, "A", ENGINE_RES_PASS), HP_CONFLICT);   /* twice */
  ck_assert_int_eq(tb_result(&b, "A", ENGINE_RES_FAIL), HP_CONFLICT);
  tb_free(&b);
}
END_TEST

START_TEST(t32_result_bad_value){
  struct tb b;
  tb_init(&b, 0);
  tb_phase(&b, "p");
  tb_act(&b, 0, "A", ENGINE_AUTOMATED, NULL);
  ck_assert_int_eq(tb_start(&b), HP_OK);
  ck_assert_int_eq(tb_result(&b, "A", ENGINE_RES_APPROVED), HP_UNPROCESSABLE);
  ck_assert_int_eq(tb_result(&b, "A", ENGINE_RES_NONE), HP_UNPROCESSABLE);
  ck_assert_str_eq(ast(&b, "A"), "running");
  tb_free(&b);
}
END_TEST

START_TEST(t33_result_in_failed_release){
  struct tb b;
  tb_init(&b, 0);
  tb_phase(&b, "p");
  tb_act(&b, 0, "A", ENGINE_AUTOMATED, NULL);
  tb_act(&b, 0, "B", ENGINE_AUTOMATED, NULL);
  ck_assert_int_eq(tb_start(&b), HP_OK);
  ck_assert_int_eq(tb_result(&b, "A", ENGINE_RES_FAIL), HP_OK);
  ck_assert_str_eq(rst(&b), "failed");
  ck_assert_int_eq(tb_result(&b, "B", ENGINE_RES_PASS), HP_CONFLICT);
  tb_free(&b);
}
END_TEST

START_TEST(t34_retry_of_unfinished_or_completed){
  struct tb b;
  tb_init(&b, 0);
  tb_phase(&b, "p");
  tb_act(&b, 0, "A", ENGINE_AUTOMATED, NULL);
  tb_act(&b, 0, "gate", ENGINE_APPROVAL, "A", NULL);
  tb_act(&b, 0, "B", ENGINE_AUTOMATED, "gate", NULL);
  ck_assert_int_eq(tb_start(&b), HP_OK);
  ck_assert_int_eq(tb_retry(&b, "A"), HP_CONFLICT);       /* running */
  ck_assert_int_eq(tb_retry(&b, "B"), HP_CONFLICT);       /* pending */
  ck_assert_int_eq(tb_result(&b, "A", ENGINE_RES_PASS), HP_OK);
  ck_assert_int_eq(tb_retry(&b, "A"), HP_CONFLICT);       /* completed */
  ck_assert_int_eq(tb_retry(&b, "gate"), HP_CONFLICT);    /* on_hold */
  tb_free(&b);
}
END_TEST

START_TEST(t35_retry_in_finished_release){
  struct tb b;
  tb_init(&b, 0);
  tb_phase(&b, "p");
  tb_act(&b, 0, "gate", ENGINE_APPROVAL, NULL);
  ck_assert_int_eq(tb_start(&b), HP_OK);
  ck_assert_int_eq(tb_complete(&b, "gate", 1, ENGINE_RES_REJECTED), HP_OK);
  ck_assert_int_eq(tb_abort(&b), HP_OK);                  /* a failed release can be aborted */
  ck_assert_str_eq(rst(&b), "aborted");
  ck_assert_str_eq(ast(&b, "gate"), "rejected");
  ck_assert_int_eq(tb_retry(&b, "gate"), HP_CONFLICT);
  tb_free(&b);

  /* completed release: nothing to retry, even an activity that failed earlier in a fail_phase release */
  tb_init(&b, 1);
  tb_phase(&b, "p");
  tb_act(&b, 0, "A", ENGINE_AUTOMATED, NULL);
  ck_assert_int_eq(tb_start(&b), HP_OK);
  ck_assert_int_eq(tb_result(&b, "A", ENGINE_RES_PASS), HP_OK);
  ck_assert_str_eq(rst(&b), "completed");
  ck_assert_int_eq(tb_retry(&b, "A"), HP_CONFLICT);
  b.acts[0].status = ENGINE_ACT_FAILED;                   /* even if one were failed */
  ck_assert_int_eq(tb_retry(&b, "A"), HP_CONFLICT);
  tb_free(&b);
}
END_TEST

START_TEST(t36_abort_finished_release){
  struct tb b;
  tb_init(&b, 0);
  tb_phase(&b, "p");
  tb_act(&b, 0, "A", ENGINE_AUTOMATED, NULL);
  ck_assert_int_eq(tb_start(&b), HP_OK);
  ck_assert_int_eq(tb_result(&b, "A", ENGINE_RES_PASS), HP_OK);
  ck_assert_int_eq(tb_abort(&b), HP_CONFLICT);
  tb_free(&b);

  tb_init(&b, 0);
  tb_phase(&b, "p");
  tb_act(&b, 0, "A", ENGINE_AUTOMATED, NULL);
  ck_assert_int_eq(tb_start(&b), HP_OK);
  ck_assert_int_eq(tb_abort(&b), HP_OK);
  ck_assert_int_eq(tb_abort(&b), HP_CONFLICT);
  ck_assert_int_eq(tb_result(&b, "A", ENGINE_RES_PASS), HP_CONFLICT);
  tb_free(&b);
}
END_TEST

/* A new build: everything that started goes back to pending in a new round and the release starts again. */
START_TEST(t23_new_build_starts_again){
  struct tb b;
  tb_init(&b, 1);
  tb_phase(&b, "qa");
  tb_phase(&b, "prod");
  tb_act(&b, 0, "tests", ENGINE_AUTOMATED, NULL);
  tb_act(&b, 0, "signoff", ENGINE_APPROVAL, "tests", NULL);
  tb_act(&b, 0, "notes", ENGINE_MANUAL, NULL);
  tb_act(&b, 1, "gate", ENGINE_APPROVAL, NULL);
  tb_act(&b, 1, "deploy", ENGINE_AUTOMATED, "gate", NULL);
  ck_assert_int_eq(tb_start(&b), HP_OK);
  ck_assert_int_eq(tb_result(&b, "tests", ENGINE_RES_PASS), HP_OK);
  ck_assert_int_eq(tb_complete(&b, "signoff", 1, ENGINE_RES_APPROVED), HP_OK);
  ck_assert_int_eq(tb_complete(&b, "notes", 1, ENGINE_RES_PROCEEDED), HP_OK);
  ck_assert_str_eq(pst(&b, 0), "completed");
  ck_assert_str_eq(ast(&b, "gate"), "on_hold");
  ck_assert_str_eq(ast(&b, "deploy"), "blocked");
  ck_assert_int_eq(tb_new_build(&b), HP_OK);
  /* phase 1 again: the tests run, the sign-off waits for them, the task asks again; phase 2 waits */
  ck_assert_str_eq(ast(&b, "tests"), "running");
  ck_assert_str_eq(ast(&b, "signoff"), "blocked");
  ck_assert_str_eq(ast(&b, "notes"), "on_hold");
  ck_assert_str_eq(ast(&b, "gate"), "pending");
  ck_assert_str_eq(ast(&b, "deploy"), "pending");
  ck_assert_str_eq(res(&b, "signoff"), "none");
  ck_assert_int_eq(b.acts[tb_find(&b, "signoff")].round, 2);
  ck_assert_int_eq(b.acts[tb_find(&b, "gate")].round, 2);
  ck_assert_int_eq(b.acts[tb_find(&b, "deploy")].round, 1);     /* never started: its round stays */
  ck_assert_str_eq(pst(&b, 0), "waiting_for_approval");
  ck_assert_str_eq(pst(&b, 1), "pending");
  ck_assert_str_eq(rst(&b), "on_hold");
  const struct engine_change *c = change_for(&b, "gate", "activity.new_build");
  ck_assert_ptr_nonnull(c);
  ck_assert_int_eq(c->round_before, 1);
  ck_assert_int_eq(c->round, 2);
  /* the old round's decision no longer counts; the new one does, and the release goes on */
  ck_assert_int_eq(tb_complete(&b, "signoff", 1, ENGINE_RES_APPROVED), HP_CONFLICT);
  ck_assert_int_eq(tb_result(&b, "tests", ENGINE_RES_PASS), HP_OK);
  ck_assert_int_eq(tb_complete(&b, "signoff", 2, ENGINE_RES_APPROVED), HP_OK);
  ck_assert_int_eq(tb_complete(&b, "notes", 2, ENGINE_RES_PROCEEDED), HP_OK);
  ck_assert_str_eq(ast(&b, "gate"), "on_hold");
  /* a failed release (fail_phase: on hold) also takes a new build */
  ck_assert_int_eq(tb_complete(&b, "gate", 2, ENGINE_RES_REJECTED), HP_OK);
  ck_assert_int_eq(tb_new_build(&b), HP_OK);
  ck_assert_str_eq(ast(&b, "gate"), "pending");
  ck_assert_int_eq(b.acts[tb_find(&b, "gate")].round, 3);
  /* a finished release does not */
  ck_assert_int_eq(tb_abort(&b), HP_OK);
  ck_assert_int_eq(tb_new_build(&b), HP_CONFLICT);
  tb_free(&b);

  tb_init(&b, 0);
  tb_phase(&b, "p");
  tb_act(&b, 0, "gate", ENGINE_APPROVAL, NULL);
  ck_assert_int_eq(tb_start(&b), HP_OK);
  ck_assert_int_eq(tb_complete(&b, "gate", 1, ENGINE_RES_APPROVED), HP_OK);
  ck_assert_str_eq(rst(&b), "completed");
  ck_assert_int_eq(tb_new_build(&b), HP_CONFLICT);
  tb_free(&b);
}
END_TEST

/* Change windows: an activity whose turn comes while its window is closed is scheduled; a wake
   after the window opened starts it; dependents wait behind it; new builds and aborts move it. */
START_TEST(t24_change_window_schedules){
  struct tb b;
  tb_init(&b, 0);
  tb_phase(&b, "qa");
  tb_phase(&b, "prod");
  tb_act(&b, 0, "tests", ENGINE_AUTOMATED, NULL);
  tb_act(&b, 1, "gate", ENGINE_APPROVAL, NULL);
  tb_act(&b, 1, "deploy", ENGINE_AUTOMATED, "gate", NULL);
  b.acts[tb_find(&b, "gate")].window_closed = 1;
  b.acts[tb_find(&b, "deploy")].window_closed = 1;
  ck_assert_int_eq(tb_start(&b), HP_OK);
  ck_assert_str_eq(ast(&b, "tests"), "running");
  ck_assert_str_eq(ast(&b, "gate"), "pending");
  ck_assert_int_eq(tb_result(&b, "tests", ENGINE_RES_PASS), HP_OK);
  ck_assert_str_eq(ast(&b, "gate"), "scheduled");
  ck_assert_ptr_nonnull(change_for(&b, "gate", "activity.scheduled"));
  ck_assert(change_for(&b, "gate", "activity.scheduled")->flags & ENGINE_CF_SCHEDULE);
  ck_assert_str_eq(ast(&b, "deploy"), "blocked");          /* behind a scheduled one */
  ck_assert_str_eq(pst(&b, 1), "running");
  ck_assert_str_eq(rst(&b), "running");
  /* nobody can decide it, and a wake while the window is still closed changes nothing */
  ck_assert_int_eq(tb_complete(&b, "gate", 1, ENGINE_RES_APPROVED), HP_CONFLICT);
  ck_assert_int_eq(tb_event(&b, ENGINE_EV_WAKE, NULL, 0, ENGINE_RES_NONE), HP_OK);
  ck_assert_int_eq(b.plan.n, 0);
  /* the window opens */
  b.acts[tb_find(&b, "gate")].window_closed = 0;
  ck_assert_int_eq(tb_event(&b, ENGINE_EV_WAKE, NULL, 0, ENGINE_RES_NONE), HP_OK);
  ck_assert_str_eq(ast(&b, "gate"), "on_hold");
  ck_assert(change_for(&b, "gate", "activity.on_hold")->flags & ENGINE_CF_SNAPSHOT);
  ck_assert_str_eq(rst(&b), "on_hold");
  /* the deploy's window is still closed when the gate is approved: it is scheduled in turn */
  ck_assert_int_eq(tb_complete(&b, "gate", 1, ENGINE_RES_APPROVED), HP_OK);
  ck_assert_str_eq(ast(&b, "deploy"), "scheduled");
  /* a new build puts it back to pending, in the same round (it never started) */
  ck_assert_int_eq(tb_new_build(&b), HP_OK);
  ck_assert_str_eq(ast(&b, "deploy"), "pending");
  ck_assert_int_eq(b.acts[tb_find(&b, "deploy")].round, 1);
  ck_assert_int_eq(tb_result(&b, "tests", ENGINE_RES_PASS), HP_OK);
  ck_assert_str_eq(ast(&b, "gate"), "on_hold");
  ck_assert_int_eq(tb_complete(&b, "gate", 2, ENGINE_RES_APPROVED), HP_OK);
  ck_assert_str_eq(ast(&b, "deploy"), "scheduled");
  /* an abort aborts it */
  ck_assert_int_eq(tb_abort(&b), HP_OK);
  ck_assert_str_eq(ast(&b, "deploy"), "aborted");
  ck_assert_int_eq(tb_event(&b, ENGINE_EV_WAKE, NULL, 0, ENGINE_RES_NONE), HP_CONFLICT);
  tb_free(&b);

  /* a conditional approval scheduled by its window still approves itself when it opens */
  tb_init(&b, 0);
  tb_phase(&b, "p");
  tb_act(&b, 0, "eval", ENGINE_AUTOMATED, NULL);
  tb_act(&b, 0, "gate", ENGINE_APPROVAL, "eval", NULL);
  tb_when(&b, "gate", 1, 0);
  b.acts[tb_find(&b, "gate")].window_closed = 1;
  ck_assert_int_eq(tb_start(&b), HP_OK);
  ck_assert_int_eq(tb_result(&b, "eval", ENGINE_RES_PASS), HP_OK);
  ck_assert_str_eq(ast(&b, "gate"), "scheduled");
  b.acts[tb_find(&b, "gate")].window_closed = 0;
  ck_assert_int_eq(tb_event(&b, ENGINE_EV_WAKE, NULL, 0, ENGINE_RES_NONE), HP_OK);
  ck_assert_str_eq(ast(&b, "gate"), "completed");
  ck_assert_str_eq(rst(&b), "completed");
  tb_free(&b);
}
END_TEST

START_TEST(t37_complete_illegal){
  struct tb b;
  tb_init(&b, 0);
  tb_phase(&b, "p");
  tb_act(&b, 0, "A", ENGINE_AUTOMATED, NULL);
  tb_act(&b, 0, "gate", ENGINE_APPROVAL, "A", NULL);
  tb_act(&b, 0, "task", ENGINE_MANUAL, NULL);
  ck_assert_int_eq(tb_start(&b), HP_OK);
  ck_assert_int_eq(tb_complete(&b, "A", 1, ENGINE_RES_APPROVED), HP_CONFLICT);        /* automated */
  ck_assert_int_eq(tb_complete(&b, "gate", 1, ENGINE_RES_APPROVED), HP_CONFLICT);     /* blocked, not on_hold */
  ck_assert_int_eq(tb_complete(&b, "task", 2, ENGINE_RES_PROCEEDED), HP_CONFLICT);    /* wrong round */
  ck_assert_int_eq(tb_complete(&b, "task", 1, ENGINE_RES_APPROVED), HP_UNPROCESSABLE); /* not for a task */
  ck_assert_int_eq(tb_complete(&b, "task", 1, ENGINE_RES_PASS), HP_UNPROCESSABLE);
  ck_assert_int_eq(tb_result(&b, "A", ENGINE_RES_PASS), HP_OK);
  ck_assert_int_eq(tb_complete(&b, "gate", 1, ENGINE_RES_PROCEEDED), HP_UNPROCESSABLE); /* not for an approval */
  ck_assert_int_eq(tb_complete(&b, "gate", 1, ENGINE_RES_NONE), HP_UNPROCESSABLE);
  ck_assert_int_eq(tb_complete(&b, "gate", 1, ENGINE_RES_APPROVED), HP_OK);
  ck_assert_int_eq(tb_complete(&b, "gate", 1, ENGINE_RES_APPROVED), HP_CONFLICT);     /* twice */
  tb_free(&b);
}
END_TEST

START_TEST(t38_start_twice_and_bad_index){
  struct tb b;
  tb_init(&b, 0);
  tb_phase(&b, "p");
  tb_act(&b, 0, "A", ENGINE_AUTOMATED, NULL);
  ck_assert_int_eq(tb_start(&b), HP_OK);
  ck_assert_int_eq(tb_start(&b), HP_CONFLICT);
  struct engine_event ev = { ENGINE_EV_RESULT, 7, 0, ENGINE_RES_PASS };
  engine_plan_free(&b.plan);
  ck_assert_int_eq(engine_plan(&b.s, &ev, &b.plan), HP_NOT_FOUND);
  ev.act = -1;
  ck_assert_int_eq(engine_plan(&b.s, &ev, &b.plan), HP_NOT_FOUND);
  tb_free(&b);
}
END_TEST

START_TEST(t39_names_round_trip){
  for(int k=0; k<=ENGINE_MANUAL; k++) ck_assert_int_eq(engine_kind_parse(engine_kind_name(k)), k);
  for(int k=0; k<=ENGINE_REL_ABORTED; k++) ck_assert_int_eq(engine_release_status_parse(engine_release_status_name(k)), k);
  for(int k=0; k<=ENGINE_PH_ABORTED; k++) ck_assert_int_eq(engine_phase_status_parse(engine_phase_status_name(k)), k);
  for(int k=0; k<=ENGINE_ACT_SCHEDULED; k++) ck_assert_int_eq(engine_act_status_parse(engine_act_status_name(k)), k);
  for(int k=1; k<=ENGINE_RES_EXPIRED; k++) ck_assert_int_eq(engine_result_parse(engine_result_name(k)), k);
  ck_assert_ptr_null(engine_result_name(ENGINE_RES_NONE));
  ck_assert_int_eq(engine_result_parse(NULL), ENGINE_RES_NONE);
  ck_assert_int_eq(engine_result_parse("passed"), -1);
  ck_assert_int_eq(engine_act_status_parse("On_Hold"), -1);
  ck_assert_str_eq(engine_phase_status_name(ENGINE_PH_WAITING), "waiting_for_approval");
}
END_TEST

/* ================================================================ through the database */

struct env {
  char dir[256];
  struct app app;
  struct audit_ctx ctx;
};

static int64_t sql_id(struct db *db, const char *sql, const char *z){
  struct db_stmt *st = db_prepare(db, sql);
  ck_assert_ptr_nonnull(st);
  if( z ) db_bind_text(st, ":z", z);
  int64_t v = -1;
  if( db_step(st)==DB_ROW ) v = db_col_int64(st, 0);
  db_finish(st);
  return v;
}

static void add_user(struct env *e, const char *name, const char *role, const char *team){
  char sql[600];
  snprintf(sql, sizeof(sql), "INSERT INTO users(username,display_name,email,password_hash,created_at)"
           " VALUES('%s','%s','%s@example.com','x',0)", name, name, name);
  ck_assert_int_eq(db_exec(e->app.db, sql), 0);
  if( role ){
    snprintf(sql, sizeof(sql), "INSERT INTO user_roles(user_id,role) SELECT id,'%s' FROM users WHERE username='%s'", role, name);
    ck_assert_int_eq(db_exec(e->app.db, sql), 0);
  }
  if( team ){
    snprintf(sql, sizeof(sql), "INSERT OR IGNORE INTO teams(name,created_at) VALUES('%s',0)", team);
    ck_assert_int_eq(db_exec(e->app.db, sql), 0);
    snprintf(sql, sizeof(sql), "INSERT INTO team_members(team_id,user_id) SELECT t.id,u.id FROM teams t, users u"
             " WHERE t.name='%s' AND u.username='%s'", team, name);
    ck_assert_int_eq(db_exec(e->app.db, sql), 0);
  }
}

/* A fresh data directory with keys/, a migrated database and a small directory of people. */
static void env_open(struct env *e){
  memset(e, 0, sizeof(*e));
  snprintf(e->dir, sizeof(e->dir), "/tmp/check_engine_XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(e->dir));
  snprintf(e->app.cfg.data_dir, sizeof(e->app.cfg.data_dir), "%s", e->dir);
  char p[400];
  snprintf(p, sizeof(p), "%s/keys", e->dir);
  ck_assert_int_eq(mkdir(p, 0700), 0);
  ck_assert_int_eq(audit_load_key(&e->app, 1), 0);
  snprintf(p, sizeof(p), "%s/holdpoint.db", e->dir);
  ck_assert_int_eq(db_open(p, &e->app.db), 0);
  const char *root = getenv("HOLDPOINT_ROOT");
  snprintf(p, sizeof(p), "%s/sql", root && *root ? root : ".");
  ck_assert_int_eq(db_migrate(e->app.db, p, 0), 0);
  add_user(e, "alice", "release_manager", NULL);
  add_user(e, "bob", "qa", "qa");
  add_user(e, "carol", "approver", "sre");
  add_user(e, "dave", "approver", "product");
  add_user(e, "dora", "approver", "product");
  add_user(e, "zed", "approver", "product");
  ck_assert_int_eq(db_exec(e->app.db, "UPDATE users SET disabled=1 WHERE username='zed'"), 0);
  ck_assert_int_eq(db_exec(e->app.db, "INSERT INTO teams(name,created_at) VALUES('ghosts',0)"), 0);
  add_user(e, "casper", NULL, "ghosts");
  ck_assert_int_eq(db_exec(e->app.db, "UPDATE users SET disabled=1 WHERE username='casper'"), 0);
  e->ctx.actor_id = sql_id(e->app.db, "SELECT id FROM users WHERE username='alice'", NULL);
  e->ctx.actor_name = "alice";
  e->ctx.request_id = "test";
}

static void env_close(struct env *e){
  char cmd[400];
  db_close(e->app.db);
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
  ck_assert_int_eq(system(cmd), 0);
}

static const char GATE_YAML[] =
  "apiVersion: holdpoint/v1\n"
  "kind: ReleaseTemplate\n"
  "name: gate\n"
  "description: A test gate.\n"
  "variables: [image]\n"
  "on_reject: fail_phase\n"
  "phases:\n"
  "  - name: qa\n"
  "    activities:\n"
  "      - name: deploy-qa\n"
  "        type: automated\n"
  "      - name: qa-signoff\n"
  "        type: approval\n"
  "        depends_on: [deploy-qa]\n"
  "        approvers: {rules: [{team: qa, min: 1}]}\n"
  "        fields:\n"
  "          - {key: risk, label: Risk, type: select, options: [low, high], required: true}\n"
  "  - name: production\n"
  "    activities:\n"
  "      - name: evaluation\n"
  "        type: automated\n"
  "      - name: production-approval\n"
  "        type: approval\n"
  "        depends_on: [evaluation]\n"
  "        when: {pass: automatic, warning: manual}\n"
  "        approvers:\n"
  "          rules: [{team: sre, min: 1}, {team: product, min: majority}, {user: carol}]\n"
  "        deadline: 24h\n"
  "        reminders: [4h]\n"
  "        on_timeout: {action: escalate, to: {team: qa}}\n"
  "        signature: {required: true, meaning: Approved for production}\n"
  "      - name: db-migration\n"
  "        type: manual\n"
  "        depends_on: [production-approval]\n"
  "        responsible: {team: sre}\n";

static int64_t import(struct env *e, const char *yaml, char *err, size_t nerr, int *rc){
  int64_t id = 0;
  *rc = engine_template_import(&e->app, &e->ctx, yaml, strlen(yaml), 0, &id, NULL, err, nerr);
  return id;
}

static int64_t create(struct env *e, const char *tpl, int nvars, const char *const *keys,
                      const char *const *vals, char *err, size_t nerr, int *rc){
  struct engine_new_release nr = { tpl, "checkout-service", "2.4.0", "registry.example/checkout:2.4.0",
                                   keys, vals, nvars, e->ctx.actor_id, NULL, NULL };
  int64_t id = 0;
  *rc = engine_release_create(&e->app, &e->ctx, &nr, &id, err, nerr);
  return id;
}

static int64_t act_id(struct env *e, int64_t rel, const char *name){
  char sql[300];
  snprintf(sql, sizeof(sql), "SELECT id FROM activities WHERE release_id=%lld AND name=:z", (long long)rel);
  return sql_id(e->app.db, sql, name);
}

/* The status text of a row, through a query with :z bound (activity name) or none. */
static const char *col(struct env *e, const char *sql, const char *z){
  static char out[8][200];
  static int turn;
  char *o = out[turn++ % 8];
  struct db_stmt *st = db_prepare(e->app.db, sql);
  ck_assert_ptr_nonnull(st);
  if( z ) db_bind_text(st, ":z", z);
  snprintf(o, 200, "%s", db_step(st)==DB_ROW ? db_col_text(st, 0) : "(no row)");
  db_finish(st);
  return o;
}

static const char *act_status(struct env *e, int64_t rel, const char *name){
  char sql[300];
  snprintf(sql, sizeof(sql), "SELECT status FROM activities WHERE release_id=%lld AND name=:z", (long long)rel);
  return col(e, sql, name);
}

static const char *rel_status(struct env *e, int64_t rel){
  char sql[200];
  snprintf(sql, sizeof(sql), "SELECT status FROM releases WHERE id=%lld", (long long)rel);
  return col(e, sql, NULL);
}

static const char *phase_status(struct env *e, int64_t rel, const char *name){
  char sql[300];
  snprintf(sql, sizeof(sql), "SELECT status FROM phases WHERE release_id=%lld AND name=:z", (long long)rel);
  return col(e, sql, name);
}

static int64_t count(struct env *e, const char *sql){
  return sql_id(e->app.db, sql, NULL);
}

START_TEST(t50_db_template_import){
  struct env e;
  char err[4096];
  int rc;
  env_open(&e);
  int64_t t1 = import(&e, GATE_YAML, err, sizeof(err), &rc);
  ck_assert_msg(rc==HP_OK, "import: %d %s", rc, err);
  ck_assert_int_gt(t1, 0);
  /* the same text again: no new version, the latest one's id, and it says so */
  int unchanged = 0;
  int64_t same = 0;
  rc = engine_template_import(&e.app, &e.ctx, GATE_YAML, strlen(GATE_YAML), 0, &same, &unchanged, err, sizeof(err));
  ck_assert_int_eq(rc, HP_OK);
  ck_assert_int_eq(unchanged, 1);
  ck_assert_int_eq(same, t1);
  ck_assert_int_eq(count(&e, "SELECT max(version) FROM templates WHERE name='gate'"), 1);
  ck_assert_int_eq(count(&e, "SELECT count(*) FROM audit_log WHERE action='template.import'"), 1);
  /* a changed text is the next version */
  char *changed = malloc(strlen(GATE_YAML) + 32);
  strcpy(changed, GATE_YAML);
  strcat(changed, "# a comment changes the text\n");
  int64_t t2 = import(&e, changed, err, sizeof(err), &rc);
  free(changed);
  ck_assert_int_eq(rc, HP_OK);
  ck_assert_int_eq(count(&e, "SELECT max(version) FROM templates WHERE name='gate'"), 2);
  ck_assert_int_gt(t2, t1);
  ck_assert_str_eq(col(&e, "SELECT description FROM templates WHERE version=2", NULL), "A test gate.");
  ck_assert_int_eq(count(&e, "SELECT count(*) FROM audit_log WHERE action='template.import'"), 2);

  /* unknown team: refused, the message names the line */
  char *bad = strdup(GATE_YAML);
  char *p = strstr(bad, "{team: sre, min: 1}");
  memcpy(p, "{team: srx, min: 1}", 19);
  import(&e, bad, err, sizeof(err), &rc);
  ck_assert_int_eq(rc, HP_UNPROCESSABLE);
  ck_assert_msg(strstr(err, "line 27:") && strstr(err, "srx"), "message: %s", err);
  free(bad);

  /* impossible quorum: the team's only member is disabled */
  const char *ghost =
    "apiVersion: holdpoint/v1\nkind: ReleaseTemplate\nname: ghost\nphases:\n"
    "  - name: p\n    activities:\n      - name: a\n        type: approval\n"
    "        approvers: {rules: [{team: ghosts, min: 1}]}\n";
  import(&e, ghost, err, sizeof(err), &rc);
  ck_assert_int_eq(rc, HP_UNPROCESSABLE);
  ck_assert_msg(strstr(err, "line 9") && strstr(err, "no active members"), "message: %s", err);
  /* product has 3 people but one is disabled: min 3 is impossible */
  const char *three =
    "apiVersion: holdpoint/v1\nkind: ReleaseTemplate\nname: three\nphases:\n"
    "  - name: p\n    activities:\n      - name: a\n        type: approval\n"
    "        approvers: {rules: [{team: product, min: 3}]}\n";
  import(&e, three, err, sizeof(err), &rc);
  ck_assert_int_eq(rc, HP_UNPROCESSABLE);
  ck_assert_msg(strstr(err, "impossible quorum"), "message: %s", err);
  import(&e, "name: [", err, sizeof(err), &rc);
  ck_assert_int_eq(rc, HP_UNPROCESSABLE);
  ck_assert_msg(strstr(err, "line 1"), "message: %s", err);
  ck_assert_int_eq(count(&e, "SELECT count(*) FROM templates"), 2);
  env_close(&e);
}
END_TEST

START_TEST(t51_db_create_validation){
  struct env e;
  char err[1024];
  int rc;
  env_open(&e);
  import(&e, GATE_YAML, err, sizeof(err), &rc);
  ck_assert_int_eq(rc, HP_OK);
  create(&e, "gate", 0, NULL, NULL, err, sizeof(err), &rc);
  ck_assert_int_eq(rc, HP_UNPROCESSABLE);
  ck_assert_msg(strstr(err, "variables.image"), "message: %s", err);
  const char *k2[] = { "image", "colour" }, *v2[] = { "x", "blue" };
  create(&e, "gate", 2, k2, v2, err, sizeof(err), &rc);
  ck_assert_int_eq(rc, HP_UNPROCESSABLE);
  ck_assert_msg(strstr(err, "variables.colour"), "message: %s", err);
  const char *k1[] = { "image" }, *v1[] = { "x" };
  create(&e, "nope", 1, k1, v1, err, sizeof(err), &rc);
  ck_assert_int_eq(rc, HP_UNPROCESSABLE);
  ck_assert_msg(strncmp(err, "template:", 9)==0, "message: %s", err);
  const char *bv[] = { "a\001b" };
  create(&e, "gate", 1, k1, bv, err, sizeof(err), &rc);
  ck_assert_int_eq(rc, HP_UNPROCESSABLE);
  ck_assert_int_eq(count(&e, "SELECT count(*) FROM releases"), 0);
  ck_assert_int_eq(count(&e, "SELECT count(*) FROM activities"), 0);
  env_close(&e);
}
END_TEST

START_TEST(t52_db_full_flow){
  struct env e;
  char err[1024], msg[300];
  int rc;
  env_open(&e);
  import(&e, GATE_YAML, err, sizeof(err), &rc);
  ck_assert_int_eq(rc, HP_OK);
  const char *k[] = { "image" }, *v[] = { "registry.example/checkout:2.4.0" };
  int64_t rel = create(&e, "gate", 1, k, v, err, sizeof(err), &rc);
  ck_assert_msg(rc==HP_OK, "create: %s", err);

  /* rows instantiated from the template */
  ck_assert_int_eq(count(&e, "SELECT count(*) FROM phases"), 2);
  ck_assert_int_eq(count(&e, "SELECT count(*) FROM activities"), 5);
  ck_assert_int_eq(count(&e, "SELECT count(*) FROM activity_deps"), 3);
  ck_assert_int_eq(count(&e, "SELECT count(*) FROM fields"), 1);
  ck_assert_str_eq(col(&e, "SELECT value FROM release_vars WHERE key='image'", NULL), v[0]);
  ck_assert_str_eq(col(&e, "SELECT on_reject FROM releases", NULL), "fail_phase");
  ck_assert_str_eq(col(&e, "SELECT when_pass||'/'||when_warning FROM activities WHERE name='production-approval'", NULL), "automatic/manual");
  ck_assert_str_eq(col(&e, "SELECT on_timeout_json FROM activities WHERE name='production-approval'", NULL),
                   "{\"action\":\"escalate\",\"kind\":\"team\",\"name\":\"qa\"}");
  ck_assert_str_eq(col(&e, "SELECT reminders_json FROM activities WHERE name='production-approval'", NULL), "[14400]");
  ck_assert_int_eq(count(&e, "SELECT deadline_s FROM activities WHERE name='production-approval'"), 86400);
  ck_assert_int_eq(count(&e, "SELECT signature_required FROM activities WHERE name='production-approval'"), 1);
  ck_assert_str_eq(col(&e, "SELECT responsible_kind||':'||responsible_name FROM activities WHERE name='db-migration'", NULL), "team:sre");

  /* started: deploy-qa running, qa-signoff blocked */
  ck_assert_str_eq(rel_status(&e, rel), "running");
  ck_assert_str_eq(phase_status(&e, rel, "qa"), "running");
  ck_assert_str_eq(phase_status(&e, rel, "production"), "pending");
  ck_assert_str_eq(act_status(&e, rel, "deploy-qa"), "running");
  ck_assert_str_eq(act_status(&e, rel, "qa-signoff"), "blocked");
  ck_assert_int_eq(count(&e, "SELECT count(*) FROM audit_log WHERE action='release.create' AND release_id=1"), 1);
  ck_assert_int_eq(count(&e, "SELECT count(*) FROM audit_log WHERE action='activity.activate'"), 1);

  /* results: validation and state checks */
  int64_t deploy = act_id(&e, rel, "deploy-qa"), signoff = act_id(&e, rel, "qa-signoff");
  ck_assert_int_eq(engine_result(&e.app, &e.ctx, deploy, "passed", NULL, err, sizeof(err)), HP_UNPROCESSABLE);
  ck_assert_int_eq(engine_result(&e.app, &e.ctx, deploy, "pass", "{bad", err, sizeof(err)), HP_UNPROCESSABLE);
  ck_assert_int_eq(engine_result(&e.app, &e.ctx, 99999, "pass", NULL, err, sizeof(err)), HP_NOT_FOUND);
  ck_assert_int_eq(engine_result(&e.app, &e.ctx, signoff, "pass", NULL, err, sizeof(err)), HP_CONFLICT);
  ck_assert_int_eq(engine_result(&e.app, &e.ctx, deploy, "pass", "{\"tests\":120}", err, sizeof(err)), HP_OK);
  ck_assert_str_eq(col(&e, "SELECT result||' '||result_details FROM activities WHERE name='deploy-qa'", NULL), "pass {\"tests\":120}");
  int64_t audits = count(&e, "SELECT count(*) FROM audit_log");
  ck_assert_int_eq(engine_result(&e.app, &e.ctx, deploy, "pass", NULL, err, sizeof(err)), HP_CONFLICT);
  ck_assert_int_eq(count(&e, "SELECT count(*) FROM audit_log"), audits);   /* nothing written */

  /* the sign-off waits for the qa team: bob is eligible for round 1 */
  ck_assert_str_eq(act_status(&e, rel, "qa-signoff"), "on_hold");
  ck_assert_str_eq(phase_status(&e, rel, "qa"), "waiting_for_approval");
  ck_assert_str_eq(rel_status(&e, rel), "on_hold");
  ck_assert_str_eq(col(&e, "SELECT group_concat(u.username) FROM eligible e JOIN users u ON u.id=e.user_id"
                           " WHERE e.round=1 AND e.activity_id=(SELECT id FROM activities WHERE name='qa-signoff')", NULL), "bob");
  ck_assert_int_gt(count(&e, "SELECT activated_at FROM activities WHERE name='qa-signoff'"), 0);

  /* a decision of the wrong round, or a wrong outcome, changes nothing */
  ck_assert_int_eq(engine_complete(&e.app, &e.ctx, signoff, 2, "approved", ""), HP_CONFLICT);
  ck_assert_int_eq(engine_complete(&e.app, &e.ctx, signoff, 1, "proceeded", ""), HP_UNPROCESSABLE);
  ck_assert_int_eq(engine_complete(&e.app, &e.ctx, signoff, 1, "bogus", ""), HP_UNPROCESSABLE);
  ck_assert_int_eq(engine_complete(&e.app, &e.ctx, 99999, 1, "approved", ""), HP_NOT_FOUND);

  /* inside the caller's transaction; rolled back, nothing happened */
  ck_assert_int_eq(db_begin_write(e.app.db), 0);
  ck_assert_int_eq(engine_complete_in_tx(&e.app, &e.ctx, signoff, 1, "approved", "ok"), HP_OK);
  ck_assert_str_eq(act_status(&e, rel, "qa-signoff"), "completed");
  db_rollback(e.app.db);
  ck_assert_str_eq(act_status(&e, rel, "qa-signoff"), "on_hold");

  /* reject (fail_phase): the release waits for a retry */
  ck_assert_int_eq(engine_complete(&e.app, &e.ctx, signoff, 1, "rejected", "Safari tests fail"), HP_OK);
  ck_assert_str_eq(act_status(&e, rel, "qa-signoff"), "rejected");
  ck_assert_str_eq(phase_status(&e, rel, "qa"), "failed");
  ck_assert_str_eq(rel_status(&e, rel), "on_hold");
  ck_assert_str_eq(col(&e, "SELECT value FROM outputs WHERE key='notes'", NULL), "Safari tests fail");

  /* retry: round 2 with a fresh snapshot; outputs of round 1 gone */
  ck_assert_int_eq(engine_retry(&e.app, &e.ctx, rel, deploy, err, sizeof(err)), HP_CONFLICT);
  ck_assert_int_eq(engine_retry(&e.app, &e.ctx, rel + 1, signoff, err, sizeof(err)), HP_NOT_FOUND);
  ck_assert_int_eq(engine_retry(&e.app, &e.ctx, rel, signoff, err, sizeof(err)), HP_OK);
  ck_assert_str_eq(act_status(&e, rel, "qa-signoff"), "on_hold");
  ck_assert_int_eq(count(&e, "SELECT round FROM activities WHERE name='qa-signoff'"), 2);
  ck_assert_int_eq(count(&e, "SELECT count(*) FROM eligible WHERE round=2"), 1);
  ck_assert_int_eq(count(&e, "SELECT count(*) FROM outputs"), 0);
  ck_assert_str_eq(phase_status(&e, rel, "qa"), "waiting_for_approval");
  ck_assert_int_eq(engine_complete(&e.app, &e.ctx, signoff, 2, "approved", ""), HP_OK);
  ck_assert_str_eq(col(&e, "SELECT value FROM outputs WHERE key='decision'", NULL), "approved");

  /* production: evaluation warning -> manual approval with three rules */
  ck_assert_str_eq(phase_status(&e, rel, "qa"), "completed");
  ck_assert_str_eq(phase_status(&e, rel, "production"), "running");
  ck_assert_str_eq(rel_status(&e, rel), "running");
  int64_t eval = act_id(&e, rel, "evaluation"), prod = act_id(&e, rel, "production-approval");
  ck_assert_int_eq(engine_result(&e.app, &e.ctx, eval, "warning", NULL, err, sizeof(err)), HP_OK);
  ck_assert_str_eq(act_status(&e, rel, "production-approval"), "on_hold");
  ck_assert_str_eq(act_status(&e, rel, "db-migration"), "blocked");
  ck_assert_str_eq(col(&e, "SELECT group_concat(rule_index||':'||u.username, ' ') FROM (SELECT * FROM eligible"
                           " ORDER BY rule_index, user_id) e JOIN users u ON u.id=e.user_id"
                           " WHERE e.activity_id=(SELECT id FROM activities WHERE name='production-approval')", NULL),
                   "0:carol 1:dave 1:dora 2:carol");        /* zed is disabled */
  ck_assert_int_eq(count(&e, "SELECT deadline_at - activated_at FROM activities WHERE name='production-approval'"), 86400000);
  ck_assert_int_eq(engine_complete(&e.app, &e.ctx, prod, 1, "approved", ""), HP_OK);
  ck_assert_str_eq(act_status(&e, rel, "db-migration"), "on_hold");
  ck_assert_int_eq(count(&e, "SELECT count(*) FROM eligible WHERE activity_id=(SELECT id FROM activities WHERE name='db-migration')"), 0);

  /* abort: everything unfinished stops */
  ck_assert_int_eq(engine_abort(&e.app, &e.ctx, rel, "Customer freeze", err, sizeof(err)), HP_OK);
  ck_assert_str_eq(rel_status(&e, rel), "aborted");
  ck_assert_str_eq(act_status(&e, rel, "db-migration"), "aborted");
  ck_assert_str_eq(act_status(&e, rel, "production-approval"), "completed");
  ck_assert_str_eq(phase_status(&e, rel, "production"), "aborted");
  ck_assert_int_gt(count(&e, "SELECT finished_at FROM releases"), 0);
  ck_assert_int_eq(engine_abort(&e.app, &e.ctx, rel, NULL, err, sizeof(err)), HP_CONFLICT);
  ck_assert_int_eq(engine_retry(&e.app, &e.ctx, rel, signoff, err, sizeof(err)), HP_CONFLICT);
  ck_assert_int_eq(engine_abort(&e.app, &e.ctx, 4242, NULL, err, sizeof(err)), HP_NOT_FOUND);
  ck_assert_str_eq(col(&e, "SELECT json_extract(details_json,'$.reason') FROM audit_log WHERE action='release.abort'", NULL),
                   "Customer freeze");

  /* every record carries the release, and the chain verifies */
  ck_assert_int_eq(count(&e, "SELECT count(*) FROM audit_log WHERE action LIKE 'activity.%' AND release_id<>1"), 0);
  ck_assert_int_eq(audit_verify(&e.app, NULL, msg, sizeof(msg)), 0);
  env_close(&e);
}
END_TEST

START_TEST(t53_db_conditional_automatic_and_fail){
  struct env e;
  char err[1024];
  int rc;
  env_open(&e);
  import(&e, GATE_YAML, err, sizeof(err), &rc);
  ck_assert_int_eq(rc, HP_OK);
  const char *k[] = { "image" }, *v[] = { "x" };
  for(int round=0; round<2; round++){
    int64_t rel = create(&e, "gate", 1, k, v, err, sizeof(err), &rc);
    ck_assert_int_eq(rc, HP_OK);
    ck_assert_int_eq(engine_result(&e.app, &e.ctx, act_id(&e, rel, "deploy-qa"), "pass", NULL, err, sizeof(err)), HP_OK);
    ck_assert_int_eq(engine_complete(&e.app, &e.ctx, act_id(&e, rel, "qa-signoff"), 1, "approved", ""), HP_OK);
    int64_t eval = act_id(&e, rel, "evaluation");
    if( round==0 ){
      ck_assert_int_eq(engine_result(&e.app, &e.ctx, eval, "pass", NULL, err, sizeof(err)), HP_OK);
      ck_assert_str_eq(act_status(&e, rel, "production-approval"), "completed");
      ck_assert_str_eq(col(&e, "SELECT result||' '||json_extract(result_details,'$.because') FROM activities"
                               " WHERE name='production-approval' AND release_id=1", NULL), "approved evaluation");
      ck_assert_str_eq(col(&e, "SELECT actor_name||' '||actor_id FROM audit_log WHERE action='activity.complete'"
                               " AND json_extract(details_json,'$.activity')='production-approval'", NULL),
                       "holdpoint (automatic) 0");
      ck_assert_int_eq(count(&e, "SELECT count(*) FROM eligible e JOIN activities a ON a.id=e.activity_id"
                                 " WHERE a.name='production-approval'"), 0);
      ck_assert_str_eq(act_status(&e, rel, "db-migration"), "on_hold");
    }else{
      ck_assert_int_eq(engine_result(&e.app, &e.ctx, eval, "fail", "{\"slo\":\"latency\"}", err, sizeof(err)), HP_OK);
      ck_assert_str_eq(act_status(&e, rel, "evaluation"), "failed");
      ck_assert_str_eq(act_status(&e, rel, "production-approval"), "rejected");
      ck_assert_str_eq(act_status(&e, rel, "db-migration"), "blocked");
      ck_assert_str_eq(phase_status(&e, rel, "production"), "failed");
      ck_assert_str_eq(rel_status(&e, rel), "on_hold");        /* fail_phase */
      ck_assert_int_eq(engine_retry(&e.app, &e.ctx, rel, eval, err, sizeof(err)), HP_OK);
      ck_assert_str_eq(act_status(&e, rel, "evaluation"), "running");
      ck_assert_str_eq(act_status(&e, rel, "production-approval"), "blocked");
      ck_assert_str_eq(rel_status(&e, rel), "running");
      ck_assert_int_eq(engine_result(&e.app, &e.ctx, eval, "pass", NULL, err, sizeof(err)), HP_OK);
      ck_assert_str_eq(act_status(&e, rel, "production-approval"), "completed");
    }
  }
  env_close(&e);
}
END_TEST

/* ================================================================ the suite */

static Suite *engine_suite(void){
  Suite *s = suite_create("engine");
  TCase *tc = tcase_create("plan");
  tcase_add_test(tc, t01_start_single_automated);
  tcase_add_test(tc, t02_chain_a_b_c);
  tcase_add_test(tc, t03_diamond);
  tcase_add_test(tc, t04_phase_ordering);
  tcase_add_test(tc, t05_automated_fail_fail_release);
  tcase_add_test(tc, t06_automated_fail_fail_phase);
  tcase_add_test(tc, t07_approval_on_hold_then_approved);
  tcase_add_test(tc, t08_conditional_pass_automatic);
  tcase_add_test(tc, t09_conditional_warning_manual);
  tcase_add_test(tc, t10_conditional_warning_automatic);
  tcase_add_test(tc, t11_conditional_pass_manual);
  tcase_add_test(tc, t12_conditional_fail_rejects);
  tcase_add_test(tc, t13_conditional_worst_of_several);
  tcase_add_test(tc, t14_manual_proceed_and_abort);
  tcase_add_test(tc, t15_reject_fail_release);
  tcase_add_test(tc, t16_reject_fail_phase);
  tcase_add_test(tc, t17_retry_approval_round_2);
  tcase_add_test(tc, t18_retry_automated_and_cascade);
  tcase_add_test(tc, t19_retry_approval_while_dependency_failed);
  tcase_add_test(tc, t20_abort);
  tcase_add_test(tc, t21_independent_activities_and_both_on_hold);
  tcase_add_test(tc, t22_expired);
  tcase_add_test(tc, t30_result_for_non_automated);
  tcase_add_test(tc, t31_result_for_activity_not_running);
  tcase_add_test(tc, t32_result_bad_value);
  tcase_add_test(tc, t33_result_in_failed_release);
  tcase_add_test(tc, t34_retry_of_unfinished_or_completed);
  tcase_add_test(tc, t35_retry_in_finished_release);
  tcase_add_test(tc, t36_abort_finished_release);
  tcase_add_test(tc, t23_new_build_starts_again);
  tcase_add_test(tc, t24_change_window_schedules);
  tcase_add_test(tc, t37_complete_illegal);
  tcase_add_test(tc, t38_start_twice_and_bad_index);
  tcase_add_test(tc, t39_names_round_trip);
  suite_add_tcase(s, tc);
  TCase *db = tcase_create("db");
  tcase_set_timeout(db, 60);
  tcase_add_test(db, t50_db_template_import);
  tcase_add_test(db, t51_db_create_validation);
  tcase_add_test(db, t52_db_full_flow);
  tcase_add_test(db, t53_db_conditional_automatic_and_fail);
  suite_add_tcase(s, db);
  return s;
}

int main(void){
  SRunner *sr = srunner_create(engine_suite());
  int failed;
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed==0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* engine.c — the release state machine: a pure planner over a snapshot, and the one transaction that applies it. */
#include "engine.h"
#include "digest.h"
#include "util.h"
#include "app.h"
#include "db.h"
#include "audit.h"
#include "arena.h"
#include "rtemplate.h"
#include "users.h"
#include "log.h"
#include "notify.h"     /* notifications inside the engine's transaction */
#include "mayact.h"
#include "windows.h"
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ================================================================ names */

static const char *const KIND_NAMES[] = { "automated", "approval", "manual" };
static const char *const REL_NAMES[] = { "running", "on_hold", "completed", "failed", "aborted" };
static const char *const PH_NAMES[] = {
  "pending", "running", "waiting_for_approval", "completed", "failed", "aborted" };
static const char *const ACT_NAMES[] = {
  "pending", "blocked", "running", "on_hold", "completed", "rejected", "failed", "skipped", "aborted",
  "scheduled" };
static const char *const RES_NAMES[] = {
  NULL, "pass", "warning", "fail", "approved", "rejected", "proceeded", "aborted", "expired" };

static const char *name_of(const char *const *names, size_t n, int v){
  return v>=0 && (size_t)v<n && names[v] ? names[v] : "?";
}

static int parse_of(const char *const *names, size_t n, const char *z){
  if( z==NULL ) return -1;
  for(size_t i=0; i<n; i++) if( names[i] && strcmp(names[i], z)==0 ) return (int)i;
  return -1;
}

const char *engine_kind_name(enum engine_kind k){ return name_of(KIND_NAMES, HP_ARRAY_SIZE(KIND_NAMES), (int)k); }
const char *engine_release_status_name(enum engine_release_status s){ return name_of(REL_NAMES, HP_ARRAY_SIZE(REL_NAMES), (int)s); }
const char *engine_phase_status_name(enum engine_phase_status s){ return name_of(PH_NAMES, HP_ARRAY_SIZE(PH_NAMES), (int)s); }
const char *engine_act_status_name(enum engine_act_status s){ return name_of(ACT_NAMES, HP_ARRAY_SIZE(ACT_NAMES), (int)s); }
const char *engine_result_name(enum engine_result r){
  return r==ENGINE_RES_NONE ? NULL : name_of(RES_NAMES, HP_ARRAY_SIZE(RES_NAMES), (int)r);
}
int engine_kind_parse(const char *z){ return parse_of(KIND_NAMES, HP_ARRAY_SIZE(KIND_NAMES), z); }
int engine_release_status_parse(const char *z){ return parse_of(REL_NAMES, HP_ARRAY_SIZE(REL_NAMES), z); }
int engine_phase_status_parse(const char *z){ return parse_of(PH_NAMES, HP_ARRAY_SIZE(PH_NAMES), z); }
int engine_act_status_parse(const char *z){ return parse_of(ACT_NAMES, HP_ARRAY_SIZE(ACT_NAMES), z); }
int engine_result_parse(const char *z){
  return z==NULL ? ENGINE_RES_NONE : parse_of(RES_NAMES, HP_ARRAY_SIZE(RES_NAMES), z);
}

/* ================================================================ the pure planner */

/* Planner state: the snapshot being changed, the plan being written. */
struct pctx {
  struct engine_snapshot *s;
  struct engine_plan *p;
  int oom;
};

static int act_done(enum engine_act_status st){
  return st==ENGINE_ACT_COMPLETED || st==ENGINE_ACT_SKIPPED;
}

static int act_bad(enum engine_act_status st){
  return st==ENGINE_ACT_REJECTED || st==ENGINE_ACT_FAILED || st==ENGINE_ACT_ABORTED;
}

static int act_finished(enum engine_act_status st){
  return act_done(st) || act_bad(st);
}

/* Append one change to the plan; out of memory is remembered in x->oom. */
static void push(struct pctx *x, const struct engine_change *c){
  struct engine_plan *p = x->p;
  if( p->n==p->cap ){
    int cap = p->cap ? p->cap*2 : 32;
    struct engine_change *n = realloc(p->ch, (size_t)cap*sizeof(*n));
    if( n==NULL ){ x->oom = 1; return; }
    p->ch = n;
    p->cap = cap;
  }
  p->ch[p->n++] = *c;
}

/* The audit action of an activity change. */
static const char *act_action(int from, int to, unsigned flags){
  if( flags & ENGINE_CF_NEW_BUILD ) return "activity.new_build";
  if( flags & ENGINE_CF_RETRY ) return "activity.retry";
  switch( to ){
    case ENGINE_ACT_RUNNING: return "activity.activate";
    case ENGINE_ACT_ON_HOLD: return "activity.on_hold";
    case ENGINE_ACT_BLOCKED: return "activity.block";
    case ENGINE_ACT_SCHEDULED: return "activity.scheduled";
    case ENGINE_ACT_PENDING: return "activity.unblock";
    case ENGINE_ACT_COMPLETED: return from==ENGINE_ACT_RUNNING ? "activity.result" : "activity.complete";
    case ENGINE_ACT_FAILED: return "activity.result";
    case ENGINE_ACT_REJECTED: return "activity.reject";
    case ENGINE_ACT_SKIPPED: return "activity.skip";
    default: return "activity.abort";
  }
}

static const char *phase_action(int from, int to){
  switch( to ){
    case ENGINE_PH_RUNNING: return from==ENGINE_PH_PENDING ? "phase.start" : "phase.resume";
    case ENGINE_PH_WAITING: return "phase.waiting";
    case ENGINE_PH_COMPLETED: return "phase.complete";
    case ENGINE_PH_FAILED: return "phase.fail";
    case ENGINE_PH_ABORTED: return "phase.abort";
    default: return "phase.reset";
  }
}

static const char *release_action(int to){
  switch( to ){
    case ENGINE_REL_ON_HOLD: return "release.on_hold";
    case ENGINE_REL_RUNNING: return "release.resume";
    case ENGINE_REL_COMPLETED: return "release.complete";
    case ENGINE_REL_FAILED: return "release.fail";
    default: return "release.abort";
  }
}

/*
** Change activity i to status `to`, recording res (FINISH/ACTIVATE) and the
** flags; RETRY also moves it to the next round and clears its result.
*/
static void set_act(struct pctx *x, int i, enum engine_act_status to, enum engine_result res,
                    unsigned flags, int cause){
  struct engine_act *a = &x->s->acts[i];
  struct engine_change c;
  memset(&c, 0, sizeof(c));
  c.target = ENGINE_T_ACTIVITY;
  c.index = i;
  c.from = (int)a->status;
  c.to = (int)to;
  c.result = res;
  c.round_before = a->round;
  c.round = (flags & ENGINE_CF_RETRY) ? a->round + 1 : a->round;
  c.flags = flags;
  c.cause = cause;
  c.action = act_action(c.from, c.to, flags);
  push(x, &c);
  a->status = to;
  a->round = c.round;
  if( flags & ENGINE_CF_RETRY ) a->result = ENGINE_RES_NONE;
  else if( res!=ENGINE_RES_NONE ) a->result = res;
}

static void set_phase(struct pctx *x, int k, enum engine_phase_status to){
  struct engine_phase *ph = &x->s->phases[k];
  struct engine_change c;
  memset(&c, 0, sizeof(c));
  c.target = ENGINE_T_PHASE;
  c.index = k;
  c.from = (int)ph->status;
  c.to = (int)to;
  c.cause = -1;
  if( ph->status==ENGINE_PH_PENDING && to==ENGINE_PH_RUNNING ) c.flags |= ENGINE_CF_START;
  if( to==ENGINE_PH_COMPLETED || to==ENGINE_PH_FAILED || to==ENGINE_PH_ABORTED ) c.flags |= ENGINE_CF_FINISH;
  c.action = phase_action(c.from, c.to);
  push(x, &c);
  ph->status = to;
}

static void set_release(struct pctx *x, enum engine_release_status to){
  struct engine_change c;
  memset(&c, 0, sizeof(c));
  c.target = ENGINE_T_RELEASE;
  c.from = (int)x->s->status;
  c.to = (int)to;
  c.cause = -1;
  if( to==ENGINE_REL_COMPLETED || to==ENGINE_REL_FAILED || to==ENGINE_REL_ABORTED ) c.flags |= ENGINE_CF_FINISH;
  c.action = release_action(c.to);
  push(x, &c);
  x->s->status = to;
}

/* Rank of an automated result for "the worst result": fail > warning > pass. */
static int result_rank(enum engine_result r){
  switch( r ){
    case ENGINE_RES_PASS: return 1;
    case ENGINE_RES_WARNING: return 2;
    case ENGINE_RES_FAIL: return 3;
    default: return 0;
  }
}

/* An approval's direct automated dependency that failed, or -1. */
static int failed_automated_dep(const struct engine_snapshot *s, int i){
  const struct engine_act *a = &s->acts[i];
  if( a->kind!=ENGINE_APPROVAL ) return -1;
  for(int k=0; k<a->ndeps; k++){
    const struct engine_act *d = &s->acts[a->deps[k]];
    if( d->kind==ENGINE_AUTOMATED && d->status==ENGINE_ACT_FAILED ) return a->deps[k];
  }
  return -1;
}

/*
** Where activity i's dependencies stand: 0 all completed (or skipped); 2 one
** of the unfinished ones is running, on_hold, rejected, failed or aborted (i
** is blocked by it); 1 otherwise (some still pending).
*/
static int deps_state(const struct engine_snapshot *s, int i){
  const struct engine_act *a = &s->acts[i];
  int st = 0;
  for(int k=0; k<a->ndeps; k++){
    enum engine_act_status d = s->acts[a->deps[k]].status;
    if( act_done(d) ) continue;
    if( d==ENGINE_ACT_RUNNING || d==ENGINE_ACT_ON_HOLD || d==ENGINE_ACT_SCHEDULED || act_bad(d) ) return 2;
    st = 1;
  }
  return st;
}

/*
** Activate activity i, whose dependencies are complete: automated -> running;
** manual -> on_hold; approval -> on_hold (with an eligibility snapshot), or
** completed at once when the worst result of its automated dependencies is
** one its `when` makes automatic.
*/
static void activate(struct pctx *x, int i){
  const struct engine_snapshot *s = x->s;
  const struct engine_act *a = &s->acts[i];
  if( a->kind==ENGINE_AUTOMATED ){
    set_act(x, i, ENGINE_ACT_RUNNING, ENGINE_RES_NONE, ENGINE_CF_ACTIVATE, -1);
    return;
  }
  if( a->kind==ENGINE_MANUAL ){
    set_act(x, i, ENGINE_ACT_ON_HOLD, ENGINE_RES_NONE, ENGINE_CF_ACTIVATE, -1);
    return;
  }
  int worst = -1;
  for(int k=0; k<a->ndeps; k++){
    const struct engine_act *d = &s->acts[a->deps[k]];
    if( d->kind!=ENGINE_AUTOMATED ) continue;
    if( worst<0 || result_rank(d->result) > result_rank(s->acts[worst].result) ) worst = a->deps[k];
  }
  if( worst>=0 ){
    enum engine_result r = s->acts[worst].result;
    if( (r==ENGINE_RES_PASS && a->when_pass_auto) || (r==ENGINE_RES_WARNING && a->when_warning_auto) ){
      set_act(x, i, ENGINE_ACT_COMPLETED, ENGINE_RES_APPROVED,
              ENGINE_CF_ACTIVATE|ENGINE_CF_AUTOMATIC|ENGINE_CF_FINISH, worst);
      return;
    }
  }
  set_act(x, i, ENGINE_ACT_ON_HOLD, ENGINE_RES_NONE, ENGINE_CF_ACTIVATE|ENGINE_CF_SNAPSHOT, -1);
}

/* The status a started phase has, from its activities. */
static enum engine_phase_status phase_derive(const struct engine_snapshot *s, int k){
  int all_done = 1, bad = 0, hold = 0;
  for(int i=0; i<s->nacts; i++){
    const struct engine_act *a = &s->acts[i];
    if( a->phase!=k ) continue;
    if( !act_done(a->status) ) all_done = 0;
    if( act_bad(a->status) ) bad = 1;
    if( a->status==ENGINE_ACT_ON_HOLD ) hold = 1;
  }
  if( all_done ) return ENGINE_PH_COMPLETED;
  if( bad ) return ENGINE_PH_FAILED;
  if( hold ) return ENGINE_PH_WAITING;
  return ENGINE_PH_RUNNING;
}

/* The status a release that is neither completed nor aborted has, from its phases and activities. */
static enum engine_release_status release_derive(const struct engine_snapshot *s){
  int all_done = 1, failed = 0, hold = 0;
  for(int k=0; k<s->nphases; k++){
    if( s->phases[k].status!=ENGINE_PH_COMPLETED ) all_done = 0;
    if( s->phases[k].status==ENGINE_PH_FAILED ) failed = 1;
  }
  for(int i=0; i<s->nacts; i++) if( s->acts[i].status==ENGINE_ACT_ON_HOLD ) hold = 1;
  if( all_done ) return ENGINE_REL_COMPLETED;
  if( failed ) return s->fail_phase ? ENGINE_REL_ON_HOLD : ENGINE_REL_FAILED;
  if( hold ) return ENGINE_REL_ON_HOLD;
  return ENGINE_REL_RUNNING;
}

/*
** Bring the snapshot to rest after an event: start the next phase when the
** one before is completed, activate, block, unblock or auto-reject the
** activities of started phases, derive each started phase's status, and last
** the release's.  Repeats until nothing changes (bounded).
*/
static void settle(struct pctx *x){
  struct engine_snapshot *s = x->s;
  if( s->status==ENGINE_REL_COMPLETED || s->status==ENGINE_REL_ABORTED ) return;
  int guard = 8 + 4*(s->nacts + s->nphases);
  int changed = 1;
  while( changed && guard-- > 0 && !x->oom ){
    changed = 0;
    for(int k=0; k<s->nphases; k++){
      struct engine_phase *ph = &s->phases[k];
      if( ph->status==ENGINE_PH_ABORTED ) break;
      if( ph->status==ENGINE_PH_PENDING ){
        if( k>0 && s->phases[k-1].status!=ENGINE_PH_COMPLETED ) break;
        set_phase(x, k, ENGINE_PH_RUNNING);
        changed = 1;
      }
      for(int i=0; i<s->nacts; i++){
        struct engine_act *a = &s->acts[i];
        if( a->phase!=k || (a->status!=ENGINE_ACT_PENDING && a->status!=ENGINE_ACT_BLOCKED
                            && a->status!=ENGINE_ACT_SCHEDULED) ) continue;
        int cause = failed_automated_dep(s, i);
        if( cause>=0 ){
          set_act(x, i, ENGINE_ACT_REJECTED, ENGINE_RES_REJECTED, ENGINE_CF_FINISH|ENGINE_CF_AUTOMATIC, cause);
          changed = 1;
          continue;
        }
        int ds = deps_state(s, i);
        if( ds==0 && a->window_closed ){
          if( a->status!=ENGINE_ACT_SCHEDULED ){
            set_act(x, i, ENGINE_ACT_SCHEDULED, ENGINE_RES_NONE, ENGINE_CF_SCHEDULE, -1);
            changed = 1;
          }
        }else if( ds==0 ){
          activate(x, i);
          changed = 1;
        }else{
          enum engine_act_status want = ds==2 ? ENGINE_ACT_BLOCKED : ENGINE_ACT_PENDING;
          if( want!=a->status ){
            set_act(x, i, want, ENGINE_RES_NONE, 0, -1);
            changed = 1;
          }
        }
      }
      enum engine_phase_status want = phase_derive(s, k);
      if( want!=ph->status ){
        set_phase(x, k, want);
        changed = 1;
      }
      if( ph->status!=ENGINE_PH_COMPLETED ) break;
    }
  }
  enum engine_release_status want = release_derive(s);
  if( want!=s->status ) set_release(x, want);
}

/* Refuse an event: nothing has changed yet. */
static int refuse(struct engine_plan *p, int rc, const char *why){
  p->why = why;
  return rc;
}

static int release_accepts_work(const struct engine_snapshot *s){
  return s->status==ENGINE_REL_RUNNING || s->status==ENGINE_REL_ON_HOLD;
}

/* Retry activity i and, through their dependencies, the ones it rejected automatically. */
static void retry(struct pctx *x, int i){
  struct engine_snapshot *s = x->s;
  int *queue = malloc((size_t)(s->nacts>0 ? s->nacts : 1)*sizeof(int));
  if( queue==NULL ){ x->oom = 1; return; }
  int head = 0, tail = 0;
  set_act(x, i, ENGINE_ACT_PENDING, ENGINE_RES_NONE, ENGINE_CF_RETRY, -1);
  queue[tail++] = i;
  while( head<tail ){
    int j = queue[head++];
    for(int k=0; k<s->nacts && tail<s->nacts; k++){
      struct engine_act *a = &s->acts[k];
      if( !act_bad(a->status) ) continue;
      for(int d=0; d<a->ndeps; d++){
        if( a->deps[d]!=j ) continue;
        set_act(x, k, ENGINE_ACT_PENDING, ENGINE_RES_NONE, ENGINE_CF_RETRY|ENGINE_CF_CASCADE, j);
        queue[tail++] = k;
        break;
      }
    }
  }
  free(queue);
}

int engine_plan(struct engine_snapshot *s, const struct engine_event *ev, struct engine_plan *p){
  struct pctx x = { s, p, 0 };
  struct engine_act *a = NULL;
  p->why = NULL;
  if( ev->type==ENGINE_EV_RESULT || ev->type==ENGINE_EV_COMPLETE || ev->type==ENGINE_EV_RETRY ){
    if( ev->act<0 || ev->act>=s->nacts ) return refuse(p, HP_NOT_FOUND, "There is no such activity in this release.");
    a = &s->acts[ev->act];
  }
  switch( ev->type ){
    case ENGINE_EV_START:
      if( s->status!=ENGINE_REL_RUNNING ) return refuse(p, HP_CONFLICT, "The release has already started.");
      for(int k=0; k<s->nphases; k++){
        if( s->phases[k].status!=ENGINE_PH_PENDING ) return refuse(p, HP_CONFLICT, "The release has already started.");
      }
      settle(&x);
      break;
    case ENGINE_EV_RESULT: {
      enum engine_result r = ev->result;
      if( r!=ENGINE_RES_PASS && r!=ENGINE_RES_WARNING && r!=ENGINE_RES_FAIL ){
        return refuse(p, HP_UNPROCESSABLE, "result must be pass, warning or fail.");
      }
      if( !release_accepts_work(s) ){
        return refuse(p, HP_CONFLICT, "The release is not running: it takes no results until it is retried.");
      }
      if( a->kind!=ENGINE_AUTOMATED ){
        return refuse(p, HP_CONFLICT, "Only an automated activity takes a result; this one is decided by people.");
      }
      if( a->status!=ENGINE_ACT_RUNNING ){
        return refuse(p, HP_CONFLICT, "The activity is not waiting for a result (it is not running).");
      }
      if( s->phases[a->phase].status==ENGINE_PH_FAILED ){
        return refuse(p, HP_CONFLICT, "The activity's phase has failed: it takes no results until the failed activity is retried.");
      }
      set_act(&x, ev->act, r==ENGINE_RES_FAIL ? ENGINE_ACT_FAILED : ENGINE_ACT_COMPLETED, r, ENGINE_CF_FINISH, -1);
      settle(&x);
      break;
    }
    case ENGINE_EV_COMPLETE: {
      enum engine_result r = ev->result;
      enum engine_act_status to;
      if( a->kind==ENGINE_AUTOMATED ){
        return refuse(p, HP_CONFLICT, "An automated activity is completed by its result, not by people.");
      }
      if( a->kind==ENGINE_APPROVAL && r!=ENGINE_RES_APPROVED && r!=ENGINE_RES_REJECTED && r!=ENGINE_RES_EXPIRED ){
        return refuse(p, HP_UNPROCESSABLE, "An approval is approved, rejected or expired.");
      }
      if( a->kind==ENGINE_MANUAL && r!=ENGINE_RES_PROCEEDED && r!=ENGINE_RES_ABORTED && r!=ENGINE_RES_EXPIRED ){
        return refuse(p, HP_UNPROCESSABLE, "A manual task is proceeded, aborted or expired.");
      }
      if( !release_accepts_work(s) ){
        return refuse(p, HP_CONFLICT, "The release is not running: it takes no decisions until it is retried.");
      }
      if( a->status!=ENGINE_ACT_ON_HOLD ) return refuse(p, HP_CONFLICT, "The activity is not waiting for a decision.");
      if( ev->round!=a->round ) return refuse(p, HP_CONFLICT, "The activity has moved to another round.");
      if( s->phases[a->phase].status==ENGINE_PH_FAILED ){
        return refuse(p, HP_CONFLICT, "The activity's phase has failed: nothing in it can be decided until the failed activity is retried.");
      }
      if( r==ENGINE_RES_APPROVED || r==ENGINE_RES_PROCEEDED ) to = ENGINE_ACT_COMPLETED;
      else if( r==ENGINE_RES_ABORTED ) to = ENGINE_ACT_ABORTED;
      else to = ENGINE_ACT_REJECTED;
      set_act(&x, ev->act, to, r, ENGINE_CF_FINISH, -1);
      settle(&x);
      break;
    }
    case ENGINE_EV_RETRY:
      if( s->status==ENGINE_REL_COMPLETED || s->status==ENGINE_REL_ABORTED ){
        return refuse(p, HP_CONFLICT, "The release is finished; a completed or aborted release cannot be retried.");
      }
      if( !act_bad(a->status) ){
        return refuse(p, HP_CONFLICT, "Only a rejected, failed or aborted activity can be retried.");
      }
      retry(&x, ev->act);
      settle(&x);
      break;
    case ENGINE_EV_NEW_BUILD:
      if( s->status==ENGINE_REL_COMPLETED || s->status==ENGINE_REL_ABORTED ){
        return refuse(p, HP_CONFLICT, "The release is finished: a new build needs a new release.");
      }
      for(int i=0; i<s->nacts; i++){
        enum engine_act_status st = s->acts[i].status;
        if( st==ENGINE_ACT_PENDING ) continue;
        if( st==ENGINE_ACT_BLOCKED || st==ENGINE_ACT_SCHEDULED ) set_act(&x, i, ENGINE_ACT_PENDING, ENGINE_RES_NONE, 0, -1);
        else set_act(&x, i, ENGINE_ACT_PENDING, ENGINE_RES_NONE, ENGINE_CF_RETRY|ENGINE_CF_NEW_BUILD, -1);
      }
      for(int k=s->nphases-1; k>=0; k--){
        if( s->phases[k].status!=ENGINE_PH_PENDING ) set_phase(&x, k, ENGINE_PH_PENDING);
      }
      if( s->status!=ENGINE_REL_RUNNING ) set_release(&x, ENGINE_REL_RUNNING);
      settle(&x);
      break;
    case ENGINE_EV_WAKE:
      if( !release_accepts_work(s) ) return refuse(p, HP_CONFLICT, "The release is not running.");
      settle(&x);
      break;
    case ENGINE_EV_ABORT:
      if( s->status==ENGINE_REL_COMPLETED || s->status==ENGINE_REL_ABORTED ){
        return refuse(p, HP_CONFLICT, "The release is already finished.");
      }
      set_release(&x, ENGINE_REL_ABORTED);
      for(int i=0; i<s->nacts; i++){
        if( !act_finished(s->acts[i].status) ) set_act(&x, i, ENGINE_ACT_ABORTED, ENGINE_RES_NONE, ENGINE_CF_FINISH, -1);
      }
      for(int k=0; k<s->nphases; k++){
        enum engine_phase_status st = s->phases[k].status;
        if( st!=ENGINE_PH_COMPLETED && st!=ENGINE_PH_FAILED && st!=ENGINE_PH_ABORTED ) set_phase(&x, k, ENGINE_PH_ABORTED);
      }
      break;
    default:
      return refuse(p, HP_ERROR, "Unknown event.");
  }
  if( x.oom ){
    p->why = "Out of memory.";
    return HP_ERROR;
  }
  return HP_OK;
}

void engine_plan_free(struct engine_plan *p){
  free(p->ch);
  memset(p, 0, sizeof(*p));
}

/* ================================================================ the database layer */

static int fail(char *err, size_t nerr, int rc, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Write a message into err (if any) and return rc. */
static int fail(char *err, size_t nerr, int rc, const char *fmt, ...){
  if( err && nerr ){
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, nerr, fmt, ap);
    va_end(ap);
  }
  return rc;
}

/* A release loaded into a snapshot; everything lives in ar. */
struct snap {
  struct engine_snapshot s;
  int64_t *opens_at;          /* per activity: when its change window opens (window_closed) */
  struct arena ar;
};

static void snap_free(struct snap *sn){
  arena_free(&sn->ar);
  memset(sn, 0, sizeof(*sn));
}

/* Run a one-value count query with :id bound; -1 on error. */
static int64_t count_for(struct db *db, const char *sql, int64_t id){
  struct db_stmt *st = db_prepare(db, sql);
  int64_t n = -1;
  if( st==NULL ) return -1;
  db_bind_int64(st, ":id", id);
  if( db_step(st)==DB_ROW ) n = db_col_int64(st, 0);
  db_finish(st);
  return n;
}

/*
** Load release_id into sn (caller calls snap_free, also after an error).
** Returns HP_OK, HP_NOT_FOUND or HP_ERROR (a database error, or a status
** the engine does not know).
*/
static int snap_load(struct app *a, int64_t release_id, struct snap *sn){
  struct db *db = a->db;
  struct db_stmt *st = NULL;
  int rc = HP_ERROR;
  int64_t *dep_from = NULL, *dep_to = NULL;
  memset(sn, 0, sizeof(*sn));
  arena_init(&sn->ar);
  struct engine_snapshot *s = &sn->s;
  s->release_id = release_id;
  st = db_prepare(db, "SELECT r.status, r.on_reject, t.name FROM releases r JOIN templates t ON t.id=r.template_id"
                      " WHERE r.id=:id");
  if( st==NULL ) goto out;
  db_bind_int64(st, ":id", release_id);
  int step = db_step(st);
  if( step==DB_DONE ){ rc = HP_NOT_FOUND; goto out; }
  if( step!=DB_ROW ) goto out;
  int v = engine_release_status_parse(db_col_text(st, 0));
  if( v<0 ) goto out;
  s->status = (enum engine_release_status)v;
  s->fail_phase = strcmp(db_col_text(st, 1), "fail_phase")==0;
  const char *template_name = db_col_dup(&sn->ar, st, 2);
  db_finish(st);
  st = NULL;

  int64_t np = count_for(db, "SELECT count(*) FROM phases WHERE release_id=:id", release_id);
  int64_t na = count_for(db, "SELECT count(*) FROM activities WHERE release_id=:id", release_id);
  int64_t nd = count_for(db, "SELECT count(*) FROM activity_deps d JOIN activities a ON a.id=d.activity_id"
                             " WHERE a.release_id=:id", release_id);
  if( np<0 || na<0 || nd<0 || np>100000 || na>100000 || nd>1000000 ) goto out;
  s->phases = arena_alloc(&sn->ar, (size_t)(np ? np : 1)*sizeof(*s->phases));
  s->acts = arena_alloc(&sn->ar, (size_t)(na ? na : 1)*sizeof(*s->acts));
  int64_t *phase_ids = arena_alloc(&sn->ar, (size_t)(np ? np : 1)*sizeof(int64_t));
  sn->opens_at = arena_alloc(&sn->ar, (size_t)(na ? na : 1)*sizeof(int64_t));
  /* Per phase: 0 not asked yet, 1 its window is open (or none), 2 closed until phase_opens[k]. */
  int *phase_window = arena_alloc(&sn->ar, (size_t)(np ? np : 1)*sizeof(int));
  int64_t *phase_opens = arena_alloc(&sn->ar, (size_t)(np ? np : 1)*sizeof(int64_t));
  if( s->phases==NULL || s->acts==NULL || phase_ids==NULL || sn->opens_at==NULL || phase_window==NULL
   || phase_opens==NULL ) goto out;

  st = db_prepare(db, "SELECT id, name, status FROM phases WHERE release_id=:id ORDER BY position");
  if( st==NULL ) goto out;
  db_bind_int64(st, ":id", release_id);
  while( (step = db_step(st))==DB_ROW && s->nphases<np ){
    struct engine_phase *ph = &s->phases[s->nphases];
    ph->id = phase_ids[s->nphases] = db_col_int64(st, 0);
    ph->name = db_col_dup(&sn->ar, st, 1);
    if( (v = engine_phase_status_parse(db_col_text(st, 2)))<0 ) goto out;
    ph->status = (enum engine_phase_status)v;
    s->nphases++;
  }
  if( step!=DB_DONE && step!=DB_ROW ) goto out;
  db_finish(st);

  st = db_prepare(db, "SELECT a.id, a.name, a.kind, a.status, a.result, a.when_pass, a.when_warning,"
                      " a.round, a.phase_id FROM activities a JOIN phases p ON p.id=a.phase_id"
                      " WHERE a.release_id=:id ORDER BY p.position, a.position, a.id");
  if( st==NULL ) goto out;
  db_bind_int64(st, ":id", release_id);
  while( (step = db_step(st))==DB_ROW && s->nacts<na ){
    struct engine_act *x = &s->acts[s->nacts];
    x->id = db_col_int64(st, 0);
    x->name = db_col_dup(&sn->ar, st, 1);
    if( (v = engine_kind_parse(db_col_text(st, 2)))<0 ) goto out;
    x->kind = (enum engine_kind)v;
    if( (v = engine_act_status_parse(db_col_text(st, 3)))<0 ) goto out;
    x->status = (enum engine_act_status)v;
    v = db_col_null(st, 4) ? ENGINE_RES_NONE : engine_result_parse(db_col_text(st, 4));
    if( v<0 ) goto out;
    x->result = (enum engine_result)v;
    x->when_pass_auto = strcmp(db_col_text(st, 5), "automatic")==0;
    x->when_warning_auto = strcmp(db_col_text(st, 6), "automatic")==0;
    x->round = db_col_int(st, 7);
    int64_t pid = db_col_int64(st, 8);
    x->phase = -1;
    for(int k=0; k<s->nphases; k++) if( phase_ids[k]==pid ) x->phase = k;
    if( x->phase<0 ) goto out;
    if( x->status==ENGINE_ACT_PENDING || x->status==ENGINE_ACT_BLOCKED || x->status==ENGINE_ACT_SCHEDULED ){
      /* Could it start now?  Its change window answers, once per phase (same template, same environment). */
      int k = x->phase;
      if( phase_window[k]==0 ){
        int64_t opens = -1;
        int c = windows_closed(a, template_name, s->phases[k].name, app_now_ms(a), &opens);
        if( c<0 ) goto out;
        phase_window[k] = c ? 2 : 1;
        phase_opens[k] = opens;
      }
      x->window_closed = phase_window[k]==2;
      sn->opens_at[s->nacts] = phase_opens[k];
    }
    s->nacts++;
  }
  if( step!=DB_DONE && step!=DB_ROW ) goto out;
  db_finish(st);
  st = NULL;

  /* Dependencies: read the pairs, then give each activity its slice of one index array. */
  dep_from = malloc((size_t)(nd ? nd : 1)*sizeof(int64_t));
  dep_to = malloc((size_t)(nd ? nd : 1)*sizeof(int64_t));
  int *pool = arena_alloc(&sn->ar, (size_t)(nd ? nd : 1)*sizeof(int));
  if( dep_from==NULL || dep_to==NULL || pool==NULL ) goto out;
  int64_t got = 0;
  st = db_prepare(db, "SELECT d.activity_id, d.depends_on_id FROM activity_deps d"
                      " JOIN activities a ON a.id=d.activity_id WHERE a.release_id=:id");
  if( st==NULL ) goto out;
  db_bind_int64(st, ":id", release_id);
  while( (step = db_step(st))==DB_ROW && got<nd ){
    dep_from[got] = db_col_int64(st, 0);
    dep_to[got] = db_col_int64(st, 1);
    got++;
  }
  if( step!=DB_DONE && step!=DB_ROW ) goto out;
  int used = 0;
  for(int i=0; i<s->nacts; i++){
    struct engine_act *x = &s->acts[i];
    x->deps = pool + used;
    for(int64_t k=0; k<got; k++){
      if( dep_from[k]!=x->id ) continue;
      int j = -1;
      for(int m=0; m<s->nacts; m++) if( s->acts[m].id==dep_to[k] ) j = m;
      if( j<0 ) goto out;
      pool[used++] = j;
      x->ndeps++;
    }
  }
  rc = HP_OK;
out:
  db_finish(st);
  free(dep_from);
  free(dep_to);
  return rc;
}

static int snap_find(const struct snap *sn, int64_t activity_id){
  for(int i=0; i<sn->s.nacts; i++) if( sn->s.acts[i].id==activity_id ) return i;
  return -1;
}

/* The audit identity of what the engine decides by itself (conditional approvals). */
static void system_ctx(const struct audit_ctx *c, struct audit_ctx *sys){
  *sys = *c;
  sys->actor_id = 0;
  sys->acting_for_id = 0;
  sys->actor_name = "holdpoint (automatic)";
  sys->session_hash = "";
}

/* What an event adds to the records of the change it caused directly. */
struct apply_extra {
  int act;                    /* the event's activity index, or -1 */
  const char *details_json;   /* RESULT: stored in result_details */
  const char *comment;        /* COMPLETE */
  const char *reason;         /* ABORT */
};

/* The audit details of one change (a new object, or NULL when out of memory). */
static json_t *change_details(const struct snap *sn, const struct engine_change *ch,
                              const struct apply_extra *x){
  const struct engine_snapshot *s = &sn->s;
  json_t *d = json_object();
  if( d==NULL ) return NULL;
  if( ch->target==ENGINE_T_RELEASE ){
    json_object_set_new(d, "from", json_string(engine_release_status_name(ch->from)));
    json_object_set_new(d, "to", json_string(engine_release_status_name(ch->to)));
    if( ch->to==ENGINE_REL_ABORTED && x->reason ) json_object_set_new(d, "reason", json_string(x->reason));
    return d;
  }
  if( ch->target==ENGINE_T_PHASE ){
    json_object_set_new(d, "phase", json_string(s->phases[ch->index].name));
    json_object_set_new(d, "from", json_string(engine_phase_status_name(ch->from)));
    json_object_set_new(d, "to", json_string(engine_phase_status_name(ch->to)));
    return d;
  }
  const struct engine_act *a = &s->acts[ch->index];
  json_object_set_new(d, "activity", json_string(a->name));
  json_object_set_new(d, "kind", json_string(engine_kind_name(a->kind)));
  json_object_set_new(d, "phase", json_string(s->phases[a->phase].name));
  json_object_set_new(d, "from", json_string(engine_act_status_name(ch->from)));
  json_object_set_new(d, "to", json_string(engine_act_status_name(ch->to)));
  json_object_set_new(d, "round", json_integer(ch->round));
  if( ch->result!=ENGINE_RES_NONE ) json_object_set_new(d, "result", json_string(engine_result_name(ch->result)));
  if( ch->flags & ENGINE_CF_RETRY ) json_object_set_new(d, "previous_round", json_integer(ch->round_before));
  if( (ch->flags & ENGINE_CF_SCHEDULE) && sn->opens_at[ch->index]>0 ){
    char iso[40];
    json_object_set_new(d, "window_opens", json_string(app_iso_time(sn->opens_at[ch->index], iso, sizeof(iso))));
  }
  if( (ch->flags & ENGINE_CF_AUTOMATIC) && ch->cause>=0 ){
    const struct engine_act *c = &s->acts[ch->cause];
    json_object_set_new(d, "automatic", json_true());
    json_object_set_new(d, "because", json_string(c->name));
    if( c->result!=ENGINE_RES_NONE ) json_object_set_new(d, "dependency_result", json_string(engine_result_name(c->result)));
  }
  if( (ch->flags & ENGINE_CF_CASCADE) && ch->cause>=0 ){
    json_object_set_new(d, "because", json_string(s->acts[ch->cause].name));
  }
  if( ch->index==x->act && (ch->flags & ENGINE_CF_FINISH) ){
    if( x->details_json ){
      json_t *dj = json_loads(x->details_json, JSON_DECODE_ANY, NULL);
      if( dj ) json_object_set_new(d, "details", dj);
    }
    if( x->comment && x->comment[0] ) json_object_set_new(d, "comment", json_string(x->comment));
  }
  return d;
}

/* The result_details text stored with an automatic decision (malloc'd) or NULL. */
static char *automatic_details(const struct snap *sn, const struct engine_change *ch){
  if( !(ch->flags & ENGINE_CF_AUTOMATIC) || ch->cause<0 ) return NULL;
  const struct engine_act *c = &sn->s.acts[ch->cause];
  json_t *j = json_pack("{s:b,s:s,s:s?}", "automatic", 1, "because", c->name,
                        "dependency_result", engine_result_name(c->result));
  char *z = j ? json_dumps(j, JSON_COMPACT|JSON_SORT_KEYS) : NULL;
  json_decref(j);
  return z;
}

static void bind_fin(struct db_stmt *st, const char *name, int finish, int64_t now){
  if( finish ) db_bind_int64(st, name, now);
  else db_bind_null(st, name);
}

/*
** Apply one activity change with an UPDATE conditional on its status and
** round.  Returns HP_OK, HP_CONFLICT (the row was not in the expected state)
** or HP_ERROR.
*/
static int apply_activity(struct app *a, const struct audit_ctx *c, const struct snap *sn,
                          const struct engine_change *ch, const struct apply_extra *x, int64_t now){
  const struct engine_act *act = &sn->s.acts[ch->index];
  struct db_stmt *st;
  char *auto_details = NULL;
  int rc = HP_ERROR;
  if( ch->flags & ENGINE_CF_RETRY ){
    st = db_prepare(a->db, "UPDATE activities SET status=:to, round=:round, result=NULL, result_details=NULL,"
                           " activated_at=NULL, deadline_at=NULL, finished_at=NULL, responsible_user_id=NULL,"
                           " escalated=0, scheduled_until=NULL WHERE id=:id AND status=:from AND round=:before");
    if( st ) db_bind_int64(st, ":round", ch->round);
  }else if( ch->flags & ENGINE_CF_ACTIVATE ){
    auto_details = automatic_details(sn, ch);
    st = db_prepare(a->db, "UPDATE activities SET status=:to, activated_at=:now,"
                           " deadline_at=CASE WHEN :hold<>0 AND deadline_s>0 THEN :now + deadline_s*1000 END,"
                           " result=:result, result_details=:details, finished_at=:fin, scheduled_until=NULL"
                           " WHERE id=:id AND status=:from AND round=:before");
    if( st ){
      db_bind_int64(st, ":now", now);
      db_bind_int64(st, ":hold", ch->to==ENGINE_ACT_ON_HOLD);
      db_bind_text(st, ":result", engine_result_name(ch->result));
      db_bind_text(st, ":details", auto_details);
      bind_fin(st, ":fin", (ch->flags & ENGINE_CF_FINISH)!=0, now);
    }
  }else if( ch->flags & ENGINE_CF_FINISH ){
    const char *details = NULL;
    if( ch->flags & ENGINE_CF_AUTOMATIC ) details = auto_details = automatic_details(sn, ch);
    else if( ch->index==x->act ) details = x->details_json;
    st = db_prepare(a->db, "UPDATE activities SET status=:to, result=coalesce(:result, result),"
                           " result_details=coalesce(:details, result_details), finished_at=:now, scheduled_until=NULL"
                           " WHERE id=:id AND status=:from AND round=:before");
    if( st ){
      db_bind_int64(st, ":now", now);
      db_bind_text(st, ":result", engine_result_name(ch->result));
      db_bind_text(st, ":details", details);
    }
  }else{
    st = db_prepare(a->db, "UPDATE activities SET status=:to, scheduled_until=:until"
                           " WHERE id=:id AND status=:from AND round=:before");
    if( st ){
      int64_t until = sn->opens_at[ch->index];
      if( (ch->flags & ENGINE_CF_SCHEDULE) && until>0 ) db_bind_int64(st, ":until", until);
      else db_bind_null(st, ":until");
    }
  }
  if( st==NULL ) goto out;
  db_bind_text(st, ":to", engine_act_status_name(ch->to));
  db_bind_text(st, ":from", engine_act_status_name(ch->from));
  db_bind_int64(st, ":id", act->id);
  db_bind_int64(st, ":before", ch->round_before);
  if( db_step(st)!=DB_DONE ) goto out;
  if( db_changes(a->db)!=1 ){ rc = HP_CONFLICT; goto out; }
  /* An approval opening a round: the freezes in force add their rule, then who may approve is recorded. */
  if( (ch->flags & ENGINE_CF_SNAPSHOT)
   && (windows_policy_at_open(a, c, act->id, now) || mayact_snapshot(a, act->id, ch->round)) ) goto out;
  if( ch->flags & ENGINE_CF_RETRY ){
    /* Outputs belong to the round that produced them; the audit trail keeps the old ones. */
    db_finish(st);
    st = db_prepare(a->db, "DELETE FROM outputs WHERE activity_id=:id");
    if( st==NULL ) goto out;
    db_bind_int64(st, ":id", act->id);
    if( db_step(st)!=DB_DONE ) goto out;
  }
  rc = HP_OK;
out:
  db_finish(st);
  free(auto_details);
  return rc;
}

/* Apply one phase or release change (conditional UPDATE).  HP_OK, HP_CONFLICT, HP_ERROR. */
static int apply_other(struct app *a, const struct snap *sn, const struct engine_change *ch, int64_t now){
  struct db_stmt *st;
  int rc = HP_ERROR;
  if( ch->target==ENGINE_T_PHASE ){
    st = db_prepare(a->db, "UPDATE phases SET status=:to,"
                           " started_at=CASE WHEN :start<>0 THEN :now ELSE started_at END, finished_at=:fin"
                           " WHERE id=:id AND status=:from");
    if( st==NULL ) return HP_ERROR;
    db_bind_text(st, ":to", engine_phase_status_name(ch->to));
    db_bind_text(st, ":from", engine_phase_status_name(ch->from));
    db_bind_int64(st, ":start", (ch->flags & ENGINE_CF_START)!=0);
    db_bind_int64(st, ":now", now);
    db_bind_int64(st, ":id", sn->s.phases[ch->index].id);
  }else{
    st = db_prepare(a->db, "UPDATE releases SET status=:to, finished_at=:fin WHERE id=:id AND status=:from");
    if( st==NULL ) return HP_ERROR;
    db_bind_text(st, ":to", engine_release_status_name(ch->to));
    db_bind_text(st, ":from", engine_release_status_name(ch->from));
    db_bind_int64(st, ":id", sn->s.release_id);
  }
  bind_fin(st, ":fin", (ch->flags & ENGINE_CF_FINISH)!=0, now);
  if( db_step(st)!=DB_DONE ) goto out;
  rc = db_changes(a->db)==1 ? HP_OK : HP_CONFLICT;
out:
  db_finish(st);
  return rc;
}

/* The id of the release, phase or activity a change is about. */
static int64_t change_object(const struct snap *sn, const struct engine_change *ch){
  return ch->target==ENGINE_T_RELEASE ? sn->s.release_id
       : ch->target==ENGINE_T_PHASE ? sn->s.phases[ch->index].id : sn->s.acts[ch->index].id;
}

/*
** Apply every change of the plan in order, each with its audit record.
** Inside the caller's transaction; on failure the caller rolls back.
*/
static int apply_plan(struct app *a, const struct audit_ctx *c, const struct snap *sn,
                      const struct engine_plan *p, const struct apply_extra *x,
                      char *err, size_t nerr){
  int64_t now = app_now_ms(a);
  struct audit_ctx sys;
  system_ctx(c, &sys);
  for(int i=0; i<p->n; i++){
    const struct engine_change *ch = &p->ch[i];
    int rc = ch->target==ENGINE_T_ACTIVITY ? apply_activity(a, &sys, sn, ch, x, now) : apply_other(a, sn, ch, now);
    if( rc==HP_CONFLICT ){
      return fail(err, nerr, HP_CONFLICT, "The release changed while this was being done; reload and try again.");
    }
    if( rc ) return fail(err, nerr, HP_ERROR, "The change could not be saved.");
    json_t *d = change_details(sn, ch, x);
    if( d==NULL ) return fail(err, nerr, HP_ERROR, "Out of memory.");
    const char *otype = ch->target==ENGINE_T_RELEASE ? "release" : ch->target==ENGINE_T_PHASE ? "phase" : "activity";
    int64_t oid = change_object(sn, ch);
    if( audit_append(a, (ch->flags & ENGINE_CF_AUTOMATIC) ? &sys : c, ch->action, otype, oid,
                     sn->s.release_id, "o", d) ){
      return fail(err, nerr, HP_ERROR, "The audit record could not be written.");
    }
  }
  /* Who may act follows the new state, before anyone is told about it. */
  if( mayact_refresh_release(a, sn->s.release_id) ){
    return fail(err, nerr, HP_ERROR, "The change could not be saved.");
  }
  /* Tell people in this same transaction: an activity that starts waiting for people at
     activation, and a release that failed or was aborted. */
  for(int i=0; i<p->n; i++){
    const struct engine_change *ch = &p->ch[i];
    int64_t oid = change_object(sn, ch);
    if( ch->target==ENGINE_T_ACTIVITY && (ch->flags & ENGINE_CF_ACTIVATE) && ch->to==ENGINE_ACT_ON_HOLD
     && mayact_notify(a, oid, "waiting") ){
      return fail(err, nerr, HP_ERROR, "The notifications could not be queued.");
    }
    if( ch->target==ENGINE_T_RELEASE && (ch->to==ENGINE_REL_FAILED || ch->to==ENGINE_REL_ABORTED)
     && notify_release_event(a, oid, ch->to==ENGINE_REL_FAILED ? "failed" : "aborted") ){
      return fail(err, nerr, HP_ERROR, "The notifications could not be queued.");
    }
  }
  return HP_OK;
}

/*
** Load the release, plan ev (ev->act is found from activity_id when it is
** not 0) and apply it.  The common body of every operation.
*/
static int run_event(struct app *a, const struct audit_ctx *c, int64_t release_id, int64_t activity_id,
                     struct engine_event *ev, struct apply_extra *x, char *err, size_t nerr){
  struct snap sn;
  struct engine_plan plan;
  memset(&plan, 0, sizeof(plan));
  int rc = snap_load(a, release_id, &sn);
  if( rc==HP_NOT_FOUND ){ rc = fail(err, nerr, HP_NOT_FOUND, "There is no release %lld.", (long long)release_id); goto out; }
  if( rc ){ rc = fail(err, nerr, HP_ERROR, "The release could not be read."); goto out; }
  x->act = -1;
  if( activity_id ){
    ev->act = snap_find(&sn, activity_id);
    if( ev->act<0 ){
      rc = fail(err, nerr, HP_NOT_FOUND, "There is no activity %lld in release %lld.",
                (long long)activity_id, (long long)release_id);
      goto out;
    }
    x->act = ev->act;
  }
  rc = engine_plan(&sn.s, ev, &plan);
  if( rc ){ fail(err, nerr, rc, "%s", plan.why ? plan.why : "Refused."); goto out; }
  rc = apply_plan(a, c, &sn, &plan, x, err, nerr);
  /* Woken, but the window closed again before anyone woke them: wait for its next opening. */
  for(int i=0; rc==HP_OK && ev->type==ENGINE_EV_WAKE && i<sn.s.nacts; i++){
    if( sn.s.acts[i].status!=ENGINE_ACT_SCHEDULED ) continue;
    struct db_stmt *st = db_prepare(a->db, "UPDATE activities SET scheduled_until=:u WHERE id=:id AND status='scheduled'");
    if( st==NULL ){ rc = HP_ERROR; break; }
    if( sn.opens_at[i]>0 ) db_bind_int64(st, ":u", sn.opens_at[i]);
    else db_bind_null(st, ":u");
    db_bind_int64(st, ":id", sn.s.acts[i].id);
    if( db_step(st)!=DB_DONE ) rc = HP_ERROR;
    db_finish(st);
  }
out:
  engine_plan_free(&plan);
  snap_free(&sn);
  return rc;
}

/* The release of an activity: HP_OK, HP_NOT_FOUND or HP_ERROR. */
static int release_of(struct app *a, int64_t activity_id, int64_t *release_id){
  struct db_stmt *st = db_prepare(a->db, "SELECT release_id FROM activities WHERE id=:id");
  int rc = HP_ERROR;
  if( st==NULL ) return HP_ERROR;
  db_bind_int64(st, ":id", activity_id);
  int step = db_step(st);
  if( step==DB_ROW ){ *release_id = db_col_int64(st, 0); rc = HP_OK; }
  else if( step==DB_DONE ) rc = HP_NOT_FOUND;
  db_finish(st);
  return rc;
}

/* Open a write transaction for a wrapper; HP_UNAVAILABLE when the database stays busy. */
static int tx_begin(struct app *a, char *err, size_t nerr){
  if( db_begin_write(a->db) ) return fail(err, nerr, HP_UNAVAILABLE, "The database is busy; try again.");
  return HP_OK;
}

/* Commit after HP_OK, else roll back.  Returns rc, or HP_ERROR when the commit fails. */
static int tx_end(struct app *a, int rc, char *err, size_t nerr){
  if( rc==HP_OK ){
    if( db_commit(a->db) ) return fail(err, nerr, HP_ERROR, "The change could not be saved.");
    return HP_OK;
  }
  db_rollback(a->db);
  return rc;
}

/* ---------------------------------------------------------------- results, decisions, retry, abort */

int engine_result_in_tx(struct app *a, const struct audit_ctx *c, int64_t activity_id,
                        const char *result, const char *details_json, char *err, size_t nerr){
  int64_t release_id = 0;
  char *details = NULL;
  int rc = release_of(a, activity_id, &release_id);
  if( rc==HP_NOT_FOUND ) return fail(err, nerr, rc, "There is no activity %lld.", (long long)activity_id);
  if( rc ) return fail(err, nerr, rc, "The activity could not be read.");
  int r = engine_result_parse(result);
  if( r!=ENGINE_RES_PASS && r!=ENGINE_RES_WARNING && r!=ENGINE_RES_FAIL ){
    return fail(err, nerr, HP_UNPROCESSABLE, "result must be pass, warning or fail.");
  }
  if( details_json ){
    json_t *j = json_loads(details_json, JSON_DECODE_ANY, NULL);
    if( j==NULL ) return fail(err, nerr, HP_UNPROCESSABLE, "details must be JSON.");
    details = util_json_dumps_typed(j, JSON_COMPACT|JSON_ENCODE_ANY);
    json_decref(j);
    if( details==NULL ) return fail(err, nerr, HP_ERROR, "Out of memory.");
  }
  struct engine_event ev = { ENGINE_EV_RESULT, -1, 0, (enum engine_result)r };
  struct apply_extra x = { -1, details, NULL, NULL };
  rc = run_event(a, c, release_id, activity_id, &ev, &x, err, nerr);
  free(details);
  return rc;
}

int engine_result(struct app *a, const struct audit_ctx *c, int64_t activity_id,
                  const char *result, const char *details_json, char *err, size_t nerr){
  int rc = tx_begin(a, err, nerr);
  if( rc ) return rc;
  return tx_end(a, engine_result_in_tx(a, c, activity_id, result, details_json, err, nerr), err, nerr);
}

/* Set output key of activity_id to value (replacing the old one).  0 or -1. */
static int set_output(struct app *a, int64_t activity_id, const char *key, const char *value){
  struct db_stmt *st = db_prepare(a->db, "INSERT INTO outputs(activity_id,key,value) VALUES(:a,:k,:v)"
    " ON CONFLICT(activity_id,key) DO UPDATE SET value=excluded.value");
  if( st==NULL ) return -1;
  db_bind_int64(st, ":a", activity_id);
  db_bind_text(st, ":k", key);
  db_bind_text(st, ":v", value);
  int rc = db_step(st)==DB_DONE ? 0 : -1;
  db_finish(st);
  return rc;
}

int engine_complete_in_tx(struct app *a, const struct audit_ctx *c, int64_t activity_id,
                          int expected_round, const char *outcome, const char *comment){
  int64_t release_id = 0;
  int rc = release_of(a, activity_id, &release_id);
  if( rc ) return rc;
  int r = engine_result_parse(outcome);
  if( r<=ENGINE_RES_FAIL ) return HP_UNPROCESSABLE;
  struct engine_event ev = { ENGINE_EV_COMPLETE, -1, expected_round, (enum engine_result)r };
  struct apply_extra x = { -1, NULL, comment, NULL };
  rc = run_event(a, c, release_id, activity_id, &ev, &x, NULL, 0);
  if( rc ) return rc;
  if( set_output(a, activity_id, "decision", outcome) ) return HP_ERROR;
  if( comment && comment[0] && set_output(a, activity_id, "notes", comment) ) return HP_ERROR;
  return HP_OK;
}

int engine_complete(struct app *a, const struct audit_ctx *c, int64_t activity_id,
                    int expected_round, const char *outcome, const char *comment){
  int rc = tx_begin(a, NULL, 0);
  if( rc ) return rc;
  return tx_end(a, engine_complete_in_tx(a, c, activity_id, expected_round, outcome, comment), NULL, 0);
}

int engine_retry_in_tx(struct app *a, const struct audit_ctx *c, int64_t release_id,
                       int64_t activity_id, char *err, size_t nerr){
  struct engine_event ev = { ENGINE_EV_RETRY, -1, 0, ENGINE_RES_NONE };
  struct apply_extra x = { -1, NULL, NULL, NULL };
  if( activity_id<=0 ) return fail(err, nerr, HP_NOT_FOUND, "There is no activity %lld.", (long long)activity_id);
  return run_event(a, c, release_id, activity_id, &ev, &x, err, nerr);
}

int engine_retry(struct app *a, const struct audit_ctx *c, int64_t release_id,
                 int64_t activity_id, char *err, size_t nerr){
  int rc = tx_begin(a, err, nerr);
  if( rc ) return rc;
  return tx_end(a, engine_retry_in_tx(a, c, release_id, activity_id, err, nerr), err, nerr);
}

static int text_ok(const char *z, int lines);

int engine_new_build_in_tx(struct app *a, const struct audit_ctx *c, int64_t release_id, const char *artifact,
                           const char *digest, int *changed, char *err, size_t nerr){
  *changed = 0;
  if( !digest_valid(digest) ){
    return fail(err, nerr, HP_UNPROCESSABLE, "digest: write it as sha256: and 64 lower-case hex digits (or sha384:, sha512:).");
  }
  if( artifact && (strlen(artifact)>1000 || !text_ok(artifact, 0)) ){
    return fail(err, nerr, HP_UNPROCESSABLE, "artifact: at most 1000 characters, no control characters.");
  }
  struct db_stmt *st = db_prepare(a->db, "SELECT artifact_digest, artifact, status FROM releases WHERE id=:id");
  if( st==NULL ) return fail(err, nerr, HP_ERROR, "The release could not be read.");
  db_bind_int64(st, ":id", release_id);
  char old[DIGEST_MAX+8] = "", old_art[1024] = "", status[32] = "";
  int found = db_step(st)==DB_ROW;
  if( found ){
    snprintf(old, sizeof(old), "%s", db_col_text(st, 0));
    snprintf(old_art, sizeof(old_art), "%s", db_col_text(st, 1));
    snprintf(status, sizeof(status), "%s", db_col_text(st, 2));
  }
  db_finish(st);
  if( !found ) return fail(err, nerr, HP_NOT_FOUND, "There is no release %lld.", (long long)release_id);
  if( strcmp(old, digest)==0 ) return HP_OK;                 /* the same build reported again: nothing to do */
  if( strcmp(status, "completed")==0 || strcmp(status, "aborted")==0 ){
    return fail(err, nerr, HP_CONFLICT, "The release is %s: a new build needs a new release.", status);
  }
  const char *art = artifact && artifact[0] ? artifact : old_art;
  st = db_prepare(a->db, "UPDATE releases SET artifact=:art, artifact_digest=:d, previous_digest=:old,"
                         " build_changed_at=:now WHERE id=:id");
  if( st==NULL ) return fail(err, nerr, HP_ERROR, "The release could not be changed.");
  db_bind_text(st, ":art", art);
  db_bind_text(st, ":d", digest);
  db_bind_text(st, ":old", old);
  db_bind_int64(st, ":now", app_now_ms(a));
  db_bind_int64(st, ":id", release_id);
  int ok = db_step(st)==DB_DONE;
  db_finish(st);
  if( !ok ) return fail(err, nerr, HP_ERROR, "The release could not be changed.");
  if( audit_append(a, c, "release.new_build", "release", release_id, release_id, "{s:s,s:s,s:s}",
                   "from_digest", old, "to_digest", digest, "artifact", art) ){
    return fail(err, nerr, HP_ERROR, "The change could not be recorded.");
  }
  struct engine_event ev = { ENGINE_EV_NEW_BUILD, -1, 0, ENGINE_RES_NONE };
  struct apply_extra x = { -1, NULL, NULL, NULL };
  int rc = run_event(a, c, release_id, 0, &ev, &x, err, nerr);
  if( rc==HP_OK ) *changed = 1;
  return rc;
}

int engine_new_build(struct app *a, const struct audit_ctx *c, int64_t release_id, const char *artifact,
                     const char *digest, int *changed, char *err, size_t nerr){
  int rc = tx_begin(a, err, nerr);
  if( rc ) return rc;
  return tx_end(a, engine_new_build_in_tx(a, c, release_id, artifact, digest, changed, err, nerr), err, nerr);
}

int engine_wake_due(struct app *a, int64_t now){
  int64_t ids[50];
  int n = 0, woken = 0;
  struct db_stmt *st = db_prepare(a->db, "SELECT DISTINCT x.release_id FROM activities x JOIN releases r ON r.id=x.release_id"
                                       " WHERE x.status='scheduled' AND x.scheduled_until<=:now"
                                       " AND r.status IN ('running','on_hold') LIMIT 50");
  if( st==NULL ) return -1;
  db_bind_int64(st, ":now", now);
  while( n<50 && db_step(st)==DB_ROW ) ids[n++] = db_col_int64(st, 0);
  db_finish(st);
  struct audit_ctx sys = { 0, "holdpoint (change window)", 0, "", "", "", "" };
  for(int i=0; i<n; i++){
    char err[200];
    struct engine_event ev = { ENGINE_EV_WAKE, -1, 0, ENGINE_RES_NONE };
    struct apply_extra x = { -1, NULL, NULL, NULL };
    if( tx_begin(a, err, sizeof(err)) ) return -1;
    int rc = tx_end(a, run_event(a, &sys, ids[i], 0, &ev, &x, err, sizeof(err)), err, sizeof(err));
    if( rc==HP_OK ) woken++;
    else log_msg("engine: release %lld could not be woken: %s", (long long)ids[i], err);
  }
  return woken;
}

int engine_abort_in_tx(struct app *a, const struct audit_ctx *c, int64_t release_id,
                       const char *reason, char *err, size_t nerr){
  struct engine_event ev = { ENGINE_EV_ABORT, -1, 0, ENGINE_RES_NONE };
  struct apply_extra x = { -1, NULL, NULL, reason && reason[0] ? reason : NULL };
  return run_event(a, c, release_id, 0, &ev, &x, err, nerr);
}

int engine_abort(struct app *a, const struct audit_ctx *c, int64_t release_id,
                 const char *reason, char *err, size_t nerr){
  int rc = tx_begin(a, err, nerr);
  if( rc ) return rc;
  return tx_end(a, engine_abort_in_tx(a, c, release_id, reason, err, nerr), err, nerr);
}

/* ---------------------------------------------------------------- templates */

/* rtpl lookup: does a user, team or role of that name exist?  1, 0, -1 on error. */
static int lookup_exists(void *ctx, int kind, const char *name){
  struct app *a = ctx;
  const char *sql;
  if( kind==RTPL_ROLE ) return users_role_bit(name)!=0;
  if( kind==RTPL_USER ) sql = "SELECT count(*) FROM users WHERE username=:n";
  else if( kind==RTPL_TEAM ) sql = "SELECT count(*) FROM teams WHERE name=:n";
  else return 0;
  struct db_stmt *st = db_prepare(a->db, sql);
  int rc = -1;
  if( st==NULL ) return -1;
  db_bind_text(st, ":n", name);
  if( db_step(st)==DB_ROW ) rc = db_col_int(st, 0)>0;
  db_finish(st);
  return rc;
}

/* rtpl lookup: enabled people in a team or with a role; -1 when unknown. */
static int lookup_count(void *ctx, int kind, const char *name){
  if( kind!=RTPL_TEAM && kind!=RTPL_ROLE ) return -1;
  return mayact_group_size(ctx, kind==RTPL_TEAM ? "team" : "role", name);
}

/*
** Store a template: parse and validate it against the directory, then insert
** it as the next version of its name with an audit record, in one write
** transaction.  See engine.h.
*/
int engine_template_import(struct app *a, const struct audit_ctx *c, const char *yaml, size_t n,
                           int64_t created_by, int64_t *template_id, int *unchanged, char *err, size_t nerr){
  struct rtpl_lookup lk = { lookup_exists, lookup_count, a };
  struct rtpl_template *t = NULL;
  struct db_stmt *st = NULL;
  char *src = NULL;
  int rc;
  *template_id = 0;
  if( unchanged ) *unchanged = 0;
  if( err && nerr ) err[0] = 0;
  int prc = rtpl_parse(yaml, n, &lk, &t, err, nerr);
  if( prc==RTPL_EINVAL ) return HP_UNPROCESSABLE;
  if( prc==RTPL_ETOOBIG ) return fail(err, nerr, HP_TOO_LARGE, "The template is larger than %u bytes.", RTPL_MAX_SOURCE);
  if( prc ) return fail(err, nerr, HP_ERROR, "The template could not be checked (%s).", rtpl_strerror(prc));
  src = malloc(n + 1);
  if( src==NULL ){ rc = fail(err, nerr, HP_ERROR, "Out of memory."); goto out; }
  memcpy(src, yaml, n);
  src[n] = 0;
  if( strlen(src)!=n ){ rc = fail(err, nerr, HP_UNPROCESSABLE, "The template contains a NUL byte."); goto out; }
  if( (rc = tx_begin(a, err, nerr)) ) goto out;
  /* The latest version: the same source again is not a new version. */
  st = db_prepare(a->db, "SELECT coalesce(max(version),0)+1,"
                         " (SELECT id FROM templates WHERE name=:n AND source_yaml=:y"
                         "   AND version=(SELECT max(version) FROM templates WHERE name=:n))"
                         " FROM templates WHERE name=:n");
  int64_t version = 0, same = 0;
  if( st ){
    db_bind_text(st, ":n", t->name);
    db_bind_text(st, ":y", src);
    if( db_step(st)==DB_ROW ){
      version = db_col_int64(st, 0);
      same = db_col_int64(st, 1);
    }
    db_finish(st);
  }
  if( same>0 ){
    *template_id = same;
    if( unchanged ) *unchanged = 1;
    st = NULL;
    rc = tx_end(a, HP_OK, err, nerr);
    goto out;
  }
  st = db_prepare(a->db, "INSERT INTO templates(name,version,description,source_yaml,created_by,created_at)"
                         " VALUES(:n,:v,:d,:y,:by,:now)");
  rc = HP_ERROR;
  if( st && version>0 ){
    db_bind_text(st, ":n", t->name);
    db_bind_int64(st, ":v", version);
    db_bind_text(st, ":d", t->description ? t->description : "");
    db_bind_text(st, ":y", src);
    if( created_by>0 ) db_bind_int64(st, ":by", created_by);
    else db_bind_null(st, ":by");
    db_bind_int64(st, ":now", app_now_ms(a));
    if( db_step(st)==DB_DONE ){
      *template_id = db_last_id(a->db);
      if( audit_append(a, c, "template.import", "template", *template_id, 0, "{s:s,s:I,s:i,s:i}",
                       "name", t->name, "version", (json_int_t)version,
                       "phases", (int)t->nphases, "bytes", (int)n)==0 ) rc = HP_OK;
    }
  }
  db_finish(st);
  st = NULL;
  rc = tx_end(a, rc, err, nerr);
  if( rc ){ *template_id = 0; fail(err, nerr, rc, "The template could not be saved."); }
out:
  db_finish(st);
  free(src);
  rtpl_free(t);
  return rc;
}

/* ---------------------------------------------------------------- creating a release */

/* 1 if z has no control characters other than tab (and, with lines, newline). */
static int text_ok(const char *z, int lines){
  for(; *z; z++){
    unsigned char ch = (unsigned char)*z;
    if( ch==0x7f || (ch<0x20 && ch!='\t' && !(lines && (ch=='\n' || ch=='\r'))) ) return 0;
  }
  return 1;
}

/* Run an INSERT prepared and bound by the caller; returns the new rowid or 0. */
static int64_t insert_done(struct db *db, struct db_stmt *st){
  int64_t id = 0;
  if( st && db_step(st)==DB_DONE ) id = db_last_id(db);
  db_finish(st);
  return id;
}

/* JSON text of an activity's on_timeout (malloc'd) or NULL when there is none. */
static char *timeout_json(const struct rtpl_activity *ra){
  json_t *j = NULL;
  if( ra->on_timeout==RTPL_TIMEOUT_REJECT ) j = json_pack("{s:s}", "action", "reject");
  else if( ra->on_timeout==RTPL_TIMEOUT_ESCALATE ){
    j = json_pack("{s:s,s:s,s:s}", "action", "escalate", "kind", rtpl_kind_name(ra->timeout_to.kind),
                  "name", ra->timeout_to.name ? ra->timeout_to.name : "");
  }
  char *z = j ? json_dumps(j, JSON_COMPACT) : NULL;
  json_decref(j);
  return z;
}

static char *reminders_json(const struct rtpl_activity *ra){
  json_t *j = json_array();
  for(size_t i=0; j && i<ra->nreminders; i++) json_array_append_new(j, json_integer(ra->reminders_s[i]));
  char *z = j ? json_dumps(j, JSON_COMPACT) : NULL;
  json_decref(j);
  return z;
}

static char *actions_json(const struct rtpl_activity *ra){
  json_t *j = json_array();
  for(size_t i=0; j && i<ra->nactions; i++){
    json_array_append_new(j, json_pack("{s:s,s:s}", "name", ra->actions[i].name, "webhook", ra->actions[i].webhook));
  }
  char *z = j ? json_dumps(j, JSON_COMPACT) : NULL;
  json_decref(j);
  return z;
}

/* Insert one activity of a new release; returns its id or 0. */
static int64_t insert_activity(struct app *a, int64_t release_id, int64_t phase_id, int position,
                               const struct rtpl_activity *ra){
  char *tj = timeout_json(ra), *rj = reminders_json(ra), *aj = actions_json(ra);
  int64_t id = 0;
  struct db_stmt *st = NULL;
  if( rj==NULL || aj==NULL ) goto out;
  st = db_prepare(a->db,
    "INSERT INTO activities(release_id,phase_id,position,name,kind,status,description,instructions,"
    "policy_json,responsible_kind,responsible_name,when_pass,when_warning,deadline_s,reminders_json,"
    "on_timeout_json,signature_required,signature_meaning,actions_json)"
    " VALUES(:rel,:ph,:pos,:name,:kind,'pending',:desc,:instr,:policy,:rkind,:rname,:wp,:ww,:dl,:rem,"
    ":timeout,:sig,:meaning,:actions)");
  if( st==NULL ) goto out;
  db_bind_int64(st, ":rel", release_id);
  db_bind_int64(st, ":ph", phase_id);
  db_bind_int64(st, ":pos", position);
  db_bind_text(st, ":name", ra->name);
  db_bind_text(st, ":kind", rtpl_activity_type_name(ra->type));
  db_bind_text(st, ":desc", ra->description ? ra->description : "");
  db_bind_text(st, ":instr", ra->instructions ? ra->instructions : "");
  db_bind_text(st, ":policy", ra->policy_json);
  if( ra->responsible.kind!=RTPL_NONE ){
    db_bind_text(st, ":rkind", rtpl_kind_name(ra->responsible.kind));
    db_bind_text(st, ":rname", ra->responsible.name);
  }else{
    db_bind_null(st, ":rkind");
    db_bind_null(st, ":rname");
  }
  db_bind_text(st, ":wp", ra->when_pass==RTPL_WHEN_AUTOMATIC ? "automatic" : "manual");
  db_bind_text(st, ":ww", ra->when_warning==RTPL_WHEN_AUTOMATIC ? "automatic" : "manual");
  db_bind_int64(st, ":dl", ra->deadline_s);
  db_bind_text(st, ":rem", rj);
  db_bind_text(st, ":timeout", tj);
  db_bind_int64(st, ":sig", ra->signature_required ? 1 : 0);
  db_bind_text(st, ":meaning", ra->signature_meaning ? ra->signature_meaning : "");
  db_bind_text(st, ":actions", aj);
  id = insert_done(a->db, st);
  st = NULL;
  for(size_t f=0; id && f<ra->nfields; f++){
    const struct rtpl_field *fd = &ra->fields[f];
    st = db_prepare(a->db, "INSERT INTO fields(activity_id,key,label,type,required,help,rules_json,position)"
                           " VALUES(:a,:k,:l,:t,:req,:help,:rules,:pos)");
    if( st==NULL ){ id = 0; break; }
    db_bind_int64(st, ":a", id);
    db_bind_text(st, ":k", fd->key);
    db_bind_text(st, ":l", fd->label);
    db_bind_text(st, ":t", rtpl_field_type_name(fd->type));
    db_bind_int64(st, ":req", fd->required ? 1 : 0);
    db_bind_text(st, ":help", fd->help ? fd->help : "");
    db_bind_text(st, ":rules", fd->rules_json ? fd->rules_json : "{}");
    db_bind_int64(st, ":pos", (int64_t)f + 1);
    if( insert_done(a->db, st)==0 ) id = 0;
    st = NULL;
  }
out:
  db_finish(st);
  free(tj);
  free(rj);
  free(aj);
  return id;
}

/* Check the release's variables against those the template declares.  HP_OK or 422 with err. */
static int check_variables(const struct rtpl_template *t, const struct engine_new_release *nr,
                           char *err, size_t nerr){
  for(int i=0; i<nr->nvars; i++){
    const char *k = nr->var_keys[i], *v = nr->var_values[i];
    size_t j;
    for(j=0; j<t->nvariables; j++) if( strcmp(t->variables[j], k)==0 ) break;
    if( j==t->nvariables ){
      char list[400] = "";
      size_t used = 0;
      for(j=0; j<t->nvariables && used<sizeof(list); j++){
        int w = snprintf(list+used, sizeof(list)-used, "%s%s", j ? ", " : "", t->variables[j]);
        if( w<0 ) break;
        used += (size_t)w;
      }
      return fail(err, nerr, HP_UNPROCESSABLE, "variables.%.80s: template '%s' declares no such variable%s%s%s.",
                  k, t->name, t->nvariables ? " (it declares " : " (it declares none", list,
                  ")");
    }
    for(int m=0; m<i; m++){
      if( strcmp(nr->var_keys[m], k)==0 ) return fail(err, nerr, HP_UNPROCESSABLE, "variables.%s: given twice.", k);
    }
    if( v==NULL || strlen(v)>4000 || !text_ok(v, 1) ){
      return fail(err, nerr, HP_UNPROCESSABLE, "variables.%s: must be text of at most 4000 characters without control characters.", k);
    }
  }
  for(size_t j=0; j<t->nvariables; j++){
    int m;
    for(m=0; m<nr->nvars; m++) if( strcmp(nr->var_keys[m], t->variables[j])==0 ) break;
    if( m==nr->nvars ){
      return fail(err, nerr, HP_UNPROCESSABLE, "variables.%s: required by template '%s'.", t->variables[j], t->name);
    }
  }
  return HP_OK;
}

/*
** Create the rows of a new release from the latest version of its template
** (see engine.h), write release.create, then start it.
*/
int engine_release_create_in_tx(struct app *a, const struct audit_ctx *c,
                                const struct engine_new_release *nr, int64_t *release_id,
                                char *err, size_t nerr){
  struct db_stmt *st = NULL;
  struct rtpl_template *t = NULL;
  int64_t *act_ids = NULL;
  json_t *vars = NULL;
  const char *version = nr->version ? nr->version : "", *artifact = nr->artifact ? nr->artifact : "";
  int rc = HP_ERROR;
  *release_id = 0;
  if( err && nerr ) err[0] = 0;
  if( nr->name==NULL || nr->name[0]==0 || strlen(nr->name)>200 || !text_ok(nr->name, 0) ){
    return fail(err, nerr, HP_UNPROCESSABLE, "name: give the release a name of 1 to 200 characters.");
  }
  if( strlen(version)>100 || !text_ok(version, 0) ){
    return fail(err, nerr, HP_UNPROCESSABLE, "version: at most 100 characters, no control characters.");
  }
  if( strlen(artifact)>1000 || !text_ok(artifact, 0) ){
    return fail(err, nerr, HP_UNPROCESSABLE, "artifact: at most 1000 characters, no control characters.");
  }
  char digest[DIGEST_MAX] = "";
  if( nr->artifact_digest && nr->artifact_digest[0] ){
    if( !digest_valid(nr->artifact_digest) ){
      return fail(err, nerr, HP_UNPROCESSABLE, "artifact_digest: write it as sha256: and 64 lower-case hex digits"
                  " (or sha384:, sha512:).");
    }
    snprintf(digest, sizeof(digest), "%s", nr->artifact_digest);
  }else if( digest_of_artifact(artifact, digest, sizeof(digest))<0 ){
    return fail(err, nerr, HP_UNPROCESSABLE, "artifact: the digest after '@' is not sha256: and 64 hex digits.");
  }
  if( nr->template_name==NULL || nr->template_name[0]==0 ){
    return fail(err, nerr, HP_UNPROCESSABLE, "template: name the template to follow.");
  }
  if( nr->started_by<=0 ) return fail(err, nerr, HP_UNPROCESSABLE, "started_by: unknown person.");

  /* The latest version of the template, parsed again (it was validated on import). */
  st = db_prepare(a->db, "SELECT id, version, source_yaml FROM templates WHERE name=:n ORDER BY version DESC LIMIT 1");
  if( st==NULL ) goto out;
  db_bind_text(st, ":n", nr->template_name);
  if( db_step(st)!=DB_ROW ){
    rc = fail(err, nerr, HP_UNPROCESSABLE, "template: there is no template named '%.100s'.", nr->template_name);
    goto out;
  }
  int64_t template_id = db_col_int64(st, 0), template_version = db_col_int64(st, 1);
  const char *src = db_col_text(st, 2);
  char perr[512];
  if( rtpl_parse(src, strlen(src), NULL, &t, perr, sizeof(perr))!=RTPL_OK ){
    log_msg("engine: stored template %lld no longer parses: %s", (long long)template_id, perr);
    rc = fail(err, nerr, HP_ERROR, "The stored template could not be read.");
    goto out;
  }
  db_finish(st);
  st = NULL;
  if( (rc = check_variables(t, nr, err, nerr)) ) goto out;
  rc = HP_ERROR;

  int64_t now = app_now_ms(a);
  st = db_prepare(a->db, "INSERT INTO releases(template_id,name,version,artifact,artifact_digest,status,on_reject,"
                         "started_by,created_at,origin_json) VALUES(:t,:n,:v,:art,:dig,'running',:rej,:by,:now,:origin)");
  if( st==NULL ) goto out;
  db_bind_int64(st, ":t", template_id);
  db_bind_text(st, ":n", nr->name);
  db_bind_text(st, ":v", version);
  db_bind_text(st, ":art", artifact);
  db_bind_text(st, ":dig", digest);
  db_bind_text(st, ":rej", rtpl_on_reject_name(t->on_reject));
  db_bind_int64(st, ":by", nr->started_by);
  db_bind_text(st, ":origin", nr->origin_json);
  db_bind_int64(st, ":now", now);
  int64_t rid = insert_done(a->db, st);
  st = NULL;
  if( rid==0 ) goto out;

  vars = json_object();
  if( vars==NULL ) goto out;
  for(int i=0; i<nr->nvars; i++){
    st = db_prepare(a->db, "INSERT INTO release_vars(release_id,key,value) VALUES(:r,:k,:v)");
    if( st==NULL ) goto out;
    db_bind_int64(st, ":r", rid);
    db_bind_text(st, ":k", nr->var_keys[i]);
    db_bind_text(st, ":v", nr->var_values[i]);
    if( insert_done(a->db, st)==0 ){ st = NULL; goto out; }
    st = NULL;
    json_object_set_new(vars, nr->var_keys[i], json_string(nr->var_values[i]));
  }

  size_t nact = 0;
  for(size_t k=0; k<t->nphases; k++) nact += t->phases[k].nactivities;
  act_ids = calloc(nact ? nact : 1, sizeof(int64_t));
  if( act_ids==NULL ) goto out;
  const struct rtpl_activity **acts = calloc(nact ? nact : 1, sizeof(*acts));
  if( acts==NULL ) goto out;
  size_t ai = 0;
  int ok = 1;
  for(size_t k=0; ok && k<t->nphases; k++){
    const struct rtpl_phase *ph = &t->phases[k];
    st = db_prepare(a->db, "INSERT INTO phases(release_id,position,name,status) VALUES(:r,:pos,:n,'pending')");
    if( st==NULL ){ ok = 0; break; }
    db_bind_int64(st, ":r", rid);
    db_bind_int64(st, ":pos", (int64_t)k + 1);
    db_bind_text(st, ":n", ph->name);
    int64_t pid = insert_done(a->db, st);
    st = NULL;
    for(size_t i=0; pid && i<ph->nactivities && ai<nact; i++){
      acts[ai] = &ph->activities[i];
      act_ids[ai] = insert_activity(a, rid, pid, (int)i + 1, &ph->activities[i]);
      if( act_ids[ai]==0 ) break;
      ai++;
    }
    if( pid==0 || (ai>0 && act_ids[ai-1]==0) ) ok = 0;
  }
  ok = ok && ai==nact;
  /* Dependencies, by name. */
  for(size_t i=0; ok && i<nact; i++){
    for(size_t d=0; ok && d<acts[i]->ndepends; d++){
      size_t j;
      for(j=0; j<nact; j++) if( strcmp(acts[j]->name, acts[i]->depends_on[d])==0 ) break;
      if( j==nact ){ ok = 0; break; }
      st = db_prepare(a->db, "INSERT OR IGNORE INTO activity_deps(activity_id,depends_on_id) VALUES(:a,:d)");
      if( st==NULL ){ ok = 0; break; }
      db_bind_int64(st, ":a", act_ids[i]);
      db_bind_int64(st, ":d", act_ids[j]);
      ok = db_step(st)==DB_DONE;
      db_finish(st);
      st = NULL;
    }
  }
  free(acts);
  if( !ok ) goto out;

  json_t *details = json_pack("{s:s,s:I,s:s,s:s,s:s,s:O}", "template", t->name,
                              "template_version", (json_int_t)template_version, "name", nr->name,
                              "version", version, "artifact", artifact, "variables", vars);
  if( details==NULL || audit_append(a, c, "release.create", "release", rid, rid, "o", details) ) goto out;

  struct engine_event ev = { ENGINE_EV_START, -1, 0, ENGINE_RES_NONE };
  struct apply_extra x = { -1, NULL, NULL, NULL };
  rc = run_event(a, c, rid, 0, &ev, &x, err, nerr);
  if( rc==HP_OK ) *release_id = rid;
out:
  if( rc==HP_ERROR && err && nerr && err[0]==0 ) fail(err, nerr, HP_ERROR, "The release could not be created.");
  db_finish(st);
  json_decref(vars);
  free(act_ids);
  rtpl_free(t);
  return rc;
}

int engine_release_create(struct app *a, const struct audit_ctx *c,
                          const struct engine_new_release *nr, int64_t *release_id,
                          char *err, size_t nerr){
  int rc = tx_begin(a, err, nerr);
  if( rc ) return rc;
  return tx_end(a, engine_release_create_in_tx(a, c, nr, release_id, err, nerr), err, nerr);
}

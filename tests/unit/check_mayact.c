/*
** check_mayact.c — the may_act table against the pure policy functions.
**
** A property test: random teams, roles, policies (rules of every kind and
** minimum, all/any, ordered, distinct, self-approval allowed or not),
** delegations and sequences of votes, delegations, revocations and team
** removals, applied through the core's real operations on a real database.
** After every step the rows of may_act must be exactly what policy_may_vote
** says over a model the test keeps on its own (who was eligible at
** activation, minus the people who left a rule's team before voting), and
** each vote must be accepted exactly when the model says it may be.
*/
#include <sqlite3.h>
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "mayact.h"
#include "approvals.h"
#include "policy.h"
#include "users.h"
#include "app.h"
#include "audit.h"
#include "db.h"
#include "req.h"

#define NUSER 6          /* user ids 1..NUSER; 1 starts every release */
#define NTEAM 2          /* teams t0, t1 (ids 1, 2) */
#define NSTEP 14
#define NCASE 160

struct env {
  char dir[256];
  struct app app;
  struct audit_ctx ctx;
};

/* A fresh migrated database with NUSER people; the caller adds the rest. */
static void env_open(struct env *e){
  memset(e, 0, sizeof(*e));
  snprintf(e->dir, sizeof(e->dir), "/tmp/check_mayact_XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(e->dir));
  snprintf(e->app.cfg.data_dir, sizeof(e->app.cfg.data_dir), "%s", e->dir);
  char p[400];
  snprintf(p, sizeof(p), "%s/keys", e->dir);
  ck_assert_int_eq(mkdir(p, 0700), 0);
  ck_assert_int_eq(audit_load_key(&e->app, 1), 0);
  snprintf(p, sizeof(p), "%s/holdpoint.db", e->dir);
  ck_assert_int_eq(db_open(p, &e->app.db), 0);
  ck_assert_int_eq(db_exec(e->app.db, "PRAGMA synchronous=OFF"), 0);   /* a test database: speed over durability */
  const char *root = getenv("HOLDPOINT_ROOT");
  snprintf(p, sizeof(p), "%s/sql", root && *root ? root : ".");
  ck_assert_int_eq(db_migrate(e->app.db, p, 0), 0);
  e->ctx.actor_name = "test";
  e->ctx.request_id = "test";
}

static void env_close(struct env *e){
  char cmd[400];
  db_close(e->app.db);
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
  ck_assert_int_eq(system(cmd), 0);
}

static void sqlf(struct env *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sqlf(struct env *e, const char *fmt, ...){
  char sql[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(sql, sizeof(sql), fmt, ap);
  va_end(ap);
  ck_assert_msg(db_exec(e->app.db, sql)==0, "%s", sql);
}

/* The test's own model of one approval round. */
struct model {
  struct policy pol;
  int team[NUSER + 1][NTEAM];          /* current membership */
  int approver[NUSER + 1];             /* holds the role "approver" */
  int64_t group[POLICY_MAX_RULES][NUSER];
  size_t ngroup[POLICY_MAX_RULES];
  struct policy_vote votes[NSTEP + 1];
  size_t nvotes;
  struct { int64_t id, user, delegate, starts, ends; int revoked; } dlg[NSTEP];
  int ndlg;
  int open;                            /* the activity is still on hold */
};

static int in_rule_group_now(const struct model *m, int k, int64_t u){
  const struct policy_rule *r = &m->pol.rule[k];
  if( r->kind==POLICY_KIND_TEAM ) return m->team[u][r->name[1]-'0'];
  if( r->kind==POLICY_KIND_ROLE ) return m->approver[u];
  char want[8];
  snprintf(want, sizeof(want), "u%lld", (long long)u);
  return strcmp(r->name, want)==0;
}

static int voted(const struct model *m, int64_t u){
  for(size_t i=0; i<m->nvotes; i++){
    if( m->votes[i].user_id==u || m->votes[i].acting_for==u ) return 1;
  }
  return 0;
}

static void build_groups(const struct model *m, struct policy_group *g){
  for(int k=0; k<m->pol.nrule; k++){
    g[k].user_ids = m->group[k];
    g[k].n = m->ngroup[k];
    g[k].required = 0;
  }
}

/* What the model says: may u act for principal p (p==u: in their own name) at now? */
static int model_may(const struct model *m, int64_t u, int64_t p, int64_t now){
  struct policy_group g[POLICY_MAX_RULES];
  if( !m->open ) return 0;
  build_groups(m, g);
  if( p!=u ){
    int current = 0;
    for(int i=0; i<m->ndlg; i++){
      if( m->dlg[i].user==p && m->dlg[i].delegate==u && !m->dlg[i].revoked
       && m->dlg[i].starts<=now && m->dlg[i].ends>now ) current = 1;
    }
    if( !current ) return 0;
  }
  struct policy_vote b = { u, p!=u ? p : 0, POLICY_APPROVE };
  return policy_may_vote(&m->pol, g, 1, m->votes, m->nvotes, &b)==POLICY_OK;
}

/* Compare every (user, principal) pair of may_act in force at now with the model. */
static void check_rows(struct env *e, const struct model *m, int64_t now, unsigned seed, int step){
  for(int64_t u=1; u<=NUSER; u++){
    for(int64_t p=1; p<=NUSER; p++){
      int want = model_may(m, u, p, now);
      int got = mayact_may(&e->app, 1, u, p, now);
      ck_assert_msg(want==got, "seed %u step %d: user %lld for %lld: model %d, may_act %d",
                    seed, step, (long long)u, (long long)p, want, got);
    }
  }
}

static void random_policy(struct model *m, unsigned *seed){
  struct policy *p = &m->pol;
  memset(p, 0, sizeof(*p));
  p->nrule = 1 + rand_r(seed) % 3;
  p->mode = rand_r(seed) % 4==0 ? POLICY_MODE_ANY : POLICY_MODE_ALL;
  p->ordered = p->mode==POLICY_MODE_ALL && rand_r(seed) % 3==0;
  p->distinct = rand_r(seed) % 2;
  p->allow_self_approval = rand_r(seed) % 3==0;
  p->reject_when = rand_r(seed) % 2 ? POLICY_REJECT_ANY : POLICY_REJECT_CANNOT_REACH;
  for(int k=0; k<p->nrule; k++){
    struct policy_rule *r = &p->rule[k];
    int kind = rand_r(seed) % 3;
    r->kind = kind==0 ? POLICY_KIND_TEAM : kind==1 ? POLICY_KIND_ROLE : POLICY_KIND_USER;
    if( kind==0 ) snprintf(r->name, sizeof(r->name), "t%d", rand_r(seed) % NTEAM);
    else if( kind==1 ) snprintf(r->name, sizeof(r->name), "approver");
    else snprintf(r->name, sizeof(r->name), "u%d", 1 + rand_r(seed) % NUSER);
    int mn = rand_r(seed) % 4;
    r->min = mn==2 ? POLICY_MIN_ALL : mn==3 ? POLICY_MIN_MAJORITY : POLICY_MIN_COUNT;
    r->min_count = mn<2 ? 1 + mn : 0;
  }
}

/* One random case: set up, then NSTEP random steps, checking after each. */
static void run_case(unsigned seed){
  struct env e;
  struct model m;
  unsigned s = seed;
  memset(&m, 0, sizeof(m));
  env_open(&e);
  int64_t now = app_now_ms(&e.app);
  for(int u=1; u<=NUSER; u++){
    sqlf(&e, "INSERT INTO users(id,username,display_name,email,password_hash,created_at)"
             " VALUES(%d,'u%d','User %d','u%d@x','x',0)", u, u, u, u);
    if( (m.approver[u] = rand_r(&s) % 2) ) sqlf(&e, "INSERT INTO user_roles VALUES(%d,'approver')", u);
  }
  for(int t=0; t<NTEAM; t++){
    sqlf(&e, "INSERT INTO teams(id,name,created_at) VALUES(%d,'t%d',0)", t+1, t);
    for(int u=1; u<=NUSER; u++){
      if( (m.team[u][t] = rand_r(&s) % 2) ) sqlf(&e, "INSERT INTO team_members VALUES(%d,%d)", t+1, u);
    }
  }
  random_policy(&m, &s);
  char *pj = NULL;
  ck_assert_int_eq(policy_to_json(&m.pol, &pj), POLICY_OK);
  char *q = sqlite3_mprintf(
    "INSERT INTO templates(id,name,version,source_yaml,created_at) VALUES(1,'t',1,'',0);"
    "INSERT INTO releases(id,template_id,name,status,on_reject,started_by,created_at) VALUES(1,1,'r','on_hold','fail_phase',1,0);"
    "INSERT INTO phases(id,release_id,position,name,status) VALUES(1,1,1,'p','waiting_for_approval');"
    "INSERT INTO activities(id,release_id,phase_id,position,name,kind,status,round,policy_json,activated_at)"
    " VALUES(1,1,1,1,'gate','approval','on_hold',1,%Q,0);", pj);
  free(pj);
  sqlf(&e, "%s", q);
  sqlite3_free(q);
  /* the eligibility snapshot at activation, in the database and in the model */
  for(int k=0; k<m.pol.nrule; k++){
    for(int64_t u=1; u<=NUSER; u++){
      if( !in_rule_group_now(&m, k, u) ) continue;
      m.group[k][m.ngroup[k]++] = u;
      sqlf(&e, "INSERT INTO eligible VALUES(1,1,%d,%lld)", k, (long long)u);
    }
  }
  m.open = 1;
  ck_assert_int_eq(db_begin_write(e.app.db), 0);
  ck_assert_int_eq(mayact_refresh(&e.app, 1), 0);
  ck_assert_int_eq(db_commit(e.app.db), 0);
  check_rows(&e, &m, now, seed, 0);

  for(int step=1; step<=NSTEP && m.open; step++){
    int what = rand_r(&s) % 10;
    struct hp_err err;
    if( what<6 ){
      /* a vote, in one's own name or for someone who delegated */
      int64_t u = 1 + rand_r(&s) % NUSER, p = u;
      if( rand_r(&s) % 3==0 ) p = 1 + rand_r(&s) % NUSER;
      int approve = rand_r(&s) % 4!=0;
      int expect = model_may(&m, u, p, now);
      char name[8];
      snprintf(name, sizeof(name), "u%lld", (long long)u);
      struct user usr = { .id = u, .username = name, .display_name = name, .email = "x@x", .roles = ROLE_APPROVER,
                          .time_zone = "", .auth_source = "local" };
      struct approvals_voter v = { .user = &usr, .acting_for = p!=u ? p : 0, .channel = "api", .ip = "",
                                   .session_hash = "", .user_agent = "" };
      struct approvals_result res;
      int rc = approvals_decide(&e.app, &e.ctx, &v, 1, approve ? "approve" : "reject", "because", &res, &err);
      ck_assert_msg((rc==HP_OK)==expect, "seed %u step %d: vote by %lld for %lld (%s): rc %d (%s), model %d",
                    seed, step, (long long)u, (long long)p, approve ? "approve" : "reject", rc, err.reason, expect);
      if( rc==HP_OK ){
        m.votes[m.nvotes].user_id = u;
        m.votes[m.nvotes].acting_for = p!=u ? p : 0;
        m.votes[m.nvotes].decision = approve ? POLICY_APPROVE : POLICY_REJECT;
        m.nvotes++;
        struct policy_group g[POLICY_MAX_RULES];
        struct policy_status st;
        build_groups(&m, g);
        ck_assert_int_eq(policy_evaluate(&m.pol, g, 1, m.votes, m.nvotes, &st), POLICY_OK);
        ck_assert_int_eq((int)st.state, res.state);
        if( st.state!=POLICY_PENDING ) m.open = 0;
      }
    }else if( what<8 ){
      /* a delegation: current, or starting in an hour */
      int64_t p = 1 + rand_r(&s) % NUSER, d = 1 + rand_r(&s) % NUSER;
      if( p==d || m.ndlg>=NSTEP ) continue;
      int64_t start = rand_r(&s) % 3==0 ? now + 3600000 : now - 1000;
      ck_assert_int_eq(approvals_delegate(&e.app, &e.ctx, p, d, start, start + 7200000, &err), HP_OK);
      m.dlg[m.ndlg].user = p;
      m.dlg[m.ndlg].delegate = d;
      m.dlg[m.ndlg].starts = start;
      m.dlg[m.ndlg].ends = start + 7200000;
      m.ndlg++;
      /* the audit record is the last insert: find the delegation's own id */
      m.dlg[m.ndlg-1].id = db_int(e.app.db, "SELECT max(id) FROM delegations", 0);
    }else if( what==8 ){
      /* someone leaves a team: they lose the rules of that team they have not voted under */
      int64_t u = 1 + rand_r(&s) % NUSER;
      int t = rand_r(&s) % NTEAM;
      if( !m.team[u][t] ) continue;
      ck_assert_int_eq(users_team_member(&e.app, &e.ctx, t+1, u, 0, err.reason, sizeof(err.reason)), HP_OK);
      m.team[u][t] = 0;
      if( !voted(&m, u) ){
        for(int k=0; k<m.pol.nrule; k++){
          size_t w = 0;
          for(size_t i=0; i<m.ngroup[k]; i++){
            if( m.group[k][i]!=u || in_rule_group_now(&m, k, u) ) m.group[k][w++] = m.group[k][i];
          }
          m.ngroup[k] = w;
        }
      }
    }else{
      /* a delegation ends early */
      if( m.ndlg==0 ) continue;
      int i = rand_r(&s) % m.ndlg;
      if( m.dlg[i].revoked ) continue;
      ck_assert_int_eq(approvals_delegation_revoke(&e.app, &e.ctx, m.dlg[i].user, m.dlg[i].id), HP_OK);
      m.dlg[i].revoked = 1;
    }
    check_rows(&e, &m, now, seed, step);
    /* a delegation that starts later is in the table already, and in force once its time comes */
    check_rows(&e, &m, now + 3600000 + 1, seed, step);
  }
  if( !m.open ){
    ck_assert_int_eq(db_int(e.app.db, "SELECT count(*) FROM may_act", -1), 0);
  }
  env_close(&e);
}

START_TEST(t01_random_rounds_agree_with_the_policy){
  for(unsigned seed=1; seed<=NCASE; seed++) run_case(seed);
}
END_TEST

/* A starter who may not approve is not an approver here at all: not listed, and refused a reject too. */
START_TEST(t02_barred_starter_is_no_approver){
  struct env e;
  struct hp_err err;
  env_open(&e);
  sqlf(&e, "INSERT INTO users(id,username,display_name,email,password_hash,created_at) VALUES"
           " (1,'sam','Sam','s@x','x',0),(2,'una','Una','u@x','x',0)");
  sqlf(&e, "INSERT INTO teams(id,name,created_at) VALUES(1,'cab',0); INSERT INTO team_members VALUES(1,1),(1,2);"
           "INSERT INTO templates(id,name,version,source_yaml,created_at) VALUES(1,'t',1,'',0);"
           "INSERT INTO releases(id,template_id,name,status,started_by,created_at) VALUES(1,1,'r','on_hold',1,0);"
           "INSERT INTO phases(id,release_id,position,name,status) VALUES(1,1,1,'p','waiting_for_approval');"
           "INSERT INTO activities(id,release_id,phase_id,position,name,kind,status,round,policy_json)"
           " VALUES(1,1,1,1,'gate','approval','on_hold',1,'{\"rules\":[{\"kind\":\"team\",\"name\":\"cab\",\"min\":1}]}');"
           "INSERT INTO eligible VALUES(1,1,0,1),(1,1,0,2)");
  ck_assert_int_eq(mayact_refresh(&e.app, 1), 0);
  int64_t now = app_now_ms(&e.app);
  ck_assert(!mayact_may(&e.app, 1, 1, 0, now));
  ck_assert(mayact_may(&e.app, 1, 2, 2, now));
  struct user sam = { .id = 1, .username = "sam", .display_name = "Sam", .email = "s@x", .roles = ROLE_APPROVER,
                      .time_zone = "", .auth_source = "local" };
  struct approvals_voter v = { .user = &sam, .channel = "api", .ip = "", .session_hash = "", .user_agent = "" };
  struct approvals_result res;
  ck_assert_int_eq(approvals_decide(&e.app, &e.ctx, &v, 1, "reject", "no", &res, &err), HP_FORBIDDEN);
  ck_assert_ptr_nonnull(strstr(err.reason, "started this release"));
  env_close(&e);
}
END_TEST

/* A deadline ends the right to act at that moment, for readers with any clock. */
START_TEST(t03_deadline_bounds_the_rows){
  struct env e;
  env_open(&e);
  sqlf(&e, "INSERT INTO users(id,username,display_name,email,password_hash,created_at) VALUES"
           " (1,'sam','Sam','s@x','x',0),(2,'una','Una','u@x','x',0),(3,'dan','Dan','d@x','x',0)");
  sqlf(&e, "INSERT INTO teams(id,name,created_at) VALUES(1,'dba',0); INSERT INTO team_members VALUES(1,2),(1,3);"
           "INSERT INTO templates(id,name,version,source_yaml,created_at) VALUES(1,'t',1,'',0);"
           "INSERT INTO releases(id,template_id,name,status,started_by,created_at) VALUES(1,1,'r','on_hold',1,0);"
           "INSERT INTO phases(id,release_id,position,name,status) VALUES(1,1,1,'p','waiting_for_approval');"
           "INSERT INTO activities(id,release_id,phase_id,position,name,kind,status,round,responsible_kind,"
           " responsible_name,deadline_at) VALUES(1,1,1,1,'task','manual','on_hold',1,'team','dba',5000)");
  ck_assert_int_eq(mayact_refresh(&e.app, 1), 0);
  ck_assert(mayact_may(&e.app, 1, 2, 2, 4999));
  ck_assert(mayact_may(&e.app, 1, 3, 3, 4999));
  ck_assert(!mayact_may(&e.app, 1, 2, 2, 5000));
  ck_assert(!mayact_may(&e.app, 1, 1, 1, 0));
  /* una takes it: only una may act */
  sqlf(&e, "UPDATE activities SET responsible_user_id=2 WHERE id=1");
  ck_assert_int_eq(mayact_refresh(&e.app, 1), 0);
  ck_assert(mayact_may(&e.app, 1, 2, 2, 0));
  ck_assert(!mayact_may(&e.app, 1, 3, 3, 0));
  /* a failed phase freezes it */
  sqlf(&e, "UPDATE phases SET status='failed' WHERE id=1");
  ck_assert_int_eq(mayact_refresh(&e.app, 1), 0);
  ck_assert_int_eq(db_int(e.app.db, "SELECT count(*) FROM may_act", -1), 0);
  env_close(&e);
}
END_TEST

int main(void){
  Suite *s = suite_create("mayact");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, t01_random_rounds_agree_with_the_policy);
  tcase_add_test(tc, t02_barred_starter_is_no_approver);
  tcase_add_test(tc, t03_deadline_bounds_the_rows);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

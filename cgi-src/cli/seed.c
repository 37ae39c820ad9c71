/* seed.c — the demo data that `make run` loads on first start. */
#include "seed.h"
#include "app.h"
#include "db.h"
#include "users.h"
#include "auth.h"
#include "audit.h"
#include "engine.h"
#include "util.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

static const struct {
  const char *name, *description;
} demo_teams[] = {
  { "qa", "Quality assurance" }, { "sre", "Site reliability engineering" },
  { "product", "Product owners" }, { "security", "Security reviewers" },
  { "dba", "Database administrators" }, { "admins", "Holdpoint administrators" },
};

static const struct {
  const char *username, *display, *email;
  unsigned roles;
  const char *teams[3];
} demo_users[] = {
  { "admin", "Ada Admin", "admin@example.com", ROLE_ADMIN, { "admins", NULL, NULL } },
  { "alice", "Alice Manager", "alice@example.com", ROLE_RELEASE_MANAGER, { NULL, NULL, NULL } },
  { "bob", "Bob Tester", "bob@example.com", ROLE_QA, { "qa", NULL, NULL } },
  { "carol", "Carol Reliability", "carol@example.com", ROLE_APPROVER, { "sre", "dba", NULL } },
  { "dave", "Dave Product", "dave@example.com", ROLE_APPROVER, { "product", "security", NULL } },
  { "erin", "Erin Auditor", "erin@example.com", ROLE_AUDITOR, { NULL, NULL, NULL } },
};

/* Write the demo token to <data>/demo-token (0600) so `make run` can print it every time. */
static int save_token(struct app *a, const char *tok){
  char p[PATH_MAX+32];
  if( app_path(a, p, sizeof(p), "demo-token") ) return -1;
  int fd = open(p, O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0600);
  if( fd<0 ) return -1;
  size_t n = strlen(tok);
  int bad = write(fd, tok, n)!=(ssize_t)n || write(fd, "\n", 1)!=1;
  close(fd);
  return bad ? -1 : 0;
}

/* The demo releases are made by alice, as a pipeline and release manager would. */
struct seed_run {
  struct app *a;
  struct audit_ctx alice;
  int64_t alice_id;
  int64_t rel;                 /* the release being played */
  char err[600];
};

/* An activity of the current release: id, round, signature meaning ("" when none).  0 if missing. */
static int64_t seed_activity(struct seed_run *s, const char *name, int *round, char *meaning, size_t nmeaning){
  struct db_stmt *st = db_prepare(s->a->db, "SELECT id, round, CASE WHEN signature_required<>0 THEN signature_meaning"
                                          " ELSE '' END FROM activities WHERE release_id=:r AND name=:n");
  int64_t id = 0;
  if( st==NULL ) return 0;
  db_bind_int64(st, ":r", s->rel);
  db_bind_text(st, ":n", name);
  if( db_step(st)==DB_ROW ){
    id = db_col_int64(st, 0);
    *round = db_col_int(st, 1);
    snprintf(meaning, nmeaning, "%s", db_col_text(st, 2));
  }
  db_finish(st);
  return id;
}

/* Start a release of the delivery template. */
static int seed_release(struct seed_run *s, const char *name, const char *version, const char *image){
  const char *keys[] = { "image", "version" }, *vals[] = { image, version };
  struct engine_new_release nr = { "delivery", name, version, image, keys, vals, 2, s->alice_id, NULL, NULL };
  return engine_release_create(s->a, &s->alice, &nr, &s->rel, s->err, sizeof(s->err));
}

/* CI reports an automated result (with alice's pipeline token). */
static int seed_result(struct seed_run *s, const char *activity, const char *result, const char *details){
  int round;
  char meaning[8];
  int64_t id = seed_activity(s, activity, &round, meaning, sizeof(meaning));
  if( id==0 ) return HP_NOT_FOUND;
  return engine_result(s->a, &s->alice, id, result, details, s->err, sizeof(s->err));
}

/*
** People decide, as the approvals module will record it: one decisions row
** per vote (signed where the activity asks for a signature), each with its
** audit record, then the engine completes the activity as the last voter —
** all in one transaction.  decision: approve|reject for approvals, or
** proceed|abort for a manual task (the one voter takes responsibility first).
*/
static int seed_decide(struct seed_run *s, const char *activity, const char *const *who, int nwho,
                       const char *decision, const char *comment){
  int round, rc = HP_ERROR;
  char meaning[300];
  struct audit_ctx c = s->alice;
  int64_t id = seed_activity(s, activity, &round, meaning, sizeof(meaning));
  int manual = strcmp(decision, "proceed")==0 || strcmp(decision, "abort")==0;
  const char *outcome = strcmp(decision, "approve")==0 ? "approved" : strcmp(decision, "reject")==0 ? "rejected"
                      : strcmp(decision, "proceed")==0 ? "proceeded" : "aborted";
  if( id==0 ) return HP_NOT_FOUND;
  if( db_begin_write(s->a->db) ) return HP_UNAVAILABLE;
  for(int i=0; i<nwho; i++){
    int64_t uid;
    if( !users_find(s->a, who[i], &uid) ) goto out;
    c.actor_id = uid;
    c.actor_name = who[i];
    for(int step=manual ? 0 : 1; step<2; step++){
      const char *d = step==0 ? "take" : decision;
      struct db_stmt *st = db_prepare(s->a->db,
        "INSERT INTO decisions(activity_id,round,user_id,actor_id,decision,comment,signed,signature_name,"
        "signature_meaning,channel,at,user_agent)"
        " SELECT :a, :round, u.id, u.id, :d, :c, :signed, CASE WHEN :signed<>0 THEN u.display_name ELSE '' END,"
        " :m, 'web', :now, 'seed-demo' FROM users u WHERE u.id=:u");
      if( st==NULL ) goto out;
      db_bind_int64(st, ":a", id);
      db_bind_int64(st, ":round", round);
      db_bind_text(st, ":d", d);
      db_bind_text(st, ":c", step==0 ? "" : comment);
      db_bind_int64(st, ":signed", step==1 && meaning[0]);
      db_bind_text(st, ":m", step==1 ? meaning : "");
      db_bind_int64(st, ":now", app_now_ms(s->a));
      db_bind_int64(st, ":u", uid);
      int bad = db_step(st)!=DB_DONE;
      db_finish(st);
      if( bad ) goto out;
      if( step==0 ){
        st = db_prepare(s->a->db, "UPDATE activities SET responsible_user_id=:u WHERE id=:a");
        if( st==NULL ) goto out;
        db_bind_int64(st, ":u", uid);
        db_bind_int64(st, ":a", id);
        bad = db_step(st)!=DB_DONE;
        db_finish(st);
        if( bad ) goto out;
      }
      /* the same actions as approvals.c records */
      const char *action = step==0 ? "task.take" : manual ? (strcmp(d, "proceed")==0 ? "task.proceed" : "task.abort")
                         : strcmp(d, "approve")==0 ? "decision.approve" : "decision.reject";
      if( audit_append(s->a, &c, action, "activity", id, s->rel, "{s:s,s:s,s:i,s:b,s:s}",
                       "activity", activity, "comment", step==0 ? "" : comment, "round", round,
                       "signed", step==1 && meaning[0], "channel", "web") ) goto out;
    }
  }
  rc = engine_complete_in_tx(s->a, &c, id, round, outcome, comment);
out:
  if( rc==HP_OK && db_commit(s->a->db) ) rc = HP_ERROR;
  if( rc ) db_rollback(s->a->db);
  return rc;
}

/*
** Import docs/examples/delivery.yaml (as admin) and play four releases as
** alice: one completed, one rejected in QA, one running (waiting for CI) and
** one On Hold at production with two approvals waiting.  Returns 0 or -1.
*/
static int seed_releases(struct app *a){
  static const char *const bob[] = { "bob" }, *const carol[] = { "carol" }, *const dave[] = { "dave" };
  static const char *const sre_and_product[] = { "carol", "dave" };
  struct seed_run s;
  char path[PATH_MAX+64];
  memset(&s, 0, sizeof(s));
  s.a = a;
  if( !users_find(a, "alice", &s.alice_id) ) return -1;
  s.alice.actor_id = s.alice_id;
  s.alice.actor_name = "alice";
  s.alice.request_id = "seed";

  int64_t admin_id = 0, tid = 0;
  struct audit_ctx adm = s.alice;
  users_find(a, "admin", &admin_id);
  adm.actor_id = admin_id;
  adm.actor_name = "admin";
  snprintf(path, sizeof(path), "%s/docs/examples/delivery.yaml", a->cfg.root_dir);
  FILE *f = fopen(path, "rb");
  if( f==NULL ){ fprintf(stderr, "seed-demo: cannot read %s\n", path); return -1; }
  char *yaml = malloc(256*1024);
  size_t n = yaml ? fread(yaml, 1, 256*1024 - 1, f) : 0;
  fclose(f);
  if( yaml==NULL ) return -1;
  int rc = engine_template_import(a, &adm, yaml, n, admin_id, &tid, NULL, s.err, sizeof(s.err));
  free(yaml);
  if( rc ){ fprintf(stderr, "seed-demo: %s: %s\n", path, s.err); return -1; }

  /* 1. completed: a warning in production, approved by SRE, product and security; migrated by carol */
  rc = seed_release(&s, "checkout-service", "2.3.0", "registry.example/checkout-service:2.3.0");
  if( !rc ) rc = seed_result(&s, "deploy-qa", "pass", "{\"tests\":412,\"failed\":0,\"run\":\"https://ci.example/runs/8812\"}");
  if( !rc ) rc = seed_decide(&s, "qa-signoff", bob, 1, "approve", "All 412 tests pass; the report is attached to the CI run.");
  if( !rc ) rc = seed_result(&s, "evaluation", "warning", "{\"p99_latency_ms\":212,\"threshold_ms\":200}");
  if( !rc ) rc = seed_decide(&s, "production-approval", sre_and_product, 2, "approve",
                             "Latency 6% over the objective during the canary; acceptable for this release.");
  if( !rc ) rc = seed_decide(&s, "security-review", dave, 1, "approve", "Scanner findings are low only.");
  if( !rc ) rc = seed_decide(&s, "db-migration", carol, 1, "proceed", "Migration 0042 ran in 38 s; no locks over 1 s.");
  /* 2. rejected in QA (the delivery template fails the release) */
  if( !rc ) rc = seed_release(&s, "payments-api", "1.8.0", "registry.example/payments-api:1.8.0");
  if( !rc ) rc = seed_result(&s, "deploy-qa", "pass", "{\"tests\":230,\"failed\":0}");
  if( !rc ) rc = seed_decide(&s, "qa-signoff", bob, 1, "reject",
                             "Two critical checkout tests fail on Safari 17; see the attached report.");
  /* 3. running: waiting for CI to report the QA deployment */
  if( !rc ) rc = seed_release(&s, "search-indexer", "0.9.1", "registry.example/search-indexer:0.9.1");
  /* 4. On Hold at production: the evaluation warned, two approvals wait */
  if( !rc ) rc = seed_release(&s, "checkout-service", "2.4.0", "registry.example/checkout-service:2.4.0");
  if( !rc ) rc = seed_result(&s, "deploy-qa", "pass", "{\"tests\":418,\"failed\":0,\"run\":\"https://ci.example/runs/9120\"}");
  if( !rc ) rc = seed_decide(&s, "qa-signoff", bob, 1, "approve", "Regression suite green; exploratory checks on the new coupon flow done.");
  if( !rc ) rc = seed_result(&s, "evaluation", "warning", "{\"error_rate_pct\":0.8,\"threshold_pct\":0.5}");
  if( rc ){
    fprintf(stderr, "seed-demo: could not create the demo releases (%d): %s\n", rc, s.err);
    return -1;
  }
  return 0;
}

/*
** issue 8 (notify.c): the demo's notification channels, all local sinks under the data
** directory, so approvers "get an e-mail" without an SMTP server: e-mail as .eml files in
** <data>/mail/, Slack messages (with their Approve/Reject buttons) as JSON in <data>/slack/.
** Added before the releases so that their events are delivered there.  Returns 0 or -1.
*/
static int seed_notify_channels(struct app *a, const struct audit_ctx *c){
  /* The Slack signing secret is random per installation: a secret printed in our
  ** source would let anyone forge a signed Slack approval on a demo instance. */
  char secret[65], slack_cfg[160];
  if( util_random_hex(secret, 32) ) return -1;
  snprintf(slack_cfg, sizeof(slack_cfg), "{\"url\":\"file:slack\",\"signing_secret\":\"%s\"}", secret);
  const struct { const char *name, *type, *config; } chans[] = {
    { "demo-mail", "file", "{\"dir\":\"mail\",\"from\":\"holdpoint@demo.invalid\"}" },
    { "demo-slack", "slack", slack_cfg },
  };
  if( db_begin_write(a->db) ) return -1;
  for(size_t i=0; i<HP_ARRAY_SIZE(chans); i++){
    struct db_stmt *st = db_prepare(a->db, "INSERT INTO notify_channels(name,type,team,config_json,enabled,source,"
                                         "created_at,updated_at) VALUES(:n,:t,'',:c,1,'seed',:now,:now)");
    int bad = st==NULL;
    if( st ){
      db_bind_text(st, ":n", chans[i].name);
      db_bind_text(st, ":t", chans[i].type);
      db_bind_text(st, ":c", chans[i].config);
      db_bind_int64(st, ":now", app_now_ms(a));
      bad = db_step(st)!=DB_DONE;
      db_finish(st);
    }
    if( bad || audit_append(a, c, "notify.channel.add", "notify_channel", db_last_id(a->db), 0,
                            "{s:s,s:s}", "name", chans[i].name, "type", chans[i].type) ){
      db_rollback(a->db);
      return -1;
    }
  }
  return db_commit(a->db) ? -1 : 0;
}

/*
** Add the demo teams, users (password "holdpoint-demo"), a pipeline token
** for alice, the delivery template and releases in several states.  Does nothing when any user exists already.
*/
int seed_demo(struct app *a){
  struct audit_ctx c;
  char err[300];
  int64_t id;
  memset(&c, 0, sizeof(c));
  c.actor_name = "seed-demo";
  c.request_id = "seed";
  if( db_int(a->db, "SELECT count(*) FROM users", 0)>0 ){
    printf("demo data already present\n");
    return 0;
  }
  for(size_t i=0; i<HP_ARRAY_SIZE(demo_teams); i++){
    if( users_team_add(a, &c, demo_teams[i].name, demo_teams[i].description, &id, err, sizeof(err)) ){
      fprintf(stderr, "seed-demo: %s\n", err);
      return 1;
    }
  }
  for(size_t i=0; i<HP_ARRAY_SIZE(demo_users); i++){
    int nteams = 0;
    while( nteams<3 && demo_users[i].teams[nteams] ) nteams++;
    if( users_add(a, &c, demo_users[i].username, demo_users[i].display, demo_users[i].email,
                  SEED_PASSWORD, demo_users[i].roles, demo_users[i].teams, nteams, &id, err, sizeof(err)) ){
      fprintf(stderr, "seed-demo: %s: %s\n", demo_users[i].username, err);
      return 1;
    }
  }
  char tok[80];
  int64_t uid, tid;
  if( !users_find(a, "alice", &uid) || db_begin_write(a->db)
   || auth_token_create(a, uid, "demo pipeline", tok, sizeof(tok), &tid)
   || audit_append(a, &c, "token.create", "token", tid, 0, "{s:s,s:s}", "user", "alice", "name", "demo pipeline")
   || db_commit(a->db) || save_token(a, tok) ){
    db_rollback(a->db);
    fprintf(stderr, "seed-demo: could not create the demo token\n");
    return 1;
  }
  if( seed_notify_channels(a, &c) ){ fprintf(stderr, "seed-demo: could not add the demo notification channels\n"); return 1; }
  if( seed_releases(a) ) return 1;
  printf("demo data added\n");
  return 0;
}

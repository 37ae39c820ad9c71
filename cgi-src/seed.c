/* seed.c — the demo data that `make run` loads on first start. */
#include "seed.h"
#include "app.h"
#include "db.h"
#include "users.h"
#include "auth.h"
#include "audit.h"
#include <stdio.h>
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

/*
** Add the demo teams, users (password "holdpoint-demo") and a pipeline token
** for alice.  Does nothing when any user exists already.
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
  printf("demo data added\n");
  return 0;
}

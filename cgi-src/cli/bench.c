/* bench.c — a large data set for `make bench`: many releases, activities and audit rows. */
#include "bench.h"
#include "app.h"
#include "db.h"
#include "engine.h"
#include "audit.h"
#include "users.h"
#include <stdio.h>
#include <string.h>

#define BENCH_BATCH 200      /* releases, or thousands of audit rows, per transaction */

/*
** Create `releases` releases of the demo's delivery template as alice, each
** brought to its QA sign-off (On Hold) through the engine, so that the pages
** read realistic rows; then `audit_rows` more audit records, so the trail is
** as long as a busy year's.  Needs the demo data (seed-demo) first.
*/
int bench_seed(struct app *a, int releases, int audit_rows){
  struct audit_ctx c;
  int64_t alice;
  char err[300], name[64], version[32];
  memset(&c, 0, sizeof(c));
  c.actor_name = "bench";
  c.request_id = "bench";
  if( !users_find(a, "alice", &alice) ){
    fprintf(stderr, "seed-bench: run seed-demo first (no user alice)\n");
    return 1;
  }
  c.actor_id = alice;
  for(int i=0; i<releases; ){
    if( db_begin_write(a->db) ) return 1;
    for(int k=0; k<BENCH_BATCH && i<releases; k++, i++){
      const char *keys[] = { "image", "version" };
      snprintf(name, sizeof(name), "service-%03d", i % 250);
      snprintf(version, sizeof(version), "%d.%d.%d", 1 + i/1000, (i/10)%100, i%10);
      const char *vals[] = { "registry.example/app:bench", version };
      struct engine_new_release nr = { "delivery", name, version, "", keys, vals, 2, alice, NULL, NULL };
      int64_t rid, qa = 0;
      if( engine_release_create_in_tx(a, &c, &nr, &rid, err, sizeof(err))!=HP_OK ) goto fail;
      struct db_stmt *st = db_prepare(a->db, "SELECT id FROM activities WHERE release_id=:r AND name='deploy-qa'");
      if( st ){
        db_bind_int64(st, ":r", rid);
        if( db_step(st)==DB_ROW ) qa = db_col_int64(st, 0);
        db_finish(st);
      }
      if( qa==0 || engine_result_in_tx(a, &c, qa, (i%3) ? "pass" : "warning", NULL, err, sizeof(err))!=HP_OK ) goto fail;
    }
    if( db_commit(a->db) ) return 1;
  }
  for(int i=0; i<audit_rows; ){
    if( db_begin_write(a->db) ) return 1;
    for(int k=0; k<BENCH_BATCH*10 && i<audit_rows; k++, i++){
      if( audit_append(a, &c, "bench.filler", "release", 0, 0, "{s:i}", "n", i) ) goto fail;
    }
    if( db_commit(a->db) ) return 1;
  }
  /*
  ** The releases' "waiting" messages (one per release and channel) are bench data, not news:
  ** marked delivered, so that the job runner does not spend the measurement sending thousands.
  */
  if( db_begin_write(a->db) || db_exec(a->db, "UPDATE outbox SET status='sent', sent_at=created_at"
                                              " WHERE status='pending' AND event='waiting'") || db_commit(a->db) ){
    db_rollback(a->db);
    return 1;
  }
  printf("bench data: %d releases, %lld activities, %lld audit rows\n", releases,
         (long long)db_int(a->db, "SELECT count(*) FROM activities", 0),
         (long long)db_int(a->db, "SELECT count(*) FROM audit_log", 0));
  return 0;
fail:
  db_rollback(a->db);
  fprintf(stderr, "seed-bench: %s\n", err[0] ? err : "failed");
  return 1;
}

/* jobs.c — the job runner: a lease so one server fires timers, and the periodic tick. */
#include "jobs.h"
#include "audit.h"
#include "stats.h"
#include "auth.h"
#include "app.h"
#include "db.h"
#include "log.h"
#include "approvals.h"
#include "notify.h"
#include "federate.h"
#include "engine.h"
#include "windows.h"
#include <stdio.h>
#include <unistd.h>

#define LEASE_TTL_MS 30000

static const char *holder_name(char *buf, size_t n){
  char host[128] = "";
  gethostname(host, sizeof(host)-1);
  snprintf(buf, n, "%s:%d", host, (int)getpid());
  return buf;
}

/* The job runner's lock on a shared PostgreSQL database ("jobs" in ASCII). */
#define JOBS_LOCK 0x6a6f6273

/*
** Take or renew the lease row "jobs": it is ours if free, expired or already
** ours.  One conditional statement in a write transaction, so two servers on
** one database never both hold it.  On PostgreSQL the job runner first holds a
** session lock (db_session_lock): while its process lives no other node's runner
** works, however long it stalls, and the moment it dies another takes over; the
** row then only says who holds it.  Returns 1 when we hold it.
*/
int jobs_acquire_lease(struct app *app, const char *holder, int64_t now, int64_t ttl_ms){
  int lock = db_session_lock(app->db, JOBS_LOCK);
  if( lock!=1 && lock!=DB_NO_SESSION_LOCK ) return 0;
  struct db_stmt *st = db_prepare(app->db, lock==1
    ? "INSERT INTO job_lease(name,holder,expires_at) VALUES('jobs',:h,:exp)"
      " ON CONFLICT(name) DO UPDATE SET holder=:h, expires_at=:exp"
    : "INSERT INTO job_lease(name,holder,expires_at) VALUES('jobs',:h,:exp)"
      " ON CONFLICT(name) DO UPDATE SET holder=:h, expires_at=:exp"
      " WHERE job_lease.holder=:h OR job_lease.expires_at<:now");
  if( st==NULL ) return 0;
  db_bind_text(st, ":h", holder);
  db_bind_int64(st, ":exp", now + ttl_ms);
  if( db_has_param(st, ":now") ) db_bind_int64(st, ":now", now);
  int ok = db_step(st)==DB_DONE && db_changes(app->db)==1;
  db_finish(st);
  return ok;
}

/* Called once a second by the job runner process. */
void jobs_tick(struct app *app){
  stats_job_tick(app_now_ms(app));
  char holder[160];
  int64_t now = app_now_ms(app);
  if( !jobs_acquire_lease(app, holder_name(holder, sizeof(holder)), now, LEASE_TTL_MS) ) return;
  approvals_timers(app, now);
  windows_freeze_tick(app, now);   /* issue 18: freezes that began give waiting approvals their rule */
  engine_wake_due(app, now);       /* issue 18: scheduled activities whose change window opened */
  notify_deliver_due(app);     /* issue 8: the outbox (notify.c), after the timers that fill it */
  auth_prune(app, now);        /* sign-in failures older than a day */
  audit_checkpoint_maybe(app, now);   /* the chain's head, out of the database */
  fed_sync_tick(app, now);     /* issue 17: the LDAP directory's people and groups */
}

void jobs_release(struct app *app){
  char holder[160];
  struct db_stmt *st = db_prepare(app->db, "DELETE FROM job_lease WHERE name='jobs' AND holder=:h");
  if( st==NULL ) return;
  db_bind_text(st, ":h", holder_name(holder, sizeof(holder)));
  db_step(st);
  db_finish(st);
}

/* notify.c — who hears about what: in-app notifications for the people concerned. */
#include "notify.h"
#include "app.h"
#include "db.h"
#include "log.h"
#include <stdio.h>
#include <string.h>

static const char *event_text(const char *event){
  if( strcmp(event, "reminder")==0 ) return "Reminder: %s in %s %s is waiting for you";
  if( strcmp(event, "escalated")==0 ) return "Escalated to you: %s in %s %s passed its deadline";
  return "%s in %s %s is waiting for you";
}

/*
** In-app notices to everyone who may act: for approvals the eligible people
** of the round who have not voted; for manual tasks the holder, or else the
** responsible team, role or user.
*/
int notify_activity_event(struct app *a, int64_t activity_id, const char *event){
  char fmt[160];
  snprintf(fmt, sizeof(fmt), "%s", event_text(event));
  sqlite3_stmt *st = db_prepare(a->db,
    "WITH act AS (SELECT a.*, r.name AS rname, r.version AS rversion FROM activities a"
    "             JOIN releases r ON r.id=a.release_id WHERE a.id=:a),"
    " people AS ("
    "  SELECT e.user_id FROM eligible e, act WHERE e.activity_id=act.id AND e.round=act.round AND act.kind='approval'"
    "   AND NOT EXISTS(SELECT 1 FROM decisions d WHERE d.activity_id=act.id AND d.round=act.round"
    "                  AND (d.user_id=e.user_id OR d.actor_id=e.user_id) AND d.decision IN ('approve','reject'))"
    "  UNION SELECT act.responsible_user_id FROM act WHERE act.kind='manual' AND act.responsible_user_id IS NOT NULL"
    "  UNION SELECT m.user_id FROM act JOIN teams t ON t.name=act.responsible_name JOIN team_members m ON m.team_id=t.id"
    "   WHERE act.kind='manual' AND act.responsible_user_id IS NULL AND act.responsible_kind='team'"
    "  UNION SELECT r.user_id FROM act JOIN user_roles r ON r.role=act.responsible_name"
    "   WHERE act.kind='manual' AND act.responsible_user_id IS NULL AND act.responsible_kind='role'"
    "  UNION SELECT u.id FROM act JOIN users u ON u.username=act.responsible_name"
    "   WHERE act.kind='manual' AND act.responsible_user_id IS NULL AND act.responsible_kind='user')"
    " INSERT INTO notifications(user_id,text,link,created_at)"
    " SELECT p.user_id, printf(:fmt, act.name, act.rname, act.rversion), '/activities/'||act.id, :now"
    " FROM people p, act JOIN users u ON u.id=p.user_id WHERE u.disabled=0");
  if( st==NULL ) return -1;
  db_bind_int64(st, ":a", activity_id);
  db_bind_text(st, ":fmt", fmt);
  db_bind_int64(st, ":now", app_now_ms(a));
  int rc = db_step(st)==SQLITE_DONE ? 0 : -1;
  sqlite3_finalize(st);
  return rc;
}

int notify_activity_finished(struct app *a, int64_t activity_id, const char *outcome){
  sqlite3_stmt *st = db_prepare(a->db,
    "INSERT INTO notifications(user_id,text,link,created_at)"
    " SELECT r.started_by, printf('%s in %s %s: %s', a.name, r.name, r.version, :o), '/activities/'||a.id, :now"
    " FROM activities a JOIN releases r ON r.id=a.release_id WHERE a.id=:a");
  if( st==NULL ) return -1;
  db_bind_int64(st, ":a", activity_id);
  db_bind_text(st, ":o", outcome);
  db_bind_int64(st, ":now", app_now_ms(a));
  int rc = db_step(st)==SQLITE_DONE ? 0 : -1;
  sqlite3_finalize(st);
  return rc;
}

/* page_decide.c — acting on an activity: approve/reject (browser and API), manual tasks, delegation. */
#include "page_decide.h"
#include "util.h"
#include "page_release.h"
#include "approvals.h"
#include "mayact.h"
#include "policy.h"
#include "app.h"
#include "db.h"
#include "auth.h"
#include "session.h"
#include "audit.h"
#include "api.h"
#include "log.h"
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <stdint.h>

static const char *const DECISIONS[] = { "approve", "reject", NULL };
static const char *const TASK_ACTIONS[] = { "proceed", "abort", NULL };

static void voter_from_req(struct req *r, struct approvals_voter *v, const char *channel){
  memset(v, 0, sizeof(*v));
  v->user = r->user;
  v->channel = channel;
  v->ip = r->remote_addr;
  v->session_hash = r->session_hash;
  v->user_agent = r->user_agent;
}

/*
** Show the activity page again with a message (next to field when given)
** and the status of the refusal.  What the person typed stays in the form
** because the page reads it back from r->form.
*/
static int show_again(struct req *r, int status, const char *field, const char *msg){
  if( field && field[0] ) req_field_error(r, field, "%s", msg);
  else req_field_error(r, "action", "%s", msg);
  int rc = page_activity(r);
  if( rc==HP_OK ) r->status = status;
  return rc;
}

/* Show the page again with an error value from the core, next to its field. */
static int show_error(struct req *r, const struct hp_err *e){
  if( e->code<400 || e->code>599 ) return show_again(r, HP_ERROR, "", "Holdpoint could not save this, so nothing was recorded. Try again in a moment.");
  return show_again(r, e->code, e->field, e->reason);
}

/* Verify the re-entered password for a signature; a wrong one is audited and nothing else. */
static int check_signature(struct req *r, int64_t activity_id, int *signed_ok){
  const char *pw = req_form(r, "password");
  *signed_ok = 0;
  if( pw==NULL || pw[0]==0 ) return HP_OK;
  if( sess_reauthenticate(r, pw) ){
    *signed_ok = 1;
    return HP_OK;
  }
  req_audit_tx(r, "signature.failed", "activity", activity_id, 0, "{s:s}", "reason", "wrong password");
  return HP_FORBIDDEN;
}

/* Is a signature required on this activity?  -1 unknown activity. */
static int needs_signature(struct req *r, int64_t id){
  sqlite3_stmt *st = db_prepare(r->app->db, "SELECT signature_required FROM activities WHERE id=:id");
  int v = -1;
  if( st==NULL ) return -1;
  db_bind_int64(st, ":id", id);
  if( db_step(st)==SQLITE_ROW ) v = sqlite3_column_int(st, 0);
  db_finish(st);
  return v;
}

/*
** POST /activities/{id}/decision — approve or reject.  Fields: decision,
** comment (required to reject), password (when a signature is required),
** acting_for (a user id, when deciding for someone who delegated to you).
*/
int page_activity_decision(struct req *r){
  int64_t id = r->ids[0], acting_for = 0;
  const char *decision, *comment;
  struct hp_err err;
  int ok = req_enum(r, "decision", DECISIONS, &decision);
  ok &= req_text(r, "comment", 0, 4000, &comment);
  ok &= req_int(r, "acting_for", 0, INT64_MAX, 0, &acting_for);
  int sig = needs_signature(r, id);
  if( sig<0 ) return HP_NOT_FOUND;
  if( !ok ) return show_again(r, HP_UNPROCESSABLE, NULL, "Check the form.");
  if( sig && (req_form(r, "password")==NULL || req_form(r, "password")[0]==0) ){
    return show_again(r, HP_UNPROCESSABLE, "password", "Enter your password to sign this decision.");
  }
  struct approvals_voter v;
  voter_from_req(r, &v, "web");
  v.acting_for = acting_for;
  if( sig && check_signature(r, id, &v.signed_ok)!=HP_OK ){
    return show_again(r, HP_FORBIDDEN, "password", "That password is not correct. Nothing was recorded.");
  }
  struct audit_ctx c;
  struct approvals_result res;
  req_audit_ctx(r, &c);
  int rc = approvals_decide(r->app, &c, &v, id, decision, comment, &res, &err);
  if( rc==HP_NOT_FOUND ) return rc;
  if( rc!=HP_OK ) return show_error(r, &err);
  const char *ret = req_form(r, "return");
  int to_inbox = ret && strcmp(ret, "inbox")==0;       /* a quick action from the inbox */
  if( res.state==POLICY_PENDING ){
    page_flash(r, "Your %s is recorded. %d more approval%s needed.", decision[0]=='a' ? "approval" : "rejection",
               res.needed, res.needed==1 ? " is" : "s are");
  }else{
    page_flash(r, "Your %s is recorded. The activity is %s.", decision[0]=='a' ? "approval" : "rejection",
               res.state==POLICY_APPROVED ? "approved and the release moves on" : "rejected");
  }
  if( to_inbox ) return resp_redirect(r, "/");
  return resp_redirect(r, "/activities/%lld", (long long)id);
}

/* POST /activities/{id}/take — take responsibility for a manual task. */
int page_activity_take(struct req *r){
  struct hp_err err;
  struct audit_ctx c;
  req_audit_ctx(r, &c);
  int rc = approvals_take(r->app, &c, r->user, r->ids[0], &err);
  if( rc==HP_NOT_FOUND ) return rc;
  if( rc!=HP_OK ) return show_error(r, &err);
  page_flash(r, "You are now responsible for this task.");
  return resp_redirect(r, "/activities/%lld", (long long)r->ids[0]);
}

/* POST /activities/{id}/hand-back — the holder gives a manual task back to its group. */
int page_activity_hand_back(struct req *r){
  struct hp_err err;
  struct audit_ctx c;
  req_audit_ctx(r, &c);
  int rc = approvals_hand_back(r->app, &c, r->user, r->ids[0], &err);
  if( rc==HP_NOT_FOUND ) return rc;
  if( rc!=HP_OK ) return show_error(r, &err);
  page_flash(r, "You handed the task back. Anyone responsible for it may take it now, and they have been told.");
  return resp_redirect(r, "/activities/%lld", (long long)r->ids[0]);
}

/* POST /activities/{id}/assign — hand a manual task to someone (release managers, admins). */
int page_activity_assign(struct req *r){
  const char *username;
  struct hp_err err;
  int64_t uid = 0;
  if( !req_text(r, "username", 1, 64, &username) ) return show_again(r, HP_UNPROCESSABLE, "username", "Enter a username.");
  sqlite3_stmt *st = db_prepare(r->app->db, "SELECT id FROM users WHERE username=:u AND disabled=0");
  if( st ){
    db_bind_text(st, ":u", username);
    if( db_step(st)==SQLITE_ROW ) uid = sqlite3_column_int64(st, 0);
    db_finish(st);
  }
  if( uid==0 ) return show_again(r, HP_UNPROCESSABLE, "username", "There is no such person.");
  struct audit_ctx c;
  req_audit_ctx(r, &c);
  int rc = approvals_assign(r->app, &c, r->user, r->ids[0], uid, &err);
  if( rc==HP_NOT_FOUND ) return rc;
  if( rc!=HP_OK ) return show_again(r, rc, "username", err.reason);
  page_flash(r, "The task is now assigned to %s.", username);
  return resp_redirect(r, "/activities/%lld", (long long)r->ids[0]);
}

/* POST /activities/{id}/task — Proceed or Abort a manual task (notes required on Abort). */
int page_activity_task(struct req *r){
  int64_t id = r->ids[0];
  const char *action, *notes;
  struct hp_err err;
  int ok = req_enum(r, "action", TASK_ACTIONS, &action);
  ok &= req_text(r, "notes", 0, 4000, &notes);
  int sig = needs_signature(r, id);
  if( sig<0 ) return HP_NOT_FOUND;
  if( !ok ) return show_again(r, HP_UNPROCESSABLE, NULL, "Check the form.");
  struct approvals_voter v;
  voter_from_req(r, &v, "web");
  if( sig && check_signature(r, id, &v.signed_ok)!=HP_OK ){
    return show_again(r, HP_FORBIDDEN, "password", "That password is not correct. Nothing was recorded.");
  }
  struct audit_ctx c;
  req_audit_ctx(r, &c);
  int rc = approvals_finish_task(r->app, &c, &v, id, action, notes, &err);
  if( rc==HP_NOT_FOUND ) return rc;
  if( rc!=HP_OK ) return show_error(r, &err);
  page_flash(r, action[0]=='p' ? "Done: the release moves on." : "The task was aborted and its phase failed.");
  return resp_redirect(r, "/activities/%lld", (long long)id);
}

/* ------------------------------------------------------------------ API */

/*
** POST /api/v1/activities/{id}/decision {"decision":"approve"|"reject","comment":"…","acting_for":"username"}
** 200 with the outcome; 403 not eligible; 409 not waiting or already voted;
** 422 missing comment on reject, or a signature-required activity (a token
** cannot sign).
*/
int api_activity_decision(struct req *r){
  json_t *j;
  struct hp_err err;
  api_read_json(r, &j);
  if( j==NULL ) return HP_OK;
  /* copies: j is released before the reply is built */
  const char *decision = arena_strdup(&r->arena, json_string_value(json_object_get(j, "decision")));
  const char *comment = arena_strdup(&r->arena, json_string_value(json_object_get(j, "comment")));
  json_t *jc = json_object_get(j, "comment");
  if( jc && !json_is_string(jc) ){ json_decref(j); return api_fail(r, 422, "invalid", "comment must be a string."); }
  if( decision==NULL || (strcmp(decision, "approve")!=0 && strcmp(decision, "reject")!=0) ){
    json_decref(j);
    return api_fail(r, 422, "invalid", "decision must be \"approve\" or \"reject\".");
  }
  struct approvals_voter v;
  voter_from_req(r, &v, "api");
  const char *for_name = json_string_value(json_object_get(j, "acting_for"));
  if( for_name ){
    sqlite3_stmt *st = db_prepare(r->app->db, "SELECT id FROM users WHERE username=:u");
    if( st ){
      db_bind_text(st, ":u", for_name);
      if( db_step(st)==SQLITE_ROW ) v.acting_for = sqlite3_column_int64(st, 0);
      db_finish(st);
    }
    if( v.acting_for==0 ){ json_decref(j); return api_fail(r, 422, "invalid", "acting_for: no such user."); }
  }
  struct audit_ctx c;
  struct approvals_result res;
  req_audit_ctx(r, &c);
  int rc = approvals_decide(r->app, &c, &v, r->ids[0], decision, comment ? comment : "", &res, &err);
  json_decref(j);
  if( rc!=HP_OK ) return api_fail(r, rc==HP_UNAVAILABLE ? 503 : rc, NULL, err.reason);
  static const char *states[] = { "pending", "approved", "rejected" };
  return api_reply(r, 200, json_pack("{s:I,s:s,s:s,s:i}", "activity", (json_int_t)r->ids[0],
                                     "decision", decision, "state", states[res.state], "needed", res.needed));
}

/* ------------------------------------------------------------------ delegation */

/* "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM" (UTC) in milliseconds; -1 if malformed. */
static int64_t parse_when(const char *z){
  int64_t ms;
  return util_parse_utc(z, 1, &ms) ? ms : -1;
}

/* GET /me/delegation — who decides for me while I am away, and for whom I decide. */
int page_delegation(struct req *r){
  tmpl_dict *d = tmpl_dict_new("delegation");
  if( d==NULL ) return HP_ERROR;
  tmpl_set(d, "CSRF", r->csrf_token);
  tmpl_set(d, "DELEGATE", req_form(r, "delegate"));
  tmpl_set(d, "STARTS", req_form(r, "starts"));
  tmpl_set(d, "ENDS", req_form(r, "ends"));
  page_field_errors(r, d);
  int64_t now = app_now_ms(r->app);
  sqlite3_stmt *st = db_prepare(r->app->db,
    "SELECT g.id, u.display_name, u.username, g.starts_at, g.ends_at, g.revoked_at FROM delegations g"
    " JOIN users u ON u.id=g.delegate_id WHERE g.user_id=:me ORDER BY g.starts_at DESC LIMIT 50");
  int n = 0;
  if( st ){
    db_bind_int64(st, ":me", r->user->id);
    while( db_step(st)==SQLITE_ROW ){
      tmpl_dict *row = tmpl_section(d, "MINE");
      tmpl_set_int(row, "ID", sqlite3_column_int64(st, 0));
      tmpl_set(row, "NAME", db_col_text(st, 1));
      tmpl_set(row, "USERNAME", db_col_text(st, 2));
      tmpl_set(row, "STARTS", page_time(r, sqlite3_column_int64(st, 3)));
      tmpl_set(row, "ENDS", page_time(r, sqlite3_column_int64(st, 4)));
      int revoked = sqlite3_column_type(st, 5)!=SQLITE_NULL;
      int64_t ends = sqlite3_column_int64(st, 4), starts = sqlite3_column_int64(st, 3);
      tmpl_set(row, "STATE", revoked ? "Ended early" : ends<=now ? "Over" : starts>now ? "Planned" : "Active");
      if( !revoked && ends>now ) tmpl_show(row, "CAN_END");
      tmpl_set(row, "CSRF", r->csrf_token);
      n++;
    }
    db_finish(st);
  }
  if( n==0 ) tmpl_show(d, "NO_MINE");
  st = db_prepare(r->app->db,
    "SELECT u.display_name, g.starts_at, g.ends_at FROM delegations g JOIN users u ON u.id=g.user_id"
    " WHERE g.delegate_id=:me AND g.revoked_at IS NULL AND g.ends_at>:now ORDER BY g.starts_at LIMIT 50");
  n = 0;
  if( st ){
    db_bind_int64(st, ":me", r->user->id);
    db_bind_int64(st, ":now", now);
    while( db_step(st)==SQLITE_ROW ){
      tmpl_dict *row = tmpl_section(d, "FOR_OTHERS");
      tmpl_set(row, "NAME", db_col_text(st, 0));
      tmpl_set(row, "STARTS", page_time(r, sqlite3_column_int64(st, 1)));
      tmpl_set(row, "ENDS", page_time(r, sqlite3_column_int64(st, 2)));
      n++;
    }
    db_finish(st);
  }
  if( n==0 ) tmpl_show(d, "NO_FOR_OTHERS");
  return page_render(r, r->errors ? 422 : 200, "delegation.tpl", d, "Delegation");
}

/* POST /me/delegation — name a delegate for a date range (UTC). */
int page_delegation_add(struct req *r){
  const char *who, *starts, *ends;
  int ok = req_text(r, "delegate", 1, 64, &who);
  ok &= req_text(r, "starts", 1, 20, &starts);
  ok &= req_text(r, "ends", 1, 20, &ends);
  int64_t s = ok ? parse_when(starts) : -1, e = ok ? parse_when(ends) : -1;
  if( ok && s<0 ){ req_field_error(r, "starts", "Use a date like 2026-12-24."); ok = 0; }
  if( ok && e<0 ){ req_field_error(r, "ends", "Use a date like 2026-12-31."); ok = 0; }
  if( ok && strlen(ends)==10 ) e += 86400*1000;           /* a date means "to the end of that day" */
  int64_t uid = 0;
  if( ok ){
    sqlite3_stmt *st = db_prepare(r->app->db, "SELECT id FROM users WHERE username=:u AND disabled=0");
    if( st ){
      db_bind_text(st, ":u", who);
      if( db_step(st)==SQLITE_ROW ) uid = sqlite3_column_int64(st, 0);
      db_finish(st);
    }
    if( uid==0 ){ req_field_error(r, "delegate", "There is no such person."); ok = 0; }
  }
  if( !ok ) return page_delegation(r);
  struct hp_err err;
  struct audit_ctx c;
  req_audit_ctx(r, &c);
  int rc = approvals_delegate(r->app, &c, r->user->id, uid, s, e, &err);
  if( rc==HP_UNPROCESSABLE ){
    req_field_error(r, err.field[0] ? err.field : "delegate", "%s", err.reason);
    return page_delegation(r);
  }
  if( rc!=HP_OK ) return rc;
  page_flash(r, "%s may now decide for you from %s to %s.", who, starts, ends);
  return resp_redirect(r, "/me/delegation");
}

/* POST /me/delegation/{id}/end — end one of my delegations now. */
int page_delegation_end(struct req *r){
  struct audit_ctx c;
  req_audit_ctx(r, &c);
  int rc = approvals_delegation_revoke(r->app, &c, r->user->id, r->ids[0]);
  if( rc!=HP_OK ) return rc;
  page_flash(r, "The delegation has ended.");
  return resp_redirect(r, "/me/delegation");
}

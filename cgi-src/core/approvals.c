/* approvals.c — decisions on approvals and manual tasks, delegation, deadlines and reminders. */
#include "approvals.h"
#include "app.h"
#include "db.h"
#include "audit.h"
#include "engine.h"
#include "policy.h"
#include "mayact.h"
#include "inputs.h"
#include "notify.h"
#include "log.h"
#include "digest.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

static int set_err(struct hp_err *e, int rc, const char *msg){
  return hp_fail(e, rc, NULL, "%s", msg);
}

int approvals_status(struct app *a, int64_t activity_id, struct policy **policy, struct policy_status *st){
  struct arena ar;
  struct mayact_act w;
  struct policy_group groups[POLICY_MAX_RULES];
  struct policy_vote *votes;
  size_t nvotes;
  char perr[200];
  int rc = HP_ERROR;
  arena_init(&ar);
  *policy = NULL;
  memset(st, 0, sizeof(*st));
  if( !mayact_load(a, &ar, activity_id, &w) || strcmp(w.kind, "approval")!=0 || w.policy_json==NULL ){
    rc = HP_NOT_FOUND;
    goto out;
  }
  if( policy_parse(w.policy_json, policy, perr, sizeof(perr))!=POLICY_OK ) goto out;
  if( mayact_groups(a, &ar, &w, *policy, groups) || mayact_votes(a, &ar, &w, &votes, &nvotes) ) goto out;
  if( policy_evaluate(*policy, groups, w.started_by>0 ? w.started_by : 1, votes, nvotes, st)!=POLICY_OK ) goto out;
  rc = HP_OK;
out:
  if( rc!=HP_OK ){ policy_free(*policy); *policy = NULL; }
  arena_free(&ar);
  return rc;
}

int64_t approvals_active_delegation(struct app *a, int64_t delegate_id, int64_t principal_id, int64_t now){
  struct db_stmt *st = db_prepare(a->db, "SELECT d.user_id FROM delegations d JOIN users u ON u.id=d.user_id"
    " WHERE d.delegate_id=:d AND d.user_id=:p AND d.revoked_at IS NULL AND d.starts_at<=:now AND d.ends_at>:now"
    " AND u.disabled=0 LIMIT 1");
  int64_t id = 0;
  if( st==NULL ) return 0;
  db_bind_int64(st, ":d", delegate_id);
  db_bind_int64(st, ":p", principal_id);
  db_bind_int64(st, ":now", now);
  if( db_step(st)==DB_ROW ) id = db_col_int64(st, 0);
  db_finish(st);
  return id;
}

/*
** Are the required fields of this round filled?  Values are validated when
** they are saved (inputs.c), so here a value (or, for a file field, an
** evidence file) must exist; a required checkbox must be ticked.  Returns 1,
** or 0 with the label of the first missing field in err.
*/
static int required_inputs_present(struct app *a, const struct mayact_act *w, struct hp_err *e){
  struct db_stmt *st = db_prepare(a->db,
    "SELECT f.label, '" INPUTS_PREFIX "' || f.key FROM fields f WHERE f.activity_id=:a AND f.required=1 AND NOT ("
    "  (f.type='file' AND EXISTS(SELECT 1 FROM evidence e WHERE e.activity_id=f.activity_id AND e.round=:r AND e.field_key=f.key))"
    "  OR (f.type='checkbox' AND EXISTS(SELECT 1 FROM inputs i WHERE i.activity_id=f.activity_id AND i.round=:r AND i.field_key=f.key AND i.value='on'))"
    "  OR (f.type NOT IN ('file','checkbox') AND EXISTS(SELECT 1 FROM inputs i WHERE i.activity_id=f.activity_id AND i.round=:r AND i.field_key=f.key AND i.value<>''))"
    ") ORDER BY f.position LIMIT 1");
  int ok = 0;
  if( st==NULL ) return hp_err_default(e, HP_ERROR), 0;
  db_bind_int64(st, ":a", w->id);
  db_bind_int64(st, ":r", w->round);
  int step = db_step(st);
  if( step==DB_ROW ){
    hp_fail(e, HP_UNPROCESSABLE, db_col_text(st, 1), "Fill in \"%s\" and save the form before you approve.", db_col_text(st, 0));
  }else if( step==DB_DONE ){
    ok = 1;                                   /* nothing missing */
  }else{
    hp_err_default(e, HP_ERROR);              /* the check could not run: refuse, never assume */
  }
  db_finish(st);
  return ok;
}

static int put_output(struct app *a, int64_t act, const char *key, const char *value){
  struct db_stmt *st = db_prepare(a->db, "INSERT INTO outputs(activity_id,key,value) VALUES(:a,:k,:v)"
    " ON CONFLICT(activity_id,key) DO UPDATE SET value=excluded.value");
  if( st==NULL ) return -1;
  db_bind_int64(st, ":a", act);
  db_bind_text(st, ":k", key);
  db_bind_text(st, ":v", value ? value : "");
  int rc = db_step(st)==DB_DONE ? 0 : -1;
  db_finish(st);
  return rc;
}

/*
** The output variables of a finished human activity: the responsible user
** (whose decision finished it) and each field's value of the round.  The
** engine has already written "decision" and "notes".
*/
static int write_outputs(struct app *a, const struct mayact_act *w, const struct user *u){
  char id[32];
  snprintf(id, sizeof(id), "%lld", (long long)u->id);
  if( put_output(a, w->id, "responsible_user.id", id)
   || put_output(a, w->id, "responsible_user.username", u->username)
   || put_output(a, w->id, "responsible_user.display_name", u->display_name)
   || put_output(a, w->id, "responsible_user.email", u->email) ) return -1;
  struct db_stmt *st = db_prepare(a->db, "INSERT INTO outputs(activity_id,key,value)"
    " SELECT activity_id, field_key, value FROM inputs WHERE activity_id=:a AND round=:r"
    " ON CONFLICT(activity_id,key) DO UPDATE SET value=excluded.value");
  if( st==NULL ) return -1;
  db_bind_int64(st, ":a", w->id);
  db_bind_int64(st, ":r", w->round);
  int rc = db_step(st)==DB_DONE ? 0 : -1;
  db_finish(st);
  return rc;
}

/* Insert one decisions row; HP_CONFLICT when the person already has one (unique index). */
static int insert_decision(struct app *a, const struct mayact_act *w, const struct approvals_voter *v,
                           int64_t principal, const char *decision, const char *comment, int signed_){
  struct db_stmt *st = db_prepare(a->db,
    "INSERT INTO decisions(activity_id,round,user_id,actor_id,decision,comment,signed,signature_name,"
    "signature_meaning,signature_method,channel,at,ip,session_hash,user_agent,artifact_digest)"
    " VALUES(:a,:r,:u,:actor,:d,:c,:s,:sn,:sm,:smeth,:ch,:at,:ip,:sh,:ua,"
    " (SELECT rl.artifact_digest FROM activities x JOIN releases rl ON rl.id=x.release_id WHERE x.id=:a))");
  if( st==NULL ) return HP_ERROR;
  db_bind_int64(st, ":a", w->id);
  db_bind_int64(st, ":r", w->round);
  db_bind_int64(st, ":u", principal);
  db_bind_int64(st, ":actor", v->user->id);
  db_bind_text(st, ":d", decision);
  db_bind_text(st, ":c", comment ? comment : "");
  db_bind_int64(st, ":s", signed_);
  db_bind_text(st, ":sn", signed_ ? v->user->display_name : "");
  db_bind_text(st, ":sm", signed_ ? w->signature_meaning : "");
  db_bind_text(st, ":smeth", signed_ ? (v->signature_method ? v->signature_method : "password") : "");
  db_bind_text(st, ":ch", v->channel ? v->channel : "web");
  db_bind_int64(st, ":at", app_now_ms(a));
  db_bind_text(st, ":ip", v->ip ? v->ip : "");
  db_bind_text(st, ":sh", v->session_hash ? v->session_hash : "");
  db_bind_text(st, ":ua", v->user_agent ? v->user_agent : "");
  int step = db_step(st);
  db_finish(st);
  if( step==DB_DONE ) return HP_OK;
  return step==DB_CONSTRAINT ? HP_CONFLICT : HP_ERROR;
}

/* People-facing sentence for a refusal from the policy module. */
static int policy_refusal(enum policy_rc prc, struct hp_err *e){
  switch( prc ){
    case POLICY_NOT_ELIGIBLE: return set_err(e, HP_FORBIDDEN, "You are not one of the approvers of this activity.");
    case POLICY_SELF_APPROVAL: return set_err(e, HP_FORBIDDEN,
      "You started this release, so you cannot approve or reject it (self-approval is not allowed here).");
    case POLICY_UNKNOWN_IDENTITY: return set_err(e, HP_FORBIDDEN,
      "Your identity or the release's starter could not be established, so the vote was refused.");
    case POLICY_ALREADY_VOTED: return set_err(e, HP_CONFLICT, "You have already voted in this round.");
    case POLICY_DECIDED: return set_err(e, HP_CONFLICT, "This approval has already been decided.");
    case POLICY_NOT_OPEN: return set_err(e, HP_CONFLICT,
      "Your group's turn has not come yet: the approvals before yours are still pending.");
    default: return set_err(e, HP_ERROR, "The approval policy could not be evaluated.");
  }
}

/* Checks shared by approvals and manual tasks, inside the transaction. */
static int check_waiting(struct app *a, const struct mayact_act *w, struct hp_err *e){
  if( strcmp(w->release_status, "running")!=0 && strcmp(w->release_status, "on_hold")!=0 ){
    return set_err(e, HP_CONFLICT, "The release is not running (it has failed, been aborted or completed); "
                   "nothing can be decided until a release manager retries it.");
  }
  if( strcmp(w->status, "on_hold")!=0 ){
    return set_err(e, HP_CONFLICT, "This activity is not waiting for a decision.");
  }
  if( strcmp(w->phase_status, "failed")==0 ){
    return set_err(e, HP_CONFLICT, "This activity's phase has failed; nothing in it can be decided "
                   "until a release manager retries the activity that failed.");
  }
  if( w->deadline_at>0 && app_now_ms(a) >= w->deadline_at ){
    return set_err(e, HP_CONFLICT, "The deadline of this activity has passed; decisions are closed.");
  }
  return HP_OK;
}

int approvals_decide(struct app *a, const struct audit_ctx *c, const struct approvals_voter *v,
                     int64_t activity_id, const char *decision, const char *comment,
                     struct approvals_result *out, struct hp_err *e){
  hp_err_clear(e);
  struct arena ar;
  struct mayact_act w;
  struct policy *p = NULL;
  struct policy_group groups[POLICY_MAX_RULES];
  struct policy_vote *votes;
  size_t nvotes;
  struct policy_status st;
  char perr[300];
  int rc = HP_ERROR, approve;
  struct db *db = a->db;
  arena_init(&ar);
  memset(out, 0, sizeof(*out));
  if( v->user==NULL || v->user->id<=0 ){
    return set_err(e, HP_FORBIDDEN, "Your identity could not be established, so the vote was refused.");
  }
  if( decision==NULL || (strcmp(decision, "approve")!=0 && strcmp(decision, "reject")!=0) ){
    return hp_fail(e, HP_UNPROCESSABLE, "decision", "%s", "decision must be \"approve\" or \"reject\".");
  }
  approve = decision[0]=='a';
  if( !approve && (comment==NULL || comment[strspn(comment, " \t\r\n")]==0) ){
    return hp_fail(e, HP_UNPROCESSABLE, "comment", "%s", "Say why you reject: a comment is required.");
  }
  if( comment && strlen(comment)>4000 ){
    return hp_fail(e, HP_UNPROCESSABLE, "comment", "%s", "Keep the comment under 4000 characters.");
  }
  if( db_begin_write(db) ){ arena_free(&ar); return set_err(e, HP_UNAVAILABLE, "The database is busy; try again."); }
  if( !mayact_load(a, &ar, activity_id, &w) ){ rc = set_err(e, HP_NOT_FOUND, "There is no such activity."); goto out; }
  out->release_id = w.release_id;
  if( strcmp(w.kind, "approval")!=0 ){
    rc = set_err(e, HP_CONFLICT, "This activity is not an approval.");
    goto out;
  }
  { int wrc = check_waiting(a, &w, e); if( wrc!=HP_OK ){ rc = wrc; goto out; } }   /* rc stays HP_ERROR until the commit */
  int64_t principal = v->user->id;
  if( v->acting_for>0 && v->acting_for!=v->user->id ){
    if( approvals_active_delegation(a, v->user->id, v->acting_for, app_now_ms(a))==0 ){
      rc = set_err(e, HP_FORBIDDEN, "You have no current delegation from that person.");
      goto out;
    }
    principal = v->acting_for;
  }
  if( w.policy_json==NULL || policy_parse(w.policy_json, &p, perr, sizeof(perr))!=POLICY_OK ){
    rc = set_err(e, HP_ERROR, "The approval policy of this activity is broken.");
    goto out;
  }
  if( mayact_groups(a, &ar, &w, p, groups) || mayact_votes(a, &ar, &w, &votes, &nvotes) ) goto out;
  struct policy_vote ballot = { v->user->id, principal!=v->user->id ? principal : 0,
                                approve ? POLICY_APPROVE : POLICY_REJECT };
  /* The verdict is may_act's; the policy only explains a refusal in words. */
  if( !mayact_may(a, w.id, v->user->id, principal, app_now_ms(a)) ){
    enum policy_rc prc = policy_may_vote(p, groups, w.started_by, votes, nvotes, &ballot);
    if( prc==POLICY_OK ){            /* a barred starter may not reject either: they are not an approver here */
      prc = w.started_by==principal || w.started_by==v->user->id ? POLICY_SELF_APPROVAL : POLICY_NOT_ELIGIBLE;
    }
    rc = policy_refusal(prc, e);
    goto out;
  }
  enum policy_rc prc = policy_may_vote(p, groups, w.started_by, votes, nvotes, &ballot);
  if( prc!=POLICY_OK ){ rc = policy_refusal(prc, e); goto out; }
  /* Only someone who may decide hears what the decision still needs. */
  if( w.signature_required && !v->signed_ok ){
    rc = hp_fail(e, HP_UNPROCESSABLE, "password", "%s", strcmp(v->channel ? v->channel : "web", "web")==0
      ? "This decision needs your electronic signature: enter your password."
      : "This activity needs an electronic signature (password re-entered in the browser); "
        "a token alone cannot sign it. Open the activity in Holdpoint to decide.");
    goto out;
  }
  if( approve && !required_inputs_present(a, &w, e) ){ rc = e->code; goto out; }
  rc = insert_decision(a, &w, v, principal, decision, comment, w.signature_required && v->signed_ok);
  if( rc==HP_CONFLICT ){ set_err(e, rc, "You have already voted in this round."); goto out; }
  if( rc!=HP_OK ) goto out;
  votes[nvotes++] = ballot;              /* load_votes left room for one more */
  if( policy_evaluate(p, groups, w.started_by, votes, nvotes, &st)!=POLICY_OK ){ rc = HP_ERROR; goto out; }
  struct audit_ctx c2 = *c;
  if( principal!=v->user->id ) c2.acting_for_id = principal;
  if( audit_append(a, &c2, approve ? "decision.approve" : "decision.reject", "activity", w.id, w.release_id,
                   "{s:s,s:s,s:i,s:b,s:s,s:s,s:I,s:s,s:i,s:i}", "activity", w.name, "comment", comment ? comment : "",
                   "round", w.round, "signed", w.signature_required && v->signed_ok,
                   "meaning", w.signature_required ? w.signature_meaning : "", "channel", v->channel ? v->channel : "web",
                   "acting_for", (json_int_t)(principal!=v->user->id ? principal : 0),
                   "quorum", policy_state_name(st.state), "approvals", st.approvals,
                   "needed", st.needed) ){ rc = HP_ERROR; goto out; }
  out->state = st.state;
  out->needed = st.needed;
  if( st.state==POLICY_PENDING && mayact_refresh(a, w.id) ){ rc = HP_ERROR; goto out; }
  if( st.state!=POLICY_PENDING ){
    const char *outcome = st.state==POLICY_APPROVED ? "approved" : "rejected";
    rc = engine_complete_in_tx(a, &c2, w.id, w.round, outcome, comment);
    if( rc!=HP_OK ){ set_err(e, rc, "The release could not be advanced."); goto out; }
    if( write_outputs(a, &w, v->user) ){ rc = HP_ERROR; goto out; }
    notify_activity_finished(a, w.id, outcome);
  }
  rc = db_commit(db) ? HP_ERROR : HP_OK;
out:
  if( rc!=HP_OK ) db_rollback(db);
  policy_free(p);
  arena_free(&ar);
  return hp_err_default(e, rc);
}

int approvals_take(struct app *a, const struct audit_ctx *c, const struct user *u,
                   int64_t activity_id, struct hp_err *e){
  hp_err_clear(e);
  struct arena ar;
  struct mayact_act w;
  int rc = HP_ERROR;
  arena_init(&ar);
  if( db_begin_write(a->db) ){ arena_free(&ar); return set_err(e, HP_UNAVAILABLE, "The database is busy; try again."); }
  if( !mayact_load(a, &ar, activity_id, &w) ){ rc = set_err(e, HP_NOT_FOUND, "There is no such activity."); goto out; }
  if( strcmp(w.kind, "manual")!=0 ){ rc = set_err(e, HP_CONFLICT, "Only manual tasks are taken."); goto out; }
  { int wrc = check_waiting(a, &w, e); if( wrc!=HP_OK ){ rc = wrc; goto out; } }   /* rc stays HP_ERROR until the commit */
  if( w.responsible_user_id==0 && !mayact_may(a, w.id, u->id, u->id, app_now_ms(a)) ){
    rc = set_err(e, HP_FORBIDDEN, "This task belongs to another team.");
    goto out;
  }
  struct db_stmt *st = db_prepare(a->db, "UPDATE activities SET responsible_user_id=:u"
    " WHERE id=:id AND status='on_hold' AND round=:r AND responsible_user_id IS NULL");
  if( st==NULL ) goto out;
  db_bind_int64(st, ":u", u->id);
  db_bind_int64(st, ":id", w.id);
  db_bind_int64(st, ":r", w.round);
  int ok = db_step(st)==DB_DONE && db_changes(a->db)==1;
  db_finish(st);
  if( !ok ){
    rc = set_err(e, HP_CONFLICT, w.responsible_user_id==u->id ? "You already hold this task."
                                          : "Someone else holds this task already.");
    goto out;
  }
  if( audit_append(a, c, "task.take", "activity", w.id, w.release_id, "{s:s,s:i}", "activity", w.name,
                   "round", w.round) || mayact_refresh(a, w.id) ){ rc = HP_ERROR; goto out; }
  rc = db_commit(a->db) ? HP_ERROR : HP_OK;
out:
  if( rc!=HP_OK ) db_rollback(a->db);
  arena_free(&ar);
  return hp_err_default(e, rc);
}

int approvals_hand_back(struct app *a, const struct audit_ctx *c, const struct user *u,
                        int64_t activity_id, struct hp_err *e){
  struct arena ar;
  struct mayact_act w;
  int rc = HP_ERROR;
  hp_err_clear(e);
  arena_init(&ar);
  if( db_begin_write(a->db) ){ arena_free(&ar); return set_err(e, HP_UNAVAILABLE, "The database is busy; try again."); }
  if( !mayact_load(a, &ar, activity_id, &w) ){ rc = set_err(e, HP_NOT_FOUND, "There is no such activity."); goto out; }
  if( strcmp(w.kind, "manual")!=0 ){ rc = set_err(e, HP_CONFLICT, "Only manual tasks are handed back."); goto out; }
  { int wrc = check_waiting(a, &w, e); if( wrc!=HP_OK ){ rc = wrc; goto out; } }
  if( w.responsible_user_id!=u->id ){
    rc = set_err(e, HP_CONFLICT, "You do not hold this task, so there is nothing to hand back.");
    goto out;
  }
  struct db_stmt *st = db_prepare(a->db, "UPDATE activities SET responsible_user_id=NULL"
    " WHERE id=:id AND status='on_hold' AND round=:r AND responsible_user_id=:u");
  if( st==NULL ) goto out;
  db_bind_int64(st, ":u", u->id);
  db_bind_int64(st, ":id", w.id);
  db_bind_int64(st, ":r", w.round);
  int step = db_step(st);
  int changed = step==DB_DONE ? db_changes(a->db) : -1;
  db_finish(st);
  if( changed<0 ) goto out;
  if( changed!=1 ){ rc = set_err(e, HP_CONFLICT, "You do not hold this task any more."); goto out; }
  if( audit_append(a, c, "task.hand_back", "activity", w.id, w.release_id, "{s:s,s:i}", "activity", w.name,
                   "round", w.round) || mayact_refresh(a, w.id) || mayact_notify(a, w.id, "waiting") ) goto out;
  rc = db_commit(a->db) ? HP_ERROR : HP_OK;
out:
  if( rc!=HP_OK ) db_rollback(a->db);
  arena_free(&ar);
  return hp_err_default(e, rc);
}

int approvals_assign(struct app *a, const struct audit_ctx *c, const struct user *by,
                     int64_t activity_id, int64_t to_user, struct hp_err *e){
  hp_err_clear(e);
  struct arena ar;
  struct mayact_act w;
  int rc = HP_ERROR;
  arena_init(&ar);
  if( !(by->roles & (ROLE_ADMIN|ROLE_RELEASE_MANAGER)) ){
    return set_err(e, HP_FORBIDDEN, "Only administrators and release managers reassign tasks.");
  }
  if( db_begin_write(a->db) ){ arena_free(&ar); return set_err(e, HP_UNAVAILABLE, "The database is busy; try again."); }
  if( !mayact_load(a, &ar, activity_id, &w) ){ rc = set_err(e, HP_NOT_FOUND, "There is no such activity."); goto out; }
  if( strcmp(w.kind, "manual")!=0 ){ rc = set_err(e, HP_CONFLICT, "Only manual tasks are assigned."); goto out; }
  { int wrc = check_waiting(a, &w, e); if( wrc!=HP_OK ){ rc = wrc; goto out; } }   /* rc stays HP_ERROR until the commit */
  if( !mayact_in_group(a, to_user, w.responsible_kind, w.responsible_name) ){
    rc = hp_fail(e, HP_UNPROCESSABLE, "username", "%s", "That person is not in the team responsible for this task.");
    goto out;
  }
  struct db_stmt *st = db_prepare(a->db, "UPDATE activities SET responsible_user_id=:u"
    " WHERE id=:id AND status='on_hold' AND round=:r");
  if( st==NULL ) goto out;
  db_bind_int64(st, ":u", to_user);
  db_bind_int64(st, ":id", w.id);
  db_bind_int64(st, ":r", w.round);
  int ok = db_step(st)==DB_DONE && db_changes(a->db)==1;
  db_finish(st);
  if( !ok ){ rc = set_err(e, HP_CONFLICT, "The task changed meanwhile; reload."); goto out; }
  if( audit_append(a, c, "task.assign", "activity", w.id, w.release_id, "{s:s,s:I,s:I}", "activity", w.name,
                   "from", (json_int_t)w.responsible_user_id, "to", (json_int_t)to_user)
   || mayact_refresh(a, w.id) ){ rc = HP_ERROR; goto out; }
  rc = db_commit(a->db) ? HP_ERROR : HP_OK;
out:
  if( rc!=HP_OK ) db_rollback(a->db);
  arena_free(&ar);
  return hp_err_default(e, rc);
}

int approvals_finish_task(struct app *a, const struct audit_ctx *c, const struct approvals_voter *v,
                          int64_t activity_id, const char *action, const char *notes,
                          struct hp_err *e){
  hp_err_clear(e);
  struct arena ar;
  struct mayact_act w;
  int rc = HP_ERROR, proceed;
  if( action==NULL || (strcmp(action, "proceed")!=0 && strcmp(action, "abort")!=0) ){
    return hp_fail(e, HP_UNPROCESSABLE, "action", "%s", "Choose Proceed or Abort.");
  }
  proceed = action[0]=='p';
  if( !proceed && (notes==NULL || notes[strspn(notes, " \t\r\n")]==0) ){
    return hp_fail(e, HP_UNPROCESSABLE, "notes", "%s", "Say why you abort: notes are required.");
  }
  if( notes && strlen(notes)>4000 ) return hp_fail(e, HP_UNPROCESSABLE, "notes", "%s", "Keep the notes under 4000 characters.");
  arena_init(&ar);
  if( db_begin_write(a->db) ){ arena_free(&ar); return set_err(e, HP_UNAVAILABLE, "The database is busy; try again."); }
  if( !mayact_load(a, &ar, activity_id, &w) ){ rc = set_err(e, HP_NOT_FOUND, "There is no such activity."); goto out; }
  if( strcmp(w.kind, "manual")!=0 ){ rc = set_err(e, HP_CONFLICT, "This activity is not a manual task."); goto out; }
  { int wrc = check_waiting(a, &w, e); if( wrc!=HP_OK ){ rc = wrc; goto out; } }   /* rc stays HP_ERROR until the commit */
  if( w.responsible_user_id!=v->user->id || !mayact_may(a, w.id, v->user->id, v->user->id, app_now_ms(a)) ){
    rc = set_err(e, HP_FORBIDDEN, w.responsible_user_id && w.responsible_user_id!=v->user->id
                 ? "Someone else holds this task." : "Take responsibility for this task first.");
    goto out;
  }
  if( w.signature_required && !v->signed_ok ){
    rc = hp_fail(e, HP_UNPROCESSABLE, "password", "%s", "This task needs your electronic signature: enter your password.");
    goto out;
  }
  if( proceed && !required_inputs_present(a, &w, e) ){ rc = e->code; goto out; }
  rc = insert_decision(a, &w, v, v->user->id, action, notes, w.signature_required && v->signed_ok);
  if( rc==HP_CONFLICT ){ set_err(e, rc, "This task was already finished."); goto out; }
  if( rc!=HP_OK ) goto out;
  if( audit_append(a, c, proceed ? "task.proceed" : "task.abort", "activity", w.id, w.release_id,
                   "{s:s,s:s,s:i,s:b,s:s}", "activity", w.name, "notes", notes ? notes : "", "round", w.round,
                   "signed", w.signature_required && v->signed_ok, "channel", v->channel ? v->channel : "web") ){
    rc = HP_ERROR; goto out;
  }
  rc = engine_complete_in_tx(a, c, w.id, w.round, proceed ? "proceeded" : "aborted", notes);
  if( rc!=HP_OK ){ set_err(e, rc, "The release could not be advanced."); goto out; }
  if( write_outputs(a, &w, v->user) ){ rc = HP_ERROR; goto out; }
  notify_activity_finished(a, w.id, proceed ? "proceeded" : "aborted");
  rc = db_commit(a->db) ? HP_ERROR : HP_OK;
out:
  if( rc!=HP_OK ) db_rollback(a->db);
  arena_free(&ar);
  return hp_err_default(e, rc);
}

int approvals_delegate(struct app *a, const struct audit_ctx *c, int64_t user_id, int64_t delegate_id,
                       int64_t starts_at, int64_t ends_at, struct hp_err *e){
  hp_err_clear(e);
  if( delegate_id==user_id ) return hp_fail(e, HP_UNPROCESSABLE, "delegate", "%s", "Choose someone other than yourself.");
  if( ends_at<=starts_at ) return hp_fail(e, HP_UNPROCESSABLE, "ends", "%s", "The end must come after the start.");
  if( ends_at - starts_at > 366LL*86400*1000 ) return hp_fail(e, HP_UNPROCESSABLE, "ends", "%s", "A delegation lasts at most a year.");
  if( db_begin_write(a->db) ) return set_err(e, HP_UNAVAILABLE, "The database is busy; try again.");
  struct db_stmt *st = db_prepare(a->db, "INSERT INTO delegations(user_id,delegate_id,starts_at,ends_at,created_at)"
    " SELECT :u,:d,:s,:e,:now WHERE EXISTS(SELECT 1 FROM users WHERE id=:d AND disabled=0)");
  int rc = HP_ERROR;
  if( st ){
    db_bind_int64(st, ":u", user_id);
    db_bind_int64(st, ":d", delegate_id);
    db_bind_int64(st, ":s", starts_at);
    db_bind_int64(st, ":e", ends_at);
    db_bind_int64(st, ":now", app_now_ms(a));
    if( db_step(st)==DB_DONE ) rc = db_changes(a->db)==1 ? HP_OK : HP_UNPROCESSABLE;
    db_finish(st);
  }
  if( rc==HP_UNPROCESSABLE ) set_err(e, rc, "There is no such person to delegate to.");
  int64_t id = db_last_id(a->db);
  if( rc==HP_OK && (audit_append(a, c, "delegation.add", "delegation", id, 0, "{s:I,s:I,s:I,s:I}",
                                "user_id", (json_int_t)user_id, "delegate_id", (json_int_t)delegate_id,
                                "starts_at", (json_int_t)starts_at, "ends_at", (json_int_t)ends_at)
                   || mayact_person_changed(a, c, user_id)) ) rc = HP_ERROR;
  if( rc!=HP_OK || db_commit(a->db) ){
    db_rollback(a->db);
    return hp_err_default(e, rc==HP_OK ? HP_ERROR : rc);
  }
  return HP_OK;
}

int approvals_delegation_revoke(struct app *a, const struct audit_ctx *c, int64_t user_id, int64_t id){
  if( db_begin_write(a->db) ) return HP_UNAVAILABLE;
  struct db_stmt *st = db_prepare(a->db, "UPDATE delegations SET revoked_at=:now"
                                       " WHERE id=:id AND user_id=:u AND revoked_at IS NULL");
  int rc = HP_ERROR;
  if( st ){
    db_bind_int64(st, ":now", app_now_ms(a));
    db_bind_int64(st, ":id", id);
    db_bind_int64(st, ":u", user_id);
    if( db_step(st)==DB_DONE ) rc = db_changes(a->db)==1 ? HP_OK : HP_NOT_FOUND;
    db_finish(st);
  }
  if( rc==HP_OK && (audit_append(a, c, "delegation.revoke", "delegation", id, 0, NULL)
                   || mayact_person_changed(a, c, user_id)) ) rc = HP_ERROR;
  if( rc!=HP_OK || db_commit(a->db) ){ db_rollback(a->db); return rc==HP_OK ? HP_ERROR : rc; }
  return HP_OK;
}

/* The system's identity in the audit trail for timers. */
static void timer_ctx(struct audit_ctx *c){
  memset(c, 0, sizeof(*c));
  c->actor_name = "holdpoint (deadline timer)";
  c->request_id = "timer";
}

/* Send the reminders that are due: each offset once per round. */
static int fire_reminders(struct app *a, int64_t now){
  int fired = 0;
  struct db_stmt *st = db_prepare(a->db, "SELECT id, round, deadline_at, reminders_json, release_id, name FROM activities"
    " WHERE status='on_hold' AND deadline_at IS NOT NULL AND reminders_json<>'[]' AND deadline_at>:now");
  if( st==NULL ) return 0;
  db_bind_int64(st, ":now", now);
  while( db_step(st)==DB_ROW ){
    int64_t id = db_col_int64(st, 0), deadline = db_col_int64(st, 2), rel = db_col_int64(st, 4);
    int round = db_col_int(st, 1);
    json_t *j = json_loads(db_col_text(st, 3), 0, NULL);
    size_t i;
    json_t *off;
    json_array_foreach(j, i, off){
      int64_t secs = json_is_integer(off) ? json_integer_value(off) : -1;
      if( secs<=0 || now < deadline - secs*1000 ) continue;
      if( db_begin_write(a->db) ) break;
      struct db_stmt *ins = db_prepare(a->db, "INSERT OR IGNORE INTO reminders_sent(activity_id,round,offset_s,sent_at)"
                                            " VALUES(:a,:r,:o,:now)");
      int new_ = 0;
      if( ins ){
        db_bind_int64(ins, ":a", id);
        db_bind_int64(ins, ":r", round);
        db_bind_int64(ins, ":o", secs);
        db_bind_int64(ins, ":now", now);
        new_ = db_step(ins)==DB_DONE && db_changes(a->db)==1;
        db_finish(ins);
      }
      struct audit_ctx c;
      timer_ctx(&c);
      if( new_ && (audit_append(a, &c, "activity.reminder", "activity", id, rel, "{s:s,s:I,s:i}", "activity",
                                db_col_text(st, 5), "before_deadline_s", (json_int_t)secs, "round", round)
                   || mayact_notify(a, id, "reminder")) ){
        db_rollback(a->db);
        continue;
      }
      if( db_commit(a->db)==0 && new_ ) fired++;
    }
    json_decref(j);
  }
  db_finish(st);
  return fired;
}

/*
** Expire one activity whose deadline passed: escalate once when configured
** (the named team, role or user becomes eligible, and the deadline starts
** again), otherwise reject it as expired.  Own transaction; conditional on
** the deadline and round it was read with.
*/
static int expire_one(struct app *a, int64_t id, int round, int64_t deadline_at, int64_t now){
  struct arena ar;
  struct mayact_act w;
  struct audit_ctx c;
  int rc = -1;
  timer_ctx(&c);
  arena_init(&ar);
  if( db_begin_write(a->db) ){ arena_free(&ar); return -1; }
  if( !mayact_load(a, &ar, id, &w) || strcmp(w.status, "on_hold")!=0 || w.round!=round || w.deadline_at!=deadline_at ){
    rc = 0;                                   /* someone decided meanwhile */
    goto out;
  }
  json_t *ot = w.on_timeout_json ? json_loads(w.on_timeout_json, 0, NULL) : NULL;
  const char *action = ot ? json_string_value(json_object_get(ot, "action")) : NULL;
  const char *kind = ot ? json_string_value(json_object_get(ot, "kind")) : NULL;
  const char *name = ot ? json_string_value(json_object_get(ot, "name")) : NULL;
  if( action && strcmp(action, "escalate")==0 && !w.escalated && kind && name && strcmp(w.kind, "approval")==0 ){
    int ok = mayact_snapshot_group(a, id, round, -1, kind, name)==0;
    struct db_stmt *st = ok ? db_prepare(a->db, "UPDATE activities SET escalated=1, deadline_at=:d"
                                " WHERE id=:id AND status='on_hold' AND round=:r AND escalated=0") : NULL;
    if( st ){
      db_bind_int64(st, ":d", now + (w.deadline_s>0 ? w.deadline_s : 86400)*1000);
      db_bind_int64(st, ":id", id);
      db_bind_int64(st, ":r", round);
      ok = db_step(st)==DB_DONE && db_changes(a->db)==1;
      db_finish(st);
    }else ok = 0;
    if( ok ) ok = mayact_refresh(a, id)==0;
    if( ok ) ok = audit_append(a, &c, "activity.escalated", "activity", id, w.release_id, "{s:s,s:s,s:s,s:i}",
                               "activity", w.name, "to_kind", kind, "to", name, "round", round)==0
               && mayact_notify(a, id, "escalated")==0;
    json_decref(ot);
    if( !ok ) goto out;
  }else{
    json_decref(ot);
    if( audit_append(a, &c, "activity.expired", "activity", id, w.release_id, "{s:s,s:i}", "activity", w.name,
                     "round", round) ) goto out;
    if( engine_complete_in_tx(a, &c, id, round, "expired", "The deadline passed without a decision.")!=HP_OK ) goto out;
    notify_activity_finished(a, id, "expired");
  }
  rc = db_commit(a->db) ? -1 : 1;
out:
  if( rc<0 ) db_rollback(a->db);
  else if( rc==0 ) db_rollback(a->db);
  arena_free(&ar);
  return rc;
}

/* Called by the job runner (holding the lease) once a second. */
int approvals_timers(struct app *a, int64_t now){
  int fired = fire_reminders(a, now);
  int64_t ids[64], deadlines[64];
  int rounds[64], n = 0;
  struct db_stmt *st = db_prepare(a->db, "SELECT id, round, deadline_at FROM activities"
    " WHERE status='on_hold' AND deadline_at IS NOT NULL AND deadline_at<=:now ORDER BY deadline_at LIMIT 64");
  if( st==NULL ) return fired;
  db_bind_int64(st, ":now", now);
  while( n<64 && db_step(st)==DB_ROW ){
    ids[n] = db_col_int64(st, 0);
    rounds[n] = db_col_int(st, 1);
    deadlines[n] = db_col_int64(st, 2);
    n++;
  }
  db_finish(st);
  for(int i=0; i<n; i++){
    if( expire_one(a, ids[i], rounds[i], deadlines[i], now)>0 ) fired++;
  }
  return fired;
}

int approvals_verify_build(struct app *a, int64_t release_id, const char *digest, json_t **out){
  *out = NULL;
  if( !digest_valid(digest) ) return HP_UNPROCESSABLE;
  struct db_stmt *st = db_prepare(a->db, "SELECT artifact_digest, status FROM releases WHERE id=:id");
  if( st==NULL ) return HP_ERROR;
  db_bind_int64(st, ":id", release_id);
  if( db_step(st)!=DB_ROW ){ db_finish(st); return HP_NOT_FOUND; }
  json_t *reasons = json_array(), *acts = json_array();
  json_t *res = json_pack("{s:b,s:s,s:s,s:s,s:o,s:o}", "verified", 0, "digest", digest,
                          "release_digest", db_col_text(st, 0), "release_status", db_col_text(st, 1),
                          "reasons", reasons, "approvals", acts);
  char buf[400];
  if( res && strcmp(db_col_text(st, 0), digest)!=0 ){
    snprintf(buf, sizeof(buf), "The release's build is %s, not %s.", db_col_text(st, 0)[0] ? db_col_text(st, 0)
             : "not named (no digest)", digest);
    json_array_append_new(reasons, json_string(buf));
  }
  if( res && (strcmp(db_col_text(st, 1), "aborted")==0 || strcmp(db_col_text(st, 1), "failed")==0) ){
    snprintf(buf, sizeof(buf), "The release is %s.", db_col_text(st, 1));
    json_array_append_new(reasons, json_string(buf));
  }
  db_finish(st);
  if( res==NULL ) return HP_ERROR;
  st = db_prepare(a->db, "SELECT a.id, a.name, a.status, a.round, coalesce(a.result,''),"
                         " json_extract(CASE WHEN json_valid(a.result_details) THEN a.result_details END, '$.automatic')"
                         " FROM activities a JOIN phases p ON p.id=a.phase_id"
                         " WHERE a.release_id=:r AND a.kind='approval' ORDER BY p.position, a.position");
  if( st==NULL ){ json_decref(res); return HP_ERROR; }
  db_bind_int64(st, ":r", release_id);
  int step;
  while( (step = db_step(st))==DB_ROW ){
    int64_t aid = db_col_int64(st, 0);
    const char *name = db_col_text(st, 1), *status = db_col_text(st, 2), *result = db_col_text(st, 4);
    int round = db_col_int(st, 3), automatic = db_col_int(st, 5);
    if( strcmp(status, "skipped")==0 ) continue;
    json_t *votes = json_array();
    int covers = strcmp(status, "completed")==0 && strcmp(result, "approved")==0;
    if( !covers ){
      snprintf(buf, sizeof(buf), "The approval '%.100s' is not approved (%s).", name, status);
      json_array_append_new(reasons, json_string(buf));
    }
    struct db_stmt *dv = db_prepare(a->db, "SELECT u.username, d.artifact_digest FROM decisions d JOIN users u ON u.id=d.user_id"
                                         " WHERE d.activity_id=:a AND d.round=:n AND d.decision='approve' ORDER BY d.at, d.id");
    if( dv ){
      db_bind_int64(dv, ":a", aid);
      db_bind_int64(dv, ":n", round);
      int nv = 0;
      while( db_step(dv)==DB_ROW ){
        nv++;
        json_array_append_new(votes, json_pack("{s:s,s:s}", "user", db_col_text(dv, 0), "digest", db_col_text(dv, 1)));
        if( covers && strcmp(db_col_text(dv, 1), digest)!=0 ){
          covers = 0;
          snprintf(buf, sizeof(buf), "%.64s approved '%.100s' for %s, not %s.", db_col_text(dv, 0), name,
                   db_col_text(dv, 1)[0] ? db_col_text(dv, 1) : "no digest", digest);
          json_array_append_new(reasons, json_string(buf));
        }
      }
      db_finish(dv);
      if( covers && nv==0 && !automatic ) covers = 0;       /* approved by nobody, yet not automatic: never happens */
    }
    json_array_append_new(acts, json_pack("{s:s,s:s,s:i,s:b,s:b,s:o}", "activity", name, "status", status, "round", round,
                                          "automatic", automatic, "covers", covers, "votes", votes));
  }
  db_finish(st);
  if( step!=DB_DONE ){ json_decref(res); return HP_ERROR; }
  json_object_set_new(res, "verified", json_boolean(json_array_size(reasons)==0));
  *out = res;
  return HP_OK;
}

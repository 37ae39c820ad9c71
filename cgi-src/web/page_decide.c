/* page_decide.c — acting on an activity: approve/reject (browser and API), manual tasks, delegation. */
#include "page_decide.h"
#include "util.h"
#include "page_release.h"
#include "page_evidence.h"
#include "inputs.h"
#include "router.h"
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
  if( msg==NULL ){ /* the messages are recorded already */ }
  else if( field && field[0] ) req_field_error(r, field, "%s", msg);
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

/*
** The person's signature: a password re-entered now (Holdpoint's, or the LDAP
** directory's for its people), or, for people of the OpenID provider, a fresh
** sign-in there within the last five minutes (/activities/{id}/reauth).  A
** wrong password is audited (and counts toward the sign-in throttle) and
** nothing else.  HP_OK (*signed_ok, *method), HP_FORBIDDEN (wrong),
** HP_TOO_MANY (*wait_ms), HP_UNPROCESSABLE (nothing given).
*/
#define SIGN_FRESH_MS (5*60*1000)
static int signs_at_provider(const struct req *r){
  return strcmp(r->user->auth_source, "oidc")==0;
}
static int check_signature(struct req *r, int64_t activity_id, int *signed_ok, const char **method, int64_t *wait_ms){
  const char *pw = req_form(r, "password");
  *signed_ok = 0;
  *wait_ms = 0;
  if( signs_at_provider(r) ){
    const char *m = sess_reauth_recent(r, SIGN_FRESH_MS);
    if( m==NULL || strcmp(m, "oidc")!=0 ) return HP_UNPROCESSABLE;
    *signed_ok = 1;
    *method = "oidc";
    return HP_OK;
  }
  if( pw==NULL || pw[0]==0 ) return HP_UNPROCESSABLE;
  int ok = sess_reauthenticate(r, pw, wait_ms);
  if( ok>0 ){
    *signed_ok = 1;
    *method = strcmp(r->user->auth_source, "ldap")==0 ? "ldap" : "password";
    return HP_OK;
  }
  req_audit_tx(r, "signature.failed", "activity", activity_id, 0, "{s:s}", "reason",
               ok<0 ? "too many wrong passwords" : "wrong password");
  return ok<0 ? HP_TOO_MANY : HP_FORBIDDEN;
}

/* The words for a refused signature. */
static const char *signature_refusal(struct req *r, int rc, int64_t wait_ms){
  if( rc==HP_TOO_MANY ){
    return arena_printf(&r->arena, "Too many wrong passwords. Try again in %lld minute%s; nothing was recorded.",
                        (long long)((wait_ms+59999)/60000), wait_ms>60000 ? "s" : "");
  }
  if( rc==HP_UNPROCESSABLE && signs_at_provider(r) ){
    return arena_printf(&r->arena, "Confirm who you are with %s first (the link above the buttons), then decide"
                        " within 5 minutes. Nothing was recorded.", r->app->cfg.idp.oidc_label);
  }
  if( rc==HP_UNPROCESSABLE ) return "Enter your password to sign this decision.";
  return "That password is not correct. Nothing was recorded.";
}

/* Is a signature required on this activity?  -1 unknown activity. */
static int needs_signature(struct req *r, int64_t id){
  struct db_stmt *st = db_prepare(r->app->db, "SELECT signature_required FROM activities WHERE id=:id");
  int v = -1;
  if( st==NULL ) return -1;
  db_bind_int64(st, ":id", id);
  if( db_step(st)==DB_ROW ) v = db_col_int(st, 0);
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
  struct approvals_voter v;
  voter_from_req(r, &v, "web");
  v.acting_for = acting_for;
  int64_t wait_ms;
  int src = sig ? check_signature(r, id, &v.signed_ok, &v.signature_method, &wait_ms) : HP_OK;
  if( src!=HP_OK ) return show_again(r, src==HP_TOO_MANY ? 429 : src, "password", signature_refusal(r, src, wait_ms));
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
  struct db_stmt *st = db_prepare(r->app->db, "SELECT id FROM users WHERE username=:u AND disabled=0");
  if( st ){
    db_bind_text(st, ":u", username);
    if( db_step(st)==DB_ROW ) uid = db_col_int64(st, 0);
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
  int64_t wait_ms;
  int src = sig ? check_signature(r, id, &v.signed_ok, &v.signature_method, &wait_ms) : HP_OK;
  if( src!=HP_OK ) return show_again(r, src==HP_TOO_MANY ? 429 : src, "password", signature_refusal(r, src, wait_ms));
  struct audit_ctx c;
  req_audit_ctx(r, &c);
  int rc = approvals_finish_task(r->app, &c, &v, id, action, notes, &err);
  if( rc==HP_NOT_FOUND ) return rc;
  if( rc!=HP_OK ) return show_error(r, &err);
  page_flash(r, action[0]=='p' ? "Done: the release moves on." : "The task was aborted and its phase failed.");
  return resp_redirect(r, "/activities/%lld", (long long)id);
}

/* ------------------------------------------------------------------ the one form */

static const char *const SUBMIT_APPROVAL[] = { "approve", "reject", "save", NULL };
static const char *const SUBMIT_TASK[] = { "proceed", "abort", "save", NULL };

/* The worst status among the refusals: a wrong type (415) or size (413) before a plain 422. */
static int worse(int have, int status){
  if( have==415 || status==415 ) return 415;
  if( have==413 || status==413 ) return 413;
  return status ? status : have;
}

/*
** POST /activities/{id}/submit — the activity's one form: its fields, its
** files and the decision (approve/reject, proceed/abort, or save without
** deciding), as multipart/form-data.  Everything is checked first (each
** file's size, type and name; each field; the comment; the signature's
** password); a refusal shows the page again with each message next to its
** field and the typed values kept, and records nothing.  Then the files are
** stored and, in one transaction, recorded with the fields and the decision:
** all of it or none.  Route flags: AUTH | CSRF | RAWBODY (the origin is
** checked by the router, the token as the form's first part).
*/
int page_activity_submit(struct req *r){
  int64_t id = r->ids[0];
  struct inputs_activity act;
  struct inputs_field *fields;
  size_t nfields;
  struct evidence_form form;
  const char *why, *csrf_reason;
  char msg[300];
  int rc = inputs_load_activity(r->app, &r->arena, id, &act);
  if( rc==HP_OK && inputs_load_fields(r->app, &r->arena, id, &fields, &nfields) ) rc = HP_ERROR;
  if( rc ){
    page_evidence_read_body(r, NULL);
    return rc;
  }
  int status = page_evidence_read_form(r, fields, nfields, &form, &why, &csrf_reason);
  if( csrf_reason ) return router_csrf_refuse(r, csrf_reason);
  if( status ){
    router_render_error(r, status, why);
    return HP_OK;
  }
  int approval = strcmp(act.kind, "approval")==0, manual = strcmp(act.kind, "manual")==0;
  const char *decision = NULL;
  status = 0;
  if( strcmp(act.status, "on_hold")!=0 ){
    page_evidence_form_cleanup(&form);
    router_render_error(r, HP_CONFLICT, "This activity is not waiting for a decision any more, so nothing was recorded.");
    return HP_OK;
  }
  if( !approval && !manual ){
    page_evidence_form_cleanup(&form);
    router_render_error(r, HP_CONFLICT, "A pipeline completes this activity; there is nothing to decide here.");
    return HP_OK;
  }
  if( !req_enum(r, "decision", approval ? SUBMIT_APPROVAL : SUBMIT_TASK, &decision) ){
    req_field_error(r, "action", "Choose what to do: %s.", approval ? "approve, reject or save" : "proceed, abort or save");
    status = HP_UNPROCESSABLE;
  }
  int saving = decision && strcmp(decision, "save")==0;
  int positive = decision && (strcmp(decision, "approve")==0 || strcmp(decision, "proceed")==0);
  int editable = inputs_may_edit(r->app, r->user, &act);
  if( (form.nfiles || saving) && !editable ){
    page_evidence_form_cleanup(&form);
    req_audit_tx(r, "access.denied", "activity", id, act.release_id, "{s:s,s:s,s:i,s:s}",
                 "method", r->method, "path", r->path, "status", 403, "reason", "may not edit inputs");
    router_render_error(r, HP_FORBIDDEN, "Only the people who may act on this activity can fill in its form.");
    return HP_OK;
  }
  /* The files: each checked in the words of evidence.h, the message next to its input. */
  int nrefused = 0;
  for(int i=0; i<form.nfiles; i++){
    struct evidence_upfile *f = &form.files[i];
    page_evidence_file_check(r, f);
    if( !f->status ) continue;
    nrefused++;
    status = worse(status, f->status>=500 ? HP_UNPROCESSABLE : f->status);
    req_field_error(r, arena_printf(&r->arena, INPUTS_PREFIX "%s", f->field->key), "%s", f->why);
    req_audit_tx(r, "evidence.refused", "activity", act.id, act.release_id,
                 "{s:s,s:s,s:I,s:s,s:s,s:s,s:i,s:s}", "field", f->field->key, "name", f->name,
                 "size", (json_int_t)f->size, "type", f->mime, "sha256", f->sha, "reason", f->why,
                 "status", f->status, "via", "web");
  }
  /* The fields: a required one must be filled to approve or proceed, never to reject or save. */
  struct inputs_value *v = arena_alloc(&r->arena, sizeof(*v)*(nfields ? nfields : 1));
  size_t nv = 0;
  if( v==NULL ){ page_evidence_form_cleanup(&form); return HP_ERROR; }
  if( editable && req_form(r, "inputs_form") ){
    for(size_t i=0; i<nfields; i++){
      if( fields[i].type==INPUTS_FILE ) continue;
      const char *name = arena_printf(&r->arena, INPUTS_PREFIX "%s", fields[i].key);
      const char *val = req_form(r, name);
      int empty = val==NULL || val[0]==0;
      if( (positive || !empty) && !inputs_check(&fields[i], val, msg, sizeof(msg)) ){
        req_field_error(r, name, "%s", msg);
        status = worse(status, HP_UNPROCESSABLE);
      }
      v[nv].key = fields[i].key;
      v[nv].value = val ? val : "";
      nv++;
    }
  }
  const char *comment = "";
  int64_t acting_for = 0;
  const char *cname = approval ? "comment" : "notes";
  if( !req_text(r, cname, 0, 4000, &comment) ) status = worse(status, HP_UNPROCESSABLE);
  if( decision && !positive && !saving && comment[strspn(comment, " \t\r\n")]==0 ){
    req_field_error(r, cname, "%s", approval ? "Say why you reject: a comment is required." : "Say why you abort: notes are required.");
    status = worse(status, HP_UNPROCESSABLE);
  }
  if( !req_int(r, "acting_for", 0, INT64_MAX, 0, &acting_for) ) status = worse(status, HP_UNPROCESSABLE);
  int sig = needs_signature(r, id);
  const char *pw = req_form(r, "password");
  if( sig>0 && !saving && !signs_at_provider(r) && (pw==NULL || pw[0]==0) ){
    req_field_error(r, "password", "Enter your password to sign this decision.");
    status = worse(status, HP_UNPROCESSABLE);
  }
  if( status ){
    page_evidence_form_cleanup(&form);
    req_field_error(r, "action", "Nothing was recorded: fix what is marked%s, then submit again.",
                    nrefused || form.nfiles ? " and choose the files again" : "");
    return show_again(r, status, "", NULL);
  }
  struct approvals_voter voter;
  voter_from_req(r, &voter, "web");
  voter.acting_for = acting_for;
  int64_t wait_ms;
  int src = sig>0 && !saving ? check_signature(r, id, &voter.signed_ok, &voter.signature_method, &wait_ms) : HP_OK;
  if( src!=HP_OK ){
    page_evidence_form_cleanup(&form);
    req_field_error(r, "password", "%s", signature_refusal(r, src, wait_ms));
    return show_again(r, src==HP_TOO_MANY ? 429 : src, "", NULL);
  }
  /* Store the files, then record everything in one transaction. */
  for(int i=0; i<form.nfiles && status==0; i++){
    if( page_evidence_file_store(r, &form.files[i]) ) status = HP_ERROR;
  }
  struct hp_err err;
  struct audit_ctx c;
  req_audit_ctx(r, &c);
  hp_err_clear(&err);
  if( status==0 && db_begin_write(r->app->db) ){
    status = HP_UNAVAILABLE;
    hp_fail(&err, HP_UNAVAILABLE, "", "%s", "Holdpoint is busy. Nothing was recorded; try again in a moment.");
  }
  int began = status==0;
  for(int i=0; i<form.nfiles && status==0; i++){
    struct evidence_upfile *f = &form.files[i];
    struct evidence_row row = { act.id, act.release_id, act.round, f->field->key, f->sha, f->size, f->mime,
                                f->name, f->rel, "web" };
    int64_t evid;
    rc = evidence_record(r->app, &c, &row, &evid);
    if( rc ){ status = rc; hp_fail(&err, rc==HP_CONFLICT ? 409 : rc, "", "%s", "This activity stopped waiting for input; nothing was recorded."); }
  }
  if( status==0 && nv ){
    rc = inputs_save(r->app, &c, id, act.round, v, nv, r->user->id);
    if( rc ){ status = rc; hp_fail(&err, rc==HP_CONFLICT ? 409 : rc, "", "%s", "This activity stopped waiting for input; nothing was recorded."); }
  }
  struct approvals_result res;
  memset(&res, 0, sizeof(res));
  if( status==0 && !saving ){
    rc = approval ? approvals_decide(r->app, &c, &voter, id, decision, comment, &res, &err)
                  : approvals_finish_task(r->app, &c, &voter, id, decision, comment, &err);
    if( rc ) status = rc;
  }
  if( status==0 && db_commit(r->app->db) ) status = HP_ERROR;
  else if( status && began ) db_rollback(r->app->db);
  for(int i=0; i<form.nfiles; i++){
    struct evidence_upfile *f = &form.files[i];
    if( f->stored && status ) evidence_unstore(r->app, f->rel);     /* no file without its row */
    if( f->stored ) evidence_store_done(r->app, f->sha);
  }
  page_evidence_form_cleanup(&form);
  if( status==HP_NOT_FOUND ) return status;
  if( status ){
    if( err.reason[0]==0 ) hp_fail(&err, HP_ERROR, "", "%s", "Holdpoint could not save this, so nothing was recorded. Try again in a moment.");
    if( form.nfiles ) req_field_error(r, "action", "Choose the files again: nothing was recorded.");
    return show_error(r, &err);
  }
  const char *files = form.nfiles==0 ? "" : form.nfiles==1 ? arena_printf(&r->arena, " with %s", form.files[0].name)
                      : arena_printf(&r->arena, " with %d files", form.nfiles);
  if( saving ){
    page_flash(r, "Saved%s. Nothing is decided yet.", files);
  }else if( approval && res.state==POLICY_PENDING ){
    page_flash(r, "Your %s is recorded%s. %d more approval%s needed.", positive ? "approval" : "rejection", files,
               res.needed, res.needed==1 ? " is" : "s are");
  }else if( approval ){
    page_flash(r, "Your %s is recorded%s. The activity is %s.", positive ? "approval" : "rejection", files,
               res.state==POLICY_APPROVED ? "approved and the release moves on" : "rejected");
  }else{
    page_flash(r, positive ? "Done%s: the release moves on." : "The task was aborted%s and its phase failed.", files);
  }
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
    struct db_stmt *st = db_prepare(r->app->db, "SELECT id FROM users WHERE username=:u");
    if( st ){
      db_bind_text(st, ":u", for_name);
      if( db_step(st)==DB_ROW ) v.acting_for = db_col_int64(st, 0);
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
  struct db_stmt *st = db_prepare(r->app->db,
    "SELECT g.id, u.display_name, u.username, g.starts_at, g.ends_at, g.revoked_at FROM delegations g"
    " JOIN users u ON u.id=g.delegate_id WHERE g.user_id=:me ORDER BY g.starts_at DESC LIMIT 50");
  int n = 0;
  if( st ){
    db_bind_int64(st, ":me", r->user->id);
    while( db_step(st)==DB_ROW ){
      tmpl_dict *row = tmpl_section(d, "MINE");
      tmpl_set_int(row, "ID", db_col_int64(st, 0));
      tmpl_set(row, "NAME", db_col_text(st, 1));
      tmpl_set(row, "USERNAME", db_col_text(st, 2));
      tmpl_set(row, "STARTS", page_time(r, db_col_int64(st, 3)));
      tmpl_set(row, "ENDS", page_time(r, db_col_int64(st, 4)));
      int revoked = !db_col_null(st, 5);
      int64_t ends = db_col_int64(st, 4), starts = db_col_int64(st, 3);
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
    while( db_step(st)==DB_ROW ){
      tmpl_dict *row = tmpl_section(d, "FOR_OTHERS");
      tmpl_set(row, "NAME", db_col_text(st, 0));
      tmpl_set(row, "STARTS", page_time(r, db_col_int64(st, 1)));
      tmpl_set(row, "ENDS", page_time(r, db_col_int64(st, 2)));
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
    struct db_stmt *st = db_prepare(r->app->db, "SELECT id FROM users WHERE username=:u AND disabled=0");
    if( st ){
      db_bind_text(st, ":u", who);
      if( db_step(st)==DB_ROW ) uid = db_col_int64(st, 0);
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

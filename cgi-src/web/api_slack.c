/* api_slack.c — POST /slack/actions: Slack's signed interactivity requests, decided through the core. */
#include "api_slack.h"
#include "slack.h"
#include "approvals.h"
#include "app.h"
#include "db.h"
#include "api.h"
#include "audit.h"
#include "session.h"
#include "form.h"
#include "log.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <errno.h>

#define SLACK_MAX_SECRETS 16          /* Slack channels whose signing secrets are tried */

/* ------------------------------------------------------------------ the endpoint */

/* Answer Slack with an ephemeral message (HTTP 200: Slack shows it to the person who clicked). */
static int ephemeral(struct req *r, const char *text){
  return api_reply(r, 200, json_pack("{s:s,s:b,s:s}", "response_type", "ephemeral", "replace_original", 0,
                                     "text", text));
}

/* Refuse an unauthenticated request: 401 with a JSON reason, and the refusal in the trail. */
static int refuse(struct req *r, const char *why){
  req_audit_tx(r, "access.denied", "route", 0, 0, "{s:s,s:s,s:i,s:s}", "method", r->method, "path", r->path,
                 "status", 401, "reason", why);
  return api_reply(r, 401, json_pack("{s:{s:s,s:s}}", "error", "code", "unauthorized", "message", why));
}

/* Check the request against the signing secret of every enabled Slack channel. */
static enum slack_sig verify_request(struct req *r, const char *body, size_t n){
  const char *ts = req_param_env(r, "HTTP_X_SLACK_REQUEST_TIMESTAMP");
  const char *sig = req_param_env(r, "HTTP_X_SLACK_SIGNATURE");
  enum slack_sig best = SLACK_SIG_MISSING;
  int64_t now = app_now_ms(r->app);
  struct db_stmt *st = db_prepare(r->app->db, "SELECT json_extract(config_json,'$.signing_secret') FROM notify_channels"
    " WHERE type='slack' AND enabled=1 AND json_valid(config_json) AND json_extract(config_json,'$.signing_secret')<>''"
    " ORDER BY id LIMIT :lim");
  if( st==NULL ) return SLACK_SIG_MISSING;
  db_bind_int64(st, ":lim", SLACK_MAX_SECRETS);
  while( db_step(st)==DB_ROW ){
    enum slack_sig v = slack_verify(db_col_text(st, 0), ts, sig, body, n, now);
    if( v==SLACK_SIG_OK || best==SLACK_SIG_MISSING ) best = v;
    if( v==SLACK_SIG_OK ) break;
  }
  db_finish(st);
  return best;
}

/*
** POST /slack/actions.  Order: verify the signature (401 on any doubt),
** parse the payload, map the Slack user to a Holdpoint person, send
** activities that need inputs or a signature to the browser, then record
** the vote through approvals_decide (which checks eligibility, self-approval
** and one vote per person, and audits with channel "slack").
*/
int api_slack_actions(struct req *r){
  char *body;
  size_t n;
  char err[1200], link[320];
  const char *bz = r->app->cfg.base_url;
  int bn = (int)strlen(bz);
  while( bn>0 && bz[bn-1]=='/' ) bn--;
  if( r->content_length > SLACK_MAX_BODY ) return HP_TOO_LARGE;
  if( strncasecmp(r->content_type, "application/x-www-form-urlencoded", 33)!=0 ) return HP_UNSUPPORTED;
  int rc = req_read_body(r, SLACK_MAX_BODY, &body, &n);
  if( rc ) return rc;
  switch( verify_request(r, body, n) ){
    case SLACK_SIG_OK: break;
    case SLACK_SIG_MISSING: return refuse(r, "Missing Slack signature headers, or no Slack signing secret is configured.");
    case SLACK_SIG_STALE: return refuse(r, "The Slack request timestamp is more than 5 minutes old (or in the future).");
    default: return refuse(r, "The Slack signature does not match.");
  }
  static const struct form_limits lim = { 32, 64, SLACK_MAX_BODY };
  struct kv *kv;
  size_t nkv;
  const char *payload = NULL;
  if( form_parse_urlencoded(&r->arena, body, n, &lim, &kv, &nkv) ) return HP_BAD_REQUEST;
  for(size_t i=0; i<nkv; i++) if( strcmp(kv[i].name, "payload")==0 ) payload = kv[i].value;
  json_t *j = payload ? json_loads(payload, 0, NULL) : NULL;
  if( !json_is_object(j) ){ json_decref(j); return HP_BAD_REQUEST; }
  const char *type = json_string_value(json_object_get(j, "type"));
  json_t *act = json_array_get(json_object_get(j, "actions"), 0);
  const char *action_id = json_string_value(json_object_get(act, "action_id"));
  const char *value = json_string_value(json_object_get(act, "value"));
  const char *slack_user = json_string_value(json_object_get(json_object_get(j, "user"), "id"));
  /* copies: j is released before replying */
  action_id = action_id ? arena_strdup(&r->arena, action_id) : NULL;
  value = value ? arena_strdup(&r->arena, value) : NULL;
  slack_user = slack_user ? arena_strdup(&r->arena, slack_user) : NULL;
  int is_actions = type && strcmp(type, "block_actions")==0;
  json_decref(j);
  if( !is_actions || action_id==NULL ) return ephemeral(r, "Holdpoint only answers its own Approve and Reject buttons.");
  if( strcmp(action_id, "approve")!=0 && strcmp(action_id, "reject")!=0 ){
    return api_reply(r, 200, json_object());            /* "Open in Holdpoint" and other link buttons */
  }
  int64_t activity_id = 0;
  if( value ){
    char *end;
    errno = 0;
    long long v = strtoll(value, &end, 10);
    if( !errno && end!=value && *end==0 && v>0 ) activity_id = v;
  }
  if( activity_id<=0 ) return ephemeral(r, "That button does not name an activity.");
  snprintf(link, sizeof(link), "%.*s/activities/%lld", bn > 280 ? 280 : bn, bz, (long long)activity_id);

  /* Who pressed it? */
  int64_t uid = 0;
  struct db_stmt *st = db_prepare(r->app->db, "SELECT i.user_id FROM user_identities i JOIN users u ON u.id=i.user_id"
                                            " WHERE i.provider='slack' AND i.external_id=:x AND u.disabled=0");
  if( st==NULL ) return HP_ERROR;
  db_bind_text(st, ":x", slack_user ? slack_user : "");
  if( db_step(st)==DB_ROW ) uid = db_col_int64(st, 0);
  db_finish(st);
  if( uid==0 || !sess_load_user(r, uid, &r->user) ){
    snprintf(err, sizeof(err), "Your Slack account (%.40s) is not linked to a Holdpoint user, so nothing was recorded. "
             "Ask an administrator to link it (holdpoint user link USERNAME --slack %.40s), or decide in Holdpoint: %s",
             slack_user ? slack_user : "unknown", slack_user ? slack_user : "U…", link);
    return ephemeral(r, err);
  }
  r->log_user = r->user->username;

  /* Approvals that need a signature or inputs are decided in the browser. */
  int found = 0, sig = 0, nreq = 0;
  const char *name = "";
  st = db_prepare(r->app->db, "SELECT kind, signature_required, name,"
    " (SELECT count(*) FROM fields f WHERE f.activity_id=a.id AND f.required=1) FROM activities a WHERE id=:id");
  if( st==NULL ) return HP_ERROR;
  db_bind_int64(st, ":id", activity_id);
  if( db_step(st)==DB_ROW ){
    found = strcmp(db_col_text(st, 0), "approval")==0;
    sig = db_col_int(st, 1);
    name = arena_strdup(&r->arena, db_col_text(st, 2));
    nreq = db_col_int(st, 3);
  }
  db_finish(st);
  if( !found ) return ephemeral(r, "There is no such approval in Holdpoint.");
  if( sig || nreq ){
    snprintf(err, sizeof(err), "\"%.100s\" needs %s, which Slack cannot collect, so nothing was recorded. "
             "Open it in Holdpoint to decide: %s", name,
             sig ? "your electronic signature (your password, re-entered)" : "information to be filled in first", link);
    return ephemeral(r, err);
  }

  struct approvals_voter v;
  struct approvals_result res;
  struct audit_ctx c;
  memset(&v, 0, sizeof(v));
  v.user = r->user;
  v.channel = "slack";
  v.ip = r->remote_addr;
  v.session_hash = "";
  v.user_agent = r->user_agent;
  req_audit_ctx(r, &c);
  int approve = strcmp(action_id, "approve")==0;
  struct hp_err why;
  rc = approvals_decide(r->app, &c, &v, activity_id, action_id, approve ? "Approved in Slack." : "Rejected in Slack.",
                        &res, &why);
  if( rc==HP_OK ){
    char msg[1200];
    if( res.state==0 ){
      snprintf(msg, sizeof(msg), "You %s \"%.100s\". It still needs %d more approval%s: %s", approve ? "approved" : "rejected",
               name, res.needed, res.needed==1 ? "" : "s", link);
    }else{
      snprintf(msg, sizeof(msg), "You %s \"%.100s\"; it is now %s: %s", approve ? "approved" : "rejected", name,
               res.state==1 ? "approved" : "rejected", link);
    }
    return ephemeral(r, msg);
  }
  if( rc==HP_UNAVAILABLE || rc==HP_ERROR ){
    snprintf(err, sizeof(err), "Holdpoint could not record your vote just now; try again or decide in Holdpoint: %s", link);
    return ephemeral(r, err);
  }
  snprintf(err, sizeof(err), "%s Nothing was recorded. %s", why.reason, link);
  return ephemeral(r, err);
}

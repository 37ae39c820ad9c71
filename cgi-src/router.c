/* router.c — the route table and the one place that enforces AUTH, CSRF, API and role flags. */
#include "router.h"
#include "app.h"
#include "page.h"
#include "page_audit.h"
#include "page_release.h"
#include "page_decide.h"
#include "session.h"
#include "csrf.h"
#include "auth.h"
#include "audit.h"
#include "api.h"
#include "api_release.h"
#include "log.h"
#include "inputs.h"
#include "evidence.h"
#include "page_notify.h"   /* notifications (issue 8) */
#include "slack.h"
#include <string.h>
#include <stdlib.h>
#include <errno.h>

#define RM   ROLE_RELEASE_MANAGER
#define ADM  ROLE_ADMIN

/*
** Every URL Holdpoint answers.  A page's needs are its flags; handlers never
** check sign-in, CSRF or roles themselves.
*/
static const struct route routes[] = {
  { "GET",  "/healthz",                         page_healthz,        RF_PUBLIC, 0 },
  { "GET",  "/",                                page_inbox,          RF_PUBLIC, 0 },
  { "GET",  "/login",                           page_login_form,     RF_PUBLIC, 0 },
  { "POST", "/login",                           page_login,          RF_PUBLIC|RF_CSRF, 0 },
  { "POST", "/logout",                          page_logout,         RF_AUTH|RF_CSRF, 0 },
  /* monitoring views (page_release.h): releases, phases, activities, templates */
  { "GET",  "/releases",                        page_releases,       RF_AUTH, 0 },
  { "GET",  "/releases/{id}",                   page_release,        RF_AUTH, 0 },
  { "POST", "/releases/{id}/retry",             page_release_retry,  RF_AUTH|RF_CSRF, RM|ADM },
  { "POST", "/releases/{id}/abort",             page_release_abort,  RF_AUTH|RF_CSRF, RM|ADM },
  { "GET",  "/phases/{id}",                     page_phase,          RF_AUTH, 0 },
  { "GET",  "/activities/{id}",                 page_activity,       RF_AUTH, 0 },
  { "GET",  "/templates",                       page_templates,      RF_AUTH, 0 },
  { "POST", "/templates",                       page_template_upload, RF_AUTH|RF_CSRF, RM|ADM },
  { "GET",  "/templates/{id}",                  page_template,       RF_AUTH, 0 },
  /* information capture and evidence (inputs.h, evidence.h) */
  { "POST", "/activities/{id}/inputs",          inputs_page_save,    RF_AUTH|RF_CSRF, 0 },
  { "POST", "/activities/{id}/evidence",        evidence_page_upload, RF_AUTH|RF_CSRF|RF_RAWBODY, 0 },
  { "GET",  "/evidence/{id}",                   evidence_download,   RF_AUTH, 0 },
  /* audit trail (page_audit.h): the trail and its exports for auditors and admins; a release's
     approvals log and PDF report also for release managers */
  { "GET",  "/audit",                           page_audit,          RF_AUTH, ROLE_AUDITOR|ROLE_ADMIN },
  { "GET",  "/audit/export.csv",                page_audit_csv,      RF_AUTH, ROLE_AUDITOR|ROLE_ADMIN },
  { "GET",  "/audit/export.jsonl",              page_audit_jsonl,    RF_AUTH, ROLE_AUDITOR|ROLE_ADMIN },
  { "GET",  "/releases/{id}/audit.csv",         page_audit_release_csv, RF_AUTH, ROLE_AUDITOR|ROLE_ADMIN },
  { "GET",  "/releases/{id}/report.pdf",        page_audit_release_pdf, RF_AUTH, ROLE_AUDITOR|ROLE_ADMIN|RM },
  { "GET",  "/releases/{id}/approvals",         page_audit_approvals, RF_AUTH, ROLE_AUDITOR|ROLE_ADMIN|RM },
  /* identity pages (me, admin) */
  { "POST", "/activities/{id}/decision",        page_activity_decision, RF_AUTH|RF_CSRF, 0 },
  { "POST", "/activities/{id}/take",            page_activity_take,  RF_AUTH|RF_CSRF, 0 },
  { "POST", "/activities/{id}/task",            page_activity_task,  RF_AUTH|RF_CSRF, 0 },
  { "POST", "/activities/{id}/assign",          page_activity_assign, RF_AUTH|RF_CSRF, RM|ADM },
  { "GET",  "/me/delegation",                   page_delegation,     RF_AUTH, 0 },
  { "POST", "/me/delegation",                   page_delegation_add, RF_AUTH|RF_CSRF, 0 },
  { "POST", "/me/delegation/{id}/end",          page_delegation_end, RF_AUTH|RF_CSRF, 0 },
  { "POST", "/api/v1/activities/{id}/decision", api_activity_decision, RF_API|RF_RAWBODY, 0 },
  { "GET",  "/me",                              page_me,             RF_AUTH, 0 },
  { "POST", "/me/sessions/{id}/end",            page_me_end_session, RF_AUTH|RF_CSRF, 0 },
  { "POST", "/me/tokens",                       page_me_token_new,   RF_AUTH|RF_CSRF, 0 },
  { "POST", "/me/tokens/{id}/revoke",           page_me_token_revoke, RF_AUTH|RF_CSRF, 0 },
  { "POST", "/me/password",                     page_me_password,    RF_AUTH|RF_CSRF, 0 },
  { "GET",  "/admin",                           page_admin_home,     RF_AUTH, ADM },
  { "GET",  "/admin/users",                     page_admin_users,    RF_AUTH, ADM },
  { "POST", "/admin/users",                     page_admin_user_add, RF_AUTH|RF_CSRF, ADM },
  { "GET",  "/admin/users/{id}",                page_admin_user,     RF_AUTH, ADM },
  { "POST", "/admin/users/{id}",                page_admin_user_save, RF_AUTH|RF_CSRF, ADM },
  { "POST", "/admin/users/{id}/password",       page_admin_user_password, RF_AUTH|RF_CSRF, ADM },
  { "POST", "/admin/users/{id}/disable",        page_admin_user_disable, RF_AUTH|RF_CSRF, ADM },
  { "POST", "/admin/users/{id}/enable",         page_admin_user_enable, RF_AUTH|RF_CSRF, ADM },
  { "GET",  "/admin/teams",                     page_admin_teams,    RF_AUTH, ADM },
  { "POST", "/admin/teams",                     page_admin_team_add, RF_AUTH|RF_CSRF, ADM },
  { "POST", "/admin/teams/{id}/members",        page_admin_team_member_add, RF_AUTH|RF_CSRF, ADM },
  { "POST", "/admin/teams/{id}/members/{id}/remove", page_admin_team_member_remove, RF_AUTH|RF_CSRF, ADM },
  { "GET",  "/api/v1/me",                       api_me,              RF_API, 0 },
  { "GET",  "/api/v1/activities/{id}/evidence", evidence_api_list,   RF_API, 0 },
  { "POST", "/api/v1/activities/{id}/evidence", evidence_api_upload, RF_API|RF_RAWBODY, 0 },
  { "GET",  "/api/v1/evidence/{id}",            evidence_download,   RF_API, 0 },
  /* release orchestration API (api_release.h) */
  { "POST", "/api/v1/releases",                 api_release_create,  RF_API|RF_RAWBODY, RM|ADM },
  { "GET",  "/api/v1/releases",                 api_release_list,    RF_API, 0 },
  { "GET",  "/api/v1/releases/{id}",            api_release_get,     RF_API, 0 },
  { "POST", "/api/v1/releases/{id}/retry",      api_release_retry,   RF_API|RF_RAWBODY, RM|ADM },
  { "POST", "/api/v1/releases/{id}/abort",      api_release_abort,   RF_API|RF_RAWBODY, RM|ADM },
  { "GET",  "/api/v1/approvals",                api_release_approvals, RF_API, 0 },
  { "GET",  "/api/v1/activities/{id}",          api_release_activity_get, RF_API, 0 },
  { "POST", "/api/v1/activities/{id}/result",   api_release_activity_result, RF_API|RF_RAWBODY, RM|ADM },
  /* notifications (page_notify.h, slack.h): in-app list, preferences, channels; Slack's signed
     interactivity requests are public: the signing-secret signature is their authentication */
  { "GET",  "/notifications",                   page_notify_list,    RF_AUTH, 0 },
  { "POST", "/notifications/read-all",          page_notify_read_all, RF_AUTH|RF_CSRF, 0 },
  { "POST", "/notifications/{id}/read",         page_notify_read,    RF_AUTH|RF_CSRF, 0 },
  { "GET",  "/me/notifications",                page_notify_prefs,   RF_AUTH, 0 },
  { "POST", "/me/notifications",                page_notify_prefs_save, RF_AUTH|RF_CSRF, 0 },
  { "GET",  "/admin/notifications",             page_notify_admin,   RF_AUTH, ADM },
  { "POST", "/admin/notifications/channels",    page_notify_channel_add, RF_AUTH|RF_CSRF, ADM },
  { "GET",  "/admin/notifications/channels/{id}", page_notify_channel, RF_AUTH, ADM },
  { "POST", "/admin/notifications/channels/{id}", page_notify_channel_save, RF_AUTH|RF_CSRF, ADM },
  { "POST", "/admin/notifications/channels/{id}/test", page_notify_channel_test, RF_AUTH|RF_CSRF, ADM },
  { "POST", "/admin/notifications/channels/{id}/delete", page_notify_channel_delete, RF_AUTH|RF_CSRF, ADM },
  { "POST", "/admin/notifications/outbox/{id}/retry", page_notify_outbox_retry, RF_AUTH|RF_CSRF, ADM },
  { "POST", "/admin/notifications/identities",  page_notify_identity, RF_AUTH|RF_CSRF, ADM },
  { "POST", "/slack/actions",                   slack_actions,       RF_PUBLIC|RF_RAWBODY, 0 },
};

/*
** Match path against pattern segment by segment; "{id}" matches a positive
** decimal integer (no sign, no leading zero, fits int64) stored in ids[].
** Returns 1 on a match.
*/
int router_match(const char *pattern, const char *path, int64_t *ids, int *nids){
  const char *p = pattern, *s = path;
  int n = 0;
  while( *p && *s ){
    if( strncmp(p, "{id}", 4)==0 ){
      const char *e = s;
      while( *e>='0' && *e<='9' ) e++;
      if( e==s || *s=='0' || e-s>18 || n>=4 ) return 0;
      ids[n++] = strtoll(s, NULL, 10);
      s = e;
      p += 4;
      continue;
    }
    if( *p!=*s ) return 0;
    p++; s++;
  }
  if( *p || *s ) return 0;
  *nids = n;
  return 1;
}

const struct route *router_find(const char *method, const char *path, int64_t *ids, int *nids,
                                int *path_matched){
  *path_matched = 0;
  for(size_t i=0; i<HP_ARRAY_SIZE(routes); i++){
    const struct route *rt = &routes[i];
    if( !router_match(rt->pattern, path, ids, nids) ) continue;
    *path_matched = 1;
    if( strcmp(rt->method, method)==0 ) return rt;
    if( strcmp(method, "HEAD")==0 && strcmp(rt->method, "GET")==0 ) return rt;
  }
  return NULL;
}

static const char *default_message(int status){
  switch( status ){
    case 400: return "The request could not be understood.";
    case 401: return "Sign in first.";
    case 403: return "You are not allowed to do that.";
    case 404: return "There is nothing at this address.";
    case 405: return "This address does not accept that method.";
    case 409: return "That cannot be done in the current state.";
    case 413: return "What you sent is too large.";
    case 415: return "That type of content is not accepted here.";
    case 422: return "Some of what you entered needs fixing.";
    case 429: return "Too many attempts. Wait a few minutes and try again.";
    case 503: return "Holdpoint is busy. Try again in a moment.";
    default: return "Something went wrong on our side. Nothing was changed.";
  }
}

/* Render an error as a page, or as JSON for the API. */
void router_render_error(struct req *r, int status, const char *message){
  if( status<400 || status>599 ) status = 500;
  if( message==NULL ) message = default_message(status);
  buf_reset(&r->body);
  if( r->is_api ){
    api_error(r, status, NULL, message);
    return;
  }
  page_error(r, status, message);
}

/* Log a refused request in the audit trail: who, what, from where. */
static void log_denial(struct req *r, int status, const char *why){
  audit_event_tx(r, "access.denied", "route", 0, 0, "{s:s,s:s,s:i,s:s}",
                 "method", r->method, "path", r->path, "status", status, "reason", why);
}

/* Log one access line: request id, method, path, status, duration, user. */
static void access_log(struct req *r){
  log_msg("%s %s %s %d %lldus %s", r->request_id, r->method, r->path, r->status,
          (long long)req_elapsed_us(r), r->log_user);
}

/*
** Route one request: parse the query and cookies, find the route, identify
** the caller, enforce the route's flags, read a urlencoded body, call the
** handler, and turn a nonzero result into an error page.  Always finishes
** the response and writes the access log line.
*/
void router_dispatch(struct req *r){
  int rc = HP_OK, matched = 0;
  const char *why = NULL;
  r->is_api = strncmp(r->path, "/api/", 5)==0;
  if( form_parse_urlencoded(&r->arena, r->query, strlen(r->query), &form_default_limits,
                            &r->qs, &r->nqs) ){
    rc = HP_BAD_REQUEST;
    why = "The address has a malformed query string.";
    goto out;
  }
  form_parse_cookies(&r->arena, req_param_env(r, "HTTP_COOKIE"), &form_default_limits,
                     &r->cookies, &r->ncookies);
  const struct route *rt = router_find(r->method, r->path, r->ids, &r->nids, &matched);
  if( rt==NULL ){
    rc = matched ? HP_METHOD : HP_NOT_FOUND;
    goto out;
  }
  r->route = rt;
  if( rt->flags & RF_API ){
    rc = auth_token_identify(r);
    if( rc ){ why = "A valid API token is required (Authorization: Bearer ...)."; goto out; }
  }else{
    sess_identify(r);
  }
  if( r->user ) r->log_user = r->user->username;
  if( (rt->flags & RF_AUTH) && r->user==NULL ){
    if( strcmp(r->method, "GET")==0 || strcmp(r->method, "HEAD")==0 ){
      rc = resp_redirect(r, "/login?next=%s", page_url_arg(r, r->path));
      goto out;
    }
    rc = HP_FORBIDDEN;
    why = "Your session has ended. Sign in again.";
    log_denial(r, rc, "not signed in");
    goto out;
  }
  if( rt->roles && !req_has_role(r, rt->roles) ){
    rc = HP_FORBIDDEN;
    why = "Your roles do not allow this page.";
    log_denial(r, rc, "role");
    goto out;
  }
  if( strcmp(r->method, "POST")==0 && !(rt->flags & RF_RAWBODY) ){
    rc = req_read_form(r);
    if( rc ){
      if( rc==HP_BAD_REQUEST ) why = "The form data is malformed (too many fields, bad names or bad encoding).";
      goto out;
    }
  }
  if( rt->flags & RF_CSRF ){
    /*
    ** An RF_RAWBODY form (a multipart upload) has no parsed fields here, so
    ** the router checks only POST and the origin; the token is checked by
    ** the handler's body reader with csrf_check_token() on the "csrf" part,
    ** which must come FIRST in the body, before anything is kept, and a
    ** mismatch is refused with csrf_refuse() (the same 403 and audit record).
    */
    const char *reason = (rt->flags & RF_RAWBODY) ? csrf_check_request(r) : csrf_check(r);
    if( reason ){
      rc = HP_FORBIDDEN;
      why = CSRF_MESSAGE;
      log_denial(r, rc, reason);
      goto out;
    }
  }
  rc = rt->fn(r);
out:
  if( rc ){
    if( rc<400 || rc>599 ) rc = HP_ERROR;
    router_render_error(r, rc, why);
  }
  resp_finish(r);
  access_log(r);
}

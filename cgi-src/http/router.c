/* router.c — the dispatcher: finds a route of the table (web/routes.c) and is the one place that enforces AUTH, CSRF, API and role flags. */
#include "router.h"
#include "stats.h"
#include "db.h"
#include "app.h"
#include "page.h"
#include "session.h"
#include "csrf.h"
#include "auth.h"
#include "audit.h"
#include "api.h"
#include "log.h"
#include <string.h>
#include <stdlib.h>
#include <errno.h>



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
  for(size_t i=0; i<router_nroutes; i++){
    const struct route *rt = &router_routes[i];
    if( !router_match(rt->pattern, path, ids, nids) ) continue;
    *path_matched = 1;
    if( strcmp(rt->method, method)==0 ) return rt;
    if( strcmp(method, "HEAD")==0 && strcmp(rt->method, "GET")==0 ) return rt;
  }
  return NULL;
}

/*
** For RF_RAWBODY handlers whose "csrf" part failed csrf_check_token: record
** the refusal as the router does ('access.denied') and render its 403 page.
** Returns HP_OK (the response is ready).
*/
int router_csrf_refuse(struct req *r, const char *reason){
  req_audit_tx(r, "access.denied", "route", 0, 0, "{s:s,s:s,s:i,s:s}",
                 "method", r->method, "path", r->path, "status", 403, "reason", reason);
  router_render_error(r, HP_FORBIDDEN, CSRF_MESSAGE);
  return HP_OK;
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
  req_audit_tx(r, "access.denied", "route", 0, 0, "{s:s,s:s,s:i,s:s}",
                 "method", r->method, "path", r->path, "status", status, "reason", why);
}

/* Log one access line: request id, method, path, status, duration, user.  A read that went
   well waits in the worker's buffer (log_access); anything that may have changed something,
   and every server error, is written at once (with the lines before it). */
static void access_log(struct req *r){
  int64_t us = req_elapsed_us(r);
  int read_ok = (strcmp(r->method, "GET")==0 || strcmp(r->method, "HEAD")==0) && r->status<500;
  (read_ok ? log_access : log_msg)("%s %s %s %d %lldus %s", r->request_id, r->method, r->path, r->status,
                                   (long long)us, r->log_user);
  stats_request(r->route ? (int)(r->route - router_routes) : STATS_MAX_ROUTES - 1, r->status, us);
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
  int frc = form_parse_urlencoded(&r->arena, r->query, strlen(r->query), &form_default_limits, &r->qs, &r->nqs);
  if( frc ){
    rc = frc==FORM_ERR_OOM ? HP_UNAVAILABLE : HP_BAD_REQUEST;
    why = frc==FORM_ERR_OOM ? "Holdpoint is short of memory just now. Try again in a moment."
                            : "The address has a malformed query string.";
    goto out;
  }
  if( form_parse_cookies(&r->arena, r->cookie_header, &form_default_limits,
                         &r->cookies, &r->ncookies)==FORM_ERR_OOM ){
    rc = HP_UNAVAILABLE;                         /* not "signed out": the worker ran out of memory */
    why = "Holdpoint is short of memory just now. Try again in a moment.";
    goto out;
  }
  const struct route *rt = router_find(r->method, r->path, r->ids, &r->nids, &matched);
  if( rt==NULL ){
    rc = matched ? HP_METHOD : HP_NOT_FOUND;
    if( !r->is_api && sess_identify(r)==1 ) r->log_user = r->user->username;  /* a signed-in 404 keeps its navigation */
    goto out;
  }
  r->route = rt;
  /* A page reads one snapshot (db_begin_read), from who is asking to the last row; a write
     (a session's last_seen_at, a handler's change) ends it. */
  int reading = strcmp(r->method, "GET")==0 || strcmp(r->method, "HEAD")==0;
  if( reading ) db_begin_read(r->app->db);
  if( rt->flags & RF_API ){
    rc = sess_token_identify(r);
    if( rc ){
      why = rc==HP_UNAVAILABLE ? "Holdpoint cannot read its database just now. Try again in a moment."
                               : "A valid API token is required (Authorization: Bearer ...).";
      goto out;
    }
  }else if( sess_identify(r)<0 ){
    rc = HP_UNAVAILABLE;
    why = "Holdpoint cannot read its database just now. Try again in a moment.";
    goto out;
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
  /* a role that requires two-step sign-in: nothing else until it is set up */
  if( r->user && r->user->must_set_up_two_step && !r->via_token && ((rt->flags & RF_AUTH) || strcmp(r->path, "/")==0)
   && strncmp(r->path, "/me/two-step", 12)!=0 && strcmp(r->path, "/logout")!=0 ){
    if( strcmp(r->method, "GET")==0 || strcmp(r->method, "HEAD")==0 ){
      rc = resp_redirect(r, "/me/two-step");
      goto out;
    }
    rc = HP_FORBIDDEN;
    why = "Set up two-step sign-in first (Your account, Two-step sign-in): your role requires it.";
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
    ** mismatch is refused with router_csrf_refuse() (the same 403 and audit record).
    */
    const char *reason = (rt->flags & RF_RAWBODY) ? csrf_check_request(r) : csrf_check(r);
    if( reason ){
      rc = HP_FORBIDDEN;
      why = CSRF_MESSAGE;
      log_denial(r, rc, reason);
      goto out;
    }
  }
  if( reading ) db_begin_read(r->app->db);     /* again, if identifying the caller wrote */
  rc = rt->fn(r);
out:
  if( rc ){
    if( rc<400 || rc>599 ) rc = HP_ERROR;
    router_render_error(r, rc, why);
  }
  resp_finish(r);
  db_end_read(r->app->db);
  if( db_in_tx(r->app->db) ){
    /* A handler that failed half-way must roll back; if one did not, this
    ** worker would hold the write lock and stall every other one. */
    log_msg("%s: a request left a transaction open; rolled back", r->request_id);
    db_rollback(r->app->db);
  }
  access_log(r);
}

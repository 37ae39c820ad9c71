/* csrf.c — the single cross-site request forgery check, applied by the router. */
#include "csrf.h"
#include <openssl/crypto.h>
#include <string.h>

int csrf_token_equal(const char *a, const char *b){
  if( a==NULL || b==NULL ) return 0;
  size_t n = strlen(a);
  if( n==0 || n!=strlen(b) ) return 0;
  return CRYPTO_memcmp(a, b, n)==0;
}

/*
** A request is same-origin when Sec-Fetch-Site (if the browser sent it) is
** "same-origin" or "none", and Origin (if sent) is exactly this server's
** scheme://host.  Clients that send neither (curl, holdctl) pass this part.
*/
int csrf_origin_ok(const char *origin, const char *sfs, int https, const char *host){
  if( sfs && strcmp(sfs, "same-origin")!=0 && strcmp(sfs, "none")!=0 ) return 0;
  if( origin ){
    const char *scheme = https ? "https://" : "http://";
    size_t ns = strlen(scheme);
    if( host==NULL || host[0]==0 ) return 0;
    if( strncmp(origin, scheme, ns)!=0 || strcmp(origin+ns, host)!=0 ) return 0;
  }
  return 1;
}

/*
** The parts of csrf_check that do not need the body: a POST from this
** site.  NULL when they hold, else a short reason for the audit trail.
*/
const char *csrf_check_request(struct req *r){
  if( strcmp(r->method, "POST")!=0 ) return "state change without POST";
  if( !csrf_origin_ok(r->origin, r->sec_fetch_site, r->https, r->host) ) return "foreign origin";
  return NULL;
}

/*
** The token part of csrf_check: value (the form's "csrf" field) must equal
** the session's token.  Without a session (r->csrf_token NULL) there is no
** token to compare and this part passes, as for csrf_check.  NULL when it
** holds, else a short reason.  The router calls it for urlencoded forms;
** handlers of RF_RAWBODY routes call it on the body's "csrf" part, which
** they require first, before they keep anything from the body (router.c).
*/
const char *csrf_check_token(struct req *r, const char *value){
  if( r->csrf_token && !csrf_token_equal(value, r->csrf_token) ){
    return "missing or wrong CSRF token";
  }
  return NULL;
}

/*
** Return NULL when r may change state, or a short reason for the audit
** trail: not a POST, a foreign origin, or (for a signed-in session) a
** missing or wrong per-session token in the "csrf" form field.
*/
const char *csrf_check(struct req *r){
  const char *why = csrf_check_request(r);
  return why ? why : csrf_check_token(r, req_form(r, "csrf"));
}

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
** Return NULL when r may change state, or a short reason for the audit
** trail: not a POST, a foreign origin, or (for a signed-in session) a
** missing or wrong per-session token in the "csrf" form field.
*/
const char *csrf_check(struct req *r){
  if( strcmp(r->method, "POST")!=0 ) return "state change without POST";
  if( !csrf_origin_ok(r->origin, r->sec_fetch_site, r->https, r->host) ) return "foreign origin";
  if( r->csrf_token && !csrf_token_equal(req_form(r, "csrf"), r->csrf_token) ){
    return "missing or wrong CSRF token";
  }
  return NULL;
}

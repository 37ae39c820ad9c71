/* csrf.h — the single cross-site request forgery check, applied by the router. */
#ifndef HP_CSRF_H
#define HP_CSRF_H
#include "req.h"
int csrf_token_equal(const char *a, const char *b);   /* constant time; 1 when equal and non-empty */
int csrf_origin_ok(const char *origin, const char *sec_fetch_site, int https, const char *host);
const char *csrf_check(struct req *r);               /* NULL when the request may change state */
#endif

/* csrf.h — the single cross-site request forgery check, applied by the router. */
#ifndef HP_CSRF_H
#define HP_CSRF_H
#include "req.h"

/* What a person is told when a form fails the check. */
#define CSRF_MESSAGE "This form has expired or came from another site. Go back, reload the page and try again."

int csrf_token_equal(const char *a, const char *b);   /* constant time; 1 when equal and non-empty */
int csrf_origin_ok(const char *origin, const char *sec_fetch_site, int https, const char *host);
const char *csrf_check(struct req *r);               /* NULL when the request may change state */
const char *csrf_check_request(struct req *r);       /* csrf_check without the token: POST, same origin */
const char *csrf_check_token(struct req *r, const char *value);  /* the token part; NULL when it matches */
#endif

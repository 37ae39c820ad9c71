/* router.h — the route table and the one place that enforces its flags. */
#ifndef HP_ROUTER_H
#define HP_ROUTER_H
#include "req.h"

typedef int (*route_fn)(struct req *r);

enum route_flag {
  RF_PUBLIC  = 1<<0,   /* no sign-in needed */
  RF_AUTH    = 1<<1,   /* a signed-in person (browser session) */
  RF_CSRF    = 1<<2,   /* POST with a valid per-session token and a same-origin request */
  RF_API     = 1<<3,   /* bearer token; errors as JSON */
  RF_RAWBODY = 1<<4    /* the handler reads the body itself (multipart, JSON) */
};

struct route {
  const char *method;      /* "GET" also answers HEAD */
  const char *pattern;     /* "/releases/{id}/phases"; {id} is a positive integer */
  route_fn fn;
  unsigned flags;
  unsigned roles;          /* ROLE_* bits, any of them suffices; 0 = anyone signed in */
};

int router_match(const char *pattern, const char *path, int64_t *ids, int *nids);
const struct route *router_find(const char *method, const char *path, int64_t *ids, int *nids,
                                int *path_matched);
void router_dispatch(struct req *r);        /* routes, enforces flags, renders errors, finishes */
void router_render_error(struct req *r, int status, const char *message);
/* RF_RAWBODY handlers whose "csrf" part failed csrf_check_token: the router's audit record and 403 page; HP_OK. */
int router_csrf_refuse(struct req *r, const char *reason);

/* The table of every URL, defined by the pages and API (web/routes.c). */
extern const struct route router_routes[];
extern const size_t router_nroutes;
#endif

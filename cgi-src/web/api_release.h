/* api_release.h — the JSON API for releases, approvals and activities (/api/v1). */
#ifndef HP_API_RELEASE_H
#define HP_API_RELEASE_H
#include "req.h"
#include <jansson.h>

/* Route handlers (see router.c for methods, paths and roles). */
int api_release_create(struct req *r);          /* POST /api/v1/releases */
int api_release_list(struct req *r);            /* GET  /api/v1/releases?status=&page= */
int api_release_get(struct req *r);             /* GET  /api/v1/releases/{id} */
int api_release_retry(struct req *r);           /* POST /api/v1/releases/{id}/retry */
int api_release_abort(struct req *r);           /* POST /api/v1/releases/{id}/abort */
int api_release_approvals(struct req *r);       /* GET  /api/v1/approvals?status=pending[&mine=1] */
int api_release_activity_get(struct req *r);    /* GET  /api/v1/activities/{id} */
int api_release_activity_result(struct req *r); /* POST /api/v1/activities/{id}/result */

/*
** The release / activity as the API shows it (a new reference in *out).
** HP_OK, HP_NOT_FOUND or HP_ERROR.  Usable by other modules that answer
** with the same shapes (the decisions endpoint).
*/
int api_release_json(struct app *a, int64_t release_id, json_t **out);
int api_release_activity_json(struct app *a, int64_t activity_id, json_t **out);
int api_release_build(struct req *r);     /* POST /api/v1/releases/{id}/build */
int api_release_verify(struct req *r);    /* GET /api/v1/releases/{id}/verify?digest= */
int api_windows_list(struct req *r);      /* GET /api/v1/windows */
int api_freezes_list(struct req *r);      /* GET /api/v1/freezes */
int api_freeze_create(struct req *r);     /* POST /api/v1/freezes */
int api_freeze_end(struct req *r);        /* POST /api/v1/freezes/{id}/end */
#endif

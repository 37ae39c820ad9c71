/* api_keptn.h — Holdpoint as a Keptn control plane's approval service (api_keptn.c). */
#ifndef HP_API_KEPTN_H
#define HP_API_KEPTN_H
#include "req.h"

/*
** POST /api/v1/keptn/event — a CloudEvent from Keptn.  sh.keptn.event.approval.triggered
** starts a release of the template HOLDPOINT_KEPTN_TEMPLATE (default "keptn-approval", with
** the variables project, stage and service) named after the service, remembering Keptn's
** context and triggered id in releases.origin_json; the webhook channel marked "keptn" then
** sends approval.started and approval.finished (pass/fail, the approver's notes) back.  The
** same event twice starts one release.  A release manager's API token; with
** HOLDPOINT_KEPTN_SECRET_FILE the body must also carry X-Holdpoint-Signature (sha256=HMAC of
** the body).  201 with the release (200 when it existed), 401/403, 415, 422.
** Route flags: API | RAWBODY, release managers and admins.
*/
int api_keptn_event(struct req *r);
#endif

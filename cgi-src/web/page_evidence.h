/* page_evidence.h — evidence over HTTP: uploads, the list of a round's files, downloads (page_evidence.c). */
#ifndef HP_PAGE_EVIDENCE_H
#define HP_PAGE_EVIDENCE_H
#include <stdint.h>
#include "req.h"

/* POST /activities/{id}/evidence — browser upload.  Route flags: AUTH | CSRF | RAWBODY. */
int page_evidence_upload(struct req *r);
/* POST /api/v1/activities/{id}/evidence — API upload (201 with the evidence).  API | RAWBODY. */
int page_evidence_api_upload(struct req *r);
/* GET /api/v1/activities/{id}/evidence — the activity's evidence as JSON.  API. */
int page_evidence_api_list(struct req *r);
/*
** GET /evidence/{id} (AUTH) and GET /api/v1/evidence/{id} (API) — download
** through nginx (X-Accel-Redirect to /_evidence/...).  Any signed-in person
** may download the evidence of any release: evidence is what approvers,
** QA, release managers and auditors are meant to read, and Holdpoint has
** no per-release visibility.  Every download is audited.
*/
int page_evidence_download(struct req *r);
#endif

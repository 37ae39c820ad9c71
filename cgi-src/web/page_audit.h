/* page_audit.h — the auditor's pages: the audit trail, its downloads, and a release's approvals log and PDF report. */
#ifndef HP_PAGE_AUDIT_H
#define HP_PAGE_AUDIT_H
#include "req.h"

/*
** Who may see what (route roles in router.c):
**   /audit, /audit/export.csv, /audit/export.jsonl, /releases/{id}/audit.csv
**       auditors and admins: the whole trail carries everyone's IP
**       addresses, sessions and user agents;
**   /releases/{id}/approvals, /releases/{id}/report.pdf
**       auditors, admins and release managers: a release manager hands these
**       to the auditor as the evidence of their releases.
** Every page here is read-only: the only form is the GET filter form.
*/
int page_audit(struct req *r);                 /* GET /audit */
int page_audit_csv(struct req *r);             /* GET /audit/export.csv */
int page_audit_jsonl(struct req *r);           /* GET /audit/export.jsonl */
int page_audit_release_csv(struct req *r);     /* GET /releases/{id}/audit.csv */
int page_audit_release_pdf(struct req *r);     /* GET /releases/{id}/report.pdf */
int page_audit_approvals(struct req *r);       /* GET /releases/{id}/approvals */
#endif

/* page_release.h — the monitoring views: inbox, releases, release, phase, activity, templates. */
#ifndef HP_PAGE_RELEASE_H
#define HP_PAGE_RELEASE_H
#include "page.h"

/* Who may act: MAYACT_VIEWER("a") from mayact.h, with :uid and :now bound. */
#include "mayact.h"

/* Shared helpers (page_release.c). */
const char *page_status_label(const char *status);     /* "on_hold" -> "On Hold" */
const char *page_kind_label(const char *kind);         /* "manual" -> "Manual task" */
void page_badge(tmpl_dict *d, const char *status);     /* STATUS and STATUS_LABEL */
/* DEADLINE section: DEADLINE_ISO, DEADLINE_UTC, DEADLINE_LEFT ("in 3 h", "2 h overdue"), OVERDUE. */
void page_deadline(struct req *r, tmpl_dict *d, int64_t deadline_ms);
/*
** The release's build: DIGEST, and NEW_BUILD (when a new build arrived: NEW_DIGEST,
** OLD_DIGEST, NEW_BUILD_UTC) — on an activity that is not finished (open 1) or the release page.
*/
void page_release_build(struct req *r, tmpl_dict *d, int64_t release_id, int open);
/*
** Engine steps a person would not write down (a step blocked behind another,
** a phase or release changing state because an activity did): kept in the
** audit trail, left out of the timelines of releases and activities.  A
** condition on the action column col: six comparisons, where NOT IN (…) would
** build a temporary b-tree of the list on every run.
*/
#define PAGE_TIMELINE_SHOWN(col) "(" col "<>'activity.block' AND " col "<>'activity.unblock' AND " \
  col "<>'phase.waiting' AND " col "<>'phase.resume' AND " col "<>'release.on_hold' AND " \
  col "<>'release.resume')"

/* One human-readable sentence for an audit row. */
const char *page_audit_sentence(struct req *r, const char *action, const char *actor,
                                const char *object_type, const char *object_name,
                                const char *details_json, int show_files);

/* page_inbox.c */
int page_inbox(struct req *r);
/* page_release.c */
int page_releases(struct req *r);
int page_release(struct req *r);
int page_phase(struct req *r);
int page_release_retry(struct req *r);
int page_release_abort(struct req *r);
/* page_activity.c */
int page_activity(struct req *r);
/* page_templates.c */
int page_templates(struct req *r);
int page_template(struct req *r);
int page_template_upload(struct req *r);
#endif

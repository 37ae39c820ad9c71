/* page_release.h — the monitoring views: inbox, releases, release, phase, activity, templates. */
#ifndef HP_PAGE_RELEASE_H
#define HP_PAGE_RELEASE_H
#include "page.h"

/*
** SQL expression, 1 when the person bound to :uid can act on activity `a`
** (an alias of activities, joined with its release as `rl`) while it is on
** hold:
**   - approval: :uid is eligible in the current round, has not approved or
**     rejected in that round, and is not the release's starter unless the
**     policy allows self-approval;
**     or :uid is the current delegate of an eligible person who has not
**     voted (delegation windows are checked against the database's clock);
**   - manual task: :uid took responsibility, is the named responsible user,
**     is in the responsible team, or has the responsible role.
** The status itself is not tested here.  Used by the inbox, the release view,
** the phase view and the activity view so that they always agree.
*/
#define PAGE_CAN_ACT_SQL \
  "(CASE a.kind" \
  " WHEN 'approval' THEN" \
  "  EXISTS(SELECT 1 FROM eligible e WHERE e.activity_id=a.id AND e.round=a.round AND e.user_id=:uid)" \
  "  AND NOT EXISTS(SELECT 1 FROM decisions dv WHERE dv.activity_id=a.id AND dv.round=a.round" \
  "                 AND dv.user_id=:uid AND dv.decision IN ('approve','reject'))" \
  "  AND (rl.started_by<>:uid OR (json_valid(a.policy_json) AND json_extract(a.policy_json,'$.allow_self_approval')=1))" \
  "  OR EXISTS(SELECT 1 FROM delegations dg JOIN eligible de ON de.user_id=dg.user_id" \
  "            AND de.activity_id=a.id AND de.round=a.round" \
  "            WHERE dg.delegate_id=:uid AND dg.revoked_at IS NULL" \
  "            AND dg.starts_at<=CAST(strftime('%s','now') AS INTEGER)*1000" \
  "            AND dg.ends_at>CAST(strftime('%s','now') AS INTEGER)*1000" \
  "            AND NOT EXISTS(SELECT 1 FROM decisions dd WHERE dd.activity_id=a.id AND dd.round=a.round" \
  "                           AND (dd.user_id=dg.user_id OR dd.actor_id=:uid) AND dd.decision IN ('approve','reject')))" \
  " WHEN 'manual' THEN" \
  "  a.responsible_user_id=:uid" \
  "  OR (a.responsible_kind='user' AND EXISTS(SELECT 1 FROM users ru WHERE ru.id=:uid AND ru.username=a.responsible_name))" \
  "  OR (a.responsible_kind='team' AND EXISTS(SELECT 1 FROM team_members tm JOIN teams tt ON tt.id=tm.team_id" \
  "                                          WHERE tm.user_id=:uid AND tt.name=a.responsible_name))" \
  "  OR (a.responsible_kind='role' AND EXISTS(SELECT 1 FROM user_roles ur WHERE ur.user_id=:uid AND ur.role=a.responsible_name))" \
  " ELSE 0 END)"

/* Shared helpers (page_release.c). */
const char *page_status_label(const char *status);     /* "on_hold" -> "On Hold" */
const char *page_kind_label(const char *kind);         /* "manual" -> "Manual task" */
void page_badge(tmpl_dict *d, const char *status);     /* STATUS and STATUS_LABEL */
/* DEADLINE section: DEADLINE_ISO, DEADLINE_UTC, DEADLINE_LEFT ("in 3 h", "2 h overdue"), OVERDUE. */
void page_deadline(struct req *r, tmpl_dict *d, int64_t deadline_ms);
/* One human-readable sentence for an audit row. */
const char *page_audit_sentence(struct req *r, const char *action, const char *actor,
                                const char *object_type, const char *object_name,
                                const char *details_json);

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

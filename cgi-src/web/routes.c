/* routes.c — every URL Holdpoint answers, with the flags the router enforces (http/router.c). */
#include "router.h"
#include "page.h"
#include "page_audit.h"
#include "page_release.h"
#include "page_decide.h"
#include "page_inputs.h"
#include "page_evidence.h"
#include "page_metrics.h"
#include "api_keptn.h"
#include "page_notify.h"
#include "page_start.h"
#include "page_login.h"
#include "page_insights.h"
#include "page_windows.h"
#include "api.h"
#include "api_release.h"
#include "api_slack.h"

#define RM   ROLE_RELEASE_MANAGER
#define ADM  ROLE_ADMIN

/*
** Every URL Holdpoint answers.  A page's needs are its flags; handlers never
** check sign-in, CSRF or roles themselves.
*/
const struct route router_routes[] = {
  { "GET",  "/healthz",                         page_healthz,        RF_PUBLIC, 0 },
  { "GET",  "/metrics",                         page_metrics,        RF_PUBLIC, 0 },
  { "GET",  "/",                                page_inbox,          RF_PUBLIC, 0 },
  { "GET",  "/login",                           page_login_form,     RF_PUBLIC, 0 },
  { "POST", "/login",                           page_login,          RF_PUBLIC|RF_CSRF, 0 },
  { "POST", "/logout",                          page_logout,         RF_AUTH|RF_CSRF, 0 },
  /* company sign-in and two-step sign-in (page_login.h): the provider's redirect back carries no CSRF token,
     its state and this browser's cookie are checked instead */
  { "GET",  "/login/two-step",                  page_login_two_step_form, RF_PUBLIC, 0 },
  { "POST", "/login/two-step",                  page_login_two_step, RF_PUBLIC|RF_CSRF, 0 },
  { "GET",  "/login/reset",                     page_reset_form,     RF_PUBLIC, 0 },
  { "POST", "/login/reset",                     page_reset_request,  RF_PUBLIC|RF_CSRF, 0 },
  { "GET",  "/login/reset/new",                 page_reset_new_form, RF_PUBLIC, 0 },
  { "POST", "/login/reset/new",                 page_reset_new,      RF_PUBLIC|RF_CSRF, 0 },
  { "GET",  "/login/oidc",                      page_oidc_start,     RF_PUBLIC, 0 },
  { "GET",  "/login/oidc/callback",             page_oidc_callback,  RF_PUBLIC, 0 },
  { "GET",  "/activities/{id}/reauth",          page_oidc_reauth,    RF_AUTH, 0 },
  { "GET",  "/me/two-step",                     page_two_step,       RF_AUTH, 0 },
  { "POST", "/me/two-step",                     page_two_step_save,  RF_AUTH|RF_CSRF, 0 },
  { "POST", "/me/two-step/disable",             page_two_step_disable, RF_AUTH|RF_CSRF, 0 },
  { "GET",  "/admin/groups",                    page_admin_groups,   RF_AUTH, ADM },
  { "POST", "/admin/groups",                    page_admin_group_add, RF_AUTH|RF_CSRF, ADM },
  { "POST", "/admin/groups/{id}/remove",        page_admin_group_remove, RF_AUTH|RF_CSRF, ADM },
  { "GET",  "/admin/windows",                   page_admin_windows,  RF_AUTH, ADM },
  { "POST", "/admin/windows",                   page_admin_window_add, RF_AUTH|RF_CSRF, ADM },
  { "POST", "/admin/windows/{id}/remove",       page_admin_window_remove, RF_AUTH|RF_CSRF, ADM },
  { "POST", "/admin/freezes",                   page_admin_freeze_add, RF_AUTH|RF_CSRF, ADM },
  { "POST", "/admin/freezes/{id}/end",          page_admin_freeze_end, RF_AUTH|RF_CSRF, ADM },
  /* monitoring views (page_release.h): releases, phases, activities, templates */
  { "GET",  "/releases",                        page_releases,       RF_AUTH, 0 },
  { "GET",  "/releases/new",                    page_release_new,    RF_AUTH, RM|ADM },
  { "POST", "/releases",                        page_release_start,  RF_AUTH|RF_CSRF, RM|ADM },
  { "GET",  "/releases/{id}",                   page_release,        RF_AUTH, 0 },
  { "POST", "/releases/{id}/retry",             page_release_retry,  RF_AUTH|RF_CSRF, RM|ADM },
  { "POST", "/releases/{id}/abort",             page_release_abort,  RF_AUTH|RF_CSRF, RM|ADM },
  { "GET",  "/phases/{id}",                     page_phase,          RF_AUTH, 0 },
  { "GET",  "/activities/{id}",                 page_activity,       RF_AUTH, 0 },
  { "GET",  "/templates",                       page_templates,      RF_AUTH, 0 },
  { "POST", "/templates",                       page_template_upload, RF_AUTH|RF_CSRF, RM|ADM },
  { "GET",  "/templates/{id}",                  page_template,       RF_AUTH, 0 },
  /* information capture and evidence (inputs.h, evidence.h) */
  { "POST", "/activities/{id}/inputs",          page_inputs_save,    RF_AUTH|RF_CSRF, 0 },
  { "POST", "/activities/{id}/evidence",        page_evidence_upload, RF_AUTH|RF_CSRF|RF_RAWBODY, 0 },
  { "GET",  "/evidence/{id}",                   page_evidence_download,   RF_AUTH, 0 },
  /* audit trail (page_audit.h): the trail and its exports for auditors and admins; a release's
     approvals log and PDF report also for release managers */
  { "GET",  "/insights",                        page_insights,       RF_AUTH, ROLE_AUDITOR|ROLE_ADMIN|RM },
  { "GET",  "/insights/signals.csv",            page_insights_csv,   RF_AUTH, ROLE_AUDITOR|ROLE_ADMIN|RM },
  { "GET",  "/api/v1/insights",                 api_insights,        RF_API, ROLE_AUDITOR|ROLE_ADMIN|RM },
  { "GET",  "/audit",                           page_audit,          RF_AUTH, ROLE_AUDITOR|ROLE_ADMIN },
  { "GET",  "/audit/export.csv",                page_audit_csv,      RF_AUTH, ROLE_AUDITOR|ROLE_ADMIN },
  { "GET",  "/audit/export.jsonl",              page_audit_jsonl,    RF_AUTH, ROLE_AUDITOR|ROLE_ADMIN },
  { "GET",  "/releases/{id}/audit.csv",         page_audit_release_csv, RF_AUTH, ROLE_AUDITOR|ROLE_ADMIN },
  { "GET",  "/releases/{id}/report.pdf",        page_audit_release_pdf, RF_AUTH, ROLE_AUDITOR|ROLE_ADMIN|RM },
  { "GET",  "/releases/{id}/approvals",         page_audit_approvals, RF_AUTH, ROLE_AUDITOR|ROLE_ADMIN|RM },
  /* identity pages (me, admin) */
  { "POST", "/activities/{id}/decision",        page_activity_decision, RF_AUTH|RF_CSRF, 0 },
  { "POST", "/activities/{id}/take",            page_activity_take,  RF_AUTH|RF_CSRF, 0 },
  { "POST", "/activities/{id}/submit",          page_activity_submit, RF_AUTH|RF_CSRF|RF_RAWBODY, 0 },
  { "POST", "/activities/{id}/task",            page_activity_task,  RF_AUTH|RF_CSRF, 0 },
  { "POST", "/activities/{id}/hand-back",       page_activity_hand_back, RF_AUTH|RF_CSRF, 0 },
  { "POST", "/activities/{id}/assign",          page_activity_assign, RF_AUTH|RF_CSRF, RM|ADM },
  { "GET",  "/me/delegation",                   page_delegation,     RF_AUTH, 0 },
  { "POST", "/me/delegation",                   page_delegation_add, RF_AUTH|RF_CSRF, 0 },
  { "POST", "/me/delegation/{id}/end",          page_delegation_end, RF_AUTH|RF_CSRF, 0 },
  { "POST", "/api/v1/activities/{id}/decision", api_activity_decision, RF_API|RF_RAWBODY, 0 },
  { "GET",  "/me",                              page_me,             RF_AUTH, 0 },
  { "POST", "/me/sessions/{id}/end",            page_me_end_session, RF_AUTH|RF_CSRF, 0 },
  { "POST", "/me/tokens",                       page_me_token_new,   RF_AUTH|RF_CSRF, 0 },
  { "POST", "/me/tokens/{id}/revoke",           page_me_token_revoke, RF_AUTH|RF_CSRF, 0 },
  { "POST", "/me/password",                     page_me_password,    RF_AUTH|RF_CSRF, 0 },
  { "POST", "/me/time-zone",                    page_me_time_zone,   RF_AUTH|RF_CSRF, 0 },
  { "GET",  "/admin",                           page_admin_home,     RF_AUTH, ADM },
  { "GET",  "/admin/users",                     page_admin_users,    RF_AUTH, ADM },
  { "POST", "/admin/users",                     page_admin_user_add, RF_AUTH|RF_CSRF, ADM },
  { "GET",  "/admin/users/{id}",                page_admin_user,     RF_AUTH, ADM },
  { "POST", "/admin/users/{id}",                page_admin_user_save, RF_AUTH|RF_CSRF, ADM },
  { "POST", "/admin/users/{id}/password",       page_admin_user_password, RF_AUTH|RF_CSRF, ADM },
  { "POST", "/admin/users/{id}/disable",        page_admin_user_disable, RF_AUTH|RF_CSRF, ADM },
  { "POST", "/admin/users/{id}/two-step/reset", page_admin_user_two_step_reset, RF_AUTH|RF_CSRF, ADM },
  { "POST", "/admin/users/{id}/enable",         page_admin_user_enable, RF_AUTH|RF_CSRF, ADM },
  { "GET",  "/admin/sign-ins",                  page_admin_signins,  RF_AUTH, ADM },
  { "GET",  "/admin/teams",                     page_admin_teams,    RF_AUTH, ADM },
  { "POST", "/admin/teams",                     page_admin_team_add, RF_AUTH|RF_CSRF, ADM },
  { "POST", "/admin/teams/{id}/members",        page_admin_team_member_add, RF_AUTH|RF_CSRF, ADM },
  { "POST", "/admin/teams/{id}/members/{id}/remove", page_admin_team_member_remove, RF_AUTH|RF_CSRF, ADM },
  { "GET",  "/api/v1/me",                       api_me,              RF_API, 0 },
  { "GET",  "/api/v1/activities/{id}/evidence", page_evidence_api_list,   RF_API, 0 },
  { "POST", "/api/v1/activities/{id}/evidence", page_evidence_api_upload, RF_API|RF_RAWBODY, 0 },
  { "POST", "/api/v1/activities/{id}/inputs",   api_inputs_save,          RF_API|RF_RAWBODY, 0 },
  { "GET",  "/api/v1/evidence/{id}",            page_evidence_download,   RF_API, 0 },
  /* release orchestration API (api_release.h) */
  { "POST", "/api/v1/releases",                 api_release_create,  RF_API|RF_RAWBODY, RM|ADM },
  { "POST", "/api/v1/keptn/event",              api_keptn_event,     RF_API|RF_RAWBODY, RM|ADM },
  { "GET",  "/api/v1/releases",                 api_release_list,    RF_API, 0 },
  { "GET",  "/api/v1/releases/{id}",            api_release_get,     RF_API, 0 },
  { "POST", "/api/v1/releases/{id}/retry",      api_release_retry,   RF_API|RF_RAWBODY, RM|ADM },
  { "POST", "/api/v1/releases/{id}/abort",      api_release_abort,   RF_API|RF_RAWBODY, RM|ADM },
  { "POST", "/api/v1/releases/{id}/build",      api_release_build,   RF_API|RF_RAWBODY, RM|ADM },
  { "GET",  "/api/v1/releases/{id}/verify",     api_release_verify,  RF_API, 0 },
  { "GET",  "/api/v1/windows",                  api_windows_list,    RF_API, 0 },
  { "GET",  "/api/v1/freezes",                  api_freezes_list,    RF_API, 0 },
  { "POST", "/api/v1/freezes",                  api_freeze_create,   RF_API|RF_RAWBODY, ADM },
  { "POST", "/api/v1/freezes/{id}/end",         api_freeze_end,      RF_API|RF_RAWBODY, ADM },
  { "GET",  "/api/v1/approvals",                api_release_approvals, RF_API, 0 },
  { "GET",  "/api/v1/activities/{id}",          api_release_activity_get, RF_API, 0 },
  { "POST", "/api/v1/activities/{id}/result",   api_release_activity_result, RF_API|RF_RAWBODY, RM|ADM },
  /* notifications (page_notify.h, slack.h): in-app list, preferences, channels; Slack's signed
     interactivity requests are public: the signing-secret signature is their authentication */
  { "GET",  "/notifications",                   page_notify_list,    RF_AUTH, 0 },
  { "POST", "/notifications/read-all",          page_notify_read_all, RF_AUTH|RF_CSRF, 0 },
  { "POST", "/notifications/{id}/read",         page_notify_read,    RF_AUTH|RF_CSRF, 0 },
  { "GET",  "/me/notifications",                page_notify_prefs,   RF_AUTH, 0 },
  { "POST", "/me/notifications",                page_notify_prefs_save, RF_AUTH|RF_CSRF, 0 },
  { "GET",  "/admin/notifications",             page_notify_admin,   RF_AUTH, ADM },
  { "POST", "/admin/notifications/channels",    page_notify_channel_add, RF_AUTH|RF_CSRF, ADM },
  { "GET",  "/admin/notifications/channels/{id}", page_notify_channel, RF_AUTH, ADM },
  { "POST", "/admin/notifications/channels/{id}", page_notify_channel_save, RF_AUTH|RF_CSRF, ADM },
  { "POST", "/admin/notifications/channels/{id}/test", page_notify_channel_test, RF_AUTH|RF_CSRF, ADM },
  { "POST", "/admin/notifications/channels/{id}/delete", page_notify_channel_delete, RF_AUTH|RF_CSRF, ADM },
  { "POST", "/admin/notifications/outbox/{id}/retry", page_notify_outbox_retry, RF_AUTH|RF_CSRF, ADM },
  { "POST", "/admin/notifications/identities",  page_notify_identity, RF_AUTH|RF_CSRF, ADM },
  { "POST", "/slack/actions",                   api_slack_actions,       RF_PUBLIC|RF_RAWBODY, 0 },
};

const size_t router_nroutes = HP_ARRAY_SIZE(router_routes);

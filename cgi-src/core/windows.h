/* windows.h — change windows and freezes: the one owner of "may this activity start now?" and
** "does a freeze add an approver?", and of the administrators' list of both. */
#ifndef HP_WINDOWS_H
#define HP_WINDOWS_H
#include <stddef.h>
#include <stdint.h>

struct app;
struct arena;
struct audit_ctx;

/*
** Scope: a window or freeze applies to every release ("all"), to the
** releases of one template ("template", its name), or to one environment
** ("environment": the phases of that name, such as production).
**
** Windows: where any apply to an activity, it starts only inside one of them
** (the union); outside, the engine keeps it `scheduled` until the earliest
** opening.  Where none apply, it starts at once.
**
** Freezes: from starts_at to ends_at (or until an administrator ends one
** early), an approval that opens a round in scope needs, besides its own
** rules, approver_min approvals of the freeze's approver (a user, team or
** role): the emergency rule, added to the round's policy (policy.h
** "required").  Approvals already waiting when a freeze begins get it too
** (windows_freeze_tick).  A round keeps the rule it opened with after the
** freeze ends; the next round opens with the policy of its template.
*/

/* One window ("mon-fri 09:00-16:00" in zone): 0 open at now_ms, 1 closed (*opens_at, -1 never), -1 a bad spec. */
int windows_spec_closed(const char *spec, const char *zone, int64_t now_ms, int64_t *opens_at);

/* 0 open (or no window applies), 1 closed (*opens_at the next opening in ms, -1 never), -1 error. */
int windows_closed(struct app *a, const char *template_name, const char *phase_name, int64_t now_ms,
                   int64_t *opens_at);

/*
** An approval opens a round at now: in the engine's transaction, before the
** eligibility snapshot, set its policy to the template's plus the rule of
** every freeze in force for it (or the template's again).  0, -1.
*/
int windows_policy_at_open(struct app *a, const struct audit_ctx *c, int64_t activity_id, int64_t now);

/* Job runner: freezes that have begun give approvals already waiting their rule.  0, -1. */
int windows_freeze_tick(struct app *a, int64_t now);

struct change_window {
  int64_t id, created_at;
  const char *scope_kind, *scope_name, *spec, *time_zone, *label, *created_by;
};

struct freeze {
  int64_t id, starts_at, ends_at, ended_at, created_at;
  const char *scope_kind, *scope_name, *time_zone, *reason, *approver_kind, *approver_name, *created_by;
  int approver_min;
};

/* What the administrator asked for; field names the form field a problem is about. */
struct freeze_new {
  const char *scope_kind, *scope_name, *time_zone, *reason, *approver_kind, *approver_name;
  int64_t starts_at, ends_at;
  int approver_min;
};

/*
** Add, remove, list.  HP_OK, HP_UNPROCESSABLE (err for people, field the
** form field: "spec", "time_zone", "scope_name", "starts", "ends", "reason",
** "approver_name", ...), HP_NOT_FOUND, HP_CONFLICT (ending a freeze that is
** over), HP_ERROR.  Each change is audited (window.add, window.remove,
** freeze.add, freeze.end).  Lists live in ar.
*/
int windows_add(struct app *a, const struct audit_ctx *c, const char *scope_kind, const char *scope_name,
                const char *spec, const char *time_zone, const char *label, int64_t *id,
                char *field, size_t nfield, char *err, size_t nerr);
int windows_remove(struct app *a, const struct audit_ctx *c, int64_t id, char *err, size_t nerr);
int windows_list(struct app *a, struct arena *ar, struct change_window **out, int *n);
int freezes_add(struct app *a, const struct audit_ctx *c, const struct freeze_new *f, int64_t *id,
                char *field, size_t nfield, char *err, size_t nerr);
int freezes_end(struct app *a, const struct audit_ctx *c, int64_t id, char *err, size_t nerr);
/* Freezes not over at now (in force or to come), then the last `past` that are. */
int freezes_list(struct app *a, struct arena *ar, int64_t now, int past, struct freeze **out, int *n);

/* One freeze by its id: HP_OK, HP_NOT_FOUND, HP_ERROR. */
int freezes_get(struct app *a, struct arena *ar, int64_t id, struct freeze *out);

/* The freezes whose rule an activity's round carries (activated during them), for its page. */
int freezes_of_activity(struct app *a, struct arena *ar, int64_t activity_id, struct freeze **out, int *n);

/* Describe the windows that apply to (template, phase) as "mon-fri 09:00-16:00 Europe/Berlin; …" into ar; NULL none. */
const char *windows_describe(struct app *a, struct arena *ar, const char *template_name, const char *phase_name);
#endif

/* rtemplate.h — parse and validate release templates (YAML, apiVersion holdpoint/v1). */
#ifndef HP_RTEMPLATE_H
#define HP_RTEMPLATE_H
#include <stddef.h>
#include <stdint.h>

/* Limits enforced by rtpl_parse (each breach is a validation error naming the line). */
#define RTPL_MAX_SOURCE      (256u * 1024u)  /* bytes of YAML */
#define RTPL_MAX_PHASES      64
#define RTPL_MAX_ACTIVITIES  256             /* across the whole template */
#define RTPL_MAX_FIELDS      64              /* per activity */
#define RTPL_MAX_ERRORS      20              /* messages collected in err */

enum rtpl_rc {
  RTPL_OK = 0,
  RTPL_EINVAL,     /* not a valid template: err holds "line N: ..." messages, one per line */
  RTPL_ETOOBIG,    /* source larger than RTPL_MAX_SOURCE */
  RTPL_ENOMEM,     /* out of memory */
  RTPL_ELOOKUP,    /* a lookup callback returned an error (< 0 from exists) */
  RTPL_EARG        /* NULL yaml or out */
};

/* Who a rule, a responsibility or an escalation names. 0 means "none". */
enum rtpl_kind { RTPL_NONE = 0, RTPL_USER = 1, RTPL_TEAM = 2, RTPL_ROLE = 3 };

enum rtpl_activity_type { RTPL_AUTOMATED = 0, RTPL_APPROVAL = 1, RTPL_MANUAL = 2 };

enum rtpl_on_reject { RTPL_FAIL_RELEASE = 0, RTPL_FAIL_PHASE = 1 };

enum rtpl_field_type {
  RTPL_FIELD_TEXT = 0, RTPL_FIELD_TEXTAREA, RTPL_FIELD_NUMBER,
  RTPL_FIELD_CHECKBOX, RTPL_FIELD_SELECT, RTPL_FIELD_FILE
};

/* Conditional approval: what an automated result pass/warning means (fail always rejects). */
enum rtpl_when { RTPL_WHEN_MANUAL = 0, RTPL_WHEN_AUTOMATIC = 1 };

enum rtpl_timeout { RTPL_TIMEOUT_NONE = 0, RTPL_TIMEOUT_REJECT = 1, RTPL_TIMEOUT_ESCALATE = 2 };

/* A user, team or role, by name. */
struct rtpl_principal {
  enum rtpl_kind kind;     /* RTPL_NONE when absent */
  char *name;              /* NULL when absent */
};

struct rtpl_field {
  char *key;               /* [A-Za-z_][A-Za-z0-9_]{0,63}, unique within the activity */
  char *label;
  enum rtpl_field_type type;
  int required;            /* 0|1; for a checkbox: must be ticked */
  char *help;              /* NULL if not given */
  char *rules_json;        /* JSON object, only the keys given, always non-NULL ("{}"):
                              min_length, max_length (int), pattern (POSIX ERE, compiles),
                              min, max (number), options ([string]), accept ([mime]),
                              max_size (int, bytes) */
};

struct rtpl_action {       /* actions_on_approve: POST to a webhook after approval */
  char *name;              /* given name, or a copy of webhook when none was given */
  char *webhook;           /* http:// or https:// URL */
};

struct rtpl_activity {
  char *name;              /* [a-z0-9][a-z0-9_-]{0,62}, unique in the template */
  enum rtpl_activity_type type;
  char *description;       /* NULL if not given */
  char *instructions;      /* Markdown, verbatim; NULL if not given */
  char **depends_on;       /* activity names (same or earlier phase); ndepends entries */
  size_t ndepends;
  char *policy_json;       /* approvals only (else NULL):
                              {"rules":[{"kind":"team","name":"sre","min":1|"all"|"majority"},...],
                               "mode":"all"|"any","ordered":bool,"distinct":bool,
                               "allow_self_approval":bool,"reject_when":"any"|"cannot_reach"} */
  struct rtpl_principal responsible;   /* manual only (required there) */
  struct rtpl_field *fields;           /* approval and manual only */
  size_t nfields;
  int64_t deadline_s;      /* seconds after activation; 0 = no deadline */
  int64_t *reminders_s;    /* seconds before the deadline, sorted largest first */
  size_t nreminders;
  enum rtpl_timeout on_timeout;
  struct rtpl_principal timeout_to;    /* escalation target (RTPL_TIMEOUT_ESCALATE only) */
  int signature_required;  /* 0|1: decision needs password re-entry, meaning on record;
                              a `signature:` block without `required` means 1 */
  char *signature_meaning; /* non-NULL when signature_required */
  int has_when;            /* 1 if `when` was given (approvals with an automated dependency) */
  enum rtpl_when when_pass;      /* default RTPL_WHEN_MANUAL */
  enum rtpl_when when_warning;   /* default RTPL_WHEN_MANUAL */
  struct rtpl_action *actions;   /* actions_on_approve (approvals only) */
  size_t nactions;
};

struct rtpl_phase {
  char *name;              /* [a-z0-9][a-z0-9_-]{0,62}, unique in the template */
  char *description;       /* NULL if not given */
  struct rtpl_activity *activities;
  size_t nactivities;      /* >= 1 */
};

struct rtpl_template {
  char *name;              /* [a-z0-9][a-z0-9_-]{0,62} */
  char *description;       /* NULL if not given */
  char **variables;        /* identifiers the release supplies; nvariables entries */
  size_t nvariables;
  enum rtpl_on_reject on_reject;
  struct rtpl_phase *phases;
  size_t nphases;          /* >= 1 */
};

/*
** Optional directory look-ups, so that a template naming an unknown user, team or role,
** or asking for more approvers than a team or role has, is refused on import.
**   exists(ctx, kind, name): > 0 exists, 0 unknown, < 0 look-up failed (rtpl_parse
**                            then returns RTPL_ELOOKUP). NULL: names are not checked.
**   count(ctx, kind, name):  active people in the team/role (kind RTPL_TEAM|RTPL_ROLE),
**                            -1 unknown (no check). NULL: sizes are not checked.
*/
struct rtpl_lookup {
  int (*exists)(void *ctx, int kind, const char *name);
  int (*count)(void *ctx, int kind, const char *name);
  void *ctx;
};

/*
** Parse and validate the YAML template yaml[0..len) (need not be NUL-terminated).
** On RTPL_OK *out is a new template the caller frees with rtpl_free(). On any other
** result *out is NULL and err (if nerr > 0) holds a NUL-terminated message: for
** RTPL_EINVAL up to RTPL_MAX_ERRORS lines "line N: ...", newline-separated, in source
** order of discovery. lookup may be NULL. Pure: no I/O other than the callbacks.
*/
int rtpl_parse(const char *yaml, size_t len, const struct rtpl_lookup *lookup,
               struct rtpl_template **out, char *err, size_t nerr);

/* Free a template from rtpl_parse (NULL is fine). */
void rtpl_free(struct rtpl_template *t);

/* Find an activity by name. Returns it (and its phase index if pphase) or NULL. */
const struct rtpl_activity *rtpl_find_activity(const struct rtpl_template *t,
                                               const char *name, size_t *pphase);

/* Static names for enum values ("team", "approval", "textarea", "escalate", ...). */
const char *rtpl_kind_name(enum rtpl_kind k);
const char *rtpl_activity_type_name(enum rtpl_activity_type t);
const char *rtpl_field_type_name(enum rtpl_field_type t);
const char *rtpl_when_name(enum rtpl_when w);
const char *rtpl_timeout_name(enum rtpl_timeout a);
const char *rtpl_on_reject_name(enum rtpl_on_reject r);
const char *rtpl_strerror(int rc);

#endif

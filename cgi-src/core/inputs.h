/* inputs.h — an activity's typed fields: validation, saving per round, and the form. */
#ifndef HP_INPUTS_H
#define HP_INPUTS_H
#include <stddef.h>
#include <stdint.h>
#include "hp.h"
#include "arena.h"
#include "form.h"

struct app;
struct req;
struct user;
struct audit_ctx;
struct field_error;

/*
** Fields come from the release template (ARCHITECTURE.md, `fields:`); the
** engine stores one row per field in `fields` with the rules as JSON:
**   {"min_length":3,"max_length":40,"pattern":"^[A-Z]+-[0-9]+$","min":0,"max":100,
**    "options":["low","medium","high"],"accept":["application/pdf"],"max_size":20971520}
** Values people enter are kept per round in `inputs` (one row per field and
** round); files are rows in `evidence` (evidence.c).
**
** On the web form every field's input is named INPUTS_PREFIX + key ("f_risk"),
** so that a field key can never collide with "csrf" or other form names, and
** the field errors this module records are keyed by that same name (the id
** of the input, so that the error summary can link to it).
*/
#define INPUTS_PREFIX "f_"
#define INPUTS_MAX_FIELDS 64               /* per activity, as rtemplate.h allows */
#define INPUTS_TEXT_MAX 1000               /* characters of a text field without max_length */
#define INPUTS_TEXTAREA_MAX 20000          /* characters of a textarea without max_length */
#define INPUTS_NUMBER_MAX 40               /* bytes of a number as typed */

enum inputs_type {
  INPUTS_TEXT = 0, INPUTS_TEXTAREA, INPUTS_NUMBER, INPUTS_CHECKBOX, INPUTS_SELECT, INPUTS_FILE
};

/* One field with its rules, parsed from a `fields` row.  Strings live in an arena. */
struct inputs_field {
  int64_t id;
  const char *key, *label, *help;
  enum inputs_type type;
  int required;
  int64_t min_length, max_length;    /* characters; -1 when the rule is absent */
  const char *pattern;               /* POSIX ERE; NULL when absent */
  int has_min, has_max;
  double min, max;
  const char **options;              /* select */
  size_t noptions;
  const char **accept;               /* file: MIME types; naccept 0 = evidence.c's default list */
  size_t naccept;
  int64_t max_size;                  /* file: bytes; 0 = the server's limit */
};

/* An activity as this module needs it. */
struct inputs_activity {
  int64_t id, release_id;
  int round;
  const char *name;
  const char *kind;                  /* automated | approval | manual */
  const char *status;
  const char *responsible_kind;      /* manual: user | team | role, or NULL */
  const char *responsible_name;
  int64_t responsible_user_id;       /* manual: who took responsibility; 0 = nobody */
};

/* A value for one field, by key (no prefix). */
struct inputs_value {
  const char *key;
  const char *value;
};

/* ---------------------------------------------------------------- pure */

/*
** Parse a decimal number as people type it: optional '-', digits, and an
** optional fraction ("42", "-3", "0.75"); no exponent, no spaces, at most
** INPUTS_NUMBER_MAX bytes.  Returns 1 and *out, or 0.
*/
int inputs_parse_number(const char *z, double *out);

/* The field type for a name ("textarea"); -1 if unknown. */
int inputs_type_parse(const char *z);

/*
** Fill f from a `fields` row: key, label, type name, required, help (may be
** NULL) and rules_json (NULL means {}).  Strings are copied into a.  Returns
** 0, or -1 when the type is unknown, the rules are not a JSON object, a rule
** has the wrong JSON type, or out of memory (f is then unusable).
*/
int inputs_field_parse(struct arena *a, struct inputs_field *f, const char *key,
                       const char *label, const char *type, int required, const char *help,
                       const char *rules_json);

/*
** Check one value against a non-file field.  value NULL means absent (an
** unticked checkbox, an empty input).  Rules:
**   text/textarea  required: not empty; min_length/max_length in characters
**                  (without max_length: INPUTS_TEXT_MAX / INPUTS_TEXTAREA_MAX);
**                  pattern: regexec with REG_EXTENDED|REG_NOSUB, anchored only
**                  as written; text is one line (no control characters),
**                  textarea may hold tabs and line breaks.
**   number         inputs_parse_number; min/max inclusive.
**   checkbox       "on" or absent; required means ticked.
**   select         one of the options.
** An empty optional field is valid (no other rule applies).  Returns 1 when
** valid, else 0 with a sentence for the page in msg.  File fields: use
** inputs_check_files.
*/
int inputs_check(const struct inputs_field *f, const char *value, char *msg, size_t nmsg);

/* A file field holding nfiles files in the round: 1, or 0 with msg when it is required and empty. */
int inputs_check_files(const struct inputs_field *f, int64_t nfiles, char *msg, size_t nmsg);

/* ---------------------------------------------------------------- database */

/*
** Load activity id into *act (strings in a).  Returns HP_OK, HP_NOT_FOUND or
** HP_ERROR.
*/
int inputs_load_activity(struct app *app, struct arena *a, int64_t id, struct inputs_activity *act);

/*
** Load the fields of an activity in template order into *out (arena array of
** *n fields).  A row whose rules cannot be parsed is logged and kept with no
** rules but `required`, so a broken template never hides a field.  Returns
** HP_OK or HP_ERROR.
*/
int inputs_load_fields(struct app *app, struct arena *a, int64_t activity_id,
                       struct inputs_field **out, size_t *n);

/*
** May this person enter values and upload evidence for the activity?
** (The activity's status is not tested here: callers also require on_hold.)
**   - release managers and administrators: yes, for any activity;
**   - everyone else: only while they may act on it (mayact_may: the
**     approvers who may still vote and their delegates, a manual task's
**     holder or, untaken, its responsible people).
** Returns 1 or 0 (also 0 on a database error, which is logged).
*/
int inputs_may_edit(struct app *app, const struct user *user, const struct inputs_activity *act);
/* The same rule when the caller already knows whether may_act lists the person now (listed). */
int inputs_may_edit_listed(const struct user *user, int listed);

/*
** Do the fields of round `round` hold what the template requires?  Every
** required field must be present and valid, and every optional one that has
** a value must be valid; a file field counts its evidence rows of the round.
** values NULL: the values saved in `inputs` for that round; otherwise
** values[0..nvalues) (by key, no prefix) stand in for every non-file field
** (a field missing from them counts as empty).  With errors non-NULL, one
** struct field_error per problem is appended there (allocated in a, field
** = INPUTS_PREFIX + key, the form's input name), so a page can put each
** message next to its field.  Returns HP_OK (all valid), HP_UNPROCESSABLE
** (something to fix), HP_NOT_FOUND or HP_ERROR.
** "A decision cannot be recorded until the required fields are valid":
** the decision module calls this inside its transaction, with values NULL.
*/
int inputs_validate_all(struct app *app, struct arena *a, int64_t activity_id, int round,
                        const struct inputs_value *values, size_t nvalues,
                        struct field_error **errors);

/*
** Save values[0..n) (by key) for the activity's current round, replacing
** earlier values of the same keys, in one BEGIN IMMEDIATE transaction with an
** 'input.save' audit record (round, keys and values).  Refused with
** HP_CONFLICT when the activity is no longer on_hold in expected_round.
** Validation is the caller's job.  Returns HP_OK, HP_CONFLICT, HP_NOT_FOUND,
** HP_UNAVAILABLE (database busy) or HP_ERROR.
*/
int inputs_save(struct app *app, const struct audit_ctx *c, int64_t activity_id, int expected_round,
                const struct inputs_value *values, size_t n, int64_t user_id);

/* The values saved for a round, in a (at most INPUTS_MAX_FIELDS).  HP_OK or HP_ERROR. */
int inputs_load_values(struct app *app, struct arena *a, int64_t activity_id, int64_t round,
                       struct inputs_value **out, size_t *n);
/* The value of key among v[0..n), or NULL. */
const char *inputs_value_of(const struct inputs_value *v, size_t n, const char *key);
/* Shortest decimal form of a rule's number for messages ("100", "0.5"), in buf. */
const char *inputs_num_text(double v, char *buf, size_t n);
#endif

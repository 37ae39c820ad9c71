/* hp.h — result codes and small definitions shared by every Holdpoint file. */
#ifndef HP_HP_H
#define HP_HP_H
#include <stdint.h>

/*
** Handlers and most functions return one of these.  The values that are HTTP
** statuses map one-to-one onto the error page the router renders.
*/
enum hp_rc {
  HP_OK = 0,                /* done; for handlers: the response is prepared */
  HP_BAD_REQUEST = 400,
  HP_UNAUTHORIZED = 401,
  HP_FORBIDDEN = 403,
  HP_NOT_FOUND = 404,
  HP_METHOD = 405,
  HP_CONFLICT = 409,
  HP_TOO_LARGE = 413,
  HP_UNSUPPORTED = 415,
  HP_UNPROCESSABLE = 422,
  HP_TOO_MANY = 429,
  HP_ERROR = 500,
  HP_UNAVAILABLE = 503
};

/*
** An error as a value, for a form field (or NULL: the whole request): the
** sentence a page shows next to that field.  Lists are linked through next.
*/
struct field_error {
  const char *field;
  const char *message;
  struct field_error *next;
};

/*
** An error from the core as a value: the HP_* code, the form field it is
** about ("comment", "password", an input's name; "" for the whole request)
** and a sentence for people.  Pages put the sentence next to the field; the
** API sends code and sentence.  hp_fail fills *e (which may be NULL) and
** returns code.
*/
struct hp_err {
  int code;
  char field[80];                  /* "" for the whole request */
  char reason[400];
};
int hp_fail(struct hp_err *e, int code, const char *field, const char *fmt, ...)
  __attribute__((format(printf, 4, 5)));

/* Errors as values: start a core call with hp_err_clear(e); at its end, hp_err_default(e, rc)
** gives a failure that set no message of its own a clear, generic one (and returns rc). */
void hp_err_clear(struct hp_err *e);
int hp_err_default(struct hp_err *e, int rc);

#define HP_STR_(x) #x
#define HP_STR(x) HP_STR_(x)                 /* a number macro as a string literal */
#define HP_ARRAY_SIZE(a) (sizeof(a)/sizeof((a)[0]))

/* Roles, as a bit set on a user. */
enum hp_role {
  ROLE_RELEASE_MANAGER = 1<<0,
  ROLE_APPROVER        = 1<<1,
  ROLE_QA              = 1<<2,
  ROLE_AUDITOR         = 1<<3,
  ROLE_ADMIN           = 1<<4
};
/* A person acting: the one signed in, the owner of an API token, or a voter (roles are ROLE_* bits). */
struct user {
  int64_t id;
  const char *username;
  const char *display_name;
  const char *email;
  unsigned roles;          /* ROLE_* bits */
  int is_admin;
  const char *time_zone;   /* "Europe/Berlin"; "" = not chosen (times in UTC) */
  const char *auth_source; /* "local", "oidc" or "ldap": how they sign in */
  int two_step;            /* a local account with two-step sign-in set up */
  int must_set_up_two_step;/* a role of theirs requires two-step sign-in, and it is not set up */
};
#endif

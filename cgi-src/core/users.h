/* users.h — people, roles and teams: the operations shared by the command line and admin pages. */
#ifndef HP_USERS_H
#define HP_USERS_H
#include <stdint.h>
#include <stddef.h>
struct app;
struct audit_ctx;



unsigned users_role_bit(const char *name);          /* 0 if unknown */
const char *users_role_name(unsigned bit);
unsigned users_roles_parse(const char *list);       /* "admin, qa" -> role bits (unknown names ignored) */
struct users_role { unsigned bit; const char *name, *label, *help; };
extern const struct users_role users_roles[];       /* every role, in display order */
extern const size_t users_nroles;
const char *users_name_problem(const char *username);   /* NULL if acceptable */
const char *users_email_problem(const char *email);
const char *users_team_problem(const char *name);

/* Each runs in its own write transaction with its audit record; HP_OK or an HP_* code with err. */
int users_add(struct app *a, const struct audit_ctx *c, const char *username, const char *display,
              const char *email, const char *password, unsigned roles, const char *const *teams,
              int nteams, int64_t *id, char *err, size_t nerr);
int users_update(struct app *a, const struct audit_ctx *c, int64_t id, const char *display,
                 const char *email, unsigned roles, char *err, size_t nerr);
/* A person's time zone (util_tz_valid; "" = UTC), audited as user.time_zone. */
int users_set_time_zone(struct app *a, const struct audit_ctx *c, int64_t id, const char *zone,
                        char *err, size_t nerr);
int users_set_password(struct app *a, const struct audit_ctx *c, int64_t id, const char *password,
                       char *err, size_t nerr);
int users_end_sessions(struct app *a, int64_t user_id);   /* in the caller's transaction */
int users_set_disabled(struct app *a, const struct audit_ctx *c, int64_t id, int disabled);
int users_find(struct app *a, const char *username, int64_t *id);     /* 1 found */
int users_team_add(struct app *a, const struct audit_ctx *c, const char *name, const char *description,
                   int64_t *id, char *err, size_t nerr);
int users_team_find(struct app *a, const char *name, int64_t *id);    /* 1 found */
int users_team_member(struct app *a, const struct audit_ctx *c, int64_t team_id, int64_t user_id,
                      int add, char *err, size_t nerr);
#endif

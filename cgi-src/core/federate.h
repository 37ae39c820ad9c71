/* federate.h — people who sign in through the company's provider: accounts made on first sign-in, groups to teams and roles. */
#ifndef HP_FEDERATE_H
#define HP_FEDERATE_H
#include <stdint.h>
#include <stddef.h>
struct app;
struct audit_ctx;

/* What a provider (OpenID Connect or LDAP) vouched for. */
struct fed_person {
  const char *source;          /* "oidc" or "ldap" */
  const char *external_id;     /* OIDC "issuer subject", LDAP the entry's DN */
  const char *username;        /* as the provider gives it; idmap_username makes Holdpoint's */
  const char *email, *display;
  const char *const *groups;   /* group names or DNs */
  size_t ngroups;
};

/*
** Sign-in through a provider, in one write transaction with its audit records:
** find the person's account by (source, external_id) or make it (just in time),
** refresh name, e-mail and groups, and set every team and role the group map
** names to what their groups say — a change goes through mayact_person_changed,
** so a person who left a group loses their open approvals at once.
** HP_OK and *user_id; HP_FORBIDDEN (account disabled), HP_CONFLICT (the
** username is another account's), HP_UNPROCESSABLE (no usable username),
** HP_UNAVAILABLE, HP_ERROR; err says it in words for the person signing in.
*/
int fed_sign_in(struct app *a, const struct audit_ctx *c, const struct fed_person *p, int64_t *user_id,
                char *err, size_t nerr);

/*
** The directory's answer for an existing account (LDAP sync): gone (p NULL)
** disables it, else the same refresh as a sign-in.  In its own transaction.  0 or -1.
*/
int fed_refresh(struct app *a, const struct audit_ctx *c, int64_t user_id, const struct fed_person *p);

/* Map a group to "team" or "role" target (admin page, file); HP_OK, HP_UNPROCESSABLE/HP_CONFLICT with err. */
int fed_map_add(struct app *a, const struct audit_ctx *c, const char *grp, const char *kind,
                const char *target, const char *source, char *err, size_t nerr);
int fed_map_remove(struct app *a, const struct audit_ctx *c, int64_t id);
/*
** Replace the group map's 'file' rows with the lines of path (idmap_parse_line;
** teams it names are created).  All or nothing: a bad line leaves the map as
** it was, with err naming the line.  0, or -1.
*/
int fed_map_load_file(struct app *a, const struct audit_ctx *c, const char *path, char *err, size_t nerr);
/*
** The LDAP directory sync: every LDAP person looked up again with the search
** account; groups refreshed (teams and roles follow, through the core's
** revocation), people the directory no longer has disabled.
** fed_sync_all does a whole round now (holdpoint directory-sync): 0 and
** *people, or -1 with err.  fed_sync_tick is the job runner's: a round every
** HOLDPOINT_LDAP_SYNC_S seconds, 20 people per tick.
*/
int fed_sync_batch(struct app *a, int64_t *cursor, int n, char *err, size_t nerr);
int fed_sync_all(struct app *a, int *people, char *err, size_t nerr);
void fed_sync_tick(struct app *a, int64_t now);
#endif

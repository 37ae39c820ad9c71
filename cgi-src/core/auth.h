/* auth.h — passwords (Argon2id), sign-in throttling, API tokens, re-authentication. */
#ifndef HP_AUTH_H
#define HP_AUTH_H
#include <stdint.h>
#include <stddef.h>

struct app;
struct sqlite3;

int auth_hash_password(const struct app *a, const char *pw, char *out, size_t nout); /* 0 ok */
int auth_verify_password(const char *encoded, const char *pw);   /* 1 match, 0 not */
const char *auth_password_problem(const char *pw);               /* NULL if acceptable */

/* Sign-in throttling: failures within the window, per account name and per IP. */
#define AUTH_THROTTLE_WINDOW_MS (15*60*1000)
int auth_throttled(int failures_user, int failures_ip, int max_failures);   /* pure */
int auth_is_throttled(struct app *a, const char *username, const char *ip);
void auth_record_failure(struct app *a, const char *username, const char *ip);

/* Check username/password: HP_OK and *user_id, HP_UNAUTHORIZED (same for unknown user and
** bad password, or a disabled account), HP_TOO_MANY when throttled. */
int auth_check_login(struct app *a, const char *username, const char *pw, const char *ip,
                     int64_t *user_id);

/* API tokens: "hp_" + 64 hex characters; only the SHA-256 is stored. */
int auth_token_create(struct app *a, int64_t user_id, const char *name, char *out, size_t nout,
                      int64_t *token_id);
/*
** Revoke API tokens inside the caller's transaction: token_id (owned by
** user_id when user_id > 0), or with token_id 0 every live token of user_id.
** Returns how many were revoked now, or -1.
*/
int auth_token_revoke(struct app *a, int64_t token_id, int64_t user_id);
#endif

/* auth.h — passwords (Argon2id), sign-in throttling, API tokens, re-authentication. */
#ifndef HP_AUTH_H
#define HP_AUTH_H
#include <stdint.h>
#include <stddef.h>

struct app;
struct db;

int auth_hash_password(const struct app *a, const char *pw, char *out, size_t nout); /* 0 ok */
int auth_verify_password(const char *encoded, const char *pw);   /* 1 match, 0 not */
const char *auth_password_problem(const char *pw);               /* NULL if acceptable */

/* Sign-in throttling (auth.c explains the rules). */
#define AUTH_THROTTLE_WINDOW_MS (15*60*1000)
#define AUTH_FIRST_DELAY_MS (30*1000)
enum auth_gate {
  AUTH_OPEN,               /* check the password */
  AUTH_WAIT_PAIR,          /* this name from this address failed too often: wait */
  AUTH_WAIT_ACCOUNT,       /* this account failed too often from unknown browsers: wait */
  AUTH_MUST_SUCCEED        /* this address tried too many unknown names: only a right password */
};
struct auth_counts {       /* failures within the window */
  int pair;                /* this name from this address */
  int64_t pair_last_at;
  int ip_unknown;          /* names that are not accounts, from this address */
  int account;             /* this name, from browsers without its device cookie */
  int64_t account_oldest_at;
  int trusted_device;      /* the browser has a device cookie of this account */
  int device;              /* failures with that cookie */
};
int64_t auth_pair_delay_ms(int pair_failures, int max_failures);              /* pure */
enum auth_gate auth_gate(const struct auth_counts *c, int max_failures, int64_t now,
                         int64_t *wait_ms);                                   /* pure */
void auth_counts_load(struct app *a, const char *username, int64_t user_id, const char *ip,
                      const char *device_hash, struct auth_counts *c);
void auth_record_failure(struct app *a, const char *username, const char *ip, int known,
                         const char *device_hash);
void auth_prune(struct app *a, int64_t now);

/* One sign-in attempt: device_hash is the SHA-256 of the browser's device cookie, or NULL. */
struct auth_attempt { const char *username, *password, *ip, *device_hash; };
/* Check username/password: HP_OK and *user_id, HP_UNAUTHORIZED (same for unknown user and
** bad password, or a disabled account), HP_TOO_MANY when throttled (*gate says why,
** *wait_ms how long). */
int auth_check_login(struct app *a, const struct auth_attempt *at, int64_t *user_id,
                     enum auth_gate *gate, int64_t *wait_ms);
/*
** The same throttle for a password checked elsewhere (the LDAP directory):
** HP_OK (check it; on AUTH_MUST_SUCCEED a wrong one answers "too many"), or
** HP_TOO_MANY with *gate and *wait_ms.  *failure_device is what to pass to
** auth_record_failure when the password is wrong.
*/
int auth_login_gate(struct app *a, const struct auth_attempt *at, int64_t user_id, enum auth_gate *gate,
                    int64_t *wait_ms, const char **failure_device);
int auth_device_remember(struct app *a, int64_t user_id, const char *device_hash,
                         char *out, size_t nout);

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

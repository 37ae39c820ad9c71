/* twostep.h — two-step sign-in for local accounts: the authenticator app's secret, codes checked once, recovery codes. */
#ifndef HP_TWOSTEP_H
#define HP_TWOSTEP_H
#include <stdint.h>
#include <stddef.h>
#include "totp.h"
struct app;
struct audit_ctx;

#define TWOSTEP_RECOVERY_CODES 10
#define TWOSTEP_RECOVERY_LEN 10       /* "abcde-fghij": 10 base32 letters, 50 bits each */

struct twostep_state {
  int enabled;                        /* confirmed */
  int pending;                        /* a secret made but not confirmed yet */
  int recovery_left;
  int64_t confirmed_at;
};
int twostep_state(struct app *a, int64_t uid, struct twostep_state *out);   /* 0, -1 */

/*
** Make a new, unconfirmed secret for uid (replacing an unconfirmed one; a
** confirmed one stays until the new one is confirmed).  Its base32 into
** secret (TOTP_B32_LEN(TOTP_SECRET_BYTES)).  Own transaction.  HP_OK, HP_*.
*/
int twostep_begin(struct app *a, const struct audit_ctx *c, int64_t uid, char *secret, size_t nsecret);
/* The unconfirmed secret of uid, to show it again; 1 found, 0 none. */
int twostep_pending_secret(struct app *a, int64_t uid, char *secret, size_t nsecret);

/*
** The first code from the app proves it holds the secret: two-step sign-in is
** on, and TWOSTEP_RECOVERY_CODES fresh recovery codes (shown once; only their
** hashes are kept) are written to codes[i] ("xxxxx-xxxxx").  Own transaction,
** audited.  HP_OK, HP_UNPROCESSABLE (wrong code, err), HP_CONFLICT (nothing to confirm).
*/
int twostep_confirm(struct app *a, const struct audit_ctx *c, int64_t uid, const char *code,
                    char codes[TWOSTEP_RECOVERY_CODES][TWOSTEP_RECOVERY_LEN+2], char *err, size_t nerr);
/* New recovery codes, the old ones void.  Own transaction, audited.  HP_OK, HP_CONFLICT (two-step is off). */
int twostep_new_recovery(struct app *a, const struct audit_ctx *c, int64_t uid,
                         char codes[TWOSTEP_RECOVERY_CODES][TWOSTEP_RECOVERY_LEN+2]);
/* Two-step sign-in off for uid (the person, or an administrator for someone who lost both). Own transaction, audited. */
int twostep_disable(struct app *a, const struct audit_ctx *c, int64_t uid);

/*
** In the caller's write transaction: a code from the app (once per 30-second
** step, one step of drift) or an unused recovery code (spent).  1 and *method
** ("password+totp" or "recovery"), 0 wrong, -1 failed.
*/
int twostep_check(struct app *a, int64_t uid, const char *code, const char **method);
#endif

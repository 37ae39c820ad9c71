/* pwreset.h — "Forgot your password?": a single-use link by e-mail that expires, for accounts with a Holdpoint password. */
#ifndef HP_PWRESET_H
#define HP_PWRESET_H
#include <stdint.h>
#include <stddef.h>
struct app;
struct audit_ctx;

#define PWRESET_TTL_MS (30*60*1000)      /* a link works for 30 minutes ... */
#define PWRESET_PER_HOUR 3               /* ... and at most 3 are sent per account and hour */

/*
** Someone asks for a link for who (a username or e-mail address).  When it
** names an enabled local account with an e-mail address (and, when only the
** provider signs people in, the break-glass account), a link
** <base>/login/reset/new?token=… is e-mailed to it through every e-mail
** channel; the answer is the same either way, so that nobody learns which
** accounts exist.  Own transaction, audited.  HP_OK, HP_UNAVAILABLE, HP_ERROR.
*/
int pwreset_request(struct app *a, const struct audit_ctx *c, const char *who);

/* The account whose unused, unexpired link token is this; 0 if none. */
int64_t pwreset_check(struct app *a, const char *token);

/*
** Use the link: the new password is set, the link and every other link of the
** account are spent, every session ends.  Own transaction, audited.  HP_OK,
** HP_NOT_FOUND (link unknown, used or expired), HP_UNPROCESSABLE (password: err).
*/
int pwreset_finish(struct app *a, const struct audit_ctx *c, const char *token, const char *password,
                   char *err, size_t nerr);
#endif

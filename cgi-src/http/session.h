/* session.h — browser sessions: tokens, cookies, expiry, flash messages. */
#ifndef HP_SESSION_H
#define HP_SESSION_H
#include "req.h"
#include <stddef.h>

#define SESS_TOKEN_BYTES 32

const char *sess_cookie_name(const struct req *r);      /* "__Host-hp_session" under HTTPS */
const char *sess_cookie_header(struct req *r, const char *value, int max_age); /* Set-Cookie value */
const char *sess_device_hash(struct req *r);            /* SHA-256 of the device cookie, or NULL */
void sess_device_cookie(struct req *r, const char *value); /* Set-Cookie for a new device cookie */
int sess_identify(struct req *r);                       /* fills r->user from the cookie; 1 signed in, 0 not, -1 failed */
int sess_create(struct req *r, int64_t user_id, const char *method); /* new token, cookie set; HP_OK; method: how they signed in */
int sess_end(struct req *r, const char *id_hash);       /* marks ended; HP_OK */
int sess_end_others(struct req *r, int64_t user_id, const char *keep); /* own transaction + audit */
int sess_load_user(struct req *r, int64_t user_id, struct user **out);  /* with roles; 1 found */
void sess_set_flash(struct req *r, const char *msg);
const char *sess_take_flash(struct req *r);
int sess_token_identify(struct req *r);     /* "Authorization: Bearer hp_...": HP_OK with r->user, or HP_UNAUTHORIZED */
/*
** The signed-in person re-enters their password (an electronic signature, a password change),
** checked where it lives (here, or the LDAP directory for its people):
** throttled like a sign-in (only their own failures count), a wrong one recorded as a failed
** sign-in.  1 ok (recorded on the session), 0 wrong, -1 throttled (*wait_ms until it opens).
*/
int sess_reauthenticate(struct req *r, const char *password, int64_t *wait_ms);
/* Record on the session that the person re-authenticated now, and how ("password", "ldap", "oidc"). */
void sess_reauth_record(struct req *r, const char *method);
/* The same for the session id_hash of user_id (the provider's redirect back carries no session cookie): 1 marked, 0 gone, -1 failed. */
int sess_reauth_mark(struct app *a, const char *id_hash, int64_t user_id, const char *method);
/* How the person re-authenticated within the last within_ms on this session, or NULL. */
const char *sess_reauth_recent(struct req *r, int64_t within_ms);
#endif

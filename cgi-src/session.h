/* session.h — browser sessions: tokens, cookies, expiry, flash messages. */
#ifndef HP_SESSION_H
#define HP_SESSION_H
#include "req.h"
#include <stddef.h>

#define SESS_TOKEN_BYTES 32

int sess_random_hex(char *out, size_t nbytes);          /* 2*nbytes hex + NUL from RAND_bytes; 0 ok */
void sess_sha256_hex(const char *z, size_t n, char out[65]);
const char *sess_cookie_name(const struct req *r);      /* "__Host-hp_session" under HTTPS */
const char *sess_cookie_header(struct req *r, const char *value, int max_age); /* Set-Cookie value */
int sess_identify(struct req *r);                       /* fills r->user from the cookie; 1 if signed in */
int sess_create(struct req *r, int64_t user_id);        /* new token, cookie set; HP_OK */
int sess_end(struct req *r, const char *id_hash);       /* marks ended; HP_OK */
int sess_end_all_for_user(struct app *app, int64_t user_id);
int sess_end_others(struct req *r, int64_t user_id, const char *keep); /* own transaction + audit */
int sess_load_user(struct req *r, int64_t user_id, struct user **out);  /* with roles; 1 found */
void sess_set_flash(struct req *r, const char *msg);
const char *sess_take_flash(struct req *r);
#endif

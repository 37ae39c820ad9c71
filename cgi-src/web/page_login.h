/* page_login.h — sign-in pages shared by the password form, LDAP, the second step and OpenID Connect. */
#ifndef HP_PAGE_LOGIN_H
#define HP_PAGE_LOGIN_H
#include "req.h"
const char *page_login_safe_next(const char *z);      /* only local paths; else "/" */
/* The sign-in page with a message (status 4xx/5xx) or none. */
int page_login_show(struct req *r, int status, const char *username, const char *next, const char *message);
/*
** A person proved who they are (method: "password", "password+totp", "recovery",
** "ldap", "oidc"): end this browser's old session, start one, remember the
** browser, take the browser's time zone while none is chosen, audit, go to next.
*/
int page_login_finish(struct req *r, int64_t uid, const char *method, const char *next, const char *tz);
/*
** The signed-in person's current password, before a change to how they sign in:
** 1 right; 0 wrong, or -1 throttled, each with a field error on field.
*/
int page_check_password(struct req *r, const char *field, const char *password);
/*
** A 200 page that sends the browser on to next by itself: after the provider's
** redirect, only a navigation started by our own page carries the
** SameSite=Strict session cookie.
*/
int page_login_continue(struct req *r, const char *title, const char *message, const char *next);
/* page_sso.c: OpenID Connect sign-in and re-authentication for signatures */
int page_oidc_start(struct req *r);
int page_oidc_callback(struct req *r);
int page_oidc_reauth(struct req *r);
/* page_login.c: the second step */
int page_login_two_step_form(struct req *r);
int page_login_two_step(struct req *r);
/* page_login.c: password reset by e-mail */
int page_reset_form(struct req *r);
int page_reset_request(struct req *r);
int page_reset_new_form(struct req *r);
int page_reset_new(struct req *r);
/* page_two_step.c: setting up two-step sign-in; page_groups.c: the group map */
int page_two_step(struct req *r);
int page_two_step_save(struct req *r);
int page_two_step_disable(struct req *r);
int page_admin_groups(struct req *r);
int page_admin_group_add(struct req *r);
int page_admin_group_remove(struct req *r);
#endif

/* page.h — page rendering through the shared layout, and every page handler. */
#ifndef HP_PAGE_H
#define HP_PAGE_H
#include "req.h"
#include "tmpl.h"

int page_render(struct req *r, int status, const char *tpl, tmpl_dict *d, const char *title);
void page_error(struct req *r, int status, const char *message);
const char *page_url_arg(struct req *r, const char *z);     /* percent-encode for a query value */
const char *page_time(struct req *r, int64_t ms);           /* "2026-11-21 05:58 CET" in the person's zone, else "... UTC" */
const char *page_ago(struct req *r, int64_t ms);
const char *page_duration(struct req *r, int64_t seconds);    /* "24 h", "2 d", "1 h 30 min" */            /* "3 h 20 min ago" */
void page_field_errors(struct req *r, tmpl_dict *d);
int page_json_fields(tmpl_dict *d, const char *section, const char *json);   /* KEY/VALUE sections; count */        /* ERR_<field> values + ERRORS section */
void page_flash(struct req *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void page_time_zones(struct req *r, tmpl_dict *d, const char *selected);   /* ZONE sections: tzdata's zones */

/* page.c */
int page_healthz(struct req *r);
/* page_login.c */
int page_login_form(struct req *r);
int page_login(struct req *r);
int page_logout(struct req *r);
/* page_me.c */
int page_me(struct req *r);
int page_me_end_session(struct req *r);
int page_me_token_new(struct req *r);
int page_me_token_revoke(struct req *r);
int page_me_password(struct req *r);
int page_me_time_zone(struct req *r);
/* page_admin.c */
int page_admin_home(struct req *r);
int page_admin_user_two_step_reset(struct req *r);
int page_admin_users(struct req *r);
int page_admin_user_add(struct req *r);
int page_admin_user(struct req *r);
int page_admin_user_save(struct req *r);
int page_admin_user_password(struct req *r);
int page_admin_user_disable(struct req *r);
int page_admin_user_enable(struct req *r);
int page_admin_signins(struct req *r);
int page_admin_teams(struct req *r);
int page_admin_team_add(struct req *r);
int page_admin_team_member_add(struct req *r);
int page_admin_team_member_remove(struct req *r);
#endif

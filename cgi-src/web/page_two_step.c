/* page_two_step.c — a local account's two-step sign-in: set up with an authenticator app, recovery codes, turn off. */
#include "page.h"
#include "page_login.h"
#include "app.h"
#include "util.h"
#include "users.h"
#include "session.h"
#include "audit.h"
#include "twostep.h"
#include <qrencode.h>
#include <string.h>

/* The otpauth URI as an inline SVG QR code (libqrencode), one path of unit squares; NULL if it cannot. */
static const char *qr_svg(struct req *r, const char *text){
  QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  if( q==NULL ) return NULL;
  int w = q->width, m = 4;
  struct buf b = {0};
  buf_printf(&b, "<svg class=\"qr\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"200\" height=\"200\""
                 " role=\"img\" aria-label=\"QR code for your authenticator app\" shape-rendering=\"crispEdges\">"
                 "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/><path fill=\"#000\" d=\"", w+2*m, w+2*m);
  for(int y = 0; y<w; y++){
    for(int x = 0; x<w; x++){
      if( q->data[y*w+x] & 1 ) buf_printf(&b, "M%d %dh1v1h-1z", x+m, y+m);
    }
  }
  buf_printf(&b, "\"/></svg>");
  QRcode_free(q);
  const char *z = b.z ? arena_strdup(&r->arena, b.z) : NULL;
  buf_free(&b);
  return z;
}

static int required_by_role(struct req *r){
  return (r->user->roles & users_roles_parse(r->app->cfg.idp.two_step_roles))!=0;
}

static int two_step_page(struct req *r, int status, const char *secret, char codes[][TWOSTEP_RECOVERY_LEN+2]){
  struct twostep_state s;
  if( twostep_state(r->app, r->user->id, &s) ) return HP_ERROR;
  tmpl_dict *d = tmpl_dict_new("two_step");
  if( d==NULL ) return HP_ERROR;
  tmpl_set(d, "CSRF", r->csrf_token);
  if( strcmp(r->user->auth_source, "local")!=0 ){
    tmpl_set(tmpl_section(d, "FEDERATED"), "SOURCE", strcmp(r->user->auth_source, "oidc")==0
             ? r->app->cfg.idp.oidc_label : "the company directory (LDAP)");
    return page_render(r, status, "two_step.tpl", d, "Two-step sign-in");
  }
  tmpl_dict *l = tmpl_section(d, "LOCAL");
  if( r->user->must_set_up_two_step ) tmpl_section(l, "MUST");
  if( codes ){
    tmpl_dict *c = tmpl_section(l, "CODES");
    for(int i = 0; i<TWOSTEP_RECOVERY_CODES; i++) tmpl_set(tmpl_section(c, "CODE"), "VALUE", codes[i]);
  }
  if( s.enabled ){
    tmpl_dict *on = tmpl_section(l, "ON");
    char when[80];
    tmpl_set(on, "SINCE", util_time_in(s.confirmed_at, r->user->time_zone, 0, when, sizeof(when)));
    tmpl_set(on, "LEFT", arena_printf(&r->arena, "%d", s.recovery_left));
    if( s.recovery_left<=3 ) tmpl_section(on, "FEW_LEFT");
    if( required_by_role(r) ) tmpl_section(on, "REQUIRED");
    else tmpl_section(on, "MAY_DISABLE");
  }
  char pend[64];
  if( secret==NULL && s.pending && twostep_pending_secret(r->app, r->user->id, pend, sizeof(pend)) ) secret = pend;
  if( secret ){
    tmpl_dict *p = tmpl_section(l, "SETUP");
    char uri[512];
    totp_uri(uri, sizeof(uri), "Holdpoint", r->user->username, secret);
    const char *svg = qr_svg(r, uri);
    if( svg ) tmpl_set(p, "QR_SVG", svg);
    /* groups of four, as apps show keys */
    struct buf b = {0};
    for(const char *c = secret; *c; c++){
      if( c!=secret && (c-secret)%4==0 ) buf_append(&b, " ", 1);
      buf_append(&b, c, 1);
    }
    tmpl_set(p, "SECRET", b.z ? b.z : secret);
    buf_free(&b);
    tmpl_set(p, "URI", uri);
    tmpl_section(p, s.enabled ? "REPLACING" : "FIRST");
  }else if( !s.enabled ){
    tmpl_section(l, "OFF");
  }
  page_field_errors(r, d);
  return page_render(r, status, "two_step.tpl", d, "Two-step sign-in");
}

/* GET /me/two-step */
int page_two_step(struct req *r){
  return two_step_page(r, 200, NULL, NULL);
}

/* The current password, for what changes how this account signs in (page_check_password). */
static int password_ok(struct req *r){
  const char *pw;
  if( !req_text(r, "password", 1, 256, &pw) ) return 0;
  return page_check_password(r, "password", pw);
}

/*
** POST /me/two-step — action=begin (a new secret to scan), confirm (the app's
** first code turns it on and shows recovery codes once), recovery (new codes).
*/
int page_two_step_save(struct req *r){
  static const char *const actions[] = { "begin", "confirm", "recovery", NULL };
  const char *action;
  char err[300];
  struct audit_ctx c;
  if( strcmp(r->user->auth_source, "local")!=0 ) return two_step_page(r, 409, NULL, NULL);
  if( !req_enum(r, "action", actions, &action) ) return two_step_page(r, 422, NULL, NULL);
  req_audit_ctx(r, &c);
  char codes[TWOSTEP_RECOVERY_CODES][TWOSTEP_RECOVERY_LEN+2];
  if( strcmp(action, "begin")==0 ){
    char secret[TOTP_B32_LEN(TOTP_SECRET_BYTES)];
    int rc = twostep_begin(r->app, &c, r->user->id, secret, sizeof(secret));
    if( rc ) return rc;
    return two_step_page(r, 200, secret, NULL);
  }
  if( strcmp(action, "confirm")==0 ){
    const char *code;
    if( !req_text(r, "code", 1, 16, &code) ) return two_step_page(r, 422, NULL, NULL);
    int rc = twostep_confirm(r->app, &c, r->user->id, code, codes, err, sizeof(err));
    if( rc==HP_UNPROCESSABLE || rc==HP_CONFLICT ){
      req_field_error(r, "code", "%s", err);
      return two_step_page(r, rc, NULL, NULL);
    }
    if( rc ) return rc;
    r->user->must_set_up_two_step = 0;
    return two_step_page(r, 200, NULL, codes);
  }
  int k = password_ok(r);
  if( k<=0 ) return two_step_page(r, k<0 ? 429 : 422, NULL, NULL);
  int rc = twostep_new_recovery(r->app, &c, r->user->id, codes);
  if( rc==HP_CONFLICT ){
    req_field_error(r, "password", "Two-step sign-in is not on: set it up first.");
    return two_step_page(r, 409, NULL, NULL);
  }
  if( rc ) return rc;
  return two_step_page(r, 200, NULL, codes);
}

/* POST /me/two-step/disable — with the password; refused while a role of the person's requires it. */
int page_two_step_disable(struct req *r){
  struct audit_ctx c;
  if( strcmp(r->user->auth_source, "local")!=0 ) return two_step_page(r, 409, NULL, NULL);
  if( required_by_role(r) ){
    req_field_error(r, "password", "Your role requires two-step sign-in, so it cannot be turned off. You can set up a"
                    " new phone instead.");
    return two_step_page(r, 409, NULL, NULL);
  }
  int k = password_ok(r);
  if( k<=0 ) return two_step_page(r, k<0 ? 429 : 422, NULL, NULL);
  req_audit_ctx(r, &c);
  int rc = twostep_disable(r->app, &c, r->user->id);
  if( rc ) return rc;
  page_flash(r, "Two-step sign-in is off. Your password alone signs you in.");
  return resp_redirect(r, "/me/two-step");
}

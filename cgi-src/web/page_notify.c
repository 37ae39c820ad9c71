/* page_notify.c — notification pages: the in-app list, preferences, and the channels' admin page. */
#include "page_notify.h"
#include "page.h"
#include "notify.h"
#include "app.h"
#include "db.h"
#include "audit.h"
#include "users.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOTIFY_PAGE_SIZE 25        /* in-app notifications per page */
#define NOTIFY_ADMIN_FAILED 200    /* failed outbox rows listed for admins */
#define NOTIFY_ADMIN_RECENT 50     /* most recent outbox rows listed */
#define NOTIFY_ADMIN_CHANNELS 200
#define NOTIFY_ADMIN_IDENTITIES 500

static const struct { const char *value, *label; } channel_types[] = {
  { "email", "E-mail (SMTP)" }, { "file", "E-mail to files (.eml, demo sink)" },
  { "slack", "Slack (incoming webhook, Approve/Reject buttons)" }, { "teams", "Microsoft Teams (incoming webhook)" },
  { "sms", "SMS (HTTP gateway)" }, { "webhook", "Webhook (signed CloudEvents)" },
};

static const char *const channel_labels[] = { "E-mail", "SMS", "In-app" };   /* notify_personal_channels */

/* ------------------------------------------------------------------ helpers */

/* What may be shown of a URL: scheme, host and "…" (paths and queries of webhooks carry secrets). */
static const char *url_brief(struct req *r, const char *url){
  if( url==NULL || url[0]==0 ) return "";
  if( strncmp(url, "file:", 5)==0 ) return url;
  const char *p = strstr(url, "://");
  if( p==NULL ) return "…";
  const char *host = p + 3;
  size_t k = strcspn(host, "/?#");
  const char *at = memchr(host, '@', k);
  if( at ){ k -= (size_t)(at + 1 - host); host = at + 1; }
  return arena_printf(&r->arena, "%.*s%.*s%s", (int)(p + 3 - url), url, (int)k, host,
                      host[k] ? "/…" : "");
}

static const char *cfg_text(json_t *cfg, const char *key){
  const char *z = json_string_value(json_object_get(cfg, key));
  return z ? z : "";
}

/* The setting a person reads in the list: the URL, the sink directory, or the SMTP server. */
static const char *channel_target(struct req *r, const char *type, json_t *cfg){
  if( strcmp(type, "file")==0 ){
    const char *dir = cfg_text(cfg, "dir");
    return arena_printf(&r->arena, "%s/%s/", r->app->cfg.data_dir, dir[0] ? dir : "mail");
  }
  return url_brief(r, cfg_text(cfg, "url"));
}

static int has_ctl(const char *z){
  for(; *z; z++) if( (unsigned char)*z<0x20 || *z==0x7f ) return 1;
  return 0;
}

/* ------------------------------------------------------------------ in-app list */

int page_notify_list(struct req *r){
  int64_t page, total, unread;
  struct db *db = r->app->db;
  req_qint(r, "page", 1, 1000000, 1, &page);
  struct db_stmt *st = db_prepare(db, "SELECT count(*), coalesce(sum(read_at IS NULL),0) FROM notifications WHERE user_id=:u");
  if( st==NULL ) return HP_ERROR;
  db_bind_int64(st, ":u", r->user->id);
  total = unread = 0;
  if( db_step(st)==DB_ROW ){ total = db_col_int64(st, 0); unread = db_col_int64(st, 1); }
  db_finish(st);
  int64_t pages = total ? (total + NOTIFY_PAGE_SIZE - 1)/NOTIFY_PAGE_SIZE : 1;
  if( page>pages ) page = pages;
  tmpl_dict *d = tmpl_dict_new("notifications");
  if( d==NULL ) return HP_ERROR;
  tmpl_set(d, "CSRF", r->csrf_token);
  tmpl_set_int(d, "UNREAD", unread);
  tmpl_set_int(d, "TOTAL", total);
  tmpl_set_int(d, "PAGE", page);
  if( unread ) tmpl_show(d, "HAS_UNREAD");
  st = db_prepare(db, "SELECT id, text, link, read_at, created_at FROM notifications WHERE user_id=:u"
                      " ORDER BY created_at DESC, id DESC LIMIT :lim OFFSET :off");
  if( st==NULL ){ tmpl_dict_free(d); return HP_ERROR; }
  db_bind_int64(st, ":u", r->user->id);
  db_bind_int64(st, ":lim", NOTIFY_PAGE_SIZE);
  db_bind_int64(st, ":off", (page - 1)*NOTIFY_PAGE_SIZE);
  int n = 0, step;
  while( (step = db_step(st))==DB_ROW ){
    tmpl_dict *x = tmpl_section(d, "NOTE");
    tmpl_set_int(x, "NOTE_ID", db_col_int64(st, 0));
    tmpl_set(x, "NOTE_TEXT", db_col_text(st, 1));
    const char *link = db_col_text(st, 2);
    if( link[0]=='/' && link[1]!='/' ) tmpl_set(tmpl_section(x, "NOTE_LINK"), "NOTE_HREF", link);
    else tmpl_show(x, "NOTE_NOLINK");
    tmpl_set(x, "NOTE_AT", page_time(r, db_col_int64(st, 4)));
    tmpl_set(x, "NOTE_AGO", page_ago(r, db_col_int64(st, 4)));
    tmpl_set_int(x, "PAGE", page);
    tmpl_show(x, db_col_null(st, 3) ? "NOTE_UNREAD" : "NOTE_READ");
    n++;
  }
  db_finish(st);
  if( step!=DB_DONE ){ tmpl_dict_free(d); return HP_ERROR; }
  tmpl_show(d, n ? "HAS_NOTES" : "NO_NOTES");
  if( pages>1 ){
    tmpl_dict *p = tmpl_section(d, "PAGER");
    tmpl_set_int(p, "PAGE", page);
    tmpl_set_int(p, "PAGES", pages);
    if( page>1 ) tmpl_set_int(tmpl_section(p, "PREV"), "PREV_PAGE", page - 1);
    if( page<pages ) tmpl_set_int(tmpl_section(p, "NEXT"), "NEXT_PAGE", page + 1);
  }
  return page_render(r, 200, "notifications.tpl", d, "Notifications");
}

/* Back to the list (the page the button was on, when it says). */
static int back_to_list(struct req *r){
  int64_t page;
  if( req_int(r, "page", 1, 1000000, 1, &page) && page>1 ) return resp_redirect(r, "/notifications?page=%lld", (long long)page);
  return resp_redirect(r, "/notifications");
}

/* POST /notifications/{id}/read — only the person's own notification. */
int page_notify_read(struct req *r){
  struct db *db = r->app->db;
  if( db_begin_write(db) ) return HP_UNAVAILABLE;
  struct db_stmt *st = db_prepare(db, "UPDATE notifications SET read_at=:now WHERE id=:id AND user_id=:u AND read_at IS NULL");
  int rc = HP_ERROR, found = 0;
  if( st ){
    db_bind_int64(st, ":now", app_now_ms(r->app));
    db_bind_int64(st, ":id", r->ids[0]);
    db_bind_int64(st, ":u", r->user->id);
    if( db_step(st)==DB_DONE ) rc = HP_OK;
    db_finish(st);
  }
  if( rc==HP_OK ){
    found = (int)db_changes(db);
    if( !found ){
      st = db_prepare(db, "SELECT count(*) FROM notifications WHERE id=:id AND user_id=:u");
      if( st ){
        db_bind_int64(st, ":id", r->ids[0]);
        db_bind_int64(st, ":u", r->user->id);
        if( db_step(st)==DB_ROW ) found = db_col_int(st, 0);
        db_finish(st);
      }
    }
  }
  if( rc!=HP_OK || db_commit(db) ){ db_rollback(db); return HP_ERROR; }
  if( !found ) return HP_NOT_FOUND;
  return back_to_list(r);
}

/* POST /notifications/read-all */
int page_notify_read_all(struct req *r){
  struct db *db = r->app->db;
  if( db_begin_write(db) ) return HP_UNAVAILABLE;
  struct db_stmt *st = db_prepare(db, "UPDATE notifications SET read_at=:now WHERE user_id=:u AND read_at IS NULL");
  int rc = HP_ERROR, n = 0;
  if( st ){
    db_bind_int64(st, ":now", app_now_ms(r->app));
    db_bind_int64(st, ":u", r->user->id);
    if( db_step(st)==DB_DONE ){ rc = HP_OK; n = (int)db_changes(db); }
    db_finish(st);
  }
  if( rc!=HP_OK || db_commit(db) ){ db_rollback(db); return HP_ERROR; }
  page_flash(r, n==1 ? "1 notification marked as read." : "%d notifications marked as read.", n);
  return resp_redirect(r, "/notifications");
}

/* ------------------------------------------------------------------ preferences */

/* The person's identity for a provider ("" when none). */
static const char *identity_of(struct req *r, int64_t uid, const char *provider){
  const char *z = "";
  struct db_stmt *st = db_prepare(r->app->db, "SELECT external_id FROM user_identities WHERE user_id=:u AND provider=:p");
  if( st==NULL ) return z;
  db_bind_int64(st, ":u", uid);
  db_bind_text(st, ":p", provider);
  if( db_step(st)==DB_ROW ) z = db_col_dup(&r->arena, st, 0);
  db_finish(st);
  return z;
}

static int prefs_page(struct req *r, int status, const char *phone_typed){
  size_t nev;
  const struct notify_event *ev = notify_events(&nev);
  tmpl_dict *d = tmpl_dict_new("me_notifications");
  if( d==NULL ) return HP_ERROR;
  tmpl_set(d, "CSRF", r->csrf_token);
  for(int k=0; notify_personal_channels[k]; k++) tmpl_set(tmpl_section(d, "CHANNEL_HEAD"), "CHANNEL_LABEL", channel_labels[k]);
  /* current choices: explicit rows over the defaults */
  int on[16][3];
  for(size_t i=0; i<nev && i<16; i++) for(int k=0; k<3; k++) on[i][k] = notify_pref_default(notify_personal_channels[k]);
  struct db_stmt *st = db_prepare(r->app->db, "SELECT event, channel, enabled FROM user_prefs WHERE user_id=:u");
  if( st==NULL ){ tmpl_dict_free(d); return HP_ERROR; }
  db_bind_int64(st, ":u", r->user->id);
  while( db_step(st)==DB_ROW ){
    for(size_t i=0; i<nev && i<16; i++){
      if( strcmp(ev[i].key, db_col_text(st, 0))!=0 ) continue;
      for(int k=0; k<3; k++) if( strcmp(notify_personal_channels[k], db_col_text(st, 1))==0 ) on[i][k] = db_col_int(st, 2);
    }
  }
  db_finish(st);
  for(size_t i=0; i<nev && i<16; i++){
    tmpl_dict *x = tmpl_section(d, "EVENT");
    tmpl_set(x, "EVENT_LABEL", ev[i].label);
    tmpl_set(x, "EVENT_KEY", ev[i].key);
    for(int k=0; notify_personal_channels[k]; k++){
      tmpl_dict *c = tmpl_section(x, "CELL");
      tmpl_set(c, "CELL_NAME", arena_printf(&r->arena, "p.%s.%s", ev[i].key, notify_personal_channels[k]));
      tmpl_set(c, "CELL_LABEL", arena_printf(&r->arena, "%s: %s", ev[i].label, channel_labels[k]));
      if( on[i][k] ) tmpl_show(c, "CELL_ON");
    }
  }
  const char *phone = phone_typed ? phone_typed : identity_of(r, r->user->id, "sms");
  const char *slack = identity_of(r, r->user->id, "slack");
  tmpl_set(d, "PHONE", phone);
  tmpl_set(d, "EMAIL", r->user->email);
  if( slack[0] ) tmpl_set(tmpl_section(d, "SLACK_LINKED"), "SLACK_ID", slack);
  else tmpl_show(d, "SLACK_UNLINKED");
  page_field_errors(r, d);
  if( r->errors ) tmpl_show(d, "HAS_ERRORS");
  return page_render(r, status, "me_notifications.tpl", d, "My notifications");
}

int page_notify_prefs(struct req *r){
  return prefs_page(r, 200, NULL);
}

/*
** POST /me/notifications — every checkbox "p.EVENT.CHANNEL" (checked = on),
** stored as explicit rows; then the phone number for SMS ("" removes it).
*/
int page_notify_prefs_save(struct req *r){
  size_t nev;
  const struct notify_event *ev = notify_events(&nev);
  const char *phone, *why;
  char err[300];
  struct db *db = r->app->db;
  if( req_text(r, "phone", 0, 20, &phone) && phone[0] && (why = notify_identity_problem("sms", phone)) ){
    req_field_error(r, "phone", "%s", why);
  }
  if( r->errors ) return prefs_page(r, 422, phone);
  if( db_begin_write(db) ) return HP_UNAVAILABLE;
  int bad = 0;
  json_t *changes = json_object();
  for(size_t i=0; i<nev && !bad; i++){
    for(int k=0; notify_personal_channels[k] && !bad; k++){
      char name[80];
      snprintf(name, sizeof(name), "p.%s.%s", ev[i].key, notify_personal_channels[k]);
      const char *v = req_form(r, name);
      int on = v && strcmp(v, "on")==0;
      struct db_stmt *st = db_prepare(db, "INSERT INTO user_prefs(user_id,event,channel,enabled) VALUES(:u,:e,:c,:on)"
                                        " ON CONFLICT(user_id,event,channel) DO UPDATE SET enabled=excluded.enabled");
      bad = st==NULL;
      if( st ){
        db_bind_int64(st, ":u", r->user->id);
        db_bind_text(st, ":e", ev[i].key);
        db_bind_text(st, ":c", notify_personal_channels[k]);
        db_bind_int64(st, ":on", on);
        bad = db_step(st)!=DB_DONE;
        db_finish(st);
      }
      json_object_set_new(changes, name + 2, json_boolean(on));
    }
  }
  if( !bad ) bad = req_audit(r, "notify.prefs", "user", r->user->id, 0, "{s:O}", "prefs", changes)!=0;
  json_decref(changes);
  if( bad || db_commit(db) ){ db_rollback(db); return HP_ERROR; }
  const char *had = identity_of(r, r->user->id, "sms");
  if( strcmp(had, phone)!=0 ){
    struct audit_ctx c;
    req_audit_ctx(r, &c);
    int rc = notify_link_identity(r->app, &c, r->user->id, "sms", phone, err, sizeof(err));
    if( rc==HP_CONFLICT || rc==HP_UNPROCESSABLE ){
      req_field_error(r, "phone", "%s", err);
      return prefs_page(r, rc, phone);
    }
    if( rc ) return rc;
  }
  page_flash(r, "Your notification settings were saved.");
  return resp_redirect(r, "/me/notifications");
}

/* ------------------------------------------------------------------ admin: channels */

/* What the channel form holds (typed, or from the database). */
struct chan_form {
  const char *name, *type, *team, *url, *from, *starttls, *username, *auth_header, *body_template;
  const char *content_type, *dir, *events;
  int keptn, enabled;
  int has_password, has_secret, has_auth;   /* a secret is stored (never shown) */
};

static void form_from_cfg(struct req *r, struct chan_form *f, const char *name, const char *type, const char *team,
                          json_t *cfg, int enabled){
  memset(f, 0, sizeof(*f));
  f->name = name; f->type = type; f->team = team; f->enabled = enabled;
  f->url = arena_strdup(&r->arena, cfg_text(cfg, "url"));
  f->from = arena_strdup(&r->arena, cfg_text(cfg, "from"));
  f->starttls = arena_strdup(&r->arena, cfg_text(cfg, "starttls"));
  f->username = arena_strdup(&r->arena, cfg_text(cfg, "username"));
  f->body_template = arena_strdup(&r->arena, cfg_text(cfg, "body_template"));
  f->content_type = arena_strdup(&r->arena, cfg_text(cfg, "content_type"));
  f->dir = arena_strdup(&r->arena, cfg_text(cfg, "dir"));
  f->keptn = json_is_true(json_object_get(cfg, "keptn"));
  f->has_password = cfg_text(cfg, "password")[0]!=0;
  f->has_secret = cfg_text(cfg, "secret")[0]!=0 || cfg_text(cfg, "signing_secret")[0]!=0;
  f->has_auth = cfg_text(cfg, "auth_header")[0]!=0;
  struct buf b;
  buf_init(&b);
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(cfg, "events"), i, v){
    if( json_is_string(v) ){ if( b.len ) buf_puts(&b, ", "); buf_puts(&b, json_string_value(v)); }
  }
  f->events = arena_strdup(&r->arena, b.z ? b.z : "");
  buf_free(&b);
}

/* The add/edit form into d (section FORM). */
static void show_form(struct req *r, tmpl_dict *d, const struct chan_form *f, int64_t id, int errors){
  tmpl_dict *x = tmpl_section(d, "FORM");
  tmpl_set(x, "PLACEHOLDERS", "{{to}} {{text}} {{link}} {{idempotency_key}}");
  tmpl_set(x, "CSRF", r->csrf_token);
  tmpl_set(x, "FORM_TITLE", id ? "Edit the channel" : "Add a channel");
  tmpl_set(x, "FORM_ACTION", id ? arena_printf(&r->arena, "/admin/notifications/channels/%lld", (long long)id)
                                : "/admin/notifications/channels");
  tmpl_set(x, "FORM_BUTTON", id ? "Save channel" : "Add channel");
  tmpl_set(x, "F_NAME", f ? f->name : "");
  tmpl_set(x, "F_TEAM", f ? f->team : "");
  tmpl_set(x, "F_URL", f ? f->url : "");
  tmpl_set(x, "F_FROM", f ? f->from : "");
  tmpl_set(x, "F_USERNAME", f ? f->username : "");
  tmpl_set(x, "F_BODY_TEMPLATE", f ? f->body_template : "");
  tmpl_set(x, "F_CONTENT_TYPE", f ? f->content_type : "");
  tmpl_set(x, "F_DIR", f ? f->dir : "");
  tmpl_set(x, "F_EVENTS", f ? f->events : "");
  if( f==NULL || f->enabled ) tmpl_show(x, "F_ENABLED");
  if( f && f->keptn ) tmpl_show(x, "F_KEPTN");
  if( f && f->has_password ) tmpl_show(x, "F_HAS_PASSWORD");
  if( f && f->has_secret ) tmpl_show(x, "F_HAS_SECRET");
  if( f && f->has_auth ) tmpl_show(x, "F_HAS_AUTH");
  for(size_t i=0; i<HP_ARRAY_SIZE(channel_types); i++){
    tmpl_dict *o = tmpl_section(x, "TYPE_OPTION");
    tmpl_set(o, "TYPE_VALUE", channel_types[i].value);
    tmpl_set(o, "TYPE_LABEL", channel_types[i].label);
    if( f && f->type && strcmp(f->type, channel_types[i].value)==0 ) tmpl_show(o, "TYPE_SELECTED");
  }
  static const char *const tls[] = { "none", "try", "required" };
  for(size_t i=0; i<HP_ARRAY_SIZE(tls); i++){
    tmpl_dict *o = tmpl_section(x, "TLS_OPTION");
    tmpl_set(o, "TLS_VALUE", tls[i]);
    if( f && f->starttls && strcmp(f->starttls[0] ? f->starttls : "none", tls[i])==0 ) tmpl_show(o, "TLS_SELECTED");
  }
  if( errors ){
    page_field_errors(r, x);
    tmpl_show(x, "HAS_ERRORS");
  }
}

static void show_config_status(struct req *r, tmpl_dict *d){
  struct db_stmt *st = db_prepare(r->app->db, "SELECT value FROM settings WHERE key='notify.config_error'");
  if( st ){
    if( db_step(st)==DB_ROW && db_col_text(st, 0)[0] ){
      tmpl_set(tmpl_section(d, "CONFIG_ERROR"), "CONFIG_ERROR_TEXT", db_col_text(st, 0));
    }
    db_finish(st);
  }
  tmpl_set(d, "CONFIG_PATH", arena_printf(&r->arena, "%s/notify.json", r->app->cfg.data_dir));
}

static int list_channels(struct req *r, tmpl_dict *d){
  struct db_stmt *st = db_prepare(r->app->db, "SELECT id, name, type, team, config_json, enabled, source FROM notify_channels"
                                            " ORDER BY name LIMIT :lim");
  int n = 0, step;
  if( st==NULL ) return HP_ERROR;
  db_bind_int64(st, ":lim", NOTIFY_ADMIN_CHANNELS);
  while( (step = db_step(st))==DB_ROW ){
    tmpl_dict *x = tmpl_section(d, "CHANNEL");
    json_t *cfg = json_loads(db_col_text(st, 4), 0, NULL);
    const char *type = db_col_text(st, 2);
    tmpl_set(x, "CSRF", r->csrf_token);
    tmpl_set_int(x, "C_ID", db_col_int64(st, 0));
    tmpl_set(x, "C_NAME", db_col_text(st, 1));
    tmpl_set(x, "C_TYPE", type);
    tmpl_set(x, "C_TEAM", db_col_text(st, 3)[0] ? db_col_text(st, 3) : "all");
    tmpl_set(x, "C_TARGET", channel_target(r, type, cfg));
    tmpl_set(x, "C_SOURCE", strcmp(db_col_text(st, 6), "file")==0 ? "notify.json" : db_col_text(st, 6));
    if( json_is_true(json_object_get(cfg, "keptn")) ) tmpl_show(x, "C_KEPTN");
    tmpl_show(x, db_col_int(st, 5) ? "C_ENABLED" : "C_DISABLED");
    json_decref(cfg);
    n++;
  }
  db_finish(st);
  tmpl_show(d, n ? "HAS_CHANNELS" : "NO_CHANNELS");
  return step==DB_DONE ? HP_OK : HP_ERROR;
}

/* One outbox row into section sec of d. */
static void outbox_row(struct req *r, tmpl_dict *d, const char *sec, struct db_stmt *st){
  tmpl_dict *x = tmpl_section(d, sec);
  const char *rcpt = db_col_text(st, 2);
  tmpl_set(x, "CSRF", r->csrf_token);
  tmpl_set_int(x, "O_ID", db_col_int64(st, 0));
  tmpl_set(x, "O_CHANNEL", db_col_text(st, 1));
  tmpl_set(x, "O_RECIPIENT", strstr(rcpt, "://") ? url_brief(r, rcpt) : rcpt);
  tmpl_set(x, "O_EVENT", db_col_text(st, 3));
  tmpl_set(x, "O_STATUS", db_col_text(st, 4));
  tmpl_set_int(x, "O_ATTEMPTS", db_col_int64(st, 5));
  tmpl_set(x, "O_ERROR", db_col_text(st, 6));
  tmpl_set(x, "O_CREATED", page_time(r, db_col_int64(st, 7)));
  tmpl_set(x, "O_NEXT", strcmp(db_col_text(st, 4), "pending")==0 ? page_ago(r, db_col_int64(st, 8)) : "");
  tmpl_set(x, "O_KEY", db_col_text(st, 9));
  if( db_col_int64(st, 10) ) tmpl_set_int(tmpl_section(x, "O_ACTIVITY"), "O_ACTIVITY_ID", db_col_int64(st, 10));
  tmpl_show(x, strcmp(db_col_text(st, 4), "sent")==0 ? "O_SENT" : strcmp(db_col_text(st, 4), "failed")==0 ? "O_FAILED" : "O_PENDING");
}

#define OUTBOX_COLS "SELECT id, channel, recipient, event, status, attempts, last_error, created_at, next_attempt_at," \
                    " idempotency_key, coalesce(activity_id,0) FROM outbox"

static int list_outbox(struct req *r, tmpl_dict *d){
  struct db *db = r->app->db;
  struct db_stmt *st = db_prepare(db, "SELECT coalesce(sum(status='pending'),0), coalesce(sum(status='sent'),0),"
                                    " coalesce(sum(status='failed'),0) FROM outbox");
  if( st==NULL ) return HP_ERROR;
  if( db_step(st)==DB_ROW ){
    tmpl_set_int(d, "N_PENDING", db_col_int64(st, 0));
    tmpl_set_int(d, "N_SENT", db_col_int64(st, 1));
    tmpl_set_int(d, "N_FAILED", db_col_int64(st, 2));
  }
  db_finish(st);
  int n = 0;
  st = db_prepare(db, OUTBOX_COLS " WHERE status='failed' ORDER BY id DESC LIMIT :lim");
  if( st==NULL ) return HP_ERROR;
  db_bind_int64(st, ":lim", NOTIFY_ADMIN_FAILED);
  while( db_step(st)==DB_ROW ){ outbox_row(r, d, "FAILED", st); n++; }
  db_finish(st);
  tmpl_show(d, n ? "HAS_FAILED" : "NO_FAILED");
  n = 0;
  st = db_prepare(db, OUTBOX_COLS " WHERE status IN ('pending','sent') ORDER BY id DESC LIMIT :lim");
  if( st==NULL ) return HP_ERROR;
  db_bind_int64(st, ":lim", NOTIFY_ADMIN_RECENT);
  while( db_step(st)==DB_ROW ){ outbox_row(r, d, "RECENT", st); n++; }
  db_finish(st);
  tmpl_show(d, n ? "HAS_RECENT" : "NO_RECENT");
  return HP_OK;
}

static int list_identities(struct req *r, tmpl_dict *d){
  struct db_stmt *st = db_prepare(r->app->db, "SELECT u.username, u.display_name, i.provider, i.external_id"
    " FROM user_identities i JOIN users u ON u.id=i.user_id ORDER BY u.username, i.provider LIMIT :lim");
  int n = 0;
  if( st==NULL ) return HP_ERROR;
  db_bind_int64(st, ":lim", NOTIFY_ADMIN_IDENTITIES);
  while( db_step(st)==DB_ROW ){
    tmpl_dict *x = tmpl_section(d, "IDENTITY");
    tmpl_set(x, "CSRF", r->csrf_token);
    tmpl_set(x, "I_USERNAME", db_col_text(st, 0));
    tmpl_set(x, "I_NAME", db_col_text(st, 1));
    tmpl_set(x, "I_PROVIDER", db_col_text(st, 2));
    tmpl_set(x, "I_LABEL", strcmp(db_col_text(st, 2), "slack")==0 ? "Slack" : "Phone (SMS)");
    tmpl_set(x, "I_EXTERNAL", db_col_text(st, 3));
    n++;
  }
  db_finish(st);
  tmpl_show(d, n ? "HAS_IDENTITIES" : "NO_IDENTITIES");
  return HP_OK;
}

/*
** The admin page: the list (channels, file status, outbox, identities) and
** the add form (f: what was typed, when shown again with errors).  With
** edit_id, only the edit form of that channel.
*/
static int admin_page(struct req *r, int status, const struct chan_form *f, int64_t edit_id, const char *alert,
                      const char *ident_user, const char *ident_value){
  tmpl_dict *d = tmpl_dict_new("admin_notifications");
  int rc = HP_OK;
  if( d==NULL ) return HP_ERROR;
  tmpl_set(d, "CSRF", r->csrf_token);
  if( alert ) tmpl_set(tmpl_section(d, "ALERT"), "ALERT_TEXT", alert);
  if( edit_id ){
    tmpl_set(tmpl_section(d, "EDIT_MODE"), "CHANNEL_NAME", f ? f->name : "");
  }else{
    tmpl_dict *l = tmpl_section(d, "LIST_MODE");
    tmpl_set(l, "CSRF", r->csrf_token);
    show_config_status(r, l);
    tmpl_set(l, "IDENT_USER", ident_user ? ident_user : "");
    tmpl_set(l, "IDENT_VALUE", ident_value ? ident_value : "");
    if( ident_user ){
      tmpl_set(l, "ERR_IDENT", req_error_for(r, "ident") ? req_error_for(r, "ident") : "");
    }
    if( (rc = list_channels(r, l))==HP_OK && (rc = list_outbox(r, l))==HP_OK ) rc = list_identities(r, l);
    if( rc ){ tmpl_dict_free(d); return rc; }
  }
  show_form(r, d, ident_user ? NULL : f, edit_id, r->errors && !ident_user);
  return page_render(r, status, "admin_notifications.tpl", d, "Notifications");
}

int page_notify_admin(struct req *r){
  return admin_page(r, 200, NULL, 0, NULL, NULL, NULL);
}

/* Load a channel.  1 found (cfg is a new reference the caller frees), 0 not. */
static int load_channel(struct req *r, int64_t id, const char **name, const char **type, const char **team,
                        json_t **cfg, int *enabled){
  struct db_stmt *st = db_prepare(r->app->db, "SELECT name, type, team, config_json, enabled FROM notify_channels WHERE id=:id");
  int found = 0;
  *cfg = NULL;
  if( st==NULL ) return 0;
  db_bind_int64(st, ":id", id);
  if( db_step(st)==DB_ROW ){
    *name = db_col_dup(&r->arena, st, 0);
    *type = db_col_dup(&r->arena, st, 1);
    *team = db_col_dup(&r->arena, st, 2);
    *cfg = json_loads(db_col_text(st, 3), 0, NULL);
    if( !json_is_object(*cfg) ){ json_decref(*cfg); *cfg = json_object(); }
    *enabled = db_col_int(st, 4);
    found = 1;
  }
  db_finish(st);
  return found;
}

int page_notify_channel(struct req *r){
  const char *name, *type, *team;
  json_t *cfg;
  int enabled;
  struct chan_form f;
  if( !load_channel(r, r->ids[0], &name, &type, &team, &cfg, &enabled) ) return HP_NOT_FOUND;
  form_from_cfg(r, &f, name, type, team, cfg, enabled);
  json_decref(cfg);
  return admin_page(r, 200, &f, r->ids[0], NULL, NULL, NULL);
}

/* Put a form value into cfg when it is not empty. */
static void cfg_put(json_t *cfg, const char *key, const char *v){
  if( v && v[0] ) json_object_set_new(cfg, key, json_string(v));
  else json_object_del(cfg, key);
}

/*
** Read and check the channel form into f and a new settings object (*out),
** keeping the stored secrets (old, may be NULL) that were left blank.
** Returns 1 when acceptable, else 0 with field errors.
*/
static int read_channel_form(struct req *r, struct chan_form *f, json_t *old, json_t **out){
  static const char *const types[] = { "email", "file", "slack", "teams", "sms", "webhook", NULL };
  const char *password, *secret, *auth;
  memset(f, 0, sizeof(*f));
  *out = NULL;
  if( req_text(r, "name", 1, 64, &f->name) && has_ctl(f->name) ) req_field_error(r, "name", "Use letters, digits and punctuation.");
  req_enum(r, "type", types, &f->type);
  req_text(r, "team", 0, 64, &f->team);
  req_text(r, "url", 0, 2048, &f->url);
  req_text(r, "from", 0, 254, &f->from);
  req_text(r, "starttls", 0, 16, &f->starttls);
  req_text(r, "username", 0, 254, &f->username);
  req_text(r, "password", 0, 1024, &password);
  req_text(r, "secret", 0, 1024, &secret);
  req_text(r, "auth_header", 0, 2048, &auth);
  req_text(r, "body_template", 0, 4000, &f->body_template);
  req_text(r, "content_type", 0, 200, &f->content_type);
  req_text(r, "dir", 0, 128, &f->dir);
  req_text(r, "events", 0, 1000, &f->events);
  f->keptn = req_form(r, "keptn") && strcmp(req_form(r, "keptn"), "on")==0;
  f->enabled = req_form(r, "enabled") && strcmp(req_form(r, "enabled"), "on")==0;
  if( f->team && f->team[0] && users_team_problem(f->team) ) req_field_error(r, "team", "%s", users_team_problem(f->team));
  if( r->errors || f->type==NULL ) return 0;
  json_t *cfg = json_object();
  if( cfg==NULL ) return 0;
  int email = strcmp(f->type, "email")==0, slack = strcmp(f->type, "slack")==0;
  int sms = strcmp(f->type, "sms")==0, webhook = strcmp(f->type, "webhook")==0;
  if( strcmp(f->type, "file")!=0 ) cfg_put(cfg, "url", f->url);
  if( email ){
    cfg_put(cfg, "from", f->from);
    cfg_put(cfg, "starttls", f->starttls);
    cfg_put(cfg, "username", f->username);
    cfg_put(cfg, "password", password[0] ? password : cfg_text(old, "password"));
  }else if( strcmp(f->type, "file")==0 ){
    cfg_put(cfg, "dir", f->dir);
    cfg_put(cfg, "from", f->from);
  }
  if( slack ) cfg_put(cfg, "signing_secret", secret[0] ? secret : cfg_text(old, "signing_secret"));
  if( webhook ){
    cfg_put(cfg, "secret", secret[0] ? secret : cfg_text(old, "secret"));
    if( f->keptn ) json_object_set_new(cfg, "keptn", json_true());
  }
  if( sms ){
    cfg_put(cfg, "auth_header", auth[0] ? auth : cfg_text(old, "auth_header"));
    cfg_put(cfg, "body_template", f->body_template);
    cfg_put(cfg, "content_type", f->content_type);
  }
  if( (slack || webhook || strcmp(f->type, "teams")==0) && f->events[0] ){
    json_t *ev = json_array();
    char *copy = arena_strdup(&r->arena, f->events), *save = NULL;
    for(char *t = strtok_r(copy, " ,", &save); t; t = strtok_r(NULL, " ,", &save)){
      if( notify_event_pref(t)==NULL && notify_event_find(t)==NULL ){
        req_field_error(r, "events", "Unknown event \"%s\" (waiting, reminder, escalated, approved, rejected, done, release).", t);
        break;
      }
      json_array_append_new(ev, json_string(t));
    }
    json_object_set_new(cfg, "events", ev);
  }
  struct hp_err e;
  if( notify_channel_check(f->type, cfg, &e)!=HP_OK ) req_field_error(r, e.field[0] ? e.field : "url", "%s", e.reason);
  if( r->errors ){ json_decref(cfg); return 0; }
  f->has_password = cfg_text(cfg, "password")[0]!=0;
  f->has_secret = cfg_text(cfg, "secret")[0]!=0 || cfg_text(cfg, "signing_secret")[0]!=0;
  f->has_auth = cfg_text(cfg, "auth_header")[0]!=0;
  *out = cfg;
  return 1;
}

/* Insert (id 0) or update a channel with its audit record.  HP_OK, HP_CONFLICT (name taken), HP_ERROR. */
static int save_channel(struct req *r, int64_t id, const struct chan_form *f, json_t *cfg, int64_t *out_id){
  struct db *db = r->app->db;
  char *cj = json_dumps(cfg, JSON_COMPACT|JSON_SORT_KEYS);
  if( cj==NULL ) return HP_ERROR;
  if( db_begin_write(db) ){ free(cj); return HP_UNAVAILABLE; }
  struct db_stmt *st = db_prepare(db, id
    ? "UPDATE notify_channels SET name=:n, type=:t, team=:team, config_json=:c, enabled=:e, source='web', updated_at=:now WHERE id=:id"
    : "INSERT INTO notify_channels(name,type,team,config_json,enabled,source,created_at,updated_at)"
      " VALUES(:n,:t,:team,:c,:e,'web',:now,:now)");
  int rc = HP_ERROR;
  if( st ){
    db_bind_text(st, ":n", f->name);
    db_bind_text(st, ":t", f->type);
    db_bind_text(st, ":team", f->team ? f->team : "");
    db_bind_text(st, ":c", cj);
    db_bind_int64(st, ":e", f->enabled);
    db_bind_int64(st, ":now", app_now_ms(r->app));
    if( id ) db_bind_int64(st, ":id", id);
    int step = db_step(st);
    rc = step==DB_DONE ? (id && db_changes(db)==0 ? HP_NOT_FOUND : HP_OK)
       : step==DB_CONSTRAINT ? HP_CONFLICT : HP_ERROR;
    db_finish(st);
  }
  free(cj);
  if( rc==HP_OK ){
    *out_id = id ? id : db_last_id(db);
    if( req_audit(r, id ? "notify.channel.update" : "notify.channel.add", "notify_channel", *out_id, 0,
                    "{s:s,s:s,s:s,s:b}", "name", f->name, "type", f->type, "team", f->team ? f->team : "",
                    "enabled", f->enabled) ) rc = HP_ERROR;
  }
  if( rc!=HP_OK || db_commit(db) ){ db_rollback(db); return rc==HP_OK ? HP_ERROR : rc; }
  return HP_OK;
}

/* POST /admin/notifications/channels */
int page_notify_channel_add(struct req *r){
  struct chan_form f;
  json_t *cfg;
  int64_t id = 0;
  if( !read_channel_form(r, &f, NULL, &cfg) ) return admin_page(r, 422, &f, 0, NULL, NULL, NULL);
  int rc = save_channel(r, 0, &f, cfg, &id);
  json_decref(cfg);
  if( rc==HP_CONFLICT ){
    req_field_error(r, "name", "There is a channel with that name already.");
    return admin_page(r, 409, &f, 0, NULL, NULL, NULL);
  }
  if( rc ) return rc;
  page_flash(r, "The channel %s was added. Use Send test to check it.", f.name);
  return resp_redirect(r, "/admin/notifications");
}

/* POST /admin/notifications/channels/{id} */
int page_notify_channel_save(struct req *r){
  const char *name, *type, *team;
  json_t *old, *cfg;
  int enabled;
  struct chan_form f;
  int64_t id = 0;
  if( !load_channel(r, r->ids[0], &name, &type, &team, &old, &enabled) ) return HP_NOT_FOUND;
  int ok = read_channel_form(r, &f, old, &cfg);
  json_decref(old);
  if( !ok ) return admin_page(r, 422, &f, r->ids[0], NULL, NULL, NULL);
  int rc = save_channel(r, r->ids[0], &f, cfg, &id);
  json_decref(cfg);
  if( rc==HP_CONFLICT ){
    req_field_error(r, "name", "There is a channel with that name already.");
    return admin_page(r, 409, &f, r->ids[0], NULL, NULL, NULL);
  }
  if( rc ) return rc;
  page_flash(r, "The channel %s was saved.", f.name);
  return resp_redirect(r, "/admin/notifications");
}

/* POST /admin/notifications/channels/{id}/test */
int page_notify_channel_test(struct req *r){
  struct audit_ctx c;
  char err[300];
  req_audit_ctx(r, &c);
  int rc = notify_channel_test(r->app, &c, r->ids[0], r->user, err, sizeof(err));
  if( rc==HP_NOT_FOUND ) return rc;
  if( rc==HP_UNPROCESSABLE ) return admin_page(r, 422, NULL, 0, err, NULL, NULL);
  if( rc ) return rc;
  page_flash(r, "A test message was queued; it goes out within seconds (see the outbox below).");
  return resp_redirect(r, "/admin/notifications#outbox");
}

/* POST /admin/notifications/channels/{id}/delete — rows already queued on it fail ("removed"). */
int page_notify_channel_delete(struct req *r){
  struct db *db = r->app->db;
  const char *name, *type, *team;
  json_t *cfg;
  int enabled;
  if( !load_channel(r, r->ids[0], &name, &type, &team, &cfg, &enabled) ) return HP_NOT_FOUND;
  json_decref(cfg);
  if( db_begin_write(db) ) return HP_UNAVAILABLE;
  struct db_stmt *st = db_prepare(db, "DELETE FROM notify_channels WHERE id=:id");
  int rc = HP_ERROR;
  if( st ){
    db_bind_int64(st, ":id", r->ids[0]);
    if( db_step(st)==DB_DONE ) rc = HP_OK;
    db_finish(st);
  }
  if( rc==HP_OK && req_audit(r, "notify.channel.delete", "notify_channel", r->ids[0], 0, "{s:s,s:s}",
                               "name", name, "type", type) ) rc = HP_ERROR;
  if( rc!=HP_OK || db_commit(db) ){ db_rollback(db); return HP_ERROR; }
  page_flash(r, "The channel %s was removed.", name);
  return resp_redirect(r, "/admin/notifications");
}

/* POST /admin/notifications/outbox/{id}/retry */
int page_notify_outbox_retry(struct req *r){
  struct audit_ctx c;
  req_audit_ctx(r, &c);
  int rc = notify_outbox_retry(r->app, &c, r->ids[0]);
  if( rc==HP_NOT_FOUND ) return admin_page(r, 409, NULL, 0, "That row is not failed (it was retried or sent meanwhile).",
                                           NULL, NULL);
  if( rc ) return rc;
  page_flash(r, "Outbox row %lld will be delivered again within seconds.", (long long)r->ids[0]);
  return resp_redirect(r, "/admin/notifications#outbox");
}

/* POST /admin/notifications/identities — username, provider (slack|sms), external_id ("" unlinks). */
int page_notify_identity(struct req *r){
  static const char *const providers[] = { "slack", "sms", NULL };
  const char *username, *provider, *value;
  char err[300];
  int64_t uid = 0;
  int ok = req_text(r, "username", 1, 64, &username);
  ok &= req_enum(r, "provider", providers, &provider);
  ok &= req_text(r, "external_id", 0, 64, &value);
  if( ok && !users_find(r->app, username, &uid) ){ req_field_error(r, "ident", "There is no user '%s'.", username); ok = 0; }
  if( !ok ){
    if( !req_error_for(r, "ident") ) req_field_error(r, "ident", "Give a username, a kind and the id (or nothing to unlink).");
    return admin_page(r, 422, NULL, 0, NULL, username ? username : "", value ? value : "");
  }
  struct audit_ctx c;
  req_audit_ctx(r, &c);
  int rc = notify_link_identity(r->app, &c, uid, provider, value, err, sizeof(err));
  if( rc==HP_UNPROCESSABLE || rc==HP_CONFLICT ){
    req_field_error(r, "ident", "%s", err);
    return admin_page(r, rc, NULL, 0, NULL, username, value);
  }
  if( rc ) return rc;
  page_flash(r, value[0] ? "%s is now linked to %s %s." : "%s is no longer linked (%s).", username,
             strcmp(provider, "slack")==0 ? "Slack user" : "phone number", value);
  return resp_redirect(r, "/admin/notifications#identities");
}

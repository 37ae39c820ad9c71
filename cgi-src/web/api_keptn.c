/* api_keptn.c — Holdpoint as a Keptn control plane's approval service: approval.triggered in,
** a release out; the answers go back through the notification channel marked "keptn". */
#include "api_keptn.h"
#include "api_release.h"
#include "api.h"
#include "app.h"
#include "db.h"
#include "engine.h"
#include "notify.h"
#include "audit.h"
#include "log.h"
#include "util.h"
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define KEPTN_TRIGGERED "sh.keptn.event.approval.triggered"

/* The shared secret of HOLDPOINT_KEPTN_SECRET_FILE into out; 0 none configured, 1 read, -1 unreadable. */
static int keptn_secret(char *out, size_t n){
  const char *path = getenv("HOLDPOINT_KEPTN_SECRET_FILE");
  if( path==NULL || path[0]==0 ) return 0;
  return util_read_secret(path, out, n)>0 ? 1 : -1;
}

/* A string member of o of 1..max bytes, or NULL. */
static const char *str(json_t *o, const char *key, size_t max){
  const char *z = json_string_value(json_object_get(o, key));
  return z && z[0] && strlen(z)<=max ? z : NULL;
}

int api_keptn_event(struct req *r){
  char *body;
  size_t n;
  char secret[256];
  if( strncasecmp(r->content_type, "application/json", 16)!=0
   && strncasecmp(r->content_type, "application/cloudevents+json", 28)!=0 ){
    return api_fail(r, 415, NULL, "Send the CloudEvent as application/cloudevents+json (or application/json).");
  }
  int rc = req_read_body(r, r->app->cfg.max_form, &body, &n);
  if( rc==HP_TOO_LARGE ) return api_fail(r, 413, NULL, "The event is too large.");
  if( rc ) return api_fail(r, 400, NULL, "The body could not be read.");
  int sk = keptn_secret(secret, sizeof(secret));
  if( sk<0 ) return api_fail(r, 500, NULL, "HOLDPOINT_KEPTN_SECRET_FILE cannot be read (it needs 16 or more characters).");
  if( sk>0 ){
    char want[72];
    const char *got = req_param_env(r, "HTTP_X_HOLDPOINT_SIGNATURE");
    notify_webhook_signature(secret, body, n, want);
    if( got==NULL || strlen(got)!=strlen(want) || CRYPTO_memcmp(got, want, strlen(want))!=0 ){
      req_audit_tx(r, "access.denied", "route", 0, 0, "{s:s,s:s,s:i,s:s}", "method", r->method, "path", r->path,
                   "status", 401, "reason", "Keptn event without a valid signature");
      return api_fail(r, 401, "bad_signature", "The event's X-Holdpoint-Signature does not match its body.");
    }
  }
  json_error_t jerr;
  json_t *ce = json_loadb(body, n, JSON_REJECT_DUPLICATES, &jerr);
  if( !json_is_object(ce) ){ json_decref(ce); return api_fail(r, 400, "malformed_json", "The body must be a CloudEvent (a JSON object)."); }
  const char *type = str(ce, "type", 200), *id = str(ce, "id", 200), *ctx = str(ce, "shkeptncontext", 200);
  json_t *data = json_object_get(ce, "data");
  const char *project = str(data, "project", 200), *stage = str(data, "stage", 200), *service = str(data, "service", 200);
  const char *why = type==NULL ? "type is missing"
                  : strcmp(type, KEPTN_TRIGGERED)!=0 ? "Holdpoint handles sh.keptn.event.approval.triggered only"
                  : id==NULL ? "id is missing" : ctx==NULL ? "shkeptncontext is missing"
                  : !json_is_object(data) ? "data is missing"
                  : project==NULL ? "data.project is missing" : stage==NULL ? "data.stage is missing"
                  : service==NULL ? "data.service is missing" : NULL;
  if( why ){ json_decref(ce); return api_fail(r, 422, "invalid", why); }
  /* the same event again: the release it started */
  struct db_stmt *st = db_prepare(r->app->db, "SELECT id FROM releases WHERE json_extract(origin_json, '$.keptn.triggeredid')=:t");
  int64_t existing = 0;
  if( st ){
    db_bind_text(st, ":t", id);
    if( db_step(st)==DB_ROW ) existing = db_col_int64(st, 0);
    db_finish(st);
  }
  if( existing ){ json_decref(ce); return api_reply(r, 200, json_pack("{s:I,s:b}", "release", (json_int_t)existing, "existing", 1)); }
  json_t *origin = json_pack("{s:{s:s,s:s,s:s,s:s,s:s}}", "keptn", "context", ctx, "triggeredid", id,
                             "project", project, "stage", stage, "service", service);
  char *origin_json = origin ? json_dumps(origin, JSON_COMPACT) : NULL;
  json_decref(origin);
  const char *tpl = getenv("HOLDPOINT_KEPTN_TEMPLATE");
  if( tpl==NULL || tpl[0]==0 ) tpl = "keptn-approval";
  const char *labels_version = str(json_object_get(data, "labels"), "version", 100);
  char version[120];
  if( labels_version ) snprintf(version, sizeof(version), "%s", labels_version);
  else snprintf(version, sizeof(version), "keptn-%.8s", id);          /* the event's id, shortened */
  const char *keys[] = { "project", "stage", "service" };
  const char *vals[] = { project, stage, service };
  struct engine_new_release nr = { tpl, service, version, "", keys, vals, 3, r->user->id, origin_json, NULL };
  struct audit_ctx c;
  char err[600] = "";
  int64_t rid = 0;
  req_audit_ctx(r, &c);
  rc = origin_json ? engine_release_create(r->app, &c, &nr, &rid, err, sizeof(err)) : HP_ERROR;
  free(origin_json);
  json_decref(ce);
  if( rc==HP_UNPROCESSABLE ){
    return api_fail(r, 422, "invalid", strstr(err, "template") ? "No template for Keptn's approvals: import one named keptn-approval"
                                                                 " (or set HOLDPOINT_KEPTN_TEMPLATE) with the variables project, stage and service."
                                                               : err);
  }
  if( rc ) return api_fail(r, rc==HP_UNAVAILABLE ? 503 : 500, NULL, "The release could not be started; try again.");
  json_t *rel = NULL;
  if( api_release_json(r->app, rid, &rel) ) return HP_ERROR;
  return api_reply(r, 201, json_pack("{s:I,s:o}", "release", (json_int_t)rid, "detail", rel));
}

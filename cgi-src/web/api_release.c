/* api_release.c — the JSON API for releases, approvals and activities (/api/v1). */
#include "windows.h"
#include "api_release.h"
#include "digest.h"
#include "approvals.h"
#include "relvars.h"
#include "vars.h"
#include "util.h"
#include "mayact.h"
#include "queue.h"
#include "api.h"
#include "app.h"
#include "db.h"
#include "audit.h"
#include "engine.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PER_PAGE 50
#define MAX_DETAILS (64*1024)

/* ---------------------------------------------------------------- JSON helpers */

/* Column i as an ISO 8601 UTC time, or JSON null. */
static json_t *j_time(struct db_stmt *st, int i){
  char buf[40];
  if( db_col_null(st, i) ) return json_null();
  return json_string(app_iso_time(db_col_int64(st, i), buf, sizeof(buf)));
}

/* Column i as a string, or JSON null. */
static json_t *j_text(struct db_stmt *st, int i){
  if( db_col_null(st, i) ) return json_null();
  return json_string(db_col_text(st, i));
}

static json_t *j_int(struct db_stmt *st, int i){
  return json_integer((json_int_t)db_col_int64(st, i));
}

/* Column i holding JSON text, parsed; JSON null when NULL or unparsable. */
static json_t *j_parsed(struct db_stmt *st, int i){
  if( db_col_null(st, i) ) return json_null();
  json_t *j = json_loads(db_col_text(st, i), JSON_DECODE_ANY, NULL);
  return j ? j : json_null();
}

static json_t *j_url(const char *fmt, int64_t id){
  char buf[64];
  snprintf(buf, sizeof(buf), fmt, (long long)id);
  return json_string(buf);
}

/* Refuse keys of body that are not in allowed (NULL-terminated): 1 = a reply was written. */
static int unknown_key(struct req *r, json_t *body, const char *const *allowed){
  const char *key;
  json_t *v;
  json_object_foreach(body, key, v){
    int ok = 0;
    for(int i=0; allowed[i]; i++) if( strcmp(allowed[i], key)==0 ) ok = 1;
    if( !ok ){
      char msg[200];
      snprintf(msg, sizeof(msg), "%.80s: unknown field.", key);
      api_fail(r, 422, "invalid", msg);
      return 1;
    }
  }
  return 0;
}

/* An optional string field: 1 = ok (*out NULL when absent); 0 = a 422 naming it was written. */
static int opt_string(struct req *r, json_t *body, const char *name, size_t maxlen, const char **out){
  json_t *v = json_object_get(body, name);
  char msg[200];
  *out = NULL;
  if( v==NULL || json_is_null(v) ) return 1;
  if( !json_is_string(v) ){
    snprintf(msg, sizeof(msg), "%s must be a string.", name);
    api_fail(r, 422, "invalid", msg);
    return 0;
  }
  if( strlen(json_string_value(v))!=json_string_length(v) || json_string_length(v)>maxlen ){
    snprintf(msg, sizeof(msg), "%s must be at most %zu characters, without NUL.", name, maxlen);
    api_fail(r, 422, "invalid", msg);
    return 0;
  }
  *out = json_string_value(v);
  return 1;
}

/* Reply with an engine or lookup failure: its status and message. */
static int reply_rc(struct req *r, int rc, const char *err){
  if( rc==HP_ERROR || rc==HP_UNAVAILABLE || rc<400 || rc>599 ){
    return api_fail(r, rc==HP_UNAVAILABLE ? 503 : 500, NULL, err && err[0] ? err : "The change could not be saved.");
  }
  return api_fail(r, rc, NULL, err && err[0] ? err : NULL);
}

/* ---------------------------------------------------------------- shapes */

/* The summary of a release row (columns as selected by RELEASE_COLS). */
#define RELEASE_COLS "r.id, r.name, r.version, r.artifact, r.artifact_digest, r.status, r.on_reject," \
  " r.created_at, r.finished_at, t.name, t.version, u.id, u.username, u.display_name" \
  " FROM releases r JOIN templates t ON t.id=r.template_id JOIN users u ON u.id=r.started_by"

static json_t *release_summary(struct db_stmt *st){
  int64_t id = db_col_int64(st, 0);
  return json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:{s:o,s:o},s:{s:o,s:o,s:o},s:o,s:o,s:o}",
    "id", (json_int_t)id, "name", j_text(st, 1), "version", j_text(st, 2), "artifact", j_text(st, 3),
    "artifact_digest", j_text(st, 4), "status", j_text(st, 5), "on_reject", j_text(st, 6),
    "template", "name", j_text(st, 9), "version", j_int(st, 10),
    "started_by", "id", j_int(st, 11), "username", j_text(st, 12), "display_name", j_text(st, 13),
    "created_at", j_time(st, 7), "finished_at", j_time(st, 8), "url", j_url("/releases/%lld", id));
}

int api_release_json(struct app *a, int64_t release_id, json_t **out){
  struct db_stmt *st = NULL;
  json_t *rel = NULL, *by_id = json_object(), *phases_by_id = json_object();
  int rc = HP_ERROR;
  char key[32];
  *out = NULL;
  if( by_id==NULL || phases_by_id==NULL ) goto out;
  st = db_prepare(a->db, "SELECT " RELEASE_COLS " WHERE r.id=:id");
  if( st==NULL ) goto out;
  db_bind_int64(st, ":id", release_id);
  int step = db_step(st);
  if( step==DB_DONE ){ rc = HP_NOT_FOUND; goto out; }
  if( step!=DB_ROW || (rel = release_summary(st))==NULL ) goto out;
  db_finish(st);

  json_t *vars = json_object(), *phases = json_array();
  json_object_set_new(rel, "variables", vars);
  json_object_set_new(rel, "phases", phases);
  st = db_prepare(a->db, "SELECT key, value FROM release_vars WHERE release_id=:id ORDER BY key");
  if( st==NULL ) goto out;
  db_bind_int64(st, ":id", release_id);
  while( db_step(st)==DB_ROW ) json_object_set_new(vars, db_col_text(st, 0), j_text(st, 1));
  db_finish(st);

  st = db_prepare(a->db, "SELECT id, name, position, status, started_at, finished_at FROM phases"
                         " WHERE release_id=:id ORDER BY position");
  if( st==NULL ) goto out;
  db_bind_int64(st, ":id", release_id);
  while( db_step(st)==DB_ROW ){
    int64_t pid = db_col_int64(st, 0);
    json_t *ph = json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:i,s:[],s:o}", "id", (json_int_t)pid,
      "name", j_text(st, 1), "position", j_int(st, 2), "status", j_text(st, 3),
      "started_at", j_time(st, 4), "finished_at", j_time(st, 5), "waiting", 0, "activities",
      "url", j_url("/phases/%lld", pid));
    if( ph==NULL ) goto out;
    json_array_append_new(phases, ph);
    snprintf(key, sizeof(key), "%lld", (long long)pid);
    json_object_set(phases_by_id, key, ph);
  }
  db_finish(st);

  int waiting = 0;
  st = db_prepare(a->db, "SELECT a.id, a.phase_id, a.name, a.kind, a.status, a.round, a.result,"
                         " a.activated_at, a.deadline_at, a.finished_at, a.description, a.position"
                         " FROM phases p CROSS JOIN activities a ON a.phase_id=p.id"   /* in order: no sorting */
                         " WHERE p.release_id=:id AND a.release_id=:id ORDER BY p.position, a.position");
  if( st==NULL ) goto out;
  db_bind_int64(st, ":id", release_id);
  while( db_step(st)==DB_ROW ){
    int64_t aid = db_col_int64(st, 0);
    json_t *act = json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:[],s:o,s:o,s:o,s:o}", "id", (json_int_t)aid,
      "name", j_text(st, 2), "kind", j_text(st, 3), "status", j_text(st, 4), "round", j_int(st, 5),
      "result", j_text(st, 6), "description", j_text(st, 10), "depends_on",
      "activated_at", j_time(st, 7), "deadline_at", j_time(st, 8), "finished_at", j_time(st, 9),
      "url", j_url("/activities/%lld", aid));
    if( act==NULL ) goto out;
    snprintf(key, sizeof(key), "%lld", (long long)db_col_int64(st, 1));
    json_t *ph = json_object_get(phases_by_id, key);
    if( ph==NULL ){ json_decref(act); continue; }
    json_array_append_new(json_object_get(ph, "activities"), act);
    if( strcmp(db_col_text(st, 4), "on_hold")==0 ){
      waiting++;
      json_object_set_new(ph, "waiting", json_integer(json_integer_value(json_object_get(ph, "waiting")) + 1));
    }
    snprintf(key, sizeof(key), "%lld", (long long)aid);
    json_object_set(by_id, key, act);
  }
  db_finish(st);
  json_object_set_new(rel, "waiting", json_integer(waiting));

  st = db_prepare(a->db, "SELECT d.activity_id, b.name FROM activities a JOIN activity_deps d ON d.activity_id=a.id"
                         " JOIN activities b ON b.id=d.depends_on_id"          /* from the release's own rows */
                         " WHERE a.release_id=:id ORDER BY b.phase_id, b.position");
  if( st==NULL ) goto out;
  db_bind_int64(st, ":id", release_id);
  while( db_step(st)==DB_ROW ){
    snprintf(key, sizeof(key), "%lld", (long long)db_col_int64(st, 0));
    json_t *act = json_object_get(by_id, key);
    if( act ) json_array_append_new(json_object_get(act, "depends_on"), j_text(st, 1));
  }
  rc = HP_OK;
  *out = rel;
  rel = NULL;
out:
  db_finish(st);
  json_decref(rel);
  json_decref(by_id);
  json_decref(phases_by_id);
  return rc;
}

/* The rules of a policy as [{kind,name,min}], or an empty array. */
static json_t *policy_rules(json_t *policy){
  json_t *rules = json_object_get(policy, "rules");
  return json_is_array(rules) ? json_incref(rules) : json_array();
}

int api_release_activity_json(struct app *a, int64_t activity_id, json_t **out){
  struct db_stmt *st = NULL;
  json_t *act = NULL;
  int rc = HP_ERROR;
  *out = NULL;
  st = db_prepare(a->db,
    "SELECT a.id, a.name, a.kind, a.status, a.round, a.result, a.result_details, a.description, a.instructions,"
    " a.policy_json, a.responsible_kind, a.responsible_name, ru.username, a.when_pass, a.when_warning,"
    " a.deadline_s, a.deadline_at, a.activated_at, a.finished_at, a.signature_required, a.signature_meaning,"
    " a.escalated, r.id, r.name, r.version, r.status, p.id, p.name, p.status, a.on_timeout_json,"
    " a.reminders_json, a.actions_json, r.artifact, a.scheduled_until, f.id, f.reason, f.approver_kind,"
    " f.approver_name, f.approver_min, f.starts_at, coalesce(min(f.ended_at, f.ends_at), f.ends_at)"
    " FROM activities a JOIN releases r ON r.id=a.release_id JOIN phases p ON p.id=a.phase_id"
    " LEFT JOIN freezes f ON f.id=a.freeze_id"
    " LEFT JOIN users ru ON ru.id=a.responsible_user_id WHERE a.id=:id");
  if( st==NULL ) goto out;
  db_bind_int64(st, ":id", activity_id);
  int step = db_step(st);
  if( step==DB_DONE ){ rc = HP_NOT_FOUND; goto out; }
  if( step!=DB_ROW ) goto out;
  int round = db_col_int(st, 4);
  json_t *policy = j_parsed(st, 9);
  act = json_pack("{s:I,s:o,s:o,s:o,s:i,s:o,s:o,s:o,s:o,s:o,"
                  "s:{s:o,s:o,s:o},s:{s:o,s:o},s:I,s:o,s:o,s:o,s:{s:b,s:o},s:b,"
                  "s:{s:o,s:o,s:o,s:o},s:{s:o,s:o,s:o},s:o,s:o,s:o,s:o}",
    "id", (json_int_t)activity_id, "name", j_text(st, 1), "kind", j_text(st, 2), "status", j_text(st, 3),
    "round", round, "result", j_text(st, 5), "result_details", j_parsed(st, 6),
    "description", j_text(st, 7), "instructions", j_text(st, 8), "policy", policy,
    "responsible", "kind", j_text(st, 10), "name", j_text(st, 11), "user", j_text(st, 12),
    "when", "pass", j_text(st, 13), "warning", j_text(st, 14),
    "deadline_s", (json_int_t)db_col_int64(st, 15), "deadline_at", j_time(st, 16),
    "activated_at", j_time(st, 17), "finished_at", j_time(st, 18),
    "signature", "required", db_col_int(st, 19), "meaning", j_text(st, 20),
    "escalated", db_col_int(st, 21),
    "release", "id", j_int(st, 22), "name", j_text(st, 23), "version", j_text(st, 24), "status", j_text(st, 25),
    "phase", "id", j_int(st, 26), "name", j_text(st, 27), "status", j_text(st, 28),
    "on_timeout", j_parsed(st, 29), "reminders_s", j_parsed(st, 30), "actions", j_parsed(st, 31),
    "url", j_url("/activities/%lld", activity_id));
  if( act==NULL ) goto out;
  /* a change window holds it until scheduled_until; the freeze its round carries the emergency rule of */
  json_object_set_new(act, "scheduled_until", j_time(st, 33));
  json_object_set_new(act, "freeze", db_col_null(st, 34) ? json_null()
    : json_pack("{s:I,s:o,s:{s:o,s:o,s:i},s:o,s:o}", "id", (json_int_t)db_col_int64(st, 34),
                "reason", j_text(st, 35), "approver", "kind", j_text(st, 36), "name", j_text(st, 37),
                "min", db_col_int(st, 38), "starts_at", j_time(st, 39), "ends_at", j_time(st, 40)));
  /* the instructions as people read them: placeholders filled (the template's text beside them) */
  {
    struct arena ar;
    struct vars_release v;
    struct buf b;
    arena_init(&ar);
    memset(&v, 0, sizeof(v));
    v.id = db_col_int64(st, 22);
    v.name = db_col_dup(&ar, st, 23);
    v.version = db_col_dup(&ar, st, 24);
    v.artifact = db_col_dup(&ar, st, 32);
    const char *text = db_col_dup(&ar, st, 8);
    db_finish(st);
    st = NULL;
    buf_init(&b);
    int bad = relvars_load(a, &ar, v.id, &v);
    if( !bad && text ) bad = vars_substitute(text, vars_release_lookup, &v, &b)<0 || b.oom;
    if( !bad ){
      json_object_set_new(act, "instructions_template", json_object_get(act, "instructions")
                          ? json_incref(json_object_get(act, "instructions")) : json_null());
      json_object_set_new(act, "instructions", text ? json_string(b.len ? b.z : "") : json_null());
    }
    buf_free(&b);
    arena_free(&ar);
    if( bad ) goto out;
  }

  /* depends_on */
  json_t *deps = json_array();
  json_object_set_new(act, "depends_on", deps);
  st = db_prepare(a->db, "SELECT b.name FROM activity_deps d JOIN activities b ON b.id=d.depends_on_id"
                         " WHERE d.activity_id=:id ORDER BY b.phase_id, b.position");
  if( st==NULL ) goto out;
  db_bind_int64(st, ":id", activity_id);
  while( db_step(st)==DB_ROW ) json_array_append_new(deps, j_text(st, 0));
  db_finish(st);

  /* eligible people of the current round, per rule of the policy (rule -1: added by escalation) */
  json_t *rules = policy_rules(policy), *eligible = json_array(), *escalation = json_array();
  json_object_set_new(act, "eligible", eligible);
  for(size_t i=0; i<json_array_size(rules); i++){
    json_t *rl = json_array_get(rules, i);
    json_array_append_new(eligible, json_pack("{s:i,s:O?,s:O?,s:O?,s:[]}", "rule", (int)i,
      "kind", json_object_get(rl, "kind"), "name", json_object_get(rl, "name"), "min", json_object_get(rl, "min"),
      "users"));
  }
  json_decref(rules);
  st = db_prepare(a->db, "SELECT e.rule_index, u.username FROM eligible e JOIN users u ON u.id=e.user_id"
                         " WHERE e.activity_id=:id AND e.round=:round ORDER BY e.rule_index, u.username");
  if( st==NULL ){ json_decref(escalation); goto out; }
  db_bind_int64(st, ":id", activity_id);
  db_bind_int64(st, ":round", round);
  while( db_step(st)==DB_ROW ){
    int k = db_col_int(st, 0);
    json_t *target = k<0 ? escalation : json_object_get(json_array_get(eligible, (size_t)k), "users");
    if( target ) json_array_append_new(target, j_text(st, 1));
  }
  db_finish(st);
  if( json_array_size(escalation) ){
    json_array_append_new(eligible, json_pack("{s:i,s:s,s:o}", "rule", -1, "kind", "escalation", "users", escalation));
  }else{
    json_decref(escalation);
  }

  /* votes of the current round */
  json_t *votes = json_array();
  json_object_set_new(act, "votes", votes);
  st = db_prepare(a->db, "SELECT u.username, u.display_name, d.decision, d.comment, d.at, d.signed,"
                         " d.signature_name, d.signature_meaning, au.username, d.channel, d.signature_method, d.artifact_digest"
                         " FROM decisions d JOIN users u ON u.id=d.user_id JOIN users au ON au.id=d.actor_id"
                         " WHERE d.activity_id=:id AND d.round=:round ORDER BY d.at, d.id");
  if( st==NULL ) goto out;
  db_bind_int64(st, ":id", activity_id);
  db_bind_int64(st, ":round", round);
  while( db_step(st)==DB_ROW ){
    json_t *v = json_pack("{s:o,s:o,s:o,s:o,s:o,s:b,s:o,s:o,s:o,s:o}", "user", j_text(st, 0),
      "display_name", j_text(st, 1), "decision", j_text(st, 2), "comment", j_text(st, 3), "at", j_time(st, 4),
      "signed", db_col_int(st, 5), "signature_name", j_text(st, 6), "signature_meaning", j_text(st, 7),
      "actor", j_text(st, 8), "channel", j_text(st, 9));
    if( v ) json_object_set_new(v, "signature_method", j_text(st, 10));
    if( v ) json_object_set_new(v, "artifact_digest", j_text(st, 11));
    if( v ) json_array_append_new(votes, v);
  }
  db_finish(st);

  /* inputs and evidence of the current round */
  json_t *inputs = json_array(), *evidence = json_array();
  json_object_set_new(act, "inputs", inputs);
  json_object_set_new(act, "evidence", evidence);
  st = db_prepare(a->db, "SELECT i.field_key, i.value, u.username, i.at FROM inputs i JOIN users u ON u.id=i.user_id"
                         " WHERE i.activity_id=:id AND i.round=:round ORDER BY i.field_key");
  if( st==NULL ) goto out;
  db_bind_int64(st, ":id", activity_id);
  db_bind_int64(st, ":round", round);
  while( db_step(st)==DB_ROW ){
    json_array_append_new(inputs, json_pack("{s:o,s:o,s:o,s:o}", "key", j_text(st, 0), "value", j_text(st, 1),
                                            "user", j_text(st, 2), "at", j_time(st, 3)));
  }
  db_finish(st);
  st = db_prepare(a->db, "SELECT e.id, e.field_key, e.sha256, e.size, e.mime, e.original_name, u.username, e.at"
                         " FROM evidence e JOIN users u ON u.id=e.uploaded_by"
                         " WHERE e.activity_id=:id AND e.round=:round ORDER BY e.at, e.id");
  if( st==NULL ) goto out;
  db_bind_int64(st, ":id", activity_id);
  db_bind_int64(st, ":round", round);
  while( db_step(st)==DB_ROW ){
    int64_t eid = db_col_int64(st, 0);
    json_array_append_new(evidence, json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "id", (json_int_t)eid,
      "field", j_text(st, 1), "sha256", j_text(st, 2), "size", j_int(st, 3), "mime", j_text(st, 4),
      "name", j_text(st, 5), "uploaded_by", j_text(st, 6), "at", j_time(st, 7),
      "url", j_url("/evidence/%lld", eid)));
  }
  db_finish(st);

  /* outputs and fields */
  json_t *outputs = json_object(), *fields = json_array();
  json_object_set_new(act, "outputs", outputs);
  json_object_set_new(act, "fields", fields);
  st = db_prepare(a->db, "SELECT key, value FROM outputs WHERE activity_id=:id ORDER BY key");
  if( st==NULL ) goto out;
  db_bind_int64(st, ":id", activity_id);
  while( db_step(st)==DB_ROW ) json_object_set_new(outputs, db_col_text(st, 0), j_text(st, 1));
  db_finish(st);
  st = db_prepare(a->db, "SELECT key, label, type, required, help, rules_json FROM fields"
                         " WHERE activity_id=:id ORDER BY position");
  if( st==NULL ) goto out;
  db_bind_int64(st, ":id", activity_id);
  while( db_step(st)==DB_ROW ){
    json_array_append_new(fields, json_pack("{s:o,s:o,s:o,s:b,s:o,s:o}", "key", j_text(st, 0),
      "label", j_text(st, 1), "type", j_text(st, 2), "required", db_col_int(st, 3),
      "help", j_text(st, 4), "rules", j_parsed(st, 5)));
  }
  rc = HP_OK;
  *out = act;
  act = NULL;
out:
  db_finish(st);
  json_decref(act);
  return rc;
}

/* ---------------------------------------------------------------- releases */

/* Reply 'status' with the release as GET shows it. */
static int reply_release(struct req *r, int status, int64_t id){
  json_t *j;
  int rc = api_release_json(r->app, id, &j);
  if( rc==HP_NOT_FOUND ) return api_fail(r, 404, NULL, "There is no such release.");
  if( rc ) return api_fail(r, 500, NULL, "The release could not be read.");
  return api_reply(r, status, j);
}

int api_release_create(struct req *r){
  static const char *const keys[] = { "template", "name", "version", "artifact", "artifact_digest", "variables", NULL };
  json_t *body;
  const char *tpl, *name, *version, *artifact, *digest;
  const char **vkeys = NULL, **vvals = NULL;
  char **owned = NULL;
  int nvars = 0, rc = HP_OK;
  char err[600] = "", msg[300];
  api_read_json(r, &body);
  if( body==NULL ) return HP_OK;
  if( unknown_key(r, body, keys)
   || !opt_string(r, body, "template", 64, &tpl) || !opt_string(r, body, "name", 200, &name)
   || !opt_string(r, body, "version", 100, &version) || !opt_string(r, body, "artifact", 1000, &artifact)
   || !opt_string(r, body, "artifact_digest", DIGEST_MAX, &digest) ){
    goto out;
  }
  if( tpl==NULL ){ api_fail(r, 422, "invalid", "template is required: the name of an imported template."); goto out; }
  if( name==NULL ){ api_fail(r, 422, "invalid", "name is required."); goto out; }
  json_t *vars = json_object_get(body, "variables");
  if( vars && !json_is_null(vars) ){
    if( !json_is_object(vars) ){ api_fail(r, 422, "invalid", "variables must be an object of names to values."); goto out; }
    size_t n = json_object_size(vars);
    if( n>100 ){ api_fail(r, 422, "invalid", "variables: at most 100."); goto out; }
    vkeys = calloc(n ? n : 1, sizeof(*vkeys));
    vvals = calloc(n ? n : 1, sizeof(*vvals));
    owned = calloc(n ? n : 1, sizeof(*owned));
    if( vkeys==NULL || vvals==NULL || owned==NULL ){ api_fail(r, 500, NULL, "Out of memory."); goto out; }
    const char *k;
    json_t *v;
    json_object_foreach(vars, k, v){
      if( json_is_string(v) ){
        vvals[nvars] = json_string_value(v);
        if( strlen(vvals[nvars])!=json_string_length(v) ){
          snprintf(msg, sizeof(msg), "variables.%.80s must not contain NUL.", k);
          api_fail(r, 422, "invalid", msg);
          goto out;
        }
      }else if( json_is_number(v) || json_is_boolean(v) ){
        owned[nvars] = util_json_dumps_typed(v, JSON_ENCODE_ANY|JSON_COMPACT);
        vvals[nvars] = owned[nvars];
      }else{
        snprintf(msg, sizeof(msg), "variables.%.80s must be a string.", k);
        api_fail(r, 422, "invalid", msg);
        goto out;
      }
      if( vvals[nvars]==NULL ){ api_fail(r, 500, NULL, "Out of memory."); goto out; }
      vkeys[nvars++] = k;
    }
  }
  struct engine_new_release nr = { tpl, name, version, artifact, vkeys, vvals, nvars, r->user->id, NULL, digest };
  struct audit_ctx c;
  req_audit_ctx(r, &c);
  int64_t id = 0;
  rc = engine_release_create(r->app, &c, &nr, &id, err, sizeof(err));
  if( rc ){
    reply_rc(r, rc, err);
    rc = HP_OK;
    goto out;
  }
  char loc[64];
  snprintf(loc, sizeof(loc), "/api/v1/releases/%lld", (long long)id);
  resp_header(r, "Location", loc);
  reply_release(r, 201, id);
out:
  for(int i=0; owned && i<nvars; i++) free(owned[i]);
  free(owned);
  free(vkeys);
  free(vvals);
  json_decref(body);
  return rc;
}

/* GET /api/v1/releases/{id} */
int api_release_get(struct req *r){
  return reply_release(r, 200, r->ids[0]);
}

/*
** GET /api/v1/releases[?status=S][&older=ID | &page=N] — newest first, 50 a page.
** {"releases":[summaries],"per_page","has_more","next","total","total_capped"}.
** Pages by key: "next" is the URL of the following page (?older=<the last id>), or null;
** the thousandth page costs what the first does.  ?page=N still works (by offset, for
** clients written before).  "total" counts at most RELEASES_TOTAL_CAP (then "total_capped").
*/
#define RELEASES_TOTAL_CAP 10000
int api_release_list(struct req *r){
  const char *status = req_query(r, "status");
  int64_t page, older;
  if( status && status[0] && engine_release_status_parse(status)<0 ){
    return api_fail(r, 422, "invalid", "status must be running, on_hold, completed, failed or aborted.");
  }
  if( status && status[0]==0 ) status = NULL;
  if( !req_qint(r, "page", 1, 1000000, 1, &page) ) return api_fail(r, 422, "invalid", "page must be a whole number from 1.");
  if( !req_qint(r, "older", 1, INT64_MAX, 0, &older) ) return api_fail(r, 422, "invalid", "older must be a release id.");
  if( older>0 && req_query(r, "page") ) return api_fail(r, 422, "invalid", "Use older (from \"next\") or page, not both.");
  struct db_stmt *st = db_prepare(r->app->db, older>0
    ? "SELECT " RELEASE_COLS " WHERE (:status IS NULL OR r.status=:status) AND r.id<:older ORDER BY r.id DESC LIMIT :lim"
    : "SELECT " RELEASE_COLS " WHERE (:status IS NULL OR r.status=:status) ORDER BY r.id DESC LIMIT :lim OFFSET :off");
  if( st==NULL ) return api_fail(r, 500, NULL, NULL);
  db_bind_text(st, ":status", status);
  db_bind_int64(st, ":lim", PER_PAGE + 1);
  if( older>0 ) db_bind_int64(st, ":older", older);
  else db_bind_int64(st, ":off", (page - 1)*PER_PAGE);
  json_t *list = json_array();
  int n = 0, more = 0;
  int64_t last = 0;
  while( db_step(st)==DB_ROW ){
    if( n==PER_PAGE ){ more = 1; break; }
    last = db_col_int64(st, 0);                      /* ids grow with created_at */
    json_array_append_new(list, release_summary(st));
    n++;
  }
  db_finish(st);
  st = db_prepare(r->app->db, "SELECT count(*) FROM (SELECT 1 FROM releases WHERE (:status IS NULL OR status=:status) LIMIT :cap) capped");
  int64_t total = 0;
  if( st ){
    db_bind_text(st, ":status", status);
    db_bind_int64(st, ":cap", RELEASES_TOTAL_CAP + 1);
    if( db_step(st)==DB_ROW ) total = db_col_int64(st, 0);
    db_finish(st);
  }
  json_t *next = more ? json_sprintf("/api/v1/releases?older=%lld%s%s", (long long)last, status ? "&status=" : "",
                                     status ? status : "") : json_null();
  json_t *j = json_pack("{s:o,s:i,s:b,s:o,s:I,s:b}", "releases", list, "per_page", PER_PAGE, "has_more", more,
                        "next", next, "total", (json_int_t)(total>RELEASES_TOTAL_CAP ? RELEASES_TOTAL_CAP : total),
                        "total_capped", total>RELEASES_TOTAL_CAP);
  if( j && older==0 ) json_object_set_new(j, "page", json_integer(page));
  return api_reply(r, 200, j);
}

/*
** POST /api/v1/releases/{id}/retry {"activity": name or id} — run a
** rejected/failed activity again (round+1).  200 with the release.
*/
/*
** POST /api/v1/releases/{id}/build {"digest": "sha256:…", "artifact": "reg/app@sha256:…"} — a new
** build of the release's artifact.  A new digest starts the release again (decisions made for the
** old build stop counting); the same digest again changes nothing.  200 with the release and
** "restarted": true|false.
*/
int api_release_build(struct req *r){
  static const char *const keys[] = { "digest", "artifact", NULL };
  json_t *body;
  const char *digest = NULL, *artifact = NULL;
  char err[400] = "", found[DIGEST_MAX];
  api_read_json(r, &body);
  if( body==NULL ) return HP_OK;
  if( unknown_key(r, body, keys) || !opt_string(r, body, "digest", DIGEST_MAX, &digest)
   || !opt_string(r, body, "artifact", 1000, &artifact) ) goto out;
  if( digest==NULL && artifact && digest_of_artifact(artifact, found, sizeof(found))==1 ) digest = found;
  if( digest==NULL ){
    api_fail(r, 422, "invalid", "digest is required (sha256: and 64 hex digits), or an artifact with @sha256:….");
    goto out;
  }
  struct audit_ctx c;
  int changed = 0;
  req_audit_ctx(r, &c);
  int rc = engine_new_build(r->app, &c, r->ids[0], artifact, digest, &changed, err, sizeof(err));
  if( rc ){ reply_rc(r, rc, err); goto out; }
  json_t *j = NULL;
  rc = api_release_json(r->app, r->ids[0], &j);
  if( rc || j==NULL ){ api_fail(r, 500, NULL, "The release could not be read."); goto out; }
  json_object_set_new(j, "restarted", json_boolean(changed));
  api_reply(r, 200, j);
out:
  json_decref(body);
  return HP_OK;
}

/* GET /api/v1/releases/{id}/verify?digest=sha256:… — the deploy gate (approvals_verify_build). */
int api_release_verify(struct req *r){
  const char *digest = req_query(r, "digest");
  json_t *j = NULL;
  if( digest==NULL || digest[0]==0 ) return api_fail(r, 422, "invalid", "digest is required: ?digest=sha256:….");
  int rc = approvals_verify_build(r->app, r->ids[0], digest, &j);
  if( rc==HP_NOT_FOUND ) return api_fail(r, 404, NULL, "There is no such release.");
  if( rc==HP_UNPROCESSABLE ) return api_fail(r, 422, "invalid", "digest: write it as sha256: and 64 lower-case hex digits.");
  if( rc ) return api_fail(r, 500, NULL, "The release could not be read.");
  return api_reply(r, 200, j);
}

int api_release_retry(struct req *r){
  static const char *const keys[] = { "activity", NULL };
  int64_t rel = r->ids[0], aid = 0;
  char err[400] = "", msg[300];
  json_t *body;
  api_read_json(r, &body);
  if( body==NULL ) return HP_OK;
  if( unknown_key(r, body, keys) ) goto out;
  struct db_stmt *st = db_prepare(r->app->db, "SELECT count(*) FROM releases WHERE id=:id");
  int exists = 0;
  if( st ){
    db_bind_int64(st, ":id", rel);
    if( db_step(st)==DB_ROW ) exists = db_col_int(st, 0);
    db_finish(st);
  }
  if( !exists ){ api_fail(r, 404, NULL, "There is no such release."); goto out; }
  json_t *v = json_object_get(body, "activity");
  if( json_is_string(v) ){
    st = db_prepare(r->app->db, "SELECT id FROM activities WHERE release_id=:r AND name=:n");
  }else if( json_is_integer(v) ){
    st = db_prepare(r->app->db, "SELECT id FROM activities WHERE release_id=:r AND id=:n");
  }else{
    api_fail(r, 422, "invalid", "activity is required: the name or id of the activity to retry.");
    goto out;
  }
  if( st ){
    db_bind_int64(st, ":r", rel);
    if( json_is_string(v) ) db_bind_text(st, ":n", json_string_value(v));
    else db_bind_int64(st, ":n", (int64_t)json_integer_value(v));
    if( db_step(st)==DB_ROW ) aid = db_col_int64(st, 0);
    db_finish(st);
  }
  if( aid==0 ){
    if( json_is_string(v) ) snprintf(msg, sizeof(msg), "activity: release %lld has no activity '%.80s'.", (long long)rel, json_string_value(v));
    else snprintf(msg, sizeof(msg), "activity: release %lld has no activity %lld.", (long long)rel, (long long)json_integer_value(v));
    api_fail(r, 422, "invalid", msg);
    goto out;
  }
  struct audit_ctx c;
  req_audit_ctx(r, &c);
  int rc = engine_retry(r->app, &c, rel, aid, err, sizeof(err));
  if( rc ) reply_rc(r, rc, err);
  else reply_release(r, 200, rel);
out:
  json_decref(body);
  return HP_OK;
}

/* POST /api/v1/releases/{id}/abort {"reason": "..."} (body optional) — 200 with the release. */
int api_release_abort(struct req *r){
  static const char *const keys[] = { "reason", NULL };
  json_t *body = NULL;
  const char *reason = NULL;
  char err[400] = "";
  if( r->content_length>0 ){
    api_read_json(r, &body);
    if( body==NULL ) return HP_OK;
    if( unknown_key(r, body, keys) || !opt_string(r, body, "reason", 2000, &reason) ) goto out;
  }
  struct audit_ctx c;
  req_audit_ctx(r, &c);
  int rc = engine_abort(r->app, &c, r->ids[0], reason, err, sizeof(err));
  if( rc ) reply_rc(r, rc, err);
  else reply_release(r, 200, r->ids[0]);
out:
  json_decref(body);
  return HP_OK;
}

/* ---------------------------------------------------------------- approvals and activities */

/*
** GET /api/v1/approvals?status=pending[&mine=1][&limit=N][&after=KEY] —
** activities on hold in releases that are running or on hold, most urgent
** first (deadline, then waiting longest: queue.h); not those frozen in a
** failed phase.  mine=1: the ones the caller may act on now (may_act).
** limit 1..500 (default 500); "next" is the KEY of the following page, or
** null on the last.  One statement, an index range however many wait.
*/
int api_release_approvals(struct req *r){
  const char *status = req_query(r, "status"), *mine = req_query(r, "mine"), *after = req_query(r, "after");
  int64_t limit = 500, k[3] = { INT64_MIN, INT64_MIN, INT64_MIN };
  if( status && strcmp(status, "pending")!=0 ) return api_fail(r, 422, "invalid", "status must be pending.");
  if( mine && strcmp(mine, "1")!=0 && strcmp(mine, "0")!=0 && strcmp(mine, "true")!=0 && strcmp(mine, "false")!=0 ){
    return api_fail(r, 422, "invalid", "mine must be 1 or 0.");
  }
  const char *lz = req_query(r, "limit");
  if( lz ){
    char *end;
    long long v = strtoll(lz, &end, 10);
    if( end==lz || *end || v<1 || v>500 ) return api_fail(r, 422, "invalid", "limit must be a number from 1 to 500.");
    limit = v;
  }
  if( after && !queue_parse_key(after, k) ) return api_fail(r, 422, "invalid", "after must be the \"next\" value of an earlier page.");
  int only_mine = mine && (strcmp(mine, "1")==0 || strcmp(mine, "true")==0);
  static const char *const sql[2] = {
#define APPROVALS_COLS(key) \
    "a.id, a.name, a.kind, a.round, a.activated_at, a.deadline_at, rl.id, rl.name, rl.version, p.id, p.name, " key
    QUEUE_ALL(APPROVALS_COLS(QUEUE_ALL_KEY), ">", "ASC"), QUEUE_MINE(APPROVALS_COLS(QUEUE_MINE_KEY), ">", "ASC"),
#undef APPROVALS_COLS
  };
  struct db_stmt *st = db_prepare(r->app->db, sql[only_mine]);
  if( st==NULL ) return api_fail(r, 500, NULL, NULL);
  int64_t lim = only_mine ? QUEUE_MINE_ROWS(limit) : limit + 1;
  if( only_mine ){
    db_bind_int64(st, ":uid", r->user->id);
    db_bind_int64(st, ":now", app_now_ms(r->app));
  }
  db_bind_int64(st, ":lim", lim);
  db_bind_int64(st, ":k1", k[0]);
  db_bind_int64(st, ":k2", k[1]);
  db_bind_int64(st, ":k3", k[2]);
  /* Written as it goes (up to 500 items: a tree of them costs ten times the bytes). */
  struct jsonw w;
  char iso[40];
  int n = 0, more = 0, step, got = 0;
  int64_t last[3] = { 0, 0, 0 };
  api_stream_begin(r, 200, &w);
  jsonw_obj(&w);
  jsonw_key(&w, "approvals");
  jsonw_arr(&w);
  while( (step = db_step(st))==DB_ROW ){
    got++;
    int64_t aid = db_col_int64(st, 0);
    if( n>0 && aid==last[2] ) continue;            /* one activity, for two people (QUEUE_MINE) */
    if( n==limit ){ more = 1; break; }
    jsonw_obj(&w);
    jsonw_key(&w, "id"); jsonw_int(&w, aid);
    jsonw_key(&w, "name"); jsonw_str(&w, db_col_text(st, 1));
    jsonw_key(&w, "kind"); jsonw_str(&w, db_col_text(st, 2));
    jsonw_key(&w, "round"); jsonw_int(&w, db_col_int64(st, 3));
    jsonw_key(&w, "status"); jsonw_str(&w, "on_hold");
    jsonw_key(&w, "release"); jsonw_obj(&w);
    jsonw_key(&w, "id"); jsonw_int(&w, db_col_int64(st, 6));
    jsonw_key(&w, "name"); jsonw_str(&w, db_col_text(st, 7));
    jsonw_key(&w, "version"); jsonw_str(&w, db_col_text(st, 8));
    jsonw_end(&w);
    jsonw_key(&w, "phase"); jsonw_obj(&w);
    jsonw_key(&w, "id"); jsonw_int(&w, db_col_int64(st, 9));
    jsonw_key(&w, "name"); jsonw_str(&w, db_col_text(st, 10));
    jsonw_end(&w);
    jsonw_key(&w, "activated_at");
    jsonw_str(&w, db_col_null(st, 4) ? NULL : app_iso_time(db_col_int64(st, 4), iso, sizeof(iso)));
    jsonw_key(&w, "deadline_at");
    jsonw_str(&w, db_col_null(st, 5) ? NULL : app_iso_time(db_col_int64(st, 5), iso, sizeof(iso)));
    char url[sizeof("/activities/") + UTIL_I64_MAX] = "/activities/";
    util_i64_text(aid, url + sizeof("/activities/") - 1);
    jsonw_key(&w, "url"); jsonw_str(&w, url);
    jsonw_end(&w);
    last[0] = db_col_int64(st, 11);
    last[1] = db_col_int64(st, 12);
    last[2] = aid;
    n++;
  }
  db_finish(st);
  if( step!=DB_ROW && step!=DB_DONE ) return api_fail(r, 500, NULL, NULL);
  if( got==lim ) more = 1;                       /* read up to the bound: there is, or may be, more */
  jsonw_end(&w);
  jsonw_key(&w, "next");
  jsonw_str(&w, more ? arena_printf(&r->arena, "%lld.%lld.%lld", (long long)last[0], (long long)last[1], (long long)last[2])
                     : NULL);
  jsonw_end(&w);
  return api_stream_end(r, &w);
}

/* GET /api/v1/activities/{id} */
int api_release_activity_get(struct req *r){
  json_t *j;
  int rc = api_release_activity_json(r->app, r->ids[0], &j);
  if( rc==HP_NOT_FOUND ) return api_fail(r, 404, NULL, "There is no such activity.");
  if( rc ) return api_fail(r, 500, NULL, "The activity could not be read.");
  json_int_t rel = json_integer_value(json_object_get(json_object_get(j, "release"), "id"));
  if( !mayact_sees_evidence(r->app, r->user->id, r->user->roles, rel, 0) ){
    /* files are listed only to those who may open them (mayact_sees_evidence) */
    size_t n = json_array_size(json_object_get(j, "evidence"));
    json_object_set_new(j, "evidence", json_array());
    json_object_set_new(j, "evidence_hidden", json_pack("{s:I,s:s}", "count", (json_int_t)n,
                                                        "reason", MAYACT_EVIDENCE_REFUSED));
  }
  return api_reply(r, 200, j);
}

/*
** POST /api/v1/activities/{id}/result {"result":"pass"|"warning"|"fail","details":any}
** — complete a running automated activity.  200 with the activity; 404,
** 409 (not an automated activity that is running), 422 (bad result).
*/
int api_release_activity_result(struct req *r){
  static const char *const keys[] = { "result", "details", NULL };
  int64_t id = r->ids[0];
  json_t *body;
  char *details = NULL;
  char err[400] = "";
  api_read_json(r, &body);
  if( body==NULL ) return HP_OK;
  struct db_stmt *st = db_prepare(r->app->db, "SELECT count(*) FROM activities WHERE id=:id");
  int exists = 0;
  if( st ){
    db_bind_int64(st, ":id", id);
    if( db_step(st)==DB_ROW ) exists = db_col_int(st, 0);
    db_finish(st);
  }
  if( !exists ){ api_fail(r, 404, NULL, "There is no such activity."); goto out; }
  if( unknown_key(r, body, keys) ) goto out;
  const char *result = json_string_value(json_object_get(body, "result"));
  if( result==NULL || (strcmp(result, "pass")!=0 && strcmp(result, "warning")!=0 && strcmp(result, "fail")!=0) ){
    api_fail(r, 422, "invalid", "result must be \"pass\", \"warning\" or \"fail\".");
    goto out;
  }
  json_t *d = json_object_get(body, "details");
  if( d && !json_is_null(d) ){
    details = util_json_dumps_typed(d, JSON_ENCODE_ANY|JSON_COMPACT);
    if( details==NULL ){ api_fail(r, 500, NULL, NULL); goto out; }
    if( strlen(details)>MAX_DETAILS ){ api_fail(r, 422, "invalid", "details must be at most 64 KiB of JSON."); goto out; }
  }
  struct audit_ctx c;
  req_audit_ctx(r, &c);
  int rc = engine_result(r->app, &c, id, result, details, err, sizeof(err));
  if( rc ){ reply_rc(r, rc, err); goto out; }
  json_t *j;
  rc = api_release_activity_json(r->app, id, &j);
  if( rc ) api_fail(r, 500, NULL, "The activity could not be read.");
  else api_reply(r, 200, j);
out:
  free(details);
  json_decref(body);
  return HP_OK;
}

/* ---------------------------------------------------------------- change windows and freezes */

static json_t *iso(int64_t ms){
  char buf[40];
  return ms>0 ? json_string(app_iso_time(ms, buf, sizeof(buf))) : json_null();
}

/* GET /api/v1/windows — every change window, and whether it is open now. */
int api_windows_list(struct req *r){
  struct change_window *w;
  int n;
  int64_t now = app_now_ms(r->app);
  if( windows_list(r->app, &r->arena, &w, &n) ) return api_fail(r, 500, NULL, "The windows could not be read.");
  json_t *arr = json_array();
  for(int i=0; i<n; i++){
    int64_t opens = -1;
    int closed = windows_spec_closed(w[i].spec, w[i].time_zone, now, &opens);
    json_array_append_new(arr, json_pack("{s:I,s:{s:s,s:s},s:s,s:s,s:s,s:b,s:o}", "id", (json_int_t)w[i].id,
      "scope", "kind", w[i].scope_kind, "name", w[i].scope_name, "spec", w[i].spec, "time_zone", w[i].time_zone,
      "label", w[i].label, "open_now", closed==0, "next_opening", closed==1 ? iso(opens) : json_null()));
  }
  return api_reply(r, 200, json_pack("{s:o}", "windows", arr));
}

static json_t *freeze_json(const struct freeze *f, int64_t now){
  int64_t end = f->ended_at && f->ended_at<f->ends_at ? f->ended_at : f->ends_at;
  const char *state = end<=now ? "over" : f->starts_at<=now ? "in_force" : "coming";
  return json_pack("{s:I,s:{s:s,s:s},s:o,s:o,s:o,s:s,s:s,s:{s:s,s:s,s:i},s:s,s:s}", "id", (json_int_t)f->id,
    "scope", "kind", f->scope_kind, "name", f->scope_name, "starts_at", iso(f->starts_at), "ends_at", iso(f->ends_at),
    "ended_at", iso(f->ended_at), "time_zone", f->time_zone, "reason", f->reason,
    "approver", "kind", f->approver_kind, "name", f->approver_name, "min", f->approver_min,
    "state", state, "created_by", f->created_by);
}

/* GET /api/v1/freezes — freezes in force or to come, then the last 20 that are over. */
int api_freezes_list(struct req *r){
  struct freeze *f;
  int n;
  int64_t now = app_now_ms(r->app);
  if( freezes_list(r->app, &r->arena, now, 20, &f, &n) ) return api_fail(r, 500, NULL, "The freezes could not be read.");
  json_t *arr = json_array();
  for(int i=0; i<n; i++) json_array_append_new(arr, freeze_json(&f[i], now));
  return api_reply(r, 200, json_pack("{s:o}", "freezes", arr));
}

/* "2026-12-20T00:00Z", with or without seconds and Z: UTC ms, or 0. */
static int64_t api_time(const char *z){
  char b[17];
  int64_t ms;
  size_t n = z ? strlen(z) : 0;
  if( n<16 || n>20 ) return 0;
  const char *rest = z + 16;
  if( rest[0]==':' && rest[1]>='0' && rest[1]<='5' && rest[2]>='0' && rest[2]<='9' ) rest += 3;
  if( rest[0]=='Z' ) rest++;
  if( rest[0] ) return 0;
  memcpy(b, z, 16);
  b[16] = 0;
  if( !util_parse_utc(b, 1, &ms) || b[10]!='T' ) return 0;
  if( z[16]==':' ) ms += ((z[17]-'0')*10 + (z[18]-'0'))*1000;
  return ms;
}

/*
** POST /api/v1/freezes — {"scope":{"kind":"environment","name":"production"}, "starts_at":"…Z",
** "ends_at":"…Z", "reason":"…", "approver":{"kind":"team","name":"cab","min":1}, "time_zone":"Europe/Berlin"}.
*/
int api_freeze_create(struct req *r){
  static const char *const keys[] = { "scope", "starts_at", "ends_at", "reason", "approver", "time_zone", NULL };
  json_t *body;
  api_read_json(r, &body);
  if( body==NULL ) return HP_OK;
  struct freeze_new f;
  memset(&f, 0, sizeof(f));
  const char *starts = NULL, *ends = NULL;
  char field[40] = "", err[300], msg[400];
  json_t *scope = json_object_get(body, "scope"), *ap = json_object_get(body, "approver");
  if( unknown_key(r, body, keys) || !opt_string(r, body, "starts_at", 30, &starts) || !opt_string(r, body, "ends_at", 30, &ends)
   || !opt_string(r, body, "reason", 500, &f.reason) || !opt_string(r, body, "time_zone", UTIL_TZ_MAX, &f.time_zone) ) goto out;
  if( !json_is_object(scope) || !opt_string(r, scope, "kind", 20, &f.scope_kind) || !opt_string(r, scope, "name", 100, &f.scope_name) ){
    if( !json_is_object(scope) ) api_fail(r, 422, "invalid", "scope is required: {\"kind\": \"all\"|\"template\"|\"environment\", \"name\": …}.");
    goto out;
  }
  if( !json_is_object(ap) || !opt_string(r, ap, "kind", 10, &f.approver_kind) || !opt_string(r, ap, "name", 128, &f.approver_name) ){
    if( !json_is_object(ap) ) api_fail(r, 422, "invalid", "approver is required: {\"kind\": \"user\"|\"team\"|\"role\", \"name\": …, \"min\": 1}.");
    goto out;
  }
  json_t *min = json_object_get(ap, "min");
  if( min && !json_is_integer(min) ){ api_fail(r, 422, "invalid", "approver.min must be a number from 1 to 100."); goto out; }
  json_int_t m = min ? json_integer_value(min) : 1;
  f.approver_min = m<1 || m>100 ? 0 : (int)m;         /* 0: freezes_add says "1 to 100" */
  if( f.time_zone==NULL ) f.time_zone = "UTC";
  if( f.scope_name==NULL ) f.scope_name = "";
  if( (f.starts_at = api_time(starts))==0 ){ api_fail(r, 422, "invalid", "starts_at: give a UTC time, such as 2026-12-20T00:00:00Z."); goto out; }
  if( (f.ends_at = api_time(ends))==0 ){ api_fail(r, 422, "invalid", "ends_at: give a UTC time, such as 2027-01-04T08:00:00Z."); goto out; }
  struct audit_ctx c;
  int64_t id;
  req_audit_ctx(r, &c);
  int rc = freezes_add(r->app, &c, &f, &id, field, sizeof(field), err, sizeof(err));
  if( rc==HP_UNPROCESSABLE ){
    static const struct { const char *form, *api; } names[] = {
      { "scope_kind", "scope.kind" }, { "scope_name", "scope.name" }, { "starts", "starts_at" }, { "ends", "ends_at" },
      { "approver_kind", "approver.kind" }, { "approver_name", "approver.name" }, { "approver_min", "approver.min" },
    };
    const char *name = field;
    for(size_t i=0; i<HP_ARRAY_SIZE(names); i++) if( strcmp(names[i].form, field)==0 ) name = names[i].api;
    snprintf(msg, sizeof(msg), "%s: %s", name, err);
    api_fail(r, 422, "invalid", msg);
    goto out;
  }
  if( rc ){ reply_rc(r, rc, err); goto out; }
  struct freeze added;
  if( freezes_get(r->app, &r->arena, id, &added) ){ api_fail(r, 500, NULL, "The freeze could not be read."); goto out; }
  api_reply(r, 201, freeze_json(&added, app_now_ms(r->app)));
out:
  json_decref(body);
  return HP_OK;
}

/* POST /api/v1/freezes/{id}/end — end a freeze now. */
int api_freeze_end(struct req *r){
  struct audit_ctx c;
  char err[200] = "";
  req_audit_ctx(r, &c);
  int rc = freezes_end(r->app, &c, r->ids[0], err, sizeof(err));
  if( rc ) return reply_rc(r, rc, err);
  return api_reply(r, 200, json_pack("{s:I,s:s}", "id", (json_int_t)r->ids[0], "state", "over"));
}

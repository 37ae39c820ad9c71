/* windows.c — change windows and freezes (see windows.h). */
#include "windows.h"
#include "window.h"
#include "policy.h"
#include "mayact.h"
#include "notify.h"
#include "audit.h"
#include "app.h"
#include "arena.h"
#include "db.h"
#include "log.h"
#include "util.h"
#include "hp.h"
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The rows of change_windows / freezes that apply to a release of template :t in phase :p (case aside:
   "Production" is the environment "production"). */
#define IN_SCOPE(x) "(" x "scope_kind='all' OR (" x "scope_kind='template' AND lower(" x "scope_name)=lower(:t))" \
                    " OR (" x "scope_kind='environment' AND lower(" x "scope_name)=lower(:p)))"
/* A freeze in force at :now. */
#define IN_FORCE(x) x "starts_at<=:now AND " x "ends_at>:now AND (" x "ended_at IS NULL OR " x "ended_at>:now)"

static int field_fail(char *field, size_t nfield, const char *f, char *err, size_t nerr, int rc,
                      const char *fmt, ...) __attribute__((format(printf, 7, 8)));
static int field_fail(char *field, size_t nfield, const char *f, char *err, size_t nerr, int rc,
                      const char *fmt, ...){
  if( field && nfield ) snprintf(field, nfield, "%s", f);
  if( err && nerr ){
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, nerr, fmt, ap);
    va_end(ap);
  }
  return rc;
}

/* ---------------------------------------------------------------- is it open? */

static int clock_local(void *ctx, int64_t t, struct tm *out){ return util_tz_local(ctx, t, out); }
static int64_t clock_utc(void *ctx, struct tm *tm){ return util_tz_utc(ctx, tm); }

int windows_spec_closed(const char *spec, const char *zone, int64_t now_ms, int64_t *opens_at){
  struct window w;
  char z[UTIL_TZ_MAX + 1];
  if( window_parse(spec, &w, NULL, 0) ) return -1;
  snprintf(z, sizeof(z), "%s", zone);
  struct window_clock c = { clock_local, clock_utc, z };
  int64_t next = window_next_open(&w, &c, now_ms/1000);
  if( next==now_ms/1000 ) return 0;
  *opens_at = next>=0 ? next*1000 : -1;
  return 1;
}

int windows_closed(struct app *a, const char *template_name, const char *phase_name, int64_t now_ms,
                   int64_t *opens_at){
  struct db_stmt *st = db_prepare(a->db, "SELECT spec, time_zone FROM change_windows WHERE " IN_SCOPE(""));
  if( st==NULL ) return -1;
  db_bind_text(st, ":t", template_name);
  db_bind_text(st, ":p", phase_name);
  int any = 0, open = 0, step;
  int64_t best = -1;
  while( !open && (step = db_step(st))==DB_ROW ){
    int64_t next = -1;
    int c = windows_spec_closed(db_col_text(st, 0), db_col_text(st, 1), now_ms, &next);
    if( c<0 ) continue;                 /* stored specs were checked when they were added */
    any = 1;
    if( c==0 ) open = 1;
    else if( next>=0 && (best<0 || next<best) ) best = next;
  }
  int bad = !open && step!=DB_DONE;
  db_finish(st);
  if( bad ) return -1;
  if( !any || open ) return 0;
  *opens_at = best;
  return 1;
}

const char *windows_describe(struct app *a, struct arena *ar, const char *template_name, const char *phase_name){
  struct db_stmt *st = db_prepare(a->db, "SELECT spec, time_zone, label FROM change_windows WHERE " IN_SCOPE("")
                                       " ORDER BY id");
  if( st==NULL ) return NULL;
  db_bind_text(st, ":t", template_name);
  db_bind_text(st, ":p", phase_name);
  const char *out = NULL;
  while( db_step(st)==DB_ROW ){
    const char *label = db_col_text(st, 2);
    char *one = arena_printf(ar, "%s %s%s%s%s", db_col_text(st, 0), db_col_text(st, 1),
                             label[0] ? " (" : "", label, label[0] ? ")" : "");
    out = out ? arena_printf(ar, "%s; %s", out, one) : one;
  }
  db_finish(st);
  return out;
}

/* ---------------------------------------------------------------- the emergency rule */

/* Append the rule of a freeze to p (once); 0, or -1 when p is full. */
static int add_rule(struct policy *p, const char *kind, const char *name, int min){
  for(int k=0; k<p->nrule; k++){
    const struct policy_rule *r = &p->rule[k];
    if( strcmp(policy_kind_name(r->kind), kind)==0 && strcmp(r->name, name)==0 && r->required
     && r->min==POLICY_MIN_COUNT && r->min_count==min ) return 0;
  }
  if( p->nrule>=POLICY_MAX_RULES ) return -1;
  struct policy_rule *r = &p->rule[p->nrule];
  memset(r, 0, sizeof(*r));
  r->kind = strcmp(kind, "user")==0 ? POLICY_KIND_USER : strcmp(kind, "team")==0 ? POLICY_KIND_TEAM : POLICY_KIND_ROLE;
  snprintf(r->name, sizeof(r->name), "%s", name);
  r->min = POLICY_MIN_COUNT;
  r->min_count = min;
  r->required = true;
  p->nrule++;
  return 0;
}

int windows_policy_at_open(struct app *a, const struct audit_ctx *c, int64_t activity_id, int64_t now){
  struct arena ar;
  struct policy *p = NULL;
  struct db_stmt *st = NULL;
  char *json = NULL;
  int rc = -1, nfreeze = 0;
  int64_t first = 0, release_id = 0;
  arena_init(&ar);
  st = db_prepare(a->db, "SELECT a.kind, a.policy_json, a.template_policy_json, a.release_id, a.name, t.name, p.name"
                         " FROM activities a JOIN releases r ON r.id=a.release_id JOIN templates t ON t.id=r.template_id"
                         " JOIN phases p ON p.id=a.phase_id WHERE a.id=:id");
  if( st==NULL ) goto out;
  db_bind_int64(st, ":id", activity_id);
  if( db_step(st)!=DB_ROW ) goto out;
  if( strcmp(db_col_text(st, 0), "approval")!=0 ){ rc = 0; goto out; }
  const char *policy = db_col_dup(&ar, st, 1), *tpolicy = db_col_dup(&ar, st, 2);
  const char *aname = db_col_dup(&ar, st, 4), *tname = db_col_dup(&ar, st, 5), *pname = db_col_dup(&ar, st, 6);
  release_id = db_col_int64(st, 3);
  db_finish(st);
  const char *base = tpolicy ? tpolicy : policy;
  char perr[200];
  if( base==NULL || policy_parse(base, &p, perr, sizeof(perr))!=POLICY_OK ) goto out;

  st = db_prepare(a->db, "SELECT id, reason, approver_kind, approver_name, approver_min FROM freezes"
                         " WHERE " IN_FORCE("") " AND " IN_SCOPE("") " ORDER BY starts_at, id");
  if( st==NULL ) goto out;
  db_bind_int64(st, ":now", now);
  db_bind_text(st, ":t", tname);
  db_bind_text(st, ":p", pname);
  int step;
  while( (step = db_step(st))==DB_ROW ){
    if( add_rule(p, db_col_text(st, 2), db_col_text(st, 3), db_col_int(st, 4)) ){
      log_msg("windows: activity %lld cannot take the rule of freeze %lld: it has %d rules already",
              (long long)activity_id, (long long)db_col_int64(st, 0), POLICY_MAX_RULES);
      goto out;
    }
    if( nfreeze++==0 ) first = db_col_int64(st, 0);
    if( audit_append(a, c, "activity.freeze_rule", "activity", activity_id, release_id, "{s:s,s:I,s:s,s:s,s:s,s:i}",
                     "activity", aname, "freeze", (json_int_t)db_col_int64(st, 0), "reason", db_col_text(st, 1),
                     "approver_kind", db_col_text(st, 2), "approver_name", db_col_text(st, 3),
                     "approver_min", db_col_int(st, 4)) ) goto out;
  }
  if( step!=DB_DONE ) goto out;
  db_finish(st);
  st = NULL;
  if( nfreeze==0 && tpolicy==NULL ){ rc = 0; goto out; }
  if( nfreeze && policy_to_json(p, &json)!=POLICY_OK ) goto out;
  st = db_prepare(a->db, "UPDATE activities SET policy_json=:pol, template_policy_json=:tpol, freeze_id=:f WHERE id=:id");
  if( st==NULL ) goto out;
  db_bind_text(st, ":pol", nfreeze ? json : base);
  db_bind_text(st, ":tpol", nfreeze ? base : NULL);
  if( nfreeze ) db_bind_int64(st, ":f", first);
  else db_bind_null(st, ":f");
  db_bind_int64(st, ":id", activity_id);
  if( db_step(st)!=DB_DONE ) goto out;
  rc = 0;
out:
  db_finish(st);
  free(json);
  policy_free(p);
  arena_free(&ar);
  return rc;
}

/* Give one approval already waiting the rule of freeze f.  0, -1. */
static int freeze_one(struct app *a, const struct audit_ctx *c, int64_t activity_id, int64_t freeze_id,
                      const char *reason, const char *kind, const char *name, int min){
  struct arena ar;
  struct policy *p = NULL;
  char *json = NULL, perr[200];
  int rc = -1;
  arena_init(&ar);
  struct db_stmt *st = db_prepare(a->db, "SELECT policy_json, template_policy_json, round, release_id, name"
                                       " FROM activities WHERE id=:id AND status='on_hold'");
  if( st==NULL ) goto out;
  db_bind_int64(st, ":id", activity_id);
  if( db_step(st)!=DB_ROW ){ rc = 0; goto out; }
  const char *policy = db_col_dup(&ar, st, 0), *tpolicy = db_col_dup(&ar, st, 1), *aname = db_col_dup(&ar, st, 4);
  int round = db_col_int(st, 2);
  int64_t release_id = db_col_int64(st, 3);
  db_finish(st);
  st = NULL;
  if( policy==NULL || policy_parse(policy, &p, perr, sizeof(perr))!=POLICY_OK ) goto out;
  int before = p->nrule;
  if( add_rule(p, kind, name, min) ) goto out;
  if( p->nrule==before ){ rc = 0; goto out; }             /* it has that rule already */
  if( policy_to_json(p, &json)!=POLICY_OK ) goto out;
  st = db_prepare(a->db, "UPDATE activities SET policy_json=:pol, template_policy_json=coalesce(template_policy_json,:tpol),"
                         " freeze_id=coalesce(freeze_id,:f) WHERE id=:id");
  if( st==NULL ) goto out;
  db_bind_text(st, ":pol", json);
  db_bind_text(st, ":tpol", tpolicy ? tpolicy : policy);
  db_bind_int64(st, ":f", freeze_id);
  db_bind_int64(st, ":id", activity_id);
  if( db_step(st)!=DB_DONE ) goto out;
  if( mayact_snapshot_group(a, activity_id, round, before, kind, name) || mayact_refresh(a, activity_id) ) goto out;
  {
    /* The emergency approvers are told it waits for them too (the others were told when it opened). */
    int64_t people[MAYACT_MAX_NOTIFY];
    size_t n = 0;
    st = db_prepare(a->db, "SELECT user_id FROM eligible WHERE activity_id=:a AND round=:r AND rule_index=:i"
                           " ORDER BY user_id LIMIT :lim");
    if( st==NULL ) goto out;
    db_bind_int64(st, ":a", activity_id);
    db_bind_int64(st, ":r", round);
    db_bind_int64(st, ":i", before);
    db_bind_int64(st, ":lim", MAYACT_MAX_NOTIFY);
    while( db_step(st)==DB_ROW ) people[n++] = db_col_int64(st, 0);
    db_finish(st);
    st = NULL;
    if( n && notify_activity_event(a, activity_id, "waiting", people, n) ) goto out;
  }
  if( audit_append(a, c, "activity.freeze_rule", "activity", activity_id, release_id, "{s:s,s:I,s:s,s:s,s:s,s:i,s:b}",
                   "activity", aname, "freeze", (json_int_t)freeze_id, "reason", reason, "approver_kind", kind,
                   "approver_name", name, "approver_min", min, "while_waiting", 1) ) goto out;
  rc = 0;
out:
  db_finish(st);
  free(json);
  policy_free(p);
  arena_free(&ar);
  return rc;
}

int windows_freeze_tick(struct app *a, int64_t now){
  struct arena ar;
  int rc = 0;
  arena_init(&ar);
  struct db_stmt *st = db_prepare(a->db, "SELECT id, starts_at, scope_kind, scope_name, reason, approver_kind,"
                                       " approver_name, approver_min FROM freezes WHERE applied_at IS NULL AND "
                                       IN_FORCE("") " ORDER BY id LIMIT 20");
  if( st==NULL ) return -1;
  db_bind_int64(st, ":now", now);
  struct { int64_t id, starts; const char *kind, *name, *reason, *akind, *aname; int amin; } f[20];
  int n = 0;
  while( n<20 && db_step(st)==DB_ROW ){
    f[n].id = db_col_int64(st, 0);
    f[n].starts = db_col_int64(st, 1);
    f[n].kind = db_col_dup(&ar, st, 2);
    f[n].name = db_col_dup(&ar, st, 3);
    f[n].reason = db_col_dup(&ar, st, 4);
    f[n].akind = db_col_dup(&ar, st, 5);
    f[n].aname = db_col_dup(&ar, st, 6);
    f[n].amin = db_col_int(st, 7);
    n++;
  }
  db_finish(st);
  struct audit_ctx sys = { 0, "holdpoint (freeze)", 0, "", "", "", "" };
  for(int i=0; i<n; i++){
    if( db_begin_write(a->db) ){ rc = -1; break; }
    int bad = 0;
    /* Approvals waiting in its scope (freeze_one leaves those that have its rule already). */
    st = db_prepare(a->db, "SELECT x.id FROM activities x JOIN releases r ON r.id=x.release_id"
                           " JOIN templates t ON t.id=r.template_id JOIN phases p ON p.id=x.phase_id,"
                           " freezes f WHERE f.id=:f AND x.status='on_hold' AND x.kind='approval'"
                           " AND (f.scope_kind='all' OR (f.scope_kind='template' AND lower(f.scope_name)=lower(t.name))"
                           "  OR (f.scope_kind='environment' AND lower(f.scope_name)=lower(p.name)))");
    int64_t *ids = NULL;
    int nid = 0, cap = 0;
    if( st==NULL ) bad = 1;
    else{
      db_bind_int64(st, ":f", f[i].id);
      int step;
      while( (step = db_step(st))==DB_ROW ){
        if( nid==cap ){
          cap = cap ? cap*2 : 16;
          int64_t *nn = realloc(ids, (size_t)cap*sizeof(*ids));
          if( nn==NULL ){ bad = 1; break; }
          ids = nn;
        }
        ids[nid++] = db_col_int64(st, 0);
      }
      if( step!=DB_DONE && step!=DB_ROW ) bad = 1;
      db_finish(st);
    }
    for(int k=0; !bad && k<nid; k++){
      bad = freeze_one(a, &sys, ids[k], f[i].id, f[i].reason, f[i].akind, f[i].aname, f[i].amin)!=0;
    }
    free(ids);
    if( !bad ){
      st = db_prepare(a->db, "UPDATE freezes SET applied_at=:now WHERE id=:id");
      bad = st==NULL;
      if( st ){
        db_bind_int64(st, ":now", now);
        db_bind_int64(st, ":id", f[i].id);
        bad = db_step(st)!=DB_DONE;
        db_finish(st);
      }
    }
    if( bad || db_commit(a->db) ){
      db_rollback(a->db);
      log_msg("windows: freeze %lld could not be applied to the approvals waiting", (long long)f[i].id);
      rc = -1;
    }
  }
  arena_free(&ar);
  return rc;
}

/* ---------------------------------------------------------------- administration */

/* The windows changed: every scheduled activity is looked at again by the job runner's next tick. */
static int reconsider_scheduled(struct app *a){
  struct db_stmt *st = db_prepare(a->db, "UPDATE activities SET scheduled_until=:now WHERE status='scheduled'");
  if( st==NULL ) return -1;
  db_bind_int64(st, ":now", app_now_ms(a));
  int rc = db_step(st)==DB_DONE ? 0 : -1;
  db_finish(st);
  return rc;
}

static int scope_ok(struct app *a, const char *kind, const char *name, char *field, size_t nfield,
                    char *err, size_t nerr){
  if( kind==NULL || (strcmp(kind, "all")!=0 && strcmp(kind, "template")!=0 && strcmp(kind, "environment")!=0) ){
    return field_fail(field, nfield, "scope_kind", err, nerr, HP_UNPROCESSABLE,
                      "Choose what it applies to: every release, one template or one environment.");
  }
  if( strcmp(kind, "all")==0 ) return HP_OK;
  if( name==NULL || name[0]==0 ){
    return field_fail(field, nfield, "scope_name", err, nerr, HP_UNPROCESSABLE,
                      strcmp(kind, "template")==0 ? "Name the template." : "Name the environment (a phase name, such as production).");
  }
  if( strlen(name)>100 || !util_utf8_ok(name, strlen(name)) ){
    return field_fail(field, nfield, "scope_name", err, nerr, HP_UNPROCESSABLE, "A name is at most 100 characters.");
  }
  for(const char *p = name; *p; p++){
    if( (unsigned char)*p<0x20 ) return field_fail(field, nfield, "scope_name", err, nerr, HP_UNPROCESSABLE,
                                                   "A name has no control characters.");
  }
  if( strcmp(kind, "template")==0 ){
    struct db_stmt *st = db_prepare(a->db, "SELECT 1 FROM templates WHERE lower(name)=lower(:n) LIMIT 1");
    if( st==NULL ) return HP_ERROR;
    db_bind_text(st, ":n", name);
    int found = db_step(st)==DB_ROW;
    db_finish(st);
    if( !found ) return field_fail(field, nfield, "scope_name", err, nerr, HP_UNPROCESSABLE,
                                   "There is no template named \"%s\".", name);
  }
  return HP_OK;
}

int windows_add(struct app *a, const struct audit_ctx *c, const char *scope_kind, const char *scope_name,
                const char *spec, const char *time_zone, const char *label, int64_t *id,
                char *field, size_t nfield, char *err, size_t nerr){
  struct window w;
  char canon[80], why[200];
  int rc = scope_ok(a, scope_kind, scope_name, field, nfield, err, nerr);
  if( rc ) return rc;
  if( window_parse(spec, &w, why, sizeof(why)) ){
    return field_fail(field, nfield, "spec", err, nerr, HP_UNPROCESSABLE, "%s", why);
  }
  if( time_zone==NULL || !util_tz_valid(time_zone) ){
    return field_fail(field, nfield, "time_zone", err, nerr, HP_UNPROCESSABLE,
                      "Choose a time zone from the list (such as Europe/Berlin).");
  }
  if( label==NULL ) label = "";
  if( strlen(label)>100 || !util_utf8_ok(label, strlen(label)) ){
    return field_fail(field, nfield, "label", err, nerr, HP_UNPROCESSABLE, "A label is at most 100 characters.");
  }
  window_format(&w, canon, sizeof(canon));
  if( strcmp(scope_kind, "all")==0 ) scope_name = "";
  if( db_begin_write(a->db) ) return field_fail(field, nfield, "", err, nerr, HP_UNAVAILABLE, "The database is busy; try again.");
  struct db_stmt *st = db_prepare(a->db, "INSERT INTO change_windows(scope_kind,scope_name,spec,time_zone,label,created_by,created_at)"
                                       " VALUES(:k,:n,:s,:z,:l,:by,:now)");
  int bad = st==NULL;
  if( st ){
    db_bind_text(st, ":k", scope_kind);
    db_bind_text(st, ":n", scope_name);
    db_bind_text(st, ":s", canon);
    db_bind_text(st, ":z", time_zone);
    db_bind_text(st, ":l", label);
    if( c->actor_id ) db_bind_int64(st, ":by", c->actor_id);
    else db_bind_null(st, ":by");
    db_bind_int64(st, ":now", app_now_ms(a));
    bad = db_step(st)!=DB_DONE;
    db_finish(st);
  }
  *id = db_last_id(a->db);
  if( bad || reconsider_scheduled(a) || audit_append(a, c, "window.add", "window", *id, 0, "{s:s,s:s,s:s,s:s,s:s}", "scope", scope_kind,
                          "name", scope_name, "spec", canon, "time_zone", time_zone, "label", label)
   || db_commit(a->db) ){
    db_rollback(a->db);
    return field_fail(field, nfield, "", err, nerr, HP_ERROR, "The window could not be saved.");
  }
  return HP_OK;
}

int windows_remove(struct app *a, const struct audit_ctx *c, int64_t id, char *err, size_t nerr){
  if( db_begin_write(a->db) ) return field_fail(NULL, 0, "", err, nerr, HP_UNAVAILABLE, "The database is busy; try again.");
  struct db_stmt *st = db_prepare(a->db, "DELETE FROM change_windows WHERE id=:id RETURNING scope_kind, scope_name, spec, time_zone");
  int rc = HP_ERROR;
  if( st ){
    db_bind_int64(st, ":id", id);
    int step = db_step(st);
    if( step==DB_ROW ){
      rc = audit_append(a, c, "window.remove", "window", id, 0, "{s:s,s:s,s:s,s:s}", "scope", db_col_text(st, 0),
                        "name", db_col_text(st, 1), "spec", db_col_text(st, 2), "time_zone", db_col_text(st, 3)) ? HP_ERROR : HP_OK;
      db_step(st);
    }else if( step==DB_DONE ){
      rc = HP_NOT_FOUND;
    }
    db_finish(st);
  }
  if( rc==HP_OK && reconsider_scheduled(a) ) rc = HP_ERROR;
  if( rc!=HP_OK || db_commit(a->db) ){
    db_rollback(a->db);
    if( rc==HP_NOT_FOUND ) return field_fail(NULL, 0, "", err, nerr, rc, "There is no window %lld.", (long long)id);
    return field_fail(NULL, 0, "", err, nerr, HP_ERROR, "The window could not be removed.");
  }
  return HP_OK;
}

int windows_list(struct app *a, struct arena *ar, struct change_window **out, int *n){
  *out = NULL;
  *n = 0;
  int cap = (int)db_int(a->db, "SELECT count(*) FROM change_windows", 0);
  if( cap==0 ) return HP_OK;
  struct change_window *w = arena_alloc(ar, (size_t)cap*sizeof(*w));
  struct db_stmt *st = db_prepare(a->db, "SELECT w.id, w.scope_kind, w.scope_name, w.spec, w.time_zone, w.label,"
                                       " coalesce(u.username,'holdpoint'), w.created_at FROM change_windows w"
                                       " LEFT JOIN users u ON u.id=w.created_by ORDER BY w.scope_kind, w.scope_name, w.id");
  if( w==NULL || st==NULL ){ db_finish(st); return HP_ERROR; }
  while( *n<cap && db_step(st)==DB_ROW ){
    struct change_window *x = &w[(*n)++];
    x->id = db_col_int64(st, 0);
    x->scope_kind = db_col_dup(ar, st, 1);
    x->scope_name = db_col_dup(ar, st, 2);
    x->spec = db_col_dup(ar, st, 3);
    x->time_zone = db_col_dup(ar, st, 4);
    x->label = db_col_dup(ar, st, 5);
    x->created_by = db_col_dup(ar, st, 6);
    x->created_at = db_col_int64(st, 7);
  }
  db_finish(st);
  *out = w;
  return HP_OK;
}

int freezes_add(struct app *a, const struct audit_ctx *c, const struct freeze_new *f, int64_t *id,
                char *field, size_t nfield, char *err, size_t nerr){
  int rc = scope_ok(a, f->scope_kind, f->scope_name, field, nfield, err, nerr);
  if( rc ) return rc;
  int64_t now = app_now_ms(a);
  if( f->reason==NULL || f->reason[0]==0 ){
    return field_fail(field, nfield, "reason", err, nerr, HP_UNPROCESSABLE, "Say why: people waiting for an approval read it.");
  }
  if( strlen(f->reason)>500 || !util_utf8_ok(f->reason, strlen(f->reason)) ){
    return field_fail(field, nfield, "reason", err, nerr, HP_UNPROCESSABLE, "The reason is at most 500 characters.");
  }
  if( f->time_zone==NULL || !util_tz_valid(f->time_zone) ){
    return field_fail(field, nfield, "time_zone", err, nerr, HP_UNPROCESSABLE, "Choose a time zone from the list (such as Europe/Berlin).");
  }
  if( f->starts_at<=0 ) return field_fail(field, nfield, "starts", err, nerr, HP_UNPROCESSABLE, "Give the date and time the freeze begins.");
  if( f->ends_at<=0 ) return field_fail(field, nfield, "ends", err, nerr, HP_UNPROCESSABLE, "Give the date and time the freeze ends.");
  if( f->ends_at<=f->starts_at ) return field_fail(field, nfield, "ends", err, nerr, HP_UNPROCESSABLE, "The freeze must end after it begins.");
  if( f->ends_at<=now ) return field_fail(field, nfield, "ends", err, nerr, HP_UNPROCESSABLE, "That freeze would be over already.");
  const char *ak = f->approver_kind;
  if( ak==NULL || (strcmp(ak, "user")!=0 && strcmp(ak, "team")!=0 && strcmp(ak, "role")!=0) ){
    return field_fail(field, nfield, "approver_kind", err, nerr, HP_UNPROCESSABLE, "The emergency approver is a person, a team or a role.");
  }
  if( f->approver_name==NULL || f->approver_name[0]==0 ){
    return field_fail(field, nfield, "approver_name", err, nerr, HP_UNPROCESSABLE, "Name the emergency approver.");
  }
  if( f->approver_min<1 || f->approver_min>100 ){
    return field_fail(field, nfield, "approver_min", err, nerr, HP_UNPROCESSABLE, "The emergency rule needs 1 to 100 approvals.");
  }
  int size = mayact_group_size(a, ak, f->approver_name);
  if( size<0 ) return field_fail(field, nfield, "", err, nerr, HP_ERROR, "The directory could not be read.");
  if( size<f->approver_min ){
    return field_fail(field, nfield, "approver_name", err, nerr, HP_UNPROCESSABLE,
                      size==0 ? "There is no enabled %s named \"%s\" (or nobody in it): nobody could approve."
                              : "The %s \"%s\" has fewer enabled people than the approvals the rule needs.",
                      ak, f->approver_name);
  }
  const char *name = strcmp(f->scope_kind, "all")==0 ? "" : f->scope_name;
  if( db_begin_write(a->db) ) return field_fail(field, nfield, "", err, nerr, HP_UNAVAILABLE, "The database is busy; try again.");
  struct db_stmt *st = db_prepare(a->db, "INSERT INTO freezes(scope_kind,scope_name,starts_at,ends_at,time_zone,reason,"
                                       "approver_kind,approver_name,approver_min,created_by,created_at)"
                                       " VALUES(:k,:n,:s,:e,:z,:r,:ak,:an,:am,:by,:now)");
  int bad = st==NULL;
  if( st ){
    db_bind_text(st, ":k", f->scope_kind);
    db_bind_text(st, ":n", name);
    db_bind_int64(st, ":s", f->starts_at);
    db_bind_int64(st, ":e", f->ends_at);
    db_bind_text(st, ":z", f->time_zone);
    db_bind_text(st, ":r", f->reason);
    db_bind_text(st, ":ak", ak);
    db_bind_text(st, ":an", f->approver_name);
    db_bind_int64(st, ":am", f->approver_min);
    if( c->actor_id ) db_bind_int64(st, ":by", c->actor_id);
    else db_bind_null(st, ":by");
    db_bind_int64(st, ":now", now);
    bad = db_step(st)!=DB_DONE;
    db_finish(st);
  }
  *id = db_last_id(a->db);
  char s1[40], s2[40];
  if( bad || audit_append(a, c, "freeze.add", "freeze", *id, 0, "{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:i}",
                          "scope", f->scope_kind, "name", name, "starts", app_iso_time(f->starts_at, s1, sizeof(s1)),
                          "ends", app_iso_time(f->ends_at, s2, sizeof(s2)), "reason", f->reason,
                          "approver_kind", ak, "approver_name", f->approver_name, "approver_min", f->approver_min)
   || db_commit(a->db) ){
    db_rollback(a->db);
    return field_fail(field, nfield, "", err, nerr, HP_ERROR, "The freeze could not be saved.");
  }
  return HP_OK;
}

int freezes_end(struct app *a, const struct audit_ctx *c, int64_t id, char *err, size_t nerr){
  int64_t now = app_now_ms(a);
  if( db_begin_write(a->db) ) return field_fail(NULL, 0, "", err, nerr, HP_UNAVAILABLE, "The database is busy; try again.");
  int rc = HP_ERROR;
  struct db_stmt *st = db_prepare(a->db, "UPDATE freezes SET ended_at=:now, ended_by=:by WHERE id=:id AND ends_at>:now"
                                       " AND ended_at IS NULL RETURNING reason");
  if( st ){
    db_bind_int64(st, ":now", now);
    db_bind_int64(st, ":id", id);
    if( c->actor_id ) db_bind_int64(st, ":by", c->actor_id);
    else db_bind_null(st, ":by");
    int step = db_step(st);
    if( step==DB_ROW ){
      rc = audit_append(a, c, "freeze.end", "freeze", id, 0, "{s:s}", "reason", db_col_text(st, 0)) ? HP_ERROR : HP_OK;
      db_step(st);
    }else if( step==DB_DONE ){
      struct db_stmt *q = db_prepare(a->db, "SELECT 1 FROM freezes WHERE id=:id");
      if( q ){
        db_bind_int64(q, ":id", id);
        rc = db_step(q)==DB_ROW ? HP_CONFLICT : HP_NOT_FOUND;
        db_finish(q);
      }
    }
    db_finish(st);
  }
  if( rc==HP_CONFLICT || rc==HP_NOT_FOUND ){
    db_rollback(a->db);
    return field_fail(NULL, 0, "", err, nerr, rc, rc==HP_NOT_FOUND ? "There is no such freeze." : "That freeze is over already.");
  }
  if( rc!=HP_OK || db_commit(a->db) ){
    db_rollback(a->db);
    return field_fail(NULL, 0, "", err, nerr, HP_ERROR, "The freeze could not be ended.");
  }
  return HP_OK;
}

#define FREEZE_COLS "f.id, f.scope_kind, f.scope_name, f.starts_at, f.ends_at, f.ended_at, f.time_zone, f.reason," \
                    " f.approver_kind, f.approver_name, f.approver_min, coalesce(u.username,'holdpoint'), f.created_at"

static void freeze_row(struct arena *ar, struct db_stmt *st, struct freeze *x){
  x->id = db_col_int64(st, 0);
  x->scope_kind = db_col_dup(ar, st, 1);
  x->scope_name = db_col_dup(ar, st, 2);
  x->starts_at = db_col_int64(st, 3);
  x->ends_at = db_col_int64(st, 4);
  x->ended_at = db_col_null(st, 5) ? 0 : db_col_int64(st, 5);
  x->time_zone = db_col_dup(ar, st, 6);
  x->reason = db_col_dup(ar, st, 7);
  x->approver_kind = db_col_dup(ar, st, 8);
  x->approver_name = db_col_dup(ar, st, 9);
  x->approver_min = db_col_int(st, 10);
  x->created_by = db_col_dup(ar, st, 11);
  x->created_at = db_col_int64(st, 12);
}

static int freeze_query(struct app *a, struct arena *ar, const char *sql, int64_t now, int64_t id, int limit,
                        struct freeze **out, int *n){
  *out = NULL;
  *n = 0;
  struct freeze *f = arena_alloc(ar, (size_t)limit*sizeof(*f));
  struct db_stmt *st = db_prepare(a->db, sql);
  if( f==NULL || st==NULL ){ db_finish(st); return HP_ERROR; }
  if( db_has_param(st, ":now") ) db_bind_int64(st, ":now", now);
  if( db_has_param(st, ":id") ) db_bind_int64(st, ":id", id);
  db_bind_int64(st, ":lim", limit);
  while( *n<limit && db_step(st)==DB_ROW ) freeze_row(ar, st, &f[(*n)++]);
  db_finish(st);
  *out = f;
  return HP_OK;
}

int freezes_list(struct app *a, struct arena *ar, int64_t now, int past, struct freeze **out, int *n){
  struct freeze *cur, *old;
  int ncur, nold;
  if( freeze_query(a, ar, "SELECT " FREEZE_COLS " FROM freezes f LEFT JOIN users u ON u.id=f.created_by"
                          " WHERE f.ends_at>:now AND (f.ended_at IS NULL OR f.ended_at>:now) ORDER BY f.starts_at, f.id LIMIT :lim",
                   now, 0, 200, &cur, &ncur)
   || freeze_query(a, ar, "SELECT " FREEZE_COLS " FROM freezes f LEFT JOIN users u ON u.id=f.created_by"
                          " WHERE f.ends_at<=:now OR f.ended_at<=:now ORDER BY f.ends_at DESC, f.id DESC LIMIT :lim",
                   now, 0, past>0 ? past : 1, &old, &nold) ) return HP_ERROR;
  if( past<=0 ) nold = 0;
  *out = arena_alloc(ar, (size_t)(ncur + nold + 1)*sizeof(**out));
  if( *out==NULL ) return HP_ERROR;
  memcpy(*out, cur, (size_t)ncur*sizeof(*cur));
  memcpy(*out + ncur, old, (size_t)nold*sizeof(*old));
  *n = ncur + nold;
  return HP_OK;
}

int freezes_get(struct app *a, struct arena *ar, int64_t id, struct freeze *out){
  struct freeze *f;
  int n;
  if( freeze_query(a, ar, "SELECT " FREEZE_COLS " FROM freezes f LEFT JOIN users u ON u.id=f.created_by"
                          " WHERE f.id=:id LIMIT :lim", 0, id, 1, &f, &n) ) return HP_ERROR;
  if( n==0 ) return HP_NOT_FOUND;
  *out = f[0];
  return HP_OK;
}

int freezes_of_activity(struct app *a, struct arena *ar, int64_t activity_id, struct freeze **out, int *n){
  return freeze_query(a, ar, "SELECT " FREEZE_COLS " FROM activities x JOIN freezes f ON f.id=x.freeze_id"
                             " LEFT JOIN users u ON u.id=f.created_by WHERE x.id=:id LIMIT :lim",
                      0, activity_id, 1, out, n);
}

/* mayact.c — who may act on each open activity: computed from the pure policy, stored in may_act. */
#include "mayact.h"
#include "app.h"
#include "db.h"
#include "audit.h"
#include "policy.h"
#include "log.h"
#include "notify.h"
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* Column order of the activity query: read by name, not by position. */
enum {
  C_ID, C_RELEASE, C_STARTED_BY, C_DEADLINE_AT, C_DEADLINE_S, C_RESPONSIBLE_ID, C_ROUND, C_SIG_REQ,
  C_ESCALATED, C_NAME, C_KIND, C_STATUS, C_REL_STATUS, C_PHASE_STATUS, C_POLICY, C_SIG_MEANING,
  C_RESP_KIND, C_RESP_NAME, C_ON_TIMEOUT, C_REMINDERS
};

int mayact_load(struct app *a, struct arena *ar, int64_t id, struct mayact_act *w){
  struct db_stmt *st = db_prepare(a->db,
    "SELECT a.id, a.release_id, r.started_by, a.deadline_at, a.deadline_s, a.responsible_user_id,"
    " a.round, a.signature_required, a.escalated, a.name, a.kind, a.status, r.status, p.status, a.policy_json,"
    " a.signature_meaning, a.responsible_kind, a.responsible_name, a.on_timeout_json, a.reminders_json"
    " FROM activities a JOIN releases r ON r.id=a.release_id JOIN phases p ON p.id=a.phase_id WHERE a.id=:id");
  int found = 0;
  memset(w, 0, sizeof(*w));
  if( st==NULL ) return 0;
  db_bind_int64(st, ":id", id);
  if( db_step(st)==DB_ROW ){
    w->id = db_col_int64(st, C_ID);
    w->release_id = db_col_int64(st, C_RELEASE);
    w->started_by = db_col_int64(st, C_STARTED_BY);
    w->deadline_at = db_col_null(st, C_DEADLINE_AT) ? 0 : db_col_int64(st, C_DEADLINE_AT);
    w->deadline_s = db_col_int64(st, C_DEADLINE_S);
    w->responsible_user_id = db_col_int64(st, C_RESPONSIBLE_ID);
    w->round = db_col_int(st, C_ROUND);
    w->signature_required = db_col_int(st, C_SIG_REQ);
    w->escalated = db_col_int(st, C_ESCALATED);
    w->name = db_col_dup(ar, st, C_NAME);
    w->kind = db_col_dup(ar, st, C_KIND);
    w->status = db_col_dup(ar, st, C_STATUS);
    w->release_status = db_col_dup(ar, st, C_REL_STATUS);
    w->phase_status = db_col_dup(ar, st, C_PHASE_STATUS);
    w->policy_json = db_col_dup(ar, st, C_POLICY);
    w->signature_meaning = db_col_dup(ar, st, C_SIG_MEANING);
    w->responsible_kind = db_col_dup(ar, st, C_RESP_KIND);
    w->responsible_name = db_col_dup(ar, st, C_RESP_NAME);
    w->on_timeout_json = db_col_dup(ar, st, C_ON_TIMEOUT);
    w->reminders_json = db_col_dup(ar, st, C_REMINDERS);
    found = w->name && w->kind && w->status && w->release_status && w->phase_status;
  }
  db_finish(st);
  return found;
}

int mayact_groups(struct app *a, struct arena *ar, const struct mayact_act *w, const struct policy *p,
                  struct policy_group *groups){
  int64_t *ids[POLICY_MAX_RULES + 1];
  size_t cnt[POLICY_MAX_RULES + 1], cap[POLICY_MAX_RULES + 1];
  int nr = p->nrule;
  memset(cnt, 0, sizeof(cnt));
  memset(cap, 0, sizeof(cap));
  for(int k=0; k<=nr; k++){ ids[k] = arena_grow(ar, NULL, 0, &cap[k], sizeof(int64_t)); if( !ids[k] ) return -1; }
  struct db_stmt *st = db_prepare(a->db, "SELECT rule_index, user_id FROM eligible"
                                       " WHERE activity_id=:a AND round=:r ORDER BY rule_index, user_id");
  if( st==NULL ) return -1;
  db_bind_int64(st, ":a", w->id);
  db_bind_int64(st, ":r", w->round);
  while( db_step(st)==DB_ROW ){
    int k = db_col_int(st, 0);
    k = (k<0 || k>=nr) ? nr : k;                /* slot nr holds the escalated people */
    if( (ids[k] = arena_grow(ar, ids[k], cnt[k], &cap[k], sizeof(int64_t)))==NULL ){ db_finish(st); return -1; }
    ids[k][cnt[k]++] = db_col_int64(st, 1);
  }
  db_finish(st);
  for(int k=0; k<nr; k++){
    groups[k].user_ids = ids[k];
    groups[k].n = cnt[k];
    groups[k].required = 0;
  }
  if( cnt[nr]==0 ) return 0;
  /* Fix the required counts over the original groups, then widen them. */
  struct policy_status base;
  if( policy_evaluate(p, groups, w->started_by>0 ? w->started_by : 1, NULL, 0, &base)!=POLICY_OK ) return -1;
  for(int k=0; k<nr; k++){
    int64_t *n = arena_alloc(ar, (cnt[k] + cnt[nr] + 1)*sizeof(int64_t));
    if( n==NULL ) return -1;
    memcpy(n, ids[k], cnt[k]*sizeof(int64_t));
    memcpy(n + cnt[k], ids[nr], cnt[nr]*sizeof(int64_t));
    groups[k].user_ids = n;
    groups[k].n = cnt[k] + cnt[nr];
    groups[k].required = base.rule[k].required > 0 ? base.rule[k].required : 0;
  }
  return 0;
}

int mayact_votes(struct app *a, struct arena *ar, const struct mayact_act *w,
                 struct policy_vote **out, size_t *nout){
  size_t cap = 0, n = 0;
  struct policy_vote *v = arena_grow(ar, NULL, 0, &cap, sizeof(*v));
  if( v==NULL ) return -1;
  struct db_stmt *st = db_prepare(a->db, "SELECT user_id, actor_id, decision FROM decisions"
    " WHERE activity_id=:a AND round=:r AND decision IN ('approve','reject') ORDER BY id");
  if( st==NULL ) return -1;
  db_bind_int64(st, ":a", w->id);
  db_bind_int64(st, ":r", w->round);
  while( db_step(st)==DB_ROW ){
    if( (v = arena_grow(ar, v, n, &cap, sizeof(*v)))==NULL ){ db_finish(st); return -1; }
    int64_t principal = db_col_int64(st, 0), actor = db_col_int64(st, 1);
    v[n].user_id = actor;
    v[n].acting_for = principal!=actor ? principal : 0;
    v[n].decision = strcmp(db_col_text(st, 2), "approve")==0 ? POLICY_APPROVE : POLICY_REJECT;
    n++;
  }
  db_finish(st);
  *out = v;
  *nout = n;
  return 0;
}

/* The enabled people of a group, as SQL selecting a column `uid` with :n bound to the name; NULL for an unknown kind. */
static const char *group_sql(const char *kind){
  if( kind==NULL ) return NULL;
  if( strcmp(kind, "user")==0 ) return "SELECT id AS uid FROM users WHERE username=:n AND disabled=0";
  if( strcmp(kind, "team")==0 ) return "SELECT m.user_id AS uid FROM team_members m JOIN teams t ON t.id=m.team_id"
                                       " JOIN users u ON u.id=m.user_id WHERE t.name=:n AND u.disabled=0";
  if( strcmp(kind, "role")==0 ) return "SELECT r.user_id AS uid FROM user_roles r JOIN users u ON u.id=r.user_id"
                                       " WHERE r.role=:n AND u.disabled=0";
  return NULL;
}

int mayact_in_group(struct app *a, int64_t user_id, const char *kind, const char *name){
  const char *g = group_sql(kind);
  if( g==NULL || name==NULL ) return 0;
  char sql[512];
  snprintf(sql, sizeof(sql), "SELECT :u IN (%s)", g);
  struct db_stmt *st = db_prepare(a->db, sql);
  int yes = 0;
  if( st==NULL ) return 0;
  db_bind_int64(st, ":u", user_id);
  db_bind_text(st, ":n", name);
  if( db_step(st)==DB_ROW ) yes = db_col_int(st, 0)==1;
  db_finish(st);
  return yes;
}

int mayact_snapshot_group(struct app *a, int64_t activity_id, int round, int rule_index,
                          const char *kind, const char *name){
  const char *g = group_sql(kind);
  if( g==NULL || name==NULL ) return -1;
  char sql[600];
  snprintf(sql, sizeof(sql), "INSERT OR IGNORE INTO eligible(activity_id,round,rule_index,user_id)"
                             " SELECT :a, :r, :i, uid FROM (%s) grp", g);
  struct db_stmt *st = db_prepare(a->db, sql);
  if( st==NULL ) return -1;
  db_bind_int64(st, ":a", activity_id);
  db_bind_int64(st, ":r", round);
  db_bind_int64(st, ":i", rule_index);
  db_bind_text(st, ":n", name);
  int rc = db_step(st)==DB_DONE ? 0 : -1;
  db_finish(st);
  return rc;
}

int mayact_snapshot(struct app *a, int64_t activity_id, int round){
  struct arena ar;
  struct mayact_act w;
  struct policy *p = NULL;
  char perr[200];
  int rc = -1;
  arena_init(&ar);
  if( !mayact_load(a, &ar, activity_id, &w) || w.policy_json==NULL
   || policy_parse(w.policy_json, &p, perr, sizeof(perr))!=POLICY_OK ){
    log_msg("mayact: activity %lld has no policy that can be read", (long long)activity_id);
    goto out;
  }
  for(int k=0; k<p->nrule; k++){
    if( mayact_snapshot_group(a, activity_id, round, k, policy_kind_name(p->rule[k].kind), p->rule[k].name) ) goto out;
  }
  rc = 0;
out:
  policy_free(p);
  arena_free(&ar);
  return rc;
}

int mayact_group_size(struct app *a, const char *kind, const char *name){
  const char *g = group_sql(kind);
  if( g==NULL || name==NULL ) return -1;
  char sql[512];
  snprintf(sql, sizeof(sql), "SELECT count(DISTINCT uid) FROM (%s) grp", g);
  struct db_stmt *st = db_prepare(a->db, sql);
  int n = -1;
  if( st==NULL ) return -1;
  db_bind_text(st, ":n", name);
  if( db_step(st)==DB_ROW ) n = db_col_int(st, 0);
  db_finish(st);
  return n;
}

static int put_row(struct app *a, const struct mayact_act *w, int64_t user, int64_t for_user,
                   const char *reason, int64_t from, int64_t until){
  struct db_stmt *st = db_prepare(a->db, "INSERT OR IGNORE INTO may_act(activity_id,round,user_id,for_user_id,reason,from_at,until_at)"
                                       " VALUES(:a,:r,:u,:f,:why,:from,:until)");
  if( st==NULL ) return -1;
  db_bind_int64(st, ":a", w->id);
  db_bind_int64(st, ":r", w->round);
  db_bind_int64(st, ":u", user);
  db_bind_int64(st, ":f", for_user);
  db_bind_text(st, ":why", reason);
  db_bind_int64(st, ":from", from);
  if( until>0 ) db_bind_int64(st, ":until", until);
  else db_bind_null(st, ":until");
  int rc = db_step(st)==DB_DONE ? 0 : -1;
  db_finish(st);
  return rc;
}

/* Is the activity open for people at all?  Not when its phase failed or its release is not running. */
static int round_open(const struct mayact_act *w){
  return strcmp(w->status, "on_hold")==0
      && (strcmp(w->release_status, "running")==0 || strcmp(w->release_status, "on_hold")==0)
      && strcmp(w->phase_status, "failed")!=0;
}

/* The approval's rows: each enabled eligible person the policy lets approve now, and their delegates. */
static int refresh_approval(struct app *a, struct arena *ar, const struct mayact_act *w){
  struct policy *p = NULL;
  struct policy_group groups[POLICY_MAX_RULES];
  struct policy_vote *votes;
  size_t nvotes;
  char perr[200];
  int rc = -1;
  struct db_stmt *st = NULL;
  if( w->policy_json==NULL || policy_parse(w->policy_json, &p, perr, sizeof(perr))!=POLICY_OK ){
    log_msg("mayact: activity %lld has a policy that cannot be read", (long long)w->id);
    return 0;                                   /* nobody can act; the pages say so */
  }
  if( mayact_groups(a, ar, w, p, groups) || mayact_votes(a, ar, w, &votes, &nvotes) ) goto out;
  int64_t starter = w->started_by>0 ? w->started_by : 1;
  int64_t until = w->deadline_at;
  st = db_prepare(a->db, "SELECT DISTINCT e.user_id FROM eligible e JOIN users u ON u.id=e.user_id"
                         " WHERE e.activity_id=:a AND e.round=:r AND u.disabled=0");
  if( st==NULL ) goto out;
  db_bind_int64(st, ":a", w->id);
  db_bind_int64(st, ":r", w->round);
  while( db_step(st)==DB_ROW ){
    struct policy_vote ballot = { db_col_int64(st, 0), 0, POLICY_APPROVE };
    if( policy_may_vote(p, groups, starter, votes, nvotes, &ballot)==POLICY_OK
     && put_row(a, w, ballot.user_id, ballot.user_id, "rule", 0, until) ) goto out;
  }
  db_finish(st);
  st = db_prepare(a->db, "SELECT DISTINCT g.delegate_id, g.user_id, g.starts_at, g.ends_at FROM delegations g"
    " JOIN eligible e ON e.user_id=g.user_id AND e.activity_id=:a AND e.round=:r"
    " JOIN users du ON du.id=g.delegate_id JOIN users pu ON pu.id=g.user_id"
    " WHERE g.revoked_at IS NULL AND g.ends_at>:now AND du.disabled=0 AND pu.disabled=0");
  if( st==NULL ) goto out;
  db_bind_int64(st, ":a", w->id);
  db_bind_int64(st, ":r", w->round);
  db_bind_int64(st, ":now", app_now_ms(a));
  while( db_step(st)==DB_ROW ){
    struct policy_vote ballot = { db_col_int64(st, 0), db_col_int64(st, 1), POLICY_APPROVE };
    int64_t from = db_col_int64(st, 2), end = db_col_int64(st, 3);
    if( until>0 && until<end ) end = until;
    if( end>from && policy_may_vote(p, groups, starter, votes, nvotes, &ballot)==POLICY_OK
     && put_row(a, w, ballot.user_id, ballot.acting_for, "delegation", from, end) ) goto out;
  }
  rc = 0;
out:
  db_finish(st);
  policy_free(p);
  return rc;
}

/* The manual task's rows: its holder, or the enabled people of its responsible group. */
static int refresh_manual(struct app *a, const struct mayact_act *w){
  if( w->responsible_user_id>0 ){
    struct db_stmt *st = db_prepare(a->db, "SELECT disabled FROM users WHERE id=:u");
    if( st==NULL ) return -1;
    db_bind_int64(st, ":u", w->responsible_user_id);
    int enabled = db_step(st)==DB_ROW && db_col_int(st, 0)==0;
    db_finish(st);
    return enabled ? put_row(a, w, w->responsible_user_id, w->responsible_user_id, "holder", 0, w->deadline_at) : 0;
  }
  const char *g = group_sql(w->responsible_kind);
  if( g==NULL || w->responsible_name==NULL ) return 0;
  char sql[600];
  snprintf(sql, sizeof(sql), "INSERT OR IGNORE INTO may_act(activity_id,round,user_id,for_user_id,reason,from_at,until_at)"
                             " SELECT :a, :r, uid, uid, 'responsibility', 0, :until FROM (%s) grp", g);
  struct db_stmt *st = db_prepare(a->db, sql);
  if( st==NULL ) return -1;
  db_bind_int64(st, ":a", w->id);
  db_bind_int64(st, ":r", w->round);
  db_bind_text(st, ":n", w->responsible_name);
  if( w->deadline_at>0 ) db_bind_int64(st, ":until", w->deadline_at);
  else db_bind_null(st, ":until");
  int rc = db_step(st)==DB_DONE ? 0 : -1;
  db_finish(st);
  return rc;
}

int mayact_refresh(struct app *a, int64_t activity_id){
  struct arena ar;
  struct mayact_act w;
  int rc = -1;
  arena_init(&ar);
  struct db_stmt *st = db_prepare(a->db, "DELETE FROM may_act WHERE activity_id=:a");
  if( st==NULL ) goto out;
  db_bind_int64(st, ":a", activity_id);
  int step = db_step(st);
  db_finish(st);
  if( step!=DB_DONE ) goto out;
  if( !mayact_load(a, &ar, activity_id, &w) || !round_open(&w) ){ rc = 0; goto out; }
  if( strcmp(w.kind, "approval")==0 ) rc = refresh_approval(a, &ar, &w);
  else if( strcmp(w.kind, "manual")==0 ) rc = refresh_manual(a, &w);
  else rc = 0;
  if( rc==0 ){                                   /* the inbox's sort key beside the rows */
    st = db_prepare(a->db, "UPDATE may_act SET (due_at, since_at)="
                           "(SELECT due_key, since_key FROM activities WHERE id=:a) WHERE activity_id=:a");
    if( st==NULL ) rc = -1;
    else{
      db_bind_int64(st, ":a", activity_id);
      if( db_step(st)!=DB_DONE ) rc = -1;
      db_finish(st);
    }
  }
out:
  arena_free(&ar);
  return rc;
}

/* Refresh every activity the query (with :x bound to id) returns. */
static int refresh_each(struct app *a, const char *sql, int64_t id){
  size_t n = 0, cap = 64;
  int64_t *ids = malloc(cap*sizeof(int64_t));
  int rc = -1;
  if( ids==NULL ) return -1;
  struct db_stmt *st = db_prepare(a->db, sql);
  if( st==NULL ) goto out;
  if( db_has_param(st, ":x") ) db_bind_int64(st, ":x", id);
  int step;
  while( (step = db_step(st))==DB_ROW ){
    if( n==cap ){
      int64_t *m = realloc(ids, cap*2*sizeof(int64_t));
      if( m==NULL ){ db_finish(st); goto out; }
      ids = m;
      cap *= 2;
    }
    ids[n++] = db_col_int64(st, 0);
  }
  db_finish(st);
  if( step!=DB_DONE ) goto out;
  for(size_t i=0; i<n; i++) if( mayact_refresh(a, ids[i]) ) goto out;
  rc = 0;
out:
  free(ids);
  return rc;
}

int mayact_refresh_open(struct app *a){
  return refresh_each(a, "SELECT id FROM activities WHERE status='on_hold' OR id IN (SELECT activity_id FROM may_act)", 0);
}

int mayact_refresh_release(struct app *a, int64_t release_id){
  return refresh_each(a, "SELECT id FROM activities WHERE release_id=:x AND kind<>'automated'"
                         " AND (status='on_hold' OR id IN (SELECT activity_id FROM may_act))", release_id);
}

/* Drop eligibility that user_id no longer has on open approval rounds they have not voted in. */
static int revoke_eligibility(struct app *a, const struct audit_ctx *c, int64_t user_id){
  struct arena ar;
  int rc = -1;
  arena_init(&ar);
  struct db_stmt *st = db_prepare(a->db,
    "SELECT e.activity_id, e.rule_index, a.policy_json, a.on_timeout_json, a.release_id, a.name, a.round"
    " FROM eligible e JOIN activities a ON a.id=e.activity_id AND a.round=e.round"
    " WHERE e.user_id=:u AND a.status='on_hold' AND NOT EXISTS(SELECT 1 FROM decisions d"
    "   WHERE d.activity_id=a.id AND d.round=a.round AND (d.user_id=:u OR d.actor_id=:u)"
    "   AND d.decision IN ('approve','reject'))");
  if( st==NULL ) goto out;
  db_bind_int64(st, ":u", user_id);
  struct gone { int64_t act, rel; int rule, round; const char *name, *kind, *group; struct gone *next; } *list = NULL;
  while( db_step(st)==DB_ROW ){
    int k = db_col_int(st, 1);
    const char *kind = NULL, *name = NULL;
    json_t *j = NULL;
    struct policy *p = NULL;
    char perr[100];
    if( k>=0 ){
      if( policy_parse(db_col_text(st, 2), &p, perr, sizeof(perr))==POLICY_OK && k<p->nrule ){
        kind = policy_kind_name(p->rule[k].kind);
        name = arena_printf(&ar, "%s", p->rule[k].name);
      }
    }else if( (j = json_loads(db_col_text(st, 3), 0, NULL))!=NULL ){
      kind = json_string_value(json_object_get(j, "kind"));
      name = json_string_value(json_object_get(j, "name"));
      if( kind ) kind = arena_printf(&ar, "%s", kind);
      if( name ) name = arena_printf(&ar, "%s", name);
    }
    policy_free(p);
    json_decref(j);
    if( kind && name && mayact_in_group(a, user_id, kind, name) ) continue;
    struct gone *g = arena_alloc(&ar, sizeof(*g));
    if( g==NULL ){ db_finish(st); goto out; }
    g->act = db_col_int64(st, 0);
    g->rule = k;
    g->rel = db_col_int64(st, 4);
    g->name = db_col_dup(&ar, st, 5);
    g->round = db_col_int(st, 6);
    g->kind = kind ? kind : "unknown";
    g->group = name ? name : "";
    g->next = list;
    list = g;
  }
  db_finish(st);
  for(struct gone *g=list; g; g=g->next){
    st = db_prepare(a->db, "DELETE FROM eligible WHERE activity_id=:a AND round=:r AND rule_index=:k AND user_id=:u");
    if( st==NULL ) goto out;
    db_bind_int64(st, ":a", g->act);
    db_bind_int64(st, ":r", g->round);
    db_bind_int64(st, ":k", g->rule);
    db_bind_int64(st, ":u", user_id);
    int step = db_step(st);
    db_finish(st);
    if( step!=DB_DONE ) goto out;
    if( audit_append(a, c, "eligibility.revoke", "activity", g->act, g->rel, "{s:s,s:I,s:i,s:s,s:s,s:i}",
                     "activity", g->name ? g->name : "", "user_id", (json_int_t)user_id, "rule", g->rule,
                     "group_kind", g->kind, "group", g->group, "round", g->round) ) goto out;
  }
  rc = 0;
out:
  arena_free(&ar);
  return rc;
}

/* Give back the manual tasks user_id holds but may no longer hold. */
static int release_holds(struct app *a, const struct audit_ctx *c, int64_t user_id){
  struct arena ar;
  int rc = -1;
  arena_init(&ar);
  struct db_stmt *st = db_prepare(a->db, "SELECT a.id, a.responsible_kind, a.responsible_name, a.release_id, a.name,"
    " a.round FROM activities a WHERE a.responsible_user_id=:u AND a.status='on_hold' AND a.kind='manual'");
  if( st==NULL ) goto out;
  db_bind_int64(st, ":u", user_id);
  struct held { int64_t id, rel; int round; const char *name; struct held *next; } *list = NULL;
  while( db_step(st)==DB_ROW ){
    if( mayact_in_group(a, user_id, db_col_text(st, 1), db_col_text(st, 2)) ) continue;
    struct held *h = arena_alloc(&ar, sizeof(*h));
    if( h==NULL ){ db_finish(st); goto out; }
    h->id = db_col_int64(st, 0);
    h->rel = db_col_int64(st, 3);
    h->name = db_col_dup(&ar, st, 4);
    h->round = db_col_int(st, 5);
    h->next = list;
    list = h;
  }
  db_finish(st);
  for(struct held *h=list; h; h=h->next){
    st = db_prepare(a->db, "UPDATE activities SET responsible_user_id=NULL WHERE id=:id AND responsible_user_id=:u");
    if( st==NULL ) goto out;
    db_bind_int64(st, ":id", h->id);
    db_bind_int64(st, ":u", user_id);
    int step = db_step(st);
    db_finish(st);
    if( step!=DB_DONE ) goto out;
    if( audit_append(a, c, "task.release", "activity", h->id, h->rel, "{s:s,s:I,s:i}", "activity",
                     h->name ? h->name : "", "user_id", (json_int_t)user_id, "round", h->round) ) goto out;
  }
  rc = 0;
out:
  arena_free(&ar);
  return rc;
}

int mayact_person_changed(struct app *a, const struct audit_ctx *c, int64_t user_id){
  if( revoke_eligibility(a, c, user_id) || release_holds(a, c, user_id) ) return -1;
  return refresh_each(a,
    "SELECT a.id FROM activities a WHERE a.status='on_hold' AND ("
    "  a.kind='manual' AND (a.responsible_user_id IS NULL OR a.responsible_user_id=:x)"
    "  OR a.id IN (SELECT activity_id FROM may_act WHERE user_id=:x OR for_user_id=:x)"
    "  OR EXISTS(SELECT 1 FROM eligible e WHERE e.activity_id=a.id AND e.round=a.round"
    "            AND (e.user_id=:x OR e.user_id IN (SELECT user_id FROM delegations WHERE delegate_id=:x))))",
    user_id);
}

int mayact_may(struct app *a, int64_t activity_id, int64_t user_id, int64_t for_user_id, int64_t now){
  struct db_stmt *st = db_prepare(a->db, "SELECT EXISTS(SELECT 1 FROM may_act m JOIN activities a"
    " ON a.id=m.activity_id AND a.round=m.round WHERE m.activity_id=:a AND m.user_id=:u"
    " AND (:f=0 OR m.for_user_id=:f) AND " MAYACT_OPEN("m") ")");
  int yes = 0;
  if( st==NULL ) return 0;
  db_bind_int64(st, ":a", activity_id);
  db_bind_int64(st, ":u", user_id);
  db_bind_int64(st, ":f", for_user_id);
  db_bind_int64(st, ":now", now);
  if( db_step(st)==DB_ROW ) yes = db_col_int(st, 0)==1;
  db_finish(st);
  return yes;
}

int mayact_notify(struct app *a, int64_t activity_id, const char *event){
  int64_t people[MAYACT_MAX_NOTIFY];
  size_t n = 0;
  struct db_stmt *st = db_prepare(a->db, "SELECT DISTINCT m.user_id FROM may_act m JOIN activities act"
    " ON act.id=m.activity_id AND act.round=m.round WHERE m.activity_id=:a AND " MAYACT_OPEN("m")
    " ORDER BY m.user_id LIMIT :lim");
  if( st==NULL ) return -1;
  db_bind_int64(st, ":a", activity_id);
  db_bind_int64(st, ":now", app_now_ms(a));
  db_bind_int64(st, ":lim", MAYACT_MAX_NOTIFY);
  int step;
  while( (step = db_step(st))==DB_ROW ) people[n++] = db_col_int64(st, 0);
  db_finish(st);
  if( step!=DB_DONE ) return -1;
  return notify_activity_event(a, activity_id, event, people, n);
}

/*
** Who may see a release's evidence (its files and their list): the one
** answer, asked by the download (page and API), the API's evidence list and
** the activity page.  Administrators, auditors and release managers see every
** release's; anyone else only a release they are part of: they started it,
** were eligible to approve one of its rounds, may act on one of its
** activities now, belong to a group the release names (an approval rule's
** user, team or role, or a manual task's responsible one), hold one of its
** manual tasks, decided on it or uploaded to it.
*/
int mayact_sees_evidence(struct app *a, int64_t user_id, unsigned roles, int64_t release_id, int acts_now){
  if( roles & (ROLE_ADMIN|ROLE_AUDITOR|ROLE_RELEASE_MANAGER) ) return 1;
  if( user_id<=0 ) return 0;
  if( acts_now ) return 1;          /* may act on one of its activities now: a may_act row below */
  struct db_stmt *st = db_prepare(a->db,
    /* Every EXISTS starts from the release's few activities (CROSS JOIN fixes the order):
    ** starting from the person instead would read all they ever were eligible for. */
    "SELECT EXISTS(SELECT 1 FROM releases WHERE id=:rel AND started_by=:u)"
    " OR EXISTS(SELECT 1 FROM activities x CROSS JOIN eligible el ON el.activity_id=x.id"
    "           WHERE x.release_id=:rel AND el.user_id=:u)"
    " OR EXISTS(SELECT 1 FROM activities x CROSS JOIN may_act m ON m.activity_id=x.id"
    "           WHERE x.release_id=:rel AND (m.user_id=:u OR m.for_user_id=:u))"
    " OR EXISTS(SELECT 1 FROM activities x WHERE x.release_id=:rel AND x.responsible_user_id=:u)"
    " OR EXISTS(SELECT 1 FROM activities x CROSS JOIN decisions d ON d.activity_id=x.id"
    "           WHERE x.release_id=:rel AND (d.user_id=:u OR d.actor_id=:u))"
    " OR EXISTS(SELECT 1 FROM activities x CROSS JOIN evidence e ON e.activity_id=x.id"
    "           WHERE x.release_id=:rel AND e.uploaded_by=:u)");
  int yes = 0;
  if( st==NULL ) return 0;
  db_bind_int64(st, ":rel", release_id);
  db_bind_int64(st, ":u", user_id);
  if( db_step(st)==DB_ROW ) yes = db_col_int(st, 0);
  db_finish(st);
  if( yes ) return 1;
  /* the groups the release names: manual tasks' responsible groups, approvals' rules */
  st = db_prepare(a->db, "SELECT kind, responsible_kind, responsible_name, policy_json FROM activities"
                         " WHERE release_id=:rel AND kind IN ('manual','approval')");
  if( st==NULL ) return 0;
  db_bind_int64(st, ":rel", release_id);
  while( !yes && db_step(st)==DB_ROW ){
    if( strcmp(db_col_text(st, 0), "manual")==0 ){
      yes = mayact_in_group(a, user_id, db_col_text(st, 1), db_col_text(st, 2))==1;
      continue;
    }
    struct policy *p = NULL;
    char perr[200];
    if( policy_parse(db_col_text(st, 3), &p, perr, sizeof(perr))!=POLICY_OK ){ policy_free(p); continue; }
    for(int i=0; !yes && i<p->nrule; i++){
      yes = mayact_in_group(a, user_id, policy_kind_name(p->rule[i].kind), p->rule[i].name)==1;
    }
    policy_free(p);
  }
  db_finish(st);
  return yes;
}

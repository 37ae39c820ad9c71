/* insights.c — time on hold, time to first vote, who decides how fast, and the signals a reviewer looks at. */
#include "insights.h"
#include "hp.h"
#include "app.h"
#include "db.h"
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* Durations of one group, in ms, grown as rows come. */
struct durs { int64_t *v; size_t n, cap; };

static int durs_add(struct durs *d, int64_t ms){
  if( d->n==d->cap ){
    size_t cap = d->cap ? d->cap*2 : 64;
    int64_t *nv = realloc(d->v, cap*sizeof(*nv));
    if( nv==NULL ) return -1;
    d->v = nv;
    d->cap = cap;
  }
  d->v[d->n++] = ms<0 ? 0 : ms;
  return 0;
}

static int cmp64(const void *a, const void *b){
  int64_t x = *(const int64_t*)a, y = *(const int64_t*)b;
  return x<y ? -1 : x>y;
}

/* The q-th quantile (nearest rank) in seconds, or JSON null when empty; sorts d. */
static json_t *quantile(struct durs *d, double q){
  if( d->n==0 ) return json_null();
  qsort(d->v, d->n, sizeof(int64_t), cmp64);
  size_t k = (size_t)(q*(double)d->n + 0.999999);
  if( k<1 ) k = 1;
  if( k>d->n ) k = d->n;
  return json_integer((d->v[k-1] + 500)/1000);
}

/* Figures of one group of activities. */
struct figs {
  struct durs hold, first;
  int64_t decided, expired, escalated, rejected, retried;
};

static void figs_add(struct figs *f, struct db_stmt *st, int *oom){
  /* columns: 2 activated_at, 3 finished_at, 4 result, 5 escalated, 6 round, 7 first vote at */
  int64_t act = db_col_int64(st, 2), fin = db_col_int64(st, 3);
  const char *res = db_col_text(st, 4);
  f->decided++;
  if( durs_add(&f->hold, fin - act) ) *oom = 1;
  if( !db_col_null(st, 7) && durs_add(&f->first, db_col_int64(st, 7) - act) ) *oom = 1;
  if( strcmp(res, "expired")==0 ) f->expired++;
  if( strcmp(res, "rejected")==0 || strcmp(res, "aborted")==0 ) f->rejected++;
  if( db_col_int(st, 5) ) f->escalated++;
  if( db_col_int(st, 6)>1 ) f->retried++;
}

static void figs_put(json_t *o, struct figs *f){
  json_object_set_new(o, "decided", json_integer(f->decided));
  json_object_set_new(o, "on_hold_p50_s", quantile(&f->hold, 0.5));
  json_object_set_new(o, "on_hold_p90_s", quantile(&f->hold, 0.9));
  json_object_set_new(o, "on_hold_max_s", quantile(&f->hold, 1.0));
  json_object_set_new(o, "first_vote_p50_s", quantile(&f->first, 0.5));
  json_object_set_new(o, "expired", json_integer(f->expired));
  json_object_set_new(o, "escalated", json_integer(f->escalated));
  json_object_set_new(o, "rejected", json_integer(f->rejected));
  json_object_set_new(o, "retried", json_integer(f->retried));
  free(f->hold.v);
  free(f->first.v);
  memset(f, 0, sizeof(*f));
}

static void bind_period(struct db_stmt *st, int64_t from, int64_t until, const char *tpl){
  db_bind_int64(st, ":from", from);
  db_bind_int64(st, ":until", until);
  db_bind_text(st, ":tpl", tpl ? tpl : "");
}

/* The activities decided by people in the period: per template and activity, and in total. */
static int activity_figures(struct app *a, int64_t from, int64_t until, const char *tpl, json_t *res){
  struct db_stmt *st = db_prepare(a->db,
    "SELECT t.name, x.name, x.activated_at, x.finished_at, coalesce(x.result,''), x.escalated, x.round,"
    " (SELECT min(d.at) FROM decisions d WHERE d.activity_id=x.id AND d.round=x.round)"
    " FROM activities x JOIN releases r ON r.id=x.release_id JOIN templates t ON t.id=r.template_id"
    " WHERE x.finished_at>=:from AND x.finished_at<:until AND x.kind IN ('approval','manual')"
    " AND x.activated_at IS NOT NULL AND x.status<>'aborted' AND (:tpl='' OR t.name=:tpl)"
    " AND coalesce(CAST(json_extract(CASE WHEN json_valid(x.result_details) THEN x.result_details END,'$.automatic') AS INTEGER),0)=0"
    " ORDER BY t.name, x.name");
  if( st==NULL ) return -1;
  bind_period(st, from, until, tpl);
  struct figs all, one;
  memset(&all, 0, sizeof(all));
  memset(&one, 0, sizeof(one));
  char cur_t[128] = "", cur_a[128] = "";
  int oom = 0, step, have = 0;
  json_t *arr = json_object_get(res, "activities");
  while( (step = db_step(st))==DB_ROW ){
    const char *t = db_col_text(st, 0), *n = db_col_text(st, 1);
    if( have && (strcmp(t, cur_t)!=0 || strcmp(n, cur_a)!=0) ){
      json_t *o = json_pack("{s:s,s:s}", "template", cur_t, "activity", cur_a);
      figs_put(o, &one);
      json_array_append_new(arr, o);
    }
    snprintf(cur_t, sizeof(cur_t), "%s", t);
    snprintf(cur_a, sizeof(cur_a), "%s", n);
    have = 1;
    figs_add(&one, st, &oom);
    figs_add(&all, st, &oom);
  }
  db_finish(st);
  if( have ){
    json_t *o = json_pack("{s:s,s:s}", "template", cur_t, "activity", cur_a);
    figs_put(o, &one);
    json_array_append_new(arr, o);
  }
  figs_put(json_object_get(res, "summary"), &all);
  return step==DB_DONE && !oom ? 0 : -1;
}

/* Per team an activity names (approval rules, the responsible team): time on hold, and who approves most. */

/* One approver's count within the team being read. */
struct approver { int64_t id, n; char username[72], name[256]; };

/* The team's figures as JSON (and a signal when one person gives most of its approvals). */
static void team_put(json_t *arr, json_t *sig, const char *team, int64_t decided, int64_t approvals,
                     struct durs *hold, const struct approver *who, int nwho){
  json_t *o = json_pack("{s:s,s:I,s:I}", "team", team, "decided", (json_int_t)decided, "approvals", (json_int_t)approvals);
  json_object_set_new(o, "on_hold_p50_s", quantile(hold, 0.5));
  json_object_set_new(o, "on_hold_p90_s", quantile(hold, 0.9));
  const struct approver *top = NULL;                 /* most approvals; on a tie, the first username */
  for(int k=0; k<nwho; k++){
    if( top==NULL || who[k].n>top->n || (who[k].n==top->n && strcmp(who[k].username, top->username)<0) ) top = &who[k];
  }
  if( top && approvals>0 ){
    double share = (double)top->n / (double)approvals;
    json_object_set_new(o, "top_approver", json_string(top->username));
    json_object_set_new(o, "top_share", json_real(share));
    if( approvals>=INSIGHTS_ONE_PERSON_MIN && share>=INSIGHTS_ONE_PERSON && json_array_size(sig)<INSIGHTS_MAX_SIGNALS ){
      char detail[600];
      snprintf(detail, sizeof(detail), "%lld of the %lld approvals of gates naming team %s were given by %s.",
               (long long)top->n, (long long)approvals, team, top->name);
      json_array_append_new(sig, json_pack("{s:s,s:s,s:s,s:s,s:s}", "kind", "one_approver", "user", top->username,
                                           "name", top->name, "team", team, "detail", detail));
    }
  }
  json_array_append_new(arr, o);
}

/*
** One pass: a row per team and activity, and per approval given in its current round (who
** gave it), in team order; the team's figures and its top approver are added up here.
*/
static int team_figures(struct app *a, int64_t from, int64_t until, const char *tpl, json_t *res){
  struct db_stmt *st = db_prepare(a->db,
    "WITH acts AS (SELECT x.id, x.round, x.finished_at - x.activated_at AS held, x.policy_json, x.responsible_kind,"
    "   x.responsible_name FROM activities x JOIN releases r ON r.id=x.release_id JOIN templates t ON t.id=r.template_id"
    "   WHERE x.finished_at>=:from AND x.finished_at<:until AND x.kind IN ('approval','manual')"
    "   AND x.activated_at IS NOT NULL AND x.status<>'aborted' AND (:tpl='' OR t.name=:tpl)),"
    " named AS (SELECT DISTINCT acts.id, acts.round, acts.held, lower(json_extract(j.value,'$.name')) AS team FROM acts,"
    "   json_each(CASE WHEN json_valid(acts.policy_json) THEN acts.policy_json ELSE '{}' END,'$.rules') j"
    "   WHERE json_extract(j.value,'$.kind')='team'"
    "   UNION SELECT acts.id, acts.round, acts.held, lower(acts.responsible_name) FROM acts WHERE acts.responsible_kind='team')"
    " SELECT n.team, n.held, n.id, d.id, u.id, u.username, u.display_name"
    " FROM named n LEFT JOIN decisions d ON d.activity_id=n.id AND d.round=n.round AND d.decision='approve'"
    " LEFT JOIN users u ON u.id=d.actor_id"
    " ORDER BY n.team, n.id");
  if( st==NULL ) return -1;
  bind_period(st, from, until, tpl);
  json_t *arr = json_object_get(res, "teams"), *sig = json_object_get(res, "signals");
  struct durs hold = {0};
  struct approver *who = NULL;
  int nwho = 0, cap = 0;
  int64_t decided = 0, approvals = 0, last_act = 0;
  char cur[72] = "";
  int have = 0, step, oom = 0;
  for(;;){
    step = db_step(st);
    const char *team = step==DB_ROW ? db_col_text(st, 0) : NULL;
    if( have && (team==NULL || strcmp(team, cur)!=0) ){
      team_put(arr, sig, cur, decided, approvals, &hold, who, nwho);
      free(hold.v);
      memset(&hold, 0, sizeof(hold));
      decided = approvals = 0;
      nwho = 0;
      last_act = 0;
    }
    if( team==NULL ) break;
    snprintf(cur, sizeof(cur), "%s", team);
    have = 1;
    int64_t act = db_col_int64(st, 2);
    if( act!=last_act ){                          /* the activity's first row: count it once */
      decided++;
      if( durs_add(&hold, db_col_int64(st, 1)) ) oom = 1;
      last_act = act;
    }
    if( db_col_null(st, 3) ) continue;            /* no approval in its round */
    approvals++;
    if( db_col_null(st, 4) ) continue;            /* given by someone no longer in the directory */
    int64_t uid = db_col_int64(st, 4);
    int k = 0;
    while( k<nwho && who[k].id!=uid ) k++;
    if( k==nwho ){
      if( nwho==cap ){
        int ncap = cap ? cap*2 : 16;
        struct approver *nw = realloc(who, sizeof(*who)*(size_t)ncap);
        if( nw==NULL ){ oom = 1; continue; }
        who = nw;
        cap = ncap;
      }
      who[k].id = uid;
      who[k].n = 0;
      snprintf(who[k].username, sizeof(who[k].username), "%s", db_col_text(st, 5));
      snprintf(who[k].name, sizeof(who[k].name), "%s", db_col_text(st, 6));
      nwho++;
    }
    who[k].n++;
  }
  free(hold.v);
  free(who);
  db_finish(st);
  return step==DB_DONE && !oom ? 0 : -1;
}

/* Per person who decided in the period: how many, and how long after the activity opened for them. */
static int approver_figures(struct app *a, int64_t from, int64_t until, const char *tpl, json_t *res){
  struct db_stmt *st = db_prepare(a->db,
    "SELECT u.username, u.display_name, d.decision, d.at - o.opened_at,"
    " CASE WHEN d.round=x.round THEN d.at - x.activated_at END"
    " FROM decisions d JOIN users u ON u.id=d.actor_id JOIN activities x ON x.id=d.activity_id"
    " JOIN releases r ON r.id=x.release_id JOIN templates t ON t.id=r.template_id"
    " LEFT JOIN activity_opens o ON o.activity_id=d.activity_id AND o.round=d.round AND o.user_id=d.actor_id"
    " WHERE d.at>=:from AND d.at<:until AND (:tpl='' OR t.name=:tpl) ORDER BY u.username");
  if( st==NULL ) return -1;
  bind_period(st, from, until, tpl);
  json_t *arr = json_object_get(res, "approvers");
  struct durs open = {0}, wait = {0};
  int64_t n = 0, ok = 0, no = 0;
  char cur[72] = "", name[128] = "";
  int have = 0, step, oom = 0;
  for(;;){
    step = db_step(st);
    const char *user = step==DB_ROW ? db_col_text(st, 0) : NULL;
    if( have && (user==NULL || strcmp(user, cur)!=0) ){
      json_t *o = json_pack("{s:s,s:s,s:I,s:I,s:I}", "user", cur, "name", name, "decisions", (json_int_t)n,
                            "approvals", (json_int_t)ok, "rejections", (json_int_t)no);
      json_object_set_new(o, "open_to_decide_p50_s", quantile(&open, 0.5));
      json_object_set_new(o, "wait_to_decide_p50_s", quantile(&wait, 0.5));
      json_array_append_new(arr, o);
      free(open.v); free(wait.v);
      memset(&open, 0, sizeof(open));
      memset(&wait, 0, sizeof(wait));
      n = ok = no = 0;
    }
    if( user==NULL ) break;
    snprintf(cur, sizeof(cur), "%s", user);
    snprintf(name, sizeof(name), "%s", db_col_text(st, 1));
    have = 1;
    n++;
    if( strcmp(db_col_text(st, 2), "approve")==0 ) ok++; else no++;
    if( !db_col_null(st, 3) && durs_add(&open, db_col_int64(st, 3)) ) oom = 1;
    if( !db_col_null(st, 4) && durs_add(&wait, db_col_int64(st, 4)) ) oom = 1;
  }
  free(open.v); free(wait.v);
  db_finish(st);
  return step==DB_DONE && !oom ? 0 : -1;
}

/* Approvals given within seconds of opening, and approvals of activities whose evidence the approver never opened. */
static int signals(struct app *a, int64_t from, int64_t until, const char *tpl, json_t *res){
  json_t *sig = json_object_get(res, "signals");
  struct db_stmt *st = db_prepare(a->db,
    "SELECT 'quick', u.username, u.display_name, x.name, x.id, x.release_id, d.at, d.at - o.opened_at"
    " FROM decisions d JOIN activity_opens o ON o.activity_id=d.activity_id AND o.round=d.round AND o.user_id=d.actor_id"
    " JOIN users u ON u.id=d.actor_id JOIN activities x ON x.id=d.activity_id"
    " JOIN releases r ON r.id=x.release_id JOIN templates t ON t.id=r.template_id"
    " WHERE d.at>=:from AND d.at<:until AND d.decision='approve' AND d.at - o.opened_at < :quick AND (:tpl='' OR t.name=:tpl)"
    " UNION ALL"
    " SELECT 'evidence_unopened', u.username, u.display_name, x.name, x.id, x.release_id, d.at,"
    "  (SELECT count(*) FROM evidence e WHERE e.activity_id=d.activity_id AND e.round=d.round)"
    " FROM decisions d JOIN users u ON u.id=d.actor_id JOIN activities x ON x.id=d.activity_id"
    " JOIN releases r ON r.id=x.release_id JOIN templates t ON t.id=r.template_id"
    " WHERE d.at>=:from AND d.at<:until AND d.decision='approve' AND (:tpl='' OR t.name=:tpl)"
    " AND EXISTS(SELECT 1 FROM evidence e WHERE e.activity_id=d.activity_id AND e.round=d.round AND e.uploaded_by<>d.actor_id)"
    " AND NOT EXISTS(SELECT 1 FROM evidence e JOIN audit_log l ON l.actor_id=d.actor_id AND l.object_id=e.id"
    "   AND l.action='evidence.download' WHERE e.activity_id=d.activity_id AND e.round=d.round AND e.uploaded_by<>d.actor_id)"
    " ORDER BY 7 DESC LIMIT :lim");
  if( st==NULL ) return -1;
  bind_period(st, from, until, tpl);
  db_bind_int64(st, ":quick", INSIGHTS_QUICK_MS);
  db_bind_int64(st, ":lim", INSIGHTS_MAX_SIGNALS);
  int step;
  while( (step = db_step(st))==DB_ROW && json_array_size(sig)<INSIGHTS_MAX_SIGNALS ){
    char detail[300];
    int quick = strcmp(db_col_text(st, 0), "quick")==0;
    int64_t v = db_col_int64(st, 7);
    if( quick ) snprintf(detail, sizeof(detail), "Approved %lld s after opening the activity.", (long long)((v+500)/1000));
    else snprintf(detail, sizeof(detail), "Approved without opening any of the %lld evidence file%s.", (long long)v, v==1 ? "" : "s");
    json_array_append_new(sig, json_pack("{s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:s}", "kind", db_col_text(st, 0),
      "user", db_col_text(st, 1), "name", db_col_text(st, 2), "activity", db_col_text(st, 3),
      "activity_id", (json_int_t)db_col_int64(st, 4), "release_id", (json_int_t)db_col_int64(st, 5),
      "at", (json_int_t)db_col_int64(st, 6), "detail", detail));
  }
  db_finish(st);
  return step==DB_DONE || step==DB_ROW ? 0 : -1;
}

/*
** The figures last computed, kept by the worker while the database does not change: they are a
** function of the database and of (from, until, template) alone (whole days, not the clock), so
** a person moving between the page, its CSV and the API, or a team refreshing it, asks again for
** the same.  Shared with the caller by reference count; nobody changes them after computing.
*/
static struct { struct db *db; int64_t gen, from, until; char *tpl; json_t *res; } kept;

int insights_compute(struct app *a, int64_t from_ms, int64_t until_ms, const char *template_name, json_t **out){
  const char *tpl = template_name ? template_name : "";
  int64_t gen = db_generation(a->db);
  if( gen!=0 && kept.res && kept.db==a->db && kept.gen==gen && kept.from==from_ms && kept.until==until_ms
   && strcmp(kept.tpl, tpl)==0 ){
    *out = json_incref(kept.res);
    return HP_OK;
  }
  json_t *res = json_pack("{s:I,s:I,s:s,s:{},s:[],s:[],s:[],s:[]}", "from", (json_int_t)from_ms, "until", (json_int_t)until_ms,
                          "template", tpl, "summary", "activities", "teams", "approvers", "signals");
  *out = NULL;
  if( res==NULL ) return HP_ERROR;
  int bad = activity_figures(a, from_ms, until_ms, tpl, res) || team_figures(a, from_ms, until_ms, tpl, res)
         || approver_figures(a, from_ms, until_ms, tpl, res) || signals(a, from_ms, until_ms, tpl, res);
  if( bad ){ json_decref(res); return HP_ERROR; }
  *out = res;
  if( gen!=0 ){
    char *t = strdup(tpl);
    json_decref(kept.res);
    free(kept.tpl);
    kept.res = t ? json_incref(res) : NULL;
    kept.tpl = t;
    kept.db = a->db; kept.gen = gen; kept.from = from_ms; kept.until = until_ms;
  }
  return HP_OK;
}

void insights_opened(struct app *a, int64_t activity_id, int round, int64_t user_id){
  /* only the first view writes: later ones are one primary-key read, no write lock */
  struct db_stmt *q = db_prepare(a->db, "SELECT 1 FROM activity_opens WHERE activity_id=:a AND round=:r AND user_id=:u");
  int seen = 0;
  if( q ){
    db_bind_int64(q, ":a", activity_id);
    db_bind_int64(q, ":r", round);
    db_bind_int64(q, ":u", user_id);
    seen = db_step(q)==DB_ROW;
    db_finish(q);
  }
  if( seen ) return;
  if( db_begin_write(a->db) ) return;
  struct db_stmt *st = db_prepare(a->db, "INSERT OR IGNORE INTO activity_opens(activity_id, round, user_id, opened_at)"
                                       " VALUES(:a, :r, :u, :now)");
  int ok = st!=NULL;
  if( st ){
    db_bind_int64(st, ":a", activity_id);
    db_bind_int64(st, ":r", round);
    db_bind_int64(st, ":u", user_id);
    db_bind_int64(st, ":now", app_now_ms(a));
    ok = db_step(st)==DB_DONE;
    db_finish(st);
  }
  if( !ok || db_commit(a->db) ) db_rollback(a->db);
}

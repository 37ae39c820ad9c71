/* page_activity.c — the activity view: status, instructions, who may act, votes and history. */
#include "windows.h"
#include "page_release.h"
#include "relvars.h"
#include "export.h"
#include "insights.h"
#include "activity_view.h"
#include "template_view.h"
#include <jansson.h>
#include "util.h"
#include "app.h"
#include "db.h"
#include "policy.h"
#include "approvals.h"
#include "vars.h"
#include "inputs.h"
#include "evidence.h"
#include <cmark.h>
#include <stdlib.h>
#include <string.h>

#define ACT_MAX_ELIGIBLE 5000     /* eligible people listed for the current round */
#define ACT_MAX_DECISIONS 2000    /* decisions listed, all rounds */
#define ACT_HISTORY_MAX 200       /* newest audit rows about the activity */

/* The status class and label a decision is shown with. */
static const char *decision_status(const char *decision){
  if( strcmp(decision, "approve")==0 ) return "approved";
  if( strcmp(decision, "reject")==0 ) return "rejected";
  if( strcmp(decision, "proceed")==0 ) return "proceeded";
  if( strcmp(decision, "abort")==0 ) return "aborted";
  return "running";     /* take */
}

/* The release's variables and outputs for {{...}} (relvars.h); this activity's own outputs into OUTPUT. */
static int load_release_vars(struct req *r, int64_t rid, struct vars_release *v, const char *self_name,
                             tmpl_dict *d){
  if( relvars_load(r->app, &r->arena, rid, v) ) return HP_ERROR;
  int own = 0;
  for(size_t i=0; i<v->noutputs; i++){
    if( strcmp(v->outputs[i].activity, self_name)!=0 ) continue;     /* names are unique in a release */
    tmpl_dict *x = tmpl_section(d, "OUTPUT");
    tmpl_set(x, "OUTPUT_KEY", v->outputs[i].key);
    tmpl_set(x, "OUTPUT_VALUE", v->outputs[i].value);
    own++;
  }
  if( own ) tmpl_show(d, "HAS_OUTPUTS");
  return HP_OK;
}

/*
** Substitute the placeholders in the instructions, then render the Markdown
** with cmark (raw HTML and unsafe links off) into INSTRUCTIONS_HTML, the one
** value the template inserts unescaped.
*/
static int render_instructions(tmpl_dict *d, const char *text, struct vars_release *v){
  struct buf b;
  if( text==NULL || text[0]==0 ){
    tmpl_show(d, "NO_INSTRUCTIONS");
    return HP_OK;
  }
  buf_init(&b);
  vars_substitute(text, vars_release_lookup, v, &b);
  if( b.oom ){ buf_free(&b); return HP_ERROR; }
  char *html = cmark_markdown_to_html(b.z ? b.z : "", b.len, CMARK_OPT_SAFE);
  buf_free(&b);
  if( html==NULL ) return HP_ERROR;
  tmpl_set(tmpl_section(d, "INSTRUCTIONS"), "INSTRUCTIONS_HTML", html);
  free(html);
  return HP_OK;
}

struct elig { int rule; int64_t uid; const char *name; const char *decision; };

/* The order the section lists people in: by rule, then by name. */
static int elig_cmp(const void *pa, const void *pb){
  const struct elig *a = pa, *b = pb;
  if( a->rule!=b->rule ) return a->rule<b->rule ? -1 : 1;
  int c = strcmp(a->name ? a->name : "", b->name ? b->name : "");
  return c ? c : (a->uid<b->uid ? -1 : a->uid>b->uid);
}

/*
** The "Who may act" section of an approval: one RULE per policy rule with
** its eligible people (current round) and their votes, the mode, and how
** many approvals are still needed.
*/
static int add_approvers(struct req *r, tmpl_dict *d, int64_t id, int64_t round, const char *policy_json,
                         int64_t starter, int on_hold){
  struct policy *pol = NULL;
  char err[200];
  tmpl_dict *w = tmpl_section(d, "APPROVERS");
  struct db_stmt *st = db_prepare(r->app->db,
    "SELECT e.rule_index, u.id, u.display_name, d.decision FROM eligible e JOIN users u ON u.id=e.user_id"
    " LEFT JOIN decisions d ON d.activity_id=e.activity_id AND d.round=e.round AND d.user_id=e.user_id"
    "  AND d.decision IN ('approve','reject')"
    " WHERE e.activity_id=:id AND e.round=:round LIMIT :lim");     /* sorted below: no temporary b-tree */
  if( st==NULL ) return HP_ERROR;
  db_bind_int64(st, ":id", id);
  db_bind_int64(st, ":round", round);
  db_bind_int64(st, ":lim", ACT_MAX_ELIGIBLE);
  struct elig *el = NULL;
  size_t cap = 0;
  int nel = 0;
  while( db_step(st)==DB_ROW ){
    if( (el = arena_grow(&r->arena, el, (size_t)nel, &cap, sizeof(*el)))==NULL ){ db_finish(st); return HP_ERROR; }
    el[nel].rule = db_col_int(st, 0);
    el[nel].uid = db_col_int64(st, 1);
    el[nel].name = db_col_dup(&r->arena, st, 2);
    el[nel].decision = db_col_dup(&r->arena, st, 3);
    nel++;
  }
  db_finish(st);
  if( nel>1 ) qsort(el, (size_t)nel, sizeof(*el), elig_cmp);

  struct policy_status ps;
  /* the core's evaluation of this round (escalated people included, counts fixed at activation);
     the policy it parsed is the one the page shows */
  int evaluated = policy_json && nel>0 && approvals_status(r->app, id, &pol, &ps)==HP_OK;
  if( !evaluated && (policy_json==NULL || policy_parse(policy_json, &pol, err, sizeof(err))!=POLICY_OK) ){
    tmpl_show(w, "POLICY_UNKNOWN");
    policy_free(pol);
    pol = NULL;
  }
  int nrule = pol ? pol->nrule : 0;
  for(int k=0; k<nrule; k++){
    tmpl_dict *rd = tmpl_section(w, "RULE");
    tmpl_set(rd, "RULE_TEXT", view_rule_text(r, &pol->rule[k]));
    if( pol->rule[k].required ) tmpl_show(rd, "RULE_EMERGENCY");   /* a freeze's emergency rule */
    if( evaluated && k<ps.nrule ){
      const struct policy_rule_status *rs = &ps.rule[k];
      if( rs->required>0 ){
        tmpl_set(rd, "RULE_PROGRESS", arena_printf(&r->arena, "%d of %d approval%s", rs->approvals,
                                                   rs->required, rs->required==1 ? "" : "s"));
      }
      if( rs->met ) tmpl_show(rd, "RULE_MET");
      else if( !rs->open ) tmpl_show(rd, "RULE_CLOSED");
    }
    int np = 0;
    for(int i=0; i<nel; i++){
      if( el[i].rule!=k ) continue;
      tmpl_dict *p = tmpl_section(rd, "PERSON");
      tmpl_set(p, "PERSON_NAME", el[i].name);
      if( el[i].uid==r->user->id ) tmpl_show(p, "PERSON_YOU");
      if( el[i].uid==starter && !pol->allow_self_approval ) tmpl_show(p, "PERSON_STARTER");
      if( el[i].decision ){
        tmpl_dict *v = tmpl_section(p, "PERSON_VOTE");
        tmpl_set(v, "VOTE_STATUS", decision_status(el[i].decision));
        tmpl_set(v, "VOTE_LABEL", page_status_label(el[i].decision));
        /* votes cast stay counted when the person leaves the rule's group afterwards */
        if( on_hold && !mayact_in_group(r->app, el[i].uid, policy_kind_name(pol->rule[k].kind), pol->rule[k].name) ){
          tmpl_show(p, "PERSON_LEFT");
        }
      }
      np++;
    }
    if( np==0 && (nel>0 || on_hold) ) tmpl_show(rd, "NOBODY");   /* before the round opens nobody is chosen yet */
  }
  /* People added by escalation (rule -1), or rows for rules the policy does not list. */
  int nextra = 0;
  for(int i=0; i<nel; i++){
    if( el[i].rule>=0 && el[i].rule<nrule ) continue;
    tmpl_dict *p = tmpl_section(w, "EXTRA");
    tmpl_set(p, "PERSON_NAME", el[i].name);
    if( el[i].uid==r->user->id ) tmpl_show(p, "PERSON_YOU");
    if( el[i].decision ){
      tmpl_dict *v = tmpl_section(p, "PERSON_VOTE");
      tmpl_set(v, "VOTE_STATUS", decision_status(el[i].decision));
      tmpl_set(v, "VOTE_LABEL", page_status_label(el[i].decision));
    }
    nextra++;
  }
  if( nextra ) tmpl_show(w, "HAS_EXTRA");
  if( pol ){
    if( nrule>1 ) tmpl_set(tmpl_section(w, "MODE"), "MODE_TEXT", pol->mode==POLICY_MODE_ANY
      ? "Any one of these rules is enough."
      : pol->ordered ? "All of these rules, in this order: a rule opens when the one before it is met."
      : "All of these rules must be met.");
    if( pol->distinct && nrule>1 && pol->mode==POLICY_MODE_ALL ) tmpl_show(w, "DISTINCT");
    if( !pol->allow_self_approval ) tmpl_show(w, "NO_SELF");
  }
  if( nel==0 ) tmpl_show(w, "NO_ELIGIBLE");
  if( evaluated && on_hold ){
    if( ps.state==POLICY_PENDING && ps.needed>0 ){
      tmpl_set(tmpl_section(w, "NEEDED"), "NEEDED_TEXT", ps.needed==1 ? "1 more approval needed."
               : arena_printf(&r->arena, "%d more approvals needed.", ps.needed));
    }else if( ps.state==POLICY_PENDING && !ps.reachable ){
      tmpl_set(tmpl_section(w, "NEEDED"), "NEEDED_TEXT", "The quorum can no longer be reached.");
    }
  }
  policy_free(pol);
  return HP_OK;
}

/* Votes of the current round (VOTE rows, or NO_VOTES) and decisions of earlier rounds (EARLIER rows). */
static int add_decisions(struct req *r, tmpl_dict *d, int64_t id, int64_t round, const char *kind){
  char iso[40];
  struct db_stmt *st = db_prepare(r->app->db,
    "SELECT d.round, d.decision, d.comment, d.at, d.signed, d.signature_meaning, d.channel,"
    " u.display_name, ac.display_name, d.user_id<>d.actor_id, d.signature_method, d.artifact_digest"
    " FROM decisions d JOIN users u ON u.id=d.user_id JOIN users ac ON ac.id=d.actor_id"
    " WHERE d.activity_id=:id ORDER BY d.round, d.at, d.id LIMIT :lim");
  if( st==NULL ) return HP_ERROR;
  db_bind_int64(st, ":id", id);
  db_bind_int64(st, ":lim", ACT_MAX_DECISIONS);
  int ncur = 0, nold = 0;
  while( db_step(st)==DB_ROW ){
    int64_t rnd = db_col_int64(st, 0);
    tmpl_dict *v = tmpl_section(d, rnd==round ? "VOTE" : "EARLIER");
    const char *decision = db_col_text(st, 1);
    int64_t at = db_col_int64(st, 3);
    tmpl_set_int(v, "VOTE_ROUND", rnd);
    tmpl_set(v, "VOTE_STATUS", decision_status(decision));
    tmpl_set(v, "VOTE_LABEL", page_status_label(decision));
    tmpl_set(v, "VOTER", db_col_text(st, 7));
    if( db_col_int(st, 9) ) tmpl_set(tmpl_section(v, "ACTING"), "ACTOR", db_col_text(st, 8));
    if( db_col_text(st, 2)[0] ) tmpl_set(tmpl_section(v, "COMMENT"), "VOTE_COMMENT", db_col_text(st, 2));
    if( db_col_text(st, 11)[0] ) tmpl_set(tmpl_section(v, "VOTE_DIGEST"), "VOTE_DIGEST", db_col_text(st, 11));
    if( db_col_int(st, 4) ){
      tmpl_dict *sg = tmpl_section(v, "SIGNED");
      tmpl_set(sg, "SIGNED_MEANING", db_col_text(st, 5));
      tmpl_set(sg, "SIGNED_METHOD", export_signature_method_label(db_col_text(st, 10)));
    }
    tmpl_set(v, "VOTE_ISO", app_iso_time(at, iso, (int)sizeof(iso)));
    tmpl_set(v, "VOTE_UTC", page_time(r, at));
    tmpl_set(v, "VOTE_AGO", page_ago(r, at));
    if( strcmp(db_col_text(st, 6), "web")!=0 ) tmpl_set(tmpl_section(v, "CHANNEL"), "VOTE_CHANNEL", db_col_text(st, 6));
    if( rnd==round ) ncur++; else nold++;
  }
  db_finish(st);
  tmpl_set(d, "VOTES_TITLE", strcmp(kind, "approval")==0 ? "Votes" : "Decisions");
  if( ncur==0 ) tmpl_set(tmpl_section(d, "NO_VOTES"), "NO_VOTES_TEXT",
                         strcmp(kind, "approval")==0 ? "No votes yet." : "No decisions yet.");
  else tmpl_show(d, "HAS_VOTES");
  if( nold ) tmpl_show(d, "HAS_EARLIER");
  return HP_OK;
}

static int kv_cmp(const void *a, const void *b){
  return strcmp(((const struct vars_kv *)a)->key, ((const struct vars_kv *)b)->key);
}

/* A copy of n variables in a, sorted by key (bytes, as strcmp: the same on either database). */
static struct vars_kv *kv_sorted(struct arena *a, const struct vars_kv *kv, size_t n){
  struct vars_kv *c = arena_alloc(a, (n ? n : 1) * sizeof(*c));
  if( c==NULL ) return NULL;
  if( n ) memcpy(c, kv, n * sizeof(*c));
  if( n>1 ) qsort(c, n, sizeof(*c), kv_cmp);
  return c;
}

/*
** What changed since the previous release of the same name: its version and
** artifact, and the variables whose values differ (cur: this release's, as
** relvars_load read them; the previous release's read the same way, and the
** two lists compared here by key).  Nothing when this is the first.  HP_OK or
** HP_ERROR.
*/
static int add_since_previous(struct req *r, tmpl_dict *d, int64_t rid, const struct vars_release *cur){
  struct db *db = r->app->db;
  struct db_stmt *st = db_prepare(db,
    "SELECT p.id, p.version, p.artifact, c.version, c.artifact FROM releases c"
    " JOIN releases p ON p.name=c.name AND p.id<c.id WHERE c.id=:id ORDER BY p.id DESC LIMIT 1");
  if( st==NULL ) return HP_ERROR;
  db_bind_int64(st, ":id", rid);
  int step = db_step(st);
  if( step!=DB_ROW ){ db_finish(st); return step==DB_DONE ? HP_OK : HP_ERROR; }
  int64_t prev = db_col_int64(st, 0);
  tmpl_dict *s = tmpl_section(d, "SINCE");
  tmpl_set_int(s, "PREV_ID", prev);
  tmpl_set(s, "PREV_VERSION", db_col_text(st, 1)[0] ? db_col_text(st, 1) : "(no version)");
  if( strcmp(db_col_text(st, 2), db_col_text(st, 4))!=0 ){
    tmpl_dict *c = tmpl_section(s, "CHANGE");
    tmpl_set(c, "CHANGE_WHAT", "artifact");
    tmpl_set(c, "CHANGE_FROM", db_col_text(st, 2)[0] ? db_col_text(st, 2) : "none");
    tmpl_set(c, "CHANGE_TO", db_col_text(st, 4)[0] ? db_col_text(st, 4) : "none");
  }
  db_finish(st);
  struct vars_release before;
  memset(&before, 0, sizeof(before));
  if( relvars_load_vars(r->app, &r->arena, prev, &before) ) return HP_ERROR;
  struct vars_kv *p = kv_sorted(&r->arena, before.vars, before.nvars), *c = kv_sorted(&r->arena, cur->vars, cur->nvars);
  if( p==NULL || c==NULL ) return HP_ERROR;
  size_t i = 0, j = 0;
  int shown = 0;
  while( shown<100 && (i<before.nvars || j<cur->nvars) ){
    int k = i>=before.nvars ? 1 : j>=cur->nvars ? -1 : strcmp(p[i].key, c[j].key);
    const char *key, *from = NULL, *to = NULL;                                /* NULL: not set */
    if( k<=0 ){ key = p[i].key; from = p[i++].value; }                        /* set before */
    if( k>=0 ){ key = c[j].key; to = c[j++].value; }                          /* set now */
    if( from && to && strcmp(from, to)==0 ) continue;                         /* the same */
    shown++;
    tmpl_dict *x = tmpl_section(s, "CHANGE");
    tmpl_set(x, "CHANGE_WHAT", arena_printf(&r->arena, "variable %s", key));
    tmpl_set(x, "CHANGE_FROM", from ? from : "not set");
    tmpl_set(x, "CHANGE_TO", to ? to : "not set");
  }
  return HP_OK;
}

/* History: the audit rows about this activity (newest ACT_HISTORY_MAX, oldest first).  One index
   range (audit_object), newest first; the page shows them the other way round. */
static int add_history(struct req *r, tmpl_dict *d, int64_t id, int64_t rid, const char *act_name,
                       int show_files){
  char iso[40];
  struct db_stmt *st = db_prepare(r->app->db,
    "SELECT l.seq, l.at, coalesce(u.display_name, nullif(l.actor_name,''), 'Holdpoint'),"
    " l.action, l.details_json FROM audit_log l LEFT JOIN users u ON u.id=l.actor_id"
    " WHERE l.object_type='activity' AND l.object_id=:id AND " PAGE_TIMELINE_SHOWN("l.action")
    "  AND (l.release_id=:rid OR l.action='signature.failed')"   /* the only record kept without a release */
    " ORDER BY l.seq DESC LIMIT :lim");
  if( st==NULL ) return HP_ERROR;
  db_bind_int64(st, ":id", id);
  db_bind_int64(st, ":rid", rid);
  db_bind_int64(st, ":lim", ACT_HISTORY_MAX + 1);
  struct { int64_t at; const char *text; } ev[ACT_HISTORY_MAX + 1];
  int n = 0;
  while( n<=ACT_HISTORY_MAX && db_step(st)==DB_ROW ){
    const char *action = db_col_text(st, 3);
    const char *text = page_audit_sentence(r, action, db_col_text(st, 2), "activity", act_name,
                                           db_col_text(st, 4), show_files);
    ev[n].at = db_col_int64(st, 1);
    ev[n].text = text==action ? "" : text;       /* the arena's copy (the row's is gone at the next step) */
    n++;
  }
  db_finish(st);
  /* the newest ACT_HISTORY_MAX, oldest first (the one more read only says there are more) */
  int shown = n>ACT_HISTORY_MAX ? ACT_HISTORY_MAX : n;
  for(int i=shown-1; i>=0; i--){
    tmpl_dict *e = tmpl_section(d, "EVENT");
    tmpl_set(e, "EVENT_ISO", app_iso_time(ev[i].at, iso, (int)sizeof(iso)));
    tmpl_set(e, "EVENT_UTC", page_time(r, ev[i].at));
    tmpl_set(e, "EVENT_AGO", page_ago(r, ev[i].at));
    tmpl_set(e, "EVENT_TEXT", ev[i].text);
  }
  if( n==0 ) tmpl_show(d, "NO_EVENTS");
  if( n>ACT_HISTORY_MAX ) tmpl_show(d, "MORE_EVENTS");
  return HP_OK;
}

/* A dependency of the activity, for sorting by position. */
struct dep { int64_t id, position; const char *name, *status, *result, *details; };

static int dep_cmp(const void *a, const void *b){
  const struct dep *x = a, *y = b;
  return x->position<y->position ? -1 : x->position>y->position;
}

/* The columns of the activity query in page_activity(), in its order. */
enum {
  A_NAME, A_KIND, A_STATUS, A_DESCRIPTION, A_INSTRUCTIONS, A_POLICY, A_RESP_KIND, A_RESP_NAME, A_DEADLINE,
  A_RESULT, A_RESULT_DETAILS, A_ROUND, A_ACTIVATED, A_FINISHED, A_SIG_REQUIRED, A_SIG_MEANING, A_ESCALATED, A_PHASE_ID,
  A_PHASE_NAME, A_RELEASE_ID, A_RELEASE_NAME, A_RELEASE_VERSION, A_ARTIFACT, A_RELEASE_STATUS, A_TAKEN_BY, A_STARTER, A_CAN_ACT,
  A_SCHEDULED_UNTIL, A_TEMPLATE, A_HOLDER, A_CAN_SELF
};

/*
** GET /activities/{id} — one activity: status, kind, breadcrumbs, round,
** instructions (placeholders substituted, Markdown rendered safely), who
** may act, deadline, result, votes, history, and the place where the
** approvals module puts its form.  Eight queries.
*/
int page_activity(struct req *r){
  int64_t id = r->ids[0];
  struct db *db = r->app->db;
  struct db_stmt *st = db_prepare(db,
    "SELECT a.name, a.kind, a.status, a.description, a.instructions, a.policy_json,"
    " a.responsible_kind, a.responsible_name, a.deadline_at, a.result, a.result_details, a.round,"
    " a.activated_at, a.finished_at, a.signature_required, a.signature_meaning, a.escalated,"
    " p.id, p.name, rl.id, rl.name, rl.version, rl.artifact, rl.status, tu.display_name, rl.started_by,"
    " CASE WHEN a.status='on_hold' THEN " MAYACT_VIEWER("a") " ELSE FALSE END, a.scheduled_until,"
    " (SELECT t.name FROM templates t WHERE t.id=rl.template_id), coalesce(a.responsible_user_id,0),"
    " CASE WHEN a.status='on_hold' THEN " MAYACT_VIEWER_SELF("a") " ELSE FALSE END"
    " FROM activities a JOIN phases p ON p.id=a.phase_id JOIN releases rl ON rl.id=a.release_id"
    " LEFT JOIN users tu ON tu.id=a.responsible_user_id WHERE a.id=:id");
  if( st==NULL ) return HP_ERROR;
  db_bind_int64(st, ":id", id);
  db_bind_int64(st, ":uid", r->user->id);
  db_bind_int64(st, ":now", app_now_ms(r->app));
  if( db_step(st)!=DB_ROW ){ db_finish(st); return HP_NOT_FOUND; }
  struct arena *ar = &r->arena;
  const char *name = db_col_dup(ar, st, A_NAME), *kind = db_col_dup(ar, st, A_KIND), *status = db_col_dup(ar, st, A_STATUS);
  const char *instructions = db_col_dup(ar, st, A_INSTRUCTIONS), *policy_json = db_col_dup(ar, st, A_POLICY);
  const char *resp_kind = db_col_dup(ar, st, A_RESP_KIND), *resp_name = db_col_dup(ar, st, A_RESP_NAME);
  int64_t deadline = db_col_int64(st, A_DEADLINE), round = db_col_int64(st, A_ROUND);
  int64_t rid = db_col_int64(st, A_RELEASE_ID), starter = db_col_int64(st, A_STARTER);
  int can_act = db_col_int(st, A_CAN_ACT);
  struct activity_facts facts = {
    .kind = kind, .status = status, .signature_meaning = db_col_dup(ar, st, A_SIG_MEANING),
    .signature_required = db_col_int(st, A_SIG_REQUIRED), .holder = db_col_int64(st, A_HOLDER),
    .holder_name = db_col_dup(ar, st, A_TAKEN_BY), .can_act = can_act, .can_self = db_col_int(st, A_CAN_SELF),
  };
  struct vars_release v;
  memset(&v, 0, sizeof(v));
  v.id = rid;
  v.name = db_col_dup(ar, st, A_RELEASE_NAME);
  v.version = db_col_dup(ar, st, A_RELEASE_VERSION);
  v.artifact = db_col_dup(ar, st, A_ARTIFACT);

  tmpl_dict *d = tmpl_dict_new("activity");
  if( d==NULL ){ db_finish(st); return HP_ERROR; }
  if( v.artifact && v.artifact[0] ) tmpl_set(tmpl_section(d, "ARTIFACT"), "ARTIFACT", v.artifact);
  {
    static const char *const open_states[] = { "pending", "blocked", "scheduled", "running", "on_hold" };
    int open = 0;
    for(size_t i = 0; i<HP_ARRAY_SIZE(open_states); i++) open |= strcmp(status, open_states[i])==0;
    page_release_build(r, d, rid, open);
  }
  tmpl_set_int(d, "ID", id);
  tmpl_set(d, "NAME", name);
  tmpl_set(d, "KIND", kind);
  tmpl_set(d, "KIND_LABEL", page_kind_label(kind));
  page_badge(d, status);
  if( db_col_text(st, A_DESCRIPTION)[0] ) tmpl_set(tmpl_section(d, "DESCRIPTION"), "DESCRIPTION", db_col_text(st, A_DESCRIPTION));
  tmpl_set_int(d, "ROUND", round);
  if( round>1 ) tmpl_show(d, "LATER_ROUND");
  if( db_col_int(st, A_ESCALATED) ) tmpl_show(d, "ESCALATED");
  tmpl_set_int(d, "PHASE_ID", db_col_int64(st, A_PHASE_ID));
  tmpl_set(d, "PHASE_NAME", db_col_text(st, A_PHASE_NAME));
  tmpl_set_int(d, "RELEASE_ID", rid);
  tmpl_set(d, "RELEASE_NAME", v.name);
  tmpl_set(d, "RELEASE_VERSION", v.version);
  tmpl_set(d, "RELEASE_STATUS", db_col_text(st, A_RELEASE_STATUS));
  tmpl_set(d, "RELEASE_STATUS_LABEL", page_status_label(db_col_text(st, A_RELEASE_STATUS)));
  int on_hold = strcmp(status, "on_hold")==0;
  if( strcmp(status, "scheduled")==0 ){
    /* Its turn came outside its change window: when it starts, and which windows hold it. */
    tmpl_dict *s = tmpl_section(d, "SCHEDULED");
    if( !db_col_null(st, A_SCHEDULED_UNTIL) ){
      int64_t at = db_col_int64(st, A_SCHEDULED_UNTIL);
      tmpl_set(tmpl_section(s, "OPENS"), "OPENS_AT", page_time(r, at));
    }else{
      tmpl_show(s, "OPENS_UNKNOWN");
    }
    const char *w = windows_describe(r->app, ar, db_col_text(st, A_TEMPLATE), db_col_text(st, A_PHASE_NAME));
    if( w ) tmpl_set(tmpl_section(s, "WINDOWS"), "WINDOWS_TEXT", w);
  }
  if( strcmp(kind, "approval")==0 ){
    /* The freeze this round opened under (or that began while it waited). */
    struct freeze *fz;
    int nfz = 0;
    if( freezes_of_activity(r->app, ar, id, &fz, &nfz) ){ db_finish(st); return HP_ERROR; }
    if( nfz ){
      tmpl_dict *s = tmpl_section(d, "FREEZE");
      int64_t end = fz[0].ended_at && fz[0].ended_at<fz[0].ends_at ? fz[0].ended_at : fz[0].ends_at;
      tmpl_set(s, "FREEZE_REASON", fz[0].reason);
      tmpl_set(s, "FREEZE_UNTIL", page_time(r, end));
      tmpl_set(s, "FREEZE_APPROVER", arena_printf(ar, "%d approval%s of %s %s", fz[0].approver_min,
                                                  fz[0].approver_min==1 ? "" : "s", fz[0].approver_kind, fz[0].approver_name));
      tmpl_show(s, end<=app_now_ms(r->app) ? "FREEZE_OVER" : "FREEZE_ON");
    }
  }
  if( !db_col_null(st, A_ACTIVATED) ){
    tmpl_dict *s = tmpl_section(d, "ACTIVATED");
    tmpl_set(s, "ACTIVATED_UTC", page_time(r, db_col_int64(st, A_ACTIVATED)));
    tmpl_set(s, "ACTIVATED_AGO", page_ago(r, db_col_int64(st, A_ACTIVATED)));
  }else{
    tmpl_show(d, "NOT_ACTIVATED");
  }
  if( !db_col_null(st, A_FINISHED) ){
    tmpl_dict *s = tmpl_section(d, "FINISHED");
    tmpl_set(s, "FINISHED_UTC", page_time(r, db_col_int64(st, A_FINISHED)));
    tmpl_set(s, "FINISHED_AGO", page_ago(r, db_col_int64(st, A_FINISHED)));
  }
  /* Deadline: a live countdown while waiting; afterwards only when it was. */
  if( deadline>0 && on_hold ){
    page_deadline(r, d, deadline);
  }else if( deadline>0 ){
    tmpl_set(tmpl_section(d, "WAS_DUE"), "WAS_DUE_UTC", page_time(r, deadline));
  }else{
    tmpl_show(d, "NO_DEADLINE");
  }
  if( db_col_int(st, A_SIG_REQUIRED) ){
    tmpl_set(tmpl_section(d, "SIGNATURE"), "SIGNATURE_MEANING", db_col_text(st, A_SIG_MEANING));
  }
  if( strcmp(kind, "automated")==0 ){
    tmpl_dict *a = tmpl_section(d, "AUTOMATED");
    if( !db_col_null(st, A_RESULT) ){
      tmpl_dict *res = tmpl_section(a, "RESULT");
      tmpl_set(res, "RESULT", db_col_text(st, A_RESULT));
      tmpl_set(res, "RESULT_LABEL", page_status_label(db_col_text(st, A_RESULT)));
      if( db_col_text(st, A_RESULT_DETAILS)[0] ) tmpl_set(tmpl_section(res, "RESULT_DETAILS"), "DETAILS", db_col_text(st, A_RESULT_DETAILS));
    }else{
      tmpl_show(a, "NO_RESULT");
    }
  }else if( !db_col_null(st, A_RESULT) ){
    tmpl_dict *res = tmpl_section(d, "OUTCOME");
    tmpl_set(res, "RESULT", db_col_text(st, A_RESULT));
    tmpl_set(res, "RESULT_LABEL", page_status_label(db_col_text(st, A_RESULT)));
  }
  if( strcmp(kind, "manual")==0 ){
    tmpl_dict *m = tmpl_section(d, "RESPONSIBLE");
    if( resp_kind && resp_name ){
      tmpl_set(m, "RESP_TEXT", strcmp(resp_kind, "user")==0 ? arena_printf(ar, "user %s", resp_name)
                                                             : arena_printf(ar, "%s %s", resp_kind, resp_name));
    }else{
      tmpl_set(m, "RESP_TEXT", "nobody named");
    }
    if( db_col_text(st, A_TAKEN_BY)[0] ) tmpl_set(tmpl_section(m, "TAKEN"), "TAKEN_BY", db_col_text(st, A_TAKEN_BY));
    else tmpl_show(m, "NOT_TAKEN");
  }
  db_finish(st);
  /* the first time a person who may act opens it: when "opening to deciding" starts (insights.h) */
  if( can_act ) insights_opened(r->app, id, (int)round, r->user->id);
  int decides = 0;
  tmpl_dict *act = NULL;
  if( activity_view_decision_wanted(r, &facts) ){
    act = tmpl_section(d, "ACT");
    decides = activity_view_decision(r, act, id, &facts);     /* the forms (page_decide.c) */
    if( can_act ) tmpl_show(d, "YOU_CAN_ACT");
  }

  /* Dependencies, in the release's order (sorted here: a handful of rows, no temporary b-tree). */
  st = db_prepare(db,
    "SELECT da.id, da.name, da.status, da.result, da.result_details, da.position FROM activity_deps dep"
    " JOIN activities da ON da.id=dep.depends_on_id WHERE dep.activity_id=:id LIMIT 500");
  if( st==NULL ) goto fail;
  db_bind_int64(st, ":id", id);
  struct dep *deps = NULL;
  size_t dcap = 0;
  int ndeps = 0, nwhy = 0, step;
  while( (step = db_step(st))==DB_ROW ){
    if( (deps = arena_grow(ar, deps, (size_t)ndeps, &dcap, sizeof(*deps)))==NULL ) break;
    struct dep *x = &deps[ndeps++];
    x->id = db_col_int64(st, 0);
    x->name = db_col_dup(ar, st, 1);
    x->status = db_col_dup(ar, st, 2);
    x->result = db_col_dup(ar, st, 3);
    x->details = db_col_dup(ar, st, 4);
    x->position = db_col_int64(st, 5);
  }
  db_finish(st);
  if( step!=DB_DONE ) goto fail;
  if( ndeps>1 ) qsort(deps, (size_t)ndeps, sizeof(*deps), dep_cmp);
  for(int i=0; i<ndeps; i++){
    struct dep *x = &deps[i];
    tmpl_dict *t = tmpl_section(d, "DEP");
    tmpl_set_int(t, "DEP_ID", x->id);
    tmpl_set(t, "DEP_NAME", x->name);
    page_badge(t, x->status ? x->status : "");
    /* why it is on hold: what each step before it reported, with its data as labelled fields */
    if( x->result && x->result[0] ){
      tmpl_dict *w = tmpl_section(d, "WHY");
      tmpl_set_int(w, "WHY_ID", x->id);
      tmpl_set(w, "WHY_NAME", x->name);
      tmpl_set(w, "WHY_RESULT", x->result);
      tmpl_set(w, "WHY_RESULT_LABEL", page_status_label(x->result));
      page_json_fields(w, "DETAIL", x->details);
      nwhy++;
    }
  }
  if( ndeps ) tmpl_show(d, "HAS_DEPS"); else tmpl_show(d, "NO_DEPS");
  if( nwhy ) tmpl_show(d, "HAS_WHY");
  if( load_release_vars(r, rid, &v, name, d) ) goto fail;
  if( add_since_previous(r, d, rid, &v) ) goto fail;
  if( render_instructions(d, instructions, &v) ) goto fail;
  if( strcmp(kind, "approval")==0 && add_approvers(r, d, id, round, policy_json, starter, on_hold) ) goto fail;
  if( strcmp(kind, "automated")!=0 && add_decisions(r, d, id, round, kind) ) goto fail;
  int sees = mayact_sees_evidence(r->app, r->user->id, r->user->roles, rid, can_act);
  if( add_history(r, d, id, rid, name, sees) ) goto fail;
  int fillable = 0;
  if( activity_view_fields(r, d, id, round, sees, &facts, &fillable) || activity_view_evidence(r, d, id, sees) ) goto fail;   /* FIELDS, EVIDENCE */
  /* One form for the fields, the files and the decision (page_activity_submit). */
  if( decides || fillable ){
    tmpl_dict *f = tmpl_section(d, "ONE_FORM");
    tmpl_set_int(f, "ACTIVITY_ID", id);
    tmpl_set(f, "CSRF", r->csrf_token);
    if( fillable && act ) tmpl_show(act, "HAS_FIELDS_NOTE");
  }
  return page_render(r, 200, "activity.tpl", d, name);
fail:
  tmpl_dict_free(d);
  return HP_ERROR;
}

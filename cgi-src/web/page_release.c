/* page_release.c — the releases list, the release view, the phase view, retry and abort. */
#include "page_release.h"
#include "mayact.h"
#include "app.h"
#include "db.h"
#include "audit.h"
#include "engine.h"
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define RELEASES_PER_PAGE 25
#define RELEASE_MAX_ROWS 2000      /* phases or activities shown for one release */
#define TIMELINE_MAX 200           /* newest audit rows in a release's timeline */
#define WHO_MAX 12                 /* distinct people/teams named in "waiting for" */
#define WHO_ROWS 64                /* names read per activity to find them */

static const char *const release_statuses[] = {
  "running", "on_hold", "completed", "failed", "aborted", NULL
};

/* ---------------------------------------------------------------- helpers */

const char *page_status_label(const char *status){
  static const struct { const char *status, *label; } labels[] = {
    { "running", "Running" }, { "on_hold", "On Hold" }, { "completed", "Completed" },
    { "failed", "Failed" }, { "aborted", "Aborted" }, { "pending", "Pending" },
    { "blocked", "Blocked" }, { "scheduled", "Scheduled" }, { "waiting_for_approval", "Waiting for Approval" },
    { "rejected", "Rejected" }, { "skipped", "Skipped" },
    { "pass", "Pass" }, { "warning", "Warning" }, { "fail", "Fail" },
    { "approved", "Approved" }, { "proceeded", "Proceeded" }, { "expired", "Expired" },
    { "approve", "Approved" }, { "reject", "Rejected" }, { "take", "Took responsibility" },
    { "proceed", "Proceeded" }, { "abort", "Aborted" },
  };
  if( status==NULL ) return "";
  for(size_t i=0; i<HP_ARRAY_SIZE(labels); i++){
    if( strcmp(labels[i].status, status)==0 ) return labels[i].label;
  }
  return status;
}

const char *page_kind_label(const char *kind){
  if( kind && strcmp(kind, "approval")==0 ) return "Approval";
  if( kind && strcmp(kind, "manual")==0 ) return "Manual task";
  if( kind && strcmp(kind, "automated")==0 ) return "Automated";
  return kind ? kind : "";
}

void page_badge(tmpl_dict *d, const char *status){
  tmpl_set(d, "STATUS", status);
  tmpl_set(d, "STATUS_LABEL", page_status_label(status));
}

void page_deadline(struct req *r, tmpl_dict *d, int64_t at){
  char iso[40];
  if( at<=0 ) return;
  tmpl_dict *s = tmpl_section(d, "DEADLINE");
  tmpl_set(s, "DEADLINE_ISO", app_iso_time(at, iso, (int)sizeof(iso)));
  tmpl_set(s, "DEADLINE_UTC", page_time(r, at));
  if( at > app_now_ms(r->app) ){
    tmpl_set(s, "DEADLINE_LEFT", page_ago(r, at));            /* "in 3 h 20 min" */
    return;
  }
  /* page_ago says "3 h ago"; a passed deadline reads "3 h overdue" (as the countdown script does). */
  const char *ago = page_ago(r, at);
  size_t n = strlen(ago);
  if( n>4 && strcmp(ago+n-4, " ago")==0 ){
    tmpl_set(s, "DEADLINE_LEFT", arena_printf(&r->arena, "%.*s overdue", (int)(n-4), ago));
  }else{
    tmpl_set(s, "DEADLINE_LEFT", "overdue");
  }
  tmpl_show(s, "OVERDUE");
}

/* A string member of a JSON object, or NULL. */
static const char *json_str(json_t *o, const char *key){
  json_t *v = json_object_get(o, key);
  return json_is_string(v) ? json_string_value(v) : NULL;
}

/*
** How each audit action reads in a timeline.  In the text: %A the actor,
** %O the object's name (activity or phase), %R the result's label, %r
** " — <result>" when there is one, %B the activity whose result decided an
** automatic change, %T the comment, notes or reason (": “...”" or nothing),
** %D the decision ("approved"), %E the escalation target ("team admins"),
** %N the file name, %Q where a vote leaves the quorum (" — 1 of 2 needed",
** " — 2 of 2 needed: approved", " — so it is rejected"; nothing for records
** written before votes kept their counts).
** auto_text, when set, is used for changes the engine made on its own
** (details "automatic": true).
*/
static const struct {
  const char *action, *text, *auto_text;
} sentences[] = {
  { "release.create",    "%A started the release", NULL },
  { "release.on_hold",   "The release is On Hold", NULL },
  { "release.resume",    "The release is Running again", NULL },
  { "release.complete",  "The release completed", NULL },
  { "release.fail",      "The release failed", NULL },
  { "release.abort",     "%A aborted the release%T", NULL },
  { "release.new_build", "%A reported a new build: the release starts again", NULL },
  { "phase.start",       "Phase %O started", NULL },
  { "phase.resume",      "Phase %O is Running again", NULL },
  { "phase.waiting",     "Phase %O is Waiting for Approval", NULL },
  { "phase.complete",    "Phase %O completed", NULL },
  { "phase.fail",        "Phase %O failed", NULL },
  { "phase.abort",       "Phase %O was aborted", NULL },
  { "phase.reset",       "Phase %O was reset (a retry or a new build)", NULL },
  { "activity.activate", "%O started and waits for its result", NULL },
  { "activity.on_hold",  "%O waits for people to act", NULL },
  { "activity.block",    "%O is Blocked", NULL },
  { "activity.scheduled", "%O is Scheduled: its change window is closed, it starts when the window opens", NULL },
  { "activity.freeze_rule", "%O needs the emergency approver of a change freeze", NULL },
  { "activity.unblock",  "%O is Pending again", NULL },
  { "activity.result",   "%A reported %R for %O%T", NULL },
  { "activity.complete", "%O completed%r", "%O was approved automatically: %B reported %R" },
  { "activity.reject",   "%O was rejected%T", "%O was rejected automatically: %B reported %R" },
  { "activity.skip",     "%O was skipped", NULL },
  { "activity.retry",    "%A retried %O", NULL },
  { "activity.new_build", "%O is asked again for the new build", NULL },
  { "activity.abort",    "%O was aborted%T", NULL },
  { "activity.decision", "%A %D %O%T", NULL },
  { "activity.escalated", "%O was escalated to %E", NULL },
  { "activity.expired",  "The deadline of %O passed", NULL },
  { "activity.reminder", "A reminder about %O was sent", NULL },
  { "decision.approve",  "%A approved %O%T%Q", NULL },
  { "decision.reject",   "%A rejected %O%T%Q", NULL },
  { "task.take",         "%A took responsibility for %O", NULL },
  { "task.assign",       "%A handed %O to someone else", NULL },
  { "task.hand_back",    "%A handed %O back", NULL },
  { "task.proceed",      "%A proceeded with %O%T", NULL },
  { "task.abort",        "%A aborted %O%T", NULL },
  { "input.save",        "%A filled in the form of %O", NULL },
  { "evidence.upload",   "%A uploaded %N to %O", NULL },
  { "evidence.download", "%A downloaded %N", NULL },
  { "signature.failed",  "An electronic signature by %A failed for %O", NULL },
  { "evidence.refused",  "A file %A sent for %O was refused", NULL },
  { "action.run",        "An action ran after %O was approved", NULL },
};

/*
** Turn one audit record into a sentence a person reads in a timeline:
** "Alice Manager started the release", "qa-signoff is On Hold".  Unknown
** actions fall back to "<actor>: <action> <object>".  Without show_files
** (the reader may not see the release's evidence) a file is "a file".
*/
const char *page_audit_sentence(struct req *r, const char *action, const char *actor,
                                const char *object_type, const char *object_name,
                                const char *details_json, int show_files){
  const char *obj = object_name && object_name[0] ? object_name : NULL;
  const char *result = NULL, *tail = NULL, *because = NULL, *text = NULL;
  const char *decision = NULL, *target = NULL, *file = NULL, *quorum = NULL;
  int automatic = 0, known = -1;
  for(size_t i=0; known<0 && i<HP_ARRAY_SIZE(sentences); i++) if( strcmp(sentences[i].action, action)==0 ) known = (int)i;
  /* The details are read only when the sentence needs them: a name the record's object did
     not give, a result, comment, decision, target, file or quorum, or the automatic wording. */
  int needs = known<0 || sentences[known].auto_text!=NULL;
  for(const char *p = known>=0 ? sentences[known].text : ""; !needs && (p = strchr(p, '%'))!=NULL; p++){
    if( p[1] && (strchr("RrBDENTQ", p[1]) || (p[1]=='O' && obj==NULL)) ) needs = 1;
  }
  json_t *j = needs && details_json && details_json[0] ? json_loads(details_json, 0, NULL) : NULL;
  struct buf b;
  if( json_is_object(j) ){
    const char *z;
    if( obj==NULL && (z = json_str(j, "activity"))!=NULL ) obj = arena_strdup(&r->arena, z);
    if( obj==NULL && (z = json_str(j, "phase"))!=NULL ) obj = arena_strdup(&r->arena, z);
    automatic = json_is_true(json_object_get(j, "automatic"));
    if( (z = json_str(j, "because"))!=NULL ) because = arena_strdup(&r->arena, z);
    z = automatic ? json_str(j, "dependency_result") : json_str(j, "result");
    if( z ) result = page_status_label(z);
    z = json_str(j, "comment");
    if( z==NULL || z[0]==0 ) z = json_str(j, "notes");
    if( z==NULL || z[0]==0 ) z = json_str(j, "reason");
    if( z && z[0] ) tail = arena_printf(&r->arena, ": “%s”", z);
    if( (z = json_str(j, "decision"))!=NULL ){
      decision = !strcmp(z, "approve") ? "approved" : !strcmp(z, "reject") ? "rejected"
               : !strcmp(z, "take") ? "took responsibility for" : !strcmp(z, "proceed") ? "proceeded with"
               : !strcmp(z, "abort") ? "aborted" : NULL;
    }
    if( json_str(j, "to_kind") && json_str(j, "to") ){
      target = arena_printf(&r->arena, "%s %s", json_str(j, "to_kind"), json_str(j, "to"));
    }
    if( show_files && (z = json_str(j, "name"))!=NULL ) file = arena_printf(&r->arena, "“%s”", z);
    json_t *ja = json_object_get(j, "approvals"), *jn = json_object_get(j, "needed");
    if( (z = json_str(j, "quorum"))!=NULL && json_is_integer(ja) && json_is_integer(jn) ){
      long long got = json_integer_value(ja), more = json_integer_value(jn);
      if( strcmp(z, "rejected")==0 ) quorum = " — so it is rejected";
      else if( more>=0 ) quorum = arena_printf(&r->arena, " — %lld of %lld needed%s", got, got + more,
                                               strcmp(z, "approved")==0 ? ": approved" : "");
    }
  }
  json_decref(j);
  if( obj==NULL ) obj = object_type && strcmp(object_type, "release")==0 ? "the release" : "it";
  if( known>=0 ) text = automatic && sentences[known].auto_text && because ? sentences[known].auto_text : sentences[known].text;
  if( text==NULL ) return arena_printf(&r->arena, "%s: %s %s", actor, action, obj);
  buf_init(&b);
  for(const char *p = text; *p; p++){
    if( p[0]!='%' || p[1]==0 ){ buf_append(&b, p, 1); continue; }
    p++;
    switch( *p ){
      case 'A': buf_puts(&b, actor); break;
      case 'O': buf_puts(&b, obj); break;
      case 'R': buf_puts(&b, result ? result : "a result"); break;
      case 'r': if( result ){ buf_puts(&b, " — "); buf_puts(&b, result); } break;
      case 'B': buf_puts(&b, because ? because : "a dependency"); break;
      case 'D': buf_puts(&b, decision ? decision : "decided on"); break;
      case 'E': buf_puts(&b, target ? target : "a higher authority"); break;
      case 'N': buf_puts(&b, file ? file : "a file"); break;
      case 'T': if( tail ) buf_puts(&b, tail); break;
      case 'Q': if( quorum ) buf_puts(&b, quorum); break;
      default: buf_append(&b, p-1, 2); break;
    }
  }
  const char *out = arena_strdup(&r->arena, b.z ? b.z : "");
  buf_free(&b);
  return out ? out : action;
}

/*
** Add an EVENT row for each audit record st returns: seq, at, actor, action, type, object name,
** details.  Whether the reader may see release_id's files is asked only when a record names
** one (an evidence.* record): most timelines have none, and the question costs a statement.
*/
static int add_events(struct req *r, tmpl_dict *d, struct db_stmt *st, const char *section, int64_t release_id){
  int n = 0, show_files = -1;
  char iso[40];
  while( db_step(st)==DB_ROW ){
    tmpl_dict *e = tmpl_section(d, section);
    int64_t at = db_col_int64(st, 1);
    if( show_files<0 && strncmp(db_col_text(st, 3), "evidence.", 9)==0 ){
      show_files = mayact_sees_evidence(r->app, r->user->id, r->user->roles, release_id, 0);
    }
    tmpl_set(e, "EVENT_ISO", app_iso_time(at, iso, (int)sizeof(iso)));
    tmpl_set(e, "EVENT_UTC", page_time(r, at));
    tmpl_set(e, "EVENT_AGO", page_ago(r, at));
    tmpl_set(e, "EVENT_TEXT", page_audit_sentence(r, db_col_text(st, 3), db_col_text(st, 2),
                                                  db_col_text(st, 4), db_col_text(st, 5),
                                                  db_col_text(st, 6), show_files>0));
    n++;
  }
  return n;
}

/* The SELECT list and joins add_events expects, for audit_log aliased l. */
#define EVENT_COLUMNS \
  "l.seq, l.at, coalesce(eu.display_name, nullif(l.actor_name,''), 'Holdpoint'), l.action, l.object_type," \
  " CASE l.object_type WHEN 'activity' THEN ea.name WHEN 'phase' THEN ep.name END, l.details_json"
#define EVENT_JOINS \
  " LEFT JOIN users eu ON eu.id=l.actor_id" \
  " LEFT JOIN activities ea ON l.object_type='activity' AND ea.id=l.object_id" \
  " LEFT JOIN phases ep ON l.object_type='phase' AND ep.id=l.object_id"

/* Add the timeline of release id (newest TIMELINE_MAX rows, oldest first). */
static int add_timeline(struct req *r, tmpl_dict *d, int64_t id){
  struct db_stmt *st = db_prepare(r->app->db,
    "SELECT * FROM (SELECT " EVENT_COLUMNS " FROM audit_log l" EVENT_JOINS
    " WHERE l.release_id=:id AND " PAGE_TIMELINE_SHOWN("l.action")
    " ORDER BY l.seq DESC LIMIT :lim) ORDER BY 1");
  if( st==NULL ) return HP_ERROR;
  db_bind_int64(st, ":id", id);
  db_bind_int64(st, ":lim", TIMELINE_MAX + 1);
  int n = add_events(r, d, st, "EVENT", id);
  db_finish(st);
  if( n==0 ) tmpl_show(d, "NO_EVENTS");
  if( n>TIMELINE_MAX ) tmpl_show(d, "MORE_EVENTS");
  return HP_OK;
}

/* Add "who" to the list of distinct names (at most WHO_MAX). */
static void who_add(const char **who, int *n, const char *name){
  if( name==NULL || name[0]==0 ) return;
  for(int i=0; i<*n; i++) if( strcmp(who[i], name)==0 ) return;
  if( *n<WHO_MAX ) who[(*n)++] = name;
}

static int who_cmp(const void *a, const void *b){
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "a, b and c" from the names; "" for none. */
static const char *who_join(struct req *r, const char **who, int n){
  struct buf b;
  buf_init(&b);
  for(int i=0; i<n; i++){
    if( i>0 ) buf_puts(&b, i==n-1 ? " and " : ", ");
    buf_puts(&b, who[i]);
  }
  const char *z = arena_strdup(&r->arena, b.z ? b.z : "");
  buf_free(&b);
  return z;
}

static int may_manage(struct req *r){
  return req_has_role(r, ROLE_RELEASE_MANAGER|ROLE_ADMIN);
}

/* ---------------------------------------------------------------- /releases */

/*
** GET /releases — every release, newest first, 25 a page, with an optional
** ?status= filter.  Pages by key, not by offset (the thousandth page costs
** what the first does): ?older=ID lists the releases before ID; ?newer=ID
** the page just after it, found by reading up to 26 ids upwards first.
** Two index ranges at most.
*/
int page_releases(struct req *r){
  int64_t older, newer, key = INT64_MAX;      /* the page: ids below key */
  const char *status = req_query(r, "status");
  int valid = 0, has_newer = 0;
  req_qint(r, "older", 1, INT64_MAX, 0, &older);
  req_qint(r, "newer", 1, INT64_MAX, 0, &newer);
  for(int i=0; status && release_statuses[i]; i++) if( strcmp(status, release_statuses[i])==0 ) valid = 1;
  if( !valid ) status = NULL;
  struct db_stmt *st;
  if( older>0 ){
    key = older;
    has_newer = 1;
  }else if( newer>0 ){
    st = db_prepare(r->app->db, status
      ? "SELECT id FROM releases WHERE status=:status AND id>:newer ORDER BY id LIMIT :lim"
      : "SELECT id FROM releases WHERE id>:newer ORDER BY id LIMIT :lim");
    if( st==NULL ) return HP_ERROR;
    if( status ) db_bind_text(st, ":status", status);
    db_bind_int64(st, ":newer", newer);
    db_bind_int64(st, ":lim", RELEASES_PER_PAGE + 1);
    int k = 0;
    while( db_step(st)==DB_ROW ){
      if( ++k<=RELEASES_PER_PAGE ) key = db_col_int64(st, 0) + 1;
      else has_newer = 1;
    }
    db_finish(st);
  }
#define RELEASES_SQL(where) \
    "SELECT rl.id, rl.name, rl.version, rl.status, rl.created_at, t.id, t.name, t.version, u.display_name," \
    " (SELECT count(*) FROM activities a WHERE a.release_id=rl.id AND a.status='on_hold')"   /* activities_waiting */ \
    " FROM releases rl JOIN templates t ON t.id=rl.template_id JOIN users u ON u.id=rl.started_by" \
    " WHERE " where "rl.id<:key ORDER BY rl.id DESC LIMIT :lim"       /* ids grow with created_at */
  st = db_prepare(r->app->db, status ? RELEASES_SQL("rl.status=:status AND ") : RELEASES_SQL(""));
#undef RELEASES_SQL
  if( st==NULL ) return HP_ERROR;
  if( status ) db_bind_text(st, ":status", status);
  db_bind_int64(st, ":key", key);
  db_bind_int64(st, ":lim", RELEASES_PER_PAGE + 1);
  tmpl_dict *d = tmpl_dict_new("releases");
  if( d && req_has_role(r, ROLE_RELEASE_MANAGER|ROLE_ADMIN) ) tmpl_show(d, "CAN_START");
  if( d==NULL ){ db_finish(st); return HP_ERROR; }
  int n = 0, more = 0;
  int64_t first = 0, last = 0;
  while( db_step(st)==DB_ROW ){
    if( n==RELEASES_PER_PAGE ){ more = 1; break; }
    tmpl_dict *s = tmpl_section(d, "RELEASE");
    last = db_col_int64(st, 0);
    if( n==0 ) first = last;
    tmpl_set_int(s, "ID", last);
    tmpl_set(s, "NAME", db_col_text(st, 1));
    tmpl_set(s, "VERSION", db_col_text(st, 2));
    page_badge(s, db_col_text(st, 3));
    int64_t at = db_col_int64(st, 4);
    tmpl_set(s, "AGE", page_ago(r, at));
    tmpl_set(s, "CREATED_UTC", page_time(r, at));
    tmpl_set_int(s, "TEMPLATE_ID", db_col_int64(st, 5));
    tmpl_set(s, "TEMPLATE_NAME", db_col_text(st, 6));
    tmpl_set_int(s, "TEMPLATE_VERSION", db_col_int64(st, 7));
    tmpl_set(s, "STARTED_BY", db_col_text(st, 8));
    int waiting = db_col_int(st, 9);
    if( waiting>0 ) tmpl_set_int(tmpl_section(s, "WAITING"), "WAITING_COUNT", waiting);
    n++;
  }
  db_finish(st);
  for(int i=-1; i<(int)HP_ARRAY_SIZE(release_statuses)-1; i++){
    tmpl_dict *o = tmpl_section(d, "OPTION");
    const char *v = i<0 ? "" : release_statuses[i];
    tmpl_set(o, "VALUE", v);
    tmpl_set(o, "LABEL", i<0 ? "Any status" : page_status_label(v));
    if( (status==NULL && i<0) || (status && strcmp(status, v)==0) ) tmpl_show(o, "SELECTED");
  }
  const char *q = status ? arena_printf(&r->arena, "&status=%s", status) : "";
  if( n>0 && has_newer ){
    tmpl_set(tmpl_section(d, "NEWER"), "NEWER_URL", arena_printf(&r->arena, "/releases?newer=%lld%s", (long long)first, q));
    tmpl_set(tmpl_section(d, "NEWEST"), "NEWEST_URL", status ? arena_printf(&r->arena, "/releases?status=%s", status) : "/releases");
  }
  if( more ) tmpl_set(tmpl_section(d, "OLDER"), "OLDER_URL", arena_printf(&r->arena, "/releases?older=%lld%s", (long long)last, q));
  if( n>0 && (has_newer || more) ) tmpl_show(d, "PAGER");
  if( n>0 ) tmpl_show(d, "HAS_RELEASES");
  else if( status || older>0 || newer>0 ) tmpl_show(d, "NO_MATCH");
  else tmpl_show(d, "NO_RELEASES");
  if( status ) tmpl_set(tmpl_section(d, "FILTERED"), "FILTER_LABEL", page_status_label(status));
  return page_render(r, 200, "releases.tpl", d, "Releases");
}

/* ---------------------------------------------------------------- /releases/{id} */

struct phase_row {
  int64_t id;
  tmpl_dict *d;           /* the PHASE section, once added */
  int waiting;            /* activities on hold */
};

/* Find the phase with this id in rows[0..n). */
static struct phase_row *phase_find(struct phase_row *rows, int n, int64_t id){
  for(int i=0; i<n; i++) if( rows[i].id==id ) return &rows[i];
  return NULL;
}

/*
** GET /releases/{id} — the release: status, what waits for whom, facts,
** phases with their activities, Retry/Abort for release managers, and the
** timeline.  Six queries whatever the size of the release.
*/
void page_release_build(struct req *r, tmpl_dict *d, int64_t release_id, int open){
  struct db_stmt *st = db_prepare(r->app->db, "SELECT artifact_digest, previous_digest, build_changed_at FROM releases WHERE id=:id");
  if( st==NULL ) return;
  db_bind_int64(st, ":id", release_id);
  if( db_step(st)==DB_ROW ){
    if( db_col_text(st, 0)[0] ) tmpl_set(tmpl_section(d, "DIGEST"), "DIGEST", db_col_text(st, 0));
    if( open && !db_col_null(st, 2) ){
      tmpl_dict *b = tmpl_section(d, "NEW_BUILD");
      tmpl_set(b, "NEW_DIGEST", db_col_text(st, 0));
      tmpl_set(b, "OLD_DIGEST", db_col_text(st, 1)[0] ? db_col_text(st, 1) : "a build without a digest");
      tmpl_set(b, "NEW_BUILD_UTC", page_time(r, db_col_int64(st, 2)));
    }
  }
  db_finish(st);
}

int page_release(struct req *r){
  int64_t id = r->ids[0];
  struct db *db = r->app->db;
  struct db_stmt *st = db_prepare(db,
    "SELECT rl.name, rl.version, rl.artifact, rl.artifact_digest, rl.status, rl.on_reject, rl.created_at,"
    " rl.finished_at, t.id, t.name, t.version, u.display_name,"
    " json_extract(rl.origin_json, '$.keptn.project'), json_extract(rl.origin_json, '$.keptn.stage'),"
    " json_extract(rl.origin_json, '$.keptn.service'), json_extract(rl.origin_json, '$.keptn.context')"
    " FROM releases rl JOIN templates t ON t.id=rl.template_id JOIN users u ON u.id=rl.started_by"
    " WHERE rl.id=:id");
  if( st==NULL ) return HP_ERROR;
  db_bind_int64(st, ":id", id);
  if( db_step(st)!=DB_ROW ){ db_finish(st); return HP_NOT_FOUND; }
  tmpl_dict *d = tmpl_dict_new("release");
  if( d==NULL ){ db_finish(st); return HP_ERROR; }
  const char *name = db_col_dup(&r->arena, st, 0), *version = db_col_dup(&r->arena, st, 1);
  const char *status = db_col_dup(&r->arena, st, 4);
  tmpl_set_int(d, "ID", id);
  tmpl_set(d, "NAME", name);
  tmpl_set(d, "VERSION", version);
  if( db_col_text(st, 2)[0] ) tmpl_set(tmpl_section(d, "ARTIFACT"), "ARTIFACT", db_col_text(st, 2));
  else tmpl_show(d, "NO_ARTIFACT");
  page_release_build(r, d, id, 1);
  if( db_col_text(st, 12)[0] ){            /* a Keptn sequence asked for this release (api_keptn.c) */
    tmpl_dict *k = tmpl_section(d, "KEPTN");
    tmpl_set(k, "KEPTN_PROJECT", db_col_text(st, 12));
    tmpl_set(k, "KEPTN_STAGE", db_col_text(st, 13));
    tmpl_set(k, "KEPTN_SERVICE", db_col_text(st, 14));
    tmpl_set(k, "KEPTN_CONTEXT", db_col_text(st, 15));
  }
  page_badge(d, status);
  tmpl_set(d, "ON_REJECT", strcmp(db_col_text(st, 5), "fail_phase")==0
           ? "the phase fails; the release stays on hold for a retry" : "the release fails");
  tmpl_set(d, "CREATED_UTC", page_time(r, db_col_int64(st, 6)));
  tmpl_set(d, "CREATED_AGO", page_ago(r, db_col_int64(st, 6)));
  if( !db_col_null(st, 7) ){
    tmpl_dict *f = tmpl_section(d, "FINISHED");
    tmpl_set(f, "FINISHED_UTC", page_time(r, db_col_int64(st, 7)));
    tmpl_set(f, "FINISHED_AGO", page_ago(r, db_col_int64(st, 7)));
  }else{
    tmpl_show(d, "NOT_FINISHED");
  }
  tmpl_set_int(d, "TEMPLATE_ID", db_col_int64(st, 8));
  tmpl_set(d, "TEMPLATE_NAME", db_col_text(st, 9));
  tmpl_set_int(d, "TEMPLATE_VERSION", db_col_int64(st, 10));
  tmpl_set(d, "STARTED_BY", db_col_text(st, 11));
  db_finish(st);
  int manage = may_manage(r);
  if( r->csrf_token ) tmpl_set(d, "CSRF", r->csrf_token);
  /* Links to the records, for the roles the audit pages admit (router.c). */
  if( req_has_role(r, ROLE_AUDITOR|ROLE_ADMIN|ROLE_RELEASE_MANAGER) ){
    tmpl_dict *rec = tmpl_section(d, "RECORDS");
    if( req_has_role(r, ROLE_AUDITOR|ROLE_ADMIN) ) tmpl_show(rec, "TRAIL");
  }
  int live = strcmp(status, "completed")!=0 && strcmp(status, "aborted")!=0;
  if( manage && (strcmp(status, "running")==0 || strcmp(status, "on_hold")==0 || strcmp(status, "failed")==0) ){
    tmpl_show(d, "ABORT");
  }

  /* Variables. */
  st = db_prepare(db, "SELECT key, value FROM release_vars WHERE release_id=:id ORDER BY key LIMIT 500");
  if( st==NULL ) goto fail;
  db_bind_int64(st, ":id", id);
  int nvars = 0;
  while( db_step(st)==DB_ROW ){
    tmpl_dict *v = tmpl_section(d, "VAR");
    tmpl_set(v, "VAR_KEY", db_col_text(st, 0));
    tmpl_set(v, "VAR_VALUE", db_col_text(st, 1));
    nvars++;
  }
  db_finish(st);
  if( nvars==0 ) tmpl_show(d, "NO_VARS");

  /* Phases, in order. */
  st = db_prepare(db, "SELECT id, name, status FROM phases WHERE release_id=:id ORDER BY position LIMIT :lim");
  if( st==NULL ) goto fail;
  db_bind_int64(st, ":id", id);
  db_bind_int64(st, ":lim", RELEASE_MAX_ROWS);
  struct phase_row *phases = NULL;
  size_t pcap = 0;
  int nphases = 0;
  while( db_step(st)==DB_ROW ){
    if( (phases = arena_grow(&r->arena, phases, (size_t)nphases, &pcap, sizeof(*phases)))==NULL ){ db_finish(st); goto fail; }
    struct phase_row *p = &phases[nphases++];
    p->id = db_col_int64(st, 0);
    p->d = tmpl_section(d, "PHASE");
    tmpl_set_int(p->d, "PHASE_ID", p->id);
    tmpl_set(p->d, "PHASE_NAME", db_col_text(st, 1));
    page_badge(p->d, db_col_text(st, 2));
  }
  db_finish(st);
  if( nphases==0 ) tmpl_show(d, "NO_PHASES");

  /* Activities with the viewer's ability to act, and the names of who else may. */
  st = db_prepare(db,
    "SELECT a.id, a.phase_id, a.name, a.kind, a.status, a.deadline_at, a.result,"
    " a.responsible_kind, a.responsible_name, tu.display_name,"
    " CASE WHEN a.status='on_hold' THEN " MAYACT_VIEWER("a") " ELSE FALSE END,"
    " CASE WHEN a.status='on_hold' THEN"
    "  (SELECT group_concat(dn, char(31)) FROM (SELECT u.display_name dn FROM may_act m"
    "    JOIN users u ON u.id=m.user_id WHERE m.activity_id=a.id AND m.round=a.round AND " MAYACT_OPEN("m")
    "    LIMIT " HP_STR(WHO_ROWS) ")) END,"                        /* who_add keeps them once, sorted below */
    " p.status, a.scheduled_until"
    /* phases in order, then each phase's activities in order (activities_phase): no sorting */
    " FROM phases p CROSS JOIN activities a ON a.phase_id=p.id"
    " LEFT JOIN users tu ON tu.id=a.responsible_user_id"
    " WHERE p.release_id=:id AND a.release_id=:id ORDER BY p.position, a.position LIMIT :lim");
  if( st==NULL ) goto fail;
  db_bind_int64(st, ":id", id);
  db_bind_int64(st, ":uid", r->user->id);
  db_bind_int64(st, ":now", app_now_ms(r->app));
  db_bind_int64(st, ":lim", RELEASE_MAX_ROWS);
  int mine = 0, others = 0, stuck = 0, nobody = 0;
  const char *who[WHO_MAX], *stuck_names[WHO_MAX];
  int nwho = 0;
  while( db_step(st)==DB_ROW ){
    int64_t aid = db_col_int64(st, 0);
    struct phase_row *p = phase_find(phases, nphases, db_col_int64(st, 1));
    if( p==NULL ) continue;
    const char *astatus = db_col_text(st, 4);
    tmpl_dict *a = tmpl_section(p->d, "ACT");
    tmpl_set_int(a, "ACT_ID", aid);
    tmpl_set(a, "ACT_NAME", db_col_text(st, 2));
    tmpl_set(a, "ACT_KIND", page_kind_label(db_col_text(st, 3)));
    page_badge(a, astatus);
    if( !db_col_null(st, 6) && strcmp(db_col_text(st, 3), "automated")==0 ){
      tmpl_dict *res = tmpl_section(a, "RESULT");
      tmpl_set(res, "RESULT", db_col_text(st, 6));
      tmpl_set(res, "RESULT_LABEL", page_status_label(db_col_text(st, 6)));
    }
    int on_hold = strcmp(astatus, "on_hold")==0;
    if( strcmp(astatus, "scheduled")==0 && !db_col_null(st, 13) ){
      tmpl_set(tmpl_section(a, "STARTS"), "STARTS_AT", page_time(r, db_col_int64(st, 13)));   /* its change window */
    }
    if( on_hold && strcmp(db_col_text(st, 12), "failed")==0 ){
      tmpl_show(a, "FROZEN");                 /* waits for the failed activity's retry, not for people */
    }else if( on_hold ){
      p->waiting++;
      page_deadline(r, a, db_col_int64(st, 5));
      if( db_col_int(st, 10) ){
        mine++;
        tmpl_show(a, "YOURS");
        tmpl_dict *m = tmpl_section(d, "MINE_ACT");
        tmpl_set_int(m, "MINE_ID", aid);
        tmpl_set(m, "MINE_NAME", db_col_text(st, 2));
      }else{
        const char *names = db_col_dup(&r->arena, st, 11);
        if( names==NULL || names[0]==0 ){
          nobody++;
        }else{
          others++;
          /* Split the names (joined with the unit separator, 0x1f) so that each person is listed once. */
          char *copy = arena_strdup(&r->arena, names), *save = NULL;
          for(char *t = copy ? strtok_r(copy, "\x1f", &save) : NULL; t; t = strtok_r(NULL, "\x1f", &save)){
            who_add(who, &nwho, t);
          }
        }
      }
    }
    /* What the engine can retry: rejected, failed, or aborted (a manual task's Abort) in a live release. */
    if( live && (strcmp(astatus, "rejected")==0 || strcmp(astatus, "failed")==0 || strcmp(astatus, "aborted")==0) ){
      if( manage ) tmpl_show(a, "RETRY");
      who_add(stuck_names, &stuck, db_col_dup(&r->arena, st, 2));
    }
  }
  db_finish(st);
  for(int i=0; i<nphases; i++){
    if( phases[i].waiting>0 ) tmpl_set_int(tmpl_section(phases[i].d, "PHASE_WAITING"), "WAITING_COUNT", phases[i].waiting);
  }
  if( mine>0 ){
    tmpl_dict *m = tmpl_section(d, "YOUR_INPUT");
    tmpl_set(m, "YOUR_INPUT_TEXT", mine==1 ? "1 activity requires your input"
             : arena_printf(&r->arena, "%d activities require your input", mine));
  }
  if( others>0 ){
    tmpl_dict *o = tmpl_section(d, "WAITING_OTHERS");
    if( nwho>1 ) qsort(who, (size_t)nwho, sizeof(*who), who_cmp);       /* by name */
    const char *names = nwho ? who_join(r, who, nwho) : "the people who may act";
    tmpl_set(o, "WAITING_TEXT", mine>0 ? arena_printf(&r->arena, "Also waiting for %s", names)
             : arena_printf(&r->arena, "%s — waiting for %s", page_status_label(status), names));
  }
  if( nobody>0 ){
    tmpl_set(tmpl_section(d, "NOBODY"), "NOBODY_TEXT", nobody==1
             ? "1 activity is on hold but no one can act on it — an administrator must reassign it."
             : arena_printf(&r->arena, "%d activities are on hold but no one can act on them — an administrator must reassign them.", nobody));
  }
  if( stuck>0 && mine==0 && others==0 ){
    /* Nothing waits for people: the release waits for a retry or an abort. */
    tmpl_dict *h = tmpl_section(d, "STUCK");
    tmpl_set(h, "STUCK_TEXT", arena_printf(&r->arena, "%s — %s did not pass.", page_status_label(status),
                                           who_join(r, stuck_names, stuck)));
    tmpl_set(h, "STUCK_NEXT", manage ? (stuck==1 ? "Retry it below, or abort the release."
                                                 : "Retry them below, or abort the release.")
                                     : "A release manager can retry or abort the release.");
  }
  if( add_timeline(r, d, id) ) goto fail;
  return page_render(r, 200, "release.tpl", d, arena_printf(&r->arena, "%s %s", name, version));
fail:
  tmpl_dict_free(d);
  return HP_ERROR;
}

/* ---------------------------------------------------------------- /phases/{id} */

/*
** GET /phases/{id} — one phase: status, "Waiting for Approval" with the
** number of pending approvals, its activities with kind, status, deadline
** and dependencies ("after deploy-qa").  Three queries.
*/
int page_phase(struct req *r){
  int64_t id = r->ids[0];
  struct db *db = r->app->db;
  struct db_stmt *st = db_prepare(db,
    "SELECT p.name, p.status, p.started_at, p.finished_at,"
    " (SELECT count(*) FROM phases p1 WHERE p1.release_id=p.release_id AND p1.position<=p.position),"
    " rl.id, rl.name, rl.version, rl.status,"
    " (SELECT count(*) FROM phases p2 WHERE p2.release_id=rl.id)"
    " FROM phases p JOIN releases rl ON rl.id=p.release_id WHERE p.id=:id");
  if( st==NULL ) return HP_ERROR;
  db_bind_int64(st, ":id", id);
  if( db_step(st)!=DB_ROW ){ db_finish(st); return HP_NOT_FOUND; }
  tmpl_dict *d = tmpl_dict_new("phase");
  if( d==NULL ){ db_finish(st); return HP_ERROR; }
  const char *name = db_col_dup(&r->arena, st, 0);
  tmpl_set_int(d, "ID", id);
  tmpl_set(d, "NAME", name);
  page_badge(d, db_col_text(st, 1));
  int phase_failed = strcmp(db_col_text(st, 1), "failed")==0;
  if( !db_col_null(st, 2) ){
    tmpl_dict *s = tmpl_section(d, "STARTED");
    tmpl_set(s, "STARTED_UTC", page_time(r, db_col_int64(st, 2)));
    tmpl_set(s, "STARTED_AGO", page_ago(r, db_col_int64(st, 2)));
  }else{
    tmpl_show(d, "NOT_STARTED");
  }
  if( !db_col_null(st, 3) ){
    tmpl_dict *s = tmpl_section(d, "FINISHED");
    tmpl_set(s, "FINISHED_UTC", page_time(r, db_col_int64(st, 3)));
    tmpl_set(s, "FINISHED_AGO", page_ago(r, db_col_int64(st, 3)));
  }else{
    tmpl_show(d, "NOT_FINISHED");
  }
  tmpl_set_int(d, "POSITION", db_col_int64(st, 4));
  tmpl_set_int(d, "NPHASES", db_col_int64(st, 9));
  tmpl_set_int(d, "RELEASE_ID", db_col_int64(st, 5));
  tmpl_set(d, "RELEASE_NAME", db_col_text(st, 6));
  tmpl_set(d, "RELEASE_VERSION", db_col_text(st, 7));
  tmpl_set(d, "RELEASE_STATUS", db_col_text(st, 8));
  tmpl_set(d, "RELEASE_STATUS_LABEL", page_status_label(db_col_text(st, 8)));
  db_finish(st);

  /* Dependencies of the phase's activities: one query, grouped below by activity. */
  st = db_prepare(db,
    "SELECT dep.activity_id, da.id, da.name, da.status FROM activity_deps dep"
    " JOIN activities a ON a.id=dep.activity_id JOIN activities da ON da.id=dep.depends_on_id"
    " WHERE a.phase_id=:id ORDER BY dep.activity_id, da.position LIMIT :lim");
  if( st==NULL ) goto fail;
  db_bind_int64(st, ":id", id);
  db_bind_int64(st, ":lim", RELEASE_MAX_ROWS);
  struct dep { int64_t of, id; const char *name, *status; } *deps = NULL;
  size_t dcap = 0;
  int ndeps = 0;
  while( db_step(st)==DB_ROW ){
    if( (deps = arena_grow(&r->arena, deps, (size_t)ndeps, &dcap, sizeof(*deps)))==NULL ){ db_finish(st); goto fail; }
    deps[ndeps].of = db_col_int64(st, 0);
    deps[ndeps].id = db_col_int64(st, 1);
    deps[ndeps].name = db_col_dup(&r->arena, st, 2);
    deps[ndeps].status = db_col_dup(&r->arena, st, 3);
    ndeps++;
  }
  db_finish(st);

  st = db_prepare(db,
    "SELECT a.id, a.name, a.kind, a.status, a.deadline_at, a.result, a.activated_at,"
    " CASE WHEN a.status='on_hold' THEN " MAYACT_VIEWER("a") " ELSE FALSE END"
    " FROM activities a JOIN releases rl ON rl.id=a.release_id"
    " WHERE a.phase_id=:id ORDER BY a.position LIMIT :lim");
  if( st==NULL ) goto fail;
  db_bind_int64(st, ":id", id);
  db_bind_int64(st, ":uid", r->user->id);
  db_bind_int64(st, ":now", app_now_ms(r->app));
  db_bind_int64(st, ":lim", RELEASE_MAX_ROWS);
  int n = 0, approvals = 0, manual = 0, mine = 0;
  while( db_step(st)==DB_ROW ){
    int64_t aid = db_col_int64(st, 0);
    const char *kind = db_col_text(st, 2), *astatus = db_col_text(st, 3);
    tmpl_dict *a = tmpl_section(d, "ACT");
    tmpl_set_int(a, "ACT_ID", aid);
    tmpl_set(a, "ACT_NAME", db_col_text(st, 1));
    tmpl_set(a, "ACT_KIND", page_kind_label(kind));
    page_badge(a, astatus);
    if( !db_col_null(st, 5) && strcmp(kind, "automated")==0 ){
      tmpl_dict *res = tmpl_section(a, "RESULT");
      tmpl_set(res, "RESULT", db_col_text(st, 5));
      tmpl_set(res, "RESULT_LABEL", page_status_label(db_col_text(st, 5)));
    }
    if( strcmp(astatus, "on_hold")==0 && phase_failed ){
      tmpl_show(a, "FROZEN");                 /* waits for the failed activity's retry, not for people */
    }else if( strcmp(astatus, "on_hold")==0 ){
      if( strcmp(kind, "approval")==0 ) approvals++; else manual++;
      page_deadline(r, a, db_col_int64(st, 4));
      if( !db_col_null(st, 6) ){
        tmpl_set(tmpl_section(a, "SINCE"), "SINCE_AGO", page_ago(r, db_col_int64(st, 6)));
      }
      if( db_col_int(st, 7) ){ tmpl_show(a, "YOURS"); mine++; }
    }
    int nd = 0;
    for(int i=0; i<ndeps; i++){
      if( deps[i].of!=aid ) continue;
      tmpl_dict *x = tmpl_section(a, "DEP");
      tmpl_set_int(x, "DEP_ID", deps[i].id);
      tmpl_set(x, "DEP_NAME", deps[i].name);
      page_badge(x, deps[i].status);
      if( nd++>0 ) tmpl_show(x, "DEP_COMMA");
    }
    if( nd==0 ) tmpl_show(a, "NO_DEPS");
    n++;
  }
  db_finish(st);
  tmpl_show(d, n==0 ? "NO_ACTS" : "HAS_ACTS");
  if( approvals>0 ){
    tmpl_dict *w = tmpl_section(d, "WAITING_APPROVAL");
    tmpl_set_int(w, "PENDING_APPROVALS", approvals);
    tmpl_set(w, "PENDING_TEXT", approvals==1 ? "1 pending approval"
             : arena_printf(&r->arena, "%d pending approvals", approvals));
  }
  if( manual>0 ){
    tmpl_set(tmpl_section(d, "WAITING_MANUAL"), "MANUAL_TEXT", manual==1 ? "1 manual task waiting"
             : arena_printf(&r->arena, "%d manual tasks waiting", manual));
  }
  if( mine>0 ){
    tmpl_set(tmpl_section(d, "YOUR_INPUT"), "YOUR_INPUT_TEXT", mine==1 ? "1 activity requires your input"
             : arena_printf(&r->arena, "%d activities require your input", mine));
  }
  return page_render(r, 200, "phase.tpl", d, arena_printf(&r->arena, "Phase %s", name));
fail:
  tmpl_dict_free(d);
  return HP_ERROR;
}

/* ---------------------------------------------------------------- retry / abort */

/* 1 when release id exists. */
static int release_exists(struct req *r, int64_t id){
  struct db_stmt *st = db_prepare(r->app->db, "SELECT 1 FROM releases WHERE id=:id");
  int found = 0;
  if( st==NULL ) return 0;
  db_bind_int64(st, ":id", id);
  found = db_step(st)==DB_ROW;
  db_finish(st);
  return found;
}

/*
** POST /releases/{id}/retry — run a rejected or failed activity again (its
** round + 1).  Route flags: AUTH | CSRF, release managers and admins.
** Field: activity (the activity's id).  Flash + 303 back to the release.
*/
int page_release_retry(struct req *r){
  int64_t id = r->ids[0], act = 0;
  struct audit_ctx c;
  char err[300] = "";
  if( !req_int(r, "activity", 1, INT64_MAX, 0, &act) || act==0 ){
    page_flash(r, "Nothing was retried: choose an activity to retry.");
    return resp_redirect(r, "/releases/%lld", (long long)id);
  }
  if( !release_exists(r, id) ) return HP_NOT_FOUND;
  req_audit_ctx(r, &c);
  int rc = engine_retry(r->app, &c, id, act, err, sizeof(err));
  if( rc==HP_OK ){
    struct db_stmt *st = db_prepare(r->app->db, "SELECT name, round FROM activities WHERE id=:id");
    if( st ){
      db_bind_int64(st, ":id", act);
      if( db_step(st)==DB_ROW ){
        page_flash(r, "Retrying %s (round %lld).", db_col_text(st, 0), (long long)db_col_int64(st, 1));
      }
      db_finish(st);
    }
  }else if( rc==HP_NOT_FOUND || rc==HP_CONFLICT || rc==HP_UNPROCESSABLE ){
    page_flash(r, "Nothing was retried: %s", err[0] ? err : "that activity cannot be retried now.");
  }else{
    return rc;
  }
  return resp_redirect(r, "/releases/%lld", (long long)id);
}

/*
** POST /releases/{id}/abort — stop the release: it and every unfinished
** phase and activity become aborted.  Route flags: AUTH | CSRF, release
** managers and admins.  Field: reason (optional, up to 1000 characters).
*/
int page_release_abort(struct req *r){
  int64_t id = r->ids[0];
  const char *reason;
  struct audit_ctx c;
  char err[300] = "";
  if( !req_text(r, "reason", 0, 1000, &reason) ){
    page_flash(r, "Not aborted: %s", req_error_for(r, "reason"));
    return resp_redirect(r, "/releases/%lld", (long long)id);
  }
  req_audit_ctx(r, &c);
  int rc = engine_abort(r->app, &c, id, reason, err, sizeof(err));
  if( rc==HP_NOT_FOUND ) return HP_NOT_FOUND;
  if( rc==HP_OK ){
    page_flash(r, "The release was aborted.");
  }else if( rc==HP_CONFLICT || rc==HP_UNPROCESSABLE ){
    page_flash(r, "Not aborted: %s", err[0] ? err : "the release cannot be aborted now.");
  }else{
    return rc;
  }
  return resp_redirect(r, "/releases/%lld", (long long)id);
}

/* notify.c — who hears about what: in-app notifications, the outbox, its delivery by the job runner. */
#include "notify.h"
#include "util.h"
#include "relvars.h"
#include "slack.h"
#include "app.h"
#include "db.h"
#include "log.h"
#include "audit.h"
#include "vars.h"
#include <curl/curl.h>
#include <openssl/hmac.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#define NOTIFY_MAX_RECIPIENTS 500      /* people told about one event */
#define NOTIFY_MAX_CHANNELS 64         /* channels considered for one event */
#define NOTIFY_MAX_INFLIGHT 32         /* outbox rows delivered at once */
#define NOTIFY_MAX_CONFIG (1024*1024)  /* bytes of notify.json */
#define NOTIFY_MAX_RESPONSE 2048       /* bytes of a receiver's answer kept for the error */
#define NOTIFY_MAX_DELAY_MS (24LL*3600*1000)

/* ================================================================== events */

static const struct notify_event pref_events[] = {
  { "waiting", "An activity is waiting for me" },
  { "reminder", "Reminders and approaching deadlines" },
  { "escalated", "An activity was escalated to me" },
  { "approved", "An approval of my release was approved" },
  { "rejected", "An approval of my release was rejected or expired" },
  { "done", "A manual task of my release was done (proceeded or aborted)" },
  { "release", "My release failed or was aborted" },
};

/* What happened -> preference, CloudEvents type, text template group. */
static const struct { const char *name, *pref, *ce_type, *group; } event_map[] = {
  { "waiting", "waiting", "dev.holdpoint.activity.waiting", "waiting" },
  { "reminder", "reminder", "dev.holdpoint.activity.reminder", "reminder" },
  { "escalated", "escalated", "dev.holdpoint.activity.escalated", "escalated" },
  { "approved", "approved", "dev.holdpoint.activity.approved", "finished" },
  { "rejected", "rejected", "dev.holdpoint.activity.rejected", "finished" },
  { "expired", "rejected", "dev.holdpoint.activity.rejected", "finished" },
  { "proceeded", "done", "dev.holdpoint.activity.done", "finished" },
  { "aborted", "done", "dev.holdpoint.activity.aborted", "finished" },
  { "release_failed", "release", "dev.holdpoint.release.failed", "release" },
  { "release_aborted", "release", "dev.holdpoint.release.aborted", "release" },
  { "test", "test", "dev.holdpoint.test", "test" },
};

const char *const notify_personal_channels[] = { "email", "sms", "inapp", NULL };

const struct notify_event *notify_events(size_t *n){
  *n = HP_ARRAY_SIZE(pref_events);
  return pref_events;
}

const struct notify_event *notify_event_find(const char *key){
  for(size_t i=0; key && i<HP_ARRAY_SIZE(pref_events); i++){
    if( strcmp(pref_events[i].key, key)==0 ) return &pref_events[i];
  }
  return NULL;
}

static int event_index(const char *name){
  for(size_t i=0; name && i<HP_ARRAY_SIZE(event_map); i++){
    if( strcmp(event_map[i].name, name)==0 ) return (int)i;
  }
  return -1;
}

const char *notify_event_pref(const char *name){
  int i = event_index(name);
  return i<0 ? NULL : event_map[i].pref;
}

const char *notify_event_ce_type(const char *name){
  int i = event_index(name);
  return i<0 ? NULL : event_map[i].ce_type;
}

int notify_pref_default(const char *channel){
  return channel && strcmp(channel, "sms")!=0;
}

/* ================================================================== pure helpers */

int64_t notify_backoff_ms(int64_t base_ms, int attempts){
  if( base_ms<=0 ) base_ms = 1;
  if( attempts<1 ) attempts = 1;
  int64_t d = base_ms;
  for(int i=1; i<attempts; i++){
    if( d >= NOTIFY_MAX_DELAY_MS/2 ) return NOTIFY_MAX_DELAY_MS;
    d *= 2;
  }
  return d > NOTIFY_MAX_DELAY_MS ? NOTIFY_MAX_DELAY_MS : d;
}

void notify_hmac_hex(const char *key, size_t nkey, const char *msg, size_t n, char out[65]){
  util_hmac_hex(key, nkey, msg, n, out);
}

void notify_webhook_signature(const char *secret, const char *body, size_t n, char out[72]){
  char hex[65];
  notify_hmac_hex(secret ? secret : "", secret ? strlen(secret) : 0, body, n, hex);
  snprintf(out, 72, "sha256=%s", hex);
}

json_t *notify_cloudevent(const char *type, const char *id, int64_t time_ms, const char *subject, json_t *data){
  char iso[40];
  app_iso_time(time_ms, iso, sizeof(iso));
  json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "specversion", "1.0", "id", id, "source", "holdpoint",
                        "type", type, "time", iso, "datacontenttype", "application/json");
  if( j==NULL ){ json_decref(data); return NULL; }
  if( subject ) json_object_set_new(j, "subject", json_string(subject));
  json_object_set_new(j, "data", data ? data : json_object());
  return j;
}

/* Format 16 bytes as a UUID with the version-4 and variant bits set. */
static void uuid_format(unsigned char b[16], char out[37]){
  char hex[33];
  b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
  b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
  util_hex(b, 16, hex);
  snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex+8, hex+12, hex+16, hex+20);
}

int notify_new_key(char out[37]){
  unsigned char b[16];
  if( RAND_bytes(b, sizeof(b))!=1 ) return -1;
  uuid_format(b, out);
  return 0;
}

/* A key derived from a text (the same text gives the same key): Keptn's triggered/finished pairing. */
static void derived_key(const char *text, char out[37]){
  unsigned char md[32];
  unsigned int len = 0;
  EVP_Digest(text, strlen(text), md, &len, EVP_sha256(), NULL);
  uuid_format(md, out);
}

static int is_word(const char *name, size_t n, const char *w){
  return strlen(w)==n && memcmp(name, w, n)==0;
}

static int put_str(struct buf *out, const char *z){
  buf_puts(out, z ? z : "");
  return 1;
}

int notify_text_lookup(void *ctx, const char *name, size_t n, struct buf *out){
  const struct notify_text *t = ctx;
  if( t==NULL ) return 0;
  if( is_word(name, n, "activity.name") ) return put_str(out, t->activity_name);
  if( is_word(name, n, "activity.id") ){
    if( t->activity_id>0 ) buf_printf(out, "%lld", (long long)t->activity_id);
    return 1;
  }
  if( is_word(name, n, "activity.kind") ) return put_str(out, t->activity_kind);
  if( is_word(name, n, "activity.phase") ) return put_str(out, t->phase);
  if( is_word(name, n, "activity.link") || is_word(name, n, "link") ) return put_str(out, t->link);
  if( is_word(name, n, "activity.deadline") ) return put_str(out, t->deadline);
  if( is_word(name, n, "event") ) return put_str(out, t->event);
  if( is_word(name, n, "outcome") ) return put_str(out, t->outcome);
  if( is_word(name, n, "recipient.name") ) return put_str(out, t->recipient_name);
  if( is_word(name, n, "recipient.username") ) return put_str(out, t->recipient_username);
  if( n>17 && memcmp(name, "activity.outputs.", 17)==0 && t->activity_name ){
    /* this activity's own outputs: activities.<its name>.outputs.KEY */
    struct buf full;
    buf_init(&full);
    buf_printf(&full, "activities.%s.outputs.%.*s", t->activity_name, (int)(n - 17), name + 17);
    int found = full.oom ? 0 : vars_release_lookup((void*)t->rel, full.z, full.len, out);
    buf_free(&full);
    return found;
  }
  return vars_release_lookup((void*)t->rel, name, n, out);
}

int notify_render(const char *tpl, const struct notify_text *t, char **subject, char **body){
  struct buf s, b;
  *subject = *body = NULL;
  if( tpl==NULL ) tpl = "";
  while( *tpl=='\n' || *tpl=='\r' || *tpl==' ' || *tpl=='\t' ) tpl++;
  size_t nline = strcspn(tpl, "\n");
  char *first = strndup(tpl, nline);
  if( first==NULL ) return -1;
  if( nline && first[nline-1]=='\r' ) first[nline-1] = 0;
  const char *rest = tpl + nline;
  while( *rest=='\n' || *rest=='\r' ) rest++;
  buf_init(&s);
  buf_init(&b);
  vars_substitute(first, notify_text_lookup, (void*)t, &s);
  vars_substitute(rest, notify_text_lookup, (void*)t, &b);
  free(first);
  buf_append(&s, "", 0);
  buf_append(&b, "", 0);
  if( s.oom || b.oom ){ buf_free(&s); buf_free(&b); return -1; }
  /* A subject is one line: values can hold newlines. */
  for(char *p = s.z; *p; p++) if( *p=='\r' || *p=='\n' || *p=='\t' ) *p = ' ';
  *subject = s.z;
  *body = b.z;
  return 0;
}

/* ================================================================== texts */

static const struct { const char *name, *text; } default_texts[] = {
  { "waiting",
    "{{activity.name}} in {{release.name}} {{release.version}} is waiting for you\n"
    "Hello {{recipient.name}},\n\n"
    "The {{activity.kind}} \"{{activity.name}}\" of release {{release.name}} {{release.version}} "
    "(phase {{activity.phase}}) is On Hold and waiting for you.\n"
    "Deadline: {{activity.deadline}}\n\nOpen it in Holdpoint: {{activity.link}}\n" },
  { "reminder",
    "Reminder: {{activity.name}} in {{release.name}} {{release.version}} is waiting for you\n"
    "Hello {{recipient.name}},\n\n"
    "\"{{activity.name}}\" of release {{release.name}} {{release.version}} is still waiting for you; "
    "its deadline is {{activity.deadline}}.\n\nOpen it in Holdpoint: {{activity.link}}\n" },
  { "escalated",
    "Escalated to you: {{activity.name}} in {{release.name}} {{release.version}} passed its deadline\n"
    "Hello {{recipient.name}},\n\n"
    "Nobody decided \"{{activity.name}}\" of release {{release.name}} {{release.version}} before its deadline, "
    "so it was escalated to you. The new deadline is {{activity.deadline}}.\n\n"
    "Open it in Holdpoint: {{activity.link}}\n" },
  { "finished",
    "{{activity.name}} in {{release.name}} {{release.version}}: {{outcome}}\n"
    "Hello {{recipient.name}},\n\n"
    "\"{{activity.name}}\" of release {{release.name}} {{release.version}} was {{outcome}}.\n"
    "Decided by: {{activity.outputs.responsible_user.display_name}}\nNotes: {{activity.outputs.notes}}\n\n"
    "Open it in Holdpoint: {{activity.link}}\n" },
  { "release",
    "Release {{release.name}} {{release.version}} {{outcome}}\n"
    "Hello {{recipient.name}},\n\n"
    "Release {{release.name}} {{release.version}} {{outcome}}. You can retry the activity that stopped it, "
    "or look at what happened.\n\nOpen it in Holdpoint: {{link}}\n" },
  { "test",
    "Holdpoint test message\n"
    "This is a test message from Holdpoint: the channel works.\n\n{{link}}\n" },
};

/* Read a small file into a malloc'd string; NULL if missing or unreadable. */
static char *read_small_file(const char *path, size_t max, size_t *nout){
  FILE *f = fopen(path, "rb");
  if( f==NULL ) return NULL;
  char *z = malloc(max + 1);
  size_t n = z ? fread(z, 1, max + 1, f) : 0;
  int bad = z==NULL || ferror(f) || n>max;
  fclose(f);
  if( bad ){ free(z); return NULL; }
  z[n] = 0;
  if( nout ) *nout = n;
  return z;
}

/* The text of an event: templates/notify/<name>.txt, then <group>.txt, then the built-in one. */
char *notify_template_text(struct app *a, const char *name){
  int i = event_index(name);
  const char *group = i<0 ? "finished" : event_map[i].group;
  char path[PATH_MAX + 64];
  for(int k=0; k<2; k++){
    const char *f = k==0 ? name : group;
    if( f==NULL || strspn(f, "abcdefghijklmnopqrstuvwxyz_")!=strlen(f) ) continue;
    if( snprintf(path, sizeof(path), "%s/templates/notify/%s.txt", a->cfg.root_dir, f)>=(int)sizeof(path) ) continue;
    char *z = read_small_file(path, 16*1024, NULL);
    if( z ) return z;
  }
  for(size_t k=0; k<HP_ARRAY_SIZE(default_texts); k++){
    if( strcmp(default_texts[k].name, group)==0 ) return strdup(default_texts[k].text);
  }
  return strdup(default_texts[3].text);
}

/* ================================================================== what an event is about */

/* The activity (when activity_id>0) and release of an event, with what texts may name; in ar. */
struct ctx {
  int64_t activity_id, release_id, started_by, deadline_at;
  int round, signature_required;
  const char *act_name, *act_kind, *act_status, *phase, *actions_json;
  const char *rel_status;
  char link[400], rel_link[400], deadline[40];
  struct vars_release rel;
  const char *people_json;     /* activity events: the ids of the people to tell, as a JSON array */
  const char *origin_json;     /* releases.origin_json: a Keptn control plane's approval.triggered */
};

static void base_url(struct app *a, const char **z, int *n){
  *z = a->cfg.base_url;
  *n = (int)strlen(*z);
  while( *n>0 && (*z)[*n-1]=='/' ) (*n)--;
}

static const char *ms_words(int64_t ms, char *buf, size_t n){
  if( ms<=0 ){ snprintf(buf, n, "none"); return buf; }
  return util_time_in(ms, NULL, 0, buf, n);
}

/* Load the release's variables and every output of its activities (for {{...}}). */
static int load_vars(struct app *a, struct arena *ar, struct ctx *x){
  return relvars_load(a, ar, x->release_id, &x->rel);
}

/* Fill x for an activity (activity_id>0) or a release.  0, 1 when it does not exist, -1 on error. */
static int load_ctx(struct app *a, struct arena *ar, int64_t activity_id, int64_t release_id, struct ctx *x){
  const char *bz;
  int bn, found = 0;
  memset(x, 0, sizeof(*x));
  struct db_stmt *st = activity_id>0 ? db_prepare(a->db,
      "SELECT a.id, r.id, r.name, r.version, r.artifact, r.status, r.started_by, a.name, a.kind, a.status,"
      " p.name, a.round, coalesce(a.deadline_at,0), a.signature_required, a.actions_json, r.origin_json"
      " FROM activities a JOIN releases r ON r.id=a.release_id JOIN phases p ON p.id=a.phase_id WHERE a.id=:id")
    : db_prepare(a->db,
      "SELECT 0, r.id, r.name, r.version, r.artifact, r.status, r.started_by, NULL, NULL, NULL, NULL, 0, 0, 0, '[]',"
      " r.origin_json FROM releases r WHERE r.id=:id");
  if( st==NULL ) return -1;
  db_bind_int64(st, ":id", activity_id>0 ? activity_id : release_id);
  if( db_step(st)==DB_ROW ){
    found = 1;
    x->activity_id = db_col_int64(st, 0);
    x->release_id = db_col_int64(st, 1);
    x->rel.id = x->release_id;
    x->rel.name = db_col_dup(ar, st, 2);
    x->rel.version = db_col_dup(ar, st, 3);
    x->rel.artifact = db_col_dup(ar, st, 4);
    x->rel_status = db_col_dup(ar, st, 5);
    x->started_by = db_col_int64(st, 6);
    x->act_name = db_col_dup(ar, st, 7);
    x->act_kind = db_col_dup(ar, st, 8);
    x->act_status = db_col_dup(ar, st, 9);
    x->phase = db_col_dup(ar, st, 10);
    x->round = db_col_int(st, 11);
    x->deadline_at = db_col_int64(st, 12);
    x->signature_required = db_col_int(st, 13);
    x->actions_json = db_col_dup(ar, st, 14);
    x->origin_json = db_col_dup(ar, st, 15);
  }
  db_finish(st);
  if( !found ) return 1;
  base_url(a, &bz, &bn);
  snprintf(x->rel_link, sizeof(x->rel_link), "%.*s/releases/%lld", bn, bz, (long long)x->release_id);
  if( x->activity_id>0 ){
    snprintf(x->link, sizeof(x->link), "%.*s/activities/%lld", bn, bz, (long long)x->activity_id);
  }else{
    snprintf(x->link, sizeof(x->link), "%s", x->rel_link);
  }
  ms_words(x->deadline_at, x->deadline, sizeof(x->deadline));
  return load_vars(a, ar, x);
}

static void text_of(const struct ctx *x, const char *event, const char *outcome, struct notify_text *t){
  memset(t, 0, sizeof(*t));
  t->rel = &x->rel;
  t->activity_id = x->activity_id;
  t->activity_name = x->act_name;
  t->activity_kind = x->act_kind && strcmp(x->act_kind, "manual")==0 ? "manual task" : x->act_kind;
  t->phase = x->phase;
  t->link = x->link;
  t->deadline = x->deadline;
  t->event = event;
  t->outcome = outcome;
}

/* data of a CloudEvent: the release and activity as receivers need them. */
static json_t *event_data(const struct ctx *x, const char *event, const char *outcome, const char *text){
  json_t *d = json_pack("{s:s,s:s,s:{s:I,s:s,s:s,s:s,s:s,s:s}}", "event", event, "text", text ? text : "",
                        "release", "id", (json_int_t)x->release_id, "name", x->rel.name ? x->rel.name : "",
                        "version", x->rel.version ? x->rel.version : "", "artifact", x->rel.artifact ? x->rel.artifact : "",
                        "status", x->rel_status ? x->rel_status : "", "url", x->rel_link);
  if( d==NULL ) return NULL;
  if( outcome ) json_object_set_new(d, "outcome", json_string(outcome));
  if( x->activity_id>0 ){
    json_object_set_new(d, "activity", json_pack("{s:I,s:s,s:s,s:s,s:s,s:i,s:s}", "id", (json_int_t)x->activity_id,
                        "name", x->act_name ? x->act_name : "", "kind", x->act_kind ? x->act_kind : "",
                        "phase", x->phase ? x->phase : "", "status", x->act_status ? x->act_status : "",
                        "round", x->round, "url", x->link));
  }
  return d;
}

/* ================================================================== channels */

struct chan {
  int64_t id;
  const char *name, *type, *team;
  json_t *cfg;                  /* owned */
};

static void chans_free(struct chan *c, int n){
  for(int i=0; i<n; i++) json_decref(c[i].cfg);
}

/*
** The enabled channels of the given types; for slack/teams only those whose
** team is '' or one the event concerns (team_sql: a SELECT of team names
** with :a and :r bound, or NULL for all).  Returns the count, -1 on error.
*/
static int load_chans(struct app *a, struct arena *ar, const char *types_json, const char *team_sql,
                      int64_t act, int64_t rel, struct chan *out, int max){
  char sql[2048];
  snprintf(sql, sizeof(sql),
    "SELECT id, name, type, team, config_json FROM notify_channels c WHERE enabled=1"
    " AND type IN (SELECT value FROM json_each(:types))"
    " AND (type NOT IN ('slack','teams') OR team='' OR %s) ORDER BY id LIMIT :lim",
    team_sql ? team_sql : "1=1");
  struct db_stmt *st = db_prepare(a->db, sql);
  int n = 0;
  if( st==NULL ) return -1;
  db_bind_text(st, ":types", types_json);
  if( team_sql && strstr(team_sql, ":a") ) db_bind_int64(st, ":a", act);
  if( team_sql && strstr(team_sql, ":r") ) db_bind_int64(st, ":r", rel);
  db_bind_int64(st, ":lim", max);
  int step;
  while( (step = db_step(st))==DB_ROW && n<max ){
    out[n].id = db_col_int64(st, 0);
    out[n].name = db_col_dup(ar, st, 1);
    out[n].type = db_col_dup(ar, st, 2);
    out[n].team = db_col_dup(ar, st, 3);
    out[n].cfg = json_loads(db_col_text(st, 4), 0, NULL);
    if( !json_is_object(out[n].cfg) ){ json_decref(out[n].cfg); out[n].cfg = json_object(); }
    n++;
    if( out[n-1].name==NULL || out[n-1].type==NULL || out[n-1].team==NULL || out[n-1].cfg==NULL ){
      step = DB_ERROR;                     /* out of memory: no half-read channel */
      break;
    }
  }
  db_finish(st);
  if( step!=DB_ROW && step!=DB_DONE ){ chans_free(out, n); return -1; }
  return n;
}

/* Teams an activity's event concerns: approval rules, the responsible team, the escalation team. */
#define TEAMS_OF_ACTIVITY \
  "lower(c.team) IN (" \
  " SELECT lower(json_extract(j.value,'$.name')) FROM activities x," \
  "  json_each(CASE WHEN json_valid(x.policy_json) THEN x.policy_json ELSE '{}' END,'$.rules') j" \
  "  WHERE x.id=:a AND json_extract(j.value,'$.kind')='team'" \
  " UNION SELECT lower(x.responsible_name) FROM activities x WHERE x.id=:a AND x.responsible_kind='team'" \
  " UNION SELECT lower(json_extract(x.on_timeout_json,'$.name')) FROM activities x" \
  "  WHERE x.id=:a AND json_valid(x.on_timeout_json) AND json_extract(x.on_timeout_json,'$.kind')='team')"
/* ... and a release's: those of every activity. */
#define TEAMS_OF_RELEASE \
  "lower(c.team) IN (" \
  " SELECT lower(json_extract(j.value,'$.name')) FROM activities x," \
  "  json_each(CASE WHEN json_valid(x.policy_json) THEN x.policy_json ELSE '{}' END,'$.rules') j" \
  "  WHERE x.release_id=:r AND json_extract(j.value,'$.kind')='team'" \
  " UNION SELECT lower(x.responsible_name) FROM activities x WHERE x.release_id=:r AND x.responsible_kind='team')"

/* Does the channel's optional "events" list let this event through? */
static int chan_wants(const struct chan *c, const char *event){
  json_t *ev = json_object_get(c->cfg, "events");
  if( !json_is_array(ev) || json_array_size(ev)==0 ) return 1;
  const char *pref = notify_event_pref(event);
  size_t i;
  json_t *v;
  json_array_foreach(ev, i, v){
    const char *z = json_string_value(v);
    if( z && (strcmp(z, event)==0 || (pref && strcmp(z, pref)==0)) ) return 1;
  }
  return 0;
}

static const char *cfg_str(json_t *cfg, const char *key){
  const char *z = json_string_value(json_object_get(cfg, key));
  return z ? z : "";
}

/* ================================================================== the outbox */

/*
** Insert one outbox row, due now.  payload is stolen; its idempotency_key,
** release_id and activity_id members are added.  A key that exists already
** (a derived Keptn key) is not queued twice.  0 or -1.
*/
static int outbox_put(struct app *a, const char *channel, int64_t channel_id, const char *recipient,
                      const char *event, json_t *payload, const char *key, const struct ctx *x){
  int rc = -1;
  if( payload==NULL ){
    /* a message that cannot be built (out of memory, text that is not UTF-8) is skipped, logged:
       formatting never blocks the change that caused the event */
    log_msg("notify: a %s message for '%s' could not be built; skipped", channel, event);
    return 0;
  }
  json_object_set_new(payload, "idempotency_key", json_string(key));
  if( x && x->release_id ) json_object_set_new(payload, "release_id", json_integer(x->release_id));
  if( x && x->activity_id ) json_object_set_new(payload, "activity_id", json_integer(x->activity_id));
  char *pj = json_dumps(payload, JSON_COMPACT|JSON_SORT_KEYS);
  json_decref(payload);
  if( pj==NULL ) return -1;
  struct db_stmt *st = db_prepare(a->db,
    "INSERT OR IGNORE INTO outbox(channel,recipient,event,payload_json,idempotency_key,status,attempts,"
    "next_attempt_at,created_at,channel_id,release_id,activity_id)"
    " VALUES(:ch,:rcpt,:ev,:p,:k,'pending',0,:now,:now,:cid,:rid,:aid)");
  if( st ){
    int64_t now = app_now_ms(a);
    db_bind_text(st, ":ch", channel);
    db_bind_text(st, ":rcpt", recipient ? recipient : "");
    db_bind_text(st, ":ev", event);
    db_bind_text(st, ":p", pj);
    db_bind_text(st, ":k", key);
    db_bind_int64(st, ":now", now);
    if( channel_id>0 ) db_bind_int64(st, ":cid", channel_id); else db_bind_null(st, ":cid");
    if( x && x->release_id ) db_bind_int64(st, ":rid", x->release_id); else db_bind_null(st, ":rid");
    if( x && x->activity_id ) db_bind_int64(st, ":aid", x->activity_id); else db_bind_null(st, ":aid");
    rc = db_step(st)==DB_DONE ? 0 : -1;
    db_finish(st);
  }
  free(pj);
  return rc;
}

/* Queue an HTTP body (a JSON value, dumped) for a channel. */
static int outbox_http(struct app *a, const struct chan *c, const char *channel, const char *event,
                       json_t *body, const char *content_type, const char *key, const struct ctx *x){
  char *z = body ? json_dumps(body, JSON_COMPACT|JSON_ENSURE_ASCII) : NULL;
  json_decref(body);
  if( z==NULL ) return outbox_put(a, channel, 0, "", event, NULL, key, x);   /* logged, skipped */
  json_t *p = json_pack("{s:s,s:s,s:s}", "event", event, "content_type", content_type, "body", z);
  free(z);
  return outbox_put(a, channel, c ? c->id : 0, c ? c->name : "", event, p, key, x);
}

/* Percent-encode for an x-www-form-urlencoded value. */
static void put_form_escaped(struct buf *out, const char *z){
  static const char hx[] = "0123456789ABCDEF";
  for(; *z; z++){
    unsigned char ch = (unsigned char)*z;
    if( (ch>='a'&&ch<='z') || (ch>='A'&&ch<='Z') || (ch>='0'&&ch<='9') || ch=='-' || ch=='_' || ch=='.' || ch=='~' ){
      buf_append(out, z, 1);
    }else if( ch==' ' ){
      buf_append(out, "+", 1);
    }else{
      char e[3] = { '%', hx[ch>>4], hx[ch&15] };
      buf_append(out, e, 3);
    }
  }
}

/* The values an SMS body template names, escaped for its content type. */
struct sms_vals { const char *to, *text, *link, *key; int json, form; };

static int sms_lookup(void *ctx, const char *name, size_t n, struct buf *out){
  const struct sms_vals *v = ctx;
  const char *z = is_word(name, n, "to") ? v->to : is_word(name, n, "text") ? v->text
                : is_word(name, n, "link") ? v->link : is_word(name, n, "idempotency_key") ? v->key : NULL;
  if( z==NULL ) return 0;
  if( v->json ){
    json_t *s = json_string(z);
    char *d = s ? json_dumps(s, JSON_ENCODE_ANY|JSON_ENSURE_ASCII) : NULL;
    json_decref(s);
    if( d ){ buf_append(out, d + 1, strlen(d) - 2); free(d); }   /* without the quotes */
  }else if( v->form ){
    put_form_escaped(out, z);
  }else{
    buf_puts(out, z);
  }
  return 1;
}

#define SMS_DEFAULT_BODY "{\"to\":\"{{to}}\",\"text\":\"{{text}}\",\"idempotency_key\":\"{{idempotency_key}}\"}"

/* Queue a text message through an SMS gateway channel. */
static int outbox_sms(struct app *a, const struct chan *c, const char *event, const char *phone,
                      const char *subject, const struct ctx *x){
  char key[37];
  const char *ct = cfg_str(c->cfg, "content_type");
  const char *tpl = cfg_str(c->cfg, "body_template");
  if( ct[0]==0 ) ct = "application/json";
  if( tpl[0]==0 ) tpl = SMS_DEFAULT_BODY;
  if( notify_new_key(key) ) return -1;
  struct buf text, body;
  buf_init(&text);
  buf_init(&body);
  buf_printf(&text, "%s %s", subject, x ? x->link : "");
  struct sms_vals v = { phone, text.z ? text.z : "", x ? x->link : "", key,
                        strstr(ct, "json")!=NULL, strstr(ct, "x-www-form-urlencoded")!=NULL };
  vars_substitute(tpl, sms_lookup, &v, &body);
  buf_append(&body, "", 0);
  json_t *p = text.oom || body.oom ? NULL
            : json_pack("{s:s,s:s,s:s,s:s}", "event", event, "content_type", ct, "body", body.z, "to", phone);
  int rc = outbox_put(a, "sms", c->id, phone, event, p, key, x);     /* p NULL: logged, skipped */
  buf_free(&text);
  buf_free(&body);
  return rc;
}

static void rfc2822_date(int64_t ms, char *out, size_t n){
  time_t t = (time_t)(ms/1000);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, n, "%a, %d %b %Y %H:%M:%S +0000", &tm);
}

/* Queue an e-mail to one address through an email or file channel. */
static int outbox_email(struct app *a, const struct chan *c, const char *event, const char *to,
                        const char *subject, const char *body, const struct ctx *x){
  char key[37], date[64];
  if( notify_new_key(key) ) return -1;
  rfc2822_date(app_now_ms(a), date, sizeof(date));
  json_t *p = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "event", event, "to", to, "subject", subject,
                        "text", body, "date", date, "link", x ? x->link : "");
  return outbox_put(a, c->type, c->id, to, event, p, key, x);
}

/* Microsoft Teams: a MessageCard for an incoming webhook. */
static json_t *teams_card(const char *subject, const char *body, const char *link, const char *key){
  return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:[{s:s,s:s,s:[{s:s,s:s}]}],s:s}",
                   "@type", "MessageCard", "@context", "https://schema.org/extensions",
                   "summary", subject, "themeColor", "1F6FEB", "title", subject, "text", body,
                   "potentialAction", "@type", "OpenUri", "name", "Open in Holdpoint",
                   "targets", "os", "default", "uri", link, "idempotencyKey", key);
}

/* Keptn-compatible approval events for an approval's waiting (triggered) and decision (finished). */
static int outbox_keptn(struct app *a, const struct chan *c, const char *event, const char *outcome,
                        const char *text, const struct ctx *x){
  char seed[200], key[37], triggered[37], kctx[37];
  int finished = strcmp(event, "waiting")!=0;
  if( x->activity_id<=0 || x->act_kind==NULL || strcmp(x->act_kind, "approval")!=0 ) return 0;
  if( strcmp(event, "waiting")!=0 && strcmp(event, "approved")!=0 && strcmp(event, "rejected")!=0
   && strcmp(event, "expired")!=0 ) return 0;
  snprintf(seed, sizeof(seed), "keptn-context:%lld", (long long)x->release_id);
  derived_key(seed, kctx);
  snprintf(seed, sizeof(seed), "keptn-triggered:%lld:%lld:%d", (long long)c->id, (long long)x->activity_id, x->round);
  derived_key(seed, triggered);
  if( finished ){
    snprintf(seed, sizeof(seed), "keptn-finished:%lld:%lld:%d", (long long)c->id, (long long)x->activity_id, x->round);
    derived_key(seed, key);
  }else{
    memcpy(key, triggered, sizeof(key));
  }
  json_t *data = json_pack("{s:s,s:s,s:s,s:{s:s,s:s,s:s},s:s,s:{s:I}}",
                           "project", x->rel.name ? x->rel.name : "", "stage", x->phase ? x->phase : "",
                           "service", x->act_name ? x->act_name : "",
                           "labels", "holdpoint_release", x->rel_link, "holdpoint_activity", x->link,
                           "version", x->rel.version ? x->rel.version : "",
                           "message", text ? text : "", "activity", "id", (json_int_t)x->activity_id);
  if( data==NULL ) return outbox_put(a, "webhook", 0, "", event, NULL, key, x);      /* logged, skipped */
  if( finished ){
    int ok = strcmp(event, "approved")==0;
    json_object_set_new(data, "status", json_string("succeeded"));
    json_object_set_new(data, "result", json_string(ok ? "pass" : "fail"));
    json_object_set_new(data, "outcome", json_string(outcome ? outcome : event));
  }else{
    json_object_set_new(data, "approval", json_pack("{s:s,s:s}", "pass", "manual", "warning", "manual"));
  }
  /*
  ** A release a Keptn control plane started (origin_json.keptn) answers Keptn's own event: its
  ** context and triggered id, its project, stage and service, approval.started when people are
  ** asked, approval.finished with the approver's notes when they decided.
  */
  const char *type = finished ? "sh.keptn.event.approval.finished" : "sh.keptn.event.approval.triggered";
  json_t *origin = x->origin_json ? json_loads(x->origin_json, 0, NULL) : NULL;
  json_t *k = json_object_get(origin, "keptn");
  if( json_is_object(k) ){
    const char *kc = json_string_value(json_object_get(k, "context"));
    const char *kt = json_string_value(json_object_get(k, "triggeredid"));
    if( kc && kt ){
      snprintf(kctx, sizeof(kctx), "%.36s", kc);
      snprintf(triggered, sizeof(triggered), "%.36s", kt);
      type = finished ? "sh.keptn.event.approval.finished" : "sh.keptn.event.approval.started";
      for(const char *const *f = (const char *const[]){ "project", "stage", "service", NULL }; *f; f++){
        json_t *v = json_object_get(k, *f);
        if( json_is_string(v) ) json_object_set(data, *f, v);
      }
      json_object_del(data, "approval");
      if( !finished ) json_object_set_new(data, "status", json_string("succeeded"));
      const char *notes = NULL;           /* the approver's comment: the activity's output "notes" */
      for(size_t i=0; i<x->rel.noutputs; i++){
        if( x->act_name && strcmp(x->rel.outputs[i].activity, x->act_name)==0 && strcmp(x->rel.outputs[i].key, "notes")==0 ){
          notes = x->rel.outputs[i].value;
        }
      }
      if( finished && notes ) json_object_set_new(data, "message", json_string(notes));
    }
  }
  json_decref(origin);
  json_t *ce = notify_cloudevent(type, key, app_now_ms(a), NULL, data);
  if( ce==NULL ) return outbox_put(a, "webhook", 0, "", event, NULL, key, x);        /* logged, skipped */
  json_object_set_new(ce, "shkeptncontext", json_string(kctx));
  json_object_set_new(ce, "shkeptnspecversion", json_string("0.2.4"));
  if( finished || strcmp(type, "sh.keptn.event.approval.started")==0 ) json_object_set_new(ce, "triggeredid", json_string(triggered));
  return outbox_http(a, c, "webhook", type, ce, "application/cloudevents+json; charset=utf-8", key, x);
}

/* ================================================================== recipients and preferences */

struct person {
  int64_t id;
  const char *username, *display, *email, *phone, *time_zone;
};

/*
** The people an event goes to: for activity events (who=0) everyone who may
** act on it (the ids the core passed, from may_act); for decisions and release events (who=1)
** the release's starter.  Disabled people never.  Returns the count or -1.
*/
static int load_people(struct app *a, struct arena *ar, const struct ctx *x, int who, struct person *out, int max){
  static const char *const actors_sql =
    "SELECT u.id, u.username, u.display_name, u.email,"
    "  (SELECT external_id FROM user_identities i WHERE i.user_id=u.id AND i.provider='sms'), u.time_zone"
    " FROM users u WHERE u.id IN (SELECT CAST(value AS INTEGER) FROM json_each(:people)) AND u.disabled=0 ORDER BY u.id LIMIT :lim";
  static const char *const starter_sql =
    "SELECT u.id, u.username, u.display_name, u.email,"
    " (SELECT external_id FROM user_identities i WHERE i.user_id=u.id AND i.provider='sms'), u.time_zone"
    " FROM users u WHERE u.id=:s AND u.disabled=0";
  struct db_stmt *st = db_prepare(a->db, who==0 ? actors_sql : starter_sql);
  int n = 0, step;
  if( st==NULL ) return -1;
  if( who==0 ){
    db_bind_text(st, ":people", x->people_json ? x->people_json : "[]");
    db_bind_int64(st, ":lim", max);
  }else{
    db_bind_int64(st, ":s", x->started_by);
  }
  while( (step = db_step(st))==DB_ROW && n<max ){
    out[n].id = db_col_int64(st, 0);
    out[n].username = db_col_dup(ar, st, 1);
    out[n].display = db_col_dup(ar, st, 2);
    out[n].email = db_col_dup(ar, st, 3);
    out[n].phone = db_col_dup(ar, st, 4);
    out[n].time_zone = db_col_dup(ar, st, 5);
    n++;
  }
  db_finish(st);
  return step==DB_ROW || step==DB_DONE ? n : -1;
}

/* The person's choices for one preference event: bits 1 email, 2 sms, 4 inapp. */
static unsigned prefs_of(struct app *a, int64_t uid, const char *pref){
  unsigned bits = 0;
  for(int i=0; notify_personal_channels[i]; i++){
    if( notify_pref_default(notify_personal_channels[i]) ) bits |= 1u<<i;
  }
  struct db_stmt *st = db_prepare(a->db, "SELECT channel, enabled FROM user_prefs WHERE user_id=:u AND event=:e");
  if( st==NULL ) return bits;
  db_bind_int64(st, ":u", uid);
  db_bind_text(st, ":e", pref ? pref : "");
  while( db_step(st)==DB_ROW ){
    const char *ch = db_col_text(st, 0);
    for(int i=0; notify_personal_channels[i]; i++){
      if( strcmp(ch, notify_personal_channels[i])!=0 ) continue;
      if( db_col_int(st, 1) ) bits |= 1u<<i; else bits &= ~(1u<<i);
    }
  }
  db_finish(st);
  return bits;
}

static int inapp_put(struct app *a, int64_t uid, const char *text, const char *link){
  struct db_stmt *st = db_prepare(a->db, "INSERT INTO notifications(user_id,text,link,created_at) VALUES(:u,:t,:l,:now)");
  if( st==NULL ) return -1;
  db_bind_int64(st, ":u", uid);
  db_bind_text(st, ":t", text);
  db_bind_text(st, ":l", link);
  db_bind_int64(st, ":now", app_now_ms(a));
  int rc = db_step(st)==DB_DONE ? 0 : -1;
  db_finish(st);
  return rc;
}

/* ================================================================== fan-out */

/* The in-app link: a local path, so it works behind any base URL. */
static void local_link(const struct ctx *x, char *out, size_t n){
  if( x->activity_id>0 ) snprintf(out, n, "/activities/%lld", (long long)x->activity_id);
  else snprintf(out, n, "/releases/%lld", (long long)x->release_id);
}

/*
** Tell everyone concerned about one event, inside the caller's transaction:
** people (in-app, e-mail, SMS as they chose), team channels (Slack, Teams),
** webhooks (CloudEvents, Keptn).  who: 0 the people who may act, 1 the
** release's starter.  Returns 0 or -1 (database error).
*/
static int fan_out(struct app *a, struct arena *ar, const struct ctx *x, const char *event, const char *outcome,
                   int who){
  struct person *people = arena_alloc(ar, sizeof(*people)*NOTIFY_MAX_RECIPIENTS);
  struct chan *chans = arena_alloc(ar, sizeof(*chans)*NOTIFY_MAX_CHANNELS);
  struct notify_text t;
  char *tpl = notify_template_text(a, event), *subject = NULL, *body = NULL, link[64];
  int rc = -1, nchan = 0;
  const char *pref = notify_event_pref(event);
  if( people==NULL || chans==NULL || tpl==NULL ) goto out;
  local_link(x, link, sizeof(link));
  int np = load_people(a, ar, x, who, people, NOTIFY_MAX_RECIPIENTS);
  if( np<0 ) goto out;
  nchan = load_chans(a, ar, "[\"email\",\"file\",\"sms\"]", NULL, 0, 0, chans, NOTIFY_MAX_CHANNELS);
  if( nchan<0 ){ nchan = 0; goto out; }
  for(int i=0; i<np; i++){
    const struct person *p = &people[i];
    unsigned bits = prefs_of(a, p->id, pref);
    text_of(x, event, outcome, &t);
    t.recipient_name = p->display;
    /* the deadline in the recipient's own time zone, with UTC beside it */
    if( x->deadline_at>0 && p->time_zone && p->time_zone[0] ){
      char when[96];
      t.deadline = arena_strdup(ar, util_time_in(x->deadline_at, p->time_zone, 1, when, sizeof(when)));
      if( t.deadline==NULL ) t.deadline = x->deadline;
    }
    t.recipient_username = p->username;
    free(subject); free(body);
    subject = body = NULL;
    if( notify_render(tpl, &t, &subject, &body) ) goto out;
    if( (bits & 4) && inapp_put(a, p->id, subject, link) ) goto out;
    for(int k=0; k<nchan; k++){
      const struct chan *c = &chans[k];
      if( strcmp(c->type, "sms")==0 ){
        if( (bits & 2) && p->phone && p->phone[0] && outbox_sms(a, c, event, p->phone, subject, x) ) goto out;
      }else if( (bits & 1) && p->email && strchr(p->email, '@') ){
        if( outbox_email(a, c, event, p->email, subject, body, x) ) goto out;
      }
    }
  }
  chans_free(chans, nchan);
  nchan = 0;

  /* Channels that are not about a person: one message each, greeting the team (or everyone). */
  nchan = load_chans(a, ar, "[\"slack\",\"teams\",\"webhook\"]", x->activity_id>0 ? TEAMS_OF_ACTIVITY : TEAMS_OF_RELEASE,
                     x->activity_id, x->release_id, chans, NOTIFY_MAX_CHANNELS);
  if( nchan<0 ){ nchan = 0; goto out; }
  for(int k=0; k<nchan; k++){
    const struct chan *c = &chans[k];
    char key[37];
    if( !chan_wants(c, event) ) continue;
    if( notify_new_key(key) ) goto out;
    text_of(x, event, outcome, &t);
    t.recipient_name = c->team[0] ? arena_printf(ar, "team %s", c->team) : "everyone";
    free(subject); free(body);
    subject = body = NULL;
    if( notify_render(tpl, &t, &subject, &body) ) goto out;
    if( strcmp(c->type, "slack")==0 ){
      int act = strcmp(event, "waiting")==0 || strcmp(event, "reminder")==0 || strcmp(event, "escalated")==0;
      struct slack_msg m = { subject, body, x->link, key, x->activity_id,
                             act && x->act_kind && strcmp(x->act_kind, "approval")==0 };
      if( outbox_http(a, c, "slack", event, slack_message(&m), "application/json", key, x) ) goto out;
    }else if( strcmp(c->type, "teams")==0 ){
      if( outbox_http(a, c, "teams", event, teams_card(subject, body, x->link, key), "application/json", key, x) ) goto out;
    }else{
      char subj[64];
      if( x->activity_id>0 ) snprintf(subj, sizeof(subj), "activities/%lld", (long long)x->activity_id);
      else snprintf(subj, sizeof(subj), "releases/%lld", (long long)x->release_id);
      json_t *ce = notify_cloudevent(notify_event_ce_type(event), key, app_now_ms(a), subj,
                                     event_data(x, event, outcome, subject));
      if( outbox_http(a, c, "webhook", event, ce, "application/cloudevents+json; charset=utf-8", key, x) ) goto out;
      if( json_is_true(json_object_get(c->cfg, "keptn")) && outbox_keptn(a, c, event, outcome, subject, x) ) goto out;
    }
  }
  rc = 0;
out:
  chans_free(chans, nchan);
  free(tpl);
  free(subject);
  free(body);
  return rc;
}

/* After an approval: one outbox row per actions_on_approve entry ({name, webhook}). */
static int queue_actions(struct app *a, const struct ctx *x){
  json_t *acts = x->actions_json ? json_loads(x->actions_json, 0, NULL) : NULL;
  size_t i;
  json_t *v;
  int rc = 0;
  json_array_foreach(acts, i, v){
    const char *url = json_string_value(json_object_get(v, "webhook"));
    const char *name = json_string_value(json_object_get(v, "name"));
    char key[37];
    if( url==NULL || (strncmp(url, "http://", 7)!=0 && strncmp(url, "https://", 8)!=0) ) continue;
    if( notify_new_key(key) ){ rc = -1; break; }
    json_t *data = event_data(x, "approved", "approved", NULL);
    if( data ) json_object_set_new(data, "action", json_pack("{s:s}", "name", name ? name : url));
    json_t *ce = notify_cloudevent("dev.holdpoint.activity.approved", key, app_now_ms(a), NULL, data);
    char *body = ce ? json_dumps(ce, JSON_COMPACT|JSON_ENSURE_ASCII) : NULL;
    json_decref(ce);
    json_t *p = body ? json_pack("{s:s,s:s,s:s,s:s,s:s}", "event", "approved", "content_type",
                                 "application/cloudevents+json; charset=utf-8", "body", body, "url", url,
                                 "action", name ? name : url) : NULL;
    free(body);
    if( outbox_put(a, "action", 0, url, "action", p, key, x) ){ rc = -1; break; }
  }
  json_decref(acts);
  return rc;
}

/*
** The events' common frame: a savepoint, so that a failure leaves the
** caller's transaction exactly as it was (no half of the notifications),
** the configuration file, the context, then fan_out.
*/
static int event_frame(struct app *a, int64_t activity_id, int64_t release_id, const char *event,
                       const char *outcome, int who, const int64_t *people, size_t npeople){
  struct arena ar;
  struct ctx x;
  int rc = -1;
  notify_config_sync(a, 1);
  if( db_exec(a->db, "SAVEPOINT notify_event") ) return -1;
  arena_init(&ar);
  int found = load_ctx(a, &ar, activity_id, release_id, &x);
  if( found<0 ) goto out;
  if( npeople ){
    struct buf pj;
    buf_init(&pj);
    buf_puts(&pj, "[");
    for(size_t i=0; i<npeople; i++) buf_printf(&pj, "%s%lld", i ? "," : "", (long long)people[i]);
    buf_puts(&pj, "]");
    x.people_json = arena_strdup(&ar, pj.z ? pj.z : "[]");
    buf_free(&pj);
  }
  if( found==1 ){ rc = 0; goto out; }                     /* nothing to tell about */
  rc = fan_out(a, &ar, &x, event, outcome, who);
  if( rc==0 && outcome && strcmp(outcome, "approved")==0 ) rc = queue_actions(a, &x);
out:
  if( rc ){
    db_exec(a->db, "ROLLBACK TO notify_event");
    log_msg("notify: could not queue '%s' for %s %lld", event, activity_id ? "activity" : "release",
            (long long)(activity_id ? activity_id : release_id));
  }
  db_exec(a->db, "RELEASE notify_event");
  arena_free(&ar);
  return rc;
}

int notify_activity_event(struct app *a, int64_t activity_id, const char *event,
                          const int64_t *people, size_t npeople){
  return event_frame(a, activity_id, 0, event_index(event)>=0 ? event : "waiting", NULL, 0, people, npeople);
}

int notify_activity_finished(struct app *a, int64_t activity_id, const char *outcome){
  if( outcome==NULL ) outcome = "rejected";
  return event_frame(a, activity_id, 0, event_index(outcome)>=0 ? outcome : "rejected", outcome, 1, NULL, 0);
}

int notify_release_event(struct app *a, int64_t release_id, const char *event){
  int aborted = event && strcmp(event, "aborted")==0;
  return event_frame(a, 0, release_id, aborted ? "release_aborted" : "release_failed",
                     aborted ? "was aborted" : "failed", 1, NULL, 0);
}

int notify_account_email(struct app *a, const char *to, const char *subject, const char *body){
  struct arena ar;
  struct chan ch[8];
  arena_init(&ar);
  int n = load_chans(a, &ar, "[\"email\",\"file\"]", NULL, 0, 0, ch, 8);
  int sent = n<0 ? -1 : 0;
  for(int i = 0; i<n && sent>=0; i++){
    if( outbox_email(a, &ch[i], "account", to, subject, body, NULL) ) sent = -1;
    else sent++;
  }
  if( n>0 ) chans_free(ch, n);
  arena_free(&ar);
  return sent;
}

int notify_channel_test(struct app *a, const struct audit_ctx *c, int64_t channel_id,
                        const struct user *u, char *err, size_t nerr){
  struct arena ar;
  struct chan ch;
  struct ctx x;
  char key[37], *subject = NULL, *body = NULL, *tpl = NULL;
  int rc = HP_ERROR, n;
  arena_init(&ar);
  memset(&x, 0, sizeof(x));
  memset(&ch, 0, sizeof(ch));
  if( db_begin_write(a->db) ){ arena_free(&ar); snprintf(err, nerr, "The database is busy; try again."); return HP_UNAVAILABLE; }
  struct db_stmt *st = db_prepare(a->db, "SELECT id, name, type, team, config_json FROM notify_channels WHERE id=:id");
  n = 0;
  if( st ){
    db_bind_int64(st, ":id", channel_id);
    if( db_step(st)==DB_ROW ){
      ch.id = db_col_int64(st, 0);
      ch.name = db_col_dup(&ar, st, 1);
      ch.type = db_col_dup(&ar, st, 2);
      ch.team = db_col_dup(&ar, st, 3);
      ch.cfg = json_loads(db_col_text(st, 4), 0, NULL);
      if( !json_is_object(ch.cfg) ){ json_decref(ch.cfg); ch.cfg = json_object(); }
      n = 1;
    }
    db_finish(st);
  }
  if( n==0 ){ rc = HP_NOT_FOUND; snprintf(err, nerr, "There is no such channel."); goto out; }
  const char *bz;
  int bn;
  base_url(a, &bz, &bn);
  snprintf(x.link, sizeof(x.link), "%.*s/admin/notifications", bn, bz);
  snprintf(x.rel_link, sizeof(x.rel_link), "%s", x.link);
  struct notify_text t;
  text_of(&x, "test", NULL, &t);
  t.recipient_name = u->display_name;
  t.recipient_username = u->username;
  tpl = notify_template_text(a, "test");
  if( tpl==NULL || notify_render(tpl, &t, &subject, &body) || notify_new_key(key) ) goto out;
  char *full = arena_printf(&ar, "%s (%s)", subject, ch.name);
  int bad;
  if( strcmp(ch.type, "email")==0 || strcmp(ch.type, "file")==0 ){
    if( u->email==NULL || strchr(u->email, '@')==NULL ){
      rc = HP_UNPROCESSABLE; snprintf(err, nerr, "You have no e-mail address to send the test to."); goto out;
    }
    bad = outbox_email(a, &ch, "test", u->email, full, body, &x);
  }else if( strcmp(ch.type, "sms")==0 ){
    const char *phone = NULL;
    st = db_prepare(a->db, "SELECT external_id FROM user_identities WHERE user_id=:u AND provider='sms'");
    if( st ){
      db_bind_int64(st, ":u", u->id);
      if( db_step(st)==DB_ROW ) phone = db_col_dup(&ar, st, 0);
      db_finish(st);
    }
    if( phone==NULL ){
      rc = HP_UNPROCESSABLE;
      snprintf(err, nerr, "You have no phone number for the test: add one on your notifications page.");
      goto out;
    }
    bad = outbox_sms(a, &ch, "test", phone, full, &x);
  }else if( strcmp(ch.type, "slack")==0 ){
    struct slack_msg m = { full, body, x.link, key, 0, 0 };
    bad = outbox_http(a, &ch, "slack", "test", slack_message(&m), "application/json", key, &x);
  }else if( strcmp(ch.type, "teams")==0 ){
    bad = outbox_http(a, &ch, "teams", "test", teams_card(full, body, x.link, key), "application/json", key, &x);
  }else{
    json_t *ce = notify_cloudevent("dev.holdpoint.test", key, app_now_ms(a), NULL,
                                   json_pack("{s:s,s:s}", "event", "test", "text", full));
    bad = outbox_http(a, &ch, "webhook", "test", ce, "application/cloudevents+json; charset=utf-8", key, &x);
  }
  if( bad || audit_append(a, c, "notify.channel.test", "notify_channel", ch.id, 0, "{s:s,s:s}",
                          "name", ch.name, "type", ch.type) ) goto out;
  rc = db_commit(a->db) ? HP_ERROR : HP_OK;
out:
  if( rc!=HP_OK ){
    db_rollback(a->db);
    if( rc==HP_ERROR ) snprintf(err, nerr, "The test message could not be queued.");
  }
  json_decref(ch.cfg);
  free(tpl); free(subject); free(body);
  arena_free(&ar);
  return rc;
}

/* ================================================================== channel settings */

static int url_is_http(const char *z){
  return strncmp(z, "http://", 7)==0 || strncmp(z, "https://", 8)==0;
}

/* A directory under the data directory: relative, no "..", a safe alphabet. */
static int rel_dir_ok(const char *z){
  size_t n = strlen(z);
  if( n==0 || n>128 || z[0]=='/' ) return 0;
  if( strspn(z, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-/")!=n ) return 0;
  for(const char *p = z; *p; ){
    size_t k = strcspn(p, "/");
    if( (k==2 && p[0]=='.' && p[1]=='.') || (k==1 && p[0]=='.') ) return 0;
    p += k;
    if( *p=='/' ) p++;
  }
  return 1;
}

static int has_ctl(const char *z){
  for(; *z; z++) if( (unsigned char)*z<0x20 || *z==0x7f ) return 1;
  return 0;
}

int notify_channel_check(const char *type, json_t *cfg, struct hp_err *e){
  if( !json_is_object(cfg) ) return hp_fail(e, HP_UNPROCESSABLE, NULL, "%s", "The settings must be a JSON object.");
  const char *url = cfg_str(cfg, "url");
  if( has_ctl(url) ) return hp_fail(e, HP_UNPROCESSABLE, "url", "%s", "The URL has control characters.");
  for(const char *const *k = (const char *const[]){ "from", "username", "auth_header", "dir", "team", NULL }; *k; k++){
    if( has_ctl(cfg_str(cfg, *k)) ) return hp_fail(e, HP_UNPROCESSABLE, NULL, "%s", "A setting has control characters.");
  }
  if( type==NULL ) return hp_fail(e, HP_UNPROCESSABLE, "type", "%s", "Choose a type.");
  if( strcmp(type, "email")==0 ){
    if( strncmp(url, "smtp://", 7)!=0 && strncmp(url, "smtps://", 8)!=0 ) return hp_fail(e, HP_UNPROCESSABLE, "url", "%s", "An e-mail channel needs an smtp:// or smtps:// URL.");
    if( strchr(cfg_str(cfg, "from"), '@')==NULL ) return hp_fail(e, HP_UNPROCESSABLE, "from", "%s", "An e-mail channel needs a From address.");
    const char *tls = cfg_str(cfg, "starttls");
    if( tls[0] && strcmp(tls, "none")!=0 && strcmp(tls, "try")!=0 && strcmp(tls, "required")!=0 ){
      return hp_fail(e, HP_UNPROCESSABLE, "starttls", "%s", "STARTTLS must be none, try or required.");
    }
    return HP_OK;
  }
  if( strcmp(type, "file")==0 ){
    const char *dir = cfg_str(cfg, "dir");
    if( dir[0] && !rel_dir_ok(dir) ) return hp_fail(e, HP_UNPROCESSABLE, "dir", "%s", "The directory must be relative to the data directory, without \"..\".");
    return HP_OK;
  }
  if( strcmp(type, "slack")==0 || strcmp(type, "teams")==0 || strcmp(type, "sms")==0 || strcmp(type, "webhook")==0 ){
    if( strncmp(url, "file:", 5)==0 ){
      if( !rel_dir_ok(url + 5) ) return hp_fail(e, HP_UNPROCESSABLE, "url", "%s", "A file: sink names a directory relative to the data directory, without \"..\".");
    }else if( !url_is_http(url) ){
      return hp_fail(e, HP_UNPROCESSABLE, "url", "%s", "The URL must start with http:// or https:// (or file:DIR for a local sink).");
    }
    const char *ah = cfg_str(cfg, "auth_header");
    if( ah[0] && (strchr(ah, ':')==NULL || ah[0]==':') ) return hp_fail(e, HP_UNPROCESSABLE, "auth_header", "%s", "The auth header must look like \"Authorization: Bearer ...\".");
    json_t *ev = json_object_get(cfg, "events");
    if( ev && !json_is_array(ev) ) return hp_fail(e, HP_UNPROCESSABLE, "events", "%s", "events must be a list of event names.");
    return HP_OK;
  }
  return hp_fail(e, HP_UNPROCESSABLE, "type", "%s", "Unknown channel type (email, file, slack, teams, sms, webhook).");
}

/* Read a setting into buf ("" when absent). */
static void setting_get(struct app *a, const char *key, char *buf, size_t n){
  buf[0] = 0;
  struct db_stmt *st = db_prepare(a->db, "SELECT value FROM settings WHERE key=:k");
  if( st==NULL ) return;
  db_bind_text(st, ":k", key);
  if( db_step(st)==DB_ROW ) snprintf(buf, n, "%s", db_col_text(st, 0));
  db_finish(st);
}

static int setting_put(struct app *a, const char *key, const char *value){
  struct db_stmt *st = db_prepare(a->db, "INSERT INTO settings(key,value) VALUES(:k,:v)"
                                       " ON CONFLICT(key) DO UPDATE SET value=excluded.value");
  if( st==NULL ) return -1;
  db_bind_text(st, ":k", key);
  db_bind_text(st, ":v", value);
  int rc = db_step(st)==DB_DONE ? 0 : -1;
  db_finish(st);
  return rc;
}

/* "ino:size:mtime" of <data>/notify.json, or "absent". */
static void config_fingerprint(struct app *a, char *path, size_t npath, char *fp, size_t nfp){
  struct stat sb;
  if( app_path(a, path, (int)npath, "notify.json") || stat(path, &sb)!=0 ){
    snprintf(fp, nfp, "absent");
    return;
  }
  snprintf(fp, nfp, "%llu:%lld:%lld.%09ld", (unsigned long long)sb.st_ino, (long long)sb.st_size,
           (long long)sb.st_mtim.tv_sec, (long)sb.st_mtim.tv_nsec);
}

/* Apply the parsed file: upsert its channels, remove the file channels it no longer lists. */
static int config_apply(struct app *a, json_t *root, char *msg, size_t nmsg){
  json_t *list = json_object_get(root, "channels");
  json_t *names = json_array();
  size_t i;
  json_t *c;
  int rc = -1, nbad = 0;
  msg[0] = 0;
  if( names==NULL ) return -1;
  if( list && !json_is_array(list) ){ snprintf(msg, nmsg, "\"channels\" must be a list"); json_decref(names); return 0; }
  json_array_foreach(list, i, c){
    const char *name = json_string_value(json_object_get(c, "name"));
    const char *type = json_string_value(json_object_get(c, "type"));
    const char *team = json_string_value(json_object_get(c, "team"));
    json_t *en = json_object_get(c, "enabled");
    const char *why = NULL;
    struct hp_err e;
    if( !json_is_object(c) ) why = "each channel must be an object";
    else if( name==NULL || name[0]==0 || strlen(name)>64 || has_ctl(name) ) why = "a channel needs a name (1..64 characters)";
    else if( notify_channel_check(type, c, &e)!=HP_OK ) why = e.reason;
    if( why ){
      if( nbad++==0 ) snprintf(msg, nmsg, "channel %zu%s%.64s: %.200s", i+1, name ? " " : "", name ? name : "", why);
      continue;
    }
    json_t *cfg = json_deep_copy(c);
    json_object_del(cfg, "name");
    json_object_del(cfg, "type");
    json_object_del(cfg, "team");
    json_object_del(cfg, "enabled");
    char *cj = cfg ? json_dumps(cfg, JSON_COMPACT|JSON_SORT_KEYS) : NULL;
    json_decref(cfg);
    if( cj==NULL ) goto out;
    struct db_stmt *st = db_prepare(a->db,
      "INSERT INTO notify_channels(name,type,team,config_json,enabled,source,created_at,updated_at)"
      " VALUES(:n,:t,:team,:c,:e,'file',:now,:now) ON CONFLICT(name) DO UPDATE SET type=excluded.type,"
      " team=excluded.team, config_json=excluded.config_json, enabled=excluded.enabled, source='file',"
      " updated_at=excluded.updated_at");
    int bad = st==NULL;
    if( st ){
      db_bind_text(st, ":n", name);
      db_bind_text(st, ":t", type);
      db_bind_text(st, ":team", team ? team : "");
      db_bind_text(st, ":c", cj);
      db_bind_int64(st, ":e", en==NULL || json_is_true(en));
      db_bind_int64(st, ":now", app_now_ms(a));
      bad = db_step(st)!=DB_DONE;
      db_finish(st);
    }
    free(cj);
    if( bad ) goto out;
    json_array_append_new(names, json_string(name));
  }
  char *nj = json_dumps(names, JSON_COMPACT);
  struct db_stmt *st = nj ? db_prepare(a->db, "DELETE FROM notify_channels WHERE source='file'"
                                            " AND lower(name) NOT IN (SELECT lower(value) FROM json_each(:names))") : NULL;
  if( st ){
    db_bind_text(st, ":names", nj);
    rc = db_step(st)==DB_DONE ? 0 : -1;
    db_finish(st);
  }
  free(nj);
out:
  json_decref(names);
  return rc;
}

int notify_config_sync(struct app *a, int in_tx){
  char path[PATH_MAX + 32], fp[128], seen[128], msg[400];
  struct audit_ctx c;
  int rc = -1;
  config_fingerprint(a, path, sizeof(path), fp, sizeof(fp));
  setting_get(a, "notify.config_fp", seen, sizeof(seen));
  if( strcmp(fp, seen)==0 || (seen[0]==0 && strcmp(fp, "absent")==0) ) return 0;   /* never had a file */
  if( in_tx ? db_exec(a->db, "SAVEPOINT notify_config") : db_begin_write(a->db) ) return -1;
  setting_get(a, "notify.config_fp", seen, sizeof(seen));    /* another process may have done it */
  if( strcmp(fp, seen)==0 ){ rc = 0; goto out; }
  msg[0] = 0;
  json_t *root = NULL;
  if( strcmp(fp, "absent")!=0 ){
    size_t n = 0;
    char *z = read_small_file(path, NOTIFY_MAX_CONFIG, &n);
    json_error_t je;
    root = z ? json_loadb(z, n, 0, &je) : NULL;
    if( z==NULL ) snprintf(msg, sizeof(msg), "notify.json: cannot be read (or it is over 1 MiB)");
    else if( root==NULL ) snprintf(msg, sizeof(msg), "notify.json: line %d: %.200s", je.line, je.text);
    else if( !json_is_object(root) ){ snprintf(msg, sizeof(msg), "notify.json: the file must hold a JSON object"); json_decref(root); root = NULL; }
    free(z);
  }else{
    root = json_object();                    /* no file: no file channels */
  }
  if( root ){
    char m2[300];
    if( config_apply(a, root, m2, sizeof(m2)) ){ json_decref(root); goto out; }
    if( m2[0] ) snprintf(msg, sizeof(msg), "notify.json: %s", m2);
    json_decref(root);
  }
  memset(&c, 0, sizeof(c));
  c.actor_name = "holdpoint (notify.json)";
  c.request_id = "notify-config";
  if( setting_put(a, "notify.config_fp", fp) || setting_put(a, "notify.config_error", msg)
   || audit_append(a, &c, "notify.config", "", 0, 0, "{s:s,s:s}", "file", strcmp(fp, "absent")==0 ? "absent" : "applied",
                   "error", msg) ) goto out;
  if( msg[0] ) log_msg("notify: %s", msg);
  rc = 0;
out:
  if( in_tx ){
    /* a failure leaves the caller's transaction as it was */
    if( rc ) db_exec(a->db, "ROLLBACK TO notify_config");
    db_exec(a->db, "RELEASE notify_config");
  }else{
    if( rc==0 && db_commit(a->db) ) rc = -1;
    if( rc ) db_rollback(a->db);
  }
  return rc;
}

/* ================================================================== identities, counts */

const char *notify_identity_problem(const char *provider, const char *id){
  size_t n = id ? strlen(id) : 0;
  if( provider && strcmp(provider, "slack")==0 ){
    if( n<2 || n>32 || strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")!=n || (id[0]!='U' && id[0]!='W') ){
      return "A Slack user id looks like U0123ABCD (Slack: profile › ⋮ › Copy member ID).";
    }
    return NULL;
  }
  if( provider && strcmp(provider, "sms")==0 ){
    if( n<4 || n>20 || id[0]!='+' || strspn(id+1, "0123456789")!=n-1 ){
      return "Write the phone number in international form, like +15551234567.";
    }
    return NULL;
  }
  return "Unknown identity provider.";
}

int notify_link_identity(struct app *a, const struct audit_ctx *c, int64_t user_id, const char *provider,
                         const char *external_id, char *err, size_t nerr){
  int unlink = external_id==NULL || external_id[0]==0;
  const char *why = unlink ? (provider && (strcmp(provider, "slack")==0 || strcmp(provider, "sms")==0) ? NULL
                                         : "Unknown identity provider.")
                           : notify_identity_problem(provider, external_id);
  if( why ){ snprintf(err, nerr, "%s", why); return HP_UNPROCESSABLE; }
  if( db_begin_write(a->db) ){ snprintf(err, nerr, "The database is busy; try again."); return HP_UNAVAILABLE; }
  int rc = HP_ERROR;
  struct db_stmt *st = db_prepare(a->db, "DELETE FROM user_identities WHERE user_id=:u AND provider=:p");
  if( st ){
    db_bind_int64(st, ":u", user_id);
    db_bind_text(st, ":p", provider);
    rc = db_step(st)==DB_DONE ? HP_OK : HP_ERROR;
    db_finish(st);
  }
  if( rc==HP_OK && !unlink ){
    st = db_prepare(a->db, "INSERT INTO user_identities(user_id,provider,external_id,created_at) VALUES(:u,:p,:x,:now)");
    rc = HP_ERROR;
    if( st ){
      db_bind_int64(st, ":u", user_id);
      db_bind_text(st, ":p", provider);
      db_bind_text(st, ":x", external_id);
      db_bind_int64(st, ":now", app_now_ms(a));
      int step = db_step(st);
      rc = step==DB_DONE ? HP_OK : step==DB_CONSTRAINT ? HP_CONFLICT : HP_ERROR;
      db_finish(st);
    }
    if( rc==HP_CONFLICT ) snprintf(err, nerr, "That %s identity belongs to someone else already.", provider);
  }
  if( rc==HP_OK && audit_append(a, c, unlink ? "user.identity_unlink" : "user.identity_link", "user", user_id, 0,
                                "{s:s,s:s}", "provider", provider, "external_id", unlink ? "" : external_id) ) rc = HP_ERROR;
  if( rc!=HP_OK || db_commit(a->db) ){
    db_rollback(a->db);
    if( rc==HP_OK || rc==HP_ERROR ){ rc = HP_ERROR; snprintf(err, nerr, "The identity could not be saved."); }
    return rc;
  }
  return HP_OK;
}

int64_t notify_unread_count(struct app *a, int64_t user_id){
  /* Counted up to the cap only: every page shows this, and its cost must not grow with the pile;
     kept while the database does not change (a person moving between pages asks again and again). */
  int64_t n = 0, gen;
  if( db_kept(a->db, DB_KEPT_UNREAD, user_id, &n, &gen) ) return n;
  struct db_stmt *st = db_prepare(a->db, "SELECT count(*) FROM (SELECT 1 FROM notifications"
                                       " WHERE user_id=:u AND read_at IS NULL LIMIT " HP_STR(NOTIFY_UNREAD_CAP) ")");
  if( st==NULL ) return 0;
  db_bind_int64(st, ":u", user_id);
  if( db_step(st)==DB_ROW ){
    n = db_col_int64(st, 0);
    db_keep(a->db, gen, DB_KEPT_UNREAD, user_id, n);
  }
  db_finish(st);
  return n;
}

int notify_outbox_retry(struct app *a, const struct audit_ctx *c, int64_t id){
  if( db_begin_write(a->db) ) return HP_UNAVAILABLE;
  struct db_stmt *st = db_prepare(a->db, "UPDATE outbox SET status='pending', attempts=0, next_attempt_at=:now,"
                                       " last_error='' WHERE id=:id AND status='failed'");
  int rc = HP_ERROR;
  if( st ){
    db_bind_int64(st, ":now", app_now_ms(a));
    db_bind_int64(st, ":id", id);
    if( db_step(st)==DB_DONE ) rc = db_changes(a->db)==1 ? HP_OK : HP_NOT_FOUND;
    db_finish(st);
  }
  if( rc==HP_OK && audit_append(a, c, "notify.retry", "outbox", id, 0, NULL) ) rc = HP_ERROR;
  if( rc!=HP_OK || db_commit(a->db) ){ db_rollback(a->db); return rc==HP_OK ? HP_ERROR : rc; }
  return HP_OK;
}

/* ================================================================== delivery */

/* An integer from the environment within [lo, hi], else dflt. */
static int64_t env_ms(const char *name, int64_t lo, int64_t hi, int64_t dflt){
  const char *z = getenv(name);
  if( z==NULL || z[0]==0 ) return dflt;
  char *end;
  errno = 0;
  long long v = strtoll(z, &end, 10);
  if( errno || end==z || *end || v<lo || v>hi ) return dflt;
  return v;
}

static int64_t mono_ms(void){
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec*1000 + ts.tv_nsec/1000000;
}

/* One outbox row being delivered. */
struct job {
  int used;
  int64_t id, channel_id, release_id, activity_id;
  int attempts;
  char *channel, *recipient, *event, *key, *ctype;   /* malloc'd */
  json_t *payload, *cfg;                              /* owned */
  int chan_found, chan_enabled;
  CURL *h;
  struct curl_slist *hdrs, *rcpt;
  struct buf msg;                                     /* SMTP message or HTTP body */
  size_t msg_off;
  struct buf resp;
  char curl_err[CURL_ERROR_SIZE];
};

static void job_free(struct job *j){
  if( j->h ) curl_easy_cleanup(j->h);
  curl_slist_free_all(j->hdrs);
  curl_slist_free_all(j->rcpt);
  free(j->channel); free(j->recipient); free(j->event); free(j->key); free(j->ctype);
  json_decref(j->payload);
  json_decref(j->cfg);
  buf_free(&j->msg);
  buf_free(&j->resp);
  memset(j, 0, sizeof(*j));
}

static size_t on_body(char *p, size_t size, size_t n, void *ctx){
  struct job *j = ctx;
  size_t len = size*n, room = j->resp.len < NOTIFY_MAX_RESPONSE ? NOTIFY_MAX_RESPONSE - j->resp.len : 0;
  buf_append(&j->resp, p, len < room ? len : room);
  return len;
}

static size_t on_read(char *p, size_t size, size_t n, void *ctx){
  struct job *j = ctx;
  size_t want = size*n, left = j->msg.len - j->msg_off;
  if( want>left ) want = left;
  if( want ) memcpy(p, j->msg.z + j->msg_off, want);
  j->msg_off += want;
  return want;
}

/* A header value without CR/LF (values come from settings and rows). */
static void put_header_value(struct buf *b, const char *z){
  for(; *z; z++) buf_append(b, (*z=='\r' || *z=='\n') ? " " : z, 1);
}

/* Subject: as is when ASCII, else RFC 2047 base64 UTF-8. */
static void put_subject(struct buf *b, const char *z){
  int ascii = 1;
  for(const char *p = z; *p; p++) if( (unsigned char)*p>=0x80 ) ascii = 0;
  if( ascii ){ put_header_value(b, z); return; }
  size_t n = strlen(z);
  unsigned char *out = malloc(4*((n+2)/3) + 1);
  if( out==NULL ){ put_header_value(b, "Holdpoint"); return; }
  EVP_EncodeBlock(out, (const unsigned char*)z, (int)n);
  buf_puts(b, "=?UTF-8?B?");
  buf_puts(b, (char*)out);
  buf_puts(b, "?=");
  free(out);
}

/* The whole e-mail (headers and body, CRLF line ends) into j->msg. */
static void build_email(struct job *j){
  struct buf *b = &j->msg;
  const char *from = cfg_str(j->cfg, "from");
  const char *text = json_string_value(json_object_get(j->payload, "text"));
  if( from[0]==0 ) from = "holdpoint@localhost";
  buf_puts(b, "Date: "); put_header_value(b, json_string_value(json_object_get(j->payload, "date")) ?
                                             json_string_value(json_object_get(j->payload, "date")) : "");
  buf_puts(b, "\r\nFrom: Holdpoint <"); put_header_value(b, from);
  buf_puts(b, ">\r\nTo: <"); put_header_value(b, j->recipient);
  buf_puts(b, ">\r\nSubject: "); put_subject(b, json_string_value(json_object_get(j->payload, "subject")) ?
                                                json_string_value(json_object_get(j->payload, "subject")) : "Holdpoint");
  buf_puts(b, "\r\nMessage-ID: <"); put_header_value(b, j->key);
  buf_puts(b, "@holdpoint>\r\nIdempotency-Key: "); put_header_value(b, j->key);
  buf_puts(b, "\r\nX-Holdpoint-Event: "); put_header_value(b, j->event);
  buf_puts(b, "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
              "Content-Transfer-Encoding: 8bit\r\n\r\n");
  for(const char *p = text ? text : ""; *p; p++){
    if( *p=='\r' ) continue;
    if( *p=='\n' ) buf_append(b, "\r\n", 2); else buf_append(b, p, 1);
  }
  buf_puts(b, "\r\n");
}

/* Write data to <data>/<dir>/<name> atomically (temp file, fsync, rename).  0, or -1 with err. */
static int sink_write(struct app *a, const char *dir, const char *name, const char *data, size_t n,
                      char *err, size_t nerr){
  char d[PATH_MAX + 32], tmp[PATH_MAX + 200], fin[PATH_MAX + 200];
  if( !rel_dir_ok(dir) ){ snprintf(err, nerr, "bad sink directory"); return -1; }
  if( app_path(a, d, sizeof(d), "%s", dir) ){ snprintf(err, nerr, "sink path too long"); return -1; }
  /* mkdir -p, one component at a time */
  for(char *p = d + strlen(a->cfg.data_dir) + 1; ; p++){
    if( *p=='/' || *p==0 ){
      char c = *p;
      *p = 0;
      if( mkdir(d, 0750)!=0 && errno!=EEXIST ){ snprintf(err, nerr, "cannot create %.300s: %.60s", d, strerror(errno)); return -1; }
      *p = c;
      if( c==0 ) break;
    }
  }
  snprintf(tmp, sizeof(tmp), "%s/.tmp-%s", d, name);
  snprintf(fin, sizeof(fin), "%s/%s", d, name);
  int fd = open(tmp, O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0640);
  if( fd<0 ){ snprintf(err, nerr, "cannot write %.300s: %.60s", tmp, strerror(errno)); return -1; }
  int bad = write(fd, data, n)!=(ssize_t)n || fsync(fd)!=0;
  bad |= close(fd)!=0;
  if( bad || rename(tmp, fin)!=0 ){
    snprintf(err, nerr, "cannot write %.300s: %.60s", fin, strerror(errno));
    unlink(tmp);
    return -1;
  }
  return 0;
}

#if LIBCURL_VERSION_NUM >= 0x075500
#define SET_PROTOCOLS(h, s) curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, s)
#else
#define SET_PROTOCOLS(h, s) curl_easy_setopt(h, CURLOPT_PROTOCOLS, \
  strcmp(s, "http,https")==0 ? (long)(CURLPROTO_HTTP|CURLPROTO_HTTPS) : (long)(CURLPROTO_SMTP|CURLPROTO_SMTPS))
#endif

/* Common curl settings: no signals, short timeouts, no redirects, errors kept. */
static CURL *easy_new(struct job *j, const char *url, const char *protocols){
  CURL *h = curl_easy_init();
  if( h==NULL ) return NULL;
  curl_easy_setopt(h, CURLOPT_URL, url);
  SET_PROTOCOLS(h, protocols);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)env_ms("HOLDPOINT_NOTIFY_CONNECT_TIMEOUT_MS", 100, 600000, 5000));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)env_ms("HOLDPOINT_NOTIFY_TIMEOUT_MS", 100, 600000, 10000));
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, j->curl_err);
  curl_easy_setopt(h, CURLOPT_PRIVATE, j);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, j);
  return h;
}

/* Prepare an HTTP POST of the row's body with its headers. */
static int start_http(struct job *j, const char *url, char *err, size_t nerr){
  const char *body = json_string_value(json_object_get(j->payload, "body"));
  if( body==NULL ){ snprintf(err, nerr, "the row has no body"); return -1; }
  buf_puts(&j->msg, body);
  j->h = easy_new(j, url, "http,https");
  if( j->h==NULL ){ snprintf(err, nerr, "out of memory"); return -1; }
  struct buf hb;
  buf_init(&hb);
  buf_puts(&hb, "Content-Type: "); put_header_value(&hb, j->ctype);
  j->hdrs = curl_slist_append(j->hdrs, hb.z ? hb.z : "Content-Type: application/json");
  buf_reset(&hb);
  buf_puts(&hb, "Idempotency-Key: "); put_header_value(&hb, j->key);
  j->hdrs = curl_slist_append(j->hdrs, hb.z);
  buf_reset(&hb);
  buf_puts(&hb, "X-Holdpoint-Event: "); put_header_value(&hb, j->event);
  j->hdrs = curl_slist_append(j->hdrs, hb.z);
  j->hdrs = curl_slist_append(j->hdrs, "User-Agent: Holdpoint");
  j->hdrs = curl_slist_append(j->hdrs, "Expect:");
  const char *secret = cfg_str(j->cfg, "secret");
  if( strcmp(j->channel, "webhook")==0 && secret[0] ){
    char sig[72];
    notify_webhook_signature(secret, j->msg.z ? j->msg.z : "", j->msg.len, sig);
    buf_reset(&hb);
    buf_printf(&hb, "X-Holdpoint-Signature: %s", sig);
    j->hdrs = curl_slist_append(j->hdrs, hb.z);
  }
  const char *ah = cfg_str(j->cfg, "auth_header");     /* an SMS gateway's, or Keptn's x-token */
  if( (strcmp(j->channel, "sms")==0 || strcmp(j->channel, "webhook")==0) && ah[0] ){
    buf_reset(&hb);
    put_header_value(&hb, ah);
    j->hdrs = curl_slist_append(j->hdrs, hb.z);
  }
  buf_free(&hb);
  curl_easy_setopt(j->h, CURLOPT_HTTPHEADER, j->hdrs);
  curl_easy_setopt(j->h, CURLOPT_POSTFIELDS, j->msg.z ? j->msg.z : "");
  curl_easy_setopt(j->h, CURLOPT_POSTFIELDSIZE, (long)j->msg.len);
  return 0;
}

/* Prepare an SMTP transfer of the e-mail (STARTTLS and login as configured). */
static int start_smtp(struct job *j, char *err, size_t nerr){
  char addr[400];
  build_email(j);
  j->h = easy_new(j, cfg_str(j->cfg, "url"), "smtp,smtps");
  if( j->h==NULL ){ snprintf(err, nerr, "out of memory"); return -1; }
  snprintf(addr, sizeof(addr), "<%s>", cfg_str(j->cfg, "from"));
  curl_easy_setopt(j->h, CURLOPT_MAIL_FROM, addr);
  snprintf(addr, sizeof(addr), "<%s>", j->recipient);
  j->rcpt = curl_slist_append(NULL, addr);
  curl_easy_setopt(j->h, CURLOPT_MAIL_RCPT, j->rcpt);
  const char *tls = cfg_str(j->cfg, "starttls");
  curl_easy_setopt(j->h, CURLOPT_USE_SSL, strcmp(tls, "required")==0 ? (long)CURLUSESSL_ALL
                                        : strcmp(tls, "try")==0 ? (long)CURLUSESSL_TRY : (long)CURLUSESSL_NONE);
  if( cfg_str(j->cfg, "username")[0] ){
    curl_easy_setopt(j->h, CURLOPT_USERNAME, cfg_str(j->cfg, "username"));
    curl_easy_setopt(j->h, CURLOPT_PASSWORD, cfg_str(j->cfg, "password"));
  }
  if( cfg_str(j->cfg, "login_options")[0] ) curl_easy_setopt(j->h, CURLOPT_LOGIN_OPTIONS, cfg_str(j->cfg, "login_options"));
  if( json_is_true(json_object_get(j->cfg, "insecure")) ){
    curl_easy_setopt(j->h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(j->h, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  curl_easy_setopt(j->h, CURLOPT_READFUNCTION, on_read);
  curl_easy_setopt(j->h, CURLOPT_READDATA, j);
  curl_easy_setopt(j->h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(j->h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)j->msg.len);
  return 0;
}

/* Scheme, host and path of a URL, without credentials or query (what the audit trail may keep). */
static void url_shown(const char *url, char *out, size_t n){
  const char *p = strstr(url, "://");
  const char *host = p ? p + 3 : url;
  const char *at = strchr(host, '@'), *slash = strchr(host, '/');
  if( at && (slash==NULL || at<slash) ) host = at + 1;
  size_t k = strcspn(host, "?#");
  snprintf(out, n, "%.*s%.*s", p ? (int)(p + 3 - url) : 0, url, (int)k, host);
}

/*
** Record how an attempt went, in its own transaction: sent; or attempts+1
** and the next attempt after the backoff, or failed after the last allowed
** attempt.  Actions also get their audit record when they finish for good.
*/
static void job_record(struct app *a, struct job *j, int ok, const char *error){
  int64_t now = app_now_ms(a);
  int64_t base = env_ms("HOLDPOINT_NOTIFY_BACKOFF_MS", 1, NOTIFY_MAX_DELAY_MS, 30000);
  int max = (int)env_ms("HOLDPOINT_NOTIFY_MAX_ATTEMPTS", 1, 1000, 8);
  int attempts = j->attempts + 1;
  int failed = !ok && attempts>=max;
  if( db_begin_write(a->db) ){ log_msg("notify: outbox %lld: database busy; the result is retried", (long long)j->id); return; }
  struct db_stmt *st = db_prepare(a->db, ok
    ? "UPDATE outbox SET status='sent', attempts=:n, sent_at=:now, last_error='' WHERE id=:id AND status='pending'"
    : "UPDATE outbox SET status=:s, attempts=:n, next_attempt_at=:next, last_error=:e WHERE id=:id AND status='pending'");
  int bad = st==NULL;
  if( st ){
    db_bind_int64(st, ":n", attempts);
    db_bind_int64(st, ":id", j->id);
    if( ok ){
      db_bind_int64(st, ":now", now);
    }else{
      db_bind_text(st, ":s", failed ? "failed" : "pending");
      db_bind_int64(st, ":next", now + notify_backoff_ms(base, attempts));
      db_bind_text(st, ":e", error ? error : "unknown error");
    }
    bad = db_step(st)!=DB_DONE;
    db_finish(st);
  }
  if( !bad && strcmp(j->channel, "action")==0 && (ok || failed) ){
    struct audit_ctx c;
    char shown[300];
    long http = 0;
    if( j->h ) curl_easy_getinfo(j->h, CURLINFO_RESPONSE_CODE, &http);
    memset(&c, 0, sizeof(c));
    c.actor_name = "holdpoint (actions)";
    c.request_id = "outbox";
    url_shown(j->recipient, shown, sizeof(shown));
    bad = audit_append(a, &c, "action.run", "activity", j->activity_id, j->release_id, "{s:I,s:s,s:s,s:s,s:i,s:i,s:s,s:I}",
                       "activity_id", (json_int_t)j->activity_id,
                       "action", json_string_value(json_object_get(j->payload, "action")) ?
                                 json_string_value(json_object_get(j->payload, "action")) : "",
                       "webhook", shown, "status", ok ? "succeeded" : "failed", "http_status", (int)http,
                       "attempts", attempts, "error", ok ? "" : (error ? error : ""), "outbox_id", (json_int_t)j->id);
  }
  if( bad || db_commit(a->db) ){
    db_rollback(a->db);
    log_msg("notify: outbox %lld: could not record the attempt", (long long)j->id);
    return;
  }
  if( !ok ) log_msg("notify: outbox %lld (%s to %s) attempt %d %s: %s", (long long)j->id, j->channel,
                    j->recipient, attempts, failed ? "failed for good" : "failed", error ? error : "");
}

/* The result of a finished curl transfer: 2xx (HTTP) or a completed SMTP exchange. */
static void job_done(struct app *a, struct job *j, CURLcode cc){
  char err[600];
  long code = 0;
  curl_easy_getinfo(j->h, CURLINFO_RESPONSE_CODE, &code);
  int smtp = strcmp(j->channel, "email")==0;
  if( cc!=CURLE_OK ){
    snprintf(err, sizeof(err), "%s", j->curl_err[0] ? j->curl_err : curl_easy_strerror(cc));
    job_record(a, j, 0, err);
  }else if( !smtp && (code<200 || code>299) ){
    buf_append(&j->resp, "", 0);
    char *z = j->resp.z ? j->resp.z : "";
    for(char *p = z; *p; p++) if( (unsigned char)*p<0x20 ) *p = ' ';
    snprintf(err, sizeof(err), "HTTP %ld%s%.200s", code, z[0] ? ": " : "", z);
    job_record(a, j, 0, err);
  }else{
    job_record(a, j, 1, NULL);
  }
}

/*
** Begin delivering one row: file sinks and rows that cannot be sent finish
** at once (recorded here, returns 0); network transfers get a curl handle
** added to m (returns 1).
*/
static int job_start(struct app *a, CURLM *m, struct job *j){
  char err[400] = "", name[120];
  const char *type = strcmp(j->channel, "action")==0 ? "action" : j->channel;
  if( strcmp(type, "action")!=0 ){
    if( !j->chan_found ){ job_record(a, j, 0, "the channel was removed"); return 0; }
    if( !j->chan_enabled ){ job_record(a, j, 0, "the channel is disabled"); return 0; }
  }
  if( strcmp(type, "file")==0 ){
    const char *dir = cfg_str(j->cfg, "dir");
    build_email(j);
    snprintf(name, sizeof(name), "%lld-%s.eml", (long long)j->id, j->key);
    int rc = sink_write(a, dir[0] ? dir : "mail", name, j->msg.z ? j->msg.z : "", j->msg.len, err, sizeof(err));
    job_record(a, j, rc==0, err);
    return 0;
  }
  if( strcmp(type, "email")==0 ){
    if( start_smtp(j, err, sizeof(err)) ){ job_record(a, j, 0, err); return 0; }
  }else{
    const char *url = strcmp(type, "action")==0 ? json_string_value(json_object_get(j->payload, "url"))
                                                 : cfg_str(j->cfg, "url");
    if( url==NULL || url[0]==0 ){ job_record(a, j, 0, "no URL is configured"); return 0; }
    if( strncmp(url, "file:", 5)==0 && strcmp(type, "action")!=0 ){
      const char *body = json_string_value(json_object_get(j->payload, "body"));
      snprintf(name, sizeof(name), "%lld-%s.json", (long long)j->id, j->key);
      int rc = sink_write(a, url + 5, name, body ? body : "", body ? strlen(body) : 0, err, sizeof(err));
      job_record(a, j, rc==0, err);
      return 0;
    }
    if( !url_is_http(url) ){ job_record(a, j, 0, "the URL is not http(s)"); return 0; }
    if( start_http(j, url, err, sizeof(err)) ){ job_record(a, j, 0, err); return 0; }
  }
  if( curl_multi_add_handle(m, j->h)!=CURLM_OK ){ job_record(a, j, 0, "curl refused the transfer"); return 0; }
  return 1;
}

/*
** Load up to `room` due rows that are not in flight (busy: a JSON array of
** ids) into free slots and start them.  Returns the number now in flight.
*/
static int fetch_and_start(struct app *a, CURLM *m, struct job *jobs, int *inflight, int *finished){
  json_t *busy = json_array();
  for(int i=0; i<NOTIFY_MAX_INFLIGHT; i++) if( jobs[i].used ) json_array_append_new(busy, json_integer(jobs[i].id));
  char *bj = busy ? json_dumps(busy, JSON_COMPACT) : NULL;
  json_decref(busy);
  if( bj==NULL ) return 0;
  int room = NOTIFY_MAX_INFLIGHT - *inflight, started = 0;
  struct db_stmt *st = room>0 ? db_prepare(a->db,
    "SELECT o.id, o.channel, o.recipient, o.event, o.payload_json, o.idempotency_key, o.attempts,"
    " coalesce(o.channel_id,0), coalesce(o.release_id,0), coalesce(o.activity_id,0),"
    " c.id IS NOT NULL, coalesce(c.enabled,0), coalesce(c.config_json,'{}')"
    " FROM outbox o LEFT JOIN notify_channels c ON c.id=o.channel_id"
    " WHERE o.status='pending' AND o.next_attempt_at<=:now AND o.id NOT IN (SELECT CAST(value AS INTEGER) FROM json_each(:busy))"
    " ORDER BY o.next_attempt_at, o.id LIMIT :lim") : NULL;
  if( st==NULL ){ free(bj); return 0; }
  db_bind_int64(st, ":now", app_now_ms(a));
  db_bind_text(st, ":busy", bj);
  db_bind_int64(st, ":lim", room);
  /* Read every row first: delivering writes, and the statement must not stay open meanwhile. */
  struct job batch[NOTIFY_MAX_INFLIGHT];
  int nb = 0;
  while( nb<room && db_step(st)==DB_ROW ){
    struct job *j = &batch[nb];
    memset(j, 0, sizeof(*j));
    j->used = 1;
    j->id = db_col_int64(st, 0);
    j->channel = strdup(db_col_text(st, 1));
    j->recipient = strdup(db_col_text(st, 2));
    j->event = strdup(db_col_text(st, 3));
    j->payload = json_loads(db_col_text(st, 4), 0, NULL);
    j->key = strdup(db_col_text(st, 5));
    j->attempts = db_col_int(st, 6);
    j->channel_id = db_col_int64(st, 7);
    j->release_id = db_col_int64(st, 8);
    j->activity_id = db_col_int64(st, 9);
    j->chan_found = db_col_int(st, 10);
    j->chan_enabled = db_col_int(st, 11);
    j->cfg = json_loads(db_col_text(st, 12), 0, NULL);
    if( !json_is_object(j->cfg) ){ json_decref(j->cfg); j->cfg = json_object(); }
    if( !json_is_object(j->payload) ){ json_decref(j->payload); j->payload = json_object(); }
    j->ctype = strdup(json_string_value(json_object_get(j->payload, "content_type")) ?
                      json_string_value(json_object_get(j->payload, "content_type")) : "application/json");
    nb++;
  }
  db_finish(st);
  free(bj);
  for(int k=0; k<nb; k++){
    struct job *slot = NULL;
    for(int i=0; i<NOTIFY_MAX_INFLIGHT && slot==NULL; i++) if( !jobs[i].used ) slot = &jobs[i];
    if( slot==NULL ){ job_free(&batch[k]); continue; }
    *slot = batch[k];
    if( slot->channel==NULL || slot->recipient==NULL || slot->event==NULL || slot->key==NULL || slot->ctype==NULL ){
      job_free(slot);
      continue;
    }
    if( job_start(a, m, slot) ){
      (*inflight)++;
      started++;
    }else{
      (*finished)++;
      job_free(slot);
    }
  }
  return started;
}

int notify_deliver_due(struct app *a){
  struct job jobs[NOTIFY_MAX_INFLIGHT];
  int inflight = 0, finished = 0;
  notify_config_sync(a, 0);
  struct db_stmt *st = db_prepare(a->db, "SELECT EXISTS(SELECT 1 FROM outbox WHERE status='pending' AND next_attempt_at<=:now)");
  int due = 0;
  if( st ){
    db_bind_int64(st, ":now", app_now_ms(a));
    if( db_step(st)==DB_ROW ) due = db_col_int(st, 0);
    db_finish(st);
  }
  if( !due ) return 0;
  CURLM *m = curl_multi_init();
  if( m==NULL ) return 0;
  memset(jobs, 0, sizeof(jobs));
  int64_t t0 = mono_ms(), last_fetch = t0;
  /* New rows join for at most 10 s, so a tick lasts at most that plus one transfer's timeout,
     well within the job lease (30 s) with the default timeouts. */
  int64_t budget = env_ms("HOLDPOINT_NOTIFY_TIMEOUT_MS", 100, 600000, 10000);
  if( budget>10000 ) budget = 10000;
  fetch_and_start(a, m, jobs, &inflight, &finished);
  while( inflight>0 ){
    int running = 0, left = 0;
    curl_multi_perform(m, &running);
    CURLMsg *msg;
    while( (msg = curl_multi_info_read(m, &left))!=NULL ){
      if( msg->msg!=CURLMSG_DONE ) continue;
      struct job *j = NULL;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char**)&j);
      CURLcode cc = msg->data.result;
      curl_multi_remove_handle(m, msg->easy_handle);
      if( j ){
        job_done(a, j, cc);
        job_free(j);
        inflight--;
        finished++;
      }
    }
    /* While slow receivers hold their slots, the rows that fall due meanwhile still go out. */
    int64_t now = mono_ms();
    if( now - last_fetch >= 1000 && now - t0 < budget && inflight<NOTIFY_MAX_INFLIGHT ){
      last_fetch = now;
      fetch_and_start(a, m, jobs, &inflight, &finished);
    }
    if( inflight>0 ) curl_multi_poll(m, NULL, 0, 200, NULL);
  }
  for(int i=0; i<NOTIFY_MAX_INFLIGHT; i++){
    if( jobs[i].used ){
      if( jobs[i].h ) curl_multi_remove_handle(m, jobs[i].h);
      job_free(&jobs[i]);
    }
  }
  curl_multi_cleanup(m);
  return finished;
}

/* activity_view.c — the parts of the activity page: the fields form, the evidence list, the decision card. */
#include "activity_view.h"
#include "session.h"
#include "page_release.h"
#include "inputs.h"
#include "evidence.h"
#include "mayact.h"
#include "app.h"
#include "db.h"
#include "log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INPUTS_MAX_ROWS 500      /* evidence rows of one round listed on the form */

/* The value to show for a field: just submitted (re-rendered form) or saved. */
static const char *shown_value(struct req *r, int resubmitted, const struct inputs_value *saved,
                               size_t nsaved, const char *key){
  if( resubmitted ) return req_form(r, arena_printf(&r->arena, INPUTS_PREFIX "%s", key));
  return inputs_value_of(saved, nsaved, key);
}

/* What a file field accepts, in words: "a PDF or plain text; up to 20.0 MB". */
static const char *accept_text(struct req *r, const struct inputs_field *f, int64_t limit){
  struct buf b;
  char sz[40];
  buf_init(&b);
  const char *const *acc = f->naccept ? (const char *const *)f->accept : evidence_default_accept;
  size_t n = f->naccept;
  if( n==0 ) while( acc[n] ) n++;
  for(size_t i=0; i<n; i++){
    if( i ) buf_puts(&b, i+1==n ? " or " : ", ");
    const char *w = evidence_type_words(acc[i]);
    buf_puts(&b, w ? w : acc[i]);
  }
  buf_printf(&b, "; up to %s", evidence_human_size(limit, sz, sizeof(sz)));
  const char *z = arena_strdup(&r->arena, b.z ? b.z : "");
  buf_free(&b);
  return z;
}

/* The accept= attribute of the file input: the allowed types, comma-separated. */
static const char *accept_attr(struct req *r, const struct inputs_field *f){
  struct buf b;
  buf_init(&b);
  const char *const *acc = f->naccept ? (const char *const *)f->accept : evidence_default_accept;
  for(size_t i=0; f->naccept ? i<f->naccept : acc[i]!=NULL; i++){
    if( i ) buf_puts(&b, ",");
    buf_puts(&b, acc[i]);
  }
  const char *z = arena_strdup(&r->arena, b.z ? b.z : "");
  buf_free(&b);
  return z;
}

/* A person the viewer may act for, listed by name (sorted here, not by a temporary b-tree). */
struct principal { int64_t id; const char *name; };
static int principal_cmp(const void *pa, const void *pb){
  const struct principal *a = pa, *b = pb;
  int c = strcmp(a->name, b->name);
  return c ? c : (a->id<b->id ? -1 : a->id>b->id);
}

/* One evidence row of the round, for the file fields' lists. */
struct file_row {
  int64_t id, size, at;
  const char *key, *name, *mime, *who, *sha;
};

/* The evidence rows of one round, oldest first (at most INPUTS_MAX_ROWS), in r's arena. */
static int load_round_files(struct req *r, int64_t activity_id, int64_t round,
                            struct file_row **out, size_t *n){
  *out = NULL;
  *n = 0;
  struct db_stmt *st = db_prepare(r->app->db,
    "SELECT e.id, e.field_key, e.original_name, e.mime, e.size, e.at, u.display_name, e.sha256"
    " FROM evidence e JOIN users u ON u.id=e.uploaded_by"
    " WHERE e.activity_id=:id AND e.round=:round ORDER BY e.at, e.id LIMIT :lim");
  if( st==NULL ) return HP_ERROR;
  db_bind_int64(st, ":id", activity_id);
  db_bind_int64(st, ":round", round);
  db_bind_int64(st, ":lim", INPUTS_MAX_ROWS);
  struct file_row *v = NULL;
  size_t k = 0, cap = 0;
  while( db_step(st)==DB_ROW ){
    if( (v = arena_grow(&r->arena, v, k, &cap, sizeof(*v)))==NULL ){ db_finish(st); return HP_ERROR; }
    v[k].id = db_col_int64(st, 0);
    v[k].key = db_col_dup(&r->arena, st, 1);
    v[k].name = db_col_dup(&r->arena, st, 2);
    v[k].mime = db_col_dup(&r->arena, st, 3);
    v[k].size = db_col_int64(st, 4);
    v[k].at = db_col_int64(st, 5);
    v[k].who = db_col_dup(&r->arena, st, 6);
    v[k].sha = db_col_dup(&r->arena, st, 7);
    if( v[k].key ) k++;
  }
  db_finish(st);
  *out = v;
  *n = k;
  return HP_OK;
}

/* The per-type input of an editable, non-file field. */
static void render_input(tmpl_dict *row, const struct inputs_field *f, const char *val){
  char a[40];
  switch( f->type ){
    case INPUTS_TEXT: {
      tmpl_dict *x = tmpl_section(row, "TEXT");
      tmpl_set(x, "VALUE", val);
      tmpl_set_int(x, "MAXLENGTH", f->max_length>=0 ? f->max_length : INPUTS_TEXT_MAX);
      if( f->pattern ) tmpl_set(tmpl_section(x, "PATTERN"), "PATTERN", f->pattern);
      break;
    }
    case INPUTS_TEXTAREA: {
      tmpl_dict *x = tmpl_section(row, "TEXTAREA");
      tmpl_set(x, "VALUE", val);
      tmpl_set_int(x, "MAXLENGTH", f->max_length>=0 ? f->max_length : INPUTS_TEXTAREA_MAX);
      break;
    }
    case INPUTS_NUMBER: {
      tmpl_dict *x = tmpl_section(row, "NUMBER");
      tmpl_set(x, "VALUE", val);
      if( f->has_min ) tmpl_set(tmpl_section(x, "MIN"), "MIN", inputs_num_text(f->min, a, sizeof(a)));
      if( f->has_max ) tmpl_set(tmpl_section(x, "MAX"), "MAX", inputs_num_text(f->max, a, sizeof(a)));
      break;
    }
    case INPUTS_CHECKBOX: {
      tmpl_dict *x = tmpl_section(row, "CHECKBOX");
      if( val && strcmp(val, "on")==0 ) tmpl_show(x, "CHECKED");
      break;
    }
    case INPUTS_SELECT: {
      tmpl_dict *x = tmpl_section(row, "SELECT");
      if( val==NULL || val[0]==0 ) tmpl_show(x, "NONE_SELECTED");
      for(size_t i=0; i<f->noptions; i++){
        tmpl_dict *o = tmpl_section(x, "OPTION");
        tmpl_set(o, "OPTION", f->options[i]);
        if( val && strcmp(val, f->options[i])==0 ) tmpl_show(o, "SELECTED");
      }
      break;
    }
    default:
      break;
  }
}

int activity_view_fields(struct req *r, tmpl_dict *d, int64_t activity_id, int64_t round, int sees_evidence,
                         const struct activity_facts *facts, int *fillable){
  struct inputs_field *f;
  struct inputs_value *saved;
  struct file_row *files;
  size_t nf, nsaved, nfiles;
  char iso[40], sz[40];
  *fillable = 0;
  if( inputs_load_fields(r->app, &r->arena, activity_id, &f, &nf) ) return HP_ERROR;
  if( nf==0 && r->errors==NULL ) return HP_OK;
  if( inputs_load_values(r->app, &r->arena, activity_id, round, &saved, &nsaved) ) return HP_ERROR;
  if( load_round_files(r, activity_id, round, &files, &nfiles) ) return HP_ERROR;
  int editable = strcmp(facts->status, "on_hold")==0 && inputs_may_edit_listed(r->user, facts->can_act);
  int resubmitted = req_form(r, "inputs_form")!=NULL;

  tmpl_dict *x = tmpl_include(d, "FIELDS", "_fields.tpl");
  if( x==NULL ) return HP_ERROR;
  tmpl_set_int(x, "ACTIVITY_ID", activity_id);
  tmpl_set_int(x, "ROUND", round);
  tmpl_set(x, "CSRF", r->csrf_token);
  if( r->errors ) tmpl_show(x, "HAS_ERRORS");
  for(struct field_error *e = r->errors; e; e = e->next){
    tmpl_dict *s = tmpl_section(x, "ERRORS");
    tmpl_set(s, "FIELD", strcmp(e->field, "action")==0 ? "act" : e->field);
    tmpl_set(s, "MESSAGE", e->message);
  }
  if( nf==0 ) return HP_OK;
  tmpl_show(x, "HAS_FIELDS");
  tmpl_show(x, editable ? "EDITABLE" : "READONLY");
  int nvalue = 0;
  for(size_t i=0; i<nf; i++){
    const char *name = arena_printf(&r->arena, INPUTS_PREFIX "%s", f[i].key);
    const char *err = req_error_for(r, name);
    if( f[i].type==INPUTS_FILE ){
      int64_t limit = evidence_limit(r->app, f[i].max_size);
      tmpl_dict *row = tmpl_section(x, "FILE_FIELD");
      tmpl_set(row, "NAME", name);
      tmpl_set(row, "KEY", f[i].key);
      tmpl_set(row, "LABEL", f[i].label);
      if( f[i].help ) tmpl_set(tmpl_section(row, "HELP"), "HELP", f[i].help);
      if( f[i].required ) tmpl_show(row, "REQUIRED");
      tmpl_set(row, "ACCEPT_TEXT", accept_text(r, &f[i], limit));
      if( err ) tmpl_set(tmpl_section(row, "ERROR"), "ERROR", err);
      int nmine = 0;
      for(size_t k=0; k<nfiles; k++){
        if( strcmp(files[k].key, f[i].key)!=0 ) continue;
        nmine++;
        if( !sees_evidence ) continue;
        tmpl_dict *fr = tmpl_section(row, "FILE");
        tmpl_set_int(fr, "FILE_ID", files[k].id);
        tmpl_set(fr, "FILE_NAME", files[k].name);
        tmpl_set(fr, "FILE_TYPE", files[k].mime);
        tmpl_set(fr, "FILE_SIZE", evidence_human_size(files[k].size, sz, sizeof(sz)));
        tmpl_set(fr, "FILE_SHA256", files[k].sha);
        tmpl_set(fr, "FILE_WHO", files[k].who);
        tmpl_set(fr, "FILE_ISO", app_iso_time(files[k].at, iso, (int)sizeof(iso)));
        tmpl_set(fr, "FILE_UTC", page_time(r, files[k].at));
      }
      if( nmine && !sees_evidence ){
        tmpl_dict *h = tmpl_section(row, "FILES_HIDDEN");
        tmpl_set_int(h, "COUNT", nmine);
        tmpl_set(h, "WHO", MAYACT_EVIDENCE_REFUSED);
      }else{
        tmpl_show(row, nmine ? "HAS_FILES" : "NO_FILES");
      }
      if( editable ){
        tmpl_dict *u = tmpl_section(row, "UPLOAD");
        tmpl_set(u, "ACCEPT_ATTR", accept_attr(r, &f[i]));
        if( err ) tmpl_show(u, "INVALID");
      }
      continue;
    }
    const char *val = shown_value(r, resubmitted, saved, nsaved, f[i].key);
    tmpl_dict *row = tmpl_section(x, editable ? "FIELD" : "VALUE_FIELD");
    tmpl_set(row, "NAME", name);
    tmpl_set(row, "LABEL", f[i].label);
    if( f[i].help ) tmpl_set(tmpl_section(row, "HELP"), "HELP", f[i].help);
    if( f[i].required ) tmpl_show(row, "REQUIRED");
    if( err ){
      tmpl_set(tmpl_section(row, "ERROR"), "ERROR", err);
      tmpl_show(row, "INVALID");
    }
    if( editable ){
      render_input(row, &f[i], val);
    }else if( f[i].type==INPUTS_CHECKBOX ){
      tmpl_set(row, "SHOWN", val && strcmp(val, "on")==0 ? "Yes" : "No");
    }else if( val && val[0] ){
      tmpl_set(row, "SHOWN", val);
    }else{
      tmpl_show(row, "NO_VALUE");
    }
    nvalue++;
  }
  if( nvalue ) tmpl_show(x, editable ? "VALUE_FORM" : "VALUE_LIST");
  if( editable ){
    tmpl_show(x, "SAVE");
    *fillable = 1;
  }
  return HP_OK;
}

int activity_view_evidence(struct req *r, tmpl_dict *d, int64_t activity_id, int sees_evidence){
  char iso[40], sz[40];
  if( !sees_evidence ){
    tmpl_dict *x = tmpl_include(d, "EVIDENCE", "_evidence.tpl");
    if( x==NULL ) return HP_ERROR;
    struct db_stmt *st = db_prepare(r->app->db, "SELECT count(*) FROM evidence WHERE activity_id=:id");
    if( st==NULL ) return HP_ERROR;
    db_bind_int64(st, ":id", activity_id);
    int64_t n = db_step(st)==DB_ROW ? db_col_int64(st, 0) : 0;
    db_finish(st);
    if( n==0 ){ tmpl_show(x, "NO_FILES"); return HP_OK; }
    tmpl_dict *h = tmpl_section(x, "FILES_HIDDEN");
    tmpl_set_int(h, "COUNT", n);
    tmpl_set(h, "WHO", MAYACT_EVIDENCE_REFUSED);
    return HP_OK;
  }
  struct db_stmt *st = db_prepare(r->app->db,
    "SELECT e.id, e.original_name, e.mime, e.size, e.sha256, e.field_key, e.round, e.at,"
    " u.display_name, coalesce(f.label, e.field_key)"
    " FROM evidence e JOIN users u ON u.id=e.uploaded_by"
    " LEFT JOIN fields f ON f.activity_id=e.activity_id AND f.key=e.field_key"
    " WHERE e.activity_id=:id ORDER BY e.at DESC, e.id DESC LIMIT :lim");
  if( st==NULL ) return HP_ERROR;
  db_bind_int64(st, ":id", activity_id);
  db_bind_int64(st, ":lim", EVIDENCE_LIST_MAX + 1);
  tmpl_dict *x = tmpl_include(d, "EVIDENCE", "_evidence.tpl");
  if( x==NULL ){ db_finish(st); return HP_ERROR; }
  int n = 0;
  while( db_step(st)==DB_ROW ){
    if( ++n > EVIDENCE_LIST_MAX ){ tmpl_show(x, "MORE_FILES"); break; }
    tmpl_dict *f = tmpl_section(x, "FILE");
    int64_t id = db_col_int64(st, 0), at = db_col_int64(st, 7);
    const char *mime = db_col_text(st, 2);
    tmpl_set_int(f, "FILE_ID", id);
    tmpl_set(f, "FILE_NAME", db_col_text(st, 1));
    tmpl_set(f, "FILE_TYPE", mime);
    tmpl_set(f, "FILE_SIZE", evidence_human_size(db_col_int64(st, 3), sz, sizeof(sz)));
    tmpl_set_int(f, "FILE_BYTES", db_col_int64(st, 3));
    tmpl_set(f, "FILE_SHA256", db_col_text(st, 4));
    tmpl_set(f, "FILE_FIELD", db_col_text(st, 9));
    tmpl_set_int(f, "FILE_ROUND", db_col_int64(st, 6));
    tmpl_set(f, "FILE_WHO", db_col_text(st, 8));
    tmpl_set(f, "FILE_ISO", app_iso_time(at, iso, (int)sizeof(iso)));
    tmpl_set(f, "FILE_UTC", page_time(r, at));
    if( evidence_inline_ok(mime) ) tmpl_show(f, "PREVIEW");
  }
  db_finish(st);
  tmpl_show(x, n ? "HAS_FILES" : "NO_FILES");
  return HP_OK;
}

/*
** Should the activity page show the "Your decision" card to this person?
** Yes when may_act lists them (in their own name or for someone who
** delegated to them), and for release managers and admins on a manual task
** waiting for people (they may Assign it).
*/
int activity_view_decision_wanted(struct req *r, const struct activity_facts *f){
  if( r->user==NULL ) return 0;
  if( f->can_act ) return 1;                     /* may_act has rows for open rounds only */
  return (r->user->roles & (ROLE_ADMIN|ROLE_RELEASE_MANAGER)) && strcmp(f->kind, "manual")==0
         && strcmp(f->status, "on_hold")==0;
}

/*
** Fill the ACT section of the activity page with the forms the viewer may
** use: Approve/Reject (with the signature's meaning and a password field when
** required, and "acting for" when someone delegated to the viewer), or the
** manual task's Take / Proceed / Abort, and Assign for release managers.
*/
/*
** The electronic signature's part of a form: the password (Holdpoint's, or the
** company directory's), or for people of the OpenID provider a fresh sign-in
** there — a link, or, once done, when it was.
*/
static void signature_section(struct req *r, tmpl_dict *form, int64_t activity_id, const char *meaning){
  tmpl_dict *s = tmpl_section(form, "SIGNATURE");
  tmpl_set(s, "MEANING", meaning);
  tmpl_set(s, "SIGNER", r->user->display_name);
  if( strcmp(r->user->auth_source, "oidc")==0 ){
    tmpl_dict *p = tmpl_section(s, "BY_PROVIDER");
    tmpl_set(p, "PROVIDER", r->app->cfg.idp.oidc_label);
    tmpl_set(p, "REAUTH_URL", arena_printf(&r->arena, "/activities/%lld/reauth", (long long)activity_id));
    const char *m = sess_reauth_recent(r, 5*60*1000);
    tmpl_show(p, m && strcmp(m, "oidc")==0 ? "CONFIRMED" : "NOT_CONFIRMED");
  }else{
    tmpl_set(tmpl_section(s, "BY_PASSWORD"), "PASSWORD_LABEL",
             strcmp(r->user->auth_source, "ldap")==0 ? "Your company password" : "Password");
  }
}

int activity_view_decision(struct req *r, tmpl_dict *act, int64_t activity_id, const struct activity_facts *f){
  const char *kind = f->kind, *meaning = f->signature_meaning, *holder_name = f->holder_name;
  int sig = f->signature_required;
  int64_t holder = f->holder;
  if( strcmp(f->status, "on_hold")!=0 || r->user==NULL ) return 0;
  tmpl_set(act, "CSRF", r->csrf_token);
  tmpl_set_int(act, "ACTIVITY_ID", activity_id);
  const char *err_action = req_error_for(r, "action");
  tmpl_set(act, "ERR_COMMENT", req_error_for(r, "comment"));
  tmpl_set(act, "ERR_PASSWORD", req_error_for(r, "password"));
  tmpl_set(act, "ERR_NOTES", req_error_for(r, "notes"));
  tmpl_set(act, "ERR_USERNAME", req_error_for(r, "username"));
  tmpl_set(act, "COMMENT", req_form(r, "comment"));
  tmpl_set(act, "NOTES", req_form(r, "notes"));
  int64_t now = app_now_ms(r->app);
  int can = f->can_self;
  int decides = 0, more = 0;
  if( strcmp(kind, "approval")==0 ){
    /* People who delegated to the viewer and whom the viewer may act for now. */
    struct db_stmt *d = db_prepare(r->app->db,
      "SELECT u.id, u.display_name FROM may_act m JOIN users u ON u.id=m.for_user_id"
      " WHERE m.activity_id=:a AND m.user_id=:me AND m.reason='delegation' AND " MAYACT_OPEN("m"));
    struct principal *pr = NULL;
    size_t cap = 0;
    int npr = 0, nfor = 0;
    tmpl_dict *form = NULL;
    if( d ){
      db_bind_int64(d, ":me", r->user->id);
      db_bind_int64(d, ":now", now);
      db_bind_int64(d, ":a", activity_id);
      while( db_step(d)==DB_ROW ){
        if( (pr = arena_grow(&r->arena, pr, (size_t)npr, &cap, sizeof(*pr)))==NULL ) break;
        pr[npr].id = db_col_int64(d, 0);
        pr[npr].name = db_col_dup(&r->arena, d, 1);
        if( pr[npr].name ) npr++;
      }
      db_finish(d);
    }
    if( npr>1 ) qsort(pr, (size_t)npr, sizeof(*pr), principal_cmp);
    for(int i=0; i<npr; i++){
      if( i>0 && pr[i].id==pr[i-1].id ) continue;        /* one row a person, however many rules */
      if( form==NULL ) form = tmpl_section(act, "APPROVAL_FORM");
      tmpl_dict *o = tmpl_section(form, "ACTING_FOR");
      tmpl_set_int(o, "ID", pr[i].id);
      tmpl_set(o, "NAME", pr[i].name);
      nfor++;
    }
    if( can || nfor ){
      if( form==NULL ) form = tmpl_section(act, "APPROVAL_FORM");
      if( nfor ) tmpl_show(form, "HAS_ACTING_FOR");
      if( can ) tmpl_show(form, "CAN_SELF");
      if( sig ) signature_section(r, form, activity_id, meaning);
      decides = 1;
    }
  }else if( strcmp(kind, "manual")==0 ){
    if( holder==0 && can ){ tmpl_show(act, "TAKE_FORM"); more = 1; }
    if( holder && holder==r->user->id ){
      tmpl_dict *f = tmpl_section(act, "TASK_FORM");
      if( sig ) signature_section(r, f, activity_id, meaning);
      tmpl_show(act, "HAND_BACK");
      decides = more = 1;
    }else if( holder ){
      tmpl_set(tmpl_section(act, "HELD_BY"), "NAME", holder_name);
      more = 1;
    }
    if( r->user->roles & (ROLE_ADMIN|ROLE_RELEASE_MANAGER) ){ tmpl_show(act, "ASSIGN_FORM"); more = 1; }
  }
  if( decides ){
    tmpl_show(act, "DECIDE_CARD");
    if( err_action ) tmpl_set(tmpl_section(act, "ACTION_ERROR"), "MESSAGE", err_action);
  }
  if( more ){
    tmpl_show(act, "MORE_CARD");
    tmpl_set(act, "MORE_ID", decides ? "task" : "act");
    tmpl_set(act, "MORE_TITLE", decides ? "The task" : "Your part");
    if( err_action && !decides ) tmpl_set(tmpl_section(act, "MORE_ERROR"), "MESSAGE", err_action);
  }
  return decides;
}


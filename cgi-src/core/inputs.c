/* inputs.c — an activity's typed fields: validation, saving per round, and the form. */
#include "inputs.h"
#include "mayact.h"
#include "evidence.h"
#include "app.h"
#include "util.h"
#include "db.h"
#include "audit.h"
#include "log.h"
#include <jansson.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <math.h>


static const char *const TYPE_NAMES[] = { "text", "textarea", "number", "checkbox", "select", "file" };

/* ---------------------------------------------------------------- pure */


int inputs_parse_number(const char *z, double *out){
  const char *p = z;
  size_t n = strlen(z);
  if( n==0 || n>INPUTS_NUMBER_MAX ) return 0;
  if( *p=='-' ) p++;
  if( !(*p>='0' && *p<='9') ) return 0;
  while( *p>='0' && *p<='9' ) p++;
  if( *p=='.' ){
    p++;
    if( !(*p>='0' && *p<='9') ) return 0;
    while( *p>='0' && *p<='9' ) p++;
  }
  if( *p ) return 0;
  char *end;
  errno = 0;
  double v = strtod(z, &end);
  if( *end || !isfinite(v) ) return 0;
  *out = v;
  return 1;
}

int inputs_type_parse(const char *z){
  for(size_t i=0; z && i<HP_ARRAY_SIZE(TYPE_NAMES); i++) if( strcmp(z, TYPE_NAMES[i])==0 ) return (int)i;
  return -1;
}

/* Copy a JSON array of strings into an arena array; -1 when it is not one. */
static int str_list(struct arena *a, json_t *j, const char ***out, size_t *n){
  if( j==NULL ) return 0;
  if( !json_is_array(j) ) return -1;
  size_t cnt = json_array_size(j);
  const char **v = arena_alloc(a, sizeof(char*)*(cnt ? cnt : 1));
  if( v==NULL ) return -1;
  for(size_t i=0; i<cnt; i++){
    json_t *s = json_array_get(j, i);
    if( !json_is_string(s) || (v[i] = arena_strdup(a, json_string_value(s)))==NULL ) return -1;
  }
  *out = v;
  *n = cnt;
  return 0;
}

/* A non-negative integer rule; -1 when absent, -2 when malformed. */
static int64_t int_rule(json_t *rules, const char *name){
  json_t *v = json_object_get(rules, name);
  if( v==NULL ) return -1;
  if( !json_is_integer(v) || json_integer_value(v)<0 ) return -2;
  return (int64_t)json_integer_value(v);
}

/* The rules of rules_json into f (f's rule fields as after memset, lengths -1).  0, or -1 when malformed. */
static int parse_rules(struct arena *a, struct inputs_field *f, const char *rules_json){
  int rc = -1;
  json_t *rules = json_loads(rules_json, JSON_REJECT_DUPLICATES, NULL);
  if( !json_is_object(rules) ) goto out;
  f->min_length = int_rule(rules, "min_length");
  f->max_length = int_rule(rules, "max_length");
  int64_t ms = int_rule(rules, "max_size");
  if( f->min_length<-1 || f->max_length<-1 || ms<-1 ) goto out;
  f->max_size = ms>0 ? ms : 0;
  json_t *v = json_object_get(rules, "pattern");
  if( v ){
    if( !json_is_string(v) || (f->pattern = arena_strdup(a, json_string_value(v)))==NULL ) goto out;
  }
  if( (v = json_object_get(rules, "min"))!=NULL ){
    if( !json_is_number(v) ) goto out;
    f->has_min = 1;
    f->min = json_number_value(v);
  }
  if( (v = json_object_get(rules, "max"))!=NULL ){
    if( !json_is_number(v) ) goto out;
    f->has_max = 1;
    f->max = json_number_value(v);
  }
  if( str_list(a, json_object_get(rules, "options"), &f->options, &f->noptions)
   || str_list(a, json_object_get(rules, "accept"), &f->accept, &f->naccept) ) goto out;
  rc = 0;
out:
  json_decref(rules);
  return rc;
}

/*
** Rules texts seen before.  A page reads the same few forms on every request and a text's rules
** never change, so a worker keeps each text that parsed, with a copy of its rules (what they
** point to in an arena of its own, never freed), and answers it again without parsing: at most
** RULES_KEPT texts, past which the others are parsed each time.
*/
#define RULES_KEPT 256
static struct kept_rules { const char *text; size_t len; struct inputs_field rules; } kept[RULES_KEPT];
static size_t nkept;
static struct arena kept_arena;

/* The rule fields of from into to (the pointers shared). */
static void copy_rules(struct inputs_field *to, const struct inputs_field *from){
  to->min_length = from->min_length;
  to->max_length = from->max_length;
  to->pattern = from->pattern;
  to->has_min = from->has_min;
  to->has_max = from->has_max;
  to->min = from->min;
  to->max = from->max;
  to->options = from->options;
  to->noptions = from->noptions;
  to->accept = from->accept;
  to->naccept = from->naccept;
  to->max_size = from->max_size;
}

/* A copy of list (n strings) in a; 0 on success. */
static int keep_list(struct arena *a, const char **list, size_t n, const char ***out){
  *out = NULL;
  if( list==NULL ) return 0;
  const char **v = arena_alloc(a, sizeof(char*)*(n ? n : 1));
  if( v==NULL ) return -1;
  for(size_t i=0; i<n; i++) if( (v[i] = arena_strdup(a, list[i]))==NULL ) return -1;
  *out = v;
  return 0;
}

/* Keep the rules f was given by text (parsed), if there is room. */
static void keep_rules(const char *text, size_t len, const struct inputs_field *f){
  if( nkept>=RULES_KEPT ) return;
  struct kept_rules *k = &kept[nkept];
  memset(k, 0, sizeof(*k));
  copy_rules(&k->rules, f);
  if( (k->text = arena_strndup(&kept_arena, text, len))==NULL
   || (f->pattern && (k->rules.pattern = arena_strdup(&kept_arena, f->pattern))==NULL)
   || keep_list(&kept_arena, f->options, f->noptions, &k->rules.options)
   || keep_list(&kept_arena, f->accept, f->naccept, &k->rules.accept) ) return;   /* not kept */
  k->len = len;
  nkept++;
}

int inputs_field_parse(struct arena *a, struct inputs_field *f, const char *key,
                       const char *label, const char *type, int required, const char *help,
                       const char *rules_json){
  memset(f, 0, sizeof(*f));
  f->min_length = f->max_length = -1;
  int t = inputs_type_parse(type);
  if( t<0 || key==NULL ) return -1;
  f->type = (enum inputs_type)t;
  f->required = required!=0;
  f->key = arena_strdup(a, key);
  f->label = arena_strdup(a, label ? label : key);
  f->help = help && help[0] ? arena_strdup(a, help) : NULL;
  if( f->key==NULL || f->label==NULL ) return -1;
  if( rules_json==NULL || rules_json[0]==0 ) return 0;
  size_t len = strlen(rules_json);
  for(size_t i=0; i<nkept; i++){
    if( kept[i].len==len && memcmp(kept[i].text, rules_json, len)==0 ){
      copy_rules(f, &kept[i].rules);
      return 0;
    }
  }
  if( parse_rules(a, f, rules_json) ) return -1;
  keep_rules(rules_json, len, f);
  return 0;
}

/* 1 when z has a control character other than those allowed (TAB, CR and LF for textareas). */
static int has_controls(const char *z, int multiline){
  for(const unsigned char *p = (const unsigned char*)z; *p; p++){
    if( *p<0x20 || *p==0x7F ){
      if( multiline && (*p=='\t' || *p=='\r' || *p=='\n') ) continue;
      return 1;
    }
  }
  return 0;
}

/* Shortest decimal form of a rule's number for messages ("100", "0.5"). */
const char *inputs_num_text(double v, char *buf, size_t n){
  snprintf(buf, n, "%.15g", v);
  return buf;
}

/* The rules of a non-empty text or textarea value (see inputs_check). */
static int check_text(const struct inputs_field *f, const char *v, char *msg, size_t nmsg){
  int multi = f->type==INPUTS_TEXTAREA;
  if( has_controls(v, multi) ){
    snprintf(msg, nmsg, multi ? "Remove the control characters from this text."
                              : "Use a single line without control characters.");
    return 0;
  }
  size_t n = util_utf8_chars(v);
  int64_t maxl = f->max_length>=0 ? f->max_length : (multi ? INPUTS_TEXTAREA_MAX : INPUTS_TEXT_MAX);
  if( f->min_length>0 && (int64_t)n < f->min_length ){
    snprintf(msg, nmsg, "Use at least %lld characters (you used %zu).", (long long)f->min_length, n);
    return 0;
  }
  if( (int64_t)n > maxl ){
    snprintf(msg, nmsg, "Use at most %lld characters (you used %zu).", (long long)maxl, n);
    return 0;
  }
  if( f->pattern ){
    regex_t re;
    if( regcomp(&re, f->pattern, REG_EXTENDED|REG_NOSUB)!=0 ){
      log_msg("inputs: field %s has a pattern that does not compile", f->key);
      snprintf(msg, nmsg, "This field's rule cannot be checked; ask the template's owner.");
      return 0;
    }
    int m = regexec(&re, v, 0, NULL, 0);
    regfree(&re);
    if( m!=0 ){
      snprintf(msg, nmsg, "Use the expected format (%s).", f->pattern);
      return 0;
    }
  }
  return 1;
}

int inputs_check(const struct inputs_field *f, const char *value, char *msg, size_t nmsg){
  char a[40], b[40];
  double d;
  if( nmsg ) msg[0] = 0;
  int empty = value==NULL || value[0]==0;
  switch( f->type ){
    case INPUTS_CHECKBOX:
      if( !empty && strcmp(value, "on")!=0 ){
        snprintf(msg, nmsg, "Tick the box or leave it empty.");
        return 0;
      }
      if( f->required && empty ){
        snprintf(msg, nmsg, "Tick this box to continue.");
        return 0;
      }
      return 1;
    case INPUTS_FILE:
      snprintf(msg, nmsg, "Upload the file with the Upload button.");
      return 0;
    default:
      break;
  }
  if( empty ){
    if( f->required ){
      snprintf(msg, nmsg, f->type==INPUTS_SELECT ? "Choose one of the options." : "This field is required.");
      return 0;
    }
    return 1;
  }
  switch( f->type ){
    case INPUTS_TEXT:
    case INPUTS_TEXTAREA:
      return check_text(f, value, msg, nmsg);
    case INPUTS_NUMBER:
      if( !inputs_parse_number(value, &d) ){
        snprintf(msg, nmsg, "Enter a number such as 42 or 3.5 (digits, an optional minus sign and decimal point).");
        return 0;
      }
      if( f->has_min && f->has_max && (d<f->min || d>f->max) ){
        snprintf(msg, nmsg, "Enter a number from %s to %s.", inputs_num_text(f->min, a, sizeof(a)),
                 inputs_num_text(f->max, b, sizeof(b)));
        return 0;
      }
      if( f->has_min && d<f->min ){
        snprintf(msg, nmsg, "Enter a number of at least %s.", inputs_num_text(f->min, a, sizeof(a)));
        return 0;
      }
      if( f->has_max && d>f->max ){
        snprintf(msg, nmsg, "Enter a number of at most %s.", inputs_num_text(f->max, a, sizeof(a)));
        return 0;
      }
      return 1;
    case INPUTS_SELECT:
      for(size_t i=0; i<f->noptions; i++) if( strcmp(value, f->options[i])==0 ) return 1;
      snprintf(msg, nmsg, "Choose one of the options.");
      return 0;
    default:
      return 0;
  }
}

int inputs_check_files(const struct inputs_field *f, int64_t nfiles, char *msg, size_t nmsg){
  if( nmsg ) msg[0] = 0;
  if( f->required && nfiles<=0 ){
    snprintf(msg, nmsg, "Upload at least one file.");
    return 0;
  }
  return 1;
}

/* ---------------------------------------------------------------- database */

int inputs_load_activity(struct app *app, struct arena *a, int64_t id, struct inputs_activity *act){
  memset(act, 0, sizeof(*act));
  struct db_stmt *st = db_prepare(app->db,
    "SELECT id, release_id, round, name, kind, status, responsible_kind, responsible_name,"
    " coalesce(responsible_user_id,0) FROM activities WHERE id=:id");
  if( st==NULL ) return HP_ERROR;
  db_bind_int64(st, ":id", id);
  int rc = db_step(st);
  if( rc!=DB_ROW ){
    db_finish(st);
    return rc==DB_DONE ? HP_NOT_FOUND : HP_ERROR;
  }
  act->id = db_col_int64(st, 0);
  act->release_id = db_col_int64(st, 1);
  act->round = db_col_int(st, 2);
  act->name = db_col_dup(a, st, 3);
  act->kind = db_col_dup(a, st, 4);
  act->status = db_col_dup(a, st, 5);
  act->responsible_kind = db_col_dup(a, st, 6);
  act->responsible_name = db_col_dup(a, st, 7);
  act->responsible_user_id = db_col_int64(st, 8);
  db_finish(st);
  if( act->name==NULL || act->kind==NULL || act->status==NULL ) return HP_ERROR;
  return HP_OK;
}

int inputs_load_fields(struct app *app, struct arena *a, int64_t activity_id,
                       struct inputs_field **out, size_t *n){
  *out = NULL;
  *n = 0;
  size_t cap = 0;
  struct inputs_field *v = arena_grow(a, NULL, 0, &cap, sizeof(*v));
  if( v==NULL ) return HP_ERROR;
  struct db_stmt *st = db_prepare(app->db,
    "SELECT id, key, label, type, required, help, rules_json FROM fields"
    " WHERE activity_id=:id ORDER BY position, id LIMIT :lim");
  if( st==NULL ) return HP_ERROR;
  db_bind_int64(st, ":id", activity_id);
  db_bind_int64(st, ":lim", INPUTS_MAX_FIELDS);
  size_t k = 0;
  int rc;
  while( (rc = db_step(st))==DB_ROW ){
    if( (v = arena_grow(a, v, k, &cap, sizeof(*v)))==NULL ){ rc = DB_ERROR; break; }
    struct inputs_field *f = &v[k];
    const char *key = db_col_text(st, 1), *type = db_col_text(st, 3);
    if( inputs_field_parse(a, f, key, db_col_text(st, 2), type, db_col_int(st, 4),
                           db_col_text(st, 5), db_col_text(st, 6)) ){
      /* Refuse rather than drop the rules: a field without its accept list or
      ** limits would let through what the template forbids. */
      log_msg("inputs: field %s of activity %lld has rules that cannot be read",
              key, (long long)activity_id);
      rc = DB_ERROR;
      break;
    }
    f->id = db_col_int64(st, 0);
    k++;
  }
  db_finish(st);
  if( rc!=DB_DONE ) return HP_ERROR;
  *out = v;
  *n = k;
  return HP_OK;
}

int inputs_may_edit_listed(const struct user *user, int listed){
  if( user==NULL ) return 0;
  return user->is_admin || (user->roles & (ROLE_RELEASE_MANAGER|ROLE_ADMIN)) || listed;
}

int inputs_may_edit(struct app *app, const struct user *user, const struct inputs_activity *act){
  if( user==NULL || act==NULL || act->kind==NULL ) return 0;
  /* may_act is asked only when the person's role does not already allow it */
  return inputs_may_edit_listed(user, 0) || mayact_may(app, act->id, user->id, 0, app_now_ms(app));
}

/* The values saved for a round, in a (at most INPUTS_MAX_FIELDS). */
int inputs_load_values(struct app *app, struct arena *a, int64_t activity_id, int64_t round,
                       struct inputs_value **out, size_t *n){
  *out = NULL;
  *n = 0;
  size_t cap = 0;
  struct inputs_value *v = arena_grow(a, NULL, 0, &cap, sizeof(*v));
  if( v==NULL ) return HP_ERROR;
  struct db_stmt *st = db_prepare(app->db,
    "SELECT field_key, value FROM inputs WHERE activity_id=:id AND round=:round LIMIT :lim");
  if( st==NULL ) return HP_ERROR;
  db_bind_int64(st, ":id", activity_id);
  db_bind_int64(st, ":round", round);
  db_bind_int64(st, ":lim", INPUTS_MAX_FIELDS);
  size_t k = 0;
  int rc;
  while( (rc = db_step(st))==DB_ROW ){
    if( (v = arena_grow(a, v, k, &cap, sizeof(*v)))==NULL ){ rc = DB_ERROR; break; }
    v[k].key = db_col_dup(a, st, 0);
    v[k].value = db_col_dup(a, st, 1);
    if( v[k].key && v[k].value ) k++;
  }
  db_finish(st);
  if( rc!=DB_DONE ) return HP_ERROR;
  *out = v;
  *n = k;
  return HP_OK;
}

const char *inputs_value_of(const struct inputs_value *v, size_t n, const char *key){
  for(size_t i=0; i<n; i++) if( strcmp(v[i].key, key)==0 ) return v[i].value;
  return NULL;
}

/* How many evidence files field `key` has in the round; -1 on a database error. */
static int64_t count_files(struct app *app, int64_t activity_id, int64_t round, const char *key){
  struct db_stmt *st = db_prepare(app->db,
    "SELECT count(*) FROM evidence WHERE activity_id=:id AND round=:round AND field_key=:key");
  if( st==NULL ) return -1;
  db_bind_int64(st, ":id", activity_id);
  db_bind_int64(st, ":round", round);
  db_bind_text(st, ":key", key);
  int64_t n = db_step(st)==DB_ROW ? db_col_int64(st, 0) : -1;
  db_finish(st);
  return n;
}

/* Append a field error (field = prefix + key) to a list in a. */
static void add_error(struct arena *a, struct field_error **list, const char *key, const char *msg){
  if( list==NULL ) return;
  struct field_error *e = arena_alloc(a, sizeof(*e));
  if( e==NULL ) return;
  e->field = arena_printf(a, INPUTS_PREFIX "%s", key);
  e->message = arena_strdup(a, msg);
  struct field_error **pp = list;
  while( *pp ) pp = &(*pp)->next;
  *pp = e;
}

int inputs_validate_all(struct app *app, struct arena *a, int64_t activity_id, int round,
                        const struct inputs_value *values, size_t nvalues,
                        struct field_error **errors){
  struct inputs_field *f;
  size_t nf;
  int rc = inputs_load_fields(app, a, activity_id, &f, &nf);
  if( rc ) return rc;
  if( values==NULL ){
    struct inputs_value *sv;
    if( inputs_load_values(app, a, activity_id, round, &sv, &nvalues) ) return HP_ERROR;
    values = sv;
  }
  int bad = 0;
  char msg[300];
  for(size_t i=0; i<nf; i++){
    int ok;
    if( f[i].type==INPUTS_FILE ){
      int64_t n = count_files(app, activity_id, round, f[i].key);
      if( n<0 ) return HP_ERROR;
      ok = inputs_check_files(&f[i], n, msg, sizeof(msg));
    }else{
      ok = inputs_check(&f[i], inputs_value_of(values, nvalues, f[i].key), msg, sizeof(msg));
    }
    if( !ok ){
      bad++;
      add_error(a, errors, f[i].key, msg);
    }
  }
  return bad ? HP_UNPROCESSABLE : HP_OK;
}

int inputs_save(struct app *app, const struct audit_ctx *c, int64_t activity_id, int expected_round,
                const struct inputs_value *values, size_t n, int64_t user_id){
  int rc = HP_ERROR;
  struct db_stmt *st = NULL;
  json_t *vals = json_object(), *keys = json_array();
  if( vals==NULL || keys==NULL ){ json_decref(vals); json_decref(keys); return HP_ERROR; }
  if( db_begin_write(app->db) ){ json_decref(vals); json_decref(keys); return HP_UNAVAILABLE; }
  st = db_prepare(app->db, "SELECT status, round, release_id FROM activities WHERE id=:id");
  if( st==NULL ) goto out;
  db_bind_int64(st, ":id", activity_id);
  if( db_step(st)!=DB_ROW ){ rc = HP_NOT_FOUND; goto out; }
  int64_t release_id = db_col_int64(st, 2);
  if( strcmp(db_col_text(st, 0), "on_hold")!=0 || db_col_int(st, 1)!=expected_round ){
    rc = HP_CONFLICT;
    goto out;
  }
  db_finish(st);
  st = db_prepare(app->db,
    "INSERT INTO inputs(activity_id, round, field_key, value, user_id, at)"
    " VALUES(:id, :round, :key, :value, :uid, :at)"
    " ON CONFLICT(activity_id, round, field_key) DO UPDATE"
    " SET value=excluded.value, user_id=excluded.user_id, at=excluded.at");
  if( st==NULL ) goto out;
  int64_t now = app_now_ms(app);
  for(size_t i=0; i<n; i++){
    db_reset(st);
    db_bind_int64(st, ":id", activity_id);
    db_bind_int64(st, ":round", expected_round);
    db_bind_text(st, ":key", values[i].key);
    db_bind_text(st, ":value", values[i].value);
    db_bind_int64(st, ":uid", user_id);
    db_bind_int64(st, ":at", now);
    if( db_step(st)!=DB_DONE ) goto out;
    json_array_append_new(keys, json_string(values[i].key));
    json_object_set_new(vals, values[i].key, json_string(values[i].value));
  }
  db_finish(st);
  st = NULL;
  /* "o" steals the references, so they are not freed below. */
  json_t *k2 = keys, *v2 = vals;
  keys = vals = NULL;
  if( audit_append(app, c, "input.save", "activity", activity_id, release_id, "{s:i,s:o,s:o}",
                   "round", expected_round, "keys", k2, "values", v2) ) goto out;
  rc = HP_OK;
out:
  db_finish(st);
  json_decref(keys);
  json_decref(vals);
  if( rc==HP_OK ){
    if( db_commit(app->db) ) rc = HP_ERROR;
  }else{
    db_rollback(app->db);
  }
  return rc;
}


/* relvars.c — a release's variables and its activities' outputs, read for {{...}} substitution. */
#include "relvars.h"
#include "app.h"
#include "db.h"

int relvars_load(struct app *a, struct arena *ar, int64_t release_id, struct vars_release *v){
  size_t kcap = 0, ocap = 0;
  struct vars_kv *kv = arena_grow(ar, NULL, 0, &kcap, sizeof(*kv));
  struct vars_output *o = arena_grow(ar, NULL, 0, &ocap, sizeof(*o));
  v->nvars = v->noutputs = 0;
  v->vars = kv;
  v->outputs = o;
  if( kv==NULL || o==NULL ) return -1;
  struct db_stmt *st = db_prepare(a->db, "SELECT key, value FROM release_vars WHERE release_id=:r ORDER BY key LIMIT :lim");
  if( st==NULL ) return -1;
  db_bind_int64(st, ":r", release_id);
  db_bind_int64(st, ":lim", RELVARS_MAX_VARS);
  int step;
  while( (step = db_step(st))==DB_ROW ){
    if( (kv = arena_grow(ar, kv, v->nvars, &kcap, sizeof(*kv)))==NULL ){ db_finish(st); return -1; }
    v->vars = kv;
    kv[v->nvars].key = db_col_dup(ar, st, 0);
    kv[v->nvars].value = db_col_dup(ar, st, 1);
    if( kv[v->nvars].key && kv[v->nvars].value ) v->nvars++;
  }
  db_finish(st);
  if( step!=DB_DONE ) return -1;
  st = db_prepare(a->db, "SELECT oa.name, o.key, o.value FROM outputs o JOIN activities oa ON oa.id=o.activity_id"
                         " WHERE oa.release_id=:r ORDER BY oa.position, o.key LIMIT :lim");
  if( st==NULL ) return -1;
  db_bind_int64(st, ":r", release_id);
  db_bind_int64(st, ":lim", RELVARS_MAX_OUTPUTS);
  while( (step = db_step(st))==DB_ROW ){
    if( (o = arena_grow(ar, o, v->noutputs, &ocap, sizeof(*o)))==NULL ){ db_finish(st); return -1; }
    v->outputs = o;
    o[v->noutputs].activity = db_col_dup(ar, st, 0);
    o[v->noutputs].key = db_col_dup(ar, st, 1);
    o[v->noutputs].value = db_col_dup(ar, st, 2);
    if( o[v->noutputs].activity && o[v->noutputs].key && o[v->noutputs].value ) v->noutputs++;
  }
  db_finish(st);
  return step==DB_DONE ? 0 : -1;
}

/* relvars.c — a release's variables and its activities' outputs, read for {{...}} substitution. */
#include "relvars.h"
#include "app.h"
#include "db.h"
#include <stdlib.h>
#include <string.h>

/* An output with its activity's position, for sorting. */
struct placed { struct vars_output o; int64_t position; };

static int placed_cmp(const void *x, const void *y){
  const struct placed *a = x, *b = y;
  if( a->position!=b->position ) return a->position<b->position ? -1 : 1;
  int c = strcmp(a->o.activity, b->o.activity);
  return c ? c : strcmp(a->o.key, b->o.key);
}

int relvars_load_vars(struct app *a, struct arena *ar, int64_t release_id, struct vars_release *v){
  size_t kcap = 0;
  struct vars_kv *kv = arena_grow(ar, NULL, 0, &kcap, sizeof(*kv));
  v->nvars = 0;
  v->vars = kv;
  if( kv==NULL ) return -1;
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
  return step==DB_DONE ? 0 : -1;
}

int relvars_load(struct app *a, struct arena *ar, int64_t release_id, struct vars_release *v){
  static const struct vars_output none[1];
  v->noutputs = 0;
  v->outputs = none;
  if( relvars_load_vars(a, ar, release_id, v) ) return -1;
  int step;
  struct db_stmt *st;
  struct vars_output *o;
  /* The outputs as they come (by activity, then key), put in the activities' order here: an
     ORDER BY across the join would cost a temporary b-tree on every read. */
  st = db_prepare(a->db, "SELECT oa.name, o.key, o.value, oa.position FROM activities oa"
                         " CROSS JOIN outputs o ON o.activity_id=oa.id WHERE oa.release_id=:r LIMIT :lim");
  if( st==NULL ) return -1;
  db_bind_int64(st, ":r", release_id);
  db_bind_int64(st, ":lim", RELVARS_MAX_OUTPUTS);
  size_t pcap = 0;
  struct placed *pl = NULL;
  size_t n = 0;
  while( (step = db_step(st))==DB_ROW ){
    if( (pl = arena_grow(ar, pl, n, &pcap, sizeof(*pl)))==NULL ){ db_finish(st); return -1; }
    pl[n].o.activity = db_col_dup(ar, st, 0);
    pl[n].o.key = db_col_dup(ar, st, 1);
    pl[n].o.value = db_col_dup(ar, st, 2);
    pl[n].position = db_col_int64(st, 3);
    if( pl[n].o.activity && pl[n].o.key && pl[n].o.value ) n++;
  }
  db_finish(st);
  if( step!=DB_DONE ) return -1;
  if( n==0 ) return 0;
  if( n>1 ) qsort(pl, n, sizeof(*pl), placed_cmp);
  if( (o = arena_alloc(ar, n * sizeof(*o)))==NULL ) return -1;
  for(size_t i=0; i<n; i++) o[i] = pl[i].o;
  v->outputs = o;
  v->noutputs = n;
  return 0;
}

/* page_inputs.c — saving an activity's fields from its page, and showing the page again with the errors. */
#include "page_inputs.h"
#include "page_release.h"
#include "inputs.h"
#include "evidence.h"
#include "mayact.h"
#include "app.h"
#include "db.h"
#include "audit.h"
#include "router.h"
#include "log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/*
** Show the activity page again for r (the route's first {id}) with status,
** keeping r->errors and r->form, so that each message stands next to its field.
*/
int page_inputs_rerender(struct req *r, int status){
  int rc = page_activity(r);
  if( rc==HP_OK ) r->status = status;
  return rc;
}

/*
** POST /activities/{id}/inputs — validate every non-file field of the form
** (inputs named f_<key>), then save them all for the current round, or
** re-render the page with 422 and each message next to its field.
** Route flags: AUTH | CSRF.
*/
int page_inputs_save(struct req *r){
  int64_t id = r->ids[0];
  struct inputs_activity act;
  struct inputs_field *f;
  size_t nf;
  int rc = inputs_load_activity(r->app, &r->arena, id, &act);
  if( rc ) return rc;
  if( strcmp(act.status, "on_hold")!=0 ){
    router_render_error(r, HP_CONFLICT, "This activity is not waiting for input any more.");
    return HP_OK;
  }
  if( !inputs_may_edit(r->app, r->user, &act) ){
    req_audit_tx(r, "access.denied", "activity", id, act.release_id, "{s:s,s:s,s:i,s:s}",
                   "method", r->method, "path", r->path, "status", 403, "reason", "may not edit inputs");
    router_render_error(r, HP_FORBIDDEN, "Only the people who may act on this activity can fill in its form.");
    return HP_OK;
  }
  if( inputs_load_fields(r->app, &r->arena, id, &f, &nf) ) return HP_ERROR;
  struct inputs_value *v = arena_alloc(&r->arena, sizeof(*v)*(nf ? nf : 1));
  if( v==NULL ) return HP_ERROR;
  size_t nv = 0;
  char msg[300];
  for(size_t i=0; i<nf; i++){
    if( f[i].type==INPUTS_FILE ) continue;
    const char *name = arena_printf(&r->arena, INPUTS_PREFIX "%s", f[i].key);
    const char *val = req_form(r, name);
    if( !inputs_check(&f[i], val, msg, sizeof(msg)) ) req_field_error(r, name, "%s", msg);
    v[nv].key = f[i].key;
    v[nv].value = val ? val : "";
    nv++;
  }
  if( r->errors ) return page_inputs_rerender(r, HP_UNPROCESSABLE);
  if( nv==0 ){
    page_flash(r, "This activity has no values to save.");
    return resp_redirect(r, "/activities/%lld", (long long)id);
  }
  struct audit_ctx c;
  req_audit_ctx(r, &c);
  rc = inputs_save(r->app, &c, id, act.round, v, nv, r->user->id);
  if( rc==HP_CONFLICT ){
    router_render_error(r, HP_CONFLICT, "This activity is not waiting for input any more.");
    return HP_OK;
  }
  if( rc ) return rc;
  page_flash(r, "Saved.");
  return resp_redirect(r, "/activities/%lld", (long long)id);
}

/* page_inputs.h — the fields of an activity on its page (page_inputs.c). */
#ifndef HP_PAGE_INPUTS_H
#define HP_PAGE_INPUTS_H
#include "req.h"


/*
** Re-render the activity page for r (the route's first {id}) with status,
** keeping r->errors and r->form; the page then shows every message next to
** its field.  Used by the inputs form and by browser uploads.  HP_OK or an
** HP_* code for the router.
*/
int page_inputs_rerender(struct req *r, int status);

/* POST /activities/{id}/inputs — save the form.  Route flags: AUTH | CSRF. */
int page_inputs_save(struct req *r);

/* POST /api/v1/activities/{id}/inputs — a pipeline fills fields (page_inputs.c).  API | RAWBODY. */
int api_inputs_save(struct req *r);
#endif

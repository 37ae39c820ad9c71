/* relvars.h — a release's variables and its activities' outputs, read for {{...}} (vars.h). */
#ifndef HP_RELVARS_H
#define HP_RELVARS_H
#include <stdint.h>
#include "arena.h"
#include "vars.h"

struct app;

#define RELVARS_MAX_VARS 500        /* release variables read */
#define RELVARS_MAX_OUTPUTS 5000    /* outputs of the release's activities read */

/*
** Fill v->vars and v->outputs (in a) from the release's variables and every
** output of its activities, in activity then key order; the caller sets
** v->id, name, version and artifact.  The one reader for the activity page's
** instructions, the API's, and the texts of notifications.  0 or -1.
*/
int relvars_load(struct app *a, struct arena *ar, int64_t release_id, struct vars_release *v);

/* Only v->vars (by key): the variables of a release, as relvars_load reads them.  0 or -1. */
int relvars_load_vars(struct app *a, struct arena *ar, int64_t release_id, struct vars_release *v);
#endif

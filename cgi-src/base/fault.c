/* fault.c — fault injection for tests; empty unless built with -DHP_FAULT (see fault.h). */
#include "fault.h"

#ifdef HP_FAULT
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[FAULT_NKIND] = { "alloc", "step", "write", "fsync" };
static int armed = -1;          /* the kind armed, or -1 */
static long target, seen;
static int fired;
static int held;                /* fault_hold: a cleanup is running */

void fault_arm(const char *spec){
  armed = -1;
  fired = 0;
  seen = 0;
  if( spec==NULL || spec[0]==0 ) return;
  const char *colon = strchr(spec, ':');
  if( colon==NULL ) return;
  for(int k=0; k<FAULT_NKIND; k++){
    if( strlen(kind_names[k])==(size_t)(colon-spec) && strncmp(spec, kind_names[k], (size_t)(colon-spec))==0 ){
      target = strtol(colon+1, NULL, 10);
      if( target > 0 ) armed = k;
    }
  }
}

int fault_hit(enum fault_kind k){
  if( armed!=(int)k || fired || held ) return 0;
  if( ++seen < target ) return 0;
  fired = 1;
  return 1;
}

void fault_hold(int on){
  held = on;
}

const char *fault_report(void){
  const char *r = armed<0 ? NULL : fired ? "fired" : "not-reached";
  armed = -1;
  return r;
}
#else
typedef int fault_unused;       /* ISO C wants something in a translation unit */
#endif

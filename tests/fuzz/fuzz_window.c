/* fuzz_window.c — libFuzzer harness for change-window specs: any text is read or refused with a
** message, and what is read writes back to a spec that reads the same; is_open and next_open agree. */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "window.h"

static int to_local(void *ctx, int64_t t, struct tm *out){
  (void)ctx;
  time_t tt = (time_t)t;
  return gmtime_r(&tt, out) ? 0 : -1;
}
static int64_t from_local(void *ctx, struct tm *tm){
  (void)ctx;
  tm->tm_isdst = 0;
  return (int64_t)timegm(tm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size){
  char *z = malloc(size + 1);
  if( z==NULL ) return 0;
  memcpy(z, data, size);
  z[size] = 0;
  struct window w, again;
  char err[200] = "", out[80];
  if( window_parse(z, &w, err, sizeof(err))==0 ){
    if( w.days==0 || w.days>0x7f || w.start_min<0 || w.start_min>=1440 || w.end_min<0 || w.end_min>1440
     || w.start_min==w.end_min ) __builtin_trap();
    window_format(&w, out, sizeof(out));
    if( window_parse(out, &again, NULL, 0) || again.days!=w.days || again.start_min!=w.start_min
     || again.end_min!=w.end_min ) __builtin_trap();
    struct window_clock c = { to_local, from_local, NULL };
    int64_t t = 1796428800 + (int64_t)(size*7919 % 604800);
    int64_t next = window_next_open(&w, &c, t);
    if( next<t || next>t + 8*86400 || window_is_open(&w, &c, next)!=1 ) __builtin_trap();
    for(int64_t s = t; s<next; s += 60*29) if( window_is_open(&w, &c, s)==1 ) __builtin_trap();
  }else if( err[0]==0 ){
    __builtin_trap();
  }
  free(z);
  return 0;
}

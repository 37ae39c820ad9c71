/* window.c — change windows (see window.h).  Pure: the time zone comes in through a window_clock. */
#include "window.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const DAY[7] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };

static int bad(char *err, size_t nerr, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(char *err, size_t nerr, const char *fmt, ...){
  if( err && nerr ){
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, nerr, fmt, ap);
    va_end(ap);
  }
  return -1;
}

/* Index 0..6 of a three-letter day name at z (lower or upper case), or -1. */
static int day_at(const char *z){
  for(int d=0; d<7; d++){
    int ok = 1;
    for(int k=0; k<3 && ok; k++){
      char c = z[k];
      if( c>='A' && c<='Z' ) c = (char)(c - 'A' + 'a');
      ok = c==DAY[d][k];
    }
    if( ok ) return d;
  }
  return -1;
}

/* "HH:MM" at z into minutes (24:00 allowed when end); the characters read, or 0. */
static int hm_at(const char *z, int end, int *out){
  if( !(z[0]>='0' && z[0]<='9' && z[1]>='0' && z[1]<='9' && z[2]==':' && z[3]>='0' && z[3]<='9'
        && z[4]>='0' && z[4]<='9') ) return 0;
  int h = (z[0]-'0')*10 + (z[1]-'0'), m = (z[3]-'0')*10 + (z[4]-'0');
  if( m>59 || h>24 || (h==24 && (m!=0 || !end)) ) return 0;
  *out = h*60 + m;
  return 5;
}

int window_parse(const char *spec, struct window *w, char *err, size_t nerr){
  memset(w, 0, sizeof(*w));
  if( spec==NULL ) return bad(err, nerr, "Give the days and hours, for example \"mon-fri 09:00-16:00\".");
  size_t n = strlen(spec);
  if( n>WINDOW_SPEC_MAX ) return bad(err, nerr, "A window is at most %d characters.", WINDOW_SPEC_MAX);
  const char *z = spec;
  while( *z==' ' ) z++;
  if( *z==0 ) return bad(err, nerr, "Give the days and hours, for example \"mon-fri 09:00-16:00\".");
  /* Days, unless the spec starts with the hours. */
  if( !(z[0]>='0' && z[0]<='9') ){
    if( strncmp(z, "daily", 5)==0 && (z[5]==' ' || z[5]==0) ){
      w->days = 0x7f;
      z += 5;
    }else{
      for(;;){
        int a = day_at(z);
        if( a<0 ) return bad(err, nerr, "\"%.*s\" is not a day: use mon, tue, wed, thu, fri, sat, sun, "
                             "ranges such as mon-fri, lists such as mon,wed,fri, or daily.",
                             (int)strcspn(z, " ,-"), z);
        z += 3;
        int b = a;
        if( *z=='-' ){
          b = day_at(z+1);
          if( b<0 ) return bad(err, nerr, "A range of days ends with a day, as in mon-fri.");
          z += 4;
        }
        for(int d=a;; d=(d+1)%7){          /* fri-mon wraps over the week end */
          w->days |= 1u<<d;
          if( d==b ) break;
        }
        if( *z!=',' ) break;
        z++;
      }
    }
    if( *z!=' ' ) return bad(err, nerr, "Put a space between the days and the hours, as in \"mon-fri 09:00-16:00\".");
    while( *z==' ' ) z++;
  }else{
    w->days = 0x7f;
  }
  int k = hm_at(z, 0, &w->start_min);
  if( k==0 ) return bad(err, nerr, "The hours are HH:MM-HH:MM on a 24-hour clock, as in 09:00-16:00.");
  z += k;
  if( *z!='-' ) return bad(err, nerr, "The hours are HH:MM-HH:MM on a 24-hour clock, as in 09:00-16:00.");
  k = hm_at(z+1, 1, &w->end_min);
  if( k==0 ) return bad(err, nerr, "The hours are HH:MM-HH:MM on a 24-hour clock, as in 09:00-16:00 (24:00 is midnight).");
  z += 1 + k;
  while( *z==' ' ) z++;
  if( *z ) return bad(err, nerr, "Unexpected \"%s\" after the hours.", z);
  if( w->start_min==w->end_min ) return bad(err, nerr, "The window opens and closes at the same time.");
  return 0;
}

const char *window_format(const struct window *w, char *out, size_t n){
  char days[64] = "";
  size_t len = 0;
  if( w->days==0x7f ){
    snprintf(days, sizeof(days), "daily");
  }else{
    /* Runs of consecutive days (Monday first) as ranges, others as a list. */
    for(int d=0; d<7; ){
      if( !(w->days & (1u<<d)) ){ d++; continue; }
      int e = d;
      while( e+1<7 && (w->days & (1u<<(e+1))) ) e++;
      len += (size_t)snprintf(days+len, sizeof(days)-len, "%s%s", len ? "," : "", DAY[d]);
      if( e>d ) len += (size_t)snprintf(days+len, sizeof(days)-len, "%s%s", e==d+1 ? "," : "-", DAY[e]);
      d = e + 1;
    }
  }
  snprintf(out, n, "%s %02d:%02d-%02d:%02d", days, w->start_min/60, w->start_min%60, w->end_min/60, w->end_min%60);
  return out;
}

int window_is_open(const struct window *w, const struct window_clock *c, int64_t t){
  struct tm tm;
  if( c->to_local(c->ctx, t, &tm) ) return -1;
  int wd = (tm.tm_wday + 6) % 7, yd = (wd + 6) % 7, m = tm.tm_hour*60 + tm.tm_min;
  if( w->start_min < w->end_min ) return (w->days & (1u<<wd)) && m>=w->start_min && m<w->end_min;
  return ((w->days & (1u<<wd)) && m>=w->start_min) || ((w->days & (1u<<yd)) && m<w->end_min);
}

/*
** The UTC second of minute `min` on the local date of `day`, the earliest at or after t when
** that wall-clock time happens twice (the hour an autumn change repeats); in an hour a spring
** change skips, the clock's normalised answer (past the gap).  -1 when the clock fails.
*/
static int64_t local_start(const struct window_clock *c, const struct tm *day, int min, int64_t t){
  int64_t best = -1, fallback = -1;
  for(int dst=-1; dst<=1; dst++){
    struct tm st = *day, back;
    st.tm_hour = min/60; st.tm_min = min%60; st.tm_sec = 0; st.tm_isdst = dst;
    int64_t at = c->from_local(c->ctx, &st);
    if( dst==-1 ) fallback = at;
    if( at<t || c->to_local(c->ctx, at, &back) ) continue;
    if( back.tm_hour*60 + back.tm_min!=min || back.tm_mday!=day->tm_mday ) continue;   /* not that wall time */
    if( best<0 || at<best ) best = at;
  }
  return best>=0 ? best : fallback;
}

int64_t window_next_open(const struct window *w, const struct window_clock *c, int64_t t){
  struct tm now;
  if( w->days==0 ) return -1;
  int open = window_is_open(w, c, t);
  if( open<0 || c->to_local(c->ctx, t, &now) ) return -1;
  if( open ) return t;
  /* The window's start on each of the next days, in local time, converted back. */
  for(int d=0; d<=8; d++){
    struct tm noon = now;
    noon.tm_mday += d;
    noon.tm_hour = 12; noon.tm_min = 0; noon.tm_sec = 0; noon.tm_isdst = -1;
    struct tm day;
    if( c->to_local(c->ctx, c->from_local(c->ctx, &noon), &day) ) return -1;
    int wd = (day.tm_wday + 6) % 7;
    if( !(w->days & (1u<<wd)) ) continue;
    int64_t at = local_start(c, &day, w->start_min, t);
    if( at<t ) continue;
    /* A start in a skipped hour lands after it; the whole span may have been skipped. */
    if( window_is_open(w, c, at)==1 ) return at;
  }
  return -1;
}

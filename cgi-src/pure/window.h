/* window.h — change windows: "mon-fri 09:00-16:00" read, written, and asked "open at t?" and "opens when?". */
#ifndef HP_WINDOW_H
#define HP_WINDOW_H
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/*
** A window is a set of week days and a span of wall-clock time on each of
** them, in the window's time zone: "mon-fri 09:00-16:00", "sat,sun
** 00:00-24:00", "daily 22:00-02:00" (an end before the start runs past
** midnight into the next day, so that span belongs to the day it starts on).
**
** The time zone is not this module's business: the caller passes a
** window_clock that turns UTC seconds into local wall-clock time and back
** (core/windows.c uses the system's zone database).  So everything here is a
** pure function of its arguments, and the daylight-saving rules are the
** zone's: a window of 09:00 opens at 09:00 local time on both sides of a
** change, and a start that falls in the hour a spring change skips opens
** when that hour ends.
*/

#define WINDOW_SPEC_MAX 64

struct window {
  unsigned days;            /* bit 0 Monday … bit 6 Sunday */
  int start_min, end_min;   /* minutes after local midnight; end 1440 = midnight; end < start: past midnight */
};

struct window_clock {
  /* Local wall-clock time of UTC second t into *out (tm_wday set); 0, or -1 when it cannot. */
  int (*to_local)(void *ctx, int64_t t, struct tm *out);
  /* The UTC second of a local wall-clock time (tm_isdst -1, fields may be out of range and
     are normalised as mktime does: a time in a skipped hour moves past it). */
  int64_t (*from_local)(void *ctx, struct tm *local);
  void *ctx;
};

/*
** Read a spec: days ("mon-fri", "mon,wed,fri", "sat-sun", "fri-mon",
** "daily", or nothing for every day), a space, and HH:MM-HH:MM.  Returns 0
** and fills *w, or -1 with err saying what is wrong, for people.
*/
int window_parse(const char *spec, struct window *w, char *err, size_t nerr);

/* The canonical spec of w ("mon-fri 09:00-16:00", "daily 22:00-02:00") into out. */
const char *window_format(const struct window *w, char *out, size_t n);

/* 1 when UTC second t falls inside w, 0 when not, -1 when the clock fails. */
int window_is_open(const struct window *w, const struct window_clock *c, int64_t t);

/*
** The first UTC second at or after t when w is open: t itself when it is open
** now.  -1 when it never opens within the next eight days (no days, or the
** clock fails).
*/
int64_t window_next_open(const struct window *w, const struct window_clock *c, int64_t t);
#endif

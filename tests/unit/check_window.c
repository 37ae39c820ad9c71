/* check_window.c — Check unit tests for change windows (cgi-src/pure/window.c) with real time zones:
** reading and writing specs, open or not, the next opening, across daylight-saving changes. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "window.h"
#include "util.h"

static int to_local(void *ctx, int64_t t, struct tm *out){ return util_tz_local(ctx, t, out); }
static int64_t from_local(void *ctx, struct tm *tm){ return util_tz_utc(ctx, tm); }

/* UTC "YYYY-MM-DDTHH:MM" as seconds. */
static int64_t utc(const char *z){
  int64_t ms = -1;
  ck_assert_msg(util_parse_utc(z, 1, &ms), "bad test time %s", z);
  return ms/1000;
}

static struct window win(const char *spec){
  struct window w;
  char err[200] = "";
  ck_assert_msg(window_parse(spec, &w, err, sizeof(err))==0, "%s: %s", spec, err);
  return w;
}

START_TEST(t01_parse_and_format){
  static const struct { const char *in, *out; } ok[] = {
    { "mon-fri 09:00-16:00", "mon-fri 09:00-16:00" },
    { "Mon-Fri 09:00-16:00", "mon-fri 09:00-16:00" },
    { "  mon,wed,fri   08:30-12:00 ", "mon,wed,fri 08:30-12:00" },
    { "sat-sun 00:00-24:00", "sat,sun 00:00-24:00" },
    { "fri-mon 22:00-02:00", "mon,fri-sun 22:00-02:00" },
    { "daily 22:00-02:00", "daily 22:00-02:00" },
    { "09:00-17:00", "daily 09:00-17:00" },
    { "mon-sun 01:00-02:00", "daily 01:00-02:00" },
    { "tue,thu 10:00-11:00", "tue,thu 10:00-11:00" },
  };
  for(size_t i=0; i<sizeof(ok)/sizeof(ok[0]); i++){
    struct window w = win(ok[i].in);
    char out[80];
    ck_assert_str_eq(window_format(&w, out, sizeof(out)), ok[i].out);
    struct window again = win(out);                    /* the canonical form reads back the same */
    ck_assert_int_eq(again.days, w.days);
    ck_assert_int_eq(again.start_min, w.start_min);
    ck_assert_int_eq(again.end_min, w.end_min);
  }
  static const struct { const char *in, *msg; } bad[] = {
    { "", "Give the days and hours" },
    { "mon-fri", "Put a space between" },
    { "mon-fri 9:00-16:00", "HH:MM-HH:MM" },
    { "mon-fri 09:00-25:00", "HH:MM-HH:MM" },
    { "mon-fri 09:60-16:00", "HH:MM-HH:MM" },
    { "mon-fri 24:00-16:00", "HH:MM-HH:MM" },
    { "mon-fri 09:00", "HH:MM-HH:MM" },
    { "mon-fri 09:00-09:00", "opens and closes at the same time" },
    { "mon-fry 09:00-16:00", "A range of days ends with a day" },
    { "fry-mon 09:00-16:00", "\"fry\" is not a day" },
    { "someday 09:00-16:00", "\"someday\" is not a day" },
    { "mon- 09:00-16:00", "A range of days ends with a day" },
    { "mon-fri 09:00-16:00 CET", "Unexpected \"CET\"" },
    { "mon-fri 09:00-16:00 and then some more characters so that it is too long", "at most 64" },
  };
  for(size_t i=0; i<sizeof(bad)/sizeof(bad[0]); i++){
    struct window w;
    char err[200] = "";
    ck_assert_msg(window_parse(bad[i].in, &w, err, sizeof(err))==-1, "accepted: %s", bad[i].in);
    ck_assert_msg(strstr(err, bad[i].msg)!=NULL, "%s: message \"%s\" lacks \"%s\"", bad[i].in, err, bad[i].msg);
  }
  ck_assert_int_eq(window_parse(NULL, &(struct window){0}, NULL, 0), -1);
}
END_TEST

/* Weekdays 09:00-16:00 in Berlin, in winter (UTC+1) and summer (UTC+2). */
START_TEST(t02_open_and_next_berlin){
  struct window w = win("mon-fri 09:00-16:00");
  struct window_clock c = { to_local, from_local, (void*)"Europe/Berlin" };
  /* Monday 2026-12-07: 08:00 UTC is 09:00 CET */
  ck_assert_int_eq(window_is_open(&w, &c, utc("2026-12-07T07:59")), 0);
  ck_assert_int_eq(window_is_open(&w, &c, utc("2026-12-07T08:00")), 1);
  ck_assert_int_eq(window_is_open(&w, &c, utc("2026-12-07T14:59")), 1);
  ck_assert_int_eq(window_is_open(&w, &c, utc("2026-12-07T15:00")), 0);
  ck_assert_int_eq(window_next_open(&w, &c, utc("2026-12-07T07:00")), utc("2026-12-07T08:00"));
  ck_assert_int_eq(window_next_open(&w, &c, utc("2026-12-07T10:00")), utc("2026-12-07T10:00"));   /* open now */
  /* after Friday's window: Monday */
  ck_assert_int_eq(window_next_open(&w, &c, utc("2026-12-11T15:30")), utc("2026-12-14T08:00"));
  ck_assert_int_eq(window_next_open(&w, &c, utc("2026-12-12T12:00")), utc("2026-12-14T08:00"));
  /* summer: 09:00 CEST is 07:00 UTC */
  ck_assert_int_eq(window_next_open(&w, &c, utc("2026-07-04T12:00")), utc("2026-07-06T07:00"));
  ck_assert_int_eq(window_is_open(&w, &c, utc("2026-07-06T07:00")), 1);
  ck_assert_int_eq(window_is_open(&w, &c, utc("2026-07-06T06:59")), 0);
  /* the same window in UTC and in New York */
  struct window_clock u = { to_local, from_local, (void*)"UTC" };
  ck_assert_int_eq(window_next_open(&w, &u, utc("2026-12-07T07:00")), utc("2026-12-07T09:00"));
  struct window_clock ny = { to_local, from_local, (void*)"America/New_York" };
  ck_assert_int_eq(window_next_open(&w, &ny, utc("2026-12-07T07:00")), utc("2026-12-07T14:00"));
}
END_TEST

/* Daylight saving changes: the window follows local time on both sides. */
START_TEST(t03_dst_changes){
  struct window_clock c = { to_local, from_local, (void*)"Europe/Berlin" };
  /* Spring: Sunday 2026-03-29 02:00 CET becomes 03:00 CEST (01:00 UTC). */
  struct window w = win("daily 09:00-16:00");
  ck_assert_int_eq(window_next_open(&w, &c, utc("2026-03-28T16:00")), utc("2026-03-29T07:00"));   /* 09:00 CEST */
  ck_assert_int_eq(window_next_open(&w, &c, utc("2026-03-27T16:00")), utc("2026-03-28T08:00"));   /* 09:00 CET */
  /* a window that starts inside the skipped hour opens after it, at 03:30 CEST */
  struct window g = win("daily 02:30-04:00");
  ck_assert_int_eq(window_next_open(&g, &c, utc("2026-03-28T23:00")), utc("2026-03-29T01:30"));
  ck_assert_int_eq(window_is_open(&g, &c, utc("2026-03-29T01:30")), 1);
  /* a window entirely inside the skipped hour does not open that day */
  struct window s = win("daily 02:00-02:59");
  ck_assert_int_eq(window_next_open(&s, &c, utc("2026-03-28T23:00")), utc("2026-03-30T00:00"));   /* Monday 02:00 CEST */
  /* Autumn: Sunday 2026-10-25 03:00 CEST becomes 02:00 CET (01:00 UTC). */
  ck_assert_int_eq(window_next_open(&w, &c, utc("2026-10-24T16:00")), utc("2026-10-25T08:00"));   /* 09:00 CET */
  ck_assert_int_eq(window_next_open(&w, &c, utc("2026-10-23T16:00")), utc("2026-10-24T07:00"));   /* 09:00 CEST */
  /* 02:30 happens twice that night: the window opens at the first */
  ck_assert_int_eq(window_next_open(&g, &c, utc("2026-10-24T22:00")), utc("2026-10-25T00:30"));
  /* New York changes on other dates (2026-03-08): Berlin's window is then 08:00 New York time */
  struct window_clock ny = { to_local, from_local, (void*)"America/New_York" };
  struct window n = win("mon-fri 09:00-17:00");
  ck_assert_int_eq(window_next_open(&n, &ny, utc("2026-03-06T23:00")), utc("2026-03-09T13:00"));  /* EDT */
  ck_assert_int_eq(window_next_open(&n, &ny, utc("2026-03-05T23:00")), utc("2026-03-06T14:00"));  /* EST */
  /* the southern hemisphere: Auckland's summer time ends 2026-04-05 */
  struct window_clock nz = { to_local, from_local, (void*)"Pacific/Auckland" };
  ck_assert_int_eq(window_next_open(&w, &nz, utc("2026-04-04T12:00")), utc("2026-04-04T21:00"));  /* Sunday 09:00 NZST, UTC+12 */
  ck_assert_int_eq(window_next_open(&w, &nz, utc("2026-04-03T12:00")), utc("2026-04-03T20:00"));  /* Saturday 09:00 NZDT, UTC+13 */
}
END_TEST

/* A window past midnight belongs to the day it starts on. */
START_TEST(t04_past_midnight){
  struct window w = win("fri 22:00-02:00");
  struct window_clock u = { to_local, from_local, (void*)"UTC" };
  ck_assert_int_eq(window_is_open(&w, &u, utc("2026-12-11T22:00")), 1);   /* Friday night */
  ck_assert_int_eq(window_is_open(&w, &u, utc("2026-12-12T01:59")), 1);   /* early Saturday */
  ck_assert_int_eq(window_is_open(&w, &u, utc("2026-12-12T02:00")), 0);
  ck_assert_int_eq(window_is_open(&w, &u, utc("2026-12-12T23:00")), 0);   /* Saturday night is not Friday's */
  ck_assert_int_eq(window_is_open(&w, &u, utc("2026-12-11T01:00")), 0);   /* early Friday belongs to Thursday */
  ck_assert_int_eq(window_next_open(&w, &u, utc("2026-12-12T03:00")), utc("2026-12-18T22:00"));
  struct window none = { 0, 60, 120 };
  ck_assert_int_eq(window_next_open(&none, &u, utc("2026-12-12T03:00")), -1);
}
END_TEST

static Suite *window_suite(void){
  Suite *s = suite_create("window");
  TCase *tc = tcase_create("window");
  tcase_add_test(tc, t01_parse_and_format);
  tcase_add_test(tc, t02_open_and_next_berlin);
  tcase_add_test(tc, t03_dst_changes);
  tcase_add_test(tc, t04_past_midnight);
  suite_add_tcase(s, tc);
  return s;
}

int main(void){
  SRunner *sr = srunner_create(window_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed==0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

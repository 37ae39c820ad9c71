/* check_util.c — Check unit tests for the shared helpers (cgi-src/base/util.c): hex, hashes, UTC dates, error values. */
#include <check.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "hp.h"
#include <jansson.h>
#include "jsonw.h"

START_TEST(t01_hex_and_hashes){
  char out[65];
  const unsigned char b[] = { 0x00, 0x0f, 0xa0, 0xff };
  util_hex(b, sizeof(b), out);
  ck_assert_str_eq(out, "000fa0ff");
  util_sha256_hex("abc", 3, out);
  ck_assert_str_eq(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  util_sha256_hex("", 0, out);                     /* the reused context starts afresh each time */
  ck_assert_str_eq(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  util_sha256_hex("abc", 3, out);
  ck_assert_str_eq(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  util_hmac_hex("Jefe", 4, "what do ya want for nothing?", 28, out);      /* RFC 4231, test case 2 */
  ck_assert_str_eq(out, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  char r1[65], r2[65];
  ck_assert_int_eq(util_random_hex(r1, 32), 0);
  ck_assert_int_eq(util_random_hex(r2, 32), 0);
  ck_assert_uint_eq(strlen(r1), 64);
  ck_assert_str_ne(r1, r2);
  ck_assert_int_eq(util_random_hex(r1, 65), -1);                             /* more than it can hold */
}
END_TEST

START_TEST(t02_parse_utc){
  int64_t ms = -1;
  ck_assert(util_parse_utc("1970-01-01", 0, &ms));
  ck_assert_int_eq(ms, 0);
  ck_assert(util_parse_utc("2026-12-05", 0, &ms));
  ck_assert_int_eq(ms, 1796428800000LL);
  ck_assert(util_parse_utc("2024-02-29", 0, &ms));                           /* a leap day */
  ck_assert(util_parse_utc("2026-12-05T13:45", 1, &ms));
  ck_assert_int_eq(ms, 1796428800000LL + (13*3600 + 45*60)*1000LL);
  static const char *const bad[] = {
    "2026-02-29", "2026-02-31", "2026-13-01", "2026-00-10", "1969-12-31", "10000-01-01", "2026-1-05",
    "2026/12/05", "2026-12-05 ", " 2026-12-05", "+026-12-05", "2026-12-05T24:00", "2026-12-05T12:60",
    "2026-12-05T1:00", "", NULL
  };
  for(int i=0; bad[i]; i++) ck_assert_msg(!util_parse_utc(bad[i], 1, &ms), "%s accepted", bad[i]);
  ck_assert(!util_parse_utc("2026-12-05T13:45", 0, &ms));                    /* a time where a date is asked */
  ck_assert(!util_parse_utc(NULL, 1, &ms));
}
END_TEST

START_TEST(t03_error_values){
  struct hp_err e;
  ck_assert_int_eq(hp_fail(&e, HP_UNPROCESSABLE, "comment", "Say why you %s.", "reject"), HP_UNPROCESSABLE);
  ck_assert_int_eq(e.code, HP_UNPROCESSABLE);
  ck_assert_str_eq(e.field, "comment");
  ck_assert_str_eq(e.reason, "Say why you reject.");
  ck_assert_int_eq(hp_fail(&e, HP_CONFLICT, NULL, "%s", "Not waiting."), HP_CONFLICT);
  ck_assert_str_eq(e.field, "");
  ck_assert_int_eq(hp_fail(NULL, HP_FORBIDDEN, "x", "ignored"), HP_FORBIDDEN);
}
END_TEST

/* Numbers come back as typed: the shortest text that reads back as the same double. */
START_TEST(t05_json_numbers_as_typed){
  static const struct { const char *in, *out; } cases[] = {
    { "{\"error_rate_pct\":0.8,\"n\":418}", "{\"error_rate_pct\":0.8,\"n\":418}" },
    { "[0.1,2.5e-7,1e+300,-0.0,3]", "[0.1,2.5e-7,1e300,-0.0,3]" },
    { "0.30000000000000004", "0.30000000000000004" },            /* 15 digits would change it */
    { "\"text\"", "\"text\"" },
  };
  for(size_t i=0; i<sizeof(cases)/sizeof(cases[0]); i++){
    json_t *j = json_loads(cases[i].in, JSON_DECODE_ANY, NULL);
    ck_assert_ptr_nonnull(j);
    char *z = util_json_dumps_typed(j, JSON_COMPACT|JSON_ENCODE_ANY);
    ck_assert_str_eq(z, cases[i].out);
    json_t *back = json_loads(z, JSON_DECODE_ANY, NULL);
    ck_assert(json_equal(back, j));                                /* never a different value */
    json_decref(back);
    free(z);
    json_decref(j);
  }
}
END_TEST

/* People's time zones: names from the tz database only; times in the zone, across daylight saving. */
START_TEST(t06_time_zones){
  char out[96];
  ck_assert(util_tz_valid("Europe/Berlin"));
  ck_assert(util_tz_valid("UTC"));
  ck_assert(util_tz_valid("America/Argentina/Buenos_Aires"));
  ck_assert(!util_tz_valid(""));
  ck_assert(!util_tz_valid(NULL));
  ck_assert(!util_tz_valid("Mars/Olympus"));
  ck_assert(!util_tz_valid("../../etc/passwd"));
  ck_assert(!util_tz_valid("/etc/localtime"));
  ck_assert(!util_tz_valid("Europe/Berlin\n"));
  ck_assert(!util_tz_valid("zone.tab"));                 /* a file of the directory that is not a zone */
  /* 2026-12-06 04:30:00 UTC: winter in Berlin (+1), summer in Sydney (+11) */
  int64_t ms = 1796531400000LL;
  ck_assert_str_eq(util_time_in(ms, NULL, 0, out, sizeof(out)), "2026-12-06 04:30 UTC");
  ck_assert_str_eq(util_time_in(ms, "", 1, out, sizeof(out)), "2026-12-06 04:30 UTC");
  ck_assert_str_eq(util_time_in(ms, "UTC", 1, out, sizeof(out)), "2026-12-06 04:30 UTC");
  ck_assert_str_eq(util_time_in(ms, "Europe/Berlin", 0, out, sizeof(out)), "2026-12-06 05:30 CET");
  ck_assert_str_eq(util_time_in(ms, "Europe/Berlin", 1, out, sizeof(out)), "2026-12-06 05:30 CET (04:30 UTC)");
  ck_assert_str_eq(util_time_in(ms, "Australia/Sydney", 1, out, sizeof(out)), "2026-12-06 15:30 AEDT (04:30 UTC)");
  /* another day in UTC: the UTC date is given too */
  ck_assert_str_eq(util_time_in(ms, "America/Los_Angeles", 1, out, sizeof(out)),
                   "2026-12-05 20:30 PST (2026-12-06 04:30 UTC)");
  /* summer time: 2026-07-01 12:00 UTC */
  ck_assert_str_eq(util_time_in(1782907200000LL, "Europe/Berlin", 0, out, sizeof(out)), "2026-07-01 14:00 CEST");
  /* the clocks go back in Berlin on 2026-10-25 at 01:00 UTC: 02:30 happens twice */
  ck_assert_str_eq(util_time_in(1792888200000LL, "Europe/Berlin", 0, out, sizeof(out)), "2026-10-25 02:30 CEST");
  ck_assert_str_eq(util_time_in(1792891800000LL, "Europe/Berlin", 0, out, sizeof(out)), "2026-10-25 02:30 CET");
  /* back to UTC after a zone was used */
  ck_assert_str_eq(util_time_in(ms, NULL, 0, out, sizeof(out)), "2026-12-06 04:30 UTC");
}
END_TEST

START_TEST(t04_utf8){
  unsigned cp = 0;
  /* Every well-formed length decodes to its code point. */
  ck_assert_uint_eq(util_utf8_decode((const unsigned char*)"A", 1, &cp), 1); ck_assert_uint_eq(cp, 0x41);
  ck_assert_uint_eq(util_utf8_decode((const unsigned char*)"\xC3\xA9", 2, &cp), 2); ck_assert_uint_eq(cp, 0xE9);
  ck_assert_uint_eq(util_utf8_decode((const unsigned char*)"\xE2\x82\xAC", 3, &cp), 3); ck_assert_uint_eq(cp, 0x20AC);
  ck_assert_uint_eq(util_utf8_decode((const unsigned char*)"\xF4\x8F\xBF\xBF", 4, &cp), 4); ck_assert_uint_eq(cp, 0x10FFFF);
  /* Overlong forms, surrogates, beyond U+10FFFF, stray continuation, truncation, nothing left. */
  const char *bad[] = { "\xC0\xAF", "\xE0\x80\xAF", "\xF0\x80\x80\xAF", "\xED\xA0\x80",
                        "\xF4\x90\x80\x80", "\x80", "\xFF", "\xE2\x82" };
  for(size_t i=0; i<sizeof(bad)/sizeof(bad[0]); i++){
    ck_assert_msg(util_utf8_decode((const unsigned char*)bad[i], strlen(bad[i]), &cp)==0, "case %zu", i);
    ck_assert_msg(!util_utf8_ok(bad[i], strlen(bad[i])), "case %zu", i);
  }
  ck_assert_uint_eq(util_utf8_decode((const unsigned char*)"\xC3\xA9", 1, &cp), 0);
  ck_assert_uint_eq(util_utf8_decode((const unsigned char*)"", 0, &cp), 0);
  ck_assert(util_utf8_ok("h\xC3\xA9llo \xF0\x9F\x98\x80", 11));
  ck_assert(util_utf8_ok("", 0));
  /* Characters, not bytes. */
  ck_assert_uint_eq(util_utf8_chars(""), 0);
  ck_assert_uint_eq(util_utf8_chars("h\xC3\xA9llo"), 5);
  ck_assert_uint_eq(util_utf8_chars("\xF0\x9F\x98\x80"), 1);
  /* A cut never splits a character. */
  char z[16];
  strcpy(z, "ab\xE2\x82\xAC"); util_utf8_cut(z, 4); ck_assert_str_eq(z, "ab");
  strcpy(z, "ab\xE2\x82\xAC"); util_utf8_cut(z, 5); ck_assert_str_eq(z, "ab\xE2\x82\xAC");
  strcpy(z, "abc"); util_utf8_cut(z, 2); ck_assert_str_eq(z, "ab");
}
END_TEST

/* The JSON writer: structure and commas, and strings escaped exactly as jansson's
   JSON_COMPACT|JSON_ENSURE_ASCII dump does, for fixed and for random valid UTF-8. */
static char *jansson_str(const char *z){
  json_t *j = json_string(z);
  char *out = j ? json_dumps(j, JSON_COMPACT|JSON_ENSURE_ASCII|JSON_ENCODE_ANY) : NULL;
  json_decref(j);
  return out;
}

static char *jsonw_str_of(const char *z){
  struct buf b;
  struct jsonw w;
  buf_init(&b);
  jsonw_init(&w, &b);
  jsonw_str(&w, z);
  char *out = strdup(b.z ? b.z : "");
  buf_free(&b);
  return out;
}

/* UTC by arithmetic: the same fields and text as gmtime_r and strftime, over 0 to 9999 and its edges. */
START_TEST(t08_utc_by_arithmetic){
  static const int64_t edges[] = { 0, 1, 59, 60, 86399, 86400, 951782399, 951782400, 951868800, 4107542399LL,
    4107542400LL, 4107628800LL, 2147483647LL, 2147483648LL, 253402300799LL, -1, -86400, -62167219200LL };
  uint64_t x = 88172645463325252ULL;
  for(int i=0; i<200000; i++){
    int64_t t;
    if( i<(int)(sizeof(edges)/sizeof(edges[0])) ) t = edges[i];
    else{ x ^= x<<13; x ^= x>>7; x ^= x<<17; t = (int64_t)(x % 253402300800ULL) - (i%3==0 ? 62167219200LL : 0); }
    struct tm want, got;
    time_t tt = (time_t)t;
    ck_assert_ptr_nonnull(gmtime_r(&tt, &want));
    util_utc_tm(t, &got);
    ck_assert_msg(got.tm_year==want.tm_year && got.tm_mon==want.tm_mon && got.tm_mday==want.tm_mday
                  && got.tm_hour==want.tm_hour && got.tm_min==want.tm_min && got.tm_sec==want.tm_sec
                  && got.tm_wday==want.tm_wday && got.tm_yday==want.tm_yday, "t=%lld", (long long)t);
    if( want.tm_year<-1900 ) continue;                  /* the text has four-digit years */
    char a[40], b[40], c[40];
    int64_t ms = t*1000 + (int64_t)(x%1000);
    snprintf(a, sizeof(a), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", want.tm_year+1900, want.tm_mon+1, want.tm_mday,
             want.tm_hour, want.tm_min, want.tm_sec, (int)(x%1000));
    ck_assert_str_eq(util_utc_text(ms, 'T', b, sizeof(b)), a);
    snprintf(a, sizeof(a), "%04d-%02d-%02d %02d:%02d UTC", want.tm_year+1900, want.tm_mon+1, want.tm_mday,
             want.tm_hour, want.tm_min);
    ck_assert_str_eq(util_utc_text(ms, 'M', c, sizeof(c)), a);
    ck_assert_str_eq(util_time_in(ms, "UTC", 1, c, sizeof(c)), a);
  }
  char small[10] = "x";
  ck_assert_str_eq(util_utc_text(0, 'T', small, sizeof(small)), "");   /* too small: empty, not cut */
}
END_TEST

START_TEST(t07_json_writer){
  struct buf b;
  struct jsonw w;
  buf_init(&b);
  jsonw_init(&w, &b);
  jsonw_obj(&w);
  jsonw_key(&w, "list"); jsonw_arr(&w);
  for(int i=0; i<3; i++){
    jsonw_obj(&w);
    jsonw_key(&w, "id"); jsonw_int(&w, i==2 ? INT64_MIN : i);
    jsonw_key(&w, "in"); jsonw_obj(&w); jsonw_key(&w, "n"); jsonw_str(&w, i ? NULL : "x"); jsonw_end(&w);
    jsonw_key(&w, "ok"); jsonw_bool(&w, i==1);
    jsonw_end(&w);
  }
  jsonw_arr(&w); jsonw_end(&w);
  jsonw_end(&w);
  jsonw_key(&w, "next"); jsonw_null(&w);
  jsonw_end(&w);
  ck_assert_int_eq(w.bad, 0);
  ck_assert_int_eq(w.depth, 0);
  ck_assert_str_eq(b.z, "{\"list\":[{\"id\":0,\"in\":{\"n\":\"x\"},\"ok\":false},{\"id\":1,\"in\":{\"n\":null},\"ok\":true},"
                        "{\"id\":-9223372036854775808,\"in\":{\"n\":null},\"ok\":false},[]],\"next\":null}");
  json_error_t err;
  json_t *back = json_loads(b.z, 0, &err);                 /* and jansson reads it back */
  ck_assert_ptr_nonnull(back);
  ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(json_object_get(back, "list"), 2), "id")), INT64_MIN);
  json_decref(back);
  /* misuse is caught, not written as broken JSON silently */
  buf_reset(&b); jsonw_init(&w, &b); jsonw_end(&w);
  ck_assert_int_eq(w.bad, 1);
  buf_reset(&b); jsonw_init(&w, &b); jsonw_arr(&w); jsonw_key(&w, "k");
  ck_assert_int_eq(w.bad, 1);
  buf_reset(&b); jsonw_init(&w, &b); jsonw_obj(&w); jsonw_key(&w, "k"); jsonw_end(&w);
  ck_assert_int_eq(w.bad, 1);
  buf_reset(&b); jsonw_init(&w, &b);
  for(int i=0; i<JSONW_DEPTH; i++) jsonw_arr(&w);
  ck_assert_int_eq(w.bad, 1);
  buf_free(&b);

  static const char *const fixed[] = {
    "", "plain", "quote \" backslash \\ slash /", "\n\r\t\b\f\x01\x1f\x7f", "caf\xc3\xa9", "\xe2\x82\xac 5",
    "\xf0\x9f\x98\x80 smile", "\xef\xbf\xbf", "\xf4\x8f\xbf\xbf", "<script>&amp;</script>", NULL
  };
  for(int i=0; fixed[i]; i++){
    char *want = jansson_str(fixed[i]), *got = jsonw_str_of(fixed[i]);
    ck_assert_msg(want && strcmp(want, got)==0, "%s: jansson %s, writer %s", fixed[i], want, got);
    free(want); free(got);
  }
  /* plain ASCII is passed eight bytes at a time: one byte that needs care, at every place of
     every length up to 24, and the bytes at the edges of plain (space, DEL), as jansson writes them */
  static const char *const odd[] = { "\"", "\\", "\n", "\x01", "\x1f", " ", "!", "~", "\x7f", "\x21",
                                     "\x5b", "\x5d", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", NULL };
  for(int k=0; odd[k]; k++){
    for(int len=1; len<=24; len++){
      for(int at=0; at<len; at++){
        char z[64];
        size_t n = 0, m = strlen(odd[k]);
        for(int i=0; i<len; i++){
          if( i==at ){ memcpy(z + n, odd[k], m); n += m; }
          else z[n++] = (char)('a' + i % 26);
        }
        z[n] = 0;
        char *want = jansson_str(z), *got = jsonw_str_of(z);
        ck_assert_msg(want && strcmp(want, got)==0, "odd %d len %d at %d: jansson %s, writer %s", k, len, at, want, got);
        free(want); free(got);
      }
    }
  }
  /* not UTF-8 (jansson refuses such a string): each bad byte is U+FFFD, the rest kept */
  static const char *const broken[][2] = {
    { "a\xff" "b", "\"a\\uFFFDb\"" }, { "\xc3", "\"\\uFFFD\"" }, { "\xc0\xaf", "\"\\uFFFD\\uFFFD\"" },
    { "\xed\xa0\x80", "\"\\uFFFD\\uFFFD\\uFFFD\"" }, { "\xf4\x90\x80\x80", "\"\\uFFFD\\uFFFD\\uFFFD\\uFFFD\"" },
    { "\xe2\x82", "\"\\uFFFD\\uFFFD\"" },
  };
  for(size_t i=0; i<sizeof(broken)/sizeof(broken[0]); i++){
    char *got = jsonw_str_of(broken[i][0]);
    ck_assert_str_eq(got, broken[i][1]);
    free(got);
  }
  /* random strings of valid code points, every range: the same bytes as jansson */
  srand(7);
  for(int k=0; k<2000; k++){
    char z[200];
    size_t n = 0;
    int count = rand() % 30;
    for(int i=0; i<count && n<190; i++){
      unsigned cp;
      switch( rand()%5 ){
        case 0: cp = (unsigned)(rand()%0x80); if( cp==0 ) cp = 1; break;
        case 1: cp = 0x80 + (unsigned)(rand()%0x780); break;
        case 2: cp = 0x800 + (unsigned)(rand()%0xF800); if( cp>=0xD800 && cp<=0xDFFF ) cp = 0xE000; break;
        case 3: cp = 0x10000 + (unsigned)(rand()%0x100000); break;
        default: cp = (unsigned)"\"\\\n/\x7f"[rand()%5]; break;
      }
      if( cp<0x80 ) z[n++] = (char)cp;
      else if( cp<0x800 ){ z[n++] = (char)(0xC0|(cp>>6)); z[n++] = (char)(0x80|(cp&0x3F)); }
      else if( cp<0x10000 ){ z[n++] = (char)(0xE0|(cp>>12)); z[n++] = (char)(0x80|((cp>>6)&0x3F)); z[n++] = (char)(0x80|(cp&0x3F)); }
      else{ z[n++] = (char)(0xF0|(cp>>18)); z[n++] = (char)(0x80|((cp>>12)&0x3F));
            z[n++] = (char)(0x80|((cp>>6)&0x3F)); z[n++] = (char)(0x80|(cp&0x3F)); }
    }
    z[n] = 0;
    char *want = jansson_str(z), *got = jsonw_str_of(z);
    ck_assert_msg(want && strcmp(want, got)==0, "case %d: jansson %s, writer %s", k, want, got);
    free(want); free(got);
  }
}
END_TEST

/* Integers in decimal by hand: the same text as printf's %lld, and the end it returns. */
START_TEST(t09_integers){
  static const int64_t edges[] = { 0, 1, -1, 9, 10, -10, 99, 100, 1234567890, INT64_MAX, INT64_MIN, INT64_MIN + 1,
                                   -9223372036854775807LL, 1000000000000000000LL };
  uint64_t x = 2463534242ULL;
  for(int i=0; i<200000; i++){
    int64_t v;
    if( i<(int)(sizeof(edges)/sizeof(edges[0])) ) v = edges[i];
    else{ x ^= x<<13; x ^= x>>7; x ^= x<<17; v = (int64_t)(x >> (i%64)) * (i%2 ? -1 : 1); }
    char want[32], got[UTIL_I64_MAX + 8];
    memset(got, 'x', sizeof(got));
    int n = snprintf(want, sizeof(want), "%lld", (long long)v);
    char *end = util_i64_text(v, got);
    ck_assert_str_eq(got, want);
    ck_assert_int_eq((int)(end - got), n);
    ck_assert_int_le(n + 1, UTIL_I64_MAX);
  }
}
END_TEST

int main(void){
  Suite *s = suite_create("util");
  TCase *tc = tcase_create("util");
  tcase_add_test(tc, t01_hex_and_hashes);
  tcase_add_test(tc, t02_parse_utc);
  tcase_add_test(tc, t03_error_values);
  tcase_add_test(tc, t04_utf8);
  tcase_add_test(tc, t05_json_numbers_as_typed);
  tcase_add_test(tc, t06_time_zones);
  tcase_add_test(tc, t07_json_writer);
  tcase_add_test(tc, t08_utc_by_arithmetic);
  tcase_add_test(tc, t09_integers);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

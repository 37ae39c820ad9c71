/* check_form.c — urlencoded, query string and Cookie parsing, UTF-8 checks, log neutralising. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include "util.h"
#include "form.h"
#include "log.h"

static struct arena A;
static void setup(void){ arena_init(&A); }
static void teardown(void){ arena_free(&A); }

static int parse(const char *z, struct kv **kv, size_t *n){
  return form_parse_urlencoded(&A, z, strlen(z), &form_default_limits, kv, n);
}

START_TEST(t_simple_pairs){
  struct kv *kv; size_t n;
  ck_assert_int_eq(parse("a=1&b=two&c=", &kv, &n), FORM_OK);
  ck_assert_uint_eq(n, 3);
  ck_assert_str_eq(kv[0].name, "a"); ck_assert_str_eq(kv[0].value, "1");
  ck_assert_str_eq(kv[1].name, "b"); ck_assert_str_eq(kv[1].value, "two");
  ck_assert_str_eq(kv[2].name, "c"); ck_assert_str_eq(kv[2].value, "");
}
END_TEST

START_TEST(t_decoding){
  struct kv *kv; size_t n;
  ck_assert_int_eq(parse("q=a+b%20c%2Bd%26e%3D&x=%C3%A9", &kv, &n), FORM_OK);
  ck_assert_str_eq(kv[0].value, "a b c+d&e=");
  ck_assert_str_eq(kv[1].value, "\xC3\xA9");
  ck_assert_uint_eq(kv[0].vlen, 10);
}
END_TEST

START_TEST(t_empty_pairs_and_no_equals){
  struct kv *kv; size_t n;
  ck_assert_int_eq(parse("&&a&&b=2&", &kv, &n), FORM_OK);
  ck_assert_uint_eq(n, 2);
  ck_assert_str_eq(kv[0].name, "a"); ck_assert_str_eq(kv[0].value, "");
  ck_assert_int_eq(parse("", &kv, &n), FORM_OK);
  ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(t_bad_escapes){
  struct kv *kv; size_t n;
  ck_assert_int_eq(parse("a=%zz", &kv, &n), FORM_ERR_ENCODING);
  ck_assert_int_eq(parse("a=%4", &kv, &n), FORM_ERR_ENCODING);
  ck_assert_int_eq(parse("a=%", &kv, &n), FORM_ERR_ENCODING);
  ck_assert_int_eq(parse("a=x%00y", &kv, &n), FORM_ERR_ENCODING);
  ck_assert_int_eq(parse("a=%C3", &kv, &n), FORM_ERR_ENCODING);          /* truncated UTF-8 */
  ck_assert_int_eq(parse("a=%C0%AF", &kv, &n), FORM_ERR_ENCODING);       /* overlong */
  ck_assert_int_eq(parse("a=%ED%A0%80", &kv, &n), FORM_ERR_ENCODING);    /* surrogate */
  ck_assert_int_eq(parse("a=%F4%90%80%80", &kv, &n), FORM_ERR_ENCODING); /* > U+10FFFF */
}
END_TEST

START_TEST(t_names){
  struct kv *kv; size_t n;
  ck_assert_int_eq(parse("ok.name_1-x=1", &kv, &n), FORM_OK);
  ck_assert_int_eq(parse("bad%20name=1", &kv, &n), FORM_ERR_NAME);
  ck_assert_int_eq(parse("<x>=1", &kv, &n), FORM_ERR_NAME);
  ck_assert_int_eq(parse("=1", &kv, &n), FORM_ERR_NAME);
  char longname[100];
  memset(longname, 'a', 65); strcpy(longname+65, "=1");
  ck_assert_int_eq(parse(longname, &kv, &n), FORM_ERR_NAME);
  ck_assert(form_name_ok("a", 1));
  ck_assert(!form_name_ok("a b", 3));
  ck_assert(!form_name_ok("", 0));
}
END_TEST

START_TEST(t_limits){
  struct kv *kv; size_t n;
  struct form_limits lim = { 3, 8, 5 };
  ck_assert_int_eq(form_parse_urlencoded(&A, "a=1&b=2&c=3", 11, &lim, &kv, &n), FORM_OK);
  ck_assert_int_eq(form_parse_urlencoded(&A, "a=1&b=2&c=3&d=4", 15, &lim, &kv, &n), FORM_ERR_TOO_MANY);
  ck_assert_int_eq(form_parse_urlencoded(&A, "a=12345", 7, &lim, &kv, &n), FORM_OK);
  ck_assert_int_eq(form_parse_urlencoded(&A, "a=123456", 8, &lim, &kv, &n), FORM_ERR_VALUE_TOO_LONG);
  ck_assert_int_eq(form_parse_urlencoded(&A, "a=%41%41%41%41%41", 17, &lim, &kv, &n), FORM_OK);
  ck_assert_int_eq(form_parse_urlencoded(&A, "abcdefghi=1", 11, &lim, &kv, &n), FORM_ERR_NAME);
}
END_TEST

START_TEST(t_not_nul_terminated_input){
  struct kv *kv; size_t n;
  const char buf[] = { 'a', '=', '1', '&', 'b', '=', '2' };   /* no NUL */
  ck_assert_int_eq(form_parse_urlencoded(&A, buf, sizeof(buf), &form_default_limits, &kv, &n), FORM_OK);
  ck_assert_uint_eq(n, 2);
  ck_assert_str_eq(kv[1].value, "2");
}
END_TEST

START_TEST(t_cookies){
  struct kv *kv; size_t n;
  ck_assert_int_eq(form_parse_cookies(&A, "a=1; hp_session=abc;  b=\"q\" ;bad name=x; =y; novalue; c=3",
                                      &form_default_limits, &kv, &n), FORM_OK);
  ck_assert_uint_eq(n, 4);
  ck_assert_str_eq(kv[0].name, "a"); ck_assert_str_eq(kv[0].value, "1");
  ck_assert_str_eq(kv[1].name, "hp_session"); ck_assert_str_eq(kv[1].value, "abc");
  ck_assert_str_eq(kv[2].name, "b"); ck_assert_str_eq(kv[2].value, "q");
  ck_assert_str_eq(kv[3].name, "c"); ck_assert_str_eq(kv[3].value, "3");
  ck_assert_int_eq(form_parse_cookies(&A, NULL, &form_default_limits, &kv, &n), FORM_OK);
  ck_assert_uint_eq(n, 0);
  struct form_limits lim = { 2, 64, 100 };
  ck_assert_int_eq(form_parse_cookies(&A, "a=1;b=2;c=3", &lim, &kv, &n), FORM_ERR_TOO_MANY);
}
END_TEST

START_TEST(t_utf8){
  ck_assert(util_utf8_ok("plain", 5));
  ck_assert(util_utf8_ok("\xE2\x82\xAC", 3));
  ck_assert(util_utf8_ok("\xF0\x9F\x98\x80", 4));
  ck_assert(!util_utf8_ok("\xE2\x82", 2));
  ck_assert(!util_utf8_ok("\xFF", 1));
  ck_assert(!util_utf8_ok("\x80", 1));
}
END_TEST

START_TEST(t_log_clean){
  char out[64];
  log_clean(out, sizeof(out), "a\r\nb\tc\\d\x7f");
  ck_assert_str_eq(out, "a\\x0d\\x0ab\\x09c\\\\d\\x7f");
  log_clean(out, 8, "abcdefghijkl");
  ck_assert_str_eq(out, "abcdefg");
  log_clean(out, 6, "\n\n\n");
  ck_assert_str_eq(out, "\\x0a");
}
END_TEST

/* The bytes written to fd 2 so far (redirected to f). */
static size_t stderr_bytes(FILE *f, char *out, size_t nout){
  fflush(f);
  long n = lseek(fileno(f), 0, SEEK_END);
  if( out && n>0 ){
    size_t k = (size_t)n < nout - 1 ? (size_t)n : nout - 1;
    ck_assert_int_eq(pread(fileno(f), out, k, 0), (ssize_t)k);
    out[k] = 0;
  }
  return n<0 ? 0 : (size_t)n;
}

START_TEST(t_log_access){
  FILE *f = tmpfile();
  ck_assert_ptr_nonnull(f);
  ck_assert_int_eq(dup2(fileno(f), 2), 2);        /* this test runs in a process of its own */
  char got[20000];
  log_access("GET /a %d", 200);
  log_access("GET /b %d", 404);
  ck_assert_int_eq(log_pending(), 1);
  ck_assert_uint_eq(stderr_bytes(f, NULL, 0), 0);          /* kept */
  log_msg("an error");                                     /* written, after the lines before it */
  ck_assert_int_eq(log_pending(), 0);
  stderr_bytes(f, got, sizeof(got));
  char *a = strstr(got, "GET /a 200\n"), *b = strstr(got, "GET /b 404\n"), *e = strstr(got, "an error\n");
  ck_assert(a && b && e && a<b && b<e);
  /* a full buffer is written before the line that would not fit; log_flush writes the rest */
  size_t before = stderr_bytes(f, NULL, 0);
  int lines = 0;
  while( stderr_bytes(f, NULL, 0)==before ){
    log_access("GET /%04d 200 a line of about eighty bytes with its time and process", lines++);
    ck_assert_int_lt(lines, 1000);
  }
  ck_assert_int_gt(lines, 50);                              /* many lines, one write */
  ck_assert_int_eq(log_pending(), 1);                       /* the last one waits */
  log_flush();
  ck_assert_int_eq(log_pending(), 0);
  stderr_bytes(f, got, sizeof(got));
  char want[32];
  snprintf(want, sizeof(want), "GET /%04d 200", lines - 1);
  ck_assert_ptr_nonnull(strstr(got, want));
  ck_assert_ptr_nonnull(strstr(got, "GET /0000 200"));
  fclose(f);
}
END_TEST

START_TEST(t_arena){
  struct arena a;
  arena_init(&a);
  char *p = arena_alloc(&a, 10);
  ck_assert_ptr_nonnull(p);
  for(int i=0; i<10; i++) ck_assert_int_eq(p[i], 0);
  char *big = arena_alloc(&a, 100000);      /* a block of its own */
  ck_assert_ptr_nonnull(big);
  memset(big, 1, 100000);
  ck_assert_str_eq(arena_printf(&a, "%d-%s", 42, "x"), "42-x");
  ck_assert_str_eq(arena_strndup(&a, "abcdef", 3), "abc");
  ck_assert_uint_ge(a.used_total, 100010);
  arena_free(&a);
  ck_assert_uint_eq(a.used_total, 0);
  ck_assert_ptr_null(a.head);
}
END_TEST

START_TEST(t_arena_grow){
  struct arena a;
  arena_init(&a);
  int64_t *v = NULL;
  size_t cap = 0, n = 0;
  for(int64_t i=0; i<1000; i++){                 /* each element kept through every copy */
    v = arena_grow(&a, v, n, &cap, sizeof(*v));
    ck_assert_ptr_nonnull(v);
    ck_assert_uint_gt(cap, n);
    v[n++] = i*7;
  }
  ck_assert_uint_ge(cap, 1000);
  ck_assert_uint_lt(cap, 2048);                    /* doubled, not more */
  for(int64_t i=0; i<1000; i++) ck_assert_int_eq(v[i], i*7);
  int64_t *same = arena_grow(&a, v, 999, &cap, sizeof(*v));
  ck_assert_ptr_eq(same, v);                       /* room left: the same array */
  size_t huge = SIZE_MAX/4;
  ck_assert_ptr_null(arena_grow(&a, v, huge, &huge, 8));   /* the size would overflow */
  arena_free(&a);
}
END_TEST

int main(void){
  Suite *s = suite_create("form");
  TCase *tc = tcase_create("core");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, t_simple_pairs);
  tcase_add_test(tc, t_arena_grow);
  tcase_add_test(tc, t_decoding);
  tcase_add_test(tc, t_empty_pairs_and_no_equals);
  tcase_add_test(tc, t_bad_escapes);
  tcase_add_test(tc, t_names);
  tcase_add_test(tc, t_limits);
  tcase_add_test(tc, t_not_nul_terminated_input);
  tcase_add_test(tc, t_cookies);
  tcase_add_test(tc, t_utf8);
  tcase_add_test(tc, t_log_clean);
  tcase_add_test(tc, t_log_access);
  tcase_add_test(tc, t_arena);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* check_auth.c — Check unit tests for session tokens, cookies, CSRF, throttling, passwords and name rules. */
#define _POSIX_C_SOURCE 200809L

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "util.h"
#include "req.h"
#include "session.h"
#include "csrf.h"
#include "auth.h"
#include "users.h"

/* ---------------------------------------------------------------- helpers */

static int all_lower_hex(const char *z){
  for(; *z; z++) if( !((*z>='0' && *z<='9') || (*z>='a' && *z<='f')) ) return 0;
  return 1;
}

static int cmp_str(const void *a, const void *b){
  return strcmp(*(char *const*)a, *(char *const*)b);
}

/* A struct app with the cheapest Argon2id cost the library accepts for tests. */
static void cheap_app(struct app *a){
  memset(a, 0, sizeof(*a));
  a->cfg.argon2_t = 1;
  a->cfg.argon2_m = 64;
  a->cfg.login_max_failures = 5;
}

/* "x" repeated n times, in a static buffer (n < 600). */
static const char *rep(char c, size_t n){
  static char z[600];
  ck_assert_uint_lt(n, sizeof(z));
  memset(z, c, n);
  z[n] = 0;
  return z;
}

/* -------------------------------------------------------- random tokens */

START_TEST(t01_random_hex_length_and_charset)
{
  char z[129];
  for(size_t n=0; n<=64; n++){
    memset(z, 'X', sizeof(z));
    ck_assert_int_eq(util_random_hex(z, n), 0);
    ck_assert_uint_eq(strlen(z), 2*n);
    ck_assert_msg(all_lower_hex(z), "not lower-case hex: %s", z);
  }
  /* the session token is 256 bits: 64 hex characters */
  ck_assert_int_eq(util_random_hex(z, SESS_TOKEN_BYTES), 0);
  ck_assert_uint_eq(strlen(z), 64);
}
END_TEST

START_TEST(t02_random_hex_refuses_too_long)
{
  char z[300];
  ck_assert_int_ne(util_random_hex(z, 65), 0);
  ck_assert_int_ne(util_random_hex(z, 100), 0);
}
END_TEST

START_TEST(t03_random_hex_unique)
{
  enum { N = 2000 };
  static char tok[N][65];
  char *p[N];
  for(int i=0; i<N; i++){
    ck_assert_int_eq(util_random_hex(tok[i], 32), 0);
    p[i] = tok[i];
  }
  qsort(p, N, sizeof(p[0]), cmp_str);
  for(int i=1; i<N; i++) ck_assert_str_ne(p[i-1], p[i]);
  /* every hex digit turns up somewhere (a stuck nibble would show) */
  for(const char *d = "0123456789abcdef"; *d; d++){
    int seen = 0;
    for(int i=0; i<N && !seen; i++) seen = strchr(tok[i], *d)!=NULL;
    ck_assert_msg(seen, "digit %c never produced", *d);
  }
}
END_TEST

/* --------------------------------------------------------------- SHA-256 */

START_TEST(t04_sha256_known_vectors)
{
  char h[65];
  util_sha256_hex("abc", 3, h);
  ck_assert_str_eq(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  util_sha256_hex("", 0, h);
  ck_assert_str_eq(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  util_sha256_hex(m, strlen(m), h);
  ck_assert_str_eq(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  /* only n bytes are hashed */
  util_sha256_hex("abcdef", 3, h);
  ck_assert_str_eq(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
END_TEST

/* --------------------------------------------------------------- cookies */

START_TEST(t05_cookie_over_http)
{
  struct app app;
  struct req r;
  memset(&app, 0, sizeof(app));
  req_init(&r, &app, NULL);
  r.https = 0;
  ck_assert_str_eq(sess_cookie_name(&r), "hp_session");
  const char *c = sess_cookie_header(&r, "abc123", 1);
  ck_assert_ptr_nonnull(c);
  ck_assert_msg(strncmp(c, "hp_session=abc123;", 18)==0, "%s", c);
  ck_assert_ptr_nonnull(strstr(c, "; HttpOnly"));
  ck_assert_ptr_nonnull(strstr(c, "; SameSite=Strict"));
  ck_assert_ptr_nonnull(strstr(c, "; Path=/"));
  ck_assert_ptr_null(strstr(c, "Secure"));
  ck_assert_ptr_null(strstr(c, "Max-Age"));
  ck_assert_ptr_null(strstr(c, "Domain"));
  ck_assert_ptr_null(strstr(c, "__Host-"));
  req_free(&r);
}
END_TEST

START_TEST(t06_cookie_over_https)
{
  struct app app;
  struct req r;
  memset(&app, 0, sizeof(app));
  req_init(&r, &app, NULL);
  r.https = 1;
  ck_assert_str_eq(sess_cookie_name(&r), "__Host-hp_session");
  const char *c = sess_cookie_header(&r, "abc123", 1);
  ck_assert_msg(strncmp(c, "__Host-hp_session=abc123;", 25)==0, "%s", c);
  ck_assert_ptr_nonnull(strstr(c, "; Secure"));
  ck_assert_ptr_nonnull(strstr(c, "; HttpOnly"));
  ck_assert_ptr_nonnull(strstr(c, "; SameSite=Strict"));
  /* __Host- cookies must have Path=/ and no Domain */
  ck_assert_ptr_nonnull(strstr(c, "; Path=/;"));
  ck_assert_ptr_null(strstr(c, "Domain"));
  ck_assert_ptr_null(strstr(c, "Max-Age"));
  req_free(&r);
}
END_TEST

START_TEST(t07_cookie_delete)
{
  struct app app;
  struct req r;
  memset(&app, 0, sizeof(app));
  req_init(&r, &app, NULL);
  const char *c = sess_cookie_header(&r, "", 0);
  ck_assert_msg(strncmp(c, "hp_session=;", 12)==0, "%s", c);
  ck_assert_ptr_nonnull(strstr(c, "Max-Age=0"));
  ck_assert_ptr_nonnull(strstr(c, "; Path=/"));
  ck_assert_ptr_nonnull(strstr(c, "; HttpOnly"));
  r.https = 1;
  c = sess_cookie_header(&r, "", 0);
  ck_assert_msg(strncmp(c, "__Host-hp_session=;", 19)==0, "%s", c);
  ck_assert_ptr_nonnull(strstr(c, "Max-Age=0"));
  ck_assert_ptr_nonnull(strstr(c, "; Secure"));
  req_free(&r);
}
END_TEST

/* ------------------------------------------------------------------ CSRF */

START_TEST(t08_csrf_token_equal)
{
  const char *t = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  char same[65];
  memcpy(same, t, 65);                     /* equal content, different pointer */
  ck_assert_int_eq(csrf_token_equal(t, same), 1);
  ck_assert_int_eq(csrf_token_equal(t, t), 1);
  char diff[65];
  memcpy(diff, t, 65);
  diff[63] = 'e';                          /* last character differs */
  ck_assert_int_eq(csrf_token_equal(t, diff), 0);
  diff[63] = 'f';
  diff[0] = '1';                           /* first character differs */
  ck_assert_int_eq(csrf_token_equal(t, diff), 0);
  ck_assert_int_eq(csrf_token_equal(t, "0123456789abcdef"), 0);   /* a prefix */
  ck_assert_int_eq(csrf_token_equal("0123456789abcdef", t), 0);
  ck_assert_int_eq(csrf_token_equal(t, ""), 0);
  ck_assert_int_eq(csrf_token_equal("", ""), 0);                  /* empty never matches */
  ck_assert_int_eq(csrf_token_equal(NULL, t), 0);
  ck_assert_int_eq(csrf_token_equal(t, NULL), 0);
  ck_assert_int_eq(csrf_token_equal(NULL, NULL), 0);
}
END_TEST

START_TEST(t09_csrf_origin)
{
  const char *host = "127.0.0.1:8080";
  /* neither header (curl, holdctl): allowed, the token decides */
  ck_assert_int_eq(csrf_origin_ok(NULL, NULL, 0, host), 1);
  /* same origin */
  ck_assert_int_eq(csrf_origin_ok("http://127.0.0.1:8080", NULL, 0, host), 1);
  ck_assert_int_eq(csrf_origin_ok("http://127.0.0.1:8080", "same-origin", 0, host), 1);
  ck_assert_int_eq(csrf_origin_ok("https://127.0.0.1:8080", NULL, 1, host), 1);
  /* foreign origins */
  ck_assert_int_eq(csrf_origin_ok("http://evil.example", NULL, 0, host), 0);
  ck_assert_int_eq(csrf_origin_ok("http://127.0.0.1:8081", NULL, 0, host), 0);
  ck_assert_int_eq(csrf_origin_ok("http://127.0.0.1:8080.evil.example", NULL, 0, host), 0);
  ck_assert_int_eq(csrf_origin_ok("http://127.0.0.1", NULL, 0, host), 0);
  ck_assert_int_eq(csrf_origin_ok("null", NULL, 0, host), 0);
  ck_assert_int_eq(csrf_origin_ok("", NULL, 0, host), 0);
  /* scheme must match how we are served */
  ck_assert_int_eq(csrf_origin_ok("http://127.0.0.1:8080", NULL, 1, host), 0);
  ck_assert_int_eq(csrf_origin_ok("https://127.0.0.1:8080", NULL, 0, host), 0);
  /* an Origin with no Host to compare against is refused */
  ck_assert_int_eq(csrf_origin_ok("http://127.0.0.1:8080", NULL, 0, ""), 0);
  ck_assert_int_eq(csrf_origin_ok("http://127.0.0.1:8080", NULL, 0, NULL), 0);
  /* Sec-Fetch-Site */
  ck_assert_int_eq(csrf_origin_ok(NULL, "none", 0, host), 1);
  ck_assert_int_eq(csrf_origin_ok(NULL, "same-origin", 0, host), 1);
  ck_assert_int_eq(csrf_origin_ok(NULL, "cross-site", 0, host), 0);
  ck_assert_int_eq(csrf_origin_ok(NULL, "same-site", 0, host), 0);
  ck_assert_int_eq(csrf_origin_ok(NULL, "", 0, host), 0);
  ck_assert_int_eq(csrf_origin_ok("http://127.0.0.1:8080", "cross-site", 0, host), 0);
  ck_assert_int_eq(csrf_origin_ok("http://evil.example", "same-origin", 0, host), 0);
}
END_TEST

START_TEST(t10_csrf_check_request)
{
  struct app app;
  struct req r;
  const char *tok = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
  struct kv good = { "csrf", tok, 64 };
  struct kv bad = { "csrf", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", 64 };
  memset(&app, 0, sizeof(app));
  req_init(&r, &app, NULL);
  r.host = "127.0.0.1:8080";
  r.method = "GET";
  ck_assert_ptr_nonnull(csrf_check(&r));                 /* state change needs POST */
  r.method = "POST";
  ck_assert_ptr_null(csrf_check(&r));                    /* no session: origin only */
  r.origin = "http://evil.example";
  ck_assert_ptr_nonnull(csrf_check(&r));
  r.origin = NULL;
  r.csrf_token = tok;                                    /* signed in */
  ck_assert_ptr_nonnull(csrf_check(&r));                 /* token missing */
  r.form = &bad; r.nform = 1;
  ck_assert_ptr_nonnull(csrf_check(&r));                 /* another session's token */
  r.form = &good; r.nform = 1;
  ck_assert_ptr_null(csrf_check(&r));                    /* right token */
  r.sec_fetch_site = "cross-site";
  ck_assert_ptr_nonnull(csrf_check(&r));                 /* right token, foreign site */
  r.sec_fetch_site = "same-origin";
  r.origin = "http://127.0.0.1:8080";
  ck_assert_ptr_null(csrf_check(&r));
  r.form = NULL; r.nform = 0;
  req_free(&r);
}
END_TEST

/* ------------------------------------------------------------ throttling */

START_TEST(t11_throttle_boundaries)
{
  const int64_t now = 10LL*24*3600*1000, S = 1000, M = 60*S;
  struct auth_counts c;
  int64_t wait;
  /* growing delays per (name, address): none below max, then 30 s, 1, 2, 4, 8, 15, 15 min */
  ck_assert_int_eq(auth_pair_delay_ms(0, 5), 0);
  ck_assert_int_eq(auth_pair_delay_ms(4, 5), 0);
  ck_assert_int_eq(auth_pair_delay_ms(5, 5), 30*S);
  ck_assert_int_eq(auth_pair_delay_ms(6, 5), 60*S);
  ck_assert_int_eq(auth_pair_delay_ms(7, 5), 2*M);
  ck_assert_int_eq(auth_pair_delay_ms(9, 5), 8*M);
  ck_assert_int_eq(auth_pair_delay_ms(10, 5), 15*M);
  ck_assert_int_eq(auth_pair_delay_ms(1000, 5), 15*M);
  ck_assert_int_eq(auth_pair_delay_ms(1, 1), 30*S);

  memset(&c, 0, sizeof(c));
  ck_assert_int_eq(auth_gate(&c, 5, now, &wait), AUTH_OPEN);
  ck_assert_int_eq(wait, 0);
  c.pair = 4; c.pair_last_at = now - 1;
  ck_assert_int_eq(auth_gate(&c, 5, now, &wait), AUTH_OPEN);
  c.pair = 5;                                      /* the fifth failure was 1 ms ago: wait 30 s */
  ck_assert_int_eq(auth_gate(&c, 5, now, &wait), AUTH_WAIT_PAIR);
  ck_assert_int_eq(wait, 30*S - 1);
  c.pair_last_at = now - 30*S;                     /* the delay has passed: one more try */
  ck_assert_int_eq(auth_gate(&c, 5, now, &wait), AUTH_OPEN);
  c.pair = 6; c.pair_last_at = now - 30*S;         /* the sixth failure doubles it */
  ck_assert_int_eq(auth_gate(&c, 5, now, &wait), AUTH_WAIT_PAIR);
  ck_assert_int_eq(wait, 30*S);

  /* a browser with this account's device cookie skips every limit, until it fails max times */
  c.trusted_device = 1; c.device = 4;
  c.account = 1000; c.ip_unknown = 1000;
  ck_assert_int_eq(auth_gate(&c, 5, now, &wait), AUTH_OPEN);
  c.device = 5;
  ck_assert_int_eq(auth_gate(&c, 5, now, &wait), AUTH_WAIT_PAIR);

  /* many addresses against one account: browsers it never used wait for the window */
  memset(&c, 0, sizeof(c));
  c.account = 49; c.account_oldest_at = now - 5*M;
  ck_assert_int_eq(auth_gate(&c, 5, now, &wait), AUTH_OPEN);
  c.account = 50;
  ck_assert_int_eq(auth_gate(&c, 5, now, &wait), AUTH_WAIT_ACCOUNT);
  ck_assert_int_eq(wait, 10*M);

  /* an address trying names that are not accounts: only a right password gets through */
  memset(&c, 0, sizeof(c));
  c.ip_unknown = 19;
  ck_assert_int_eq(auth_gate(&c, 5, now, &wait), AUTH_OPEN);
  c.ip_unknown = 20;
  ck_assert_int_eq(auth_gate(&c, 5, now, &wait), AUTH_MUST_SUCCEED);
  ck_assert_int_eq(wait, 0);
  ck_assert_int_eq(AUTH_THROTTLE_WINDOW_MS, 15*60*1000);
}
END_TEST

/* ------------------------------------------------------------- passwords */

START_TEST(t12_password_round_trip)
{
  struct app a;
  char h1[256], h2[256];
  cheap_app(&a);
  ck_assert_int_eq(auth_hash_password(&a, "correct horse battery", h1, sizeof(h1)), 0);
  ck_assert_msg(strncmp(h1, "$argon2id$v=19$m=64,t=1,p=1$", 28)==0, "%s", h1);
  ck_assert_int_eq(auth_verify_password(h1, "correct horse battery"), 1);
  ck_assert_int_eq(auth_verify_password(h1, "correct horse batterY"), 0);
  ck_assert_int_eq(auth_verify_password(h1, "correct horse battery "), 0);
  ck_assert_int_eq(auth_verify_password(h1, ""), 0);
  /* a fresh salt each time: same password, different hash, both verify */
  ck_assert_int_eq(auth_hash_password(&a, "correct horse battery", h2, sizeof(h2)), 0);
  ck_assert_str_ne(h1, h2);
  ck_assert_int_eq(auth_verify_password(h2, "correct horse battery"), 1);
  /* a too small output buffer is an error, not a truncated hash */
  char tiny[20];
  ck_assert_int_ne(auth_hash_password(&a, "correct horse battery", tiny, sizeof(tiny)), 0);
}
END_TEST

START_TEST(t13_password_verify_garbage)
{
  struct app a;
  char h[256];
  cheap_app(&a);
  ck_assert_int_eq(auth_hash_password(&a, "secret-password", h, sizeof(h)), 0);
  ck_assert_int_eq(auth_verify_password(NULL, "secret-password"), 0);
  ck_assert_int_eq(auth_verify_password("", "secret-password"), 0);
  ck_assert_int_eq(auth_verify_password("secret-password", "secret-password"), 0);   /* plain text */
  ck_assert_int_eq(auth_verify_password("$argon2id$", "secret-password"), 0);
  ck_assert_int_eq(auth_verify_password("$argon2id$v=19$m=64,t=1,p=1$garbage", "secret-password"), 0);
  /* other Argon2 variants are not accepted as Argon2id */
  char other[256];
  snprintf(other, sizeof(other), "$argon2i$%s", h + strlen("$argon2id$"));
  ck_assert_int_eq(auth_verify_password(other, "secret-password"), 0);
  /* a hash with its last character changed no longer verifies */
  char broken[256];
  snprintf(broken, sizeof(broken), "%s", h);
  size_t n = strlen(broken);
  broken[n-2] = broken[n-2]=='A' ? 'B' : 'A';
  ck_assert_int_eq(auth_verify_password(broken, "secret-password"), 0);
}
END_TEST

START_TEST(t14_password_problem)
{
  ck_assert_ptr_nonnull(auth_password_problem(""));
  ck_assert_ptr_nonnull(auth_password_problem("123456789"));            /* 9 */
  ck_assert_ptr_null(auth_password_problem("1234567890"));              /* 10 */
  ck_assert_ptr_null(auth_password_problem("holdpoint-demo"));
  ck_assert_ptr_null(auth_password_problem(rep('x', 256)));
  ck_assert_ptr_nonnull(auth_password_problem(rep('x', 257)));
}
END_TEST

/* ------------------------------------------------------------ name rules */

START_TEST(t15_username_rules)
{
  static const char *good[] = { "alice", "a", "0", "carol.sre", "dave_po", "e-r-i-n", "a1.b2_c3-d4", NULL };
  static const char *bad[] = { "", "Alice", "ALICE", ".alice", "_alice", "-alice", "al ice", "alice!",
                               "al/ice", "al@ice", "\xc3\xa9ve", "alice\n", "a\tb", NULL };
  for(int i=0; good[i]; i++) ck_assert_msg(users_name_problem(good[i])==NULL, "refused '%s'", good[i]);
  for(int i=0; bad[i]; i++) ck_assert_msg(users_name_problem(bad[i])!=NULL, "accepted '%s'", bad[i]);
  ck_assert_ptr_null(users_name_problem(rep('a', 64)));
  ck_assert_ptr_nonnull(users_name_problem(rep('a', 65)));
  /* team names follow the same rules */
  for(int i=0; good[i]; i++) ck_assert_msg(users_team_problem(good[i])==NULL, "team refused '%s'", good[i]);
  for(int i=0; bad[i]; i++) ck_assert_msg(users_team_problem(bad[i])!=NULL, "team accepted '%s'", bad[i]);
}
END_TEST

START_TEST(t16_email_rules)
{
  static const char *good[] = { "name@example.com", "a@b", "first.last+tag@sub.example.org", NULL };
  static const char *bad[] = { "", "ab", "name", "@example.com", "name@", "a@b@c", "a b@example.com",
                               "<a@example.com>", "a@example.com,b@example.com", "a@exa\nmple.com",
                               "a@example.com\r", NULL };
  for(int i=0; good[i]; i++) ck_assert_msg(users_email_problem(good[i])==NULL, "refused '%s'", good[i]);
  for(int i=0; bad[i]; i++) ck_assert_msg(users_email_problem(bad[i])!=NULL, "accepted '%s'", bad[i]);
  char z[700];
  /* 254 characters in all is the limit */
  snprintf(z, sizeof(z), "%s@example.com", rep('a', 254 - 12));
  ck_assert_uint_eq(strlen(z), 254);
  ck_assert_ptr_null(users_email_problem(z));
  snprintf(z, sizeof(z), "%s@example.com", rep('a', 255 - 12));
  ck_assert_ptr_nonnull(users_email_problem(z));
}
END_TEST

START_TEST(t17_role_names)
{
  int n = 0;
  unsigned all = 0;
  for(size_t i=0; i<users_nroles; i++, n++){
    unsigned b = users_role_bit(users_roles[i].name);
    ck_assert_uint_eq(b, users_roles[i].bit);
    ck_assert_str_eq(users_role_name(b), users_roles[i].name);
    ck_assert(users_roles[i].label[0] && users_roles[i].help[0]);
    ck_assert_uint_eq(all & b, 0);          /* each bit once */
    all |= b;
  }
  ck_assert_int_eq(n, 5);
  ck_assert_uint_eq(users_role_bit("admin"), ROLE_ADMIN);
  ck_assert_uint_eq(users_role_bit("release_manager"), ROLE_RELEASE_MANAGER);
  ck_assert_uint_eq(users_role_bit("Admin"), 0);
  ck_assert_uint_eq(users_role_bit("root"), 0);
  ck_assert_uint_eq(users_role_bit(""), 0);
  ck_assert_str_eq(users_role_name(0), "");
}
END_TEST

/* --------------------------------------------------------------- the suite */

static Suite *auth_suite(void){
  Suite *s = suite_create("auth");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, t01_random_hex_length_and_charset);
  tcase_add_test(tc, t02_random_hex_refuses_too_long);
  tcase_add_test(tc, t03_random_hex_unique);
  tcase_add_test(tc, t04_sha256_known_vectors);
  tcase_add_test(tc, t05_cookie_over_http);
  tcase_add_test(tc, t06_cookie_over_https);
  tcase_add_test(tc, t07_cookie_delete);
  tcase_add_test(tc, t08_csrf_token_equal);
  tcase_add_test(tc, t09_csrf_origin);
  tcase_add_test(tc, t10_csrf_check_request);
  tcase_add_test(tc, t11_throttle_boundaries);
  tcase_add_test(tc, t12_password_round_trip);
  tcase_add_test(tc, t13_password_verify_garbage);
  tcase_add_test(tc, t14_password_problem);
  tcase_add_test(tc, t15_username_rules);
  tcase_add_test(tc, t16_email_rules);
  tcase_add_test(tc, t17_role_names);
  suite_add_tcase(s, tc);
  return s;
}

int main(void){
  SRunner *sr = srunner_create(auth_suite());
  int failed;
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed==0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

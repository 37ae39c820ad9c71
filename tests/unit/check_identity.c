/* check_identity.c — the pure parts of company sign-in: HOTP/TOTP (RFC 4226, RFC 6238), base32, group-map lines, LDAP escaping, usernames, the PKCE challenge. */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "totp.h"
#include "idmap.h"
#include "oidc.h"

static const unsigned char RFC_KEY[] = "12345678901234567890";

/* RFC 4226 appendix D: the ten HOTP values of the test key. */
START_TEST(t01_hotp_rfc4226){
  static const uint32_t want[] = { 755224, 287082, 359152, 969429, 338314, 254676, 287922, 162583, 399871, 520489 };
  for(uint64_t c = 0; c<10; c++) ck_assert_uint_eq(totp_hotp(RFC_KEY, 20, c, 6), want[c]);
}
END_TEST

/* RFC 6238 appendix B, SHA-1 column, 8 digits. */
START_TEST(t02_totp_rfc6238){
  static const struct { int64_t t; uint32_t v; } want[] = {
    { 59, 94287082 }, { 1111111109, 7081804 }, { 1111111111, 14050471 }, { 1234567890, 89005924 },
    { 2000000000, 69279037 }, { 20000000000LL, 65353130 } };
  for(size_t i = 0; i<sizeof(want)/sizeof(want[0]); i++){
    ck_assert_uint_eq(totp_hotp(RFC_KEY, 20, (uint64_t)(want[i].t / TOTP_STEP_S), 8), want[i].v);
  }
}
END_TEST

START_TEST(t03_totp_check_window_and_replay){
  int64_t now = 1111111111;
  uint64_t step = (uint64_t)(now / 30);
  char code[8];
  snprintf(code, sizeof(code), "%06u", totp_hotp(RFC_KEY, 20, step, 6));
  ck_assert_uint_eq(totp_check(RFC_KEY, 20, code, now, 0), step);
  /* used once: the same step again is refused */
  ck_assert_uint_eq(totp_check(RFC_KEY, 20, code, now, step), 0);
  /* one step of drift either way, not two */
  snprintf(code, sizeof(code), "%06u", totp_hotp(RFC_KEY, 20, step-1, 6));
  ck_assert_uint_eq(totp_check(RFC_KEY, 20, code, now, 0), step-1);
  snprintf(code, sizeof(code), "%06u", totp_hotp(RFC_KEY, 20, step+1, 6));
  ck_assert_uint_eq(totp_check(RFC_KEY, 20, code, now, 0), step+1);
  snprintf(code, sizeof(code), "%06u", totp_hotp(RFC_KEY, 20, step+2, 6));
  ck_assert_uint_eq(totp_check(RFC_KEY, 20, code, now, 0), 0);
  snprintf(code, sizeof(code), "%06u", totp_hotp(RFC_KEY, 20, step-2, 6));
  ck_assert_uint_eq(totp_check(RFC_KEY, 20, code, now, 0), 0);
  /* not six digits */
  ck_assert_uint_eq(totp_check(RFC_KEY, 20, "12345", now, 0), 0);
  ck_assert_uint_eq(totp_check(RFC_KEY, 20, "12345a", now, 0), 0);
  ck_assert_uint_eq(totp_check(RFC_KEY, 20, "1234567", now, 0), 0);
  ck_assert_uint_eq(totp_check(RFC_KEY, 20, "", now, 0), 0);
}
END_TEST

/* RFC 4648 section 10 vectors (without padding), and decoding what we encode. */
START_TEST(t04_base32){
  static const struct { const char *in, *out; } v[] = {
    { "", "" }, { "f", "MY" }, { "fo", "MZXQ" }, { "foo", "MZXW6" }, { "foob", "MZXW6YQ" },
    { "fooba", "MZXW6YTB" }, { "foobar", "MZXW6YTBOI" } };
  for(size_t i = 0; i<sizeof(v)/sizeof(v[0]); i++){
    char out[32];
    unsigned char back[32];
    totp_base32_encode((const unsigned char *)v[i].in, strlen(v[i].in), out);
    ck_assert_str_eq(out, v[i].out);
    int n = totp_base32_decode(v[i].out, back, sizeof(back));
    ck_assert_int_eq(n, (int)strlen(v[i].in));
    ck_assert(memcmp(back, v[i].in, (size_t)n)==0);
  }
  unsigned char b[32];
  /* case, spaces and padding are ignored, as apps show keys in groups */
  ck_assert_int_eq(totp_base32_decode("mzxw 6ytb oi==", b, sizeof(b)), 6);
  ck_assert(memcmp(b, "foobar", 6)==0);
  ck_assert_int_eq(totp_base32_decode("MZXW1", b, sizeof(b)), -1);     /* 1 is not base32 */
  ck_assert_int_eq(totp_base32_decode("MZXW6YTBOI", b, 3), -1);       /* does not fit */
  char uri[256];
  ck_assert_int_eq(totp_uri(uri, sizeof(uri), "Holdpoint", "ana", "MZXW6YTBOI"), 0);
  ck_assert_str_eq(uri, "otpauth://totp/Holdpoint%3Aana?secret=MZXW6YTBOI&issuer=Holdpoint&algorithm=SHA1&digits=6&period=30");
}
END_TEST

START_TEST(t05_group_map_lines){
  char g[300], k[8], t[80], e[200];
  ck_assert_int_eq(idmap_parse_line("release-approvers team:release", g, sizeof(g), k, sizeof(k), t, sizeof(t), e, sizeof(e)), 1);
  ck_assert_str_eq(g, "release-approvers"); ck_assert_str_eq(k, "team"); ck_assert_str_eq(t, "release");
  ck_assert_int_eq(idmap_parse_line("  \"cn=QA Leads,ou=groups,dc=example,dc=com\"   role:qa  # comment", g, sizeof(g), k, sizeof(k),
                                    t, sizeof(t), e, sizeof(e)), 1);
  ck_assert_str_eq(g, "cn=QA Leads,ou=groups,dc=example,dc=com"); ck_assert_str_eq(k, "role"); ck_assert_str_eq(t, "qa");
  ck_assert_int_eq(idmap_parse_line("# only a comment", g, sizeof(g), k, sizeof(k), t, sizeof(t), e, sizeof(e)), 0);
  ck_assert_int_eq(idmap_parse_line("   ", g, sizeof(g), k, sizeof(k), t, sizeof(t), e, sizeof(e)), 0);
  ck_assert_int_eq(idmap_parse_line("sre", g, sizeof(g), k, sizeof(k), t, sizeof(t), e, sizeof(e)), -1);
  ck_assert(e[0]!=0);
  ck_assert_int_eq(idmap_parse_line("sre group:sre", g, sizeof(g), k, sizeof(k), t, sizeof(t), e, sizeof(e)), -1);
  ck_assert_int_eq(idmap_parse_line("sre team:", g, sizeof(g), k, sizeof(k), t, sizeof(t), e, sizeof(e)), -1);
  ck_assert_int_eq(idmap_parse_line("\"unclosed team:sre", g, sizeof(g), k, sizeof(k), t, sizeof(t), e, sizeof(e)), -1);
  ck_assert_int_eq(idmap_parse_line("sre team:sre extra", g, sizeof(g), k, sizeof(k), t, sizeof(t), e, sizeof(e)), -1);
}
END_TEST

/* RFC 4515: the injection of issue 17 becomes a literal name. */
START_TEST(t06_ldap_escaping){
  char out[128];
  ck_assert_int_eq(idmap_ldap_escape("*)(uid=*", out, sizeof(out)), 0);
  ck_assert_str_eq(out, "\\2a\\29\\28uid=\\2a");
  ck_assert_int_eq(idmap_ldap_escape("a\\b", out, sizeof(out)), 0);
  ck_assert_str_eq(out, "a\\5cb");
  ck_assert_int_eq(idmap_ldap_filter("(&(objectClass=person)(uid=%s))", "*)(|(uid=*", out, sizeof(out)), 0);
  ck_assert_str_eq(out, "(&(objectClass=person)(uid=\\2a\\29\\28|\\28uid=\\2a))");
  ck_assert_int_eq(idmap_ldap_filter("(uid=%s)", "ana", out, sizeof(out)), 0);
  ck_assert_str_eq(out, "(uid=ana)");
  ck_assert_int_eq(idmap_ldap_filter("(uid=%s)", "ana", out, 8), -1);   /* does not fit */
  ck_assert_int_eq(idmap_ldap_filter("(uid=*)", "ana", out, sizeof(out)), -1);  /* no %s */
}
END_TEST

START_TEST(t07_usernames_and_groups){
  char out[80];
  ck_assert_int_eq(idmap_username("Ana.Lopez", out, sizeof(out)), 0);
  ck_assert_str_eq(out, "ana.lopez");
  ck_assert_int_eq(idmap_username("ana@example.com", out, sizeof(out)), 0);
  ck_assert_str_eq(out, "ana");
  ck_assert_int_eq(idmap_username("", out, sizeof(out)), -1);
  ck_assert_int_eq(idmap_username("@example.com", out, sizeof(out)), -1);
  ck_assert_int_eq(idmap_username("ana@", out, sizeof(out)), -1);
  ck_assert_int_eq(idmap_username("a@b@c", out, sizeof(out)), -1);
  ck_assert_int_eq(idmap_username("ana lopez", out, sizeof(out)), -1);
  ck_assert_int_eq(idmap_username("*)(uid=*", out, sizeof(out)), -1);
  ck_assert_str_eq(idmap_group_short("cn=qa,ou=groups,dc=example,dc=com", out, sizeof(out)), "qa");
  ck_assert_str_eq(idmap_group_short("CN=Release Approvers,OU=Groups,DC=corp", out, sizeof(out)), "Release Approvers");
  ck_assert_str_eq(idmap_group_short("release-approvers", out, sizeof(out)), "release-approvers");
}
END_TEST

/* RFC 7636 appendix B. */
START_TEST(t08_pkce){
  char c[64];
  oidc_pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", c);
  ck_assert_str_eq(c, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}
END_TEST

int main(void){
  Suite *s = suite_create("identity");
  TCase *tc = tcase_create("identity");
  tcase_add_test(tc, t01_hotp_rfc4226);
  tcase_add_test(tc, t02_totp_rfc6238);
  tcase_add_test(tc, t03_totp_check_window_and_replay);
  tcase_add_test(tc, t04_base32);
  tcase_add_test(tc, t05_group_map_lines);
  tcase_add_test(tc, t06_ldap_escaping);
  tcase_add_test(tc, t07_usernames_and_groups);
  tcase_add_test(tc, t08_pkce);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* check_vars.c — Check unit tests for placeholder substitution (cgi-src/pure/vars.c) and safe Markdown. */
#define _POSIX_C_SOURCE 200809L

#include <check.h>
#include <cmark.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vars.h"

/* ---------------------------------------------------------------- helpers */

static const struct vars_kv test_vars[] = {
  { "image", "registry.example.com/shop@sha256:abc" },
  { "version", "v-from-vars" },
  { "empty", "" },
  { "braces", "{{release.name}}" },
  { "evil", "<script>alert(1)</script>" },
  { "evil_link", "[x](javascript:alert(1))" },
};

static const struct vars_output test_outputs[] = {
  { "qa-signoff", "risk", "low" },
  { "qa-signoff", "notes", "All green" },
  { "db-migration", "responsible.username", "carol" },
  { "db_migration2", "decision", "proceed" },
};

static struct vars_release test_release = {
  .id = 42, .name = "shop", .version = "1.4.2", .artifact = "shop-1.4.2.tar.gz",
  .vars = test_vars, .nvars = sizeof(test_vars)/sizeof(test_vars[0]),
  .outputs = test_outputs, .noutputs = sizeof(test_outputs)/sizeof(test_outputs[0]),
};

/* Substitute text with the test release; returns a malloc'ed copy and the count. */
static char *subst(const char *text, int *nfound){
  struct buf b;
  buf_init(&b);
  int n = vars_substitute(text, vars_release_lookup, &test_release, &b);
  if( nfound ) *nfound = n;
  ck_assert_int_eq(b.oom, 0);
  char *z = strdup(b.z ? b.z : "");
  ck_assert_ptr_nonnull(z);
  buf_free(&b);
  return z;
}

static void expect(const char *text, const char *want){
  char *got = subst(text, NULL);
  ck_assert_msg(strcmp(got, want)==0, "input [%s]: got [%s], want [%s]", text, got, want);
  free(got);
}

static char *markdown(const char *text){
  char *html = cmark_markdown_to_html(text, strlen(text), CMARK_OPT_SAFE);
  ck_assert_ptr_nonnull(html);
  return html;
}

/* A lookup that records the names it is asked for. */
struct seen { char names[8][300]; int n; };
static int record_lookup(void *ctx, const char *name, size_t n, struct buf *out){
  struct seen *s = ctx;
  if( s->n<8 ){
    ck_assert_uint_lt(n, sizeof(s->names[0]));
    memcpy(s->names[s->n], name, n);
    s->names[s->n][n] = 0;
    s->n++;
  }
  buf_puts(out, "X");
  return 1;
}

/* ---------------------------------------------------------------- tests */

START_TEST(t01_release_fields){
  expect("{{release.name}}", "shop");
  expect("{{release.version}}", "1.4.2");
  expect("{{release.artifact}}", "shop-1.4.2.tar.gz");
  expect("{{release.id}}", "42");
  expect("Check the test report for {{release.version}}.\n", "Check the test report for 1.4.2.\n");
  expect("{{release.name}}-{{release.version}}", "shop-1.4.2");
}
END_TEST

START_TEST(t02_release_vars){
  expect("img={{vars.image}}", "img=registry.example.com/shop@sha256:abc");
  expect("{{vars.version}}/{{release.version}}", "v-from-vars/1.4.2");
  expect("[{{vars.empty}}]", "[]");
}
END_TEST

START_TEST(t03_outputs){
  expect("risk: {{activities.qa-signoff.outputs.risk}}", "risk: low");
  expect("{{activities.qa-signoff.outputs.notes}}", "All green");
  expect("{{activities.db-migration.outputs.responsible.username}}", "carol");
  expect("{{activities.db_migration2.outputs.decision}}", "proceed");
}
END_TEST

START_TEST(t04_spaces_inside_braces){
  expect("{{ release.name }}", "shop");
  expect("{{\trelease.version\t}}", "1.4.2");
  expect("{{  vars.image}}", "registry.example.com/shop@sha256:abc");
}
END_TEST

START_TEST(t05_unknown_placeholders_are_empty){
  int n = -1;
  char *z = subst("a{{release.nope}}b{{vars.missing}}c{{activities.x.outputs.y}}d{{foo}}e", &n);
  ck_assert_str_eq(z, "abcde");
  ck_assert_int_eq(n, 0);
  free(z);
  expect("{{release}}", "");
  expect("{{release.}}", "");
  expect("{{vars.}}", "");
  expect("{{activities.qa-signoff.risk}}", "");            /* no "outputs." */
  expect("{{activities.qa-signoff.outputs.}}", "");
  expect("{{activities..outputs.risk}}", "");
  expect("{{activities.qa-signoff.outputs.nope}}", "");
  expect("{{activities.qa-signoff}}", "");
  expect("{{RELEASE.NAME}}", "");                          /* names are case-sensitive */
}
END_TEST

START_TEST(t06_count_of_known){
  int n = -1;
  char *z = subst("{{release.name}} {{vars.empty}} {{nope}} {{release.id}}", &n);
  ck_assert_str_eq(z, "shop   42");
  ck_assert_int_eq(n, 3);
  free(z);
}
END_TEST

START_TEST(t07_unterminated){
  expect("{{release.name", "{{release.name");
  expect("{{release.name}", "{{release.name}");
  expect("before {{", "before {{");
  expect("{{", "{{");
  expect("{", "{");
  expect("{{ release.name", "{{ release.name");
  expect("{{release.name}} and {{release.version", "shop and {{release.version");
}
END_TEST

START_TEST(t08_odd_and_nested_braces){
  expect("{{{release.name}}}", "{shop}");
  expect("{{{{release.name}}}}", "{{shop}}");
  expect("{{ }}", "{{ }}");
  expect("{{}}", "{{}}");
  expect("{{release name}}", "{{release name}}");
  expect("{{release.{{release.name}}}}", "{{release.shop}}");
  expect("}}{{", "}}{{");
  expect("{ {release.name} }", "{ {release.name} }");
  expect("{{release.name}}}}", "shop}}");
  expect("{{<b>}}", "{{<b>}}");
  expect("{{vars.image}}{{vars.version}}", "registry.example.com/shop@sha256:abcv-from-vars");
}
END_TEST

START_TEST(t09_values_are_not_rescanned){
  /* A value holding a placeholder stays literal: no second expansion, no loops. */
  expect("{{vars.braces}}", "{{release.name}}");
  expect("x{{vars.braces}}{{release.name}}", "x{{release.name}}shop");
}
END_TEST

START_TEST(t10_plain_text_and_null){
  expect("", "");
  expect("no placeholders at all", "no placeholders at all");
  expect("utf-8: Zürich — ✓", "utf-8: Zürich — ✓");
  struct buf b;
  buf_init(&b);
  ck_assert_int_eq(vars_substitute(NULL, vars_release_lookup, &test_release, &b), 0);
  ck_assert_uint_eq(b.len, 0);
  /* No lookup: well-formed placeholders vanish, the rest is copied. */
  ck_assert_int_eq(vars_substitute("a{{release.name}}b{{", NULL, NULL, &b), 0);
  ck_assert_str_eq(b.z, "ab{{");
  buf_free(&b);
  /* NULL context: nothing is known. */
  buf_init(&b);
  vars_substitute("[{{release.name}}]", vars_release_lookup, NULL, &b);
  ck_assert_str_eq(b.z, "[]");
  buf_free(&b);
}
END_TEST

START_TEST(t11_null_strings_in_release){
  struct vars_release r = { .id = 7 };
  struct buf b;
  buf_init(&b);
  vars_substitute("[{{release.name}}|{{release.version}}|{{release.artifact}}|{{release.id}}|{{vars.x}}]",
                  vars_release_lookup, &r, &b);
  ck_assert_str_eq(b.z, "[|||7|]");
  buf_free(&b);
}
END_TEST

START_TEST(t12_name_length_limit){
  /* A name of exactly VARS_NAME_MAX characters is a placeholder; one more is not. */
  char name[VARS_NAME_MAX + 2];
  char text[VARS_NAME_MAX + 16];
  struct seen s;
  struct buf b;
  memset(name, 'a', sizeof(name));
  name[VARS_NAME_MAX] = 0;
  snprintf(text, sizeof(text), "{{%s}}", name);
  memset(&s, 0, sizeof(s));
  buf_init(&b);
  ck_assert_int_eq(vars_substitute(text, record_lookup, &s, &b), 1);
  ck_assert_str_eq(b.z, "X");
  ck_assert_int_eq(s.n, 1);
  ck_assert_str_eq(s.names[0], name);
  buf_free(&b);

  name[VARS_NAME_MAX] = 'a';
  name[VARS_NAME_MAX + 1] = 0;
  snprintf(text, sizeof(text), "{{%s}}", name);
  memset(&s, 0, sizeof(s));
  buf_init(&b);
  ck_assert_int_eq(vars_substitute(text, record_lookup, &s, &b), 0);
  ck_assert_str_eq(b.z, text);
  ck_assert_int_eq(s.n, 0);
  buf_free(&b);
}
END_TEST

START_TEST(t13_lookup_sees_trimmed_name){
  struct seen s;
  struct buf b;
  memset(&s, 0, sizeof(s));
  buf_init(&b);
  vars_substitute("{{  vars.image  }} {{activities.a-b.outputs.c.d}}", record_lookup, &s, &b);
  ck_assert_int_eq(s.n, 2);
  ck_assert_str_eq(s.names[0], "vars.image");
  ck_assert_str_eq(s.names[1], "activities.a-b.outputs.c.d");
  ck_assert_str_eq(b.z, "X X");
  buf_free(&b);
}
END_TEST

START_TEST(t14_very_long_input){
  /* 1 MiB of text with 20,000 placeholders and many stray braces: linear, exact. */
  const char *piece = "v={{release.version}} { {{ }} {{{release.name}}} ";
  const char *want_piece = "v=1.4.2 { {{ }} {shop} ";
  size_t reps = 20000;
  size_t np = strlen(piece), nw = strlen(want_piece);
  char *text = malloc(np*reps + 1), *want = malloc(nw*reps + 1);
  ck_assert_ptr_nonnull(text);
  ck_assert_ptr_nonnull(want);
  for(size_t i=0; i<reps; i++){
    memcpy(text + i*np, piece, np);
    memcpy(want + i*nw, want_piece, nw);
  }
  text[np*reps] = 0;
  want[nw*reps] = 0;
  int n = 0;
  char *got = subst(text, &n);
  ck_assert_int_eq(n, (int)(2*reps));
  ck_assert_uint_eq(strlen(got), nw*reps);
  ck_assert(strcmp(got, want)==0);
  free(got);
  free(text);
  free(want);

  /* A long run of opening braces and one huge unterminated placeholder. */
  size_t big = 1u<<20;
  text = malloc(big + 1);
  ck_assert_ptr_nonnull(text);
  memset(text, '{', big);
  text[big] = 0;
  got = subst(text, &n);
  ck_assert_int_eq(n, 0);
  ck_assert(strcmp(got, text)==0);
  free(got);
  memset(text, 'a', big);
  text[0] = '{'; text[1] = '{';
  got = subst(text, &n);
  ck_assert(strcmp(got, text)==0);
  free(got);
  free(text);
}
END_TEST

START_TEST(t20_markdown_renders){
  char *z = subst("# Deploy {{release.version}}\n\nRun `make {{vars.version}}` and **check**.\n", NULL);
  char *html = markdown(z);
  ck_assert_ptr_nonnull(strstr(html, "<h1>Deploy 1.4.2</h1>"));
  ck_assert_ptr_nonnull(strstr(html, "<code>make v-from-vars</code>"));
  ck_assert_ptr_nonnull(strstr(html, "<strong>check</strong>"));
  free(html);
  free(z);
}
END_TEST

START_TEST(t21_markdown_value_cannot_inject_html){
  /* Substituted before rendering: a value with raw HTML must come out harmless. */
  char *z = subst("Image: {{vars.evil}}\n\n{{vars.evil}}\n\n<img src=x onerror=alert(1)>\n", NULL);
  char *html = markdown(z);
  ck_assert_ptr_null(strstr(html, "<script"));
  ck_assert_ptr_null(strstr(html, "<img"));
  ck_assert_ptr_nonnull(strstr(html, "raw HTML omitted"));
  free(html);
  free(z);
}
END_TEST

START_TEST(t22_markdown_value_cannot_inject_javascript_link){
  char *z = subst("See {{vars.evil_link}} and [y](JavaScript:alert(2)) and "
                  "[z](vbscript:x) and [d](data:text/html;base64,PHNjcmlwdD4=) and <javascript:alert(3)>\n", NULL);
  char *html = markdown(z);
  char *lower = strdup(html);
  ck_assert_ptr_nonnull(lower);
  for(char *p = lower; *p; p++) if( *p>='A' && *p<='Z' ) *p = (char)(*p + 32);
  ck_assert_ptr_null(strstr(lower, "href=\"javascript:"));
  ck_assert_ptr_null(strstr(lower, "href=\"vbscript:"));
  ck_assert_ptr_null(strstr(lower, "href=\"data:text/html"));
  ck_assert_ptr_nonnull(strstr(html, "href=\"\""));           /* cmark blanks unsafe links */
  free(lower);
  free(html);
  free(z);
}
END_TEST

START_TEST(t23_markdown_attribute_breakout){
  /* A value that tries to leave an attribute or the text stays escaped text. */
  static const struct vars_kv kv[] = { { "q", "\"><svg onload=alert(1)>" } };
  struct vars_release r = { .id = 1, .vars = kv, .nvars = 1 };
  struct buf b;
  buf_init(&b);
  vars_substitute("[link](https://example.com/?q={{vars.q}}) and {{vars.q}}\n", vars_release_lookup, &r, &b);
  char *html = markdown(b.z);
  ck_assert_ptr_null(strstr(html, "<svg"));
  ck_assert_ptr_null(strstr(html, "\"><"));
  free(html);
  buf_free(&b);
}
END_TEST

/* --------------------------------------------------------------- the suite */

static Suite *vars_suite(void){
  Suite *s = suite_create("vars");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, t01_release_fields);
  tcase_add_test(tc, t02_release_vars);
  tcase_add_test(tc, t03_outputs);
  tcase_add_test(tc, t04_spaces_inside_braces);
  tcase_add_test(tc, t05_unknown_placeholders_are_empty);
  tcase_add_test(tc, t06_count_of_known);
  tcase_add_test(tc, t07_unterminated);
  tcase_add_test(tc, t08_odd_and_nested_braces);
  tcase_add_test(tc, t09_values_are_not_rescanned);
  tcase_add_test(tc, t10_plain_text_and_null);
  tcase_add_test(tc, t11_null_strings_in_release);
  tcase_add_test(tc, t12_name_length_limit);
  tcase_add_test(tc, t13_lookup_sees_trimmed_name);
  tcase_add_test(tc, t14_very_long_input);
  tcase_add_test(tc, t20_markdown_renders);
  tcase_add_test(tc, t21_markdown_value_cannot_inject_html);
  tcase_add_test(tc, t22_markdown_value_cannot_inject_javascript_link);
  tcase_add_test(tc, t23_markdown_attribute_breakout);
  suite_add_tcase(s, tc);
  return s;
}

int main(void){
  SRunner *sr = srunner_create(vars_suite());
  int failed;
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed==0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

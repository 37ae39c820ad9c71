/* check_export.c — Check unit tests for the audit exports (cgi-src/services/export.c): CSV cells, the PDF text sanitiser, streamed rows. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "export.h"
#include "hp.h"
#include "db.h"
#include "app.h"
#include "audit.h"

/* ---------------------------------------------------------------- helpers */

/* The CSV field for z, as a string the test owns. */
static char *cell(const char *z){
  struct buf b;
  buf_init(&b);
  export_csv_cell(&b, z);
  char *out = strdup(b.z ? b.z : "");
  ck_assert_ptr_nonnull(out);
  buf_free(&b);
  return out;
}

static void cell_is(const char *in, const char *want){
  char *got = cell(in);
  ck_assert_msg(strcmp(got, want)==0, "cell(\"%s\") = \"%s\", want \"%s\"", in ? in : "(null)", got, want);
  free(got);
}

static void pdf_is(const char *in, const char *want){
  char out[256];
  size_t n = export_pdf_text(in, out, sizeof(out));
  ck_assert_uint_eq(n, strlen(want));
  ck_assert_msg(memcmp(out, want, n + 1)==0, "pdf_text(\"%s\") = \"%s\", want \"%s\"", in, out, want);
}

/* Gathers what a writer receives; can be told to refuse after some calls. */
struct sink {
  struct buf b;
  int calls;
  int refuse_after;        /* 0 = never */
};

static int sink_write(void *ctx, const char *z, size_t n){
  struct sink *s = ctx;
  s->calls++;
  if( s->refuse_after && s->calls > s->refuse_after ) return -1;
  buf_append(&s->b, z, n);
  return 0;
}

/* A fresh database in a temporary directory, migrated, with an audit key. */
static struct db *fresh_db(struct app *a, char *dir, size_t n){
  snprintf(dir, n, "/tmp/check_export_XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(dir));
  memset(a, 0, sizeof(*a));
  snprintf(a->cfg.data_dir, sizeof(a->cfg.data_dir), "%s", dir);
  char path[4200], sql[4200];
  snprintf(path, sizeof(path), "%s/keys", dir);
  ck_assert_int_eq(mkdir(path, 0700), 0);
  snprintf(path, sizeof(path), "%s/holdpoint.db", dir);
  ck_assert_int_eq(db_open(path, &a->db), 0);
  const char *root = getenv("HOLDPOINT_ROOT");
  snprintf(sql, sizeof(sql), "%s/sql", root ? root : ".");
  ck_assert_int_eq(db_migrate(a->db, sql, 0), 0);
  return a->db;
}

static void remove_dir(const char *dir){
  char cmd[4300];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  ck_assert_int_eq(system(cmd), 0);
}

/* Append n audit rows through the one writer, alternating two actions and releases. */
static void add_rows(struct app *a, int n){
  struct audit_ctx c;
  memset(&c, 0, sizeof(c));
  c.actor_name = "carol";
  c.ip = "192.0.2.7";
  c.session_hash = "abcdef0123456789";
  c.user_agent = "=HYPERLINK(\"http://evil.example\")";
  c.request_id = "req";
  ck_assert_int_eq(db_begin_write(a->db), 0);
  for(int i=0; i<n; i++){
    ck_assert_int_eq(audit_append(a, &c, i%2 ? "auth.login" : "release.start", "release", 0, i%2 ? 0 : 7,
                                  "{s:i,s:s}", "i", i, "note", "comma, \"quote\"\nnew line"), 0);
  }
  ck_assert_int_eq(db_commit(a->db), 0);
}

/* How many CRLF line ends z has. */
static int count_crlf(const char *z){
  int n = 0;
  for(const char *p = z; (p = strstr(p, "\r\n")); p += 2) n++;
  return n;
}

/* ---------------------------------------------------------------- CSV cells */

START_TEST(t01_plain_and_empty){
  cell_is("hello", "hello");
  cell_is("", "");
  cell_is(NULL, "");
  cell_is("a b c", "a b c");
  cell_is("42", "42");
}
END_TEST

START_TEST(t02_formula_characters_are_neutralised){
  cell_is("=1+2", "'=1+2");
  cell_is("+1+2", "'+1+2");
  cell_is("-1+2", "'-1+2");
  cell_is("@SUM(A1:A2)", "'@SUM(A1:A2)");
  cell_is("\tx", "'\tx");
  cell_is("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0");
  /* CR needs quoting too: the guard goes inside the quotes */
  cell_is("\rx", "\"'\rx\"");
  /* only the first character counts */
  cell_is("a=1", "a=1");
  cell_is("1-2", "1-2");
  cell_is(" =1", " =1");
}
END_TEST

START_TEST(t03_quotes_commas_newlines){
  cell_is("say \"hi\"", "\"say \"\"hi\"\"\"");
  cell_is("\"", "\"\"\"\"");
  cell_is("a,b", "\"a,b\"");
  cell_is("line1\nline2", "\"line1\nline2\"");
  cell_is("line1\r\nline2", "\"line1\r\nline2\"");
  cell_is("=\"x\",y", "\"'=\"\"x\"\",y\"");
  cell_is("-\n", "\"'-\n\"");
}
END_TEST

START_TEST(t04_utf8_passes_invalid_bytes_replaced){
  cell_is("Zürich — 日本 😀", "Zürich — 日本 😀");
  cell_is("a\xff" "b", "a\xEF\xBF\xBD" "b");
  cell_is("\xC0\xAF", "\xEF\xBF\xBD\xEF\xBF\xBD");              /* overlong '/' */
  cell_is("\xED\xA0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  /* a surrogate */
  cell_is("\xE6\x97", "\xEF\xBF\xBD\xEF\xBF\xBD");                /* cut short at the end */
  cell_is("\xff\"", "\"\xEF\xBF\xBD\"\"\"");
}
END_TEST

/* ---------------------------------------------------------------- PDF text */

START_TEST(t10_pdf_text_latin1_passes){
  pdf_is("Release 1.2.3 ok", "Release 1.2.3 ok");
  pdf_is("Zürich Ångström ÿ ©", "Z\xFCrich \xC5ngstr\xF6m \xFF \xA9");
  pdf_is("", "");
}
END_TEST

START_TEST(t11_pdf_text_windows_1252_extras){
  pdf_is("€ “quoted” – — … •", "\x80 \x93quoted\x94 \x96 \x97 \x85 \x95");
  pdf_is("Œuvre ™ ‰", "\x8Cuvre \x99 \x89");
}
END_TEST

START_TEST(t12_pdf_text_not_representable_becomes_question_mark){
  pdf_is("日本語", "???");
  pdf_is("a😀b", "a?b");
  pdf_is("Ωmega ł", "?mega ?");
  pdf_is("\xff\xfe", "??");                  /* not UTF-8: one '?' per byte */
  pdf_is("\xE6\x97", "??");                  /* cut-short sequence */
  pdf_is("x\x01y\x7f" "z", "x?y?z");          /* control characters */
  pdf_is("\xC2\x85", "?");                   /* C1 control U+0085 */
  pdf_is("tab\there\rcr\nnl", "tab here cr\nnl");
}
END_TEST

START_TEST(t13_pdf_text_bounds){
  char out[4];
  ck_assert_uint_eq(export_pdf_text("abcdef", out, sizeof(out)), 3);
  ck_assert_str_eq(out, "abc");
  ck_assert_uint_eq(export_pdf_text("日本語日本語", out, sizeof(out)), 3);
  ck_assert_str_eq(out, "???");
  char one[1] = { 'x' };
  ck_assert_uint_eq(export_pdf_text("abc", one, 1), 0);
  ck_assert_int_eq(one[0], 0);
  ck_assert_uint_eq(export_pdf_text("abc", one, 0), 0);
  ck_assert_uint_eq(export_pdf_text(NULL, out, sizeof(out)), 0);
}
END_TEST

/* ---------------------------------------------------------------- filters */

START_TEST(t20_filter_sql_has_no_values){
  struct export_filter f;
  struct buf b;
  memset(&f, 0, sizeof(f));
  buf_init(&b);
  export_filter_sql(&f, &b);
  ck_assert_uint_eq(b.len, 0);
  f.user = "x' OR 1=1 --";
  f.action = "auth.";
  f.ip = "1.2.3.4";
  f.release_id = 5;
  f.from_ms = 1;
  f.until_ms = 2;
  export_filter_sql(&f, &b);
  ck_assert_ptr_null(strstr(b.z, "OR 1=1"));
  ck_assert_ptr_nonnull(strstr(b.z, ":user"));
  ck_assert_ptr_nonnull(strstr(b.z, ":action_end"));
  buf_free(&b);
  json_t *j = export_filter_json(&f);
  ck_assert_ptr_nonnull(j);
  ck_assert_str_eq(json_string_value(json_object_get(j, "user")), "x' OR 1=1 --");
  ck_assert_int_eq(json_integer_value(json_object_get(j, "release")), 5);
  ck_assert_str_eq(json_string_value(json_object_get(j, "from")), "1970-01-01");
  json_decref(j);
}
END_TEST

/* ---------------------------------------------------------------- streamed exports */

START_TEST(t30_csv_export_rows_and_filters){
  struct app a;
  char dir[64];
  struct export_filter f;
  struct sink s;
  int64_t n = -1;
  fresh_db(&a, dir, sizeof(dir));
  add_rows(&a, 10);
  memset(&f, 0, sizeof(f));
  memset(&s, 0, sizeof(s));
  buf_init(&s.b);
  ck_assert_int_eq(export_audit(a.db, &f, EXPORT_CSV, sink_write, &s, &n), HP_OK);
  ck_assert_int_eq(n, 10);
  ck_assert_ptr_nonnull(strstr(s.b.z, "seq,time_utc,actor_id,actor,"));
  ck_assert_int_eq(strncmp(s.b.z, "seq,", 4), 0);
  /* the user agent starts with '=': neutralised inside its quotes */
  ck_assert_ptr_nonnull(strstr(s.b.z, ",\"'=HYPERLINK(\"\"http://evil.example\"\")\","));
  ck_assert_int_ge(count_crlf(s.b.z), 11);
  /* oldest first */
  char *r1 = strstr(s.b.z, "\r\n1,"), *r2 = strstr(s.b.z, "\r\n2,");
  ck_assert(r1 && r2 && r1 < r2);
  /* filter: one action, one release */
  buf_reset(&s.b);
  f.action = "release.start";
  ck_assert_int_eq(export_audit(a.db, &f, EXPORT_CSV, sink_write, &s, &n), HP_OK);
  ck_assert_int_eq(n, 5);
  f.action = "auth.";
  ck_assert_int_eq(export_audit(a.db, &f, EXPORT_CSV, sink_write, &s, &n), HP_OK);
  ck_assert_int_eq(n, 5);
  f.action = "auth";                        /* a bare word is an exact action: none */
  ck_assert_int_eq(export_audit(a.db, &f, EXPORT_CSV, sink_write, &s, &n), HP_OK);
  ck_assert_int_eq(n, 0);
  f.action = NULL;
  f.release_id = 7;
  ck_assert_int_eq(export_audit(a.db, &f, EXPORT_CSV, sink_write, &s, &n), HP_OK);
  ck_assert_int_eq(n, 5);
  f.release_id = 0;
  f.user = "nobody";
  ck_assert_int_eq(export_audit(a.db, &f, EXPORT_CSV, sink_write, &s, &n), HP_OK);
  ck_assert_int_eq(n, 0);
  f.user = "carol";                         /* no account: matched by the recorded name */
  ck_assert_int_eq(export_audit(a.db, &f, EXPORT_CSV, sink_write, &s, &n), HP_OK);
  ck_assert_int_eq(n, 10);
  ck_assert_int_eq(db_exec(a.db, "INSERT INTO users(id,username,display_name,email,password_hash,created_at)"
                                 " VALUES(3,'carol','Carol','c@x','-',0)"), 0);
  ck_assert_int_eq(export_audit(a.db, &f, EXPORT_CSV, sink_write, &s, &n), HP_OK);
  ck_assert_int_eq(n, 0);                   /* an account: its own records (actor_id 3), none here */
  buf_free(&s.b);
  db_close(a.db);
  remove_dir(dir);
}
END_TEST

START_TEST(t31_jsonl_export_parses){
  struct app a;
  char dir[64];
  struct export_filter f;
  struct sink s;
  int64_t n = -1;
  fresh_db(&a, dir, sizeof(dir));
  add_rows(&a, 3);
  memset(&f, 0, sizeof(f));
  memset(&s, 0, sizeof(s));
  buf_init(&s.b);
  ck_assert_int_eq(export_audit(a.db, &f, EXPORT_JSONL, sink_write, &s, &n), HP_OK);
  ck_assert_int_eq(n, 3);
  int lines = 0;
  for(char *line = s.b.z, *nl; line && *line; line = nl + 1){
    nl = strchr(line, '\n');
    ck_assert_ptr_nonnull(nl);
    json_error_t err;
    json_t *j = json_loadb(line, (size_t)(nl - line), 0, &err);
    ck_assert_msg(j!=NULL, "line %d: %s", lines + 1, err.text);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "seq")), lines + 1);
    ck_assert_str_eq(json_string_value(json_object_get(j, "actor")), "carol");
    ck_assert(json_is_object(json_object_get(j, "details")));
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "details"), "i")), lines);
    ck_assert_uint_eq(strlen(json_string_value(json_object_get(j, "hash"))), 64);
    ck_assert(json_is_null(json_object_get(j, "actor_id")));
    json_decref(j);
    lines++;
  }
  ck_assert_int_eq(lines, 3);
  buf_free(&s.b);
  db_close(a.db);
  remove_dir(dir);
}
END_TEST

START_TEST(t32_export_streams_in_bounded_pieces_and_stops){
  struct app a;
  char dir[64];
  struct export_filter f;
  struct sink s;
  int64_t n = -1;
  fresh_db(&a, dir, sizeof(dir));
  add_rows(&a, 2000);
  memset(&f, 0, sizeof(f));
  memset(&s, 0, sizeof(s));
  buf_init(&s.b);
  ck_assert_int_eq(export_audit(a.db, &f, EXPORT_CSV, sink_write, &s, &n), HP_OK);
  ck_assert_int_eq(n, 2000);
  ck_assert_int_gt(s.calls, 5);                        /* written as it goes, not at the end */
  ck_assert_int_lt((int)(s.b.len / (size_t)s.calls), 64 * 1024);
  /* the reader goes away: the export stops with an error */
  buf_reset(&s.b);
  s.calls = 0;
  s.refuse_after = 2;
  ck_assert_int_eq(export_audit(a.db, &f, EXPORT_JSONL, sink_write, &s, &n), HP_ERROR);
  ck_assert_int_lt(n, 2000);
  ck_assert_int_eq(s.calls, 3);
  buf_free(&s.b);
  db_close(a.db);
  remove_dir(dir);
}
END_TEST

/* ---------------------------------------------------------------- the PDF report */

START_TEST(t40_pdf_report_missing_release_and_odd_text){
  struct app a;
  char dir[64];
  struct sink s;
  fresh_db(&a, dir, sizeof(dir));
  memset(&s, 0, sizeof(s));
  buf_init(&s.b);
  ck_assert_int_eq(export_pdf_release(&a, 99, "0:x", "tester", NULL, sink_write, &s), HP_NOT_FOUND);
  ck_assert_uint_eq(s.b.len, 0);
  /* a release whose texts are in other scripts, with a signed decision */
  ck_assert_int_eq(db_exec(a.db,
    "INSERT INTO users(id,username,display_name,email,password_hash,created_at) VALUES(1,'u','Юлия 😀','u@x','-',0);"
    "INSERT INTO templates(id,name,version,source_yaml,created_at) VALUES(1,'t',1,'',0);"
    "INSERT INTO releases(id,template_id,name,version,status,started_by,created_at) VALUES(1,1,'発表 € release','1.0','running',1,1000);"
    "INSERT INTO phases(id,release_id,position,name,status) VALUES(1,1,0,'qa','running');"
    "INSERT INTO activities(id,release_id,phase_id,position,name,kind,status) VALUES(1,1,1,0,'ok','approval','completed');"
    "INSERT INTO decisions(activity_id,round,user_id,actor_id,decision,comment,signed,signature_name,signature_meaning,at)"
    " VALUES(1,1,1,1,'approve','" "\xE2\x9C\x93 long comment long comment long comment long comment long comment long comment "
    "long comment long comment long comment long comment long comment long comment unbrokenwordunbrokenwordunbrokenwordunbrokenword"
    "unbrokenwordunbrokenwordunbrokenwordunbrokenwordunbrokenwordunbrokenword',1,'Юлия Printed','Approved',2000);"), 0);
  ck_assert_int_eq(export_pdf_release(&a, 1, "3:abc", "tester", NULL, sink_write, &s), HP_OK);
  ck_assert_uint_gt(s.b.len, 500);
  ck_assert_int_eq(memcmp(s.b.z, "%PDF-", 5), 0);
  ck_assert_ptr_nonnull(strstr(s.b.z + s.b.len - 16, "%%EOF"));   /* the PDF ends with its trailer */
  buf_free(&s.b);
  db_close(a.db);
  remove_dir(dir);
}
END_TEST

/* ---------------------------------------------------------------- the suite */

static Suite *export_suite(void){
  Suite *s = suite_create("export");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, t01_plain_and_empty);
  tcase_add_test(tc, t02_formula_characters_are_neutralised);
  tcase_add_test(tc, t03_quotes_commas_newlines);
  tcase_add_test(tc, t04_utf8_passes_invalid_bytes_replaced);
  tcase_add_test(tc, t10_pdf_text_latin1_passes);
  tcase_add_test(tc, t11_pdf_text_windows_1252_extras);
  tcase_add_test(tc, t12_pdf_text_not_representable_becomes_question_mark);
  tcase_add_test(tc, t13_pdf_text_bounds);
  tcase_add_test(tc, t20_filter_sql_has_no_values);
  tcase_add_test(tc, t30_csv_export_rows_and_filters);
  tcase_add_test(tc, t31_jsonl_export_parses);
  tcase_add_test(tc, t32_export_streams_in_bounded_pieces_and_stops);
  tcase_add_test(tc, t40_pdf_report_missing_release_and_odd_text);
  suite_add_tcase(s, tc);
  return s;
}

int main(void){
  SRunner *sr = srunner_create(export_suite());
  int failed;
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed==0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

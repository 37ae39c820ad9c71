/* check_inputs.c — Check unit tests for field validation (cgi-src/core/inputs.c) and the pure upload rules (cgi-src/services/evidence.c). */
#define _POSIX_C_SOURCE 200809L

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "inputs.h"
#include "mayact.h"
#include "evidence.h"
#include "app.h"
#include "audit.h"
#include "db.h"
#include "req.h"

/* ---------------------------------------------------------------- helpers */

static struct arena A;
static char MSG[400];

static void setup(void){ arena_init(&A); }
static void teardown(void){ arena_free(&A); }

/* A field of the given type and rules; the test fails if it does not parse. */
static struct inputs_field field(const char *type, int required, const char *rules){
  struct inputs_field f;
  ck_assert_int_eq(inputs_field_parse(&A, &f, "k", "Label", type, required, NULL, rules), 0);
  return f;
}

/* inputs_check, keeping the message in MSG; a valid value must leave no message. */
static int check(const struct inputs_field *f, const char *value){
  int ok = inputs_check(f, value, MSG, sizeof(MSG));
  if( ok ) ck_assert_str_eq(MSG, "");
  else ck_assert_uint_gt(strlen(MSG), 5);
  return ok;
}

static int contains(const char *hay, const char *needle){
  return strstr(hay, needle)!=NULL;
}

/* ---------------------------------------------------------------- fields */

START_TEST(t01_parse_rules){
  struct inputs_field f;
  ck_assert_int_eq(inputs_field_parse(&A, &f, "ticket", "Ticket", "text", 1, "The change ticket",
    "{\"min_length\":3,\"max_length\":40,\"pattern\":\"^[A-Z]+-[0-9]+$\"}"), 0);
  ck_assert_str_eq(f.key, "ticket");
  ck_assert_str_eq(f.label, "Ticket");
  ck_assert_str_eq(f.help, "The change ticket");
  ck_assert_int_eq(f.type, INPUTS_TEXT);
  ck_assert_int_eq(f.required, 1);
  ck_assert_int_eq(f.min_length, 3);
  ck_assert_int_eq(f.max_length, 40);
  ck_assert_str_eq(f.pattern, "^[A-Z]+-[0-9]+$");
  ck_assert_int_eq(inputs_field_parse(&A, &f, "n", "N", "number", 0, "", "{\"min\":0,\"max\":99.5}"), 0);
  ck_assert_ptr_null(f.help);
  ck_assert(f.has_min && f.has_max && f.min==0 && f.max==99.5);
  ck_assert_int_eq(f.min_length, -1);
  ck_assert_int_eq(inputs_field_parse(&A, &f, "s", "S", "select", 1, NULL, "{\"options\":[\"low\",\"medium\",\"high\"]}"), 0);
  ck_assert_uint_eq(f.noptions, 3);
  ck_assert_str_eq(f.options[2], "high");
  ck_assert_int_eq(inputs_field_parse(&A, &f, "r", "R", "file", 1, NULL,
    "{\"accept\":[\"application/pdf\",\"text/plain\"],\"max_size\":20971520}"), 0);
  ck_assert_uint_eq(f.naccept, 2);
  ck_assert_str_eq(f.accept[0], "application/pdf");
  ck_assert_int_eq(f.max_size, 20971520);
  ck_assert_int_eq(inputs_field_parse(&A, &f, "e", "E", "textarea", 0, NULL, NULL), 0);
  ck_assert_int_eq(inputs_field_parse(&A, &f, "e", "E", "textarea", 0, NULL, "{}"), 0);
}
END_TEST

/* Rules read again are answered from the worker's copy: the same values after the arena of the
** first reading is gone; a malformed text is refused every time; past the kept texts, still read. */
START_TEST(t01b_parse_rules_again){
  const char *rules = "{\"options\":[\"none\",\"low only\"],\"pattern\":\"^[a-z ]+$\",\"min_length\":2}";
  struct arena a1;
  struct inputs_field f;
  arena_init(&a1);
  ck_assert_int_eq(inputs_field_parse(&a1, &f, "risk", "Risk", "select", 1, NULL, rules), 0);
  ck_assert_str_eq(f.options[1], "low only");
  ((char*)f.options[1])[0] = 'X';                  /* the caller's copy only */
  arena_free(&a1);
  for(int i=0; i<2; i++){
    ck_assert_int_eq(inputs_field_parse(&A, &f, i ? "other" : "risk", "R", "select", 0, NULL, rules), 0);
    ck_assert_str_eq(f.key, i ? "other" : "risk");
    ck_assert_int_eq(f.required, 0);
    ck_assert_uint_eq(f.noptions, 2);
    ck_assert_str_eq(f.options[0], "none");
    ck_assert_str_eq(f.options[1], "low only");
    ck_assert_str_eq(f.pattern, "^[a-z ]+$");
    ck_assert_int_eq(f.min_length, 2);
    ck_assert_int_eq(f.max_length, -1);
    ck_assert(!f.has_min && !f.has_max);
  }
  for(int i=0; i<2; i++) ck_assert_int_eq(inputs_field_parse(&A, &f, "k", "L", "text", 0, NULL, "{\"pattern\":7}"), -1);
  char text[80];
  for(int i=0; i<300; i++){
    snprintf(text, sizeof(text), "{\"max_length\":%d,\"accept\":[\"text/plain\"]}", 1000 + i);
    for(int again=0; again<2; again++){
      ck_assert_int_eq(inputs_field_parse(&A, &f, "k", "L", "file", 0, NULL, text), 0);
      ck_assert_int_eq(f.max_length, 1000 + i);
      ck_assert_uint_eq(f.naccept, 1);
      ck_assert_str_eq(f.accept[0], "text/plain");
    }
  }
}
END_TEST

START_TEST(t02_parse_refuses_bad_rows){
  struct inputs_field f;
  ck_assert_int_eq(inputs_field_parse(&A, &f, "k", "L", "date", 0, NULL, "{}"), -1);
  ck_assert_int_eq(inputs_field_parse(&A, &f, "k", "L", NULL, 0, NULL, "{}"), -1);
  ck_assert_int_eq(inputs_field_parse(&A, &f, "k", "L", "text", 0, NULL, "[1]"), -1);
  ck_assert_int_eq(inputs_field_parse(&A, &f, "k", "L", "text", 0, NULL, "{nope"), -1);
  ck_assert_int_eq(inputs_field_parse(&A, &f, "k", "L", "text", 0, NULL, "{\"min_length\":\"3\"}"), -1);
  ck_assert_int_eq(inputs_field_parse(&A, &f, "k", "L", "text", 0, NULL, "{\"max_length\":-1}"), -1);
  ck_assert_int_eq(inputs_field_parse(&A, &f, "k", "L", "text", 0, NULL, "{\"pattern\":5}"), -1);
  ck_assert_int_eq(inputs_field_parse(&A, &f, "k", "L", "number", 0, NULL, "{\"min\":\"0\"}"), -1);
  ck_assert_int_eq(inputs_field_parse(&A, &f, "k", "L", "select", 0, NULL, "{\"options\":\"low\"}"), -1);
  ck_assert_int_eq(inputs_field_parse(&A, &f, "k", "L", "select", 0, NULL, "{\"options\":[1]}"), -1);
  ck_assert_int_eq(inputs_field_parse(&A, &f, "k", "L", "file", 0, NULL, "{\"max_size\":1.5}"), -1);
  ck_assert_int_eq(inputs_field_parse(&A, &f, "k", "L", "text", 0, NULL, "{\"a\":1,\"a\":2}"), -1);
  for(int t=0; t<6; t++){
    static const char *names[] = { "text", "textarea", "number", "checkbox", "select", "file" };
    ck_assert_int_eq(inputs_type_parse(names[t]), t);
  }
  ck_assert_int_eq(inputs_type_parse("Text"), -1);
  ck_assert_int_eq(inputs_type_parse(NULL), -1);
}
END_TEST

START_TEST(t10_required_text){
  struct inputs_field f = field("text", 1, "{}");
  ck_assert(!check(&f, NULL));
  ck_assert_str_eq(MSG, "This field is required.");
  ck_assert(!check(&f, ""));
  ck_assert(check(&f, "x"));
  struct inputs_field o = field("text", 0, "{\"min_length\":3,\"pattern\":\"^[0-9]+$\"}");
  ck_assert(check(&o, NULL));          /* an empty optional field skips the other rules */
  ck_assert(check(&o, ""));
  ck_assert(!check(&o, "12"));
  ck_assert(check(&o, "123"));
}
END_TEST

START_TEST(t11_lengths_count_utf8_characters){
  struct inputs_field f = field("text", 1, "{\"min_length\":3,\"max_length\":5}");
  ck_assert(!check(&f, "ab"));
  ck_assert(contains(MSG, "at least 3"));
  ck_assert(contains(MSG, "you used 2"));
  ck_assert(check(&f, "abc"));
  ck_assert(check(&f, "abcde"));
  ck_assert(!check(&f, "abcdef"));
  ck_assert(contains(MSG, "at most 5"));
  /* "héllo": 5 characters, 6 bytes; "日本語": 3 characters, 9 bytes; emoji: 4 bytes each */
  ck_assert(check(&f, "h\xc3\xa9llo"));
  ck_assert(check(&f, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"));
  ck_assert(!check(&f, "\xf0\x9f\x98\x80\xf0\x9f\x98\x80"));               /* 2 characters */
  ck_assert(check(&f, "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80"));
  ck_assert(!check(&f, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"));  /* 6 characters, 12 bytes */
  ck_assert_uint_eq(util_utf8_chars(""), 0);
  ck_assert_uint_eq(util_utf8_chars("h\xc3\xa9llo"), 5);
  ck_assert_uint_eq(util_utf8_chars("\xf0\x9f\x98\x80"), 1);
}
END_TEST

START_TEST(t12_default_length_ceilings){
  struct inputs_field t = field("text", 0, "{}"), ta = field("textarea", 0, "{}");
  char *big = malloc(INPUTS_TEXTAREA_MAX + 2);
  ck_assert_ptr_nonnull(big);
  memset(big, 'a', INPUTS_TEXT_MAX);
  big[INPUTS_TEXT_MAX] = 0;
  ck_assert(check(&t, big));
  memset(big, 'a', INPUTS_TEXT_MAX + 1);
  big[INPUTS_TEXT_MAX + 1] = 0;
  ck_assert(!check(&t, big));
  ck_assert(check(&ta, big));
  memset(big, 'a', INPUTS_TEXTAREA_MAX + 1);
  big[INPUTS_TEXTAREA_MAX + 1] = 0;
  ck_assert(!check(&ta, big));
  free(big);
}
END_TEST

START_TEST(t13_pattern_is_anchored_as_written){
  struct inputs_field f = field("text", 1, "{\"pattern\":\"^[A-Z]+-[0-9]+$\"}");
  ck_assert(check(&f, "REL-42"));
  ck_assert(!check(&f, "rel-42"));
  ck_assert(contains(MSG, "^[A-Z]+-[0-9]+$"));
  ck_assert(!check(&f, "REL-42 "));
  ck_assert(!check(&f, "xREL-42"));
  struct inputs_field u = field("text", 1, "{\"pattern\":\"[0-9]{3}\"}");   /* unanchored: matches anywhere */
  ck_assert(check(&u, "abc123def"));
  ck_assert(!check(&u, "ab12"));
  struct inputs_field alt = field("text", 1, "{\"pattern\":\"^(yes|no)$\"}");   /* ERE syntax */
  ck_assert(check(&alt, "no"));
  ck_assert(!check(&alt, "maybe"));
  struct inputs_field bad = field("text", 1, "{\"pattern\":\"([\"}");   /* refused by the template, but never crashes */
  ck_assert(!check(&bad, "x"));
}
END_TEST

START_TEST(t14_text_controls){
  struct inputs_field t = field("text", 0, "{}"), ta = field("textarea", 0, "{}");
  ck_assert(!check(&t, "two\nlines"));
  ck_assert(!check(&t, "cr\rhere"));
  ck_assert(!check(&t, "tab\there"));
  ck_assert(!check(&t, "bell\x07"));
  ck_assert(!check(&t, "del\x7f"));
  ck_assert(check(&ta, "two\r\nlines\tand a tab"));
  ck_assert(!check(&ta, "esc\x1b[31m"));
}
END_TEST

START_TEST(t20_numbers){
  double d;
  static const char *good[] = { "0", "42", "-3", "0.75", "-0.5", "100", "007", "12345678901234567890" };
  static const char *bad[] = { "", "-", "+1", "1.", ".5", "1e3", "1,5", " 1", "1 ", "0x10", "nan", "inf",
                               "1.2.3", "--1", "1-", "one" };
  for(size_t i=0; i<sizeof(good)/sizeof(good[0]); i++) ck_assert_msg(inputs_parse_number(good[i], &d), "%s", good[i]);
  for(size_t i=0; i<sizeof(bad)/sizeof(bad[0]); i++) ck_assert_msg(!inputs_parse_number(bad[i], &d), "%s", bad[i]);
  ck_assert(inputs_parse_number("-0.25", &d) && d==-0.25);
  char longnum[INPUTS_NUMBER_MAX + 2];
  memset(longnum, '1', sizeof(longnum)-1);
  longnum[sizeof(longnum)-1] = 0;
  ck_assert(!inputs_parse_number(longnum, &d));
  longnum[INPUTS_NUMBER_MAX] = 0;
  ck_assert(inputs_parse_number(longnum, &d));
}
END_TEST

START_TEST(t21_number_ranges){
  struct inputs_field f = field("number", 1, "{\"min\":0,\"max\":100}");
  ck_assert(check(&f, "0"));
  ck_assert(check(&f, "100"));
  ck_assert(check(&f, "99.99"));
  ck_assert(!check(&f, "-0.01"));
  ck_assert(contains(MSG, "from 0 to 100"));
  ck_assert(!check(&f, "100.5"));
  ck_assert(!check(&f, "abc"));
  ck_assert(contains(MSG, "number"));
  ck_assert(!check(&f, NULL));
  ck_assert_str_eq(MSG, "This field is required.");
  struct inputs_field lo = field("number", 0, "{\"min\":-1.5}"), hi = field("number", 0, "{\"max\":0.5}");
  ck_assert(check(&lo, "-1.5"));
  ck_assert(!check(&lo, "-2"));
  ck_assert(contains(MSG, "at least -1.5"));
  ck_assert(check(&hi, "0.5"));
  ck_assert(!check(&hi, "0.51"));
  ck_assert(contains(MSG, "at most 0.5"));
  ck_assert(check(&hi, ""));
}
END_TEST

START_TEST(t30_select){
  struct inputs_field f = field("select", 1, "{\"options\":[\"low\",\"medium\",\"high\"]}");
  ck_assert(check(&f, "low"));
  ck_assert(check(&f, "high"));
  ck_assert(!check(&f, "extreme"));
  ck_assert(!check(&f, "Low"));
  ck_assert(!check(&f, "low "));
  ck_assert(!check(&f, NULL));
  ck_assert_str_eq(MSG, "Choose one of the options.");
  struct inputs_field o = field("select", 0, "{\"options\":[\"a\"]}");
  ck_assert(check(&o, ""));
  ck_assert(!check(&o, "b"));
}
END_TEST

START_TEST(t31_checkbox){
  struct inputs_field req = field("checkbox", 1, "{}"), opt = field("checkbox", 0, "{}");
  ck_assert(check(&req, "on"));
  ck_assert(!check(&req, NULL));
  ck_assert(contains(MSG, "Tick"));
  ck_assert(!check(&req, ""));
  ck_assert(!check(&req, "yes"));
  ck_assert(!check(&req, "off"));
  ck_assert(check(&opt, NULL));
  ck_assert(check(&opt, ""));
  ck_assert(check(&opt, "on"));
  ck_assert(!check(&opt, "true"));
}
END_TEST

START_TEST(t32_file_fields){
  struct inputs_field req = field("file", 1, "{\"accept\":[\"application/pdf\"]}"), opt = field("file", 0, "{}");
  ck_assert(!inputs_check_files(&req, 0, MSG, sizeof(MSG)));
  ck_assert(contains(MSG, "Upload"));
  ck_assert(inputs_check_files(&req, 1, MSG, sizeof(MSG)));
  ck_assert(inputs_check_files(&req, 3, MSG, sizeof(MSG)));
  ck_assert(inputs_check_files(&opt, 0, MSG, sizeof(MSG)));
  ck_assert(!check(&req, "anything"));       /* a file's value is never typed in */
}
END_TEST

/* ---------------------------------------------------------------- file names */

static const char *san(const char *in){
  static char out[EVIDENCE_NAME_BUF];
  size_t n = evidence_sanitize_name(in, out, sizeof(out));
  ck_assert_uint_eq(n, strlen(out));
  return out;
}

START_TEST(t40_name_path_components){
  ck_assert_str_eq(san("report.pdf"), "report.pdf");
  ck_assert_str_eq(san("../../etc/passwd"), "passwd");
  ck_assert_str_eq(san("..\\..\\windows\\system32\\cmd.exe"), "cmd.exe");
  ck_assert_str_eq(san("C:\\Users\\bob\\report.pdf"), "report.pdf");
  ck_assert_str_eq(san("/abs/path/x.txt"), "x.txt");
  ck_assert_str_eq(san(".."), "unnamed");
  ck_assert_str_eq(san("."), "unnamed");
  ck_assert_str_eq(san("..."), "unnamed");
  ck_assert_str_eq(san("a/.."), "unnamed");
  ck_assert_str_eq(san(""), "unnamed");
  ck_assert_str_eq(san(NULL), "unnamed");
  ck_assert_str_eq(san("dir/"), "unnamed");
  ck_assert_str_eq(san(".hidden"), ".hidden");
}
END_TEST

START_TEST(t41_name_controls){
  ck_assert_str_eq(san("a\r\nb.txt"), "ab.txt");
  ck_assert_str_eq(san("tab\there.txt"), "tabhere.txt");
  ck_assert_str_eq(san("del\x7f.txt"), "del.txt");
  ck_assert_str_eq(san("c1\xc2\x85\xc2\x9b.txt"), "c1.txt");                 /* NEL, CSI */
  ck_assert_str_eq(san("  spaced name.pdf  "), "spaced name.pdf");
  ck_assert_str_eq(san("\r\n"), "unnamed");
  /* a right-to-left override (U+202E) that would show "report<RLO>fdp.exe" as "reportexe.pdf" */
  ck_assert_str_eq(san("report\xe2\x80\xae" "fdp.exe"), "reportfdp.exe");
  ck_assert_str_eq(san("\xef\xbb\xbf" "bom.txt"), "bom.txt");
  /* a NUL ends the C string: what follows it is never seen */
  char withnul[] = "evil.pdf\0.exe";
  ck_assert_str_eq(san(withnul), "evil.pdf");
  /* a percent-encoded NUL is just three characters */
  ck_assert_str_eq(san("a%00b.txt"), "a%00b.txt");
}
END_TEST

START_TEST(t42_name_unicode_and_bad_utf8){
  ck_assert_str_eq(san("r\xc3\xa9sum\xc3\xa9.pdf"), "r\xc3\xa9sum\xc3\xa9.pdf");
  ck_assert_str_eq(san("\xe6\x8a\xa5\xe5\x91\x8a.pdf"), "\xe6\x8a\xa5\xe5\x91\x8a.pdf");
  ck_assert_str_eq(san("\xf0\x9f\x93\x84.txt"), "\xf0\x9f\x93\x84.txt");
  ck_assert_str_eq(san("bad\xff\xfe.txt"), "bad.txt");
  ck_assert_str_eq(san("over\xc0\xaflong.txt"), "overlong.txt");               /* overlong '/' */
  ck_assert_str_eq(san("sur\xed\xa0\x80.txt"), "sur.txt");                      /* a surrogate */
  ck_assert_str_eq(san("cut\xe6\x8a"), "cut");                                  /* truncated sequence */
}
END_TEST

START_TEST(t43_name_length){
  char in[1200], *p = in;
  for(int i=0; i<300; i++) *p++ = 'a';
  strcpy(p, ".pdf");
  const char *o = san(in);
  ck_assert_uint_eq(util_utf8_chars(o), EVIDENCE_NAME_MAX);
  ck_assert_uint_eq(strlen(o), EVIDENCE_NAME_MAX);
  ck_assert(strcmp(o + strlen(o) - 4, ".pdf")==0);          /* the extension survives */
  /* 300 three-byte characters: cut at a character boundary */
  p = in;
  for(int i=0; i<300; i++){ memcpy(p, "\xe6\x97\xa5", 3); p += 3; }
  *p = 0;
  o = san(in);
  ck_assert_uint_eq(util_utf8_chars(o), EVIDENCE_NAME_MAX);
  ck_assert_uint_eq(strlen(o), 3*EVIDENCE_NAME_MAX);
  /* an "extension" longer than 16 characters is just cut */
  p = in;
  for(int i=0; i<150; i++) *p++ = 'a';
  *p++ = '.';
  for(int i=0; i<150; i++) *p++ = 'b';
  *p = 0;
  o = san(in);
  ck_assert_uint_eq(strlen(o), EVIDENCE_NAME_MAX);
  ck_assert_int_eq(o[EVIDENCE_NAME_MAX-1], 'b');
  ck_assert_int_eq(o[149], 'a');
  /* exactly 200 is kept whole */
  memset(in, 'z', 200);
  in[200] = 0;
  ck_assert_str_eq(san(in), in);
  /* a tiny buffer truncates at a character boundary */
  char small[5];
  ck_assert_uint_eq(evidence_sanitize_name("\xe6\x97\xa5\xe6\x97\xa5", small, sizeof(small)), 3);
  ck_assert_str_eq(small, "\xe6\x97\xa5");
}
END_TEST

/* ---------------------------------------------------------------- types */

START_TEST(t50_extension_table){
  const char *types;
  ck_assert_int_eq(evidence_ext_check("r.pdf", "application/pdf", &types), EVIDENCE_EXT_OK);
  ck_assert_str_eq(types, "application/pdf");
  ck_assert_int_eq(evidence_ext_check("R.PDF", "application/pdf", NULL), EVIDENCE_EXT_OK);
  ck_assert_int_eq(evidence_ext_check("s.png", "image/png", NULL), EVIDENCE_EXT_OK);
  ck_assert_int_eq(evidence_ext_check("s.jpg", "image/jpeg", NULL), EVIDENCE_EXT_OK);
  ck_assert_int_eq(evidence_ext_check("s.jpeg", "image/jpeg", NULL), EVIDENCE_EXT_OK);
  ck_assert_int_eq(evidence_ext_check("a.txt", "text/plain", NULL), EVIDENCE_EXT_OK);
  ck_assert_int_eq(evidence_ext_check("a.log", "text/plain", NULL), EVIDENCE_EXT_OK);
  ck_assert_int_eq(evidence_ext_check("a.csv", "text/csv", NULL), EVIDENCE_EXT_OK);
  ck_assert_int_eq(evidence_ext_check("a.csv", "text/plain", NULL), EVIDENCE_EXT_OK);
  ck_assert_int_eq(evidence_ext_check("a.json", "application/json", NULL), EVIDENCE_EXT_OK);
  ck_assert_int_eq(evidence_ext_check("a.json", "text/plain", NULL), EVIDENCE_EXT_OK);
  ck_assert_int_eq(evidence_ext_check("a.xml", "text/xml", NULL), EVIDENCE_EXT_OK);
  ck_assert_int_eq(evidence_ext_check("a.zip", "application/zip", NULL), EVIDENCE_EXT_OK);
  ck_assert_int_eq(evidence_ext_check("a.tar.gz", "application/gzip", NULL), EVIDENCE_EXT_OK);
  /* mismatches */
  ck_assert_int_eq(evidence_ext_check("report.pdf", "application/x-pie-executable", &types), EVIDENCE_EXT_MISMATCH);
  ck_assert_str_eq(types, "application/pdf");
  ck_assert_int_eq(evidence_ext_check("shot.png", "text/html", NULL), EVIDENCE_EXT_MISMATCH);
  ck_assert_int_eq(evidence_ext_check("a.txt", "application/pdf", NULL), EVIDENCE_EXT_MISMATCH);
  ck_assert_int_eq(evidence_ext_check("a.jpg", "image/png", NULL), EVIDENCE_EXT_MISMATCH);
  ck_assert_int_eq(evidence_ext_check("a.csv", "application/json", NULL), EVIDENCE_EXT_MISMATCH);
  /* unknown extensions */
  ck_assert_int_eq(evidence_ext_check("x.exe", "application/pdf", &types), EVIDENCE_EXT_UNKNOWN);
  ck_assert_str_eq(types, "");
  ck_assert_int_eq(evidence_ext_check("noext", "text/plain", NULL), EVIDENCE_EXT_UNKNOWN);
  ck_assert_int_eq(evidence_ext_check("trailing.", "text/plain", NULL), EVIDENCE_EXT_UNKNOWN);
  ck_assert_int_eq(evidence_ext_check(".txt", "text/plain", NULL), EVIDENCE_EXT_UNKNOWN);
  ck_assert_int_eq(evidence_ext_check("a.pdf.exe", "application/pdf", NULL), EVIDENCE_EXT_UNKNOWN);
  ck_assert_int_eq(evidence_ext_check("a.js", "text/plain", NULL), EVIDENCE_EXT_UNKNOWN);
  ck_assert_int_eq(evidence_ext_check("a.sh", "text/x-shellscript", NULL), EVIDENCE_EXT_UNKNOWN);
  ck_assert_int_eq(evidence_ext_check(NULL, "text/plain", NULL), EVIDENCE_EXT_UNKNOWN);
}
END_TEST

START_TEST(t51_dangerous_types){
  static const char *bad[] = { "text/html", "image/svg+xml", "application/xhtml+xml", "application/javascript",
    "text/javascript", "text/x-shellscript", "text/x-python", "text/x-script.python", "text/x-perl",
    "text/x-php", "application/x-executable", "application/x-sharedlib", "application/x-pie-executable",
    "application/x-dosexec", "application/x-mach-binary", "application/java-archive", "TEXT/HTML", NULL };
  static const char *fine[] = { "application/pdf", "text/plain", "image/png", "image/jpeg", "text/csv",
    "application/json", "application/zip", "application/gzip", "text/xml", "image/gif", NULL };
  for(int i=0; bad[i]; i++) ck_assert_msg(evidence_type_dangerous(bad[i]), "%s", bad[i]);
  for(int i=0; fine[i]; i++) ck_assert_msg(!evidence_type_dangerous(fine[i]), "%s", fine[i]);
  ck_assert(evidence_type_dangerous(NULL));
}
END_TEST

START_TEST(t52_allowed_types){
  const char *pdf_txt[] = { "application/pdf", "text/plain" };
  ck_assert(evidence_type_allowed("application/pdf", pdf_txt, 2));
  ck_assert(evidence_type_allowed("text/plain", pdf_txt, 2));
  ck_assert(!evidence_type_allowed("image/png", pdf_txt, 2));
  ck_assert(!evidence_type_allowed("application/x-pie-executable", pdf_txt, 2));
  ck_assert(!evidence_type_allowed("", pdf_txt, 2));
  ck_assert(!evidence_type_allowed(NULL, pdf_txt, 2));
  /* the default list: plain documents and images, nothing active */
  ck_assert(evidence_type_allowed("application/pdf", NULL, 0));
  ck_assert(evidence_type_allowed("image/png", NULL, 0));
  ck_assert(evidence_type_allowed("text/csv", NULL, 0));
  ck_assert(!evidence_type_allowed("text/html", NULL, 0));
  ck_assert(!evidence_type_allowed("image/svg+xml", NULL, 0));
  ck_assert(!evidence_type_allowed("application/x-executable", NULL, 0));
  ck_assert(!evidence_type_allowed("application/octet-stream", NULL, 0));
  for(int i=0; evidence_default_accept[i]; i++) ck_assert(!evidence_type_dangerous(evidence_default_accept[i]));
  /* wildcards never let a dangerous type in; naming it exactly does */
  const char *images[] = { "image/*" };
  ck_assert(evidence_type_allowed("image/png", images, 1));
  ck_assert(evidence_type_allowed("image/webp", images, 1));
  ck_assert(!evidence_type_allowed("image/svg+xml", images, 1));
  ck_assert(!evidence_type_allowed("text/plain", images, 1));
  const char *svg[] = { "image/*", "image/svg+xml" };
  ck_assert(evidence_type_allowed("image/svg+xml", svg, 2));
  const char *html[] = { "text/html" };
  ck_assert(evidence_type_allowed("text/html", html, 1));
  const char *textstar[] = { "text/*" };
  ck_assert(!evidence_type_allowed("text/html", textstar, 1));
  ck_assert(!evidence_type_allowed("text/x-shellscript", textstar, 1));
  ck_assert(evidence_type_allowed("text/csv", textstar, 1));
  const char *prefix[] = { "image/" };   /* not a wildcard */
  ck_assert(!evidence_type_allowed("image/png", prefix, 1));
}
END_TEST

START_TEST(t53_inline_and_disposition){
  char out[3*EVIDENCE_NAME_BUF + 64];
  ck_assert(evidence_inline_ok("image/png"));
  ck_assert(evidence_inline_ok("image/jpeg"));
  ck_assert(evidence_inline_ok("image/gif"));
  ck_assert(evidence_inline_ok("image/webp"));
  ck_assert(!evidence_inline_ok("image/svg+xml"));
  ck_assert(!evidence_inline_ok("application/pdf"));
  ck_assert(!evidence_inline_ok("text/html"));
  ck_assert(!evidence_inline_ok(NULL));
  ck_assert_int_eq(evidence_disposition("report.pdf", 0, out, sizeof(out)), 0);
  ck_assert_str_eq(out, "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf");
  ck_assert_int_eq(evidence_disposition("shot.png", 1, out, sizeof(out)), 0);
  ck_assert_str_eq(out, "inline; filename=\"shot.png\"; filename*=UTF-8''shot.png");
  ck_assert_int_eq(evidence_disposition("r\xc3\xa9sum\xc3\xa9 \"v2\"%.pdf", 0, out, sizeof(out)), 0);
  ck_assert_str_eq(out, "attachment; filename=\"r_sum_ _v2__.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22v2%22%25.pdf");
  ck_assert_int_eq(evidence_disposition("a\\b;c.txt", 0, out, sizeof(out)), 0);
  ck_assert_str_eq(out, "attachment; filename=\"a_b;c.txt\"; filename*=UTF-8''a%5Cb%3Bc.txt");
  ck_assert_int_eq(evidence_disposition("report.pdf", 0, out, 20), -1);
  for(const char *p = out; *p; p++) ck_assert((unsigned char)*p>=0x20);
}
END_TEST

START_TEST(t54_sizes){
  char b[40];
  ck_assert_str_eq(evidence_human_size(0, b, sizeof(b)), "0 bytes");
  ck_assert_str_eq(evidence_human_size(1, b, sizeof(b)), "1 byte");
  ck_assert_str_eq(evidence_human_size(1023, b, sizeof(b)), "1023 bytes");
  ck_assert_str_eq(evidence_human_size(1536, b, sizeof(b)), "1.5 KB");
  ck_assert_str_eq(evidence_human_size(20971520, b, sizeof(b)), "20.0 MB");
  ck_assert_str_eq(evidence_human_size(3LL*1024*1024*1024, b, sizeof(b)), "3.0 GB");
}
END_TEST


/* ---------------------------------------------------------------- through the database */

struct env {
  char dir[256];
  struct app app;
  struct audit_ctx ctx;
};

static int64_t sql_int(struct db *db, const char *sql){
  return db_int(db, sql, -1);
}

/*
** A fresh data directory with a migrated database: people (alice release
** manager, bob qa and eligible, carol approver, dan in team dba, ada admin),
** a release whose approval "signoff" (id 1) is on hold in round 1 with one
** field of each type, a manual task (id 2, team dba) and an automated one (id 3).
*/
static void env_open(struct env *e){
  static const char *const setup_sql[] = {
    "INSERT INTO users(id,username,display_name,email,password_hash,created_at) VALUES"
    " (1,'alice','Alice','a@x','x',0),(2,'bob','Bob','b@x','x',0),(3,'carol','Carol','c@x','x',0),"
    " (4,'dan','Dan','d@x','x',0),(5,'ada','Ada','e@x','x',0)",
    "INSERT INTO user_roles VALUES(1,'release_manager'),(2,'qa'),(3,'approver'),(5,'admin')",
    "INSERT INTO teams(id,name,created_at) VALUES(1,'dba',0)",
    "INSERT INTO team_members VALUES(1,4)",
    "INSERT INTO templates(id,name,version,source_yaml,created_at) VALUES(1,'t',1,'',0)",
    "INSERT INTO releases(id,template_id,name,status,started_by,created_at) VALUES(1,1,'r','on_hold',1,0)",
    "INSERT INTO phases(id,release_id,position,name,status) VALUES(1,1,1,'qa','waiting_for_approval')",
    "INSERT INTO activities(id,release_id,phase_id,position,name,kind,status,round,policy_json) VALUES"
    " (1,1,1,1,'signoff','approval','on_hold',1,'{\"rules\":[{\"kind\":\"role\",\"name\":\"qa\",\"min\":1}]}'),"
    " (3,1,1,3,'build','automated','completed',1,NULL)",
    "INSERT INTO activities(id,release_id,phase_id,position,name,kind,status,round,responsible_kind,responsible_name)"
    " VALUES(2,1,1,2,'migrate','manual','on_hold',1,'team','dba')",
    "INSERT INTO eligible VALUES(1,1,0,2)",
    "INSERT INTO fields(activity_id,key,label,type,required,rules_json,position) VALUES"
    " (1,'ticket','Ticket','text',1,'{\"pattern\":\"^[A-Z]+-[0-9]+$\"}',1),"
    " (1,'coverage','Coverage','number',0,'{\"min\":0,\"max\":100}',2),"
    " (1,'ok','All passed','checkbox',1,'{}',3),"
    " (1,'risk','Risk','select',1,'{\"options\":[\"low\",\"high\"]}',4),"
    " (1,'report','Report','file',1,'{\"accept\":[\"application/pdf\"]}',5),"
    " (1,'notes','Notes','textarea',0,'{}',6)",
    NULL
  };
  memset(e, 0, sizeof(*e));
  snprintf(e->dir, sizeof(e->dir), "/tmp/check_inputs_XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(e->dir));
  snprintf(e->app.cfg.data_dir, sizeof(e->app.cfg.data_dir), "%s", e->dir);
  e->app.cfg.max_upload = 256LL*1024*1024;
  char p[400];
  snprintf(p, sizeof(p), "%s/keys", e->dir);
  ck_assert_int_eq(mkdir(p, 0700), 0);
  ck_assert_int_eq(audit_load_key(&e->app, 1), 0);
  snprintf(p, sizeof(p), "%s/holdpoint.db", e->dir);
  ck_assert_int_eq(db_open(p, &e->app.db), 0);
  const char *root = getenv("HOLDPOINT_ROOT");
  snprintf(p, sizeof(p), "%s/sql", root && *root ? root : ".");
  ck_assert_int_eq(db_migrate(e->app.db, p, 0), 0);
  for(int i=0; setup_sql[i]; i++) ck_assert_int_eq(db_exec(e->app.db, setup_sql[i]), 0);
  ck_assert_int_eq(mayact_refresh_open(&e->app), 0);      /* who may act, as the core keeps it */
  e->ctx.actor_id = 2;
  e->ctx.actor_name = "bob";
  e->ctx.request_id = "test";
}

static void env_close(struct env *e){
  char cmd[400];
  db_close(e->app.db);
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
  ck_assert_int_eq(system(cmd), 0);
}

static struct user person(int64_t id, unsigned roles){
  struct user u;
  memset(&u, 0, sizeof(u));
  u.id = id;
  u.username = "someone";
  u.roles = roles;
  u.is_admin = (roles & ROLE_ADMIN)!=0;
  return u;
}

static int nerrors(const struct field_error *e){
  int n = 0;
  for(; e; e = e->next) n++;
  return n;
}

static const char *error_for(const struct field_error *e, const char *field){
  for(; e; e = e->next) if( strcmp(e->field, field)==0 ) return e->message;
  return NULL;
}

START_TEST(t60_load_and_may_edit){
  struct env e;
  struct inputs_activity sign, manual, automated, missing;
  struct inputs_field *f;
  size_t nf;
  env_open(&e);
  ck_assert_int_eq(inputs_load_activity(&e.app, &A, 1, &sign), HP_OK);
  ck_assert_int_eq(inputs_load_activity(&e.app, &A, 2, &manual), HP_OK);
  ck_assert_int_eq(inputs_load_activity(&e.app, &A, 3, &automated), HP_OK);
  ck_assert_int_eq(inputs_load_activity(&e.app, &A, 99, &missing), HP_NOT_FOUND);
  ck_assert_str_eq(sign.kind, "approval");
  ck_assert_str_eq(sign.status, "on_hold");
  ck_assert_int_eq(sign.round, 1);
  ck_assert_int_eq(sign.release_id, 1);
  ck_assert_int_eq(inputs_load_fields(&e.app, &A, 1, &f, &nf), HP_OK);
  ck_assert_uint_eq(nf, 6);
  ck_assert_str_eq(f[0].key, "ticket");
  ck_assert_str_eq(f[4].key, "report");
  ck_assert_int_eq(f[4].type, INPUTS_FILE);
  ck_assert_str_eq(f[5].key, "notes");
  struct user alice = person(1, ROLE_RELEASE_MANAGER), bob = person(2, ROLE_QA), carol = person(3, ROLE_APPROVER);
  struct user dan = person(4, 0), ada = person(5, ROLE_ADMIN);
  ck_assert(inputs_may_edit(&e.app, &bob, &sign));        /* eligible in the round */
  ck_assert(!inputs_may_edit(&e.app, &carol, &sign));     /* not eligible */
  ck_assert(inputs_may_edit(&e.app, &alice, &sign));      /* release manager */
  ck_assert(inputs_may_edit(&e.app, &ada, &sign));        /* admin */
  ck_assert(!inputs_may_edit(&e.app, &dan, &sign));
  ck_assert(!inputs_may_edit(&e.app, NULL, &sign));
  ck_assert(inputs_may_edit(&e.app, &dan, &manual));      /* in the responsible team */
  ck_assert(!inputs_may_edit(&e.app, &bob, &manual));
  ck_assert_int_eq(db_exec(e.app.db, "UPDATE activities SET responsible_user_id=2 WHERE id=2"), 0);
  ck_assert_int_eq(mayact_refresh(&e.app, 2), 0);          /* bob took responsibility */
  ck_assert(inputs_may_edit(&e.app, &bob, &manual));
  ck_assert(!inputs_may_edit(&e.app, &dan, &manual));      /* the team no longer may */
  ck_assert(!inputs_may_edit(&e.app, &bob, &automated));
  /* once bob has voted, he may no longer change what he voted on */
  ck_assert_int_eq(db_exec(e.app.db, "INSERT INTO decisions(activity_id,round,user_id,actor_id,decision,at)"
                                     " VALUES(1,1,2,2,'approve',0)"), 0);
  ck_assert_int_eq(mayact_refresh(&e.app, 1), 0);
  ck_assert(!inputs_may_edit(&e.app, &bob, &sign));
  env_close(&e);
}
END_TEST

START_TEST(t61_validate_all){
  struct env e;
  struct field_error *errs = NULL;
  env_open(&e);
  /* nothing saved: every required field is reported, keyed by its input name */
  ck_assert_int_eq(inputs_validate_all(&e.app, &A, 1, 1, NULL, 0, &errs), HP_UNPROCESSABLE);
  ck_assert_int_eq(nerrors(errs), 4);
  ck_assert_ptr_nonnull(error_for(errs, "f_ticket"));
  ck_assert_ptr_nonnull(error_for(errs, "f_ok"));
  ck_assert_ptr_nonnull(error_for(errs, "f_risk"));
  ck_assert_ptr_nonnull(error_for(errs, "f_report"));
  ck_assert_ptr_null(error_for(errs, "f_coverage"));
  /* saved values count, and a bad optional value is reported too */
  const struct inputs_value v[] = { { "ticket", "REL-1" }, { "ok", "on" }, { "risk", "low" }, { "coverage", "101" } };
  ck_assert_int_eq(inputs_save(&e.app, &e.ctx, 1, 1, v, 4, 2), HP_OK);
  errs = NULL;
  ck_assert_int_eq(inputs_validate_all(&e.app, &A, 1, 1, NULL, 0, &errs), HP_UNPROCESSABLE);
  ck_assert_int_eq(nerrors(errs), 2);
  ck_assert_ptr_nonnull(error_for(errs, "f_report"));
  ck_assert_ptr_nonnull(error_for(errs, "f_coverage"));
  /* a file of the round satisfies the file field; one of another round does not */
  ck_assert_int_eq(db_exec(e.app.db, "INSERT INTO evidence(activity_id,round,field_key,sha256,size,mime,"
    "original_name,stored_path,uploaded_by,at) VALUES(1,2,'report','x',1,'application/pdf','r.pdf','p',2,0)"), 0);
  errs = NULL;
  ck_assert_int_eq(inputs_validate_all(&e.app, &A, 1, 1, NULL, 0, &errs), HP_UNPROCESSABLE);
  ck_assert_ptr_nonnull(error_for(errs, "f_report"));
  ck_assert_int_eq(db_exec(e.app.db, "INSERT INTO evidence(activity_id,round,field_key,sha256,size,mime,"
    "original_name,stored_path,uploaded_by,at) VALUES(1,1,'report','x',1,'application/pdf','r.pdf','p',2,0)"), 0);
  const struct inputs_value fix[] = { { "coverage", "99.5" } };
  ck_assert_int_eq(inputs_save(&e.app, &e.ctx, 1, 1, fix, 1, 2), HP_OK);
  errs = NULL;
  ck_assert_int_eq(inputs_validate_all(&e.app, &A, 1, 1, NULL, 0, &errs), HP_OK);
  ck_assert_ptr_null(errs);
  ck_assert_int_eq(inputs_validate_all(&e.app, &A, 1, 1, NULL, 0, NULL), HP_OK);
  /* values given by the caller stand in for the saved ones */
  const struct inputs_value other[] = { { "ticket", "bad ticket" }, { "ok", "on" }, { "risk", "low" } };
  errs = NULL;
  ck_assert_int_eq(inputs_validate_all(&e.app, &A, 1, 1, other, 3, &errs), HP_UNPROCESSABLE);
  ck_assert_int_eq(nerrors(errs), 1);
  ck_assert_ptr_nonnull(error_for(errs, "f_ticket"));
  /* round 2 has nothing saved */
  ck_assert_int_eq(inputs_validate_all(&e.app, &A, 1, 2, NULL, 0, NULL), HP_UNPROCESSABLE);
  /* an activity without fields is always complete */
  ck_assert_int_eq(inputs_validate_all(&e.app, &A, 3, 1, NULL, 0, NULL), HP_OK);
  env_close(&e);
}
END_TEST

START_TEST(t62_save_upserts_audits_and_checks_state){
  struct env e;
  env_open(&e);
  const struct inputs_value a[] = { { "ticket", "REL-1" }, { "risk", "low" } };
  const struct inputs_value b[] = { { "ticket", "REL-2" } };
  ck_assert_int_eq(inputs_save(&e.app, &e.ctx, 1, 1, a, 2, 2), HP_OK);
  ck_assert_int_eq(inputs_save(&e.app, &e.ctx, 1, 1, b, 1, 2), HP_OK);
  ck_assert_int_eq(sql_int(e.app.db, "SELECT count(*) FROM inputs WHERE activity_id=1"), 2);
  ck_assert_int_eq(sql_int(e.app.db, "SELECT count(*) FROM inputs WHERE field_key='ticket' AND value='REL-2'"), 1);
  ck_assert_int_eq(sql_int(e.app.db, "SELECT count(*) FROM audit_log WHERE action='input.save' AND object_id=1"
                                     " AND release_id=1 AND actor_id=2"), 2);
  ck_assert_int_eq(sql_int(e.app.db, "SELECT count(*) FROM audit_log WHERE action='input.save'"
    " AND json_extract(details_json,'$.values.ticket')='REL-2' AND json_extract(details_json,'$.round')=1"
    " AND json_extract(details_json,'$.keys[0]')='ticket'"), 1);
  /* the wrong round, or an activity that is no longer on hold: nothing is written */
  ck_assert_int_eq(inputs_save(&e.app, &e.ctx, 1, 2, b, 1, 2), HP_CONFLICT);
  ck_assert_int_eq(inputs_save(&e.app, &e.ctx, 3, 1, b, 1, 2), HP_CONFLICT);
  ck_assert_int_eq(inputs_save(&e.app, &e.ctx, 99, 1, b, 1, 2), HP_NOT_FOUND);
  ck_assert_int_eq(db_exec(e.app.db, "UPDATE activities SET status='completed' WHERE id=1"), 0);
  const struct inputs_value c[] = { { "ticket", "REL-3" } };
  ck_assert_int_eq(inputs_save(&e.app, &e.ctx, 1, 1, c, 1, 2), HP_CONFLICT);
  ck_assert_int_eq(sql_int(e.app.db, "SELECT count(*) FROM inputs WHERE value='REL-3'"), 0);
  ck_assert_int_eq(sql_int(e.app.db, "SELECT count(*) FROM audit_log WHERE action='input.save'"), 2);
  char msg[200];
  ck_assert_int_eq(audit_verify(&e.app, NULL, msg, sizeof(msg)), 0);
  env_close(&e);
}
END_TEST

/* --------------------------------------------------------------- the suite */

static Suite *inputs_suite(void){
  Suite *s = suite_create("inputs");
  TCase *tc = tcase_create("core");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, t01_parse_rules);
  tcase_add_test(tc, t01b_parse_rules_again);
  tcase_add_test(tc, t02_parse_refuses_bad_rows);
  tcase_add_test(tc, t10_required_text);
  tcase_add_test(tc, t11_lengths_count_utf8_characters);
  tcase_add_test(tc, t12_default_length_ceilings);
  tcase_add_test(tc, t13_pattern_is_anchored_as_written);
  tcase_add_test(tc, t14_text_controls);
  tcase_add_test(tc, t20_numbers);
  tcase_add_test(tc, t21_number_ranges);
  tcase_add_test(tc, t30_select);
  tcase_add_test(tc, t31_checkbox);
  tcase_add_test(tc, t32_file_fields);
  tcase_add_test(tc, t40_name_path_components);
  tcase_add_test(tc, t41_name_controls);
  tcase_add_test(tc, t42_name_unicode_and_bad_utf8);
  tcase_add_test(tc, t43_name_length);
  tcase_add_test(tc, t50_extension_table);
  tcase_add_test(tc, t51_dangerous_types);
  tcase_add_test(tc, t52_allowed_types);
  tcase_add_test(tc, t53_inline_and_disposition);
  tcase_add_test(tc, t54_sizes);
  suite_add_tcase(s, tc);
  TCase *db = tcase_create("database");
  tcase_add_checked_fixture(db, setup, teardown);
  tcase_set_timeout(db, 60);
  tcase_add_test(db, t60_load_and_may_edit);
  tcase_add_test(db, t61_validate_all);
  tcase_add_test(db, t62_save_upserts_audits_and_checks_state);
  suite_add_tcase(s, db);
  return s;
}

int main(void){
  SRunner *sr = srunner_create(inputs_suite());
  int failed;
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed==0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

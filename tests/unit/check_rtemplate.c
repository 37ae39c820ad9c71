/* check_rtemplate.c — unit tests for rtemplate.c (YAML release templates). */
/*
** Fixtures live in tests/fixtures/templates/ (one err_*.yaml per error, each listed in
** ERROR_CASES below with the messages it must produce) and docs/examples/. Paths are
** relative to the repository root: the current directory, or $HOLDPOINT_ROOT.
*/
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtemplate.h"

#define ERRSZ 8192

/* ---- helpers ------------------------------------------------------------------------ */

/* Read root-relative path into a malloc'd buffer (NUL-terminated, *len bytes). */
static char *read_fixture(const char *rel, size_t *len){
  char path[1024];
  const char *root = getenv("HOLDPOINT_ROOT");
  FILE *f;
  char *buf = NULL;
  long n;
  snprintf(path, sizeof path, "%s/%s", root && *root ? root : ".", rel);
  f = fopen(path, "rb");
  ck_assert_msg(f != NULL, "cannot open fixture %s (run from the repo root or set HOLDPOINT_ROOT)", path);
  ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
  n = ftell(f);
  ck_assert_int_ge(n, 0);
  ck_assert_int_eq(fseek(f, 0, SEEK_SET), 0);
  buf = malloc((size_t)n + 1);
  ck_assert_ptr_nonnull(buf);
  ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
  buf[n] = 0;
  fclose(f);
  *len = (size_t)n;
  return buf;
}

/* The demo directory: who exists and how many active people teams and roles have. */
struct demo {
  int calls_exists, calls_count;
  int fail;                      /* exists() reports a look-up failure */
  int unknown_counts;            /* count() answers -1 */
  char seen[64][40];             /* "team:qa" ... in call order */
};

static const struct { int kind; const char *name; int count; } DEMO_DIR[] = {
  { RTPL_USER, "admin", 1 }, { RTPL_USER, "alice", 1 }, { RTPL_USER, "bob", 1 },
  { RTPL_USER, "carol", 1 }, { RTPL_USER, "dave", 1 }, { RTPL_USER, "erin", 1 },
  { RTPL_TEAM, "qa", 2 }, { RTPL_TEAM, "sre", 2 }, { RTPL_TEAM, "product", 3 },
  { RTPL_TEAM, "security", 1 }, { RTPL_TEAM, "dba", 1 }, { RTPL_TEAM, "admins", 1 },
  { RTPL_TEAM, "empty", 0 },
  { RTPL_ROLE, "release_manager", 1 }, { RTPL_ROLE, "approver", 2 }, { RTPL_ROLE, "qa", 1 },
  { RTPL_ROLE, "auditor", 1 }, { RTPL_ROLE, "admin", 1 },
};

static int demo_exists(void *ctx, int kind, const char *name){
  struct demo *d = ctx;
  size_t i;
  if( d->calls_exists < 64 ){
    snprintf(d->seen[d->calls_exists], sizeof d->seen[0], "%s:%s",
             rtpl_kind_name((enum rtpl_kind)kind), name);
  }
  d->calls_exists++;
  if( d->fail ) return -1;
  for(i=0; i<sizeof DEMO_DIR / sizeof DEMO_DIR[0]; i++){
    if( DEMO_DIR[i].kind==kind && strcmp(DEMO_DIR[i].name, name)==0 ) return 1;
  }
  return 0;
}

static int demo_count(void *ctx, int kind, const char *name){
  struct demo *d = ctx;
  size_t i;
  d->calls_count++;
  ck_assert_msg(kind==RTPL_TEAM || kind==RTPL_ROLE, "count() asked about kind %d", kind);
  if( d->unknown_counts ) return -1;
  for(i=0; i<sizeof DEMO_DIR / sizeof DEMO_DIR[0]; i++){
    if( DEMO_DIR[i].kind==kind && strcmp(DEMO_DIR[i].name, name)==0 ) return DEMO_DIR[i].count;
  }
  return -1;
}

/* Parse a fixture; returns the rc, *t and err filled. */
static int parse_file(const char *rel, const struct rtpl_lookup *lk, struct rtpl_template **t,
                      char *err){
  size_t len;
  char *src = read_fixture(rel, &len);
  int rc = rtpl_parse(src, len, lk, t, err, ERRSZ);
  free(src);
  return rc;
}

/* Parse a string. */
static int parse_str(const char *src, const struct rtpl_lookup *lk, struct rtpl_template **t,
                     char *err){
  return rtpl_parse(src, strlen(src), lk, t, err, ERRSZ);
}

/* Count the lines of an error message. */
static int count_lines(const char *s){
  int n = *s ? 1 : 0;
  for(; *s; s++) if( *s=='\n' ) n++;
  return n;
}

/* ---- valid templates ---------------------------------------------------------------- */

START_TEST(test_delivery)
{
  struct demo d; struct rtpl_lookup lk = { demo_exists, demo_count, &d };
  struct rtpl_template *t = NULL;
  char err[ERRSZ];
  const struct rtpl_activity *a;
  size_t ph = 99;
  memset(&d, 0, sizeof d);
  ck_assert_int_eq(parse_file("tests/fixtures/templates/delivery.yaml", &lk, &t, err), RTPL_OK);
  ck_assert_ptr_nonnull(t);
  ck_assert_str_eq(t->name, "delivery");
  ck_assert_str_eq(t->description, "Verify in QA, approve for production.");
  ck_assert_uint_eq(t->nvariables, 2);
  ck_assert_str_eq(t->variables[0], "image");
  ck_assert_str_eq(t->variables[1], "version");
  ck_assert_int_eq(t->on_reject, RTPL_FAIL_RELEASE);
  ck_assert_uint_eq(t->nphases, 2);
  ck_assert_str_eq(t->phases[0].name, "qa");
  ck_assert_str_eq(t->phases[1].name, "production");
  ck_assert_uint_eq(t->phases[0].nactivities, 2);
  ck_assert_uint_eq(t->phases[1].nactivities, 3);

  a = &t->phases[0].activities[0];
  ck_assert_str_eq(a->name, "deploy-qa");
  ck_assert_int_eq(a->type, RTPL_AUTOMATED);
  ck_assert_ptr_null(a->policy_json);
  ck_assert_uint_eq(a->ndepends, 0);

  a = &t->phases[0].activities[1];
  ck_assert_str_eq(a->name, "qa-signoff");
  ck_assert_int_eq(a->type, RTPL_APPROVAL);
  ck_assert_uint_eq(a->ndepends, 1);
  ck_assert_str_eq(a->depends_on[0], "deploy-qa");
  ck_assert_str_eq(a->instructions, "Check the test report for {{release.version}}.\n");
  ck_assert_str_eq(a->policy_json,
    "{\"rules\":[{\"kind\":\"team\",\"name\":\"qa\",\"min\":1}],\"mode\":\"all\","
    "\"ordered\":false,\"distinct\":true,\"allow_self_approval\":false,\"reject_when\":\"any\"}");
  ck_assert_uint_eq(a->nfields, 3);
  ck_assert_str_eq(a->fields[0].key, "report");
  ck_assert_str_eq(a->fields[0].label, "Test report");
  ck_assert_int_eq(a->fields[0].type, RTPL_FIELD_FILE);
  ck_assert_int_eq(a->fields[0].required, 1);
  ck_assert_ptr_null(a->fields[0].help);
  ck_assert_str_eq(a->fields[0].rules_json,
                   "{\"accept\":[\"application/pdf\",\"text/plain\"],\"max_size\":20971520}");
  ck_assert_str_eq(a->fields[1].key, "all_passed");
  ck_assert_int_eq(a->fields[1].type, RTPL_FIELD_CHECKBOX);
  ck_assert_str_eq(a->fields[1].rules_json, "{}");
  ck_assert_int_eq(a->fields[2].type, RTPL_FIELD_SELECT);
  ck_assert_str_eq(a->fields[2].rules_json, "{\"options\":[\"low\",\"medium\",\"high\"]}");
  ck_assert_int_eq(a->deadline_s, 0);
  ck_assert_int_eq(a->has_when, 0);
  ck_assert_int_eq(a->when_pass, RTPL_WHEN_MANUAL);
  ck_assert_int_eq(a->when_warning, RTPL_WHEN_MANUAL);

  a = rtpl_find_activity(t, "production-approval", &ph);
  ck_assert_ptr_nonnull(a);
  ck_assert_uint_eq(ph, 1);
  ck_assert_str_eq(a->policy_json,
    "{\"rules\":[{\"kind\":\"team\",\"name\":\"sre\",\"min\":1},"
    "{\"kind\":\"team\",\"name\":\"product\",\"min\":\"majority\"}],\"mode\":\"all\","
    "\"ordered\":false,\"distinct\":true,\"allow_self_approval\":false,\"reject_when\":\"any\"}");
  ck_assert_int_eq(a->has_when, 1);
  ck_assert_int_eq(a->when_pass, RTPL_WHEN_AUTOMATIC);
  ck_assert_int_eq(a->when_warning, RTPL_WHEN_MANUAL);
  ck_assert_int_eq(a->deadline_s, 86400);
  ck_assert_uint_eq(a->nreminders, 2);
  ck_assert_int_eq(a->reminders_s[0], 4 * 3600);
  ck_assert_int_eq(a->reminders_s[1], 3600);
  ck_assert_int_eq(a->on_timeout, RTPL_TIMEOUT_ESCALATE);
  ck_assert_int_eq(a->timeout_to.kind, RTPL_TEAM);
  ck_assert_str_eq(a->timeout_to.name, "admins");
  ck_assert_int_eq(a->signature_required, 1);
  ck_assert_str_eq(a->signature_meaning, "Approved for release to production");
  ck_assert_uint_eq(a->nactions, 0);

  a = rtpl_find_activity(t, "db-migration", NULL);
  ck_assert_ptr_nonnull(a);
  ck_assert_int_eq(a->type, RTPL_MANUAL);
  ck_assert_int_eq(a->responsible.kind, RTPL_TEAM);
  ck_assert_str_eq(a->responsible.name, "dba");
  ck_assert_str_eq(a->instructions,
    "Run the migration for {{release.version}}; notes are required on Abort.");
  ck_assert_ptr_null(a->policy_json);
  ck_assert_ptr_null(rtpl_find_activity(t, "nope", NULL));

  /* Every name went through the directory, in template order. */
  ck_assert_int_eq(d.calls_exists, 5);
  ck_assert_str_eq(d.seen[0], "team:qa");
  ck_assert_str_eq(d.seen[1], "team:sre");
  ck_assert_str_eq(d.seen[2], "team:product");
  ck_assert_str_eq(d.seen[3], "team:admins");
  ck_assert_str_eq(d.seen[4], "team:dba");
  ck_assert_int_eq(d.calls_count, 3);
  rtpl_free(t);
}
END_TEST

START_TEST(test_minimal_defaults)
{
  struct rtpl_template *t = NULL;
  char err[ERRSZ];
  const struct rtpl_activity *a;
  ck_assert_int_eq(parse_file("tests/fixtures/templates/minimal.yaml", NULL, &t, err), RTPL_OK);
  ck_assert_str_eq(t->name, "minimal");
  ck_assert_ptr_null(t->description);
  ck_assert_uint_eq(t->nvariables, 0);
  ck_assert_int_eq(t->on_reject, RTPL_FAIL_RELEASE);
  ck_assert_uint_eq(t->nphases, 1);
  ck_assert_ptr_null(t->phases[0].description);
  a = &t->phases[0].activities[0];
  ck_assert_str_eq(a->name, "compile");
  ck_assert_ptr_null(a->description);
  ck_assert_ptr_null(a->instructions);
  ck_assert_ptr_null(a->policy_json);
  ck_assert_int_eq(a->responsible.kind, RTPL_NONE);
  ck_assert_int_eq(a->deadline_s, 0);
  ck_assert_int_eq(a->on_timeout, RTPL_TIMEOUT_NONE);
  ck_assert_int_eq(a->signature_required, 0);
  ck_assert_uint_eq(a->nfields + a->nreminders + a->nactions + a->ndepends, 0);
  rtpl_free(t);
}
END_TEST

START_TEST(test_full)
{
  struct demo d; struct rtpl_lookup lk = { demo_exists, demo_count, &d };
  struct rtpl_template *t = NULL;
  char err[ERRSZ];
  const struct rtpl_activity *a;
  memset(&d, 0, sizeof d);
  ck_assert_msg(parse_file("tests/fixtures/templates/full.yaml", &lk, &t, err)==RTPL_OK, "%s", err);
  ck_assert_str_eq(t->name, "full_template-1");
  ck_assert_str_eq(t->description, "Exercises every key.\nSecond line.\n");
  ck_assert_int_eq(t->on_reject, RTPL_FAIL_PHASE);
  ck_assert_uint_eq(t->nvariables, 3);
  ck_assert_str_eq(t->variables[2], "_extra");
  ck_assert_str_eq(t->phases[0].description, "Quality assurance");

  a = rtpl_find_activity(t, "qa-signoff", NULL);
  ck_assert_uint_eq(a->nfields, 10);
  ck_assert_str_eq(a->fields[0].help, "PDF or text");
  ck_assert_str_eq(a->fields[3].rules_json,
                   "{\"min_length\":3,\"max_length\":40,\"pattern\":\"^[A-Z]+-[0-9]+$\"}");
  ck_assert_int_eq(a->fields[3].required, 0);
  ck_assert_int_eq(a->fields[4].type, RTPL_FIELD_TEXTAREA);
  ck_assert_str_eq(a->fields[4].rules_json, "{\"max_length\":4000}");
  ck_assert_int_eq(a->fields[5].type, RTPL_FIELD_NUMBER);
  ck_assert_str_eq(a->fields[5].rules_json, "{\"min\":0,\"max\":100}");
  ck_assert_str_eq(a->fields[6].rules_json, "{\"min\":-0.5,\"max\":2.25}");
  ck_assert_str_eq(a->fields[7].rules_json, "{\"accept\":[\"image/*\"],\"max_size\":524288}");
  ck_assert_str_eq(a->fields[8].rules_json, "{\"max_size\":1073741824}");
  ck_assert_str_eq(a->fields[9].rules_json, "{\"max_size\":123}");

  a = rtpl_find_activity(t, "production-approval", NULL);
  ck_assert_uint_eq(a->ndepends, 2);
  ck_assert_str_eq(a->depends_on[1], "qa-signoff");
  ck_assert_str_eq(a->policy_json,
    "{\"rules\":[{\"kind\":\"team\",\"name\":\"sre\",\"min\":1},"
    "{\"kind\":\"team\",\"name\":\"product\",\"min\":\"majority\"},"
    "{\"kind\":\"role\",\"name\":\"approver\",\"min\":\"all\"},"
    "{\"kind\":\"user\",\"name\":\"carol\",\"min\":1}],\"mode\":\"any\","
    "\"ordered\":true,\"distinct\":false,\"allow_self_approval\":true,"
    "\"reject_when\":\"cannot_reach\"}");
  ck_assert_int_eq(a->deadline_s, 2 * 86400);
  ck_assert_uint_eq(a->nreminders, 3);                  /* sorted, largest first */
  ck_assert_int_eq(a->reminders_s[0], 86400);
  ck_assert_int_eq(a->reminders_s[1], 5400);
  ck_assert_int_eq(a->reminders_s[2], 3600);
  ck_assert_uint_eq(a->nactions, 2);
  ck_assert_str_eq(a->actions[0].name, "Trigger CI build");
  ck_assert_str_eq(a->actions[0].webhook, "https://ci.example/build");
  ck_assert_str_eq(a->actions[1].name, "http://hooks.example:8080/x?y=1");
  ck_assert_str_eq(a->actions[1].webhook, "http://hooks.example:8080/x?y=1");

  a = rtpl_find_activity(t, "db-migration", NULL);
  ck_assert_int_eq(a->deadline_s, 1800);
  ck_assert_int_eq(a->on_timeout, RTPL_TIMEOUT_REJECT);
  ck_assert_int_eq(a->timeout_to.kind, RTPL_NONE);
  ck_assert_ptr_null(a->timeout_to.name);
  ck_assert_int_eq(a->signature_required, 0);
  ck_assert_ptr_null(a->signature_meaning);
  ck_assert_uint_eq(a->nfields, 1);

  a = rtpl_find_activity(t, "smoke", NULL);
  ck_assert_int_eq(a->responsible.kind, RTPL_USER);
  ck_assert_str_eq(a->responsible.name, "bob");
  a = rtpl_find_activity(t, "announce", NULL);
  ck_assert_int_eq(a->responsible.kind, RTPL_ROLE);
  ck_assert_str_eq(a->responsible.name, "release_manager");
  ck_assert_int_eq(a->deadline_s, 45);
  ck_assert_int_eq(a->reminders_s[0], 30);
  ck_assert_int_eq(a->timeout_to.kind, RTPL_USER);
  ck_assert_str_eq(a->timeout_to.name, "admin");
  rtpl_free(t);
}
END_TEST

/* The documented examples import on the demo directory (names and quorum sizes). */
static const char *const EXAMPLES[] = {
  "docs/examples/saas.yaml", "docs/examples/regulated.yaml",
  "docs/examples/high-availability.yaml", "tests/fixtures/templates/delivery.yaml",
};

START_TEST(test_examples)
{
  struct demo d; struct rtpl_lookup lk = { demo_exists, demo_count, &d };
  struct rtpl_template *t = NULL;
  char err[ERRSZ];
  int rc;
  memset(&d, 0, sizeof d);
  rc = parse_file(EXAMPLES[_i], &lk, &t, err);
  ck_assert_msg(rc==RTPL_OK, "%s: %s", EXAMPLES[_i], err);
  ck_assert_int_gt(d.calls_exists, 0);
  rtpl_free(t);
  rc = parse_file(EXAMPLES[_i], NULL, &t, err);       /* and without a directory */
  ck_assert_msg(rc==RTPL_OK, "%s: %s", EXAMPLES[_i], err);
  rtpl_free(t);
}
END_TEST

START_TEST(test_example_contents)
{
  struct rtpl_template *t = NULL;
  char err[ERRSZ];
  const struct rtpl_activity *a;
  ck_assert_int_eq(parse_file("docs/examples/regulated.yaml", NULL, &t, err), RTPL_OK);
  a = rtpl_find_activity(t, "cab-approval", NULL);
  ck_assert_str_eq(a->policy_json,
    "{\"rules\":[{\"kind\":\"team\",\"name\":\"security\",\"min\":1},"
    "{\"kind\":\"role\",\"name\":\"approver\",\"min\":2}],\"mode\":\"all\","
    "\"ordered\":true,\"distinct\":true,\"allow_self_approval\":false,\"reject_when\":\"any\"}");
  ck_assert_int_eq(a->signature_required, 1);
  rtpl_free(t);
  ck_assert_int_eq(parse_file("docs/examples/saas.yaml", NULL, &t, err), RTPL_OK);
  a = rtpl_find_activity(t, "build-approval", NULL);
  ck_assert_int_eq(a->has_when, 1);
  ck_assert_int_eq(a->when_pass, RTPL_WHEN_AUTOMATIC);
  rtpl_free(t);
  ck_assert_int_eq(parse_file("docs/examples/high-availability.yaml", NULL, &t, err), RTPL_OK);
  a = rtpl_find_activity(t, "rollback-check", NULL);
  ck_assert_int_eq(a->type, RTPL_MANUAL);
  ck_assert_int_eq(a->deadline_s, 3600);
  rtpl_free(t);
}
END_TEST

/* ---- error fixtures ----------------------------------------------------------------- */

struct error_case {
  const char *file;          /* under tests/fixtures/templates/ */
  int lookup;                /* 1: parse with the demo directory */
  int rc;
  const char *expect[3];     /* substrings that must all appear in the message */
};

static const struct error_case ERROR_CASES[] = {
  { "err_not_yaml.yaml", 0, RTPL_EINVAL, { "line 5: not valid YAML: " } },
  { "err_not_mapping.yaml", 0, RTPL_EINVAL, { "line 2: a template must be a YAML mapping" } },
  { "err_empty.yaml", 0, RTPL_EINVAL, { "line 1: the template is empty" } },
  { "err_multi_doc.yaml", 0, RTPL_EINVAL, { "line 6: only one YAML document is allowed" } },
  { "err_alias.yaml", 0, RTPL_EINVAL, { "line 8: YAML anchors (&name) are not supported" } },
  { "err_api_version.yaml", 0, RTPL_EINVAL,
    { "line 2: apiVersion must be holdpoint/v1, not 'holdpoint/v2'" } },
  { "err_kind.yaml", 0, RTPL_EINVAL, { "line 3: kind must be ReleaseTemplate, not 'Pipeline'" } },
  { "err_unknown_top_key.yaml", 0, RTPL_EINVAL,
    { "line 6: unknown key 'phasse' in the template (did you mean 'phases'?)" } },
  { "err_unknown_phase_key.yaml", 0, RTPL_EINVAL, { "line 7: unknown key 'owner' in phase 'qa'" } },
  { "err_unknown_activity_key.yaml", 0, RTPL_EINVAL,
    { "line 15: unknown key 'aproovers' in activity 'qa-signoff' (did you mean 'approvers'?)" } },
  { "err_unknown_rule_key.yaml", 0, RTPL_EINVAL,
    { "line 12: unknown key 'minimum' in rule 1 of approvers of activity 'qa-signoff'" } },
  { "err_unknown_field_key.yaml", 0, RTPL_EINVAL,
    { "line 12: unknown key 'maxlength' in field 'notes' of activity 'qa-signoff'",
      "did you mean 'max_length'?" } },
  { "err_dup_key.yaml", 0, RTPL_EINVAL, { "line 10: duplicate key 'type' in activity 'x'" } },
  { "err_missing_template_name.yaml", 0, RTPL_EINVAL, { "line 2: missing 'name' in the template" } },
  { "err_missing_phase_name.yaml", 0, RTPL_EINVAL, { "line 6: missing 'name' in phase 1" } },
  { "err_missing_activity_name.yaml", 0, RTPL_EINVAL,
    { "line 10: missing 'name' in activity 2 of phase 'qa'" } },
  { "err_missing_phases.yaml", 0, RTPL_EINVAL, { "line 2: missing 'phases' in the template" } },
  { "err_wrong_shape.yaml", 0, RTPL_EINVAL,
    { "line 5: 'phases' must be a non-empty list, not a mapping" } },
  { "err_bad_template_name.yaml", 0, RTPL_EINVAL,
    { "line 4: invalid template name 'My Delivery'" } },
  { "err_bad_phase_name.yaml", 0, RTPL_EINVAL, { "line 6: invalid phase name 'qa/1'" } },
  { "err_bad_activity_name.yaml", 0, RTPL_EINVAL, { "line 8: invalid activity name '-Deploy'" } },
  { "err_long_name.yaml", 0, RTPL_EINVAL, { "line 4: invalid template name 'aaaa" } },
  { "err_dup_phase.yaml", 0, RTPL_EINVAL,
    { "line 8: duplicate phase name 'qa' (also on line 6)" } },
  { "err_dup_activity.yaml", 0, RTPL_EINVAL,
    { "line 12: duplicate activity name 'deploy' (also on line 8)" } },
  { "err_bad_type.yaml", 0, RTPL_EINVAL,
    { "line 9: unknown type 'automatic' in activity 'x' (use automated, approval or manual)" } },
  { "err_dep_missing.yaml", 0, RTPL_EINVAL,
    { "line 12: activity 'test' depends on 'deplyo', which does not exist" } },
  { "err_dep_later_phase.yaml", 0, RTPL_EINVAL,
    { "line 10: activity 'test' depends on 'deploy-prod', which is in a later phase" } },
  { "err_dep_self.yaml", 0, RTPL_EINVAL,
    { "line 10: dependency cycle: activity 'loop' depends on itself" } },
  { "err_dep_cycle.yaml", 0, RTPL_EINVAL, { "line 16: dependency cycle: a -> b -> c -> a" } },
  { "err_dep_duplicate.yaml", 0, RTPL_EINVAL, { "line 12: activity 'b' depends on 'a' twice" } },
  { "err_unknown_team.yaml", 1, RTPL_EINVAL,
    { "line 11: unknown team 'qa-team' in rule 1 of approvers of activity 'qa-signoff'" } },
  { "err_unknown_user.yaml", 1, RTPL_EINVAL,
    { "line 10: unknown user 'mallory' in responsible of activity 'migrate'" } },
  { "err_unknown_role.yaml", 1, RTPL_EINVAL,
    { "line 12: unknown role 'superuser' in 'to' of on_timeout of activity 'go'" } },
  { "err_quorum_team_size.yaml", 1, RTPL_EINVAL,
    { "line 13: impossible quorum: rule 2 of approvers of activity 'go' needs 3 approvals "
      "but team 'sre' has 2 active members" } },
  { "err_quorum_user_min.yaml", 0, RTPL_EINVAL,
    { "line 11: impossible quorum: rule 1 of approvers of activity 'go' needs 2 approvals "
      "from user 'carol', who has one vote" } },
  { "err_quorum_empty_team.yaml", 1, RTPL_EINVAL,
    { "line 11: impossible quorum: team 'empty' in rule 1 of approvers of activity 'go' "
      "has no active members" } },
  { "err_quorum_distinct.yaml", 1, RTPL_EINVAL,
    { "line 14: impossible quorum: rules 1 and 3 of approvers of activity 'go' need 4 "
      "distinct people from team 'product', which has 3" } },
  { "err_rule_two_kinds.yaml", 0, RTPL_EINVAL,
    { "line 11: rule 1 of approvers of activity 'go' names more than one of user, team and role" } },
  { "err_rule_no_who.yaml", 0, RTPL_EINVAL,
    { "line 11: rule 1 of approvers of activity 'go' must name a user, a team or a role" } },
  { "err_rule_bad_min.yaml", 0, RTPL_EINVAL,
    { "line 12: 'min' in rule 1 of approvers of activity 'go' must be a whole number",
      "line 13: 'min' in rule 2 of approvers" } },
  { "err_bad_mode.yaml", 0, RTPL_EINVAL,
    { "line 12: 'mode' in approvers of activity 'go' must be all or any",
      "line 13: 'ordered' in approvers of activity 'go' must be true or false" } },
  { "err_approval_no_approvers.yaml", 0, RTPL_EINVAL, { "line 8: approval 'go' needs approvers" } },
  { "err_approvers_empty_rules.yaml", 0, RTPL_EINVAL,
    { "line 11: 'rules' in approvers of activity 'go' must be a non-empty list" } },
  { "err_approvers_on_manual.yaml", 0, RTPL_EINVAL,
    { "line 11: 'approvers' is only allowed on approval activities (activity 'migrate' is manual)" } },
  { "err_manual_no_responsible.yaml", 0, RTPL_EINVAL,
    { "line 8: manual activity 'migrate' needs 'responsible'" } },
  { "err_fields_on_automated.yaml", 0, RTPL_EINVAL,
    { "line 10: 'fields' is only allowed on approval and manual activities (activity 'tests' is automated)" } },
  { "err_bad_duration.yaml", 0, RTPL_EINVAL,
    { "line 11: 'deadline' in activity 'go' is not a duration" } },
  { "err_bad_reminder.yaml", 0, RTPL_EINVAL,
    { "line 12: reminder 2 in activity 'go' is not a duration like 4h" } },
  { "err_reminder_after_deadline.yaml", 0, RTPL_EINVAL,
    { "line 12: reminder 1d in activity 'go' is not before the deadline" } },
  { "err_reminders_no_deadline.yaml", 0, RTPL_EINVAL,
    { "line 11: 'reminders' in activity 'go' need a 'deadline'" } },
  { "err_timeout_no_to.yaml", 0, RTPL_EINVAL,
    { "line 12: on_timeout of activity 'go' escalates but has no 'to'" } },
  { "err_timeout_bad_action.yaml", 0, RTPL_EINVAL,
    { "line 12: 'action' in on_timeout of activity 'go' must be escalate or reject" } },
  { "err_timeout_no_deadline.yaml", 0, RTPL_EINVAL,
    { "line 11: 'on_timeout' in activity 'go' needs a 'deadline'" } },
  { "err_when_non_approval.yaml", 0, RTPL_EINVAL,
    { "line 14: 'when' is only allowed on approval activities (activity 'migrate' is manual)" } },
  { "err_when_no_automated.yaml", 0, RTPL_EINVAL,
    { "line 14: 'when' in activity 'go' needs 'depends_on' to include an automated activity" } },
  { "err_when_bad_value.yaml", 0, RTPL_EINVAL,
    { "line 13: unknown key 'fail' in when of activity 'go'",
      "line 13: 'pass' in when of activity 'go' must be automatic or manual" } },
  { "err_signature_no_meaning.yaml", 0, RTPL_EINVAL,
    { "line 11: signature of activity 'go' requires a signature but gives no 'meaning'" } },
  { "err_field_dup_key.yaml", 0, RTPL_EINVAL,
    { "line 14: duplicate field key 'notes' in activity 'qa-signoff'" } },
  { "err_field_bad_key.yaml", 0, RTPL_EINVAL,
    { "line 12: invalid key 'test-report file' in field 1 of activity 'qa-signoff'" } },
  { "err_field_unknown_type.yaml", 0, RTPL_EINVAL,
    { "line 12: unknown field type 'date' in field 'when' of activity 'qa-signoff'" } },
  { "err_field_select_no_options.yaml", 0, RTPL_EINVAL,
    { "line 12: field 'risk' of activity 'qa-signoff' is a select field and needs 'options'" } },
  { "err_field_accept_not_file.yaml", 0, RTPL_EINVAL,
    { "line 12: 'accept' in field 'report' of activity 'qa-signoff' is only for file fields, not text" } },
  { "err_field_max_size_not_file.yaml", 0, RTPL_EINVAL,
    { "line 12: 'max_size' in field 'notes' of activity 'qa-signoff' is only for file fields" } },
  { "err_field_rule_wrong_type.yaml", 0, RTPL_EINVAL,
    { "line 12: 'options' is not allowed in field 'n' of activity 'qa-signoff' (a number field)",
      "line 13: 'pattern' is not allowed in field 'ok' of activity 'qa-signoff' (a checkbox field)" } },
  { "err_field_min_gt_max.yaml", 0, RTPL_EINVAL,
    { "line 12: min (100) is larger than max (0) in field 'coverage' of activity 'qa-signoff'" } },
  { "err_field_minlen_gt_maxlen.yaml", 0, RTPL_EINVAL,
    { "line 12: min_length (50) is larger than max_length (40) in field 'ticket'" } },
  { "err_field_bad_number.yaml", 0, RTPL_EINVAL,
    { "line 12: 'min' in field 'coverage' of activity 'qa-signoff' must be a number",
      "line 13: 'max_length' in field 'ticket' of activity 'qa-signoff' must be a whole number" } },
  { "err_field_bad_regex.yaml", 0, RTPL_EINVAL,
    { "line 12: 'pattern' in field 'ticket' of activity 'qa-signoff' is not a valid regular expression" } },
  { "err_field_bad_size.yaml", 0, RTPL_EINVAL,
    { "line 12: 'max_size' in field 'report' of activity 'qa-signoff' must be a size like" } },
  { "err_field_bad_accept.yaml", 0, RTPL_EINVAL,
    { "line 12: '.pdf' in 'accept' of field 'report' of activity 'qa-signoff' is not a MIME type" } },
  { "err_field_no_label.yaml", 0, RTPL_EINVAL,
    { "line 12: missing 'label' in field 'notes' of activity 'qa-signoff'" } },
  { "err_bad_on_reject.yaml", 0, RTPL_EINVAL,
    { "line 5: on_reject must be fail_release or fail_phase" } },
  { "err_bad_variable.yaml", 0, RTPL_EINVAL,
    { "line 5: invalid variable name 'image-tag'", "line 5: variable 'image' is listed twice" } },
  { "err_unknown_placeholder.yaml", 0, RTPL_EINVAL,
    { "line 14: instructions of activity 'migrate' use {{vars.image}}, but 'image' is not in 'variables'",
      "line 15: instructions of activity 'migrate' refer to activity 'sign-off', which does not exist" } },
  { "err_webhook_url.yaml", 0, RTPL_EINVAL,
    { "line 12: 'webhook' in action 1 of activity 'go' must be an http:// or https:// URL" } },
  { "err_control_char.yaml", 0, RTPL_EINVAL,
    { "line 12: 'label' in field 'a' of activity 'qa-signoff' contains a control character" } },
  { "err_too_many_phases.yaml", 0, RTPL_EINVAL,
    { "line 70: too many phases: a template may have at most 64" } },
  { "err_too_many_activities.yaml", 0, RTPL_EINVAL,
    { "line 270: too many activities: a template may have at most 256" } },
  { "err_too_many_fields.yaml", 0, RTPL_EINVAL,
    { "line 76: activity 'form' has more than 64 fields" } },
  { "err_many_errors.yaml", 0, RTPL_EINVAL,
    { "line 2: apiVersion must be holdpoint/v1", "line 9: unknown type 'automatic'",
      "line 14: manual activity 'z' needs 'responsible'" } },
};
#define NERROR_CASES ((int)(sizeof ERROR_CASES / sizeof ERROR_CASES[0]))

START_TEST(test_error_fixture)
{
  const struct error_case *ec = &ERROR_CASES[_i];
  struct demo d; struct rtpl_lookup lk = { demo_exists, demo_count, &d };
  struct rtpl_template *t = (struct rtpl_template*)&d;   /* must be reset to NULL */
  char rel[256], err[ERRSZ];
  const char *p;
  int rc, k;
  memset(&d, 0, sizeof d);
  snprintf(rel, sizeof rel, "tests/fixtures/templates/%s", ec->file);
  rc = parse_file(rel, ec->lookup ? &lk : NULL, &t, err);
  ck_assert_msg(rc==ec->rc, "%s: rc %d, want %d; err: %s", ec->file, rc, ec->rc, err);
  ck_assert_ptr_null(t);
  for(k=0; k<3 && ec->expect[k]; k++){
    ck_assert_msg(strstr(err, ec->expect[k])!=NULL, "%s: want \"%s\"\ngot:\n%s", ec->file,
                  ec->expect[k], err);
  }
  /* Every message names its line. */
  for(p=err; *p; ){
    ck_assert_msg(strncmp(p, "line ", 5)==0, "%s: message without line: %s", ec->file, p);
    p = strchr(p, '\n');
    if( p==NULL ) break;
    p++;
  }
  /* Without the directory, errors that need it disappear (and nothing else changes). */
  if( ec->lookup ){
    rc = parse_file(rel, NULL, &t, err);
    ck_assert_msg(rc==RTPL_OK, "%s without lookup: %s", ec->file, err);
    rtpl_free(t);
  }
}
END_TEST

/* Every fixture on disk is either valid or listed in ERROR_CASES. */
START_TEST(test_all_fixtures_listed)
{
  char dir[1024], rel[600], err[ERRSZ];
  const char *root = getenv("HOLDPOINT_ROOT");
  DIR *dp;
  struct dirent *de;
  int nerr = 0, nvalid = 0, k;
  snprintf(dir, sizeof dir, "%s/tests/fixtures/templates", root && *root ? root : ".");
  dp = opendir(dir);
  ck_assert_msg(dp!=NULL, "cannot open %s", dir);
  while( (de = readdir(dp))!=NULL ){
    size_t n = strlen(de->d_name);
    if( n<5 || strcmp(de->d_name + n - 5, ".yaml")!=0 ) continue;
    if( strncmp(de->d_name, "err_", 4)==0 ){
      int found = 0;
      for(k=0; k<NERROR_CASES; k++) if( strcmp(ERROR_CASES[k].file, de->d_name)==0 ) found = 1;
      ck_assert_msg(found, "fixture %s is not in ERROR_CASES", de->d_name);
      nerr++;
    }else{
      struct rtpl_template *t = NULL;
      snprintf(rel, sizeof rel, "tests/fixtures/templates/%s", de->d_name);
      ck_assert_msg(parse_file(rel, NULL, &t, err)==RTPL_OK, "%s: %s", de->d_name, err);
      rtpl_free(t);
      nvalid++;
    }
  }
  closedir(dp);
  ck_assert_int_eq(nerr, NERROR_CASES);
  ck_assert_int_ge(nvalid, 3);
}
END_TEST

/* ---- limits, arguments, buffers ------------------------------------------------------ */

START_TEST(test_too_large)
{
  size_t n = RTPL_MAX_SOURCE + 1;
  char *big = malloc(n);
  struct rtpl_template *t = NULL;
  char err[ERRSZ];
  ck_assert_ptr_nonnull(big);
  memset(big, '#', n);
  ck_assert_int_eq(rtpl_parse(big, n, NULL, &t, err, sizeof err), RTPL_ETOOBIG);
  ck_assert_ptr_null(t);
  ck_assert_ptr_nonnull(strstr(err, "too large"));
  /* Exactly at the limit is parsed (and here is an empty document). */
  ck_assert_int_eq(rtpl_parse(big, n - 1, NULL, &t, err, sizeof err), RTPL_EINVAL);
  ck_assert_str_eq(err, "line 1: the template is empty");
  free(big);
}
END_TEST

START_TEST(test_args)
{
  struct rtpl_template *t = NULL;
  char err[64];
  const char *ok = "apiVersion: holdpoint/v1\nkind: ReleaseTemplate\nname: a\n"
                   "phases: [{name: p, activities: [{name: x, type: automated}]}]\n";
  ck_assert_int_eq(rtpl_parse(NULL, 0, NULL, &t, err, sizeof err), RTPL_EARG);
  ck_assert_int_eq(rtpl_parse(ok, strlen(ok), NULL, NULL, err, sizeof err), RTPL_EARG);
  /* No error buffer at all: still a clean result. */
  ck_assert_int_eq(rtpl_parse("- x", 3, NULL, &t, NULL, 0), RTPL_EINVAL);
  ck_assert_ptr_null(t);
  ck_assert_int_eq(rtpl_parse(ok, strlen(ok), NULL, &t, NULL, 0), RTPL_OK);
  rtpl_free(t);
  rtpl_free(NULL);
  /* Zero-length input. */
  ck_assert_int_eq(rtpl_parse(ok, 0, NULL, &t, err, sizeof err), RTPL_EINVAL);
}
END_TEST

START_TEST(test_err_truncation)
{
  struct rtpl_template *t = NULL;
  char err[16];
  memset(err, 'X', sizeof err);
  ck_assert_int_eq(rtpl_parse("kind: x\n", 8, NULL, &t, err, sizeof err), RTPL_EINVAL);
  ck_assert_uint_lt(strlen(err), sizeof err);
  ck_assert_int_eq(strncmp(err, "line 1: ", 8), 0);
  memset(err, 'X', sizeof err);
  ck_assert_int_eq(rtpl_parse("kind: x\n", 8, NULL, &t, err, 1), RTPL_EINVAL);
  ck_assert_int_eq(err[0], 0);
  ck_assert_int_eq(err[1], 'X');
}
END_TEST

/* More than RTPL_MAX_ERRORS problems: the first 20 and a note. */
START_TEST(test_error_cap)
{
  char src[4096], err[ERRSZ];
  size_t used;
  int i;
  struct rtpl_template *t = NULL;
  used = (size_t)snprintf(src, sizeof src, "apiVersion: holdpoint/v1\nkind: ReleaseTemplate\n"
                          "name: a\nphases: [{name: p, activities: [{name: x, type: automated}]}]\n");
  for(i=0; i<30; i++) used += (size_t)snprintf(src + used, sizeof src - used, "bogus%d: 1\n", i);
  ck_assert_int_eq(parse_str(src, NULL, &t, err), RTPL_EINVAL);
  ck_assert_int_eq(count_lines(err), RTPL_MAX_ERRORS + 1);
  ck_assert_ptr_nonnull(strstr(err, "line 5: unknown key 'bogus0' in the template"));
  ck_assert_ptr_nonnull(strstr(err, "line 24: unknown key 'bogus19'"));
  ck_assert_ptr_null(strstr(err, "bogus20"));
  ck_assert_ptr_nonnull(strstr(err, "\n(more errors not shown)"));
}
END_TEST

START_TEST(test_lookup_failure)
{
  struct demo d; struct rtpl_lookup lk = { demo_exists, NULL, &d };
  struct rtpl_template *t = NULL;
  char err[ERRSZ];
  memset(&d, 0, sizeof d);
  d.fail = 1;
  ck_assert_int_eq(parse_file("tests/fixtures/templates/delivery.yaml", &lk, &t, err),
                   RTPL_ELOOKUP);
  ck_assert_ptr_null(t);
  ck_assert_ptr_nonnull(strstr(err, "could not look up team 'qa'"));
}
END_TEST

START_TEST(test_count_unknown)
{
  struct demo d; struct rtpl_lookup lk = { demo_exists, demo_count, &d };
  struct rtpl_template *t = NULL;
  char err[ERRSZ];
  memset(&d, 0, sizeof d);
  d.unknown_counts = 1;       /* sizes unknown: nothing to check them against */
  ck_assert_int_eq(parse_file("tests/fixtures/templates/err_quorum_team_size.yaml", &lk, &t, err),
                   RTPL_OK);
  ck_assert_int_gt(d.calls_count, 0);
  rtpl_free(t);
  /* Only exists: quorums are not checked either. */
  lk.count = NULL;
  ck_assert_int_eq(parse_file("tests/fixtures/templates/err_quorum_distinct.yaml", &lk, &t, err),
                   RTPL_OK);
  rtpl_free(t);
}
END_TEST

/* Quorums that are possible on the demo directory. */
START_TEST(test_quorum_ok)
{
  struct demo d; struct rtpl_lookup lk = { demo_exists, demo_count, &d };
  struct rtpl_template *t = NULL;
  char err[ERRSZ];
  const char *src =
    "apiVersion: holdpoint/v1\nkind: ReleaseTemplate\nname: q\nphases:\n"
    "  - name: p\n    activities:\n"
    "      - name: a\n        type: approval\n        approvers:\n          rules:\n"
    "            - {team: product, min: 3}\n"            /* exactly the team size */
    "            - {team: sre, min: all}\n"
    "            - {user: carol, min: all}\n"
    "            - {role: approver, min: majority}\n"
    "      - name: b\n        type: approval\n        approvers:\n"
    "          rules: [{team: product, min: 2}, {team: product, min: 2}]\n"
    "          distinct: false\n"                        /* same people may count twice */
    "      - name: c\n        type: approval\n        approvers:\n"
    "          rules: [{team: product, min: 2}, {team: product, min: 2}]\n"
    "          mode: any\n";                             /* either rule suffices */
  memset(&d, 0, sizeof d);
  ck_assert_msg(parse_str(src, &lk, &t, err)==RTPL_OK, "%s", err);
  rtpl_free(t);
}
END_TEST

/* ---- durations, sizes, names (table-driven) ----------------------------------------- */

static const struct { const char *text; long long secs; } DURATIONS[] = {
  { "45s", 45 }, { "90m", 5400 }, { "24h", 86400 }, { "2d", 172800 }, { "366d", 366LL*86400 },
  { "1s", 1 }, { "0h", -1 }, { "1.5h", -1 }, { "-1h", -1 }, { "367d", -1 }, { "h", -1 },
  { "10", -1 }, { "1w", -1 }, { "1 h", -1 }, { "1H", -1 }, { "+1h", -1 },
  { "99999999999999999999h", -1 }, { "\"\"", -1 }, { "[1h]", -1 },
};

START_TEST(test_duration)
{
  char src[1024], err[ERRSZ];
  struct rtpl_template *t = NULL;
  int rc;
  snprintf(src, sizeof src,
    "apiVersion: holdpoint/v1\nkind: ReleaseTemplate\nname: d\nphases:\n  - name: p\n"
    "    activities:\n      - name: a\n        type: approval\n"
    "        approvers: {rules: [{team: qa}]}\n        deadline: %s\n", DURATIONS[_i].text);
  rc = parse_str(src, NULL, &t, err);
  if( DURATIONS[_i].secs<0 ){
    ck_assert_msg(rc==RTPL_EINVAL, "%s accepted", DURATIONS[_i].text);
    ck_assert_msg(strstr(err, "line 10: ")!=NULL, "%s: %s", DURATIONS[_i].text, err);
  }else{
    ck_assert_msg(rc==RTPL_OK, "%s: %s", DURATIONS[_i].text, err);
    ck_assert_int_eq(t->phases[0].activities[0].deadline_s, DURATIONS[_i].secs);
    rtpl_free(t);
  }
}
END_TEST

static const struct { const char *text; long long bytes; } SIZES[] = {
  { "123", 123 }, { "1", 1 }, { "512KB", 524288 }, { "20MB", 20971520 }, { "1GB", 1073741824 },
  { "20mb", 20971520 }, { "1 MB", 1048576 }, { "2MiB", 2097152 }, { "100B", 100 },
  { "16GB", 16LL << 30 }, { "0", -1 }, { "17GB", -1 }, { "20XB", -1 }, { "KB", -1 },
  { "-5", -1 }, { "1.5MB", -1 }, { "20  MB", -1 }, { "99999999999999999999", -1 },
  { "0x10", -1 },
};

START_TEST(test_size)
{
  char src[1024], err[ERRSZ];
  struct rtpl_template *t = NULL;
  int rc;
  char want[64];
  snprintf(src, sizeof src,
    "apiVersion: holdpoint/v1\nkind: ReleaseTemplate\nname: s\nphases:\n  - name: p\n"
    "    activities:\n      - name: a\n        type: manual\n        responsible: {team: qa}\n"
    "        fields:\n          - {key: f, label: F, type: file, max_size: \"%s\"}\n",
    SIZES[_i].text);
  rc = parse_str(src, NULL, &t, err);
  if( SIZES[_i].bytes<0 ){
    ck_assert_msg(rc==RTPL_EINVAL, "%s accepted", SIZES[_i].text);
    ck_assert_msg(strstr(err, "line 11: 'max_size'")!=NULL, "%s: %s", SIZES[_i].text, err);
  }else{
    ck_assert_msg(rc==RTPL_OK, "%s: %s", SIZES[_i].text, err);
    snprintf(want, sizeof want, "{\"max_size\":%lld}", SIZES[_i].bytes);
    ck_assert_str_eq(t->phases[0].activities[0].fields[0].rules_json, want);
    rtpl_free(t);
  }
}
END_TEST

static const struct { const char *name; int ok; } NAMES[] = {
  { "a", 1 }, { "0", 1 }, { "delivery", 1 }, { "my_release-2", 1 },
  { "a23456789012345678901234567890123456789012345678901234567890123", 1 },   /* 63 */
  { "a234567890123456789012345678901234567890123456789012345678901234", 0 },  /* 64 */
  { "Delivery", 0 }, { "-a", 0 }, { "_a", 0 }, { "a b", 0 }, { "a.b", 0 }, { "\"\"", 0 },
  { "\"caf\\u00e9\"", 0 }, { "~", 0 },
};

START_TEST(test_names)
{
  char src[1024], err[ERRSZ];
  struct rtpl_template *t = NULL;
  int rc;
  snprintf(src, sizeof src,
    "apiVersion: holdpoint/v1\nkind: ReleaseTemplate\nname: %s\n"
    "phases: [{name: p, activities: [{name: x, type: automated}]}]\n", NAMES[_i].name);
  rc = parse_str(src, NULL, &t, err);
  if( NAMES[_i].ok ){
    ck_assert_msg(rc==RTPL_OK, "%s: %s", NAMES[_i].name, err);
    rtpl_free(t);
  }else{
    ck_assert_msg(rc==RTPL_EINVAL, "%s accepted", NAMES[_i].name);
    ck_assert_msg(strncmp(err, "line 3: ", 8)==0, "%s: %s", NAMES[_i].name, err);
  }
}
END_TEST

/* YAML syntax the format refuses or treats specially. */
static const struct { const char *yaml; const char *expect; } ODD[] = {
  { "!!map {a: 1}", "line 1: YAML tags (!tag) are not supported" },
  { "a: *x", "line 1: YAML aliases (*name) are not supported" },
  { "a: 1\nb: \xff\n", "line 2: the template is not valid UTF-8 (column 4)" },
  { "a: 1\nb: \xc3\x28\n", "line 2: the template is not valid UTF-8" },
  { "a: 1\nb: \xed\xa0\x80\n", "line 2: the template is not valid UTF-8" },  /* surrogate */
  { "%error:\xff\xff\nb: 1\n", "line 1: the template is not valid UTF-8" },    /* hung libfyaml */
  { "a: 1\n\nb: x\x01y\n", "line 3: the template contains a control character (byte 0x01)" },
  { "a: 1\rb: 2\n", "line 1: the template contains a carriage return that is not part of CRLF" },
  { "name: \"x\\x01y\"\n", "line 1: 'name' in the template contains a control character" },
  { "\"a\\0b\": 1", "line 1: text contains a NUL character" },
  { "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    "line 1: YAML is nested more than 24 levels deep" },
  { "? [a]\n: 1\n", "line 1: complex mapping keys ('? ') are not supported" },
  { "? - a:\t? -\n", "line 1: complex mapping keys ('? ') are not supported" },  /* crashed libfyaml */
  { "x: 1\n- ? a:\t? -\n", "line 2: complex mapping keys ('? ') are not supported" },
  { "a: |\n  text\n? b\n", "line 3: complex mapping keys ('? ') are not supported" },
  { "a: [x]\nb: {[k]: v}\n", "line 2: mapping keys must be plain words (complex keys with '?' are not supported)" },
  { "apiVersion: holdpoint/v1\nkind: ReleaseTemplate\nname: a\n"
    "phases: [{name: p, activities: [{name: x, type: automated, description: ~}]}]\n",
    "line 4: 'description' in activity 'x' has no value" },
  { "apiVersion: holdpoint/v1\nkind: ReleaseTemplate\nname: a\n"
    "phases: [{name: p, activities: [{name: x, type: [automated]}]}]\n",
    "line 4: 'type' in activity 'x' must be text, not a list" },
  { "apiVersion: holdpoint/v1\nkind: ReleaseTemplate\nname: a\nphases: []\n",
    "line 4: 'phases' must be a non-empty list" },
  { "apiVersion: holdpoint/v1\nkind: ReleaseTemplate\nname: a\n"
    "phases: [{name: p, activities: []}]\n",
    "line 4: 'activities' in phase 'p' must be a non-empty list" },
  { "apiVersion: holdpoint/v1\nkind: ReleaseTemplate\nname: a\n"
    "phases: [{name: p, activities: [{name: x, type: manual, responsible: {team: qa}, "
    "signature: {required: yes, meaning: m}}]}]\n",
    "line 4: 'required' in signature of activity 'x' must be true or false" },
};

START_TEST(test_odd_yaml)
{
  struct rtpl_template *t = NULL;
  char err[ERRSZ];
  ck_assert_int_eq(parse_str(ODD[_i].yaml, NULL, &t, err), RTPL_EINVAL);
  ck_assert_ptr_null(t);
  ck_assert_msg(strstr(err, ODD[_i].expect)!=NULL, "want \"%s\"\ngot: %s", ODD[_i].expect, err);
}
END_TEST

/* Lines starting with '?' are fine inside block scalars (only complex keys are refused). */
START_TEST(test_question_lines)
{
  struct rtpl_template *t = NULL;
  char err[ERRSZ];
  const char *src =
    "apiVersion: holdpoint/v1\nkind: ReleaseTemplate\nname: q\n"
    "description: |-   # a comment after the header\n"
    "  ? first\n\n  - ? second\n"
    "phases:\n  - name: p\n    activities:\n      - name: a\n        type: manual\n"
    "        responsible: {team: qa}\n"
    "        instructions: >2\n"
    "            ? indented more than the indicator says\n"
    "          ? third\n"
    "        description: \"#not a comment: |\"\n";
  ck_assert_msg(parse_str(src, NULL, &t, err)==RTPL_OK, "%s", err);
  ck_assert_str_eq(t->description, "? first\n\n- ? second");
  ck_assert_str_eq(t->phases[0].activities[0].instructions,
                   "  ? indented more than the indicator says\n? third\n");
  ck_assert_str_eq(t->phases[0].activities[0].description, "#not a comment: |");
  rtpl_free(t);
}
END_TEST

/* Windows line endings are fine: CRLF reads like LF. */
START_TEST(test_crlf)
{
  size_t len, i, j = 0;
  char *src = read_fixture("tests/fixtures/templates/full.yaml", &len);
  char *crlf = malloc(2 * len + 1);
  struct rtpl_template *t = NULL;
  char err[ERRSZ];
  ck_assert_ptr_nonnull(crlf);
  for(i=0; i<len; i++){
    if( src[i]=='\n' ) crlf[j++] = '\r';
    crlf[j++] = src[i];
  }
  ck_assert_msg(rtpl_parse(crlf, j, NULL, &t, err, sizeof err)==RTPL_OK, "%s", err);
  ck_assert_str_eq(t->description, "Exercises every key.\nSecond line.\n");
  ck_assert_str_eq(rtpl_find_activity(t, "qa-signoff", NULL)->instructions,
    "Check the test report for {{release.version}} of {{ vars.image }}.\n"
    "Helm users: {{ .Values.image }} is not ours and is left alone.\n");
  rtpl_free(t);
  free(crlf);
  free(src);
}
END_TEST

/* Single-quoted text is decoded by rtemplate.c itself (libfyaml 0.7.12 leaks and drops
** characters on adjacent '' escapes): escapes and line folding as YAML 1.2 says. */
START_TEST(test_single_quoted)
{
  struct rtpl_template *t = NULL;
  char err[ERRSZ];
  const char *src =
    "apiVersion: holdpoint/v1\nkind: ReleaseTemplate\nname: 'sq'\n"
    "description: 'first  \n   second\n\n   third\n  '\n"
    "phases:\n  - name: p\n    activities:\n      - name: a\n        type: manual\n"
    "        responsible: {team: qa}\n        fields:\n"
    "          - {key: k, label: 'It''s ''''quoted'''''' twice', type: text}\n"
    "          - {key: e, label: '''''''''''''''''''''''''''''''''''''''''', type: text}\n";
  ck_assert_msg(parse_str(src, NULL, &t, err)==RTPL_OK, "%s", err);
  ck_assert_str_eq(t->name, "sq");
  ck_assert_str_eq(t->description, "first second\nthird ");
  ck_assert_str_eq(t->phases[0].activities[0].fields[0].label, "It's ''quoted''' twice");
  ck_assert_str_eq(t->phases[0].activities[0].fields[1].label, "''''''''''''''''''''");
  rtpl_free(t);
}
END_TEST

/* The input need not be NUL-terminated: parse from an exact-size heap copy (ASan watches). */
START_TEST(test_not_nul_terminated)
{
  size_t len;
  char *src = read_fixture("tests/fixtures/templates/full.yaml", &len);
  char *exact = malloc(len);
  struct rtpl_template *t = NULL;
  char err[ERRSZ];
  ck_assert_ptr_nonnull(exact);
  memcpy(exact, src, len);
  ck_assert_int_eq(rtpl_parse(exact, len, NULL, &t, err, sizeof err), RTPL_OK);
  rtpl_free(t);
  /* Every prefix either parses or fails cleanly. */
  for(size_t n=0; n<len; n+=37){
    int rc = rtpl_parse(exact, n, NULL, &t, err, sizeof err);
    ck_assert(rc==RTPL_OK || rc==RTPL_EINVAL);
    ck_assert(rc==RTPL_OK ? t!=NULL : t==NULL);
    rtpl_free(t);
  }
  free(exact);
  free(src);
}
END_TEST

START_TEST(test_names_of_enums)
{
  ck_assert_str_eq(rtpl_kind_name(RTPL_USER), "user");
  ck_assert_str_eq(rtpl_kind_name(RTPL_TEAM), "team");
  ck_assert_str_eq(rtpl_kind_name(RTPL_ROLE), "role");
  ck_assert_str_eq(rtpl_kind_name(RTPL_NONE), "none");
  ck_assert_str_eq(rtpl_activity_type_name(RTPL_AUTOMATED), "automated");
  ck_assert_str_eq(rtpl_activity_type_name(RTPL_APPROVAL), "approval");
  ck_assert_str_eq(rtpl_activity_type_name(RTPL_MANUAL), "manual");
  ck_assert_str_eq(rtpl_field_type_name(RTPL_FIELD_TEXT), "text");
  ck_assert_str_eq(rtpl_field_type_name(RTPL_FIELD_TEXTAREA), "textarea");
  ck_assert_str_eq(rtpl_field_type_name(RTPL_FIELD_NUMBER), "number");
  ck_assert_str_eq(rtpl_field_type_name(RTPL_FIELD_CHECKBOX), "checkbox");
  ck_assert_str_eq(rtpl_field_type_name(RTPL_FIELD_SELECT), "select");
  ck_assert_str_eq(rtpl_field_type_name(RTPL_FIELD_FILE), "file");
  ck_assert_str_eq(rtpl_field_type_name((enum rtpl_field_type)99), "unknown");
  ck_assert_str_eq(rtpl_when_name(RTPL_WHEN_AUTOMATIC), "automatic");
  ck_assert_str_eq(rtpl_when_name(RTPL_WHEN_MANUAL), "manual");
  ck_assert_str_eq(rtpl_timeout_name(RTPL_TIMEOUT_ESCALATE), "escalate");
  ck_assert_str_eq(rtpl_timeout_name(RTPL_TIMEOUT_REJECT), "reject");
  ck_assert_str_eq(rtpl_timeout_name(RTPL_TIMEOUT_NONE), "none");
  ck_assert_str_eq(rtpl_on_reject_name(RTPL_FAIL_PHASE), "fail_phase");
  ck_assert_str_eq(rtpl_on_reject_name(RTPL_FAIL_RELEASE), "fail_release");
  ck_assert_str_eq(rtpl_strerror(RTPL_EINVAL), "invalid template");
  ck_assert_str_eq(rtpl_strerror(12345), "unknown error");
}
END_TEST

/* ---- runner ------------------------------------------------------------------------- */

static Suite *rtemplate_suite(void){
  Suite *s = suite_create("rtemplate");
  TCase *tc = tcase_create("valid");
  tcase_add_test(tc, test_delivery);
  tcase_add_test(tc, test_minimal_defaults);
  tcase_add_test(tc, test_full);
  tcase_add_loop_test(tc, test_examples, 0, (int)(sizeof EXAMPLES / sizeof EXAMPLES[0]));
  tcase_add_test(tc, test_example_contents);
  tcase_add_test(tc, test_quorum_ok);
  tcase_add_test(tc, test_names_of_enums);
  suite_add_tcase(s, tc);

  tc = tcase_create("errors");
  tcase_add_loop_test(tc, test_error_fixture, 0, NERROR_CASES);
  tcase_add_test(tc, test_all_fixtures_listed);
  tcase_add_test(tc, test_error_cap);
  tcase_add_test(tc, test_lookup_failure);
  tcase_add_test(tc, test_count_unknown);
  tcase_add_loop_test(tc, test_odd_yaml, 0, (int)(sizeof ODD / sizeof ODD[0]));
  suite_add_tcase(s, tc);

  tc = tcase_create("values");
  tcase_add_loop_test(tc, test_duration, 0, (int)(sizeof DURATIONS / sizeof DURATIONS[0]));
  tcase_add_loop_test(tc, test_size, 0, (int)(sizeof SIZES / sizeof SIZES[0]));
  tcase_add_loop_test(tc, test_names, 0, (int)(sizeof NAMES / sizeof NAMES[0]));
  suite_add_tcase(s, tc);

  tc = tcase_create("limits");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_too_large);
  tcase_add_test(tc, test_args);
  tcase_add_test(tc, test_err_truncation);
  tcase_add_test(tc, test_not_nul_terminated);
  tcase_add_test(tc, test_single_quoted);
  tcase_add_test(tc, test_crlf);
  tcase_add_test(tc, test_question_lines);
  suite_add_tcase(s, tc);
  return s;
}

int main(void){
  SRunner *sr = srunner_create(rtemplate_suite());
  int failed;
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? 0 : 1;
}

/* check_notify.c — Check unit tests for notifications (cgi-src/services/notify.c, cgi-src/services/slack.c): Slack request
** signatures, webhook HMAC, CloudEvents, backoff, text templates, Slack messages, channel settings. */
#define _POSIX_C_SOURCE 200809L

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <regex.h>
#include <jansson.h>

#include "notify.h"
#include "slack.h"
#include "vars.h"
#include "arena.h"
#include "app.h"

/* Slack's documented example (api.slack.com/authentication/verifying-requests-from-slack). */
#define SLACK_SECRET "8f742231b10e8888abcd99yyyzzz85a5"
#define SLACK_TS "1531420618"
#define SLACK_BODY "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V" \
  "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=" \
  "https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN" \
  "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
#define SLACK_SIG "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
#define SLACK_NOW (1531420618LL*1000 + 30*1000)     /* 30 s after the request was signed */

static int matches(const char *re, const char *z){
  regex_t rx;
  ck_assert_int_eq(regcomp(&rx, re, REG_EXTENDED|REG_NOSUB), 0);
  int ok = regexec(&rx, z, 0, NULL, 0)==0;
  regfree(&rx);
  return ok;
}

/* ---------------------------------------------------------------- 1. Slack signatures */

START_TEST(t10_slack_known_answer){
  char sig[68];
  slack_sign(SLACK_SECRET, SLACK_TS, SLACK_BODY, strlen(SLACK_BODY), sig);
  ck_assert_str_eq(sig, SLACK_SIG);
  ck_assert_int_eq(slack_verify(SLACK_SECRET, SLACK_TS, SLACK_SIG, SLACK_BODY, strlen(SLACK_BODY), SLACK_NOW), SLACK_SIG_OK);
}
END_TEST

START_TEST(t11_slack_bad_signature){
  char sig[68];
  snprintf(sig, sizeof(sig), "%s", SLACK_SIG);
  sig[10] = sig[10]=='0' ? '1' : '0';                            /* one hex digit off */
  ck_assert_int_eq(slack_verify(SLACK_SECRET, SLACK_TS, sig, SLACK_BODY, strlen(SLACK_BODY), SLACK_NOW), SLACK_SIG_BAD);
  /* the body changed by one byte, a truncated signature, another version, another secret */
  ck_assert_int_eq(slack_verify(SLACK_SECRET, SLACK_TS, SLACK_SIG, SLACK_BODY, strlen(SLACK_BODY) - 1, SLACK_NOW), SLACK_SIG_BAD);
  ck_assert_int_eq(slack_verify(SLACK_SECRET, SLACK_TS, "v0=a2114d57", SLACK_BODY, strlen(SLACK_BODY), SLACK_NOW), SLACK_SIG_BAD);
  char v1[68];
  snprintf(v1, sizeof(v1), "v1=%s", SLACK_SIG + 3);
  ck_assert_int_eq(slack_verify(SLACK_SECRET, SLACK_TS, v1, SLACK_BODY, strlen(SLACK_BODY), SLACK_NOW), SLACK_SIG_BAD);
  ck_assert_int_eq(slack_verify("another-secret", SLACK_TS, SLACK_SIG, SLACK_BODY, strlen(SLACK_BODY), SLACK_NOW), SLACK_SIG_BAD);
  /* the timestamp is signed too: another (fresh) timestamp with the old signature fails */
  ck_assert_int_eq(slack_verify(SLACK_SECRET, "1531420619", SLACK_SIG, SLACK_BODY, strlen(SLACK_BODY), SLACK_NOW), SLACK_SIG_BAD);
  ck_assert_int_eq(slack_verify(SLACK_SECRET, "15314x0618", SLACK_SIG, SLACK_BODY, strlen(SLACK_BODY), SLACK_NOW), SLACK_SIG_BAD);
  ck_assert_int_eq(slack_verify(SLACK_SECRET, "-5", SLACK_SIG, SLACK_BODY, strlen(SLACK_BODY), SLACK_NOW), SLACK_SIG_BAD);
}
END_TEST

START_TEST(t12_slack_old_timestamp){
  int64_t ts = 1531420618LL*1000;
  /* up to five minutes either way is accepted; a moment more is not */
  ck_assert_int_eq(slack_verify(SLACK_SECRET, SLACK_TS, SLACK_SIG, SLACK_BODY, strlen(SLACK_BODY), ts + SLACK_MAX_AGE_MS), SLACK_SIG_OK);
  ck_assert_int_eq(slack_verify(SLACK_SECRET, SLACK_TS, SLACK_SIG, SLACK_BODY, strlen(SLACK_BODY), ts + SLACK_MAX_AGE_MS + 1), SLACK_SIG_STALE);
  ck_assert_int_eq(slack_verify(SLACK_SECRET, SLACK_TS, SLACK_SIG, SLACK_BODY, strlen(SLACK_BODY), ts - SLACK_MAX_AGE_MS - 1), SLACK_SIG_STALE);
  ck_assert_int_eq(slack_verify(SLACK_SECRET, SLACK_TS, SLACK_SIG, SLACK_BODY, strlen(SLACK_BODY), ts + 86400000LL), SLACK_SIG_STALE);
  /* a stale request with a wrong signature is refused as well (either reason) */
  ck_assert_int_ne(slack_verify(SLACK_SECRET, SLACK_TS, "v0=00", SLACK_BODY, strlen(SLACK_BODY), ts + 86400000LL), SLACK_SIG_OK);
}
END_TEST

START_TEST(t13_slack_missing_headers){
  ck_assert_int_eq(slack_verify(SLACK_SECRET, NULL, SLACK_SIG, SLACK_BODY, strlen(SLACK_BODY), SLACK_NOW), SLACK_SIG_MISSING);
  ck_assert_int_eq(slack_verify(SLACK_SECRET, SLACK_TS, NULL, SLACK_BODY, strlen(SLACK_BODY), SLACK_NOW), SLACK_SIG_MISSING);
  ck_assert_int_eq(slack_verify(SLACK_SECRET, "", SLACK_SIG, SLACK_BODY, strlen(SLACK_BODY), SLACK_NOW), SLACK_SIG_MISSING);
  ck_assert_int_eq(slack_verify(SLACK_SECRET, SLACK_TS, "", SLACK_BODY, strlen(SLACK_BODY), SLACK_NOW), SLACK_SIG_MISSING);
  ck_assert_int_eq(slack_verify(NULL, SLACK_TS, SLACK_SIG, SLACK_BODY, strlen(SLACK_BODY), SLACK_NOW), SLACK_SIG_MISSING);
  ck_assert_int_eq(slack_verify("", SLACK_TS, SLACK_SIG, SLACK_BODY, strlen(SLACK_BODY), SLACK_NOW), SLACK_SIG_MISSING);
}
END_TEST

START_TEST(t14_slack_empty_body_roundtrip){
  char sig[68];
  slack_sign("s3cret", "1700000000", "", 0, sig);
  ck_assert(matches("^v0=[0-9a-f]{64}$", sig));
  ck_assert_int_eq(slack_verify("s3cret", "1700000000", sig, "", 0, 1700000000000LL), SLACK_SIG_OK);
  ck_assert_int_eq(slack_verify("s3cret", "1700000000", sig, "x", 1, 1700000000000LL), SLACK_SIG_BAD);
}
END_TEST

/* ---------------------------------------------------------------- 2. webhook HMAC */

START_TEST(t20_hmac_rfc4231){
  char hex[65];
  /* RFC 4231 test case 2 */
  notify_hmac_hex("Jefe", 4, "what do ya want for nothing?", 28, hex);
  ck_assert_str_eq(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}
END_TEST

START_TEST(t21_webhook_signature){
  char sig[72], hex[65];
  const char *body = "{\"specversion\":\"1.0\"}";
  notify_webhook_signature("whsec", body, strlen(body), sig);
  notify_hmac_hex("whsec", 5, body, strlen(body), hex);
  ck_assert(matches("^sha256=[0-9a-f]{64}$", sig));
  ck_assert_str_eq(sig + 7, hex);
  char other[72];
  notify_webhook_signature("whsec2", body, strlen(body), other);
  ck_assert_str_ne(sig, other);
  notify_webhook_signature("whsec", body, strlen(body) - 1, other);
  ck_assert_str_ne(sig, other);
}
END_TEST

/* ---------------------------------------------------------------- 3. CloudEvents */

START_TEST(t30_cloudevent_fields){
  json_t *data = json_pack("{s:s,s:{s:i}}", "event", "waiting", "activity", "id", 42);
  json_t *ce = notify_cloudevent("dev.holdpoint.activity.waiting", "0b0e2a52-1111-4222-8333-444455556666",
                                 1767323045678LL, "activities/42", data);
  ck_assert_ptr_nonnull(ce);
  ck_assert_str_eq(json_string_value(json_object_get(ce, "specversion")), "1.0");
  ck_assert_str_eq(json_string_value(json_object_get(ce, "id")), "0b0e2a52-1111-4222-8333-444455556666");
  ck_assert_str_eq(json_string_value(json_object_get(ce, "source")), "holdpoint");
  ck_assert_str_eq(json_string_value(json_object_get(ce, "type")), "dev.holdpoint.activity.waiting");
  ck_assert_str_eq(json_string_value(json_object_get(ce, "datacontenttype")), "application/json");
  ck_assert_str_eq(json_string_value(json_object_get(ce, "subject")), "activities/42");
  ck_assert_str_eq(json_string_value(json_object_get(ce, "time")), "2026-01-02T03:04:05.678Z");
  ck_assert(matches("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?Z$",
                    json_string_value(json_object_get(ce, "time"))));
  ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(json_object_get(ce, "data"), "activity"), "id")), 42);
  json_decref(ce);
  /* no subject, no data: still a valid event with an empty data object */
  ce = notify_cloudevent("dev.holdpoint.test", "k", 0, NULL, NULL);
  ck_assert_ptr_null(json_object_get(ce, "subject"));
  ck_assert(json_is_object(json_object_get(ce, "data")));
  ck_assert_str_eq(json_string_value(json_object_get(ce, "time")), "1970-01-01T00:00:00.000Z");
  json_decref(ce);
}
END_TEST

START_TEST(t31_event_types){
  static const char *const pairs[][2] = {
    { "waiting", "dev.holdpoint.activity.waiting" }, { "approved", "dev.holdpoint.activity.approved" },
    { "rejected", "dev.holdpoint.activity.rejected" }, { "expired", "dev.holdpoint.activity.rejected" },
    { "escalated", "dev.holdpoint.activity.escalated" }, { "reminder", "dev.holdpoint.activity.reminder" },
    { "release_failed", "dev.holdpoint.release.failed" }, { "release_aborted", "dev.holdpoint.release.aborted" },
    { "proceeded", "dev.holdpoint.activity.done" },
  };
  for(size_t i=0; i<sizeof(pairs)/sizeof(pairs[0]); i++){
    ck_assert_str_eq(notify_event_ce_type(pairs[i][0]), pairs[i][1]);
  }
  ck_assert_ptr_null(notify_event_ce_type("nonsense"));
  ck_assert_ptr_null(notify_event_ce_type(NULL));
  /* every event belongs to a preference people can choose (except the admin's test) */
  ck_assert_str_eq(notify_event_pref("expired"), "rejected");
  ck_assert_str_eq(notify_event_pref("proceeded"), "done");
  ck_assert_str_eq(notify_event_pref("release_aborted"), "release");
  size_t n;
  const struct notify_event *ev = notify_events(&n);
  ck_assert_uint_ge(n, 7);
  for(size_t i=0; i<n; i++) ck_assert_ptr_eq(notify_event_find(ev[i].key), &ev[i]);
  ck_assert(notify_pref_default("email"));
  ck_assert(notify_pref_default("inapp"));
  ck_assert(!notify_pref_default("sms"));
}
END_TEST

START_TEST(t32_keys_are_uuids){
  char a[37], b[37];
  ck_assert_int_eq(notify_new_key(a), 0);
  ck_assert_int_eq(notify_new_key(b), 0);
  ck_assert(matches("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", a));
  ck_assert_str_ne(a, b);
}
END_TEST

/* ---------------------------------------------------------------- 4. backoff */

START_TEST(t40_backoff){
  ck_assert_int_eq(notify_backoff_ms(30000, 1), 30000);
  ck_assert_int_eq(notify_backoff_ms(30000, 2), 60000);
  ck_assert_int_eq(notify_backoff_ms(30000, 3), 120000);
  ck_assert_int_eq(notify_backoff_ms(30000, 8), 30000LL*128);
  ck_assert_int_eq(notify_backoff_ms(100, 4), 800);
  /* capped at a day, however many attempts, without overflow */
  ck_assert_int_eq(notify_backoff_ms(30000, 30), 24LL*3600*1000);
  ck_assert_int_eq(notify_backoff_ms(30000, 1000000), 24LL*3600*1000);
  ck_assert_int_eq(notify_backoff_ms(INT64_MAX/2, 3), 24LL*3600*1000);
  /* nonsense in, sane out */
  ck_assert_int_eq(notify_backoff_ms(0, 1), 1);
  ck_assert_int_eq(notify_backoff_ms(-5, 2), 2);
  ck_assert_int_eq(notify_backoff_ms(500, 0), 500);
  /* monotonic */
  for(int k=1; k<40; k++) ck_assert_int_le(notify_backoff_ms(1000, k), notify_backoff_ms(1000, k+1));
}
END_TEST

/* ---------------------------------------------------------------- 5. text templates */

static const struct vars_kv KV[] = { { "image", "registry.example/app:2.4.0" }, { "version", "2.4.0" } };
static const struct vars_output OUT[] = {
  { "qa-signoff", "notes", "All green" },
  { "qa-signoff", "responsible_user.display_name", "Bob Tester" },
};

static void text_fixture(struct vars_release *rel, struct notify_text *t){
  memset(rel, 0, sizeof(*rel));
  rel->id = 7; rel->name = "checkout"; rel->version = "2.4.0"; rel->artifact = "registry.example/app:2.4.0";
  rel->vars = KV; rel->nvars = 2; rel->outputs = OUT; rel->noutputs = 2;
  memset(t, 0, sizeof(*t));
  t->rel = rel;
  t->activity_id = 42;
  t->activity_name = "production-approval";
  t->activity_kind = "approval";
  t->phase = "production";
  t->link = "https://holdpoint.example/activities/42";
  t->deadline = "2026-01-02 03:04 UTC";
  t->event = "waiting";
  t->recipient_name = "Carol Reliability";
  t->recipient_username = "carol";
}

START_TEST(t50_render_variables){
  struct vars_release rel;
  struct notify_text t;
  char *subject, *body;
  text_fixture(&rel, &t);
  const char *tpl =
    "\n{{activity.name}} in {{release.name}} {{ release.version }} waits\n\n\n"
    "Hello {{recipient.name}} ({{recipient.username}}),\n"
    "image {{vars.image}}; QA said \"{{activities.qa-signoff.outputs.notes}}\" "
    "({{activities.qa-signoff.outputs.responsible_user.display_name}}).\n"
    "Due {{activity.deadline}} in {{activity.phase}} #{{activity.id}} / {{release.id}}.\n"
    "Open {{activity.link}} {{unknown.thing}}{{ not a placeholder }}\n";
  ck_assert_int_eq(notify_render(tpl, &t, &subject, &body), 0);
  ck_assert_str_eq(subject, "production-approval in checkout 2.4.0 waits");
  ck_assert_str_eq(body,
    "Hello Carol Reliability (carol),\n"
    "image registry.example/app:2.4.0; QA said \"All green\" (Bob Tester).\n"
    "Due 2026-01-02 03:04 UTC in production #42 / 7.\n"
    "Open https://holdpoint.example/activities/42 {{ not a placeholder }}\n");
  free(subject);
  free(body);
}
END_TEST

START_TEST(t51_render_subject_is_one_line){
  struct vars_release rel;
  struct notify_text t;
  char *subject, *body;
  text_fixture(&rel, &t);
  rel.name = "evil\r\nBcc: someone@example.com";     /* a value cannot add header lines */
  ck_assert_int_eq(notify_render("{{release.name}} {{outcome}}\nbody {{release.name}}", &t, &subject, &body), 0);
  ck_assert_ptr_null(strchr(subject, '\n'));
  ck_assert_ptr_null(strchr(subject, '\r'));
  ck_assert_str_eq(subject, "evil  Bcc: someone@example.com ");
  ck_assert_str_eq(body, "body evil\r\nBcc: someone@example.com");
  free(subject);
  free(body);
  /* empty template, values never scanned again */
  rel.name = "{{release.version}}";
  ck_assert_int_eq(notify_render("{{release.name}}", &t, &subject, &body), 0);
  ck_assert_str_eq(subject, "{{release.version}}");
  ck_assert_str_eq(body, "");
  free(subject);
  free(body);
  ck_assert_int_eq(notify_render(NULL, &t, &subject, &body), 0);
  ck_assert_str_eq(subject, "");
  free(subject);
  free(body);
}
END_TEST

START_TEST(t52_shipped_templates){
  /* the files in templates/notify/ (or the built-in texts) name the link; unknown events fall back to "finished" */
  static const char *const events[] = { "waiting", "reminder", "escalated", "approved", "rejected", "expired",
                                        "proceeded", "aborted", "release_failed", "release_aborted", "test", "other" };
  struct app a;
  struct vars_release rel;
  struct notify_text t;
  memset(&a, 0, sizeof(a));
  snprintf(a.cfg.root_dir, sizeof(a.cfg.root_dir), "%s", getenv("HOLDPOINT_ROOT") ? getenv("HOLDPOINT_ROOT") : ".");
  text_fixture(&rel, &t);
  for(int pass=0; pass<2; pass++){
    if( pass==1 ) snprintf(a.cfg.root_dir, sizeof(a.cfg.root_dir), "/nonexistent");   /* built-in texts */
    for(size_t i=0; i<sizeof(events)/sizeof(events[0]); i++){
      char *tpl = notify_template_text(&a, events[i]), *subject, *body;
      ck_assert_ptr_nonnull(tpl);
      t.event = events[i];
      t.outcome = "approved";
      ck_assert_int_eq(notify_render(tpl, &t, &subject, &body), 0);
      ck_assert_msg(subject[0], "%s: empty subject", events[i]);
      ck_assert_msg(strstr(body, "https://holdpoint.example/activities/42"), "%s: no link in %s", events[i], body);
      if( i<3 ) ck_assert_msg(strstr(subject, "production-approval in checkout 2.4.0"), "%s: %s", events[i], subject);
      free(tpl);
      free(subject);
      free(body);
    }
  }
  /* a name that could leave the directory is never used as a file name */
  snprintf(a.cfg.root_dir, sizeof(a.cfg.root_dir), "%s", getenv("HOLDPOINT_ROOT") ? getenv("HOLDPOINT_ROOT") : ".");
  char *tpl = notify_template_text(&a, "../../etc/passwd");
  ck_assert_ptr_nonnull(tpl);
  ck_assert_ptr_null(strstr(tpl, "root:"));
  free(tpl);
}
END_TEST

/* ---------------------------------------------------------------- 6. Slack messages */

START_TEST(t60_slack_message_buttons){
  struct slack_msg m = { "a <b> & c", "line 1\nline <2>", "https://h.example/activities/9", "key-1", 9, 1 };
  json_t *j = slack_message(&m);
  ck_assert_ptr_nonnull(j);
  ck_assert_str_eq(json_string_value(json_object_get(j, "text")), "a <b> & c");
  json_t *blocks = json_object_get(j, "blocks");
  ck_assert_int_eq(json_array_size(blocks), 2);
  json_t *sec = json_array_get(blocks, 0);
  ck_assert_str_eq(json_string_value(json_object_get(sec, "block_id")), "hp-key-1");
  const char *txt = json_string_value(json_object_get(json_object_get(sec, "text"), "text"));
  ck_assert_str_eq(txt, "*<https://h.example/activities/9|a &lt;b&gt; &amp; c>*\nline 1\nline &lt;2&gt;");
  json_t *el = json_object_get(json_array_get(blocks, 1), "elements");
  ck_assert_int_eq(json_array_size(el), 3);
  ck_assert_str_eq(json_string_value(json_object_get(json_array_get(el, 0), "action_id")), "approve");
  ck_assert_str_eq(json_string_value(json_object_get(json_array_get(el, 0), "value")), "9");
  ck_assert_str_eq(json_string_value(json_object_get(json_array_get(el, 1), "action_id")), "reject");
  ck_assert_str_eq(json_string_value(json_object_get(json_array_get(el, 1), "value")), "9");
  ck_assert_str_eq(json_string_value(json_object_get(json_array_get(el, 2), "url")), "https://h.example/activities/9");
  json_decref(j);
  /* without buttons only the link */
  m.buttons = 0;
  j = slack_message(&m);
  el = json_object_get(json_array_get(json_object_get(j, "blocks"), 1), "elements");
  ck_assert_int_eq(json_array_size(el), 1);
  ck_assert_str_eq(json_string_value(json_object_get(json_array_get(el, 0), "action_id")), "open");
  json_decref(j);
}
END_TEST

START_TEST(t61_slack_escape_and_long_text){
  char *z = slack_escape("<@U1> & <!channel>");
  ck_assert_str_eq(z, "&lt;@U1&gt; &amp; &lt;!channel&gt;");
  free(z);
  char big[6000];
  memset(big, 'x', sizeof(big)-1);
  big[sizeof(big)-1] = 0;
  big[2499] = (char)0xc3; big[2500] = (char)0xa9;               /* an é across the cut */
  struct slack_msg m = { "s", big, NULL, "k", 0, 0 };
  json_t *j = slack_message(&m);
  ck_assert_ptr_nonnull(j);                                      /* jansson refuses invalid UTF-8 */
  const char *txt = json_string_value(json_object_get(json_object_get(json_array_get(json_object_get(j, "blocks"), 0), "text"), "text"));
  ck_assert_uint_le(strlen(txt), 3000);
  ck_assert_int_eq(json_array_size(json_object_get(j, "blocks")), 1);   /* no link, no buttons */
  json_decref(j);
}
END_TEST

/* ---------------------------------------------------------------- 7. channel settings, identities */

/* notify_channel_check for settings given as JSON text: NULL when fine, else the field it names ("" = the whole object). */
static char problem_field[80];
static const char *problem(const char *type, const char *js){
  json_t *c = json_loads(js, 0, NULL);
  ck_assert_ptr_nonnull(c);
  struct hp_err e;
  int rc = notify_channel_check(type, c, &e);
  json_decref(c);
  if( rc==HP_OK ) return NULL;
  ck_assert_int_eq(rc, HP_UNPROCESSABLE);
  ck_assert(e.reason[0]);
  snprintf(problem_field, sizeof problem_field, "%s", e.field);
  return problem_field;
}

START_TEST(t70_channel_problems){
  ck_assert_ptr_null(problem("email", "{\"url\":\"smtp://127.0.0.1:2525\",\"from\":\"hp@example.com\"}"));
  ck_assert_ptr_null(problem("email", "{\"url\":\"smtps://mail.example:465\",\"from\":\"hp@example.com\",\"starttls\":\"required\"}"));
  ck_assert_str_eq(problem("email", "{\"url\":\"http://mail.example\",\"from\":\"hp@example.com\"}"), "url");
  ck_assert_str_eq(problem("email", "{\"url\":\"smtp://mail.example\"}"), "from");
  ck_assert_str_eq(problem("email", "{\"url\":\"smtp://mail.example\",\"from\":\"a@b\",\"starttls\":\"maybe\"}"), "starttls");
  ck_assert_ptr_null(problem("file", "{}"));
  ck_assert_ptr_null(problem("file", "{\"dir\":\"mail/out\"}"));
  ck_assert_str_eq(problem("file", "{\"dir\":\"../etc\"}"), "dir");
  ck_assert_str_eq(problem("file", "{\"dir\":\"/tmp\"}"), "dir");
  ck_assert_str_eq(problem("file", "{\"dir\":\"a/../../b\"}"), "dir");
  ck_assert_ptr_null(problem("slack", "{\"url\":\"https://hooks.slack.com/services/T/B/x\"}"));
  ck_assert_ptr_null(problem("slack", "{\"url\":\"file:slack\"}"));
  ck_assert_str_eq(problem("slack", "{\"url\":\"file:../slack\"}"), "url");
  ck_assert_str_eq(problem("teams", "{\"url\":\"ftp://x\"}"), "url");
  ck_assert_str_eq(problem("webhook", "{\"url\":\"https://x\\r\\nHost: y\"}"), "url");
  ck_assert_str_eq(problem("webhook", "{\"url\":\"https://x\",\"events\":\"waiting\"}"), "events");
  ck_assert_ptr_null(problem("webhook", "{\"url\":\"https://x\",\"events\":[\"waiting\"],\"secret\":\"s\",\"keptn\":true}"));
  ck_assert_ptr_null(problem("sms", "{\"url\":\"http://127.0.0.1:9/sms\",\"auth_header\":\"Authorization: Bearer t\"}"));
  ck_assert_str_eq(problem("sms", "{\"url\":\"http://127.0.0.1:9/sms\",\"auth_header\":\"Bearer t\"}"), "auth_header");
  ck_assert_str_eq(problem("pigeon", "{\"url\":\"https://x\"}"), "type");
  ck_assert_str_eq(problem(NULL, "{}"), "type");
  struct hp_err e;
  ck_assert_int_eq(notify_channel_check("webhook", NULL, &e), HP_UNPROCESSABLE);
  ck_assert_str_eq(e.field, "");
}
END_TEST

START_TEST(t71_identities){
  ck_assert_ptr_null(notify_identity_problem("slack", "U0123ABCD"));
  ck_assert_ptr_null(notify_identity_problem("slack", "W0123ABCD"));
  ck_assert_ptr_nonnull(notify_identity_problem("slack", "u0123abcd"));
  ck_assert_ptr_nonnull(notify_identity_problem("slack", "U0123 ABCD"));
  ck_assert_ptr_nonnull(notify_identity_problem("slack", ""));
  ck_assert_ptr_null(notify_identity_problem("sms", "+15551234567"));
  ck_assert_ptr_nonnull(notify_identity_problem("sms", "5551234567"));
  ck_assert_ptr_nonnull(notify_identity_problem("sms", "+1555-123"));
  ck_assert_ptr_nonnull(notify_identity_problem("fax", "+15551234567"));
}
END_TEST

static Suite *notify_suite(void){
  Suite *s = suite_create("notify");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, t10_slack_known_answer);
  tcase_add_test(tc, t11_slack_bad_signature);
  tcase_add_test(tc, t12_slack_old_timestamp);
  tcase_add_test(tc, t13_slack_missing_headers);
  tcase_add_test(tc, t14_slack_empty_body_roundtrip);
  tcase_add_test(tc, t20_hmac_rfc4231);
  tcase_add_test(tc, t21_webhook_signature);
  tcase_add_test(tc, t30_cloudevent_fields);
  tcase_add_test(tc, t31_event_types);
  tcase_add_test(tc, t32_keys_are_uuids);
  tcase_add_test(tc, t40_backoff);
  tcase_add_test(tc, t50_render_variables);
  tcase_add_test(tc, t51_render_subject_is_one_line);
  tcase_add_test(tc, t52_shipped_templates);
  tcase_add_test(tc, t60_slack_message_buttons);
  tcase_add_test(tc, t61_slack_escape_and_long_text);
  tcase_add_test(tc, t70_channel_problems);
  tcase_add_test(tc, t71_identities);
  suite_add_tcase(s, tc);
  return s;
}

int main(void){
  SRunner *sr = srunner_create(notify_suite());
  int failed;
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed==0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

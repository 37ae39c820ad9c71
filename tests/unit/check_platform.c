/* check_platform.c — router matching, template escaping, db helpers, response headers, audit chain. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/stat.h>
#include "router.h"
#include "tmpl.h"
#include "db.h"
#include "stats.h"
#include "app.h"
#include "req.h"
#include "audit.h"

START_TEST(t_router_match){
  int64_t ids[4]; int n = -1;
  ck_assert(router_match("/healthz", "/healthz", ids, &n));
  ck_assert_int_eq(n, 0);
  ck_assert(!router_match("/healthz", "/healthz/", ids, &n));
  ck_assert(!router_match("/healthz", "/health", ids, &n));
  ck_assert(router_match("/releases/{id}", "/releases/42", ids, &n));
  ck_assert_int_eq(n, 1); ck_assert_int_eq(ids[0], 42);
  ck_assert(router_match("/a/{id}/b/{id}/c", "/a/7/b/9/c", ids, &n));
  ck_assert_int_eq(n, 2); ck_assert_int_eq(ids[0], 7); ck_assert_int_eq(ids[1], 9);
  ck_assert(!router_match("/releases/{id}", "/releases/0", ids, &n));       /* not positive */
  ck_assert(!router_match("/releases/{id}", "/releases/012", ids, &n));     /* leading zero */
  ck_assert(!router_match("/releases/{id}", "/releases/-1", ids, &n));
  ck_assert(!router_match("/releases/{id}", "/releases/1x", ids, &n));
  ck_assert(!router_match("/releases/{id}", "/releases/", ids, &n));
  ck_assert(!router_match("/releases/{id}", "/releases/9999999999999999999", ids, &n)); /* overflow */
  ck_assert(router_match("/releases/{id}", "/releases/999999999999999999", ids, &n));
}
END_TEST

START_TEST(t_router_find){
  int64_t ids[4]; int n, matched;
  ck_assert_ptr_nonnull(router_find("GET", "/healthz", ids, &n, &matched));
  ck_assert_ptr_nonnull(router_find("HEAD", "/healthz", ids, &n, &matched));   /* HEAD answers as GET */
  ck_assert_ptr_null(router_find("POST", "/healthz", ids, &n, &matched));
  ck_assert_int_eq(matched, 1);                                                /* -> 405 */
  ck_assert_ptr_null(router_find("GET", "/nowhere", ids, &n, &matched));
  ck_assert_int_eq(matched, 0);                                                /* -> 404 */
  const struct route *rt = router_find("POST", "/logout", ids, &n, &matched);
  ck_assert_ptr_nonnull(rt);
  ck_assert(rt->flags & RF_AUTH);
  ck_assert(rt->flags & RF_CSRF);
}
END_TEST

static int emit(void *ctx, const char *z, size_t n){
  struct buf *b = ctx;
  buf_append(b, z, n);
  return 0;
}

START_TEST(t_template_escapes_script){
  const char *root = getenv("HOLDPOINT_ROOT");
  char dir[4200];
  snprintf(dir, sizeof(dir), "%s/templates", root ? root : ".");
  ck_assert_int_eq(tmpl_init(dir), 0);
  tmpl_dict *d = tmpl_dict_new("t");
  tmpl_set(d, "X", "<script>alert(\"x\")</script>&'");
  tmpl_set(tmpl_section(d, "ROW"), "V", "<b>1</b>");
  tmpl_set(tmpl_section(d, "ROW"), "V", "2");
  struct buf b;
  buf_init(&b);
  ck_assert_int_eq(tmpl_expand_string("t1", "{{%AUTOESCAPE context=\"HTML\"}}<p>{{X}}</p><a href=\"{{X}}\">"
                                      "{{#ROW}}[{{V}}]{{/ROW}}", d, emit, &b), 0);
  ck_assert_ptr_null(strstr(b.z, "<script>"));
  ck_assert_ptr_nonnull(strstr(b.z, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;"));
  ck_assert_ptr_nonnull(strstr(b.z, "[&lt;b&gt;1&lt;/b&gt;][2]"));
  buf_free(&b);
  tmpl_dict_free(d);
}
END_TEST

START_TEST(t_template_every_file_autoescapes){
  const char *root = getenv("HOLDPOINT_ROOT");
  char path[4200];
  const char *names[] = { "_header.tpl", "_footer.tpl", "error.tpl", "login.tpl", "inbox.tpl", "activity.tpl", "release.tpl", "audit.tpl" };
  for(size_t i=0; i<sizeof(names)/sizeof(names[0]); i++){
    snprintf(path, sizeof(path), "%s/templates/%s", root ? root : ".", names[i]);
    FILE *f = fopen(path, "r");
    if( f==NULL ) continue;          /* a page family may have replaced it */
    char first[64] = "";
    ck_assert_ptr_nonnull(fgets(first, sizeof(first), f));
    fclose(f);
    ck_assert_msg(strncmp(first, "{{%AUTOESCAPE context=\"HTML\"}}", 30)==0, "%s lacks AUTOESCAPE", names[i]);
  }
}
END_TEST

START_TEST(t_template_missing_file_fails_cleanly){
  tmpl_dict *d = tmpl_dict_new("t");
  struct buf b;
  buf_init(&b);
  ck_assert_int_ne(tmpl_expand("no-such-template.tpl", d, emit, &b), 0);
  ck_assert_int_ne(tmpl_expand_string("bad", "{{#OPEN}} unterminated", d, emit, &b), 0);
  buf_free(&b);
  tmpl_dict_free(d);
}
END_TEST

/* Close db and remove the directory fresh_db made, with the database's files. */
static void drop_db(struct db *db, const char *dir){
  char p[128];
  db_close(db);
  for(const char *const *f = (const char *const[]){ "t.db", "t.db-wal", "t.db-shm", NULL }; *f; f++){
    snprintf(p, sizeof(p), "%s/%s", dir, *f);
    unlink(p);
  }
  rmdir(dir);
}

static struct db *fresh_db(char *dir, size_t n){
  snprintf(dir, n, "/tmp/hp-unit-XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(dir));
  char path[4200];
  snprintf(path, sizeof(path), "%s/t.db", dir);
  struct db *db;
  ck_assert_int_eq(db_open(path, &db), 0);
  const char *root = getenv("HOLDPOINT_ROOT");
  char sql[4200];
  snprintf(sql, sizeof(sql), "%s/sql", root ? root : ".");
  ck_assert_int_eq(db_migrate(db, sql, 0), 0);
  return db;
}

/* Write transactions nest: an inner one is a savepoint its rollback undoes alone. */
START_TEST(t_db_nested_transactions){
  char dir[64];
  struct db *db = fresh_db(dir, sizeof(dir));
  int64_t n0 = db_int(db, "SELECT count(*) FROM settings", -1);
  ck_assert_int_eq(db_begin_write(db), 0);
  ck_assert_int_eq(db_exec(db, "INSERT INTO settings(key,value) VALUES('outer','1')"), 0);
  ck_assert_int_eq(db_begin_write(db), 0);                      /* a savepoint */
  ck_assert_int_eq(db_exec(db, "INSERT INTO settings(key,value) VALUES('inner','1')"), 0);
  db_rollback(db);                                              /* undoes only the inner one */
  ck_assert(db_in_tx(db));
  ck_assert_int_eq(db_begin_write(db), 0);
  ck_assert_int_eq(db_exec(db, "INSERT INTO settings(key,value) VALUES('kept','1')"), 0);
  ck_assert_int_eq(db_commit(db), 0);                           /* into the outer one */
  ck_assert(db_in_tx(db));
  ck_assert_int_eq(db_commit(db), 0);
  ck_assert(!db_in_tx(db));
  ck_assert_int_eq(db_int(db, "SELECT count(*) FROM settings", -1), n0 + 2);
  ck_assert_int_eq(db_int(db, "SELECT count(*) FROM settings WHERE key='inner'", -1), 0);
  /* an inner commit is undone by the outer rollback */
  ck_assert_int_eq(db_begin_write(db), 0);
  ck_assert_int_eq(db_begin_write(db), 0);
  ck_assert_int_eq(db_exec(db, "INSERT INTO settings(key,value) VALUES('gone','1')"), 0);
  ck_assert_int_eq(db_commit(db), 0);
  db_rollback(db);
  ck_assert(!db_in_tx(db));
  ck_assert_int_eq(db_int(db, "SELECT count(*) FROM settings WHERE key='gone'", -1), 0);
  db_rollback(db);                                              /* safe with none open */
  drop_db(db, dir);
}
END_TEST

/* What db_prepare sends to PostgreSQL for SQLite-flavoured SQL (pg_translate). */
START_TEST(t_db_pg_translate){
  static const struct { const char *in, *out; } cases[] = {
    { "SELECT a FROM t WHERE id=:id AND b=:b OR id=:id", "SELECT a FROM t WHERE id=$1 AND b=$2 OR id=$1" },
    { "SELECT ':x', \"c:y\", x::text FROM t WHERE z=:z -- :comment\n", "SELECT ':x', \"c:y\", x::text FROM t WHERE z=$1 -- :comment\n" },
    { "SELECT 'it''s :no' || :yes", "SELECT 'it''s :no' || $1" },
    { "INSERT OR IGNORE INTO t(a) VALUES(:a)", "INSERT INTO t(a) VALUES($1) ON CONFLICT DO NOTHING" },
    { "SELECT 1 WHERE a=1 OR b=2", "SELECT 1 WHERE a=1 OR b=2" },
    { "SELECT 1 FROM a x CROSS JOIN b y ON y.x=x.id", "SELECT 1 FROM a x JOIN b y ON y.x=x.id" },
    { "SELECT count(*) FROM t a WHERE a.r=1 AND +a.status='x'", "SELECT count(*) FROM t a WHERE a.r=1 AND a.status='x'" },
    { "SELECT 1+a, a + b FROM t", "SELECT 1+a, a + b FROM t" },
    { "SELECT count(*) FROM (SELECT 1 FROM t LIMIT :n)", "SELECT count(*) FROM (SELECT 1 FROM t LIMIT $1) AS hp_sq1" },
    { "SELECT x FROM (SELECT 1 AS x) q JOIN (SELECT 2 AS y) ON 1=1", "SELECT x FROM (SELECT 1 AS x) q JOIN (SELECT 2 AS y) AS hp_sq1 ON 1=1" },
    { "SELECT 1 WHERE a IN (SELECT b FROM c) AND EXISTS(SELECT 1)", "SELECT 1 WHERE a IN (SELECT b FROM c) AND EXISTS(SELECT 1)" },
    { "SELECT 1 WHERE n LIKE :q", "SELECT 1 WHERE n ILIKE $1" },
    { "SELECT CAST(v AS INTEGER), char(31), json_extract(j,'$.a'), x.json_each", "SELECT CAST(v AS BIGINT), chr(31), hp_json_extract(j,'$.a'), x.json_each" },
    { "SELECT value FROM json_each(:g) WHERE json_valid(:g)", "SELECT value FROM hp_json_each($1) WHERE hp_json_valid($1)" },
    { "SELECT char_length(c), likes, ORDERS FROM t", "SELECT char_length(c), likes, ORDERS FROM t" },
  };
  for(size_t i=0; i<sizeof(cases)/sizeof(cases[0]); i++){
    char *got = db_pg_translate(cases[i].in);
    ck_assert_ptr_nonnull(got);
    ck_assert_msg(strcmp(got, cases[i].out)==0, "case %zu: %s\n  gave %s\n  want %s", i, cases[i].in, got, cases[i].out);
    free(got);
  }
}
END_TEST

/* A writer waits for another's lock (and /metrics counts the waits), then gives up. */
START_TEST(t_db_busy_waits_then_gives_up){
  char dir[64], path[128];
  struct db *db = fresh_db(dir, sizeof(dir)), *other = NULL;
  snprintf(path, sizeof(path), "%s/t.db", dir);
  ck_assert_int_eq(stats_init(), 0);
  ck_assert_int_eq(db_open(path, &other), 0);
  ck_assert_int_eq(db_begin_write(db), 0);
  uint64_t before = stats_get()->sqlite_busy;
  ck_assert_int_eq(db_begin_write(other), -1);                   /* busy */
  ck_assert(!db_in_tx(other));
  ck_assert_uint_gt(stats_get()->sqlite_busy, before + 10);     /* it retried, more than a few times */
  ck_assert(db_in_tx(db));                                      /* the other's failure left this one alone */
  ck_assert_int_eq(db_commit(db), 0);
  ck_assert_int_eq(db_begin_write(other), 0);                    /* free again */
  db_rollback(other);
  ck_assert(!db_in_tx(other));
  db_close(other);
  drop_db(db, dir);
}
END_TEST

/* db_generation: unchanged while nothing changes; moves when another connection commits (seen
   from the next snapshot, not inside the one already open) and when this one writes. */
START_TEST(t_db_generation){
  char dir[64], path[128];
  struct db *db = fresh_db(dir, sizeof(dir)), *other = NULL;
  snprintf(path, sizeof(path), "%s/t.db", dir);
  ck_assert_int_eq(db_open(path, &other), 0);
  int64_t g0 = db_generation(db);
  ck_assert(g0!=0);
  ck_assert(db_generation(db)==g0);                              /* nothing happened */
  ck_assert_int_eq(db_int(db, "SELECT count(*) FROM settings", -1), 0);
  ck_assert(db_generation(db)==g0);                              /* reading changes nothing */
  db_begin_read(db);
  int64_t g1 = db_generation(db);
  ck_assert(g1==g0);
  ck_assert_int_eq(db_exec(other, "INSERT INTO settings(key,value) VALUES('a','1')"), 0);
  ck_assert(db_generation(db)==g1);                              /* the open snapshot does not see it */
  ck_assert_int_eq(db_int(db, "SELECT count(*) FROM settings", -1), 0);
  db_end_read(db);
  int64_t g2 = db_generation(db);
  ck_assert(g2!=g1);                                             /* another connection committed */
  ck_assert_int_eq(db_exec(db, "INSERT INTO settings(key,value) VALUES('b','1')"), 0);
  int64_t g3 = db_generation(db);
  ck_assert(g3!=g2);                                             /* this connection wrote */
  ck_assert(g3!=g1);
  ck_assert(db_generation(db)==g3);
  db_close(other);
  drop_db(db, dir);
}
END_TEST

START_TEST(t_db_helpers){
  char dir[64];
  struct db *db = fresh_db(dir, sizeof(dir));
  ck_assert_int_ge(db_schema_version(db), 1);
  ck_assert_int_eq(db_int(db, "PRAGMA foreign_keys", -1), 1);
  ck_assert_int_eq(db_int(db, "PRAGMA synchronous", -1), 2);      /* FULL */
  /* migrating again changes nothing */
  int v = db_schema_version(db);
  char sql[4200];
  snprintf(sql, sizeof(sql), "%s/sql", getenv("HOLDPOINT_ROOT") ? getenv("HOLDPOINT_ROOT") : ".");
  ck_assert_int_eq(db_migrate(db, sql, 0), 0);
  ck_assert_int_eq(db_schema_version(db), v);
  /* named binds, text with quotes is data not SQL */
  ck_assert_int_eq(db_begin_write(db), 0);
  ck_assert(db_in_tx(db));
  struct db_stmt *st = db_prepare(db, "INSERT INTO settings(key,value) VALUES(:k,:v)");
  ck_assert_ptr_nonnull(st);
  ck_assert_int_eq(db_bind_text(st, ":k", "x'); DROP TABLE users; --"), 0);
  ck_assert_int_eq(db_bind_text(st, ":v", "1"), 0);
  ck_assert_int_eq(db_bind_text(st, ":nope", "1"), -1);          /* unknown parameter */
  ck_assert_int_eq(db_step(st), DB_DONE);
  db_finish(st);
  ck_assert_int_eq(db_commit(db), 0);
  ck_assert_int_eq(db_int(db, "SELECT count(*) FROM users", -1), 0);
  ck_assert_int_eq(db_int(db, "SELECT count(*) FROM settings", -1), 1);
  /* rollback leaves nothing */
  ck_assert_int_eq(db_begin_write(db), 0);
  ck_assert_int_eq(db_exec(db, "INSERT INTO settings(key,value) VALUES('y','2')"), 0);
  db_rollback(db);
  ck_assert_int_eq(db_int(db, "SELECT count(*) FROM settings", -1), 1);
  db_rollback(db);                                                /* harmless without a transaction */
  /* the audit table refuses UPDATE and DELETE */
  ck_assert_int_eq(db_exec(db, "INSERT INTO audit_log(at,action,prev_hash,hash) VALUES(1,'x','a','b')"), 0);
  ck_assert_int_ne(db_exec(db, "UPDATE audit_log SET action='y'"), 0);
  ck_assert_int_ne(db_exec(db, "DELETE FROM audit_log"), 0);
  ck_assert_int_eq(db_int(db, "SELECT count(*) FROM audit_log WHERE action='x'", -1), 1);
  drop_db(db, dir);
}
END_TEST

START_TEST(t_resp_header_refuses_crlf){
  struct app app;
  memset(&app, 0, sizeof(app));
  struct req r;
  req_init(&r, &app, NULL);
  ck_assert_int_eq(resp_header(&r, "X-Ok", "value"), 0);
  ck_assert_int_eq(resp_header(&r, "X-Bad", "a\r\nSet-Cookie: x=1"), -1);
  ck_assert_int_eq(resp_header(&r, "X-Bad", "a\nb"), -1);
  ck_assert_int_eq(resp_header(&r, "Bad Name", "v"), -1);
  ck_assert_int_eq(resp_header(&r, "Bad:Name", "v"), -1);
  ck_assert_ptr_null(strstr(r.hdrs.z, "Set-Cookie"));
  ck_assert_ptr_nonnull(strstr(r.hdrs.z, "X-Ok: value\r\n"));
  /* redirects only go to local paths */
  resp_redirect(&r, "%s", "//evil.example/x");
  ck_assert_int_eq(r.status, 303);
  ck_assert_ptr_nonnull(strstr(r.hdrs.z, "Location: /\r\n"));
  req_free(&r);
}
END_TEST

START_TEST(t_audit_canonical_and_chain){
  struct audit_row a = { .seq = 1, .at = 1000, .actor_id = 2, .actor_name = "carol", .ip = "127.0.0.1",
    .session_hash = "s", .user_agent = "ua", .request_id = "r", .action = "x.y", .object_type = "activity",
    .object_id = 3, .release_id = 4, .details_json = "{}" };
  struct audit_row b = a;
  struct buf ca, cb;
  buf_init(&ca); buf_init(&cb);
  audit_canonical(&a, &ca);
  audit_canonical(&b, &cb);
  ck_assert_str_eq(ca.z, cb.z);
  ck_assert_ptr_nonnull(strstr(ca.z, "5:carol,"));
  /* moving a character between adjacent fields changes the encoding */
  b.actor_name = "caro"; b.ip = "l127.0.0.1";
  buf_reset(&cb);
  audit_canonical(&b, &cb);
  ck_assert_str_ne(ca.z, cb.z);
  unsigned char key[32] = { 1 };
  char h1[65], h2[65], h3[65];
  audit_chain_hash(key, 32, AUDIT_GENESIS, ca.z, ca.len, h1);
  audit_chain_hash(key, 32, AUDIT_GENESIS, ca.z, ca.len, h2);
  ck_assert_str_eq(h1, h2);
  ck_assert_uint_eq(strlen(h1), 64);
  audit_chain_hash(key, 32, h1, ca.z, ca.len, h3);          /* another predecessor, another hash */
  ck_assert_str_ne(h1, h3);
  key[0] = 2;
  audit_chain_hash(key, 32, AUDIT_GENESIS, ca.z, ca.len, h2); /* another key, another hash */
  ck_assert_str_ne(h1, h2);
  buf_free(&ca); buf_free(&cb);
}
END_TEST

int main(void){
  Suite *s = suite_create("platform");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, t_router_match);
  tcase_add_test(tc, t_router_find);
  tcase_add_test(tc, t_template_escapes_script);
  tcase_add_test(tc, t_template_every_file_autoescapes);
  tcase_add_test(tc, t_template_missing_file_fails_cleanly);
  tcase_add_test(tc, t_db_helpers);
  tcase_add_test(tc, t_db_generation);
  tcase_add_test(tc, t_db_pg_translate);
  tcase_add_test(tc, t_db_nested_transactions);
  tcase_add_test(tc, t_db_busy_waits_then_gives_up);
  tcase_add_test(tc, t_resp_header_refuses_crlf);
  tcase_add_test(tc, t_audit_canonical_and_chain);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* main.c — the holdpoint command: serve, and the operator commands. */
#include "app.h"
#include "db.h"
#include "server.h"
#include "router.h"
#include "users.h"
#include "twostep.h"
#include "federate.h"
#include "auth.h"
#include "audit.h"
#include "backup.h"
#include "doctor.h"
#include "export.h"
#include "seed.h"
#include "bench.h"
#include "notify.h"
#include "engine.h"
#include "mayact.h"
#include "rtemplate.h"
#include "log.h"
#include <stdio.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <pwd.h>

static void usage(void){
  fputs(
"usage: holdpoint COMMAND [ARGS]\n"
"  serve                          run the FastCGI server (master, workers, job runner)\n"
"  migrate                        apply the migrations in sql/\n"
"  seed-demo                      add the demo users, teams, token and releases (once)\n"
"  user add NAME --email E --display-name D [--role R]... [--team T]...   (password on stdin)\n"
"  user passwd NAME               (password on stdin)\n"
"  user disable NAME | user enable NAME | user list\n"
"  user link NAME --slack UXXXX | --phone +15551234567   (\"\" unlinks; Slack buttons, SMS)\n"
"  user two-step-reset NAME       turn a person's two-step sign-in off (lost phone and recovery codes)\n"
"  team add NAME [--description D] | team list\n"
"  group-map list | load FILE     the company groups that give teams and roles (README, Company sign-in)\n"
"  group-map add GROUP team:NAME|role:NAME | group-map remove ID\n"
"  directory-sync                 look every LDAP person up again now (groups, teams, roles; gone: disabled)\n"
"  team member add|remove TEAM USER\n"
"  token create --user NAME --name LABEL   (prints the token once)\n"
"  token revoke ID | token list\n"
"  audit verify [--head SEQ:HASH] | audit head   (verify checks against the latest checkpoint by default)\n"
"  backup DIR                     copy the database (while serving), the audit key and the evidence,\n"
"                                 with a MANIFEST of checksums, into a new directory\n"
"  backup verify DIR              check a backup: every file and the audit chain\n"
"  migrate-store [--from sqlite:PATH] --to postgres://USER@HOST/DB\n"
"                                 copy this installation's SQLite database into an empty PostgreSQL one,\n"
"                                 verify it there (rows, audit chain, evidence checksums); only once\n"
"  restore DIR [--replace]        verify a backup, then restore it into HOLDPOINT_DATA\n"
"  audit export --format csv|jsonl [--release ID]   (to standard output; recorded in the trail)\n"
"  template import FILE.yaml      validate and store a release template (next version)\n"
"  template list                  the templates and their latest versions\n"
"  routes                         every URL with who may call it (method, pattern, access, roles)\n"
"  doctor                         check the installation (files, permissions, database, audit chain,\n"
"                                 server, nginx) and say what to fix (exit 1: something must be fixed)\n"
"Environment: HOLDPOINT_DATA (data directory), HOLDPOINT_ROOT (templates/ and sql/).\n", stderr);
}

/* The audit identity of whoever runs an operator command. */
static void cli_ctx(struct audit_ctx *c){
  static char name[80];
  struct passwd *pw = getpwuid(getuid());
  snprintf(name, sizeof(name), "cli:%s", pw ? pw->pw_name : "unknown");
  memset(c, 0, sizeof(*c));
  c->actor_name = name;
  c->request_id = "cli";
}

static int open_db(struct app *a, int migrate){
  char sqldir[PATH_MAX+8];
  if( server_ensure_dirs(a) ) return -1;
  if( app_db_open(a, &a->db) ) return -1;
  snprintf(sqldir, sizeof(sqldir), "%s/sql", a->cfg.root_dir);
  if( migrate && db_migrate(a->db, sqldir, migrate>1) ) return -1;
  if( db_schema_version(a->db)==0 ){
    fprintf(stderr, "holdpoint: the database is empty; run 'holdpoint migrate' first\n");
    return -1;
  }
  return 0;
}

/* Read one line (the password) from stdin without its newline. */
static int read_password(char *out, size_t n){
  if( isatty(0) ) fprintf(stderr, "Password: ");
  if( fgets(out, (int)n, stdin)==NULL ) return -1;
  out[strcspn(out, "\r\n")] = 0;
  return 0;
}

static const char *opt(int argc, char **argv, const char *name){
  for(int i=0; i<argc-1; i++) if( strcmp(argv[i], name)==0 ) return argv[i+1];
  return NULL;
}

static int cmd_user(struct app *a, int argc, char **argv){
  struct audit_ctx c;
  char err[300];
  cli_ctx(&c);
  if( argc<1 ){ usage(); return 2; }
  if( strcmp(argv[0], "list")==0 ){
    struct db_stmt *st = db_prepare(a->db, "SELECT u.username, u.display_name, u.email, u.disabled,"
      " (SELECT group_concat(role, ',') FROM user_roles WHERE user_id=u.id),"
      " (SELECT group_concat(t.name, ',') FROM team_members m JOIN teams t ON t.id=m.team_id WHERE m.user_id=u.id)"
      " FROM users u ORDER BY u.username");
    while( st && db_step(st)==DB_ROW ){
      printf("%-16s %-24s %-28s roles=%s teams=%s%s\n", db_col_text(st, 0), db_col_text(st, 1),
             db_col_text(st, 2), db_col_text(st, 4), db_col_text(st, 5), db_col_int(st, 3) ? " (disabled)" : "");
    }
    db_finish(st);
    return 0;
  }
  if( argc<2 ){ usage(); return 2; }
  const char *name = argv[1];
  int64_t id = 0;
  if( strcmp(argv[0], "add")==0 ){
    const char *email = opt(argc, argv, "--email"), *display = opt(argc, argv, "--display-name");
    const char *teams[32];
    int nteams = 0;
    unsigned roles = 0;
    if( email==NULL || display==NULL ){ fprintf(stderr, "holdpoint: user add needs --email and --display-name\n"); return 2; }
    for(int i=2; i<argc-1; i++){
      if( strcmp(argv[i], "--role")==0 ){
        unsigned b = users_role_bit(argv[i+1]);
        if( b==0 ){ fprintf(stderr, "holdpoint: unknown role '%s' (release_manager, approver, qa, auditor, admin)\n", argv[i+1]); return 2; }
        roles |= b;
      }else if( strcmp(argv[i], "--team")==0 && nteams<32 ){
        teams[nteams++] = argv[i+1];
      }
    }
    char pw[512];
    if( read_password(pw, sizeof(pw)) ){ fprintf(stderr, "holdpoint: no password on standard input\n"); return 2; }
    int rc = users_add(a, &c, name, display, email, pw, roles, teams, nteams, &id, err, sizeof(err));
    if( rc ){ fprintf(stderr, "holdpoint: %s\n", err); return 1; }
    printf("added user %s (id %lld)\n", name, (long long)id);
    return 0;
  }
  if( !users_find(a, name, &id) ){ fprintf(stderr, "holdpoint: no user '%s'\n", name); return 1; }
  if( strcmp(argv[0], "link")==0 ){
    /* issue 8 (notify.c): link a Slack user id or an SMS phone number; "" unlinks */
    const char *slack = opt(argc, argv, "--slack"), *phone = opt(argc, argv, "--phone");
    if( (slack==NULL)==(phone==NULL) ){ fprintf(stderr, "holdpoint: user link NAME --slack UXXXX | --phone +15551234567\n"); return 2; }
    if( notify_link_identity(a, &c, id, slack ? "slack" : "sms", slack ? slack : phone, err, sizeof(err)) ){
      fprintf(stderr, "holdpoint: %s\n", err);
      return 1;
    }
    printf("%s %s %s\n", name, (slack ? slack : phone)[0] ? "linked to" : "unlinked from", slack ? slack : phone);
    return 0;
  }
  if( strcmp(argv[0], "passwd")==0 ){
    char pw[512];
    if( read_password(pw, sizeof(pw)) ){ fprintf(stderr, "holdpoint: no password on standard input\n"); return 2; }
    if( users_set_password(a, &c, id, pw, err, sizeof(err)) ){ fprintf(stderr, "holdpoint: %s\n", err); return 1; }
    printf("password changed for %s\n", name);
    return 0;
  }
  if( strcmp(argv[0], "disable")==0 || strcmp(argv[0], "enable")==0 ){
    int dis = argv[0][0]=='d';
    if( users_set_disabled(a, &c, id, dis) ){ fprintf(stderr, "holdpoint: could not change %s\n", name); return 1; }
    printf("%s %s%s\n", name, dis ? "disabled" : "enabled", dis ? "; their sessions and tokens have ended" : "");
    return 0;
  }
  if( strcmp(argv[0], "two-step-reset")==0 ){
    if( twostep_disable(a, &c, id) ){ fprintf(stderr, "holdpoint: could not change %s\n", name); return 1; }
    printf("two-step sign-in is off for %s; they set it up again at their next sign-in if their role requires it\n", name);
    return 0;
  }
  usage();
  return 2;
}

static int cmd_team(struct app *a, int argc, char **argv){
  struct audit_ctx c;
  char err[300];
  cli_ctx(&c);
  if( argc>=1 && strcmp(argv[0], "list")==0 ){
    struct db_stmt *st = db_prepare(a->db, "SELECT t.name, (SELECT group_concat(u.username, ',') FROM team_members m"
      " JOIN users u ON u.id=m.user_id WHERE m.team_id=t.id) FROM teams t ORDER BY t.name");
    while( st && db_step(st)==DB_ROW ) printf("%-16s %s\n", db_col_text(st, 0), db_col_text(st, 1));
    db_finish(st);
    return 0;
  }
  if( argc>=2 && strcmp(argv[0], "add")==0 ){
    int64_t id;
    const char *desc = opt(argc, argv, "--description");
    if( users_team_add(a, &c, argv[1], desc ? desc : "", &id, err, sizeof(err)) ){ fprintf(stderr, "holdpoint: %s\n", err); return 1; }
    printf("added team %s\n", argv[1]);
    return 0;
  }
  if( argc>=4 && strcmp(argv[0], "member")==0 ){
    int64_t tid, uid;
    int add = strcmp(argv[1], "add")==0;
    if( !add && strcmp(argv[1], "remove")!=0 ){ usage(); return 2; }
    if( !users_team_find(a, argv[2], &tid) ){ fprintf(stderr, "holdpoint: no team '%s'\n", argv[2]); return 1; }
    if( !users_find(a, argv[3], &uid) ){ fprintf(stderr, "holdpoint: no user '%s'\n", argv[3]); return 1; }
    if( users_team_member(a, &c, tid, uid, add, err, sizeof(err)) ){ fprintf(stderr, "holdpoint: %s\n", err); return 1; }
    printf("%s %s team %s\n", argv[3], add ? "added to" : "removed from", argv[2]);
    return 0;
  }
  usage();
  return 2;
}

static int cmd_group_map(struct app *a, int argc, char **argv){
  struct audit_ctx c;
  char err[400];
  cli_ctx(&c);
  if( argc>=1 && strcmp(argv[0], "list")==0 ){
    struct db_stmt *st = db_prepare(a->db, "SELECT id, grp, target_kind, target, source FROM group_map ORDER BY grp, target_kind, target");
    while( st && db_step(st)==DB_ROW ){
      printf("%-5s %-40s %s:%s (%s)\n", db_col_text(st, 0), db_col_text(st, 1), db_col_text(st, 2), db_col_text(st, 3),
             db_col_text(st, 4));
    }
    db_finish(st);
    return 0;
  }
  if( argc==2 && strcmp(argv[0], "load")==0 ){
    if( fed_map_load_file(a, &c, argv[1], err, sizeof(err)) ){ fprintf(stderr, "holdpoint: %s\n", err); return 1; }
    printf("group map loaded from %s\n", argv[1]);
    return 0;
  }
  if( argc==3 && strcmp(argv[0], "add")==0 ){
    char kind[8];
    const char *colon = strchr(argv[2], ':');
    if( colon==NULL || colon-argv[2]>5 ){ fprintf(stderr, "holdpoint: say team:NAME or role:NAME\n"); return 2; }
    snprintf(kind, sizeof(kind), "%.*s", (int)(colon-argv[2]), argv[2]);
    if( fed_map_add(a, &c, argv[1], kind, colon+1, "admin", err, sizeof(err)) ){ fprintf(stderr, "holdpoint: %s\n", err); return 1; }
    printf("mapped %s to %s\n", argv[1], argv[2]);
    return 0;
  }
  if( argc==2 && strcmp(argv[0], "remove")==0 ){
    int rc = fed_map_remove(a, &c, strtoll(argv[1], NULL, 10));
    if( rc==HP_NOT_FOUND ){ fprintf(stderr, "holdpoint: no mapping %s made here (lines of the file change in the file)\n", argv[1]); return 1; }
    if( rc ){ fprintf(stderr, "holdpoint: could not remove mapping %s\n", argv[1]); return 1; }
    printf("removed mapping %s\n", argv[1]);
    return 0;
  }
  usage();
  return 2;
}

static int cmd_token(struct app *a, int argc, char **argv){
  struct audit_ctx c;
  cli_ctx(&c);
  if( argc>=1 && strcmp(argv[0], "create")==0 ){
    const char *user = opt(argc, argv, "--user"), *label = opt(argc, argv, "--name");
    int64_t uid, tid;
    char tok[80];
    if( user==NULL || label==NULL ){ fprintf(stderr, "holdpoint: token create needs --user and --name\n"); return 2; }
    if( !users_find(a, user, &uid) ){ fprintf(stderr, "holdpoint: no user '%s'\n", user); return 1; }
    if( db_begin_write(a->db) ) return 1;
    if( auth_token_create(a, uid, label, tok, sizeof(tok), &tid)
     || audit_append(a, &c, "token.create", "token", tid, 0, "{s:s,s:s}", "user", user, "name", label)
     || db_commit(a->db) ){
      db_rollback(a->db);
      fprintf(stderr, "holdpoint: could not create the token\n");
      return 1;
    }
    printf("%s\n", tok);
    return 0;
  }
  if( argc>=2 && strcmp(argv[0], "revoke")==0 ){
    char *end;
    long long id = strtoll(argv[1], &end, 10);
    if( *end || id<=0 ){ fprintf(stderr, "holdpoint: token revoke takes the token's id (see 'token list')\n"); return 2; }
    if( db_begin_write(a->db) ) return 1;
    int changed = auth_token_revoke(a, id, 0);
    if( changed!=1 || audit_append(a, &c, "token.revoke", "token", id, 0, NULL) || db_commit(a->db) ){
      db_rollback(a->db);
      fprintf(stderr, "holdpoint: no active token %lld\n", id);
      return 1;
    }
    printf("token %lld revoked\n", id);
    return 0;
  }
  if( argc>=1 && strcmp(argv[0], "list")==0 ){
    struct db_stmt *st = db_prepare(a->db, "SELECT t.id, u.username, t.name, t.revoked_at IS NOT NULL"
                                         " FROM api_tokens t JOIN users u ON u.id=t.user_id ORDER BY t.id");
    while( st && db_step(st)==DB_ROW ){
      printf("%-5lld %-16s %s%s\n", (long long)db_col_int64(st, 0), db_col_text(st, 1),
             db_col_text(st, 2), db_col_int(st, 3) ? " (revoked)" : "");
    }
    db_finish(st);
    return 0;
  }
  usage();
  return 2;
}

static int cmd_audit(struct app *a, int argc, char **argv){
  char msg[512];
  if( argc>=1 && strcmp(argv[0], "verify")==0 ){
    /* against the head kept elsewhere, or else the latest checkpoint (so a trail cut short is found) */
    const char *head = opt(argc, argv, "--head");
    char cp[160], when[40] = "";
    int64_t at = 0;
    if( head==NULL ){
      int k = audit_checkpoint_latest(a, cp, sizeof(cp), &at, msg, sizeof(msg));
      if( k<0 ){ fprintf(stderr, "holdpoint: audit verify FAILED: %s\n", msg); return 1; }
      if( k>0 ){ head = cp; app_iso_time(at, when, (int)sizeof(when)); }
    }
    int rc = audit_verify(a, head, msg, sizeof(msg));
    fprintf(rc==0 ? stdout : stderr, "%s%s", rc==0 ? "" : "holdpoint: audit verify FAILED: ", msg);
    if( when[0] ) fprintf(rc==0 ? stdout : stderr, " (checked against the checkpoint of %s, row %lld)", when, strtoll(cp, NULL, 10));
    fputc('\n', rc==0 ? stdout : stderr);
    return rc==0 ? 0 : 1;
  }
  if( argc>=1 && strcmp(argv[0], "head")==0 ){
    if( audit_head(a, msg, sizeof(msg)) ) return 1;
    printf("%s\n", msg);
    return 0;
  }
  if( argc>=1 && strcmp(argv[0], "export")==0 ){
    /* the same rows and format as the web's downloads; the export is itself recorded first */
    const char *format = opt(argc, argv, "--format"), *rel = opt(argc, argv, "--release");
    struct export_filter f;
    struct audit_ctx c;
    enum export_format fmt;
    memset(&f, 0, sizeof(f));
    if( format && strcmp(format, "csv")==0 ) fmt = EXPORT_CSV;
    else if( format && strcmp(format, "jsonl")==0 ) fmt = EXPORT_JSONL;
    else{ fprintf(stderr, "holdpoint: audit export needs --format csv or --format jsonl\n"); return 2; }
    if( rel ){
      char *end;
      long long id = strtoll(rel, &end, 10);
      if( *end || id<=0 || rel[0]<'0' || rel[0]>'9' ){ fprintf(stderr, "holdpoint: --release takes a release id\n"); return 2; }
      struct db_stmt *st = db_prepare(a->db, "SELECT 1 FROM releases WHERE id=:id");
      int found = st && db_bind_int64(st, ":id", id)==0 && db_step(st)==DB_ROW;
      db_finish(st);
      if( !found ){ fprintf(stderr, "holdpoint: no release %lld\n", id); return 1; }
      f.release_id = id;
    }
    cli_ctx(&c);
    if( db_begin_write(a->db)
     || audit_append(a, &c, "audit.export", f.release_id ? "release" : "", f.release_id, f.release_id,
                     "{s:s,s:o}", "format", format, "filters", export_filter_json(&f))
     || db_commit(a->db) ){
      db_rollback(a->db);
      fprintf(stderr, "holdpoint: could not record the export in the audit trail; nothing exported\n");
      return 1;
    }
    int rc = export_audit(a->db, &f, fmt, export_write_stdio, stdout, NULL);
    if( fflush(stdout)!=0 ) rc = HP_ERROR;
    if( rc!=HP_OK ) fprintf(stderr, "holdpoint: the export failed (see the messages above)\n");
    return rc==HP_OK ? 0 : 1;
  }
  usage();
  return 2;
}

/* Read a template file (at most RTPL_MAX_SOURCE+1 bytes, so a larger one is refused by the parser). */
static char *read_template_file(const char *path, size_t *n){
  FILE *f = fopen(path, "rb");
  if( f==NULL ) return NULL;
  size_t cap = RTPL_MAX_SOURCE + 2;
  char *z = malloc(cap);
  if( z ){
    *n = fread(z, 1, cap - 1, f);
    if( ferror(f) ){ free(z); z = NULL; }
    else z[*n] = 0;
  }
  fclose(f);
  return z;
}

/*
** template import FILE.yaml — validate against the directory and store as
** the next version; prints each problem as "FILE: line N: ..." and exits 1.
** template list — each template's latest version.
*/
static int cmd_template(struct app *a, int argc, char **argv){
  struct audit_ctx c;
  cli_ctx(&c);
  if( argc==2 && strcmp(argv[0], "import")==0 ){
    size_t n = 0;
    char *yaml = read_template_file(argv[1], &n);
    if( yaml==NULL ){ fprintf(stderr, "holdpoint: cannot read %s\n", argv[1]); return 1; }
    char err[8192];
    int64_t id = 0;
    int unchanged = 0;
    int rc = engine_template_import(a, &c, yaml, n, 0, &id, &unchanged, err, sizeof(err));
    free(yaml);
    if( rc ){
      char *line = err, *nl;
      do{
        nl = strchr(line, '\n');
        if( nl ) *nl = 0;
        if( line[0] ) fprintf(stderr, "holdpoint: %s: %s\n", argv[1], line);
        line = nl ? nl + 1 : NULL;
      }while( line );
      return 1;
    }
    struct db_stmt *st = db_prepare(a->db, "SELECT name, version FROM templates WHERE id=:id");
    if( st ){
      db_bind_int64(st, ":id", id);
      if( db_step(st)==DB_ROW ){
        printf(unchanged ? "template %s is unchanged: version %lld (id %lld) is already this text\n"
                         : "imported template %s version %lld (id %lld)\n", db_col_text(st, 0),
               (long long)db_col_int64(st, 1), (long long)id);
      }
      db_finish(st);
    }
    return 0;
  }
  if( argc==1 && strcmp(argv[0], "list")==0 ){
    struct db_stmt *st = db_prepare(a->db, "SELECT t.name, t.version, t.description,"
      " (SELECT count(*) FROM templates x WHERE x.name=t.name) FROM templates t"
      " WHERE t.version=(SELECT max(version) FROM templates y WHERE y.name=t.name) ORDER BY t.name");
    while( st && db_step(st)==DB_ROW ){
      printf("%-24s v%-4lld %s\n", db_col_text(st, 0), (long long)db_col_int64(st, 1), db_col_text(st, 2));
    }
    db_finish(st);
    return 0;
  }
  usage();
  return 2;
}

/*
** engine complete ACTIVITY_ID OUTCOME [--comment C] — finish an on_hold
** activity in its current round, as the operator.  Not in the usage text: a
** tool for tests and emergencies until decisions are made in the app.
*/
static int cmd_engine(struct app *a, int argc, char **argv){
  struct audit_ctx c;
  cli_ctx(&c);
  if( argc>=3 && strcmp(argv[0], "complete")==0 ){
    char *end;
    long long id = strtoll(argv[1], &end, 10);
    if( *end || id<=0 ){ fprintf(stderr, "holdpoint: engine complete takes an activity id\n"); return 2; }
    const char *comment = opt(argc, argv, "--comment");
    struct db_stmt *st = db_prepare(a->db, "SELECT round FROM activities WHERE id=:id");
    int round = 0;
    if( st ){
      db_bind_int64(st, ":id", id);
      if( db_step(st)==DB_ROW ) round = db_col_int(st, 0);
      db_finish(st);
    }
    int rc = round ? engine_complete(a, &c, id, round, argv[2], comment ? comment : "") : HP_NOT_FOUND;
    switch( rc ){
      case HP_OK: printf("activity %lld %s\n", id, argv[2]); return 0;
      case HP_NOT_FOUND: fprintf(stderr, "holdpoint: no activity %lld\n", id); return 1;
      case HP_UNPROCESSABLE: fprintf(stderr, "holdpoint: '%s' does not fit this activity"
                                     " (approved|rejected for approvals, proceeded|aborted for manual tasks)\n", argv[2]); return 1;
      case HP_CONFLICT: fprintf(stderr, "holdpoint: activity %lld is not waiting for a decision\n", id); return 1;
      default: fprintf(stderr, "holdpoint: could not complete activity %lld\n", id); return 1;
    }
  }
  usage();
  return 2;
}

/*
** holdpoint routes — the route table as the router enforces it, one line per
** route: METHOD PATTERN ACCESS ROLES (tab-separated; ACCESS public, session
** or token; ROLES comma-separated, or "-" for anyone signed in).  The access
** tests compare it with their own table of expected answers.
*/
static int cmd_routes(void){
  for(size_t i=0; i<router_nroutes; i++){
    const struct route *rt = &router_routes[i];
    const char *access = (rt->flags & RF_PUBLIC) ? "public" : (rt->flags & RF_API) ? "token" : "session";
    printf("%s\t%s\t%s\t", rt->method, rt->pattern, access);
    int n = 0;
    for(unsigned bit = 1; bit && bit <= ROLE_ADMIN; bit <<= 1){
      if( rt->roles & bit ) printf("%s%s", n++ ? "," : "", users_role_name(bit));
    }
    printf("%s\n", n ? "" : "-");
  }
  return 0;
}

int main(int argc, char **argv){
  struct app app;
  memset(&app, 0, sizeof(app));
  if( argc<2 || strcmp(argv[1], "-h")==0 || strcmp(argv[1], "--help")==0 ){ usage(); return argc<2 ? 2 : 0; }
  if( app_config_load(&app.cfg) ) return 2;
  const char *cmd = argv[1];
  if( strcmp(cmd, "serve")==0 ) return server_run(&app);
  if( strcmp(cmd, "routes")==0 ) return cmd_routes();
  if( strcmp(cmd, "doctor")==0 ){
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = doctor_run(&app);
    db_close(app.db);
    return rc;
  }
  int rc;
  if( strcmp(cmd, "migrate")==0 ){
    rc = open_db(&app, 2) ? 1 : 0;
    if( rc==0 ) rc = audit_load_key(&app, 1) ? 1 : 0;
    /* who may act, for rounds opened before this version kept it (idempotent) */
    if( rc==0 && (db_begin_write(app.db) || mayact_refresh_open(&app) || db_commit(app.db)) ){
      db_rollback(app.db);
      fprintf(stderr, "holdpoint: could not compute who may act on the open activities\n");
      rc = 1;
    }
    if( rc==0 ) printf("database at schema version %d\n", db_schema_version(app.db));
  }else if( app.cfg.database[0] && (strcmp(cmd, "backup")==0 || strcmp(cmd, "restore")==0) ){
    fprintf(stderr, "holdpoint: %s copies a SQLite installation; this one stores in PostgreSQL (HOLDPOINT_DATABASE):"
                    " back it up with PostgreSQL's tools (pg_basebackup, pg_dump) and the shared evidence directory"
                    " and key with the file system's (README, Several nodes)\n", cmd);
    return 1;
  }else if( strcmp(cmd, "restore")==0 || (strcmp(cmd, "backup")==0 && argc>2 && strcmp(argv[2], "verify")==0) ){
    /* these open the backup's database themselves; restore must not create one in HOLDPOINT_DATA */
    char msg[600];
    int verify = strcmp(cmd, "backup")==0;
    const char *dir = argc>(verify ? 3 : 2) ? argv[verify ? 3 : 2] : NULL;
    int replace = !verify && argc>3 && strcmp(argv[3], "--replace")==0;
    if( dir==NULL || (!verify && argc>3 && !replace) ){ usage(); return 2; }
    if( !verify ) mkdir(app.cfg.data_dir, 0750);
    rc = verify ? backup_verify(&app, dir, msg, sizeof(msg)) : backup_restore(&app, dir, replace, msg, sizeof(msg));
    fprintf(rc ? stderr : stdout, "%s%s\n", rc ? "holdpoint: " : "", msg);
    return rc ? 1 : 0;
  }else if( strcmp(cmd, "migrate-store")==0 ){
    /* opens both stores itself: the source SQLite file and the target PostgreSQL database */
    char msg[800], dflt[PATH_MAX+32];
    snprintf(dflt, sizeof(dflt), "sqlite:%.4000s/holdpoint.db", app.cfg.data_dir);
    const char *from = opt(argc, argv, "--from"), *to = opt(argc, argv, "--to");
    if( from==NULL ) from = dflt;
    if( to==NULL && app.cfg.database[0] ) to = app.cfg.database;
    if( to==NULL ){ usage(); return 2; }
    rc = backup_migrate_store(&app, from, to, stdout, msg, sizeof(msg)) ? 1 : 0;
    fprintf(rc ? stderr : stdout, "%s%s\n", rc ? "holdpoint: " : "migrated: ", msg);
    return rc;
  }else if( open_db(&app, 0) ){
    rc = 1;
  }else if( strcmp(cmd, "backup")==0 ){
    char msg[600];
    if( argc!=3 ){ usage(); rc = 2; }
    else{
      rc = backup_make(&app, argv[2], msg, sizeof(msg)) ? 1 : 0;
      fprintf(rc ? stderr : stdout, "%s%s\n", rc ? "holdpoint: " : "backed up: ", msg);
    }
  }else if( strcmp(cmd, "seed-demo")==0 ){
    rc = seed_demo(&app);
  }else if( strcmp(cmd, "user")==0 ){
    rc = cmd_user(&app, argc-2, argv+2);
  }else if( strcmp(cmd, "team")==0 ){
    rc = cmd_team(&app, argc-2, argv+2);
  }else if( strcmp(cmd, "group-map")==0 ){
    rc = cmd_group_map(&app, argc-2, argv+2);
  }else if( strcmp(cmd, "directory-sync")==0 ){
    char err[400];
    int people = 0;
    if( app.cfg.idp.ldap_url[0]==0 ){ fprintf(stderr, "holdpoint: HOLDPOINT_LDAP_URL is not set\n"); rc = 2; }
    else if( fed_sync_all(&app, &people, err, sizeof(err)) ){ fprintf(stderr, "holdpoint: %s\n", err); rc = 1; }
    else{ printf("looked up %d people in the directory\n", people); rc = 0; }
  }else if( strcmp(cmd, "token")==0 ){
    rc = cmd_token(&app, argc-2, argv+2);
  }else if( strcmp(cmd, "audit")==0 ){
    rc = cmd_audit(&app, argc-2, argv+2);
  }else if( strcmp(cmd, "template")==0 ){
    rc = cmd_template(&app, argc-2, argv+2);
  }else if( strcmp(cmd, "seed-bench")==0 ){
    int64_t n = argc>2 ? strtoll(argv[2], NULL, 10) : 2000, m = argc>3 ? strtoll(argv[3], NULL, 10) : 200000;
    rc = (n<1 || n>1000000 || m<0 || m>100000000) ? 2 : bench_seed(&app, (int)n, (int)m);
  }else if( strcmp(cmd, "engine")==0 ){
    rc = cmd_engine(&app, argc-2, argv+2);
  }else{
    usage();
    rc = 2;
  }
  db_close(app.db);
  return rc;
}

/* doctor.c — holdpoint doctor: configuration, files and permissions, the database, the audit
** chain, the server and nginx, each checked, with what to do when one is wrong. */
#include "doctor.h"
#include "app.h"
#include "db.h"
#include "audit.h"
#include "util.h"
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/un.h>
#include <unistd.h>

static int nfail, nwarn;

static void say(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(int level, const char *fmt, ...){       /* 0 ok, 1 warn, 2 fail */
  static const char *const tag[] = { "ok  ", "warn", "FAIL" };
  va_list ap;
  printf("%s  ", tag[level]);
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  putchar('\n');
  if( level==1 ) nwarn++;
  if( level==2 ) nfail++;
}

static int count_migrations(const char *dir){
  DIR *d = opendir(dir);
  int n = 0, hi = 0;
  struct dirent *e;
  while( d && (e = readdir(d))!=NULL ){
    int v;
    if( strstr(e->d_name, ".sql") && sscanf(e->d_name, "%d_", &v)==1 ){ n++; if( v>hi ) hi = v; }
  }
  if( d ) closedir(d);
  return n ? hi : -1;
}

static void check_files(struct app *a){
  char p[PATH_MAX + 64];
  struct stat st;
  const char *need[] = { "templates/activity.tpl", "static/css/holdpoint.css", "sql/001_init.sql" };
  int bad = 0;
  for(size_t i=0; i<sizeof(need)/sizeof(need[0]); i++){
    snprintf(p, sizeof(p), "%.4000s/%s", a->cfg.root_dir, need[i]);
    if( access(p, R_OK) ){ say(2, "%s is missing: set HOLDPOINT_ROOT to where templates/, static/ and sql/ are", p); bad = 1; }
  }
  if( !bad ) say(0, "program files in %s", a->cfg.root_dir);
  if( stat(a->cfg.data_dir, &st) || !S_ISDIR(st.st_mode) ){
    say(2, "the data directory %s does not exist: create it, or set HOLDPOINT_DATA", a->cfg.data_dir);
    return;
  }
  if( st.st_mode & S_IWOTH ) say(2, "%s is writable by everyone: chmod o-w %s", a->cfg.data_dir, a->cfg.data_dir);
  else if( st.st_mode & S_IROTH ) say(1, "%s is readable by everyone; 0750 is enough (nginx reads through its group)", a->cfg.data_dir);
  else say(0, "data directory %s (mode %04o)", a->cfg.data_dir, (unsigned)(st.st_mode & 07777));
  if( access(a->cfg.data_dir, W_OK) ) say(2, "this user cannot write %s: run doctor as the service's user", a->cfg.data_dir);
  snprintf(p, sizeof(p), "%.4000s/keys/audit.key", a->cfg.data_dir);
  if( stat(p, &st) ) say(2, "the audit key %s is missing: without it the trail cannot be verified (restore it from a backup)", p);
  else if( (st.st_mode & 077) ) say(2, "the audit key %s is readable by others (mode %04o): chmod 600 %s", p, (unsigned)(st.st_mode & 07777), p);
  else if( st.st_size!=32 ) say(2, "the audit key %s is not 32 bytes", p);
  else say(0, "audit key (mode 0600)");
  if( a->cfg.socket_group[0] ){
    struct group *g = getgrnam(a->cfg.socket_group);
    snprintf(p, sizeof(p), "%.4000s/evidence", a->cfg.data_dir);
    if( g==NULL ) say(2, "HOLDPOINT_SOCKET_GROUP %s is not a group", a->cfg.socket_group);
    else if( stat(p, &st)==0 && st.st_gid!=g->gr_gid ) say(2, "%s is not in group %s: nginx cannot serve evidence (chgrp -R %s %s)",
                                                           p, a->cfg.socket_group, a->cfg.socket_group, p);
    else say(0, "nginx's group %s reaches the socket and the evidence", a->cfg.socket_group);
  }
  struct statvfs vs;
  if( statvfs(a->cfg.data_dir, &vs)==0 ){
    double free_gb = (double)vs.f_bavail*vs.f_frsize/1e9, pct = vs.f_blocks ? 100.0*vs.f_bavail/vs.f_blocks : 100;
    if( free_gb<1 || pct<5 ) say(1, "only %.1f GB (%.0f%%) free where the data is: uploads and the database will fail when it is full", free_gb, pct);
    else say(0, "%.1f GB free for data", free_gb);
  }
  if( access("/usr/share/zoneinfo/UTC", R_OK) ) say(1, "no time zone database: install tzdata (people's time zones)");
  else say(0, "time zone database");
}

static void check_database(struct app *a){
  char p[PATH_MAX + 64], msg[600];
  app_db_label(a, p, sizeof(p));
  if( a->cfg.database[0]==0 && access(p, F_OK) ){ say(2, "no database at %s: run holdpoint migrate (or restore a backup)", p); return; }
  if( app_db_open(a, &a->db) ){ say(2, "the database %s cannot be opened", p); return; }
  int pg = db_dialect(a->db)==DB_POSTGRES;
  if( pg ){
    say(0, "PostgreSQL answers (%s)", p);
  }else{
    char qc[200] = "no answer";
    struct db_stmt *st = db_prepare(a->db, "PRAGMA quick_check");
    if( st && db_step(st)==DB_ROW ) snprintf(qc, sizeof(qc), "%s", db_col_text(st, 0));
    if( st ) db_finish(st);
    if( strcmp(qc, "ok")==0 ) say(0, "database integrity (quick_check)");
    else say(2, "the database is damaged (%s): restore the latest backup", qc);
  }
  snprintf(p, sizeof(p), "%.4000s/sql%s", a->cfg.root_dir, pg ? "/postgres" : "");
  int want = count_migrations(p), have = db_schema_version(a->db);
  if( want<0 ) say(1, "no migrations found in %s", p);
  else if( have<want ) say(2, "the database is at schema %d, the program needs %d: run holdpoint migrate", have, want);
  else if( have>want ) say(2, "the database (schema %d) is newer than the program (%d): install the newer program", have, want);
  else say(0, "schema version %d", have);
  char cp[160];
  int64_t at = 0;
  int k = audit_checkpoint_latest(a, cp, sizeof(cp), &at, msg, sizeof(msg));
  if( k<0 ){ say(2, "audit checkpoints: %s", msg); return; }
  int v = audit_verify(a, k>0 ? cp : NULL, msg, sizeof(msg));
  if( v==0 ) say(0, "%s%s", msg, k>0 ? " (against the latest checkpoint)" : " (no checkpoint yet)");
  else say(2, "audit trail: %s", msg);
  int64_t failed = db_int(a->db, "SELECT count(*) FROM outbox WHERE status='failed'", 0);
  if( failed ) say(1, "%lld notification(s) were given up: see Admin → Notifications, fix the channel, retry", (long long)failed);
  else say(0, "no failed notifications");
}

static void check_server(struct app *a){
  char p[PATH_MAX + 64];
  snprintf(p, sizeof(p), "%.4000s/run/holdpoint.pid", a->cfg.data_dir);
  FILE *f = fopen(p, "r");
  int pid = 0;
  if( f ){ if( fscanf(f, "%d", &pid)!=1 ) pid = 0; fclose(f); }
  if( pid<=0 || kill(pid, 0) ){ say(1, "the server is not running (start it: systemctl start holdpoint, or make run)"); return; }
  say(0, "server running (pid %d)", pid);
  int s = socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0);
  struct sockaddr_un sa;
  memset(&sa, 0, sizeof(sa));
  sa.sun_family = AF_UNIX;
  snprintf(sa.sun_path, sizeof(sa.sun_path), "%.100s", a->cfg.socket_path);
  if( s<0 || connect(s, (struct sockaddr*)&sa, sizeof(sa)) ) say(2, "the socket %s does not accept connections (%s)", a->cfg.socket_path, strerror(errno));
  else say(0, "socket %s accepts connections", a->cfg.socket_path);
  if( s>=0 ) close(s);
  /* through nginx, at the address people use */
  char url[600];
  snprintf(url, sizeof(url), "%s/healthz", a->cfg.base_url);
  CURL *h = curl_easy_init();
  if( h==NULL ) return;
  curl_easy_setopt(h, CURLOPT_URL, url);
  curl_easy_setopt(h, CURLOPT_NOBODY, 0L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);     /* a self-signed local certificate is fine here */
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, (curl_write_callback)fwrite);
  FILE *null = fopen("/dev/null", "w");
  curl_easy_setopt(h, CURLOPT_WRITEDATA, null);
  CURLcode rc = curl_easy_perform(h);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(h);
  if( null ) fclose(null);
  if( rc==CURLE_OK && status==200 ) say(0, "nginx answers %s", url);
  else say(2, "%s does not answer (%s, HTTP %ld): check nginx and HOLDPOINT_BASE_URL", url, curl_easy_strerror(rc), status);
}

int doctor_run(struct app *a){
  nfail = nwarn = 0;
  check_files(a);
  check_database(a);
  check_server(a);
  printf("%s: %d problem(s), %d warning(s)\n", nfail ? "Something needs fixing" : "Holdpoint looks healthy", nfail, nwarn);
  return nfail ? 1 : 0;
}

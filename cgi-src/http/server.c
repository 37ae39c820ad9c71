/* server.c — holdpoint serve: a master that binds the FastCGI socket, forks and respawns
** request workers and one job runner, and stops them gracefully on SIGTERM. */
#define _GNU_SOURCE                  /* accept4() */
#include "server.h"
#include "federate.h"
#include "audit.h"
#include "stats.h"
#include "app.h"
#include "db.h"
#include "req.h"
#include "router.h"
#include "tmpl.h"
#include "jobs.h"
#include <sys/mman.h>
#include <malloc.h>
#include "evidence.h"
#include "log.h"
#include "fault.h"
#include <fcgiapp.h>
#include <magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <sys/un.h>
#include <errno.h>
#include <signal.h>
#include <unistd.h>
#include <fcntl.h>
#include <grp.h>
#include <dirent.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/socket.h>
#include <sys/select.h>
#include <sys/prctl.h>

#define MAX_CHILDREN 65

static volatile sig_atomic_t g_stop;   /* the only signal-shared state: set by SIGTERM/SIGINT */

static void on_term(int sig){
  (void)sig;
  g_stop = 1;
}

/* Install handler without SA_RESTART so a blocked accept() returns EINTR. */
static void set_signal(int sig, void (*fn)(int)){
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = fn;
  sigemptyset(&sa.sa_mask);
  sigaction(sig, &sa, NULL);
}

static int mkdir_p(const char *path, mode_t mode){
  if( mkdir(path, mode)==0 || errno==EEXIST ) return 0;
  log_msg("cannot create %s: %s", path, strerror(errno));
  return -1;
}

/* Create the data directory layout: run/, log/, tmp/, evidence/, keys/ (0700). */
int server_ensure_dirs(struct app *app){
  static const struct { const char *name; mode_t mode; } dirs[] = {
    { "", 0755 }, { "run", 0755 }, { "log", 0755 }, { "tmp", 0700 },
    { "evidence", 0750 }, { "keys", 0700 },
  };
  for(size_t i=0; i<HP_ARRAY_SIZE(dirs); i++){
    char p[PATH_MAX+32];
    if( app_path(app, p, sizeof(p), "%s", dirs[i].name) || mkdir_p(p, dirs[i].mode) ) return -1;
  }
  return 0;
}

static void magic_find_maps(struct app *app);

int server_open_worker_state(struct app *app){
  char p[PATH_MAX+32];
  if( app_db_open(app, &app->db) ) return -1;
  snprintf(p, sizeof(p), "%s/templates", app->cfg.root_dir);
  if( tmpl_init(p) ){ log_msg("templates not found in %s", p); return -1; }
  magic_t m = magic_open(MAGIC_MIME_TYPE|MAGIC_ERROR);
  if( m==NULL || magic_load(m, NULL)!=0 ){
    log_msg("libmagic: %s", m ? magic_error(m) : "cannot open");
    if( m ) magic_close(m);
    return -1;
  }
  /*
  ** Warm libmagic up now, with the window uploads use: its database (8 MB, mapped) and its
  ** buffers are touched here once, so that a worker's memory does not step up at its first
  ** upload and then stays where it started (make bench measures it).
  */
  size_t window = 1024*1024;
  magic_setparam(m, MAGIC_PARAM_BYTES_MAX, &window);
  if( magic_buffer(m, "warm up", 7)==NULL ) log_msg("libmagic: %s", magic_error(m));
  app->magic = m;
  magic_find_maps(app);
  server_magic_release(app);
  return 0;
}

/*
** The read-only file mappings of libmagic's compiled database (".mgc"), from /proc/self/maps.
** A worker looks at a file only when one is uploaded, but each look walks the whole database
** (8 MB, about 6 MB of it touched): left resident, those pages would be most of an idle
** worker's memory.
*/
static void magic_find_maps(struct app *app){
  char line[PATH_MAX + 128];
  FILE *f = fopen("/proc/self/maps", "r");
  app->nmagic_map = 0;
  while( f && app->nmagic_map<(int)HP_ARRAY_SIZE(app->magic_map) && fgets(line, sizeof(line), f) ){
    unsigned long lo, hi;
    char perms[8];
    int path = 0;
    if( sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &lo, &hi, perms, &path)!=3 || path==0 ) continue;
    char *name = line + path;
    name[strcspn(name, "\n")] = 0;
    size_t n = strlen(name);
    if( n<4 || strcmp(name + n - 4, ".mgc")!=0 || strcmp(perms, "r--p")!=0 ) continue;
    app->magic_map[app->nmagic_map] = (void *)lo;
    app->magic_map_len[app->nmagic_map] = hi - lo;
    app->nmagic_map++;
  }
  if( f ) fclose(f);
}

void server_magic_release(struct app *app){
  for(int i=0; i<app->nmagic_map; i++) madvise(app->magic_map[i], app->magic_map_len[i], MADV_DONTNEED);
}

void server_close_worker_state(struct app *app){
  if( app->magic ){ magic_close((magic_t)app->magic); app->magic = NULL; }
  db_close(app->db);
  app->db = NULL;
}

/*
** Closing a FastCGI connection.  libfcgi's own close shuts the sending side
** and then waits for nginx to close its end first, so that nginx never finds
** unread data thrown away (a reset).  That wait is a round trip between the
** two processes on every request, during which the worker serves nobody: half
** again the time of a small page.  When the request's input has been read to
** its end (for a GET, the empty end-of-input record nginx sends at once),
** nothing of nginx's is left unread, so the worker may close at once
** (FCGX_Detach makes FCGX_Finish_r close without the wait).  At most 64 KB of
** a body the handler did not read are read here; a longer one leaves the
** close to libfcgi as before.
*/
static int input_read_to_end(FCGX_Request *fr){
  char buf[4096];
  for(int i=0; i<16; i++){
    if( FCGX_GetStr(buf, (int)sizeof(buf), fr->in)<=0 ) break;
  }
  return FCGX_HasSeenEOF(fr->in)==EOF && FCGX_GetError(fr->in)==0;
}

/*
** How the worker takes connections.  libfcgi's FCGX_Accept_r would accept() and then poll()
** the new connection for up to two seconds before reading it; nginx has written the request
** by the time the connection is accepted, so the worker accepts on its own and hands libfcgi
** the connection: one system call a request instead of three (pselect, accept, poll).  At
** most WORKER_RUN connections are taken in a row without a pselect().
*/
#define WORKER_RUN 32

/*
** One request worker: accept, route, answer, repeat, until SIGTERM.
** SIGTERM is blocked all the time except inside pselect(), which waits for a
** connection on the (non-blocking) listening socket with the signal mask
** lifted atomically.  So a signal can only end the wait, never a request:
** once a connection is accepted, the request is answered in full.  When
** another worker took the connection first, accept() says EAGAIN and the
** worker goes back to waiting.
*/
static int worker_main(struct app *app, int sock){
  sigset_t term, waiting;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  sigaddset(&term, SIGINT);
  sigprocmask(SIG_BLOCK, &term, &waiting);
  sigdelset(&waiting, SIGTERM);
  sigdelset(&waiting, SIGINT);
  set_signal(SIGTERM, on_term);
  set_signal(SIGINT, on_term);
  signal(SIGPIPE, SIG_IGN);
  /*
  ** Each request allocates and frees the same few hundred kilobytes (its arena, SQLite's
  ** sorters, the page it renders).  With glibc's defaults the heap's top is given back to the
  ** kernel after nearly every request and taken again by the next, and every page of it
  ** faults in anew; keep up to 2 MB of freed heap instead, and serve blocks under 1 MB from
  ** the heap rather than fresh mappings.
  */
  mallopt(M_TRIM_THRESHOLD, 2*1024*1024);
  mallopt(M_MMAP_THRESHOLD, 1024*1024);
  if( server_open_worker_state(app) ) return 1;
  FCGX_Request fr;
  if( FCGX_InitRequest(&fr, sock, 0)!=0 ) return 1;
  unsigned run = 0;                           /* connections taken since the last pselect() */
  while( !g_stop ){
    /* While connections are waiting, take the next one at once; pselect() only when none is
    ** (or every WORKER_RUN connections, so that a pending SIGTERM gets in under load). */
    int fd = run<WORKER_RUN ? accept4(sock, NULL, NULL, SOCK_CLOEXEC) : -1;
    if( fd<0 ){
      run = 0;
      fd_set rfds;
      FD_ZERO(&rfds);
      FD_SET(sock, &rfds);
      int n = 0;
      if( log_pending() ){                    /* about to wait: write the access lines first */
        struct timespec now = { 0, 0 };
        n = pselect(sock + 1, &rfds, NULL, NULL, &now, &waiting);
        if( n==0 ){
          log_flush();
          FD_SET(sock, &rfds);
        }
      }
      if( n==0 ) n = pselect(sock + 1, &rfds, NULL, NULL, NULL, &waiting);
      if( g_stop ) break;
      if( n<=0 ) continue;
      if( (fd = accept4(sock, NULL, NULL, SOCK_CLOEXEC))<0 ) continue;   /* another worker was faster */
    }
    run++;
    /* The connection is ours already: FCGX_Accept_r reads the request from it instead of
    ** accepting (ipcFd set), and its opening FCGX_Finish_r of the previous request must not
    ** close it (keepConnection; the request read next sets it from nginx's record again). */
    fr.ipcFd = fd;
    fr.keepConnection = 1;
    if( FCGX_Accept_r(&fr)<0 ) continue;      /* not a FastCGI request: libfcgi closed it */
    struct req r;
    req_init(&r, app, &fr);
    fault_arm(getenv("HOLDPOINT_FAULTS") ? req_param_env(&r, "HTTP_X_HOLDPOINT_FAULT") : NULL);
    router_dispatch(&r);
    /* A streamed body that failed half-way: without the end of the FastCGI
    ** request nginx cuts the client's connection, so a truncated download
    ** is never mistaken for a complete one. */
    if( r.aborted ) shutdown(fr.ipcFd, SHUT_RDWR);
    else if( input_read_to_end(&fr) ) FCGX_Detach(&fr);
    req_free(&r);
    FCGX_Finish_r(&fr);
  }
  FCGX_Free(&fr, 1);
  server_close_worker_state(app);
  log_flush();
  return 0;
}

/* The job runner: timers and the outbox, once a second, while holding the lease. */
static int jobs_process_main(struct app *app){
  set_signal(SIGTERM, on_term);
  set_signal(SIGINT, on_term);
  signal(SIGPIPE, SIG_IGN);
  if( server_open_worker_state(app) ) return 1;
  while( !g_stop ){
    jobs_tick(app);
    struct timespec ts = { 1, 0 };
    nanosleep(&ts, NULL);     /* a signal cuts the sleep short */
  }
  jobs_release(app);
  server_close_worker_state(app);
  return 0;
}

struct child { pid_t pid; int kind; time_t started; };   /* kind 0 worker, 1 jobs */

static pid_t spawn(struct app *app, int sock, int kind, int id){
  pid_t pid = fork();
  if( pid<0 ){ log_msg("fork failed: %s", strerror(errno)); return -1; }
  if( pid==0 ){
    /* a name ps, top and the tests can tell apart: holdpoint-w1.., holdpoint-jobs */
    char name[16];
    if( kind==0 ) snprintf(name, sizeof(name), "holdpoint-w%d", id);
    else snprintf(name, sizeof(name), "holdpoint-jobs");
    prctl(PR_SET_NAME, name, 0, 0, 0);
    app->worker_id = id;
    int rc = kind==0 ? worker_main(app, sock) : jobs_process_main(app);
    _exit(rc);
  }
  return pid;
}

/* Remove what a crash may have left in tmp/: nothing there is referenced by a row. */
static void sweep_tmp(struct app *app){
  int n = evidence_sweep_temp(app, 0);
  if( n ) log_msg("startup sweep removed %d temporary file(s)", n);
}

static int write_pidfile(struct app *app){
  char p[PATH_MAX+32];
  if( app_path(app, p, sizeof(p), "run/holdpoint.pid") ) return -1;
  FILE *f = fopen(p, "w");
  if( f==NULL ) return -1;
  fprintf(f, "%d\n", (int)getpid());
  return fclose(f);
}

/*
** Tell systemd (Type=notify) how the service is doing: one datagram to the
** socket named by $NOTIFY_SOCKET (a path, or "@name" in the abstract
** namespace), as sd_notify(3) would.  Nothing when it is not set.
*/
static void notify_service_manager(const char *state){
  const char *path = getenv("NOTIFY_SOCKET");
  struct sockaddr_un sa;
  if( path==NULL || (path[0]!='/' && path[0]!='@') || strlen(path)>=sizeof(sa.sun_path) ) return;
  int fd = socket(AF_UNIX, SOCK_DGRAM|SOCK_CLOEXEC, 0);
  if( fd<0 ) return;
  memset(&sa, 0, sizeof(sa));
  sa.sun_family = AF_UNIX;
  memcpy(sa.sun_path, path, strlen(path));
  if( path[0]=='@' ) sa.sun_path[0] = 0;
  socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
  if( sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr*)&sa, len)<0 ){
    log_msg("cannot notify the service manager at %s: %s", path, strerror(errno));
  }
  close(fd);
}

/*
** The master: prepare the data directory, bind the socket (mode 0660, group
** HOLDPOINT_SOCKET_GROUP so only nginx's workers can connect), start
** cfg.workers request workers and one job runner, respawn any that dies, and
** on SIGTERM stop them all and wait for the requests in flight.
*/
int server_run(struct app *app){
  struct child kids[MAX_CHILDREN];
  int nkids = 0, sock;
  char pidpath[PATH_MAX+32];
  if( server_ensure_dirs(app) ) return 1;
  sweep_tmp(app);
  {
    struct db *db;
    char sqldir[PATH_MAX+8];
    snprintf(sqldir, sizeof(sqldir), "%s/sql", app->cfg.root_dir);
    if( app_db_open(app, &db) ) return 1;
    int bad = db_migrate(db, sqldir, 0);
    /* the group map file (HOLDPOINT_GROUP_MAP_FILE) is read at every start: a bad line stops the start */
    if( !bad && app->cfg.idp.group_map_file[0] ){
      struct audit_ctx c = { 0, "server start", 0, "", "", "", "" };
      char err[400];
      app->db = db;
      if( fed_map_load_file(app, &c, app->cfg.idp.group_map_file, err, sizeof(err)) ){
        log_msg("group map: %s", err);
        fprintf(stderr, "holdpoint: group map: %s\n", err);
        bad = 1;
      }
      app->db = NULL;
    }
    db_close(db);
    if( bad ) return 1;
  }
  if( FCGX_Init()!=0 ){ log_msg("FCGX_Init failed"); return 1; }
  unlink(app->cfg.socket_path);
  mode_t old = umask(0117);
  sock = FCGX_OpenSocket(app->cfg.socket_path, 256);
  umask(old);
  if( sock<0 ){ log_msg("cannot listen on %s", app->cfg.socket_path); return 1; }
  fcntl(sock, F_SETFD, FD_CLOEXEC);
  fcntl(sock, F_SETFL, fcntl(sock, F_GETFL) | O_NONBLOCK);   /* workers wait in pselect(), see worker_main */
  if( app->cfg.socket_group[0] ){
    struct group *g = getgrnam(app->cfg.socket_group);
    if( g==NULL || chown(app->cfg.socket_path, (uid_t)-1, g->gr_gid)!=0 ){
      log_msg("cannot give the socket to group %s", app->cfg.socket_group);
      return 1;
    }
  }
  chmod(app->cfg.socket_path, 0660);
  write_pidfile(app);
  if( stats_init() ) log_msg("cannot map the shared counters; /metrics will show zeros");
  set_signal(SIGTERM, on_term);
  set_signal(SIGINT, on_term);
  signal(SIGPIPE, SIG_IGN);
  for(int i=0; i<app->cfg.workers && nkids<MAX_CHILDREN-1; i++){
    kids[nkids] = (struct child){ spawn(app, sock, 0, i+1), 0, time(NULL) };
    nkids++;
  }
  kids[nkids] = (struct child){ spawn(app, sock, 1, 0), 1, time(NULL) };
  nkids++;
  log_msg("holdpoint serving on %s with %d workers", app->cfg.socket_path, app->cfg.workers);
  notify_service_manager("READY=1\nSTATUS=serving");
  while( !g_stop ){
    int status;
    pid_t pid = waitpid(-1, &status, 0);
    if( pid<0 ){
      if( errno==EINTR ) continue;
      break;
    }
    for(int i=0; i<nkids; i++){
      if( kids[i].pid!=pid ) continue;
      if( WIFSIGNALED(status) ) log_msg("%s %d killed by signal %d; respawning",
                                        kids[i].kind ? "job runner" : "worker", (int)pid, WTERMSIG(status));
      else log_msg("%s %d exited with %d; respawning", kids[i].kind ? "job runner" : "worker",
                   (int)pid, WEXITSTATUS(status));
      if( !g_stop ) stats_restart(kids[i].kind);
      int swept = evidence_sweep_temp(app, (int)pid);      /* its unfinished uploads */
      if( swept ) log_msg("removed %d temporary file(s) of worker %d", swept, (int)pid);
      if( g_stop ) { kids[i].pid = -1; break; }
      if( time(NULL) - kids[i].started < 1 ){
        struct timespec ts = { 1, 0 };      /* a crash loop must not spin */
        nanosleep(&ts, NULL);
      }
      kids[i].pid = spawn(app, sock, kids[i].kind, kids[i].kind ? 0 : i+1);
      kids[i].started = time(NULL);
      break;
    }
  }
  /* Graceful stop: repeat SIGTERM until each child has finished its request and exited. */
  notify_service_manager("STOPPING=1");
  time_t deadline = time(NULL) + 30;
  for(;;){
    int alive = 0;
    for(int i=0; i<nkids; i++){
      if( kids[i].pid<=0 ) continue;
      int status;
      pid_t w = waitpid(kids[i].pid, &status, WNOHANG);
      if( w==kids[i].pid || (w<0 && errno==ECHILD) ){ kids[i].pid = -1; continue; }
      alive++;
      kill(kids[i].pid, time(NULL) < deadline ? SIGTERM : SIGKILL);
    }
    if( alive==0 ) break;
    struct timespec ts = { 0, 100*1000*1000 };
    nanosleep(&ts, NULL);
  }
  close(sock);
  unlink(app->cfg.socket_path);
  if( app_path(app, pidpath, sizeof(pidpath), "run/holdpoint.pid")==0 ) unlink(pidpath);
  log_msg("holdpoint stopped");
  return 0;
}

/*
** floor.c — the framework floor for `make bench`: libfcgi and ctemplate (through
** Holdpoint's own bridge, tmpl.cc) rendering a page of the release view's size,
** with the same number of worker processes and no database, closing each
** connection as soon as the answer is written.  A Holdpoint page cannot be
** faster than this on the same machine.
**
**   floor SOCKET TEMPLATE_DIR ROWS WORKERS
*/
#include "tmpl.h"
#include <fcgiapp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct out { char *z; size_t n, cap; };

static int emit(void *ctx, const char *z, size_t n){
  struct out *o = ctx;
  if( o->n + n > o->cap ){
    size_t cap = (o->n + n) * 2;
    char *p = realloc(o->z, cap);
    if( p==NULL ) return -1;
    o->z = p;
    o->cap = cap;
  }
  memcpy(o->z + o->n, z, n);
  o->n += n;
  return 0;
}

static void serve(int sock, int rows){
  FCGX_Request fr;
  struct out o = { NULL, 0, 0 };
  char name[64], when[64];
  if( FCGX_InitRequest(&fr, sock, 0)!=0 ) exit(1);
  while( FCGX_Accept_r(&fr)>=0 ){
    tmpl_dict *d = tmpl_dict_new("floor");
    tmpl_set(d, "TITLE", "service-042 1.4.2");
    for(int i=0; i<rows; i++){
      tmpl_dict *s = tmpl_section(d, "ROW");
      snprintf(name, sizeof(name), "activity-%d <%s>", i, i%2 ? "approval" : "automated");
      snprintf(when, sizeof(when), "2026-12-05 12:%02d UTC", i % 60);
      tmpl_set_int(s, "ID", 1000 + i);
      tmpl_set(s, "NAME", name);
      tmpl_set(s, "STATUS", i%3 ? "completed" : "on_hold");
      tmpl_set(s, "WHEN", when);
    }
    o.n = 0;
    int rc = tmpl_expand("floor.tpl", d, emit, &o);
    tmpl_dict_free(d);
    if( rc ){
      FCGX_FPrintF(fr.out, "Status: 500 Internal Server Error\r\nContent-Type: text/plain\r\n\r\nno template\n");
    }else{
      FCGX_FPrintF(fr.out, "Status: 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                           "Content-Length: %lu\r\n\r\n", (unsigned long)o.n);
      FCGX_PutStr(o.z, (int)o.n, fr.out);
    }
    /* As Holdpoint's workers do (server.c): with the request's input read to its end, close
       at once instead of waiting for nginx to close first -- the best this platform can do. */
    char in[4096];
    while( FCGX_GetStr(in, (int)sizeof(in), fr.in)>0 ){}
    if( FCGX_HasSeenEOF(fr.in)==EOF && FCGX_GetError(fr.in)==0 ) FCGX_Detach(&fr);
    FCGX_Finish_r(&fr);
  }
}

int main(int argc, char **argv){
  if( argc!=5 ){
    fprintf(stderr, "usage: floor SOCKET TEMPLATE_DIR ROWS WORKERS\n");
    return 2;
  }
  int rows = atoi(argv[3]), workers = atoi(argv[4]);
  if( FCGX_Init()!=0 || tmpl_init(argv[2])!=0 ) return 1;
  unlink(argv[1]);
  int sock = FCGX_OpenSocket(argv[1], 128);
  if( sock<0 ) return 1;
  for(int i=0; i<workers; i++){
    pid_t p = fork();
    if( p==0 ){ serve(sock, rows); _exit(0); }
  }
  signal(SIGTERM, SIG_DFL);
  while( wait(NULL)>0 ){}
  return 0;
}

/* log.c — log lines to stderr with control characters neutralised. */
#include "log.h"
#include "util.h"
#include <stdio.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>
#include <pthread.h>
#include <sys/time.h>

/*
** Copy in to out, replacing every control character (and DEL) with a \xNN
** escape and a backslash with "\\", so one log record is always one line.
** Returns the length written; out is always NUL-terminated (nout>0).
*/
size_t log_clean(char *out, size_t nout, const char *in){
  static const char hex[] = "0123456789abcdef";
  size_t j = 0;
  if( nout==0 ) return 0;
  for(const unsigned char *p = (const unsigned char*)in; p && *p; p++){
    if( *p<0x20 || *p==0x7f || *p=='\\' ){
      if( j+4 >= nout ) break;
      out[j++] = '\\';
      if( *p=='\\' ){ out[j++] = '\\'; continue; }
      out[j++] = 'x';
      out[j++] = hex[*p>>4];
      out[j++] = hex[*p&15];
    }else{
      if( j+1 >= nout ) break;
      out[j++] = (char)*p;
    }
  }
  out[j] = 0;
  return j;
}

/* The process id on every line, asked of the kernel once per process (getpid is a system call;
   a forked worker asks again: pthread_atfork clears the copy in the child). */
static pid_t log_pid;
static void log_forget_pid(void){ log_pid = 0; }

static pid_t log_getpid(void){
  static int registered;
  if( !registered ){ registered = 1; pthread_atfork(NULL, NULL, log_forget_pid); }
  if( log_pid==0 ) log_pid = getpid();
  return log_pid;
}

void log_msg(const char *fmt, ...){
  char raw[2048], clean[4096], ts[32];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(raw, sizeof(raw), fmt, ap);
  va_end(ap);
  log_clean(clean, sizeof(clean), raw);
  struct timeval tv;
  gettimeofday(&tv, NULL);
  util_utc_text((int64_t)tv.tv_sec*1000 + tv.tv_usec/1000, 'T', ts, sizeof(ts));
  fprintf(stderr, "%s [%d] %s\n", ts, (int)log_getpid(), clean);
}

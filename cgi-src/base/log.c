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

/* Lines kept for one write (log_access), and when the oldest of them was made. */
static char log_buf[8192];
static size_t log_len;
static int64_t log_first_ms;

/* The process id on every line, asked of the kernel once per process (getpid is a system call;
   a forked worker asks again: pthread_atfork clears the copy in the child, and the lines the
   parent keeps, which are the parent's to write). */
static pid_t log_pid;
static void log_forget_pid(void){ log_pid = 0; log_len = 0; }

static pid_t log_getpid(void){
  static int registered;
  if( !registered ){ registered = 1; pthread_atfork(NULL, NULL, log_forget_pid); }
  if( log_pid==0 ) log_pid = getpid();
  return log_pid;
}

/* Write all of z[0..n) to stderr (a short write is continued; an error gives up). */
static void log_write(const char *z, size_t n){
  while( n>0 ){
    ssize_t k = write(2, z, n);
    if( k<=0 ) return;
    z += k;
    n -= (size_t)k;
  }
}

void log_flush(void){
  if( log_len ) log_write(log_buf, log_len);
  log_len = 0;
}

int log_pending(void){
  return log_len>0;
}

/* One line: "time [pid] text\n" in line[], its length; *ms the time it carries. */
static size_t log_line(char *line, size_t nline, int64_t *ms, const char *fmt, va_list ap){
  char raw[2048], clean[4096], ts[32];
  vsnprintf(raw, sizeof(raw), fmt, ap);
  log_clean(clean, sizeof(clean), raw);
  struct timeval tv;
  gettimeofday(&tv, NULL);
  *ms = (int64_t)tv.tv_sec*1000 + tv.tv_usec/1000;
  util_utc_text(*ms, 'T', ts, sizeof(ts));
  int n = snprintf(line, nline, "%s [%d] %s\n", ts, (int)log_getpid(), clean);
  if( n<0 ) return 0;
  if( (size_t)n>=nline ){ n = (int)nline - 1; line[n-1] = '\n'; }
  return (size_t)n;
}

void log_msg(const char *fmt, ...){
  char line[4200];
  int64_t ms;
  va_list ap;
  va_start(ap, fmt);
  size_t n = log_line(line, sizeof(line), &ms, fmt, ap);
  va_end(ap);
  log_flush();                                   /* the access lines before it come first */
  log_write(line, n);
}

void log_access(const char *fmt, ...){
  char line[4200];
  int64_t ms;
  va_list ap;
  va_start(ap, fmt);
  size_t n = log_line(line, sizeof(line), &ms, fmt, ap);
  va_end(ap);
  if( log_len && (log_len + n > sizeof(log_buf) || ms - log_first_ms >= 1000) ) log_flush();
  if( n > sizeof(log_buf) ){ log_write(line, n); return; }
  if( log_len==0 ) log_first_ms = ms;
  memcpy(log_buf + log_len, line, n);
  log_len += n;
}

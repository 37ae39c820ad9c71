/* log.h — log lines to stderr with control characters neutralised. */
#ifndef HP_LOG_H
#define HP_LOG_H
#include <stddef.h>
void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
** An access line (one a request): formatted like log_msg's but kept in the process's buffer,
** and written with the lines before it in one write: by the next log_msg, when the buffer is
** full or its oldest line a second old, or by log_flush() — which a worker calls before it
** waits for the next connection, so an idle worker has written everything.
*/
void log_access(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_flush(void);
int log_pending(void);                                      /* 1 while lines wait in the buffer */
size_t log_clean(char *out, size_t nout, const char *in);   /* CR, LF, controls -> escapes */
#endif

/* log.h — log lines to stderr with control characters neutralised. */
#ifndef HP_LOG_H
#define HP_LOG_H
#include <stddef.h>
void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
size_t log_clean(char *out, size_t nout, const char *in);   /* CR, LF, controls -> escapes */
#endif

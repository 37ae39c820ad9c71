/* arena.h — per-request bump allocator and a growable byte buffer. */
#ifndef HP_ARENA_H
#define HP_ARENA_H
#include <stddef.h>
#include <stdarg.h>

/* A chain of blocks; everything allocated from it is freed at once by arena_free(). */
struct arena_block;
struct arena {
  struct arena_block *head;   /* newest block first */
  size_t used_total;          /* bytes handed out, for limits and tests */
};

void arena_init(struct arena *a);
void *arena_alloc(struct arena *a, size_t n);            /* zeroed; NULL on OOM */
char *arena_strdup(struct arena *a, const char *z);
char *arena_strndup(struct arena *a, const char *z, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap);
void arena_free(struct arena *a);                        /* frees every block; reusable after */

/* Growable buffer on malloc; always NUL-terminated when len>0. */
struct buf {
  char *z;
  size_t len;
  size_t cap;
  int oom;                    /* set once an allocation failed; further appends are no-ops */
};
void buf_init(struct buf *b);
void buf_append(struct buf *b, const char *z, size_t n);
void buf_puts(struct buf *b, const char *z);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_reset(struct buf *b);                           /* len=0, keeps memory */
void buf_free(struct buf *b);
#endif

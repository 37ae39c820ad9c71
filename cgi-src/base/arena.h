/* arena.h — per-request bump allocator and a growable byte buffer. */
#ifndef HP_ARENA_H
#define HP_ARENA_H
#include <stddef.h>
#include <stdarg.h>
#include <string.h>

/* A chain of blocks; everything allocated from it is freed at once by arena_free(). */
struct arena_block;
struct arena {
  struct arena_block *head;   /* newest block first */
  size_t used_total;          /* bytes handed out, for limits and tests */
};

void arena_init(struct arena *a);
void *arena_alloc(struct arena *a, size_t n);            /* zeroed; NULL on OOM */
/*
** Room for element n of an array in the arena: arr itself while n < *cap, else a copy with twice
** the room (*cap updated; the old copy stays until arena_free).  Start with arr NULL and *cap 0:
** lists are read without zeroing room for their most rows.  NULL when out of memory.
*/
void *arena_grow(struct arena *a, void *arr, size_t n, size_t *cap, size_t size);
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
void buf_grow_append(struct buf *b, const char *z, size_t n);     /* buf_append when it must grow */
/* Append z[0..n), keeping a NUL after it.  Pages and JSON are written a few bytes at a time:
   while there is room (nearly always) this is a copy, without a call. */
static inline void buf_append(struct buf *b, const char *z, size_t n){
  if( !b->oom && b->len + n + 1 <= b->cap ){
    if( n ) memcpy(b->z + b->len, z, n);
    b->len += n;
    b->z[b->len] = 0;
    return;
  }
  buf_grow_append(b, z, n);
}
void buf_puts(struct buf *b, const char *z);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_reset(struct buf *b);                           /* len=0, keeps memory */
void buf_free(struct buf *b);
#endif

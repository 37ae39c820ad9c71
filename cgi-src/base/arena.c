/* arena.c — per-request bump allocator and growable buffers. */
#include "arena.h"
#include "fault.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

#define ARENA_BLOCK 8192

struct arena_block {
  struct arena_block *next;
  size_t size;   /* usable bytes in data[] */
  size_t used;
  max_align_t data[];
};

void arena_init(struct arena *a){
  a->head = NULL;
  a->used_total = 0;
}

/*
** Return n zeroed bytes aligned for any type, valid until arena_free().
** Large requests get a block of their own.  Returns NULL when out of memory.
*/
void *arena_alloc(struct arena *a, size_t n){
  if( fault_hit(FAULT_ALLOC) ) return NULL;
  size_t align = sizeof(max_align_t);
  size_t need = (n + align - 1) & ~(align - 1);
  struct arena_block *b = a->head;
  if( need==0 ) need = align;
  if( b==NULL || b->size - b->used < need ){
    size_t sz = need > ARENA_BLOCK ? need : ARENA_BLOCK;
    if( sz > SIZE_MAX - sizeof(*b) ) return NULL;
    b = malloc(sizeof(*b) + sz);
    if( b==NULL ) return NULL;
    b->size = sz;
    b->used = 0;
    b->next = a->head;
    a->head = b;
  }
  void *p = (char*)b->data + b->used;
  b->used += need;
  a->used_total += need;
  memset(p, 0, n);
  return p;
}

char *arena_strndup(struct arena *a, const char *z, size_t n){
  char *p = arena_alloc(a, n + 1);
  if( p ){ memcpy(p, z, n); p[n] = 0; }
  return p;
}

void *arena_grow(struct arena *a, void *arr, size_t n, size_t *cap, size_t size){
  if( n<*cap ) return arr;
  size_t ncap = *cap ? *cap*2 : 8;
  if( size==0 || ncap > SIZE_MAX/size ) return NULL;
  void *p = arena_alloc(a, ncap*size);
  if( p==NULL ) return NULL;
  if( n ) memcpy(p, arr, n*size);
  *cap = ncap;
  return p;
}

char *arena_strdup(struct arena *a, const char *z){
  return z ? arena_strndup(a, z, strlen(z)) : NULL;
}

char *arena_vprintf(struct arena *a, const char *fmt, va_list ap){
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if( n<0 ) return NULL;
  char *p = arena_alloc(a, (size_t)n + 1);
  if( p ) vsnprintf(p, (size_t)n + 1, fmt, ap);
  return p;
}

char *arena_printf(struct arena *a, const char *fmt, ...){
  va_list ap;
  va_start(ap, fmt);
  char *p = arena_vprintf(a, fmt, ap);
  va_end(ap);
  return p;
}

void arena_free(struct arena *a){
  struct arena_block *b = a->head;
  while( b ){
    struct arena_block *n = b->next;
    free(b);
    b = n;
  }
  a->head = NULL;
  a->used_total = 0;
}

void buf_init(struct buf *b){
  memset(b, 0, sizeof(*b));
}

void buf_grow_append(struct buf *b, const char *z, size_t n){
  if( b->oom ) return;
  if( b->len + n + 1 > b->cap ){
    if( fault_hit(FAULT_ALLOC) ){ b->oom = 1; return; }
    size_t cap = b->cap ? b->cap : 1024;
    while( cap < b->len + n + 1 ){
      if( cap > SIZE_MAX/2 ){ b->oom = 1; return; }
      cap *= 2;
    }
    char *z2 = realloc(b->z, cap);
    if( z2==NULL ){ b->oom = 1; return; }
    b->z = z2;
    b->cap = cap;
  }
  if( n ) memcpy(b->z + b->len, z, n);
  b->len += n;
  b->z[b->len] = 0;
}

void buf_puts(struct buf *b, const char *z){
  buf_append(b, z, strlen(z));
}

void buf_printf(struct buf *b, const char *fmt, ...){
  va_list ap, ap2;
  va_start(ap, fmt);
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if( n>0 ){
    char stackbuf[512];
    if( (size_t)n < sizeof(stackbuf) ){
      vsnprintf(stackbuf, sizeof(stackbuf), fmt, ap2);
      buf_append(b, stackbuf, (size_t)n);
    }else{
      char *p = malloc((size_t)n + 1);
      if( p==NULL ){ b->oom = 1; }
      else{ vsnprintf(p, (size_t)n + 1, fmt, ap2); buf_append(b, p, (size_t)n); free(p); }
    }
  }
  va_end(ap2);
}

void buf_reset(struct buf *b){
  b->len = 0;
  if( b->z ) b->z[0] = 0;
}

void buf_free(struct buf *b){
  free(b->z);
  buf_init(b);
}

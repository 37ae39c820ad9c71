/* fuzz_vars.c — libFuzzer harness for {{placeholder}} substitution in instructions. */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "vars.h"

/* Every name is known and becomes "<" name ">", except names starting with "x". */
static int lookup(void *ctx, const char *name, size_t n, struct buf *out){
  (void)ctx;
  if( n==0 || n > VARS_NAME_MAX ) __builtin_trap();    /* names arrive trimmed and bounded */
  if( name[0]=='x' ) return 0;
  buf_puts(out, "<");
  buf_append(out, name, n);
  buf_puts(out, ">");
  return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size){
  char *z = malloc(size + 1);
  struct buf out;
  if( z==NULL ) return 0;
  memcpy(z, data, size);
  z[size] = 0;
  buf_init(&out);
  int n = vars_substitute(z, lookup, NULL, &out);
  if( n < 0 ) __builtin_trap();
  if( n==0 && strchr(z, '{')==NULL && (out.len!=strlen(z) || memcmp(out.z ? out.z : "", z, out.len)!=0) ){
    __builtin_trap();                                   /* text without placeholders is copied as is */
  }
  buf_free(&out);
  free(z);
  return 0;
}

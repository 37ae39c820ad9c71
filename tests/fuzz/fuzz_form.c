/* fuzz_form.c — libFuzzer harness for the urlencoded and Cookie parsers. */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size){
  struct arena a;
  struct kv *kv;
  size_t n;
  arena_init(&a);
  if( form_parse_urlencoded(&a, (const char*)data, size, &form_default_limits, &kv, &n)==FORM_OK ){
    for(size_t i=0; i<n; i++){
      if( strlen(kv[i].value)!=kv[i].vlen ) __builtin_trap();          /* no hidden NUL */
      if( !util_utf8_ok(kv[i].value, kv[i].vlen) ) __builtin_trap();
      if( !form_name_ok(kv[i].name, strlen(kv[i].name)) ) __builtin_trap();
    }
  }
  char *z = malloc(size + 1);
  if( z ){
    memcpy(z, data, size);
    z[size] = 0;
    form_parse_cookies(&a, z, &form_default_limits, &kv, &n);
    free(z);
  }
  arena_free(&a);
  return 0;
}

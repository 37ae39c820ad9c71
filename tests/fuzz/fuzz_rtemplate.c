/* fuzz_rtemplate.c — libFuzzer harness: rtpl_parse on arbitrary bytes must never crash,
** leak or read outside the input, with or without a directory look-up.
**
**   clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -Icgi-src/base -Icgi-src/pure \
**     cgi-src/pure/rtemplate.c tests/fuzz/fuzz_rtemplate.c \
**     $(pkg-config --cflags --libs jansson libfyaml) -o build/fuzz_rtemplate
**   build/fuzz_rtemplate -max_total_time=60 -max_len=4096 \
**     CORPUS_DIR tests/fixtures/templates docs/examples
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtemplate.h"

/* A small directory: a name exists when it starts with a lower-case letter; sizes vary. */
static int fz_exists(void *ctx, int kind, const char *name){
  (void)ctx; (void)kind;
  return name[0]>='a' && name[0]<='z';
}

static int fz_count(void *ctx, int kind, const char *name){
  (void)ctx; (void)kind;
  return (int)(strlen(name) % 5) - 1;      /* -1 (unknown) .. 3, including 0 */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size){
  struct rtpl_lookup lk = { fz_exists, fz_count, NULL };
  struct rtpl_template *t = NULL;
  char err[2048];
  /* Exact-size copy so that ASan catches any read past the end (no NUL terminator). */
  char *buf = malloc(size ? size : 1);
  int rc;
  if( buf==NULL ) return 0;
  if( size ) memcpy(buf, data, size);
  rc = rtpl_parse(buf, size, (size & 1) ? &lk : NULL, &t, err, sizeof err);
  if( rc==RTPL_OK ){
    /* Walk the result so that a half-built template would show up under ASan. */
    size_t i, j, k, n = 0;
    if( t==NULL || t->name==NULL || t->nphases==0 ) abort();
    for(i=0; i<t->nphases; i++){
      for(j=0; j<t->phases[i].nactivities; j++){
        const struct rtpl_activity *a = &t->phases[i].activities[j];
        n += strlen(a->name);
        if( (a->type==RTPL_APPROVAL) != (a->policy_json!=NULL) ) abort();
        for(k=0; k<a->nfields; k++) n += strlen(a->fields[k].rules_json);
        for(k=0; k<a->ndepends; k++){
          if( rtpl_find_activity(t, a->depends_on[k], NULL)==NULL ) abort();
        }
      }
    }
    (void)n;
  }else if( t!=NULL || strlen(err) >= sizeof err ){
    abort();
  }
  rtpl_free(t);
  free(buf);
  return 0;
}

/* fuzz_policy.c — libFuzzer harness for the approval policy parser (JSON from templates). */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "policy.h"

/*
** Any input: policy_parse either refuses it with a message or returns a
** policy whose canonical JSON parses again to the same canonical JSON.
*/
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size){
  char *z = malloc(size + 1), err[256];
  struct policy *p = NULL, *q = NULL;
  char *j1 = NULL, *j2 = NULL;
  if( z==NULL ) return 0;
  memcpy(z, data, size);
  z[size] = 0;
  err[0] = 0;
  enum policy_rc rc = policy_parse(z, &p, err, sizeof(err));
  if( rc==POLICY_OK ){
    if( p==NULL || p->nrule < 1 || p->nrule > POLICY_MAX_RULES ) __builtin_trap();
    if( policy_to_json(p, &j1)!=POLICY_OK || j1==NULL ) __builtin_trap();
    if( policy_parse(j1, &q, err, sizeof(err))!=POLICY_OK ) __builtin_trap();
    if( policy_to_json(q, &j2)!=POLICY_OK || strcmp(j1, j2)!=0 ) __builtin_trap();
  }else if( p!=NULL || err[0]==0 ){
    __builtin_trap();                                   /* a refusal says why and returns nothing */
  }
  free(j1);
  free(j2);
  policy_free(p);
  policy_free(q);
  free(z);
  return 0;
}

/* queue.c — the waiting queue's keyset: see queue.h. */
#include "queue.h"
#include <errno.h>
#include <stdlib.h>

int queue_parse_key(const char *z, int64_t k[3]){
  char *end;
  for(int i=0; i<3; i++){
    if( z==NULL || !(*z=='-' || (*z>='0' && *z<='9')) ) return 0;
    errno = 0;
    long long v = strtoll(z, &end, 10);
    if( errno || end==z || (i<2 ? *end!='.' : *end!=0) ) return 0;
    k[i] = v;
    z = i<2 ? end + 1 : end;
  }
  return k[2]>0;
}

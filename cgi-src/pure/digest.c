/* digest.c — checking and finding artifact digests. */
#include "digest.h"
#include <string.h>
#include <stdio.h>

int digest_valid(const char *z){
  static const struct { const char *alg; size_t hex; } algs[] = { { "sha256:", 64 }, { "sha384:", 96 }, { "sha512:", 128 } };
  if( z==NULL ) return 0;
  for(size_t i = 0; i<sizeof(algs)/sizeof(algs[0]); i++){
    size_t n = strlen(algs[i].alg);
    if( strncmp(z, algs[i].alg, n)!=0 ) continue;
    const char *h = z + n;
    if( strlen(h)!=algs[i].hex ) return 0;
    for(; *h; h++) if( !((*h>='0' && *h<='9') || (*h>='a' && *h<='f')) ) return 0;
    return 1;
  }
  return 0;
}

int digest_of_artifact(const char *artifact, char *out, size_t nout){
  const char *at = artifact ? strrchr(artifact, '@') : NULL;
  if( at==NULL || strchr(at, ':')==NULL ) return 0;
  if( strlen(at+1) >= nout ) return -1;
  size_t n = 0;
  for(const char *p = at+1; *p; p++) out[n++] = (char)(*p>='A' && *p<='F' ? *p+32 : *p);
  out[n] = 0;
  return digest_valid(out) ? 1 : -1;
}

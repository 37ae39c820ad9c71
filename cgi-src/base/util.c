/* util.c — hex encoding, random tokens and hashes: one copy for the whole program. */
#include "util.h"
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <string.h>
#include <stdarg.h>
#include <stdio.h>
#include "hp.h"

void util_hex(const unsigned char *p, size_t n, char *out){
  static const char hex[] = "0123456789abcdef";
  for(size_t i=0; i<n; i++){
    out[2*i] = hex[p[i]>>4];
    out[2*i+1] = hex[p[i]&15];
  }
  out[2*n] = 0;
}

int util_random_hex(char *out, size_t nbytes){
  unsigned char raw[64];
  if( nbytes>sizeof(raw) || RAND_bytes(raw, (int)nbytes)!=1 ) return -1;
  util_hex(raw, nbytes, out);
  return 0;
}

void util_sha256_hex(const char *z, size_t n, char out[65]){
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256((const unsigned char*)z, n, d);
  util_hex(d, SHA256_DIGEST_LENGTH, out);
}

void util_hmac_hex(const void *key, size_t nkey, const void *msg, size_t n, char out[65]){
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if( HMAC(EVP_sha256(), key ? key : "", (int)nkey, (const unsigned char*)(msg ? msg : ""), n, mac, &len)==NULL
   || len!=32 ){
    memset(out, '0', 64);
    out[64] = 0;
    return;
  }
  util_hex(mac, 32, out);
}

int hp_fail(struct hp_err *e, int code, const char *field, const char *fmt, ...){
  if( e==NULL ) return code;
  va_list ap;
  e->code = code;
  snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
  va_start(ap, fmt);
  vsnprintf(e->reason, sizeof(e->reason), fmt, ap);
  va_end(ap);
  return code;
}

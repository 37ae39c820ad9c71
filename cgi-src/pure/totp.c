/* totp.c — RFC 4226 / RFC 6238 one-time codes through OpenSSL's HMAC, and base32. */
#include "totp.h"
#include <openssl/hmac.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

void totp_base32_encode(const unsigned char *p, size_t n, char *out){
  uint32_t acc = 0;
  int bits = 0;
  size_t o = 0;
  for(size_t i=0; i<n; i++){
    acc = (acc<<8) | p[i];
    bits += 8;
    while( bits>=5 ){ out[o++] = b32[(acc >> (bits-5)) & 31]; bits -= 5; }
  }
  if( bits>0 ) out[o++] = b32[(acc << (5-bits)) & 31];
  out[o] = 0;
}

int totp_base32_decode(const char *z, unsigned char *out, size_t nout){
  uint32_t acc = 0;
  int bits = 0;
  size_t o = 0;
  for(; *z; z++){
    int c = *z, v;
    if( c==' ' || c=='=' || c=='-' ) continue;
    if( c>='a' && c<='z' ) c -= 32;
    if( c>='A' && c<='Z' ) v = c - 'A';
    else if( c>='2' && c<='7' ) v = c - '2' + 26;
    else return -1;
    acc = (acc<<5) | (uint32_t)v;
    bits += 5;
    if( bits>=8 ){
      if( o>=nout ) return -1;
      out[o++] = (unsigned char)(acc >> (bits-8));
      bits -= 8;
    }
  }
  return (int)o;
}

uint32_t totp_hotp(const unsigned char *key, size_t nkey, uint64_t counter, int digits){
  unsigned char msg[8], mac[EVP_MAX_MD_SIZE];
  unsigned int nmac = 0;
  for(int i=7; i>=0; i--){ msg[i] = (unsigned char)(counter & 0xff); counter >>= 8; }
  if( HMAC(EVP_sha1(), key, (int)nkey, msg, sizeof(msg), mac, &nmac)==NULL || nmac<20 ) return UINT32_MAX;
  int off = mac[nmac-1] & 0x0f;
  uint32_t bin = ((uint32_t)(mac[off] & 0x7f)<<24) | ((uint32_t)mac[off+1]<<16)
               | ((uint32_t)mac[off+2]<<8) | mac[off+3];
  uint32_t mod = 1;
  for(int i=0; i<digits; i++) mod *= 10;
  return bin % mod;
}

uint64_t totp_check(const unsigned char *key, size_t nkey, const char *code, int64_t now_s, uint64_t last_step){
  char digits[TOTP_DIGITS+1];
  size_t n = 0;
  if( code==NULL || now_s<0 ) return 0;
  for(; *code; code++){
    if( *code==' ' || *code=='-' ) continue;
    if( *code<'0' || *code>'9' || n>=TOTP_DIGITS ) return 0;
    digits[n++] = *code;
  }
  if( n!=TOTP_DIGITS ) return 0;
  digits[n] = 0;
  uint32_t want = (uint32_t)strtoul(digits, NULL, 10);
  uint64_t step = (uint64_t)now_s / TOTP_STEP_S;
  uint64_t found = 0;
  /* every candidate is computed (no early exit), so the time taken says nothing about which matched */
  for(int d=-1; d<=1; d++){
    if( step==0 && d<0 ) continue;
    uint64_t s = step + (uint64_t)(int64_t)d;
    uint32_t v = totp_hotp(key, nkey, s, TOTP_DIGITS);
    if( v==want && s>last_step && found==0 ) found = s;
  }
  return found;
}

/* Percent-encode the characters an otpauth label or issuer may not carry. */
static size_t put_enc(char *out, size_t o, size_t nout, const char *z){
  static const char hex[] = "0123456789ABCDEF";
  for(; *z && o+4<nout; z++){
    unsigned char c = (unsigned char)*z;
    if( (c>='a'&&c<='z') || (c>='A'&&c<='Z') || (c>='0'&&c<='9') || c=='.' || c=='-' || c=='_' ) out[o++] = (char)c;
    else{ out[o++] = '%'; out[o++] = hex[c>>4]; out[o++] = hex[c&15]; }
  }
  out[o] = 0;
  return o;
}

int totp_uri(char *out, size_t nout, const char *issuer, const char *account, const char *secret_b32){
  size_t o = (size_t)snprintf(out, nout, "otpauth://totp/");
  if( o>=nout ) return -1;
  o = put_enc(out, o, nout, issuer);
  if( o+4>=nout ) return -1;
  out[o++] = '%'; out[o++] = '3'; out[o++] = 'A';
  o = put_enc(out, o, nout, account);
  int k = snprintf(out+o, nout-o, "?secret=%s&issuer=", secret_b32);
  if( k<0 || (size_t)k>=nout-o ) return -1;
  o += (size_t)k;
  o = put_enc(out, o, nout, issuer);
  k = snprintf(out+o, nout-o, "&algorithm=SHA1&digits=%d&period=%d", TOTP_DIGITS, TOTP_STEP_S);
  return k<0 || (size_t)k>=nout-o ? -1 : 0;
}

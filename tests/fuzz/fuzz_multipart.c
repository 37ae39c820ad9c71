/* fuzz_multipart.c — libFuzzer harness for the multipart parser (cgi-src/pure/multipart.c).
**
** Input layout:  byte 0      chunking seed for the second run
**                up to '\n'  a Content-Type value (boundary taken from it if
**                            valid, else the fixed boundary "xYzZy")
**                the rest    the request body
**
** Each input is parsed twice: in one mp_feed call and in small chunks whose
** sizes come from the seed.  Both runs must give the same result code and
** the same events (hashed), and the callbacks check the event protocol; any
** difference traps.  Small limits make every limit reachable.
**
** Build: clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
**          -Icgi-src/base -Icgi-src/pure cgi-src/pure/multipart.c tests/fuzz/fuzz_multipart.c -o fuzz_multipart
*/
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "multipart.h"

#define FZ_MAX_HEADER_BYTES 256

/* Event recorder: a running FNV-1a hash of the event stream plus checks. */
struct fz_rec {
  uint64_t hash;
  int in_part;
  int last;        /* last event type, so data chunking does not change the hash */
  size_t bytes;    /* body bytes reported */
  size_t limit;    /* body bytes that can exist at most (input length) */
};

static void fz_hash(struct fz_rec *r, const void *data, size_t len){
  const unsigned char *p = data;
  size_t i;
  for(i=0; i<len; i++){
    r->hash ^= p[i];
    r->hash *= 1099511628211ULL;
  }
}

static void fz_hash_str(struct fz_rec *r, const char *s){
  if( s==NULL ){
    fz_hash(r, "\xff", 1);
    return;
  }
  if( strlen(s)>FZ_MAX_HEADER_BYTES ) __builtin_trap();
  fz_hash(r, s, strlen(s) + 1);
}

static int fz_begin(void *ctx, const struct mp_part_info *info){
  struct fz_rec *r = ctx;
  if( r->in_part || info->name==NULL || info->name[0]==0 ) __builtin_trap();
  if( (info->filename!=NULL)!=(info->has_filename!=0) ) __builtin_trap();
  r->in_part = 1;
  r->last = 'B';
  fz_hash(r, "B", 1);
  fz_hash_str(r, info->name);
  fz_hash_str(r, info->filename);
  fz_hash_str(r, info->content_type);
  return 0;
}

static int fz_data(void *ctx, const char *data, size_t len){
  struct fz_rec *r = ctx;
  if( !r->in_part || len==0 || data==NULL ) __builtin_trap();
  r->bytes += len;
  if( r->bytes>r->limit ) __builtin_trap();
  if( r->last!='D' ) fz_hash(r, "D", 1);
  r->last = 'D';
  fz_hash(r, data, len);
  return 0;
}

static int fz_end(void *ctx){
  struct fz_rec *r = ctx;
  if( !r->in_part ) __builtin_trap();
  r->in_part = 0;
  r->last = 'E';
  fz_hash(r, "E", 1);
  return 0;
}

/*
** Parse body with the given boundary, feeding chunks whose sizes come from
** seed (seed 0: everything at once).  Records into *r; returns the result.
*/
static int fz_run(const char *boundary, const uint8_t *body, size_t len,
                  unsigned seed, struct fz_rec *r){
  struct mp_limits lim;
  struct mp_callbacks cb;
  struct mp_parser *p;
  size_t off = 0;
  int rc = MP_OK;

  memset(r, 0, sizeof(*r));
  r->hash = 1469598103934665603ULL;
  r->limit = len;
  lim.max_parts = 8;
  lim.max_header_bytes = FZ_MAX_HEADER_BYTES;
  lim.max_headers = 4;
  lim.max_preamble = 64;
  cb.ctx = r;
  cb.on_part_begin = fz_begin;
  cb.on_part_data = fz_data;
  cb.on_part_end = fz_end;
  p = mp_new(boundary, &lim, &cb);
  if( p==NULL ) __builtin_trap();
  while( off<len ){
    size_t n = len - off;
    int r1;
    if( seed ){
      seed = seed*1103515245u + 12345u;
      n = (seed >> 16) % 13 + 1;
      if( n>len-off ) n = len - off;
    }
    r1 = mp_feed(p, (const char *)body + off, n);
    if( rc==MP_OK ) rc = r1;
    else if( r1!=rc ) __builtin_trap(); /* DONE and errors are sticky */
    off += n;
  }
  if( rc==MP_OK ) rc = mp_finish(p);
  else if( mp_finish(p)!=rc ) __builtin_trap();
  if( rc==MP_OK || mp_strerror(rc)==NULL ) __builtin_trap();
  mp_free(p);
  return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size){
  char ct[256], boundary[MP_BOUNDARY_MAX + 1];
  const uint8_t *nl;
  size_t ctlen;
  unsigned seed;
  struct fz_rec a, b;
  int rca, rcb;

  if( size<1 ) return 0;
  seed = (unsigned)data[0] | 1u;
  data++;
  size--;
  nl = memchr(data, '\n', size < sizeof(ct) ? size : sizeof(ct));
  if( nl==NULL ) return 0;
  ctlen = (size_t)(nl - data);
  memcpy(ct, data, ctlen);
  ct[ctlen] = 0;
  if( mp_boundary_from_content_type(ct, boundary, sizeof(boundary))==MP_OK ){
    if( mp_boundary_check(boundary)!=MP_OK ) __builtin_trap();
  }else{
    if( boundary[0]!=0 ) __builtin_trap();
    memcpy(boundary, "xYzZy", 6);
  }
  data += ctlen + 1;
  size -= ctlen + 1;

  rca = fz_run(boundary, data, size, 0, &a);
  rcb = fz_run(boundary, data, size, seed, &b);
  if( rca!=rcb || a.hash!=b.hash || a.bytes!=b.bytes ) __builtin_trap();
  if( rca==MP_DONE && a.in_part ) __builtin_trap();
  return 0;
}

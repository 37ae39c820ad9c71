/* jsonw.c — writing JSON straight into a buffer: see jsonw.h. */
#include "jsonw.h"
#include "util.h"
#include <stdint.h>
#include <string.h>

void jsonw_init(struct jsonw *w, struct buf *b){
  memset(w, 0, sizeof(*w));
  w->b = b;
  w->first[0] = 1;
}

/* Before a value (or a key): the comma that separates it from the one before. */
static void sep(struct jsonw *w){
  if( w->after_key ){ w->after_key = 0; return; }
  if( w->first[w->depth] ) w->first[w->depth] = 0;
  else buf_append(w->b, ",", 1);
}

static void begin(struct jsonw *w, char c, int is_obj){
  sep(w);
  if( w->depth+1>=JSONW_DEPTH ){ w->bad = 1; return; }
  buf_append(w->b, &c, 1);
  w->depth++;
  w->first[w->depth] = 1;
  w->is_obj[w->depth] = (unsigned char)is_obj;
}

void jsonw_obj(struct jsonw *w){ begin(w, '{', 1); }
void jsonw_arr(struct jsonw *w){ begin(w, '[', 0); }

void jsonw_end(struct jsonw *w){
  if( w->depth==0 || w->after_key ){ w->bad = 1; return; }
  buf_append(w->b, w->is_obj[w->depth] ? "}" : "]", 1);
  w->depth--;
}

void jsonw_key(struct jsonw *w, const char *key){
  if( w->depth==0 || !w->is_obj[w->depth] || w->after_key ){ w->bad = 1; return; }
  sep(w);
  buf_append(w->b, "\"", 1);
  jsonw_escape(w->b, key, strlen(key));
  buf_append(w->b, "\":", 2);
  w->after_key = 1;
}

void jsonw_str(struct jsonw *w, const char *z){
  if( z==NULL ){ jsonw_null(w); return; }
  sep(w);
  buf_append(w->b, "\"", 1);
  jsonw_escape(w->b, z, strlen(z));
  buf_append(w->b, "\"", 1);
}

void jsonw_int(struct jsonw *w, int64_t v){
  char tmp[UTIL_I64_MAX];
  sep(w);
  buf_append(w->b, tmp, (size_t)(util_i64_text(v, tmp) - tmp));
}

void jsonw_null(struct jsonw *w){ sep(w); buf_append(w->b, "null", 4); }
void jsonw_bool(struct jsonw *w, int v){ sep(w); buf_append(w->b, v ? "true" : "false", v ? 4 : 5); }

static void put_u(struct buf *b, unsigned c){
  static const char hex[] = "0123456789ABCDEF";
  char e[6] = { '\\', 'u', hex[(c>>12)&15], hex[(c>>8)&15], hex[(c>>4)&15], hex[c&15] };
  buf_append(b, e, 6);
}

/*
** 1 when none of the 8 bytes at s needs escaping (each is 0x20..0x7F but '"' and '\\'), 0 when
** one may (a byte at a time decides then).  The words hold bytes as numbers: (v - 0x01..) & ~v
** has the high bit set in a byte that is zero, (v - 0x20..) & ~v in one below 0x20, and v
** itself in one of 0x80 and above; a borrow can only add false alarms, never hide a byte.
*/
static int plain8(const unsigned char *s){
  const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
  uint64_t v, q, bs;
  memcpy(&v, s, 8);
  q = v ^ (ones * '"');
  bs = v ^ (ones * '\\');
  return (((v - ones * 0x20) & ~v) | ((q - ones) & ~q) | ((bs - ones) & ~bs) | v) & high ? 0 : 1;
}

void jsonw_escape(struct buf *b, const char *z, size_t n){
  const unsigned char *s = (const unsigned char *)z;
  size_t i = 0, run = 0;                 /* run: start of the bytes copied as they are */
  while( i<n ){
    if( n - i>=8 && plain8(s + i) ){ i += 8; continue; }
    unsigned c = s[i];
    if( c>=0x20 && c<0x80 && c!='"' && c!='\\' ){ i++; continue; }
    if( i>run ) buf_append(b, z + run, i - run);
    if( c=='"' ) buf_append(b, "\\\"", 2);
    else if( c=='\\' ) buf_append(b, "\\\\", 2);
    else if( c=='\n' ) buf_append(b, "\\n", 2);
    else if( c=='\r' ) buf_append(b, "\\r", 2);
    else if( c=='\t' ) buf_append(b, "\\t", 2);
    else if( c=='\b' ) buf_append(b, "\\b", 2);
    else if( c=='\f' ) buf_append(b, "\\f", 2);
    else if( c<0x20 ) put_u(b, c);                      /* the other control characters */
    else{
      unsigned cp;
      size_t len = util_utf8_decode(s + i, n - i, &cp);       /* 0: not UTF-8, taken a byte at a time */
      if( len==0 ){ put_u(b, 0xFFFD); i++; run = i; continue; }
      if( cp>=0x10000 ){                                /* a surrogate pair */
        cp -= 0x10000;
        put_u(b, 0xD800 + (cp>>10));
        put_u(b, 0xDC00 + (cp&0x3FF));
      }else{
        put_u(b, cp);
      }
      i += len;
      run = i;
      continue;
    }
    i++;
    run = i;
  }
  if( i>run ) buf_append(b, z + run, i - run);
}

/* form.c — pure parsers for query strings, urlencoded bodies and Cookie headers. */
#include "form.h"
#include "util.h"
#include <string.h>

const struct form_limits form_default_limits = { 256, 64, 65536 };

/* Names are restricted to [A-Za-z0-9_.-] (and '[' ']' for list-like fields). */
int form_name_ok(const char *z, size_t n){
  if( n==0 ) return 0;
  for(size_t i=0; i<n; i++){
    unsigned char c = (unsigned char)z[i];
    if( !((c>='a' && c<='z') || (c>='A' && c<='Z') || (c>='0' && c<='9')
          || c=='_' || c=='.' || c=='-' || c=='[' || c==']') ) return 0;
  }
  return 1;
}

static int hexval(int c){
  if( c>='0' && c<='9' ) return c - '0';
  if( c>='a' && c<='f' ) return c - 'a' + 10;
  if( c>='A' && c<='F' ) return c - 'A' + 10;
  return -1;
}

/*
** Decode z[0..n) ('+' is a space, %XX a byte) into a new arena string.
** Returns FORM_OK and sets *out and *outlen, or FORM_ERR_ENCODING for a bad
** escape, an embedded NUL or invalid UTF-8.
*/
static int decode(struct arena *a, const char *z, size_t n, char **out, size_t *outlen){
  char *p = arena_alloc(a, n + 1);
  if( p==NULL ) return FORM_ERR_OOM;
  size_t j = 0;
  for(size_t i=0; i<n; i++){
    char c = z[i];
    if( c=='+' ) c = ' ';
    else if( c=='%' ){
      int h, l;
      if( i+2>=n ) return FORM_ERR_ENCODING;
      h = hexval((unsigned char)z[i+1]);
      l = hexval((unsigned char)z[i+2]);
      if( h<0 || l<0 ) return FORM_ERR_ENCODING;
      c = (char)(h*16 + l);
      i += 2;
    }
    if( c==0 ) return FORM_ERR_ENCODING;
    p[j++] = c;
  }
  p[j] = 0;
  if( !util_utf8_ok(p, j) ) return FORM_ERR_ENCODING;
  *out = p;
  *outlen = j;
  return FORM_OK;
}

/*
** Parse an application/x-www-form-urlencoded string of n bytes (a query
** string or a POST body).  Pairs are separated by '&'; empty pairs are
** skipped; a pair without '=' has the empty value.  On FORM_OK *out is an
** arena array of *nout pairs in input order.  Nothing is returned on error.
*/
int form_parse_urlencoded(struct arena *a, const char *z, size_t n,
                          const struct form_limits *lim, struct kv **out, size_t *nout){
  size_t cap = 0, cnt = 0;
  for(size_t i=0; i<n; i++) if( z[i]=='&' ) cap++;
  cap++;
  if( cap > lim->max_params ) cap = lim->max_params + 1;
  struct kv *arr = arena_alloc(a, cap * sizeof(*arr));
  if( arr==NULL ) return FORM_ERR_OOM;
  size_t i = 0;
  while( i<n ){
    size_t s = i;
    while( i<n && z[i]!='&' ) i++;
    size_t e = i;
    if( i<n ) i++;                       /* skip '&' */
    if( e==s ) continue;
    size_t eq = s;
    while( eq<e && z[eq]!='=' ) eq++;
    char *name, *val;
    size_t nlen, vlen;
    int rc = decode(a, z+s, eq-s, &name, &nlen);
    if( rc ) return rc;
    if( nlen > lim->max_name || !form_name_ok(name, nlen) ) return FORM_ERR_NAME;
    if( eq<e ){
      if( e-eq-1 > lim->max_value*3 ) return FORM_ERR_VALUE_TOO_LONG;
      rc = decode(a, z+eq+1, e-eq-1, &val, &vlen);
      if( rc ) return rc;
    }else{
      val = arena_strdup(a, "");
      vlen = 0;
      if( val==NULL ) return FORM_ERR_OOM;
    }
    if( vlen > lim->max_value ) return FORM_ERR_VALUE_TOO_LONG;
    if( cnt >= lim->max_params ) return FORM_ERR_TOO_MANY;
    arr[cnt].name = name;
    arr[cnt].value = val;
    arr[cnt].vlen = vlen;
    cnt++;
  }
  *out = arr;
  *nout = cnt;
  return FORM_OK;
}

/*
** Parse a Cookie header ("a=1; b=2").  Malformed cookies (bad names, no '=')
** are skipped rather than refused: other software on the same host may set
** them.  Values are taken verbatim (surrounding double quotes removed).
** Returns FORM_ERR_TOO_MANY past lim->max_params cookies.
*/
int form_parse_cookies(struct arena *a, const char *z, const struct form_limits *lim,
                       struct kv **out, size_t *nout){
  size_t n = z ? strlen(z) : 0, cnt = 0, cap = 1;
  for(size_t i=0; i<n; i++) if( z[i]==';' ) cap++;
  if( cap > lim->max_params ) return FORM_ERR_TOO_MANY;
  struct kv *arr = arena_alloc(a, cap * sizeof(*arr));
  if( arr==NULL ) return FORM_ERR_OOM;
  size_t i = 0;
  while( i<n ){
    while( i<n && (z[i]==' ' || z[i]=='\t') ) i++;
    size_t s = i;
    while( i<n && z[i]!=';' ) i++;
    size_t e = i;
    if( i<n ) i++;
    while( e>s && (z[e-1]==' ' || z[e-1]=='\t') ) e--;
    size_t eq = s;
    while( eq<e && z[eq]!='=' ) eq++;
    if( eq==e || eq==s ) continue;
    if( eq-s > lim->max_name || !form_name_ok(z+s, eq-s) ) continue;
    size_t vs = eq+1, ve = e;
    if( ve-vs>=2 && z[vs]=='"' && z[ve-1]=='"' ){ vs++; ve--; }
    if( ve-vs > lim->max_value ) continue;
    arr[cnt].name = arena_strndup(a, z+s, eq-s);
    arr[cnt].value = arena_strndup(a, z+vs, ve-vs);
    arr[cnt].vlen = ve-vs;
    if( arr[cnt].name==NULL || arr[cnt].value==NULL ) return FORM_ERR_OOM;
    cnt++;
  }
  *out = arr;
  *nout = cnt;
  return FORM_OK;
}

const char *form_strerror(int rc){
  switch( rc ){
    case FORM_OK: return "ok";
    case FORM_ERR_TOO_MANY: return "too many parameters";
    case FORM_ERR_NAME: return "a parameter name is empty, too long or has characters outside A-Z a-z 0-9 _ . -";
    case FORM_ERR_VALUE_TOO_LONG: return "a parameter value is too long";
    case FORM_ERR_ENCODING: return "a parameter is not valid percent-encoded UTF-8";
    case FORM_ERR_OOM: return "out of memory";
  }
  return "unknown error";
}

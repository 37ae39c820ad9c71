/* vars.c — placeholder substitution for instructions and notification texts (pure). */
#include "vars.h"
#include <stdio.h>
#include <string.h>

static int is_name_char(char c){
  return (c>='a' && c<='z') || (c>='A' && c<='Z') || (c>='0' && c<='9')
      || c=='_' || c=='.' || c=='-';
}

/*
** If z starts a well-formed placeholder ("{{", optional blanks, a name,
** optional blanks, "}}"), store the name's bounds, return its total length
** in bytes; else return 0.
*/
static size_t placeholder_at(const char *z, const char **name, size_t *nname){
  const char *p = z + 2, *s;
  while( *p==' ' || *p=='\t' ) p++;
  s = p;
  while( is_name_char(*p) && (size_t)(p-s)<=VARS_NAME_MAX ) p++;
  size_t n = (size_t)(p - s);
  if( n==0 || n>VARS_NAME_MAX ) return 0;
  while( *p==' ' || *p=='\t' ) p++;
  if( p[0]!='}' || p[1]!='}' ) return 0;
  *name = s;
  *nname = n;
  return (size_t)(p + 2 - z);
}

/*
** Copy text to out, replacing placeholders (see vars.h).  Where "{{" does
** not start a placeholder, one '{' is copied and the scan goes on from the
** next character, so "{{{x}}}" becomes "{" + value + "}".
*/
int vars_substitute(const char *text, vars_lookup_fn lookup, void *ctx, struct buf *out){
  int nfound = 0;
  const char *p = text;
  if( text==NULL ) return 0;
  for(;;){
    /* A plain scan rather than strstr(): linear even under sanitizers, whose
    ** strstr checks the whole remaining string on every call. */
    const char *q = p;
    while( *q && !(q[0]=='{' && q[1]=='{') ) q++;
    if( *q==0 ){
      buf_append(out, p, (size_t)(q - p));
      break;
    }
    buf_append(out, p, (size_t)(q - p));
    const char *name = NULL;
    size_t nname = 0;
    size_t len = placeholder_at(q, &name, &nname);
    if( len==0 ){
      buf_append(out, "{", 1);
      p = q + 1;
      continue;
    }
    if( lookup && lookup(ctx, name, nname, out) ) nfound++;
    p = q + len;
  }
  return nfound;
}

/* Does name[0..n) begin with the NUL-terminated prefix?  Returns its length or 0. */
static size_t prefix(const char *name, size_t n, const char *pfx){
  size_t k = strlen(pfx);
  return (n>k && memcmp(name, pfx, k)==0) ? k : 0;
}

static int is(const char *name, size_t n, const char *word){
  return strlen(word)==n && memcmp(name, word, n)==0;
}

static int same(const char *z, const char *name, size_t n){
  return z && strlen(z)==n && memcmp(z, name, n)==0;
}

static int put(struct buf *out, const char *z){
  buf_puts(out, z ? z : "");
  return 1;
}

int vars_release_lookup(void *ctx, const char *name, size_t n, struct buf *out){
  const struct vars_release *v = ctx;
  size_t k;
  if( v==NULL ) return 0;
  if( is(name, n, "release.name") ) return put(out, v->name);
  if( is(name, n, "release.version") ) return put(out, v->version);
  if( is(name, n, "release.artifact") ) return put(out, v->artifact);
  if( is(name, n, "release.id") ){
    char z[32];
    snprintf(z, sizeof(z), "%lld", (long long)v->id);
    return put(out, z);
  }
  if( (k = prefix(name, n, "vars."))>0 ){
    for(size_t i=0; i<v->nvars; i++){
      if( same(v->vars[i].key, name+k, n-k) ) return put(out, v->vars[i].value);
    }
    return 0;
  }
  if( (k = prefix(name, n, "activities."))>0 ){
    /* activities.ACT.outputs.KEY: activity names hold no dots; KEY may. */
    const char *act = name + k, *end = name + n;
    const char *dot = memchr(act, '.', (size_t)(end - act));
    if( dot==NULL || dot==act ) return 0;
    size_t rest = (size_t)(end - dot - 1);
    if( prefix(dot+1, rest, "outputs.")==0 ) return 0;
    const char *key = dot + 1 + 8;
    size_t nkey = (size_t)(end - key), nact = (size_t)(dot - act);
    for(size_t i=0; i<v->noutputs; i++){
      if( same(v->outputs[i].activity, act, nact) && same(v->outputs[i].key, key, nkey) ){
        return put(out, v->outputs[i].value);
      }
    }
    return 0;
  }
  return 0;
}

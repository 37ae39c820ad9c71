/* idmap.c — group-map lines, LDAP filter escaping and provider names (no I/O). */
#include "idmap.h"
#include <stdio.h>
#include <string.h>

static const char *skip_ws(const char *p){
  while( *p==' ' || *p=='\t' ) p++;
  return p;
}

/* Copy a word (or a "quoted string") of p into out; returns what follows, or NULL. */
static const char *word(const char *p, char *out, size_t nout){
  size_t n = 0;
  if( *p=='"' ){
    for(p++; *p && *p!='"'; p++){
      if( n+1>=nout ) return NULL;
      out[n++] = *p;
    }
    if( *p!='"' ) return NULL;
    p++;
  }else{
    for(; *p && *p!=' ' && *p!='\t' && *p!='#' && *p!='\r' && *p!='\n'; p++){
      if( n+1>=nout ) return NULL;
      out[n++] = *p;
    }
  }
  out[n] = 0;
  return n ? p : NULL;
}

int idmap_parse_line(const char *line, char *grp, size_t ngrp, char *kind, size_t nkind,
                     char *target, size_t ntarget, char *err, size_t nerr){
  char spec[160];
  const char *p = skip_ws(line);
  if( *p==0 || *p=='#' || *p=='\r' || *p=='\n' ) return 0;
  if( (p = word(p, grp, ngrp))==NULL ){
    snprintf(err, nerr, "a group name (in \"quotes\" if it holds spaces) must start the line");
    return -1;
  }
  p = skip_ws(p);
  if( (p = word(p, spec, sizeof(spec)))==NULL ){
    snprintf(err, nerr, "after the group, write team:NAME or role:NAME");
    return -1;
  }
  p = skip_ws(p);
  if( *p && *p!='#' && *p!='\r' && *p!='\n' ){
    snprintf(err, nerr, "one group and one team:NAME or role:NAME per line");
    return -1;
  }
  const char *colon = strchr(spec, ':');
  if( colon==NULL || colon[1]==0 ){
    snprintf(err, nerr, "\"%.60s\" is not team:NAME or role:NAME", spec);
    return -1;
  }
  size_t nk = (size_t)(colon - spec);
  if( !((nk==4 && memcmp(spec, "team", 4)==0) || (nk==4 && memcmp(spec, "role", 4)==0)) || nk+1>nkind ){
    snprintf(err, nerr, "\"%.60s\" is not team:NAME or role:NAME", spec);
    return -1;
  }
  memcpy(kind, spec, nk);
  kind[nk] = 0;
  if( strlen(colon+1)+1>ntarget ){
    snprintf(err, nerr, "the name after %s: is too long", kind);
    return -1;
  }
  strcpy(target, colon+1);
  return 1;
}

int idmap_ldap_escape(const char *z, char *out, size_t nout){
  static const char hex[] = "0123456789abcdef";
  size_t o = 0;
  for(const unsigned char *p = (const unsigned char*)z; *p; p++){
    if( *p=='*' || *p=='(' || *p==')' || *p=='\\' || *p<0x20 || *p>=0x7f ){
      if( o+4>=nout ) return -1;
      out[o++] = '\\'; out[o++] = hex[*p>>4]; out[o++] = hex[*p&15];
    }else{
      if( o+2>=nout ) return -1;
      out[o++] = (char)*p;
    }
  }
  if( o>=nout ) return -1;
  out[o] = 0;
  return 0;
}

int idmap_ldap_filter(const char *tmpl, const char *value, char *out, size_t nout){
  char esc[768];
  const char *at = strstr(tmpl, "%s");
  if( at==NULL || idmap_ldap_escape(value, esc, sizeof(esc)) ) return -1;
  int k = snprintf(out, nout, "%.*s%s%s", (int)(at-tmpl), tmpl, esc, at+2);
  return k<0 || (size_t)k>=nout ? -1 : 0;
}

int idmap_username(const char *z, char *out, size_t nout){
  size_t n = 0;
  if( z==NULL ) return -1;
  const char *at = strchr(z, '@');            /* "ana@example.com" (Entra ID's UPN): "ana" */
  if( at && (at==z || strchr(at+1, '@') || at[1]==0) ) return -1;
  for(; *z && z!=at; z++){
    char c = *z;
    if( c>='A' && c<='Z' ) c += 32;
    if( !((c>='a'&&c<='z') || (c>='0'&&c<='9') || c=='.' || c=='_' || c=='-') ) return -1;
    if( n+1>=nout || n>=64 ) return -1;
    out[n++] = c;
  }
  out[n] = 0;
  if( n==0 || out[0]=='.' || out[0]=='_' || out[0]=='-' ) return -1;
  return 0;
}

const char *idmap_group_short(const char *dn, char *out, size_t nout){
  const char *eq = strchr(dn, '=');
  const char *comma = strchr(dn, ',');
  if( eq==NULL || comma==NULL || comma<eq || nout==0 ) return dn;
  size_t n = (size_t)(comma - eq - 1);
  if( n==0 || n>=nout ) return dn;
  memcpy(out, eq+1, n);
  out[n] = 0;
  return out;
}

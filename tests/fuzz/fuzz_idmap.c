/* fuzz_idmap.c — libFuzzer harness for company sign-in's parsers: group-map lines, LDAP filter escaping, usernames. */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "idmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size){
  char *z = malloc(size + 1);
  if( z==NULL ) return 0;
  memcpy(z, data, size);
  z[size] = 0;
  char g[260], k[8], t[72], e[200], out[512], name[72];
  int rc = idmap_parse_line(z, g, sizeof(g), k, sizeof(k), t, sizeof(t), e, sizeof(e));
  if( rc<-1 || rc>1 ) __builtin_trap();
  if( rc==1 && (g[0]==0 || t[0]==0 || (strcmp(k, "team")!=0 && strcmp(k, "role")!=0)) ) __builtin_trap();
  /* an escaped value holds no character that means something in a filter, and unescapes to the input */
  if( idmap_ldap_escape(z, out, sizeof(out))==0 ){
    size_t j = 0;
    for(const char *p = out; *p; p++){
      if( *p=='*' || *p=='(' || *p==')' || (unsigned char)*p>=0x80 ) __builtin_trap();
      if( *p=='\\' ){
        if( !p[1] || !p[2] ) __builtin_trap();
        unsigned v = 0;
        for(int i = 1; i<=2; i++){
          char c = p[i];
          v = v*16 + (unsigned)(c>='0'&&c<='9' ? c-'0' : c>='a'&&c<='f' ? c-'a'+10 : c>='A'&&c<='F' ? c-'A'+10 : 99);
        }
        if( v>255 || (unsigned char)z[j]!=v ) __builtin_trap();
        p += 2;
      }else if( z[j]!=*p ){
        __builtin_trap();
      }
      j++;
    }
    if( z[j]!=0 ) __builtin_trap();
  }
  if( idmap_username(z, name, sizeof(name))==0 ){
    if( name[0]==0 ) __builtin_trap();
    for(const char *p = name; *p; p++){
      if( !((*p>='a'&&*p<='z') || (*p>='0'&&*p<='9') || *p=='.' || *p=='_' || *p=='-') ) __builtin_trap();
    }
  }
  free(z);
  return 0;
}

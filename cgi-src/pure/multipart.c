/* multipart.c — streaming, bounded multipart/form-data parser; see multipart.h for the contract. */
#include "multipart.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
** How it works.  The delimiter "\r\n--" boundary is searched for byte by
** byte with a matcher whose only state is k, the number of delimiter bytes
** matched so far.  Because a valid boundary contains no CR or LF, the only
** CR in the delimiter is its first byte, so on a mismatch no proper suffix of
** the matched prefix can itself be a prefix of the delimiter: the matched
** bytes are all plain data and matching restarts at 0 (or at 1 if the
** mismatching byte is a CR).  The bytes held back between mp_feed calls are
** therefore always exactly delim[0..k) and need no buffer of their own.
**
** In the preamble the matcher starts with k = 2, as if a CRLF preceded the
** input, so that "--boundary" at the very start is recognised.
*/

/* Parser states. */
enum mp_state {
  MP_S_PREAMBLE = 0, /* before the first delimiter */
  MP_S_DELIM_TAIL,   /* just after "--boundary": expect "--", padding or CR */
  MP_S_CLOSE_DASH,   /* after "--boundary-": expect the second '-' */
  MP_S_PADDING,      /* transport padding after a delimiter */
  MP_S_DELIM_LF,     /* CR seen at the end of a delimiter line */
  MP_S_HEADER,       /* inside a part's header block */
  MP_S_BODY,         /* inside a part's body */
  MP_S_DONE,         /* close delimiter seen; the rest is epilogue */
  MP_S_ERROR         /* sticky error in p->err */
};

#define MP_DELIM_MAX (4 + MP_BOUNDARY_MAX)
#define MP_NONE SIZE_MAX /* "no such value" for offsets into vals */

struct mp_parser {
  struct mp_limits lim;
  struct mp_callbacks cb;
  enum mp_state state;
  int err;                       /* valid when state == MP_S_ERROR */
  char delim[MP_DELIM_MAX + 1];  /* "\r\n--" boundary, NUL-terminated */
  size_t dlen;                   /* strlen(delim) */
  size_t k;                      /* delimiter bytes matched so far */
  int virt;                      /* preamble match began with the virtual CRLF */
  size_t pre_bytes;              /* real bytes consumed in the preamble */
  size_t parts;                  /* parts begun */
  int in_part;                   /* a part is open (on_part_begin was called) */
  /* Header block of the current part. */
  size_t hdr_bytes;              /* bytes of the header block so far */
  size_t nheaders;               /* header lines so far */
  size_t line_len;               /* bytes in line[] */
  int saw_cr;                    /* previous header byte was CR */
  size_t cap;                    /* lim.max_header_bytes */
  char *line;                    /* current header line, cap + 1 bytes */
  char *vals;                    /* decoded values, cap + 1 bytes */
  size_t vals_len;
  size_t name_off, filename_off, ctype_off; /* into vals, or MP_NONE */
  int seen_disposition;
  char mem[];                    /* storage for line and vals */
};

/* Return 1 if c is an RFC 7230 tchar (header names, tokens). */
static int mp_is_tchar(unsigned char c){
  if( (c>='0' && c<='9') || (c>='a' && c<='z') || (c>='A' && c<='Z') ) return 1;
  return c!=0 && strchr("!#$%&'*+-.^_`|~", c)!=NULL;
}

/* Return 1 if c is an RFC 2046 bchar (boundary character, space included). */
static int mp_is_bchar(unsigned char c){
  if( (c>='0' && c<='9') || (c>='a' && c<='z') || (c>='A' && c<='Z') ) return 1;
  return c!=0 && strchr("'()+_,-./:=? ", c)!=NULL;
}

/* Return 1 if c is optional whitespace (space or tab). */
static int mp_is_ows(unsigned char c){
  return c==' ' || c=='\t';
}

/* ASCII lower-case of c, independent of locale. */
static unsigned char mp_lower(unsigned char c){
  return (c>='A' && c<='Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

/*
** Return 1 if the n bytes at s equal the NUL-terminated lower-case word,
** ignoring ASCII case; else 0.
*/
static int mp_ieq(const char *s, size_t n, const char *word){
  size_t i;
  if( strlen(word)!=n ) return 0;
  for(i=0; i<n; i++){
    if( mp_lower((unsigned char)s[i])!=(unsigned char)word[i] ) return 0;
  }
  return 1;
}

void mp_limits_default(struct mp_limits *lim){
  lim->max_parts = 100;
  lim->max_header_bytes = 8192;
  lim->max_headers = 16;
  lim->max_preamble = 1024;
}

int mp_boundary_check(const char *boundary){
  size_t i, n;
  if( boundary==NULL ) return MP_ERR_BOUNDARY;
  n = strlen(boundary);
  if( n==0 || n>MP_BOUNDARY_MAX || boundary[n-1]==' ' ) return MP_ERR_BOUNDARY;
  for(i=0; i<n; i++){
    if( !mp_is_bchar((unsigned char)boundary[i]) ) return MP_ERR_BOUNDARY;
  }
  return MP_OK;
}

/*
** Parse one parameter value of a Content-Type at s[*pi]: a quoted string
** (with \x escapes) or a run of non-separator characters.  If out is not
** NULL the decoded value is written there with a NUL (at most nout bytes
** including the NUL).  Advances *pi past the value.  Returns MP_OK, or
** MP_ERR_BOUNDARY if the value is empty, unterminated or does not fit.
*/
static int mp_ct_value(const char *s, size_t *pi, char *out, size_t nout){
  size_t i = *pi, n = 0;
  int quoted = s[i]=='"';
  if( quoted ) i++;
  for(;;){
    unsigned char c = (unsigned char)s[i];
    if( c==0 ){
      if( quoted ) return MP_ERR_BOUNDARY;
      break;
    }
    if( quoted ){
      if( c=='"' ){ i++; break; }
      if( c=='\\' ){
        i++;
        c = (unsigned char)s[i];
        if( c==0 ) return MP_ERR_BOUNDARY;
      }
      if( (c<0x20 && c!='\t') || c==0x7f ) return MP_ERR_BOUNDARY;
    }else if( c==';' || mp_is_ows(c) || c<0x20 || c==0x7f || c=='"' ){
      break;
    }
    if( out ){
      if( n+1>=nout ) return MP_ERR_BOUNDARY;
      out[n] = (char)c;
    }
    n++;
    i++;
  }
  if( out ) out[n] = 0;
  *pi = i;
  return (n==0 && !quoted) ? MP_ERR_BOUNDARY : MP_OK;
}

/*
** Extract the boundary parameter of a multipart/form-data Content-Type
** (see multipart.h).  The parser walks "type/subtype *( OWS ; OWS name = value )"
** and refuses anything else, so a "boundary=" inside another parameter's
** quoted value is never mistaken for the real one.
*/
int mp_boundary_from_content_type(const char *ct, char *out, size_t nout){
  int rc = MP_ERR_BOUNDARY;
  int found = 0;
  size_t i = 0, start;
  char tmp[MP_BOUNDARY_MAX + 2];

  if( out && nout>0 ) out[0] = 0;
  if( ct==NULL || out==NULL || nout==0 ) goto out;
  while( mp_is_ows((unsigned char)ct[i]) ) i++;
  start = i;
  while( mp_is_tchar((unsigned char)ct[i]) || ct[i]=='/' ) i++;
  if( !mp_ieq(ct+start, i-start, "multipart/form-data") ) goto out;
  for(;;){
    size_t pname;
    int is_boundary;
    while( mp_is_ows((unsigned char)ct[i]) ) i++;
    if( ct[i]==0 ) break;
    if( ct[i]!=';' ) goto out;
    i++;
    while( mp_is_ows((unsigned char)ct[i]) ) i++;
    pname = i;
    while( mp_is_tchar((unsigned char)ct[i]) ) i++;
    if( i==pname ) goto out;
    is_boundary = mp_ieq(ct+pname, i-pname, "boundary");
    while( mp_is_ows((unsigned char)ct[i]) ) i++;
    if( ct[i]!='=' ) goto out;
    i++;
    while( mp_is_ows((unsigned char)ct[i]) ) i++;
    if( is_boundary ){
      if( found ) goto out; /* two boundaries: ambiguous */
      found = 1;
      if( mp_ct_value(ct, &i, tmp, sizeof(tmp))!=MP_OK ) goto out;
    }else{
      if( mp_ct_value(ct, &i, NULL, 0)!=MP_OK ) goto out;
    }
  }
  if( !found || mp_boundary_check(tmp)!=MP_OK ) goto out;
  if( strlen(tmp)+1>nout ) goto out;
  memcpy(out, tmp, strlen(tmp)+1);
  rc = MP_OK;
out:
  if( rc!=MP_OK && out && nout>0 ) out[0] = 0;
  return rc;
}

/*
** Create a parser (see multipart.h).  One allocation holds the struct, the
** header line buffer and the decoded-value buffer, each cap + 1 bytes.
*/
struct mp_parser *mp_new(const char *boundary, const struct mp_limits *lim,
                         const struct mp_callbacks *cb){
  struct mp_parser *p = NULL;
  struct mp_limits l;
  size_t blen;

  if( mp_boundary_check(boundary)!=MP_OK ) goto out;
  if( lim ) l = *lim; else mp_limits_default(&l);
  if( l.max_header_bytes>MP_HEADER_BYTES_LIMIT ) goto out;
  p = calloc(1, sizeof(*p) + 2*(l.max_header_bytes + 1));
  if( p==NULL ) goto out;
  p->lim = l;
  if( cb ) p->cb = *cb;
  blen = strlen(boundary);
  memcpy(p->delim, "\r\n--", 4);
  memcpy(p->delim + 4, boundary, blen + 1);
  p->dlen = 4 + blen;
  p->state = MP_S_PREAMBLE;
  p->k = 2;      /* virtual CRLF before the input */
  p->virt = 1;
  p->cap = l.max_header_bytes;
  p->line = p->mem;
  p->vals = p->mem + p->cap + 1;
out:
  return p;
}

void mp_free(struct mp_parser *p){
  free(p);
}

size_t mp_parts(const struct mp_parser *p){
  return p ? p->parts : 0;
}

/* Pass len body bytes to on_part_data.  Returns MP_OK or MP_ERR_CALLBACK. */
static int mp_emit(struct mp_parser *p, const void *data, size_t len){
  if( len==0 || p->cb.on_part_data==NULL ) return MP_OK;
  return p->cb.on_part_data(p->cb.ctx, data, len) ? MP_ERR_CALLBACK : MP_OK;
}

/* Reset the per-part header state before a new header block. */
static void mp_header_reset(struct mp_parser *p){
  p->hdr_bytes = 0;
  p->nheaders = 0;
  p->line_len = 0;
  p->saw_cr = 0;
  p->vals_len = 0;
  p->name_off = p->filename_off = p->ctype_off = MP_NONE;
  p->seen_disposition = 0;
}

/*
** Append one byte to the decoded-value buffer.  The buffer cannot overflow
** (each value plus its NUL is shorter than the header bytes it came from,
** which max_header_bytes bounds), but the check stays as a real check.
** Returns MP_OK or MP_ERR_HEADER_TOO_LARGE.
*/
static int mp_val_put(struct mp_parser *p, char c){
  if( p->vals_len>=p->cap+1 ) return MP_ERR_HEADER_TOO_LARGE;
  p->vals[p->vals_len++] = c;
  return MP_OK;
}

/*
** Parse the value of a Content-Disposition header (v, n bytes, already
** trimmed): "form-data" *( OWS ";" OWS param OWS "=" OWS ( token | quoted ) ).
** name= and filename= are decoded into vals; other parameters (filename*
** among them) are checked for syntax and dropped.  Returns MP_OK or
** MP_ERR_SYNTAX (or MP_ERR_HEADER_TOO_LARGE, which cannot happen).
*/
static int mp_disposition(struct mp_parser *p, const char *v, size_t n){
  size_t i = 0;
  int rc;

  while( i<n && mp_is_tchar((unsigned char)v[i]) ) i++;
  if( !mp_ieq(v, i, "form-data") ) return MP_ERR_SYNTAX;
  if( p->seen_disposition ) return MP_ERR_SYNTAX;
  p->seen_disposition = 1;
  for(;;){
    size_t pname, plen, off;
    size_t *slot = NULL;
    while( i<n && mp_is_ows((unsigned char)v[i]) ) i++;
    if( i==n ) break;
    if( v[i]!=';' ) return MP_ERR_SYNTAX;
    i++;
    while( i<n && mp_is_ows((unsigned char)v[i]) ) i++;
    pname = i;
    while( i<n && mp_is_tchar((unsigned char)v[i]) ) i++;
    plen = i - pname;
    if( plen==0 ) return MP_ERR_SYNTAX;
    if( mp_ieq(v+pname, plen, "name") ) slot = &p->name_off;
    else if( mp_ieq(v+pname, plen, "filename") ) slot = &p->filename_off;
    if( slot && *slot!=MP_NONE ) return MP_ERR_SYNTAX; /* repeated: ambiguous */
    while( i<n && mp_is_ows((unsigned char)v[i]) ) i++;
    if( i>=n || v[i]!='=' ) return MP_ERR_SYNTAX;
    i++;
    while( i<n && mp_is_ows((unsigned char)v[i]) ) i++;
    off = p->vals_len;
    if( i<n && v[i]=='"' ){
      i++;
      for(;;){
        char c;
        if( i>=n ) return MP_ERR_SYNTAX; /* unterminated quoted string */
        c = v[i++];
        if( c=='"' ) break;
        if( c=='\\' ){
          if( i>=n ) return MP_ERR_SYNTAX;
          c = v[i++];
        }
        if( (rc = mp_val_put(p, c))!=MP_OK ) return rc;
      }
    }else{
      size_t start = i;
      while( i<n && mp_is_tchar((unsigned char)v[i]) ){
        if( (rc = mp_val_put(p, v[i]))!=MP_OK ) return rc;
        i++;
      }
      if( i==start ) return MP_ERR_SYNTAX;
    }
    if( (rc = mp_val_put(p, 0))!=MP_OK ) return rc;
    if( slot ) *slot = off;
    else p->vals_len = off; /* parameter we do not keep */
  }
  return MP_OK;
}

/*
** Handle one complete, non-empty header line in p->line (p->line_len bytes,
** CRLF removed, control characters already refused).  Returns MP_OK,
** MP_ERR_SYNTAX or MP_ERR_HEADER_TOO_LARGE.
*/
static int mp_header_line(struct mp_parser *p){
  char *s = p->line;
  size_t n = p->line_len, i = 0, namelen;
  int rc;

  while( i<n && mp_is_tchar((unsigned char)s[i]) ) i++;
  if( i==0 || i>=n || s[i]!=':' ) return MP_ERR_SYNTAX; /* also refuses folded lines */
  namelen = i++;
  while( i<n && mp_is_ows((unsigned char)s[i]) ) i++;
  while( n>i && mp_is_ows((unsigned char)s[n-1]) ) n--;
  if( mp_ieq(s, namelen, "content-disposition") ){
    return mp_disposition(p, s+i, n-i);
  }
  if( mp_ieq(s, namelen, "content-type") ){
    size_t off = p->vals_len, j;
    if( p->ctype_off!=MP_NONE || n==i ) return MP_ERR_SYNTAX;
    for(j=i; j<n; j++){
      if( (rc = mp_val_put(p, s[j]))!=MP_OK ) return rc;
    }
    if( (rc = mp_val_put(p, 0))!=MP_OK ) return rc;
    p->ctype_off = off;
  }
  return MP_OK;
}

/*
** The header block has ended (empty line): check the part has a name and
** report it through on_part_begin.  Returns MP_OK, MP_ERR_SYNTAX or
** MP_ERR_CALLBACK.
*/
static int mp_header_end(struct mp_parser *p){
  struct mp_part_info info;
  if( p->name_off==MP_NONE || p->vals[p->name_off]==0 ) return MP_ERR_SYNTAX;
  info.name = p->vals + p->name_off;
  info.has_filename = p->filename_off!=MP_NONE;
  info.filename = info.has_filename ? p->vals + p->filename_off : NULL;
  info.content_type = p->ctype_off!=MP_NONE ? p->vals + p->ctype_off : NULL;
  p->in_part = 1;
  p->state = MP_S_BODY;
  p->k = 0;
  if( p->cb.on_part_begin && p->cb.on_part_begin(p->cb.ctx, &info) ){
    return MP_ERR_CALLBACK;
  }
  return MP_OK;
}

/*
** Consume header bytes from b[*pi..len) until the header block ends or the
** buffer is used up.  Every byte counts against max_header_bytes.
** Returns MP_OK or an MP_ERR_* code.
*/
static int mp_header(struct mp_parser *p, const unsigned char *b, size_t len, size_t *pi){
  size_t i = *pi;
  int rc = MP_OK;

  while( i<len && p->state==MP_S_HEADER ){
    unsigned char c = b[i++];
    if( ++p->hdr_bytes>p->lim.max_header_bytes ){ rc = MP_ERR_HEADER_TOO_LARGE; goto out; }
    if( p->saw_cr ){
      if( c!='\n' ){ rc = MP_ERR_SYNTAX; goto out; }
      p->saw_cr = 0;
      if( p->line_len==0 ){
        rc = mp_header_end(p);
        goto out;
      }
      if( ++p->nheaders>p->lim.max_headers ){ rc = MP_ERR_TOO_MANY_HEADERS; goto out; }
      rc = mp_header_line(p);
      p->line_len = 0;
      if( rc!=MP_OK ) goto out;
    }else if( c=='\r' ){
      p->saw_cr = 1;
    }else if( (c<0x20 && c!='\t') || c==0x7f ){
      rc = MP_ERR_SYNTAX; /* NUL, bare LF and other controls */
      goto out;
    }else{
      /* hdr_bytes <= cap, so line_len < cap here; checked anyway. */
      if( p->line_len>=p->cap ){ rc = MP_ERR_HEADER_TOO_LARGE; goto out; }
      p->line[p->line_len++] = (char)c;
    }
  }
out:
  *pi = i;
  return rc;
}

/*
** The full delimiter has just been matched: close the open part, if any,
** and move on to the delimiter's tail.  Returns MP_OK or MP_ERR_CALLBACK.
*/
static int mp_delim_seen(struct mp_parser *p){
  p->k = 0;
  p->state = MP_S_DELIM_TAIL;
  if( p->in_part ){
    p->in_part = 0;
    if( p->cb.on_part_end && p->cb.on_part_end(p->cb.ctx) ) return MP_ERR_CALLBACK;
  }
  return MP_OK;
}

/*
** Consume preamble bytes from b[*pi..len) until the first delimiter is
** matched or the buffer is used up.  Returns MP_OK or MP_ERR_PREAMBLE.
*/
static int mp_preamble(struct mp_parser *p, const unsigned char *b, size_t len, size_t *pi){
  size_t i = *pi;
  int rc = MP_OK;

  while( i<len ){
    unsigned char c = b[i++];
    size_t real;
    p->pre_bytes++;
    if( c==(unsigned char)p->delim[p->k] ){
      p->k++;
    }else{
      p->k = c=='\r' ? 1 : 0;
      p->virt = 0;
    }
    /* Bytes that are certainly preamble: all but the real part of the match. */
    real = p->virt ? p->k - 2 : p->k;
    if( p->pre_bytes - real>p->lim.max_preamble ){ rc = MP_ERR_PREAMBLE; goto out; }
    if( p->k==p->dlen ){
      rc = mp_delim_seen(p);
      goto out;
    }
  }
out:
  *pi = i;
  return rc;
}

/*
** Consume body bytes from b[*pi..len) until a delimiter is matched or the
** buffer is used up, reporting data in as few on_part_data calls as possible.
**
** run is the start of unreported data in b.  carry is how many matched
** delimiter bytes came from earlier calls (they are not in b); ms is where
** the current match started in b (== run's start when carry > 0).  If the
** match fails, carried bytes are reported from p->delim first; matched bytes
** inside b simply stay part of the run.
** Returns MP_OK or MP_ERR_CALLBACK.
*/
static int mp_body(struct mp_parser *p, const unsigned char *b, size_t len, size_t *pi){
  size_t i = *pi, run = *pi, ms = *pi;
  size_t carry = p->k;
  int rc = MP_OK;

  while( i<len ){
    if( p->k==0 ){
      const unsigned char *cr = memchr(b+i, '\r', len-i);
      if( cr==NULL ){ i = len; break; }
      i = (size_t)(cr - b);
      ms = i++;
      p->k = 1;
      continue;
    }
    if( b[i]==(unsigned char)p->delim[p->k] ){
      i++;
      if( ++p->k==p->dlen ){
        if( (rc = mp_emit(p, b+run, ms-run))!=MP_OK ) goto out;
        rc = mp_delim_seen(p);
        goto out;
      }
      continue;
    }
    /* Mismatch: the matched prefix was data. Re-examine b[i] from k = 0. */
    if( carry>0 ){
      if( (rc = mp_emit(p, p->delim, carry))!=MP_OK ) goto out;
      carry = 0;
    }
    p->k = 0;
  }
  /* End of buffer: report everything but a possible delimiter start. */
  rc = mp_emit(p, b+run, (p->k>0 ? ms : len) - run);
out:
  *pi = i;
  return rc;
}

/*
** Handle one byte after a delimiter: the close "--", transport padding, or
** the CRLF that starts a new part.  Returns MP_OK, MP_DONE,
** MP_ERR_SYNTAX or MP_ERR_TOO_MANY_PARTS.
*/
static int mp_delim_tail(struct mp_parser *p, unsigned char c){
  switch( p->state ){
    case MP_S_DELIM_TAIL:
    case MP_S_PADDING:
      if( c=='-' && p->state==MP_S_DELIM_TAIL ){ p->state = MP_S_CLOSE_DASH; return MP_OK; }
      if( mp_is_ows(c) ){ p->state = MP_S_PADDING; return MP_OK; }
      if( c=='\r' ){ p->state = MP_S_DELIM_LF; return MP_OK; }
      return MP_ERR_SYNTAX;
    case MP_S_CLOSE_DASH:
      if( c!='-' ) return MP_ERR_SYNTAX;
      p->state = MP_S_DONE;
      return MP_DONE;
    case MP_S_DELIM_LF:
      if( c!='\n' ) return MP_ERR_SYNTAX;
      if( ++p->parts>p->lim.max_parts ) return MP_ERR_TOO_MANY_PARTS;
      mp_header_reset(p);
      p->state = MP_S_HEADER;
      return MP_OK;
    default:
      return MP_ERR_SYNTAX; /* not reached */
  }
}

/*
** Feed bytes (see multipart.h).  Dispatches to the handler of the current
** state until the buffer is used up, the message is complete or an error
** occurs; errors are recorded so that later calls return them again.
*/
int mp_feed(struct mp_parser *p, const char *buf, size_t len){
  const unsigned char *b = (const unsigned char *)buf;
  size_t i = 0;
  int rc = MP_OK;

  if( p==NULL ) return MP_ERR_SYNTAX;
  if( p->state==MP_S_ERROR ) return p->err;
  if( p->state==MP_S_DONE ) return MP_DONE;
  if( buf==NULL && len>0 ){ rc = MP_ERR_SYNTAX; goto out; }
  while( i<len && rc==MP_OK ){
    switch( p->state ){
      case MP_S_PREAMBLE: rc = mp_preamble(p, b, len, &i); break;
      case MP_S_HEADER:   rc = mp_header(p, b, len, &i); break;
      case MP_S_BODY:     rc = mp_body(p, b, len, &i); break;
      default:            rc = mp_delim_tail(p, b[i++]); break;
    }
  }
out:
  if( rc!=MP_OK && rc!=MP_DONE ){
    p->state = MP_S_ERROR;
    p->err = rc;
  }
  return rc;
}

int mp_finish(struct mp_parser *p){
  if( p==NULL ) return MP_ERR_SYNTAX;
  if( p->state==MP_S_DONE ) return MP_DONE;
  if( p->state!=MP_S_ERROR ){
    p->state = MP_S_ERROR;
    p->err = MP_ERR_TRUNCATED;
  }
  return p->err;
}

const char *mp_strerror(int rc){
  switch( rc ){
    case MP_OK:                   return "ok";
    case MP_DONE:                 return "upload complete";
    case MP_ERR_SYNTAX:           return "malformed multipart upload";
    case MP_ERR_TOO_MANY_PARTS:   return "too many parts in the upload";
    case MP_ERR_HEADER_TOO_LARGE: return "part headers too large";
    case MP_ERR_TOO_MANY_HEADERS: return "too many headers in an upload part";
    case MP_ERR_PREAMBLE:         return "too much data before the first boundary";
    case MP_ERR_TRUNCATED:        return "upload ended before the final boundary";
    case MP_ERR_CALLBACK:         return "upload rejected while processing a part";
    case MP_ERR_BOUNDARY:         return "missing or invalid multipart boundary";
    default:                      return "unknown multipart error";
  }
}

/* rtemplate.c — parse and validate release templates (YAML, apiVersion holdpoint/v1). */
/*
** How it works. libfyaml's event parser turns the source into a small tree of our own
** (struct rnode) that remembers the line of every node; libfyaml 0.7 has no line numbers
** for document nodes, and building the tree ourselves also lets us refuse aliases (no
** "billion laughs"), bound the depth and the node count, and check UTF-8 and NUL bytes
** once. The tree is then validated top-down into struct rtpl_template, collecting up to
** RTPL_MAX_ERRORS messages "line N: ...". Cross-activity checks (dependencies, cycles,
** conditional approvals, placeholders) run last over the whole template.
**
** Allocation failures set c->oom and the walk carries on with NULLs; rtpl_parse then
** frees everything and returns RTPL_ENOMEM. Every use of an output string therefore
** tolerates NULL; names used for cross-checks come from the tree, not the output.
*/
#define _POSIX_C_SOURCE 200809L
#include "rtemplate.h"
#include "util.h"

#include <errno.h>
#include <libfyaml.h>
#include <jansson.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define RTPL_MAX_DEPTH      24        /* YAML nesting; templates need about 10 */
#define RTPL_MAX_NODES      200000    /* YAML nodes in one source */
#define RTPL_MAX_VARIABLES  64
#define RTPL_MAX_DEPS       64        /* depends_on entries per activity */
#define RTPL_MAX_RULES      32        /* approver rules per activity */
#define RTPL_MAX_REMINDERS  16
#define RTPL_MAX_ACTIONS    16
#define RTPL_MAX_OPTIONS    200
#define RTPL_MAX_ACCEPT     32
#define RTPL_MAX_MIN        10000     /* a numeric quorum above this is surely a typo */
#define RTPL_MAX_DURATION   (366LL * 86400LL)
#define RTPL_MAX_SIZE       (16LL * 1024 * 1024 * 1024)
#define RTPL_MAX_LENGTH     1048576   /* max_length of a text field */

/* ------------------------------------------------------------------------------------ */
/* The YAML tree                                                                         */

enum rnode_kind { RN_SCALAR, RN_SEQ, RN_MAP };

struct rnode {
  enum rnode_kind kind;
  int line;                 /* 1-based line where the node starts */
  int plain;                /* scalar written without quotes or block indicator */
  char *text;               /* scalar: NUL-terminated value (checked: no NUL, UTF-8) */
  size_t len;
  struct rnode **kid;       /* sequence items, or key,value,key,value... for mappings */
  size_t nkid, cap;
};

/* Per-activity facts the cross-checks need, kept outside the public struct. */
struct rinfo {
  const char *name;         /* valid name from the tree, or NULL */
  size_t phase;             /* index of the phase */
  int line;                 /* line of the activity */
  const struct rnode *deps; /* the depends_on list as written (all items valid) or NULL */
  int dep[RTPL_MAX_DEPS];   /* resolved activity index per dependency, -1 unresolved */
  int when_line;            /* line of `when`, 0 when absent */
  const struct rnode *instr;/* instructions node or NULL */
  enum rtpl_activity_type type;
  int color;                /* cycle search: 0 new, 1 on stack, 2 done */
};

/* Everything one rtpl_parse call works with. */
struct rctx {
  char *err;                /* caller's buffer, may be NULL */
  size_t nerr, used;
  int nerrors;              /* messages reported (also those beyond the cap) */
  int oom;                  /* an allocation failed */
  int lookup_failed;        /* exists() returned < 0 */
  int lastline;             /* number of lines in the source, to clamp libfyaml's */
  const struct rtpl_lookup *lk;
  struct rinfo info[RTPL_MAX_ACTIVITIES];
  size_t nact;              /* entries used in info[] */
  int act_overflow;         /* more than RTPL_MAX_ACTIVITIES: reported, parsing stopped */
  const char **vars;        /* declared variable names (tree text) */
  size_t nvars;
};

/*
** Append one message "line N: ..." to the error buffer (at most RTPL_MAX_ERRORS, then a
** final note). line <= 0 leaves the prefix out. Control characters in the message become
** '?', so each message stays on one line. Never fails; truncates to the buffer.
*/
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void rerr(struct rctx *c, int line, const char *fmt, ...){
  char msg[600];
  va_list ap;
  int n;
  c->nerrors++;
  if( c->err==NULL || c->nerr==0 || c->nerrors > RTPL_MAX_ERRORS + 1 ) return;
  if( c->nerrors == RTPL_MAX_ERRORS + 1 ){
    snprintf(msg, sizeof msg, "(more errors not shown)");
  }else{
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    for(n=0; msg[n]; n++){          /* one message, one line: no control characters */
      if( (unsigned char)msg[n]<0x20 || msg[n]==0x7f ) msg[n] = '?';
    }
  }
  if( c->used + 1 >= c->nerr ) return;
  if( line>0 && c->nerrors <= RTPL_MAX_ERRORS ){
    n = snprintf(c->err + c->used, c->nerr - c->used, "%sline %d: %s",
                 c->used ? "\n" : "", line, msg);
  }else{
    n = snprintf(c->err + c->used, c->nerr - c->used, "%s%s", c->used ? "\n" : "", msg);
  }
  if( n<0 ) return;
  if( (size_t)n >= c->nerr - c->used ) c->used = c->nerr - 1;
  else c->used += (size_t)n;
}

/*
** Copy user text s into buf (size n >= 8) for an error message: control characters
** become '?', long text is cut (not inside a UTF-8 sequence) and ends in "...".
** Returns buf.
*/
static const char *rshow(char *buf, size_t n, const char *s){
  size_t len, i, j;
  if( s==NULL ) s = "";
  len = strlen(s);
  j = len;
  if( len + 1 > n ){
    j = n - 4;
    while( j>0 && ((unsigned char)s[j] & 0xC0)==0x80 ) j--;
  }
  for(i=0; i<j; i++){
    unsigned char ch = (unsigned char)s[i];
    buf[i] = (ch<0x20 || ch==0x7f) ? '?' : (char)ch;
  }
  if( j<len ){ memcpy(buf + j, "...", 3); j += 3; }
  buf[j] = 0;
  return buf;
}

/* strdup that records failure in c->oom. Returns the copy or NULL. Caller frees. */
static char *rdup(struct rctx *c, const char *s){
  char *p;
  if( s==NULL ) return NULL;
  p = strdup(s);
  if( p==NULL ) c->oom = 1;
  return p;
}

/* calloc that records failure in c->oom (n==0 allocates one element). Caller frees. */
static void *rcalloc(struct rctx *c, size_t n, size_t size){
  void *p = calloc(n ? n : 1, size);
  if( p==NULL ) c->oom = 1;
  return p;
}

/* ------------------------------------------------------------------------------------ */
/* Building the tree from libfyaml events                                                */

/* Free a tree (depth is bounded by RTPL_MAX_DEPTH, so recursion is safe). */
static void rnode_free(struct rnode *n){
  size_t i;
  if( n==NULL ) return;
  for(i=0; i<n->nkid; i++) rnode_free(n->kid[i]);
  free(n->kid);
  free(n->text);
  free(n);
}

/* Append child k to container p. Returns 0, or -1 when out of memory (k not taken). */
static int rnode_add(struct rnode *p, struct rnode *k){
  if( p->nkid == p->cap ){
    size_t ncap = p->cap ? p->cap * 2 : 4;
    struct rnode **nk = realloc(p->kid, ncap * sizeof *nk);
    if( nk==NULL ) return -1;
    p->kid = nk;
    p->cap = ncap;
  }
  p->kid[p->nkid++] = k;
  return 0;
}


/*
** Check the raw source before libfyaml sees it: it must be UTF-8 without NUL bytes or
** control characters other than tab, CR and LF (YAML allows nothing else, and libfyaml
** 0.7.12 can loop forever on invalid UTF-8 after a '%' directive). Returns 1 if fine,
** else reports the line and returns 0.
*/
static int rsource_ok(struct rctx *c, const char *src, size_t len){
  size_t i = 0, start = 0;
  int line = 1;
  while( i<len ){
    unsigned char ch = (unsigned char)src[i];
    if( ch=='\n' ){ line++; i++; start = i; continue; }
    if( ch=='\r' && (i+1>=len || src[i+1]!='\n') ){
      rerr(c, line, "the template contains a carriage return that is not part of CRLF");
      return 0;
    }
    if( ch<0x20 && ch!='\t' && ch!='\r' ){
      rerr(c, line, "the template contains a control character (byte 0x%02x)", ch);
      return 0;
    }
    if( ch==0x7f ){
      rerr(c, line, "the template contains a control character (byte 0x7f)");
      return 0;
    }
    if( ch<0x80 ){ i++; continue; }
    {
      size_t n = (ch & 0xE0)==0xC0 ? 2 : (ch & 0xF0)==0xE0 ? 3 : (ch & 0xF8)==0xF0 ? 4 : 0;
      if( n==0 || n > len - i || !util_utf8_ok(src + i, n) ){
        rerr(c, line, "the template is not valid UTF-8 (column %zu)", i - start + 1);
        return 0;
      }
      i += n;
    }
  }
  return 1;
}

/*
** Decode the body of a single-quoted YAML scalar (the bytes between the quotes, as
** written): '' becomes ', and line breaks fold as YAML 1.2 says (one break is a space,
** each further empty line a newline; white space around breaks is dropped). We do this
** ourselves because libfyaml 0.7.12 leaks memory in fy_token_get_text() for single-
** quoted scalars with adjacent '' escapes (upstream issue #233). Returns a malloc'd
** NUL-terminated string (caller frees) with *outlen set, or NULL when out of memory.
*/
static char *rsq_decode(const char *s, size_t n, size_t *outlen){
  char *o = malloc(n + 1);
  size_t j = 0, ls = 0, e, a, b, k;
  int first = 1, breaks = 0, last;
  if( o==NULL ) return NULL;
  for(;;){
    for(e=ls; e<n && s[e]!='\n'; e++){}
    last = (e==n);
    a = ls;
    b = (!last && e>ls && s[e-1]=='\r') ? e-1 : e;
    if( !first ) while( a<b && (s[a]==' ' || s[a]=='\t') ) a++;
    if( !last ) while( b>a && (s[b-1]==' ' || s[b-1]=='\t') ) b--;
    if( !first ){
      if( a==b && !last ){
        breaks++;
      }else{
        if( breaks==0 ) o[j++] = ' ';
        while( breaks>0 ){ o[j++] = '\n'; breaks--; }
      }
    }
    if( first || a<b || last ){
      for(k=a; k<b; k++){
        o[j++] = s[k];
        if( s[k]=='\'' && k+1<b && s[k+1]=='\'' ) k++;
      }
    }
    first = 0;
    if( last ) break;
    ls = e + 1;
  }
  o[j] = 0;
  *outlen = j;
  return o;
}

/* 1 if c separates YAML tokens (space, tab, CR, LF) or ends the line (e is the end). */
static int rsep(const char *p, const char *e){
  return p>=e || *p==' ' || *p=='\t' || *p=='\r' || *p=='\n';
}

/*
** Refuse complex mapping keys ("? key", also after "- ") in block context, found line by
** line outside block scalars (| and >), before libfyaml parses: libfyaml 0.7.12 corrupts
** memory when it meets an error inside such a key (found by fuzzing), and templates never
** need them. Text in block scalars is skipped, so instructions may start a line with '?'.
** Returns 1 if none, else reports the line and returns 0.
*/
static int rcomplex_keys_ok(struct rctx *c, const char *src, size_t len){
  const char *p = src, *end = src + len;
  int line = 0, in_block = 0;
  long n = -1, m = -1;              /* block scalar: parent indent, content indent */
  while( p<end ){
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    const char *le = eol ? eol : end, *q = p, *k, *cend, *t;
    long ind, lastdash = -1;
    int dq = 0, sq = 0;
    line++;
    while( q<le && *q==' ' ) q++;
    ind = (long)(q - p);
    if( in_block ){
      const char *r = q;
      while( r<le && (*r==' ' || *r=='\t' || *r=='\r') ) r++;
      if( r==le ) goto next;                            /* blank: part of the scalar */
      if( m<0 && ind>n ){ m = ind; goto next; }
      if( m>=0 && ind>=m ) goto next;
      in_block = 0;
    }
    /* Sequence entries "- " before the node. */
    k = q;
    while( k<le && *k=='-' && rsep(k+1, le) ){
      lastdash = (long)(k - p);
      k++;
      while( k<le && (*k==' ' || *k=='\t') ) k++;
    }
    if( k<le && *k=='?' && rsep(k+1, le) ){
      rerr(c, line, "complex mapping keys ('? ') are not supported");
      return 0;
    }
    /* Does the line end in a block scalar header (key: |, - >-, key: |2 # comment)? */
    for(cend=k; cend<le; cend++){
      if( dq ){
        if( *cend=='\\' && cend+1<le ) cend++;
        else if( *cend=='"' ) dq = 0;
      }else if( sq ){
        if( *cend=='\'' ) sq = 0;
      }else if( *cend=='"' ) dq = 1;
      else if( *cend=='\'' ) sq = 1;
      else if( *cend=='#' && cend>k && (cend[-1]==' ' || cend[-1]=='\t') ) break;
    }
    while( cend>k && (cend[-1]==' ' || cend[-1]=='\t' || cend[-1]=='\r') ) cend--;
    for(t=cend; t>k && t[-1]!=' ' && t[-1]!='\t'; t--){}
    if( t<cend && (*t=='|' || *t=='>') && cend - t <= 3 ){
      const char *u;
      int digit = 0, ok = 1;
      for(u=t+1; u<cend; u++){
        if( *u>='1' && *u<='9' && !digit ) digit = *u - '0';
        else if( *u!='+' && *u!='-' ) ok = 0;
      }
      if( ok ){
        const char *b = t;
        while( b>k && (b[-1]==' ' || b[-1]=='\t') ) b--;
        if( b==k ){
          n = lastdash>=0 ? lastdash : -1;
        }else if( b[-1]==':' ){
          n = (long)(k - p);
        }else{
          ok = 0;
        }
        if( ok ){
          in_block = 1;
          m = digit ? (n<0 ? 0 : n) + digit : -1;
        }
      }
    }
next:
    if( eol==NULL ) break;
    p = eol + 1;
  }
  return 1;
}

/* libfyaml diagnostics that are not collected (warnings) are dropped here. */
static void rtree_diag_sink(struct fy_diag *diag, void *user, const char *buf, size_t len){
  (void)diag; (void)user; (void)buf; (void)len;
}

/*
** Parse src[0..len) with libfyaml's event API into a tree of rnodes. Refuses syntax
** errors (with libfyaml's message and line), several documents, anchors, aliases, tags,
** deep nesting, too many nodes, NUL bytes and invalid UTF-8 in scalars.
** Returns RTPL_OK with *out set (caller frees with rnode_free), RTPL_EINVAL (reported
** through rerr) or RTPL_ENOMEM.
*/
static int rtree_build(struct rctx *c, const char *src, size_t len, struct rnode **out){
  int rc = RTPL_OK;
  struct fy_diag_cfg dcfg;
  struct fy_diag *diag = NULL;
  struct fy_parse_cfg pcfg;
  struct fy_parser *p = NULL;
  struct fy_event *ev = NULL;
  struct rnode *root = NULL, *stack[RTPL_MAX_DEPTH];
  size_t depth = 0, nodes = 0;
  int ndocs = 0;

  *out = NULL;
  fy_diag_cfg_default(&dcfg);
  dcfg.fp = NULL;
  dcfg.output_fn = rtree_diag_sink;
  dcfg.colorize = false;
  diag = fy_diag_create(&dcfg);
  if( diag==NULL ){ rc = RTPL_ENOMEM; goto out; }
  fy_diag_set_collect_errors(diag, true);
  memset(&pcfg, 0, sizeof pcfg);
  pcfg.flags = FYPCF_QUIET;
  pcfg.diag = diag;
  p = fy_parser_create(&pcfg);
  if( p==NULL || fy_parser_set_string(p, src, len)!=0 ){ rc = RTPL_ENOMEM; goto out; }

  while( (ev = fy_parser_parse(p))!=NULL ){
    const struct fy_mark *m = fy_event_start_mark(ev);
    int line = m ? m->line + 1 : 1;
    struct fy_token *anchor = NULL, *tag = NULL, *value = NULL;
    enum rnode_kind kind = RN_SCALAR;
    struct rnode *n;

    switch( ev->type ){
      case FYET_DOCUMENT_START:
        if( ++ndocs > 1 ){
          rerr(c, line, "only one YAML document is allowed (remove the second '---')");
          rc = RTPL_EINVAL; goto out;
        }
        fy_parser_event_free(p, ev); ev = NULL;
        continue;
      case FYET_ALIAS:
        rerr(c, line, "YAML aliases (*name) are not supported; write the value out");
        rc = RTPL_EINVAL; goto out;
      case FYET_SCALAR:
        anchor = ev->scalar.anchor; tag = ev->scalar.tag; value = ev->scalar.value;
        kind = RN_SCALAR;
        break;
      case FYET_SEQUENCE_START:
        anchor = ev->sequence_start.anchor; tag = ev->sequence_start.tag;
        kind = RN_SEQ;
        break;
      case FYET_MAPPING_START:
        anchor = ev->mapping_start.anchor; tag = ev->mapping_start.tag;
        kind = RN_MAP;
        break;
      case FYET_SEQUENCE_END:
      case FYET_MAPPING_END:
        if( depth>0 ) depth--;
        fy_parser_event_free(p, ev); ev = NULL;
        continue;
      default:
        fy_parser_event_free(p, ev); ev = NULL;
        continue;
    }

    if( anchor!=NULL ){
      rerr(c, line, "YAML anchors (&name) are not supported; write the value out");
      rc = RTPL_EINVAL; goto out;
    }
    if( tag!=NULL ){
      rerr(c, line, "YAML tags (!tag) are not supported");
      rc = RTPL_EINVAL; goto out;
    }
    /*
    ** A list or mapping as a mapping key ("? - a"): refused here, before libfyaml reads
    ** further, because libfyaml 0.7.12 corrupts memory on some such keys followed by a
    ** tab (found by fuzzing) and a template never needs them.
    */
    if( kind!=RN_SCALAR && depth>0 && stack[depth-1]->kind==RN_MAP
     && (stack[depth-1]->nkid % 2)==0 ){
      rerr(c, line, "mapping keys must be plain words (complex keys with '?' are not "
           "supported)");
      rc = RTPL_EINVAL; goto out;
    }
    if( ++nodes > RTPL_MAX_NODES ){
      rerr(c, line, "the template has too many YAML nodes (more than %d)", RTPL_MAX_NODES);
      rc = RTPL_EINVAL; goto out;
    }
    n = calloc(1, sizeof *n);
    if( n==NULL ){ rc = RTPL_ENOMEM; goto out; }
    n->kind = kind;
    n->line = line;
    if( depth==0 ){
      if( root!=NULL ){ rnode_free(n); rc = RTPL_EINVAL;
        rerr(c, line, "only one YAML document is allowed"); goto out; }
      root = n;
    }else if( rnode_add(stack[depth-1], n)!=0 ){
      rnode_free(n); rc = RTPL_ENOMEM; goto out;
    }
    if( kind==RN_SCALAR ){
      size_t tlen = 0;
      const char *t = NULL;
      char *sq = NULL;
      const struct fy_mark *ms = value ? fy_token_start_mark(value) : NULL;
      const struct fy_mark *me = value ? fy_token_end_mark(value) : NULL;
      if( value && fy_token_scalar_style(value)==FYSS_SINGLE_QUOTED ){
        if( ms==NULL || me==NULL || me->input_pos < ms->input_pos || me->input_pos > len ){
          rerr(c, line, "not valid YAML: malformed single-quoted text");
          rc = RTPL_EINVAL; goto out;
        }
        sq = rsq_decode(src + ms->input_pos, me->input_pos - ms->input_pos, &tlen);
        if( sq==NULL ){ rc = RTPL_ENOMEM; goto out; }
        n->text = sq;
        t = sq;
      }else if( value ){
        t = fy_token_get_text(value, &tlen);
      }
      if( t==NULL ){ t = ""; tlen = 0; }
      if( memchr(t, 0, tlen)!=NULL ){
        rerr(c, line, "text contains a NUL character");
        rc = RTPL_EINVAL; goto out;
      }
      if( !util_utf8_ok(t, tlen) ){
        rerr(c, line, "text is not valid UTF-8");
        rc = RTPL_EINVAL; goto out;
      }
      if( sq==NULL ){
        n->text = malloc(tlen + 1);
        if( n->text==NULL ){ rc = RTPL_ENOMEM; goto out; }
        memcpy(n->text, t, tlen);
        n->text[tlen] = 0;
      }
      n->len = tlen;
      n->plain = value ? fy_token_scalar_style(value)==FYSS_PLAIN : 1;
    }else{
      if( depth >= RTPL_MAX_DEPTH ){
        rerr(c, line, "YAML is nested more than %d levels deep", RTPL_MAX_DEPTH);
        rc = RTPL_EINVAL; goto out;
      }
      stack[depth++] = n;
    }
    fy_parser_event_free(p, ev); ev = NULL;
  }

  if( fy_parser_get_stream_error(p) ){
    void *it = NULL;
    struct fy_diag_error *de;
    int line = 0;
    const char *msg = NULL;
    char sm[200];
    while( (de = fy_diag_errors_iterate(diag, &it))!=NULL ){
      if( de->type==FYET_ERROR ){ line = de->line + 1; msg = de->msg; break; }
    }
    if( line<1 ) line = 1;
    if( line > c->lastline ) line = c->lastline;
    rerr(c, line, "not valid YAML: %s", msg ? rshow(sm, sizeof sm, msg) : "syntax error");
    rc = RTPL_EINVAL; goto out;
  }
  if( root==NULL ){
    rerr(c, 1, "the template is empty");
    rc = RTPL_EINVAL; goto out;
  }
  *out = root;
  root = NULL;

out:
  if( ev!=NULL ) fy_parser_event_free(p, ev);
  if( p!=NULL ) fy_parser_destroy(p);
  if( diag!=NULL ) fy_diag_destroy(diag);
  rnode_free(root);
  return rc;
}

/* ------------------------------------------------------------------------------------ */
/* Reading values from the tree                                                           */

/* "a mapping", "a list" or "text": what a node is, for messages. */
static const char *rwhat(const struct rnode *n){
  return n->kind==RN_MAP ? "a mapping" : n->kind==RN_SEQ ? "a list" : "text";
}

/* 1 if n is a YAML null written plainly (empty, ~, null). */
static int ris_null(const struct rnode *n){
  if( n->kind!=RN_SCALAR || !n->plain ) return 0;
  return n->len==0 || strcmp(n->text, "~")==0 || strcmp(n->text, "null")==0
      || strcmp(n->text, "Null")==0 || strcmp(n->text, "NULL")==0;
}

/* The value for key in mapping m, or NULL. *kline (if given) gets the key's line. */
static const struct rnode *rget(const struct rnode *m, const char *key, int *kline){
  size_t i;
  if( m==NULL || m->kind!=RN_MAP ) return NULL;
  for(i=0; i+1<m->nkid; i+=2){
    const struct rnode *k = m->kid[i];
    if( k->kind==RN_SCALAR && strcmp(k->text, key)==0 ){
      if( kline ) *kline = k->line;
      return m->kid[i+1];
    }
  }
  return NULL;
}

/* Edit distance between short strings a and b, capped at 9 (for "did you mean"). */
static int rdistance(const char *a, const char *b){
  size_t la = strlen(a), lb = strlen(b), i, j;
  int row[33], prev, tmp, best;
  if( la>32 || lb>32 ) return 9;
  for(j=0; j<=lb; j++) row[j] = (int)j;
  for(i=1; i<=la; i++){
    prev = row[0];
    row[0] = (int)i;
    for(j=1; j<=lb; j++){
      tmp = row[j];
      best = prev + (a[i-1]!=b[j-1]);
      if( row[j] + 1 < best ) best = row[j] + 1;
      if( row[j-1] + 1 < best ) best = row[j-1] + 1;
      row[j] = best;
      prev = tmp;
    }
  }
  return row[lb] > 9 ? 9 : row[lb];
}

/*
** Check the keys of mapping m (described by `where` in messages) against the NULL-
** terminated list `allowed`: non-text keys, unknown keys (with a suggestion) and
** duplicates are reported. Returns the number of problems.
*/
static int rkeys(struct rctx *c, const struct rnode *m, const char *const *allowed,
                 const char *where){
  size_t i, j;
  int bad = 0;
  char sk[80];
  for(i=0; i+1<m->nkid; i+=2){
    const struct rnode *k = m->kid[i];
    int known = 0, best = 9;
    const char *sugg = NULL;
    if( k->kind!=RN_SCALAR ){
      rerr(c, k->line, "keys in %s must be plain words, not %s", where, rwhat(k));
      bad++;
      continue;
    }
    for(j=0; allowed[j]; j++){
      int d;
      if( strcmp(allowed[j], k->text)==0 ){ known = 1; break; }
      d = rdistance(k->text, allowed[j]);
      if( d<best ){ best = d; sugg = allowed[j]; }
    }
    if( !known ){
      if( sugg && best<=2 ){
        rerr(c, k->line, "unknown key '%s' in %s (did you mean '%s'?)",
             rshow(sk, sizeof sk, k->text), where, sugg);
      }else{
        rerr(c, k->line, "unknown key '%s' in %s", rshow(sk, sizeof sk, k->text), where);
      }
      bad++;
      continue;
    }
    for(j=0; j<i; j+=2){
      if( m->kid[j]->kind==RN_SCALAR && strcmp(m->kid[j]->text, k->text)==0 ){
        rerr(c, k->line, "duplicate key '%s' in %s", k->text, where);
        bad++;
        break;
      }
    }
  }
  return bad;
}

/*
** Check that string s (at line) holds only printable text: no control characters
** except, when multiline, newline and tab. maxlen bounds its length in bytes.
** Returns 1 if fine, else reports and returns 0.
*/
static int rtext_ok(struct rctx *c, int line, const char *key, const char *where,
                    const char *s, size_t len, size_t maxlen, int multiline){
  size_t i;
  if( len > maxlen ){
    rerr(c, line, "'%s' in %s is too long (%zu bytes; the limit is %zu)",
         key, where, len, maxlen);
    return 0;
  }
  for(i=0; i<len; i++){
    unsigned char ch = (unsigned char)s[i];
    if( (ch<0x20 && !(multiline && (ch=='\n' || ch=='\t'))) || ch==0x7f ){
      rerr(c, line, "'%s' in %s contains a control character%s", key, where,
           multiline ? "" : " (it must be one line)");
      return 0;
    }
  }
  return 1;
}

/*
** Read the text value of key in mapping m. Returns 1 with *out pointing into the tree,
** 0 when absent (reported if required), -1 when present but invalid (reported).
** *line (optional) gets the value's line.
*/
static int rstr(struct rctx *c, const struct rnode *m, const char *key, const char *where,
                int required, size_t maxlen, int multiline, const char **out, int *line){
  int kl = m->line;
  const struct rnode *v = rget(m, key, &kl);
  *out = NULL;
  if( line ) *line = kl;
  if( v==NULL ){
    if( required ) rerr(c, m->line, "missing '%s' in %s", key, where);
    return 0;
  }
  if( v->kind!=RN_SCALAR ){
    rerr(c, kl, "'%s' in %s must be text, not %s", key, where, rwhat(v));
    return -1;
  }
  if( ris_null(v) || v->len==0 ){
    rerr(c, kl, "'%s' in %s has no value", key, where);
    return -1;
  }
  if( !rtext_ok(c, v->line, key, where, v->text, v->len, maxlen, multiline) ) return -1;
  if( line ) *line = v->line;
  *out = v->text;
  return 1;
}

/*
** Read the boolean value of key in mapping m (true/false in any YAML 1.2 spelling).
** Returns 1 with *out set, 0 when absent (*out = def), -1 when invalid (reported).
*/
static int rbool(struct rctx *c, const struct rnode *m, const char *key, const char *where,
                 int def, int *out){
  const struct rnode *v = rget(m, key, NULL);
  *out = def;
  if( v==NULL ) return 0;
  if( v->kind==RN_SCALAR ){
    if( !strcmp(v->text, "true") || !strcmp(v->text, "True") || !strcmp(v->text, "TRUE") ){
      *out = 1; return 1;
    }
    if( !strcmp(v->text, "false") || !strcmp(v->text, "False") || !strcmp(v->text, "FALSE") ){
      *out = 0; return 1;
    }
  }
  rerr(c, v->line, "'%s' in %s must be true or false", key, where);
  return -1;
}

/*
** Parse a whole decimal integer (optional '-', digits only, no spaces) with strtoll.
** Returns 1 and sets *out, or 0 when s is not exactly such a number or overflows.
*/
static int rinteger(const char *s, long long *out){
  char *end = NULL;
  long long v;
  const char *d = s[0]=='-' ? s + 1 : s;
  if( *d<'0' || *d>'9' ) return 0;
  errno = 0;
  v = strtoll(s, &end, 10);
  if( errno!=0 || end==s || *end!=0 ) return 0;
  *out = v;
  return 1;
}

/*
** Parse a finite decimal number ("-1", "0.5", "1e3"; no hex, inf or nan) with strtod.
** Returns 1 and sets *out, or 0.
*/
static int rnumber(const char *s, double *out){
  char *end = NULL;
  double v;
  size_t i;
  if( s[0]==0 ) return 0;
  for(i=0; s[i]; i++){
    if( !strchr("0123456789.eE+-", s[i]) ) return 0;
  }
  if( !((s[0]>='0' && s[0]<='9') || s[0]=='-' || s[0]=='.') ) return 0;
  errno = 0;
  v = strtod(s, &end);
  if( errno!=0 || end==s || *end!=0 || !isfinite(v) ) return 0;
  *out = v;
  return 1;
}

/*
** Parse a duration "<integer><s|m|h|d>" (e.g. 90m, 2d) into seconds, 1s .. 366d.
** Returns 1 and sets *secs, or 0.
*/
static int rduration(const char *s, int64_t *secs){
  size_t n = strlen(s), i;
  long long v, mult;
  char num[16];
  if( n<2 || n>12 ) return 0;
  switch( s[n-1] ){
    case 's': mult = 1; break;
    case 'm': mult = 60; break;
    case 'h': mult = 3600; break;
    case 'd': mult = 86400; break;
    default: return 0;
  }
  for(i=0; i<n-1; i++){
    if( s[i]<'0' || s[i]>'9' ) return 0;
  }
  memcpy(num, s, n-1);
  num[n-1] = 0;
  if( !rinteger(num, &v) || v<1 || v > RTPL_MAX_DURATION / mult ) return 0;
  *secs = (int64_t)(v * mult);
  return 1;
}

/*
** Parse a size "123", "512KB", "20MB", "1GB" (also B, KiB, MiB, GiB, any case, an
** optional space; K/M/G are 1024-based) into bytes, 1 .. 16 GiB. Returns 1 or 0.
*/
static int rsize(const char *s, int64_t *bytes){
  size_t i = 0, nd;
  long long v, mult = 1;
  char num[24];
  const char *u;
  while( s[i]>='0' && s[i]<='9' ) i++;
  nd = i;
  if( nd==0 || nd>=sizeof num ) return 0;
  memcpy(num, s, nd);
  num[nd] = 0;
  u = s + nd;
  if( *u==' ' ) u++;
  if( *u==0 ){
    if( u!=s+nd ) return 0;
    mult = 1;
  }else if( !strcasecmp(u, "b") ) mult = 1;
  else if( !strcasecmp(u, "kb") || !strcasecmp(u, "kib") || !strcasecmp(u, "k") ) mult = 1024;
  else if( !strcasecmp(u, "mb") || !strcasecmp(u, "mib") || !strcasecmp(u, "m") ) mult = 1024*1024;
  else if( !strcasecmp(u, "gb") || !strcasecmp(u, "gib") || !strcasecmp(u, "g") ) mult = 1024LL*1024*1024;
  else return 0;
  if( !rinteger(num, &v) || v<1 || v > RTPL_MAX_SIZE / mult ) return 0;
  *bytes = (int64_t)(v * mult);
  return 1;
}

/* 1 if s is a template/phase/activity name: [a-z0-9][a-z0-9_-]{0,62}. */
static int rname_ok(const char *s){
  size_t i;
  if( !((s[0]>='a' && s[0]<='z') || (s[0]>='0' && s[0]<='9')) ) return 0;
  for(i=1; s[i]; i++){
    char ch = s[i];
    if( i>62 ) return 0;
    if( !((ch>='a' && ch<='z') || (ch>='0' && ch<='9') || ch=='_' || ch=='-') ) return 0;
  }
  return 1;
}

/* 1 if s is an identifier (variables, field keys): [A-Za-z_][A-Za-z0-9_]{0,63}. */
static int rident_ok(const char *s){
  size_t i;
  if( !((s[0]>='a' && s[0]<='z') || (s[0]>='A' && s[0]<='Z') || s[0]=='_') ) return 0;
  for(i=1; s[i]; i++){
    char ch = s[i];
    if( i>63 ) return 0;
    if( !((ch>='a' && ch<='z') || (ch>='A' && ch<='Z') || (ch>='0' && ch<='9') || ch=='_') )
      return 0;
  }
  return 1;
}

/* 1 if s can name a user, team or role: [A-Za-z0-9_.-]{1,64}. */
static int rprincipal_ok(const char *s){
  size_t i;
  if( s[0]==0 ) return 0;
  for(i=0; s[i]; i++){
    char ch = s[i];
    if( i>=64 ) return 0;
    if( !((ch>='a' && ch<='z') || (ch>='A' && ch<='Z') || (ch>='0' && ch<='9')
          || ch=='_' || ch=='.' || ch=='-') ) return 0;
  }
  return 1;
}

/* 1 if s looks like a MIME type or pattern: type/subtype from [a-z0-9.+-], subtype may be '*'. */
static int rmime_ok(const char *s){
  const char *slash = strchr(s, '/');
  size_t i;
  if( slash==NULL || slash==s || slash[1]==0 || strlen(s)>127 ) return 0;
  for(i=0; s[i]; i++){
    char ch = s[i];
    if( s+i==slash ) continue;
    if( ch=='*' && s+i==slash+1 && s[i+1]==0 ) continue;
    if( !((ch>='a' && ch<='z') || (ch>='0' && ch<='9') || ch=='.' || ch=='+' || ch=='-') )
      return 0;
  }
  return strchr(slash+1, '/')==NULL;
}

/* 1 if s is an http(s) URL without spaces or control characters, at most 2048 bytes. */
static int rurl_ok(const char *s){
  size_t i, n = strlen(s);
  const char *host;
  if( n>2048 ) return 0;
  if( strncmp(s, "https://", 8)==0 ) host = s + 8;
  else if( strncmp(s, "http://", 7)==0 ) host = s + 7;
  else return 0;
  if( *host==0 || *host=='/' ) return 0;
  for(i=0; i<n; i++){
    unsigned char ch = (unsigned char)s[i];
    if( ch<=0x20 || ch>=0x7f ) return 0;
  }
  return 1;
}

/* "user", "team", "role" for a key of a who-mapping, or RTPL_NONE. */
static enum rtpl_kind rkind_of(const char *key){
  if( strcmp(key, "user")==0 ) return RTPL_USER;
  if( strcmp(key, "team")==0 ) return RTPL_TEAM;
  if( strcmp(key, "role")==0 ) return RTPL_ROLE;
  return RTPL_NONE;
}

/*
** Read "exactly one of user/team/role" from mapping m: checks the name's characters and,
** with a lookup callback, that it exists. Returns 1 with *kind, *name (tree text) and
** *line set, or 0 (reported).
*/
static int rwho(struct rctx *c, const struct rnode *m, const char *where,
                enum rtpl_kind *kind, const char **name, int *line){
  size_t i;
  int found = 0;
  char sn[80];
  const struct rnode *v = NULL;
  *kind = RTPL_NONE; *name = NULL; *line = m->line;
  for(i=0; i+1<m->nkid; i+=2){
    const struct rnode *k = m->kid[i];
    if( k->kind!=RN_SCALAR || rkind_of(k->text)==RTPL_NONE ) continue;
    if( found ){
      rerr(c, k->line, "%s names more than one of user, team and role", where);
      return 0;
    }
    found = 1;
    *kind = rkind_of(k->text);
    v = m->kid[i+1];
    *line = k->line;
  }
  if( !found ){
    rerr(c, m->line, "%s must name a user, a team or a role", where);
    return 0;
  }
  if( v->kind!=RN_SCALAR || ris_null(v) || !rprincipal_ok(v->text) ){
    rerr(c, v->line, "invalid %s name '%s' in %s (use letters, digits, '_', '.', '-')",
         rtpl_kind_name(*kind), v->kind==RN_SCALAR ? rshow(sn, sizeof sn, v->text) : "",
         where);
    return 0;
  }
  if( c->lk && c->lk->exists ){
    int e = c->lk->exists(c->lk->ctx, (int)*kind, v->text);
    if( e<0 ){
      c->lookup_failed = 1;
      rerr(c, v->line, "could not look up %s '%s'", rtpl_kind_name(*kind), v->text);
      return 0;
    }
    if( e==0 ){
      rerr(c, v->line, "unknown %s '%s' in %s", rtpl_kind_name(*kind), v->text, where);
      return 0;
    }
  }
  *name = v->text;
  return 1;
}

/* Set key of JSON object o to v (taking v, freed on failure); a failure marks c->oom. */
static void rjset(struct rctx *c, json_t *o, const char *key, json_t *v){
  if( o==NULL || v==NULL ){
    json_decref(v);
    c->oom = 1;
  }else if( json_object_set_new(o, key, v)!=0 ){   /* jansson frees v on failure */
    c->oom = 1;
  }
}

/* Append v to JSON array a (taking v, freed on failure); a failure marks c->oom. */
static void rjpush(struct rctx *c, json_t *a, json_t *v){
  if( a==NULL || v==NULL ){
    json_decref(v);
    c->oom = 1;
  }else if( json_array_append_new(a, v)!=0 ){      /* jansson frees v on failure */
    c->oom = 1;
  }
}

/*
** Compact JSON text of o (malloc'd, caller frees), or NULL with c->oom set. The text is
** read back and compared: under memory pressure jansson 2.14's json_dumps() can return
** mangled text instead of NULL (seen with malloc fault injection), and policy_json must
** never be stored wrong.
*/
static char *rjdump(struct rctx *c, const json_t *o){
  char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
  json_t *back = s ? json_loads(s, JSON_REJECT_DUPLICATES, NULL) : NULL;
  if( back==NULL || !json_equal(back, (json_t*)o) ){
    free(s);
    s = NULL;
    c->oom = 1;
  }
  json_decref(back);
  return s;
}

/* ------------------------------------------------------------------------------------ */
/* Approvers → policy_json                                                               */

static const char *const APPROVERS_KEYS[] = {
  "rules", "mode", "ordered", "distinct", "allow_self_approval", "reject_when", NULL };
static const char *const RULE_KEYS[] = { "user", "team", "role", "min", NULL };

/*
** Validate the approvers mapping ap of activity `aname` and build its policy JSON
** (see rtemplate.h). Checks rule shape, quorum numbers, names (callback exists) and
** impossible quorums (callback count; a user rule with min > 1; with distinct and mode
** all, several rules on one group needing more people than it has). Returns the JSON
** text (caller frees) or NULL (problems reported, or c->oom).
*/
static char *rpolicy(struct rctx *c, const struct rnode *ap, const char *aname){
  char where[240], rw[300];
  const struct rnode *rules;
  json_t *root = NULL, *jrules = NULL;
  char *out = NULL;
  int bad = 0, ordered, distinct, self, rl = ap->line;
  const char *mode = "all", *reject = "any", *z;
  size_t i, j;
  enum rtpl_kind kinds[RTPL_MAX_RULES];
  const char *names[RTPL_MAX_RULES];
  long long need[RTPL_MAX_RULES], have[RTPL_MAX_RULES];
  int lines[RTPL_MAX_RULES];
  size_t nrules = 0;

  snprintf(where, sizeof where, "approvers of activity '%.180s'", aname);
  if( ap->kind!=RN_MAP ){
    rerr(c, ap->line, "approvers of activity '%s' must be a mapping with 'rules', not %s",
         aname, rwhat(ap));
    return NULL;
  }
  bad += rkeys(c, ap, APPROVERS_KEYS, where);
  if( rstr(c, ap, "mode", where, 0, 32, 0, &z, &rl)>0 ){
    if( strcmp(z, "all")==0 || strcmp(z, "any")==0 ) mode = z;
    else { rerr(c, rl, "'mode' in %s must be all or any", where); bad++; }
  }
  if( rstr(c, ap, "reject_when", where, 0, 32, 0, &z, &rl)>0 ){
    if( strcmp(z, "any")==0 || strcmp(z, "cannot_reach")==0 ) reject = z;
    else { rerr(c, rl, "'reject_when' in %s must be any or cannot_reach", where); bad++; }
  }
  if( rbool(c, ap, "ordered", where, 0, &ordered)<0 ) bad++;
  if( rbool(c, ap, "distinct", where, 1, &distinct)<0 ) bad++;
  if( rbool(c, ap, "allow_self_approval", where, 0, &self)<0 ) bad++;

  rules = rget(ap, "rules", &rl);
  if( rules==NULL ){
    rerr(c, ap->line, "missing 'rules' in %s", where);
    return NULL;
  }
  if( rules->kind!=RN_SEQ || rules->nkid==0 ){
    rerr(c, rules->kind==RN_SEQ ? rl : rules->line,
         "'rules' in %s must be a non-empty list like [{team: sre, min: 1}]", where);
    return NULL;
  }
  if( rules->nkid > RTPL_MAX_RULES ){
    rerr(c, rules->kid[RTPL_MAX_RULES]->line, "%s has more than %d rules", where,
         RTPL_MAX_RULES);
    return NULL;
  }

  root = json_object();
  jrules = json_array();
  if( root==NULL || jrules==NULL ){ c->oom = 1; goto out; }
  for(i=0; i<rules->nkid; i++){
    const struct rnode *r = rules->kid[i];
    const struct rnode *mn;
    json_t *jr, *jmin = NULL;
    enum rtpl_kind kind;
    const char *name;
    int wline, cnt = -1;
    long long min = 1;
    int minword = 0;          /* 0 number, 1 all, 2 majority */

    snprintf(rw, sizeof rw, "rule %zu of %s", i+1, where);
    if( r->kind!=RN_MAP ){
      rerr(c, r->line, "%s must be a mapping like {team: sre, min: 1}, not %s", rw, rwhat(r));
      bad++; continue;
    }
    if( rkeys(c, r, RULE_KEYS, rw) ){ bad++; }
    if( !rwho(c, r, rw, &kind, &name, &wline) ){ bad++; continue; }
    mn = rget(r, "min", NULL);
    if( mn!=NULL ){
      if( mn->kind==RN_SCALAR && strcmp(mn->text, "all")==0 ) minword = 1;
      else if( mn->kind==RN_SCALAR && strcmp(mn->text, "majority")==0 ) minword = 2;
      else if( mn->kind!=RN_SCALAR || !rinteger(mn->text, &min) || min<1 || min>RTPL_MAX_MIN ){
        rerr(c, mn->line, "'min' in %s must be a whole number from 1 to %d, all or majority",
             rw, RTPL_MAX_MIN);
        bad++; continue;
      }
    }
    if( kind==RTPL_USER ){
      cnt = 1;
      if( minword==0 && min>1 ){
        rerr(c, mn ? mn->line : r->line,
             "impossible quorum: %s needs %lld approvals from user '%s', who has one vote",
             rw, min, name);
        bad++; continue;
      }
    }else if( c->lk && c->lk->count ){
      cnt = c->lk->count(c->lk->ctx, (int)kind, name);
      if( cnt<-1 ) cnt = -1;
      if( cnt==0 ){
        rerr(c, wline, "impossible quorum: %s '%s' in %s has no active members",
             rtpl_kind_name(kind), name, rw);
        bad++; continue;
      }
      if( cnt>0 && minword==0 && min>cnt ){
        rerr(c, mn ? mn->line : r->line,
             "impossible quorum: %s needs %lld approvals but %s '%s' has %d active member%s",
             rw, min, rtpl_kind_name(kind), name, cnt, cnt==1 ? "" : "s");
        bad++; continue;
      }
    }
    kinds[nrules] = kind;
    names[nrules] = name;
    lines[nrules] = r->line;
    have[nrules] = cnt;
    if( minword==0 ) need[nrules] = min;
    else if( cnt<0 ) need[nrules] = 1;
    else need[nrules] = minword==1 ? cnt : cnt/2 + 1;
    nrules++;

    jr = json_object();
    rjset(c, jr, "kind", json_string(rtpl_kind_name(kind)));
    rjset(c, jr, "name", json_string(name));
    if( minword==1 ) jmin = json_string("all");
    else if( minword==2 ) jmin = json_string("majority");
    else jmin = json_integer(min);
    rjset(c, jr, "min", jmin);
    rjpush(c, jrules, jr);
  }

  /*
  ** With distinct votes and every rule required, rules on the same group draw on the
  ** same people: together they cannot need more people than the group has.
  */
  if( distinct && strcmp(mode, "all")==0 ){
    for(i=0; i<nrules; i++){
      long long sum = need[i];
      int dup = 0;
      for(j=0; j<i; j++){
        if( kinds[j]==kinds[i] && strcmp(names[j], names[i])==0 ){ dup = 1; break; }
      }
      if( dup || have[i]<0 ) continue;
      for(j=i+1; j<nrules; j++){
        if( kinds[j]==kinds[i] && strcmp(names[j], names[i])==0 ){
          sum += need[j];
          if( sum > have[i] ){
            rerr(c, lines[j], "impossible quorum: rules %zu and %zu of %s need %lld distinct "
                 "people from %s '%s', which has %lld", i+1, j+1, where, sum,
                 rtpl_kind_name(kinds[i]), names[i], have[i]);
            bad++;
            break;
          }
        }
      }
    }
  }
  if( bad ) goto out;

  rjset(c, root, "rules", jrules);
  jrules = NULL;
  rjset(c, root, "mode", json_string(mode));
  rjset(c, root, "ordered", json_boolean(ordered));
  rjset(c, root, "distinct", json_boolean(distinct));
  rjset(c, root, "allow_self_approval", json_boolean(self));
  rjset(c, root, "reject_when", json_string(reject));
  if( !c->oom ) out = rjdump(c, root);

out:
  json_decref(jrules);
  json_decref(root);
  return out;
}

/* ------------------------------------------------------------------------------------ */
/* Fields                                                                                */

static const char *const FIELD_KEYS[] = {
  "key", "label", "type", "required", "help", "min_length", "max_length", "pattern",
  "min", "max", "options", "accept", "max_size", NULL };

static const char *const FIELD_TYPES[] = {
  "text", "textarea", "number", "checkbox", "select", "file", NULL };

/* Which rule keys each field type accepts (indexed by enum rtpl_field_type). */
static int rfield_allows(enum rtpl_field_type t, const char *key){
  if( !strcmp(key, "min_length") || !strcmp(key, "max_length") || !strcmp(key, "pattern") )
    return t==RTPL_FIELD_TEXT || t==RTPL_FIELD_TEXTAREA;
  if( !strcmp(key, "min") || !strcmp(key, "max") ) return t==RTPL_FIELD_NUMBER;
  if( !strcmp(key, "options") ) return t==RTPL_FIELD_SELECT;
  if( !strcmp(key, "accept") || !strcmp(key, "max_size") ) return t==RTPL_FIELD_FILE;
  return 1;
}

/*
** Read a list of distinct strings under key of field mapping m into JSON array *out
** (caller owns it). check(s) validates each item (NULL: any one-line text).
** Returns 1 ok, 0 absent, -1 invalid (reported).
*/
static int rstrlist(struct rctx *c, const struct rnode *m, const char *key, const char *where,
                    size_t maxitems, int (*check)(const char*), const char *what, json_t **out){
  int kl = m->line;
  const struct rnode *v = rget(m, key, &kl);
  size_t i, j;
  char sv[80];
  *out = NULL;
  if( v==NULL ) return 0;
  if( v->kind!=RN_SEQ || v->nkid==0 ){
    rerr(c, v->line, "'%s' in %s must be a non-empty list", key, where);
    return -1;
  }
  if( v->nkid > maxitems ){
    rerr(c, v->kid[maxitems]->line, "'%s' in %s has more than %zu entries", key, where,
         maxitems);
    return -1;
  }
  for(i=0; i<v->nkid; i++){
    const struct rnode *it = v->kid[i];
    if( it->kind!=RN_SCALAR || ris_null(it) || it->len==0 ){
      rerr(c, it->line, "entry %zu of '%s' in %s must be text", i+1, key, where);
      return -1;
    }
    if( !rtext_ok(c, it->line, key, where, it->text, it->len, 200, 0) ) return -1;
    if( check && !check(it->text) ){
      rerr(c, it->line, "'%s' in '%s' of %s is not %s", rshow(sv, sizeof sv, it->text), key,
           where, what);
      return -1;
    }
    for(j=0; j<i; j++){
      if( strcmp(v->kid[j]->text, it->text)==0 ){
        rerr(c, it->line, "'%s' appears twice in '%s' of %s", rshow(sv, sizeof sv, it->text),
             key, where);
        return -1;
      }
    }
  }
  *out = json_array();
  if( *out==NULL ){ c->oom = 1; return -1; }
  for(i=0; i<v->nkid; i++) rjpush(c, *out, json_string(v->kid[i]->text));
  return 1;
}

/*
** Read a non-negative integer under key (for min_length/max_length).
** Returns 1 with *out, 0 absent, -1 invalid (reported).
*/
static int rcount(struct rctx *c, const struct rnode *m, const char *key, const char *where,
                  long long lo, long long hi, long long *out){
  const struct rnode *v = rget(m, key, NULL);
  if( v==NULL ) return 0;
  if( v->kind!=RN_SCALAR || !rinteger(v->text, out) || *out<lo || *out>hi ){
    rerr(c, v->line, "'%s' in %s must be a whole number from %lld to %lld", key, where, lo, hi);
    return -1;
  }
  return 1;
}

/* JSON for a number: an integer when it is one (and exact), else a real. */
static json_t *rjnum(double d){
  if( d > -9007199254740992.0 && d < 9007199254740992.0 && (double)(json_int_t)d==d ){
    return json_integer((json_int_t)d);
  }
  return json_real(d);
}

/*
** Validate field mapping fm (index idx of activity aname) into *f: key, label, type,
** required, help, and the type's rules, which go into f->rules_json. Returns the
** number of problems reported. *key gets the key (tree text) when valid, else NULL.
*/
static int rfield(struct rctx *c, const struct rnode *fm, size_t idx, const char *aname,
                  struct rtpl_field *f, const char **key){
  char where[260], sk[80];
  const char *z;
  int bad = 0, line, t = -1, req;
  size_t i;
  json_t *rules = NULL, *list = NULL;
  long long minl = -1, maxl = -1;
  double minv = 0, maxv = 0;
  int hasmin = 0, hasmax = 0;
  int64_t size;

  *key = NULL;
  if( fm->kind!=RN_MAP ){
    rerr(c, fm->line, "field %zu of activity '%s' must be a mapping like "
         "{key: k, label: L, type: text}, not %s", idx+1, aname, rwhat(fm));
    return 1;
  }
  snprintf(where, sizeof where, "field %zu of activity '%.180s'", idx+1, aname);
  if( rstr(c, fm, "key", where, 1, 64, 0, &z, &line)>0 ){
    if( !rident_ok(z) ){
      rerr(c, line, "invalid key '%s' in %s (use letters, digits and '_', "
           "starting with a letter or '_')", rshow(sk, sizeof sk, z), where);
      bad++;
    }else{
      *key = z;
      snprintf(where, sizeof where, "field '%.64s' of activity '%.160s'", z, aname);
    }
  }else bad++;
  bad += rkeys(c, fm, FIELD_KEYS, where);

  if( rstr(c, fm, "type", where, 1, 32, 0, &z, &line)>0 ){
    for(i=0; FIELD_TYPES[i]; i++) if( strcmp(FIELD_TYPES[i], z)==0 ) t = (int)i;
    if( t<0 ){
      rerr(c, line, "unknown field type '%s' in %s (use text, textarea, number, checkbox, "
           "select or file)", rshow(sk, sizeof sk, z), where);
      bad++;
    }
  }else bad++;
  if( rstr(c, fm, "label", where, 1, 200, 0, &z, NULL)>0 ) f->label = rdup(c, z);
  else bad++;
  if( rstr(c, fm, "help", where, 0, 1000, 0, &z, NULL)>0 ) f->help = rdup(c, z);
  else if( rget(fm, "help", NULL) ) bad++;
  if( rbool(c, fm, "required", where, 0, &req)<0 ) bad++;
  f->required = req;
  if( *key ) f->key = rdup(c, *key);
  if( t<0 ) return bad + 1;
  f->type = (enum rtpl_field_type)t;

  /* Rules that do not belong to this type. */
  for(i=0; i+1<fm->nkid; i+=2){
    const struct rnode *k = fm->kid[i];
    if( k->kind==RN_SCALAR && !rfield_allows(f->type, k->text) ){
      if( !strcmp(k->text, "accept") || !strcmp(k->text, "max_size") ){
        rerr(c, k->line, "'%s' in %s is only for file fields, not %s", k->text, where,
             FIELD_TYPES[t]);
      }else{
        rerr(c, k->line, "'%s' is not allowed in %s (a %s field)", k->text, where,
             FIELD_TYPES[t]);
      }
      bad++;
    }
  }
  if( bad ) return bad;

  rules = json_object();
  if( rules==NULL ){ c->oom = 1; return bad; }
  if( rcount(c, fm, "min_length", where, 0, RTPL_MAX_LENGTH, &minl)<0 ) bad++;
  if( rcount(c, fm, "max_length", where, 1, RTPL_MAX_LENGTH, &maxl)<0 ) bad++;
  if( minl>=0 && maxl>=0 && minl>maxl ){
    rerr(c, fm->line, "min_length (%lld) is larger than max_length (%lld) in %s",
         minl, maxl, where);
    bad++;
  }
  if( minl>=0 ) rjset(c, rules, "min_length", json_integer(minl));
  if( maxl>=0 ) rjset(c, rules, "max_length", json_integer(maxl));
  if( rstr(c, fm, "pattern", where, 0, 512, 0, &z, &line)>0 ){
    regex_t re;
    int e = regcomp(&re, z, REG_EXTENDED | REG_NOSUB);
    if( e!=0 ){
      char msg[120];
      regerror(e, &re, msg, sizeof msg);
      rerr(c, line, "'pattern' in %s is not a valid regular expression: %s", where, msg);
      bad++;
    }else{
      regfree(&re);
      rjset(c, rules, "pattern", json_string(z));
    }
  }else if( rget(fm, "pattern", NULL) ) bad++;
  {
    const struct rnode *v = rget(fm, "min", NULL);
    if( v ){
      if( v->kind!=RN_SCALAR || !rnumber(v->text, &minv) ){
        rerr(c, v->line, "'min' in %s must be a number", where); bad++;
      }else hasmin = 1;
    }
    v = rget(fm, "max", NULL);
    if( v ){
      if( v->kind!=RN_SCALAR || !rnumber(v->text, &maxv) ){
        rerr(c, v->line, "'max' in %s must be a number", where); bad++;
      }else hasmax = 1;
    }
    if( hasmin && hasmax && minv>maxv ){
      rerr(c, fm->line, "min (%s) is larger than max (%s) in %s", rget(fm, "min", NULL)->text,
           rget(fm, "max", NULL)->text, where);
      bad++;
    }
    if( hasmin ) rjset(c, rules, "min", rjnum(minv));
    if( hasmax ) rjset(c, rules, "max", rjnum(maxv));
  }
  if( rstrlist(c, fm, "options", where, RTPL_MAX_OPTIONS, NULL, NULL, &list)<0 ) bad++;
  else if( list ) rjset(c, rules, "options", list);
  else if( f->type==RTPL_FIELD_SELECT ){
    rerr(c, fm->line, "%s is a select field and needs 'options'", where);
    bad++;
  }
  list = NULL;
  if( rstrlist(c, fm, "accept", where, RTPL_MAX_ACCEPT, rmime_ok, "a MIME type like "
               "application/pdf", &list)<0 ) bad++;
  else if( list ) rjset(c, rules, "accept", list);
  {
    const struct rnode *v = rget(fm, "max_size", NULL);
    if( v ){
      if( v->kind!=RN_SCALAR || !rsize(v->text, &size) ){
        rerr(c, v->line, "'max_size' in %s must be a size like 123, 512KB, 20MB or 1GB "
             "(at most 16GB)", where);
        bad++;
      }else rjset(c, rules, "max_size", json_integer((json_int_t)size));
    }
  }
  if( !bad ) f->rules_json = rjdump(c, rules);
  json_decref(rules);
  return bad;
}

/* ------------------------------------------------------------------------------------ */
/* Activities                                                                            */

static const char *const ACTIVITY_KEYS[] = {
  "name", "type", "description", "instructions", "depends_on", "approvers", "responsible",
  "fields", "deadline", "reminders", "on_timeout", "signature", "when",
  "actions_on_approve", NULL };
static const char *const WHO_KEYS[] = { "user", "team", "role", NULL };
static const char *const TIMEOUT_KEYS[] = { "action", "to", NULL };
static const char *const SIGNATURE_KEYS[] = { "required", "meaning", NULL };
static const char *const WHEN_KEYS[] = { "pass", "warning", NULL };
static const char *const ACTION_KEYS[] = { "name", "webhook", NULL };

/* Sort helper: reminders largest first. */
static int rcmp_desc(const void *a, const void *b){
  int64_t x = *(const int64_t*)a, y = *(const int64_t*)b;
  return x<y ? 1 : x>y ? -1 : 0;
}

/*
** Report keys of activity mapping am that its type does not allow. Returns the count.
*/
static int rtype_keys(struct rctx *c, const struct rnode *am, enum rtpl_activity_type t,
                      const char *where){
  static const struct { const char *key; unsigned types; const char *only; } K[] = {
    { "approvers",          1u<<RTPL_APPROVAL, "approval activities" },
    { "when",               1u<<RTPL_APPROVAL, "approval activities" },
    { "actions_on_approve", 1u<<RTPL_APPROVAL, "approval activities" },
    { "responsible",        1u<<RTPL_MANUAL,   "manual activities" },
    { "fields",    (1u<<RTPL_APPROVAL)|(1u<<RTPL_MANUAL), "approval and manual activities" },
    { "deadline",  (1u<<RTPL_APPROVAL)|(1u<<RTPL_MANUAL), "approval and manual activities" },
    { "reminders", (1u<<RTPL_APPROVAL)|(1u<<RTPL_MANUAL), "approval and manual activities" },
    { "on_timeout",(1u<<RTPL_APPROVAL)|(1u<<RTPL_MANUAL), "approval and manual activities" },
    { "signature", (1u<<RTPL_APPROVAL)|(1u<<RTPL_MANUAL), "approval and manual activities" },
  };
  size_t i;
  int bad = 0, kl;
  for(i=0; i<sizeof K / sizeof K[0]; i++){
    if( rget(am, K[i].key, &kl) && !(K[i].types & (1u<<t)) ){
      rerr(c, kl, "'%s' is only allowed on %s (%s is %s)", K[i].key, K[i].only, where,
           rtpl_activity_type_name(t));
      bad++;
    }
  }
  return bad;
}

/*
** Validate activity mapping am (index idx within phase `pname`, global index c->nact)
** into *a and c->info[c->nact]. Returns the number of problems reported.
*/
static int ractivity(struct rctx *c, const struct rnode *am, size_t iphase, const char *pname,
                     size_t idx, struct rtpl_activity *a){
  struct rinfo *inf = &c->info[c->nact];
  char where[200], w2[260], sn[80];
  const char *z, *aname;
  const struct rnode *v;
  int bad = 0, line, kl, t = -1;
  size_t i, j;

  inf->phase = iphase;
  inf->line = am->line;
  inf->name = NULL;
  for(i=0; i<RTPL_MAX_DEPS; i++) inf->dep[i] = -1;
  if( am->kind!=RN_MAP ){
    rerr(c, am->line, "activity %zu of phase '%s' must be a mapping with name and type, "
         "not %s", idx+1, pname, rwhat(am));
    return 1;
  }
  snprintf(where, sizeof where, "activity %zu of phase '%.150s'", idx+1, pname);
  if( rstr(c, am, "name", where, 1, 200, 0, &z, &line)>0 ){
    if( !rname_ok(z) ){
      rerr(c, line, "invalid activity name '%s' (use a-z, 0-9, '_' and '-', starting with a "
           "letter or digit, at most 63)", rshow(sn, sizeof sn, z));
      bad++;
    }else{
      for(i=0; i<c->nact; i++){
        if( c->info[i].name && strcmp(c->info[i].name, z)==0 ){
          rerr(c, line, "duplicate activity name '%s' (also on line %d)", z, c->info[i].line);
          bad++;
          break;
        }
      }
      inf->name = z;
      a->name = rdup(c, z);
      snprintf(where, sizeof where, "activity '%.150s'", z);
    }
  }else bad++;
  aname = inf->name ? inf->name : where;
  bad += rkeys(c, am, ACTIVITY_KEYS, where);

  if( rstr(c, am, "type", where, 1, 32, 0, &z, &line)>0 ){
    if( !strcmp(z, "automated") ) t = RTPL_AUTOMATED;
    else if( !strcmp(z, "approval") ) t = RTPL_APPROVAL;
    else if( !strcmp(z, "manual") ) t = RTPL_MANUAL;
    else{
      rerr(c, line, "unknown type '%s' in %s (use automated, approval or manual)",
           rshow(sn, sizeof sn, z), where);
      bad++;
    }
  }else bad++;
  if( rstr(c, am, "description", where, 0, 4000, 1, &z, NULL)>0 ) a->description = rdup(c, z);
  else if( rget(am, "description", NULL) ) bad++;
  if( rstr(c, am, "instructions", where, 0, 65536, 1, &z, NULL)>0 ){
    a->instructions = rdup(c, z);
    inf->instr = rget(am, "instructions", NULL);
  }else if( rget(am, "instructions", NULL) ) bad++;

  /* depends_on: names only here; resolved once every activity is known. */
  v = rget(am, "depends_on", &kl);
  if( v!=NULL ){
    int ok = 1;
    if( v->kind!=RN_SEQ ){
      rerr(c, v->line, "'depends_on' in %s must be a list of activity names", where);
      ok = 0;
    }else if( v->nkid > RTPL_MAX_DEPS ){
      rerr(c, v->kid[RTPL_MAX_DEPS]->line, "%s depends on more than %d activities", where,
           RTPL_MAX_DEPS);
      ok = 0;
    }else{
      for(i=0; i<v->nkid && ok; i++){
        const struct rnode *d = v->kid[i];
        if( d->kind!=RN_SCALAR || !rname_ok(d->text) ){
          rerr(c, d->line, "entry %zu of 'depends_on' in %s is not an activity name", i+1,
               where);
          ok = 0;
          break;
        }
        for(j=0; j<i; j++){
          if( strcmp(v->kid[j]->text, d->text)==0 ){
            rerr(c, d->line, "%s depends on '%s' twice", where, d->text);
            ok = 0;
            break;
          }
        }
      }
    }
    if( ok ){
      inf->deps = v;
      a->depends_on = rcalloc(c, v->nkid, sizeof(char*));
      if( a->depends_on ){
        for(i=0; i<v->nkid; i++) a->depends_on[i] = rdup(c, v->kid[i]->text);
        a->ndepends = v->nkid;
      }
    }else bad++;
  }
  if( t<0 ) return bad + 1;
  a->type = (enum rtpl_activity_type)t;
  inf->type = a->type;
  bad += rtype_keys(c, am, a->type, where);

  /* Approvers (required for approvals). */
  v = rget(am, "approvers", NULL);
  if( a->type==RTPL_APPROVAL ){
    if( v==NULL ){
      rerr(c, am->line, "approval '%s' needs approvers", aname);
      bad++;
    }else{
      a->policy_json = rpolicy(c, v, aname);
      if( a->policy_json==NULL && !c->oom ) bad++;
    }
  }

  /* Responsible (required for manual). */
  v = rget(am, "responsible", NULL);
  if( a->type==RTPL_MANUAL ){
    if( v==NULL ){
      rerr(c, am->line, "manual activity '%s' needs 'responsible' (a user, team or role)",
           aname);
      bad++;
    }else if( v->kind!=RN_MAP ){
      rerr(c, v->line, "'responsible' in %s must be a mapping like {team: dba}", where);
      bad++;
    }else{
      enum rtpl_kind k;
      const char *n;
      snprintf(w2, sizeof w2, "responsible of %s", where);
      bad += rkeys(c, v, WHO_KEYS, w2);
      if( rwho(c, v, w2, &k, &n, &line) ){
        a->responsible.kind = k;
        a->responsible.name = rdup(c, n);
      }else bad++;
    }
  }

  /* Fields. */
  v = rget(am, "fields", NULL);
  if( v!=NULL && a->type!=RTPL_AUTOMATED ){
    if( v->kind!=RN_SEQ ){
      rerr(c, v->line, "'fields' in %s must be a list", where);
      bad++;
    }else if( v->nkid > RTPL_MAX_FIELDS ){
      rerr(c, v->kid[RTPL_MAX_FIELDS]->line, "%s has more than %d fields", where,
           RTPL_MAX_FIELDS);
      bad++;
    }else{
      const char *keys[RTPL_MAX_FIELDS];
      a->fields = rcalloc(c, v->nkid, sizeof *a->fields);
      if( a->fields ){
        a->nfields = v->nkid;
        for(i=0; i<v->nkid; i++){
          bad += rfield(c, v->kid[i], i, aname, &a->fields[i], &keys[i]);
          for(j=0; keys[i] && j<i; j++){
            if( keys[j] && strcmp(keys[j], keys[i])==0 ){
              rerr(c, v->kid[i]->line, "duplicate field key '%s' in activity '%s'", keys[i],
                   aname);
              bad++;
              break;
            }
          }
        }
      }
    }
  }

  /* Deadline, reminders, on_timeout. */
  if( a->type!=RTPL_AUTOMATED ){
    if( rstr(c, am, "deadline", where, 0, 32, 0, &z, &line)>0 ){
      if( !rduration(z, &a->deadline_s) ){
        rerr(c, line, "'deadline' in %s is not a duration (a whole number followed by s, m, "
             "h or d, e.g. 90m or 2d; at most 366d)", where);
        bad++;
      }
    }else if( rget(am, "deadline", NULL) ) bad++;
    v = rget(am, "reminders", &kl);
    if( v!=NULL ){
      if( v->kind!=RN_SEQ || v->nkid==0 ){
        rerr(c, v->line, "'reminders' in %s must be a list of durations like [4h, 1h]", where);
        bad++;
      }else if( v->nkid > RTPL_MAX_REMINDERS ){
        rerr(c, v->kid[RTPL_MAX_REMINDERS]->line, "%s has more than %d reminders", where,
             RTPL_MAX_REMINDERS);
        bad++;
      }else if( rget(am, "deadline", NULL)==NULL ){
        rerr(c, kl, "'reminders' in %s need a 'deadline'", where);
        bad++;
      }else{
        a->reminders_s = rcalloc(c, v->nkid, sizeof(int64_t));
        for(i=0; a->reminders_s && i<v->nkid; i++){
          const struct rnode *r = v->kid[i];
          int64_t s;
          if( r->kind!=RN_SCALAR || !rduration(r->text, &s) ){
            rerr(c, r->line, "reminder %zu in %s is not a duration like 4h", i+1, where);
            bad++;
            continue;
          }
          if( a->deadline_s>0 && s>=a->deadline_s ){
            rerr(c, r->line, "reminder %s in %s is not before the deadline (%s before a "
                 "deadline of %s)", r->text, where, r->text, rget(am, "deadline", NULL)->text);
            bad++;
            continue;
          }
          for(j=0; j<a->nreminders; j++){
            if( a->reminders_s[j]==s ){
              rerr(c, r->line, "reminder %s appears twice in %s", r->text, where);
              bad++;
              break;
            }
          }
          if( j==a->nreminders ) a->reminders_s[a->nreminders++] = s;
        }
        if( a->reminders_s ) qsort(a->reminders_s, a->nreminders, sizeof(int64_t), rcmp_desc);
      }
    }
    v = rget(am, "on_timeout", &kl);
    if( v!=NULL ){
      snprintf(w2, sizeof w2, "on_timeout of %s", where);
      if( v->kind!=RN_MAP ){
        rerr(c, v->line, "'on_timeout' in %s must be a mapping like {action: reject}", where);
        bad++;
      }else if( rkeys(c, v, TIMEOUT_KEYS, w2) ){
        bad++;
      }else if( rget(am, "deadline", NULL)==NULL ){
        rerr(c, kl, "'on_timeout' in %s needs a 'deadline'", where);
        bad++;
      }else if( rstr(c, v, "action", w2, 1, 32, 0, &z, &line)>0 ){
        const struct rnode *to = rget(v, "to", &kl);
        if( !strcmp(z, "reject") ){
          a->on_timeout = RTPL_TIMEOUT_REJECT;
          if( to ){ rerr(c, kl, "'to' in %s is only for action escalate", w2); bad++; }
        }else if( !strcmp(z, "escalate") ){
          a->on_timeout = RTPL_TIMEOUT_ESCALATE;
          if( to==NULL ){
            rerr(c, v->line, "%s escalates but has no 'to' (a user, team or role)", w2);
            bad++;
          }else if( to->kind!=RN_MAP ){
            rerr(c, to->line, "'to' in %s must be a mapping like {team: admins}", w2);
            bad++;
          }else{
            enum rtpl_kind k;
            const char *n;
            char w3[300];
            snprintf(w3, sizeof w3, "'to' of %s", w2);
            if( rkeys(c, to, WHO_KEYS, w3) ) bad++;
            else if( rwho(c, to, w3, &k, &n, &line) ){
              a->timeout_to.kind = k;
              a->timeout_to.name = rdup(c, n);
            }else bad++;
          }
        }else{
          rerr(c, line, "'action' in %s must be escalate or reject", w2);
          bad++;
        }
      }else bad++;
    }
    v = rget(am, "signature", &kl);
    if( v!=NULL ){
      snprintf(w2, sizeof w2, "signature of %s", where);
      if( v->kind!=RN_MAP ){
        rerr(c, v->line, "'signature' in %s must be a mapping like {required: true, "
             "meaning: ...}", where);
        bad++;
      }else{
        int req, r2;
        bad += rkeys(c, v, SIGNATURE_KEYS, w2);
        if( rbool(c, v, "required", w2, 1, &req)<0 ) bad++;
        a->signature_required = req;
        r2 = rstr(c, v, "meaning", w2, 0, 200, 0, &z, NULL);
        if( r2>0 ) a->signature_meaning = rdup(c, z);
        else if( r2<0 ) bad++;
        else if( req ){
          rerr(c, v->line, "%s requires a signature but gives no 'meaning' (what signing "
               "means, e.g. Approved for release to production)", w2);
          bad++;
        }
      }
    }
  }

  /* when (approvals; the automated dependency is checked later). */
  v = rget(am, "when", &kl);
  if( v!=NULL && a->type==RTPL_APPROVAL ){
    snprintf(w2, sizeof w2, "when of %s", where);
    inf->when_line = kl;
    if( v->kind!=RN_MAP ){
      rerr(c, v->line, "'when' in %s must be a mapping like {pass: automatic, warning: "
           "manual}", where);
      bad++;
    }else{
      static const char *const WK[2] = { "pass", "warning" };
      enum rtpl_when *dst[2];
      dst[0] = &a->when_pass;
      dst[1] = &a->when_warning;
      bad += rkeys(c, v, WHEN_KEYS, w2);
      a->has_when = 1;
      for(i=0; i<2; i++){
        int r = rstr(c, v, WK[i], w2, 0, 32, 0, &z, &line);
        if( r<0 ) bad++;
        if( r<=0 ) continue;
        if( !strcmp(z, "automatic") ) *dst[i] = RTPL_WHEN_AUTOMATIC;
        else if( !strcmp(z, "manual") ) *dst[i] = RTPL_WHEN_MANUAL;
        else{
          rerr(c, line, "'%s' in %s must be automatic or manual", WK[i], w2);
          bad++;
        }
      }
    }
  }

  /* actions_on_approve (approvals). */
  v = rget(am, "actions_on_approve", NULL);
  if( v!=NULL && a->type==RTPL_APPROVAL ){
    if( v->kind!=RN_SEQ || v->nkid==0 ){
      rerr(c, v->line, "'actions_on_approve' in %s must be a non-empty list like "
           "[{webhook: \"https://...\", name: ...}]", where);
      bad++;
    }else if( v->nkid > RTPL_MAX_ACTIONS ){
      rerr(c, v->kid[RTPL_MAX_ACTIONS]->line, "%s has more than %d actions", where,
           RTPL_MAX_ACTIONS);
      bad++;
    }else{
      a->actions = rcalloc(c, v->nkid, sizeof *a->actions);
      for(i=0; a->actions && i<v->nkid; i++){
        const struct rnode *x = v->kid[i];
        const char *name = NULL;
        snprintf(w2, sizeof w2, "action %zu of %s", i+1, where);
        if( x->kind!=RN_MAP ){
          rerr(c, x->line, "%s must be a mapping like {webhook: \"https://...\"}", w2);
          bad++;
          continue;
        }
        bad += rkeys(c, x, ACTION_KEYS, w2);
        if( rstr(c, x, "name", w2, 0, 100, 0, &name, NULL)<0 ) bad++;
        if( rstr(c, x, "webhook", w2, 1, 2048, 0, &z, &line)>0 ){
          if( !rurl_ok(z) ){
            rerr(c, line, "'webhook' in %s must be an http:// or https:// URL", w2);
            bad++;
            continue;
          }
          a->actions[a->nactions].webhook = rdup(c, z);
          a->actions[a->nactions].name = rdup(c, name ? name : z);
          a->nactions++;
        }else bad++;
      }
    }
  }
  return bad;
}

/* ------------------------------------------------------------------------------------ */
/* Cross-activity checks                                                                 */

/* Index of the activity named `name`, or -1. */
static int rfind(const struct rctx *c, const char *name){
  size_t i;
  for(i=0; i<c->nact; i++){
    if( c->info[i].name && strcmp(c->info[i].name, name)==0 ) return (int)i;
  }
  return -1;
}

/*
** Depth-first search for a dependency cycle from activity u; path[0..depth) is the
** current chain. Reports each cycle found with the activities in it. Returns the number
** of cycles reported.
*/
static int rcycle(struct rctx *c, int u, int *path, size_t depth){
  struct rinfo *in = &c->info[u];
  size_t i, k;
  int found = 0;
  in->color = 1;
  path[depth] = u;
  for(i=0; in->deps && i<in->deps->nkid; i++){
    int v = in->dep[i];
    if( v<0 || v==u ) continue;
    if( c->info[v].color==1 ){
      char msg[400];
      size_t used = 0, start = 0;
      for(k=0; k<=depth; k++) if( path[k]==v ){ start = k; break; }
      msg[0] = 0;
      for(k=start; k<=depth && used+1<sizeof msg; k++){
        int n = snprintf(msg+used, sizeof msg - used, "%s -> ", c->info[path[k]].name);
        if( n<0 || (size_t)n >= sizeof msg - used ){ used = sizeof msg - 1; break; }
        used += (size_t)n;
      }
      if( used+1 < sizeof msg ) snprintf(msg+used, sizeof msg - used, "%s", c->info[v].name);
      rerr(c, in->deps->kid[i]->line, "dependency cycle: %s", msg);
      found++;
    }else if( c->info[v].color==0 ){
      found += rcycle(c, v, path, depth+1);
    }
  }
  in->color = 2;
  return found;
}

/*
** Check {{vars.NAME}} and {{activities.NAME.…}} references in the instructions of
** activity i against the declared variables and the activities. Returns problems.
*/
static int rplaceholders(struct rctx *c, size_t i){
  const struct rnode *n = c->info[i].instr;
  const char *s, *p, *e;
  int bad = 0;
  char ref[80], sr[80], sv[80];
  if( n==NULL ) return 0;
  s = n->text;
  for(p = strstr(s, "{{"); p; p = strstr(p, "{{")){
    const char *q = p + 2;
    size_t len, k;
    int line = n->line, known = 0;
    while( *q==' ' ) q++;
    e = strstr(q, "}}");
    if( e==NULL ) break;
    for(k=0; s+k<p; k++) if( s[k]=='\n' ) line++;
    len = (size_t)(e - q);
    while( len>0 && q[len-1]==' ' ) len--;
    if( len>=sizeof ref ){ p = e + 2; continue; }
    memcpy(ref, q, len);
    ref[len] = 0;
    if( strncmp(ref, "vars.", 5)==0 ){
      for(k=0; k<c->nvars; k++) if( strcmp(c->vars[k], ref+5)==0 ) known = 1;
      if( !known ){
        rerr(c, line, "instructions of activity '%s' use {{%s}}, but '%s' is not in "
             "'variables'", c->info[i].name ? c->info[i].name : "?", rshow(sr, sizeof sr, ref),
             rshow(sv, sizeof sv, ref+5));
        bad++;
      }
    }else if( strncmp(ref, "activities.", 11)==0 ){
      char *dot = strchr(ref+11, '.');
      if( dot ) *dot = 0;
      if( rfind(c, ref+11)<0 ){
        rerr(c, line, "instructions of activity '%s' refer to activity '%s', which does "
             "not exist", c->info[i].name ? c->info[i].name : "?", rshow(sr, sizeof sr, ref+11));
        bad++;
      }
    }
    p = e + 2;
  }
  return bad;
}

/*
** Resolve every depends_on (must exist, not itself, not in a later phase), find cycles,
** check that `when` has an automated dependency, and check placeholders. Returns the
** number of problems reported.
*/
static int rcross(struct rctx *c){
  size_t i, k;
  int bad = 0, path[RTPL_MAX_ACTIVITIES];
  for(i=0; i<c->nact; i++){
    struct rinfo *in = &c->info[i];
    const char *an = in->name ? in->name : "?";
    int has_auto = 0;
    for(k=0; in->deps && k<in->deps->nkid; k++){
      const struct rnode *d = in->deps->kid[k];
      int j = rfind(c, d->text);
      if( j<0 ){
        rerr(c, d->line, "activity '%s' depends on '%s', which does not exist", an, d->text);
        bad++;
      }else if( (size_t)j==i ){
        rerr(c, d->line, "dependency cycle: activity '%s' depends on itself", an);
        bad++;
      }else if( c->info[j].phase > in->phase ){
        rerr(c, d->line, "activity '%s' depends on '%s', which is in a later phase", an,
             d->text);
        bad++;
      }else{
        in->dep[k] = j;
        if( c->info[j].type==RTPL_AUTOMATED ) has_auto = 1;
      }
    }
    if( in->when_line && !has_auto ){
      rerr(c, in->when_line, "'when' in activity '%s' needs 'depends_on' to include an "
           "automated activity (whose result pass/warning it reacts to)", an);
      bad++;
    }
  }
  for(i=0; i<c->nact; i++){
    if( c->info[i].color==0 ) bad += rcycle(c, (int)i, path, 0);
  }
  for(i=0; i<c->nact; i++) bad += rplaceholders(c, i);
  return bad;
}

/* ------------------------------------------------------------------------------------ */
/* Template and phases                                                                   */

static const char *const TOP_KEYS[] = {
  "apiVersion", "kind", "name", "description", "variables", "on_reject", "phases", NULL };
static const char *const PHASE_KEYS[] = { "name", "description", "activities", NULL };

/*
** Validate phase mapping pm (index ip) into *ph; its activities get c->info entries.
** names[] holds the phase names seen so far (tree text) for duplicates.
*/
static void rphase(struct rctx *c, const struct rnode *pm, size_t ip, struct rtpl_phase *ph,
                   const char **names, const int *nlines){
  char where[160], sn[80];
  const char *z, *pname;
  const struct rnode *acts;
  int line, kl;
  size_t i, j;

  names[ip] = NULL;
  if( pm->kind!=RN_MAP ){
    rerr(c, pm->line, "phase %zu must be a mapping with name and activities, not %s", ip+1,
         rwhat(pm));
    return;
  }
  snprintf(where, sizeof where, "phase %zu", ip+1);
  if( rstr(c, pm, "name", where, 1, 200, 0, &z, &line)>0 ){
    if( !rname_ok(z) ){
      rerr(c, line, "invalid phase name '%s' (use a-z, 0-9, '_' and '-', starting with a "
           "letter or digit, at most 63)", rshow(sn, sizeof sn, z));
    }else{
      for(j=0; j<ip; j++){
        if( names[j] && strcmp(names[j], z)==0 ){
          rerr(c, line, "duplicate phase name '%s' (also on line %d)", z, nlines[j]);
          break;
        }
      }
      names[ip] = z;
      ph->name = rdup(c, z);
      snprintf(where, sizeof where, "phase '%.100s'", z);
    }
  }
  pname = names[ip] ? names[ip] : where;
  rkeys(c, pm, PHASE_KEYS, where);
  if( rstr(c, pm, "description", where, 0, 4000, 1, &z, NULL)>0 ) ph->description = rdup(c, z);

  acts = rget(pm, "activities", &kl);
  if( acts==NULL ){
    rerr(c, pm->line, "missing 'activities' in %s", where);
    return;
  }
  if( acts->kind!=RN_SEQ || acts->nkid==0 ){
    rerr(c, kl, "'activities' in %s must be a non-empty list%s%s", where,
         acts->kind==RN_SEQ ? "" : ", not ", acts->kind==RN_SEQ ? "" : rwhat(acts));
    return;
  }
  ph->activities = rcalloc(c, acts->nkid, sizeof *ph->activities);
  if( ph->activities==NULL ) return;
  for(i=0; i<acts->nkid; i++){
    if( c->nact >= RTPL_MAX_ACTIVITIES ){
      rerr(c, acts->kid[i]->line, "too many activities: a template may have at most %d",
           RTPL_MAX_ACTIVITIES);
      c->act_overflow = 1;    /* later phases stay quiet; no cross-checks */
      return;
    }
    ractivity(c, acts->kid[i], ip, pname, i, &ph->activities[ph->nactivities]);
    c->nact++;
    ph->nactivities++;
  }
}

/*
** Validate the root mapping into *t: header (apiVersion, kind, name, description,
** variables, on_reject), then the phases, then the cross-checks.
*/
static void rtemplate(struct rctx *c, const struct rnode *root, struct rtpl_template *t){
  const char *z;
  const struct rnode *v;
  int line, kl;
  size_t i, j;
  char sn[80];
  const char *pnames[RTPL_MAX_PHASES];
  int plines[RTPL_MAX_PHASES];

  if( root->kind!=RN_MAP ){
    rerr(c, root->line, "a template must be a YAML mapping (apiVersion, kind, name, phases), "
         "not %s", rwhat(root));
    return;
  }
  rkeys(c, root, TOP_KEYS, "the template");
  if( rstr(c, root, "apiVersion", "the template", 1, 64, 0, &z, &line)>0
   && strcmp(z, "holdpoint/v1")!=0 ){
    rerr(c, line, "apiVersion must be holdpoint/v1, not '%s'", rshow(sn, sizeof sn, z));
  }
  if( rstr(c, root, "kind", "the template", 1, 64, 0, &z, &line)>0
   && strcmp(z, "ReleaseTemplate")!=0 ){
    rerr(c, line, "kind must be ReleaseTemplate, not '%s'", rshow(sn, sizeof sn, z));
  }
  if( rstr(c, root, "name", "the template", 1, 200, 0, &z, &line)>0 ){
    if( !rname_ok(z) ){
      rerr(c, line, "invalid template name '%s' (use a-z, 0-9, '_' and '-', starting with a "
           "letter or digit, at most 63)", rshow(sn, sizeof sn, z));
    }else t->name = rdup(c, z);
  }
  if( rstr(c, root, "description", "the template", 0, 4000, 1, &z, NULL)>0 ){
    t->description = rdup(c, z);
  }
  if( rstr(c, root, "on_reject", "the template", 0, 32, 0, &z, &line)>0 ){
    if( !strcmp(z, "fail_release") ) t->on_reject = RTPL_FAIL_RELEASE;
    else if( !strcmp(z, "fail_phase") ) t->on_reject = RTPL_FAIL_PHASE;
    else rerr(c, line, "on_reject must be fail_release or fail_phase");
  }

  v = rget(root, "variables", &kl);
  if( v!=NULL ){
    if( v->kind!=RN_SEQ ){
      rerr(c, v->line, "'variables' must be a list of names like [image, version]");
    }else if( v->nkid > RTPL_MAX_VARIABLES ){
      rerr(c, v->kid[RTPL_MAX_VARIABLES]->line, "more than %d variables",
           RTPL_MAX_VARIABLES);
    }else{
      t->variables = rcalloc(c, v->nkid, sizeof(char*));
      c->vars = rcalloc(c, v->nkid, sizeof(char*));
      for(i=0; t->variables && c->vars && i<v->nkid; i++){
        const struct rnode *x = v->kid[i];
        if( x->kind!=RN_SCALAR || !rident_ok(x->text) ){
          rerr(c, x->line, "invalid variable name '%s' (use letters, digits and '_', "
               "starting with a letter or '_')",
               x->kind==RN_SCALAR ? rshow(sn, sizeof sn, x->text) : rwhat(x));
          continue;
        }
        for(j=0; j<c->nvars; j++){
          if( strcmp(c->vars[j], x->text)==0 ) break;
        }
        if( j<c->nvars ){
          rerr(c, x->line, "variable '%s' is listed twice", x->text);
          continue;
        }
        c->vars[c->nvars++] = x->text;
        t->variables[t->nvariables++] = rdup(c, x->text);
      }
    }
  }

  v = rget(root, "phases", &kl);
  if( v==NULL ){
    rerr(c, root->line, "missing 'phases' in the template");
    return;
  }
  if( v->kind!=RN_SEQ || v->nkid==0 ){
    rerr(c, kl, "'phases' must be a non-empty list%s%s", v->kind==RN_SEQ ? "" : ", not ",
         v->kind==RN_SEQ ? "" : rwhat(v));
    return;
  }
  if( v->nkid > RTPL_MAX_PHASES ){
    rerr(c, v->kid[RTPL_MAX_PHASES]->line, "too many phases: a template may have at most %d",
         RTPL_MAX_PHASES);
    return;
  }
  t->phases = rcalloc(c, v->nkid, sizeof *t->phases);
  if( t->phases==NULL ) return;
  for(i=0; i<v->nkid; i++){
    plines[i] = v->kid[i]->line;
    rphase(c, v->kid[i], i, &t->phases[i], pnames, plines);
    t->nphases++;
    if( c->act_overflow ) return;
  }
  if( !c->oom ) rcross(c);
}

/* ------------------------------------------------------------------------------------ */
/* Public API                                                                            */

/* Free one activity's members (not the struct itself). */
static void ractivity_free(struct rtpl_activity *a){
  size_t i;
  free(a->name);
  free(a->description);
  free(a->instructions);
  for(i=0; i<a->ndepends; i++) free(a->depends_on[i]);
  free(a->depends_on);
  free(a->policy_json);
  free(a->responsible.name);
  for(i=0; i<a->nfields; i++){
    free(a->fields[i].key);
    free(a->fields[i].label);
    free(a->fields[i].help);
    free(a->fields[i].rules_json);
  }
  free(a->fields);
  free(a->reminders_s);
  free(a->timeout_to.name);
  free(a->signature_meaning);
  for(i=0; i<a->nactions; i++){
    free(a->actions[i].name);
    free(a->actions[i].webhook);
  }
  free(a->actions);
}

void rtpl_free(struct rtpl_template *t){
  size_t i, j;
  if( t==NULL ) return;
  free(t->name);
  free(t->description);
  for(i=0; i<t->nvariables; i++) free(t->variables[i]);
  free(t->variables);
  for(i=0; i<t->nphases; i++){
    struct rtpl_phase *ph = &t->phases[i];
    for(j=0; j<ph->nactivities; j++) ractivity_free(&ph->activities[j]);
    free(ph->activities);
    free(ph->name);
    free(ph->description);
  }
  free(t->phases);
  free(t);
}

int rtpl_parse(const char *yaml, size_t len, const struct rtpl_lookup *lookup,
               struct rtpl_template **out, char *err, size_t nerr){
  struct rctx *c = NULL;
  struct rnode *root = NULL;
  struct rtpl_template *t = NULL;
  int rc = RTPL_OK;
  size_t i;

  if( err && nerr ) err[0] = 0;
  if( out ) *out = NULL;
  if( yaml==NULL || out==NULL ){
    if( err && nerr ) snprintf(err, nerr, "no template given");
    return RTPL_EARG;
  }
  if( len > RTPL_MAX_SOURCE ){
    if( err && nerr ){
      snprintf(err, nerr, "line 1: the template is too large (%zu bytes; the limit is %u)",
               len, RTPL_MAX_SOURCE);
    }
    return RTPL_ETOOBIG;
  }
  c = calloc(1, sizeof *c);
  if( c==NULL ){ rc = RTPL_ENOMEM; goto out; }
  c->err = err;
  c->nerr = nerr;
  c->lk = lookup;
  c->lastline = 1;
  for(i=0; i<len; i++) if( yaml[i]=='\n' && i+1<len ) c->lastline++;

  if( !rsource_ok(c, yaml, len) || !rcomplex_keys_ok(c, yaml, len) ){
    rc = RTPL_EINVAL;
    goto out;
  }
  rc = rtree_build(c, yaml, len, &root);
  if( rc!=RTPL_OK ) goto out;
  t = calloc(1, sizeof *t);
  if( t==NULL ){ rc = RTPL_ENOMEM; goto out; }
  rtemplate(c, root, t);
  if( c->oom ) rc = RTPL_ENOMEM;
  else if( c->lookup_failed ) rc = RTPL_ELOOKUP;
  else if( c->nerrors>0 ) rc = RTPL_EINVAL;
  if( rc!=RTPL_OK ) goto out;
  *out = t;
  t = NULL;

out:
  if( rc==RTPL_ENOMEM && err && nerr ) snprintf(err, nerr, "out of memory");
  if( c ) free((void*)c->vars);
  free(c);
  rnode_free(root);
  rtpl_free(t);
  return rc;
}

const struct rtpl_activity *rtpl_find_activity(const struct rtpl_template *t,
                                               const char *name, size_t *pphase){
  size_t i, j;
  if( t==NULL || name==NULL ) return NULL;
  for(i=0; i<t->nphases; i++){
    for(j=0; j<t->phases[i].nactivities; j++){
      const struct rtpl_activity *a = &t->phases[i].activities[j];
      if( a->name && strcmp(a->name, name)==0 ){
        if( pphase ) *pphase = i;
        return a;
      }
    }
  }
  return NULL;
}

const char *rtpl_kind_name(enum rtpl_kind k){
  switch( k ){
    case RTPL_USER: return "user";
    case RTPL_TEAM: return "team";
    case RTPL_ROLE: return "role";
    default: return "none";
  }
}

const char *rtpl_activity_type_name(enum rtpl_activity_type t){
  switch( t ){
    case RTPL_AUTOMATED: return "automated";
    case RTPL_APPROVAL: return "approval";
    case RTPL_MANUAL: return "manual";
  }
  return "unknown";
}

const char *rtpl_field_type_name(enum rtpl_field_type t){
  if( (unsigned)t < sizeof FIELD_TYPES / sizeof FIELD_TYPES[0] - 1 ) return FIELD_TYPES[t];
  return "unknown";
}

const char *rtpl_when_name(enum rtpl_when w){
  return w==RTPL_WHEN_AUTOMATIC ? "automatic" : "manual";
}

const char *rtpl_timeout_name(enum rtpl_timeout a){
  switch( a ){
    case RTPL_TIMEOUT_REJECT: return "reject";
    case RTPL_TIMEOUT_ESCALATE: return "escalate";
    default: return "none";
  }
}

const char *rtpl_on_reject_name(enum rtpl_on_reject r){
  return r==RTPL_FAIL_PHASE ? "fail_phase" : "fail_release";
}

const char *rtpl_strerror(int rc){
  switch( rc ){
    case RTPL_OK: return "ok";
    case RTPL_EINVAL: return "invalid template";
    case RTPL_ETOOBIG: return "template too large";
    case RTPL_ENOMEM: return "out of memory";
    case RTPL_ELOOKUP: return "directory look-up failed";
    case RTPL_EARG: return "bad arguments";
  }
  return "unknown error";
}

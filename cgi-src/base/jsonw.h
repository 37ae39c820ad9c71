/*
** jsonw.h — writing JSON straight into a buffer, for the API's long lists.
**
** jansson builds a tree and then dumps it; for a page of fifty approvals that
** is about 150 objects, each a hash table, and a dump that checks every one for
** loops: ten times the cost of the bytes themselves.  The writer here appends
** the text as it goes, with the same output as jansson's JSON_COMPACT |
** JSON_ENSURE_ASCII (strings escaped, anything outside ASCII as \uXXXX).
** jansson stays the way to read JSON and to build small or nested documents.
**
**   struct jsonw w;  jsonw_init(&w, &buf);
**   jsonw_obj(&w);  jsonw_key(&w, "id");  jsonw_int(&w, 7);  jsonw_end(&w);
**
** Commas are placed by the writer.  Nesting deeper than JSONW_DEPTH, or an end
** without an open object or array, sets w.bad (the text is then not used).
*/
#ifndef HP_JSONW_H
#define HP_JSONW_H
#include <stddef.h>
#include <stdint.h>
#include "arena.h"

#define JSONW_DEPTH 32

struct jsonw {
  struct buf *b;
  int depth;
  int bad;
  unsigned char first[JSONW_DEPTH];   /* nothing written yet at this level */
  unsigned char after_key;            /* a key was written: the value needs no comma */
  unsigned char is_obj[JSONW_DEPTH];
};

void jsonw_init(struct jsonw *w, struct buf *b);
void jsonw_obj(struct jsonw *w);                          /* { */
void jsonw_arr(struct jsonw *w);                          /* [ */
void jsonw_end(struct jsonw *w);                          /* } or ] */
void jsonw_key(struct jsonw *w, const char *key);
void jsonw_str(struct jsonw *w, const char *z);           /* NULL writes null */
void jsonw_int(struct jsonw *w, int64_t v);
void jsonw_null(struct jsonw *w);
void jsonw_bool(struct jsonw *w, int v);
/* Append z as the body of a JSON string (no quotes), escaped; invalid UTF-8 becomes \ufffd. */
void jsonw_escape(struct buf *b, const char *z, size_t n);
#endif

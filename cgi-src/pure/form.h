/* form.h — pure parsers for query strings, urlencoded bodies and Cookie headers. */
#ifndef HP_FORM_H
#define HP_FORM_H
#include <stddef.h>
#include "arena.h"

/* One decoded name/value pair; both NUL-terminated, living in the arena. */
struct kv {
  const char *name;
  const char *value;
  size_t vlen;
};

struct form_limits {
  size_t max_params;   /* pairs in one query string, body or Cookie header */
  size_t max_name;     /* bytes in a name */
  size_t max_value;    /* bytes in a decoded value */
};

enum form_rc {
  FORM_OK = 0,
  FORM_ERR_TOO_MANY,        /* more than max_params pairs */
  FORM_ERR_NAME,            /* empty name, bad character, or too long */
  FORM_ERR_VALUE_TOO_LONG,  /* a value over max_value */
  FORM_ERR_ENCODING,        /* bad %-escape, NUL, or invalid UTF-8 */
  FORM_ERR_OOM
};

extern const struct form_limits form_default_limits;

int form_name_ok(const char *z, size_t n);
int form_parse_urlencoded(struct arena *a, const char *z, size_t n,
                          const struct form_limits *lim, struct kv **out, size_t *nout);
int form_parse_cookies(struct arena *a, const char *z, const struct form_limits *lim,
                       struct kv **out, size_t *nout);
const char *form_strerror(int rc);
#endif

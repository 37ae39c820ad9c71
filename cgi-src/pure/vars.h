/* vars.h — {{release.*}}, {{vars.*}} and {{activities.NAME.outputs.KEY}} substitution (pure). */
#ifndef HP_VARS_H
#define HP_VARS_H
#include <stddef.h>
#include <stdint.h>
#include "arena.h"

/*
** The placeholder language of instructions and notification texts:
**
**   {{release.name}} {{release.version}} {{release.artifact}} {{release.id}}
**   {{vars.NAME}}                      a release variable
**   {{activities.NAME.outputs.KEY}}    an output of an earlier activity (KEY may hold dots)
**
** Spaces are allowed inside the braces ("{{ release.name }}").  A placeholder
** name is 1..VARS_NAME_MAX characters of [A-Za-z0-9_.-].  What is not a
** placeholder ("{{", "{{ a b }}", an unterminated "{{x", "{{{x}}}"'s outer
** braces) is copied as it is.  A well-formed placeholder that names nothing
** known becomes the empty string.  Values are inserted verbatim and never
** scanned again, so a value holding "{{...}}" stays literal text.
**
** Nothing is escaped here: callers render the result with an escaping
** renderer (cmark for instructions, whose raw HTML is off), or escape it
** for their channel.
*/

#define VARS_NAME_MAX 256

/*
** Look up one placeholder.  name[0..n) is the trimmed name (not NUL-terminated).
** Append the value to out and return 1, or return 0 when the name is unknown
** (nothing appended).
*/
typedef int (*vars_lookup_fn)(void *ctx, const char *name, size_t n, struct buf *out);

/*
** Append text with every placeholder replaced through lookup to out.
** text may be NULL (nothing appended).  Returns the number of placeholders
** that were replaced by a known value.
*/
int vars_substitute(const char *text, vars_lookup_fn lookup, void *ctx, struct buf *out);

/* A key and its value (borrowed strings). */
struct vars_kv {
  const char *key;
  const char *value;
};

/* One output of an activity (borrowed strings). */
struct vars_output {
  const char *activity;
  const char *key;
  const char *value;
};

/*
** Everything a release offers to its texts.  All strings are borrowed; NULL
** strings count as "".  Pass a pointer to one of these as ctx with
** vars_release_lookup.
*/
struct vars_release {
  int64_t id;
  const char *name;
  const char *version;
  const char *artifact;
  const struct vars_kv *vars;
  size_t nvars;
  const struct vars_output *outputs;
  size_t noutputs;
};

/* The lookup for struct vars_release: release.*, vars.*, activities.*.outputs.*. */
int vars_release_lookup(void *ctx, const char *name, size_t n, struct buf *out);
#endif

/* tmpl.h — C interface to ctemplate: dictionaries, sections, includes, expansion. */
#ifndef HP_TMPL_H
#define HP_TMPL_H
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

/* A template dictionary.  Section and include dictionaries belong to their parent. */
typedef struct tmpl_dict tmpl_dict;

/* Called with each piece of output; return 0 to continue. */
typedef int (*tmpl_emit_fn)(void *ctx, const char *z, size_t n);

int tmpl_init(const char *template_dir);            /* 0 ok, -1 if the directory is unusable */
tmpl_dict *tmpl_dict_new(const char *name);          /* NULL on failure */
void tmpl_dict_free(tmpl_dict *d);                   /* root dictionaries only */
void tmpl_set(tmpl_dict *d, const char *key, const char *value);   /* value copied; NULL = "" */
void tmpl_set_int(tmpl_dict *d, const char *key, int64_t v);
void tmpl_set_global(tmpl_dict *d, const char *key, const char *value); /* visible in includes */
tmpl_dict *tmpl_section(tmpl_dict *d, const char *section); /* adds one row and shows the section */
void tmpl_show(tmpl_dict *d, const char *section);   /* shows a section without a row of its own */
tmpl_dict *tmpl_include(tmpl_dict *d, const char *marker, const char *filename);

/*
** Expand the template file (relative to the template directory) with d.
** Returns 0 on success, -1 if the template cannot be loaded or parsed, or
** the first nonzero value returned by emit.  Never throws.
*/
int tmpl_expand(const char *filename, const tmpl_dict *d, tmpl_emit_fn emit, void *ctx);

/* Expand a template given as a string (used for notification texts and tests). */
int tmpl_expand_string(const char *cache_key, const char *text, const tmpl_dict *d,
                       tmpl_emit_fn emit, void *ctx);
#ifdef __cplusplus
}
#endif
#endif

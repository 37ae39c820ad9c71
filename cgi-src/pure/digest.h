/* digest.h — an artifact's content digest ("sha256:<hex>"), as container registries and build tools write it. */
#ifndef HP_DIGEST_H
#define HP_DIGEST_H
#include <stddef.h>

#define DIGEST_MAX 140    /* "sha512:" and 128 hex digits, and a NUL */

/* 1 if z is "sha256:" + 64, "sha384:" + 96 or "sha512:" + 128 lower-case hex digits, else 0. */
int digest_valid(const char *z);

/*
** The digest an artifact reference carries after '@' ("registry/app@sha256:ab…"), into out
** (lower-cased); 1 found and valid, 0 none, -1 one that is malformed.
*/
int digest_of_artifact(const char *artifact, char *out, size_t nout);
#endif

/* api.h — the JSON API under /api/v1: replies, errors, request bodies. */
#ifndef HP_API_H
#define HP_API_H
#include "req.h"
#include <jansson.h>
#include "jsonw.h"

void api_error(struct req *r, int status, const char *code, const char *message);
int api_reply(struct req *r, int status, json_t *j);       /* steals j; HP_OK */
int api_fail(struct req *r, int status, const char *code, const char *message); /* HP_OK after writing */
/* A reply written as it goes (jsonw.h: the long lists), then finished: 500 if it came out broken. */
void api_stream_begin(struct req *r, int status, struct jsonw *w);
int api_stream_end(struct req *r, struct jsonw *w);                           /* HP_OK */
int api_read_json(struct req *r, json_t **out);            /* HP_OK, or writes 400/413/415 and returns HP_OK with *out NULL */
json_t *api_user_json(const struct user *u);

int api_me(struct req *r);
#endif

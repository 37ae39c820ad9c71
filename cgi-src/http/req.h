/* req.h — struct req: one request's parameters, identity, arena and response. */
#ifndef HP_REQ_H
#define HP_REQ_H
#include <stdint.h>
#include <stddef.h>
#include "hp.h"
#include "arena.h"
#include "form.h"
#include "users.h"

struct app;
struct route;
struct FCGX_Request;
typedef struct FCGX_Request FCGX_Request;

struct req {
  struct app *app;
  FCGX_Request *fcgx;      /* NULL when built by tests */
  struct arena arena;      /* everything below that is allocated lives here */
  int64_t start_us;
  int64_t statements_at_start;   /* db_counters().statements when the request began */
  int64_t steps_at_start;        /* db_counters().vm_steps then */
  const char *request_id;
  const char *method;
  const char *path;        /* without the query string */
  const char *query;
  const char *remote_addr;
  const char *user_agent;
  const char *content_type;
  const char *host;
  const char *origin;
  const char *sec_fetch_site;
  const char *authorization;
  const char *cookie_header;  /* the Cookie header as sent, or NULL */
  int64_t content_length;
  int https;
  struct kv *qs;    size_t nqs;
  struct kv *form;  size_t nform;
  struct kv *cookies; size_t ncookies;
  int body_read;           /* the body was consumed */
  /* identity, filled by the router */
  struct user *user;
  const char *session_hash;   /* hex SHA-256 of the session token, or "" */
  const char *csrf_token;
  int via_token;              /* authenticated by an API token */
  int64_t token_id;
  /* routing */
  const struct route *route;
  int64_t ids[4];
  int nids;
  int is_api;
  /* form validation */
  struct field_error *errors;
  const char *flash;          /* one-line message shown at the top of the next page */
  /* response */
  int status;
  const char *resp_type;      /* Content-Type; default text/html; charset=utf-8 */
  struct buf hdrs;            /* extra header lines, each ending CRLF */
  struct buf body;
  int streaming;              /* headers already written; body goes straight out */
  int finished;
  int aborted;                /* a streamed body failed half-way: the connection is cut, not ended */
  const char *log_user;
};

void req_init(struct req *r, struct app *app, FCGX_Request *fcgx);
void req_free(struct req *r);
const char *req_param_env(struct req *r, const char *name);   /* a FastCGI parameter */

/* Query string and urlencoded body. */
const char *req_query(struct req *r, const char *name);
const char *req_form(struct req *r, const char *name);
int req_read_form(struct req *r);                 /* HP_OK or 400/413/415 */
int req_read_body(struct req *r, int64_t max, char **out, size_t *nout);  /* raw body */
const char *req_cookie(struct req *r, const char *name);

/*
** Typed accessors: each returns 1 when the value is acceptable, else 0 after
** recording a field error with a message fit for the page.  A missing value
** counts as "" for text.
*/
int req_text(struct req *r, const char *name, size_t minlen, size_t maxlen, const char **out);
int req_int(struct req *r, const char *name, int64_t lo, int64_t hi, int64_t dflt, int64_t *out);
int req_enum(struct req *r, const char *name, const char *const *allowed, const char **out);
int req_qint(struct req *r, const char *name, int64_t lo, int64_t hi, int64_t dflt, int64_t *out);
void req_field_error(struct req *r, const char *field, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));
const char *req_error_for(struct req *r, const char *field);

/* Responses. */
int resp_header(struct req *r, const char *name, const char *value);   /* refuses CR/LF: -1 */
void resp_text(struct req *r, int status, const char *type, const char *text);
int resp_redirect(struct req *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));  /* local paths only */
/* 303 to another site (the identity provider): only an absolute http(s) URL; HP_ERROR otherwise. */
int resp_redirect_external(struct req *r, const char *url);
int resp_begin_stream(struct req *r, int status, const char *type);    /* writes headers now */
int resp_write(struct req *r, const char *z, size_t n);                /* body bytes */
void resp_finish(struct req *r);                                        /* sends what is pending */
/* A streamed body cannot be completed: cut the connection so that the client sees an
** incomplete transfer instead of a short file that looks whole. */
void resp_abort(struct req *r);
int64_t req_elapsed_us(const struct req *r);
int req_has_role(const struct req *r, unsigned roles);

/* The request's person in the audit trail: the context, a record inside the caller's
** transaction, and one in a transaction of its own (sign-in failures, denials, downloads).
** details_fmt is a jansson json_pack format for an object, or NULL.  0 or -1. */
struct audit_ctx;
void req_audit_ctx(struct req *r, struct audit_ctx *c);
int req_audit(struct req *r, const char *action, const char *object_type, int64_t object_id,
              int64_t release_id, const char *details_fmt, ...);
int req_audit_tx(struct req *r, const char *action, const char *object_type, int64_t object_id,
                 int64_t release_id, const char *details_fmt, ...);
#endif

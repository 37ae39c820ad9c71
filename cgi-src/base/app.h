/* app.h — per-process state (struct app) and configuration read from the environment. */
#ifndef HP_APP_H
#define HP_APP_H
#include <stdint.h>
#include <signal.h>
#include <limits.h>
#include "hp.h"

struct sqlite3;

struct config {
  char data_dir[PATH_MAX];     /* HOLDPOINT_DATA, default <root>/var */
  char root_dir[PATH_MAX];     /* HOLDPOINT_ROOT: checkout with templates/ and sql/ */
  char socket_path[PATH_MAX];  /* <data>/run/holdpoint.sock */
  char socket_group[64];       /* HOLDPOINT_SOCKET_GROUP: group that may connect (nginx) */
  char clock_file[PATH_MAX];   /* HOLDPOINT_CLOCK_FILE: test clock offset in ms; "" = real clock */
  char base_url[256];          /* HOLDPOINT_BASE_URL, used in links sent out of the browser */
  int workers;                 /* HOLDPOINT_WORKERS, default number of CPUs */
  int64_t max_upload;          /* HOLDPOINT_MAX_UPLOAD bytes, default 256 MiB */
  int64_t max_form;            /* urlencoded/JSON body limit, default 1 MiB */
  int session_idle;            /* HOLDPOINT_SESSION_IDLE seconds, default 1800 */
  int session_max;             /* HOLDPOINT_SESSION_MAX seconds, default 43200 */
  int argon2_t;                /* HOLDPOINT_ARGON2_T passes, default 2 */
  int argon2_m;                /* HOLDPOINT_ARGON2_M KiB, default 19456 */
  int login_max_failures;
  char metrics_allow[512];     /* HOLDPOINT_METRICS_ALLOW: addresses or IPv4 CIDRs that may read /metrics */
  char metrics_token_file[PATH_MAX]; /* HOLDPOINT_METRICS_TOKEN_FILE: a bearer token for /metrics, from a file */
  char audit_checkpoints[PATH_MAX];  /* HOLDPOINT_AUDIT_CHECKPOINTS: the append-only checkpoint file */
  int audit_checkpoint_every;  /* HOLDPOINT_AUDIT_CHECKPOINT_EVERY records (default 100) ... */
  int audit_checkpoint_s;      /* ... or HOLDPOINT_AUDIT_CHECKPOINT_S seconds after a change (default 300) */
  char audit_witness_url[512]; /* HOLDPOINT_AUDIT_WITNESS_URL: each checkpoint is also POSTed there */
  int audit_witness_syslog;    /* HOLDPOINT_AUDIT_WITNESS_SYSLOG=1: and written to syslog (authpriv) */
  int count_statements;        /* HOLDPOINT_COUNT_STATEMENTS=1: X-Holdpoint-Statements on every response (tests) */      /* failures per account or IP in 15 min before throttling */
};

struct app {
  struct config cfg;
  struct sqlite3 *db;          /* opened after fork() */
  void *magic;                 /* libmagic cookie, opened after fork() */
  int worker_id;               /* 0 = master or command line */
  volatile sig_atomic_t *stop; /* set by SIGTERM */
  unsigned char audit_key[32]; /* HMAC key of the audit chain, loaded on first use */
  int audit_key_loaded;
};

int app_config_load(struct config *c);            /* 0 ok, -1 with a message on stderr */
int64_t app_now_ms(const struct app *a);          /* UTC milliseconds, shifted by the test clock */
const char *app_iso_time(int64_t ms, char *buf, int nbuf);  /* 2026-01-02T03:04:05.678Z */
int app_path(const struct app *a, char *out, int nout, const char *fmt, ...)
  __attribute__((format(printf, 4, 5)));          /* <data>/..., -1 if truncated */
#endif

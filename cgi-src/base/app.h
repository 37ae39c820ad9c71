/* app.h — per-process state (struct app) and configuration read from the environment. */
#ifndef HP_APP_H
#define HP_APP_H
#include <stdint.h>
#include <signal.h>
#include <limits.h>
#include "hp.h"

struct db;

struct config {
  char data_dir[PATH_MAX];     /* HOLDPOINT_DATA, default <root>/var */
  char database[PATH_MAX];     /* HOLDPOINT_DATABASE: "postgres://…" to share one store between nodes; "" = <data>/holdpoint.db */
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
  int count_statements;        /* HOLDPOINT_COUNT_STATEMENTS=1: X-Holdpoint-Statements on every response (tests) */
  struct idp_config {          /* company sign-in (README "Company sign-in"); "" = off */
    char oidc_issuer[256];     /* HOLDPOINT_OIDC_ISSUER */
    char oidc_client_id[128];  /* HOLDPOINT_OIDC_CLIENT_ID */
    char oidc_secret_file[PATH_MAX]; /* HOLDPOINT_OIDC_CLIENT_SECRET_FILE */
    char oidc_scopes[256];     /* HOLDPOINT_OIDC_SCOPES, default "openid profile email groups" */
    char oidc_label[64];       /* HOLDPOINT_OIDC_LABEL: "Sign in with <label>" */
    char oidc_ca_file[PATH_MAX]; /* HOLDPOINT_OIDC_CA_FILE: the provider's CA, if not a public one */
    char claim_username[64], claim_email[64], claim_name[64], claim_groups[64]; /* HOLDPOINT_OIDC_CLAIM_* */
    char ldap_url[256];        /* HOLDPOINT_LDAP_URL: ldaps://host or ldap://host (StartTLS) */
    int ldap_allow_plain;      /* HOLDPOINT_LDAP_ALLOW_PLAIN=1: ldap:// without StartTLS */
    char ldap_ca_file[PATH_MAX]; /* HOLDPOINT_LDAP_CA_FILE */
    char ldap_bind_dn[256];    /* HOLDPOINT_LDAP_BIND_DN: the search account ("" = anonymous search) */
    char ldap_bind_pw_file[PATH_MAX]; /* HOLDPOINT_LDAP_BIND_PASSWORD_FILE */
    char ldap_base[256];       /* HOLDPOINT_LDAP_BASE: where people are */
    char ldap_user_filter[256];  /* HOLDPOINT_LDAP_USER_FILTER, default (uid=%s) */
    char ldap_group_base[256];   /* HOLDPOINT_LDAP_GROUP_BASE: search groups there; "" = memberOf */
    char ldap_group_filter[256]; /* HOLDPOINT_LDAP_GROUP_FILTER, default (member=%s) (the person's DN) */
    char ldap_attr_email[64], ldap_attr_name[64]; /* HOLDPOINT_LDAP_ATTR_EMAIL/NAME: mail, cn */
    int ldap_timeout_s;        /* HOLDPOINT_LDAP_TIMEOUT, default 5 */
    int ldap_sync_s;           /* HOLDPOINT_LDAP_SYNC_S: directory sync period, default 900 */
    char group_map_file[PATH_MAX]; /* HOLDPOINT_GROUP_MAP_FILE: groups to teams and roles */
    char two_step_roles[128];  /* HOLDPOINT_TWO_STEP_ROLES: roles whose local accounts must use two-step sign-in */
    int require_sso;           /* HOLDPOINT_REQUIRE_SSO=1: no passwords but the break-glass account's */
    char break_glass[65];      /* HOLDPOINT_BREAK_GLASS: that account's username */
  } idp;
};

struct app {
  struct config cfg;
  struct db *db;               /* opened after fork() */
  void *magic;                 /* libmagic cookie, opened after fork() */
  void *magic_map[4];          /* its database's read-only file mappings (server_magic_release) */
  size_t magic_map_len[4];
  int nmagic_map;
  int worker_id;               /* 0 = master or command line */
  volatile sig_atomic_t *stop; /* set by SIGTERM */
  unsigned char audit_key[32]; /* HMAC key of the audit chain, loaded on first use */
  int audit_key_loaded;
};

int app_config_load(struct config *c);            /* 0 ok, -1 with a message on stderr */
int64_t app_now_ms(const struct app *a);          /* UTC milliseconds, shifted by the test clock */
const char *app_iso_time(int64_t ms, char *buf, int nbuf);  /* 2026-01-02T03:04:05.678Z */
/* Open the store the configuration names (HOLDPOINT_DATABASE, or the data directory's SQLite file). */
int app_db_open(const struct app *a, struct db **out);
/* The store as it may be shown: the SQLite path, or the PostgreSQL URI without its password. */
const char *app_db_label(const struct app *a, char *out, size_t n);
int app_path(const struct app *a, char *out, int nout, const char *fmt, ...)
  __attribute__((format(printf, 4, 5)));          /* <data>/..., -1 if truncated */
#endif

/* app.c — configuration from the environment, the (injectable) clock, paths. */
#include "app.h"
#include "db.h"
#include "util.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <errno.h>
#include <time.h>
#include <unistd.h>
#include <sys/time.h>
#include <stdint.h>

#ifndef HP_SRCROOT
#define HP_SRCROOT "."
#endif

/* Read an integer environment variable with bounds; -1 and a message if malformed. */
static int env_int(const char *name, int64_t lo, int64_t hi, int64_t dflt, int64_t *out){
  const char *z = getenv(name);
  if( z==NULL || z[0]==0 ){ *out = dflt; return 0; }
  char *end;
  errno = 0;
  long long v = strtoll(z, &end, 10);
  int64_t mult = 1;
  if( end!=z && *end && end[1]==0 ){
    if( *end=='k' || *end=='K' ){ mult = 1024; end++; }
    else if( *end=='m' || *end=='M' ){ mult = 1024*1024; end++; }
    else if( *end=='g' || *end=='G' ){ mult = 1024LL*1024*1024; end++; }
  }
  if( errno || end==z || *end || v < 0 || v > INT64_MAX/mult || v*mult < lo || v*mult > hi ){
    fprintf(stderr, "holdpoint: %s=%s is not a number between %lld and %lld\n",
            name, z, (long long)lo, (long long)hi);
    return -1;
  }
  *out = v * mult;
  return 0;
}

static int env_str(const char *name, const char *dflt, char *out, size_t nout){
  const char *z = getenv(name);
  if( z==NULL || z[0]==0 ) z = dflt;
  if( strlen(z) >= nout ){
    fprintf(stderr, "holdpoint: %s is too long\n", name);
    return -1;
  }
  strcpy(out, z);
  return 0;
}

static int idp_config_load(struct idp_config *p);

/*
** Fill *c from the environment (HOLDPOINT_* variables) with defaults.
** Returns 0, or -1 after printing what is wrong.
*/
int app_config_load(struct config *c){
  int64_t v;
  char dflt[PATH_MAX];
  memset(c, 0, sizeof(*c));
  if( env_str("HOLDPOINT_ROOT", HP_SRCROOT, c->root_dir, sizeof(c->root_dir)) ) return -1;
  if( snprintf(dflt, sizeof(dflt), "%s/var", c->root_dir) >= (int)sizeof(dflt) ) return -1;
  if( env_str("HOLDPOINT_DATA", dflt, c->data_dir, sizeof(c->data_dir)) ) return -1;
  if( env_str("HOLDPOINT_DATABASE", "", c->database, sizeof(c->database)) ) return -1;
  if( c->database[0] && !db_target_is_postgres(c->database) ){
    fprintf(stderr, "holdpoint: HOLDPOINT_DATABASE must be a postgres:// or postgresql:// URI (leave it unset for SQLite in the data directory)\n");
    return -1;
  }
  if( snprintf(c->socket_path, sizeof(c->socket_path), "%s/run/holdpoint.sock", c->data_dir)
      >= (int)sizeof(c->socket_path) - 1 ) return -1;
  if( env_str("HOLDPOINT_SOCKET_GROUP", "", c->socket_group, sizeof(c->socket_group)) ) return -1;
  if( env_str("HOLDPOINT_METRICS_ALLOW", "127.0.0.1 ::1", c->metrics_allow, sizeof(c->metrics_allow)) ) return -1;
  if( env_str("HOLDPOINT_METRICS_TOKEN_FILE", "", c->metrics_token_file, sizeof(c->metrics_token_file)) ) return -1;
  if( env_str("HOLDPOINT_CLOCK_FILE", "", c->clock_file, sizeof(c->clock_file)) ) return -1;
  if( env_str("HOLDPOINT_BASE_URL", "http://127.0.0.1:8080", c->base_url, sizeof(c->base_url)) ) return -1;
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  if( env_int("HOLDPOINT_WORKERS", 1, 64, ncpu>0 ? ncpu : 2, &v) ) return -1;
  c->workers = (int)v;
  if( env_int("HOLDPOINT_MAX_UPLOAD", 1024, 1LL<<40, 256LL*1024*1024, &v) ) return -1;
  c->max_upload = v;
  c->max_form = 1024*1024;
  if( env_int("HOLDPOINT_SESSION_IDLE", 10, 86400*30, 1800, &v) ) return -1;
  c->session_idle = (int)v;
  if( env_int("HOLDPOINT_SESSION_MAX", 60, 86400*90, 43200, &v) ) return -1;
  c->session_max = (int)v;
  if( env_int("HOLDPOINT_ARGON2_T", 1, 20, 2, &v) ) return -1;
  c->argon2_t = (int)v;
  if( env_int("HOLDPOINT_ARGON2_M", 8, 1<<21, 19456, &v) ) return -1;
  c->argon2_m = (int)v;
  if( env_int("HOLDPOINT_LOGIN_MAX_FAILURES", 1, 1000, 5, &v) ) return -1;
  c->login_max_failures = (int)v;
  {
    char dflt_cp[PATH_MAX + 32];
    snprintf(dflt_cp, sizeof(dflt_cp), "%.4000s/log/audit-checkpoints", c->data_dir);
    if( env_str("HOLDPOINT_AUDIT_CHECKPOINTS", dflt_cp, c->audit_checkpoints, sizeof(c->audit_checkpoints)) ) return -1;
  }
  if( env_int("HOLDPOINT_AUDIT_CHECKPOINT_EVERY", 1, 1000000, 100, &v) ) return -1;
  c->audit_checkpoint_every = (int)v;
  if( env_int("HOLDPOINT_AUDIT_CHECKPOINT_S", 1, 86400, 300, &v) ) return -1;
  c->audit_checkpoint_s = (int)v;
  if( env_str("HOLDPOINT_AUDIT_WITNESS_URL", "", c->audit_witness_url, sizeof(c->audit_witness_url)) ) return -1;
  if( env_int("HOLDPOINT_AUDIT_WITNESS_SYSLOG", 0, 1, 0, &v) ) return -1;
  c->audit_witness_syslog = (int)v;
  if( env_int("HOLDPOINT_COUNT_STATEMENTS", 0, 1, 0, &v) ) return -1;
  c->count_statements = (int)v;
  return idp_config_load(&c->idp);
}

/* Company sign-in settings (README "Company sign-in"). */
static int idp_config_load(struct idp_config *p){
  int64_t v;
  if( env_str("HOLDPOINT_OIDC_ISSUER", "", p->oidc_issuer, sizeof(p->oidc_issuer))
   || env_str("HOLDPOINT_OIDC_CLIENT_ID", "", p->oidc_client_id, sizeof(p->oidc_client_id))
   || env_str("HOLDPOINT_OIDC_CLIENT_SECRET_FILE", "", p->oidc_secret_file, sizeof(p->oidc_secret_file))
   || env_str("HOLDPOINT_OIDC_SCOPES", "openid profile email groups", p->oidc_scopes, sizeof(p->oidc_scopes))
   || env_str("HOLDPOINT_OIDC_LABEL", "your company account", p->oidc_label, sizeof(p->oidc_label))
   || env_str("HOLDPOINT_OIDC_CA_FILE", "", p->oidc_ca_file, sizeof(p->oidc_ca_file))
   || env_str("HOLDPOINT_OIDC_CLAIM_USERNAME", "preferred_username", p->claim_username, sizeof(p->claim_username))
   || env_str("HOLDPOINT_OIDC_CLAIM_EMAIL", "email", p->claim_email, sizeof(p->claim_email))
   || env_str("HOLDPOINT_OIDC_CLAIM_NAME", "name", p->claim_name, sizeof(p->claim_name))
   || env_str("HOLDPOINT_OIDC_CLAIM_GROUPS", "groups", p->claim_groups, sizeof(p->claim_groups))
   || env_str("HOLDPOINT_LDAP_URL", "", p->ldap_url, sizeof(p->ldap_url))
   || env_str("HOLDPOINT_LDAP_CA_FILE", "", p->ldap_ca_file, sizeof(p->ldap_ca_file))
   || env_str("HOLDPOINT_LDAP_BIND_DN", "", p->ldap_bind_dn, sizeof(p->ldap_bind_dn))
   || env_str("HOLDPOINT_LDAP_BIND_PASSWORD_FILE", "", p->ldap_bind_pw_file, sizeof(p->ldap_bind_pw_file))
   || env_str("HOLDPOINT_LDAP_BASE", "", p->ldap_base, sizeof(p->ldap_base))
   || env_str("HOLDPOINT_LDAP_USER_FILTER", "(uid=%s)", p->ldap_user_filter, sizeof(p->ldap_user_filter))
   || env_str("HOLDPOINT_LDAP_GROUP_BASE", "", p->ldap_group_base, sizeof(p->ldap_group_base))
   || env_str("HOLDPOINT_LDAP_GROUP_FILTER", "(member=%s)", p->ldap_group_filter, sizeof(p->ldap_group_filter))
   || env_str("HOLDPOINT_LDAP_ATTR_EMAIL", "mail", p->ldap_attr_email, sizeof(p->ldap_attr_email))
   || env_str("HOLDPOINT_LDAP_ATTR_NAME", "cn", p->ldap_attr_name, sizeof(p->ldap_attr_name))
   || env_str("HOLDPOINT_GROUP_MAP_FILE", "", p->group_map_file, sizeof(p->group_map_file))
   || env_str("HOLDPOINT_TWO_STEP_ROLES", "", p->two_step_roles, sizeof(p->two_step_roles))
   || env_str("HOLDPOINT_BREAK_GLASS", "", p->break_glass, sizeof(p->break_glass)) ) return -1;
  if( env_int("HOLDPOINT_LDAP_ALLOW_PLAIN", 0, 1, 0, &v) ) return -1;
  p->ldap_allow_plain = (int)v;
  if( env_int("HOLDPOINT_LDAP_TIMEOUT", 1, 120, 5, &v) ) return -1;
  p->ldap_timeout_s = (int)v;
  if( env_int("HOLDPOINT_LDAP_SYNC_S", 10, 86400*7, 900, &v) ) return -1;
  p->ldap_sync_s = (int)v;
  if( env_int("HOLDPOINT_REQUIRE_SSO", 0, 1, 0, &v) ) return -1;
  p->require_sso = (int)v;
  if( p->require_sso && p->oidc_issuer[0]==0 && p->ldap_url[0]==0 ){
    fprintf(stderr, "holdpoint: HOLDPOINT_REQUIRE_SSO=1 needs HOLDPOINT_OIDC_ISSUER or HOLDPOINT_LDAP_URL\n");
    return -1;
  }
  if( p->oidc_issuer[0] && (p->oidc_client_id[0]==0 || p->oidc_secret_file[0]==0) ){
    fprintf(stderr, "holdpoint: HOLDPOINT_OIDC_ISSUER needs HOLDPOINT_OIDC_CLIENT_ID and HOLDPOINT_OIDC_CLIENT_SECRET_FILE\n");
    return -1;
  }
  /* the provider's answers decide who signs in: only over TLS, but on this machine (a provider beside it, tests) */
  if( p->oidc_issuer[0] && strncmp(p->oidc_issuer, "https://", 8)!=0
   && strncmp(p->oidc_issuer, "http://127.0.0.1", 16)!=0 && strncmp(p->oidc_issuer, "http://localhost", 16)!=0
   && strncmp(p->oidc_issuer, "http://[::1]", 12)!=0 ){
    fprintf(stderr, "holdpoint: HOLDPOINT_OIDC_ISSUER must be an https:// URL\n");
    return -1;
  }
  if( p->ldap_url[0] && p->ldap_base[0]==0 ){
    fprintf(stderr, "holdpoint: HOLDPOINT_LDAP_URL needs HOLDPOINT_LDAP_BASE\n");
    return -1;
  }
  if( p->ldap_user_filter[0] && (strstr(p->ldap_user_filter, "%s")==NULL || strchr(strstr(p->ldap_user_filter, "%s")+1, '%')) ){
    fprintf(stderr, "holdpoint: HOLDPOINT_LDAP_USER_FILTER must hold %%s once, where the username goes\n");
    return -1;
  }
  return 0;
}

/*
** Current UTC time in milliseconds.  When HOLDPOINT_CLOCK_FILE names a file,
** the integer in it (milliseconds, may be negative) is added: tests move time
** forward without sleeping.
*/
int64_t app_now_ms(const struct app *a){
  struct timeval tv;
  gettimeofday(&tv, NULL);
  int64_t now = (int64_t)tv.tv_sec*1000 + tv.tv_usec/1000;
  if( a && a->cfg.clock_file[0] ){
    FILE *f = fopen(a->cfg.clock_file, "r");
    if( f ){
      long long off = 0;
      if( fscanf(f, "%lld", &off)==1 ) now += off;
      fclose(f);
    }
  }
  return now;
}

const char *app_iso_time(int64_t ms, char *buf, int nbuf){
  return util_utc_text(ms, 'T', buf, nbuf>0 ? (size_t)nbuf : 0);
}

int app_db_open(const struct app *a, struct db **out){
  char p[PATH_MAX+32];
  if( a->cfg.database[0] ) return db_open(a->cfg.database, out);
  if( app_path(a, p, sizeof(p), "holdpoint.db") ) return -1;
  return db_open(p, out);
}

const char *app_db_label(const struct app *a, char *out, size_t n){
  if( a->cfg.database[0]==0 ){
    snprintf(out, n, "%.4000s/holdpoint.db", a->cfg.data_dir);
    return out;
  }
  /* postgres://user:secret@host/db -> postgres://user@host/db */
  const char *z = a->cfg.database, *at = strchr(z, '@'), *scheme = strstr(z, "://");
  const char *colon = scheme ? strchr(scheme+3, ':') : NULL;
  if( at && colon && colon<at ) snprintf(out, n, "%.*s%s", (int)(colon-z), z, at);
  else snprintf(out, n, "%s", z);
  return out;
}

int app_path(const struct app *a, char *out, int nout, const char *fmt, ...){
  int n = snprintf(out, (size_t)nout, "%s/", a->cfg.data_dir);
  if( n<0 || n>=nout ) return -1;
  va_list ap;
  va_start(ap, fmt);
  int m = vsnprintf(out+n, (size_t)(nout-n), fmt, ap);
  va_end(ap);
  return (m<0 || m>=nout-n) ? -1 : 0;
}

/* ldapdir.c — LDAP / Active Directory through libldap: TLS, search then bind, groups, timeouts. */
#define LDAP_DEPRECATED 0
#include "ldapdir.h"
#include "idmap.h"
#include "arena.h"
#include "app.h"
#include "util.h"
#include "log.h"
#include "hp.h"
#include <ldap.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

static int unavailable(const struct idp_config *cfg, char *err, size_t nerr, const char *what, int lrc){
  snprintf(err, nerr, "The company directory (%.120s) did not answer: %s. Try again in a moment, or ask"
           " an administrator.", cfg->ldap_url, what ? what : ldap_err2string(lrc));
  log_msg("ldap: %s: %s (%s)", cfg->ldap_url, what ? what : "", ldap_err2string(lrc));
  return HP_UNAVAILABLE;
}

/* Is this result code the directory being away, rather than an answer? */
static int is_down(int lrc){
  return lrc==LDAP_SERVER_DOWN || lrc==LDAP_TIMEOUT || lrc==LDAP_CONNECT_ERROR || lrc==LDAP_UNAVAILABLE
      || lrc==LDAP_BUSY || lrc==LDAP_TIMELIMIT_EXCEEDED;
}

/* Connect with TLS as configured; *out or an HP_* code with err. */
static int connect_dir(const struct idp_config *cfg, LDAP **out, char *err, size_t nerr){
  LDAP *ld = NULL;
  int v3 = LDAP_VERSION3, lrc;
  *out = NULL;
  int ldaps = strncasecmp(cfg->ldap_url, "ldaps://", 8)==0;
  if( !ldaps && strncasecmp(cfg->ldap_url, "ldap://", 7)!=0 ){
    snprintf(err, nerr, "HOLDPOINT_LDAP_URL must start with ldaps:// or ldap://");
    return HP_ERROR;
  }
  if( (lrc = ldap_initialize(&ld, cfg->ldap_url))!=LDAP_SUCCESS ){
    snprintf(err, nerr, "HOLDPOINT_LDAP_URL is not an LDAP address: %s", ldap_err2string(lrc));
    return HP_ERROR;
  }
  struct timeval tv = { cfg->ldap_timeout_s, 0 };
  int demand = LDAP_OPT_X_TLS_DEMAND, zero = 0;
  ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
  ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
  ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
  ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv);
  ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand);
  if( cfg->ldap_ca_file[0] ) ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, cfg->ldap_ca_file);
  ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero);
  if( !ldaps && !cfg->ldap_allow_plain ){
    lrc = ldap_start_tls_s(ld, NULL, NULL);
    if( lrc!=LDAP_SUCCESS ){
      char *diag = NULL;
      ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
      /* the server answered but the handshake failed (libldap says LDAP_CONNECT_ERROR): its certificate */
      int cert = lrc==LDAP_CONNECT_ERROR || (diag && (strstr(diag, "cert") || strstr(diag, "TLS")));
      if( diag ) log_msg("ldap: StartTLS: %s", diag);
      ldap_memfree(diag);
      ldap_unbind_ext_s(ld, NULL, NULL);
      if( cert ) return unavailable(cfg, err, nerr, "no secure connection: its certificate could not be verified (see HOLDPOINT_LDAP_CA_FILE)", lrc);
      if( is_down(lrc) ) return unavailable(cfg, err, nerr, NULL, lrc);
      return unavailable(cfg, err, nerr, "StartTLS failed (Holdpoint does not send passwords in the clear)", lrc);
    }
  }
  *out = ld;
  return HP_OK;
}

/* Bind with a DN and password; an LDAP result code. */
static int bind_as(LDAP *ld, const char *dn, const char *pw){
  struct berval cred;
  cred.bv_val = (char*)pw;
  cred.bv_len = strlen(pw);
  return ldap_sasl_bind_s(ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
}

/* Bind as the search account (or stay anonymous).  HP_OK or an HP_* code with err. */
static int bind_search(const struct idp_config *cfg, LDAP *ld, char *err, size_t nerr){
  char pw[512];
  if( cfg->ldap_bind_dn[0]==0 ) return HP_OK;
  if( util_read_secret(cfg->ldap_bind_pw_file, pw, sizeof(pw))<0 ){
    snprintf(err, nerr, "cannot read HOLDPOINT_LDAP_BIND_PASSWORD_FILE (at least 16 characters)");
    return HP_ERROR;
  }
  int lrc = bind_as(ld, cfg->ldap_bind_dn, pw);
  memset(pw, 0, sizeof(pw));
  if( lrc==LDAP_SUCCESS ) return HP_OK;
  if( is_down(lrc) ) return unavailable(cfg, err, nerr, NULL, lrc);
  snprintf(err, nerr, "the directory refused the search account %.200s: %s", cfg->ldap_bind_dn, ldap_err2string(lrc));
  log_msg("ldap: %s", err);
  return HP_ERROR;
}

static const char *first_value(LDAP *ld, LDAPMessage *e, const char *attr, struct arena *ar){
  struct berval **v = ldap_get_values_len(ld, e, attr);
  const char *z = NULL;
  if( v && v[0] ) z = arena_strndup(ar, v[0]->bv_val, v[0]->bv_len);
  ldap_value_free_len(v);
  return z;
}

/* Fill out from entry e (its groups from memberOf, or the group search). */
static int read_entry(const struct idp_config *cfg, LDAP *ld, LDAPMessage *e, struct arena *ar,
                      struct ldap_entry *out, char *err, size_t nerr){
  char *dn = ldap_get_dn(ld, e);
  memset(out, 0, sizeof(*out));
  out->dn = dn ? arena_strdup(ar, dn) : NULL;
  ldap_memfree(dn);
  if( out->dn==NULL ){ snprintf(err, nerr, "out of memory"); return HP_ERROR; }
  out->email = first_value(ld, e, cfg->ldap_attr_email, ar);
  out->display = first_value(ld, e, cfg->ldap_attr_name, ar);
  size_t cap = 0;
  if( cfg->ldap_group_base[0]==0 ){
    struct berval **v = ldap_get_values_len(ld, e, "memberOf");
    size_t n = v ? (size_t)ldap_count_values_len(v) : 0;
    out->groups = arena_alloc(ar, (n+1)*sizeof(char*));
    for(size_t i=0; out->groups && i<n; i++) out->groups[out->ngroups++] = arena_strndup(ar, v[i]->bv_val, v[i]->bv_len);
    ldap_value_free_len(v);
    return HP_OK;
  }
  char filter[1024];
  if( idmap_ldap_filter(cfg->ldap_group_filter, out->dn, filter, sizeof(filter)) ){
    snprintf(err, nerr, "HOLDPOINT_LDAP_GROUP_FILTER must hold %%s once");
    return HP_ERROR;
  }
  char *attrs[] = { "cn", NULL };
  struct timeval tv = { cfg->ldap_timeout_s, 0 };
  LDAPMessage *res = NULL;
  int lrc = ldap_search_ext_s(ld, cfg->ldap_group_base, LDAP_SCOPE_SUBTREE, filter, attrs, 0, NULL, NULL,
                              &tv, 1000, &res);
  if( lrc!=LDAP_SUCCESS && lrc!=LDAP_SIZELIMIT_EXCEEDED ){
    ldap_msgfree(res);
    if( is_down(lrc) ) return unavailable(cfg, err, nerr, NULL, lrc);
    snprintf(err, nerr, "the group search failed: %s", ldap_err2string(lrc));
    return HP_ERROR;
  }
  cap = (size_t)ldap_count_entries(ld, res);
  out->groups = arena_alloc(ar, (cap+1)*sizeof(char*));
  for(LDAPMessage *g = ldap_first_entry(ld, res); g && out->groups; g = ldap_next_entry(ld, g)){
    char *gdn = ldap_get_dn(ld, g);
    if( gdn && out->ngroups<cap ) out->groups[out->ngroups++] = arena_strdup(ar, gdn);
    ldap_memfree(gdn);
  }
  ldap_msgfree(res);
  return HP_OK;
}

/* Search exactly one entry under base with filter.  HP_OK (*e in *res), HP_NOT_FOUND, or an error. */
static int search_one(const struct idp_config *cfg, LDAP *ld, const char *base, int scope, const char *filter,
                      LDAPMessage **res, LDAPMessage **e, char *err, size_t nerr){
  char *attrs[] = { (char*)cfg->ldap_attr_email, (char*)cfg->ldap_attr_name, "memberOf", NULL };
  struct timeval tv = { cfg->ldap_timeout_s, 0 };
  *res = NULL;
  *e = NULL;
  int lrc = ldap_search_ext_s(ld, base, scope, filter, attrs, 0, NULL, NULL, &tv, 2, res);
  if( lrc==LDAP_NO_SUCH_OBJECT ) return HP_NOT_FOUND;
  if( lrc==LDAP_SIZELIMIT_EXCEEDED ) return HP_NOT_FOUND;          /* more than one: nobody */
  if( lrc!=LDAP_SUCCESS ){
    if( is_down(lrc) ) return unavailable(cfg, err, nerr, NULL, lrc);
    snprintf(err, nerr, "the directory search failed: %s", ldap_err2string(lrc));
    log_msg("ldap: %s", err);
    return HP_ERROR;
  }
  if( ldap_count_entries(ld, *res)!=1 ) return HP_NOT_FOUND;
  *e = ldap_first_entry(ld, *res);
  return *e ? HP_OK : HP_NOT_FOUND;
}

int ldapdir_authenticate(const struct idp_config *cfg, struct arena *ar, const char *username,
                         const char *password, struct ldap_entry *out, char *err, size_t nerr){
  char filter[1024], name[72];
  LDAP *ld = NULL;
  LDAPMessage *res = NULL, *e = NULL;
  memset(out, 0, sizeof(*out));
  err[0] = 0;
  /* an empty password would be an "unauthenticated bind", which directories answer with success */
  if( password==NULL || password[0]==0 ) return HP_UNAUTHORIZED;
  if( idmap_username(username, name, sizeof(name)) ) return HP_UNAUTHORIZED;
  if( idmap_ldap_filter(cfg->ldap_user_filter, name, filter, sizeof(filter)) ) return HP_UNAUTHORIZED;
  int rc = connect_dir(cfg, &ld, err, nerr);
  if( rc==HP_OK ) rc = bind_search(cfg, ld, err, nerr);
  if( rc==HP_OK ) rc = search_one(cfg, ld, cfg->ldap_base, LDAP_SCOPE_SUBTREE, filter, &res, &e, err, nerr);
  if( rc==HP_NOT_FOUND ) rc = HP_UNAUTHORIZED;
  if( rc==HP_OK ) rc = read_entry(cfg, ld, e, ar, out, err, nerr);
  ldap_msgfree(res);
  if( rc==HP_OK ){
    int lrc = bind_as(ld, out->dn, password);
    if( lrc==LDAP_INVALID_CREDENTIALS ) rc = HP_UNAUTHORIZED;
    else if( is_down(lrc) ) rc = unavailable(cfg, err, nerr, NULL, lrc);
    else if( lrc!=LDAP_SUCCESS ) rc = HP_UNAUTHORIZED;
  }
  if( ld ) ldap_unbind_ext_s(ld, NULL, NULL);
  if( rc==HP_OK ) out->username = arena_strdup(ar, name);
  return rc;
}

int ldapdir_lookup(const struct idp_config *cfg, struct arena *ar, const char *dn, struct ldap_entry *out,
                   char *err, size_t nerr){
  LDAP *ld = NULL;
  LDAPMessage *res = NULL, *e = NULL;
  memset(out, 0, sizeof(*out));
  int rc = connect_dir(cfg, &ld, err, nerr);
  if( rc==HP_OK ) rc = bind_search(cfg, ld, err, nerr);
  if( rc==HP_OK ) rc = search_one(cfg, ld, dn, LDAP_SCOPE_BASE, "(objectClass=*)", &res, &e, err, nerr);
  if( rc==HP_OK ) rc = read_entry(cfg, ld, e, ar, out, err, nerr);
  ldap_msgfree(res);
  if( ld ) ldap_unbind_ext_s(ld, NULL, NULL);
  return rc;
}

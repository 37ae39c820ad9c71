/* ldapdir.h — LDAP / Active Directory: check a person's password, read their entry and groups (libldap). */
#ifndef HP_LDAPDIR_H
#define HP_LDAPDIR_H
#include <stddef.h>
struct arena;
struct idp_config;

struct ldap_entry {
  const char *dn, *username, *email, *display;
  const char **groups;          /* group DNs (memberOf, or the group search) */
  size_t ngroups;
};

/*
** Search the person (HOLDPOINT_LDAP_USER_FILTER, the name escaped) with the
** search account, then bind as them with password, over LDAPS or StartTLS
** (plain only when HOLDPOINT_LDAP_ALLOW_PLAIN=1).  Strings live in ar.
** HP_OK and *out; HP_UNAUTHORIZED (no such person, several, or a wrong or
** empty password); HP_UNAVAILABLE (the directory did not answer, or TLS
** failed: err says which); HP_ERROR (misconfigured: err).
*/
int ldapdir_authenticate(const struct idp_config *cfg, struct arena *ar, const char *username,
                         const char *password, struct ldap_entry *out, char *err, size_t nerr);

/* Read the entry at dn with the search account (directory sync).  HP_OK, HP_NOT_FOUND (gone), HP_UNAVAILABLE, HP_ERROR. */
int ldapdir_lookup(const struct idp_config *cfg, struct arena *ar, const char *dn, struct ldap_entry *out,
                   char *err, size_t nerr);
#endif

/* idmap.h — the pure parts of company sign-in: group-map lines, LDAP filter escaping, provider names. */
#ifndef HP_IDMAP_H
#define HP_IDMAP_H
#include <stddef.h>

/*
** One line of the group map file:   GROUP  team:NAME   or   GROUP  role:NAME
** (GROUP may be quoted "…" to hold spaces, such as an LDAP DN; '#' starts a comment).
** Returns 1 and fills grp/kind/target, 0 for a blank or comment line, -1 with
** err for a malformed one.
*/
int idmap_parse_line(const char *line, char *grp, size_t ngrp, char *kind, size_t nkind,
                     char *target, size_t ntarget, char *err, size_t nerr);

/* Escape a value for an LDAP search filter (RFC 4515: * ( ) \ NUL and non-ASCII as \XX); -1 if it does not fit. */
int idmap_ldap_escape(const char *z, char *out, size_t nout);

/* Put value into a filter template holding %s once ("(uid=%s)"), escaped; -1 if it does not fit. */
int idmap_ldap_filter(const char *tmpl, const char *value, char *out, size_t nout);

/*
** Holdpoint's username for the name a provider gives (OIDC preferred_username,
** LDAP uid / sAMAccountName, or an e-mail address's local part): lower-cased;
** -1 if it is not a valid Holdpoint username after that.
*/
int idmap_username(const char *z, char *out, size_t nout);

/* The short name of a group: an LDAP DN's first RDN value ("cn=qa,ou=groups,dc=x" -> "qa"), else itself. */
const char *idmap_group_short(const char *dn, char *out, size_t nout);
#endif

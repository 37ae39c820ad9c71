/* oidc.h — OpenID Connect sign-in: discovery, the authorization URL, the code exchange, the ID token checked (libcjose, libcurl). */
#ifndef HP_OIDC_H
#define HP_OIDC_H
#include <stdint.h>
#include <stddef.h>
struct arena;
struct idp_config;

struct oidc_claims {
  const char *iss, *sub, *username, *email, *name;
  const char **groups;
  size_t ngroups;
  int64_t auth_time;            /* seconds, 0 if the token has none */
};

/* The clock skew allowed on exp, iat and auth_time. */
#define OIDC_SKEW_S 60

/*
** The provider's authorization URL for one round trip: the code flow with
** PKCE (S256 of verifier), state and nonce; reauth asks the provider to
** check the person again now (prompt=login, max_age=0).  HP_OK and *url in
** ar, or HP_UNAVAILABLE with err (the provider's discovery document could not be read).
*/
int oidc_authorize_url(const struct idp_config *cfg, struct arena *ar, const char *redirect_uri,
                       const char *state, const char *nonce, const char *verifier, int reauth,
                       const char **url, char *err, size_t nerr);

/*
** Exchange code (with verifier) at the token endpoint and check the ID token:
** its signature by a key of the provider's JWKS (fetched again once when the
** key id is unknown: key rotation), alg RS/PS/ES only, iss, aud (and azp when
** several audiences), exp and iat within OIDC_SKEW_S of now_s, nonce, and for
** a re-authentication auth_time at or after auth_after_s.  HP_OK and *out
** (strings in ar); HP_UNAUTHORIZED (a token that fails a check: err says which),
** HP_UNAVAILABLE (the provider did not answer).
*/
int oidc_finish(const struct idp_config *cfg, struct arena *ar, const char *redirect_uri, const char *code,
                const char *verifier, const char *nonce, int64_t now_s, int64_t auth_after_s,
                struct oidc_claims *out, char *err, size_t nerr);

/* Check a compact ID token against the cached keys (the part of oidc_finish after the exchange). */
int oidc_check_id_token(const struct idp_config *cfg, struct arena *ar, const char *id_token, const char *nonce,
                        int64_t now_s, int64_t auth_after_s, struct oidc_claims *out, char *err, size_t nerr);

/* The PKCE challenge of a verifier: base64url(SHA-256(verifier)) without padding. */
void oidc_pkce_challenge(const char *verifier, char out[64]);
#endif

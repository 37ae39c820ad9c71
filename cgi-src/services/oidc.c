/* oidc.c — OpenID Connect: discovery and keys cached per process, the code exchange, the ID token's checks. */
#include "oidc.h"
#include "arena.h"
#include "app.h"
#include "util.h"
#include "log.h"
#include "hp.h"
#include <cjose/cjose.h>
#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* What this process knows of the provider: its endpoints (a day) and its keys (an hour, or until an unknown key id). */
static struct {
  char issuer[256];
  char authorize[512], token[512], jwks_uri[512];
  time_t discovered_at, keys_at;
  json_t *keys;                     /* the JWKS "keys" array */
} P;

#define MAX_BODY (1024*1024)

static size_t on_body(char *p, size_t sz, size_t n, void *ud){
  struct buf *b = ud;
  if( b->len + sz*n > MAX_BODY ) return 0;
  buf_append(b, p, sz*n);
  return b->oom ? 0 : sz*n;
}

/* GET url (post NULL) or POST the form post with HTTP Basic client credentials; the JSON body or NULL with err. */
static json_t *http_json(const struct idp_config *cfg, const char *url, const char *post, const char *userpwd,
                         char *err, size_t nerr){
  struct buf b;
  buf_init(&b);
  CURL *h = curl_easy_init();
  if( h==NULL ){ snprintf(err, nerr, "out of memory"); return NULL; }
  curl_easy_setopt(h, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 8000L);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "Holdpoint");
  if( cfg->oidc_ca_file[0] ) curl_easy_setopt(h, CURLOPT_CAINFO, cfg->oidc_ca_file);
  struct curl_slist *hd = curl_slist_append(NULL, "Accept: application/json");
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
  if( post ){
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, post);
    curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
    curl_easy_setopt(h, CURLOPT_USERPWD, userpwd);
  }
  CURLcode rc = curl_easy_perform(h);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(hd);
  curl_easy_cleanup(h);
  json_t *j = NULL;
  if( rc!=CURLE_OK ){
    snprintf(err, nerr, "%s", curl_easy_strerror(rc));
  }else{
    json_error_t je;
    j = b.z ? json_loadb(b.z, b.len, 0, &je) : NULL;
    if( status<200 || status>299 ){
      const char *e = j ? json_string_value(json_object_get(j, "error")) : NULL;
      const char *d = j ? json_string_value(json_object_get(j, "error_description")) : NULL;
      snprintf(err, nerr, "HTTP %ld%s%.80s%s%.200s", status, e ? " " : "", e ? e : "", d ? ": " : "", d ? d : "");
      json_decref(j);
      j = NULL;
    }else if( j==NULL || !json_is_object(j) ){
      snprintf(err, nerr, "the answer is not a JSON object");
      json_decref(j);
      j = NULL;
    }
  }
  buf_free(&b);
  return j;
}

static int copy_str(json_t *o, const char *key, char *out, size_t nout){
  const char *z = json_string_value(json_object_get(o, key));
  if( z==NULL || strlen(z)>=nout ) return -1;
  strcpy(out, z);
  return 0;
}

/* Read the discovery document (once a day).  0, or -1 with err. */
static int discover(const struct idp_config *cfg, char *err, size_t nerr){
  time_t now = time(NULL);
  if( P.discovered_at && strcmp(P.issuer, cfg->oidc_issuer)==0 && now - P.discovered_at < 86400 ) return 0;
  char url[400], why[300];
  size_t n = strlen(cfg->oidc_issuer);
  snprintf(url, sizeof(url), "%.*s/.well-known/openid-configuration", (int)(n && cfg->oidc_issuer[n-1]=='/' ? n-1 : n),
           cfg->oidc_issuer);
  json_t *d = http_json(cfg, url, NULL, NULL, why, sizeof(why));
  if( d==NULL ){
    snprintf(err, nerr, "could not read %.200s: %.200s", url, why);
    return -1;
  }
  char iss[256];
  int bad = copy_str(d, "issuer", iss, sizeof(iss)) || strcmp(iss, cfg->oidc_issuer)!=0;
  if( bad ) snprintf(err, nerr, "%.200s names the issuer \"%.100s\", not HOLDPOINT_OIDC_ISSUER", url, iss);
  if( !bad && (copy_str(d, "authorization_endpoint", P.authorize, sizeof(P.authorize))
            || copy_str(d, "token_endpoint", P.token, sizeof(P.token))
            || copy_str(d, "jwks_uri", P.jwks_uri, sizeof(P.jwks_uri))) ){
    snprintf(err, nerr, "%.200s lacks an authorization, token or jwks_uri endpoint", url);
    bad = 1;
  }
  json_decref(d);
  if( bad ){ P.discovered_at = 0; return -1; }
  snprintf(P.issuer, sizeof(P.issuer), "%s", cfg->oidc_issuer);
  P.discovered_at = now;
  return 0;
}

/*
** Fetch the provider's keys (kept an hour); force asks again now because a
** token names a key we do not have (the provider rotated its keys), at most
** once every 10 seconds, so that tokens with made-up key ids cannot make us
** hammer the provider.  now_s is the caller's clock.
*/
static int fetch_keys(const struct idp_config *cfg, int force, int64_t now, char *err, size_t nerr){
  if( P.keys && !force && now - P.keys_at < 3600 && now >= P.keys_at ) return 0;
  if( P.keys && force && now - P.keys_at < 10 && now >= P.keys_at ) return 0;
  char why[300];
  json_t *j = http_json(cfg, P.jwks_uri, NULL, NULL, why, sizeof(why));
  json_t *keys = j ? json_object_get(j, "keys") : NULL;
  if( keys==NULL || !json_is_array(keys) ){
    snprintf(err, nerr, "could not read the provider's keys at %.200s: %.200s", P.jwks_uri, j ? "no \"keys\"" : why);
    json_decref(j);
    return -1;
  }
  json_decref(P.keys);
  P.keys = json_incref(keys);
  P.keys_at = now;
  json_decref(j);
  return 0;
}

void oidc_pkce_challenge(const char *verifier, char out[64]){
  unsigned char d[SHA256_DIGEST_LENGTH];
  unsigned char b64[64];
  SHA256((const unsigned char*)verifier, strlen(verifier), d);
  int n = EVP_EncodeBlock(b64, d, sizeof(d));
  int o = 0;
  for(int i=0; i<n && o<63; i++){
    char c = (char)b64[i];
    if( c=='=' ) break;
    out[o++] = c=='+' ? '-' : c=='/' ? '_' : c;
  }
  out[o] = 0;
}

static void put_enc(struct buf *b, const char *value){
  static const char hex[] = "0123456789ABCDEF";
  for(const unsigned char *p = (const unsigned char*)value; *p; p++){
    if( (*p>='a'&&*p<='z') || (*p>='A'&&*p<='Z') || (*p>='0'&&*p<='9') || *p=='-' || *p=='_' || *p=='.' || *p=='~' ){
      buf_append(b, (const char*)p, 1);
    }else{
      char e[3] = { '%', hex[*p>>4], hex[*p&15] };
      buf_append(b, e, 3);
    }
  }
}

/* Append name=value (encoded) to a query or form in b, after a '?' or '&' as needed. */
static void put_param(struct buf *b, const char *name, const char *value){
  if( b->len ) buf_puts(b, strchr(b->z, '?') || strchr(b->z, '=') ? "&" : "?");
  buf_puts(b, name);
  buf_puts(b, "=");
  put_enc(b, value);
}

int oidc_authorize_url(const struct idp_config *cfg, struct arena *ar, const char *redirect_uri,
                       const char *state, const char *nonce, const char *verifier, int reauth,
                       const char **url, char *err, size_t nerr){
  char challenge[64];
  if( discover(cfg, err, nerr) ) return HP_UNAVAILABLE;
  oidc_pkce_challenge(verifier, challenge);
  struct buf b;
  buf_init(&b);
  buf_puts(&b, P.authorize);
  put_param(&b, "response_type", "code");
  put_param(&b, "client_id", cfg->oidc_client_id);
  put_param(&b, "redirect_uri", redirect_uri);
  put_param(&b, "scope", cfg->oidc_scopes);
  put_param(&b, "state", state);
  put_param(&b, "nonce", nonce);
  put_param(&b, "code_challenge", challenge);
  put_param(&b, "code_challenge_method", "S256");
  if( reauth ){
    put_param(&b, "prompt", "login");
    put_param(&b, "max_age", "0");
  }
  *url = b.oom || b.z==NULL ? NULL : arena_strdup(ar, b.z);
  buf_free(&b);
  if( *url==NULL ){ snprintf(err, nerr, "out of memory"); return HP_ERROR; }
  return HP_OK;
}

static int refuse(char *err, size_t nerr, const char *why){
  snprintf(err, nerr, "%s", why);
  return HP_UNAUTHORIZED;
}

/* Verify jws with the cached key named kid (or any key when there is no kid).  1 verified, 0 no key verified it, -1 no such key. */
static int verify_with_keys(cjose_jws_t *jws, const char *kid){
  size_t i;
  json_t *k;
  int seen = 0;
  json_array_foreach(P.keys, i, k){
    const char *use = json_string_value(json_object_get(k, "use"));
    const char *kk = json_string_value(json_object_get(k, "kid"));
    if( use && strcmp(use, "sig")!=0 ) continue;
    if( kid && (kk==NULL || strcmp(kk, kid)!=0) ) continue;
    seen = 1;
    char *z = json_dumps(k, JSON_COMPACT);
    cjose_err ce;
    cjose_jwk_t *jwk = z ? cjose_jwk_import(z, strlen(z), &ce) : NULL;
    free(z);
    if( jwk==NULL ) continue;
    int ok = cjose_jws_verify(jws, jwk, &ce);
    cjose_jwk_release(jwk);
    if( ok ) return 1;
  }
  return seen ? 0 : -1;
}

static const char *claim_str(struct arena *ar, json_t *o, const char *key){
  const char *z = json_string_value(json_object_get(o, key));
  return z ? arena_strdup(ar, z) : NULL;
}

int oidc_check_id_token(const struct idp_config *cfg, struct arena *ar, const char *id_token, const char *nonce,
                        int64_t now_s, int64_t auth_after_s, struct oidc_claims *out, char *err, size_t nerr){
  static const char *const algs[] = { "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512" };
  cjose_err ce;
  memset(out, 0, sizeof(*out));
  cjose_jws_t *jws = cjose_jws_import(id_token, strlen(id_token), &ce);
  if( jws==NULL ) return refuse(err, nerr, "the ID token is not a signed JWT");
  cjose_header_t *hdr = cjose_jws_get_protected(jws);
  const char *alg = hdr ? cjose_header_get(hdr, CJOSE_HDR_ALG, &ce) : NULL;
  const char *kid = hdr ? cjose_header_get(hdr, CJOSE_HDR_KID, &ce) : NULL;
  int alg_ok = 0;
  for(size_t i=0; alg && i<HP_ARRAY_SIZE(algs); i++) alg_ok |= strcmp(alg, algs[i])==0;
  if( !alg_ok ){
    cjose_jws_release(jws);
    return refuse(err, nerr, "the ID token is not signed with a public-key algorithm (RS, PS or ES)");
  }
  int v = P.keys ? verify_with_keys(jws, kid) : -1;
  if( v<0 ){                              /* a key we have not seen: the provider may have rotated them */
    if( fetch_keys(cfg, 1, now_s, err, nerr) ){ cjose_jws_release(jws); return HP_UNAVAILABLE; }
    v = verify_with_keys(jws, kid);
  }
  if( v<=0 ){
    cjose_jws_release(jws);
    return refuse(err, nerr, v<0 ? "the ID token is signed with a key the provider does not publish"
                                 : "the ID token's signature does not verify");
  }
  uint8_t *plain = NULL;
  size_t nplain = 0;
  json_t *c = NULL;
  json_error_t je;
  if( cjose_jws_get_plaintext(jws, &plain, &nplain, &ce) ) c = json_loadb((const char*)plain, nplain, 0, &je);
  cjose_jws_release(jws);
  if( c==NULL || !json_is_object(c) ){ json_decref(c); return refuse(err, nerr, "the ID token's claims are not JSON"); }
  int rc = HP_OK;
  const char *iss = json_string_value(json_object_get(c, "iss"));
  json_t *aud = json_object_get(c, "aud");
  const char *azp = json_string_value(json_object_get(c, "azp"));
  const char *tn = json_string_value(json_object_get(c, "nonce"));
  json_t *exp = json_object_get(c, "exp"), *iat = json_object_get(c, "iat"), *at = json_object_get(c, "auth_time");
  int aud_ok = 0;
  size_t naud = 0;
  if( json_is_string(aud) ){ naud = 1; aud_ok = strcmp(json_string_value(aud), cfg->oidc_client_id)==0; }
  else if( json_is_array(aud) ){
    size_t i;
    json_t *x;
    naud = json_array_size(aud);
    json_array_foreach(aud, i, x) aud_ok |= json_is_string(x) && strcmp(json_string_value(x), cfg->oidc_client_id)==0;
  }
  if( iss==NULL || strcmp(iss, cfg->oidc_issuer)!=0 ) rc = refuse(err, nerr, "the ID token comes from another issuer");
  else if( !aud_ok ) rc = refuse(err, nerr, "the ID token is meant for another application (aud)");
  else if( (naud>1 || azp) && (azp==NULL || strcmp(azp, cfg->oidc_client_id)!=0) ) rc = refuse(err, nerr, "the ID token was issued to another party (azp)");
  else if( !json_is_integer(exp) || json_integer_value(exp) + OIDC_SKEW_S <= now_s ) rc = refuse(err, nerr, "the ID token has expired");
  else if( !json_is_integer(iat) || json_integer_value(iat) > now_s + OIDC_SKEW_S
        || json_integer_value(iat) < now_s - 600 ) rc = refuse(err, nerr, "the ID token was not issued just now (iat)");
  else if( nonce==NULL || tn==NULL || strcmp(nonce, tn)!=0 ) rc = refuse(err, nerr, "the ID token does not carry this sign-in's nonce");
  else if( auth_after_s>0 && (!json_is_integer(at) || json_integer_value(at) + OIDC_SKEW_S < auth_after_s) ){
    rc = refuse(err, nerr, "the provider did not check who you are again just now (auth_time)");
  }
  if( rc==HP_OK ){
    out->iss = arena_strdup(ar, iss);
    out->sub = claim_str(ar, c, "sub");
    out->username = claim_str(ar, c, cfg->claim_username);
    out->email = claim_str(ar, c, cfg->claim_email);
    out->name = claim_str(ar, c, cfg->claim_name);
    out->auth_time = json_is_integer(at) ? json_integer_value(at) : 0;
    json_t *g = json_object_get(c, cfg->claim_groups);
    if( json_is_array(g) ){
      size_t i;
      json_t *x;
      out->groups = arena_alloc(ar, (json_array_size(g)+1)*sizeof(char*));
      json_array_foreach(g, i, x){
        if( out->groups && json_is_string(x) ) out->groups[out->ngroups++] = arena_strdup(ar, json_string_value(x));
      }
    }
    if( out->sub==NULL || out->sub[0]==0 ) rc = refuse(err, nerr, "the ID token names nobody (sub)");
  }
  json_decref(c);
  return rc;
}

int oidc_finish(const struct idp_config *cfg, struct arena *ar, const char *redirect_uri, const char *code,
                const char *verifier, const char *nonce, int64_t now_s, int64_t auth_after_s,
                struct oidc_claims *out, char *err, size_t nerr){
  char secret[512], why[300];
  if( discover(cfg, err, nerr) ) return HP_UNAVAILABLE;
  if( fetch_keys(cfg, 0, now_s, err, nerr) ) return HP_UNAVAILABLE;
  if( util_read_secret(cfg->oidc_secret_file, secret, sizeof(secret))<0 ){
    snprintf(err, nerr, "cannot read HOLDPOINT_OIDC_CLIENT_SECRET_FILE");
    return HP_ERROR;
  }
  struct buf form, up;
  buf_init(&form);
  buf_init(&up);
  put_param(&form, "grant_type", "authorization_code");
  put_param(&form, "code", code);
  put_param(&form, "redirect_uri", redirect_uri);
  put_param(&form, "code_verifier", verifier);
  /* client_secret_basic: both parts form-encoded (RFC 6749 2.3.1) */
  put_enc(&up, cfg->oidc_client_id);
  buf_puts(&up, ":");
  put_enc(&up, secret);
  memset(secret, 0, sizeof(secret));
  json_t *tok = NULL;
  if( !form.oom && !up.oom && form.z && up.z ){
    tok = http_json(cfg, P.token, form.z, up.z, why, sizeof(why));
  }else{
    snprintf(why, sizeof(why), "out of memory");
  }
  if( up.z ) memset(up.z, 0, up.len);
  buf_free(&form);
  buf_free(&up);
  if( tok==NULL ){
    snprintf(err, nerr, "the provider did not exchange the code: %.200s", why);
    return strncmp(why, "HTTP 4", 6)==0 ? HP_UNAUTHORIZED : HP_UNAVAILABLE;
  }
  const char *idt = json_string_value(json_object_get(tok, "id_token"));
  int rc = idt ? oidc_check_id_token(cfg, ar, idt, nonce, now_s, auth_after_s, out, err, nerr)
               : refuse(err, nerr, "the provider's answer has no ID token");
  json_decref(tok);
  return rc;
}

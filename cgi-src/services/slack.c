/* slack.c — Slack: request signatures and messages with Approve/Reject buttons (the endpoint is web/api_slack.c). */
#include "slack.h"
#include "util.h"
#include "arena.h"
#include "app.h"
#include "log.h"
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <errno.h>

#define SLACK_MAX_TEXT 2500           /* bytes of body text in one section block (Slack allows 3000) */

/* ------------------------------------------------------------------ signatures (pure) */

void slack_sign(const char *secret, const char *timestamp, const char *body, size_t n, char out[68]){
  struct buf b;
  char hex[65];
  buf_init(&b);
  buf_puts(&b, "v0:");
  buf_puts(&b, timestamp ? timestamp : "");
  buf_puts(&b, ":");
  buf_append(&b, body ? body : "", n);
  if( b.oom ){ snprintf(out, 68, "v0="); buf_free(&b); return; }
  util_hmac_hex(secret, strlen(secret), b.z ? b.z : "", b.len, hex);
  snprintf(out, 68, "v0=%s", hex);
  buf_free(&b);
}

enum slack_sig slack_verify(const char *secret, const char *timestamp, const char *signature,
                            const char *body, size_t n, int64_t now_ms){
  char want[68];
  if( secret==NULL || secret[0]==0 || timestamp==NULL || timestamp[0]==0 || signature==NULL || signature[0]==0 ){
    return SLACK_SIG_MISSING;
  }
  size_t nt = strlen(timestamp);
  if( nt>12 || strspn(timestamp, "0123456789")!=nt ) return SLACK_SIG_BAD;
  char *end;
  errno = 0;
  long long ts = strtoll(timestamp, &end, 10);
  if( errno || *end ) return SLACK_SIG_BAD;
  int64_t age = now_ms - (int64_t)ts*1000;
  if( age > SLACK_MAX_AGE_MS || age < -SLACK_MAX_AGE_MS ) return SLACK_SIG_STALE;
  slack_sign(secret, timestamp, body, n, want);
  size_t nw = strlen(want);
  if( strlen(signature)!=nw || CRYPTO_memcmp(want, signature, nw)!=0 ) return SLACK_SIG_BAD;
  return SLACK_SIG_OK;
}

/* ------------------------------------------------------------------ messages (pure) */

char *slack_escape(const char *z){
  struct buf b;
  buf_init(&b);
  for(; z && *z; z++){
    if( *z=='&' ) buf_puts(&b, "&amp;");
    else if( *z=='<' ) buf_puts(&b, "&lt;");
    else if( *z=='>' ) buf_puts(&b, "&gt;");
    else buf_append(&b, z, 1);
  }
  buf_append(&b, "", 0);
  if( b.oom ){ buf_free(&b); return NULL; }
  return b.z;
}


json_t *slack_message(const struct slack_msg *m){
  char *subj = slack_escape(m->subject ? m->subject : "Holdpoint");
  char *body = slack_escape(m->body ? m->body : "");
  json_t *j = NULL;
  if( subj==NULL || body==NULL ) goto out;
  util_utf8_cut(body, SLACK_MAX_TEXT);
  struct buf t;
  buf_init(&t);
  /* the link goes in <url|text>: a URL cannot hold '|' or '>' (base_url is the admin's) */
  if( m->link && m->link[0] && strpbrk(m->link, "|<> ")==NULL ) buf_printf(&t, "*<%s|%s>*", m->link, subj);
  else buf_printf(&t, "*%s*", subj);
  if( body[0] ) buf_printf(&t, "\n%s", body);
  buf_append(&t, "", 0);
  if( t.oom ){ buf_free(&t); goto out; }
  char bid[64];
  snprintf(bid, sizeof(bid), "hp-%s", m->key ? m->key : "message");
  j = json_pack("{s:s,s:[{s:s,s:s,s:{s:s,s:s}}]}", "text", m->subject ? m->subject : "Holdpoint",
                "blocks", "type", "section", "block_id", bid, "text", "type", "mrkdwn", "text", t.z);
  buf_free(&t);
  if( j==NULL ) goto out;
  json_t *elements = json_array();
  if( m->buttons && m->activity_id>0 ){
    char v[32];
    snprintf(v, sizeof(v), "%lld", (long long)m->activity_id);
    json_array_append_new(elements, json_pack("{s:s,s:s,s:{s:s,s:s},s:s,s:s}", "type", "button", "action_id", "approve",
                          "text", "type", "plain_text", "text", "Approve", "style", "primary", "value", v));
    json_array_append_new(elements, json_pack("{s:s,s:s,s:{s:s,s:s},s:s,s:s}", "type", "button", "action_id", "reject",
                          "text", "type", "plain_text", "text", "Reject", "style", "danger", "value", v));
  }
  if( m->link && m->link[0] ){
    json_array_append_new(elements, json_pack("{s:s,s:s,s:{s:s,s:s},s:s}", "type", "button", "action_id", "open",
                          "text", "type", "plain_text", "text", "Open in Holdpoint", "url", m->link));
  }
  if( json_array_size(elements) ){
    json_array_append_new(json_object_get(j, "blocks"), json_pack("{s:s,s:o}", "type", "actions", "elements", elements));
  }else{
    json_decref(elements);
  }
out:
  free(subj);
  free(body);
  return j;
}

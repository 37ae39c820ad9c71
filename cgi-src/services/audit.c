/* audit.c — the one audit writer: append-only, HMAC-chained records of everything that matters. */
#include "audit.h"
#include "util.h"
#include "app.h"
#include "db.h"
#include "log.h"
#include <jansson.h>
#include <openssl/hmac.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <syslog.h>
#include <curl/curl.h>

static void put_str(struct buf *b, const char *z){
  if( z==NULL ) z = "";
  buf_printf(b, "%zu:", strlen(z));
  buf_puts(b, z);
  buf_puts(b, ",");
}

static void put_int(struct buf *b, int64_t v){
  char z[32];
  snprintf(z, sizeof(z), "%lld", (long long)v);
  put_str(b, z);
}

/*
** The canonical encoding of a row: every column in a fixed order as a
** netstring ("len:bytes,"), integers in decimal.  Unambiguous, so no two
** different rows encode alike.
*/
void audit_canonical(const struct audit_row *w, struct buf *out){
  buf_puts(out, "holdpoint-audit-v1,");
  put_int(out, w->seq);
  put_int(out, w->at);
  put_int(out, w->actor_id);
  put_str(out, w->actor_name);
  put_int(out, w->acting_for_id);
  put_str(out, w->ip);
  put_str(out, w->session_hash);
  put_str(out, w->user_agent);
  put_str(out, w->request_id);
  put_str(out, w->action);
  put_str(out, w->object_type);
  put_int(out, w->object_id);
  put_int(out, w->release_id);
  put_str(out, w->details_json);
}

/* hash = hex(HMAC-SHA256(key, prev_hash_hex || canonical)). */
void audit_chain_hash(const unsigned char *key, size_t nkey, const char *prev_hex,
                      const char *canonical, size_t n, char out[65]){
  size_t np = strlen(prev_hex);
  char *msg = malloc(np + n + 1);
  if( msg==NULL ){ memset(out, '0', 64); out[64] = 0; return; }
  memcpy(msg, prev_hex, np);
  memcpy(msg + np, canonical, n);
  util_hmac_hex(key, nkey, msg, np + n, out);
  free(msg);
}

/*
** Load the chain key from <data>/keys/audit.key (32 bytes, mode 0600); with
** create, make it first if it does not exist.  Returns 0 or -1 (logged).
*/
int audit_load_key(struct app *a, int create){
  char path[4200];
  if( a->audit_key_loaded ) return 0;
  if( app_path(a, path, sizeof(path), "keys/audit.key") ) return -1;
  int fd = open(path, O_RDONLY|O_CLOEXEC);
  if( fd<0 && errno==ENOENT && create ){
    unsigned char k[32];
    if( RAND_bytes(k, sizeof(k))!=1 ) return -1;
    fd = open(path, O_WRONLY|O_CREAT|O_EXCL|O_CLOEXEC, 0600);
    if( fd<0 ){ log_msg("audit: cannot create %s: %s", path, strerror(errno)); return -1; }
    int bad = write(fd, k, sizeof(k))!=(ssize_t)sizeof(k) || fsync(fd)!=0;
    close(fd);
    if( bad ){ unlink(path); return -1; }
    fd = open(path, O_RDONLY|O_CLOEXEC);
  }
  if( fd<0 ){ log_msg("audit: cannot read %s: %s", path, strerror(errno)); return -1; }
  ssize_t n = read(fd, a->audit_key, sizeof(a->audit_key));
  close(fd);
  if( n!=(ssize_t)sizeof(a->audit_key) ){ log_msg("audit: %s is not a 32-byte key", path); return -1; }
  a->audit_key_loaded = 1;
  return 0;
}

static int append_json(struct app *a, const struct audit_ctx *c, const char *action,
                       const char *object_type, int64_t object_id, int64_t release_id,
                       const char *details){
  int rc = -1;
  struct buf canon;
  buf_init(&canon);
  struct db_stmt *st = NULL;
  if( audit_load_key(a, 1) ) goto out;
  char prev[65] = AUDIT_GENESIS;
  int64_t seq = 1;
  st = db_prepare(a->db, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
  if( st==NULL ) goto out;
  if( db_step(st)==DB_ROW ){
    seq = db_col_int64(st, 0) + 1;
    snprintf(prev, sizeof(prev), "%s", db_col_text(st, 1));
  }
  db_finish(st);
  st = NULL;
  struct audit_row w = {
    .seq = seq, .at = app_now_ms(a), .actor_id = c->actor_id, .acting_for_id = c->acting_for_id,
    .object_id = object_id, .release_id = release_id,
    .actor_name = c->actor_name ? c->actor_name : "", .ip = c->ip ? c->ip : "",
    .session_hash = c->session_hash ? c->session_hash : "",
    .user_agent = c->user_agent ? c->user_agent : "", .request_id = c->request_id ? c->request_id : "",
    .action = action, .object_type = object_type ? object_type : "", .details_json = details,
  };
  char hash[65];
  audit_canonical(&w, &canon);
  if( canon.oom ) goto out;
  audit_chain_hash(a->audit_key, sizeof(a->audit_key), prev, canon.z, canon.len, hash);
  st = db_prepare(a->db,
    "INSERT INTO audit_log(seq,at,actor_id,actor_name,acting_for_id,ip,session_hash,user_agent,"
    "request_id,action,object_type,object_id,release_id,details_json,prev_hash,hash)"
    " VALUES(:seq,:at,:actor,:name,:for,:ip,:sess,:ua,:rid,:action,:otype,:oid,:rel,:details,:prev,:hash)");
  if( st==NULL ) goto out;
  db_bind_int64(st, ":seq", w.seq);
  db_bind_int64(st, ":at", w.at);
  db_bind_int64(st, ":actor", w.actor_id);
  db_bind_text(st, ":name", w.actor_name);
  db_bind_int64(st, ":for", w.acting_for_id);
  db_bind_text(st, ":ip", w.ip);
  db_bind_text(st, ":sess", w.session_hash);
  db_bind_text(st, ":ua", w.user_agent);
  db_bind_text(st, ":rid", w.request_id);
  db_bind_text(st, ":action", w.action);
  db_bind_text(st, ":otype", w.object_type);
  db_bind_int64(st, ":oid", w.object_id);
  db_bind_int64(st, ":rel", w.release_id);
  db_bind_text(st, ":details", w.details_json);
  db_bind_text(st, ":prev", prev);
  db_bind_text(st, ":hash", hash);
  if( db_step(st)!=DB_DONE ) goto out;
  rc = 0;
out:
  db_finish(st);
  buf_free(&canon);
  return rc;
}

/* Build the details object from a json_pack format; "{}" for NULL. */
static char *details_from(const char *fmt, va_list ap){
  if( fmt==NULL ) return strdup("{}");
  json_error_t err;
  json_t *j = json_vpack_ex(&err, 0, fmt, ap);
  if( j==NULL ){
    log_msg("audit: bad details (%s)", err.text);
    return NULL;
  }
  /* the chain hashes this text as stored, so numbers may be written as typed */
  char *z = util_json_dumps_typed(j, JSON_COMPACT|JSON_SORT_KEYS|JSON_ENSURE_ASCII);
  json_decref(j);
  return z;
}

int audit_append_v(struct app *a, const struct audit_ctx *c, const char *action,
                   const char *object_type, int64_t object_id, int64_t release_id,
                   const char *details_fmt, va_list ap){
  char *details = details_from(details_fmt, ap);
  if( details==NULL ) return -1;
  int rc = append_json(a, c, action, object_type, object_id, release_id, details);
  free(details);
  return rc;
}

int audit_append(struct app *a, const struct audit_ctx *c, const char *action,
                 const char *object_type, int64_t object_id, int64_t release_id,
                 const char *details_fmt, ...){
  va_list ap;
  va_start(ap, details_fmt);
  int rc = audit_append_v(a, c, action, object_type, object_id, release_id, details_fmt, ap);
  va_end(ap);
  return rc;
}

/*
** Recompute the chain from the first row.  Every row must follow the one
** before it (seq+1, prev_hash = its hash) and hash to its stored hash.  With
** head ("SEQ:HASH" noted earlier) the trail must still contain that row with
** that hash, which catches truncation.  Returns 0 intact, 1 broken, -1 error.
*/
int audit_verify(struct app *a, const char *head, char *msg, size_t nmsg){
  int rc = -1;
  struct buf canon;
  buf_init(&canon);
  long long head_seq = 0;
  char head_hash[65] = "";
  int head_seen = 0;
  if( head ){
    char *colon = strchr(head, ':');
    char *end;
    errno = 0;
    head_seq = strtoll(head, &end, 10);
    if( colon==NULL || end!=colon || errno || head_seq<1 || strlen(colon+1)!=64 ){
      snprintf(msg, nmsg, "--head must look like SEQ:HASH (as printed by 'holdpoint audit head')");
      return -1;
    }
    snprintf(head_hash, sizeof(head_hash), "%s", colon+1);
  }
  if( audit_load_key(a, 0) ){
    snprintf(msg, nmsg, "cannot read the audit key in the data directory");
    return -1;
  }
  /* The columns of the SELECT below, in its order. */
  enum { V_SEQ, V_AT, V_ACTOR_ID, V_ACTOR_NAME, V_ACTING_FOR, V_IP, V_SESSION, V_UA, V_REQUEST,
         V_ACTION, V_OTYPE, V_OID, V_RELEASE, V_DETAILS, V_PREV, V_HASH };
  struct db_stmt *st = db_prepare(a->db,
    "SELECT seq,at,actor_id,actor_name,acting_for_id,ip,session_hash,user_agent,request_id,"
    "action,object_type,object_id,release_id,details_json,prev_hash,hash FROM audit_log ORDER BY seq");
  if( st==NULL ) goto out;
  char prev[65] = AUDIT_GENESIS;
  int64_t expect = 1, count = 0;
  int step;
  while( (step = db_step(st))==DB_ROW ){
    struct audit_row w = {
      .seq = db_col_int64(st, V_SEQ), .at = db_col_int64(st, V_AT),
      .actor_id = db_col_int64(st, V_ACTOR_ID), .actor_name = db_col_text(st, V_ACTOR_NAME),
      .acting_for_id = db_col_int64(st, V_ACTING_FOR), .ip = db_col_text(st, V_IP),
      .session_hash = db_col_text(st, V_SESSION), .user_agent = db_col_text(st, V_UA),
      .request_id = db_col_text(st, V_REQUEST), .action = db_col_text(st, V_ACTION),
      .object_type = db_col_text(st, V_OTYPE), .object_id = db_col_int64(st, V_OID),
      .release_id = db_col_int64(st, V_RELEASE), .details_json = db_col_text(st, V_DETAILS),
    };
    const char *stored_prev = db_col_text(st, V_PREV), *stored = db_col_text(st, V_HASH);
    char h[65];
    if( w.seq!=expect ){
      snprintf(msg, nmsg, "row %lld: expected row %lld here (rows missing or reordered)",
               (long long)w.seq, (long long)expect);
      rc = 1; goto out;
    }
    if( strcmp(stored_prev, prev)!=0 ){
      snprintf(msg, nmsg, "row %lld: does not follow row %lld (chain broken)", (long long)w.seq, (long long)w.seq-1);
      rc = 1; goto out;
    }
    buf_reset(&canon);
    audit_canonical(&w, &canon);
    audit_chain_hash(a->audit_key, sizeof(a->audit_key), prev, canon.z, canon.len, h);
    if( strlen(stored)!=64 || CRYPTO_memcmp(h, stored, 64)!=0 ){
      snprintf(msg, nmsg, "row %lld: contents do not match its hash (altered)", (long long)w.seq);
      rc = 1; goto out;
    }
    if( head && w.seq==head_seq ){
      if( strcmp(stored, head_hash)!=0 ){
        snprintf(msg, nmsg, "row %lld: hash differs from the head you kept", (long long)w.seq);
        rc = 1; goto out;
      }
      head_seen = 1;
    }
    memcpy(prev, stored, 65);
    expect++;
    count++;
  }
  if( step!=DB_DONE ) goto out;
  if( head && !head_seen ){
    snprintf(msg, nmsg, "row %lld is missing: the trail ends at row %lld (truncated)",
             head_seq, (long long)count);
    rc = 1; goto out;
  }
  snprintf(msg, nmsg, "audit trail intact: %lld rows", (long long)count);
  rc = 0;
out:
  db_finish(st);
  buf_free(&canon);
  return rc;
}

int audit_head(struct app *a, char *out, size_t nout){
  struct db_stmt *st = db_prepare(a->db, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
  int rc = -1;
  if( st==NULL ) return -1;
  if( db_step(st)==DB_ROW ){
    snprintf(out, nout, "%lld:%s", (long long)db_col_int64(st, 0), db_col_text(st, 1));
    rc = 0;
  }else{
    snprintf(out, nout, "0:%s", AUDIT_GENESIS);
    rc = 0;
  }
  db_finish(st);
  return rc;
}

/* ---------------------------------------------------------------- checkpoints */

static void checkpoint_mac(struct app *a, long long seq, const char *hash, long long at, char out[65]){
  char msg[160];
  int n = snprintf(msg, sizeof(msg), "checkpoint:%lld:%s:%lld", seq, hash, at);
  util_hmac_hex(a->audit_key, sizeof(a->audit_key), msg, (size_t)n, out);
}

int audit_checkpoint_latest(struct app *a, char *head, size_t nhead, int64_t *at, char *msg, size_t nmsg){
  char line[256];
  long long last_seq = -1, last_at = 0;
  char last_hash[65] = "";
  int lineno = 0;
  FILE *f = fopen(a->cfg.audit_checkpoints, "r");
  if( f==NULL ) return 0;
  if( audit_load_key(a, 0) ){ fclose(f); snprintf(msg, nmsg, "cannot read the audit key"); return -1; }
  while( fgets(line, sizeof(line), f) ){
    long long seq, when;
    char hash[65], mac[65], want[65];
    lineno++;
    if( sscanf(line, "%lld %64s %lld %64s", &seq, hash, &when, mac)!=4 || strlen(hash)!=64 || strlen(mac)!=64 ){
      fclose(f);
      snprintf(msg, nmsg, "%s line %d is damaged", a->cfg.audit_checkpoints, lineno);
      return -1;
    }
    checkpoint_mac(a, seq, hash, when, want);
    if( CRYPTO_memcmp(want, mac, 64)!=0 ){
      fclose(f);
      snprintf(msg, nmsg, "%s line %d (row %lld) does not carry Holdpoint's signature: the checkpoints were altered",
               a->cfg.audit_checkpoints, lineno, seq);
      return -1;
    }
    if( seq<last_seq ){
      fclose(f);
      snprintf(msg, nmsg, "%s line %d goes back from row %lld to row %lld: the checkpoints were altered",
               a->cfg.audit_checkpoints, lineno, last_seq, seq);
      return -1;
    }
    last_seq = seq;
    last_at = when;
    memcpy(last_hash, hash, sizeof(last_hash));
  }
  fclose(f);
  if( last_seq<0 ) return 0;
  snprintf(head, nhead, "%lld:%s", last_seq, last_hash);
  if( at ) *at = last_at;
  return 1;
}

/* POST the checkpoint to the witness; 0 or -1 (logged). */
static int witness_post(struct app *a, const char *body){
  CURL *h = curl_easy_init();
  if( h==NULL ) return -1;
  struct curl_slist *hd = curl_slist_append(NULL, "Content-Type: application/json");
  curl_easy_setopt(h, CURLOPT_URL, a->cfg.audit_witness_url);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  CURLcode rc = curl_easy_perform(h);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(hd);
  curl_easy_cleanup(h);
  if( rc!=CURLE_OK || status<200 || status>299 ){
    log_msg("audit: the witness %s did not take the checkpoint (%s, HTTP %ld)", a->cfg.audit_witness_url,
            curl_easy_strerror(rc), status);
    return -1;
  }
  return 0;
}

int audit_checkpoint_maybe(struct app *a, int64_t now){
  static long long last_seq = -1;
  static int64_t last_at = 0;
  char head[120], msg[300], mac[65];
  if( last_seq<0 ){
    int64_t at = 0;
    int k = audit_checkpoint_latest(a, head, sizeof(head), &at, msg, sizeof(msg));
    if( k<0 ){ log_msg("audit: %s", msg); last_seq = 0; last_at = now; }
    else if( k==0 ){ last_seq = 0; last_at = 0; }
    else{ last_seq = strtoll(head, NULL, 10); last_at = at; }
  }
  if( audit_head(a, head, sizeof(head)) ) return -1;
  long long seq = strtoll(head, NULL, 10);
  if( seq<=last_seq ) return 0;
  if( seq - last_seq < a->cfg.audit_checkpoint_every && now - last_at < (int64_t)a->cfg.audit_checkpoint_s*1000 ) return 0;
  if( audit_load_key(a, 0) ) return -1;
  const char *hash = strchr(head, ':') + 1;
  checkpoint_mac(a, seq, hash, (long long)now, mac);
  char line[256];
  int n = snprintf(line, sizeof(line), "%lld %s %lld %s\n", seq, hash, (long long)now, mac);
  int fd = open(a->cfg.audit_checkpoints, O_WRONLY|O_APPEND|O_CREAT|O_CLOEXEC, 0640);
  if( fd<0 ){ log_msg("audit: cannot open %s: %s", a->cfg.audit_checkpoints, strerror(errno)); return -1; }
  int bad = write(fd, line, (size_t)n)!=n || fsync(fd)!=0;
  close(fd);
  if( bad ){ log_msg("audit: cannot write %s", a->cfg.audit_checkpoints); return -1; }
  last_seq = seq;
  last_at = now;
  if( a->cfg.audit_witness_syslog ){
    openlog("holdpoint", LOG_PID, LOG_AUTHPRIV);
    syslog(LOG_NOTICE, "audit checkpoint %lld:%s at %lld mac %s", seq, hash, (long long)now, mac);
    closelog();
  }
  if( a->cfg.audit_witness_url[0] ){
    char body[400];
    snprintf(body, sizeof(body), "{\"seq\":%lld,\"hash\":\"%s\",\"at\":%lld,\"mac\":\"%s\"}", seq, hash, (long long)now, mac);
    witness_post(a, body);
  }
  return 1;
}

int audit_checkpoint_peek(struct app *a, long long *seq, int64_t *at){
  /* The audit page asks on every visit: the last line is kept until the file changes (one stat). */
  static struct { dev_t dev; ino_t ino; off_t size; struct timespec mtime; long long seq; int64_t at; int ok; } kept;
  struct stat sb;
  if( stat(a->cfg.audit_checkpoints, &sb) || !S_ISREG(sb.st_mode) ) return 0;
  if( kept.ok && kept.dev==sb.st_dev && kept.ino==sb.st_ino && kept.size==sb.st_size
   && kept.mtime.tv_sec==sb.st_mtim.tv_sec && kept.mtime.tv_nsec==sb.st_mtim.tv_nsec ){
    *seq = kept.seq;
    *at = kept.at;
    return 1;
  }
  char buf[512];
  int fd = open(a->cfg.audit_checkpoints, O_RDONLY|O_CLOEXEC);
  if( fd<0 ) return 0;
  off_t size = lseek(fd, 0, SEEK_END);
  ssize_t n = size>0 ? pread(fd, buf, sizeof(buf)-1, size>(off_t)sizeof(buf)-1 ? size-(off_t)(sizeof(buf)-1) : 0) : -1;
  close(fd);
  if( n<=0 ) return 0;
  buf[n] = 0;
  while( n && buf[n-1]=='\n' ) buf[--n] = 0;
  char *line = strrchr(buf, '\n');
  line = line ? line + 1 : buf;
  long long s, t;
  char hash[65];
  if( sscanf(line, "%lld %64s %lld", &s, hash, &t)!=3 ) return 0;
  *seq = s;
  *at = t;
  if( size==sb.st_size ){                 /* what was read is what was stat'ed: keep it */
    kept.dev = sb.st_dev; kept.ino = sb.st_ino; kept.size = sb.st_size; kept.mtime = sb.st_mtim;
    kept.seq = s; kept.at = t; kept.ok = 1;
  }
  return 1;
}

/* util.c — hex encoding, random tokens and hashes: one copy for the whole program. */
#include "util.h"
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <string.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include "fault.h"
#include <time.h>
#include "hp.h"

void util_hex(const unsigned char *p, size_t n, char *out){
  static const char hex[] = "0123456789abcdef";
  for(size_t i=0; i<n; i++){
    out[2*i] = hex[p[i]>>4];
    out[2*i+1] = hex[p[i]&15];
  }
  out[2*n] = 0;
}

int util_random_hex(char *out, size_t nbytes){
  unsigned char raw[64];
  if( nbytes>sizeof(raw) || RAND_bytes(raw, (int)nbytes)!=1 ) return -1;
  util_hex(raw, nbytes, out);
  return 0;
}

void util_sha256_hex(const char *z, size_t n, char out[65]){
  /* The algorithm fetched once per process: SHA256() looks it up in OpenSSL's provider tables on
     every call, which costs more than hashing a session token. */
  static EVP_MD *md;
  static EVP_MD_CTX *ctx;
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if( md==NULL ) md = EVP_MD_fetch(NULL, "SHA256", NULL);
  if( ctx==NULL ) ctx = EVP_MD_CTX_new();
  if( md==NULL || ctx==NULL || EVP_DigestInit_ex(ctx, md, NULL)!=1 || EVP_DigestUpdate(ctx, z, n)!=1
   || EVP_DigestFinal_ex(ctx, d, &len)!=1 || len!=SHA256_DIGEST_LENGTH ){
    SHA256((const unsigned char*)z, n, d);
  }
  util_hex(d, SHA256_DIGEST_LENGTH, out);
}

void util_hmac_hex(const void *key, size_t nkey, const void *msg, size_t n, char out[65]){
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if( HMAC(EVP_sha256(), key ? key : "", (int)nkey, (const unsigned char*)(msg ? msg : ""), n, mac, &len)==NULL
   || len!=32 ){
    memset(out, '0', 64);
    out[64] = 0;
    return;
  }
  util_hex(mac, 32, out);
}

int hp_fail(struct hp_err *e, int code, const char *field, const char *fmt, ...){
  if( e==NULL ) return code;
  va_list ap;
  e->code = code;
  snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
  va_start(ap, fmt);
  vsnprintf(e->reason, sizeof(e->reason), fmt, ap);
  va_end(ap);
  return code;
}

void hp_err_clear(struct hp_err *e){
  if( e==NULL ) return;
  e->code = 0;
  e->field[0] = 0;
  e->reason[0] = 0;
}

int hp_err_default(struct hp_err *e, int rc){
  if( e && rc!=HP_OK && e->code==0 ){
    hp_fail(e, rc>=400 && rc<=599 ? rc : HP_ERROR, "", "%s",
            "Holdpoint could not save this, so nothing was recorded. Try again in a moment.");
  }
  return rc;
}

int util_parse_utc(const char *z, int with_time, int64_t *ms){
  int y, mo, d, h = 0, mi = 0, n = 0;
  size_t len = z ? strlen(z) : 0;
  for(size_t i=0; i<len; i++){
    int digit = z[i]>='0' && z[i]<='9';
    int sep = (i==4 || i==7) ? z[i]=='-' : i==10 ? z[i]=='T' : i==13 ? z[i]==':' : digit;
    if( !sep ) return 0;
  }
  if( len==10 ){
    if( sscanf(z, "%4d-%2d-%2d%n", &y, &mo, &d, &n)!=3 || n!=10 ) return 0;
  }else if( len==16 && with_time ){
    if( sscanf(z, "%4d-%2d-%2dT%2d:%2d%n", &y, &mo, &d, &h, &mi, &n)!=5 || n!=16 ) return 0;
  }else return 0;
  if( y<1970 || y>9999 || mo<1 || mo>12 || d<1 || d>31 || h>23 || mi>59 ) return 0;
  struct tm tm, back;
  memset(&tm, 0, sizeof(tm));
  tm.tm_year = y - 1900; tm.tm_mon = mo - 1; tm.tm_mday = d; tm.tm_hour = h; tm.tm_min = mi;
  time_t t = timegm(&tm);
  if( t==(time_t)-1 || gmtime_r(&t, &back)==NULL || back.tm_mday!=d || back.tm_mon!=mo-1 ) return 0;  /* 2026-02-31 */
  *ms = (int64_t)t*1000;
  return 1;
}

int util_read_secret(const char *path, char *out, size_t n){
  if( n==0 ) return -1;
  out[0] = 0;
  FILE *f = path && path[0] ? fopen(path, "r") : NULL;
  if( f==NULL ) return -1;
  size_t k = fread(out, 1, n-1, f);
  fclose(f);
  while( k && (out[k-1]=='\n' || out[k-1]=='\r' || out[k-1]==' ') ) k--;
  out[k] = 0;
  return k>=16 ? (int)k : -1;
}

/* ---------------------------------------------------------------- people's time zones */

#define TZ_DIR "/usr/share/zoneinfo/"

int util_tz_valid(const char *z){
  if( z==NULL || z[0]==0 || strlen(z)>UTIL_TZ_MAX || z[0]=='/' || strstr(z, "..") ) return 0;
  for(const char *p = z; *p; p++){
    if( !((*p>='A'&&*p<='Z') || (*p>='a'&&*p<='z') || (*p>='0'&&*p<='9') || strchr("/_+-", *p)) ) return 0;
  }
  char path[sizeof(TZ_DIR) + UTIL_TZ_MAX + 1], magic[4];
  snprintf(path, sizeof(path), TZ_DIR "%s", z);
  FILE *f = fopen(path, "rb");
  if( f==NULL ) return 0;
  size_t n = fread(magic, 1, 4, f);
  fclose(f);
  return n==4 && memcmp(magic, "TZif", 4)==0;
}

/*
** The process's TZ is the last zone asked for (workers are single-threaded,
** and nothing else in Holdpoint reads local time), so tzset() runs only when
** the zone changes.
*/
static int tz_use(const char *z){
  static char current[UTIL_TZ_MAX + 1];
  if( strcmp(current, z)==0 ) return 0;
  if( setenv("TZ", z, 1) ) return -1;
  tzset();
  snprintf(current, sizeof(current), "%s", z);
  return 0;
}

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar (and back, below). */
static int64_t days_from_civil(int64_t y, int m, int d){
  y -= m<=2;
  int64_t era = (y>=0 ? y : y-399)/400;
  int64_t yoe = y - era*400;
  int64_t doy = (153*(m>2 ? m-3 : m+9) + 2)/5 + d - 1;
  int64_t doe = yoe*365 + yoe/4 - yoe/100 + doy;
  return era*146097 + doe - 719468;
}

void util_utc_tm(int64_t t, struct tm *out){
  int64_t days = t/86400, sod = t%86400;
  if( sod<0 ){ sod += 86400; days--; }
  int64_t z = days + 719468;
  int64_t era = (z>=0 ? z : z-146096)/146097;
  int64_t doe = z - era*146097;
  int64_t yoe = (doe - doe/1460 + doe/36524 - doe/146096)/365;
  int64_t doy = doe - (365*yoe + yoe/4 - yoe/100);
  int64_t mp = (5*doy + 2)/153;
  int d = (int)(doy - (153*mp + 2)/5 + 1), m = (int)(mp<10 ? mp+3 : mp-9);
  int64_t y = yoe + era*400 + (m<=2);
  memset(out, 0, sizeof(*out));
  out->tm_year = (int)(y - 1900);
  out->tm_mon = m - 1;
  out->tm_mday = d;
  out->tm_hour = (int)(sod/3600);
  out->tm_min = (int)(sod%3600/60);
  out->tm_sec = (int)(sod%60);
  out->tm_wday = (int)(((days%7) + 11)%7);           /* 1970-01-01 was a Thursday */
  out->tm_yday = (int)(days - days_from_civil(y, 1, 1));
}

/* Write v as exactly w decimal digits at p; the end. */
static char *digits(char *p, int v, int w){
  for(int i=w-1; i>=0; i--){ p[i] = (char)('0' + v%10); v /= 10; }
  return p + w;
}

char *util_i64_text(int64_t v, char *out){
  char tmp[UTIL_I64_MAX];
  int n = 0;
  uint64_t u = v<0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;   /* INT64_MIN too */
  do{ tmp[n++] = (char)('0' + u%10); u /= 10; }while( u );
  char *p = out;
  if( v<0 ) *p++ = '-';
  while( n ) *p++ = tmp[--n];
  *p = 0;
  return p;
}

const char *util_utc_text(int64_t ms, char form, char *out, size_t n){
  struct tm tm;
  int64_t s = ms/1000, frac = ms%1000;
  if( frac<0 ){ frac += 1000; s--; }
  if( n<25 ){ if( n ) out[0] = 0; return out; }
  util_utc_tm(s, &tm);
  char *p = digits(out, (tm.tm_year + 1900)%10000, 4);
  *p++ = '-'; p = digits(p, tm.tm_mon + 1, 2);
  *p++ = '-'; p = digits(p, tm.tm_mday, 2);
  *p++ = form=='T' ? 'T' : ' '; p = digits(p, tm.tm_hour, 2);
  *p++ = ':'; p = digits(p, tm.tm_min, 2);
  if( form=='T' ){
    *p++ = ':'; p = digits(p, tm.tm_sec, 2);
    *p++ = '.'; p = digits(p, (int)frac, 3);
    *p++ = 'Z';
  }else{
    memcpy(p, " UTC", 4);
    p += 4;
  }
  *p = 0;
  return out;
}

const char *util_time_in(int64_t ms, const char *zone, int with_utc, char *out, size_t n){
  time_t t = (time_t)(ms/1000);
  struct tm tm, u;
  if( n==0 ) return out;
  out[0] = 0;
  int local = zone && zone[0] && strcmp(zone, "UTC")!=0 && strcmp(zone, "Etc/UTC")!=0
              && tz_use(zone)==0 && localtime_r(&t, &tm)!=NULL;
  if( !local ){
    char z[32];
    if( n>=25 ) return util_utc_text(ms, 'M', out, n);
    snprintf(out, n, "%s", util_utc_text(ms, 'M', z, sizeof(z)));
    return out;
  }
  util_utc_tm(t, &u);
  size_t k = strftime(out, n, "%Y-%m-%d %H:%M %Z", &tm);
  if( with_utc && k ){
    char h[32];
    strftime(h, sizeof(h), tm.tm_yday==u.tm_yday ? " (%H:%M UTC)" : " (%Y-%m-%d %H:%M UTC)", &u);
    snprintf(out + k, n - k, "%s", h);
  }
  return out;
}

static int tz_is_utc(const char *zone){
  return zone==NULL || zone[0]==0 || strcmp(zone, "UTC")==0 || strcmp(zone, "Etc/UTC")==0;
}

int util_tz_local(const char *zone, int64_t t, struct tm *out){
  time_t tt = (time_t)t;
  if( tz_is_utc(zone) ) return gmtime_r(&tt, out) ? 0 : -1;
  if( tz_use(zone) ) return -1;
  return localtime_r(&tt, out) ? 0 : -1;
}

int64_t util_tz_utc(const char *zone, struct tm *local){
  if( tz_is_utc(zone) ){
    local->tm_isdst = 0;
    return (int64_t)timegm(local);
  }
  if( tz_use(zone) ) return -1;
  return (int64_t)mktime(local);
}

size_t util_utf8_decode(const unsigned char *p, size_t n, unsigned *cp){
  if( n==0 ) return 0;
  unsigned c = p[0], min;
  size_t len;
  if( c<0x80 ){ *cp = c; return 1; }
  if( c>=0xC2 && c<=0xDF ){ len = 2; c &= 0x1F; min = 0x80; }
  else if( c>=0xE0 && c<=0xEF ){ len = 3; c &= 0x0F; min = 0x800; }
  else if( c>=0xF0 && c<=0xF4 ){ len = 4; c &= 0x07; min = 0x10000; }
  else return 0;
  if( n<len ) return 0;
  for(size_t i=1; i<len; i++){
    if( (p[i] & 0xC0)!=0x80 ) return 0;
    c = (c<<6) | (p[i] & 0x3F);
  }
  if( c<min || c>0x10FFFF || (c>=0xD800 && c<=0xDFFF) ) return 0;
  *cp = c;
  return len;
}

int util_utf8_ok(const char *z, size_t n){
  const unsigned char *s = (const unsigned char*)z;
  size_t i = 0;
  unsigned cp;
  while( i<n ){
    if( s[i]<0x80 ){ i++; continue; }
    size_t l = util_utf8_decode(s + i, n - i, &cp);
    if( l==0 ) return 0;
    i += l;
  }
  return 1;
}

size_t util_utf8_chars(const char *z){
  size_t n = 0;
  for(; *z; z++) if( ((unsigned char)*z & 0xC0)!=0x80 ) n++;
  return n;
}

void util_utf8_cut(char *z, size_t max){
  size_t n = strlen(z);
  if( n<=max ) return;
  while( max>0 && ((unsigned char)z[max] & 0xC0)==0x80 ) max--;
  z[max] = 0;
}

/*
** JSON text with numbers as people typed them: jansson writes a double with
** 17 digits (0.8 becomes 0.80000000000000004); 15 digits give the short form
** whenever it reads back as the same value, else the full 17 are kept.
** (The audit chain hashes details as stored text, so its writer uses this too.)
*/
char *util_json_dumps_typed(const json_t *v, size_t flags){
  char *shortform = json_dumps(v, flags|JSON_REAL_PRECISION(15));
  if( shortform==NULL ) return NULL;
  json_t *back = json_loads(shortform, JSON_DECODE_ANY, NULL);
  int same = back && json_equal(back, (json_t *)v);
  json_decref(back);
  if( same ) return shortform;
  free(shortform);
  return json_dumps(v, flags);
}

/*
** Copy src to dst (created new with mode, synced), or only hash src when
** dst is NULL; the SHA-256 and size of what was read come back.  0 or -1.
*/
int util_copy_file(const char *src, const char *dst, mode_t mode, char sha[65], long long *size){
  int in = open(src, O_RDONLY|O_CLOEXEC), out = -1, rc = -1;
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  char *buf = malloc(1 << 16);
  *size = 0;
  if( in<0 || md==NULL || buf==NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL)!=1 ) goto out;
  if( dst ){
    out = open(dst, O_WRONLY|O_CREAT|O_EXCL|O_CLOEXEC, mode);
    if( out<0 ) goto out;
  }
  for(;;){
    ssize_t n = read(in, buf, 1 << 16);
    if( n<0 && errno==EINTR ) continue;
    if( n<0 ) goto out;
    if( n==0 ) break;
    *size += n;
    if( EVP_DigestUpdate(md, buf, (size_t)n)!=1 ) goto out;
    for(ssize_t w = 0; out>=0 && w<n; ){
      ssize_t k = fault_hit(FAULT_WRITE) ? (errno = EIO, -1) : write(out, buf + w, (size_t)(n - w));
      if( k<0 && errno==EINTR ) continue;
      if( k<0 ) goto out;
      w += k;
    }
  }
  unsigned char dg[EVP_MAX_MD_SIZE];
  unsigned int ndg = 0;
  if( EVP_DigestFinal_ex(md, dg, &ndg)!=1 || ndg!=32 ) goto out;
  util_hex(dg, 32, sha);
  if( out>=0 && (fault_hit(FAULT_FSYNC) || fsync(out)) ) goto out;
  rc = 0;
out:
  if( in>=0 ) close(in);
  if( out>=0 && close(out) ) rc = -1;
  if( rc && out>=0 ) unlink(dst);
  EVP_MD_CTX_free(md);
  free(buf);
  return rc;
}

/* util.h — the small helpers every layer shares: hex encoding, random tokens, SHA-256, HMAC-SHA256. */
#ifndef HP_UTIL_H
#define HP_UTIL_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Lower-case hex of p[0..n) into out (2n characters and a NUL). */
void util_hex(const unsigned char *p, size_t n, char *out);
/* nbytes (at most 64) from RAND_bytes as 2*nbytes hex characters and a NUL.  0 ok, -1. */
int util_random_hex(char *out, size_t nbytes);
/* SHA-256 of z[0..n) as 64 hex characters and a NUL. */
void util_sha256_hex(const char *z, size_t n, char out[65]);
/* HMAC-SHA256(key, msg) as 64 hex characters and a NUL; all '0' if OpenSSL fails. */
void util_hmac_hex(const void *key, size_t nkey, const void *msg, size_t n, char out[65]);

/*
** "YYYY-MM-DD" (midnight) or, with with_time, also "YYYY-MM-DDTHH:MM", UTC, a
** real calendar date in 1970..9999, to milliseconds since the epoch.  1 ok, 0.
*/
int util_parse_utc(const char *z, int with_time, int64_t *ms);
/*
** People's time zones, from the system's tz database (tzdata).  A zone is
** valid when its name is plain ("Europe/Berlin": letters, digits, / _ + -,
** no "..") and /usr/share/zoneinfo holds a TZif file for it.
** util_time_in writes ms as "2026-12-07 09:00 CET" in zone (NULL, "" or UTC:
** "... UTC"), and with with_utc adds the UTC time: " (08:00 UTC)".
*/
/*
** A secret kept in a file (a token, a shared key): read into out (NUL-terminated), trailing
** spaces and line ends dropped.  Returns its length, or -1 when the file cannot be read or
** the secret is shorter than 16 characters (too short to be one).
*/
int util_read_secret(const char *path, char *out, size_t n);
/*
** Copy src to dst (created new with mode, synced; its directory must exist), or only hash src
** when dst is NULL; the SHA-256 and size of what was read come back.  0, or -1 with errno set
** and no dst left.
*/
int util_copy_file(const char *src, const char *dst, mode_t mode, char sha[65], long long *size);
#define UTIL_TZ_MAX 64
int util_tz_valid(const char *z);
const char *util_time_in(int64_t ms, const char *zone, int with_utc, char *out, size_t n);
/*
** UTC by arithmetic alone (days to civil date), for the times every page prints: gmtime_r
** takes the C library's time-zone lock and strftime/snprintf parse their formats on each call.
** util_utc_tm fills year, month, day, hour, minute, second, weekday and day of the year of
** second t (years 0 to 9999); util_utc_text writes ms in the form form names, 'T' for
** "2026-01-02T03:04:05.678Z" (24 bytes), 'M' for "2026-01-02 03:04 UTC" (20 bytes), into
** out of n bytes (at least 25), and returns out.
*/
struct tm;
void util_utc_tm(int64_t t, struct tm *out);
const char *util_utc_text(int64_t ms, char form, char *out, size_t n);
/* v in decimal ("-12", "0", "9223372036854775807") at out[0..], NUL-terminated; the end (the
   NUL).  out has room for UTIL_I64_MAX bytes.  Pages print ids and counts on every row:
   snprintf parses its format each time. */
#define UTIL_I64_MAX 21
char *util_i64_text(int64_t v, char *out);
/*
** Wall-clock time in a zone (NULL, "" or UTC: UTC), for change windows: util_tz_local
** turns UTC second t into local time (0, or -1); util_tz_utc turns a local time (tm_isdst
** -1; out-of-range fields normalised, a skipped hour moved past, as mktime does) into the
** UTC second.
*/
struct tm;
int util_tz_local(const char *zone, int64_t t, struct tm *out);
int64_t util_tz_utc(const char *zone, struct tm *local);

/*
** UTF-8, the one copy.  util_utf8_decode reads one character at p (n bytes
** left): its length and *cp, or 0 for a bad lead or continuation byte, an
** overlong form, a surrogate, a value above U+10FFFF or a truncated sequence.
*/
size_t util_utf8_decode(const unsigned char *p, size_t n, unsigned *cp);
/* 1 if z[0..n) is well-formed UTF-8 (as util_utf8_decode judges), else 0. */
int util_utf8_ok(const char *z, size_t n);
/* Characters (code points) in the NUL-terminated z: what people mean by "characters". */
size_t util_utf8_chars(const char *z);
/* Cut z to at most max bytes without splitting a character. */
void util_utf8_cut(char *z, size_t max);
/* json_dumps with reals in their shortest exact form ("0.8", not "0.80000000000000004"); free(). */
struct json_t;
char *util_json_dumps_typed(const struct json_t *v, size_t flags);
#endif

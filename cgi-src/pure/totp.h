/* totp.h — one-time codes for two-step sign-in (RFC 4226 HOTP, RFC 6238 TOTP) and base32 (RFC 4648). */
#ifndef HP_TOTP_H
#define HP_TOTP_H
#include <stdint.h>
#include <stddef.h>

#define TOTP_STEP_S 30           /* a code lasts 30 seconds ... */
#define TOTP_DIGITS 6            /* ... and has 6 digits, as every authenticator app expects */
#define TOTP_SECRET_BYTES 20     /* 160 bits, RFC 4226's recommendation */

/* Base32 without padding (upper case): out needs 8*ceil(n/5)/5+1 ... use TOTP_B32_LEN(n). */
#define TOTP_B32_LEN(n) (((n)*8+4)/5 + 1)
void totp_base32_encode(const unsigned char *p, size_t n, char *out);
/* Decode base32 (case, spaces and '=' ignored); the number of bytes, or -1 if malformed or too long. */
int totp_base32_decode(const char *z, unsigned char *out, size_t nout);

/* HOTP value of counter under key, as a number below 10^digits (HMAC-SHA1, dynamic truncation). */
uint32_t totp_hotp(const unsigned char *key, size_t nkey, uint64_t counter, int digits);

/*
** Check a 6-digit code typed at unix time now_s against key, allowing one step
** of clock drift either way, and refusing a step at or before last_step (a code
** is used once).  Returns the step it matched (> last_step), or 0.
*/
uint64_t totp_check(const unsigned char *key, size_t nkey, const char *code, int64_t now_s, uint64_t last_step);

/* The otpauth:// URI an authenticator app reads from a QR code or a link. */
int totp_uri(char *out, size_t nout, const char *issuer, const char *account, const char *secret_b32);
#endif

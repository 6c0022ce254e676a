#include "secret.h"
#include "x509.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/pwdbased.h>

#define PREFIX "pbkdf2-sha256$"
/* Each CAPF session by string pays one hash on capfd's event loop: 21 ms
 * of CPU with Debian's wolfSSL (no assembly), where OpenSSL's SHA-256 takes
 * 6 ms for the same. The strings are 4 to 10 digits, so the hash
 * slows a search of a stolen database rather than stopping it; the lockout
 * after wrong strings is what guards capfd itself. Kept in each record, so
 * a later build may raise it without a migration. */
#define ITERATIONS 20000
#define SALT 16
#define DK 32

static int nibble(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int unhex(const char *s, size_t slen, uint8_t *out, size_t n)
{
	if (slen != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static int derive(const char *plain, const uint8_t *salt, int iter, uint8_t dk[DK])
{
	return wc_PBKDF2(dk, (const uint8_t *)plain, (int)strlen(plain), salt, SALT,
			 iter, DK, WC_SHA256) ? -1 : 0;
}

int tl_secret_hash(const char *plain, char out[TL_SECRET_MAX], tl_err *e)
{
	uint8_t salt[SALT], dk[DK];
	char *s = NULL, *h = NULL;
	int rc = 0;

	if (tl_random(salt, sizeof(salt), e))
		return -1;
	if (derive(plain, salt, ITERATIONS, dk))
		return tl_fail(e, "PBKDF2 failed");
	if ((s = tl_hex(salt, SALT, 0)) == NULL || (h = tl_hex(dk, DK, 0)) == NULL)
		rc = tl_fail(e, "out of memory");
	else
		snprintf(out, TL_SECRET_MAX, PREFIX "%d$%s$%s", ITERATIONS, s, h);
	free(s);
	free(h);
	return rc;
}

int tl_secret_is_hashed(const char *stored)
{
	return !strncmp(stored, PREFIX, strlen(PREFIX));
}

/* Every byte looked at, wherever the two differ. */
static int same(const uint8_t *a, size_t la, const uint8_t *b, size_t lb)
{
	size_t n = la > lb ? la : lb;
	volatile uint8_t d = (uint8_t)(la != lb);

	for (size_t i = 0; i < n; i++)
		d |= (uint8_t)((i < la ? a[i] : 0) ^ (i < lb ? b[i] : 0));
	return d == 0;
}

int tl_secret_check(const char *given, const char *stored)
{
	uint8_t salt[SALT], want[DK], got[DK];
	const char *p, *q;
	char *end;
	long iter;

	if (!tl_secret_is_hashed(stored))
		return same((const uint8_t *)given, strlen(given),
			    (const uint8_t *)stored, strlen(stored));
	p = stored + strlen(PREFIX);
	iter = strtol(p, &end, 10);
	if (end == p || *end != '$' || iter < 1 || iter > 10000000)
		return -1;
	p = end + 1;
	if ((q = strchr(p, '$')) == NULL || unhex(p, (size_t)(q - p), salt, SALT) ||
	    unhex(q + 1, strlen(q + 1), want, DK) || derive(given, salt, (int)iter, got))
		return -1;
	return same(got, DK, want, DK);
}

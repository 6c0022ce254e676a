#include "certder.h"

#include <stdio.h>
#include <string.h>

#include "der.h"

typedef struct span {
	const uint8_t *p;
	size_t len;
} span;

/* The content of the element at the front of *s, which must carry tag
 * want; *s moves past it. -1 when it is absent or does not fit. */
static int take(span *s, uint8_t want, span *content)
{
	uint8_t tag;
	size_t hdr, clen;

	if (tl_der_header(s->p, s->len, &tag, &hdr, &clen) || tag != want)
		return -1;
	if (content)
		*content = (span){ s->p + hdr, clen };
	s->p += hdr + clen;
	s->len -= hdr + clen;
	return 0;
}

/* The TBSCertificate's fields from the validity on: *rest starts at it. */
static int tbs_at_validity(const uint8_t *der, size_t len, span *rest)
{
	span cert = { der, len }, body;

	if (take(&cert, 0x30, &body) || take(&body, 0x30, rest))
		return -1;
	if (rest->len && rest->p[0] == 0xa0 && take(rest, 0xa0, NULL))
		return -1;	/* [0] version */
	if (take(rest, 0x02, NULL) || take(rest, 0x30, NULL) ||	/* serial, algorithm */
	    take(rest, 0x30, NULL))					/* issuer */
		return -1;
	return 0;
}

static int all_digits(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	return 1;
}

/* What is wrong with one Time, or NULL. */
static const char *time_problem(uint8_t tag, span t)
{
	size_t year = tag == 0x17 ? 2 : 4, full = year + 10 + 1;

	if (t.len == full && t.p[full - 1] == 'Z' && all_digits(t.p, full - 1))
		return NULL;
	if (t.len == full - 2 && t.p[full - 3] == 'Z' && all_digits(t.p, full - 3))
		return "without seconds";
	if (memchr(t.p, '.', t.len))
		return "with fractions of a second";
	if (memchr(t.p, '+', t.len) || memchr(t.p, '-', t.len))
		return "with an offset from GMT instead of Z";
	return "in no form RFC 5280 allows";
}

int tl_certder_time_problem(const uint8_t *der, size_t len, char *msg,
			    size_t n)
{
	static const char *const field[] = { "notBefore", "notAfter" };
	span rest, validity;

	if (tbs_at_validity(der, len, &rest) || take(&rest, 0x30, &validity))
		return 0;
	for (int i = 0; i < 2; i++) {
		uint8_t tag = validity.len ? validity.p[0] : 0;
		const char *why;
		span t;

		if ((tag != 0x17 && tag != 0x18) || take(&validity, tag, &t))
			return 0;
		if ((why = time_problem(tag, t)) != NULL) {
			char shown[33];
			size_t k;

			/* the value is the sender's: printable characters only */
			for (k = 0; k < t.len && k < sizeof(shown) - 1; k++)
				shown[k] = t.p[k] >= 0x20 && t.p[k] < 0x7f ? (char)t.p[k] : '?';
			shown[k] = 0;
			snprintf(msg, n, "its %s is %s written %s (\"%s\"): RFC "
				 "5280 requires seconds and GMT (\"Z\"), and phones "
				 "refuse the certificate; have it reissued", field[i],
				 tag == 0x17 ? "a UTCTime" : "a GeneralizedTime", why,
				 shown);
			return 1;
		}
	}
	return 0;
}

int tl_certder_rsa_bits(const uint8_t *der, size_t len)
{
	static const uint8_t rsa_oid[] = {
		0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01
	};
	span rest, spki, alg, key, rsa, modulus;
	int bits;

	/* validity, subject, then SubjectPublicKeyInfo { algorithm, BIT STRING
	 * { 0 unused bits, RSAPublicKey { modulus, exponent } } } */
	if (tbs_at_validity(der, len, &rest) || take(&rest, 0x30, NULL) ||
	    take(&rest, 0x30, NULL) || take(&rest, 0x30, &spki) ||
	    take(&spki, 0x30, &alg) || alg.len < sizeof(rsa_oid) ||
	    memcmp(alg.p, rsa_oid, sizeof(rsa_oid)) != 0 ||
	    take(&spki, 0x03, &key) || key.len < 1)
		return 0;
	key.p++;
	key.len--;
	if (take(&key, 0x30, &rsa) || take(&rsa, 0x02, &modulus))
		return 0;
	while (modulus.len > 0 && modulus.p[0] == 0) {
		modulus.p++;
		modulus.len--;
	}
	if (modulus.len == 0 || modulus.len > 8192)
		return 0;
	bits = (int)modulus.len * 8;
	for (uint8_t top = modulus.p[0]; !(top & 0x80); top <<= 1)
		bits--;
	return bits;
}

int tl_certder_subject(const uint8_t *der, size_t len, const uint8_t **name,
		       size_t *name_len)
{
	span rest, at;

	if (tbs_at_validity(der, len, &rest) || take(&rest, 0x30, NULL))
		return -1;
	at = rest;
	if (take(&rest, 0x30, NULL))
		return -1;
	*name = at.p;
	*name_len = (size_t)(rest.p - at.p);
	return 0;
}

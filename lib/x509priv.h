/* What the x509*.c files share and no other module sees: the wolfSSL keys
 * behind tl_key and tl_pub, the thread's random generator and the small
 * helpers more than one of them needs. Included first: wolfSSL's options.h
 * must come before any other wolfSSL header. */
#ifndef TL_X509PRIV_H
#define TL_X509PRIV_H

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/error-crypt.h>
#include <wolfssl/wolfcrypt/random.h>
#include <wolfssl/wolfcrypt/rsa.h>

#include <string.h>

#include "x509.h"

struct tl_key {
	int type;
	union {
		RsaKey rsa;
		ecc_key ecc;
	} u;
};

struct tl_pub {
	int type;
	union {
		RsaKey rsa;
		ecc_key ecc;
	} u;
};

/* This thread's generator (x509wrap.c), or NULL when it cannot start. */
WC_RNG *tl_x509_rng(void);
/* A wolfSSL name as an `attr=value,...` string, malloc'ed (x509name.c). */
char *tl_x509_name_string(WOLFSSL_X509_NAME *nm);
/* PEM of DER of a wolfSSL block type (CERT_TYPE, ...), malloc'ed (x509.c). */
int tl_x509_der_to_pem(const uint8_t *der, size_t len, int type, char **pem);
/* Reads a certificate or key file of up to 1 MiB and hands it, named by its
 * path, to parse (x509.c). The bytes are wiped before they are freed: the
 * loader does not know whether they hold a private key. */
typedef int (*tl_x509_parse_fn)(const uint8_t *buf, size_t len,
				const char *name, void *out, tl_err *e);
int tl_x509_load(const char *path, tl_x509_parse_fn parse, void *out,
		 tl_err *e);

static inline const char *wc_msg(int rc)
{
	return wc_GetErrorString(rc);
}

static inline int is_pem(const uint8_t *buf, size_t len)
{
	return len >= 10 && memmem(buf, len, "-----BEGIN", 10) != NULL;
}

static inline const uint8_t *strip_zeros(const uint8_t *p, size_t *len)
{
	while (*len > 1 && p[0] == 0) {
		p++;
		(*len)--;
	}
	return p;
}

static inline int rsa_bits(const RsaKey *k)
{
	return wc_RsaEncryptSize((RsaKey *)k) * 8;
}

/* wolfSSL gives the field size in bytes: P-521's 66 bytes are not 528 bits. */
static inline int ecc_bits(ecc_key *k)
{
	int bits = wc_ecc_size(k) * 8;

	return bits == 528 ? 521 : bits;
}

#endif

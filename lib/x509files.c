/* Certificate files: every certificate of a PEM bundle, a DER certificate
 * or a PKCS#7 chain, with errors that name the block at fault. */
#include "x509priv.h"
#include <wolfssl/openssl/pem.h>
#include <wolfssl/wolfcrypt/asn.h>
#include <wolfssl/wolfcrypt/pkcs7.h>

#include "file.h"
#include "der.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tl_certs_free(tl_cert **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		tl_cert_free(v[i]);
	free(v);
}

static int certs_push(tl_cert ***v, size_t *n, tl_cert *c, tl_err *e)
{
	tl_cert **g = realloc(*v, (*n + 1) * sizeof(*g));

	if (g == NULL) {
		tl_cert_free(c);
		return tl_fail(e, "out of memory");
	}
	g[(*n)++] = c;
	*v = g;
	return 0;
}

/* Steps into (down) or over the DER element at *p, which must carry want. */
static int der_step(const uint8_t **p, size_t *len, uint8_t want, int down)
{
	uint8_t tag;
	size_t hdr, clen;

	if (tl_der_header(*p, *len, &tag, &hdr, &clen) || tag != want)
		return -1;
	*p += hdr + (down ? 0 : clen);
	*len = down ? clen : *len - hdr - clen;
	return 0;
}

/* The modulus size of an RSA SubjectPublicKeyInfo, or 0. */
static int spki_rsa_bits(const uint8_t *p, size_t len)
{
	uint8_t tag;
	size_t hdr, clen;
	int bits;

	/* SEQUENCE { AlgorithmIdentifier, BIT STRING { SEQUENCE { n, e } } } */
	if (der_step(&p, &len, 0x30, 1) || der_step(&p, &len, 0x30, 0) ||
	    der_step(&p, &len, 0x03, 1) || len < 1)
		return 0;
	p++;	/* the BIT STRING's count of unused bits */
	len--;
	if (der_step(&p, &len, 0x30, 1) || tl_der_header(p, len, &tag, &hdr, &clen) ||
	    tag != 0x02)
		return 0;
	for (p += hdr; clen > 0 && *p == 0; p++)
		clen--;
	if (clen == 0 || clen > 8192)
		return 0;
	bits = (int)clen * 8;
	for (uint8_t top = *p; !(top & 0x80); top <<= 1)
		bits--;
	return bits;
}

/* One DER certificate into the list. wolfSSL cannot decode RSA keys above
 * RSA_MAX_SIZE at all; the administrator must then hear the key size (8192
 * is a common mistake), not that the key "cannot be decoded". */
static int cert_der(const uint8_t *der, size_t len, tl_cert ***v, size_t *n,
		    tl_err *e)
{
	uint8_t spki[4096];
	int spki_len = sizeof(spki), bits = 0;
	WOLFSSL_X509 *x;
	tl_cert *c;
	char *subject;

	if (tl_cert_from_der(der, len, &c, e) == 0)
		return certs_push(v, n, c, e);
	if (len == 0 || len > 65535 ||
	    (x = wolfSSL_X509_load_certificate_buffer(der, (int)len,
			WOLFSSL_FILETYPE_ASN1)) == NULL)
		return -1;
	if (wolfSSL_X509_get_pubkey_type(x) == RSAk &&
	    wolfSSL_X509_get_pubkey_buffer(x, spki, &spki_len) == WOLFSSL_SUCCESS)
		bits = spki_rsa_bits(spki, (size_t)spki_len);
	if (bits > RSA_MAX_SIZE &&
	    (subject = tl_x509_name_string(
			wolfSSL_X509_get_subject_name(x))) != NULL) {
		tl_fail(e, "certificate %s has an RSA-%d key: keys above %d bits are "
			"refused (8192 is a common mistake); have it reissued with "
			"2048 bits", subject, bits, RSA_MAX_SIZE);
		free(subject);
	}
	wolfSSL_X509_free(x);
	return -1;
}

static const uint8_t signed_data_oid[] = {
	0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02
};

/* A ContentInfo of type signedData, judged on its first bytes so that a
 * truncated chain is still named as one. */
static int is_pkcs7(const uint8_t *p, size_t len)
{
	size_t hdr = len > 1 && p[1] > 0x80 ? 2 + (size_t)(p[1] & 0x7f) : 2;

	return p[0] == 0x30 && len > hdr + sizeof(signed_data_oid) &&
	       memcmp(p + hdr, signed_data_oid, sizeof(signed_data_oid)) == 0;
}

/* The certificates a DER SignedData lists, or -1 when it is not complete
 * DER. Counted here because wolfSSL keeps the first MAX_PKCS7_CERTS without
 * a word, and answers a chain without certificates as it answers a
 * truncated one. */
static long pkcs7_count(const uint8_t *p, size_t len)
{
	uint8_t tag;
	size_t hdr, clen;
	long n = 0;

	if (tl_der_header(p, len, &tag, &hdr, &clen) || hdr + clen != len)
		return -1;
	/* ContentInfo { contentType, [0] SignedData { version,
	 * digestAlgorithms, encapContentInfo, [0] certificates OPTIONAL, ... } } */
	if (der_step(&p, &len, 0x30, 1) || der_step(&p, &len, 0x06, 0) ||
	    der_step(&p, &len, 0xa0, 1) || der_step(&p, &len, 0x30, 1) ||
	    der_step(&p, &len, 0x02, 0) || der_step(&p, &len, 0x31, 0) ||
	    der_step(&p, &len, 0x30, 0))
		return -1;
	if (len == 0 || p[0] != 0xa0)
		return 0;
	if (der_step(&p, &len, 0xa0, 1))
		return -1;
	for (; len > 0; n++)
		if (tl_der_header(p, len, &tag, &hdr, &clen))
			return -1;
		else {
			p += hdr + clen;
			len -= hdr + clen;
		}
	return n;
}

static int certs_pkcs7(const uint8_t *buf, size_t len, tl_cert ***v, size_t *n,
		       tl_err *e)
{
	long count = pkcs7_count(buf, len);
	PKCS7 *p7;
	uint8_t *copy;
	int rc, got = 0;

	if (count == 0 || len == 0)
		return tl_fail(e, "the PKCS#7 chain holds no certificates");
	if (count > MAX_PKCS7_CERTS)
		return tl_fail(e, "the PKCS#7 chain holds %ld certificates, more than the "
			       "%d that can be read from one: give them as a PEM bundle",
			       count, MAX_PKCS7_CERTS);
	copy = malloc(len);
	p7 = wc_PKCS7_New(NULL, INVALID_DEVID);
	if (copy == NULL || p7 == NULL) {
		free(copy);
		wc_PKCS7_Free(p7);
		return tl_fail(e, "out of memory");
	}
	memcpy(copy, buf, len);	/* wolfSSL takes a writable message */
	rc = wc_PKCS7_InitWithCert(p7, NULL, 0);
	if (rc == 0)
		rc = wc_PKCS7_VerifySignedData(p7, copy, (word32)len);
	if (rc != 0 && count < 0)
		rc = tl_fail(e, "truncated or malformed PKCS#7 chain");
	else if (rc != 0)
		rc = tl_fail(e, "unreadable PKCS#7 chain (%s)", wc_msg(rc));
	for (int i = 0; rc == 0 && i < MAX_PKCS7_CERTS; i++)
		if (p7->cert[i] != NULL && ++got &&
		    cert_der(p7->cert[i], p7->certSz[i], v, n, e))
			rc = tl_wrap(e, "certificate %d of the PKCS#7 chain", got);
	if (rc == 0 && got == 0)
		rc = tl_fail(e, "the PKCS#7 chain holds no certificates");
	else if (rc == 0 && count > 0 && got != count)
		rc = tl_fail(e, "only %d of the %ld certificates of the PKCS#7 chain "
			     "could be read", got, count);
	else if (rc == 0 && count < 0 && got == MAX_PKCS7_CERTS)
		rc = tl_fail(e, "the PKCS#7 chain (not DER) may hold more than the %d "
			     "certificates that can be read from one: give them as a "
			     "PEM bundle", MAX_PKCS7_CERTS);
	wc_PKCS7_Free(p7);
	free(copy);
	return rc;
}

/* Byte offset of the k-th (from 0) PEM BEGIN line, or len. */
static size_t pem_begin(const uint8_t *buf, size_t len, size_t k)
{
	const uint8_t *p = buf;

	for (;;) {
		p = memmem(p, len - (size_t)(p - buf), "-----BEGIN", 10);
		if (p == NULL)
			return len;
		if (k-- == 0)
			return (size_t)(p - buf);
		p += 10;
	}
}

static int certs_pem(const uint8_t *buf, size_t len, const char *name,
		     tl_cert ***v, size_t *n, tl_err *e)
{
	WOLFSSL_BIO *bio = wolfSSL_BIO_new_mem_buf(buf, (int)len);
	char *label, *header, other[64] = "";
	unsigned char *data;
	long dlen;
	size_t blocks = 0;
	int rc = 0;

	if (bio == NULL)
		return tl_fail(e, "%s: out of memory", name);
	while (rc == 0 && wolfSSL_PEM_read_bio(bio, &label, &header, &data, &dlen) ==
	       WOLFSSL_SUCCESS) {
		blocks++;
		if (!strcmp(label, "CERTIFICATE") || !strcmp(label, "X509 CERTIFICATE"))
			rc = cert_der(data, (size_t)dlen, v, n, e);
		else if (!strcmp(label, "PKCS7"))
			rc = certs_pkcs7(data, (size_t)dlen, v, n, e);
		else if (!other[0])	/* keys, requests: not for a certificate store */
			snprintf(other, sizeof(other), "%s", label);
		if (rc)
			tl_wrap(e, "%s: PEM block %zu (byte %zu)", name, blocks,
				pem_begin(buf, len, blocks - 1));
		XFREE(label, NULL, DYNAMIC_TYPE_PEM);
		XFREE(header, NULL, DYNAMIC_TYPE_PEM);
		XFREE(data, NULL, DYNAMIC_TYPE_PEM);
	}
	wolfSSL_BIO_free(bio);
	if (rc)
		return -1;
	/* wolfSSL stops at the first block it cannot read, as at the end */
	if (pem_begin(buf, len, blocks) < len)
		return tl_fail(e, "%s: PEM block %zu (byte %zu) is truncated or damaged",
			       name, blocks + 1, pem_begin(buf, len, blocks));
	if (*n == 0)
		return tl_fail(e, "%s: no certificate in it (PEM \"%s\" only)", name,
			       other[0] ? other : "?");
	return 0;
}

int tl_certs_from_mem(const uint8_t *buf, size_t len, const char *name,
		      tl_cert ***out, size_t *n, tl_err *e)
{
	tl_cert **v = NULL;
	size_t k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (len == 0)
		return tl_fail(e, "%s: empty file", name);
	if (len > TL_FILE_MAX)
		return tl_fail(e, "%s: %zu bytes is too large for a certificate file",
			       name, len);
	if (is_pem(buf, len))
		rc = certs_pem(buf, len, name, &v, &k, e);
	else if (is_pkcs7(buf, len))
		rc = certs_pkcs7(buf, len, &v, &k, e) ? tl_wrap(e, "%s", name) : 0;
	else if (buf[0] != 0x30)	/* every DER certificate is a SEQUENCE */
		rc = tl_fail(e, "%s: not a certificate: expected PEM, a PEM bundle, "
			     "DER or a PKCS#7 chain", name);
	else
		rc = cert_der(buf, len, &v, &k, e) ? tl_wrap(e, "%s", name) : 0;
	if (rc) {
		tl_certs_free(v, k);
		return -1;
	}
	*out = v;
	*n = k;
	return 0;
}

struct certs_out {
	tl_cert ***v;
	size_t *n;
};

static int certs_parse(const uint8_t *buf, size_t len, const char *name,
		       void *out, tl_err *e)
{
	struct certs_out *o = out;

	return tl_certs_from_mem(buf, len, name, o->v, o->n, e);
}

int tl_certs_load(const char *path, tl_cert ***out, size_t *n, tl_err *e)
{
	struct certs_out o = { out, n };

	*out = NULL;
	*n = 0;
	return tl_x509_load(path, certs_parse, &o, e);
}

/* Certificates read: X.509 in DER (in full, or only the identities a
 * trust-list record is checked against) or PEM, and PKCS#10 requests; and
 * certificates written back as PEM. The rest of x509.h: keys in x509key.c,
 * names in x509name.c, digests, signatures and chains in x509sign.c, key
 * and certificate generation in x509make.c, key wrap in x509wrap.c, whole
 * certificate files (bundles, PKCS#7) in x509files.c. */
#include "x509priv.h"
#include <wolfssl/wolfcrypt/asn.h>
#include <wolfssl/wolfcrypt/asn_public.h>

#include "file.h"
#include "certder.h"
#include "der.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tl_cert_free(tl_cert *c)
{
	if (c == NULL)
		return;
	free(c->der);
	free(c->subject);
	free(c->issuer);
	free(c->pubkey);
	free(c->sig);
	for (size_t i = 0; i < c->nsan; i++)
		free(c->san[i]);
	free(c->san);
	wolfSSL_X509_free(c->x509);
	free(c);
}

static time_t asn1_time(const WOLFSSL_ASN1_TIME *t)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || wolfSSL_ASN1_TIME_to_tm(t, &tm) != WOLFSSL_SUCCESS)
		return (time_t)-1;
	return timegm(&tm);
}


static int pubkey_record_form(tl_cert *c, const uint8_t *spki, int spki_len)
{
	uint8_t out[1024];
	word32 idx = 0, n = sizeof(out);
	int rc = -1;

	if (c->key_type == TL_KEY_RSA) {
		RsaKey k;

		if (wc_InitRsaKey(&k, NULL) != 0)
			return -1;
		if (wc_RsaPublicKeyDecode(spki, &idx, &k, (word32)spki_len) == 0) {
			int len = wc_RsaKeyToPublicDer_ex(&k, out, n, 0);

			c->key_bits = rsa_bits(&k);
			if (len > 0) {
				n = (word32)len;
				rc = 0;
			}
		}
		wc_FreeRsaKey(&k);
	} else {
		ecc_key k;

		if (wc_ecc_init(&k) != 0)
			return -1;
		if (wc_EccPublicKeyDecode(spki, &idx, &k, (word32)spki_len) == 0 &&
		    wc_ecc_export_x963(&k, out, &n) == 0) {
			c->key_bits = ecc_bits(&k);
			rc = 0;
		}
		wc_ecc_free(&k);
	}
	if (rc == 0) {
		c->pubkey = malloc(n);
		if (c->pubkey == NULL)
			return -1;
		memcpy(c->pubkey, out, n);
		c->pubkey_len = n;
	}
	return rc;
}

/* Serial number, key type and public key in record form, from whichever
 * decoder read the certificate: a NULL spki is a key it could not read. */
/* Why wolfSSL refused a certificate, where its DER says more: a validity
 * time it cannot read (one without seconds, for instance). */
static int not_x509(const uint8_t *der, size_t len, tl_err *e)
{
	char why[256];

	if (tl_certder_time_problem(der, len, why, sizeof(why)))
		return tl_fail(e, "%s", why);
	return tl_fail(e, "not a valid X.509 certificate (DER)");
}

static int set_ids(tl_cert *c, const uint8_t *serial, int serial_len,
		   int key_oid, const uint8_t *spki, int spki_len, tl_err *e)
{
	const uint8_t *s;
	size_t sl;

	if (serial_len <= 0)
		return tl_fail(e, "certificate has no readable serial number");
	sl = (size_t)serial_len;
	s = strip_zeros(serial, &sl);
	if (sl > TL_SERIAL_MAX)
		return tl_fail(e, "certificate serial number of %zu bytes is too long",
			       sl);
	memcpy(c->serial, s, sl);
	c->serial_len = sl;
	switch (key_oid) {
	case RSAk: c->key_type = TL_KEY_RSA; break;
	case ECDSAk: c->key_type = TL_KEY_EC; break;
	default:
		return tl_fail(e, "certificate %s has neither an RSA nor an EC key",
			       c->subject);
	}
	if (spki == NULL || pubkey_record_form(c, spki, spki_len) != 0) {
		/* wolfSSL decodes no RSA key above RSA_MAX_SIZE: name its size
		 * (8192 is a common mistake), read from the DER itself */
		int bits = c->der ? tl_certder_rsa_bits(c->der, c->der_len) : 0;

		if (bits > RSA_MAX_SIZE)
			return tl_fail(e, "certificate %s has an RSA-%d key: keys above "
				       "%d bits are refused (8192 is a common mistake); "
				       "have it reissued with 2048 bits", c->subject,
				       bits, RSA_MAX_SIZE);
		return tl_fail(e, "certificate %s: public key cannot be decoded",
			       c->subject);
	}
	return 0;
}

/* extendedKeyUsage as TL_EKU_* bits. wolfSSL's own bitmask has no IPsec
 * bit and is confused by OIDs it does not know, so read the OID list. */
static void read_eku(tl_cert *c, WOLFSSL_X509 *x)
{
	static const uint8_t kp[] = { 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03 };
	int loc = wolfSSL_X509_get_ext_by_NID(x, NID_ext_key_usage, -1);
	WOLFSSL_X509_EXTENSION *ext;
	WOLFSSL_ASN1_STRING *d;
	const uint8_t *p;
	size_t n, pos = 0, hdr, clen;
	uint8_t tag;

	if (loc < 0 || (ext = wolfSSL_X509_get_ext(x, loc)) == NULL ||
	    (d = wolfSSL_X509_EXTENSION_get_data(ext)) == NULL)
		return;
	c->has_ext_key_usage = 1;
	p = wolfSSL_ASN1_STRING_data(d);
	n = (size_t)wolfSSL_ASN1_STRING_length(d);
	if (n > 0 && p[0] == 0x30 && tl_der_header(p, n, &tag, &hdr, &clen) == 0) {
		p += hdr;	/* the SEQUENCE itself, when it is not stripped */
		n = clen;
	}
	for (; pos < n && tl_der_header(p + pos, n - pos, &tag, &hdr, &clen) == 0;
	     pos += hdr + clen) {
		const uint8_t *oid = p + pos + hdr;

		if (tag != 0x06 || clen != sizeof(kp) + 1 ||
		    memcmp(oid, kp, sizeof(kp)) != 0)
			continue;
		switch (oid[sizeof(kp)]) {
		case 1: c->ext_key_usage |= TL_EKU_SERVER_AUTH; break;
		case 2: c->ext_key_usage |= TL_EKU_CLIENT_AUTH; break;
		case 5: c->ext_key_usage |= TL_EKU_IPSEC_END_SYSTEM; break;
		}
	}
}

static void read_san(tl_cert *c, WOLFSSL_X509 *x)
{
	char *n;

	while ((n = wolfSSL_X509_get_next_altname(x)) != NULL) {
		char **grown = realloc(c->san, (c->nsan + 1) * sizeof(*grown));

		if (grown == NULL)
			return;
		c->san = grown;
		if ((c->san[c->nsan] = strdup(n)) != NULL)
			c->nsan++;
	}
}

static void read_sig_alg(tl_cert *c, WOLFSSL_X509 *x)
{
	static const struct { const char *s; int h; } hashes[] = {
		{ "sha512", TL_HASH_SHA512 }, { "sha384", TL_HASH_SHA384 },
		{ "sha256", TL_HASH_SHA256 }, { "sha1", TL_HASH_SHA1 },
		{ "md5", TL_HASH_MD5 },
	};
	const char *ln = wolfSSL_OBJ_nid2ln(wolfSSL_X509_get_signature_nid(x));
	char lower[48];
	size_t i;

	snprintf(c->sig_alg, sizeof(c->sig_alg), "%s", ln ? ln : "unknown");
	for (i = 0; c->sig_alg[i] && i + 1 < sizeof(lower); i++)
		lower[i] = (char)tolower((unsigned char)c->sig_alg[i]);
	lower[i] = 0;
	for (i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++)
		if (strstr(lower, hashes[i].s)) {
			c->sig_hash = hashes[i].h;
			return;
		}
}

int tl_cert_from_der(const uint8_t *der, size_t len, tl_cert **out, tl_err *e)
{
	tl_cert *c;
	WOLFSSL_X509 *x;
	uint8_t spki[1200], serial[64];
	int spki_len = sizeof(spki), serial_len = sizeof(serial), sig_len = 0;

	if (len == 0 || len > 65535)
		return tl_fail(e, "certificate of %zu bytes is not plausible", len);
	x = wolfSSL_X509_load_certificate_buffer(der, (int)len,
						 WOLFSSL_FILETYPE_ASN1);
	if (x == NULL)
		return not_x509(der, len, e);
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		wolfSSL_X509_free(x);
		return tl_fail(e, "out of memory");
	}
	c->x509 = x;
	c->der = malloc(len);
	if (c->der == NULL)
		goto oom;
	memcpy(c->der, der, len);
	c->der_len = len;
	c->subject = tl_x509_name_string(wolfSSL_X509_get_subject_name(x));
	c->issuer = tl_x509_name_string(wolfSSL_X509_get_issuer_name(x));
	if (c->subject == NULL || c->issuer == NULL)
		goto oom;
	if (wolfSSL_X509_get_serial_number(x, serial, &serial_len) !=
	    WOLFSSL_SUCCESS)
		serial_len = 0;
	if (wolfSSL_X509_get_pubkey_buffer(x, spki, &spki_len) != WOLFSSL_SUCCESS)
		spki_len = 0;
	if (set_ids(c, serial, serial_len, wolfSSL_X509_get_pubkey_type(x),
		    spki_len > 0 ? spki : NULL, spki_len, e)) {
		tl_cert_free(c);
		return -1;
	}
	if (wolfSSL_X509_get_signature(x, NULL, &sig_len) != WOLFSSL_SUCCESS ||
	    sig_len <= 0 || (c->sig = malloc((size_t)sig_len)) == NULL ||
	    wolfSSL_X509_get_signature(x, c->sig, &sig_len) != WOLFSSL_SUCCESS) {
		tl_cert_free(c);
		return tl_fail(e, "certificate has no readable signature");
	}
	c->sig_len = (size_t)sig_len;
	c->not_before = asn1_time(wolfSSL_X509_get_notBefore(x));
	c->not_after = asn1_time(wolfSSL_X509_get_notAfter(x));
	c->key_usage = wolfSSL_X509_get_keyUsage(x);
	c->is_ca = wolfSSL_X509_get_isCA(x);
	read_eku(c, x);
	read_san(c, x);
	read_sig_alg(c, x);
	*out = c;
	return 0;
oom:
	tl_cert_free(c);
	return tl_fail(e, "out of memory");
}

/* The same parse wolfSSL_X509_load_certificate_buffer runs, without the
 * WOLFSSL_X509 it then builds (copied names, extensions, key objects with
 * a random generator each): that object is most of the cost. */
int tl_cert_ids_from_der(const uint8_t *der, size_t len, tl_cert **out,
			 tl_err *e)
{
	DecodedCert dc;
	uint8_t spki[1200];
	word32 spki_len = sizeof(spki);
	tl_cert *c;
	int rc = -1;

	if (len == 0 || len > 65535)
		return tl_fail(e, "certificate of %zu bytes is not plausible", len);
	wc_InitDecodedCert(&dc, der, (word32)len, NULL);
	if (wc_ParseCert(&dc, CERT_TYPE, NO_VERIFY, NULL) != 0) {
		wc_FreeDecodedCert(&dc);
		return not_x509(der, len, e);
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		wc_FreeDecodedCert(&dc);
		return tl_fail(e, "out of memory");
	}
	c->subject = tl_x509_name_string(dc.subjectName);
	c->issuer = tl_x509_name_string(dc.issuerName);
	if (wc_GetPubKeyDerFromCert(&dc, spki, &spki_len) != 0)
		spki_len = 0;
	if (c->subject == NULL || c->issuer == NULL)
		rc = tl_fail(e, "out of memory");
	else if (set_ids(c, dc.serial, dc.serialSz, (int)dc.keyOID,
			 spki_len > 0 ? spki : NULL, (int)spki_len, e) == 0)
		rc = dc.signature != NULL && dc.sigLength > 0 ? 0 :
		     tl_fail(e, "certificate has no readable signature");
	wc_FreeDecodedCert(&dc);
	if (rc) {
		tl_cert_free(c);
		return -1;
	}
	*out = c;
	return 0;
}

int tl_cert_from_mem(const uint8_t *buf, size_t len, const char *name,
		     tl_cert **out, tl_err *e)
{
	uint8_t *der;
	int n;

	if (!is_pem(buf, len)) {
		if (tl_cert_from_der(buf, len, out, e))
			return tl_wrap(e, "%s", name);
		return 0;
	}
	der = malloc(len);
	if (der == NULL)
		return tl_fail(e, "%s: out of memory", name);
	n = wc_CertPemToDer(buf, (int)len, der, (int)len, CERT_TYPE);
	if (n <= 0) {
		free(der);
		return tl_fail(e, "%s: no PEM \"CERTIFICATE\" block found", name);
	}
	if (tl_cert_from_der(der, (size_t)n, out, e)) {
		free(der);
		return tl_wrap(e, "%s", name);
	}
	free(der);
	return 0;
}

int tl_x509_load(const char *path, tl_x509_parse_fn parse, void *out,
		 tl_err *e)
{
	uint8_t *buf;
	size_t len;
	int rc;

	if (tl_read_file(path, 1 << 20, &buf, &len, e))
		return -1;
	rc = parse(buf, len, path, out, e);
	explicit_bzero(buf, len);
	free(buf);
	return rc;
}

static int cert_parse(const uint8_t *buf, size_t len, const char *name,
		      void *out, tl_err *e)
{
	return tl_cert_from_mem(buf, len, name, out, e);
}

int tl_cert_load(const char *path, tl_cert **out, tl_err *e)
{
	return tl_x509_load(path, cert_parse, out, e);
}

int tl_x509_der_to_pem(const uint8_t *der, size_t len, int type, char **pem)
{
	int n = wc_DerToPem(der, (word32)len, NULL, 0, type);
	char *p;

	if (n <= 0 || (p = malloc((size_t)n + 1)) == NULL)
		return -1;
	n = wc_DerToPem(der, (word32)len, (byte *)p, (word32)n, type);
	if (n <= 0) {
		free(p);
		return -1;
	}
	p[n] = 0;
	*pem = p;
	return 0;
}

int tl_cert_to_pem(const tl_cert *c, char **pem, tl_err *e)
{
	if (tl_x509_der_to_pem(c->der, c->der_len, CERT_TYPE, pem))
		return tl_fail(e, "cannot encode certificate as PEM");
	return 0;
}

int tl_csr_from_pem(const uint8_t *pem, size_t len, tl_cert **out, tl_err *e)
{
	WOLFSSL_EVP_PKEY *pk;
	unsigned char *spki = NULL;
	int spki_len;
	WOLFSSL_X509 *x;
	tl_cert *c;

	*out = NULL;
	if (len == 0 || len > 65535)
		return tl_fail(e, "request of %zu bytes is not plausible", len);
	x = wolfSSL_X509_REQ_load_certificate_buffer(pem, (int)len,
						     WOLFSSL_FILETYPE_PEM);
	if (x == NULL)
		return tl_fail(e, "not a PKCS#10 request (PEM)");
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		wolfSSL_X509_free(x);
		return tl_fail(e, "out of memory");
	}
	c->x509 = x;
	c->subject = tl_x509_name_string(wolfSSL_X509_get_subject_name(x));
	c->issuer = strdup("");
	if (c->subject == NULL || c->issuer == NULL) {
		tl_cert_free(c);
		return tl_fail(e, "out of memory");
	}
	c->key_type = wolfSSL_X509_get_pubkey_type(x) == ECDSAk ? TL_KEY_EC : TL_KEY_RSA;
	/* wolfSSL_X509_get_pubkey_buffer reads a certificate's DER only */
	pk = wolfSSL_X509_get_pubkey(x);
	spki_len = pk ? wolfSSL_i2d_PUBKEY(pk, &spki) : -1;
	wolfSSL_EVP_PKEY_free(pk);
	if (spki_len <= 0 || pubkey_record_form(c, spki, spki_len) != 0) {
		XFREE(spki, NULL, DYNAMIC_TYPE_OPENSSL);
		tl_cert_free(c);
		return tl_fail(e, "the request's public key cannot be decoded");
	}
	XFREE(spki, NULL, DYNAMIC_TYPE_OPENSSL);
	read_san(c, x);
	read_sig_alg(c, x);
	*out = c;
	return 0;
}

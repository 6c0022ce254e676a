/* Generation: keys, and certificates and PKCS#10 requests made from a
 * tl_certspec, with the extensions wolfSSL cannot write spliced in. */
#include "x509priv.h"
#include <wolfssl/wolfcrypt/asn.h>
#include <wolfssl/wolfcrypt/asn_public.h>

#include "der.h"
#include "tlv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int tl_key_generate(int type, int bits, tl_key **out, tl_err *e)
{
	WC_RNG *r = tl_x509_rng();
	tl_key *k = calloc(1, sizeof(*k));
	int rc;

	if (k == NULL || r == NULL) {
		free(k);
		return tl_fail(e, "out of memory");
	}
	k->type = type;
	if (type == TL_KEY_RSA) {
		if (bits < 512 || bits > 4096)
			rc = BAD_FUNC_ARG;
		else if ((rc = wc_InitRsaKey(&k->u.rsa, NULL)) == 0) {
			rc = wc_MakeRsaKey(&k->u.rsa, bits, WC_RSA_EXPONENT, r);
			if (rc != 0)
				wc_FreeRsaKey(&k->u.rsa);
		}
	} else {
		if ((rc = wc_ecc_init(&k->u.ecc)) == 0) {
			rc = wc_ecc_make_key(r, (bits + 7) / 8, &k->u.ecc);
			if (rc != 0)
				wc_ecc_free(&k->u.ecc);
		}
	}
	if (rc != 0) {
		free(k);
		return tl_fail(e, "cannot generate %s-%d key: %s",
			       tl_x509_keytype_name(type), bits, wc_msg(rc));
	}
	*out = k;
	return 0;
}

/* ---- certificates and requests ---- */

/* X.509 Time: UTCTime through 2049, GeneralizedTime after, always GMT with
 * seconds and no fractions (docs/certificates.md). */
static int set_date(byte *out, int *out_len, time_t t)
{
	struct tm tm;
	char s[20];
	int n;

	if (gmtime_r(&t, &tm) == NULL)
		return -1;
	if (tm.tm_year + 1900 < 2050) {
		n = (int)strftime(s, sizeof(s), "%y%m%d%H%M%SZ", &tm);
		out[0] = 0x17;	/* ASN.1 UTCTime */
	} else {
		n = (int)strftime(s, sizeof(s), "%Y%m%d%H%M%SZ", &tm);
		out[0] = 0x18;	/* ASN.1 GeneralizedTime */
	}
	out[1] = (byte)n;
	memcpy(out + 2, s, (size_t)n);
	*out_len = n + 2;
	return 0;
}

static int sig_type(int key_type, int hash_alg)
{
	static const int rsa[] = { [TL_HASH_SHA1] = CTC_SHAwRSA,
		[TL_HASH_SHA256] = CTC_SHA256wRSA, [TL_HASH_SHA512] = CTC_SHA512wRSA };
	static const int ec[] = { [TL_HASH_SHA1] = CTC_SHAwECDSA,
		[TL_HASH_SHA256] = CTC_SHA256wECDSA, [TL_HASH_SHA512] = CTC_SHA512wECDSA };

	if (hash_alg == TL_HASH_SHA384)
		return key_type == TL_KEY_RSA ? CTC_SHA384wRSA : CTC_SHA384wECDSA;
	if (hash_alg < TL_HASH_SHA1 || hash_alg > TL_HASH_SHA512)
		return -1;
	return key_type == TL_KEY_RSA ? rsa[hash_alg] : ec[hash_alg];
}

static void copy_name(char *dst, const char *src)
{
	if (src)
		snprintf(dst, CTC_NAME_SIZE, "%s", src);
}

/* Extension ::= SEQUENCE { OID, OCTET STRING { SEQUENCE { list } } };
 * frees list. */
static void put_extension(tl_buf *out, const uint8_t *oid, size_t oid_len,
			  tl_buf *list)
{
	tl_buf val, ext;

	tl_buf_init(&val);
	tl_der_put(&val, 0x30, list->p, list->len);
	tl_buf_init(&ext);
	tl_buf_add(&ext, oid, oid_len);
	tl_der_put(&ext, 0x04, val.p, val.len);
	tl_der_put(out, 0x30, ext.p, ext.len);
	tl_buf_free(list);
	tl_buf_free(&val);
	tl_buf_free(&ext);
}

/* The DER of extensions wolfSSL's Cert cannot express (see der.h): an
 * extendedKeyUsage listing OIDs, and a subjectAltName with DNS names and a
 * URI. Empty when the spec needs neither. */
static void extra_extensions(const tl_certspec *s, tl_buf *out)
{
	static const uint8_t eku_oid[] = { 0x06, 0x03, 0x55, 0x1d, 0x25 };
	static const uint8_t san_oid[] = { 0x06, 0x03, 0x55, 0x1d, 0x11 };
	static const struct { unsigned bit; uint8_t last; } ekus[] = {
		{ TL_EKU_SERVER_AUTH, 1 }, { TL_EKU_CLIENT_AUTH, 2 },
		{ TL_EKU_IPSEC_END_SYSTEM, 5 },
	};
	tl_buf list;

	tl_buf_init(out);
	if (s->critical_basic) {
		/* basicConstraints, critical, CA:FALSE (an empty SEQUENCE) */
		static const uint8_t bc[] = { 0x30, 0x0c, 0x06, 0x03, 0x55, 0x1d, 0x13,
					      0x01, 0x01, 0xff, 0x04, 0x02, 0x30, 0x00 };

		tl_buf_add(out, bc, sizeof(bc));
	}
	if (s->ext_key_usage & TL_EKU_IPSEC_END_SYSTEM) {
		tl_buf_init(&list);
		for (size_t i = 0; i < sizeof(ekus) / sizeof(ekus[0]); i++) {
			/* id-kp: 1.3.6.1.5.5.7.3.n */
			uint8_t oid[] = { 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03,
					  ekus[i].last };

			if (s->ext_key_usage & ekus[i].bit)
				tl_der_put(&list, 0x06, oid, sizeof(oid));
		}
		put_extension(out, eku_oid, sizeof(eku_oid), &list);
	}
	if ((s->san_dns && s->san_dns[0]) || s->san_uri) {
		tl_buf_init(&list);
		for (size_t i = 0; s->san_dns && s->san_dns[i]; i++)
			tl_der_put(&list, 0x82, s->san_dns[i], strlen(s->san_dns[i]));
		if (s->san_uri)
			tl_der_put(&list, 0x86, s->san_uri, strlen(s->san_uri));
		put_extension(out, san_oid, sizeof(san_oid), &list);
	}
}

/* Fills a wolfSSL Cert from a spec: names, serial, algorithm, extensions it
 * can write itself. Shared by certificates and requests. */
static int fill_cert(Cert *cert, const tl_certspec *s, int signer_type,
		     int subject_type, void *subject_key, tl_err *e)
{
	int kt = subject_type == TL_KEY_RSA ? RSA_TYPE : ECC_TYPE;

	wc_InitCert(cert);
	copy_name(cert->subject.commonName, s->cn);
	copy_name(cert->subject.unit, s->ou);
	copy_name(cert->subject.org, s->o);
	copy_name(cert->subject.locality, s->l);
	copy_name(cert->subject.state, s->st);
	copy_name(cert->subject.country, s->c);
	if (s->serial) {
		if (s->serial_len == 0 || s->serial_len > CTC_SERIAL_SIZE - 1)
			return tl_fail(e, "serial number must be 1 to %d bytes",
				       CTC_SERIAL_SIZE - 1);
		memcpy(cert->serial, s->serial, s->serial_len);
		cert->serialSz = (int)s->serial_len;
	} else {
		cert->serialSz = 16;
		if (tl_random(cert->serial, 16, e))
			return -1;
		cert->serial[0] &= 0x7f;	/* positive, no sign byte needed */
		cert->serial[0] |= 0x40;	/* and exactly 16 bytes long */
	}
	cert->sigType = sig_type(signer_type, s->hash_alg ? s->hash_alg
							  : TL_HASH_SHA256);
	if (cert->sigType < 0)
		return tl_fail(e, "unsupported signature hash");
	cert->isCA = s->is_ca;
	/* a critical basicConstraints is spliced in instead (see der.h) */
	cert->basicConstSet = !s->critical_basic;
	cert->keyUsage = (word16)s->key_usage;
	if (!(s->ext_key_usage & TL_EKU_IPSEC_END_SYSTEM))
		cert->extKeyUsage = (byte)s->ext_key_usage;
	if (wc_SetSubjectKeyIdFromPublicKey_ex(cert, kt, subject_key))
		return tl_fail(e, "cannot compute the subject key identifier");
	return 0;
}

/* Appends extra extensions to a to-be-signed structure at path and copies
 * the result over der; returns the new length or -1. */
static int splice_exts(uint8_t *der, size_t cap, int body_len, const tl_buf *extra,
		  const tl_der_step *path, int depth, tl_err *e)
{
	tl_buf out;
	int n;

	if (extra->len == 0)
		return body_len;
	tl_buf_init(&out);
	if (tl_der_append_at(der, (size_t)body_len, path, depth, extra->p,
			     extra->len, &out) || out.len > cap) {
		tl_buf_free(&out);
		return tl_fail(e, "cannot add the extended key usage or subject "
			       "alternative name extension");
	}
	memcpy(der, out.p, out.len);
	n = (int)out.len;
	tl_buf_free(&out);
	return n;
}

static int make_cert(const tl_certspec *s, int subject_type, void *subject_key,
		     const tl_key *signer, tl_cert **out, tl_err *e)
{
	static const tl_der_step tbs_exts[] = { { 0xa3, NULL, 0 }, { 0x30, NULL, 0 } };
	int kt = subject_type == TL_KEY_RSA ? RSA_TYPE : ECC_TYPE;
	int st = signer->type == TL_KEY_RSA ? RSA_TYPE : ECC_TYPE;
	WC_RNG *r = tl_x509_rng();
	uint8_t der[8192];
	tl_buf extra;
	Cert *cert;
	int rc, len;

	cert = calloc(1, sizeof(*cert));
	if (cert == NULL || r == NULL) {
		free(cert);
		return tl_fail(e, "out of memory");
	}
	if (fill_cert(cert, s, signer->type, subject_type, subject_key, e)) {
		free(cert);
		return -1;
	}
	if (set_date(cert->beforeDate, &cert->beforeDateSz, s->not_before) ||
	    set_date(cert->afterDate, &cert->afterDateSz, s->not_after)) {
		free(cert);
		return tl_fail(e, "certificate validity dates out of range");
	}
	rc = 0;
	if (s->issuer)
		rc = wc_SetIssuerBuffer(cert, s->issuer->der, (int)s->issuer->der_len);
	if (rc == 0 && s->issuer)
		rc = wc_SetAuthKeyIdFromCert(cert, s->issuer->der,
					     (int)s->issuer->der_len);
	else if (rc == 0) {
		cert->selfSigned = 1;
		memcpy(cert->akid, cert->skid, (size_t)cert->skidSz);
		cert->akidSz = cert->skidSz;
	}
	if (rc == 0)
		rc = wc_MakeCert_ex(cert, der, sizeof(der), kt, subject_key, r);
	if (rc < 0) {
		free(cert);
		return tl_fail(e, "cannot make certificate CN=%s: %s",
			       s->cn ? s->cn : "", wc_msg(rc));
	}
	extra_extensions(s, &extra);
	len = splice_exts(der, sizeof(der), cert->bodySz, &extra, tbs_exts, 2, e);
	tl_buf_free(&extra);
	if (len >= 0)
		len = wc_SignCert_ex(len, cert->sigType, der, sizeof(der), st,
				     (void *)&signer->u, r);
	free(cert);
	if (len < 0)
		return tl_fail(e, "cannot sign certificate CN=%s: %s",
			       s->cn ? s->cn : "", wc_msg(len));
	return tl_cert_from_der(der, (size_t)len, out, e);
}

int tl_cert_make(const tl_certspec *s, const tl_key *subject_key,
		 tl_cert **out, tl_err *e)
{
	return make_cert(s, subject_key->type, (void *)&subject_key->u,
			 s->issuer_key ? s->issuer_key : subject_key, out, e);
}

int tl_cert_make_for(const tl_certspec *s, const tl_pub *subject,
		     tl_cert **out, tl_err *e)
{
	if (s->issuer_key == NULL || s->issuer == NULL)
		return tl_fail(e, "a certificate for a public key needs an issuer");
	return make_cert(s, subject->type, (void *)&subject->u, s->issuer_key, out, e);
}

int tl_csr_make(const tl_certspec *s, const tl_key *key, uint8_t **der_out,
		size_t *der_len, tl_err *e)
{
	/* attributes [0] > the extensionRequest attribute > SET > Extensions */
	static const uint8_t ext_req[] = { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
					   0xf7, 0x0d, 0x01, 0x09, 0x0e };
	static const tl_der_step req_exts[] = {
		{ 0xa0, NULL, 0 }, { 0x30, ext_req, sizeof(ext_req) },
		{ 0x31, NULL, 0 }, { 0x30, NULL, 0 },
	};
	int kt = key->type == TL_KEY_RSA ? RSA_TYPE : ECC_TYPE;
	WC_RNG *r = tl_x509_rng();
	uint8_t der[8192];
	tl_buf extra;
	Cert *cert;
	int len;

	cert = calloc(1, sizeof(*cert));
	if (cert == NULL || r == NULL) {
		free(cert);
		return tl_fail(e, "out of memory");
	}
	if (fill_cert(cert, s, key->type, key->type, (void *)&key->u, e)) {
		free(cert);
		return -1;
	}
	len = wc_MakeCertReq_ex(cert, der, sizeof(der), kt, (void *)&key->u);
	if (len < 0) {
		free(cert);
		return tl_fail(e, "cannot make request CN=%s: %s", s->cn ? s->cn : "",
			       wc_msg(len));
	}
	extra_extensions(s, &extra);
	len = splice_exts(der, sizeof(der), cert->bodySz, &extra, req_exts, 4, e);
	tl_buf_free(&extra);
	if (len >= 0)
		len = wc_SignCert_ex(len, cert->sigType, der, sizeof(der), kt,
				     (void *)&key->u, r);
	free(cert);
	if (len < 0)
		return tl_fail(e, "cannot sign request CN=%s: %s", s->cn ? s->cn : "",
			       wc_msg(len));
	*der_out = malloc((size_t)len);
	if (*der_out == NULL)
		return tl_fail(e, "out of memory");
	memcpy(*der_out, der, (size_t)len);
	*der_len = (size_t)len;
	return 0;
}

int tl_csr_to_pem(const uint8_t *der, size_t len, char **pem, tl_err *e)
{
	if (tl_x509_der_to_pem(der, len, CERTREQ_TYPE, pem))
		return tl_fail(e, "cannot encode the request as PEM");
	return 0;
}

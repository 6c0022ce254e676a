/* Verification: digests, signatures (with DigestInfo, and CAPF's over the
 * bare digest) made and checked, and certificates checked against their
 * issuers up to a root. */
#include "x509priv.h"
#include <wolfssl/wolfcrypt/asn.h>
#include <wolfssl/wolfcrypt/hash.h>

#include <string.h>

static enum wc_HashType wc_hash_type(int alg)
{
	switch (alg) {
	case TL_HASH_SHA1: return WC_HASH_TYPE_SHA;
	case TL_HASH_SHA256: return WC_HASH_TYPE_SHA256;
	case TL_HASH_SHA384: return WC_HASH_TYPE_SHA384;
	case TL_HASH_SHA512: return WC_HASH_TYPE_SHA512;
	case TL_HASH_MD5: return WC_HASH_TYPE_MD5;
	default: return WC_HASH_TYPE_NONE;
	}
}

int tl_hash_len(int alg)
{
	enum wc_HashType t = wc_hash_type(alg);

	return t == WC_HASH_TYPE_NONE ? -1 : wc_HashGetDigestSize(t);
}

const char *tl_hash_name(int alg)
{
	switch (alg) {
	case TL_HASH_SHA1: return "SHA-1";
	case TL_HASH_SHA256: return "SHA-256";
	case TL_HASH_SHA384: return "SHA-384";
	case TL_HASH_SHA512: return "SHA-512";
	case TL_HASH_MD5: return "MD5";
	default: return "unknown";
	}
}

int tl_hash_parse(const char *s)
{
	static const struct { const char *n; int alg; } names[] = {
		{ "sha1", TL_HASH_SHA1 }, { "sha-1", TL_HASH_SHA1 },
		{ "sha256", TL_HASH_SHA256 }, { "sha-256", TL_HASH_SHA256 },
		{ "sha384", TL_HASH_SHA384 }, { "sha-384", TL_HASH_SHA384 },
		{ "sha512", TL_HASH_SHA512 }, { "sha-512", TL_HASH_SHA512 },
		{ "md5", TL_HASH_MD5 },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(s, names[i].n) == 0)
			return names[i].alg;
	return -1;
}

static int hash_spans(int alg, const tl_span *parts, int nparts,
		      uint8_t out[TL_HASH_MAX])
{
	enum wc_HashType t = wc_hash_type(alg);
	wc_HashAlg h;

	if (t == WC_HASH_TYPE_NONE || wc_HashInit(&h, t) != 0)
		return -1;
	for (int i = 0; i < nparts; i++)
		if (parts[i].len && wc_HashUpdate(&h, t, parts[i].p,
						  (word32)parts[i].len) != 0) {
			wc_HashFree(&h, t);
			return -1;
		}
	if (wc_HashFinal(&h, t, out) != 0) {
		wc_HashFree(&h, t);
		return -1;
	}
	wc_HashFree(&h, t);
	return wc_HashGetDigestSize(t);
}

int tl_hash(int alg, const void *data, size_t len, uint8_t out[TL_HASH_MAX])
{
	tl_span s = { data, len };

	return hash_spans(alg, &s, 1, out);
}

/* ---- signatures ---- */

int tl_sig_size(const tl_key *k)
{
	if (k->type == TL_KEY_RSA)
		return wc_RsaEncryptSize((RsaKey *)&k->u.rsa);
	return wc_ecc_sig_size((ecc_key *)&k->u.ecc);
}

int tl_sign(const tl_key *k, int hash_alg, const tl_span *parts, int nparts,
	    uint8_t *sig, size_t *sig_len, tl_err *e)
{
	uint8_t digest[TL_HASH_MAX], enc[TL_HASH_MAX + 32];
	int dlen = hash_spans(hash_alg, parts, nparts, digest), rc;
	WC_RNG *r = tl_x509_rng();

	if (dlen < 0 || r == NULL)
		return tl_fail(e, "unsupported hash algorithm %d", hash_alg);
	if (k->type == TL_KEY_RSA) {
		word32 elen = wc_EncodeSignature(enc, digest, (word32)dlen,
						 wc_HashGetOID(wc_hash_type(hash_alg)));

		rc = wc_RsaSSL_Sign(enc, elen, sig, (word32)*sig_len,
				    (RsaKey *)&k->u.rsa, r);
		if (rc > 0) {
			*sig_len = (size_t)rc;
			rc = 0;
		}
	} else {
		word32 n = (word32)*sig_len;

		rc = wc_ecc_sign_hash(digest, (word32)dlen, sig, &n, r,
				      (ecc_key *)&k->u.ecc);
		*sig_len = n;
	}
	if (rc != 0)
		return tl_fail(e, "signing failed: %s", wc_msg(rc));
	return 0;
}

int tl_verify(const tl_pub *k, int hash_alg, const tl_span *parts, int nparts,
	      const uint8_t *sig, size_t sig_len, tl_err *e)
{
	uint8_t digest[TL_HASH_MAX], enc[TL_HASH_MAX + 32], dec[1024];
	int dlen = hash_spans(hash_alg, parts, nparts, digest);

	if (dlen < 0)
		return tl_fail(e, "unsupported hash algorithm %d", hash_alg);
	if (k->type == TL_KEY_RSA) {
		word32 elen = wc_EncodeSignature(enc, digest, (word32)dlen,
						 wc_HashGetOID(wc_hash_type(hash_alg)));
		int n;

		if (sig_len != (size_t)wc_RsaEncryptSize((RsaKey *)&k->u.rsa))
			return tl_fail(e, "signature is %zu bytes, the RSA-%d key "
				       "makes %d-byte signatures", sig_len,
				       tl_pub_bits(k), tl_pub_bits(k) / 8);
		n = wc_RsaSSL_Verify(sig, (word32)sig_len, dec, sizeof(dec),
				     (RsaKey *)&k->u.rsa);
		if (n < 0 || (word32)n != elen || memcmp(dec, enc, elen) != 0)
			return tl_fail(e, "%s/RSA signature does not match the data",
				       tl_hash_name(hash_alg));
	} else {
		int res = 0, rc;

		rc = wc_ecc_verify_hash(sig, (word32)sig_len, digest, (word32)dlen,
					&res, (ecc_key *)&k->u.ecc);
		if (rc != 0 || res != 1)
			return tl_fail(e, "%s/ECDSA signature does not match the data",
				       tl_hash_name(hash_alg));
	}
	return 0;
}

int tl_sign_digest_raw(const tl_key *k, int hash_alg, const tl_span *parts,
		       int nparts, uint8_t *sig, size_t *sig_len, tl_err *e)
{
	uint8_t digest[TL_HASH_MAX];
	int dlen = hash_spans(hash_alg, parts, nparts, digest), rc;
	word32 n = (word32)*sig_len;

	if (dlen < 0)
		return tl_fail(e, "unsupported hash algorithm %d", hash_alg);
	if (k->type == TL_KEY_RSA) {
		rc = wc_RsaSSL_Sign(digest, (word32)dlen, sig, n, (RsaKey *)&k->u.rsa,
				    tl_x509_rng());
		if (rc > 0) {
			*sig_len = (size_t)rc;
			rc = 0;
		}
	} else {
		rc = wc_ecc_sign_hash(digest, (word32)dlen, sig, &n,
				      tl_x509_rng(), (ecc_key *)&k->u.ecc);
		*sig_len = n;
	}
	if (rc != 0)
		return tl_fail(e, "signing failed: %s", wc_msg(rc));
	return 0;
}

int tl_verify_digest_raw(const tl_pub *k, int hash_alg, const tl_span *parts,
			 int nparts, const uint8_t *sig, size_t sig_len, tl_err *e)
{
	uint8_t digest[TL_HASH_MAX], dec[1024];
	int dlen = hash_spans(hash_alg, parts, nparts, digest), res = 0, n;

	if (dlen < 0)
		return tl_fail(e, "unsupported hash algorithm %d", hash_alg);
	if (k->type == TL_KEY_RSA) {
		n = wc_RsaSSL_Verify(sig, (word32)sig_len, dec, sizeof(dec),
				     (RsaKey *)&k->u.rsa);
		if (n != dlen || memcmp(dec, digest, (size_t)dlen) != 0)
			return tl_fail(e, "%s signature over the bare digest does not "
				       "match", tl_hash_name(hash_alg));
		return 0;
	}
	if (wc_ecc_verify_hash(sig, (word32)sig_len, digest, (word32)dlen, &res,
			       (ecc_key *)&k->u.ecc) != 0 || res != 1)
		return tl_fail(e, "%s/ECDSA signature does not match",
			       tl_hash_name(hash_alg));
	return 0;
}

/* ---- chains ---- */

int tl_cert_issued_by(const tl_cert *c, const tl_cert *issuer)
{
	WOLFSSL_EVP_PKEY *pk;
	int ok;

	if (!tl_name_equal(c->issuer, issuer->subject))
		return 0;
	pk = wolfSSL_X509_get_pubkey(issuer->x509);
	if (pk == NULL)
		return 0;
	ok = wolfSSL_X509_verify(c->x509, pk) == WOLFSSL_SUCCESS;
	wolfSSL_EVP_PKEY_free(pk);
	return ok;
}

int tl_chain_check(const tl_cert *c, tl_cert *const *pool, size_t n, tl_err *e)
{
	const tl_cert *at = c;

	/* a chain longer than the pool would revisit a certificate */
	for (size_t depth = 0; depth <= n; depth++) {
		size_t i;

		if (tl_name_equal(at->subject, at->issuer) && tl_cert_issued_by(at, at))
			return 0;
		for (i = 0; i < n; i++)
			if (pool[i] != at && tl_cert_issued_by(at, pool[i]))
				break;
		if (i == n && tl_name_equal(at->subject, at->issuer))
			return tl_fail(e, "the signature of %s does not verify with its "
				       "own key: the certificate is damaged or was "
				       "altered", at->subject) - 1;
		if (i == n)
			return tl_fail(e, "chain incomplete: the issuer of %s (%s) is in "
				       "no trust store and not in the given chain "
				       "(unknown CA): add it with `trustline cert trust "
				       "add` or --chain", at->subject, at->issuer);
		at = pool[i];
	}
	return tl_fail(e, "chain of %s loops", c->subject);
}

int tl_cert_names_issuer(const tl_cert *c, const tl_cert *issuer)
{
	uint8_t aki[64], ski[64];
	int alen = sizeof(aki), slen = sizeof(ski);

	if (!tl_name_equal(c->issuer, issuer->subject))
		return 0;
	if (c->x509 == NULL || issuer->x509 == NULL ||
	    wolfSSL_X509_get_authorityKeyID(c->x509, aki, &alen) == NULL ||
	    wolfSSL_X509_get_subjectKeyID(issuer->x509, ski, &slen) == NULL)
		return 1;
	return alen == slen && memcmp(aki, ski, (size_t)alen) == 0;
}

int tl_cert_key_id(const tl_cert *c, uint8_t out[64])
{
	uint8_t h[TL_HASH_MAX];
	int n = 64;

	if (c->x509 && wolfSSL_X509_get_subjectKeyID(c->x509, out, &n) && n > 0)
		return n;
	if (tl_hash(TL_HASH_SHA1, c->pubkey, c->pubkey_len, h) != 20)
		return -1;
	memcpy(out, h, 20);
	return 20;
}

/* Keys: private keys read from PEM or DER and written as PEM, public keys
 * from trust-list records, certificates and SubjectPublicKeyInfo, and
 * whether a private key belongs to a certificate. */
#include "x509priv.h"
#include <wolfssl/wolfcrypt/asn.h>
#include <wolfssl/wolfcrypt/asn_public.h>

#include <stdlib.h>
#include <string.h>

static void key_free_union(int type, void *u)
{
	if (type == TL_KEY_RSA)
		wc_FreeRsaKey(u);
	else
		wc_ecc_free(u);
}

void tl_key_free(tl_key *k)
{
	if (k == NULL)
		return;
	key_free_union(k->type, &k->u);
	explicit_bzero(k, sizeof(*k));
	free(k);
}

void tl_pub_free(tl_pub *p)
{
	if (p == NULL)
		return;
	key_free_union(p->type, &p->u);
	free(p);
}

const char *tl_x509_keytype_name(int type)
{
	return type == TL_KEY_RSA ? "RSA" : "EC";
}

int tl_key_type(const tl_key *k)
{
	return k->type;
}

int tl_key_bits(const tl_key *k)
{
	return k->type == TL_KEY_RSA ? rsa_bits(&k->u.rsa)
				     : ecc_bits((ecc_key *)&k->u.ecc);
}

int tl_pub_bits(const tl_pub *p)
{
	return p->type == TL_KEY_RSA ? rsa_bits(&p->u.rsa)
				     : ecc_bits((ecc_key *)&p->u.ecc);
}

int tl_pub_type(const tl_pub *p)
{
	return p->type;
}

static int key_from_der(uint8_t *der, word32 len, tl_key *k)
{
	word32 starts[2] = { 0, 0 }, idx = 0;

	if (wc_GetPkcs8TraditionalOffset(der, &idx, len) >= 0)
		starts[1] = idx;
	for (int s = 0; s < 2; s++) {
		word32 i = starts[s];

		if (wc_InitRsaKey(&k->u.rsa, NULL) != 0)
			return -1;
		if (wc_RsaPrivateKeyDecode(der, &i, &k->u.rsa, len) == 0) {
			k->type = TL_KEY_RSA;
			return 0;
		}
		wc_FreeRsaKey(&k->u.rsa);
		i = starts[s];
		if (wc_ecc_init(&k->u.ecc) != 0)
			return -1;
		if (wc_EccPrivateKeyDecode(der, &i, &k->u.ecc, len) == 0) {
			k->type = TL_KEY_EC;
			return 0;
		}
		wc_ecc_free(&k->u.ecc);
	}
	return -1;
}

int tl_key_from_mem(const uint8_t *buf, size_t len, const char *name,
		    tl_key **out, tl_err *e)
{
	uint8_t *der;
	int der_len = (int)len, rc;
	tl_key *k;

	der = malloc(len + 1);
	k = calloc(1, sizeof(*k));
	if (der == NULL || k == NULL) {
		free(der);
		free(k);
		return tl_fail(e, "%s: out of memory", name);
	}
	if (is_pem(buf, len)) {
		der_len = wc_KeyPemToDer(buf, (int)len, der, (int)len, NULL);
		if (der_len <= 0) {
			free(der);
			free(k);
			return tl_fail(e, "%s: no unencrypted private key (PEM \"PRIVATE "
				       "KEY\" block) found", name);
		}
	} else {
		memcpy(der, buf, len);
	}
	rc = key_from_der(der, (word32)der_len, k);
	explicit_bzero(der, len);
	free(der);
	if (rc != 0) {
		free(k);
		return tl_fail(e, "%s: not an RSA or EC private key", name);
	}
	*out = k;
	return 0;
}

static int key_parse(const uint8_t *buf, size_t len, const char *name,
		     void *out, tl_err *e)
{
	return tl_key_from_mem(buf, len, name, out, e);
}

int tl_key_load(const char *path, tl_key **out, tl_err *e)
{
	return tl_x509_load(path, key_parse, out, e);
}

int tl_key_to_pem(const tl_key *k, char **pem, tl_err *e)
{
	uint8_t der[8192];
	int n, rc;

	if (k->type == TL_KEY_RSA)
		n = wc_RsaKeyToDer((RsaKey *)&k->u.rsa, der, sizeof(der));
	else
		n = wc_EccKeyToDer((ecc_key *)&k->u.ecc, der, sizeof(der));
	if (n <= 0)
		return tl_fail(e, "cannot encode private key");
	rc = tl_x509_der_to_pem(der, (size_t)n, k->type == TL_KEY_RSA ?
			      PRIVATEKEY_TYPE : ECC_PRIVATEKEY_TYPE, pem);
	explicit_bzero(der, sizeof(der));
	if (rc)
		return tl_fail(e, "cannot encode private key as PEM");
	return 0;
}

int tl_pub_from_record(int key_type, const uint8_t *p, size_t len,
		       tl_pub **out, tl_err *e)
{
	tl_pub *k = calloc(1, sizeof(*k));
	word32 idx = 0;
	int rc;

	if (k == NULL)
		return tl_fail(e, "out of memory");
	k->type = key_type;
	if (key_type == TL_KEY_RSA) {
		rc = wc_InitRsaKey(&k->u.rsa, NULL);
		if (rc == 0 && (rc = wc_RsaPublicKeyDecode(p, &idx, &k->u.rsa,
							  (word32)len)) != 0)
			wc_FreeRsaKey(&k->u.rsa);
	} else {
		rc = wc_ecc_init(&k->u.ecc);
		if (rc == 0 && (rc = wc_ecc_import_x963(p, (word32)len,
							&k->u.ecc)) != 0)
			wc_ecc_free(&k->u.ecc);
	}
	if (rc != 0) {
		free(k);
		return tl_fail(e, "public key is not a valid %s key: %s",
			       key_type == TL_KEY_RSA ? "RSA (PKCS#1)" : "EC (X9.62)",
			       wc_msg(rc));
	}
	*out = k;
	return 0;
}

int tl_pub_from_cert(const tl_cert *c, tl_pub **out, tl_err *e)
{
	return tl_pub_from_record(c->key_type, c->pubkey, c->pubkey_len, out, e);
}

int tl_key_matches(const tl_key *k, const tl_cert *c, tl_err *e)
{
	uint8_t pub[1024];
	word32 n = sizeof(pub);
	int len;

	if (k->type != c->key_type)
		return tl_fail(e, "key is %s but the certificate %s holds an %s key",
			       tl_x509_keytype_name(k->type), c->subject,
			       tl_x509_keytype_name(c->key_type));
	if (k->type == TL_KEY_RSA) {
		len = wc_RsaKeyToPublicDer_ex((RsaKey *)&k->u.rsa, pub, n, 0);
		if (len > 0)
			n = (word32)len;
	} else {
		len = wc_ecc_export_x963((ecc_key *)&k->u.ecc, pub, &n);
		len = len == 0 ? (int)n : -1;
	}
	if (len <= 0 || n != c->pubkey_len || memcmp(pub, c->pubkey, n) != 0)
		return tl_fail(e, "private key does not match the certificate %s",
			       c->subject);
	return 0;
}

int tl_pub_from_spki(const uint8_t *der, size_t len, tl_pub **out, tl_err *e)
{
	tl_pub *k = calloc(1, sizeof(*k));
	word32 idx = 0;

	if (k == NULL)
		return tl_fail(e, "out of memory");
	if (wc_InitRsaKey(&k->u.rsa, NULL) == 0) {
		if (wc_RsaPublicKeyDecode(der, &idx, &k->u.rsa, (word32)len) == 0 &&
		    idx == len) {
			k->type = TL_KEY_RSA;
			*out = k;
			return 0;
		}
		wc_FreeRsaKey(&k->u.rsa);
	}
	idx = 0;
	if (wc_ecc_init(&k->u.ecc) == 0) {
		if (wc_EccPublicKeyDecode(der, &idx, &k->u.ecc, (word32)len) == 0 &&
		    idx == len) {
			k->type = TL_KEY_EC;
			*out = k;
			return 0;
		}
		wc_ecc_free(&k->u.ecc);
	}
	free(k);
	return tl_fail(e, "public key of %zu bytes is not an RSA or EC "
		       "SubjectPublicKeyInfo", len);
}

int tl_key_spki(const tl_key *k, uint8_t **der, size_t *len, tl_err *e)
{
	uint8_t buf[1200];
	int n;

	if (k->type == TL_KEY_RSA)
		n = wc_RsaKeyToPublicDer_ex((RsaKey *)&k->u.rsa, buf, sizeof(buf), 1);
	else
		n = wc_EccPublicKeyToDer((ecc_key *)&k->u.ecc, buf, sizeof(buf), 1);
	if (n <= 0 || (*der = malloc((size_t)n)) == NULL)
		return tl_fail(e, "cannot encode the public key");
	memcpy(*der, buf, (size_t)n);
	*len = (size_t)n;
	return 0;
}

int tl_pub_curve(const tl_pub *p)
{
	return p->type == TL_KEY_EC ? ecc_bits((ecc_key *)&p->u.ecc) : 0;
}

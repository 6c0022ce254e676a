/* Certificates and keys over wolfSSL: load PEM or DER, names in the
 * `attr=value,...` form of docs/protocols.md, serials, hashes, public-key
 * encodings, signing and verification, and a small certificate maker. One
 * interface over the lib/x509*.c files (x509.c says which holds what), the
 * only ones (with tlsconn.c) that include wolfSSL headers. */
#ifndef TL_X509_H
#define TL_X509_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"

/* Hash algorithm numbers as the signed-file header writes them (tag 8). */
enum tl_hash {
	TL_HASH_SHA1 = 1,
	TL_HASH_SHA256 = 2,
	TL_HASH_SHA512 = 3,
	TL_HASH_MD5 = 100,	/* not a header value: fingerprints only */
	TL_HASH_SHA384 = 101,	/* not a header value: certificate signing only */
};
#define TL_HASH_MAX 64

enum tl_keytype { TL_KEY_RSA = 0, TL_KEY_EC = 1 };
/* "RSA" or "EC", as messages and listings name a key type. */
const char *tl_x509_keytype_name(int type);

#define TL_SERIAL_MAX 32

typedef struct tl_cert {
	uint8_t *der;
	size_t der_len;
	char *subject;		/* "CN=x,OU=y,..." in certificate order */
	char *issuer;
	uint8_t serial[TL_SERIAL_MAX];	/* minimal big-endian, no sign byte */
	size_t serial_len;
	int key_type;		/* enum tl_keytype */
	int key_bits;
	uint8_t *pubkey;	/* RSA: PKCS#1 RSAPublicKey; EC: X9.62 point */
	size_t pubkey_len;
	uint8_t *sig;		/* the certificate's own signature */
	size_t sig_len;
	time_t not_before, not_after;
	unsigned key_usage;	/* TL_KU_* bits; 0 when the extension is absent */
	int has_ext_key_usage;
	unsigned ext_key_usage;	/* TL_EKU_* bits */
	int is_ca;
	char **san;		/* subjectAltName DNS names and URIs */
	size_t nsan;
	int sig_hash;		/* TL_HASH_* of the certificate's own signature */
	char sig_alg[48];	/* e.g. "sha256WithRSAEncryption" */
	void *x509;		/* WOLFSSL_X509 */
} tl_cert;

typedef struct tl_key tl_key;	/* a private key (RSA or EC) */
typedef struct tl_pub tl_pub;	/* a public key (RSA or EC) */

/* Loading. A path may hold PEM (several blocks: certificate and key in one
 * file is fine) or DER. The cert loaders take the first certificate. */
int tl_cert_from_der(const uint8_t *der, size_t len, tl_cert **out, tl_err *e);
/* Only subject, issuer, serial, key type, key size and public key (the rest
 * zero), refusing what tl_cert_from_der refuses, at a fraction of its cost:
 * for checking trust-list records against their certificates. */
int tl_cert_ids_from_der(const uint8_t *der, size_t len, tl_cert **out,
			 tl_err *e);
int tl_cert_from_mem(const uint8_t *buf, size_t len, const char *name,
		     tl_cert **out, tl_err *e);
int tl_cert_load(const char *path, tl_cert **out, tl_err *e);
void tl_cert_free(tl_cert *c);

int tl_key_from_mem(const uint8_t *buf, size_t len, const char *name,
		    tl_key **out, tl_err *e);
int tl_key_load(const char *path, tl_key **out, tl_err *e);
void tl_key_free(tl_key *k);
int tl_key_type(const tl_key *k);
int tl_key_bits(const tl_key *k);
/* 0 when the private key belongs to the certificate. */
int tl_key_matches(const tl_key *k, const tl_cert *c, tl_err *e);
/* PEM text of the key (traditional "RSA/EC PRIVATE KEY"), malloc'ed. */
int tl_key_to_pem(const tl_key *k, char **pem, tl_err *e);
int tl_cert_to_pem(const tl_cert *c, char **pem, tl_err *e);

/* Public keys from a trust-list record (PKCS#1 for RSA, X9.62 for EC) or a
 * certificate. */
int tl_pub_from_record(int key_type, const uint8_t *p, size_t len,
		       tl_pub **out, tl_err *e);
int tl_pub_from_cert(const tl_cert *c, tl_pub **out, tl_err *e);
void tl_pub_free(tl_pub *p);
int tl_pub_bits(const tl_pub *p);
int tl_pub_type(const tl_pub *p);

/* Digests. Returns the digest length, or -1. */
int tl_hash(int alg, const void *data, size_t len, uint8_t out[TL_HASH_MAX]);
int tl_hash_len(int alg);
const char *tl_hash_name(int alg);	/* "SHA-1", ... */
int tl_hash_parse(const char *s);	/* "sha1" -> TL_HASH_SHA1, else -1 */

/* Signatures: RSA PKCS#1 v1.5 with DigestInfo, or ECDSA (DER). *sig_len is
 * in/out. Data may be given in pieces (iov-like) so a signed region with a
 * hole needs no copy. */
typedef struct tl_span {
	const uint8_t *p;
	size_t len;
} tl_span;
int tl_sign(const tl_key *k, int hash_alg, const tl_span *parts, int nparts,
	    uint8_t *sig, size_t *sig_len, tl_err *e);
int tl_verify(const tl_pub *k, int hash_alg, const tl_span *parts, int nparts,
	      const uint8_t *sig, size_t sig_len, tl_err *e);
/* Size in bytes of a signature the key makes (RSA modulus bytes). */
int tl_sig_size(const tl_key *k);

/* CAPF's SIGNED_DATA form: RSA PKCS#1 type 1 over the bare digest (no
 * DigestInfo: the raw private-key operation on 00 01 FF.. 00 || hash), or
 * an ordinary ECDSA signature for EC keys. */
int tl_sign_digest_raw(const tl_key *k, int hash_alg, const tl_span *parts,
		       int nparts, uint8_t *sig, size_t *sig_len, tl_err *e);
int tl_verify_digest_raw(const tl_pub *k, int hash_alg, const tl_span *parts,
			 int nparts, const uint8_t *sig, size_t sig_len, tl_err *e);
/* SubjectPublicKeyInfo DER <-> keys (CAPF KEY_GEN_RESPONSE). */
int tl_pub_from_spki(const uint8_t *der, size_t len, tl_pub **out, tl_err *e);
int tl_key_spki(const tl_key *k, uint8_t **der, size_t *len, tl_err *e);
/* Curve size in bits of an EC key (256, 384, 521), 0 for RSA. */
int tl_pub_curve(const tl_pub *p);
/* One attribute ("CN", "O", "OU", "L", "ST", "C") of the subject (or the
 * issuer) name; -1 when absent. */
int tl_cert_name_attr(const tl_cert *c, int issuer, const char *attr, char *buf,
		      size_t n);

/* RSA PKCS#1 v1.5 encryption (key wrapping) and decryption. */
int tl_rsa_encrypt(const tl_pub *k, const uint8_t *in, size_t in_len,
		   uint8_t *out, size_t *out_len, tl_err *e);
int tl_rsa_decrypt(const tl_key *k, const uint8_t *in, size_t in_len,
		   uint8_t *out, size_t *out_len, tl_err *e);

/* AES-128-CBC without padding (len a multiple of 16). */
int tl_aes128_cbc(int encrypt, const uint8_t key[16], const uint8_t iv[16],
		  const uint8_t *in, uint8_t *out, size_t len, tl_err *e);

int tl_random(uint8_t *buf, size_t len, tl_err *e);
/* 0 when a new random generator can be seeded here and now without
 * opening a file (getrandom(2)): a process about to chroot asks, and asks
 * again inside. */
int tl_random_seedable(tl_err *e);

/* 1 when issuer's name and key issued c (its signature verifies). */
int tl_cert_issued_by(const tl_cert *c, const tl_cert *issuer);
/* Walks c's chain through pool up to a self-signed root, every signature
 * verified, the root's own too. 0 when complete; -2 when the root's own
 * signature does not verify; -1 otherwise, e naming the missing issuer.
 * Dates are not checked here. */
int tl_chain_check(const tl_cert *c, tl_cert *const *pool, size_t n, tl_err *e);

/* Certificate subject/issuer names: compare a header name string (either
 * separator, RFC 4514 escapes) with a certificate's name. 1 equal, 0 not. */
int tl_name_equal(const char *a, const char *b);
/* Serial numbers, ignoring leading zero bytes. 1 equal, 0 not. */
int tl_serial_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);
/* "6d:ee:..." lower-case colon hex, malloc'ed. */
char *tl_hex(const uint8_t *p, size_t len, int colons);

/* Key generation and a small certificate maker. */
int tl_key_generate(int type, int bits, tl_key **out, tl_err *e);

typedef struct tl_certspec {
	const char *cn, *ou, *o, *l, *st, *c;
	const uint8_t *serial;	/* NULL: 16 random bytes */
	size_t serial_len;
	time_t not_before, not_after;
	int is_ca;
	int hash_alg;		/* TL_HASH_SHA1/SHA256/SHA384/SHA512 */
	unsigned key_usage;	/* TL_KU_* bits, 0 = no extension */
	unsigned ext_key_usage;	/* TL_EKU_* bits, 0 = no extension */
	const tl_cert *issuer;	/* NULL: self-signed */
	const tl_key *issuer_key;
	const char *const *san_dns;	/* NULL-terminated DNS names, or NULL */
	const char *san_uri;	/* a URI subjectAltName (LSCs), or NULL */
	int critical_basic;	/* basicConstraints CA:FALSE marked critical (LSCs) */
} tl_certspec;

#define TL_KU_DIGITAL_SIGNATURE 0x0080
#define TL_KU_KEY_ENCIPHERMENT 0x0020
#define TL_KU_DATA_ENCIPHERMENT 0x0010
#define TL_KU_KEY_AGREEMENT 0x0008
#define TL_KU_KEY_CERT_SIGN 0x0004
#define TL_KU_CRL_SIGN 0x0002
#define TL_EKU_SERVER_AUTH 0x02
#define TL_EKU_CLIENT_AUTH 0x04
#define TL_EKU_IPSEC_END_SYSTEM 0x100	/* 1.3.6.1.5.5.7.3.5 */

int tl_cert_make(const tl_certspec *s, const tl_key *subject_key,
		 tl_cert **out, tl_err *e);
/* A certificate for a public key whose private key is elsewhere (an LSC
 * for the key a phone generated); needs issuer and issuer_key. */
int tl_cert_make_for(const tl_certspec *s, const tl_pub *subject,
		     tl_cert **out, tl_err *e);
/* A PKCS#10 request with the spec's subject and extensions (as an
 * extensionRequest); validity, serial and issuer are ignored. */
int tl_csr_make(const tl_certspec *s, const tl_key *key, uint8_t **der,
		size_t *der_len, tl_err *e);
int tl_csr_to_pem(const uint8_t *der, size_t len, char **pem, tl_err *e);
/* A PKCS#10 request read back: subject, key type and size, public key,
 * subjectAltNames and signature algorithm are set, the rest is zero. */
int tl_csr_from_pem(const uint8_t *pem, size_t len, tl_cert **out, tl_err *e);

/* Every certificate of a file: PEM (any number of CERTIFICATE and PKCS7
 * blocks; keys and other blocks are skipped), DER, or a PKCS#7 chain (DER).
 * An empty file, one without a certificate, a PKCS#7 chain without
 * certificates, a damaged block or an unreadable certificate is an error
 * naming the file and the block; then *out is NULL. */
int tl_certs_from_mem(const uint8_t *buf, size_t len, const char *name,
		      tl_cert ***out, size_t *n, tl_err *e);
int tl_certs_load(const char *path, tl_cert ***out, size_t *n, tl_err *e);
void tl_certs_free(tl_cert **v, size_t n);
/* 1 when c names issuer as its issuer: the issuer name is issuer's subject
 * and, when c has an authority key identifier and issuer a subject key
 * identifier, they are equal. Signatures are not checked. */
int tl_cert_names_issuer(const tl_cert *c, const tl_cert *issuer);
/* The key identifier that what c signs names in its authority key
 * identifier: c's subject key identifier, else the SHA-1 of its public key
 * (RFC 5280 4.2.1.2, method 1). Returns the length, or -1. */
int tl_cert_key_id(const tl_cert *c, uint8_t out[64]);

#endif

/* The signed-file header of docs/protocols.md, Signed file header, shared by .tlv (ITL,
 * CTL), .sgn and .enc.sgn: parse, build and sign, verify. */
#ifndef TL_SIGNEDFILE_H
#define TL_SIGNEDFILE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "tlv.h"
#include "x509.h"

/* Header tags. */
enum {
	TL_H_VERSION = 1, TL_H_HEADER_LENGTH = 2, TL_H_SIGNER_INFO = 3,
	TL_H_SIGNER_NAME = 4, TL_H_SERIAL = 5, TL_H_ISSUER_NAME = 6,
	TL_H_SIGNATURE_INFO = 7, TL_H_HASH_ALG = 8, TL_H_SIG_ALG_INFO = 9,
	TL_H_SIG_ALG = 10, TL_H_SIG_MODULUS = 11, TL_H_SIGNATURE = 12,
	TL_H_PADDING = 13, TL_H_FILENAME = 14, TL_H_TIMESTAMP = 15,
	TL_H_ENC_INFO = 16, TL_H_ENC_IV_INFO = 17, TL_H_ENC_UNKNOWN1 = 18,
	TL_H_ENC_IV = 19, TL_H_ENC_PADDING = 20, TL_H_ENC_KEY_INFO = 21,
	TL_H_ENC_UNKNOWN2 = 22, TL_H_ENC_KEY_SIZE = 23, TL_H_ENC_KEY_ALG = 24,
	TL_H_ENC_KEY = 25, TL_H_ENC_HASH_ALG = 26, TL_H_ENC_HASH = 27,
	TL_H_SIGNER_VERSION = 28,
};

/* The encryption block of an .enc.sgn (section 3). */
typedef struct tl_encinfo {
	uint8_t iv[16];
	uint16_t pad;		/* `\r` bytes appended to the plaintext */
	uint16_t key_bits;	/* wrapped-key length in bits */
	uint8_t key_alg;	/* 1 = AES */
	const uint8_t *key;	/* the RSA-wrapped AES key */
	size_t key_len;
	uint8_t hash_alg;	/* of the plaintext digest */
	const uint8_t *hash;
	size_t hash_len;
} tl_encinfo;

/* A parsed header. Pointers point into the parsed buffer, which must
 * outlive it. */
typedef struct tl_sfile {
	const uint8_t *buf;
	size_t len;
	const char *name;
	uint8_t version[2];
	uint16_t header_len;
	int has_signer_version;
	uint8_t signer_version[2];
	const char *signer_name;
	const char *issuer_name;
	const uint8_t *serial;
	size_t serial_len;
	uint8_t hash_alg;
	uint8_t sig_alg;
	uint8_t modulus;
	const uint8_t *sig;
	size_t sig_len;
	size_t sig_off;		/* offset of the signature TLV (tag 12) */
	const char *filename;
	uint32_t timestamp;
	int has_enc;
	tl_encinfo enc;
	size_t padding;		/* number of padding bytes */
	const uint8_t *body;
	size_t body_len;
} tl_sfile;

/* Parses and checks the header: every tag present once, lengths within
 * their containers, the header length consistent. Does not verify the
 * signature. */
int tl_sfile_parse(tl_sfile *h, const uint8_t *buf, size_t len,
		   const char *name, tl_err *e);

/* Verifies the signature with the given public key (RSA). */
int tl_sfile_verify(const tl_sfile *h, const tl_pub *key, tl_err *e);

/* 1 when the header names this certificate as its signer (issuer + serial). */
int tl_sfile_signed_by(const tl_sfile *h, const tl_cert *c);

/* Modulus index (tag 11) for an RSA key size, or -1. 3072 bits has no
 * Cisco value: trustline writes 4 (an extension, see docs/formats.md). */
int tl_modulus_index(int bits);
int tl_modulus_bits(int index);

typedef struct tl_signopts {
	uint8_t version[2];
	int signer_version;	/* 0: no tag 28; else major << 8 | minor */
	const tl_cert *signer;
	const tl_key *key;
	int hash_alg;		/* TL_HASH_SHA1 or TL_HASH_SHA512 (SHA256 accepted) */
	const char *filename;
	uint32_t timestamp;
	const uint8_t *extra;	/* encoded TLVs written after TIMESTAMP */
	size_t extra_len;
	const uint8_t *body;
	size_t body_len;
	/* every check made and the header written, but the signature left
	 * zero, for tl_sfile_sign_now to make when the file is read: the
	 * planner renders every configuration and needs few signatures */
	int defer_signature;
} tl_signopts;

/* Builds header + body into out and signs it. */
int tl_sfile_sign(const tl_signopts *o, tl_buf *out, tl_err *e);

/* 1 when buf's signature was deferred (all its bytes zero: no RSA
 * signature is, since 0 never verifies), 0 when not, -1 unreadable. */
int tl_sfile_deferred(const uint8_t *buf, size_t len);
/* Makes the deferred signature of buf[0..len) in place with key. */
int tl_sfile_sign_now(uint8_t *buf, size_t len, const tl_key *key, tl_err *e);

#endif

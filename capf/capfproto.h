/* The Certificate Authority Proxy Function protocol (docs/protocols.md,
 * CAPF protocol): an 8-byte header and TLV elements with 2-byte lengths. Shared by
 * capfd and the client phones use. */
#ifndef TL_CAPFPROTO_H
#define TL_CAPFPROTO_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "tlv.h"

#define TL_CAPF_PROTOCOL 0x55
#define TL_CAPF_HEADER 8
#define TL_CAPF_PORT 3804
#define TL_CAPF_VERSION 3
/* CERTIFICATE elements after the first one of a message: the chain of an
 * issuing CA, as many as this. */
#define TL_CAPF_MAX_CHAIN 4

enum tl_capf_command {
	TL_CAPF_AUTH_REQUEST = 1, TL_CAPF_AUTH_RESPONSE = 2,
	TL_CAPF_KEY_GEN_REQUEST = 3, TL_CAPF_KEY_GEN_RESPONSE = 4,
	TL_CAPF_ENCRYPT_RESPONSE = 5, TL_CAPF_ENCRYPT_REQUEST = 6,
	TL_CAPF_DECRYPT_REQUEST = 7, TL_CAPF_DECRYPT_RESPONSE = 8,
	TL_CAPF_STORE_CERT_REQUEST = 9, TL_CAPF_STORE_CERT_RESPONSE = 10,
	TL_CAPF_FETCH_CERT_REQUEST = 11, TL_CAPF_FETCH_CERT_RESPONSE = 12,
	TL_CAPF_DELETE_CERT_REQUEST = 13, TL_CAPF_DELETE_CERT_RESPONSE = 14,
	TL_CAPF_END_SESSION = 15, TL_CAPF_RETRY_LATER = 16,
	TL_CAPF_REQUEST_IN_PROGRESS = 17, TL_CAPF_STATUS_REQUEST = 18,
	TL_CAPF_STATUS_RESPONSE = 19, TL_CAPF_ABORT_REQUEST = 20,
	TL_CAPF_ABORT_RESPONSE = 21, TL_CAPF_SIGN_CERT_REQUEST = 22,
	TL_CAPF_SIGN_CERT_RESPONSE = 23,
};

enum tl_capf_element {
	TL_CAPF_REASON = 1, TL_CAPF_REASON_INFO = 2, TL_CAPF_CERT_TYPE = 3,
	TL_CAPF_CERTIFICATE = 4, TL_CAPF_CERT_ID = 5, TL_CAPF_SIGNED_DATA = 6,
	TL_CAPF_VERSION_EL = 7, TL_CAPF_AUTH_TYPE = 8, TL_CAPF_PUBLIC_KEY = 9,
	TL_CAPF_KEY_SIZE = 10, TL_CAPF_PASSWORD = 11, TL_CAPF_RETRY_DELAY = 12,
	TL_CAPF_DEVICE_NAME = 13, TL_CAPF_SUDI_DATA = 16, TL_CAPF_KEY_TYPE = 17,
	TL_CAPF_CURVE = 18, TL_CAPF_DIGEST_TYPE = 19, TL_CAPF_SHA2_SIGNED_DATA = 20,
};

/* REASON values. */
enum { TL_CAPF_NO_ACTION = 0, TL_CAPF_SUCCESS = 1, TL_CAPF_INVALID_ELEMENT = 7,
       TL_CAPF_UNKNOWN_DEVICE = 9 };
/* AUTH_TYPE values. */
enum { TL_CAPF_AUTH_NONE = 0, TL_CAPF_AUTH_PASSWORD = 1,
       TL_CAPF_AUTH_NO_PASSWORD = 2, TL_CAPF_AUTH_LSC = 3, TL_CAPF_AUTH_MIC = 4 };
enum { TL_CAPF_CERT_LSC = 1, TL_CAPF_CERT_MIC = 2 };

/* A signature carried with its hash algorithm (SHA2_SIGNED_DATA, SUDI). */
typedef struct tl_capf_sig {
	uint8_t hash_alg;	/* 1 SHA-1, 3 SHA-512 */
	const uint8_t *sig;
	size_t len;
} tl_capf_sig;

/* A decoded message; pointers point into the decoded buffer. Absent
 * elements are marked by has_* or NULL pointers. */
typedef struct tl_capf_msg {
	uint8_t command;
	uint32_t session;
	int has_reason;
	uint8_t reason;
	const char *reason_info;
	size_t reason_info_len;
	int has_cert_type;
	uint8_t cert_type;
	const uint8_t *cert;	/* DER, without the inner prefix */
	size_t cert_len;
	uint8_t cert_inner_type;	/* the type byte of the inner prefix */
	/* STORE_CERT_REQUEST from a capfd that signs with an issuing CA: the
	 * CERTIFICATE elements after the LSC's, that CA and the CAs above it,
	 * so the phone can follow the LSC to a certificate it trusts */
	const uint8_t *chain[TL_CAPF_MAX_CHAIN];
	size_t chain_len[TL_CAPF_MAX_CHAIN];
	size_t nchain;
	const uint8_t *signed_data;
	size_t signed_data_len;
	int has_version;
	uint8_t version;
	int has_auth_type;
	uint8_t auth_type;
	const uint8_t *public_key;	/* SubjectPublicKeyInfo DER */
	size_t public_key_len;
	int has_key_size;
	uint16_t key_size;
	const char *password;	/* NUL-terminated; may be empty */
	const char *device;	/* NUL-terminated */
	int has_key_type;
	uint8_t key_type;	/* 0 RSA, 1 EC */
	int has_curve;
	uint8_t curve;		/* 0 P-256, 1 P-384, 2 P-521 */
	tl_capf_sig sha2_signed;
	const uint8_t *sudi_cert;
	size_t sudi_cert_len;
	tl_capf_sig sudi_sha1, sudi_sha512;
} tl_capf_msg;

/* Decodes one message: 1 with *used set, 0 when more bytes are needed,
 * -1 when malformed (e says why, with the byte offset). */
int tl_capf_decode(const uint8_t *buf, size_t len, tl_capf_msg *m, size_t *used,
		   tl_err *e);
/* Appends the message, header and body in one buffer (phones stall when
 * they arrive in separate segments). */
int tl_capf_encode(const tl_capf_msg *m, tl_buf *out, tl_err *e);

const char *tl_capf_command_name(int command);

#endif

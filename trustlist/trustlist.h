/* ITL and CTL files (docs/protocols.md, ITL and CTL files): the record model shared by
 * itl/ and ctl/, its codec, verification and `show` printing. */
#ifndef TL_TRUSTLIST_H
#define TL_TRUSTLIST_H

#include "role.h"
#include "signedfile.h"

/* Record tags. */
enum {
	TL_R_LENGTH = 1, TL_R_DNS_NAME = 2, TL_R_SUBJECT = 3, TL_R_ROLE = 4,
	TL_R_ISSUER = 5, TL_R_SERIAL = 6, TL_R_PUBLIC_KEY = 7,
	TL_R_SIGNATURE = 8, TL_R_CERTIFICATE = 9, TL_R_IP_ADDRESS = 10,
	TL_R_CERT_HASH = 11, TL_R_HASH_ALG = 12,
};

#define TL_MAX_SAST 2
#define TL_RECORD_MAX_TLV 16

typedef struct tl_record {
	size_t off;		/* byte offset of the record in the file */
	uint16_t length;
	const char *dns_name;
	const char *subject;
	uint16_t role;
	const char *issuer;
	const uint8_t *serial;
	size_t serial_len;
	int key_type;		/* enum tl_keytype, from the key's encoding */
	const uint8_t *pubkey;
	size_t pubkey_len;
	const uint8_t *sig;
	size_t sig_len;
	const uint8_t *cert;	/* DER, or NULL for a hash-only record */
	size_t cert_len;
	const uint8_t *cert_hash;
	size_t cert_hash_len;
	uint8_t hash_alg;
	int has_ip;
	uint8_t ip[4];
	tl_tlv tlv[TL_RECORD_MAX_TLV];	/* as read, for `show` */
	tl_cert *own;		/* decoded CERTIFICATE that absent tags point into */
	int ntlv;
} tl_record;

typedef struct tl_tlist {
	uint8_t *buf;		/* owned copy of the file */
	size_t len;
	tl_sfile hdr;
	tl_record *rec;
	size_t nrec;
} tl_tlist;

int tl_tlist_parse(tl_tlist *l, const uint8_t *buf, size_t len,
		   const char *name, tl_err *e);
int tl_tlist_load(tl_tlist *l, const char *path, tl_err *e);
void tl_tlist_free(tl_tlist *l);

/* A full record's CERTIFICATE must carry the record's key, serial and
 * issuer: a phone verifies with the record, an administrator reads the
 * certificate. Parsing does not decode certificates (it stays fast);
 * verification checks the signer's record, `show` checks them all. */
int tl_record_check(const tl_tlist *l, size_t i, tl_err *e);
/* 1 when the record stands for this certificate (full: same DER; hash-only:
 * same digest of the DER). */
int tl_record_matches_cert(const tl_record *r, const tl_cert *c);
int tl_record_count_role(const tl_tlist *l, int role);
/* The record's subject, else its DNS name, else "(no subject)": every
 * tag but ROLE and the certificate or its hash is optional on read. */
const char *tl_record_name(const tl_record *r);

/* Verification. With trust == NULL the signer must be a SAST record of the
 * file itself; otherwise a SAST record of trust (the installed list).
 * On success *signer is the index of that record (in trust when given).
 * e says why it failed: no matching SAST record, or a bad signature. */
int tl_tlist_verify(const tl_tlist *l, const tl_tlist *trust, size_t *signer,
		    tl_err *e);
/* Verifies any signed file (.sgn, .enc.sgn, .tlv) against a list: the
 * header's signer must be a record of src with one of the roles in
 * role_mask. *signer is the record's index. */
int tl_sfile_verify_by_list(const tl_sfile *h, const tl_tlist *src,
			    uint32_t role_mask, size_t *signer, tl_err *e);
/* Finds the record (any of the roles in mask, bit per role number; 0 = any)
 * whose issuer + serial match. Returns the index or -1. */
long tl_tlist_find(const tl_tlist *l, const char *issuer, const uint8_t *serial,
		   size_t serial_len, uint32_t role_mask);
#define TL_ROLE_BIT(r) ((r) < 32 ? 1u << (r) : 0u)

typedef struct tl_tlentry {
	const tl_cert *cert;
	int role;
	int hash_only;		/* write CERT_HASH + HASH_ALGORITHM, not the DER */
	const char *dns_name;	/* NULL: the certificate's CN */
	int has_ip;
	uint8_t ip[4];
} tl_tlentry;

typedef struct tl_tlopts {
	const tl_cert *signer;
	const tl_key *key;
	const tl_tlentry *entries;
	size_t n;
	int signer_version;	/* 0x0100, 0x0101, or 0: 1.1 when an EC key is present */
	int hash_alg;
	const char *filename;
	uint32_t timestamp;
} tl_tlopts;

/* Builds and signs a trust list. The signer is added as the first SAST
 * record unless it is already listed as SAST. */
int tl_tlist_build(const tl_tlopts *o, tl_buf *out, tl_err *e);

#endif

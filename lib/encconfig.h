/* Encrypted configuration files (docs/protocols.md, Encrypted configuration files): the
 * SEP<MAC>.cnf.xml.enc.sgn a phone decrypts with its own key, and the signed
 * stub SEP<MAC>.cnf.xml.sgn that sends it there. The byte layout and the
 * choices docs/protocols.md leaves open are in docs/formats.md. */
#ifndef TL_ENCCONFIG_H
#define TL_ENCCONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "signedfile.h"
#include "tlv.h"
#include "x509.h"

typedef struct tl_encopts {
	const tl_cert *signer;	/* RSA, as for any signed file */
	const tl_key *key;	/* the signer's key */
	const tl_cert *device;	/* the phone's LSC or MIC; must be RSA */
	int hash_alg;		/* TL_HASH_SHA1 or TL_HASH_SHA512: signature and tag 27 */
	const char *filename;	/* FILENAME tag, as the phone requests the file */
	uint32_t timestamp;
	const uint8_t *xml;	/* the full configuration, plaintext */
	size_t xml_len;
	int defer_signature;	/* as tl_signopts's */
} tl_encopts;

/* Builds SEP<MAC>.cnf.xml.enc.sgn (header version 2.0) into out: the XML
 * encrypted with a fresh AES-128 key wrapped to o->device, then signed. */
int tl_enc_build(const tl_encopts *o, tl_buf *out, tl_err *e);

/* Builds the signed stub (a .sgn, version 1.0, FILENAME o->filename) for the
 * configuration o->xml encrypted to o->device. The XML must have a <device>
 * root; name is used in messages. */
int tl_enc_stub(const tl_encopts *o, const char *name, tl_buf *out, tl_err *e);

/* The stub's XML alone, unsigned (what tl_enc_stub signs). */
int tl_enc_stub_xml(const uint8_t *xml, size_t len, const char *name,
		    const tl_cert *device, tl_buf *out, tl_err *e);

/* Decrypts a parsed .enc.sgn with the phone's private key: unwraps the AES
 * key, decrypts, strips and checks the padding, checks the digest of the
 * plaintext. Does not verify the signature: a phone verifies first
 * (tl_sfile_verify or tl_sfile_verify_by_list), then decrypts. On success
 * *xml (malloc'ed, NUL after the last byte) holds the configuration. */
int tl_enc_decrypt(const tl_sfile *h, const tl_key *device_key, uint8_t **xml,
		   size_t *xml_len, tl_err *e);

#endif

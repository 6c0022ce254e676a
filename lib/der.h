/* The little DER that wolfSSL's certificate and CSR generators cannot
 * write for us: Debian's wolfSSL is built without WOLFSSL_EKU_OID and
 * WOLFSSL_CUSTOM_OID, so an extendedKeyUsage with the IPsec end-system OID
 * (required by docs/certificates.md and the LSC profile) and a subjectAltName
 * URI have to be encoded here and spliced into the to-be-signed structure
 * before wolfSSL signs it. Everything else stays wolfSSL's job. */
#ifndef TL_DER_H
#define TL_DER_H

#include <stddef.h>
#include <stdint.h>

#include "tlv.h"

/* Appends tag | DER length | content to b. */
void tl_der_put(tl_buf *b, uint8_t tag, const void *content, size_t len);

/* Reads one element header at p[0..len): its tag, the offset of its
 * content and the content length. -1 when it does not fit. */
int tl_der_header(const uint8_t *p, size_t len, uint8_t *tag, size_t *hdr,
		  size_t *content_len);

/* Rewrites the element at in[0..len) so that `add` is appended to the
 * content of the innermost element reached by following path: path[0] is
 * the tag of a child of the outer element, path[1] a child of that, and so
 * on (the first child with that tag; for a tag 0x30 child, the one whose
 * content starts with `oid` when oid is given at that depth). Every
 * enclosing length is re-encoded. The result is written to out. */
typedef struct tl_der_step {
	uint8_t tag;
	const uint8_t *oid;	/* NULL, or the full OID TLV the child starts with */
	size_t oid_len;
} tl_der_step;

int tl_der_append_at(const uint8_t *in, size_t len, const tl_der_step *path,
		     int depth, const uint8_t *add, size_t add_len, tl_buf *out);

#endif

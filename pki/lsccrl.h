/* The LSC CRL: an X.509 v2 CRL (RFC 5280 section 5) of the LSCs that were
 * revoked or that their phones deleted, signed by the issuer of LSCs (the
 * CAPF key or [capf] issuer_cert) and published as tftpboot/CAPF-LSC.crl,
 * which tftpd serves over TFTP and HTTP (docs/capfd.md). wolfSSL 5.5.4 can
 * read CRLs but not write them, so the DER is built here with lib/der.c
 * and signed with tl_sign. */
#ifndef TL_LSCCRL_H
#define TL_LSCCRL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store.h"
#include "tlv.h"
#include "x509.h"

/* Where the CRL is published, relative to the data directory, and the
 * name phones ask tftpd for. */
#define TL_LSCCRL_FILE "CAPF-LSC.crl"
#define TL_LSCCRL_PATH "tftpboot/" TL_LSCCRL_FILE

/* CRLReason values (RFC 5280 5.3.1) trustline writes. */
enum { TL_CRL_REASON_UNSPECIFIED = 0, TL_CRL_REASON_CESSATION = 5 };

typedef struct tl_lsccrl_entry {
	uint8_t serial[TL_SERIAL_MAX];	/* minimal big-endian, no sign byte */
	size_t serial_len;
	time_t when;			/* revocationDate */
	int reason;			/* TL_CRL_REASON_* */
} tl_lsccrl_entry;

/* The DER CRL listing v[0..n), from this_update to next_update, with CRL
 * number `number`, issued and signed (SHA-256) by issuer and key. */
int tl_lsccrl_build(const tl_cert *issuer, const tl_key *key,
		    const tl_lsccrl_entry *v, size_t n, time_t this_update,
		    time_t next_update, uint64_t number, tl_buf *out, tl_err *e);

/* Publishes the CRL of trustline.db's revoked and deleted LSCs when it
 * would differ from the one published (another issuer, another list),
 * when none is published, or when half of its `days` of validity has
 * passed; the CRL number moves by one each time and the generation is
 * bumped so tftpd serves it. *published is 1 when it wrote one. */
int tl_lsccrl_refresh(tl_store *s, const tl_cert *issuer, const tl_key *key,
		      time_t now, int days, int *published, tl_err *e);

/* The CRLReason (RFC 5280 5.3.1) of serial's entry in a DER CRL, which
 * wolfSSL verifies but does not report: -1 when the entry gives none, -2
 * when the CRL does not list serial or is not a CRL. To be asked once
 * wolfSSL has verified the CRL (tl_rev_crl). */
int tl_lsccrl_reason(const uint8_t *crl, size_t len, const uint8_t *serial,
		     size_t serial_len);
/* "cessationOfOperation", ...; "none given" for -1 and unknown values. */
const char *tl_crl_reason_name(int reason);

#endif

/* Revocation of one certificate: OCSP (RFC 6960) and CRLs (RFC 5280),
 * built and verified by wolfSSL's certificate manager, fetched over HTTP
 * (or file:) with libcurl. The verdict is good only when a response or a
 * CRL signed for the certificate's issuer says so; every other outcome
 * (no answer, a bad signature, a stale or replayed response, a CRL too
 * large) is an error naming why, never good. */
#ifndef TL_REVOCATION_H
#define TL_REVOCATION_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"
#include "x509.h"

enum tl_rev_status {
	TL_REV_NONE = 0,	/* not checked: no OCSP URI and no CRL point */
	TL_REV_GOOD,
	TL_REV_REVOKED,
	TL_REV_UNKNOWN,		/* the responder does not know the certificate */
	TL_REV_ERROR,		/* no verdict could be had: detail says why */
};
const char *tl_rev_status_name(int status);	/* "good", "revoked", ... */
int tl_rev_status_parse(const char *s);		/* the reverse, or -1 */

typedef struct tl_rev {
	int status;		/* enum tl_rev_status */
	char method[8];		/* "ocsp", "crl", or "" */
	char source[512];	/* the responder or distribution point asked */
	char detail[512];	/* why, for anything but good */
	time_t checked;
	uint8_t crl_sha256[32];	/* the CRL's digest, when method is "crl" */
} tl_rev;

/* How to check: from [revocation] (docs/trustline.md). */
typedef struct tl_revopts {
	int ocsp, crl;		/* use either */
	const char *ocsp_uri;	/* "" or NULL: the certificate's AIA */
	const char *crl_uri;	/* "" or NULL: the certificate's CRL point */
	int nonce;		/* send a nonce and require it back */
	int timeout;		/* seconds per fetch */
	size_t max_crl;		/* bytes */
} tl_revopts;

/* The certificate's OCSP responder (authorityInfoAccess) and first CRL
 * distribution point; "" when it has none. */
void tl_rev_urls(const tl_cert *c, char *ocsp, size_t on, char *cdp, size_t cn);

/* Checks c, issued by issuer, by OCSP and then (when OCSP gives no
 * verdict) by CRL, as o allows. Always fills r; returns 0. */
int tl_rev_check(const tl_cert *c, const tl_cert *issuer, const tl_revopts *o,
		 tl_rev *r);

/* The two verdicts from bytes already in hand (tests and fuzzing: the
 * same wolfSSL paths as tl_rev_check). An OCSP response is taken as the
 * answer to a request without a nonce. */
int tl_rev_ocsp_response(const tl_cert *c, const tl_cert *issuer,
			 const uint8_t *resp, size_t len, tl_rev *r);
int tl_rev_crl(const tl_cert *c, const tl_cert *issuer, const uint8_t *crl,
	       size_t len, tl_rev *r);

/* GET (or, with body, POST as content type ctype) url with libcurl:
 * http:, https: and file:. Fails past max bytes or timeout seconds. */
int tl_rev_fetch(const char *url, const uint8_t *body, size_t blen,
		 const char *ctype, int timeout, size_t max, uint8_t **out,
		 size_t *len, tl_err *e);

#endif

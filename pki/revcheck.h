/* Revocation across the data directory: which certificates are checked,
 * their last verdicts in trustline.db, and the alarms CertificateRevoked
 * and CRLChanged. */
#ifndef TL_REVCHECK_H
#define TL_REVCHECK_H

#include <stdio.h>

#include "json.h"
#include "revocation.h"
#include "store.h"

/* How to check, from [revocation]. */
void tl_pki_revopts(const tl_conf *c, tl_revopts *o);
/* The stored verdict of a certificate: 0 when there is one, 1 when it was
 * never checked (r->status TL_REV_NONE), -1 on error. */
int tl_pki_rev_get(tl_store *s, const tl_cert *c, tl_rev *r);
/* r's status, method, source, detail and checked set in o, as `cert
 * revocation check|show` and `cert show` name them. */
void tl_rev_json(json_t *o, const tl_rev *r);
/* Checks every CA-signed identity certificate and every trust-store
 * certificate that names an OCSP responder or a CRL distribution point
 * (only: just the objects "GROUP/NAME" listed, NULL-terminated), stores
 * each verdict, prints a line (or a JSON array) to out, and raises or
 * clears the alarms, printing each change to alarms. Returns 0 when no
 * certificate is revoked and every checked one is good, 1 otherwise, -1
 * on error. */
int tl_pki_rev_check(tl_store *s, const char *const *only, int json, FILE *out,
		     FILE *alarms, tl_err *e);

#endif

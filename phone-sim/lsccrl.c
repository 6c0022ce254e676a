/* The boot's LSC CRL step (boot.h, --lsc-crl): the phone fetches
 * CAPF-LSC.crl from its TFTP server, checks it against the CAPF
 * certificate of its CTL or ITL that issued its LSC (the one it booted
 * with), and refuses its own LSC when the CRL lists it. A CRL it cannot check (absent, signed by
 * another key, past its nextUpdate, larger than it takes) is a refusal
 * too: the check was asked for, and a revoked LSC is never taken as good.
 * The CRL is read by lib/revocation.c, the code `cert revocation check`
 * uses. */
#include "boot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lsccrl.h"
#include "phonesim.h"
#include "revocation.h"
#include "tftpclient.h"

/* A CRL for a phone's LSCs stays small; this bounds what a phone reads. */
#define LSC_CRL_MAX (1024 * 1024)

/* The CAPF certificate of the installed CTL or ITL that issued lsc, or
 * NULL. */
static tl_cert *lsc_issuer(const tl_phone *p, const tl_cert *lsc)
{
	const tl_tlist *lists[2] = { p->has_ctl ? &p->ctl : NULL,
				     p->has_itl ? &p->itl : NULL };

	for (int i = 0; i < 2; i++)
		for (size_t j = 0; lists[i] && j < lists[i]->nrec; j++) {
			const tl_record *r = &lists[i]->rec[j];
			tl_cert *c;
			tl_err e;

			if (r->role != TL_ROLE_CAPF || r->cert == NULL ||
			    tl_cert_from_der(r->cert, r->cert_len, &c, &e))
				continue;
			if (tl_cert_issued_by(lsc, c))
				return c;
			tl_cert_free(c);
		}
	return NULL;
}

void tl_boot_lsc_crl(tl_boot *b)
{
	const char *name = TL_LSCCRL_FILE;
	tl_cert *issuer;
	uint8_t *crl = NULL;
	size_t len = 0;
	char *serial;
	tl_rev r;

	if (b->f.lsc == NULL) {
		tl_sim_progress("%s: the phone has no LSC to check", name);
		return;
	}
	serial = tl_hex(b->f.lsc->serial, b->f.lsc->serial_len, 1);
	if ((issuer = lsc_issuer(&b->f.phone, b->f.lsc)) == NULL) {
		tl_boot_decide(b, "LSC-CRL", name, 0, "the issuer of the LSC (%s) is no "
			       "CAPF certificate of the CTL or ITL: its CRL cannot be "
			       "checked", b->f.lsc->issuer);
		goto out;
	}
	switch (tl_boot_fetch(b, name, &crl, &len)) {
	case TL_TFTPC_OK:
		break;
	case TL_TFTPC_NOTFOUND:
		tl_boot_decide(b, "LSC-CRL", name, 0, "the server has no %s: the LSC "
			       "(serial %s) is not known to be good; capfd publishes "
			       "it into tftpboot/", name, serial ? serial : "?");
		goto out_issuer;
	default:
		tl_boot_decide(b, "LSC-CRL", name, 0, "%s could not be fetched", name);
		goto out_issuer;
	}
	if (len > LSC_CRL_MAX) {
		tl_boot_decide(b, "LSC-CRL", name, 0, "the CRL is %zu bytes, more than "
			       "the %d a phone reads: not checked", len, LSC_CRL_MAX);
		goto out_issuer;
	}
	memset(&r, 0, sizeof(r));
	snprintf(r.source, sizeof(r.source), "%s", name);
	tl_rev_crl(b->f.lsc, issuer, crl, len, &r);
	if (r.status == TL_REV_GOOD)
		tl_boot_decide(b, "LSC-CRL", name, 1, "the LSC (serial %s) is not in the "
			       "CRL of %s", serial ? serial : "?", issuer->subject);
	else if (r.status == TL_REV_REVOKED)
		tl_boot_decide(b, "LSC-CRL", name, 0, "the LSC (serial %s) is revoked: "
			       "listed in the CRL of %s; the phone no longer uses it",
			       serial ? serial : "?", issuer->subject);
	else
		tl_boot_decide(b, "LSC-CRL", name, 0, "%s", r.detail);
out_issuer:
	tl_cert_free(issuer);
	free(crl);
out:
	free(serial);
}

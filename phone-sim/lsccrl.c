/* The boot's LSC CRL step (boot.h, --lsc-crl): the phone fetches
 * CAPF-LSC.crl from its TFTP server, keeps it in its flash, checks it
 * against the CAPF certificate of its CTL or ITL that issued its LSC (the
 * one it booted with), and refuses its own LSC when the CRL lists it. A
 * peer presenting an LSC (connect --role PHONE) is judged here too: an LSC
 * of a CAPF certificate of the CTL or ITL, and with --lsc-crl not listed
 * in the CRL the flash keeps. A CRL it cannot check (absent, signed by
 * another key, past its nextUpdate, larger than it takes) is a refusal
 * too: the check was asked for, and a revoked LSC is never taken as good.
 * The CRL is read by lib/revocation.c, the code `cert revocation check`
 * uses. */
#include "boot.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* CAPF-LSC.crl from the TFTP server, kept in the flash for the peers'
 * LSCs (tl_boot_peer_lsc) when it is not too large. TL_TFTPC_OK with *crl,
 * or the failure, with *why saying it. */
static int fetch_crl(tl_boot *b, uint8_t **crl, size_t *len, char *why, size_t n)
{
	tl_err e;
	int rc = tl_boot_fetch(b, TL_LSCCRL_FILE, crl, len);

	if (rc == TL_TFTPC_NOTFOUND)
		snprintf(why, n, "the server has no %s", TL_LSCCRL_FILE);
	else if (rc != TL_TFTPC_OK)
		snprintf(why, n, "%s could not be fetched", TL_LSCCRL_FILE);
	else if (*len > LSC_CRL_MAX)
		snprintf(why, n, "the CRL is %zu bytes, more than the %d a phone reads",
			 *len, LSC_CRL_MAX);
	else if (tl_flash_save_lsc_crl(&b->f, *crl, *len, &e))
		snprintf(why, n, "%s", e.msg);
	else
		return TL_TFTPC_OK;
	if (rc == TL_TFTPC_OK)
		rc = -1;
	return rc;
}

void tl_boot_lsc_crl(tl_boot *b)
{
	const char *name = TL_LSCCRL_FILE;
	tl_cert *issuer = NULL;
	uint8_t *crl = NULL;
	size_t len = 0;
	char *serial = NULL, why[600];
	int got = fetch_crl(b, &crl, &len, why, sizeof(why));
	tl_rev r;

	if (b->f.lsc == NULL) {
		tl_sim_progress("%s: the phone has no LSC to check; %s", name,
				got == TL_TFTPC_OK ? "kept for the LSCs of peers" : why);
		goto out;
	}
	serial = tl_hex(b->f.lsc->serial, b->f.lsc->serial_len, 1);
	if ((issuer = lsc_issuer(&b->f.phone, b->f.lsc)) == NULL) {
		tl_boot_decide(b, "LSC-CRL", name, 0, "the issuer of the LSC (%s) is no "
			       "CAPF certificate of the CTL or ITL: its CRL cannot be "
			       "checked", b->f.lsc->issuer);
		goto out;
	}
	if (got == TL_TFTPC_NOTFOUND) {
		tl_boot_decide(b, "LSC-CRL", name, 0, "%s: the LSC (serial %s) is not "
			       "known to be good; capfd publishes it into tftpboot/", why,
			       serial ? serial : "?");
		goto out;
	}
	if (got != TL_TFTPC_OK) {
		tl_boot_decide(b, "LSC-CRL", name, 0, "%s: not checked", why);
		goto out;
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
out:
	tl_cert_free(issuer);
	free(crl);
	free(serial);
}

/* The peer's LSC against the CRL the flash keeps: 1 good, 0 refused (why
 * says it). */
static int peer_crl_ok(const tl_boot *b, const tl_cert *peer, const tl_cert *capf,
		       const char *serial, char *why, size_t n)
{
	tl_rev r;

	if (b->f.lsc_crl == NULL) {
		snprintf(why, n, "the flash holds no %s to check it against (boot with "
			 "--lsc-crl first)", TL_LSCCRL_FILE);
		return 0;
	}
	memset(&r, 0, sizeof(r));
	snprintf(r.source, sizeof(r.source), "%s", TL_LSCCRL_FILE);
	tl_rev_crl(peer, capf, b->f.lsc_crl, b->f.lsc_crl_len, &r);
	if (r.status == TL_REV_GOOD)
		return 1;
	if (r.status == TL_REV_REVOKED)
		snprintf(why, n, "peer LSC serial %s revoked by %s (reason %s)", serial,
			 TL_LSCCRL_FILE,
			 tl_crl_reason_name(tl_lsccrl_reason(b->f.lsc_crl, b->f.lsc_crl_len,
							     peer->serial, peer->serial_len)));
	else
		snprintf(why, n, "%s: %s, so the peer LSC (serial %s) is not known to be "
			 "good", TL_LSCCRL_FILE, r.detail, serial);
	return 0;
}

static void verdict(tl_verdict *v, const char *what, int ok, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void verdict(tl_verdict *v, const char *what, int ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tl_verdict_vmake(v, "PEER", what, ok, fmt, ap);
	va_end(ap);
}

int tl_boot_peer_lsc(tl_boot *b, const char *what, const tl_cert *peer, int crl,
		     tl_verdict *v)
{
	tl_cert *capf = lsc_issuer(&b->f.phone, peer);
	char *serial = tl_hex(peer->serial, peer->serial_len, 1);
	const char *sn = serial ? serial : "?";
	char why[900];
	time_t now = time(NULL);
	int ok = 0;

	if (peer->not_after < now || peer->not_before > now)
		snprintf(why, sizeof(why), "%s serial %s: the LSC is %s", peer->subject,
			 sn, peer->not_after < now ? "expired" : "not yet valid");
	else if (capf == NULL)
		snprintf(why, sizeof(why), "%s serial %s: issued by %s, no CAPF "
			 "certificate of the CTL or ITL, so no LSC of this cluster",
			 peer->subject, sn, peer->issuer);
	else if (crl && !peer_crl_ok(b, peer, capf, sn, why, sizeof(why)))
		;
	else
		ok = snprintf(why, sizeof(why), "%s serial %s: an LSC issued by CAPF %s%s",
			      peer->subject, sn, capf->subject,
			      crl ? ", not in " TL_LSCCRL_FILE : "") > 0;
	verdict(v, what, ok, "%s", why);
	tl_boot_record(b, "PEER", what, v);
	tl_cert_free(capf);
	free(serial);
	return ok;
}

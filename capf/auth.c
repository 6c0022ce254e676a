#include "auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "capfdb.h"
#include "log.h"
#include "lsc.h"

static int by_string(tl_capf_sess *s, const tl_device *d, const char *given,
		     char *why, size_t n)
{
	tl_capf_srv *v = s->srv;
	long until;
	tl_err e;
	int rc;

	if (tl_capf_locked(v->store, s->device, tl_capf_sess_now(s), &until)) {
		snprintf(why, n, "locked after %d wrong authentication strings, for "
			 "%ld more seconds", v->lockout_attempts,
			 until - tl_capf_sess_now(s));
		return -1;
	}
	if (d->capf_auth_string[0] && tl_secret_check(given ? given : "",
						      d->capf_auth_string) == 1) {
		if (tl_capf_auth_ok(v->store, s->device, &e))
			tl_capf_sess_db_error(s, &e);
		return 0;
	}
	snprintf(why, n, d->capf_auth_string[0] ? "wrong authentication string" :
		 "no authentication string is set for this device");
	rc = tl_capf_auth_failed(v->store, s->device, tl_capf_sess_now(s),
				 v->lockout_attempts, v->lockout_window, &until, &e);
	if (rc < 0)
		tl_capf_sess_db_error(s, &e);
	if (rc == 1) {
		tl_log(LOG_WARNING, "event=lockout device=%s peer=%s attempts=%d "
		       "seconds=%ld", s->device, s->peer, v->lockout_attempts,
		       v->lockout_window);
		snprintf(why, n, "wrong authentication string; locked for %ld seconds "
			 "after %d attempts", v->lockout_window, v->lockout_attempts);
	}
	return -1;
}

/* SIGNED_DATA (SHA-1) and SHA2_SIGNED_DATA (SHA-512) over the device name,
 * its NUL and the certificate: every one present must verify, and one must
 * be present. */
static int auth_signatures(const tl_capf_sess *s, const tl_capf_msg *m,
			   const tl_cert *c, tl_err *e)
{
	const tl_span data[2] = {
		{ (const uint8_t *)s->device, strlen(s->device) + 1 },
		{ c->der, c->der_len },
	};
	tl_pub *pub;
	int rc = 0;

	if (!m->signed_data && !m->sha2_signed.sig)
		return tl_fail(e, "no SIGNED_DATA or SHA2_SIGNED_DATA");
	if (m->sha2_signed.sig && m->sha2_signed.hash_alg != 3)
		return tl_fail(e, "SHA2_SIGNED_DATA hash algorithm %u (3, SHA-512)",
			       m->sha2_signed.hash_alg);
	if (tl_pub_from_cert(c, &pub, e))
		return -1;
	if (m->signed_data &&
	    tl_verify_digest_raw(pub, TL_HASH_SHA1, data, 2, m->signed_data,
				 m->signed_data_len, e))
		rc = tl_wrap(e, "SIGNED_DATA");
	if (rc == 0 && m->sha2_signed.sig &&
	    tl_verify_digest_raw(pub, TL_HASH_SHA512, data, 2, m->sha2_signed.sig,
				 m->sha2_signed.len, e))
		rc = tl_wrap(e, "SHA2_SIGNED_DATA");
	tl_pub_free(pub);
	return rc;
}

/* An LSC of this CAPF: issued by its certificate, by the issuing CA, or
 * by an earlier CAPF certificate of the same name, which a regeneration
 * leaves in CAPF-trust so that the LSCs it issued still verify. */
static int lsc_of_this_capf(const tl_capf_srv *v, const tl_cert *c)
{
	if (tl_cert_issued_by(c, v->capf) || (v->issuer && tl_cert_issued_by(c, v->issuer)))
		return 1;
	for (size_t i = 0; i < v->ntrust; i++)
		if (tl_name_equal(v->trust[i]->subject, v->capf->subject) &&
		    tl_cert_issued_by(c, v->trust[i]))
			return 1;
	return 0;
}

/* A manufacturer's certificate (MIC or SUDI): issued, through CAPF-trust,
 * by a manufacturing CA, never a self-signed one or an LSC of this CAPF. */
static int manufactured(const tl_capf_srv *v, const tl_cert *c, tl_err *e)
{
	if (tl_cert_issued_by(c, c))
		return tl_fail(e, "%s is self-signed", c->subject);
	if (lsc_of_this_capf(v, c))
		return tl_fail(e, "%s is an LSC, not a manufacturing certificate",
			       c->subject);
	return tl_chain_check(c, v->trust, v->ntrust, e);
}

static int check_sudi(const tl_capf_sess *s, const tl_capf_msg *m, tl_err *e)
{
	uint8_t id[4] = { (uint8_t)s->id, (uint8_t)(s->id >> 8),
			  (uint8_t)(s->id >> 16), (uint8_t)(s->id >> 24) };
	const tl_span data[2] = { { id, 4 }, { m->sudi_cert, m->sudi_cert_len } };
	const tl_capf_sig *sigs[2] = { &m->sudi_sha1, &m->sudi_sha512 };
	tl_cert *c = NULL;
	tl_pub *pub = NULL;
	int rc = -1;

	if (!m->sudi_sha1.sig && !m->sudi_sha512.sig)
		return tl_fail(e, "SUDI_DATA without a signature");
	if (tl_cert_from_der(m->sudi_cert, m->sudi_cert_len, &c, e) ||
	    manufactured(s->srv, c, e) || tl_pub_from_cert(c, &pub, e))
		goto out;
	for (int i = 0; i < 2; i++)
		if (sigs[i]->sig &&
		    tl_verify_digest_raw(pub, i ? TL_HASH_SHA512 : TL_HASH_SHA1, data, 2,
					 sigs[i]->sig, sigs[i]->len, e))
			goto out;
	rc = 0;
out:
	if (rc)
		tl_wrap(e, "SUDI");
	tl_pub_free(pub);
	tl_cert_free(c);
	return rc;
}

/* An LSC the administrator revoked, or the phone deleted, no longer
 * authenticates it. */
static int lsc_not_revoked(const tl_capf_srv *v, const char *device,
			   const tl_cert *c, tl_err *e)
{
	char *serial = tl_hex(c->serial, c->serial_len, 1);
	int rc;

	if (serial == NULL)
		return tl_fail(e, "out of memory");
	rc = tl_capf_lsc_is_revoked(v->store, device, serial, e);
	if (rc > 0)
		tl_fail(e, "the LSC (serial %s) is revoked", serial);
	free(serial);
	return rc ? -1 : 0;
}

/* The certificate the phone authenticates with: type is what it says it
 * is (LSC or MIC). */
static int check_cert(const tl_capf_sess *s, const tl_capf_msg *m, int type,
		      tl_err *e)
{
	const tl_capf_srv *v = s->srv;
	tl_cert *c;
	char cn[80];
	long t = tl_capf_sess_now(s);
	int rc = -1;

	if (tl_cert_from_der(m->cert, m->cert_len, &c, e))
		return -1;
	if (tl_cert_name_attr(c, 0, "CN", cn, sizeof(cn)))
		cn[0] = 0;
	if (type == TL_CAPF_CERT_LSC) {
		if (strcasecmp(cn, s->device))
			tl_fail(e, "the LSC names %s, not %s", cn, s->device);
		else if (!lsc_of_this_capf(v, c))
			tl_fail(e, "the LSC was not issued by this CAPF (%s)", c->issuer);
		else if (c->not_after < t || c->not_before > t)
			tl_fail(e, "the LSC is expired or not yet valid");
		else
			rc = lsc_not_revoked(v, s->device, c, e);
	} else {
		/* Cisco MICs name the device inside the CN (CP-8865-SEP...). */
		if (!strcasestr(cn, s->device))
			tl_fail(e, "the MIC names %s, not %s", cn, s->device);
		else
			rc = manufactured(v, c, e);
	}
	if (rc == 0)
		rc = auth_signatures(s, m, c, e);
	tl_cert_free(c);
	return rc;
}

int tl_capf_authenticate(tl_capf_sess *s, const tl_device *d,
			 const tl_capf_msg *m, int *why, char *detail, size_t n)
{
	int mode = tl_capf_mode_parse(d->capf_auth_mode);
	int type = m->has_cert_type ? m->cert_type : m->cert_inner_type;
	tl_err e;

	switch (mode) {
	case TL_CAPF_MODE_NULL:
		return 0;
	case TL_CAPF_MODE_STRING:
		*why = TL_WHY_AUTH_STRING;
		return by_string(s, d, m->password, detail, n);
	case TL_CAPF_MODE_LSC:
	case TL_CAPF_MODE_MIC:
		break;
	default:
		*why = TL_WHY_CREDENTIALS;
		snprintf(detail, n, "unknown authentication mode %s", d->capf_auth_mode);
		return -1;
	}
	*why = TL_WHY_CREDENTIALS;
	if (!m->cert) {
		snprintf(detail, n, "authentication by certificate, and the phone sent "
			 "none");
		return -1;
	}
	if (type != TL_CAPF_CERT_LSC && type != TL_CAPF_CERT_MIC) {
		snprintf(detail, n, "certificate type %d (1 LSC, 2 MIC)", type);
		return -1;
	}
	if (mode == TL_CAPF_MODE_MIC && type == TL_CAPF_CERT_LSC) {
		snprintf(detail, n, "authentication by MIC only, and the phone sent an "
			 "LSC");
		return -1;
	}
	*why = type == TL_CAPF_CERT_LSC ? TL_WHY_LSC : TL_WHY_MIC;
	if (check_cert(s, m, type, &e)) {
		snprintf(detail, n, "%s", e.msg);
		return -1;
	}
	if (m->sudi_cert && check_sudi(s, m, &e)) {
		*why = TL_WHY_CREDENTIALS;
		snprintf(detail, n, "%s", e.msg);
		return -1;
	}
	return 0;
}

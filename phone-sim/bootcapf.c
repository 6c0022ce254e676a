/* The boot's CAPF step (boot.h): one session with the first CAPF server
 * that answers, the server trusted as the phone trusts a CAPF peer, and
 * the LSC it installs or deletes kept in the flash. */
#include "boot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "phonesim.h"
#include "tlspeer.h"

static const char *capf_reason(int r)
{
	switch (r) {
	case 0: return "no action";
	case 1: return "success";
	case 7: return "invalid element (authentication failed or protocol error)";
	case 9: return "unknown device";
	default: return "error";
	}
}

/* An LSC from an issuing CA: the phone trusts a CA of its chain as it
 * trusts a CAPF server, by the CTL/ITL or by TVS (which vouches for
 * CAPF-trust). Only the decision that trusts it is printed; the one that
 * does not is why the LSC is refused, if no other CA of the chain is. */
struct vouch_ctx {
	tl_boot *b;
	const char *where;
};

static int capf_vouch(void *arg, const tl_cert *ca, char *why, size_t n)
{
	struct vouch_ctx *x = arg;
	char what[340];
	tl_verdict v;

	snprintf(what, sizeof(what), "%s LSC issuer", x->where);
	if (tl_phone_peer(&x->b->f.phone, what, ca, TL_ROLE_CAPF,
			  tl_boot_tvs(x->b), x->b, &v)) {
		snprintf(why, n, "%s", v.line);
		return -1;
	}
	tl_boot_record(x->b, "PEER", what, &v);
	return 0;
}

/* One CAPF session with server s; 0 done (whatever the verdict), 1 the
 * server was unreachable. */
static int capf_session(tl_boot *b, const tl_phonecnf *cfg,
			const tl_phonecnf_server *s)
{
	tl_capf_enroll_opts o;
	tl_capf_phone cp;
	struct vouch_ctx vx;
	char where[300], dev[20];
	tl_cert *peer;
	tl_verdict v;
	tl_err e;
	int unreachable, rc;

	snprintf(where, sizeof(where), "%s:%d", s->host, s->port);
	rc = tl_tls_peer_cert(s->host, s->port, b->timeout_ms, &peer,
			      &unreachable, &e);
	if (rc < 0) {
		tl_sim_progress("CAPF %s: %s", where, e.msg);
		if (unreachable)
			return 1;
	}
	if (rc) {
		tl_boot_decide(b, "CAPF", where, 0, "%s", e.msg);
		return 0;
	}
	rc = tl_phone_peer(&b->f.phone, where, peer, TL_ROLE_CAPF,
			   tl_boot_tvs(b), b, &v);
	tl_boot_record(b, "PEER", where, &v);
	if (rc) {
		tl_cert_free(peer);
		return 0;
	}
	tl_capf_phone_init(&cp);
	snprintf(dev, sizeof(dev), "SEP%s", b->f.mac);
	cp.device = dev;
	vx.b = b;
	vx.where = where;
	cp.vouch = capf_vouch;
	cp.vouch_arg = &vx;
	switch (cfg->capf_auth_mode) {
	case 1:
		cp.auth_string = b->auth_string ? b->auth_string : "";
		break;
	case 3:
	case 4:
		cp.cert = cfg->capf_auth_mode == 3 && b->f.lsc ? b->f.lsc : b->f.mic;
		cp.cert_key = cp.cert == b->f.lsc ? b->f.lsc_key : b->f.mic_key;
		cp.cert_type = cp.cert == b->f.lsc ? TL_CAPF_CERT_LSC : TL_CAPF_CERT_MIC;
		break;
	default:
		break;
	}
	memset(&o, 0, sizeof(o));
	o.host = s->host;
	o.port = s->port;
	o.capf_cert = peer;
	tl_sim_progress("CAPF %s: session, authentication mode %d (%s)", where,
			cfg->capf_auth_mode,
			cp.cert ? (cp.cert == b->f.lsc ? "the LSC" : "the MIC") :
			cfg->capf_auth_mode == 1 ? "the string typed" :
			"no password");
	if (tl_capf_enroll(&o, &cp, &e)) {
		tl_boot_decide(b, "CAPF", where, 0, "session failed: %s",
			       e.msg);
	} else if (cp.refused[0]) {
		tl_boot_decide(b, "CAPF", where, 0, "the phone refused what the "
			       "server sent: %s", cp.refused);
	} else if (cp.end_reason != 1 && cp.end_reason != 0) {
		tl_boot_decide(b, "CAPF", where, 0, "the server ended the "
			       "session: reason %d (%s)%s%s", cp.end_reason,
			       capf_reason(cp.end_reason), cp.info[0] ? ": " : "",
			       cp.info);
	} else if (cp.stored && cp.lsc && cp.key) {
		char *serial = tl_hex(cp.lsc->serial, cp.lsc->serial_len, 1);

		if (tl_flash_save_cert(&b->f, "lsc", cp.lsc, cp.key, &e)) {
			tl_boot_decide(b, "CAPF", where, 0, "LSC received but not "
				       "stored: %s", e.msg);
		} else {
			b->lsc_installed = 1;
			tl_boot_decide(b, "CAPF", where, 1, "install: LSC %s serial "
				       "%s issued by %s, key %s %d bits, stored",
				       cp.lsc->subject, serial ? serial : "?",
				       cp.lsc->issuer, tl_key_type(cp.key) == TL_KEY_EC ?
				       "EC" : "RSA", tl_key_bits(cp.key));
		}
		free(serial);
	} else if (cp.deleted) {
		if (tl_flash_remove_cert(&b->f, "lsc", &e))
			tl_boot_decide(b, "CAPF", where, 0, "delete: %s",
				       e.msg);
		else
			tl_boot_decide(b, "CAPF", where, 1, "delete: the LSC is "
				       "removed");
	} else if (cp.fetched) {
		tl_boot_decide(b, "CAPF", where, 1, "fetch: the server read this "
			       "phone's certificate");
	} else {
		tl_sim_progress("CAPF %s: nothing pending (%s)", where,
				capf_reason(cp.end_reason));
	}
	tl_capf_phone_free(&cp);
	tl_cert_free(peer);
	return 0;
}

void tl_boot_capf(tl_boot *b, const tl_phonecnf *cfg)
{
	tl_phonecnf_server s;

	if (!cfg->capf_auth_mode || (!cfg->ncapf && !b->have_capf))
		return;
	if (b->have_capf) {
		if (capf_session(b, cfg, &b->capf))
			tl_sim_progress("CAPF %s:%d unreachable: the phone tries "
					"again at its next boot", b->capf.host,
					b->capf.port);
		return;
	}
	for (size_t i = 0; i < cfg->ncapf; i++) {
		snprintf(s.host, sizeof(s.host), "%s", cfg->capf[i].host);
		s.port = cfg->capf[i].port;
		if (capf_session(b, cfg, &s) == 0)
			return;
	}
	tl_sim_progress("no CAPF server reachable: the phone tries again at its "
			"next boot");
}

#include "client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lsc.h"
#include "netloop.h"

void tl_capf_phone_init(tl_capf_phone *p)
{
	memset(p, 0, sizeof(*p));
	p->end_reason = -1;
}

void tl_capf_phone_free(tl_capf_phone *p)
{
	tl_key_free(p->key);
	tl_key_free(p->spare_key);
	tl_cert_free(p->lsc);
	if (p->capf == p->peer)
		p->capf = NULL;
	tl_cert_free(p->peer);
	p->key = p->spare_key = NULL;
	p->lsc = p->peer = NULL;
}

static void reply(const tl_capf_phone *p, tl_capf_msg *m, int command)
{
	memset(m, 0, sizeof(*m));
	m->command = (uint8_t)command;
	m->session = p->session;
}

static void with_reason(tl_capf_msg *m, int reason)
{
	m->has_reason = 1;
	m->reason = (uint8_t)reason;
}

static void with_cert(tl_capf_msg *m, const tl_cert *c, int type)
{
	m->cert = c->der;
	m->cert_len = c->der_len;
	m->cert_inner_type = (uint8_t)type;
}

/* The signatures of certificate authentication, over the device name, its
 * NUL and the certificate (docs/protocols.md, CAPF protocol). */
static int auth_response(tl_capf_phone *p, tl_buf *out, tl_err *e)
{
	uint8_t sha1[1024], sha2[1024], sudi1[1024], sudi2[1024];
	uint8_t id[4] = { (uint8_t)p->session, (uint8_t)(p->session >> 8),
			  (uint8_t)(p->session >> 16), (uint8_t)(p->session >> 24) };
	size_t n1 = sizeof(sha1), n2 = sizeof(sha2), s1 = sizeof(sudi1), s2 = sizeof(sudi2);
	tl_capf_msg m;

	reply(p, &m, TL_CAPF_AUTH_RESPONSE);
	with_reason(&m, TL_CAPF_SUCCESS);
	m.has_version = 1;
	m.version = TL_CAPF_VERSION;
	m.device = p->device;
	m.password = p->auth_string ? p->auth_string : "";
	if (p->cert) {
		const tl_span data[2] = {
			{ (const uint8_t *)p->device, strlen(p->device) + 1 },
			{ p->cert->der, p->cert->der_len },
		};

		if (tl_sign_digest_raw(p->cert_key, TL_HASH_SHA1, data, 2, sha1, &n1, e) ||
		    tl_sign_digest_raw(p->cert_key, TL_HASH_SHA512, data, 2, sha2, &n2, e))
			return tl_wrap(e, "signing with the phone's certificate key");
		with_cert(&m, p->cert, p->cert_type);
		m.has_cert_type = 1;
		m.cert_type = (uint8_t)p->cert_type;
		m.signed_data = sha1;
		m.signed_data_len = n1;
		m.sha2_signed = (tl_capf_sig){ 3, sha2, n2 };
	}
	if (p->sudi) {
		const tl_span data[2] = { { id, 4 }, { p->sudi->der, p->sudi->der_len } };

		if (tl_sign_digest_raw(p->sudi_key, TL_HASH_SHA1, data, 2, sudi1, &s1, e) ||
		    tl_sign_digest_raw(p->sudi_key, TL_HASH_SHA512, data, 2, sudi2, &s2, e))
			return tl_wrap(e, "signing with the SUDI key");
		m.sudi_cert = p->sudi->der;
		m.sudi_cert_len = p->sudi->der_len;
		m.sudi_sha1 = (tl_capf_sig){ 1, sudi1, s1 };
		m.sudi_sha512 = (tl_capf_sig){ 3, sudi2, s2 };
	}
	return tl_capf_encode(&m, out, e);
}

static int key_gen(tl_capf_phone *p, const tl_capf_msg *m, tl_buf *out, tl_err *e)
{
	static const int curves[] = { 256, 384, 521 };
	uint8_t *spki = NULL;
	size_t len = 0;
	tl_capf_msg r;
	uint64_t t0 = tl_now_ms();
	int type = m->has_key_type ? m->key_type : TL_KEY_RSA;
	int bits = type == TL_KEY_EC ? (m->has_curve && m->curve < 3 ? curves[m->curve] : 0) :
		   m->has_key_size ? m->key_size : 0;
	int rc;

	tl_key_free(p->key);
	p->key = NULL;
	reply(p, &r, TL_CAPF_KEY_GEN_RESPONSE);
	/* A phone says it is working on the key before the (slow) RSA
	 * generation; the server must tolerate it. */
	if (type == TL_KEY_RSA) {
		tl_capf_msg busy;

		reply(p, &busy, TL_CAPF_REQUEST_IN_PROGRESS);
		if (tl_capf_encode(&busy, out, e))
			return -1;
	}
	if (p->spare_key && bits && tl_key_type(p->spare_key) == type &&
	    tl_key_bits(p->spare_key) == bits) {
		p->key = p->spare_key;
		p->spare_key = NULL;
	}
	if (bits == 0 || (!p->key && tl_key_generate(type, bits, &p->key, e)) ||
	    tl_key_spki(p->key, &spki, &len, e)) {
		snprintf(p->refused, sizeof(p->refused), "cannot make the %s key asked "
			 "for (%d bits)", type == TL_KEY_EC ? "EC" : "RSA", bits);
		with_reason(&r, TL_CAPF_INVALID_ELEMENT);
		return tl_capf_encode(&r, out, e);
	}
	p->keygen_ms = (unsigned)(tl_now_ms() - t0);
	r.public_key = spki;
	r.public_key_len = len;
	rc = tl_capf_encode(&r, out, e);
	free(spki);
	return rc;
}

/* The chain that came with an LSC the CAPF certificate did not issue:
 * 0 with *issuer its first CA when the LSC follows it, link by link, to a
 * certificate the CAPF certificate issued or vouch trusts. chain[] holds
 * the parsed certificates, freed by the caller. */
static int chain_issuer(tl_capf_phone *p, const tl_capf_msg *m, const tl_cert *lsc,
			tl_cert **chain, const tl_cert **issuer, tl_err *e)
{
	char why[400] = "";
	const tl_cert *below = lsc;

	for (size_t i = 0; i < m->nchain; i++) {
		if (tl_cert_from_der(m->chain[i], m->chain_len[i], &chain[i], e))
			return tl_wrap(e, "certificate %zu of the LSC's chain", i + 2);
		if (!tl_cert_issued_by(below, chain[i]))
			return tl_fail(e, "the LSC's chain is broken: %s was not issued by "
				       "%s", below->subject, chain[i]->subject);
		below = chain[i];
		if ((p->capf && tl_cert_issued_by(chain[i], p->capf)) ||
		    (p->vouch && p->vouch(p->vouch_arg, chain[i], why, sizeof(why)) == 0)) {
			*issuer = chain[0];
			return 0;
		}
	}
	return tl_fail(e, "the LSC was not issued by the CAPF certificate but by %s, "
		       "which this phone does not trust%s%s", chain[0]->subject,
		       why[0] ? ": " : "", why);
}

static int store(tl_capf_phone *p, const tl_capf_msg *m, tl_buf *out, tl_err *e)
{
	const tl_cert *issuer = p->capf;
	tl_capf_msg r;
	tl_cert *c = NULL, *chain[TL_CAPF_MAX_CHAIN] = { 0 };
	tl_err why;

	reply(p, &r, TL_CAPF_STORE_CERT_RESPONSE);
	with_reason(&r, TL_CAPF_INVALID_ELEMENT);
	if (!m->cert || !p->key) {
		snprintf(p->refused, sizeof(p->refused), "STORE_CERT_REQUEST without a "
			 "certificate, or before a key was generated");
		return tl_capf_encode(&r, out, e);
	}
	if (tl_cert_from_der(m->cert, m->cert_len, &c, &why) == 0) {
		int rc = 0;

		if (p->issuer && !(issuer && tl_cert_issued_by(c, issuer)))
			issuer = p->issuer;
		else if (m->nchain && !(issuer && tl_cert_issued_by(c, issuer)))
			rc = chain_issuer(p, m, c, chain, &issuer, &why);
		if (rc == 0 && !issuer)
			tl_fail(&why, "no CAPF certificate to check the LSC against");
		else if (rc == 0 && tl_lsc_check(c, issuer, p->device, p->key, &why) == 0)
			with_reason(&r, TL_CAPF_SUCCESS);
	}
	for (size_t i = 0; i < TL_CAPF_MAX_CHAIN; i++)
		tl_cert_free(chain[i]);
	if (r.reason == TL_CAPF_SUCCESS) {
		tl_cert_free(p->lsc);
		p->lsc = c;
		p->stored = 1;
	} else {
		snprintf(p->refused, sizeof(p->refused), "%s", why.msg);
		tl_cert_free(c);
	}
	return tl_capf_encode(&r, out, e);
}

int tl_capf_phone_step(tl_capf_phone *p, const tl_capf_msg *m, tl_buf *out,
		       tl_err *e)
{
	tl_capf_msg r;

	if (m->command != TL_CAPF_AUTH_REQUEST && m->session != p->session)
		return tl_fail(e, "%s with session id %u, the session is %u",
			       tl_capf_command_name(m->command), m->session, p->session);
	switch (m->command) {
	case TL_CAPF_AUTH_REQUEST:
		p->session = m->session;
		return auth_response(p, out, e);
	case TL_CAPF_KEY_GEN_REQUEST:
		return key_gen(p, m, out, e);
	case TL_CAPF_STORE_CERT_REQUEST:
		return store(p, m, out, e);
	case TL_CAPF_FETCH_CERT_REQUEST:
		reply(p, &r, TL_CAPF_FETCH_CERT_RESPONSE);
		with_reason(&r, p->cert ? TL_CAPF_SUCCESS : TL_CAPF_INVALID_ELEMENT);
		if (p->cert)
			with_cert(&r, p->cert, p->cert_type);
		p->fetched = p->cert != NULL;
		return tl_capf_encode(&r, out, e);
	case TL_CAPF_DELETE_CERT_REQUEST:
		reply(p, &r, TL_CAPF_DELETE_CERT_RESPONSE);
		with_reason(&r, TL_CAPF_SUCCESS);
		p->deleted = 1;
		return tl_capf_encode(&r, out, e);
	case TL_CAPF_END_SESSION:
		p->end_reason = m->has_reason ? m->reason : TL_CAPF_INVALID_ELEMENT;
		snprintf(p->info, sizeof(p->info), "%.*s", (int)m->reason_info_len,
			 m->reason_info ? m->reason_info : "");
		return 1;
	default:
		return tl_fail(e, "unexpected %s from the server",
			       tl_capf_command_name(m->command));
	}
}

/* ---- over TLS ---- */

static int trusted(const tl_capf_enroll_opts *o, tl_capf_phone *p,
		   tl_tlsconn *c, tl_err *e)
{
	const uint8_t *der;
	size_t len;

	if (tl_tlsconn_peer_der(c, &der, &len))
		return tl_fail(e, "the server sent no certificate");
	if (tl_cert_from_der(der, len, &p->peer, e))
		return tl_wrap(e, "the server's certificate");
	if (o->list) {
		for (size_t i = 0; i < o->list->nrec; i++)
			if (o->list->rec[i].role == TL_ROLE_CAPF &&
			    tl_record_matches_cert(&o->list->rec[i], p->peer))
				goto ok;
		return tl_fail(e, "the server's certificate (%s) is not the CAPF record "
			       "of the trust list", p->peer->subject);
	}
	if (!o->capf_cert || o->capf_cert->der_len != p->peer->der_len ||
	    memcmp(o->capf_cert->der, p->peer->der, len))
		return tl_fail(e, "the server's certificate (%s) is not the given CAPF "
			       "certificate", p->peer->subject);
ok:
	if (!p->capf)
		p->capf = p->peer;
	return 0;
}

/* After a TLS step that did not finish: waits for the socket (0, try
 * again) or fails with what was going on. */
static int io_wait(int fd, int rc, uint64_t deadline, const char *what, tl_err *e)
{
	if (rc == TL_IO_EOF)
		return tl_fail(e, "%s: the server closed the connection", what);
	if (rc != TL_IO_WANT_READ && rc != TL_IO_WANT_WRITE)
		return tl_wrap(e, "%s", what);
	if (tl_sock_wait(fd, rc, deadline))
		return tl_fail(e, "%s: no answer from the server in time", what);
	return 0;
}

static int send_all(tl_tlsconn *c, int fd, const tl_buf *b, uint64_t deadline,
		    tl_err *e)
{
	int rc;

	while (b->len && (rc = tl_tlsconn_write(c, b->p, b->len, e)) != TL_IO_DONE)
		if (io_wait(fd, rc, deadline, "sending", e))
			return -1;
	return 0;
}

static int session(const tl_capf_enroll_opts *o, tl_capf_phone *p, tl_tlsconn *c,
		   int fd, uint64_t deadline, tl_err *e)
{
	uint8_t in[16384];
	size_t have = 0, got, used;
	tl_capf_msg m;
	tl_buf out;
	int rc;

	while ((rc = tl_tlsconn_handshake(c, e)) != TL_IO_DONE)
		if (io_wait(fd, rc, deadline, "TLS handshake", e))
			return -1;
	if (trusted(o, p, c, e))
		return -1;
	for (;;) {
		rc = tl_capf_decode(in, have, &m, &used, e);
		if (rc < 0)
			return tl_wrap(e, "from the server");
		if (rc == 0) {
			if (have == sizeof(in))
				return tl_fail(e, "a message from the server is too large");
			rc = tl_tlsconn_read(c, in + have, sizeof(in) - have, &got, e);
			if (rc == TL_IO_DONE)
				have += got;
			else if (io_wait(fd, rc, deadline, "waiting for the server", e))
				return -1;
			continue;
		}
		tl_buf_init(&out);
		rc = tl_capf_phone_step(p, &m, &out, e);
		if (rc == 0)
			rc = send_all(c, fd, &out, deadline, e);
		tl_buf_free(&out);
		if (rc)
			return rc > 0 ? 0 : -1;
		memmove(in, in + used, have - used);
		have -= used;
	}
}

int tl_capf_enroll(const tl_capf_enroll_opts *o, tl_capf_phone *p, tl_err *e)
{
	unsigned timeout = o->timeout_ms ? o->timeout_ms : 60000;
	uint64_t deadline = tl_now_ms() + timeout;
	tl_tls *tls = NULL;
	tl_tlsconn *c = NULL;
	int fd, rc = -1;

	if ((fd = tl_sock_connect(o->host, o->port ? o->port : TL_CAPF_PORT,
				  (int)timeout, e)) < 0)
		return -1;
	if (tl_tls_client(&tls, 12, e) == 0 && (c = tl_tlsconn_new(tls, fd, e)) != NULL)
		rc = session(o, p, c, fd, deadline, e);
	tl_tlsconn_free(c);
	tl_tls_free(tls);
	close(fd);
	return rc;
}

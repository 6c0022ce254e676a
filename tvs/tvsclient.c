#include "tvsclient.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loop.h"
#include "netloop.h"

struct tl_tvs_client {
	int fd;
	tl_tls *tls;
	tl_tlsconn *conn;
	int timeout_ms;
	uint32_t session;
	uint8_t *in;		/* bytes received and not yet decoded */
	size_t in_len, in_cap;
};

const char *tl_tvs_fail_name(int why)
{
	static const char *const names[] = {
		"ok", "unreachable", "TLS failure", "untrusted server certificate",
		"protocol error",
	};

	return why >= 0 && why <= TL_TVS_E_PROTOCOL ? names[why] : "error";
}

int tl_tvs_client_pinned(const tl_tvs_pin *pin, const uint8_t *der, size_t len,
			 tl_err *e)
{
	tl_cert *c;
	int ok = 0, tvs = 0;

	if (pin->cert)
		return pin->cert->der_len == len && !memcmp(pin->cert->der, der, len) ? 0 :
		       tl_fail(e, "the server's certificate is not the given TVS "
			       "certificate (%s)", pin->cert->subject);
	if (tl_cert_ids_from_der(der, len, &c, e))
		return tl_wrap(e, "the server's certificate");
	/* tl_record_matches_cert compares DER or its digest: a shallow
	 * certificate with just the DER is all it needs */
	c->der = (uint8_t *)der;
	c->der_len = len;
	for (size_t i = 0; i < pin->itl->nrec && !ok; i++)
		if (pin->itl->rec[i].role == TL_ROLE_TVS) {
			tvs++;
			ok = tl_record_matches_cert(&pin->itl->rec[i], c);
		}
	if (!ok)
		tl_fail(e, "the server's certificate (%s) is not a TVS record of %s "
			"(%d TVS record%s there)", c->subject, pin->itl->hdr.name, tvs,
			tvs == 1 ? "" : "s");
	c->der = NULL;
	tl_cert_free(c);
	return ok ? 0 : -1;
}

/* After a non-blocking step: 1 when it must run again (the socket became
 * ready in time), 0 when *rc is its result (TL_IO_ERROR on a timeout). */
static int again(tl_tvs_client *c, int *rc, uint64_t deadline, tl_err *e)
{
	if (*rc != TL_IO_WANT_READ && *rc != TL_IO_WANT_WRITE)
		return 0;
	if (tl_sock_wait(c->fd, *rc, deadline) == 0)
		return 1;
	*rc = TL_IO_ERROR;
	tl_fail(e, "no answer within %d ms", c->timeout_ms);
	return 0;
}

int tl_tvs_client_open(tl_tvs_client **out, const tl_tvs_client_opts *o, tl_err *e)
{
	tl_tvs_client *c = calloc(1, sizeof(*c));
	const uint8_t *der;
	uint64_t deadline;
	size_t len;
	int rc;

	*out = NULL;
	if (c == NULL)
		return tl_fail(e, "out of memory"), TL_TVS_E_TLS;
	c->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 10000;
	deadline = tl_now_ms() + (uint64_t)c->timeout_ms;
	/* sessions start at a random number, as a phone's would */
	if (tl_random((uint8_t *)&c->session, sizeof(c->session), e))
		c->session = (uint32_t)getpid();
	c->fd = tl_sock_connect(o->host, o->port ? o->port : TL_TVS_PORT, c->timeout_ms, e);
	if (c->fd < 0) {
		free(c);
		return TL_TVS_E_UNREACHABLE;
	}
	if (tl_tls_client(&c->tls, o->tls_min ? o->tls_min : 12, e) ||
	    (c->conn = tl_tlsconn_new(c->tls, c->fd, e)) == NULL) {
		tl_tvs_client_close(c);
		return TL_TVS_E_TLS;
	}
	do
		rc = tl_tlsconn_handshake(c->conn, e);
	while (again(c, &rc, deadline, e));
	if (rc != TL_IO_DONE) {
		tl_wrap(e, "TLS handshake with %s port %d", o->host,
			o->port ? o->port : TL_TVS_PORT);
		tl_tvs_client_close(c);
		return TL_TVS_E_TLS;
	}
	if (tl_tlsconn_peer_der(c->conn, &der, &len)) {
		tl_fail(e, "the server at %s sent no certificate", o->host);
		tl_tvs_client_close(c);
		return TL_TVS_E_UNTRUSTED;
	}
	if (tl_tvs_client_pinned(&o->pin, der, len, e)) {
		tl_tvs_client_close(c);
		return TL_TVS_E_UNTRUSTED;
	}
	*out = c;
	return 0;
}

void tl_tvs_client_close(tl_tvs_client *c)
{
	if (c == NULL)
		return;
	tl_tlsconn_free(c->conn);
	tl_tls_free(c->tls);
	if (c->fd >= 0)
		close(c->fd);
	free(c->in);
	free(c);
}

void tl_tvs_client_peer(tl_tvs_client *c, const uint8_t **der, size_t *len)
{
	if (tl_tlsconn_peer_der(c->conn, der, len)) {
		*der = NULL;
		*len = 0;
	}
}

const char *tl_tvs_client_tls(tl_tvs_client *c, char *out, size_t n)
{
	snprintf(out, n, "%s %s", tl_tlsconn_version(c->conn),
		 tl_tlsconn_cipher(c->conn));
	return out;
}

void tl_tvs_answer_free(tl_tvs_answer *a)
{
	free(a->cert);
	memset(a, 0, sizeof(*a));
}

void tl_tvs_verify_msg(tl_tvs_msg *m, const char *device, const uint8_t *der,
		       size_t len)
{
	memset(m, 0, sizeof(*m));
	m->command = TL_TVS_VERIFY_REQUEST;
	m->device = device && *device ? device : TL_TVS_DEFAULT_DEVICE;
	m->device_len = strlen(m->device);
	m->cert = der;
	m->cert_len = len;
}

void tl_tvs_query_msg(tl_tvs_msg *m, const char *device, const char *issuer,
		      const uint8_t *serial, size_t serial_len)
{
	tl_tvs_verify_msg(m, device, NULL, 0);
	m->command = TL_TVS_QUERY_REQUEST;
	m->issuer = issuer;
	m->serial = serial;
	m->serial_len = serial_len;
}

int tl_tvs_take_answer(const tl_tvs_msg *m, uint8_t command, uint32_t session,
		       tl_tvs_answer *a, tl_err *e)
{
	memset(a, 0, sizeof(*a));
	if (m->command != command)
		return tl_fail(e, "the server answered with command %u, expected %u",
			       m->command, command);
	if (m->session != session)
		return tl_fail(e, "the server answered session %u, expected %u",
			       m->session, session);
	a->valid = m->status == TL_TVS_VALID;
	if (!a->valid)
		return 0;
	if (m->nroles == 0 || !m->has_ttl)
		return tl_fail(e, "a valid answer without %s",
			       m->nroles ? "TTL" : "ROLES");
	memcpy(a->roles, m->roles, m->nroles);
	a->nroles = m->nroles;
	a->ttl = m->ttl;
	if (command == TL_TVS_QUERY_RESPONSE) {
		if (m->cert == NULL)
			return tl_fail(e, "a valid QUERY answer without CERTIFICATE");
		if ((a->cert = malloc(m->cert_len)) == NULL)
			return tl_fail(e, "out of memory");
		memcpy(a->cert, m->cert, m->cert_len);
		a->cert_len = m->cert_len;
	}
	return 0;
}

/* Sends a request (its session set here) and reads its answer. */
static int ask(tl_tvs_client *c, tl_tvs_msg *req, tl_tvs_answer *a, tl_err *e)
{
	uint64_t deadline = tl_now_ms() + (uint64_t)c->timeout_ms;
	tl_tvs_msg m;
	tl_buf out;
	size_t used;
	int rc;

	memset(a, 0, sizeof(*a));
	req->session = ++c->session;
	tl_buf_init(&out);
	if (tl_tvs_encode(req, &out, e)) {
		tl_buf_free(&out);
		return TL_TVS_E_PROTOCOL;
	}
	do
		rc = tl_tlsconn_write(c->conn, out.p, out.len, e);
	while (again(c, &rc, deadline, e));
	tl_buf_free(&out);
	if (rc != TL_IO_DONE)
		return tl_wrap(e, "sending the request"), TL_TVS_E_TLS;
	for (;;) {
		size_t got;

		rc = c->in_len ? tl_tvs_decode(c->in, c->in_len, &m, &used, e) : 0;
		if (rc < 0)
			return tl_wrap(e, "the server's answer"), TL_TVS_E_PROTOCOL;
		if (rc == 1)
			break;
		if (c->in_cap < c->in_len + 16384) {
			uint8_t *p;

			if (c->in_len + 16384 > 2 * (65536 + TL_TVS_HEADER))
				return tl_fail(e, "the server's answer is too long"),
				       TL_TVS_E_PROTOCOL;
			if ((p = realloc(c->in, c->in_len + 16384)) == NULL)
				return tl_fail(e, "out of memory"), TL_TVS_E_TLS;
			c->in = p;
			c->in_cap = c->in_len + 16384;
		}
		do
			rc = tl_tlsconn_read(c->conn, c->in + c->in_len,
					     c->in_cap - c->in_len, &got, e);
		while (again(c, &rc, deadline, e));
		if (rc == TL_IO_EOF)
			return tl_fail(e, "the server closed the connection without "
				       "answering"), TL_TVS_E_PROTOCOL;
		if (rc != TL_IO_DONE)
			return tl_wrap(e, "reading the answer"), TL_TVS_E_TLS;
		c->in_len += got;
	}
	rc = tl_tvs_take_answer(&m, req->command + 1, req->session, a, e);
	memmove(c->in, c->in + used, c->in_len - used);
	c->in_len -= used;
	return rc ? TL_TVS_E_PROTOCOL : 0;
}

int tl_tvs_verify(tl_tvs_client *c, const char *device, const uint8_t *der,
		  size_t len, tl_tvs_answer *a, tl_err *e)
{
	tl_tvs_msg m;

	tl_tvs_verify_msg(&m, device, der, len);
	return ask(c, &m, a, e);
}

int tl_tvs_query(tl_tvs_client *c, const char *device, const char *issuer,
		 const uint8_t *serial, size_t serial_len, tl_tvs_answer *a, tl_err *e)
{
	tl_tvs_msg m;

	tl_tvs_query_msg(&m, device, issuer, serial, serial_len);
	return ask(c, &m, a, e);
}

/* A fleet phone's TVS question asked on the loop (fleetphone.h): a
 * decision that needs TVS is taken twice. The first time the phone only
 * notes the question (the verdict is dropped), the exchange runs here with
 * netloop's non-blocking TLS steps and tvsclient's request and answer
 * checks, and the decision is taken again with the answer. Decisions
 * change nothing in the phone until they accept, so the second is the one
 * a phone asking in line would reach, and other phones go on booting
 * meanwhile. */
#include "fleetphone.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "phonenet.h"
#include "tvsclient.h"

enum xstate { X_CONNECT, X_HANDSHAKE, X_SEND, X_READ };

/* One phone's TVS exchange on the loop: the servers in turn, one TLS
 * connection and one request each, until one answers. */
typedef struct tl_fleet_tvsx {
	tl_fleet_boot *b;
	const tl_phonecnf_server *list;
	size_t n, i;
	enum xstate st;
	int fd;
	tl_tlsconn *conn;
	tl_ev *rd, *wr, *timer;
	uint8_t cmd;
	uint32_t session;
	tl_buf out;
	uint8_t *in;
	size_t in_len, in_cap;
} tvsx;

void tl_fleet_tvs_free(tl_fleet_tvsq *q)
{
	free(q->der);
	free(q->issuer);
	free(q->serial);
	tl_cert_free(q->a.cert);
	memset(q, 0, sizeof(*q));
}

static int q_same(const tl_fleet_tvsq *q, const tl_cert *cert, const char *issuer,
		  const uint8_t *serial, size_t serial_len)
{
	if (cert)
		return q->der && q->der_len == cert->der_len &&
		       !memcmp(q->der, cert->der, cert->der_len);
	return q->issuer && !strcmp(q->issuer, issuer) && q->serial_len == serial_len &&
	       !memcmp(q->serial, serial, serial_len);
}

/* The decisions' tl_tvs_fn. With the answer to this very question in hand
 * it gives it; otherwise it notes the question for the loop and answers
 * "unreachable" to a decision that tl_fleet_decide() then drops. */
static int tvs_ask(void *arg, const tl_cert *cert, const char *issuer,
		   const uint8_t *serial, size_t serial_len, tl_phone_tvs_answer *a)
{
	tl_fleet_boot *b = arg;
	tl_fleet_tvsq *q = &b->q;

	if (q->answered && q_same(q, cert, issuer, serial, serial_len)) {
		*a = q->a;
		q->a.cert = NULL;	/* the decision frees it */
		q->answered = 0;
		if (a->reachable && a->valid)
			b->tvs_vouched = 1;
		return 0;
	}
	b->fl->tvs_asked++;
	if (!b->f.phone.has_itl) {
		snprintf(a->server, sizeof(a->server), "no ITL to trust TVS with");
		return 0;
	}
	tl_fleet_tvs_free(q);
	if (cert) {
		if ((q->der = malloc(cert->der_len)) != NULL)
			memcpy(q->der, cert->der, cert->der_len);
		q->der_len = cert->der_len;
	} else {
		q->issuer = strdup(issuer);
		if ((q->serial = malloc(serial_len ? serial_len : 1)) != NULL)
			memcpy(q->serial, serial, serial_len);
		q->serial_len = serial_len;
	}
	if ((cert && !q->der) || (!cert && (!q->issuer || !q->serial))) {
		tl_fleet_tvs_free(q);
		snprintf(a->server, sizeof(a->server), "out of memory");
		return 0;
	}
	q->pending = 1;
	return 0;
}

tl_tvs_fn tl_fleet_tvs(const tl_fleet_boot *b)
{
	tl_phonecnf_server list[TL_PHONE_SERVERS];

	return tl_phone_tvs_servers(&b->f.phone, b->fl->tvs, b->fl->ntvs,
				    b->have_last ? &b->last : NULL, list) ? tvs_ask : NULL;
}

static void x_close(tvsx *x)
{
	tl_ev_free(x->rd);
	tl_ev_free(x->wr);
	tl_tlsconn_free(x->conn);
	if (x->fd >= 0)
		close(x->fd);
	x->rd = x->wr = NULL;
	x->conn = NULL;
	x->fd = -1;
	x->out.len = 0;
	x->in_len = 0;
}

/* The exchange is over: the answer (or "unreachable") goes to the phone,
 * whose decision is taken again. */
static void x_end(tvsx *x)
{
	tl_fleet_boot *b = x->b;

	x_close(x);
	tl_ev_free(x->timer);
	tl_buf_free(&x->out);
	free(x->in);
	free(x);
	b->x = NULL;
	b->q.pending = 0;
	b->q.answered = 1;
	tl_fleet_decide(b);
}

static void x_connect(tvsx *x);

/* This server did not answer: the next one, or the end. */
static void x_fail(tvsx *x)
{
	x_close(x);
	if (++x->i < x->n)
		x_connect(x);
	else
		x_end(x);
}

static void x_wait(tvsx *x, int want)
{
	tl_ev_disable(want == TL_IO_WANT_WRITE ? x->rd : x->wr);
	tl_ev_enable(want == TL_IO_WANT_WRITE ? x->wr : x->rd);
}

/* The request for the phone's question, its session set. */
static int x_request(tvsx *x, tl_err *e)
{
	const tl_fleet_boot *b = x->b;
	tl_tvs_msg m;

	if (b->q.der)
		tl_tvs_verify_msg(&m, b->f.phone.tvs_name, b->q.der, b->q.der_len);
	else
		tl_tvs_query_msg(&m, b->f.phone.tvs_name, b->q.issuer, b->q.serial,
				 b->q.serial_len);
	m.session = ++x->session;
	x->cmd = m.command;
	return tl_tvs_encode(&m, &x->out, e);
}

/* 1 when a whole answer was taken into the phone's question, 0 when more
 * bytes are needed, -1 when it is not an answer. */
static int x_answer(tvsx *x)
{
	tl_phone_tvs_answer *a = &x->b->q.a;
	tl_tvs_answer ans;
	tl_tvs_msg m;
	size_t used;
	tl_err e;
	int rc = tl_tvs_decode(x->in, x->in_len, &m, &used, &e);

	if (rc <= 0)
		return rc;
	if (tl_tvs_take_answer(&m, (uint8_t)(x->cmd + 1), x->session, &ans, &e))
		return -1;
	a->reachable = 1;
	a->valid = ans.valid;
	memcpy(a->roles, ans.roles, ans.nroles);
	a->nroles = ans.nroles;
	a->ttl = ans.ttl;
	if (ans.valid && ans.cert && tl_cert_from_der(ans.cert, ans.cert_len, &a->cert, &e))
		a->valid = 0;
	tl_tvs_answer_free(&ans);
	return 1;
}

/* Room for at least 16 KB more input, within what an answer can be. */
static int x_room(tvsx *x)
{
	uint8_t *p;

	if (x->in_cap >= x->in_len + 16384)
		return 0;
	if (x->in_len + 16384 > 2 * (65536 + TL_TVS_HEADER) ||
	    (p = realloc(x->in, x->in_len + 16384)) == NULL)
		return -1;
	x->in = p;
	x->in_cap = x->in_len + 16384;
	return 0;
}

/* Runs the exchange's steps until one must wait for the socket. */
static void x_run(void *arg)
{
	tvsx *x = arg;
	tl_phone_tvs_answer *a = &x->b->q.a;
	tl_tvs_pin pin = { .itl = &x->b->f.phone.itl };
	const uint8_t *der;
	socklen_t elen = sizeof(int);
	size_t len, got;
	int rc = TL_IO_ERROR, err = 0;
	tl_err e;

	for (;;) {
		switch (x->st) {
		case X_CONNECT:
			if (getsockopt(x->fd, SOL_SOCKET, SO_ERROR, &err, &elen) || err ||
			    (x->conn = tl_tlsconn_new(x->b->fl->tls, x->fd, &e)) == NULL)
				return x_fail(x);
			x->st = X_HANDSHAKE;
			continue;
		case X_HANDSHAKE:
			if ((rc = tl_tlsconn_handshake(x->conn, &e)) != TL_IO_DONE)
				break;
			/* the server's certificate must be a TVS record of the ITL,
			 * within its dates */
			if (tl_tlsconn_peer_der(x->conn, &der, &len))
				return x_fail(x);
			if (tl_tvs_client_pinned(&pin, der, len, &e)) {
				snprintf(a->why, sizeof(a->why), "%.390s", e.msg);
				return x_fail(x);
			}
			if (tl_phone_tvs_dates(&x->b->f.phone, der, len, a->why,
					       sizeof(a->why)) || x_request(x, &e))
				return x_fail(x);
			x->st = X_SEND;
			continue;
		case X_SEND:
			if ((rc = tl_tlsconn_write(x->conn, x->out.p, x->out.len, &e)) !=
			    TL_IO_DONE)
				break;
			x->st = X_READ;
			continue;
		case X_READ:
			if (x->in_len && (rc = x_answer(x)) != 0)
				return rc > 0 ? x_end(x) : x_fail(x);
			if (x_room(x))
				return x_fail(x);
			if ((rc = tl_tlsconn_read(x->conn, x->in + x->in_len,
						  x->in_cap - x->in_len, &got, &e)) != TL_IO_DONE)
				break;
			x->in_len += got;
			continue;
		}
		if (rc == TL_IO_WANT_READ || rc == TL_IO_WANT_WRITE)
			return x_wait(x, rc);
		return x_fail(x);
	}
}

static void x_timeout(void *arg)
{
	x_fail(arg);
}

/* Asks the phone's question on the loop: the --tvs server, else those of
 * the configuration the phone kept. */
void tl_fleet_tvs_start(tl_fleet_boot *b)
{
	tl_fleet *fl = b->fl;
	tvsx *x = calloc(1, sizeof(*x));
	tl_err e;

	if (x == NULL || (!fl->tls && tl_tls_client(&fl->tls, 12, &e)) ||
	    (x->timer = tl_ev_timer(fl->loop, x_timeout, x, &e)) == NULL) {
		free(x);
		snprintf(b->q.a.server, sizeof(b->q.a.server), "no TLS client");
		b->q.pending = 0;
		b->q.answered = 1;
		tl_fleet_decide(b);
		return;
	}
	b->x = x;
	x->b = b;
	x->fd = -1;
	x->list = b->tvs;
	x->n = tl_phone_tvs_servers(&b->f.phone, fl->tvs, fl->ntvs,
				    b->have_last ? &b->last : NULL, b->tvs);
	/* sessions start at a random number, as a phone's would */
	if (tl_random((uint8_t *)&x->session, sizeof(x->session), &e))
		x->session = (uint32_t)b->idx;
	tl_buf_init(&x->out);
	x_connect(x);
}

/* A non-blocking connection to server i; its steps go on in x_run. */
static void x_connect(tvsx *x)
{
	const tl_phonecnf_server *s = &x->list[x->i];
	struct addrinfo hints, *ai = NULL;
	char port[16];
	int one = 1;
	tl_err e;

	snprintf(x->b->q.a.server, sizeof(x->b->q.a.server), "%.80s:%d", s->host, s->port);
	x->b->q.a.why[0] = 0;	/* the last server tried says why */
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%d", s->port);
	x->st = X_CONNECT;
	if (getaddrinfo(s->host, port, &hints, &ai) ||
	    (x->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			    0)) < 0) {
		if (ai)
			freeaddrinfo(ai);
		return x_fail(x);
	}
	setsockopt(x->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if ((connect(x->fd, ai->ai_addr, ai->ai_addrlen) && errno != EINPROGRESS) ||
	    (x->rd = tl_ev_io(x->b->fl->loop, x->fd, TL_EV_READ, x_run, x, &e)) == NULL ||
	    (x->wr = tl_ev_io(x->b->fl->loop, x->fd, TL_EV_WRITE, x_run, x, &e)) == NULL) {
		freeaddrinfo(ai);
		return x_fail(x);
	}
	freeaddrinfo(ai);
	tl_ev_arm(x->timer, (unsigned)x->b->fl->timeout_ms);
	tl_ev_enable(x->wr);
}

#include "tftpclient.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loop.h"

const char *tl_tftpc_fail_name(int why)
{
	static const char *const names[] = {
		"ok", "not found", "TFTP error", "timeout", "local error", "protocol error",
	};

	return why >= 0 && why <= TL_TFTPC_PROTOCOL ? names[why] : "error";
}

static int same(const struct sockaddr_storage *a, const struct sockaddr_storage *b,
		socklen_t len)
{
	return memcmp(a, b, len) == 0;
}

static int open_socket(const tl_tftpc_opts *o, struct sockaddr_storage *srv,
		       socklen_t *srvlen, tl_err *e)
{
	struct addrinfo hints, *ai;
	char port[16];
	int fd, rc, size;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_DGRAM;
	snprintf(port, sizeof(port), "%d", o->port ? o->port : 69);
	if ((rc = getaddrinfo(o->host, port, &hints, &ai)) != 0)
		return tl_fail(e, "TFTP server %s: %s", o->host, gai_strerror(rc));
	memcpy(srv, ai->ai_addr, ai->ai_addrlen);
	*srvlen = ai->ai_addrlen;
	freeaddrinfo(ai);
	if ((fd = socket(srv->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		return tl_fail(e, "TFTP: socket: %s", strerror(errno));
	/* Room for a whole window of large blocks (FORCE works for root,
	 * beyond net.core.rmem_max). */
	size = 8 << 20;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return fd;
}

static void resend(tl_tftpc *c)
{
	sendto(c->fd, c->pkt, c->pkt_len, 0, (struct sockaddr *)&c->srv, c->srvlen);
}

int tl_tftpc_start(tl_tftpc *c, const tl_tftpc_opts *o, const char *file,
		   tl_tftpc_result *r, tl_err *e)
{
	memset(c, 0, sizeof(*c));
	memset(r, 0, sizeof(*r));
	c->o = o;
	c->file = file;
	c->r = r;
	c->timeout_ms = o->timeout_ms ? o->timeout_ms : 1000;
	c->retries = o->retries == 0 ? 8 : o->retries < 0 ? 0 : o->retries;
	c->blksize = TL_TFTP_BLKSIZE;
	c->window = 1;
	c->expected = 1;
	c->last_acked = -1;
	c->pkt_len = tl_tftp_put_request(c->pkt, sizeof(c->pkt), TL_TFTP_RRQ, file,
					 o->netascii, &o->want);
	if (c->pkt_len == 0)
		return tl_fail(e, "TFTP: the file name %s is too long for a request",
			       file), TL_TFTPC_LOCAL;
	if ((c->fd = open_socket(o, &c->srv, &c->srvlen, e)) < 0)
		return TL_TFTPC_LOCAL;
	if ((c->buf = malloc(TL_TFTP_PKT_MAX)) == NULL) {
		close(c->fd);
		return tl_fail(e, "out of memory"), TL_TFTPC_LOCAL;
	}
	resend(c);
	return TL_TFTPC_MORE;
}

/* One datagram from the server's transfer port. */
static int input(tl_tftpc *c, const tl_tftp_pkt *p, tl_err *e)
{
	tl_tftpc_result *r = c->r;
	int done = 0;

	c->tries = 0;
	if (p->op == TL_TFTP_ERROR) {
		r->code = p->code;
		snprintf(r->msg, sizeof(r->msg), "%s", p->msg);
		tl_fail(e, "TFTP %s: error %u (%s)", c->file, p->code, r->msg);
		return p->code == TL_TFTP_ENOTFOUND ? TL_TFTPC_NOTFOUND : TL_TFTPC_REMOTE;
	}
	if (p->op == TL_TFTP_OACK && c->expected == 1 && c->last_acked < 0) {
		if (p->opts.blksize)
			c->blksize = p->opts.blksize;
		if (p->opts.windowsize)
			c->window = p->opts.windowsize;
		r->oack = 1;
		r->acked = p->opts;
	} else if (p->op != TL_TFTP_DATA) {
		return TL_TFTPC_MORE;
	} else if (p->block == (uint16_t)c->expected) {
		if (p->data_len > c->blksize)
			return tl_fail(e, "TFTP %s: block %llu holds %zu bytes, more than "
				       "the %u negotiated", c->file,
				       (unsigned long long)c->expected, p->data_len,
				       c->blksize), TL_TFTPC_PROTOCOL;
		if (p->data_len && c->o->sink(c->o->sink_arg, p->data, p->data_len))
			return tl_fail(e, "TFTP %s: cannot keep the bytes received",
				       c->file), TL_TFTPC_LOCAL;
		r->bytes += p->data_len;
		c->expected++;
		done = p->data_len < c->blksize;
		/* RFC 7440: acknowledge the end of each window */
		if (!done && ++c->inwin < c->window)
			return TL_TFTPC_MORE;
	} else if ((uint16_t)(p->block - (uint16_t)c->expected) < 0x8000) {
		/* a later block: one went missing, ask for it once */
		r->repeats++;
		if (c->last_acked == (int64_t)c->expected - 1)
			return TL_TFTPC_MORE;
	} else {
		/* An older duplicate: acknowledging it again would send the
		 * server back for nothing. Only a repeat of the latest block
		 * says our ACK was lost. */
		r->repeats++;
		if (p->block != (uint16_t)(c->expected - 1))
			return TL_TFTPC_MORE;
	}
	c->inwin = 0;
	c->last_acked = (int64_t)c->expected - 1;
	c->pkt_len = tl_tftp_put_ack(c->pkt, sizeof(c->pkt), (uint16_t)c->last_acked);
	resend(c);
	r->acks++;
	return done ? TL_TFTPC_OK : TL_TFTPC_MORE;
}

int tl_tftpc_read(tl_tftpc *c, tl_err *e)
{
	struct sockaddr_storage from;
	socklen_t fromlen;
	tl_tftp_pkt p;
	ssize_t n;
	int code, rc;

	for (;;) {
		fromlen = sizeof(from);
		n = recvfrom(c->fd, c->buf, TL_TFTP_PKT_MAX, 0, (struct sockaddr *)&from,
			     &fromlen);
		if (n < 0)
			return TL_TFTPC_MORE;
		if (!c->have_tid) {
			c->srv = from;
			c->srvlen = fromlen;
			c->have_tid = 1;
			if (c->o->on_tid)
				c->o->on_tid(c->o->tid_arg, &c->srv, c->srvlen);
		} else if (fromlen != c->srvlen || !same(&from, &c->srv, c->srvlen)) {
			continue;
		}
		if (tl_tftp_parse(c->buf, (size_t)n, &p, &code, NULL))
			continue;
		if ((rc = input(c, &p, e)) != TL_TFTPC_MORE)
			return rc;
	}
}

int tl_tftpc_timeout(tl_tftpc *c, tl_err *e)
{
	if (++c->tries > c->retries)
		return tl_fail(e, "TFTP %s port %d: no answer for %s after %d tries of "
			       "%u ms", c->o->host, c->o->port ? c->o->port : 69, c->file,
			       c->tries, c->timeout_ms), TL_TFTPC_TIMEOUT;
	c->r->timeouts++;
	/* the request again, or the last ACK */
	resend(c);
	return TL_TFTPC_MORE;
}

void tl_tftpc_end(tl_tftpc *c)
{
	c->r->blocks = c->expected - 1;
	free(c->buf);
	c->buf = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

int tl_tftp_get(const tl_tftpc_opts *o, const char *file, tl_tftpc_result *r,
		tl_err *e)
{
	tl_tftpc c;
	int rc = tl_tftpc_start(&c, o, file, r, e);

	if (rc != TL_TFTPC_MORE)
		return rc;
	while (rc == TL_TFTPC_MORE) {
		struct pollfd pf = { c.fd, POLLIN, 0 };

		rc = poll(&pf, 1, (int)c.timeout_ms) == 0 ? tl_tftpc_timeout(&c, e)
							  : tl_tftpc_read(&c, e);
	}
	/* Dally: the final ACK may be lost; answer a repeated last block. */
	for (struct pollfd pf = { c.fd, POLLIN, 0 };
	     rc == TL_TFTPC_OK && o->dally_ms && poll(&pf, 1, (int)o->dally_ms) == 1;) {
		if (recv(c.fd, c.buf, TL_TFTP_PKT_MAX, 0) > 0)
			resend(&c);
	}
	tl_tftpc_end(&c);
	return rc;
}

struct membuf {
	tl_buf b;
	size_t max;
	int too_large;
};

static int to_memory(void *arg, const uint8_t *p, size_t n)
{
	struct membuf *m = arg;

	if (m->b.len + n > m->max) {
		m->too_large = 1;
		return -1;
	}
	tl_buf_add(&m->b, p, n);
	return m->b.failed ? -1 : 0;
}

/* A transfer into memory has ended with rc: on success the bytes move to
 * *out (NUL after the last, for the text parsers), else they are freed. */
static int mem_done(struct membuf *m, int rc, const char *file, uint8_t **out,
		    size_t *len, tl_err *e)
{
	*out = NULL;
	*len = 0;
	if (rc == TL_TFTPC_LOCAL && m->too_large)
		tl_fail(e, "TFTP %s: larger than %zu bytes", file, m->max);
	if (rc == TL_TFTPC_OK) {
		tl_buf_u8(&m->b, 0);
		if (tl_buf_ok(&m->b, e)) {
			rc = TL_TFTPC_LOCAL;
		} else {
			*out = m->b.p;
			*len = m->b.len - 1;
			tl_buf_init(&m->b);
			return rc;
		}
	}
	tl_buf_free(&m->b);
	return rc;
}

int tl_tftp_fetch(const tl_tftpc_opts *o, const char *file, size_t max,
		  uint8_t **out, size_t *len, tl_tftpc_result *r, tl_err *e)
{
	tl_tftpc_opts mo = *o;
	struct membuf m;

	tl_buf_init(&m.b);
	m.max = max;
	m.too_large = 0;
	mo.sink = to_memory;
	mo.sink_arg = &m;
	return mem_done(&m, tl_tftp_get(&mo, file, r, e), file, out, len, e);
}

/* ---- one transfer on an event loop ---- */

struct tl_tftpc_ev {
	tl_tftpc c;
	tl_tftpc_opts o;
	tl_tftpc_result *r;
	struct membuf m;
	tl_ev *rd, *tm;
	tl_tftpc_done done;
	void *arg;
	tl_err e;
};

static void ev_stepped(tl_tftpc_ev *t, int rc)
{
	uint8_t *out = NULL;
	size_t len = 0;

	if (rc == TL_TFTPC_MORE) {
		tl_ev_arm(t->tm, t->c.timeout_ms);
		return;
	}
	tl_ev_free(t->rd);
	tl_ev_free(t->tm);
	tl_tftpc_end(&t->c);
	if (t->o.sink == to_memory)
		rc = mem_done(&t->m, rc, t->c.file, &out, &len, &t->e);
	/* done may start the next transfer: nothing of t is used after it */
	tl_tftpc_done done = t->done;
	void *arg = t->arg;
	tl_err e = t->e;

	free(t);
	done(arg, rc, out, len, &e);
}

static void ev_read(void *arg)
{
	tl_tftpc_ev *t = arg;

	ev_stepped(t, tl_tftpc_read(&t->c, &t->e));
}

static void ev_timeout(void *arg)
{
	tl_tftpc_ev *t = arg;

	ev_stepped(t, tl_tftpc_timeout(&t->c, &t->e));
}

int tl_tftpc_ev_start(tl_loop *l, const tl_tftpc_opts *o, const char *file,
		      size_t max, tl_tftpc_result *r, tl_tftpc_done done, void *arg,
		      tl_err *e)
{
	tl_tftpc_ev *t = calloc(1, sizeof(*t));
	int rc;

	if (t == NULL)
		return tl_fail(e, "out of memory"), TL_TFTPC_LOCAL;
	t->o = *o;
	t->r = r;
	t->done = done;
	t->arg = arg;
	tl_buf_init(&t->m.b);
	t->m.max = max;
	if (o->sink == NULL) {
		t->o.sink = to_memory;
		t->o.sink_arg = &t->m;
	}
	if ((rc = tl_tftpc_start(&t->c, &t->o, file, r, e)) != TL_TFTPC_MORE) {
		free(t);
		return rc;
	}
	if ((t->rd = tl_ev_io(l, t->c.fd, TL_EV_READ, ev_read, t, e)) == NULL ||
	    (t->tm = tl_ev_timer(l, ev_timeout, t, e)) == NULL || tl_ev_enable(t->rd)) {
		tl_ev_free(t->rd);
		tl_ev_free(t->tm);
		tl_tftpc_end(&t->c);
		free(t);
		return TL_TFTPC_LOCAL;
	}
	tl_ev_arm(t->tm, t->c.timeout_ms);
	return TL_TFTPC_MORE;
}

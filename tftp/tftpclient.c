#include "tftpclient.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	if ((fd = socket(srv->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return tl_fail(e, "TFTP: socket: %s", strerror(errno));
	/* Room for a whole window of large blocks (FORCE works for root,
	 * beyond net.core.rmem_max). */
	size = 8 << 20;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return fd;
}

int tl_tftp_get(const tl_tftpc_opts *o, const char *file, tl_tftpc_result *r,
		tl_err *e)
{
	unsigned blksize = TL_TFTP_BLKSIZE, window = 1, inwin = 0;
	unsigned timeout_ms = o->timeout_ms ? o->timeout_ms : 1000;
	int retries = o->retries == 0 ? 8 : o->retries < 0 ? 0 : o->retries;
	int tries = 0, have_tid = 0, done = 0, code, fd, rc;
	struct sockaddr_storage srv, from;
	socklen_t srvlen = 0, fromlen;
	uint64_t expected = 1;
	int64_t last_acked = -1;
	uint8_t pkt[1024], *buf;
	size_t last_len;
	tl_tftp_pkt p;

	memset(r, 0, sizeof(*r));
	if ((fd = open_socket(o, &srv, &srvlen, e)) < 0)
		return TL_TFTPC_LOCAL;
	if ((buf = malloc(TL_TFTP_PKT_MAX)) == NULL) {
		close(fd);
		return tl_fail(e, "out of memory"), TL_TFTPC_LOCAL;
	}
	last_len = tl_tftp_put_request(pkt, sizeof(pkt), TL_TFTP_RRQ, file,
				       o->netascii, &o->want);
	if (last_len == 0) {
		rc = TL_TFTPC_LOCAL;
		tl_fail(e, "TFTP: the file name %s is too long for a request", file);
		goto out;
	}
	sendto(fd, pkt, last_len, 0, (struct sockaddr *)&srv, srvlen);
	while (!done) {
		struct pollfd pf = { fd, POLLIN, 0 };
		ssize_t n;

		if (poll(&pf, 1, (int)timeout_ms) == 0) {
			if (++tries > retries) {
				rc = TL_TFTPC_TIMEOUT;
				tl_fail(e, "TFTP %s port %d: no answer for %s after %d "
					"tries of %u ms", o->host, o->port ? o->port : 69,
					file, tries, timeout_ms);
				goto out;
			}
			r->timeouts++;
			/* the request again, or the last ACK */
			sendto(fd, pkt, last_len, 0, (struct sockaddr *)&srv, srvlen);
			continue;
		}
		fromlen = sizeof(from);
		n = recvfrom(fd, buf, TL_TFTP_PKT_MAX, 0, (struct sockaddr *)&from, &fromlen);
		if (n < 0)
			continue;
		if (!have_tid) {
			srv = from;
			srvlen = fromlen;
			have_tid = 1;
			if (o->on_tid)
				o->on_tid(o->tid_arg, &srv, srvlen);
		} else if (fromlen != srvlen || !same(&from, &srv, srvlen)) {
			continue;
		}
		if (tl_tftp_parse(buf, (size_t)n, &p, &code, NULL))
			continue;
		tries = 0;
		if (p.op == TL_TFTP_ERROR) {
			r->code = p.code;
			snprintf(r->msg, sizeof(r->msg), "%s", p.msg);
			rc = p.code == TL_TFTP_ENOTFOUND ? TL_TFTPC_NOTFOUND : TL_TFTPC_REMOTE;
			tl_fail(e, "TFTP %s: error %u (%s)", file, p.code, r->msg);
			goto out;
		}
		if (p.op == TL_TFTP_OACK && expected == 1 && last_acked < 0) {
			if (p.opts.blksize)
				blksize = p.opts.blksize;
			if (p.opts.windowsize)
				window = p.opts.windowsize;
			r->oack = 1;
			r->acked = p.opts;
		} else if (p.op == TL_TFTP_OACK) {
			continue;
		} else if (p.op != TL_TFTP_DATA) {
			continue;
		} else if (p.block == (uint16_t)expected) {
			if (p.data_len > blksize) {
				rc = TL_TFTPC_PROTOCOL;
				tl_fail(e, "TFTP %s: block %llu holds %zu bytes, more than "
					"the %u negotiated", file,
					(unsigned long long)expected, p.data_len, blksize);
				goto out;
			}
			if (p.data_len && o->sink(o->sink_arg, p.data, p.data_len)) {
				rc = TL_TFTPC_LOCAL;
				tl_fail(e, "TFTP %s: cannot keep the bytes received", file);
				goto out;
			}
			r->bytes += p.data_len;
			expected++;
			done = p.data_len < blksize;
			/* RFC 7440: acknowledge the end of each window */
			if (!done && ++inwin < window)
				continue;
		} else if ((uint16_t)(p.block - (uint16_t)expected) < 0x8000) {
			/* a later block: one went missing, ask for it once */
			if (last_acked == (int64_t)expected - 1)
				continue;
		} else if (p.block != (uint16_t)(expected - 1)) {
			/* An older duplicate: acknowledging it again would
			 * send the server back for nothing. Only a repeat of
			 * the latest block says our ACK was lost. */
			continue;
		}
		inwin = 0;
		last_acked = (int64_t)expected - 1;
		last_len = tl_tftp_put_ack(pkt, sizeof(pkt), (uint16_t)last_acked);
		sendto(fd, pkt, last_len, 0, (struct sockaddr *)&srv, srvlen);
		r->acks++;
	}
	/* Dally: the final ACK may be lost; answer a repeated last block. */
	for (struct pollfd pf = { fd, POLLIN, 0 };
	     o->dally_ms && poll(&pf, 1, (int)o->dally_ms) == 1;) {
		if (recv(fd, buf, TL_TFTP_PKT_MAX, 0) > 0)
			sendto(fd, pkt, last_len, 0, (struct sockaddr *)&srv, srvlen);
	}
	rc = TL_TFTPC_OK;
out:
	r->blocks = expected - 1;
	free(buf);
	close(fd);
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

int tl_tftp_fetch(const tl_tftpc_opts *o, const char *file, size_t max,
		  uint8_t **out, size_t *len, tl_tftpc_result *r, tl_err *e)
{
	tl_tftpc_opts mo = *o;
	struct membuf m;
	int rc;

	*out = NULL;
	*len = 0;
	tl_buf_init(&m.b);
	m.max = max;
	m.too_large = 0;
	mo.sink = to_memory;
	mo.sink_arg = &m;
	rc = tl_tftp_get(&mo, file, r, e);
	if (rc == TL_TFTPC_LOCAL && m.too_large)
		tl_fail(e, "TFTP %s: larger than %zu bytes", file, max);
	if (rc == TL_TFTPC_OK) {
		tl_buf_u8(&m.b, 0);	/* the NUL text parsers may rely on */
		if (tl_buf_ok(&m.b, e)) {
			rc = TL_TFTPC_LOCAL;
		} else {
			*out = m.b.p;
			*len = m.b.len - 1;
			return rc;
		}
	}
	tl_buf_free(&m.b);
	return rc;
}

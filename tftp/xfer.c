#include "xfer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* The wait between retransmissions doubles up to this many times the first:
 * long enough not to flood a link that drops everything, short enough that
 * a client's own timeout (tftp-hpa gives up after 25 s) sees several more
 * tries through a link that drops one datagram in five. */
#define BACKOFF_MAX_FACTOR 4
#define SNDBUF_MAX (8 << 20)

void tl_tftp_peer_of(const struct sockaddr_storage *ss, tl_tftp_peer *p)
{
	memset(p, 0, sizeof(*p));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)ss;

		p->b[10] = p->b[11] = 0xff;
		memcpy(p->b + 12, &s4->sin_addr, 4);
		memcpy(p->b + 16, &s4->sin_port, 2);
	} else {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		memcpy(p->b, &s6->sin6_addr, 16);
		memcpy(p->b + 16, &s6->sin6_port, 2);
	}
}

const char *tl_tftp_peer_str(const struct sockaddr_storage *ss, char *out,
			     size_t n)
{
	return tl_sock_str((const struct sockaddr *)ss, 1, out, n);
}

void tl_tftp_send_error(int fd, const struct sockaddr_storage *to,
			socklen_t tolen, int code, const char *msg)
{
	uint8_t pkt[TL_TFTP_ERROR_MAX];
	size_t n = tl_tftp_put_error(pkt, sizeof(pkt), code, msg);

	if (n)
		sendto(fd, pkt, n, 0, (const struct sockaddr *)to, tolen);
}

void tl_tftp_xfer_end(tl_tftp_xfer *x, const char *result, int code,
		      const char *msg)
{
	tl_tftp_server *s = x->srv;
	char who[80], name[400], detail[300] = "";
	uint64_t bytes = x->acked <= 0 ? 0 :
			 (uint64_t)x->acked * x->blksize > x->size ? x->size :
			 (uint64_t)x->acked * x->blksize;

	if (msg) {
		char m[260];

		snprintf(detail, sizeof(detail), " code=%d message=%s", code,
			 tl_log_val(msg, m, sizeof(m)));
	}
	tl_log(LOG_INFO, "event=transfer client=%s file=%s mode=%s bytes=%llu "
	       "duration_ms=%llu blksize=%u windowsize=%u retransmits=%u result=%s%s",
	       tl_tftp_peer_str(&x->addr, who, sizeof(who)),
	       tl_log_val(x->name, name, sizeof(name)),
	       x->netascii ? "netascii" : "octet", (unsigned long long)bytes,
	       (unsigned long long)(tl_now_ms() - x->t0), x->blksize, x->window,
	       x->resent, result, detail);
	if (!strcmp(result, "ok")) {
		s->st->ok++;
		/* the final ACK is in: the phone has the whole file */
		tl_tsrec_file(s->rec, x->name, x->file.data, x->file.len, who, "tftp");
	} else
		s->st->failed++;
	s->st->bytes += bytes;
	tl_htab_remove(&s->by_peer, &x->node);
	tl_ev_free(x->rd);
	tl_ev_free(x->wr);
	tl_ev_free(x->tm);
	close(x->fd);
	tl_tftp_ns_release(s->ns, &x->file);
	free(x->scratch);
	free(x);
	s->active--;
	s->st->active = s->active;
	if (s->draining && s->active == 0 && s->done) {
		tl_ev_fn done = s->done;

		s->done = NULL;
		done(s->done_arg);
	}
}

static void send_oack(tl_tftp_xfer *x)
{
	uint8_t pkt[512];
	size_t n = tl_tftp_put_oack(pkt, sizeof(pkt), &x->oack);

	sendto(x->fd, pkt, n, 0, (struct sockaddr *)&x->addr, x->addrlen);
}

/* Sends blocks sent+1 .. min(acked + window, last). Returns 0, or -1 when
 * the socket failed for good. When the socket buffer is full the rest goes
 * out as soon as it drains. */
static int send_window(tl_tftp_xfer *x)
{
	int64_t limit = x->acked + x->window < x->last ? x->acked + x->window : x->last;

	while (x->sent < limit) {
		struct mmsghdr m[TL_TFTP_BATCH];
		struct iovec iov[TL_TFTP_BATCH][2];
		uint8_t hdr[TL_TFTP_BATCH][TL_TFTP_HDR];
		tl_netascii before = x->na_next;
		int n = 0, r;

		memset(m, 0, sizeof(m));
		for (int64_t b = x->sent + 1; b <= limit && n < TL_TFTP_BATCH; b++, n++) {
			uint64_t off = (uint64_t)(b - 1) * x->blksize;
			size_t len;

			tl_tftp_put_data_hdr(hdr[n], (uint16_t)b);
			iov[n][0].iov_base = hdr[n];
			iov[n][0].iov_len = TL_TFTP_HDR;
			if (x->netascii) {
				/* one block at a time through the scratch buffer */
				len = tl_netascii_fill(&x->na_next, x->file.data,
						       x->file.len, x->scratch, x->blksize);
				iov[n][1].iov_base = x->scratch;
			} else {
				len = x->size - off < x->blksize ? (size_t)(x->size - off)
								  : x->blksize;
				iov[n][1].iov_base = (void *)(x->file.data + off);
			}
			iov[n][1].iov_len = len;
			m[n].msg_hdr.msg_iov = iov[n];
			m[n].msg_hdr.msg_iovlen = 2;
			m[n].msg_hdr.msg_name = &x->addr;
			m[n].msg_hdr.msg_namelen = x->addrlen;
			if (x->netascii) {
				n++;
				break;
			}
		}
		r = sendmmsg(x->fd, m, (unsigned)n, 0);
		if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS)
			return -1;
		if (r < 0)
			r = 0;
		if (x->netascii && r == 0)
			x->na_next = before;	/* converted but not sent */
		x->sent += r;
		if (r < n) {
			tl_ev_enable(x->wr);
			break;
		}
	}
	return 0;
}

/* The state of the netascii converter at block acked + 1, moved on by
 * converting the blocks just acknowledged. */
static void na_advance(tl_tftp_xfer *x, int64_t from, int64_t to)
{
	for (int64_t b = from < 0 ? 0 : from; b < to; b++)
		tl_netascii_fill(&x->na_base, x->file.data, x->file.len, x->scratch,
				 x->blksize);
}

static void on_writable(void *arg)
{
	tl_tftp_xfer *x = arg;

	tl_ev_disable(x->wr);
	if (send_window(x))
		tl_tftp_xfer_end(x, "send-error", 0, NULL);
}

/* Sends the OACK again, or the window from the first block not
 * acknowledged (RFC 7440). -1 when the socket failed for good. */
static int resend(tl_tftp_xfer *x)
{
	x->resent++;
	x->sent_ms = tl_now_ms();
	if (x->acked < 0) {
		send_oack(x);
		return 0;
	}
	x->sent = x->acked;
	x->na_next = x->na_base;
	return send_window(x);
}

void tl_tftp_xfer_again(tl_tftp_xfer *x)
{
	/* A client still at the start asks again because it heard nothing:
	 * answered as its repeated ACK would be, at most once a timeout. */
	if (x->acked <= 0 && tl_now_ms() - x->sent_ms >= x->timeout_ms &&
	    resend(x))
		tl_tftp_xfer_end(x, "send-error", 0, NULL);
}

static void on_timeout(void *arg)
{
	tl_tftp_xfer *x = arg;

	if (++x->tries > x->srv->cfg.retries) {
		tl_tftp_xfer_end(x, "timeout", 0, NULL);
		return;
	}
	x->wait_ms = x->wait_ms * 2 > x->timeout_ms * BACKOFF_MAX_FACTOR ?
		     x->timeout_ms * BACKOFF_MAX_FACTOR : x->wait_ms * 2;
	if (resend(x)) {
		tl_tftp_xfer_end(x, "send-error", 0, NULL);
		return;
	}
	tl_ev_arm(x->tm, x->wait_ms);
}

/* x may be gone after it: the transfer ended. */
static void on_ack(tl_tftp_xfer *x, uint16_t block)
{
	uint64_t n = tl_tftp_acked(x->acked, x->sent, block);
	int64_t was = x->acked;

	/* A duplicate, or an ACK of a block never sent: nothing happens, so a
	 * delayed ACK cannot double the traffic (Sorcerer's Apprentice)...
	 * unless it repeats the last acknowledged block a whole timeout after
	 * the window went out: a client that timed out re-sends its ACK, and
	 * answering it then costs one window per client timeout, never one per
	 * datagram. */
	if (n == 0) {
		if (block == (uint16_t)x->acked && x->acked >= 0 &&
		    tl_now_ms() - x->sent_ms >= x->timeout_ms && resend(x))
			tl_tftp_xfer_end(x, "send-error", 0, NULL);
		return;
	}
	x->acked += (int64_t)n;
	if (x->netascii)
		na_advance(x, was, x->acked);
	if (x->acked == x->last) {
		tl_tftp_xfer_end(x, "ok", 0, NULL);
		return;
	}
	/* An ACK short of the last block sent says the client lost what
	 * followed: go back to the block after it (RFC 7440). */
	if (x->acked < x->sent) {
		x->sent = x->acked;
		x->na_next = x->na_base;
		x->resent++;
	}
	x->tries = 0;
	x->wait_ms = x->timeout_ms;
	x->sent_ms = tl_now_ms();
	if (send_window(x)) {
		tl_tftp_xfer_end(x, "send-error", 0, NULL);
		return;
	}
	tl_ev_arm(x->tm, x->wait_ms);
}

void tl_tftp_xfer_read(void *arg)
{
	tl_tftp_xfer *x = arg;
	tl_tftp_server *s = x->srv;

	for (int i = 0; i < TL_TFTP_BATCH; i++) {
		/* Not the server's rbuf: start() reads a transfer's queue
		 * while the request it parsed from rbuf is still in use. A
		 * client sends ACKs and ERRORs here; a longer ERROR message is
		 * cut and, without its NUL, ignored. */
		uint8_t buf[1024];
		struct sockaddr_storage from;
		socklen_t fromlen = sizeof(from);
		tl_tftp_pkt p;
		tl_tftp_peer k;
		ssize_t n;
		int code;

		n = recvfrom(x->fd, buf, sizeof(buf), 0,
			     (struct sockaddr *)&from, &fromlen);
		if (n < 0)
			return;
		tl_tftp_peer_of(&from, &k);
		if (memcmp(k.b, x->key.b, sizeof(k.b))) {
			/* RFC 1350: another port is answered, the transfer
			 * goes on undisturbed. */
			s->st->unknown_tid++;
			tl_tftp_send_error(x->fd, &from, fromlen, TL_TFTP_EBADID, NULL);
			continue;
		}
		if (tl_tftp_parse(buf, (size_t)n, &p, &code, NULL))
			continue;
		if (p.op == TL_TFTP_ERROR) {
			tl_tftp_xfer_end(x, "client-error", p.code, p.msg);
			return;
		}
		/* After an ACK the client waits for what it asked: looking
		 * for another packet now would cost a system call per block
		 * that finds nothing (anything queued wakes this again). */
		if (p.op == TL_TFTP_ACK) {
			on_ack(x, p.block);
			return;
		}
	}
}

static int xfer_socket(tl_tftp_server *s, const struct sockaddr_storage *local,
		       socklen_t locallen, unsigned sndbuf)
{
	struct sockaddr_storage any;
	int fd = socket(s->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (sndbuf > 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	/* A broadcast request has no address to answer from: any will do. */
	if (locallen && bind(fd, (const struct sockaddr *)local, locallen) == 0)
		return fd;
	memset(&any, 0, sizeof(any));
	any.ss_family = (sa_family_t)s->family;
	if (bind(fd, (struct sockaddr *)&any, s->family == AF_INET6 ?
		 sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in)) == 0)
		return fd;
	close(fd);
	return -1;
}

int tl_tftp_xfer_start(tl_tftp_server *s, const tl_tftp_pkt *p, uint64_t req,
		       const tl_tftp_peer *k, uint64_t h, tl_tftp_file *f,
		       const struct sockaddr_storage *from, socklen_t fromlen,
		       const struct sockaddr_storage *local, socklen_t locallen)
{
	tl_tftp_xfer *x;
	tl_err e;
	int oack;

	x = calloc(1, sizeof(*x));
	if (x == NULL) {
		tl_tftp_ns_release(s->ns, f);
		return -1;
	}
	x->srv = s;
	x->file = *f;
	x->key = *k;
	x->req = req;
	memcpy(&x->addr, from, fromlen);
	x->addrlen = fromlen;
	snprintf(x->name, sizeof(x->name), "%s", p->file);
	x->netascii = p->netascii;
	x->size = p->netascii ? tl_netascii_len(f->data, f->len) : f->len;
	oack = tl_tftp_negotiate(&p->opts, s->cfg.max_blksize, s->cfg.max_windowsize,
				 x->size, &x->oack);
	x->blksize = x->oack.blksize ? x->oack.blksize : TL_TFTP_BLKSIZE;
	x->window = x->oack.windowsize ? x->oack.windowsize : 1;
	x->timeout_ms = (x->oack.timeout ? x->oack.timeout : s->cfg.timeout_s) * 1000;
	x->wait_ms = x->timeout_ms;
	x->last = (int64_t)(x->size / x->blksize) + 1;
	x->acked = oack ? -1 : 0;
	x->t0 = tl_now_ms();
	tl_netascii_init(&x->na_base);
	tl_netascii_init(&x->na_next);
	x->fd = xfer_socket(s, local, locallen,
			    x->window * (x->blksize + 64) > SNDBUF_MAX ? SNDBUF_MAX :
			    x->window * (x->blksize + 64));
	if (x->fd < 0 || (x->netascii && (x->scratch = malloc(x->blksize)) == NULL) ||
	    (x->rd = tl_ev_io(s->loop, x->fd, TL_EV_READ, tl_tftp_xfer_read, x,
			       &e)) == NULL ||
	    (x->wr = tl_ev_io(s->loop, x->fd, TL_EV_WRITE, on_writable, x, &e)) == NULL ||
	    (x->tm = tl_ev_timer(s->loop, on_timeout, x, &e)) == NULL ||
	    tl_ev_enable(x->rd)) {
		tl_ev_free(x->rd);
		tl_ev_free(x->wr);
		if (x->fd >= 0)
			close(x->fd);
		free(x->scratch);
		free(x);
		tl_tftp_ns_release(s->ns, f);
		return -2;
	}
	s->st->requests++;
	s->active++;
	s->st->active = s->active;
	tl_htab_insert(&s->by_peer, &x->node, h);
	x->sent_ms = tl_now_ms();
	if (oack) {
		send_oack(x);
	} else if (send_window(x)) {
		tl_tftp_xfer_end(x, "send-error", 0, NULL);
		return 0;
	}
	tl_ev_arm(x->tm, x->wait_ms);
	return 0;
}

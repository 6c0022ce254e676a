#include "server.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hash.h"
#include "log.h"
#include "packet.h"

#define BATCH 64		/* datagrams per sendmmsg / per wake-up */
/* The wait between retransmissions doubles up to this many times the first:
 * long enough not to flood a link that drops everything, short enough that
 * a client's own timeout (tftp-hpa gives up after 25 s) sees several more
 * tries through a link that drops one datagram in five. */
#define BACKOFF_MAX_FACTOR 4
#define BUCKETS_MAX 65536	/* clients the rate limiter remembers */
#define SNDBUF_MAX (8 << 20)
/* A cluster-wide reset sends thousands of requests within milliseconds.
 * Each queued datagram costs the receive buffer about 1 KB, so the default
 * (208 KB) holds only a few hundred: the rest are dropped and every one
 * costs a phone its first timeout. */
#define RCVBUF_LISTEN (8 << 20)

/* A peer's address and port, as the hash tables key them. */
typedef struct peer {
	uint8_t b[18];		/* address (16, IPv4 as mapped) + port */
} peer;

typedef struct xfer {
	tl_hnode node;		/* in by_peer */
	tl_tftp_server *srv;
	int fd;
	tl_ev *rd, *wr, *tm;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	peer key;
	tl_tftp_file file;
	char name[160];		/* as requested, cut for the log */
	int netascii;
	uint64_t size;		/* bytes on the wire (netascii converted) */
	unsigned blksize, window, timeout_ms, wait_ms, tries, resent;
	uint64_t req;		/* the request's digest: the same one again is a duplicate */
	uint64_t sent_ms;	/* when the window last went out */
	/* Block indices from the start, never wrapping: 0 is the OACK, data
	 * is 1 .. last. acked < 0 while the OACK is unacknowledged. */
	int64_t acked, sent, last;
	tl_netascii na_base, na_next;	/* at blocks acked + 1 and sent + 1 */
	uint8_t *scratch;	/* netascii: one converted block */
	tl_tftp_opts oack;	/* what was negotiated, for a resent OACK */
	uint64_t t0;
} xfer;

typedef struct bucket {
	tl_hnode node;
	uint8_t ip[16];
	uint64_t last_ms;
	uint64_t milli;		/* tokens x 1000 */
} bucket;

struct stats {
	uint64_t requests, ok, failed, not_found, forbidden, refused_write,
		 bad, busy, limited, dup_requests, unknown_tid, bytes;
};

struct tl_tftp_server {
	tl_loop *loop;
	tl_tftp_ns *ns;
	tl_tftp_cfg cfg;
	int fd, family, port;
	tl_ev *rd, *summary, *grace;
	tl_htab by_peer;	/* transfers */
	tl_htab buckets;	/* rate limiter */
	unsigned active;
	int draining;
	tl_ev_fn done;
	void *done_arg;
	struct stats st;
	uint8_t rbuf[65536];
};

void tl_tftp_cfg_from_conf(tl_tftp_cfg *c, const tl_conf_tftp *t)
{
	memset(c, 0, sizeof(*c));
	c->listen = t->listen;
	c->port = t->port;
	c->max_blksize = (unsigned)t->max_blksize;
	c->max_windowsize = (unsigned)t->max_windowsize;
	c->timeout_s = (unsigned)t->timeout;
	c->retries = (unsigned)t->retries;
	c->max_transfers = (unsigned)t->max_transfers;
	c->per_client_rate = (unsigned)t->per_client_rate;
	c->summary_s = 60;
}

static void peer_of(const struct sockaddr_storage *ss, peer *p)
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

static int xfer_eq(const tl_hnode *n, const void *key)
{
	return memcmp(((const xfer *)n)->key.b, key, sizeof(peer)) == 0;
}

static int bucket_eq(const tl_hnode *n, const void *key)
{
	return memcmp(((const bucket *)n)->ip, key, 16) == 0;
}

static const char *peer_str(const struct sockaddr_storage *ss, char *out, size_t n)
{
	return tl_sock_str((const struct sockaddr *)ss, 1, out, n);
}

/* Sends an ERROR from fd; errors are never answered, so two servers cannot
 * bounce them forever. */
static void send_error(int fd, const struct sockaddr_storage *to, socklen_t tolen,
		       int code, const char *msg)
{
	uint8_t pkt[TL_TFTP_ERROR_MAX];
	size_t n = tl_tftp_put_error(pkt, sizeof(pkt), code, msg);

	if (n)
		sendto(fd, pkt, n, 0, (const struct sockaddr *)to, tolen);
}

/* Token bucket per client address: per_client_rate requests a second, in
 * bursts of as many. */
static int rate_ok(tl_tftp_server *s, const peer *p)
{
	uint64_t now = tl_now_ms(), rate = s->cfg.per_client_rate, cap;
	uint64_t h = tl_hash_bytes(p->b, 16);
	bucket *b;

	if (rate == 0)
		return 1;
	cap = rate * 1000;
	b = (bucket *)tl_htab_find(&s->buckets, h, bucket_eq, p->b);
	if (b == NULL) {
		/* A full table lets newcomers through rather than lock out
		 * phones because someone sprayed spoofed addresses. */
		if (s->buckets.n >= BUCKETS_MAX || (b = calloc(1, sizeof(*b))) == NULL)
			return 1;
		memcpy(b->ip, p->b, 16);
		b->milli = cap;
		b->last_ms = now;
		tl_htab_insert(&s->buckets, &b->node, h);
	}
	b->milli += (now - b->last_ms) * rate;
	if (b->milli > cap)
		b->milli = cap;
	b->last_ms = now;
	if (b->milli < 1000)
		return 0;
	b->milli -= 1000;
	return 1;
}

/* Forgets clients whose bucket has refilled: they are as if never seen. */
static void prune_bucket(tl_hnode *n, void *arg)
{
	tl_tftp_server *s = arg;
	bucket *b = (bucket *)n;
	uint64_t rate = s->cfg.per_client_rate;

	if (rate == 0 || b->milli + (tl_now_ms() - b->last_ms) * rate >= rate * 1000) {
		tl_htab_remove(&s->buckets, n);
		free(b);
	}
}

static void xfer_end(xfer *x, const char *result, int code, const char *msg)
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
	       peer_str(&x->addr, who, sizeof(who)), tl_log_val(x->name, name, sizeof(name)),
	       x->netascii ? "netascii" : "octet", (unsigned long long)bytes,
	       (unsigned long long)(tl_now_ms() - x->t0), x->blksize, x->window,
	       x->resent, result, detail);
	if (!strcmp(result, "ok"))
		s->st.ok++;
	else
		s->st.failed++;
	s->st.bytes += bytes;
	tl_htab_remove(&s->by_peer, &x->node);
	tl_ev_free(x->rd);
	tl_ev_free(x->wr);
	tl_ev_free(x->tm);
	close(x->fd);
	tl_tftp_ns_release(s->ns, &x->file);
	free(x->scratch);
	free(x);
	s->active--;
	if (s->draining && s->active == 0 && s->done) {
		tl_ev_fn done = s->done;

		s->done = NULL;
		done(s->done_arg);
	}
}

static void send_oack(xfer *x)
{
	uint8_t pkt[512];
	size_t n = tl_tftp_put_oack(pkt, sizeof(pkt), &x->oack);

	sendto(x->fd, pkt, n, 0, (struct sockaddr *)&x->addr, x->addrlen);
}

/* Sends blocks sent+1 .. min(acked + window, last). Returns 0, or -1 when
 * the socket failed for good. When the socket buffer is full the rest goes
 * out as soon as it drains. */
static int send_window(xfer *x)
{
	int64_t limit = x->acked + x->window < x->last ? x->acked + x->window : x->last;

	while (x->sent < limit) {
		struct mmsghdr m[BATCH];
		struct iovec iov[BATCH][2];
		uint8_t hdr[BATCH][TL_TFTP_HDR];
		tl_netascii before = x->na_next;
		int n = 0, r;

		memset(m, 0, sizeof(m));
		for (int64_t b = x->sent + 1; b <= limit && n < BATCH; b++, n++) {
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
static void na_advance(xfer *x, int64_t from, int64_t to)
{
	for (int64_t b = from < 0 ? 0 : from; b < to; b++)
		tl_netascii_fill(&x->na_base, x->file.data, x->file.len, x->scratch,
				 x->blksize);
}

static void on_writable(void *arg)
{
	xfer *x = arg;

	tl_ev_disable(x->wr);
	if (send_window(x))
		xfer_end(x, "send-error", 0, NULL);
}

/* Sends the OACK again, or the window from the first block not
 * acknowledged (RFC 7440). -1 when the socket failed for good. */
static int resend(xfer *x)
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

static void on_timeout(void *arg)
{
	xfer *x = arg;

	if (++x->tries > x->srv->cfg.retries) {
		xfer_end(x, "timeout", 0, NULL);
		return;
	}
	x->wait_ms = x->wait_ms * 2 > x->timeout_ms * BACKOFF_MAX_FACTOR ?
		     x->timeout_ms * BACKOFF_MAX_FACTOR : x->wait_ms * 2;
	if (resend(x)) {
		xfer_end(x, "send-error", 0, NULL);
		return;
	}
	tl_ev_arm(x->tm, x->wait_ms);
}

/* x may be gone after it: the transfer ended. */
static void on_ack(xfer *x, uint16_t block)
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
			xfer_end(x, "send-error", 0, NULL);
		return;
	}
	x->acked += (int64_t)n;
	if (x->netascii)
		na_advance(x, was, x->acked);
	if (x->acked == x->last) {
		xfer_end(x, "ok", 0, NULL);
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
		xfer_end(x, "send-error", 0, NULL);
		return;
	}
	tl_ev_arm(x->tm, x->wait_ms);
}

static void on_xfer_read(void *arg)
{
	xfer *x = arg;
	tl_tftp_server *s = x->srv;

	for (int i = 0; i < BATCH; i++) {
		/* Not the server's rbuf: start() reads a transfer's queue
		 * while the request it parsed from rbuf is still in use. A
		 * client sends ACKs and ERRORs here; a longer ERROR message is
		 * cut and, without its NUL, ignored. */
		uint8_t buf[1024];
		struct sockaddr_storage from;
		socklen_t fromlen = sizeof(from);
		tl_tftp_pkt p;
		peer k;
		ssize_t n;
		int code;

		n = recvfrom(x->fd, buf, sizeof(buf), 0,
			     (struct sockaddr *)&from, &fromlen);
		if (n < 0)
			return;
		peer_of(&from, &k);
		if (memcmp(k.b, x->key.b, sizeof(k.b))) {
			/* RFC 1350: another port is answered, the transfer
			 * goes on undisturbed. */
			s->st.unknown_tid++;
			send_error(x->fd, &from, fromlen, TL_TFTP_EBADID, NULL);
			continue;
		}
		if (tl_tftp_parse(buf, (size_t)n, &p, &code, NULL))
			continue;
		if (p.op == TL_TFTP_ERROR) {
			xfer_end(x, "client-error", p.code, p.msg);
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

/* The local address a request was sent to, from IP(V6)_PKTINFO, so the
 * reply leaves from the address the client talks to. */
static int local_addr(struct msghdr *mh, int family,
		      struct sockaddr_storage *out, socklen_t *len)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		memset(out, 0, sizeof(*out));
		if (family == AF_INET6 && c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			struct sockaddr_in6 *s6 = (void *)out;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			s6->sin6_family = AF_INET6;
			s6->sin6_addr = pi.ipi6_addr;
			if (IN6_IS_ADDR_LINKLOCAL(&pi.ipi6_addr))
				s6->sin6_scope_id = (uint32_t)pi.ipi6_ifindex;
			*len = sizeof(*s6);
			return 0;
		}
		if (family == AF_INET && c->cmsg_level == IPPROTO_IP &&
		    c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			struct sockaddr_in *s4 = (void *)out;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			s4->sin_family = AF_INET;
			s4->sin_addr = pi.ipi_addr;
			*len = sizeof(*s4);
			return 0;
		}
	}
	return -1;
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

static void refuse(tl_tftp_server *s, const struct sockaddr_storage *from,
		   socklen_t fromlen, const char *file, const char *result,
		   int code, const char *msg)
{
	char who[80], name[400], m[300];

	send_error(s->fd, from, fromlen, code, msg);
	tl_log(LOG_INFO, "event=transfer client=%s file=%s bytes=0 duration_ms=0 "
	       "result=%s code=%d message=%s", peer_str(from, who, sizeof(who)),
	       tl_log_val(file ? file : "", name, sizeof(name)), result, code,
	       tl_log_val(msg ? msg : tl_tftp_errstr(code), m, sizeof(m)));
}

static void start(tl_tftp_server *s, const tl_tftp_pkt *p, uint64_t req, const peer *k,
		  const struct sockaddr_storage *from, socklen_t fromlen,
		  const struct sockaddr_storage *local, socklen_t locallen)
{
	tl_tftp_file f;
	tl_err e;
	xfer *x;
	int rc, oack;
	uint64_t h = tl_hash_bytes(k->b, sizeof(k->b));

	if ((x = (xfer *)tl_htab_find(&s->by_peer, h, xfer_eq, k->b)) != NULL) {
		/* Another request from the port of a running transfer: the
		 * kernel may have given a finished client's port to a new one
		 * before its last ACK was read here. That ACK is read first (it
		 * ends the transfer as done). */
		on_xfer_read(x);
		if ((x = (xfer *)tl_htab_find(&s->by_peer, h, xfer_eq, k->b)) != NULL) {
			/* The same request again, retransmitted by the client
			 * or a copy the network delivered late, even after the
			 * client acknowledged blocks: the transfer answering it
			 * goes on, since the client is bound to its port. Not
			 * once that transfer has gone a timeout without an
			 * answer: its client left, and the port is another's. */
			if (x->req == req && x->tries == 0) {
				s->st.dup_requests++;
				return;
			}
			/* a different one: the old transfer gives way */
			xfer_end(x, "superseded", 0, NULL);
		}
	}
	/* Dropped without an answer: the client asks again after its
	 * timeout, by when there may be room. */
	if (s->active >= s->cfg.max_transfers) {
		s->st.busy++;
		return;
	}
	if (!rate_ok(s, k)) {
		s->st.limited++;
		return;
	}
	rc = tl_tftp_ns_lookup(s->ns, p->file, &f);
	if (rc == -1) {
		s->st.not_found++;
		refuse(s, from, fromlen, p->file, "not-found", TL_TFTP_ENOTFOUND, f.why);
		return;
	}
	if (rc == -3) {
		refuse(s, from, fromlen, p->file, "no-memory", TL_TFTP_ENOSPACE, NULL);
		return;
	}
	if (rc) {
		s->st.forbidden++;
		refuse(s, from, fromlen, p->file, "forbidden", TL_TFTP_EACCESS, NULL);
		return;
	}
	x = calloc(1, sizeof(*x));
	if (x == NULL) {
		tl_tftp_ns_release(s->ns, &f);
		refuse(s, from, fromlen, p->file, "no-memory", TL_TFTP_ENOSPACE, NULL);
		return;
	}
	x->srv = s;
	x->file = f;
	x->key = *k;
	x->req = req;
	memcpy(&x->addr, from, fromlen);
	x->addrlen = fromlen;
	snprintf(x->name, sizeof(x->name), "%s", p->file);
	x->netascii = p->netascii;
	x->size = p->netascii ? tl_netascii_len(f.data, f.len) : f.len;
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
	    (x->rd = tl_ev_io(s->loop, x->fd, TL_EV_READ, on_xfer_read, x, &e)) == NULL ||
	    (x->wr = tl_ev_io(s->loop, x->fd, TL_EV_WRITE, on_writable, x, &e)) == NULL ||
	    (x->tm = tl_ev_timer(s->loop, on_timeout, x, &e)) == NULL ||
	    tl_ev_enable(x->rd)) {
		tl_ev_free(x->rd);
		tl_ev_free(x->wr);
		if (x->fd >= 0)
			close(x->fd);
		free(x->scratch);
		free(x);
		tl_tftp_ns_release(s->ns, &f);
		refuse(s, from, fromlen, p->file, "no-socket", TL_TFTP_EUNDEF,
		       "server out of resources");
		return;
	}
	s->st.requests++;
	s->active++;
	tl_htab_insert(&s->by_peer, &x->node, h);
	x->sent_ms = tl_now_ms();
	if (oack) {
		send_oack(x);
	} else if (send_window(x)) {
		xfer_end(x, "send-error", 0, NULL);
		return;
	}
	tl_ev_arm(x->tm, x->wait_ms);
}

static void request(tl_tftp_server *s, const uint8_t *buf, size_t len,
		    const struct sockaddr_storage *from, socklen_t fromlen,
		    const struct sockaddr_storage *local, socklen_t locallen)
{
	tl_tftp_pkt p;
	tl_err e;
	peer k;
	int code;

	peer_of(from, &k);
	if (k.b[16] == 0 && k.b[17] == 0)
		return;		/* port 0 cannot be answered */
	if (tl_tftp_parse(buf, len, &p, &code, &e)) {
		s->st.bad++;
		/* Too short to be anyone's request: no answer, so the server
		 * is no amplifier for one-byte probes. */
		if (len >= 4)
			refuse(s, from, fromlen, NULL, "bad-request", code, e.msg);
		return;
	}
	switch (p.op) {
	case TL_TFTP_RRQ:
		start(s, &p, tl_hash_bytes(buf, len), &k, from, fromlen, local, locallen);
		break;
	case TL_TFTP_WRQ:
		s->st.refused_write++;
		refuse(s, from, fromlen, p.file, "refused-write", TL_TFTP_EACCESS,
		       "Access violation: read-only server");
		break;
	default:
		/* DATA, ACK, ERROR or OACK to the request port: stray */
		s->st.bad++;
		break;
	}
}

static void on_request(void *arg)
{
	tl_tftp_server *s = arg;

	for (int i = 0; i < BATCH && s->fd >= 0; i++) {
		struct sockaddr_storage from, local;
		socklen_t locallen = 0;
		union {
			struct cmsghdr align;
			uint8_t b[256];
		} ctl;
		struct iovec iov = { s->rbuf, sizeof(s->rbuf) };
		struct msghdr mh;
		ssize_t n;

		memset(&mh, 0, sizeof(mh));
		mh.msg_name = &from;
		mh.msg_namelen = sizeof(from);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl.b;
		mh.msg_controllen = sizeof(ctl.b);
		n = recvmsg(s->fd, &mh, 0);
		if (n < 0)
			return;
		if (local_addr(&mh, s->family, &local, &locallen))
			locallen = 0;
		request(s, s->rbuf, (size_t)n, &from, mh.msg_namelen, &local, locallen);
	}
}

void tl_tftp_server_summary(tl_tftp_server *s)
{
	tl_log(LOG_INFO, "event=summary active=%u requests=%llu ok=%llu failed=%llu "
	       "not_found=%llu forbidden=%llu refused_write=%llu bad=%llu busy=%llu "
	       "rate_limited=%llu duplicate_requests=%llu unknown_tid=%llu bytes=%llu",
	       s->active, (unsigned long long)s->st.requests,
	       (unsigned long long)s->st.ok, (unsigned long long)s->st.failed,
	       (unsigned long long)s->st.not_found, (unsigned long long)s->st.forbidden,
	       (unsigned long long)s->st.refused_write, (unsigned long long)s->st.bad,
	       (unsigned long long)s->st.busy, (unsigned long long)s->st.limited,
	       (unsigned long long)s->st.dup_requests,
	       (unsigned long long)s->st.unknown_tid, (unsigned long long)s->st.bytes);
}

static void on_summary(void *arg)
{
	tl_tftp_server *s = arg;

	tl_tftp_server_summary(s);
	tl_htab_each(&s->buckets, prune_bucket, s);
}

tl_tftp_server *tl_tftp_server_new(tl_loop *l, tl_tftp_ns *ns,
				   const tl_tftp_cfg *c, tl_err *e)
{
	tl_tftp_server *s = calloc(1, sizeof(*s));
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int one = 1, rcvbuf = RCVBUF_LISTEN;

	if (s == NULL) {
		tl_fail(e, "out of memory");
		return NULL;
	}
	s->loop = l;
	s->ns = ns;
	s->fd = -1;
	tl_tftp_server_set_limits(s, c);
	if (tl_htab_init(&s->by_peer, 1024) || tl_htab_init(&s->buckets, 256)) {
		tl_fail(e, "out of memory");
		goto fail;
	}
	s->fd = tl_sock_bind(c->listen, c->port, SOCK_DGRAM, c->reuseport, e);
	if (s->fd < 0)
		goto fail;
	getsockname(s->fd, (struct sockaddr *)&ss, &len);
	s->family = ss.ss_family;
	s->port = tl_sock_port(s->fd);
	/* FORCE goes past net.core.rmem_max, for root (tftpd binds before it
	 * drops privileges); others get what rmem_max allows. */
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (s->family == AF_INET6)
		setsockopt(s->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
	else
		setsockopt(s->fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	s->rd = tl_ev_io(l, s->fd, TL_EV_READ, on_request, s, e);
	if (s->rd == NULL || tl_ev_enable(s->rd))
		goto fail;
	if (c->summary_s &&
	    (s->summary = tl_ev_periodic(l, c->summary_s * 1000, on_summary, s, e)) == NULL)
		goto fail;
	return s;
fail:
	tl_tftp_server_free(s);
	return NULL;
}

int tl_tftp_server_port(const tl_tftp_server *s)
{
	return s->port;
}

void tl_tftp_server_set_limits(tl_tftp_server *s, const tl_tftp_cfg *c)
{
	s->cfg = *c;
	s->cfg.listen = NULL;	/* the caller's string; used only to bind */
}

static void abort_one(tl_hnode *n, void *arg)
{
	xfer *x = (xfer *)n;

	send_error(x->fd, &x->addr, x->addrlen, TL_TFTP_EUNDEF, "server shutting down");
	xfer_end(x, "aborted", 0, NULL);
}

static void on_grace(void *arg)
{
	tl_tftp_server *s = arg;

	tl_htab_each(&s->by_peer, abort_one, NULL);
}

void tl_tftp_server_drain(tl_tftp_server *s, unsigned grace_ms, tl_ev_fn done,
			  void *arg)
{
	tl_err e;

	s->draining = 1;
	tl_ev_free(s->rd);
	s->rd = NULL;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->done = done;
	s->done_arg = arg;
	if (s->active == 0) {
		s->done = NULL;
		done(arg);
		return;
	}
	if (s->grace == NULL)
		s->grace = tl_ev_timer(s->loop, on_grace, s, &e);
	if (s->grace)
		tl_ev_arm(s->grace, grace_ms);
	else
		on_grace(s);
}

static void free_bucket(tl_hnode *n, void *arg)
{
	free(n);
}

void tl_tftp_server_free(tl_tftp_server *s)
{
	if (s == NULL)
		return;
	s->done = NULL;
	if (s->by_peer.b)
		tl_htab_each(&s->by_peer, abort_one, NULL);
	if (s->buckets.b)
		tl_htab_each(&s->buckets, free_bucket, NULL);
	tl_htab_free(&s->by_peer);
	tl_htab_free(&s->buckets);
	tl_ev_free(s->rd);
	tl_ev_free(s->summary);
	tl_ev_free(s->grace);
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}

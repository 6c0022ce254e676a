#include "server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "tftpmetrics.h"
#include "xfer.h"

#define BUCKETS_MAX 65536	/* clients the rate limiter remembers */
/* A cluster-wide reset sends thousands of requests within milliseconds.
 * Each queued datagram costs the receive buffer about 1 KB, so the default
 * (208 KB) holds only a few hundred: the rest are dropped and every one
 * costs a phone its first timeout. */
#define RCVBUF_LISTEN (8 << 20)

typedef struct bucket {
	tl_hnode node;
	uint8_t ip[16];
	uint64_t last_ms;
	uint64_t milli;		/* tokens x 1000 */
} bucket;

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

static int xfer_eq(const tl_hnode *n, const void *key)
{
	return memcmp(((const tl_tftp_xfer *)n)->key.b, key,
		      sizeof(tl_tftp_peer)) == 0;
}

static int bucket_eq(const tl_hnode *n, const void *key)
{
	return memcmp(((const bucket *)n)->ip, key, 16) == 0;
}

/* Token bucket per client address: per_client_rate requests a second, in
 * bursts of as many. */
static int rate_ok(tl_tftp_server *s, const tl_tftp_peer *p)
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

static void refuse(tl_tftp_server *s, const struct sockaddr_storage *from,
		   socklen_t fromlen, const char *file, const char *result,
		   int code, const char *msg)
{
	char who[80], name[400], m[300];

	tl_tftp_send_error(s->fd, from, fromlen, code, msg);
	tl_log(LOG_INFO, "event=transfer client=%s file=%s bytes=0 duration_ms=0 "
	       "result=%s code=%d message=%s", tl_tftp_peer_str(from, who, sizeof(who)),
	       tl_log_val(file ? file : "", name, sizeof(name)), result, code,
	       tl_log_val(msg ? msg : tl_tftp_errstr(code), m, sizeof(m)));
}

static void start(tl_tftp_server *s, const tl_tftp_pkt *p, uint64_t req,
		  const tl_tftp_peer *k,
		  const struct sockaddr_storage *from, socklen_t fromlen,
		  const struct sockaddr_storage *local, socklen_t locallen)
{
	tl_tftp_file f;
	tl_tftp_xfer *x;
	int rc;
	uint64_t h = tl_hash_bytes(k->b, sizeof(k->b));

	if ((x = (tl_tftp_xfer *)tl_htab_find(&s->by_peer, h, xfer_eq, k->b)) != NULL) {
		/* Another request from the port of a running transfer: the
		 * kernel may have given a finished client's port to a new one
		 * before its last ACK was read here. That ACK is read first (it
		 * ends the transfer as done). */
		tl_tftp_xfer_read(x);
		if ((x = (tl_tftp_xfer *)tl_htab_find(&s->by_peer, h, xfer_eq, k->b)) != NULL) {
			/* The same request again, retransmitted by the client
			 * or a copy the network delivered late, even after the
			 * client acknowledged blocks: the transfer answering it
			 * goes on, since the client is bound to its port. Not
			 * once that transfer has gone a timeout without an
			 * answer after data was acknowledged: its client left,
			 * and the port is another's. Before any data was
			 * acknowledged, a timeout proves nothing: the client's
			 * request and this transfer's retransmission cross
			 * (both wait a second), the client binds to the one
			 * that arrives and would ignore a new transfer's port. */
			if (x->req == req && (x->tries == 0 || x->acked <= 0)) {
				s->st->dup_requests++;
				tl_tftp_xfer_again(x);
				return;
			}
			/* a different one: the old transfer gives way */
			tl_tftp_xfer_end(x, "superseded", 0, NULL);
		}
	}
	/* Dropped without an answer: the client asks again after its
	 * timeout, by when there may be room. */
	if (s->active >= s->cfg.max_transfers) {
		s->st->busy++;
		return;
	}
	if (!rate_ok(s, k)) {
		s->st->limited++;
		return;
	}
	rc = tl_tftp_ns_lookup(s->ns, p->file, &f);
	if (rc == -1) {
		s->st->not_found++;
		refuse(s, from, fromlen, p->file, "not-found", TL_TFTP_ENOTFOUND, f.why);
		return;
	}
	if (rc == -3) {
		refuse(s, from, fromlen, p->file, "no-memory", TL_TFTP_ENOSPACE, NULL);
		return;
	}
	if (rc) {
		s->st->forbidden++;
		refuse(s, from, fromlen, p->file, "forbidden", TL_TFTP_EACCESS, NULL);
		return;
	}
	rc = tl_tftp_xfer_start(s, p, req, k, h, &f, from, fromlen, local, locallen);
	if (rc == -1)
		refuse(s, from, fromlen, p->file, "no-memory", TL_TFTP_ENOSPACE, NULL);
	else if (rc == -2)
		refuse(s, from, fromlen, p->file, "no-socket", TL_TFTP_EUNDEF,
		       "server out of resources");
}

static void request(tl_tftp_server *s, const uint8_t *buf, size_t len,
		    const struct sockaddr_storage *from, socklen_t fromlen,
		    const struct sockaddr_storage *local, socklen_t locallen)
{
	tl_tftp_pkt p;
	tl_err e;
	tl_tftp_peer k;
	int code;

	tl_tftp_peer_of(from, &k);
	if (k.b[16] == 0 && k.b[17] == 0)
		return;		/* port 0 cannot be answered */
	if (tl_tftp_parse(buf, len, &p, &code, &e)) {
		s->st->bad++;
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
		s->st->refused_write++;
		refuse(s, from, fromlen, p.file, "refused-write", TL_TFTP_EACCESS,
		       "Access violation: read-only server");
		break;
	default:
		/* DATA, ACK, ERROR or OACK to the request port: stray */
		s->st->bad++;
		break;
	}
}

static void on_request(void *arg)
{
	tl_tftp_server *s = arg;

	for (int i = 0; i < TL_TFTP_BATCH && s->fd >= 0; i++) {
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
	       s->active, (unsigned long long)s->st->requests,
	       (unsigned long long)s->st->ok, (unsigned long long)s->st->failed,
	       (unsigned long long)s->st->not_found, (unsigned long long)s->st->forbidden,
	       (unsigned long long)s->st->refused_write, (unsigned long long)s->st->bad,
	       (unsigned long long)s->st->busy, (unsigned long long)s->st->limited,
	       (unsigned long long)s->st->dup_requests,
	       (unsigned long long)s->st->unknown_tid, (unsigned long long)s->st->bytes);
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
	s->st = tl_tftp_metrics_slot();
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

void tl_tftp_server_record(tl_tftp_server *s, tl_tsrec *r)
{
	s->rec = r;
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
	tl_tftp_xfer *x = (tl_tftp_xfer *)n;

	tl_tftp_send_error(x->fd, &x->addr, x->addrlen, TL_TFTP_EUNDEF,
			   "server shutting down");
	tl_tftp_xfer_end(x, "aborted", 0, NULL);
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

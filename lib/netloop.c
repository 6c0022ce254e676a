/* tl_netsrv: the TLS server on the event loop, with its connection limits,
 * timeouts and the shedding of silent connections under overload. One file:
 * every part works on the same connection list and states. The TLS layer
 * under it is tlsconn.c. */
#include "netloop.h"
#include "daemon.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

enum conn_state { C_FIRST, C_HANDSHAKE, C_OPEN };

struct tl_netconn {
	tl_netsrv *srv;
	tl_netconn *prev, *next;
	int fd;
	enum conn_state state;
	tl_tlsconn *tls;
	tl_tls *ctx;		/* for the session made at the first byte */
	tl_ev *rd, *wr, *timer;
	uint8_t *in;		/* unconsumed input; none while waiting idle */
	size_t in_len, in_cap;
	uint8_t *out;		/* unsent output */
	size_t out_len, out_cap;
	int closing;		/* close once out is sent */
	int timed_out;
	uint64_t born_ms;	/* accepted */
	uint64_t quiet_ms;	/* open: since the last message it sent */
	uint8_t src[17];	/* family and address, no port: per-source counts */
	char peer[64];
	_Alignas(max_align_t) unsigned char data[];
};

struct tl_netsrv {
	tl_loop *loop;
	int fd;
	tl_ev *accept_ev;
	tl_tls *tls;
	tl_netsrv_opts o;
	tl_netconn *conns;
	size_t n;
	uint64_t refused_logged;
	unsigned long refused, shed;
};

static void conn_close(tl_netconn *c, const char *why, const char *detail)
{
	tl_netsrv *s = c->srv;

	if (why) {
		char v[160];

		tl_log(LOG_INFO, "event=close peer=%s reason=%s%s%s", c->peer, why,
		       detail ? " detail=" : "",
		       detail ? tl_log_val(detail, v, sizeof(v)) : "");
	}
	if (s->o.on_close)
		s->o.on_close(s->o.arg, c, c->timed_out);
	tl_ev_free(c->rd);
	tl_ev_free(c->wr);
	tl_ev_free(c->timer);
	tl_tlsconn_free(c->tls);
	tl_tls_free(c->ctx);
	close(c->fd);
	free(c->in);
	free(c->out);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->n--;
	if (s->o.counts)
		s->o.counts->connections = s->n;
	free(c);
}

/* Waits for the socket to be ready for want; the other direction is off,
 * so a connection never spins on an event it cannot use. */
static void wait_for(tl_netconn *c, int want)
{
	if (want == TL_IO_WANT_WRITE) {
		tl_ev_disable(c->rd);
		tl_ev_enable(c->wr);
	} else {
		tl_ev_disable(c->wr);
		tl_ev_enable(c->rd);
	}
}

/* Sends what is queued. 0 all sent, 1 waiting for the socket, -1 closed. */
static int flush(tl_netconn *c)
{
	tl_err e;
	int rc;

	if (c->out_len == 0)
		return 0;
	rc = tl_tlsconn_write(c->tls, c->out, c->out_len, &e);
	if (rc == TL_IO_WANT_READ || rc == TL_IO_WANT_WRITE) {
		wait_for(c, rc);
		return 1;
	}
	if (rc != TL_IO_DONE) {
		conn_close(c, "write_failed", e.msg);
		return -1;
	}
	c->out_len = 0;
	/* an idle connection keeps no buffers */
	free(c->out);
	c->out = NULL;
	c->out_cap = 0;
	return 0;
}

/* Hands the input to the callback until it consumes nothing more (0) or
 * the answers reach half of max_output (1: send them first, so a client
 * that pipelines requests and reads slowly holds a bounded buffer). */
static int consume(tl_netconn *c)
{
	tl_netsrv *s = c->srv;
	size_t off = 0;
	int full = 0;

	while (off < c->in_len && !c->closing &&
	       !(full = c->out_len >= s->o.max_output / 2)) {
		long used = s->o.on_data(s->o.arg, c, c->in + off, c->in_len - off);

		if (used < 0) {
			conn_close(c, NULL, NULL);
			return -1;
		}
		if (used == 0)
			break;
		off += (size_t)used;
		c->quiet_ms = tl_now_ms();
		tl_ev_arm(c->timer, s->o.idle_ms);
	}
	if (off == c->in_len) {
		c->in_len = 0;
	} else if (off) {
		memmove(c->in, c->in + off, c->in_len - off);
		c->in_len -= off;
	}
	return full;
}

/* Answers what is buffered, then reads what the session has into the
 * bounded input buffer, until the socket has nothing more. */
static int read_more(tl_netconn *c)
{
	tl_netsrv *s = c->srv;
	tl_err e;

	for (;;) {
		size_t got = 0;
		int rc, full = 0;

		if (c->in_len && (full = consume(c)) < 0)
			return -1;
		/* answers first: no more input while output waits for the
		 * socket, so a client that does not read cannot grow it */
		if (c->out_len && (rc = flush(c)) != 0)
			return rc < 0 ? -1 : 0;
		if (full)
			continue;
		if (c->closing) {
			conn_close(c, NULL, NULL);
			return -1;
		}
		if (c->in_len == s->o.max_input) {
			conn_close(c, "message_too_large", NULL);
			return -1;
		}
		if (c->in_cap == c->in_len) {
			size_t cap = c->in_cap ? c->in_cap * 2 : 4096;
			uint8_t *p;

			if (cap > s->o.max_input)
				cap = s->o.max_input;
			if ((p = realloc(c->in, cap)) == NULL) {
				conn_close(c, "out_of_memory", NULL);
				return -1;
			}
			c->in = p;
			c->in_cap = cap;
		}
		rc = tl_tlsconn_read(c->tls, c->in + c->in_len, c->in_cap - c->in_len,
				     &got, &e);
		if (rc == TL_IO_WANT_READ || rc == TL_IO_WANT_WRITE) {
			/* an idle connection keeps no input buffer */
			if (c->in_len == 0) {
				free(c->in);
				c->in = NULL;
				c->in_cap = 0;
			}
			wait_for(c, rc);
			return 0;
		}
		if (rc == TL_IO_EOF) {
			conn_close(c, c->in_len ? "truncated" : NULL, NULL);
			return -1;
		}
		if (rc != TL_IO_DONE) {
			conn_close(c, "read_failed", e.msg);
			return -1;
		}
		c->in_len += got;
	}
}

static void conn_run(void *arg)
{
	tl_netconn *c = arg;
	tl_netsrv *s = c->srv;
	tl_err e;
	int rc;

	if (c->state == C_FIRST) {
		char b;
		ssize_t n = recv(c->fd, &b, 1, MSG_PEEK);

		/* a client gone before it said anything is no TLS failure */
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			conn_close(c, NULL, NULL);
			return;
		}
		if (n < 0)
			return;
		/* the session (the bulk of a connection's memory) only once the
		 * client has sent something */
		if ((c->tls = tl_tlsconn_new(c->ctx, c->fd, &e)) == NULL) {
			conn_close(c, "tls_failed", e.msg);
			return;
		}
		tl_tls_free(c->ctx);
		c->ctx = NULL;
		c->state = C_HANDSHAKE;
	}
	if (c->state == C_HANDSHAKE) {
		rc = tl_tlsconn_handshake(c->tls, &e);
		if (rc == TL_IO_WANT_READ || rc == TL_IO_WANT_WRITE) {
			wait_for(c, rc);
			return;
		}
		if (rc != TL_IO_DONE) {
			if (s->o.counts)
				s->o.counts->handshake_failed++;
			conn_close(c, "handshake_failed", e.msg);
			return;
		}
		c->state = C_OPEN;
		c->quiet_ms = tl_now_ms();
		tl_ev_arm(c->timer, s->o.idle_ms);
		if (s->o.on_open)
			s->o.on_open(s->o.arg, c);
	}
	read_more(c);
}

static void conn_timeout(void *arg)
{
	tl_netconn *c = arg;

	c->timed_out = 1;
	if (c->state != C_OPEN && c->srv->o.counts)
		c->srv->o.counts->handshake_timeout++;
	conn_close(c, c->state == C_OPEN ? "idle_timeout" : "handshake_timeout", NULL);
}

/* One line a second at most, whatever the flood: how many connections
 * were refused and how many silent ones were shed to make room. */
static void count_turned_away(tl_netsrv *s, int refused)
{
	uint64_t now = tl_now_ms();

	if (refused)
		s->refused++;
	else
		s->shed++;
	if (now - s->refused_logged >= 1000) {
		if (s->refused)
			tl_log(LOG_WARNING, "event=refused reason=max_connections "
			       "limit=%d per_source=%d refused=%lu", s->o.max_connections,
			       s->o.max_per_source, s->refused);
		if (s->shed)
			tl_log(LOG_WARNING, "event=shed reason=full limit=%d per_source=%d "
			       "shed=%lu", s->o.max_connections, s->o.max_per_source,
			       s->shed);
		s->refused_logged = now;
		s->refused = s->shed = 0;
	}
}

static void source_key(const struct sockaddr *sa, uint8_t key[17])
{
	memset(key, 0, 17);
	key[0] = (uint8_t)sa->sa_family;
	if (sa->sa_family == AF_INET)
		memcpy(key + 1, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	else if (sa->sa_family == AF_INET6)
		memcpy(key + 1, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
}

/* Whom to close so that a new connection fits: first the connection that
 * has waited longest without finishing its handshake (one making progress
 * finishes in milliseconds; one that holds a slot silent or trickling does
 * not), then the open connection longest past half its idle timeout with
 * nothing buffered. An open connection at work (a message being answered,
 * or lately answered) is never shed. src restricts the choice to one
 * source. NULL when no one may go. */
static tl_netconn *shed_candidate(tl_netsrv *s, const uint8_t *src, uint64_t now)
{
	tl_netconn *pre = NULL, *idle = NULL;

	for (tl_netconn *c = s->conns; c; c = c->next) {
		if (src && memcmp(c->src, src, sizeof(c->src)))
			continue;
		if (c->state != C_OPEN) {
			if (pre == NULL || c->born_ms <= pre->born_ms)
				pre = c;
		} else if (!c->closing && c->in_len == 0 && c->out_len == 0 &&
			   now - c->quiet_ms > s->o.idle_ms / 2 &&
			   (idle == NULL || c->quiet_ms <= idle->quiet_ms)) {
			idle = c;
		}
	}
	return pre ? pre : idle;
}

/* Room for a connection from src: 0 (after shedding one if need be), or -1
 * when the limits leave none. */
static int make_room(tl_netsrv *s, const uint8_t *src)
{
	uint64_t now = tl_now_ms();
	tl_netconn *v;

	if (s->o.max_per_source > 0) {
		int n = 0;

		for (tl_netconn *c = s->conns; c; c = c->next)
			n += !memcmp(c->src, src, sizeof(c->src));
		if (n >= s->o.max_per_source) {
			if ((v = shed_candidate(s, src, now)) == NULL)
				return -1;
			conn_close(v, NULL, NULL);
			count_turned_away(s, 0);
		}
	}
	if (s->n < (size_t)s->o.max_connections)
		return 0;
	if ((v = shed_candidate(s, NULL, now)) == NULL)
		return -1;
	conn_close(v, NULL, NULL);
	count_turned_away(s, 0);
	return 0;
}

static void on_accept(void *arg)
{
	tl_netsrv *s = arg;

	/* a bounded batch, so a flood of connections cannot starve the
	 * connections already open */
	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int fd = accept4(s->fd, (struct sockaddr *)&ss, &sl,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		tl_netconn *c;
		uint8_t src[17];
		tl_err e;

		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
			    errno != ECONNABORTED)
				tl_log(LOG_ERR, "event=accept_failed error=%s",
				       strerror(errno));
			return;
		}
		if (s->o.admit && s->o.admit(s->o.arg, (struct sockaddr *)&ss) < 0) {
			close(fd);
			continue;
		}
		source_key((struct sockaddr *)&ss, src);
		if (make_room(s, src)) {
			close(fd);
			count_turned_away(s, 1);
			continue;
		}
		tl_sock_nodelay(fd);
		c = calloc(1, sizeof(*c) + s->o.conn_data);
		if (c == NULL) {
			close(fd);
			continue;
		}
		c->srv = s;
		c->fd = fd;
		c->born_ms = tl_now_ms();
		memcpy(c->src, src, sizeof(c->src));
		tl_sock_str((struct sockaddr *)&ss, 1, c->peer, sizeof(c->peer));
		c->rd = tl_ev_io(s->loop, fd, TL_EV_READ, conn_run, c, &e);
		c->wr = tl_ev_io(s->loop, fd, TL_EV_WRITE, conn_run, c, &e);
		c->timer = tl_ev_timer(s->loop, conn_timeout, c, &e);
		c->next = s->conns;
		if (s->conns)
			s->conns->prev = c;
		s->conns = c;
		s->n++;
		if (s->o.counts)
			s->o.counts->connections = s->n;
		if (c->rd == NULL || c->wr == NULL || c->timer == NULL) {
			conn_close(c, "out_of_memory", NULL);
			continue;
		}
		c->ctx = tl_tls_ref(s->tls);
		tl_ev_enable(c->rd);
		tl_ev_arm(c->timer, s->o.handshake_ms);
	}
}

tl_netsrv *tl_netsrv_new(tl_loop *l, int fd, tl_tls *tls, const tl_netsrv_opts *o,
			 tl_err *e)
{
	tl_netsrv *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		close(fd);
		tl_fail(e, "out of memory");
		return NULL;
	}
	s->loop = l;
	s->fd = fd;
	s->o = *o;
	if (s->o.max_connections > 0) {
		unsigned n = (unsigned)s->o.max_connections;

		tl_daemon_fit_files(&n, 64, "max_connections");
		s->o.max_connections = (int)n;
	}
	if ((s->accept_ev = tl_ev_io(l, fd, TL_EV_READ, on_accept, s, e)) == NULL ||
	    tl_ev_enable(s->accept_ev)) {
		tl_ev_free(s->accept_ev);
		close(fd);
		free(s);
		tl_fail(e, "cannot watch the listening socket");
		return NULL;
	}
	s->tls = tl_tls_ref(tls);
	return s;
}

void tl_netsrv_set_tls(tl_netsrv *s, tl_tls *tls)
{
	tl_tls_ref(tls);
	tl_tls_free(s->tls);
	s->tls = tls;
}

void tl_netsrv_free(tl_netsrv *s)
{
	if (s == NULL)
		return;
	while (s->conns)
		conn_close(s->conns, NULL, NULL);
	tl_ev_free(s->accept_ev);
	close(s->fd);
	tl_tls_free(s->tls);
	free(s);
}

size_t tl_netsrv_count(const tl_netsrv *s)
{
	return s->n;
}

int tl_netconn_send(tl_netconn *c, const void *buf, size_t len)
{
	if (len > c->srv->o.max_output - c->out_len)
		return -1;
	if (c->out_len + len > c->out_cap) {
		size_t cap = c->out_len + len < 4096 ? 4096 : c->out_len + len;
		uint8_t *p = realloc(c->out, cap);

		if (p == NULL)
			return -1;
		c->out = p;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, buf, len);
	c->out_len += len;
	return 0;
}

void tl_netconn_close_after_send(tl_netconn *c)
{
	c->closing = 1;
}

/* Writable soon, as every socket with room is: conn_run then does what a
 * read would have. */
void tl_netconn_wake(tl_netconn *c)
{
	wait_for(c, TL_IO_WANT_WRITE);
}

const char *tl_netconn_peer(const tl_netconn *c)
{
	return c->peer;
}

void *tl_netconn_data(tl_netconn *c)
{
	return c->data;
}

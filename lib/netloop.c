#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "netloop.h"
#include "daemon.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

struct tl_tls {
	WOLFSSL_CTX *ctx;
	int refs;
	int server;
};

struct tl_tlsconn {
	WOLFSSL *ssl;
	tl_tls *tls;
};

/* Which key exchange and cipher cost least depends on the wolfSSL linked
 * in. Measured with wolfCrypt on this project's machines (CPU time: two
 * key pairs and one shared secret, about one handshake's both sides; one
 * 1 KB record sealed):
 *   fast build (SP x86-64 assembly, AES-NI): P-256 106 us, X25519 135 us;
 *     AES-256-GCM 0.43 us, ChaCha20-Poly1305 1.07 us
 *   Debian's build (C only): X25519 143 us, P-256 708 us;
 *     ChaCha20-Poly1305 3.5 us, AES-256-GCM 9.0 us
 * AES-NI is used only where the CPU has it, so that is asked too. */
static int fast_p256(void)
{
#ifdef WOLFSSL_SP_X86_64_ASM
	return 1;
#else
	return 0;
#endif
}

static int fast_aes(void)
{
#ifdef WOLFSSL_AESNI
	return __builtin_cpu_supports("aes");
#else
	return 0;
#endif
}

static int versions_ok(int tls_min, tl_err *e)
{
	if (tls_min < 10 || tls_min > 13)
		return tl_fail(e, "TLS %d.%d: the lowest version must be 1.0 to 1.3",
			       tls_min / 10, tls_min % 10);
#ifndef WOLFSSL_ALLOW_TLSV10
	if (tls_min == 10)
		return tl_fail(e, "tls_min = 1.0: this wolfSSL (%s) was built without "
			       "TLS 1.0 (WOLFSSL_ALLOW_TLSV10), so 1.1 is the lowest "
			       "version it can offer", LIBWOLFSSL_VERSION_STRING);
#endif
#ifdef NO_OLD_TLS
	if (tls_min < 12)
		return tl_fail(e, "tls_min = 1.%d: this wolfSSL (%s) was built without "
			       "TLS 1.0 and 1.1 (NO_OLD_TLS)", tls_min % 10,
			       LIBWOLFSSL_VERSION_STRING);
#endif
	return 0;
}

int tl_tls_supported(int tls_min, tl_err *e)
{
	return versions_ok(tls_min, e);
}

static int tls_new(tl_tls **out, int server, int tls_min, tl_err *e)
{
	static const int wolf_version[] = { WOLFSSL_TLSV1, WOLFSSL_TLSV1_1,
					    WOLFSSL_TLSV1_2, WOLFSSL_TLSV1_3 };
	tl_tls *t;

	*out = NULL;
	if (versions_ok(tls_min, e))
		return -1;
	if (wolfSSL_Init() != WOLFSSL_SUCCESS)
		return tl_fail(e, "cannot initialise wolfSSL");
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return tl_fail(e, "out of memory");
	t->refs = 1;
	t->server = server;
	/* the flexible methods: every version from tls_min up to TLS 1.3 */
	t->ctx = wolfSSL_CTX_new(server ? wolfSSLv23_server_method() :
				 wolfSSLv23_client_method());
	if (t->ctx == NULL) {
		free(t);
		return tl_fail(e, "cannot create a TLS context");
	}
	if (wolfSSL_CTX_SetMinVersion(t->ctx, wolf_version[tls_min - 10]) !=
	    WOLFSSL_SUCCESS) {
		tl_tls_free(t);
		return tl_fail(e, "wolfSSL refuses TLS %d.%d as the lowest version",
			       tls_min / 10, tls_min % 10);
	}
	wolfSSL_CTX_set_verify(t->ctx, WOLFSSL_VERIFY_NONE, NULL);
	/* Phones do not resume sessions: a cache or tickets would only cost
	 * memory and a message per handshake. */
	wolfSSL_CTX_set_session_cache_mode(t->ctx, WOLFSSL_SESS_CACHE_OFF);
	wolfSSL_CTX_NoTicketTLSv12(t->ctx);
	wolfSSL_CTX_no_ticket_TLSv13(t->ctx);
	{
		/* the cheaper key exchange first, on both sides of every
		 * handshake (see fast_p256); the others stay for the peers
		 * that have nothing else */
		int groups[] = { WOLFSSL_ECC_X25519, WOLFSSL_ECC_SECP256R1,
				 WOLFSSL_ECC_SECP384R1, WOLFSSL_ECC_SECP521R1 };

		if (fast_p256()) {
			groups[0] = WOLFSSL_ECC_SECP256R1;
			groups[1] = WOLFSSL_ECC_X25519;
		}
		wolfSSL_CTX_set_groups(t->ctx, groups, 4);
	}
	*out = t;
	return 0;
}

/* ChaCha20-Poly1305 first, then the rest of the default suites in their
 * order (the server's order decides), where AES-GCM has no AES-NI code
 * (see fast_aes). A client that does not offer ChaCha20 gets AES-GCM as
 * before. Read after the key is loaded: the default suites depend on its
 * type. */
static int prefer_chacha(WOLFSSL_CTX *ctx)
{
	WOLFSSL *ssl = wolfSSL_new(ctx);
	WOLF_STACK_OF(WOLFSSL_CIPHER) *sk = ssl ? wolfSSL_get_ciphers_compat(ssl) : NULL;
	char list[2048];
	size_t o = 0;
	int n = sk ? wolfSSL_sk_SSL_CIPHER_num(sk) : 0, rc = -1;

	list[0] = 0;
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < n; i++) {
			const char *name = wolfSSL_CIPHER_get_name(
				wolfSSL_sk_SSL_CIPHER_value(sk, i));

			if (name && (strstr(name, "CHACHA20") != NULL) == !pass &&
			    o + strlen(name) + 2 < sizeof(list))
				o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s",
						      o ? ":" : "", name);
		}
	if (o && wolfSSL_CTX_set_cipher_list(ctx, list) == WOLFSSL_SUCCESS)
		rc = 0;
	wolfSSL_free(ssl);
	return rc;
}

int tl_tls_server(tl_tls **out, const tl_cert *cert, const tl_key *key,
		  int tls_min, tl_err *e)
{
	char *pem = NULL;
	int rc;

	if (tls_new(out, 1, tls_min, e))
		return -1;
	if (wolfSSL_CTX_use_certificate_buffer((*out)->ctx, cert->der,
					       (long)cert->der_len,
					       WOLFSSL_FILETYPE_ASN1) != WOLFSSL_SUCCESS) {
		rc = tl_fail(e, "the TLS context refuses certificate %s", cert->subject);
		goto done;
	}
	if (tl_key_to_pem(key, &pem, e)) {
		rc = -1;
		goto done;
	}
	rc = wolfSSL_CTX_use_PrivateKey_buffer((*out)->ctx, (const unsigned char *)pem,
					       (long)strlen(pem), WOLFSSL_FILETYPE_PEM) ==
			     WOLFSSL_SUCCESS &&
	     wolfSSL_CTX_check_private_key((*out)->ctx) == WOLFSSL_SUCCESS ? 0 :
	     tl_fail(e, "the TLS context refuses the key of %s", cert->subject);
	if (rc == 0 && !fast_aes() && prefer_chacha((*out)->ctx))
		rc = tl_fail(e, "the TLS context refuses its cipher suites");
	explicit_bzero(pem, strlen(pem));
	free(pem);
done:
	if (rc) {
		tl_tls_free(*out);
		*out = NULL;
	}
	return rc;
}

int tl_tls_client(tl_tls **out, int tls_min, tl_err *e)
{
	return tls_new(out, 0, tls_min, e);
}

void tl_tls_free(tl_tls *t)
{
	if (t == NULL || --t->refs > 0)
		return;
	wolfSSL_CTX_free(t->ctx);
	free(t);
}

tl_tlsconn *tl_tlsconn_new(tl_tls *t, int fd, tl_err *e)
{
	tl_tlsconn *c = calloc(1, sizeof(*c));

	if (c == NULL || (c->ssl = wolfSSL_new(t->ctx)) == NULL) {
		free(c);
		tl_fail(e, "cannot create a TLS session (out of memory)");
		return NULL;
	}
	if (wolfSSL_set_fd(c->ssl, fd) != WOLFSSL_SUCCESS) {
		wolfSSL_free(c->ssl);
		free(c);
		tl_fail(e, "cannot attach a TLS session to its socket");
		return NULL;
	}
	c->tls = t;
	t->refs++;
	return c;
}

void tl_tlsconn_free(tl_tlsconn *c)
{
	if (c == NULL)
		return;
	/* one try: a peer that does not read its close_notify gets a FIN */
	wolfSSL_shutdown(c->ssl);
	wolfSSL_free(c->ssl);
	tl_tls_free(c->tls);
	free(c);
}

/* Maps a failed wolfSSL call to a step result. */
static int step_result(tl_tlsconn *c, int ret, const char *what, tl_err *e)
{
	int err = wolfSSL_get_error(c->ssl, ret);
	char msg[WOLFSSL_MAX_ERROR_SZ];

	switch (err) {
	case WOLFSSL_ERROR_WANT_READ:
		return TL_IO_WANT_READ;
	case WOLFSSL_ERROR_WANT_WRITE:
		return TL_IO_WANT_WRITE;
	case WOLFSSL_ERROR_ZERO_RETURN:
	case SOCKET_PEER_CLOSED_E:
		return TL_IO_EOF;
	default:
		if (err == SOCKET_ERROR_E && errno)
			tl_fail(e, "TLS %s: %s", what, strerror(errno));
		else
			tl_fail(e, "TLS %s: %s", what,
				wolfSSL_ERR_error_string((unsigned long)err, msg));
		return TL_IO_ERROR;
	}
}

int tl_tlsconn_handshake(tl_tlsconn *c, tl_err *e)
{
	int ret;

	errno = 0;
	ret = c->tls->server ? wolfSSL_accept(c->ssl) : wolfSSL_connect(c->ssl);
	if (ret == WOLFSSL_SUCCESS) {
		/* The client's Finished is the last record of the handshake and
		 * the server has nothing to send after it (no tickets), so its
		 * ACK would wait for the delayed-ACK timer; a client with Nagle
		 * on holds its first request behind that ACK (~40 ms). ACK it
		 * now. */
		if (c->tls->server) {
			int one = 1;

			setsockopt(wolfSSL_get_fd(c->ssl), IPPROTO_TCP, TCP_QUICKACK,
				   &one, sizeof(one));
		}
		return TL_IO_DONE;
	}
	ret = step_result(c, ret, "handshake", e);
	/* a peer gone during the handshake failed it */
	if (ret == TL_IO_EOF) {
		tl_fail(e, "TLS handshake: the peer closed the connection");
		return TL_IO_ERROR;
	}
	return ret;
}

int tl_tlsconn_read(tl_tlsconn *c, void *buf, size_t n, size_t *got, tl_err *e)
{
	int ret;

	errno = 0;
	ret = wolfSSL_read(c->ssl, buf, n > INT32_MAX ? INT32_MAX : (int)n);
	if (ret > 0) {
		*got = (size_t)ret;
		return TL_IO_DONE;
	}
	return step_result(c, ret, "read", e);
}

int tl_tlsconn_write(tl_tlsconn *c, const void *buf, size_t n, tl_err *e)
{
	int ret;

	if (n == 0)
		return TL_IO_DONE;
	errno = 0;
	ret = wolfSSL_write(c->ssl, buf, n > INT32_MAX ? INT32_MAX : (int)n);
	if (ret == (int)n)
		return TL_IO_DONE;
	if (ret > 0)	/* wolfSSL writes all or nothing unless partial writes are on */
		return tl_fail(e, "TLS write: %d of %zu bytes", ret, n), TL_IO_ERROR;
	ret = step_result(c, ret, "write", e);
	if (ret == TL_IO_EOF) {
		tl_fail(e, "TLS write: the peer closed the connection");
		return TL_IO_ERROR;
	}
	return ret;
}

int tl_tlsconn_peer_der(tl_tlsconn *c, const uint8_t **der, size_t *len)
{
	WOLFSSL_X509_CHAIN *ch = wolfSSL_get_peer_chain(c->ssl);
	int n;

	if (ch == NULL || wolfSSL_get_chain_count(ch) < 1)
		return -1;
	*der = wolfSSL_get_chain_cert(ch, 0);
	n = wolfSSL_get_chain_length(ch, 0);
	if (*der == NULL || n <= 0)
		return -1;
	*len = (size_t)n;
	return 0;
}

const char *tl_tlsconn_version(tl_tlsconn *c)
{
	return wolfSSL_get_version(c->ssl);
}

const char *tl_tlsconn_cipher(tl_tlsconn *c)
{
	const char *s = wolfSSL_get_cipher_name(c->ssl);

	return s ? s : "none";
}

/* ---- sockets ---- */

static void nodelay(int fd)
{
	int one = 1;

	/* requests and answers are single small records: Nagle would only
	 * hold them back */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

int tl_sock_wait(int fd, int want, uint64_t deadline_ms)
{
	struct pollfd p = { .fd = fd, .events = want == TL_IO_WANT_WRITE ? POLLOUT : POLLIN };

	for (;;) {
		uint64_t now = tl_now_ms();
		int rc;

		if (now >= deadline_ms)
			return -1;
		rc = poll(&p, 1, (int)(deadline_ms - now > 60000 ? 60000 : deadline_ms - now));
		if (rc > 0)
			return 0;
		if (rc < 0 && errno != EINTR)
			return -1;
	}
}

static int connect_one(const struct addrinfo *ai, uint64_t deadline, tl_err *e)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			ai->ai_protocol);
	int err = 0;
	socklen_t len = sizeof(err);

	if (fd < 0)
		return tl_fail(e, "socket: %s", strerror(errno));
	nodelay(fd);
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;
	if (errno != EINPROGRESS)
		err = errno;
	else if (tl_sock_wait(fd, TL_IO_WANT_WRITE, deadline))
		err = ETIMEDOUT;
	else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
		err = errno;
	if (err == 0)
		return fd;
	close(fd);
	return tl_fail(e, "%s", strerror(err));
}

int tl_sock_connect(const char *host, int port, int timeout_ms, tl_err *e)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	uint64_t deadline = tl_now_ms() + (uint64_t)timeout_ms;
	char svc[8], name[256];
	const char *h = host;
	int rc, fd = -1;

	/* "[2001:db8::1]" as well as the bare address */
	if (host[0] == '[' && strlen(host) < sizeof(name) + 1 &&
	    host[strlen(host) - 1] == ']') {
		snprintf(name, sizeof(name), "%.*s", (int)strlen(host) - 2, host + 1);
		h = name;
	}
	snprintf(svc, sizeof(svc), "%d", port);
	if ((rc = getaddrinfo(h, svc, &hints, &res)) != 0)
		return tl_fail(e, "%s: %s", host, gai_strerror(rc));
	for (ai = res; ai && fd < 0; ai = ai->ai_next)
		fd = connect_one(ai, deadline, e);
	freeaddrinfo(res);
	if (fd < 0)
		return tl_wrap(e, "cannot connect to %s port %d", host, port);
	return fd;
}

/* ---- the server ---- */

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
		nodelay(fd);
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
		if (c->rd == NULL || c->wr == NULL || c->timer == NULL) {
			conn_close(c, "out_of_memory", NULL);
			continue;
		}
		c->ctx = s->tls;
		s->tls->refs++;
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
	s->tls = tls;
	tls->refs++;
	return s;
}

void tl_netsrv_set_tls(tl_netsrv *s, tl_tls *tls)
{
	tls->refs++;
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

/* The TLS layer under tl_netsrv and the clients: configurations and
 * sessions stepped over non-blocking sockets, and the client's connect and
 * wait. With the x509 files the only code that includes wolfSSL headers. */
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "tlsconn.h"
#include "loop.h"

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

tl_tls *tl_tls_ref(tl_tls *t)
{
	t->refs++;
	return t;
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

void tl_sock_nodelay(int fd)
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
	tl_sock_nodelay(fd);
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

/* TLS over non-blocking sockets: tl_tls / tl_tlsconn drive one wolfSSL
 * session over a non-blocking socket step by step. Every call returns at
 * once, saying whether it finished or must wait for the socket to become
 * readable or writable. A client waits with tl_sock_wait (blocking, with a
 * deadline) or from its own loop; the server side is netloop.h. */
#ifndef TL_TLSCONN_H
#define TL_TLSCONN_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "x509.h"

/* What a step returned. */
enum {
	TL_IO_ERROR = -1,	/* e says what; the session is unusable */
	TL_IO_DONE = 0,
	TL_IO_WANT_READ = 1,	/* call again once the socket is readable */
	TL_IO_WANT_WRITE = 2,	/* ... writable */
	TL_IO_EOF = 3,		/* the peer closed the connection */
};

/* A TLS configuration, shared by the sessions made from it and kept alive
 * by them (a reload makes a new one; sessions in flight keep theirs).
 * tls_min is 10, 11, 12 or 13 (TLS 1.0 .. 1.3); TLS 1.3 is always the
 * highest. Neither side asks for or checks certificates through wolfSSL:
 * servers authenticate only themselves, and clients check the server's
 * certificate themselves against a trust list (tl_tlsconn_peer_der). */
typedef struct tl_tls tl_tls;
int tl_tls_server(tl_tls **out, const tl_cert *cert, const tl_key *key,
		  int tls_min, tl_err *e);
int tl_tls_client(tl_tls **out, int tls_min, tl_err *e);
/* Another reference to t, for one more holder (a server, a connection). */
tl_tls *tl_tls_ref(tl_tls *t);
/* Drops the caller's reference. NULL is fine. */
void tl_tls_free(tl_tls *t);
/* 0 when this wolfSSL can offer TLS versions down to tls_min; otherwise e
 * says why not. */
int tl_tls_supported(int tls_min, tl_err *e);

typedef struct tl_tlsconn tl_tlsconn;
/* A session over the connected non-blocking socket fd (not closed by
 * tl_tlsconn_free). */
tl_tlsconn *tl_tlsconn_new(tl_tls *t, int fd, tl_err *e);
/* Sends a close_notify if it can without waiting, then frees. */
void tl_tlsconn_free(tl_tlsconn *c);
/* The handshake: accept or connect, as the configuration's side. */
int tl_tlsconn_handshake(tl_tlsconn *c, tl_err *e);
/* Up to n bytes into buf; *got is set when TL_IO_DONE. */
int tl_tlsconn_read(tl_tlsconn *c, void *buf, size_t n, size_t *got, tl_err *e);
/* Writes all n bytes or, on TL_IO_WANT_*, none: call again with the same
 * bytes (wolfSSL keeps the record it already made). */
int tl_tlsconn_write(tl_tlsconn *c, const void *buf, size_t n, tl_err *e);
/* The peer's certificate (DER) after the handshake; 0, or -1 when it sent
 * none. Points into the session. */
int tl_tlsconn_peer_der(tl_tlsconn *c, const uint8_t **der, size_t *len);
/* "TLSv1.3", "TLS_AES_128_GCM_SHA256". */
const char *tl_tlsconn_version(tl_tlsconn *c);
const char *tl_tlsconn_cipher(tl_tlsconn *c);

/* A TCP connection to host (a name or a numeric address) and port, within
 * timeout_ms; the socket is non-blocking, close-on-exec and TCP_NODELAY.
 * Returns the fd, or -1 with e naming the address and the reason. */
int tl_sock_connect(const char *host, int port, int timeout_ms, tl_err *e);
/* Waits until fd is ready for want (TL_IO_WANT_READ or TL_IO_WANT_WRITE)
 * or the monotonic deadline (tl_now_ms) passes. 0 ready, -1 timed out or
 * failed. */
int tl_sock_wait(int fd, int want, uint64_t deadline_ms);
/* TCP_NODELAY: requests and answers are single small records. */
void tl_sock_nodelay(int fd);

#endif

/* TLS over non-blocking sockets, and a TLS server on the event loop
 * (docs/architecture.md: the glue shared by tvsd and capfd, and by the clients
 * phone-sim and `trustline` use). With x509.c the only module that includes
 * wolfSSL headers.
 *
 * Two layers. tl_tls / tl_tlsconn drive one wolfSSL session over a
 * non-blocking socket step by step: every call returns at once, saying
 * whether it finished or must wait for the socket to become readable or
 * writable. A client waits with tl_sock_wait (blocking, with a deadline) or
 * from its own loop. tl_netsrv is the server side on a tl_loop: it accepts,
 * handshakes, reads and writes without ever blocking the loop, enforces the
 * connection limit, the handshake and idle timeouts and a bound on each
 * connection's buffers, and hands complete input to a callback. */
#ifndef TL_NETLOOP_H
#define TL_NETLOOP_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "loop.h"
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

/* The server. */
typedef struct tl_netsrv tl_netsrv;
typedef struct tl_netconn tl_netconn;

typedef struct tl_netsrv_opts {
	/* When a new connection would pass either limit, a silent one is shed
	 * for it (the oldest unfinished handshake, else an open connection
	 * long idle), or, when every connection is at work, it is accepted
	 * and closed at once. */
	int max_connections;
	int max_per_source;	/* from one address; 0: no limit */
	unsigned handshake_ms;	/* from accept to a finished handshake */
	unsigned idle_ms;	/* without consuming a complete message */
	size_t max_input;	/* unconsumed bytes a connection may hold */
	size_t max_output;	/* unsent bytes a connection may hold */
	/* Gets every byte received and not yet consumed; returns how many it
	 * consumed (whole messages; 0 for "need more"), or -1 to close the
	 * connection (it logs why). It may call tl_netconn_send. Input beyond
	 * max_input that it does not consume closes the connection. */
	long (*on_data)(void *arg, tl_netconn *c, const uint8_t *buf, size_t len);
	/* Optional. on_open: the handshake is done (a protocol where the
	 * server speaks first sends here). on_close: the connection is about
	 * to go, for whatever reason (timed_out: a handshake or idle timeout),
	 * with its data still there. admit: a new connection from peer; -1
	 * closes it at once (rate limits). */
	void (*on_open)(void *arg, tl_netconn *c);
	void (*on_close)(void *arg, tl_netconn *c, int timed_out);
	int (*admit)(void *arg, const struct sockaddr *peer);
	void *arg;
	size_t conn_data;	/* see tl_netconn_data */
} tl_netsrv_opts;

/* Serves TLS on the listening socket fd (tl_sock_bind SOCK_STREAM), which
 * it then owns. The server takes a reference to tls. */
tl_netsrv *tl_netsrv_new(tl_loop *l, int fd, tl_tls *tls, const tl_netsrv_opts *o,
			 tl_err *e);
/* New connections use tls from now on (reload); open ones keep theirs. */
void tl_netsrv_set_tls(tl_netsrv *s, tl_tls *tls);
/* Stops accepting and closes every connection. */
void tl_netsrv_free(tl_netsrv *s);
size_t tl_netsrv_count(const tl_netsrv *s);

/* Queues bytes to send; -1 when that would exceed max_output (the caller
 * should then give up on the connection). */
int tl_netconn_send(tl_netconn *c, const void *buf, size_t len);
/* Closes the connection once what is queued has been sent. */
void tl_netconn_close_after_send(tl_netconn *c);
/* From outside the callbacks (an answer that waited for other work, such
 * as a database commit on another thread): the loop comes back to the
 * connection soon, sends what was queued, hands buffered input to on_data
 * again and closes it if asked. */
void tl_netconn_wake(tl_netconn *c);
/* "192.0.2.1:51234" */
const char *tl_netconn_peer(const tl_netconn *c);
/* The caller's per-connection state: conn_data bytes, zeroed at accept,
 * freed with the connection. */
void *tl_netconn_data(tl_netconn *c);

#endif

/* A TLS server on the event loop (docs/architecture.md: the glue shared by
 * tvsd and capfd), over the TLS layer of tlsconn.h, which the clients
 * phone-sim and `trustline` use alone.
 *
 * tl_netsrv accepts, handshakes, reads and writes without ever blocking the
 * loop, enforces the connection limit, the handshake and idle timeouts and
 * a bound on each connection's buffers, and hands complete input to a
 * callback. */
#ifndef TL_NETLOOP_H
#define TL_NETLOOP_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "loop.h"
#include "tlsconn.h"
#include "x509.h"

/* The server. */
typedef struct tl_netsrv tl_netsrv;
typedef struct tl_netconn tl_netconn;

/* What a server counts, for the daemons' /metrics (lib/metrics.h): the
 * caller's memory, which may be a slot shared across workers. */
typedef struct tl_netsrv_counts {
	uint64_t connections;		/* open now, handshaking or not */
	uint64_t handshake_failed;	/* a TLS handshake that failed */
	uint64_t handshake_timeout;	/* one not finished in handshake_ms */
} tl_netsrv_counts;

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
	tl_netsrv_counts *counts;	/* optional: kept up to date */
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


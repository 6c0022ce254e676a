/* A TFTP client (RRQ only) on the packet codec: what a phone does at boot,
 * and what the tests use to ask for what curl and tftp-hpa cannot
 * (windowsize, the OACK, a stranger's packet to the transfer port). One
 * socket per transfer, bounded by a timeout per packet and a retry count.
 * Bytes are handed to a sink as they arrive (netascii is not converted
 * back), or collected in memory up to a limit. tl_tftp_get waits for its
 * one transfer; the same state machine, driven by an event loop through
 * tl_tftpc_start/read/timeout, runs hundreds at once in one thread (a
 * fleet of phones, the load generator). */
#ifndef TL_TFTP_CLIENT_H
#define TL_TFTP_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "err.h"
#include "packet.h"
#include "tlv.h"

/* Why a transfer failed. A phone treats "not found" as normal (the
 * per-phone names usually are not there), everything else as an error. */
enum tl_tftpc_fail {
	TL_TFTPC_OK = 0,
	TL_TFTPC_NOTFOUND = 1,	/* the server answered error 1 */
	TL_TFTPC_REMOTE = 2,	/* any other ERROR packet (code, msg in the result) */
	TL_TFTPC_TIMEOUT = 3,	/* no answer after the retries */
	TL_TFTPC_LOCAL = 4,	/* name resolution, socket, the sink refused */
	TL_TFTPC_PROTOCOL = 5,	/* a block larger than negotiated */
};
const char *tl_tftpc_fail_name(int why);	/* "not found", "timeout", ... */

typedef struct tl_tftpc_opts {
	const char *host;
	int port;			/* 0: 69 */
	tl_tftp_opts want;		/* blksize, windowsize, tsize to ask for */
	int netascii;
	unsigned timeout_ms;		/* per packet; 0: 1000 */
	int retries;			/* per packet; 0: 8, -1: none */
	unsigned dally_ms;		/* after the last ACK, answer a repeated last block */
	/* Where the bytes go; returns 0, or -1 to stop the transfer. NULL:
	 * use tl_tftp_fetch. */
	int (*sink)(void *arg, const uint8_t *p, size_t n);
	void *sink_arg;
	/* Optional: called once the server's transfer port is known. */
	void (*on_tid)(void *arg, const struct sockaddr_storage *srv, socklen_t len);
	void *tid_arg;
} tl_tftpc_opts;

typedef struct tl_tftpc_result {
	uint64_t bytes, blocks, acks, timeouts;
	uint64_t repeats;		/* blocks that came again or out of order: the
					 * server resent */
	int oack;			/* an OACK came; its options below */
	tl_tftp_opts acked;
	uint16_t code;			/* TL_TFTPC_REMOTE / NOTFOUND: the error packet */
	char msg[512];
} tl_tftpc_result;

/* One transfer's state; the fields after fd are the machine's own. */
typedef struct tl_tftpc {
	int fd;				/* non-blocking; readable: tl_tftpc_read */
	unsigned timeout_ms;		/* wait this long for the next packet */
	const tl_tftpc_opts *o;
	const char *file;
	tl_tftpc_result *r;
	struct sockaddr_storage srv;
	socklen_t srvlen;
	int have_tid, tries, retries;
	unsigned blksize, window, inwin;
	uint64_t expected;
	int64_t last_acked;
	uint8_t pkt[1024];		/* the request, then the last ACK: resent as is */
	size_t pkt_len;
	uint8_t *buf;
} tl_tftpc;

/* Returned by the three below while the transfer goes on. */
#define TL_TFTPC_MORE (-1)

/* Opens the transfer's socket and sends the request. o, file and r must
 * outlive the transfer. Returns TL_TFTPC_MORE, or a failure (nothing left
 * to end). */
int tl_tftpc_start(tl_tftpc *c, const tl_tftpc_opts *o, const char *file,
		   tl_tftpc_result *r, tl_err *e);
/* Takes every datagram waiting on c->fd and answers it. TL_TFTPC_MORE:
 * wait timeout_ms for the next; otherwise the transfer's result (TL_TFTPC_OK
 * once the last block is acknowledged). */
int tl_tftpc_read(tl_tftpc *c, tl_err *e);
/* Nothing came for timeout_ms: sends the last packet again, or gives up
 * after the retries (TL_TFTPC_TIMEOUT). */
int tl_tftpc_timeout(tl_tftpc *c, tl_err *e);
/* Closes the socket; after any result. */
void tl_tftpc_end(tl_tftpc *c);

/* Reads file from o->host. Returns a tl_tftpc_fail code; e says what
 * happened in words (host, port, file). */
int tl_tftp_get(const tl_tftpc_opts *o, const char *file, tl_tftpc_result *r,
		tl_err *e);

/* The same into memory: *out (malloc'ed, NUL after the last byte) holds
 * at most max bytes; a larger file is a TL_TFTPC_LOCAL failure. */
int tl_tftp_fetch(const tl_tftpc_opts *o, const char *file, size_t max,
		  uint8_t **out, size_t *len, tl_tftpc_result *r, tl_err *e);

/* One transfer on an event loop (lib/loop.h), for a load generator or a
 * fleet of phones: done is called once, when it has ended and its socket
 * is closed, with the result; with o->sink NULL the bytes are collected in
 * memory up to max and handed to done as tl_tftp_fetch would (the callee
 * frees them), else out is NULL. o is copied; file and r must outlive
 * the transfer. Returns TL_TFTPC_MORE, or a failure (done is not called). */
typedef struct tl_loop tl_loop;
typedef struct tl_tftpc_ev tl_tftpc_ev;
typedef void (*tl_tftpc_done)(void *arg, int rc, uint8_t *out, size_t len,
			      const tl_err *e);
int tl_tftpc_ev_start(tl_loop *l, const tl_tftpc_opts *o, const char *file,
		      size_t max, tl_tftpc_result *r, tl_tftpc_done done, void *arg,
		      tl_err *e);

#endif

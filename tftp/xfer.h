/* The two halves of the TFTP server, and what they share with no one
 * else: server.c answers the request port (which requests start a
 * transfer, the rate limiter, the server's start and end), xfer.c runs each
 * transfer on its own port (RFC 1350 lock-step or RFC 7440 windows, the
 * options RFC 2347 negotiated, retransmission). */
#ifndef TL_TFTP_XFER_H
#define TL_TFTP_XFER_H

#include <netinet/in.h>
#include <sys/socket.h>

#include "hash.h"
#include "packet.h"
#include "server.h"
#include "tsrecord.h"

#define TL_TFTP_BATCH 64	/* datagrams per sendmmsg / per wake-up */

/* A peer's address and port, as the hash tables key them. */
typedef struct tl_tftp_peer {
	uint8_t b[18];		/* address (16, IPv4 as mapped) + port */
} tl_tftp_peer;

typedef struct tl_tftp_xfer {
	tl_hnode node;		/* in by_peer */
	tl_tftp_server *srv;
	int fd;
	tl_ev *rd, *wr, *tm;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	tl_tftp_peer key;
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
} tl_tftp_xfer;

/* One worker's counters: in the slot tftp/metrics.c shares with the
 * other workers, which /metrics sums. Only this worker writes them. */
struct tl_tftp_stats {
	uint64_t requests, ok, failed, not_found, forbidden, refused_write,
		 bad, busy, limited, dup_requests, unknown_tid, bytes;
	uint64_t active;	/* transfers running now */
	uint64_t http_ok, http_not_found, http_forbidden, http_error, http_bytes;
	uint64_t reloads_ok, reloads_failed;
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
	struct tl_tftp_stats *st;
	tl_tsrec *rec;		/* completed transfers go to it; NULL: none */
	uint8_t rbuf[65536];
};

void tl_tftp_peer_of(const struct sockaddr_storage *ss, tl_tftp_peer *p);
const char *tl_tftp_peer_str(const struct sockaddr_storage *ss, char *out,
			     size_t n);
/* Sends an ERROR from fd; errors are never answered, so two servers cannot
 * bounce them forever. */
void tl_tftp_send_error(int fd, const struct sockaddr_storage *to,
			socklen_t tolen, int code, const char *msg);

/* Starts the transfer that answers request p (digest req) from peer k
 * (hashed h), serving f, from a port of its own on the address the request
 * came to (local, or any). 0 once it runs (or ended at once on a send
 * error); -1 out of memory, -2 no socket, with f released. */
int tl_tftp_xfer_start(tl_tftp_server *s, const tl_tftp_pkt *p, uint64_t req,
		       const tl_tftp_peer *k, uint64_t h, tl_tftp_file *f,
		       const struct sockaddr_storage *from, socklen_t fromlen,
		       const struct sockaddr_storage *local, socklen_t locallen);
/* Reads what the client sent to the transfer's port (arg is the transfer):
 * the transfer may be gone after it. */
void tl_tftp_xfer_read(void *arg);
/* The client sent the request of x again while it runs (x may be gone
 * after it). */
void tl_tftp_xfer_again(tl_tftp_xfer *x);
/* Logs the transfer's end, counts it and frees it. */
void tl_tftp_xfer_end(tl_tftp_xfer *x, const char *result, int code,
		      const char *msg);

#endif

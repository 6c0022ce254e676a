/* The TFTP codec: RFC 1350 packets (octet and netascii), RFC 2347 option
 * negotiation, RFC 2348 blksize, RFC 2349 timeout and tsize, RFC 7440
 * windowsize. Pure functions over bytes: the server, the clients and the
 * fuzz target share them. */
#ifndef TL_TFTP_PACKET_H
#define TL_TFTP_PACKET_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum tl_tftp_op {
	TL_TFTP_RRQ = 1, TL_TFTP_WRQ = 2, TL_TFTP_DATA = 3, TL_TFTP_ACK = 4,
	TL_TFTP_ERROR = 5, TL_TFTP_OACK = 6,
};

/* Error codes (RFC 1350, 8 from RFC 2347). */
enum tl_tftp_code {
	TL_TFTP_EUNDEF = 0, TL_TFTP_ENOTFOUND = 1, TL_TFTP_EACCESS = 2,
	TL_TFTP_ENOSPACE = 3, TL_TFTP_EBADOP = 4, TL_TFTP_EBADID = 5,
	TL_TFTP_EEXISTS = 6, TL_TFTP_ENOUSER = 7, TL_TFTP_EOPTNEG = 8,
};

#define TL_TFTP_HDR 4			/* opcode + block number */
#define TL_TFTP_BLKSIZE 512		/* without the blksize option */
#define TL_TFTP_BLKSIZE_MIN 8
#define TL_TFTP_BLKSIZE_MAX 65464
#define TL_TFTP_TIMEOUT_MAX 255
#define TL_TFTP_WINDOW_MAX 65535
#define TL_TFTP_PKT_MAX (TL_TFTP_HDR + TL_TFTP_BLKSIZE_MAX)
/* An ERROR packet: any client reads one of the size of a default block. */
#define TL_TFTP_ERROR_MAX (TL_TFTP_HDR + TL_TFTP_BLKSIZE)
/* More options than this in one request is not a client, it is a probe. */
#define TL_TFTP_OPTIONS_MAX 64

/* The message of an error code ("File not found", ...); any other code
 * gets the message of 0. */
const char *tl_tftp_errstr(int code);

/* Options of a request or an OACK. 0 means absent (no valid value is 0),
 * except tsize, which has its own flag. */
typedef struct tl_tftp_opts {
	unsigned blksize;
	unsigned timeout;	/* seconds */
	unsigned windowsize;
	int has_tsize;
	uint64_t tsize;
} tl_tftp_opts;

typedef struct tl_tftp_pkt {
	int op;
	/* RRQ, WRQ: strings point into the parsed bytes (NUL-terminated there) */
	const char *file;
	int netascii;
	/* RRQ, WRQ, OACK */
	tl_tftp_opts opts;
	/* DATA, ACK */
	uint16_t block;
	const uint8_t *data;
	size_t data_len;
	/* ERROR */
	uint16_t code;
	const char *msg;
} tl_tftp_pkt;

/* Parses one datagram, never reading past len. 0: *p is filled. -1: the
 * packet is malformed, e says how, and *code is the error to answer with
 * (TL_TFTP_EBADOP for a broken packet or an unknown mode, TL_TFTP_EOPTNEG
 * for a bad or duplicate option value). Unknown options are skipped
 * (RFC 2347). */
int tl_tftp_parse(const uint8_t *buf, size_t len, tl_tftp_pkt *p, int *code,
		  tl_err *e);

/* The server's answer to requested options for a transfer of size bytes
 * (as sent, netascii included): blksize and windowsize clamped to the
 * limits, timeout as asked, tsize reported. Fills *ack with what the OACK
 * carries and returns 1 when one is due (some option was accepted). */
int tl_tftp_negotiate(const tl_tftp_opts *req, unsigned max_blksize,
		      unsigned max_windowsize, uint64_t size, tl_tftp_opts *ack);

/* Builders: each writes one packet into out and returns its length, or 0
 * when it does not fit in cap (or, for an OACK, when it holds no option). */
size_t tl_tftp_put_request(uint8_t *out, size_t cap, int op, const char *file,
			   int netascii, const tl_tftp_opts *o);
size_t tl_tftp_put_oack(uint8_t *out, size_t cap, const tl_tftp_opts *o);
size_t tl_tftp_put_ack(uint8_t *out, size_t cap, uint16_t block);
/* msg NULL: the code's message. A long message is cut to fit. */
size_t tl_tftp_put_error(uint8_t *out, size_t cap, int code, const char *msg);
/* The 4-byte header of DATA block (the payload follows it). */
void tl_tftp_put_data_hdr(uint8_t *out, uint16_t block);

/* Block numbers. A transfer counts blocks from its start without wrapping
 * (index 0 is the OACK, data starts at 1); the wire carries index mod
 * 65536, so block 65536 goes out as 0. Given the last acknowledged index
 * and the last sent one, an ACK's wire number acknowledges this many more
 * blocks: 1 .. sent - acked, or 0 for a duplicate, an old ACK or a block
 * never sent (all ignored). sent - acked must stay below 32768 (the window
 * limit) for the answer to be unambiguous. */
uint64_t tl_tftp_acked(int64_t acked, int64_t sent, uint16_t wire);

/* netascii for the sending side: LF becomes CR LF, CR becomes CR NUL. The
 * state lets a transfer convert one block at a time and restart from a
 * saved point. */
typedef struct tl_netascii {
	size_t off;		/* next source byte */
	int pending;		/* second byte of a pair cut at a block end, or -1 */
} tl_netascii;

void tl_netascii_init(tl_netascii *st);
/* Converts from st into out, up to cap bytes; returns the count, which is
 * below cap only at the end of src. */
size_t tl_netascii_fill(tl_netascii *st, const uint8_t *src, size_t len,
			uint8_t *out, size_t cap);
/* The converted length of src. */
uint64_t tl_netascii_len(const uint8_t *src, size_t len);

#endif

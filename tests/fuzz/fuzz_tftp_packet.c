/* The TFTP packet parser on hostile datagrams. What it returns must lie
 * inside the input; a parsed request or OACK must re-encode and parse to
 * the same fields; a refusal must carry a TFTP error code and a reason.
 * The same bytes also go through the netascii converter, whose blocks must
 * add up to tl_netascii_len, and through the block-number arithmetic. */
#include <stdint.h>
#include <string.h>

#include "fuzzutil.h"
#include "packet.h"

static int inside(const void *p, size_t n, const uint8_t *buf, size_t len)
{
	const uint8_t *q = p;

	return q >= buf && q + n <= buf + len;
}

static void same_opts(const tl_tftp_opts *a, const tl_tftp_opts *b)
{
	fz_require(a->blksize == b->blksize && a->timeout == b->timeout &&
		   a->windowsize == b->windowsize && a->has_tsize == b->has_tsize &&
		   (!a->has_tsize || a->tsize == b->tsize), "options survive re-encoding");
}

static void reencode(const tl_tftp_pkt *p)
{
	static uint8_t out[TL_TFTP_PKT_MAX];
	tl_tftp_pkt q;
	size_t n;
	int code;

	if (p->op == TL_TFTP_RRQ || p->op == TL_TFTP_WRQ)
		n = tl_tftp_put_request(out, sizeof(out), p->op, p->file, p->netascii,
					&p->opts);
	else if (p->op == TL_TFTP_OACK)
		n = tl_tftp_put_oack(out, sizeof(out), &p->opts);
	else
		return;
	if (p->op == TL_TFTP_OACK && !p->opts.blksize && !p->opts.timeout &&
	    !p->opts.windowsize && !p->opts.has_tsize) {
		fz_require(n == 0, "no OACK without an option");
		return;
	}
	fz_require(n > 0, "a parsed request fits in a packet again");
	fz_require(tl_tftp_parse(out, n, &q, &code, NULL) == 0, "re-encoded parses");
	fz_require(q.op == p->op, "same opcode");
	if (p->file)
		fz_require(strcmp(q.file, p->file) == 0 && q.netascii == p->netascii,
			   "same name and mode");
	same_opts(&p->opts, &q.opts);
}

static void convert(const uint8_t *data, size_t size)
{
	static uint8_t blk[600];
	size_t cap = size ? (size_t)data[0] % 512 + 1 : 1, total = 0, k;
	tl_netascii st;

	tl_netascii_init(&st);
	do {
		k = tl_netascii_fill(&st, data, size, blk, cap);
		fz_require(k <= cap, "a block fits");
		total += k;
	} while (k == cap);
	fz_require(total == tl_netascii_len(data, size), "netascii length");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tl_tftp_pkt p;
	tl_tftp_opts ack;
	tl_err e;
	int code = -1;

	e.msg[0] = 0;
	if (tl_tftp_parse(data, size, &p, &code, &e)) {
		fz_require(code == TL_TFTP_EBADOP || code == TL_TFTP_EOPTNEG,
			   "refused with error 4 or 8");
		fz_require(e.msg[0] != 0, "a refusal says why");
	} else {
		fz_require(p.op >= TL_TFTP_RRQ && p.op <= TL_TFTP_OACK, "known opcode");
		if (p.file)
			fz_require(inside(p.file, strlen(p.file) + 1, data, size), "name inside");
		if (p.op == TL_TFTP_DATA)
			fz_require(inside(p.data, p.data_len, data, size) &&
				   p.data_len == size - 4, "data inside");
		if (p.op == TL_TFTP_ERROR && p.msg[0])
			fz_require(inside(p.msg, strlen(p.msg) + 1, data, size), "message inside");
		reencode(&p);
		if (tl_tftp_negotiate(&p.opts, 1428, 16, size, &ack)) {
			fz_require(ack.blksize <= 1428 && ack.windowsize <= 16, "clamped");
			fz_require(!ack.has_tsize || ack.tsize == size, "tsize is the size");
		}
	}
	convert(data, size);
	if (size >= 6) {
		int64_t acked = (int64_t)(data[2] << 8 | data[3]) - 1;
		int64_t sent = acked + (data[4] & 0x7f);

		fz_require(tl_tftp_acked(acked, sent, (uint16_t)(data[0] << 8 | data[1]))
			   <= (uint64_t)(sent - acked), "never past what was sent");
	}
	return 0;
}

#include "packet.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* As OpenBSD's tftpd words them. */
static const char *const errmsgs[] = {
	[TL_TFTP_EUNDEF] = "Undefined error code",
	[TL_TFTP_ENOTFOUND] = "File not found",
	[TL_TFTP_EACCESS] = "Access violation",
	[TL_TFTP_ENOSPACE] = "Disk full or allocation exceeded",
	[TL_TFTP_EBADOP] = "Illegal TFTP operation",
	[TL_TFTP_EBADID] = "Unknown transfer ID",
	[TL_TFTP_EEXISTS] = "File already exists",
	[TL_TFTP_ENOUSER] = "No such user",
	[TL_TFTP_EOPTNEG] = "Option negotiation failed",
};

const char *tl_tftp_errstr(int code)
{
	if (code < 0 || code > TL_TFTP_EOPTNEG)
		code = TL_TFTP_EUNDEF;
	return errmsgs[code];
}

/* The options trustline negotiates, with their valid ranges. */
enum { OPT_BLKSIZE, OPT_TIMEOUT, OPT_TSIZE, OPT_WINDOWSIZE };
static const struct {
	const char *name;
	uint64_t lo, hi;
} options[] = {
	[OPT_BLKSIZE] = { "blksize", TL_TFTP_BLKSIZE_MIN, TL_TFTP_BLKSIZE_MAX },
	[OPT_TIMEOUT] = { "timeout", 1, TL_TFTP_TIMEOUT_MAX },
	[OPT_TSIZE] = { "tsize", 0, UINT64_MAX / 10 },
	[OPT_WINDOWSIZE] = { "windowsize", 1, TL_TFTP_WINDOW_MAX },
};
#define NOPTIONS (sizeof(options) / sizeof(options[0]))

static int bad(int *code, int c, tl_err *e, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int bad(int *code, int c, tl_err *e, const char *fmt, ...)
{
	va_list ap;

	*code = c;
	if (e) {
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* The NUL-terminated string at *pos, advancing past its NUL; NULL when the
 * packet ends before a NUL. */
static const char *cstr(const uint8_t *buf, size_t len, size_t *pos)
{
	const uint8_t *nul;
	const char *s;

	if (*pos >= len)
		return NULL;
	nul = memchr(buf + *pos, 0, len - *pos);
	if (nul == NULL)
		return NULL;
	s = (const char *)buf + *pos;
	*pos = (size_t)(nul - buf) + 1;
	return s;
}

/* Decimal digits only: no sign, no space, no hex, no overflow. */
static int number(const char *s, uint64_t lo, uint64_t hi, uint64_t *v)
{
	uint64_t n = 0;

	if (*s == 0 || strlen(s) > 20)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || n > (UINT64_MAX - 9) / 10)
			return -1;
		n = n * 10 + (uint64_t)(*s - '0');
	}
	if (n < lo || n > hi)
		return -1;
	*v = n;
	return 0;
}

static int parse_opts(const uint8_t *buf, size_t len, size_t pos,
		      tl_tftp_opts *o, int *code, tl_err *e)
{
	unsigned seen = 0, count = 0;

	memset(o, 0, sizeof(*o));
	while (pos < len) {
		const char *name, *val;
		uint64_t v;
		size_t i, at = pos;

		/* Some boot ROMs pad their requests with NUL bytes. */
		for (i = pos; i < len && buf[i] == 0; i++)
			;
		if (i == len)
			break;
		name = cstr(buf, len, &pos);
		if (name == NULL)
			return bad(code, TL_TFTP_EBADOP, e,
				   "the option at byte %zu has no NUL", at);
		val = cstr(buf, len, &pos);
		if (val == NULL)
			return bad(code, TL_TFTP_EBADOP, e,
				   "option \"%.32s\" at byte %zu has no value", name, at);
		if (++count > TL_TFTP_OPTIONS_MAX)
			return bad(code, TL_TFTP_EOPTNEG, e,
				   "more than %d options", TL_TFTP_OPTIONS_MAX);
		for (i = 0; i < NOPTIONS; i++)
			if (strcasecmp(name, options[i].name) == 0)
				break;
		if (i == NOPTIONS)
			continue;
		if (seen & (1u << i))
			return bad(code, TL_TFTP_EOPTNEG, e,
				   "option %s given twice (byte %zu)", options[i].name, at);
		seen |= 1u << i;
		if (number(val, options[i].lo, options[i].hi, &v)) {
			return bad(code, TL_TFTP_EOPTNEG, e, "option %s = \"%.32s\": "
				   "not a number from %llu to %llu", options[i].name, val,
				   (unsigned long long)options[i].lo,
				   (unsigned long long)options[i].hi);
		}
		switch (i) {
		case OPT_BLKSIZE: o->blksize = (unsigned)v; break;
		case OPT_TIMEOUT: o->timeout = (unsigned)v; break;
		case OPT_TSIZE: o->has_tsize = 1; o->tsize = v; break;
		case OPT_WINDOWSIZE: o->windowsize = (unsigned)v; break;
		}
	}
	return 0;
}

int tl_tftp_parse(const uint8_t *buf, size_t len, tl_tftp_pkt *p, int *code,
		  tl_err *e)
{
	const char *mode;
	size_t pos = 2;

	memset(p, 0, sizeof(*p));
	if (len < 4)
		return bad(code, TL_TFTP_EBADOP, e,
			   "packet of %zu bytes, shorter than 4", len);
	p->op = buf[0] << 8 | buf[1];
	switch (p->op) {
	case TL_TFTP_RRQ:
	case TL_TFTP_WRQ:
		p->file = cstr(buf, len, &pos);
		if (p->file == NULL)
			return bad(code, TL_TFTP_EBADOP, e,
				   "the file name has no NUL (%zu bytes)", len);
		if (p->file[0] == 0)
			return bad(code, TL_TFTP_EBADOP, e, "empty file name");
		mode = cstr(buf, len, &pos);
		if (mode == NULL)
			return bad(code, TL_TFTP_EBADOP, e,
				   "the mode has no NUL (%zu bytes)", len);
		if (strcasecmp(mode, "netascii") == 0)
			p->netascii = 1;
		else if (strcasecmp(mode, "octet") != 0)
			return bad(code, TL_TFTP_EBADOP, e,
				   "mode \"%.32s\" is not octet or netascii", mode);
		return parse_opts(buf, len, pos, &p->opts, code, e);
	case TL_TFTP_OACK:
		return parse_opts(buf, len, pos, &p->opts, code, e);
	case TL_TFTP_DATA:
		p->data = buf + 4;
		p->data_len = len - 4;
		/* fall through */
	case TL_TFTP_ACK:
		p->block = (uint16_t)(buf[2] << 8 | buf[3]);
		return 0;
	case TL_TFTP_ERROR:
		p->code = (uint16_t)(buf[2] << 8 | buf[3]);
		pos = 4;
		/* A message without its NUL is still an error: keep the code. */
		p->msg = cstr(buf, len, &pos);
		if (p->msg == NULL)
			p->msg = "";
		return 0;
	default:
		return bad(code, TL_TFTP_EBADOP, e, "unknown opcode %d", p->op);
	}
}

int tl_tftp_negotiate(const tl_tftp_opts *req, unsigned max_blksize,
		      unsigned max_windowsize, uint64_t size, tl_tftp_opts *ack)
{
	memset(ack, 0, sizeof(*ack));
	if (req->blksize)
		ack->blksize = req->blksize < max_blksize ? req->blksize : max_blksize;
	ack->timeout = req->timeout;
	if (req->windowsize)
		ack->windowsize = req->windowsize < max_windowsize ?
				  req->windowsize : max_windowsize;
	if (req->has_tsize) {
		ack->has_tsize = 1;
		ack->tsize = size;
	}
	return ack->blksize || ack->timeout || ack->windowsize || ack->has_tsize;
}

/* A bounded writer: once something does not fit, the packet is void. */
typedef struct wr {
	uint8_t *p;
	size_t cap, len;
	int full;
} wr;

static void w_bytes(wr *w, const void *s, size_t n)
{
	if (w->full || n > w->cap - w->len) {
		w->full = 1;
		return;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
}

static void w_u16(wr *w, unsigned v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	w_bytes(w, b, 2);
}

static void w_str(wr *w, const char *s)
{
	w_bytes(w, s, strlen(s) + 1);
}

static void w_opt(wr *w, int i, uint64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	w_str(w, options[i].name);
	w_str(w, num);
}

static void w_opts(wr *w, const tl_tftp_opts *o)
{
	if (o->blksize)
		w_opt(w, OPT_BLKSIZE, o->blksize);
	if (o->timeout)
		w_opt(w, OPT_TIMEOUT, o->timeout);
	if (o->has_tsize)
		w_opt(w, OPT_TSIZE, o->tsize);
	if (o->windowsize)
		w_opt(w, OPT_WINDOWSIZE, o->windowsize);
}

static size_t w_end(const wr *w)
{
	return w->full ? 0 : w->len;
}

size_t tl_tftp_put_request(uint8_t *out, size_t cap, int op, const char *file,
			   int netascii, const tl_tftp_opts *o)
{
	wr w = { out, cap, 0, 0 };

	w_u16(&w, (unsigned)op);
	w_str(&w, file);
	w_str(&w, netascii ? "netascii" : "octet");
	if (o)
		w_opts(&w, o);
	return w_end(&w);
}

size_t tl_tftp_put_oack(uint8_t *out, size_t cap, const tl_tftp_opts *o)
{
	wr w = { out, cap, 0, 0 };

	/* An OACK acknowledges at least one option: two bytes alone are no
	 * packet (fuzz_tftp_packet found this). */
	if (!o->blksize && !o->timeout && !o->windowsize && !o->has_tsize)
		return 0;
	w_u16(&w, TL_TFTP_OACK);
	w_opts(&w, o);
	return w_end(&w);
}

size_t tl_tftp_put_ack(uint8_t *out, size_t cap, uint16_t block)
{
	wr w = { out, cap, 0, 0 };

	w_u16(&w, TL_TFTP_ACK);
	w_u16(&w, block);
	return w_end(&w);
}

size_t tl_tftp_put_error(uint8_t *out, size_t cap, int code, const char *msg)
{
	wr w = { out, cap, 0, 0 };
	size_t n;

	if (msg == NULL)
		msg = tl_tftp_errstr(code);
	if (cap < 5)
		return 0;
	n = strlen(msg);
	if (n > cap - 5)
		n = cap - 5;
	w_u16(&w, TL_TFTP_ERROR);
	w_u16(&w, (unsigned)code);
	w_bytes(&w, msg, n);
	w_bytes(&w, "", 1);
	return w_end(&w);
}

void tl_tftp_put_data_hdr(uint8_t *out, uint16_t block)
{
	out[0] = 0;
	out[1] = TL_TFTP_DATA;
	out[2] = (uint8_t)(block >> 8);
	out[3] = (uint8_t)block;
}

uint64_t tl_tftp_acked(int64_t acked, int64_t sent, uint16_t wire)
{
	uint16_t delta = (uint16_t)(wire - (uint16_t)acked);

	if (delta == 0 || sent <= acked || (uint64_t)delta > (uint64_t)(sent - acked))
		return 0;
	return delta;
}

void tl_netascii_init(tl_netascii *st)
{
	st->off = 0;
	st->pending = -1;
}

size_t tl_netascii_fill(tl_netascii *st, const uint8_t *src, size_t len,
			uint8_t *out, size_t cap)
{
	size_t n = 0;

	if (n < cap && st->pending >= 0) {
		out[n++] = (uint8_t)st->pending;
		st->pending = -1;
	}
	while (n < cap && st->off < len) {
		uint8_t c = src[st->off++];

		if (c == '\n' || c == '\r') {
			int second = c == '\n' ? '\n' : 0;

			out[n++] = '\r';
			if (n < cap)
				out[n++] = (uint8_t)second;
			else
				st->pending = second;
		} else {
			out[n++] = c;
		}
	}
	return n;
}

uint64_t tl_netascii_len(const uint8_t *src, size_t len)
{
	uint64_t n = len;

	for (size_t i = 0; i < len; i++)
		n += src[i] == '\n' || src[i] == '\r';
	return n;
}

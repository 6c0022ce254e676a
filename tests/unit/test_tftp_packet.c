#include "testutil.h"
#include <stdio.h>
#include <string.h>

#include "packet.h"

/* Parses len bytes and returns the TFTP error code, or -1 when valid. */
static int code_of(const void *buf, size_t len)
{
	tl_tftp_pkt p;
	tl_err e;
	int code = -99;

	if (tl_tftp_parse(buf, len, &p, &code, &e) == 0)
		return -1;
	ck_assert_msg(e.msg[0] != 0, "an error says why");
	return code;
}

#define CODE(lit) code_of(lit, sizeof(lit) - 1)

START_TEST(request_roundtrip)
{
	tl_tftp_opts o = { .blksize = 1428, .timeout = 3, .windowsize = 8,
			   .has_tsize = 1, .tsize = 0 };
	uint8_t buf[512];
	tl_tftp_pkt p;
	tl_err e;
	int code;
	size_t n = tl_tftp_put_request(buf, sizeof(buf), TL_TFTP_RRQ,
				       "SEP001122334455.cnf.xml.sgn", 0, &o);

	ck_assert_uint_gt(n, 0);
	ck_assert_int_eq(tl_tftp_parse(buf, n, &p, &code, &e), 0);
	ck_assert_int_eq(p.op, TL_TFTP_RRQ);
	ck_assert_str_eq(p.file, "SEP001122334455.cnf.xml.sgn");
	ck_assert_int_eq(p.netascii, 0);
	ck_assert_uint_eq(p.opts.blksize, 1428);
	ck_assert_uint_eq(p.opts.timeout, 3);
	ck_assert_uint_eq(p.opts.windowsize, 8);
	ck_assert_int_eq(p.opts.has_tsize, 1);
	ck_assert_uint_eq(p.opts.tsize, 0);
	/* every prefix is refused, or ends after a whole option (never read
	 * past len: ASan watches under SANITIZE=1) */
	for (size_t i = 0; i < n; i++) {
		int c = code_of(buf, i);

		ck_assert_msg(c == TL_TFTP_EBADOP || c == TL_TFTP_EOPTNEG ||
			      (c == -1 && i > 20 && buf[i - 1] == 0),
			      "prefix %zu: %d", i, c);
	}

	n = tl_tftp_put_request(buf, sizeof(buf), TL_TFTP_WRQ, "x", 1, NULL);
	ck_assert_int_eq(tl_tftp_parse(buf, n, &p, &code, &e), 0);
	ck_assert_int_eq(p.op, TL_TFTP_WRQ);
	ck_assert_int_eq(p.netascii, 1);
	ck_assert_uint_eq(p.opts.blksize, 0);
	ck_assert_int_eq(p.opts.has_tsize, 0);
	/* too small a buffer: nothing */
	ck_assert_uint_eq(tl_tftp_put_request(buf, 10, TL_TFTP_RRQ, "longname", 0, &o), 0);
}
END_TEST

START_TEST(other_packets)
{
	uint8_t buf[600];
	tl_tftp_opts o = { .blksize = 512, .has_tsize = 1, .tsize = 40000000,
			   .windowsize = 16 };
	tl_tftp_pkt p;
	tl_err e;
	char longmsg[700];
	int code;
	size_t n;

	n = tl_tftp_put_ack(buf, sizeof(buf), 65535);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(tl_tftp_parse(buf, n, &p, &code, &e), 0);
	ck_assert_int_eq(p.op, TL_TFTP_ACK);
	ck_assert_uint_eq(p.block, 65535);

	n = tl_tftp_put_oack(buf, sizeof(buf), &o);
	ck_assert_int_eq(tl_tftp_parse(buf, n, &p, &code, &e), 0);
	ck_assert_int_eq(p.op, TL_TFTP_OACK);
	ck_assert_uint_eq(p.opts.blksize, 512);
	ck_assert_uint_eq(p.opts.tsize, 40000000);
	ck_assert_uint_eq(p.opts.windowsize, 16);
	ck_assert_uint_eq(p.opts.timeout, 0);
	/* an OACK with only unknown options re-encodes to nothing, never to
	 * a 2-byte packet (found by fuzz_tftp_packet) */
	ck_assert_int_eq(tl_tftp_parse((const uint8_t *)"\0\6blksize000\v\0" "00\0", 17,
				       &p, &code, &e), 0);
	ck_assert_uint_eq(tl_tftp_put_oack(buf, sizeof(buf), &p.opts), 0);

	n = tl_tftp_put_error(buf, sizeof(buf), TL_TFTP_ENOTFOUND, NULL);
	ck_assert_int_eq(tl_tftp_parse(buf, n, &p, &code, &e), 0);
	ck_assert_int_eq(p.op, TL_TFTP_ERROR);
	ck_assert_uint_eq(p.code, 1);
	ck_assert_str_eq(p.msg, "File not found");
	/* a long message is cut to fit, still NUL-terminated */
	memset(longmsg, 'x', sizeof(longmsg) - 1);
	longmsg[sizeof(longmsg) - 1] = 0;
	n = tl_tftp_put_error(buf, 100, TL_TFTP_EUNDEF, longmsg);
	ck_assert_uint_eq(n, 100);
	ck_assert_int_eq(tl_tftp_parse(buf, n, &p, &code, &e), 0);
	ck_assert_uint_eq(strlen(p.msg), 95);
	ck_assert_uint_eq(tl_tftp_put_error(buf, 4, 0, NULL), 0);
	/* an ERROR without its NUL keeps its code */
	ck_assert_int_eq(tl_tftp_parse((const uint8_t *)"\0\5\0\2abc", 7, &p, &code, &e), 0);
	ck_assert_uint_eq(p.code, 2);
	ck_assert_str_eq(p.msg, "");

	tl_tftp_put_data_hdr(buf, 258);
	memcpy(buf + 4, "abc", 3);
	ck_assert_int_eq(tl_tftp_parse(buf, 7, &p, &code, &e), 0);
	ck_assert_int_eq(p.op, TL_TFTP_DATA);
	ck_assert_uint_eq(p.block, 258);
	ck_assert_uint_eq(p.data_len, 3);
	ck_assert_int_eq(memcmp(p.data, "abc", 3), 0);
	/* an empty DATA block is valid (the end of a multiple of blksize) */
	ck_assert_int_eq(tl_tftp_parse(buf, 4, &p, &code, &e), 0);
	ck_assert_uint_eq(p.data_len, 0);

	ck_assert_str_eq(tl_tftp_errstr(TL_TFTP_EOPTNEG), "Option negotiation failed");
	ck_assert_str_eq(tl_tftp_errstr(5), "Unknown transfer ID");
	ck_assert_str_eq(tl_tftp_errstr(99), "Undefined error code");
	ck_assert_str_eq(tl_tftp_errstr(-1), "Undefined error code");
}
END_TEST

START_TEST(malformed)
{
	static uint8_t many[70000];
	size_t n = 0;

	ck_assert_int_eq(code_of("", 0), TL_TFTP_EBADOP);
	ck_assert_int_eq(CODE("\0"), TL_TFTP_EBADOP);
	ck_assert_int_eq(CODE("\0\1a"), TL_TFTP_EBADOP);		/* < 4 bytes */
	ck_assert_int_eq(CODE("\0\4\0"), TL_TFTP_EBADOP);		/* short ACK */
	ck_assert_int_eq(CODE("\0\1ITLFile.tlv"), TL_TFTP_EBADOP);	/* no NUL */
	ck_assert_int_eq(CODE("\0\1ITLFile.tlv\0octet"), TL_TFTP_EBADOP);
	ck_assert_int_eq(CODE("\0\1ITLFile.tlv\0"), TL_TFTP_EBADOP);	/* no mode */
	ck_assert_int_eq(CODE("\0\1\0octet\0"), TL_TFTP_EBADOP);	/* empty name */
	ck_assert_int_eq(CODE("\0\7ab\0octet\0"), TL_TFTP_EBADOP);	/* opcode 7 */
	ck_assert_int_eq(CODE("\0\0ab\0octet\0"), TL_TFTP_EBADOP);
	ck_assert_int_eq(CODE("\1\1ab\0octet\0"), TL_TFTP_EBADOP);	/* opcode 257 */
	ck_assert_int_eq(CODE("\0\1ab\0mail\0"), TL_TFTP_EBADOP);
	ck_assert_int_eq(CODE("\0\1ab\0binary\0"), TL_TFTP_EBADOP);
	ck_assert_int_eq(CODE("\0\1ab\0\0"), TL_TFTP_EBADOP);		/* empty mode */
	ck_assert_int_eq(CODE("\0\1ab\0octet\0blksize\0"), TL_TFTP_EBADOP);
	ck_assert_int_eq(CODE("\0\1ab\0octet\0blksize\0" "512"), TL_TFTP_EBADOP);
	ck_assert_int_eq(CODE("\0\1ab\0OCTET\0"), -1);		/* modes ignore case */
	ck_assert_int_eq(CODE("\0\1ab\0NetAscii\0"), -1);
	/* NUL padding after the options (boot ROMs) */
	ck_assert_int_eq(CODE("\0\1ab\0octet\0blksize\0" "512\0\0\0\0"), -1);
	ck_assert_int_eq(CODE("\0\1ab\0octet\0\0\0"), -1);

	/* thousands of options: refused, not walked forever */
	memcpy(many, "\0\1ab\0octet\0", 11);
	n = 11;
	while (n + 4 <= sizeof(many)) {
		memcpy(many + n, "x\0y\0", 4);
		n += 4;
	}
	ck_assert_int_eq(code_of(many, n), TL_TFTP_EOPTNEG);
}
END_TEST

START_TEST(option_values)
{
	static const struct {
		const char *opt, *val;
		int ok;
	} cases[] = {
		{ "blksize", "8", 1 }, { "blksize", "65464", 1 },
		{ "blksize", "7", 0 }, { "blksize", "0", 0 }, { "blksize", "65465", 0 },
		{ "blksize", "70000", 0 }, { "blksize", "-1", 0 }, { "blksize", "+512", 0 },
		{ "blksize", " 512", 0 }, { "blksize", "512 ", 0 }, { "blksize", "0x200", 0 },
		{ "blksize", "", 0 }, { "blksize", "99999999999999999999999", 0 },
		{ "timeout", "1", 1 }, { "timeout", "255", 1 }, { "timeout", "0", 0 },
		{ "timeout", "256", 0 },
		{ "tsize", "0", 1 }, { "tsize", "18446744073709551615", 0 },
		{ "tsize", "1844674407370955161", 1 }, { "tsize", "abc", 0 },
		{ "windowsize", "1", 1 }, { "windowsize", "65535", 1 },
		{ "windowsize", "0", 0 }, { "windowsize", "65536", 0 },
		{ "BlkSize", "1024", 1 },	/* names ignore case */
		{ "unknown", "garbage", 1 },	/* ignored (RFC 2347) */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t buf[256];
		size_t n = 0;
		int c;

		memcpy(buf, "\0\1f\0octet\0", 10);
		n = 10;
		n += (size_t)sprintf((char *)buf + n, "%s", cases[i].opt) + 1;
		n += (size_t)sprintf((char *)buf + n, "%s", cases[i].val) + 1;
		c = code_of(buf, n);
		ck_assert_msg(cases[i].ok ? c == -1 : c == TL_TFTP_EOPTNEG,
			      "%s=%s: %d", cases[i].opt, cases[i].val, c);
	}
	/* duplicates (whatever the case) are refused; unknown ones are not */
	ck_assert_int_eq(CODE("\0\1f\0octet\0blksize\0" "512\0BLKSIZE\0" "512\0"),
			 TL_TFTP_EOPTNEG);
	ck_assert_int_eq(CODE("\0\1f\0octet\0tsize\0" "0\0tsize\0" "0\0"), TL_TFTP_EOPTNEG);
	ck_assert_int_eq(CODE("\0\1f\0octet\0x\0" "1\0x\0" "1\0"), -1);
}
END_TEST

START_TEST(negotiation)
{
	tl_tftp_opts req = { 0 }, ack;

	/* no options: no OACK, nothing set */
	ck_assert_int_eq(tl_tftp_negotiate(&req, 1428, 16, 100, &ack), 0);
	ck_assert_uint_eq(ack.blksize, 0);
	ck_assert_int_eq(ack.has_tsize, 0);
	/* clamped to the server's limits */
	req.blksize = 65464;
	req.windowsize = 64;
	ck_assert_int_eq(tl_tftp_negotiate(&req, 1428, 16, 100, &ack), 1);
	ck_assert_uint_eq(ack.blksize, 1428);
	ck_assert_uint_eq(ack.windowsize, 16);
	/* within the limits: as asked */
	req.blksize = 512;
	req.windowsize = 4;
	req.timeout = 5;
	ck_assert_int_eq(tl_tftp_negotiate(&req, 1428, 16, 100, &ack), 1);
	ck_assert_uint_eq(ack.blksize, 512);
	ck_assert_uint_eq(ack.windowsize, 4);
	ck_assert_uint_eq(ack.timeout, 5);
	ck_assert_int_eq(ack.has_tsize, 0);
	/* tsize: the size of the file (whatever the client sent) */
	memset(&req, 0, sizeof(req));
	req.has_tsize = 1;
	req.tsize = 12345;
	ck_assert_int_eq(tl_tftp_negotiate(&req, 1428, 16, 40000000, &ack), 1);
	ck_assert_int_eq(ack.has_tsize, 1);
	ck_assert_uint_eq(ack.tsize, 40000000);
	ck_assert_uint_eq(ack.blksize, 0);
}
END_TEST

START_TEST(block_numbers)
{
	/* OACK outstanding: ACK 0 acknowledges it */
	ck_assert_uint_eq(tl_tftp_acked(-1, 0, 0), 1);
	ck_assert_uint_eq(tl_tftp_acked(-1, 0, 1), 0);
	/* plain progress, duplicates and blocks never sent */
	ck_assert_uint_eq(tl_tftp_acked(0, 1, 1), 1);
	ck_assert_uint_eq(tl_tftp_acked(1, 1, 1), 0);
	ck_assert_uint_eq(tl_tftp_acked(4, 8, 4), 0);
	ck_assert_uint_eq(tl_tftp_acked(4, 8, 6), 2);
	ck_assert_uint_eq(tl_tftp_acked(4, 8, 8), 4);
	ck_assert_uint_eq(tl_tftp_acked(4, 8, 9), 0);
	ck_assert_uint_eq(tl_tftp_acked(4, 8, 3), 0);
	ck_assert_uint_eq(tl_tftp_acked(4, 8, 65535), 0);
	/* around the wrap: block 65536 goes out as 0, 65537 as 1 */
	ck_assert_uint_eq((uint16_t)65536, 0);
	ck_assert_uint_eq(tl_tftp_acked(65534, 65535, 65535), 1);
	ck_assert_uint_eq(tl_tftp_acked(65535, 65536, 0), 1);
	ck_assert_uint_eq(tl_tftp_acked(65533, 65541, 3), 6);
	ck_assert_uint_eq(tl_tftp_acked(65533, 65541, 65534), 1);
	ck_assert_uint_eq(tl_tftp_acked(65533, 65541, 6), 0);
	/* the second wrap */
	ck_assert_uint_eq(tl_tftp_acked(131071, 131072, 0), 1);
	ck_assert_uint_eq(tl_tftp_acked(131072, 131088, 16), 16);
}
END_TEST

START_TEST(netascii)
{
	static const uint8_t src[] = "a\nb\r\nc\rd\n\n\r";
	static const uint8_t want[] = "a\r\nb\r\0\r\nc\r\0d\r\n\r\n\r";
	size_t len = sizeof(src) - 1, wlen = sizeof(want);	/* want ends in CR NUL */

	ck_assert_uint_eq(tl_netascii_len(src, len), wlen);
	ck_assert_uint_eq(tl_netascii_len(src, 0), 0);
	/* any block size, pairs cut at a block end included */
	for (size_t cap = 1; cap <= wlen + 2; cap++) {
		uint8_t out[64], blk[64];
		tl_netascii st, saved;
		size_t n = 0, k;
		int blocks = 0;

		tl_netascii_init(&st);
		do {
			saved = st;
			k = tl_netascii_fill(&st, src, len, blk, cap);
			memcpy(out + n, blk, k);
			n += k;
			blocks++;
			ck_assert_int_lt(blocks, 100);
		} while (k == cap);
		ck_assert_uint_eq(n, wlen);
		ck_assert_int_eq(memcmp(out, want, wlen), 0);
		/* a saved state replays the same block */
		ck_assert_uint_eq(tl_netascii_fill(&saved, src, len, blk, cap), k);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tftp_packet");
	TCase *tc = tcase_create("tftp_packet");

	tcase_add_test(tc, request_roundtrip);
	tcase_add_test(tc, other_packets);
	tcase_add_test(tc, malformed);
	tcase_add_test(tc, option_values);
	tcase_add_test(tc, negotiation);
	tcase_add_test(tc, block_numbers);
	tcase_add_test(tc, netascii);
	suite_add_tcase(s, tc);
	return tu_run(s);
}

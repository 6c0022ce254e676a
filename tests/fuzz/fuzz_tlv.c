/* The TLV reader on hostile bytes: the input is walked as a list of TLVs
 * with and without the padding tag, every TLV is read again as a container
 * down to MAX_DEPTH, and every value goes through each typed getter. What
 * the reader returns must lie inside its container and must re-encode, with
 * the writer, to exactly the bytes it was read from. */
#include <stdint.h>
#include <string.h>

#include "fuzzutil.h"
#include "tlv.h"

/* Each level is three bytes shorter than its parent, so without a bound a
 * large input nests thousands deep; a few levels reach every code path. */
#define MAX_DEPTH 6

static void getters(const tl_rd *r, const tl_tlv *t)
{
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;
	const char *s;
	tl_err e;

	if (tl_tlv_u8(r, t, &v8, &e) == 0)
		fz_require(t->len == 1 && v8 == t->val[0], "u8");
	if (tl_tlv_u16(r, t, &v16, &e) == 0)
		fz_require(t->len == 2 && v16 == (t->val[0] << 8 | t->val[1]), "u16");
	if (tl_tlv_u32(r, t, &v32, &e) == 0)
		fz_require(t->len == 4 && v32 == tl_get_u32(t->val), "u32");
	if (tl_tlv_cstr(r, t, &s, &e) == 0)
		fz_require(strlen(s) + 1 == t->len, "cstr is the whole value");
	if (tl_tlv_name(r, t, &s, &e) == 0)
		fz_require(s[0] != 0 && strlen(s) + 1 == t->len, "name");
}

static void walk(const tl_rd *in, int depth)
{
	tl_rd r = *in;
	tl_buf again;
	tl_tlv t;
	tl_err e;
	size_t at = 0;
	int rc;

	e.msg[0] = 0;
	tl_buf_init(&again);
	while ((rc = tl_rd_next(&r, &t, &e)) == 1) {
		fz_require(t.off == r.base + at, "offset of the tag");
		fz_require(r.pos > at && r.pos <= r.len, "reader advances within");
		at = r.pos;
		if (t.val == NULL) {
			fz_require(r.pad_tag == t.tag && t.len == 0, "padding byte");
			tl_buf_u8(&again, t.tag);
			continue;
		}
		fz_require(t.val >= r.p + 3 && t.val + t.len <= r.p + r.len,
			   "value inside its container");
		getters(&r, &t);
		tl_put(&again, t.tag, t.val, t.len);
		if (depth < MAX_DEPTH) {
			tl_rd sub = tl_rd_sub(&r, &t);

			walk(&sub, depth + 1);
		}
	}
	fz_require(rc == 0 || (rc == -1 && e.msg[0] != 0), "an error says why");
	fz_require(rc != 0 || r.pos == r.len, "the end is the end of the input");
	fz_require(tl_buf_ok(&again, &e) == 0 && again.len == r.pos &&
		   (r.pos == 0 || memcmp(again.p, r.p, r.pos) == 0),
		   "what was read re-encodes to the same bytes");
	tl_buf_free(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tl_rd r;

	tl_rd_init(&r, data, size, "fuzz");
	walk(&r, 0);
	r.pad_tag = 13;
	walk(&r, 0);
	return 0;
}

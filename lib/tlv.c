#include "tlv.h"

#include <stdlib.h>
#include <string.h>

uint16_t tl_get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t tl_get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

void tl_rd_init(tl_rd *r, const uint8_t *p, size_t len, const char *name)
{
	r->p = p;
	r->len = len;
	r->pos = 0;
	r->base = 0;
	r->name = name ? name : "input";
	r->pad_tag = -1;
}

int tl_rd_next(tl_rd *r, tl_tlv *t, tl_err *e)
{
	size_t left = r->len - r->pos;
	size_t at = r->base + r->pos;

	if (left == 0)
		return 0;
	t->tag = r->p[r->pos];
	t->off = at;
	if (r->pad_tag >= 0 && t->tag == r->pad_tag) {
		t->len = 0;
		t->val = NULL;
		r->pos++;
		return 1;
	}
	if (left < 3)
		return tl_fail(e, "%s: byte %zu: tag %u is cut off: %zu byte(s) left, "
			       "a tag and its length need 3", r->name, at, t->tag, left);
	t->len = tl_get_u16(r->p + r->pos + 1);
	if (t->len > left - 3)
		return tl_fail(e, "%s: byte %zu: tag %u has length %u, which runs %zu "
			       "byte(s) past the end of its container", r->name, at,
			       t->tag, t->len, t->len - (left - 3));
	t->val = r->p + r->pos + 3;
	r->pos += 3 + (size_t)t->len;
	return 1;
}

tl_rd tl_rd_sub(const tl_rd *r, const tl_tlv *t)
{
	tl_rd s;

	s.p = t->val;
	s.len = t->len;
	s.pos = 0;
	s.base = t->off + 3;
	s.name = r->name;
	s.pad_tag = r->pad_tag;
	return s;
}

static int want_len(const tl_rd *r, const tl_tlv *t, size_t n, tl_err *e)
{
	if (t->len != n)
		return tl_fail(e, "%s: byte %zu: tag %u has length %u, expected %zu",
			       r->name, t->off, t->tag, t->len, n);
	return 0;
}

int tl_tlv_u8(const tl_rd *r, const tl_tlv *t, uint8_t *v, tl_err *e)
{
	if (want_len(r, t, 1, e))
		return -1;
	*v = t->val[0];
	return 0;
}

int tl_tlv_u16(const tl_rd *r, const tl_tlv *t, uint16_t *v, tl_err *e)
{
	if (want_len(r, t, 2, e))
		return -1;
	*v = tl_get_u16(t->val);
	return 0;
}

int tl_tlv_u32(const tl_rd *r, const tl_tlv *t, uint32_t *v, tl_err *e)
{
	if (want_len(r, t, 4, e))
		return -1;
	*v = tl_get_u32(t->val);
	return 0;
}

int tl_tlv_cstr(const tl_rd *r, const tl_tlv *t, const char **s, tl_err *e)
{
	const uint8_t *nul;

	if (t->len == 0)
		return tl_fail(e, "%s: byte %zu: tag %u is an empty string without "
			       "its terminating NUL", r->name, t->off, t->tag);
	nul = memchr(t->val, 0, t->len);
	if (nul == NULL)
		return tl_fail(e, "%s: byte %zu: tag %u string is not NUL-terminated",
			       r->name, t->off, t->tag);
	if (nul != t->val + t->len - 1)
		return tl_fail(e, "%s: byte %zu: tag %u string has a NUL at byte %zu, "
			       "before its end", r->name, t->off, t->tag,
			       t->off + 3 + (size_t)(nul - t->val));
	*s = (const char *)t->val;
	return 0;
}

void tl_buf_init(tl_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void tl_buf_free(tl_buf *b)
{
	free(b->p);
	tl_buf_init(b);
}

int tl_buf_ok(const tl_buf *b, tl_err *e)
{
	if (b->failed)
		return tl_fail(e, "output too large (a value over 65535 bytes, or "
			       "out of memory)");
	return 0;
}

void tl_buf_add(tl_buf *b, const void *data, size_t n)
{
	if (b->failed || n == 0)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		uint8_t *p;

		while (cap < b->len + n)
			cap *= 2;
		p = realloc(b->p, cap);
		if (p == NULL) {
			b->failed = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

void tl_buf_u8(tl_buf *b, uint8_t v)
{
	tl_buf_add(b, &v, 1);
}

void tl_buf_u16(tl_buf *b, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	tl_buf_add(b, x, 2);
}

void tl_buf_u32(tl_buf *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 8), (uint8_t)v };

	tl_buf_add(b, x, 4);
}

void tl_buf_set_u16(tl_buf *b, size_t at, uint16_t v)
{
	if (b->failed || at + 2 > b->len)
		return;
	b->p[at] = (uint8_t)(v >> 8);
	b->p[at + 1] = (uint8_t)v;
}

void tl_put(tl_buf *b, uint8_t tag, const void *val, size_t n)
{
	if (n > 0xffff) {
		b->failed = 1;
		return;
	}
	tl_buf_u8(b, tag);
	tl_buf_u16(b, (uint16_t)n);
	tl_buf_add(b, val, n);
}

void tl_put_u8(tl_buf *b, uint8_t tag, uint8_t v)
{
	tl_put(b, tag, &v, 1);
}

void tl_put_u16(tl_buf *b, uint8_t tag, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	tl_put(b, tag, x, 2);
}

void tl_put_u32(tl_buf *b, uint8_t tag, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 8), (uint8_t)v };

	tl_put(b, tag, x, 4);
}

void tl_put_cstr(tl_buf *b, uint8_t tag, const char *s)
{
	tl_put(b, tag, s, strlen(s) + 1);
}

size_t tl_open(tl_buf *b, uint8_t tag)
{
	tl_buf_u8(b, tag);
	tl_buf_u16(b, 0);
	return b->len - 2;
}

void tl_close(tl_buf *b, size_t at)
{
	size_t n = b->len - (at + 2);

	if (n > 0xffff) {
		b->failed = 1;
		return;
	}
	tl_buf_set_u16(b, at, (uint16_t)n);
}

int tl_tlv_name(const tl_rd *r, const tl_tlv *t, const char **s, tl_err *e)
{
	if (tl_tlv_cstr(r, t, s, e))
		return -1;
	if (**s == 0)
		return tl_fail(e, "%s: byte %zu: tag %u is an empty name", r->name,
			       t->off, t->tag);
	return 0;
}

int tl_tlv_elements(const uint8_t *body, size_t len, size_t base,
		    const char *name, tl_tlv_fn fn, void *arg, uint32_t repeatable,
		    uint32_t *seen, tl_err *e)
{
	tl_rd r;
	tl_tlv t;
	int rc;

	*seen = 0;
	tl_rd_init(&r, body, len, name);
	r.base = base;
	while ((rc = tl_rd_next(&r, &t, e)) == 1) {
		uint32_t bit = t.tag < 32 ? 1u << t.tag : 0;

		if (*seen & bit & ~repeatable)
			return tl_fail(e, "%s: byte %zu: duplicate element %u", name,
				       t.off, t.tag);
		if (fn(arg, &r, &t, e))
			return -1;
		*seen |= bit;
	}
	return rc < 0 ? -1 : 0;
}

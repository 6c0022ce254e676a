#include "der.h"

#include <string.h>

void tl_der_put(tl_buf *b, uint8_t tag, const void *content, size_t len)
{
	tl_buf_u8(b, tag);
	if (len < 0x80) {
		tl_buf_u8(b, (uint8_t)len);
	} else if (len <= 0xff) {
		tl_buf_u8(b, 0x81);
		tl_buf_u8(b, (uint8_t)len);
	} else if (len <= 0xffff) {
		tl_buf_u8(b, 0x82);
		tl_buf_u16(b, (uint16_t)len);
	} else if (len <= 0xffffff) {
		/* a CRL listing thousands of phones' LSCs */
		tl_buf_u8(b, 0x83);
		tl_buf_u8(b, (uint8_t)(len >> 16));
		tl_buf_u16(b, (uint16_t)len);
	} else {
		b->failed = 1;	/* nothing trustline encodes is this large */
		return;
	}
	tl_buf_add(b, content, len);
}

int tl_der_header(const uint8_t *p, size_t len, uint8_t *tag, size_t *hdr,
		  size_t *content_len)
{
	size_t n, l = 0;

	if (len < 2)
		return -1;
	*tag = p[0];
	if (p[1] < 0x80) {
		*hdr = 2;
		*content_len = p[1];
	} else {
		n = p[1] & 0x7f;
		if (n == 0 || n > 3 || len < 2 + n)
			return -1;
		for (size_t i = 0; i < n; i++)
			l = l << 8 | p[2 + i];
		*hdr = 2 + n;
		*content_len = l;
	}
	if (*content_len > len - *hdr)
		return -1;
	return 0;
}

static int matches(const uint8_t *child, size_t len, const tl_der_step *s)
{
	uint8_t tag;
	size_t hdr, clen;

	if (tl_der_header(child, len, &tag, &hdr, &clen) || tag != s->tag)
		return 0;
	return s->oid == NULL ||
	       (clen >= s->oid_len && memcmp(child + hdr, s->oid, s->oid_len) == 0);
}

int tl_der_append_at(const uint8_t *in, size_t len, const tl_der_step *path,
		     int depth, const uint8_t *add, size_t add_len, tl_buf *out)
{
	uint8_t tag, ctag;
	size_t hdr, clen, pos, chdr, cclen;
	const uint8_t *c;
	tl_buf content, child;

	if (tl_der_header(in, len, &tag, &hdr, &clen))
		return -1;
	c = in + hdr;
	tl_buf_init(&content);
	if (depth == 0) {
		tl_buf_add(&content, c, clen);
		tl_buf_add(&content, add, add_len);
		tl_der_put(out, tag, content.p, content.len);
		tl_buf_free(&content);
		return out->failed ? -1 : 0;
	}
	for (pos = 0; pos < clen; pos += chdr + cclen) {
		if (tl_der_header(c + pos, clen - pos, &ctag, &chdr, &cclen))
			break;
		if (!matches(c + pos, clen - pos, path))
			continue;
		tl_buf_init(&child);
		if (tl_der_append_at(c + pos, chdr + cclen, path + 1, depth - 1, add,
				     add_len, &child)) {
			tl_buf_free(&child);
			return -1;
		}
		tl_buf_add(&content, c, pos);
		tl_buf_add(&content, child.p, child.len);
		tl_buf_add(&content, c + pos + chdr + cclen, clen - pos - chdr - cclen);
		tl_der_put(out, tag, content.p, content.len);
		tl_buf_free(&child);
		tl_buf_free(&content);
		return out->failed ? -1 : 0;
	}
	tl_buf_free(&content);
	return -1;
}

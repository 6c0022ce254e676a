/* Bounded TLV reader and writer: tag (1 byte) | length (2 bytes, big-endian)
 * | value. The only code in trustline that walks raw bytes of the signed-file
 * formats. A reader never looks past the bytes it was given. */
#ifndef TL_TLV_H
#define TL_TLV_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct tl_tlv {
	uint8_t tag;
	uint16_t len;
	const uint8_t *val;	/* NULL for a padding byte */
	size_t off;		/* absolute offset of the tag byte in the input */
} tl_tlv;

typedef struct tl_rd {
	const uint8_t *p;
	size_t len;
	size_t pos;
	size_t base;		/* absolute offset of p[0] in the input */
	const char *name;	/* input name, for messages */
	int pad_tag;		/* tag that is a single byte with no length, or -1 */
} tl_rd;

void tl_rd_init(tl_rd *r, const uint8_t *p, size_t len, const char *name);

/* Reads the next TLV. Returns 1 with *t filled, 0 at the end of the input,
 * -1 (with *e set) when a tag or length runs past the end. */
int tl_rd_next(tl_rd *r, tl_tlv *t, tl_err *e);

/* A reader over the value of container t (same input name and pad tag). */
tl_rd tl_rd_sub(const tl_rd *r, const tl_tlv *t);

/* Typed values: each checks the length and names the offset on error. */
int tl_tlv_u8(const tl_rd *r, const tl_tlv *t, uint8_t *v, tl_err *e);
int tl_tlv_u16(const tl_rd *r, const tl_tlv *t, uint16_t *v, tl_err *e);
int tl_tlv_u32(const tl_rd *r, const tl_tlv *t, uint32_t *v, tl_err *e);
/* A NUL-terminated string: at least one byte, the last one NUL, no NUL
 * before it. *s points into the input. */
int tl_tlv_cstr(const tl_rd *r, const tl_tlv *t, const char **s, tl_err *e);
/* A NUL-terminated string that is not empty (certificate names). */
int tl_tlv_name(const tl_rd *r, const tl_tlv *t, const char **s, tl_err *e);

/* The elements of a message body (at offset base of the input, for
 * messages): fn reads each one; a tag seen twice is refused unless its bit
 * (tags below 32) is in repeatable. *seen gets a bit per tag below 32. */
typedef int (*tl_tlv_fn)(void *arg, const tl_rd *r, const tl_tlv *t, tl_err *e);
int tl_tlv_elements(const uint8_t *body, size_t len, size_t base,
		    const char *name, tl_tlv_fn fn, void *arg, uint32_t repeatable,
		    uint32_t *seen, tl_err *e);

/* Growable output buffer. After an allocation failure or an oversized
 * value, oom/toolong is set and later writes are ignored; check with
 * tl_buf_ok() once at the end. */
typedef struct tl_buf {
	uint8_t *p;
	size_t len, cap;
	int failed;
} tl_buf;

void tl_buf_init(tl_buf *b);
void tl_buf_free(tl_buf *b);
int tl_buf_ok(const tl_buf *b, tl_err *e);
void tl_buf_add(tl_buf *b, const void *data, size_t n);
void tl_buf_u8(tl_buf *b, uint8_t v);
void tl_buf_u16(tl_buf *b, uint16_t v);
void tl_buf_u32(tl_buf *b, uint32_t v);
/* Overwrites a big-endian u16 already written at offset at. */
void tl_buf_set_u16(tl_buf *b, size_t at, uint16_t v);

void tl_put(tl_buf *b, uint8_t tag, const void *val, size_t n);
void tl_put_u8(tl_buf *b, uint8_t tag, uint8_t v);
void tl_put_u16(tl_buf *b, uint8_t tag, uint16_t v);
void tl_put_u32(tl_buf *b, uint8_t tag, uint32_t v);
void tl_put_cstr(tl_buf *b, uint8_t tag, const char *s);	/* with its NUL */

/* Containers: tl_open writes the tag and a placeholder length and returns
 * where the length goes; tl_close patches it to cover what was written. */
size_t tl_open(tl_buf *b, uint8_t tag);
void tl_close(tl_buf *b, size_t at);

uint16_t tl_get_u16(const uint8_t *p);
uint32_t tl_get_u32(const uint8_t *p);

#endif

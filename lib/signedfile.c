#include "signedfile.h"

#include <stddef.h>
#include <string.h>

static const int modulus_bits[] = { 512, 1024, 2048, 4096, 3072 };

int tl_modulus_index(int bits)
{
	for (int i = 0; i < 5; i++)
		if (modulus_bits[i] == bits)
			return i;
	return -1;
}

int tl_modulus_bits(int index)
{
	return index >= 0 && index < 5 ? modulus_bits[index] : -1;
}

/* Tracks which tags of one container were seen, to refuse duplicates and
 * report missing ones. */
typedef struct seen {
	uint32_t bits;
} seen;

static int mark(seen *s, const tl_rd *r, const tl_tlv *t, tl_err *e)
{
	/* No container of the header uses a tag past the bitmap, and shifting
	 * by one would be undefined. */
	if (t->tag >= 32)
		return tl_fail(e, "%s: byte %zu: unknown tag %u", r->name, t->off,
			       t->tag);
	if (s->bits & (1u << t->tag))
		return tl_fail(e, "%s: byte %zu: duplicate tag %u", r->name, t->off,
			       t->tag);
	s->bits |= 1u << t->tag;
	return 0;
}

static int need(const seen *s, const tl_rd *r, size_t at, const char *where,
		const int *tags, int n, tl_err *e)
{
	for (int i = 0; i < n; i++)
		if (!(s->bits & (1u << tags[i])))
			return tl_fail(e, "%s: byte %zu: %s lacks mandatory tag %d",
				       r->name, at, where, tags[i]);
	return 0;
}

static int unknown(const tl_rd *r, const tl_tlv *t, const char *where, tl_err *e)
{
	return tl_fail(e, "%s: byte %zu: unknown tag %u in %s", r->name, t->off,
		       t->tag, where);
}

/* The containers of the header as data: each element's tag, how its value
 * is read, and where in tl_sfile it goes. Every element of a container is
 * mandatory. */
enum kind { K_U8, K_U16, K_NAME, K_BYTES, K_IV, K_IGNORED_U8, K_BOX };

typedef struct box box;
typedef struct elem {
	uint8_t tag;
	uint8_t kind;
	size_t off, len_off;	/* K_BYTES: pointer and length fields */
	size_t max;		/* K_BYTES: longest value */
	const box *sub;		/* K_BOX */
} elem;
struct box {
	const char *name;
	const elem *elems;
	int n;
};

#define F(field) offsetof(tl_sfile, field)
#define N(a) (int)(sizeof(a) / sizeof(a[0]))

static const elem sig_alg_elems[] = {
	{ TL_H_SIG_ALG, K_U8, F(sig_alg), 0, 0, NULL },
	{ TL_H_SIG_MODULUS, K_U8, F(modulus), 0, 0, NULL },
};
static const box sig_alg_box = { "SIGNATURE_ALGORITHM_INFO (tag 9)", sig_alg_elems,
				 N(sig_alg_elems) };
static const elem sig_elems[] = {
	{ TL_H_HASH_ALG, K_U8, F(hash_alg), 0, 0, NULL },
	{ TL_H_SIG_ALG_INFO, K_BOX, 0, 0, 0, &sig_alg_box },
};
static const elem signer_elems[] = {
	{ TL_H_SIGNER_NAME, K_NAME, F(signer_name), 0, 0, NULL },
	{ TL_H_ISSUER_NAME, K_NAME, F(issuer_name), 0, 0, NULL },
	{ TL_H_SERIAL, K_BYTES, F(serial), F(serial_len), TL_SERIAL_MAX + 1, NULL },
};
static const elem iv_elems[] = {
	{ TL_H_ENC_UNKNOWN1, K_IGNORED_U8, 0, 0, 0, NULL },
	{ TL_H_ENC_IV, K_IV, F(enc.iv), 0, 0, NULL },
	{ TL_H_ENC_PADDING, K_U16, F(enc.pad), 0, 0, NULL },
};
static const elem key_elems[] = {
	{ TL_H_ENC_UNKNOWN2, K_IGNORED_U8, 0, 0, 0, NULL },
	{ TL_H_ENC_KEY_SIZE, K_U16, F(enc.key_bits), 0, 0, NULL },
	{ TL_H_ENC_KEY_ALG, K_U8, F(enc.key_alg), 0, 0, NULL },
	{ TL_H_ENC_KEY, K_BYTES, F(enc.key), F(enc.key_len), 0xffff, NULL },
};
static const box iv_box = { "ENCRYPTION_IV_INFO (tag 17)", iv_elems, N(iv_elems) };
static const box key_box = { "ENCRYPTION_KEY_INFO (tag 21)", key_elems, N(key_elems) };
static const elem enc_elems[] = {
	{ TL_H_ENC_IV_INFO, K_BOX, 0, 0, 0, &iv_box },
	{ TL_H_ENC_KEY_INFO, K_BOX, 0, 0, 0, &key_box },
};
static const box signer_box = { "SIGNER_INFO (tag 3)", signer_elems, N(signer_elems) };
static const box sig_box = { "SIGNATURE_INFO (tag 7)", sig_elems, N(sig_elems) };
static const box enc_box = { "ENCRYPTION_INFO (tag 16)", enc_elems, N(enc_elems) };

static int parse_box(tl_sfile *h, const tl_rd *parent, const tl_tlv *c,
		     const box *b, tl_err *e);

static int parse_elem(tl_sfile *h, const tl_rd *r, const tl_tlv *t,
		      const elem *el, tl_err *e)
{
	char *base = (char *)h;
	uint8_t ignored;

	switch (el->kind) {
	case K_U8:
		return tl_tlv_u8(r, t, (uint8_t *)(base + el->off), e);
	case K_U16:
		return tl_tlv_u16(r, t, (uint16_t *)(base + el->off), e);
	case K_IGNORED_U8:
		return tl_tlv_u8(r, t, &ignored, e);
	case K_NAME:
		return tl_tlv_name(r, t, (const char **)(base + el->off), e);
	case K_IV:
		if (t->len != 16)
			return tl_fail(e, "%s: byte %zu: IV has length %u, expected 16",
				       r->name, t->off, t->len);
		memcpy(base + el->off, t->val, 16);
		return 0;
	case K_BYTES:
		if (t->len == 0 || t->len > el->max)
			return tl_fail(e, "%s: byte %zu: tag %u has %u bytes, expected 1 "
				       "to %zu", r->name, t->off, t->tag, t->len, el->max);
		*(const uint8_t **)(base + el->off) = t->val;
		*(size_t *)(base + el->len_off) = t->len;
		return 0;
	default:
		return parse_box(h, r, t, el->sub, e);
	}
}

static int parse_box(tl_sfile *h, const tl_rd *parent, const tl_tlv *c,
		     const box *b, tl_err *e)
{
	tl_rd r = tl_rd_sub(parent, c);
	seen s = { 0 };
	tl_tlv t;
	int rc, i;

	while ((rc = tl_rd_next(&r, &t, e)) == 1) {
		for (i = 0; i < b->n && b->elems[i].tag != t.tag; i++)
			;
		if (i == b->n)
			return unknown(&r, &t, b->name, e);
		if (mark(&s, &r, &t, e) || parse_elem(h, &r, &t, &b->elems[i], e))
			return -1;
	}
	if (rc < 0)
		return -1;
	for (i = 0; i < b->n; i++)
		if (!(s.bits & (1u << b->elems[i].tag)))
			return tl_fail(e, "%s: byte %zu: %s lacks mandatory tag %d",
				       r.name, c->off, b->name, b->elems[i].tag);
	return 0;
}

static int check_values(const tl_sfile *h, tl_err *e)
{
	int bits = tl_modulus_bits(h->modulus);

	if (h->hash_alg < TL_HASH_SHA1 || h->hash_alg > TL_HASH_SHA512)
		return tl_fail(e, "%s: unknown hash algorithm %u (1 SHA-1, 2 SHA-256, "
			       "3 SHA-512)", h->name, h->hash_alg);
	if (h->sig_alg != 0)
		return tl_fail(e, "%s: unknown signature algorithm %u (only 0, RSA)",
			       h->name, h->sig_alg);
	if (bits < 0)
		return tl_fail(e, "%s: unknown signature modulus index %u", h->name,
			       h->modulus);
	if (h->sig_len != (size_t)bits / 8)
		return tl_fail(e, "%s: byte %zu: signature is %zu bytes but the "
			       "modulus index says RSA-%d (%d bytes)", h->name,
			       h->sig_off, h->sig_len, bits, bits / 8);
	if (h->has_enc) {
		int hl = tl_hash_len(h->enc.hash_alg);

		if (h->enc.hash == NULL)
			return tl_fail(e, "%s: encryption block without "
				       "ENCRYPTION_HASH (tag 27)", h->name);
		if (hl < 0 || h->enc.hash_alg > TL_HASH_SHA512)
			return tl_fail(e, "%s: unknown encryption hash algorithm %u",
				       h->name, h->enc.hash_alg);
		if ((size_t)hl != h->enc.hash_len)
			return tl_fail(e, "%s: encryption hash is %zu bytes, %s "
				       "makes %d", h->name, h->enc.hash_len,
				       tl_hash_name(h->enc.hash_alg), hl);
		if (h->enc.key_alg != 1)
			return tl_fail(e, "%s: unknown encryption key algorithm %u "
				       "(only 1, AES)", h->name, h->enc.key_alg);
		if ((size_t)h->enc.key_bits != h->enc.key_len * 8)
			return tl_fail(e, "%s: encryption key size says %u bits but "
				       "the key is %zu bytes", h->name,
				       h->enc.key_bits, h->enc.key_len);
	}
	return 0;
}

int tl_sfile_parse(tl_sfile *h, const uint8_t *buf, size_t len,
		   const char *name, tl_err *e)
{
	static const int req[] = { TL_H_VERSION, TL_H_HEADER_LENGTH,
		TL_H_SIGNER_INFO, TL_H_SIGNATURE_INFO, TL_H_SIGNATURE,
		TL_H_FILENAME, TL_H_TIMESTAMP };
	seen s = { 0 };
	tl_rd r;
	tl_tlv t;
	int rc;

	memset(h, 0, sizeof(*h));
	h->buf = buf;
	h->len = len;
	h->name = name ? name : "input";
	tl_rd_init(&r, buf, len, h->name);
	/* VERSION then HEADER_LENGTH, which bounds everything after it. */
	if ((rc = tl_rd_next(&r, &t, e)) <= 0 || t.tag != TL_H_VERSION ||
	    t.len != 2) {
		if (rc < 0)
			return -1;
		return tl_fail(e, "%s: byte 0: not a signed file (expected VERSION, "
			       "tag 1 with 2 bytes)", h->name);
	}
	memcpy(h->version, t.val, 2);
	if ((rc = tl_rd_next(&r, &t, e)) <= 0 || t.tag != TL_H_HEADER_LENGTH ||
	    t.len != 2) {
		if (rc < 0)
			return -1;
		return tl_fail(e, "%s: byte 5: expected HEADER_LENGTH (tag 2 with 2 "
			       "bytes)", h->name);
	}
	s.bits = 1u << TL_H_VERSION | 1u << TL_H_HEADER_LENGTH;
	h->header_len = tl_get_u16(t.val);
	if (h->header_len < r.pos)
		return tl_fail(e, "%s: byte 5: header length %u is smaller than the "
			       "%zu bytes already read", h->name, h->header_len,
			       r.pos);
	if (h->header_len > len)
		return tl_fail(e, "%s: byte 5: header length %u runs past the end of "
			       "the %zu-byte file", h->name, h->header_len, len);
	if (h->header_len % 4)
		return tl_fail(e, "%s: byte 5: header length %u is not padded to a "
			       "multiple of 4", h->name, h->header_len);
	r.len = h->header_len;
	r.pad_tag = TL_H_PADDING;
	while ((rc = tl_rd_next(&r, &t, e)) == 1) {
		rc = 0;
		if (t.tag == TL_H_PADDING) {
			h->padding++;
			continue;
		}
		if (h->padding)
			return tl_fail(e, "%s: byte %zu: tag %u after padding: padding "
				       "must end the header", h->name, t.off, t.tag);
		if (t.tag >= 32)
			return unknown(&r, &t, "the header", e);
		if (mark(&s, &r, &t, e))
			return -1;
		switch (t.tag) {
		case TL_H_SIGNER_VERSION:
			if (t.len != 2)
				return tl_fail(e, "%s: byte %zu: SIGNER_VERSION has length "
					       "%u, expected 2", h->name, t.off, t.len);
			h->has_signer_version = 1;
			memcpy(h->signer_version, t.val, 2);
			break;
		case TL_H_SIGNER_INFO:
			rc = parse_box(h, &r, &t, &signer_box, e);
			break;
		case TL_H_SIGNATURE_INFO:
			rc = parse_box(h, &r, &t, &sig_box, e);
			break;
		case TL_H_SIGNATURE:
			if (t.len == 0)
				return tl_fail(e, "%s: byte %zu: empty signature",
					       h->name, t.off);
			h->sig = t.val;
			h->sig_len = t.len;
			h->sig_off = t.off;
			break;
		case TL_H_FILENAME:
			rc = tl_tlv_cstr(&r, &t, &h->filename, e);
			break;
		case TL_H_TIMESTAMP:
			rc = tl_tlv_u32(&r, &t, &h->timestamp, e);
			break;
		case TL_H_ENC_INFO:
			h->has_enc = 1;
			rc = parse_box(h, &r, &t, &enc_box, e);
			break;
		case TL_H_ENC_HASH_ALG:
			rc = tl_tlv_u8(&r, &t, &h->enc.hash_alg, e);
			break;
		case TL_H_ENC_HASH:
			if (t.len == 0)
				return tl_fail(e, "%s: byte %zu: empty encryption hash",
					       h->name, t.off);
			h->enc.hash = t.val;
			h->enc.hash_len = t.len;
			break;
		default:
			return unknown(&r, &t, "the header", e);
		}
		if (rc)
			return -1;
	}
	if (rc < 0)
		return tl_wrap(e, "header (length %u)", h->header_len);
	if (need(&s, &r, 0, "the header", req, 7, e))
		return -1;
	if (!!(s.bits & 1u << TL_H_ENC_INFO) != !!(s.bits & 1u << TL_H_ENC_HASH) ||
	    !!(s.bits & 1u << TL_H_ENC_INFO) != !!(s.bits & 1u << TL_H_ENC_HASH_ALG))
		return tl_fail(e, "%s: the encryption block needs tags 16, 26 and 27 "
			       "together", h->name);
	if (check_values(h, e))
		return -1;
	h->body = buf + h->header_len;
	h->body_len = len - h->header_len;
	return 0;
}

int tl_sfile_verify(const tl_sfile *h, const tl_pub *key, tl_err *e)
{
	size_t after = h->sig_off + 3 + h->sig_len;
	tl_span parts[2] = {
		{ h->buf, h->sig_off },
		{ h->buf + after, h->len - after },
	};

	if (tl_pub_type(key) != TL_KEY_RSA)
		return tl_fail(e, "%s: signed files are signed with RSA; the given "
			       "key is EC", h->name);
	if (tl_verify(key, h->hash_alg, parts, 2, h->sig, h->sig_len, e))
		return tl_wrap(e, "%s", h->name);
	return 0;
}

int tl_sfile_signed_by(const tl_sfile *h, const tl_cert *c)
{
	return tl_serial_equal(h->serial, h->serial_len, c->serial, c->serial_len) &&
	       tl_name_equal(h->issuer_name, c->issuer);
}

int tl_sfile_sign(const tl_signopts *o, tl_buf *out, tl_err *e)
{
	int bits, mod, sig_size;
	size_t hl_at, c3, c7, c9, sig_off, hlen;
	tl_span parts[2];
	size_t sig_len;

	if (tl_key_type(o->key) != TL_KEY_RSA)
		return tl_fail(e, "the signer of a signed file must have an RSA key "
			       "(%s has EC)", o->signer->subject);
	if (tl_key_matches(o->key, o->signer, e))
		return tl_wrap(e, "signer");
	bits = tl_key_bits(o->key);
	mod = tl_modulus_index(bits);
	if (mod < 0)
		return tl_fail(e, "signer key is RSA-%d; signed files need RSA 512, "
			       "1024, 2048, 3072 or 4096", bits);
	if (o->hash_alg < TL_HASH_SHA1 || o->hash_alg > TL_HASH_SHA512)
		return tl_fail(e, "signed files are hashed with SHA-1 or SHA-512");
	sig_size = tl_sig_size(o->key);

	tl_buf_init(out);
	tl_put(out, TL_H_VERSION, o->version, 2);
	hl_at = tl_open(out, TL_H_HEADER_LENGTH);
	tl_buf_u16(out, 0);
	tl_close(out, hl_at);
	if (o->signer_version)
		tl_put_u16(out, TL_H_SIGNER_VERSION, (uint16_t)o->signer_version);
	c3 = tl_open(out, TL_H_SIGNER_INFO);
	tl_put_cstr(out, TL_H_SIGNER_NAME, o->signer->subject);
	tl_put_cstr(out, TL_H_ISSUER_NAME, o->signer->issuer);
	tl_put(out, TL_H_SERIAL, o->signer->serial, o->signer->serial_len);
	tl_close(out, c3);
	c7 = tl_open(out, TL_H_SIGNATURE_INFO);
	tl_put_u8(out, TL_H_HASH_ALG, (uint8_t)o->hash_alg);
	c9 = tl_open(out, TL_H_SIG_ALG_INFO);
	tl_put_u8(out, TL_H_SIG_ALG, 0);
	tl_put_u8(out, TL_H_SIG_MODULUS, (uint8_t)mod);
	tl_close(out, c9);
	tl_close(out, c7);
	sig_off = out->len;
	tl_buf_u8(out, TL_H_SIGNATURE);
	tl_buf_u16(out, (uint16_t)sig_size);
	for (int i = 0; i < sig_size; i++)
		tl_buf_u8(out, 0);
	tl_put_cstr(out, TL_H_FILENAME, o->filename);
	tl_put_u32(out, TL_H_TIMESTAMP, o->timestamp);
	tl_buf_add(out, o->extra, o->extra_len);
	while (out->len % 4)
		tl_buf_u8(out, TL_H_PADDING);
	hlen = out->len;
	if (hlen > 0xffff) {
		tl_buf_free(out);
		return tl_fail(e, "header of %zu bytes is too long", hlen);
	}
	tl_buf_set_u16(out, hl_at + 2, (uint16_t)hlen);
	tl_buf_add(out, o->body, o->body_len);
	if (tl_buf_ok(out, e)) {
		tl_buf_free(out);
		return -1;
	}
	parts[0].p = out->p;
	parts[0].len = sig_off;
	parts[1].p = out->p + sig_off + 3 + sig_size;
	parts[1].len = out->len - (sig_off + 3 + (size_t)sig_size);
	sig_len = (size_t)sig_size;
	if (o->defer_signature)
		return 0;
	if (tl_sign(o->key, o->hash_alg, parts, 2, out->p + sig_off + 3, &sig_len,
		    e) || sig_len != (size_t)sig_size) {
		tl_buf_free(out);
		return -1;
	}
	return 0;
}

int tl_sfile_deferred(const uint8_t *buf, size_t len)
{
	tl_sfile h;
	tl_err e;

	if (tl_sfile_parse(&h, buf, len, "file", &e))
		return -1;
	for (size_t i = 0; i < h.sig_len; i++)
		if (h.sig[i])
			return 0;
	return 1;
}

int tl_sfile_sign_now(uint8_t *buf, size_t len, const tl_key *key, tl_err *e)
{
	tl_span parts[2];
	size_t after, sig_len;
	tl_sfile h;

	if (tl_sfile_parse(&h, buf, len, "file", e))
		return -1;
	after = h.sig_off + 3 + h.sig_len;
	parts[0].p = buf;
	parts[0].len = h.sig_off;
	parts[1].p = buf + after;
	parts[1].len = len - after;
	sig_len = h.sig_len;
	if (tl_sign(key, h.hash_alg, parts, 2, buf + h.sig_off + 3, &sig_len, e))
		return -1;
	if (sig_len != h.sig_len)
		return tl_fail(e, "the key's signature is %zu bytes, the header's %zu",
			       sig_len, h.sig_len);
	return 0;
}

#include "pack.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define PACK_MIN 256
#define PACK_MAX (64u << 10)
/* deflate looks back 32 KB at most: a longer dictionary would not be seen */
#define DICT_MAX 32768
/* After this many files in a row that the dictionary predicts well, the
 * rest of the table is taken to be like them. */
#define SETTLED 256

struct tl_pack_dict {
	atomic_size_t refs;
	size_t len;
	uint8_t data[DICT_MAX];
};

struct tl_packer {
	tl_pack_dict *dict;
	z_stream z;
	int settled;	/* files in a row that needed no sample */
};

tl_packer *tl_packer_new(void)
{
	tl_packer *p = calloc(1, sizeof(*p));

	if (p == NULL || (p->dict = calloc(1, sizeof(*p->dict))) == NULL)
		goto fail;
	atomic_init(&p->dict->refs, 1);
	/* raw deflate: no header or checksum, the length is known */
	if (deflateInit2(&p->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		goto fail;
	return p;
fail:
	if (p)
		free(p->dict);
	free(p);
	return NULL;
}

static void dict_unref(tl_pack_dict *d)
{
	if (d && atomic_fetch_sub(&d->refs, 1) == 1)
		free(d);
}

void tl_packer_free(tl_packer *p)
{
	if (p == NULL)
		return;
	deflateEnd(&p->z);
	dict_unref(p->dict);
	free(p);
}

/* Deflates data, against the dictionary's first dict_len bytes, into out
 * (cap bytes): the deflated length, or 0 when it does not fit. */
static size_t squeeze(tl_packer *p, size_t dict_len, const void *data, size_t len,
		      uint8_t *out, size_t cap)
{
	if (deflateReset(&p->z) != Z_OK ||
	    (dict_len && deflateSetDictionary(&p->z, p->dict->data, (uInt)dict_len) != Z_OK))
		return 0;
	p->z.next_in = (Bytef *)data;
	p->z.avail_in = (uInt)len;
	p->z.next_out = out;
	p->z.avail_out = (uInt)cap;
	if (deflate(&p->z, Z_FINISH) != Z_STREAM_END)
		return 0;
	return cap - p->z.avail_out;
}

/* Takes data as a sample when the dictionary has room and is still
 * learning, and the file compresses by itself (noise would only crowd out
 * what predicts the others). The newest sample goes at the end, where
 * matches cost the least. Returns 1 when it wrote to z (whether or not
 * the file became a sample), 0 when z is as it was. */
static int sample(tl_packer *p, const void *data, size_t len, uint8_t *z, size_t cap)
{
	size_t room = DICT_MAX - p->dict->len;

	if (p->settled >= SETTLED || room == 0)
		return 0;
	if (squeeze(p, 0, data, len, z, cap) == 0)
		return 1;
	p->settled = 0;
	memcpy(p->dict->data + p->dict->len, data, len < room ? len : room);
	p->dict->len += len < room ? len : room;
	return 1;
}

int tl_packer_pack(tl_packer *p, const void *data, size_t len, tl_packed *out)
{
	size_t cap = len / 4 * 3, zlen;
	uint8_t *z, *shrunk;

	memset(out, 0, sizeof(*out));
	if (len < PACK_MIN || len > PACK_MAX || (z = malloc(cap)) == NULL)
		return 0;
	/* Predicted well: a quarter of the bytes or fewer. Otherwise the file
	 * may become a sample, and is packed against itself too. */
	zlen = p->dict->len ? squeeze(p, p->dict->len, data, len, z, cap) : 0;
	if (zlen && zlen <= len / 4)
		p->settled++;
	else if (sample(p, data, len, z, cap))
		zlen = p->dict->len ? squeeze(p, p->dict->len, data, len, z, cap) : 0;
	/* else the dictionary is as it was: the first try stands */
	if (zlen == 0) {
		free(z);
		return 0;
	}
	shrunk = realloc(z, zlen);
	out->z = shrunk ? shrunk : z;
	out->zlen = zlen;
	out->dict = p->dict;
	out->dict_len = p->dict->len;
	atomic_fetch_add(&p->dict->refs, 1);
	return 1;
}

size_t tl_packer_dict_len(const tl_packer *p)
{
	return p->dict->len;
}

int tl_pack_inflate(const tl_packed *in, uint8_t *out, size_t len)
{
	z_stream s;
	int rc;

	memset(&s, 0, sizeof(s));
	if (inflateInit2(&s, -15) != Z_OK)
		return -1;
	rc = in->dict_len ? inflateSetDictionary(&s, in->dict->data, (uInt)in->dict_len)
			  : Z_OK;
	s.next_in = in->z;
	s.avail_in = (uInt)in->zlen;
	s.next_out = out;
	s.avail_out = (uInt)len;
	if (rc == Z_OK)
		rc = inflate(&s, Z_FINISH);
	inflateEnd(&s);
	return rc == Z_STREAM_END && s.avail_out == 0 ? 0 : -1;
}

void tl_packed_free(tl_packed *in)
{
	free(in->z);
	dict_unref(in->dict);
	memset(in, 0, sizeof(*in));
}

/* How tftpd holds small files in memory: deflated against a dictionary
 * shared by the files of one table. 10,000 phones' configurations are the
 * same XML but for a few values and a signature, so each one costs little
 * more than what makes it different (docs/tftpd.md, "Memory").
 *
 * A packer packs the files of one table as they are added, on the thread
 * that builds it. Its dictionary grows from samples of the files it does
 * not yet predict well, up to deflate's 32 KB window; it only ever grows, so
 * a file packed when it held n bytes inflates with its first n. Files
 * outlive their table: each packed file holds a reference to the
 * dictionary. */
#ifndef TL_TFTP_PACK_H
#define TL_TFTP_PACK_H

#include <stddef.h>
#include <stdint.h>

typedef struct tl_pack_dict tl_pack_dict;
typedef struct tl_packer tl_packer;

/* A file's packed form. */
typedef struct tl_packed {
	uint8_t *z;
	size_t zlen;
	tl_pack_dict *dict;
	size_t dict_len;
} tl_packed;

tl_packer *tl_packer_new(void);
void tl_packer_free(tl_packer *p);	/* NULL is fine */
/* Packs data[0..len): 1 with out filled, or 0 when it is better held as it
 * is (too small to gain, larger than 64 KB and so most likely compressed
 * already, or saving less than a quarter). */
int tl_packer_pack(tl_packer *p, const void *data, size_t len, tl_packed *out);
/* The bytes the dictionary holds: the files packed against it cost those
 * too, once. */
size_t tl_packer_dict_len(const tl_packer *p);
/* Inflates into out, exactly len bytes: 0, or -1 (out of memory). */
int tl_pack_inflate(const tl_packed *in, uint8_t *out, size_t len);
void tl_packed_free(tl_packed *in);

#endif

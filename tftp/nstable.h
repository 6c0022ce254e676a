/* Inside the namespace: a table's entries and the bytes they share, for
 * namespace.c (tables, lookups, generations) and tftpboot.c (the static
 * files it adds to one). */
#ifndef TL_TFTP_NSTABLE_H
#define TL_TFTP_NSTABLE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "hash.h"
#include "namespace.h"
#include "pack.h"

#define TL_TFTP_NAME_MAX 512	/* longer requests cannot name anything here */

/* Bytes shared by the table that holds them and every transfer in flight:
 * a reload drops the table's reference, the last transfer frees them.
 * Counted atomically: a build on another thread shares the served ones. */
typedef struct tl_tftp_blob {
	atomic_size_t refs;
	size_t len;		/* what is served */
	/* Small files are held packed (pack.h), data NULL then. The inflated
	 * copy exists while transfers use it, shared by them (the serving
	 * thread's alone). */
	uint8_t *data;
	tl_packed pk;
	uint8_t *plain;
	size_t plain_users;
	char *why;		/* a file that could not be made: why (no bytes) */
} tl_tftp_blob;

typedef struct tl_tftp_entry {
	tl_hnode node;
	tl_tftp_blob *b;	/* NULL: a name that exists but is refused */
	char key[];		/* lower case, '/' separated */
} tl_tftp_entry;

struct tl_tftp_table {
	tl_htab names;
	size_t files;
	uint64_t bytes;
	uint64_t held;		/* in memory: less than bytes, packed */
	tl_packer *packer;	/* while being built */
	void *memo;
	void (*memo_free)(void *);
	const atomic_int *cancel;	/* the namespace's, while being built */
};

/* The key a requested name is filed under: lower case, with '\' read as
 * '/' (Windows-era clients). 0 with the key in out; -1 for a name nothing
 * can have; -2 for a name no one may have. */
int tl_tftp_key(const char *name, char *out, size_t n);
tl_tftp_entry *tl_tftp_table_find(const tl_tftp_table *t, const char *key);
/* Adds key with b (NULL: refused), taking the caller's reference on b. */
int tl_tftp_table_put(tl_tftp_table *t, const char *key, tl_tftp_blob *b,
		      tl_err *e);
/* A packed file's bytes, in a buffer of their own: NULL when out of
 * memory. */
uint8_t *tl_tftp_blob_unpack(const tl_tftp_blob *b);

#endif

/* A chained hash table with intrusive nodes: the owner embeds a tl_hnode in
 * its struct, so the table never allocates per entry and never owns what it
 * indexes. Used by the TFTP namespace (name -> file) and the server (peer ->
 * transfer, client address -> rate bucket). */
#ifndef TL_HASH_H
#define TL_HASH_H

#include <stddef.h>
#include <stdint.h>

typedef struct tl_hnode {
	struct tl_hnode *next;
	uint64_t hash;
} tl_hnode;

typedef struct tl_htab {
	tl_hnode **b;
	size_t nb;		/* a power of two */
	size_t n;
} tl_htab;

/* Seeded per process, so remote peers cannot aim for one bucket. */
uint64_t tl_hash_bytes(const void *p, size_t n);

int tl_htab_init(tl_htab *t, size_t nbuckets);
void tl_htab_free(tl_htab *t);	/* the bucket array; entries are the owner's */
void tl_htab_insert(tl_htab *t, tl_hnode *n, uint64_t hash);
void tl_htab_remove(tl_htab *t, tl_hnode *n);
/* The first entry with this hash for which eq(entry, key) is true. */
tl_hnode *tl_htab_find(const tl_htab *t, uint64_t hash,
		       int (*eq)(const tl_hnode *n, const void *key),
		       const void *key);
/* Every entry, in no order; fn may remove the entry it is given. */
void tl_htab_each(tl_htab *t, void (*fn)(tl_hnode *n, void *arg), void *arg);

#endif

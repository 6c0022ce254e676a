#include "hash.h"

#include <stdlib.h>
#include <sys/random.h>

static uint64_t seed;

uint64_t tl_hash_bytes(const void *p, size_t n)
{
	const uint8_t *s = p;
	uint64_t h;

	while (seed == 0 && getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		;
	/* FNV-1a from a random basis, then a final avalanche so the low bits
	 * the bucket index uses depend on every input byte. */
	h = 0xcbf29ce484222325ull ^ seed;
	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 0x100000001b3ull;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

int tl_htab_init(tl_htab *t, size_t nbuckets)
{
	size_t nb = 16;

	while (nb < nbuckets)
		nb *= 2;
	t->b = calloc(nb, sizeof(*t->b));
	t->nb = t->b ? nb : 0;
	t->n = 0;
	return t->b ? 0 : -1;
}

void tl_htab_free(tl_htab *t)
{
	free(t->b);
	t->b = NULL;
	t->nb = t->n = 0;
}

/* Doubling keeps chains short; when memory runs out the table keeps its
 * size and chains grow, which is slower but still correct. */
static void grow(tl_htab *t)
{
	size_t nb = t->nb * 2;
	tl_hnode **b = calloc(nb, sizeof(*b));

	if (b == NULL)
		return;
	for (size_t i = 0; i < t->nb; i++) {
		tl_hnode *n = t->b[i], *next;

		for (; n; n = next) {
			next = n->next;
			n->next = b[n->hash & (nb - 1)];
			b[n->hash & (nb - 1)] = n;
		}
	}
	free(t->b);
	t->b = b;
	t->nb = nb;
}

void tl_htab_insert(tl_htab *t, tl_hnode *n, uint64_t hash)
{
	if (t->n >= t->nb)
		grow(t);
	n->hash = hash;
	n->next = t->b[hash & (t->nb - 1)];
	t->b[hash & (t->nb - 1)] = n;
	t->n++;
}

void tl_htab_remove(tl_htab *t, tl_hnode *n)
{
	tl_hnode **pp = &t->b[n->hash & (t->nb - 1)];

	for (; *pp; pp = &(*pp)->next)
		if (*pp == n) {
			*pp = n->next;
			t->n--;
			return;
		}
}

tl_hnode *tl_htab_find(const tl_htab *t, uint64_t hash,
		       int (*eq)(const tl_hnode *n, const void *key),
		       const void *key)
{
	tl_hnode *n;

	if (t->nb == 0)
		return NULL;
	for (n = t->b[hash & (t->nb - 1)]; n; n = n->next)
		if (n->hash == hash && eq(n, key))
			return n;
	return NULL;
}

void tl_htab_each(tl_htab *t, void (*fn)(tl_hnode *n, void *arg), void *arg)
{
	for (size_t i = 0; i < t->nb; i++) {
		tl_hnode *n = t->b[i], *next;

		for (; n; n = next) {
			next = n->next;
			fn(n, arg);
		}
	}
}

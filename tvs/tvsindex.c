#include "tvsindex.h"

#include <stdlib.h>
#include <string.h>

#include "purpose.h"
#include "revcheck.h"
#include "trustlist.h"

static const struct { const char *store; int role; } vouched_stores[] = {
	{ "CallManager-trust", TL_ROLE_CCM_TFTP }, { "tomcat-trust", TL_ROLE_APP_SERVER },
	{ "Phone-VPN-trust", TL_ROLE_APP_SERVER }, { "Phone-SAST-trust", TL_ROLE_SAST },
	{ "CAPF-trust", TL_ROLE_CAPF },
};

static uint32_t hash_bytes(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* A certificate ends with its signature, as good as random bytes: its
 * last 64 and the length place a DER in the table, and a lookup then
 * compares DER bytes, without the SHA-256 of every certificate asked
 * about. */
static uint32_t der_hash(const uint8_t *der, size_t len)
{
	size_t tail = len < 64 ? len : 64;

	return hash_bytes(der + len - tail, tail) ^ (uint32_t)len;
}

static uint32_t serial_hash(const uint8_t *s, size_t n)
{
	while (n > 1 && s[0] == 0) {	/* minimal form, as tl_serial_equal */
		s++;
		n--;
	}
	return hash_bytes(s, n);
}

/* Adds a role to the entry of c, creating the entry on first sight. */
static int add(tl_tvs_index *ix, size_t *cap, tl_cert *c, int role,
	       const char *source, tl_err *e)
{
	uint8_t h[TL_HASH_MAX];
	tl_tvs_entry *en = NULL;

	tl_hash(TL_HASH_SHA256, c->der, c->der_len, h);
	for (size_t i = 0; i < ix->n; i++)
		if (!memcmp(ix->e[i].sha256, h, 32)) {
			en = &ix->e[i];
			tl_cert_free(c);
			break;
		}
	if (en == NULL) {
		if (ix->n == *cap) {
			tl_tvs_entry *g = realloc(ix->e, (*cap = *cap ? *cap * 2 : 64) *
						  sizeof(*g));

			if (g == NULL) {
				tl_cert_free(c);
				return tl_fail(e, "out of memory");
			}
			ix->e = g;
		}
		en = &ix->e[ix->n++];
		memset(en, 0, sizeof(*en));
		en->cert = c;
		memcpy(en->sha256, h, 32);
		snprintf(en->source_buf, sizeof(en->source_buf), "%s", source);
	}
	if (role < 0)
		return 0;
	for (size_t i = 0; i < en->nroles; i++)
		if (en->roles[i] == role)
			return 0;
	if (en->nroles < TL_TVS_MAX_ROLES)
		en->roles[en->nroles++] = (uint8_t)role;
	return 0;
}

static int tables(tl_tvs_index *ix, tl_err *e)
{
	ix->slots = 64;
	while (ix->slots < ix->n * 2)
		ix->slots *= 2;
	ix->by_hash = calloc(ix->slots, sizeof(uint32_t));
	ix->by_serial = calloc(ix->slots, sizeof(uint32_t));
	if (ix->by_hash == NULL || ix->by_serial == NULL)
		return tl_fail(e, "out of memory");
	for (size_t i = 0; i < ix->n; i++) {
		tl_tvs_entry *en = &ix->e[i];
		size_t a = der_hash(en->cert->der, en->cert->der_len) & (ix->slots - 1);
		size_t b = serial_hash(en->cert->serial, en->cert->serial_len) &
			   (ix->slots - 1);

		en->source = en->source_buf;
		while (ix->by_hash[a])
			a = (a + 1) & (ix->slots - 1);
		ix->by_hash[a] = (uint32_t)i + 1;
		while (ix->by_serial[b])
			b = (b + 1) & (ix->slots - 1);
		ix->by_serial[b] = (uint32_t)i + 1;
	}
	return 0;
}

struct build {
	tl_tvs_index *ix;
	size_t cap;
	tl_err *e;
};

static int vouched_role(const tl_pki_item *it)
{
	if (it->identity)
		return it->purpose->role;
	for (size_t i = 0; i < sizeof(vouched_stores) / sizeof(vouched_stores[0]); i++)
		if (!strcmp(it->group, vouched_stores[i].store))
			return vouched_stores[i].role;
	return -1;
}

static int add_item(void *arg, tl_pki_item *it)
{
	struct build *b = arg;
	char src[96];
	int rc;

	if (it->identity)
		snprintf(src, sizeof(src), "identity %s/%s", it->group, it->name);
	else
		snprintf(src, sizeof(src), "%s", it->group);
	rc = add(b->ix, &b->cap, it->cert, vouched_role(it), src, b->e);
	it->cert = NULL;	/* add kept it, or freed it */
	return rc ? -1 : 0;
}

int tl_tvs_index_build(tl_tvs_index *ix, tl_store *s, tl_err *e)
{
	const size_t nstores = sizeof(vouched_stores) / sizeof(vouched_stores[0]);
	const char *stores[sizeof(vouched_stores) / sizeof(vouched_stores[0])];
	struct build b = { ix, 0, e };

	for (size_t i = 0; i < nstores; i++)
		stores[i] = vouched_stores[i].store;
	memset(ix, 0, sizeof(*ix));
	ix->generation = tl_store_read_generation(s->dir);
	if (tl_pki_each(s, 1, stores, nstores, add_item, &b, e) || tables(ix, e)) {
		tl_tvs_index_free(ix);
		return -1;
	}
	for (size_t i = 0; i < ix->n; i++) {
		tl_rev r;

		if (tl_pki_rev_get(s, ix->e[i].cert, &r) == 0 && r.status == TL_REV_REVOKED)
			snprintf(ix->e[i].revoked, sizeof(ix->e[i].revoked), "%s %.80s: %.80s",
				 r.method, r.source, r.detail);
	}
	return 0;
}

void tl_tvs_index_free(tl_tvs_index *ix)
{
	for (size_t i = 0; i < ix->n; i++)
		tl_cert_free(ix->e[i].cert);
	free(ix->e);
	free(ix->by_hash);
	free(ix->by_serial);
	memset(ix, 0, sizeof(*ix));
}

const tl_tvs_entry *tl_tvs_find_der(const tl_tvs_index *ix, const uint8_t *der,
				    size_t len)
{
	size_t a;

	if (ix->slots == 0)
		return NULL;
	for (a = der_hash(der, len) & (ix->slots - 1); ix->by_hash[a];
	     a = (a + 1) & (ix->slots - 1)) {
		const tl_tvs_entry *en = &ix->e[ix->by_hash[a] - 1];

		if (en->cert->der_len == len && !memcmp(en->cert->der, der, len))
			return en;
	}
	return NULL;
}

const tl_tvs_entry *tl_tvs_find_serial(const tl_tvs_index *ix, const char *issuer,
				       const uint8_t *serial, size_t serial_len)
{
	size_t b;

	if (ix->slots == 0)
		return NULL;
	for (b = serial_hash(serial, serial_len) & (ix->slots - 1); ix->by_serial[b];
	     b = (b + 1) & (ix->slots - 1)) {
		const tl_tvs_entry *en = &ix->e[ix->by_serial[b] - 1];

		if (tl_serial_equal(en->cert->serial, en->cert->serial_len, serial,
				    serial_len) &&
		    tl_name_equal(en->cert->issuer, issuer))
			return en;
	}
	return NULL;
}

int tl_tvs_entry_valid(const tl_tvs_entry *en, time_t now)
{
	return en && en->nroles > 0 && !en->revoked[0] &&
	       en->cert->not_before <= now && now <= en->cert->not_after;
}

uint32_t tl_tvs_entry_ttl(const tl_conf_tvs *t, const tl_tvs_entry *en)
{
	long best = -1;

	for (size_t i = 0; i < en->nroles; i++) {
		int r = en->roles[i];
		long v = r < TL_CONF_ROLES && t->role_ttl[r] ? t->role_ttl[r] : t->ttl;

		if (best < 0 || v < best)
			best = v;
	}
	return best < 0 ? (uint32_t)t->ttl : (uint32_t)best;
}

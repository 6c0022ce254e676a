/* What TVS vouches for (docs/certificates.md): every identity certificate of
 * the cluster with its role, and the trust stores CallManager-trust
 * (CCM+TFTP), tomcat-trust and Phone-VPN-trust (APP-SERVER),
 * Phone-SAST-trust (SAST) and CAPF-trust (CAPF). Looked up by the DER
 * (equal bytes: what equal SHA-256 digests would say, without hashing
 * every certificate asked about) and by issuer + serial; built once and
 * then only read, so a reload builds a new index and swaps it in. A
 * certificate the last `cert revocation check` found revoked stays in the
 * index, marked, so tvsd says why it refuses it. */
#ifndef TL_TVSINDEX_H
#define TL_TVSINDEX_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store.h"
#include "tvsproto.h"

typedef struct tl_tvs_entry {
	tl_cert *cert;
	uint8_t sha256[32];
	uint8_t roles[TL_TVS_MAX_ROLES];
	size_t nroles;
	const char *source;	/* "identity CallManager/pub", "CallManager-trust" */
	char source_buf[96];
	/* "" or why the last revocation check found it revoked: no longer
	 * vouched for */
	char revoked[200];
} tl_tvs_entry;

typedef struct tl_tvs_index {
	tl_tvs_entry *e;
	size_t n;
	/* open addressing tables of entry indexes + 1 (0: empty) */
	uint32_t *by_hash, *by_serial;
	size_t slots;
	long generation;	/* the store's, when built */
} tl_tvs_index;

int tl_tvs_index_build(tl_tvs_index *ix, tl_store *s, tl_err *e);
void tl_tvs_index_free(tl_tvs_index *ix);

/* The entry for a DER certificate, or NULL. */
const tl_tvs_entry *tl_tvs_find_der(const tl_tvs_index *ix, const uint8_t *der,
				    size_t len);
/* The entry with this issuer (either name separator) and serial, or NULL. */
const tl_tvs_entry *tl_tvs_find_serial(const tl_tvs_index *ix, const char *issuer,
				       const uint8_t *serial, size_t serial_len);
/* Valid when found, within its validity at now, and not revoked. */
int tl_tvs_entry_valid(const tl_tvs_entry *en, time_t now);
/* The TTL tvsd gives a valid answer about en: the shortest of its roles'
 * TTLs ([tvs] ttl, else the role's). */
uint32_t tl_tvs_entry_ttl(const tl_conf_tvs *t, const tl_tvs_entry *en);

#endif

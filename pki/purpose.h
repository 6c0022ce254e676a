/* The identity certificates of a cluster and the trust stores
 * (docs/certificates.md), as data: one table every command consults. */
#ifndef TL_PURPOSE_H
#define TL_PURPOSE_H

#include <stddef.h>

#include "store.h"

typedef struct tl_purpose {
	const char *name;		/* "CallManager" */
	int key_type;			/* TL_KEY_RSA or TL_KEY_EC */
	int role;			/* trust-list / TVS role, or -1 */
	unsigned ku, eku;		/* TL_KU_* and TL_EKU_* bits */
	int publisher_only;
	int multi_server;		/* may carry every node in its SAN */
	const char *trust_store;	/* where its copy goes */
	const char *cn_format;		/* printf format of the CN, one %s */
	int cn_is_node;			/* %s is the node name, else its FQDN */
} tl_purpose;

extern const tl_purpose tl_purposes[];
extern const size_t tl_npurposes;
extern const char *const tl_trust_stores[];
extern const size_t tl_ntrust_stores;

const tl_purpose *tl_purpose_find(const char *name);

/* One certificate of the data directory, as tl_pki_each hands it out. */
typedef struct tl_pki_item {
	int identity;			/* an identity certificate, else trusted */
	const tl_purpose *purpose;	/* identities: their purpose */
	const char *group;		/* the purpose or the trust store */
	const char *name;		/* the node, or the file name in the store */
	tl_cert *cert;			/* a callback may keep it: set it to NULL */
} tl_pki_item;
/* Returns 0 to go on, 1 to stop, -1 to stop with an error. */
typedef int (*tl_pki_item_fn)(void *arg, tl_pki_item *it);

/* Every identity certificate (when identities), then every certificate of
 * the given trust stores (NULL: all of them). */
int tl_pki_each(tl_store *s, int identities, const char *const *stores,
		size_t nstores, tl_pki_item_fn fn, void *arg, tl_err *e);
/* Every trust-store certificate, to build chains from, in an array with
 * room for more after the *n it fills (the caller frees both). */
int tl_pki_trust_pool(tl_store *s, size_t room, tl_cert ***out, size_t *n,
		      tl_err *e);
/* The store's canonical spelling, or NULL when it is not a trust store. */
const char *tl_trust_store_find(const char *name);
/* "CallManager, CallManager-ECDSA, ...", "CallManager-trust, ...": for
 * the messages that refuse an unknown name. */
const char *tl_purpose_names(void);
const char *tl_trust_store_names(void);

#endif

/* The identity certificates of a cluster and the trust stores
 * (CERTIFICATES.md), as data: one table every command consults. */
#ifndef TL_PURPOSE_H
#define TL_PURPOSE_H

#include <stddef.h>

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
/* The store's canonical spelling, or NULL when it is not a trust store. */
const char *tl_trust_store_find(const char *name);

#endif

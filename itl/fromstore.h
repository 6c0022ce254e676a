/* Building a trust list from the data directory's identity certificates:
 * shared by the ITL and the CTL, which differ only in what they list and
 * who signs. */
#ifndef TL_FROMSTORE_H
#define TL_FROMSTORE_H

#include <stdio.h>

#include "listkind.h"
#include "store.h"

enum tl_nodes { TL_NODES_PUBLISHER, TL_NODES_FIRST_TFTP, TL_NODES_TFTP, TL_NODES_ALL };

typedef struct tl_listitem {
	const char *purpose;
	int role;
	enum tl_nodes nodes;
	int hash_only;
} tl_listitem;

/* Signs with the identity (sign_purpose, sign_node), lists items, writes
 * tftpboot/<kind filename> atomically, and reports what it wrote. */
int tl_list_from_store(tl_store *s, const tl_listkind *k,
		       const char *sign_purpose, const char *sign_node,
		       const tl_listitem *items, size_t nitems, FILE *report,
		       tl_err *e);

/* The ITL a TFTP node serves: signed by its CallManager key, or by the
 * ITLRecovery key for a reset (phones accept that without TVS). */
int tl_itl_rebuild(tl_store *s, int recovery, FILE *report, tl_err *e);
/* The tokenless CTL of a mixed-mode cluster, signed by the publisher's
 * CallManager key. */
int tl_ctl_rebuild(tl_store *s, FILE *report, tl_err *e);

#endif

/* Building a trust list from the data directory's identity certificates:
 * shared by the ITL and the CTL, which differ only in what they list and
 * who signs. */
#ifndef TL_FROMSTORE_H
#define TL_FROMSTORE_H

#include <stdio.h>

#include "listkind.h"
#include "store.h"
#include "tlv.h"

enum tl_nodes { TL_NODES_PUBLISHER, TL_NODES_FIRST_TFTP, TL_NODES_TFTP, TL_NODES_ALL };

typedef struct tl_listitem {
	const char *purpose;
	int role;
	enum tl_nodes nodes;
	int hash_only;
} tl_listitem;

/* Signs with the identity (sign_purpose, sign_node) and lists items into
 * out (the caller frees it); *nrec counts the records, signer_subject gets
 * the signer's subject (either may be NULL). */
int tl_list_build_from_store(tl_store *s, const tl_listkind *k,
			     const char *sign_purpose, const char *sign_node,
			     const tl_listitem *items, size_t nitems,
			     tl_buf *out, size_t *nrec, char *signer_subject,
			     size_t subject_len, tl_err *e);
/* The same, then writes tftpboot/<kind filename> atomically and reports
 * what it wrote. */
int tl_list_from_store(tl_store *s, const tl_listkind *k,
		       const char *sign_purpose, const char *sign_node,
		       const tl_listitem *items, size_t nitems, FILE *report,
		       tl_err *e);

/* The ITL a TFTP node serves: signed by its CallManager key, or by the
 * ITLRecovery key for a reset (phones accept that without TVS). */
int tl_itl_rebuild(tl_store *s, int recovery, FILE *report, tl_err *e);
/* The ITL a TFTP node serves: what tl_itl_rebuild lists, signed by that
 * node's CallManager identity signer/key (each TFTP node signs its own), with the
 * served tftpboot/ITLFile.tlv's timestamp, so every node's list changes
 * when it does and a reload makes the same bytes. 1 (out untouched) when
 * the served list is an ITLRecovery reset, which every node serves as it
 * is. */
int tl_itl_for_node(tl_store *s, const tl_cert *signer, const tl_key *key,
		    tl_buf *out, tl_err *e);
/* Whether tftpboot/<kind filename> lists the servers (every record but
 * SAST, whoever signed) that items name in the stores, and no others: 1
 * yes, 0 no (why says which record differs), -1 when the list or a
 * certificate cannot be read (e says why). A crash between an identity's
 * replacement and the list's, or a list written by hand, shows here. Reads
 * certificates only, no key. */
int tl_list_matches_store(tl_store *s, const tl_listkind *k,
			  const tl_listitem *items, size_t nitems, char *why,
			  size_t why_len, tl_err *e);
int tl_itl_matches_store(tl_store *s, char *why, size_t why_len, tl_err *e);
/* In mixed mode; 1 when the cluster is not. */
int tl_ctl_matches_store(tl_store *s, char *why, size_t why_len, tl_err *e);

/* The tokenless CTL of a mixed-mode cluster, signed by the publisher's
 * CallManager key. */
int tl_ctl_rebuild(tl_store *s, FILE *report, tl_err *e);

/* `ctl update`: the CTL of the data directory signed by an identity that
 * phones holding the served CTL (tftpboot/CTLFile.tlv) trust: ITLRecovery,
 * else the current CallManager, else the previous CallManager (kept while
 * valid), whichever is a SAST record of the served CTL and not expired;
 * checked to verify against it before it replaces it. Fails, saying what
 * to do, when none is: phones are then locked out. */
int tl_ctl_update(tl_store *s, FILE *report, tl_err *e);
/* `ctl reset --recovery`: signed by the ITLRecovery key whatever is
 * served, for phones whose CTL holds it when the served one does not. */
int tl_ctl_reset_recovery(tl_store *s, FILE *report, tl_err *e);
/* `cluster security-mode mixed|non-secure`: sets mixed_mode in
 * trustline.conf; mixed builds and serves the CTL, non-secure stops serving
 * it. Says what phones will do. */
int tl_ctl_set_mode(tl_store *s, int mixed_on, FILE *report, tl_err *e);
/* Where a regenerated CallManager identity is kept, so its key can sign the
 * next CTL while phones still hold the CTL that lists it. */
#define TL_CM_PREVIOUS "CallManager-previous"

#endif

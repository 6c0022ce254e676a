/* The revocation table of trustline.db (migration 4): the last verdict on
 * each certificate, by the SHA-256 of its DER, so a daemon and `cert
 * revocation` see what the last check found without asking again. */
#ifndef TL_REVSTATE_H
#define TL_REVSTATE_H

#include "revocation.h"
#include "store.h"

/* The verdict stored for sha256 (lowercase hex) into r, which the caller
 * has cleared: 0 when there is one, 1 when there is none, -1 on error. */
int tl_revstate_get(tl_store *s, const char *sha256, tl_rev *r);
/* Stores r as the verdict for sha256, about object ("GROUP/NAME"),
 * replacing the one before. */
int tl_revstate_put(tl_store *s, const char *sha256, const char *object,
		    const tl_rev *r, tl_err *e);

#endif

/* CAPF authentication strings at rest: a salted, slow hash
 * (PBKDF2-HMAC-SHA256), so a copy of trustline.db does not hand over the
 * strings phones enroll with. Compared in constant time. */
#ifndef TL_SECRET_H
#define TL_SECRET_H

#include <stddef.h>

#include "err.h"

/* "pbkdf2-sha256$ITERATIONS$SALT$HASH" (hex), with room to spare. */
#define TL_SECRET_MAX 160

/* Hashes plain with a new random salt into out. */
int tl_secret_hash(const char *plain, char out[TL_SECRET_MAX], tl_err *e);
/* Whether stored is a hash tl_secret_hash made (else a string kept in
 * clear by an older trustline, until its database is migrated). */
int tl_secret_is_hashed(const char *stored);
/* 1 when given is the string stored was made from (hashed or in clear),
 * 0 when it is not, -1 when stored is a hash this build cannot read. */
int tl_secret_check(const char *given, const char *stored);

#endif

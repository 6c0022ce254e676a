/* Shared by the fuzz targets: a fixed signer and a sink for printers. */
#ifndef TL_FUZZUTIL_H
#define TL_FUZZUTIL_H

#include <stdio.h>

#include "x509.h"

/* A self-signed RSA-1024 certificate with its key and public key, made on
 * first use and kept for the process: key generation per input would
 * drown the fuzzing in RSA. */
typedef struct fz_ident {
	tl_cert *cert;
	tl_key *key;
	tl_pub *pub;
} fz_ident;

const fz_ident *fz_ident_get(void);

/* A fixed PEM certificate of a target, loaded or the run stops. */
tl_cert *fz_cert(const char *pem);

/* /dev/null, opened once: the printers run in full but write nowhere. */
FILE *fz_devnull(void);

/* Stops the run with msg when a property the target checks does not hold;
 * libFuzzer saves the input that broke it. */
void fz_require(int ok, const char *msg);

#endif

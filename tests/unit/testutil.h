/* Shared by the Check suites: test certificates and small helpers. */
#ifndef TL_TESTUTIL_H
#define TL_TESTUTIL_H

#include <check.h>
#include <stdint.h>

#include "conf.h"
#include "tlv.h"
#include "x509.h"

/* A certificate and its key, made once per process and cached by name so
 * suites do not pay for RSA key generation in every test. type/bits pick
 * the key; the certificate is self-signed, valid from 2020 to 2040. */
typedef struct tu_ident {
	tl_cert *cert;
	tl_key *key;
} tu_ident;

const tu_ident *tu_ident_get(const char *cn, int key_type, int bits);

/* Signs body by id as a signed file with header version major.0 and SHA-1
 * or SHA-512, FILENAME filename, a fixed timestamp, and extra (encoded
 * TLVs, may be NULL) after TIMESTAMP. Fails the test when signing fails. */
void tu_sign(tl_buf *out, const tu_ident *id, int major, int hash,
	     const char *filename, const tl_buf *extra, const void *body,
	     size_t len);

/* The fixed vector signer: tests/vectors/signer.pem (certificate + key). */
const tu_ident *tu_vector_signer(void);

/* Reads a file under tests/vectors/. */
uint8_t *tu_vector(const char *name, size_t *len);

/* The database a test's data directory uses: with TRUSTLINE_TEST_PG_URL
 * set (make check-cluster) that PostgreSQL database, emptied first, so
 * the same test runs against both backends; else trustline.db. */
void tu_database(tl_conf *c);

/* Runs a suite; returns the process exit status. */
int tu_run(Suite *s);

#endif

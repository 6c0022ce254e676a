/* tl_certs_from_mem on hostile bytes: PEM blocks (CERTIFICATE and PKCS7),
 * DER certificates and PKCS#7 chains, as `cert trust add` and
 * `cert import-bulk` read them. Either every certificate comes back, each
 * fully decoded, or nothing does and the error says why. Seeds
 * (seeds/fuzz_certs/): three P-256 certificates as a PEM bundle and as
 * `openssl crl2pkcs7 -nocrl` writes them in DER and PEM, and the two
 * certificates whose times lack seconds. The same bytes go through
 * lib/certder.c's walk, which reads what wolfSSL refuses (and finds the
 * subject a CRL's issuer copies). */
#include <stdint.h>
#include <string.h>

#include "certder.h"
#include "fuzzutil.h"
#include "x509.h"

/* A message about a time quotes the sender's bytes: printable only. */
static void certder(const uint8_t *der, size_t len)
{
	char why[256];
	const uint8_t *name;
	size_t name_len;

	if (tl_certder_time_problem(der, len, why, sizeof(why)))
		for (const char *p = why; *p; p++)
			fz_require(*p >= 0x20 && *p < 0x7f, "a printable message");
	fz_require(tl_certder_rsa_bits(der, len) <= 8192 * 8, "a plausible key size");
	/* the subject a CRL repeats lies inside the bytes handed over */
	if (tl_certder_subject(der, len, &name, &name_len) == 0)
		fz_require(name >= der && name_len >= 2 && name + name_len <= der + len,
			   "the subject inside the certificate");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tl_cert **v = NULL;
	size_t n = 0;
	tl_err e;

	e.msg[0] = 0;
	certder(data, size);
	if (tl_certs_from_mem(data, size, "fuzz", &v, &n, &e)) {
		fz_require(v == NULL && n == 0, "a refused input returns nothing");
		fz_require(strncmp(e.msg, "fuzz: ", 6) == 0, "a refusal names the input");
		return 0;
	}
	fz_require(v != NULL && n > 0, "success means at least one certificate");
	for (size_t i = 0; i < n; i++) {
		fz_require(v[i]->der_len > 0 && v[i]->subject && v[i]->issuer &&
			   v[i]->pubkey_len > 0, "every certificate decoded");
		/* the dependents search of `cert trust delete` */
		tl_cert_names_issuer(v[i], v[0]);
		certder(v[i]->der, v[i]->der_len);
	}
	tl_certs_free(v, n);
	return 0;
}

/* tl_certs_from_mem on hostile bytes: PEM blocks (CERTIFICATE and PKCS7),
 * DER certificates and PKCS#7 chains, as `cert trust add` and
 * `cert import-bulk` read them. Either every certificate comes back, each
 * fully decoded, or nothing does and the error says why. Seeds
 * (seeds/fuzz_certs/): three P-256 certificates as a PEM bundle and as
 * `openssl crl2pkcs7 -nocrl` writes them in DER and PEM. */
#include <stdint.h>
#include <string.h>

#include "fuzzutil.h"
#include "x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tl_cert **v = NULL;
	size_t n = 0;
	tl_err e;

	e.msg[0] = 0;
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
	}
	tl_certs_free(v, n);
	return 0;
}

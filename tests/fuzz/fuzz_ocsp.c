/* An OCSP response on hostile bytes, through the path `cert revocation
 * check` takes (wolfSSL's certificate manager with the response handed in
 * by the fetch callback): the verdict is one of the five, and good only
 * for a response the test CA signed. Seed (seeds/fuzz_ocsp/): the answer
 * `openssl ocsp -index ... -rsigner root.pem -ndays 7300` gave for the
 * leaf of revcerts.h, without a nonce. */
#include <stdint.h>
#include <string.h>

#include "fuzzutil.h"
#include "revcerts.h"
#include "revocation.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static tl_cert *root, *leaf;
	tl_rev r;

	if (root == NULL) {
		root = fz_cert(fz_root_pem);
		leaf = fz_cert(fz_leaf_pem);
	}
	tl_rev_ocsp_response(leaf, root, data, size, &r);
	fz_require(r.status > TL_REV_NONE && r.status <= TL_REV_ERROR,
		   "a response always gives a verdict");
	fz_require(strcmp(r.method, "ocsp") == 0, "the verdict names OCSP");
	fz_require(r.status == TL_REV_GOOD || r.detail[0], "anything but good says why");
	return 0;
}

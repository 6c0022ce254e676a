/* A CRL on hostile bytes, through the path `cert revocation check` takes
 * (wolfSSL's certificate manager loads it against the issuer, then is
 * asked about a certificate): one verdict each for a leaf the seed CRL
 * does not list and one it lists as revoked, and the reason of each entry
 * (tl_lsccrl_reason, read past wolfSSL). Seeds (seeds/fuzz_crl/): the
 * test CA's `openssl ca -gencrl` output, DER and PEM. */
#include <stdint.h>
#include <string.h>

#include "fuzzutil.h"
#include "lsccrl.h"
#include "revcerts.h"
#include "revocation.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static tl_cert *root, *leaf, *revoked;
	tl_cert *const which[2] = { leaf, revoked };
	tl_rev r;

	if (root == NULL) {
		root = fz_cert(fz_root_pem);
		leaf = fz_cert(fz_leaf_pem);
		revoked = fz_cert(fz_r2_pem);
		return LLVMFuzzerTestOneInput(data, size);
	}
	for (int i = 0; i < 2; i++) {
		memset(&r, 0, sizeof(r));
		tl_rev_crl(which[i], root, data, size, &r);
		fz_require(r.status == TL_REV_GOOD || r.status == TL_REV_REVOKED ||
			   r.status == TL_REV_ERROR, "a CRL gives good, revoked or error");
		fz_require(r.status == TL_REV_GOOD || r.detail[0],
			   "anything but good says why");
		/* the reason phone-sim reads of a listed serial */
		int reason = tl_lsccrl_reason(data, size, which[i]->serial,
					      which[i]->serial_len);
		fz_require(reason >= -2 && reason <= 255, "a reason byte or none");
		tl_crl_reason_name(reason);
	}
	return 0;
}

/* The ITL/CTL parser on hostile bytes, and everything `trustline itl show`
 * and `verify` do with a list that parsed: self-verification, the record
 * checks that decode each certificate, matching against a certificate, and
 * the three printers. */
#include <stdint.h>
#include <string.h>

#include "fuzzutil.h"
#include "show.h"
#include "trustlist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const fz_ident *id = fz_ident_get();
	FILE *out = fz_devnull();
	tl_tlist l;
	tl_err e, ce;
	size_t signer = 0;
	long by = -1;

	e.msg[0] = 0;
	if (tl_tlist_parse(&l, data, size, "fuzz.tlv", &e)) {
		fz_require(e.msg[0] != 0, "a refused list says why");
		fz_require(l.buf == NULL && l.rec == NULL, "a refused list holds nothing");
		return 0;
	}
	fz_require(l.len == size && memcmp(l.buf, data, size) == 0, "owned copy");
	if (tl_tlist_verify(&l, NULL, &signer, &e) == 0) {
		fz_require(signer < l.nrec && l.rec[signer].role == TL_ROLE_SAST,
			   "the signer is a SAST record");
		by = (long)signer;
	}
	for (size_t i = 0; i < l.nrec; i++) {
		const tl_record *r = &l.rec[i];

		fz_require(r->off >= l.hdr.header_len && r->off + r->length <= size,
			   "record inside the body");
		tl_record_check(&l, i, &ce);
		tl_record_matches_cert(r, id->cert);
	}
	tl_tlist_show(out, &l, "ITL", 0, by, &e);
	tl_tlist_brief(out, &l, by);
	tl_tlist_json(out, &l, "ITL", by, &e);
	tl_tlist_free(&l);
	return 0;
}

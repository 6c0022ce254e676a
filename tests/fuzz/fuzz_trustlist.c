/* The ITL/CTL parser on hostile bytes, and everything `trustline itl show`
 * and `verify` do with a list that parsed: self-verification, the record
 * checks that decode each certificate (both decoders, compared), matching
 * against a certificate, and the three printers. */
#include <stdint.h>
#include <string.h>

#include "fuzzutil.h"
#include "show.h"
#include "trustlist.h"

/* Records are checked with the short certificate decode; it must agree
 * with the full one `show` and certificate import use. */
static void same_decode(const uint8_t *der, size_t len)
{
	tl_cert *full, *ids;
	tl_err e;
	int r1 = tl_cert_from_der(der, len, &full, &e);
	int r2 = tl_cert_ids_from_der(der, len, &ids, &e);

	fz_require(r1 == r2, "both decoders give the same verdict");
	if (r1)
		return;
	fz_require(strcmp(full->subject, ids->subject) == 0 &&
		   strcmp(full->issuer, ids->issuer) == 0 &&
		   tl_serial_equal(full->serial, full->serial_len, ids->serial,
				   ids->serial_len) &&
		   full->key_type == ids->key_type &&
		   full->pubkey_len == ids->pubkey_len &&
		   memcmp(full->pubkey, ids->pubkey, ids->pubkey_len) == 0,
		   "both decoders read the same identity");
	tl_cert_free(full);
	tl_cert_free(ids);
}

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
		if (r->cert)
			same_decode(r->cert, r->cert_len);
	}
	tl_tlist_show(out, &l, "ITL", 0, by, &e);
	tl_tlist_brief(out, &l, by);
	{
		json_t *j = tl_tlist_json(&l, "ITL", by, &e);

		/* any bytes in a name still make valid JSON */
		fz_require(j != NULL && json_dumpf(j, out, JSON_COMPACT) == 0,
			   "the JSON of any list dumps");
		json_decref(j);
	}
	tl_tlist_free(&l);
	return 0;
}

/* The signed-file header parser on hostile bytes, and what runs on a header
 * that parsed: signature verification with a fixed RSA key, the signer
 * match, and both printers. */
#include <stdint.h>
#include <string.h>

#include "fuzzutil.h"
#include "show.h"
#include "signedfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const fz_ident *id = fz_ident_get();
	FILE *out = fz_devnull();
	tl_sfile h;
	tl_err e;

	e.msg[0] = 0;
	if (tl_sfile_parse(&h, data, size, "fuzz.sgn", &e)) {
		fz_require(e.msg[0] != 0, "a refused header says why");
		return 0;
	}
	fz_require(h.header_len <= size && h.body == data + h.header_len &&
		   h.body_len == size - h.header_len, "body follows the header");
	fz_require(h.sig_off + 3 + h.sig_len <= h.header_len &&
		   h.sig == data + h.sig_off + 3, "signature inside the header");
	fz_require(h.signer_name != NULL && h.issuer_name != NULL &&
		   h.serial != NULL && h.filename != NULL, "mandatory fields set");
	/* Nothing here is signed by the fuzz key: a pass would be a forgery. */
	fz_require(tl_sfile_verify(&h, id->pub, &e) == -1, "verify refuses");
	tl_sfile_signed_by(&h, id->cert);
	tl_show_header(out, &h);
	{
		json_t *j = tl_show_header_json(&h);

		fz_require(j != NULL && json_dumpf(j, out, JSON_COMPACT) == 0,
			   "the JSON of any header dumps");
		json_decref(j);
	}
	return 0;
}

/* Inputs the fuzz targets (tests/fuzz/) found to break a parser, reduced to
 * the one thing that broke it. Each test holds the fixed behaviour: a clear
 * error, no crash, no undefined behaviour under `make check SANITIZE=1`. */
#include <stdio.h>
#include <string.h>

#include "signedfile.h"
#include "testutil.h"

static const tu_ident *signer;

/* Tags of 32 and up inside the encryption containers (16, 17, 21) were
 * marked as seen with a shift past the width of the bitmap: undefined, and
 * on x86 tag 49 aliased tag 17 and was called a duplicate. */
START_TEST(enc_container_tag_past_bitmap)
{
	static const struct {
		int iv_info, key_info;	/* the tag inside 17 or 21, or 0 */
		int in_enc;		/* the tag inside 16 itself, or 0 */
		int tag;
	} cases[] = {
		{ 0, 0, 49, 49 }, { 0, 0, 163, 163 }, { 0, 0, 255, 255 },
		{ 51, 0, 0, 51 }, { 0, 200, 0, 200 }, { 32, 0, 0, 32 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char want[64];
		tl_buf extra, b;
		tl_sfile h;
		tl_err e;
		size_t c16, c;
		int rc;

		/* The stray tag comes first in its container, after a complete
		 * IV block, so nothing else is wrong before it is read. */
		tl_buf_init(&extra);
		c16 = tl_open(&extra, TL_H_ENC_INFO);
		if (cases[i].in_enc)
			tl_put_u8(&extra, (uint8_t)cases[i].in_enc, 0);
		c = tl_open(&extra, TL_H_ENC_IV_INFO);
		if (cases[i].iv_info)
			tl_put_u8(&extra, (uint8_t)cases[i].iv_info, 0);
		tl_put_u8(&extra, TL_H_ENC_UNKNOWN1, 0);
		tl_put(&extra, TL_H_ENC_IV, "0123456789abcdef", 16);
		tl_put_u16(&extra, TL_H_ENC_PADDING, 0);
		tl_close(&extra, c);
		c = tl_open(&extra, TL_H_ENC_KEY_INFO);
		if (cases[i].key_info)
			tl_put_u8(&extra, (uint8_t)cases[i].key_info, 0);
		tl_close(&extra, c);
		tl_close(&extra, c16);
		ck_assert_int_eq(tl_buf_ok(&extra, &e), 0);
		tu_sign(&b, signer, 2, TL_HASH_SHA1, "SEP001122334455.cnf.xml.enc.sgn",
			&extra, "0123456789abcdef", 16);

		rc = tl_sfile_parse(&h, b.p, b.len, "enc.sgn", &e);
		ck_assert_int_eq(rc, -1);
		snprintf(want, sizeof(want), "unknown tag %d", cases[i].tag);
		ck_assert_msg(strstr(e.msg, want) != NULL, "case %zu: \"%s\"", i,
			      e.msg);
		ck_assert_ptr_nonnull(strstr(e.msg, "enc.sgn: byte "));
		tl_buf_free(&b);
		tl_buf_free(&extra);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fuzzregress");
	TCase *tc = tcase_create("fuzzregress");

	signer = tu_ident_get("fuzz-regress-signer", TL_KEY_RSA, 1024);
	tcase_add_test(tc, enc_container_tag_past_bitmap);
	suite_add_tcase(s, tc);
	return tu_run(s);
}

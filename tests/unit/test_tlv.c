#include "testutil.h"
#include <string.h>

#include "tlv.h"

START_TEST(roundtrip)
{
	tl_buf b;
	tl_rd r;
	tl_tlv t;
	tl_err e;
	size_t at;
	uint16_t v16;
	uint32_t v32;
	const char *s;

	tl_buf_init(&b);
	tl_put_u8(&b, 1, 0xab);
	at = tl_open(&b, 3);
	tl_put_cstr(&b, 4, "CN=x");
	tl_put_u16(&b, 5, 0x1234);
	tl_close(&b, at);
	tl_put_u32(&b, 15, 0xdeadbeef);
	tl_buf_u8(&b, 13);
	ck_assert_int_eq(tl_buf_ok(&b, &e), 0);
	ck_assert_uint_eq(b.len, 4 + 3 + 8 + 5 + 7 + 1);

	tl_rd_init(&r, b.p, b.len, "t");
	r.pad_tag = 13;
	ck_assert_int_eq(tl_rd_next(&r, &t, &e), 1);
	ck_assert_uint_eq(t.tag, 1);
	ck_assert_uint_eq(t.val[0], 0xab);
	ck_assert_int_eq(tl_rd_next(&r, &t, &e), 1);
	ck_assert_uint_eq(t.tag, 3);
	ck_assert_uint_eq(t.len, 13);
	{
		tl_rd sub = tl_rd_sub(&r, &t);
		tl_tlv u;

		ck_assert_int_eq(tl_rd_next(&sub, &u, &e), 1);
		ck_assert_int_eq(tl_tlv_cstr(&sub, &u, &s, &e), 0);
		ck_assert_str_eq(s, "CN=x");
		ck_assert_uint_eq(u.off, 7);
		ck_assert_int_eq(tl_rd_next(&sub, &u, &e), 1);
		ck_assert_int_eq(tl_tlv_u16(&sub, &u, &v16, &e), 0);
		ck_assert_uint_eq(v16, 0x1234);
		ck_assert_int_eq(tl_rd_next(&sub, &u, &e), 0);
	}
	ck_assert_int_eq(tl_rd_next(&r, &t, &e), 1);
	ck_assert_int_eq(tl_tlv_u32(&r, &t, &v32, &e), 0);
	ck_assert_uint_eq(v32, 0xdeadbeef);
	ck_assert_int_eq(tl_rd_next(&r, &t, &e), 1);
	ck_assert_uint_eq(t.tag, 13);
	ck_assert_ptr_null(t.val);
	ck_assert_int_eq(tl_rd_next(&r, &t, &e), 0);
	tl_buf_free(&b);
}
END_TEST

START_TEST(truncated_everywhere)
{
	const uint8_t in[] = { 1, 0, 2, 0xaa, 0xbb, 14, 0, 3, 'a', 'b', 0 };

	for (size_t n = 0; n < sizeof(in); n++) {
		tl_rd r;
		tl_tlv t;
		tl_err e;
		int rc;

		tl_rd_init(&r, in, n, "cut");
		while ((rc = tl_rd_next(&r, &t, &e)) == 1)
			;
		if (n == 0 || n == 5)
			ck_assert_int_eq(rc, 0);
		else {
			ck_assert_int_eq(rc, -1);
			ck_assert_ptr_nonnull(strstr(e.msg, "cut: byte"));
		}
	}
}
END_TEST

START_TEST(bad_strings)
{
	const uint8_t empty[] = { 4, 0, 0 };
	const uint8_t nonul[] = { 4, 0, 2, 'a', 'b' };
	const uint8_t early[] = { 4, 0, 3, 'a', 0, 'b' };
	const uint8_t *cases[] = { empty, nonul, early };
	const size_t lens[] = { sizeof(empty), sizeof(nonul), sizeof(early) };

	for (int i = 0; i < 3; i++) {
		tl_rd r;
		tl_tlv t;
		tl_err e;
		const char *s;

		tl_rd_init(&r, cases[i], lens[i], "str");
		ck_assert_int_eq(tl_rd_next(&r, &t, &e), 1);
		ck_assert_int_eq(tl_tlv_cstr(&r, &t, &s, &e), -1);
		ck_assert_ptr_nonnull(strstr(e.msg, "str: byte 0"));
	}
}
END_TEST

START_TEST(oversized_value)
{
	static uint8_t big[70000];
	tl_buf b;
	tl_err e;

	tl_buf_init(&b);
	tl_put(&b, 9, big, sizeof(big));
	ck_assert_int_eq(tl_buf_ok(&b, &e), -1);
	tl_buf_free(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tlv");
	TCase *tc = tcase_create("tlv");

	tcase_add_test(tc, roundtrip);
	tcase_add_test(tc, truncated_everywhere);
	tcase_add_test(tc, bad_strings);
	tcase_add_test(tc, oversized_value);
	suite_add_tcase(s, tc);
	return tu_run(s);
}

#include "testutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pack.h"

/* A configuration as a template makes it: the same XML, one name. */
static size_t config(char *out, size_t n, int i)
{
	size_t len = 0;

	len += (size_t)snprintf(out + len, n - len, "<device><deviceName>SEP00BE0C%06X"
				"</deviceName><vendorConfig>\n", i);
	for (int k = 0; k < 60; k++)
		len += (size_t)snprintf(out + len, n - len, "<setting%d>%d</setting%d>\n",
					k, k % 3, k);
	len += (size_t)snprintf(out + len, n - len, "</vendorConfig></device>\n");
	return len;
}

static void inflates_to(const tl_packed *pk, const void *want, size_t len)
{
	uint8_t *got = malloc(len);

	ck_assert_ptr_nonnull(got);
	ck_assert_int_eq(tl_pack_inflate(pk, got, len), 0);
	ck_assert_int_eq(memcmp(got, want, len), 0);
	free(got);
}

START_TEST(similar_files_cost_their_differences)
{
	static char files[300][4096];
	static size_t lens[300];
	tl_packed pk[300];
	tl_packer *p = tl_packer_new();
	size_t held = 0, served = 0;

	ck_assert_ptr_nonnull(p);
	for (int i = 0; i < 300; i++) {
		lens[i] = config(files[i], sizeof(files[i]), i);
		ck_assert_int_eq(tl_packer_pack(p, files[i], lens[i], &pk[i]), 1);
		held += pk[i].zlen;
		served += lens[i];
	}
	/* the packer outlives none of them: each file holds the dictionary */
	tl_packer_free(p);
	/* each file was packed against the dictionary as it was then */
	for (int i = 0; i < 300; i++) {
		inflates_to(&pk[i], files[i], lens[i]);
		tl_packed_free(&pk[i]);
	}
	ck_assert_uint_lt(held * 20, served);
}
END_TEST

START_TEST(held_as_they_are)
{
	static uint8_t noise[4096], big[70000];
	uint64_t x = 0x9e3779b97f4a7c15ull;
	tl_packer *p = tl_packer_new();
	tl_packed pk;

	for (size_t i = 0; i < sizeof(noise); i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		noise[i] = (uint8_t)x;
	}
	ck_assert_int_eq(tl_packer_pack(p, "<a/>", 4, &pk), 0);	/* too small */
	ck_assert_int_eq(tl_packer_pack(p, noise, sizeof(noise), &pk), 0);
	ck_assert_int_eq(tl_packer_pack(p, big, sizeof(big), &pk), 0);	/* too large */
	ck_assert_ptr_null(pk.z);
	/* half noise, half text: compressible by itself, so a sample */
	memset(noise + sizeof(noise) / 2, 'x', sizeof(noise) / 2);
	ck_assert_int_eq(tl_packer_pack(p, noise, sizeof(noise), &pk), 1);
	inflates_to(&pk, noise, sizeof(noise));
	tl_packed_free(&pk);
	tl_packer_free(p);
}
END_TEST

START_TEST(wrong_length_refused)
{
	char file[4096];
	size_t len = config(file, sizeof(file), 1);
	uint8_t *out = malloc(len + 1);
	tl_packer *p = tl_packer_new();
	tl_packed pk;

	ck_assert_int_eq(tl_packer_pack(p, file, len, &pk), 1);
	ck_assert_int_eq(tl_pack_inflate(&pk, out, len - 1), -1);
	ck_assert_int_eq(tl_pack_inflate(&pk, out, len + 1), -1);
	inflates_to(&pk, file, len);
	tl_packed_free(&pk);
	tl_packer_free(p);
	free(out);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pack");
	TCase *tc = tcase_create("pack");

	tcase_add_test(tc, similar_files_cost_their_differences);
	tcase_add_test(tc, held_as_they_are);
	tcase_add_test(tc, wrong_length_refused);
	suite_add_tcase(s, tc);
	return tu_run(s);
}

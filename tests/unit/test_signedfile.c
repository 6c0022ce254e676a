#include <stdlib.h>
#include <string.h>

#include "signedfile.h"
#include "testutil.h"

static const tu_ident *signer;
static const tu_ident *other;

static void sign_body(tl_buf *out, int hash, const char *body)
{
	tu_sign(out, signer, 1, hash, "SEP001122334455.cnf.xml.sgn", NULL, body,
		strlen(body));
}

static void opts_for(tl_signopts *o, const tu_ident *id)
{
	memset(o, 0, sizeof(*o));
	o->version[0] = 1;
	o->signer = id->cert;
	o->key = id->key;
	o->hash_alg = TL_HASH_SHA1;
	o->filename = "x";
}

static int verify_with(const tl_sfile *h, const tl_cert *c)
{
	tl_pub *pub;
	tl_err e;
	int rc;

	ck_assert_int_eq(tl_pub_from_cert(c, &pub, &e), 0);
	rc = tl_sfile_verify(h, pub, &e);
	tl_pub_free(pub);
	return rc;
}

START_TEST(roundtrip_both_digests)
{
	const int hashes[] = { TL_HASH_SHA1, TL_HASH_SHA512 };
	const char *body = "<device><fullConfig>true</fullConfig></device>\n";

	for (int i = 0; i < 2; i++) {
		tl_buf b;
		tl_sfile h;
		tl_err e;

		sign_body(&b, hashes[i], body);
		ck_assert_uint_eq(tl_get_u16(b.p + 8) % 4, 0);
		ck_assert_int_eq(tl_sfile_parse(&h, b.p, b.len, "t.sgn", &e), 0);
		ck_assert_uint_eq(h.version[0], 1);
		ck_assert_uint_eq(h.version[1], 0);
		ck_assert_int_eq(h.has_signer_version, 0);
		ck_assert_uint_eq(h.hash_alg, hashes[i]);
		ck_assert_uint_eq(h.modulus, 1);	/* RSA-1024 */
		ck_assert_uint_eq(h.sig_len, 128);
		ck_assert_str_eq(h.signer_name, signer->cert->subject);
		ck_assert_str_eq(h.filename, "SEP001122334455.cnf.xml.sgn");
		ck_assert_uint_eq(h.timestamp, 1700000000);
		ck_assert_uint_eq(h.body_len, strlen(body));
		ck_assert_mem_eq(h.body, body, h.body_len);
		ck_assert(tl_sfile_signed_by(&h, signer->cert));
		ck_assert(!tl_sfile_signed_by(&h, other->cert));
		ck_assert_int_eq(verify_with(&h, signer->cert), 0);
		ck_assert_int_eq(verify_with(&h, other->cert), -1);
		tl_buf_free(&b);
	}
}
END_TEST

/* Every single-byte change anywhere must be caught: by the parser or by
 * the signature. */
START_TEST(tamper_every_byte)
{
	tl_buf b;
	tl_sfile h;
	tl_err e;

	sign_body(&b, TL_HASH_SHA1, "<device>tamper me</device>");
	for (size_t i = 0; i < b.len; i++) {
		b.p[i] ^= 0x01;
		if (tl_sfile_parse(&h, b.p, b.len, "t.sgn", &e) == 0)
			ck_assert_msg(verify_with(&h, signer->cert) != 0,
				      "flip at byte %zu verified", i);
		b.p[i] ^= 0x01;
	}
	ck_assert_int_eq(tl_sfile_parse(&h, b.p, b.len, "t.sgn", &e), 0);
	ck_assert_int_eq(verify_with(&h, signer->cert), 0);
	tl_buf_free(&b);
}
END_TEST

START_TEST(truncated_every_length)
{
	tl_buf b;
	tl_sfile h;
	tl_err e;

	sign_body(&b, TL_HASH_SHA1, "<device/>");
	for (size_t n = 0; n < b.len; n++) {
		uint8_t *copy = malloc(n ? n : 1);

		memcpy(copy, b.p, n);
		/* A cut inside the body still parses; the signature catches it. */
		if (tl_sfile_parse(&h, copy, n, "cut.sgn", &e) == 0) {
			ck_assert_uint_ge(n, tl_get_u16(b.p + 8));
			ck_assert_int_ne(verify_with(&h, signer->cert), 0);
		} else {
			ck_assert_ptr_nonnull(strstr(e.msg, "cut.sgn"));
		}
		free(copy);
	}
	tl_buf_free(&b);
}
END_TEST

/* Crafts a header by hand around a valid layout, so each hostile variant
 * differs from a good file in exactly one way. */
static size_t craft(uint8_t *out, int variant)
{
	tl_buf b;
	size_t hl, c3, c7, c9, n;

	tl_buf_init(&b);
	tl_put_u16(&b, 1, 0x0100);
	hl = b.len + 3;
	tl_put_u16(&b, 2, 0);
	c3 = tl_open(&b, 3);
	tl_put_cstr(&b, 4, variant == 5 ? "" : "CN=a");
	if (variant == 6)
		tl_put(&b, 6, "CN=a", 4);	/* name without its NUL */
	else
		tl_put_cstr(&b, 6, "CN=a");
	if (variant != 2)
		tl_put_u8(&b, 5, 1);
	if (variant == 3)
		tl_put_u8(&b, 5, 1);	/* duplicate */
	tl_close(&b, c3);
	c7 = tl_open(&b, 7);
	tl_put_u8(&b, 8, 1);
	c9 = tl_open(&b, 9);
	tl_put_u8(&b, 10, 0);
	tl_put_u8(&b, 11, 0);
	tl_close(&b, c9);
	tl_close(&b, c7);
	{
		uint8_t sig[64] = { 0 };

		tl_put(&b, 12, sig, 64);
	}
	tl_put_cstr(&b, 14, "x.sgn");
	tl_put_u32(&b, 15, 1);
	if (variant == 4)
		tl_put_u8(&b, 29, 0);	/* unknown tag */
	while (b.len % 4)
		tl_buf_u8(&b, 13);
	n = b.len;
	if (variant == 7)
		tl_buf_set_u16(&b, hl, (uint16_t)(n - 4));	/* too small */
	else if (variant == 8)
		tl_buf_set_u16(&b, hl, (uint16_t)(n + 400));	/* past the end */
	else if (variant == 9)
		tl_buf_set_u16(&b, hl, 6);	/* smaller than what was read */
	else
		tl_buf_set_u16(&b, hl, (uint16_t)n);
	if (variant == 10) {	/* container length past its parent */
		b.p[c3 + 1] += 40;
	}
	memcpy(out, b.p, n);
	tl_buf_free(&b);
	return n;
}

START_TEST(hostile_headers)
{
	static const char *expect[] = {
		[1] = NULL, [2] = "mandatory tag 5", [3] = "duplicate tag 5",
		[4] = "unknown tag 29", [5] = "empty name",
		[6] = "not NUL-terminated", [7] = "byte",
		[8] = "past the end", [9] = "smaller than", [10] = "SIGNER_INFO",
	};
	uint8_t buf[512];
	tl_sfile h;
	tl_err e;

	for (int v = 1; v <= 10; v++) {
		size_t n = craft(buf, v);
		int rc = tl_sfile_parse(&h, buf, n, "hostile", &e);

		if (expect[v] == NULL) {
			ck_assert_msg(rc == 0, "variant %d: %s", v, e.msg);
			continue;
		}
		ck_assert_msg(rc == -1, "variant %d parsed", v);
		ck_assert_msg(strstr(e.msg, expect[v]) != NULL,
			      "variant %d: \"%s\" lacks \"%s\"", v, e.msg, expect[v]);
		ck_assert_msg(strstr(e.msg, "hostile") != NULL, "variant %d", v);
	}
}
END_TEST

START_TEST(signer_must_be_rsa)
{
	const tu_ident *ec = tu_ident_get("ec-signer", TL_KEY_EC, 256);
	tl_signopts o;
	tl_buf b;
	tl_err e;

	opts_for(&o, ec);
	ck_assert_int_eq(tl_sfile_sign(&o, &b, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "RSA"));
	o.signer = signer->cert;
	o.key = other->key;	/* a key that is not the certificate's */
	ck_assert_int_eq(tl_sfile_sign(&o, &b, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "does not match"));
}
END_TEST

/* A deferred signature is made later to the same bytes as one made at
 * once (PKCS#1 v1.5 is deterministic), and is told apart until then. */
START_TEST(deferred_signature)
{
	const char *body = "<device><fullConfig>true</fullConfig></device>\n";
	tl_signopts o;
	tl_buf now, later;
	tl_sfile h;
	tl_err e;

	sign_body(&now, TL_HASH_SHA1, body);
	opts_for(&o, signer);
	o.filename = "SEP001122334455.cnf.xml.sgn";
	o.timestamp = 1700000000;
	o.body = (const uint8_t *)body;
	o.body_len = strlen(body);
	o.defer_signature = 1;
	ck_assert_int_eq(tl_sfile_sign(&o, &later, &e), 0);
	ck_assert_int_eq(tl_sfile_deferred(later.p, later.len), 1);
	ck_assert_int_eq(tl_sfile_deferred(now.p, now.len), 0);
	ck_assert_int_eq(tl_sfile_deferred(later.p, 10), -1);
	ck_assert_int_eq(tl_sfile_parse(&h, later.p, later.len, "t.sgn", &e), 0);
	ck_assert_int_eq(verify_with(&h, signer->cert), -1);
	ck_assert_int_eq(tl_sfile_sign_now(later.p, later.len, signer->key, &e), 0);
	ck_assert_uint_eq(later.len, now.len);
	ck_assert_mem_eq(later.p, now.p, now.len);
	tl_buf_free(&later);
	/* the checks of an immediate signature are made all the same */
	o.key = other->key;
	ck_assert_int_eq(tl_sfile_sign(&o, &later, &e), -1);
	tl_buf_free(&now);
}
END_TEST

START_TEST(modulus_index)
{
	ck_assert_int_eq(tl_modulus_index(512), 0);
	ck_assert_int_eq(tl_modulus_index(1024), 1);
	ck_assert_int_eq(tl_modulus_index(2048), 2);
	ck_assert_int_eq(tl_modulus_index(4096), 3);
	ck_assert_int_eq(tl_modulus_index(3072), 4);
	ck_assert_int_eq(tl_modulus_index(8192), -1);
	ck_assert_int_eq(tl_modulus_bits(2), 2048);
	ck_assert_int_eq(tl_modulus_bits(9), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("signedfile");
	TCase *tc = tcase_create("signedfile");

	signer = tu_ident_get("cm-pub", TL_KEY_RSA, 1024);
	other = tu_ident_get("cm-sub", TL_KEY_RSA, 1024);
	tu_ident_get("ec-signer", TL_KEY_EC, 256);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, roundtrip_both_digests);
	tcase_add_test(tc, tamper_every_byte);
	tcase_add_test(tc, truncated_every_length);
	tcase_add_test(tc, hostile_headers);
	tcase_add_test(tc, signer_must_be_rsa);
	tcase_add_test(tc, modulus_index);
	tcase_add_test(tc, deferred_signature);
	suite_add_tcase(s, tc);
	return tu_run(s);
}

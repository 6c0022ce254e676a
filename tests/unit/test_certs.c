/* tl_certs_from_mem: every certificate of a PEM file, a bundle, DER or a
 * PKCS#7 chain, and clear errors for what holds none; tl_cert_names_issuer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "der.h"
#include "testutil.h"

static const tu_ident *id[16];

static const uint8_t signed_data[] = {
	0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02
};
static const uint8_t data_oid[] = {
	0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01
};

/* A degenerate SignedData as `openssl crl2pkcs7 -nocrl` writes it, with the
 * first n test certificates; certs < 0 leaves the certificates field out. */
static void pkcs7(tl_buf *out, int n)
{
	tl_buf certs, sd, body, explicit0, ci;
	static const uint8_t version[] = { 1 };

	tl_buf_init(&certs);
	tl_buf_init(&sd);
	tl_buf_init(&body);
	tl_buf_init(&explicit0);
	tl_buf_init(&ci);
	for (int i = 0; i < n; i++)
		tl_buf_add(&certs, id[i]->cert->der, id[i]->cert->der_len);
	tl_der_put(&body, 0x02, version, 1);
	tl_der_put(&body, 0x31, NULL, 0);
	tl_der_put(&body, 0x30, data_oid, sizeof(data_oid));
	if (n >= 0)
		tl_der_put(&body, 0xa0, certs.p, certs.len);
	tl_der_put(&body, 0x31, NULL, 0);
	tl_der_put(&sd, 0x30, body.p, body.len);
	tl_der_put(&explicit0, 0xa0, sd.p, sd.len);
	tl_buf_add(&ci, signed_data, sizeof(signed_data));
	tl_buf_add(&ci, explicit0.p, explicit0.len);
	tl_buf_init(out);
	tl_der_put(out, 0x30, ci.p, ci.len);
	ck_assert(!out->failed);
	tl_buf_free(&certs);
	tl_buf_free(&sd);
	tl_buf_free(&body);
	tl_buf_free(&explicit0);
	tl_buf_free(&ci);
}

static void pem_of(tl_buf *b, int i)
{
	char *pem;
	tl_err e;

	ck_assert_int_eq(tl_cert_to_pem(id[i]->cert, &pem, &e), 0);
	tl_buf_add(b, pem, strlen(pem));
	free(pem);
}

/* Parses buf, expecting the test certificates first..first+n-1 in order. */
static void expect_certs(const void *buf, size_t len, int first, int n)
{
	tl_cert **v;
	size_t got;
	tl_err e;

	ck_assert_msg(tl_certs_from_mem(buf, len, "in", &v, &got, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(got, (size_t)n);
	for (int i = 0; i < n; i++) {
		const tl_cert *want = id[first + i]->cert;

		ck_assert_uint_eq(v[i]->der_len, want->der_len);
		ck_assert_mem_eq(v[i]->der, want->der, want->der_len);
		ck_assert_str_eq(v[i]->subject, want->subject);
	}
	tl_certs_free(v, got);
}

/* Parses buf, expecting an error whose message holds msg. */
static void expect_error(const void *buf, size_t len, const char *msg)
{
	tl_cert **v = (tl_cert **)&v;
	size_t n = 99;
	tl_err e;

	ck_assert_int_eq(tl_certs_from_mem(buf, len, "in", &v, &n, &e), -1);
	ck_assert_ptr_null(v);
	ck_assert_uint_eq(n, 0);
	ck_assert_msg(msg == NULL || strstr(e.msg, msg), "\"%s\" lacks \"%s\"", e.msg, msg);
	ck_assert_msg(strncmp(e.msg, "in: ", 4) == 0, "no file name in \"%s\"", e.msg);
}

START_TEST(pem_der_and_bundles)
{
	tl_buf b;
	char *key;
	tl_err e;

	tl_buf_init(&b);
	pem_of(&b, 0);
	expect_certs(b.p, b.len, 0, 1);
	expect_certs(id[1]->cert->der, id[1]->cert->der_len, 1, 1);
	/* text around the blocks, and a key among them, are skipped */
	tl_buf_free(&b);
	tl_buf_init(&b);
	tl_buf_add(&b, "subject=whatever\n", 17);
	pem_of(&b, 2);
	ck_assert_int_eq(tl_key_to_pem(id[2]->key, &key, &e), 0);
	tl_buf_add(&b, key, strlen(key));
	free(key);
	pem_of(&b, 3);
	pem_of(&b, 4);
	tl_buf_add(&b, "trailing\n", 9);
	expect_certs(b.p, b.len, 2, 3);
	tl_buf_free(&b);
}
END_TEST

/* n certificates in, n out; none (an empty set, or no set) and more than
 * wolfSSL keeps are refused, not cut short. */
START_TEST(pkcs7_chains)
{
	static const struct { int n; const char *error; } cases[] = {
		{ 1, NULL }, { 3, NULL }, { 15, NULL },
		{ 16, "holds 16 certificates, more than the 15" },
		{ 0, "PKCS#7 chain holds no certificates" },
		{ -1, "PKCS#7 chain holds no certificates" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tl_buf b;

		pkcs7(&b, cases[i].n);
		if (cases[i].error)
			expect_error(b.p, b.len, cases[i].error);
		else
			expect_certs(b.p, b.len, 0, cases[i].n);
		tl_buf_free(&b);
	}
}
END_TEST

START_TEST(every_truncation_fails)
{
	tl_buf b;

	pkcs7(&b, 2);
	for (size_t len = 1; len < b.len; len++)
		expect_error(b.p, len, NULL);
	tl_buf_free(&b);
	tl_buf_init(&b);
	pem_of(&b, 0);
	pem_of(&b, 1);
	/* a PEM bundle cut inside its second block: that block is named */
	for (size_t len = b.len / 2 + 30; len < b.len - 26; len++)
		expect_error(b.p, len, "PEM block 2");
	tl_buf_free(&b);
}
END_TEST

START_TEST(what_holds_no_certificate)
{
	static const char key_only[] = "-----BEGIN PRIVATE KEY-----\nAAAA\n"
				       "-----END PRIVATE KEY-----\n";
	static const char empty_p7[] = "-----BEGIN PKCS7-----\n-----END PKCS7-----\n";
	static const char empty_cert[] = "-----BEGIN CERTIFICATE-----\n"
					 "-----END CERTIFICATE-----\n";
	static const uint8_t junk[] = { 0x30, 0x03, 0x02, 0x01, 0x05 };
	uint8_t *big;
	size_t len;
	char *key;
	tl_err e;

	expect_error("", 0, "empty file");
	expect_error("hello, world\n", 13, "not a certificate");
	expect_error(junk, sizeof(junk), NULL);
	expect_error(key_only, sizeof(key_only) - 1, "PEM");
	/* found by fuzz_certs: an empty block reached memcpy with NULL */
	expect_error(empty_p7, sizeof(empty_p7) - 1, "PEM block 1 (byte 0)");
	expect_error(empty_cert, sizeof(empty_cert) - 1, "PEM block 1 (byte 0)");
	ck_assert_int_eq(tl_key_to_pem(id[0]->key, &key, &e), 0);
	expect_error(key, strlen(key), "no certificate in it");
	free(key);
	/* wolfSSL here cannot decode the key; the error still names its size */
	big = tu_vector("rsa8192.pem", &len);
	expect_error(big, len, "RSA-8192 key: keys above 4096 bits");
	free(big);
}
END_TEST

START_TEST(issuer_by_name_and_key_id)
{
	const tu_ident *ca = id[0], *other = id[1];
	tl_certspec s;
	tl_cert *leaf, *same_name;
	tl_key *k;
	tl_err e;

	memset(&s, 0, sizeof(s));
	s.cn = "leaf";
	s.not_before = 1577836800;
	s.not_after = 2208988800;
	s.hash_alg = TL_HASH_SHA256;
	s.issuer = ca->cert;
	s.issuer_key = ca->key;
	ck_assert_int_eq(tl_cert_make(&s, other->key, &leaf, &e), 0);
	ck_assert_int_eq(tl_cert_names_issuer(leaf, ca->cert), 1);
	ck_assert_int_eq(tl_cert_names_issuer(leaf, other->cert), 0);
	ck_assert_int_eq(tl_cert_names_issuer(ca->cert, leaf), 0);
	/* the CA's name on another key: the authority key identifier tells */
	s.cn = "certs-0";
	s.o = "trustline tests";
	s.ou = "VoIP";
	s.c = "US";
	s.issuer = NULL;
	s.issuer_key = NULL;
	ck_assert_int_eq(tl_key_generate(TL_KEY_EC, 256, &k, &e), 0);
	ck_assert_int_eq(tl_cert_make(&s, k, &same_name, &e), 0);
	ck_assert(tl_name_equal(same_name->subject, ca->cert->subject));
	ck_assert_int_eq(tl_cert_names_issuer(leaf, same_name), 0);
	tl_cert_free(leaf);
	tl_cert_free(same_name);
	tl_key_free(k);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("certs");
	TCase *tc = tcase_create("certs");

	for (int i = 0; i < 16; i++) {
		char cn[32];

		snprintf(cn, sizeof(cn), "certs-%d", i);
		id[i] = tu_ident_get(cn, TL_KEY_EC, 256);
	}
	tcase_add_test(tc, pem_der_and_bundles);
	tcase_add_test(tc, pkcs7_chains);
	tcase_add_test(tc, every_truncation_fails);
	tcase_add_test(tc, what_holds_no_certificate);
	tcase_add_test(tc, issuer_by_name_and_key_id);
	suite_add_tcase(s, tc);
	return tu_run(s);
}

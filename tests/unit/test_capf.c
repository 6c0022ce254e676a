#include <stdlib.h>
#include <string.h>

#include "capfproto.h"
#include "lsc.h"
#include "testutil.h"

static const tu_ident *capf, *phone_rsa, *phone_ec, *mic;

static void roundtrip(const tl_capf_msg *m, tl_capf_msg *d, tl_buf *b)
{
	size_t used;
	tl_err e;

	tl_buf_init(b);
	ck_assert_int_eq(tl_capf_encode(m, b, &e), 0);
	ck_assert_uint_eq(b->p[0], 0x55);
	ck_assert_uint_eq(b->p[1], m->command);
	ck_assert_uint_eq(tl_get_u16(b->p + 6), b->len - 8);
	ck_assert_int_eq(tl_capf_decode(b->p, b->len, d, &used, &e), 1);
	ck_assert_uint_eq(used, b->len);
	ck_assert_uint_eq(d->session, m->session);
	for (size_t n = 0; n < b->len; n++)
		ck_assert_int_eq(tl_capf_decode(b->p, n, d, &used, &e), 0);
	ck_assert_int_eq(tl_capf_decode(b->p, b->len, d, &used, &e), 1);
}

START_TEST(codec_auth_response)
{
	const uint8_t sig[] = { 1, 2, 3, 4 }, sha2[] = { 5, 6, 7 };
	tl_capf_msg m, d;
	tl_buf b;

	memset(&m, 0, sizeof(m));
	m.command = TL_CAPF_AUTH_RESPONSE;
	m.session = 3;
	m.has_reason = 1;
	m.reason = TL_CAPF_SUCCESS;
	m.has_version = 1;
	m.version = 3;
	m.device = "SEP001122334455";
	m.password = "";
	m.cert = mic->cert->der;
	m.cert_len = mic->cert->der_len;
	m.cert_inner_type = TL_CAPF_CERT_MIC;
	m.signed_data = sig;
	m.signed_data_len = sizeof(sig);
	m.sha2_signed.hash_alg = 3;
	m.sha2_signed.sig = sha2;
	m.sha2_signed.len = sizeof(sha2);
	m.sudi_cert = mic->cert->der;
	m.sudi_cert_len = mic->cert->der_len;
	m.sudi_sha1.hash_alg = 1;
	m.sudi_sha1.sig = sig;
	m.sudi_sha1.len = sizeof(sig);
	m.sudi_sha512.hash_alg = 3;
	m.sudi_sha512.sig = sha2;
	m.sudi_sha512.len = sizeof(sha2);
	roundtrip(&m, &d, &b);
	ck_assert_str_eq(d.device, "SEP001122334455");
	ck_assert_str_eq(d.password, "");
	ck_assert_uint_eq(d.cert_len, mic->cert->der_len);
	ck_assert_mem_eq(d.cert, mic->cert->der, d.cert_len);
	ck_assert_uint_eq(d.cert_inner_type, TL_CAPF_CERT_MIC);
	ck_assert_uint_eq(d.sha2_signed.hash_alg, 3);
	ck_assert_mem_eq(d.sha2_signed.sig, sha2, 3);
	ck_assert_uint_eq(d.sudi_cert_len, mic->cert->der_len);
	ck_assert_mem_eq(d.sudi_sha512.sig, sha2, 3);
	ck_assert_uint_eq(d.sudi_sha1.len, 4);
	tl_buf_free(&b);

	memset(&m, 0, sizeof(m));
	m.command = TL_CAPF_KEY_GEN_REQUEST;
	m.session = 4;
	m.has_key_type = 1;
	m.key_type = 1;
	m.has_curve = 1;
	m.curve = 0;
	roundtrip(&m, &d, &b);
	ck_assert(d.has_key_type && d.key_type == 1 && d.has_curve && d.curve == 0);
	tl_buf_free(&b);
}
END_TEST

START_TEST(codec_hostile)
{
	static const struct { const char *bytes; size_t len; const char *why; } cases[] = {
		{ "\x54\x01\0\0\0\0\0\0", 8, "not a CAPF" },
		{ "\x55\x63\0\0\0\0\0\0", 8, "unknown command" },
		{ "\x55\x0f\0\0\0\0\0\x08\x01\x00\x01\x00\x01\x00\x01\x00", 16, "duplicate" },
		{ "\x55\x0f\0\0\0\0\0\x04\x2a\x00\x01\x00", 12, "unknown element" },
		{ "\x55\x02\0\0\0\0\0\x08\x04\x00\x05\x02\x00\x03\x00\x01", 16, "prefix" },
		{ "\x55\x02\0\0\0\0\0\x06\x14\x00\x03\x03\x00\x09", 14, "runs past" },
		{ "\x55\x02\0\0\0\0\0\x05\x0d\x00\x02\x41\x42", 13, "NUL" },
		{ "\x55\x02\0\0\0\0\0\x03\x0d\x00\x05", 11, "runs" },
	};
	tl_capf_msg d;
	size_t used;
	tl_err e;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg(tl_capf_decode((const uint8_t *)cases[i].bytes, cases[i].len,
					     &d, &used, &e) == -1, "case %zu decoded", i);
		ck_assert_msg(strstr(e.msg, cases[i].why) != NULL, "case %zu: %s", i, e.msg);
	}
}
END_TEST

/* SIGNED_DATA: the bare digest, no DigestInfo; ECDSA for EC keys. */
START_TEST(raw_signatures)
{
	const tu_ident *ids[] = { phone_rsa, phone_ec };
	const tl_span data = { (const uint8_t *)"SEP001122334455\0cert", 20 };
	uint8_t sig[600];
	size_t n;
	tl_pub *pub;
	tl_err e;

	for (int i = 0; i < 2; i++) {
		const int hashes[] = { TL_HASH_SHA1, TL_HASH_SHA512 };

		ck_assert_int_eq(tl_pub_from_cert(ids[i]->cert, &pub, &e), 0);
		for (int h = 0; h < 2; h++) {
			n = sizeof(sig);
			ck_assert_int_eq(tl_sign_digest_raw(ids[i]->key, hashes[h], &data, 1,
							    sig, &n, &e), 0);
			ck_assert_int_eq(tl_verify_digest_raw(pub, hashes[h], &data, 1, sig,
							      n, &e), 0);
			/* the DigestInfo form is a different signature */
			if (i == 0)
				ck_assert_int_eq(tl_verify(pub, hashes[h], &data, 1, sig, n, &e), -1);
			sig[3] ^= 1;
			ck_assert_int_eq(tl_verify_digest_raw(pub, hashes[h], &data, 1, sig,
							      n, &e), -1);
		}
		tl_pub_free(pub);
	}
}
END_TEST

START_TEST(lsc_profile)
{
	const tu_ident *phones[] = { phone_rsa, phone_ec };
	tl_lscopts o;
	tl_cert *lsc;
	uint8_t *spki;
	size_t len;
	tl_pub *pub;
	tl_err e;

	memset(&o, 0, sizeof(o));
	o.issuer = capf->cert;
	o.issuer_key = capf->key;
	o.device = "SEP001122334455";
	o.days = 1825;
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(tl_key_spki(phones[i]->key, &spki, &len, &e), 0);
		ck_assert_int_eq(tl_pub_from_spki(spki, len, &pub, &e), 0);
		ck_assert_int_eq(tl_pub_type(pub), i == 0 ? TL_KEY_RSA : TL_KEY_EC);
		ck_assert_int_eq(tl_lsc_issue(&o, pub, &lsc, &e), 0);
		ck_assert_ptr_nonnull(strstr(lsc->subject, "CN=SEP001122334455"));
		ck_assert_ptr_nonnull(strstr(lsc->subject, "O=trustline tests"));
		ck_assert_str_eq(lsc->issuer, capf->cert->subject);
		ck_assert_uint_eq(lsc->serial_len, 16);
		ck_assert_uint_eq(lsc->ext_key_usage, TL_EKU_SERVER_AUTH |
				  TL_EKU_CLIENT_AUTH | TL_EKU_IPSEC_END_SYSTEM);
		ck_assert_uint_eq(lsc->nsan, 1);
		ck_assert_str_eq(lsc->san[0], "SEP001122334455");
		ck_assert_int_eq(lsc->sig_hash, TL_HASH_SHA256);
		ck_assert_int_eq(lsc->is_ca, 0);
		ck_assert_int_eq(tl_lsc_check(lsc, capf->cert, "SEP001122334455",
					      phones[i]->key, &e), 0);
		ck_assert_int_eq(tl_lsc_check(lsc, capf->cert, "SEP00112233AAAA",
					      phones[i]->key, &e), -1);
		ck_assert_int_eq(tl_lsc_check(lsc, mic->cert, "SEP001122334455",
					      phones[i]->key, &e), -1);
		ck_assert_int_eq(tl_lsc_check(lsc, capf->cert, "SEP001122334455",
					      phones[1 - i]->key, &e), -1);
		tl_cert_free(lsc);
		tl_pub_free(pub);
		free(spki);
	}
	ck_assert_int_eq(tl_pub_from_spki((const uint8_t *)"\x30\x00", 2, &pub, &e), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("capf");
	TCase *tc = tcase_create("capf");

	capf = tu_ident_get("CAPF-cucm-pub", TL_KEY_RSA, 1024);
	phone_rsa = tu_ident_get("CP-8865-SEP001122334455", TL_KEY_RSA, 1024);
	phone_ec = tu_ident_get("CP-8865-SEP001122334455-EC", TL_KEY_EC, 256);
	mic = tu_ident_get("mic", TL_KEY_RSA, 1024);
	tcase_add_test(tc, codec_auth_response);
	tcase_add_test(tc, codec_hostile);
	tcase_add_test(tc, raw_signatures);
	tcase_add_test(tc, lsc_profile);
	suite_add_tcase(s, tc);
	return tu_run(s);
}

#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "trustlist.h"

static const tu_ident *sast, *recovery, *ccm, *tvs, *capf, *app, *ec;

static int try_build(const tu_ident *signer, tl_buf *out, const tl_tlentry *en,
		     size_t n, int hash, int version, tl_err *e)
{
	tl_tlopts o;

	memset(&o, 0, sizeof(o));
	o.signer = signer->cert;
	o.key = signer->key;
	o.entries = en;
	o.n = n;
	o.hash_alg = hash;
	o.signer_version = version;
	o.filename = "ITLFile.tlv";
	o.timestamp = 1700000000;
	return tl_tlist_build(&o, out, e);
}

static void build(tl_buf *out, const tl_tlentry *en, size_t n, int hash,
		  int version)
{
	tl_err e;

	if (try_build(sast, out, en, n, hash, version, &e))
		ck_abort_msg("%s", e.msg);
}

static tl_tlentry entry(const tu_ident *id, int role, int hash_only)
{
	tl_tlentry en;

	memset(&en, 0, sizeof(en));
	en.cert = id->cert;
	en.role = role;
	en.hash_only = hash_only;
	return en;
}

/* Every role, RSA and EC certificates, full and hash-only records, both
 * digests: build, parse, verify, and each record says what went in. */
START_TEST(roundtrip_all_roles)
{
	const int hashes[] = { TL_HASH_SHA1, TL_HASH_SHA512 };

	for (int hi = 0; hi < 2; hi++) {
		for (int hash_only = 0; hash_only < 2; hash_only++) {
			tl_tlentry en[] = {
				entry(recovery, TL_ROLE_SAST, 0),
				entry(ccm, TL_ROLE_CCM_TFTP, hash_only),
				entry(ccm, TL_ROLE_CCM, hash_only),
				entry(ccm, TL_ROLE_TFTP, hash_only),
				entry(capf, TL_ROLE_CAPF, hash_only),
				entry(app, TL_ROLE_APP_SERVER, hash_only),
				entry(tvs, TL_ROLE_TVS, hash_only),
				entry(ec, TL_ROLE_CCM, hash_only),
			};
			size_t n = sizeof(en) / sizeof(en[0]), signer = 99;
			tl_tlist l;
			tl_buf b;
			tl_err e;

			en[2].has_ip = 1;
			memcpy(en[2].ip, "\x7f\x00\x00\x01", 4);
			build(&b, en, n, hashes[hi], 0);
			ck_assert_int_eq(tl_tlist_parse(&l, b.p, b.len, "ITLFile.tlv", &e), 0);
			ck_assert_uint_eq(l.nrec, n + 1);
			ck_assert_int_eq(l.hdr.has_signer_version, 1);
			ck_assert_uint_eq(l.hdr.signer_version[1], 1);	/* EC: 1.1 */
			ck_assert_int_eq(tl_tlist_verify(&l, NULL, &signer, &e), 0);
			ck_assert_uint_eq(signer, 0);
			ck_assert_uint_eq(l.rec[0].role, TL_ROLE_SAST);
			ck_assert(tl_record_matches_cert(&l.rec[0], sast->cert));
			for (size_t i = 0; i < n; i++) {
				const tl_record *r = &l.rec[i + 1];

				ck_assert_uint_eq(r->role, en[i].role);
				ck_assert_str_eq(r->subject, en[i].cert->subject);
				ck_assert_str_eq(r->issuer, en[i].cert->issuer);
				ck_assert(tl_record_matches_cert(r, en[i].cert));
				ck_assert_int_eq(r->key_type, en[i].cert->key_type);
				ck_assert_int_eq(tl_record_check(&l, i + 1, &e), 0);
				if (i == 0 || !hash_only) {
					ck_assert_ptr_nonnull(r->cert);
				} else {
					ck_assert_ptr_null(r->cert);
					ck_assert_uint_eq(r->hash_alg, hashes[hi]);
				}
			}
			ck_assert_int_eq(l.rec[3].has_ip, 1);
			ck_assert_mem_eq(l.rec[3].ip, "\x7f\x00\x00\x01", 4);
			ck_assert_int_eq(tl_record_count_role(&l, TL_ROLE_SAST), 2);
			tl_tlist_free(&l);
			tl_buf_free(&b);
		}
	}
}
END_TEST

START_TEST(versions)
{
	tl_tlentry en[] = { entry(ccm, TL_ROLE_CCM_TFTP, 0) };
	tl_tlentry with_ec[] = { entry(ec, TL_ROLE_CCM, 0) };
	tl_tlist l;
	tl_buf b;
	tl_err e;

	build(&b, en, 1, TL_HASH_SHA1, 0);
	ck_assert_int_eq(tl_tlist_parse(&l, b.p, b.len, "v", &e), 0);
	ck_assert_uint_eq(l.hdr.signer_version[0], 1);
	ck_assert_uint_eq(l.hdr.signer_version[1], 0);
	ck_assert_uint_eq(l.hdr.version[1], 2);	/* header 1.2 */
	tl_tlist_free(&l);
	tl_buf_free(&b);
	build(&b, en, 1, TL_HASH_SHA1, 0x0101);
	ck_assert_int_eq(tl_tlist_parse(&l, b.p, b.len, "v", &e), 0);
	ck_assert_uint_eq(l.hdr.signer_version[1], 1);
	tl_tlist_free(&l);
	tl_buf_free(&b);
	ck_assert_int_eq(try_build(sast, &b, with_ec, 1, TL_HASH_SHA1, 0x0100, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "1.1"));
}
END_TEST

START_TEST(at_most_two_sast)
{
	tl_tlentry en[] = { entry(recovery, TL_ROLE_SAST, 0),
			    entry(ccm, TL_ROLE_SAST, 0) };
	tl_buf b;
	tl_err e;

	ck_assert_int_eq(try_build(sast, &b, en, 2, TL_HASH_SHA1, 0, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "at most 2"));
}
END_TEST

/* A file with 3 SAST records made by hand: the builder refuses them, so
 * sign a body ourselves. */
START_TEST(parse_refuses_three_sast)
{
	tl_tlentry en[] = { entry(recovery, TL_ROLE_SAST, 0),
			    entry(ccm, TL_ROLE_SAST, 0) };
	tl_tlist l;
	tl_buf b, body;
	tl_signopts so;
	tl_err e;

	build(&b, en, 1, TL_HASH_SHA1, 0);
	ck_assert_int_eq(tl_tlist_parse(&l, b.p, b.len, "two", &e), 0);
	/* body = the two SAST records + a copy of the second */
	tl_buf_init(&body);
	tl_buf_add(&body, b.p + l.hdr.header_len, b.len - l.hdr.header_len);
	tl_buf_add(&body, b.p + l.rec[1].off, l.rec[1].length);
	memset(&so, 0, sizeof(so));
	so.version[0] = 1;
	so.version[1] = 2;
	so.signer_version = 0x0100;
	so.signer = sast->cert;
	so.key = sast->key;
	so.hash_alg = TL_HASH_SHA1;
	so.filename = "ITLFile.tlv";
	so.body = body.p;
	so.body_len = body.len;
	tl_tlist_free(&l);
	tl_buf_free(&b);
	ck_assert_int_eq(tl_sfile_sign(&so, &b, &e), 0);
	ck_assert_int_eq(tl_tlist_parse(&l, b.p, b.len, "three", &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "third SAST"));
	tl_buf_free(&b);
	tl_buf_free(&body);
}
END_TEST

/* The phone's rule: a new list must be signed by a SAST record of the
 * installed one. */
START_TEST(verify_against_installed)
{
	tl_tlentry en[] = { entry(recovery, TL_ROLE_SAST, 0),
			    entry(tvs, TL_ROLE_TVS, 1) };
	tl_tlist installed, by_recovery, by_stranger;
	tl_buf b1, b2, b3;
	size_t signer;
	tl_err e;

	build(&b1, en, 2, TL_HASH_SHA1, 0);
	ck_assert_int_eq(tl_tlist_parse(&installed, b1.p, b1.len, "installed", &e), 0);

	/* an `itl reset` signs with ITLRecovery */
	ck_assert_int_eq(try_build(recovery, &b2, NULL, 0, TL_HASH_SHA1, 0, &e), 0);
	ck_assert_int_eq(tl_tlist_parse(&by_recovery, b2.p, b2.len, "reset", &e), 0);
	ck_assert_int_eq(tl_tlist_verify(&by_recovery, &installed, &signer, &e), 0);
	ck_assert_uint_eq(signer, 1);

	/* a regenerated TFTP key is not a SAST of the installed list */
	ck_assert_int_eq(try_build(ccm, &b3, NULL, 0, TL_HASH_SHA1, 0, &e), 0);
	ck_assert_int_eq(tl_tlist_parse(&by_stranger, b3.p, b3.len, "new", &e), 0);
	ck_assert_int_eq(tl_tlist_verify(&by_stranger, NULL, &signer, &e), 0);
	ck_assert_int_eq(tl_tlist_verify(&by_stranger, &installed, &signer, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "is not in installed"));
	tl_tlist_free(&installed);
	tl_tlist_free(&by_recovery);
	tl_tlist_free(&by_stranger);
	tl_buf_free(&b1);
	tl_buf_free(&b2);
	tl_buf_free(&b3);
}
END_TEST

START_TEST(tamper_every_byte)
{
	tl_tlentry en[] = { entry(tvs, TL_ROLE_TVS, 1) };
	tl_tlist l;
	tl_buf b;
	tl_err e;

	build(&b, en, 1, TL_HASH_SHA1, 0);
	for (size_t i = 0; i < b.len; i++) {
		b.p[i] ^= 0x80;
		if (tl_tlist_parse(&l, b.p, b.len, "t", &e) == 0) {
			ck_assert_msg(tl_tlist_verify(&l, NULL, NULL, &e) != 0,
				      "flip at byte %zu verified", i);
			tl_tlist_free(&l);
		}
		b.p[i] ^= 0x80;
	}
	tl_buf_free(&b);
}
END_TEST

START_TEST(truncated_every_length)
{
	tl_tlentry en[] = { entry(tvs, TL_ROLE_TVS, 1) };
	tl_tlist l;
	tl_buf b;
	tl_err e;

	build(&b, en, 1, TL_HASH_SHA1, 0);
	for (size_t n = 0; n < b.len; n++) {
		uint8_t *copy = malloc(n ? n : 1);

		memcpy(copy, b.p, n);
		if (tl_tlist_parse(&l, copy, n, "cut", &e) == 0) {
			/* only a cut between whole records parses */
			ck_assert_int_ne(tl_tlist_verify(&l, NULL, NULL, &e), 0);
			tl_tlist_free(&l);
		} else {
			ck_assert_ptr_nonnull(strstr(e.msg, "cut"));
		}
		free(copy);
	}
	tl_buf_free(&b);
}
END_TEST

/* Signs a hand-made body with the SAST identity. */
static void sign_body(const uint8_t *body, size_t len, tl_buf *out)
{
	tl_signopts so;
	tl_err e;

	memset(&so, 0, sizeof(so));
	so.version[0] = 1;
	so.version[1] = 2;
	so.signer = sast->cert;
	so.key = sast->key;
	so.hash_alg = TL_HASH_SHA1;
	so.filename = "ITLFile.tlv";
	so.body = body;
	so.body_len = len;
	if (tl_sfile_sign(&so, out, &e))
		ck_abort_msg("%s", e.msg);
}

/* Re-signs a hand-edited body so only the record layer is hostile. */
static int parse_body(const uint8_t *body, size_t len, tl_err *e)
{
	tl_tlist l;
	tl_buf b;
	int rc;

	sign_body(body, len, &b);
	rc = tl_tlist_parse(&l, b.p, b.len, "edited", e);
	if (rc == 0)
		tl_tlist_free(&l);
	tl_buf_free(&b);
	return rc;
}

static void record(tl_buf *b, int variant)
{
	size_t at = b->len;

	tl_put_u16(b, 1, 0);
	if (variant != 1)
		tl_put_cstr(b, 2, "");
	tl_put_cstr(b, 3, variant == 2 ? "" : "CN=x");
	if (variant != 10)
		tl_put_u16(b, 4, 21);
	if (variant == 3)
		tl_put_u16(b, 4, 21);
	tl_put_cstr(b, 5, "CN=x");
	tl_put_u8(b, 6, 1);
	tl_put(b, 7, "\x30\x00", 2);
	tl_put(b, 8, "s", 1);
	if (variant == 4) {	/* unknown tags, skipped by length */
		tl_put_u8(b, 13, 1);
		tl_put(b, 0, "ab", 2);
		tl_put(b, 200, "abc", 3);
	}
	if (variant != 5) {
		tl_put(b, 11, "01234567890123456789", variant == 6 ? 19 : 20);
		tl_put_u8(b, 12, 1);
	}
	if (variant == 7)
		tl_put(b, 10, "\x01\x02", 2);
	tl_buf_set_u16(b, at + 3, (uint16_t)(b->len - at + (variant == 8 ? 50 : 0)));
	if (variant == 9)
		tl_buf_set_u16(b, at + 3, 3);
}

START_TEST(hostile_records)
{
	static const char *expect[] = {
		/* 1: no DNS_NAME, 4: unknown tags: read, as phones read them */
		[0] = NULL, [1] = NULL, [2] = "empty name",
		[3] = "duplicate tag 4", [4] = NULL,
		[5] = "neither CERTIFICATE", [6] = "does not fit",
		[7] = "IP address", [8] = "past the end", [9] = "shorter",
		[10] = "no ROLE",
	};

	for (int v = 0; v <= 10; v++) {
		tl_buf b;
		tl_err e;
		int rc;

		tl_buf_init(&b);
		record(&b, v);
		rc = parse_body(b.p, b.len, &e);
		if (expect[v] == NULL)
			ck_assert_msg(rc == 0, "variant %d: %s", v, e.msg);
		else {
			ck_assert_msg(rc == -1, "variant %d parsed", v);
			ck_assert_msg(strstr(e.msg, expect[v]) != NULL,
				      "variant %d: \"%s\" lacks \"%s\"", v, e.msg,
				      expect[v]);
			ck_assert_msg(strstr(e.msg, "byte") != NULL, "%s", e.msg);
		}
		tl_buf_free(&b);
	}
}
END_TEST

/* Records as other implementations write them: the signer's SAST record
 * with only ROLE and CERTIFICATE (tags in reverse order), a record without
 * DNS_NAME, and a hash-only record with nothing but ROLE and the hash. The
 * list parses, the SAST record takes issuer, serial and key from its
 * certificate, and the signature verifies with it. */
START_TEST(minimal_records_verify)
{
	uint8_t h[TL_HASH_MAX];
	tl_tlist l;
	tl_buf body, b;
	tl_err e;
	size_t at, signer;

	tl_buf_init(&body);
	at = body.len;
	tl_put_u16(&body, TL_R_LENGTH, 0);
	tl_put(&body, TL_R_CERTIFICATE, sast->cert->der, sast->cert->der_len);
	tl_put_u16(&body, TL_R_ROLE, TL_ROLE_SAST);
	tl_buf_set_u16(&body, at + 3, (uint16_t)(body.len - at));
	at = body.len;
	tl_put_u16(&body, TL_R_LENGTH, 0);
	tl_put_cstr(&body, TL_R_SUBJECT, ccm->cert->subject);
	tl_put_u16(&body, TL_R_ROLE, TL_ROLE_CCM_TFTP);
	tl_put(&body, TL_R_CERTIFICATE, ccm->cert->der, ccm->cert->der_len);
	tl_buf_set_u16(&body, at + 3, (uint16_t)(body.len - at));
	at = body.len;
	tl_put_u16(&body, TL_R_LENGTH, 0);
	tl_put_u16(&body, TL_R_ROLE, TL_ROLE_TVS);
	tl_put_u8(&body, TL_R_HASH_ALG, TL_HASH_SHA1);
	tl_put(&body, TL_R_CERT_HASH, h,
	       (size_t)tl_hash(TL_HASH_SHA1, capf->cert->der, capf->cert->der_len, h));
	tl_buf_set_u16(&body, at + 3, (uint16_t)(body.len - at));

	sign_body(body.p, body.len, &b);
	ck_assert_msg(tl_tlist_parse(&l, b.p, b.len, "other.tlv", &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(l.nrec, 3);
	ck_assert_ptr_null(l.rec[0].dns_name);
	ck_assert_str_eq(l.rec[0].subject, sast->cert->subject);
	ck_assert_str_eq(l.rec[0].issuer, sast->cert->issuer);
	ck_assert_msg(tl_tlist_verify(&l, NULL, &signer, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(signer, 0);
	ck_assert_int_eq(tl_record_check(&l, 1, &e), 0);
	ck_assert_ptr_null(l.rec[2].subject);
	ck_assert_str_eq(tl_record_name(&l.rec[2]), "(no subject)");
	ck_assert_int_eq(tl_record_matches_cert(&l.rec[2], capf->cert), 1);
	ck_assert_int_eq(tl_tlist_find(&l, capf->cert->issuer, capf->cert->serial,
				       capf->cert->serial_len, 0), -1);
	at = l.hdr.sig_off;
	tl_tlist_free(&l);
	/* one byte of the signature changed: still refused */
	b.p[at + 10] ^= 1;
	ck_assert_int_eq(tl_tlist_parse(&l, b.p, b.len, "other.tlv", &e), 0);
	ck_assert_int_eq(tl_tlist_verify(&l, NULL, &signer, &e), -1);
	tl_tlist_free(&l);
	tl_buf_free(&b);
	tl_buf_free(&body);
}
END_TEST

/* A record whose certificate carries another key than PUBLIC_KEY: verify
 * refuses it even though the signature itself would check out. */
START_TEST(record_cert_mismatch)
{
	tl_tlentry en[] = { entry(ccm, TL_ROLE_CCM_TFTP, 0) };
	tl_tlist l;
	tl_buf b;
	tl_err e;

	build(&b, en, 1, TL_HASH_SHA1, 0);
	ck_assert_int_eq(tl_tlist_parse(&l, b.p, b.len, "m", &e), 0);
	/* give the CCM record the SAST record's key, keeping its certificate */
	l.rec[1].pubkey = l.rec[0].pubkey;
	l.rec[1].pubkey_len = l.rec[0].pubkey_len;
	ck_assert_int_eq(tl_record_check(&l, 1, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "PUBLIC_KEY differs"));
	tl_tlist_free(&l);
	tl_buf_free(&b);
}
END_TEST

START_TEST(names_and_roles)
{
	ck_assert(tl_name_equal("CN=cucm-pub;OU=TAC;O=Cisco;L=Krakow;ST=Malopolska;C=PL",
				"CN=cucm-pub,OU=TAC,O=Cisco,L=Krakow,ST=Malopolska,C=PL"));
	ck_assert(tl_name_equal("CN=a\\,b,O=x", "CN=a\\2cb;O=x"));
	ck_assert(tl_name_equal("O=Acme, Inc.;CN=x", "O=Acme\\, Inc.,CN=x"));
	ck_assert(!tl_name_equal("CN=a,O=x", "O=x,CN=a"));
	ck_assert(!tl_name_equal("CN=a", "CN=b"));
	ck_assert(tl_serial_equal((const uint8_t *)"\x00\x81", 2,
				  (const uint8_t *)"\x81", 1));
	ck_assert_int_eq(tl_role_parse("ccm-tftp"), TL_ROLE_CCM_TFTP);
	ck_assert_int_eq(tl_role_parse("TVS"), TL_ROLE_TVS);
	ck_assert_int_eq(tl_role_parse("bogus"), -1);
	ck_assert_str_eq(tl_role_name(TL_ROLE_SAST),
			 "System Administrator Security Token");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("trustlist");
	TCase *tc = tcase_create("trustlist");

	sast = tu_ident_get("cm-pub", TL_KEY_RSA, 1024);
	recovery = tu_ident_get("ITLRECOVERY_cm-pub", TL_KEY_RSA, 1024);
	ccm = tu_ident_get("cm-pub-ccm", TL_KEY_RSA, 1024);
	tvs = tu_ident_get("cm-pub-tvs", TL_KEY_RSA, 1024);
	capf = tu_ident_get("CAPF-cm-pub", TL_KEY_RSA, 1024);
	app = tu_ident_get("tomcat", TL_KEY_RSA, 1024);
	ec = tu_ident_get("cm-pub-EC", TL_KEY_EC, 256);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, roundtrip_all_roles);
	tcase_add_test(tc, versions);
	tcase_add_test(tc, at_most_two_sast);
	tcase_add_test(tc, parse_refuses_three_sast);
	tcase_add_test(tc, verify_against_installed);
	tcase_add_test(tc, tamper_every_byte);
	tcase_add_test(tc, truncated_every_length);
	tcase_add_test(tc, hostile_records);
	tcase_add_test(tc, minimal_records_verify);
	tcase_add_test(tc, record_cert_mismatch);
	tcase_add_test(tc, names_and_roles);
	suite_add_tcase(s, tc);
	return tu_run(s);
}

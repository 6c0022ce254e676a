#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pki.h"
#include "testutil.h"
#include "trustlist.h"
#include "tvsindex.h"
#include "tvsproto.h"

static const tu_ident *leaf;

static void encode(const tl_tvs_msg *m, tl_buf *b)
{
	tl_err e;

	tl_buf_init(b);
	ck_assert_int_eq(tl_tvs_encode(m, b, &e), 0);
}

START_TEST(codec_roundtrip)
{
	tl_tvs_msg m, d;
	tl_buf b;
	size_t used;
	tl_err e;

	memset(&m, 0, sizeof(m));
	m.command = TL_TVS_VERIFY_REQUEST;
	m.session = 0x01020304;
	m.device = "CP-8865-SEP001122334455";
	m.device_len = strlen(m.device);
	m.cert = leaf->cert->der;
	m.cert_len = leaf->cert->der_len;
	encode(&m, &b);
	ck_assert_uint_eq(b.p[0], 0x57);
	ck_assert_uint_eq(b.p[1], 1);
	ck_assert_uint_eq(b.p[2], 1);
	ck_assert_uint_eq(b.p[3], 0);
	ck_assert_uint_eq(tl_get_u16(b.p + 8), b.len - 10);
	ck_assert_uint_eq(b.p[10], 1);		/* DEVICE_NAME tag */
	ck_assert_uint_eq(b.p[13], 0x01);	/* its marker */
	ck_assert_int_eq(tl_tvs_decode(b.p, b.len, &d, &used, &e), 1);
	ck_assert_uint_eq(used, b.len);
	ck_assert_uint_eq(d.session, 0x01020304);
	ck_assert_uint_eq(d.device_len, m.device_len);
	ck_assert_mem_eq(d.device, m.device, m.device_len);
	ck_assert_mem_eq(d.cert, m.cert, m.cert_len);
	/* every cut of the message asks for more, never fails or crashes */
	for (size_t n = 0; n < b.len; n++)
		ck_assert_int_eq(tl_tvs_decode(b.p, n, &d, &used, &e), 0);
	tl_buf_free(&b);

	memset(&m, 0, sizeof(m));
	m.command = TL_TVS_VERIFY_RESPONSE;
	m.session = 7;
	m.has_status = 1;
	m.status = TL_TVS_VALID;
	m.roles[0] = TL_ROLE_CCM_TFTP;
	m.roles[1] = TL_ROLE_TVS;
	m.nroles = 2;
	m.has_ttl = 1;
	m.ttl = 86400;
	encode(&m, &b);
	ck_assert_int_eq(tl_tvs_decode(b.p, b.len, &d, &used, &e), 1);
	ck_assert_uint_eq(d.nroles, 2);
	ck_assert_uint_eq(d.roles[1], TL_ROLE_TVS);
	ck_assert_uint_eq(d.ttl, 86400);
	tl_buf_free(&b);

	memset(&m, 0, sizeof(m));
	m.command = TL_TVS_QUERY_REQUEST;
	m.device = "CP-8865-SEP001122334455";
	m.device_len = strlen(m.device);
	m.issuer = "CN=cucm-pub;O=Lab";
	m.serial = (const uint8_t *)"\x01\x02";
	m.serial_len = 2;
	encode(&m, &b);
	ck_assert_int_eq(tl_tvs_decode(b.p, b.len, &d, &used, &e), 1);
	ck_assert_str_eq(d.issuer, "CN=cucm-pub;O=Lab");
	tl_buf_free(&b);
}
END_TEST

START_TEST(codec_hostile)
{
	static const struct { const char *bytes; size_t len; const char *why; } cases[] = {
		{ "\x58\x01\x01\x00\0\0\0\0\0\0", 10, "not a TVS" },
		{ "\x57\x02", 2, "not a TVS" },
		{ "\x57\x01\x09\x00\0\0\0\0\0\0", 10, "unknown command" },
		{ "\x57\x01\x01\x00\0\0\0\0\0\0", 10, "needs DEVICE_NAME" },
		{ "\x57\x01\x02\x00\0\0\0\0\0\x04\x07\x00\x01\x05", 14, "unknown STATUS" },
		{ "\x57\x01\x02\x00\0\0\0\0\0\x08\x07\x00\x01\x00\x07\x00\x01\x00", 18, "duplicate" },
		{ "\x57\x01\x02\x00\0\0\0\0\0\x04\x63\x00\x01\x00", 14, "unknown element" },
		{ "\x57\x01\x01\x00\0\0\0\0\0\x05\x01\x00\x02\x02\x41", 15, "0x01" },
		{ "\x57\x01\x02\x00\0\0\0\0\0\x03\x07\x00\x05", 13, "runs" },
	};
	tl_tvs_msg d;
	size_t used;
	tl_err e;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg(tl_tvs_decode((const uint8_t *)cases[i].bytes, cases[i].len,
					    &d, &used, &e) == -1, "case %zu decoded", i);
		ck_assert_msg(strstr(e.msg, cases[i].why) != NULL, "case %zu: %s", i, e.msg);
	}
}
END_TEST

START_TEST(index_roles_and_lookups)
{
	char dir[] = "/tmp/tl-tvs-XXXXXX", cmd[64];
	tl_tvs_index ix;
	const tl_tvs_entry *en;
	tl_cert *cm, *tvs;
	tl_store s;
	tl_conf c;
	tl_err e;
	char *semi, *p;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	tl_conf_defaults(&c);
	snprintf(c.name, sizeof(c.name), "lab");
	c.nnodes = tl_conf_parse_nodes("pub,sub", c.nodes, &e);
	memcpy(c.tftp_nodes, c.nodes, sizeof(c.nodes));
	c.ntftp_nodes = 2;
	ck_assert_int_eq(tl_pki_cluster_init(dir, &c, 1, NULL, &e), 0);
	ck_assert_int_eq(tl_store_open(&s, dir, &e), 0);
	ck_assert_int_eq(tl_store_trust_put(&s, "CallManager-trust", "other",
					    leaf->cert, &e), 0);
	ck_assert_int_eq(tl_tvs_index_build(&ix, &s, &e), 0);
	ck_assert_int_eq(tl_store_identity_load(&s, "CallManager", "sub", &cm, NULL, &e), 0);
	ck_assert_int_eq(tl_store_identity_load(&s, "TVS", "pub", &tvs, NULL, &e), 0);
	en = tl_tvs_find_der(&ix, cm->der, cm->der_len);
	ck_assert_ptr_nonnull(en);
	ck_assert_uint_eq(en->nroles, 1);
	ck_assert_uint_eq(en->roles[0], TL_ROLE_CCM_TFTP);
	ck_assert(tl_tvs_entry_valid(en, time(NULL)));
	ck_assert(!tl_tvs_entry_valid(en, cm->not_after + 1));
	en = tl_tvs_find_der(&ix, tvs->der, tvs->der_len);
	ck_assert_ptr_nonnull(en);
	ck_assert_uint_eq(en->roles[0], TL_ROLE_TVS);
	/* another cluster's certificate, imported for migration */
	en = tl_tvs_find_der(&ix, leaf->cert->der, leaf->cert->der_len);
	ck_assert_ptr_nonnull(en);
	ck_assert_uint_eq(en->roles[0], TL_ROLE_CCM_TFTP);
	ck_assert_str_eq(en->source, "CallManager-trust");
	/* issuer + serial, with Cisco's separator */
	semi = strdup(cm->issuer);
	for (p = semi; *p; p++)
		if (*p == ',')
			*p = ';';
	en = tl_tvs_find_serial(&ix, semi, cm->serial, cm->serial_len);
	ck_assert_ptr_nonnull(en);
	ck_assert_mem_eq(en->cert->der, cm->der, cm->der_len);
	ck_assert_ptr_null(tl_tvs_find_serial(&ix, "CN=nobody", cm->serial, cm->serial_len));
	ck_assert_ptr_null(tl_tvs_find_der(&ix, (const uint8_t *)"x", 1));
	free(semi);
	tl_cert_free(cm);
	tl_cert_free(tvs);
	tl_tvs_index_free(&ix);
	tl_store_close(&s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tvs");
	TCase *tc = tcase_create("tvs");

	leaf = tu_ident_get("other-cluster-pub", TL_KEY_RSA, 1024);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, codec_roundtrip);
	tcase_add_test(tc, codec_hostile);
	tcase_add_test(tc, index_roles_and_lookups);
	suite_add_tcase(s, tc);
	return tu_run(s);
}

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tvsclient.h"
#include "pki.h"
#include "tvsserver.h"
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

/* A two-node cluster "lab" (pub, sub) in a fresh directory, opened, with
 * leaf imported into CallManager-trust as another cluster's certificate. */
static void make_cluster(char *dir, tl_store *s)
{
	tl_conf c;
	tl_err e;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	tl_conf_defaults(&c);
	snprintf(c.name, sizeof(c.name), "lab");
	c.nnodes = tl_conf_parse_nodes("pub,sub", c.nodes, &e);
	memcpy(c.tftp_nodes, c.nodes, sizeof(c.nodes));
	c.ntftp_nodes = 2;
	ck_assert_int_eq(tl_pki_cluster_init(dir, &c, 1, NULL, &e), 0);
	ck_assert_int_eq(tl_store_open(s, dir, &e), 0);
	ck_assert_int_eq(tl_store_trust_put(s, "CallManager-trust", "other",
					    leaf->cert, &e), 0);
}

static void remove_cluster(const char *dir, tl_store *s)
{
	char cmd[64];

	tl_store_close(s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(index_roles_and_lookups)
{
	char dir[] = "/tmp/tl-tvs-XXXXXX";
	tl_tvs_index ix;
	const tl_tvs_entry *en;
	tl_cert *cm, *tvs;
	tl_store s;
	tl_err e;
	char *semi, *p;

	make_cluster(dir, &s);
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
	remove_cluster(dir, &s);
}
END_TEST

/* Runs one request through the server and decodes its answer. */
static long ask(tl_tvsd *d, const tl_tvs_msg *req, tl_tvs_msg *ans, tl_buf *out)
{
	tl_buf in;
	tl_err e;
	size_t used;
	long n;

	encode(req, &in);
	tl_buf_init(out);
	n = tl_tvsd_request(d, in.p, in.len, "test", out, &e);
	if (n > 0) {
		ck_assert_uint_eq((size_t)n, in.len);
		ck_assert_int_eq(tl_tvs_decode(out->p, out->len, ans, &used, &e), 1);
		ck_assert_uint_eq(used, out->len);
		ck_assert_uint_eq(ans->session, req->session);
		ck_assert_uint_eq(ans->command, req->command + 1);
	}
	tl_buf_free(&in);
	return n;
}

START_TEST(server_answers)
{
	char dir[] = "/tmp/tl-tvsd-XXXXXX";
	tl_tvs_msg req, ans;
	tl_cert *cm, *tvs;
	tl_buf in, out;
	tl_tvsd *d;
	tl_store s;
	tl_err e;

	make_cluster(dir, &s);
	s.conf.tvs.role_ttl[TL_ROLE_TVS] = 600;
	ck_assert_ptr_nonnull(d = tl_tvsd_new(&s, NULL, &e));
	ck_assert_int_eq(tl_store_identity_load(&s, "CallManager", "sub", &cm, NULL, &e), 0);
	ck_assert_int_eq(tl_store_identity_load(&s, "TVS", "sub", &tvs, NULL, &e), 0);

	tl_tvs_verify_msg(&req, "CP-8865-SEP001122334455", cm->der, cm->der_len);
	req.session = 41;
	ck_assert_int_gt(ask(d, &req, &ans, &out), 0);
	ck_assert_uint_eq(ans.status, TL_TVS_VALID);
	ck_assert_uint_eq(ans.nroles, 1);
	ck_assert_uint_eq(ans.roles[0], TL_ROLE_CCM_TFTP);
	ck_assert_uint_eq(ans.ttl, 86400);
	tl_buf_free(&out);
	/* the shortest TTL of the certificate's roles */
	tl_tvs_verify_msg(&req, "x", tvs->der, tvs->der_len);
	ck_assert_int_gt(ask(d, &req, &ans, &out), 0);
	ck_assert_uint_eq(ans.ttl, 600);
	tl_buf_free(&out);
	/* unknown: an answer, invalid, without roles */
	tl_tvs_verify_msg(&req, "x", tu_vector_signer()->cert->der,
			  tu_vector_signer()->cert->der_len);
	ck_assert_int_gt(ask(d, &req, &ans, &out), 0);
	ck_assert_uint_eq(ans.status, TL_TVS_INVALID);
	ck_assert_uint_eq(ans.nroles, 0);
	ck_assert(!ans.has_ttl);
	tl_buf_free(&out);
	/* QUERY by issuer and serial: the certificate itself */
	tl_tvs_query_msg(&req, "x", cm->issuer, cm->serial, cm->serial_len);
	req.session = 0xffffffff;
	ck_assert_int_gt(ask(d, &req, &ans, &out), 0);
	ck_assert_uint_eq(ans.status, TL_TVS_VALID);
	ck_assert_uint_eq(ans.cert_len, cm->der_len);
	ck_assert_mem_eq(ans.cert, cm->der, cm->der_len);
	tl_buf_free(&out);
	tl_tvs_query_msg(&req, "x", "CN=nobody", cm->serial, cm->serial_len);
	ck_assert_int_gt(ask(d, &req, &ans, &out), 0);
	ck_assert_uint_eq(ans.status, TL_TVS_INVALID);
	ck_assert_ptr_null(ans.cert);
	tl_buf_free(&out);

	/* two requests in one buffer: one at a time; a cut one waits */
	tl_tvs_verify_msg(&req, "x", cm->der, cm->der_len);
	encode(&req, &in);
	ck_assert_int_eq(tl_tvs_encode(&req, &in, &e), 0);
	tl_buf_init(&out);
	ck_assert_int_eq(tl_tvsd_request(d, in.p, in.len, "t", &out, &e),
			 (long)in.len / 2);
	ck_assert_int_eq(tl_tvsd_request(d, in.p, in.len / 2 - 1, "t", &out, &e), 0);
	/* a response sent as a request, another version: refused */
	in.p[2] = TL_TVS_VERIFY_RESPONSE;
	ck_assert_int_eq(tl_tvsd_request(d, in.p, in.len, "t", &out, &e), -1);
	in.p[2] = TL_TVS_VERIFY_REQUEST;
	in.p[1] = 2;
	ck_assert_int_eq(tl_tvsd_request(d, in.p, in.len, "t", &out, &e), -1);
	/* a header announcing more than 64 KB: refused before it arrives */
	in.p[1] = 1;
	in.p[8] = in.p[9] = 0xff;
	ck_assert_int_eq(tl_tvsd_request(d, in.p, 20, "t", &out, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "65545"));
	tl_buf_free(&in);
	tl_buf_free(&out);

	/* a reload sees what was added; an unchanged store is not rebuilt */
	ck_assert_int_eq(tl_tvsd_check(d, &e), 0);
	ck_assert_int_eq(tl_store_trust_put(&s, "Phone-SAST-trust", "other",
					    tu_vector_signer()->cert, &e), 0);
	ck_assert_int_eq(tl_store_bump(&s, &e), 0);
	ck_assert_int_eq(tl_tvsd_check(d, &e), 0);
	tl_tvs_verify_msg(&req, "x", tu_vector_signer()->cert->der,
			  tu_vector_signer()->cert->der_len);
	ck_assert_int_gt(ask(d, &req, &ans, &out), 0);
	ck_assert_uint_eq(ans.status, TL_TVS_VALID);
	ck_assert_uint_eq(ans.roles[0], TL_ROLE_SAST);
	tl_buf_free(&out);

	tl_cert_free(cm);
	tl_cert_free(tvs);
	tl_tvsd_free(d);
	remove_cluster(dir, &s);
}
END_TEST

START_TEST(client_pinning)
{
	char dir[] = "/tmp/tl-tvsc-XXXXXX", path[128];
	tl_cert *cm, *tvs;
	tl_tvs_pin pin = { 0 };
	tl_tvs_answer a;
	tl_tvs_msg m;
	tl_tlist itl;
	tl_store s;
	tl_err e;

	make_cluster(dir, &s);
	snprintf(path, sizeof(path), "%s/tftpboot/ITLFile.tlv", dir);
	ck_assert_int_eq(tl_tlist_load(&itl, path, &e), 0);
	ck_assert_int_eq(tl_store_identity_load(&s, "CallManager", "pub", &cm, NULL, &e), 0);
	ck_assert_int_eq(tl_store_identity_load(&s, "TVS", "sub", &tvs, NULL, &e), 0);
	/* the ITL's TVS records are hash-only: the digest decides */
	pin.itl = &itl;
	ck_assert_int_eq(tl_tvs_client_pinned(&pin, tvs->der, tvs->der_len, &e), 0);
	ck_assert_int_eq(tl_tvs_client_pinned(&pin, cm->der, cm->der_len, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "is not a TVS record"));
	pin.itl = NULL;
	pin.cert = tvs;
	ck_assert_int_eq(tl_tvs_client_pinned(&pin, tvs->der, tvs->der_len, &e), 0);
	ck_assert_int_eq(tl_tvs_client_pinned(&pin, cm->der, cm->der_len, &e), -1);

	/* answers must echo the request's command and session */
	memset(&m, 0, sizeof(m));
	m.command = TL_TVS_VERIFY_RESPONSE;
	m.session = 5;
	m.has_status = 1;
	ck_assert_int_eq(tl_tvs_take_answer(&m, TL_TVS_VERIFY_RESPONSE, 6, &a, &e), -1);
	ck_assert_int_eq(tl_tvs_take_answer(&m, TL_TVS_QUERY_RESPONSE, 5, &a, &e), -1);
	/* valid says for what and for how long */
	ck_assert_int_eq(tl_tvs_take_answer(&m, TL_TVS_VERIFY_RESPONSE, 5, &a, &e), -1);
	m.roles[0] = TL_ROLE_TVS;
	m.nroles = 1;
	m.has_ttl = 1;
	m.ttl = 5;
	ck_assert_int_eq(tl_tvs_take_answer(&m, TL_TVS_VERIFY_RESPONSE, 5, &a, &e), 0);
	ck_assert(a.valid);
	ck_assert_uint_eq(a.ttl, 5);
	tl_tvs_answer_free(&a);

	tl_cert_free(cm);
	tl_cert_free(tvs);
	tl_tlist_free(&itl);
	remove_cluster(dir, &s);
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
	tcase_add_test(tc, server_answers);
	tcase_add_test(tc, client_pinning);
	suite_add_tcase(s, tc);
	return tu_run(s);
}

/* Where a phone looks for its servers (phonenet.h): the option 150 list of
 * TFTP servers, and the TVS servers taken from the ITL's TVS records when
 * they carry an address, else those given, else the configuration's. */
#include <stdio.h>
#include <string.h>

#include "phonenet.h"
#include "testutil.h"
#include "trustlist.h"

START_TEST(server_lists)
{
	tl_phonecnf_server s[TL_PHONE_SERVERS];
	size_t n;

	ck_assert_int_eq(tl_phone_servers("10.0.0.1", 69, s, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(s[0].host, "10.0.0.1");
	ck_assert_int_eq(s[0].port, 69);
	ck_assert_int_eq(tl_phone_servers("127.0.0.1:6969,tftp2.lab:70,127.0.0.3", 69,
					  s, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(s[0].port, 6969);
	ck_assert_str_eq(s[1].host, "tftp2.lab");
	ck_assert_int_eq(s[1].port, 70);
	ck_assert_str_eq(s[2].host, "127.0.0.3");
	ck_assert_int_eq(s[2].port, 69);
	/* refused: empty, an empty member, a trailing comma, a bad port, nine */
	ck_assert_int_eq(tl_phone_servers("", 69, s, &n), -1);
	ck_assert_int_eq(tl_phone_servers("a,,b", 69, s, &n), -1);
	ck_assert_int_eq(tl_phone_servers("a,", 69, s, &n), -1);
	ck_assert_int_eq(tl_phone_servers("a:0", 69, s, &n), -1);
	ck_assert_int_eq(tl_phone_servers("a:70000", 69, s, &n), -1);
	ck_assert_int_eq(tl_phone_servers("a,b,c,d,e,f,g,h,i", 69, s, &n), -1);
	ck_assert_int_eq(tl_phone_servers("a,b,c,d,e,f,g,h", 69, s, &n), 0);
	ck_assert_uint_eq(n, TL_PHONE_SERVERS);
	ck_assert(tl_phone_tftp_unanswered(TL_TFTPC_TIMEOUT));
	ck_assert(!tl_phone_tftp_unanswered(TL_TFTPC_NOTFOUND));
	ck_assert(!tl_phone_tftp_unanswered(TL_TFTPC_REMOTE));
}
END_TEST

/* An ITL with two TVS records, one carrying 127.0.0.2, installed in p. */
static void install_itl(tl_phone *p, int with_ip)
{
	const tu_ident *signer = tu_ident_get("itl-signer", TL_KEY_RSA, 2048);
	const tu_ident *t1 = tu_ident_get("tvs1", TL_KEY_RSA, 2048);
	const tu_ident *t2 = tu_ident_get("tvs2", TL_KEY_RSA, 2048);
	tl_tlentry en[2];
	tl_tlopts o;
	tl_buf out;
	tl_err e;

	memset(en, 0, sizeof(en));
	en[0].cert = t1->cert;
	en[0].role = TL_ROLE_TVS;
	en[0].has_ip = with_ip;
	memcpy(en[0].ip, (uint8_t[]){ 127, 0, 0, 2 }, 4);
	en[1].cert = t2->cert;
	en[1].role = TL_ROLE_TVS;
	memset(&o, 0, sizeof(o));
	o.signer = signer->cert;
	o.key = signer->key;
	o.entries = en;
	o.n = 2;
	o.hash_alg = TL_HASH_SHA1;
	o.filename = "ITLFile.tlv";
	o.timestamp = 1;
	ck_assert_int_eq(tl_tlist_build(&o, &out, &e), 0);
	ck_assert_int_eq(tl_tlist_parse(&p->itl, out.p, out.len, "ITLFile.tlv", &e), 0);
	p->has_itl = 1;
	tl_buf_free(&out);
}

START_TEST(tvs_from_the_itl)
{
	tl_phonecnf_server given[TL_PHONE_SERVERS], out[TL_PHONE_SERVERS];
	tl_phonecnf last;
	tl_phone p;
	size_t ngiven;

	memset(&last, 0, sizeof(last));
	snprintf(last.tvs[0].host, sizeof(last.tvs[0].host), "pub.lab.example");
	last.tvs[0].port = 2445;
	last.ntvs = 1;
	ck_assert_int_eq(tl_phone_servers("127.0.0.1:1,127.0.0.1:2", 2445, given, &ngiven), 0);
	tl_phone_init(&p, "SEP001122334455", "CP-8865");
	/* no ITL: what was given, else the configuration's, else none */
	ck_assert_uint_eq(tl_phone_tvs_servers(&p, given, ngiven, &last, out), 2);
	ck_assert_int_eq(out[1].port, 2);
	ck_assert_uint_eq(tl_phone_tvs_servers(&p, NULL, 0, &last, out), 1);
	ck_assert_str_eq(out[0].host, "pub.lab.example");
	ck_assert_uint_eq(tl_phone_tvs_servers(&p, NULL, 0, NULL, out), 0);
	/* an ITL whose TVS records carry no address changes nothing */
	install_itl(&p, 0);
	ck_assert_uint_eq(tl_phone_tvs_servers(&p, given, ngiven, &last, out), 2);
	tl_phone_free(&p);
	/* the address the ITL carries wins, at the given port */
	tl_phone_init(&p, "SEP001122334455", "CP-8865");
	install_itl(&p, 1);
	ck_assert_uint_eq(tl_phone_tvs_servers(&p, given, ngiven, &last, out), 1);
	ck_assert_str_eq(out[0].host, "127.0.0.2");
	ck_assert_int_eq(out[0].port, 1);
	ck_assert_uint_eq(tl_phone_tvs_servers(&p, NULL, 0, &last, out), 1);
	ck_assert_int_eq(out[0].port, 2445);
	tl_phone_free(&p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("phonenet");
	TCase *tc = tcase_create("phonenet");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, server_lists);
	tcase_add_test(tc, tvs_from_the_itl);
	suite_add_tcase(s, tc);
	return tu_run(s);
}

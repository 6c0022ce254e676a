/* docs/phone-trust.md's scenarios against the phone's decision functions, with a
 * real cluster made by the PKI code and TVS answered from the real index
 * (over the same TLS-peer rule a phone applies to the TVS server). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "fromstore.h"
#include "phonetrust.h"
#include "pki.h"
#include "signedfile.h"
#include "testutil.h"
#include "tvsindex.h"

static char dir[64];
static tl_store st;

/* TVS as a phone reaches it: the server's certificate must be a TVS record
 * of the phone's ITL, then the index answers. */
struct tvs_ctx {
	tl_phone *phone;
	int down;
};

static int tvs(void *arg, const tl_cert *cert, const char *issuer,
	       const uint8_t *serial, size_t serial_len, tl_phone_tvs_answer *a)
{
	struct tvs_ctx *c = arg;
	const tl_tvs_entry *en;
	tl_tvs_index ix;
	tl_cert *server;
	tl_verdict v;
	tl_err e;

	snprintf(a->server, sizeof(a->server), "pub.lab.example:2445");
	if (c->down)
		return 0;
	ck_assert_int_eq(tl_store_identity_load(&st, "TVS", "pub", &server, NULL, &e), 0);
	if (tl_phone_peer(c->phone, "TVS pub.lab.example:2445", server, TL_ROLE_TVS,
			  NULL, NULL, &v)) {
		tl_cert_free(server);
		return 0;	/* TLS refused: unreachable as far as trust goes */
	}
	tl_cert_free(server);
	a->reachable = 1;
	ck_assert_int_eq(tl_tvs_index_build(&ix, &st, &e), 0);
	en = cert ? tl_tvs_find_der(&ix, cert->der, cert->der_len)
		  : tl_tvs_find_serial(&ix, issuer, serial, serial_len);
	if (tl_tvs_entry_valid(en, time(NULL))) {
		a->valid = 1;
		memcpy(a->roles, en->roles, en->nroles);
		a->nroles = en->nroles;
		a->ttl = 86400;
		if (!cert)
			tl_cert_from_der(en->cert->der, en->cert->der_len, &a->cert, &e);
	}
	tl_tvs_index_free(&ix);
	return 0;
}

static uint8_t *served(const char *name, size_t *len)
{
	char path[256];
	uint8_t *buf;
	tl_err e;

	snprintf(path, sizeof(path), "%s/tftpboot/%s", dir, name);
	ck_assert_msg(tl_read_file(path, TL_FILE_MAX, &buf, len, &e) == 0, "%s", e.msg);
	return buf;
}

static int boot_itl(tl_phone *p, struct tvs_ctx *c, tl_verdict *v)
{
	size_t len;
	uint8_t *itl = served("ITLFile.tlv", &len);
	int rc = tl_phone_itl(p, itl, len, NULL, tvs, c, v);

	free(itl);
	return rc;
}

/* A configuration signed by the TFTP node's current CallManager key, or by
 * the given identity. */
static void signed_config(const char *purpose, tl_buf *out)
{
	const char *xml = "<device><fullConfig>true</fullConfig></device>";
	tl_signopts o;
	tl_cert *c;
	tl_key *k;
	tl_err e;

	ck_assert_int_eq(tl_store_identity_load(&st, purpose, "pub", &c, &k, &e), 0);
	memset(&o, 0, sizeof(o));
	o.version[0] = 1;
	o.signer = c;
	o.key = k;
	o.hash_alg = TL_HASH_SHA1;
	o.filename = "SEP001122334455.cnf.xml.sgn";
	o.body = (const uint8_t *)xml;
	o.body_len = strlen(xml);
	ck_assert_int_eq(tl_sfile_sign(&o, out, &e), 0);
	tl_cert_free(c);
	tl_key_free(k);
}

static void regenerate(const char *purpose)
{
	tl_genopts o;
	tl_err e;

	memset(&o, 0, sizeof(o));
	o.purpose = purpose;
	o.key_type = -1;
	o.force = 1;
	o.key_bits = 0;
	ck_assert_msg(tl_pki_generate(&st, &o, NULL, &e) == 0, "%s", e.msg);
}

static void setup(void)
{
	tl_conf c;
	tl_err e;

	tl_conf_defaults(&c);
	snprintf(c.name, sizeof(c.name), "lab");
	snprintf(c.domain, sizeof(c.domain), "lab.example");
	c.nnodes = tl_conf_parse_nodes("pub", c.nodes, &e);
	memcpy(c.tftp_nodes, c.nodes, sizeof(c.nodes));
	c.ntftp_nodes = 1;
	c.key_bits = 1024;	/* fast keys; the rules allow RSA-1024 */
	strcpy(dir, "/tmp/tl-phone-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(tl_pki_cluster_init(dir, &c, 1, NULL, &e), 0);
	ck_assert_int_eq(tl_store_open(&st, dir, &e), 0);
}

static void teardown(void)
{
	char cmd[96];

	tl_store_close(&st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(first_boot_then_tftp_regenerated)
{
	struct tvs_ctx c;
	tl_phone p;
	tl_verdict v;
	tl_buf cfg;

	tl_phone_init(&p, "SEP001122334455", "CP-8865");
	c.phone = &p;
	c.down = 0;
	ck_assert_int_eq(boot_itl(&p, &c, &v), 0);
	ck_assert_ptr_nonnull(strstr(v.line, "trust on first use"));
	signed_config("CallManager", &cfg);
	ck_assert_int_eq(tl_phone_config(&p, "SEP001122334455.cnf.xml.sgn", cfg.p,
					 cfg.len, tvs, &c, &v), 0);
	ck_assert_ptr_nonnull(strstr(v.line, "CCM+TFTP record"));
	tl_buf_free(&cfg);

	/* TFTP certificate regenerated, TVS unchanged: TVS confirms the signer */
	regenerate("CallManager");
	ck_assert_int_eq(boot_itl(&p, &c, &v), 0);
	ck_assert_msg(strstr(v.line, "not in installed ITL -> TVS") &&
		      strstr(v.line, "VALID roles=CCM+TFTP") &&
		      strstr(v.line, "ACCEPTED"), "%s", v.line);
	/* and the configuration signed by the new key now verifies */
	signed_config("CallManager", &cfg);
	ck_assert_int_eq(tl_phone_config(&p, "SEP001122334455.cnf.xml.sgn", cfg.p,
					 cfg.len, tvs, &c, &v), 0);
	/* a tampered configuration is refused */
	cfg.p[cfg.len - 3] ^= 1;
	ck_assert_int_eq(tl_phone_config(&p, "SEP001122334455.cnf.xml.sgn", cfg.p,
					 cfg.len, tvs, &c, &v), 1);
	ck_assert_ptr_nonnull(strstr(v.line, "REJECTED"));
	tl_buf_free(&cfg);
	tl_phone_free(&p);
}
END_TEST

START_TEST(tftp_and_tvs_regenerated_together)
{
	struct tvs_ctx c;
	tl_phone p;
	tl_verdict v;
	tl_buf cfg;
	size_t len;
	uint8_t *itl;

	tl_phone_init(&p, "SEP001122334455", "CP-8865");
	c.phone = &p;
	c.down = 0;
	ck_assert_int_eq(boot_itl(&p, &c, &v), 0);
	regenerate("CallManager");
	regenerate("TVS");
	ck_assert_int_eq(boot_itl(&p, &c, &v), 1);
	ck_assert_msg(strstr(v.line, "TVS unreachable") && strstr(v.line, "REJECTED"),
		      "%s", v.line);
	signed_config("CallManager", &cfg);
	ck_assert_int_eq(tl_phone_config(&p, "SEP001122334455.cnf.xml.sgn", cfg.p,
					 cfg.len, tvs, &c, &v), 1);
	/* stuck until the ITL is erased; then first use again */
	tl_phone_erase_trust(&p);
	ck_assert_int_eq(boot_itl(&p, &c, &v), 0);
	ck_assert_int_eq(tl_phone_config(&p, "SEP001122334455.cnf.xml.sgn", cfg.p,
					 cfg.len, tvs, &c, &v), 0);
	tl_buf_free(&cfg);

	/* ITLRecovery re-signs (itl reset): accepted without TVS */
	regenerate("CallManager");
	c.down = 1;
	ck_assert_int_eq(boot_itl(&p, &c, &v), 1);
	ck_assert_ptr_nonnull(strstr(v.line, "TVS unreachable"));
	{
		tl_err e;

		ck_assert_int_eq(tl_itl_rebuild(&st, 1, NULL, &e), 0);
	}
	ck_assert_int_eq(boot_itl(&p, &c, &v), 0);
	ck_assert_msg(strstr(v.line, "SAST record #2 of the installed ITL"), "%s", v.line);
	itl = served("ITLFile.tlv", &len);
	free(itl);
	tl_phone_free(&p);
}
END_TEST

START_TEST(rollback_unknown_signer_and_peers)
{
	struct tvs_ctx c;
	tl_phone p;
	tl_verdict v;
	tl_buf cfg, rollback;
	tl_tlopts o;
	tl_cert *cm, *cert;
	tl_key *key;
	tl_err e;
	size_t len;
	uint8_t *itl;

	tl_phone_init(&p, "SEP001122334455", "CP-8865");
	c.phone = &p;
	c.down = 0;
	ck_assert_int_eq(boot_itl(&p, &c, &v), 0);
	/* a configuration signed by a certificate unknown to ITL and TVS */
	signed_config("ipsec", &cfg);
	ck_assert_int_eq(tl_phone_config(&p, "SEP001122334455.cnf.xml.sgn", cfg.p,
					 cfg.len, tvs, &c, &v), 1);
	ck_assert_msg(strstr(v.line, "not in CTL/ITL -> TVS") && strstr(v.line, "unknown"),
		      "%s", v.line);
	tl_buf_free(&cfg);
	ck_assert_int_eq(tl_phone_config(&p, "SEP001122334455.cnf.xml", (const uint8_t *)"<device/>",
					 9, tvs, &c, &v), 1);

	/* the rollback ITL: signed by the TFTP key, nothing else */
	ck_assert_int_eq(tl_store_identity_load(&st, "CallManager", "pub", &cm, &key, &e), 0);
	memset(&o, 0, sizeof(o));
	o.signer = cm;
	o.key = key;
	o.hash_alg = TL_HASH_SHA1;
	o.filename = "ITLFile.tlv";
	ck_assert_int_eq(tl_tlist_build(&o, &rollback, &e), 0);
	ck_assert_int_eq(tl_phone_itl(&p, rollback.p, rollback.len, NULL, tvs, &c, &v), 0);
	ck_assert_ptr_nonnull(strstr(v.line, "rollback ITL"));
	ck_assert_int_eq(tl_phone_config(&p, "SEP001122334455.cnf.xml", (const uint8_t *)"<device/>",
					 9, tvs, &c, &v), 0);
	/* a later populated ITL is accepted on first use */
	itl = served("ITLFile.tlv", &len);
	ck_assert_int_eq(tl_phone_itl(&p, itl, len, NULL, tvs, &c, &v), 0);
	ck_assert_ptr_nonnull(strstr(v.line, "trust on first use"));
	free(itl);
	tl_buf_free(&rollback);

	/* peers: call control by the ITL, TVS by its record, CAPF, expired */
	ck_assert_int_eq(tl_phone_peer(&p, "cucm 5061", cm, TL_ROLE_CCM, tvs, &c, &v), 0);
	ck_assert_ptr_nonnull(strstr(v.line, "CCM+TFTP record"));
	ck_assert_int_eq(tl_store_identity_load(&st, "tomcat", "pub", &cert, NULL, &e), 0);
	ck_assert_int_eq(tl_phone_peer(&p, "https 8443", cert, TL_ROLE_APP_SERVER, tvs,
				       &c, &v), 0);
	ck_assert_msg(strstr(v.line, "VALID roles=APP-SERVER"), "%s", v.line);
	/* the answer is cached for its TTL: TVS down, still trusted */
	c.down = 1;
	ck_assert_int_eq(tl_phone_peer(&p, "https 8443", cert, TL_ROLE_APP_SERVER, tvs,
				       &c, &v), 0);
	ck_assert_ptr_nonnull(strstr(v.line, "TVS cache"));
	p.now = cert->not_after + 10;
	ck_assert_int_eq(tl_phone_peer(&p, "https 8443", cert, TL_ROLE_APP_SERVER, tvs,
				       &c, &v), 1);
	ck_assert_ptr_nonnull(strstr(v.line, "expired"));
	tl_cert_free(cert);
	tl_cert_free(cm);
	tl_key_free(key);
	tl_phone_free(&p);
}
END_TEST

START_TEST(ctl_updates)
{
	tl_phone p;
	tl_verdict v;
	tl_tlopts o;
	tl_buf ctl, rogue;
	tl_cert *cert;
	tl_key *key;
	tl_err e;

	tl_phone_init(&p, "SEP001122334455", "CP-8865");
	ck_assert_int_eq(tl_phone_ctl(&p, NULL, 0, NULL, &v), 0);
	ck_assert_ptr_nonnull(strstr(v.line, "not on the server"));
	st.conf.mixed_mode = 1;
	ck_assert_int_eq(tl_ctl_rebuild(&st, NULL, &e), 0);
	{
		size_t len;
		uint8_t *b = served("CTLFile.tlv", &len);

		ck_assert_int_eq(tl_phone_ctl(&p, b, len, NULL, &v), 0);
		ck_assert_int_eq(tl_phone_ctl(&p, b, len, NULL, &v), 0);
		ck_assert_ptr_nonnull(strstr(v.line, "identical"));
		free(b);
	}
	/* an update signed by a key that is no SAST of the installed CTL */
	ck_assert_int_eq(tl_store_identity_load(&st, "tomcat", "pub", &cert, &key, &e), 0);
	memset(&o, 0, sizeof(o));
	o.signer = cert;
	o.key = key;
	o.hash_alg = TL_HASH_SHA1;
	o.filename = "CTLFile.tlv";
	ck_assert_int_eq(tl_tlist_build(&o, &rogue, &e), 0);
	ck_assert_int_eq(tl_phone_ctl(&p, rogue.p, rogue.len, NULL, &v), 1);
	ck_assert_ptr_nonnull(strstr(v.line, "not a SAST record of the installed CTL"));
	/* pinned anchor on first use: only that signer */
	tl_phone_erase_trust(&p);
	ck_assert_int_eq(tl_phone_ctl(&p, rogue.p, rogue.len, cert, &v), 0);
	tl_phone_erase_trust(&p);
	{
		tl_cert *cm;

		ck_assert_int_eq(tl_store_identity_load(&st, "CallManager", "pub", &cm,
							NULL, &e), 0);
		ck_assert_int_eq(tl_phone_ctl(&p, rogue.p, rogue.len, cm, &v), 1);
		ck_assert_ptr_nonnull(strstr(v.line, "pinned anchor"));
		tl_cert_free(cm);
	}
	(void)ctl;
	tl_buf_free(&rogue);
	tl_cert_free(cert);
	tl_key_free(key);
	tl_phone_free(&p);
}
END_TEST

/* An ITL offered to a phone that holds none, and which it cannot read: the
 * ITL is refused with the parse error, and the configuration is not then
 * accepted unverified as with no ITL offered; once a readable ITL comes,
 * all is as before. */
START_TEST(unreadable_itl_no_fallback)
{
	struct tvs_ctx c;
	tl_phone p;
	tl_verdict v;
	tl_buf cfg;
	size_t len;
	uint8_t *itl = served("ITLFile.tlv", &len);

	tl_phone_init(&p, "SEP001122334455", "CP-8865");
	c.phone = &p;
	c.down = 0;
	signed_config("CallManager", &cfg);
	/* no ITL on the server: a phone with no trust list takes it unverified */
	ck_assert_int_eq(tl_phone_itl(&p, NULL, 0, NULL, tvs, &c, &v), 0);
	ck_assert_int_eq(tl_phone_config(&p, "SEP001122334455.cnf.xml.sgn", cfg.p,
					 cfg.len, tvs, &c, &v), 0);
	ck_assert_ptr_nonnull(strstr(v.line, "accepted unverified"));
	/* the ITL cut short: refused, naming why */
	ck_assert_int_eq(tl_phone_itl(&p, itl, len - 7, NULL, tvs, &c, &v), 1);
	ck_assert_msg(strstr(v.line, "unreadable: ") && strstr(v.line, "REJECTED"),
		      "%s", v.line);
	ck_assert_int_eq(tl_phone_config(&p, "SEP001122334455.cnf.xml.sgn", cfg.p,
					 cfg.len, tvs, &c, &v), 1);
	ck_assert_msg(strstr(v.line, "the ITLFile.tlv offered was refused (unreadable: ") &&
		      strstr(v.line, "judged as a phone with no ITL and no CTL") &&
		      strstr(v.line, "-> REJECTED") &&
		      !strstr(v.line, "ACCEPTED"), "%s", v.line);
	ck_assert_int_eq(tl_phone_config(&p, "SEP001122334455.cnf.xml",
					 (const uint8_t *)"<device/>", 9, tvs, &c, &v), 1);
	ck_assert_ptr_nonnull(strstr(v.line, "unsigned no ITL installed"));
	/* the whole ITL: installed, the configuration verifies */
	ck_assert_int_eq(tl_phone_itl(&p, itl, len, NULL, tvs, &c, &v), 0);
	ck_assert_int_eq(tl_phone_config(&p, "SEP001122334455.cnf.xml.sgn", cfg.p,
					 cfg.len, tvs, &c, &v), 0);
	ck_assert_ptr_nonnull(strstr(v.line, "CCM+TFTP record"));
	free(itl);
	tl_buf_free(&cfg);
	tl_phone_free(&p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("phonetrust");
	TCase *tc = tcase_create("phonetrust");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, first_boot_then_tftp_regenerated);
	tcase_add_test(tc, tftp_and_tvs_regenerated_together);
	tcase_add_test(tc, rollback_unknown_signer_and_peers);
	tcase_add_test(tc, ctl_updates);
	tcase_add_test(tc, unreadable_itl_no_fallback);
	suite_add_tcase(s, tc);
	return tu_run(s);
}

/* Trust-list and signed-file throughput: a 50-record ITL signed with
 * RSA-2048/SHA-1 parsed and verified, against the floor of that work, one
 * bare RSA-2048 PKCS#1 v1.5 public-key operation of wolfSSL (the one place
 * outside lib/ that calls wolfSSL: it is the yardstick, not the product);
 * and signing and verifying a 6 KB .sgn with SHA-1 and SHA-512. */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/rsa.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchutil.h"
#include "buildinfo.h"
#include "signedfile.h"
#include "trustlist.h"

#define RECORDS 50
#define KEYS 4		/* RSA-2048 keys behind the 50 certificates */
#define TARGET 1.5	/* parse + verify within this factor of the floor */

static tl_key *keys[KEYS];
static tl_cert *certs[RECORDS];

static tl_cert *make_cert(int i, const tl_key *key)
{
	char cn[64];
	tl_certspec s = {
		.cn = cn, .ou = "VoIP", .o = "trustline bench", .c = "US",
		.not_before = 1577836800, .not_after = 2208988800,	/* 2020-2040 */
		.hash_alg = TL_HASH_SHA256,
		.key_usage = TL_KU_DIGITAL_SIGNATURE | TL_KU_KEY_ENCIPHERMENT,
	};
	tl_cert *c;
	tl_err e;

	snprintf(cn, sizeof(cn), "cucm-%02d.lab.example", i);
	if (tl_cert_make(&s, key, &c, &e))
		bu_die("certificate", e.msg);
	return c;
}

/* certs[0] signs (the SAST record the build adds); the other 49 come in
 * the proportions of a cluster: one recovery SAST, then CCM+TFTP, CCM,
 * TFTP, CAPF, APP-SERVER and TVS in turn, TVS hash-only as Cisco writes
 * it and every fifth record hash-only too. */
static void build_itl(tl_buf *out)
{
	static const int roles[] = { TL_ROLE_CCM_TFTP, TL_ROLE_CCM, TL_ROLE_TFTP,
		TL_ROLE_CAPF, TL_ROLE_APP_SERVER, TL_ROLE_TVS };
	tl_tlentry en[RECORDS - 1];
	tl_tlopts o;
	tl_err e;

	for (int i = 0; i < KEYS; i++)
		if (tl_key_generate(TL_KEY_RSA, 2048, &keys[i], &e))
			bu_die("key", e.msg);
	for (int i = 0; i < RECORDS; i++)
		certs[i] = make_cert(i, keys[i % KEYS]);
	memset(en, 0, sizeof(en));
	for (int i = 1; i < RECORDS; i++) {
		tl_tlentry *t = &en[i - 1];

		t->cert = certs[i];
		t->role = i == 1 ? TL_ROLE_SAST : roles[i % 6];
		t->hash_only = t->role == TL_ROLE_TVS || i % 5 == 0;
	}
	memset(&o, 0, sizeof(o));
	o.signer = certs[0];
	o.key = keys[0];
	o.entries = en;
	o.n = RECORDS - 1;
	o.hash_alg = TL_HASH_SHA1;
	o.filename = "ITLFile.tlv";
	o.timestamp = 1700000000;
	if (tl_tlist_build(&o, out, &e))
		bu_die("ITL", e.msg);
}

static const tl_buf *itl;

static int parse_verify(void *arg)
{
	tl_tlist l;
	tl_err e;
	size_t signer;
	int rc;

	(void)arg;
	if (tl_tlist_parse(&l, itl->p, itl->len, "ITLFile.tlv", &e))
		bu_die("parse", e.msg);
	rc = tl_tlist_verify(&l, NULL, &signer, &e);
	tl_tlist_free(&l);
	if (rc)
		bu_die("verify", e.msg);
	return signer != 0;
}

/* The floor: the signature of that very ITL through wolfSSL's RSA public
 * operation and PKCS#1 v1.5 unpadding, no hashing, no parsing. */
static struct {
	RsaKey key;
	const uint8_t *sig;
	size_t sig_len;
} bare;

static int bare_verify(void *arg)
{
	uint8_t out[256];
	int n;

	(void)arg;
	n = wc_RsaSSL_Verify(bare.sig, (word32)bare.sig_len, out, sizeof(out),
			     &bare.key);
	return n == 35 ? 0 : -1;	/* the SHA-1 DigestInfo */
}

static void bare_init(const tl_buf *b)
{
	tl_sfile h;
	tl_err e;
	word32 idx = 0;

	if (tl_sfile_parse(&h, b->p, b->len, "ITLFile.tlv", &e))
		bu_die("parse", e.msg);
	if (wc_InitRsaKey(&bare.key, NULL) != 0 ||
	    wc_RsaPublicKeyDecode(certs[0]->pubkey, &idx, &bare.key,
				  (word32)certs[0]->pubkey_len) != 0)
		bu_die("wolfSSL", "cannot load the signer's public key");
	bare.sig = h.sig;
	bare.sig_len = h.sig_len;
}

/* What no parser can avoid: the signature covers the whole file. */
static int hash_itl(void *arg)
{
	uint8_t h[TL_HASH_MAX];

	(void)arg;
	return tl_hash(TL_HASH_SHA1, itl->p, itl->len, h) == 20 ? 0 : -1;
}

/* A 6 KB configuration file, signed and verified as phones fetch it. */
static struct {
	uint8_t body[6144];
	int hash;
	tl_buf signed_file;
	tl_pub *pub;
} sgn;

static int sgn_sign(void *arg)
{
	tl_signopts o;
	tl_buf out;
	tl_err e;

	(void)arg;
	memset(&o, 0, sizeof(o));
	o.version[0] = 1;
	o.signer = certs[0];
	o.key = keys[0];
	o.hash_alg = sgn.hash;
	o.filename = "SEP001122334455.cnf.xml.sgn";
	o.timestamp = 1700000000;
	o.body = sgn.body;
	o.body_len = sizeof(sgn.body);
	if (tl_sfile_sign(&o, &out, &e))
		bu_die("sign", e.msg);
	tl_buf_free(&sgn.signed_file);
	sgn.signed_file = out;
	return 0;
}

static int sgn_verify(void *arg)
{
	tl_sfile h;
	tl_err e;

	(void)arg;
	if (tl_sfile_parse(&h, sgn.signed_file.p, sgn.signed_file.len,
			   "SEP001122334455.cnf.xml.sgn", &e) ||
	    tl_sfile_verify(&h, sgn.pub, &e))
		bu_die("sgn verify", e.msg);
	return 0;
}

int main(void)
{
	static const struct { int hash; const char *sign, *verify; } digests[] = {
		{ TL_HASH_SHA1, ".sgn 6 KB sign, RSA-2048/SHA-1",
		  ".sgn 6 KB parse + verify, RSA-2048/SHA-1" },
		{ TL_HASH_SHA512, ".sgn 6 KB sign, RSA-2048/SHA-512",
		  ".sgn 6 KB parse + verify, RSA-2048/SHA-512" },
	};
	char title[128];
	double pv, floor_ops, hash_ops, ratio;
	tl_buf b;
	tl_err e;

	build_itl(&b);
	itl = &b;
	bare_init(&b);
	snprintf(title, sizeof(title), "bench_tlist: %d-record ITL of %zu bytes, "
		 "RSA-2048/SHA-1", RECORDS, b.len);
	printf("\n");
	tl_print_wolfssl();
	bu_start(title);
	pv = bu_run("ITL parse + verify", parse_verify, NULL);
	floor_ops = bu_run("bare RSA-2048 verify (wolfSSL, the limit)",
			   bare_verify, NULL);
	hash_ops = bu_run("SHA-1 of the whole ITL (part of verify)", hash_itl,
			  NULL);

	for (size_t i = 0; i < sizeof(sgn.body); i++)
		sgn.body[i] = (uint8_t)("<device>configuration</device>\n"[i % 31]);
	if (tl_pub_from_cert(certs[0], &sgn.pub, &e))
		bu_die("public key", e.msg);
	tl_buf_init(&sgn.signed_file);
	for (size_t i = 0; i < sizeof(digests) / sizeof(digests[0]); i++) {
		sgn.hash = digests[i].hash;
		bu_run(digests[i].sign, sgn_sign, NULL);
		bu_run(digests[i].verify, sgn_verify, NULL);
	}

	ratio = floor_ops / pv;
	printf("\nratio ITL parse + verify / bare RSA verify: %.2fx (target <= "
	       "%.1fx): %s\n", ratio, TARGET, ratio <= TARGET ? "PASS" : "MISS");
	{
		double all = 1e6 / pv, sha = 1e6 / hash_ops, rsa = 1e6 / floor_ops;

		printf("  where its %.1f us go: SHA-1 of the %zu-byte file %.1f us (%.0f%%), "
		       "the RSA verify %.1f us (%.0f%%), parsing and the rest %.1f us (%.0f%%)\n",
		       all, b.len, sha, 100 * sha / all, rsa, 100 * rsa / all, all - sha - rsa,
		       100 * (all - sha - rsa) / all);
	}

	tl_buf_free(&sgn.signed_file);
	tl_pub_free(sgn.pub);
	wc_FreeRsaKey(&bare.key);
	tl_buf_free(&b);
	for (int i = 0; i < RECORDS; i++)
		tl_cert_free(certs[i]);
	for (int i = 0; i < KEYS; i++)
		tl_key_free(keys[i]);
	return 0;
}

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "file.h"
#include "signedfile.h"

#define MAX_IDENTS 32

/* Fixtures are made before the suites run too, outside any test, where
 * Check's assertions cannot report: fail loudly instead. */
static void die(const char *msg)
{
	fprintf(stderr, "test fixture: %s\n", msg);
	abort();
}

static struct {
	char cn[64];
	int type, bits;
	tu_ident id;
} cache[MAX_IDENTS];
static int ncache;

const tu_ident *tu_ident_get(const char *cn, int key_type, int bits)
{
	tl_certspec s;
	tl_err e;
	tu_ident *id;

	for (int i = 0; i < ncache; i++)
		if (strcmp(cache[i].cn, cn) == 0 && cache[i].type == key_type &&
		    cache[i].bits == bits)
			return &cache[i].id;
	if (ncache == MAX_IDENTS)
		die("too many test identities");
	id = &cache[ncache].id;
	snprintf(cache[ncache].cn, sizeof(cache[ncache].cn), "%s", cn);
	cache[ncache].type = key_type;
	cache[ncache].bits = bits;
	if (tl_key_generate(key_type, bits, &id->key, &e))
		die(e.msg);
	memset(&s, 0, sizeof(s));
	s.cn = cn;
	s.o = "trustline tests";
	s.ou = "VoIP";
	s.c = "US";
	s.not_before = 1577836800;	/* 2020-01-01 */
	s.not_after = 2208988800;	/* 2040-01-01 */
	s.hash_alg = TL_HASH_SHA256;
	s.key_usage = TL_KU_DIGITAL_SIGNATURE | TL_KU_KEY_ENCIPHERMENT;
	s.ext_key_usage = TL_EKU_SERVER_AUTH | TL_EKU_CLIENT_AUTH;
	if (tl_cert_make(&s, id->key, &id->cert, &e))
		die(e.msg);
	ncache++;
	return id;
}

void tu_sign(tl_buf *out, const tu_ident *id, int major, int hash,
	     const char *filename, const tl_buf *extra, const void *body,
	     size_t len)
{
	tl_signopts o;
	tl_err e;

	memset(&o, 0, sizeof(o));
	o.version[0] = (uint8_t)major;
	o.signer = id->cert;
	o.key = id->key;
	o.hash_alg = hash;
	o.filename = filename;
	o.timestamp = 1700000000;
	if (extra != NULL) {
		o.extra = extra->p;
		o.extra_len = extra->len;
	}
	o.body = body;
	o.body_len = len;
	if (tl_sfile_sign(&o, out, &e))
		ck_abort_msg("%s", e.msg);
}

uint8_t *tu_vector(const char *name, size_t *len)
{
	char path[512];
	uint8_t *buf;
	tl_err e;

	snprintf(path, sizeof(path), "tests/vectors/%s", name);
	if (tl_read_file(path, TL_FILE_MAX, &buf, len, &e))
		die(e.msg);
	return buf;
}

const tu_ident *tu_vector_signer(void)
{
	static tu_ident id;
	tl_err e;

	if (id.cert == NULL) {
		if (tl_cert_load("tests/vectors/signer.pem", &id.cert, &e) ||
		    tl_key_load("tests/vectors/signer.pem", &id.key, &e))
			die(e.msg);
	}
	return &id;
}

int tu_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

void tu_database(tl_conf *c)
{
	const char *url = getenv("TRUSTLINE_TEST_PG_URL");
	PGconn *pg;
	PGresult *r;

	if (url == NULL || !*url)
		return;
	snprintf(c->db_url, sizeof(c->db_url), "%s", url);
	pg = PQconnectdb(url);
	r = PQexec(pg, "SET client_min_messages = warning; DROP SCHEMA public"
		   " CASCADE; CREATE SCHEMA public");
	/* also called by fixtures outside a test, where ck_assert cannot report */
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		fprintf(stderr, "%s: %s\n", url, PQerrorMessage(pg));
		abort();
	}
	PQclear(r);
	PQfinish(pg);
}

#include "fuzzutil.h"

#include <stdlib.h>
#include <string.h>

/* Setup failures are not findings: say what broke and stop. */
static void die(const char *what, const char *msg)
{
	fprintf(stderr, "fuzz setup: %s: %s\n", what, msg);
	abort();
}

const fz_ident *fz_ident_get(void)
{
	static fz_ident id;
	tl_certspec s;
	tl_err e;

	if (id.pub != NULL)
		return &id;
	if (tl_key_generate(TL_KEY_RSA, 1024, &id.key, &e))
		die("key", e.msg);
	memset(&s, 0, sizeof(s));
	s.cn = "fuzz-signer";
	s.o = "trustline fuzz";
	s.not_before = 1577836800;	/* 2020-01-01 */
	s.not_after = 2208988800;	/* 2040-01-01 */
	s.hash_alg = TL_HASH_SHA256;
	if (tl_cert_make(&s, id.key, &id.cert, &e))
		die("certificate", e.msg);
	if (tl_pub_from_cert(id.cert, &id.pub, &e))
		die("public key", e.msg);
	return &id;
}

FILE *fz_devnull(void)
{
	static FILE *f;

	if (f == NULL && (f = fopen("/dev/null", "w")) == NULL)
		die("/dev/null", "cannot open");
	return f;
}

void fz_require(int ok, const char *msg)
{
	if (!ok) {
		fprintf(stderr, "fuzz: property violated: %s\n", msg);
		abort();
	}
}

tl_cert *fz_cert(const char *pem)
{
	tl_cert *c = NULL;
	tl_err e;

	fz_require(tl_cert_from_mem((const uint8_t *)pem, strlen(pem), "pem", &c, &e) == 0,
		   "the fixed certificates load");
	return c;
}

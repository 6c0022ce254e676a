/* `cert check`: the certificate problems administrators meet in the field
 * (docs/certificates.md, last section), each named with what to do. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "certder.h"
#include "pki.h"

static int add(tl_problem *out, int n, int max, const char *code,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int add(tl_problem *out, int n, int max, const char *code,
	       const char *fmt, ...)
{
	va_list ap;

	if (n >= max)
		return n;
	snprintf(out[n].code, sizeof(out[n].code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(out[n].msg, sizeof(out[n].msg), fmt, ap);
	va_end(ap);
	return n + 1;
}

static const struct { unsigned bit; const char *name; } ku_names[] = {
	{ TL_KU_DIGITAL_SIGNATURE, "digitalSignature" },
	{ TL_KU_KEY_ENCIPHERMENT, "keyEncipherment" },
	{ TL_KU_DATA_ENCIPHERMENT, "dataEncipherment" },
	{ TL_KU_KEY_AGREEMENT, "keyAgreement" },
	{ TL_KU_KEY_CERT_SIGN, "keyCertSign" },
}, eku_names[] = {
	{ TL_EKU_SERVER_AUTH, "serverAuth (server authentication)" },
	{ TL_EKU_CLIENT_AUTH, "clientAuth (client authentication)" },
	{ TL_EKU_IPSEC_END_SYSTEM, "ipsecEndSystem" },
};

const char *tl_pki_missing_usage(const tl_cert *c, const tl_purpose *p)
{
	for (size_t i = 0; i < sizeof(eku_names) / sizeof(eku_names[0]); i++)
		if ((p->eku & eku_names[i].bit) && !(c->ext_key_usage & eku_names[i].bit))
			return eku_names[i].name;
	for (size_t i = 0; i < sizeof(ku_names) / sizeof(ku_names[0]); i++)
		if ((p->ku & ku_names[i].bit) && c->key_usage &&
		    !(c->key_usage & ku_names[i].bit))
			return ku_names[i].name;
	return NULL;
}

static int host_matches(const tl_cert *c, const char *host)
{
	const char *cn = strstr(c->subject, "CN=");
	size_t hl = strlen(host);

	for (size_t i = 0; i < c->nsan; i++)
		if (strcasecmp(c->san[i], host) == 0)
			return 1;
	return cn && (cn == c->subject || cn[-1] == ',') &&
	       strncasecmp(cn + 3, host, hl) == 0 &&
	       (cn[3 + hl] == 0 || cn[3 + hl] == ',');
}

int tl_pki_lint(const tl_lintreq *r, tl_problem *out, int max)
{
	const tl_cert *c = r->cert;
	time_t now = r->now ? r->now : time(NULL);
	int n = 0, rc, bad_time;
	char why[256];
	tl_err e;

	if (r->purpose) {
		for (size_t i = 0; i < sizeof(eku_names) / sizeof(eku_names[0]); i++)
			if ((r->purpose->eku & eku_names[i].bit) &&
			    !(c->ext_key_usage & eku_names[i].bit))
				n = add(out, n, max, "missing-eku", "lacks the %s extended "
					"key usage required for %s: reissue it from a CSR "
					"made by `trustline cert csr %s`", eku_names[i].name,
					r->purpose->name, r->purpose->name);
		for (size_t i = 0; i < sizeof(ku_names) / sizeof(ku_names[0]); i++)
			if ((r->purpose->ku & ku_names[i].bit) && c->key_usage &&
			    !(c->key_usage & ku_names[i].bit))
				n = add(out, n, max, "missing-ku", "lacks the %s key usage "
					"required for %s: the CA must keep the CSR's key "
					"usage", ku_names[i].name, r->purpose->name);
		if (c->key_type != r->purpose->key_type)
			n = add(out, n, max, "key-type", "%s certificates need an %s key",
				r->purpose->name,
				r->purpose->key_type == TL_KEY_RSA ? "RSA" : "EC");
	}
	if (strstr(c->subject, "CN=*"))
		n = add(out, n, max, "wildcard", "wildcard common name: phones refuse "
			"wildcard certificates; name each host");
	for (size_t i = 0; i < c->nsan; i++)
		if (strchr(c->san[i], '*'))
			n = add(out, n, max, "wildcard", "wildcard subjectAltName %s: "
				"phones refuse it; list each host", c->san[i]);
	if (c->key_type == TL_KEY_RSA && c->key_bits > 4096)
		n = add(out, n, max, "key-size", "RSA-%d key: keys above 4096 bits are "
			"not supported; reissue with 2048", c->key_bits);
	else if (c->key_type == TL_KEY_RSA && c->key_bits < 1024)
		n = add(out, n, max, "key-size", "RSA-%d key is too small: use 2048",
			c->key_bits);
	else if (c->key_type == TL_KEY_EC && c->key_bits != 256 && c->key_bits != 384)
		n = add(out, n, max, "key-size", "EC-%d key: use P-256 or P-384",
			c->key_bits);
	/* a time wolfSSL read leniently says nothing reliable about expiry */
	bad_time = tl_certder_time_problem(c->der, c->der_len, why, sizeof(why));
	if (bad_time)
		n = add(out, n, max, "time-format", "%s", why);
	if (!bad_time && c->not_after < now)
		n = add(out, n, max, "expired", "expired %ld days ago: regenerate it or "
			"upload a renewed certificate", (long)((now - c->not_after) / 86400));
	if (!bad_time && c->not_before > now)
		n = add(out, n, max, "not-yet-valid", "not valid before %ld s from now: "
			"check the clocks of the CA and this host",
			(long)(c->not_before - now));
	if (c->sig_hash == TL_HASH_SHA1 || c->sig_hash == TL_HASH_MD5 || c->sig_hash == 0)
		n = add(out, n, max, "weak-signature", "signed with %s, a weak or "
			"unsupported algorithm: reissue with SHA-256", c->sig_alg);
	/* every signature, a self-signed certificate's own included */
	if (tl_name_equal(c->subject, c->issuer) && !tl_cert_issued_by(c, c))
		n = add(out, n, max, "bad-signature", "its own signature does not "
			"verify: the file is damaged or was altered; get the "
			"certificate again from where it was issued");
	else if (!tl_name_equal(c->subject, c->issuer) &&
		 (rc = tl_chain_check(c, r->pool, r->npool, &e)) != 0)
		n = add(out, n, max, rc == -2 ? "bad-signature" : "chain-incomplete",
			"%s", e.msg);
	if (r->host && !host_matches(c, r->host))
		n = add(out, n, max, "host", "host name %s is in neither the CN nor the "
			"subjectAltName: phones reaching the server by that name will "
			"refuse it; add it with --san", r->host);
	if (r->key && tl_key_matches(r->key, c, &e))
		n = add(out, n, max, "key-mismatch", "the private key does not belong "
			"to this certificate");
	if (r->key_file && r->key_file_len > 0 &&
	    r->key_file[r->key_file_len - 1] != '\n')
		n = add(out, n, max, "key-newline", "the key file does not end with a "
			"newline: some tools then reject it; append one");
	return n;
}

/* CA-signed identity certificates: a CSR with the purpose's extensions,
 * then the import of what the CA returns. The pending CSR's key waits in
 * csr/<purpose>/<node>.key until then. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "file.h"
#include "pki.h"

static int pending_path(const tl_store *s, char *out, size_t n,
			const tl_purpose *p, const char *node, const char *ext)
{
	return tl_store_path(s, out, n, "csr/%s/%s.%s", p->name, node, ext);
}

int tl_pki_csr(tl_store *s, const tl_csropts *o, char **pem, FILE *report,
	       tl_err *e)
{
	const tl_conf *c = &s->conf;
	const tl_purpose *p;
	const char *node;
	char rel[256], *kpem = NULL;
	int type, bits = 0, rc = -1;
	tl_cert *cur = NULL;
	tl_key *cur_key = NULL, *key = NULL;
	uint8_t *der = NULL;
	size_t der_len;
	tl_certspec spec;
	tl_subject sub;

	*pem = NULL;
	if (tl_pki_target(c, o->purpose, o->node, &p, &node, e))
		return -1;
	if (tl_store_identity_exists(s, p->name, node) &&
	    tl_store_identity_load(s, p->name, node, &cur, &cur_key, e))
		return -1;
	tl_pki_key_params(c, p, cur_key, &type, &bits);
	if (tl_pki_check_params(c, p, type, bits, c->hash_alg, c->years, report, e) ||
	    tl_pki_spec(c, p, node, o->san, o->include_ou, &sub, &spec, e))
		goto out;
	spec.hash_alg = type == TL_KEY_EC && bits == 384 ? TL_HASH_SHA384 : c->hash_alg;
	if (tl_key_generate(type, bits, &key, e) ||
	    tl_csr_make(&spec, key, &der, &der_len, e) ||
	    tl_csr_to_pem(der, der_len, pem, e) || tl_key_to_pem(key, &kpem, e))
		goto out;
	/* a new request replaces the pending one, key first */
	snprintf(rel, sizeof(rel), "csr/%s/%s.key", p->name, node);
	if (tl_store_write(s, rel, kpem, strlen(kpem), 0600, e))
		goto out;
	snprintf(rel, sizeof(rel), "csr/%s/%s.csr", p->name, node);
	if (tl_store_write(s, rel, *pem, strlen(*pem), 0644, e))
		goto out;
	snprintf(rel, sizeof(rel), "%s/%s", p->name, node);
	rc = tl_store_audit(s, "csr", rel, cur, NULL, e);
	if (rc == 0 && report)
		fprintf(report, "CSR for %s of %s: %s, %s-%d; pending in csr/%s/%s.csr "
			"until `trustline cert import %s` receives the signed "
			"certificate\n", p->name, node, sub.cn,
			type == TL_KEY_RSA ? "RSA" : "EC", bits, p->name, node, p->name);
out:
	if (rc) {
		free(*pem);
		*pem = NULL;
	}
	if (kpem)
		explicit_bzero(kpem, strlen(kpem));
	free(kpem);
	free(der);
	tl_cert_free(cur);
	tl_key_free(cur_key);
	tl_key_free(key);
	return rc;
}

int tl_pki_import(tl_store *s, const char *purpose, const char *node_in,
		  const tl_cert *cert, tl_cert *const *chain, size_t nchain,
		  FILE *report, tl_err *e)
{
	const tl_purpose *p;
	const char *node, *missing;
	char path[1500];
	tl_cert **pool = NULL, *old = NULL;
	tl_key *key = NULL;
	size_t npool = 0;
	tl_subject sub;
	tl_certspec spec;
	time_t now = time(NULL);
	int rc = -1;

	if (tl_pki_target(&s->conf, purpose, node_in, &p, &node, e))
		return -1;
	pending_path(s, path, sizeof(path), p, node, "key");
	if (access(path, F_OK) != 0)
		return tl_fail(e, "no pending CSR for %s of %s: run `trustline cert "
			       "csr %s` and have the CA sign it first", p->name, node,
			       p->name);
	if (tl_key_load(path, &key, e))
		return -1;
	if (tl_key_matches(key, cert, e)) {
		tl_fail(e, "the certificate %s does not carry the key of the pending "
			"CSR for %s: it was not issued for that request", cert->subject,
			p->name);
		goto out;
	}
	if ((missing = tl_pki_missing_usage(cert, p)) != NULL) {
		tl_fail(e, "the certificate lacks %s, which %s needs: the CA dropped "
			"it from the request; ask the CA to keep the CSR's key usage",
			missing, p->name);
		goto out;
	}
	if (cert->not_after < now || cert->not_before > now) {
		tl_fail(e, "the certificate is %s", cert->not_after < now ?
			"expired" : "not yet valid");
		goto out;
	}
	if (tl_name_equal(cert->subject, cert->issuer)) {
		tl_fail(e, "the certificate is self-signed, not CA-signed: use "
			"`trustline cert generate %s`", p->name);
		goto out;
	}
	if (tl_pki_trust_pool(s, nchain, &pool, &npool, e))
		goto out;
	memcpy(pool + npool, chain, nchain * sizeof(*chain));
	if (tl_chain_check(cert, pool, npool + nchain, e))
		goto out;
	/* the CA's certificates join the purpose's trust store */
	for (size_t i = 0; i < nchain; i++) {
		char name[128];

		tl_store_trust_name(chain[i], name, sizeof(name));
		if (tl_store_trust_put(s, p->trust_store, name, chain[i], e))
			goto out;
	}
	if (tl_pki_spec(&s->conf, p, node, NULL, 1, &sub, &spec, e))
		goto out;
	if (tl_store_identity_exists(s, p->name, node) &&
	    tl_store_identity_load(s, p->name, node, &old, NULL, e))
		goto out;
	if (tl_pki_journal_begin(s, p, node, old, cert, e))
		goto out;
	for (int i = 0; i < sub.nn; i++)
		if (tl_store_identity_save(s, p->name, sub.nodes[i], cert, key, e))
			goto out;
	pending_path(s, path, sizeof(path), p, node, "csr");
	unlink(path);
	pending_path(s, path, sizeof(path), p, node, "key");
	unlink(path);
	if (report)
		fprintf(report, "imported the CA-signed %s certificate of %s (issuer "
			"%s)\n", p->name, node, cert->issuer);
	rc = tl_pki_cascade(s, p, node, old, old != NULL, cert, 1, report, e);
out:
	for (size_t i = 0; i < npool; i++)
		tl_cert_free(pool[i]);
	free(pool);
	tl_cert_free(old);
	tl_key_free(key);
	return rc;
}

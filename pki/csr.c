/* CA-signed identity certificates: a CSR with the purpose's extensions,
 * then the import of what the CA returns. The pending CSR's key waits in
 * csr/<purpose>/<node>.key until then. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
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
	int type, bits = 0, hash, rc = -1;
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
	tl_pki_key_params(c, p, cur_key, o->key_type, o->key_bits, o->hash_alg,
			  &type, &bits, &hash);
	if (tl_pki_check_params(c, p, type, bits, hash, c->years, report, e) ||
	    tl_pki_spec(c, p, node, o->san, o->include_ou, &sub, &spec, e))
		goto out;
	spec.hash_alg = hash;
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
		fprintf(report, "CSR for %s of %s: %s, %s-%d, %s; pending in csr/%s/%s.csr "
			"until `trustline cert import %s` receives the signed "
			"certificate\n", p->name, node, sub.cn,
			type == TL_KEY_RSA ? "RSA" : "EC", bits, tl_hash_name(hash),
			p->name, node, p->name);
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

static int no_pending(tl_err *e, const tl_purpose *p, const char *node)
{
	return tl_fail(e, "no pending CSR for %s of %s (`trustline cert csr list` "
		       "shows the pending ones)", p->name, node);
}

static int pending_one(tl_store *s, const tl_purpose *p, const char *node,
		       tl_pending *out, tl_err *e)
{
	char path[1500];
	uint8_t *buf;
	size_t len;
	struct stat st;

	memset(out, 0, sizeof(*out));
	out->purpose = p;
	snprintf(out->node, sizeof(out->node), "%s", node);
	pending_path(s, path, sizeof(path), p, node, "csr");
	if (stat(path, &st) < 0 || tl_read_file(path, 65536, &buf, &len, e))
		return tl_fail(e, "%s: cannot read the pending request", path);
	out->created = st.st_mtime;
	if (tl_csr_from_pem(buf, len, &out->req, e)) {
		free(buf);
		return tl_wrap(e, "%s", path);
	}
	out->pem = (char *)buf;
	return 0;
}

int tl_pki_pending(tl_store *s, const char *purpose, const char *node,
		   tl_pending **out, size_t *n, tl_err *e)
{
	const tl_purpose *only = NULL;
	const char *only_node = NULL;
	tl_pending *v = NULL;
	size_t nv = 0;

	*out = NULL;
	*n = 0;
	if (purpose && tl_pki_target(&s->conf, purpose, node, &only, &only_node, e))
		return -1;
	for (size_t i = 0; i < tl_npurposes; i++) {
		const tl_purpose *p = &tl_purposes[i];
		char dir[1200];
		struct dirent *de;
		DIR *dp;

		if (only && only != p)
			continue;
		tl_store_path(s, dir, sizeof(dir), "csr/%s", p->name);
		if ((dp = opendir(dir)) == NULL)
			continue;
		while ((de = readdir(dp)) != NULL) {
			size_t l = strlen(de->d_name);
			char nd[64];
			tl_pending *grown;

			if (l < 5 || l - 4 >= sizeof(nd) ||
			    strcmp(de->d_name + l - 4, ".csr"))
				continue;
			snprintf(nd, sizeof(nd), "%.*s", (int)(l - 4), de->d_name);
			if (only_node && strcasecmp(nd, only_node))
				continue;
			if ((grown = realloc(v, (nv + 1) * sizeof(*v))) == NULL) {
				closedir(dp);
				tl_pki_pending_free(v, nv);
				return tl_fail(e, "out of memory");
			}
			v = grown;
			if (pending_one(s, p, nd, &v[nv], e)) {
				closedir(dp);
				tl_pki_pending_free(v, nv);
				return -1;
			}
			nv++;
		}
		closedir(dp);
	}
	if (only && nv == 0)
		return no_pending(e, only, only_node);
	*out = v;
	*n = nv;
	return 0;
}

void tl_pki_pending_free(tl_pending *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		tl_cert_free(v[i].req);
		free(v[i].pem);
	}
	free(v);
}

int tl_pki_csr_delete(tl_store *s, const char *purpose, const char *node_in,
		      FILE *report, tl_err *e)
{
	const tl_purpose *p;
	const char *node;
	char path[1500], rel[256];

	if (tl_pki_target(&s->conf, purpose, node_in, &p, &node, e))
		return -1;
	pending_path(s, path, sizeof(path), p, node, "csr");
	if (access(path, F_OK) != 0)
		return no_pending(e, p, node);
	/* the key goes first: a request without its key can only be discarded */
	pending_path(s, path, sizeof(path), p, node, "key");
	if (unlink(path) < 0 && errno != ENOENT)
		return tl_fail(e, "%s: %s", path, strerror(errno));
	pending_path(s, path, sizeof(path), p, node, "csr");
	if (unlink(path) < 0 && errno != ENOENT)
		return tl_fail(e, "%s: %s", path, strerror(errno));
	snprintf(rel, sizeof(rel), "%s/%s", p->name, node);
	if (tl_store_audit(s, "csr delete", rel, NULL, NULL, e))
		return -1;
	if (report)
		fprintf(report, "discarded the pending CSR for %s of %s and its key\n",
			p->name, node);
	return 0;
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

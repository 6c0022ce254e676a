/* Phone migration between clusters: a phone moving to another cluster
 * still holds this cluster's ITL, so the other cluster's TVS must vouch for
 * this cluster's TFTP (CallManager) certificates. export-bulk writes them to
 * a directory; import-bulk, on the other cluster, puts them in
 * CallManager-trust (docs/certificates.md: TVS vouches for it as CCM+TFTP). */
#include <errno.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "file.h"
#include "pki.h"

#define MANIFEST "manifest.ini"

static int join(char *out, size_t n, const char *dir, const char *file, tl_err *e)
{
	int len = snprintf(out, n, "%s/%s", dir, file);

	return len < 0 || (size_t)len >= n ? tl_fail(e, "%s: path too long", dir) : 0;
}

int tl_pki_bulk_export(tl_store *s, const char *dir, FILE *report, tl_err *e)
{
	const tl_purpose *p = tl_purpose_find("CallManager");
	char path[1200], stamp[32], files[TL_MAX_NODES][128];
	tl_cert *certs[TL_MAX_NODES];
	int n = 0, rc = -1;
	char *text = NULL;
	size_t len = 0;
	time_t now = time(NULL);
	struct tm tm;
	FILE *m;

	for (int i = 0; i < s->conf.nnodes; i++) {
		const char *node = s->conf.nodes[i];
		tl_cert *c;

		if (!tl_conf_is_tftp(&s->conf, node))
			continue;
		if (!tl_store_identity_exists(s, p->name, node)) {
			tl_fail(e, "TFTP node %s has no CallManager certificate: run "
				"`trustline cert generate CallManager --node %s`", node,
				node);
			goto out;
		}
		if (tl_store_identity_load(s, p->name, node, &c, NULL, e))
			goto out;
		/* a multi-server certificate serves every node once */
		for (int k = 0; k < n && c; k++)
			if (certs[k]->der_len == c->der_len &&
			    memcmp(certs[k]->der, c->der, c->der_len) == 0) {
				tl_cert_free(c);
				c = NULL;
			}
		if (c) {
			certs[n] = c;
			tl_store_trust_name(c, files[n], sizeof(files[n]) - 4);
			strcat(files[n++], ".pem");
		}
	}
	if (n == 0) {
		tl_fail(e, "the cluster has no TFTP node (tftp_nodes in trustline.conf)");
		goto out;
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		tl_fail(e, "%s: cannot create: %s", dir, strerror(errno));
		goto out;
	}
	if ((m = open_memstream(&text, &len)) == NULL) {
		tl_fail(e, "out of memory");
		goto out;
	}
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	fprintf(m, "# trustline cert export-bulk: the TFTP certificates of cluster %s,\n"
		"# for phones migrating to another cluster. There, run\n"
		"# `trustline cert import-bulk DIR`.\n[export]\ncluster = %s\n"
		"domain = %s\ncreated = %s\n\n[certificates]\n", s->conf.name,
		s->conf.name, s->conf.domain, stamp);
	for (int k = 0; k < n; k++)
		fprintf(m, "%s = %s\n", files[k], certs[k]->subject);
	fclose(m);
	for (int k = 0; k < n; k++) {
		char *pem;
		int bad;

		if (tl_cert_to_pem(certs[k], &pem, e))
			goto out;
		bad = join(path, sizeof(path), dir, files[k], e) ||
		      tl_write_file(path, pem, strlen(pem), 0644, e);
		free(pem);
		if (bad)
			goto out;
		if (report)
			fprintf(report, "exported %s: %s\n", path, certs[k]->subject);
	}
	/* the manifest last: a directory without one is not a finished export */
	if (join(path, sizeof(path), dir, MANIFEST, e) ||
	    tl_write_file(path, text, len, 0644, e))
		goto out;
	if (report)
		fprintf(report, "wrote %s: %d TFTP certificate%s of cluster %s; import "
			"them on the other cluster with `trustline cert import-bulk "
			"%s`\n", path, n, n == 1 ? "" : "s", s->conf.name, dir);
	rc = 0;
out:
	for (int k = 0; k < n; k++)
		tl_cert_free(certs[k]);
	free(text);
	return rc;
}

/* What import-bulk reads from the manifest. */
typedef struct manifest {
	char cluster[64];
	char files[TL_MAX_NODES][128];
	int n;
	tl_err *e;
} manifest;

static int on_manifest(void *user, const char *sec, const char *k, const char *v)
{
	manifest *m = user;

	if (!strcmp(sec, "export") && !strcmp(k, "cluster")) {
		snprintf(m->cluster, sizeof(m->cluster), "%s", v);
		return 1;
	}
	if (!strcmp(sec, "export") && (!strcmp(k, "domain") || !strcmp(k, "created")))
		return 1;
	if (strcmp(sec, "certificates")) {
		tl_fail(m->e, "[%s] %s: unknown setting", sec, k);
		return 0;
	}
	/* plain names only: a manifest must not reach outside its directory */
	if (k[0] == '.' || strchr(k, '/') || strlen(k) >= sizeof(m->files[0])) {
		tl_fail(m->e, "[certificates] \"%s\" is not a file name of the "
			"export", k);
		return 0;
	}
	if (m->n == TL_MAX_NODES) {
		tl_fail(m->e, "more than %d certificates", TL_MAX_NODES);
		return 0;
	}
	snprintf(m->files[m->n++], sizeof(m->files[0]), "%s", k);
	return 1;
}

int tl_pki_bulk_import(tl_store *s, const char *dir, FILE *report, tl_err *e)
{
	char path[1200];
	tl_cert **all = NULL;
	size_t nall = 0;
	tl_trustadd a;
	manifest m;
	tl_err inner;
	int line, rc = -2;

	memset(&m, 0, sizeof(m));
	inner.msg[0] = 0;
	m.e = &inner;
	if (join(path, sizeof(path), dir, MANIFEST, e))
		return -2;
	line = ini_parse(path, on_manifest, &m);
	if (line < 0)
		tl_fail(e, "%s is not a trustline bulk export (no readable " MANIFEST
			"): make one with `trustline cert export-bulk` on the other "
			"cluster", dir);
	else if (line > 0)
		tl_fail(e, "%s: line %d: %s", path, line,
			inner.msg[0] ? inner.msg : "syntax error");
	else if (m.n == 0)
		tl_fail(e, "%s lists no certificates", path);
	if (line != 0 || m.n == 0)
		return -2;
	for (int i = 0; i < m.n; i++) {
		tl_cert **v, **g;
		size_t n;

		if (join(path, sizeof(path), dir, m.files[i], e) ||
		    tl_certs_load(path, &v, &n, e))
			goto out;
		if ((g = realloc(all, (nall + n) * sizeof(*g))) == NULL) {
			tl_certs_free(v, n);
			tl_fail(e, "out of memory");
			goto out;
		}
		all = g;
		memcpy(all + nall, v, n * sizeof(*v));
		nall += n;
		free(v);
	}
	if (report)
		fprintf(report, "importing %zu TFTP certificate%s of cluster %s into "
			"CallManager-trust\n", nall, nall == 1 ? "" : "s",
			m.cluster[0] ? m.cluster : "(unnamed)");
	memset(&a, 0, sizeof(a));
	a.store = "CallManager-trust";
	a.certs = all;
	a.n = nall;
	a.action = "import-bulk";
	rc = tl_pki_trust_add(s, &a, report, e);
out:
	tl_certs_free(all, nall);
	return rc;
}

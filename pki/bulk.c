/* Phone migration between clusters: a phone moving to a new cluster still
 * holds the old cluster's ITL, and asks the old cluster's TVS about the new
 * cluster's ITL signer. So export-bulk runs on the new cluster and writes
 * its TFTP (CallManager) certificates and its ITLRecovery certificate to a
 * directory; import-bulk, on the old cluster, puts them in CallManager-trust
 * (TVS vouches for it as CCM+TFTP, docs/certificates.md) and
 * Phone-SAST-trust. */
#include <dirent.h>
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

/* 1 when dir exists and holds anything */
static int has_files(const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	int any = 0;

	while (dp && !any && (de = readdir(dp)) != NULL)
		any = strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	if (dp)
		closedir(dp);
	return any;
}

int tl_pki_bulk_export(tl_store *s, const char *dir, int force, FILE *report,
		       tl_err *e)
{
	const tl_purpose *p = tl_purpose_find("CallManager");
	char path[1200], stamp[32], files[TL_MAX_NODES + 1][128];
	tl_cert *certs[TL_MAX_NODES + 1];
	int n = 0, ncm, rc = -1;
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
	ncm = n;
	/* phones may hold the ITLRecovery certificate as their ITL's signer
	 * too, and cross-cluster mobility needs it on both sides */
	if (tl_store_identity_exists(s, "ITLRecovery", s->conf.nodes[0])) {
		if (tl_store_identity_load(s, "ITLRecovery", s->conf.nodes[0],
					   &certs[n], NULL, e))
			goto out;
		tl_store_trust_name(certs[n], files[n], sizeof(files[n]) - 4);
		strcat(files[n++], ".pem");
	}
	if (!force && has_files(dir)) {
		tl_fail(e, "%s already holds files: give an empty or new directory, "
			"or --force to write over them", dir);
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
	fprintf(m, "# trustline cert export-bulk: the TFTP and ITLRecovery certificates\n"
		"# of cluster %s, for phones migrating to it. On the cluster they\n"
		"# come from, run `trustline cert import-bulk DIR`.\n[export]\n"
		"cluster = %s\ndomain = %s\ncreated = %s\n\n[certificates]\n",
		s->conf.name, s->conf.name, s->conf.domain, stamp);
	for (int k = 0; k < n; k++)
		fprintf(m, "%s%s = %s\n", k == ncm ? "\n[itlrecovery]\n" : "",
			files[k], certs[k]->subject);
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
		fprintf(report, "wrote %s: %d TFTP certificate%s%s of cluster %s; "
			"import them on the cluster the phones come from with "
			"`trustline cert import-bulk %s`\n", path, ncm,
			ncm == 1 ? "" : "s", n > ncm ? " and its ITLRecovery" : "",
			s->conf.name, dir);
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
	char files[TL_MAX_NODES + 1][128];
	int n, recovery;	/* files[recovery..n) are ITLRecovery */
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
	if (strcmp(sec, "certificates") && strcmp(sec, "itlrecovery")) {
		tl_fail(m->e, "[%s] %s: unknown setting", sec, k);
		return 0;
	}
	/* plain names only: a manifest must not reach outside its directory */
	if (k[0] == '.' || strchr(k, '/') || strlen(k) >= sizeof(m->files[0])) {
		tl_fail(m->e, "[certificates] \"%s\" is not a file name of the "
			"export", k);
		return 0;
	}
	if (!strcmp(sec, "certificates") && m->recovery < m->n) {
		tl_fail(m->e, "[certificates] after [itlrecovery]");
		return 0;
	}
	if (m->n == TL_MAX_NODES + 1) {
		tl_fail(m->e, "more than %d certificates", TL_MAX_NODES + 1);
		return 0;
	}
	snprintf(m->files[m->n++], sizeof(m->files[0]), "%s", k);
	if (!strcmp(sec, "certificates"))
		m->recovery = m->n;
	return 1;
}

/* Every certificate of files[from..to) of the export, for store. */
static int load_files(const char *dir, const manifest *m, int from, int to,
		      const char *store, tl_trustadd *a, tl_err *e)
{
	char path[1200];
	tl_cert **all = NULL;
	size_t nall = 0;

	memset(a, 0, sizeof(*a));
	for (int i = from; i < to; i++) {
		tl_cert **v, **g;
		size_t n;

		if (join(path, sizeof(path), dir, m->files[i], e) ||
		    tl_certs_load(path, &v, &n, e)) {
			tl_certs_free(all, nall);
			return -2;
		}
		if ((g = realloc(all, (nall + n) * sizeof(*g))) == NULL) {
			tl_certs_free(v, n);
			tl_certs_free(all, nall);
			return tl_fail(e, "out of memory");
		}
		all = g;
		memcpy(all + nall, v, n * sizeof(*v));
		nall += n;
		free(v);
	}
	a->store = store;
	a->certs = all;
	a->n = nall;
	a->action = "import-bulk";
	return 0;
}

int tl_pki_bulk_import(tl_store *s, const char *dir, FILE *report, tl_err *e)
{
	char path[1200];
	manifest m;
	tl_err inner;
	tl_trustadd add[2];
	int line, rc, changed = 0;

	memset(&m, 0, sizeof(m));
	inner.msg[0] = 0;
	m.e = &inner;
	if (join(path, sizeof(path), dir, MANIFEST, e))
		return -2;
	line = ini_parse(path, on_manifest, &m);
	if (line < 0)
		tl_fail(e, "%s is not a trustline bulk export (no readable " MANIFEST
			"): make one with `trustline cert export-bulk` on the cluster "
			"the phones move to", dir);
	else if (line > 0)
		tl_fail(e, "%s: line %d: %s", path, line,
			inner.msg[0] ? inner.msg : "syntax error");
	else if (m.recovery == 0)
		tl_fail(e, "%s lists no TFTP certificates", path);
	if (line != 0 || m.recovery == 0)
		return -2;
	/* both stores read and checked before either changes: a certificate
	 * refused for one store leaves the other as it was too */
	memset(add, 0, sizeof(add));
	rc = load_files(dir, &m, 0, m.recovery, "CallManager-trust", &add[0], e);
	if (rc == 0)
		rc = load_files(dir, &m, m.recovery, m.n, "Phone-SAST-trust", &add[1], e);
	for (int i = 0; rc == 0 && i < 2; i++) {
		add[i].check_only = 1;
		if (add[i].n)
			rc = tl_pki_trust_add(s, &add[i], NULL, e);
	}
	for (int i = 0; rc == 0 && i < 2; i++) {
		add[i].check_only = 0;
		add[i].changed = &changed;
		if (add[i].n == 0)
			continue;
		if (report)
			fprintf(report, "importing %zu certificate%s of cluster %s into "
				"%s\n", add[i].n, add[i].n == 1 ? "" : "s",
				m.cluster[0] ? m.cluster : "(unnamed)", add[i].store);
		rc = tl_pki_trust_add(s, &add[i], report, e);
	}
	for (int i = 0; i < 2; i++)
		tl_certs_free((tl_cert **)add[i].certs, add[i].n);
	/* one generation for the whole import: servers reload once */
	if (changed && tl_store_bump(s, rc ? NULL : e) && rc == 0)
		rc = -1;
	return rc;
}

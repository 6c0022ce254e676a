#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "file.h"
#include "node.h"

int tl_store_fault;

/* The directories of a data directory; purposes and stores are made on
 * first use. */
static const char *const top_dirs[] = { "certs", "trust", "tftpboot", "csr" };

const char *tl_store_default_dir(const char *given)
{
	const char *env = getenv("TRUSTLINE_DATA_DIR");

	if (given && *given)
		return given;
	if (env && *env)
		return env;
	return "/var/lib/trustline";
}

int tl_store_path(const tl_store *s, char *out, size_t n, const char *fmt, ...)
{
	char rel[1024];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof(rel))
		return -1;
	len = snprintf(out, n, "%s/%s", s->dir, rel);
	return len < 0 || (size_t)len >= n ? -1 : 0;
}

static int open_db(tl_store *s, tl_err *e)
{
	char path[1200];

	if (s->conf.db_url[0])
		return tl_db_open_url(&s->db, s->conf.db_url,
				      s->conf.db_password_file, e);
	tl_store_path(s, path, sizeof(path), "trustline.db");
	return tl_db_open(&s->db, path, e);
}

static int ident_path(const tl_store *s, char *out, size_t n,
		      const char *purpose, const char *name, const char *ext)
{
	return tl_store_path(s, out, n, "certs/%s/%s.%s", purpose, name, ext);
}

/* Finishes (marker present) or undoes (no marker) an interrupted identity
 * replacement in one purpose directory. */
static void recover_dir(const tl_store *s, const char *purpose)
{
	char dir[1200], a[1600], b[1600];
	struct dirent *d;
	DIR *dp;

	if (tl_store_path(s, dir, sizeof(dir), "certs/%s", purpose) ||
	    (dp = opendir(dir)) == NULL)
		return;
	while ((d = readdir(dp)) != NULL) {
		size_t len = strlen(d->d_name);
		char name[256];

		if (len > 7 && len < sizeof(name) &&
		    strcmp(d->d_name + len - 7, ".commit") == 0) {
			memcpy(name, d->d_name, len - 7);
			name[len - 7] = 0;
			ident_path(s, a, sizeof(a), purpose, name, "key.new");
			ident_path(s, b, sizeof(b), purpose, name, "key");
			rename(a, b);
			ident_path(s, a, sizeof(a), purpose, name, "pem.new");
			ident_path(s, b, sizeof(b), purpose, name, "pem");
			rename(a, b);
			ident_path(s, a, sizeof(a), purpose, name, "commit");
			unlink(a);
		}
	}
	rewinddir(dp);
	while ((d = readdir(dp)) != NULL) {
		size_t len = strlen(d->d_name);

		if (len > 4 && strcmp(d->d_name + len - 4, ".new") == 0) {
			snprintf(a, sizeof(a), "%s/%s", dir, d->d_name);
			unlink(a);
		}
	}
	closedir(dp);
}

/* Removes the temporary files (tl_write_file's <name>.tmp.<pid>) of
 * processes that died before they renamed them in place. */
static void clean_tmp(const char *dir)
{
	char path[1600];
	struct dirent *d;
	DIR *dp;

	if ((dp = opendir(dir)) == NULL)
		return;
	while ((d = readdir(dp)) != NULL) {
		const char *t = strstr(d->d_name, ".tmp.");
		char *end;
		long pid;

		if (t == NULL || t == d->d_name)
			continue;
		errno = 0;
		pid = strtol(t + 5, &end, 10);
		if (*end || end == t + 5 || pid <= 0 || errno)
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		unlink(path);
	}
	closedir(dp);
}

/* Each directory of an area (certs/<purpose>, trust/<store>). */
static void each_subdir(const tl_store *s, const char *area,
			void (*fn)(const tl_store *s, const char *area, const char *name))
{
	char dir[1200];
	struct dirent *d;
	DIR *dp;

	if (tl_store_path(s, dir, sizeof(dir), "%s", area) ||
	    (dp = opendir(dir)) == NULL)
		return;
	while ((d = readdir(dp)) != NULL)
		if (d->d_name[0] != '.')
			fn(s, area, d->d_name);
	closedir(dp);
}

static void recover_subdir(const tl_store *s, const char *area, const char *name)
{
	char dir[1200];

	if (!strcmp(area, "certs"))
		recover_dir(s, name);
	if (tl_store_path(s, dir, sizeof(dir), "%s/%s", area, name) == 0)
		clean_tmp(dir);
}

static void recover(const tl_store *s)
{
	static const char *const flat[] = { "", "tftpboot", "csr" };
	char dir[1200];

	each_subdir(s, "certs", recover_subdir);
	each_subdir(s, "trust", recover_subdir);
	for (size_t i = 0; i < sizeof(flat) / sizeof(flat[0]); i++)
		if (tl_store_path(s, dir, sizeof(dir), "%s", flat[i]) == 0)
			clean_tmp(dir);
}

int tl_store_open(tl_store *s, const char *dir, tl_err *e)
{
	char path[1200];

	memset(s, 0, sizeof(*s));
	if (snprintf(s->dir, sizeof(s->dir), "%s", dir) >= (int)sizeof(s->dir))
		return tl_fail(e, "%s: path too long", dir);
	tl_store_path(s, path, sizeof(path), "trustline.conf");
	if (access(path, F_OK) != 0)
		return tl_fail(e, "%s is not a trustline data directory (no "
			       "trustline.conf): run `trustline cluster init` or "
			       "give --data-dir", dir);
	if (tl_conf_load(&s->conf, path, e))
		return -1;
	/* a shared cluster's nodes are the node table's too: those that
	 * joined after this file was written */
	if (open_db(s, e) ||
	    (tl_db_shared(s->db) && tl_node_merge_conf(s->db, &s->conf, e))) {
		tl_store_close(s);
		return -1;
	}
	recover(s);
	return 0;
}

int tl_store_save_conf(tl_store *s, tl_err *e)
{
	char path[1200], *text;
	size_t len = 0;
	int rc;

	if ((text = tl_conf_text(&s->conf, &len)) == NULL)
		return tl_fail(e, "out of memory");
	tl_store_path(s, path, sizeof(path), "trustline.conf");
	rc = tl_write_file(path, text, len, 0644, e);
	free(text);
	return rc;
}

int tl_store_create(tl_store *s, const char *dir, const tl_conf *c, tl_err *e)
{
	char path[1200];

	memset(s, 0, sizeof(*s));
	if (snprintf(s->dir, sizeof(s->dir), "%s", dir) >= (int)sizeof(s->dir))
		return tl_fail(e, "%s: path too long", dir);
	if (tl_mkdirs(dir, e))
		return -1;
	for (size_t i = 0; i < sizeof(top_dirs) / sizeof(top_dirs[0]); i++) {
		tl_store_path(s, path, sizeof(path), "%s", top_dirs[i]);
		if (tl_mkdirs(path, e))
			return -1;
	}
	s->conf = *c;
	if (tl_store_save_conf(s, e) || open_db(s, e)) {
		tl_store_close(s);
		return -1;
	}
	return 0;
}

struct tl_db *tl_store_db(tl_store *s)
{
	return s->db;
}

void tl_store_close(tl_store *s)
{
	tl_db_close(s->db);
	s->db = NULL;
}

/* Adds to c the nodes and TFTP nodes of before that it lacks. */
static void keep_nodes(tl_conf *c, const tl_conf *before)
{
	for (int i = 0; i < before->nnodes && c->nnodes < TL_MAX_NODES; i++)
		if (!tl_conf_has_node(c, before->nodes[i]))
			snprintf(c->nodes[c->nnodes++], sizeof(c->nodes[0]), "%s",
				 before->nodes[i]);
	for (int i = 0; i < before->ntftp_nodes && c->ntftp_nodes < TL_MAX_NODES; i++)
		if (!tl_conf_is_tftp(c, before->tftp_nodes[i]))
			snprintf(c->tftp_nodes[c->ntftp_nodes++],
				 sizeof(c->tftp_nodes[0]), "%s", before->tftp_nodes[i]);
}

int tl_store_reload_conf(tl_store *s, const char *path, tl_err *e)
{
	char own[1200];
	tl_conf c;

	tl_store_path(s, own, sizeof(own), "trustline.conf");
	if (tl_conf_load_daemon(&c, own, path, e))
		return -1;
	/* the database down: the nodes known before stay beside the file's */
	if (tl_db_shared(s->db) && tl_node_merge_conf(s->db, &c, NULL))
		keep_nodes(&c, &s->conf);
	s->conf = c;
	return 0;
}

/* Another node's public certificate from a shared database: 1 with *c,
 * 0 when the database has none or does not answer (the local copy then
 * stands), -1 when the row is not a certificate. */
static int identity_db(const tl_store *s, const char *purpose, const char *name,
		       tl_cert **c, tl_err *e)
{
	void *der;
	size_t len;
	int rc;

	if (!tl_db_shared(s->db) ||
	    tl_db_identity_get(s->db, purpose, name, &der, &len, NULL) != 1)
		return 0;
	rc = c == NULL ? 1 : tl_cert_from_der(der, len, c, e) ? -1 : 1;
	free(der);
	return rc < 0 ? tl_wrap(e, "the database's %s certificate of %s", purpose,
				name) : rc;
}

int tl_store_identity_exists(const tl_store *s, const char *purpose,
			     const char *name)
{
	char path[1400];

	if (ident_path(s, path, sizeof(path), purpose, name, "pem"))
		return 0;
	return access(path, F_OK) == 0 || identity_db(s, purpose, name, NULL, NULL) == 1;
}

int tl_store_identity_load(const tl_store *s, const char *purpose,
			   const char *name, tl_cert **c, tl_key **k, tl_err *e)
{
	char path[1400];
	int rc;

	/* a certificate alone is the cluster's, which the database holds for
	 * every node; a pair is this node's own, from its files */
	if (k == NULL && (rc = identity_db(s, purpose, name, c, e)) != 0)
		return rc < 0 ? -1 : 0;
	if (ident_path(s, path, sizeof(path), purpose, name, "pem") ||
	    tl_cert_load(path, c, e))
		return -1;
	if (k == NULL)
		return 0;
	if (ident_path(s, path, sizeof(path), purpose, name, "key") ||
	    tl_key_load(path, k, e)) {
		tl_cert_free(*c);
		*c = NULL;
		return -1;
	}
	return 0;
}

int tl_store_identity_save(tl_store *s, const char *purpose, const char *name,
			   const tl_cert *c, const tl_key *k, tl_err *e)
{
	char dir[1200], kn[1400], cn[1400], marker[1400], kf[1400], cf[1400];
	char *kpem = NULL, *cpem = NULL;
	int rc = -1;

	if (tl_store_path(s, dir, sizeof(dir), "certs/%s", purpose) ||
	    tl_mkdirs(dir, e))
		return -1;
	ident_path(s, kn, sizeof(kn), purpose, name, "key.new");
	ident_path(s, cn, sizeof(cn), purpose, name, "pem.new");
	ident_path(s, marker, sizeof(marker), purpose, name, "commit");
	ident_path(s, kf, sizeof(kf), purpose, name, "key");
	ident_path(s, cf, sizeof(cf), purpose, name, "pem");
	if (tl_key_to_pem(k, &kpem, e) || tl_cert_to_pem(c, &cpem, e))
		goto out;
	if (tl_write_file(kn, kpem, strlen(kpem), 0600, e))
		goto out;
	if (tl_store_fault == 1) {
		rc = tl_fail(e, "fault injected after writing the new key");
		goto out;
	}
	if (tl_write_file(cn, cpem, strlen(cpem), 0644, e) ||
	    tl_write_file(marker, "", 0, 0644, e))
		goto undo;
	if (tl_store_fault == 2) {
		rc = tl_fail(e, "fault injected after committing the new pair");
		goto out;
	}
	/* From here on the marker makes a crash roll forward. */
	if (rename(kn, kf) < 0 || rename(cn, cf) < 0) {
		tl_fail(e, "%s: cannot install the new pair: %s", dir, strerror(errno));
		recover_dir(s, purpose);
		goto out;
	}
	unlink(marker);
	/* the public half goes to a shared database for the other nodes; the
	 * key stays here */
	rc = tl_db_shared(s->db) ? tl_db_identity_put(s->db, purpose, name, c->der,
						      c->der_len, e) : 0;
	goto out;
undo:
	unlink(kn);
	unlink(cn);
	unlink(marker);
out:
	if (kpem)
		explicit_bzero(kpem, strlen(kpem));
	free(kpem);
	free(cpem);
	return rc;
}

void tl_store_trust_name(const tl_cert *c, char *out, size_t n)
{
	const char *p = strstr(c->subject, "CN=");
	size_t i = 0;

	if (p && (p == c->subject || p[-1] == ','))
		p += 3;
	else
		p = c->subject;
	for (; *p && *p != ',' && i + 1 < n; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			continue;
		}
		out[i++] = (char)((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
				  (*p >= '0' && *p <= '9') || *p == '-' ||
				  *p == '.' || *p == '_' ? *p : '_');
	}
	if (i == 0)
		out[i++] = '_';
	out[i] = 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const tl_trusted *)a)->name, ((const tl_trusted *)b)->name);
}

struct trust_acc {
	tl_trusted *t;
	size_t n, cap;
	tl_err *e;
};

static int trust_add(struct trust_acc *a, const char *name, tl_cert *c)
{
	if (a->n == a->cap) {
		tl_trusted *g;

		a->cap = a->cap ? a->cap * 2 : 16;
		if ((g = realloc(a->t, a->cap * sizeof(*g))) == NULL) {
			tl_cert_free(c);
			return tl_fail(a->e, "out of memory");
		}
		a->t = g;
	}
	snprintf(a->t[a->n].name, sizeof(a->t[a->n].name), "%s", name);
	a->t[a->n++].cert = c;
	return 0;
}

static int trust_row(void *arg, const char *name, const void *der, size_t len)
{
	struct trust_acc *a = arg;
	tl_cert *c;

	if (tl_cert_from_der(der, len, &c, a->e))
		return tl_wrap(a->e, "trust store entry %s", name);
	return trust_add(a, name, c);
}

/* A shared database's store: every node's certificates. */
static int trust_list_db(const tl_store *s, const char *store, tl_trusted **out,
			 size_t *n, tl_err *e)
{
	struct trust_acc a = { NULL, 0, 0, e };

	if (tl_db_trust_each(s->db, store, trust_row, &a, e)) {
		tl_store_trust_free(a.t, a.n);
		return -1;
	}
	*out = a.t;
	*n = a.n;
	return 0;
}

int tl_store_trust_list(const tl_store *s, const char *store, tl_trusted **out,
			size_t *n, tl_err *e)
{
	char dir[1200], path[1600];
	tl_trusted *t = NULL;
	size_t cap = 0;
	struct dirent *d;
	DIR *dp;

	*out = NULL;
	*n = 0;
	/* the database down: this node's copies, which it keeps serving */
	if (tl_db_shared(s->db) && trust_list_db(s, store, out, n, e) == 0)
		return 0;
	if (tl_store_path(s, dir, sizeof(dir), "trust/%s", store))
		return tl_fail(e, "store name too long");
	if ((dp = opendir(dir)) == NULL)
		return errno == ENOENT ? 0 : tl_fail(e, "%s: %s", dir, strerror(errno));
	while ((d = readdir(dp)) != NULL) {
		size_t len = strlen(d->d_name);

		if (len < 5 || len >= 128 + 4 || strcmp(d->d_name + len - 4, ".pem"))
			continue;
		if (*n == cap) {
			tl_trusted *g;

			cap = cap ? cap * 2 : 16;
			if ((g = realloc(t, cap * sizeof(*t))) == NULL) {
				closedir(dp);
				tl_store_trust_free(t, *n);
				return tl_fail(e, "out of memory");
			}
			t = g;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		memcpy(t[*n].name, d->d_name, len - 4);
		t[*n].name[len - 4] = 0;
		if (tl_cert_load(path, &t[*n].cert, e)) {
			closedir(dp);
			tl_store_trust_free(t, *n);
			return -1;
		}
		(*n)++;
	}
	closedir(dp);
	if (*n)
		qsort(t, *n, sizeof(*t), by_name);
	*out = t;
	return 0;
}

void tl_store_trust_free(tl_trusted *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		tl_cert_free(t[i].cert);
	free(t);
}

int tl_store_trust_put(tl_store *s, const char *store, const char *name,
		       const tl_cert *c, tl_err *e)
{
	char dir[1200], path[1600], *pem;
	int rc;

	if (tl_store_path(s, dir, sizeof(dir), "trust/%s", store) || tl_mkdirs(dir, e))
		return -1;
	snprintf(path, sizeof(path), "%s/%s.pem", dir, name);
	if (tl_cert_to_pem(c, &pem, e))
		return -1;
	rc = tl_write_file(path, pem, strlen(pem), 0644, e);
	free(pem);
	if (rc == 0 && tl_db_shared(s->db))
		rc = tl_db_trust_put(s->db, store, name, c->der, c->der_len, e);
	return rc;
}

int tl_store_trust_remove(tl_store *s, const char *store, const char *name,
			  tl_err *e)
{
	char path[1600];

	if (tl_store_path(s, path, sizeof(path), "trust/%s/%s.pem", store, name))
		return tl_fail(e, "name too long");
	if (tl_db_shared(s->db)) {
		if (tl_db_trust_remove(s->db, store, name, e))
			return -1;
		if (unlink(path) < 0 && errno != ENOENT)
			return tl_fail(e, "%s: %s", path, strerror(errno));
		return 0;
	}
	if (unlink(path) < 0)
		return tl_fail(e, "%s: %s", path, strerror(errno));
	return 0;
}

int tl_store_write(tl_store *s, const char *rel, const void *buf, size_t len,
		   int mode, tl_err *e)
{
	char path[1200], dir[1200], *slash;

	if (tl_store_path(s, path, sizeof(path), "%s", rel))
		return tl_fail(e, "path too long");
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = 0;
		if (tl_mkdirs(dir, e))
			return -1;
	}
	return tl_write_file(path, buf, len, mode, e);
}

void tl_store_fingerprint(const tl_cert *c, char out[65])
{
	uint8_t h[TL_HASH_MAX];

	out[0] = 0;
	if (c == NULL)
		return;
	tl_hash(TL_HASH_SHA256, c->der, c->der_len, h);
	for (int i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", h[i]);
}

static const char *who(const tl_store *s)
{
	const char *u = getenv("SUDO_USER");
	struct passwd *pw;

	if (s->user[0])
		return s->user;
	if (u && *u)
		return u;
	pw = getpwuid(getuid());
	return pw ? pw->pw_name : "unknown";
}

int tl_store_begin(tl_store *s, tl_err *e)
{
	return tl_db_begin(s->db, e);
}

int tl_store_end(tl_store *s, int rc, tl_err *e)
{
	return tl_db_end(s->db, rc, e);
}

int tl_store_audit(tl_store *s, const char *action, const char *object,
		   const tl_cert *old_cert, const tl_cert *new_cert, tl_err *e)
{
	char of[65], nf[65];

	tl_store_fingerprint(old_cert, of);
	tl_store_fingerprint(new_cert, nf);
	return tl_db_audit_add(s->db, (long)time(NULL), who(s), action, object,
			       old_cert ? of : NULL, new_cert ? nf : NULL, e);
}

int tl_store_audit_each(tl_store *s, tl_audit_fn fn, void *arg, tl_err *e)
{
	return tl_db_audit_each(s->db, fn, arg, e);
}

int tl_store_get(tl_store *s, const char *key, char *val, size_t n)
{
	return tl_db_state_get(s->db, key, val, n);
}

int tl_store_set(tl_store *s, const char *key, const char *val, tl_err *e)
{
	return tl_db_state_set(s->db, key, val, e);
}

long tl_store_generation(tl_store *s)
{
	char v[32];

	return tl_store_get(s, "generation", v, sizeof(v)) ? strtol(v, NULL, 10) : 0;
}

int tl_store_bump(tl_store *s, tl_err *e)
{
	char v[32], path[1200];
	long g = tl_db_state_incr(s->db, "generation", e);

	if (g < 0)
		return -1;
	snprintf(v, sizeof(v), "%ld", g);
	/* a copy servers can poll with one read, without opening the database */
	tl_store_path(s, path, sizeof(path), "generation");
	return tl_write_file(path, v, strlen(v), 0644, e);
}

long tl_store_read_generation(const char *dir)
{
	char path[1200], v[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/generation", dir);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	if (fgets(v, sizeof(v), f) == NULL)
		v[0] = 0;
	fclose(f);
	return strtol(v, NULL, 10);
}

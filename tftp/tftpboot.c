#include "tftpboot.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "daemon.h"
#include "file.h"
#include "log.h"
#include "nstable.h"
#include "signedfile.h"

#define FILE_MAX (1u << 30)	/* one static file */
#define FILES_MAX 100000	/* static files in tftpboot/ */
#define DEPTH_MAX 16		/* nested directories in tftpboot/ */

/* Notes the inode of every key under certs/<purpose>/ (read while the
 * process may still read them: before it acts as the unprivileged user). */
static void list_keys(tl_tftp_boot *w, const char *certs)
{
	DIR *top = opendir(certs), *d;
	struct dirent *p, *f;

	while (top && (p = readdir(top)) != NULL) {
		char dir[PATH_MAX], path[PATH_MAX];

		if (p->d_name[0] == '.' ||
		    snprintf(dir, sizeof(dir), "%s/%s", certs, p->d_name) >= (int)sizeof(dir) ||
		    (d = opendir(dir)) == NULL)
			continue;
		while ((f = readdir(d)) != NULL) {
			struct stat st;

			if (!strstr(f->d_name, ".key") ||
			    snprintf(path, sizeof(path), "%s/%s", dir, f->d_name) >= (int)sizeof(path) ||
			    lstat(path, &st) || !S_ISREG(st.st_mode))
				continue;
			if (w->nkeys == w->keycap) {
				size_t cap = w->keycap ? w->keycap * 2 : 32;
				struct tl_tftp_inode *g = realloc(w->keys, cap * sizeof(*g));

				if (g == NULL)
					break;
				w->keys = g;
				w->keycap = cap;
			}
			w->keys[w->nkeys].dev = st.st_dev;
			w->keys[w->nkeys++].ino = st.st_ino;
		}
		closedir(d);
	}
	if (top)
		closedir(top);
}

static int is_key_inode(const tl_tftp_boot *w, const struct stat *st)
{
	for (size_t i = 0; st->st_nlink > 1 && i < w->nkeys; i++)
		if (w->keys[i].dev == st->st_dev && w->keys[i].ino == st->st_ino)
			return 1;
	return 0;
}

/* A PEM private key of any kind ("-----BEGIN RSA PRIVATE KEY-----",
 * "... ENCRYPTED PRIVATE KEY-----", OpenSSH's ...) anywhere in the file. */
static int holds_private_key(const uint8_t *p, size_t n)
{
	static const char tag[] = "PRIVATE KEY-----";
	const uint8_t *q = p, *end = p + n;

	while ((q = memmem(q, (size_t)(end - q), tag, sizeof(tag) - 1)) != NULL) {
		/* "-----BEGIN " on the same line before it */
		for (const uint8_t *b = q; b - p >= 11 && q - b < 64 && b[-1] != '\n'; b--)
			if (!memcmp(b - 11, "-----BEGIN ", 11))
				return 1;
		q += sizeof(tag) - 1;
	}
	return 0;
}

static int is_temporary(const char *name)
{
	/* tl_write_file's "<name>.tmp.<pid>", caught half-written */
	const char *p = strstr(name, ".tmp.");

	if (p == NULL)
		return 0;
	for (p += 5; *p; p++)
		if (*p < '0' || *p > '9')
			return 0;
	return 1;
}

static int remember(tl_tftp_boot *w, const char *rel, tl_err *e)
{
	if (w->nnames == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64;
		char **p = realloc(w->names, cap * sizeof(*p));

		if (p == NULL)
			return tl_fail(e, "out of memory");
		w->names = p;
		w->cap = cap;
	}
	if ((w->names[w->nnames] = strdup(rel)) == NULL)
		return tl_fail(e, "out of memory");
	w->nnames++;
	return 0;
}

static int refuse(tl_tftp_boot *w, const char *key, const char *rel,
		  const char *why, tl_err *e)
{
	char m[600];

	tl_log(LOG_WARNING, "event=refused file=%s reason=%s",
	       tl_log_val(rel, m, sizeof(m)), why);
	return tl_tftp_table_put(w->t, key, NULL, e);
}

static int load_file(tl_tftp_boot *w, const char *path, const char *rel,
		     tl_err *e)
{
	char real[PATH_MAX], key[TL_TFTP_NAME_MAX], rkey[TL_TFTP_NAME_MAX];
	struct stat st;
	uint8_t *data;
	size_t len;
	tl_err re;
	int rc = tl_tftp_key(rel, key, sizeof(key));

	if (rc == -1)
		return 0;
	/* A key, certs/, or a link that leaves tftpboot/ becomes a name that
	 * exists but is refused: the phone gets "access violation". */
	if (rc == -2)
		return tl_tftp_table_put(w->t, key, NULL, e);
	if (realpath(path, real) == NULL)
		return 0;	/* a dangling link */
	if (strncmp(real, w->root, w->nroot) || real[w->nroot] != '/')
		return tl_tftp_table_put(w->t, key, NULL, e);
	/* what a link inside tftpboot/ names is held to the same rules */
	if (tl_tftp_key(real + w->nroot + 1, rkey, sizeof(rkey)) == -2)
		return refuse(w, key, rel, "\"a link to a key\"", e);
	if (stat(real, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	if (is_key_inode(w, &st))
		return refuse(w, key, rel, "\"a hard link to a key under certs/\"", e);
	if (++w->files > FILES_MAX)
		return tl_fail(e, "tftpboot/ holds more than %d files", FILES_MAX);
	if (tl_read_file(real, FILE_MAX, &data, &len, &re)) {
		char m[600];

		/* one unreadable file must not keep the others from phones */
		tl_log(LOG_WARNING, "event=refused file=%s error=%s",
		       tl_log_val(rel, m, sizeof(m)), tl_log_val(re.msg, m + 300, 300));
		return tl_tftp_table_put(w->t, key, NULL, e);
	}
	if (holds_private_key(data, len)) {
		explicit_bzero(data, len);
		free(data);
		return refuse(w, key, rel, "\"holds a private key\"", e);
	}
	if (tl_tftp_table_add(w->t, rel, data, len, e) || remember(w, rel, e))
		return -1;
	return 0;
}

static int walk_dir(tl_tftp_boot *w, const char *path, const char *rel,
		    int depth, tl_err *e)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int rc = 0;

	if (d == NULL)
		return tl_fail(e, "%s: %s", path, strerror(errno));
	while (rc == 0 && (de = readdir(d)) != NULL) {
		char sub[PATH_MAX], subrel[PATH_MAX];
		struct stat st;

		if (de->d_name[0] == '.' || is_temporary(de->d_name))
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name) >= (int)sizeof(sub) ||
		    snprintf(subrel, sizeof(subrel), "%s%s%s", rel, *rel ? "/" : "",
			     de->d_name) >= TL_TFTP_NAME_MAX)
			continue;
		if (lstat(sub, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (depth >= DEPTH_MAX)
				continue;
			rc = walk_dir(w, sub, subrel, depth + 1, e);
		} else if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) {
			rc = load_file(w, sub, subrel, e);
		}
	}
	closedir(d);
	return rc;
}

/* X.sgn for every static X that has no X.sgn of its own: signed now, so
 * serving never waits on a signature. */
int tl_tftp_boot_sign(tl_tftp_boot *w, const tl_cert *cert,
		      const tl_key *pkey, tl_err *e)
{
	uint8_t *body, *plain = NULL;
	int rc;

	for (size_t i = 0; i < w->nnames; i++) {
		char name[TL_TFTP_NAME_MAX + 4], key[TL_TFTP_NAME_MAX + 4];
		const char *slash;
		tl_signopts o;
		tl_tftp_entry *en;
		tl_buf out;

		snprintf(name, sizeof(name), "%s.sgn", w->names[i]);
		if (tl_tftp_key(name, key, sizeof(key)) ||
		    tl_tftp_table_find(w->t, key))
			continue;
		tl_tftp_key(w->names[i], key, sizeof(key));
		en = tl_tftp_table_find(w->t, key);
		if ((body = en->b->data) == NULL &&
		    (body = plain = tl_tftp_blob_unpack(en->b)) == NULL)
			return tl_fail(e, "out of memory");
		slash = strrchr(name, '/');
		memset(&o, 0, sizeof(o));
		o.version[0] = 1;
		o.signer = cert;
		o.key = pkey;
		o.hash_alg = TL_HASH_SHA1;
		o.filename = slash ? slash + 1 : name;	/* no directory in the header */
		o.timestamp = (uint32_t)time(NULL);
		o.body = body;
		o.body_len = en->b->len;
		rc = tl_sfile_sign(&o, &out, e);
		free(plain);
		plain = NULL;
		if (rc)
			return tl_wrap(e, "signing %s", name);
		if (tl_tftp_table_add(w->t, name, out.p, out.len, e))
			return -1;
	}
	return 0;
}

int tl_tftp_boot_load(tl_tftp_boot *w, tl_tftp_table *t, tl_store *s,
		      tl_err *e)
{
	tl_daemon_as as;
	char boot[1200];
	int failed;

	memset(w, 0, sizeof(*w));
	w->t = t;
	tl_store_path(s, boot, sizeof(boot), "tftpboot");
	if (realpath(boot, w->root) == NULL)
		return tl_fail(e, "%s: %s", boot, strerror(errno));
	w->nroot = strlen(w->root);
	tl_store_path(s, boot, sizeof(boot), "certs");
	list_keys(w, boot);
	/* tftpboot/ is read with the rights of the user tftpd serves as, also
	 * at a start as root: what that user may not read is not served */
	if (tl_daemon_as_begin(s->conf.tftp.user, &as, e))
		return -1;
	failed = walk_dir(w, w->root, "", 0, e);
	if (failed && as.active)
		tl_wrap(e, "read as [tftp] user %s, who must be able to reach it",
			s->conf.tftp.user);
	tl_daemon_as_end(&as);
	return failed ? -1 : 0;
}

void tl_tftp_boot_free(tl_tftp_boot *w)
{
	for (size_t i = 0; i < w->nnames; i++)
		free(w->names[i]);
	free(w->names);
	free(w->keys);
	w->names = NULL;
	w->nnames = 0;
	w->keys = NULL;
}

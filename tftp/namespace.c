#include "namespace.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "daemon.h"
#include "file.h"
#include "hash.h"
#include "log.h"
#include "pack.h"
#include "signedfile.h"

#define NAME_MAX_LEN 512	/* longer requests cannot name anything here */
#define FILE_MAX (1u << 30)	/* one static file */
#define FILES_MAX 100000	/* static files in tftpboot/ */
#define DEPTH_MAX 16		/* nested directories in tftpboot/ */

/* Bytes shared by the table that holds them and every transfer in flight:
 * a reload drops the table's reference, the last transfer frees them.
 * Counted atomically: a build on another thread shares the served ones. */
typedef struct blob {
	atomic_size_t refs;
	size_t len;		/* what is served */
	/* Small files are held packed (pack.h), data NULL then. The inflated
	 * copy exists while transfers use it, shared by them (the serving
	 * thread's alone). */
	uint8_t *data;
	tl_packed pk;
	uint8_t *plain;
	size_t plain_users;
	char *why;		/* a file that could not be made: why (no bytes) */
} blob;

typedef struct entry {
	tl_hnode node;
	blob *b;		/* NULL: a name that exists but is refused */
	char key[];		/* lower case, '/' separated */
} entry;

struct tl_tftp_table {
	tl_htab names;
	size_t files;
	uint64_t bytes;
	uint64_t held;		/* in memory: less than bytes, packed */
	tl_packer *packer;	/* while being built */
	void *memo;
	void (*memo_free)(void *);
	const atomic_int *cancel;	/* the namespace's, while being built */
};

struct tl_tftp_next {
	tl_tftp_table *t;
	tl_conf conf;
};

struct tl_tftp_ns {
	char dir[1024];
	char *conf_path;
	tl_conf conf;
	tl_tftp_gen_fn gen;
	void *gen_arg;
	tl_tftp_table *cur;
	atomic_int cancel;
	/* The static-file signer, kept from one load to the next so a reload
	 * after privileges were dropped can still sign. */
	tl_cert *cert;
	tl_key *key;
	/* The store later builds read through (tl_tftp_ns_keep_store); NULL:
	 * each build opens its own. */
	tl_store *store;
};

/* A packed file's bytes, in a buffer of their own: NULL when out of
 * memory. */
static uint8_t *unpack(const blob *b)
{
	uint8_t *p = malloc(b->len);

	if (p && tl_pack_inflate(&b->pk, p, b->len)) {
		free(p);
		p = NULL;
	}
	return p;
}

static void blob_unref(blob *b)
{
	if (b && atomic_fetch_sub(&b->refs, 1) == 1) {
		free(b->plain);
		free(b->data);
		free(b->why);
		tl_packed_free(&b->pk);
		free(b);
	}
}

/* The key a requested name is filed under: lower case, with '\' read as
 * '/' (Windows-era clients). 0 with the key in out; -1 for a name nothing
 * can have; -2 for a name no one may have. */
static int normalize(const char *name, char *out, size_t n)
{
	size_t len = strlen(name), i;

	if (len == 0 || len >= n)
		return -1;
	for (i = 0; i <= len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c && c < ' ')
			return -1;
		out[i] = c == '\\' ? '/' : (c >= 'A' && c <= 'Z') ? (char)(c + 32) : (char)c;
	}
	if (out[0] == '/')
		return -2;
	for (const char *p = out; p; p = strchr(p, '/')) {
		if (*p == '/')
			p++;
		if (p[0] == '.' && p[1] == '.' && (p[2] == '/' || p[2] == 0))
			return -2;
	}
	if (strstr(out, "certs/") || (len >= 4 && !strcmp(out + len - 4, ".key")))
		return -2;
	return 0;
}

static int key_eq(const tl_hnode *n, const void *key)
{
	return strcmp(((const entry *)n)->key, key) == 0;
}

static entry *find(const tl_tftp_table *t, const char *key)
{
	return (entry *)tl_htab_find(&t->names, tl_hash_bytes(key, strlen(key)),
				     key_eq, key);
}

/* Adds key with b (NULL: refused), taking the caller's reference on b. */
static int add(tl_tftp_table *t, const char *key, blob *b, tl_err *e)
{
	size_t n = strlen(key);
	entry *en;

	if (find(t, key)) {
		blob_unref(b);
		return 0;
	}
	en = malloc(sizeof(*en) + n + 1);
	if (en == NULL) {
		blob_unref(b);
		return tl_fail(e, "out of memory");
	}
	memcpy(en->key, key, n + 1);
	en->b = b;
	tl_htab_insert(&t->names, &en->node, tl_hash_bytes(key, n));
	if (b && !b->why) {
		t->files++;
		t->bytes += b->len;
		t->held += b->data ? b->len : b->pk.zlen;
	}
	return 0;
}

int tl_tftp_table_add(tl_tftp_table *t, const char *name, uint8_t *data,
		      size_t len, tl_err *e)
{
	char key[NAME_MAX_LEN];
	blob *b;

	if (normalize(name, key, sizeof(key))) {
		free(data);
		return tl_fail(e, "\"%s\" cannot be served (a path outside "
			       "tftpboot/, or a key)", name);
	}
	b = malloc(sizeof(*b));
	if (b == NULL) {
		free(data);
		return tl_fail(e, "out of memory");
	}
	memset(b, 0, sizeof(*b));
	atomic_init(&b->refs, 1);
	b->len = len;
	if (t->packer == NULL)
		t->packer = tl_packer_new();	/* none: every file held as it is */
	if (t->packer && tl_packer_pack(t->packer, data, len, &b->pk)) {
		free(data);
	} else {
		/* Generated files arrive in buffers grown by doubling: up to
		 * twice their size, for as long as they are served, times
		 * every device. */
		b->data = len ? realloc(data, len) : NULL;
		if (b->data == NULL)
			b->data = data;
	}
	return add(t, key, b, e);
}

int tl_tftp_table_missing(tl_tftp_table *t, const char *name, const char *why,
			  tl_err *e)
{
	char key[NAME_MAX_LEN];
	blob *b;

	if (normalize(name, key, sizeof(key)))
		return tl_fail(e, "\"%s\" cannot be served", name);
	if ((b = calloc(1, sizeof(*b))) == NULL || (b->why = strdup(why)) == NULL) {
		free(b);
		return tl_fail(e, "out of memory");
	}
	atomic_init(&b->refs, 1);
	return add(t, key, b, e);
}

int tl_tftp_table_share(tl_tftp_table *t, const tl_tftp_table *prev,
			const char *name, tl_err *e)
{
	char key[NAME_MAX_LEN];
	entry *en;

	if (prev == NULL || normalize(name, key, sizeof(key)) ||
	    (en = find(prev, key)) == NULL || en->b == NULL)
		return 1;
	atomic_fetch_add(&en->b->refs, 1);
	return add(t, key, en->b, e);
}

void tl_tftp_table_set_memo(tl_tftp_table *t, void *memo, void (*free_fn)(void *))
{
	if (t->memo_free)
		t->memo_free(t->memo);
	t->memo = memo;
	t->memo_free = free_fn;
}

const void *tl_tftp_table_memo(const tl_tftp_table *t)
{
	return t ? t->memo : NULL;
}

int tl_tftp_table_cancelled(const tl_tftp_table *t)
{
	return t->cancel && atomic_load(t->cancel);
}

static void free_entry(tl_hnode *n, void *arg)
{
	entry *en = (entry *)n;

	blob_unref(en->b);
	free(en);
}

static void table_free(tl_tftp_table *t)
{
	if (t == NULL)
		return;
	tl_htab_each(&t->names, free_entry, NULL);
	tl_htab_free(&t->names);
	if (t->memo_free)
		t->memo_free(t->memo);
	tl_packer_free(t->packer);
	free(t);
}

/* Loading tftpboot/ */

struct walk {
	tl_tftp_table *t;
	char root[PATH_MAX];	/* tftpboot/ with every link resolved */
	size_t nroot;
	size_t files;
	/* the static files' names as written, for signing */
	char **names;
	size_t nnames, cap;
	/* the keys under certs/, by inode: a hard link to one is refused */
	struct inode { dev_t dev; ino_t ino; } *keys;
	size_t nkeys, keycap;
};

/* Notes the inode of every key under certs/<purpose>/ (read while the
 * process may still read them: before it acts as the unprivileged user). */
static void list_keys(struct walk *w, const char *certs)
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
				struct inode *g = realloc(w->keys, cap * sizeof(*g));

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

static int is_key_inode(const struct walk *w, const struct stat *st)
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

static int remember(struct walk *w, const char *rel, tl_err *e)
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

static int refuse(struct walk *w, const char *key, const char *rel,
		  const char *why, tl_err *e)
{
	char m[600];

	tl_log(LOG_WARNING, "event=refused file=%s reason=%s",
	       tl_log_val(rel, m, sizeof(m)), why);
	return add(w->t, key, NULL, e);
}

static int load_file(struct walk *w, const char *path, const char *rel,
		     tl_err *e)
{
	char real[PATH_MAX], key[NAME_MAX_LEN], rkey[NAME_MAX_LEN];
	struct stat st;
	uint8_t *data;
	size_t len;
	tl_err re;
	int rc = normalize(rel, key, sizeof(key));

	if (rc == -1)
		return 0;
	/* A key, certs/, or a link that leaves tftpboot/ becomes a name that
	 * exists but is refused: the phone gets "access violation". */
	if (rc == -2)
		return add(w->t, key, NULL, e);
	if (realpath(path, real) == NULL)
		return 0;	/* a dangling link */
	if (strncmp(real, w->root, w->nroot) || real[w->nroot] != '/')
		return add(w->t, key, NULL, e);
	/* what a link inside tftpboot/ names is held to the same rules */
	if (normalize(real + w->nroot + 1, rkey, sizeof(rkey)) == -2)
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
		return add(w->t, key, NULL, e);
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

static int walk_dir(struct walk *w, const char *path, const char *rel,
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
			     de->d_name) >= NAME_MAX_LEN)
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
static int sign_static(tl_tftp_ns *ns, struct walk *w, tl_err *e)
{
	uint8_t *body, *plain = NULL;
	int rc;

	for (size_t i = 0; i < w->nnames; i++) {
		char name[NAME_MAX_LEN + 4], key[NAME_MAX_LEN + 4];
		const char *slash;
		tl_signopts o;
		entry *en;
		tl_buf out;

		snprintf(name, sizeof(name), "%s.sgn", w->names[i]);
		if (normalize(name, key, sizeof(key)) || find(w->t, key))
			continue;
		normalize(w->names[i], key, sizeof(key));
		en = find(w->t, key);
		if ((body = en->b->data) == NULL && (body = plain = unpack(en->b)) == NULL)
			return tl_fail(e, "out of memory");
		slash = strrchr(name, '/');
		memset(&o, 0, sizeof(o));
		o.version[0] = 1;
		o.signer = ns->cert;
		o.key = ns->key;
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

static int load_signer(tl_tftp_ns *ns, tl_store *s, tl_err *e)
{
	tl_cert *c;
	tl_key *k;

	if (tl_store_identity_load(s, "CallManager", s->conf.tftp_nodes[0], &c, &k, e)) {
		if (ns->cert == NULL)
			return tl_wrap(e, "sign_static");
		tl_log(LOG_WARNING, "event=reload warning=\"keeping the signer "
		       "loaded before: %s\"", e->msg);
		return 0;
	}
	tl_cert_free(ns->cert);
	tl_key_free(ns->key);
	ns->cert = c;
	ns->key = k;
	return 0;
}

static tl_tftp_table *build(tl_tftp_ns *ns, tl_conf *conf, tl_err *e)
{
	struct walk w;
	tl_daemon_as as;
	tl_store own, *s = ns->store;
	char boot[1200];
	int rc = -1, failed;

	memset(&w, 0, sizeof(w));
	if (s == NULL) {
		if (tl_store_open(&own, ns->dir, e))
			return NULL;
		s = &own;
		if (ns->conf_path && tl_conf_load(&s->conf, ns->conf_path, e))
			goto out;
	} else if (tl_store_reload_conf(s, ns->conf_path, e)) {
		goto out;
	}
	w.t = calloc(1, sizeof(*w.t));
	if (w.t == NULL || tl_htab_init(&w.t->names, 256)) {
		tl_fail(e, "out of memory");
		goto out;
	}
	w.t->cancel = &ns->cancel;
	if (ns->gen && ns->gen(ns->gen_arg, s, ns->cur, w.t, e))
		goto out;
	tl_store_path(s, boot, sizeof(boot), "tftpboot");
	if (realpath(boot, w.root) == NULL) {
		tl_fail(e, "%s: %s", boot, strerror(errno));
		goto out;
	}
	w.nroot = strlen(w.root);
	tl_store_path(s, boot, sizeof(boot), "certs");
	list_keys(&w, boot);
	/* tftpboot/ is read with the rights of the user tftpd serves as, also
	 * at a start as root: what that user may not read is not served */
	if (tl_daemon_as_begin(s->conf.tftp.user, &as, e))
		goto out;
	failed = walk_dir(&w, w.root, "", 0, e);
	if (failed && as.active)
		tl_wrap(e, "read as [tftp] user %s, who must be able to reach it",
			s->conf.tftp.user);
	tl_daemon_as_end(&as);
	if (failed)
		goto out;
	if (s->conf.tftp.sign_static &&
	    (load_signer(ns, s, e) || sign_static(ns, &w, e)))
		goto out;
	if (atomic_load(&ns->cancel)) {
		tl_fail(e, "cancelled");
		goto out;
	}
	w.t->cancel = NULL;
	if (w.t->packer)
		w.t->held += tl_packer_dict_len(w.t->packer);
	tl_packer_free(w.t->packer);
	w.t->packer = NULL;
	*conf = s->conf;
	rc = 0;
out:
	for (size_t i = 0; i < w.nnames; i++)
		free(w.names[i]);
	free(w.names);
	free(w.keys);
	if (s == &own)
		tl_store_close(&own);
	if (rc) {
		table_free(w.t);
		return NULL;
	}
	return w.t;
}

tl_tftp_ns *tl_tftp_ns_open(const char *dir, const char *conf_path,
			    tl_tftp_gen_fn gen, void *arg, tl_err *e)
{
	tl_tftp_ns *ns = calloc(1, sizeof(*ns));

	if (ns == NULL) {
		tl_fail(e, "out of memory");
		return NULL;
	}
	if (snprintf(ns->dir, sizeof(ns->dir), "%s", dir) >= (int)sizeof(ns->dir) ||
	    (conf_path && (ns->conf_path = strdup(conf_path)) == NULL)) {
		tl_fail(e, "%s: path too long", dir);
		tl_tftp_ns_free(ns);
		return NULL;
	}
	ns->gen = gen;
	ns->gen_arg = arg;
	if ((ns->cur = build(ns, &ns->conf, e)) == NULL) {
		tl_tftp_ns_free(ns);
		return NULL;
	}
	return ns;
}

void tl_tftp_ns_free(tl_tftp_ns *ns)
{
	if (ns == NULL)
		return;
	table_free(ns->cur);
	tl_cert_free(ns->cert);
	tl_key_free(ns->key);
	if (ns->store) {
		tl_store_close(ns->store);
		free(ns->store);
	}
	free(ns->conf_path);
	free(ns);
}

int tl_tftp_ns_keep_store(tl_tftp_ns *ns, tl_err *e)
{
	tl_store *s = malloc(sizeof(*s));

	if (s == NULL)
		return tl_fail(e, "out of memory");
	if (tl_store_open(s, ns->dir, e)) {
		free(s);
		return -1;
	}
	ns->store = s;
	return 0;
}

tl_tftp_next *tl_tftp_ns_build(tl_tftp_ns *ns, tl_err *e)
{
	tl_tftp_next *n = malloc(sizeof(*n));

	if (n == NULL) {
		tl_fail(e, "out of memory");
		return NULL;
	}
	if ((n->t = build(ns, &n->conf, e)) == NULL) {
		free(n);
		return NULL;
	}
	return n;
}

void tl_tftp_ns_swap(tl_tftp_ns *ns, tl_tftp_next *n)
{
	table_free(ns->cur);
	ns->cur = n->t;
	ns->conf = n->conf;
	free(n);
	/* The old table's files are freed by now, or by their last transfer:
	 * give the pages between the new ones back instead of holding both
	 * generations' worth. */
	malloc_trim(0);
}

void tl_tftp_ns_cancel(tl_tftp_ns *ns)
{
	atomic_store(&ns->cancel, 1);
}

int tl_tftp_ns_lookup(tl_tftp_ns *ns, const char *name, tl_tftp_file *out)
{
	char key[NAME_MAX_LEN];
	entry *en;
	blob *b;
	int rc = normalize(name, key, sizeof(key));

	memset(out, 0, sizeof(*out));
	if (rc)
		return rc;
	if ((en = find(ns->cur, key)) == NULL)
		return -1;
	if ((b = en->b) == NULL)
		return -2;
	if (b->why) {
		out->why = b->why;
		return -1;
	}
	if (b->data == NULL && b->plain_users++ == 0 && (b->plain = unpack(b)) == NULL) {
		b->plain_users = 0;
		return -3;
	}
	atomic_fetch_add(&b->refs, 1);
	out->data = b->data ? b->data : b->plain;
	out->len = b->len;
	out->ref = b;
	return 0;
}

void tl_tftp_ns_release(tl_tftp_ns *ns, tl_tftp_file *f)
{
	blob *b = f->ref;

	if (b && b->data == NULL && --b->plain_users == 0) {
		free(b->plain);
		b->plain = NULL;
	}
	blob_unref(b);
	f->ref = NULL;
}

const tl_conf *tl_tftp_ns_conf(const tl_tftp_ns *ns)
{
	return &ns->conf;
}

void tl_tftp_ns_stats(const tl_tftp_ns *ns, size_t *files, uint64_t *bytes,
		      uint64_t *held)
{
	*files = ns->cur->files;
	*bytes = ns->cur->bytes;
	*held = ns->cur->held;
}

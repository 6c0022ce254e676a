#include "namespace.h"

#include <malloc.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "log.h"
#include "nstable.h"
#include "pack.h"
#include "tftpboot.h"

struct tl_tftp_next {
	tl_tftp_table *t;
	tl_conf conf;
	long generation;
};

struct tl_tftp_ns {
	char dir[1024];
	char *conf_path;
	char node[64];		/* --node: over [tftp] node at every load */
	tl_conf conf;
	tl_tftp_gen_fn gen;
	void *gen_arg;
	tl_tftp_table *cur;
	long generation;	/* the database's, read before cur was built */
	atomic_int cancel;
	/* The static-file signer, kept from one load to the next so a reload
	 * after privileges were dropped can still sign. */
	tl_cert *cert;
	tl_key *key;
	/* The store later builds read through (tl_tftp_ns_keep_store); NULL:
	 * each build opens its own. */
	tl_store *store;
};

uint8_t *tl_tftp_blob_unpack(const tl_tftp_blob *b)
{
	uint8_t *p = malloc(b->len);

	if (p && tl_pack_inflate(&b->pk, p, b->len)) {
		free(p);
		p = NULL;
	}
	return p;
}

static void blob_unref(tl_tftp_blob *b)
{
	if (b && atomic_fetch_sub(&b->refs, 1) == 1) {
		free(b->plain);
		free(b->data);
		free(b->why);
		tl_packed_free(&b->pk);
		free(b);
	}
}

int tl_tftp_key(const char *name, char *out, size_t n)
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
	return strcmp(((const tl_tftp_entry *)n)->key, key) == 0;
}

tl_tftp_entry *tl_tftp_table_find(const tl_tftp_table *t, const char *key)
{
	return (tl_tftp_entry *)tl_htab_find(&t->names,
					     tl_hash_bytes(key, strlen(key)),
					     key_eq, key);
}

int tl_tftp_table_put(tl_tftp_table *t, const char *key, tl_tftp_blob *b,
		      tl_err *e)
{
	size_t n = strlen(key);
	tl_tftp_entry *en;

	if (tl_tftp_table_find(t, key)) {
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
	char key[TL_TFTP_NAME_MAX];
	tl_tftp_blob *b;

	if (tl_tftp_key(name, key, sizeof(key))) {
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
	return tl_tftp_table_put(t, key, b, e);
}

int tl_tftp_table_missing(tl_tftp_table *t, const char *name, const char *why,
			  tl_err *e)
{
	char key[TL_TFTP_NAME_MAX];
	tl_tftp_blob *b;

	if (tl_tftp_key(name, key, sizeof(key)))
		return tl_fail(e, "\"%s\" cannot be served", name);
	if ((b = calloc(1, sizeof(*b))) == NULL || (b->why = strdup(why)) == NULL) {
		free(b);
		return tl_fail(e, "out of memory");
	}
	atomic_init(&b->refs, 1);
	return tl_tftp_table_put(t, key, b, e);
}

int tl_tftp_table_share(tl_tftp_table *t, const tl_tftp_table *prev,
			const char *name, tl_err *e)
{
	char key[TL_TFTP_NAME_MAX];
	tl_tftp_entry *en;

	if (prev == NULL || tl_tftp_key(name, key, sizeof(key)) ||
	    (en = tl_tftp_table_find(prev, key)) == NULL || en->b == NULL)
		return 1;
	atomic_fetch_add(&en->b->refs, 1);
	return tl_tftp_table_put(t, key, en->b, e);
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
	tl_tftp_entry *en = (tl_tftp_entry *)n;

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

static int load_signer(tl_tftp_ns *ns, tl_store *s, tl_err *e)
{
	tl_cert *c;
	tl_key *k;

	if (tl_store_identity_load(s, "CallManager", tl_conf_tftp_node(&s->conf), &c,
				   &k, e)) {
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

static tl_tftp_table *build(tl_tftp_ns *ns, tl_conf *conf, long *generation,
			    tl_err *e)
{
	tl_tftp_table *t = NULL;
	tl_tftp_boot w;
	tl_store own, *s = ns->store;
	int rc = -1;

	memset(&w, 0, sizeof(w));
	/* under chroot the administrator's file is read through a descriptor
	 * (tl_file_keep), which an editor's rename leaves on the old file */
	if (ns->conf_path && tl_file_replaced(ns->conf_path))
		tl_log(LOG_WARNING, "event=config file=%s warning=\"replaced since "
		       "the start: its old text still applies under chroot; restart "
		       "tftpd to read the new one\"", ns->conf_path);
	if (s == NULL) {
		if (tl_store_open(&own, ns->dir, e))
			return NULL;
		s = &own;
		if (ns->conf_path && tl_store_reload_conf(s, ns->conf_path, e))
			goto out;
	} else if (tl_store_reload_conf(s, ns->conf_path, e)) {
		goto out;
	}
	/* read first: a change committed during the build is loaded next */
	*generation = tl_store_generation(s);
	if (ns->node[0]) {
		memcpy(s->conf.tftp.node, ns->node, sizeof(ns->node));
		if (tl_conf_check_tftp_node(&s->conf, ns->node, e)) {
			tl_wrap(e, "--node");
			goto out;
		}
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL || tl_htab_init(&t->names, 256)) {
		tl_fail(e, "out of memory");
		goto out;
	}
	t->cancel = &ns->cancel;
	if (ns->gen && ns->gen(ns->gen_arg, s, ns->cur, t, e))
		goto out;
	if (tl_tftp_boot_load(&w, t, s, e))
		goto out;
	if (s->conf.tftp.sign_static &&
	    (load_signer(ns, s, e) || tl_tftp_boot_sign(&w, ns->cert, ns->key, e)))
		goto out;
	if (atomic_load(&ns->cancel)) {
		tl_fail(e, "cancelled");
		goto out;
	}
	t->cancel = NULL;
	if (t->packer)
		t->held += tl_packer_dict_len(t->packer);
	tl_packer_free(t->packer);
	t->packer = NULL;
	*conf = s->conf;
	rc = 0;
out:
	tl_tftp_boot_free(&w);
	if (s == &own)
		tl_store_close(&own);
	if (rc) {
		table_free(t);
		return NULL;
	}
	return t;
}

tl_tftp_ns *tl_tftp_ns_open(const char *dir, const char *conf_path,
			    const char *node, tl_tftp_gen_fn gen, void *arg,
			    tl_err *e)
{
	tl_tftp_ns *ns = calloc(1, sizeof(*ns));

	if (ns == NULL) {
		tl_fail(e, "out of memory");
		return NULL;
	}
	if (snprintf(ns->dir, sizeof(ns->dir), "%s", dir) >= (int)sizeof(ns->dir) ||
	    (conf_path && (ns->conf_path = strdup(conf_path)) == NULL) ||
	    (node && snprintf(ns->node, sizeof(ns->node), "%s", node) >=
		     (int)sizeof(ns->node))) {
		tl_fail(e, "%s: path or node name too long", dir);
		tl_tftp_ns_free(ns);
		return NULL;
	}
	ns->gen = gen;
	ns->gen_arg = arg;
	if ((ns->cur = build(ns, &ns->conf, &ns->generation, e)) == NULL) {
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

int tl_tftp_ns_rebase(tl_tftp_ns *ns, const char *dir, tl_err *e)
{
	if (snprintf(ns->dir, sizeof(ns->dir), "%s", dir) >= (int)sizeof(ns->dir))
		return tl_fail(e, "%s: path too long", dir);
	return 0;
}

tl_store *tl_tftp_ns_store(tl_tftp_ns *ns)
{
	return ns->store;
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
	if ((n->t = build(ns, &n->conf, &n->generation, e)) == NULL) {
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
	ns->generation = n->generation;
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
	char key[TL_TFTP_NAME_MAX];
	tl_tftp_entry *en;
	tl_tftp_blob *b;
	int rc = tl_tftp_key(name, key, sizeof(key));

	memset(out, 0, sizeof(*out));
	if (rc)
		return rc;
	if ((en = tl_tftp_table_find(ns->cur, key)) == NULL)
		return -1;
	if ((b = en->b) == NULL)
		return -2;
	if (b->why) {
		out->why = b->why;
		return -1;
	}
	if (b->data == NULL && b->plain_users++ == 0 &&
	    (b->plain = tl_tftp_blob_unpack(b)) == NULL) {
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
	tl_tftp_blob *b = f->ref;

	if (b && b->data == NULL && --b->plain_users == 0) {
		free(b->plain);
		b->plain = NULL;
	}
	blob_unref(b);
	f->ref = NULL;
}

long tl_tftp_ns_generation(const tl_tftp_ns *ns)
{
	return ns->generation;
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

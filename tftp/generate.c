#include "generate.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "file.h"
#include "fromstore.h"
#include "loop.h"
#include "log.h"

void tl_tftp_gen_init(tl_tftp_gen *g)
{
	memset(g, 0, sizeof(*g));
}

/* A device's name and the digest of everything its files are made from. */
struct tl_gen_seen {
	char name[16];
	uint8_t digest[32];
	int nfiles;
	char files[3][sizeof(((tl_cnf_file *)0)->name)];
};

/* A table's memo: its devices, by name. */
struct seen_list {
	struct tl_gen_seen *v;
	size_t n;
};

static void seen_list_free(void *p)
{
	struct seen_list *l = p;

	free(l->v);
	free(l);
}

void tl_tftp_gen_free(tl_tftp_gen *g)
{
	tl_cnf_signer_free(&g->sg);
}

/* SHA-256 over the device row, the cluster settings the renderer reads,
 * the signer and the template (its digest): equal digests, equal files. */
static void inputs_digest(tl_store *s, const tl_cert *signer, const tl_device *d,
			  const uint8_t template_digest[32], uint8_t out[32])
{
	const tl_conf *c = &s->conf;
	uint8_t h[TL_HASH_MAX];
	tl_buf in;

	tl_buf_init(&in);
	tl_buf_add(&in, d, offsetof(tl_device, lsc));	/* the fixed-size fields */
	tl_buf_add(&in, d->lsc, d->lsc_len);
	tl_buf_u8(&in, 0);
	tl_buf_add(&in, d->mic, d->mic_len);
	tl_buf_add(&in, c->domain, sizeof(c->domain));
	tl_buf_add(&in, c->nodes, sizeof(c->nodes));
	tl_buf_add(&in, c->tftp_nodes, sizeof(c->tftp_nodes));
	tl_buf_add(&in, &c->tftp.serve_unsigned, sizeof(c->tftp.serve_unsigned));
	tl_buf_add(&in, signer->der, signer->der_len);
	tl_buf_add(&in, template_digest, 32);
	tl_hash(TL_HASH_SHA256, in.p, in.len, h);
	memcpy(out, h, 32);
	tl_buf_free(&in);
}

static const struct tl_gen_seen *seen_find(const struct seen_list *l, const char *name)
{
	/* devices come by name, in the same order each time: bisect */
	size_t lo = 0, hi = l ? l->n : 0;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(l->v[mid].name, name);

		if (c == 0)
			return &l->v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The node's CallManager identity signs; loaded at the first render (before
 * privileges are dropped). A regenerated certificate takes over when its
 * key can be read; after privileges were dropped it may not be, and the
 * loaded signer goes on (the log says so). */
static int refresh_signer(tl_tftp_gen *g, tl_store *s, tl_err *err)
{
	tl_cnf_signer fresh;
	tl_cert *c;
	tl_err e;

	if (g->sg.cert == NULL)
		return tl_cnf_signer_load(s, &g->sg, err);
	if (tl_store_identity_load(s, "CallManager", tl_conf_tftp_node(&s->conf), &c,
				   NULL, &e))
		return 0;
	if (c->der_len == g->sg.cert->der_len &&
	    !memcmp(c->der, g->sg.cert->der, c->der_len)) {
		tl_cert_free(c);
		return 0;
	}
	tl_cert_free(c);
	if (tl_cnf_signer_load(s, &fresh, &e)) {
		char m[600];

		tl_log(LOG_WARNING, "event=signer result=kept error=%s",
		       tl_log_val(e.msg, m, sizeof(m)));
		return 0;
	}
	tl_cnf_signer_free(&g->sg);
	g->sg = fresh;
	return 0;
}

/* A tftpd told which node it is serves that node's ITL (signed by its own
 * CallManager key, made with the key loaded at start); without [tftp] node
 * tftpboot/ITLFile.tlv goes out as it is. */
static int node_itl(tl_tftp_gen *g, tl_store *s, tl_tftp_table *t, tl_err *e)
{
	tl_buf out;
	int rc;

	if (s->conf.tftp.node[0] == 0)
		return 0;
	rc = tl_itl_for_node(s, g->sg.cert, g->sg.key, &out, e);
	if (rc)
		return rc < 0 ? -1 : 0;
	return tl_tftp_table_add(t, "ITLFile.tlv", out.p, out.len, e);
}

struct each {
	tl_tftp_gen *g;
	tl_store *s;
	const tl_tftp_table *prev;
	const struct seen_list *before;	/* prev's memo */
	tl_tftp_table *t;
	tl_err *e;
	int failed;
	struct tl_gen_seen *seen;	/* this generation's, by name */
	size_t nseen, cap;
	/* the last template read: devices share a few, read once a reload */
	char tpl_name[64];
	uint8_t tpl_digest[32];
};

/* The digest of a template file (zeros for the built-in one). */
static const uint8_t *template_digest(struct each *x, const char *name)
{
	char path[1200];
	uint8_t *tpl, h[TL_HASH_MAX];
	size_t len;
	tl_err e;

	if (x->tpl_name[0] && !strcmp(x->tpl_name, name))
		return x->tpl_digest;
	snprintf(x->tpl_name, sizeof(x->tpl_name), "%s", name);
	memset(x->tpl_digest, 0, 32);
	tl_store_path(x->s, path, sizeof(path), "templates/%s.cnf.xml", name);
	if (tl_read_file(path, 1 << 20, &tpl, &len, &e) == 0) {
		tl_hash(TL_HASH_SHA256, tpl, len, h);
		memcpy(x->tpl_digest, h, 32);
		free(tpl);
	}
	return x->tpl_digest;
}

/* Shares the device's files from the table being served when its inputs
 * did not change; 1 when they must be made again. */
static int reuse(struct each *x, const tl_device *d, const uint8_t digest[32])
{
	const struct tl_gen_seen *old = seen_find(x->before, d->name);

	if (old == NULL || memcmp(old->digest, digest, 32))
		return 1;
	for (int i = 0; i < old->nfiles; i++)
		if (tl_tftp_table_share(x->t, x->prev, old->files[i], x->e))
			return 1;	/* a file added before is harmless: it is the same */
	return 0;
}

static struct tl_gen_seen *remember(struct each *x, const tl_device *d,
				    const uint8_t digest[32])
{
	struct tl_gen_seen *n;

	if (x->nseen == x->cap) {
		struct tl_gen_seen *g = realloc(x->seen, (x->cap = x->cap ? x->cap * 2 : 256) *
						sizeof(*g));

		if (g == NULL)
			return NULL;
		x->seen = g;
	}
	n = &x->seen[x->nseen++];
	memset(n, 0, sizeof(*n));
	memcpy(n->name, d->name, sizeof(n->name));
	memcpy(n->digest, digest, 32);
	return n;
}

/* A device whose configuration cannot be made: each name a phone asks
 * for answers "not found" with why, and the log says it at every render. */
static int unrenderable(struct each *x, const tl_device *d, const char *result,
			const char *why)
{
	static const char *const ext[] = { ".cnf.xml.sgn", ".cnf.xml.enc.sgn", ".cnf.xml" };
	char name[64], msg[600], m[700];
	tl_err e;

	tl_log(LOG_ERR, "event=render device=%s result=%s error=%s", d->name, result,
	       tl_log_val(why, m, sizeof(m)));
	x->g->failed++;
	snprintf(msg, sizeof(msg), "the configuration cannot be made: %s",
		 why);
	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		snprintf(name, sizeof(name), "%s%s", d->name, ext[i]);
		if (tl_tftp_table_missing(x->t, name, msg, &e)) {
			*x->e = e;
			return x->failed = 1;
		}
	}
	return 0;
}

static int one_device(void *arg, const tl_device *d)
{
	struct each *x = arg;
	struct tl_gen_seen *mine;
	uint8_t digest[32];
	tl_cnf_signer sg;
	tl_cnf_file f[3];
	char warn[400], m[600];
	int n;

	if (tl_tftp_table_cancelled(x->t)) {
		tl_fail(x->e, "cancelled");
		return x->failed = 1;
	}
	inputs_digest(x->s, x->g->sg.cert, d, template_digest(x, d->template_name),
		      digest);
	if (x->prev && reuse(x, d, digest) == 0) {
		const struct tl_gen_seen *old = seen_find(x->before, d->name);

		x->g->devices++;
		x->g->files += old->nfiles;
		if ((mine = remember(x, d, digest)) == NULL)
			return x->failed = 1;
		*mine = *old;
		return 0;
	}
	x->g->devices++;
	sg = x->g->sg;
	sg.defer = x->g->defer;
	n = tl_cnf_files(x->s, &sg, d, x->s->conf.tftp.serve_unsigned, f, warn,
			 sizeof(warn), x->e);
	/* one device's broken template or unusable certificate must not take
	 * every phone down; it is not remembered, so the next render tries
	 * again */
	if (n < 0)
		return unrenderable(x, d, "failed", x->e->msg);
	if (n == 0 && warn[0])
		return unrenderable(x, d, "skipped", warn);
	x->g->rendered++;
	if (warn[0])
		tl_log(LOG_WARNING, "event=render device=%s result=partial reason=%s",
		       d->name, tl_log_val(warn, m, sizeof(m)));
	if ((mine = remember(x, d, digest)) == NULL)
		return x->failed = 1;
	mine->nfiles = n;
	for (int i = 0; i < n; i++) {
		memcpy(mine->files[i], f[i].name, sizeof(mine->files[i]));
		if (x->failed || tl_tftp_table_add(x->t, f[i].name, f[i].data.p,
						   f[i].data.len, x->e))
			x->failed = 1;
		else
			x->g->files++;
		f[i].data.p = NULL;	/* the table owns it, or freed it */
		tl_cnf_file_free(&f[i]);
	}
	return x->failed;
}

/* A trust list that no longer lists what the stores hold (a crash in the
 * middle of a regeneration, a file put there by hand) is served as it is,
 * since it is what phones hold, but said at every render. */
static void check_lists(tl_store *s)
{
	char why[512], v[1100];
	tl_err e;

	for (int ctl = 0; ctl < 2; ctl++) {
		int rc = ctl ? tl_ctl_matches_store(s, why, sizeof(why), &e) :
			 tl_itl_matches_store(s, why, sizeof(why), &e);

		if (rc == 0)
			tl_log(LOG_WARNING, "event=list_stale list=%s detail=%s "
			       "fix=\"trustline cert check\"", ctl ? "CTL" : "ITL",
			       tl_log_val(why, v, sizeof(v)));
	}
}

int tl_tftp_generate(void *arg, tl_store *s, const tl_tftp_table *prev,
		     tl_tftp_table *t, tl_err *e)
{
	tl_tftp_gen *g = arg;
	struct each x = { g, s, prev, tl_tftp_table_memo(prev), t, e, 0, NULL, 0, 0,
			  "", { 0 } };
	struct seen_list *l = malloc(sizeof(*l));
	uint64_t t0 = tl_now_ms();

	if (l == NULL)
		return tl_fail(e, "out of memory");
	if (refresh_signer(g, s, e))
		return -1;
	g->devices = g->files = g->rendered = g->failed = 0;
	if (node_itl(g, s, t, e) || tl_dev_each(s, one_device, &x, e) || x.failed) {
		free(x.seen);
		free(l);
		return -1;
	}
	l->v = x.seen;
	l->n = x.nseen;
	tl_tftp_table_set_memo(t, l, seen_list_free);
	g->last_ms = (long)(tl_now_ms() - t0);
	tl_log(LOG_INFO, "event=render devices=%d rendered=%d reused=%d failed=%d "
	       "files=%d ms=%ld", g->devices, g->rendered,
	       g->devices - g->rendered - g->failed, g->failed, g->files, g->last_ms);
	check_lists(s);
	return 0;
}

#include "generate.h"

#include <string.h>
#include <syslog.h>

#include "loop.h"
#include "log.h"

int tl_tftp_gen_init(tl_tftp_gen *g, const char *dir, tl_err *e)
{
	tl_store s;
	int rc;

	memset(g, 0, sizeof(*g));
	if (tl_store_open(&s, dir, e))
		return -1;
	rc = tl_cnf_signer_load(&s, &g->sg, e);
	tl_store_close(&s);
	return rc;
}

void tl_tftp_gen_free(tl_tftp_gen *g)
{
	tl_cnf_signer_free(&g->sg);
}

/* A regenerated CallManager certificate takes over when its key can be
 * read; after privileges were dropped it may not be, and the loaded
 * signer goes on (the log says so). */
static void refresh_signer(tl_tftp_gen *g, tl_store *s)
{
	tl_cnf_signer fresh;
	tl_cert *c;
	tl_err e;

	if (tl_store_identity_load(s, "CallManager", s->conf.tftp_nodes[0], &c, NULL, &e))
		return;
	if (g->sg.cert && c->der_len == g->sg.cert->der_len &&
	    !memcmp(c->der, g->sg.cert->der, c->der_len)) {
		tl_cert_free(c);
		return;
	}
	tl_cert_free(c);
	if (tl_cnf_signer_load(s, &fresh, &e)) {
		char m[600];

		tl_log(LOG_WARNING, "event=signer result=kept error=%s",
		       tl_log_val(e.msg, m, sizeof(m)));
		return;
	}
	tl_cnf_signer_free(&g->sg);
	g->sg = fresh;
}

struct each {
	tl_tftp_gen *g;
	tl_store *s;
	tl_tftp_table *t;
	tl_err *e;
	int failed;
};

static int one_device(void *arg, const tl_device *d)
{
	struct each *x = arg;
	tl_cnf_file f[3];
	char warn[400], m[600];
	int n;

	n = tl_cnf_files(x->s, &x->g->sg, d, x->s->conf.tftp.serve_unsigned, f, warn,
			 sizeof(warn), x->e);
	if (n < 0) {
		/* one device's broken template must not take every phone down */
		tl_log(LOG_ERR, "event=render device=%s result=failed error=%s",
		       d->name, tl_log_val(x->e->msg, m, sizeof(m)));
		return 0;
	}
	if (warn[0])
		tl_log(LOG_WARNING, "event=render device=%s result=skipped reason=%s",
		       d->name, tl_log_val(warn, m, sizeof(m)));
	x->g->devices++;
	for (int i = 0; i < n; i++) {
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

int tl_tftp_generate(void *arg, tl_store *s, tl_tftp_table *t, tl_err *e)
{
	tl_tftp_gen *g = arg;
	struct each x = { g, s, t, e, 0 };
	uint64_t t0 = tl_now_ms();

	refresh_signer(g, s);
	g->devices = g->files = 0;
	if (tl_dev_each(s, one_device, &x, e) || x.failed)
		return -1;
	g->last_ms = (long)(tl_now_ms() - t0);
	tl_log(LOG_INFO, "event=render devices=%d files=%d ms=%ld", g->devices,
	       g->files, g->last_ms);
	return 0;
}

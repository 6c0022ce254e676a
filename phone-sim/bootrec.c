/* The boot's record and its way to TVS (boot.h), shared by boot and
 * connect. */
#include "boot.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phonenet.h"
#include "phonesim.h"

tl_boot *tl_boot_new(void)
{
	tl_boot *b = calloc(1, sizeof(*b));

	if (b)
		b->timeout_ms = 5000;
	return b;
}

int tl_boot_load(tl_boot *b, const char *state, const char *mac,
		 const char *model, tl_err *e)
{
	tl_err why;

	if (tl_flash_load(&b->f, state, mac, model, e))
		return -1;
	if (b->f.config == NULL)
		return 0;
	if (tl_phonecnf_parse(b->f.config, b->f.config_len, &b->last, &why)) {
		tl_sim_progress("the stored configuration is unusable (%s): no "
				"TVS", why.msg);
		return 0;
	}
	b->have_last = 1;
	return 0;
}

void tl_boot_server(const tl_boot *b, char *out, size_t n)
{
	const tl_phonecnf_server *t = &b->tftp[b->cur];
	char host[sizeof(t->host)];

	memcpy(host, t->host, sizeof(host));	/* out may be a step of b */
	snprintf(out, n, "%.256s:%d", host, b->http_port ? b->http_port : t->port);
}

void tl_boot_record(tl_boot *b, const char *what, const char *file,
		    const tl_verdict *v)
{
	if (!tl_sim_json)
		printf("%s\n", v->line);
	if (!v->accepted && !b->refused) {
		b->refused = 1;
		snprintf(b->reason, sizeof(b->reason), "%s", v->line);
	}
	if (b->nsteps == TL_BOOT_STEPS)
		return;
	tl_boot_step *s = &b->steps[b->nsteps++];

	snprintf(s->step, sizeof(s->step), "%s", what);
	snprintf(s->file, sizeof(s->file), "%s", file);
	tl_boot_server(b, s->server, sizeof(s->server));
	s->accepted = v->accepted;
	snprintf(s->line, sizeof(s->line), "%s", v->line);
}

void tl_boot_decide(tl_boot *b, const char *what, const char *file,
		    int accepted, const char *fmt, ...)
{
	tl_verdict v;
	va_list ap;

	va_start(ap, fmt);
	tl_verdict_vmake(&v, what, file, accepted, fmt, ap);
	va_end(ap);
	tl_boot_record(b, what, file, &v);
}

static void tvs_note(const char *line)
{
	tl_sim_progress("%s", line);
}

static int tvs_ask(void *arg, const tl_cert *cert, const char *issuer,
		   const uint8_t *serial, size_t serial_len, tl_phone_tvs_answer *a)
{
	tl_boot *b = arg;
	tl_phonecnf_server list[TL_PHONE_SERVERS];
	size_t n = tl_phone_tvs_servers(&b->f.phone, b->tvs, b->ntvs,
					b->have_last ? &b->last : NULL, list);

	tl_phone_tvs_ask(&b->f.phone, list, n, b->timeout_ms, cert, issuer, serial,
			 serial_len, a, tvs_note);
	return 0;
}

tl_tvs_fn tl_boot_tvs(const tl_boot *b)
{
	tl_phonecnf_server list[TL_PHONE_SERVERS];

	return tl_phone_tvs_servers(&b->f.phone, b->tvs, b->ntvs,
				    b->have_last ? &b->last : NULL, list) ? tvs_ask : NULL;
}

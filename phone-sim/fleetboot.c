/* A fleet phone's boot (fleetphone.h): a small state machine over the TFTP
 * client's (tftpclient.h tl_tftpc_ev_start), one step of
 * docs/phone-trust.md's boot per file, with the decisions of `boot`. */
#include "fleetphone.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "file.h"
#include "signedfile.h"

/* Finer than tl_now_ms: a boot on loopback takes a few milliseconds. */
double tl_fleet_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- decisions ---- */

static void record(tl_fleet_boot *b, const tl_verdict *v)
{
	if (!v->accepted && !b->refused) {
		b->refused = 1;
		snprintf(b->reason, sizeof(b->reason), "%s", v->line);
	}
}

static void refuse(tl_fleet_boot *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void refuse(tl_fleet_boot *b, const char *fmt, ...)
{
	tl_verdict v;
	va_list ap;

	va_start(ap, fmt);
	tl_verdict_vmake(&v, "CONF", b->file, 0, fmt, ap);
	va_end(ap);
	record(b, &v);
}

/* The configuration the server sent (rc TL_TFTPC_OK) or did not have. */
static void configure(tl_fleet_boot *b, int rc, const uint8_t *buf, size_t len)
{
	const uint8_t *xml = buf;
	size_t xml_len = len;
	tl_phonecnf cfg;
	tl_verdict v;
	tl_sfile h;
	tl_err e;

	if (rc == TL_TFTPC_NOTFOUND) {
		refuse(b, "not on the server (is the device added?): the phone stays "
		       "unconfigured");
		return;
	}
	if (tl_phone_config(&b->f.phone, b->file, buf, len, tl_fleet_tvs(b), b, &v)) {
		if (!b->q.pending)
			record(b, &v);
		return;
	}
	if (b->stage == S_CNF_SGN) {
		tl_sfile_parse(&h, buf, len, b->file, &e);	/* it verified: it parses */
		xml = h.body;
		xml_len = h.body_len;
	}
	if (tl_phonecnf_parse(xml, xml_len, &cfg, &e))
		refuse(b, "signed but unusable: %s", e.msg);
	else if (cfg.encrypted)
		refuse(b, "encrConfig: a fleet phone has no MIC or LSC to decrypt with "
		       "(phone-sim boot has)");
	else if (tl_flash_save_config(&b->f, xml, xml_len, &e))
		refuse(b, "not kept: %s", e.msg);
}

/* ---- a boot ---- */

static void add_outcome(tl_fleet *fl, const char *reason)
{
	size_t i;

	for (i = 0; i < fl->nout; i++)
		if (!strcmp(fl->out[i].reason, reason))
			break;
	if (i == fl->nout) {
		if (fl->nout == TL_FLEET_OUTCOMES)
			i = TL_FLEET_OUTCOMES - 1;	/* the last one counts the rest */
		else if ((fl->out[i].reason = strdup(reason)) != NULL)
			fl->nout++;
		else
			return;
	}
	fl->out[i].count++;
}

/* The reason, the same for every phone it happened to: its MAC masked. */
static void mask_mac(char *s, const char *mac)
{
	for (char *p = strstr(s, mac); p; p = strstr(p, mac)) {
		memmove(p + 5, p + 12, strlen(p + 12) + 1);
		memcpy(p, "<MAC>", 5);
	}
}

static void end_boot(tl_fleet_boot *b, const char *error)
{
	tl_fleet *fl = b->fl;
	tl_err e;

	if (error == NULL && tl_fleet_flash_save(b, &e))
		error = e.msg;
	fl->lat[fl->done++] = tl_fleet_now() - b->t0;
	if (error) {
		fl->errors++;
		snprintf(b->reason, sizeof(b->reason), "error: %s", error);
	} else if (b->refused) {
		fl->refused++;
	} else {
		fl->trusted++;
		snprintf(b->reason, sizeof(b->reason), "%s", b->tvs_vouched ?
			 "trusted, TVS vouched for a signer" : "trusted");
	}
	mask_mac(b->reason, b->f.mac);
	add_outcome(fl, b->reason);
	if (fl->mem && fl->mem[b->idx].config == NULL) {
		fl->mem[b->idx].config = b->f.config;	/* not replaced: kept */
		fl->mem[b->idx].config_len = b->f.config_len;
		b->f.config = NULL;
	}
	tl_flash_free(&b->f);
	tl_fleet_tvs_free(&b->q);
	free(b->buf);
	free(b);
	fl->inflight--;
	tl_fleet_refill(fl);
}

static void fetched(void *arg, int rc, uint8_t *out, size_t len, const tl_err *e);

static void fetch(tl_fleet_boot *b, enum tl_fleet_stage s)
{
	static const char *const names[] = {
		"CTLSEP%s.tlv", "CTLFile.tlv", "ITLSEP%s.tlv", "ITLFile.tlv",
		"SEP%s.cnf.xml.sgn", "SEP%s.cnf.xml",
	};
	tl_err e;

	b->stage = s;
	snprintf(b->file, sizeof(b->file), names[s], b->f.mac);
	if (tl_tftpc_ev_start(b->fl->loop, &b->fl->o[b->srv], b->file, TL_FILE_MAX, &b->r,
			      fetched, b, &e) != TL_TFTPC_MORE)
		end_boot(b, e.msg);
}

/* A file arrived (or is not on the server): what the boot does next. */
static void fetched(void *arg, int rc, uint8_t *out, size_t len, const tl_err *e)
{
	tl_fleet_boot *b = arg;
	tl_fleet *fl = b->fl;
	tl_phone *p = &b->f.phone;

	fl->transfers++;
	fl->bytes += b->r.bytes;
	fl->resent += b->r.timeouts || b->r.repeats;
	/* a server that does not answer: the same file from the next one,
	 * which the boot then stays with */
	if (tl_phone_tftp_unanswered(rc) && b->srv + 1 < fl->ntftp) {
		free(out);
		b->srv++;
		fl->failed_over += !b->failed_over;
		b->failed_over = 1;
		fetch(b, b->stage);
		return;
	}
	if (rc == TL_TFTPC_OK)
		fl->served[b->srv]++;
	if (rc != TL_TFTPC_OK && rc != TL_TFTPC_NOTFOUND) {
		free(out);
		end_boot(b, e->msg);
		return;
	}
	if (rc == TL_TFTPC_NOTFOUND) {
		free(out);
		out = NULL;
		len = 0;
		if (b->stage == S_CTL_SEP || b->stage == S_ITL_SEP ||
		    (b->stage == S_CNF_SGN && (p->rollback || (!p->has_itl && !p->has_ctl)))) {
			fetch(b, b->stage + 1);
			return;
		}
	}
	b->rc = rc;
	b->buf = out;
	b->len = len;
	tl_fleet_decide(b);
}

/* One step of docs/phone-trust.md's boot per file, as `boot` takes them; a
 * step that needs TVS returns here with the answer (x_end). */
void tl_fleet_decide(tl_fleet_boot *b)
{
	tl_phone *p = &b->f.phone;
	tl_verdict v;

	switch (b->stage) {
	case S_CTL_SEP:
	case S_CTL:
		tl_phone_ctl(p, b->buf, b->len, NULL, &v);
		break;
	case S_ITL_SEP:
	case S_ITL:
		tl_phone_itl(p, b->buf, b->len, NULL, tl_fleet_tvs(b), b, &v);
		break;
	case S_CNF_SGN:
	case S_CNF_XML:
		configure(b, b->rc, b->buf, b->len);
		break;
	}
	if (b->q.pending)
		return tl_fleet_tvs_start(b);
	free(b->buf);
	b->buf = NULL;
	if (b->stage >= S_CNF_SGN)
		return end_boot(b, NULL);
	record(b, &v);
	fetch(b, b->stage <= S_CTL ? S_ITL_SEP : S_CNF_SGN);
}

static void start_boot(tl_fleet *fl)
{
	tl_fleet_boot *b = calloc(1, sizeof(*b));
	char mac[13];
	tl_err e;

	fl->inflight++;
	if (b == NULL) {
		fl->inflight--;
		fl->lat[fl->done++] = 0;
		fl->errors++;
		add_outcome(fl, "error: out of memory");
		return;
	}
	b->fl = fl;
	b->idx = fl->next++;
	b->t0 = tl_fleet_now();
	snprintf(mac, sizeof(mac), "%012llX",
		 (unsigned long long)((fl->mac_base + b->idx) & 0xffffffffffffull));
	if (tl_fleet_flash_load(b, mac, &e)) {
		snprintf(b->f.mac, sizeof(b->f.mac), "%s", mac);
		end_boot(b, e.msg);
		return;
	}
	if (b->f.config && tl_phonecnf_parse(b->f.config, b->f.config_len, &b->last, &e) == 0)
		b->have_last = 1;
	fetch(b, S_CTL_SEP);
}

/* Keeps C boots going; the guard makes a boot that ends at once (a
 * failure before any packet) wait for the loop instead of recursing. */
void tl_fleet_refill(tl_fleet *fl)
{
	if (fl->filling)
		return;
	fl->filling = 1;
	while (fl->inflight < fl->conc && fl->next < fl->count)
		start_boot(fl);
	fl->filling = 0;
	if (fl->done == fl->count)
		tl_loop_stop(fl->loop);
}

/* A phone's boot against rendered files (plan.h), in phone-sim's order
 * (docs/phone-trust.md): the per-phone CTL else CTLFile.tlv, the same for
 * the ITL, then SEP<MAC>.cnf.xml.sgn (the unsigned one only after a
 * rollback ITL or with no list), and for an encrypted profile the
 * .enc.sgn the stub points to. Every judgement is phonetrust.c's. */
#include "plan.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phonecnf.h"
#include "planserved.h"
#include "signedfile.h"

typedef struct booting {
	tl_phone *ph;
	tl_plan_served *sv;
	tl_plan_phone *out;
	tl_plan_asking q;
	const tl_device *d;
} booting;

static void record(booting *b, const char *step, const char *file, const tl_verdict *v)
{
	if (v->accepted || b->out->line[0])
		return;
	b->out->accepted = 0;
	snprintf(b->out->step, sizeof(b->out->step), "%s", step);
	snprintf(b->out->file, sizeof(b->out->file), "%s", file);
	snprintf(b->out->line, sizeof(b->out->line), "%s", v->line);
}

static void refuse(booting *b, const char *step, const char *file, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void refuse(booting *b, const char *step, const char *file, const char *fmt, ...)
{
	tl_verdict v;
	va_list ap;

	va_start(ap, fmt);
	tl_verdict_vmake(&v, step, file, 0, fmt, ap);
	va_end(ap);
	record(b, step, file, &v);
}

/* The file of this name tftpd would send (f->data NULL when none). */
static void get(booting *b, const char *fmt, tl_tftp_file *f, char *name, size_t n)
{
	snprintf(name, n, fmt, b->ph->name + 3);
	memset(f, 0, sizeof(*f));
	if (tl_tftp_ns_lookup(b->sv->ns, name, f)) {
		tl_tftp_ns_release(b->sv->ns, f);
		memset(f, 0, sizeof(*f));
	}
}

static void done(booting *b, tl_tftp_file *f)
{
	if (f->data)
		tl_tftp_ns_release(b->sv->ns, f);
}

static void list(booting *b, const char *kind)
{
	char sep[32], common[32], name[64];
	tl_tftp_file f;
	tl_verdict v;

	snprintf(sep, sizeof(sep), "%sSEP%%s.tlv", kind);
	snprintf(common, sizeof(common), "%sFile.tlv", kind);
	get(b, sep, &f, name, sizeof(name));
	if (f.data == NULL)
		get(b, common, &f, name, sizeof(name));
	if (kind[0] == 'C')
		tl_phone_ctl(b->ph, f.data, f.len, NULL, &v);
	else
		tl_phone_itl(b->ph, f.data, f.len, NULL, tl_plan_tvs_ask, &b->q, &v);
	record(b, kind, common, &v);
	done(b, &f);
}

/* The encrypted configuration a stub names: encrypted to the certificate
 * the device database records for the phone (its LSC, else its MIC), and
 * signed as any configuration. The phone's private key is not here: that
 * it decrypts is taken from the certHash naming its certificate. */
static void encrypted(booting *b, const tl_phonecnf *stub)
{
	const tl_device *d = b->d;
	const uint8_t *own = d && d->lsc ? d->lsc : d ? d->mic : NULL;
	size_t own_len = d && d->lsc ? d->lsc_len : d ? d->mic_len : 0;
	const char *which = d && d->lsc ? "LSC" : "MIC";
	uint8_t md5[TL_HASH_MAX];
	char name[64], *hash;
	tl_tftp_file f;
	tl_verdict v;

	snprintf(name, sizeof(name), "SEP%s.cnf.xml.enc.sgn", b->ph->name + 3);
	if (own == NULL) {
		refuse(b, "ENC", name, "encrConfig, and the device database records "
		       "neither an LSC nor a MIC of this phone to decrypt with");
		return;
	}
	tl_hash(TL_HASH_MD5, own, own_len, md5);
	hash = tl_hex(md5, 16, 0);
	if (hash == NULL || strcmp(hash, stub->cert_hash)) {
		refuse(b, "ENC", name, "certHash %s is not the MD5 of this phone's %s "
		       "(%s): encrypted for another certificate", stub->cert_hash, which,
		       hash ? hash : "?");
		free(hash);
		return;
	}
	free(hash);
	get(b, "SEP%s.cnf.xml.enc.sgn", &f, name, sizeof(name));
	if (f.data == NULL) {
		refuse(b, "ENC", name, "not on the server");
		return;
	}
	tl_plan_config(&b->q, name, f.data, f.len, &v);
	record(b, "CONF", name, &v);
	b->out->configured = v.accepted;
	done(b, &f);
}

static void config(booting *b)
{
	char name[64];
	const uint8_t *xml;
	size_t xml_len;
	tl_phonecnf cfg;
	tl_tftp_file f;
	tl_verdict v;
	tl_sfile h;
	tl_err e;

	get(b, "SEP%s.cnf.xml.sgn", &f, name, sizeof(name));
	if (f.data == NULL && (b->ph->rollback || (!b->ph->has_itl && !b->ph->has_ctl)))
		get(b, "SEP%s.cnf.xml", &f, name, sizeof(name));
	if (f.data == NULL) {
		refuse(b, "CONF", name, "not on the server (is the device added?): the "
		       "phone stays unconfigured");
		return;
	}
	if (tl_plan_config(&b->q, name, f.data, f.len, &v)) {
		record(b, "CONF", name, &v);
		done(b, &f);
		return;
	}
	xml = f.data;
	xml_len = f.len;
	if (strstr(name, ".sgn") && tl_sfile_parse(&h, f.data, f.len, name, &e) == 0) {
		xml = h.body;
		xml_len = h.body_len;
	}
	if (tl_phonecnf_parse(xml, xml_len, &cfg, &e))
		refuse(b, "CONF", name, "signed but unusable: %s", e.msg);
	else if (cfg.encrypted)
		encrypted(b, &cfg);
	else
		b->out->configured = 1;
	done(b, &f);
}

void tl_plan_boot_device(tl_phone *ph, tl_plan_served *sv, const tl_device *d,
			 tl_plan_phone *out)
{
	booting b = { ph, sv, out, { sv, ph, 0 }, d };

	out->accepted = 1;
	out->configured = 0;
	out->step[0] = out->file[0] = out->line[0] = 0;
	list(&b, "CTL");
	list(&b, "ITL");
	config(&b);
	out->tvs_vouched = b.q.vouched;
}

/* Whether the recorded list f is the one served under its name now. */
static int served_now(tl_plan_served *sv, const tl_ts_file *f)
{
	uint8_t md[TL_HASH_MAX];
	tl_tftp_file t;
	char *hex;
	int same;

	memset(&t, 0, sizeof(t));
	if (tl_tftp_ns_lookup(sv->ns, f->file, &t)) {
		tl_tftp_ns_release(sv->ns, &t);
		return 0;
	}
	tl_hash(TL_HASH_SHA256, t.data, t.len, md);
	tl_tftp_ns_release(sv->ns, &t);
	hex = tl_hex(md, 32, 0);
	same = hex && !strcmp(hex, f->sha256);
	free(hex);
	return same;
}

void tl_plan_phone_before(tl_phone *ph, tl_plan_served *before, const tl_device *d,
			  const tl_truststate *rec, tl_plan_phone *out)
{
	static const struct { enum tl_ts_kind k; const char *what; } lists[] = {
		{ TL_TS_ITL, "an ITL" }, { TL_TS_CTL, "a CTL" },
	};

	tl_phone_erase_trust(ph);
	tl_plan_boot_device(ph, before, d, out);
	out->before_ok = out->accepted;
	out->unknown[0] = 0;
	if (rec == NULL)
		return;
	for (int k = 0; k < TL_TS_NKINDS; k++)
		if (rec->has[k] && rec->f[k].time > out->recorded)
			out->recorded = rec->f[k].time;
	/* the same bytes as served now: the boot above is what it holds */
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]) && !out->unknown[0]; i++) {
		const tl_ts_file *f = &rec->f[lists[i].k];

		if (rec->has[lists[i].k] && !served_now(before, f))
			snprintf(out->unknown, sizeof(out->unknown),
				 "holds %s no longer served (%s, sha256 %s)", lists[i].what,
				 f->file, f->sha256);
	}
}

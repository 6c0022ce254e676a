/* `cert revocation check` and the scheduled checks of the daemons. */
#include <stdlib.h>
#include <string.h>

#include "alarm.h"
#include "json.h"
#include "deliver.h"
#include "pki.h"
#include "revcheck.h"
#include "revstate.h"

void tl_pki_revopts(const tl_conf *c, tl_revopts *o)
{
	o->ocsp = c->rev.ocsp;
	o->crl = c->rev.crl;
	o->ocsp_uri = c->rev.ocsp_uri;
	o->crl_uri = c->rev.crl_uri;
	o->nonce = c->rev.nonce;
	o->timeout = c->rev.timeout;
	o->max_crl = (size_t)c->rev.max_crl_kb * 1024;
}

static void cert_id(const tl_cert *c, char out[65])
{
	uint8_t h[TL_HASH_MAX];
	char *hex;

	tl_hash(TL_HASH_SHA256, c->der, c->der_len, h);
	hex = tl_hex(h, 32, 0);
	snprintf(out, 65, "%s", hex ? hex : "");
	free(hex);
}

int tl_pki_rev_get(tl_store *s, const tl_cert *c, tl_rev *r)
{
	char id[65];

	memset(r, 0, sizeof(*r));
	cert_id(c, id);
	return tl_revstate_get(s, id, r);
}

static int rev_put(tl_store *s, const tl_cert *c, const char *object,
		   const tl_rev *r, tl_err *e)
{
	char id[65];

	cert_id(c, id);
	return tl_revstate_put(s, id, object, r, e);
}

#define MAX_SEEN 256

typedef struct run {
	tl_store *s;
	const char *const *only;
	tl_cert **pool;
	size_t npool;
	tl_revopts o;
	json_t *all;	/* --json: the verdicts, written at the end */
	int count, worst;
	int changed;	/* a certificate became or stopped being revoked */
	FILE *out, *alarms;
	char (*seen)[256];	/* objects checked in this run */
	int nseen;
	char (*crls)[512];	/* CRLs already compared in this run */
	int ncrls;
	tl_err *e;
} run;

static void alarm_change(run *x, int rc, const char *name, const char *object,
			 const char *severity, const char *detail)
{
	tl_alarm a;

	if (rc != 1)
		return;
	snprintf(a.name, sizeof(a.name), "%s", name);
	snprintf(a.object, sizeof(a.object), "%s", object);
	snprintf(a.severity, sizeof(a.severity), "%s", severity);
	snprintf(a.detail, sizeof(a.detail), "%s", detail);
	a.raised = time(NULL);
	tl_alarm_print(x->alarms, &a, severity[0] != 0);
	tl_deliver_change(x->s, &a, severity[0] != 0);
}

/* CRLChanged: raised when a CRL differs from the one fetched before from
 * the same place, cleared at the next fetch that finds it unchanged. */
static void crl_seen(run *x, const tl_rev *r)
{
	char key[600], old[80] = "", *hex;
	static const uint8_t zero[32];
	tl_err e;

	if (strcmp(r->method, "crl") || !memcmp(r->crl_sha256, zero, 32))
		return;
	for (int i = 0; i < x->ncrls; i++)
		if (!strcmp(x->crls[i], r->source))
			return;
	if (x->ncrls < MAX_SEEN)
		snprintf(x->crls[x->ncrls++], 512, "%s", r->source);
	if ((hex = tl_hex(r->crl_sha256, 32, 0)) == NULL)
		return;
	snprintf(key, sizeof(key), "crl:%s", r->source);
	tl_store_get(x->s, key, old, sizeof(old));
	if (old[0] && strcmp(old, hex)) {
		char d[600];

		snprintf(d, sizeof(d), "the CRL changed (SHA-256 %.16s... was %.16s...)",
			 hex, old);
		tl_alarm_clear(x->s, "CRLChanged", r->source, &e);
		alarm_change(x, tl_alarm_raise(x->s, "CRLChanged", r->source, "warning",
					       d, &e), "CRLChanged", r->source,
			     "warning", d);
	} else if (old[0]) {
		alarm_change(x, tl_alarm_clear(x->s, "CRLChanged", r->source, &e),
			     "CRLChanged", r->source, "", "unchanged");
	}
	tl_store_set(x->s, key, hex, &e);
	free(hex);
}

void tl_rev_json(json_t *o, const tl_rev *r)
{
	json_object_set_new(o, "status", json_string(tl_rev_status_name(r->status)));
	json_object_set_new(o, "method", tl_json_opt(r->method));
	json_object_set_new(o, "source", tl_json_opt(r->source));
	json_object_set_new(o, "detail", tl_json_opt(r->detail));
	json_object_set_new(o, "checked", tl_json_time(r->checked));
}

static void print(run *x, const char *object, const tl_rev *r)
{
	char when[32];
	struct tm tm;

	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&r->checked, &tm));
	if (x->all) {
		json_t *o = json_object();

		json_object_set_new(o, "object", tl_json_text(object));
		tl_rev_json(o, r);
		json_array_append_new(x->all, o);
	} else {
		fprintf(x->out, "object=%s status=%s method=%s source=%s checked=%s "
			"detail=\"%s\"\n", object, tl_rev_status_name(r->status),
			r->method[0] ? r->method : "-", r->source[0] ? r->source : "-",
			when, r->detail);
	}
	x->count++;
}

static int wanted(const run *x, const char *object)
{
	if (x->only == NULL)
		return 1;
	for (const char *const *p = x->only; *p; p++)
		if (!strcmp(*p, object))
			return 1;
	return 0;
}

static int check_item(void *arg, tl_pki_item *it)
{
	run *x = arg;
	const tl_cert *c = it->cert, *issuer = NULL;
	char object[256], aia[512], cdp[512];
	tl_rev r, before;

	snprintf(object, sizeof(object), "%s/%s", it->group, it->name);
	if (!wanted(x, object) || tl_name_equal(c->subject, c->issuer))
		return 0;	/* a self-signed certificate has no one to revoke it */
	tl_rev_urls(c, aia, sizeof(aia), cdp, sizeof(cdp));
	if (!it->identity && !aia[0] && !cdp[0])
		return 0;
	for (size_t i = 0; i < x->npool && !issuer; i++)
		if (tl_name_equal(c->issuer, x->pool[i]->subject) &&
		    tl_cert_issued_by(c, x->pool[i]))
			issuer = x->pool[i];
	if (issuer == NULL) {
		memset(&r, 0, sizeof(r));
		r.status = TL_REV_ERROR;
		r.checked = time(NULL);
		snprintf(r.detail, sizeof(r.detail), "its issuer %s is in no trust "
			 "store: add it with `trustline cert trust add`", c->issuer);
	} else {
		tl_rev_check(c, issuer, &x->o, &r);
		if (r.status == TL_REV_NONE)
			snprintf(r.detail, sizeof(r.detail), "no OCSP responder and no "
				 "CRL distribution point (set ocsp_uri or crl_uri in "
				 "[revocation])");
	}
	if (tl_pki_rev_get(x->s, c, &before) < 0)
		before.status = TL_REV_NONE;
	if ((before.status == TL_REV_REVOKED) != (r.status == TL_REV_REVOKED))
		x->changed = 1;
	if (rev_put(x->s, c, object, &r, x->e))
		return -1;
	if (x->nseen < MAX_SEEN)
		snprintf(x->seen[x->nseen++], 256, "%s", object);
	print(x, object, &r);
	crl_seen(x, &r);
	if (r.status == TL_REV_REVOKED) {
		char d[700];

		snprintf(d, sizeof(d), "%.200s (%s %.200s): %.200s", c->subject, r.method, r.source,
			 r.detail);
		alarm_change(x, tl_alarm_raise(x->s, "CertificateRevoked", object,
					       "critical", d, x->e),
			     "CertificateRevoked", object, "critical", d);
	} else if (r.status == TL_REV_GOOD) {
		alarm_change(x, tl_alarm_clear(x->s, "CertificateRevoked", object, x->e),
			     "CertificateRevoked", object, "", "good again");
	}
	if (r.status != TL_REV_GOOD && r.status != TL_REV_NONE)
		x->worst = 1;
	return 0;
}

/* After a full run, a revoked certificate that is no longer in the data
 * directory (nor checked any more) no longer raises its alarm. */
static int stale_alarm(void *arg, const tl_alarm *a)
{
	run *x = arg;

	for (int i = 0; i < x->nseen; i++)
		if (!strcmp(x->seen[i], a->object))
			return 0;
	alarm_change(x, tl_alarm_clear(x->s, a->name, a->object, x->e), a->name,
		     a->object, "", "the certificate is gone");
	return 0;
}

int tl_pki_rev_check(tl_store *s, const char *const *only, int json, FILE *out,
		     FILE *alarms, tl_err *e)
{
	run x = { s, only, NULL, 0, { 0 }, json ? json_array() : NULL, 0, 0, 0, out,
		  alarms, NULL, 0, NULL, 0, e };
	int rc;

	tl_pki_revopts(&s->conf, &x.o);
	if (tl_pki_trust_pool(s, 0, &x.pool, &x.npool, e))
		return -1;
	x.seen = calloc(MAX_SEEN, sizeof(*x.seen));
	x.crls = calloc(MAX_SEEN, sizeof(*x.crls));
	if (!x.seen || !x.crls) {
		rc = tl_fail(e, "out of memory");
	} else {
		rc = tl_pki_each(s, 1, NULL, 0, check_item, &x, e);
		if (x.all) {
			tl_json_write(x.all, out);
			x.all = NULL;
		}
		if (rc == 0 && only == NULL)
			rc = tl_alarm_each(s, "CertificateRevoked", stale_alarm, &x, e);
		/* the servers reload what they vouch for at a new generation */
		if (rc == 0 && x.changed)
			rc = tl_store_bump(s, e);
	}
	for (size_t i = 0; i < x.npool; i++)
		tl_cert_free(x.pool[i]);
	free(x.pool);
	free(x.seen);
	free(x.crls);
	json_decref(x.all);
	return rc ? -1 : x.worst;
}

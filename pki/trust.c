/* Trust stores: certificates added and deleted under docs/certificates.md's
 * rules. A store keeps one certificate per subject; an upload is checked
 * whole, against the store as it will be, before anything is written. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "certder.h"
#include "pki.h"

static char *when(time_t t, char *out, size_t n)
{
	struct tm tm;

	strftime(out, n, "%Y-%m-%d %H:%M:%S GMT", gmtime_r(&t, &tm));
	return out;
}

/* The values of the subject's CN attributes, unescaped, each checked. */
static int check_cn(const char *subject, tl_err *e)
{
	for (const char *p = subject; (p = strstr(p, "CN=")) != NULL; p += 3) {
		char cn[256];
		size_t i = 0;

		if (p != subject && p[-1] != ',')
			continue;
		for (const char *q = p + 3; *q && *q != ',' && i + 1 < sizeof(cn); q++) {
			if (*q == '\\' && q[1])
				q++;
			cn[i++] = *q;
		}
		cn[i] = 0;
		if (tl_pki_check_name(cn, e))
			return -1;
	}
	return 0;
}

/* The rules a certificate must pass on its own to enter any store. */
static int admissible(const tl_cert *c, int allow_expired, time_t now, tl_err *e)
{
	char d[32], why[256];

	/* this wolfSSL (RSA_MAX_SIZE 4096) refuses such keys already when the
	 * file is read; the rule stays here for builds that can read them */
	if (c->key_type == TL_KEY_RSA && c->key_bits > 4096)
		return tl_fail(e, "RSA-%d key refused: keys above 4096 bits are not "
			       "supported (8192 is a common mistake)", c->key_bits);
	if (tl_name_equal(c->subject, c->issuer) && !tl_cert_issued_by(c, c))
		return tl_fail(e, "%s: its own signature does not verify: the file is "
			       "damaged or was altered; get the certificate again",
			       c->subject);
	if (tl_certder_time_problem(c->der, c->der_len, why, sizeof(why)))
		return tl_fail(e, "%s: %s", c->subject, why);
	if (check_cn(c->subject, e))
		return -1;
	for (size_t i = 0; i < c->nsan; i++)
		if (tl_pki_check_name(c->san[i], e))
			return -1;
	if (allow_expired)
		return 0;
	if (c->not_after < now)
		return tl_fail(e, "expired on %s: give --allow-expired to add it "
			       "anyway", when(c->not_after, d, sizeof(d)));
	if (c->not_before > now)
		return tl_fail(e, "not valid before %s: check the clocks of the CA "
			       "and this host, or give --allow-expired",
			       when(c->not_before, d, sizeof(d)));
	return 0;
}

/* A store as it will be once the upload is applied. */
enum change { KEEP, ADD, REPLACE };
typedef struct slot {
	char name[128];
	const tl_cert *cert;
	const tl_cert *old;	/* REPLACE: what cert replaces */
	enum change change;
} slot;

/* A file name for c that no other slot uses: two subjects may share a CN. */
static void unique_name(const slot *v, size_t n, const tl_cert *c, char *out,
			size_t size)
{
	char base[112];

	tl_store_trust_name(c, base, sizeof(base));
	snprintf(out, size, "%s", base);
	for (int k = 2;; k++) {
		size_t i;

		for (i = 0; i < n && strcmp(v[i].name, out) != 0; i++)
			;
		if (i == n)
			return;
		snprintf(out, size, "%s-%d", base, k);
	}
}

/* Where c goes in the store v (grown by one slot for an addition): the
 * index of its slot, with v[i].cert == c unless it was already there. */
static int place(slot *v, size_t *n, const char *store, const tl_cert *c,
		 tl_err *e)
{
	char d1[32], d2[32], *s1, *s2;
	size_t i;

	for (i = 0; i < *n; i++)
		if (v[i].cert->der_len == c->der_len &&
		    memcmp(v[i].cert->der, c->der, c->der_len) == 0)
			return (int)i;
	for (i = 0; i < *n && !tl_name_equal(v[i].cert->subject, c->subject); i++)
		;
	if (i == *n) {
		unique_name(v, *n, c, v[i].name, sizeof(v[i].name));
		v[i].cert = c;
		v[i].old = NULL;
		v[i].change = ADD;
		(*n)++;
		return (int)i;
	}
	if (v[i].change != KEEP)
		return tl_fail(e, "the upload holds two certificates with the subject "
			       "%s: a store keeps one per subject", c->subject);
	if (c->not_before > v[i].cert->not_before) {
		v[i].old = v[i].cert;
		v[i].cert = c;
		v[i].change = REPLACE;
		return (int)i;
	}
	s1 = tl_hex(v[i].cert->serial, v[i].cert->serial_len, 1);
	s2 = tl_hex(c->serial, c->serial_len, 1);
	tl_fail(e, "%s/%s already holds the subject %s (serial %s, valid from %s); "
		"this certificate (serial %s, valid from %s) does not start later, so "
		"it does not replace it. If it should, delete the old one first with "
		"`trustline cert trust delete %s %s`", store, v[i].name, c->subject,
		s1 ? s1 : "?", when(v[i].cert->not_before, d1, sizeof(d1)),
		s2 ? s2 : "?", when(c->not_before, d2, sizeof(d2)), store, v[i].name);
	free(s1);
	free(s2);
	return -1;
}

static void say(FILE *report, const char *store, const slot *sl,
		const tl_cert *c, int present, time_t now)
{
	char d[32], *serial;

	if (report == NULL)
		return;
	serial = tl_hex(c->serial, c->serial_len, 1);
	fprintf(report, "%s %s/%s: %s (serial %s, valid until %s)\n", present ?
		"already present" : sl->change == REPLACE ? "replaced" : "added", store,
		sl->name, c->subject, serial ? serial : "?",
		when(c->not_after, d, sizeof(d)));
	if (!present && (c->not_after < now || c->not_before > now))
		fprintf(report, "  warning: not valid now; added because of "
			"--allow-expired\n");
	free(serial);
}

int tl_pki_trust_add(tl_store *s, const tl_trustadd *a, FILE *report, tl_err *e)
{
	const char *store = tl_trust_store_find(a->store);
	const char *action = a->action ? a->action : "trust add";
	time_t now = time(NULL);
	tl_trusted *t = NULL;
	slot *v = NULL;
	int *at = NULL, rc = -1, changed = 0;
	size_t nt = 0, nv;

	if (store == NULL || a->n == 0) {
		tl_fail(e, store ? "no certificate to add" : "\"%s\" is not a trust "
			"store (see `trustline cert list --usage trust`)", a->store);
		return -2;
	}
	for (size_t i = 0; i < a->n; i++)
		if (admissible(a->certs[i], a->allow_expired, now, e))
			return tl_wrap(e, "%s (certificate %zu of %zu)", a->certs[i]->subject,
				       i + 1, a->n);
	if (tl_store_trust_list(s, store, &t, &nt, e))
		return -1;
	v = calloc(nt + a->n, sizeof(*v));
	at = calloc(a->n, sizeof(*at));
	if (v == NULL || at == NULL) {
		tl_fail(e, "out of memory");
		goto out;
	}
	for (nv = 0; nv < nt; nv++) {
		snprintf(v[nv].name, sizeof(v[nv].name), "%s", t[nv].name);
		v[nv].cert = t[nv].cert;
	}
	for (size_t i = 0; i < a->n; i++)
		if ((at[i] = place(v, &nv, store, a->certs[i], e)) < 0)
			goto out;
	if (a->check_only) {
		rc = 0;
		goto out;
	}
	/* every certificate passed: now the store changes */
	for (size_t i = 0; i < a->n; i++) {
		const slot *sl = &v[at[i]];
		char object[300];

		if (sl->cert != a->certs[i]) {
			say(report, store, sl, a->certs[i], 1, now);
			continue;
		}
		snprintf(object, sizeof(object), "%s/%s", store, sl->name);
		if (tl_store_trust_put(s, store, sl->name, sl->cert, e) ||
		    tl_store_audit(s, action, object, sl->old, sl->cert, e))
			goto out;
		changed = 1;
		say(report, store, sl, sl->cert, 0, now);
	}
	/* a CA uploaded to CAPF-trust goes to CallManager-trust too (Cisco
	 * copies it), so the CallManager service trusts what that CA issued */
	if (!strcmp(store, "CAPF-trust")) {
		tl_cert **ca = calloc(a->n, sizeof(*ca));
		tl_trustadd cm = { .store = "CallManager-trust", .action = action,
				   .allow_expired = a->allow_expired, .changed = &changed };

		if (ca == NULL) {
			tl_fail(e, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < a->n; i++)
			if (a->certs[i]->is_ca)
				ca[cm.n++] = a->certs[i];
		cm.certs = ca;
		if (cm.n && report)
			fprintf(report, "copying %zu CA certificate%s to CallManager-trust\n",
				cm.n, cm.n == 1 ? "" : "s");
		if (cm.n && tl_pki_trust_add(s, &cm, report, e) < 0) {
			free(ca);
			goto out;
		}
		free(ca);
	}
	rc = changed && !a->changed ? tl_store_bump(s, e) : 0;
out:
	if (a->changed)
		*a->changed |= changed;
	else if (rc && changed)	/* a write failed after others: servers must still see them */
		tl_store_bump(s, NULL);
	free(v);
	free(at);
	tl_store_trust_free(t, nt);
	return rc;
}

struct deps {
	const tl_cert *target;
	FILE *report;
	const char *label;
	int n;
};

static int dependent(void *arg, tl_pki_item *it)
{
	struct deps *d = arg;
	const tl_cert *c = it->cert, *t = d->target;

	if ((c->der_len == t->der_len && memcmp(c->der, t->der, c->der_len) == 0) ||
	    tl_name_equal(c->subject, c->issuer) || !tl_cert_names_issuer(c, t))
		return 0;
	if (d->report && d->n == 0)
		fprintf(d->report, "certificates that chain through %s:\n", d->label);
	if (d->report)
		fprintf(d->report, "  %s%s/%s: %s\n", it->identity ? "identity " : "",
			it->group, it->name, c->subject);
	d->n++;
	return 0;
}

/* Prints, and counts, the certificates whose issuer is target: every
 * trust-store certificate and every identity certificate. Copies of
 * target and roots (self-issued) do not chain through it. */
static int dependents(tl_store *s, const tl_cert *target, FILE *report,
		      const char *label, tl_err *e)
{
	struct deps d = { target, report, label, 0 };

	if (tl_pki_each(s, 1, NULL, 0, dependent, &d, e))
		return -1;
	return d.n;
}

int tl_pki_trust_delete(tl_store *s, const char *store_in, const char *name,
			int force, FILE *report, tl_err *e)
{
	const char *store = tl_trust_store_find(store_in);
	size_t len = strlen(name), nt, i;
	char label[300];
	tl_trusted *t;
	int deps, rc = -1;

	if (store == NULL) {
		tl_fail(e, "\"%s\" is not a trust store: one of %s", store_in,
			tl_trust_store_names());
		return -2;
	}
	if (len > 4 && strcmp(name + len - 4, ".pem") == 0)
		len -= 4;
	if (tl_store_trust_list(s, store, &t, &nt, e))
		return -1;
	for (i = 0; i < nt && (strlen(t[i].name) != len ||
			       strncmp(t[i].name, name, len) != 0); i++)
		;
	if (i == nt) {
		tl_store_trust_free(t, nt);
		tl_fail(e, "%s holds no certificate named %.*s: see `trustline cert "
			"list --store %s`", store, (int)len, name, store);
		return -2;
	}
	snprintf(label, sizeof(label), "%s/%s", store, t[i].name);
	if ((deps = dependents(s, t[i].cert, report, label, e)) < 0)
		goto out;
	if (deps > 0 && !force) {
		tl_fail(e, "%d certificate%s chain%s through %s (%s): deleting it "
			"breaks %s chain%s; give --force to delete it anyway", deps,
			deps == 1 ? "" : "s", deps == 1 ? "s" : "", label,
			t[i].cert->subject, deps == 1 ? "its" : "their",
			deps == 1 ? "" : "s");
		goto out;
	}
	if (tl_store_trust_remove(s, store, t[i].name, e) ||
	    tl_store_audit(s, "trust delete", label, t[i].cert, NULL, e) ||
	    tl_store_bump(s, e))
		goto out;
	if (report)
		fprintf(report, "deleted %s: %s%s\n", label, t[i].cert->subject,
			deps ? " (--force: the chains listed above are broken)" : "");
	rc = 0;
out:
	tl_store_trust_free(t, nt);
	return rc;
}

/* Generating and regenerating identity certificates. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "deliver.h"
#include "fromstore.h"
#include "pki.h"
#include "trustlist.h"

int tl_pki_check_name(const char *name, tl_err *e)
{
	if (strchr(name, '*'))
		return tl_fail(e, "wildcard name \"%s\" refused: phones do not accept "
			       "wildcard certificates; list each host name", name);
	return 0;
}

int tl_pki_check_params(const tl_conf *c, const tl_purpose *p, int key_type,
			int bits, int hash, int years, FILE *report, tl_err *e)
{
	const char *kname = key_type == TL_KEY_RSA ? "RSA" : "EC";

	if (key_type != p->key_type)
		return tl_fail(e, "%s certificates have %s keys, not %s%s", p->name,
			       p->key_type == TL_KEY_RSA ? "RSA" : "EC", kname,
			       p->key_type == TL_KEY_RSA ?
			       " (EC keys belong to the -ECDSA purposes)" : "");
	if (key_type == TL_KEY_RSA) {
		if (bits > 4096)
			return tl_fail(e, "RSA-%d refused: keys above 4096 bits are not "
				       "supported (8192 is a common mistake); use 2048",
				       bits);
		if (bits != 1024 && bits != 2048 && bits != 3072 && bits != 4096)
			return tl_fail(e, "RSA-%d refused: use 1024, 2048, 3072 or 4096",
				       bits);
		if (bits > 2048 && !strcmp(p->name, "CallManager") && report)
			fprintf(report, "warning: some phones fail with CallManager keys "
				"above 2048 bits\n");
	} else {
		if (bits != 256 && bits != 384)
			return tl_fail(e, "EC-%d refused: EC keys are 256 or 384 bits "
				       "(3072 and 4096 are RSA sizes)", bits);
		if (hash == TL_HASH_SHA1 || (bits == 384 && hash == TL_HASH_SHA256))
			return tl_fail(e, "%s is weaker than an EC-%d key: use %s",
				       tl_hash_name(hash), bits,
				       bits == 256 ? "sha256, sha384 or sha512"
						   : "sha384 or sha512");
	}
	if (hash != TL_HASH_SHA256 && hash != TL_HASH_SHA384 && hash != TL_HASH_SHA512)
		return tl_fail(e, "signature hash %s refused: use sha256, sha384 or "
			       "sha512", tl_hash_name(hash));
	if (c->fips && hash != TL_HASH_SHA256)
		return tl_fail(e, "FIPS mode allows SHA-256 only");
	if (years != 5 && years != 10 && years != 20)
		return tl_fail(e, "validity of %d years refused: use 5, 10 or 20", years);
	return 0;
}

void tl_pki_subject(const tl_conf *c, const tl_purpose *p, const char *node,
		    char *cn, size_t n)
{
	char fqdn[192];

	tl_conf_fqdn(c, node, fqdn, sizeof(fqdn));
	snprintf(cn, n, p->cn_format, p->cn_is_node ? node : fqdn);
}

static time_t add_years(time_t t, int years)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	tm.tm_year += years;
	return timegm(&tm);
}

/* The nodes one certificate is for: all of them for a multi-server
 * certificate, else just this one. */
static int cert_nodes(const tl_conf *c, const tl_purpose *p, const char *node,
		      const char **out)
{
	int n = 0;

	if (c->multi_server && p->multi_server) {
		for (int i = 0; i < c->nnodes; i++)
			out[n++] = c->nodes[i];
	} else {
		out[n++] = node;
	}
	return n;
}

static void node_key(char *out, size_t n, const char *purpose, const char *node)
{
	snprintf(out, n, "regenerated:%s:%s", purpose, node);
}

/* CallManager and TVS of one node regenerated together leave a
 * single-TFTP-node cluster's phones with nothing they trust. */
static int interlock(tl_store *s, const tl_purpose *p, const char *node,
		     int force, tl_err *e)
{
	const char *other = !strcmp(p->name, "CallManager") ? "TVS" :
			    !strcmp(p->name, "TVS") ? "CallManager" : NULL;
	char key[160], val[32];
	long when, age;

	if (other == NULL || force)
		return 0;
	node_key(key, sizeof(key), other, node);
	if (!tl_store_get(s, key, val, sizeof(val)))
		return 0;
	when = strtol(val, NULL, 10);
	age = (long)time(NULL) - when;
	if (age >= 0 && age < TL_INTERLOCK_SECONDS)
		return tl_fail(e, "%s of %s was regenerated %ld s ago: regenerating %s "
			       "too within %d minutes can leave phones trusting "
			       "neither (they re-trust a new ITL through TVS). Wait "
			       "%ld s, or give --force if phones can be reset with "
			       "`trustline itl reset --recovery`", other, node, age,
			       p->name, TL_INTERLOCK_SECONDS / 60,
			       TL_INTERLOCK_SECONDS - age);
	return 0;
}

int tl_pki_target(const tl_conf *c, const char *purpose, const char *node,
		  const tl_purpose **p, const char **resolved, tl_err *e)
{
	*p = tl_purpose_find(purpose);
	*resolved = node ? node : c->nodes[0];
	if (*p == NULL)
		return tl_fail(e, "unknown purpose \"%s\": one of %s", purpose,
			       tl_purpose_names());
	if (!tl_conf_has_node(c, *resolved))
		return tl_fail(e, "node %s is not in the cluster (nodes: see "
			       "trustline.conf)", *resolved);
	if ((*p)->publisher_only && !tl_conf_is_publisher(c, *resolved))
		return tl_fail(e, "%s exists on the publisher (%s) only", (*p)->name,
			       c->nodes[0]);
	return 0;
}

int tl_pki_spec(const tl_conf *c, const tl_purpose *p, const char *node,
		const char *const *san, int with_ou, tl_subject *sub,
		tl_certspec *spec, tl_err *e)
{
	int nd = 0;

	memset(sub, 0, sizeof(*sub));
	sub->nn = cert_nodes(c, p, node, sub->nodes);
	for (int i = 0; i < sub->nn; i++) {
		tl_conf_fqdn(c, sub->nodes[i], sub->fqdns[i], sizeof(sub->fqdns[i]));
		sub->dns[nd++] = sub->fqdns[i];
	}
	for (int i = 0; san && san[i]; i++) {
		if (nd == TL_MAX_NODES + 16)
			return tl_fail(e, "at most 16 extra names");
		if (tl_pki_check_name(san[i], e))
			return -1;
		sub->dns[nd++] = san[i];
	}
	sub->dns[nd] = NULL;
	tl_pki_subject(c, p, node, sub->cn, sizeof(sub->cn));
	if (sub->nn > 1) {	/* one certificate for the cluster */
		char host[96];

		/* <host>-ms.<domain>, <host>-EC-ms.<domain>: the names a CA
		 * and administrators expect of a multi-server certificate */
		snprintf(host, sizeof(host), p->cn_format, node);
		if (c->domain[0])
			snprintf(sub->cn, sizeof(sub->cn), "%s-ms.%s", host, c->domain);
		else
			snprintf(sub->cn, sizeof(sub->cn), "%s-ms", host);
	}
	if (tl_pki_check_name(sub->cn, e))
		return -1;
	memset(spec, 0, sizeof(*spec));
	spec->cn = sub->cn;
	spec->o = c->org[0] ? c->org : c->name;
	spec->ou = with_ou && c->unit[0] ? c->unit : NULL;
	spec->l = c->locality[0] ? c->locality : NULL;
	spec->st = c->state[0] ? c->state : NULL;
	spec->c = c->country[0] ? c->country : NULL;
	spec->key_usage = p->ku;
	spec->ext_key_usage = p->eku;
	/* keyCertSign needs cA (RFC 5280 4.2.1.9): CAPF issues the LSCs, and
	 * verifiers such as openssl refuse an issuer without it */
	spec->is_ca = (p->ku & TL_KU_KEY_CERT_SIGN) != 0;
	spec->san_dns = sub->dns;
	return 0;
}

void tl_pki_key_params(const tl_conf *c, const tl_purpose *p, const tl_key *old,
		       int want_type, int want_bits, int want_hash, int *type,
		       int *bits, int *hash)
{
	*type = p->key_type;
	if (want_type >= 0) {
		*type = want_type;
		*bits = want_bits;
	} else if (old) {
		*bits = tl_key_bits(old);
	} else if (p->key_type == TL_KEY_RSA) {
		*bits = c->key_type == TL_KEY_RSA ? c->key_bits : 2048;
	} else {
		*bits = c->key_type == TL_KEY_EC ? c->key_bits : 256;
	}
	*hash = want_hash ? want_hash : c->hash_alg;
	if (*type == TL_KEY_EC && *bits == 384 && !want_hash &&
	    *hash == TL_HASH_SHA256)
		*hash = TL_HASH_SHA384;
}

/* TomcatCertRegen: an event, not a state (nothing tells trustline when the
 * web services took the new certificate), so it is delivered once and not
 * kept in the alarm table. */
static void tomcat_regenerated(tl_store *s, const tl_purpose *p,
			       const char *node, const tl_cert *cert, FILE *report)
{
	tl_alarm a = { .name = "TomcatCertRegen", .severity = "info",
		       .raised = time(NULL) };
	char *serial = tl_hex(cert->serial, cert->serial_len, 1);
	tl_err e;

	snprintf(a.object, sizeof(a.object), "identity/%s/%s", p->name, node);
	snprintf(a.detail, sizeof(a.detail), "the %s certificate of %s was "
		 "regenerated (serial %s): restart the web services that present it "
		 "so that they serve the new one", p->name, node, serial ? serial : "?");
	free(serial);
	if (tl_deliver(&s->conf, &a, 1, &e) && report)
		fprintf(report, "warning: alarm TomcatCertRegen not delivered: %s\n",
			e.msg);
}

int tl_pki_generate(tl_store *s, const tl_genopts *o, FILE *report, tl_err *e)
{
	const tl_conf *c = &s->conf;
	const tl_purpose *p;
	const char *node;
	char key_name[160], now_s[32];
	int key_type, bits = 0, hash, years, rc = -1;
	tl_cert *old = NULL, *cert = NULL;
	tl_key *old_key = NULL, *key = NULL;
	tl_certspec spec;
	tl_subject sub;
	time_t now = time(NULL);

	if (tl_pki_target(c, o->purpose, o->node, &p, &node, e))
		return -1;
	if (tl_store_identity_exists(s, p->name, node) &&
	    tl_store_identity_load(s, p->name, node, &old, &old_key, e))
		return tl_wrap(e, "current %s certificate of %s", p->name, node);
	/* keep the key type and size unless told otherwise */
	tl_pki_key_params(c, p, old_key, o->key_type, o->key_bits, o->hash_alg,
			  &key_type, &bits, &hash);
	years = o->years ? o->years : c->years;
	/* a CA-signed certificate replaced by a self-signed one loses the trust
	 * phones and peers placed in that CA */
	if (old && !o->force && !tl_name_equal(old->subject, old->issuer)) {
		tl_fail(e, "the current %s certificate of %s is signed by the CA %s: "
			"regenerating replaces it with a self-signed one; give --force "
			"to do so, or `trustline cert csr %s` for a new CA-signed one",
			p->name, node, old->issuer, p->name);
		goto out;
	}
	if (tl_pki_check_params(c, p, key_type, bits, hash, years, report, e) ||
	    (old && interlock(s, p, node, o->force, e)) ||
	    tl_pki_spec(c, p, node, o->san, 1, &sub, &spec, e))
		goto out;
	if (report)
		fprintf(report, "generating %s for %s: %s-%d, %s, %d years...\n",
			p->name, sub.nn > 1 ? "every node" : node,
			key_type == TL_KEY_RSA ? "RSA" : "EC", bits,
			tl_hash_name(hash), years);
	if (tl_key_generate(key_type, bits, &key, e))
		goto out;
	spec.not_before = now;
	spec.not_after = add_years(now, years);
	spec.hash_alg = hash;
	if (tl_cert_make(&spec, key, &cert, e))
		goto out;
	/* The publisher's CallManager key signs the CTL: kept while valid, so
	 * that `ctl update` can sign with it for phones whose CTL lists it. */
	if (old && !strcmp(p->name, "CallManager") && old->not_after > now &&
	    (tl_conf_is_publisher(c, node) || sub.nn > 1) &&
	    tl_store_identity_save(s, TL_CM_PREVIOUS, c->nodes[0], old, old_key, e))
		goto out;
	if (!o->quiet_cascade && tl_pki_journal_begin(s, p, node, old, cert, e))
		goto out;
	for (int i = 0; i < sub.nn; i++)
		if (tl_store_identity_save(s, p->name, sub.nodes[i], cert, key, e))
			goto out;
	snprintf(now_s, sizeof(now_s), "%ld", (long)now);
	for (int i = 0; old && i < sub.nn; i++) {
		node_key(key_name, sizeof(key_name), p->name, sub.nodes[i]);
		if (tl_store_set(s, key_name, now_s, e))
			goto out;
	}
	rc = tl_pki_cascade(s, p, node, old, old != NULL, cert, !o->quiet_cascade,
			    report, e);
	if (rc == 0 && old && !strncmp(p->name, "tomcat", 6))
		tomcat_regenerated(s, p, node, cert, report);
out:
	tl_cert_free(old);
	tl_cert_free(cert);
	tl_key_free(old_key);
	tl_key_free(key);
	return rc;
}

/* The name an earlier certificate keeps in a store beside its successor:
 * its own name and the start of its serial number. */
static void earlier_name(const tl_cert *c, char *out, size_t n)
{
	char base[128];
	char *serial = tl_hex(c->serial, c->serial_len, 0);

	tl_store_trust_name(c, base, sizeof(base));
	snprintf(out, n, "%.100s-%.8s", base, serial ? serial : "old");
	free(serial);
}

/* Puts c into store, replacing the certificate with its subject. With
 * keep_old (CAPF-trust: LSCs the earlier CAPF issued must still verify),
 * the earlier certificate stays, under a name of its own. */
static int trust_copy(tl_store *s, const char *store, const tl_cert *old,
		      const tl_cert *c, int keep_old, FILE *report, tl_err *e)
{
	char name[128], kept[128];
	tl_trusted *t;
	size_t n;
	int rc = 0;

	if (tl_store_trust_list(s, store, &t, &n, e))
		return -1;
	tl_store_trust_name(c, name, sizeof(name));
	for (size_t i = 0; i < n && rc == 0; i++) {
		int is_old = old && t[i].cert->der_len == old->der_len &&
			     memcmp(t[i].cert->der, old->der, old->der_len) == 0;

		if (!is_old && !tl_name_equal(t[i].cert->subject, c->subject))
			continue;
		if (keep_old && is_old) {
			earlier_name(old, kept, sizeof(kept));
			if (strcmp(t[i].name, kept) &&
			    (rc = tl_store_trust_put(s, store, kept, old, e)) == 0) {
				tl_store_trust_remove(s, store, t[i].name, NULL);
				if (report)
					fprintf(report, "  the earlier %s stays in %s as %s: "
						"LSCs it issued still verify\n",
						old->subject, store, kept);
			}
		} else if (!keep_old || !strcmp(t[i].name, name)) {
			/* an earlier certificate kept under its own name stays */
			tl_store_trust_remove(s, store, t[i].name, NULL);
		}
	}
	tl_store_trust_free(t, n);
	if (rc || tl_store_trust_put(s, store, name, c, e))
		return -1;
	if (report)
		fprintf(report, "  copied to %s as %s\n", store, name);
	return 0;
}

int tl_pki_cascade(tl_store *s, const tl_purpose *p, const char *node,
		   const tl_cert *old, int replaced, const tl_cert *new_cert,
		   int rebuild, FILE *report, tl_err *e)
{
	int itl = !strcmp(p->name, "CallManager") || !strcmp(p->name, "TVS") ||
		  !strcmp(p->name, "CAPF") || !strcmp(p->name, "ITLRecovery");
	int ctl = !strcmp(p->name, "CallManager") || !strcmp(p->name, "CAPF") ||
		  !strcmp(p->name, "ITLRecovery");
	char object[160];

	if (report) {
		char *serial = tl_hex(new_cert->serial, new_cert->serial_len, 1);

		fprintf(report, "%s %s of %s: %s, serial %s\n", replaced ? "regenerated" :
			"created", p->name, node, new_cert->subject, serial ? serial : "?");
		free(serial);
	}
	if (trust_copy(s, p->trust_store, old, new_cert, !strcmp(p->name, "CAPF"),
		       report, e))
		return -1;
	if (!strcmp(p->name, "CAPF") &&
	    trust_copy(s, "CallManager-trust", old, new_cert, 0, report, e))
		return -1;
	snprintf(object, sizeof(object), "%s/%s", p->name, node);
	if (tl_store_audit(s, replaced ? "regenerate" : "generate", object, old,
			   new_cert, e))
		return -1;
	if (rebuild && itl && tl_itl_rebuild(s, 0, report, e))
		return -1;
	if (ctl && s->conf.mixed_mode) {
		tl_err ue;

		if (tl_store_set(s, "ctl_update_required", "1", e))
			return -1;
		/* The CTL must change, signed by a key the phones' CTL holds:
		 * when one is, nothing is left to choose, so it is done here;
		 * when none is, only the way out is left, and it is named. */
		if (replaced && rebuild && tl_ctl_update(s, report, &ue) == 0) {
			if (report)
				fprintf(report, "  ran `trustline ctl update`: phones "
					"holding the served CTL accept the new one\n");
		} else if (replaced && report) {
			if (rebuild)
				fprintf(report, "  CTL not updated: %s\n", ue.msg);
			else
				fprintf(report, "  CTL update required: run `trustline "
					"ctl update` (mixed mode)\n");
		}
	}
	if (report && replaced) {
		if (!strcmp(p->name, "CallManager"))
			fprintf(report, "  every phone using this TFTP server must "
				"re-trust the new ITL, through TVS or ITLRecovery\n");
		else if (!strcmp(p->name, "TVS"))
			fprintf(report, "  phones of %s re-trust the new ITL\n", node);
		else if (!strcmp(p->name, "CAPF"))
			fprintf(report, "  capfd serves the new certificate within "
				"seconds; phones take it with the new ITL, and LSCs "
				"the earlier one issued still authenticate\n");
		else if (!strcmp(p->name, "tomcat"))
			fprintf(report, "  HTTPS services now present the new "
				"certificate; phones check it against the ITL or TVS\n");
	}
	/* without the rebuild the caller bumps once, after all its changes */
	if (!rebuild)
		return 0;
	return tl_store_bump(s, e) || tl_pki_journal_end(s, e) ? -1 : 0;
}

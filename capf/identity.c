#include "identity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "lsccrl.h"

static void path_in(const tl_store *s, const char *p, char *out, size_t n)
{
	if (p[0] == '/')
		snprintf(out, n, "%s", p);
	else
		snprintf(out, n, "%s/%s", s->dir, p);
}

static int load_issuer(tl_capf_srv *v, tl_store *s, const tl_conf_capf *c,
		       tl_err *e)
{
	char cert[1400], key[1400];

	path_in(s, c->issuer_cert, cert, sizeof(cert));
	path_in(s, c->issuer_key[0] ? c->issuer_key : c->issuer_cert, key, sizeof(key));
	if (tl_cert_load(cert, &v->issuer, e) || tl_key_load(key, &v->issuer_key, e))
		return tl_wrap(e, "[capf] issuer_cert");
	if (tl_key_matches(v->issuer_key, v->issuer, e))
		return tl_wrap(e, "[capf] issuer_key %s", key);
	if (!v->issuer->is_ca || (v->issuer->key_usage &&
				  !(v->issuer->key_usage & TL_KU_KEY_CERT_SIGN)))
		return tl_fail(e, "[capf] issuer_cert %s: %s is not a CA that may sign "
			       "certificates", cert, v->issuer->subject);
	return 0;
}

/* keep's CAPF certificate and key, copied into v */
static int keep_identity(tl_capf_srv *v, const tl_capf_srv *keep, const tl_err *why,
			 tl_err *e)
{
	char *pem = NULL, val[600];
	int rc;

	if (keep == NULL || keep->capf == NULL || keep->capf_key == NULL)
		return -1;
	rc = tl_cert_from_der(keep->capf->der, keep->capf->der_len, &v->capf, e) ||
	     tl_key_to_pem(keep->capf_key, &pem, e) ||
	     tl_key_from_mem((const uint8_t *)pem, strlen(pem), "the CAPF key in use",
			     &v->capf_key, e);
	if (pem) {
		explicit_bzero(pem, strlen(pem));
		free(pem);
	}
	if (rc)
		return -1;
	tl_log(LOG_WARNING, "event=identity_kept error=%s",
	       tl_log_val(why->msg, val, sizeof(val)));
	return 0;
}

/* The issuing CA, then each CA above it that CAPF-trust holds, up to a
 * self-signed one: what a phone needs to follow an LSC to a CA it trusts. */
static void issuer_chain(tl_capf_srv *v)
{
	const tl_cert *at = v->issuer;

	v->nissuer_chain = 0;
	while (at && v->nissuer_chain < TL_CAPF_MAX_CHAIN) {
		const tl_cert *up = NULL;

		v->issuer_chain[v->nissuer_chain++] = at;
		if (tl_cert_issued_by(at, at))
			break;
		for (size_t i = 0; i < v->ntrust && up == NULL; i++)
			if (tl_cert_issued_by(at, v->trust[i]))
				up = v->trust[i];
		at = up;
	}
}

int tl_capf_srv_load(tl_capf_srv *v, tl_store *s, const tl_conf_capf *c,
		     const tl_capf_srv *keep, tl_err *e)
{
	tl_err why;
	tl_trusted *t = NULL;
	size_t n = 0;

	memset(v, 0, sizeof(*v));
	v->store = s;
	v->lsc_days = c->lsc_days;
	v->crl_days = c->crl_days;
	v->lockout_attempts = c->lockout_attempts;
	v->lockout_window = 60L * c->lockout_minutes;
	v->next_session = 1;
	if (s->conf.nnodes < 1) {
		tl_fail(e, "[cluster] nodes names no node");
		goto fail;
	}
	if (tl_store_identity_load(s, "CAPF", s->conf.nodes[0], &v->capf,
				   &v->capf_key, &why)) {
		v->capf = NULL;
		v->capf_key = NULL;
		if (keep_identity(v, keep, &why, e)) {
			*e = why;
			goto fail;
		}
	}
	if (c->issuer_cert[0] && load_issuer(v, s, c, e))
		goto fail;
	if (tl_store_trust_list(s, "CAPF-trust", &t, &n, e))
		goto fail;
	if (n && (v->trust = calloc(n, sizeof(*v->trust))) == NULL) {
		tl_store_trust_free(t, n);
		tl_fail(e, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		v->trust[i] = t[i].cert;
		t[i].cert = NULL;
	}
	v->ntrust = n;
	tl_store_trust_free(t, n);
	issuer_chain(v);
	return 0;
fail:
	tl_capf_srv_free(v);
	return -1;
}

void tl_capf_srv_free(tl_capf_srv *v)
{
	tl_cert_free(v->capf);
	tl_key_free(v->capf_key);
	tl_cert_free(v->issuer);
	tl_key_free(v->issuer_key);
	for (size_t i = 0; i < v->ntrust; i++)
		tl_cert_free(v->trust[i]);
	free(v->trust);
	memset(v, 0, sizeof(*v));
}

int tl_capf_srv_publish_crl(const tl_capf_srv *v, time_t now, int *published,
			    tl_err *e)
{
	return tl_lsccrl_refresh(v->store, v->issuer ? v->issuer : v->capf,
				 v->issuer ? v->issuer_key : v->capf_key, now,
				 v->crl_days, published, e);
}

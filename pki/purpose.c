#include "purpose.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "trustlist.h"
#include "x509.h"

#define KU_ENC (TL_KU_DIGITAL_SIGNATURE | TL_KU_KEY_ENCIPHERMENT | \
		TL_KU_DATA_ENCIPHERMENT | TL_KU_KEY_AGREEMENT)
/* EC keys cannot encipher: their variants drop those bits. */
#define KU_EC (TL_KU_DIGITAL_SIGNATURE | TL_KU_KEY_AGREEMENT)
#define EKU_TLS (TL_EKU_SERVER_AUTH | TL_EKU_CLIENT_AUTH)

const tl_purpose tl_purposes[] = {
	{ "CallManager", TL_KEY_RSA, TL_ROLE_CCM_TFTP, KU_ENC, EKU_TLS, 0, 1,
	  "CallManager-trust", "%s", 0 },
	{ "CallManager-ECDSA", TL_KEY_EC, TL_ROLE_CCM, KU_EC, EKU_TLS, 0, 1,
	  "CallManager-trust", "%s-EC", 0 },
	{ "tomcat", TL_KEY_RSA, TL_ROLE_APP_SERVER, KU_ENC,
	  EKU_TLS | TL_EKU_IPSEC_END_SYSTEM, 0, 1, "tomcat-trust", "%s", 0 },
	{ "tomcat-ECDSA", TL_KEY_EC, TL_ROLE_APP_SERVER, KU_EC,
	  EKU_TLS | TL_EKU_IPSEC_END_SYSTEM, 0, 1, "tomcat-trust", "%s-EC", 0 },
	{ "TVS", TL_KEY_RSA, TL_ROLE_TVS,
	  TL_KU_DIGITAL_SIGNATURE | TL_KU_KEY_ENCIPHERMENT | TL_KU_DATA_ENCIPHERMENT,
	  EKU_TLS, 0, 1, "TVS-trust", "%s-TVS", 0 },
	{ "CAPF", TL_KEY_RSA, TL_ROLE_CAPF,
	  TL_KU_DIGITAL_SIGNATURE | TL_KU_KEY_CERT_SIGN | TL_KU_CRL_SIGN,
	  TL_EKU_SERVER_AUTH, 1, 0,
	  "CAPF-trust", "CAPF-%s", 1 },
	{ "ipsec", TL_KEY_RSA, -1, KU_ENC, EKU_TLS | TL_EKU_IPSEC_END_SYSTEM, 0, 0,
	  "ipsec-trust", "%s", 0 },
	{ "ITLRecovery", TL_KEY_RSA, TL_ROLE_SAST, TL_KU_DIGITAL_SIGNATURE, 0, 1, 0,
	  "Phone-SAST-trust", "ITLRECOVERY_%s", 1 },
};
const size_t tl_npurposes = sizeof(tl_purposes) / sizeof(tl_purposes[0]);

const char *const tl_trust_stores[] = {
	"CallManager-trust", "tomcat-trust", "CAPF-trust", "TVS-trust",
	"ipsec-trust", "Phone-SAST-trust", "Phone-CTL-trust", "Phone-VPN-trust",
	"phone-trust",
};
const size_t tl_ntrust_stores = sizeof(tl_trust_stores) / sizeof(tl_trust_stores[0]);

const tl_purpose *tl_purpose_find(const char *name)
{
	for (size_t i = 0; i < tl_npurposes; i++)
		if (strcasecmp(name, tl_purposes[i].name) == 0)
			return &tl_purposes[i];
	return NULL;
}

const char *tl_trust_store_find(const char *name)
{
	for (size_t i = 0; i < tl_ntrust_stores; i++)
		if (strcasecmp(name, tl_trust_stores[i]) == 0)
			return tl_trust_stores[i];
	return NULL;
}

static const char *join(char *out, size_t n, const char *(*at)(size_t), size_t count)
{
	size_t o = 0;

	out[0] = 0;
	for (size_t i = 0; i < count && o < n; i++)
		o += (size_t)snprintf(out + o, n - o, "%s%s", i ? ", " : "", at(i));
	return out;
}

static const char *purpose_at(size_t i) { return tl_purposes[i].name; }
static const char *store_at(size_t i) { return tl_trust_stores[i]; }

const char *tl_purpose_names(void)
{
	static char names[512];

	return join(names, sizeof(names), purpose_at, tl_npurposes);
}

const char *tl_trust_store_names(void)
{
	static char names[512];

	return join(names, sizeof(names), store_at, tl_ntrust_stores);
}

int tl_pki_each(tl_store *s, int identities, const char *const *stores,
		size_t nstores, tl_pki_item_fn fn, void *arg, tl_err *e)
{
	tl_pki_item it;
	int stop = 0;

	if (stores == NULL) {
		stores = tl_trust_stores;
		nstores = tl_ntrust_stores;
	}
	for (size_t i = 0; identities && !stop && i < tl_npurposes; i++)
		for (int j = 0; !stop && j < s->conf.nnodes; j++) {
			memset(&it, 0, sizeof(it));
			it.identity = 1;
			it.purpose = &tl_purposes[i];
			it.group = tl_purposes[i].name;
			it.name = s->conf.nodes[j];
			if (!tl_store_identity_exists(s, it.group, it.name))
				continue;
			if (tl_store_identity_load(s, it.group, it.name, &it.cert, NULL, e))
				return -1;
			stop = fn(arg, &it);
			tl_cert_free(it.cert);
		}
	for (size_t i = 0; !stop && i < nstores; i++) {
		tl_trusted *t;
		size_t n;

		if (tl_store_trust_list(s, stores[i], &t, &n, e))
			return -1;
		for (size_t k = 0; !stop && k < n; k++) {
			memset(&it, 0, sizeof(it));
			it.group = stores[i];
			it.name = t[k].name;
			it.cert = t[k].cert;
			stop = fn(arg, &it);
			t[k].cert = it.cert;	/* NULL when the callback kept it */
		}
		tl_store_trust_free(t, n);
	}
	return stop < 0 ? -1 : 0;
}

struct pool {
	tl_cert **v;
	size_t n, cap;
};

static int pool_add(void *arg, tl_pki_item *it)
{
	struct pool *p = arg;

	if (p->n == p->cap) {
		tl_cert **g = realloc(p->v, (p->cap = p->cap ? p->cap * 2 : 64) *
				      sizeof(*g));

		if (g == NULL)
			return -1;
		p->v = g;
	}
	p->v[p->n++] = it->cert;
	it->cert = NULL;
	return 0;
}

int tl_pki_trust_pool(tl_store *s, size_t room, tl_cert ***out, size_t *n,
		      tl_err *e)
{
	struct pool p = { NULL, 0, 0 };
	tl_cert **g;

	if (tl_pki_each(s, 0, NULL, 0, pool_add, &p, e) ||
	    (g = realloc(p.v, (p.n + room + 1) * sizeof(*g))) == NULL) {
		for (size_t i = 0; i < p.n; i++)
			tl_cert_free(p.v[i]);
		free(p.v);
		return tl_fail(e, "cannot collect the trust stores (out of memory?)");
	}
	*out = g;
	*n = p.n;
	return 0;
}

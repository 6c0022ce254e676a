/* What the servers of a data directory serve (plan.h), rendered by their
 * own code: tftpd's namespace (tftp/namespace.c with the generated
 * configuration files of tftp/generate.c), and tvsd's index with the TVS
 * identity it presents (the publisher's, as tvsd without --node). */
#include "plan.h"

#include <stdlib.h>
#include <string.h>

#include "generate.h"
#include "namespace.h"
#include "phonenet.h"
#include "planserved.h"
#include "tvsclient.h"

tl_plan_served *tl_plan_served_open(const char *dir, tl_err *e)
{
	tl_plan_served *sv = calloc(1, sizeof(*sv));
	tl_store s;
	tl_err ce;

	if (sv == NULL) {
		tl_fail(e, "out of memory");
		return NULL;
	}
	tl_tftp_gen_init(&sv->gen);
	sv->gen.defer = 1;	/* signed when read, once a class (verdict.c) */
	if ((sv->ns = tl_tftp_ns_open(dir, NULL, NULL, tl_tftp_generate, &sv->gen, e)) == NULL)
		goto fail_ns;
	if (tl_store_open(&s, dir, e))
		goto fail_store;
	sv->tvs_conf = s.conf.tvs;
	snprintf(sv->node, sizeof(sv->node), "%s", s.conf.nodes[0]);
	if (tl_tvs_index_build(&sv->ix, &s, e)) {
		tl_store_close(&s);
		goto fail_store;
	}
	if (tl_store_identity_load(&s, "TVS", sv->node, &sv->tvs_cert, NULL, e)) {
		tl_wrap(e, "the TVS identity of %s", sv->node);
		tl_tvs_index_free(&sv->ix);
		tl_store_close(&s);
		goto fail_store;
	}
	if (tl_store_identity_load(&s, "CAPF", sv->node, &sv->capf_cert, NULL, &ce))
		sv->capf_cert = NULL;	/* no CAPF: said when an operation is planned */
	tl_store_close(&s);
	return sv;
fail_store:
	tl_tftp_ns_free(sv->ns);
fail_ns:
	tl_tftp_gen_free(&sv->gen);
	free(sv);
	return NULL;
}

void tl_plan_served_free(tl_plan_served *sv)
{
	if (sv == NULL)
		return;
	tl_tftp_ns_free(sv->ns);
	tl_tftp_gen_free(&sv->gen);
	tl_tvs_index_free(&sv->ix);
	tl_cert_free(sv->tvs_cert);
	tl_cert_free(sv->capf_cert);
	tl_plan_verdicts_free(sv);
	free(sv);
}

/* The phone's TVS question answered as tvsd would: its TLS certificate
 * trusted only as a TVS record of the phone's ITL and within its dates
 * (the checks of phone-sim's own TVS client), then the index's answer. */
int tl_plan_tvs_ask(void *arg, const tl_cert *cert, const char *issuer,
		    const uint8_t *serial, size_t serial_len, tl_phone_tvs_answer *a)
{
	tl_plan_asking *q = arg;
	tl_plan_served *sv = q->sv;
	const tl_tvs_entry *en;
	tl_tvs_pin pin = { &q->ph->itl, NULL };
	tl_err e;

	snprintf(a->server, sizeof(a->server), "%.60s:%d", sv->node, TL_TVS_PORT);
	if (!q->ph->has_itl) {
		snprintf(a->server, sizeof(a->server), "no ITL to trust TVS with");
		return 0;
	}
	if (tl_tvs_client_pinned(&pin, sv->tvs_cert->der, sv->tvs_cert->der_len, &e)) {
		snprintf(a->why, sizeof(a->why), "%.390s", e.msg);
		return 0;
	}
	if (tl_phone_tvs_dates(q->ph, sv->tvs_cert->der, sv->tvs_cert->der_len, a->why,
			       sizeof(a->why)))
		return 0;
	a->why[0] = 0;
	a->reachable = 1;
	en = cert ? tl_tvs_find_der(&sv->ix, cert->der, cert->der_len)
		  : tl_tvs_find_serial(&sv->ix, issuer, serial, serial_len);
	if (!tl_tvs_entry_valid(en, q->ph->now ? q->ph->now : time(NULL)))
		return 0;
	a->valid = 1;
	memcpy(a->roles, en->roles, en->nroles);
	a->nroles = en->nroles;
	a->ttl = tl_tvs_entry_ttl(&sv->tvs_conf, en);
	if (!cert && tl_cert_from_der(en->cert->der, en->cert->der_len, &a->cert, &e))
		a->valid = 0;
	q->vouched = 1;
	return 0;
}

/* `device capf` planned (plan.h): the operation scheduled as the real
 * command schedules it; then, for the phones that trust the CAPF server
 * at their next boot, what capfd records once the phone did it (the LSC
 * it issued and the phone confirmed, or the LSC the phone deleted), on
 * which the planner boots them again. */
#include "plan.h"

#include <stdlib.h>
#include <string.h>

#include "capfdb.h"
#include "identity.h"
#include "lsc.h"
#include "planserved.h"

static int schedule_one(tl_store *s, const tl_plan_capf *c, const char *name,
			long now, tl_err *e)
{
	tl_device d;
	int rc, mode;

	if ((rc = tl_dev_get(s, name, &d, e)) != 0)
		return rc < 0 ? -1 : tl_fail(e, "%s: no such device (trustline device "
					     "add %s)", name, name);
	mode = tl_capf_mode_parse(d.capf_auth_mode);
	rc = -1;
	if (mode == TL_CAPF_MODE_STRING && c->op != TL_CAPF_OP_NONE && !d.capf_auth_string[0])
		tl_fail(e, "%s: its authentication mode is string and it has no "
			"authentication string: give one with trustline device capf %s "
			"--auth-string", name, name);
	else if (tl_capf_schedule_device(s, &d, c->op, mode, d.capf_auth_string,
					 c->key ? c->key : d.capf_key,
					 now + TL_CAPF_DEADLINE_SECONDS, now, e) == 0)
		rc = 0;
	tl_device_free(&d);
	return rc;
}

int tl_plan_capf_schedule(tl_store *s, const void *arg, FILE *report, tl_err *e)
{
	const tl_plan_capf *c = arg;
	long now = (long)time(NULL);

	for (size_t i = 0; i < c->n; i++) {
		if (schedule_one(s, c, c->devices[i], now, e))
			return -1;
		fprintf(report, "%s: %s scheduled\n", c->devices[i], tl_capf_op_name(c->op));
	}
	return 0;
}

/* An LSC as capfd issues it, for a key made as the phone makes it. */
static int install(tl_store *s, const tl_capf_srv *v, const tl_plan_capf *c,
		   const char *name, long now, tl_err *e)
{
	tl_lscopts o = { v->issuer ? v->issuer : v->capf,
			 v->issuer ? v->issuer_key : v->capf_key, name, v->lsc_days, now };
	tl_cert *lsc = NULL;
	tl_key *k = NULL;
	tl_pub *pub = NULL;
	uint8_t *spki = NULL;
	size_t len;
	tl_device d;
	int type, bits, rc = -1;
	long id;

	if (tl_dev_get(s, name, &d, e))
		return -1;
	if (tl_conf_parse_key(c->key ? c->key : d.capf_key, &type, &bits, e) == 0 &&
	    tl_key_generate(type, bits, &k, e) == 0 && tl_key_spki(k, &spki, &len, e) == 0 &&
	    tl_pub_from_spki(spki, len, &pub, e) == 0 && tl_lsc_issue(&o, pub, &lsc, e) == 0 &&
	    tl_capf_lsc_issued(s, name, lsc, now, &id, e) == 0 &&
	    tl_capf_lsc_confirmed(s, id, name, now, e) == 0)
		rc = 0;
	tl_device_free(&d);
	tl_cert_free(lsc);
	tl_pub_free(pub);
	free(spki);
	tl_key_free(k);
	return rc;
}

int tl_plan_capf_record(tl_store *s, const void *arg, FILE *report, tl_err *e)
{
	const tl_plan_capf *c = arg;
	long now = (long)time(NULL);
	tl_capf_srv v;
	int rc = 0;

	if (c->op == TL_CAPF_OP_DELETE) {
		for (size_t i = 0; i < c->n && rc == 0; i++)
			rc = tl_capf_lsc_deleted(s, c->devices[i], now, e);
		return rc;
	}
	if (c->op != TL_CAPF_OP_INSTALL)
		return 0;	/* fetch and none leave the device's certificates */
	if (tl_capf_srv_load(&v, s, &s->conf.capf, NULL, e))
		return tl_wrap(e, "what capfd issues with");
	for (size_t i = 0; i < c->n && rc == 0; i++)
		if ((rc = install(s, &v, c, c->devices[i], now, e)) == 0)
			fprintf(report, "%s: an LSC issued (as capfd would)\n", c->devices[i]);
	tl_capf_srv_free(&v);
	return rc ? tl_wrap(e, "the LSC of the plan") : 0;
}

int tl_plan_capf_peer(tl_phone *ph, tl_plan_served *sv, tl_plan_phone *out)
{
	tl_plan_asking q = { sv, ph, 0 };
	tl_verdict v;

	if (sv->capf_cert == NULL) {
		snprintf(out->capf, sizeof(out->capf), "CAPF  the publisher has no CAPF "
			 "certificate: no CAPF server to do the operation");
		return -1;
	}
	if (tl_phone_peer(ph, "CAPF", sv->capf_cert, TL_ROLE_CAPF, tl_plan_tvs_ask, &q, &v)) {
		snprintf(out->capf, sizeof(out->capf), "%s", v.line);
		return -1;
	}
	return 0;
}

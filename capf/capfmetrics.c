#include "capfmetrics.h"

#include <stddef.h>

#include "capfdb.h"

static struct tl_capf_stats own;	/* until tl_capf_metrics_init */

#define AT(f) offsetof(struct tl_capf_stats, f)
#define SESS "trustline_capf_sessions_total"
#define SESS_HELP "CAPF sessions ended, by operation and result"
#define CRL "trustline_capf_crls_total"
#define CRL_HELP "LSC CRLs (tftpboot/CAPF-LSC.crl) written, by result"

static const tl_metric defs[] = {
	{ SESS, "counter", SESS_HELP, "operation=\"install\",result=\"ok\"", AT(install_ok) },
	{ SESS, "counter", SESS_HELP, "operation=\"install\",result=\"failed\"",
	  AT(install_failed) },
	{ SESS, "counter", SESS_HELP, "operation=\"fetch\",result=\"ok\"", AT(fetch_ok) },
	{ SESS, "counter", SESS_HELP, "operation=\"fetch\",result=\"failed\"",
	  AT(fetch_failed) },
	{ SESS, "counter", SESS_HELP, "operation=\"delete\",result=\"ok\"", AT(delete_ok) },
	{ SESS, "counter", SESS_HELP, "operation=\"delete\",result=\"failed\"",
	  AT(delete_failed) },
	{ SESS, "counter", SESS_HELP, "operation=\"none\",result=\"no_operation\"",
	  AT(no_operation) },
	{ SESS, "counter", SESS_HELP, "operation=\"none\",result=\"unknown_device\"",
	  AT(unknown_device) },
	{ SESS, "counter", SESS_HELP, "operation=\"none\",result=\"aborted\"", AT(aborted) },
	{ "trustline_capf_active_sessions", "gauge", "CAPF sessions open now", "",
	  AT(active) },
	{ "trustline_capf_lscs_issued_total", "counter",
	  "LSCs issued and committed to trustline.db", "", AT(lscs_issued) },
	{ CRL, "counter", CRL_HELP, "result=\"published\"", AT(crls_published) },
	{ CRL, "counter", CRL_HELP, "result=\"failed\"", AT(crls_failed) },
	TL_METRICS_NETSRV("capf", AT(net)),
	TL_METRICS_RELOADS(AT(reloads_ok), AT(reloads_failed)),
};

tl_metrics_set tl_capf_metrics = {
	defs, sizeof(defs) / sizeof(defs[0]), sizeof(struct tl_capf_stats), &own,
	{ NULL, 0, 0 }, 0
};

struct tl_capf_stats *tl_capf_metrics_slot(void)
{
	return tl_metrics_set_slot(&tl_capf_metrics);
}

void tl_capf_metrics_session(const tl_capf_sess *s)
{
	struct tl_capf_stats *st = tl_capf_metrics_slot();
	/* the status recorded is the outcome trustline.db keeps; a success
	 * whose commit failed ended with INVALID_ELEMENT instead */
	int ok = s->status && s->status == tl_lsc_success(s->op) &&
		 s->end_reason != TL_CAPF_INVALID_ELEMENT;

	switch (s->op) {
	case TL_CAPF_OP_INSTALL: ok ? st->install_ok++ : st->install_failed++; break;
	case TL_CAPF_OP_FETCH: ok ? st->fetch_ok++ : st->fetch_failed++; break;
	case TL_CAPF_OP_DELETE: ok ? st->delete_ok++ : st->delete_failed++; break;
	default:
		if (s->end_reason == TL_CAPF_NO_ACTION)
			st->no_operation++;
		else if (s->end_reason == TL_CAPF_UNKNOWN_DEVICE)
			st->unknown_device++;
		else
			st->aborted++;
	}
}

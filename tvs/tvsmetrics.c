#include "tvsmetrics.h"

#include <stddef.h>
#include <string.h>

static struct tl_tvs_stats own;	/* until tl_tvs_metrics_init */

#define AT(f) offsetof(struct tl_tvs_stats, f)
#define REQ "trustline_tvs_requests_total"
#define REQ_HELP "VERIFY and QUERY requests, by what the phone was told"

static const tl_metric defs[] = {
	{ REQ, "counter", REQ_HELP, "result=\"trusted\"", AT(trusted) },
	{ REQ, "counter", REQ_HELP, "result=\"invalid\"", AT(invalid) },
	{ REQ, "counter", REQ_HELP, "result=\"revoked\"", AT(revoked) },
	{ REQ, "counter", REQ_HELP, "result=\"error\"", AT(error) },
	TL_METRICS_NETSRV("tvs", AT(net)),
	TL_METRICS_RELOADS(AT(reloads_ok), AT(reloads_failed)),
};

tl_metrics_set tl_tvs_metrics = {
	defs, sizeof(defs) / sizeof(defs[0]), sizeof(struct tl_tvs_stats), &own,
	{ NULL, 0, 0 }, 0
};

struct tl_tvs_stats *tl_tvs_metrics_slot(void)
{
	return tl_metrics_set_slot(&tl_tvs_metrics);
}

void tl_tvs_metrics_answer(const char *verdict)
{
	struct tl_tvs_stats *st = tl_tvs_metrics_slot();

	if (verdict == NULL)
		st->error++;
	else if (!strcmp(verdict, "valid"))
		st->trusted++;
	else if (!strcmp(verdict, "revoked"))
		st->revoked++;
	else
		st->invalid++;	/* unknown, not found, no role, expired ... */
}

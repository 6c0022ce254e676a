#include "tftpmetrics.h"

#include <stddef.h>
#include <stdio.h>

#include "metrics.h"

static struct tl_tftp_stats own;	/* until tl_tftp_metrics_init */

#define AT(f) offsetof(struct tl_tftp_stats, f)
#define REQ "trustline_tftp_requests_total"
#define REQ_HELP "Read requests answered, by protocol and result"
#define BYTES "trustline_tftp_bytes_total"
#define BYTES_HELP "File bytes sent, by protocol"
#define DROP "trustline_tftp_dropped_total"
#define DROP_HELP "TFTP requests dropped unanswered, by reason"

static const tl_metric defs[] = {
	{ REQ, "counter", REQ_HELP, "proto=\"tftp\",result=\"ok\"", AT(ok) },
	{ REQ, "counter", REQ_HELP, "proto=\"tftp\",result=\"failed\"", AT(failed) },
	{ REQ, "counter", REQ_HELP, "proto=\"tftp\",result=\"not_found\"", AT(not_found) },
	{ REQ, "counter", REQ_HELP, "proto=\"tftp\",result=\"forbidden\"", AT(forbidden) },
	{ REQ, "counter", REQ_HELP, "proto=\"tftp\",result=\"refused_write\"",
	  AT(refused_write) },
	{ REQ, "counter", REQ_HELP, "proto=\"tftp\",result=\"bad\"", AT(bad) },
	{ REQ, "counter", REQ_HELP, "proto=\"http\",result=\"ok\"", AT(http_ok) },
	{ REQ, "counter", REQ_HELP, "proto=\"http\",result=\"not_found\"",
	  AT(http_not_found) },
	{ REQ, "counter", REQ_HELP, "proto=\"http\",result=\"forbidden\"",
	  AT(http_forbidden) },
	{ REQ, "counter", REQ_HELP, "proto=\"http\",result=\"error\"", AT(http_error) },
	{ "trustline_tftp_transfers_started_total", "counter",
	  "TFTP transfers started", "", AT(requests) },
	{ BYTES, "counter", BYTES_HELP, "proto=\"tftp\"", AT(bytes) },
	{ BYTES, "counter", BYTES_HELP, "proto=\"http\"", AT(http_bytes) },
	{ DROP, "counter", DROP_HELP, "reason=\"busy\"", AT(busy) },
	{ DROP, "counter", DROP_HELP, "reason=\"rate_limited\"", AT(limited) },
	{ DROP, "counter", DROP_HELP, "reason=\"duplicate\"", AT(dup_requests) },
	{ DROP, "counter", DROP_HELP, "reason=\"unknown_tid\"", AT(unknown_tid) },
	{ "trustline_tftp_active_transfers", "gauge", "TFTP transfers running now",
	  "", AT(active) },
	TL_METRICS_RELOADS(AT(reloads_ok), AT(reloads_failed)),
};

static tl_metrics_set set = {
	defs, sizeof(defs) / sizeof(defs[0]), sizeof(struct tl_tftp_stats), &own,
	{ NULL, 0, 0 }, 0
};

int tl_tftp_metrics_init(int workers, tl_err *e)
{
	return tl_metrics_set_map(&set, workers, e);
}

void tl_tftp_metrics_worker(int i)
{
	tl_metrics_set_worker(&set, i);
}

struct tl_tftp_stats *tl_tftp_metrics_slot(void)
{
	return tl_metrics_set_slot(&set);
}

int tl_tftp_metrics_http(tl_tftp_ns *ns, const char *peer, tl_http_body *body)
{
	return tl_metrics_http(&set, tl_tftp_ns_store(ns),
			       tl_tftp_ns_conf(ns)->tftp.metrics_allow, peer, body);
}

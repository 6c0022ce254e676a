#include "tftpmetrics.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "metrics.h"

static tl_metrics shared;
static struct tl_tftp_stats own;	/* until tl_tftp_metrics_init */
static int worker;

#define AT(f) offsetof(struct tl_tftp_stats, f)
#define REQ "trustline_tftp_requests_total"
#define REQ_HELP "Read requests answered, by protocol and result"
#define BYTES "trustline_tftp_bytes_total"
#define BYTES_HELP "File bytes sent, by protocol"
#define DROP "trustline_tftp_dropped_total"
#define DROP_HELP "TFTP requests dropped unanswered, by reason"
#define RELOAD "trustline_reloads_total"
#define RELOAD_HELP "Reloads of the data directory, by result"

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
	{ RELOAD, "counter", RELOAD_HELP, "result=\"ok\"", AT(reloads_ok) },
	{ RELOAD, "counter", RELOAD_HELP, "result=\"failed\"", AT(reloads_failed) },
};

int tl_tftp_metrics_init(int workers, tl_err *e)
{
	return tl_metrics_map(&shared, sizeof(struct tl_tftp_stats),
			      workers > 0 ? workers : 1, e);
}

void tl_tftp_metrics_worker(int i)
{
	worker = i;
}

struct tl_tftp_stats *tl_tftp_metrics_slot(void)
{
	return shared.base ? tl_metrics_slot(&shared, worker) : &own;
}

static void release(void *ctx)
{
	free(ctx);
}

int tl_tftp_metrics_http(tl_tftp_ns *ns, const char *peer, tl_http_body *body)
{
	tl_metrics mine = { (uint8_t *)&own, sizeof(own), 1 };
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (!tl_metrics_peer_allowed(peer, tl_tftp_ns_conf(ns)->tftp.metrics_allow))
		return 403;
	if ((f = open_memstream(&text, &len)) == NULL)
		return 503;
	tl_metrics_write(f, shared.base ? &shared : &mine, defs,
			 sizeof(defs) / sizeof(defs[0]));
	tl_metrics_alarms(f, tl_tftp_ns_store(ns));
	if (fclose(f)) {
		free(text);
		return 503;
	}
	body->data = text;
	body->len = len;
	body->type = TL_METRICS_TYPE;
	body->done = release;
	body->ctx = text;
	return 200;
}

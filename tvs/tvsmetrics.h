/* tvsd's counters (docs/metrics.md): one slot per worker in memory shared
 * across fork, served on [tvs] metrics_listen when it is set. */
#ifndef TL_TVSMETRICS_H
#define TL_TVSMETRICS_H

#include <stdint.h>

#include "metrics.h"
#include "netloop.h"

struct tl_tvs_stats {
	uint64_t trusted, invalid, revoked, error;
	uint64_t reloads_ok, reloads_failed;
	tl_netsrv_counts net;
};

/* Its families and slots: mapped (tl_metrics_set_map) before the workers
 * are forked, each worker naming itself after (tl_metrics_set_worker), and
 * served with tl_metrics_srv_new. */
extern tl_metrics_set tl_tvs_metrics;
/* This process's counters. */
struct tl_tvs_stats *tl_tvs_metrics_slot(void);
/* A request answered with verdict (tvsserver.c's words: "valid",
 * "revoked", "unknown" ...), or NULL for one that could not be. */
void tl_tvs_metrics_answer(const char *verdict);

#endif

/* capfd's counters (docs/metrics.md): one slot per worker in memory
 * shared across fork, served on [capf] metrics_listen when it is set. */
#ifndef TL_CAPFMETRICS_H
#define TL_CAPFMETRICS_H

#include <stdint.h>

#include "metrics.h"
#include "netloop.h"
#include "session.h"

struct tl_capf_stats {
	/* sessions ended: an operation's success or failure, or none asked */
	uint64_t install_ok, install_failed, fetch_ok, fetch_failed;
	uint64_t delete_ok, delete_failed;
	uint64_t no_operation, unknown_device, aborted;
	uint64_t active;	/* sessions open now */
	uint64_t lscs_issued;	/* committed to trustline.db */
	uint64_t crls_published, crls_failed;
	uint64_t reloads_ok, reloads_failed;
	tl_netsrv_counts net;
};

/* Its families and slots: mapped (tl_metrics_set_map) before the workers
 * are forked, each worker naming itself after (tl_metrics_set_worker), and
 * served with tl_metrics_srv_new. */
extern tl_metrics_set tl_capf_metrics;
/* This process's counters. */
struct tl_capf_stats *tl_capf_metrics_slot(void);
/* A session that began (after the handshake) has ended, as s says: once
 * tl_capf_sess_closed has run. */
void tl_capf_metrics_session(const tl_capf_sess *s);

#endif

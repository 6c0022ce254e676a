/* tftpd's counters (struct tl_tftp_stats, one slot per worker in memory
 * shared across fork) and GET /metrics on its HTTP port: from loopback,
 * or from an address [tftp] metrics_allow names (docs/metrics.md). */
#ifndef TL_TFTPMETRICS_H
#define TL_TFTPMETRICS_H

#include "loop.h"
#include "namespace.h"
#include "xfer.h"

/* Maps a slot per worker; before the workers are forked. Without it each
 * process counts in a slot of its own and reports only that. */
int tl_tftp_metrics_init(int workers, tl_err *e);
/* The worker this process is (0 for a single process); after fork. */
void tl_tftp_metrics_worker(int i);
/* This process's counters. */
struct tl_tftp_stats *tl_tftp_metrics_slot(void);

/* Answers GET /metrics from peer: 200 with body (freed by body->done),
 * or 403 for a peer not allowed. */
int tl_tftp_metrics_http(tl_tftp_ns *ns, const char *peer, tl_http_body *body);

#endif

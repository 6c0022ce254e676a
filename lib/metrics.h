/* Counters in the Prometheus text exposition format (version 0.0.4), for
 * the daemons' GET /metrics. A daemon keeps its counters in a struct of
 * uint64_t fields, one copy (slot) per worker process in memory mapped
 * MAP_SHARED before the workers are forked; each worker writes only its
 * own slot, and whichever worker answers a scrape sums every slot, so the
 * figures are the daemon's, not one worker's. docs/metrics.md lists them. */
#ifndef TL_METRICS_H
#define TL_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "store.h"

typedef struct tl_metric {
	const char *name;	/* trustline_tftp_requests_total */
	const char *type;	/* "counter" or "gauge" */
	const char *help;
	const char *labels;	/* constant labels as written: proto="tftp"; "" none */
	size_t offset;		/* of its uint64_t in a slot */
} tl_metric;

typedef struct tl_metrics {
	uint8_t *base;
	size_t slot_size;
	int nslots;
} tl_metrics;

/* nslots zeroed slots of slot_size bytes, shared with children forked
 * later. */
int tl_metrics_map(tl_metrics *m, size_t slot_size, int nslots, tl_err *e);
void *tl_metrics_slot(const tl_metrics *m, int i);

/* The families of defs[0..n) (consecutive entries of one name share one
 * HELP and TYPE), each value summed over the slots. */
void tl_metrics_write(FILE *f, const tl_metrics *m, const tl_metric *defs,
		      size_t n);
/* trustline_alarms_raised{name="..."}: how many alarms of each name are
 * raised now in trustline.db, every name trustline raises included (0
 * when none is). */
void tl_metrics_alarms(FILE *f, tl_store *s);
/* A label value with \, " and newline escaped as the format requires. */
void tl_metrics_label(FILE *f, const char *v);

/* 1 when peer ("ip:port" or "[ip]:port", as lib/loop.h's HTTP handler
 * gets it) is a loopback address or one of allow ("a,b": numeric
 * addresses). */
int tl_metrics_peer_allowed(const char *peer, const char *allow);

#define TL_METRICS_TYPE "text/plain; version=0.0.4; charset=utf-8"

#endif

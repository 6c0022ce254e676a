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
#include "loop.h"
#include "netloop.h"
#include "store.h"

typedef struct tl_metric {
	const char *name;	/* trustline_tftp_requests_total */
	const char *type;	/* "counter" or "gauge" */
	const char *help;
	const char *labels;	/* constant labels as written: proto="tftp"; "" none */
	size_t offset;		/* of its uint64_t in a slot */
} tl_metric;

/* Families every daemon has, for its table of tl_metric: its reloads
 * (the uint64_t fields at offsets ok and failed of its slot), and the
 * tl_netsrv_counts at offset base of a TLS server's slot, named
 * trustline_<svc>_... */
#define TL_METRICS_RELOADS(ok, failed)						\
	{ "trustline_reloads_total", "counter",					\
	  "Reloads of the data directory, by result", "result=\"ok\"", (ok) },	\
	{ "trustline_reloads_total", "counter",					\
	  "Reloads of the data directory, by result", "result=\"failed\"",	\
	  (failed) }
#define TL_METRICS_NETSRV(svc, base)						\
	{ "trustline_" svc "_connections_active", "gauge",			\
	  "TLS connections open now, handshaking or not", "",			\
	  (base) + offsetof(tl_netsrv_counts, connections) },			\
	{ "trustline_" svc "_tls_handshakes_failed_total", "counter",		\
	  "TLS handshakes that failed, by reason", "reason=\"error\"",	\
	  (base) + offsetof(tl_netsrv_counts, handshake_failed) },		\
	{ "trustline_" svc "_tls_handshakes_failed_total", "counter",		\
	  "TLS handshakes that failed, by reason", "reason=\"timeout\"",	\
	  (base) + offsetof(tl_netsrv_counts, handshake_timeout) }

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

/* A daemon's counters as a whole: its families over a slot struct, the
 * slots once mapped, and which one this process writes. Before
 * tl_metrics_set_map (a unit test, a fuzz target) own is the only slot. */
typedef struct tl_metrics_set {
	const tl_metric *defs;
	size_t ndefs;
	size_t slot_size;
	void *own;		/* a zeroed slot of this process */
	tl_metrics shared;	/* base NULL until mapped */
	int worker;
} tl_metrics_set;

/* A slot per worker (at least one); before the workers are forked. */
int tl_metrics_set_map(tl_metrics_set *m, int workers, tl_err *e);
/* The worker this process is (0 for a single process); after fork. */
void tl_metrics_set_worker(tl_metrics_set *m, int i);
/* The slot this process counts in. */
void *tl_metrics_set_slot(const tl_metrics_set *m);
/* GET /metrics from peer: 403 when tl_metrics_peer_allowed says no, else
 * 200 with the families summed and the alarms of s in body (freed by
 * body->done); 503 without memory. */
int tl_metrics_http(const tl_metrics_set *m, tl_store *s, const char *allow,
		    const char *peer, tl_http_body *body);

/* The optional listener of tvsd and capfd ([tvs] / [capf] metrics_listen,
 * lib/conf.h): /metrics and nothing else, on the daemon's loop. */
typedef struct tl_metrics_srv tl_metrics_srv;
/* n listening sockets in fds (one per worker, sharing the port) on the
 * address and port of spec ("ADDR:PORT", "[v6]:PORT" or "PORT", as
 * tl_conf_metrics_listen reads it); bound before privileges are dropped. */
int tl_metrics_listen(const char *spec, int n, int *fds, tl_err *e);
/* Serves fd (owned from now on). allow is read at each scrape, so it may
 * be the store's setting that a reload replaces. */
tl_metrics_srv *tl_metrics_srv_new(tl_loop *l, int fd, const tl_metrics_set *m,
				   tl_store *s, const char *allow, tl_err *e);
void tl_metrics_srv_free(tl_metrics_srv *srv);	/* NULL is fine */

#endif

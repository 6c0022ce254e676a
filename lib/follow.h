/* A daemon following the cluster's shared database (docs/cluster.md):
 * changes made on any node arrive as notifications on a connection of its
 * own (LISTEN), and the daemon is told to load again, once per burst. The
 * loop never waits on the database: every statement runs on a job thread.
 * When the connection drops, the daemon keeps serving what it loaded, the
 * outage is logged once (event=database state=degraded), the connection is
 * tried again with a growing pause, and when it answers again (state=ok)
 * the daemon is told to load once, for what changed meanwhile. A named
 * node's row in the node table gets the generation it serves after each
 * load and every 30 s. With SQLite there is nothing to follow: the
 * daemons watch the data directory's generation file. */
#ifndef TL_FOLLOW_H
#define TL_FOLLOW_H

#include "conf.h"
#include "err.h"
#include "loop.h"

typedef struct tl_follow tl_follow;

/* Opens the connection of conf's [database] url and listens; changed(arg)
 * is then called on l's thread whenever the daemon should load again.
 * node ("" or NULL: none) names the row tl_follow_loaded updates. Sets
 * *out NULL and returns 0 when conf names no shared database. Call it
 * before dropping privileges (the password file may need them). */
int tl_follow_open(tl_follow **out, tl_loop *l, const tl_conf *conf,
		   const char *node, tl_ev_fn changed, void *arg, tl_err *e);
/* The daemon now serves what it loaded at generation (the database's
 * counter, read before the load): recorded for the node, and a change
 * committed since is loaded too. NULL f is fine. */
void tl_follow_loaded(tl_follow *f, long generation);
/* Waits for a statement in flight, then closes. NULL is fine. */
void tl_follow_free(tl_follow *f);

#endif

/* The node table of a shared database (PostgreSQL's migration 2): every
 * node of the cluster, the services it runs, the generation it last said
 * it serves and when (docs/cluster.md). SQLite keeps no such table: a
 * single node's data directory names its nodes in trustline.conf. */
#ifndef TL_NODE_H
#define TL_NODE_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

typedef struct tl_node {
	char name[64];
	char services[64];	/* "tftp,tvs", "tvs,capf" ... */
	int64_t generation;	/* the one it serves; 0: never said */
	int64_t last_seen;	/* when it said so (Unix time); 0: never */
} tl_node;

/* Adds a node that never reported: 1 (nothing changed) when one of that
 * name exists, 0 added, -1 on error. */
int tl_node_insert(tl_db *db, const char *name, const char *services,
		   tl_err *err);
/* Every node by name into *out (the caller frees it). */
int tl_node_list(tl_db *db, tl_node **out, size_t *n, tl_err *err);
/* A node says it serves generation at now (its daemons, on each reload). */
int tl_node_seen(tl_db *db, const char *node, int64_t generation, int64_t now,
		 tl_err *err);
/* The nodes of the table a trustline.conf does not name yet go to the end
 * of c->nodes, and to c->tftp_nodes when they run tftp: every node of a
 * shared cluster sees the others, whichever joined after its own file was
 * written. */
int tl_node_merge_conf(tl_db *db, tl_conf *c, tl_err *err);

#endif

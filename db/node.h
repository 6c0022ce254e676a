/* The cluster's node table (PostgreSQL's migration 2): what each node
 * serves, as its daemons last said. */
#ifndef TL_NODE_H
#define TL_NODE_H

#include <stdint.h>

#include "db.h"

/* Records that node serves generation, as of now (seconds since the
 * epoch). A node without a row changes nothing and is no error. */
int tl_node_seen(tl_db *db, const char *node, int64_t generation, int64_t now,
		 tl_err *err);

#endif

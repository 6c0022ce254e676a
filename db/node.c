/* The node table's SQL. */
#include "node.h"
#include "stmt.h"

int tl_node_seen(tl_db *db, const char *node, int64_t generation, int64_t now,
		 tl_err *err)
{
	return tl_db_run(db, NULL, err, "UPDATE node SET generation = ?, last_seen = ?"
			 " WHERE name = ?", "iit", (long)generation, (long)now,
			 node) < 0 ? -1 : 0;
}

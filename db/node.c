/* The node table (node.h). */
#include "node.h"

#include <stdlib.h>
#include <string.h>

#include "stmt.h"

int tl_node_insert(tl_db *db, const char *name, const char *services,
		   tl_err *err)
{
	long n = tl_db_run(db, NULL, err, "INSERT INTO node (name, services,"
			   " generation, last_seen) VALUES (?, ?, 0, 0)"
			   " ON CONFLICT (name) DO NOTHING", "tt", name, services);

	return n < 0 ? -1 : n == 0 ? 1 : 0;
}

int tl_node_list(tl_db *db, tl_node **out, size_t *n, tl_err *err)
{
	tl_stmt *st = tl_db_prepare(db, "SELECT name, services, generation,"
				    " last_seen FROM node ORDER BY name", err);
	size_t cap = 0;
	int step;

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return -1;
	while ((step = tl_stmt_step(st, err)) == 1) {
		tl_node *r;

		if (*n == cap) {
			tl_node *g = realloc(*out, (cap = cap ? cap * 2 : 8) * sizeof(*g));

			if (g == NULL) {
				step = tl_fail(err, "out of memory");
				break;
			}
			*out = g;
		}
		r = &(*out)[(*n)++];
		snprintf(r->name, sizeof(r->name), "%s", tl_stmt_col_text(st, 0));
		snprintf(r->services, sizeof(r->services), "%s",
			 tl_stmt_col_text(st, 1));
		r->generation = tl_stmt_col_int(st, 2);
		r->last_seen = tl_stmt_col_int(st, 3);
	}
	tl_stmt_finalize(st);
	if (step < 0) {
		free(*out);
		*out = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

int tl_node_seen(tl_db *db, const char *node, int64_t generation, int64_t now,
		 tl_err *err)
{
	return tl_db_run(db, NULL, err, "UPDATE node SET generation = ?,"
			 " last_seen = ? WHERE name = ?", "iit", (long)generation,
			 (long)now, node) < 0 ? -1 : 0;
}

/* Whether the comma-separated services (as cluster join's --services and
 * trustline.conf's node lists are read) name one. */
static int runs(const char *services, const char *one)
{
	char names[TL_MAX_NODES][64];
	tl_err ignored;
	int n = tl_conf_parse_nodes(services, names, &ignored);

	for (int i = 0; i < n; i++)
		if (!strcmp(names[i], one))
			return 1;
	return 0;
}

int tl_node_merge_conf(tl_db *db, tl_conf *c, tl_err *err)
{
	tl_node *nodes;
	size_t n;

	if (tl_node_list(db, &nodes, &n, err))
		return -1;
	for (size_t i = 0; i < n; i++) {
		int add = !tl_conf_has_node(c, nodes[i].name);
		int tftp = runs(nodes[i].services, "tftp") &&
			   !tl_conf_is_tftp(c, nodes[i].name);

		if ((add && c->nnodes == TL_MAX_NODES) ||
		    (tftp && c->ntftp_nodes == TL_MAX_NODES)) {
			free(nodes);
			return tl_fail(err, "the cluster database names more than %d "
				       "nodes", TL_MAX_NODES);
		}
		if (add)
			snprintf(c->nodes[c->nnodes++], sizeof(c->nodes[0]), "%s",
				 nodes[i].name);
		if (tftp)
			snprintf(c->tftp_nodes[c->ntftp_nodes++],
				 sizeof(c->tftp_nodes[0]), "%s", nodes[i].name);
	}
	free(nodes);
	return 0;
}

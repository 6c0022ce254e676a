/* trustline cluster join and cluster status: a subscriber made from the
 * shared database, and what every node says it serves. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "db.h"
#include "node.h"
#include "pki.h"

/* "tftp,tvs": known services, none twice; capf stays on the publisher. */
static int check_services(const char *cmd, const char *v)
{
	char names[TL_MAX_NODES][64];
	tl_err e;
	int n = tl_conf_parse_nodes(v, names, &e);

	if (n <= 0)
		return cli_usage(cmd, "--services: %s", n < 0 ? e.msg : "none given");
	for (int i = 0; i < n; i++) {
		if (!strcmp(names[i], "capf"))
			return cli_usage(cmd, "--services: CAPF runs on the publisher "
					 "only");
		if (strcmp(names[i], "tftp") && strcmp(names[i], "tvs"))
			return cli_usage(cmd, "--services: \"%s\" is not tftp or tvs",
					 names[i]);
		for (int j = 0; j < i; j++)
			if (!strcmp(names[i], names[j]))
				return cli_usage(cmd, "--services: %s twice", names[i]);
	}
	return 0;
}

int cli_no_password(const char *cmd)
{
	return cli_usage(cmd, "a password is never given on the command line "
			 "(other users see it): --password-file FILE, or libpq's "
			 "~/.pgpass or PGPASSFILE");
}

int cli_cluster_join(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	static const struct option opts[] = {
		{ "node", required_argument, 0, 'n' },
		{ "database", required_argument, 0, 'B' },
		{ "password-file", required_argument, 0, 'P' },
		{ "password", required_argument, 0, 'W' },
		{ "services", required_argument, 0, 'S' },
		CLI_STORE_OPTIONS,
		{ 0, 0, 0, 0 },
	};
	tl_joinopts o = { NULL, NULL, NULL, "tftp,tvs" };
	char one[1][64];
	const char *dir = NULL;
	int c, rc;
	tl_err e;

	while ((c = getopt_long(argc, argv, "hd:", opts, NULL)) != -1) {
		switch (c) {
		case 'n': o.node = optarg; break;
		case 'B': o.url = optarg; break;
		case 'P': o.password_file = optarg; break;
		case 'W':
			return cli_no_password(cmd);
		case 'S':
			if (check_services(cmd, optarg))
				return EXIT_USAGE;
			o.services = optarg;
			break;
		case 'd': dir = optarg; break;
		default:
			if ((rc = cli_store_opt(c, optarg, &dir, help, cmd)) >= 0)
				return rc;
		}
	}
	if (optind != argc)
		return cli_usage(cmd, "unexpected argument \"%s\"", argv[optind]);
	if (!o.node || !o.url)
		return cli_usage(cmd, "--node and --database are required");
	if ((rc = tl_conf_parse_nodes(o.node, one, &e)) != 1)
		return cli_usage(cmd, "--node: %s", rc < 0 ? e.msg : "give one name");
	/* checked before anything is opened: a path would make a SQLite file */
	if (!tl_conf_is_db_url(o.url))
		return cli_usage(cmd, "--database %s: join only makes sense for a "
				 "cluster sharing a PostgreSQL database (a "
				 "postgresql:// URL or service=NAME); a SQLite data "
				 "directory is one node", o.url);
	dir = tl_store_default_dir(dir);
	if (tl_pki_cluster_join(dir, &o, stdout, &e))
		return cli_fail(EXIT_INVALID, &e);
	printf("data directory %s made for node %s\n", dir, o.node);
	return 0;
}

/* One node as status prints it; generation < 0: not known. */
static json_t *node_json(const char *name, const char *services, time_t seen,
			 long long gen, long long cluster_gen)
{
	json_t *o = json_object();

	json_object_set_new(o, "name", json_string(name));
	json_object_set_new(o, "services", json_string(services));
	json_object_set_new(o, "last_seen", tl_json_time(seen));
	json_object_set_new(o, "generation", gen > 0 ? json_integer(gen) : json_null());
	json_object_set_new(o, "lag", gen > 0 ? json_integer(cluster_gen - gen) :
			    json_null());
	return o;
}

static void node_line(json_t *n)
{
	json_t *seen = json_object_get(n, "last_seen");
	json_t *gen = json_object_get(n, "generation");

	printf("%-20s %-14s %-21s ", json_string_value(json_object_get(n, "name")),
	       json_string_value(json_object_get(n, "services")),
	       json_is_string(seen) ? json_string_value(seen) : "never");
	if (json_is_integer(gen))
		printf("%-10lld %lld\n", (long long)json_integer_value(gen),
		       (long long)json_integer_value(json_object_get(n, "lag")));
	else
		printf("%-10s %s\n", "-", "-");
}

/* The nodes: the node table's on a shared database, else those of the
 * local trustline.conf, which no daemon reports to. */
static int status_nodes(tl_store *s, long cluster_gen, json_t *nodes, tl_err *e)
{
	char services[64];
	tl_node *t;
	size_t n;

	if (!tl_db_shared(tl_store_db(s))) {
		for (int i = 0; i < s->conf.nnodes; i++) {
			tl_pki_node_services(&s->conf, s->conf.nodes[i], services,
					     sizeof(services));
			json_array_append_new(nodes, node_json(s->conf.nodes[i], services,
							       0, -1, cluster_gen));
		}
		return 0;
	}
	if (tl_node_list(tl_store_db(s), &t, &n, e))
		return -1;
	for (size_t i = 0; i < n; i++)
		json_array_append_new(nodes, node_json(t[i].name, t[i].services,
						       (time_t)t[i].last_seen,
						       t[i].generation, cluster_gen));
	free(t);
	return 0;
}

int cli_cluster_status(const char *cmd, void (*help)(FILE *), int argc,
		       char **argv)
{
	int as_json, rc, shared;
	json_t *out, *nodes;
	long gen;
	tl_store s;
	tl_err e;

	if ((rc = cli_json_store_args(cmd, help, argc, argv, &as_json, &s)) >= 0)
		return rc;
	shared = tl_db_shared(tl_store_db(&s));
	gen = tl_store_generation(&s);
	out = json_object();
	nodes = json_array();
	json_object_set_new(out, "cluster", json_string(s.conf.name));
	json_object_set_new(out, "database", json_string(shared ? "postgresql" :
							 "sqlite"));
	json_object_set_new(out, "source", json_string(shared ? "node table" :
						       "local configuration"));
	json_object_set_new(out, "generation", json_integer(gen));
	json_object_set_new(out, "nodes", nodes);
	rc = status_nodes(&s, gen, nodes, &e);
	tl_store_close(&s);
	if (rc) {
		json_decref(out);
		return cli_fail(EXIT_INVALID, &e);
	}
	if (as_json)
		return tl_json_print(out) ? EXIT_INVALID : 0;
	printf("cluster %s, generation %ld, %s\n", s.conf.name, gen, shared ?
	       "nodes from the shared database" : "one data directory (SQLite): "
	       "the nodes of its trustline.conf, which report to no table");
	printf("%-20s %-14s %-21s %-10s %s\n", "NODE", "SERVICES", "LAST SEEN",
	       "GENERATION", "LAG");
	for (size_t i = 0; i < json_array_size(nodes); i++)
		node_line(json_array_get(nodes, i));
	json_decref(out);
	return 0;
}

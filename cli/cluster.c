/* trustline cluster init, add-node and security-mode (join and status are
 * clusternode.c's) */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pki.h"

static void usage(FILE *f)
{
	fputs(
"usage: trustline cluster init --name NAME --domain DOMAIN --nodes PUB[,SUB1,...]\n"
"                              [--tftp-nodes N[,N...]] [--mixed-mode]\n"
"                              [--key rsa:2048|ec:256] [--years 5|10|20] [--multi-server]\n"
"                              [--database URL [--password-file FILE]]\n"
"                              [--data-dir DIR] [--force]\n"
"       trustline cluster join --node NAME --database URL [--password-file FILE]\n"
"                              [--services tftp,tvs] [--data-dir DIR]\n"
"       trustline cluster status [--json] [--data-dir DIR]\n"
"       trustline cluster add-node NAME [--tftp] [--data-dir DIR]\n"
"       trustline cluster security-mode [mixed|non-secure] [--data-dir DIR]\n"
"\n"
"Creates a cluster's data directory: every identity certificate of every node\n"
"(CallManager, CallManager-ECDSA, tomcat, tomcat-ECDSA, TVS, ipsec; CAPF and\n"
"ITLRecovery on the publisher, the first node), their -trust copies, a lab\n"
"manufacturing CA for phone MICs (in CAPF-trust), trustline.conf, and\n"
"tftpboot/ITLFile.tlv signed by the first TFTP node's CallManager key. With\n"
"--mixed-mode also a tokenless tftpboot/CTLFile.tlv. --multi-server makes one\n"
"CallManager, tomcat and TVS certificate for the cluster with every node in its\n"
"subjectAltName. --key sets the size of RSA keys (rsa:BITS) or of EC keys\n"
"(ec:256, ec:384) for the -ECDSA purposes. TFTP nodes default to every node.\n"
"\n"
"--database keeps the cluster's shared state in PostgreSQL (a postgresql://\n"
"URL without a password, or service=NAME): devices, CAPF, the audit log and\n"
"every node's public certificates and trust stores; private keys stay in the\n"
"data directory, mode 0600. The password comes from --password-file (a file\n"
"the daemon user can read) or libpq's ~/.pgpass or PGPASSFILE.\n"
"An existing data directory is refused unless --force is given.\n"
"The data directory is --data-dir, else $TRUSTLINE_DATA_DIR, else\n"
"/var/lib/trustline.\n"
"\n"
"join makes a subscriber's data directory (new or empty) from a cluster whose\n"
"shared database cluster init made: the settings come from the database; this\n"
"node's keys (CallManager, CallManager-ECDSA, tomcat, tomcat-ECDSA, TVS,\n"
"ipsec) are made here, mode 0600, and only its public certificates, their\n"
"trust-store copies and its row in the node table go to the database, in one\n"
"transaction with the generation, so that every node's ITL lists it. A node\n"
"name already in the cluster, a database without a cluster, a SQLite path\n"
"and a password on the command line are refused, and change nothing.\n"
"--services names what the node runs (tftp, tvs; default both; CAPF stays\n"
"on the publisher). -d is --data-dir.\n"
"\n"
"status lists every node: its services, when it last reported, the generation\n"
"it serves and how far that lags the cluster's. A SQLite data directory has no\n"
"node table: it lists the nodes of its trustline.conf, and says so.\n"
"\n"
"add-node adds a subscriber to an existing cluster: its identity certificates\n"
"(CallManager, CallManager-ECDSA, tomcat, tomcat-ECDSA, TVS, ipsec), their\n"
"-trust copies, the ITL (and in mixed mode the CTL) rebuilt with them, and\n"
"nodes in trustline.conf; --tftp makes it a TFTP node too.\n"
"\n"
"security-mode shows the mode, or sets it: mixed builds and serves the CTL,\n"
"non-secure stops serving it (see `trustline cluster security-mode --help`).\n", f);
}

static int init(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, 0, 'n' },
		{ "domain", required_argument, 0, 'd' },
		{ "nodes", required_argument, 0, 'N' },
		{ "tftp-nodes", required_argument, 0, 'T' },
		{ "mixed-mode", no_argument, 0, 'm' },
		{ "key", required_argument, 0, 'k' },
		{ "years", required_argument, 0, 'y' },
		{ "multi-server", no_argument, 0, 'M' },
		{ "force", no_argument, 0, 'f' },
		{ "database", required_argument, 0, 'B' },
		{ "password-file", required_argument, 0, 'P' },
		{ "password", required_argument, 0, 'W' },
		CLI_STORE_OPTIONS,
		{ 0, 0, 0, 0 },
	};
	const char *dir = NULL;
	int force = 0, c, rc;
	tl_conf conf;
	tl_err e;

	tl_conf_defaults(&conf);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': snprintf(conf.name, sizeof(conf.name), "%s", optarg); break;
		case 'd':
			if (tl_conf_check_hostname("--domain", optarg, strlen(optarg), &e))
				return cli_usage(cmd, "%s", e.msg);
			snprintf(conf.domain, sizeof(conf.domain), "%s", optarg);
			break;
		case 'N':
			if ((conf.nnodes = tl_conf_parse_nodes(optarg, conf.nodes, &e)) <= 0)
				return cli_usage(cmd, "--nodes: %s",
						 conf.nnodes < 0 ? e.msg : "no node given");
			break;
		case 'T':
			if ((conf.ntftp_nodes = tl_conf_parse_nodes(optarg, conf.tftp_nodes,
								    &e)) <= 0)
				return cli_usage(cmd, "--tftp-nodes: %s",
						 conf.ntftp_nodes < 0 ? e.msg : "none");
			break;
		case 'm': conf.mixed_mode = 1; break;
		case 'M': conf.multi_server = 1; break;
		case 'k':
			if (tl_conf_parse_key(optarg, &conf.key_type, &conf.key_bits, &e))
				return cli_usage(cmd, "--key: %s", e.msg);
			break;
		case 'y':
			conf.years = atoi(optarg);
			break;
		case 'f': force = 1; break;
		case 'W':
			return cli_no_password(cmd);
		case 'B':
			if (!tl_conf_is_db_url(optarg))
				return cli_usage(cmd, "--database %s: a postgresql:// URL "
						 "or service=NAME", optarg);
			snprintf(conf.db_url, sizeof(conf.db_url), "%s", optarg);
			break;
		case 'P':
			snprintf(conf.db_password_file, sizeof(conf.db_password_file),
				 "%s", optarg);
			break;
		default:
			if ((rc = cli_store_opt(c, optarg, &dir, help, cmd)) >= 0)
				return rc;
		}
	}
	if (optind != argc)
		return cli_usage(cmd, "unexpected argument \"%s\"", argv[optind]);
	if (!conf.name[0] || !conf.nnodes)
		return cli_usage(cmd, "--name and --nodes are required");
	if (conf.db_password_file[0] && !conf.db_url[0])
		return cli_usage(cmd, "--password-file goes with --database");
	snprintf(conf.db_node, sizeof(conf.db_node), "%s", conf.db_url[0] ?
		 conf.nodes[0] : "");
	if (conf.ntftp_nodes == 0) {
		memcpy(conf.tftp_nodes, conf.nodes, sizeof(conf.nodes));
		conf.ntftp_nodes = conf.nnodes;
	}
	for (int i = 0; i < conf.ntftp_nodes; i++)
		if (!tl_conf_has_node(&conf, conf.tftp_nodes[i]))
			return cli_usage(cmd, "TFTP node %s is not in --nodes",
					 conf.tftp_nodes[i]);
	if (conf.years != 5 && conf.years != 10 && conf.years != 20)
		return cli_usage(cmd, "--years must be 5, 10 or 20");
	dir = tl_store_default_dir(dir);
	if (tl_pki_cluster_init(dir, &conf, force, stdout, &e))
		return cli_fail(EXIT_INVALID, &e);
	printf("cluster %s initialised in %s\n", conf.name, dir);
	return 0;
}

static int add_node(const char *cmd, void (*help)(FILE *), int argc,
		    char **argv)
{
	static const struct option opts[] = {
		{ "tftp", no_argument, 0, 't' },
		CLI_STORE_OPTIONS,
		{ 0, 0, 0, 0 },
	};
	const char *dir = NULL;
	int tftp = 0, c, rc;
	tl_store s;
	tl_err e;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't': tftp = 1; break;
		default:
			if ((rc = cli_store_opt(c, optarg, &dir, help, cmd)) >= 0)
				return rc;
		}
	}
	if (optind + 1 != argc)
		return cli_usage(cmd, "give one NAME");
	if (cli_open_store(&s, dir))
		return EXIT_USAGE;
	rc = tl_pki_add_node(&s, argv[optind], tftp, stdout, &e);
	tl_store_close(&s);
	return rc ? cli_fail(EXIT_INVALID, &e) : 0;
}

static int security_mode(const char *cmd, void (*help)(FILE *), int argc,
			 char **argv)
{
	return cli_security_mode(argc, argv);
}

int cmd_cluster(int argc, char **argv)
{
	static const cli_verb verbs[] = {
		{ "init", init }, { "join", cli_cluster_join },
		{ "status", cli_cluster_status }, { "add-node", add_node },
		{ "security-mode", security_mode },
	};

	return cli_dispatch("cluster", usage, verbs, sizeof(verbs) / sizeof(verbs[0]),
			    argc, argv);
}

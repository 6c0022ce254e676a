/* trustline cert trust add|delete, export-bulk, import-bulk: the trust
 * stores, by hand or with another cluster's certificates. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "certcmd.h"
#include "pki.h"

/* The exit status of a trust-store operation: -1 refused, -2 bad input. */
static int trust_exit(int rc, const tl_err *e)
{
	return rc == 0 ? 0 : cli_fail(rc == -2 ? EXIT_USAGE : EXIT_INVALID, e);
}

static int do_trust_add(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	static const struct option opts[] = {
		{ "allow-expired", no_argument, 0, 'x' },
		CLI_STORE_OPTIONS,
		{ 0, 0, 0, 0 },
	};
	const char *dir = NULL;
	tl_cert **certs;
	tl_trustadd a;
	size_t n;
	int c, rc;
	tl_store s;
	tl_err e;

	memset(&a, 0, sizeof(a));
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'x': a.allow_expired = 1; break;
		default:
			if ((rc = cli_store_opt(c, optarg, &dir, help, cmd)) >= 0)
				return rc;
		}
	}
	if (optind + 2 != argc)
		return cli_usage(cmd, "give STORE and FILE");
	if (!tl_trust_store_find(argv[optind]))
		return cli_usage(cmd, "unknown trust store \"%s\": one of "
				 "%s", argv[optind], tl_trust_store_names());
	if (tl_certs_load(argv[optind + 1], &certs, &n, &e))
		return cli_fail(EXIT_USAGE, &e);
	if (cli_open_store(&s, dir)) {
		tl_certs_free(certs, n);
		return EXIT_USAGE;
	}
	a.store = argv[optind];
	a.certs = certs;
	a.n = n;
	rc = tl_pki_trust_add(&s, &a, stdout, &e);
	tl_store_close(&s);
	tl_certs_free(certs, n);
	return trust_exit(rc, &e);
}

static int do_trust_delete(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, 0, 'f' },
		CLI_STORE_OPTIONS,
		{ 0, 0, 0, 0 },
	};
	const char *dir = NULL;
	int force = 0, c, rc;
	tl_store s;
	tl_err e;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': force = 1; break;
		default:
			if ((rc = cli_store_opt(c, optarg, &dir, help, cmd)) >= 0)
				return rc;
		}
	}
	if (optind + 2 != argc)
		return cli_usage(cmd, "give STORE and NAME");
	if (cli_open_store(&s, dir))
		return EXIT_USAGE;
	rc = tl_pki_trust_delete(&s, argv[optind], argv[optind + 1], force, stdout, &e);
	tl_store_close(&s);
	return trust_exit(rc, &e);
}

int cli_cert_trust(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "add") == 0)
		return do_trust_add("cert trust add", help, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "delete") == 0)
		return do_trust_delete("cert trust delete", help, argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		help(stdout);
		return 0;
	}
	return cli_usage(cmd, "give add or delete");
}

/* export-bulk [--force] and import-bulk: DIR and the data directory. */
int cli_cert_bulk(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, 0, 'f' },
		CLI_STORE_OPTIONS,
		{ 0, 0, 0, 0 },
	};
	const int export = !strcmp(argv[0], "export-bulk");
	const char *dir = NULL;
	int c, rc, force = 0;
	tl_store s;
	tl_err e;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (!export)
				return cli_usage(cmd, "unknown option");
			force = 1;
			break;
		default:
			if ((rc = cli_store_opt(c, optarg, &dir, help, cmd)) >= 0)
				return rc;
		}
	}
	if (optind + 1 != argc)
		return cli_usage(cmd, "give one DIR");
	if (cli_open_store(&s, dir))
		return EXIT_USAGE;
	rc = export ? tl_pki_bulk_export(&s, argv[optind], force, stdout, &e) :
		      tl_pki_bulk_import(&s, argv[optind], stdout, &e);
	tl_store_close(&s);
	return trust_exit(rc, &e);
}

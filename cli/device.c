/* trustline device add|set|remove|list|show|import */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "devdb.h"
#include "file.h"
#include "json.h"

static void usage(FILE *f)
{
	fputs(
"usage: trustline device add SEP<MAC> --model CP-8865 [--protocol SIP|SCCP]\n"
"                        [--profile non-secure|authenticated|encrypted]\n"
"                        [--description TEXT] [--template NAME] [--mic PEM]\n"
"       trustline device set SEP<MAC> [the same options]\n"
"       trustline device remove SEP<MAC>\n"
"       trustline device list [--json]\n"
"       trustline device show SEP<MAC> [--json]\n"
"       trustline device import FILE.csv\n"
"Every command takes --data-dir DIR (default $TRUSTLINE_DATA_DIR, else\n"
"/var/lib/trustline).\n"
"\n"
"The device database says which phones exist and how their configuration is\n"
"served: non-secure (signed file only when the phone holds an ITL),\n"
"authenticated (signed, TLS with NULL cipher) or encrypted (SEP<MAC>.cnf.xml\n"
"encrypted to the phone's LSC, else its MIC). --mic records the phone's\n"
"manufacturing certificate, used for encryption until CAPF issues an LSC.\n"
"import reads a CSV file whose header names the columns (name and model\n"
"required; protocol, profile, description, template optional): every row is\n"
"added or none is, and an error names the line.\n", f);
}

static const char *data_dir;

static const struct option dev_opts[] = {
	{ "model", required_argument, 0, 'm' },
	{ "protocol", required_argument, 0, 'p' },
	{ "profile", required_argument, 0, 'P' },
	{ "description", required_argument, 0, 'd' },
	{ "template", required_argument, 0, 't' },
	{ "mic", required_argument, 0, 'M' },
	{ "json", no_argument, 0, 'j' },
	{ "data-dir", required_argument, 0, 'D' },
	{ "help", no_argument, 0, 'h' },
	{ 0, 0, 0, 0 },
};

/* Applies options to d; returns -1 after printing a usage error. */
static int apply(const char *cmd, int argc, char **argv, tl_device *d, int *json)
{
	tl_cert *mic;
	tl_err e;
	int c;

	while ((c = getopt_long(argc, argv, "h", dev_opts, NULL)) != -1) {
		switch (c) {
		case 'm': snprintf(d->model, sizeof(d->model), "%s", optarg); break;
		case 'p':
			snprintf(d->protocol, sizeof(d->protocol), "%s", optarg);
			for (char *q = d->protocol; *q; q++)
				*q = (char)(*q >= 'a' && *q <= 'z' ? *q - 32 : *q);
			break;
		case 'P':
			if ((d->profile = tl_profile_parse(optarg)) < 0) {
				cli_usage(cmd, "--profile: non-secure, authenticated or "
					  "encrypted");
				return -1;
			}
			break;
		case 'd': snprintf(d->description, sizeof(d->description), "%s", optarg); break;
		case 't': snprintf(d->template_name, sizeof(d->template_name), "%s", optarg); break;
		case 'M':
			if (tl_cert_load(optarg, &mic, &e)) {
				cli_fail(EXIT_USAGE, &e);
				return -1;
			}
			tl_device_set_blob(&d->mic, &d->mic_len, mic->der, mic->der_len);
			tl_cert_free(mic);
			break;
		case 'j': if (json) *json = 1; break;
		case 'D': data_dir = optarg; break;
		case 'h': usage(stdout); return 1;
		default: cli_usage(cmd, "unknown option"); return -1;
		}
	}
	return 0;
}

/* For subcommands that take only --data-dir and --help. */
static int no_options(const char *cmd, int argc, char **argv)
{
	tl_device dummy;
	int rc;

	tl_device_init(&dummy);
	rc = apply(cmd, argc, argv, &dummy, NULL);
	tl_device_free(&dummy);
	return rc;
}

static int open_store(tl_store *s)
{
	tl_err e;

	if (tl_store_open(s, tl_store_default_dir(data_dir), &e))
		return cli_fail(EXIT_USAGE, &e);
	return 0;
}

static int do_put(int create, int argc, char **argv)
{
	const char *cmd = create ? "device add" : "device set";
	char name[16];
	tl_device d;
	tl_store s;
	tl_err e;
	int rc;

	tl_device_init(&d);
	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && !strcmp(argv[1], "--help")) {
			usage(stdout);
			return 0;
		}
		return cli_usage(cmd, "give the device name first (SEP<MAC>)");
	}
	if (tl_dev_name(argv[1], name, &e))
		return cli_fail(EXIT_USAGE, &e);
	if (open_store(&s))
		return EXIT_USAGE;
	if (!create) {
		if ((rc = tl_dev_get(&s, name, &d, &e)) != 0) {
			tl_store_close(&s);
			if (rc > 0)
				return cli_error(EXIT_INVALID, "%s is not in the device "
						 "database: add it with `trustline device "
						 "add`", name);
			return cli_fail(EXIT_USAGE, &e);
		}
	}
	memcpy(d.name, name, sizeof(name));
	optind = 2;
	rc = apply(cmd, argc, argv, &d, NULL);
	if (rc == 0 && optind != argc) {
		cli_usage(cmd, "unexpected argument \"%s\"", argv[optind]);
		rc = -1;
	}
	if (rc == 0)
		rc = tl_dev_put(&s, &d, create, &e) ? cli_fail(EXIT_INVALID, &e) : 0;
	else
		rc = rc > 0 ? 0 : EXIT_USAGE;
	if (rc == 0)
		printf("%s %s: %s, %s, %s\n", create ? "added" : "changed", d.name,
		       d.model, d.protocol, tl_profile_name(d.profile));
	tl_device_free(&d);
	tl_store_close(&s);
	return rc;
}

static void print_device(const tl_device *d, int json, int first)
{
	char deadline[32] = "-";
	struct tm tm;

	if (d->capf_deadline) {
		time_t t = (time_t)d->capf_deadline;

		strftime(deadline, sizeof(deadline), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	}
	if (!json) {
		printf("%-16s %-10s %-5s %-14s lsc=%-3s mic=%-3s capf=%-8s %s\n", d->name,
		       d->model, d->protocol, tl_profile_name(d->profile),
		       d->lsc ? "yes" : "no", d->mic ? "yes" : "no", d->capf_operation,
		       d->description);
		return;
	}
	printf("%s{\"name\":\"%s\",\"model\":", first ? "" : ",", d->name);
	tl_json_str(stdout, d->model);
	printf(",\"protocol\":\"%s\",\"profile\":\"%s\",\"description\":", d->protocol,
	       tl_profile_name(d->profile));
	tl_json_str(stdout, d->description);
	fputs(",\"template\":", stdout);
	tl_json_str(stdout, d->template_name);
	printf(",\"lsc\":%s,\"mic\":%s,\"capf_operation\":\"%s\","
	       "\"capf_auth_mode\":\"%s\",\"capf_deadline\":\"%s\",\"lsc_status\":%d}",
	       d->lsc ? "true" : "false", d->mic ? "true" : "false", d->capf_operation,
	       d->capf_auth_mode, deadline, d->lsc_status);
}

struct list_ctx {
	int json, n;
};

static int list_one(void *arg, const tl_device *d)
{
	struct list_ctx *c = arg;

	print_device(d, c->json, c->n++ == 0);
	return 0;
}

static int do_list(int argc, char **argv, int show)
{
	struct list_ctx ctx = { 0, 0 };
	char name[16];
	tl_device d;
	tl_store s;
	tl_err e;
	int rc;

	tl_device_init(&d);
	optind = 1;
	rc = apply(show ? "device show" : "device list", argc, argv, &d, &ctx.json);
	tl_device_free(&d);
	if (rc)
		return rc > 0 ? 0 : EXIT_USAGE;
	if (optind != argc - show)
		return cli_usage(show ? "device show" : "device list",
				 show ? "give one device name" : "unexpected argument");
	if (show && tl_dev_name(argv[optind], name, &e))
		return cli_fail(EXIT_USAGE, &e);
	if (open_store(&s))
		return EXIT_USAGE;
	if (show) {
		rc = tl_dev_get(&s, name, &d, &e);
		if (rc == 0) {
			print_device(&d, ctx.json, 1);
			if (ctx.json)
				putchar('\n');
			tl_device_free(&d);
		} else if (rc > 0) {
			rc = cli_error(EXIT_INVALID, "%s is not in the device database", name);
		} else {
			rc = cli_fail(EXIT_USAGE, &e);
		}
	} else {
		if (ctx.json)
			putchar('[');
		rc = tl_dev_each(&s, list_one, &ctx, &e) ? cli_fail(EXIT_USAGE, &e) : 0;
		if (ctx.json)
			puts("]");
	}
	tl_store_close(&s);
	return rc;
}

static int do_remove(int argc, char **argv)
{
	char name[16];
	tl_store s;
	tl_err e;
	int rc;

	optind = 1;
	if ((rc = no_options("device remove", argc, argv)))
		return rc > 0 ? 0 : EXIT_USAGE;
	if (optind + 1 != argc)
		return cli_usage("device remove", "give one device name");
	if (tl_dev_name(argv[optind], name, &e))
		return cli_fail(EXIT_USAGE, &e);
	if (open_store(&s))
		return EXIT_USAGE;
	rc = tl_dev_remove(&s, name, &e) ? cli_fail(EXIT_INVALID, &e) : 0;
	if (rc == 0)
		printf("removed %s\n", name);
	tl_store_close(&s);
	return rc;
}

static int do_import(int argc, char **argv)
{
	uint8_t *buf;
	size_t len;
	tl_store s;
	tl_err e;
	int rc, added;

	optind = 1;
	if ((rc = no_options("device import", argc, argv)))
		return rc > 0 ? 0 : EXIT_USAGE;
	if (optind + 1 != argc)
		return cli_usage("device import", "give one CSV file");
	if (tl_read_file(argv[optind], TL_FILE_MAX, &buf, &len, &e))
		return cli_fail(EXIT_USAGE, &e);
	if (open_store(&s)) {
		free(buf);
		return EXIT_USAGE;
	}
	rc = tl_dev_import_csv(&s, (const char *)buf, len, argv[optind], &added, &e);
	if (rc == 0)
		printf("imported %d device(s) from %s\n", added, argv[optind]);
	else
		rc = cli_fail(EXIT_INVALID, &e);
	tl_store_close(&s);
	free(buf);
	return rc;
}

int cmd_device(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	if (!strcmp(argv[1], "add") || !strcmp(argv[1], "set"))
		return do_put(!strcmp(argv[1], "add"), argc - 1, argv + 1);
	if (!strcmp(argv[1], "list") || !strcmp(argv[1], "show"))
		return do_list(argc - 1, argv + 1, !strcmp(argv[1], "show"));
	if (!strcmp(argv[1], "remove"))
		return do_remove(argc - 1, argv + 1);
	if (!strcmp(argv[1], "import"))
		return do_import(argc - 1, argv + 1);
	return cli_usage("device", "unknown subcommand \"%s\"", argv[1]);
}

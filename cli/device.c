/* trustline device add|set|remove|list|show|import: the device database.
 * The CAPF subcommands are in devcapf.c; devcmd.h is what they share. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "devcmd.h"
#include "file.h"
#include "devjson.h"

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
"       trustline device capf SEP<MAC> --operation install|fetch|delete|none\n"
"                        [--auth-mode string|null|lsc|mic]\n"
"                        [--auth-string DIGITS|generate]\n"
"                        [--key rsa:1024|rsa:2048|rsa:3072|rsa:4096|ec:256|ec:384|ec:521]\n"
"                        [--by YYYY-MM-DDTHH]\n"
"       trustline device capf-status [SEP<MAC>] [--json]\n"
"       trustline device lsc revoke SEP<MAC>\n"
"       trustline device trust-state [SEP<MAC>...] [--json]\n"
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
"added or none is, and an error names the line.\n"
"\n"
"capf schedules what capfd does when the phone next connects: install (or\n"
"upgrade) an LSC, fetch the phone's certificate (troubleshoot), delete its\n"
"LSC, or none. The phone authenticates by an authentication string (4 to 10\n"
"digits; generate prints a random one), by none (null), or by its existing\n"
"certificate: its LSC, else its MIC (lsc), or its MIC only (mic). --key is the\n"
"key the phone generates for the LSC (default: as before, rsa:2048 at first);\n"
"an EC key is refused for an encrypted-profile phone, as is the encrypted\n"
"profile for a phone with an EC LSC: its configuration is encrypted to an RSA\n"
"key.\n"
"--by is the UTC hour the operation must complete by (default: 7 days from\n"
"now); later the phone's attempt fails with status 17. capf-status shows the\n"
"operation, its status code and text, and the LSC's serial and expiry.\n"
"lsc revoke marks the phone's LSCs (installed, or issued and not yet\n"
"confirmed) revoked: capfd refuses them as the phone's existing certificate,\n"
"as it refuses one the phone deleted, and they are listed in the LSC CRL\n"
"(tftpboot/CAPF-LSC.crl, published at once when the issuer's key can be\n"
"read, else by capfd). Schedule an install to give it a new one.\n"
"\n"
"trust-state shows what each phone most likely holds, as the servers saw it:\n"
"the ITL, CTL and configuration tftpd served it in transfers the phone\n"
"completed (TFTP: the last block acknowledged; HTTP: the whole response\n"
"written), by SHA-256 and signer, since when and from which address, and\n"
"the certificates tvsd last answered it about. A trust list is the phone's\n"
"when its address completed the phone's configuration within 10 minutes of it.\n", f);
}

static const struct option dev_opts[] = {
	{ "model", required_argument, 0, 'm' },
	{ "protocol", required_argument, 0, 'p' },
	{ "profile", required_argument, 0, 'P' },
	{ "description", required_argument, 0, 'd' },
	{ "template", required_argument, 0, 't' },
	{ "mic", required_argument, 0, 'M' },
	{ "json", no_argument, 0, 'j' },
	CLI_STORE_OPTIONS,
	{ 0, 0, 0, 0 },
};

/* Applies options to d (--json only where json is given); -1 when they
 * all apply, else the exit status (after --help, 0). */
static int apply(const char *cmd, void (*help)(FILE *), int argc, char **argv,
		 tl_device *d, const char **dir, int *json)
{
	tl_cert *mic;
	tl_err e;
	int c, rc;

	while ((c = getopt_long(argc, argv, "h", dev_opts, NULL)) != -1) {
		switch (c) {
		case 'm': snprintf(d->model, sizeof(d->model), "%s", optarg); break;
		case 'p':
			snprintf(d->protocol, sizeof(d->protocol), "%s", optarg);
			for (char *q = d->protocol; *q; q++)
				*q = (char)(*q >= 'a' && *q <= 'z' ? *q - 32 : *q);
			break;
		case 'P':
			if ((d->profile = tl_profile_parse(optarg)) < 0)
				return cli_usage(cmd, "--profile: non-secure, "
						 "authenticated or encrypted");
			break;
		case 'd': snprintf(d->description, sizeof(d->description), "%s", optarg); break;
		case 't': snprintf(d->template_name, sizeof(d->template_name), "%s", optarg); break;
		case 'M':
			if (tl_cert_load(optarg, &mic, &e))
				return cli_fail(EXIT_USAGE, &e);
			tl_device_set_blob(&d->mic, &d->mic_len, mic->der, mic->der_len);
			tl_cert_free(mic);
			break;
		case 'j': if (json) *json = 1; break;
		default:
			if ((rc = cli_store_opt(c, optarg, dir, help, cmd)) >= 0)
				return rc;
		}
	}
	return -1;
}

int cli_device_options(const char *cmd, void (*help)(FILE *), int argc,
		       char **argv, const char **dir, int *json)
{
	tl_device dummy;
	int rc;

	tl_device_init(&dummy);
	rc = apply(cmd, help, argc, argv, &dummy, dir, json);
	tl_device_free(&dummy);
	return rc;
}

int cli_device_get(tl_store *s, const char *name, tl_device *d,
		   const char *hint)
{
	tl_err e;
	int rc = tl_dev_get(s, name, d, &e);

	if (rc > 0)
		return cli_error(EXIT_INVALID, "%s is not in the device database%s",
				 name, hint);
	return rc < 0 ? cli_fail(EXIT_USAGE, &e) : 0;
}

int cli_device_arg(const char *cmd, void (*help)(FILE *), int argc,
		   char **argv, char name[16])
{
	tl_err e;

	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && !strcmp(argv[1], "--help")) {
			help(stdout);
			return 0;
		}
		return cli_usage(cmd, "give the device name first (SEP<MAC>)");
	}
	if (tl_dev_name(argv[1], name, &e))
		return cli_fail(EXIT_USAGE, &e);
	return -1;
}

/* device add and device set: argv[0] is which. */
static int do_put(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	const int create = !strcmp(argv[0], "add");
	const char *dir = NULL;
	char name[16];
	tl_device d;
	tl_store s;
	tl_err e;
	int rc;

	tl_device_init(&d);
	if ((rc = cli_device_arg(cmd, help, argc, argv, name)) >= 0)
		return rc;
	/* Once over the options for --data-dir (and their errors) before the
	 * store is opened, then again onto the row read from it. */
	optind = 2;
	if ((rc = cli_device_options(cmd, help, argc, argv, &dir, NULL)) >= 0)
		return rc;
	if (cli_open_store(&s, dir))
		return EXIT_USAGE;
	if (!create && (rc = cli_device_get(&s, name, &d, CLI_DEVICE_ADD_HINT)) != 0) {
		tl_store_close(&s);
		return rc;
	}
	memcpy(d.name, name, sizeof(name));
	optind = 2;
	if ((rc = apply(cmd, help, argc, argv, &d, &dir, NULL)) < 0 &&
	    optind != argc)
		rc = cli_usage(cmd, "unexpected argument \"%s\"", argv[optind]);
	if (rc < 0)
		rc = tl_dev_put(&s, &d, create, &e) ? cli_fail(EXIT_INVALID, &e) : 0;
	if (rc == 0)
		printf("%s %s: %s, %s, %s\n", create ? "added" : "changed", d.name,
		       d.model, d.protocol, tl_profile_name(d.profile));
	tl_device_free(&d);
	tl_store_close(&s);
	return rc;
}

int cli_device_each(tl_store *s, const char *dir, const char *arg, tl_dev_fn fn,
		    void *ctx, json_t *all)
{
	char name[16];
	tl_device d;
	tl_err e;
	int rc;

	if (arg && tl_dev_name(arg, name, &e))
		rc = cli_fail(EXIT_USAGE, &e);
	else if (cli_open_store(s, dir))
		rc = EXIT_USAGE;
	else {
		if (arg) {
			if ((rc = cli_device_get(s, name, &d, "")) == 0) {
				fn(ctx, &d);
				tl_device_free(&d);
			}
		} else {
			rc = tl_dev_each(s, fn, ctx, &e) ? cli_fail(EXIT_USAGE, &e) : 0;
		}
		tl_store_close(s);
	}
	if (all && rc == 0)
		tl_json_print(json_incref(arg ? json_array_get(all, 0) : all));
	json_decref(all);
	return rc;
}

static int list_one(void *arg, const tl_device *d)
{
	json_t *all = arg;

	if (all)
		return json_array_append_new(all, tl_device_json(d));
	printf("%-16s %-10s %-5s %-14s lsc=%-3s mic=%-3s capf=%-8s %s\n", d->name,
	       d->model, d->protocol, tl_profile_name(d->profile),
	       d->lsc ? "yes" : "no", d->mic ? "yes" : "no", d->capf_operation,
	       d->description);
	return 0;
}

/* device list and device show: argv[0] is which. */
static int do_list(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	const int show = !strcmp(argv[0], "show");
	const char *dir = NULL;
	json_t *all;
	tl_store s;
	int rc, json = 0;

	optind = 1;
	if ((rc = cli_device_options(cmd, help, argc, argv, &dir, &json)) >= 0)
		return rc;
	if (optind != argc - show)
		return cli_usage(cmd, show ? "give one device name" :
				 "unexpected argument");
	all = json ? json_array() : NULL;
	return cli_device_each(&s, dir, show ? argv[optind] : NULL, list_one, all, all);
}

static int do_remove(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	const char *dir = NULL;
	char name[16];
	tl_store s;
	tl_err e;
	int rc;

	optind = 1;
	if ((rc = cli_device_options(cmd, help, argc, argv, &dir, NULL)) >= 0)
		return rc;
	if (optind + 1 != argc)
		return cli_usage(cmd, "give one device name");
	if (tl_dev_name(argv[optind], name, &e))
		return cli_fail(EXIT_USAGE, &e);
	if (cli_open_store(&s, dir))
		return EXIT_USAGE;
	rc = tl_dev_remove(&s, name, &e) ? cli_fail(EXIT_INVALID, &e) : 0;
	if (rc == 0)
		printf("removed %s\n", name);
	tl_store_close(&s);
	return rc;
}

static int do_import(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	const char *dir = NULL;
	uint8_t *buf;
	size_t len;
	tl_store s;
	tl_err e;
	int rc, added;

	optind = 1;
	if ((rc = cli_device_options(cmd, help, argc, argv, &dir, NULL)) >= 0)
		return rc;
	if (optind + 1 != argc)
		return cli_usage(cmd, "give one CSV file");
	if (tl_read_file(argv[optind], TL_FILE_MAX, &buf, &len, &e))
		return cli_fail(EXIT_USAGE, &e);
	if (cli_open_store(&s, dir)) {
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
	static const cli_verb verbs[] = {
		{ "add", do_put }, { "set", do_put }, { "remove", do_remove },
		{ "list", do_list }, { "show", do_list }, { "import", do_import },
		{ "capf", cli_device_capf },
		{ "capf-status", cli_device_capf_status }, { "lsc", cli_device_lsc },
		{ "trust-state", cli_device_trust_state },
	};

	return cli_dispatch("device", usage, verbs, sizeof(verbs) / sizeof(verbs[0]),
			    argc, argv);
}

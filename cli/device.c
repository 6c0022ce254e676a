/* trustline device add|set|remove|list|show|import|capf|capf-status */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capfdb.h"
#include "cli.h"
#include "pki.h"
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
"       trustline device capf SEP<MAC> --operation install|fetch|delete|none\n"
"                        [--auth-mode string|null|lsc|mic]\n"
"                        [--auth-string DIGITS|generate]\n"
"                        [--key rsa:1024|rsa:2048|rsa:3072|rsa:4096|ec:256|ec:384|ec:521]\n"
"                        [--by YYYY-MM-DDTHH]\n"
"       trustline device capf-status [SEP<MAC>] [--json]\n"
"       trustline device lsc revoke SEP<MAC>\n"
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
"as it refuses one the phone deleted. Schedule an install to give it a new one.\n", f);
}

/* After "not in the device database" where the command needs a row. */
#define ADD_HINT ": add it with `trustline device add`"

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

/* For subcommands that take no device options: --data-dir, --help and,
 * where json is given, --json. */
static int no_options(const char *cmd, void (*help)(FILE *), int argc,
		      char **argv, const char **dir, int *json)
{
	tl_device dummy;
	int rc;

	tl_device_init(&dummy);
	rc = apply(cmd, help, argc, argv, &dummy, dir, json);
	tl_device_free(&dummy);
	return rc;
}

/* The device name from the database: 0, else the exit status after the
 * message (hint follows the one for an unknown name). */
static int get_device(tl_store *s, const char *name, tl_device *d,
		      const char *hint)
{
	tl_err e;
	int rc = tl_dev_get(s, name, d, &e);

	if (rc > 0)
		return cli_error(EXIT_INVALID, "%s is not in the device database%s",
				 name, hint);
	return rc < 0 ? cli_fail(EXIT_USAGE, &e) : 0;
}

/* The device name that comes first: -1 when it is there and valid, else
 * the exit status (after --help, 0). */
static int device_arg(const char *cmd, void (*help)(FILE *), int argc,
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

static int put(const char *cmd, void (*help)(FILE *), int argc, char **argv,
	       int create)
{
	const char *dir = NULL;
	char name[16];
	tl_device d;
	tl_store s;
	tl_err e;
	int rc;

	tl_device_init(&d);
	if ((rc = device_arg(cmd, help, argc, argv, name)) >= 0)
		return rc;
	/* Once over the options for --data-dir (and their errors) before the
	 * store is opened, then again onto the row read from it. */
	optind = 2;
	if ((rc = no_options(cmd, help, argc, argv, &dir, NULL)) >= 0)
		return rc;
	if (cli_open_store(&s, dir))
		return EXIT_USAGE;
	if (!create && (rc = get_device(&s, name, &d, ADD_HINT)) != 0) {
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

static int do_add(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	return put(cmd, help, argc, argv, 1);
}

static int do_set(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	return put(cmd, help, argc, argv, 0);
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

/* fn for the named device (one JSON object), or for every device (a JSON
 * array); an unknown name is refused. */
static int each_device(tl_store *s, const char *name, tl_dev_fn fn, void *ctx,
		       int json)
{
	tl_device d;
	tl_err e;
	int rc;

	if (name) {
		if ((rc = get_device(s, name, &d, "")) != 0)
			return rc;
		fn(ctx, &d);
		if (json)
			putchar('\n');
		tl_device_free(&d);
		return 0;
	}
	if (json)
		putchar('[');
	rc = tl_dev_each(s, fn, ctx, &e) ? cli_fail(EXIT_USAGE, &e) : 0;
	if (json)
		puts("]");
	return rc;
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

static int list(const char *cmd, void (*help)(FILE *), int argc, char **argv,
		int show)
{
	struct list_ctx ctx = { 0, 0 };
	const char *dir = NULL;
	char name[16];
	tl_store s;
	tl_err e;
	int rc;

	optind = 1;
	if ((rc = no_options(cmd, help, argc, argv, &dir, &ctx.json)) >= 0)
		return rc;
	if (optind != argc - show)
		return cli_usage(cmd, show ? "give one device name" :
				 "unexpected argument");
	if (show && tl_dev_name(argv[optind], name, &e))
		return cli_fail(EXIT_USAGE, &e);
	if (cli_open_store(&s, dir))
		return EXIT_USAGE;
	rc = each_device(&s, show ? name : NULL, list_one, &ctx, ctx.json);
	tl_store_close(&s);
	return rc;
}

static int do_list(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	return list(cmd, help, argc, argv, 0);
}

static int do_show(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	return list(cmd, help, argc, argv, 1);
}

static int do_remove(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	const char *dir = NULL;
	char name[16];
	tl_store s;
	tl_err e;
	int rc;

	optind = 1;
	if ((rc = no_options(cmd, help, argc, argv, &dir, NULL)) >= 0)
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
	if ((rc = no_options(cmd, help, argc, argv, &dir, NULL)) >= 0)
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

static int do_capf(const char *cmd, void (*help)(FILE *), int argc, char **argv);
static int do_capf_status(const char *cmd, void (*help)(FILE *), int argc, char **argv);
static int do_lsc(const char *cmd, void (*help)(FILE *), int argc, char **argv);

int cmd_device(int argc, char **argv)
{
	static const cli_verb verbs[] = {
		{ "add", do_add }, { "set", do_set }, { "remove", do_remove },
		{ "list", do_list }, { "show", do_show }, { "import", do_import },
		{ "capf", do_capf }, { "capf-status", do_capf_status },
		{ "lsc", do_lsc },
	};

	return cli_dispatch("device", usage, verbs, sizeof(verbs) / sizeof(verbs[0]),
			    argc, argv);
}

/* ---- CAPF ---- */

static const char *const capf_keys[] = { "rsa:1024", "rsa:2048", "rsa:3072",
					 "rsa:4096", "ec:256", "ec:384", "ec:521" };

/* 10 random digits: the longest string phones accept, the least guessable. */
static int generate_string(char out[TL_SECRET_MAX], tl_err *e)
{
	size_t n = 0;

	while (n < 10) {
		uint8_t b[16];

		if (tl_random(b, sizeof(b), e))
			return -1;
		/* below 250 only, so every digit is equally likely */
		for (size_t i = 0; i < sizeof(b) && n < 10; i++)
			if (b[i] < 250)
				out[n++] = (char)('0' + b[i] % 10);
	}
	out[n] = 0;
	return 0;
}

/* "2026-12-01T17" (UTC) into a time. */
static int parse_by(const char *v, long *out)
{
	struct tm tm;
	char *end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(v, "%Y-%m-%dT%H", &tm);
	if (end == NULL || *end || strlen(v) != 13)
		return -1;
	*out = (long)timegm(&tm);
	return 0;
}

static int do_capf(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	static const struct option lo[] = {
		{ "operation", required_argument, 0, 'o' },
		{ "auth-mode", required_argument, 0, 'a' },
		{ "auth-string", required_argument, 0, 's' },
		{ "key", required_argument, 0, 'k' },
		{ "by", required_argument, 0, 'b' },
		CLI_STORE_OPTIONS,
		{ 0, 0, 0, 0 },
	};
	const char *op_s = NULL, *mode_s = NULL, *str = NULL, *key = NULL, *by = NULL,
		   *dir = NULL;
	char name[16], secret[TL_SECRET_MAX], when[32];
	long now = (long)time(NULL), deadline = now + 7 * 86400;
	int c, op, mode = TL_CAPF_MODE_NULL, rc;
	tl_device d;
	tl_store s;
	tl_err e;
	struct tm tm;

	if ((rc = device_arg(cmd, help, argc, argv, name)) >= 0)
		return rc;
	optind = 2;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'o': op_s = optarg; break;
		case 'a': mode_s = optarg; break;
		case 's': str = optarg; break;
		case 'k': key = optarg; break;
		case 'b': by = optarg; break;
		default:
			if ((rc = cli_store_opt(c, optarg, &dir, help, cmd)) >= 0)
				return rc;
		}
	}
	if (optind != argc)
		return cli_usage(cmd, "unexpected argument \"%s\"", argv[optind]);
	if (!op_s)
		return cli_usage(cmd, "--operation is required: install, fetch, delete "
				 "or none");
	if ((op = tl_capf_op_parse(op_s)) < 0)
		return cli_usage(cmd, "--operation %s: install, fetch, delete or none", op_s);
	if (mode_s && (mode = tl_capf_mode_parse(mode_s)) < 0)
		return cli_usage(cmd, "--auth-mode %s: string, null, lsc or mic", mode_s);
	if (key) {
		size_t i;

		for (i = 0; i < sizeof(capf_keys) / sizeof(capf_keys[0]); i++)
			if (!strcmp(key, capf_keys[i]))
				break;
		if (i == sizeof(capf_keys) / sizeof(capf_keys[0]))
			return cli_usage(cmd, "--key %s: rsa:1024, rsa:2048, rsa:3072, "
					 "rsa:4096, ec:256, ec:384 or ec:521", key);
	}
	if (str && strcmp(str, "generate")) {
		size_t n = strlen(str), digits = strspn(str, "0123456789");

		if (n < 4 || n > 10 || digits != n)
			return cli_usage(cmd, "--auth-string must be 4 to 10 digits (or "
					 "generate)");
	}
	if (by) {
		if (parse_by(by, &deadline))
			return cli_usage(cmd, "--by %s: write the UTC hour as "
					 "YYYY-MM-DDTHH (2026-12-01T17)", by);
		if (deadline <= now)
			return cli_usage(cmd, "--by %s is in the past", by);
	}
	if (cli_open_store(&s, dir))
		return EXIT_USAGE;
	if ((rc = get_device(&s, name, &d, ADD_HINT)) != 0) {
		tl_store_close(&s);
		return rc;
	}
	if (!mode_s)
		mode = str ? TL_CAPF_MODE_STRING : tl_capf_mode_parse(d.capf_auth_mode);
	snprintf(secret, sizeof(secret), "%s", d.capf_auth_string);
	rc = 0;
	if (str && mode != TL_CAPF_MODE_STRING)
		rc = cli_usage(cmd, "--auth-string goes with --auth-mode string");
	else if (str && !strcmp(str, "generate") && generate_string(secret, &e))
		rc = cli_fail(EXIT_USAGE, &e);
	else if (str && strcmp(str, "generate"))
		snprintf(secret, sizeof(secret), "%s", str);
	if (rc == 0 && mode == TL_CAPF_MODE_STRING && op != TL_CAPF_OP_NONE && !secret[0])
		rc = cli_usage(cmd, "--auth-mode string needs --auth-string DIGITS or "
			       "--auth-string generate");
	if (rc == 0 && op == TL_CAPF_OP_INSTALL &&
	    tl_dev_check_encryption(&d, key ? key : d.capf_key, &e))
		rc = cli_fail(EXIT_INVALID, &e);
	if (rc == 0 && tl_capf_schedule(&s, name, op, mode, mode == TL_CAPF_MODE_STRING ?
					secret : "", key ? key : d.capf_key, deadline,
					now, &e))
		rc = cli_fail(EXIT_INVALID, &e);
	if (rc == 0) {
		time_t t = (time_t)deadline;

		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
		if (op == TL_CAPF_OP_NONE)
			printf("%s: no CAPF operation pending\n", name);
		else
			printf("%s: %s by %s, authentication by %s, key %s\n", name,
			       tl_capf_op_name(op), when, tl_capf_mode_name(mode),
			       key ? key : d.capf_key);
		/* the only time it is shown: the database keeps its hash */
		if (str && !strcmp(str, "generate"))
			printf("authentication string: %s\n", secret);
	}
	tl_device_free(&d);
	tl_store_close(&s);
	return rc;
}

static void iso(long t, char *out, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t)
		strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&tt, &tm));
	else
		snprintf(out, n, "-");
}

struct status_ctx {
	tl_store *s;
	int json, n, one;
};

static int print_event(void *arg, long ts, int status, const char *detail)
{
	int *n = arg;
	char when[32];

	iso(ts, when, sizeof(when));
	printf("%s{\"time\":\"%s\",\"status\":%d,\"text\":\"%s\",\"detail\":",
	       (*n)++ ? "," : "", when, status, tl_lsc_status_text(status));
	tl_json_str(stdout, detail);
	putchar('}');
	return 0;
}

static int print_event_text(void *arg, long ts, int status, const char *detail)
{
	char when[32];

	(void)arg;
	iso(ts, when, sizeof(when));
	printf("  %s  %2d %s%s%s\n", when, status, tl_lsc_status_text(status),
	       detail[0] ? ": " : "", detail);
	return 0;
}

static int status_one(void *arg, const tl_device *d)
{
	struct status_ctx *c = arg;
	char deadline[32], at[32], expiry[32] = "-";
	char *serial = NULL;
	tl_cert *lsc = NULL;
	tl_err e;
	int n = 0;

	iso(d->capf_deadline, deadline, sizeof(deadline));
	iso(d->lsc_status_time, at, sizeof(at));
	if (d->lsc && tl_cert_from_der(d->lsc, d->lsc_len, &lsc, &e) == 0) {
		serial = tl_hex(lsc->serial, lsc->serial_len, 1);
		iso((long)lsc->not_after, expiry, sizeof(expiry));
	}
	if (c->json) {
		printf("%s{\"name\":\"%s\",\"operation\":\"%s\",\"auth_mode\":\"%s\","
		       "\"key\":\"%s\",\"deadline\":\"%s\",\"status\":%d,\"status_text\":"
		       "\"%s\",\"status_time\":\"%s\",\"lsc_serial\":", c->n++ ? "," : "",
		       d->name, d->capf_operation, d->capf_auth_mode, d->capf_key,
		       deadline, d->lsc_status, tl_lsc_status_text(d->lsc_status), at);
		if (serial)
			printf("\"%s\",\"lsc_expires\":\"%s\"", serial, expiry);
		else
			fputs("null,\"lsc_expires\":null", stdout);
		if (c->one) {
			fputs(",\"events\":[", stdout);
			tl_capf_events(c->s, d->name, 20, print_event, &n, &e);
			putchar(']');
		}
		putchar('}');
	} else {
		printf("%-16s %-8s %-7s %-9s by %-21s %2d %-45s lsc=%s %s\n", d->name,
		       d->capf_operation, d->capf_auth_mode, d->capf_key, deadline,
		       d->lsc_status, tl_lsc_status_text(d->lsc_status),
		       serial ? serial : "-", expiry);
		if (c->one)
			tl_capf_events(c->s, d->name, 20, print_event_text, NULL, &e);
	}
	free(serial);
	tl_cert_free(lsc);
	return 0;
}

static int do_capf_status(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	struct status_ctx ctx = { NULL, 0, 0, 0 };
	const char *dir = NULL;
	char name[16];
	tl_store s;
	tl_err e;
	int rc;

	optind = 1;
	if ((rc = no_options(cmd, help, argc, argv, &dir, &ctx.json)) >= 0)
		return rc;
	if (argc - optind > 1)
		return cli_usage(cmd, "give at most one device name");
	ctx.one = argc - optind == 1;
	if (ctx.one && tl_dev_name(argv[optind], name, &e))
		return cli_fail(EXIT_USAGE, &e);
	if (cli_open_store(&s, dir))
		return EXIT_USAGE;
	ctx.s = &s;
	rc = each_device(&s, ctx.one ? name : NULL, status_one, &ctx, ctx.json);
	tl_store_close(&s);
	return rc;
}

/* device lsc revoke SEP<MAC>: argv[0] is "lsc" */
static int do_lsc(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	static const struct option lo[] = {
		CLI_STORE_OPTIONS,
		{ 0, 0, 0, 0 },
	};
	const char *dir = NULL;
	char name[16], revoke[64];
	int c, rc, n;
	tl_device d;
	tl_store s;
	tl_err e;

	if (argc < 2 || strcmp(argv[1], "revoke")) {
		if (argc >= 2 && !strcmp(argv[1], "--help")) {
			help(stdout);
			return 0;
		}
		return cli_usage(cmd, argc < 2 ? "give revoke SEP<MAC>" :
				 "unknown subcommand \"%s\": revoke", argv[1]);
	}
	snprintf(revoke, sizeof(revoke), "%s revoke", cmd);
	if ((rc = device_arg(revoke, help, argc - 1, argv + 1, name)) >= 0)
		return rc;
	optind = 3;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1)
		if ((rc = cli_store_opt(c, optarg, &dir, help, revoke)) >= 0)
			return rc;
	if (optind != argc)
		return cli_usage(revoke, "unexpected argument \"%s\"", argv[optind]);
	if (cli_open_store(&s, dir))
		return EXIT_USAGE;
	if ((rc = get_device(&s, name, &d, "")) != 0) {
		tl_store_close(&s);
		return rc;
	}
	tl_device_free(&d);
	rc = tl_capf_lsc_revoke(&s, name, (long)time(NULL), &n, &e) ||
	     (n > 0 && tl_store_audit(&s, "lsc revoke", name, NULL, NULL, &e));
	tl_store_close(&s);
	if (rc)
		return cli_fail(EXIT_INVALID, &e);
	if (n == 0)
		return cli_error(EXIT_INVALID, "%s has no LSC in use to revoke", name);
	printf("%s: %d LSC%s revoked; capfd refuses %s from now on\n", name, n,
	       n == 1 ? "" : "s", n == 1 ? "it" : "them");
	return 0;
}

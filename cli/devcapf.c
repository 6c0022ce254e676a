/* trustline device capf|capf-status|lsc revoke: what capfd does for a
 * phone when it next connects, what it did, and the LSCs it must refuse. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capfdb.h"
#include "devcmd.h"
#include "devjson.h"
#include "identity.h"
#include "lsccrl.h"

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

int cli_capf_key_check(const char *cmd, const char *key)
{
	for (size_t i = 0; i < sizeof(capf_keys) / sizeof(capf_keys[0]); i++)
		if (!strcmp(key, capf_keys[i]))
			return 0;
	return cli_usage(cmd, "--key %s: rsa:1024, rsa:2048, rsa:3072, rsa:4096, "
			 "ec:256, ec:384 or ec:521", key);
}

int cli_device_capf(const char *cmd, void (*help)(FILE *), int argc,
		    char **argv)
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
	long now = (long)time(NULL), deadline = now + TL_CAPF_DEADLINE_SECONDS;
	int c, op, mode = TL_CAPF_MODE_NULL, rc;
	tl_device d;
	tl_store s;
	tl_err e;
	struct tm tm;

	if ((rc = cli_device_arg(cmd, help, argc, argv, name)) >= 0)
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
	if (key && (rc = cli_capf_key_check(cmd, key)) != 0)
		return rc;
	if (str && strcmp(str, "generate") && !tl_capf_string_valid(str))
		return cli_usage(cmd, "--auth-string must be 4 to 10 digits (or "
				 "generate)");
	if (by) {
		if (parse_by(by, &deadline))
			return cli_usage(cmd, "--by %s: write the UTC hour as "
					 "YYYY-MM-DDTHH (2026-12-01T17)", by);
		if (deadline <= now)
			return cli_usage(cmd, "--by %s is in the past", by);
	}
	if (cli_open_store(&s, dir))
		return EXIT_USAGE;
	if ((rc = cli_device_get(&s, name, &d, CLI_DEVICE_ADD_HINT)) != 0) {
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
	if (rc == 0 && tl_capf_schedule_device(&s, &d, op, mode,
					       mode == TL_CAPF_MODE_STRING ? secret : "",
					       key ? key : d.capf_key, deadline, now, &e))
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
	json_t *all;
	int one;
};

static int print_event_text(void *arg, long ts, int status, const char *detail)
{
	char when[32];

	(void)arg;
	iso(ts, when, sizeof(when));
	printf("  %s  %2d %s%s%s\n", when, status, tl_lsc_status_text(status),
	       detail[0] ? ": " : "", detail);
	return 0;
}

/* The device's row as `device show` has it, and its LSC and history */
static void status_json(struct status_ctx *c, const tl_device *d, const tl_cert *lsc)
{
	json_t *o = tl_device_json(d), *events;
	tl_err e;

	json_object_set_new(o, "lsc_serial", lsc ? tl_json_hexstr(lsc->serial,
				lsc->serial_len, 1) : json_null());
	json_object_set_new(o, "lsc_not_after", tl_json_time(lsc ? lsc->not_after : 0));
	if (c->one) {
		events = json_array();
		tl_capf_events(c->s, d->name, 20, tl_capf_event_json, events, &e);
		json_object_set_new(o, "capf_history", events);
	}
	json_array_append_new(c->all, o);
}

static int status_one(void *arg, const tl_device *d)
{
	struct status_ctx *c = arg;
	char deadline[32], expiry[32] = "-";
	char *serial = NULL;
	tl_cert *lsc = NULL;
	tl_err e;

	if (d->lsc && tl_cert_from_der(d->lsc, d->lsc_len, &lsc, &e) != 0)
		lsc = NULL;
	if (c->all) {
		status_json(c, d, lsc);
		tl_cert_free(lsc);
		return 0;
	}
	iso(d->capf_deadline, deadline, sizeof(deadline));
	if (lsc) {
		serial = tl_hex(lsc->serial, lsc->serial_len, 1);
		iso((long)lsc->not_after, expiry, sizeof(expiry));
	}
	printf("%-16s %-8s %-7s %-9s by %-21s %2d %-45s lsc=%s %s\n", d->name,
	       d->capf_operation, d->capf_auth_mode, d->capf_key, deadline,
	       d->lsc_status, tl_lsc_status_text(d->lsc_status),
	       serial ? serial : "-", expiry);
	if (c->one)
		tl_capf_events(c->s, d->name, 20, print_event_text, NULL, &e);
	free(serial);
	tl_cert_free(lsc);
	return 0;
}

int cli_device_capf_status(const char *cmd, void (*help)(FILE *), int argc,
			   char **argv)
{
	struct status_ctx ctx = { NULL, NULL, 0 };
	const char *dir = NULL;
	tl_store s;
	int rc, json = 0;

	optind = 1;
	if ((rc = cli_device_options(cmd, help, argc, argv, &dir, &json)) >= 0)
		return rc;
	if (argc - optind > 1)
		return cli_usage(cmd, "give at most one device name");
	ctx.one = argc - optind == 1;
	ctx.s = &s;
	ctx.all = json ? json_array() : NULL;
	return cli_device_each(&s, dir, ctx.one ? argv[optind] : NULL, status_one,
			       &ctx, ctx.all);
}

/* The revocation stands in trustline.db whatever happens here: a CRL that
 * cannot be signed now (the issuer's key unreadable to this user) is
 * published by capfd when it sees the change. */
static void publish_crl(tl_store *s)
{
	tl_capf_srv v;
	int published = 0, rc;
	tl_err e;

	if ((rc = tl_capf_srv_load(&v, s, &s->conf.capf, NULL, &e)) == 0) {
		rc = tl_capf_srv_publish_crl(&v, time(NULL), &published, &e);
		tl_capf_srv_free(&v);
	}
	if (published)
		printf("published %s\n", TL_LSCCRL_PATH);
	else if (rc)
		fprintf(stderr, "trustline: warning: %s not published now (%s); capfd "
			"publishes it within a few seconds\n", TL_LSCCRL_PATH, e.msg);
}

/* device lsc revoke SEP<MAC>: argv[0] is "lsc" */
int cli_device_lsc(const char *cmd, void (*help)(FILE *), int argc, char **argv)
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
	if ((rc = cli_device_arg(revoke, help, argc - 1, argv + 1, name)) >= 0)
		return rc;
	optind = 3;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1)
		if ((rc = cli_store_opt(c, optarg, &dir, help, revoke)) >= 0)
			return rc;
	if (optind != argc)
		return cli_usage(revoke, "unexpected argument \"%s\"", argv[optind]);
	if (cli_open_store(&s, dir))
		return EXIT_USAGE;
	if ((rc = cli_device_get(&s, name, &d, "")) != 0) {
		tl_store_close(&s);
		return rc;
	}
	tl_device_free(&d);
	rc = tl_capf_lsc_revoke(&s, name, (long)time(NULL), &n, &e) ||
	     (n > 0 && tl_store_audit(&s, "lsc revoke", name, NULL, NULL, &e));
	if (rc || n == 0) {
		tl_store_close(&s);
		if (rc)
			return cli_fail(EXIT_INVALID, &e);
		return cli_error(EXIT_INVALID, "%s has no LSC in use to revoke", name);
	}
	printf("%s: %d LSC%s revoked; capfd refuses %s from now on\n", name, n,
	       n == 1 ? "" : "s", n == 1 ? "it" : "them");
	publish_crl(&s);
	tl_store_close(&s);
	return 0;
}

/* trustline cert revocation show|set|check */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "alarm.h"
#include "cli.h"
#include "json.h"
#include "pki.h"
#include "revcheck.h"

static void usage(FILE *f)
{
	fputs(
"usage: trustline cert revocation show [--json]\n"
"       trustline cert revocation set [--ocsp on|off] [--ocsp-uri URI] [--nonce on|off]\n"
"                                     [--crl on|off] [--crl-uri URI]\n"
"                                     [--every-hours N] [--timeout SECONDS]\n"
"                                     [--max-crl-kb N]\n"
"       trustline cert revocation check [GROUP/NAME]... [--json]\n"
"Every command takes --data-dir DIR.\n"
"\n"
"show   the [revocation] settings, the last verdict of every certificate\n"
"       checked (good, revoked, unknown, error) with when and whom it asked,\n"
"       and the raised CertificateRevoked and CRLChanged alarms.\n"
"set    changes [revocation] in trustline.conf. --ocsp-uri \"\" (the default)\n"
"       asks the responder each certificate names (authorityInfoAccess);\n"
"       a URI asks that responder for every certificate. --crl-uri likewise\n"
"       for the CRL distribution point. --every-hours 0: only on demand.\n"
"check  asks now, for every CA-signed identity certificate and every\n"
"       trust-store certificate naming an OCSP responder or a CRL\n"
"       distribution point (or just those named): OCSP first, the CRL when\n"
"       OCSP gives no verdict. A response counts only when it is signed by\n"
"       the certificate's issuer (or a responder the issuer signed for OCSP),\n"
"       carries our nonce and is inside its thisUpdate/nextUpdate window; a\n"
"       CRL only when the issuer signed it and its nextUpdate is ahead.\n"
"       Prints one line per certificate and each alarm raised or cleared.\n"
"       Exit 0 when every checked certificate is good, 1 when one is\n"
"       revoked or has no verdict.\n", f);
}

static const char *data_dir;

/* A verdict's JSON members: status, method, source, detail, checked. */
/* results and alarms: the arrays of --json; NULL: print lines */
struct show_ctx {
	tl_store *s;
	json_t *results, *alarms;
};

static int show_item(void *arg, tl_pki_item *it)
{
	struct show_ctx *x = arg;
	char when[32], obj[400];
	struct tm tm;
	json_t *o;
	tl_rev r;

	if (tl_pki_rev_get(x->s, it->cert, &r) != 0)
		return 0;
	if (x->results) {
		snprintf(obj, sizeof(obj), "%s/%s", it->group, it->name);
		o = json_object();
		json_object_set_new(o, "object", tl_json_text(obj));
		tl_rev_json(o, &r);
		json_array_append_new(x->results, o);
		return 0;
	}
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&r.checked, &tm));
	printf("object=%s/%s status=%s method=%s source=%s checked=%s "
	       "detail=\"%s\"\n", it->group, it->name,
	       tl_rev_status_name(r.status), r.method[0] ? r.method : "-",
	       r.source[0] ? r.source : "-", when, r.detail);
	return 0;
}

static int show_alarm(void *arg, const tl_alarm *a)
{
	struct show_ctx *x = arg;
	json_t *o;

	if (!x->alarms) {
		tl_alarm_print(stdout, a, 1);
		return 0;
	}
	o = json_object();
	json_object_set_new(o, "alarm", tl_json_text(a->name));
	json_object_set_new(o, "severity", tl_json_text(a->severity));
	json_object_set_new(o, "object", tl_json_text(a->object));
	json_object_set_new(o, "detail", tl_json_text(a->detail));
	json_object_set_new(o, "raised", tl_json_time(a->raised));
	json_array_append_new(x->alarms, o);
	return 0;
}

static int do_show(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, 0, 'j' },
		CLI_STORE_OPTIONS,
		{ 0, 0, 0, 0 },
	};
	struct show_ctx x = { NULL, NULL, NULL };
	const tl_conf_revocation *r;
	json_t *o = NULL;
	int c, rc, json = 0;
	tl_store s;
	tl_err e;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		default:
			if ((rc = cli_store_opt(c, optarg, &data_dir, help, cmd)) >= 0)
				return rc;
		}
	}
	if (optind != argc)
		return cli_usage(cmd, "unexpected argument \"%s\"", argv[optind]);
	if (cli_open_store(&s, data_dir))
		return EXIT_USAGE;
	rc = 0;
	x.s = &s;
	r = &s.conf.rev;
	if (json) {
		o = json_object();
		json_object_set_new(o, "ocsp", json_boolean(r->ocsp));
		json_object_set_new(o, "ocsp_uri", tl_json_text(r->ocsp_uri[0] ? r->ocsp_uri : NULL));
		json_object_set_new(o, "nonce", json_boolean(r->nonce));
		json_object_set_new(o, "crl", json_boolean(r->crl));
		json_object_set_new(o, "crl_uri", tl_json_text(r->crl_uri[0] ? r->crl_uri : NULL));
		json_object_set_new(o, "check_every_hours", json_integer(r->check_every_hours));
		json_object_set_new(o, "timeout", json_integer(r->timeout));
		json_object_set_new(o, "max_crl_kb", json_integer(r->max_crl_kb));
		x.results = json_array();
		x.alarms = json_array();
		json_object_set_new(o, "results", x.results);
		json_object_set_new(o, "alarms", x.alarms);
	} else {
		printf("ocsp=%s ocsp_uri=%s nonce=%s crl=%s crl_uri=%s "
		       "check_every_hours=%d timeout=%d max_crl_kb=%d\n",
		       r->ocsp ? "on" : "off", r->ocsp_uri[0] ? r->ocsp_uri : "(certificate)",
		       r->nonce ? "on" : "off", r->crl ? "on" : "off",
		       r->crl_uri[0] ? r->crl_uri : "(certificate)", r->check_every_hours,
		       r->timeout, r->max_crl_kb);
	}
	if (tl_pki_each(&s, 1, NULL, 0, show_item, &x, &e))
		rc = cli_fail(EXIT_USAGE, &e);
	if (rc == 0 && tl_alarm_each(&s, NULL, show_alarm, &x, &e))
		rc = cli_fail(EXIT_USAGE, &e);
	if (rc == 0 && o)
		tl_json_print(o);
	else
		json_decref(o);
	tl_store_close(&s);
	return rc;
}

static int is_uri(const char *v)
{
	return !v[0] || !strncmp(v, "http://", 7) || !strncmp(v, "https://", 8) ||
	       !strncmp(v, "file://", 7);
}

/* The trustline.conf key of each option of set. */
static const char *key_name(int c)
{
	switch (c) {
	case 'O': return "ocsp_uri";
	case 'C': return "crl_uri";
	case 'e': return "check_every_hours";
	case 'm': return "max_crl_kb";
	default: return "";
	}
}

static int do_set(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ocsp", required_argument, 0, 'o' },
		{ "ocsp-uri", required_argument, 0, 'O' },
		{ "nonce", required_argument, 0, 'n' },
		{ "crl", required_argument, 0, 'c' },
		{ "crl-uri", required_argument, 0, 'C' },
		{ "every-hours", required_argument, 0, 'e' },
		{ "timeout", required_argument, 0, 't' },
		{ "max-crl-kb", required_argument, 0, 'm' },
		CLI_STORE_OPTIONS,
		{ 0, 0, 0, 0 },
	};
	tl_conf_revocation r;
	tl_store s;
	tl_err e;
	int c, bad = 0, changed = 0;

	/* the store is opened first so the values land on the current ones */
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			help(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--data-dir") && i + 1 < argc) {
			data_dir = argv[i + 1];
		} else if (!strncmp(argv[i], "--data-dir=", 11)) {
			data_dir = argv[i] + 11;
		}
	if (cli_open_store(&s, data_dir))
		return EXIT_USAGE;
	r = s.conf.rev;
	while (!bad && (c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		const struct option *o = opts;

		if (c == 'D')
			continue;
		while (o->name && o->val != c)
			o++;
		if (!o->name || c == 'h' || ((c == 'O' || c == 'C') && !is_uri(optarg)))
			bad = c == 'O' || c == 'C' ? c : '?';
		else if (!tl_conf_revocation_key(&r, key_name(c)[0] ? key_name(c) :
						  o->name, optarg))
			bad = c;
		changed++;
	}
	if (bad || optind != argc || !changed) {
		const struct option *o = opts;

		while (o->name && o->val != bad)
			o++;
		tl_store_close(&s);
		if (bad == 'O' || bad == 'C')
			return cli_usage(cmd, "a URI is http://, https:// or file://, "
					 "or \"\" for the certificate's own");
		if (bad && o->name)
			return cli_usage(cmd, "bad value for --%s", o->name);
		return cli_usage(cmd, bad ? "unknown option" : !changed ?
				 "nothing to set" : "unexpected argument");
	}
	s.conf.rev = r;
	if (tl_store_save_conf(&s, &e) || tl_store_audit(&s, "revocation set",
							 "trustline.conf", NULL, NULL, &e)) {
		tl_store_close(&s);
		return cli_fail(EXIT_USAGE, &e);
	}
	tl_store_close(&s);
	optind = 0;	/* getopt starts over for show's own (no) options */
	return do_show(cmd, help, 1, (char *[]){ (char *)"show", NULL });
}

static int do_check(const char *cmd, void (*help)(FILE *), int argc,
		    char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, 0, 'j' },
		CLI_STORE_OPTIONS,
		{ 0, 0, 0, 0 },
	};
	int json = 0, c, rc;
	tl_store s;
	tl_err e;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		default:
			if ((rc = cli_store_opt(c, optarg, &data_dir, help, cmd)) >= 0)
				return rc;
		}
	}
	if (cli_open_store(&s, data_dir))
		return EXIT_USAGE;
	rc = tl_pki_rev_check(&s, optind < argc ? (const char *const *)argv + optind :
			      NULL, json, stdout, json ? stderr : stdout, &e);
	tl_store_close(&s);
	if (rc < 0)
		return cli_fail(EXIT_USAGE, &e);
	return rc ? EXIT_INVALID : 0;
}

/* The verdict trustline.db holds for c; none when it cannot be read. */
static void rev_of(const tl_cert *c, const char *dir, tl_rev *r)
{
	tl_store s;
	tl_err e;

	memset(r, 0, sizeof(*r));
	if (tl_pki_store_open(&s, tl_store_default_dir(dir), stderr, &e) == 0) {
		tl_pki_rev_get(&s, c, r);
		tl_store_close(&s);
	}
}

json_t *cli_rev_json(const tl_cert *c, const char *dir)
{
	json_t *o = json_object();
	tl_rev r;

	rev_of(c, dir, &r);
	tl_rev_json(o, &r);
	return o;
}

void cli_rev_show(const tl_cert *c, const char *dir)
{
	char when[32];
	struct tm tm;
	tl_rev r;

	rev_of(c, dir, &r);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S GMT", gmtime_r(&r.checked, &tm));
	if (r.status == TL_REV_NONE) {
		puts("Revocation:  not checked");
	} else {
		printf("Revocation:  %s (%s %s, %s)%s%s\n", tl_rev_status_name(r.status),
		       r.method[0] ? r.method : "-", r.source[0] ? r.source : "-", when,
		       r.detail[0] ? ": " : "", r.detail);
	}
}

int cli_cert_revocation(int argc, char **argv)
{
	static const cli_verb verbs[] = {
		{ "show", do_show }, { "set", do_set }, { "check", do_check },
	};

	return cli_dispatch("cert revocation", usage, verbs,
			    sizeof(verbs) / sizeof(verbs[0]), argc, argv);
}

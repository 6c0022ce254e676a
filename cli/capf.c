/* trustline capf enroll: play a phone against capfd. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "client.h"
#include "devdb.h"
#include "file.h"
#include "json.h"
#include "trustlist.h"

static void usage(FILE *f)
{
	fputs(
"usage: trustline capf enroll --server HOST[:PORT]\n"
"                  (--itl ITL.tlv | --ctl CTL.tlv | --capf-cert PEM)\n"
"                  --device SEP<MAC> [--auth-string S] [--mic PEM] [--lsc PEM]\n"
"                  [--issuer PEM] [--out LSC.pem] [--timeout SECONDS] [--json]\n"
"\n"
"Plays a phone against capfd (TCP 3804): trusts the server only when its\n"
"certificate is the CAPF record of the ITL or CTL (or the given certificate),\n"
"authenticates with the authentication string, the LSC or the MIC (PEM files\n"
"holding certificate and key; the LSC is shown when both are given),\n"
"generates the key the server asks for, checks the LSC it receives (the key,\n"
"the issuer: CAPF, or --issuer when capfd signs with an issuing CA, the name,\n"
"the usages) and writes certificate and key to --out (mode 0600; default\n"
"SEP<MAC>-LSC.pem). A fetch is answered with the LSC or MIC, a delete\n"
"acknowledged.\n"
"Exit status: 0 the operation succeeded, 1 the server refused or had nothing\n"
"to do (its reason is printed), 2 usage, network, TLS or trust error.\n", f);
}

typedef struct enroll_args {
	const char *server, *itl, *ctl, *capf_cert, *device, *auth, *mic, *lsc,
		   *issuer, *out;
	int json;
	unsigned timeout_ms;
} enroll_args;

static int parse(const char *cmd, void (*help)(FILE *), int argc, char **argv,
		 enroll_args *a)
{
	static const struct option lo[] = {
		{ "server", required_argument, 0, 's' },
		{ "itl", required_argument, 0, 'i' },
		{ "ctl", required_argument, 0, 'c' },
		{ "capf-cert", required_argument, 0, 'C' },
		{ "device", required_argument, 0, 'd' },
		{ "auth-string", required_argument, 0, 'a' },
		{ "mic", required_argument, 0, 'm' },
		{ "lsc", required_argument, 0, 'l' },
		{ "issuer", required_argument, 0, 'I' },
		{ "out", required_argument, 0, 'o' },
		{ "timeout", required_argument, 0, 't' },
		{ "json", no_argument, 0, 'j' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	char *end;
	long t;
	int c;

	memset(a, 0, sizeof(*a));
	a->timeout_ms = 60000;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 's': a->server = optarg; break;
		case 'i': a->itl = optarg; break;
		case 'c': a->ctl = optarg; break;
		case 'C': a->capf_cert = optarg; break;
		case 'd': a->device = optarg; break;
		case 'a': a->auth = optarg; break;
		case 'm': a->mic = optarg; break;
		case 'l': a->lsc = optarg; break;
		case 'I': a->issuer = optarg; break;
		case 'o': a->out = optarg; break;
		case 'j': a->json = 1; break;
		case 't':
			t = strtol(optarg, &end, 10);
			if (*optarg == 0 || *end || t < 1 || t > 3600)
				return cli_usage(cmd, "--timeout: 1 to 3600 seconds");
			a->timeout_ms = (unsigned)t * 1000u;
			break;
		case 'h': help(stdout); return 0;
		default: return cli_usage(cmd, "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage(cmd, "unexpected argument \"%s\"", argv[optind]);
	if (!a->server || !a->device)
		return cli_usage(cmd, "--server and --device are required");
	if (!!a->itl + !!a->ctl + !!a->capf_cert != 1)
		return cli_usage(cmd, "give exactly one of --itl, --ctl and --capf-cert: "
				 "what the phone trusts the server with");
	return -1;
}

/* "host", "host:port", "[v6]:port". */
static int split_server(const char *s, char *host, size_t n, int *port)
{
	const char *colon = strrchr(s, ':');
	char *end;

	*port = 0;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || (close[1] && close[1] != ':'))
			return -1;
		colon = close[1] ? close + 1 : NULL;
		snprintf(host, n, "%.*s", (int)(close - s - 1), s + 1);
	} else if (colon && strchr(s, ':') == colon) {
		snprintf(host, n, "%.*s", (int)(colon - s), s);
	} else {
		colon = NULL;
		snprintf(host, n, "%s", s);
	}
	if (colon) {
		long p = strtol(colon + 1, &end, 10);

		if (*end || p < 1 || p > 65535)
			return -1;
		*port = (int)p;
	}
	return host[0] ? 0 : -1;
}

static int save(const tl_capf_phone *p, const char *path, tl_err *e)
{
	char *cert = NULL, *key = NULL, *both;
	int rc = -1;

	if (tl_cert_to_pem(p->lsc, &cert, e) || tl_key_to_pem(p->key, &key, e))
		goto out;
	if ((both = malloc(strlen(cert) + strlen(key) + 1)) == NULL) {
		tl_fail(e, "out of memory");
		goto out;
	}
	strcpy(both, cert);
	strcat(both, key);
	rc = tl_write_output(path, both, strlen(both), 0600, e);
	/* the private key leaves no copy behind */
	memset(both, 0, strlen(both));
	memset(key, 0, strlen(key));
	free(both);
out:
	free(cert);
	free(key);
	return rc;
}

static void report(const enroll_args *a, const tl_capf_phone *p, const char *what,
		   const char *out, int code)
{
	char *serial = p->lsc ? tl_hex(p->lsc->serial, p->lsc->serial_len, 1) : NULL;

	if (!a->json) {
		if (code == 0 && p->stored)
			printf("%s: LSC %s from %s, key generated in %u ms, written to %s\n",
			       p->device, serial, p->lsc->issuer, p->keygen_ms, out);
		else if (code == 0)
			printf("%s: %s\n", p->device, what);
		else
			fprintf(stderr, "trustline: %s: %s\n", p->device, what);
		free(serial);
		return;
	}
	json_t *o = json_object();

	json_object_set_new(o, "device", json_string(p->device));
	json_object_set_new(o, "result", json_string(code ? "refused" : p->stored ?
			    "installed" : p->fetched ? "fetched" : p->deleted ? "deleted" :
			    "none"));
	/* reason is the text, as in every --json; the code is end_reason */
	json_object_set_new(o, "reason", tl_json_text(what));
	json_object_set_new(o, "end_reason", json_integer(p->end_reason));
	json_object_set_new(o, "info", tl_json_opt(p->info));
	json_object_set_new(o, "lsc_serial", serial ? json_string(serial) : json_null());
	json_object_set_new(o, "lsc_not_after", tl_json_time(p->lsc ? p->lsc->not_after : 0));
	json_object_set_new(o, "key_gen_ms", p->stored ? json_integer(p->keygen_ms) :
			    json_null());
	json_object_set_new(o, "out", tl_json_text(p->stored ? out : NULL));
	tl_json_print(o);
	free(serial);
}

static int enroll(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	enroll_args a;
	tl_capf_enroll_opts o;
	tl_capf_phone p;
	tl_tlist list;
	tl_cert *capf = NULL, *cert = NULL, *issuer = NULL;
	tl_key *key = NULL;
	char host[256], name[16], out[300], what[1200];
	int rc, have_list = 0;
	tl_err e;

	if ((rc = parse(cmd, help, argc, argv, &a)) >= 0)
		return rc;
	if (tl_dev_name(a.device, name, &e))
		return cli_fail(EXIT_USAGE, &e);
	memset(&o, 0, sizeof(o));
	if (split_server(a.server, host, sizeof(host), &o.port))
		return cli_usage(cmd, "--server %s: write HOST, HOST:PORT or "
				 "[IPv6]:PORT", a.server);
	o.host = host;
	o.timeout_ms = a.timeout_ms;
	tl_capf_phone_init(&p);
	p.device = name;
	p.auth_string = a.auth;
	rc = EXIT_USAGE;
	if (a.itl || a.ctl) {
		if (tl_tlist_load(&list, a.itl ? a.itl : a.ctl, &e))
			goto fail;
		have_list = 1;
		o.list = &list;
	} else if (tl_cert_load(a.capf_cert, &capf, &e)) {
		goto fail;
	} else {
		o.capf_cert = capf;
	}
	if ((a.lsc || a.mic) && cli_load_signer(a.lsc ? a.lsc : a.mic, NULL, &cert, &key, &e))
		goto fail;
	p.cert = cert;
	p.cert_key = key;
	p.cert_type = a.lsc ? TL_CAPF_CERT_LSC : TL_CAPF_CERT_MIC;
	if (a.issuer && tl_cert_load(a.issuer, &issuer, &e))
		goto fail;
	p.issuer = issuer;
	snprintf(out, sizeof(out), "%s", a.out ? a.out : "");
	if (!a.out)
		snprintf(out, sizeof(out), "%s-LSC.pem", name);
	rc = tl_capf_enroll(&o, &p, &e);
	/* the phone keeps what it said it stored, whatever happens next */
	if (p.stored && save(&p, out, rc ? NULL : &e) && rc == 0)
		goto fail;
	rc = EXIT_USAGE;
	if (p.end_reason < 0)
		goto fail;
	if (p.end_reason == 1 && (p.stored || p.fetched || p.deleted)) {
		rc = EXIT_VALID;
		snprintf(what, sizeof(what), "%s", p.fetched ? "the server fetched the "
			 "phone's certificate" : p.deleted ? "the server deleted the LSC" :
			 "stored");
	} else {
		rc = EXIT_INVALID;
		snprintf(what, sizeof(what), "%s (END_SESSION reason %d%s%s)%s%s",
			 p.end_reason == 0 ? "the server has nothing pending for this "
			 "phone" : p.end_reason == 9 ? "the server does not know this "
			 "phone" : "the server refused", p.end_reason, p.info[0] ? ": " :
			 "", p.info, p.refused[0] ? "; the phone refused: " : "",
			 p.refused);
	}
	report(&a, &p, what, out, rc);
	goto done;
fail:
	cli_fail(EXIT_USAGE, &e);
done:
	tl_capf_phone_free(&p);
	if (have_list)
		tl_tlist_free(&list);
	tl_cert_free(capf);
	tl_cert_free(cert);
	tl_cert_free(issuer);
	tl_key_free(key);
	return rc;
}

int cmd_capf(int argc, char **argv)
{
	static const cli_verb verbs[] = { { "enroll", enroll } };

	return cli_dispatch("capf", usage, verbs, sizeof(verbs) / sizeof(verbs[0]),
			    argc, argv);
}

/* trustline tvs verify|query: ask a TVS server as a phone does. */
#include <ctype.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tvsclient.h"
#include "json.h"
#include "trustlist.h"

static void usage(FILE *f)
{
	fputs(
"usage: trustline tvs verify CERT --server HOST[:PORT] (--itl ITL.tlv | --tvs-cert PEM)\n"
"                            [--device NAME] [--json]\n"
"       trustline tvs query --issuer NAME --serial HEX --server HOST[:PORT]\n"
"                           (--itl ITL.tlv | --tvs-cert PEM) [--device NAME] [-o CERT.pem]\n"
"                           [--json]\n"
"\n"
"verify  asks whether the certificate CERT (PEM or DER) is trusted, and for\n"
"        which roles: prints `VALID roles=CCM+TFTP ttl=86400` or `INVALID`.\n"
"query   asks for the certificate with this issuer (as signed-file headers\n"
"        name it) and serial number (hex, colons allowed); prints it as PEM,\n"
"        or writes it to CERT.pem with -o. --json prints {\"certificate\",\n"
"        \"valid\", \"roles\", \"ttl\", \"pem\"} (null when invalid).\n"
"\n"
"The server's TLS certificate must be a TVS record of ITL.tlv (full or\n"
"hash-only), as a phone checks it, or the certificate PEM byte for byte.\n"
"The default port is 2445. NAME is the device name sent with the request,\n"
"which servers log and check: a phone sends <model>-SEP<MAC>, e.g.\n"
"CP-8865-SEP001122334455; the default is the phone-shaped\n"
"\"" TL_TVS_DEFAULT_DEVICE "\".\n"
"\n"
"Exit status: 0 valid, 1 invalid or not found, 2 error (usage, unreadable\n"
"input, server unreachable, TLS failure, untrusted server, protocol error).\n",
	      f);
}

typedef struct tvs_args {
	const char *server, *itl, *tvs_cert, *device, *issuer, *serial, *out;
	int json;
} tvs_args;

static int parse(const char *cmd, void (*help)(FILE *), int argc, char **argv,
		 tvs_args *a)
{
	static const struct option opts[] = {
		{ "server", required_argument, 0, 's' },
		{ "itl", required_argument, 0, 'i' },
		{ "tvs-cert", required_argument, 0, 't' },
		{ "device", required_argument, 0, 'd' },
		{ "issuer", required_argument, 0, 'I' },
		{ "serial", required_argument, 0, 'S' },
		{ "json", no_argument, 0, 'j' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	int c;

	memset(a, 0, sizeof(*a));
	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 's': a->server = optarg; break;
		case 'i': a->itl = optarg; break;
		case 't': a->tvs_cert = optarg; break;
		case 'd': a->device = optarg; break;
		case 'I': a->issuer = optarg; break;
		case 'S': a->serial = optarg; break;
		case 'o': a->out = optarg; break;
		case 'j': a->json = 1; break;
		case 'h': help(stdout); return 0;
		default: return cli_usage(cmd, "unknown option");
		}
	}
	if (a->server == NULL)
		return cli_usage(cmd, "give --server HOST[:PORT]");
	if ((a->itl == NULL) == (a->tvs_cert == NULL))
		return cli_usage(cmd, "give one of --itl ITL.tlv and --tvs-cert PEM");
	return -1;
}

/* "host", "host:port", "[v6]", "[v6]:port". */
static int split_server(const char *s, char *host, size_t n, int *port)
{
	const char *colon = strrchr(s, ':');
	char *end;

	*port = TL_TVS_PORT;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL)
			return -1;
		colon = close[1] == ':' ? close + 1 : NULL;
		if (close[1] && colon == NULL)
			return -1;
	} else if (colon && strchr(s, ':') != colon) {
		colon = NULL;	/* a bare IPv6 address */
	}
	if (colon) {
		long p = strtol(colon + 1, &end, 10);

		if (colon[1] == 0 || *end || p < 1 || p > 65535)
			return -1;
		*port = (int)p;
	}
	if (snprintf(host, n, "%.*s", (int)(colon ? colon - s : (long)strlen(s)), s) >= (int)n)
		return -1;
	return host[0] ? 0 : -1;
}

/* Connects as the options say. Returns 0, or the exit status after the
 * message. */
static int open_client(const char *cmd, const tvs_args *a, tl_tvs_client **cl,
		       tl_tlist *itl, tl_cert **pin)
{
	tl_tvs_client_opts o;
	char host[256];
	tl_err e;
	int rc;

	memset(&o, 0, sizeof(o));
	if (split_server(a->server, host, sizeof(host), &o.port))
		return cli_usage(cmd, "--server %s: write HOST, HOST:PORT or [IPv6]:PORT",
				 a->server);
	o.host = host;
	if (a->itl) {
		if (tl_tlist_load(itl, a->itl, &e))
			return cli_fail(EXIT_USAGE, &e);
		if (tl_record_count_role(itl, TL_ROLE_TVS) == 0) {
			tl_tlist_free(itl);
			return cli_error(EXIT_USAGE, "%s has no TVS record: a phone holding it "
					 "cannot trust any TVS server", a->itl);
		}
		o.pin.itl = itl;
	} else {
		if (tl_cert_load(a->tvs_cert, pin, &e))
			return cli_fail(EXIT_USAGE, &e);
		o.pin.cert = *pin;
	}
	/* a server closing mid-write is an error to report, not a signal */
	signal(SIGPIPE, SIG_IGN);
	if ((rc = tl_tvs_client_open(cl, &o, &e)) != 0)
		return cli_error(EXIT_USAGE, "%s: %s", tl_tvs_fail_name(rc), e.msg);
	return 0;
}

static void print_roles(FILE *f, const tl_tvs_answer *a, const char *sep)
{
	for (size_t i = 0; i < a->nroles; i++)
		fprintf(f, "%s%s", i ? sep : "", tl_role_short(a->roles[i]));
}

/* verify's and query's --json: one object, the same members */
static void print_json(const char *subject, const tl_tvs_answer *ans, const char *pem)
{
	json_t *o = json_object(), *roles = json_array();

	json_object_set_new(o, "certificate", tl_json_text(subject));
	json_object_set_new(o, "valid", json_boolean(ans->valid));
	for (size_t i = 0; i < ans->nroles; i++)
		json_array_append_new(roles, json_string(tl_role_short(ans->roles[i])));
	json_object_set_new(o, "roles", roles);
	json_object_set_new(o, "ttl", json_integer(ans->ttl));
	if (pem || !ans->valid)
		json_object_set_new(o, "pem", tl_json_text(pem));
	tl_json_print(o);
}

static int do_verify(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	tl_tvs_client *cl = NULL;
	tl_cert *cert = NULL, *pin = NULL;
	tl_tlist itl = { 0 };
	tl_tvs_answer ans;
	tvs_args a;
	tl_err e;
	int rc;

	if ((rc = parse(cmd, help, argc, argv, &a)) >= 0)
		return rc;
	if (optind + 1 != argc)
		return cli_usage(cmd, "give one CERT");
	if (tl_cert_load(argv[optind], &cert, &e))
		return cli_fail(EXIT_USAGE, &e);
	if ((rc = open_client(cmd, &a, &cl, &itl, &pin)) != 0)
		goto done;
	if ((rc = tl_tvs_verify(cl, a.device, cert->der, cert->der_len, &ans, &e)) != 0) {
		rc = cli_error(EXIT_USAGE, "%s: %s", tl_tvs_fail_name(rc), e.msg);
		goto done;
	}
	if (a.json) {
		print_json(cert->subject, &ans, NULL);
	} else if (ans.valid) {
		printf("VALID roles=");
		print_roles(stdout, &ans, "+");
		printf(" ttl=%u\n", ans.ttl);
	} else {
		puts("INVALID");
	}
	rc = ans.valid ? EXIT_VALID : EXIT_INVALID;
	tl_tvs_answer_free(&ans);
done:
	tl_tvs_client_close(cl);
	tl_cert_free(cert);
	tl_cert_free(pin);
	tl_tlist_free(&itl);
	return rc;
}

/* Hex digits, colons and spaces allowed between bytes. */
static int parse_serial(const char *s, uint8_t *out, size_t *n)
{
	size_t digits = 0;
	uint8_t nib[2 * TL_SERIAL_MAX + 2];

	for (; *s; s++) {
		if (*s == ':' || *s == ' ')
			continue;
		if (!isxdigit((unsigned char)*s) || digits == sizeof(nib))
			return -1;
		nib[digits++] = (uint8_t)(isdigit((unsigned char)*s) ? *s - '0' :
					  tolower((unsigned char)*s) - 'a' + 10);
	}
	if (digits == 0 || digits > 2 * (TL_SERIAL_MAX + 1))
		return -1;
	*n = (digits + 1) / 2;
	for (size_t i = 0, k = digits % 2; i < *n; i++) {
		uint8_t hi = i == 0 && k ? 0 : nib[2 * i - k];

		out[i] = (uint8_t)(hi << 4 | nib[2 * i + 1 - k]);
	}
	return 0;
}

static int do_query(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	uint8_t serial[TL_SERIAL_MAX + 1];
	size_t serial_len;
	tl_tvs_client *cl = NULL;
	tl_cert *pin = NULL, *found = NULL;
	tl_tlist itl = { 0 };
	tl_tvs_answer ans;
	char *pem = NULL;
	tvs_args a;
	tl_err e;
	int rc;

	if ((rc = parse(cmd, help, argc, argv, &a)) >= 0)
		return rc;
	if (optind != argc)
		return cli_usage(cmd, "unexpected argument \"%s\"", argv[optind]);
	if (a.issuer == NULL || a.serial == NULL)
		return cli_usage(cmd, "give --issuer NAME and --serial HEX");
	if (parse_serial(a.serial, serial, &serial_len))
		return cli_usage(cmd, "--serial %s: write the serial number in hex", a.serial);
	if ((rc = open_client(cmd, &a, &cl, &itl, &pin)) != 0)
		goto done;
	if ((rc = tl_tvs_query(cl, a.device, a.issuer, serial, serial_len, &ans, &e))) {
		rc = cli_error(EXIT_USAGE, "%s: %s", tl_tvs_fail_name(rc), e.msg);
		goto done;
	}
	if (!ans.valid) {
		if (a.json)
			print_json(NULL, &ans, NULL);
		else
			puts("INVALID");
		rc = EXIT_INVALID;
		goto done;
	}
	if (tl_cert_from_der(ans.cert, ans.cert_len, &found, &e) ||
	    tl_cert_to_pem(found, &pem, &e)) {
		rc = cli_error(EXIT_USAGE, "protocol error: the certificate the server "
			       "sent: %s", e.msg);
	} else {
		if (a.json)
			print_json(found->subject, &ans, pem);
		else {
			printf("VALID roles=");
			print_roles(stdout, &ans, "+");
			printf(" ttl=%u subject=%s\n", ans.ttl, found->subject);
		}
		if (a.out)
			rc = cli_write(a.out, pem, strlen(pem), &e) ? cli_fail(EXIT_USAGE, &e)
								    : EXIT_VALID;
		else if (!a.json)
			rc = fputs(pem, stdout) < 0 ? EXIT_USAGE : EXIT_VALID;
		else
			rc = EXIT_VALID;
	}
	tl_tvs_answer_free(&ans);
done:
	free(pem);
	tl_cert_free(found);
	tl_tvs_client_close(cl);
	tl_cert_free(pin);
	tl_tlist_free(&itl);
	return rc;
}

int cmd_tvs(int argc, char **argv)
{
	static const cli_verb verbs[] = {
		{ "verify", do_verify }, { "query", do_query },
	};

	return cli_dispatch("tvs", usage, verbs, sizeof(verbs) / sizeof(verbs[0]),
			    argc, argv);
}

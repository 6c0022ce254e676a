/* phone-sim boot: the options, the boot's steps in order (boot.h), and its
 * result as one JSON object with --json. */
#include "boot.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "client.h"
#include "json.h"
#include "phonenet.h"
#include "phonesim.h"
#include "tvsclient.h"

static void print_json(const tl_boot *b, int code)
{
	json_t *o = json_object(), *steps = json_array(), *servers = json_array();
	const tl_phonecnf_server *t = &b->tftp[b->cur];

	json_object_set_new(o, "phone", json_string(b->f.phone.name));
	json_object_set_new(o, "model", json_string(b->f.model));
	/* the server that served last; tftp_servers as given */
	json_object_set_new(o, "tftp", json_string(t->host));
	json_object_set_new(o, "tftp_port", json_integer(t->port));
	for (size_t i = 0; i < b->ntftp; i++) {
		char hp[280];

		snprintf(hp, sizeof(hp), "%.256s:%d", b->tftp[i].host, b->tftp[i].port);
		json_array_append_new(servers, json_string(hp));
	}
	json_object_set_new(o, "tftp_servers", servers);
	json_object_set_new(o, "failovers", json_integer(b->failovers));
	json_object_set_new(o, "http_port", b->http_port ? json_integer(b->http_port) :
			    json_null());
	for (size_t i = 0; i < b->nsteps; i++) {
		json_t *st = json_object();

		json_object_set_new(st, "step", json_string(b->steps[i].step));
		json_object_set_new(st, "file", json_string(b->steps[i].file));
		json_object_set_new(st, "server", tl_json_opt(b->steps[i].server));
		json_object_set_new(st, "verdict", json_string(b->steps[i].accepted ?
							       "ACCEPTED" : "REJECTED"));
		json_object_set_new(st, "line", json_string(b->steps[i].line));
		json_array_append_new(steps, st);
	}
	json_object_set_new(o, "steps", steps);
	json_object_set_new(o, "result", json_string(code == EXIT_OK ? "trusted" :
						     code == EXIT_REFUSED ? "refused" :
						     "error"));
	json_object_set_new(o, "exit", json_integer(code));
	json_object_set_new(o, "reason", tl_json_opt(code == EXIT_OK ? NULL : b->reason));
	json_object_set_new(o, "itl", json_boolean(b->f.phone.has_itl));
	json_object_set_new(o, "ctl", json_boolean(b->f.phone.has_ctl));
	json_object_set_new(o, "lsc", json_boolean(b->f.lsc || b->lsc_installed));
	tl_json_print(o);
}

/* A port number, or -1. */
static int port_arg(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	return *s && !*end && n > 0 && n <= 65535 ? (int)n : -1;
}

int tl_sim_boot(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state", required_argument, 0, 's' },
		{ "mac", required_argument, 0, 'm' },
		{ "model", required_argument, 0, 'M' },
		{ "tftp", required_argument, 0, 't' },
		{ "http", optional_argument, 0, 'H' },
		{ "tvs", required_argument, 0, 'T' },
		{ "capf", required_argument, 0, 'C' },
		{ "pin-itl", required_argument, 0, 'p' },
		{ "auth-string", required_argument, 0, 'a' },
		{ "timeout", required_argument, 0, 'o' },
		{ "lsc-crl", no_argument, 0, 'L' },
		{ "json", no_argument, 0, 'j' },
		{ "verbose", no_argument, 0, 'v' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	const char *state = NULL, *mac_s = NULL, *model = NULL, *tftp = NULL;
	const char *tvs = NULL, *capf = NULL, *pin_path = NULL;
	char mac[13];
	tl_cert *pin = NULL;
	tl_phonecnf cfg;
	tl_boot *b;
	tl_err e;
	int c, rc, code;

	if ((b = tl_boot_new()) == NULL)
		return tl_sim_fail(EXIT_ERROR, "out of memory");
	while ((c = getopt_long(argc, argv, "hv", opts, NULL)) != -1) {
		switch (c) {
		case 's': state = optarg; break;
		case 'm': mac_s = optarg; break;
		case 'M': model = optarg; break;
		case 't': tftp = optarg; break;
		case 'H': b->http_port = optarg ? port_arg(optarg) : 6970; break;
		case 'T': tvs = optarg; break;
		case 'C': capf = optarg; break;
		case 'p': pin_path = optarg; break;
		case 'a': b->auth_string = optarg; break;
		case 'o': b->timeout_ms = atoi(optarg); break;
		case 'L': b->lsc_crl = 1; break;
		case 'j': tl_sim_json = 1; break;
		case 'v': tl_sim_verbose = 1; break;
		case 'h': tl_sim_usage(stdout); free(b); return EXIT_OK;
		default: free(b); return EXIT_ERROR;
		}
	}
	code = EXIT_ERROR;
	if (optind != argc || !state || !tftp) {
		tl_sim_fail(0, "boot needs --state DIR and --tftp HOST[:PORT][,HOST[:PORT]...] "
			    "(see --help)");
		goto out_b;
	}
	if (b->timeout_ms <= 0 || b->http_port < 0 ||
	    tl_phone_servers(tftp, 69, b->tftp, &b->ntftp) ||
	    (tvs && tl_phone_servers(tvs, TL_TVS_PORT, b->tvs, &b->ntvs)) ||
	    (capf && tl_phone_hostport(capf, TL_CAPF_PORT, &b->capf))) {
		tl_sim_fail(0, "bad --tftp, --http, --tvs, --capf or --timeout "
			    "value (at most %d servers in a list, comma-separated)",
			    TL_PHONE_SERVERS);
		goto out_b;
	}
	b->have_capf = capf != NULL;
	if (mac_s && tl_flash_mac(mac_s, mac, &e)) {
		tl_sim_fail(0, "%s", e.msg);
		goto out_b;
	}
	if (pin_path && tl_cert_load(pin_path, &pin, &e)) {
		tl_sim_fail(0, "--pin-itl: %s", e.msg);
		goto out_b;
	}
	if (tl_boot_load(b, state, mac_s ? mac : NULL, model, &e)) {
		tl_sim_fail(0, "%s", e.msg);
		goto out_pin;
	}
	tl_sim_progress("SEP%s (%s) booting from %s %s:%d", b->f.mac, b->f.model,
			b->http_port ? "HTTP" : "TFTP", b->tftp[0].host,
			b->http_port ? b->http_port : b->tftp[0].port);
	rc = tl_boot_lists(b, pin);
	if (rc == 0 && !b->refused)
		rc = tl_boot_config(b, &cfg);
	else if (rc == 0)
		/* the ITL or CTL was refused: the phone still asks for its
		 * configuration, and refuses it unless its signer is known */
		rc = tl_boot_config(b, &cfg) < 0 ? -1 : 1;
	if (rc == 0)
		tl_boot_capf(b, &cfg);
	if (rc == 0 && b->lsc_crl)
		tl_boot_lsc_crl(b);
	if (tl_flash_save_trust(&b->f, &e)) {
		tl_sim_fail(0, "%s", e.msg);
		rc = -1;
	}
	code = rc < 0 ? EXIT_ERROR : b->refused ? EXIT_REFUSED : EXIT_OK;
	if (code == EXIT_ERROR && !b->reason[0]) {
		char hp[280];

		tl_boot_server(b, hp, sizeof(hp));
		snprintf(b->reason, sizeof(b->reason), "the %s server %s%s did not "
			 "answer, or the state could not be written",
			 b->http_port ? "HTTP" : "TFTP", hp,
			 b->ntftp > 1 ? " (the last of the list)" : "");
	}
	if (tl_sim_json)
		print_json(b, code);
	else if (code == EXIT_REFUSED)
		fprintf(stderr, "phone-sim: refused: %s\n", b->reason);
	tl_flash_free(&b->f);
out_pin:
	tl_cert_free(pin);
out_b:
	free(b);
	return code;
}

/* phone-sim connect: a TLS server's certificate judged as the phone would
 * for a role, with the boot's record and TVS (boot.h). PHONE is another
 * phone presenting its LSC (lsccrl.c judges it: by CAPF, and with
 * --lsc-crl by the CRL the last boot kept). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "boot.h"
#include "json.h"
#include "phonenet.h"
#include "phonesim.h"
#include "tlspeer.h"
#include "tvsclient.h"

/* Not a role of the trust lists: a phone's LSC is in neither. */
#define ROLE_PHONE 1000

static int parse_role(const char *s)
{
	static const struct { const char *name; int role; } roles[] = {
		{ "CCM", TL_ROLE_CCM }, { "APP-SERVER", TL_ROLE_APP_SERVER },
		{ "TFTP", TL_ROLE_TFTP }, { "CAPF", TL_ROLE_CAPF }, { "TVS", TL_ROLE_TVS },
		{ "PHONE", ROLE_PHONE },
	};

	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (!strcasecmp(s, roles[i].name))
			return roles[i].role;
	return -1;
}

int tl_sim_connect(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state", required_argument, 0, 's' },
		{ "role", required_argument, 0, 'r' },
		{ "tvs", required_argument, 0, 'T' },
		{ "timeout", required_argument, 0, 'o' },
		{ "json", no_argument, 0, 'j' },
		{ "lsc-crl", no_argument, 0, 'L' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	const char *state = NULL, *role_s = NULL, *tvs = NULL;
	tl_phonecnf_server peer;
	tl_cert *cert;
	tl_verdict v;
	tl_err e;
	tl_boot *b;
	int c, role, unreachable, crl = 0, code = EXIT_ERROR;

	if ((b = tl_boot_new()) == NULL)
		return tl_sim_fail(EXIT_ERROR, "out of memory");
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': state = optarg; break;
		case 'r': role_s = optarg; break;
		case 'T': tvs = optarg; break;
		case 'o': b->timeout_ms = atoi(optarg); break;
		case 'j': tl_sim_json = 1; break;
		case 'L': crl = 1; break;
		case 'h': tl_sim_usage(stdout); free(b); return EXIT_OK;
		default: free(b); return EXIT_ERROR;
		}
	}
	if (!state || !role_s || optind != argc - 1 || (role = parse_role(role_s)) < 0 ||
	    tl_phone_hostport(argv[optind], 0, &peer) || peer.port == 0 ||
	    (tvs && tl_phone_servers(tvs, TL_TVS_PORT, b->tvs, &b->ntvs)) ||
	    b->timeout_ms <= 0 || (crl && role != ROLE_PHONE)) {
		free(b);
		return tl_sim_fail(EXIT_ERROR, "connect needs --state DIR, --role "
				   "CCM|APP-SERVER|TFTP|CAPF|TVS|PHONE and HOST:PORT, "
				   "--lsc-crl with PHONE only (see --help)");
	}
	if (tl_boot_load(b, state, NULL, NULL, &e)) {
		free(b);
		return tl_sim_fail(EXIT_ERROR, "%s", e.msg);
	}
	if (tl_tls_peer_cert(peer.host, peer.port, b->timeout_ms, &cert,
			     &unreachable, &e)) {
		tl_sim_fail(0, "%s", e.msg);
		goto out;
	}
	b->tftp[0] = peer;
	b->ntftp = 1;
	if (role == ROLE_PHONE) {
		tl_boot_peer_lsc(b, argv[optind], cert, crl, &v);
	} else {
		tl_phone_peer(&b->f.phone, argv[optind], cert, role, tl_boot_tvs(b), b,
			      &v);
		tl_boot_record(b, "PEER", argv[optind], &v);
	}
	tl_cert_free(cert);
	code = v.accepted ? EXIT_OK : EXIT_REFUSED;
	if (tl_sim_json) {
		json_t *o = json_object();

		json_object_set_new(o, "peer", tl_json_text(argv[optind]));
		json_object_set_new(o, "role", json_string(role == ROLE_PHONE ? "phone" :
							       tl_role_short(role)));
		json_object_set_new(o, "verdict", json_string(v.accepted ? "ACCEPTED" :
								"REJECTED"));
		json_object_set_new(o, "line", tl_json_text(v.line));
		tl_json_print(o);
	}
	/* a TVS answer it got is cached, as on a phone */
	if (tl_flash_save_trust(&b->f, &e))
		code = tl_sim_fail(EXIT_ERROR, "%s", e.msg);
out:
	tl_flash_free(&b->f);
	free(b);
	return code;
}

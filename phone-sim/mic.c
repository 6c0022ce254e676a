/* phone-sim mic: the phone's manufacturing certificate, issued once from
 * a lab CA, as a factory would. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "flash.h"
#include "phonesim.h"

int tl_sim_mic(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state", required_argument, 0, 's' },
		{ "mac", required_argument, 0, 'm' },
		{ "model", required_argument, 0, 'M' },
		{ "mfg-ca", required_argument, 0, 'c' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	const char *state = NULL, *mac_s = NULL, *model = NULL, *ca_dir = NULL;
	char mac[13], path[600], cn[64];
	tl_cert *ca = NULL, *mic = NULL;
	tl_key *ca_key = NULL, *key = NULL;
	tl_certspec s;
	tl_flash f;
	tl_err e;
	int c, code = EXIT_ERROR;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': state = optarg; break;
		case 'm': mac_s = optarg; break;
		case 'M': model = optarg; break;
		case 'c': ca_dir = optarg; break;
		case 'h': tl_sim_usage(stdout); return EXIT_OK;
		default: return EXIT_ERROR;
		}
	}
	if (optind != argc || !state || !mac_s || !ca_dir)
		return tl_sim_fail(EXIT_ERROR, "mic needs --state DIR, --mac MAC "
				   "and --mfg-ca DIR (see --help)");
	if (tl_flash_mac(mac_s, mac, &e))
		return tl_sim_fail(EXIT_ERROR, "%s", e.msg);
	if (tl_flash_load(&f, state, mac, model, &e))
		return tl_sim_fail(EXIT_ERROR, "%s", e.msg);
	if (f.mic) {
		tl_sim_fail(0, "%s already holds a MIC (%s): a MIC is never "
			    "replaced", state, f.mic->subject);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/lab.pem", ca_dir);
	if (tl_cert_load(path, &ca, &e))
		goto err;
	snprintf(path, sizeof(path), "%s/lab.key", ca_dir);
	if (tl_key_load(path, &ca_key, &e) || tl_key_matches(ca_key, ca, &e))
		goto err;
	snprintf(cn, sizeof(cn), "%s-SEP%s", f.model, f.mac);
	memset(&s, 0, sizeof(s));
	s.cn = cn;
	s.o = "Cisco Systems Inc.";
	s.not_before = time(NULL) - 3600;
	s.not_after = s.not_before + 10L * 365 * 86400;
	s.hash_alg = TL_HASH_SHA256;
	s.key_usage = TL_KU_DIGITAL_SIGNATURE | TL_KU_KEY_ENCIPHERMENT;
	s.ext_key_usage = TL_EKU_CLIENT_AUTH;
	s.issuer = ca;
	s.issuer_key = ca_key;
	if (tl_key_generate(TL_KEY_RSA, 2048, &key, &e) ||
	    tl_cert_make(&s, key, &mic, &e) ||
	    tl_flash_save_trust(&f, &e) || tl_flash_save_cert(&f, "mic", mic, key, &e))
		goto err;
	printf("SEP%s: MIC %s issued by %s\n", f.mac, mic->subject, ca->subject);
	code = EXIT_OK;
	goto out;
err:
	tl_sim_fail(0, "%s", e.msg);
out:
	tl_cert_free(ca);
	tl_cert_free(mic);
	tl_key_free(ca_key);
	tl_key_free(key);
	tl_flash_free(&f);
	return code;
}

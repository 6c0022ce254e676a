/* What the phone-sim commands share (phonesim.h). */
#include "phonesim.h"

#include <getopt.h>
#include <stdarg.h>

int tl_sim_verbose, tl_sim_json;

void tl_sim_usage(FILE *f)
{
	fputs(
"usage: phone-sim boot --state DIR --mac MAC [--model MODEL] --tftp HOST[:PORT][,...]\n"
"                      [--http[=PORT]] [--pin-itl CERT] [--tvs HOST[:PORT][,...]]\n"
"                      [--capf HOST[:PORT]] [--auth-string STRING] [--timeout MS]\n"
"                      [--lsc-crl] [--json] [-v]\n"
"       phone-sim show --state DIR [--json]\n"
"       phone-sim erase-trust --state DIR\n"
"       phone-sim connect --state DIR --role CCM|APP-SERVER|TFTP|CAPF|TVS|PHONE\n"
"                         [--tvs HOST[:PORT][,...]] [--lsc-crl] HOST:PORT\n"
"       phone-sim mic --state DIR --mac MAC [--model MODEL] --mfg-ca DIR\n"
"       phone-sim fleet --count N --concurrency C --mac-base MAC\n"
"                       --tftp HOST[:PORT][,...] [--tvs HOST[:PORT][,...]]\n"
"                       [--state-root DIR | --memory] ...\n"
"\n"
"boot         fetches CTLSEP<MAC>.tlv else CTLFile.tlv, ITLSEP<MAC>.tlv else\n"
"             ITLFile.tlv, SEP<MAC>.cnf.xml.sgn (and .enc.sgn when it says\n"
"             encrConfig) over TFTP (or HTTP, port 6970 of the TFTP host,\n"
"             with --http), asks TVS when a signer is unknown, runs a CAPF\n"
"             session when the configuration names CAPF servers, and prints\n"
"             one line per decision (one JSON object with --json). With\n"
"             --lsc-crl it then fetches CAPF-LSC.crl and refuses its LSC when\n"
"             the CRL lists it or cannot be checked (wrong signer, stale, too\n"
"             large, absent); the CRL stays in the flash for connect.\n"
"show         what the phone holds: CTL, ITL, MIC, LSC, configuration, TVS cache.\n"
"erase-trust  removes the CTL and ITL (Settings > Security > Reset).\n"
"connect      checks a TLS server's certificate as the phone would for ROLE;\n"
"             PHONE: another phone's LSC, issued by a CAPF certificate of the\n"
"             CTL or ITL and, with --lsc-crl, not in the kept CAPF-LSC.crl.\n"
"mic          issues the phone's MIC (RSA 2048, 10 years,\n"
"             CN=<model>-SEP<MAC>) from DIR/lab.pem and DIR/lab.key.\n"
"fleet        boots N phones from one process (see phone-sim fleet --help).\n"
"\n"
"--tftp takes the TFTP servers in order, as DHCP option 150 gives them: a\n"
"server silent through MS/500 resends 500 ms apart (--timeout MS, default\n"
"5000) is left for the next, and the boot stays with the one that answered;\n"
"with several servers, a line says which one served each file. TVS is\n"
"asked at the address of every TVS record of the ITL that carries one, else\n"
"at --tvs (a list too, tried in order), else at the servers the\n"
"configuration names; --tvs and --capf replace those (the lab's\n"
"configuration names cluster host names that need not resolve).\n"
"Exit status: 0 trusted (boot: trusted and configured), 1 the phone refused\n"
"something (the reason is printed), 2 error (usage, unreachable TFTP server,\n"
"unreadable state).\n", f);
}

int tl_sim_vfail(int code, const char *who, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", who);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	return code;
}

int tl_sim_fail(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	code = tl_sim_vfail(code, "phone-sim", fmt, ap);
	va_end(ap);
	return code;
}

void tl_sim_progress(const char *fmt, ...)
{
	va_list ap;

	if (!tl_sim_verbose)
		return;
	fputs("  .. ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int tl_sim_state_only(int argc, char **argv, const char *cmd,
		      const char **state, int allow_json)
{
	static const struct option opts[] = {
		{ "state", required_argument, 0, 's' },
		{ "json", no_argument, 0, 'j' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': *state = optarg; break;
		case 'j':
			if (!allow_json)
				return tl_sim_fail(EXIT_ERROR, "%s has no --json",
						   cmd);
			tl_sim_json = 1;
			break;
		case 'h': tl_sim_usage(stdout); return EXIT_OK;
		default: return EXIT_ERROR;
		}
	}
	if (optind != argc || !*state)
		return tl_sim_fail(EXIT_ERROR, "%s needs --state DIR (see --help)",
				   cmd);
	return -1;
}

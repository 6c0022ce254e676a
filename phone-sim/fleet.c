/* phone-sim fleet: N phones booting from one process and one thread. Each
 * phone is a small state machine over the TFTP client's (fleetboot.c), so
 * C boots overlap on one event loop; its decisions are phonetrust.c's, as
 * in `boot`, and a decision that needs TVS waits for its answer on the
 * same loop (fleettvs.c) while other phones go on booting. This file is
 * the command: its options, the loop, and the report (fleetreport.c). */
#include "fleet.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fleetphone.h"
#include "phonenet.h"
#include "phonesim.h"
#include "tvsclient.h"

static void usage(FILE *f)
{
	fputs(
"usage: phone-sim fleet --count N --concurrency C --mac-base MAC [--model MODEL]\n"
"                       --tftp HOST[:PORT][,HOST[:PORT]...] [--tvs HOST[:PORT][,...]]\n"
"                       [--state-root DIR] [--memory] [--timeout MS]\n"
"                       [--report FILE.json|-] [--json]\n"
"\n"
"Boots N phones, MACs counting up from MAC, at most C at a time, from one\n"
"event loop: CTL, ITL and signed configuration with the decisions of boot,\n"
"TVS (on the same loop) when a signer is unknown. Flash in DIR/SEP<MAC>/\n"
"(--state-root) or in memory (--memory, the default); both: phones start\n"
"from DIR's flash and DIR is never written. Reports boots/s, p50/p99 boot\n"
"time, the outcomes by reason and the bytes transferred; a progress line on\n"
"a terminal. Each phone asks the --tftp servers in order and leaves one\n"
"silent through --timeout MS (default 5000) for the next, as boot does; the\n"
"report says how many boots needed a second server and how many files each\n"
"server served. --report FILE.json writes the same as JSON too; --json (or\n"
"--report -) prints only the JSON, on standard output.\n"
"Exit status: 0 every phone trusted, 1 some phone refused, 2 errors.\n", f);
}

static void tick(void *arg)
{
	tl_fleet *fl = arg;
	double t = tl_fleet_now() - fl->t0;

	printf("\r  %zu/%zu booted, %zu booting, %.0f boots/s, %zu refused, %zu errors ",
	       fl->done, fl->count, fl->inflight, t > 0 ? (double)fl->done / t : 0.0,
	       fl->refused, fl->errors);
	fflush(stdout);
}

static int bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int bad(const char *fmt, ...)
{
	va_list ap;
	int code;

	va_start(ap, fmt);
	code = tl_sim_vfail(EXIT_ERROR, "phone-sim fleet", fmt, ap);
	va_end(ap);
	return code;
}

static void fleet_free(tl_fleet *fl)
{
	for (size_t i = 0; fl->mem && i < fl->count; i++) {
		free(fl->mem[i].cache);
		free(fl->mem[i].config);
	}
	for (size_t i = 0; i < fl->nblobs; i++)
		free(fl->blobs[i].p);
	for (size_t i = 0; i < fl->nout; i++)
		free(fl->out[i].reason);
	free(fl->blobs);
	free(fl->mem);
	free(fl->lat);
	tl_ev_free(fl->tick);
	tl_tls_free(fl->tls);
	if (fl->loop)
		tl_loop_free(fl->loop);
}

int tl_fleet_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, 0, 'n' },
		{ "concurrency", required_argument, 0, 'c' },
		{ "mac-base", required_argument, 0, 'm' },
		{ "model", required_argument, 0, 'M' },
		{ "tftp", required_argument, 0, 't' },
		{ "tvs", required_argument, 0, 'T' },
		{ "state-root", required_argument, 0, 's' },
		{ "memory", no_argument, 0, 'k' },
		{ "report", required_argument, 0, 'r' },
		{ "json", no_argument, 0, 'j' },
		{ "timeout", required_argument, 0, 'o' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	const char *mac_s = NULL, *tftp = NULL, *tvs = NULL, *report_path = NULL;
	long count = 0, conc = 0;
	int c, memory = 0, code, to_stdout;
	char mac[13];
	double secs;
	tl_fleet fl;
	tl_err e;

	memset(&fl, 0, sizeof(fl));
	fl.model = "CP-8865";
	fl.timeout_ms = 5000;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': count = atol(optarg); break;
		case 'c': conc = atol(optarg); break;
		case 'm': mac_s = optarg; break;
		case 'M': fl.model = optarg; break;
		case 't': tftp = optarg; break;
		case 'T': tvs = optarg; break;
		case 's': fl.state_root = optarg; break;
		case 'k': memory = 1; break;
		case 'r': report_path = optarg; break;
		case 'j': report_path = "-"; break;
		case 'o': fl.timeout_ms = atoi(optarg); break;
		case 'h': usage(stdout); return 0;
		default: return 2;
		}
	}
	to_stdout = report_path && !strcmp(report_path, "-");
	if (optind != argc || count <= 0 || conc <= 0 || !mac_s || !tftp)
		return bad("needs --count N, --concurrency C, --mac-base MAC and "
			   "--tftp HOST[:PORT][,HOST[:PORT]...] (see --help)");
	if (tl_flash_mac(mac_s, mac, &e))
		return bad("%s", e.msg);
	if (fl.timeout_ms <= 0 || tl_phone_servers(tftp, 69, fl.tftp, &fl.ntftp) ||
	    (tvs && tl_phone_servers(tvs, TL_TVS_PORT, fl.tvs, &fl.ntvs)))
		return bad("bad --tftp, --tvs or --timeout value (at most %d servers "
			   "in a list, comma-separated)", TL_PHONE_SERVERS);
	if (fl.state_root && !memory && mkdir(fl.state_root, 0700) && errno != EEXIST)
		return bad("%s: %s", fl.state_root, strerror(errno));
	fl.mac_base = strtoull(mac, NULL, 16);
	fl.count = (size_t)count;
	fl.conc = (size_t)conc;
	for (size_t i = 0; i < fl.ntftp; i++)
		tl_phone_tftp_opts(&fl.o[i], &fl.tftp[i], fl.timeout_ms);
	if ((fl.lat = calloc(fl.count, sizeof(double))) == NULL ||
	    ((memory || !fl.state_root) &&
	     (fl.mem = calloc(fl.count, sizeof(tl_fleet_mphone))) == NULL)) {
		fleet_free(&fl);
		return bad("out of memory for %zu phones", fl.count);
	}
	if ((fl.loop = tl_loop_new(&e)) == NULL ||
	    (isatty(1) && !to_stdout && (fl.tick = tl_ev_periodic(fl.loop, 250, tick, &fl, &e)) == NULL)) {
		fleet_free(&fl);
		return bad("%s", e.msg);
	}
	fl.t0 = tl_fleet_now();
	tl_fleet_refill(&fl);
	if (fl.done < fl.count && tl_loop_run(fl.loop, &e)) {
		fleet_free(&fl);
		return bad("%s", e.msg);
	}
	secs = tl_fleet_now() - fl.t0;
	if (fl.tick)
		printf("\r%*s\r", 78, "");
	/* --json and --report -: the JSON report is standard output */
	tl_fleet_report(&fl, secs, stdout, to_stdout);
	code = fl.errors ? 2 : fl.refused ? 1 : 0;
	if (report_path && !to_stdout) {
		FILE *f = fopen(report_path, "w");

		if (f)
			tl_fleet_report(&fl, secs, f, 1);
		if (f == NULL || fclose(f))
			code = bad("%s: %s", report_path, strerror(errno));
	}
	fleet_free(&fl);
	return code;
}

/* The fleet's report (fleetphone.h): boots/s, p50/p99 boot time, the
 * outcomes by reason, the bytes transferred and the memory used. */
#include "fleetphone.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"

static long self_kb(const char *field)
{
	char line[256];
	size_t n = strlen(field);
	long kb = 0;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && line[n] == ':')
			kb = atol(line + n + 1);
	if (f)
		fclose(f);
	return kb;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int cmp_outcome(const void *a, const void *b)
{
	const tl_fleet_outcome *x = a, *y = b;

	return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

void tl_fleet_report(tl_fleet *fl, double secs, FILE *f, int json)
{
	double p50 = 0, p99 = 0, rate = secs > 0 ? (double)fl->done / secs : 0;
	long rss = self_kb("VmRSS"), hwm = self_kb("VmHWM");

	if (fl->done) {
		qsort(fl->lat, fl->done, sizeof(double), cmp_double);
		p50 = fl->lat[(fl->done - 1) / 2];
		p99 = fl->lat[(size_t)((double)(fl->done - 1) * 0.99)];
	}
	qsort(fl->out, fl->nout, sizeof(tl_fleet_outcome), cmp_outcome);
	if (!json) {
		fprintf(f, "fleet: %zu phones, concurrency %zu, %.2f s: %.0f boots/s\n",
			fl->done, fl->conc, secs, rate);
		fprintf(f, "boot time: p50 %.1f ms, p99 %.1f ms\n", p50 * 1e3, p99 * 1e3);
		fprintf(f, "TFTP: %llu bytes in %llu transfers (%llu retransmitted); "
			"TVS asked %llu times\n", (unsigned long long)fl->bytes,
			(unsigned long long)fl->transfers, (unsigned long long)fl->resent,
			(unsigned long long)fl->tvs_asked);
		fprintf(f, "memory: VmRSS %.1f MB, VmHWM %.1f MB\n", rss / 1024.0, hwm / 1024.0);
		fprintf(f, "outcomes: %zu trusted, %zu refused, %zu errors\n", fl->trusted,
			fl->refused, fl->errors);
		for (size_t i = 0; i < fl->nout; i++)
			fprintf(f, "  %6zu  %s\n", fl->out[i].count, fl->out[i].reason);
		return;
	}
	fprintf(f, "{\"phones\":%zu,\"concurrency\":%zu,\"seconds\":%.3f,\"boots_per_s\":%.1f,"
		"\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"bytes\":%llu,\"transfers\":%llu,"
		"\"retransmitted\":%llu,\"tvs_asked\":%llu,\"rss_kb\":%ld,\"hwm_kb\":%ld,"
		"\"trusted\":%zu,\"refused\":%zu,\"errors\":%zu,\"outcomes\":[",
		fl->done, fl->conc, secs, rate, p50 * 1e3, p99 * 1e3,
		(unsigned long long)fl->bytes, (unsigned long long)fl->transfers,
		(unsigned long long)fl->resent, (unsigned long long)fl->tvs_asked, rss, hwm,
		fl->trusted, fl->refused, fl->errors);
	for (size_t i = 0; i < fl->nout; i++) {
		fprintf(f, "%s{\"count\":%zu,\"reason\":", i ? "," : "", fl->out[i].count);
		tl_json_str(f, fl->out[i].reason);
		fputc('}', f);
	}
	fprintf(f, "]}\n");
}

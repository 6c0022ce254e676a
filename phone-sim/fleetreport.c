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
		fprintf(f, "TFTP servers: %zu boots needed a second server;", fl->failed_over);
		for (size_t i = 0; i < fl->ntftp; i++)
			fprintf(f, "%s %s:%d served %llu files", i ? "," : "",
				fl->tftp[i].host, fl->tftp[i].port,
				(unsigned long long)fl->served[i]);
		fputc('\n', f);
		fprintf(f, "memory: VmRSS %.1f MB, VmHWM %.1f MB\n", rss / 1024.0, hwm / 1024.0);
		fprintf(f, "outcomes: %zu trusted, %zu refused, %zu errors\n", fl->trusted,
			fl->refused, fl->errors);
		for (size_t i = 0; i < fl->nout; i++)
			fprintf(f, "  %6zu  %s\n", fl->out[i].count, fl->out[i].reason);
		return;
	}
	json_t *o = json_object(), *outs = json_array(), *srv = json_array();
	const struct { const char *key; double v; } nums[] = {
		{ "seconds", secs }, { "boots_per_s", rate }, { "p50_ms", p50 * 1e3 },
		{ "p99_ms", p99 * 1e3 },
	};
	const struct { const char *key; json_int_t v; } ints[] = {
		{ "phones", (json_int_t)fl->done }, { "concurrency", (json_int_t)fl->conc },
		{ "bytes", (json_int_t)fl->bytes }, { "transfers", (json_int_t)fl->transfers },
		{ "retransmitted", (json_int_t)fl->resent },
		{ "tvs_asked", (json_int_t)fl->tvs_asked }, { "rss_kb", rss }, { "hwm_kb", hwm },
		{ "trusted", (json_int_t)fl->trusted }, { "refused", (json_int_t)fl->refused },
		{ "errors", (json_int_t)fl->errors },
		{ "failed_over", (json_int_t)fl->failed_over },
	};

	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
		json_object_set_new(o, ints[i].key, json_integer(ints[i].v));
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
		json_object_set_new(o, nums[i].key, json_real(nums[i].v));
	for (size_t i = 0; i < fl->ntftp; i++) {
		json_t *one = json_object();
		char hp[280];

		snprintf(hp, sizeof(hp), "%.256s:%d", fl->tftp[i].host, fl->tftp[i].port);
		json_object_set_new(one, "server", json_string(hp));
		json_object_set_new(one, "files", json_integer((json_int_t)fl->served[i]));
		json_array_append_new(srv, one);
	}
	json_object_set_new(o, "tftp_servers", srv);
	for (size_t i = 0; i < fl->nout; i++) {
		json_t *one = json_object();

		json_object_set_new(one, "count", json_integer((json_int_t)fl->out[i].count));
		json_object_set_new(one, "reason", json_string(fl->out[i].reason));
		json_array_append_new(outs, one);
	}
	json_object_set_new(o, "outcomes", outs);
	/* six digits: the rates and times are measurements, not exact values */
	json_dumpf(o, f, TL_JSON_FLAGS | JSON_REAL_PRECISION(6));
	fputc('\n', f);
	json_decref(o);
}

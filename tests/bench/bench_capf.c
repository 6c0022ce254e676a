/* `make bench-capf`: enrollments per second against the real capfd with
 * P-256 phone keys, at concurrency 1 and 64, with p50/p99 latency, errors
 * and timeouts, beside the limit measured in the same run: RSA-2048
 * private-key operations per second of this build's wolfSSL on one core
 * (an enrollment costs about two: the TLS handshake and the LSC signature)
 * times the cores capfd's workers use; openssl's rate beside it, for
 * scale. The phones run on the same cores as capfd, and so may other work
 * on a shared machine: each row says where the cores' time went (capfd,
 * the phones, other processes), and the CPU per enrollment gives the
 * rates the cores would allow without the others. */
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "benchutil.h"
#include "capfdb.h"
#include "client.h"
#include "devdb.h"
#include "pki.h"

#define SEQ_N 200		/* enrollments at concurrency 1 */
#define CONC 64
#define CONC_EACH 32		/* enrollments per client at concurrency 64: a few seconds,
				 * so the ramp at either end counts little */
#define TARGET 0.70		/* of the limit, with workers = cores */
#define TIMEOUT_MS 10000	/* an enrollment that takes longer has timed out */

static int port;
static pid_t capfd_pid;
static tl_cert *capf;
/* Each phone's key, made before the rows: key generation is the phone's
 * work, not capfd's, and would only take cores from capfd here. */
static tl_key **keys;

/* One phone's enrollment; its latency in seconds into *lat. 0, -1 failed,
 * -2 timed out. */
static int enroll(int dev, double *lat)
{
	char name[16];
	tl_capf_enroll_opts o;
	tl_capf_phone p;
	tl_err e;
	double t0 = bu_now();
	int rc;

	snprintf(name, sizeof(name), "SEP00BE0C%06X", dev);
	memset(&o, 0, sizeof(o));
	o.host = "127.0.0.1";
	o.port = port;
	o.capf_cert = capf;
	o.timeout_ms = TIMEOUT_MS;
	tl_capf_phone_init(&p);
	p.device = name;
	p.spare_key = keys[dev];
	keys[dev] = NULL;
	rc = tl_capf_enroll(&o, &p, &e);
	*lat = bu_now() - t0;
	if (rc || p.end_reason != 1 || !p.stored) {
		fprintf(stderr, "bench: %s: %s\n", name, rc ? e.msg : p.info);
		rc = *lat * 1e3 >= TIMEOUT_MS ? -2 : -1;
	}
	tl_capf_phone_free(&p);
	return rc;
}

typedef struct worker {
	pthread_t t;
	int first, n, ok, failed, timeouts;
	double *lat;		/* of the enrollments that succeeded */
} worker;

static void *run_worker(void *arg)
{
	worker *w = arg;
	double lat;

	for (int i = 0; i < w->n; i++) {
		int rc = enroll(w->first + i, &lat);

		if (rc == 0)
			w->lat[w->ok++] = lat;
		else if (rc == -2)
			w->timeouts++;
		else
			w->failed++;
	}
	return NULL;
}

/* The machine's busy CPU seconds so far, every process's. */
static double machine_cpu(void)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	int n = f ? fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
			   &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) : 0;

	if (f)
		fclose(f);
	if (n < 8)
		return 0;
	/* all but idle (3) and iowait (4) */
	return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) /
	       (double)sysconf(_SC_CLK_TCK);
}

/* CPU seconds per enrollment of the last row */
static double capfd_each, phones_each;

/* Enrollments from conc clients at once; prints the row, returns the rate
 * of those that succeeded. */
static double row(int conc, int each, int first, int cores)
{
	worker w[CONC];
	double *lat = calloc((size_t)(conc * each), sizeof(double)), t0, t, p50, p99;
	int n = conc * each, ok = 0, failed = 0, timeouts = 0;
	double cpu0 = bu_proc_cpu(capfd_pid), phones0 = bu_self_cpu(), all0 = machine_cpu();
	double capfd, phones, others;

	if (!lat)
		bu_die("bench", "out of memory");
	t0 = bu_now();
	for (int i = 0; i < conc; i++) {
		w[i] = (worker){ .first = first + i * each, .n = each, .lat = lat + i * each };
		if (pthread_create(&w[i].t, NULL, run_worker, &w[i]))
			bu_die("bench", "pthread_create");
	}
	for (int i = 0; i < conc; i++) {
		pthread_join(w[i].t, NULL);
		/* the successes' latencies, packed at the front */
		memmove(lat + ok, w[i].lat, (size_t)w[i].ok * sizeof(double));
		ok += w[i].ok;
		failed += w[i].failed;
		timeouts += w[i].timeouts;
	}
	t = bu_now() - t0;
	capfd = bu_proc_cpu(capfd_pid) - cpu0;
	phones = bu_self_cpu() - phones0;
	others = machine_cpu() - all0 - capfd - phones;
	bu_percentiles(lat, (size_t)ok, &p50, &p99);
	printf("enrollments, P-256, concurrency %-3d %7.1f/s  p50 %6.1f ms  p99 %6.1f ms"
	       "  errors %d  timeouts %d\n", conc, ok / t, p50 * 1e3, p99 * 1e3, failed,
	       timeouts);
	capfd_each = capfd / n;
	phones_each = phones / n;
	printf("    CPU per enrollment: capfd %.2f ms, phones %.2f ms; the %d cores: "
	       "capfd %.0f%%, phones %.0f%%, other processes %.0f%%, idle %.0f%%\n",
	       capfd_each * 1e3, phones_each * 1e3, cores, 100 * capfd / (t * cores),
	       100 * phones / (t * cores), others > 0 ? 100 * others / (t * cores) : 0.0,
	       100 * (1 - (capfd + phones + (others > 0 ? others : 0)) / (t * cores)));
	free(lat);
	return ok / t;
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/tl-bench-capf-XXXXXX";
	int total = SEQ_N + CONC * CONC_EACH, cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
	int workers = cores;
	double rsa, limit, r64, t0;
	tl_store s;
	tl_conf c;
	tl_err e;

	(void)argc;
	bu_time_limit(600);
	if (!mkdtemp(dir))
		bu_die("mkdtemp", dir);
	tl_conf_defaults(&c);
	snprintf(c.name, sizeof(c.name), "bench");
	c.nnodes = tl_conf_parse_nodes("pub", c.nodes, &e);
	memcpy(c.tftp_nodes, c.nodes, sizeof(c.nodes));
	c.ntftp_nodes = 1;
	c.capf.per_ip_rate = 0;	/* every phone comes from 127.0.0.1 here */
	c.capf.max_connections = 4 * CONC;
	/* whoever runs the benchmark, root included, is who capfd stays */
	{
		struct passwd *pw = getpwuid(geteuid());

		snprintf(c.capf.user, sizeof(c.capf.user), "%s", pw ? pw->pw_name : "root");
	}
	if (tl_pki_cluster_init(dir, &c, 1, NULL, &e) || tl_store_open(&s, dir, &e) ||
	    tl_store_identity_load(&s, "CAPF", "pub", &capf, NULL, &e))
		bu_die("setup", e.msg);
	t0 = bu_now();
	for (int i = 0; i < total; i++) {
		tl_device d;

		tl_device_init(&d);
		snprintf(d.name, sizeof(d.name), "SEP00BE0C%06X", i);
		snprintf(d.model, sizeof(d.model), "CP-8865");
		if (tl_dev_put(&s, &d, 1, &e) ||
		    tl_capf_schedule(&s, d.name, TL_CAPF_OP_INSTALL, TL_CAPF_MODE_NULL, "",
				     "ec:256", (long)time(NULL) + 86400, (long)time(NULL), &e))
			bu_die("setup", e.msg);
	}
	printf("\n(%d devices scheduled in %.1f s)\n", total, bu_now() - t0);
	tl_store_close(&s);
	if ((keys = calloc((size_t)total, sizeof(*keys))) == NULL)
		bu_die("setup", "out of memory");
	t0 = bu_now();
	for (int i = 0; i < total; i++)
		if (tl_key_generate(TL_KEY_EC, 256, &keys[i], &e))
			bu_die("phone key", e.msg);
	printf("(%d P-256 phone keys made in advance in %.1f s)\n", total, bu_now() - t0);
	/* BENCH_CAPF_WORKERS: another worker count, to see how it scales */
	if (getenv("BENCH_CAPF_WORKERS") && atoi(getenv("BENCH_CAPF_WORKERS")) > 0)
		workers = atoi(getenv("BENCH_CAPF_WORKERS"));
	{
		char w[16], log[64];
		const char *args[] = { "--data-dir", dir, "--listen", "127.0.0.1",
				       "--port", "0", "--workers", w, "--foreground", NULL };

		snprintf(w, sizeof(w), "%d", workers);
		snprintf(log, sizeof(log), "%s/capfd.log", dir);
		capfd_pid = bu_daemon(argv[0], "capfd", args, log, &port);
	}

	/* the limit, on one core: an RSA-2048 signature, as the CAPF key makes */
	rsa = bu_rsa_limits();
	limit = rsa * cores / 2;
	printf("\ncapfd --workers %d; limit = %d cores x %.0f RSA ops/s / 2 = %.0f "
	       "enrollments/s\n", workers, cores, rsa, limit);
	row(1, SEQ_N, 0, cores);
	r64 = row(CONC, CONC_EACH, SEQ_N, cores);
	printf("concurrency 64: %.0f%% of the limit (target %.0f%%): %s\n",
	       100 * r64 / limit, 100 * TARGET, r64 >= TARGET * limit ? "OK" : "MISS");
	/* The phones and other processes run on the same cores as capfd: what
	 * the cores allow without them is the CPU per enrollment against the
	 * cores. */
	printf("capfd alone: %.2f ms CPU per enrollment (2 RSA ops: %.2f ms): %.0f/s on "
	       "%d cores, %.0f%% of the limit\n", capfd_each * 1e3, 2e3 / rsa,
	       cores / capfd_each, cores, 100 * cores / capfd_each / limit);
	printf("capfd and the phones, without other processes: %.2f ms CPU per "
	       "enrollment: %.0f/s on %d cores, %.0f%% of the limit\n",
	       (capfd_each + phones_each) * 1e3, cores / (capfd_each + phones_each),
	       cores, 100 * cores / (capfd_each + phones_each) / limit);
	bu_stop(capfd_pid);
	tl_cert_free(capf);
	free(keys);
	bu_remove_dir(dir);
	return 0;
}

/* `make bench-capf`: enrollments per second against the real capfd with
 * P-256 phone keys, at concurrency 1 and 64, with p50/p99 latency, beside
 * the limit measured in the same run: the CAPF key's RSA private-key
 * operations per second (an enrollment costs about two: the TLS handshake
 * and the LSC signature) times the cores capfd's workers use. */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "benchutil.h"
#include "capfdb.h"
#include "client.h"
#include "devdb.h"
#include "pki.h"

#define SEQ_N 200		/* enrollments at concurrency 1 */
#define CONC 64
#define CONC_EACH 16		/* enrollments per client at concurrency 64 */
#define TARGET 0.70		/* of the limit, with workers = cores */

static int port;
static pid_t capfd_pid;

/* capfd goes with the bench, also when a failure stops it early */
static void stop_capfd(void)
{
	if (capfd_pid > 0) {
		kill(capfd_pid, SIGTERM);
		waitpid(capfd_pid, NULL, 0);
		capfd_pid = 0;
	}
}
static tl_cert *capf;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One phone's enrollment; its latency in seconds into *lat. */
static int enroll(int dev, double *lat)
{
	char name[16];
	tl_capf_enroll_opts o;
	tl_capf_phone p;
	tl_err e;
	double t0 = now();
	int rc;

	snprintf(name, sizeof(name), "SEP00BE0C%06X", dev);
	memset(&o, 0, sizeof(o));
	o.host = "127.0.0.1";
	o.port = port;
	o.capf_cert = capf;
	tl_capf_phone_init(&p);
	p.device = name;
	rc = tl_capf_enroll(&o, &p, &e);
	*lat = now() - t0;
	if (rc || p.end_reason != 1 || !p.stored) {
		fprintf(stderr, "bench: %s: %s\n", name, rc ? e.msg : p.info);
		rc = -1;
	}
	tl_capf_phone_free(&p);
	return rc;
}

typedef struct worker {
	pthread_t t;
	int first, n, failed;
	double *lat;
} worker;

static void *run_worker(void *arg)
{
	worker *w = arg;

	for (int i = 0; i < w->n; i++)
		if (enroll(w->first + i, &w->lat[i]))
			w->failed++;
	return NULL;
}

/* CPU seconds capfd's processes (the parent and its workers) have used. */
static double capfd_cpu(void)
{
	char path[64], buf[4096], *p, *tok, *save;
	double sum = 0;
	long tick = sysconf(_SC_CLK_TCK);
	pid_t pids[300];
	int n = 1;
	FILE *f;

	pids[0] = capfd_pid;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)capfd_pid,
		 (int)capfd_pid);
	if ((f = fopen(path, "r")) != NULL) {
		if (fgets(buf, sizeof(buf), f))
			for (tok = strtok_r(buf, " \n", &save); tok && n < 300;
			     tok = strtok_r(NULL, " \n", &save))
				pids[n++] = (pid_t)atoi(tok);
		fclose(f);
	}
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pids[i]);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		/* utime and stime: fields 14 and 15, after the ")" of the name */
		if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) != NULL) {
			unsigned long ut = 0, st = 0;

			if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
				   &ut, &st) == 2)
				sum += (double)(ut + st) / (double)tick;
		}
		fclose(f);
	}
	return sum;
}

static double cpu_each;	/* capfd's CPU seconds per enrollment, last row */

/* This process's CPU seconds: the phones' side. */
static double self_cpu(void)
{
	struct rusage r;

	getrusage(RUSAGE_SELF, &r);
	return (double)r.ru_utime.tv_sec + (double)r.ru_utime.tv_usec / 1e6 +
	       (double)r.ru_stime.tv_sec + (double)r.ru_stime.tv_usec / 1e6;
}

/* Enrollments from conc clients at once; prints the row, returns the rate. */
static double row(int conc, int each, int first)
{
	worker w[CONC];
	double *lat = calloc((size_t)(conc * each), sizeof(double)), t0, t;
	int n = conc * each, failed = 0;
	double cpu0 = capfd_cpu(), phones0 = self_cpu();

	if (!lat)
		bu_die("bench", "out of memory");
	t0 = now();
	for (int i = 0; i < conc; i++) {
		w[i] = (worker){ .first = first + i * each, .n = each, .lat = lat + i * each };
		if (pthread_create(&w[i].t, NULL, run_worker, &w[i]))
			bu_die("bench", "pthread_create");
	}
	for (int i = 0; i < conc; i++) {
		pthread_join(w[i].t, NULL);
		failed += w[i].failed;
	}
	t = now() - t0;
	if (failed)
		bu_die("enrollment", "some failed (see above)");
	qsort(lat, (size_t)n, sizeof(double), cmp);
	printf("enrollments, P-256, concurrency %-3d %7.1f/s  p50 %6.1f ms  p99 %6.1f ms"
	       "  CPU each: capfd %.1f ms, phone %.1f ms\n", conc, n / t, lat[n / 2] * 1e3,
	       lat[(n * 99) / 100] * 1e3, (cpu_each = (capfd_cpu() - cpu0) / n) * 1e3,
	       (self_cpu() - phones0) * 1e3 / n);
	free(lat);
	return n / t;
}

static int rsa_sign(void *arg)
{
	static const uint8_t data[32];
	const tl_span sp = { data, sizeof(data) };
	uint8_t sig[1024];
	size_t n = sizeof(sig);
	tl_err e;

	return tl_sign(arg, TL_HASH_SHA256, &sp, 1, sig, &n, &e);
}

/* capfd from this build, workers = cores, on a port it picks. */
static pid_t start_capfd(const char *self, const char *dir, int workers)
{
	char bin[1200], w[16], line[512];
	int fds[2];
	pid_t pid;
	FILE *f;

	snprintf(bin, sizeof(bin), "%s", self);
	*strrchr(bin, '/') = 0;
	strncat(bin, "/../bin/capfd", sizeof(bin) - strlen(bin) - 1);
	snprintf(w, sizeof(w), "%d", workers);
	if (pipe(fds))
		bu_die("pipe", "failed");
	if ((pid = fork()) == 0) {
		dup2(fds[1], 2);
		close(fds[0]);
		execl(bin, "capfd", "--data-dir", dir, "--listen", "127.0.0.1", "--port",
		      "0", "--workers", w, "--foreground", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	f = fdopen(fds[0], "r");
	while (fgets(line, sizeof(line), f)) {
		const char *p = strstr(line, " port=");

		if (strstr(line, "event=start") && p) {
			port = atoi(p + 6);
			break;
		}
		if (strstr(line, "fatal"))
			bu_die("capfd", line);
	}
	if (port == 0)
		bu_die("capfd", "did not start");
	/* the log goes on in the background; nobody reads it after this */
	if (fork() == 0) {
		while (fgets(line, sizeof(line), f))
			;
		_exit(0);
	}
	fclose(f);
	return pid;
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/tl-bench-capf-XXXXXX", cmd[64];
	int total = SEQ_N + CONC * CONC_EACH, cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
	int workers = cores;
	double rsa, limit, r1, r64, t0;
	tl_key *capf_key;
	tl_store s;
	tl_conf c;
	tl_err e;

	(void)argc;
	if (!mkdtemp(dir))
		bu_die("mkdtemp", dir);
	tl_conf_defaults(&c);
	snprintf(c.name, sizeof(c.name), "bench");
	c.nnodes = tl_conf_parse_nodes("pub", c.nodes, &e);
	memcpy(c.tftp_nodes, c.nodes, sizeof(c.nodes));
	c.ntftp_nodes = 1;
	c.capf.per_ip_rate = 0;	/* every phone comes from 127.0.0.1 here */
	c.capf.max_connections = 4 * CONC;
	if (tl_pki_cluster_init(dir, &c, 1, NULL, &e) || tl_store_open(&s, dir, &e) ||
	    tl_store_identity_load(&s, "CAPF", "pub", &capf, &capf_key, &e))
		bu_die("setup", e.msg);
	t0 = now();
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
	printf("\n(%d devices scheduled in %.1f s)\n", total, now() - t0);
	tl_store_close(&s);
	/* BENCH_CAPF_WORKERS: another worker count, to see how it scales */
	if (getenv("BENCH_CAPF_WORKERS") && atoi(getenv("BENCH_CAPF_WORKERS")) > 0)
		workers = atoi(getenv("BENCH_CAPF_WORKERS"));
	capfd_pid = start_capfd(argv[0], dir, workers);
	atexit(stop_capfd);

	/* the limit, on one core: the CAPF key signing */
	bu_start("CAPF enrollment: the limit");
	rsa = bu_run("RSA-2048 private-key op (CAPF key)", rsa_sign, capf_key);
	limit = rsa * cores / 2;
	{
		/* the clients may use every core, as the workers do */
		cpu_set_t all;

		CPU_ZERO(&all);
		for (int i = 0; i < cores; i++)
			CPU_SET(i, &all);
		sched_setaffinity(0, sizeof(all), &all);
	}
	printf("\ncapfd --workers %d; limit = %d cores x %.0f RSA ops/s / 2 = %.0f "
	       "enrollments/s\n", workers, cores, rsa, limit);
	r1 = row(1, SEQ_N, 0);
	r64 = row(CONC, CONC_EACH, SEQ_N);
	printf("concurrency 64: %.0f%% of the limit (target %.0f%%): %s\n",
	       100 * r64 / limit, 100 * TARGET, r64 >= TARGET * limit ? "OK" : "MISS");
	/* The phones here run on the same cores as capfd: what capfd could do
	 * with the cores to itself is its CPU per enrollment against them. */
	printf("capfd alone: %.1f ms CPU per enrollment (2 RSA ops: %.1f ms): %.0f/s on "
	       "%d cores, %.0f%% of the limit\n", cpu_each * 1e3, 2e3 / rsa,
	       cores / cpu_each, cores, 100 * cores / cpu_each / limit);
	printf("(the clients share those %d cores: their TLS, P-256 key generation and "
	       "LSC checks cost the measured rate)\n", cores);
	(void)r1;
	stop_capfd();
	tl_cert_free(capf);
	tl_key_free(capf_key);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench: could not remove %s\n", dir);
	return 0;
}

#include "benchutil.h"
#include "buildinfo.h"
#include "x509.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double row_seconds = 1.5;

double bu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void bu_die(const char *what, const char *msg)
{
	fprintf(stderr, "bench: %s: %s\n", what, msg);
	exit(1);
}

void bu_start(const char *title)
{
	const char *s = getenv("BENCH_SECONDS");
	int cpu = sched_getcpu();

	if (s != NULL && atof(s) > 0)
		row_seconds = atof(s);
	/* One core, and always the same one: a migration mid-row costs cache
	 * warmth the numbers should not depend on. */
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	printf("\n%s (one core, %.1f s per row)\n", title, row_seconds);
	printf("%-44s %12s %12s\n", "operation", "ops/s", "us/op");
	printf("%-44s %12s %12s\n", "---------", "-----", "-----");
}

/* Runs op n times; returns the seconds taken. */
static double batch(const char *name, bu_op op, void *arg, long n)
{
	double t0 = bu_now();

	for (long i = 0; i < n; i++)
		if (op(arg) != 0)
			bu_die(name, "the operation failed");
	return bu_now() - t0;
}

/* The row time is cut into this many rounds and the fastest counts: other
 * work on a shared machine only ever slows a round down, so the best one
 * is the closest to what the code costs. */
#define ROUNDS 5

double bu_run(const char *name, bu_op op, void *arg)
{
	double spent = 0, warm = row_seconds / 10, best = 0;
	long n = 1;

	/* Warm-up (caches, lazy initialisation), which also sizes the batches
	 * so the clock is read rarely against the work measured. */
	while (spent < warm) {
		spent += batch(name, op, arg, n);
		if (spent < warm / 4)
			n *= 2;
	}
	for (int r = 0; r < ROUNDS; r++) {
		long done = 0;

		for (spent = 0; spent < row_seconds / ROUNDS; done += n)
			spent += batch(name, op, arg, n);
		if ((double)done / spent > best)
			best = (double)done / spent;
	}
	printf("%-44s %12.0f %12.2f\n", name, best, 1e6 / best);
	fflush(stdout);
	return best;
}

static int rsa_sign(void *key)
{
	static const uint8_t data[32];
	const tl_span sp = { data, sizeof(data) };
	uint8_t sig[512];
	size_t n = sizeof(sig);
	tl_err e;

	return tl_sign(key, TL_HASH_SHA256, &sp, 1, sig, &n, &e);
}

/* openssl's sign/s, or 0 when it cannot say: it runs on this process's
 * core, pinned by bu_start. */
static double openssl_rsa2048(void)
{
	FILE *p = popen("openssl speed -seconds 2 rsa2048 2>/dev/null", "r");
	char line[256];
	double sign_s, verify_s, signs = 0;

	if (p == NULL)
		return 0;
	while (fgets(line, sizeof(line), p))
		sscanf(line, "rsa 2048 bits %lfs %lfs %lf", &sign_s, &verify_s, &signs);
	pclose(p);
	return signs;
}

double bu_rsa_limits(void)
{
	tl_key *key;
	tl_err e;
	double ours, theirs;
	cpu_set_t cpus;

	if (tl_key_generate(TL_KEY_RSA, 2048, &key, &e))
		bu_die("RSA-2048 key", e.msg);
	/* bu_start pins this process; the load the bench makes next may not
	 * want that */
	if (sched_getaffinity(0, sizeof(cpus), &cpus))
		bu_die("sched_getaffinity", "failed");
	printf("\n");
	tl_print_wolfssl();
	bu_start("the machine's limits");
	ours = bu_run("RSA-2048 sign, wolfSSL of this build", rsa_sign, key);
	theirs = openssl_rsa2048();
	if (theirs > 0)
		printf("%-44s %12.0f %12.2f\n", "RSA-2048 sign, openssl speed rsa2048", theirs,
		       1e6 / theirs);
	else
		printf("%-44s %12s\n", "RSA-2048 sign, openssl speed rsa2048", "(no openssl)");
	fflush(stdout);
	sched_setaffinity(0, sizeof(cpus), &cpus);
	tl_key_free(key);
	return ours;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

void bu_percentiles(double *v, size_t n, double *p50, double *p99)
{
	*p50 = *p99 = 0;
	if (n == 0)
		return;
	qsort(v, n, sizeof(*v), cmp_double);
	*p50 = v[n / 2];
	*p99 = v[(n * 99) / 100];
}

/* ---- the processes a bench starts ---- */

#define MAX_CHILDREN 16
static pid_t children[MAX_CHILDREN];
static volatile sig_atomic_t nchildren;
static pid_t owner;	/* a forked helper inherits the list, not the duty */

static void stop_children(void)
{
	if (getpid() != owner)
		return;
	for (int i = 0; i < nchildren; i++)
		if (children[i] > 0)
			kill(children[i], SIGTERM);
}

static void on_signal(int sig)
{
	static const char msg[] = "bench: time limit reached, stopped\n";

	stop_children();
	if (sig == SIGALRM)
		(void)!write(2, msg, sizeof(msg) - 1);
	_exit(sig == SIGALRM ? 1 : 128 + sig);
}

void bu_child(pid_t pid)
{
	static int hooked;

	if (!hooked) {
		owner = getpid();
		atexit(stop_children);
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
		signal(SIGHUP, on_signal);
		signal(SIGALRM, on_signal);
		hooked = 1;
	}
	if (nchildren == MAX_CHILDREN)
		bu_die("bench", "too many child processes");
	children[nchildren] = pid;
	nchildren = nchildren + 1;
}

void bu_stop(pid_t pid)
{
	for (int i = 0; i < nchildren; i++)
		if (children[i] == pid) {
			kill(pid, SIGTERM);
			waitpid(pid, NULL, 0);
			children[i] = 0;
		}
}

void bu_time_limit(unsigned seconds)
{
	owner = getpid();
	signal(SIGALRM, on_signal);
	alarm(seconds);
}

pid_t bu_daemon(const char *self, const char *name, const char *const *args,
		const char *log, int *port)
{
	const char *argv[32] = { name };
	char bin[1200], line[512];
	int n = 1, fd;
	double deadline = bu_now() + 10;
	pid_t pid;
	FILE *f;

	snprintf(bin, sizeof(bin), "%s", self);
	*strrchr(bin, '/') = 0;
	snprintf(bin + strlen(bin), sizeof(bin) - strlen(bin), "/../bin/%s", name);
	for (; args[n - 1] && n < 31; n++)
		argv[n] = args[n - 1];
	/* appended, so the bench may truncate the log between rows */
	if ((fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) < 0)
		bu_die(log, "cannot create the log");
	if ((pid = fork()) < 0)
		bu_die("fork", "failed");
	if (pid == 0) {
		dup2(fd, 2);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	close(fd);
	bu_child(pid);
	*port = 0;
	while (*port == 0 && bu_now() < deadline) {
		if ((f = fopen(log, "r")) == NULL)
			bu_die(log, "cannot read the log");
		while (fgets(line, sizeof(line), f)) {
			const char *p = strstr(line, " port=");

			if (strstr(line, "event=start") && p)
				*port = atoi(p + 6);
			else if (strstr(line, "fatal"))
				bu_die(name, line);
		}
		fclose(f);
		if (waitpid(pid, NULL, WNOHANG) == pid)
			bu_die(name, "exited at start (see its log)");
		if (*port == 0)
			usleep(20000);
	}
	if (*port == 0)
		bu_die(name, "did not start within 10 s");
	return pid;
}

/* pid and the children /proc lists for it; returns how many. */
static int proc_tree(pid_t pid, pid_t *out, int max)
{
	char path[64], buf[4096], *tok, *save;
	int n = 1;
	FILE *f;

	out[0] = pid;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	if ((f = fopen(path, "r")) != NULL) {
		if (fgets(buf, sizeof(buf), f))
			for (tok = strtok_r(buf, " \n", &save); tok && n < max;
			     tok = strtok_r(NULL, " \n", &save))
				out[n++] = (pid_t)atoi(tok);
		fclose(f);
	}
	return n;
}

double bu_proc_cpu(pid_t pid)
{
	char path[64], buf[4096], *p;
	double sum = 0;
	long tick = sysconf(_SC_CLK_TCK);
	pid_t pids[300];
	int n = proc_tree(pid, pids, 300);
	FILE *f;

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

long bu_proc_rss_kb(pid_t pid)
{
	char path[64], line[256];
	pid_t pids[300];
	int n = proc_tree(pid, pids, 300);
	long sum = 0, kb;
	FILE *f;

	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/proc/%d/status", (int)pids[i]);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
				sum += kb;
		fclose(f);
	}
	return sum;
}

double bu_self_cpu(void)
{
	struct rusage r;

	getrusage(RUSAGE_SELF, &r);
	return (double)r.ru_utime.tv_sec + (double)r.ru_utime.tv_usec / 1e6 +
	       (double)r.ru_stime.tv_sec + (double)r.ru_stime.tv_usec / 1e6;
}

void bu_remove_dir(const char *dir)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench: could not remove %s\n", dir);
}

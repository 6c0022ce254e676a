#include "benchutil.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double row_seconds = 1.5;

static double now(void)
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
	double t0 = now();

	for (long i = 0; i < n; i++)
		if (op(arg) != 0)
			bu_die(name, "the operation failed");
	return now() - t0;
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

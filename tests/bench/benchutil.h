/* Shared by the benchmarks: wall-clock timing loops and the table they
 * print. Numbers, not pass/fail. */
#ifndef TL_BENCHUTIL_H
#define TL_BENCHUTIL_H

/* One operation of a benchmark; returns 0, or nonzero when it failed (the
 * bench stops: a number for an operation that fails means nothing). */
typedef int (*bu_op)(void *arg);

/* Pins the process to the CPU it runs on and prints the table header.
 * BENCH_SECONDS in the environment sets the time per row (default 1.5). */
void bu_start(const char *title);

/* Runs op for a short warm-up, then for at least the row time, prints a
 * row (name, ops/s, us/op) and returns operations per second (of the
 * fastest of a few rounds). */
double bu_run(const char *name, bu_op op, void *arg);

/* Stops the bench with a message: setup failed. */
void bu_die(const char *what, const char *msg) __attribute__((noreturn));

#endif

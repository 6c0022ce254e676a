/* Shared by the benchmarks: wall-clock timing loops and the table they
 * print. Numbers, not pass/fail. */
#ifndef TL_BENCHUTIL_H
#define TL_BENCHUTIL_H

#include <stddef.h>
#include <sys/types.h>

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

/* The machine's limits, printed in the same run as the figures measured
 * against them: the wolfSSL this build runs (as --version says) and
 * RSA-2048 signatures per second, one core, of that wolfSSL and of
 * `openssl speed rsa2048`. Returns wolfSSL's rate; the process runs on
 * the cores it ran on before. */
double bu_rsa_limits(void);

/* Stops the bench with a message: setup failed. */
void bu_die(const char *what, const char *msg) __attribute__((noreturn));

/* Seconds of a monotonic clock. */
double bu_now(void);

/* Sorts n latencies and gives their median and 99th percentile (0 when
 * there are none). */
void bu_percentiles(double *v, size_t n, double *p50, double *p99);

/* Daemons against the real binaries: one of this build (bin/NAME beside
 * the bench's own directory) started with args (NULL-terminated, after
 * the name) and its standard error appended to log; returns its PID once
 * its log says event=start, with the port= of that line in *port. Every
 * process a bench starts is registered with bu_child and stopped by PID
 * when the bench exits, whatever the reason (an error, SIGINT, SIGTERM,
 * or the time limit of bu_time_limit). */
pid_t bu_daemon(const char *self, const char *name, const char *const *args,
		const char *log, int *port);
void bu_child(pid_t pid);
/* Stops a registered process (SIGTERM, then waits for it). */
void bu_stop(pid_t pid);
/* The bench gives up, stopping its children, after this many seconds. */
void bu_time_limit(unsigned seconds);

/* A daemon's processes (pid and its children, the workers): CPU seconds
 * used so far and resident memory now (VmRSS, kB). */
double bu_proc_cpu(pid_t pid);
long bu_proc_rss_kb(pid_t pid);
/* This process's CPU seconds. */
double bu_self_cpu(void);

/* Removes a bench's temporary directory and what is in it. */
void bu_remove_dir(const char *dir);

#endif

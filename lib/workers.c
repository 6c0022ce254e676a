#include "workers.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"

#define MAX_WORKERS 256

static volatile sig_atomic_t got_term, got_hup, got_chld;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else if (sig == SIGCHLD)
		got_chld = 1;
	else
		got_term = 1;
}

static pid_t spawn(int (*fn)(void *, int), void *arg, int i, const sigset_t *old)
{
	pid_t pid = fork();

	if (pid == 0) {
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		/* SIGHUP stays blocked until the worker's loop handles it
		 * (tl_loop_signals): a reload asked for while it starts is then
		 * made, where the default action would end the worker */
		sigset_t m = *old;

		sigaddset(&m, SIGHUP);
		sigprocmask(SIG_SETMASK, &m, NULL);
		_exit(fn(arg, i));
	}
	return pid;
}

int tl_workers_run(int n, int (*fn)(void *arg, int i), void *arg,
		   const char *user)
{
	pid_t pids[MAX_WORKERS];
	struct sigaction sa;
	sigset_t block, old;
	tl_err e;

	if (n > MAX_WORKERS)
		n = MAX_WORKERS;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGCHLD);
	/* blocked until sigsuspend, so no signal slips in between a check of
	 * the flags and the wait */
	sigprocmask(SIG_BLOCK, &block, &old);
	/* tl_daemon_start blocked SIGHUP until a handler is there: this
	 * process waits with it open */
	sigdelset(&old, SIGHUP);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	for (int i = 0; i < n; i++)
		pids[i] = spawn(fn, arg, i, &old);
	if (user && tl_daemon_drop(user, &e))
		tl_log(LOG_ERR, "event=drop_failed error=\"%s\"", e.msg);
	while (!got_term) {
		sigsuspend(&old);
		if (got_hup) {
			got_hup = 0;
			for (int i = 0; i < n; i++)
				if (pids[i] > 0)
					kill(pids[i], SIGHUP);
		}
		if (got_chld) {
			pid_t p;
			int st;

			got_chld = 0;
			while ((p = waitpid(-1, &st, WNOHANG)) > 0)
				for (int i = 0; i < n; i++)
					if (pids[i] == p && !got_term) {
						tl_log(LOG_ERR, "event=worker_died pid=%d status=%d",
						       (int)p, st);
						sleep(1);	/* no tight restart loop */
						pids[i] = spawn(fn, arg, i, &old);
					}
		}
	}
	for (int i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	while (wait(NULL) > 0)
		;
	sigprocmask(SIG_SETMASK, &old, NULL);
	return 0;
}

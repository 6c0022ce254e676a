#include "tftpdworkers.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "tftpdstart.h"
#include "tftpmetrics.h"

struct super {
	tl_loop *loop;
	pid_t kids[TL_TFTPD_WORKERS_MAX];
	int nkids, alive, stopping, status;
};

static void forward(struct super *s, int sig)
{
	for (int i = 0; i < s->nkids; i++)
		if (s->kids[i] > 0)
			kill(s->kids[i], sig);
}

static void sup_stop(void *arg)
{
	struct super *s = arg;

	s->stopping = 1;
	forward(s, SIGTERM);
}

static void sup_reload(void *arg)
{
	forward(arg, SIGHUP);
}

static void sup_child(void *arg)
{
	struct super *s = arg;
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (int i = 0; i < s->nkids; i++)
			if (s->kids[i] == pid)
				s->kids[i] = 0;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			s->status = 1;
		/* A worker that dies on its own takes the others down: a
		 * supervisor without root could not bind its port again. */
		if (!s->stopping) {
			tl_log(LOG_ERR, "event=worker-exit pid=%ld status=%d", (long)pid,
			       WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
			s->stopping = 1;
			forward(s, SIGTERM);
		}
		if (--s->alive == 0)
			tl_loop_stop(s->loop);
	}
}

int tl_tftpd_supervise(const tl_tftpd_opts *o, tl_tftp_ns *ns, int ready)
{
	struct super s;
	tl_ev *sig[3] = { NULL, NULL, NULL }, *chld = NULL;
	int p[2], got = 0;
	char c;
	tl_err e;

	memset(&s, 0, sizeof(s));
	s.status = 1;
	if (pipe2(p, O_CLOEXEC)) {
		fprintf(stderr, "tftpd: pipe: %s\n", strerror(errno));
		return 1;
	}
	for (int i = 0; i < o->workers; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			unsetenv("NOTIFY_SOCKET");	/* the supervisor says READY */
			tl_tftp_metrics_worker(i);
			close(p[0]);
			if (ready >= 0)
				close(ready);
			_exit(tl_tftpd_serve(o, ns, p[1]));
		}
		if (pid < 0)
			break;
		s.kids[s.nkids++] = pid;
	}
	close(p[1]);
	s.alive = s.nkids;
	while (got < o->workers && read(p[0], &c, 1) == 1)
		got++;
	close(p[0]);
	if (got < o->workers ||
	    (s.loop = tl_loop_new(&e)) == NULL ||
	    tl_loop_signals(s.loop, sup_stop, sup_reload, &s, sig, &e) ||
	    (chld = tl_ev_signal(s.loop, SIGCHLD, sup_child, &s, &e)) == NULL ||
	    tl_tftpd_drop(tl_tftp_ns_conf(ns)->tftp.user, &e)) {
		forward(&s, SIGTERM);
		while (wait(NULL) > 0)
			;
		goto out;
	}
	s.status = 0;
	if (tl_tftpd_ready(ready, !o->foreground))
		s.status = 1;
	sup_child(&s);		/* a worker that ended before SIGCHLD was watched */
	if (s.alive > 0)
		tl_loop_run(s.loop, &e);
out:
	tl_ev_free(chld);
	tl_loop_signals_free(sig);
	tl_loop_free(s.loop);
	return s.status;
}

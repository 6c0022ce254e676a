/* tftpd: TFTP and HTTP provisioning from the data directory (docs/tftpd.md). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buildinfo.h"
#include "daemon.h"
#include "http.h"
#include "generate.h"
#include "log.h"
#include "namespace.h"
#include "server.h"
#include "store.h"

#define GRACE_MS 3000		/* transfers a SIGTERM lets finish */
#define WORKERS_MAX 256

static void usage(FILE *f)
{
	fputs(
"usage: tftpd [-c trustline.conf] [--data-dir DIR] [--listen ADDR] [--port 69]\n"
"             [--http-port 6970] [--foreground] [--workers N] [--check-config]\n"
"             [--pid-file FILE]\n"
"\n"
"Serves the data directory's generated files and tftpboot/ to phones over\n"
"TFTP (read requests only) and HTTP. Settings come from the [tftp] section\n"
"of trustline.conf; the options override them.\n"
"\n"
"  -c, --config FILE  configuration (default DIR/trustline.conf)\n"
"  --data-dir DIR     data directory (default $TRUSTLINE_DATA_DIR, else\n"
"                     /var/lib/trustline)\n"
"  --listen ADDR      numeric IPv4 or IPv6 address (default every address)\n"
"  --port N           TFTP port (default 69; 0 picks a free one)\n"
"  --http-port N      HTTP port (default 6970; 0 picks a free one; -1 none)\n"
"  --foreground       stay attached and log to standard error; without it\n"
"                     tftpd detaches once serving and logs to syslog\n"
"  --workers N        N processes sharing the ports (SO_REUSEPORT)\n"
"  --check-config     read and check the settings, keys and files a start\n"
"                     reads, bind nothing, and exit: 0 when it would start\n"
"  --pid-file FILE    write the PID of the process that serves to FILE\n"
"\n"
"Started as root, tftpd binds its ports, then runs as [tftp] user (default\n"
"nobody). SIGHUP reloads the files and settings; SIGTERM lets transfers\n"
"finish (3 s at most) and exits 0.\n", f);
}

struct opts {
	const char *conf, *dir, *listen, *pidfile;
	int port, http_port, foreground, workers;
};

struct worker {
	tl_loop *loop;
	tl_tftp_ns *ns;
	tl_tftp_server *srv;
	tl_tftp_http *http;
	const struct opts *o;
	tl_ev *watch;
	long generation;
	/* A reload renders and signs on a thread of its own, so phones are
	 * served from the files loaded before while it runs. */
	tl_job *job;
	tl_tftp_next *next;	/* what the job made */
	tl_err job_err;
	int again;		/* a reload asked for while one runs */
};

/* How often the data directory's generation is looked at: a `trustline`
 * change is served within this time without a SIGHUP. */
#define WATCH_MS 2000

static void config_of(const struct opts *o, const tl_conf *conf, tl_tftp_cfg *c)
{
	tl_tftp_cfg_from_conf(c, &conf->tftp);
	if (o->listen)
		c->listen = o->listen;
	if (o->port >= 0)
		c->port = o->port;
	c->reuseport = o->workers > 1;
}

/* Root binds, then gives root up for good (unless configured to stay). */
static int drop_privileges(const char *user, tl_err *e)
{
	if (tl_daemon_drop(user, e))
		return -1;
	if (geteuid() == 0)
		tl_log(LOG_WARNING, "event=privileges warning=\"running as root "
		       "([tftp] user = %s)\"", user);
	return 0;
}

static void drained(void *arg)
{
	struct worker *w = arg;

	tl_loop_stop(w->loop);
}

static void on_stop(void *arg)
{
	struct worker *w = arg;

	tl_log(LOG_INFO, "event=stopping");
	tl_tftp_server_drain(w->srv, GRACE_MS, drained, w);
}

static void build_next(void *arg)
{
	struct worker *w = arg;

	w->next = tl_tftp_ns_build(w->ns, &w->job_err);
}

static void start_reload(struct worker *w);

static void reloaded(void *arg)
{
	struct worker *w = arg;
	tl_tftp_cfg c;
	size_t files;
	uint64_t bytes, held;
	char m[600];

	w->job = NULL;
	if (w->next == NULL) {
		tl_log(LOG_ERR, "event=reload result=failed error=%s (still serving "
		       "the files loaded before)",
		       tl_log_val(w->job_err.msg, m, sizeof(m)));
	} else {
		tl_tftp_ns_swap(w->ns, w->next);
		w->next = NULL;
		config_of(w->o, tl_tftp_ns_conf(w->ns), &c);
		tl_daemon_fit_files(&c.max_transfers, 64, "max_transfers");
		tl_tftp_server_set_limits(w->srv, &c);
		tl_loop_spin(w->loop, (unsigned)tl_tftp_ns_conf(w->ns)->tftp.busy_poll_us);
		tl_tftp_ns_stats(w->ns, &files, &bytes, &held);
		tl_log(LOG_INFO, "event=reload result=ok files=%zu bytes=%llu held=%llu",
		       files, (unsigned long long)bytes, (unsigned long long)held);
	}
	if (w->again)
		start_reload(w);
}

static void start_reload(struct worker *w)
{
	char m[600];
	tl_err e;

	w->again = 0;
	if ((w->job = tl_job_start(w->loop, build_next, reloaded, w, &e)) == NULL)
		tl_log(LOG_ERR, "event=reload result=failed error=%s (still serving "
		       "the files loaded before)", tl_log_val(e.msg, m, sizeof(m)));
}

static void on_reload(void *arg)
{
	struct worker *w = arg;

	/* A change made while a reload reads the data directory may have
	 * come too late for it: one more follows. */
	if (w->job)
		w->again = 1;
	else
		start_reload(w);
}

static void on_watch(void *arg)
{
	struct worker *w = arg;
	long g = tl_store_read_generation(tl_store_default_dir(w->o->dir));

	if (g != w->generation) {
		w->generation = g;
		tl_log(LOG_INFO, "event=changed generation=%ld", g);
		on_reload(w);
	}
}

/* Once serving, a detached process lets go of the terminal: what follows
 * goes to syslog. */
static void let_go(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	tl_log_open("tftpd", 1);
}

/* Tells whoever waits (the terminal's process, or the supervisor) that
 * this process serves. */
static int tell_ready(int ready, int detached)
{
	/* a Type=notify unit: serving (workers never send it, see supervise) */
	tl_daemon_ready();
	if (ready >= 0) {
		if (write(ready, "k", 1) != 1)
			return -1;
		close(ready);
	}
	if (detached)
		let_go();
	return 0;
}

/* Binds, drops privileges, tells the parent it is serving (ready >= 0),
 * serves until SIGTERM. Returns the exit status. */
static int serve(const struct opts *o, tl_tftp_ns *ns, int ready)
{
	struct worker w = { .ns = ns, .o = o };

	w.generation = tl_store_read_generation(tl_store_default_dir(o->dir));
	const tl_conf *conf = tl_tftp_ns_conf(ns);
	tl_ev *sig[3] = { NULL, NULL, NULL };
	int http_port = o->http_port != -2 ? o->http_port : conf->tftp.http_port;
	tl_tftp_cfg c;
	size_t files;
	uint64_t bytes, held;
	char m[600];
	tl_err e;
	int rc = 1;

	config_of(o, conf, &c);
	tl_daemon_fit_files(&c.max_transfers, 64, "max_transfers");
	if (tl_daemon_user_ok(conf->tftp.user, &e) ||
	    (w.loop = tl_loop_new(&e)) == NULL ||
	    (w.srv = tl_tftp_server_new(w.loop, ns, &c, &e)) == NULL ||
	    (http_port >= 0 && (w.http = tl_tftp_http_new(w.loop, ns, c.listen,
							  http_port, c.reuseport,
							  &e)) == NULL) ||
	    tl_tftp_ns_keep_store(ns, &e) ||
	    drop_privileges(conf->tftp.user, &e) ||
	    tl_loop_signals(w.loop, on_stop, on_reload, &w, sig, &e) ||
	    (w.watch = tl_ev_periodic(w.loop, WATCH_MS, on_watch, &w, &e)) == NULL) {
		tl_log(LOG_ERR, "event=fatal error=%s",
		       tl_log_val(e.msg, m, sizeof(m)));
		goto out;
	}
	tl_loop_spin(w.loop, (unsigned)conf->tftp.busy_poll_us);
	tl_tftp_ns_stats(ns, &files, &bytes, &held);
	tl_log(LOG_INFO, "event=start pid=%ld port=%d http_port=%d files=%zu bytes=%llu "
	       "held=%llu", (long)getpid(), tl_tftp_server_port(w.srv),
	       w.http ? tl_tftp_http_port(w.http) : -1, files,
	       (unsigned long long)bytes, (unsigned long long)held);
	if (tell_ready(ready, !o->foreground))
		goto out;
	if (tl_loop_run(w.loop, &e))
		tl_log(LOG_ERR, "event=loop error=%s", tl_log_val(e.msg, m, sizeof(m)));
	else
		rc = 0;
	tl_tftp_server_summary(w.srv);
	tl_log(LOG_INFO, "event=stopped pid=%ld", (long)getpid());
out:
	if (w.job) {
		tl_tftp_ns_cancel(ns);
		tl_job_wait(w.job);
		if (w.next)
			tl_tftp_ns_swap(ns, w.next);	/* freed with ns */
	}
	tl_ev_free(w.watch);
	tl_loop_signals_free(sig);
	tl_tftp_http_free(w.http);
	tl_tftp_server_free(w.srv);
	tl_loop_free(w.loop);
	return rc;
}

/* --workers: a supervisor starts the workers, waits until each serves,
 * then forwards SIGTERM and SIGHUP to them and reaps them. */
struct super {
	tl_loop *loop;
	pid_t kids[WORKERS_MAX];
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

static int supervise(const struct opts *o, tl_tftp_ns *ns, int ready)
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
			close(p[0]);
			if (ready >= 0)
				close(ready);
			_exit(serve(o, ns, p[1]));
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
	    drop_privileges(tl_tftp_ns_conf(ns)->tftp.user, &e)) {
		forward(&s, SIGTERM);
		while (wait(NULL) > 0)
			;
		goto out;
	}
	s.status = 0;
	if (tell_ready(ready, !o->foreground))
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

/* Without --foreground: the terminal's process waits until the daemon
 * serves (exit 0) or has failed and said why on standard error (exit 1). */
static int detach(int *ready)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		close(p[1]);
		_exit(read(p[0], &c, 1) == 1 ? 0 : 1);
	}
	close(p[0]);
	setsid();
	if (chdir("/")) {
		/* nothing relative is opened after this */
	}
	*ready = p[1];
	return 0;
}

static int port_arg(const char *s, int lo, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == 0 || *end || v < lo || v > 65535)
		return -1;
	*out = (int)v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, 0, 'c' },
		{ "data-dir", required_argument, 0, 'D' },
		{ "listen", required_argument, 0, 'l' },
		{ "port", required_argument, 0, 'p' },
		{ "http-port", required_argument, 0, 'H' },
		{ "foreground", no_argument, 0, 'f' },
		{ "workers", required_argument, 0, 'w' },
		{ "help", no_argument, 0, 'h' },
		{ "version", no_argument, 0, 'V' },
		{ "check-config", no_argument, 0, 'C' },
		{ "pid-file", required_argument, 0, 'P' },
		{ 0, 0, 0, 0 },
	};
	int check = 0;
	struct opts o = { .port = -1, .http_port = -2, .workers = 1 };
	char dir[PATH_MAX];
	tl_tftp_ns *ns;
	tl_tftp_gen gen;
	tl_err e;
	int c, rc, ready = -1;

	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': o.conf = optarg; break;
		case 'D': o.dir = optarg; break;
		case 'l': o.listen = optarg; break;
		case 'f': o.foreground = 1; break;
		case 'p':
			if (port_arg(optarg, 0, &o.port))
				goto bad;
			break;
		case 'H':
			if (port_arg(optarg, -1, &o.http_port))
				goto bad;
			break;
		case 'w':
			if (port_arg(optarg, 1, &o.workers) || o.workers > WORKERS_MAX)
				goto bad;
			break;
		case 'h': usage(stdout); return 0;
		case 'V': tl_print_version("tftpd"); return 0;
		case 'C': check = 1; break;
		case 'P': o.pidfile = optarg; break;
		default: goto bad;
		}
	}
	if (optind != argc)
		goto bad;
	if (o.workers > 1 && (o.port == 0 || o.http_port == 0)) {
		fputs("tftpd: --workers needs fixed ports: each worker would pick "
		      "its own with 0\n", stderr);
		return 2;
	}
	tl_log_open("tftpd", 0);
	/* absolute: a detached tftpd leaves the directory it was started in,
	 * and opens the store again there (tl_tftp_ns_keep_store) */
	if (realpath(tl_store_default_dir(o.dir), dir) == NULL) {
		fprintf(stderr, "tftpd: %s: %s\n", tl_store_default_dir(o.dir),
			strerror(errno));
		return 1;
	}
	o.dir = dir;
	if (tl_tftp_gen_init(&gen, tl_store_default_dir(o.dir), &e)) {
		fprintf(stderr, "tftpd: %s\n", e.msg);
		return 1;
	}
	ns = tl_tftp_ns_open(tl_store_default_dir(o.dir), o.conf, tl_tftp_generate,
			     &gen, &e);
	if (ns == NULL) {
		fprintf(stderr, "tftpd: %s\n", e.msg);
		tl_tftp_gen_free(&gen);
		return 1;
	}
	/* everything a start reads has been read and checked: no port bound */
	if (check) {
		printf("tftpd: %s: configuration and keys OK\n", dir);
		tl_tftp_ns_free(ns);
		tl_tftp_gen_free(&gen);
		return 0;
	}
	if (!o.foreground && detach(&ready)) {
		fprintf(stderr, "tftpd: cannot detach: %s\n", strerror(errno));
		tl_tftp_ns_free(ns);
		return 1;
	}
	if (o.pidfile && tl_daemon_pidfile(o.pidfile, getpid(), &e)) {
		fprintf(stderr, "tftpd: %s\n", e.msg);
		tl_tftp_ns_free(ns);
		return 1;
	}
	rc = o.workers > 1 ? supervise(&o, ns, ready) : serve(&o, ns, ready);
	tl_tftp_ns_free(ns);
	tl_tftp_gen_free(&gen);
	return rc;
bad:
	fputs("tftpd: bad option or value; see `tftpd --help`\n", stderr);
	return 2;
}

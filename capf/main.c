/* capfd: the Certificate Authority Proxy Function (docs/capfd.md). */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buildinfo.h"
#include "capfmetrics.h"
#include "daemon.h"
#include "log.h"
#include "loop.h"
#include "server.h"
#include "store.h"
#include "workers.h"

static void usage(FILE *f)
{
	fputs("usage: capfd [-c trustline.conf] [--data-dir DIR] [--listen ADDR]\n"
	      "             [--port 3804] [--workers N] [--foreground] [--check-config]\n"
	      "             [--pid-file FILE]\n\n"
	      "The Certificate Authority Proxy Function: issues, fetches and deletes\n"
	      "phones' LSCs over TLS with the publisher's CAPF certificate, as the\n"
	      "device database schedules (trustline device capf). See docs/capfd.md.\n\n"
	      "  -c, --config FILE  the administrator's settings, read over\n"
	      "                   DIR/trustline.conf (default $TRUSTLINE_CONFIG, else\n"
	      "                   /etc/trustline/trustline.conf when it exists)\n"
	      "  --data-dir DIR   the data directory (else $TRUSTLINE_DATA_DIR, else\n"
	      "                   /var/lib/trustline)\n"
	      "  --listen ADDR    numeric address to bind (default [capf] listen: every\n"
	      "                   address)\n"
	      "  --port N         TCP port (default [capf] port, 3804; 0 picks one)\n"
	      "  --workers N      processes sharing the port (SO_REUSEPORT)\n"
	      "  --foreground     stay attached and log to standard error\n"
	      "  --check-config   read and check the settings, the CAPF identity, the\n"
	      "                   trust and the user to run as, bind nothing, and exit:\n"
	      "                   0 when it would start\n"
	      "  --pid-file FILE  write the PID of the process that serves to FILE\n", f);
}

typedef struct opts {
	const char *conf, *listen, *pidfile;
	char dir[PATH_MAX], confpath[PATH_MAX];
	int port, workers, foreground, check;
	int fds[256];		/* a listening socket per worker */
	int mfds[256];		/* its /metrics socket; mfds[0] -1: none */
} opts;

static int number(const char *opt, const char *v, int lo, int hi, int *out)
{
	char *end;
	long n = strtol(v, &end, 10);

	if (*v == 0 || *end || n < lo || n > hi) {
		fprintf(stderr, "capfd: %s %s: give %d to %d\n", opt, v, lo, hi);
		return -1;
	}
	*out = (int)n;
	return 0;
}

/* -1 to go on, else the exit status. */
static int parse(int argc, char **argv, opts *o, const char **dir)
{
	static const struct option lo[] = {
		{ "config", required_argument, 0, 'c' },
		{ "check-config", no_argument, 0, 'C' },
		{ "pid-file", required_argument, 0, 'P' },
		{ "data-dir", required_argument, 0, 'd' },
		{ "listen", required_argument, 0, 'l' },
		{ "port", required_argument, 0, 'p' },
		{ "workers", required_argument, 0, 'w' },
		{ "foreground", no_argument, 0, 'f' },
		{ "help", no_argument, 0, 'h' },
		{ "version", no_argument, 0, 'V' },
		{ 0, 0, 0, 0 },
	};
	int c;

	o->port = o->workers = -1;
	while ((c = getopt_long(argc, argv, "c:h", lo, NULL)) != -1) {
		switch (c) {
		case 'c': o->conf = optarg; break;
		case 'd': *dir = optarg; break;
		case 'l': o->listen = optarg; break;
		case 'f': o->foreground = 1; break;
		case 'C': o->check = 1; break;
		case 'P': o->pidfile = optarg; break;
		case 'p':
			if (number("--port", optarg, 0, 65535, &o->port))
				return 2;
			break;
		case 'w':
			if (number("--workers", optarg, 1, 256, &o->workers))
				return 2;
			break;
		case 'h': usage(stdout); return 0;
		case 'V': tl_print_version("capfd"); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "capfd: unexpected argument \"%s\"\n", argv[optind]);
		return 2;
	}
	return -1;
}

/* The data directory with -c and the command line applied. */
static int open_store(const opts *o, tl_store *s, tl_err *e)
{
	if (tl_store_open(s, o->dir, e) ||
	    (o->confpath[0] && tl_store_reload_conf(s, o->confpath, e)))
		return -1;
	if (o->listen)
		snprintf(s->conf.capf.listen, sizeof(s->conf.capf.listen), "%s", o->listen);
	if (o->port >= 0)
		s->conf.capf.port = o->port;
	if (o->workers > 0)
		s->conf.capf.workers = o->workers;
	return 0;
}

/* One worker: its own store handle (an SQLite handle does not survive
 * fork), keys, loop. */
static int serve(void *arg, int worker)
{
	const opts *o = arg;
	tl_metrics_srv *ms = NULL;
	tl_capfd *d = NULL;
	tl_loop *l = NULL;
	tl_store s;
	tl_err e;
	int fd = o->fds[worker], mfd = o->mfds[0] >= 0 ? o->mfds[worker] : -1, rc = 1;

	memset(&s, 0, sizeof(s));
	tl_metrics_set_worker(&tl_capf_metrics, worker);
	if (open_store(o, &s, &e) || (d = tl_capfd_new(&s, o->confpath[0] ? o->confpath : NULL, 0,
						&e)) == NULL)
		goto fail;
	/* keys are in memory; the database is opened again as the new user so
	 * every file it makes belongs to that user */
	if (tl_daemon_drop(tl_capfd_user(&s), &e))
		goto fail;
	tl_store_close(&s);
	if (open_store(o, &s, &e))
		goto fail;
	if ((l = tl_loop_new(&e)) == NULL || tl_capfd_serve(d, l, fd, &e))
		goto fail;
	fd = -1;
	if (mfd >= 0 && (ms = tl_metrics_srv_new(l, mfd, &tl_capf_metrics, &s,
						  s.conf.capf.metrics_allow, &e)) == NULL) {
		mfd = -1;
		goto fail;
	}
	mfd = -1;
	if (tl_daemon_run(l, tl_capfd_hup, d, &e))
		goto fail;
	tl_log(LOG_INFO, "event=stop worker=%d", worker);
	rc = 0;
	goto out;
fail:
	tl_log(LOG_ERR, "event=fatal error=\"%s\"", e.msg);
out:
	if (fd >= 0)
		close(fd);
	if (mfd >= 0)
		close(mfd);
	tl_metrics_srv_free(ms);
	tl_capfd_free(d);
	tl_loop_free(l);
	tl_store_close(&s);
	return rc;
}

static void crash_setting(void)
{
	static const struct { const char *name; int state; } points[] = {
		{ "auth", TL_CAPF_S_AUTH }, { "keygen", TL_CAPF_S_KEYGEN },
		{ "store", TL_CAPF_S_STORE }, { "done", TL_CAPF_S_DONE },
	};
	const char *v = getenv("TL_CAPFD_CRASH_AT");

	for (size_t i = 0; v && i < sizeof(points) / sizeof(points[0]); i++)
		if (!strcmp(v, points[i].name))
			tl_capfd_crash_at = points[i].state;
}

int main(int argc, char **argv)
{
	const char *dir = NULL;
	tl_capfd *d;
	tl_store s;
	tl_err e;
	opts o;
	int *fds = o.fds, rc;

	memset(&o, 0, sizeof(o));
	if ((rc = parse(argc, argv, &o, &dir)) >= 0)
		return rc;
	tl_log_open("capfd", 0);
	crash_setting();
	if (tl_daemon_paths("capfd", dir, o.conf, o.dir, o.confpath))
		return 1;
	/* everything checked, keys loaded, crash leftovers settled and the
	 * sockets bound before detaching: a wrong setting is an error on the
	 * terminal */
	if (open_store(&o, &s, &e))
		goto fail;
	if (tl_capfd_check_user(&s, &e) ||
	    (d = tl_capfd_new(&s, o.confpath[0] ? o.confpath : NULL, 1, &e)) == NULL)
		goto fail_store;
	if (o.check) {
		tl_daemon_checked("capfd", o.dir, o.confpath,
				  "configuration, identity, trust and user");
		tl_capfd_free(d);
		tl_store_close(&s);
		return 0;
	}
	o.mfds[0] = -1;
	if (tl_daemon_listen(s.conf.capf.listen, s.conf.capf.port,
			     s.conf.capf.workers, fds, &e) ||
	    (s.conf.capf.metrics_listen[0] &&
	     tl_metrics_listen(s.conf.capf.metrics_listen, s.conf.capf.workers,
			       o.mfds, &e)) ||
	    tl_metrics_set_map(&tl_capf_metrics, s.conf.capf.workers, &e) ||
	    tl_daemon_start("capfd", o.foreground, o.pidfile, &e)) {
		tl_capfd_free(d);
		goto fail_store;
	}
	/* the port a test asked to be picked (--port 0) */
	o.port = tl_sock_port(fds[0]);
	tl_log(LOG_INFO, "event=start listen=%s port=%d workers=%d trust=%zu "
	       "lsc_days=%d issuer=\"%s\" metrics_port=%d pid=%d",
	       s.conf.capf.listen[0] ? s.conf.capf.listen : "*", o.port,
	       s.conf.capf.workers, tl_capfd_srv(d)->ntrust, s.conf.capf.lsc_days,
	       (tl_capfd_srv(d)->issuer ? tl_capfd_srv(d)->issuer :
		tl_capfd_srv(d)->capf)->subject,
	       o.mfds[0] >= 0 ? tl_sock_port(o.mfds[0]) : -1, (int)getpid());
	tl_daemon_ready();
	rc = s.conf.capf.workers;
	tl_capfd_free(d);
	if (rc == 1) {
		tl_store_close(&s);
		return serve(&o, 0);
	}
	{
		char user[64];

		snprintf(user, sizeof(user), "%s", tl_capfd_user(&s));
		tl_store_close(&s);
		return tl_workers_run(rc, serve, &o, user);
	}
fail_store:
	tl_store_close(&s);
fail:
	fprintf(stderr, "capfd: %s\n", e.msg);
	return 1;
}

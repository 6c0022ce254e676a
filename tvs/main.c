/* tvsd: the Trust Verification Service (docs/tvsd.md). */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buildinfo.h"
#include "daemon.h"
#include "log.h"
#include "loop.h"
#include "tvsmetrics.h"
#include "tvsserver.h"
#include "workers.h"
#include "store.h"

#define MAX_WORKERS 256

static void usage(FILE *f)
{
	fputs("usage: tvsd [-c trustline.conf] [--data-dir DIR] [--node NODE]\n"
	      "            [--listen ADDR] [--port 2445] [--workers N] [--foreground]\n"
	      "            [--check-config] [--pid-file FILE]\n\n"
	      "The Trust Verification Service: answers phones' VERIFY and QUERY\n"
	      "requests over TLS with the node's TVS certificate. See docs/tvsd.md.\n\n"
	      "  -c, --config FILE  the administrator's settings, read over\n"
	      "                   DIR/trustline.conf (default $TRUSTLINE_CONFIG, else\n"
	      "                   /etc/trustline/trustline.conf when it exists)\n"
	      "  --data-dir DIR   the data directory (else $TRUSTLINE_DATA_DIR, else\n"
	      "                   /var/lib/trustline)\n"
	      "  --node NODE      serve as this node's TVS (default: the publisher)\n"
	      "  --listen ADDR    numeric address to bind (default: every address)\n"
	      "  --port N         TCP port (default [tvs] port, 2445; 0 picks one)\n"
	      "  --workers N      processes sharing the port (SO_REUSEPORT)\n"
	      "  --foreground     stay attached and log to standard error\n"
	      "  --check-config   read and check the settings, the TVS identity and the\n"
	      "                   stores, bind nothing, and exit: 0 when it would start\n"
	      "  --pid-file FILE  write the PID of the process that serves to FILE\n", f);
}

typedef struct opts {
	const char *conf, *dir, *node, *listen, *pidfile;
	int port, workers, foreground, check;
} opts;

static int parse(int argc, char **argv, opts *o)
{
	static const struct option lo[] = {
		{ "config", required_argument, 0, 'c' },
		{ "check-config", no_argument, 0, 'C' },
		{ "pid-file", required_argument, 0, 'P' },
		{ "data-dir", required_argument, 0, 'd' },
		{ "node", required_argument, 0, 'n' },
		{ "listen", required_argument, 0, 'l' },
		{ "port", required_argument, 0, 'p' },
		{ "workers", required_argument, 0, 'w' },
		{ "foreground", no_argument, 0, 'f' },
		{ "help", no_argument, 0, 'h' },
		{ "version", no_argument, 0, 'V' },
		{ 0, 0, 0, 0 },
	};
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->port = o->workers = -1;
	while ((c = getopt_long(argc, argv, "c:h", lo, NULL)) != -1) {
		switch (c) {
		case 'c': o->conf = optarg; break;
		case 'd': o->dir = optarg; break;
		case 'n': o->node = optarg; break;
		case 'l': o->listen = optarg; break;
		case 'f': o->foreground = 1; break;
		case 'C': o->check = 1; break;
		case 'P': o->pidfile = optarg; break;
		case 'p':
			o->port = (int)strtol(optarg, &end, 10);
			if (*optarg == 0 || *end || o->port < 0 || o->port > 65535) {
				fprintf(stderr, "tvsd: --port %s: not a port number\n", optarg);
				return 2;
			}
			break;
		case 'w':
			o->workers = (int)strtol(optarg, &end, 10);
			if (*optarg == 0 || *end || o->workers < 1 || o->workers > MAX_WORKERS) {
				fprintf(stderr, "tvsd: --workers %s: give 1 to %d\n", optarg,
					MAX_WORKERS);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			tl_print_version("tvsd");
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tvsd: unexpected argument \"%s\"\n", argv[optind]);
		return 2;
	}
	return -1;
}

/* What SIGHUP reloads in a worker. */
typedef struct hup_ctx {
	const opts *o;
	tl_store *s;
	tl_tvsd *d;
} hup_ctx;

/* SIGHUP: the settings again, then the stores and the identity. The
 * sockets are bound: listen, port and workers stay as they are. A broken
 * file keeps everything as it was. */
static void hup(void *arg)
{
	const hup_ctx *h = arg;
	tl_conf_tvs was = h->s->conf.tvs;
	char v[600];
	tl_err e;

	if (tl_store_reload_conf(h->s, h->o->conf, &e)) {
		tl_log(LOG_ERR, "event=reload_failed error=%s",
		       tl_log_val(e.msg, v, sizeof(v)));
		tl_tvs_metrics_slot()->reloads_failed++;
		return;
	}
	memcpy(h->s->conf.tvs.listen, was.listen, sizeof(was.listen));
	memcpy(h->s->conf.tvs.metrics_listen, was.metrics_listen,
	       sizeof(was.metrics_listen));
	h->s->conf.tvs.port = was.port;
	h->s->conf.tvs.workers = was.workers;
	tl_tvsd_hup(h->d);
}

/* One worker: its own store handle, index and loop. d is NULL in a forked
 * worker, which opens everything itself (an SQLite handle does not
 * survive fork). mfd: its /metrics socket, or -1. */
static int serve(const opts *o, const char *dir, tl_store *s, tl_tvsd *d, int fd,
		 int mfd)
{
	tl_metrics_srv *ms = NULL;
	tl_loop *l = NULL;
	tl_err e;
	int rc = 1;

	if (d == NULL) {
		if (tl_store_open(s, dir, &e) ||
		    (o->conf && tl_store_reload_conf(s, o->conf, &e)))
			goto fail;
		if ((d = tl_tvsd_new(s, o->node, &e)) == NULL)
			goto fail;
	}
	if ((l = tl_loop_new(&e)) == NULL || tl_tvsd_record(d, l, &e) ||
	    tl_tvsd_follow(d, l, o->node, &e) || tl_daemon_drop(s->conf.tvs.user, &e) ||
	    tl_tvsd_serve(d, l, fd, &e))
		goto fail;
	fd = -1;
	if (mfd >= 0 && (ms = tl_metrics_srv_new(l, mfd, &tl_tvs_metrics, s,
						  s->conf.tvs.metrics_allow, &e)) == NULL) {
		mfd = -1;
		goto fail;
	}
	mfd = -1;
	if (tl_daemon_run(l, hup, &(hup_ctx){ o, s, d }, &e) == 0)
		rc = 0;
	else
		goto fail;
	tl_log(LOG_INFO, "event=stop");
	goto out;
fail:
	tl_log(LOG_ERR, "event=fatal error=%s", e.msg);
out:
	if (fd >= 0)
		close(fd);
	if (mfd >= 0)
		close(mfd);
	tl_metrics_srv_free(ms);
	tl_tvsd_free(d);
	tl_loop_free(l);
	tl_store_close(s);
	return rc;
}

/* What a forked worker needs to open everything itself. */
typedef struct worker_ctx {
	const opts *o;
	const char *dir;
	const int *fds, *mfds;
} worker_ctx;

static int worker(void *arg, int i)
{
	const worker_ctx *w = arg;
	tl_store s;

	tl_metrics_set_worker(&tl_tvs_metrics, i);
	return serve(w->o, w->dir, &s, NULL, w->fds[i], w->mfds ? w->mfds[i] : -1);
}

int main(int argc, char **argv)
{
	char dir[PATH_MAX], conf[PATH_MAX];
	int fds[MAX_WORKERS], mfds[MAX_WORKERS], nfd, rc;
	tl_store s;
	tl_tvsd *d;
	tl_err e;
	opts o;

	if ((rc = parse(argc, argv, &o)) >= 0)
		return rc;
	tl_log_open("tvsd", 0);
	if (tl_daemon_paths("tvsd", o.dir, o.conf, dir, conf))
		return 1;
	o.conf = conf[0] ? conf : NULL;
	if (tl_store_open(&s, dir, &e) ||
	    (o.conf && tl_store_reload_conf(&s, o.conf, &e)))
		goto fail;
	if (o.listen)
		snprintf(s.conf.tvs.listen, sizeof(s.conf.tvs.listen), "%s", o.listen);
	if (o.port >= 0)
		s.conf.tvs.port = o.port;
	if (o.workers > 0)
		s.conf.tvs.workers = o.workers;
	/* everything checked, the key loaded and the sockets bound before
	 * detaching: a wrong setting is an error on the terminal */
	if (tl_daemon_user_ok(s.conf.tvs.user, &e) ||
	    (d = tl_tvsd_new(&s, o.node, &e)) == NULL)
		goto fail;
	if (o.check) {
		char what[96];

		snprintf(what, sizeof(what), "configuration, identity and stores "
			 "(%zu entries)", tl_tvsd_entries(d));
		tl_daemon_checked("tvsd", dir, conf, what);
		tl_tvsd_free(d);
		tl_store_close(&s);
		return 0;
	}
	nfd = s.conf.tvs.workers;
	mfds[0] = -1;
	if (tl_daemon_listen(s.conf.tvs.listen, s.conf.tvs.port, nfd, fds, &e) ||
	    (s.conf.tvs.metrics_listen[0] &&
	     tl_metrics_listen(s.conf.tvs.metrics_listen, nfd, mfds, &e)) ||
	    tl_metrics_set_map(&tl_tvs_metrics, nfd, &e)) {
		tl_tvsd_free(d);
		goto fail;
	}
	if (tl_daemon_start("tvsd", o.foreground, o.pidfile, &e))
		goto fail;
	tl_log(LOG_INFO, "event=start listen=%s port=%d workers=%d tls_min=%d.%d "
	       "entries=%zu generation=%ld metrics_port=%d pid=%d",
	       s.conf.tvs.listen[0] ? s.conf.tvs.listen : "*", tl_sock_port(fds[0]),
	       s.conf.tvs.workers, s.conf.tvs.tls_min / 10, s.conf.tvs.tls_min % 10,
	       tl_tvsd_entries(d), tl_store_read_generation(s.dir),
	       mfds[0] >= 0 ? tl_sock_port(mfds[0]) : -1, (int)getpid());
	tl_daemon_ready();
	if (nfd == 1)
		return serve(&o, dir, &s, d, fds[0], mfds[0]);
	{
		worker_ctx w = { &o, dir, fds, mfds[0] >= 0 ? mfds : NULL };
		char user[sizeof(s.conf.tvs.user)];

		snprintf(user, sizeof(user), "%s", s.conf.tvs.user);
		tl_tvsd_free(d);
		tl_store_close(&s);
		return tl_workers_run(nfd, worker, &w, user);
	}
fail:
	fprintf(stderr, "tvsd: %s\n", e.msg);
	return 1;
}

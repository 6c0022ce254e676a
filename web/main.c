/* trustline-web: the administration web page (docs/web.md). */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buildinfo.h"
#include "daemon.h"
#include "log.h"
#include "web.h"

static void usage(FILE *f)
{
	fputs("usage: trustline-web [-c trustline.conf] [--data-dir DIR] [--node NODE]\n"
	      "                     [--listen ADDR] [--port 8443] [--user USER]\n"
	      "                     [--foreground] [--check-config] [--pid-file FILE]\n\n"
	      "The administration web page: Certificate Management, the ITL and CTL,\n"
	      "Devices and CAPF, the Certificate Monitor and the audit log, over HTTPS\n"
	      "with the node's tomcat certificate, for the accounts `trustline admin\n"
	      "add` makes. See docs/web.md.\n\n"
	      "  -c, --config FILE  read the configuration from FILE, not\n"
	      "                   DIR/trustline.conf\n"
	      "  --data-dir DIR   the data directory (else $TRUSTLINE_DATA_DIR, else\n"
	      "                   /var/lib/trustline)\n"
	      "  --node NODE      serve with this node's tomcat certificate (default:\n"
	      "                   the publisher)\n"
	      "  --listen ADDR    numeric address to bind (default: every address)\n"
	      "  --port N         TCP port (default 8443; 0 picks one)\n"
	      "  --user USER      run as USER after binding when started as root; it\n"
	      "                   must be able to write the data directory (default\n"
	      "                   trustline)\n"
	      "  --foreground     stay attached and log to standard error\n"
	      "  --check-config   read the settings and the tomcat identity, bind\n"
	      "                   nothing, and exit: 0 when it would start\n"
	      "  --pid-file FILE  write the PID of the process that serves to FILE\n", f);
}

typedef struct opts {
	const char *conf, *dir, *node, *listen, *pidfile, *user;
	int port, foreground, check;
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
		{ "user", required_argument, 0, 'u' },
		{ "foreground", no_argument, 0, 'f' },
		{ "help", no_argument, 0, 'h' },
		{ "version", no_argument, 0, 'V' },
		{ 0, 0, 0, 0 },
	};
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->port = 8443;
	o->user = "trustline";
	while ((c = getopt_long(argc, argv, "c:h", lo, NULL)) != -1) {
		switch (c) {
		case 'c': o->conf = optarg; break;
		case 'd': o->dir = optarg; break;
		case 'n': o->node = optarg; break;
		case 'l': o->listen = optarg; break;
		case 'u': o->user = optarg; break;
		case 'f': o->foreground = 1; break;
		case 'C': o->check = 1; break;
		case 'P': o->pidfile = optarg; break;
		case 'p':
			o->port = (int)strtol(optarg, &end, 10);
			if (*optarg == 0 || *end || o->port < 0 || o->port > 65535) {
				fprintf(stderr, "trustline-web: --port %s: not a port number\n",
					optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		case 'V': tl_print_version("trustline-web"); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "trustline-web: unexpected argument \"%s\"\n", argv[optind]);
		return 2;
	}
	return -1;
}

int main(int argc, char **argv)
{
	char dir[PATH_MAX], conf[PATH_MAX];
	static tl_web w;	/* the session table is large */
	tl_loop *l = NULL;
	const char *node;
	int fd = -1, port, rc;
	tl_store s;
	tl_err e;
	opts o;

	if ((rc = parse(argc, argv, &o)) >= 0)
		return rc;
	tl_log_open("trustline-web", 0);
	if (tl_daemon_paths("trustline-web", o.dir, o.conf, dir, conf))
		return 1;
	if (tl_store_open(&s, dir, &e) || (o.conf && tl_conf_load(&s.conf, conf, &e)) ||
	    tl_daemon_user_ok(o.user, &e))
		goto fail;
	node = o.node ? o.node : s.conf.nodes[0];
	w.s = &s;
	/* the identity and the socket before detaching: a wrong setting is an
	 * error on the terminal */
	if ((l = tl_loop_new(&e)) == NULL)
		goto fail;
	if (o.check) {
		tl_cert *c;
		tl_key *k;

		if (tl_store_identity_load(&s, "tomcat", node, &c, &k, &e))
			goto fail;
		tl_cert_free(c);
		tl_key_free(k);
		printf("trustline-web: %s: configuration and tomcat identity of %s OK\n",
		       dir, node);
		tl_loop_free(l);
		tl_store_close(&s);
		return 0;
	}
	if (tl_daemon_listen(o.listen, o.port, 1, &fd, &e) ||
	    tl_web_serve(&w, l, fd, node, &e))
		goto fail;
	port = tl_sock_port(fd);
	fd = -1;	/* the server's now */
	if (tl_daemon_start("trustline-web", o.foreground, o.pidfile, &e) ||
	    tl_daemon_drop(o.user, &e))
		goto fail;
	tl_log(LOG_INFO, "event=start listen=%s port=%d node=%s pid=%d",
	       o.listen ? o.listen : "*", port, node, (int)getpid());
	tl_daemon_ready();
	rc = tl_daemon_run(l, tl_web_hup, &w, &e) ? 1 : 0;
	if (rc)
		tl_log(LOG_ERR, "event=fatal error=%s", e.msg);
	tl_log(LOG_INFO, "event=stop");
	tl_web_free(&w);
	tl_loop_free(l);
	tl_store_close(&s);
	return rc;
fail:
	fprintf(stderr, "trustline-web: %s\n", e.msg);
	if (fd >= 0)
		close(fd);
	tl_web_free(&w);
	tl_loop_free(l);
	tl_store_close(&s);
	return 1;
}

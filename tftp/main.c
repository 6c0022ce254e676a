/* tftpd: TFTP and HTTP provisioning from the data directory (docs/tftpd.md). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buildinfo.h"
#include "daemon.h"
#include "generate.h"
#include "log.h"
#include "namespace.h"
#include "store.h"
#include "tftpd.h"
#include "tftpdstart.h"
#include "tftpdworkers.h"
#include "tftpmetrics.h"

static void usage(FILE *f)
{
	fputs(
"usage: tftpd [-c trustline.conf] [--data-dir DIR] [--listen ADDR] [--port 69]\n"
"             [--http-port 6970] [--foreground] [--workers N] [--check-config]\n"
"             [--pid-file FILE] [--node NAME] [--chroot]\n"
"\n"
"Serves the data directory's generated files and tftpboot/ to phones over\n"
"TFTP (read requests only) and HTTP. Settings come from the [tftp] section\n"
"of trustline.conf; the options override them.\n"
"\n"
"  -c, --config FILE  the administrator's settings, read over\n"
"                     DIR/trustline.conf (default $TRUSTLINE_CONFIG, else\n"
"                     /etc/trustline/trustline.conf when it exists)\n"
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
"  --node NAME        the TFTP node this tftpd is (default [tftp] node, else\n"
"                     the first TFTP node): its CallManager key signs the\n"
"                     configurations, and it serves an ITL signed by that key\n"
"                     (without a node set, tftpboot/ITLFile.tlv as it is)\n"
"  --chroot           chroot into the data directory once loaded, before\n"
"                     giving root up (as [tftp] chroot = yes; needs root)\n"
"\n"
"Started as root, tftpd binds its ports, then runs as [tftp] user (default\n"
"nobody). SIGHUP reloads the files and settings; SIGTERM lets transfers\n"
"finish (3 s at most) and exits 0.\n", f);
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
		{ "node", required_argument, 0, 'N' },
		{ "chroot", no_argument, 0, 'R' },
		{ 0, 0, 0, 0 },
	};
	int check = 0, chroot_opt = 0;
	const char *node = NULL;
	tl_tftpd_opts o = { .port = -1, .http_port = -2, .workers = 1 };
	char dir[PATH_MAX], conf[PATH_MAX];
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
			if (port_arg(optarg, 1, &o.workers) ||
			    o.workers > TL_TFTPD_WORKERS_MAX)
				goto bad;
			break;
		case 'h': usage(stdout); return 0;
		case 'V': tl_print_version("tftpd"); return 0;
		case 'C': check = 1; break;
		case 'P': o.pidfile = optarg; break;
		case 'N': node = optarg; break;
		case 'R': chroot_opt = 1; break;
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
	if (tl_daemon_paths("tftpd", o.dir, o.conf, dir, conf))
		return 1;
	o.dir = dir;
	o.conf = conf[0] ? conf : NULL;
	tl_tftp_gen_init(&gen);
	ns = tl_tftp_ns_open(tl_store_default_dir(o.dir), o.conf, node,
			     tl_tftp_generate, &gen, &e);
	if (ns == NULL) {
		fprintf(stderr, "tftpd: %s\n", e.msg);
		tl_tftp_gen_free(&gen);
		return 1;
	}
	chroot_opt |= tl_tftp_ns_conf(ns)->tftp.chroot;
	if (chroot_opt && tl_tftpd_chroot_ready(&o, ns, &e)) {
		fprintf(stderr, "tftpd: %s\n", e.msg);
		tl_tftp_ns_free(ns);
		tl_tftp_gen_free(&gen);
		return 1;
	}
	/* everything a start reads has been read and checked: no port bound */
	if (check) {
		char what[160];

		snprintf(what, sizeof(what), "configuration and keys of TFTP node %s",
			 tl_conf_tftp_node(tl_tftp_ns_conf(ns)));
		tl_daemon_checked("tftpd", dir, conf, what);
		tl_tftp_ns_free(ns);
		tl_tftp_gen_free(&gen);
		return 0;
	}
	if (!o.foreground && tl_tftpd_detach(&ready)) {
		fprintf(stderr, "tftpd: cannot detach: %s\n", strerror(errno));
		tl_tftp_ns_free(ns);
		return 1;
	}
	if (o.pidfile && tl_daemon_pidfile(o.pidfile, getpid(), &e)) {
		fprintf(stderr, "tftpd: %s\n", e.msg);
		tl_tftp_ns_free(ns);
		return 1;
	}
	if (tl_tftp_metrics_init(o.workers, &e) ||
	    (chroot_opt && tl_tftpd_chroot(&o, ns, &e))) {
		fprintf(stderr, "tftpd: %s\n", e.msg);
		tl_tftp_ns_free(ns);
		return 1;
	}
	rc = o.workers > 1 ? tl_tftpd_supervise(&o, ns, ready) :
	     tl_tftpd_serve(&o, ns, ready);
	tl_tftp_ns_free(ns);
	tl_tftp_gen_free(&gen);
	return rc;
bad:
	fputs("tftpd: bad option or value; see `tftpd --help`\n", stderr);
	return 2;
}

/* One tftpd process that serves: it binds the TFTP and HTTP ports, gives
 * up root, then serves the namespace until SIGTERM, reloading it on SIGHUP
 * and whenever the data directory changes (tftpdreload.h). main.c runs one
 * of them, or a supervisor runs several (tftpdworkers.h). */
#ifndef TL_TFTPD_H
#define TL_TFTPD_H

#include "namespace.h"

/* The command line: port -1 and http_port -2 when not given. */
typedef struct tl_tftpd_opts {
	const char *conf, *dir, *listen, *pidfile;
	int port, http_port, foreground, workers;
} tl_tftpd_opts;

/* Binds, drops privileges, tells the parent it is serving (ready >= 0),
 * serves until SIGTERM. Returns the exit status. */
int tl_tftpd_serve(const tl_tftpd_opts *o, tl_tftp_ns *ns, int ready);

#endif

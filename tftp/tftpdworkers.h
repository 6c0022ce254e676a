/* --workers: several tftpd processes share the ports (SO_REUSEPORT). */
#ifndef TL_TFTPD_WORKERS_H
#define TL_TFTPD_WORKERS_H

#include "namespace.h"
#include "tftpd.h"

#define TL_TFTPD_WORKERS_MAX 256

/* Starts o->workers serving processes from ns, waits until each serves,
 * tells ready (as tl_tftpd_ready), then forwards SIGTERM and SIGHUP to
 * them and reaps them. Returns the exit status. */
int tl_tftpd_supervise(const tl_tftpd_opts *o, tl_tftp_ns *ns, int ready);

#endif

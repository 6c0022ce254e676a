/* How tftpd becomes a daemon: it detaches without losing the terminal
 * until it serves (so a start that fails says why and exits 1), gives up
 * root once its ports are bound, and tells whoever waits that it serves. */
#ifndef TL_TFTPD_START_H
#define TL_TFTPD_START_H

#include "err.h"
#include "tftpd.h"

/* Without --foreground: the terminal's process waits until the daemon
 * serves (exit 0) or has failed and said why on standard error (exit 1).
 * In the daemon, *ready is the descriptor tl_tftpd_ready writes to. */
int tl_tftpd_detach(int *ready);
/* Tells whoever waits (the terminal's process through ready >= 0, or the
 * supervisor) that this process serves; a detached one then lets go of
 * the terminal and logs to syslog. */
int tl_tftpd_ready(int ready, int detached);
/* Root binds, then gives root up for good (unless configured to stay). */
int tl_tftpd_drop(const char *user, tl_err *e);
/* [tftp] chroot: whether tftpd could serve chrooted into o->dir (its
 * random generator seeds without /dev/urandom; its database is reached
 * from inside), keeping open the administrator's file and the database's
 * password file, which are outside and read again at each reload.
 * --check-config stops here. */
int tl_tftpd_chroot_ready(const tl_tftpd_opts *o, const tl_tftp_ns *ns,
			  tl_err *e);
/* Then, as root, with everything loaded: connects to syslog when it will
 * detach, chroots into o->dir, and makes o->dir and ns's directory "/". */
int tl_tftpd_chroot(tl_tftpd_opts *o, tl_tftp_ns *ns, tl_err *e);

#endif

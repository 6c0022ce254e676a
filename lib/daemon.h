/* What every daemon does once at start: detach from the terminal and, when
 * started as root, become an unprivileged user once its sockets are bound
 * and its keys are loaded. */
#ifndef TL_DAEMON_H
#define TL_DAEMON_H

#include <sys/types.h>

#include "err.h"
#include "loop.h"

/* Forks into the background in a new session, with standard input, output
 * and error on /dev/null; the parent exits 0. The caller logs to syslog
 * from then on. */
int tl_daemon_detach(const char *pidfile, tl_err *e);
/* Writes the PID of the process that serves to path (atomically, 0644), for
 * --pid-file: the parent of a detached daemon writes its child's before it
 * exits. */
int tl_daemon_pidfile(const char *path, pid_t who, tl_err *e);
/* Whether user exists: checked before a daemon says it started, run as
 * root or not, so a typo is an error at once and not at the first start
 * as root. */
int tl_daemon_user_ok(const char *user, tl_err *e);
/* When running as root: switches to user's uid, gid and no supplementary
 * groups (for good: a saved uid of 0 is dropped too). A no-op otherwise. */
int tl_daemon_drop(const char *user, tl_err *e);
/* As root: makes dir the root directory (and the working directory), once
 * user's ids are known, so tl_daemon_drop and tl_daemon_user_ok still
 * find user inside. Not as root: an error. */
int tl_daemon_chroot(const char *dir, const char *user, tl_err *e);

/* The data directory (dir, else the default) and the administrator's file
 * (the -c file conf, else tl_conf_admin_path's; "" when there is none) as
 * absolute paths in dirpath and confpath (PATH_MAX each): a detached daemon
 * leaves the directory it was started in, and each worker opens both again.
 * A missing one is said on standard error, as prog. */
int tl_daemon_paths(const char *prog, const char *dir, const char *conf,
		    char *dirpath, char *confpath);
/* --check-config's line on standard output: prog would start from dir
 * (what it checked, e.g. "configuration and keys") and the configuration
 * files it read, the administrator's conf ("" = none) last. */
void tl_daemon_checked(const char *prog, const char *dir, const char *conf,
		       const char *what);
/* One listening TCP socket per worker in fds[n] on addr and port (0: the
 * first picks one, the others share it), with SO_REUSEPORT when n > 1. */
int tl_daemon_listen(const char *addr, int port, int n, int *fds, tl_err *e);
/* Everything checked and bound: detaches and logs to syslog as prog from
 * then on, or, in the foreground, only writes the pid file (NULL: none). */
int tl_daemon_start(const char *prog, int foreground, const char *pidfile,
		    tl_err *e);
/* Runs a worker's loop l, with what it serves already on it, until SIGTERM
 * or SIGINT; SIGHUP calls hup(arg). */
int tl_daemon_run(tl_loop *l, tl_ev_fn hup, void *arg, tl_err *e);

/* Serving now: tells systemd so when a Type=notify unit started the
 * daemon (libsystemd's sd_notify: READY=1 to $NOTIFY_SOCKET); a failure is logged. */
void tl_daemon_ready(void);

/* Each connection or transfer holds a descriptor: raises the open-file
 * limit to the hard limit and, when *n of them and reserve more do not fit,
 * lowers *n to what does and logs event=limits naming key. */
void tl_daemon_fit_files(unsigned *n, unsigned reserve, const char *key);

/* Acting as another user for a while: a root process that must read files
 * before it drops its privileges reads them with that user's rights (the
 * effective ids and groups only; every thread). */
typedef struct tl_daemon_as {
	int active;
	gid_t egid;
	int ngroups;
	gid_t groups[64];
} tl_daemon_as;
/* When running as root and user is not root: takes user's effective uid and
 * gid with no supplementary groups. A no-op otherwise. */
int tl_daemon_as_begin(const char *user, tl_daemon_as *as, tl_err *e);
/* Back to root, as before tl_daemon_as_begin. */
void tl_daemon_as_end(tl_daemon_as *as);
/* Whether user (acting as it when root) may write each path of the
 * NULL-terminated list that exists: a daemon that writes after dropping
 * root says so before it starts, not at its first write. */
int tl_daemon_may_write(const char *user, const char *const *paths, tl_err *e);

#endif

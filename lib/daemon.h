/* What every daemon does once at start: detach from the terminal and, when
 * started as root, become an unprivileged user once its sockets are bound
 * and its keys are loaded. */
#ifndef TL_DAEMON_H
#define TL_DAEMON_H

#include "err.h"

/* Forks into the background in a new session, with standard input and
 * output on /dev/null; the parent exits 0. Standard error is kept until the
 * caller switches its log to syslog. */
int tl_daemon_detach(tl_err *e);
/* When running as root: switches to user's uid, gid and no supplementary
 * groups (for good: a saved uid of 0 is dropped too). A no-op otherwise. */
int tl_daemon_drop(const char *user, tl_err *e);

#endif

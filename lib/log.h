/* The servers' log: one `key=value` line per event, to standard error or,
 * once a daemon has detached, to syslog. */
#ifndef TL_LOG_H
#define TL_LOG_H

#include <stddef.h>
#include <syslog.h>

/* ident prefixes every line; to_syslog sends lines to syslog (daemon
 * facility) instead of standard error. */
void tl_log_open(const char *ident, int to_syslog);
/* Connects to syslog's socket (/dev/log) now, lines still going where they
 * went: a daemon that will chroot, and only later log to syslog, connects
 * while the socket can be reached. tl_log_open(ident, 1) keeps it. */
void tl_log_connect(const char *ident);
void tl_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Lines to standard error are held in memory until tl_log_flush writes
 * them at once: a server logging a line per request then writes once per
 * round of its loop, not once per request. wake(arg) is called when a line
 * is held first after a flush, to arrange for the flush (tvsd: a timer of
 * 0 ms, at the end of the loop's current round); a crash loses that round's
 * lines. NULL writes what is held and writes each line at once again.
 * Syslog lines are always sent at once. The held lines are not locked:
 * only for a process whose lines all come from one thread. */
void tl_log_hold(void (*wake)(void *), void *arg);
void tl_log_flush(void);

/* s made safe as a value: unchanged when it is plain, else in double quotes
 * with '"', '\\' and bytes outside printable ASCII escaped, so a file name
 * a client sent can neither forge a key nor break the line. Returns out. */
const char *tl_log_val(const char *s, char *out, size_t n);

#endif

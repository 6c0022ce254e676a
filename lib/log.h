/* The servers' log: one `key=value` line per event, to standard error or,
 * once a daemon has detached, to syslog. */
#ifndef TL_LOG_H
#define TL_LOG_H

#include <stddef.h>
#include <syslog.h>

/* ident prefixes every line; to_syslog sends lines to syslog (daemon
 * facility) instead of standard error. */
void tl_log_open(const char *ident, int to_syslog);
void tl_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* s made safe as a value: unchanged when it is plain, else in double quotes
 * with '"', '\\' and bytes outside printable ASCII escaped, so a file name
 * a client sent can neither forge a key nor break the line. Returns out. */
const char *tl_log_val(const char *s, char *out, size_t n);

#endif

#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *log_ident = "trustline";
static int log_syslog;
static int log_journal;	/* stderr is systemd's journal stream */
static void (*hold_wake)(void *);
static void *hold_arg;
static char held[16384];	/* whole lines, for one write */
static size_t held_len;

/* systemd sets JOURNAL_STREAM to the device and inode of the stream it
 * gave as stderr; a "<N>" prefix there is the line's priority. */
static int stderr_is_journal(void)
{
	const char *v = getenv("JOURNAL_STREAM");
	unsigned long dev, ino;
	struct stat st;

	return v && sscanf(v, "%lu:%lu", &dev, &ino) == 2 &&
	       fstat(STDERR_FILENO, &st) == 0 && (unsigned long)st.st_dev == dev &&
	       (unsigned long)st.st_ino == ino;
}

void tl_log_open(const char *ident, int to_syslog)
{
	log_ident = ident;
	log_syslog = to_syslog;
	log_journal = !to_syslog && stderr_is_journal();
	if (to_syslog)
		tl_log_connect(ident);
}

void tl_log_connect(const char *ident)
{
	openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void tl_log(int prio, const char *fmt, ...)
{
	char line[1024], pfx[8] = "";
	va_list ap;

	if (log_journal)
		snprintf(pfx, sizeof(pfx), "<%d>", prio & LOG_PRIMASK);
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (log_syslog) {
		syslog(prio, "%s", line);
	} else if (hold_wake) {
		int n = snprintf(held + held_len, sizeof(held) - held_len, "%s%s: %s\n",
				 pfx, log_ident, line);

		if (n >= (int)(sizeof(held) - held_len)) {
			tl_log_flush();
			n = snprintf(held, sizeof(held), "%s%s: %s\n", pfx, log_ident, line);
		}
		if (held_len == 0)
			hold_wake(hold_arg);
		held_len += (size_t)n;
	} else {
		fprintf(stderr, "%s%s: %s\n", pfx, log_ident, line);
	}
}

void tl_log_hold(void (*wake)(void *), void *arg)
{
	tl_log_flush();
	hold_wake = wake;
	hold_arg = arg;
}

void tl_log_flush(void)
{
	size_t off = 0;

	while (off < held_len) {
		ssize_t n = write(STDERR_FILENO, held + off, held_len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;	/* a log that cannot be written loses lines, not the service */
		off += (size_t)n;
	}
	held_len = 0;
}

const char *tl_log_val(const char *s, char *out, size_t n)
{
	size_t o = 0;
	int plain = *s != 0;

	for (const char *p = s; *p && plain; p++)
		plain = *p > ' ' && *p < 127 && *p != '"' && *p != '=' && *p != '\\';
	if (plain) {
		snprintf(out, n, "%s", s);
		return out;
	}
	if (n < 3) {
		if (n)
			*out = 0;
		return out;
	}
	out[o++] = '"';
	/* by hand, not a snprintf per character: tvsd quotes a subject and
	 * an issuer in every request's line */
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		static const char digits[] = "0123456789abcdef";
		char esc[4] = { (char)*p };
		size_t k = 1;

		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			k = 2;
		} else if (*p < ' ' || *p >= 127) {
			memcpy(esc, "\\x", 2);
			esc[2] = digits[*p >> 4];
			esc[3] = digits[*p & 15];
			k = 4;
		}
		if (o + k + 2 > n)
			break;
		memcpy(out + o, esc, k);
		o += k;
	}
	out[o++] = '"';
	out[o] = 0;
	return out;
}

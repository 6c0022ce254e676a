/* The intent journal of a cascade (pki.h). One entry at most, in the state
 * table: "<purpose> <node> <replaced> <sha256 of the new certificate>
 * <pid> <start time of that process>". The process identity tells a
 * cascade still running in another command (left alone) from one whose
 * process is gone (completed). */
#include "pki.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define JOURNAL "cascade_pending"

/* Field 22 of /proc/PID/stat: when the process started, in clock ticks
 * since boot; with the pid, it names one process across pid reuse. */
static unsigned long long start_time(long pid)
{
	char path[64], buf[1024], *p;
	unsigned long long t = 0;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	/* after the command name, which may hold spaces and parentheses */
	if ((p = strrchr(buf, ')')) == NULL)
		return 0;
	p++;
	for (int field = 3; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (p)
		t = strtoull(p + 1, NULL, 10);
	return t;
}

int tl_pki_journal_begin(tl_store *s, const tl_purpose *p, const char *node,
			 const tl_cert *old, const tl_cert *new_cert, tl_err *e)
{
	char v[512], fp[65];
	long pid = (long)getpid();

	tl_store_fingerprint(new_cert, fp);
	snprintf(v, sizeof(v), "%s %s %d %s %ld %llu", p->name, node, old != NULL,
		 fp, pid, start_time(pid));
	return tl_store_set(s, JOURNAL, v, e);
}

int tl_pki_journal_end(tl_store *s, tl_err *e)
{
	return tl_store_set(s, JOURNAL, "", e);
}

typedef struct entry {
	char purpose[64], node[128], sha[65];
	int replaced;
	long pid;
	unsigned long long started;
} entry;

/* 1 when an entry is there and its process is gone. */
static int dead_entry(tl_store *s, entry *en)
{
	char v[512];

	if (!tl_store_get(s, JOURNAL, v, sizeof(v)) || !v[0])
		return 0;
	memset(en, 0, sizeof(*en));
	if (sscanf(v, "%63s %127s %d %64s %ld %llu", en->purpose, en->node,
		   &en->replaced, en->sha, &en->pid, &en->started) != 6)
		return 1;	/* unreadable: nothing to complete, cleared below */
	if (en->pid == (long)getpid())
		return 0;
	if (kill((pid_t)en->pid, 0) == 0 || errno == EPERM)
		return start_time(en->pid) != en->started;
	return 1;
}

void tl_pki_journal_pending(tl_store *s, char *what, size_t n)
{
	entry en;

	what[0] = 0;
	if (dead_entry(s, &en))
		snprintf(what, n, "`cert generate` or `cert import` of %s for %s was "
			 "interrupted before the trust lists followed it", en.purpose,
			 en.node);
}

/* Completes the dead entry: when the new certificate is the identity now
 * (the store rolled the replacement forward), the cascade runs again in
 * full; when it is not (rolled back), nothing changed and the entry goes. */
static void complete(tl_store *s, FILE *report)
{
	const tl_purpose *p;
	char fp[65];
	tl_cert *cur = NULL;
	entry en;
	tl_err e;

	if (!dead_entry(s, &en))
		return;
	p = tl_purpose_find(en.purpose);
	if (p == NULL || !tl_store_identity_exists(s, p->name, en.node) ||
	    tl_store_identity_load(s, p->name, en.node, &cur, NULL, &e)) {
		tl_pki_journal_end(s, &e);
		return;
	}
	tl_store_fingerprint(cur, fp);
	if (strcmp(fp, en.sha) != 0) {
		if (report)
			fprintf(report, "trustline: an interrupted change of %s for %s "
				"never took effect; nothing to complete\n", p->name,
				en.node);
		tl_pki_journal_end(s, &e);
	} else {
		if (report)
			fprintf(report, "trustline: completing the interrupted change of "
				"%s for %s (process %ld):\n", p->name, en.node, en.pid);
		if (tl_pki_cascade(s, p, en.node, NULL, en.replaced, cur, 1, report,
				   &e) && report)
			fprintf(report, "trustline: could not complete it: %s; the trust "
				"lists may not match the stores: run `trustline cert "
				"check`\n", e.msg);
	}
	tl_cert_free(cur);
}

int tl_pki_store_open(tl_store *s, const char *dir, FILE *report, tl_err *e)
{
	if (tl_store_open(s, dir, e))
		return -1;
	complete(s, report);
	return 0;
}

#include "metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "alarm.h"

int tl_metrics_map(tl_metrics *m, size_t slot_size, int nslots, tl_err *e)
{
	size_t len = slot_size * (size_t)nslots;
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		       -1, 0);

	if (p == MAP_FAILED)
		return tl_fail(e, "shared memory for the counters (%zu bytes): %s", len,
			       strerror(errno));
	m->base = p;	/* zeroed by the kernel */
	m->slot_size = slot_size;
	m->nslots = nslots;
	return 0;
}

void *tl_metrics_slot(const tl_metrics *m, int i)
{
	return m->base + (size_t)i * m->slot_size;
}

static uint64_t sum(const tl_metrics *m, size_t offset)
{
	uint64_t v = 0;

	/* another worker writes its slot meanwhile: each load whole */
	for (int i = 0; i < m->nslots; i++)
		v += __atomic_load_n((uint64_t *)(m->base + (size_t)i * m->slot_size +
						   offset), __ATOMIC_RELAXED);
	return v;
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void tl_metrics_write(FILE *f, const tl_metrics *m, const tl_metric *defs,
		      size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || strcmp(defs[i].name, defs[i - 1].name))
			family(f, defs[i].name, defs[i].type, defs[i].help);
		fprintf(f, "%s%s%s%s %llu\n", defs[i].name, defs[i].labels[0] ? "{" : "",
			defs[i].labels, defs[i].labels[0] ? "}" : "",
			(unsigned long long)sum(m, defs[i].offset));
	}
}

void tl_metrics_label(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

typedef struct tally {
	char names[64][48];
	unsigned count[64];
	size_t n;
} tally;

static int count_alarm(void *arg, const tl_alarm *a)
{
	tally *t = arg;
	size_t i;

	for (i = 0; i < t->n && strcmp(t->names[i], a->name); i++)
		;
	if (i == t->n) {
		if (t->n == sizeof(t->names) / sizeof(t->names[0]))
			return 0;	/* more names than trustline has */
		snprintf(t->names[t->n++], sizeof(t->names[0]), "%s", a->name);
	}
	t->count[i]++;
	return 0;
}

void tl_metrics_alarms(FILE *f, tl_store *s)
{
	tally t = { .n = 0 };
	tl_err e;

	family(f, "trustline_alarms_raised", "gauge",
	       "Alarms raised now in trustline.db, by alarm name (a name absent: none)");
	if (s == NULL || tl_alarm_each(s, NULL, count_alarm, &t, &e))
		return;
	for (size_t i = 0; i < t.n; i++) {
		fputs("trustline_alarms_raised{name=\"", f);
		tl_metrics_label(f, t.names[i]);
		fprintf(f, "\"} %u\n", t.count[i]);
	}
}

int tl_metrics_peer_allowed(const char *peer, const char *allow)
{
	char host[64], list[256], *save = NULL;
	const char *end;
	struct in6_addr a6;
	struct in_addr a4;
	size_t len;

	if (peer[0] == '[') {
		peer++;
		end = strchr(peer, ']');
	} else {
		end = strrchr(peer, ':');
	}
	len = end ? (size_t)(end - peer) : strlen(peer);
	if (len >= sizeof(host))
		return 0;
	memcpy(host, peer, len);
	host[len] = 0;
	if (inet_pton(AF_INET, host, &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127)
		return 1;
	if (inet_pton(AF_INET6, host, &a6) == 1 &&
	    (IN6_IS_ADDR_LOOPBACK(&a6) ||
	     (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127)))
		return 1;
	snprintf(list, sizeof(list), "%s", allow ? allow : "");
	for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char want[64];
		size_t n = strlen(tok);

		/* the configuration may bracket an IPv6 address */
		if (tok[0] == '[' && n > 2 && tok[n - 1] == ']')
			snprintf(want, sizeof(want), "%.*s", (int)(n - 2), tok + 1);
		else
			snprintf(want, sizeof(want), "%s", tok);
		if (!strcmp(want, host))
			return 1;
	}
	return 0;
}

#include "metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "alarm.h"
#include "daemon.h"

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

int tl_metrics_set_map(tl_metrics_set *m, int workers, tl_err *e)
{
	return tl_metrics_map(&m->shared, m->slot_size, workers > 0 ? workers : 1, e);
}

void tl_metrics_set_worker(tl_metrics_set *m, int i)
{
	m->worker = i;
}

void *tl_metrics_set_slot(const tl_metrics_set *m)
{
	return m->shared.base ? tl_metrics_slot(&m->shared, m->worker) : m->own;
}

static void release(void *ctx)
{
	free(ctx);
}

int tl_metrics_http(const tl_metrics_set *m, tl_store *s, const char *allow,
		    const char *peer, tl_http_body *body)
{
	tl_metrics mine = { m->own, m->slot_size, 1 };
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (!tl_metrics_peer_allowed(peer, allow))
		return 403;
	if ((f = open_memstream(&text, &len)) == NULL)
		return 503;
	tl_metrics_write(f, m->shared.base ? &m->shared : &mine, m->defs, m->ndefs);
	tl_metrics_alarms(f, s);
	if (fclose(f)) {
		free(text);
		return 503;
	}
	body->data = text;
	body->len = len;
	body->type = TL_METRICS_TYPE;
	body->done = release;
	body->ctx = text;
	return 200;
}

struct tl_metrics_srv {
	tl_http *http;
	const tl_metrics_set *m;
	tl_store *s;
	const char *allow;
};

int tl_metrics_listen(const char *spec, int n, int *fds, tl_err *e)
{
	char addr[64];
	int port;

	if (tl_conf_metrics_listen(spec, addr, sizeof(addr), &port, e))
		return tl_wrap(e, "metrics_listen = %s", spec);
	if (tl_daemon_listen(addr, port, n, fds, e))
		return tl_wrap(e, "metrics_listen = %s", spec);
	return 0;
}

static int on_request(void *arg, const char *path, const char *peer,
		      tl_http_body *body)
{
	tl_metrics_srv *srv = arg;

	if (strcmp(path, "/metrics"))
		return 404;
	return tl_metrics_http(srv->m, srv->s, srv->allow, peer, body);
}

tl_metrics_srv *tl_metrics_srv_new(tl_loop *l, int fd, const tl_metrics_set *m,
				   tl_store *s, const char *allow, tl_err *e)
{
	tl_metrics_srv *srv = calloc(1, sizeof(*srv));

	if (srv == NULL) {
		close(fd);
		tl_fail(e, "out of memory");
		return NULL;
	}
	srv->m = m;
	srv->s = s;
	srv->allow = allow;
	/* a scrape is one short request: an idle client is not kept long */
	if ((srv->http = tl_http_new(l, fd, 10, on_request, srv, e)) == NULL) {
		free(srv);
		return NULL;
	}
	return srv;
}

void tl_metrics_srv_free(tl_metrics_srv *srv)
{
	if (srv == NULL)
		return;
	tl_http_free(srv->http);
	free(srv);
}

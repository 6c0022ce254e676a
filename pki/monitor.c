/* The certificate expiry monitor: every identity, trust and issued
 * certificate against the alarm thresholds administrators know. Each
 * certificate's alarm is kept in the alarm table, so that its raise and
 * its clear are delivered once (pki/deliver.c), not at every check. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alarm.h"
#include "capfdb.h"
#include "deliver.h"
#include "devdb.h"
#include "json.h"
#include "pki.h"

static const char *const expiry_alarms[] = {
	"CertExpired", "CertValidLessThanADay", "CertValidfor7days",
	"CertValidLessThanMonth", "CertValidityOver30Days",
};
#define NEXPIRY (sizeof(expiry_alarms) / sizeof(expiry_alarms[0]))

/* Alarm for a certificate with `left` seconds of validity. */
static const char *alarm_for(long left, int notify_days, int *critical)
{
	*critical = 1;
	if (left < 0)
		return "CertExpired";
	if (left < 86400)
		return "CertValidLessThanADay";
	if (left <= 7 * 86400L)
		return "CertValidfor7days";
	*critical = 0;
	if (left <= 30 * 86400L)
		return "CertValidLessThanMonth";
	if (left <= notify_days * 86400L)
		return "CertValidityOver30Days";
	return NULL;
}

typedef struct mon {
	FILE *out;
	json_t *all;		/* --json: the alarms, written at the end */
	int notify_days, worst, count;
	time_t now;
	tl_store *s;
	char (*seen)[512];	/* the objects checked, for alarms of removed ones */
	size_t nseen;
	int failed;		/* a database error: stop */
	tl_err *e;
} mon;

/* Keeps the stored expiry alarm of one object at `alarm` (NULL: none). A
 * move to another threshold replaces the old alarm silently: the new
 * raise says it all. */
static void track(mon *m, const char *object, const char *alarm,
		  const char *severity, const char *detail)
{
	tl_alarm a = { .raised = m->now };
	int was = 0, rc;

	snprintf(a.object, sizeof(a.object), "%s", object);
	snprintf(a.severity, sizeof(a.severity), "%s", severity);
	snprintf(a.detail, sizeof(a.detail), "%s", detail);
	for (size_t i = 0; i < NEXPIRY; i++) {
		if (alarm && !strcmp(alarm, expiry_alarms[i]))
			continue;
		if ((rc = tl_alarm_clear(m->s, expiry_alarms[i], object, m->e)) < 0)
			m->failed = 1;
		if (rc == 1 && !was) {
			was = 1;
			snprintf(a.name, sizeof(a.name), "%s", expiry_alarms[i]);
		}
	}
	if (alarm == NULL) {
		if (was)
			tl_deliver_change(m->s, &a, 0);
		return;
	}
	snprintf(a.name, sizeof(a.name), "%s", alarm);
	if ((rc = tl_alarm_raise(m->s, alarm, object, severity, detail, m->e)) < 0)
		m->failed = 1;
	if (rc == 1)
		tl_deliver_change(m->s, &a, 1);
}

static void report(mon *m, const char *usage, const char *group,
		   const char *name, const char *subject, time_t not_after)
{
	long left = (long)(not_after - m->now);
	int critical;
	const char *alarm = alarm_for(left, m->notify_days, &critical);
	char until[32], object[512], detail[512];
	struct tm tm;
	char (*seen)[512] = realloc(m->seen, (m->nseen + 1) * sizeof(*seen));

	snprintf(object, sizeof(object), "%s/%s/%s", usage, group, name);
	if (seen) {
		m->seen = seen;
		snprintf(seen[m->nseen++], sizeof(*seen), "%s", object);
	}
	strftime(until, sizeof(until), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&not_after, &tm));
	snprintf(detail, sizeof(detail), left < 0 ? "%s expired %s (%ld days ago)" :
		 "%s expires %s: %ld days left", subject, until,
		 labs(left) / 86400);
	track(m, object, alarm, critical ? "critical" : "warning", detail);
	if (alarm == NULL)
		return;
	if (m->worst < (critical ? 2 : 1))
		m->worst = critical ? 2 : 1;
	if (m->all) {
		json_t *o = json_object();

		json_object_set_new(o, "alarm", json_string(alarm));
		json_object_set_new(o, "severity", json_string(critical ? "critical" :
								 "warning"));
		json_object_set_new(o, "usage", json_string(usage));
		json_object_set_new(o, "group", tl_json_text(group));
		json_object_set_new(o, "name", tl_json_text(name));
		json_object_set_new(o, "subject", tl_json_text(subject));
		json_object_set_new(o, "not_after", tl_json_time(not_after));
		json_object_set_new(o, "days_left", json_integer(left / 86400));
		json_array_append_new(m->all, o);
	} else {
		fprintf(m->out, "alarm=%s severity=%s usage=%s group=%s name=%s "
			"not_after=%s days_left=%ld subject=\"%s\"\n", alarm,
			critical ? "critical" : "warning", usage, group, name, until,
			left / 86400, subject);
	}
	m->count++;
}

static int report_item(void *arg, tl_pki_item *it)
{
	mon *m = arg;

	report(m, it->identity ? "identity" : "trust", it->group, it->name,
	       it->cert->subject, it->cert->not_after);
	return m->failed ? -1 : 0;
}

/* ---- the LSCs capfd issued: the one each phone has installed ---- */

typedef struct devices {
	char (*name)[16];
	size_t n;
} devices;

static int collect_device(void *arg, const tl_device *d)
{
	devices *v = arg;
	char (*g)[16] = realloc(v->name, (v->n + 1) * sizeof(*g));

	if (g == NULL)
		return 1;
	v->name = g;
	snprintf(g[v->n++], sizeof(*g), "%s", d->name);
	return 0;
}

typedef struct lsc_at {
	mon *m;
	const char *device;
} lsc_at;

static int report_lsc(void *arg, long id, const char *serial, long not_after,
		      const char *state, long issued)
{
	lsc_at *at = arg;
	char subject[64];

	if (strcmp(state, "installed") != 0)
		return 0;
	snprintf(subject, sizeof(subject), "LSC of %s", at->device);
	report(at->m, "lsc", at->device, serial, subject, (time_t)not_after);
	return at->m->failed;
}

static int monitor_lscs(mon *m)
{
	devices v = { NULL, 0 };
	int rc = tl_dev_each(m->s, collect_device, &v, m->e);

	for (size_t i = 0; rc == 0 && !m->failed && i < v.n; i++) {
		lsc_at at = { m, v.name[i] };

		rc = tl_capf_lscs(m->s, v.name[i], report_lsc, &at, m->e);
	}
	free(v.name);
	return rc || m->failed ? -1 : 0;
}

typedef struct gone {
	mon *m;
	tl_alarm *v;
	size_t n;
} gone;

/* A stored expiry alarm of an object this check did not see */
static int collect_gone(void *arg, const tl_alarm *a)
{
	gone *g = arg;
	tl_alarm *v;
	size_t i;

	for (i = 0; i < NEXPIRY && strcmp(a->name, expiry_alarms[i]); i++)
		;
	if (i == NEXPIRY)
		return 0;
	for (i = 0; i < g->m->nseen && strcmp(g->m->seen[i], a->object); i++)
		;
	if (i < g->m->nseen || (v = realloc(g->v, (g->n + 1) * sizeof(*v))) == NULL)
		return 0;
	g->v = v;
	v[g->n++] = *a;
	return 0;
}

/* Clears (and sends) the alarms of certificates no longer there. */
static int clear_gone(mon *m)
{
	gone g = { m, NULL, 0 };
	int rc = tl_alarm_each(m->s, NULL, collect_gone, &g, m->e);

	for (size_t i = 0; rc == 0 && i < g.n; i++) {
		snprintf(g.v[i].detail, sizeof(g.v[i].detail), "the certificate is no "
			 "longer in the data directory");
		if ((rc = tl_alarm_clear(m->s, g.v[i].name, g.v[i].object, m->e)) == 1)
			tl_deliver_change(m->s, &g.v[i], 0);
		rc = rc < 0 ? -1 : 0;
	}
	free(g.v);
	return rc;
}

int tl_pki_monitor(tl_store *s, int notify_days, int json, FILE *out, tl_err *e)
{
	mon m = { out, json ? json_array() : NULL,
		  notify_days > 0 ? notify_days : s->conf.notify_days,
		  0, 0, time(NULL), s, NULL, 0, 0, e };
	int rc;

	rc = tl_pki_each(s, 1, NULL, 0, report_item, &m, e);
	if (rc == 0 && !m.failed)
		rc = monitor_lscs(&m);
	if (rc == 0 && !m.failed)
		rc = clear_gone(&m);
	free(m.seen);
	if (rc || m.failed) {
		json_decref(m.all);
		return -1;
	}
	if (m.all)
		tl_json_write(m.all, out);
	else if (m.count == 0)
		fprintf(out, "no certificate expires within %d days\n", m.notify_days);
	return m.worst;
}

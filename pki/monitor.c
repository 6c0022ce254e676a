/* The certificate expiry monitor: every identity, trust and issued
 * certificate against the alarm thresholds administrators know. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "pki.h"

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
	int json, notify_days, worst, count;
	time_t now;
} mon;

static void report(mon *m, const char *usage, const char *group,
		   const char *name, const tl_cert *c)
{
	long left = (long)(c->not_after - m->now);
	int critical;
	const char *alarm = alarm_for(left, m->notify_days, &critical);
	char until[32];
	struct tm tm;

	if (alarm == NULL)
		return;
	if (m->worst < (critical ? 2 : 1))
		m->worst = critical ? 2 : 1;
	strftime(until, sizeof(until), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&c->not_after, &tm));
	if (m->json) {
		fprintf(m->out, "%s{\"alarm\":\"%s\",\"severity\":\"%s\",\"usage\":\"%s\","
			"\"group\":\"%s\",\"name\":", m->count ? "," : "", alarm,
			critical ? "critical" : "warning", usage, group);
		tl_json_str(m->out, name);
		fputs(",\"subject\":", m->out);
		tl_json_str(m->out, c->subject);
		fprintf(m->out, ",\"not_after\":\"%s\",\"days_left\":%ld}", until,
			left / 86400);
	} else {
		fprintf(m->out, "alarm=%s severity=%s usage=%s group=%s name=%s "
			"not_after=%s days_left=%ld subject=\"%s\"\n", alarm,
			critical ? "critical" : "warning", usage, group, name, until,
			left / 86400, c->subject);
	}
	m->count++;
}

static int report_item(void *arg, tl_pki_item *it)
{
	report(arg, it->identity ? "identity" : "trust", it->group, it->name, it->cert);
	return 0;
}

int tl_pki_monitor(tl_store *s, int notify_days, int json, FILE *out, tl_err *e)
{
	mon m = { out, json, notify_days > 0 ? notify_days : s->conf.notify_days,
		  0, 0, time(NULL) };

	if (json)
		fputs("[", out);
	if (tl_pki_each(s, 1, NULL, 0, report_item, &m, e))
		return -1;
	if (json)
		fputs("]\n", out);
	else if (m.count == 0)
		fprintf(out, "no certificate expires within %d days\n", m.notify_days);
	return m.worst;
}

#include "phonenet.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tvsclient.h"

int tl_phone_hostport(const char *s, int def, tl_phonecnf_server *hp)
{
	const char *colon = strrchr(s, ':');
	char *end;
	long port = def;

	memset(hp, 0, sizeof(*hp));
	if (colon && strchr(s, ':') == colon) {
		port = strtol(colon + 1, &end, 10);
		if (*end || port <= 0 || port > 65535)
			return -1;
		snprintf(hp->host, sizeof(hp->host), "%.*s", (int)(colon - s), s);
	} else {
		snprintf(hp->host, sizeof(hp->host), "%s", s);
	}
	hp->port = (int)port;
	return hp->host[0] ? 0 : -1;
}

int tl_phone_servers(const char *s, int def, tl_phonecnf_server *out, size_t *n)
{
	char one[300];

	*n = 0;
	while (*s) {
		size_t len = strcspn(s, ",");

		if (*n == TL_PHONE_SERVERS || len >= sizeof(one))
			return -1;
		memcpy(one, s, len);
		one[len] = 0;
		if (tl_phone_hostport(one, def, &out[(*n)++]))
			return -1;
		s += len;
		if (*s == ',' && *++s == 0)
			return -1;	/* a trailing comma */
	}
	return *n ? 0 : -1;
}

int tl_phone_tftp_unanswered(int rc)
{
	return rc == TL_TFTPC_TIMEOUT || rc == TL_TFTPC_LOCAL;
}

size_t tl_phone_tvs_servers(const tl_phone *p, const tl_phonecnf_server *given,
			    size_t ngiven, const tl_phonecnf *last,
			    tl_phonecnf_server out[TL_PHONE_SERVERS])
{
	int port = ngiven ? given[0].port : TL_TVS_PORT;
	size_t n = 0;

	for (size_t i = 0; p->has_itl && i < p->itl.nrec && n < TL_PHONE_SERVERS; i++) {
		const tl_record *r = &p->itl.rec[i];

		if (r->role != TL_ROLE_TVS || !r->has_ip)
			continue;
		memset(&out[n], 0, sizeof(out[n]));
		snprintf(out[n].host, sizeof(out[n].host), "%u.%u.%u.%u", r->ip[0],
			 r->ip[1], r->ip[2], r->ip[3]);
		out[n++].port = port;
	}
	if (n)
		return n;
	if (ngiven == 0 && last) {
		given = last->tvs;
		ngiven = last->ntvs;
	}
	for (; n < ngiven && n < TL_PHONE_SERVERS; n++)
		out[n] = given[n];
	return n;
}

void tl_phone_tftp_opts(tl_tftpc_opts *o, const tl_phonecnf_server *tftp,
			int timeout_ms)
{
	memset(o, 0, sizeof(*o));
	o->host = tftp->host;
	o->port = tftp->port;
	o->want.blksize = 1428;	/* what phones ask for: one Ethernet frame */
	o->want.has_tsize = 1;
	o->timeout_ms = 500;
	o->retries = timeout_ms / 500 > 1 ? timeout_ms / 500 : 1;
}

static void note_f(void (*note)(const char *), const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void note_f(void (*note)(const char *), const char *fmt, ...)
{
	char line[700];
	va_list ap;

	if (note == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	note(line);
}

int tl_phone_tvs_dates(const tl_phone *p, const uint8_t *der, size_t len, char *why,
		       size_t n)
{
	tl_cert *cert;
	time_t now = p->now ? p->now : time(NULL);
	tl_err e;
	int bad;

	if (der == NULL || tl_cert_from_der(der, len, &cert, &e))
		return 0;	/* the pin matched these bytes: nothing more to read */
	bad = cert->not_after < now ? 1 : cert->not_before > now ? 2 : 0;
	if (bad) {
		char when[32];
		struct tm tm;

		gmtime_r(bad == 1 ? &cert->not_after : &cert->not_before, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		snprintf(why, n, "its certificate %s %s %s", cert->subject,
			 bad == 1 ? "expired on" : "is not valid before", when);
	}
	tl_cert_free(cert);
	return bad != 0;
}

void tl_phone_tvs_ask(const tl_phone *p, const tl_phonecnf_server *list, size_t n,
		      int timeout_ms, const tl_cert *cert, const char *issuer,
		      const uint8_t *serial, size_t serial_len, tl_phone_tvs_answer *a,
		      void (*note)(const char *line))
{
	for (size_t i = 0; i < n; i++) {
		tl_tvs_client_opts o;
		tl_tvs_client *c;
		tl_tvs_answer ans;
		const uint8_t *der;
		size_t len;
		tl_err e;
		int rc;

		snprintf(a->server, sizeof(a->server), "%.80s:%d", list[i].host, list[i].port);
		if (!p->has_itl) {
			snprintf(a->server, sizeof(a->server), "no ITL to trust TVS with");
			return;
		}
		memset(&o, 0, sizeof(o));
		o.host = list[i].host;
		o.port = list[i].port;
		o.timeout_ms = timeout_ms;
		o.pin.itl = &p->itl;
		if ((rc = tl_tvs_client_open(&c, &o, &e)) != 0) {
			note_f(note, "TVS %s: %s: %s", a->server, tl_tvs_fail_name(rc), e.msg);
			if (rc == TL_TVS_E_UNTRUSTED)
				snprintf(a->why, sizeof(a->why), "%.390s", e.msg);
			else
				a->why[0] = 0;
			continue;
		}
		tl_tvs_client_peer(c, &der, &len);
		if (tl_phone_tvs_dates(p, der, len, a->why, sizeof(a->why))) {
			note_f(note, "TVS %s: %s", a->server, a->why);
			tl_tvs_client_close(c);
			continue;
		}
		a->why[0] = 0;
		memset(&ans, 0, sizeof(ans));
		rc = cert ? tl_tvs_verify(c, p->tvs_name, cert->der, cert->der_len, &ans, &e)
			  : tl_tvs_query(c, p->tvs_name, issuer, serial, serial_len, &ans, &e);
		tl_tvs_client_close(c);
		if (rc) {
			note_f(note, "TVS %s: %s: %s", a->server, tl_tvs_fail_name(rc), e.msg);
			tl_tvs_answer_free(&ans);
			continue;
		}
		note_f(note, "TVS %s: %s %s", a->server, cert ? "VERIFY" : "QUERY",
		       ans.valid ? "valid" : "invalid");
		a->reachable = 1;
		a->valid = ans.valid;
		memcpy(a->roles, ans.roles, ans.nroles);
		a->nroles = ans.nroles;
		a->ttl = ans.ttl;
		if (ans.valid && ans.cert &&
		    tl_cert_from_der(ans.cert, ans.cert_len, &a->cert, &e))
			a->valid = 0;
		tl_tvs_answer_free(&ans);
		return;
	}
}

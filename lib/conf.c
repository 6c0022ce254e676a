#include "conf.h"

#include <arpa/inet.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "file.h"
#include "role.h"
#include "x509.h"

/* where the administrator's trustline.conf lives (Debian: /etc/trustline) */
#ifndef TL_SYSCONFDIR
#define TL_SYSCONFDIR "/etc/trustline"
#endif

static void tftp_defaults(tl_conf_tftp *t)
{
	memset(t, 0, sizeof(*t));
	t->port = 69;
	t->http_port = 6970;
	t->max_blksize = 65464;
	t->max_windowsize = 64;
	t->timeout = 1;
	t->retries = 8;
	t->max_transfers = 10000;
	t->per_client_rate = 100;
	t->busy_poll_us = 200;
	snprintf(t->user, sizeof(t->user), "nobody");
}

static void capf_defaults(tl_conf_capf *t)
{
	memset(t, 0, sizeof(*t));
	t->port = 3804;
	t->workers = 1;
	t->lsc_days = 1825;
	t->crl_days = 7;
	t->lockout_attempts = 5;
	t->lockout_minutes = 10;
	t->max_connections = 1000;
	t->max_per_source = 100;
	t->handshake_timeout = 10;
	t->idle_timeout = 60;
	t->per_ip_rate = 20;
}

void tl_conf_defaults(tl_conf *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->unit, sizeof(c->unit), "VoIP");
	c->key_type = TL_KEY_RSA;
	c->key_bits = 2048;
	c->hash_alg = TL_HASH_SHA256;
	c->years = 5;
	c->notify_days = 30;
	c->notify_every_hours = 24;
	c->smtp_starttls = 1;
	c->notify_timeout = 30;
	c->rev.ocsp = c->rev.crl = c->rev.nonce = 1;
	c->rev.check_every_hours = 24;
	c->rev.timeout = 10;
	c->rev.max_crl_kb = 1024;
	c->tvs.port = 2445;
	c->tvs.workers = 1;
	c->tvs.tls_min = 12;
	c->tvs.ttl = 86400;
	c->tvs.max_connections = 10000;
	c->tvs.max_per_source = 1000;
	c->tvs.handshake_timeout = 10;
	c->tvs.idle_timeout = 30;
	c->tvs.max_requests = 1000;
	snprintf(c->tvs.user, sizeof(c->tvs.user), "nobody");
	tftp_defaults(&c->tftp);
	capf_defaults(&c->capf);
}

int tl_conf_parse_tls(const char *s)
{
	static const char *const v[] = { "1.0", "1.1", "1.2", "1.3" };

	for (int i = 0; i < 4; i++)
		if (!strcmp(s, v[i]))
			return 10 + i;
	return -1;
}

int tl_conf_parse_key(const char *s, int *type, int *bits, tl_err *e)
{
	char *end;
	long b;

	if (strncasecmp(s, "rsa:", 4) == 0)
		*type = TL_KEY_RSA;
	else if (strncasecmp(s, "ec:", 3) == 0)
		*type = TL_KEY_EC;
	else
		return tl_fail(e, "key \"%s\": write rsa:BITS or ec:256 / ec:384", s);
	b = strtol(strchr(s, ':') + 1, &end, 10);
	if (*end || b <= 0)
		return tl_fail(e, "key \"%s\": the size after ':' is not a number", s);
	*bits = (int)b;
	return 0;
}

int tl_conf_check_hostname(const char *what, const char *name, size_t len,
			   tl_err *e)
{
	size_t label = 0;

	if (len == 0)
		return tl_fail(e, "%s is empty", what);
	if (len >= sizeof(((tl_conf *)0)->domain))
		return tl_fail(e, "%s \"%.*s\" is longer than %zu characters", what,
			       (int)len, name, sizeof(((tl_conf *)0)->domain) - 1);
	/* RFC 1123 labels: they become certificate CNs and SANs, and phones
	 * compare them with the names they were given */
	for (size_t i = 0; i <= len; i++) {
		char ch = i < len ? name[i] : '.';

		if (ch == '.') {
			if (label == 0 || label > 63 || name[i - 1] == '-' ||
			    name[i - label] == '-')
				return tl_fail(e, "%s \"%.*s\" is not a DNS name: each "
					       "dot-separated label holds 1 to 63 letters, "
					       "digits or inner '-'", what, (int)len, name);
			label = 0;
		} else if (ch == '-' || (ch >= 'a' && ch <= 'z') ||
			   (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')) {
			label++;
		} else {
			return tl_fail(e, "%s \"%.*s\" may hold only letters, digits, "
				       "'-' and '.'", what, (int)len, name);
		}
	}
	return 0;
}

int tl_conf_parse_nodes(const char *s, char out[][64], tl_err *e)
{
	int n = 0;

	while (*s) {
		size_t len = strcspn(s, ", ");

		if (len > 0) {
			if (n == TL_MAX_NODES)
				return tl_fail(e, "more than %d nodes", TL_MAX_NODES);
			if (len >= 64)
				return tl_fail(e, "node name \"%.*s\" is too long",
					       (int)len, s);
			if (tl_conf_check_hostname("node name", s, len, e))
				return -1;
			memcpy(out[n], s, len);
			out[n][len] = 0;
			for (int i = 0; i < n; i++)
				if (!strcasecmp(out[i], out[n]))
					return tl_fail(e, "node %s is named twice", out[n]);
			n++;
		}
		s += len;
		while (*s == ',' || *s == ' ')
			s++;
	}
	return n;
}

static int find(char list[][64], int n, const char *node)
{
	for (int i = 0; i < n; i++)
		if (strcasecmp(list[i], node) == 0)
			return 1;
	return 0;
}

int tl_conf_is_publisher(const tl_conf *c, const char *node)
{
	return c->nnodes > 0 && strcasecmp(c->nodes[0], node) == 0;
}

int tl_conf_has_node(const tl_conf *c, const char *node)
{
	return find((char (*)[64])c->nodes, c->nnodes, node);
}

int tl_conf_is_tftp(const tl_conf *c, const char *node)
{
	return find((char (*)[64])c->tftp_nodes, c->ntftp_nodes, node);
}

const char *tl_conf_tftp_node(const tl_conf *c)
{
	return c->tftp.node[0] ? c->tftp.node : c->tftp_nodes[0];
}

int tl_conf_check_tftp_node(const tl_conf *c, const char *node, tl_err *e)
{
	char names[TL_MAX_NODES * 66] = "";
	size_t n = 0;

	if (tl_conf_is_tftp(c, node))
		return 0;
	for (int i = 0; i < c->ntftp_nodes; i++)
		n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s", i ? ", " : "",
				      c->tftp_nodes[i]);
	return tl_fail(e, "%s is not a TFTP node of this cluster; the TFTP nodes "
		       "are %s (a node added without --tftp serves no files)", node,
		       names);
}

void tl_conf_fqdn(const tl_conf *c, const char *node, char *out, size_t n)
{
	if (c->domain[0] && strchr(node, '.') == NULL)
		snprintf(out, n, "%s.%s", node, c->domain);
	else
		snprintf(out, n, "%s", node);
}

static int boolean(const char *v, int *out)
{
	if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on") ||
	    !strcmp(v, "1"))
		*out = 1;
	else if (!strcasecmp(v, "false") || !strcasecmp(v, "no") ||
		 !strcasecmp(v, "off") || !strcmp(v, "0"))
		*out = 0;
	else
		return -1;
	return 0;
}

static int number(const char *v, int lo, int hi, int *out)
{
	char *end;
	long n = strtol(v, &end, 10);

	if (*v == 0 || *end || n < lo || n > hi)
		return -1;
	*out = (int)n;
	return 0;
}

static int address(const char *v, char *out, size_t n, tl_err *e)
{
	struct in6_addr a6;
	struct in_addr a4;
	char host[64];
	size_t len = strlen(v);

	if (len >= sizeof(host) || len >= n)
		return tl_fail(e, "\"%s\" is too long", v);
	if (v[0] == '[' && len > 2 && v[len - 1] == ']') {
		memcpy(host, v + 1, len - 2);
		host[len - 2] = 0;
	} else {
		memcpy(host, v, len + 1);
	}
	if (inet_pton(AF_INET, host, &a4) != 1 && inet_pton(AF_INET6, host, &a6) != 1)
		return tl_fail(e, "\"%s\" is not a numeric IPv4 or IPv6 address", v);
	memcpy(out, v, len + 1);
	return 0;
}

/* "a, b": each a numeric address; kept as "a,b" */
static int address_list(const char *v, char *out, size_t n, tl_err *e)
{
	char copy[256], one[64], *save = NULL;
	size_t used = 0;

	if (snprintf(copy, sizeof(copy), "%s", v) >= (int)sizeof(copy))
		return tl_fail(e, "the list is longer than %zu characters", sizeof(copy) - 1);
	out[0] = 0;
	for (char *tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		if (address(tok, one, sizeof(one), e))
			return -1;
		used += (size_t)snprintf(out + used, n - used, "%s%s", used ? "," : "", one);
		if (used >= n)
			return tl_fail(e, "the list is too long");
	}
	return 0;
}

static int tftp_key(tl_conf_tftp *t, const char *k, const char *v, tl_err *e)
{
	if (!strcmp(k, "port")) return !number(v, 1, 65535, &t->port);
	if (!strcmp(k, "http_port")) return !number(v, 0, 65535, &t->http_port);
	if (!strcmp(k, "listen"))
		return !*v || !address(v, t->listen, sizeof(t->listen), e);
	if (!strcmp(k, "max_blksize"))
		return !number(v, 8, 65464, &t->max_blksize);
	/* Below 32768, so an ACK's 16-bit block number is never ambiguous. */
	if (!strcmp(k, "max_windowsize"))
		return !number(v, 1, 32767, &t->max_windowsize);
	if (!strcmp(k, "timeout")) return !number(v, 1, 255, &t->timeout);
	if (!strcmp(k, "retries")) return !number(v, 1, 20, &t->retries);
	if (!strcmp(k, "max_transfers"))
		return !number(v, 1, 1000000, &t->max_transfers);
	if (!strcmp(k, "per_client_rate"))
		return !number(v, 0, 1000000, &t->per_client_rate);
	if (!strcmp(k, "busy_poll_us"))
		return !number(v, 0, 100000, &t->busy_poll_us);
	if (!strcmp(k, "sign_static")) return !boolean(v, &t->sign_static);
	if (!strcmp(k, "serve_unsigned")) return !boolean(v, &t->serve_unsigned);
	if (!strcmp(k, "metrics_allow"))
		return !address_list(v, t->metrics_allow, sizeof(t->metrics_allow), e);
	if (!strcmp(k, "user")) {
		if (!*v || strlen(v) >= sizeof(t->user) || strchr(v, ' '))
			return 0;
		snprintf(t->user, sizeof(t->user), "%s", v);
		return 1;
	}
	if (!strcmp(k, "node"))
		return snprintf(t->node, sizeof(t->node), "%s", v) <
		       (int)sizeof(t->node);
	return 0;
}

/* A path setting: absolute, or relative to the data directory. */
static int path_setting(const char *v, char *out, size_t n)
{
	return snprintf(out, n, "%s", v) < (int)n;
}

/* The connection limits of tvsd and capfd, which both serve TLS through
 * tl_netsrv: the same keys and bounds. -1 when k is none of them. */
static int limits_key(const char *k, const char *v, int *max_connections,
		      int *max_per_source, int *handshake_timeout,
		      int *idle_timeout)
{
	static const int day = 86400;

	if (!strcmp(k, "max_connections"))
		return !number(v, 1, 1000000, max_connections);
	if (!strcmp(k, "max_connections_per_source"))
		return !number(v, 0, 1000000, max_per_source);
	if (!strcmp(k, "handshake_timeout"))
		return !number(v, 1, day, handshake_timeout);
	if (!strcmp(k, "idle_timeout"))
		return !number(v, 1, day, idle_timeout);
	return -1;
}

static int capf_key(tl_conf_capf *t, const char *k, const char *v, tl_err *e)
{
	int r = limits_key(k, v, &t->max_connections, &t->max_per_source,
			   &t->handshake_timeout, &t->idle_timeout);

	if (r >= 0)
		return r;
	if (!strcmp(k, "port")) return !number(v, 1, 65535, &t->port);
	if (!strcmp(k, "listen"))
		return !*v || !address(v, t->listen, sizeof(t->listen), e);
	if (!strcmp(k, "workers")) return !number(v, 1, 256, &t->workers);
	/* Cisco's limits: one day to twenty years. */
	if (!strcmp(k, "lsc_days")) return !number(v, 1, 20 * 365 + 5, &t->lsc_days);
	if (!strcmp(k, "crl_days")) return !number(v, 1, 366, &t->crl_days);
	if (!strcmp(k, "issuer_cert"))
		return path_setting(v, t->issuer_cert, sizeof(t->issuer_cert));
	if (!strcmp(k, "issuer_key"))
		return path_setting(v, t->issuer_key, sizeof(t->issuer_key));
	if (!strcmp(k, "lockout_attempts"))
		return !number(v, 1, 1000, &t->lockout_attempts);
	if (!strcmp(k, "lockout_minutes"))
		return !number(v, 1, 7 * 24 * 60, &t->lockout_minutes);
	if (!strcmp(k, "per_ip_rate")) return !number(v, 0, 1000000, &t->per_ip_rate);
	/* empty: the owner of trustline.db, which capfd writes */
	if (!strcmp(k, "user"))
		return !strchr(v, ' ') &&
		       snprintf(t->user, sizeof(t->user), "%s", v) < (int)sizeof(t->user);
	return 0;
}

/* Every setting read so far and its line: a key written twice is refused,
 * not left to the last one, which would hide the first from its reader. */
#define SEEN_MAX 160
struct parse_ctx {
	tl_conf *c;
	tl_err *e;
	const char *path;
	int failed;
	const char *next;	/* the text not read yet */
	int line;		/* the line the reader returned last */
	int indented;		/* that line starts with a blank */
	int nseen;
	struct { char key[64]; int line; } seen[SEEN_MAX];
	int admin;		/* the administrator's file: daemons' sections only */
};

/* ini_parse_string's reader, counting lines so that the handler knows its
 * own (Debian's inih passes none to it) */
static char *reader(char *str, int num, void *stream)
{
	struct parse_ctx *p = stream;
	const char *nl;
	size_t n;

	if (!*p->next || num < 2)
		return NULL;
	nl = strchr(p->next, '\n');
	n = nl ? (size_t)(nl - p->next) + 1 : strlen(p->next);
	if (n > (size_t)num - 1)
		n = (size_t)num - 1;
	if (p->line == 0 || p->next[-1] == '\n') {
		p->line++;
		p->indented = p->next[0] == ' ' || p->next[0] == '\t';
	}
	memcpy(str, p->next, n);
	str[n] = 0;
	p->next += n;
	return str;
}

/* 1 if [sec] k was set before (e says on which line), else records it */
static int seen_before(struct parse_ctx *p, const char *sec, const char *k)
{
	char key[64];

	snprintf(key, sizeof(key), "%s\n%s", sec, k);
	for (int i = 0; i < p->nseen; i++)
		if (!strcmp(p->seen[i].key, key)) {
			tl_fail(p->e, "set again; line %d sets it first: write each "
				"setting once%s", p->seen[i].line, p->indented ?
				" (an indented line continues the setting above it)" : "");
			return 1;
		}
	if (p->nseen < SEEN_MAX) {
		snprintf(p->seen[p->nseen].key, sizeof(key), "%s", key);
		p->seen[p->nseen++].line = p->line;
	}
	return 0;
}

#define STR(field) snprintf(c->field, sizeof(c->field), "%s", v)

static int tvs_key(tl_conf_tvs *t, const char *k, const char *v, tl_err *e)
{
	static const int year = 365 * 86400;
	int r = limits_key(k, v, &t->max_connections, &t->max_per_source,
			   &t->handshake_timeout, &t->idle_timeout);

	if (r >= 0)
		return r;
	if (!strcmp(k, "listen"))
		return !*v || !address(v, t->listen, sizeof(t->listen), e);
	if (!strcmp(k, "user"))
		return v[0] && !strchr(v, ' ') &&
		       snprintf(t->user, sizeof(t->user), "%s", v) < (int)sizeof(t->user);
	if (!strcmp(k, "port"))
		return !number(v, 1, 65535, &t->port);
	if (!strcmp(k, "workers"))
		return !number(v, 1, 256, &t->workers);
	if (!strcmp(k, "tls_min")) {
		if ((t->tls_min = tl_conf_parse_tls(v)) > 0)
			return 1;
		tl_fail(e, "tls_min = %s: write 1.0, 1.1, 1.2 or 1.3", v);
		return 0;
	}
	if (!strcmp(k, "ttl"))
		return !number(v, 0, year, &t->ttl);
	if (!strncmp(k, "ttl_", 4)) {
		int role = tl_role_parse(k + 4);

		if (role < 0 || role >= TL_CONF_ROLES) {
			tl_fail(e, "%s: no role \"%s\" (sast, ccm, ccm-tftp, tftp, capf, "
				"app-server, tvs)", k, k + 4);
			return 0;
		}
		return !number(v, 1, year, &t->role_ttl[role]);
	}
	if (!strcmp(k, "max_requests"))
		return !number(v, 1, 1000000, &t->max_requests);
	return 0;
}

int tl_conf_revocation_key(tl_conf_revocation *r, const char *k, const char *v)
{
	if (!strcmp(k, "ocsp"))
		return !boolean(v, &r->ocsp);
	if (!strcmp(k, "nonce"))
		return !boolean(v, &r->nonce);
	if (!strcmp(k, "crl"))
		return !boolean(v, &r->crl);
	if (!strcmp(k, "ocsp_uri"))
		return path_setting(v, r->ocsp_uri, sizeof(r->ocsp_uri));
	if (!strcmp(k, "crl_uri"))
		return path_setting(v, r->crl_uri, sizeof(r->crl_uri));
	if (!strcmp(k, "check_every_hours"))
		return !number(v, 0, 24 * 365, &r->check_every_hours);
	if (!strcmp(k, "timeout"))
		return !number(v, 1, 300, &r->timeout);
	if (!strcmp(k, "max_crl_kb"))
		return !number(v, 1, 1024 * 1024, &r->max_crl_kb);
	return 0;
}

static int handler(void *user, const char *sec, const char *k, const char *v)
{
	struct parse_ctx *p = user;
	tl_conf *c = p->c;
	int ok = 0;

	/* inih reports the first bad line but reads on: keep its message */
	if (p->failed)
		return 1;
	p->e->msg[0] = 0;

	if (seen_before(p, sec, k))
		;
	else if (p->admin && (!strcmp(sec, "cluster") || !strcmp(sec, "pki") ||
			      !strcmp(sec, "monitor") || !strcmp(sec, "revocation")))
		tl_fail(p->e, "this file holds only the daemons' sections [tftp], "
			"[tvs] and [capf]: set [%s] in the data directory's "
			"trustline.conf, which the trustline command reads and "
			"keeps", sec);
	else if (!strcmp(sec, "cluster")) {
		ok = 1;
		if (!strcmp(k, "name")) STR(name);
		else if (!strcmp(k, "domain"))
		{
			/* empty: node names stand alone (cluster init without
			 * --domain) */
			if ((ok = !*v ||
				  !tl_conf_check_hostname("domain", v, strlen(v), p->e)))
				STR(domain);
		}
		else if (!strcmp(k, "organization")) STR(org);
		else if (!strcmp(k, "unit")) STR(unit);
		else if (!strcmp(k, "locality")) STR(locality);
		else if (!strcmp(k, "state")) STR(state);
		else if (!strcmp(k, "country")) STR(country);
		else if (!strcmp(k, "nodes"))
			ok = (c->nnodes = tl_conf_parse_nodes(v, c->nodes, p->e)) > 0;
		else if (!strcmp(k, "tftp_nodes"))
			ok = (c->ntftp_nodes = tl_conf_parse_nodes(v, c->tftp_nodes,
								   p->e)) > 0;
		else if (!strcmp(k, "mixed_mode")) ok = !boolean(v, &c->mixed_mode);
		else if (!strcmp(k, "multi_server")) ok = !boolean(v, &c->multi_server);
		else ok = 0;
	} else if (!strcmp(sec, "pki")) {
		if (!strcmp(k, "key"))
			ok = !tl_conf_parse_key(v, &c->key_type, &c->key_bits, p->e);
		else if (!strcmp(k, "hash"))
			ok = (c->hash_alg = tl_hash_parse(v)) > 0;
		else if (!strcmp(k, "years"))
			ok = !number(v, 1, 30, &c->years);
		else if (!strcmp(k, "fips"))
			ok = !boolean(v, &c->fips);
	} else if (!strcmp(sec, "monitor")) {
		if (!strcmp(k, "notify_days"))
			ok = !number(v, 1, 3650, &c->notify_days);
		else if (!strcmp(k, "notify_every_hours"))
			ok = !number(v, 1, 24 * 365, &c->notify_every_hours);
		else if (!strcmp(k, "mail_to")) { ok = 1; STR(mail_to); }
		else if (!strcmp(k, "mail_from")) { ok = 1; STR(mail_from); }
		else if (!strcmp(k, "smtp_url")) {
			ok = !*v || !strncmp(v, "smtp://", 7) || !strncmp(v, "smtps://", 8);
			if (ok)
				STR(smtp_url);
			else
				tl_fail(p->e, "%s: an smtp:// or smtps:// URL", v);
		}
		else if (!strcmp(k, "smtp_user")) { ok = 1; STR(smtp_user); }
		else if (!strcmp(k, "smtp_password_file")) { ok = 1; STR(smtp_password_file); }
		else if (!strcmp(k, "smtp_ca_file")) { ok = 1; STR(smtp_ca_file); }
		else if (!strcmp(k, "smtp_starttls"))
			ok = !boolean(v, &c->smtp_starttls);
		else if (!strcmp(k, "notify_command")) { ok = 1; STR(notify_command); }
		else if (!strcmp(k, "notify_timeout"))
			ok = !number(v, 1, 3600, &c->notify_timeout);
	} else if (!strcmp(sec, "tvs")) {
		ok = tvs_key(&c->tvs, k, v, p->e);
	} else if (!strcmp(sec, "tftp")) {
		ok = tftp_key(&c->tftp, k, v, p->e);
	} else if (!strcmp(sec, "capf")) {
		ok = capf_key(&c->capf, k, v, p->e);
	} else if (!strcmp(sec, "database")) {
		if (!strcmp(k, "url")) {
			ok = !*v || tl_conf_is_db_url(v);
			if (ok)
				STR(db_url);
			else
				tl_fail(p->e, "%s: a postgresql:// URL or service=NAME", v);
		}
		else if (!strcmp(k, "node")) { ok = 1; STR(db_node); }
		else if (!strcmp(k, "password_file")) { ok = 1; STR(db_password_file); }
	} else if (!strcmp(sec, "revocation")) {
		ok = tl_conf_revocation_key(&c->rev, k, v);
	}
	if (!ok && p->e->msg[0])
		tl_wrap(p->e, "[%s] %s", sec, k);
	else if (!ok)
		tl_fail(p->e, "[%s] %s = %s: unknown setting or bad value", sec, k, v);
	p->failed = !ok;
	return ok;
}

/* Parses path onto c, over what c holds already. */
static int parse(tl_conf *c, const char *path, int admin, tl_err *e)
{
	struct parse_ctx p;
	tl_err inner;
	uint8_t *text, *nul;
	size_t len;
	int line;

	memset(&p, 0, sizeof(p));
	p.c = c;
	p.path = path;
	p.admin = admin;
	if (tl_read_file(path, 1 << 20, &text, &len, e))
		return -1;
	/* a line reader would stop at a NUL and drop the rest of the line */
	if ((nul = memchr(text, 0, len)) != NULL) {
		line = 1;
		for (uint8_t *q = text; q < nul; q++)
			line += *q == '\n';
		free(text);
		return tl_fail(e, "%s: line %d: a NUL byte: this is not a text file",
			       path, line);
	}
	p.e = &inner;
	inner.msg[0] = 0;
	p.next = (const char *)text;
	line = ini_parse_stream(reader, &p, handler, &p);
	free(text);
	if (line > 0)
		return tl_fail(e, "%s: line %d: %s", path, line,
			       inner.msg[0] ? inner.msg : "syntax error");
	return 0;
}

int tl_conf_load(tl_conf *c, const char *path, tl_err *e)
{
	tl_conf_defaults(c);
	if (parse(c, path, 0, e))
		return -1;
	if (c->nnodes == 0)
		return tl_fail(e, "%s: [cluster] nodes is missing", path);
	if (c->ntftp_nodes == 0) {
		memcpy(c->tftp_nodes, c->nodes, sizeof(c->nodes));
		c->ntftp_nodes = c->nnodes;
	}
	for (int i = 0; i < c->ntftp_nodes; i++)
		if (!tl_conf_has_node(c, c->tftp_nodes[i]))
			return tl_fail(e, "%s: TFTP node %s is not in nodes", path,
				       c->tftp_nodes[i]);
	if (c->tftp.node[0] && tl_conf_check_tftp_node(c, c->tftp.node, e))
		return tl_wrap(e, "%s: [tftp] node", path);
	return 0;
}

int tl_conf_load_daemon(tl_conf *c, const char *data, const char *admin,
			tl_err *e)
{
	tl_conf n;

	if (tl_conf_load(&n, data, e) || (admin && parse(&n, admin, 1, e)))
		return -1;
	/* the administrator's file may name the node; the nodes are the data
	 * directory's */
	if (admin && n.tftp.node[0] && tl_conf_check_tftp_node(&n, n.tftp.node, e))
		return tl_wrap(e, "%s: [tftp] node", admin);
	*c = n;
	return 0;
}

const char *tl_conf_admin_path(char *buf, size_t n)
{
	const char *env = getenv("TRUSTLINE_CONFIG");
	const char *dir = getenv("TRUSTLINE_SYSCONFDIR");

	if (env && *env)
		return env;
	snprintf(buf, n, "%s/trustline.conf", dir && *dir ? dir : TL_SYSCONFDIR);
	/* the package ships it; a build installed by hand may have none */
	return access(buf, F_OK) == 0 ? buf : NULL;
}

static void list(FILE *f, const char *key, char l[][64], int n)
{
	fprintf(f, "%s = ", key);
	for (int i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? "," : "", l[i]);
	fputc('\n', f);
}

/* Writes "[tftp]" before the first key that is set, so a configuration
 * that sets none has no such section. */
static void tftp_key_out(FILE *f, int *head, const char *key, const char *val)
{
	if (!(*head)++)
		fputs("\n[tftp]\n", f);
	fprintf(f, "%s = %s\n", key, val);
}

static void write_tftp(const tl_conf_tftp *t, FILE *f)
{
	tl_conf_tftp d;
	char val[16];
	int head = 0;

	tftp_defaults(&d);
	const struct {
		const char *key;
		int v, def;
	} nums[] = {
		{ "port", t->port, d.port }, { "http_port", t->http_port, d.http_port },
		{ "max_blksize", t->max_blksize, d.max_blksize },
		{ "max_windowsize", t->max_windowsize, d.max_windowsize },
		{ "timeout", t->timeout, d.timeout }, { "retries", t->retries, d.retries },
		{ "max_transfers", t->max_transfers, d.max_transfers },
		{ "per_client_rate", t->per_client_rate, d.per_client_rate },
		{ "busy_poll_us", t->busy_poll_us, d.busy_poll_us },
	};

	if (strcmp(t->listen, d.listen))
		tftp_key_out(f, &head, "listen", t->listen);
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
		if (nums[i].v != nums[i].def) {
			snprintf(val, sizeof(val), "%d", nums[i].v);
			tftp_key_out(f, &head, nums[i].key, val);
		}
	if (t->sign_static != d.sign_static)
		tftp_key_out(f, &head, "sign_static", t->sign_static ? "true" : "false");
	if (t->serve_unsigned != d.serve_unsigned)
		tftp_key_out(f, &head, "serve_unsigned", t->serve_unsigned ? "true" : "false");
	if (t->metrics_allow[0])
		tftp_key_out(f, &head, "metrics_allow", t->metrics_allow);
	if (strcmp(t->user, d.user))
		tftp_key_out(f, &head, "user", t->user);
	if (t->node[0])
		tftp_key_out(f, &head, "node", t->node);
}

void tl_conf_write(const tl_conf *c, FILE *f)
{
	fputs("# trustline data directory configuration. See docs/trustline.md.\n"
	      "[cluster]\n", f);
	fprintf(f, "name = %s\ndomain = %s\n", c->name, c->domain);
	list(f, "nodes", (char (*)[64])c->nodes, c->nnodes);
	if (c->ntftp_nodes)
		list(f, "tftp_nodes", (char (*)[64])c->tftp_nodes, c->ntftp_nodes);
	fprintf(f, "mixed_mode = %s\nmulti_server = %s\n",
		c->mixed_mode ? "true" : "false", c->multi_server ? "true" : "false");
	if (c->org[0])
		fprintf(f, "organization = %s\n", c->org);
	if (c->unit[0])
		fprintf(f, "unit = %s\n", c->unit);
	if (c->locality[0])
		fprintf(f, "locality = %s\n", c->locality);
	if (c->state[0])
		fprintf(f, "state = %s\n", c->state);
	if (c->country[0])
		fprintf(f, "country = %s\n", c->country);
	fprintf(f, "\n[pki]\n# defaults for new and regenerated identity certificates\n"
		"key = %s:%d\nhash = %s\nyears = %d\nfips = %s\n",
		c->key_type == TL_KEY_RSA ? "rsa" : "ec", c->key_bits,
		c->hash_alg == TL_HASH_SHA512 ? "sha512" :
		c->hash_alg == TL_HASH_SHA384 ? "sha384" : "sha256",
		c->years, c->fips ? "true" : "false");
	fprintf(f, "\n[monitor]\nnotify_days = %d\nnotify_every_hours = %d\n"
		"mail_to = %s\nmail_from = %s\nsmtp_url = %s\nsmtp_user = %s\n"
		"smtp_password_file = %s\nsmtp_ca_file = %s\nsmtp_starttls = %s\n"
		"notify_command = %s\nnotify_timeout = %d\n",
		c->notify_days, c->notify_every_hours, c->mail_to, c->mail_from,
		c->smtp_url, c->smtp_user, c->smtp_password_file, c->smtp_ca_file,
		c->smtp_starttls ? "true" : "false", c->notify_command,
		c->notify_timeout);
	fprintf(f, "\n[tvs]\n# tvsd; see docs/tvsd.md\nlisten = %s\nport = %d\n"
		"workers = %d\ntls_min = %d.%d\nttl = %d\n",
		c->tvs.listen, c->tvs.port, c->tvs.workers, c->tvs.tls_min / 10,
		c->tvs.tls_min % 10, c->tvs.ttl);
	for (int r = 0; r < TL_CONF_ROLES; r++)
		if (c->tvs.role_ttl[r])
			fprintf(f, "ttl_%s = %d\n", tl_role_short(r), c->tvs.role_ttl[r]);
	fprintf(f, "max_connections = %d\nmax_connections_per_source = %d\n"
		"handshake_timeout = %d\nidle_timeout = %d\n"
		"max_requests = %d\nuser = %s\n", c->tvs.max_connections,
		c->tvs.max_per_source, c->tvs.handshake_timeout, c->tvs.idle_timeout, c->tvs.max_requests,
		c->tvs.user);
	write_tftp(&c->tftp, f);
	fprintf(f, "\n[capf]\n# capfd; see docs/capfd.md\nlisten = %s\nport = %d\n"
		"workers = %d\nlsc_days = %d\ncrl_days = %d\n", c->capf.listen,
		c->capf.port, c->capf.workers, c->capf.lsc_days, c->capf.crl_days);
	if (c->capf.issuer_cert[0])
		fprintf(f, "issuer_cert = %s\n", c->capf.issuer_cert);
	if (c->capf.issuer_key[0])
		fprintf(f, "issuer_key = %s\n", c->capf.issuer_key);
	fprintf(f, "lockout_attempts = %d\nlockout_minutes = %d\nmax_connections = %d\n"
		"max_connections_per_source = %d\n"
		"handshake_timeout = %d\nidle_timeout = %d\nper_ip_rate = %d\n"
		"user = %s\n", c->capf.lockout_attempts, c->capf.lockout_minutes,
		c->capf.max_connections, c->capf.max_per_source, c->capf.handshake_timeout,
		c->capf.idle_timeout, c->capf.per_ip_rate, c->capf.user);
	fprintf(f, "\n[revocation]\n# OCSP and CRL checks; see docs/trustline.md\n"
		"ocsp = %s\nocsp_uri = %s\nnonce = %s\ncrl = %s\ncrl_uri = %s\n"
		"check_every_hours = %d\ntimeout = %d\nmax_crl_kb = %d\n",
		c->rev.ocsp ? "true" : "false", c->rev.ocsp_uri,
		c->rev.nonce ? "true" : "false", c->rev.crl ? "true" : "false",
		c->rev.crl_uri, c->rev.check_every_hours, c->rev.timeout,
		c->rev.max_crl_kb);
	if (c->db_url[0])
		fprintf(f, "\n[database]\n# the cluster's shared PostgreSQL; see "
			"docs/cluster.md\nurl = %s\nnode = %s\npassword_file = %s\n",
			c->db_url, c->db_node, c->db_password_file);
}

char *tl_conf_text(const tl_conf *c, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	if (f == NULL)
		return NULL;
	tl_conf_write(c, f);
	return fclose(f) == 0 ? text : (free(text), NULL);
}

int tl_conf_is_db_url(const char *v)
{
	return !strncmp(v, "postgresql://", 13) || !strncmp(v, "postgres://", 11) ||
	       !strncmp(v, "service=", 8);
}

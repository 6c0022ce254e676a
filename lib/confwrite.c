/* trustline.conf's defaults, and the file written back from a tl_conf
 * (conf.h): together, since only what differs from a default is written
 * for [tftp]. Reading is conf.c's. */
#include "conf.h"

#include <stdio.h>
#include <string.h>

#include "role.h"
#include "x509.h"

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

/* tl_conf_write: trustline.conf as the trustline command keeps it (the
 * parser is conf.c). */
#include "conf.h"

#include <stdlib.h>
#include <string.h>

#include "role.h"
#include "x509.h"

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
	tl_conf all;
	const tl_conf_tftp *d = &all.tftp;
	char val[16];
	int head = 0;

	tl_conf_defaults(&all);
	const struct {
		const char *key;
		int v, def;
	} nums[] = {
		{ "port", t->port, d->port }, { "http_port", t->http_port, d->http_port },
		{ "max_blksize", t->max_blksize, d->max_blksize },
		{ "max_windowsize", t->max_windowsize, d->max_windowsize },
		{ "timeout", t->timeout, d->timeout }, { "retries", t->retries, d->retries },
		{ "max_transfers", t->max_transfers, d->max_transfers },
		{ "per_client_rate", t->per_client_rate, d->per_client_rate },
		{ "busy_poll_us", t->busy_poll_us, d->busy_poll_us },
	};

	if (strcmp(t->listen, d->listen))
		tftp_key_out(f, &head, "listen", t->listen);
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
		if (nums[i].v != nums[i].def) {
			snprintf(val, sizeof(val), "%d", nums[i].v);
			tftp_key_out(f, &head, nums[i].key, val);
		}
	if (t->sign_static != d->sign_static)
		tftp_key_out(f, &head, "sign_static", t->sign_static ? "true" : "false");
	if (t->serve_unsigned != d->serve_unsigned)
		tftp_key_out(f, &head, "serve_unsigned", t->serve_unsigned ? "true" : "false");
	if (t->chroot != d->chroot)
		tftp_key_out(f, &head, "chroot", t->chroot ? "true" : "false");
	if (t->metrics_allow[0])
		tftp_key_out(f, &head, "metrics_allow", t->metrics_allow);
	if (strcmp(t->user, d->user))
		tftp_key_out(f, &head, "user", t->user);
	if (t->node[0])
		tftp_key_out(f, &head, "node", t->node);
}

/* Only when set: a data directory that never asked for a listener keeps
 * the file cluster init wrote. */
static void metrics_out(FILE *f, const char *listen, const char *allow)
{
	if (listen[0])
		fprintf(f, "metrics_listen = %s\n", listen);
	if (allow[0])
		fprintf(f, "metrics_allow = %s\n", allow);
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
	metrics_out(f, c->tvs.metrics_listen, c->tvs.metrics_allow);
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
	metrics_out(f, c->capf.metrics_listen, c->capf.metrics_allow);
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

/* trustline.conf: the INI file of a data directory (parsed with inih).
 * Unknown sections and keys are errors naming the line, so a typo never
 * silently falls back to a default. */
#ifndef TL_CONF_H
#define TL_CONF_H

#include <stdio.h>

#include "err.h"

#define TL_MAX_NODES 32
#define TL_CONF_ROLES 32	/* role numbers below this may have their own TTL */

/* [tvs]: tvsd's settings (docs/tvsd.md). */
typedef struct tl_conf_tvs {
	char listen[64];	/* address to bind; "" = every address */
	int port;
	int workers;		/* processes sharing the port (SO_REUSEPORT) */
	int tls_min;		/* 10, 11, 12 or 13: the lowest TLS version offered */
	int ttl;		/* seconds a phone may cache a valid answer */
	int role_ttl[TL_CONF_ROLES];	/* ttl_<ROLE>: per role, 0 = ttl */
	int max_connections;	/* per worker */
	int max_per_source;	/* max_connections_per_source; 0 = none */
	int handshake_timeout;	/* seconds from accept to a finished handshake */
	int idle_timeout;	/* seconds without a complete request */
	int max_requests;	/* per TLS session */
	char user[32];		/* run as this user when started as root */
	char metrics_listen[80];	/* GET /metrics: "ADDR:PORT"; "" = none */
	char metrics_allow[256];	/* as [tftp] metrics_allow */
} tl_conf_tvs;

/* [tftp]: tftpd's settings (docs/tftpd.md). tl_conf_write writes only the
 * keys that differ from the defaults. */
typedef struct tl_conf_tftp {
	int port, http_port;
	char listen[64];	/* numeric address; "" = every address */
	int max_blksize;	/* 8..65464 */
	int max_windowsize;	/* 1..32767 */
	int timeout;		/* seconds, 1..255 */
	int retries;		/* 1..20 */
	int max_transfers;
	int per_client_rate;	/* requests per second per client; 0 = none */
	int busy_poll_us;	/* tl_loop_spin; 0 = none */
	int sign_static;	/* serve X.sgn for a static X */
	int serve_unsigned;	/* serve SEP<MAC>.cnf.xml of non-secure devices */
	int chroot;		/* chroot into the data directory (at start only) */
	char metrics_allow[256];	/* addresses besides loopback that may GET
					 * /metrics, comma-separated; "" = none */
	char user[64];		/* to drop to when started as root */
	char node[64];		/* the TFTP node this tftpd is; "": the first */
} tl_conf_tftp;

/* [capf]: capfd's settings (docs/capfd.md). */
typedef struct tl_conf_capf {
	char listen[64];	/* numeric address; "" = every address */
	int port;
	int workers;		/* processes sharing the port (SO_REUSEPORT) */
	int lsc_days;		/* validity of the LSCs it issues */
	int crl_days;		/* validity of the LSC CRL it publishes */
	char issuer_cert[256];	/* an issuing CA ("online CA"); "" = the CAPF key */
	char issuer_key[256];	/* its key; "" = in issuer_cert */
	int lockout_attempts;	/* wrong authentication strings before a lock */
	int lockout_minutes;	/* the window they count in, and the lock's length */
	int max_connections;	/* per worker */
	int max_per_source;	/* max_connections_per_source; 0 = none */
	int handshake_timeout;	/* seconds from accept to a finished handshake */
	int idle_timeout;	/* seconds without a complete message */
	int per_ip_rate;	/* new connections per second per address; 0 = none */
	char user[32];		/* run as this user when started as root; "" = the
				 * owner of trustline.db */
	char metrics_listen[80];	/* as [tvs] metrics_listen */
	char metrics_allow[256];
} tl_conf_capf;

/* [revocation]: OCSP and CRL checks (docs/trustline.md, cert revocation). */
typedef struct tl_conf_revocation {
	int ocsp;		/* ask OCSP responders */
	char ocsp_uri[256];	/* the configured responder; "" = the certificate's */
	int nonce;		/* send a nonce and require it in the response */
	int crl;		/* fetch CRLs */
	char crl_uri[256];	/* the configured CRL; "" = the certificate's */
	int check_every_hours;	/* the schedule of daemons and monitor --watch */
	int timeout;		/* seconds per fetch */
	int max_crl_kb;		/* a larger CRL is refused */
} tl_conf_revocation;

typedef struct tl_conf {
	/* [cluster] */
	char name[64];
	char domain[128];
	char nodes[TL_MAX_NODES][64];	/* the first one is the publisher */
	int nnodes;
	char tftp_nodes[TL_MAX_NODES][64];
	int ntftp_nodes;
	int mixed_mode;
	int multi_server;
	char org[64], unit[64], locality[64], state[64], country[3];
	/* [pki] */
	int key_type;		/* TL_KEY_RSA / TL_KEY_EC */
	int key_bits;
	int hash_alg;
	int years;
	int fips;
	/* [monitor] */
	int notify_days;
	int notify_every_hours;
	/* where alarm changes go (pki/deliver.c): e-mail, and a command */
	char mail_to[512], mail_from[256];
	char smtp_url[256], smtp_user[128], smtp_password_file[512];
	char smtp_ca_file[512];
	int smtp_starttls;
	char notify_command[1024];
	int notify_timeout;
	tl_conf_tvs tvs;
	tl_conf_tftp tftp;
	tl_conf_capf capf;
	tl_conf_revocation rev;
	/* [database]: the cluster's shared PostgreSQL (docs/cluster.md); ""
	 * = trustline.db in the data directory */
	char db_url[512];
	char db_node[64];		/* the node this data directory is */
	char db_password_file[512];	/* "" = libpq's PGPASSFILE or ~/.pgpass */
} tl_conf;

void tl_conf_defaults(tl_conf *c);
int tl_conf_load(tl_conf *c, const char *path, tl_err *e);
/* A daemon's settings, each layer over the one before: the defaults, the
 * data directory's file data (which cluster init writes and the trustline
 * command keeps), then the administrator's file admin (NULL: none), which
 * may hold only [tftp], [tvs] and [capf]. c is unchanged on failure. The
 * command line applies over all of them. */
int tl_conf_load_daemon(tl_conf *c, const char *data, const char *admin,
			tl_err *e);
/* The administrator's file when no -c names one: $TRUSTLINE_CONFIG, else
 * trustline.conf in $TRUSTLINE_SYSCONFDIR or /etc/trustline when it exists
 * (in buf, n bytes), else NULL. */
const char *tl_conf_admin_path(char *buf, size_t n);
/* Writes the configuration as INI text. */
void tl_conf_write(const tl_conf *c, FILE *f);
/* The same text, malloc'ed, its length in *len; NULL when out of memory. */
char *tl_conf_text(const tl_conf *c, size_t *len);

/* One [revocation] setting as trustline.conf spells it (ocsp = on): 1 when
 * it is known and its value good, else 0 with r unchanged. */
int tl_conf_revocation_key(tl_conf_revocation *r, const char *k, const char *v);

/* A metrics_listen value: "ADDR:PORT", "[v6]:PORT", or "PORT" alone for
 * 127.0.0.1 (the counters stay on the machine unless asked for); the
 * numeric address into addr (n bytes) and the port (0 picks one). */
int tl_conf_metrics_listen(const char *v, char *addr, size_t n, int *port,
			   tl_err *e);

/* "1.0".."1.3" into 10..13, or -1. */
int tl_conf_parse_tls(const char *s);

/* "rsa:2048", "ec:256": into type and bits; -1 with a message otherwise. */
int tl_conf_parse_key(const char *s, int *type, int *bits, tl_err *e);
/* Splits "a,b,c" into at most TL_MAX_NODES names. Returns the count or -1. */
int tl_conf_parse_nodes(const char *s, char out[][64], tl_err *e);
/* 0 when NAME[0..len) is a DNS host or domain name (RFC 1123 labels); else
 * an error naming WHAT and the rule it breaks */
int tl_conf_check_hostname(const char *what, const char *name, size_t len,
			   tl_err *e);
/* 1 for a PostgreSQL URL (postgresql://, postgres://) or service=NAME. */
int tl_conf_is_db_url(const char *v);
int tl_conf_is_publisher(const tl_conf *c, const char *node);
int tl_conf_has_node(const tl_conf *c, const char *node);
int tl_conf_is_tftp(const tl_conf *c, const char *node);
/* The TFTP node whose keys sign what tftpd serves: [tftp] node, else the
 * first TFTP node. */
const char *tl_conf_tftp_node(const tl_conf *c);
/* 0 when node is one of the TFTP nodes; else an error listing them. */
int tl_conf_check_tftp_node(const tl_conf *c, const char *node, tl_err *e);
/* node.domain, or node when it already holds a dot or there is no domain. */
void tl_conf_fqdn(const tl_conf *c, const char *node, char *out, size_t n);

#endif

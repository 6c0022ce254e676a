#include "server.h"

#include <dirent.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <unistd.h>

#include "capfdb.h"
#include "capfmetrics.h"
#include "daemon.h"
#include "log.h"
#include "lsccrl.h"
#include "netloop.h"
#include "writer.h"

/* A message is at most a header and a 16-bit body: the input a connection
 * may hold. Answers are small (the largest carries one certificate). */
#define CAPF_MAX_INPUT (TL_CAPF_HEADER + 65535)
#define MAX_OUTPUT (16 * 1024)
/* How often the data directory's generation is looked at: a CAPF
 * certificate regenerated or imported, or a CAPF-trust change, is served
 * within this time without a SIGHUP. */
#define WATCH_MS 2000
#define CRL_TICKS 30

/* The per-address rate table: fixed, so a flood from many addresses costs
 * no memory; two addresses sharing a slot share a budget. */
#define RATE_SLOTS 4096

/* What sessions use, kept alive by them across a reload. */
typedef struct srvref {
	tl_capf_srv v;
	int refs;
} srvref;

typedef struct rate_slot {
	uint8_t addr[16];
	uint64_t second;
	unsigned count;
} rate_slot;

struct tl_capfd {
	tl_store *s;
	char conf[1200];	/* the data directory's trustline.conf */
	char admin[1200];	/* the administrator's over it; "" = none */
	srvref *cur;
	tl_tls *tls;
	tl_netsrv *srv;
	tl_capf_writer *writer;
	tl_ev *watch;
	long generation;	/* the data directory's, last looked at */
	int crl_ticks;		/* watches since the LSC CRL was looked at */
	uint64_t stamp;		/* of the files load() reads (files_stamp) */
	rate_slot *rate;
	uint64_t refused_logged;
	unsigned long refused;
};

int tl_capfd_crash_at = -1;

static void crash_point(const tl_capf_sess *s)
{
	if (s->state == tl_capfd_crash_at) {
		tl_log(LOG_WARNING, "event=crash_test state=%d", s->state);
		raise(SIGKILL);
	}
}

typedef struct conn_state {
	srvref *ref;
	tl_capf_sess sess;
	tl_capf_write *writing;	/* the change the session waits for */
} conn_state;

static void ref_put(srvref *r)
{
	if (r && --r->refs == 0) {
		tl_capf_srv_free(&r->v);
		free(r);
	}
}

static uint64_t stamp_add(uint64_t h, const char *path)
{
	struct stat st;
	const unsigned char *p = (const unsigned char *)path;

	for (; *p; p++)
		h = (h ^ *p) * 1099511628211u;
	if (stat(path, &st))
		return h * 1099511628211u;
	uint64_t v[] = { (uint64_t)st.st_ino, (uint64_t)st.st_size,
			 (uint64_t)st.st_mtim.tv_sec, (uint64_t)st.st_mtim.tv_nsec };
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		h = (h ^ v[i]) * 1099511628211u;
	return h;
}

/* What the files a reload reads look like (configuration, CAPF identity,
 * CAPF-trust, issuing CA): another generation that leaves this the same
 * (capfd's own LSC records, a device added) leaves the server as it is. */
static uint64_t files_stamp(const tl_capfd *d)
{
	const tl_conf *c = &d->s->conf;
	char path[1600];
	uint64_t h = stamp_add(stamp_add(1469598103934665603u, d->conf), d->admin);
	struct dirent *de;
	DIR *dir;

	if (c->nnodes > 0) {
		tl_store_path(d->s, path, sizeof(path), "certs/CAPF/%s.pem", c->nodes[0]);
		h = stamp_add(h, path);
		tl_store_path(d->s, path, sizeof(path), "certs/CAPF/%s.key", c->nodes[0]);
		h = stamp_add(h, path);
	}
	for (int i = 0; i < 2; i++) {
		const char *f = i ? c->capf.issuer_key : c->capf.issuer_cert;

		if (!f[0])
			continue;
		if (f[0] == '/')
			snprintf(path, sizeof(path), "%s", f);
		else
			tl_store_path(d->s, path, sizeof(path), "%s", f);
		h = stamp_add(h, path);
	}
	tl_store_path(d->s, path, sizeof(path), "trust/CAPF-trust");
	h = stamp_add(h, path);
	if ((dir = opendir(path)) != NULL) {
		/* a file replaced in place keeps the directory's mtime */
		while ((de = readdir(dir)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			tl_store_path(d->s, path, sizeof(path), "trust/CAPF-trust/%s",
				      de->d_name);
			h ^= stamp_add(0, path);	/* in any order */
		}
		closedir(dir);
	}
	return h;
}

/* The session state, keys and TLS context from the store, loaded together
 * so a reload that fails changes nothing. */
static int load(tl_capfd *d, srvref **ref, tl_tls **tls, tl_err *e)
{
	srvref *r = calloc(1, sizeof(*r));

	*tls = NULL;
	if (r == NULL)
		return tl_fail(e, "out of memory");
	if (tl_capf_srv_load(&r->v, d->s, &d->s->conf.capf, d->cur ? &d->cur->v : NULL,
			     e)) {
		free(r);
		return -1;
	}
	if (tl_tls_server(tls, r->v.capf, r->v.capf_key, 12, e)) {
		tl_capf_srv_free(&r->v);
		free(r);
		return tl_wrap(e, "TLS with the CAPF certificate");
	}
	/* sessions leave their changes to the writer (tl_capfd_serve) */
	r->v.deferred = 1;
	r->refs = 1;
	*ref = r;
	return 0;
}

tl_capfd *tl_capfd_new(tl_store *s, const char *conf, int recover, tl_err *e)
{
	tl_capfd *d = calloc(1, sizeof(*d));
	int n;

	if (d == NULL || (d->rate = calloc(RATE_SLOTS, sizeof(*d->rate))) == NULL) {
		free(d);
		tl_fail(e, "out of memory");
		return NULL;
	}
	d->s = s;
	snprintf(d->admin, sizeof(d->admin), "%s", conf ? conf : "");
	tl_store_path(s, d->conf, sizeof(d->conf), "trustline.conf");
	d->generation = tl_store_read_generation(s->dir);
	d->stamp = files_stamp(d);
	if (load(d, &d->cur, &d->tls, e)) {
		tl_capfd_free(d);
		return NULL;
	}
	if (recover) {
		if (tl_capf_recover(s, (long)time(NULL), &n, e)) {
			tl_capfd_free(d);
			return NULL;
		}
		if (n)
			tl_log(LOG_WARNING, "event=recovered unconfirmed_lscs=%d", n);
	}
	return d;
}

const tl_capf_srv *tl_capfd_srv(const tl_capfd *d)
{
	return &d->cur->v;
}

void tl_capfd_free(tl_capfd *d)
{
	if (d == NULL)
		return;
	tl_ev_free(d->watch);
	/* the connections first: their last changes go to the writer */
	tl_netsrv_free(d->srv);
	tl_capf_writer_free(d->writer);
	ref_put(d->cur);
	tl_tls_free(d->tls);
	free(d->rate);
	free(d);
}

/* Reloads everything; why says what asked for it in the log line. */
static void reload(tl_capfd *d, const char *why)
{
	srvref *r;
	tl_tls *tls;
	tl_conf c, old;
	char v[600];
	tl_err e;

	if (tl_conf_load_daemon(&c, d->conf, d->admin[0] ? d->admin : NULL, &e)) {
		tl_log(LOG_ERR, "event=reload_failed error=%s", tl_log_val(e.msg, v, sizeof(v)));
		tl_capf_metrics_slot()->reloads_failed++;
		return;
	}
	/* the command line's listen, port and workers stay as they were */
	c.capf.port = d->s->conf.capf.port;
	c.capf.workers = d->s->conf.capf.workers;
	memcpy(c.capf.listen, d->s->conf.capf.listen, sizeof(c.capf.listen));
	memcpy(c.capf.metrics_listen, d->s->conf.capf.metrics_listen,
	       sizeof(c.capf.metrics_listen));
	old = d->s->conf;
	d->s->conf = c;
	d->stamp = files_stamp(d);
	if (load(d, &r, &tls, &e)) {
		d->s->conf = old;
		tl_log(LOG_ERR, "event=reload_failed error=%s", tl_log_val(e.msg, v, sizeof(v)));
		tl_capf_metrics_slot()->reloads_failed++;
		return;
	}
	tl_capf_metrics_slot()->reloads_ok++;
	/* the session counter goes on: ids stay distinct across reloads */
	r->v.next_session = d->cur->v.next_session;
	ref_put(d->cur);
	d->cur = r;
	tl_netsrv_set_tls(d->srv, tls);
	tl_tls_free(d->tls);
	d->tls = tls;
	{
		char *serial = tl_hex(r->v.capf->serial, r->v.capf->serial_len, 1);

		tl_log(LOG_INFO, "event=reload trust=%zu capf_serial=%s issuer=%s cause=%s",
		       r->v.ntrust, serial ? serial : "?",
		       tl_log_val((r->v.issuer ? r->v.issuer : r->v.capf)->subject, v,
				  sizeof(v)), why);
		free(serial);
	}
}

void tl_capfd_hup(void *arg)
{
	reload(arg, "sighup");
}

static void publish_crl(tl_capfd *d)
{
	int published = 0;
	char v[600];
	tl_err e;

	if (tl_capf_srv_publish_crl(&d->cur->v, time(NULL), &published, &e)) {
		tl_log(LOG_ERR, "event=crl_failed error=%s",
		       tl_log_val(e.msg, v, sizeof(v)));
		tl_capf_metrics_slot()->crls_failed++;
	} else if (published) {
		tl_log(LOG_INFO, "event=crl_published file=%s", TL_LSCCRL_PATH);
		tl_capf_metrics_slot()->crls_published++;
	}
}

/* trustline bumps the generation with each change: a new CAPF identity
 * or CAPF-trust is taken for new connections; sessions in flight keep the
 * state and TLS context they started with. */
static void on_watch(void *arg)
{
	tl_capfd *d = arg;
	long g = tl_store_read_generation(d->s->dir);

	/* an LSC revoked or deleted moves the generation; a CRL about to go
	 * stale is looked for once a minute */
	if (g != d->generation || ++d->crl_ticks >= CRL_TICKS) {
		d->crl_ticks = 0;
		publish_crl(d);
	}
	if (g == d->generation)
		return;
	d->generation = g;
	if (files_stamp(d) != d->stamp)
		reload(d, "generation");
}

static int send_out(tl_netconn *c, tl_buf *out)
{
	int rc = out->failed ? -1 : tl_netconn_send(c, out->p, out->len);

	tl_buf_free(out);
	return rc;
}

/* The change the session waits for, if any, to the writer; 0, or -1 when
 * there is no memory for it. */
static int hand_over(tl_capfd *d, tl_netconn *c, conn_state *cs)
{
	tl_capf_change ch;

	if (!tl_capf_sess_take(&cs->sess, &ch))
		return 0;
	cs->writing = tl_capf_writer_put(d->writer, &ch, c);
	return cs->writing ? 0 : -1;
}

/* A change committed (or not): the session it was for goes on, or, when
 * the phone has gone meanwhile, what that leaves to record is. */
static void written(void *arg, tl_capf_write *w)
{
	tl_capfd *d = arg;
	tl_netconn *c = w->arg;
	conn_state *cs;
	tl_buf out;

	if (w->change.kind == TL_CAPF_CH_ISSUED && w->rc == 0)
		tl_capf_metrics_slot()->lscs_issued++;
	if (c == NULL) {
		if (tl_capf_change_orphaned(&w->change, w->rc, w->timed_out))
			tl_capf_writer_put(d->writer, &w->change, NULL);
		return;
	}
	cs = tl_netconn_data(c);
	cs->writing = NULL;
	tl_buf_init(&out);
	tl_capf_sess_applied(&cs->sess, w->rc, &w->change, &w->e, &out);
	crash_point(&cs->sess);
	if ((out.len && send_out(c, &out)) || hand_over(d, c, cs))
		tl_netconn_close_after_send(c);
	tl_buf_free(&out);
	if (cs->sess.state == TL_CAPF_S_DONE)
		tl_netconn_close_after_send(c);
	tl_netconn_wake(c);
}

static void on_open(void *arg, tl_netconn *c)
{
	tl_capfd *d = arg;
	conn_state *cs = tl_netconn_data(c);
	tl_buf out;
	tl_err e;

	cs->ref = d->cur;
	cs->ref->refs++;
	tl_capf_metrics_slot()->active++;
	tl_capf_sess_init(&cs->sess, &cs->ref->v, tl_netconn_peer(c));
	tl_buf_init(&out);
	/* the server speaks first; header and body in one record */
	if (tl_capf_sess_start(&cs->sess, &out, &e)) {
		tl_buf_free(&out);
		tl_netconn_close_after_send(c);
		return;
	}
	crash_point(&cs->sess);
	if (send_out(c, &out))
		tl_netconn_close_after_send(c);
}

static long on_data(void *arg, tl_netconn *c, const uint8_t *buf, size_t len)
{
	tl_capfd *d = arg;
	conn_state *cs = tl_netconn_data(c);
	tl_buf out;
	long used;

	if (cs->ref == NULL)
		return -1;
	tl_buf_init(&out);
	used = tl_capf_sess_input(&cs->sess, buf, len, &out);
	crash_point(&cs->sess);
	if ((out.len && send_out(c, &out)) || hand_over(d, c, cs)) {
		tl_buf_free(&out);
		return -1;
	}
	tl_buf_free(&out);
	if (cs->sess.state == TL_CAPF_S_DONE)
		tl_netconn_close_after_send(c);
	return used;
}

static void on_close(void *arg, tl_netconn *c, int timed_out)
{
	tl_capfd *d = arg;
	conn_state *cs = tl_netconn_data(c);
	tl_capf_change ch;

	if (cs->ref == NULL)
		return;
	/* a change being committed finishes without the session */
	if (cs->writing) {
		cs->writing->arg = NULL;
		cs->writing->timed_out = timed_out;
	}
	tl_capf_sess_closed(&cs->sess, timed_out);
	tl_capf_metrics_session(&cs->sess);
	tl_capf_metrics_slot()->active--;
	if (tl_capf_sess_take(&cs->sess, &ch))
		tl_capf_writer_put(d->writer, &ch, NULL);
	ref_put(cs->ref);
	cs->ref = NULL;
}

/* At most per_ip_rate new connections per second from one address: the
 * authentication strings are short, and each attempt costs a handshake. */
static int admit(void *arg, const struct sockaddr *sa)
{
	tl_capfd *d = arg;
	int limit = d->s->conf.capf.per_ip_rate;
	uint8_t addr[16] = { 0 };
	uint64_t now = tl_now_ms(), sec = now / 1000;
	uint32_t h = 2166136261u;
	rate_slot *r;

	if (limit <= 0)
		return 0;
	if (sa->sa_family == AF_INET6)
		memcpy(addr, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	else
		memcpy(addr + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	for (int i = 0; i < 16; i++)
		h = (h ^ addr[i]) * 16777619u;
	r = &d->rate[h % RATE_SLOTS];
	if (r->second != sec || memcmp(r->addr, addr, 16)) {
		memcpy(r->addr, addr, 16);
		r->second = sec;
		r->count = 0;
	}
	if (++r->count <= (unsigned)limit)
		return 0;
	d->refused++;
	if (now - d->refused_logged >= 1000) {
		char peer[64];

		tl_log(LOG_WARNING, "event=refused reason=per_ip_rate peer=%s limit=%d "
		       "refused=%lu", tl_sock_str(sa, 0, peer, sizeof(peer)), limit,
		       d->refused);
		d->refused_logged = now;
		d->refused = 0;
	}
	return -1;
}

int tl_capfd_serve(tl_capfd *d, tl_loop *l, int fd, tl_err *e)
{
	const tl_conf_capf *t = &d->s->conf.capf;
	tl_netsrv_opts o = {
		.max_connections = t->max_connections,
		.max_per_source = t->max_per_source,
		.handshake_ms = (unsigned)t->handshake_timeout * 1000u,
		.idle_ms = (unsigned)t->idle_timeout * 1000u,
		.max_input = CAPF_MAX_INPUT,
		.max_output = MAX_OUTPUT,
		.on_data = on_data,
		.on_open = on_open,
		.on_close = on_close,
		.admit = admit,
		.arg = d,
		.conn_data = sizeof(conn_state),
		.counts = &tl_capf_metrics_slot()->net,
	};

	if ((d->writer = tl_capf_writer_new(l, d->s->dir, written, d, e)) == NULL) {
		close(fd);
		return -1;
	}
	if ((d->srv = tl_netsrv_new(l, fd, d->tls, &o, e)) == NULL)
		return -1;
	if ((d->watch = tl_ev_periodic(l, WATCH_MS, on_watch, d, e)) == NULL)
		return -1;
	publish_crl(d);
	return 0;
}

const char *tl_capfd_user(const tl_store *s)
{
	static char owner[64];
	struct passwd *pw;
	struct stat st;
	char path[PATH_MAX + 16];

	if (s->conf.capf.user[0])
		return s->conf.capf.user;
	tl_store_path(s, path, sizeof(path), "trustline.db");
	if (stat(path, &st) || (pw = getpwuid(st.st_uid)) == NULL)
		return "nobody";
	snprintf(owner, sizeof(owner), "%s", pw->pw_name);
	return owner;
}

int tl_capfd_check_user(const tl_store *s, tl_err *e)
{
	const char *user = tl_capfd_user(s);
	char dir[PATH_MAX], db[PATH_MAX + 16], wal[PATH_MAX + 16], shm[PATH_MAX + 16];
	const char *paths[] = { dir, db, wal, shm, NULL };
	struct passwd *pw;
	tl_err why;

	if (tl_daemon_user_ok(user, e))
		return -1;
	/* root would be left holding the CAPF key on the network: only when
	 * asked for by name */
	if (geteuid() == 0 && (pw = getpwnam(user)) != NULL && pw->pw_uid == 0) {
		if (!s->conf.capf.user[0])
			return tl_fail(e, "trustline.db belongs to root, so capfd would "
				       "serve as root: create a system user (`adduser "
				       "--system --group trustline`) and give it the data "
				       "directory (`chown -R trustline: %s`), or set [capf] "
				       "user to the user to run as (user = root keeps root, "
				       "not advised)", s->dir);
		tl_log(LOG_WARNING, "event=warning detail=\"[capf] user = root: capfd "
		       "serves as root with every capability\"");
	}
	snprintf(dir, sizeof(dir), "%s", s->dir);
	tl_store_path(s, db, sizeof(db), "trustline.db");
	tl_store_path(s, wal, sizeof(wal), "trustline.db-wal");
	tl_store_path(s, shm, sizeof(shm), "trustline.db-shm");
	if (tl_daemon_may_write(user, paths, &why))
		return tl_fail(e, "%s; capfd records every enrollment in trustline.db: "
			       "give the data directory and trustline.db to %s, or leave "
			       "[capf] user empty to run as their owner", why.msg, user);
	return 0;
}

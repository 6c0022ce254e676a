#include "tvsserver.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "follow.h"
#include "log.h"
#include "tsrecord.h"
#include "trustlist.h"
#include "tvsmetrics.h"

/* An index with the requests using it: a reload swaps in a new one and the
 * old one goes when its last user is done. */
typedef struct ixref {
	tl_tvs_index ix;
	long served;		/* the database's generation, read before */
	int refs;
} ixref;

struct tl_tvsd {
	tl_store *s;
	char node[64];
	ixref *cur;
	tl_tls *tls;
	uint8_t tls_sha256[32];	/* of the certificate it serves */
	tl_netsrv *srv;
	tl_ev *check_ev;
	tl_ev *log_ev;		/* writes the round's log lines */
	tl_tsrec *rec;		/* what phones were told (tsrecord.h) */
	tl_follow *follow;	/* the shared database's changes, or NULL */
};

/* Per connection: requests answered so far. */
typedef struct conn_state {
	unsigned requests;
} conn_state;

static ixref *ix_get(tl_tvsd *d)
{
	d->cur->refs++;
	return d->cur;
}

static void ix_put(ixref *r)
{
	if (r && --r->refs == 0) {
		tl_tvs_index_free(&r->ix);
		free(r);
	}
}

static ixref *ix_build(tl_store *s, tl_err *e)
{
	ixref *r = calloc(1, sizeof(*r));

	if (r == NULL) {
		tl_fail(e, "out of memory");
		return NULL;
	}
	r->served = tl_store_generation(s);
	if (tl_tvs_index_build(&r->ix, s, e)) {
		free(r);
		return NULL;
	}
	r->refs = 1;
	return r;
}

/* Loads the TVS identity into a new TLS context, unless it is the one
 * served already (*out stays NULL then). */
static int load_tls(tl_tvsd *d, tl_tls **out, tl_err *e)
{
	uint8_t h[TL_HASH_MAX];
	tl_cert *c;
	tl_key *k;
	int rc;

	*out = NULL;
	if (tl_store_identity_load(d->s, "TVS", d->node, &c, NULL, e))
		return tl_wrap(e, "the TVS identity of %s", d->node);
	tl_hash(TL_HASH_SHA256, c->der, c->der_len, h);
	if (d->tls && !memcmp(h, d->tls_sha256, 32)) {
		tl_cert_free(c);
		return 0;
	}
	tl_cert_free(c);
	if (tl_store_identity_load(d->s, "TVS", d->node, &c, &k, e))
		return tl_wrap(e, "the TVS identity of %s", d->node);
	rc = tl_tls_server(out, c, k, d->s->conf.tvs.tls_min, e);
	tl_hash(TL_HASH_SHA256, c->der, c->der_len, h);
	if (rc == 0)
		memcpy(d->tls_sha256, h, 32);
	tl_cert_free(c);
	tl_key_free(k);
	return rc;
}

tl_tvsd *tl_tvsd_new(tl_store *s, const char *node, tl_err *e)
{
	tl_tvsd *d = calloc(1, sizeof(*d));

	if (d == NULL) {
		tl_fail(e, "out of memory");
		return NULL;
	}
	d->s = s;
	snprintf(d->node, sizeof(d->node), "%s", node ? node : s->conf.nodes[0]);
	if (!tl_conf_has_node(&s->conf, d->node)) {
		tl_fail(e, "%s is not a node of cluster %s", d->node, s->conf.name);
		free(d);
		return NULL;
	}
	if ((d->cur = ix_build(s, e)) == NULL || load_tls(d, &d->tls, e)) {
		tl_tvsd_free(d);
		return NULL;
	}
	return d;
}

void tl_tvsd_free(tl_tvsd *d)
{
	if (d == NULL)
		return;
	tl_follow_free(d->follow);
	tl_ev_free(d->check_ev);
	tl_netsrv_free(d->srv);
	if (d->log_ev)
		tl_log_hold(NULL, NULL);
	tl_ev_free(d->log_ev);
	tl_tls_free(d->tls);
	tl_tsrec_free(d->rec);
	ix_put(d->cur);
	free(d);
}

int tl_tvsd_record(tl_tvsd *d, tl_loop *l, tl_err *e)
{
	return (d->rec = tl_tsrec_new(l, d->s->dir, e)) ? 0 : -1;
}

size_t tl_tvsd_entries(const tl_tvsd *d)
{
	return d->cur->ix.n;
}

int tl_tvsd_reload(tl_tvsd *d, tl_err *e)
{
	ixref *r = ix_build(d->s, e);
	tl_tls *tls = NULL;
	tl_err te = { "" };

	if (r == NULL) {
		tl_tvs_metrics_slot()->reloads_failed++;
		return -1;
	}
	tl_tvs_metrics_slot()->reloads_ok++;
	ix_put(d->cur);
	d->cur = r;
	/* A new TVS certificate needs its key, which a server that dropped
	 * its privileges may no longer read: it then keeps serving the old
	 * identity and says so. */
	if (load_tls(d, &tls, &te) == 0 && tls) {
		tl_tls_free(d->tls);
		d->tls = tls;
		if (d->srv)
			tl_netsrv_set_tls(d->srv, tls);
	} else if (tls == NULL && te.msg[0]) {
		char v[600];

		tl_log(LOG_WARNING, "event=identity_kept error=%s",
		       tl_log_val(te.msg, v, sizeof(v)));
	}
	tl_log(LOG_INFO, "event=reload generation=%ld entries=%zu", r->served,
	       r->ix.n);
	tl_follow_loaded(d->follow, r->served);
	return 0;
}

int tl_tvsd_check(tl_tvsd *d, tl_err *e)
{
	if (tl_store_read_generation(d->s->dir) == d->cur->ix.generation)
		return 0;
	return tl_tvsd_reload(d, e);
}

static void roles_str(const tl_tvs_entry *en, char *out, size_t n)
{
	size_t o = 0;

	out[0] = 0;
	for (size_t i = 0; en && i < en->nroles && o < n; i++)
		o += (size_t)snprintf(out + o, n - o, "%s%s", i ? "+" : "",
				      tl_role_short(en->roles[i]));
	if (out[0] == 0)
		snprintf(out, n, "none");
}

/* The request's log line, like Cisco's TVS trace: who asked about which
 * certificate and what it was told. */
static void log_request(const tl_conf_tvs *t, const char *peer, const tl_tvs_msg *m,
			const tl_tvs_entry *en, const char *verdict)
{
	char dev[128], subj[300], iss[300], roles[64], dv[160], sv[320], iv[320], rv[420];
	char *serial = NULL, *sha = NULL;
	tl_cert *parsed = NULL;
	const tl_cert *c = en ? en->cert : NULL;
	uint8_t h[TL_HASH_MAX];
	tl_err e;

	snprintf(dev, sizeof(dev), "%.*s", (int)(m->device_len < 100 ? m->device_len : 100),
		 m->device ? m->device : "");
	/* an unknown certificate is still named in the log, when it parses */
	if (c == NULL && m->cert && tl_cert_ids_from_der(m->cert, m->cert_len, &parsed,
							    &e) == 0)
		c = parsed;
	snprintf(subj, sizeof(subj), "%s", c ? c->subject : "-");
	snprintf(iss, sizeof(iss), "%s", c ? c->issuer : m->issuer ? m->issuer : "-");
	if (c)
		serial = tl_hex(c->serial, c->serial_len, 1);
	else if (m->serial)
		serial = tl_hex(m->serial, m->serial_len, 1);
	if (en)
		sha = tl_hex(en->sha256, 32, 0);
	else if (m->cert && tl_hash(TL_HASH_SHA256, m->cert, m->cert_len, h) > 0)
		sha = tl_hex(h, 32, 0);
	roles_str(verdict[0] == 'v' ? en : NULL, roles, sizeof(roles));
	tl_log(LOG_INFO, "event=%s peer=%s session=%u device=%s subject=%s issuer=%s "
	       "serial=%s sha256=%s verdict=%s roles=%s ttl=%u%s%s",
	       m->command == TL_TVS_VERIFY_REQUEST ? "verify" : "query", peer,
	       m->session, tl_log_val(dev[0] ? dev : "-", dv, sizeof(dv)),
	       tl_log_val(subj, sv, sizeof(sv)), tl_log_val(iss, iv, sizeof(iv)),
	       serial ? serial : "-", sha ? sha : "-", verdict, roles,
	       verdict[0] == 'v' ? tl_tvs_entry_ttl(t, en) : 0,
	       en && en->revoked[0] ? " reason=" : "",
	       en && en->revoked[0] ? tl_log_val(en->revoked, rv, sizeof(rv)) : "");
	free(serial);
	free(sha);
	tl_cert_free(parsed);
}

/* The answer in the phone's trust state: the certificate by SHA-256. */
static void record(tl_tsrec *rec, const char *peer, const tl_tvs_msg *m,
		   const tl_tvs_entry *en, const char *verdict)
{
	uint8_t h[TL_HASH_MAX];
	const uint8_t *sha = en ? en->sha256 : NULL;

	if (rec == NULL)
		return;
	if (sha == NULL && m->cert && tl_hash(TL_HASH_SHA256, m->cert, m->cert_len, h) > 0)
		sha = h;
	tl_tsrec_tvs(rec, m->device, m->device_len, peer,
		     m->command == TL_TVS_VERIFY_REQUEST ? "verify" : "query", sha,
		     verdict);
}

static int answer(const tl_tvs_index *ix, const tl_conf_tvs *t, tl_tsrec *rec,
		  const tl_tvs_msg *m, const char *peer, tl_buf *out, tl_err *e)
{
	const tl_tvs_entry *en;
	const char *verdict;
	tl_tvs_msg r;

	memset(&r, 0, sizeof(r));
	r.session = m->session;
	r.has_status = 1;
	if (m->command == TL_TVS_VERIFY_REQUEST) {
		r.command = TL_TVS_VERIFY_RESPONSE;
		en = tl_tvs_find_der(ix, m->cert, m->cert_len);
	} else {
		r.command = TL_TVS_QUERY_RESPONSE;
		en = tl_tvs_find_serial(ix, m->issuer, m->serial, m->serial_len);
	}
	if (en == NULL)
		verdict = m->command == TL_TVS_VERIFY_REQUEST ? "unknown" : "not_found";
	else if (en->nroles == 0)
		verdict = "no_role";
	else if (en->revoked[0])
		verdict = "revoked";
	else if (!tl_tvs_entry_valid(en, time(NULL)))
		verdict = en->cert->not_after < time(NULL) ? "expired" : "not_yet_valid";
	else
		verdict = "valid";
	if (verdict[0] == 'v') {
		r.status = TL_TVS_VALID;
		memcpy(r.roles, en->roles, en->nroles);
		r.nroles = en->nroles;
		r.has_ttl = 1;
		r.ttl = tl_tvs_entry_ttl(t, en);
		if (m->command == TL_TVS_QUERY_REQUEST) {
			r.cert = en->cert->der;
			r.cert_len = en->cert->der_len;
		}
	} else {
		r.status = TL_TVS_INVALID;
	}
	log_request(t, peer, m, en, verdict);
	record(rec, peer, m, en, verdict);
	if (tl_tvs_encode(&r, out, e)) {
		tl_tvs_metrics_answer(NULL);
		return -1;
	}
	tl_tvs_metrics_answer(verdict);
	return 0;
}

long tl_tvsd_request(tl_tvsd *d, const uint8_t *buf, size_t len, const char *peer,
		     tl_buf *out, tl_err *e)
{
	tl_tvs_msg m;
	size_t used;
	ixref *r;
	int rc = tl_tvs_decode(buf, len, &m, &used, e);

	if (rc == 0 && used > TL_TVSD_MAX_MESSAGE)
		rc = tl_fail(e, "TVS message of %zu bytes (at most %d)", used,
			     TL_TVSD_MAX_MESSAGE);
	else if (rc > 0 && m.command != TL_TVS_VERIFY_REQUEST &&
		 m.command != TL_TVS_QUERY_REQUEST)
		rc = tl_fail(e, "TVS message: command %u is not a request", m.command);
	if (rc < 0)
		tl_tvs_metrics_answer(NULL);
	if (rc <= 0)
		return rc;
	r = ix_get(d);
	rc = answer(&r->ix, &d->s->conf.tvs, d->rec, &m, peer, out, e);
	ix_put(r);
	return rc ? -1 : (long)used;
}

/* ---- the network side ---- */

static long on_data(void *arg, tl_netconn *c, const uint8_t *buf, size_t len)
{
	tl_tvsd *d = arg;
	conn_state *st = tl_netconn_data(c);
	tl_buf out;
	tl_err e;
	long used;

	tl_buf_init(&out);
	used = tl_tvsd_request(d, buf, len, tl_netconn_peer(c), &out, &e);
	if (used < 0) {
		char v[600];

		tl_log(LOG_WARNING, "event=bad_message peer=%s error=%s",
		       tl_netconn_peer(c), tl_log_val(e.msg, v, sizeof(v)));
	} else if (used > 0 && tl_netconn_send(c, out.p, out.len)) {
		tl_log(LOG_WARNING, "event=close peer=%s reason=output_full",
		       tl_netconn_peer(c));
		used = -1;
	} else if (used > 0 && ++st->requests >= (unsigned)d->s->conf.tvs.max_requests) {
		tl_netconn_close_after_send(c);
	}
	tl_buf_free(&out);
	return used;
}

static void reload_logged(tl_tvsd *d, int when_changed)
{
	tl_err e;

	if (when_changed ? tl_tvsd_check(d, &e) : tl_tvsd_reload(d, &e)) {
		char v[600];

		tl_log(LOG_ERR, "event=reload_failed error=%s",
		       tl_log_val(e.msg, v, sizeof(v)));
	}
}

void tl_tvsd_hup(void *arg)
{
	reload_logged(arg, 0);
}

static void check_store(void *arg)
{
	reload_logged(arg, 1);
}

static void on_changed(void *arg)
{
	reload_logged(arg, 0);
}

int tl_tvsd_follow(tl_tvsd *d, tl_loop *l, const char *node, tl_err *e)
{
	if (tl_follow_open(&d->follow, l, &d->s->conf, node ? node :
			   d->s->conf.db_node, on_changed, d, e))
		return -1;
	tl_follow_loaded(d->follow, d->cur->served);
	return 0;
}

static void write_log(void *arg)
{
	tl_log_flush();
}

static void log_held(void *arg)
{
	tl_tvsd *d = arg;

	tl_ev_arm(d->log_ev, 0);
}

int tl_tvsd_serve(tl_tvsd *d, tl_loop *l, int fd, tl_err *e)
{
	const tl_conf_tvs *t = &d->s->conf.tvs;
	tl_netsrv_opts o = {
		.max_connections = t->max_connections,
		.max_per_source = t->max_per_source,
		.handshake_ms = (unsigned)t->handshake_timeout * 1000u,
		.idle_ms = (unsigned)t->idle_timeout * 1000u,
		.max_input = TL_TVSD_MAX_MESSAGE,
		/* answers to a full input buffer of pipelined requests */
		.max_output = 4 * TL_TVSD_MAX_MESSAGE,
		.on_data = on_data,
		.arg = d,
		.conn_data = sizeof(conn_state),
		.counts = &tl_tvs_metrics_slot()->net,
	};

	if ((d->srv = tl_netsrv_new(l, fd, d->tls, &o, e)) == NULL)
		return -1;
	/* administrators' commands bump the generation; a 2 s look at it is
	 * one read of the file tftpd watches too */
	if ((d->check_ev = tl_ev_periodic(l, 2000, check_store, d, e)) == NULL)
		return -1;
	/* a line per request, written once per round of the loop: the
	 * answers of every connection that was ready share one write */
	if ((d->log_ev = tl_ev_timer(l, write_log, d, e)) == NULL)
		return -1;
	tl_log_hold(log_held, d);
	return 0;
}

#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "capfdb.h"
#include "devdb.h"
#include "log.h"
#include "lsc.h"

/* Phones report key generation every few seconds; RSA 4096 on an old
 * phone takes minutes. More than this many reports is a phone stuck in a
 * loop, not a slow one (the idle timeout still bounds a silent one). */
#define MAX_IN_PROGRESS 200

long tl_capf_sess_now(const tl_capf_sess *s)
{
	return (long)(s->srv->clock ? s->srv->clock() : time(NULL));
}

/* ---- sending ---- */

static void msg_init(tl_capf_msg *m, const tl_capf_sess *s, int command)
{
	memset(m, 0, sizeof(*m));
	m->command = (uint8_t)command;
	m->session = s->id;
}

static void send_msg(tl_capf_sess *s, const tl_capf_msg *m, tl_buf *out)
{
	tl_err e;

	if (tl_capf_encode(m, out, &e))
		tl_log(LOG_ERR, "event=encode-failed peer=%s error=\"%s\"", s->peer, e.msg);
}

static void end_session(tl_capf_sess *s, int reason, const char *info, tl_buf *out)
{
	tl_capf_msg m;

	msg_init(&m, s, TL_CAPF_END_SESSION);
	m.has_reason = 1;
	m.reason = (uint8_t)reason;
	if (info) {
		m.reason_info = info;
		m.reason_info_len = strlen(info);
	}
	send_msg(s, &m, out);
	s->end_reason = reason;
	s->state = TL_CAPF_S_DONE;
}

/* ---- recording ---- */

void tl_capf_sess_db_error(const tl_capf_sess *s, const tl_err *e)
{
	tl_log(LOG_ERR, "event=db-error device=%s error=\"%s\"", s->device, e->msg);
}

static void log_status(const char *device, const char *peer, int op, int code,
		       const char *detail)
{
	char v[300];

	tl_log(code == tl_lsc_success(op) ? LOG_INFO : LOG_NOTICE,
	       "event=status device=%s peer=%s operation=%s status=%d text=\"%s\" "
	       "detail=%s", device, peer, tl_capf_op_name(op), code,
	       tl_lsc_status_text(code), tl_log_val(detail ? detail : "", v, sizeof(v)));
}

static void logged(const tl_capf_sess *s, int code, const char *detail)
{
	log_status(s->device, s->peer, s->op, code, detail);
}

int tl_capf_change_apply(tl_store *st, tl_capf_change *c, tl_err *e)
{
	switch (c->kind) {
	case TL_CAPF_CH_RECORD:
		return tl_capf_record(st, c->device, c->status, c->done, c->detail,
				      c->now, e);
	case TL_CAPF_CH_ISSUED:
		return tl_capf_lsc_issued(st, c->device, c->cert, c->now, &c->lsc_id, e);
	case TL_CAPF_CH_CONFIRMED:
		return tl_capf_lsc_confirmed(st, c->lsc_id, c->device, c->now, e);
	case TL_CAPF_CH_UNCONFIRMED:
		return tl_capf_lsc_unconfirmed(st, c->lsc_id, c->device, c->status,
					       c->detail, c->now, e);
	case TL_CAPF_CH_FETCHED:
		return tl_capf_fetched(st, c->device, c->cert, c->now, e);
	case TL_CAPF_CH_DELETED:
		return tl_capf_lsc_deleted(st, c->device, c->now, e);
	default:
		return 0;
	}
}

void tl_capf_change_free(tl_capf_change *c)
{
	tl_cert_free(c->cert);
	c->cert = NULL;
	c->kind = TL_CAPF_CH_NONE;
}

int tl_capf_change_orphaned(tl_capf_change *c, int rc, int timed_out)
{
	if (c->kind != TL_CAPF_CH_ISSUED)
		return 0;
	tl_cert_free(c->cert);
	c->cert = NULL;
	c->kind = rc ? TL_CAPF_CH_RECORD : TL_CAPF_CH_UNCONFIRMED;
	c->status = tl_lsc_failure(c->op, TL_WHY_COMM);
	c->done = 0;
	snprintf(c->detail, sizeof(c->detail), "%s", timed_out ?
		 "the phone stopped answering" : "the phone closed the connection");
	log_status(c->device, c->peer, c->op, c->status, c->detail);
	return 1;
}

static void change_init(tl_capf_change *c, const tl_capf_sess *s, int kind)
{
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	memcpy(c->device, s->device, sizeof(c->device));
	memcpy(c->peer, s->peer, sizeof(c->peer));
	c->op = s->op;
	c->now = tl_capf_sess_now(s);
}

/* Commits c, then does then (NULL: nothing more): at once, or, for a
 * deferred server, once the caller has committed it. */
static void change(tl_capf_sess *s, tl_capf_change *c, tl_capf_then then,
		   tl_buf *out)
{
	tl_err e;
	int rc;

	if (s->srv->deferred) {
		s->change = *c;
		s->then = then;
		s->waiting = 1;
		return;
	}
	if ((rc = tl_capf_change_apply(s->srv->store, c, &e)) != 0)
		tl_capf_sess_db_error(s, &e);
	if (then)
		then(s, rc, c, out);
	tl_capf_change_free(c);
}

static void record(tl_capf_sess *s, int code, int done, const char *detail,
		   tl_capf_then then, tl_buf *out)
{
	tl_capf_change c;

	s->status = code;
	logged(s, code, detail);
	change_init(&c, s, TL_CAPF_CH_RECORD);
	c.status = code;
	c.done = done;
	snprintf(c.detail, sizeof(c.detail), "%s", detail);
	change(s, &c, then, out);
}

static void end_failed(tl_capf_sess *s, int rc, const tl_capf_change *c, tl_buf *out)
{
	end_session(s, TL_CAPF_INVALID_ELEMENT, c->detail, out);
}

/* The operation failed for why: recorded, and the session ends with
 * reason 7 and the detail for the phone's log. */
static void fail(tl_capf_sess *s, int why, const char *detail, tl_buf *out)
{
	record(s, tl_lsc_failure(s->op, why), 0, detail, end_failed, out);
}

/* A success recorded ends the session with SUCCESS. */
static void end_done(tl_capf_sess *s, int rc, const tl_capf_change *c, tl_buf *out)
{
	if (rc)
		end_session(s, TL_CAPF_INVALID_ELEMENT, "database error", out);
	else
		end_session(s, TL_CAPF_SUCCESS, NULL, out);
}

/* ---- the steps ---- */

static void key_request(tl_capf_sess *s, const tl_device *d, tl_buf *out)
{
	tl_capf_msg m;
	tl_err e;

	if (tl_conf_parse_key(d->capf_key, &s->key_type, &s->key_bits, &e)) {
		fail(s, TL_WHY_OTHER, e.msg, out);
		return;
	}
	msg_init(&m, s, TL_CAPF_KEY_GEN_REQUEST);
	m.has_key_type = 1;
	m.key_type = (uint8_t)s->key_type;
	if (s->key_type == TL_KEY_RSA) {
		m.has_key_size = 1;
		m.key_size = (uint16_t)s->key_bits;
	} else {
		m.has_curve = 1;
		m.curve = s->key_bits == 521 ? 2 : s->key_bits == 384 ? 1 : 0;
	}
	send_msg(s, &m, out);
	s->state = TL_CAPF_S_KEYGEN;
}

static void on_auth(tl_capf_sess *s, const tl_capf_msg *m, tl_buf *out)
{
	char name[16], detail[sizeof(((tl_err *)0)->msg)];
	tl_device d;
	tl_capf_msg r;
	tl_err e;
	int rc = 0, why = TL_WHY_OTHER;

	if (m->command != TL_CAPF_AUTH_RESPONSE || !m->device) {
		end_session(s, TL_CAPF_INVALID_ELEMENT, "expected AUTH_RESPONSE with "
			    "DEVICE_NAME", out);
		return;
	}
	if (tl_dev_name(m->device, name, &e) ||
	    (rc = tl_dev_get(s->srv->store, name, &d, &e)) == 1) {
		char v[80];

		tl_log(LOG_NOTICE, "event=unknown-device device=%s peer=%s",
		       tl_log_val(m->device, v, sizeof(v)), s->peer);
		end_session(s, TL_CAPF_UNKNOWN_DEVICE, "unknown device", out);
		return;
	}
	if (rc < 0) {
		tl_log(LOG_ERR, "event=db-error device=%s error=\"%s\"", name, e.msg);
		end_session(s, TL_CAPF_INVALID_ELEMENT, "database error", out);
		return;
	}
	memcpy(s->device, name, sizeof(name));
	s->op = tl_capf_op_parse(d.capf_operation);
	if (s->op <= TL_CAPF_OP_NONE) {
		s->op = TL_CAPF_OP_NONE;
		tl_log(LOG_INFO, "event=no-operation device=%s peer=%s", s->device, s->peer);
		end_session(s, TL_CAPF_NO_ACTION, "no operation pending", out);
	} else if (d.capf_deadline && tl_capf_sess_now(s) > d.capf_deadline) {
		fail(s, TL_WHY_LATE, "the operation's deadline has passed", out);
	} else if (tl_capf_authenticate(s, &d, m, &why, detail,
					sizeof(detail))) {
		fail(s, why, detail, out);
	} else if (s->op == TL_CAPF_OP_INSTALL) {
		key_request(s, &d, out);
	} else {
		msg_init(&r, s, s->op == TL_CAPF_OP_FETCH ? TL_CAPF_FETCH_CERT_REQUEST :
			 TL_CAPF_DELETE_CERT_REQUEST);
		r.has_cert_type = s->op == TL_CAPF_OP_DELETE;
		r.cert_type = TL_CAPF_CERT_LSC;
		send_msg(s, &r, out);
		s->state = s->op == TL_CAPF_OP_FETCH ? TL_CAPF_S_FETCH : TL_CAPF_S_DELETE;
	}
	tl_device_free(&d);
}

/* The phone's key must be what was asked for: type, and RSA size or curve. */
static int right_key(const tl_capf_sess *s, const tl_capf_msg *m, tl_pub **pub,
		     char *detail, size_t n)
{
	tl_err e;
	int bits;

	if (m->has_reason && m->reason != TL_CAPF_SUCCESS) {
		snprintf(detail, n, "the phone could not generate the key (reason %u)",
			 m->reason);
		return -1;
	}
	if (!m->public_key) {
		snprintf(detail, n, "KEY_GEN_RESPONSE without PUBLIC_KEY");
		return -1;
	}
	if (tl_pub_from_spki(m->public_key, m->public_key_len, pub, &e)) {
		snprintf(detail, n, "%s", e.msg);
		return -1;
	}
	bits = tl_pub_type(*pub) == TL_KEY_EC ? tl_pub_curve(*pub) : tl_pub_bits(*pub);
	if (tl_pub_type(*pub) == s->key_type && bits == s->key_bits)
		return 0;
	snprintf(detail, n, "the phone made a %s %d key, %s %d was asked for",
		 tl_pub_type(*pub) == TL_KEY_EC ? "EC" : "RSA", bits,
		 s->key_type == TL_KEY_EC ? "EC" : "RSA", s->key_bits);
	tl_pub_free(*pub);
	*pub = NULL;
	return -1;
}

/* The issued LSC is recorded: it goes to the phone. */
static void send_lsc(tl_capf_sess *s, int rc, const tl_capf_change *c, tl_buf *out)
{
	tl_capf_msg r;

	if (rc) {
		fail(s, TL_WHY_CA_COMM, "the LSC could not be recorded", out);
		return;
	}
	s->lsc_id = c->lsc_id;
	msg_init(&r, s, TL_CAPF_STORE_CERT_REQUEST);
	r.has_cert_type = 1;
	r.cert_type = TL_CAPF_CERT_LSC;
	r.cert = c->cert->der;
	r.cert_len = c->cert->der_len;
	r.cert_inner_type = TL_CAPF_CERT_LSC;
	/* signed by an issuing CA: its chain follows, for the phone to check */
	if (s->srv->issuer)
		for (size_t i = 0; i < s->srv->nissuer_chain; i++) {
			r.chain[i] = s->srv->issuer_chain[i]->der;
			r.chain_len[i] = s->srv->issuer_chain[i]->der_len;
			r.nchain++;
		}
	send_msg(s, &r, out);
	s->state = TL_CAPF_S_STORE;
}

static void on_key(tl_capf_sess *s, const tl_capf_msg *m, tl_buf *out)
{
	tl_capf_srv *v = s->srv;
	tl_lscopts o;
	tl_cert *lsc = NULL;
	tl_pub *pub = NULL;
	tl_capf_change c;
	char detail[sizeof(((tl_err *)0)->msg)];
	tl_err e;

	if (m->command == TL_CAPF_REQUEST_IN_PROGRESS) {
		if (++s->in_progress > MAX_IN_PROGRESS)
			fail(s, TL_WHY_KEYGEN, "key generation never finished", out);
		return;
	}
	if (m->command != TL_CAPF_KEY_GEN_RESPONSE) {
		fail(s, TL_WHY_OTHER, "expected KEY_GEN_RESPONSE", out);
		return;
	}
	if (right_key(s, m, &pub, detail, sizeof(detail))) {
		fail(s, TL_WHY_KEYGEN, detail, out);
		return;
	}
	memset(&o, 0, sizeof(o));
	o.issuer = v->issuer ? v->issuer : v->capf;
	o.issuer_key = v->issuer ? v->issuer_key : v->capf_key;
	o.device = s->device;
	o.days = v->lsc_days;
	o.now = (time_t)tl_capf_sess_now(s);
	if (o.issuer->not_after < o.now) {
		snprintf(detail, sizeof(detail), "the issuing certificate %s has expired",
			 o.issuer->subject);
		tl_pub_free(pub);
		fail(s, TL_WHY_CA_REJECTED, detail, out);
		return;
	}
	if (tl_lsc_issue(&o, pub, &lsc, &e)) {
		tl_pub_free(pub);
		fail(s, TL_WHY_CA_COMM, e.msg, out);
		return;
	}
	tl_pub_free(pub);
	/* Committed before it is sent: whatever happens next, the database
	 * knows this LSC exists and that the phone has not confirmed it. */
	change_init(&c, s, TL_CAPF_CH_ISSUED);
	c.cert = lsc;
	change(s, &c, send_lsc, out);
}

/* What became of the issued LSC (kind CONFIRMED, or UNCONFIRMED: "failed"
 * or "unconfirmed" with s->status), then (NULL: nothing more). */
static void lsc_outcome(tl_capf_sess *s, int kind, const char *detail,
			tl_capf_then then, tl_buf *out)
{
	tl_capf_change c;

	logged(s, s->status, detail);
	change_init(&c, s, kind);
	c.lsc_id = s->lsc_id;
	c.status = s->status;
	snprintf(c.detail, sizeof(c.detail), "%s", detail);
	s->lsc_id = 0;
	change(s, &c, then, out);
}

/* The phone's answer to the LSC is recorded. */
static void end_stored(tl_capf_sess *s, int rc, const tl_capf_change *c, tl_buf *out)
{
	if (c->kind == TL_CAPF_CH_CONFIRMED && rc == 0)
		end_session(s, TL_CAPF_SUCCESS, NULL, out);
	else
		end_session(s, TL_CAPF_INVALID_ELEMENT, rc ? "database error" : c->detail,
			    out);
}

static void on_store(tl_capf_sess *s, const tl_capf_msg *m, tl_buf *out)
{
	int ok = m->command == TL_CAPF_STORE_CERT_RESPONSE && m->has_reason &&
		 m->reason == TL_CAPF_SUCCESS;
	const char *detail = ok ? "the phone stored its new LSC" :
			     m->command == TL_CAPF_STORE_CERT_RESPONSE ?
			     "the phone refused to store the LSC" :
			     "expected STORE_CERT_RESPONSE";

	s->status = ok ? TL_LSC_UPGRADE_OK : TL_LSC_UPGRADE_FAILED;
	lsc_outcome(s, ok ? TL_CAPF_CH_CONFIRMED : TL_CAPF_CH_UNCONFIRMED, detail,
		    end_stored, out);
}

static void on_fetch(tl_capf_sess *s, const tl_capf_msg *m, tl_buf *out)
{
	tl_capf_change ch;
	tl_cert *c;
	tl_err e;

	if (m->command != TL_CAPF_FETCH_CERT_RESPONSE) {
		fail(s, TL_WHY_OTHER, "expected FETCH_CERT_RESPONSE", out);
		return;
	}
	if (!m->has_reason || m->reason != TL_CAPF_SUCCESS || !m->cert) {
		fail(s, TL_WHY_OTHER, "the phone sent no certificate", out);
		return;
	}
	if (tl_cert_from_der(m->cert, m->cert_len, &c, &e)) {
		fail(s, TL_WHY_OTHER, e.msg, out);
		return;
	}
	s->status = TL_LSC_FETCH_OK;
	logged(s, s->status, c->subject);
	change_init(&ch, s, TL_CAPF_CH_FETCHED);
	ch.cert = c;
	change(s, &ch, end_done, out);
}

static void on_delete(tl_capf_sess *s, const tl_capf_msg *m, tl_buf *out)
{
	tl_capf_change c;

	if (m->command != TL_CAPF_DELETE_CERT_RESPONSE) {
		fail(s, TL_WHY_OTHER, "expected DELETE_CERT_RESPONSE", out);
		return;
	}
	if (!m->has_reason || m->reason != TL_CAPF_SUCCESS) {
		fail(s, TL_WHY_OTHER, "the phone did not delete its LSC", out);
		return;
	}
	s->status = TL_LSC_DELETE_OK;
	logged(s, s->status, "deleted");
	change_init(&c, s, TL_CAPF_CH_DELETED);
	change(s, &c, end_done, out);
}

/* ---- the session ---- */

void tl_capf_sess_init(tl_capf_sess *s, tl_capf_srv *v, const char *peer)
{
	memset(s, 0, sizeof(*s));
	s->srv = v;
	s->id = v->next_session++;
	s->end_reason = -1;
	snprintf(s->peer, sizeof(s->peer), "%s", peer ? peer : "-");
}

int tl_capf_sess_start(tl_capf_sess *s, tl_buf *out, tl_err *e)
{
	tl_capf_msg m;

	msg_init(&m, s, TL_CAPF_AUTH_REQUEST);
	m.has_version = 1;
	m.version = TL_CAPF_VERSION;
	m.has_auth_type = 1;
	m.auth_type = TL_CAPF_AUTH_NONE;
	s->state = TL_CAPF_S_AUTH;
	return tl_capf_encode(&m, out, e);
}

/* A protocol error: with a device known it is the operation's plain
 * failure (6, 7 or 8), and an issued LSC stays unconfirmed. */
static void protocol_error(tl_capf_sess *s, const char *detail, tl_buf *out)
{
	if (s->state == TL_CAPF_S_STORE) {
		s->status = TL_LSC_UPGRADE_FAILED;
		lsc_outcome(s, TL_CAPF_CH_UNCONFIRMED, detail, end_failed, out);
	} else if (s->device[0] && s->op > TL_CAPF_OP_NONE) {
		fail(s, TL_WHY_OTHER, detail, out);
	} else {
		char v[300];

		tl_log(LOG_NOTICE, "event=protocol-error peer=%s detail=%s", s->peer,
		       tl_log_val(detail, v, sizeof(v)));
		end_session(s, TL_CAPF_INVALID_ELEMENT, detail, out);
	}
}

long tl_capf_sess_input(tl_capf_sess *s, const uint8_t *buf, size_t len,
			tl_buf *out)
{
	size_t done = 0, used;
	tl_capf_msg m;
	tl_err e;
	int rc;

	while (s->state != TL_CAPF_S_DONE && !s->waiting && done < len) {
		rc = tl_capf_decode(buf + done, len - done, &m, &used, &e);
		if (rc == 0)
			break;
		if (rc < 0) {
			protocol_error(s, e.msg, out);
			return (long)len;
		}
		done += used;
		if (m.session != s->id) {
			char detail[80];

			snprintf(detail, sizeof(detail), "session id %u, this session is %u",
				 m.session, s->id);
			protocol_error(s, detail, out);
			break;
		}
		switch (s->state) {
		case TL_CAPF_S_AUTH: on_auth(s, &m, out); break;
		case TL_CAPF_S_KEYGEN: on_key(s, &m, out); break;
		case TL_CAPF_S_STORE: on_store(s, &m, out); break;
		case TL_CAPF_S_FETCH: on_fetch(s, &m, out); break;
		case TL_CAPF_S_DELETE: on_delete(s, &m, out); break;
		default: protocol_error(s, "message before AUTH_REQUEST", out); break;
		}
	}
	/* After END_SESSION nothing the phone says matters. */
	return s->state == TL_CAPF_S_DONE ? (long)len : (long)done;
}

void tl_capf_sess_closed(tl_capf_sess *s, int timed_out)
{
	int why = timed_out && s->state == TL_CAPF_S_KEYGEN ? TL_WHY_KEYGEN : TL_WHY_COMM;
	const char *detail = timed_out ? "the phone stopped answering" :
			     "the phone closed the connection";

	if (s->state == TL_CAPF_S_DONE || s->waiting || !s->device[0] ||
	    s->op <= TL_CAPF_OP_NONE) {
		s->state = TL_CAPF_S_DONE;
		return;
	}
	s->status = tl_lsc_failure(s->op, why);
	if (s->state == TL_CAPF_S_STORE)
		lsc_outcome(s, TL_CAPF_CH_UNCONFIRMED, detail, NULL, NULL);
	else
		record(s, s->status, 0, detail, NULL, NULL);
	s->state = TL_CAPF_S_DONE;
}

int tl_capf_sess_take(tl_capf_sess *s, tl_capf_change *c)
{
	if (s->change.kind == TL_CAPF_CH_NONE)
		return 0;
	*c = s->change;
	memset(&s->change, 0, sizeof(s->change));
	return 1;
}

void tl_capf_sess_applied(tl_capf_sess *s, int rc, const tl_capf_change *c,
			  const tl_err *e, tl_buf *out)
{
	tl_capf_then then = s->then;

	if (rc)
		tl_capf_sess_db_error(s, e);
	s->waiting = 0;
	s->then = NULL;
	if (then)
		then(s, rc, c, out);
}

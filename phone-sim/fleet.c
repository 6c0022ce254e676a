/* phone-sim fleet: N phones booting from one process and one thread. Each
 * phone is a small state machine over the TFTP client's (tftpclient.h
 * tl_tftpc_ev_start), so C boots overlap on one event loop; its decisions
 * are phonetrust.c's, as in `boot`. A decision that needs TVS is taken
 * twice: the first time the phone only notes the question (the verdict is
 * dropped), the exchange runs on the loop with netloop's non-blocking TLS
 * steps and tvsclient's request and answer checks, and the decision is
 * taken again with the answer. Decisions change nothing in the phone until
 * they accept, so the second is the one a phone asking in line would
 * reach, and other phones go on booting meanwhile. */
#include "fleet.h"

#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "file.h"
#include "flash.h"
#include "json.h"
#include "loop.h"
#include "netloop.h"
#include "phonecnf.h"
#include "phonenet.h"
#include "signedfile.h"
#include "tvsclient.h"

#define MAX_OUTCOMES 64

/* A phone's flash between boots with --memory: the trust lists are the
 * same bytes for most phones, so they are kept once (fleet.blobs) and a
 * phone holds their numbers. */
typedef struct mphone {
	uint32_t ctl, itl;	/* 1 + index in fleet.blobs; 0: none */
	uint8_t rollback, ncache;
	tl_tvs_cached *cache;
	uint8_t *config;
	size_t config_len;
} mphone;

typedef struct blob {
	uint8_t *p;
	size_t len;
} blob;

typedef struct outcome {
	char *reason;
	size_t count;
} outcome;

typedef struct fleet {
	tl_loop *loop;
	size_t count, conc, next, inflight, done;
	int filling;
	uint64_t mac_base;
	const char *model, *state_root;
	tl_phonecnf_server tftp, tvs;
	int have_tvs, timeout_ms;
	tl_tftpc_opts o;
	mphone *mem;		/* --memory: one per phone */
	blob *blobs;
	size_t nblobs;
	double t0, *lat;
	uint64_t bytes, transfers, resent, tvs_asked;
	size_t trusted, refused, errors;
	outcome out[MAX_OUTCOMES];
	size_t nout;
	tl_ev *tick;
	tl_tls *tls;		/* the phones' TLS side, made at the first TVS question */
} fleet;

enum stage { S_CTL_SEP, S_CTL, S_ITL_SEP, S_ITL, S_CNF_SGN, S_CNF_XML };

/* What a decision asked TVS (VERIFY der, or QUERY issuer + serial) and,
 * once the loop has it, the answer. */
typedef struct tvsq {
	uint8_t *der;
	size_t der_len;
	char *issuer;
	uint8_t *serial;
	size_t serial_len;
	int pending, answered;
	tl_phone_tvs_answer a;
} tvsq;

struct tvsx;

typedef struct boot {
	fleet *fl;
	size_t idx;
	enum stage stage;
	tl_flash f;
	tl_phonecnf last;	/* the configuration kept from the last boot: TVS */
	int have_last;
	tl_tftpc_result r;
	char file[64];
	int rc;			/* the file in hand: TL_TFTPC_OK or _NOTFOUND */
	uint8_t *buf;
	size_t len;
	tvsq q;
	struct tvsx *x;		/* the TVS exchange in flight */
	double t0;
	int refused, tvs_vouched;
	char reason[1200];
} boot;

enum xstate { X_CONNECT, X_HANDSHAKE, X_SEND, X_READ };

/* One phone's TVS exchange on the loop: the servers in turn, one TLS
 * connection and one request each, until one answers. */
typedef struct tvsx {
	boot *b;
	const tl_phonecnf_server *list;
	size_t n, i;
	enum xstate st;
	int fd;
	tl_tlsconn *conn;
	tl_ev *rd, *wr, *timer;
	uint8_t cmd;
	uint32_t session;
	tl_buf out;
	uint8_t *in;
	size_t in_len, in_cap;
} tvsx;

static void usage(FILE *f)
{
	fputs(
"usage: phone-sim fleet --count N --concurrency C --mac-base MAC [--model MODEL]\n"
"                       --tftp HOST[:PORT] [--tvs HOST[:PORT]]\n"
"                       [--state-root DIR] [--memory] [--timeout MS]\n"
"                       [--report FILE.json|-] [--json]\n"
"\n"
"Boots N phones, MACs counting up from MAC, at most C at a time, from one\n"
"event loop: CTL, ITL and signed configuration with the decisions of boot,\n"
"TVS (on the same loop) when a signer is unknown. Flash in DIR/SEP<MAC>/\n"
"(--state-root) or in memory (--memory, the default); both: phones start\n"
"from DIR's flash and DIR is never written. Reports boots/s, p50/p99 boot\n"
"time, the outcomes by reason and the bytes transferred; a progress line on\n"
"a terminal. --report FILE.json writes the same as JSON too; --json (or\n"
"--report -) prints only the JSON, on standard output.\n"
"Exit status: 0 every phone trusted, 1 some phone refused, 2 errors.\n", f);
}

/* Finer than tl_now_ms: a boot on loopback takes a few milliseconds. */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void refill(fleet *fl);

/* ---- the flash ---- */

static uint32_t blob_ref(fleet *fl, const tl_tlist *l)
{
	blob *nb;

	for (size_t i = 0; i < fl->nblobs; i++)
		if (fl->blobs[i].len == l->len && !memcmp(fl->blobs[i].p, l->buf, l->len))
			return (uint32_t)i + 1;
	if ((nb = realloc(fl->blobs, (fl->nblobs + 1) * sizeof(*nb))) == NULL)
		return 0;
	fl->blobs = nb;
	if ((nb[fl->nblobs].p = malloc(l->len)) == NULL)
		return 0;
	memcpy(nb[fl->nblobs].p, l->buf, l->len);
	nb[fl->nblobs].len = l->len;
	return (uint32_t)++fl->nblobs;
}

static int mem_list(const fleet *fl, uint32_t ref, const char *name, tl_tlist *l,
		    int *has, tl_err *e)
{
	if (ref == 0)
		return 0;
	if (tl_tlist_parse(l, fl->blobs[ref - 1].p, fl->blobs[ref - 1].len, name, e))
		return -1;
	*has = 1;
	return 0;
}

static int flash_load(boot *b, const char *mac, tl_err *e)
{
	fleet *fl = b->fl;
	char dir[600];
	mphone *m;

	if (fl->state_root)
		snprintf(dir, sizeof(dir), "%s/SEP%s", fl->state_root, mac);
	if (fl->state_root && !fl->mem)
		return tl_flash_load(&b->f, dir, mac, fl->model, e);
	m = &fl->mem[b->idx];
	if (fl->state_root && !access(dir, F_OK)) {
		/* --memory with --state-root: the phone starts from its flash,
		 * which is never written */
		if (tl_flash_load(&b->f, dir, mac, fl->model, e))
			return -1;
		b->f.dir[0] = 0;
		return 0;
	}
	tl_flash_mem(&b->f, mac, fl->model);
	if (mem_list(fl, m->ctl, "CTLFile.tlv", &b->f.phone.ctl, &b->f.phone.has_ctl, e) ||
	    mem_list(fl, m->itl, "ITLFile.tlv", &b->f.phone.itl, &b->f.phone.has_itl, e)) {
		tl_flash_free(&b->f);
		return -1;
	}
	b->f.phone.rollback = m->rollback;
	if (m->ncache)
		memcpy(b->f.phone.cache, m->cache, m->ncache * sizeof(*m->cache));
	b->f.phone.ncache = m->ncache;
	b->f.config = m->config;
	b->f.config_len = m->config_len;
	m->config = NULL;	/* the flash owns it until the boot ends */
	return 0;
}

/* Writes the phone's state (a directory), or keeps it in memory. */
static int flash_save(boot *b, tl_err *e)
{
	fleet *fl = b->fl;
	time_t t = time(NULL);
	mphone *m;

	if (!fl->mem)
		return tl_flash_save_trust(&b->f, e);
	m = &fl->mem[b->idx];
	m->ctl = b->f.phone.has_ctl ? blob_ref(fl, &b->f.phone.ctl) : 0;
	m->itl = b->f.phone.has_itl ? blob_ref(fl, &b->f.phone.itl) : 0;
	m->rollback = (uint8_t)b->f.phone.rollback;
	m->ncache = 0;
	free(m->cache);
	m->cache = NULL;
	if (b->f.phone.ncache &&
	    (m->cache = malloc(b->f.phone.ncache * sizeof(*m->cache))) != NULL)
		for (size_t i = 0; i < b->f.phone.ncache; i++)
			if (b->f.phone.cache[i].expires > t)
				m->cache[m->ncache++] = b->f.phone.cache[i];
	m->config = b->f.config;
	m->config_len = b->f.config_len;
	b->f.config = NULL;
	if ((b->f.phone.has_ctl && !m->ctl) || (b->f.phone.has_itl && !m->itl))
		return tl_fail(e, "out of memory");
	return 0;
}

/* ---- decisions ---- */

static void record(boot *b, const tl_verdict *v)
{
	if (!v->accepted && !b->refused) {
		b->refused = 1;
		snprintf(b->reason, sizeof(b->reason), "%s", v->line);
	}
}

static void refuse(boot *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void refuse(boot *b, const char *fmt, ...)
{
	tl_verdict v;
	size_t n;
	va_list ap;

	memset(&v, 0, sizeof(v));
	n = (size_t)snprintf(v.line, sizeof(v.line), "%-5s %s  ", "CONF", b->file);
	va_start(ap, fmt);
	if (n < sizeof(v.line))
		vsnprintf(v.line + n, sizeof(v.line) - n, fmt, ap);
	va_end(ap);
	n = strlen(v.line);
	snprintf(v.line + n, sizeof(v.line) - n, " -> REJECTED");
	record(b, &v);
}

/* ---- TVS on the loop ---- */

static void decide(boot *b);

static void q_free(tvsq *q)
{
	free(q->der);
	free(q->issuer);
	free(q->serial);
	tl_cert_free(q->a.cert);
	memset(q, 0, sizeof(*q));
}

static int q_same(const tvsq *q, const tl_cert *cert, const char *issuer,
		  const uint8_t *serial, size_t serial_len)
{
	if (cert)
		return q->der && q->der_len == cert->der_len &&
		       !memcmp(q->der, cert->der, cert->der_len);
	return q->issuer && !strcmp(q->issuer, issuer) && q->serial_len == serial_len &&
	       !memcmp(q->serial, serial, serial_len);
}

/* The decisions' tl_tvs_fn. With the answer to this very question in hand
 * it gives it; otherwise it notes the question for the loop and answers
 * "unreachable" to a decision that decide() then drops. */
static int tvs_ask(void *arg, const tl_cert *cert, const char *issuer,
		   const uint8_t *serial, size_t serial_len, tl_phone_tvs_answer *a)
{
	boot *b = arg;
	tvsq *q = &b->q;

	if (q->answered && q_same(q, cert, issuer, serial, serial_len)) {
		*a = q->a;
		q->a.cert = NULL;	/* the decision frees it */
		q->answered = 0;
		if (a->reachable && a->valid)
			b->tvs_vouched = 1;
		return 0;
	}
	b->fl->tvs_asked++;
	if (!b->f.phone.has_itl) {
		snprintf(a->server, sizeof(a->server), "no ITL to trust TVS with");
		return 0;
	}
	q_free(q);
	if (cert) {
		if ((q->der = malloc(cert->der_len)) != NULL)
			memcpy(q->der, cert->der, cert->der_len);
		q->der_len = cert->der_len;
	} else {
		q->issuer = strdup(issuer);
		if ((q->serial = malloc(serial_len ? serial_len : 1)) != NULL)
			memcpy(q->serial, serial, serial_len);
		q->serial_len = serial_len;
	}
	if ((cert && !q->der) || (!cert && (!q->issuer || !q->serial))) {
		q_free(q);
		snprintf(a->server, sizeof(a->server), "out of memory");
		return 0;
	}
	q->pending = 1;
	return 0;
}

static tl_tvs_fn tvs_fn(const boot *b)
{
	return b->fl->have_tvs || (b->have_last && b->last.ntvs) ? tvs_ask : NULL;
}

static void x_close(tvsx *x)
{
	tl_ev_free(x->rd);
	tl_ev_free(x->wr);
	tl_tlsconn_free(x->conn);
	if (x->fd >= 0)
		close(x->fd);
	x->rd = x->wr = NULL;
	x->conn = NULL;
	x->fd = -1;
	x->out.len = 0;
	x->in_len = 0;
}

/* The exchange is over: the answer (or "unreachable") goes to the phone,
 * whose decision is taken again. */
static void x_end(tvsx *x)
{
	boot *b = x->b;

	x_close(x);
	tl_ev_free(x->timer);
	tl_buf_free(&x->out);
	free(x->in);
	free(x);
	b->x = NULL;
	b->q.pending = 0;
	b->q.answered = 1;
	decide(b);
}

static void x_connect(tvsx *x);

/* This server did not answer: the next one, or the end. */
static void x_fail(tvsx *x)
{
	x_close(x);
	if (++x->i < x->n)
		x_connect(x);
	else
		x_end(x);
}

static void x_wait(tvsx *x, int want)
{
	tl_ev_disable(want == TL_IO_WANT_WRITE ? x->rd : x->wr);
	tl_ev_enable(want == TL_IO_WANT_WRITE ? x->wr : x->rd);
}

/* The request for the phone's question, its session set. */
static int x_request(tvsx *x, tl_err *e)
{
	const boot *b = x->b;
	tl_tvs_msg m;

	if (b->q.der)
		tl_tvs_verify_msg(&m, b->f.phone.tvs_name, b->q.der, b->q.der_len);
	else
		tl_tvs_query_msg(&m, b->f.phone.tvs_name, b->q.issuer, b->q.serial,
				 b->q.serial_len);
	m.session = ++x->session;
	x->cmd = m.command;
	return tl_tvs_encode(&m, &x->out, e);
}

/* 1 when a whole answer was taken into the phone's question, 0 when more
 * bytes are needed, -1 when it is not an answer. */
static int x_answer(tvsx *x)
{
	tl_phone_tvs_answer *a = &x->b->q.a;
	tl_tvs_answer ans;
	tl_tvs_msg m;
	size_t used;
	tl_err e;
	int rc = tl_tvs_decode(x->in, x->in_len, &m, &used, &e);

	if (rc <= 0)
		return rc;
	if (tl_tvs_take_answer(&m, (uint8_t)(x->cmd + 1), x->session, &ans, &e))
		return -1;
	a->reachable = 1;
	a->valid = ans.valid;
	memcpy(a->roles, ans.roles, ans.nroles);
	a->nroles = ans.nroles;
	a->ttl = ans.ttl;
	if (ans.valid && ans.cert && tl_cert_from_der(ans.cert, ans.cert_len, &a->cert, &e))
		a->valid = 0;
	tl_tvs_answer_free(&ans);
	return 1;
}

/* Room for at least 16 KB more input, within what an answer can be. */
static int x_room(tvsx *x)
{
	uint8_t *p;

	if (x->in_cap >= x->in_len + 16384)
		return 0;
	if (x->in_len + 16384 > 2 * (65536 + TL_TVS_HEADER) ||
	    (p = realloc(x->in, x->in_len + 16384)) == NULL)
		return -1;
	x->in = p;
	x->in_cap = x->in_len + 16384;
	return 0;
}

/* Runs the exchange's steps until one must wait for the socket. */
static void x_run(void *arg)
{
	tvsx *x = arg;
	tl_phone_tvs_answer *a = &x->b->q.a;
	tl_tvs_pin pin = { .itl = &x->b->f.phone.itl };
	const uint8_t *der;
	socklen_t elen = sizeof(int);
	size_t len, got;
	int rc = TL_IO_ERROR, err = 0;
	tl_err e;

	for (;;) {
		switch (x->st) {
		case X_CONNECT:
			if (getsockopt(x->fd, SOL_SOCKET, SO_ERROR, &err, &elen) || err ||
			    (x->conn = tl_tlsconn_new(x->b->fl->tls, x->fd, &e)) == NULL)
				return x_fail(x);
			x->st = X_HANDSHAKE;
			continue;
		case X_HANDSHAKE:
			if ((rc = tl_tlsconn_handshake(x->conn, &e)) != TL_IO_DONE)
				break;
			/* the server's certificate must be a TVS record of the ITL,
			 * within its dates */
			if (tl_tlsconn_peer_der(x->conn, &der, &len))
				return x_fail(x);
			if (tl_tvs_client_pinned(&pin, der, len, &e)) {
				snprintf(a->why, sizeof(a->why), "%.390s", e.msg);
				return x_fail(x);
			}
			if (tl_phone_tvs_dates(&x->b->f.phone, der, len, a->why,
					       sizeof(a->why)) || x_request(x, &e))
				return x_fail(x);
			x->st = X_SEND;
			continue;
		case X_SEND:
			if ((rc = tl_tlsconn_write(x->conn, x->out.p, x->out.len, &e)) !=
			    TL_IO_DONE)
				break;
			x->st = X_READ;
			continue;
		case X_READ:
			if (x->in_len && (rc = x_answer(x)) != 0)
				return rc > 0 ? x_end(x) : x_fail(x);
			if (x_room(x))
				return x_fail(x);
			if ((rc = tl_tlsconn_read(x->conn, x->in + x->in_len,
						  x->in_cap - x->in_len, &got, &e)) != TL_IO_DONE)
				break;
			x->in_len += got;
			continue;
		}
		if (rc == TL_IO_WANT_READ || rc == TL_IO_WANT_WRITE)
			return x_wait(x, rc);
		return x_fail(x);
	}
}

static void x_timeout(void *arg)
{
	x_fail(arg);
}

/* Asks the phone's question on the loop: the --tvs server, else those of
 * the configuration the phone kept. */
static void x_start(boot *b)
{
	fleet *fl = b->fl;
	tvsx *x = calloc(1, sizeof(*x));
	tl_err e;

	if (x == NULL || (!fl->tls && tl_tls_client(&fl->tls, 12, &e)) ||
	    (x->timer = tl_ev_timer(fl->loop, x_timeout, x, &e)) == NULL) {
		free(x);
		snprintf(b->q.a.server, sizeof(b->q.a.server), "no TLS client");
		b->q.pending = 0;
		b->q.answered = 1;
		decide(b);
		return;
	}
	b->x = x;
	x->b = b;
	x->fd = -1;
	x->list = fl->have_tvs ? &fl->tvs : b->last.tvs;
	x->n = fl->have_tvs ? 1 : b->last.ntvs;
	/* sessions start at a random number, as a phone's would */
	if (tl_random((uint8_t *)&x->session, sizeof(x->session), &e))
		x->session = (uint32_t)b->idx;
	tl_buf_init(&x->out);
	x_connect(x);
}

/* A non-blocking connection to server i; its steps go on in x_run. */
static void x_connect(tvsx *x)
{
	const tl_phonecnf_server *s = &x->list[x->i];
	struct addrinfo hints, *ai = NULL;
	char port[16];
	int one = 1;
	tl_err e;

	snprintf(x->b->q.a.server, sizeof(x->b->q.a.server), "%.80s:%d", s->host, s->port);
	x->b->q.a.why[0] = 0;	/* the last server tried says why */
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%d", s->port);
	x->st = X_CONNECT;
	if (getaddrinfo(s->host, port, &hints, &ai) ||
	    (x->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			    0)) < 0) {
		if (ai)
			freeaddrinfo(ai);
		return x_fail(x);
	}
	setsockopt(x->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if ((connect(x->fd, ai->ai_addr, ai->ai_addrlen) && errno != EINPROGRESS) ||
	    (x->rd = tl_ev_io(x->b->fl->loop, x->fd, TL_EV_READ, x_run, x, &e)) == NULL ||
	    (x->wr = tl_ev_io(x->b->fl->loop, x->fd, TL_EV_WRITE, x_run, x, &e)) == NULL) {
		freeaddrinfo(ai);
		return x_fail(x);
	}
	freeaddrinfo(ai);
	tl_ev_arm(x->timer, (unsigned)x->b->fl->timeout_ms);
	tl_ev_enable(x->wr);
}

/* The configuration the server sent (rc TL_TFTPC_OK) or did not have. */
static void configure(boot *b, int rc, const uint8_t *buf, size_t len)
{
	const uint8_t *xml = buf;
	size_t xml_len = len;
	tl_phonecnf cfg;
	tl_verdict v;
	tl_sfile h;
	tl_err e;

	if (rc == TL_TFTPC_NOTFOUND) {
		refuse(b, "not on the server (is the device added?): the phone stays "
		       "unconfigured");
		return;
	}
	if (tl_phone_config(&b->f.phone, b->file, buf, len, tvs_fn(b), b, &v)) {
		if (!b->q.pending)
			record(b, &v);
		return;
	}
	if (b->stage == S_CNF_SGN) {
		tl_sfile_parse(&h, buf, len, b->file, &e);	/* it verified: it parses */
		xml = h.body;
		xml_len = h.body_len;
	}
	if (tl_phonecnf_parse(xml, xml_len, &cfg, &e))
		refuse(b, "signed but unusable: %s", e.msg);
	else if (cfg.encrypted)
		refuse(b, "encrConfig: a fleet phone has no MIC or LSC to decrypt with "
		       "(phone-sim boot has)");
	else if (tl_flash_save_config(&b->f, xml, xml_len, &e))
		refuse(b, "not kept: %s", e.msg);
}

/* ---- a boot ---- */

static void add_outcome(fleet *fl, const char *reason)
{
	size_t i;

	for (i = 0; i < fl->nout; i++)
		if (!strcmp(fl->out[i].reason, reason))
			break;
	if (i == fl->nout) {
		if (fl->nout == MAX_OUTCOMES)
			i = MAX_OUTCOMES - 1;	/* the last one counts the rest */
		else if ((fl->out[i].reason = strdup(reason)) != NULL)
			fl->nout++;
		else
			return;
	}
	fl->out[i].count++;
}

/* The reason, the same for every phone it happened to: its MAC masked. */
static void mask_mac(char *s, const char *mac)
{
	for (char *p = strstr(s, mac); p; p = strstr(p, mac)) {
		memmove(p + 5, p + 12, strlen(p + 12) + 1);
		memcpy(p, "<MAC>", 5);
	}
}

static void end_boot(boot *b, const char *error)
{
	fleet *fl = b->fl;
	tl_err e;

	if (error == NULL && flash_save(b, &e))
		error = e.msg;
	fl->lat[fl->done++] = now_s() - b->t0;
	if (error) {
		fl->errors++;
		snprintf(b->reason, sizeof(b->reason), "error: %s", error);
	} else if (b->refused) {
		fl->refused++;
	} else {
		fl->trusted++;
		snprintf(b->reason, sizeof(b->reason), "%s", b->tvs_vouched ?
			 "trusted, TVS vouched for a signer" : "trusted");
	}
	mask_mac(b->reason, b->f.mac);
	add_outcome(fl, b->reason);
	if (fl->mem && fl->mem[b->idx].config == NULL) {
		fl->mem[b->idx].config = b->f.config;	/* not replaced: kept */
		fl->mem[b->idx].config_len = b->f.config_len;
		b->f.config = NULL;
	}
	tl_flash_free(&b->f);
	q_free(&b->q);
	free(b->buf);
	free(b);
	fl->inflight--;
	refill(fl);
}

static void fetched(void *arg, int rc, uint8_t *out, size_t len, const tl_err *e);

static void fetch(boot *b, enum stage s)
{
	static const char *const names[] = {
		"CTLSEP%s.tlv", "CTLFile.tlv", "ITLSEP%s.tlv", "ITLFile.tlv",
		"SEP%s.cnf.xml.sgn", "SEP%s.cnf.xml",
	};
	tl_err e;

	b->stage = s;
	snprintf(b->file, sizeof(b->file), names[s], b->f.mac);
	if (tl_tftpc_ev_start(b->fl->loop, &b->fl->o, b->file, TL_FILE_MAX, &b->r,
			      fetched, b, &e) != TL_TFTPC_MORE)
		end_boot(b, e.msg);
}

/* A file arrived (or is not on the server): what the boot does next. */
static void fetched(void *arg, int rc, uint8_t *out, size_t len, const tl_err *e)
{
	boot *b = arg;
	fleet *fl = b->fl;
	tl_phone *p = &b->f.phone;

	fl->transfers++;
	fl->bytes += b->r.bytes;
	fl->resent += b->r.timeouts || b->r.repeats;
	if (rc != TL_TFTPC_OK && rc != TL_TFTPC_NOTFOUND) {
		free(out);
		end_boot(b, e->msg);
		return;
	}
	if (rc == TL_TFTPC_NOTFOUND) {
		free(out);
		out = NULL;
		len = 0;
		if (b->stage == S_CTL_SEP || b->stage == S_ITL_SEP ||
		    (b->stage == S_CNF_SGN && (p->rollback || (!p->has_itl && !p->has_ctl)))) {
			fetch(b, b->stage + 1);
			return;
		}
	}
	b->rc = rc;
	b->buf = out;
	b->len = len;
	decide(b);
}

/* One step of docs/phone-trust.md's boot per file, as `boot` takes them; a
 * step that needs TVS returns here with the answer (x_end). */
static void decide(boot *b)
{
	tl_phone *p = &b->f.phone;
	tl_verdict v;

	switch (b->stage) {
	case S_CTL_SEP:
	case S_CTL:
		tl_phone_ctl(p, b->buf, b->len, NULL, &v);
		break;
	case S_ITL_SEP:
	case S_ITL:
		tl_phone_itl(p, b->buf, b->len, NULL, tvs_fn(b), b, &v);
		break;
	case S_CNF_SGN:
	case S_CNF_XML:
		configure(b, b->rc, b->buf, b->len);
		break;
	}
	if (b->q.pending)
		return x_start(b);
	free(b->buf);
	b->buf = NULL;
	if (b->stage >= S_CNF_SGN)
		return end_boot(b, NULL);
	record(b, &v);
	fetch(b, b->stage <= S_CTL ? S_ITL_SEP : S_CNF_SGN);
}

static void start_boot(fleet *fl)
{
	boot *b = calloc(1, sizeof(*b));
	char mac[13];
	tl_err e;

	fl->inflight++;
	if (b == NULL) {
		fl->inflight--;
		fl->lat[fl->done++] = 0;
		fl->errors++;
		add_outcome(fl, "error: out of memory");
		return;
	}
	b->fl = fl;
	b->idx = fl->next++;
	b->t0 = now_s();
	snprintf(mac, sizeof(mac), "%012llX",
		 (unsigned long long)((fl->mac_base + b->idx) & 0xffffffffffffull));
	if (flash_load(b, mac, &e)) {
		snprintf(b->f.mac, sizeof(b->f.mac), "%s", mac);
		end_boot(b, e.msg);
		return;
	}
	if (b->f.config && tl_phonecnf_parse(b->f.config, b->f.config_len, &b->last, &e) == 0)
		b->have_last = 1;
	fetch(b, S_CTL_SEP);
}

/* Keeps C boots going; the guard makes a boot that ends at once (a
 * failure before any packet) wait for the loop instead of recursing. */
static void refill(fleet *fl)
{
	if (fl->filling)
		return;
	fl->filling = 1;
	while (fl->inflight < fl->conc && fl->next < fl->count)
		start_boot(fl);
	fl->filling = 0;
	if (fl->done == fl->count)
		tl_loop_stop(fl->loop);
}

static void tick(void *arg)
{
	fleet *fl = arg;
	double t = now_s() - fl->t0;

	printf("\r  %zu/%zu booted, %zu booting, %.0f boots/s, %zu refused, %zu errors ",
	       fl->done, fl->count, fl->inflight, t > 0 ? (double)fl->done / t : 0.0,
	       fl->refused, fl->errors);
	fflush(stdout);
}

/* ---- the report ---- */

static long self_kb(const char *field)
{
	char line[256];
	size_t n = strlen(field);
	long kb = 0;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && line[n] == ':')
			kb = atol(line + n + 1);
	if (f)
		fclose(f);
	return kb;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int cmp_outcome(const void *a, const void *b)
{
	const outcome *x = a, *y = b;

	return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

static void report(fleet *fl, double secs, FILE *f, int json)
{
	double p50 = 0, p99 = 0, rate = secs > 0 ? (double)fl->done / secs : 0;
	long rss = self_kb("VmRSS"), hwm = self_kb("VmHWM");

	if (fl->done) {
		qsort(fl->lat, fl->done, sizeof(double), cmp_double);
		p50 = fl->lat[(fl->done - 1) / 2];
		p99 = fl->lat[(size_t)((double)(fl->done - 1) * 0.99)];
	}
	qsort(fl->out, fl->nout, sizeof(outcome), cmp_outcome);
	if (!json) {
		fprintf(f, "fleet: %zu phones, concurrency %zu, %.2f s: %.0f boots/s\n",
			fl->done, fl->conc, secs, rate);
		fprintf(f, "boot time: p50 %.1f ms, p99 %.1f ms\n", p50 * 1e3, p99 * 1e3);
		fprintf(f, "TFTP: %llu bytes in %llu transfers (%llu retransmitted); "
			"TVS asked %llu times\n", (unsigned long long)fl->bytes,
			(unsigned long long)fl->transfers, (unsigned long long)fl->resent,
			(unsigned long long)fl->tvs_asked);
		fprintf(f, "memory: VmRSS %.1f MB, VmHWM %.1f MB\n", rss / 1024.0, hwm / 1024.0);
		fprintf(f, "outcomes: %zu trusted, %zu refused, %zu errors\n", fl->trusted,
			fl->refused, fl->errors);
		for (size_t i = 0; i < fl->nout; i++)
			fprintf(f, "  %6zu  %s\n", fl->out[i].count, fl->out[i].reason);
		return;
	}
	fprintf(f, "{\"phones\":%zu,\"concurrency\":%zu,\"seconds\":%.3f,\"boots_per_s\":%.1f,"
		"\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"bytes\":%llu,\"transfers\":%llu,"
		"\"retransmitted\":%llu,\"tvs_asked\":%llu,\"rss_kb\":%ld,\"hwm_kb\":%ld,"
		"\"trusted\":%zu,\"refused\":%zu,\"errors\":%zu,\"outcomes\":[",
		fl->done, fl->conc, secs, rate, p50 * 1e3, p99 * 1e3,
		(unsigned long long)fl->bytes, (unsigned long long)fl->transfers,
		(unsigned long long)fl->resent, (unsigned long long)fl->tvs_asked, rss, hwm,
		fl->trusted, fl->refused, fl->errors);
	for (size_t i = 0; i < fl->nout; i++) {
		fprintf(f, "%s{\"count\":%zu,\"reason\":", i ? "," : "", fl->out[i].count);
		tl_json_str(f, fl->out[i].reason);
		fputc('}', f);
	}
	fprintf(f, "]}\n");
}

/* ---- the command ---- */

static int bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int bad(const char *fmt, ...)
{
	va_list ap;

	fputs("phone-sim fleet: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}

static void fleet_free(fleet *fl)
{
	for (size_t i = 0; fl->mem && i < fl->count; i++) {
		free(fl->mem[i].cache);
		free(fl->mem[i].config);
	}
	for (size_t i = 0; i < fl->nblobs; i++)
		free(fl->blobs[i].p);
	for (size_t i = 0; i < fl->nout; i++)
		free(fl->out[i].reason);
	free(fl->blobs);
	free(fl->mem);
	free(fl->lat);
	tl_ev_free(fl->tick);
	tl_tls_free(fl->tls);
	if (fl->loop)
		tl_loop_free(fl->loop);
}

int tl_fleet_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, 0, 'n' },
		{ "concurrency", required_argument, 0, 'c' },
		{ "mac-base", required_argument, 0, 'm' },
		{ "model", required_argument, 0, 'M' },
		{ "tftp", required_argument, 0, 't' },
		{ "tvs", required_argument, 0, 'T' },
		{ "state-root", required_argument, 0, 's' },
		{ "memory", no_argument, 0, 'k' },
		{ "report", required_argument, 0, 'r' },
		{ "json", no_argument, 0, 'j' },
		{ "timeout", required_argument, 0, 'o' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	const char *mac_s = NULL, *tftp = NULL, *tvs = NULL, *report_path = NULL;
	long count = 0, conc = 0;
	int c, memory = 0, code, to_stdout;
	char mac[13];
	double secs;
	fleet fl;
	tl_err e;

	memset(&fl, 0, sizeof(fl));
	fl.model = "CP-8865";
	fl.timeout_ms = 5000;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': count = atol(optarg); break;
		case 'c': conc = atol(optarg); break;
		case 'm': mac_s = optarg; break;
		case 'M': fl.model = optarg; break;
		case 't': tftp = optarg; break;
		case 'T': tvs = optarg; break;
		case 's': fl.state_root = optarg; break;
		case 'k': memory = 1; break;
		case 'r': report_path = optarg; break;
		case 'j': report_path = "-"; break;
		case 'o': fl.timeout_ms = atoi(optarg); break;
		case 'h': usage(stdout); return 0;
		default: return 2;
		}
	}
	to_stdout = report_path && !strcmp(report_path, "-");
	if (optind != argc || count <= 0 || conc <= 0 || !mac_s || !tftp)
		return bad("needs --count N, --concurrency C, --mac-base MAC and "
			   "--tftp HOST[:PORT] (see --help)");
	if (tl_flash_mac(mac_s, mac, &e))
		return bad("%s", e.msg);
	if (fl.timeout_ms <= 0 || tl_phone_hostport(tftp, 69, &fl.tftp) ||
	    (tvs && tl_phone_hostport(tvs, TL_TVS_PORT, &fl.tvs)))
		return bad("bad --tftp, --tvs or --timeout value");
	if (fl.state_root && !memory && mkdir(fl.state_root, 0700) && errno != EEXIST)
		return bad("%s: %s", fl.state_root, strerror(errno));
	fl.have_tvs = tvs != NULL;
	fl.mac_base = strtoull(mac, NULL, 16);
	fl.count = (size_t)count;
	fl.conc = (size_t)conc;
	tl_phone_tftp_opts(&fl.o, &fl.tftp, fl.timeout_ms);
	if ((fl.lat = calloc(fl.count, sizeof(double))) == NULL ||
	    ((memory || !fl.state_root) &&
	     (fl.mem = calloc(fl.count, sizeof(mphone))) == NULL)) {
		fleet_free(&fl);
		return bad("out of memory for %zu phones", fl.count);
	}
	if ((fl.loop = tl_loop_new(&e)) == NULL ||
	    (isatty(1) && !to_stdout && (fl.tick = tl_ev_periodic(fl.loop, 250, tick, &fl, &e)) == NULL)) {
		fleet_free(&fl);
		return bad("%s", e.msg);
	}
	fl.t0 = now_s();
	refill(&fl);
	if (fl.done < fl.count && tl_loop_run(fl.loop, &e)) {
		fleet_free(&fl);
		return bad("%s", e.msg);
	}
	secs = now_s() - fl.t0;
	if (fl.tick)
		printf("\r%*s\r", 78, "");
	/* --json and --report -: the JSON report is standard output */
	report(&fl, secs, stdout, to_stdout);
	code = fl.errors ? 2 : fl.refused ? 1 : 0;
	if (report_path && !to_stdout) {
		FILE *f = fopen(report_path, "w");

		if (f)
			report(&fl, secs, f, 1);
		if (f == NULL || fclose(f))
			code = bad("%s: %s", report_path, strerror(errno));
	}
	fleet_free(&fl);
	return code;
}

/* Everything loop.h does over libevent: the loop, fd watches, timers and
 * signals, jobs on threads of their own, and the HTTP server, which is
 * evhttp on the loop's event base. The plain socket helpers are sock.c. */
#include "loop.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct tl_loop {
	struct event_base *base;
	unsigned spin_us;	/* tl_loop_spin */
	unsigned long fired;	/* callbacks run, for the spinning loop */
	int stop;
};

struct tl_ev {
	tl_ev_fn fn;
	void *arg;
	tl_loop *loop;
	int added;
	struct timeval period;	/* periodic timers */
	/* libevent's struct event, whose size only the library knows: one
	 * allocation per watch instead of two. */
	_Alignas(max_align_t) unsigned char ev[];
};

#define EV(t) ((struct event *)(void *)(t)->ev)

tl_loop *tl_loop_new(tl_err *e)
{
	tl_loop *l = calloc(1, sizeof(*l));

	if (l == NULL || (l->base = event_base_new()) == NULL) {
		free(l);
		tl_fail(e, "cannot create the event loop");
		return NULL;
	}
	return l;
}

void tl_loop_free(tl_loop *l)
{
	if (l == NULL)
		return;
	event_base_free(l->base);
	free(l);
}

void tl_loop_spin(tl_loop *l, unsigned us)
{
	l->spin_us = us;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Polls without sleeping for as long as something happened within the
 * last spin_us, then sleeps until something does. */
static int run_spinning(tl_loop *l)
{
	uint64_t busy = now_us();
	int rc = 0;

	while (!l->stop && rc == 0) {
		unsigned long before = l->fired;

		if (now_us() - busy < l->spin_us) {
			rc = event_base_loop(l->base, EVLOOP_NONBLOCK);
		} else {
			rc = event_base_loop(l->base, EVLOOP_ONCE);
			busy = now_us();
		}
		if (l->fired != before)
			busy = now_us();
		else
			sched_yield();	/* a peer on this core gets to answer */
	}
	return rc < 0 ? -1 : 0;
}

int tl_loop_run(tl_loop *l, tl_err *e)
{
	int rc;

	l->stop = 0;
	rc = l->spin_us ? run_spinning(l) : event_base_dispatch(l->base);
	if (rc < 0)
		return tl_fail(e, "event loop failed");
	return 0;
}

void tl_loop_stop(tl_loop *l)
{
	l->stop = 1;
	event_base_loopbreak(l->base);
}

uint64_t tl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void trampoline(evutil_socket_t fd, short what, void *arg)
{
	tl_ev *t = arg;

	if (!(event_get_events(EV(t)) & EV_PERSIST))
		t->added = 0;
	t->loop->fired++;
	t->fn(t->arg);
}

static tl_ev *ev_make(tl_loop *l, int fd, short what, tl_ev_fn fn, void *arg,
		      tl_err *e)
{
	tl_ev *t = calloc(1, sizeof(*t) + event_get_struct_event_size());

	if (t == NULL) {
		tl_fail(e, "out of memory");
		return NULL;
	}
	t->fn = fn;
	t->arg = arg;
	t->loop = l;
	if (event_assign(EV(t), l->base, fd, what, trampoline, t) < 0) {
		free(t);
		tl_fail(e, "cannot create an event");
		return NULL;
	}
	return t;
}

tl_ev *tl_ev_io(tl_loop *l, int fd, int what, tl_ev_fn fn, void *arg, tl_err *e)
{
	short w = EV_PERSIST;

	if (what & TL_EV_READ)
		w |= EV_READ;
	if (what & TL_EV_WRITE)
		w |= EV_WRITE;
	return ev_make(l, fd, w, fn, arg, e);
}

int tl_ev_enable(tl_ev *t)
{
	if (t->added)
		return 0;
	if (event_add(EV(t), NULL) < 0)
		return -1;
	t->added = 1;
	return 0;
}

void tl_ev_disable(tl_ev *t)
{
	if (t && t->added) {
		event_del(EV(t));
		t->added = 0;
	}
}

tl_ev *tl_ev_timer(tl_loop *l, tl_ev_fn fn, void *arg, tl_err *e)
{
	return ev_make(l, -1, 0, fn, arg, e);
}

void tl_ev_arm(tl_ev *t, unsigned ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };

	/* event_add on a pending timer moves its deadline; it can only fail
	 * on a corrupt event, which would be a bug here. */
	if (event_add(EV(t), &tv) == 0)
		t->added = 1;
}

tl_ev *tl_ev_periodic(tl_loop *l, unsigned ms, tl_ev_fn fn, void *arg, tl_err *e)
{
	tl_ev *t = ev_make(l, -1, EV_PERSIST, fn, arg, e);

	if (t == NULL)
		return NULL;
	t->period.tv_sec = (time_t)(ms / 1000);
	t->period.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	if (event_add(EV(t), &t->period) < 0) {
		free(t);
		tl_fail(e, "cannot start a timer");
		return NULL;
	}
	t->added = 1;
	return t;
}

tl_ev *tl_ev_signal(tl_loop *l, int sig, tl_ev_fn fn, void *arg, tl_err *e)
{
	tl_ev *t = ev_make(l, sig, EV_SIGNAL | EV_PERSIST, fn, arg, e);

	if (t && tl_ev_enable(t)) {
		free(t);
		tl_fail(e, "cannot watch signal %d", sig);
		return NULL;
	}
	return t;
}

void tl_ev_free(tl_ev *t)
{
	if (t == NULL)
		return;
	tl_ev_disable(t);
	free(t);
}

#define JOB_NICE 10

struct tl_job {
	tl_ev_fn work, done;
	void *arg;
	pthread_t thread;
	int pipe[2];	/* the thread writes a byte when the work is done */
	tl_ev *ready;
};

static void *job_run(void *arg)
{
	tl_job *j = arg;

	/* Behind the loop's thread for the CPU: what the loop serves cannot
	 * wait, the work can. Linux gives each thread its own nice value. */
	if (setpriority(PRIO_PROCESS, (id_t)gettid(), JOB_NICE)) {
		/* not allowed: the work runs at the loop's priority */
	}
	j->work(j->arg);
	while (write(j->pipe[1], "", 1) < 0 && errno == EINTR)
		;
	return NULL;
}

static void job_end(tl_job *j)
{
	pthread_join(j->thread, NULL);
	tl_ev_free(j->ready);
	close(j->pipe[0]);
	close(j->pipe[1]);
	free(j);
}

static void job_ready(void *arg)
{
	tl_job *j = arg;
	tl_ev_fn done = j->done;
	void *a = j->arg;

	job_end(j);
	done(a);
}

tl_job *tl_job_start(tl_loop *l, tl_ev_fn work, tl_ev_fn done, void *arg,
		     tl_err *e)
{
	tl_job *j = calloc(1, sizeof(*j));
	int err;

	if (j == NULL) {
		tl_fail(e, "out of memory");
		return NULL;
	}
	j->work = work;
	j->done = done;
	j->arg = arg;
	if (pipe2(j->pipe, O_CLOEXEC)) {
		tl_fail(e, "pipe: %s", strerror(errno));
		free(j);
		return NULL;
	}
	if ((j->ready = tl_ev_io(l, j->pipe[0], TL_EV_READ, job_ready, j, e)) == NULL ||
	    tl_ev_enable(j->ready)) {
		if (j->ready)
			tl_fail(e, "cannot watch a pipe");
		goto fail;
	}
	if ((err = pthread_create(&j->thread, NULL, job_run, j)) != 0) {
		tl_fail(e, "cannot start a thread: %s", strerror(err));
		goto fail;
	}
	return j;
fail:
	tl_ev_free(j->ready);
	close(j->pipe[0]);
	close(j->pipe[1]);
	free(j);
	return NULL;
}

void tl_job_wait(tl_job *j)
{
	if (j)
		job_end(j);
}

static void stop_loop(void *arg)
{
	tl_loop_stop(arg);
}

static void ignore(void *arg)
{
}

int tl_loop_signals(tl_loop *l, tl_ev_fn stop, tl_ev_fn reload, void *arg,
		    tl_ev *out[3], tl_err *e)
{
	signal(SIGPIPE, SIG_IGN);
	out[0] = tl_ev_signal(l, SIGTERM, stop ? stop : stop_loop, stop ? arg : l, e);
	out[1] = out[0] ? tl_ev_signal(l, SIGINT, stop ? stop : stop_loop,
				       stop ? arg : l, e) : NULL;
	out[2] = out[1] ? tl_ev_signal(l, SIGHUP, reload ? reload : ignore, arg, e)
			: NULL;
	if (out[2] == NULL) {
		tl_loop_signals_free(out);
		return -1;
	}
	/* handled now: a SIGHUP held back while the daemon started
	 * (tl_daemon_start) is delivered to the handler */
	sigset_t hup;

	sigemptyset(&hup);
	sigaddset(&hup, SIGHUP);
	sigprocmask(SIG_UNBLOCK, &hup, NULL);
	return 0;
}

void tl_loop_signals_free(tl_ev *ev[3])
{
	for (int i = 0; i < 3; i++) {
		tl_ev_free(ev[i]);
		ev[i] = NULL;
	}
}

/* HTTP */

struct body_ref {
	void (*done)(void *ctx);
	void (*sent)(void *ctx);
	void *ctx;
	struct evhttp_request *req;
	struct tl_http *h;
	int written;		/* the request completed */
	struct body_ref *next;	/* in h->pending, while sent is undecided */
};

struct tl_http {
	struct evhttp *http;
	struct event_base *base;
	tl_http_fn fn;
	void *arg;
	struct body_ref *pending;
};

static void body_finish(evutil_socket_t fd, short what, void *arg)
{
	struct body_ref *r = arg;

	for (struct body_ref **p = &r->h->pending; *p; p = &(*p)->next)
		if (*p == r) {
			*p = r->next;
			break;
		}
	if (r->written && r->sent)
		r->sent(r->ctx);
	if (r->done)
		r->done(r->ctx);
	free(r);
}

/* libevent lets go of the bytes both when it wrote the last of them and
 * when the connection failed; only in the first case does it complete the
 * request, in the same callback, just after. So whether they were sent is
 * known on the next round of the loop. */
static void body_cleanup(const void *data, size_t len, void *extra)
{
	struct body_ref *r = extra;
	const struct timeval now = { 0, 0 };

	if (r->sent == NULL ||
	    event_base_once(r->h->base, -1, EV_TIMEOUT, body_finish, r, &now))
		body_finish(-1, 0, r);
}

static void request_complete(struct evhttp_request *req, void *arg)
{
	struct tl_http *h = arg;

	for (struct body_ref *r = h->pending; r; r = r->next)
		if (r->req == req)
			r->written = 1;
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 503: return "Service Unavailable";
	default: return "Internal Server Error";
	}
}

/* Errors carry a one-line text body (none for HEAD), so a person with
 * curl sees why: the status, and the handler's cause when it gave one. */
static void reply_status(struct evhttp_request *req, int status, int head,
			 const char *why)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *b = evbuffer_new();
	char len[32];

	evhttp_add_header(h, "Content-Type", "text/plain");
	if (b) {
		evbuffer_add_printf(b, "%d %s%s", status, reason(status), why ? ": " : "");
		/* one line, whatever the cause holds */
		for (const char *p = why; p && *p; p++)
			evbuffer_add(b, (unsigned char)*p < 0x20 ? " " : p, 1);
		evbuffer_add(b, "\n", 1);
	}
	if (head) {
		snprintf(len, sizeof(len), "%zu", b ? evbuffer_get_length(b) : 0);
		evhttp_add_header(h, "Content-Length", len);
		evhttp_send_reply(req, status, reason(status), NULL);
	} else {
		evhttp_send_reply(req, status, reason(status), b);
	}
	if (b)
		evbuffer_free(b);
}

static void http_cb(struct evhttp_request *req, void *arg)
{
	struct tl_http *h = arg;
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	struct evhttp_connection *conn = evhttp_request_get_connection(req);
	const char *raw = uri ? evhttp_uri_get_path(uri) : NULL;
	tl_http_body body;
	struct body_ref *ref;
	struct evbuffer *b;
	char peer[80], len[32];
	char *addr = NULL, *path;
	ev_uint16_t port = 0;
	size_t plen;
	int status, head = cmd == EVHTTP_REQ_HEAD;

	if (cmd != EVHTTP_REQ_GET && !head) {
		evhttp_add_header(out, "Allow", "GET, HEAD");
		reply_status(req, 405, 0, NULL);
		return;
	}
	path = raw ? evhttp_uridecode(raw, 0, &plen) : NULL;
	/* A %00 would end the name early: whatever it hides is refused. */
	if (path == NULL || plen != strlen(path)) {
		free(path);
		reply_status(req, 400, head, NULL);
		return;
	}
	if (conn)
		evhttp_connection_get_peer(conn, &addr, &port);
	snprintf(peer, sizeof(peer), strchr(addr ? addr : "", ':') ? "[%s]:%u" : "%s:%u",
		 addr ? addr : "?", (unsigned)port);
	memset(&body, 0, sizeof(body));
	status = h->fn(h->arg, path, peer, &body);
	free(path);
	if (status != 200) {
		reply_status(req, status, head, body.why);
		return;
	}
	evhttp_add_header(out, "Content-Type",
			  body.type ? body.type : "application/octet-stream");
	if (head) {
		snprintf(len, sizeof(len), "%zu", body.len);
		evhttp_add_header(out, "Content-Length", len);
		evhttp_send_reply(req, 200, "OK", NULL);
		if (body.done)
			body.done(body.ctx);
		return;
	}
	/* The body is sent from the caller's bytes, not copied: done() runs
	 * when libevent has written or dropped them. */
	b = evbuffer_new();
	ref = malloc(sizeof(*ref));
	if (ref)
		*ref = (struct body_ref){ .done = body.done, .sent = body.sent,
					  .ctx = body.ctx, .req = req, .h = h };
	if (b == NULL || ref == NULL ||
	    evbuffer_add_reference(b, body.data, body.len, body_cleanup, ref) < 0) {
		if (body.done)
			body.done(body.ctx);
		free(ref);
		if (b)
			evbuffer_free(b);
		reply_status(req, 500, 0, NULL);
		return;
	}
	if (body.sent) {
		ref->next = h->pending;
		h->pending = ref;
		evhttp_request_set_on_complete_cb(req, request_complete, h);
	}
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

tl_http *tl_http_new(tl_loop *l, int fd, int timeout_s, tl_http_fn fn,
		     void *arg, tl_err *e)
{
	tl_http *h = calloc(1, sizeof(*h));

	if (h == NULL || (h->http = evhttp_new(l->base)) == NULL) {
		free(h);
		close(fd);
		tl_fail(e, "cannot create the HTTP server");
		return NULL;
	}
	h->fn = fn;
	h->arg = arg;
	h->base = l->base;
	/* Every method reaches the callback, so others get 405 rather than
	 * libevent's 501. */
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
				   EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
				   EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
				   EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT |
				   EVHTTP_REQ_PATCH);
	evhttp_set_max_headers_size(h->http, 8192);
	evhttp_set_max_body_size(h->http, 4096);
	evhttp_set_timeout(h->http, timeout_s);
	evhttp_set_gencb(h->http, http_cb, h);
	if (evhttp_accept_socket_with_handle(h->http, fd) == NULL) {
		evhttp_free(h->http);
		free(h);
		close(fd);
		tl_fail(e, "cannot listen for HTTP");
		return NULL;
	}
	return h;
}

void tl_http_free(tl_http *h)
{
	if (h == NULL)
		return;
	evhttp_free(h->http);
	free(h);
}

/* The servers' event loop: the one wrapper over libevent (docs/architecture.md:
 * nothing outside lib/ touches it). A loop per process; fd watches, one-shot
 * and periodic timers, signals, and a small HTTP server over evhttp that
 * serves GET and HEAD from a callback. Also the socket helpers every server
 * needs: bind a listening socket, print a peer address. */
#ifndef TL_LOOP_H
#define TL_LOOP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "err.h"

typedef struct tl_loop tl_loop;
typedef struct tl_ev tl_ev;
typedef void (*tl_ev_fn)(void *arg);

tl_loop *tl_loop_new(tl_err *e);
void tl_loop_free(tl_loop *l);	/* after every tl_ev of it is freed */
/* Runs until tl_loop_stop or until nothing is left to wait for. */
int tl_loop_run(tl_loop *l, tl_err *e);
void tl_loop_stop(tl_loop *l);
/* Lets tl_loop_run poll without sleeping for up to us microseconds after
 * anything happened (0, the default: always sleep until something does).
 * A peer that answers within that time finds the process awake instead of
 * waiting for the scheduler to wake it: a one-block-at-a-time TFTP transfer
 * goes about twice as fast, for a core kept busy while transfers run. */
void tl_loop_spin(tl_loop *l, unsigned us);
/* Milliseconds of a monotonic clock. */
uint64_t tl_now_ms(void);

enum { TL_EV_READ = 1, TL_EV_WRITE = 2 };
/* Calls fn whenever fd is readable / writable (what), from when it is
 * enabled until it is disabled or freed. Created disabled. */
tl_ev *tl_ev_io(tl_loop *l, int fd, int what, tl_ev_fn fn, void *arg, tl_err *e);
int tl_ev_enable(tl_ev *ev);
void tl_ev_disable(tl_ev *ev);
/* A one-shot timer, armed (or re-armed) by tl_ev_arm. */
tl_ev *tl_ev_timer(tl_loop *l, tl_ev_fn fn, void *arg, tl_err *e);
void tl_ev_arm(tl_ev *ev, unsigned ms);
/* A timer that fires every ms from now on. */
tl_ev *tl_ev_periodic(tl_loop *l, unsigned ms, tl_ev_fn fn, void *arg, tl_err *e);
/* Calls fn when the process gets sig (delivered through the loop, so fn may
 * do anything). */
tl_ev *tl_ev_signal(tl_loop *l, int sig, tl_ev_fn fn, void *arg, tl_err *e);
void tl_ev_free(tl_ev *ev);	/* NULL is fine */

/* Work too long for the loop (signing thousands of files): work(arg) runs
 * on a thread of its own, at a lower priority than the loop's, then
 * done(arg) on the loop's thread, after which the job is gone. work must
 * not touch what the loop's thread changes. */
typedef struct tl_job tl_job;
tl_job *tl_job_start(tl_loop *l, tl_ev_fn work, tl_ev_fn done, void *arg,
		     tl_err *e);
/* Waits for a job's work to end and frees it without calling done. */
void tl_job_wait(tl_job *j);

/* The usual server signals: SIGTERM and SIGINT call stop (NULL: stop the
 * loop), SIGHUP calls reload (NULL: ignored); SIGPIPE is ignored. The
 * events are kept in out[3] for tl_loop_signals_free. */
int tl_loop_signals(tl_loop *l, tl_ev_fn stop, tl_ev_fn reload, void *arg,
		    tl_ev *out[3], tl_err *e);
void tl_loop_signals_free(tl_ev *ev[3]);

/* A bound socket of type SOCK_DGRAM or SOCK_STREAM (listening), non-blocking
 * and close-on-exec. addr is a numeric IPv4 or IPv6 address ("[::1]" too);
 * NULL or "" is [::] accepting IPv4 as well, or 0.0.0.0 where the machine
 * has no IPv6. reuseport lets several processes bind the same port, the
 * kernel spreading packets and connections between them. */
int tl_sock_bind(const char *addr, int port, int type, int reuseport, tl_err *e);
/* "192.0.2.1:69", "[2001:db8::1]:69" (an IPv4-mapped IPv6 address is
 * printed as IPv4); with_port 0 leaves the port out. */
const char *tl_sock_str(const struct sockaddr *sa, int with_port, char *out,
			size_t n);
/* The port a socket is bound to, or -1. */
int tl_sock_port(int fd);

/* HTTP. The handler gets the decoded path (leading '/' included, no query)
 * and the peer ("ip:port"), and returns a status; for 200 it fills body,
 * for another status it may set body->why, the cause sent after the status
 * on the error's line of text ("404 Not Found: <why>").
 * done(ctx) is called once the bytes are no longer needed (sent, or the
 * connection gone), whatever the method; sent(ctx), when given, just before
 * it once the whole response of a GET was written to the connection (not
 * when it was cut). Methods other than GET and HEAD get
 * 405 without calling the handler; HEAD gets the headers of GET. */
typedef struct tl_http_body {
	const void *data;
	size_t len;
	const char *type;	/* Content-Type; NULL: application/octet-stream */
	void (*done)(void *ctx);
	void (*sent)(void *ctx);
	void *ctx;
	const char *why;	/* a status other than 200: its cause, or NULL */
} tl_http_body;
typedef int (*tl_http_fn)(void *arg, const char *path, const char *peer,
			  tl_http_body *body);
typedef struct tl_http tl_http;

/* Serves on the listening socket fd (tl_sock_bind SOCK_STREAM), which it
 * then owns. Idle connections close after timeout_s. */
tl_http *tl_http_new(tl_loop *l, int fd, int timeout_s, tl_http_fn fn,
		     void *arg, tl_err *e);
void tl_http_free(tl_http *h);

#endif

#include "tftpd.h"

#include <unistd.h>

#include "daemon.h"
#include "http.h"
#include "log.h"
#include "server.h"
#include "tftpdreload.h"
#include "tftpdstart.h"

#define GRACE_MS 3000		/* transfers a SIGTERM lets finish */

struct worker {
	tl_tftpd_reloader rl;	/* its loop and server are the worker's */
	tl_tftp_http *http;
	tl_tsrec *rec;		/* what phones completed (tsrecord.h) */
};

static void drained(void *arg)
{
	struct worker *w = arg;

	tl_loop_stop(w->rl.loop);
}

static void on_stop(void *arg)
{
	struct worker *w = arg;

	tl_log(LOG_INFO, "event=stopping");
	tl_tftp_server_drain(w->rl.srv, GRACE_MS, drained, w);
}

static void on_reload(void *arg)
{
	struct worker *w = arg;

	tl_tftpd_reload(&w->rl);
}

int tl_tftpd_serve(const tl_tftpd_opts *o, tl_tftp_ns *ns, int ready)
{
	struct worker w = { .http = NULL, .rec = NULL };
	const tl_conf *conf = tl_tftp_ns_conf(ns);
	tl_ev *sig[3] = { NULL, NULL, NULL };
	int http_port = o->http_port != -2 ? o->http_port : conf->tftp.http_port;
	tl_tftp_cfg c;
	size_t files;
	uint64_t bytes, held;
	char m[600];
	tl_err e;
	int rc = 1;

	tl_tftpd_reload_init(&w.rl, ns, o);
	tl_tftpd_settings(o, conf, &c);
	if (tl_daemon_user_ok(conf->tftp.user, &e) ||
	    (w.rl.loop = tl_loop_new(&e)) == NULL ||
	    (w.rl.srv = tl_tftp_server_new(w.rl.loop, ns, &c, &e)) == NULL ||
	    (http_port >= 0 && (w.http = tl_tftp_http_new(w.rl.loop, ns, c.listen,
							  http_port, c.reuseport,
							  &e)) == NULL) ||
	    tl_tftp_ns_keep_store(ns, &e) ||
	    (w.rec = tl_tsrec_new(w.rl.loop, o->dir, &e)) == NULL ||
	    tl_tftpd_reload_watch(&w.rl, &e) ||
	    tl_tftpd_drop(conf->tftp.user, &e) ||
	    tl_loop_signals(w.rl.loop, on_stop, on_reload, &w, sig, &e)) {
		tl_log(LOG_ERR, "event=fatal error=%s",
		       tl_log_val(e.msg, m, sizeof(m)));
		goto out;
	}
	tl_tftp_server_record(w.rl.srv, w.rec);
	if (w.http)
		tl_tftp_http_record(w.http, w.rec);
	tl_loop_spin(w.rl.loop, (unsigned)conf->tftp.busy_poll_us);
	tl_tftp_ns_stats(ns, &files, &bytes, &held);
	tl_log(LOG_INFO, "event=start pid=%ld port=%d http_port=%d files=%zu bytes=%llu "
	       "held=%llu", (long)getpid(), tl_tftp_server_port(w.rl.srv),
	       w.http ? tl_tftp_http_port(w.http) : -1, files,
	       (unsigned long long)bytes, (unsigned long long)held);
	if (tl_tftpd_ready(ready, !o->foreground))
		goto out;
	if (tl_loop_run(w.rl.loop, &e))
		tl_log(LOG_ERR, "event=loop error=%s", tl_log_val(e.msg, m, sizeof(m)));
	else
		rc = 0;
	tl_tftp_server_summary(w.rl.srv);
	tl_log(LOG_INFO, "event=stopped pid=%ld", (long)getpid());
out:
	tl_tftpd_reload_end(&w.rl);
	tl_loop_signals_free(sig);
	tl_tftp_http_free(w.http);
	tl_tftp_server_free(w.rl.srv);
	tl_tsrec_free(w.rec);
	tl_loop_free(w.rl.loop);
	return rc;
}

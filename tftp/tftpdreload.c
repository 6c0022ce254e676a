#include "tftpdreload.h"

#include <string.h>

#include "daemon.h"
#include "follow.h"
#include "log.h"
#include "store.h"
#include "tftpmetrics.h"

/* How often the data directory's generation is looked at: a `trustline`
 * change is served within this time without a SIGHUP. */
#define WATCH_MS 2000

void tl_tftpd_settings(const tl_tftpd_opts *o, const tl_conf *conf,
		       tl_tftp_cfg *c)
{
	tl_tftp_cfg_from_conf(c, &conf->tftp);
	if (o->listen)
		c->listen = o->listen;
	if (o->port >= 0)
		c->port = o->port;
	c->reuseport = o->workers > 1;
	tl_daemon_fit_files(&c->max_transfers, 64, "max_transfers");
}

static void build_next(void *arg)
{
	tl_tftpd_reloader *r = arg;

	r->next = tl_tftp_ns_build(r->ns, &r->job_err);
}

static void start_reload(tl_tftpd_reloader *r);

static void reloaded(void *arg)
{
	tl_tftpd_reloader *r = arg;
	tl_tftp_cfg c;
	size_t files;
	uint64_t bytes, held;
	char m[600];

	r->job = NULL;
	if (r->next == NULL) {
		tl_tftp_metrics_slot()->reloads_failed++;
		tl_log(LOG_ERR, "event=reload result=failed error=%s (still serving "
		       "the files loaded before)",
		       tl_log_val(r->job_err.msg, m, sizeof(m)));
	} else {
		tl_tftp_metrics_slot()->reloads_ok++;
		tl_tftp_ns_swap(r->ns, r->next);
		r->next = NULL;
		tl_tftpd_settings(r->o, tl_tftp_ns_conf(r->ns), &c);
		tl_tftp_server_set_limits(r->srv, &c);
		tl_loop_spin(r->loop, (unsigned)tl_tftp_ns_conf(r->ns)->tftp.busy_poll_us);
		tl_tftp_ns_stats(r->ns, &files, &bytes, &held);
		tl_log(LOG_INFO, "event=reload result=ok files=%zu bytes=%llu held=%llu "
		       "generation=%ld", files, (unsigned long long)bytes,
		       (unsigned long long)held, tl_tftp_ns_generation(r->ns));
		tl_follow_loaded(r->follow, tl_tftp_ns_generation(r->ns));
	}
	if (r->again)
		start_reload(r);
}

static void start_reload(tl_tftpd_reloader *r)
{
	char m[600];
	tl_err e;

	r->again = 0;
	if ((r->job = tl_job_start(r->loop, build_next, reloaded, r, &e)) == NULL)
		tl_log(LOG_ERR, "event=reload result=failed error=%s (still serving "
		       "the files loaded before)", tl_log_val(e.msg, m, sizeof(m)));
}

void tl_tftpd_reload(tl_tftpd_reloader *r)
{
	/* A change made while a reload reads the data directory may have
	 * come too late for it: one more follows. */
	if (r->job)
		r->again = 1;
	else
		start_reload(r);
}

static void on_watch(void *arg)
{
	tl_tftpd_reloader *r = arg;
	long g = tl_store_read_generation(tl_store_default_dir(r->o->dir));

	if (g != r->generation) {
		r->generation = g;
		tl_log(LOG_INFO, "event=changed generation=%ld", g);
		tl_tftpd_reload(r);
	}
}

void tl_tftpd_reload_init(tl_tftpd_reloader *r, tl_tftp_ns *ns,
			  const tl_tftpd_opts *o)
{
	memset(r, 0, sizeof(*r));
	r->ns = ns;
	r->o = o;
	r->generation = tl_store_read_generation(tl_store_default_dir(o->dir));
}

static void on_changed(void *arg)
{
	tl_tftpd_reload(arg);
}

int tl_tftpd_reload_watch(tl_tftpd_reloader *r, tl_err *e)
{
	const tl_conf *c = tl_tftp_ns_conf(r->ns);
	/* the node it serves as: --node, [tftp] node, else [database] node */
	const char *node = c->tftp.node[0] ? c->tftp.node : c->db_node;

	/* the file still tells of this directory's own changes (and is
	 * all there is with SQLite) */
	if ((r->watch = tl_ev_periodic(r->loop, WATCH_MS, on_watch, r, e)) == NULL ||
	    tl_follow_open(&r->follow, r->loop, c, node, on_changed, r, e))
		return -1;
	tl_follow_loaded(r->follow, tl_tftp_ns_generation(r->ns));
	return 0;
}

void tl_tftpd_reload_end(tl_tftpd_reloader *r)
{
	if (r->job) {
		tl_tftp_ns_cancel(r->ns);
		tl_job_wait(r->job);
		if (r->next)
			tl_tftp_ns_swap(r->ns, r->next);	/* freed with ns */
	}
	tl_ev_free(r->watch);
	r->watch = NULL;
	tl_follow_free(r->follow);
	r->follow = NULL;
}

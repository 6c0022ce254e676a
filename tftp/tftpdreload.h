/* tftpd's reloads: on SIGHUP, once the data directory's generation
 * changes (a `trustline` change is served without a SIGHUP), and, on a
 * shared database, when any node's change is notified (follow.h), the namespace
 * is built again on a thread of its own, then served, with the settings it
 * read applied to the running server. */
#ifndef TL_TFTPD_RELOAD_H
#define TL_TFTPD_RELOAD_H

#include "follow.h"
#include "loop.h"
#include "namespace.h"
#include "server.h"
#include "tftpd.h"

typedef struct tl_tftpd_reloader {
	tl_loop *loop;
	tl_tftp_ns *ns;
	tl_tftp_server *srv;
	const tl_tftpd_opts *o;
	tl_ev *watch;
	long generation;	/* of the data directory's file */
	tl_follow *follow;	/* NULL without a shared database */
	/* A reload renders and signs on a thread of its own, so phones are
	 * served from the files loaded before while it runs. */
	tl_job *job;
	tl_tftp_next *next;	/* what the job made */
	tl_err job_err;
	int again;		/* a reload asked for while one runs */
} tl_tftpd_reloader;

/* The server's settings, at start and after each reload: conf's [tftp]
 * with the options over it, max_transfers fitted to the open-file limit. */
void tl_tftpd_settings(const tl_tftpd_opts *o, const tl_conf *conf,
		       tl_tftp_cfg *c);

/* Notes the generation ns was built from, before anything else is done:
 * a change made while the process starts is reloaded. */
void tl_tftpd_reload_init(tl_tftpd_reloader *r, tl_tftp_ns *ns,
			  const tl_tftpd_opts *o);
/* Starts watching the generation, and the shared database's changes,
 * once r->loop and r->srv are set; before privileges are dropped. */
int tl_tftpd_reload_watch(tl_tftpd_reloader *r, tl_err *e);
/* SIGHUP: a reload now, or one more after the one running. */
void tl_tftpd_reload(tl_tftpd_reloader *r);
/* Stops watching, and cancels and waits for a reload still running. */
void tl_tftpd_reload_end(tl_tftpd_reloader *r);

#endif

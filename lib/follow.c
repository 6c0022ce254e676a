#include "follow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "log.h"
#include "node.h"

#define HEARTBEAT_MS 30000	/* the node's row, and a look at the connection */
#define RETRY_MIN_MS 500	/* the pauses between tries while it is down */
#define RETRY_MAX_MS 4000

struct tl_follow {
	tl_loop *loop;
	tl_db *db;		/* this connection only: LISTEN is per connection */
	char node[64];
	tl_ev_fn changed;
	void *arg;
	tl_ev *io;		/* the connection's socket, remade after each job */
	tl_ev *tick;		/* the heartbeat, or the next try while down */
	tl_job *job;
	int again;		/* asked for while the job ran */
	int degraded;
	unsigned retry_ms;
	long served;		/* what the daemon said it loaded; -1 unknown */
	long asked;		/* the generation changed() was last called for */
	int record;		/* served is to be written to the node's row */
	/* the job's own, read by done() on the loop's thread */
	long j_record;		/* the generation to record, or -1 */
	int j_ok, j_fd, j_changes, j_seen;
	long j_generation;
	tl_err j_err, j_seen_err;
};

/* On the job's thread: everything that may wait on the database. */
static void work(void *arg)
{
	tl_follow *f = arg;
	char v[32];

	f->j_changes = 0;
	f->j_fd = -1;
	f->j_seen = 0;
	/* a statement finds a broken connection and opens it again */
	if (!(f->j_ok = tl_db_ping(f->db, &f->j_err) == 0))
		return;
	f->j_changes = tl_db_changes_drain(f->db);
	if ((f->j_fd = tl_db_changes_fd(f->db)) < 0) {
		f->j_ok = 0;
		tl_fail(&f->j_err, "LISTEN failed on the cluster database");
		return;
	}
	f->j_generation = tl_db_state_get(f->db, "generation", v, sizeof(v)) ?
		strtol(v, NULL, 10) : 0;
	if (f->j_record >= 0 && f->node[0])
		f->j_seen = tl_node_seen(f->db, f->node, f->j_record,
					 (int64_t)time(NULL), &f->j_seen_err);
}

static void on_io(void *arg);
static void start(tl_follow *f);

static void down(tl_follow *f)
{
	char m[600];

	tl_ev_free(f->io);
	f->io = NULL;
	if (!f->degraded) {
		f->degraded = 1;
		f->retry_ms = RETRY_MIN_MS;
		tl_log(LOG_WARNING, "event=database state=degraded error=%s (still "
		       "serving what was loaded; trying again)",
		       tl_log_val(f->j_err.msg, m, sizeof(m)));
	} else if ((f->retry_ms *= 2) > RETRY_MAX_MS) {
		f->retry_ms = RETRY_MAX_MS;
	}
	if (f->record == 0 && f->j_record >= 0)
		f->record = 1;	/* written once it answers */
	tl_ev_arm(f->tick, f->retry_ms);
}

static void done(void *arg)
{
	tl_follow *f = arg;
	const char *cause = NULL;
	char m[600];
	tl_err e;

	f->job = NULL;
	if (!f->j_ok) {
		down(f);
	} else {
		if (f->degraded) {
			f->degraded = 0;
			tl_log(LOG_INFO, "event=database state=ok");
			cause = "reconnect";	/* what changed meanwhile */
		} else if (f->j_changes > 0) {
			cause = "notification";
		} else if (f->j_generation != f->served && f->j_generation != f->asked) {
			cause = "generation";	/* committed before LISTEN */
		}
		if (f->j_seen)
			tl_log(LOG_WARNING, "event=node_seen result=failed error=%s",
			       tl_log_val(f->j_seen_err.msg, m, sizeof(m)));
		/* remade each time: a connection opened again may have a new
		 * socket under the same number, which epoll no longer watches */
		tl_ev_free(f->io);
		if ((f->io = tl_ev_io(f->loop, f->j_fd, TL_EV_READ, on_io, f, &e)) == NULL ||
		    tl_ev_enable(f->io)) {
			tl_log(LOG_ERR, "event=database error=\"cannot watch the "
			       "connection\"");
			tl_ev_free(f->io);
			f->io = NULL;
		}
		tl_ev_arm(f->tick, f->io ? HEARTBEAT_MS : RETRY_MAX_MS);
		if (cause) {
			tl_log(LOG_INFO, "event=changed cause=%s changes=%d generation=%ld",
			       cause, f->j_changes, f->j_generation);
			f->asked = f->j_generation;
			f->changed(f->arg);
		}
	}
	/* while it is down, only the next try (tick) starts one */
	if (!f->degraded && (f->again || f->record))
		start(f);
}

static void start(tl_follow *f)
{
	char m[600];
	tl_err e;

	if (f->job) {
		f->again = 1;
		return;
	}
	f->again = 0;
	f->j_record = f->record ? f->served : -1;
	f->record = 0;
	/* not readable again before the job has read what arrived */
	tl_ev_disable(f->io);
	if ((f->job = tl_job_start(f->loop, work, done, f, &e)) == NULL) {
		tl_log(LOG_ERR, "event=database error=%s", tl_log_val(e.msg, m,
								      sizeof(m)));
		tl_ev_arm(f->tick, RETRY_MAX_MS);
	}
}

static void on_io(void *arg)
{
	start(arg);
}

static void on_tick(void *arg)
{
	tl_follow *f = arg;

	if (!f->degraded && f->served >= 0)
		f->record = 1;
	start(f);
}

int tl_follow_open(tl_follow **out, tl_loop *l, const tl_conf *conf,
		   const char *node, tl_ev_fn changed, void *arg, tl_err *e)
{
	tl_follow *f;

	*out = NULL;
	if (!conf->db_url[0])
		return 0;
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return tl_fail(e, "out of memory");
	f->loop = l;
	f->changed = changed;
	f->arg = arg;
	f->served = f->asked = -1;
	snprintf(f->node, sizeof(f->node), "%s", node ? node : "");
	if (tl_db_open_url(&f->db, conf->db_url, conf->db_password_file, e) ||
	    (f->tick = tl_ev_timer(l, on_tick, f, e)) == NULL) {
		tl_follow_free(f);
		return -1;
	}
	if (tl_db_changes_fd(f->db) < 0) {
		tl_follow_free(f);
		return tl_fail(e, "LISTEN failed on the cluster database");
	}
	*out = f;
	return 0;
}

void tl_follow_loaded(tl_follow *f, long generation)
{
	if (f == NULL)
		return;
	f->served = generation;
	f->record = 1;
	if (!f->degraded)
		start(f);
}

void tl_follow_free(tl_follow *f)
{
	if (f == NULL)
		return;
	if (f->job)
		tl_job_wait(f->job);
	tl_ev_free(f->io);
	tl_ev_free(f->tick);
	if (f->db)
		tl_db_close(f->db);
	free(f);
}

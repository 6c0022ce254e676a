#include "writer.h"

#include <stdlib.h>
#include <string.h>

#include "capfdb.h"
#include "db.h"
#include "log.h"

/* How long a batch waits for the other workers' write lock. */
#define LOCK_WAIT_MS 5000
/* When no thread can be started, the queue waits this long for another try. */
#define RETRY_MS 50

struct tl_capf_writer {
	tl_loop *loop;
	tl_store s;		/* the writer thread's own connection */
	tl_capf_written_fn done;
	void *done_arg;
	tl_capf_write *queue, **tail;	/* waiting for the next batch */
	tl_capf_write *batch;		/* being committed */
	tl_job *job;
	tl_ev *retry;
	int delivering;		/* in done: what done queues joins one batch */
};

static void start(tl_capf_writer *w);
static void retry(void *arg);

tl_capf_writer *tl_capf_writer_new(tl_loop *l, const char *dir,
				   tl_capf_written_fn done, void *done_arg,
				   tl_err *e)
{
	tl_capf_writer *w = calloc(1, sizeof(*w));

	if (w == NULL) {
		tl_fail(e, "out of memory");
		return NULL;
	}
	if ((w->retry = tl_ev_timer(l, retry, w, e)) == NULL) {
		free(w);
		return NULL;
	}
	if (tl_store_open(&w->s, dir, e)) {
		tl_ev_free(w->retry);
		free(w);
		return NULL;
	}
	tl_db_lock_wait(tl_store_db(&w->s), LOCK_WAIT_MS);
	w->loop = l;
	w->done = done;
	w->done_arg = done_arg;
	w->tail = &w->queue;
	return w;
}

/* One transaction for the batch, a savepoint for each change in it: a
 * change that fails leaves the others in, a commit that fails takes all. */
static void commit(tl_store *s, tl_capf_write *batch)
{
	tl_err e;
	int rc = tl_capf_batch_begin(s, &e);

	for (tl_capf_write *w = batch; w && rc == 0; w = w->next)
		w->rc = tl_capf_change_apply(s, &w->change, &w->e);
	if (rc == 0)
		rc = tl_capf_batch_end(s, &e);
	/* no transaction, or no commit: none of the batch is in */
	for (tl_capf_write *w = batch; rc && w; w = w->next) {
		w->rc = -1;
		w->e = e;
	}
}

static void write_free(tl_capf_write *w)
{
	tl_capf_change_free(&w->change);
	free(w);
}

static void free_list(tl_capf_write *w)
{
	tl_capf_write *next;

	for (; w; w = next) {
		next = w->next;
		write_free(w);
	}
}


static void batch_work(void *arg)
{
	tl_capf_writer *w = arg;

	commit(&w->s, w->batch);
}

static void batch_done(void *arg)
{
	tl_capf_writer *w = arg;
	tl_capf_write *b = w->batch, *next;

	w->job = NULL;
	w->batch = NULL;
	w->delivering = 1;
	for (; b; b = next) {
		next = b->next;
		w->done(w->done_arg, b);
		write_free(b);
	}
	w->delivering = 0;
	start(w);
}

/* The queue becomes the batch, committed on a thread of its own. Where no
 * thread can be started the queue waits for a retry: committing here would
 * block the loop, and answering from inside tl_capf_writer_put would call
 * done under its caller. */
static void start(tl_capf_writer *w)
{
	tl_err e;

	if (w->job || w->delivering || w->queue == NULL)
		return;
	w->batch = w->queue;
	if ((w->job = tl_job_start(w->loop, batch_work, batch_done, w, &e)) == NULL) {
		w->batch = NULL;
		tl_log(LOG_WARNING, "event=writer_retry error=\"%s\"", e.msg);
		tl_ev_arm(w->retry, RETRY_MS);
		return;
	}
	w->queue = NULL;
	w->tail = &w->queue;
}

static void retry(void *arg)
{
	start(arg);
}

tl_capf_write *tl_capf_writer_put(tl_capf_writer *w, tl_capf_change *c, void *arg)
{
	tl_capf_write *x = calloc(1, sizeof(*x));

	if (x == NULL) {
		tl_capf_change_free(c);
		return NULL;
	}
	x->change = *c;
	x->arg = arg;
	*w->tail = x;
	w->tail = &x->next;
	start(w);
	return x;
}

void tl_capf_writer_free(tl_capf_writer *w)
{
	if (w == NULL)
		return;
	/* the batch being committed finishes, and what is queued still goes
	 * in: a phone may have confirmed its LSC */
	tl_job_wait(w->job);
	if (w->queue)
		commit(&w->s, w->queue);
	free_list(w->batch);
	free_list(w->queue);
	tl_ev_free(w->retry);
	tl_store_close(&w->s);
	free(w);
}

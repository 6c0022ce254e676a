/* capfd's writes to trustline.db, off the event loop: sessions' changes
 * queue here and a thread commits them in batches on a connection of its
 * own, one transaction (one fsync, one generation bump) for whatever
 * queued while the previous batch was being committed. A connection
 * waits for its change without holding up the others, and the two
 * workers' writers take the database's write lock once per batch, not
 * twice per phone. */
#ifndef TL_CAPF_WRITER_H
#define TL_CAPF_WRITER_H

#include "loop.h"
#include "session.h"

typedef struct tl_capf_writer tl_capf_writer;

/* A change on its way. arg is the caller's (NULL once nobody waits for
 * the answer); rc and e are set when it has been committed or not. */
typedef struct tl_capf_write {
	tl_capf_change change;
	void *arg;
	int timed_out;		/* the caller's, for an orphaned change */
	int rc;
	tl_err e;
	struct tl_capf_write *next;
} tl_capf_write;

/* done(done_arg, w) runs on the loop's thread for each change once its
 * batch is over; w is freed after it. */
typedef void (*tl_capf_written_fn)(void *done_arg, tl_capf_write *w);

/* Opens its own connection to the database of the data directory dir. */
tl_capf_writer *tl_capf_writer_new(tl_loop *l, const char *dir,
				   tl_capf_written_fn done, void *done_arg,
				   tl_err *e);
/* Queues c (moved: the writer owns its certificate) for arg; NULL when out
 * of memory (c is then freed). */
tl_capf_write *tl_capf_writer_put(tl_capf_writer *w, tl_capf_change *c,
				  void *arg);
/* Waits for the batch being committed and commits what is still queued,
 * without calling done. */
void tl_capf_writer_free(tl_capf_writer *w);

#endif

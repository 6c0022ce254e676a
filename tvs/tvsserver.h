/* tvsd's service (docs/tvsd.md): answers VERIFY and QUERY from the index of
 * what TVS vouches for, serves them over TLS with the node's TVS identity,
 * and swaps in a new index (and identity) when the data directory changes,
 * without failing a request. */
#ifndef TL_TVS_SERVER_H
#define TL_TVS_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "loop.h"
#include "netloop.h"
#include "store.h"
#include "tvsindex.h"

/* Largest message a connection may send: a bigger one closes it. */
#define TL_TVSD_MAX_MESSAGE 65536

typedef struct tl_tvsd tl_tvsd;

/* Opens the service over an open store: builds the index and loads the TVS
 * identity of node (NULL: the publisher) into a TLS context with the
 * store's [tvs] settings. */
tl_tvsd *tl_tvsd_new(tl_store *s, const char *node, tl_err *e);
void tl_tvsd_free(tl_tvsd *d);

/* Rebuilds the index and reloads the identity; on failure the service
 * keeps what it had (e says what went wrong). Requests in flight finish
 * against the index they started with. */
int tl_tvsd_reload(tl_tvsd *d, tl_err *e);
/* tl_tvsd_reload for a signal event (SIGHUP): failures are logged. */
void tl_tvsd_hup(void *d);
/* Reloads when the store's generation moved since the last build. */
int tl_tvsd_check(tl_tvsd *d, tl_err *e);
size_t tl_tvsd_entries(const tl_tvsd *d);

/* One request: decodes a message from buf and appends the answer to out.
 * Returns the bytes consumed, 0 when more are needed, -1 when the input is
 * malformed, too long or not a request (e says why). Logs one line per
 * answered request; peer goes into it. */
long tl_tvsd_request(tl_tvsd *d, const uint8_t *buf, size_t len, const char *peer,
		     tl_buf *out, tl_err *e);

/* Records every answer in the phones' trust state (tsrecord.h), on a
 * connection opened now: before privileges are dropped, with l the loop
 * tl_tvsd_serve will serve on. */
int tl_tvsd_record(tl_tvsd *d, tl_loop *l, tl_err *e);
/* Follows the shared database's changes (follow.h), when the store has
 * one, reloading on each; node (NULL: [database] node) is the node whose
 * row gets the generation served. Before privileges are dropped. */
int tl_tvsd_follow(tl_tvsd *d, tl_loop *l, const char *node, tl_err *e);
/* Serves on the listening socket fd (owned from now on) in loop l. */
int tl_tvsd_serve(tl_tvsd *d, tl_loop *l, int fd, tl_err *e);

#endif

/* capfd on the event loop: TLS with the CAPF identity (lib/netloop), a
 * session (session.c) per connection, the per-address connection rate
 * limit, reload on SIGHUP, and the user it serves as. */
#ifndef TL_CAPF_SERVER_H
#define TL_CAPF_SERVER_H

#include "loop.h"
#include "session.h"

typedef struct tl_capfd tl_capfd;

/* Loads keys, CAPF-trust and the TLS context once; finishes what a crash
 * left (LSCs issued and never confirmed) when recover is set. conf: the
 * configuration file a reload reads (NULL: the data directory's). */
tl_capfd *tl_capfd_new(tl_store *s, const char *conf, int recover, tl_err *e);
/* Serves on the listening socket fd, which it then owns. */
int tl_capfd_serve(tl_capfd *d, tl_loop *l, int fd, tl_err *e);
/* SIGHUP: loads everything again; sessions in flight keep what they had.
 * tl_capfd_serve also looks at the data directory's generation every 2 s
 * and reloads when the CAPF identity, CAPF-trust, the issuing CA or the
 * configuration file changed. */
void tl_capfd_hup(void *arg);
void tl_capfd_free(tl_capfd *d);
/* Crash tests (tests/cli/test_capfd.sh): the process kills itself with
 * SIGKILL when a session reaches this state, before what that step sends
 * goes out (TL_CAPF_S_AUTH: the phone has connected; TL_CAPF_S_STORE: the
 * LSC is committed; TL_CAPF_S_DONE: the outcome is committed). -1: never.
 * capfd sets it from TL_CAPFD_CRASH_AT. */
extern int tl_capfd_crash_at;

/* Root runs as [capf] user, else as the owner of trustline.db: capfd
 * writes the database, so that owner can. */
const char *tl_capfd_user(const tl_store *s);
/* Whether that user exists and may write trustline.db (WAL: the database,
 * its -wal and -shm files, and the directory they are made in); root only
 * when [capf] user names it. */
int tl_capfd_check_user(const tl_store *s, tl_err *e);

/* For the start line. */
const tl_capf_srv *tl_capfd_srv(const tl_capfd *d);

#endif

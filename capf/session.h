/* capfd's side of a CAPF session (docs/protocols.md, CAPF protocol) as pure logic:
 * bytes in, bytes out, outcomes in trustline.db. No sockets here, so every
 * path (each operation, each authentication mode, the phone vanishing at
 * any step) can be driven by a test; server.c puts it on the network. The
 * state machine is session.c; how the phone is authenticated, auth.c; the
 * keys and trust every session shares, identity.c. */
#ifndef TL_CAPF_SESSION_H
#define TL_CAPF_SESSION_H

#include <stdint.h>
#include <time.h>

#include "capfproto.h"
#include "identity.h"
#include "store.h"

/* A change to trustline.db that an answer waits for: an issued LSC is
 * committed before it is sent, a confirmation or a failure before
 * END_SESSION. */
enum tl_capf_change_kind {
	TL_CAPF_CH_NONE, TL_CAPF_CH_RECORD, TL_CAPF_CH_ISSUED,
	TL_CAPF_CH_CONFIRMED, TL_CAPF_CH_UNCONFIRMED, TL_CAPF_CH_FETCHED,
	TL_CAPF_CH_DELETED,
};

typedef struct tl_capf_change {
	int kind;
	char device[16];
	char peer[64];
	int op;			/* for the log of an orphaned change */
	long now;
	int status, done;	/* RECORD, UNCONFIRMED */
	char detail[512];	/* RECORD, UNCONFIRMED */
	tl_cert *cert;		/* ISSUED (the LSC), FETCHED; owned */
	long lsc_id;		/* set by ISSUED; CONFIRMED, UNCONFIRMED use it */
} tl_capf_change;

/* Commits c in s (tl_capfdb.h; inside a batch too). */
int tl_capf_change_apply(tl_store *s, tl_capf_change *c, tl_err *e);
void tl_capf_change_free(tl_capf_change *c);
/* The session ended while c was being committed (rc what that gave): as
 * tl_capf_sess_closed would have, an issued LSC becomes unconfirmed (or,
 * not recorded, the failure is): c becomes that change and 1 is returned;
 * 0 when nothing more is to be recorded. */
int tl_capf_change_orphaned(tl_capf_change *c, int rc, int timed_out);

enum tl_capf_state {
	TL_CAPF_S_START,	/* AUTH_REQUEST not sent yet */
	TL_CAPF_S_AUTH,		/* waiting for AUTH_RESPONSE */
	TL_CAPF_S_KEYGEN,	/* KEY_GEN_REQUEST sent */
	TL_CAPF_S_STORE,	/* STORE_CERT_REQUEST sent; the LSC is committed */
	TL_CAPF_S_FETCH,
	TL_CAPF_S_DELETE,
	TL_CAPF_S_DONE,		/* END_SESSION sent: close once it is out */
};

typedef struct tl_capf_sess tl_capf_sess;
typedef void (*tl_capf_then)(tl_capf_sess *s, int rc, const tl_capf_change *c,
			     tl_buf *out);

/* One connection's session: fixed size, so a server can keep it in
 * per-connection storage; it allocates only the certificate of a change
 * it waits for. */
struct tl_capf_sess {
	tl_capf_srv *srv;
	int state;
	uint32_t id;		/* the session id this connection uses */
	char peer[64];
	char device[16];	/* once the phone named a known device */
	int op;			/* enum tl_capf_op */
	int key_type, key_bits;
	long lsc_id;		/* the issued LSC waiting for STORE_CERT_RESPONSE */
	int in_progress;	/* REQUEST_IN_PROGRESS messages seen */
	int status;		/* the last status code recorded, 0 none */
	int end_reason;		/* REASON of the END_SESSION sent, -1 none */
	int waiting;		/* for the commit of a deferred change */
	tl_capf_change change;	/* that change, until the caller takes it */
	tl_capf_then then;	/* what the session does once it is committed */
};

void tl_capf_sess_init(tl_capf_sess *s, tl_capf_srv *v, const char *peer);
/* The server speaks first: AUTH_REQUEST {VERSION 3, AUTH_TYPE 0}. */
int tl_capf_sess_start(tl_capf_sess *s, tl_buf *out, tl_err *e);
/* Takes the bytes received and not yet consumed; appends what to send to
 * out (each message header and body together). Returns the bytes consumed
 * (whole messages; 0 when a message is incomplete). Once state is
 * TL_CAPF_S_DONE the connection should close after sending out. A message
 * that cannot be decoded ends the session with reason 7. */
long tl_capf_sess_input(tl_capf_sess *s, const uint8_t *buf, size_t len,
			tl_buf *out);
/* With srv->deferred: 1 when the session waits for a change to be
 * committed, moved into *c for the caller to commit (then
 * tl_capf_sess_applied); 0 when there is none to take. The session
 * consumes no input while it waits. */
int tl_capf_sess_take(tl_capf_sess *s, tl_capf_change *c);
/* The change taken was committed (rc 0; ISSUED has set lsc_id) or not
 * (rc -1, e says why): the session goes on, appending to out; it may wait
 * for another change. */
void tl_capf_sess_applied(tl_capf_sess *s, int rc, const tl_capf_change *c,
			  const tl_err *e, tl_buf *out);
/* The connection ended before END_SESSION: records Phone Communication
 * Failure (or Key Generation Failed/Timeout when it timed out waiting for
 * the key), and an issued LSC stays unconfirmed. A change being
 * committed for the session is the caller's to finish
 * (tl_capf_change_orphaned); a deferred one is left to take. */
void tl_capf_sess_closed(tl_capf_sess *s, int timed_out);

/* For the session's checks (auth.c): the time by srv->clock, and a
 * failed write to trustline.db logged. */
long tl_capf_sess_now(const tl_capf_sess *s);
void tl_capf_sess_db_error(const tl_capf_sess *s, const tl_err *e);

#endif

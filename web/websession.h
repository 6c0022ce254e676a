/* trustline-web's login sessions, in memory: a random id (the cookie) and
 * a random CSRF token each, ended by logout, an idle time or an age. */
#ifndef TL_WEBSESSION_H
#define TL_WEBSESSION_H

#include <stdint.h>

#include "err.h"

#define TL_SESS_MAX 256
#define TL_SESS_IDLE_S (30 * 60)
#define TL_SESS_MAX_AGE_S (12 * 3600)

typedef struct tl_session {
	char id[65];		/* "" : the slot is free */
	char csrf[65];
	char user[64];
	uint64_t created_ms, used_ms;
} tl_session;

typedef struct tl_sessions {
	tl_session v[TL_SESS_MAX];
} tl_sessions;

/* A new session for user; the oldest is ended when every slot is taken. */
tl_session *tl_sess_new(tl_sessions *t, const char *user, uint64_t now_ms,
			tl_err *e);
/* The live session of cookie id (its use time moved to now), or NULL. */
tl_session *tl_sess_find(tl_sessions *t, const char *id, uint64_t now_ms);
void tl_sess_end(tl_session *s);
/* Whether token is the session's CSRF token (constant time). */
int tl_sess_csrf_ok(const tl_session *s, const char *token);

#endif

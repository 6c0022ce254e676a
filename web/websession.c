#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "websession.h"
#include "x509.h"

static int random_hex(char out[65], tl_err *e)
{
	uint8_t r[32];
	char *h;

	if (tl_random(r, sizeof(r), e) || (h = tl_hex(r, sizeof(r), 0)) == NULL)
		return -1;
	memcpy(out, h, 65);
	free(h);
	return 0;
}

/* Compares two strings of 64 characters without an early exit. */
static int same64(const char *a, const char *b)
{
	unsigned d = 0;

	if (strlen(a) != 64 || strlen(b) != 64)
		return 0;
	for (int i = 0; i < 64; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

static int live(const tl_session *s, uint64_t now)
{
	return s->id[0] && now - s->used_ms < TL_SESS_IDLE_S * 1000ull &&
	       now - s->created_ms < TL_SESS_MAX_AGE_S * 1000ull;
}

tl_session *tl_sess_new(tl_sessions *t, const char *user, uint64_t now_ms,
			tl_err *e)
{
	tl_session *pick = &t->v[0];

	for (int i = 0; i < TL_SESS_MAX; i++) {
		if (!live(&t->v[i], now_ms)) {
			pick = &t->v[i];
			break;
		}
		if (t->v[i].used_ms < pick->used_ms)
			pick = &t->v[i];
	}
	memset(pick, 0, sizeof(*pick));
	if (random_hex(pick->id, e) || random_hex(pick->csrf, e)) {
		memset(pick, 0, sizeof(*pick));
		return NULL;
	}
	snprintf(pick->user, sizeof(pick->user), "%s", user);
	pick->created_ms = pick->used_ms = now_ms;
	return pick;
}

tl_session *tl_sess_find(tl_sessions *t, const char *id, uint64_t now_ms)
{
	for (int i = 0; i < TL_SESS_MAX; i++) {
		tl_session *s = &t->v[i];

		if (s->id[0] && same64(s->id, id)) {
			if (!live(s, now_ms)) {
				tl_sess_end(s);
				return NULL;
			}
			s->used_ms = now_ms;
			return s;
		}
	}
	return NULL;
}

void tl_sess_end(tl_session *s)
{
	memset(s, 0, sizeof(*s));
}

int tl_sess_csrf_ok(const tl_session *s, const char *token)
{
	return same64(s->csrf, token);
}

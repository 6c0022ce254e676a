/* A configuration's verdict for the planner (planserved.h). The planner's
 * renderings defer their configurations' signatures (tl_tftp_gen.defer):
 * tl_phone_config reads of a signed configuration only its header's
 * signer, the signature's validity and the phone's lists, TVS and clock,
 * never the body, and a signature made by the signer's key is valid over
 * any body. So phones alike in all that (a class) get the same verdict but
 * for the file's name: the first of a class has its file signed for real
 * and judged by phonetrust; the others are given that verdict. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "planserved.h"
#include "signedfile.h"

struct tl_plan_verdict {
	uint8_t key[32];
	int rc, vouched;
	char *tail;		/* the line after "CONF  <file>  " */
};

/* What the verdict depends on: the phone's lists and clock, and the header
 * up to the signature (version, signer, hash and signature algorithms). */
static int class_key(const tl_phone *ph, const uint8_t *file, size_t len,
		     uint8_t key[32])
{
	uint8_t h[TL_HASH_MAX];
	int64_t now = ph->now;
	tl_sfile sf;
	tl_buf in;
	tl_err e;

	if (tl_sfile_parse(&sf, file, len, "file", &e))
		return -1;
	tl_buf_init(&in);
	tl_buf_u8(&in, (uint8_t)ph->has_ctl);
	tl_buf_u8(&in, (uint8_t)ph->has_itl);
	tl_buf_u8(&in, (uint8_t)ph->rollback);
	tl_buf_add(&in, &now, sizeof(now));
	tl_buf_add(&in, ph->itl_refused, strlen(ph->itl_refused) + 1);
	if (ph->has_ctl)
		tl_buf_add(&in, ph->ctl.buf, ph->ctl.len);
	tl_buf_u8(&in, 0);
	if (ph->has_itl)
		tl_buf_add(&in, ph->itl.buf, ph->itl.len);
	tl_buf_u8(&in, 0);
	tl_buf_add(&in, file, sf.sig_off);
	tl_buf_u16(&in, (uint16_t)sf.sig_len);
	tl_buf_u8(&in, (uint8_t)sf.has_enc);
	if (tl_buf_ok(&in, &e)) {
		tl_buf_free(&in);
		return -1;
	}
	tl_hash(TL_HASH_SHA256, in.p, in.len, h);
	memcpy(key, h, 32);
	tl_buf_free(&in);
	return 0;
}

static const struct tl_plan_verdict *find(const tl_plan_served *sv, const uint8_t key[32])
{
	for (size_t i = 0; i < sv->nverdicts; i++)
		if (!memcmp(sv->verdicts[i].key, key, 32))
			return &sv->verdicts[i];
	return NULL;
}

static void keep(tl_plan_served *sv, const uint8_t key[32], int rc, int vouched,
		 const char *tail)
{
	struct tl_plan_verdict *g;

	if (sv->nverdicts == sv->cap) {
		g = realloc(sv->verdicts, (sv->cap ? sv->cap * 2 : 8) * sizeof(*g));
		if (g == NULL)
			return;	/* not kept: the next phone is judged itself */
		sv->verdicts = g;
		sv->cap = sv->cap ? sv->cap * 2 : 8;
	}
	g = &sv->verdicts[sv->nverdicts];
	if ((g->tail = strdup(tail)) == NULL)
		return;
	memcpy(g->key, key, 32);
	g->rc = rc;
	g->vouched = vouched;
	sv->nverdicts++;
}

static void unsigned_verdict(tl_verdict *v, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void unsigned_verdict(tl_verdict *v, const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tl_verdict_vmake(v, "CONF", name, 0, fmt, ap);
	va_end(ap);
}

/* The file signed as tftpd would have signed it, then judged. */
static int judge(tl_plan_asking *q, const char *name, const uint8_t *file, size_t len,
		 tl_verdict *v, const uint8_t key[32])
{
	char prefix[128];
	uint8_t *copy = malloc(len ? len : 1);
	int rc, vouched = q->vouched;
	tl_err e;

	if (copy == NULL || (memcpy(copy, file, len),
			     tl_sfile_sign_now(copy, len, q->sv->gen.sg.key, &e))) {
		free(copy);
		unsigned_verdict(v, name, "the configuration cannot be signed: %s",
				 copy ? e.msg : "out of memory");
		return 1;
	}
	q->vouched = 0;
	rc = tl_phone_config(q->ph, name, copy, len, tl_plan_tvs_ask, q, v);
	free(copy);
	snprintf(prefix, sizeof(prefix), "%-5s %s  ", "CONF", name);
	if (key && !strncmp(v->line, prefix, strlen(prefix)))
		keep(q->sv, key, rc, q->vouched, v->line + strlen(prefix));
	q->vouched |= vouched;
	return rc;
}

int tl_plan_config(tl_plan_asking *q, const char *name, const uint8_t *file,
		   size_t len, tl_verdict *v)
{
	const struct tl_plan_verdict *c;
	uint8_t key[32];

	if (strlen(name) < 4 || strcmp(name + strlen(name) - 4, ".sgn") ||
	    tl_sfile_deferred(file, len) != 1)
		return tl_phone_config(q->ph, name, file, len, tl_plan_tvs_ask, q, v);
	if (class_key(q->ph, file, len, key))
		return judge(q, name, file, len, v, NULL);
	if ((c = find(q->sv, key)) == NULL)
		return judge(q, name, file, len, v, key);
	memset(v, 0, sizeof(*v));
	snprintf(v->line, sizeof(v->line), "%-5s %s  %s", "CONF", name, c->tail);
	v->accepted = c->rc == 0;
	q->vouched |= c->vouched;
	return c->rc;
}

void tl_plan_verdicts_free(tl_plan_served *sv)
{
	for (size_t i = 0; i < sv->nverdicts; i++)
		free(sv->verdicts[i].tail);
	free(sv->verdicts);
	sv->verdicts = NULL;
	sv->nverdicts = sv->cap = 0;
}

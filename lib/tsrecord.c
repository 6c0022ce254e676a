#include "tsrecord.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "db.h"
#include "devdb.h"
#include "hash.h"
#include "log.h"
#include "phonecnf.h"
#include "signedfile.h"
#include "store.h"
#include "truststate.h"

/* What may wait for the next batch: a cluster-wide reset of 10,000 phones
 * is three files each, of a few KB. */
#define QUEUE_MAX 40000
#define QUEUE_BYTES (64u << 20)
#define LOCK_WAIT_MS 5000
#define RETRY_MS 200

typedef struct item {
	tl_hnode node;		/* a transfer, in byfile while queued */
	struct item *next;
	int tvs;		/* a tvsd answer, else a transfer */
	enum tl_ts_kind kind;
	char device[16];
	char name[64];
	char addr[64];
	char key[220];		/* byfile's key */
	char via[8];
	const char *mode;	/* tl_ts_file's, by the name */
	time_t time;
	uint8_t *data;		/* the bytes served */
	size_t len;
	tl_ts_tvs q;
} item;

struct tl_tsrec {
	tl_loop *loop;
	tl_store s;		/* the thread's connection */
	item *queue, **tail, *batch;
	/* the queued records by file and address (tvsd's: by the whole
	 * answer): the same file again to the same address before the batch
	 * takes it (a phone's retries, a bench) only moves the time, or
	 * replaces the bytes of the file the address got before, so a batch
	 * holds one of each and a flood costs the thread nothing more */
	tl_htab byfile;
	size_t queued, bytes;
	unsigned long dropped;
	tl_job *job;
	tl_ev *retry;
};

static void start(tl_tsrec *r);

static void retry(void *arg)
{
	start(arg);
}

tl_tsrec *tl_tsrec_new(tl_loop *l, const char *dir, tl_err *e)
{
	tl_tsrec *r = calloc(1, sizeof(*r));

	if (r == NULL) {
		tl_fail(e, "out of memory");
		return NULL;
	}
	if ((r->retry = tl_ev_timer(l, retry, r, e)) == NULL) {
		free(r);
		return NULL;
	}
	if (tl_htab_init(&r->byfile, 256)) {
		tl_fail(e, "out of memory");
		tl_ev_free(r->retry);
		free(r);
		return NULL;
	}
	if (tl_store_open(&r->s, dir, e)) {
		tl_htab_free(&r->byfile);
		tl_ev_free(r->retry);
		free(r);
		return NULL;
	}
	tl_db_lock_wait(tl_store_db(&r->s), LOCK_WAIT_MS);
	r->loop = l;
	r->tail = &r->queue;
	return r;
}

/* The file kind and, for a configuration, its device; -1 for a name that
 * is not recorded. */
static int kind_of(const char *name, char device[16], const char **mode)
{
	static const struct {
		const char *suffix, *mode;
		enum tl_ts_kind kind;
	} cnf[] = {
		{ ".cnf.xml", "plain", TL_TS_CONFIG },
		{ ".cnf.xml.sgn", "signed", TL_TS_CONFIG },
		{ ".cnf.xml.enc.sgn", "encrypted", TL_TS_ENC },
	};
	char sep[16];
	tl_err e;

	*mode = "signed";
	if (!strcasecmp(name, "ITLFile.tlv"))
		return TL_TS_ITL;
	if (!strcasecmp(name, "CTLFile.tlv"))
		return TL_TS_CTL;
	/* a list of one phone's own: ITLSEP<MAC>.tlv, CTLSEP<MAC>.tlv */
	if (strlen(name) == 22 && !strcasecmp(name + 18, ".tlv") &&
	    (!strncasecmp(name, "ITL", 3) || !strncasecmp(name, "CTL", 3))) {
		memcpy(sep, name + 3, 15);
		sep[15] = 0;
		if (tl_dev_name(sep, device, &e))
			return -1;
		return toupper((unsigned char)name[0]) == 'I' ? TL_TS_ITL : TL_TS_CTL;
	}
	if (strlen(name) < 15 + 8 || strncasecmp(name, "SEP", 3))
		return -1;
	memcpy(sep, name, 15);
	sep[15] = 0;
	for (size_t i = 0; i < sizeof(cnf) / sizeof(cnf[0]); i++) {
		if (strcasecmp(name + 15, cnf[i].suffix) || tl_dev_name(sep, device, &e))
			continue;
		*mode = cnf[i].mode;
		return (int)cnf[i].kind;
	}
	return -1;
}

/* "192.0.2.7:51000" -> "192.0.2.7", "[2001:db8::7]:51000" -> "2001:db8::7" */
static void host_of(const char *addr, char *out, size_t n)
{
	const char *colon = strrchr(addr, ':');

	if (addr[0] == '[') {
		const char *end = strchr(addr, ']');

		snprintf(out, n, "%.*s", (int)(end ? end - addr - 1 : (long)strlen(addr) - 1),
			 addr + 1);
	} else if (colon && strchr(addr, ':') == colon) {
		snprintf(out, n, "%.*s", (int)(colon - addr), addr);
	} else {
		snprintf(out, n, "%s", addr);
	}
}

static void enqueue(tl_tsrec *r, item *it)
{
	it->time = time(NULL);
	*r->tail = it;
	r->tail = &it->next;
	r->queued++;
	r->bytes += it->len;
	start(r);
}

static int full(tl_tsrec *r, size_t len)
{
	if (r->queued < QUEUE_MAX && r->bytes + len <= QUEUE_BYTES)
		return 0;
	r->dropped++;
	return 1;
}

static int item_eq(const tl_hnode *n, const void *key)
{
	return !strcmp(((const item *)n)->key, key);
}

void tl_tsrec_file(tl_tsrec *r, const char *name, const uint8_t *data,
		   size_t len, const char *addr, const char *via)
{
	const char *mode;
	char device[16] = "", host[64], key[220];
	uint64_t h;
	uint8_t *copy;
	int kind;
	item *it;

	if (r == NULL || (kind = kind_of(name, device, &mode)) < 0)
		return;
	host_of(addr, host, sizeof(host));
	snprintf(key, sizeof(key), "%s\n%s", name, host);
	h = tl_hash_bytes(key, strlen(key));
	it = (item *)tl_htab_find(&r->byfile, h, item_eq, key);
	if (it && it->len == len && !memcmp(it->data, data, len)) {
		it->time = time(NULL);
		return;
	}
	if (full(r, len) || (copy = malloc(len ? len : 1)) == NULL)
		return;
	memcpy(copy, data, len);
	if (it) {
		r->bytes = r->bytes - it->len + len;
		free(it->data);
		it->data = copy;
		it->len = len;
		it->time = time(NULL);
		return;
	}
	if ((it = calloc(1, sizeof(*it))) == NULL) {
		free(copy);
		return;
	}
	it->data = copy;
	snprintf(it->key, sizeof(it->key), "%s", key);
	if (r->byfile.nb)
		tl_htab_insert(&r->byfile, &it->node, h);
	it->len = len;
	it->kind = (enum tl_ts_kind)kind;
	snprintf(it->device, sizeof(it->device), "%s", device);
	snprintf(it->name, sizeof(it->name), "%s", name);
	snprintf(it->addr, sizeof(it->addr), "%s", host);
	snprintf(it->via, sizeof(it->via), "%s", via);
	it->mode = mode;
	enqueue(r, it);
}

void tl_tsrec_tvs(tl_tsrec *r, const char *device, size_t device_len,
		  const char *addr, const char *command, const uint8_t *sha256,
		  const char *verdict)
{
	char sep[16], key[220];
	tl_ts_tvs q;
	uint64_t h;
	item *it;
	tl_err e;
	size_t i;

	if (r == NULL || device == NULL)
		return;
	for (i = 0; i + 15 <= device_len; i++)
		if (!strncasecmp(device + i, "SEP", 3)) {
			memcpy(sep, device + i, 15);
			sep[15] = 0;
			if (tl_dev_name(sep, sep, &e) == 0)
				break;
		}
	if (i + 15 > device_len)
		return;
	memset(&q, 0, sizeof(q));
	snprintf(q.device, sizeof(q.device), "%s", sep);
	host_of(addr, q.address, sizeof(q.address));
	snprintf(q.command, sizeof(q.command), "%s", command);
	snprintf(q.verdict, sizeof(q.verdict), "%s", verdict);
	for (int b = 0; sha256 && b < 32; b++)
		sprintf(q.sha256 + 2 * b, "%02x", sha256[b]);
	q.time = time(NULL);
	snprintf(key, sizeof(key), "tvs\n%s %s %s %s %s", q.device, q.command,
		 q.sha256, q.verdict, q.address);
	h = tl_hash_bytes(key, strlen(key));
	if ((it = (item *)tl_htab_find(&r->byfile, h, item_eq, key)) != NULL) {
		it->q.time = it->time = q.time;
		return;
	}
	if (full(r, 0) || (it = calloc(1, sizeof(*it))) == NULL)
		return;
	it->tvs = 1;
	it->q = q;
	snprintf(it->key, sizeof(it->key), "%s", key);
	if (r->byfile.nb)
		tl_htab_insert(&r->byfile, &it->node, h);
	enqueue(r, it);
}

/* On the thread: what the bytes say. */
static void describe(const item *it, tl_ts_file *f)
{
	uint8_t h[TL_HASH_MAX];
	tl_sfile sf;
	tl_err e;

	memset(f, 0, sizeof(*f));
	snprintf(f->file, sizeof(f->file), "%s", it->name);
	snprintf(f->address, sizeof(f->address), "%s", it->addr);
	snprintf(f->via, sizeof(f->via), "%s", it->via);
	snprintf(f->mode, sizeof(f->mode), "%s", it->mode);
	f->time = it->time;
	if (tl_hash(TL_HASH_SHA256, it->data, it->len, h) > 0)
		for (int b = 0; b < 32; b++)
			sprintf(f->sha256 + 2 * b, "%02x", h[b]);
	if (!strcmp(f->mode, "plain") ||
	    tl_sfile_parse(&sf, it->data, it->len, it->name, &e))
		return;
	snprintf(f->signer, sizeof(f->signer), "%s", sf.signer_name ? sf.signer_name : "");
	for (size_t b = 0; sf.serial && b < sf.serial_len && 2 * b + 2 < sizeof(f->serial); b++)
		sprintf(f->serial + 2 * b, "%02x", sf.serial[b]);
	if (it->kind == TL_TS_CONFIG) {
		tl_phonecnf c;

		/* a stub names the certificate the real one is encrypted to */
		if (tl_phonecnf_parse(sf.body, sf.body_len, &c, &e) == 0 && c.encrypted) {
			snprintf(f->mode, sizeof(f->mode), "stub");
			snprintf(f->cert_md5, sizeof(f->cert_md5), "%.32s", c.cert_hash);
		}
	}
}

/* One transaction for the batch; a row that fails is logged and the
 * others go in. */
static void commit(tl_store *s, item *batch)
{
	tl_err e;
	int rc = tl_truststate_begin(s, &e);

	for (item *it = batch; it && rc == 0; it = it->next) {
		tl_ts_file f;
		tl_err one;
		int r;

		if (it->tvs) {
			r = tl_truststate_put_tvs(s, &it->q, &one);
		} else {
			describe(it, &f);
			r = tl_truststate_put(s, it->kind, it->device[0] ? it->device : NULL,
					      &f, &one);
		}
		if (r)
			tl_log(LOG_WARNING, "event=truststate_error error=\"%s\"", one.msg);
	}
	if (rc == 0)
		rc = tl_truststate_prune(s, time(NULL), &e);
	if (tl_truststate_end(s, rc, &e))
		tl_log(LOG_WARNING, "event=truststate_error error=\"%s\"", e.msg);
}

static void free_list(item *it)
{
	item *next;

	for (; it; it = next) {
		next = it->next;
		free(it->data);
		free(it);
	}
}

static void batch_work(void *arg)
{
	tl_tsrec *r = arg;

	commit(&r->s, r->batch);
}

static void batch_done(void *arg)
{
	tl_tsrec *r = arg;

	r->job = NULL;
	free_list(r->batch);
	r->batch = NULL;
	if (r->dropped) {
		tl_log(LOG_WARNING, "event=truststate_dropped records=%lu reason=queue_full",
		       r->dropped);
		r->dropped = 0;
	}
	start(r);
}

/* The queue becomes the batch, committed on a thread; what queues
 * meanwhile is the next batch. */
static void start(tl_tsrec *r)
{
	tl_err e;

	if (r->job || r->queue == NULL)
		return;
	r->batch = r->queue;
	if ((r->job = tl_job_start(r->loop, batch_work, batch_done, r, &e)) == NULL) {
		r->batch = NULL;
		tl_ev_arm(r->retry, RETRY_MS);
		return;
	}
	/* without memory for a new table the next batch is not coalesced */
	tl_htab_free(&r->byfile);
	tl_htab_init(&r->byfile, 256);
	r->queue = NULL;
	r->tail = &r->queue;
	r->queued = 0;
	r->bytes = 0;
}

void tl_tsrec_free(tl_tsrec *r)
{
	if (r == NULL)
		return;
	tl_job_wait(r->job);
	free_list(r->batch);
	if (r->queue)
		commit(&r->s, r->queue);
	free_list(r->queue);
	tl_htab_free(&r->byfile);
	tl_ev_free(r->retry);
	tl_store_close(&r->s);
	free(r);
}

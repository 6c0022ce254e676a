/* The trust-state tables' SQL (SQLite's migration 6, PostgreSQL's 4);
 * lib/tsrecord.c decides what is recorded and when. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stmt.h"
#include "truststate.h"

/* The columns every file row has, in bind_file's and read_file's order. */
#define FILE_COLS "file, sha256, signer, serial, mode, cert_md5, address, via, ts"

static const char *const kind_names[TL_TS_NKINDS] = {
	"itl", "ctl", "config", "encrypted_config"
};

const char *tl_ts_kind_name(enum tl_ts_kind k)
{
	return (unsigned)k < TL_TS_NKINDS ? kind_names[k] : "?";
}

#define DB(s) tl_store_db(s)

int tl_truststate_begin(tl_store *s, tl_err *e)
{
	return tl_db_begin(DB(s), e);
}

int tl_truststate_end(tl_store *s, int ok, tl_err *e)
{
	return tl_db_end(DB(s), ok, e);
}

/* One record is a savepoint of the batch: on PostgreSQL a failed statement
 * would otherwise abort the rows the batch still has to write. */
static int saved(tl_store *s, int rc)
{
	if (rc == 0 && tl_db_exec(DB(s), "RELEASE ts", NULL) == 0)
		return 0;
	tl_db_exec(DB(s), "ROLLBACK TO ts; RELEASE ts", NULL);
	return -1;
}

/* Binds FILE_COLS from parameter i on. */
static void bind_file(tl_stmt *st, int i, const tl_ts_file *f)
{
	tl_stmt_text(st, i, f->file);
	tl_stmt_text(st, i + 1, f->sha256);
	tl_stmt_text(st, i + 2, f->signer);
	tl_stmt_text(st, i + 3, f->serial);
	tl_stmt_text(st, i + 4, f->mode);
	tl_stmt_text(st, i + 5, f->cert_md5);
	tl_stmt_text(st, i + 6, f->address);
	tl_stmt_text(st, i + 7, f->via);
	tl_stmt_int(st, i + 8, (long long)f->time);
}

static void col(tl_stmt *st, int i, char *out, size_t n)
{
	snprintf(out, n, "%s", tl_stmt_col_text(st, i));
}

/* Reads FILE_COLS from column i on. */
static void read_file(tl_stmt *st, int i, tl_ts_file *f)
{
	memset(f, 0, sizeof(*f));
	col(st, i, f->file, sizeof(f->file));
	col(st, i + 1, f->sha256, sizeof(f->sha256));
	col(st, i + 2, f->signer, sizeof(f->signer));
	col(st, i + 3, f->serial, sizeof(f->serial));
	col(st, i + 4, f->mode, sizeof(f->mode));
	col(st, i + 5, f->cert_md5, sizeof(f->cert_md5));
	col(st, i + 6, f->address, sizeof(f->address));
	col(st, i + 7, f->via, sizeof(f->via));
	f->time = (time_t)tl_stmt_col_int(st, i + 8);
}

/* Steps st to its end and finalizes it; 0 or -1. */
static int run(tl_stmt *st, tl_err *e)
{
	int rc;

	while ((rc = tl_stmt_step(st, e)) == 1)
		;
	tl_stmt_finalize(st);
	return rc;
}

/* The set clause that makes a row the excluded one's FILE_COLS. */
#define SET_FILE "file = excluded.file, sha256 = excluded.sha256," \
	" signer = excluded.signer, serial = excluded.serial, mode = excluded.mode," \
	" cert_md5 = excluded.cert_md5, address = excluded.address," \
	" via = excluded.via, ts = excluded.ts"

/* f becomes device's file of kind k, unless what is stored is newer. The
 * run of the same bytes keeps its start. */
static int apply(tl_store *s, const char *device, enum tl_ts_kind k,
		 const tl_ts_file *f, tl_err *e)
{
	tl_stmt *st = tl_db_prepare(DB(s), "INSERT INTO trust_device (device, kind,"
				    " since, " FILE_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
				    " ?7, ?8, ?9, ?10, ?11, ?12) ON CONFLICT (device, kind)"
				    " DO UPDATE SET since = CASE WHEN trust_device.sha256 ="
				    " excluded.sha256 THEN trust_device.since ELSE"
				    " excluded.since END, " SET_FILE
				    " WHERE trust_device.ts <= excluded.ts", e);

	if (st == NULL)
		return -1;
	tl_stmt_text(st, 1, device);
	tl_stmt_int(st, 2, (int)k);
	tl_stmt_int(st, 3, (long long)f->time);
	bind_file(st, 4, f);
	return run(st, e);
}

/* A trust list fetched by an address: kept by the address (unless a newer
 * one is), and the phone's whose configuration that address completed
 * around then. */
static int put_list(tl_store *s, enum tl_ts_kind k, const tl_ts_file *f, tl_err *e)
{
	char device[16] = "";
	tl_stmt *st = tl_db_prepare(DB(s), "INSERT INTO trust_addr (kind, " FILE_COLS
				    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
				    " ON CONFLICT (address, kind) DO UPDATE SET " SET_FILE
				    " WHERE trust_addr.ts <= excluded.ts", e);
	int rc;

	if (st == NULL)
		return -1;
	tl_stmt_int(st, 1, (int)k);
	bind_file(st, 2, f);
	if (run(st, e) ||
	    (st = tl_db_prepare(DB(s), "SELECT device FROM trust_device WHERE kind = ?1"
				" AND address = ?2 AND ts >= ?3 AND ts <= ?4 ORDER BY ts"
				" DESC LIMIT 1", e)) == NULL)
		return -1;
	tl_stmt_int(st, 1, TL_TS_CONFIG);
	tl_stmt_text(st, 2, f->address);
	tl_stmt_int(st, 3, (long long)(f->time - TL_TS_PAIR_S));
	tl_stmt_int(st, 4, (long long)(f->time + TL_TS_PAIR_S));
	if ((rc = tl_stmt_step(st, e)) == 1)
		col(st, 0, device, sizeof(device));
	tl_stmt_finalize(st);
	if (rc < 0)
		return -1;
	return device[0] ? apply(s, device, k, f, e) : 0;
}

/* A configuration: the device's, and the trust lists its address fetched
 * around then become the device's too. */
static int put_config(tl_store *s, enum tl_ts_kind k, const char *device,
		      const tl_ts_file *f, tl_err *e)
{
	tl_ts_file lists[2];
	enum tl_ts_kind kinds[2];
	tl_stmt *st;
	int n = 0, rc;

	if (apply(s, device, k, f, e))
		return -1;
	if (k != TL_TS_CONFIG)
		return 0;
	if ((st = tl_db_prepare(DB(s), "SELECT kind, " FILE_COLS " FROM trust_addr"
				" WHERE address = ?1 AND ts >= ?2 AND ts <= ?3", e)) == NULL)
		return -1;
	tl_stmt_text(st, 1, f->address);
	tl_stmt_int(st, 2, (long long)(f->time - TL_TS_PAIR_S));
	tl_stmt_int(st, 3, (long long)(f->time + TL_TS_PAIR_S));
	while (n < 2 && (rc = tl_stmt_step(st, e)) == 1) {
		long long kind = tl_stmt_col_int(st, 0);

		if (kind != TL_TS_ITL && kind != TL_TS_CTL)
			continue;
		kinds[n] = (enum tl_ts_kind)kind;
		read_file(st, 1, &lists[n++]);
	}
	tl_stmt_finalize(st);
	if (rc < 0)
		return -1;
	for (int i = 0; i < n; i++)
		if (apply(s, device, kinds[i], &lists[i], e))
			return -1;
	return 0;
}

static int put(tl_store *s, enum tl_ts_kind k, const char *device,
	       const tl_ts_file *f, tl_err *e)
{
	if ((k == TL_TS_ITL || k == TL_TS_CTL) && device == NULL)
		return put_list(s, k, f, e);
	if (k == TL_TS_ITL || k == TL_TS_CTL)
		return apply(s, device, k, f, e);	/* ITLSEP<MAC>.tlv */
	return put_config(s, k, device, f, e);
}

int tl_truststate_put(tl_store *s, enum tl_ts_kind k, const char *device,
		      const tl_ts_file *f, tl_err *e)
{
	if ((unsigned)k >= TL_TS_NKINDS)
		return tl_fail(e, "trust state: no file kind %d", (int)k);
	if (device == NULL && k != TL_TS_ITL && k != TL_TS_CTL)
		return tl_fail(e, "trust state: a configuration needs its device");
	if (tl_db_exec(DB(s), "SAVEPOINT ts", e))
		return -1;
	return saved(s, put(s, k, device, f, e));
}

int tl_truststate_put_tvs(tl_store *s, const tl_ts_tvs *q, tl_err *e)
{
	int rc;

	if (tl_db_exec(DB(s), "SAVEPOINT ts", e))
		return -1;
	rc = tl_db_run(DB(s), NULL, e, "INSERT INTO trust_tvs (device, address, command,"
		       " sha256, verdict, ts) VALUES (?, ?, ?, ?, ?, ?)", "ttttti",
		       q->device, q->address, q->command, q->sha256, q->verdict,
		       (long)q->time) < 0 ||
	     tl_db_run(DB(s), NULL, e, "DELETE FROM trust_tvs WHERE device = ?1 AND id"
		       " NOT IN (SELECT id FROM trust_tvs WHERE device = ?1 ORDER BY id"
		       " DESC LIMIT ?2)", "ti", q->device, (long)TL_TS_TVS_KEEP) < 0;
	return saved(s, rc ? -1 : 0);
}

int tl_truststate_prune(tl_store *s, time_t now, tl_err *e)
{
	return tl_db_run(DB(s), NULL, e, "DELETE FROM trust_addr WHERE ts < ?", "i",
			 (long)(now - TL_TS_PAIR_S)) < 0 ? -1 : 0;
}

/* What the configuration rows say the phone runs. */
static void config_mode(tl_truststate *st)
{
	const tl_ts_file *c = &st->f[TL_TS_CONFIG], *x = &st->f[TL_TS_ENC];

	if (!st->has[TL_TS_CONFIG])
		snprintf(st->config_mode, sizeof(st->config_mode), "%s",
			 st->has[TL_TS_ENC] ? "encrypted" : "");
	else if (strcmp(c->mode, "stub"))
		snprintf(st->config_mode, sizeof(st->config_mode), "%s", c->mode);
	else
		snprintf(st->config_mode, sizeof(st->config_mode), "%s",
			 st->has[TL_TS_ENC] && x->time >= c->time ? "encrypted" : "stub");
}

int tl_truststate_get(tl_store *s, const char *device, tl_truststate *out,
		      tl_err *e)
{
	tl_stmt *st;
	int rc, found = 0;

	memset(out, 0, sizeof(*out));
	snprintf(out->device, sizeof(out->device), "%s", device);
	if ((st = tl_db_prepare(DB(s), "SELECT kind, since, " FILE_COLS " FROM"
				" trust_device WHERE device = ?1", e)) == NULL)
		return -1;
	tl_stmt_text(st, 1, device);
	while ((rc = tl_stmt_step(st, e)) == 1) {
		long long k = tl_stmt_col_int(st, 0);

		if (k < 0 || k >= TL_TS_NKINDS)
			continue;	/* a kind a newer trustline records */
		read_file(st, 2, &out->f[k]);
		out->f[k].since = (time_t)tl_stmt_col_int(st, 1);
		out->has[k] = 1;
		found = 1;
	}
	tl_stmt_finalize(st);
	if (rc < 0)
		return -1;
	config_mode(out);
	return found;
}

int tl_truststate_each(tl_store *s, int (*fn)(void *arg, const tl_truststate *st),
		       void *arg, tl_err *e)
{
	tl_stmt *st;
	char (*names)[16] = NULL;
	size_t n = 0, cap = 0;
	int rc, ret = 0;

	/* the names first: fn may read the tables itself */
	if ((st = tl_db_prepare(DB(s), "SELECT device FROM trust_device UNION SELECT"
				" device FROM trust_tvs ORDER BY 1", e)) == NULL)
		return -1;
	while ((rc = tl_stmt_step(st, e)) == 1) {
		if (n == cap) {
			void *p = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*names));

			if (p == NULL) {
				tl_stmt_finalize(st);
				free(names);
				return tl_fail(e, "out of memory");
			}
			names = p;
		}
		col(st, 0, names[n++], sizeof(names[0]));
	}
	tl_stmt_finalize(st);
	if (rc < 0) {
		free(names);
		return -1;
	}
	for (size_t i = 0; i < n && ret == 0; i++) {
		tl_truststate ts;

		rc = tl_truststate_get(s, names[i], &ts, e);
		if (rc < 0)
			ret = -1;
		else if (fn(arg, &ts))
			break;
	}
	free(names);
	return ret;
}

int tl_truststate_tvs_each(tl_store *s, const char *device,
			   int (*fn)(void *arg, const tl_ts_tvs *q), void *arg,
			   tl_err *e)
{
	tl_stmt *st;
	int rc;

	if ((st = tl_db_prepare(DB(s), "SELECT device, address, command, sha256,"
				" verdict, ts FROM trust_tvs WHERE device = ?1 ORDER BY"
				" id DESC", e)) == NULL)
		return -1;
	tl_stmt_text(st, 1, device);
	while ((rc = tl_stmt_step(st, e)) == 1) {
		tl_ts_tvs q;

		col(st, 0, q.device, sizeof(q.device));
		col(st, 1, q.address, sizeof(q.address));
		col(st, 2, q.command, sizeof(q.command));
		col(st, 3, q.sha256, sizeof(q.sha256));
		col(st, 4, q.verdict, sizeof(q.verdict));
		q.time = (time_t)tl_stmt_col_int(st, 5);
		if (fn(arg, &q)) {
			rc = 0;
			break;
		}
	}
	tl_stmt_finalize(st);
	return rc < 0 ? -1 : 0;
}

/* The trust-state tables' SQL (migration 6); lib/tsrecord.c decides what
 * is recorded and when. Plain SQL only, so the other backend can share the
 * statements. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlitedb.h"
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

static int exec1(tl_store *s, const char *sql, tl_err *e)
{
	sqlite3_stmt *st;

	if (tl_sq_prepare(s, sql, &st, e))
		return -1;
	return tl_sq_finish(s, st, sqlite3_step(st), e);
}

int tl_truststate_begin(tl_store *s, tl_err *e)
{
	return exec1(s, "BEGIN IMMEDIATE", e);
}

int tl_truststate_end(tl_store *s, int ok, tl_err *e)
{
	if (ok == 0)
		return exec1(s, "COMMIT", e);
	exec1(s, "ROLLBACK", NULL);
	return -1;
}

static void text(sqlite3_stmt *st, int i, const char *v)
{
	sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

/* Binds FILE_COLS from parameter i on. */
static void bind_file(sqlite3_stmt *st, int i, const tl_ts_file *f)
{
	text(st, i, f->file);
	text(st, i + 1, f->sha256);
	text(st, i + 2, f->signer);
	text(st, i + 3, f->serial);
	text(st, i + 4, f->mode);
	text(st, i + 5, f->cert_md5);
	text(st, i + 6, f->address);
	text(st, i + 7, f->via);
	sqlite3_bind_int64(st, i + 8, (sqlite3_int64)f->time);
}

static void col(sqlite3_stmt *st, int i, char *out, size_t n)
{
	const unsigned char *v = sqlite3_column_text(st, i);

	snprintf(out, n, "%s", v ? (const char *)v : "");
}

/* Reads FILE_COLS from column i on. */
static void read_file(sqlite3_stmt *st, int i, tl_ts_file *f)
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
	f->time = (time_t)sqlite3_column_int64(st, i + 8);
}

/* f becomes device's file of kind k, unless what is stored is newer. The
 * run of the same bytes keeps its start. */
static int apply(tl_store *s, const char *device, enum tl_ts_kind k,
		 const tl_ts_file *f, tl_err *e)
{
	sqlite3_stmt *st;
	time_t since = f->time;
	int rc;

	if (tl_sq_prepare(s, "SELECT sha256, since, ts FROM trust_device WHERE device = ?1"
		    " AND kind = ?2", &st, e))
		return -1;
	text(st, 1, device);
	sqlite3_bind_int(st, 2, (int)k);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *sha = sqlite3_column_text(st, 0);

		if ((time_t)sqlite3_column_int64(st, 2) > f->time) {
			sqlite3_finalize(st);
			return 0;
		}
		if (sha && !strcmp((const char *)sha, f->sha256))
			since = (time_t)sqlite3_column_int64(st, 1);
	}
	if (tl_sq_finish(s, st, rc, e))
		return -1;
	if (tl_sq_prepare(s, "DELETE FROM trust_device WHERE device = ?1 AND kind = ?2",
		    &st, e))
		return -1;
	text(st, 1, device);
	sqlite3_bind_int(st, 2, (int)k);
	if (tl_sq_finish(s, st, sqlite3_step(st), e) ||
	    tl_sq_prepare(s, "INSERT INTO trust_device (device, kind, since, " FILE_COLS
		    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
		    &st, e))
		return -1;
	text(st, 1, device);
	sqlite3_bind_int(st, 2, (int)k);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)since);
	bind_file(st, 4, f);
	return tl_sq_finish(s, st, sqlite3_step(st), e);
}

/* A trust list fetched by an address: kept by the address, and the
 * phone's whose configuration that address completed around then. */
static int put_list(tl_store *s, enum tl_ts_kind k, const tl_ts_file *f, tl_err *e)
{
	sqlite3_stmt *st;
	char device[16] = "";
	int rc;

	if (tl_sq_prepare(s, "DELETE FROM trust_addr WHERE address = ?1 AND kind = ?2"
		    " AND ts <= ?3", &st, e))
		return -1;
	text(st, 1, f->address);
	sqlite3_bind_int(st, 2, (int)k);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)f->time);
	if (tl_sq_finish(s, st, sqlite3_step(st), e))
		return -1;
	/* a newer row of the address's stays */
	if (tl_sq_prepare(s, "INSERT INTO trust_addr (kind, " FILE_COLS ") SELECT ?1,"
		    " ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10 WHERE NOT EXISTS"
		    " (SELECT 1 FROM trust_addr WHERE address = ?8 AND kind = ?1)",
		    &st, e))
		return -1;
	sqlite3_bind_int(st, 1, (int)k);
	bind_file(st, 2, f);
	if (tl_sq_finish(s, st, sqlite3_step(st), e))
		return -1;
	if (tl_sq_prepare(s, "SELECT device FROM trust_device WHERE kind = ?1 AND"
		    " address = ?2 AND ts >= ?3 AND ts <= ?4 ORDER BY ts DESC LIMIT 1",
		    &st, e))
		return -1;
	sqlite3_bind_int(st, 1, TL_TS_CONFIG);
	text(st, 2, f->address);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)(f->time - TL_TS_PAIR_S));
	sqlite3_bind_int64(st, 4, (sqlite3_int64)(f->time + TL_TS_PAIR_S));
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		col(st, 0, device, sizeof(device));
	if (tl_sq_finish(s, st, rc, e))
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
	sqlite3_stmt *st;
	int n = 0, rc;

	if (apply(s, device, k, f, e))
		return -1;
	if (k != TL_TS_CONFIG)
		return 0;
	if (tl_sq_prepare(s, "SELECT kind, " FILE_COLS " FROM trust_addr WHERE address = ?1"
		    " AND ts >= ?2 AND ts <= ?3", &st, e))
		return -1;
	text(st, 1, f->address);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)(f->time - TL_TS_PAIR_S));
	sqlite3_bind_int64(st, 3, (sqlite3_int64)(f->time + TL_TS_PAIR_S));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < 2) {
		int kind = sqlite3_column_int(st, 0);

		if (kind != TL_TS_ITL && kind != TL_TS_CTL)
			continue;
		kinds[n] = (enum tl_ts_kind)kind;
		read_file(st, 1, &lists[n++]);
	}
	if (tl_sq_finish(s, st, rc, e))
		return -1;
	for (int i = 0; i < n; i++)
		if (apply(s, device, kinds[i], &lists[i], e))
			return -1;
	return 0;
}

int tl_truststate_put(tl_store *s, enum tl_ts_kind k, const char *device,
		      const tl_ts_file *f, tl_err *e)
{
	if ((k == TL_TS_ITL || k == TL_TS_CTL) && device == NULL)
		return put_list(s, k, f, e);
	if (k == TL_TS_ITL || k == TL_TS_CTL)
		return apply(s, device, k, f, e);	/* ITLSEP<MAC>.tlv */
	if (k != TL_TS_CONFIG && k != TL_TS_ENC)
		return tl_fail(e, "trust state: no file kind %d", (int)k);
	if (device == NULL)
		return tl_fail(e, "trust state: a configuration needs its device");
	return put_config(s, k, device, f, e);
}

int tl_truststate_put_tvs(tl_store *s, const tl_ts_tvs *q, tl_err *e)
{
	sqlite3_stmt *st;

	if (tl_sq_prepare(s, "INSERT INTO trust_tvs (device, address, command, sha256,"
		    " verdict, ts) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", &st, e))
		return -1;
	text(st, 1, q->device);
	text(st, 2, q->address);
	text(st, 3, q->command);
	text(st, 4, q->sha256);
	text(st, 5, q->verdict);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)q->time);
	if (tl_sq_finish(s, st, sqlite3_step(st), e) ||
	    tl_sq_prepare(s, "DELETE FROM trust_tvs WHERE device = ?1 AND id NOT IN"
		    " (SELECT id FROM trust_tvs WHERE device = ?1 ORDER BY id DESC"
		    " LIMIT ?2)", &st, e))
		return -1;
	text(st, 1, q->device);
	sqlite3_bind_int(st, 2, TL_TS_TVS_KEEP);
	return tl_sq_finish(s, st, sqlite3_step(st), e);
}

int tl_truststate_prune(tl_store *s, time_t now, tl_err *e)
{
	sqlite3_stmt *st;

	if (tl_sq_prepare(s, "DELETE FROM trust_addr WHERE ts < ?1", &st, e))
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)(now - TL_TS_PAIR_S));
	return tl_sq_finish(s, st, sqlite3_step(st), e);
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
	sqlite3_stmt *st;
	int rc, found = 0;

	memset(out, 0, sizeof(*out));
	snprintf(out->device, sizeof(out->device), "%s", device);
	if (tl_sq_prepare(s, "SELECT kind, since, " FILE_COLS " FROM trust_device WHERE"
		    " device = ?1", &st, e))
		return -1;
	text(st, 1, device);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int k = sqlite3_column_int(st, 0);

		if (k < 0 || k >= TL_TS_NKINDS)
			continue;	/* a kind a newer trustline records */
		read_file(st, 2, &out->f[k]);
		out->f[k].since = (time_t)sqlite3_column_int64(st, 1);
		out->has[k] = 1;
		found = 1;
	}
	if (tl_sq_finish(s, st, rc, e))
		return -1;
	config_mode(out);
	return found;
}

int tl_truststate_each(tl_store *s, int (*fn)(void *arg, const tl_truststate *st),
		       void *arg, tl_err *e)
{
	sqlite3_stmt *st;
	char (*names)[16] = NULL;
	size_t n = 0, cap = 0;
	int rc, ret = 0;

	/* the names first: fn may read the tables itself */
	if (tl_sq_prepare(s, "SELECT device FROM trust_device UNION SELECT device FROM"
		    " trust_tvs ORDER BY 1",
		    &st, e))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			void *p = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*names));

			if (p == NULL) {
				sqlite3_finalize(st);
				free(names);
				return tl_fail(e, "out of memory");
			}
			names = p;
		}
		col(st, 0, names[n++], sizeof(names[0]));
	}
	if (tl_sq_finish(s, st, rc, e)) {
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
	sqlite3_stmt *st;
	int rc;

	if (tl_sq_prepare(s, "SELECT device, address, command, sha256, verdict, ts FROM"
		    " trust_tvs WHERE device = ?1 ORDER BY id DESC", &st, e))
		return -1;
	text(st, 1, device);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		tl_ts_tvs q;

		col(st, 0, q.device, sizeof(q.device));
		col(st, 1, q.address, sizeof(q.address));
		col(st, 2, q.command, sizeof(q.command));
		col(st, 3, q.sha256, sizeof(q.sha256));
		col(st, 4, q.verdict, sizeof(q.verdict));
		q.time = (time_t)sqlite3_column_int64(st, 5);
		if (fn(arg, &q)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	return tl_sq_finish(s, st, rc, e);
}

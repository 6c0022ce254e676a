/* CAPF's tables and the device row's CAPF columns: every change one
 * transaction, or one savepoint of a batch (capfdb.h). The words and codes
 * stored are capfcodes.c's; the protocol is capf/'s. */
#include "capfdb.h"
#include "devdb.h"
#include "stmt.h"
#include "secret.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Runs one statement (tl_db_run's types); 0 or -1. */
#define sql(s, out, e, stmt, ...) \
	(tl_db_run(tl_store_db(s), out, e, stmt, __VA_ARGS__) < 0 ? -1 : 0)

/* The batch this thread has open (tl_capf_batch_begin): its changes are
 * savepoints in one transaction, so they share one commit (one fsync) and
 * one generation bump. */
static _Thread_local tl_store *batch;
static _Thread_local int batch_bump;

static int begin(tl_store *s, tl_err *e)
{
	if (batch == s)
		return sql(s, NULL, e, "SAVEPOINT capf", "");
	return tl_db_begin(tl_store_db(s), e);
}

/* Commits (or releases the savepoint) when rc is 0, else rolls back;
 * returns rc. */
static int end(tl_store *s, int rc, tl_err *e)
{
	if (batch == s) {
		if (rc == 0 && sql(s, NULL, e, "RELEASE capf", "") == 0)
			return 0;
		tl_db_exec(tl_store_db(s), "ROLLBACK TO capf; RELEASE capf", NULL);
		return -1;
	}
	return tl_db_end(tl_store_db(s), rc, e);
}

/* In a batch the generation moves once, when the batch commits. */
static int bump(tl_store *s, tl_err *e)
{
	if (batch == s) {
		batch_bump = 1;
		return 0;
	}
	return tl_store_bump(s, e);
}

int tl_capf_batch_begin(tl_store *s, tl_err *e)
{
	if (batch)
		return tl_fail(e, "a batch of CAPF changes is already open");
	if (tl_db_begin(tl_store_db(s), e))
		return -1;
	batch = s;
	batch_bump = 0;
	return 0;
}

int tl_capf_batch_end(tl_store *s, tl_err *e)
{
	int rc = batch_bump ? tl_store_bump(s, e) : 0;

	batch = NULL;
	return end(s, rc, e);
}

/* The status on the row and in the history; inside the caller's
 * transaction. */
static int status(tl_store *s, const char *device, int code, int done,
		  const char *detail, long now, tl_err *e)
{
	if (sql(s, NULL, e, "UPDATE device SET lsc_status = ?, lsc_status_time = ?,"
		" capf_operation = CASE WHEN ? <> 0 THEN 'none' ELSE capf_operation END"
		" WHERE name = ?", "iiit", (long)code, now, (long)done, device))
		return -1;
	return sql(s, NULL, e, "INSERT INTO capf_event (device, ts, status, detail)"
		   " VALUES (?, ?, ?, ?)", "tiit", device, now, (long)code,
		   detail ? detail : "");
}

int tl_capf_record(tl_store *s, const char *device, int code, int done,
		   const char *detail, long now, tl_err *e)
{
	if (begin(s, e))
		return -1;
	return end(s, status(s, device, code, done, detail, now, e), e);
}

int tl_capf_schedule(tl_store *s, const char *device, int op, int mode,
		     const char *auth_string, const char *key, long deadline,
		     long now, tl_err *e)
{
	char detail[128], hashed[TL_SECRET_MAX];
	long found;
	int rc;

	if (auth_string && *auth_string && !tl_secret_is_hashed(auth_string)) {
		if (tl_secret_hash(auth_string, hashed, e))
			return -1;
		auth_string = hashed;
	}
	if (begin(s, e))
		return -1;
	rc = sql(s, &found, e, "SELECT count(*) FROM device WHERE name = ?", "t",
		 device);
	if (rc == 0 && !found) {
		end(s, -1, e);
		return 1;
	}
	snprintf(detail, sizeof(detail), "scheduled %s, authentication by %s, key %s",
		 tl_capf_op_name(op), tl_capf_mode_name(mode), key);
	rc = rc || sql(s, NULL, e, "UPDATE device SET capf_operation = ?,"
		       " capf_auth_mode = ?, capf_auth_string = ?, capf_key = ?,"
		       " capf_deadline = ?, updated = ? WHERE name = ?", "ttttiit",
		       tl_capf_op_name(op), tl_capf_mode_name(mode),
		       auth_string && *auth_string ? auth_string : NULL, key,
		       op == TL_CAPF_OP_NONE ? 0 : deadline, now, device);
	/* A new schedule starts the lockout count again. */
	rc = rc || sql(s, NULL, e, "DELETE FROM capf_failure WHERE device = ?", "t",
		       device);
	rc = rc || sql(s, NULL, e, "DELETE FROM capf_lockout WHERE device = ?", "t",
		       device);
	rc = rc || status(s, device, op == TL_CAPF_OP_NONE ? TL_LSC_NONE :
			  TL_LSC_PENDING, 0, detail, now, e);
	rc = rc || tl_store_audit(s, "device capf", device, NULL, NULL, e);
	rc = rc || bump(s, e);
	return end(s, rc ? -1 : 0, e);
}

int tl_capf_string_valid(const char *s)
{
	size_t n = strlen(s);

	return n >= 4 && n <= 10 && strspn(s, "0123456789") == n;
}

int tl_capf_schedule_device(tl_store *s, const tl_device *d, int op, int mode,
			    const char *auth_string, const char *key,
			    long deadline, long now, tl_err *e)
{
	if (op == TL_CAPF_OP_INSTALL && tl_dev_check_encryption(d, key, e))
		return -1;
	return tl_capf_schedule(s, d->name, op, mode, auth_string, key, deadline,
				now, e);
}

int tl_capf_lsc_issued(tl_store *s, const char *device, const tl_cert *lsc,
		       long now, long *id, tl_err *e)
{
	char *serial = tl_hex(lsc->serial, lsc->serial_len, 1);
	char detail[160];
	int rc;

	if (!serial)
		return tl_fail(e, "out of memory");
	snprintf(detail, sizeof(detail), "LSC %s issued, sent to the phone", serial);
	if (begin(s, e)) {
		free(serial);
		return -1;
	}
	rc = sql(s, id, e, "INSERT INTO capf_lsc (device, serial, der, not_after,"
		 " state, issued, updated) VALUES (?, ?, ?, ?, 'issued', ?, ?)"
		 " RETURNING id", "ttbiii", device, serial, (const void *)lsc->der,
		 lsc->der_len, (long)lsc->not_after, now, now);
	free(serial);
	rc = rc || sql(s, NULL, e, "INSERT INTO capf_event (device, ts, status,"
		       " detail) VALUES (?, ?, ?, ?)", "tiit", device, now,
		       (long)TL_LSC_PENDING, detail);
	return end(s, rc ? -1 : 0, e);
}

int tl_capf_lsc_confirmed(tl_store *s, long id, const char *device, long now,
			  tl_err *e)
{
	int rc;

	if (begin(s, e))
		return -1;
	rc = sql(s, NULL, e, "UPDATE capf_lsc SET state = 'superseded', updated = ?"
		 " WHERE device = ? AND state = 'installed'", "it", now, device);
	/* "unconfirmed" too: another capfd starting on the same directory may
	 * have recovered it while this phone was still answering */
	rc = rc || sql(s, NULL, e, "UPDATE capf_lsc SET state = 'installed',"
		       " updated = ? WHERE id = ? AND state IN ('issued', 'unconfirmed')",
		       "ii", now, id);
	rc = rc || sql(s, NULL, e, "UPDATE device SET lsc = (SELECT der FROM capf_lsc"
		       " WHERE id = ?), updated = ? WHERE name = ?", "iit", id, now,
		       device);
	rc = rc || status(s, device, TL_LSC_UPGRADE_OK, 1,
			  "the phone stored its new LSC", now, e);
	rc = rc || bump(s, e);
	return end(s, rc ? -1 : 0, e);
}

int tl_capf_lsc_unconfirmed(tl_store *s, long id, const char *device,
			    int code, const char *detail, long now, tl_err *e)
{
	int rc;

	if (begin(s, e))
		return -1;
	rc = sql(s, NULL, e, "UPDATE capf_lsc SET state = ?, updated = ? WHERE id = ?"
		 " AND state = 'issued'", "tii",
		 code == TL_LSC_UPGRADE_FAILED ? "failed" : "unconfirmed", now, id);
	rc = rc || status(s, device, code, 0, detail, now, e);
	return end(s, rc ? -1 : 0, e);
}

int tl_capf_lsc_deleted(tl_store *s, const char *device, long now, tl_err *e)
{
	int rc;

	if (begin(s, e))
		return -1;
	rc = sql(s, NULL, e, "UPDATE capf_lsc SET state = 'deleted', updated = ?"
		 " WHERE device = ? AND state = 'installed'", "it", now, device);
	rc = rc || sql(s, NULL, e, "UPDATE device SET lsc = NULL, updated = ?"
		       " WHERE name = ?", "it", now, device);
	rc = rc || status(s, device, TL_LSC_DELETE_OK, 1,
			  "the phone deleted its LSC", now, e);
	rc = rc || bump(s, e);
	return end(s, rc ? -1 : 0, e);
}

int tl_capf_lsc_revoke(tl_store *s, const char *device, long now, int *count,
		       tl_err *e)
{
	long n;
	int rc;

	if (begin(s, e))
		return -1;
	rc = sql(s, &n, e, "SELECT count(*) FROM capf_lsc WHERE device = ? AND state"
		 " IN ('installed', 'issued', 'unconfirmed')", "t", device);
	rc = rc || sql(s, NULL, e, "UPDATE capf_lsc SET state = 'revoked', updated = ?"
		       " WHERE device = ? AND state IN ('installed', 'issued',"
		       " 'unconfirmed')", "it", now, device);
	rc = rc || bump(s, e);
	*count = rc ? 0 : (int)n;
	return end(s, rc ? -1 : 0, e);
}

int tl_capf_lsc_is_revoked(tl_store *s, const char *device, const char *serial,
			   tl_err *e)
{
	long n;

	if (sql(s, &n, e, "SELECT count(*) FROM capf_lsc WHERE device = ? AND"
		" serial = ? AND state IN ('revoked', 'deleted')", "tt", device, serial))
		return -1;
	return n > 0;
}

int tl_capf_lsc_revoked_each(tl_store *s, tl_capf_revoked_fn fn, void *arg,
			     tl_err *e)
{
	tl_stmt *st = tl_db_prepare(tl_store_db(s), "SELECT serial, updated, state"
				    " FROM capf_lsc WHERE state IN ('revoked', 'deleted')"
				    " ORDER BY updated, id", e);
	int rc = 0, step;

	if (st == NULL)
		return -1;
	while (rc == 0 && (step = tl_stmt_step(st, e)) == 1)
		rc = fn(arg, tl_stmt_col_text(st, 0), (long)tl_stmt_col_int(st, 1),
			tl_stmt_col_text(st, 2));
	tl_stmt_finalize(st);
	return rc == 0 && step < 0 ? -1 : rc;
}

int tl_capf_fetched(tl_store *s, const char *device, const tl_cert *c,
		    long now, tl_err *e)
{
	char *serial = tl_hex(c->serial, c->serial_len, 1);
	char detail[600];
	int rc;

	if (!serial)
		return tl_fail(e, "out of memory");
	snprintf(detail, sizeof(detail), "the phone sent %s (serial %s)", c->subject,
		 serial);
	if (begin(s, e)) {
		free(serial);
		return -1;
	}
	rc = sql(s, NULL, e, "INSERT INTO capf_lsc (device, serial, der, not_after,"
		 " state, issued, updated) VALUES (?, ?, ?, ?, 'fetched', ?, ?)",
		 "ttbiii", device, serial, (const void *)c->der, c->der_len,
		 (long)c->not_after, now, now);
	free(serial);
	rc = rc || status(s, device, TL_LSC_FETCH_OK, 1, detail, now, e);
	return end(s, rc ? -1 : 0, e);
}

int tl_capf_recover(tl_store *s, long now, int *n, tl_err *e)
{
	int rc = 0;

	*n = 0;
	if (begin(s, e))
		return -1;
	for (;;) {
		tl_stmt *st = tl_db_prepare(tl_store_db(s), "SELECT id, device FROM"
					    " capf_lsc WHERE state = 'issued' LIMIT 1", e);
		char device[32];
		long id;
		int step;

		if (st == NULL || (step = tl_stmt_step(st, e)) != 1) {
			rc = st == NULL || step < 0 ? -1 : 0;
			tl_stmt_finalize(st);
			break;
		}
		id = (long)tl_stmt_col_int(st, 0);
		snprintf(device, sizeof(device), "%s", tl_stmt_col_text(st, 1));
		tl_stmt_finalize(st);
		rc = sql(s, NULL, e, "UPDATE capf_lsc SET state = 'unconfirmed',"
			 " updated = ? WHERE id = ?", "ii", now, id);
		rc = rc || status(s, device, tl_lsc_failure(TL_CAPF_OP_INSTALL,
							    TL_WHY_COMM), 0,
				  "capfd stopped before the phone confirmed its LSC",
				  now, e);
		if (rc)
			break;
		(*n)++;
	}
	return end(s, rc ? -1 : 0, e);
}

int tl_capf_locked(tl_store *s, const char *device, long now, long *until)
{
	long u = 0;

	if (sql(s, &u, NULL, "SELECT until FROM capf_lockout WHERE device = ?", "t",
		device) || u <= now)
		return 0;
	*until = u;
	return 1;
}

int tl_capf_auth_failed(tl_store *s, const char *device, long now, int attempts,
			long window, long *until, tl_err *e)
{
	long n = 0;
	int rc;

	if (begin(s, e))
		return -1;
	rc = sql(s, NULL, e, "DELETE FROM capf_failure WHERE device = ? AND ts <= ?",
		 "ti", device, now - window);
	rc = rc || sql(s, NULL, e, "INSERT INTO capf_failure (device, ts) VALUES"
		       " (?, ?)", "ti", device, now);
	rc = rc || sql(s, &n, e, "SELECT count(*) FROM capf_failure WHERE device = ?",
		       "t", device);
	if (rc == 0 && n >= attempts) {
		*until = now + window;
		/* The count starts again when the lock ends. */
		rc = sql(s, NULL, e, "DELETE FROM capf_failure WHERE device = ?", "t",
			 device);
		rc = rc || sql(s, NULL, e, "INSERT INTO capf_lockout (device, until)"
			       " VALUES (?, ?) ON CONFLICT (device) DO UPDATE SET"
			       " until = excluded.until", "ti", device, *until);
	}
	if (end(s, rc ? -1 : 0, e))
		return -1;
	return n >= attempts;
}

int tl_capf_auth_ok(tl_store *s, const char *device, tl_err *e)
{
	long n = 0;

	/* a read first: a DELETE takes the write lock even when it finds
	 * nothing, and a phone with no failures (nearly every one) need not
	 * wait for another writer */
	if (sql(s, &n, e, "SELECT EXISTS (SELECT 1 FROM capf_failure WHERE"
		" device = ?)", "t", device))
		return -1;
	if (n == 0)
		return 0;
	return sql(s, NULL, e, "DELETE FROM capf_failure WHERE device = ?", "t",
		   device);
}

int tl_capf_events(tl_store *s, const char *device, int max,
		   tl_capf_event_fn fn, void *arg, tl_err *e)
{
	tl_stmt *st = tl_db_prepare(tl_store_db(s), "SELECT ts, status, detail FROM"
				    " capf_event WHERE device = ? ORDER BY id DESC"
				    " LIMIT ?", e);
	int rc = 0, step;

	if (st == NULL)
		return -1;
	tl_stmt_text(st, 1, device);
	tl_stmt_int(st, 2, max);
	while (rc == 0 && (step = tl_stmt_step(st, e)) == 1)
		rc = fn(arg, (long)tl_stmt_col_int(st, 0), (int)tl_stmt_col_int(st, 1),
			tl_stmt_col_text(st, 2));
	tl_stmt_finalize(st);
	return rc == 0 && step < 0 ? -1 : 0;
}

int tl_capf_lscs(tl_store *s, const char *device, tl_capf_lsc_fn fn, void *arg,
		 tl_err *e)
{
	tl_stmt *st = tl_db_prepare(tl_store_db(s), "SELECT id, serial, not_after,"
				    " state, issued FROM capf_lsc WHERE device = ?"
				    " ORDER BY id DESC", e);
	int rc = 0, step;

	if (st == NULL)
		return -1;
	tl_stmt_text(st, 1, device);
	while (rc == 0 && (step = tl_stmt_step(st, e)) == 1)
		rc = fn(arg, (long)tl_stmt_col_int(st, 0), tl_stmt_col_text(st, 1),
			(long)tl_stmt_col_int(st, 2), tl_stmt_col_text(st, 3),
			(long)tl_stmt_col_int(st, 4));
	tl_stmt_finalize(st);
	return rc == 0 && step < 0 ? -1 : 0;
}

/* Public certificates in a shared database (db.h): each node's identity
 * certificates and the trust stores, so every node sees every other's.
 * Only certificates: a private key never leaves its node's data
 * directory. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stmt.h"

int tl_db_identity_put(tl_db *db, const char *purpose, const char *name,
		       const void *der, size_t len, tl_err *e)
{
	return tl_db_run(db, NULL, e, "INSERT INTO identity (purpose, name, der,"
			 " updated) VALUES (?, ?, ?, ?) ON CONFLICT (purpose, name)"
			 " DO UPDATE SET der = excluded.der, updated = excluded.updated",
			 "ttbi", purpose, name, der, len, (long)time(NULL)) < 0 ? -1 : 0;
}

int tl_db_identity_get(tl_db *db, const char *purpose, const char *name,
		       void **der, size_t *len, tl_err *e)
{
	tl_stmt *st = tl_db_prepare(db, "SELECT der FROM identity WHERE purpose = ?"
				    " AND name = ?", e);
	int rc;

	*der = NULL;
	*len = 0;
	if (st == NULL)
		return -1;
	tl_stmt_text(st, 1, purpose);
	tl_stmt_text(st, 2, name);
	if ((rc = tl_stmt_step(st, e)) == 1) {
		size_t n;
		const void *p = tl_stmt_col_blob(st, 0, &n);

		if ((*der = malloc(n ? n : 1)) == NULL)
			rc = tl_fail(e, "out of memory");
		else
			memcpy(*der, p, *len = n);
	}
	tl_stmt_finalize(st);
	return rc;
}

int tl_db_trust_put(tl_db *db, const char *store, const char *name,
		    const void *der, size_t len, tl_err *e)
{
	return tl_db_run(db, NULL, e, "INSERT INTO trust (store, name, der, updated)"
			 " VALUES (?, ?, ?, ?) ON CONFLICT (store, name) DO UPDATE"
			 " SET der = excluded.der, updated = excluded.updated", "ttbi",
			 store, name, der, len, (long)time(NULL)) < 0 ? -1 : 0;
}

int tl_db_trust_remove(tl_db *db, const char *store, const char *name, tl_err *e)
{
	return tl_db_run(db, NULL, e, "DELETE FROM trust WHERE store = ? AND name = ?",
			 "tt", store, name) < 0 ? -1 : 0;
}

int tl_db_trust_each(tl_db *db, const char *store, tl_db_cert_fn fn, void *arg,
		     tl_err *e)
{
	tl_stmt *st = tl_db_prepare(db, "SELECT name, der FROM trust WHERE store = ?"
				    " ORDER BY name", e);
	int rc = 0, step;

	if (st == NULL)
		return -1;
	tl_stmt_text(st, 1, store);
	while (rc == 0 && (step = tl_stmt_step(st, e)) == 1) {
		size_t n;
		const void *p = tl_stmt_col_blob(st, 1, &n);

		rc = fn(arg, tl_stmt_col_text(st, 0), p, n);
	}
	tl_stmt_finalize(st);
	return rc ? rc : step < 0 ? -1 : 0;
}

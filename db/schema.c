/* The schema of trustline.db: its migrations, in the order db.c applies
 * them. A database made by any earlier trustline is brought to this one's
 * tables; the statements are never edited, only new ones appended. */
#include "secret.h"
#include "sqlitedb.h"

/* 5: CAPF authentication strings an older trustline kept in clear are
 * replaced by their hash, in the migration's own transaction. */
static int hash_auth_strings(sqlite3 *db, tl_err *e)
{
	sqlite3_stmt *sel, *upd;
	char h[TL_SECRET_MAX];
	int rc = 0;

	if (sqlite3_prepare_v2(db, "SELECT name, capf_auth_string FROM device"
			       " WHERE capf_auth_string IS NOT NULL", -1, &sel,
			       NULL) != SQLITE_OK)
		return tl_fail(e, "trustline.db: %s", tl_db_error(db));
	if (sqlite3_prepare_v2(db, "UPDATE device SET capf_auth_string = ?"
			       " WHERE name = ?", -1, &upd, NULL) != SQLITE_OK) {
		sqlite3_finalize(sel);
		return tl_fail(e, "trustline.db: %s", tl_db_error(db));
	}
	while (rc == 0 && sqlite3_step(sel) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(sel, 1);

		if (v == NULL || !*v || tl_secret_is_hashed(v))
			continue;
		if (tl_secret_hash(v, h, e)) {
			rc = -1;
			break;
		}
		sqlite3_bind_text(upd, 1, h, -1, SQLITE_TRANSIENT);
		sqlite3_bind_value(upd, 2, sqlite3_column_value(sel, 0));
		if (sqlite3_step(upd) != SQLITE_DONE)
			rc = tl_fail(e, "trustline.db: %s", tl_db_error(db));
		sqlite3_reset(upd);
	}
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	return rc;
}

const tl_db_migration tl_db_migrations[] = {
	{ "CREATE TABLE audit (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL,"
	  " user TEXT NOT NULL, action TEXT NOT NULL, object TEXT NOT NULL,"
	  " old_sha256 TEXT, new_sha256 TEXT);"
	  "CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
	  NULL },
	/* 2: the device database, with what CAPF needs beside each phone */
	{ "CREATE TABLE device (name TEXT PRIMARY KEY, model TEXT NOT NULL,"
	  " protocol TEXT NOT NULL, profile TEXT NOT NULL, description TEXT NOT NULL,"
	  " template TEXT NOT NULL, capf_operation TEXT NOT NULL DEFAULT 'none',"
	  " capf_auth_mode TEXT NOT NULL DEFAULT 'null', capf_auth_string TEXT,"
	  " capf_key TEXT NOT NULL DEFAULT 'rsa:2048', capf_deadline INTEGER,"
	  " lsc_status INTEGER NOT NULL DEFAULT 1, lsc_status_time INTEGER,"
	  " lsc BLOB, mic BLOB, created INTEGER NOT NULL, updated INTEGER NOT NULL);",
	  NULL },
	/* 3: CAPF's history (every status code with its time), the LSCs it
	 * issued with whether the phone confirmed them, and what the
	 * authentication-string lockout counts */
	{ "CREATE TABLE capf_event (id INTEGER PRIMARY KEY, device TEXT NOT NULL,"
	  " ts INTEGER NOT NULL, status INTEGER NOT NULL, detail TEXT NOT NULL);"
	  "CREATE INDEX capf_event_device ON capf_event (device, id);"
	  "CREATE TABLE capf_lsc (id INTEGER PRIMARY KEY, device TEXT NOT NULL,"
	  " serial TEXT NOT NULL, der BLOB NOT NULL, not_after INTEGER NOT NULL,"
	  " state TEXT NOT NULL, issued INTEGER NOT NULL, updated INTEGER NOT NULL);"
	  "CREATE INDEX capf_lsc_device ON capf_lsc (device, state);"
	  "CREATE TABLE capf_failure (device TEXT NOT NULL, ts INTEGER NOT NULL);"
	  "CREATE INDEX capf_failure_device ON capf_failure (device, ts);"
	  "CREATE TABLE capf_lockout (device TEXT PRIMARY KEY, until INTEGER NOT NULL);",
	  NULL },
	/* 4: the last revocation verdict per certificate (by SHA-256), and the
	 * alarms that are raised now */
	{ "CREATE TABLE revocation (sha256 TEXT PRIMARY KEY, object TEXT NOT NULL,"
	  " status TEXT NOT NULL, method TEXT NOT NULL, source TEXT NOT NULL,"
	  " detail TEXT NOT NULL, checked INTEGER NOT NULL);"
	  "CREATE TABLE alarm (name TEXT NOT NULL, object TEXT NOT NULL,"
	  " severity TEXT NOT NULL, detail TEXT NOT NULL, raised INTEGER NOT NULL,"
	  " PRIMARY KEY (name, object));",
	  NULL },
	/* 5: see hash_auth_strings */
	{ NULL, hash_auth_strings },
	/* 6: what each phone was served and completed, and what tvsd answered
	 * it (truststate.h); trust lists wait by address until paired with a
	 * phone */
	{ "CREATE TABLE trust_addr (address TEXT NOT NULL, kind INTEGER NOT NULL,"
	  " file TEXT NOT NULL, sha256 TEXT NOT NULL, signer TEXT NOT NULL,"
	  " serial TEXT NOT NULL, mode TEXT NOT NULL, cert_md5 TEXT NOT NULL,"
	  " via TEXT NOT NULL, ts INTEGER NOT NULL, PRIMARY KEY (address, kind));"
	  "CREATE INDEX trust_addr_ts ON trust_addr (ts);"
	  "CREATE TABLE trust_device (device TEXT NOT NULL, kind INTEGER NOT NULL,"
	  " since INTEGER NOT NULL, file TEXT NOT NULL, sha256 TEXT NOT NULL,"
	  " signer TEXT NOT NULL, serial TEXT NOT NULL, mode TEXT NOT NULL,"
	  " cert_md5 TEXT NOT NULL, address TEXT NOT NULL, via TEXT NOT NULL,"
	  " ts INTEGER NOT NULL, PRIMARY KEY (device, kind));"
	  "CREATE INDEX trust_device_address ON trust_device (address, kind, ts);"
	  "CREATE TABLE trust_tvs (id INTEGER PRIMARY KEY, device TEXT NOT NULL,"
	  " address TEXT NOT NULL, command TEXT NOT NULL, sha256 TEXT NOT NULL,"
	  " verdict TEXT NOT NULL, ts INTEGER NOT NULL);"
	  "CREATE INDEX trust_tvs_device ON trust_tvs (device, id);",
	  NULL },
	/* 7: the web page's administrator accounts (db/account.c) */
	{ "CREATE TABLE account (name TEXT PRIMARY KEY, hash TEXT NOT NULL,"
	  " failures INTEGER NOT NULL, locked_until INTEGER NOT NULL,"
	  " created INTEGER NOT NULL, updated INTEGER NOT NULL);",
	  NULL },
};

const int tl_db_nmigrations =
	(int)(sizeof(tl_db_migrations) / sizeof(tl_db_migrations[0]));

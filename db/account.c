/* The account table's SQL (migration 6); the web server decides who logs in. */
#include <stdio.h>
#include <string.h>

#include "account.h"
#include "secret.h"
#include "sqlitedb.h"

static int fail_db(tl_store *s, tl_err *e, const char *what)
{
	return tl_fail(e, "%s: %s", what, tl_db_error(tl_sqlite(s)));
}

int tl_account_name_ok(const char *name, tl_err *e)
{
	size_t n = strlen(name);

	if (n == 0 || n > 63 ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		   "0123456789._-") != n)
		return tl_fail(e, "account name \"%.64s\": use 1 to 63 letters, digits, "
			       "'.', '_' or '-'", name);
	return 0;
}

static int password_ok(const char *password, tl_err *e)
{
	if (strlen(password) < 8)
		return tl_fail(e, "the password is shorter than 8 characters: choose a "
			       "longer one");
	return 0;
}

/* Runs one statement with name as ?1, text (when not NULL) as ?2 and the
 * numbers after it (a statement without those parameters ignores them),
 * and says how many rows it changed: -1 on error. */
static int exec(tl_store *s, const char *sql, const char *name, const char *text,
		long n1, long n2, const char *what, tl_err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(tl_sqlite(s), sql, -1, &st, NULL) != SQLITE_OK)
		return fail_db(s, e, what);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	if (text)
		sqlite3_bind_text(st, 2, text, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, text ? 3 : 2, (sqlite3_int64)n1);
	sqlite3_bind_int64(st, text ? 4 : 3, (sqlite3_int64)n2);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return fail_db(s, e, what);
	return sqlite3_changes(tl_sqlite(s));
}

int tl_account_exists(tl_store *s, const char *name)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(tl_sqlite(s), "SELECT 1 FROM account WHERE name = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int tl_account_add(tl_store *s, const char *name, const char *password, tl_err *e)
{
	char h[TL_SECRET_MAX];
	long now = (long)time(NULL);

	if (tl_account_name_ok(name, e) || password_ok(password, e))
		return -1;
	if (tl_account_exists(s, name) != 0)
		return tl_fail(e, "account %s exists: change its password with "
			       "`trustline admin passwd %s`", name, name);
	if (tl_secret_hash(password, h, e) ||
	    exec(s, "INSERT INTO account (name, hash, failures, locked_until, created,"
		 " updated) VALUES (?1, ?2, 0, 0, ?3, ?3)", name, h, now, 0,
		 "account add", e) < 0)
		return -1;
	return tl_store_audit(s, "admin add", name, NULL, NULL, e);
}

int tl_account_passwd(tl_store *s, const char *name, const char *password,
		      tl_err *e)
{
	char h[TL_SECRET_MAX];
	int n;

	if (password_ok(password, e) || tl_secret_hash(password, h, e))
		return -1;
	n = exec(s, "UPDATE account SET hash = ?2, failures = 0, locked_until = 0,"
		 " updated = ?3 WHERE name = ?1", name, h, (long)time(NULL), 0,
		 "account passwd", e);
	if (n < 0)
		return -1;
	if (n == 0)
		return tl_fail(e, "no account %s: add it with `trustline admin add %s`",
			       name, name);
	return tl_store_audit(s, "admin passwd", name, NULL, NULL, e);
}

int tl_account_remove(tl_store *s, const char *name, tl_err *e)
{
	int n = exec(s, "DELETE FROM account WHERE name = ?1", name, NULL,
		     0, 0, "account remove", e);

	if (n < 0)
		return -1;
	if (n == 0)
		return tl_fail(e, "no account %s (see `trustline admin list`)", name);
	return tl_store_audit(s, "admin remove", name, NULL, NULL, e);
}

int tl_account_each(tl_store *s, int (*fn)(void *arg, const tl_account *a),
		    void *arg, tl_err *e)
{
	sqlite3_stmt *st;
	tl_account a;
	int rc;

	if (sqlite3_prepare_v2(tl_sqlite(s), "SELECT name, failures, locked_until,"
			       " created, updated FROM account ORDER BY name", -1,
			       &st, NULL) != SQLITE_OK)
		return fail_db(s, e, "account list");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&a, 0, sizeof(a));
		snprintf(a.name, sizeof(a.name), "%s", sqlite3_column_text(st, 0));
		a.failures = sqlite3_column_int(st, 1);
		a.locked_until = (time_t)sqlite3_column_int64(st, 2);
		a.created = (time_t)sqlite3_column_int64(st, 3);
		a.updated = (time_t)sqlite3_column_int64(st, 4);
		if (fn(arg, &a))
			break;
	}
	sqlite3_finalize(st);
	return 0;
}

int tl_account_login(tl_store *s, const char *name, const char *password,
		     time_t now, time_t *until, tl_err *e)
{
	sqlite3_stmt *st;
	char h[TL_SECRET_MAX] = "";
	int failures = 0, rc, ok;

	*until = 0;
	if (sqlite3_prepare_v2(tl_sqlite(s), "SELECT hash, failures, locked_until"
			       " FROM account WHERE name = ?", -1, &st, NULL) != SQLITE_OK)
		return fail_db(s, e, "login");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		snprintf(h, sizeof(h), "%s", sqlite3_column_text(st, 0));
		failures = sqlite3_column_int(st, 1);
		*until = (time_t)sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail_db(s, e, "login");
	if (rc == SQLITE_DONE) {
		/* the same work as for a known name: no timing says which exist */
		tl_secret_check(password, "pbkdf2-sha256$20000$00000000000000000000000000000000$"
				"0000000000000000000000000000000000000000000000000000000000000000");
		return TL_LOGIN_WRONG;
	}
	if (*until > now)
		return TL_LOGIN_LOCKED;
	*until = 0;
	ok = tl_secret_check(password, h) == 1;
	if (ok)
		failures = 0;
	else if (++failures >= TL_ACCOUNT_MAX_FAILURES)
		*until = now + TL_ACCOUNT_LOCK_SECONDS;
	if (exec(s, "UPDATE account SET failures = ?2, locked_until = ?3 WHERE name = ?1",
		 name, NULL, *until ? 0 : failures, (long)*until, "login", e) < 0)
		return -1;
	return ok ? TL_LOGIN_OK : TL_LOGIN_WRONG;
}

/* The account table's SQL (migration 7); the web server decides who logs in. */
#include <stdio.h>
#include <string.h>

#include "account.h"
#include "secret.h"
#include "stmt.h"

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

int tl_account_exists(tl_store *s, const char *name)
{
	tl_err e;
	long n = 0;

	/* the count, not tl_db_run's return: for a SELECT without a row that
	 * is the connection's last change count */
	if (tl_db_run(tl_store_db(s), &n, &e,
		      "SELECT count(*) FROM account WHERE name = ?1", "t", name) < 0)
		return -1;
	return n > 0;
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
	    tl_db_run(tl_store_db(s), NULL, e, "INSERT INTO account (name, hash,"
		      " failures, locked_until, created, updated) VALUES (?1, ?2, 0,"
		      " 0, ?3, ?3)", "tti", name, h, now) < 0)
		return -1;
	return tl_store_audit(s, "admin add", name, NULL, NULL, e);
}

int tl_account_passwd(tl_store *s, const char *name, const char *password,
		      tl_err *e)
{
	char h[TL_SECRET_MAX];
	long n;

	if (password_ok(password, e) || tl_secret_hash(password, h, e))
		return -1;
	n = tl_db_run(tl_store_db(s), NULL, e, "UPDATE account SET hash = ?2,"
		      " failures = 0, locked_until = 0, updated = ?3 WHERE name = ?1",
		      "tti", name, h, (long)time(NULL));
	if (n < 0)
		return -1;
	if (n == 0)
		return tl_fail(e, "no account %s: add it with `trustline admin add %s`",
			       name, name);
	return tl_store_audit(s, "admin passwd", name, NULL, NULL, e);
}

int tl_account_remove(tl_store *s, const char *name, tl_err *e)
{
	long n = tl_db_run(tl_store_db(s), NULL, e,
			   "DELETE FROM account WHERE name = ?1", "t", name);

	if (n < 0)
		return -1;
	if (n == 0)
		return tl_fail(e, "no account %s (see `trustline admin list`)", name);
	return tl_store_audit(s, "admin remove", name, NULL, NULL, e);
}

int tl_account_each(tl_store *s, int (*fn)(void *arg, const tl_account *a),
		    void *arg, tl_err *e)
{
	tl_stmt *st = tl_db_prepare(tl_store_db(s), "SELECT name, failures,"
				    " locked_until, created, updated FROM account"
				    " ORDER BY name", e);
	tl_account a;
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = tl_stmt_step(st, e)) == 1) {
		memset(&a, 0, sizeof(a));
		snprintf(a.name, sizeof(a.name), "%s", tl_stmt_col_text(st, 0));
		a.failures = (int)tl_stmt_col_int(st, 1);
		a.locked_until = (time_t)tl_stmt_col_int(st, 2);
		a.created = (time_t)tl_stmt_col_int(st, 3);
		a.updated = (time_t)tl_stmt_col_int(st, 4);
		if (fn(arg, &a))
			break;
	}
	tl_stmt_finalize(st);
	return rc < 0 ? -1 : 0;
}

int tl_account_login(tl_store *s, const char *name, const char *password,
		     time_t now, time_t *until, tl_err *e)
{
	tl_stmt *st = tl_db_prepare(tl_store_db(s), "SELECT hash, failures,"
				    " locked_until FROM account WHERE name = ?1", e);
	char h[TL_SECRET_MAX] = "";
	int failures = 0, rc, ok;

	*until = 0;
	if (st == NULL)
		return -1;
	tl_stmt_text(st, 1, name);
	if ((rc = tl_stmt_step(st, e)) == 1) {
		snprintf(h, sizeof(h), "%s", tl_stmt_col_text(st, 0));
		failures = (int)tl_stmt_col_int(st, 1);
		*until = (time_t)tl_stmt_col_int(st, 2);
	}
	tl_stmt_finalize(st);
	if (rc < 0)
		return -1;
	if (rc == 0) {
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
	if (tl_db_run(tl_store_db(s), NULL, e, "UPDATE account SET failures = ?2,"
		      " locked_until = ?3 WHERE name = ?1", "tii", name,
		      (long)(*until ? 0 : failures), (long)*until) < 0)
		return -1;
	return ok ? TL_LOGIN_OK : TL_LOGIN_WRONG;
}

/* A consistent copy of a store's database (db.h tl_db_copy), through
 * SQLite's online backup: pages are copied under a read lock, so a daemon
 * or another command writing meanwhile cannot leave the copy half one
 * state and half the other, and the source is never written. */
#include <sqlite3.h>
#include <sys/stat.h>

#include "dbcopy.h"
#include "sqlitedb.h"

int tl_db_copy(tl_store *s, const char *path, tl_err *e)
{
	sqlite3 *to = NULL;
	sqlite3_backup *b;
	int rc;

	if (tl_sqlite(s) == NULL)
		return tl_fail(e, "a plan copies the data directory's SQLite database;"
			       " a cluster on PostgreSQL cannot be planned yet");
	if (sqlite3_open_v2(path, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			    NULL) != SQLITE_OK) {
		tl_fail(e, "%s: %s", path, to ? sqlite3_errmsg(to) : "out of memory");
		sqlite3_close(to);
		return -1;
	}
	chmod(path, 0600);
	if ((b = sqlite3_backup_init(to, "main", tl_sqlite(s), "main")) == NULL) {
		tl_fail(e, "copying the database to %s: %s", path, sqlite3_errmsg(to));
		sqlite3_close(to);
		return -1;
	}
	/* all pages in one step: retried while a writer holds the lock */
	for (int i = 0; i < 100; i++) {
		rc = sqlite3_backup_step(b, -1);
		if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
			break;
		sqlite3_sleep(50);
	}
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		tl_fail(e, "copying the database to %s: %s", path, sqlite3_errstr(rc));
		sqlite3_close(to);
		return -1;
	}
	sqlite3_close(to);
	return 0;
}

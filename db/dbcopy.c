/* A consistent copy of a store's database (dbcopy.h). SQLite's through
 * its online backup: pages are copied under a read lock, so a daemon or
 * another command writing meanwhile cannot leave the copy half one state
 * and half the other. PostgreSQL's into a new SQLite file of this build's
 * schema, every table of it read through the statement layer in one
 * read-only snapshot. The source is never written. */
#include <ctype.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dbcopy.h"
#include "sqlitedb.h"
#include "stmt.h"

enum { MAX_COLS = 32 };

struct table {
	char name[64];
	int ncols;
	char col[MAX_COLS][64];
	char kind[MAX_COLS];	/* 'i' integer, 'b' blob, 't' text */
};

/* The columns of a table of the new SQLite file, with their kinds. */
static int columns(tl_db *to, struct table *t, tl_err *e)
{
	char sql[128];
	tl_stmt *st;
	int rc;

	snprintf(sql, sizeof(sql), "PRAGMA table_info(\"%s\")", t->name);
	if ((st = tl_db_prepare(to, sql, e)) == NULL)
		return -1;
	t->ncols = 0;
	while ((rc = tl_stmt_step(st, e)) == 1) {
		char type[64];
		size_t i;

		if (t->ncols == MAX_COLS) {
			tl_stmt_finalize(st);
			return tl_fail(e, "table %s has more than %d columns", t->name, MAX_COLS);
		}
		snprintf(t->col[t->ncols], sizeof(t->col[0]), "%s", tl_stmt_col_text(st, 1));
		snprintf(type, sizeof(type), "%s", tl_stmt_col_text(st, 2));
		for (i = 0; type[i]; i++)
			type[i] = (char)toupper((unsigned char)type[i]);
		t->kind[t->ncols++] = strstr(type, "INT") ? 'i' : strstr(type, "BLOB") ? 'b' : 't';
	}
	tl_stmt_finalize(st);
	return rc;
}

/* "a", "b", ... and ?1, ?2, ... for t's columns. */
static void lists(const struct table *t, char *cols, char *marks, size_t n)
{
	size_t c = 0, m = 0;

	cols[0] = marks[0] = 0;
	for (int i = 0; i < t->ncols; i++) {
		c += (size_t)snprintf(cols + c, c < n ? n - c : 0, "%s\"%s\"", i ? "," : "",
				      t->col[i]);
		m += (size_t)snprintf(marks + m, m < n ? n - m : 0, "%s?%d", i ? "," : "", i + 1);
	}
}

static int copy_table(tl_db *from, tl_db *to, const struct table *t, tl_err *e)
{
	char cols[4096], marks[512], sql[5000];
	tl_stmt *rd, *wr;
	int rc;

	lists(t, cols, marks, sizeof(marks));
	snprintf(sql, sizeof(sql), "DELETE FROM \"%s\"", t->name);
	if (tl_db_exec(to, sql, e))
		return -1;
	snprintf(sql, sizeof(sql), "SELECT %s FROM \"%s\"", cols, t->name);
	if ((rd = tl_db_prepare(from, sql, e)) == NULL)
		return tl_wrap(e, "reading table %s", t->name);
	snprintf(sql, sizeof(sql), "INSERT INTO \"%s\" (%s) VALUES (%s)", t->name, cols,
		 marks);
	while ((rc = tl_stmt_step(rd, e)) == 1) {
		if ((wr = tl_db_prepare(to, sql, e)) == NULL) {
			rc = -1;
			break;
		}
		for (int i = 0; i < t->ncols; i++) {
			const void *b;
			size_t n;

			if (tl_stmt_col_opt(rd, i) == NULL)
				tl_stmt_text(wr, i + 1, NULL);
			else if (t->kind[i] == 'i')
				tl_stmt_int(wr, i + 1, tl_stmt_col_int(rd, i));
			else if (t->kind[i] == 'b' && (b = tl_stmt_col_blob(rd, i, &n)) != NULL)
				tl_stmt_blob(wr, i + 1, b, n);
			else
				tl_stmt_text(wr, i + 1, tl_stmt_col_text(rd, i));
		}
		rc = tl_stmt_step(wr, e);
		tl_stmt_finalize(wr);
		if (rc < 0)
			break;
	}
	tl_stmt_finalize(rd);
	return rc < 0 ? tl_wrap(e, "copying table %s", t->name) : 0;
}

/* Every table the new file's schema has; the shared database's own (its
 * nodes, the certificates and trust stores it publishes) stay there: the
 * data directory's files, copied beside, are what the servers serve. */
static int copy_rows(tl_db *from, tl_db *to, tl_err *e)
{
	struct table *t = NULL;
	size_t n = 0;
	tl_stmt *st;
	int rc;

	if ((st = tl_db_prepare(to, "SELECT name FROM sqlite_master WHERE type = 'table' "
				"AND name NOT LIKE 'sqlite_%' ORDER BY name", e)) == NULL)
		return -1;
	while ((rc = tl_stmt_step(st, e)) == 1) {
		struct table *g = realloc(t, (n + 1) * sizeof(*t));

		if (g == NULL) {
			rc = tl_fail(e, "out of memory");
			break;
		}
		t = g;
		snprintf(t[n++].name, sizeof(t->name), "%s", tl_stmt_col_text(st, 0));
	}
	tl_stmt_finalize(st);
	if (rc == 0)
		rc = tl_db_exec(from, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", e);
	if (rc == 0) {
		rc = tl_db_begin(to, e);
		for (size_t i = 0; i < n && rc == 0; i++)
			rc = columns(to, &t[i], e) || copy_table(from, to, &t[i], e);
		rc = tl_db_end(to, rc, e);
		tl_db_exec(from, "COMMIT", NULL);
	}
	free(t);
	return rc ? -1 : 0;
}

static int copy_pg(tl_store *s, const char *path, tl_err *e)
{
	tl_db *to;
	int rc;

	if (tl_sqlite_open(&to, path, e))
		return tl_wrap(e, "the plan's copy of the database");
	chmod(path, 0600);
	rc = copy_rows(s->db, to, e);
	tl_db_close(to);
	return rc ? tl_wrap(e, "copying the cluster's database into %s", path) : 0;
}

int tl_db_copy(tl_store *s, const char *path, tl_err *e)
{
	sqlite3 *to = NULL;
	sqlite3_backup *b;
	int rc;

	if (tl_sqlite(s) == NULL)
		return copy_pg(s, path, e);
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

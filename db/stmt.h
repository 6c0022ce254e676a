/* Inside db/ only: the statement layer every table's SQL is written
 * against once, with a SQLite (sqlite.c) and a PostgreSQL (pg.c)
 * implementation. SQL uses ? or ?N placeholders and the dialect both
 * accept (ON CONFLICT ... DO UPDATE, RETURNING, SAVEPOINT). */
#ifndef TL_STMT_H
#define TL_STMT_H

#include <stddef.h>

#include "db.h"

typedef struct tl_stmt tl_stmt;

/* What a backend implements. */
typedef struct tl_db_ops {
	tl_stmt *(*prepare)(tl_db *db, const char *sql, tl_err *e);
	/* kind 't' text (p, NUL-terminated), 'i' integer (v), 'b' blob (p, n);
	 * p NULL binds NULL */
	void (*bind)(tl_stmt *st, int i, int kind, const void *p, size_t n,
		     long long v);
	int (*step)(tl_stmt *st, tl_err *e);	/* 1 row, 0 done, -1 error */
	const char *(*text)(tl_stmt *st, int col);	/* NULL for NULL */
	long long (*integer)(tl_stmt *st, int col);
	const void *(*blob)(tl_stmt *st, int col, size_t *n);
	long (*changes)(tl_stmt *st);	/* rows the statement changed */
	void (*finalize)(tl_stmt *st);
	int (*exec)(tl_db *db, const char *sql, tl_err *e);
	int (*begin)(tl_db *db, tl_err *e);	/* a transaction that will write */
	void (*close)(tl_db *db);
	/* NULL where the backend has none (db.h) */
	int (*changes_fd)(tl_db *db);
	int (*changes_drain)(tl_db *db);
	int (*ping)(tl_db *db, tl_err *e);
	int (*notify)(tl_db *db, tl_err *e);	/* in the caller's transaction */
} tl_db_ops;

struct tl_db {
	const tl_db_ops *ops;
	void *impl;
	int shared;		/* PostgreSQL: the cluster's, shared by its nodes */
};

tl_stmt *tl_db_prepare(tl_db *db, const char *sql, tl_err *e);
void tl_stmt_text(tl_stmt *st, int i, const char *s);
void tl_stmt_int(tl_stmt *st, int i, long long v);
void tl_stmt_blob(tl_stmt *st, int i, const void *p, size_t n);
int tl_stmt_step(tl_stmt *st, tl_err *e);
/* "" for NULL, unlike the backend's */
const char *tl_stmt_col_text(tl_stmt *st, int col);
const char *tl_stmt_col_opt(tl_stmt *st, int col);	/* NULL for NULL */
long long tl_stmt_col_int(tl_stmt *st, int col);
const void *tl_stmt_col_blob(tl_stmt *st, int col, size_t *n);
long tl_stmt_changes(tl_stmt *st);
void tl_stmt_finalize(tl_stmt *st);

int tl_db_exec(tl_db *db, const char *sql, tl_err *e);
/* tl_db_begin and tl_db_end are db.h's */

/* Runs one statement with parameters by types: 't' text (NULL binds NULL),
 * 'i' long, 'b' blob (pointer, size_t). *out (when given) gets the first
 * column of the first row, or 0; the return is -1 on error, else the rows
 * it changed (or 1 when it returned a row). */
long tl_db_run(tl_db *db, long *out, tl_err *e, const char *sql,
	       const char *types, ...);

/* The backends' openers (tl_db_open picks one). */
int tl_sqlite_open(tl_db **db, const char *path, tl_err *e);
int tl_pg_open(tl_db **db, const char *url, const char *password_file,
	       tl_err *e);

#endif

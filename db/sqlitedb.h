/* Inside db/ only: the SQLite connection behind struct tl_db. The files of
 * db/ are the SQLite backend; nothing outside db/ sees sqlite3. */
#ifndef TL_SQLITEDB_H
#define TL_SQLITEDB_H

#include <sqlite3.h>

#include "db.h"

struct tl_db {
	sqlite3 *h;
	int lock_wait_ms;	/* tl_db_lock_wait's, else SQLite's timeout */
};

/* The connection of a store's database. */
static inline sqlite3 *tl_sqlite(tl_store *s)
{
	return tl_store_db(s)->h;
}

/* What went wrong last on db, for a message: SQLite's words, or, when the
 * file may not be written or read by this user, whose it is and what to do. */
const char *tl_db_error(sqlite3 *db);

/* Prepares sql on the store's connection; the error names trustline.db. */
int tl_db_prepare(tl_store *s, const char *sql, sqlite3_stmt **st, tl_err *e);
/* Finalizes st after its last step returned rc: -1 unless that was
 * SQLITE_DONE or SQLITE_ROW. */
int tl_db_finish(tl_store *s, sqlite3_stmt *st, int rc, tl_err *e);

/* The schema's migrations, in order (schema.c); PRAGMA user_version counts
 * those applied. A migration is SQL, or C where rows must be rewritten. */
typedef struct tl_db_migration {
	const char *sql;
	int (*run)(sqlite3 *db, tl_err *e);
} tl_db_migration;
extern const tl_db_migration tl_db_migrations[];
extern const int tl_db_nmigrations;

#endif

/* Inside db/ only: the SQLite backend's schema (sqlite.c applies it);
 * nothing outside sqlite.c and schema.c sees sqlite3. */
#ifndef TL_SQLITEDB_H
#define TL_SQLITEDB_H

#include <sqlite3.h>

#include "db.h"

/* What went wrong last on db, for a message: SQLite's words, or, when the
 * file may not be written or read by this user, whose it is and what to do. */
const char *tl_db_error(sqlite3 *db);

/* The SQLite connection of s, NULL when its database is PostgreSQL. */
sqlite3 *tl_sqlite(tl_store *s);

/* The schema's migrations, in order (schema.c); PRAGMA user_version counts
 * those applied. A migration is SQL, or C where rows must be rewritten. */
typedef struct tl_db_migration {
	const char *sql;
	int (*run)(sqlite3 *db, tl_err *e);
} tl_db_migration;
extern const tl_db_migration tl_db_migrations[];
extern const int tl_db_nmigrations;

#endif

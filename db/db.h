/* trustline.db: opened with the modes a database of secrets needs, brought
 * to this build's schema, and with errors that say who may open it. */
#ifndef TL_DB_H
#define TL_DB_H

#include "err.h"

/* Opens (creating it 0640 when absent) and migrates path into *db (an
 * sqlite3 *). A database and its -wal and -shm readable by everyone are
 * narrowed to owner and group when this process owns them. */
int tl_db_open(void **db, const char *path, tl_err *e);

/* What went wrong last on db, for a message: SQLite's words, or, when the
 * file may not be written or read by this user, whose it is and what to do. */
const char *tl_db_error(void *db);

#endif

/* trustline.db: opened with the modes a database of secrets needs, brought
 * to this build's schema, and with errors that say who may open it. */
#ifndef TL_DB_H
#define TL_DB_H

#include <stddef.h>

#include "err.h"
#include "store.h"

/* Opens (creating it 0640 when absent) and migrates path into *db (an
 * sqlite3 *). A database and its -wal and -shm readable by everyone are
 * narrowed to owner and group when this process owns them. */
int tl_db_open(void **db, const char *path, tl_err *e);

/* What went wrong last on db, for a message: SQLite's words, or, when the
 * file may not be written or read by this user, whose it is and what to do. */
const char *tl_db_error(void *db);

/* The audit log (tl_store_audit): a row at ts by user; old_sha256 and
 * new_sha256 may be NULL. */
int tl_db_audit_add(void *db, long ts, const char *user, const char *action,
		    const char *object, const char *old_sha256,
		    const char *new_sha256, tl_err *e);
int tl_db_audit_each(void *db, tl_audit_fn fn, void *arg, tl_err *e);
/* The state table (tl_store_get, tl_store_set): get returns 1 when key
 * has a value, else 0 with val "". */
int tl_db_state_get(void *db, const char *key, char *val, size_t n);
int tl_db_state_set(void *db, const char *key, const char *val, tl_err *e);

#endif

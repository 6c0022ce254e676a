/* A consistent copy of a store's database, for work on a copy of the data
 * directory that must never change the real one (plan/). */
#ifndef TL_DBCOPY_H
#define TL_DBCOPY_H

#include "err.h"
#include "store.h"

/* Copies the open database of s into a new SQLite file path (0600): a
 * PostgreSQL one's tables of SQLite's schema, row by row. */
int tl_db_copy(tl_store *s, const char *path, tl_err *e);

#endif

/* Inside db/ only: the PostgreSQL backend's schema (pgschema.c), which
 * pg.c applies on open. */
#ifndef TL_PGDB_H
#define TL_PGDB_H

extern const char *const tl_pg_migrations[];
extern const int tl_pg_nmigrations;

#endif

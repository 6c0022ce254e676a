/* The database module: trustline.db behind one interface, with SQLite
 * (sqlite.c) for one node and PostgreSQL (pg.c) for a cluster sharing one
 * database; nothing outside db/ issues SQL or sees the backend's types.
 * Each table's SQL is written once, against the statement layer (stmt.h).
 *
 * Both backends implement the same function set: the
 * connection (tl_db_open with its migrations to the schema's version,
 * tl_db_close, tl_db_lock_wait, and error messages that say who may open
 * it), the audit log and state table below (tl_db_audit_*, tl_db_state_*),
 * the device table (devdb.h: tl_dev_get, _put, _remove, _each, _count,
 * _import_csv), CAPF's tables with their transactions and batches
 * (capfdb.h: tl_capf_batch_*, _schedule, _record, _lsc_*, _fetched,
 * _recover, _locked, _auth_*, _events, _lscs), the alarm table (alarm.h:
 * tl_alarm_raise, _clear, _each) and the revocation table (revstate.h:
 * tl_revstate_get, _put). device.c and capfcodes.c hold no SQL: every
 * backend shares them. */
#ifndef TL_DB_H
#define TL_DB_H

#include <stddef.h>

#include "err.h"
#include "store.h"

typedef struct tl_db tl_db;

/* Opens (creating it 0640 when absent) and migrates path into *db. A
 * database and its -wal and -shm readable by everyone are narrowed to
 * owner and group when this process owns them. A postgresql:// or
 * postgres:// URL (or "service=NAME" of libpq's service file) opens the
 * cluster's PostgreSQL database instead. */
int tl_db_open(tl_db **db, const char *path, tl_err *e);
/* The same, with the password for a URL read from password_file (may be
 * NULL: then libpq's PGPASSFILE or ~/.pgpass). */
int tl_db_open_url(tl_db **db, const char *where, const char *password_file,
		   tl_err *e);
void tl_db_close(tl_db *db);
/* Before a daemon chroots into the data directory, where it opens where
 * again later: SQLite's file is inside; a PostgreSQL URL must reach the
 * server at numeric TCP addresses (a Unix socket, libpq's service file and
 * ~/.pgpass are outside: refused with a clear error), and password_file,
 * when absolute, is kept open (tl_file_keep). */
int tl_db_chroot_prepare(const char *where, const char *password_file,
			 tl_err *e);
/* 1 when the database is the cluster's, shared by every node: public
 * certificates and trust stores live in it (certdb.c). */
int tl_db_shared(const tl_db *db);
/* Another connection's write lock is waited for up to ms in steps of
 * 0.2 ms, instead of the 5 s of lengthening sleeps every connection has. */
void tl_db_lock_wait(tl_db *db, int ms);

/* A transaction that will write (tl_store_begin); tl_db_end commits when
 * rc is 0, else rolls back, and returns 0 only when committed. */
int tl_db_begin(tl_db *db, tl_err *e);
int tl_db_end(tl_db *db, int rc, tl_err *e);

/* The audit log (tl_store_audit): a row at ts by user; old_sha256 and
 * new_sha256 may be NULL. */
int tl_db_audit_add(tl_db *db, long ts, const char *user, const char *action,
		    const char *object, const char *old_sha256,
		    const char *new_sha256, tl_err *e);
int tl_db_audit_each(tl_db *db, tl_audit_fn fn, void *arg, tl_err *e);
/* The state table (tl_store_get, tl_store_set): get returns 1 when key
 * has a value, else 0 with val "". */
int tl_db_state_get(tl_db *db, const char *key, char *val, size_t n);
int tl_db_state_set(tl_db *db, const char *key, const char *val, tl_err *e);
/* Adds one to the number under key in one statement (two nodes bumping at
 * once both count) and tells the other nodes (tl_db_changes_fd); returns
 * the new value, or -1. */
long tl_db_state_incr(tl_db *db, const char *key, tl_err *e);

/* A shared database's public certificates (certdb.c): identities by
 * purpose and name, trust stores by store and name, as DER. each stops
 * when fn returns non-zero and returns that. */
typedef int (*tl_db_cert_fn)(void *arg, const char *name, const void *der,
			     size_t len);
int tl_db_identity_put(tl_db *db, const char *purpose, const char *name,
		       const void *der, size_t len, tl_err *e);
/* 1 with the DER in *der (the caller frees it) when the identity is
 * there, 0 when it is not, -1 on error. */
int tl_db_identity_get(tl_db *db, const char *purpose, const char *name,
		       void **der, size_t *len, tl_err *e);
int tl_db_trust_put(tl_db *db, const char *store, const char *name,
		    const void *der, size_t len, tl_err *e);
int tl_db_trust_remove(tl_db *db, const char *store, const char *name, tl_err *e);
int tl_db_trust_each(tl_db *db, const char *store, tl_db_cert_fn fn, void *arg,
		     tl_err *e);

/* Changes made by other nodes: an fd to poll for reading (-1 when the
 * backend has no notifications: SQLite's servers watch the generation
 * file), and the drain to call when it is readable, which returns how many
 * changes arrived (also 1 after the connection came back, since changes
 * may have been missed while it was down). */
int tl_db_changes_fd(tl_db *db);
int tl_db_changes_drain(tl_db *db);
/* 0 when the database answers; else -1 with a message saying that
 * changes are refused until it returns. Reconnects when it can. */
int tl_db_ping(tl_db *db, tl_err *e);

#endif

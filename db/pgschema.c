/* The PostgreSQL backend's schema: the tables of schema.c in PostgreSQL's
 * types, and those only a shared database has (the nodes, their public
 * certificates, the trust stores). Versions count in schema_version; the
 * statements are never edited, only new ones appended. */
#include "pgdb.h"

const char *const tl_pg_migrations[] = {
	/* 1: what SQLite's migrations 1 to 5 make */
	"CREATE TABLE audit (id BIGSERIAL PRIMARY KEY, ts BIGINT NOT NULL,"
	" \"user\" TEXT NOT NULL, action TEXT NOT NULL, object TEXT NOT NULL,"
	" old_sha256 TEXT, new_sha256 TEXT);"
	"CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE device (name TEXT PRIMARY KEY, model TEXT NOT NULL,"
	" protocol TEXT NOT NULL, profile TEXT NOT NULL, description TEXT NOT NULL,"
	" template TEXT NOT NULL, capf_operation TEXT NOT NULL DEFAULT 'none',"
	" capf_auth_mode TEXT NOT NULL DEFAULT 'null', capf_auth_string TEXT,"
	" capf_key TEXT NOT NULL DEFAULT 'rsa:2048', capf_deadline BIGINT,"
	" lsc_status INTEGER NOT NULL DEFAULT 1, lsc_status_time BIGINT,"
	" lsc BYTEA, mic BYTEA, created BIGINT NOT NULL, updated BIGINT NOT NULL);"
	"CREATE TABLE capf_event (id BIGSERIAL PRIMARY KEY, device TEXT NOT NULL,"
	" ts BIGINT NOT NULL, status INTEGER NOT NULL, detail TEXT NOT NULL);"
	"CREATE INDEX capf_event_device ON capf_event (device, id);"
	"CREATE TABLE capf_lsc (id BIGSERIAL PRIMARY KEY, device TEXT NOT NULL,"
	" serial TEXT NOT NULL, der BYTEA NOT NULL, not_after BIGINT NOT NULL,"
	" state TEXT NOT NULL, issued BIGINT NOT NULL, updated BIGINT NOT NULL);"
	"CREATE INDEX capf_lsc_device ON capf_lsc (device, state);"
	"CREATE TABLE capf_failure (device TEXT NOT NULL, ts BIGINT NOT NULL);"
	"CREATE INDEX capf_failure_device ON capf_failure (device, ts);"
	"CREATE TABLE capf_lockout (device TEXT PRIMARY KEY, until BIGINT NOT NULL);"
	"CREATE TABLE revocation (sha256 TEXT PRIMARY KEY, object TEXT NOT NULL,"
	" status TEXT NOT NULL, method TEXT NOT NULL, source TEXT NOT NULL,"
	" detail TEXT NOT NULL, checked BIGINT NOT NULL);"
	"CREATE TABLE alarm (name TEXT NOT NULL, object TEXT NOT NULL,"
	" severity TEXT NOT NULL, detail TEXT NOT NULL, raised BIGINT NOT NULL,"
	" PRIMARY KEY (name, object));",
	/* 2: the cluster's nodes, their public identity certificates (never a
	 * key: those stay in each node's data directory) and the trust stores */
	"CREATE TABLE node (name TEXT PRIMARY KEY, services TEXT NOT NULL,"
	" generation BIGINT NOT NULL, last_seen BIGINT NOT NULL);"
	"CREATE TABLE identity (purpose TEXT NOT NULL, name TEXT NOT NULL,"
	" der BYTEA NOT NULL, updated BIGINT NOT NULL, PRIMARY KEY (purpose, name));"
	"CREATE TABLE trust (store TEXT NOT NULL, name TEXT NOT NULL,"
	" der BYTEA NOT NULL, updated BIGINT NOT NULL, PRIMARY KEY (store, name));",
	/* 3: the web page's administrator accounts (SQLite's migration 7) */
	"CREATE TABLE account (name TEXT PRIMARY KEY, hash TEXT NOT NULL,"
	" failures INTEGER NOT NULL, locked_until BIGINT NOT NULL,"
	" created BIGINT NOT NULL, updated BIGINT NOT NULL);",
	/* 4: the per-phone trust state (SQLite's migration 6, truststate.h) */
	"CREATE TABLE trust_addr (address TEXT NOT NULL, kind INTEGER NOT NULL,"
	" file TEXT NOT NULL, sha256 TEXT NOT NULL, signer TEXT NOT NULL,"
	" serial TEXT NOT NULL, mode TEXT NOT NULL, cert_md5 TEXT NOT NULL,"
	" via TEXT NOT NULL, ts BIGINT NOT NULL, PRIMARY KEY (address, kind));"
	"CREATE INDEX trust_addr_ts ON trust_addr (ts);"
	"CREATE TABLE trust_device (device TEXT NOT NULL, kind INTEGER NOT NULL,"
	" since BIGINT NOT NULL, file TEXT NOT NULL, sha256 TEXT NOT NULL,"
	" signer TEXT NOT NULL, serial TEXT NOT NULL, mode TEXT NOT NULL,"
	" cert_md5 TEXT NOT NULL, address TEXT NOT NULL, via TEXT NOT NULL,"
	" ts BIGINT NOT NULL, PRIMARY KEY (device, kind));"
	"CREATE INDEX trust_device_address ON trust_device (address, kind, ts);"
	"CREATE TABLE trust_tvs (id BIGSERIAL PRIMARY KEY, device TEXT NOT NULL,"
	" address TEXT NOT NULL, command TEXT NOT NULL, sha256 TEXT NOT NULL,"
	" verdict TEXT NOT NULL, ts BIGINT NOT NULL);"
	"CREATE INDEX trust_tvs_device ON trust_tvs (device, id);",
};

const int tl_pg_nmigrations =
	(int)(sizeof(tl_pg_migrations) / sizeof(tl_pg_migrations[0]));

/* The data directory (docs/architecture.md): identity certificates and keys,
 * trust stores, trustline.conf, and trustline.db with the audit log, whose
 * SQL is db/'s (db.h). Every write is atomic; an identity's key and
 * certificate are replaced together or not at all. */
#ifndef TL_STORE_H
#define TL_STORE_H

#include <stddef.h>

#include "conf.h"
#include "err.h"
#include "x509.h"

struct tl_db;

typedef struct tl_store {
	char dir[1024];
	tl_conf conf;
	struct tl_db *db;	/* db.h */
	/* Who the audit log names for changes made through this handle: a web
	 * page's administrator; "": the user running the process. */
	char user[64];
} tl_store;

/* The directory from --data-dir, else TRUSTLINE_DATA_DIR, else
 * /var/lib/trustline. */
const char *tl_store_default_dir(const char *given);

/* Opens an existing data directory (it must hold trustline.conf) and
 * finishes or undoes any identity replacement a crash interrupted. */
int tl_store_open(tl_store *s, const char *dir, tl_err *e);
/* Creates a data directory with the given configuration. */
int tl_store_create(tl_store *s, const char *dir, const tl_conf *c, tl_err *e);
void tl_store_close(tl_store *s);

/* A data directory made all or nothing: it is built in dir (a stage inside
 * the target), then install replaces the target's cluster with it, or
 * discard removes the stage and a target that did not exist before. */
typedef struct tl_store_stage_t {
	char dir[1100];
	char target[1024];
	int created;
} tl_store_stage_t;
int tl_store_stage(tl_store_stage_t *st, const char *dir, tl_err *e);
int tl_store_stage_install(tl_store_stage_t *st, tl_err *e);
void tl_store_stage_discard(tl_store_stage_t *st);
/* Takes back what install put in a target that held no cluster before
 * (a join whose database side did not commit): its entries, and the
 * target itself when the stage created it. */
void tl_store_stage_remove(tl_store_stage_t *st);
/* Reads the directory's trustline.conf again into s->conf, with the
 * administrator's file path (NULL: none) over it (tl_conf_load_daemon),
 * keeping the database handle: a daemon opens its store before it
 * drops privileges and reloads through it, since the user it runs as may
 * not be able to open trustline.db (nor make its -wal and -shm files).
 * s->conf is unchanged on failure. */
int tl_store_reload_conf(tl_store *s, const char *path, tl_err *e);
/* The database handle, for db/'s functions only (db.h). */
struct tl_db *tl_store_db(tl_store *s);
/* Rewrites trustline.conf from s->conf. */
int tl_store_save_conf(tl_store *s, tl_err *e);

/* Builds "<dir>/<rel>" into out. */
int tl_store_path(const tl_store *s, char *out, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Identity certificates: certs/<purpose>/<name>.pem with <name>.key. */
int tl_store_identity_exists(const tl_store *s, const char *purpose,
			     const char *name);
int tl_store_identity_load(const tl_store *s, const char *purpose,
			   const char *name, tl_cert **c, tl_key **k, tl_err *e);
int tl_store_identity_save(tl_store *s, const char *purpose, const char *name,
			   const tl_cert *c, const tl_key *k, tl_err *e);
/* Fault injection for the crash-safety tests: 1 stops after the new key is
 * written, 2 after the replacement is committed but before it is applied. */
extern int tl_store_fault;

/* Trust stores: trust/<store>/<name>.pem, one certificate per file. */
typedef struct tl_trusted {
	char name[128];
	tl_cert *cert;
} tl_trusted;
int tl_store_trust_list(const tl_store *s, const char *store, tl_trusted **out,
			size_t *n, tl_err *e);
void tl_store_trust_free(tl_trusted *t, size_t n);
int tl_store_trust_put(tl_store *s, const char *store, const char *name,
		       const tl_cert *c, tl_err *e);
int tl_store_trust_remove(tl_store *s, const char *store, const char *name,
			  tl_err *e);
/* A file name for a certificate in a store: its CN made safe. */
/* The SHA-256 of c's DER in lowercase hex; "" for NULL. */
void tl_store_fingerprint(const tl_cert *c, char out[65]);
void tl_store_trust_name(const tl_cert *c, char *out, size_t n);

/* Other files of the directory (tftpboot/, CSRs), written atomically. */
int tl_store_write(tl_store *s, const char *rel, const void *buf, size_t len,
		   int mode, tl_err *e);

/* A change of several rows of the database made all or nothing: its
 * audit rows, the state it sets and the generation bump are committed
 * together by tl_store_end when rc is 0, else rolled back (the files are
 * the caller's to put back). tl_store_end returns 0 only when committed. */
int tl_store_begin(tl_store *s, tl_err *e);
int tl_store_end(tl_store *s, int rc, tl_err *e);

/* The audit log: one row per change. old/new may be NULL. */
int tl_store_audit(tl_store *s, const char *action, const char *object,
		   const tl_cert *old_cert, const tl_cert *new_cert, tl_err *e);
/* Small persistent state (key -> text) and the generation counter servers
 * watch to know when to reload. */
int tl_store_get(tl_store *s, const char *key, char *val, size_t n);
int tl_store_set(tl_store *s, const char *key, const char *val, tl_err *e);
int tl_store_bump(tl_store *s, tl_err *e);
long tl_store_generation(tl_store *s);
/* The generation from the file copy in dir, cheap enough to poll. */
long tl_store_read_generation(const char *dir);

/* Runs fn for every audit row, oldest first. */
typedef void (*tl_audit_fn)(void *arg, long ts, const char *user,
			    const char *action, const char *object,
			    const char *old_sha256, const char *new_sha256);
int tl_store_audit_each(tl_store *s, tl_audit_fn fn, void *arg, tl_err *e);

#endif

/* What tftpd serves, over TFTP and HTTP alike: a table of names (matched
 * case-insensitively, as phones expect) to bytes held in memory. Built at
 * start and on every reload from the generated files (a generator fills
 * them first, so they win over a static file of the same name) and the
 * static files of the data directory's tftpboot/, each of them also signed
 * as X.sgn when [tftp] sign_static is set. Keys and certs/ are never
 * served, and no name escapes tftpboot/. */
#ifndef TL_TFTP_NAMESPACE_H
#define TL_TFTP_NAMESPACE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "store.h"

typedef struct tl_tftp_file {
	const uint8_t *data;
	size_t len;
	void *ref;
	const char *why;	/* not found: why the file is not served, or NULL;
				 * valid until the next lookup or swap */
} tl_tftp_file;

typedef struct tl_tftp_ns tl_tftp_ns;
/* One generation of the namespace, while it is being built. */
typedef struct tl_tftp_table tl_tftp_table;

/* Adds name -> data[0..len) to a table being built, taking data (malloc'ed;
 * freed here on failure too). A name already present keeps its first
 * bytes and returns 0. */
int tl_tftp_table_add(tl_tftp_table *t, const char *name, uint8_t *data,
		      size_t len, tl_err *e);

/* Notes that a file of this name cannot be made (a device whose
 * configuration failed to render): it is not served, and a request for it
 * is told why. A name already present stays as it is. */
int tl_tftp_table_missing(tl_tftp_table *t, const char *name, const char *why,
			  tl_err *e);

/* Adds to t the file of this name that prev serves, sharing its bytes:
 * 0 shared, 1 prev has no such file, -1 error. */
int tl_tftp_table_share(tl_tftp_table *t, const tl_tftp_table *prev,
			const char *name, tl_err *e);

/* What a generator remembers of the table it filled, freed with it: the
 * next generation reads it from prev to know which files it can share. */
void tl_tftp_table_set_memo(tl_tftp_table *t, void *memo, void (*free_fn)(void *));
const void *tl_tftp_table_memo(const tl_tftp_table *t);
/* Nonzero once the build filling t should give up (tl_tftp_ns_cancel). */
int tl_tftp_table_cancelled(const tl_tftp_table *t);

/* Fills the generated part of a new table t, from the opened store; prev is
 * the table being served (NULL at start), whose unchanged files can be
 * shared instead of made again. It may run on a thread other than the one
 * serving prev; it reads prev and changes nothing of it. */
typedef int (*tl_tftp_gen_fn)(void *arg, tl_store *s, const tl_tftp_table *prev,
			      tl_tftp_table *t, tl_err *e);

/* Builds the namespace of data directory dir, configured by conf_path
 * (NULL: dir's trustline.conf, re-read at each reload); node (NULL: [tftp]
 * node) names the TFTP node whose keys sign. gen may be NULL. */
tl_tftp_ns *tl_tftp_ns_open(const char *dir, const char *conf_path,
			    const char *node, tl_tftp_gen_fn gen, void *arg,
			    tl_err *e);
void tl_tftp_ns_free(tl_tftp_ns *ns);
/* The data directory is dir from now on (after a chroot into it: "/"). */
int tl_tftp_ns_rebase(tl_tftp_ns *ns, const char *dir, tl_err *e);

/* Resolves a requested name: 0 found, -1 not found (TFTP error 1, HTTP
 * 404; out->why set for a file that could not be made), -2 forbidden (error 2, HTTP 403), -3 out of memory (error 3, HTTP
 * 503). The data stays valid until tl_tftp_ns_release(ns, file), across
 * reloads too. Both on the serving thread only. */
int tl_tftp_ns_lookup(tl_tftp_ns *ns, const char *name, tl_tftp_file *out);
void tl_tftp_ns_release(tl_tftp_ns *ns, tl_tftp_file *f);
/* A reload (SIGHUP, or a changed generation) in two halves, so the long
 * one can run off the serving thread: tl_tftp_ns_build makes the next
 * table from the data directory, reading the one served and changing
 * nothing of it (NULL on failure, with e saying why: the namespace being
 * served stays); tl_tftp_ns_swap then serves it. One build at a time. */
typedef struct tl_tftp_next tl_tftp_next;
/* Opens the data directory's store now, for every later build to read
 * through: called before privileges are dropped, in the process that
 * reloads (an SQLite handle does not survive fork). */
int tl_tftp_ns_keep_store(tl_tftp_ns *ns, tl_err *e);
/* That store, or NULL before tl_tftp_ns_keep_store (/metrics reads the
 * alarms through it). */
tl_store *tl_tftp_ns_store(tl_tftp_ns *ns);
tl_tftp_next *tl_tftp_ns_build(tl_tftp_ns *ns, tl_err *e);
void tl_tftp_ns_swap(tl_tftp_ns *ns, tl_tftp_next *n);
/* Makes a build in progress, and every later one, give up soon and fail
 * (the server is stopping). */
void tl_tftp_ns_cancel(tl_tftp_ns *ns);

/* The store's generation read at the start of the last (re)load. */
long tl_tftp_ns_generation(const tl_tftp_ns *ns);
/* The configuration read at the last (re)load. */
const tl_conf *tl_tftp_ns_conf(const tl_tftp_ns *ns);
/* Files and bytes being served, and the bytes held for them (small files
 * are kept deflated). */
void tl_tftp_ns_stats(const tl_tftp_ns *ns, size_t *files, uint64_t *bytes,
		      uint64_t *held);

#endif

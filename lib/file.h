/* Whole-file reads and atomic writes. */
#ifndef TL_FILE_H
#define TL_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define TL_FILE_MAX (64u << 20)	/* largest input any trustline parser reads */

/* Reads a whole file of at most max bytes; *buf is malloc'ed, with a NUL
 * after the last byte so text parsers may use it as a string. */
int tl_read_file(const char *path, size_t max, uint8_t **buf, size_t *len,
		 tl_err *e);
/* Opens path now, and from then on tl_read_file(path) reads it through
 * that descriptor: a daemon about to chroot keeps the files outside the
 * new root it reads again at each reload. An edit made in place is seen;
 * a file replaced (written anew and renamed over, as most editors do) is
 * not: the descriptor still reads the old one. */
int tl_file_keep(const char *path, tl_err *e);
/* 1 when path is kept and the file read through it is no longer in any
 * directory (replaced or removed since tl_file_keep). */
int tl_file_replaced(const char *path);

/* Writes a file atomically: a temporary file beside it, fsync, rename, fsync
 * of the directory. A crash leaves either the old file or the new one. */
int tl_write_file(const char *path, const void *buf, size_t len, int mode,
		  tl_err *e);

/* Makes path and the directories above it (mode 0755) that are missing. */
int tl_mkdirs(const char *path, tl_err *e);
/* Makes the renames and creations inside dir durable. */
void tl_fsync_dir(const char *dir);
/* Writes a file the user named (-o FILE): a regular file (or a new one) is
 * replaced atomically as by tl_write_file; a character device, FIFO or
 * socket is written to as it is, never replaced (-o /dev/null, a pipe); a
 * symbolic link is followed and the file it names replaced, the link
 * staying a link. A directory or a dangling link is an error. */
int tl_write_output(const char *path, const void *buf, size_t len, int mode,
		    tl_err *e);

#endif

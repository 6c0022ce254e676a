/* Shared by the `trustline` subcommands. */
#ifndef TL_CLI_H
#define TL_CLI_H

#include <stdint.h>

#include "err.h"
#include "x509.h"

/* Exit codes: the file is valid / it is invalid or the request was refused /
 * the command line was wrong or an input could not be read. */
enum { EXIT_VALID = 0, EXIT_INVALID = 1, EXIT_USAGE = 2 };

/* Each group's entry point: argv[0] is the group name. */
int cmd_cluster(int argc, char **argv);
int cmd_cert(int argc, char **argv);
int cmd_itl(int argc, char **argv);
int cmd_ctl(int argc, char **argv);
int cmd_sgn(int argc, char **argv);

/* Prints "trustline: <msg>" to stderr and returns code. */
int cli_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints "trustline: <e->msg>" and returns code. */
int cli_fail(int code, const tl_err *e);
/* "see `trustline GROUP VERB --help`" after a usage error; returns 2. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Loads a signer: certificate from cert_path, key from key_path or, when
 * NULL, from the same file. */
int cli_load_signer(const char *cert_path, const char *key_path, tl_cert **c,
		    tl_key **k, tl_err *e);
/* "sha1" / "sha512" (and "sha256") into a header hash algorithm, or -1. */
int cli_digest(const char *s);
/* Signing time: SOURCE_DATE_EPOCH when set (reproducible builds and golden
 * vectors), else now. */
uint32_t cli_timestamp(void);
/* The base name of a path. */
const char *cli_basename(const char *path);
/* Writes out atomically (mode 0644) to path, or to stdout when path is "-". */
int cli_write(const char *path, const void *buf, size_t len, tl_err *e);

#endif

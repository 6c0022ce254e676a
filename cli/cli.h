/* Shared by the `trustline` subcommands. */
#ifndef TL_CLI_H
#define TL_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "json.h"
#include "signedfile.h"
#include "store.h"
#include "x509.h"

/* Exit codes: the file is valid / it is invalid or the request was refused /
 * the command line was wrong or an input could not be read. */
enum { EXIT_VALID = 0, EXIT_INVALID = 1, EXIT_USAGE = 2 };
/* cert monitor: the worst alarm raised */
enum { EXIT_ALARM_WARNING = 3, EXIT_ALARM_CRITICAL = 4 };

/* Each group's entry point: argv[0] is the group name. */
int cmd_cluster(int argc, char **argv);
int cmd_cert(int argc, char **argv);
int cmd_device(int argc, char **argv);
int cmd_itl(int argc, char **argv);
int cmd_ctl(int argc, char **argv);
int cmd_sgn(int argc, char **argv);
int cmd_enc(int argc, char **argv);
int cmd_capf(int argc, char **argv);
int cmd_tvs(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_admin(int argc, char **argv);
/* `cert revocation ...` (cli/revocation.c); argv[0] is "revocation". */
int cli_cert_revocation(int argc, char **argv);
/* For `cert show`: the stored revocation verdict of c, when the data
 * directory has one, as a "Revocation:" line. */
void cli_rev_show(const tl_cert *c, const char *data_dir);
/* The same verdict as a JSON object (status, method, source, detail,
 * checked). */
json_t *cli_rev_json(const tl_cert *c, const char *data_dir);
/* `trustline GROUP VERB ... --help` (argv[1] GROUP): prints that
 * subcommand's synopsis and paragraph from the group's usage and returns
 * 0, or -1 when the verb prints its own (cli/help.c). */
int cli_verb_help(const char *group, int (*fn)(int, char **), int argc, char **argv);
/* `cluster join` and `cluster status` (cli/clusternode.c); --password
 * refused, saying where a password goes instead (returns EXIT_USAGE). */
int cli_no_password(const char *cmd);
int cli_cluster_join(const char *cmd, void (*help)(FILE *), int argc, char **argv);
int cli_cluster_status(const char *cmd, void (*help)(FILE *), int argc,
		       char **argv);
/* `cluster security-mode`, argv[0] the verb (cli/secmode.c). */
int cli_security_mode(int argc, char **argv);

/* A group's subcommands. Each gets "GROUP VERB" for its messages and the
 * group's usage for --help; argv[0] is the verb. */
typedef int (*cli_verb_fn)(const char *cmd, void (*help)(FILE *), int argc,
			   char **argv);
typedef struct cli_verb {
	const char *name;
	cli_verb_fn fn;
} cli_verb;
/* Runs the verb argv[1] of a group; none, --help or -h print the usage. */
int cli_dispatch(const char *group, void (*help)(FILE *), const cli_verb *verbs,
		 size_t n, int argc, char **argv);

/* Prints "trustline: <msg>" to stderr and returns code. */
int cli_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints "trustline: <e->msg>" and returns code. */
int cli_fail(int code, const tl_err *e);
/* "see `trustline GROUP VERB --help`" after a usage error; returns 2. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* --data-dir DIR and --help: the options of every command that works on a
 * data directory. Their getopt_long entries, to end a command's table
 * (before its terminator). */
#define CLI_STORE_OPTIONS \
	{ "data-dir", required_argument, 0, 'D' }, \
	{ "help", no_argument, 0, 'h' }
/* For the default case of a command's option switch: --data-dir sets *dir
 * and returns -1 (go on); --help prints help and returns 0; any other
 * option is a usage error, printed, and returns EXIT_USAGE. */
int cli_store_opt(int c, const char *arg, const char **dir,
		  void (*help)(FILE *), const char *cmd);
/* The options of a command that reads a data directory and may print
 * JSON, nothing else: [--json] [--data-dir DIR] [--help]. Opens the store
 * into s and returns -1 to go on; else the exit code (help printed, or a
 * usage error). */
int cli_json_store_args(const char *cmd, void (*help)(FILE *), int argc,
			char **argv, int *json, tl_store *s);
/* Opens the data directory dir (NULL: $TRUSTLINE_DATA_DIR, else the
 * default) and completes a change a crash interrupted, reporting on stderr;
 * 0, or EXIT_USAGE after printing why not. */
int cli_open_store(tl_store *s, const char *dir);

/* --signer PEM [--signer-key KEY] [--digest sha1|sha512]: the options of
 * every command that signs. */
typedef struct cli_signing {
	const char *signer;	/* certificate, and the key unless key is set */
	const char *key;
	int hash;		/* TL_HASH_SHA1 (the default) or TL_HASH_SHA512 */
} cli_signing;
/* Their getopt_long entries, to splice into a command's table. */
#define CLI_SIGNING_OPTIONS \
	{ "signer", required_argument, 0, 's' }, \
	{ "signer-key", required_argument, 0, 'k' }, \
	{ "digest", required_argument, 0, 'd' }
/* For the default case of a command's option switch: takes c when it is
 * one of those and returns 0; otherwise (another option, a bad digest)
 * prints the usage error and returns EXIT_USAGE. */
int cli_signing_opt(cli_signing *s, int c, const char *arg, const char *cmd);

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

/* Reads and parses a signed file; *buf is the caller's to free (also the
 * header's storage). On failure nothing is left to free. */
int cli_load_sfile(const char *path, uint8_t **buf, size_t *len, tl_sfile *h,
		   tl_err *e);
/* A default output name: path less its suffix, malloc'ed; NULL when path
 * does not end in suffix (or is nothing but it). */
char *cli_strip_suffix(const char *path, const char *suffix);
/* The verbs `verify FILE (--cert PEM | --trust LIST) [--json]` and `show
 * FILE [--json]` for any signed file (.sgn, .enc.sgn): the same rules
 * whichever group runs them. */
int cli_sfile_verify(const char *cmd, void (*help)(FILE *), int argc,
		     char **argv);
int cli_sfile_show(const char *cmd, void (*help)(FILE *), int argc,
		   char **argv);

#endif

/* The subcommands of `trustline cert` that live outside cert.c, which
 * dispatches to them: certreq.c (generate, csr, import), certcheck.c
 * (check, monitor), certtrust.c (trust, export-bulk, import-bulk). Each is
 * a cli_verb_fn. */
#ifndef TL_CLI_CERTCMD_H
#define TL_CLI_CERTCMD_H

#include <stddef.h>
#include <stdio.h>

#include "cli.h"

int cli_cert_generate(const char *cmd, void (*help)(FILE *), int argc,
		      char **argv);
int cli_cert_csr(const char *cmd, void (*help)(FILE *), int argc, char **argv);
int cli_cert_import(const char *cmd, void (*help)(FILE *), int argc,
		    char **argv);
int cli_cert_check(const char *cmd, void (*help)(FILE *), int argc, char **argv);
int cli_cert_monitor(const char *cmd, void (*help)(FILE *), int argc,
		     char **argv);
int cli_cert_trust(const char *cmd, void (*help)(FILE *), int argc, char **argv);
/* export-bulk and import-bulk: argv[0] is which. */
int cli_cert_bulk(const char *cmd, void (*help)(FILE *), int argc, char **argv);

/* The most chain certificates import and check take, from every --chain
 * file (and the CERT) together. */
#define CLI_CERT_CHAIN_MAX 32
/* Appends every certificate of a --chain file (PEM bundle, DER, PKCS#7). */
int cli_cert_chain_add(const char *path, tl_cert **chain, size_t *n, tl_err *e);

/* cert import's arguments, read by cli_import_args (plan cert import's
 * too, json then accepting --json): a negative return to go on, else the
 * exit status. cli_import_args_free frees the certificates. */
typedef struct cli_import {
	const char *purpose, *node, *dir;
	tl_cert *cert, *chain[CLI_CERT_CHAIN_MAX];
	size_t nchain;
	int json;
} cli_import;
int cli_import_args(const char *cmd, void (*help)(FILE *), int argc, char **argv,
		    int json, cli_import *a);
void cli_import_args_free(cli_import *a);

/* cert generate's gate (cli/plan.c): without --force, the change is
 * planned first, and when it would strand phones the plan is printed and
 * EXIT_INVALID returned (nothing changed); 0 to go on. */
struct tl_genopts;
int cli_plan_gate(tl_store *s, const struct tl_genopts *o);

#endif

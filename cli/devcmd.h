/* What the `trustline device` subcommands share: device.c (the database
 * rows, and the group's usage and dispatch) and devcapf.c (the CAPF
 * operations). */
#ifndef TL_CLI_DEVCMD_H
#define TL_CLI_DEVCMD_H

#include <stdio.h>

#include "cli.h"
#include "devdb.h"
#include "json.h"

/* After "not in the device database" where the command needs a row. */
#define CLI_DEVICE_ADD_HINT ": add it with `trustline device add`"

/* For subcommands that take no device options: --data-dir, --help and,
 * where json is given, --json. -1 when they all apply, else the exit
 * status (after --help, 0). */
int cli_device_options(const char *cmd, void (*help)(FILE *), int argc,
		       char **argv, const char **dir, int *json);
/* The device name that comes first: -1 when it is there and valid, else
 * the exit status (after --help, 0). */
int cli_device_arg(const char *cmd, void (*help)(FILE *), int argc,
		   char **argv, char name[16]);
/* The device name from the database: 0, else the exit status after the
 * message (hint follows the one for an unknown name). */
int cli_device_get(tl_store *s, const char *name, tl_device *d,
		   const char *hint);
/* What list, show and capf-status print: fn for the device arg names, or
 * for every device when arg is NULL, with the data directory dir open in
 * *s while fn runs. With --json, fn appends one object to all, printed
 * here: that object for a name, the array for every device. An unknown or
 * bad name is refused. Returns the exit status. */
int cli_device_each(tl_store *s, const char *dir, const char *arg, tl_dev_fn fn,
		    void *ctx, json_t *all);

/* 0 when key is one a CAPF operation may make ("rsa:2048", "ec:256"),
 * else a usage error of cmd (its exit status). */
int cli_capf_key_check(const char *cmd, const char *key);
int cli_device_capf(const char *cmd, void (*help)(FILE *), int argc,
		    char **argv);
int cli_device_capf_status(const char *cmd, void (*help)(FILE *), int argc,
			   char **argv);
int cli_device_trust_state(const char *cmd, void (*help)(FILE *), int argc,
			   char **argv);
int cli_device_lsc(const char *cmd, void (*help)(FILE *), int argc, char **argv);

#endif

/* What the phone-sim commands share: the usage, the exit status, the
 * messages, and each command's entry point (argv[0] is the command). */
#ifndef TL_PHONESIM_H
#define TL_PHONESIM_H

#include <stdarg.h>
#include <stdio.h>

enum { EXIT_OK = 0, EXIT_REFUSED = 1, EXIT_ERROR = 2 };

/* -v and --json, as the command line set them. */
extern int tl_sim_verbose, tl_sim_json;

void tl_sim_usage(FILE *f);
/* "phone-sim: ..." on standard error; returns code. */
int tl_sim_fail(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The same, "who: ...". */
int tl_sim_vfail(int code, const char *who, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
/* -v: what the phone does on the network, between its decisions. */
void tl_sim_progress(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
/* The options of a command that takes only --state (and --json when
 * allow_json): -1 to go on, else the exit status to return. */
int tl_sim_state_only(int argc, char **argv, const char *cmd,
		      const char **state, int allow_json);

int tl_sim_boot(int argc, char **argv);		/* boot.c */
int tl_sim_show(int argc, char **argv);		/* showstate.c */
int tl_sim_erase(int argc, char **argv);	/* erase.c */
int tl_sim_connect(int argc, char **argv);	/* connect.c */
int tl_sim_mic(int argc, char **argv);		/* mic.c */

#endif

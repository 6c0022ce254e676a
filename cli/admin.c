/* trustline admin: the accounts that may log in to trustline-web. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "cli.h"

static void usage(FILE *f)
{
	fputs(
"usage: trustline admin add USER [--data-dir DIR]\n"
"       trustline admin passwd USER [--data-dir DIR]\n"
"       trustline admin remove USER [--data-dir DIR]\n"
"       trustline admin list [--json] [--data-dir DIR]\n"
"\n"
"The accounts of the administration web page, trustline-web(8).\n"
"\n"
"add       creates an account; the password (8 characters or more) is read\n"
"          from standard input: asked twice, not echoed, on a terminal, else\n"
"          the first line. Only its salted PBKDF2-HMAC-SHA256 hash is kept.\n"
"passwd    sets a new password the same way, and unlocks the account.\n"
"remove    deletes the account; its open web sessions end at their next request.\n"
"list      prints every account with its wrong-password count and, after\n"
"          10 wrong passwords in a row, until when it is locked.\n", f);
}

static int read_line(const char *prompt, char *buf, size_t n)
{
	size_t len;

	if (prompt)
		fputs(prompt, stderr);
	if (fgets(buf, (int)n, stdin) == NULL)
		return -1;
	len = strlen(buf);
	if (len && buf[len - 1] == '\n')
		buf[--len] = 0;
	if (prompt)
		fputc('\n', stderr);
	return 0;
}

/* The password from standard input, asked twice without echo on a tty. */
static int read_password(char *pw, size_t n)
{
	struct termios old, quiet;
	char again[256];
	int tty = isatty(0) && tcgetattr(0, &old) == 0, rc;

	if (!tty)
		return read_line(NULL, pw, n) ? cli_error(EXIT_USAGE, "give the password "
						"on standard input") : 0;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(0, TCSAFLUSH, &quiet);
	rc = read_line("Password: ", pw, n) || read_line("Again: ", again, sizeof(again));
	tcsetattr(0, TCSAFLUSH, &old);
	if (rc)
		return cli_error(EXIT_USAGE, "no password given");
	if (strcmp(pw, again))
		return cli_error(EXIT_USAGE, "the passwords differ: run the command again");
	return 0;
}

static int list_one(void *arg, const tl_account *a)
{
	json_t *arr = arg, *o;
	char when[32] = "-";
	struct tm tm;

	if (arr) {
		o = json_object();
		json_object_set_new(o, "name", json_string(a->name));
		json_object_set_new(o, "failures", json_integer(a->failures));
		json_object_set_new(o, "locked_until", tl_json_time(a->locked_until > time(NULL) ?
								    a->locked_until : 0));
		json_object_set_new(o, "created", tl_json_time(a->created));
		json_object_set_new(o, "updated", tl_json_time(a->updated));
		json_array_append_new(arr, o);
		return 0;
	}
	if (a->locked_until > time(NULL))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ",
			 gmtime_r(&a->locked_until, &tm));
	printf("%-24s %8d  %s\n", a->name, a->failures, when);
	return 0;
}

static int run(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, 0, 'j' },
		CLI_STORE_OPTIONS,
		{ 0, 0, 0, 0 },
	};
	const int list = !strcmp(argv[0], "list");
	const char *dir = NULL, *user = NULL;
	char pw[256];
	int json = 0, c, rc;
	json_t *arr = NULL;
	tl_store s;
	tl_err e;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'j' && list)
			json = 1;
		else if (c == 'j')
			return cli_usage(cmd, "--json belongs to list");
		else if ((rc = cli_store_opt(c, optarg, &dir, help, cmd)) >= 0)
			return rc;
	}
	if (list ? optind != argc : optind + 1 != argc)
		return cli_usage(cmd, list ? "list takes no argument" : "give one USER");
	if (!list) {
		user = argv[optind];
		if (tl_account_name_ok(user, &e))
			return cli_fail(EXIT_USAGE, &e);
	}
	if (strcmp(argv[0], "add") == 0 || strcmp(argv[0], "passwd") == 0) {
		if ((rc = read_password(pw, sizeof(pw))) != 0)
			return rc;
	}
	if (cli_open_store(&s, dir))
		return EXIT_USAGE;
	if (list) {
		arr = json ? json_array() : NULL;
		if (!json)
			printf("%-24s %8s  %s\n", "USER", "FAILURES", "LOCKED UNTIL");
		rc = tl_account_each(&s, list_one, arr, &e);
		if (rc == 0 && json)
			tl_json_print(json_incref(arr));
		json_decref(arr);
	} else if (!strcmp(argv[0], "add")) {
		rc = tl_account_add(&s, user, pw, &e);
	} else if (!strcmp(argv[0], "passwd")) {
		rc = tl_account_passwd(&s, user, pw, &e);
	} else {
		rc = tl_account_remove(&s, user, &e);
	}
	memset(pw, 0, sizeof(pw));
	tl_store_close(&s);
	if (rc)
		return cli_fail(EXIT_INVALID, &e);
	if (!list)
		printf("%s %s\n", !strcmp(argv[0], "add") ? "added" :
		       !strcmp(argv[0], "passwd") ? "password changed for" : "removed", user);
	return 0;
}

int cmd_admin(int argc, char **argv)
{
	static const cli_verb verbs[] = {
		{ "add", run }, { "passwd", run }, { "remove", run }, { "list", run },
	};

	return cli_dispatch("admin", usage, verbs, sizeof(verbs) / sizeof(verbs[0]),
			    argc, argv);
}

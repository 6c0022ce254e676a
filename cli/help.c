/* `trustline GROUP VERB --help`: that subcommand's part of the group's
 * usage (its synopsis and its paragraph), not the whole group's. The
 * group's text stays the one source; this only selects from it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Verbs with a usage of their own, printed by the verb itself. */
static const char *const own_usage[] = { "revocation", "security-mode" };

static int wants_help(int argc, char **argv)
{
	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			return 0;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	}
	return 0;
}

/* The group's --help, as its command prints it. glibc documents stdout as
 * an ordinary variable that may be set, which keeps every group's usage
 * function private to its file. */
static char *group_help(int (*fn)(int, char **), const char *group)
{
	char *text = NULL, *args[] = { (char *)group, "--help", NULL };
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len), *saved = stdout;

	if (mem == NULL)
		return NULL;
	fflush(stdout);
	stdout = mem;
	fn(2, args);
	stdout = saved;
	fclose(mem);
	return text;
}

static int indented(const char *line)
{
	return line[0] == ' ' || line[0] == '\t';
}

/* Whether a synopsis line names "trustline GROUP WORDS" (then a space or
 * its end). */
static int names(const char *line, const char *key)
{
	const char *p = strstr(line, key);

	return p && (p[strlen(key)] == ' ' || p[strlen(key)] == '\n' ||
		     p[strlen(key)] == 0);
}

static void print_excerpt(char *text, const char *group, const char *verb,
			  const char *key, FILE *out)
{
	char *lines[512];
	size_t n = 0;
	int first = 1, printed = 0;

	size_t synopsis;

	/* strsep keeps the empty lines: they end the synopsis and paragraphs */
	for (char *l; (l = strsep(&text, "\n")) != NULL && n < 512;)
		lines[n++] = l;
	for (synopsis = 0; synopsis < n && lines[synopsis][0]; synopsis++)
		;
	/* the synopsis: each entry naming key, with its continuation lines */
	for (size_t i = 0; i < synopsis; i++) {
		if (!strstr(lines[i], "trustline ") || !names(lines[i], key))
			continue;
		fprintf(out, "%s%s\n", first ? "usage: " : "       ", strstr(lines[i], "trustline "));
		first = 0;
		for (size_t j = i + 1; j < synopsis && indented(lines[j]) &&
		     !strstr(lines[j], "trustline "); j++)
			fprintf(out, "%s\n", lines[j]);
	}
	/* the paragraph that starts with the verb */
	for (size_t i = 0; i < n && !printed; i++) {
		size_t vl = strlen(verb);

		if (strncmp(lines[i], verb, vl) || (lines[i][vl] != ' ' && lines[i][vl] != 0))
			continue;
		fprintf(out, "\n%s\n", lines[i]);
		/* an indented block ("check     names...") or a prose paragraph */
		for (size_t j = i + 1; j < n && lines[j][0]; j++) {
			if (!indented(lines[j]) && i + 1 < n && indented(lines[i + 1]))
				break;
			fprintf(out, "%s\n", lines[j]);
		}
		printed = 1;
	}
	fprintf(out, "\n`trustline %s --help` describes every %s subcommand and the options "
		"they share.\n", group, group);
}

int cli_verb_help(const char *group, int (*fn)(int, char **), int argc, char **argv)
{
	char key[128], *text;

	if (argc < 3 || argv[2][0] == '-' || !wants_help(argc, argv))
		return -1;
	for (size_t i = 0; i < sizeof(own_usage) / sizeof(own_usage[0]); i++)
		if (!strcmp(argv[2], own_usage[i]))
			return -1;
	if ((text = group_help(fn, group)) == NULL)
		return -1;
	/* two words when the group has them ("cert trust add") */
	snprintf(key, sizeof(key), "trustline %s %s %s", group, argv[2],
		 argc > 3 && argv[3][0] != '-' ? argv[3] : "");
	if (argc <= 3 || argv[3][0] == '-' || !strstr(text, key))
		snprintf(key, sizeof(key), "trustline %s %s", group, argv[2]);
	if (!strstr(text, key)) {
		free(text);
		return -1;
	}
	print_excerpt(text, group, key + strlen("trustline ") + strlen(group) + 1, key,
		      stdout);
	free(text);
	return 0;
}

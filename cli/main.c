/* trustline: the administrator's command. */
#include <stdio.h>
#include <string.h>

#include "buildinfo.h"
#include "cli.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
} groups[] = {
	{ "cluster", cmd_cluster, "create a cluster's data directory, certificates and ITL" },
	{ "cert", cmd_cert, "list, show, export and regenerate the cluster's certificates" },
	{ "device", cmd_device, "add, change, list and import phones in the device database" },
	{ "itl", cmd_itl, "build, show and verify Identity Trust Lists (ITLFile.tlv)" },
	{ "ctl", cmd_ctl, "build, show and verify Certificate Trust Lists (CTLFile.tlv)" },
	{ "sgn", cmd_sgn, "sign any file as .sgn, verify, show, strip" },
	{ "enc", cmd_enc, "build, decrypt and show encrypted configurations (.enc.sgn)" },
	{ "capf", cmd_capf, "enroll with capfd as a phone does (LSC install, fetch, delete)" },
	{ "tvs", cmd_tvs, "ask a TVS server to verify a certificate or find one, as a phone does" },
	{ "plan", cmd_plan, "what a change would do to every phone, before it is made" },
	{ "admin", cmd_admin, "add, remove and list the accounts of the web page (trustline-web)" },
};

static void usage(FILE *f)
{
	fputs("usage: trustline COMMAND SUBCOMMAND [OPTIONS]\n\n"
	      "The trust and provisioning tool of a Cisco-style IP telephony "
	      "cluster.\n\nCommands:\n", f);
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		fprintf(f, "  %-8s %s\n", groups[i].name, groups[i].help);
	fputs("\n`trustline COMMAND --help` lists a command's subcommands.\n"
	      "Exit status: 0 valid, 1 invalid or refused, 2 usage error or "
	      "unreadable input.\n", f);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		tl_print_version("trustline");
		return 0;
	}
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (strcmp(argv[1], groups[i].name) == 0)
			return cli_verb_help(groups[i].name, groups[i].fn, argc, argv) == 0 ? 0 :
			       groups[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "trustline: unknown command \"%s\"\n\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}

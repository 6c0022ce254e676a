/* phone-sim: one simulated phone booting against the real servers
 * (docs/phone-trust.md), or a fleet of them. The decisions are
 * phonetrust.c's; each command is a file of its own (phonesim.h), and this
 * one only picks the command. */
#include <string.h>

#include "buildinfo.h"
#include "fleet.h"
#include "phonesim.h"

int main(int argc, char **argv)
{
	static const struct { const char *name; int (*fn)(int, char **); } cmds[] = {
		{ "boot", tl_sim_boot }, { "show", tl_sim_show },
		{ "erase-trust", tl_sim_erase }, { "connect", tl_sim_connect },
		{ "mic", tl_sim_mic }, { "fleet", tl_fleet_cmd },
	};

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		tl_sim_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_ERROR : EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		tl_print_version("phone-sim");
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	return tl_sim_fail(EXIT_ERROR, "unknown command %s (see --help)",
			   argv[1]);
}

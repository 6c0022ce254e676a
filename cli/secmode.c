/* trustline cluster security-mode [mixed|non-secure] */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "pki.h"
#include "fromstore.h"
#include "store.h"
#include "trustlist.h"

static void usage(FILE *f)
{
	fputs(
"usage: trustline cluster security-mode [mixed|non-secure] [--data-dir DIR]\n"
"\n"
"Without an argument, shows the cluster's security mode and the CTL it serves.\n"
"mixed       sets mixed_mode = true in trustline.conf, builds tftpboot/CTLFile.tlv\n"
"            (signed by the publisher's CallManager key) and serves it.\n"
"non-secure  sets mixed_mode = false and stops serving CTLFile.tlv; phones that\n"
"            hold a CTL keep it until their trust lists are erased.\n"
"Either says what phones will do. Exit status: 0 done, 1 refused, 2 usage.\n",
	      f);
}

static int show(tl_store *s)
{
	char path[1200];
	tl_tlist l;
	tl_err e;
	size_t signer;

	printf("security mode: %s\n", s->conf.mixed_mode ? "mixed" : "non-secure");
	if (tl_store_path(s, path, sizeof(path), "tftpboot/CTLFile.tlv") ||
	    access(path, F_OK) != 0) {
		printf("CTLFile.tlv: not served%s\n", s->conf.mixed_mode ?
		       " (run `trustline ctl rebuild`)" : "");
		return 0;
	}
	if (tl_tlist_load(&l, path, &e))
		return cli_fail(EXIT_INVALID, &e);
	printf("CTLFile.tlv: served, %zu records", l.nrec);
	if (tl_tlist_verify(&l, NULL, &signer, &e) == 0)
		printf(", signed by %s\n", tl_record_name(&l.rec[signer]));
	else
		printf(", not verifying: %s\n", e.msg);
	if (!s->conf.mixed_mode)
		puts("warning: served although the cluster is non-secure: run "
		     "`trustline cluster security-mode non-secure`");
	tl_tlist_free(&l);
	return 0;
}

int cli_security_mode(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_STORE_OPTIONS,
		{ 0, 0, 0, 0 },
	};
	const char *cmd = "cluster security-mode", *dir = NULL;
	int c, rc, mixed_on = -1;
	tl_store s;
	tl_err e;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1)
		if ((rc = cli_store_opt(c, optarg, &dir, usage, cmd)) >= 0)
			return rc;
	if (optind + 1 < argc)
		return cli_usage(cmd, "unexpected argument \"%s\"", argv[optind + 1]);
	if (optind < argc) {
		if (strcmp(argv[optind], "mixed") == 0)
			mixed_on = 1;
		else if (strcmp(argv[optind], "non-secure") == 0)
			mixed_on = 0;
		else
			return cli_usage(cmd, "\"%s\": the mode is mixed or non-secure",
					 argv[optind]);
	}
	if (cli_open_store(&s, dir))
		return EXIT_USAGE;
	if (mixed_on < 0)
		rc = show(&s);
	else if (tl_ctl_set_mode(&s, mixed_on, stdout, &e))
		rc = cli_fail(EXIT_INVALID, &e);
	else
		rc = 0;
	tl_store_close(&s);
	return rc;
}

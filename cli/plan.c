/* `trustline plan ...`: what a change would do to every phone, planned on a
 * copy of the data directory (plan/plan.h), as text or --json; and the
 * gate `cert generate` passes first. */
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "capfdb.h"
#include "certcmd.h"
#include "cli.h"
#include "devcmd.h"
#include "fromstore.h"
#include "pki.h"
#include "plan.h"

static void usage(FILE *f)
{
	fputs(
"usage: trustline plan cert generate PURPOSE... [--node N] [--years N] [--force]\n"
"                                   [--json] [--data-dir DIR]\n"
"       trustline plan cert import PURPOSE FILE [--node N] [--chain FILE]...\n"
"                                   [--json] [--data-dir DIR]\n"
"       trustline plan device capf SEP... --operation install|delete|fetch|none\n"
"                                   [--key K] [--json] [--data-dir DIR]\n"
"       trustline plan ctl update [--json] [--data-dir DIR]\n"
"       trustline plan security-mode mixed|non-secure [--json] [--data-dir DIR]\n"
"\n"
"Plans a change without making it: the change runs, with the real command's\n"
"code, on a private copy of the data directory; what tftpd and tvsd would\n"
"then serve is rendered (ITLFile.tlv, CTLFile.tlv, every device's signed or\n"
"encrypted configuration, TVS's answers), and every device of the database\n"
"boots on it with phone-sim's own trust decisions, starting from what the\n"
"phone holds now (what the servers serve now, booted from an erased phone).\n"
"Phones are listed by outcome and reason. Nothing in the data directory\n"
"changes.\n"
"\n"
"cert generate  as `trustline cert generate`; several PURPOSEs are made one\n"
"               after the other without phones fetching between them. When\n"
"               that strands phones, the plan gives the first order of the\n"
"               steps, phones fetching the new files between them, that\n"
"               strands none. --force as cert generate's (the interval rule).\n"
"cert import    as `trustline cert import`: the CA-signed certificate FILE\n"
"               (its chain in FILE or --chain) replaces the node's identity\n"
"               of PURPOSE, whose CSR `trustline cert csr` made.\n"
"device capf    the operation scheduled as `trustline device capf` does; at\n"
"               its next boot a phone that takes its configuration and trusts\n"
"               the CAPF server does it, capfd records the LSC it issued (a\n"
"               key of --key, else the device's) or the one deleted, and the\n"
"               phone boots again on what is then served, holding that.\n"
"ctl update     as `trustline ctl update`.\n"
"security-mode  as `trustline cluster security-mode`.\n"
"\n"
"--json prints one object: the change, phones, stranded, groups (outcome,\n"
"reason, count, stranded, example), devices (device, model, before, after,\n"
"via_tvs, stranded, step, file, reason: null when absent), and order (null\n"
"when none is given).\n"
"\n"
"Exit status: 0 no phone would be stranded, 1 some phone would be (or the\n"
"change itself would be refused), 2 usage error or the plan could not be\n"
"made.\n", f);
}


static int step_ctl_update(tl_store *s, const void *arg, FILE *report, tl_err *e)
{
	(void)arg;
	return tl_ctl_update(s, report, e);
}

static int step_mode(tl_store *s, const void *arg, FILE *report, tl_err *e)
{
	return tl_ctl_set_mode(s, *(const int *)arg, report, e);
}

static int step_import(tl_store *s, const void *arg, FILE *report, tl_err *e)
{
	const cli_import *a = arg;

	return tl_pki_import(s, a->purpose, a->node, a->cert, a->chain, a->nchain,
			     report, e);
}

/* Where each phone's state before the change came from. */
static void print_sources(const tl_plan *p)
{
	for (size_t i = 0; i < p->nphones; i++) {
		const tl_plan_phone *ph = &p->phones[i];
		char when[32];
		struct tm tm;

		if (ph->recorded) {
			strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ",
				 gmtime_r(&ph->recorded, &tm));
			printf("before: %s recorded %s\n", ph->name, when);
		} else {
			printf("before: %s derived: %s\n", ph->name, ph->derived);
		}
	}
}

void cli_plan_print(const tl_plan *p, int json)
{
	if (json) {
		tl_json_print(tl_plan_json(p));
		return;
	}
	printf("plan:");
	for (size_t i = 0; i < p->nsteps; i++)
		printf("%s %s", i ? "," : "", p->steps[i].what);
	printf(" (on a copy: nothing changed)\n");
	printf("phones: %zu, stranded: %zu", p->nphones, p->stranded);
	if (p->unknown)
		printf(", unknown: %zu", p->unknown);
	printf("\n");
	for (size_t i = 0; i < p->ngroups; i++) {
		const tl_plan_group *g = &p->groups[i];

		printf("  %6zu  %s%s\n", g->count, g->outcome, g->count > 1 ? "" : "");
		if (g->reason[0])
			printf("          e.g. %s: %s\n", g->first, g->reason);
	}
	print_sources(p);
	if (p->have_order) {
		printf("safe order: %s", p->steps[p->order[0]].what);
		for (size_t i = 1; i < p->nsteps; i++)
			printf(", wait for every phone to fetch the new files (a reset or "
			       "reboot), then %s", p->steps[p->order[i]].what);
		printf("\n");
	} else if (p->stranded) {
		printf("no order of these steps keeps every phone working: phones "
		       "stranded need an erase of their trust lists, or an ITL signed "
		       "with ITLRecovery (`trustline itl rebuild --recovery`) before the "
		       "change\n");
	}
}

/* The plan of steps on the data directory dir, printed; the exit status. */
static int plan_print_run(const char *dir, const tl_plan_step *steps, size_t n, int json)
{
	tl_store s;
	tl_plan p;
	tl_err e;
	int rc;

	if (cli_open_store(&s, dir))
		return EXIT_USAGE;
	rc = tl_plan_run(&s, steps, n, &p, &e);
	tl_store_close(&s);
	if (rc)
		return cli_error(EXIT_INVALID, "the change would be refused, nothing "
				 "planned: %s", e.msg);
	cli_plan_print(&p, json);
	rc = p.stranded ? EXIT_INVALID : 0;
	tl_plan_free(&p);
	return rc;
}

int cli_plan_gate(tl_store *s, const tl_genopts *o)
{
	tl_plan_step st;
	tl_plan p;
	tl_err e;
	int stranded;

	if (o->force || tl_dev_count(s) <= 0)
		return 0;
	tl_plan_step_generate(&st, o);
	if (tl_plan_run(s, &st, 1, &p, &e))
		return 0;	/* the command itself says why it fails */
	stranded = p.stranded != 0;
	if (stranded) {
		cli_plan_print(&p, 0);
		cli_error(0, "cert generate %s would strand %zu phone%s (the plan above): "
			  "nothing changed; make the change the plan's way, or give --force",
			  o->purpose, p.stranded, p.stranded == 1 ? "" : "s");
	}
	tl_plan_free(&p);
	return stranded ? EXIT_INVALID : 0;
}

static int plan_generate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "node", required_argument, 0, 'n' },
		{ "years", required_argument, 0, 'y' },
		{ "force", no_argument, 0, 'f' },
		{ "json", no_argument, 0, 'j' },
		CLI_STORE_OPTIONS,
		{ 0, 0, 0, 0 },
	};
	const char *cmd = "plan cert generate", *dir = NULL, *node = NULL;
	tl_genopts o[8];
	tl_plan_step st[8];
	int c, rc, json = 0, years = 0, force = 0;
	size_t n;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': node = optarg; break;
		case 'y': years = atoi(optarg); break;
		case 'f': force = 1; break;
		case 'j': json = 1; break;
		default:
			if ((rc = cli_store_opt(c, optarg, &dir, usage, cmd)) >= 0)
				return rc;
		}
	}
	if (optind >= argc)
		return cli_usage(cmd, "give the PURPOSE to regenerate (CallManager, TVS, ...)");
	if (argc - optind > 8)
		return cli_usage(cmd, "at most 8 PURPOSEs");
	for (n = 0; optind < argc; n++, optind++) {
		memset(&o[n], 0, sizeof(o[n]));
		o[n].purpose = argv[optind];
		o[n].node = node;
		o[n].key_type = -1;
		o[n].years = years;
		o[n].force = force;
		tl_plan_step_generate(&st[n], &o[n]);
	}
	return plan_print_run(dir, st, n, json);
}

/* plan ctl update, plan security-mode MODE: no option but --json. */
static int plan_simple(const char *cmd, int argc, char **argv, int nargs,
		       tl_plan_step *st)
{
	static const struct option opts[] = {
		{ "json", no_argument, 0, 'j' },
		CLI_STORE_OPTIONS,
		{ 0, 0, 0, 0 },
	};
	const char *dir = NULL;
	int c, rc, json = 0;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'j')
			json = 1;
		else if ((rc = cli_store_opt(c, optarg, &dir, usage, cmd)) >= 0)
			return rc;
	}
	if (argc - optind != nargs)
		return cli_usage(cmd, nargs ? "give the mode: mixed or non-secure"
				 : "unexpected argument \"%s\"", argv[optind]);
	return plan_print_run(dir, st, 1, json);
}

static int plan_import(int argc, char **argv)
{
	cli_import a;
	tl_plan_step st;
	int rc;

	memset(&st, 0, sizeof(st));
	if ((rc = cli_import_args("plan cert import", usage, argc, argv, 1, &a)) < 0) {
		snprintf(st.what, sizeof(st.what), "cert import %.40s%s%.40s", a.purpose,
			 a.node ? " --node " : "", a.node ? a.node : "");
		st.fn = step_import;
		st.arg = &a;
		rc = plan_print_run(a.dir, &st, 1, a.json);
	}
	cli_import_args_free(&a);
	return rc;
}

static int plan_capf(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "operation", required_argument, 0, 'o' },
		{ "key", required_argument, 0, 'k' },
		{ "json", no_argument, 0, 'j' },
		CLI_STORE_OPTIONS,
		{ 0, 0, 0, 0 },
	};
	const char *cmd = "plan device capf", *dir = NULL, *op_s = NULL;
	char names[8][16];
	const char *list[8];
	tl_plan_capf c = { list, 0, 0, NULL };
	tl_plan_step st;
	int o, rc, json = 0;
	tl_err e;

	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 'o': op_s = optarg; break;
		case 'k': c.key = optarg; break;
		case 'j': json = 1; break;
		default:
			if ((rc = cli_store_opt(o, optarg, &dir, usage, cmd)) >= 0)
				return rc;
		}
	}
	if (optind >= argc)
		return cli_usage(cmd, "give the devices (SEP<MAC>...)");
	if (argc - optind > 8)
		return cli_usage(cmd, "at most 8 devices");
	if (op_s == NULL)
		return cli_usage(cmd, "--operation is required: install, fetch, delete or none");
	if ((c.op = tl_capf_op_parse(op_s)) < 0)
		return cli_usage(cmd, "--operation %s: install, fetch, delete or none", op_s);
	if (c.key && (rc = cli_capf_key_check(cmd, c.key)) != 0)
		return rc;
	for (; optind < argc; optind++, c.n++) {
		if (tl_dev_name(argv[optind], names[c.n], &e))
			return cli_fail(EXIT_USAGE, &e);
		list[c.n] = names[c.n];
	}
	memset(&st, 0, sizeof(st));
	snprintf(st.what, sizeof(st.what), "device capf %s%s --operation %s", list[0],
		 c.n > 1 ? " ..." : "", tl_capf_op_name(c.op));
	st.fn = tl_plan_capf_schedule;
	st.then = tl_plan_capf_record;
	st.arg = &c;
	return plan_print_run(dir, &st, 1, json);
}

int cmd_plan(int argc, char **argv)
{
	static int mixed;
	tl_plan_step st;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	optind = 1;
	memset(&st, 0, sizeof(st));
	if (!strcmp(argv[1], "cert") && argc > 2 && !strcmp(argv[2], "generate"))
		return plan_generate(argc - 2, argv + 2);
	if (!strcmp(argv[1], "cert") && argc > 2 && !strcmp(argv[2], "import"))
		return plan_import(argc - 2, argv + 2);
	if (!strcmp(argv[1], "device") && argc > 2 && !strcmp(argv[2], "capf"))
		return plan_capf(argc - 2, argv + 2);
	if (!strcmp(argv[1], "ctl") && argc > 2 && !strcmp(argv[2], "update")) {
		snprintf(st.what, sizeof(st.what), "ctl update");
		st.fn = step_ctl_update;
		return plan_simple("plan ctl update", argc - 2, argv + 2, 0, &st);
	}
	if (!strcmp(argv[1], "security-mode")) {
		const char *m = NULL;

		for (int i = 2; i < argc; i++)
			if (argv[i][0] != '-' && (i == 2 || strcmp(argv[i - 1], "--data-dir")))
				m = argv[i];
		if (m && strcmp(m, "mixed") && strcmp(m, "non-secure"))
			return cli_usage("plan security-mode", "\"%s\": the mode is mixed or "
					 "non-secure", m);
		mixed = m && !strcmp(m, "mixed");
		snprintf(st.what, sizeof(st.what), "cluster security-mode %s", m ? m : "");
		st.fn = step_mode;
		st.arg = &mixed;
		return plan_simple("plan security-mode", argc - 1, argv + 1, 1, &st);
	}
	return cli_usage("plan", "unknown subcommand \"%s%s%s\"", argv[1],
			 argc > 2 ? " " : "", argc > 2 ? argv[2] : "");
}

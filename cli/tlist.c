/* trustline itl|ctl build|show|verify|rebuild|reset (and ctl update) */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "fromstore.h"
#include "json.h"
#include "listkind.h"
#include "show.h"
#include "trustlist.h"

#define MAX_ENTRIES 256

static void usage(FILE *f, const tl_listkind *k)
{
	const int itl = k == &tl_itl_kind;
	const char *g = itl ? "itl" : "ctl";

	fprintf(f,
"usage: trustline %s build OUT.tlv --signer PEM [--signer-key KEY]\n"
"                     [--sast PEM] [--ccm-tftp PEM]... [--ccm PEM]... [--tftp PEM]...\n"
"                     [--capf PEM]... [--app-server PEM]... [--tvs PEM]...\n"
"                     [--hash-only ROLE]... [--version 1.0|1.1] [--digest sha1|sha512]\n"
"                     [--filename NAME]\n"
"       trustline %s show [FILE] [--brief|--json] [--data-dir DIR]\n"
"       trustline %s verify FILE [--trust INSTALLED.tlv] [--json]\n"
"       trustline %s rebuild [--data-dir DIR]\n"
"%s"
"       trustline %s reset --recovery [--data-dir DIR]\n"
"\n"
"%s files (%s) list the certificates a phone trusts, each with its role.\n"
"\n"
"build   writes a signed %s. The signer (an RSA certificate; its key is read\n"
"        from the same PEM unless --signer-key is given) becomes a SAST record.\n"
"        Each role option adds one record and may repeat; --hash-only ROLE writes\n"
"        that role's records as a certificate hash instead of the certificate\n"
"        (Cisco writes TVS records this way). --version 1.1 (automatic when an\n"
"        EC certificate is listed) tells phones to expect EC certificates.\n"
"        --digest defaults to sha1; --filename to %s. With SOURCE_DATE_EPOCH\n"
"        set, the timestamp is taken from it.\n"
"show    prints checksums, the header and every record as BYTEPOS TAG LENGTH\n"
"        VALUE rows, and which record signed the file; --brief prints one line\n"
"        per record, --json everything. Without FILE: the data directory's\n"
"        tftpboot/%s, the list its phones are served.\n"
"verify  checks the signature. Without --trust the signer must be a SAST\n"
"        record of the file itself; with --trust it must be a SAST record of\n"
"        the installed list, as a phone that already holds it requires.\n"
"rebuild builds tftpboot/%s of the data directory (--data-dir, else\n"
"        $TRUSTLINE_DATA_DIR, else /var/lib/trustline) from its certificates,\n"
"        signed by the %s CallManager key.\n"
"%s",
		g, g, g, g,
		itl ? "" : "       trustline ctl update [--data-dir DIR]\n", g,
		k->name, k->long_name, k->name, k->filename, k->filename, k->filename,
		itl ? "TFTP node's" : "publisher's",
		itl ?
"reset --recovery signs it with the ITLRecovery key instead, so phones\n"
"        whose installed ITL no longer matches the TFTP key accept it without TVS.\n"
		:
"update  rebuilds it signed by a key the phones' CTL (the served one) holds as\n"
"        SAST: ITLRecovery, else the CallManager key, else the previous\n"
"        CallManager key while it is valid; after the CallManager certificate\n"
"        is regenerated, this is what phones accept (a rebuild is signed by the\n"
"        new key, which they do not know). Refused, naming the way out, when\n"
"        none is.\n"
"reset --recovery signs it with the ITLRecovery key whatever is served, for\n"
"        phones whose CTL lists that key when the served one does not; phones\n"
"        whose CTL holds none of the cluster's keys must have their trust lists\n"
"        erased (Settings > Security > Reset) and then take it on first use.\n");
	fputs("\nExit status: 0 valid, 1 invalid, 2 usage error or unreadable input.\n", f);
}

static void itl_usage(FILE *f)
{
	usage(f, &tl_itl_kind);
}

static void ctl_usage(FILE *f)
{
	usage(f, &tl_ctl_kind);
}

/* The kind a subcommand works on, from its command name ("itl build"). */
static const tl_listkind *kind_of(const char *cmd)
{
	return strncmp(cmd, "itl ", 4) == 0 ? &tl_itl_kind : &tl_ctl_kind;
}

static int role_of_option(const char *opt)
{
	return tl_role_parse(opt);
}

static int do_build(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_SIGNING_OPTIONS,
		{ "sast", required_argument, 0, 'R' },
		{ "ccm", required_argument, 0, 'R' },
		{ "ccm-tftp", required_argument, 0, 'R' },
		{ "tftp", required_argument, 0, 'R' },
		{ "capf", required_argument, 0, 'R' },
		{ "app-server", required_argument, 0, 'R' },
		{ "tvs", required_argument, 0, 'R' },
		{ "hash-only", required_argument, 0, 'H' },
		{ "version", required_argument, 0, 'v' },
		{ "filename", required_argument, 0, 'f' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	const tl_listkind *k = kind_of(cmd);
	cli_signing sg = { .hash = TL_HASH_SHA1 };
	const char *paths[MAX_ENTRIES], *filename = k->filename, *out;
	int roles[MAX_ENTRIES], hash_only[64] = { 0 }, n = 0, idx, c, rc;
	tl_tlentry entries[MAX_ENTRIES];
	tl_cert *certs[MAX_ENTRIES] = { 0 }, *signer = NULL;
	tl_key *key = NULL;
	tl_tlopts o;
	tl_buf buf;
	tl_err e;

	memset(&o, 0, sizeof(o));
	while ((c = getopt_long(argc, argv, "h", opts, &idx)) != -1) {
		switch (c) {
		case 'R':
			if (n == MAX_ENTRIES)
				return cli_usage(cmd, "at most %d records", MAX_ENTRIES);
			roles[n] = role_of_option(opts[idx].name);
			paths[n++] = optarg;
			break;
		case 'H': {
			int r = tl_role_parse(optarg);

			if (r < 0 || r >= 64)
				return cli_usage(cmd, "unknown role \"%s\" (sast, ccm, "
						 "ccm-tftp, tftp, capf, app-server, tvs)",
						 optarg);
			hash_only[r] = 1;
			break;
		}
		case 'v':
			if (strcmp(optarg, "1.0") == 0)
				o.signer_version = 0x0100;
			else if (strcmp(optarg, "1.1") == 0)
				o.signer_version = 0x0101;
			else
				return cli_usage(cmd, "--version must be 1.0 or 1.1");
			break;
		case 'f': filename = optarg; break;
		case 'h': help(stdout); return 0;
		default:
			if (cli_signing_opt(&sg, c, optarg, cmd))
				return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc)
		return cli_usage(cmd, "give exactly one output file");
	out = argv[optind];
	if (sg.signer == NULL)
		return cli_usage(cmd, "--signer is required");
	if (cli_load_signer(sg.signer, sg.key, &signer, &key, &e))
		return cli_fail(EXIT_USAGE, &e);
	rc = EXIT_USAGE;
	for (int i = 0; i < n; i++) {
		if (tl_cert_load(paths[i], &certs[i], &e)) {
			cli_fail(EXIT_USAGE, &e);
			goto done;
		}
		memset(&entries[i], 0, sizeof(entries[i]));
		entries[i].cert = certs[i];
		entries[i].role = roles[i];
		entries[i].hash_only = hash_only[roles[i]];
	}
	o.signer = signer;
	o.key = key;
	o.hash_alg = sg.hash;
	o.entries = entries;
	o.n = (size_t)n;
	o.filename = filename;
	o.timestamp = cli_timestamp();
	if (tl_tlist_build(&o, &buf, &e)) {
		rc = cli_fail(EXIT_INVALID, &e);
		goto done;
	}
	if (cli_write(out, buf.p, buf.len, &e))
		rc = cli_fail(EXIT_USAGE, &e);
	else
		rc = 0;
	if (rc == 0 && strcmp(out, "-") != 0)
		fprintf(stderr, "wrote %s: %zu bytes, signed by %s\n", out,
			buf.len, signer->subject);
	tl_buf_free(&buf);
done:
	for (int i = 0; i < n; i++)
		tl_cert_free(certs[i]);
	tl_cert_free(signer);
	tl_key_free(key);
	return rc;
}

enum { OUT_FULL, OUT_BRIEF, OUT_JSON };

/* itl|ctl show and verify: argv[0] is which. */
static int do_show_verify(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	static const struct option opts[] = {
		{ "brief", no_argument, 0, 'b' },
		{ "json", no_argument, 0, 'j' },
		{ "trust", required_argument, 0, 't' },
		CLI_STORE_OPTIONS,
		{ 0, 0, 0, 0 },
	};
	const tl_listkind *k = kind_of(cmd);
	const int verify = !strcmp(argv[0], "verify");
	char served[1200];
	const char *trust_path = NULL, *dir = NULL, *path;
	int mode = OUT_FULL, c, rc;
	tl_tlist l, trust;
	size_t signer = 0;
	struct stat st;
	tl_err e, ve;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'b': mode = OUT_BRIEF; break;
		case 'j': mode = OUT_JSON; break;
		case 't':
			if (!verify)
				return cli_usage(cmd, "--trust belongs to verify");
			trust_path = optarg;
			break;
		case 'D':
			if (verify)
				return cli_usage(cmd, "--data-dir belongs to show");
			dir = optarg;
			break;
		case 'h': help(stdout); return 0;
		default: return cli_usage(cmd, "unknown option");
		}
	}
	if (verify && mode == OUT_BRIEF)
		return cli_usage(cmd, "--brief belongs to show");
	if (!verify && optind == argc) {
		/* Cisco's `show itl`: the list the data directory serves */
		if (snprintf(served, sizeof(served), "%s/tftpboot/%s",
			     tl_store_default_dir(dir), k->filename) >= (int)sizeof(served))
			return cli_usage(cmd, "--data-dir: path too long");
		if (access(served, F_OK) != 0) {
			tl_fail(&e, "%s: no %s is served%s", served, k->name, k == &tl_itl_kind ?
				": `trustline itl rebuild` writes it" :
				": the cluster is not in mixed mode (`trustline cluster "
				"security-mode mixed`), or `trustline ctl rebuild` writes it");
			return cli_fail(EXIT_USAGE, &e);
		}
		path = served;
	} else if (optind + 1 != argc || dir) {
		return cli_usage(cmd, dir ? "give FILE or --data-dir, not both"
				      : "give exactly one %s file", k->name);
	} else {
		path = argv[optind];
	}
	if (tl_tlist_load(&l, path, &e))
		return cli_fail(EXIT_USAGE, &e);
	memset(&trust, 0, sizeof(trust));
	if (trust_path && tl_tlist_load(&trust, trust_path, &e)) {
		tl_tlist_free(&l);
		return cli_fail(EXIT_USAGE, &e);
	}
	rc = tl_tlist_verify(&l, trust_path ? &trust : NULL, &signer, &ve);
	if (!verify) {
		long s = rc == 0 ? (long)signer : -1;

		if (mode == OUT_JSON)
			tl_json_print(tl_tlist_json(&l, k->name, s, &ve));
		else if (mode == OUT_BRIEF)
			tl_tlist_brief(stdout, &l, s);
		else
			tl_tlist_show(stdout, &l, k->name,
				      stat(path, &st) == 0 ? st.st_mtime : 0,
				      s, &ve);
	} else if (mode == OUT_JSON) {
		const tl_tlist *src = trust_path ? &trust : &l;

		json_t *o = json_object();

		json_object_set_new(o, "file", tl_json_text(path));
		json_object_set_new(o, "valid", json_boolean(rc == 0));
		json_object_set_new(o, "trust", tl_json_text(trust_path));
		json_object_set_new(o, "signer", tl_json_text(l.hdr.signer_name));
		json_object_set_new(o, "signer_record", rc == 0 ?
				    json_integer((json_int_t)signer + 1) : json_null());
		json_object_set_new(o, "subject", tl_json_text(rc == 0 ?
					src->rec[signer].subject : NULL));
		json_object_set_new(o, "reason", tl_json_text(rc == 0 ? NULL : ve.msg));
		tl_json_print(o);
	} else if (rc == 0) {
		const tl_tlist *src = trust_path ? &trust : &l;
		const tl_record *r = &src->rec[signer];
		char *serial = tl_hex(r->serial, r->serial_len, 1);

		printf("VALID: %s signed by SAST record #%zu of %s: %s (serial %s)\n",
		       path, signer + 1, trust_path ? trust_path : "the file",
		       tl_record_name(r), serial ? serial : "?");
		free(serial);
	} else {
		printf("INVALID: %s\n", ve.msg);
	}
	tl_tlist_free(&l);
	tl_tlist_free(&trust);
	return rc == 0 ? EXIT_VALID : EXIT_INVALID;
}

enum { REBUILD, RESET, UPDATE };

/* itl|ctl rebuild, itl|ctl reset --recovery, ctl update: from the data
 * directory. */
static int do_rebuild(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	static const struct option opts[] = {
		{ "recovery", no_argument, 0, 'r' },
		CLI_STORE_OPTIONS,
		{ 0, 0, 0, 0 },
	};
	const tl_listkind *k = kind_of(cmd);
	const int itl = k == &tl_itl_kind;
	const int what = !strcmp(argv[0], "reset") ? RESET :
			 !strcmp(argv[0], "update") ? UPDATE : REBUILD;
	const char *dir = NULL;
	int recovery = 0, c, rc;
	tl_store s;
	tl_err e;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (what != RESET)
				return cli_usage(cmd, "--recovery belongs to %s reset",
						 itl ? "itl" : "ctl");
			recovery = 1;
			break;
		case 'D': dir = optarg; break;
		case 'h': help(stdout); return 0;
		default: return cli_usage(cmd, "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage(cmd, "unexpected argument \"%s\"", argv[optind]);
	if (what == RESET && !recovery)
		return cli_usage(cmd, "give --recovery: the %s is re-signed with the "
				 "ITLRecovery key, %s", k->name, itl ?
				 "which phones accept without TVS" :
				 "which every CTL of the cluster lists as SAST");
	if (cli_open_store(&s, dir))
		return EXIT_USAGE;
	if (itl)
		rc = tl_itl_rebuild(&s, recovery, stdout, &e);
	else if (what == UPDATE)
		rc = tl_ctl_update(&s, stdout, &e);
	else if (what == RESET)
		rc = tl_ctl_reset_recovery(&s, stdout, &e);
	else
		rc = tl_ctl_rebuild(&s, stdout, &e);
	if (rc == 0)
		rc = tl_store_audit(&s, cmd, k->filename, NULL, NULL, &e);
	if (rc == 0)
		rc = tl_store_bump(&s, &e);
	tl_store_close(&s);
	return rc ? cli_fail(EXIT_INVALID, &e) : 0;
}

int cmd_itl(int argc, char **argv)
{
	static const cli_verb verbs[] = {
		{ "build", do_build }, { "show", do_show_verify },
		{ "verify", do_show_verify }, { "rebuild", do_rebuild },
		{ "reset", do_rebuild },
	};

	return cli_dispatch("itl", itl_usage, verbs, sizeof(verbs) / sizeof(verbs[0]),
			    argc, argv);
}

int cmd_ctl(int argc, char **argv)
{
	static const cli_verb verbs[] = {
		{ "build", do_build }, { "show", do_show_verify },
		{ "verify", do_show_verify }, { "rebuild", do_rebuild },
		{ "reset", do_rebuild }, { "update", do_rebuild },
	};

	return cli_dispatch("ctl", ctl_usage, verbs, sizeof(verbs) / sizeof(verbs[0]),
			    argc, argv);
}

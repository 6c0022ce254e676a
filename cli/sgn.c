/* trustline sgn sign|verify|show|strip */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "file.h"
#include "signedfile.h"

static void usage(FILE *f)
{
	fputs(
"usage: trustline sgn sign FILE --signer PEM [--signer-key KEY] [--digest sha1|sha512]\n"
"                          [--filename NAME] [-o OUT]\n"
"       trustline sgn verify FILE.sgn (--cert PEM | --trust ITL-or-CTL.tlv) [--json]\n"
"                          [--trust-unsigned]\n"
"       trustline sgn show FILE.sgn [--json]\n"
"       trustline sgn strip FILE.sgn [-o OUT]\n"
"\n"
"sign    writes FILE.sgn (or OUT; - for standard output): the signed header\n"
"        (version 1.0) followed by FILE unchanged. FILENAME defaults to the\n"
"        output's base name, as phones request it (SEP<MAC>.cnf.xml.sgn).\n"
"verify  checks the signature with the given certificate (which must be the\n"
"        signer the header names), or as a phone does with a trust list: the\n"
"        signer must be a TFTP or CCM+TFTP record of it, once the list's own\n"
"        signature verifies with its own SAST record (--trust-unsigned takes\n"
"        the list as given).\n"
"show    prints checksums and the header rows; --json for tools.\n"
"strip   writes the signed content without its header (OUT defaults to\n"
"        FILE.sgn less its .sgn suffix). It does not verify: run verify first.\n"
"\n"
"Exit status: 0 valid, 1 invalid, 2 usage error or unreadable input.\n", f);
}

static int do_sign(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_SIGNING_OPTIONS,
		{ "filename", required_argument, 0, 'f' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	cli_signing sg = { .hash = TL_HASH_SHA1 };
	const char *filename = NULL;
	char *out = NULL;
	int c, rc = EXIT_USAGE;
	tl_cert *cert = NULL;
	tl_key *key = NULL;
	uint8_t *in = NULL;
	size_t in_len;
	tl_signopts o;
	tl_buf buf;
	tl_err e;

	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'f': filename = optarg; break;
		case 'o': free(out); out = strdup(optarg); break;
		case 'h': help(stdout); free(out); return 0;
		default:
			if (cli_signing_opt(&sg, c, optarg, cmd)) {
				free(out);
				return EXIT_USAGE;
			}
		}
	}
	if (optind + 1 != argc || sg.signer == NULL) {
		free(out);
		return cli_usage(cmd, "give one FILE and --signer");
	}
	if (out == NULL && asprintf(&out, "%s.sgn", argv[optind]) < 0)
		return cli_error(EXIT_USAGE, "out of memory");
	if (filename == NULL)
		filename = cli_basename(out);
	if (cli_load_signer(sg.signer, sg.key, &cert, &key, &e) ||
	    tl_read_file(argv[optind], TL_FILE_MAX, &in, &in_len, &e)) {
		rc = cli_fail(EXIT_USAGE, &e);
		goto done;
	}
	memset(&o, 0, sizeof(o));
	o.version[0] = 1;
	o.signer = cert;
	o.key = key;
	o.hash_alg = sg.hash;
	o.filename = filename;
	o.timestamp = cli_timestamp();
	o.body = in;
	o.body_len = in_len;
	if (tl_sfile_sign(&o, &buf, &e)) {
		rc = cli_fail(EXIT_INVALID, &e);
		goto done;
	}
	rc = cli_write(out, buf.p, buf.len, &e) ? cli_fail(EXIT_USAGE, &e) : 0;
	tl_buf_free(&buf);
done:
	free(in);
	free(out);
	tl_cert_free(cert);
	tl_key_free(key);
	return rc;
}

static int do_strip(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	const char *out = NULL;
	char *def = NULL;
	uint8_t *buf;
	size_t len;
	tl_sfile h;
	tl_err e;
	int c, rc;

	static const struct option opts[] = {
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};

	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'h': help(stdout); return 0;
		default: return cli_usage(cmd, "unknown option");
		}
	}
	if (optind + 1 != argc)
		return cli_usage(cmd, "give one FILE.sgn");
	if (out == NULL && (out = def = cli_strip_suffix(argv[optind], ".sgn")) == NULL)
		return cli_usage(cmd, "%s does not end in .sgn: give -o", argv[optind]);
	if (cli_load_sfile(argv[optind], &buf, &len, &h, &e)) {
		free(def);
		return cli_fail(EXIT_USAGE, &e);
	}
	rc = cli_write(out, h.body, h.body_len, &e) ? cli_fail(EXIT_USAGE, &e) : 0;
	free(buf);
	free(def);
	return rc;
}

int cmd_sgn(int argc, char **argv)
{
	static const cli_verb verbs[] = {
		{ "sign", do_sign }, { "verify", cli_sfile_verify },
		{ "show", cli_sfile_show }, { "strip", do_strip },
	};

	return cli_dispatch("sgn", usage, verbs, sizeof(verbs) / sizeof(verbs[0]),
			    argc, argv);
}

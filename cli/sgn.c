/* trustline sgn sign|verify|show|strip */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "file.h"
#include "json.h"
#include "show.h"
#include "signedfile.h"
#include "trustlist.h"

static void usage(FILE *f)
{
	fputs(
"usage: trustline sgn sign FILE --signer PEM [--signer-key KEY] [--digest sha1|sha512]\n"
"                          [--filename NAME] [-o OUT]\n"
"       trustline sgn verify FILE.sgn (--cert PEM | --trust ITL-or-CTL.tlv) [--json]\n"
"       trustline sgn show FILE.sgn [--json]\n"
"       trustline sgn strip FILE.sgn [-o OUT]\n"
"\n"
"sign    writes FILE.sgn (or OUT; - for standard output): the signed header\n"
"        (version 1.0) followed by FILE unchanged. FILENAME defaults to the\n"
"        output's base name, as phones request it (SEP<MAC>.cnf.xml.sgn).\n"
"verify  checks the signature with the given certificate (which must be the\n"
"        signer the header names), or as a phone does with a trust list: the\n"
"        signer must be a TFTP or CCM+TFTP record of it.\n"
"show    prints checksums and the header rows; --json for tools.\n"
"strip   writes the signed content without its header (OUT defaults to\n"
"        FILE.sgn less its .sgn suffix). It does not verify: run verify first.\n"
"\n"
"Exit status: 0 valid, 1 invalid, 2 usage error or unreadable input.\n", f);
}

/* Reads and parses a signed file; buf stays owned by the caller. */
static int load(const char *path, uint8_t **buf, size_t *len, tl_sfile *h,
		tl_err *e)
{
	if (tl_read_file(path, TL_FILE_MAX, buf, len, e))
		return -1;
	if (tl_sfile_parse(h, *buf, *len, path, e)) {
		free(*buf);
		return -1;
	}
	return 0;
}

static int do_sign(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "signer", required_argument, 0, 's' },
		{ "signer-key", required_argument, 0, 'k' },
		{ "digest", required_argument, 0, 'd' },
		{ "filename", required_argument, 0, 'f' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	const char *signer_path = NULL, *key_path = NULL, *filename = NULL;
	char *out = NULL;
	int hash = TL_HASH_SHA1, c, rc = EXIT_USAGE;
	tl_cert *cert = NULL;
	tl_key *key = NULL;
	uint8_t *in = NULL;
	size_t in_len;
	tl_signopts o;
	tl_buf buf;
	tl_err e;

	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 's': signer_path = optarg; break;
		case 'k': key_path = optarg; break;
		case 'd':
			hash = cli_digest(optarg);
			if (hash != TL_HASH_SHA1 && hash != TL_HASH_SHA512)
				return cli_usage("sgn sign", "--digest must be sha1 or sha512");
			break;
		case 'f': filename = optarg; break;
		case 'o': free(out); out = strdup(optarg); break;
		case 'h': usage(stdout); free(out); return 0;
		default: free(out); return cli_usage("sgn sign", "unknown option");
		}
	}
	if (optind + 1 != argc || signer_path == NULL) {
		free(out);
		return cli_usage("sgn sign", "give one FILE and --signer");
	}
	if (out == NULL && asprintf(&out, "%s.sgn", argv[optind]) < 0)
		return cli_error(EXIT_USAGE, "out of memory");
	if (filename == NULL)
		filename = cli_basename(out);
	if (cli_load_signer(signer_path, key_path, &cert, &key, &e) ||
	    tl_read_file(argv[optind], TL_FILE_MAX, &in, &in_len, &e)) {
		rc = cli_fail(EXIT_USAGE, &e);
		goto done;
	}
	memset(&o, 0, sizeof(o));
	o.version[0] = 1;
	o.signer = cert;
	o.key = key;
	o.hash_alg = hash;
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

static int do_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cert", required_argument, 0, 'c' },
		{ "trust", required_argument, 0, 't' },
		{ "json", no_argument, 0, 'j' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	const char *cert_path = NULL, *trust_path = NULL;
	int json = 0, c, rc;
	char how[600];
	uint8_t *buf;
	size_t len, rec = 0;
	tl_sfile h;
	tl_err e;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': cert_path = optarg; break;
		case 't': trust_path = optarg; break;
		case 'j': json = 1; break;
		case 'h': usage(stdout); return 0;
		default: return cli_usage("sgn verify", "unknown option");
		}
	}
	if (optind + 1 != argc || !cert_path == !trust_path)
		return cli_usage("sgn verify", "give one FILE.sgn and either --cert "
				 "or --trust");
	if (load(argv[optind], &buf, &len, &h, &e))
		return cli_fail(EXIT_USAGE, &e);
	if (cert_path) {
		tl_cert *cert;
		tl_pub *pub;

		if (tl_cert_load(cert_path, &cert, &e)) {
			free(buf);
			return cli_fail(EXIT_USAGE, &e);
		}
		if (!tl_sfile_signed_by(&h, cert))
			rc = tl_fail(&e, "%s: the header names signer %s (issuer %s), "
				     "not the certificate %s", h.name, h.signer_name,
				     h.issuer_name, cert->subject);
		else if ((rc = tl_pub_from_cert(cert, &pub, &e)) == 0) {
			rc = tl_sfile_verify(&h, pub, &e);
			tl_pub_free(pub);
		}
		snprintf(how, sizeof(how), "%s", cert->subject);
		tl_cert_free(cert);
	} else {
		tl_tlist l;

		if (tl_tlist_load(&l, trust_path, &e)) {
			free(buf);
			return cli_fail(EXIT_USAGE, &e);
		}
		rc = tl_sfile_verify_by_list(&h, &l, TL_ROLE_BIT(TL_ROLE_TFTP) |
					     TL_ROLE_BIT(TL_ROLE_CCM_TFTP), &rec, &e);
		if (rc == 0)
			snprintf(how, sizeof(how), "%s record #%zu of %s: %s",
				 tl_role_short(l.rec[rec].role), rec + 1, trust_path,
				 l.rec[rec].subject);
		tl_tlist_free(&l);
	}
	if (json) {
		printf("{\"file\":");
		tl_json_str(stdout, argv[optind]);
		printf(",\"valid\":%s,\"signer\":", rc == 0 ? "true" : "false");
		tl_json_str(stdout, h.signer_name);
		fputs(",\"reason\":", stdout);
		tl_json_str(stdout, rc == 0 ? how : e.msg);
		fputs("}\n", stdout);
	} else if (rc == 0) {
		printf("VALID: %s signed by %s\n", argv[optind], how);
	} else {
		printf("INVALID: %s\n", e.msg);
	}
	free(buf);
	return rc == 0 ? EXIT_VALID : EXIT_INVALID;
}

static int do_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, 0, 'j' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	int json = 0, c;
	struct stat st;
	uint8_t *buf;
	size_t len;
	tl_sfile h;
	tl_err e;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'h': usage(stdout); return 0;
		default: return cli_usage("sgn show", "unknown option");
		}
	}
	if (optind + 1 != argc)
		return cli_usage("sgn show", "give one signed file");
	if (load(argv[optind], &buf, &len, &h, &e))
		return cli_fail(EXIT_USAGE, &e);
	if (json) {
		putchar('{');
		tl_show_header_json(stdout, &h);
		fputs("}\n", stdout);
	} else {
		tl_show_checksums(stdout, buf, len,
				  stat(argv[optind], &st) == 0 ? st.st_mtime : 0,
				  "signed");
		tl_show_header(stdout, &h);
		printf("Signed content: %zu bytes at byte %u\n", h.body_len,
		       h.header_len);
	}
	free(buf);
	return 0;
}

static int do_strip(int argc, char **argv)
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
		case 'h': usage(stdout); return 0;
		default: return cli_usage("sgn strip", "unknown option");
		}
	}
	if (optind + 1 != argc)
		return cli_usage("sgn strip", "give one FILE.sgn");
	if (out == NULL) {
		size_t n = strlen(argv[optind]);

		if (n <= 4 || strcmp(argv[optind] + n - 4, ".sgn") != 0)
			return cli_usage("sgn strip", "%s does not end in .sgn: give -o",
					 argv[optind]);
		def = strndup(argv[optind], n - 4);
		out = def;
	}
	if (load(argv[optind], &buf, &len, &h, &e)) {
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
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	optind = 1;
	if (strcmp(argv[1], "sign") == 0)
		return do_sign(argc - 1, argv + 1);
	if (strcmp(argv[1], "verify") == 0)
		return do_verify(argc - 1, argv + 1);
	if (strcmp(argv[1], "show") == 0)
		return do_show(argc - 1, argv + 1);
	if (strcmp(argv[1], "strip") == 0)
		return do_strip(argc - 1, argv + 1);
	return cli_usage("sgn", "unknown subcommand \"%s\"", argv[1]);
}

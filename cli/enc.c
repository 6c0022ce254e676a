/* trustline enc build|decrypt|verify|show */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "encconfig.h"
#include "file.h"

static void usage(FILE *f)
{
	fputs(
"usage: trustline enc build SEP<MAC>.cnf.xml --signer PEM [--signer-key KEY]\n"
"                           --device-cert PEM [--digest sha1|sha512] [-o DIR]\n"
"       trustline enc decrypt FILE.enc.sgn --device-key KEY [-o OUT]\n"
"       trustline enc verify FILE.enc.sgn (--cert PEM | --trust ITL-or-CTL.tlv) [--json]\n"
"                          [--trust-unsigned]\n"
"       trustline enc show FILE [--json]\n"
"\n"
"build    encrypts the configuration to the phone's certificate (its LSC, else\n"
"         its MIC; it must be RSA) and writes SEP<MAC>.cnf.xml.enc.sgn and the\n"
"         signed stub SEP<MAC>.cnf.xml.sgn that sends the phone to it, beside\n"
"         the input or in DIR. Both are signed by --signer (the TFTP or\n"
"         CallManager certificate the phone's ITL lists).\n"
"decrypt  unwraps the AES key with the phone's private key, decrypts, checks\n"
"         the padding and the digest, and writes the configuration to OUT\n"
"         (default: FILE less .enc.sgn; - for standard output; mode 0600).\n"
"         It does not verify the signature: run verify first, as a phone does.\n"
"verify   checks the signature as `trustline sgn verify` does.\n"
"show     prints checksums and the header rows with the encryption block;\n"
"         --json for tools (includes the IV and the wrapped key).\n"
"\n"
"Exit status: 0 valid, 1 invalid or refused, 2 usage error or unreadable input.\n",
	      f);
}

/* out_dir/base + suffix, where out_dir defaults to the input's directory. */
static char *out_path(const char *input, const char *out_dir, const char *suffix)
{
	const char *base = cli_basename(input);
	char *p;
	int rc;

	if (out_dir)
		rc = asprintf(&p, "%s/%s%s", out_dir, base, suffix);
	else
		rc = asprintf(&p, "%.*s%s%s", (int)(base - input), input, base, suffix);
	return rc < 0 ? NULL : p;
}

static int do_build(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_SIGNING_OPTIONS,
		{ "device-cert", required_argument, 0, 'D' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	cli_signing sg = { .hash = TL_HASH_SHA1 };
	const char *device_path = NULL, *out_dir = NULL, *input;
	char *enc_path = NULL, *stub_path = NULL;
	int c, rc = EXIT_USAGE;
	tl_cert *cert = NULL, *device = NULL;
	tl_key *key = NULL;
	uint8_t *in = NULL;
	tl_buf enc, stub;
	tl_encopts o;
	tl_err e;

	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'D': device_path = optarg; break;
		case 'o': out_dir = optarg; break;
		case 'h': help(stdout); return 0;
		default:
			if (cli_signing_opt(&sg, c, optarg, cmd))
				return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc || sg.signer == NULL || device_path == NULL)
		return cli_usage(cmd, "give one SEP<MAC>.cnf.xml, --signer and "
				 "--device-cert");
	input = argv[optind];
	memset(&o, 0, sizeof(o));
	enc_path = out_path(input, out_dir, ".enc.sgn");
	stub_path = out_path(input, out_dir, ".sgn");
	if (enc_path == NULL || stub_path == NULL) {
		rc = cli_error(EXIT_USAGE, "out of memory");
		goto done;
	}
	if (cli_load_signer(sg.signer, sg.key, &cert, &key, &e) ||
	    tl_cert_load(device_path, &device, &e) ||
	    tl_read_file(input, TL_FILE_MAX, &in, &o.xml_len, &e)) {
		rc = cli_fail(EXIT_USAGE, &e);
		goto done;
	}
	o.signer = cert;
	o.key = key;
	o.device = device;
	o.hash_alg = sg.hash;
	o.timestamp = cli_timestamp();
	o.xml = in;
	o.filename = cli_basename(enc_path);
	if (tl_enc_build(&o, &enc, &e)) {
		rc = cli_fail(EXIT_INVALID, &e);
		goto done;
	}
	o.filename = cli_basename(stub_path);
	if (tl_enc_stub(&o, input, &stub, &e)) {
		tl_buf_free(&enc);
		rc = cli_fail(EXIT_INVALID, &e);
		goto done;
	}
	/* The encrypted file first: a stub without it would send phones to a
	 * file that is not there. */
	if (cli_write(enc_path, enc.p, enc.len, &e) ||
	    cli_write(stub_path, stub.p, stub.len, &e))
		rc = cli_fail(EXIT_USAGE, &e);
	else
		rc = EXIT_VALID;
	tl_buf_free(&enc);
	tl_buf_free(&stub);
done:
	if (in)
		explicit_bzero(in, o.xml_len);
	free(in);
	free(enc_path);
	free(stub_path);
	tl_cert_free(cert);
	tl_cert_free(device);
	tl_key_free(key);
	return rc;
}

static int do_decrypt(const char *cmd, void (*help)(FILE *), int argc,
		      char **argv)
{
	static const struct option opts[] = {
		{ "device-key", required_argument, 0, 'K' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	const char *key_path = NULL, *out = NULL;
	uint8_t *buf = NULL, *xml = NULL;
	size_t len, xml_len = 0;
	tl_key *key = NULL;
	char *def = NULL;
	tl_sfile h;
	tl_err e;
	int c, rc;

	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'K': key_path = optarg; break;
		case 'o': out = optarg; break;
		case 'h': help(stdout); return 0;
		default: return cli_usage(cmd, "unknown option");
		}
	}
	if (optind + 1 != argc || key_path == NULL)
		return cli_usage(cmd, "give one FILE.enc.sgn and --device-key");
	if (out == NULL &&
	    (out = def = cli_strip_suffix(argv[optind], ".enc.sgn")) == NULL)
		return cli_usage(cmd, "%s does not end in .enc.sgn: give -o",
				 argv[optind]);
	if (tl_key_load(key_path, &key, &e) ||
	    cli_load_sfile(argv[optind], &buf, &len, &h, &e)) {
		rc = cli_fail(EXIT_USAGE, &e);
		goto done;
	}
	if (tl_enc_decrypt(&h, key, &xml, &xml_len, &e)) {
		rc = cli_fail(EXIT_INVALID, &e);
		goto done;
	}
	/* The plaintext is what the encryption protected (it may hold
	 * passwords): only its owner may read it. */
	if (strcmp(out, "-") == 0)
		rc = cli_write(out, xml, xml_len, &e);
	else
		rc = tl_write_output(out, xml, xml_len, 0600, &e);
	rc = rc ? cli_fail(EXIT_USAGE, &e) : EXIT_VALID;
done:
	if (xml)
		explicit_bzero(xml, xml_len);
	free(xml);
	free(buf);
	free(def);
	tl_key_free(key);
	return rc;
}

int cmd_enc(int argc, char **argv)
{
	static const cli_verb verbs[] = {
		{ "build", do_build }, { "decrypt", do_decrypt },
		{ "verify", cli_sfile_verify }, { "show", cli_sfile_show },
	};

	return cli_dispatch("enc", usage, verbs, sizeof(verbs) / sizeof(verbs[0]),
			    argc, argv);
}

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "file.h"
#include "json.h"
#include "pki.h"
#include "show.h"
#include "trustlist.h"

int cli_error(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("trustline: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

int cli_fail(int code, const tl_err *e)
{
	return cli_error(code, "%s", e->msg);
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs("trustline: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nSee `trustline %s --help`.\n", cmd);
	return EXIT_USAGE;
}

int cli_load_signer(const char *cert_path, const char *key_path, tl_cert **c,
		    tl_key **k, tl_err *e)
{
	if (tl_cert_load(cert_path, c, e))
		return -1;
	if (tl_key_load(key_path ? key_path : cert_path, k, e)) {
		if (key_path == NULL)
			tl_wrap(e, "the signer's key is not in %s (give it with "
				"--signer-key)", cert_path);
		tl_cert_free(*c);
		*c = NULL;
		return -1;
	}
	if (tl_key_matches(*k, *c, e)) {
		tl_wrap(e, "signer");
		tl_key_free(*k);
		tl_cert_free(*c);
		*k = NULL;
		*c = NULL;
		return -1;
	}
	return 0;
}

int cli_signing_opt(cli_signing *s, int c, const char *arg, const char *cmd)
{
	switch (c) {
	case 's': s->signer = arg; return 0;
	case 'k': s->key = arg; return 0;
	case 'd':
		/* Phones verify SHA-1 or SHA-512 signatures only. */
		s->hash = cli_digest(arg);
		if (s->hash == TL_HASH_SHA1 || s->hash == TL_HASH_SHA512)
			return 0;
		return cli_usage(cmd, "--digest must be sha1 or sha512");
	default:
		return cli_usage(cmd, "unknown option");
	}
}

int cli_store_opt(int c, const char *arg, const char **dir,
		  void (*help)(FILE *), const char *cmd)
{
	switch (c) {
	case 'D': *dir = arg; return -1;
	case 'h': help(stdout); return 0;
	default: return cli_usage(cmd, "unknown option");
	}
}

int cli_open_store(tl_store *s, const char *dir)
{
	tl_err e;

	if (tl_pki_store_open(s, tl_store_default_dir(dir), stderr, &e))
		return cli_fail(EXIT_USAGE, &e);
	return 0;
}

int cli_digest(const char *s)
{
	int h = tl_hash_parse(s);

	return h == TL_HASH_SHA1 || h == TL_HASH_SHA256 || h == TL_HASH_SHA512 ? h
									       : -1;
}

uint32_t cli_timestamp(void)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");

	if (s && *s)
		return (uint32_t)strtoul(s, NULL, 10);
	return (uint32_t)time(NULL);
}

const char *cli_basename(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

int cli_write(const char *path, const void *buf, size_t len, tl_err *e)
{
	if (strcmp(path, "-") == 0) {
		if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0)
			return tl_fail(e, "cannot write to standard output");
		return 0;
	}
	return tl_write_output(path, buf, len, 0644, e);
}

int cli_dispatch(const char *group, void (*help)(FILE *), const cli_verb *verbs,
		 size_t n, int argc, char **argv)
{
	char cmd[64];

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		help(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	/* getopt_long restarts for the verb's own arguments. */
	optind = 1;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(argv[1], verbs[i].name) == 0) {
			snprintf(cmd, sizeof(cmd), "%s %s", group, verbs[i].name);
			return verbs[i].fn(cmd, help, argc - 1, argv + 1);
		}
	}
	return cli_usage(group, "unknown subcommand \"%s\"", argv[1]);
}

char *cli_strip_suffix(const char *path, const char *suffix)
{
	size_t n = strlen(path), k = strlen(suffix);

	if (n <= k || strcmp(path + n - k, suffix) != 0)
		return NULL;
	return strndup(path, n - k);
}

int cli_load_sfile(const char *path, uint8_t **buf, size_t *len, tl_sfile *h,
		   tl_err *e)
{
	if (tl_read_file(path, TL_FILE_MAX, buf, len, e))
		return -1;
	if (tl_sfile_parse(h, *buf, *len, path, e)) {
		free(*buf);
		*buf = NULL;
		return -1;
	}
	return 0;
}

int cli_sfile_verify(const char *cmd, void (*help)(FILE *), int argc,
		     char **argv)
{
	static const struct option opts[] = {
		{ "cert", required_argument, 0, 'c' },
		{ "trust", required_argument, 0, 't' },
		{ "trust-unsigned", no_argument, 0, 'u' },
		{ "json", no_argument, 0, 'j' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	const char *cert_path = NULL, *trust_path = NULL;
	int json = 0, unsigned_ok = 0, c, rc;
	char how[600];
	uint8_t *buf;
	size_t len, rec = 0;
	tl_sfile h;
	tl_err e;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': cert_path = optarg; break;
		case 't': trust_path = optarg; break;
		case 'u': unsigned_ok = 1; break;
		case 'j': json = 1; break;
		case 'h': help(stdout); return 0;
		default: return cli_usage(cmd, "unknown option");
		}
	}
	if (optind + 1 != argc || !cert_path == !trust_path)
		return cli_usage(cmd, "give one signed FILE and either --cert or "
				 "--trust");
	if (cli_load_sfile(argv[optind], &buf, &len, &h, &e))
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
		/* A phone installs a list only once its own signature verifies
		 * (with its own SAST record): a list taken as given is the
		 * user's explicit choice. */
		if (!unsigned_ok && (rc = tl_tlist_verify(&l, NULL, &rec, &e)) != 0) {
			tl_wrap(&e, "the trust list %s is not validly signed (give "
				"--trust-unsigned to take it as given)", trust_path);
			goto said;
		}
		/* A phone takes configuration files only from its TFTP servers. */
		rc = tl_sfile_verify_by_list(&h, &l, TL_ROLE_BIT(TL_ROLE_TFTP) |
					     TL_ROLE_BIT(TL_ROLE_CCM_TFTP), &rec, &e);
		if (rc == 0)
			snprintf(how, sizeof(how), "%s record #%zu of %s: %s",
				 tl_role_short(l.rec[rec].role), rec + 1, trust_path,
				 tl_record_name(&l.rec[rec]));
said:
		tl_tlist_free(&l);
	}
	if (json) {
		json_t *o = json_object();

		json_object_set_new(o, "file", tl_json_text(argv[optind]));
		json_object_set_new(o, "valid", json_boolean(rc == 0));
		json_object_set_new(o, "signer", tl_json_text(h.signer_name));
		json_object_set_new(o, "reason", tl_json_text(rc == 0 ? how : e.msg));
		tl_json_print(o);
	} else if (rc == 0) {
		printf("VALID: %s signed by %s\n", argv[optind], how);
	} else {
		printf("INVALID: %s\n", e.msg);
	}
	free(buf);
	return rc == 0 ? EXIT_VALID : EXIT_INVALID;
}

int cli_json_store_args(const char *cmd, void (*help)(FILE *), int argc,
			char **argv, int *json, tl_store *s)
{
	static const struct option opts[] = {
		{ "json", no_argument, 0, 'j' },
		CLI_STORE_OPTIONS,
		{ 0, 0, 0, 0 },
	};
	const char *dir = NULL;
	int c, rc;

	*json = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'j')
			*json = 1;
		else if ((rc = cli_store_opt(c, optarg, &dir, help, cmd)) >= 0)
			return rc;
	}
	if (optind != argc)
		return cli_usage(cmd, "unexpected argument \"%s\"", argv[optind]);
	return cli_open_store(s, dir) ? EXIT_USAGE : -1;
}

int cli_sfile_show(const char *cmd, void (*help)(FILE *), int argc,
		   char **argv)
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
		case 'h': help(stdout); return 0;
		default: return cli_usage(cmd, "unknown option");
		}
	}
	if (optind + 1 != argc)
		return cli_usage(cmd, "give one signed file");
	if (cli_load_sfile(argv[optind], &buf, &len, &h, &e))
		return cli_fail(EXIT_USAGE, &e);
	if (json) {
		tl_json_print(tl_show_header_json(&h));
	} else {
		tl_show_checksums(stdout, buf, len,
				  stat(argv[optind], &st) == 0 ? st.st_mtime : 0,
				  h.has_enc ? "encrypted" : "signed");
		tl_show_header(stdout, &h);
		if (h.has_enc)
			printf("Encrypted content: %zu bytes at byte %u (the last %u "
			       "of them padding)\n", h.body_len, h.header_len,
			       h.enc.pad);
		else
			printf("Signed content: %zu bytes at byte %u\n", h.body_len,
			       h.header_len);
	}
	free(buf);
	return 0;
}

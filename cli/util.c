#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "file.h"

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
	return tl_write_file(path, buf, len, 0644, e);
}

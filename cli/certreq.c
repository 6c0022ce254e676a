/* trustline cert generate|csr|import: an identity certificate made anew,
 * asked of a CA (a pending request), or installed from the CA's reply. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "certcmd.h"
#include "json.h"
#include "pki.h"

/* What generate and csr both take: --node N, --key rsa:BITS|ec:256|ec:384,
 * --hash, up to 16 --san NAME, and --data-dir. */
typedef struct ident_opts {
	const char *purpose, *node, *dir;
	int key_type;		/* -1: keep the current key's */
	int key_bits, hash_alg;
	const char *san[17];	/* NULL-terminated */
	int nsan;
} ident_opts;

#define IDENT_OPTIONS \
	{ "node", required_argument, 0, 'n' }, \
	{ "key", required_argument, 0, 'k' }, \
	{ "hash", required_argument, 0, 'H' }, \
	{ "san", required_argument, 0, 's' }

/* Into a tl_genopts or a tl_csropts, which name these fields alike. */
#define IDENT_APPLY(o, io) do { \
	(o).purpose = (io).purpose; \
	(o).node = (io).node; \
	(o).key_type = (io).key_type; \
	(o).key_bits = (io).key_bits; \
	(o).hash_alg = (io).hash_alg; \
	(o).san = (io).san; \
} while (0)

/* For the default case of generate's and csr's option switch: takes c when
 * it is one of IDENT_OPTIONS and returns -1, else is cli_store_opt. A bad
 * value is a usage error, printed. */
static int ident_opt(ident_opts *o, int c, const char *arg,
		     void (*help)(FILE *), const char *cmd)
{
	tl_err e;

	switch (c) {
	case 'n': o->node = arg; return -1;
	case 'k':
		if (tl_conf_parse_key(arg, &o->key_type, &o->key_bits, &e))
			return cli_usage(cmd, "--key: %s", e.msg);
		return -1;
	case 'H':
		if ((o->hash_alg = tl_hash_parse(arg)) < 0)
			return cli_usage(cmd, "--hash: sha256, sha384 or sha512");
		return -1;
	case 's':
		if (o->nsan == 16)
			return cli_usage(cmd, "at most 16 --san names");
		o->san[o->nsan++] = arg;
		return -1;
	default:
		return cli_store_opt(c, arg, &o->dir, help, cmd);
	}
}

/* After the options of generate and csr: the one PURPOSE, and the data
 * directory opened; -1, else the exit status after the message. */
static int ident_open(ident_opts *o, const char *cmd, int argc, char **argv,
		      tl_store *s)
{
	if (optind + 1 != argc)
		return cli_usage(cmd, "give one PURPOSE");
	o->purpose = argv[optind];
	return cli_open_store(s, o->dir) ? EXIT_USAGE : -1;
}

int cli_cert_generate(const char *cmd, void (*help)(FILE *), int argc,
		      char **argv)
{
	static const struct option opts[] = {
		IDENT_OPTIONS,
		{ "years", required_argument, 0, 'y' },
		{ "force", no_argument, 0, 'f' },
		CLI_STORE_OPTIONS,
		{ 0, 0, 0, 0 },
	};
	ident_opts io = { .key_type = -1 };
	int c, rc;
	tl_genopts o;
	tl_store s;
	tl_err e;

	memset(&o, 0, sizeof(o));
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'y': o.years = atoi(optarg); break;
		case 'f': o.force = 1; break;
		default:
			if ((rc = ident_opt(&io, c, optarg, help, cmd)) >= 0)
				return rc;
		}
	}
	if ((rc = ident_open(&io, cmd, argc, argv, &s)) >= 0)
		return rc;
	IDENT_APPLY(o, io);
	if ((rc = cli_plan_gate(&s, &o)) != 0) {
		tl_store_close(&s);
		return rc;
	}
	rc = tl_pki_generate(&s, &o, stdout, &e);
	tl_store_close(&s);
	return rc ? cli_fail(EXIT_INVALID, &e) : 0;
}

static json_t *pending_json(const tl_pending *p, int with_pem)
{
	const tl_cert *r = p->req;
	json_t *o = json_object();

	json_object_set_new(o, "purpose", json_string(p->purpose->name));
	json_object_set_new(o, "node", tl_json_text(p->node));
	json_object_set_new(o, "created", tl_json_time(p->created));
	json_object_set_new(o, "subject", tl_json_text(r->subject));
	tl_json_key_fields(o, r);
	if (with_pem)
		json_object_set_new(o, "pem", tl_json_text(p->pem));
	return o;
}

static void print_pending(const tl_pending *p, int with_pem)
{
	const tl_cert *r = p->req;
	char when[32], key[16];
	struct tm tm;

	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&p->created, &tm));
	snprintf(key, sizeof(key), "%s-%d", r->key_type == TL_KEY_RSA ? "RSA" : "EC",
		 r->key_bits);
	printf("%-18s %-14s %-9s %-20s  %s\n", p->purpose->name, p->node, key, when,
	       r->subject);
	for (size_t i = 0; with_pem && i < r->nsan; i++)
		printf("  subjectAltName: %s\n", r->san[i]);
	if (with_pem)
		printf("  signature: %s\n%s", r->sig_alg, p->pem);
}

/* cert csr list|show|delete */
static int csr_pending(const char *cmd, void (*help)(FILE *), int argc,
		       char **argv)
{
	static const struct option opts[] = {
		{ "node", required_argument, 0, 'n' },
		{ "json", no_argument, 0, 'j' },
		CLI_STORE_OPTIONS,
		{ 0, 0, 0, 0 },
	};
	const char *verb = argv[0], *node = NULL, *dir = NULL;
	int json = 0, c, rc, list = !strcmp(verb, "list");
	char what[32];
	tl_pending *v;
	size_t n;
	tl_store s;
	tl_err e;

	snprintf(what, sizeof(what), "%s %s", cmd, verb);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': node = optarg; break;
		case 'j': json = 1; break;
		default:
			if ((rc = cli_store_opt(c, optarg, &dir, help, what)) >= 0)
				return rc;
		}
	}
	if (optind + (list ? 0 : 1) != argc)
		return cli_usage(what, list ? "unexpected argument" : "give one PURPOSE");
	if ((list && node) || (!strcmp(verb, "delete") && json))
		return cli_usage(what, "%s takes no %s", what, node ? "--node" : "--json");
	if (cli_open_store(&s, dir))
		return EXIT_USAGE;
	if (!strcmp(verb, "delete")) {
		rc = tl_pki_csr_delete(&s, argv[optind], node, stdout, &e);
		tl_store_close(&s);
		return rc ? cli_fail(EXIT_INVALID, &e) : 0;
	}
	rc = tl_pki_pending(&s, list ? NULL : argv[optind], node, &v, &n, &e);
	tl_store_close(&s);
	if (rc)
		return cli_fail(EXIT_INVALID, &e);
	if (json) {
		json_t *all = json_array();

		for (size_t i = 0; i < n; i++)
			json_array_append_new(all, pending_json(&v[i], !list));
		/* show: the one request tl_pki_pending found */
		tl_json_print(list ? all : json_incref(json_array_get(all, 0)));
		if (!list)
			json_decref(all);
	} else {
		printf("%-18s %-14s %-9s %-20s  %s\n", "PURPOSE", "NODE", "KEY",
		       "CREATED", "SUBJECT");
		for (size_t i = 0; i < n; i++)
			print_pending(&v[i], !list);
		if (n == 0)
			printf("no pending CSR\n");
	}
	tl_pki_pending_free(v, n);
	return 0;
}

int cli_cert_csr(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	static const struct option opts[] = {
		IDENT_OPTIONS,
		{ "include-ou", no_argument, 0, 'u' },
		CLI_STORE_OPTIONS,
		{ 0, 0, 0, 0 },
	};
	ident_opts io = { .key_type = -1 };
	const char *out = NULL;
	int c, rc;
	tl_csropts o;
	tl_store s;
	char *pem;
	tl_err e;

	if (argc > 1 && (!strcmp(argv[1], "list") || !strcmp(argv[1], "show") ||
			 !strcmp(argv[1], "delete")))
		return csr_pending(cmd, help, argc - 1, argv + 1);
	memset(&o, 0, sizeof(o));
	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'u': o.include_ou = 1; break;
		case 'o': out = optarg; break;
		default:
			if ((rc = ident_opt(&io, c, optarg, help, cmd)) >= 0)
				return rc;
		}
	}
	if ((rc = ident_open(&io, cmd, argc, argv, &s)) >= 0)
		return rc;
	IDENT_APPLY(o, io);
	rc = tl_pki_csr(&s, &o, &pem, out ? stdout : stderr, &e);
	tl_store_close(&s);
	if (rc)
		return cli_fail(EXIT_INVALID, &e);
	rc = cli_write(out ? out : "-", pem, strlen(pem), &e);
	free(pem);
	return rc ? cli_fail(EXIT_USAGE, &e) : 0;
}

int cli_cert_chain_add(const char *path, tl_cert **chain, size_t *n, tl_err *e)
{
	tl_cert **got;
	size_t ng;

	if (tl_certs_load(path, &got, &ng, e))
		return -1;
	if (*n + ng > CLI_CERT_CHAIN_MAX) {
		tl_certs_free(got, ng);
		return tl_fail(e, "%s: more than %d chain certificates in all", path,
			       CLI_CERT_CHAIN_MAX);
	}
	memcpy(chain + *n, got, ng * sizeof(*got));
	*n += ng;
	free(got);
	return 0;
}

/* CERT may hold the chain too (a PKCS#7 reply, a PEM bundle): the leaf is
 * its first certificate that is not a CA, the others join the chain. */
static int leaf_load(const char *path, tl_cert **leaf, tl_cert **chain,
		     size_t *n, tl_err *e)
{
	size_t before = *n, pick = 0;

	if (cli_cert_chain_add(path, chain, n, e))
		return -1;
	for (size_t i = before; i < *n; i++)
		if (!chain[i]->is_ca) {
			pick = i - before;
			break;
		}
	*leaf = chain[before + pick];
	memmove(chain + before + pick, chain + before + pick + 1,
		(*n - before - pick - 1) * sizeof(*chain));
	(*n)--;
	return 0;
}

int cli_import_args(const char *cmd, void (*help)(FILE *), int argc, char **argv,
		    int json, cli_import *a)
{
	static const struct option opts[] = {
		{ "node", required_argument, 0, 'n' },
		{ "chain", required_argument, 0, 'c' },
		{ "json", no_argument, 0, 'j' },
		CLI_STORE_OPTIONS,
		{ 0, 0, 0, 0 },
	};
	int c, rc;
	tl_err e;

	memset(a, 0, sizeof(*a));
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': a->node = optarg; break;
		case 'c':
			if (cli_cert_chain_add(optarg, a->chain, &a->nchain, &e))
				return cli_fail(EXIT_USAGE, &e);
			break;
		case 'j':
			if (!json)
				return cli_usage(cmd, "unknown option");
			a->json = 1;
			break;
		default:
			if ((rc = cli_store_opt(c, optarg, &a->dir, help, cmd)) >= 0)
				return rc;
		}
	}
	if (optind + 2 != argc)
		return cli_usage(cmd, "give PURPOSE and the CA-signed CERT");
	if (a->nchain == CLI_CERT_CHAIN_MAX)
		return cli_usage(cmd, "more than %d chain certificates", CLI_CERT_CHAIN_MAX);
	if (leaf_load(argv[optind + 1], &a->cert, a->chain, &a->nchain, &e))
		return cli_fail(EXIT_USAGE, &e);
	a->purpose = argv[optind];
	return -1;
}

void cli_import_args_free(cli_import *a)
{
	for (size_t i = 0; i < a->nchain; i++)
		tl_cert_free(a->chain[i]);
	tl_cert_free(a->cert);
	memset(a, 0, sizeof(*a));
}

int cli_cert_import(const char *cmd, void (*help)(FILE *), int argc,
		    char **argv)
{
	cli_import a;
	int rc;
	tl_store s;
	tl_err e;

	if ((rc = cli_import_args(cmd, help, argc, argv, 0, &a)) < 0 &&
	    (rc = cli_open_store(&s, a.dir)) == 0) {
		rc = tl_pki_import(&s, a.purpose, a.node, a.cert, a.chain, a.nchain,
				   stdout, &e) ? cli_fail(EXIT_INVALID, &e) : 0;
		tl_store_close(&s);
	}
	cli_import_args_free(&a);
	return rc;
}

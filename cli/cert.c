/* trustline cert list|show|export|generate */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "file.h"
#include "fromstore.h"
#include "json.h"
#include "pki.h"
#include "revcheck.h"

static void usage(FILE *f)
{
	fputs(
"usage: trustline cert list [--usage identity|trust] [--store S] [--purpose P]\n"
"                           [--expiring-within DAYS] [--json]\n"
"       trustline cert show NAME|FILE [--json]\n"
"       trustline cert export NAME [--der] [-o FILE]\n"
"       trustline cert csr PURPOSE [--node N] [--key rsa:BITS|ec:256|ec:384]\n"
"                              [--hash sha256|sha384|sha512] [--include-ou]\n"
"                              [--san NAME]... [-o FILE]\n"
"       trustline cert csr list [--json]\n"
"       trustline cert csr show PURPOSE [--node N] [--json]\n"
"       trustline cert csr delete PURPOSE [--node N]\n"
"       trustline cert import PURPOSE CERT [--node N] [--chain FILE]...\n"
"       trustline cert check [FILE] [--purpose P] [--host FQDN] [--key FILE]\n"
"                               [--chain FILE]... [--json]\n"
"       trustline cert monitor [--notify-days N] [--json] [--watch]\n"
"       trustline cert audit [--json]\n"
"       trustline cert revocation show|set|check ... (see its --help)\n"
"       trustline cert generate PURPOSE [--node N] [--key rsa:BITS|ec:256|ec:384]\n"
"                               [--hash sha256|sha384|sha512] [--years 5|10|20]\n"
"                               [--san NAME]... [--force]\n"
"       trustline cert trust add STORE FILE [--allow-expired]\n"
"       trustline cert trust delete STORE NAME [--force]\n"
"       trustline cert export-bulk DIR [--force]\n"
"       trustline cert import-bulk DIR\n"
"Every command takes --data-dir DIR (default $TRUSTLINE_DATA_DIR, else\n"
"/var/lib/trustline).\n"
"\n"
"NAME is PURPOSE/NODE (CallManager/cucm-pub), PURPOSE alone for the\n"
"publisher's, or STORE/NAME for a trust-store certificate\n"
"(CallManager-trust/cucm-pub.lab.example).\n"
"\n"
"generate  regenerates an identity certificate (the key type and size are kept\n"
"          unless --key is given), enforcing the rules of docs/certificates.md, then\n"
"          performs the cascade: -trust copies, the ITL rebuilt and re-signed, the\n"
"          CTL marked \"update required\" in mixed mode. CallManager and TVS of one\n"
"          node cannot be regenerated within 5 minutes of each other without\n"
"          --force, nor a CA-signed certificate replaced by a self-signed one.\n"
"csr       writes a PKCS#10 request (to -o FILE or standard output) with a new\n"
"          key and the purpose's key usages as an extensionRequest; it replaces\n"
"          any pending request of that purpose and node. The key keeps the\n"
"          current certificate's type and size unless --key is given; --hash\n"
"          sets the request's signature hash (default [pki] hash).\n"
"          csr list shows the pending requests, csr show one of them (with its\n"
"          PEM), csr delete discards one and its key.\n"
"import    installs the CA-signed certificate for the pending request: its key\n"
"          must be the request's, it must keep every key usage the purpose\n"
"          needs (the missing one is named), and it must chain to a trust-store\n"
"          certificate or a --chain file (which then joins the -trust store).\n"
"          CERT and each --chain FILE may be PEM (any number of certificates),\n"
"          DER or PKCS#7 (.p7b, PEM or DER); in CERT the first certificate that\n"
"          is not a CA is the leaf and the others join the chain.\n"
"          Then the same cascade as generate.\n"
"check     names every problem phones and administrators meet with a\n"
"          certificate (missing key usage for the purpose, wildcard, key size,\n"
"          expired, chain incomplete, host not in CN/SAN, key mismatch, key file\n"
"          without final newline, weak signature), one line each with what to\n"
"          do. Chains are built from --chain files and the data directory's trust\n"
"          stores. Exit 0 only when clean. Without FILE: the data directory,\n"
"          an interrupted change and trust lists that no longer match the\n"
"          stores (stale-itl, stale-ctl).\n"
"audit     prints the audit log: every change to certificates, trust stores and\n"
"          devices, with who, when, and the old and new SHA-256 fingerprints.\n"
"monitor   reports every identity and trust certificate against the alarms\n"
"          CertExpired, CertValidLessThanADay, CertValidfor7days (critical),\n"
"          CertValidLessThanMonth and CertValidityOver30Days; exit 0 when no\n"
"          alarm is raised, 3 when the worst is a warning, 4 when one is\n"
"          critical (2 stays a usage error or an unreadable data directory).\n"
"          --watch runs every notify_every_hours (hourly\n"
"          while an alarm is critical), runs `cert revocation check` every\n"
"          [revocation] check_every_hours, and logs to standard error.\n"
"trust add\n"
"          puts every certificate of FILE (PEM, DER, a PEM bundle or a PKCS#7\n"
"          chain in PEM or DER) into a trust store, or refuses them all: no\n"
"          wildcard names, no key above 4096 bits, no expired or not yet valid\n"
"          certificate without --allow-expired, one certificate per subject (a\n"
"          new one replaces the stored one only when its notBefore is later).\n"
"trust delete\n"
"          lists the certificates that chain through STORE/NAME and refuses to\n"
"          delete it while there are any, unless --force.\n"
"export-bulk, import-bulk\n"
"          phone migration: export-bulk, on the cluster the phones move to,\n"
"          writes the CallManager certificates of its TFTP nodes, its\n"
"          ITLRecovery certificate and a manifest.ini into DIR (a DIR holding\n"
"          files only with --force); import-bulk, on the cluster the phones\n"
"          come from, adds them to CallManager-trust and Phone-SAST-trust as\n"
"          trust add does, so that its TVS vouches for the new ITL.\n", f);
}

/* A row of `cert list`: identity or trust certificate. */
typedef struct row {
	const char *usage, *group;
	char name[128];
	tl_cert *cert;
} row;

static long days_left(const tl_cert *c)
{
	return (long)((c->not_after - time(NULL)) / 86400);
}

static void print_row(const row *r, const char *rev, int json, int first)
{
	char *serial = tl_hex(r->cert->serial, r->cert->serial_len, 1);
	char until[32];
	struct tm tm;

	strftime(until, sizeof(until), "%Y-%m-%d", gmtime_r(&r->cert->not_after, &tm));
	if (json) {
		printf("%s{\"usage\":\"%s\",\"group\":\"%s\",\"name\":", first ? "" : ",",
		       r->usage, r->group);
		tl_json_str(stdout, r->name);
		fputs(",\"subject\":", stdout);
		tl_json_str(stdout, r->cert->subject);
		fputs(",\"issuer\":", stdout);
		tl_json_str(stdout, r->cert->issuer);
		printf(",\"serial\":\"%s\",\"key\":\"%s-%d\",\"not_after\":%ld,"
		       "\"days_left\":%ld,\"revocation\":\"%s\"}", serial ? serial : "",
		       r->cert->key_type == TL_KEY_RSA ? "RSA" : "EC", r->cert->key_bits,
		       (long)r->cert->not_after, days_left(r->cert), rev);
	} else {
		printf("%-8s %-18s %-28s %-7s %s  %5ld d  %-9s %s\n", r->usage, r->group,
		       r->name, r->cert->key_type == TL_KEY_RSA ? "RSA" : "EC", until,
		       days_left(r->cert), rev, r->cert->subject);
	}
	free(serial);
}

struct list_ctx {
	tl_store *s;
	const char *purpose;
	long within;
	int json, shown;
};

static int list_item(void *arg, tl_pki_item *it)
{
	struct list_ctx *c = arg;
	row r = { it->identity ? "identity" : "trust", it->group, "", it->cert };
	tl_rev rev;

	if (it->identity && c->purpose && strcasecmp(c->purpose, it->group))
		return 0;
	if (c->within >= 0 && days_left(it->cert) > c->within)
		return 0;
	snprintf(r.name, sizeof(r.name), "%s", it->name);
	tl_pki_rev_get(c->s, it->cert, &rev);
	print_row(&r, tl_rev_status_name(rev.status), c->json, c->shown++ == 0);
	return 0;
}

static int do_list(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	static const struct option opts[] = {
		{ "usage", required_argument, 0, 'u' },
		{ "store", required_argument, 0, 's' },
		{ "purpose", required_argument, 0, 'p' },
		{ "expiring-within", required_argument, 0, 'x' },
		{ "json", no_argument, 0, 'j' },
		CLI_STORE_OPTIONS,
		{ 0, 0, 0, 0 },
	};
	const char *usage_f = NULL, *store_f = NULL, *purpose_f = NULL, *one[1];
	const char *dir = NULL;
	struct list_ctx ctx = { NULL, NULL, -1, 0, 0 };
	long within = -1;
	int json = 0, c, ids, trust, rc;
	tl_store s;
	tl_err e;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'u':
			if (strcmp(optarg, "identity") && strcmp(optarg, "trust"))
				return cli_usage(cmd, "--usage is identity or trust");
			usage_f = optarg;
			break;
		case 's': store_f = optarg; break;
		case 'p': purpose_f = optarg; break;
		case 'x': within = atol(optarg); break;
		case 'j': json = 1; break;
		default:
			if ((rc = cli_store_opt(c, optarg, &dir, help, cmd)) >= 0)
				return rc;
		}
	}
	if (store_f && !tl_trust_store_find(store_f))
		return cli_usage(cmd, "unknown trust store \"%s\": one of %s",
				 store_f, tl_trust_store_names());
	if (purpose_f && !tl_purpose_find(purpose_f))
		return cli_usage(cmd, "unknown purpose \"%s\": one of %s",
				 purpose_f, tl_purpose_names());
	if (cli_open_store(&s, dir))
		return EXIT_USAGE;
	if (json)
		fputs("[", stdout);
	else
		printf("%-8s %-18s %-28s %-7s %-10s  %7s  %-9s %s\n", "USAGE",
		       "PURPOSE/STORE", "NAME", "KEY", "EXPIRES", "LEFT", "REVOKED?",
		       "SUBJECT");
	ids = (!usage_f || !strcmp(usage_f, "identity")) && !store_f;
	trust = (!usage_f || !strcmp(usage_f, "trust")) && !purpose_f;
	one[0] = store_f ? tl_trust_store_find(store_f) : NULL;
	ctx.purpose = purpose_f;
	ctx.within = within;
	ctx.json = json;
	ctx.s = &s;
	rc = tl_pki_each(&s, ids, trust && !store_f ? NULL : one, trust && store_f,
			 list_item, &ctx, &e) ? cli_fail(EXIT_USAGE, &e) : 0;
	if (json)
		fputs("]\n", stdout);
	tl_store_close(&s);
	return rc;
}

/* NAME as PURPOSE[/NODE] or STORE/NAME, else a file. */
static int resolve(const char *dir, const char *name, tl_cert **out, tl_err *e)
{
	char group[128];
	const char *slash = strchr(name, '/');
	const tl_purpose *p;
	tl_store s;
	int rc;

	if (access(name, F_OK) == 0)
		return tl_cert_load(name, out, e);
	snprintf(group, sizeof(group), "%.*s", slash ? (int)(slash - name) : 127, name);
	p = tl_purpose_find(group);
	if (!p && !tl_trust_store_find(group))
		return tl_fail(e, "%s: no such file, purpose or trust store (purposes: "
			       "%s; trust stores: %s)", name, tl_purpose_names(),
			       tl_trust_store_names());
	if (tl_pki_store_open(&s, tl_store_default_dir(dir), stderr, e))
		return -1;
	if (p) {
		const char *node = slash ? slash + 1 : s.conf.nodes[0];

		if (!tl_store_identity_exists(&s, p->name, node))
			rc = tl_fail(e, "no %s certificate for node %s", p->name, node);
		else
			rc = tl_store_identity_load(&s, p->name, node, out, NULL, e);
	} else {
		char path[1500];

		if (!slash)
			rc = tl_fail(e, "give STORE/NAME (see `trustline cert list "
				     "--store %s`)", group);
		else if (tl_store_path(&s, path, sizeof(path), "trust/%s/%s.pem",
				       tl_trust_store_find(group), slash + 1) ||
			 access(path, F_OK) != 0)
			rc = tl_fail(e, "%s holds no certificate named %s",
				     tl_trust_store_find(group), slash + 1);
		else
			rc = tl_cert_load(path, out, e);
	}
	tl_store_close(&s);
	return rc;
}

/* The one NAME (what the usage error calls it) after the options of show
 * and export: -1 with *out loaded, else the exit status after the
 * message. */
static int named_cert(const char *cmd, const char *dir, int argc, char **argv,
		      const char *what, tl_cert **out)
{
	tl_err e;

	if (optind + 1 != argc)
		return cli_usage(cmd, "give one %s", what);
	if (resolve(dir, argv[optind], out, &e))
		return cli_fail(EXIT_USAGE, &e);
	return -1;
}

/* The SHA-1, SHA-256 and MD5 fingerprints of c: JSON members, or a line
 * each. */
static void print_fingerprints(const tl_cert *c, int json)
{
	static const int fps[] = { TL_HASH_SHA1, TL_HASH_SHA256, TL_HASH_MD5 };
	static const char *const keys[] = { "sha1", "sha256", "md5" };
	static const char *const labels[] = { "SHA-1:", "SHA-256:", "MD5:" };
	uint8_t h[TL_HASH_MAX];

	for (int i = 0; i < 3; i++) {
		int n = tl_hash(fps[i], c->der, c->der_len, h);

		if (json) {
			printf(",\"%s\":", keys[i]);
			tl_json_hex(stdout, h, (size_t)n, 0);
			continue;
		}
		printf("%-12s ", labels[i]);
		for (int k = 0; k < n; k++)
			printf("%s%02x", k ? ":" : "", h[k]);
		fputc('\n', stdout);
	}
}

static void print_bits(unsigned v, const char *const *names, const unsigned *bits,
		       size_t n)
{
	int first = 1;

	for (size_t i = 0; i < n; i++)
		if (v & bits[i]) {
			printf("%s%s", first ? "" : ", ", names[i]);
			first = 0;
		}
	if (first)
		fputs("(none)", stdout);
	fputc('\n', stdout);
}

static int do_show(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, 0, 'j' },
		CLI_STORE_OPTIONS,
		{ 0, 0, 0, 0 },
	};
	static const char *const ku_names[] = { "digitalSignature", "keyEncipherment",
		"dataEncipherment", "keyAgreement", "keyCertSign", "cRLSign" };
	static const unsigned ku_bits[] = { TL_KU_DIGITAL_SIGNATURE,
		TL_KU_KEY_ENCIPHERMENT, TL_KU_DATA_ENCIPHERMENT, TL_KU_KEY_AGREEMENT,
		TL_KU_KEY_CERT_SIGN, TL_KU_CRL_SIGN };
	static const char *const eku_names[] = { "serverAuth", "clientAuth",
		"ipsecEndSystem" };
	static const unsigned eku_bits[] = { TL_EKU_SERVER_AUTH, TL_EKU_CLIENT_AUTH,
		TL_EKU_IPSEC_END_SYSTEM };
	const char *dir = NULL;
	int json = 0, c, rc;
	char *serial, t1[32], t2[32];
	struct tm tm;
	tl_cert *cert;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		default:
			if ((rc = cli_store_opt(c, optarg, &dir, help, cmd)) >= 0)
				return rc;
		}
	}
	if ((rc = named_cert(cmd, dir, argc, argv, "NAME or FILE", &cert)) >= 0)
		return rc;
	serial = tl_hex(cert->serial, cert->serial_len, 1);
	strftime(t1, sizeof(t1), "%Y-%m-%d %H:%M:%S GMT", gmtime_r(&cert->not_before, &tm));
	strftime(t2, sizeof(t2), "%Y-%m-%d %H:%M:%S GMT", gmtime_r(&cert->not_after, &tm));
	if (json) {
		fputs("{\"subject\":", stdout);
		tl_json_str(stdout, cert->subject);
		fputs(",\"issuer\":", stdout);
		tl_json_str(stdout, cert->issuer);
		printf(",\"serial\":\"%s\",\"not_before\":%ld,\"not_after\":%ld,"
		       "\"key\":\"%s-%d\",\"signature\":\"%s\",\"key_usage\":%u,"
		       "\"ext_key_usage\":%u,\"ca\":%s,\"san\":[", serial ? serial : "",
		       (long)cert->not_before, (long)cert->not_after,
		       cert->key_type == TL_KEY_RSA ? "RSA" : "EC", cert->key_bits,
		       cert->sig_alg, cert->key_usage, cert->ext_key_usage,
		       cert->is_ca ? "true" : "false");
		for (size_t i = 0; i < cert->nsan; i++) {
			fputs(i ? "," : "", stdout);
			tl_json_str(stdout, cert->san[i]);
		}
		fputs("]", stdout);
		print_fingerprints(cert, 1);
		cli_rev_show(cert, dir, 1);
		fputs("}\n", stdout);
	} else {
		printf("Subject:     %s\nIssuer:      %s\nSerial:      %s\n"
		       "Valid from:  %s\nValid until: %s (%ld days left)\n"
		       "Key:         %s-%d\nSignature:   %s\nCA:          %s\n",
		       cert->subject, cert->issuer, serial ? serial : "", t1, t2,
		       days_left(cert), cert->key_type == TL_KEY_RSA ? "RSA" : "EC",
		       cert->key_bits, cert->sig_alg, cert->is_ca ? "yes" : "no");
		fputs("Key usage:   ", stdout);
		print_bits(cert->key_usage, ku_names, ku_bits, 6);
		fputs("Ext. usage:  ", stdout);
		print_bits(cert->ext_key_usage, eku_names, eku_bits, 3);
		fputs("Alt. names:  ", stdout);
		for (size_t i = 0; i < cert->nsan; i++)
			printf("%s%s", i ? ", " : "", cert->san[i]);
		puts(cert->nsan ? "" : "(none)");
		cli_rev_show(cert, dir, 0);
		print_fingerprints(cert, 0);
	}
	free(serial);
	tl_cert_free(cert);
	return 0;
}

static int do_export(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	static const struct option opts[] = {
		{ "der", no_argument, 0, 'd' },
		CLI_STORE_OPTIONS,
		{ 0, 0, 0, 0 },
	};
	const char *out = "-", *dir = NULL;
	int der = 0, c, rc;
	tl_cert *cert;
	char *pem;
	tl_err e;

	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'd': der = 1; break;
		case 'o': out = optarg; break;
		default:
			if ((rc = cli_store_opt(c, optarg, &dir, help, cmd)) >= 0)
				return rc;
		}
	}
	if ((rc = named_cert(cmd, dir, argc, argv, "NAME", &cert)) >= 0)
		return rc;
	if (der)
		rc = cli_write(out, cert->der, cert->der_len, &e);
	else if ((rc = tl_cert_to_pem(cert, &pem, &e)) == 0) {
		rc = cli_write(out, pem, strlen(pem), &e);
		free(pem);
	}
	tl_cert_free(cert);
	return rc ? cli_fail(EXIT_USAGE, &e) : 0;
}

/* --key rsa:BITS|ec:256|ec:384 (c 'k') and --hash (c 'H') of generate and
 * csr; a bad value is a usage error, already printed. */
static int key_opt(int c, const char *arg, int *type, int *bits, int *hash,
		   const char *cmd)
{
	tl_err e;

	if (c == 'k' && tl_conf_parse_key(arg, type, bits, &e))
		return cli_usage(cmd, "--key: %s", e.msg);
	if (c == 'H' && (*hash = tl_hash_parse(arg)) < 0)
		return cli_usage(cmd, "--hash: sha256, sha384 or sha512");
	return 0;
}

static int do_generate(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	static const struct option opts[] = {
		{ "node", required_argument, 0, 'n' },
		{ "key", required_argument, 0, 'k' },
		{ "hash", required_argument, 0, 'H' },
		{ "years", required_argument, 0, 'y' },
		{ "san", required_argument, 0, 's' },
		{ "force", no_argument, 0, 'f' },
		CLI_STORE_OPTIONS,
		{ 0, 0, 0, 0 },
	};
	const char *san[17] = { 0 }, *dir = NULL;
	int nsan = 0, c, rc;
	tl_genopts o;
	tl_store s;
	tl_err e;

	memset(&o, 0, sizeof(o));
	o.key_type = -1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': o.node = optarg; break;
		case 'k':
		case 'H':
			if (key_opt(c, optarg, &o.key_type, &o.key_bits, &o.hash_alg,
				    cmd))
				return EXIT_USAGE;
			break;
		case 'y': o.years = atoi(optarg); break;
		case 's':
			if (nsan == 16)
				return cli_usage(cmd, "at most 16 --san names");
			san[nsan++] = optarg;
			break;
		case 'f': o.force = 1; break;
		default:
			if ((rc = cli_store_opt(c, optarg, &dir, help, cmd)) >= 0)
				return rc;
		}
	}
	if (optind + 1 != argc)
		return cli_usage(cmd, "give one PURPOSE");
	o.purpose = argv[optind];
	o.san = san;
	if (cli_open_store(&s, dir))
		return EXIT_USAGE;
	rc = tl_pki_generate(&s, &o, stdout, &e);
	tl_store_close(&s);
	return rc ? cli_fail(EXIT_INVALID, &e) : 0;
}

static void print_pending(const tl_pending *p, int json, int with_pem)
{
	const tl_cert *r = p->req;
	char when[32];
	struct tm tm;

	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&p->created, &tm));
	if (!json) {
		char key[16];

		snprintf(key, sizeof(key), "%s-%d", r->key_type == TL_KEY_RSA ?
			 "RSA" : "EC", r->key_bits);
		printf("%-18s %-14s %-9s %-20s  %s\n", p->purpose->name, p->node, key,
		       when, r->subject);
		for (size_t i = 0; with_pem && i < r->nsan; i++)
			printf("  subjectAltName: %s\n", r->san[i]);
		if (with_pem)
			printf("  signature: %s\n%s", r->sig_alg, p->pem);
		return;
	}
	printf("{\"purpose\":\"%s\",\"node\":", p->purpose->name);
	tl_json_str(stdout, p->node);
	printf(",\"key\":\"%s\",\"key_bits\":%d,\"created\":\"%s\",\"subject\":",
	       r->key_type == TL_KEY_RSA ? "RSA" : "EC", r->key_bits, when);
	tl_json_str(stdout, r->subject);
	printf(",\"signature\":\"%s\",\"san\":[", r->sig_alg);
	for (size_t i = 0; i < r->nsan; i++) {
		printf("%s", i ? "," : "");
		tl_json_str(stdout, r->san[i]);
	}
	printf("]");
	if (with_pem) {
		printf(",\"pem\":");
		tl_json_str(stdout, p->pem);
	}
	printf("}");
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
	if (json && list)
		printf("[");
	else if (!json)
		printf("%-18s %-14s %-9s %-20s  %s\n", "PURPOSE", "NODE", "KEY",
		       "CREATED", "SUBJECT");
	for (size_t i = 0; i < n; i++) {
		if (json && i)
			printf(",");
		print_pending(&v[i], json, !list);
	}
	if (json)
		printf(list ? "]\n" : "\n");
	else if (n == 0)
		printf("no pending CSR\n");
	tl_pki_pending_free(v, n);
	return 0;
}

static int do_csr(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	static const struct option opts[] = {
		{ "node", required_argument, 0, 'n' },
		{ "key", required_argument, 0, 'k' },
		{ "hash", required_argument, 0, 'H' },
		{ "include-ou", no_argument, 0, 'u' },
		{ "san", required_argument, 0, 's' },
		CLI_STORE_OPTIONS,
		{ 0, 0, 0, 0 },
	};
	const char *san[17] = { 0 }, *out = NULL, *dir = NULL;
	int nsan = 0, c, rc;
	tl_csropts o;
	tl_store s;
	char *pem;
	tl_err e;

	if (argc > 1 && (!strcmp(argv[1], "list") || !strcmp(argv[1], "show") ||
			 !strcmp(argv[1], "delete")))
		return csr_pending(cmd, help, argc - 1, argv + 1);
	memset(&o, 0, sizeof(o));
	o.key_type = -1;
	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'n': o.node = optarg; break;
		case 'k':
		case 'H':
			if (key_opt(c, optarg, &o.key_type, &o.key_bits, &o.hash_alg,
				    cmd))
				return EXIT_USAGE;
			break;
		case 'u': o.include_ou = 1; break;
		case 's':
			if (nsan == 16)
				return cli_usage(cmd, "at most 16 --san names");
			san[nsan++] = optarg;
			break;
		case 'o': out = optarg; break;
		default:
			if ((rc = cli_store_opt(c, optarg, &dir, help, cmd)) >= 0)
				return rc;
		}
	}
	if (optind + 1 != argc)
		return cli_usage(cmd, "give one PURPOSE");
	o.purpose = argv[optind];
	o.san = san;
	if (cli_open_store(&s, dir))
		return EXIT_USAGE;
	rc = tl_pki_csr(&s, &o, &pem, out ? stdout : stderr, &e);
	tl_store_close(&s);
	if (rc)
		return cli_fail(EXIT_INVALID, &e);
	rc = cli_write(out ? out : "-", pem, strlen(pem), &e);
	free(pem);
	return rc ? cli_fail(EXIT_USAGE, &e) : 0;
}

#define CHAIN_MAX 32

/* Appends every certificate of a --chain file (PEM bundle, DER, PKCS#7). */
static int chain_add(const char *path, tl_cert **chain, size_t *n, tl_err *e)
{
	tl_cert **got;
	size_t ng;

	if (tl_certs_load(path, &got, &ng, e))
		return -1;
	if (*n + ng > CHAIN_MAX) {
		tl_certs_free(got, ng);
		return tl_fail(e, "%s: more than %d chain certificates in all", path,
			       CHAIN_MAX);
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

	if (chain_add(path, chain, n, e))
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

static int do_import(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	static const struct option opts[] = {
		{ "node", required_argument, 0, 'n' },
		{ "chain", required_argument, 0, 'c' },
		CLI_STORE_OPTIONS,
		{ 0, 0, 0, 0 },
	};
	const char *node = NULL, *dir = NULL;
	tl_cert *chain[CHAIN_MAX], *cert = NULL;
	size_t nchain = 0;
	int c, rc = EXIT_USAGE;
	tl_store s;
	tl_err e;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': node = optarg; break;
		case 'c':
			if (chain_add(optarg, chain, &nchain, &e)) {
				rc = cli_fail(EXIT_USAGE, &e);
				goto out;
			}
			break;
		default:
			if ((rc = cli_store_opt(c, optarg, &dir, help, cmd)) >= 0)
				goto out;
		}
	}
	if (optind + 2 != argc) {
		rc = cli_usage(cmd, "give PURPOSE and the CA-signed CERT");
		goto out;
	}
	if (nchain == CHAIN_MAX) {
		rc = cli_usage(cmd, "more than %d chain certificates", CHAIN_MAX);
		goto out;
	}
	if (leaf_load(argv[optind + 1], &cert, chain, &nchain, &e)) {
		rc = cli_fail(EXIT_USAGE, &e);
		goto out;
	}
	if ((rc = cli_open_store(&s, dir)) != 0)
		goto out;
	rc = tl_pki_import(&s, argv[optind], node, cert, chain, nchain, stdout, &e)
		? cli_fail(EXIT_INVALID, &e) : 0;
	tl_store_close(&s);
out:
	for (size_t i = 0; i < nchain; i++)
		tl_cert_free(chain[i]);
	tl_cert_free(cert);
	return rc;
}

/* What `cert check` found about what (a file, or the data directory:
 * key names it in JSON), one line each. */
static void print_problems(const char *key, const char *what,
			   const tl_problem *probs, int n, int json)
{
	if (json) {
		printf("{\"%s\":", key);
		tl_json_str(stdout, what);
		printf(",\"clean\":%s,\"problems\":[", n ? "false" : "true");
		for (int i = 0; i < n; i++) {
			printf("%s{\"code\":\"%s\",\"message\":", i ? "," : "",
			       probs[i].code);
			tl_json_str(stdout, probs[i].msg);
			fputc('}', stdout);
		}
		fputs("]}\n", stdout);
		return;
	}
	for (int i = 0; i < n; i++)
		printf("%s: %s: %s\n", what, probs[i].code, probs[i].msg);
	if (n == 0)
		printf("%s: no problem found\n", what);
}

/* `cert check` without a file: the data directory as a whole. What a
 * crash or a hand edit can leave: a change whose cascade did not finish,
 * and trust lists that no longer list what the stores hold. */
static int check_data_dir(const char *given, int json)
{
	tl_problem probs[3];
	const char *dir = tl_store_default_dir(given);
	tl_store s;
	tl_err e;
	int n = 0, rc;

	/* opened without completing, so that what is left shows */
	if (tl_store_open(&s, dir, &e))
		return cli_fail(EXIT_USAGE, &e);
	tl_pki_journal_pending(&s, probs[n].msg, sizeof(probs[n].msg));
	if (probs[n].msg[0]) {
		snprintf(probs[n].code, sizeof(probs[n].code), "interrupted-change");
		strncat(probs[n].msg, ": run any trustline command to complete it",
			sizeof(probs[n].msg) - strlen(probs[n].msg) - 1);
		n++;
	}
	for (int ctl = 0; ctl < 2; ctl++) {
		char why[512];

		rc = ctl ? tl_ctl_matches_store(&s, why, sizeof(why), &e) :
		     tl_itl_matches_store(&s, why, sizeof(why), &e);
		if (rc == 1)
			continue;
		snprintf(probs[n].code, sizeof(probs[n].code), ctl ? "stale-ctl" : "stale-itl");
		snprintf(probs[n].msg, sizeof(probs[n].msg), "%s: %s", rc < 0 ? e.msg : why,
			 ctl ? "run `trustline ctl update`" : "run `trustline itl rebuild`");
		n++;
	}
	tl_store_close(&s);
	print_problems("data_dir", dir, probs, n, json);
	return n ? EXIT_INVALID : 0;
}

static int do_check(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	static const struct option opts[] = {
		{ "purpose", required_argument, 0, 'p' },
		{ "host", required_argument, 0, 'H' },
		{ "key", required_argument, 0, 'k' },
		{ "chain", required_argument, 0, 'c' },
		{ "json", no_argument, 0, 'j' },
		CLI_STORE_OPTIONS,
		{ 0, 0, 0, 0 },
	};
	tl_cert *chain[CHAIN_MAX], **pool = NULL;
	tl_problem probs[32];
	tl_lintreq r;
	tl_store s;
	tl_cert *cert = NULL;
	tl_key *key = NULL;
	uint8_t *key_file = NULL;
	size_t nchain = 0, npool = 0, key_len = 0;
	const char *key_path = NULL, *dir = NULL;
	int json = 0, c, n, rc = EXIT_USAGE;
	tl_err e;

	memset(&r, 0, sizeof(r));
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if ((r.purpose = tl_purpose_find(optarg)) == NULL)
				return cli_usage(cmd, "unknown purpose \"%s\": "
						 "one of %s", optarg, tl_purpose_names());
			break;
		case 'H': r.host = optarg; break;
		case 'k': key_path = optarg; break;
		case 'c':
			if (chain_add(optarg, chain, &nchain, &e)) {
				rc = cli_fail(EXIT_USAGE, &e);
				goto out;
			}
			break;
		case 'j': json = 1; break;
		default:
			if ((rc = cli_store_opt(c, optarg, &dir, help, cmd)) >= 0)
				return rc;
		}
	}
	if (optind == argc && nchain == 0 && !key_path && !r.purpose && !r.host)
		return check_data_dir(dir, json);
	if (optind + 1 != argc) {
		rc = cli_usage(cmd, "give one certificate FILE, or none to "
			       "check the data directory");
		goto out;
	}
	if (tl_cert_load(argv[optind], &cert, &e) ||
	    (key_path && (tl_read_file(key_path, 1 << 20, &key_file, &key_len, &e) ||
			  tl_key_from_mem(key_file, key_len, key_path, &key, &e)))) {
		rc = cli_fail(EXIT_USAGE, &e);
		goto out;
	}
	/* the data directory's trust stores, when there is one, complete chains */
	if (tl_pki_store_open(&s, tl_store_default_dir(dir), stderr, &e) == 0) {
		if (tl_pki_trust_pool(&s, nchain, &pool, &npool, &e))
			npool = 0;
		tl_store_close(&s);
	}
	if (pool == NULL && (pool = calloc(nchain + 1, sizeof(*pool))) == NULL) {
		rc = cli_error(EXIT_USAGE, "out of memory");
		goto out;
	}
	memcpy(pool + npool, chain, nchain * sizeof(*chain));
	r.cert = cert;
	r.key = key;
	r.key_file = key_file;
	r.key_file_len = key_len;
	r.pool = pool;
	r.npool = npool + nchain;
	n = tl_pki_lint(&r, probs, 32);
	print_problems("file", argv[optind], probs, n, json);
	rc = n ? EXIT_INVALID : 0;
out:
	for (size_t i = 0; i < npool; i++)
		tl_cert_free(pool[i]);
	free(pool);
	for (size_t i = 0; i < nchain; i++)
		tl_cert_free(chain[i]);
	tl_cert_free(cert);
	tl_key_free(key);
	if (key_file)
		explicit_bzero(key_file, key_len);
	free(key_file);
	return rc;
}

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	stop = sig;
}

static int do_monitor(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	static const struct option opts[] = {
		{ "notify-days", required_argument, 0, 'n' },
		{ "json", no_argument, 0, 'j' },
		{ "watch", no_argument, 0, 'w' },
		CLI_STORE_OPTIONS,
		{ 0, 0, 0, 0 },
	};
	const char *dir = NULL;
	int days = 0, json = 0, watch = 0, c, rc, worst = 0;
	time_t next_monitor = 0, next_rev = 0;
	tl_store s;
	tl_err e;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': days = atoi(optarg); break;
		case 'j': json = 1; break;
		case 'w': watch = 1; break;
		default:
			if ((rc = cli_store_opt(c, optarg, &dir, help, cmd)) >= 0)
				return rc;
		}
	}
	if (optind != argc || days < 0)
		return cli_usage(cmd, "unexpected argument");
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	do {
		time_t now = time(NULL);
		int every;

		if (cli_open_store(&s, dir))
			return EXIT_USAGE;
		if (now >= next_monitor) {
			worst = tl_pki_monitor(&s, days, json, watch ? stderr : stdout, &e);
			/* daily, hourly once something is critical */
			next_monitor = now + (worst == 2 ? 3600 :
					      s.conf.notify_every_hours * 3600);
		}
		/* --watch is also the revocation schedule: a verdict that changes
		 * bumps the generation, and tvsd stops vouching within seconds */
		every = s.conf.rev.check_every_hours;
		if (worst >= 0 && watch && every > 0 && now >= next_rev) {
			if (tl_pki_rev_check(&s, NULL, json, stderr, stderr, &e) < 0)
				fprintf(stderr, "trustline: revocation check: %s\n", e.msg);
			next_rev = now + (time_t)every * 3600;
		}
		tl_store_close(&s);
		if (worst < 0)
			return cli_fail(EXIT_USAGE, &e);
		fflush(NULL);
		while (watch && !stop && time(NULL) < next_monitor &&
		       (every <= 0 || time(NULL) < next_rev))
			sleep(1);
	} while (watch && !stop);
	/* distinct from EXIT_INVALID and EXIT_USAGE, so a cron job or a check
	 * script can tell an alarm from a failure; --watch ends on a signal */
	if (watch)
		return 0;
	return worst == 2 ? EXIT_ALARM_CRITICAL : worst == 1 ? EXIT_ALARM_WARNING : 0;
}

/* The exit status of a trust-store operation: -1 refused, -2 bad input. */
static int trust_exit(int rc, const tl_err *e)
{
	return rc == 0 ? 0 : cli_fail(rc == -2 ? EXIT_USAGE : EXIT_INVALID, e);
}

static int do_trust_add(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	static const struct option opts[] = {
		{ "allow-expired", no_argument, 0, 'x' },
		CLI_STORE_OPTIONS,
		{ 0, 0, 0, 0 },
	};
	const char *dir = NULL;
	tl_cert **certs;
	tl_trustadd a;
	size_t n;
	int c, rc;
	tl_store s;
	tl_err e;

	memset(&a, 0, sizeof(a));
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'x': a.allow_expired = 1; break;
		default:
			if ((rc = cli_store_opt(c, optarg, &dir, help, cmd)) >= 0)
				return rc;
		}
	}
	if (optind + 2 != argc)
		return cli_usage(cmd, "give STORE and FILE");
	if (!tl_trust_store_find(argv[optind]))
		return cli_usage(cmd, "unknown trust store \"%s\": one of "
				 "%s", argv[optind], tl_trust_store_names());
	if (tl_certs_load(argv[optind + 1], &certs, &n, &e))
		return cli_fail(EXIT_USAGE, &e);
	if (cli_open_store(&s, dir)) {
		tl_certs_free(certs, n);
		return EXIT_USAGE;
	}
	a.store = argv[optind];
	a.certs = certs;
	a.n = n;
	rc = tl_pki_trust_add(&s, &a, stdout, &e);
	tl_store_close(&s);
	tl_certs_free(certs, n);
	return trust_exit(rc, &e);
}

static int do_trust_delete(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, 0, 'f' },
		CLI_STORE_OPTIONS,
		{ 0, 0, 0, 0 },
	};
	const char *dir = NULL;
	int force = 0, c, rc;
	tl_store s;
	tl_err e;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': force = 1; break;
		default:
			if ((rc = cli_store_opt(c, optarg, &dir, help, cmd)) >= 0)
				return rc;
		}
	}
	if (optind + 2 != argc)
		return cli_usage(cmd, "give STORE and NAME");
	if (cli_open_store(&s, dir))
		return EXIT_USAGE;
	rc = tl_pki_trust_delete(&s, argv[optind], argv[optind + 1], force, stdout, &e);
	tl_store_close(&s);
	return trust_exit(rc, &e);
}

static int do_trust(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "add") == 0)
		return do_trust_add("cert trust add", help, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "delete") == 0)
		return do_trust_delete("cert trust delete", help, argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		help(stdout);
		return 0;
	}
	return cli_usage(cmd, "give add or delete");
}

/* export-bulk [--force] and import-bulk: DIR and the data directory. */
static int bulk(const char *cmd, void (*help)(FILE *), int argc, char **argv,
		int export)
{
	static const struct option opts[] = {
		{ "force", no_argument, 0, 'f' },
		CLI_STORE_OPTIONS,
		{ 0, 0, 0, 0 },
	};
	const char *dir = NULL;
	int c, rc, force = 0;
	tl_store s;
	tl_err e;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (!export)
				return cli_usage(cmd, "unknown option");
			force = 1;
			break;
		default:
			if ((rc = cli_store_opt(c, optarg, &dir, help, cmd)) >= 0)
				return rc;
		}
	}
	if (optind + 1 != argc)
		return cli_usage(cmd, "give one DIR");
	if (cli_open_store(&s, dir))
		return EXIT_USAGE;
	rc = export ? tl_pki_bulk_export(&s, argv[optind], force, stdout, &e) :
		      tl_pki_bulk_import(&s, argv[optind], stdout, &e);
	tl_store_close(&s);
	return trust_exit(rc, &e);
}

static int do_export_bulk(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	return bulk(cmd, help, argc, argv, 1);
}

static int do_import_bulk(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	return bulk(cmd, help, argc, argv, 0);
}

struct audit_ctx {
	int json, n;
};

static void audit_row(void *arg, long ts, const char *user, const char *action,
		      const char *object, const char *old_fp, const char *new_fp)
{
	struct audit_ctx *c = arg;
	time_t t = (time_t)ts;
	char when[32];
	struct tm tm;

	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	if (!c->json) {
		printf("%s %-10s %-16s %-32s old=%.16s new=%.16s\n", when, user, action,
		       object, old_fp ? old_fp : "-", new_fp ? new_fp : "-");
		return;
	}
	printf("%s{\"time\":\"%s\",\"user\":", c->n++ ? "," : "", when);
	tl_json_str(stdout, user);
	fputs(",\"action\":", stdout);
	tl_json_str(stdout, action);
	fputs(",\"object\":", stdout);
	tl_json_str(stdout, object);
	fputs(",\"old_sha256\":", stdout);
	tl_json_str(stdout, old_fp);
	fputs(",\"new_sha256\":", stdout);
	tl_json_str(stdout, new_fp);
	fputc('}', stdout);
}

static int do_audit(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, 0, 'j' },
		CLI_STORE_OPTIONS,
		{ 0, 0, 0, 0 },
	};
	struct audit_ctx ctx = { 0, 0 };
	const char *dir = NULL;
	tl_store s;
	tl_err e;
	int c, rc;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': ctx.json = 1; break;
		default:
			if ((rc = cli_store_opt(c, optarg, &dir, help, cmd)) >= 0)
				return rc;
		}
	}
	if (optind != argc)
		return cli_usage(cmd, "unexpected argument \"%s\"", argv[optind]);
	if (cli_open_store(&s, dir))
		return EXIT_USAGE;
	if (ctx.json)
		putchar('[');
	rc = tl_store_audit_each(&s, audit_row, &ctx, &e) ? cli_fail(EXIT_USAGE, &e) : 0;
	if (ctx.json)
		puts("]");
	tl_store_close(&s);
	return rc;
}

static int do_revocation(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	return cli_cert_revocation(argc, argv);
}

int cmd_cert(int argc, char **argv)
{
	static const cli_verb verbs[] = {
		{ "list", do_list }, { "show", do_show }, { "export", do_export },
		{ "generate", do_generate }, { "check", do_check },
		{ "monitor", do_monitor }, { "csr", do_csr }, { "import", do_import },
		{ "audit", do_audit },
		{ "trust", do_trust }, { "export-bulk", do_export_bulk },
		{ "import-bulk", do_import_bulk },
		{ "revocation", do_revocation },
	};

	return cli_dispatch("cert", usage, verbs, sizeof(verbs) / sizeof(verbs[0]),
			    argc, argv);
}

/* trustline cert: the group's usage and dispatch, and the subcommands that
 * only read: list, show, export, audit. The others are declared in
 * certcmd.h. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "certcmd.h"
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
"          performs the cascade: -trust copies, the ITL rebuilt and re-signed, in\n"
"          mixed mode the CTL updated (`ctl update`), or marked \"update required\"\n"
"          when no key the served CTL holds can sign it. CallManager and TVS of one\n"
"          node cannot be regenerated within 5 minutes of each other without\n"
"          --force, nor a CA-signed certificate replaced by a self-signed one.\n"
"          The change is planned first (`trustline plan cert generate`): when\n"
"          it would strand phones, the plan is printed and nothing changes\n"
"          unless --force.\n"
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

static void key_name(const tl_cert *c, char *out, size_t n)
{
	snprintf(out, n, "%s-%d", c->key_type == TL_KEY_RSA ? "RSA" : "EC", c->key_bits);
}

static void print_row(const row *r, const char *rev)
{
	char until[32];
	struct tm tm;

	strftime(until, sizeof(until), "%Y-%m-%d", gmtime_r(&r->cert->not_after, &tm));
	printf("%-8s %-18s %-28s %-7s %s  %5ld d  %-9s %s\n", r->usage, r->group,
	       r->name, r->cert->key_type == TL_KEY_RSA ? "RSA" : "EC", until,
	       days_left(r->cert), rev, r->cert->subject);
}

static json_t *row_json(const row *r, const char *rev)
{
	json_t *o = json_object(), *c = tl_json_cert(r->cert);
	char key[32];

	key_name(r->cert, key, sizeof(key));
	json_object_set_new(o, "usage", json_string(r->usage));
	json_object_set_new(o, "group", tl_json_text(r->group));
	json_object_set_new(o, "name", tl_json_text(r->name));
	json_object_update(o, c);
	json_decref(c);
	json_object_set_new(o, "key", json_string(key));
	json_object_set_new(o, "days_left", json_integer(days_left(r->cert)));
	json_object_set_new(o, "revocation", json_string(rev));
	return o;
}

struct list_ctx {
	tl_store *s;
	const char *purpose;
	long within;
	json_t *json;		/* the rows for --json; NULL: print them */
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
	if (c->json)
		json_array_append_new(c->json, row_json(&r, tl_rev_status_name(rev.status)));
	else
		print_row(&r, tl_rev_status_name(rev.status));
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
	struct list_ctx ctx = { NULL, NULL, -1, NULL };
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
		ctx.json = json_array();
	else
		printf("%-8s %-18s %-28s %-7s %-10s  %7s  %-9s %s\n", "USAGE",
		       "PURPOSE/STORE", "NAME", "KEY", "EXPIRES", "LEFT", "REVOKED?",
		       "SUBJECT");
	ids = (!usage_f || !strcmp(usage_f, "identity")) && !store_f;
	trust = (!usage_f || !strcmp(usage_f, "trust")) && !purpose_f;
	one[0] = store_f ? tl_trust_store_find(store_f) : NULL;
	ctx.purpose = purpose_f;
	ctx.within = within;
	ctx.s = &s;
	rc = tl_pki_each(&s, ids, trust && !store_f ? NULL : one, trust && store_f,
			 list_item, &ctx, &e) ? cli_fail(EXIT_USAGE, &e) : 0;
	if (rc == 0 && json)
		tl_json_print(ctx.json);
	else
		json_decref(ctx.json);
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

/* The SHA-1, SHA-256 and MD5 fingerprints of c, a line each. */
static void print_fingerprints(const tl_cert *c)
{
	static const int fps[] = { TL_HASH_SHA1, TL_HASH_SHA256, TL_HASH_MD5 };
	static const char *const labels[] = { "SHA-1:", "SHA-256:", "MD5:" };
	uint8_t h[TL_HASH_MAX];

	for (int i = 0; i < 3; i++) {
		int n = tl_hash(fps[i], c->der, c->der_len, h);

		printf("%-12s ", labels[i]);
		for (int k = 0; k < n; k++)
			printf("%s%02x", k ? ":" : "", h[k]);
		fputc('\n', stdout);
	}
}

static json_t *show_json(const tl_cert *cert, const char *dir)
{
	json_t *o = tl_json_cert(cert);
	uint8_t h[TL_HASH_MAX];

	tl_json_key_fields(o, cert);
	json_object_set_new(o, "key_usage", json_integer(cert->key_usage));
	json_object_set_new(o, "ext_key_usage", json_integer(cert->ext_key_usage));
	json_object_set_new(o, "ca", json_boolean(cert->is_ca));
	tl_hash(TL_HASH_MD5, cert->der, cert->der_len, h);
	json_object_set_new(o, "md5", tl_json_hexstr(h, 16, 0));
	json_object_set_new(o, "revocation", cli_rev_json(cert, dir));
	return o;
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
		tl_json_print(show_json(cert, dir));
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
		cli_rev_show(cert, dir);
		print_fingerprints(cert);
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

/* the rows for --json; NULL: print them */
struct audit_ctx {
	json_t *json;
};

static void audit_row(void *arg, long ts, const char *user, const char *action,
		      const char *object, const char *old_fp, const char *new_fp)
{
	struct audit_ctx *c = arg;
	time_t t = (time_t)ts;
	char when[32];
	struct tm tm;
	json_t *o;

	if (!c->json) {
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
		printf("%s %-10s %-16s %-32s old=%.16s new=%.16s\n", when, user, action,
		       object, old_fp ? old_fp : "-", new_fp ? new_fp : "-");
		return;
	}
	o = json_object();
	json_object_set_new(o, "time", tl_json_time(t));
	json_object_set_new(o, "user", tl_json_text(user));
	json_object_set_new(o, "action", tl_json_text(action));
	json_object_set_new(o, "object", tl_json_text(object));
	json_object_set_new(o, "old_sha256", tl_json_text(old_fp));
	json_object_set_new(o, "new_sha256", tl_json_text(new_fp));
	json_array_append_new(c->json, o);
}

static int do_audit(const char *cmd, void (*help)(FILE *), int argc, char **argv)
{
	struct audit_ctx ctx = { NULL };
	int json, rc;
	tl_store s;
	tl_err e;

	if ((rc = cli_json_store_args(cmd, help, argc, argv, &json, &s)) >= 0)
		return rc;
	if (json)
		ctx.json = json_array();
	rc = tl_store_audit_each(&s, audit_row, &ctx, &e) ? cli_fail(EXIT_USAGE, &e) : 0;
	if (rc == 0 && json)
		tl_json_print(ctx.json);
	else
		json_decref(ctx.json);
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
		{ "generate", cli_cert_generate }, { "check", cli_cert_check },
		{ "monitor", cli_cert_monitor }, { "csr", cli_cert_csr },
		{ "import", cli_cert_import }, { "audit", do_audit },
		{ "trust", cli_cert_trust }, { "export-bulk", cli_cert_bulk },
		{ "import-bulk", cli_cert_bulk },
		{ "revocation", do_revocation },
	};

	return cli_dispatch("cert", usage, verbs, sizeof(verbs) / sizeof(verbs[0]),
			    argc, argv);
}

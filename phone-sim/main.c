/* phone-sim: one simulated phone booting against the real servers
 * (docs/phone-trust.md). The decisions are phonetrust.c's; this file fetches
 * what they judge, talks to TVS and CAPF, and keeps the phone's flash. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buildinfo.h"
#include "client.h"
#include "encconfig.h"
#include "file.h"
#include "flash.h"
#include "fleet.h"
#include "httpget.h"
#include "json.h"
#include "phonecnf.h"
#include "phonenet.h"
#include "phonetrust.h"
#include "show.h"
#include "signedfile.h"
#include "tftpclient.h"
#include "tlspeer.h"
#include "tvsclient.h"

enum { EXIT_OK = 0, EXIT_REFUSED = 1, EXIT_ERROR = 2 };

static void usage(FILE *f)
{
	fputs(
"usage: phone-sim boot --state DIR --mac MAC [--model MODEL] --tftp HOST[:PORT]\n"
"                      [--http[=PORT]] [--pin-itl CERT] [--tvs HOST[:PORT]]\n"
"                      [--capf HOST[:PORT]] [--auth-string STRING] [--timeout MS]\n"
"                      [--json] [-v]\n"
"       phone-sim show --state DIR [--json]\n"
"       phone-sim erase-trust --state DIR\n"
"       phone-sim connect --state DIR --role CCM|APP-SERVER|TFTP|CAPF|TVS\n"
"                         [--tvs HOST[:PORT]] HOST:PORT\n"
"       phone-sim mic --state DIR --mac MAC [--model MODEL] --mfg-ca DIR\n"
"       phone-sim fleet --count N --concurrency C --mac-base MAC --tftp HOST[:PORT]\n"
"                       [--tvs HOST[:PORT]] [--state-root DIR | --memory] ...\n"
"\n"
"boot         fetches CTLSEP<MAC>.tlv else CTLFile.tlv, ITLSEP<MAC>.tlv else\n"
"             ITLFile.tlv, SEP<MAC>.cnf.xml.sgn (and .enc.sgn when it says\n"
"             encrConfig) over TFTP (or HTTP, port 6970 of the TFTP host,\n"
"             with --http), asks TVS when a signer is unknown, runs a CAPF\n"
"             session when the configuration names CAPF servers, and prints\n"
"             one line per decision (one JSON object with --json).\n"
"show         what the phone holds: CTL, ITL, MIC, LSC, configuration, TVS cache.\n"
"erase-trust  removes the CTL and ITL (Settings > Security > Reset).\n"
"connect      checks a TLS server's certificate as the phone would for ROLE.\n"
"mic          issues the phone's MIC (RSA 2048, 10 years,\n"
"             CN=<model>-SEP<MAC>) from DIR/lab.pem and DIR/lab.key.\n"
"fleet        boots N phones from one process (see phone-sim fleet --help).\n"
"\n"
"--tvs and --capf replace the servers the configuration names (the lab's\n"
"configuration names cluster host names that need not resolve).\n"
"Exit status: 0 trusted (boot: trusted and configured), 1 the phone refused\n"
"something (the reason is printed), 2 error (usage, unreachable TFTP server,\n"
"unreadable state).\n", f);
}

static int verbose, json;

static int fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("phone-sim: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

static void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* -v: what the phone does on the network, between its decisions. */
static void progress(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	fputs("  .. ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* The servers the boot talks to, as the configuration names them. */
typedef tl_phonecnf_server hostport;
#define parse_hostport tl_phone_hostport

/* ---- the boot's record: one entry per decision ---- */

#define MAX_STEPS 32

typedef struct step {
	char step[8];
	char file[96];
	int accepted;
	char line[1200];
} step;

typedef struct boot {
	tl_flash f;
	hostport tftp, tvs, capf;
	int have_tvs, have_capf;
	int http_port;		/* --http: files over HTTP from the TFTP host */
	const char *auth_string;
	int timeout_ms;
	tl_phonecnf last;	/* the last accepted configuration: TVS servers */
	int have_last;
	step steps[MAX_STEPS];
	size_t nsteps;
	int refused;
	char reason[1200];
	int lsc_installed;	/* by this boot's CAPF session */
	char absent[520];	/* why the server said the last file it did not
				 * have is not there ("" when it did not say) */
} boot;

static void record(boot *b, const char *what, const char *file, const tl_verdict *v)
{
	if (!json)
		printf("%s\n", v->line);
	if (!v->accepted && !b->refused) {
		b->refused = 1;
		snprintf(b->reason, sizeof(b->reason), "%s", v->line);
	}
	if (b->nsteps == MAX_STEPS)
		return;
	step *s = &b->steps[b->nsteps++];

	snprintf(s->step, sizeof(s->step), "%s", what);
	snprintf(s->file, sizeof(s->file), "%s", file);
	s->accepted = v->accepted;
	snprintf(s->line, sizeof(s->line), "%s", v->line);
}

/* A decision phonetrust.c does not make (decryption, CAPF), in its style. */
static void decide(boot *b, const char *what, const char *file, int accepted,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void decide(boot *b, const char *what, const char *file, int accepted,
		   const char *fmt, ...)
{
	tl_verdict v;
	size_t n;
	va_list ap;

	memset(&v, 0, sizeof(v));
	n = (size_t)snprintf(v.line, sizeof(v.line), "%-5s %s  ", what, file);
	va_start(ap, fmt);
	if (n < sizeof(v.line))
		vsnprintf(v.line + n, sizeof(v.line) - n, fmt, ap);
	va_end(ap);
	n = strlen(v.line);
	snprintf(v.line + n, sizeof(v.line) - n, " -> %s", accepted ? "ACCEPTED" : "REJECTED");
	v.accepted = accepted;
	record(b, what, file, &v);
}

/* ---- TVS, as phonetrust.c asks for it ---- */

static void tvs_note(const char *line)
{
	progress("%s", line);
}

static int tvs_ask(void *arg, const tl_cert *cert, const char *issuer,
		   const uint8_t *serial, size_t serial_len, tl_phone_tvs_answer *a)
{
	boot *b = arg;
	tl_phonecnf_server one;
	const tl_phonecnf_server *list = b->last.tvs;
	size_t n = b->last.ntvs;

	if (b->have_tvs) {
		one = b->tvs;
		list = &one;
		n = 1;
	}
	tl_phone_tvs_ask(&b->f.phone, list, n, b->timeout_ms, cert, issuer, serial,
			 serial_len, a, tvs_note);
	return 0;
}

/* The TVS callback, or NULL when the phone knows of no TVS server. */
static tl_tvs_fn tvs_fn(const boot *b)
{
	return b->have_tvs || (b->have_last && b->last.ntvs) ? tvs_ask : NULL;
}

/* ---- TFTP or HTTP ---- */

/* The same file over HTTP (port 6970): 200 is the file, 404 "not found"
 * as TFTP's error 1, anything else an error. */
static int fetch_http(boot *b, const char *name, uint8_t **buf, size_t *len)
{
	tl_err e;
	int status;

	if (tl_http_get(b->tftp.host, b->http_port, name, b->timeout_ms, TL_FILE_MAX, buf,
			len, &status, &e)) {
		fail(0, "%s", e.msg);
		return TL_TFTPC_TIMEOUT;
	}
	if (status == 200) {
		progress("HTTP %s: %zu bytes", name, *len);
		return TL_TFTPC_OK;
	}
	free(*buf);
	*buf = NULL;
	if (status == 404) {
		progress("HTTP %s: not found", name);
		return TL_TFTPC_NOTFOUND;
	}
	fail(0, "http://%s:%d/%s: status %d", b->tftp.host, b->http_port, name, status);
	return TL_TFTPC_REMOTE;
}

/* TL_TFTPC_OK with *buf, TL_TFTPC_NOTFOUND, or another failure (printed). */
static int fetch(boot *b, const char *name, uint8_t **buf, size_t *len)
{
	tl_tftpc_opts o;
	tl_tftpc_result r;
	tl_err e;
	int rc;

	if (b->http_port)
		return fetch_http(b, name, buf, len);
	tl_phone_tftp_opts(&o, &b->tftp, b->timeout_ms);
	b->absent[0] = 0;
	rc = tl_tftp_fetch(&o, name, TL_FILE_MAX, buf, len, &r, &e);
	if (rc == TL_TFTPC_OK) {
		progress("TFTP %s: %zu bytes", name, *len);
	} else if (rc == TL_TFTPC_NOTFOUND) {
		/* a server that names the cause, not just "File not found" */
		if (r.msg[0] && strcmp(r.msg, tl_tftp_errstr(r.code)))
			snprintf(b->absent, sizeof(b->absent), "%s", r.msg);
		progress("TFTP %s: not found%s%s", name, b->absent[0] ? ": " : "",
			 b->absent);
	} else
		fail(0, "%s", e.msg);
	return rc;
}

/* The per-phone name, else the common one. */
static int fetch_list(boot *b, const char *kind, uint8_t **buf, size_t *len)
{
	char name[64];
	int rc;

	snprintf(name, sizeof(name), "%sSEP%s.tlv", kind, b->f.mac);
	if ((rc = fetch(b, name, buf, len)) != TL_TFTPC_NOTFOUND)
		return rc;
	snprintf(name, sizeof(name), "%sFile.tlv", kind);
	return fetch(b, name, buf, len);
}

/* ---- boot steps ---- */

static int step_lists(boot *b, const tl_cert *pin)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	tl_verdict v;
	int rc;

	rc = fetch_list(b, "CTL", &buf, &len);
	if (rc != TL_TFTPC_OK && rc != TL_TFTPC_NOTFOUND)
		return -1;
	tl_phone_ctl(&b->f.phone, buf, len, NULL, &v);
	record(b, "CTL", "CTLFile.tlv", &v);
	free(buf);
	buf = NULL;
	rc = fetch_list(b, "ITL", &buf, &len);
	if (rc != TL_TFTPC_OK && rc != TL_TFTPC_NOTFOUND)
		return -1;
	tl_phone_itl(&b->f.phone, buf, len, pin, tvs_fn(b), b, &v);
	record(b, "ITL", "ITLFile.tlv", &v);
	free(buf);
	return 0;
}

/* The phone's own certificate and key for encryption and CAPF: the LSC
 * when it has one, else the MIC. */
static const char *own(const boot *b, const tl_cert **c, const tl_key **k)
{
	*c = b->f.lsc ? b->f.lsc : b->f.mic;
	*k = b->f.lsc ? b->f.lsc_key : b->f.mic_key;
	return b->f.lsc ? "LSC" : b->f.mic ? "MIC" : NULL;
}

/* The encrypted configuration the stub points to; *xml on success. */
static int step_encrypted(boot *b, const tl_phonecnf *stub, uint8_t **xml,
			  size_t *xml_len)
{
	char name[64], *hash;
	uint8_t md5[TL_HASH_MAX], *buf = NULL;
	const tl_cert *c;
	const tl_key *k;
	const char *which = own(b, &c, &k);
	size_t len;
	tl_verdict v;
	tl_sfile h;
	tl_err e;
	int rc;

	snprintf(name, sizeof(name), "SEP%s.cnf.xml.enc.sgn", b->f.mac);
	if (which == NULL) {
		decide(b, "ENC", name, 0, "encrConfig, and this phone has neither an LSC "
		       "nor a MIC to decrypt with");
		return 1;
	}
	tl_hash(TL_HASH_MD5, c->der, c->der_len, md5);
	hash = tl_hex(md5, 16, 0);
	if (hash == NULL || strcmp(hash, stub->cert_hash)) {
		decide(b, "ENC", name, 0, "certHash %s is not the MD5 of this phone's "
		       "%s %s (%s): encrypted for another phone", stub->cert_hash, which,
		       c->subject, hash ? hash : "?");
		free(hash);
		return 1;
	}
	rc = fetch(b, name, &buf, &len);
	if (rc != TL_TFTPC_OK) {
		free(hash);
		if (rc != TL_TFTPC_NOTFOUND)
			return -1;
		if (b->absent[0])
			decide(b, "ENC", name, 0, "not on the server, which says: %s",
			       b->absent);
		else
			decide(b, "ENC", name, 0, "not on the server");
		return 1;
	}
	if (tl_phone_config(&b->f.phone, name, buf, len, tvs_fn(b), b, &v)) {
		record(b, "CONF", name, &v);
		free(buf);
		free(hash);
		return 1;
	}
	record(b, "CONF", name, &v);
	rc = tl_sfile_parse(&h, buf, len, name, &e) ||
	     tl_enc_decrypt(&h, k, xml, xml_len, &e);
	if (rc)
		decide(b, "ENC", name, 0, "certHash %s = MD5 of the %s; decryption failed: "
		       "%s", hash, which, e.msg);
	else
		decide(b, "ENC", name, 1, "certHash %s = MD5 of the %s %s; decrypted with "
		       "the %s key (%zu bytes)", hash, which, c->subject, which, *xml_len);
	free(hash);
	free(buf);
	return rc ? 1 : 0;
}

/* The configuration: *cfg is filled when one was accepted (0). */
static int step_config(boot *b, tl_phonecnf *cfg)
{
	char name[64];
	uint8_t *buf = NULL;
	const uint8_t *xml;
	size_t len, xml_len;
	tl_verdict v;
	tl_sfile h;
	tl_err e;
	int rc;

	snprintf(name, sizeof(name), "SEP%s.cnf.xml.sgn", b->f.mac);
	rc = fetch(b, name, &buf, &len);
	if (rc == TL_TFTPC_NOTFOUND && (b->f.phone.rollback ||
					(!b->f.phone.has_itl && !b->f.phone.has_ctl))) {
		snprintf(name, sizeof(name), "SEP%s.cnf.xml", b->f.mac);
		rc = fetch(b, name, &buf, &len);
	}
	if (rc == TL_TFTPC_NOTFOUND && b->absent[0]) {
		decide(b, "CONF", name, 0, "not on the server, which says: %s: the phone "
		       "stays unconfigured", b->absent);
		return 1;
	}
	if (rc == TL_TFTPC_NOTFOUND) {
		decide(b, "CONF", name, 0, "not on the server (is the device added?): "
		       "the phone stays unconfigured");
		return 1;
	}
	if (rc != TL_TFTPC_OK)
		return -1;
	rc = tl_phone_config(&b->f.phone, name, buf, len, tvs_fn(b), b, &v);
	record(b, "CONF", name, &v);
	if (rc) {
		free(buf);
		return 1;
	}
	if (strstr(name, ".sgn")) {
		tl_sfile_parse(&h, buf, len, name, &e);	/* it verified: it parses */
		xml = h.body;
		xml_len = h.body_len;
	} else {
		xml = buf;
		xml_len = len;
	}
	if (tl_phonecnf_parse(xml, xml_len, cfg, &e)) {
		decide(b, "CONF", name, 0, "signed but unusable: %s", e.msg);
		free(buf);
		return 1;
	}
	if (cfg->encrypted) {
		uint8_t *plain = NULL;
		size_t plain_len = 0;

		rc = step_encrypted(b, cfg, &plain, &plain_len);
		if (rc == 0 && tl_phonecnf_parse(plain, plain_len, cfg, &e)) {
			decide(b, "ENC", name, 0, "decrypted but unusable: %s", e.msg);
			rc = 1;
		}
		if (rc == 0)
			rc = tl_flash_save_config(&b->f, plain, plain_len, &e) ? -1 : 0;
		free(plain);
		free(buf);
		return rc;
	}
	rc = tl_flash_save_config(&b->f, xml, xml_len, &e);
	if (rc)
		fail(0, "%s", e.msg);
	free(buf);
	return rc ? -1 : 0;
}

static const char *capf_reason(int r)
{
	switch (r) {
	case 0: return "no action";
	case 1: return "success";
	case 7: return "invalid element (authentication failed or protocol error)";
	case 9: return "unknown device";
	default: return "error";
	}
}

/* An LSC from an issuing CA: the phone trusts a CA of its chain as it
 * trusts a CAPF server, by the CTL/ITL or by TVS (which vouches for
 * CAPF-trust). Only the decision that trusts it is printed; the one that
 * does not is why the LSC is refused, if no other CA of the chain is. */
struct vouch_ctx {
	boot *b;
	const char *where;
};

static int capf_vouch(void *arg, const tl_cert *ca, char *why, size_t n)
{
	struct vouch_ctx *x = arg;
	char what[340];
	tl_verdict v;

	snprintf(what, sizeof(what), "%s LSC issuer", x->where);
	if (tl_phone_peer(&x->b->f.phone, what, ca, TL_ROLE_CAPF, tvs_fn(x->b), x->b,
			  &v)) {
		snprintf(why, n, "%s", v.line);
		return -1;
	}
	record(x->b, "PEER", what, &v);
	return 0;
}

/* One CAPF session with server s; 0 done (whatever the verdict), 1 the
 * server was unreachable. */
static int capf_session(boot *b, const tl_phonecnf *cfg, const hostport *s)
{
	tl_capf_enroll_opts o;
	tl_capf_phone cp;
	struct vouch_ctx vx;
	char where[300], dev[20];
	uint8_t *der;
	size_t len;
	tl_cert *peer;
	tl_verdict v;
	tl_err e;
	int unreachable, rc;

	snprintf(where, sizeof(where), "%s:%d", s->host, s->port);
	if (tl_tls_peer_der(s->host, s->port, b->timeout_ms, &der, &len, &unreachable,
			    &e)) {
		progress("CAPF %s: %s", where, e.msg);
		if (unreachable)
			return 1;
		decide(b, "CAPF", where, 0, "%s", e.msg);
		return 0;
	}
	rc = tl_cert_from_der(der, len, &peer, &e);
	free(der);
	if (rc) {
		decide(b, "CAPF", where, 0, "the server's certificate: %s", e.msg);
		return 0;
	}
	rc = tl_phone_peer(&b->f.phone, where, peer, TL_ROLE_CAPF, tvs_fn(b), b, &v);
	record(b, "PEER", where, &v);
	if (rc) {
		tl_cert_free(peer);
		return 0;
	}
	tl_capf_phone_init(&cp);
	snprintf(dev, sizeof(dev), "SEP%s", b->f.mac);
	cp.device = dev;
	vx.b = b;
	vx.where = where;
	cp.vouch = capf_vouch;
	cp.vouch_arg = &vx;
	switch (cfg->capf_auth_mode) {
	case 1:
		cp.auth_string = b->auth_string ? b->auth_string : "";
		break;
	case 3:
	case 4:
		cp.cert = cfg->capf_auth_mode == 3 && b->f.lsc ? b->f.lsc : b->f.mic;
		cp.cert_key = cp.cert == b->f.lsc ? b->f.lsc_key : b->f.mic_key;
		cp.cert_type = cp.cert == b->f.lsc ? TL_CAPF_CERT_LSC : TL_CAPF_CERT_MIC;
		break;
	default:
		break;
	}
	memset(&o, 0, sizeof(o));
	o.host = s->host;
	o.port = s->port;
	o.capf_cert = peer;
	progress("CAPF %s: session, authentication mode %d (%s)", where, cfg->capf_auth_mode,
		 cp.cert ? (cp.cert == b->f.lsc ? "the LSC" : "the MIC") :
		 cfg->capf_auth_mode == 1 ? "the string typed" : "no password");
	if (tl_capf_enroll(&o, &cp, &e)) {
		decide(b, "CAPF", where, 0, "session failed: %s", e.msg);
	} else if (cp.refused[0]) {
		decide(b, "CAPF", where, 0, "the phone refused what the server sent: %s",
		       cp.refused);
	} else if (cp.end_reason != 1 && cp.end_reason != 0) {
		decide(b, "CAPF", where, 0, "the server ended the session: reason %d (%s)%s%s",
		       cp.end_reason, capf_reason(cp.end_reason), cp.info[0] ? ": " : "",
		       cp.info);
	} else if (cp.stored && cp.lsc && cp.key) {
		char *serial = tl_hex(cp.lsc->serial, cp.lsc->serial_len, 1);

		if (tl_flash_save_cert(&b->f, "lsc", cp.lsc, cp.key, &e)) {
			decide(b, "CAPF", where, 0, "LSC received but not stored: %s", e.msg);
		} else {
			b->lsc_installed = 1;
			decide(b, "CAPF", where, 1, "install: LSC %s serial %s issued by %s, "
			       "key %s %d bits, stored", cp.lsc->subject, serial ? serial : "?",
			       cp.lsc->issuer, tl_key_type(cp.key) == TL_KEY_EC ? "EC" : "RSA",
			       tl_key_bits(cp.key));
		}
		free(serial);
	} else if (cp.deleted) {
		if (tl_flash_remove_cert(&b->f, "lsc", &e))
			decide(b, "CAPF", where, 0, "delete: %s", e.msg);
		else
			decide(b, "CAPF", where, 1, "delete: the LSC is removed");
	} else if (cp.fetched) {
		decide(b, "CAPF", where, 1, "fetch: the server read this phone's certificate");
	} else {
		progress("CAPF %s: nothing pending (%s)", where, capf_reason(cp.end_reason));
	}
	tl_capf_phone_free(&cp);
	tl_cert_free(peer);
	return 0;
}

static void step_capf(boot *b, const tl_phonecnf *cfg)
{
	hostport s;

	if (!cfg->capf_auth_mode || (!cfg->ncapf && !b->have_capf))
		return;
	if (b->have_capf) {
		if (capf_session(b, cfg, &b->capf))
			progress("CAPF %s:%d unreachable: the phone tries again at its next "
				 "boot", b->capf.host, b->capf.port);
		return;
	}
	for (size_t i = 0; i < cfg->ncapf; i++) {
		snprintf(s.host, sizeof(s.host), "%s", cfg->capf[i].host);
		s.port = cfg->capf[i].port;
		if (capf_session(b, cfg, &s) == 0)
			return;
	}
	progress("no CAPF server reachable: the phone tries again at its next boot");
}

static void print_json(const boot *b, int code)
{
	printf("{\"phone\":");
	tl_json_str(stdout, b->f.phone.name);
	printf(",\"model\":");
	tl_json_str(stdout, b->f.model);
	printf(",\"tftp\":");
	tl_json_str(stdout, b->tftp.host);
	printf(",\"tftp_port\":%d,\"http_port\":", b->tftp.port);
	if (b->http_port)
		printf("%d", b->http_port);
	else
		printf("null");
	printf(",\"steps\":[");
	for (size_t i = 0; i < b->nsteps; i++) {
		printf("%s{\"step\":", i ? "," : "");
		tl_json_str(stdout, b->steps[i].step);
		printf(",\"file\":");
		tl_json_str(stdout, b->steps[i].file);
		printf(",\"verdict\":\"%s\",\"line\":",
		       b->steps[i].accepted ? "ACCEPTED" : "REJECTED");
		tl_json_str(stdout, b->steps[i].line);
		printf("}");
	}
	printf("],\"result\":\"%s\",\"exit\":%d,\"reason\":",
	       code == EXIT_OK ? "trusted" : code == EXIT_REFUSED ? "refused" : "error",
	       code);
	tl_json_str(stdout, code == EXIT_OK ? "" : b->reason);
	printf(",\"itl\":%s,\"ctl\":%s,\"lsc\":%s}\n",
	       b->f.phone.has_itl ? "true" : "false", b->f.phone.has_ctl ? "true" : "false",
	       b->f.lsc || b->lsc_installed ? "true" : "false");
}

static int load_last(boot *b)
{
	tl_err e;

	if (b->f.config == NULL)
		return 0;
	if (tl_phonecnf_parse(b->f.config, b->f.config_len, &b->last, &e)) {
		progress("the stored configuration is unusable (%s): no TVS", e.msg);
		return 0;
	}
	b->have_last = 1;
	return 0;
}

/* A port number, or -1. */
static int port_arg(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	return *s && !*end && n > 0 && n <= 65535 ? (int)n : -1;
}

static int cmd_boot(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state", required_argument, 0, 's' },
		{ "mac", required_argument, 0, 'm' },
		{ "model", required_argument, 0, 'M' },
		{ "tftp", required_argument, 0, 't' },
		{ "http", optional_argument, 0, 'H' },
		{ "tvs", required_argument, 0, 'T' },
		{ "capf", required_argument, 0, 'C' },
		{ "pin-itl", required_argument, 0, 'p' },
		{ "auth-string", required_argument, 0, 'a' },
		{ "timeout", required_argument, 0, 'o' },
		{ "json", no_argument, 0, 'j' },
		{ "verbose", no_argument, 0, 'v' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	const char *state = NULL, *mac_s = NULL, *model = NULL, *tftp = NULL;
	const char *tvs = NULL, *capf = NULL, *pin_path = NULL;
	char mac[13];
	tl_cert *pin = NULL;
	tl_phonecnf cfg;
	boot *b;
	tl_err e;
	int c, rc, code;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return fail(EXIT_ERROR, "out of memory");
	b->timeout_ms = 5000;
	while ((c = getopt_long(argc, argv, "hv", opts, NULL)) != -1) {
		switch (c) {
		case 's': state = optarg; break;
		case 'm': mac_s = optarg; break;
		case 'M': model = optarg; break;
		case 't': tftp = optarg; break;
		case 'H': b->http_port = optarg ? port_arg(optarg) : 6970; break;
		case 'T': tvs = optarg; break;
		case 'C': capf = optarg; break;
		case 'p': pin_path = optarg; break;
		case 'a': b->auth_string = optarg; break;
		case 'o': b->timeout_ms = atoi(optarg); break;
		case 'j': json = 1; break;
		case 'v': verbose = 1; break;
		case 'h': usage(stdout); free(b); return EXIT_OK;
		default: free(b); return EXIT_ERROR;
		}
	}
	code = EXIT_ERROR;
	if (optind != argc || !state || !tftp) {
		fail(0, "boot needs --state DIR and --tftp HOST[:PORT] (see --help)");
		goto out_b;
	}
	if (b->timeout_ms <= 0 || b->http_port < 0 ||
	    parse_hostport(tftp, 69, &b->tftp) ||
	    (tvs && parse_hostport(tvs, TL_TVS_PORT, &b->tvs)) ||
	    (capf && parse_hostport(capf, TL_CAPF_PORT, &b->capf))) {
		fail(0, "bad --tftp, --http, --tvs, --capf or --timeout value");
		goto out_b;
	}
	b->have_tvs = tvs != NULL;
	b->have_capf = capf != NULL;
	if (mac_s && tl_flash_mac(mac_s, mac, &e)) {
		fail(0, "%s", e.msg);
		goto out_b;
	}
	if (pin_path && tl_cert_load(pin_path, &pin, &e)) {
		fail(0, "--pin-itl: %s", e.msg);
		goto out_b;
	}
	if (tl_flash_load(&b->f, state, mac_s ? mac : NULL, model, &e)) {
		fail(0, "%s", e.msg);
		goto out_pin;
	}
	load_last(b);
	progress("SEP%s (%s) booting from %s %s:%d", b->f.mac, b->f.model,
		 b->http_port ? "HTTP" : "TFTP", b->tftp.host,
		 b->http_port ? b->http_port : b->tftp.port);
	rc = step_lists(b, pin);
	if (rc == 0 && !b->refused)
		rc = step_config(b, &cfg);
	else if (rc == 0)
		/* the ITL or CTL was refused: the phone still asks for its
		 * configuration, and refuses it unless its signer is known */
		rc = step_config(b, &cfg) < 0 ? -1 : 1;
	if (rc == 0)
		step_capf(b, &cfg);
	if (tl_flash_save_trust(&b->f, &e)) {
		fail(0, "%s", e.msg);
		rc = -1;
	}
	code = rc < 0 ? EXIT_ERROR : b->refused ? EXIT_REFUSED : EXIT_OK;
	if (code == EXIT_ERROR && !b->reason[0])
		snprintf(b->reason, sizeof(b->reason), "the %s server %s:%d did not "
			 "answer, or the state could not be written",
			 b->http_port ? "HTTP" : "TFTP", b->tftp.host,
			 b->http_port ? b->http_port : b->tftp.port);
	if (json)
		print_json(b, code);
	else if (code == EXIT_REFUSED)
		fprintf(stderr, "phone-sim: refused: %s\n", b->reason);
	tl_flash_free(&b->f);
out_pin:
	tl_cert_free(pin);
out_b:
	free(b);
	return code;
}

/* ---- show, erase-trust, connect, mic ---- */

static int state_only(int argc, char **argv, const char *cmd, const char **state,
		      int allow_json)
{
	static const struct option opts[] = {
		{ "state", required_argument, 0, 's' },
		{ "json", no_argument, 0, 'j' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': *state = optarg; break;
		case 'j':
			if (!allow_json)
				return fail(EXIT_ERROR, "%s has no --json", cmd);
			json = 1;
			break;
		case 'h': usage(stdout); return EXIT_OK + 100;
		default: return EXIT_ERROR;
		}
	}
	if (optind != argc || !*state)
		return fail(EXIT_ERROR, "%s needs --state DIR (see --help)", cmd);
	return -1;
}

static void show_cert(const char *what, const tl_cert *c)
{
	uint8_t md5[TL_HASH_MAX];
	char *serial, *hash, exp[32];
	struct tm tm;

	if (c == NULL) {
		if (json)
			printf(",\"%s\":null", what);
		else
			printf("%-4s none\n", what);
		return;
	}
	tl_hash(TL_HASH_MD5, c->der, c->der_len, md5);
	serial = tl_hex(c->serial, c->serial_len, 1);
	hash = tl_hex(md5, 16, 0);
	gmtime_r(&c->not_after, &tm);
	strftime(exp, sizeof(exp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (json) {
		printf(",\"%s\":{\"subject\":", what);
		tl_json_str(stdout, c->subject);
		printf(",\"issuer\":");
		tl_json_str(stdout, c->issuer);
		printf(",\"serial\":\"%s\",\"md5\":\"%s\",\"not_after\":\"%s\"}",
		       serial ? serial : "", hash ? hash : "", exp);
	} else {
		printf("%-4s %s serial %s issuer %s, expires %s, MD5 %s\n", what,
		       c->subject, serial ? serial : "?", c->issuer, exp, hash ? hash : "?");
	}
	free(serial);
	free(hash);
}

static int cmd_show(int argc, char **argv)
{
	const char *state = NULL;
	tl_phonecnf cfg;
	tl_flash f;
	tl_err e;
	int rc = state_only(argc, argv, "show", &state, 1), have_cfg;
	time_t now = time(NULL);

	if (rc >= 0)
		return rc == EXIT_OK + 100 ? EXIT_OK : rc;
	if (tl_flash_load(&f, state, NULL, NULL, &e))
		return fail(EXIT_ERROR, "%s", e.msg);
	have_cfg = f.config && tl_phonecnf_parse(f.config, f.config_len, &cfg, &e) == 0;
	if (json) {
		printf("{\"phone\":\"SEP%s\",\"model\":", f.mac);
		tl_json_str(stdout, f.model);
		printf(",\"rollback\":%s,\"ctl\":", f.phone.rollback ? "true" : "false");
		if (f.phone.has_ctl)
			tl_tlist_json(stdout, &f.phone.ctl, "CTL", -1, NULL);
		else
			printf("null");
		printf(",\"itl\":");
		if (f.phone.has_itl)
			tl_tlist_json(stdout, &f.phone.itl, "ITL", -1, NULL);
		else
			printf("null");
	} else {
		printf("phone SEP%s model %s\n", f.mac, f.model);
		if (f.phone.has_ctl) {
			printf("CTL  installed, %zu records, signed by %s\n", f.phone.ctl.nrec,
			       f.phone.ctl.hdr.signer_name);
			tl_tlist_brief(stdout, &f.phone.ctl, -1);
		} else {
			printf("CTL  none\n");
		}
		if (f.phone.has_itl) {
			printf("ITL  installed, %zu records, signed by %s%s\n", f.phone.itl.nrec,
			       f.phone.itl.hdr.signer_name,
			       f.phone.rollback ? " (rollback ITL)" : "");
			tl_tlist_brief(stdout, &f.phone.itl, -1);
		} else {
			printf("ITL  none\n");
		}
	}
	show_cert("MIC", f.mic);
	show_cert("LSC", f.lsc);
	if (json) {
		printf(",\"config\":");
		if (have_cfg)
			printf("{\"bytes\":%zu,\"security_mode\":%d,\"tvs_servers\":%zu,"
			       "\"capf_servers\":%zu,\"capf_auth_mode\":%d}", f.config_len,
			       cfg.security_mode, cfg.ntvs, cfg.ncapf, cfg.capf_auth_mode);
		else
			printf("null");
		printf(",\"tvs_cache\":[");
	} else if (have_cfg) {
		printf("CONF %zu bytes, deviceSecurityMode %d, CAPF auth mode %d\n",
		       f.config_len, cfg.security_mode, cfg.capf_auth_mode);
		for (size_t i = 0; i < cfg.ntvs; i++)
			printf("     TVS %d %s:%d\n", cfg.tvs[i].priority, cfg.tvs[i].host,
			       cfg.tvs[i].port);
		for (size_t i = 0; i < cfg.ncapf; i++)
			printf("     CAPF %s:%d\n", cfg.capf[i].host, cfg.capf[i].port);
	} else {
		printf("CONF none\n");
	}
	for (size_t i = 0, n = 0; i < f.phone.ncache; i++) {
		const tl_tvs_cached *c = &f.phone.cache[i];
		char *h;

		if (c->expires <= now)
			continue;
		h = tl_hex(c->sha256, 32, 0);
		if (json)
			printf("%s{\"sha256\":\"%s\",\"expires_in\":%lld,\"roles\":[", n ? "," : "",
			       h ? h : "", (long long)(c->expires - now));
		else
			printf("TVS cache %s expires in %llds roles", h ? h : "?",
			       (long long)(c->expires - now));
		for (size_t j = 0; j < c->nroles; j++)
			printf(json ? "%s\"%s\"" : "%s%s", json ? (j ? "," : "") : (j ? "," : " "),
			       tl_role_short(c->roles[j]));
		printf(json ? "]}" : "\n");
		free(h);
		n++;
	}
	if (json)
		printf("]}\n");
	tl_flash_free(&f);
	return EXIT_OK;
}

static int cmd_erase(int argc, char **argv)
{
	const char *state = NULL;
	tl_flash f;
	tl_err e;
	int rc = state_only(argc, argv, "erase-trust", &state, 0);

	if (rc >= 0)
		return rc == EXIT_OK + 100 ? EXIT_OK : rc;
	if (tl_flash_load(&f, state, NULL, NULL, &e))
		return fail(EXIT_ERROR, "%s", e.msg);
	tl_phone_erase_trust(&f.phone);
	rc = tl_flash_save_trust(&f, &e);
	tl_flash_free(&f);
	if (rc)
		return fail(EXIT_ERROR, "%s", e.msg);
	printf("SEP%s: CTL and ITL erased\n", f.mac);
	return EXIT_OK;
}

static int parse_role(const char *s)
{
	static const struct { const char *name; int role; } roles[] = {
		{ "CCM", TL_ROLE_CCM }, { "APP-SERVER", TL_ROLE_APP_SERVER },
		{ "TFTP", TL_ROLE_TFTP }, { "CAPF", TL_ROLE_CAPF }, { "TVS", TL_ROLE_TVS },
	};

	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (!strcasecmp(s, roles[i].name))
			return roles[i].role;
	return -1;
}

static int cmd_connect(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state", required_argument, 0, 's' },
		{ "role", required_argument, 0, 'r' },
		{ "tvs", required_argument, 0, 'T' },
		{ "timeout", required_argument, 0, 'o' },
		{ "json", no_argument, 0, 'j' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	const char *state = NULL, *role_s = NULL, *tvs = NULL;
	hostport peer;
	uint8_t *der;
	size_t len;
	tl_cert *cert;
	tl_verdict v;
	tl_err e;
	boot *b;
	int c, role, unreachable, code = EXIT_ERROR;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return fail(EXIT_ERROR, "out of memory");
	b->timeout_ms = 5000;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': state = optarg; break;
		case 'r': role_s = optarg; break;
		case 'T': tvs = optarg; break;
		case 'o': b->timeout_ms = atoi(optarg); break;
		case 'j': json = 1; break;
		case 'h': usage(stdout); free(b); return EXIT_OK;
		default: free(b); return EXIT_ERROR;
		}
	}
	if (!state || !role_s || optind != argc - 1 || (role = parse_role(role_s)) < 0 ||
	    parse_hostport(argv[optind], 0, &peer) || peer.port == 0 ||
	    (tvs && parse_hostport(tvs, TL_TVS_PORT, &b->tvs)) || b->timeout_ms <= 0) {
		free(b);
		return fail(EXIT_ERROR, "connect needs --state DIR, --role "
			    "CCM|APP-SERVER|TFTP|CAPF|TVS and HOST:PORT (see --help)");
	}
	b->have_tvs = tvs != NULL;
	if (tl_flash_load(&b->f, state, NULL, NULL, &e)) {
		free(b);
		return fail(EXIT_ERROR, "%s", e.msg);
	}
	load_last(b);
	if (tl_tls_peer_der(peer.host, peer.port, b->timeout_ms, &der, &len, &unreachable,
			    &e)) {
		fail(0, "%s", e.msg);
		goto out;
	}
	c = tl_cert_from_der(der, len, &cert, &e);
	free(der);
	if (c) {
		fail(0, "the server's certificate: %s", e.msg);
		goto out;
	}
	snprintf(b->tftp.host, sizeof(b->tftp.host), "%s", peer.host);
	b->tftp.port = peer.port;
	tl_phone_peer(&b->f.phone, argv[optind], cert, role, tvs_fn(b), b, &v);
	record(b, "PEER", argv[optind], &v);
	tl_cert_free(cert);
	code = v.accepted ? EXIT_OK : EXIT_REFUSED;
	if (json) {
		printf("{\"peer\":");
		tl_json_str(stdout, argv[optind]);
		printf(",\"role\":\"%s\",\"verdict\":\"%s\",\"line\":", tl_role_short(role),
		       v.accepted ? "ACCEPTED" : "REJECTED");
		tl_json_str(stdout, v.line);
		printf("}\n");
	}
	/* a TVS answer it got is cached, as on a phone */
	if (tl_flash_save_trust(&b->f, &e))
		code = fail(EXIT_ERROR, "%s", e.msg);
out:
	tl_flash_free(&b->f);
	free(b);
	return code;
}

static int cmd_mic(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state", required_argument, 0, 's' },
		{ "mac", required_argument, 0, 'm' },
		{ "model", required_argument, 0, 'M' },
		{ "mfg-ca", required_argument, 0, 'c' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	const char *state = NULL, *mac_s = NULL, *model = NULL, *ca_dir = NULL;
	char mac[13], path[600], cn[64];
	tl_cert *ca = NULL, *mic = NULL;
	tl_key *ca_key = NULL, *key = NULL;
	tl_certspec s;
	tl_flash f;
	tl_err e;
	int c, code = EXIT_ERROR;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': state = optarg; break;
		case 'm': mac_s = optarg; break;
		case 'M': model = optarg; break;
		case 'c': ca_dir = optarg; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: return EXIT_ERROR;
		}
	}
	if (optind != argc || !state || !mac_s || !ca_dir)
		return fail(EXIT_ERROR, "mic needs --state DIR, --mac MAC and --mfg-ca DIR "
			    "(see --help)");
	if (tl_flash_mac(mac_s, mac, &e))
		return fail(EXIT_ERROR, "%s", e.msg);
	if (tl_flash_load(&f, state, mac, model, &e))
		return fail(EXIT_ERROR, "%s", e.msg);
	if (f.mic) {
		fail(0, "%s already holds a MIC (%s): a MIC is never replaced", state,
		     f.mic->subject);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/lab.pem", ca_dir);
	if (tl_cert_load(path, &ca, &e))
		goto err;
	snprintf(path, sizeof(path), "%s/lab.key", ca_dir);
	if (tl_key_load(path, &ca_key, &e) || tl_key_matches(ca_key, ca, &e))
		goto err;
	snprintf(cn, sizeof(cn), "%s-SEP%s", f.model, f.mac);
	memset(&s, 0, sizeof(s));
	s.cn = cn;
	s.o = "Cisco Systems Inc.";
	s.not_before = time(NULL) - 3600;
	s.not_after = s.not_before + 10L * 365 * 86400;
	s.hash_alg = TL_HASH_SHA256;
	s.key_usage = TL_KU_DIGITAL_SIGNATURE | TL_KU_KEY_ENCIPHERMENT;
	s.ext_key_usage = TL_EKU_CLIENT_AUTH;
	s.issuer = ca;
	s.issuer_key = ca_key;
	if (tl_key_generate(TL_KEY_RSA, 2048, &key, &e) ||
	    tl_cert_make(&s, key, &mic, &e) ||
	    tl_flash_save_trust(&f, &e) || tl_flash_save_cert(&f, "mic", mic, key, &e))
		goto err;
	printf("SEP%s: MIC %s issued by %s\n", f.mac, mic->subject, ca->subject);
	code = EXIT_OK;
	goto out;
err:
	fail(0, "%s", e.msg);
out:
	tl_cert_free(ca);
	tl_cert_free(mic);
	tl_key_free(ca_key);
	tl_key_free(key);
	tl_flash_free(&f);
	return code;
}

int main(int argc, char **argv)
{
	static const struct { const char *name; int (*fn)(int, char **); } cmds[] = {
		{ "boot", cmd_boot }, { "show", cmd_show }, { "erase-trust", cmd_erase },
		{ "connect", cmd_connect }, { "mic", cmd_mic }, { "fleet", tl_fleet_cmd },
	};

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_ERROR : EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		tl_print_version("phone-sim");
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	return fail(EXIT_ERROR, "unknown command %s (see --help)", argv[1]);
}

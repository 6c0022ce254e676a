/* The boot's files (boot.h): the CTL, the ITL and the configuration,
 * fetched over TFTP (or HTTP) and judged by phonetrust.c, and an encrypted
 * configuration decrypted with the phone's own key. */
#include "boot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encconfig.h"
#include "file.h"
#include "httpget.h"
#include "phonenet.h"
#include "phonesim.h"
#include "signedfile.h"
#include "tftpclient.h"


/* The cause a server gave in the text of its error, beyond its status
 * line: tftpd answers "404 Not Found: <why>"; "" when it gave none. */
static const char *http_cause(const tl_http_answer *a)
{
	char line[128];
	size_t n;

	n = (size_t)snprintf(line, sizeof(line), "%d %s", a->status, a->reason);
	if (strncmp(a->text, line, n))
		return a->text;
	return a->text[n] == ':' ? a->text + n + 1 + (a->text[n + 1] == ' ') : "";
}

/* The same file over HTTP (port 6970): 200 is the file, 404 "not found"
 * as TFTP's error 1 (with the server's cause, as TFTP's message gives
 * it), anything else an error that ends the boot. */
static int fetch_http(tl_boot *b, const char *name, uint8_t **buf, size_t *len)
{
	const char *host = b->tftp[b->cur].host, *cause;
	tl_http_answer a;
	tl_err e;

	b->absent[0] = 0;
	if (tl_http_get(host, b->http_port, name, b->timeout_ms, TL_FILE_MAX, buf, len, &a,
			&e)) {
		tl_sim_fail(0, "%s", e.msg);
		return TL_TFTPC_TIMEOUT;
	}
	if (a.status == 200) {
		tl_sim_progress("HTTP %s: %zu bytes", name, *len);
		return TL_TFTPC_OK;
	}
	free(*buf);
	*buf = NULL;
	cause = http_cause(&a);
	if (a.status == 404) {
		snprintf(b->absent, sizeof(b->absent), "%s", cause);
		tl_sim_progress("HTTP %s: not found (http://%s:%d/%s: %d %s%s%s): the file is "
				"not on the server", name, host, b->http_port, name, a.status,
				a.reason, cause[0] ? ": " : "", cause);
		return TL_TFTPC_NOTFOUND;
	}
	tl_sim_fail(0, "http://%s:%d/%s: %d %s%s%s: the server does not give the file, and "
		    "the boot cannot go on without it", host, b->http_port, name, a.status,
		    a.reason, cause[0] ? ": " : "", cause);
	return TL_TFTPC_REMOTE;
}

/* From the server the boot asks now. */
static int fetch_one(tl_boot *b, const char *name, uint8_t **buf, size_t *len)
{
	tl_tftpc_opts o;
	tl_tftpc_result r;
	tl_err e;
	int rc;

	if (b->http_port)
		return fetch_http(b, name, buf, len);
	tl_phone_tftp_opts(&o, &b->tftp[b->cur], b->timeout_ms);
	b->absent[0] = 0;
	rc = tl_tftp_fetch(&o, name, TL_FILE_MAX, buf, len, &r, &e);
	if (rc == TL_TFTPC_OK) {
		tl_sim_progress("TFTP %s: %zu bytes", name, *len);
	} else if (rc == TL_TFTPC_NOTFOUND) {
		/* a server that names the cause, not just "File not found" */
		if (r.msg[0] && strcmp(r.msg, tl_tftp_errstr(r.code)))
			snprintf(b->absent, sizeof(b->absent), "%s", r.msg);
		tl_sim_progress("TFTP %s: not found%s%s", name,
				b->absent[0] ? ": " : "", b->absent);
	} else
		tl_sim_fail(0, "%s", e.msg);
	return rc;
}

/* TL_TFTPC_OK with *buf, TL_TFTPC_NOTFOUND, or another failure (printed).
 * A server that does not answer is left for the next of the list, as a
 * phone does with its option 150 servers, and the boot stays with the
 * one that answered. */
static int fetch(tl_boot *b, const char *name, uint8_t **buf, size_t *len)
{
	char was[280], now[280];
	int rc;

	while (tl_phone_tftp_unanswered(rc = fetch_one(b, name, buf, len)) &&
	       b->cur + 1 < b->ntftp) {
		tl_boot_server(b, was, sizeof(was));
		b->cur++;
		b->failovers++;
		tl_boot_server(b, now, sizeof(now));
		if (!tl_sim_json)
			printf("%s  %s did not answer for %s: asking %s\n",
			       b->http_port ? "HTTP" : "TFTP", was, name, now);
	}
	if (rc == TL_TFTPC_OK && b->ntftp > 1 && !tl_sim_json) {
		tl_boot_server(b, now, sizeof(now));
		printf("%s  %s served by %s\n", b->http_port ? "HTTP" : "TFTP", name, now);
	}
	return rc;
}

/* The per-phone name, else the common one. */
static int fetch_list(tl_boot *b, const char *kind, uint8_t **buf, size_t *len)
{
	char name[64];
	int rc;

	snprintf(name, sizeof(name), "%sSEP%s.tlv", kind, b->f.mac);
	if ((rc = fetch(b, name, buf, len)) != TL_TFTPC_NOTFOUND)
		return rc;
	snprintf(name, sizeof(name), "%sFile.tlv", kind);
	return fetch(b, name, buf, len);
}

int tl_boot_lists(tl_boot *b, const tl_cert *pin)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	tl_verdict v;
	int rc;

	rc = fetch_list(b, "CTL", &buf, &len);
	if (rc != TL_TFTPC_OK && rc != TL_TFTPC_NOTFOUND)
		return -1;
	tl_phone_ctl(&b->f.phone, buf, len, NULL, &v);
	tl_boot_record(b, "CTL", "CTLFile.tlv", &v);
	free(buf);
	buf = NULL;
	rc = fetch_list(b, "ITL", &buf, &len);
	if (rc != TL_TFTPC_OK && rc != TL_TFTPC_NOTFOUND)
		return -1;
	tl_phone_itl(&b->f.phone, buf, len, pin, tl_boot_tvs(b), b, &v);
	tl_boot_record(b, "ITL", "ITLFile.tlv", &v);
	free(buf);
	return 0;
}

/* The phone's own certificate and key for encryption and CAPF: the LSC
 * when it has one, else the MIC. */
static const char *own(const tl_boot *b, const tl_cert **c, const tl_key **k)
{
	*c = b->f.lsc ? b->f.lsc : b->f.mic;
	*k = b->f.lsc ? b->f.lsc_key : b->f.mic_key;
	return b->f.lsc ? "LSC" : b->f.mic ? "MIC" : NULL;
}

/* The encrypted configuration the stub points to; *xml on success. */
static int step_encrypted(tl_boot *b, const tl_phonecnf *stub, uint8_t **xml,
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
		tl_boot_decide(b, "ENC", name, 0, "encrConfig, and this phone has "
			       "neither an LSC nor a MIC to decrypt with");
		return 1;
	}
	tl_hash(TL_HASH_MD5, c->der, c->der_len, md5);
	hash = tl_hex(md5, 16, 0);
	if (hash == NULL || strcmp(hash, stub->cert_hash)) {
		tl_boot_decide(b, "ENC", name, 0, "certHash %s is not the MD5 of "
			       "this phone's %s %s (%s): encrypted for another phone",
			       stub->cert_hash, which, c->subject, hash ? hash : "?");
		free(hash);
		return 1;
	}
	rc = fetch(b, name, &buf, &len);
	if (rc != TL_TFTPC_OK) {
		free(hash);
		if (rc != TL_TFTPC_NOTFOUND)
			return -1;
		if (b->absent[0])
			tl_boot_decide(b, "ENC", name, 0, "not on the server, which "
				       "says: %s", b->absent);
		else
			tl_boot_decide(b, "ENC", name, 0, "not on the server");
		return 1;
	}
	if (tl_phone_config(&b->f.phone, name, buf, len, tl_boot_tvs(b), b,
			    &v)) {
		tl_boot_record(b, "CONF", name, &v);
		free(buf);
		free(hash);
		return 1;
	}
	tl_boot_record(b, "CONF", name, &v);
	rc = tl_sfile_parse(&h, buf, len, name, &e) ||
	     tl_enc_decrypt(&h, k, xml, xml_len, &e);
	if (rc)
		tl_boot_decide(b, "ENC", name, 0, "certHash %s = MD5 of the %s; "
			       "decryption failed: %s", hash, which, e.msg);
	else
		tl_boot_decide(b, "ENC", name, 1, "certHash %s = MD5 of the %s %s; "
			       "decrypted with the %s key (%zu bytes)", hash, which,
			       c->subject, which, *xml_len);
	free(hash);
	free(buf);
	return rc ? 1 : 0;
}

int tl_boot_config(tl_boot *b, tl_phonecnf *cfg)
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
		tl_boot_decide(b, "CONF", name, 0, "not on the server, which says: "
			       "%s: the phone stays unconfigured", b->absent);
		return 1;
	}
	if (rc == TL_TFTPC_NOTFOUND) {
		tl_boot_decide(b, "CONF", name, 0, "not on the server (is the "
			       "device added?): the phone stays unconfigured");
		return 1;
	}
	if (rc != TL_TFTPC_OK)
		return -1;
	rc = tl_phone_config(&b->f.phone, name, buf, len, tl_boot_tvs(b), b,
			     &v);
	tl_boot_record(b, "CONF", name, &v);
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
		tl_boot_decide(b, "CONF", name, 0, "signed but unusable: %s",
			       e.msg);
		free(buf);
		return 1;
	}
	if (cfg->encrypted) {
		uint8_t *plain = NULL;
		size_t plain_len = 0;

		rc = step_encrypted(b, cfg, &plain, &plain_len);
		if (rc == 0 && tl_phonecnf_parse(plain, plain_len, cfg, &e)) {
			tl_boot_decide(b, "ENC", name, 0, "decrypted but unusable: %s", e.msg);
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
		tl_sim_fail(0, "%s", e.msg);
	free(buf);
	return rc ? -1 : 0;
}

int tl_boot_fetch(tl_boot *b, const char *name, uint8_t **buf, size_t *len)
{
	return fetch(b, name, buf, len);
}

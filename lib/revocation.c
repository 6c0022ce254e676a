/* OCSP and CRL verdicts through wolfSSL's certificate manager: it builds
 * the request (with a nonce), and checks the response's signature (the
 * issuer's own, or a responder certificate the issuer signed for OCSP
 * signing), the nonce, the certificate ID and the thisUpdate/nextUpdate
 * window; and a CRL's signature, issuer and nextUpdate. This module only
 * moves bytes (libcurl) and names the outcome. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/error-ssl.h>
#include <wolfssl/wolfcrypt/asn.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/error-crypt.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include "revocation.h"

/* An OCSP response is a few kilobytes; a responder sending more is not
 * one to wait for. */
#define OCSP_MAX (256 * 1024)

static const char *const names[] = { "unchecked", "good", "revoked", "unknown",
				     "error" };

const char *tl_rev_status_name(int status)
{
	return status >= 0 && status <= TL_REV_ERROR ? names[status] : "error";
}

int tl_rev_status_parse(const char *s)
{
	for (int i = 0; i <= TL_REV_ERROR; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

void tl_rev_urls(const tl_cert *c, char *ocsp, size_t on, char *cdp, size_t cn)
{
	DecodedCert dc;

	ocsp[0] = cdp[0] = 0;
	wc_InitDecodedCert(&dc, c->der, (word32)c->der_len, NULL);
	if (wc_ParseCert(&dc, CERT_TYPE, NO_VERIFY, NULL) == 0) {
		if (dc.extAuthInfo && dc.extAuthInfoSz > 0)
			snprintf(ocsp, on, "%.*s", dc.extAuthInfoSz,
				 (const char *)dc.extAuthInfo);
		if (dc.extCrlInfo && dc.extCrlInfoSz > 0)
			snprintf(cdp, cn, "%.*s", dc.extCrlInfoSz,
				 (const char *)dc.extCrlInfo);
	}
	wc_FreeDecodedCert(&dc);
}

typedef struct sink {
	uint8_t *p;
	size_t len, max;
	int over;
} sink;

static size_t on_data(char *d, size_t size, size_t n, void *arg)
{
	sink *s = arg;
	size_t add = size * n;
	uint8_t *np;

	if (add > s->max - s->len) {
		s->over = 1;
		return 0;
	}
	if ((np = realloc(s->p, s->len + add + 1)) == NULL)
		return 0;
	s->p = np;
	memcpy(s->p + s->len, d, add);
	s->len += add;
	return add;
}

int tl_rev_fetch(const char *url, const uint8_t *body, size_t blen,
		 const char *ctype, int timeout, size_t max, uint8_t **out,
		 size_t *len, tl_err *e)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdr = NULL;
	sink s = { NULL, 0, max, 0 };
	CURL *h = curl_easy_init();
	CURLcode rc;
	long code = 0;

	if (h == NULL)
		return tl_fail(e, "%s: cannot start a transfer", url);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https,file");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)(timeout > 0 ? timeout : 10));
	curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	if (body) {
		char ct[96];

		snprintf(ct, sizeof(ct), "Content-Type: %s", ctype);
		hdr = curl_slist_append(hdr, ct);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, (const char *)body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)blen);
	}
	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(h);
	curl_slist_free_all(hdr);
	if (s.over || rc == CURLE_FILESIZE_EXCEEDED) {
		free(s.p);
		return tl_fail(e, "%s: larger than %zu bytes: refused", url, max);
	}
	if (rc != CURLE_OK) {
		free(s.p);
		return tl_fail(e, "%s: %s", url, errbuf[0] ? errbuf : curl_easy_strerror(rc));
	}
	if (s.len == 0) {
		free(s.p);
		return tl_fail(e, "%s: empty answer (status %ld)", url, code);
	}
	*out = s.p;
	*len = s.len;
	return 0;
}

/* wolfSSL 5.5 (built with its OpenSSL layer, as Debian's is) takes a
 * response signed by any certificate the issuer signed: it notes a
 * responder without id-kp-OCSPSigning but does not refuse it. RFC 6960
 * (4.2.2.2) allows only the issuer itself or a certificate the issuer
 * marked for OCSP signing. So every certificate the response carries must
 * be one of those: each place a certificate parses (by wolfSSL's parser)
 * is looked at, so none can hide from this. (wolfSSL_d2i_OCSP_RESPONSE
 * would name the signer's certificate but leaks an entry per call in 5.5.)
 * Returns 1 when one is neither. */
static int responder_not_delegated(const uint8_t *resp, size_t len,
				   const tl_cert *issuer)
{
	int bad = 0;

	for (size_t i = 0; i + 64 < len && !bad; i++) {
		DecodedCert dc;

		if (resp[i] != 0x30)
			continue;
		wc_InitDecodedCert(&dc, resp + i, (word32)(len - i), NULL);
		if (wc_ParseCert(&dc, CERT_TYPE, NO_VERIFY, NULL) == 0 &&
		    !(len - i >= issuer->der_len &&
		      !memcmp(resp + i, issuer->der, issuer->der_len)))
			bad = !(dc.extExtKeyUsage & EXTKEYUSE_OCSP_SIGN);
		wc_FreeDecodedCert(&dc);
	}
	return bad;
}

/* What wolfSSL's OCSP lookup is handed instead of its own HTTP client. */
typedef struct ocsp_io {
	const tl_revopts *o;
	const tl_cert *issuer;
	uint8_t *copy;		/* the response fetched, kept past wolfSSL's use */
	size_t copy_len;
	const uint8_t *canned;	/* a response given by the caller */
	size_t canned_len;
	int asked;		/* the lookup reached the responder */
	char url[512];
	tl_err err;
	int failed;
} ocsp_io;

static int ocsp_io_cb(void *arg, const char *url, int url_len, unsigned char *req,
		      int req_len, unsigned char **resp)
{
	ocsp_io *x = arg;
	uint8_t *buf;
	size_t len;

	snprintf(x->url, sizeof(x->url), "%.*s", url_len, url ? url : "");
	x->asked = 1;
	if (x->canned) {
		if ((buf = malloc(x->canned_len ? x->canned_len : 1)) == NULL)
			return -1;
		memcpy(buf, x->canned, x->canned_len);
		*resp = buf;
		return (int)x->canned_len;
	}
	if (tl_rev_fetch(x->url, req, (size_t)req_len, "application/ocsp-request",
			 x->o->timeout, OCSP_MAX, &buf, &len, &x->err)) {
		x->failed = 1;
		return -1;
	}
	*resp = buf;
	if ((x->copy = malloc(len)) != NULL) {
		memcpy(x->copy, buf, len);
		x->copy_len = len;
	}
	return (int)len;
}

static void ocsp_free_cb(void *arg, unsigned char *p)
{
	free(p);
}

static void set(tl_rev *r, int status, const char *method, const char *source,
		const char *fmt, const char *arg)
{
	r->status = status;
	snprintf(r->method, sizeof(r->method), "%s", method);
	snprintf(r->source, sizeof(r->source), "%s", source);
	snprintf(r->detail, sizeof(r->detail), fmt, arg);
	r->checked = time(NULL);
}

static WOLFSSL_CERT_MANAGER *manager(const tl_cert *issuer, tl_rev *r,
				     const char *method, const char *source)
{
	WOLFSSL_CERT_MANAGER *cm;

	wolfSSL_Init();
	if ((cm = wolfSSL_CertManagerNew()) == NULL) {
		set(r, TL_REV_ERROR, method, source, "%s", "out of memory");
		return NULL;
	}
	if (wolfSSL_CertManagerLoadCABuffer(cm, issuer->der, (long)issuer->der_len,
					    WOLFSSL_FILETYPE_ASN1) != WOLFSSL_SUCCESS) {
		set(r, TL_REV_ERROR, method, source, "the issuer %s cannot be used "
		    "as a CA", issuer->subject);
		wolfSSL_CertManagerFree(cm);
		return NULL;
	}
	return cm;
}

static int ocsp(const tl_cert *c, const tl_cert *issuer, const tl_revopts *o,
		const char *url, const uint8_t *canned, size_t canned_len, tl_rev *r)
{
	ocsp_io x = { o, issuer, NULL, 0, canned, canned_len, 0, "", { "" }, 0 };
	int opts = 0, rc, undelegated;
	WOLFSSL_CERT_MANAGER *cm = manager(issuer, r, "ocsp", url);

	if (cm == NULL)
		return 0;
	if (!o->nonce)
		opts |= WOLFSSL_OCSP_NO_NONCE;
	if (url[0])
		opts |= WOLFSSL_OCSP_URL_OVERRIDE;
	if (wolfSSL_CertManagerEnableOCSP(cm, opts) != WOLFSSL_SUCCESS ||
	    (url[0] && wolfSSL_CertManagerSetOCSPOverrideURL(cm, url) != WOLFSSL_SUCCESS) ||
	    wolfSSL_CertManagerSetOCSP_Cb(cm, ocsp_io_cb, ocsp_free_cb, &x) !=
	    WOLFSSL_SUCCESS) {
		wolfSSL_CertManagerFree(cm);
		set(r, TL_REV_ERROR, "ocsp", url, "%s", "OCSP could not be set up");
		return 0;
	}
	rc = wolfSSL_CertManagerCheckOCSP(cm, c->der, (int)c->der_len);
	wolfSSL_CertManagerFree(cm);
	undelegated = canned ? responder_not_delegated(canned, canned_len, issuer) :
		      x.copy ? responder_not_delegated(x.copy, x.copy_len, issuer) : 1;
	free(x.copy);
	if (x.failed)
		set(r, TL_REV_ERROR, "ocsp", x.url, "no answer from the responder: %s",
		    x.err.msg);
	else if (undelegated && (rc == WOLFSSL_SUCCESS || rc == OCSP_CERT_REVOKED))
		set(r, TL_REV_ERROR, "ocsp", x.url, "%s", "the response was refused: "
		    "its signer is neither the issuer nor a responder the issuer "
		    "certified for OCSP signing (extended key usage OCSPSigning)");
	else if (rc == WOLFSSL_SUCCESS && x.asked)
		set(r, TL_REV_GOOD, "ocsp", x.url, "%s", "");
	else if (rc == WOLFSSL_SUCCESS)	/* wolfSSL found no URI to ask */
		set(r, TL_REV_ERROR, "ocsp", url, "%s", "no OCSP responder to ask");
	else if (rc == OCSP_CERT_REVOKED)
		set(r, TL_REV_REVOKED, "ocsp", x.url, "%s", "the responder says revoked");
	else if (rc == OCSP_CERT_UNKNOWN)
		set(r, TL_REV_UNKNOWN, "ocsp", x.url, "%s", "the responder does not "
		    "know this certificate");
	else if (rc == OCSP_LOOKUP_FAIL)
		set(r, TL_REV_ERROR, "ocsp", x.url, "%s", "the response was refused: "
		    "not signed by the issuer or a responder it delegated to, a nonce "
		    "that is not ours, a certificate it does not answer for, outside "
		    "its thisUpdate/nextUpdate window, or not a successful response");
	else
		set(r, TL_REV_ERROR, "ocsp", x.url[0] ? x.url : url,
		    "the response was refused: %s", wc_GetErrorString(rc));
	return 0;
}

int tl_rev_ocsp_response(const tl_cert *c, const tl_cert *issuer,
			 const uint8_t *resp, size_t len, tl_rev *r)
{
	tl_revopts o = { 1, 0, NULL, NULL, 0, 1, 0 };

	memset(r, 0, sizeof(*r));
	return ocsp(c, issuer, &o, "file:response", resp, len, r);
}

/* wolfSSL refuses a CRL past its nextUpdate as it refuses one that does
 * not parse; read without verifying, the date tells them apart. */
static int crl_is_stale(const uint8_t *crl, size_t len, int type)
{
	WOLFSSL_X509_CRL *x = NULL;
	WOLFSSL_ASN1_TIME *t;
	int stale;

	if (type == WOLFSSL_FILETYPE_PEM) {
		WOLFSSL_BIO *b = wolfSSL_BIO_new_mem_buf(crl, (int)len);

		if (b)
			x = wolfSSL_PEM_read_bio_X509_CRL(b, NULL, NULL, NULL);
		wolfSSL_BIO_free(b);
	} else {
		x = wolfSSL_d2i_X509_CRL(NULL, crl, (int)len);
	}
	if (x == NULL)
		return 0;
	t = wolfSSL_X509_CRL_get_nextUpdate(x);
	stale = t && wolfSSL_X509_cmp_current_time(t) < 0;
	wolfSSL_X509_CRL_free(x);
	return stale;
}

int tl_rev_crl(const tl_cert *c, const tl_cert *issuer, const uint8_t *crl,
	       size_t len, tl_rev *r)
{
	WOLFSSL_CERT_MANAGER *cm;
	int type, rc;
	const char *src = r->source[0] ? r->source : "CRL";
	char source[sizeof(r->source)];

	snprintf(source, sizeof(source), "%s", src);
	if ((cm = manager(issuer, r, "crl", source)) == NULL)
		return 0;
	type = len > 10 && memcmp(crl, "-----BEGIN", 10) == 0 ? WOLFSSL_FILETYPE_PEM :
	       WOLFSSL_FILETYPE_ASN1;
	wc_Sha256Hash(crl, (word32)len, r->crl_sha256);
	if (wolfSSL_CertManagerEnableCRL(cm, 0) != WOLFSSL_SUCCESS)
		rc = -1;
	else if ((rc = wolfSSL_CertManagerLoadCRLBuffer(cm, crl, (long)len, type)) !=
		 WOLFSSL_SUCCESS) {
		set(r, TL_REV_ERROR, "crl", source, "the CRL was refused: %s",
		    rc == ASN_CRL_CONFIRM_E ? "its signature does not verify with "
		    "the issuer's key" : rc == ASN_CRL_NO_SIGNER_E ? "it is not "
		    "signed by the certificate's issuer" : rc == ASN_AFTER_DATE_E ||
		    crl_is_stale(crl, len, type) ? "it is stale: its nextUpdate has "
		    "passed" : wc_GetErrorString(rc));
		wolfSSL_CertManagerFree(cm);
		return 0;
	} else
		rc = wolfSSL_CertManagerCheckCRL(cm, c->der, (int)c->der_len);
	wolfSSL_CertManagerFree(cm);
	if (rc == WOLFSSL_SUCCESS)
		set(r, TL_REV_GOOD, "crl", source, "%s", "");
	else if (rc == CRL_CERT_REVOKED)
		set(r, TL_REV_REVOKED, "crl", source, "%s", "listed in the issuer's CRL");
	else if (rc == CRL_MISSING)
		set(r, TL_REV_ERROR, "crl", source, "%s", "the CRL is not the issuer's");
	else if (rc == ASN_AFTER_DATE_E)
		set(r, TL_REV_ERROR, "crl", source, "%s", "the CRL is stale: its "
		    "nextUpdate has passed");
	else
		set(r, TL_REV_ERROR, "crl", source, "the CRL gives no verdict: %s",
		    wc_GetErrorString(rc));
	return 0;
}

int tl_rev_check(const tl_cert *c, const tl_cert *issuer, const tl_revopts *o,
		 tl_rev *r)
{
	char aia[512], cdp[512], first[sizeof(r->detail) + sizeof(r->source)] = "";
	const char *crl_url;
	uint8_t *buf;
	size_t len;
	tl_err e;

	memset(r, 0, sizeof(*r));
	r->checked = time(NULL);
	tl_rev_urls(c, aia, sizeof(aia), cdp, sizeof(cdp));
	if (o->ocsp && ((o->ocsp_uri && o->ocsp_uri[0]) || aia[0])) {
		ocsp(c, issuer, o, o->ocsp_uri ? o->ocsp_uri : "", NULL, 0, r);
		if (r->status == TL_REV_GOOD || r->status == TL_REV_REVOKED)
			return 0;
		snprintf(first, sizeof(first), "OCSP %.200s: %.300s", r->source, r->detail);
	}
	crl_url = o->crl_uri && o->crl_uri[0] ? o->crl_uri : cdp;
	if (!o->crl || !crl_url[0])
		return 0;
	if (tl_rev_fetch(crl_url, NULL, 0, NULL, o->timeout, o->max_crl, &buf, &len,
			 &e)) {
		set(r, TL_REV_ERROR, "crl", crl_url, "%s", e.msg);
	} else {
		snprintf(r->source, sizeof(r->source), "%s", crl_url);
		tl_rev_crl(c, issuer, buf, len, r);
		free(buf);
		if (r->status == TL_REV_GOOD || r->status == TL_REV_REVOKED)
			return 0;
	}
	if (first[0]) {
		char d[sizeof(r->detail)];

		snprintf(d, sizeof(d), "CRL: %.200s; %.300s", r->detail, first);
		snprintf(r->detail, sizeof(r->detail), "%s", d);
	}
	return 0;
}

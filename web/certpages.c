/* Certificate Management: the list with its filters, a certificate with its
 * fingerprints, PEM and DER downloads, regenerate after a confirmation,
 * CSRs, the upload of a CA-signed certificate or of trust certificates, and
 * trust-store deletes with the dependent-chain warning. The work is pki/'s,
 * the same calls `trustline cert` makes. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "html.h"
#include "plan.h"
#include "pki.h"
#include "purpose.h"
#include "revcheck.h"
#include "web.h"

static const char *key_name(const tl_cert *c, char *buf, size_t n)
{
	snprintf(buf, n, "%s-%d", c->key_type == TL_KEY_RSA ? "RSA" : "EC", c->key_bits);
	return buf;
}

/* The members `cert list --json` has, with ISO times. */
static json_t *cert_json(tl_store *s, int identity, const char *group,
			 const char *name, const tl_cert *c)
{
	json_t *o = json_object();
	char *serial = tl_hex(c->serial, c->serial_len, 1), key[24];
	tl_rev rev;

	tl_pki_rev_get(s, c, &rev);
	json_object_set_new(o, "usage", json_string(identity ? "identity" : "trust"));
	json_object_set_new(o, "group", json_string(group));
	json_object_set_new(o, "name", json_string(name));
	json_object_set_new(o, "subject", json_string(c->subject));
	json_object_set_new(o, "issuer", json_string(c->issuer));
	json_object_set_new(o, "serial", serial ? json_string(serial) : json_null());
	json_object_set_new(o, "key", json_string(key_name(c, key, sizeof(key))));
	json_object_set_new(o, "not_before", tl_json_time(c->not_before));
	json_object_set_new(o, "not_after", tl_json_time(c->not_after));
	json_object_set_new(o, "days_left",
			    json_integer((long)((c->not_after - time(NULL)) / 86400)));
	json_object_set_new(o, "revocation", json_string(tl_rev_status_name(rev.status)));
	/* the page's link to the certificate: GROUP/NAME */
	json_object_set_new(o, "id", json_sprintf("%s/%s", group, name));
	free(serial);
	return o;
}

struct list_ctx {
	tl_store *s;
	json_t *arr;
	char purpose[64], text[128];
	long within;
};

static int list_item(void *arg, tl_pki_item *it)
{
	struct list_ctx *c = arg;

	if (c->purpose[0] && strcasecmp(c->purpose, it->group))
		return 0;
	if (c->within >= 0 && (it->cert->not_after - time(NULL)) / 86400 > c->within)
		return 0;
	if (c->text[0] && !strcasestr(it->cert->subject, c->text) &&
	    !strcasestr(it->name, c->text))
		return 0;
	json_array_append_new(c->arr, cert_json(c->s, it->identity, it->group, it->name,
						it->cert));
	return 0;
}

static void select_opts(tl_buf *b, const char *name, const char *cur,
			const char *const *v, size_t n, const char *any)
{
	h_fmt(b, "<select name=\"%s\" id=\"%s\">", name, name);
	if (any)
		h_fmt(b, "<option value=\"\">%s</option>", any);
	for (size_t i = 0; i < n; i++)
		h_fmt(b, "<option%s>%s</option>", strcmp(v[i], cur) ? "" : " selected", v[i]);
	h_raw(b, "</select>");
}

void page_certs(tl_wctx *c)
{
	static const h_col cols[] = {
		{ "name", "Certificate", "/certificate?id=", "id" },
		{ "usage", "Usage", 0, 0 }, { "group", "Purpose / trust store", 0, 0 },
		{ "key", "Key", 0, 0 }, { "subject", "Common Name / Subject", 0, 0 },
		{ "issuer", "Issued By", 0, 0 }, { "not_after", "Expiration", 0, 0 },
		{ "days_left", "Days left", 0, 0 }, { "revocation", "Revocation", 0, 0 },
	};
	static const char *const usages[] = { "identity", "trust" };
	struct list_ctx ctx = { c->w->s, json_array(), "", "", -1 };
	char usage[16], within[16], *groups[64];
	const char *one[1] = { NULL };
	size_t ng = 0;
	int ids, trust;
	tl_err e;

	web_arg(c, "usage", usage, sizeof(usage));
	web_arg(c, "group", ctx.purpose, sizeof(ctx.purpose));
	web_arg(c, "find", ctx.text, sizeof(ctx.text));
	web_arg(c, "within", within, sizeof(within));
	if (within[0])
		ctx.within = atol(within);
	ids = strcmp(usage, "trust") != 0;
	trust = strcmp(usage, "identity") != 0;
	if (ctx.purpose[0] && (one[0] = tl_trust_store_find(ctx.purpose)) != NULL)
		ids = 0;
	else if (ctx.purpose[0] && !tl_purpose_find(ctx.purpose)) {
		json_decref(ctx.arr);
		return web_error(c, 400, "unknown purpose or trust store");
	} else if (ctx.purpose[0])
		trust = 0;
	/* as `cert list`: no stores at all when only identities are asked for */
	if (tl_pki_each(c->w->s, ids, trust && !one[0] ? NULL : one, trust && one[0],
			list_item, &ctx, &e)) {
		json_decref(ctx.arr);
		return web_error(c, 500, e.msg);
	}
	if (c->api)
		return web_json(c, ctx.arr);
	web_begin(c, "Certificate Management");
	for (size_t i = 0; i < tl_npurposes; i++)
		groups[ng++] = (char *)tl_purposes[i].name;
	for (size_t i = 0; i < tl_ntrust_stores; i++)
		groups[ng++] = (char *)tl_trust_stores[i];
	h_raw(&c->body, "<form method=\"get\" action=\"/certificates\" id=\"filter\">Find "
	      "certificates where ");
	select_opts(&c->body, "usage", usage, usages, 2, "any usage");
	select_opts(&c->body, "group", ctx.purpose, (const char *const *)groups, ng,
		    "any purpose or store");
	h_fmt(&c->body, " name or subject contains <input name=\"find\" value=\"%s\">"
	      " expiring within <input name=\"within\" size=\"4\" value=\"%s\"> days "
	      "<button id=\"find\">Find</button></form>\n", ctx.text, within);
	h_raw(&c->body, "<p><a href=\"/certificate/csr\" id=\"csr\">Generate CSR</a> | "
	      "<a href=\"/certificate/upload\" id=\"upload\">Upload Certificate/Certificate "
	      "chain</a></p>");
	h_fmt(&c->body, "<p>%u records found</p>", (unsigned)json_array_size(ctx.arr));
	h_table(&c->body, ctx.arr, cols, sizeof(cols) / sizeof(cols[0]));
	json_decref(ctx.arr);
	web_end(c);
}

/* The certificate "GROUP/NAME" of the request's id: an identity
 * (PURPOSE/NODE) or a trust-store file (STORE/NAME). */
static int load_cert(tl_wctx *c, char *group, size_t gn, char *name, size_t nn,
		     int *identity, tl_cert **out, tl_err *e)
{
	char id[256], *slash;
	const tl_purpose *p;
	const char *store;

	web_arg(c, "id", id, sizeof(id));
	if ((slash = strchr(id, '/')) == NULL)
		return tl_fail(e, "give the certificate as PURPOSE/NODE or STORE/NAME");
	*slash = 0;
	if ((p = tl_purpose_find(id)) != NULL) {
		snprintf(group, gn, "%s", p->name);
		snprintf(name, nn, "%s", slash + 1);
		*identity = 1;
		if (!tl_store_identity_exists(c->w->s, p->name, name))
			return tl_fail(e, "no %s certificate for node %s", p->name, name);
		return tl_store_identity_load(c->w->s, p->name, name, out, NULL, e);
	}
	if ((store = tl_trust_store_find(id)) == NULL)
		return tl_fail(e, "%s: no such purpose or trust store", id);
	tl_trusted *t;
	size_t n;
	int found = -1;

	snprintf(group, gn, "%s", store);
	snprintf(name, nn, "%s", slash + 1);
	*identity = 0;
	if (tl_store_trust_list(c->w->s, store, &t, &n, e))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0) {
			*out = t[i].cert;
			t[i].cert = NULL;
			found = 0;
		}
	tl_store_trust_free(t, n);
	return found ? tl_fail(e, "%s holds no certificate named %s", store, name) : 0;
}

void page_cert(tl_wctx *c)
{
	static const h_col cols[] = {
		{ "subject", "Subject", 0, 0 }, { "issuer", "Issuer", 0, 0 },
		{ "serial", "Serial Number", 0, 0 }, { "key", "Key", 0, 0 },
		{ "signature", "Signature Algorithm", 0, 0 },
		{ "not_before", "Valid From", 0, 0 }, { "not_after", "Valid To", 0, 0 },
		{ "days_left", "Days left", 0, 0 }, { "ca", "CA", 0, 0 },
		{ "san", "Subject Alternative Names", 0, 0 },
		{ "revocation", "Revocation", 0, 0 }, { "sha1", "SHA-1", 0, 0 },
		{ "sha256", "SHA-256", 0, 0 }, { "md5", "MD5", 0, 0 },
	};
	static const int fps[] = { TL_HASH_SHA1, TL_HASH_SHA256, TL_HASH_MD5 };
	static const char *const keys[] = { "sha1", "sha256", "md5" };
	char group[64], name[128], *pem = NULL;
	uint8_t h[TL_HASH_MAX];
	json_t *o, *san;
	int identity;
	tl_cert *cert;
	tl_err e;

	if (load_cert(c, group, sizeof(group), name, sizeof(name), &identity, &cert, &e))
		return web_error(c, 404, e.msg);
	o = cert_json(c->w->s, identity, group, name, cert);
	json_object_set_new(o, "signature", json_string(cert->sig_alg));
	json_object_set_new(o, "ca", json_boolean(cert->is_ca));
	san = json_array();
	for (size_t i = 0; i < cert->nsan; i++)
		json_array_append_new(san, json_string(cert->san[i]));
	json_object_set_new(o, "san", san);
	for (int i = 0; i < 3; i++) {
		int n = tl_hash(fps[i], cert->der, cert->der_len, h);
		char *hex = tl_hex(h, (size_t)n, 1);

		json_object_set_new(o, keys[i], hex ? json_string(hex) : json_null());
		free(hex);
	}
	if (tl_cert_to_pem(cert, &pem, &e) == 0)
		json_object_set_new(o, "pem", json_string(pem));
	free(pem);
	tl_cert_free(cert);
	if (c->api)
		return web_json(c, o);
	web_begin(c, "Certificate Details");
	h_fmt(&c->body, "<h2 id=\"certname\">%s/%s</h2>", group, name);
	h_fields(&c->body, o, cols, sizeof(cols) / sizeof(cols[0]));
	h_fmt(&c->body, "<p><a id=\"pem\" href=\"/certificate/download?id=%s/", group);
	h_url(&c->body, name);
	h_fmt(&c->body, "&amp;format=pem\">Download .PEM File</a> | <a id=\"der\" "
	      "href=\"/certificate/download?id=%s/", group);
	h_url(&c->body, name);
	h_raw(&c->body, "&amp;format=der\">Download .DER File</a></p>");
	if (identity) {
		h_fmt(&c->body, "<p><a id=\"regenerate\" href=\"/certificate/regenerate?id=%s/",
		      group);
		h_url(&c->body, name);
		h_raw(&c->body, "\">Regenerate</a></p>");
	} else {
		h_fmt(&c->body, "<form method=\"post\" action=\"/trust/delete\">"
		      "<input type=\"hidden\" name=\"id\" value=\"%s/%s\">", group, name);
		web_csrf(c);
		h_raw(&c->body, "<button id=\"delete\">Delete</button></form>");
	}
	h_fmt(&c->body, "<pre>%s</pre>", json_string_value(json_object_get(o, "pem")));
	json_decref(o);
	web_end(c);
}

void page_cert_download(tl_wctx *c)
{
	char group[64], name[128], fmt[8], *pem;
	int identity;
	tl_cert *cert;
	tl_err e;

	web_arg(c, "format", fmt, sizeof(fmt));
	if (load_cert(c, group, sizeof(group), name, sizeof(name), &identity, &cert, &e))
		return web_error(c, 404, e.msg);
	if (strcmp(fmt, "der") == 0) {
		tl_buf_add(&c->body, cert->der, cert->der_len);
		c->type = "application/pkix-cert";
	} else if (tl_cert_to_pem(cert, &pem, &e) == 0) {
		tl_buf_add(&c->body, pem, strlen(pem));
		free(pem);
		c->type = "application/x-pem-file";
	} else {
		tl_cert_free(cert);
		return web_error(c, 500, e.msg);
	}
	/* the file name from names the purposes and stores allow, made safe */
	for (char *p = name; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.", *p))
			*p = '_';
	snprintf(c->disposition, sizeof(c->disposition), "attachment; filename=\"%s-%s.%s\"",
		 group, name, strcmp(fmt, "der") ? "pem" : "der");
	tl_cert_free(cert);
}

/* The change-impact plan of regenerating with o, as `trustline plan cert
 * generate` makes it (on a copy: nothing changes): phones by outcome and
 * reason, and a safe order when there is one. */
static void plan_section(tl_wctx *c, const tl_plan *p)
{
	h_fmt(&c->body, "<div id=\"plan\" class=\"%s\"><b>Impact on phones</b> "
	      "(planned on a copy of the data directory): %ld phones, %ld would be "
	      "stranded.", p->stranded ? "warn" : "ok", (long)p->nphones,
	      (long)p->stranded);
	if (p->ngroups) {
		h_raw(&c->body, "<table><tr><th>Phones</th><th>Outcome</th><th>Reason"
		      "</th><th>Example</th></tr>");
		for (size_t i = 0; i < p->ngroups; i++) {
			const tl_plan_group *g = &p->groups[i];

			h_fmt(&c->body, "<tr><td>%ld</td><td>%s</td><td>%s</td><td>%s</td>"
			      "</tr>", (long)g->count, g->outcome, g->reason ? g->reason : "",
			      g->first);
		}
		h_raw(&c->body, "</table>");
	}
	if (p->stranded)
		h_raw(&c->body, "<p>Stranded phones need an erase of their trust lists, "
		      "or an ITL signed with ITLRecovery, before this change.</p>");
	h_raw(&c->body, "</div>");
}

void page_cert_regenerate(tl_wctx *c)
{
	char group[64], name[128], confirm[8], *out;
	size_t len;
	int identity, rc;
	tl_cert *cert;
	tl_genopts o;
	tl_err e;
	FILE *f;

	if (load_cert(c, group, sizeof(group), name, sizeof(name), &identity, &cert, &e))
		return web_error(c, 404, e.msg);
	tl_cert_free(cert);
	if (!identity)
		return web_error(c, 400, "only identity certificates are regenerated; a "
				 "trust certificate is uploaded again");
	memset(&o, 0, sizeof(o));
	o.purpose = group;
	o.node = name;
	o.key_type = -1;
	web_arg(c, "confirm", confirm, sizeof(confirm));
	if (!web_is_post(c) || strcmp(confirm, "yes")) {
		/* the plan first, for the page and for /api/ (POST with
		 * confirm=yes regenerates) */
		tl_plan_step st;
		tl_plan p;

		tl_plan_step_generate(&st, &o);
		if (tl_plan_run(c->w->s, &st, 1, &p, &e))
			return web_error(c, 409, e.msg);
		if (c->api) {
			web_json(c, tl_plan_json(&p));
			tl_plan_free(&p);
			return;
		}
		web_begin(c, "Regenerate Certificate");
		h_fmt(&c->body, "<p class=\"warn\" id=\"confirmtext\">Regenerating %s on %s "
		      "replaces its key and certificate, rebuilds the ITL (and the CTL in "
		      "mixed mode) and makes every server reload. Phones that do not "
		      "trust the new certificate through TVS or the ITL must be reset.</p>",
		      group, name);
		plan_section(c, &p);
		tl_plan_free(&p);
		h_fmt(&c->body, "<form method=\"post\" action=\"/certificate/regenerate\">"
		      "<input type=\"hidden\" name=\"id\" value=\"%s/%s\">"
		      "<input type=\"hidden\" name=\"confirm\" value=\"yes\">", group, name);
		web_csrf(c);
		h_raw(&c->body, "<button id=\"confirm\">Regenerate</button> "
		      "<a href=\"/certificates\">Cancel</a></form>");
		return web_end(c);
	}
	if ((f = web_report(&out, &len)) == NULL)
		return web_error(c, 500, "out of memory");
	rc = tl_pki_generate(c->w->s, &o, f, &e);
	fclose(f);
	web_outcome(c, "Regenerate Certificate", rc == 0, out, e.msg, NULL,
		    "/certificates");
	free(out);
}

/* The purpose and node fields of the CSR and upload forms. */
static void target_fields(tl_wctx *c)
{
	h_raw(&c->body, "<tr><th>Certificate Purpose</th><td><select name=\"purpose\" "
	      "id=\"purpose\">");
	for (size_t i = 0; i < tl_npurposes; i++)
		h_fmt(&c->body, "<option>%s</option>", tl_purposes[i].name);
	h_raw(&c->body, "</select></td></tr><tr><th>Node</th><td><select name=\"node\" "
	      "id=\"node\">");
	for (int i = 0; i < c->w->s->conf.nnodes; i++)
		h_fmt(&c->body, "<option>%s</option>", c->w->s->conf.nodes[i]);
	h_raw(&c->body, "</select></td></tr>");
}

void page_cert_csr(tl_wctx *c)
{
	char purpose[64], node[64], *pem = NULL, *out, link[200];
	size_t len;
	tl_csropts o;
	tl_err e;
	FILE *f;
	int rc;

	web_arg(c, "purpose", purpose, sizeof(purpose));
	web_arg(c, "node", node, sizeof(node));
	if (!web_is_post(c) && purpose[0]) {
		/* download the pending request */
		tl_pending *v;
		size_t n;

		if (tl_pki_pending(c->w->s, purpose, node[0] ? node : NULL, &v, &n, &e))
			return web_error(c, 404, e.msg);
		tl_buf_add(&c->body, v[0].pem, strlen(v[0].pem));
		c->type = "application/pkcs10";
		snprintf(c->disposition, sizeof(c->disposition),
			 "attachment; filename=\"%s.csr\"", v[0].purpose->name);
		tl_pki_pending_free(v, n);
		return;
	}
	if (!web_is_post(c)) {
		if (c->api)
			return web_error(c, 400, "POST purpose and node to generate a CSR");
		web_begin(c, "Generate Certificate Signing Request");
		h_raw(&c->body, "<form method=\"post\" action=\"/certificate/csr\">"
		      "<table class=\"fields\">");
		target_fields(c);
		h_raw(&c->body, "</table>");
		web_csrf(c);
		h_raw(&c->body, "<button id=\"generate\">Generate</button></form>");
		return web_end(c);
	}
	memset(&o, 0, sizeof(o));
	o.purpose = purpose;
	o.node = node[0] ? node : NULL;
	o.key_type = -1;
	if ((f = web_report(&out, &len)) == NULL)
		return web_error(c, 500, "out of memory");
	rc = tl_pki_csr(c->w->s, &o, &pem, f, &e);
	if (rc == 0)
		fprintf(f, "%s", pem);
	fclose(f);
	free(pem);
	snprintf(link, sizeof(link), "/certificate/csr?purpose=%s&node=%s", purpose, node);
	web_outcome(c, "Generate Certificate Signing Request", rc == 0, out, e.msg, link,
		    "/certificates");
	free(out);
}

void page_cert_upload(tl_wctx *c)
{
	char purpose[64], node[64], *out;
	const uint8_t *file;
	tl_cert **certs = NULL;
	size_t n = 0, len, flen;
	tl_err e;
	FILE *f;
	int rc;

	if (!web_is_post(c)) {
		if (c->api)
			return web_error(c, 400, "POST purpose (a purpose or a trust store), "
					 "node and file as multipart/form-data");
		web_begin(c, "Upload Certificate/Certificate chain");
		h_raw(&c->body, "<p>A purpose (tomcat, CallManager, ...) takes the "
		      "CA-signed certificate for its pending CSR, with its chain; a trust "
		      "store (...-trust) takes every certificate of the file.</p>"
		      "<form method=\"post\" action=\"/certificate/upload\" "
		      "enctype=\"multipart/form-data\"><table class=\"fields\">"
		      "<tr><th>Certificate Purpose</th><td><select name=\"purpose\" "
		      "id=\"purpose\">");
		for (size_t i = 0; i < tl_ntrust_stores; i++)
			h_fmt(&c->body, "<option>%s</option>", tl_trust_stores[i]);
		for (size_t i = 0; i < tl_npurposes; i++)
			h_fmt(&c->body, "<option>%s</option>", tl_purposes[i].name);
		h_raw(&c->body, "</select></td></tr><tr><th>Node (a purpose's)</th><td>"
		      "<select name=\"node\" id=\"node\">");
		for (int i = 0; i < c->w->s->conf.nnodes; i++)
			h_fmt(&c->body, "<option>%s</option>", c->w->s->conf.nodes[i]);
		h_raw(&c->body, "</select></td></tr><tr><th>Upload File</th><td>"
		      "<input type=\"file\" name=\"file\" id=\"file\"></td></tr></table>");
		web_csrf(c);
		h_raw(&c->body, "<button id=\"uploadbtn\">Upload</button></form>");
		return web_end(c);
	}
	if (tl_hreq_field(c->req, "purpose", purpose, sizeof(purpose)) != 1)
		return web_error(c, 400, "choose a certificate purpose or trust store");
	if (tl_hreq_field(c->req, "node", node, sizeof(node)) != 1)
		node[0] = 0;
	if (!tl_hreq_file(c->req, "file", &file, &flen) || flen == 0)
		return web_error(c, 400, "choose a file to upload (PEM, DER, a PEM bundle "
				 "or PKCS#7)");
	if (tl_certs_from_mem(file, flen, "the uploaded file", &certs, &n, &e))
		return web_error(c, 422, e.msg);
	if ((f = web_report(&out, &len)) == NULL) {
		tl_certs_free(certs, n);
		return web_error(c, 500, "out of memory");
	}
	if (tl_trust_store_find(purpose)) {
		tl_trustadd a;

		memset(&a, 0, sizeof(a));
		a.store = purpose;
		a.certs = certs;
		a.n = n;
		rc = tl_pki_trust_add(c->w->s, &a, f, &e);
	} else {
		/* the leaf is the first certificate that is not a CA, as for
		 * `trustline cert import` */
		size_t leaf = 0;
		tl_cert *chain[64];
		size_t nchain = 0;

		for (size_t i = 0; i < n; i++)
			if (!certs[i]->is_ca) {
				leaf = i;
				break;
			}
		for (size_t i = 0; i < n && nchain < 64; i++)
			if (i != leaf)
				chain[nchain++] = certs[i];
		rc = tl_pki_import(c->w->s, purpose, node[0] ? node : NULL, certs[leaf],
				   chain, nchain, f, &e);
	}
	fclose(f);
	tl_certs_free(certs, n);
	web_outcome(c, "Upload Certificate/Certificate chain", rc == 0, out, e.msg,
		    NULL, "/certificates");
	free(out);
}

void page_trust_delete(tl_wctx *c)
{
	char id[256], force[8], *out, *slash;
	size_t len;
	tl_err e;
	FILE *f;
	int rc;

	if (!web_is_post(c))
		return web_error(c, 405, "delete with the certificate page's Delete button");
	web_arg(c, "id", id, sizeof(id));
	web_arg(c, "force", force, sizeof(force));
	if ((slash = strchr(id, '/')) == NULL)
		return web_error(c, 400, "give the certificate as STORE/NAME");
	*slash = 0;
	if (!tl_trust_store_find(id))
		return web_error(c, 400, "give the certificate as STORE/NAME");
	if ((f = web_report(&out, &len)) == NULL)
		return web_error(c, 500, "out of memory");
	rc = tl_pki_trust_delete(c->w->s, id, slash + 1, strcmp(force, "yes") == 0, f, &e);
	fclose(f);
	if (rc == -1 && out && *out && strcmp(force, "yes") && !c->api) {
		/* the certificates that chain through it: confirm to delete anyway */
		web_begin(c, "Delete Trust Certificate");
		h_fmt(&c->body, "<p class=\"warn\" id=\"dependents\">%s</p><pre>%s</pre>",
		      e.msg, out);
		h_fmt(&c->body, "<form method=\"post\" action=\"/trust/delete\">"
		      "<input type=\"hidden\" name=\"id\" value=\"%s/%s\">"
		      "<input type=\"hidden\" name=\"force\" value=\"yes\">", id, slash + 1);
		web_csrf(c);
		h_raw(&c->body, "<button id=\"force\">Delete anyway</button> "
		      "<a href=\"/certificates\">Cancel</a></form>");
		web_end(c);
	} else {
		web_outcome(c, "Delete Trust Certificate", rc == 0, out, e.msg, NULL,
			    "/certificates");
	}
	free(out);
}

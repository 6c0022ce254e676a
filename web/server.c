/* trustline-web's server: HTTP/1.1 on lib/netloop.h's TLS connections,
 * which already bound each connection's buffers, its handshake and idle
 * time and the number of connections. A request is parsed whole
 * (httpreq.h), the session and, for a change, its CSRF token checked, and
 * the page's answer sent with the headers every answer carries. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "account.h"
#include "html.h"
#include "log.h"
#include "web.h"

#define COOKIE "tlweb"

typedef struct route {
	const char *path;
	void (*fn)(tl_wctx *c);
} route;

static const route routes[] = {
	{ "/", page_home },
	{ "/certificates", page_certs },
	{ "/certificate", page_cert },
	{ "/certificate/download", page_cert_download },
	{ "/certificate/regenerate", page_cert_regenerate },
	{ "/certificate/csr", page_cert_csr },
	{ "/certificate/upload", page_cert_upload },
	{ "/trust/delete", page_trust_delete },
	{ "/trustlist", page_tlist },
	{ "/devices", page_devices },
	{ "/device", page_device },
	{ "/device/capf", page_device_capf },
	{ "/alarms", page_alarms },
	{ "/audit", page_audit },
	{ "/logout", page_logout },
};

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 303: return "See Other";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 501: return "Not Implemented";
	case 505: return "HTTP Version Not Supported";
	default: return "Internal Server Error";
	}
}

void web_json(tl_wctx *c, json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT);

	if (s) {
		tl_buf_add(&c->body, s, strlen(s));
		tl_buf_add(&c->body, "\n", 1);
	}
	free(s);
	json_decref(v);
	c->type = "application/json";
}

void web_redirect(tl_wctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->location, sizeof(c->location), fmt, ap);
	va_end(ap);
	c->status = 303;
}

int web_is_post(const tl_wctx *c)
{
	return strcmp(c->req->method, "POST") == 0;
}

void web_arg(tl_wctx *c, const char *name, char *out, size_t n)
{
	if (tl_hreq_query(c->req, name, out, n) != 1 &&
	    (!web_is_post(c) || tl_hreq_field(c->req, name, out, n) != 1))
		out[0] = 0;
}

FILE *web_report(char **text, size_t *len)
{
	*text = NULL;
	*len = 0;
	return open_memstream(text, len);
}

void web_csrf(tl_wctx *c)
{
	if (c->session)
		h_fmt(&c->body, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">",
		      c->session->csrf);
}

void web_begin(tl_wctx *c, const char *title)
{
	tl_buf *b = &c->body;

	c->type = "text/html; charset=utf-8";
	h_fmt(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	      "<title>%s - trustline</title><style>"
	      "body{font-family:sans-serif;margin:0;font-size:14px}"
	      "header{background:#04415f;color:#fff;padding:8px 16px}"
	      "header a{color:#fff;margin-right:14px;text-decoration:none}"
	      "header form{display:inline;float:right}"
	      "main{padding:12px 16px}table{border-collapse:collapse;margin:8px 0}"
	      "td,th{border:1px solid #bbb;padding:3px 8px;text-align:left;vertical-align:top}"
	      "th{background:#e6eef2}.warn{background:#fff3cd;padding:8px;border:1px solid #e0c060}"
	      ".err{background:#f8d7da;padding:8px;border:1px solid #d08080}"
	      "pre{background:#f4f4f4;padding:8px;overflow:auto}fieldset{margin:8px 0}"
	      "</style></head><body>\n", title);
	if (c->session) {
		h_raw(b, "<header><b>trustline</b> &nbsp; "
		      "<a href=\"/certificates\">Certificate Management</a>"
		      "<a href=\"/trustlist?kind=itl\">ITL/CTL</a>"
		      "<a href=\"/devices\">Devices</a>"
		      "<a href=\"/alarms\">Certificate Monitor</a>"
		      "<a href=\"/audit\">Audit Log</a>"
		      "<form method=\"post\" action=\"/logout\">");
		web_csrf(c);
		h_fmt(b, "%s <button id=\"logout\">Logout</button></form></header>\n",
		      c->session->user);
	}
	h_fmt(b, "<main><h1>%s</h1>\n", title);
}

void web_end(tl_wctx *c)
{
	h_raw(&c->body, "</main></body></html>\n");
}

void web_error(tl_wctx *c, int status, const char *msg)
{
	c->status = status;
	c->body.len = 0;
	if (c->api) {
		json_t *o = json_object();

		json_object_set_new(o, "reason", json_string(msg));
		web_json(c, o);
		return;
	}
	web_begin(c, reason(status));
	h_fmt(&c->body, "<p class=\"err\" id=\"error\">%s</p>", msg);
	h_raw(&c->body, "<p><a href=\"/\">Back to the start page</a></p>");
	web_end(c);
}

void web_outcome(tl_wctx *c, const char *title, int ok, const char *output,
		 const char *error, const char *download, const char *back)
{
	if (c->api) {
		json_t *o = json_object();

		json_object_set_new(o, "ok", json_boolean(ok));
		json_object_set_new(o, "output", tl_json_opt(output));
		json_object_set_new(o, "reason", ok ? json_null() : json_string(error));
		c->status = ok ? 200 : 422;
		web_json(c, o);
		return;
	}
	c->status = ok ? 200 : 422;
	web_begin(c, title);
	if (!ok)
		h_fmt(&c->body, "<p class=\"err\" id=\"error\">%s</p>", error);
	else
		h_raw(&c->body, "<p id=\"status\">Success.</p>");
	if (output && *output)
		h_fmt(&c->body, "<pre id=\"output\">%s</pre>", output);
	if (ok && download)
		h_fmt(&c->body, "<p><a id=\"download\" href=\"%s\">Download</a></p>", download);
	h_fmt(&c->body, "<p><a id=\"back\" href=\"%s\">Back</a></p>", back);
	web_end(c);
}

/* Headers every answer carries: no caching of pages with keys' names, no
 * framing, no scripts, no content sniffing, HTTPS only. */
static void respond(tl_netconn *conn, tl_wctx *c, int close)
{
	char head[2048];
	tl_err e;
	int n;

	if (tl_buf_ok(&c->body, &e)) {
		tl_buf_free(&c->body);
		tl_buf_init(&c->body);
		c->status = 500;
		c->type = "text/plain";
	}
	n = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\n"
		     "Content-Type: %s\r\nContent-Length: %zu\r\n"
		     "Cache-Control: no-store\r\nX-Frame-Options: DENY\r\n"
		     "X-Content-Type-Options: nosniff\r\nReferrer-Policy: same-origin\r\n"
		     "Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline';"
		     " img-src 'self'; form-action 'self'; frame-ancestors 'none'\r\n"
		     "Strict-Transport-Security: max-age=31536000\r\n"
		     "%s%s%s%s%s%s%s%s%s%s",
		     c->status, reason(c->status), c->type ? c->type : "text/plain",
		     c->body.len,
		     c->location[0] ? "Location: " : "", c->location,
		     c->location[0] ? "\r\n" : "",
		     c->cookie[0] ? "Set-Cookie: " : "", c->cookie,
		     c->cookie[0] ? "\r\n" : "",
		     c->disposition[0] ? "Content-Disposition: " : "", c->disposition,
		     c->disposition[0] ? "\r\n" : "",
		     close ? "Connection: close\r\n\r\n" : "\r\n");
	if (tl_netconn_send(conn, head, (size_t)n) ||
	    (c->body.len && tl_netconn_send(conn, c->body.p, c->body.len)) || close)
		tl_netconn_close_after_send(conn);
}

/* The session of the request's cookie, if its account still exists. */
static tl_session *session_of(tl_web *w, const tl_hreq *r)
{
	char id[80];
	tl_session *s;

	if (!tl_hreq_cookie(r, COOKIE, id, sizeof(id)) ||
	    (s = tl_sess_find(&w->sessions, id, tl_now_ms())) == NULL)
		return NULL;
	if (tl_account_exists(w->s, s->user) != 1) {
		tl_sess_end(s);
		return NULL;
	}
	return s;
}

void tl_web_hup(void *arg)
{
	tl_web *w = arg;
	tl_err e;

	if (tl_store_reload_conf(w->s, NULL, &e))
		tl_log(LOG_ERR, "event=reload error=%s", e.msg);
	else
		tl_log(LOG_INFO, "event=reload nodes=%d", w->s->conf.nnodes);
}

static void dispatch(tl_wctx *c)
{
	const char *path = c->req->path;
	long gen = tl_store_read_generation(c->w->s->dir);
	char token[80];

	/* `trustline cluster add-node` and the like bump the generation */
	if (gen != c->w->generation) {
		c->w->generation = gen;
		tl_web_hup(c->w);
	}

	if (strncmp(path, "/api/", 5) == 0 || strcmp(path, "/api") == 0) {
		c->api = 1;
		path += 4;
		if (!*path)
			path = "/";
	}
	if (strcmp(c->req->method, "GET") && strcmp(c->req->method, "POST"))
		return web_error(c, 405, "only GET and POST are served");
	if (strcmp(path, "/login") == 0)
		return page_login(c);
	if ((c->session = session_of(c->w, c->req)) == NULL) {
		if (c->api)
			return web_error(c, 401, "log in first: POST /login with user and "
					 "password");
		return web_redirect(c, "/login");
	}
	/* every change is a POST carrying the session's token */
	if (web_is_post(c) && (tl_hreq_field(c->req, "csrf", token, sizeof(token)) != 1 ||
			       !tl_sess_csrf_ok(c->session, token))) {
		tl_log(LOG_WARNING, "event=csrf-refused user=%s peer=%s path=%s",
		       c->session->user, c->peer, c->req->path);
		return web_error(c, 403, "the form's security token is missing or wrong: "
				 "reload the page and try again");
	}
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (strcmp(routes[i].path, path) == 0) {
			/* the audit log names the web page's user */
			snprintf(c->w->s->user, sizeof(c->w->s->user), "%s",
				 c->session->user);
			routes[i].fn(c);
			c->w->s->user[0] = 0;
			return;
		}
	web_error(c, 404, "no such page");
}

static long on_data(void *arg, tl_netconn *conn, const uint8_t *buf, size_t len)
{
	tl_web *w = arg;
	tl_hreq r;
	tl_wctx c;
	long n = tl_hreq_parse(buf, len, &r);

	if (n == 0)
		return 0;
	memset(&c, 0, sizeof(c));
	c.w = w;
	c.req = &r;
	c.peer = tl_netconn_peer(conn);
	c.status = 200;
	tl_buf_init(&c.body);
	if (n < 0) {
		c.req = NULL;
		c.status = (int)-n;
		c.type = "text/plain";
		tl_buf_add(&c.body, reason(c.status), strlen(reason(c.status)));
		tl_log(LOG_INFO, "event=refused peer=%s status=%d", c.peer, c.status);
		respond(conn, &c, 1);
		tl_buf_free(&c.body);
		return (long)len;
	}
	dispatch(&c);
	tl_log(LOG_INFO, "event=request peer=%s user=%s method=%s path=%s status=%d",
	       c.peer, c.session ? c.session->user : "-", r.method, r.path, c.status);
	respond(conn, &c, r.close);
	tl_buf_free(&c.body);
	return n;
}

int tl_web_serve(tl_web *w, tl_loop *l, int fd, const char *node, tl_err *e)
{
	tl_netsrv_opts o = {
		.max_connections = 256,
		.max_per_source = 32,
		.handshake_ms = 10000,
		/* a slow client gets 30 s for a whole request */
		.idle_ms = 30000,
		.max_input = TL_HREQ_MAX_HEAD + TL_HREQ_MAX_BODY,
		.max_output = 8 * 1024 * 1024,
		.on_data = on_data,
		.arg = w,
	};
	tl_cert *cert = NULL;
	tl_key *key = NULL;
	int rc;

	w->generation = tl_store_read_generation(w->s->dir);
	if (tl_store_identity_load(w->s, "tomcat", node, &cert, &key, e))
		return -1;
	rc = tl_tls_server(&w->tls, cert, key, 12, e);
	tl_cert_free(cert);
	tl_key_free(key);
	if (rc)
		return -1;
	if ((w->srv = tl_netsrv_new(l, fd, w->tls, &o, e)) == NULL)
		return -1;
	return 0;
}

void tl_web_free(tl_web *w)
{
	tl_netsrv_free(w->srv);
	tl_tls_free(w->tls);
	w->srv = NULL;
	w->tls = NULL;
}

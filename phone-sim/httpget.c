#include "httpget.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct get {
	struct event_base *base;
	size_t max;
	int done;
	tl_http_answer *a;
	uint8_t *buf;
	size_t len;
	tl_err *e;
};

static const char *req_error(enum evhttp_request_error err)
{
	switch (err) {
	case EVREQ_HTTP_TIMEOUT: return "timed out";
	case EVREQ_HTTP_EOF: return "the server closed the connection";
	case EVREQ_HTTP_INVALID_HEADER: return "a malformed response";
	case EVREQ_HTTP_BUFFER_ERROR: return "connection failed";
	case EVREQ_HTTP_REQUEST_CANCEL: return "cancelled";
	case EVREQ_HTTP_DATA_TOO_LONG: return "the response is too large";
	default: return "failed";
	}
}

static void on_error(enum evhttp_request_error err, void *arg)
{
	struct get *g = arg;

	tl_fail(g->e, "%s", req_error(err));
}

/* The first line of an error's body, control characters made '?', into
 * out (n > 0). */
static void first_line(struct evbuffer *in, char *out, size_t n)
{
	ev_ssize_t got = evbuffer_copyout(in, out, n - 1);
	size_t i;

	for (i = 0; got > 0 && i < (size_t)got && out[i] != '\n' && out[i] != '\r'; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			out[i] = '?';
	out[i] = 0;
}

static void on_done(struct evhttp_request *req, void *arg)
{
	struct get *g = arg;
	struct evbuffer *in;
	const char *line;
	size_t n;

	event_base_loopexit(g->base, NULL);
	if (req == NULL || (g->a->status = evhttp_request_get_response_code(req)) == 0) {
		if (!g->e->msg[0])
			tl_fail(g->e, "no connection, or no response");
		return;
	}
	g->done = 1;
	line = evhttp_request_get_response_code_line(req);
	snprintf(g->a->reason, sizeof(g->a->reason), "%s", line ? line : "");
	in = evhttp_request_get_input_buffer(req);
	if (g->a->status != 200) {
		/* a text, not a page: a person's words, not markup */
		line = evhttp_find_header(evhttp_request_get_input_headers(req),
					  "Content-Type");
		if (line && !strncmp(line, "text/plain", 10))
			first_line(in, g->a->text, sizeof(g->a->text));
		return;
	}
	n = evbuffer_get_length(in);
	if (n > g->max) {
		g->done = 0;
		tl_fail(g->e, "the response is larger than %zu bytes", g->max);
		return;
	}
	if ((g->buf = malloc(n ? n : 1)) == NULL) {
		g->done = 0;
		tl_fail(g->e, "out of memory");
		return;
	}
	g->len = (size_t)evbuffer_remove(in, g->buf, n);
}

int tl_http_get(const char *host, int port, const char *name, int timeout_ms,
		size_t max, uint8_t **buf, size_t *len, tl_http_answer *a, tl_err *e)
{
	struct evhttp_connection *conn = NULL;
	struct evhttp_request *req;
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	struct get g;
	char *enc = NULL, *path = NULL, hosthdr[300];
	int rc = -1;

	memset(&g, 0, sizeof(g));
	memset(a, 0, sizeof(*a));
	g.max = max;
	g.a = a;
	g.e = e;
	e->msg[0] = 0;
	*buf = NULL;
	*len = 0;
	if ((g.base = event_base_new()) == NULL)
		return tl_fail(e, "cannot make an event base");
	conn = evhttp_connection_base_new(g.base, NULL, host, (unsigned short)port);
	enc = evhttp_uriencode(name, -1, 0);
	if (conn == NULL || enc == NULL || asprintf(&path, "/%s", enc) < 0) {
		path = NULL;
		tl_fail(e, "http://%s:%d/%s: cannot make the request", host, port, name);
		goto out;
	}
	evhttp_connection_set_timeout_tv(conn, &tv);
	evhttp_connection_set_retries(conn, 0);
	evhttp_connection_set_max_body_size(conn, (ev_ssize_t)max);
	if ((req = evhttp_request_new(on_done, &g)) == NULL) {
		tl_fail(e, "out of memory");
		goto out;
	}
	evhttp_request_set_error_cb(req, on_error);
	snprintf(hosthdr, sizeof(hosthdr), port == 80 ? "%s" : "%s:%d", host, port);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Host", hosthdr);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
	/* evhttp_make_request owns req from here, failing or not */
	if (evhttp_make_request(conn, req, EVHTTP_REQ_GET, path)) {
		tl_fail(e, "http://%s:%d%s: cannot send the request", host, port, path);
		goto out;
	}
	event_base_dispatch(g.base);
	if (!g.done) {
		tl_wrap(e, "http://%s:%d%s", host, port, path);
		goto out;
	}
	*buf = g.buf;
	*len = g.len;
	g.buf = NULL;
	rc = 0;
out:
	free(g.buf);
	free(path);
	free(enc);
	if (conn)
		evhttp_connection_free(conn);
	event_base_free(g.base);
	return rc;
}

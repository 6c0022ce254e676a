#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "tftpmetrics.h"

#define IDLE_TIMEOUT_S 30

struct tl_tftp_http {
	tl_tftp_ns *ns;
	tl_http *http;
	tl_tsrec *rec;
	int port;
};

/* What a response holds on to until libevent is done with its bytes. */
struct held {
	tl_tftp_ns *ns;
	tl_tftp_file f;
	tl_tsrec *rec;
	char name[64], peer[80];	/* for the record */
};

static void sent(void *ctx)
{
	struct held *h = ctx;

	tl_tsrec_file(h->rec, h->name, h->f.data, h->f.len, h->peer, "http");
}

static void release(void *ctx)
{
	struct held *h = ctx;

	tl_tftp_ns_release(h->ns, &h->f);
	free(h);
}

static int serve(void *arg, const char *path, const char *peer,
		 tl_http_body *body)
{
	tl_tftp_http *h = arg;
	struct held *held;
	char name[400], why[700];
	const char *file = path[0] == '/' ? path + 1 : path;
	struct tl_tftp_stats *st = tl_tftp_metrics_slot();
	int status, rc;

	if (strcmp(path, "/metrics") == 0)
		return tl_tftp_metrics_http(h->ns, peer, body);
	held = malloc(sizeof(*held));
	if (held == NULL)
		return 503;
	held->ns = h->ns;
	rc = tl_tftp_ns_lookup(h->ns, file, &held->f);
	status = rc == 0 ? 200 : rc == -2 ? 403 : rc == -3 ? 503 : 404;
	tl_log(LOG_INFO, "event=http client=%s file=%s bytes=%zu status=%d%s%s",
	       peer, tl_log_val(file, name, sizeof(name)), rc ? 0 : held->f.len,
	       status, held->f.why ? " message=" : "",
	       held->f.why ? tl_log_val(held->f.why, why, sizeof(why)) : "");
	if (rc) {
		/* as TFTP's error message: why the file is not served */
		body->why = held->f.why;
		free(held);
		if (status == 404)
			st->http_not_found++;
		else if (status == 403)
			st->http_forbidden++;
		else
			st->http_error++;
		return status;
	}
	st->http_ok++;
	st->http_bytes += held->f.len;
	body->data = held->f.data;
	body->len = held->f.len;
	body->done = release;
	body->ctx = held;
	if (h->rec) {
		held->rec = h->rec;
		snprintf(held->name, sizeof(held->name), "%s", file);
		snprintf(held->peer, sizeof(held->peer), "%s", peer);
		body->sent = sent;
	}
	return 200;
}

tl_tftp_http *tl_tftp_http_new(tl_loop *l, tl_tftp_ns *ns, const char *listen,
			       int port, int reuseport, tl_err *e)
{
	tl_tftp_http *h = calloc(1, sizeof(*h));
	int fd;

	if (h == NULL) {
		tl_fail(e, "out of memory");
		return NULL;
	}
	h->ns = ns;
	fd = tl_sock_bind(listen, port, SOCK_STREAM, reuseport, e);
	if (fd >= 0)
		h->port = tl_sock_port(fd);
	if (fd < 0 || (h->http = tl_http_new(l, fd, IDLE_TIMEOUT_S, serve, h, e)) == NULL) {
		free(h);
		return NULL;
	}
	return h;
}

void tl_tftp_http_record(tl_tftp_http *h, tl_tsrec *r)
{
	h->rec = r;
}

int tl_tftp_http_port(const tl_tftp_http *h)
{
	return h->port;
}

void tl_tftp_http_free(tl_tftp_http *h)
{
	if (h == NULL)
		return;
	tl_http_free(h->http);
	free(h);
}

/* trustline-web (docs/web.md): the server's state, one request's context,
 * and the pages. Each page builds its data as JSON first; /api/PATH sends
 * that, PATH renders it as HTML (html.h), so the two never differ. */
#ifndef TL_WEB_H
#define TL_WEB_H

#include <jansson.h>
#include <stdio.h>
#include <time.h>

#include "httpreq.h"
#include "json.h"
#include "loop.h"
#include "netloop.h"
#include "websession.h"
#include "store.h"
#include "tlv.h"

typedef struct tl_web {
	tl_store *s;
	long generation;	/* of s->conf: a change re-reads trustline.conf */
	tl_sessions sessions;
	tl_netsrv *srv;
	tl_tls *tls;
} tl_web;

typedef struct tl_wctx {
	tl_web *w;
	const tl_hreq *req;
	const char *peer;
	tl_session *session;	/* NULL only on the login page */
	int api;		/* /api/...: JSON */
	/* the answer */
	int status;
	const char *type;
	tl_buf body;
	char location[700];
	char cookie[300];
	char disposition[400];
} tl_wctx;

/* Serves on the listening socket fd with the tomcat identity of node. */
int tl_web_serve(tl_web *w, tl_loop *l, int fd, const char *node, tl_err *e);
/* SIGHUP: reads trustline.conf again (a node added shows on the pages). */
void tl_web_hup(void *arg);
void tl_web_free(tl_web *w);

/* Answers. */
void web_json(tl_wctx *c, json_t *v);	/* takes v */
void web_redirect(tl_wctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void web_error(tl_wctx *c, int status, const char *msg);
void web_begin(tl_wctx *c, const char *title);	/* the layout, then a page's body */
void web_end(tl_wctx *c);
/* The hidden CSRF field every form that changes something carries. */
void web_csrf(tl_wctx *c);
/* What a library call printed on its report, and its outcome, as a page or
 * as {"ok":..., "output":..., "reason":...}; the page links to download
 * (when not NULL) and back. */
void web_outcome(tl_wctx *c, const char *title, int ok, const char *output,
		 const char *error, const char *download, const char *back);
/* A captured report: open, then close to get its text (the caller frees). */
FILE *web_report(char **text, size_t *len);
/* A request field (query, else form) or "" */
void web_arg(tl_wctx *c, const char *name, char *out, size_t n);
int web_is_post(const tl_wctx *c);

/* The pages (certpages.c, trustpages.c, devpages.c, pages.c). */
void page_login(tl_wctx *c);
void page_logout(tl_wctx *c);
void page_home(tl_wctx *c);
void page_certs(tl_wctx *c);
void page_cert(tl_wctx *c);
void page_cert_download(tl_wctx *c);
void page_cert_regenerate(tl_wctx *c);
void page_cert_csr(tl_wctx *c);
void page_cert_upload(tl_wctx *c);
void page_trust_delete(tl_wctx *c);
void page_tlist(tl_wctx *c);
void page_devices(tl_wctx *c);
void page_device(tl_wctx *c);
void page_device_capf(tl_wctx *c);
void page_alarms(tl_wctx *c);
void page_audit(tl_wctx *c);

#endif

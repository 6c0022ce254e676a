/* trustline-web's HTTP/1.1 requests (docs/web.md): the request line, the
 * few headers the server uses, a Content-Length body, and the form fields
 * of a urlencoded or multipart/form-data body. Every size is bounded; the
 * parser never reads past the bytes it is given. */
#ifndef TL_HTTPREQ_H
#define TL_HTTPREQ_H

#include <stddef.h>
#include <stdint.h>

#define TL_HREQ_MAX_HEAD 8192		/* request line and headers */
#define TL_HREQ_MAX_BODY (1024 * 1024)	/* an upload: a chain of certificates */

typedef struct tl_hreq {
	char method[8];
	char path[512];		/* percent-decoded, without the query */
	char query[1024];	/* as sent, without the '?' */
	char cookie[2048];
	char ctype[256];	/* Content-Type */
	int close;		/* Connection: close, or HTTP/1.0 without keep-alive */
	const uint8_t *body;	/* into the parsed buffer */
	size_t body_len;
} tl_hreq;

/* A complete request at the start of buf: returns the bytes it takes
 * (head and body), 0 when more are needed, or minus an HTTP status for a
 * request that cannot be served (400, 411 chunked, 413, 431, 501, 505). */
long tl_hreq_parse(const uint8_t *buf, size_t len, tl_hreq *r);

/* A field of the query string or of the body (urlencoded or multipart),
 * decoded into out: 1 found, 0 absent, -1 longer than n - 1 or not text
 * (a NUL byte). */
int tl_hreq_query(const tl_hreq *r, const char *name, char *out, size_t n);
int tl_hreq_field(const tl_hreq *r, const char *name, char *out, size_t n);
/* A multipart part's bytes as sent (a file): 1 found, else 0. */
int tl_hreq_file(const tl_hreq *r, const char *name, const uint8_t **p, size_t *n);
/* The value of cookie name in the Cookie header: 1 found, else 0. */
int tl_hreq_cookie(const tl_hreq *r, const char *name, char *out, size_t n);

#endif

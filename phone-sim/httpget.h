/* One HTTP/1.1 GET, waited for: what a phone does when it fetches its
 * files from the TFTP service's HTTP port (6970) instead of TFTP. The
 * client half of loop.c's HTTP server, over libevent's evhttp client (the
 * one other place libevent is touched), on an event base of its own. */
#ifndef TL_HTTPGET_H
#define TL_HTTPGET_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* What the server answered: its status, the reason of its status line
 * and, for a status other than 200, the first line of its body when it is
 * text/plain (a server such as tftpd says there why a file is not
 * served). */
typedef struct tl_http_answer {
	int status;
	char reason[64];
	char text[520];
} tl_http_answer;

/* GET http://host:port/name (name is URI-encoded here). Returns 0 with the
 * answer in *a, and for 200 the body (at most max bytes, malloc'ed) in
 * *buf, *len; -1 when no response came (refused, timed out after
 * timeout_ms, too large, malformed), e saying why. */
int tl_http_get(const char *host, int port, const char *name, int timeout_ms,
		size_t max, uint8_t **buf, size_t *len, tl_http_answer *a, tl_err *e);

#endif

/* The namespace over HTTP (port 6970, as Cisco's TFTP service offers it):
 * GET and HEAD, with the same names and the same refusals as TFTP. */
#ifndef TL_TFTP_HTTP_H
#define TL_TFTP_HTTP_H

#include "err.h"
#include "loop.h"
#include "namespace.h"
#include "tsrecord.h"

typedef struct tl_tftp_http tl_tftp_http;

/* Binds at once (before privileges are dropped). */
tl_tftp_http *tl_tftp_http_new(tl_loop *l, tl_tftp_ns *ns, const char *listen,
			       int port, int reuseport, tl_err *e);
/* Records every response written whole in r (tsrecord.h). */
void tl_tftp_http_record(tl_tftp_http *h, tl_tsrec *r);
/* The bound port (useful with port 0). */
int tl_tftp_http_port(const tl_tftp_http *h);
void tl_tftp_http_free(tl_tftp_http *h);

#endif

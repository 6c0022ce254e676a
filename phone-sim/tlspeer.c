#include "tlspeer.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loop.h"
#include "netloop.h"

int tl_tls_peer_der(const char *host, int port, int timeout_ms, uint8_t **der,
		    size_t *len, int *unreachable, tl_err *e)
{
	uint64_t deadline = tl_now_ms() + (uint64_t)timeout_ms;
	tl_tls *tls = NULL;
	tl_tlsconn *c = NULL;
	const uint8_t *p;
	int fd, rc = -1, io;

	*der = NULL;
	*len = 0;
	*unreachable = 0;
	if ((fd = tl_sock_connect(host, port, timeout_ms, e)) < 0) {
		*unreachable = 1;
		return -1;
	}
	if (tl_tls_client(&tls, 12, e) || (c = tl_tlsconn_new(tls, fd, e)) == NULL)
		goto out;
	while ((io = tl_tlsconn_handshake(c, e)) != TL_IO_DONE) {
		if (io != TL_IO_WANT_READ && io != TL_IO_WANT_WRITE) {
			tl_wrap(e, "TLS handshake with %s port %d", host, port);
			goto out;
		}
		if (tl_sock_wait(fd, io, deadline)) {
			tl_fail(e, "TLS handshake with %s port %d: no answer within %d ms",
				host, port, timeout_ms);
			goto out;
		}
	}
	if (tl_tlsconn_peer_der(c, &p, len)) {
		tl_fail(e, "%s port %d sent no certificate", host, port);
		goto out;
	}
	if ((*der = malloc(*len)) == NULL) {
		tl_fail(e, "out of memory");
		goto out;
	}
	memcpy(*der, p, *len);
	rc = 0;
out:
	tl_tlsconn_free(c);
	tl_tls_free(tls);
	close(fd);
	return rc;
}

int tl_tls_peer_cert(const char *host, int port, int timeout_ms, tl_cert **cert,
		     int *unreachable, tl_err *e)
{
	uint8_t *der;
	size_t len;
	int rc;

	*cert = NULL;
	if (tl_tls_peer_der(host, port, timeout_ms, &der, &len, unreachable, e))
		return -1;
	rc = tl_cert_from_der(der, len, cert, e);
	free(der);
	if (rc) {
		tl_wrap(e, "the server's certificate");
		return 1;
	}
	return 0;
}

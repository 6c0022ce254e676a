/* The certificate a TLS server presents, fetched with a blocking
 * handshake: for a client that decides trust itself (a phone checking a
 * call-control, HTTPS, CAPF or TVS peer against its trust lists) before
 * it says anything to the server. */
#ifndef TL_TLSPEER_H
#define TL_TLSPEER_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "x509.h"

/* Connects to host:port, completes a handshake (TLS 1.2 or later) within
 * timeout_ms and returns the server's certificate as malloc'ed DER, then
 * closes. -1 with e naming the address and the reason; *unreachable is
 * set when no TCP connection could be made. */
int tl_tls_peer_der(const char *host, int port, int timeout_ms, uint8_t **der,
		    size_t *len, int *unreachable, tl_err *e);
/* The same certificate, parsed: -1 as above, 1 when it does not parse (e
 * saying "the server's certificate: ..."). */
int tl_tls_peer_cert(const char *host, int port, int timeout_ms, tl_cert **cert,
		     int *unreachable, tl_err *e);

#endif

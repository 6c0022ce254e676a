/* The TVS client phones use (docs/phone-trust.md, Step 5), shared by phone-sim
 * and `trustline tvs`. The server's TLS certificate is trusted only when it
 * is a TVS record of the phone's ITL (a full record by its DER, a hash-only
 * one by the digest of what the server presented) or, for an administrator,
 * a given certificate: never because of a CA.
 *
 * The calls block, each within the client's timeout. Underneath, every step
 * is a non-blocking one of netloop (tl_tlsconn_*) and the message codec of
 * tvsproto.h, which a phone fleet can drive from its own loop instead; the
 * pieces it needs are exported below (tl_tvs_client_pinned, the request
 * encoders and the answer check). */
#ifndef TL_TVS_CLIENT_H
#define TL_TVS_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "trustlist.h"
#include "tvsproto.h"
#include "x509.h"

/* Why a call failed: the command's message and exit status depend on it. */
enum tl_tvs_fail {
	TL_TVS_OK = 0,
	TL_TVS_E_UNREACHABLE = 1,	/* no TCP connection */
	TL_TVS_E_TLS = 2,		/* handshake or TLS I/O failed */
	TL_TVS_E_UNTRUSTED = 3,		/* the server's certificate is not pinned */
	TL_TVS_E_PROTOCOL = 4,		/* a malformed or unexpected answer, or none */
};
const char *tl_tvs_fail_name(int why);	/* "unreachable", "TLS failure", ... */

/* What the server may present: a TVS record of itl, or cert byte for
 * byte. One of the two. */
typedef struct tl_tvs_pin {
	const tl_tlist *itl;
	const tl_cert *cert;
} tl_tvs_pin;

/* 0 when the DER certificate der is what pin accepts; otherwise e says why
 * (and which records were tried). */
int tl_tvs_client_pinned(const tl_tvs_pin *pin, const uint8_t *der, size_t len,
			 tl_err *e);

typedef struct tl_tvs_client tl_tvs_client;

typedef struct tl_tvs_client_opts {
	const char *host;
	int port;		/* 0: 2445 */
	int timeout_ms;		/* per call; 0: 10 s */
	int tls_min;		/* 0: 1.2 */
	tl_tvs_pin pin;
} tl_tvs_client_opts;

/* Connects, handshakes and checks the server's certificate. Returns 0 or a
 * tl_tvs_fail code with e saying what happened. */
int tl_tvs_client_open(tl_tvs_client **out, const tl_tvs_client_opts *o, tl_err *e);
void tl_tvs_client_close(tl_tvs_client *c);
/* The DER certificate the server presented (valid until close), for a
 * caller with more to check than the pin (a phone: its dates). */
void tl_tvs_client_peer(tl_tvs_client *c, const uint8_t **der, size_t *len);
/* "TLSv1.3 TLS_AES_128_GCM_SHA256" */
const char *tl_tvs_client_tls(tl_tvs_client *c, char *out, size_t n);

/* An answer. cert (QUERY) is malloc'ed; free with tl_tvs_answer_free. */
typedef struct tl_tvs_answer {
	int valid;
	uint8_t roles[TL_TVS_MAX_ROLES];
	size_t nroles;
	uint32_t ttl;
	uint8_t *cert;
	size_t cert_len;
} tl_tvs_answer;
void tl_tvs_answer_free(tl_tvs_answer *a);

/* VERIFY a DER certificate / QUERY by issuer + serial, on behalf of device
 * ("CP-8865-SEP001122334455"). Several may follow on one client. Returns 0
 * or a tl_tvs_fail code. */
int tl_tvs_verify(tl_tvs_client *c, const char *device, const uint8_t *der,
		  size_t len, tl_tvs_answer *a, tl_err *e);
int tl_tvs_query(tl_tvs_client *c, const char *device, const char *issuer,
		 const uint8_t *serial, size_t serial_len, tl_tvs_answer *a, tl_err *e);

/* The pieces of a request/answer exchange, for callers with their own
 * loop: a request (set its session, then tl_tvs_encode it), and the check
 * of a decoded answer against the request's command + 1 and session. */
void tl_tvs_verify_msg(tl_tvs_msg *m, const char *device, const uint8_t *der,
		       size_t len);
void tl_tvs_query_msg(tl_tvs_msg *m, const char *device, const char *issuer,
		      const uint8_t *serial, size_t serial_len);
int tl_tvs_take_answer(const tl_tvs_msg *m, uint8_t command, uint32_t session,
		       tl_tvs_answer *a, tl_err *e);

#endif

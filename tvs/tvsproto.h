/* The Trust Verification Service protocol (docs/protocols.md, TVS protocol): a
 * 10-byte header and TLV elements with 2-byte lengths. Shared by tvsd and
 * the client phones (phone-sim, `trustline tvs`) use. */
#ifndef TL_TVS_PROTO_H
#define TL_TVS_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "tlv.h"

#define TL_TVS_PROTOCOL 0x57
#define TL_TVS_VERSION 1
#define TL_TVS_HEADER 10
#define TL_TVS_PORT 2445
/* The device name a request carries when none is given: shaped as a
 * phone's <model>-SEP<MAC>, since servers check the name they are sent. */
#define TL_TVS_DEFAULT_DEVICE "CP-0000-SEP000000000000"

enum tl_tvs_command {
	TL_TVS_VERIFY_REQUEST = 1, TL_TVS_VERIFY_RESPONSE = 2,
	TL_TVS_QUERY_REQUEST = 3, TL_TVS_QUERY_RESPONSE = 4,
};

enum tl_tvs_element {
	TL_TVS_DEVICE_NAME = 1, TL_TVS_CERTIFICATE = 2, TL_TVS_ISSUER_NAME = 3,
	TL_TVS_SERIAL_NUMBER = 4, TL_TVS_STATUS = 7, TL_TVS_ROLES = 8,
	TL_TVS_TTL = 9,
};

enum { TL_TVS_VALID = 0, TL_TVS_INVALID = 1 };

#define TL_TVS_MAX_ROLES 16

/* A decoded message. Pointers point into the decoded buffer. */
typedef struct tl_tvs_msg {
	uint8_t command;
	uint32_t session;
	const char *device;	/* not NUL-terminated on the wire: see device_len */
	size_t device_len;
	const uint8_t *cert;
	size_t cert_len;
	int has_status;
	uint8_t status;
	uint8_t roles[TL_TVS_MAX_ROLES];
	size_t nroles;
	int has_ttl;
	uint32_t ttl;
	const char *issuer;	/* NUL-terminated, as in signed-file headers */
	const uint8_t *serial;
	size_t serial_len;
} tl_tvs_msg;

/* Decodes one message from buf. Returns 1 with *used set when a whole
 * message is there, 0 when more bytes are needed (*used: how many in all,
 * once the header is in), -1 on a malformed message (e says why). The
 * elements a command needs are checked: VERIFY needs a device name and a
 * certificate, QUERY a device name, issuer and serial, responses a
 * status. */
int tl_tvs_decode(const uint8_t *buf, size_t len, tl_tvs_msg *m, size_t *used,
		  tl_err *e);

/* Appends the encoded message to out. */
int tl_tvs_encode(const tl_tvs_msg *m, tl_buf *out, tl_err *e);

#endif

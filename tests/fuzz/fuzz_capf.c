/* The CAPF message decoder on hostile bytes: whatever it accepts must lie
 * inside the input and re-encode to a message that decodes the same. */
#include <stdint.h>
#include <string.h>

#include "fuzzutil.h"
#include "capfproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tl_capf_msg m, again;
	size_t used, used2;
	tl_buf b;
	tl_err e;

	if (tl_capf_decode(data, size, &m, &used, &e) != 1)
		return 0;
	if (used > size)
		__builtin_trap();
	tl_buf_init(&b);
	if (tl_capf_encode(&m, &b, &e) == 0 &&
	    (tl_capf_decode(b.p, b.len, &again, &used2, &e) != 1 ||
	     again.command != m.command || again.session != m.session ||
	     again.cert_len != m.cert_len || again.public_key_len != m.public_key_len))
		__builtin_trap();
	tl_buf_free(&b);
	return 0;
}

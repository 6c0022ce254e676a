/* trustline-web's request and form parser on hostile bytes: a request it
 * accepts lies inside the input, with its body inside it too, and every
 * field, file and cookie lookup stays within the request. The copy in a
 * buffer of its own exact size lets ASan see any read past the end. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzutil.h"
#include "httpreq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1);
	const uint8_t *p;
	char out[256];
	size_t n;
	tl_hreq r;
	long used;

	memcpy(buf, data, size);
	used = tl_hreq_parse(buf, size, &r);
	if (used > 0) {
		if ((size_t)used > size || r.body < buf || r.body + r.body_len > buf + used)
			__builtin_trap();
		tl_hreq_query(&r, "id", out, sizeof(out));
		tl_hreq_field(&r, "csrf", out, sizeof(out));
		tl_hreq_field(&r, "user", out, 8);
		tl_hreq_cookie(&r, "tlweb", out, sizeof(out));
		if (tl_hreq_file(&r, "file", &p, &n) &&
		    (p < r.body || p + n > r.body + r.body_len))
			__builtin_trap();
	} else if (used < -505 || (used < 0 && used > -400)) {
		__builtin_trap();
	}
	free(buf);
	return 0;
}

/* capfd's session state machine on hostile bytes from a "phone": whatever
 * arrives, in whatever pieces, the session consumes no more than it got,
 * answers only with well-formed messages, ends with END_SESSION when it
 * ends, and survives the connection dropping at any point. A real data
 * directory (made once, RSA-1024 for speed) with one device that has an
 * install pending by null string, so inputs can reach key generation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capfdb.h"
#include "devdb.h"
#include "fuzzutil.h"
#include "pki.h"
#include "session.h"

#define DEVICE "SEP001122334455"

static tl_store store;
static tl_capf_srv srv;

static void setup(void)
{
	static char dir[] = "/tmp/tl-fuzz-capfsession-XXXXXX";
	tl_device d;
	tl_conf c;
	tl_err e;

	if (!mkdtemp(dir))
		abort();
	tl_conf_defaults(&c);
	snprintf(c.name, sizeof(c.name), "fuzz");
	c.key_bits = 1024;
	c.nnodes = tl_conf_parse_nodes("pub", c.nodes, &e);
	memcpy(c.tftp_nodes, c.nodes, sizeof(c.nodes));
	c.ntftp_nodes = 1;
	tl_device_init(&d);
	snprintf(d.name, sizeof(d.name), DEVICE);
	snprintf(d.model, sizeof(d.model), "CP-8865");
	if (tl_pki_cluster_init(dir, &c, 1, NULL, &e) || tl_store_open(&store, dir, &e) ||
	    tl_capf_srv_load(&srv, &store, &store.conf.capf, NULL, &e) ||
	    tl_dev_put(&store, &d, 1, &e)) {
		fprintf(stderr, "fuzz_capfsession: %s\n", e.msg);
		abort();
	}
}

/* Every message the server sent decodes; the last is END_SESSION when the
 * session is over. */
static void check_output(const tl_buf *out, int done)
{
	size_t at = 0, used;
	tl_capf_msg m;
	tl_err e;
	int last = 0;

	while (at < out->len) {
		fz_require(tl_capf_decode(out->p + at, out->len - at, &m, &used, &e) == 1,
			   "the server sent a message that does not decode");
		last = m.command;
		at += used;
	}
	if (done)
		fz_require(last == TL_CAPF_END_SESSION, "the session ended without END_SESSION");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	tl_capf_sess s;
	tl_buf out;
	tl_err e;
	size_t cut, fed = 0;
	long used;

	if (!ready) {
		setup();
		ready = 1;
	}
	if (size < 1)
		return 0;
	/* the first byte: the operation pending and where the input is cut
	 * into two deliveries */
	tl_capf_schedule(&store, DEVICE, 1 + data[0] % 3, data[0] & 0x40 ?
			 TL_CAPF_MODE_MIC : TL_CAPF_MODE_NULL, "", data[0] & 0x80 ?
			 "rsa:1024" : "ec:256", (long)time(NULL) + 3600, (long)time(NULL), &e);
	data++;
	size--;
	cut = size ? (size_t)data[0] % (size + 1) : 0;
	/* seeds name session 1 */
	srv.next_session = 1;
	tl_capf_sess_init(&s, &srv, "fuzz");
	tl_buf_init(&out);
	fz_require(tl_capf_sess_start(&s, &out, &e) == 0, "AUTH_REQUEST");
	/* like netloop: unconsumed bytes are offered again with what follows */
	for (int piece = 0; piece < 2 && s.state != TL_CAPF_S_DONE; piece++) {
		size_t end = piece ? size : cut;

		used = tl_capf_sess_input(&s, data + fed, end - fed, &out);
		fz_require(used >= 0 && (size_t)used <= end - fed,
			   "the session consumed more than it got");
		fed += (size_t)used;
	}
	check_output(&out, s.state == TL_CAPF_S_DONE);
	tl_capf_sess_closed(&s, size & 1);
	tl_buf_free(&out);
	return 0;
}

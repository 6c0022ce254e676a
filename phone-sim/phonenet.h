/* What a phone does on the network, the same for `phone-sim boot` (one
 * phone, blocking) and `phone-sim fleet` (thousands on one event loop):
 * where the servers are, how it asks TFTP for a file, how it asks TVS. */
#ifndef TL_PHONENET_H
#define TL_PHONENET_H

#include "phonecnf.h"
#include "phonetrust.h"
#include "tftpclient.h"

/* "HOST[:PORT]" (def when no port is given); -1 when it does not parse. */
int tl_phone_hostport(const char *s, int def, tl_phonecnf_server *hp);

/* The most servers of one kind a phone is given (DHCP option 150 carries
 * a list of TFTP servers). */
#define TL_PHONE_SERVERS 8
/* "HOST[:PORT][,HOST[:PORT]...]" into out[0..*n), in order; -1 when one
 * does not parse or there are more than TL_PHONE_SERVERS. */
int tl_phone_servers(const char *s, int def, tl_phonecnf_server *out, size_t *n);
/* Whether a TFTP failure means the server did not answer (no reply in
 * time, or the port refused), so the next server is tried; a server that
 * answered, even with an error, is not left. */
int tl_phone_tftp_unanswered(int rc);
/* The TVS servers a phone asks, in order: the address of every TVS record
 * of its ITL that carries one (at the port of the first given server, else
 * 2445); when none does, the given ones, else those of the configuration it
 * kept (last, may be NULL). Returns how many are in out. */
size_t tl_phone_tvs_servers(const tl_phone *p, const tl_phonecnf_server *given,
			    size_t ngiven, const tl_phonecnf *last,
			    tl_phonecnf_server out[TL_PHONE_SERVERS]);

/* The TFTP options a phone asks with, for a boot with this time limit
 * per server. */
void tl_phone_tftp_opts(tl_tftpc_opts *o, const tl_phonecnf_server *tftp,
			int timeout_ms);

/* 1 when the DER certificate a TVS server presented (and the ITL pin
 * accepted) is expired or not yet valid on p's clock, why saying so
 * (docs/phone-trust.md: expired certificates are rejected, the ITL's TVS record
 * notwithstanding); 0 otherwise. */
int tl_phone_tvs_dates(const tl_phone *p, const uint8_t *der, size_t len, char *why,
		       size_t n);

/* Asks the TVS servers in list in turn (VERIFY cert, or QUERY issuer and
 * serial when cert is NULL), each trusted only as a TVS record of p's ITL
 * with a certificate within its dates, until one answers; fills *a as
 * tl_tvs_fn does (a->why: why the last server tried was not trusted). note,
 * when given, hears one line per server tried. */
void tl_phone_tvs_ask(const tl_phone *p, const tl_phonecnf_server *list, size_t n,
		      int timeout_ms, const tl_cert *cert, const char *issuer,
		      const uint8_t *serial, size_t serial_len, tl_phone_tvs_answer *a,
		      void (*note)(const char *line));

#endif

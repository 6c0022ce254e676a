/* tftpd's and tvsd's record of each phone's trust state (db/truststate.h),
 * kept off the serving path: a completed transfer or an answer is queued
 * (the file's bytes copied), and a thread on a connection of its own
 * hashes and parses what was served and commits everything queued since
 * the last batch in one transaction. The queue is bounded: past it, what
 * would be recorded is dropped and counted in the log, so a flood cannot
 * hold up serving or fill memory. */
#ifndef TL_TSRECORD_H
#define TL_TSRECORD_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "loop.h"

typedef struct tl_tsrec tl_tsrec;

/* Opens its own connection to the database of data directory dir: before
 * privileges are dropped, in the process that records (an SQLite handle
 * does not survive fork). */
tl_tsrec *tl_tsrec_new(tl_loop *l, const char *dir, tl_err *e);
/* The phone at addr ("192.0.2.7", "192.0.2.7:51000", "[2001:db8::7]:51000")
 * completed the transfer of name over via ("tftp", "http"). Only
 * ITLFile.tlv, CTLFile.tlv and SEP<MAC>.cnf.xml[.sgn|.enc.sgn] are
 * recorded; other names return at once. */
void tl_tsrec_file(tl_tsrec *r, const char *name, const uint8_t *data,
		   size_t len, const char *addr, const char *via);
/* tvsd answered verdict to the phone named device (the request's name,
 * "CP-8865-SEP001122334455": the SEP<MAC> in it) at addr about the
 * certificate whose SHA-256 is sha256 (NULL: not known). A name without a
 * SEP<MAC> is not recorded. command is "verify" or "query". */
void tl_tsrec_tvs(tl_tsrec *r, const char *device, size_t device_len,
		  const char *addr, const char *command, const uint8_t *sha256,
		  const char *verdict);
/* Commits what is still queued, and closes. */
void tl_tsrec_free(tl_tsrec *r);

#endif

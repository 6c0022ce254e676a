/* Printing signed files and trust lists the way administrators know from
 * Cisco's `show itl` / `show ctl`, one line per record, or JSON. */
#ifndef TL_SHOW_H
#define TL_SHOW_H

#include <stdio.h>
#include <time.h>

#include "json.h"
#include "signedfile.h"
#include "trustlist.h"

/* Checksums (MD5, SHA-1), length and modification time (0: not shown). */
void tl_show_checksums(FILE *f, const uint8_t *buf, size_t len, time_t mtime,
		       const char *kind);
/* The header as BYTEPOS TAG LENGTH VALUE rows. */
void tl_show_header(FILE *f, const tl_sfile *h);
/* The header fields as a JSON object, for --json output. */
json_t *tl_show_header_json(const tl_sfile *h);

/* A whole trust list; signer is the index of the record that signed it, or
 * -1 when verification failed (why is printed from e). */
void tl_tlist_show(FILE *f, const tl_tlist *l, const char *kind, time_t mtime,
		   long signer, const tl_err *e);
void tl_tlist_brief(FILE *f, const tl_tlist *l, long signer);
json_t *tl_tlist_json(const tl_tlist *l, const char *kind, long signer,
		      const tl_err *e);

#endif

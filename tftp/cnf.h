/* Phone configuration files (docs/protocols.md, Configuration file elements) rendered from a
 * template, the device row and the cluster, then signed or encrypted the
 * way the device's security profile says. */
#ifndef TL_CNF_H
#define TL_CNF_H

#include <stddef.h>
#include <stdint.h>

#include "devdb.h"
#include "store.h"
#include "tlv.h"
#include "x509.h"

/* Renders SEP<MAC>.cnf.xml for d into out (the template is
 * templates/<d->template_name>.cnf.xml of the data directory, or the
 * built-in one for "default"). */
int tl_cnf_render(tl_store *s, const tl_device *d, tl_buf *out, tl_err *e);

/* One generated file. */
typedef struct tl_cnf_file {
	char name[64];		/* as phones request it */
	tl_buf data;
} tl_cnf_file;

/* The signer of configuration files: the CallManager identity of the TFTP
 * node tftpd is ([tftp] node, else the first TFTP node). */
typedef struct tl_cnf_signer {
	tl_cert *cert;
	tl_key *key;
	int defer;	/* signatures deferred (tl_signopts) */
} tl_cnf_signer;
int tl_cnf_signer_load(tl_store *s, tl_cnf_signer *sg, tl_err *e);
void tl_cnf_signer_free(tl_cnf_signer *sg);

/* Every file a phone may request for d: SEP<MAC>.cnf.xml.sgn always;
 * SEP<MAC>.cnf.xml too for a non-secure device when serve_unsigned; for an
 * encrypted profile the stub .sgn and SEP<MAC>.cnf.xml.enc.sgn encrypted to
 * the LSC, else the MIC (none: the stub and .enc.sgn are not made, and
 * *warning says why). Returns the number of files written to out[0..3]. */
int tl_cnf_files(tl_store *s, const tl_cnf_signer *sg, const tl_device *d,
		 int serve_unsigned, tl_cnf_file out[3], char *warning,
		 size_t wlen, tl_err *e);
void tl_cnf_file_free(tl_cnf_file *f);

#endif

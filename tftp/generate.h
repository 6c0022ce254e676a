/* The generated part of tftpd's namespace: every device's configuration
 * files, rendered and signed (or encrypted) ahead of time, so a reset storm
 * never waits on a signature. */
#ifndef TL_TFTP_GENERATE_H
#define TL_TFTP_GENERATE_H

#include "cnf.h"
#include "namespace.h"

typedef struct tl_tftp_gen {
	tl_cnf_signer sg;	/* loaded before privileges are dropped */
	long last_ms;		/* how long the last render took */
	int devices, files, rendered;
	int failed;		/* devices whose configuration cannot be made */
	int defer;		/* configurations' signatures left to their
				 * reader (the planner's, tl_sfile_sign_now) */
} tl_tftp_gen;

/* An empty generator; its signer (the TFTP node's CallManager identity) is
 * loaded by the first render, which runs before privileges are dropped. */
void tl_tftp_gen_init(tl_tftp_gen *g);
void tl_tftp_gen_free(tl_tftp_gen *g);

/* A tl_tftp_gen_fn: arg is a tl_tftp_gen. It leaves in the table, as its
 * memo, what each device's files were made from: a device whose inputs did
 * not change by the next generation shares its served files instead of
 * being rendered and signed again. */
int tl_tftp_generate(void *arg, tl_store *s, const tl_tftp_table *prev,
		     tl_tftp_table *t, tl_err *e);

#endif

/* The static files of the data directory's tftpboot/, loaded into a table
 * being built: nothing outside tftpboot/ is served (no absolute name, no
 * "..", no link leaving it), and a key is a name that exists but is
 * refused, whether by its name, by a link or a hard link to one under
 * certs/, or by holding a PEM private key. */
#ifndef TL_TFTP_TFTPBOOT_H
#define TL_TFTP_TFTPBOOT_H

#include <limits.h>
#include <sys/types.h>

#include "namespace.h"
#include "x509.h"

typedef struct tl_tftp_boot {
	tl_tftp_table *t;
	char root[PATH_MAX];	/* tftpboot/ with every link resolved */
	size_t nroot;
	size_t files;
	/* the static files' names as written, for signing */
	char **names;
	size_t nnames, cap;
	/* the keys under certs/, by inode: a hard link to one is refused */
	struct tl_tftp_inode { dev_t dev; ino_t ino; } *keys;
	size_t nkeys, keycap;
} tl_tftp_boot;

/* Adds tftpboot/ of the data directory s opened to t, read with the rights
 * of [tftp] user. w is freed with tl_tftp_boot_free, also on failure. */
int tl_tftp_boot_load(tl_tftp_boot *w, tl_tftp_table *t, tl_store *s,
		      tl_err *e);
/* Adds X.sgn, signed by cert and pkey, for every static X loaded that has
 * no X.sgn of its own. */
int tl_tftp_boot_sign(tl_tftp_boot *w, const tl_cert *cert,
		      const tl_key *pkey, tl_err *e);
void tl_tftp_boot_free(tl_tftp_boot *w);

#endif

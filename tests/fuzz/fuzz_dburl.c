/* What a chrooted tftpd makes of a [database] url (tl_db_chroot_prepare)
 * on hostile text: libpq's parser, then the host list split and each host
 * read as a numeric address. It accepts or refuses with a message, and
 * never reads past the text. HOME has no .pgpass, so the verdict is the
 * URL's alone. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "fuzzutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *url = malloc(size + 1);
	tl_err e;
	int rc;

	setenv("HOME", "/nonexistent", 1);
	unsetenv("PGHOST");
	unsetenv("PGHOSTADDR");
	unsetenv("PGPASSFILE");
	memcpy(url, data, size);
	url[size] = 0;
	e.msg[0] = 0;
	rc = tl_db_chroot_prepare(url, "", &e);
	fz_require(rc == 0 || (rc == -1 && e.msg[0]), "a verdict, with a reason");
	free(url);
	return 0;
}

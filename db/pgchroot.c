/* What a daemon chrooted into the data directory needs of its database:
 * SQLite's trustline.db is inside; libpq connects later, from inside, so
 * everything it would read from the file system must be ruled out or read
 * before. */
#include "db.h"
#include "conf.h"
#include "file.h"

#include <arpa/inet.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *opt(const PQconninfoOption *o, const char *key)
{
	for (; o->keyword; o++)
		if (!strcmp(o->keyword, key))
			return o->val && *o->val ? o->val : NULL;
	return NULL;
}

static int numeric(const char *host, size_t len)
{
	unsigned char a[16];
	char h[64];

	if (len >= sizeof(h))
		return 0;
	memcpy(h, host, len);
	h[len] = 0;
	return inet_pton(AF_INET, h, a) == 1 || inet_pton(AF_INET6, h, a) == 1;
}

/* Every host of a comma-separated list is a numeric address: a socket
 * directory is outside, and so are /etc/hosts and resolv.conf. */
static int hosts_ok(const char *hosts, tl_err *e)
{
	if (hosts == NULL)
		return tl_fail(e, "the database URL names no host, so libpq would "
			       "connect through its Unix socket, outside the chroot: "
			       "give the server's address (postgresql://127.0.0.1/...)");
	for (const char *h = hosts; *h;) {
		size_t n = strcspn(h, ",");

		if (h[0] == '/' || h[0] == '@')
			return tl_fail(e, "the database URL connects through the Unix "
				       "socket %.*s, outside the chroot: give the "
				       "server's TCP address (host=127.0.0.1)", (int)n, h);
		if (!numeric(h, n))
			return tl_fail(e, "the database host %.*s would be looked up in "
				       "/etc/hosts or DNS, outside the chroot: give its "
				       "numeric address (hostaddr=)", (int)n, h);
		h += n + (h[n] == ',');
	}
	return 0;
}

int tl_db_chroot_prepare(const char *where, const char *password_file,
			 tl_err *e)
{
	PQconninfoOption *o;
	const char *passfile, *home;
	char pgpass[1100];
	char *err = NULL;
	int rc = 0;

	if (!tl_conf_is_db_url(where))
		return 0;
	if (!strncmp(where, "service=", 8))
		return tl_fail(e, "the database is a service of libpq's service file, "
			       "which is outside the chroot: give a postgresql:// URL");
	if ((o = PQconninfoParse(where, &err)) == NULL) {
		rc = tl_fail(e, "%s: not a PostgreSQL URL: %s", where,
			     err ? err : "out of memory");
		PQfreemem(err);
		return rc;
	}
	if (opt(o, "service"))
		rc = tl_fail(e, "the database URL names a service of libpq's service "
			     "file, which is outside the chroot");
	else if (!opt(o, "hostaddr") && !getenv("PGHOSTADDR"))
		rc = hosts_ok(opt(o, "host") ? opt(o, "host") : getenv("PGHOST"), e);
	passfile = opt(o, "passfile") ? opt(o, "passfile") : getenv("PGPASSFILE");
	if (rc == 0 && password_file && *password_file) {
		/* read at each connection: kept open from now on (a relative
		 * name is the data directory's, inside) */
		if (password_file[0] == '/' && tl_file_keep(password_file, e))
			rc = tl_wrap(e, "[database] password_file");
	} else if (rc == 0) {
		if (passfile == NULL && (home = getenv("HOME")) != NULL) {
			snprintf(pgpass, sizeof(pgpass), "%s/.pgpass", home);
			passfile = pgpass;
		}
		if (passfile && access(passfile, F_OK) == 0)
			rc = tl_fail(e, "libpq would read its password file %s at each "
				     "connection, from inside the chroot where it is not: "
				     "name a file holding the password in [database] "
				     "password_file (opened before the chroot)", passfile);
	}
	PQconninfoFree(o);
	return rc;
}

#include "tftpdstart.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "daemon.h"
#include "db.h"
#include "file.h"
#include "log.h"
#include "x509.h"

/* /dev/null, opened before a chroot (there is none inside) */
static int devnull = -1;

int tl_tftpd_drop(const char *user, tl_err *e)
{
	if (tl_daemon_drop(user, e))
		return -1;
	if (geteuid() == 0)
		tl_log(LOG_WARNING, "event=privileges warning=\"running as root "
		       "([tftp] user = %s)\"", user);
	return 0;
}

/* Once serving, a detached process lets go of the terminal: what follows
 * goes to syslog. */
static void let_go(void)
{
	int fd = devnull >= 0 ? devnull : open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	tl_log_open("tftpd", 1);
}

int tl_tftpd_ready(int ready, int detached)
{
	/* a Type=notify unit: serving (workers never send it, see
	 * tl_tftpd_supervise) */
	tl_daemon_ready();
	if (ready >= 0) {
		if (write(ready, "k", 1) != 1)
			return -1;
		close(ready);
	}
	if (detached)
		let_go();
	return 0;
}

int tl_tftpd_detach(int *ready)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		close(p[1]);
		_exit(read(p[0], &c, 1) == 1 ? 0 : 1);
	}
	close(p[0]);
	setsid();
	if (chdir("/")) {
		/* nothing relative is opened after this */
	}
	*ready = p[1];
	return 0;
}

int tl_tftpd_chroot_ready(const tl_tftpd_opts *o, const tl_tftp_ns *ns,
			  tl_err *e)
{
	const tl_conf *c = tl_tftp_ns_conf(ns);

	/* each reload signs with a new generator, seeded inside */
	if (tl_random_seedable(e) ||
	    tl_db_chroot_prepare(c->db_url, c->db_password_file, e) ||
	    (o->conf && tl_file_keep(o->conf, e)))
		return tl_wrap(e, "[tftp] chroot");
	return 0;
}

/* Our generators seed through getrandom(2) (tl_random_seedable), but the
 * one wolfSSL makes for each public key it parses (wolfSSL_EVP_PKEY_new)
 * takes no seed device and opens /dev/urandom: dir/dev/urandom is that
 * device, made here unless it is there already. */
static int urandom_inside(const char *dir, tl_err *e)
{
	char p[PATH_MAX + 16];
	struct stat st;
	int fd;

	snprintf(p, sizeof(p), "%s/dev", dir);
	if (mkdir(p, 0755) && errno != EEXIST)
		return tl_fail(e, "%s: cannot make it: %s", p, strerror(errno));
	snprintf(p, sizeof(p), "%s/dev/urandom", dir);
	if (lstat(p, &st) == 0) {
		if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 9))
			return tl_fail(e, "%s is there and is not the urandom device "
				       "(character 1,9)", p);
	} else if (mknod(p, S_IFCHR | 0444, makedev(1, 9))) {
		return tl_fail(e, "%s: cannot make the urandom device: %s", p,
			       strerror(errno));
	}
	if ((fd = open(p, O_RDONLY | O_CLOEXEC)) < 0)
		return tl_fail(e, "%s: %s (is the file system mounted nodev?)", p,
			       strerror(errno));
	close(fd);
	return 0;
}

int tl_tftpd_chroot(tl_tftpd_opts *o, tl_tftp_ns *ns, tl_err *e)
{
	char m[600];

	if (tl_tftpd_chroot_ready(o, ns, e) ||
	    (geteuid() == 0 && urandom_inside(o->dir, e)))
		return -1;
	if (!o->foreground) {
		tl_log_connect("tftpd");
		if (devnull < 0 && (devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
			return tl_fail(e, "/dev/null: cannot open it");
	}
	if (tl_daemon_chroot(o->dir, tl_tftp_ns_conf(ns)->tftp.user, e))
		return -1;
	tl_log(LOG_INFO, "event=chroot dir=%s", tl_log_val(o->dir, m, sizeof(m)));
	o->dir = "/";
	if (tl_tftp_ns_rebase(ns, o->dir, e) || tl_random_seedable(e))
		return tl_wrap(e, "inside the chroot");
	return 0;
}

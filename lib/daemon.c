#include "daemon.h"
#include "file.h"
#include "log.h"
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

int tl_daemon_detach(const char *pidfile, tl_err *e)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		return tl_fail(e, "fork: %s", strerror(errno));
	/* the parent writes it, so it is there when the command returns */
	if (pid > 0) {
		if (pidfile && tl_daemon_pidfile(pidfile, pid, e)) {
			kill(pid, SIGKILL);
			return -1;
		}
		_exit(0);
	}
	if (setsid() < 0)
		return tl_fail(e, "setsid: %s", strerror(errno));
	/* the caller's terminal is let go of entirely: its log is syslog now,
	 * and everything that could fail at start has been tried before */
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	/* the data directory is given as an absolute path or was opened */
	return chdir("/") ? tl_fail(e, "chdir /: %s", strerror(errno)) : 0;
}

int tl_daemon_pidfile(const char *path, pid_t who, tl_err *e)
{
	char pid[24];
	int n = snprintf(pid, sizeof(pid), "%d\n", (int)who);

	return tl_write_file(path, pid, (size_t)n, 0644, e) ?
	       tl_wrap(e, "--pid-file") : 0;
}

/* The user looked up before a chroot: inside, there is no /etc/passwd. */
static struct passwd known;
static char known_name[64], known_none[1];

static struct passwd *lookup(const char *user, tl_err *e)
{
	struct passwd *pw;

	if (known_name[0] && !strcmp(user, known_name))
		return &known;
	errno = 0;
	if ((pw = getpwnam(user)) == NULL)
		tl_fail(e, "user %s: %s", user, errno ? strerror(errno) :
			"no such user");
	return pw;
}

int tl_daemon_chroot(const char *dir, const char *user, tl_err *e)
{
	struct passwd *pw;

	if (geteuid() != 0)
		return tl_fail(e, "chroot %s needs root (start as root, or set "
			       "chroot = no)", dir);
	if ((pw = lookup(user, e)) == NULL)
		return -1;
	if (pw != &known) {
		if (snprintf(known_name, sizeof(known_name), "%s", user) >=
		    (int)sizeof(known_name))
			return tl_fail(e, "user %s: name too long", user);
		known = *pw;
		known.pw_name = known_name;
		known.pw_passwd = known.pw_gecos = known.pw_dir = known.pw_shell =
			known_none;
	}
	if (chroot(dir) || chdir("/"))
		return tl_fail(e, "chroot %s: %s", dir, strerror(errno));
	return 0;
}

int tl_daemon_user_ok(const char *user, tl_err *e)
{
	return lookup(user, e) ? 0 : -1;
}

int tl_daemon_drop(const char *user, tl_err *e)
{
	struct passwd *pw;

	if (geteuid() != 0)
		return 0;
	if ((pw = lookup(user, e)) == NULL)
		return -1;
	if (pw->pw_uid == 0)	/* configured to stay root */
		return 0;
	if (setgroups(0, NULL) || setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid))
		return tl_fail(e, "cannot become user %s: %s", user, strerror(errno));
	if (setuid(0) == 0)
		return tl_fail(e, "still able to become root after switching to %s",
			       user);
	return 0;
}

int tl_daemon_as_begin(const char *user, tl_daemon_as *as, tl_err *e)
{
	struct passwd *pw;

	memset(as, 0, sizeof(*as));
	if (geteuid() != 0)
		return 0;
	if ((pw = lookup(user, e)) == NULL)
		return -1;
	if (pw->pw_uid == 0)
		return 0;
	as->egid = getegid();
	if ((as->ngroups = getgroups(64, as->groups)) < 0)
		return tl_fail(e, "getgroups: %s", strerror(errno));
	if (setgroups(0, NULL) || setegid(pw->pw_gid) || seteuid(pw->pw_uid)) {
		int err = errno;

		as->active = 1;
		tl_daemon_as_end(as);
		return tl_fail(e, "cannot act as user %s: %s", user, strerror(err));
	}
	as->active = 1;
	return 0;
}

void tl_daemon_as_end(tl_daemon_as *as)
{
	if (!as->active)
		return;
	/* Failing to become root again, with a saved uid of 0, cannot happen;
	 * going on as the other user would only make later steps fail. */
	if (seteuid(0) || setegid(as->egid) || setgroups((size_t)as->ngroups, as->groups))
		abort();
	as->active = 0;
}

int tl_daemon_may_write(const char *user, const char *const *paths, tl_err *e)
{
	tl_daemon_as as;
	int rc = 0;

	if (tl_daemon_as_begin(user, &as, e))
		return -1;
	for (; *paths && rc == 0; paths++)
		if (euidaccess(*paths, W_OK) && errno != ENOENT)
			rc = tl_fail(e, "%s: user %s may not write it: %s", *paths, user,
				     strerror(errno));
	tl_daemon_as_end(&as);
	return rc;
}

void tl_daemon_fit_files(unsigned *n, unsigned reserve, const char *key)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= (rlim_t)*n + reserve)
		return;
	*n = rl.rlim_cur > 2 * (rlim_t)reserve ? (unsigned)(rl.rlim_cur - reserve) : reserve;
	tl_log(LOG_WARNING, "event=limits %s=%u reason=\"open file limit %llu\"", key, *n,
	       (unsigned long long)rl.rlim_cur);
}

int tl_daemon_paths(const char *prog, const char *dir, const char *conf,
		    char *dirpath, char *confpath)
{
	if (realpath(tl_store_default_dir(dir), dirpath) == NULL) {
		fprintf(stderr, "%s: %s: no such data directory\n", prog,
			tl_store_default_dir(dir));
		return -1;
	}
	char sys[PATH_MAX];
	const char *admin = conf ? conf : tl_conf_admin_path(sys, sizeof(sys));

	confpath[0] = 0;
	if (admin && realpath(admin, confpath) == NULL) {
		fprintf(stderr, "%s: %s%s: no such file\n", prog, conf ? "-c " :
			getenv("TRUSTLINE_CONFIG") ? "TRUSTLINE_CONFIG=" : "", admin);
		return -1;
	}
	return 0;
}

void tl_daemon_checked(const char *prog, const char *dir, const char *conf,
		       const char *what)
{
	printf("%s: %s: %s OK; read %s/trustline.conf%s%s\n", prog, dir, what,
	       dir, conf[0] ? ", then " : "", conf);
}

int tl_daemon_listen(const char *addr, int port, int n, int *fds, tl_err *e)
{
	for (int i = 0; i < n; i++) {
		fds[i] = tl_sock_bind(addr, i ? tl_sock_port(fds[0]) : port,
				      SOCK_STREAM, n > 1, e);
		if (fds[i] < 0) {
			while (i-- > 0)
				close(fds[i]);
			return -1;
		}
	}
	return 0;
}

int tl_daemon_start(const char *prog, int foreground, const char *pidfile,
		    tl_err *e)
{
	sigset_t hup;

	/* From the start line on, a reload may be asked for (systemctl reload,
	 * a test): SIGHUP waits, blocked, for the loop's handler
	 * (tl_loop_signals) or the workers' parent, instead of ending the
	 * daemon by its default action. */
	sigemptyset(&hup);
	sigaddset(&hup, SIGHUP);
	sigprocmask(SIG_BLOCK, &hup, NULL);
	if (foreground)
		return pidfile ? tl_daemon_pidfile(pidfile, getpid(), e) : 0;
	if (tl_daemon_detach(pidfile, e))
		return -1;
	tl_log_open(prog, 1);
	return 0;
}

int tl_daemon_run(tl_loop *l, tl_ev_fn hup, void *arg, tl_err *e)
{
	tl_ev *sig[3] = { 0 };
	int rc;

	if (tl_loop_signals(l, NULL, hup, arg, sig, e))
		return -1;
	rc = tl_loop_run(l, e);
	tl_loop_signals_free(sig);
	return rc;
}

void tl_daemon_ready(void)
{
	/* 0 without $NOTIFY_SOCKET: not started by a Type=notify unit */
	int rc = sd_notify(0, "READY=1");

	if (rc < 0)
		tl_log(LOG_WARNING, "event=notify error=\"%s\"", strerror(-rc));
}

#include "tftpdstart.h"

#include <fcntl.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"

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
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

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

#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The files tl_file_keep opened, read through their descriptors ever
 * after (a daemon keeps a handful: a fixed table). */
#define KEPT_MAX 4
static struct {
	char path[PATH_MAX];
	int fd;
} kept[KEPT_MAX];
static int nkept;

int tl_file_keep(const char *path, tl_err *e)
{
	int fd;

	for (int i = 0; i < nkept; i++)
		if (!strcmp(kept[i].path, path))
			return 0;
	if (nkept == KEPT_MAX || strlen(path) >= sizeof(kept[0].path))
		return tl_fail(e, "%s: too many files or too long a name to keep open",
			       path);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return tl_fail(e, "%s: cannot open: %s", path, strerror(errno));
	snprintf(kept[nkept].path, sizeof(kept[0].path), "%s", path);
	kept[nkept++].fd = fd;
	return 0;
}

int tl_file_replaced(const char *path)
{
	struct stat st;

	for (int i = 0; i < nkept; i++)
		if (!strcmp(kept[i].path, path))
			return fstat(kept[i].fd, &st) == 0 && st.st_nlink == 0;
	return 0;
}

int tl_read_file(const char *path, size_t max, uint8_t **buf, size_t *len,
		 tl_err *e)
{
	struct stat st;
	uint8_t *p;
	size_t got = 0;
	int fd = -1, own = 1;

	for (int i = 0; i < nkept && fd < 0; i++)
		if (!strcmp(kept[i].path, path)) {
			fd = kept[i].fd;
			own = 0;
		}
	if (fd < 0 && (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return tl_fail(e, "%s: cannot open: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (own)
			close(fd);
		return tl_fail(e, "%s: not a regular file", path);
	}
	if ((uintmax_t)st.st_size > max) {
		if (own)
			close(fd);
		return tl_fail(e, "%s: %jd bytes is larger than the %zu-byte limit",
			       path, (intmax_t)st.st_size, max);
	}
	p = malloc((size_t)st.st_size + 1);
	if (p == NULL) {
		if (own)
			close(fd);
		return tl_fail(e, "%s: out of memory", path);
	}
	/* pread: a kept descriptor is read from its start each time */
	while (got < (size_t)st.st_size) {
		ssize_t n = pread(fd, p + got, (size_t)st.st_size - got, (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int err = n < 0 ? errno : EIO;

			free(p);
			if (own)
				close(fd);
			return tl_fail(e, "%s: read failed: %s", path, strerror(err));
		}
		got += (size_t)n;
	}
	if (own)
		close(fd);
	p[got] = 0;
	*buf = p;
	*len = got;
	return 0;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int tl_write_file(const char *path, const void *buf, size_t len, int mode,
		  tl_err *e)
{
	char tmp[4096], dir[4096];
	int fd, err;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >=
	    (int)sizeof(tmp))
		return tl_fail(e, "%s: path too long", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return tl_fail(e, "%s: cannot create: %s", tmp, strerror(errno));
	if (fchmod(fd, (mode_t)mode) < 0 || write_all(fd, buf, len) < 0 ||
	    fsync(fd) < 0) {
		err = errno;
		close(fd);
		unlink(tmp);
		return tl_fail(e, "%s: write failed: %s", tmp, strerror(err));
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		err = errno;
		unlink(tmp);
		return tl_fail(e, "%s: cannot replace: %s", path, strerror(err));
	}
	snprintf(dir, sizeof(dir), "%s", path);
	tl_fsync_dir(dirname(dir));
	return 0;
}

void tl_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int tl_write_output(const char *path, const void *buf, size_t len, int mode,
		    tl_err *e)
{
	char real[PATH_MAX];
	struct stat st;
	int fd, err;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? tl_write_file(path, buf, len, mode, e) :
		       tl_fail(e, "%s: %s", path, strerror(errno));
	if (S_ISLNK(st.st_mode)) {
		if (realpath(path, real) == NULL)
			return tl_fail(e, "%s: a symbolic link to nothing that can be "
				       "written (%s): give the file itself", path,
				       strerror(errno));
		if (stat(real, &st) < 0 || S_ISREG(st.st_mode))
			return tl_write_file(real, buf, len, mode, e);
		path = real;
	}
	if (S_ISREG(st.st_mode))
		return tl_write_file(path, buf, len, mode, e);
	if (S_ISDIR(st.st_mode))
		return tl_fail(e, "%s: is a directory: give a file name", path);
	/* a device or a pipe: what it is stays, the bytes go through it */
	if ((fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return tl_fail(e, "%s: cannot open: %s", path, strerror(errno));
	if (write_all(fd, buf, len) < 0) {
		err = errno;
		close(fd);
		return tl_fail(e, "%s: write failed: %s", path, strerror(err));
	}
	if (close(fd) < 0)
		return tl_fail(e, "%s: write failed: %s", path, strerror(errno));
	return 0;
}

int tl_mkdirs(const char *path, tl_err *e)
{
	char tmp[1024];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return tl_fail(e, "%s: cannot create: %s", tmp, strerror(errno));
		*p = '/';
	}
	if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
		return tl_fail(e, "%s: cannot create: %s", tmp, strerror(errno));
	return 0;
}

/* The planner's copy of a data directory (plan.h): every file as it is,
 * keys 0600, in a private temporary directory, the database through the
 * backup API, and the servers' user set to the one planning, who must be
 * able to read what it renders. */
#include "plan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dbcopy.h"
#include "file.h"

static int is_db(const char *name)
{
	return !strcmp(name, "trustline.db") || !strcmp(name, "trustline.db-wal") ||
	       !strcmp(name, "trustline.db-shm") || !strcmp(name, "trustline.db-journal");
}

static int ends_with(const char *s, const char *end)
{
	size_t n = strlen(s), m = strlen(end);

	return n >= m && !strcmp(s + n - m, end);
}

static int copy_file(const char *from, const char *to, mode_t mode, tl_err *e)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int fd, rc = 0;

	if (tl_read_file(from, (size_t)1 << 30, &buf, &len, e))
		return -1;
	if ((fd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)) < 0) {
		free(buf);
		return tl_fail(e, "%s: %s", to, strerror(errno));
	}
	for (size_t off = 0; off < len && rc == 0;) {
		ssize_t w = write(fd, buf + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			rc = tl_fail(e, "%s: %s", to, strerror(errno));
		else
			off += (size_t)w;
	}
	if (close(fd) && rc == 0)
		rc = tl_fail(e, "%s: %s", to, strerror(errno));
	free(buf);
	return rc;
}

/* from/ into to/, which exists. */
static int copy_tree(const char *from, const char *to, int top, tl_err *e)
{
	DIR *d = opendir(from);
	struct dirent *de;
	int rc = 0;

	if (d == NULL)
		return tl_fail(e, "%s: %s", from, strerror(errno));
	while (rc == 0 && (de = readdir(d)) != NULL) {
		char src[PATH_MAX], dst[PATH_MAX], link[PATH_MAX];
		struct stat st;
		ssize_t n;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    (top && is_db(de->d_name)))
			continue;
		if (snprintf(src, sizeof(src), "%s/%s", from, de->d_name) >= (int)sizeof(src) ||
		    snprintf(dst, sizeof(dst), "%s/%s", to, de->d_name) >= (int)sizeof(dst)) {
			rc = tl_fail(e, "%s/%s: path too long", from, de->d_name);
			break;
		}
		if (lstat(src, &st)) {
			rc = tl_fail(e, "%s: %s", src, strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			if (mkdir(dst, 0700))
				rc = tl_fail(e, "%s: %s", dst, strerror(errno));
			else
				rc = copy_tree(src, dst, 0, e);
		} else if (S_ISLNK(st.st_mode)) {
			/* a link stays a link: tftpd refuses those that leave
			 * tftpboot/, in the copy as in the original */
			if ((n = readlink(src, link, sizeof(link) - 1)) < 0)
				rc = tl_fail(e, "%s: %s", src, strerror(errno));
			else if (link[n] = 0, symlink(link, dst))
				rc = tl_fail(e, "%s: %s", dst, strerror(errno));
		} else if (S_ISREG(st.st_mode)) {
			rc = copy_file(src, dst, ends_with(de->d_name, ".key") ? 0600 :
				       st.st_mode & 0700, e);
		}
	}
	closedir(d);
	return rc;
}

int tl_plan_copy(tl_store *s, char *out, size_t n, tl_err *e)
{
	const char *tmp = getenv("TMPDIR");
	struct passwd *pw = getpwuid(geteuid());
	char db[PATH_MAX];
	tl_store c;

	if (snprintf(out, n, "%s/trustline-plan.XXXXXX", tmp && *tmp ? tmp : "/tmp") >= (int)n)
		return tl_fail(e, "TMPDIR is too long");
	if (mkdtemp(out) == NULL)
		return tl_fail(e, "a directory for the plan's copy in %s: %s (set TMPDIR "
			       "to a writable directory)", tmp && *tmp ? tmp : "/tmp",
			       strerror(errno));
	snprintf(db, sizeof(db), "%s/trustline.db", out);
	if (copy_tree(s->dir, out, 1, e) || tl_db_copy(s, db, e))
		goto fail;
	/* the copy is this user's (the servers' renderings read it as such),
	 * and its database the copied file, never the cluster's */
	memset(&c, 0, sizeof(c));
	snprintf(c.dir, sizeof(c.dir), "%s", out);
	tl_store_path(&c, db, sizeof(db), "trustline.conf");
	if (tl_conf_load(&c.conf, db, e))
		goto fail;
	if (pw)
		snprintf(c.conf.tftp.user, sizeof(c.conf.tftp.user), "%s", pw->pw_name);
	c.conf.db_url[0] = c.conf.db_node[0] = c.conf.db_password_file[0] = 0;
	if (tl_store_save_conf(&c, e))
		goto fail;
	return 0;
fail:
	tl_plan_remove(out);
	return -1;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

void tl_plan_remove(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

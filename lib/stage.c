/* A data directory made all or nothing (store.h, tl_store_stage): built
 * in a stage inside its target, then moved in entry by entry with
 * trustline.conf last, the cluster it held moved aside first. */
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"

/* What a data directory holds at its top, trustline.conf first: a directory
 * holds a cluster exactly when its trustline.conf exists. The database's
 * -wal and -shm go with it, since an old WAL replayed onto a new database
 * would corrupt it. */
static const char *const top_entries[] = {
	"trustline.conf", "certs", "trust", "tftpboot", "csr", "generation",
	"trustline.db-wal", "trustline.db-shm", "trustline.db",
};

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

static int remove_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int tl_store_stage(tl_store_stage_t *st, const char *dir, tl_err *e)
{
	struct dirent *de;
	struct stat sb;
	DIR *dp;

	memset(st, 0, sizeof(*st));
	st->created = stat(dir, &sb) < 0 && errno == ENOENT;
	if (tl_mkdirs(dir, e))
		return -1;
	/* stages of inits that were killed are left behind: their pid is gone */
	if ((dp = opendir(dir)) != NULL) {
		while ((de = readdir(dp)) != NULL) {
			char old[1300];
			long pid;

			if ((sscanf(de->d_name, ".init-%ld", &pid) != 1 &&
			     sscanf(de->d_name, ".old-%ld", &pid) != 1) || pid <= 0 ||
			    (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
				continue;
			snprintf(old, sizeof(old), "%s/%s", dir, de->d_name);
			remove_tree(old);
		}
		closedir(dp);
	}
	if (snprintf(st->dir, sizeof(st->dir), "%s/.init-%ld", dir,
		     (long)getpid()) >= (int)sizeof(st->dir))
		return tl_fail(e, "%s: path too long", dir);
	remove_tree(st->dir);
	if (mkdir(st->dir, 0700) < 0)
		return tl_fail(e, "%s: cannot create: %s", st->dir, strerror(errno));
	snprintf(st->target, sizeof(st->target), "%s", dir);
	return 0;
}

#define NTOP (sizeof(top_entries) / sizeof(top_entries[0]))

/* Moves the entries [from, to) of top_entries from one directory to
 * another, forward or backward; on failure moves back those it moved and
 * returns -1 with errno set. */
static int move_entries(const char *src, const char *dst, int forward)
{
	char from[1400], to[1400];
	size_t done = 0;

	for (; done < NTOP; done++) {
		size_t i = forward ? done : NTOP - 1 - done;

		snprintf(from, sizeof(from), "%s/%s", src, top_entries[i]);
		snprintf(to, sizeof(to), "%s/%s", dst, top_entries[i]);
		if (rename(from, to) < 0 && errno != ENOENT)
			break;
	}
	if (done == NTOP)
		return 0;
	int err = errno;

	while (done-- > 0) {
		size_t i = forward ? done : NTOP - 1 - done;

		snprintf(from, sizeof(from), "%s/%s", src, top_entries[i]);
		snprintf(to, sizeof(to), "%s/%s", dst, top_entries[i]);
		rename(to, from);
	}
	errno = err;
	return -1;
}

int tl_store_stage_install(tl_store_stage_t *st, tl_err *e)
{
	char old[1100];

	/* the cluster dir held moves aside first, trustline.conf first; the new
	 * one moves in with trustline.conf last; any failure puts both back */
	snprintf(old, sizeof(old), "%s/.old-%ld", st->target, (long)getpid());
	remove_tree(old);
	if (mkdir(old, 0700) < 0)
		return tl_fail(e, "%s: cannot create: %s", old, strerror(errno));
	if (move_entries(st->target, old, 1) < 0) {
		tl_fail(e, "%s: cannot move the cluster it held aside: %s",
			st->target, strerror(errno));
		rmdir(old);
		return -1;
	}
	if (move_entries(st->dir, st->target, 0) < 0) {
		tl_fail(e, "%s: cannot move the new cluster into place: %s",
			st->target, strerror(errno));
		move_entries(old, st->target, 0);
		rmdir(old);
		return -1;
	}
	rmdir(st->dir);
	st->dir[0] = 0;
	remove_tree(old);
	tl_fsync_dir(st->target);
	return 0;
}

void tl_store_stage_discard(tl_store_stage_t *st)
{
	if (!st->dir[0])
		return;
	remove_tree(st->dir);
	if (st->created)
		rmdir(st->target);
	st->dir[0] = 0;
}

void tl_store_stage_remove(tl_store_stage_t *st)
{
	char path[1400];

	for (size_t i = 0; i < NTOP; i++) {
		snprintf(path, sizeof(path), "%s/%s", st->target, top_entries[i]);
		remove_tree(path);
	}
	if (st->created)
		rmdir(st->target);
}

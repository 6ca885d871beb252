/* MIT licence: see LICENSE. */
/*
 * priv.c - giving up root.
 *
 * master runs as root (when started so) and drops to mail_owner in each
 * child before it re-executes the binary; a daemon started by hand as
 * root drops the same way with priv_drop().  Started as an ordinary user,
 * there is nothing to drop: everything runs as that user.  The drop is
 * setgroups, setgid, setuid, in that order (after setuid the others are
 * no longer allowed), and is checked: a process that could get root back
 * is a fatal error.
 *
 * Root's files by name: priv_root_dir() tells whether only root can
 * change the names that lead to a path; where another account could,
 * priv_open() reaches the file one directory at a time without following
 * that account's links and takes only a regular file with one name (the
 * tables, /file/name lists and table sources root reads).  Man page:
 * master(8).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "priv.h"
#include "str.h"
#include "x.h"

/*
 * priv_user - the uid and gid of a user name, as getpwnam says.  0 on
 * success, -1 (errno 0) for an unknown user, -1 with errno on a lookup
 * failure.
 */
int
priv_user(const char *name, uid_t *uid, gid_t *gid)
{
	struct passwd *pw;

	errno = 0;
	if ((pw = getpwnam(name)) == NULL)
		return -1;
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

/* 1 when only root may change the entry name of the directory dir */
static int
entry_root_only(const char *dir, const char *name)
{
	struct stat st, est;
	char *p;
	int r;

	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0)
		return 0;
	if ((st.st_mode & 022) == 0)
		return 1;
	/* a sticky directory: others may not rename root's entries */
	if (!(st.st_mode & S_ISVTX) || name == NULL)
		return 0;
	p = xasprintf("%s/%s", strcmp(dir, "/") ? dir : "", name);
	r = lstat(p, &est) == 0 && est.st_uid == 0;
	free(p);
	return r;
}

/*
 * priv_root_dir - 1 when only root can change the names that lead to
 * path: the directory that holds it is root's and writable by root only,
 * and so is each directory above (or, sticky, it holds a name of
 * root's); 0 when another account could put a link somewhere on the way
 * (or a directory is not there).  Root then works there by name only in
 * the first case (Postfix's rule for files root opens: a link is followed
 * only where nobody else could have made it).  The directories a link
 * on the way leads through are not followed further.
 */
int
priv_root_dir(const char *path)
{
	char cwd[4096], *full, *slash, *e, *end, *parent, *name;
	size_t n;
	int ok = 1;

	if (*path != '/') {
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			return 0;
		full = xasprintf("%s/%s", cwd, path);
	} else {
		full = xstrdup(path);
	}
	n = strlen(full);
	while (n > 1 && full[n - 1] == '/')	/* "d/" names d */
		full[--n] = 0;
	if ((slash = strrchr(full, '/')) == full)
		slash[1] = 0;
	else
		*slash = 0;
	/* each name on the way, in the directory that holds it */
	for (e = full + 1; ok && *e; e = end + 1) {
		end = strchr(e, '/');
		parent = e - 1 > full ? xstrndup(full, (size_t)(e - 1 - full)) :
		    xstrdup("/");
		name = end ? xstrndup(e, (size_t)(end - e)) : xstrdup(e);
		ok = entry_root_only(parent, name);
		free(parent);
		free(name);
		if (end == NULL)
			break;
	}
	/* and the directory itself: no name in it may be another's */
	if (ok)
		ok = entry_root_only(full, NULL);
	free(full);
	return ok;
}

/* 1 when root alone may change the name c in the directory open on dfd */
static int
name_root_only(int dfd, const char *c)
{
	struct stat st, est;

	if (fstat(dfd, &st) < 0 || st.st_uid != 0)
		return 0;
	if ((st.st_mode & 022) == 0)
		return 1;
	return (st.st_mode & S_ISVTX) && fstatat(dfd, c, &est,
	    AT_SYMLINK_NOFOLLOW) == 0 && est.st_uid == 0;
}

/*
 * the directory that holds path, opened one name at a time, so that a
 * link is followed only where root alone could have put it; *base is the
 * last name.  The descriptor, or -1 with errno.
 */
static int
open_parent(const char *path, const char **base)
{
	char *copy = xstrdup(path), *slash, *c, *next;
	int fd, nfd, e;

	if ((slash = strrchr(copy, '/')) == NULL) {
		free(copy);
		*base = path;
		return open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	*base = path + (slash - copy) + 1;
	*slash = 0;
	fd = open(*path == '/' ? "/" : ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC);
	for (c = copy; fd >= 0 && c != NULL; c = next) {
		if ((next = strchr(c, '/')) != NULL)
			*next++ = 0;
		if (*c == 0)
			continue;
		nfd = openat(fd, c, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
		    (name_root_only(fd, c) ? 0 : O_NOFOLLOW));
		e = errno;
		close(fd);
		fd = nfd;
		errno = e;
	}
	free(copy);
	return fd;
}

/*
 * priv_open - open(2) for a process that may be root: as root, a name
 * that another account could change on the way (priv_root_dir() false)
 * is reached one directory at a time, following a link only where root
 * alone could have made it and never at the end, and must be a regular
 * file with no other name (O_NONBLOCK keeps a fifo from blocking the
 * open); else, or not root, the name is opened as it is.  The
 * descriptor, or -1 with errno (ELOOP or ENOTDIR: a link; EPERM: not a
 * regular file with one name).
 */
int
priv_open(const char *path, int flags, mode_t mode)
{
	struct stat st;
	const char *base;
	int dfd, fd, e;

	if (geteuid() != 0 || priv_root_dir(path))
		return open(path, flags | O_CLOEXEC, mode);
	if ((dfd = open_parent(path, &base)) < 0)
		return -1;
	fd = openat(dfd, base, flags | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
	    mode);
	e = errno;
	close(dfd);
	errno = e;
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	/* the non-blocking mode was only for the open */
	if (!(flags & O_NONBLOCK))
		(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

/* priv_fopen - priv_open() for reading, as a stream; NULL with errno */
FILE *
priv_fopen(const char *path)
{
	FILE *fp;
	int fd, e;

	if ((fd = priv_open(path, O_RDONLY, 0)) < 0)
		return NULL;
	if ((fp = fdopen(fd, "r")) == NULL) {
		e = errno;
		close(fd);
		errno = e;
	}
	return fp;
}

/*
 * priv_drop_to - become uid:gid with no supplementary groups, for good.
 * Not root: nothing to do when already uid:gid, else -1 (EPERM).  0 on
 * success, -1 with errno.
 */
int
priv_drop_to(uid_t uid, gid_t gid)
{
	if (geteuid() != 0) {
		if (getuid() == uid && geteuid() == uid)
			return 0;
		errno = EPERM;
		return -1;
	}
	if (setgroups(1, &gid) < 0 || setgid(gid) < 0 || setuid(uid) < 0)
		return -1;
	/* paranoia, as Postfix: the saved set-user-ID must be gone too */
	if (uid != 0 && (setuid(0) == 0 || geteuid() == 0)) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

/*
 * priv_drop - as root, become the user named (mail_owner): a missing
 * user or a failed drop is fatal.  Not root: nothing happens, the
 * process goes on as the user who started it.
 */
void
priv_drop(const char *user)
{
	uid_t uid;
	gid_t gid;

	if (geteuid() != 0)
		return;
	if (priv_user(user, &uid, &gid) < 0) {
		if (errno)
			die("getpwnam %s:", user);
		die("unknown mail_owner user name: %s", user);
	}
	if (uid == 0)
		die("mail_owner %s has user ID 0: refusing to run as root",
		    user);
	if (priv_drop_to(uid, gid) < 0)
		die("cannot become %s (uid %ld gid %ld):", user, (long)uid,
		    (long)gid);
}

/*
 * priv_daemon - a daemon started as root outside master (inetd, systemd,
 * the sendmail command's cleanup fallback, sendmail -bs) becomes
 * mail_owner as master would have made it.  When that account does not
 * exist (a chroot with only the binary) it says so and stays root.
 */
void
priv_daemon(void)
{
	const char *owner;
	uid_t uid;
	gid_t gid;

	if (geteuid() != 0)
		return;
	owner = conf_str(P_mail_owner);
	if (priv_user(owner, &uid, &gid) < 0) {
		warn("mail_owner %s: no such user: running as root", owner);
		return;
	}
	if (priv_drop_to(uid, gid) < 0)
		die("cannot become mail_owner %s:", owner);
}

/* MIT licence: see LICENSE. */
/*
 * local_mbox.c - the local delivery agent's writers: the message copy
 * with the envelope headers Postfix adds (local_copy), mbox files with
 * fcntl/flock and dot-lock locking, Maildir directories, and the
 * mailbox choice (mailbox_command, home_mailbox, mail_spool_directory).
 *
 * Each write runs in a child (local_as): a home mailbox, Maildir or
 * /file/name as the account it belongs to; an mbox in the spool
 * directory is created and dot-locked as root (the directory is often
 * root's) and written with the user's effective ids.  A delivery is
 * reported only after fsync (DESIGN.md, law 1); a failed mbox write is
 * cut back to the old size.  mailbox_size_limit is the child's file
 * size limit, as in Postfix.  Man page: local(8).
 */
#include <sys/resource.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "../../config.h"
#include "../../lib/conf.h"
#include "../../lib/log.h"
#include "../../lib/queue/agent.h"
#include "../../lib/queue/queue.h"
#include "../../lib/str.h"
#include "../../lib/x.h"
#include "local.h"

#define COPY_CHUNK	65536	/* bytes buffered before an output call */

#define LOCK_FCNTL	1
#define LOCK_FLOCK	2
#define LOCK_DOT	4

/*
 * local_copy - the message as local delivers it: the From_ line,
 * Return-Path:, X-Original-To:, Delivered-To: as flags ask, the content
 * (with ">From " quoting), a blank line.  Output goes to out in chunks.
 * 0; -1 when out failed (errno); -2 when the queue file could not be
 * read (err).
 */
int
local_copy(struct local_ctx *c, const struct local_attr *a, int flags,
    local_out_fn out, void *arg, struct str *err)
{
	struct str b = STR_INIT, line = STR_INIT;
	char date[64], *d;
	struct tm tm;
	time_t now;
	int r, ret = 0;

	str_init(&b);
	str_init(&line);
	if (flags & LOCAL_COPY_FROM) {
		now = time(NULL);
		localtime_r(&now, &tm);
		strftime(date, sizeof(date), "%a %b %e %H:%M:%S %Y", &tm);
		str_addf(&b, "From %s  %s\n", *c->msg->sender ?
		    c->msg->sender : "MAILER-DAEMON", date);
	}
	if (flags & LOCAL_COPY_RETURN)
		str_addf(&b, "Return-Path: <%s>\n", c->msg->sender);
	if (flags & LOCAL_COPY_ORIG)
		str_addf(&b, "X-Original-To: %s\n", c->top->orig ?
		    c->top->orig : c->top->addr);
	if (flags & LOCAL_COPY_DELIVERED) {
		d = xstrdup(a->delivered ? a->delivered : a->addr);
		str_lcase(d);
		str_addf(&b, "Delivered-To: %s\n", d);
		free(d);
	}
	if (agent_msg_rewind(c->msg) < 0) {
		str_set(err, "error reading queue file");
		ret = -2;
		goto out;
	}
	while ((r = agent_msg_line(c->msg, &line)) == 1) {
		if ((flags & LOCAL_COPY_QUOTE) && strncmp(line.s, "From ",
		    5) == 0)
			str_addc(&b, '>');
		str_addmem(&b, line.s, line.len);
		str_addc(&b, '\n');
		if (b.len >= COPY_CHUNK) {
			if (out(arg, b.s, b.len) < 0) {
				ret = -1;
				goto out;
			}
			str_reset(&b);
		}
	}
	if (r < 0) {
		str_addf(err, "error reading queue file: %s",
		    c->msg->q->err.len ? c->msg->q->err.s : "format error");
		ret = -2;
		goto out;
	}
	if (flags & LOCAL_COPY_BLANK)
		str_addc(&b, '\n');
	if (b.len && out(arg, b.s, b.len) < 0)
		ret = -1;
out:
	str_free(&b);
	str_free(&line);
	return ret;
}

static int
fd_write(void *arg, const char *s, size_t n)
{
	int fd = *(int *)arg;
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, s, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Postfix's mbox_dsn(): full mailboxes bounce, the rest is retried */
static const char *
mbox_dsn(int e, const char *def)
{
	if (e == EAGAIN || e == ESTALE)
		return "4.2.0";
	if (e == ENOSPC)
		return "4.3.0";
	if (e == EDQUOT || e == EFBIG)
		return "5.2.2";
	return def;
}

static void
size_limit(void)
{
	struct rlimit rl;
	long long lim = conf_int(P_mailbox_size_limit);

	if (lim <= 0)
		return;
	signal(SIGXFSZ, SIG_IGN);
	rl.rlim_cur = rl.rlim_max = (rlim_t)lim;
	if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
		warn("cannot set the file size limit: %s", strerror(errno));
}

static int
lock_styles(void)
{
	char *copy, *cp, *w;
	int m = 0;

	cp = copy = xstrdup(conf_str(P_mailbox_delivery_lock));
	while ((w = str_token(&cp, ", \t\r\n")) != NULL) {
		if (strcasecmp(w, "fcntl") == 0)
			m |= LOCK_FCNTL;
		else if (strcasecmp(w, "flock") == 0)
			m |= LOCK_FLOCK;
		else if (strcasecmp(w, "dotlock") == 0)
			m |= LOCK_DOT;
		else if (*w)
			warn("unknown mailbox_delivery_lock value: %s", w);
	}
	free(copy);
	return m;
}

/* PATH.lock, with Postfix's retries and stale lock removal */
static int
dot_lock(const char *path, char **lock)
{
	struct stat st;
	long long tries = conf_int(P_deliver_lock_attempts), i;
	int fd, e;

	*lock = xasprintf("%s.lock", path);
	for (i = 0; i < tries; i++) {
		fd = open(*lock, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
		    O_NOFOLLOW, 0600);
		if (fd >= 0) {
			close(fd);
			return 0;
		}
		if (errno != EEXIST)
			break;
		if (lstat(*lock, &st) == 0 && time(NULL) > st.st_mtime +
		    conf_time(P_stale_lock_time)) {
			warn("%s: removing stale lock file", *lock);
			unlink(*lock);
			continue;
		}
		if (i + 1 < tries)
			sleep((unsigned)conf_time(P_deliver_lock_delay));
	}
	if (i >= tries)
		errno = EAGAIN;	/* someone else holds it */
	e = errno;
	free(*lock);
	*lock = NULL;
	errno = e;
	return -1;
}

/* fcntl or flock, retried as the dot-lock */
static int
kernel_lock(int fd, int styles)
{
	long long tries = conf_int(P_deliver_lock_attempts), i;
	struct flock fl;
	int r = -1;

	for (i = 0; i < tries; i++) {
		r = 0;
		if (styles & LOCK_FCNTL) {
			memset(&fl, 0, sizeof(fl));
			fl.l_type = F_WRLCK;
			fl.l_whence = SEEK_SET;
			r = fcntl(fd, F_SETLK, &fl);
		}
		if (r == 0 && (styles & LOCK_FLOCK))
			r = flock(fd, LOCK_EX | LOCK_NB);
		if (r == 0 || (errno != EAGAIN && errno != EACCES &&
		    errno != EWOULDBLOCK))
			return r;
		if (i + 1 < tries)
			sleep((unsigned)conf_time(P_deliver_lock_delay));
	}
	errno = EAGAIN;
	return r;
}

struct mbox {
	const char	*path;
	const struct local_user *u;
	int		spool;		/* in mail_spool_directory: root */
	int		file;		/* a /file/name destination */
	int		flags;		/* LOCAL_COPY_* */
};

/* the failure reasons, mailbox or file shaped */
static void
mbox_fail(const struct mbox *m, const struct local_attr *a,
    struct local_res *r, int e, const char *def, const char *what)
{
	const char *dsn = mbox_dsn(e, def);
	int st = dsn[0] == '5' ? AGENT_BOUNCE : AGENT_DEFER;

	if (m->file)
		local_res_set(r, st, dsn, "cannot append message to file %s: "
		    "%s", m->path, what);
	else
		local_res_set(r, st, dsn, "cannot update mailbox %s for user "
		    "%s. %s", m->path, a->user, what);
}

/* in the child: append the message to an mbox file */
static void
mbox_run(struct local_ctx *c, const struct local_attr *a, void *arg,
    struct local_res *r)
{
	struct mbox *m = arg;
	struct str why = STR_INIT, err = STR_INIT;
	struct stat st;
	char *lock = NULL;
	int fd, styles = lock_styles(), created = 0, rc, e;
	off_t size;

	str_init(&why);
	str_init(&err);
	size_limit();
	if ((styles & LOCK_DOT) && dot_lock(m->path, &lock) < 0 &&
	    errno != EACCES && errno != EPERM && errno != EROFS) {
		e = errno;
		str_addf(&why, "unable to lock for exclusive access: %s",
		    strerror(e ? e : EAGAIN));
		mbox_fail(m, a, r, e, "4.2.0", why.s);
		goto out;
	}
	fd = open(m->path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0)
		created = 1;
	else if (errno == EEXIST)
		fd = open(m->path, O_WRONLY | O_APPEND | O_NOFOLLOW |
		    O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0) {
		e = errno;
		str_addf(&why, "cannot open file: %s", strerror(e));
		mbox_fail(m, a, r, e, "4.2.0", why.s);
		goto unlock;
	}
	if (!(S_ISREG(st.st_mode) || (m->file && S_ISCHR(st.st_mode)))) {
		str_addf(&why, "destination %s is not a regular file",
		    m->path);
		mbox_fail(m, a, r, 0, "5.2.0", why.s);
		goto close;
	}
	if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
		str_addf(&why, "file %s has too many hard links", m->path);
		mbox_fail(m, a, r, 0, "5.2.0", why.s);
		goto close;
	}
	if (m->spool && getuid() == 0 && m->u && m->u->set) {
		if (created && fchown(fd, m->u->uid, m->u->gid) < 0)
			warn("chown %s: %s", m->path, strerror(errno));
		else if (!created && st.st_uid != m->u->uid) {
			str_addf(&why, "destination %s is not owned by "
			    "recipient", m->path);
			mbox_fail(m, a, r, 0, "4.2.0", why.s);
			goto close;
		}
	}
	if (S_ISREG(st.st_mode) && (styles & (LOCK_FCNTL | LOCK_FLOCK)) &&
	    kernel_lock(fd, styles) < 0) {
		e = errno;
		str_addf(&why, "unable to lock for exclusive access: %s",
		    strerror(e));
		mbox_fail(m, a, r, e, "4.2.0", why.s);
		goto close;
	}
	if (m->spool && local_become(m->u) < 0) {
		mbox_fail(m, a, r, 0, "4.3.0", "cannot change user id");
		goto close;
	}
	size = lseek(fd, 0, SEEK_END);
	rc = local_copy(c, a, m->flags, fd_write, &fd, &err);
	if (rc == 0 && S_ISREG(st.st_mode) && fsync(fd) < 0)
		rc = -1;
	e = errno;
	if (rc != 0 && S_ISREG(st.st_mode) && size >= 0 &&
	    ftruncate(fd, size) < 0)
		warn("truncate %s: %s", m->path, strerror(errno));
	if (m->spool)
		local_unbecome();
	if (rc == -2) {
		local_res_set(r, AGENT_DEFER, "4.3.0", "%s", err.s);
	} else if (rc < 0) {
		str_addf(&why, "error writing message: %s", strerror(e));
		mbox_fail(m, a, r, e, "4.3.0", why.s);
	} else if (m->file) {
		local_res_set(r, AGENT_SENT, "2.0.0", "delivered to file: %s",
		    m->path);
	} else {
		local_res_set(r, AGENT_SENT, "2.0.0", "delivered to mailbox");
	}
close:
	close(fd);
unlock:
	if (lock && unlink(lock) < 0)
		warn("remove %s: %s", lock, strerror(errno));
out:
	free(lock);
	str_free(&why);
	str_free(&err);
}

/* mkdir -p, mode 0700 for what is made */
static int
make_dirs(const char *path)
{
	char *p = xstrdup(path), *s;
	int r = 0;

	for (s = p + 1; ; s++) {
		if (*s != '/' && *s != 0)
			continue;
		int end = *s == 0;

		*s = 0;
		if (mkdir(p, 0700) < 0 && errno != EEXIST) {
			r = -1;
			break;
		}
		if (end)
			break;
		*s = '/';
	}
	free(p);
	return r;
}

/* this host's name for Maildir file names, '/' and ':' escaped */
static void
maildir_host(struct str *out)
{
	char h[256], *p;

	if (gethostname(h, sizeof(h) - 1) < 0)
		str_copy(h, "localhost", sizeof(h));
	h[sizeof(h) - 1] = 0;
	for (p = h; *p; p++) {
		if (*p == '/')
			str_adds(out, "\\057");
		else if (*p == ':')
			str_adds(out, "\\072");
		else
			str_addc(out, *p);
	}
}

/*
 * in the child: a Maildir delivery, Postfix's way: tmp/TIME.PPID.HOST,
 * fsync, link to new/TIME.VdevIinoMusec.HOST, fsync new/
 */
static void
maildir_run(struct local_ctx *c, const struct local_attr *a, void *arg,
    struct local_res *r)
{
	struct mbox *m = arg;
	struct str tmp = STR_INIT, new = STR_INIT, host = STR_INIT;
	struct str err = STR_INIT, dir = STR_INIT;
	struct timeval tv;
	struct stat st;
	int fd = -1, rc, e, dfd;

	(void)c;
	str_init(&tmp);
	str_init(&new);
	str_init(&host);
	str_init(&err);
	str_init(&dir);
	size_limit();
	maildir_host(&host);
	gettimeofday(&tv, NULL);
	str_addf(&dir, "%stmp", m->path);
	str_addf(&tmp, "%s/%lld.P%ld.%s", dir.s, (long long)tv.tv_sec,
	    (long)getpid(), host.s);
	if ((fd = open(tmp.s, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) < 0 && errno == ENOENT) {
		str_reset(&dir);
		str_addf(&dir, "%snew", m->path);
		make_dirs(dir.s);
		str_reset(&dir);
		str_addf(&dir, "%scur", m->path);
		make_dirs(dir.s);
		str_reset(&dir);
		str_addf(&dir, "%stmp", m->path);
		make_dirs(dir.s);
		fd = open(tmp.s, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
	}
	if (fd < 0 || fstat(fd, &st) < 0) {
		e = errno;
		local_res_set(r, mbox_dsn(e, "4.2.0")[0] == '5' ? AGENT_BOUNCE :
		    AGENT_DEFER, mbox_dsn(e, "4.2.0"), "maildir delivery "
		    "failed: create maildir file %s: %s", tmp.s, strerror(e));
		goto out;
	}
	rc = local_copy(c, a, m->flags, fd_write, &fd, &err);
	if (rc == 0 && fsync(fd) < 0)
		rc = -1;
	e = errno;
	if (rc == -2) {
		local_res_set(r, AGENT_DEFER, "4.3.0", "%s", err.s);
		goto unlink;
	}
	if (rc < 0) {
		local_res_set(r, mbox_dsn(e, "4.3.0")[0] == '5' ? AGENT_BOUNCE :
		    AGENT_DEFER, mbox_dsn(e, "4.3.0"), "maildir delivery "
		    "failed: error writing message: %s", strerror(e));
		goto unlink;
	}
	str_reset(&dir);
	str_addf(&dir, "%snew", m->path);
	str_addf(&new, "%s/%lld.V%lxI%lxM%ld.%s", dir.s,
	    (long long)tv.tv_sec, (unsigned long)st.st_dev,
	    (unsigned long)st.st_ino, (long)tv.tv_usec, host.s);
	if (link(tmp.s, new.s) < 0) {
		e = errno;
		local_res_set(r, AGENT_DEFER, mbox_dsn(e, "4.2.0"),
		    "maildir delivery failed: create maildir file %s: %s",
		    new.s, strerror(e));
		goto unlink;
	}
	if ((dfd = open(dir.s, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    fsync(dfd) < 0) {
		e = errno;
		unlink(new.s);
		local_res_set(r, AGENT_DEFER, "4.3.0", "maildir delivery "
		    "failed: fsync %s: %s", dir.s, strerror(e));
		if (dfd >= 0)
			close(dfd);
		goto unlink;
	}
	close(dfd);
	local_res_set(r, AGENT_SENT, "2.0.0", "delivered to maildir");
unlink:
	if (unlink(tmp.s) < 0)
		warn("remove %s: %s", tmp.s, strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	str_free(&tmp);
	str_free(&new);
	str_free(&host);
	str_free(&err);
	str_free(&dir);
}

static void
deliver_path(struct local_ctx *c, const struct local_attr *a,
    struct mbox *m)
{
	struct local_res r;
	size_t n = strlen(m->path);

	str_init(&r.text);
	if (n > 0 && m->path[n - 1] == '/') {
		m->flags &= ~(LOCAL_COPY_FROM | LOCAL_COPY_QUOTE |
		    LOCAL_COPY_BLANK);
		local_as(c, a, m->u, LOCAL_AS_USER, maildir_run, m, &r);
	} else {
		local_as(c, a, m->u, m->spool ? LOCAL_AS_ROOT :
		    LOCAL_AS_USER, mbox_run, m, &r);
	}
	local_result(c, a, r.status, r.dsn, "%s", r.text.s);
	str_free(&r.text);
}

/*
 * local_mailbox - the user's mailbox: mailbox_command, else
 * home_mailbox (Maildir when it ends in /), else mail_spool_directory
 */
void
local_mailbox(struct local_ctx *c, const struct local_attr *a,
    const struct local_user *u)
{
	const char *mc = conf_str(P_mailbox_command);
	const char *hm = conf_str(P_home_mailbox);
	const char *sp = conf_str(P_mail_spool_directory);
	struct mbox m;
	char *path;
	size_t n;

	if (*mc) {
		local_command(c, a, mc, u);
		return;
	}
	memset(&m, 0, sizeof(m));
	m.u = u;
	m.flags = LOCAL_COPY_MBOX;
	if (*hm) {
		path = xasprintf("%s/%s", u->home, hm);
	} else {
		n = strlen(sp);
		path = xasprintf("%s%s%s%s", sp, n && sp[n - 1] == '/' ? "" :
		    "/", u->name, n && sp[n - 1] == '/' ? "/" : "");
		m.spool = 1;
	}
	m.path = path;
	deliver_path(c, a, &m);
	free(path);
}

/*
 * local_file - a /file/name destination (Maildir when it ends in /),
 * with the rights of the alias, include or .forward owner; root's
 * become default_privs
 */
void
local_file(struct local_ctx *c, const struct local_attr *a,
    const char *path)
{
	struct local_user dp;
	const struct local_user *u = a->priv.set ? &a->priv : NULL;
	struct mbox m;

	memset(&dp, 0, sizeof(dp));
	if (!u || u->uid == 0) {
		if (getuid() == 0 && local_default_privs(&dp) < 0) {
			local_result(c, a, AGENT_DEFER, "4.3.5",
			    "mail system configuration error");
			return;
		}
		u = dp.set ? &dp : u;
	}
	memset(&m, 0, sizeof(m));
	m.u = u;
	m.path = path;
	m.file = 1;
	m.flags = LOCAL_COPY_MBOX & ~LOCAL_COPY_DELIVERED;
	if (local_dh_mask() & LOCAL_DH_FILE)
		m.flags |= LOCAL_COPY_DELIVERED;
	deliver_path(c, a, &m);
	local_user_free(&dp);
}

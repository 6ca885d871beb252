/* MIT licence: see LICENSE. */
/*
 * queue.c - queue directories, queue ids, and the one record format of
 * queue files, maildrop files and the cleanup stream.
 *
 * Used by cleanup (the one writer of queue files), qmgr and the delivery
 * agents (readers; queue_mark_done), pickup, postcat, mailq, postsuper,
 * and by `postfix start` / `set-permissions` (queue_dirs, as root).  No
 * privileges of its own: files get the caller's owner.
 * Man page: mta-queue(5).
 *
 * THE FORMAT.  A file is a sequence of records, each one line:
 *
 *	TYPE LEN ' ' DATA '\n'
 *
 * TYPE is one byte (queue.h), LEN the decimal length of DATA (no sign,
 * no leading zeros but "0", at most 7 digits: QUEUE_REC_MAX), DATA any
 * bytes, NUL and CR included; the '\n' after DATA is a check byte, so a
 * torn or shifted file is caught at the first bad record.  A queue file
 * holds, in this order:
 *
 *	V "1"		format version, always first (offset 0)
 *	Z fields	REC_SIZE, always second: QUEUE_SIZE_FMT, fixed width
 *			("%15lld %15lld %15lld %15lld"): content size in
 *			bytes (each line counted with one LF), offset of the
 *			REC_MESG record, number of recipients, flags
 *			(QUEUE_F_*).  Written as zeros first and filled in
 *			with one pwrite at commit, so mailq and qmgr read the
 *			figures without scanning the file.
 *	T "SEC.USEC"	arrival time
 *	S sender	envelope sender, "" for <>
 *	A name=value	attributes, any number (see mta-queue(5))
 *	O / N		ORCPT and NOTIFY of the recipient that follows
 *	U address	the recipient that follows, as it was before
 *			rewriting (virtual aliases, canonical): orig_to=
 *	R address	a recipient still to deliver; its type byte becomes
 *			D when it is done (queue_mark_done: one pwrite, so
 *			the byte is either state, never torn; see MARKS)
 *	M ""		the content starts
 *	L / P		content: a whole line without its line end (L), or
 *			a piece of a line that goes on in the next record
 *			(P); pieces are at most QUEUE_PART_MAX bytes
 *	X ""		the content ended
 *	W, D, R ...	records after the content (delay warning time,
 *			recipients added later)
 *	E ""		the file is complete; nothing may follow
 *
 * A maildrop file and the cleanup stream use the same records without V
 * and Z: the submitter sends T?, S, A*, (O? N? R)*, M, L/P*, X, E.
 *
 * WRITING (Postfix's way, mail_queue_enter).  queue_create() makes a
 * temporary ".N.PID.M" name in the queue directory (readers skip dot
 * names), mode 0600, takes the queue id from the time and the new file's
 * inode, renames the file to its id at once, and writes V and the Z
 * placeholder.  The mode says "incomplete": readers (queue_open, qmgr's
 * scan, mailq, postsuper -s) leave a file in incoming/ without the owner
 * execute bit (QUEUE_MODE_READY) alone (queue_incomplete), and postsuper
 * -p removes one a day old (a crash, before any 250). Other queues get
 * only complete files, so the bit is not looked at there (an older mta's
 * files, 0600, flow on).  queue_commit() fills Z, sets the bit (0700) and
 * fsyncs the file once: on the journaling file systems law 1 counts on,
 * that commits the new name with the content, so no directory fsync
 * (DESIGN.md, law 1: "created under its final name, written, marked
 * complete, and fsynced once").  The mail is accepted only after that.
 * Into hold/ (queue_target), the file is renamed there, still incomplete,
 * before the mark, and hold/ is fsynced too. queue_abort() unlinks the
 * file.  Two live files never share an inode on one file system, so two
 * ids never collide.
 *
 * MARKS.  queue_mark_done() rewrites one type byte (R to D); with its
 * sync argument it fsyncs.  qmgr passes sync for every recipient but
 * the last one not done: that file is removed right after, and should a
 * crash beat the removal, the recipient is delivered twice, never lost.
 * So a relayed one-recipient message costs one flush in all.
 *
 * READING.  queue_open() checks V and reads Z; queue_get() returns the
 * records with their offsets.  A bad record, or an end of file before E,
 * is QUEUE_BAD: the caller logs and moves the file with
 * queue_quarantine() to corrupt/, and the rest of the queue flows on.
 */
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../io.h"
#include "../log.h"
#include "../num.h"
#include "../str.h"
#include "../x.h"
#include "queue.h"

#define WRITE_CHUNK	65536	/* buffered records are written past this */

/* Postfix's safe alphabet (safe_ultostr.c): no vowels, 52 characters */
static const char safe_chars[] =
    "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz";

static size_t
safe_ultostr(char *buf, size_t size, unsigned long long v, unsigned base,
    size_t pad)
{
	char tmp[64];
	size_t n = 0, i;

	do {
		tmp[n++] = safe_chars[v % base];
		v /= base;
	} while (v && n < sizeof(tmp));
	while (n < pad && n < sizeof(tmp))
		tmp[n++] = '0';
	for (i = 0; i < n && i + 1 < size; i++)
		buf[i] = tmp[n - 1 - i];
	buf[i] = 0;
	return i;
}

/*
 * queue_make_id - a queue id from a time and an inode number.  Short
 * form (enable_long_queue_ids=no): five hex digits of microseconds, then
 * the inode in hex.  Long form: seconds in base 52 (at least six
 * digits), microseconds in base 52 (four), 'z', the inode in base 51 (so
 * it holds no 'z').  Both are Postfix's.
 */
void
queue_make_id(char *buf, size_t size, const struct timeval *tv,
    unsigned long long ino, int longform)
{
	size_t n;

	if (!longform) {
		snprintf(buf, size, "%05X%llX",
		    (unsigned)tv->tv_usec & 0xfffff, ino);
		return;
	}
	n = safe_ultostr(buf, size, (unsigned long long)tv->tv_sec, 52, 6);
	n += safe_ultostr(buf + n, size - n,
	    (unsigned long long)tv->tv_usec, 52, 4);
	if (n + 1 < size)
		buf[n++] = 'z';
	safe_ultostr(buf + n, size - n, ino, 51, 1);
}

/* queue_id_ok - a name that can be a queue id (no '/', no dot file) */
int
queue_id_ok(const char *id)
{
	size_t n;

	for (n = 0; id[n]; n++)
		if (!((id[n] >= '0' && id[n] <= '9') ||
		    (id[n] >= 'A' && id[n] <= 'Z') ||
		    (id[n] >= 'a' && id[n] <= 'z')))
			return 0;
	return n > 0 && n < QUEUE_ID_MAX;
}

/* the queue directories, their modes, and who owns them when root */
static const struct {
	const char	*name;
	mode_t		mode;
	int		mail_owner;
} qdirs[] = {
	/*
	 * Any user drops a file; nobody lists, reads or removes another's:
	 * the set-gid bit gives each file mail_owner's group, which the
	 * file's mode (0640, submit.c) lets pickup read.
	 */
	{ Q_MAILDROP,	MAILDROP_MODE, 1 },
	{ Q_INCOMING,	0700, 1 },
	{ Q_ACTIVE,	0700, 1 },
	{ Q_DEFERRED,	0700, 1 },
	{ Q_HOLD,	0700, 1 },
	{ Q_CORRUPT,	0700, 1 },
	{ Q_DEFER,	0700, 1 },
	{ Q_BOUNCE,	0700, 1 },
	{ Q_TRACE,	0700, 1 },
	{ Q_PRIVATE,	0700, 1 },
	/* users must reach public/pickup and public/qmgr, not list them */
	{ Q_PUBLIC,	0711, 1 },
	{ Q_PID,	0755, 0 },
};

/* a "PATH: ..." problem line of queue_dirs() */
static void
problem(struct str *err, int *bad, const char *fmt, ...)
{
	va_list ap;

	if ((*bad)++)
		str_addc(err, '\n');
	va_start(ap, fmt);
	str_vaddf(err, fmt, ap);
	va_end(ap);
}

/*
 * give the directory open on fd the owner (uid; gid unless -1) and mode
 * it should have: through the descriptor, so that a link put in the
 * place of its name can never lend root's rights to another file
 */
static int
fix_dir(int fd, const struct stat *st, uid_t uid, gid_t gid, mode_t mode)
{
	int chowned = 0;

	if (st->st_uid != uid || (gid != (gid_t)-1 && st->st_gid != gid)) {
		if (fchown(fd, uid, gid) < 0)
			return -1;
		chowned = 1;	/* it may have cleared the set-gid bit */
	}
	if ((chowned || (st->st_mode & 07777) != mode) && fchmod(fd, mode) < 0)
		return -1;
	return 0;
}

/*
 * queue_dirs - check, or with create make and fix, the queue directory
 * and its subdirectories: modes as above, owned by owner (mail_owner)
 * when run as root (pid/ and the top stay root's).  Returns 0, or -1
 * with what is wrong in err (all problems, one per line, when checking).
 *
 * As root, the top must be root's and writable by root only, as
 * Postfix's postfix-files has it: master makes pid/master.pid and the
 * listeners' directories by name in it, so an account that could change
 * its names could have root write, chown or chmod a file of its choice.
 * The subdirectories are opened without following a link and changed
 * through their descriptors, never by name.
 */
int
queue_dirs(const char *qdir, const char *owner, int create, struct str *err)
{
	struct passwd *pw = NULL;
	struct stat st;
	uid_t uid = geteuid();
	int bad = 0, mine, qfd, fd;
	size_t i;

	if (uid == 0 && owner && *owner) {
		if ((pw = getpwnam(owner)) == NULL) {
			str_addf(err, "mail_owner %s: no such user", owner);
			return -1;
		}
	}
	if (stat(qdir, &st) < 0 && (!create || errno != ENOENT ||
	    mkdir(qdir, 0755) < 0)) {
		str_addf(err, "queue_directory %s: %s", qdir, strerror(errno));
		return -1;
	}
	if ((qfd = open(qdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    fstat(qfd, &st) < 0) {
		str_addf(err, "queue_directory %s: %s", qdir, errno == ENOTDIR ?
		    "not a directory" : strerror(errno));
		if (qfd >= 0)
			close(qfd);
		return -1;
	}
	if (uid == 0 && create) {
		if (fix_dir(qfd, &st, 0, (gid_t)-1, st.st_mode & 07755) < 0)
			problem(err, &bad, "%s: %s", qdir, strerror(errno));
	} else if (uid == 0) {
		if (st.st_uid != 0)
			problem(err, &bad, "%s: not owned by root", qdir);
		if (st.st_mode & 022)
			problem(err, &bad, "%s: group or other writable",
			    qdir);
	}
	for (i = 0; i < sizeof(qdirs) / sizeof(qdirs[0]); i++) {
		const char *name = qdirs[i].name;

		mine = pw && qdirs[i].mail_owner;
		if (fstatat(qfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 &&
		    (!create || errno != ENOENT || mkdirat(qfd, name,
		    0700) < 0 || fstatat(qfd, name, &st,
		    AT_SYMLINK_NOFOLLOW) < 0)) {
			problem(err, &bad, "%s/%s: %s", qdir, name,
			    strerror(errno));
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			problem(err, &bad, "%s/%s: not a directory", qdir,
			    name);
		} else if (create) {
			if ((fd = openat(qfd, name, O_RDONLY | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC)) < 0 ||
			    fstat(fd, &st) < 0 ||
			    (mine && fix_dir(fd, &st, pw->pw_uid, pw->pw_gid,
			    qdirs[i].mode) < 0) ||
			    (!mine && fix_dir(fd, &st, uid == 0 ? 0 :
			    st.st_uid, (gid_t)-1, qdirs[i].mode) < 0))
				problem(err, &bad, "%s/%s: %s", qdir, name,
				    strerror(errno));
			if (fd >= 0)
				close(fd);
		} else {
			if ((st.st_mode & 07777) != qdirs[i].mode)
				problem(err, &bad, "%s/%s: mode %04o, want "
				    "%04o", qdir, name,
				    (unsigned)(st.st_mode & 07777),
				    (unsigned)qdirs[i].mode);
			if (mine && st.st_uid != pw->pw_uid)
				problem(err, &bad, "%s/%s: not owned by %s",
				    qdir, name, owner);
			else if (!mine && uid == 0 && st.st_uid != 0)
				problem(err, &bad, "%s/%s: not owned by root",
				    qdir, name);
			else if (!pw && st.st_uid != uid && uid != 0)
				problem(err, &bad, "%s/%s: not owned by uid "
				    "%ld", qdir, name, (long)uid);
		}
	}
	close(qfd);
	return bad ? -1 : 0;
}

/* records ---------------------------------------------------------------- */

/* queue_rec - append one record to buf */
void
queue_rec(struct str *buf, int type, const void *data, size_t len)
{
	char head[2 + 3 * sizeof(len)], *p = head + sizeof(head);
	size_t n = len;

	/* by hand, not printf: this runs for every line of every message */
	*--p = ' ';
	do
		*--p = (char)('0' + n % 10);
	while ((n /= 10) > 0);
	*--p = (char)type;
	str_addmem(buf, p, (size_t)(head + sizeof(head) - p));
	str_addmem(buf, data, len);
	str_addc(buf, '\n');
}

/*
 * queue_rec_line - append one content line (without its line end) as
 * REC_PART pieces of QUEUE_PART_MAX bytes and a last REC_LINE
 */
void
queue_rec_line(struct str *buf, const void *data, size_t len)
{
	const char *p = data;

	while (len > QUEUE_PART_MAX) {
		queue_rec(buf, REC_PART, p, QUEUE_PART_MAX);
		p += QUEUE_PART_MAX;
		len -= QUEUE_PART_MAX;
	}
	queue_rec(buf, REC_LINE, p, len);
}

static int
known_type(int c)
{
	return c && strchr("VZTSAONURDMLPXWE", c) != NULL;
}

/*
 * queue_io_get - the next record from a stream: QUEUE_REC with its type
 * and data (at most max bytes), QUEUE_EOF at a clean end of input
 * (between records), QUEUE_IOERR, or QUEUE_BAD for a malformed or cut
 * record.  *nread (may be NULL) gets the bytes the record took.
 */
/* the next byte of io: 0-255, -1 at the end, -2 on an error */
static int
io_byte(struct io *io)
{
	unsigned char c;
	ssize_t n;

	if (io->rpos < io->rlen)
		return (unsigned char)io->rbuf[io->rpos++];
	if ((n = io_read(io, &c, 1)) == 1)
		return c;
	return n == 0 ? -1 : -2;
}

static int
io_get(struct io *io, int *type, struct str *data, size_t max,
    long long *nread)
{
	size_t len = 0, ndig = 0, k;
	int c;

	*nread = 0;
	str_reset(data);
	if ((c = io_byte(io)) < 0)
		return c == -1 ? QUEUE_EOF : QUEUE_IOERR;
	if (!known_type(c))
		return QUEUE_BAD;
	*type = c;
	for (;;) {
		if ((c = io_byte(io)) < 0)
			return c == -1 ? QUEUE_BAD : QUEUE_IOERR;
		if (c == ' ')
			break;
		if (c < '0' || c > '9' || ndig++ > 7 ||
		    (ndig == 2 && len == 0))
			return QUEUE_BAD;
		len = len * 10 + (size_t)(c - '0');
	}
	if (ndig == 0 || len > max || len > QUEUE_REC_MAX)
		return QUEUE_BAD;
	*nread = 1 + (long long)ndig + 1 + (long long)len + 1;
	/* straight from the stream's buffer: every line of mail comes here */
	while (len > 0) {
		if (io->rpos == io->rlen) {
			/* empty: one byte through io_read fills it */
			if ((c = io_byte(io)) < 0)
				return c == -1 ? QUEUE_BAD : QUEUE_IOERR;
			str_addc(data, c);
			len--;
			continue;
		}
		k = io->rlen - io->rpos;
		if (k > len)
			k = len;
		str_addmem(data, io->rbuf + io->rpos, k);
		io->rpos += k;
		len -= k;
	}
	if ((c = io_byte(io)) < 0)
		return c == -1 ? QUEUE_BAD : QUEUE_IOERR;
	return c == '\n' ? QUEUE_REC : QUEUE_BAD;
}

/* queue_io_get - the next record of a stream (cleanup input, maildrop) */
int
queue_io_get(struct io *io, int *type, struct str *data, size_t max)
{
	long long n;

	return io_get(io, type, data, max, &n);
}

/* writer ----------------------------------------------------------------- */

static int
fsync_dir(const char *dir)
{
	int fd, r;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

static int
flush_buf(struct queue_writer *w)
{
	size_t off = 0;
	ssize_t n;

	while (!w->err && off < w->buf.len) {
		n = write(w->fd, w->buf.s + off, w->buf.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			w->err = n < 0 ? errno : EIO;
		else
			off += (size_t)n;
	}
	str_reset(&w->buf);
	return w->err ? -1 : 0;
}

/*
 * queue_create - a new queue file in $qdir/qname with its id (long form
 * when longids), V and the REC_SIZE placeholder written.  NULL with the
 * reason in err.
 */
struct queue_writer *
queue_create(const char *qdir, const char *qname, int longids,
    struct str *err)
{
	static unsigned seq;
	struct queue_writer *w;
	struct stat st;
	char zero[QUEUE_SIZE_LEN + 1], *tmp;

	w = xcalloc(1, sizeof(*w));
	w->dir = xasprintf("%s/%s", qdir, qname);
	str_init(&w->buf);
	gettimeofday(&w->ctime, NULL);
	tmp = xasprintf("%s/.%ld.%ld.%u", w->dir, (long)w->ctime.tv_usec,
	    (long)getpid(), seq++);
	/* fchmod: the mode says "incomplete" whatever the umask is */
	w->fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (w->fd < 0 || fstat(w->fd, &st) < 0 || fchmod(w->fd, 0600) < 0)
		goto fail;
	/* the id from the inode, and the file under it before any content */
	queue_make_id(w->id, sizeof(w->id), &w->ctime,
	    (unsigned long long)st.st_ino, longids);
	w->tmp = xasprintf("%s/%s", w->dir, w->id);
	if (rename(tmp, w->tmp) < 0)
		goto fail;
	free(tmp);
	queue_puts(w, REC_VERSION, "1");
	snprintf(zero, sizeof(zero), QUEUE_SIZE_FMT, 0LL, 0LL, 0LL, 0LL);
	w->size_off = queue_put(w, REC_SIZE, zero, QUEUE_SIZE_LEN);
	return w;
fail:
	str_addf(err, "create file %s: %s", tmp, strerror(errno));
	if (w->fd >= 0) {
		close(w->fd);
		unlink(tmp);
	}
	str_free(&w->buf);
	free(tmp);
	free(w->tmp);
	free(w->dir);
	free(w);
	return NULL;
}

/* queue_put - add a record; returns its offset in the file */
long long
queue_put(struct queue_writer *w, int type, const void *data, size_t len)
{
	long long at = w->off;
	size_t before = w->buf.len;

	queue_rec(&w->buf, type, data, len);
	w->off += (long long)(w->buf.len - before);
	if (w->buf.len >= WRITE_CHUNK)
		flush_buf(w);
	return at;
}

/* queue_puts - add a record from a C string */
long long
queue_puts(struct queue_writer *w, int type, const char *s)
{
	return queue_put(w, type, s, strlen(s));
}

/* queue_putf - add a record from a format */
long long
queue_putf(struct queue_writer *w, int type, const char *fmt, ...)
{
	struct str s;
	va_list ap;
	long long at;

	str_init(&s);
	va_start(ap, fmt);
	str_vaddf(&s, fmt, ap);
	va_end(ap);
	at = queue_put(w, type, s.s, s.len);
	str_free(&s);
	return at;
}

/* queue_put_line - add a content line, split into REC_PART pieces */
long long
queue_put_line(struct queue_writer *w, const void *data, size_t len)
{
	long long at = w->off;
	size_t before = w->buf.len;

	queue_rec_line(&w->buf, data, len);
	w->off += (long long)(w->buf.len - before);
	if (w->buf.len >= WRITE_CHUNK)
		flush_buf(w);
	return at;
}

static void
writer_free(struct queue_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	str_free(&w->buf);
	free(w->tmp);
	free(w->dir);
	free(w->final);
	free(w);
}

/*
 * queue_commit - fill in REC_SIZE from sz, mark the file complete and
 * make it durable with one fsync: the file already has its name (see
 * queue_create), and on the file systems law 1 counts on, the fsync of
 * a new file commits its directory entry with it.  Into another queue
 * (queue_target): renamed there while still incomplete, and that
 * directory fsynced too.  The caller has written REC_END.  0 on
 * success; -1 with the reason in err, and nothing is left behind.  The
 * writer is freed either way.
 */
int
queue_commit(struct queue_writer *w, const struct queue_size *sz,
    struct str *err)
{
	char fields[QUEUE_SIZE_LEN + 1], *path;
	long long at;
	ssize_t n;

	if (flush_buf(w) < 0)
		goto fail;
	snprintf(fields, sizeof(fields), QUEUE_SIZE_FMT, sz->size, sz->mesg,
	    sz->nrcpt, sz->flags);
	/* the fields start after "Z63 " */
	at = w->size_off + 4;
	n = pwrite(w->fd, fields, QUEUE_SIZE_LEN, (off_t)at);
	if (n != QUEUE_SIZE_LEN) {
		w->err = n < 0 ? errno : EIO;
		goto fail;
	}
	if (w->final) {
		path = xasprintf("%s/%s", w->final, w->id);
		if (rename(w->tmp, path) < 0) {
			w->err = errno;
			free(path);
			goto fail;
		}
		free(w->tmp);
		w->tmp = path;
	}
	if (fchmod(w->fd, 0600 | QUEUE_MODE_READY) < 0 || fsync(w->fd) < 0 ||
	    (w->final && fsync_dir(w->final) < 0)) {
		w->err = errno;
		goto fail;
	}
	writer_free(w);
	return 0;
fail:
	str_addf(err, "%s: write queue file %s: %s", w->id, w->tmp,
	    strerror(w->err ? w->err : EIO));
	unlink(w->tmp);
	writer_free(w);
	return -1;
}

/*
 * queue_target - commit into $qdir/qname instead of the queue the file
 * was created in (cleanup's HOLD action); same file system
 */
void
queue_target(struct queue_writer *w, const char *qdir, const char *qname)
{
	free(w->final);
	w->final = xasprintf("%s/%s", qdir, qname);
}

/*
 * queue_patch - change the type byte of the record at off, written
 * earlier (a recipient that a REDIRECT replaced); 0, or -1 (w->err)
 */
int
queue_patch(struct queue_writer *w, long long off, int type)
{
	char c = (char)type;

	if (flush_buf(w) < 0)
		return -1;
	if (pwrite(w->fd, &c, 1, (off_t)off) != 1) {
		w->err = errno ? errno : EIO;
		return -1;
	}
	return 0;
}

/*
 * queue_incomplete - whether the file of queue qname with status st is
 * not yet committed: in incoming/ (where cleanup writes) without the
 * owner execute bit, in maildrop/ without the group read bit.
 * Elsewhere every file was complete before it got there, and the files
 * of an mta before the bit have no bit at all.
 */
int
queue_incomplete(const char *qname, const struct stat *st)
{
	if (!S_ISREG(st->st_mode))
		return 0;
	if (strcmp(qname, Q_MAILDROP) == 0)
		return (st->st_mode & MAILDROP_MODE_READY) == 0;
	return strcmp(qname, Q_INCOMING) == 0 && !QUEUE_READY(st);
}

/* queue_abort - forget a queue file being written */
void
queue_abort(struct queue_writer *w)
{
	if (w == NULL)
		return;
	unlink(w->tmp);
	writer_free(w);
}

/* reader ----------------------------------------------------------------- */

static int
parse_size(const char *s, struct queue_size *sz)
{
	long long v[4];
	char *end;
	int i;

	for (i = 0; i < 4; i++) {
		while (*s == ' ')
			s++;
		errno = 0;
		v[i] = strtoll(s, &end, 10);
		if (end == s || errno || v[i] < 0)
			return -1;
		s = end;
	}
	if (*s)
		return -1;
	sz->size = v[0];
	sz->mesg = v[1];
	sz->nrcpt = v[2];
	sz->flags = v[3];
	return 0;
}

/*
 * queue_open - open $qdir/qname/id for reading (QUEUE_RDWR: also for
 * queue_mark_done), check V and read Z into r->size.  NULL with the
 * reason in err; errno is ENOENT when the file is gone, EAGAIN when it
 * is not marked complete (being written, or left by a crash: the caller
 * leaves it alone), EINVAL when it is corrupt (the caller quarantines
 * it).
 */
struct queue_reader *
queue_open(const char *qdir, const char *qname, const char *id, int flags,
    struct str *err)
{
	struct queue_reader *r;
	struct str data;
	char *path;
	struct stat st;
	int fd, type, res, e;

	if (!queue_id_ok(id)) {
		str_addf(err, "bad queue id \"%s\"", id);
		errno = EINVAL;
		return NULL;
	}
	path = xasprintf("%s/%s/%s", qdir, qname, id);
	fd = open(path, (flags & QUEUE_RDWR ? O_RDWR : O_RDONLY) |
	    O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		e = errno;
		str_addf(err, "open %s: %s", path, strerror(e));
		free(path);
		errno = e;
		return NULL;
	}
	/* cleanup may still be writing it: not corrupt, not there yet */
	if (fstat(fd, &st) == 0 && queue_incomplete(qname, &st)) {
		str_addf(err, "%s: incomplete queue file", path);
		free(path);
		close(fd);
		errno = EAGAIN;
		return NULL;
	}
	free(path);
	r = xcalloc(1, sizeof(*r));
	r->fd = fd;
	r->flags = flags;
	r->qdir = xstrdup(qdir);
	r->qname = xstrdup(qname);
	str_copy(r->id, id, sizeof(r->id));
	str_init(&r->err);
	r->io = xmalloc(sizeof(*r->io));
	io_init(r->io, fd, 0);
	str_init(&data);
	res = queue_get(r, &type, &data, NULL);
	if (res == QUEUE_REC && (type != REC_VERSION || strcmp(data.s, "1")))
		res = QUEUE_BAD;
	if (res == QUEUE_REC) {
		res = queue_get(r, &type, &data, NULL);
		if (res == QUEUE_REC && (type != REC_SIZE ||
		    data.len != QUEUE_SIZE_LEN ||
		    parse_size(data.s, &r->size) < 0))
			res = QUEUE_BAD;
	}
	str_free(&data);
	if (res != QUEUE_REC) {
		if (res != QUEUE_IOERR)
			str_set(&r->err, "bad queue file header");
		str_addf(err, "%s: %s", id, r->err.s);
		e = res == QUEUE_IOERR ? EIO : EINVAL;
		queue_close(r);
		errno = e;
		return NULL;
	}
	return r;
}

/*
 * queue_get - the next record: QUEUE_REC with its type, data and offset
 * (off may be NULL), QUEUE_EOF after REC_END, QUEUE_IOERR, or QUEUE_BAD
 * (r->corrupt set, r->err says what) for a malformed or truncated file.
 */
int
queue_get(struct queue_reader *r, int *type, struct str *data,
    long long *off)
{
	long long n;
	int res;

	str_reset(&r->err);
	if (r->end)
		return QUEUE_EOF;
	if (off)
		*off = r->off;
	res = io_get(r->io, type, data, QUEUE_REC_MAX, &n);
	switch (res) {
	case QUEUE_REC:
		r->off += n;
		if (*type == REC_END)
			r->end = 1;
		return res;
	case QUEUE_EOF:
		r->corrupt = 1;
		str_set(&r->err, "truncated queue file: no end record");
		return QUEUE_BAD;
	case QUEUE_BAD:
		r->corrupt = 1;
		str_addf(&r->err, "corrupt queue file record at offset %lld",
		    r->off);
		return res;
	default:
		str_addf(&r->err, "read queue file: %s",
		    strerror(r->io->err ? r->io->err : EIO));
		return res;
	}
}

/*
 * queue_mark_done - turn the REC_RCPT record at off into REC_DONE, and
 * with sync fsync it: the recipient is never delivered again.  Without
 * sync (the caller removes the file next: its last recipient), a crash
 * may lose the mark and deliver the recipient twice, never lose it
 * (law 1).  After
 * queue_release(), the file is opened for this one update and closed
 * again.  0, or -1 (r->err; errno).
 */
int
queue_mark_done(struct queue_reader *r, long long off, int sync)
{
	char c, *path;
	int fd = r->fd, e, res = -1;

	str_reset(&r->err);
	if (fd < 0) {
		path = xasprintf("%s/%s/%s", r->qdir, r->qname, r->id);
		fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
		e = errno;
		free(path);
		if (fd < 0) {
			str_addf(&r->err, "open queue file: %s", strerror(e));
			errno = e;
			return -1;
		}
	}
	if (pread(fd, &c, 1, (off_t)off) != 1 ||
	    (c != REC_RCPT && c != REC_DONE)) {
		str_addf(&r->err, "no recipient record at offset %lld", off);
		e = EINVAL;
		goto out;
	}
	c = REC_DONE;
	if (pwrite(fd, &c, 1, (off_t)off) != 1 || (sync && fsync(fd) < 0)) {
		e = errno;
		str_addf(&r->err, "update queue file: %s", strerror(e));
		goto out;
	}
	e = 0;
	res = 0;
out:
	if (fd != r->fd)
		close(fd);
	errno = e;
	return res;
}

/*
 * queue_parse_time - a REC_TIME value ("SEC" or "SEC.USEC"; also the
 * agent request's times) into tv; 0, or -1 when malformed
 */
int
queue_parse_time(const char *s, struct timeval *tv)
{
	long long sec, usec = 0;
	const char *dot = strchr(s, '.');
	char buf[32];

	if (dot == NULL || (size_t)(dot - s) >= sizeof(buf))
		return num_parse(s, 0, LLONG_MAX, &sec) < 0 ? -1 :
		    (tv->tv_sec = sec, tv->tv_usec = 0, 0);
	memcpy(buf, s, (size_t)(dot - s));
	buf[dot - s] = 0;
	if (num_parse(buf, 0, LLONG_MAX, &sec) < 0 ||
	    num_parse(dot + 1, 0, 999999, &usec) < 0)
		return -1;
	tv->tv_sec = sec;
	tv->tv_usec = usec;
	return 0;
}

/*
 * queue_seek - go on reading at offset off (a record's start, as
 * queue_get() gave it).  0, or -1 (r->err).
 */
int
queue_seek(struct queue_reader *r, long long off)
{
	str_reset(&r->err);
	if (lseek(r->fd, (off_t)off, SEEK_SET) < 0) {
		str_addf(&r->err, "seek queue file: %s", strerror(errno));
		return -1;
	}
	io_discard(r->io);
	r->io->eof = 0;
	r->off = off;
	r->end = 0;
	return 0;
}

/*
 * queue_release - close the file but keep what was read from it: a
 * long-lived reader (qmgr, one per message in its active queue) holds no
 * descriptor between uses.  Only queue_mark_done() and queue_close()
 * may follow.
 */
void
queue_release(struct queue_reader *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	io_discard(r->io);
	r->io->fd = -1;
}

/* queue_close - close a queue file opened by queue_open() */
void
queue_close(struct queue_reader *r)
{
	if (r == NULL)
		return;
	if (r->fd >= 0)
		close(r->fd);
	io_free(r->io);
	free(r->io);
	str_free(&r->err);
	free(r->qdir);
	free(r->qname);
	free(r);
}

/*
 * queue_quarantine - move $qdir/qname/id to corrupt/ with a log line
 * naming why; 0, or -1 (logged too)
 */
int
queue_quarantine(const char *qdir, const char *qname, const char *id,
    const char *why)
{
	char *from, *to, *cdir;
	int r = 0;

	if (!queue_id_ok(id))
		return -1;
	from = xasprintf("%s/%s/%s", qdir, qname, id);
	cdir = xasprintf("%s/%s", qdir, Q_CORRUPT);
	to = xasprintf("%s/%s", cdir, id);
	if (rename(from, to) < 0) {
		warn("%s: cannot move %s to %s: %s", id, from, to,
		    strerror(errno));
		r = -1;
	} else {
		warn("%s: %s: moved to %s", id, why ? why : "corrupt file",
		    Q_CORRUPT);
		fsync_dir(cdir);
	}
	free(from);
	free(to);
	free(cdir);
	return r;
}

/*
 * queue_dsn_get - take record TYPE into d when it is one of the records
 * before a recipient: 1 taken, 0 another type, -1 a malformed NOTIFY
 */
int
queue_dsn_get(struct queue_dsn *d, int type, const char *data)
{
	long long n;

	switch (type) {
	case REC_ORIG:
		free(d->orig);
		d->orig = xstrdup(data);
		return 1;
	case REC_ORCPT:
		free(d->orcpt);
		d->orcpt = xstrdup(data);
		return 1;
	case REC_NOTIFY:
		if (num_parse(data, 0, 15, &n) < 0)
			return -1;
		d->notify = (int)n;
		return 1;
	}
	return 0;
}

/* queue_dsn_put - append the records before a recipient to b */
void
queue_dsn_put(struct str *b, const char *orig, const char *orcpt,
    int notify)
{
	char num[16];

	if (orig)
		queue_rec(b, REC_ORIG, orig, strlen(orig));
	if (orcpt)
		queue_rec(b, REC_ORCPT, orcpt, strlen(orcpt));
	if (notify) {
		snprintf(num, sizeof(num), "%d", notify);
		queue_rec(b, REC_NOTIFY, num, strlen(num));
	}
}

/* queue_dsn_free - forget what d holds (for the next recipient) */
void
queue_dsn_free(struct queue_dsn *d)
{
	free(d->orig);
	free(d->orcpt);
	memset(d, 0, sizeof(*d));
}

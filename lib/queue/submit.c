/* MIT licence: see LICENSE. */
/*
 * submit.c - hand one message to the queue: through cleanup, or as a
 * maildrop file.
 *
 * Used by smtpd and pickup (as mail_owner), and by sendmail and postdrop
 * (as the submitting user).  Needs no privileges: cleanup's socket is
 * private/cleanup, which only mail_owner can reach; maildrop is mode
 * 3733, where anyone may create a file and nobody may list the others.
 * Man pages: cleanup(8), mta-queue(5).
 *
 * The records are queue.c's.  The caller's envelope records go out as
 * given; the first content line brings REC_MESG, submit_close() adds
 * REC_XTRA and REC_END.  Everything goes through one io buffer, written
 * in whole chunks.  A long line is split into REC_PART pieces.
 *
 * SUBMIT_CLEANUP connects to $queue_directory/private/cleanup.  When
 * nothing listens there (no master), the binary re-executes itself as
 * cleanup on a socketpair (fds 0 and 1, as master's unix services get
 * their connection), so smtpd and sendmail work without master.  Cleanup
 * first says "I QUEUEID" when it has created the queue file, before it
 * reads anything: submit_open() waits for that line, so the caller can
 * log the queue id (smtpd's "client=", pickup's "uid=") before cleanup
 * logs anything about the content, in Postfix's order.  A cleanup that
 * cannot create the file says "4 X.Y.Z text" instead and exits.  The
 * final answer is one line: "0 QUEUEID", "4 X.Y.Z text" or "5 X.Y.Z text".
 *
 * SUBMIT_MAILDROP creates $queue_directory/maildrop/NAME under its final
 * name (O_EXCL, NAME 24 random hex digits), mode 0600: "being written"
 * (MAILDROP_MODE_READY, queue_incomplete), which pickup, showq and
 * postsuper -s leave alone, and postsuper -p (postfix start) removes
 * when a day old.  At close it makes the file 0640, "complete", and
 * fsyncs it once, as Postfix's postdrop: on the journaling file systems
 * law 1 counts on, that one flush commits the name with the content and
 * the mode, so no rename and no directory fsync (DESIGN.md, law 1).
 * sendmail exits 0 only after that.  A crash before it leaves a file
 * that is never picked up (still 0600), or one that is marked but cut
 * short, which pickup sends to corrupt/ (no end record): either way
 * sendmail had not said 0.  Pickup removes the file, with no flush,
 * once cleanup answered that the queue file is on disk: a crash between
 * the two duplicates the message, never loses it.  The file is the
 * submitter's, and its group is maildrop's (mail_owner's, by the
 * directory's set-gid bit): pickup and showq read it through the group,
 * other users not at all, whatever they learn of its name (mailq lists
 * it).  The submitter is the file's owner, which nobody else can make a
 * file have: pickup takes the uid from there.  No set-id program is
 * needed, nor a daemon to be up.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "../../config.h"
#include "../conf.h"
#include "../io.h"
#include "../log.h"
#include "../priv.h"
#include "../str.h"
#include "../svc.h"
#include "../table/match.h"
#include "../x.h"
#include "queue.h"
#include "submit.h"

#define FLUSH_AT	65536	/* bytes buffered before a write */
#define ANSWER_MAX	1024	/* longest answer line from cleanup */

struct submit {
	int		how;		/* SUBMIT_CLEANUP, _MAILDROP or _SINK */
	int		fd;
	pid_t		pid;		/* the cleanup we started, or 0 */
	struct io	io;
	char		*path;		/* maildrop: the file being written */
	char		*name;
	char		*dir;
	int		mesg;		/* REC_MESG was sent */
	char		*id;		/* cleanup's queue id, or NAME */
	struct timeval	tv;		/* sink: when the id was made */
	submit_sendfn	*send;		/* sink: gets the records at close */
};

/*
 * One freed submission is kept for the next: with its stream buffer it
 * is big enough that musl's malloc maps and unmaps it each time, and a
 * long-lived smtpd opens one per message
 */
static struct submit *spare;

static struct submit *
submit_alloc(void)
{
	struct submit *s = spare;

	if (s == NULL)
		return xcalloc(1, sizeof(*s));
	spare = NULL;
	memset(s, 0, sizeof(*s));
	return s;
}

/* writes that cannot kill the caller with SIGPIPE */
static ssize_t
sock_write(struct io *io, const void *buf, size_t n)
{
	return send(io->fd, buf, n, MSG_NOSIGNAL);
}

static int
random_name(char *buf, size_t size)
{
	unsigned char r[12];
	size_t i, got = 0;
	ssize_t n;
	int fd;

	if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	while (got < sizeof(r)) {
		n = read(fd, r + got, sizeof(r) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return -1;
		}
		got += (size_t)n;
	}
	close(fd);
	for (i = 0; i < sizeof(r) && 2 * i + 2 < size; i++)
		snprintf(buf + 2 * i, 3, "%02x", r[i]);
	return 0;
}

/*
 * maildrop_group - the new maildrop file may be read by pickup (maildrop's
 * owner and group) and by nobody else.  Its group comes from maildrop's
 * set-gid bit; without the bit (a queue that `postfix set-permissions`
 * has not seen yet) it is the caller's, and pickup could read the file
 * only if all could: that is refused, as a temporary error.
 */
static int
maildrop_group(struct submit *s, struct str *err)
{
	struct stat fst, dst;

	if (fstat(s->fd, &fst) < 0 || stat(s->dir, &dst) < 0) {
		str_addf(err, "%s: %s", s->path, strerror(errno));
		goto fail;
	}
	if (fst.st_uid != dst.st_uid && fst.st_gid != dst.st_gid) {
		str_addf(err, "%s: group %ld, not the group of %s (%ld): "
		    "that directory needs mode %04o (postfix set-permissions)",
		    s->path, (long)fst.st_gid, s->dir, (long)dst.st_gid,
		    (unsigned)MAILDROP_MODE);
		goto fail;
	}
	return 0;
fail:
	close(s->fd);
	unlink(s->path);
	s->fd = -1;
	return -1;
}

static int
open_maildrop(struct submit *s, struct str *err)
{
	char name[2 * 12 + 1];
	int tries;

	s->dir = xasprintf("%s/%s", conf_str(P_queue_directory), Q_MAILDROP);
	for (tries = 0; tries < 10; tries++) {
		if (random_name(name, sizeof(name)) < 0) {
			str_addf(err, "/dev/urandom: %s", strerror(errno));
			return -1;
		}
		free(s->path);
		free(s->name);
		s->name = xstrdup(name);
		s->path = xasprintf("%s/%s", s->dir, name);
		/*
		 * 0600 until complete; then 0640: readable by maildrop's
		 * group (mail_owner's: pickup, showq), by no other user,
		 * whoever learns the name.  Nobody else can write it, and
		 * the sticky bit keeps them from removing or renaming it.
		 */
		s->fd = open(s->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
		    O_NOFOLLOW, 0600);
		if (s->fd >= 0)
			return maildrop_group(s, err);
		if (errno != EEXIST)
			break;
	}
	str_addf(err, "create file %s: %s", s->path, strerror(errno));
	return -1;
}

static void
submit_free(struct submit *s)
{
	int status;

	if (s->fd >= 0)
		close(s->fd);
	if (s->pid > 0)
		while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
			;
	io_free(&s->io);
	free(s->path);
	free(s->name);
	free(s->dir);
	free(s->id);
	if (spare == NULL)
		spare = s;
	else
		free(s);
}

/* cleanup's first line: "I QUEUEID", or a refusal ("4 X.Y.Z text") */
static int
hello(struct submit *s, struct str *err)
{
	struct str line;
	ssize_t n;

	str_init(&line);
	n = io_getline(&s->io, &line, ANSWER_MAX);
	if (n > 0 && line.s[line.len - 1] == '\n')
		str_trunc(&line, line.len - 1);
	if (n > 2 && line.s[0] == 'I' && line.s[1] == ' ' &&
	    queue_id_ok(line.s + 2)) {
		s->id = xstrdup(line.s + 2);
		str_free(&line);
		return 0;
	}
	if (n > 2 && (line.s[0] == '4' || line.s[0] == '5') &&
	    line.s[1] == ' ')
		str_addf(err, "cleanup: %s", line.s + 2);
	else if (n == IO_ERR)
		str_addf(err, "read from cleanup: %s", strerror(s->io.err));
	else
		str_adds(err, "no queue id from cleanup");
	str_free(&line);
	return -1;
}

/*
 * submit_open - start a submission (SUBMIT_CLEANUP or SUBMIT_MAILDROP),
 * with the configuration already loaded.  NULL with the reason in err
 * (a temporary failure: the caller says 451 4.3.0 or EX_TEMPFAIL).
 */
struct submit *
submit_open(int how, struct str *err)
{
	struct submit *s;

	s = submit_alloc();
	s->how = how;
	s->fd = -1;
	io_init(&s->io, -1, 0);
	if (how == SUBMIT_MAILDROP) {
		if (open_maildrop(s, err) < 0)
			goto fail;
		s->io.fd = s->fd;
		s->id = xstrdup(s->name);
		return s;
	}
	if (how != SUBMIT_CLEANUP)
		bug("submit_open: bad mode %d", how);
	s->fd = svc_connect(conf_str(P_queue_directory), "cleanup", err);
	if (s->fd < 0 && (errno == ENOENT || errno == ECONNREFUSED))
		s->fd = svc_spawn("cleanup", &s->pid, err);
	if (s->fd < 0)
		goto fail;
	s->io.fd = s->fd;
	s->io.timeout = (int)conf_time(P_ipc_timeout);
	s->io.wr = sock_write;
	if (hello(s, err) < 0)
		goto fail;
	return s;
fail:
	submit_free(s);
	return NULL;
}

/*
 * submit_open_sink - start a submission that no queue takes: the records
 * stay in memory and go to sendfn at submit_close(); idfn names it now,
 * for the log.  The caller chooses this (sendmail's relay mode).
 */
struct submit *
submit_open_sink(submit_idfn *idfn, submit_sendfn *sendfn)
{
	struct submit *s;
	char id[QUEUE_ID_MAX];

	s = submit_alloc();
	s->how = SUBMIT_SINK;
	s->fd = -1;
	s->send = sendfn;
	io_init(&s->io, -1, 0);
	idfn(id, sizeof(id), &s->tv);
	s->id = xstrdup(id);
	return s;
}

/*
 * submit_id - the queue id cleanup gave at submit_open() (for maildrop,
 * the file name), to log before the content goes out
 */
const char *
submit_id(const struct submit *s)
{
	return s->id;
}

static void
maybe_flush(struct submit *s)
{
	if (s->io.wbuf.len >= FLUSH_AT && s->how != SUBMIT_SINK)
		io_flush(&s->io);
}

/* submit_rec - send one envelope record (queue.h types) */
void
submit_rec(struct submit *s, int type, const char *data, size_t len)
{
	if (type == REC_MESG) {
		if (s->mesg)
			return;
		s->mesg = 1;
	}
	queue_rec(&s->io.wbuf, type, data, len);
	maybe_flush(s);
}

/* submit_recs - send one envelope record from a C string */
void
submit_recs(struct submit *s, int type, const char *data)
{
	submit_rec(s, type, data, strlen(data));
}

/* submit_line - send one content line, without its line end */
void
submit_line(struct submit *s, const char *data, size_t len)
{
	if (!s->mesg)
		submit_rec(s, REC_MESG, "", 0);
	queue_rec_line(&s->io.wbuf, data, len);
	maybe_flush(s);
}

static int
answer(struct submit *s, struct str *out)
{
	struct str line;
	ssize_t n;
	int code = 4;

	str_init(&line);
	n = io_getline(&s->io, &line, ANSWER_MAX);
	if (n > 0 && line.s[line.len - 1] == '\n')
		str_trunc(&line, line.len - 1);
	if (n > 2 && (line.s[0] == '0' || line.s[0] == '4' ||
	    line.s[0] == '5') && line.s[1] == ' ' && line.len > 2) {
		code = line.s[0] - '0';
		str_set(out, line.s + 2);
	} else {
		str_set(out, "4.3.0 Queue file write error");
		if (n == IO_ERR)
			warn("read answer from cleanup: %s",
			    strerror(s->io.err));
		else
			warn("no answer from cleanup");
	}
	str_free(&line);
	return code;
}

/*
 * submit_close - finish the message.  Returns 0 with the queue id (or,
 * for maildrop, the file name) in out; 4 or 5 with "X.Y.Z text" in out,
 * and then nothing was queued.  SUBMIT_SINK: what the sink says (the
 * relay: 0 once it took the message; 4 or 5 when it did not, for some
 * recipient at least).  Frees s.
 */
int
submit_close(struct submit *s, struct str *out)
{
	int code = 4;

	str_reset(out);
	if (!s->mesg)
		submit_rec(s, REC_MESG, "", 0);
	queue_rec(&s->io.wbuf, REC_XTRA, "", 0);
	queue_rec(&s->io.wbuf, REC_END, "", 0);
	if (s->how == SUBMIT_SINK) {
		code = s->send(s->id, &s->tv, s->io.wbuf.s,
		    s->io.wbuf.len, out);
		if (code == 0)
			str_set(out, s->id);
		goto out;
	}
	if (io_flush(&s->io) < 0) {
		warn("%s: %s", s->how == SUBMIT_MAILDROP ? s->path :
		    "send to cleanup", strerror(s->io.err));
		str_set(out, "4.3.0 Queue file write error");
		goto out;
	}
	if (s->how == SUBMIT_CLEANUP) {
		code = answer(s, out);
		goto out;
	}
	/* marked complete before the one flush, which makes the mark last */
	if (fchmod(s->fd, 0600 | MAILDROP_MODE_READY) < 0 ||
	    fsync(s->fd) < 0) {
		warn("%s: %s", s->path, strerror(errno));
		str_set(out, "4.3.0 Queue file write error");
		goto out;
	}
	str_set(out, s->name);
	code = 0;
out:
	if (code != 0 && s->how == SUBMIT_MAILDROP)
		unlink(s->path);
	submit_free(s);
	return code;
}

/*
 * submit_abort - give up: cleanup sees the stream end without REC_END
 * and queues nothing; a maildrop file is removed.  Frees s.
 */
void
submit_abort(struct submit *s)
{
	if (s == NULL)
		return;
	if (s->how == SUBMIT_MAILDROP)
		unlink(s->path);
	submit_free(s);
}

/*
 * submit_allowed - may uid post mail (authorized_submit_users, by login
 * name, or by number when there is none)?  1 or 0, with "name" or the
 * number in who; -1 when the list cannot be read, the reason in who.
 * sendmail asks before it reads the message, pickup again for every
 * maildrop file, whose owner may have written it by hand.  Postfix
 * exempts nobody, root included.
 */
int
submit_allowed(uid_t uid, struct str *who)
{
	return match_user(P_authorized_submit_users, uid, 0, who);
}

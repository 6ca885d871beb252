/* MIT licence: see LICENSE. */
/*
 * svc_trig.c - triggers: the short requests ("W", "I", "FA", ...) that
 * master, postqueue, sendmail, smtpd's ETRN and `postfix flush` send to
 * pickup and qmgr on their fifo or unix socket, and the daemons' side:
 * reading them, and asking the kernel who sent one (SO_PEERCRED), for
 * any user may connect to public/pickup and public/qmgr.  The daemons
 * never wait on one client's bytes: a client that connects and never
 * writes must not hold them up.  Man pages: master(8), qmgr(8),
 * pickup(8).
 */
#define _GNU_SOURCE	/* struct ucred */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "str.h"
#include "svc.h"
#include "x.h"

/*
 * svc_trigger_path - send the request bytes to the fifo or unix socket
 * at path.  Never blocks: a busy daemon finds the bytes later.  0 on
 * success, -1 with errno (EAGAIN: the daemon is far behind).
 */
int
svc_trigger_path(const char *path, const char *req)
{
	struct sockaddr_un sun;
	struct stat st;
	size_t len = strlen(req);
	int fd = -1, r = -1, saved;

	if (stat(path, &st) < 0)
		return -1;
	if (S_ISFIFO(st.st_mode)) {
		/*
		 * the name may have changed since stat (public/ is
		 * mail_owner's): as root, never write to what a link names
		 */
		if ((fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC |
		    O_NOFOLLOW)) < 0)
			goto out;
		if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode)) {
			errno = ENOTSOCK;
			goto out;
		}
	} else if (S_ISSOCK(st.st_mode)) {
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (str_copy(sun.sun_path, path, sizeof(sun.sun_path)) >=
		    sizeof(sun.sun_path)) {
			errno = ENAMETOOLONG;
			goto out;
		}
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sun,
		    sizeof(sun)) < 0)
			goto out;
	} else {
		errno = ENOTSOCK;
		goto out;
	}
	/*
	 * pickup takes a connection whose bytes are not there yet for a
	 * wake-up and closes it (svc_trigger_read): the request was had,
	 * and a closed peer is no reason for SIGPIPE or a failure.
	 */
	if (S_ISSOCK(st.st_mode) ? send(fd, req, len, MSG_NOSIGNAL) ==
	    (ssize_t)len || errno == EPIPE || errno == ECONNRESET :
	    write(fd, req, len) == (ssize_t)len)
		r = 0;
out:
	saved = errno;
	if (fd >= 0)
		close(fd);
	errno = saved;
	return r;
}

/*
 * svc_trigger - send the request bytes (SVC_TRIG_*) to the daemon NAME:
 * to $queue_directory/public/NAME, else private/NAME.  A daemon that is
 * not running finds its work when master starts it.  0 on success, -1
 * with errno.
 */
int
svc_trigger(const char *qdir, const char *name, const char *req)
{
	char *path;
	int r, saved;

	if ((path = svc_locate(qdir, name)) == NULL) {
		errno = ENOENT;
		return -1;
	}
	r = svc_trigger_path(path, req);
	saved = errno;
	free(path);
	errno = saved;
	return r;
}

/*
 * svc_peer_uid - the uid of the process at the other end of the unix
 * socket fd, as the kernel saw it at connect(): 0 with *uid, -1 when
 * the kernel does not say.  Only a unix socket names its peer: Linux
 * answers SO_PEERCRED on a TCP socket too, with the overflow uid
 * (nobody's), which would let a network client pass for nobody.
 */
int
svc_peer_uid(int fd, uid_t *uid)
{
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
#if defined(SO_PEERCRED)
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) < 0 ||
	    ss.ss_family != AF_UNIX)
		return -1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
	    len != sizeof(cred))
		return -1;
	*uid = cred.uid;
	return 0;
#else
	gid_t gid;

	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) < 0 ||
	    ss.ss_family != AF_UNIX)
		return -1;
	return getpeereid(fd, uid, &gid);
#endif
}

/*
 * svc_trigger_accept - one client of the trigger socket fd: the
 * connection (non-blocking, close-on-exec) and in *uid who it is, or
 * (uid_t)-1 when the kernel does not say.  -1 when none waits.
 */
int
svc_trigger_accept(int fd, uid_t *uid)
{
	int c;

	if ((c = accept(fd, NULL, NULL)) < 0)
		return -1;
	fcntl(c, F_SETFD, FD_CLOEXEC);
	fcntl(c, F_SETFL, fcntl(c, F_GETFL) | O_NONBLOCK);
	if (svc_peer_uid(c, uid) < 0)
		*uid = (uid_t)-1;
	return c;
}

/*
 * svc_trigger_read - for pickup: wait up to timeout seconds (-1:
 * forever) for requests on fd, its fd 0 from master (a listening unix
 * socket or a fifo), and put up to len request bytes in buf.  Returns
 * the number of bytes, 0 on timeout, -1 on an error.  Interrupted by a
 * signal: 0, so the caller looks at its flags.  A connection is not
 * waited on for its bytes (a client that never writes would hold the
 * daemon): one whose bytes are not there yet is a wake-up, "W".  qmgr,
 * whose requests mean more, keeps such connections (svc_trig_*).
 */
int
svc_trigger_read(int fd, char *buf, size_t len, int timeout)
{
	struct pollfd pfd;
	struct stat st;
	ssize_t n;
	uid_t uid;
	int c;

	if (fstat(fd, &st) < 0 || len == 0)
		return -1;
	pfd.fd = fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	if ((n = poll(&pfd, 1, timeout < 0 ? -1 : timeout * 1000)) <= 0)
		return n < 0 && errno != EINTR ? -1 : 0;
	if (S_ISFIFO(st.st_mode)) {
		n = read(fd, buf, len);
		return n < 0 ? (errno == EAGAIN || errno == EINTR ? 0 : -1) :
		    (int)n;
	}
	if ((c = svc_trigger_accept(fd, &uid)) < 0)
		return errno == EAGAIN || errno == EINTR ||
		    errno == ECONNABORTED ? 0 : -1;
	if ((n = read(c, buf, len)) <= 0) {
		buf[0] = SVC_TRIG_WAKEUP;
		n = 1;
	}
	close(c);
	return (int)n;
}

/* clients yet to write --------------------------------------------------- */

static void
trig_drop(struct svc_trig *t, size_t i)
{
	close(t->c[i].fd);
	t->c[i] = t->c[--t->n];
}

/*
 * svc_trig_accept - the clients waiting on the trigger socket lfd: each
 * one's request goes to fn with the client's uid ((uid_t)-1 unknown).
 * A client whose bytes have not come yet waits in t, SVC_TRIG_WAIT
 * seconds at most, for the caller to poll (svc_trig_pollfds); when all
 * SVC_TRIG_CONNS places are taken the oldest goes.
 */
void
svc_trig_accept(struct svc_trig *t, int lfd, svc_trig_fn fn, void *ctx)
{
	char buf[64];
	ssize_t k;
	uid_t uid;
	int c, i;

	for (i = 0; i < SVC_TRIG_CONNS; i++) {
		if ((c = svc_trigger_accept(lfd, &uid)) < 0)
			break;
		if ((k = read(c, buf, sizeof(buf))) > 0)
			fn(ctx, buf, (int)k, uid);
		if (k >= 0 || (errno != EAGAIN && errno != EINTR)) {
			close(c);
			continue;
		}
		if (t->n == SVC_TRIG_CONNS) {
			close(t->c[0].fd);
			memmove(&t->c[0], &t->c[1],
			    (SVC_TRIG_CONNS - 1) * sizeof(t->c[0]));
			t->n--;
		}
		t->c[t->n].fd = c;
		t->c[t->n].uid = uid;
		t->c[t->n].until = time(NULL) + SVC_TRIG_WAIT;
		t->n++;
	}
}

/* svc_trig_pollfds - add the waiting clients to pfd; how many were added */
size_t
svc_trig_pollfds(const struct svc_trig *t, struct pollfd *pfd)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		pfd[i].fd = t->c[i].fd;
		pfd[i].events = POLLIN;
		pfd[i].revents = 0;
	}
	return t->n;
}

/*
 * svc_trig_ready - the waiting client fd polled ready: its request to fn,
 * and it is done.  Nothing if fd is not one of t's.
 */
void
svc_trig_ready(struct svc_trig *t, int fd, svc_trig_fn fn, void *ctx)
{
	char buf[64];
	ssize_t k;
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->c[i].fd == fd)
			break;
	if (i == t->n)
		return;
	k = read(fd, buf, sizeof(buf));
	if (k < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (k > 0)
		fn(ctx, buf, (int)k, t->c[i].uid);
	trig_drop(t, i);
}

/* svc_trig_expire - drop the clients that had their time to write */
void
svc_trig_expire(struct svc_trig *t)
{
	time_t now = time(NULL);
	size_t i;

	for (i = t->n; i-- > 0;)
		if (t->c[i].until <= now)
			trig_drop(t, i);
}

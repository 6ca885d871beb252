/* MIT licence: see LICENSE. */
/*
 * svc_serve.c - the frame of a long-lived service process (smtpd,
 * cleanup, the delivery agents, showq), as Postfix's single_server.
 *
 * master starts a service process with its listeners, not with a
 * connection: fd SVC_STATUS_FD is the write end of master's status pipe,
 * the listeners follow it from SVC_LISTEN_FD on, and the environment
 * variable SVC_SERVE_ENV says how many there are.  The process accepts
 * client after client, one at a time, each on fd 0 and fd 1, and tells
 * master through the status pipe when it takes one and when it is free
 * again, so that master starts another process only when none is free.
 * It exits after max_use clients, after max_idle seconds without one,
 * on SIGHUP (master's reload: the client it has is finished first) and
 * when master is gone.  Started any other way (by hand, by inetd, by
 * sendmail -bs, by svc_spawn when no master runs), it serves the one
 * client it was given on fd 0 and fd 1.  Man page: master(8).
 */
#define _GNU_SOURCE	/* ppoll() */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "svc.h"
#include "x.h"

const char *(*svc_serve_stale)(void);
static volatile sig_atomic_t hup;
static int under;		/* run by master: the status pipe is there */
static int said_free;		/* svc_serve_free() told master already */
static int last_client;		/* the process ends after this client */
static long long timer_at;		/* svc_serve_timer(): ms, 0 none */
static void (*timer_fn)(void *);
static void *timer_ctx;

static void
onhup(int sig)
{
	(void)sig;
	hup = 1;
}


/* svc_serve_timer - see svc.h */
void
svc_serve_timer(long long at, void (*fn)(void *), void *ctx)
{
	timer_at = fn ? at : 0;
	timer_fn = fn;
	timer_ctx = ctx;
}

/* svc_serve_now - the clock svc_serve_timer() takes: monotonic ms */
long long
svc_serve_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* tell master whether this process is free for a client */
static int
status(int avail)
{
	struct svc_status st;

	memset(&st, 0, sizeof(st));
	st.pid = (int32_t)getpid();
	st.avail = avail;
	/* a write this small to a pipe is atomic; master gone: EPIPE */
	return write(SVC_STATUS_FD, &st, sizeof(st)) == (ssize_t)sizeof(st)
	    ? 0 : -1;
}

/* whether a table changed since it was opened (logged once) */
static int
stale(void)
{
	const char *name;

	if (svc_serve_stale == NULL || (name = svc_serve_stale()) == NULL)
		return 0;
	info("table %s has changed -- restarting", name);
	return 1;
}

/* put the client on fd 0 and fd 1 (or /dev/null there when conn < 0) */
static void
client_fds(int conn)
{
	int fd = conn;

	if (fd < 0 && (fd = open("/dev/null", O_RDWR)) < 0)
		die("open /dev/null:");
	if (fd != 0)
		dup2(fd, 0);
	if (fd != 1)
		dup2(fd, 1);
	if (fd > 1)
		close(fd);
}

/*
 * wait_client - poll the listeners (and the status pipe, which errs when
 * master is gone) until a client comes: its descriptor, or -1 when the
 * process should end (idle too long, reload, master gone)
 */
static int
wait_client(size_t n, long long idle_ms)
{
	struct pollfd pfd[SVC_LISTEN_MAX + 1];
	long long until, now, at;
	sigset_t hupset, old;
	size_t i;
	int r, fd, timeout;

	sigemptyset(&hupset);
	sigaddset(&hupset, SIGHUP);
	until = svc_serve_now() + idle_ms;
	for (;;) {
		now = svc_serve_now();
		if (timer_at && now >= timer_at) {
			timer_at = 0;
			timer_fn(timer_ctx);
			continue;
		}
		if (now >= until)
			return -1;
		at = until;
		if (timer_at && timer_at < at)
			at = timer_at;
		timeout = (int)(at - now);
		for (i = 0; i < n; i++) {
			pfd[i].fd = SVC_LISTEN_FD + (int)i;
			pfd[i].events = POLLIN;
		}
		pfd[n].fd = SVC_STATUS_FD;
		pfd[n].events = 0;	/* POLLERR comes anyway */
		/* SIGHUP only inside poll: none is lost before it */
		sigprocmask(SIG_BLOCK, &hupset, &old);
		if (hup) {
			sigprocmask(SIG_SETMASK, &old, NULL);
			return -1;
		}
		{
			struct timespec ts;

			ts.tv_sec = timeout / 1000;
			ts.tv_nsec = (long)(timeout % 1000) * 1000000;
			r = ppoll(pfd, n + 1, &ts, &old);
		}
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			die("poll:");
		}
		if (pfd[n].revents & (POLLERR | POLLHUP | POLLNVAL))
			return -1;	/* master is gone */
		for (i = 0; i < n; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLERR | POLLHUP)))
				continue;
			/* the client is left to a process that reads the
			 * new table, as Postfix's daemons do */
			if (stale())
				return -1;
			/* another process may have taken it: EAGAIN */
			fd = accept(pfd[i].fd, NULL, NULL);
			if (fd < 0) {
				if (errno != EAGAIN && errno != EINTR &&
				    errno != ECONNABORTED &&
				    errno != EWOULDBLOCK)
					warn("accept: %s", strerror(errno));
				continue;
			}
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
			return fd;
		}
	}
}

/* svc_serve_free - see svc.h */
void
svc_serve_free(void)
{
	if (!under || said_free || last_client || hup)
		return;
	if (status(1) == 0)
		said_free = 1;
}

/* svc_serve - see svc.h */
int
svc_serve(int (*fn)(void *), void *ctx)
{
	struct sigaction sa;
	const char *v;
	long long idle_ms;
	long max_use, used;
	size_t n, i;
	int r = 0, fd;

	if ((v = getenv(SVC_SERVE_ENV)) == NULL)
		return fn(ctx);
	n = (size_t)strtoul(v, NULL, 10);
	/* not for the programs this one runs (local's commands, sendmail) */
	unsetenv(SVC_SERVE_ENV);
	if (n == 0 || n > SVC_LISTEN_MAX)
		die("%s=%s: bad listener count", SVC_SERVE_ENV, v);
	fcntl(SVC_STATUS_FD, F_SETFD, FD_CLOEXEC);
	for (i = 0; i < n; i++)
		fcntl(SVC_LISTEN_FD + (int)i, F_SETFD, FD_CLOEXEC);
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = onhup;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGHUP, &sa, NULL);
	/* a client gone is an error of its own, not the process's end
	 * (the programs the services run get SIGPIPE back, see svc_spawn
	 * and local's commands) */
	signal(SIGPIPE, SIG_IGN);
	under = 1;
	max_use = conf_int(P_max_use);
	idle_ms = conf_time(P_max_idle) * 1000LL;
	for (used = 0; max_use <= 0 || used < max_use; used++) {
		client_fds(-1);
		if ((fd = wait_client(n, idle_ms)) < 0)
			break;
		if (status(0) < 0)
			warn("master status: %s", strerror(errno));
		client_fds(fd);
		said_free = 0;
		last_client = max_use > 0 && used + 1 >= max_use;
		r = fn(ctx);
		/* the client sees the end before master hears of it */
		client_fds(-1);
		if (r != 0 || hup || stale())
			break;
		if (!said_free && status(1) < 0)
			break;	/* master is gone */
	}
	return r;
}

/* MIT licence: see LICENSE. */
/*
 * svc_run.c - the running side of the service table: binding listeners
 * (master, as root before it gives children away), reaching a unix
 * service, the lock on master.pid, and re-executing the binary.  The
 * triggers that pickup and qmgr read on their fd 0 are svc_trig.c's.
 * Man page: master(8).
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "str.h"
#include "svc.h"
#include "x.h"

/*
 * svc_locate - the socket or fifo of the service NAME: public/NAME when
 * it exists (Postfix's master.cf puts cleanup, pickup and qmgr there),
 * else private/NAME when it exists, else NULL.  Allocated.
 */
char *
svc_locate(const char *qdir, const char *name)
{
	struct stat st;
	char *path;

	path = xasprintf("%s/public/%s", qdir, name);
	if (stat(path, &st) == 0)
		return path;
	free(path);
	path = xasprintf("%s/private/%s", qdir, name);
	if (stat(path, &st) == 0)
		return path;
	free(path);
	return NULL;
}

/*
 * svc_connect - connect to the unix service NAME (svc_locate).  The
 * socket, or -1 with errno; ENOENT and ECONNREFUSED (nothing listens)
 * leave err empty so that the caller may fall back to svc_spawn().
 */
int
svc_connect(const char *qdir, const char *name, struct str *err)
{
	struct sockaddr_un sun;
	char *path;
	int fd;

	/* master.cf decides: public/NAME or private/NAME */
	if ((path = svc_locate(qdir, name)) == NULL) {
		errno = ENOENT;
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (str_copy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		str_addf(err, "%s: path too long", path);
		free(path);
		errno = ENAMETOOLONG;
		return -1;
	}
	free(path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		str_addf(err, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		int e = errno;

		close(fd);
		if (e != ENOENT && e != ECONNREFUSED)
			str_addf(err, "connect to %s: %s", sun.sun_path,
			    strerror(e));
		errno = e;
		return -1;
	}
	return fd;
}

/*
 * svc_spawn - run this binary as NAME on one end of a socketpair (its
 * fds 0 and 1, as master's unix services get their connection), for
 * when master is not running; returns our end, -1 with err
 */
int
svc_spawn(const char *name, pid_t *pid, struct str *err)
{
	const char *paths[3];
	char *alt1, *alt2, *argv[6];
	int sv[2], i;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		str_addf(err, "socketpair: %s", strerror(errno));
		return -1;
	}
	alt1 = xasprintf("%s/mta", conf_str(P_daemon_directory));
	alt2 = xasprintf("%s/mta", conf_str(P_command_directory));
	paths[0] = "/proc/self/exe";
	paths[1] = alt1;
	paths[2] = alt2;
	argv[0] = (char *)name;
	argv[1] = "-c";
	argv[2] = (char *)conf_dir();
	argv[3] = NULL;
	/* a daemon under master logs through its stderr: so does the child */
	if (strcmp(conf_str(P_maillog_file), "/dev/stderr") == 0) {
		argv[3] = "-o";
		argv[4] = "maillog_file=/dev/stderr";
		argv[5] = NULL;
	}
	switch (*pid = fork()) {
	case -1:
		str_addf(err, "fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		free(alt1);
		free(alt2);
		return -1;
	case 0:
		signal(SIGPIPE, SIG_DFL);
		if (dup2(sv[1], 0) < 0 || dup2(sv[1], 1) < 0)
			_exit(EX_OSERR);
		for (i = 0; i < 3; i++)
			execv(paths[i], argv);
		_exit(EX_OSERR);
	}
	close(sv[1]);
	free(alt1);
	free(alt2);
	return sv[0];
}

/*
 * svc_exec_self - run this binary again with argv (argv[0] picks the
 * applet) and envp: the file /proc/self/exe names (so that ps shows
 * "mta", not "exe"), else /proc/self/exe itself (the binary was replaced
 * or removed), else fallback (the path master was started as), else
 * $daemon_directory/mta.  Returns only on failure.
 */
void
svc_exec_self(const char *fallback, char **argv, char **envp)
{
	char self[4096], *path, **av = NULL;
	ssize_t n;

	/*
	 * MTA_APPLET_ARG in the environment (bench/profile.sh): run as
	 * "mta APPLET args", since valgrind --trace-children puts the
	 * file's path in argv[0] and the applet would be lost
	 */
	if (getenv("MTA_APPLET_ARG") != NULL) {
		for (n = 0; argv[n]; n++)
			;
		av = xcalloc((size_t)n + 2, sizeof(*av));
		av[0] = "mta";
		memcpy(av + 1, argv, ((size_t)n + 1) * sizeof(*av));
		argv = av;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0 && (size_t)n < sizeof(self) - 1) {
		self[n] = 0;
		execve(self, argv, envp);
	}
	execve("/proc/self/exe", argv, envp);
	if (fallback && strchr(fallback, '/'))
		execve(fallback, argv, envp);
	path = xasprintf("%s/mta", conf_str(P_daemon_directory));
	execve(path, argv, envp);
	free(path);
	free(av);
}

/*
 * svc_lock - create and lock master's pid file at path (its directory
 * too) and write our pid in it, in Postfix's shape (ten columns and a
 * newline).  The lock lives as long as the process.  Returns the
 * descriptor, or -1 with errno (EAGAIN or EACCES: another holds it).
 */
int
svc_lock(const char *path)
{
	struct flock fl;
	char *dir, *slash, buf[32];
	int fd, n, saved;

	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')) != NULL) {
		*slash = 0;
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			free(dir);
			return -1;
		}
	}
	free(dir);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0)
		return -1;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	n = snprintf(buf, sizeof(buf), "%10ld\n", (long)getpid());
	if (fcntl(fd, F_SETLK, &fl) < 0 || ftruncate(fd, 0) < 0 ||
	    pwrite(fd, buf, (size_t)n, 0) != n) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/*
 * svc_master_pid - the pid of the master that holds the lock on
 * $queue_directory/pid/master.pid; 0 when none does (no file, or a
 * stale one), -1 when the file cannot be read.
 */
long
svc_master_pid(const char *qdir)
{
	struct flock fl;
	char *path;
	int fd;

	path = xasprintf("%s/pid/master.pid", qdir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_GETLK, &fl) < 0) {
		close(fd);
		return -1;
	}
	close(fd);
	return fl.l_type == F_UNLCK ? 0 : (long)fl.l_pid;
}

/* listeners -------------------------------------------------------------- */

/*
 * svc_key - what the listeners of s are bound to, as text: a reload
 * keeps the sockets of a service whose key did not change (allocated).
 */
char *
svc_key(const struct svc *s, const char *qdir)
{
	char *path, *key;

	if (s->type == SVC_INET)
		return xasprintf("inet [%s]:%s %s / %s", s->host ? s->host :
		    "", s->port, s->host ? "" : conf_str(P_inet_interfaces),
		    conf_str(P_inet_protocols));
	path = svc_path(qdir, s);
	key = xasprintf("%s %s", svc_type_name(s->type), path);
	free(path);
	return key;
}

static void
addfd(int **fds, size_t *nfd, int fd)
{
	*fds = xreallocarray(*fds, *nfd + 1, sizeof(**fds));
	(*fds)[(*nfd)++] = fd;
}

/* the port of an inet service, also where /etc/services is missing */
static const char *
port_number(const char *port)
{
	static const char *const known[][2] = {
		{ "smtp", "25" }, { "submission", "587" },
		{ "submissions", "465" }, { "smtps", "465" },
		{ "lmtp", "24" }, { "urd", "465" },
	};
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(port, known[i][0]) == 0)
			return known[i][1];
	return port;
}

static int
listen_addr(const struct addrinfo *ai, const char *what, int **fds,
    size_t *nfd)
{
	int fd, one = 1;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, ai->ai_protocol);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 ||
	    listen(fd, SVC_BACKLOG) < 0) {
		error("bind %s: %s", what, strerror(errno));
		close(fd);
		errno = 0;
		return -1;
	}
	addfd(fds, nfd, fd);
	return 0;
}

/*
 * One host (NULL: the wildcard) of an inet service, in each family of
 * inet_protocols.  A family the kernel lacks is skipped quietly when
 * inet_protocols is "all", as Postfix does.
 */
static int
listen_host(const char *host, const char *port, int v4, int v6, int all,
    int **fds, size_t *nfd)
{
	struct addrinfo hints, *res, *ai;
	struct str what = STR_INIT;
	int r, ok = 0, bad = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = v4 && v6 ? AF_UNSPEC : v4 ? AF_INET : AF_INET6;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if ((r = getaddrinfo(host, port_number(port), &hints, &res)) != 0) {
		error("inet service %s:%s: %s", host ? host : "*", port,
		    gai_strerror(r));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		str_reset(&what);
		str_addf(&what, "%s port %s", host ? host :
		    ai->ai_family == AF_INET6 ? "[::]" : "0.0.0.0",
		    port_number(port));
		if (listen_addr(ai, what.s, fds, nfd) == 0)
			ok++;
		else if (errno == EAFNOSUPPORT && all && !host)
			continue;
		else {
			if (errno)
				error("socket %s: %s", what.s,
				    strerror(errno));
			bad++;
		}
	}
	freeaddrinfo(res);
	str_free(&what);
	return bad || !ok ? -1 : 0;
}

static int
listen_inet(const struct svc *s, int **fds, size_t *nfd)
{
	char *protos, *ifaces, *p, *w;
	int v4 = 0, v6 = 0, all = 0, r = 0;

	protos = xstrdup(conf_str(P_inet_protocols));
	for (p = protos; (w = str_token(&p, ", \t\r\n")) != NULL;) {
		if (strcmp(w, "all") == 0)
			v4 = v6 = all = 1;
		else if (strcmp(w, "ipv4") == 0)
			v4 = 1;
		else if (strcmp(w, "ipv6") == 0)
			v6 = 1;
		else {
			error("bad inet_protocols value: %s", w);
			r = -1;
		}
	}
	free(protos);
	if (r < 0 || (!v4 && !v6))
		return -1;
	if (s->host)
		return listen_host(s->host, s->port, v4, v6, all, fds, nfd);
	ifaces = xstrdup(conf_str(P_inet_interfaces));
	for (p = ifaces; r == 0 && (w = str_token(&p, ", \t\r\n")) != NULL;) {
		if (strcmp(w, "all") == 0) {
			r = listen_host(NULL, s->port, v4, v6, all, fds, nfd);
		} else if (strcmp(w, "loopback-only") == 0) {
			if (v4)
				r = listen_host("127.0.0.1", s->port, 1, 0, 0,
				    fds, nfd);
			if (v6 && r == 0)
				r = listen_host("::1", s->port, 0, 1, all, fds,
				    nfd);
		} else {
			if (*w == '[' && w[strlen(w) - 1] == ']') {
				w[strlen(w) - 1] = 0;
				w++;
			}
			r = listen_host(w, s->port, v4, v6, all, fds, nfd);
		}
	}
	free(ifaces);
	return r;
}

/*
 * The fifo or unix socket of s, made inside private/ or public/, which
 * mail_owner owns: so that mail_owner cannot turn the name into a link
 * to a file of root's between our calls, the names are made with its
 * effective IDs (as Postfix's master does), a fifo is opened without
 * following a link and must be one by fstat, and a socket takes its
 * mode from the umask at bind(), never from a chmod by name.
 */
static int
listen_local(const struct svc *s, const char *path)
{
	struct sockaddr_un sun;
	struct stat st;
	mode_t mask;
	int fd = -1, saved;

	if (unlink(path) < 0 && errno != ENOENT)
		return -1;
	if (s->type == SVC_FIFO) {
		if (mkfifo(path, 0600) < 0 || (fd = open(path, O_RDWR |
		    O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW)) < 0)
			return -1;
		if (fstat(fd, &st) < 0)
			goto fail;
		if (!S_ISFIFO(st.st_mode) || st.st_uid != geteuid()) {
			errno = EPERM;
			goto fail;
		}
		/*
		 * A fifo cannot say who wrote: anyone may write only to
		 * pickup's, whose one request (look at maildrop now) is
		 * harmless.  qmgr's flush requests need a socket to be
		 * checked against authorized_flush_users; on a fifo they
		 * come only from root and mail_owner.  fchmod: the umask
		 * must not take the others' write bit.
		 */
		if (fchmod(fd, strcmp(s->command, "pickup") == 0 ? 0622 :
		    0600) < 0)
			goto fail;
		return fd;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (str_copy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	/*
	 * Anyone may connect to pickup, qmgr and showq, which ask the
	 * kernel who connected (SO_PEERCRED): pickup takes only wake-ups,
	 * qmgr honours a flush only from root, mail_owner and
	 * authorized_flush_users, showq lists the queue only to
	 * authorized_mailq_users.  No other socket is for users, whatever
	 * its directory: with no set-gid postdrop, public/cleanup open to
	 * all would let any user forge the attributes that smtpd and
	 * pickup vouch for.
	 */
	mask = umask(svc_is_daemon(s) || strcmp(s->command, "showq") == 0 ?
	    0111 : 0177);
	saved = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(mask);
	if (saved < 0 || listen(fd, SVC_BACKLOG) < 0)
		goto fail;
	return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/*
 * svc_listen - bind the listeners of s: inet sockets per inet_interfaces
 * and inet_protocols (or the host of host:port), or the unix socket or
 * fifo under $queue_directory/private or public, made as uid:gid when
 * running as root.  Descriptors are non-blocking and close-on-exec.
 * 0 on success; -1, with the reasons logged and nothing left open.
 */
int
svc_listen(const struct svc *s, const char *qdir, uid_t uid, gid_t gid,
    int **fds, size_t *nfd)
{
	char *path;
	int fd, saved, root = geteuid() == 0 && uid != 0;

	*fds = NULL;
	*nfd = 0;
	if (s->type == SVC_INET) {
		if (listen_inet(s, fds, nfd) == 0)
			return 0;
		while (*nfd > 0)
			close((*fds)[--*nfd]);
		free(*fds);
		*fds = NULL;
		return -1;
	}
	path = svc_path(qdir, s);
	if (root && (setegid(gid) < 0 || seteuid(uid) < 0)) {
		saved = errno;
		if (setegid(0) < 0)
			die("setegid 0:");
		errno = saved;
		fd = -1;
	} else {
		fd = listen_local(s, path);
		saved = errno;
		if (root && (seteuid(0) < 0 || setegid(0) < 0))
			die("cannot get root privileges back:");
		errno = saved;
	}
	if (fd < 0) {
		error("%s service %s: %s: %s", svc_type_name(s->type),
		    s->name, path, strerror(errno));
		free(path);
		return -1;
	}
	addfd(fds, nfd, fd);
	free(path);
	return 0;
}

/* environment ------------------------------------------------------------ */

static void
addenv(char ***env, size_t *n, const char *name, const char *val)
{
	size_t i, len = strlen(name);
	char *kv = xasprintf("%s=%s", name, val);

	for (i = 0; i < *n; i++)
		if (strncmp((*env)[i], name, len) == 0 &&
		    (*env)[i][len] == '=') {
			free((*env)[i]);
			(*env)[i] = kv;
			return;
		}
	*env = xreallocarray(*env, *n + 2, sizeof(**env));
	(*env)[(*n)++] = kv;
	(*env)[*n] = NULL;
}

/*
 * svc_env - the environment of the programs master runs: those of
 * import_environment (NAME copies the variable when set, NAME=value sets
 * it), MAIL_CONFIG=confdir, and a test build's sanitizer settings so that
 * its children report too.  Free it with svc_env_free().
 */
char **
svc_env(const char *confdir)
{
	static const char *const keep[] = { "ASAN_OPTIONS", "UBSAN_OPTIONS" };
	char **env, *copy, *p, *w, *eq;
	const char *v;
	size_t i, n = 0;

	env = xcalloc(1, sizeof(*env));
	copy = xstrdup(conf_str(P_import_environment));
	for (p = copy; (w = str_token(&p, ", \t\r\n")) != NULL;) {
		if ((eq = strchr(w, '=')) != NULL) {
			*eq = 0;
			addenv(&env, &n, w, eq + 1);
		} else if ((v = getenv(w)) != NULL) {
			addenv(&env, &n, w, v);
		}
	}
	free(copy);
	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		if ((v = getenv(keep[i])) != NULL)
			addenv(&env, &n, keep[i], v);
	addenv(&env, &n, "MAIL_CONFIG", confdir);
	return env;
}

/* svc_env_free - release what svc_env() made */
void
svc_env_free(char **env)
{
	size_t i;

	for (i = 0; env && env[i]; i++)
		free(env[i]);
	free(env);
}

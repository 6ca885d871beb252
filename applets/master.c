/* MIT licence: see LICENSE. */
/*
 * master.c - the supervisor of the mail system.
 *
 * Started by `postfix start` (or by hand, or by an init system with -d),
 * as root or as an ordinary user.  master reads main.cf and the service
 * table (master.cf, or the compiled default), takes the lock on
 * $queue_directory/pid/master.pid, binds every listener itself, and
 * then runs services as Postfix does: when a client waits on a listener
 * and no process of that service is free, master starts one (up to the
 * service's process limit), which drops to mail_owner (all but local and
 * smtpd, which drop on their own) and re-executes this binary as the
 * service's program with the service's listeners.  That process accepts
 * client after client itself (svc_serve.c) and says on master's status
 * pipe when it is busy and when it is free, until max_use clients or
 * max_idle seconds idle.  pickup and qmgr are daemons instead: started
 * at boot, restarted when they exit, given their listening socket or
 * fifo on fd 0, and woken every "wakeup" seconds with a 'W' trigger on
 * it.  A reload sends the service processes SIGHUP: each finishes its
 * client and exits, and new ones read the new configuration.  master
 * itself keeps root, so that a reload can bind new privileged ports.
 * Man page: master(8).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "../config.h"
#include "../lib/conf.h"
#include "../lib/log.h"
#include "../lib/priv.h"
#include "../lib/queue/queue.h"
#include "../lib/str.h"
#include "../lib/svc.h"
#include "../lib/x.h"

#define USAGE	"usage: master [-dDistvw] [-c config_dir] [-e exit_time]"

/* a service of the running table */
struct service {
	struct svc s;		/* its master.cf line */
	int	*fd;		/* its listeners */
	size_t	nfd;
	char	*key;		/* what the listeners are bound to */
	int	daemon;		/* pickup, qmgr: one process, always */
	int	nproc;		/* running processes */
	int	avail;		/* of them, free for a client */
	int	maxproc;	/* 0: no limit */
	int	gone;		/* removed by a reload, waits for its kids */
	long long throttle_until; /* ms: no new process before */
	long long next_wake;	/* ms: next 'W' trigger; 0: none */
	long long limit_said;	/* ms: last "process limit" warning */
	int	waiting;	/* a client waits, at the limit: not polled
				 * until a process is free or gone */
};

/* the settings of this master */
static struct master {
	char	*confdir;	/* -c, $MAIL_CONFIG or CONFIG_DIR */
	char	*mcf;		/* $confdir/master.cf */
	char	*qdir;		/* queue_directory */
	char	*self;		/* argv[0]: exec fallback */
	char	*pidfile;
	int	pidfd;
	int	root;		/* started as root */
	uid_t	uid;		/* mail_owner, when root */
	gid_t	gid;
	long long throttle;	/* service_throttle_time, ms */
	int	limit;		/* default_process_limit */
	int	foreground;	/* -d, -i: do not detach */
	int	keep_stderr;	/* -s, -i: children keep stderr */
	int	ready[2];	/* -w: the child says it is up */
	int	status[2];	/* the service processes' status pipe */
	int	maxfd;		/* highest descriptor master opened */
	char	**env;		/* the children's environment */
} m;

static struct service **svcs;	/* the running table */
static size_t nsvcs;
static struct child {
	pid_t	pid;
	struct service *svc;
	long long start;	/* ms, monotonic */
	int	termed;		/* master asked it to stop */
	int	avail;		/* counted in its service's avail */
} *kids;
static size_t nkids;


static int sigpipe[2] = { -1, -1 };
static volatile sig_atomic_t got_hup, got_term, got_int, got_chld;

static void
onsig(int sig)
{
	int saved = errno;
	char c = (char)sig;

	if (sig == SIGHUP)
		got_hup = 1;
	else if (sig == SIGTERM)
		got_term = 1;
	else if (sig == SIGINT || sig == SIGQUIT)
		got_int = 1;
	else if (sig == SIGCHLD)
		got_chld = 1;
	if (write(sigpipe[1], &c, 1) < 0)
		(void)0;
	errno = saved;
}

static void
signals(void)
{
	struct sigaction sa;

	if (pipe(sigpipe) < 0)
		die("pipe:");
	fcntl(sigpipe[0], F_SETFL, O_NONBLOCK);
	fcntl(sigpipe[1], F_SETFL, O_NONBLOCK);
	fcntl(sigpipe[0], F_SETFD, FD_CLOEXEC);
	fcntl(sigpipe[1], F_SETFD, FD_CLOEXEC);
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = onsig;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sa.sa_flags = 0;
	sigaction(SIGPIPE, &sa, NULL);
}

/* a monotonic clock in milliseconds */
static long long
master_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* configuration ---------------------------------------------------------- */

/* where messages go once master runs: stderr only in the foreground */
static void
setup_log(void)
{
	if (m.foreground && *conf_str(P_maillog_file) == 0)
		conf_log(LOG_TO_STDERR);
	else
		conf_log(LOG_TO_SYSLOG);
}

/* read main.cf and the owner's ids; the caller checked it in a child */
static void
load_main(void)
{
	const char *owner;

	conf_load(m.confdir, CONF_QUIET);
	free(m.qdir);
	m.qdir = xstrdup(conf_str(P_queue_directory));
	m.throttle = conf_time(P_service_throttle_time) * 1000;
	m.limit = (int)conf_int(P_default_process_limit);
	if (m.root) {
		owner = conf_str(P_mail_owner);
		if (priv_user(owner, &m.uid, &m.gid) < 0)
			die("file %s: parameter mail_owner: unknown user "
			    "name value: %s", conf_file(), owner);
		if (m.uid == 0)
			die("file %s: parameter mail_owner: user %s has "
			    "privileged user ID: 0", conf_file(), owner);
	}
	svc_env_free(m.env);
	m.env = svc_env(m.confdir);
}

/*
 * check_config - load main.cf and master.cf in a throw-away child, so
 * that a reload with a broken file logs why and keeps the running
 * configuration instead of ending master (conf_load dies on errors).
 */
static int
check_config(void)
{
	struct svc_table t;
	pid_t pid;
	int st;

	if ((pid = fork()) < 0) {
		warn("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		conf_load(m.confdir, CONF_QUIET);
		m.mcf = xasprintf("%s/master.cf", m.confdir);
		_exit(svc_load(m.mcf, &t, 0) < 0 ? 1 : 0);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* children --------------------------------------------------------------- */

/* whether the program drops its privileges itself (or keeps root) */
static int
self_drops(const char *cmd)
{
	static const char *const own[] = { "local", "smtpd", "cleanup",
	    "smtp", "lmtp" };
	size_t i;

	for (i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (strcmp(cmd, own[i]) == 0)
			return 1;
	return 0;
}

/* whether fd is one of tmp[0..n] */
static int
kept(const int *tmp, int n, int fd)
{
	int i;

	for (i = 0; i <= n; i++)
		if (tmp[i] == fd)
			return 1;
	return 0;
}

static void
child_exec(struct service *sv)
{
	struct str arg = STR_INIT, serve = STR_INIT;
	char **argv, **env = m.env;
	const char *ml;
	int i, n = 0, devnull, logfd = -1, hi = 0;
	int tmp[SVC_LISTEN_MAX + 1];
	struct sigaction sa;
	sigset_t none;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	if ((devnull = open("/dev/null", O_RDWR)) < 0)
		_exit(EX_OSERR);
	/*
	 * Started as root, a service cannot open a root-owned maillog_file
	 * once it runs as mail_owner (Postfix has postlogd for this): open
	 * it here, while root, and hand it down as the service's stderr.
	 */
	ml = conf_str(P_maillog_file);
	if (m.root && *ml && strncmp(ml, "/dev/", 5) != 0)
		logfd = log_open(ml);
	/* a daemon gets its listener on fd 0; a service its listeners
	 * from SVC_LISTEN_FD on, after its status pipe (svc_serve.c) */
	if (sv->daemon) {
		dup2(sv->nfd ? sv->fd[0] : devnull, 0);
	} else {
		/* above every descriptor now open and every target */
		hi = m.maxfd > devnull ? m.maxfd : devnull;
		hi = (hi > logfd ? hi : logfd) + 1;
		if (hi < SVC_LISTEN_FD + (int)sv->nfd)
			hi = SVC_LISTEN_FD + (int)sv->nfd;
		for (n = 0; n < (int)sv->nfd && n < SVC_LISTEN_MAX; n++)
			tmp[n + 1] = fcntl(sv->fd[n], F_DUPFD, hi);
		tmp[0] = fcntl(m.status[1], F_DUPFD, hi);
		dup2(devnull, 0);
	}
	dup2(devnull, 1);
	if (logfd >= 0)
		dup2(logfd, 2);
	else if (!m.keep_stderr)
		dup2(devnull, 2);
	/* all of master's descriptors are close-on-exec; this is for
	 * those a library may have opened without */
	for (i = 3; i <= m.maxfd + 2 || i < 64; i++)
		if (!kept(tmp, sv->daemon ? -1 : n, i))
			close(i);
	if (!sv->daemon) {
		for (i = 0; i <= n; i++) {
			if (tmp[i] < 0 || dup2(tmp[i], SVC_STATUS_FD + i) < 0)
				_exit(EX_OSERR);
			close(tmp[i]);
		}
		str_addf(&serve, "%s=%d", SVC_SERVE_ENV, n);
		for (i = 0; m.env[i]; i++)
			;
		env = xcalloc((size_t)i + 2, sizeof(*env));
		memcpy(env, m.env, (size_t)i * sizeof(*env));
		env[i] = serve.s;
	}
	n = 0;

	/*
	 * local stays root; smtpd, cleanup, smtp and lmtp open what may be
	 * root's alone first (the TLS keys, smtp_sasl_password_maps, the
	 * tables), then drop to mail_owner themselves (priv_daemon), as
	 * Postfix's daemons do; the others drop here
	 */
	if (m.root && !self_drops(sv->s.command) &&
	    priv_drop_to(m.uid, m.gid) < 0) {
		warn("%s: cannot drop privileges: %s", sv->s.command,
		    strerror(errno));
		_exit(EX_OSERR);
	}
	argv = xcalloc((size_t)sv->s.argc + 8, sizeof(*argv));
	argv[n++] = sv->s.command;
	argv[n++] = "-c";
	argv[n++] = m.confdir;
	argv[n++] = "-o";
	str_addf(&arg, "service_name=%s", sv->s.name);
	argv[n++] = arg.s;
	if (logfd >= 0) {
		argv[n++] = "-o";
		argv[n++] = "maillog_file=/dev/stderr";
	}
	for (i = 0; i < sv->s.argc; i++)
		argv[n++] = sv->s.argv[i];
	argv[n] = NULL;
	svc_exec_self(m.self, argv, env);
	warn("%s: cannot execute the mta binary: %s", sv->s.command,
	    strerror(errno));
	_exit(EX_OSERR);
}

/* start one process of sv; a service's counts as free until it says */
static void
master_spawn(struct service *sv)
{
	pid_t pid;

	if ((pid = fork()) < 0) {
		warn("fork: %s", strerror(errno));
		sv->throttle_until = master_now() + m.throttle;
		return;
	}
	if (pid == 0)
		child_exec(sv);
	kids = xreallocarray(kids, nkids + 1, sizeof(*kids));
	kids[nkids].pid = pid;
	kids[nkids].svc = sv;
	kids[nkids].start = master_now();
	kids[nkids].termed = 0;
	kids[nkids].avail = !sv->daemon;
	nkids++;
	sv->nproc++;
	sv->avail += !sv->daemon;
}

/* listeners -------------------------------------------------------------- */

static int
listen_service(struct service *sv)
{
	size_t i;

	if (svc_listen(&sv->s, m.qdir, m.uid, m.gid, &sv->fd, &sv->nfd) < 0)
		return -1;
	for (i = 0; i < sv->nfd; i++)
		if (sv->fd[i] > m.maxfd)
			m.maxfd = sv->fd[i];
	return 0;
}

static void
unbind(struct service *sv)
{
	size_t i;

	for (i = 0; i < sv->nfd; i++)
		close(sv->fd[i]);
	free(sv->fd);
	sv->fd = NULL;
	sv->nfd = 0;
}

/*
 * wake - the "wakeup" timer of a service: a 'W' request on its own fifo
 * or unix socket, as any other client would send it (a session service
 * gets a process for it, as in Postfix).
 */
static void
wake(struct service *sv)
{
	char *path;

	if (sv->nfd == 0 || sv->s.type == SVC_INET)
		return;
	if (sv->s.type == SVC_FIFO) {
		if (write(sv->fd[0], "W", 1) < 0 && errno != EAGAIN)
			warn("wakeup %s: %s", sv->s.name, strerror(errno));
		return;
	}
	path = svc_path(m.qdir, &sv->s);
	if (svc_trigger_path(path, "W") < 0 && errno != EAGAIN)
		warn("wakeup %s: %s", path, strerror(errno));
	free(path);
}

/*
 * whether master listens for sv now: none of its processes is free, it
 * is not throttled, and no client is known to wait at its process limit
 */
static int
wants(struct service *sv, long long now)
{
	if (sv->daemon || sv->gone || sv->nfd == 0 || sv->avail > 0)
		return 0;
	if (sv->throttle_until > now)
		return 0;
	return !sv->waiting;
}

/*
 * client - a client waits on a listener of sv: a process for it, or at
 * the process limit the warning (once a minute), and the listener left
 * alone until a process is free or gone (the busy ones take it then)
 */
static void
client(struct service *sv, long long now)
{
	if (sv->maxproc <= 0 || sv->nproc < sv->maxproc) {
		master_spawn(sv);
		return;
	}
	sv->waiting = 1;
	if (now - sv->limit_said > 60000 || sv->limit_said == 0) {
		warn("service \"%s\" (%s) has reached its process limit "
		    "\"%d\": new clients may experience noticeable delays",
		    sv->s.name, sv->s.type == SVC_INET ? sv->s.port :
		    svc_type_name(sv->s.type), sv->maxproc);
		sv->limit_said = now;
	}
}

/* not_avail - kid k no longer counts as free */
static void
not_avail(struct child *k)
{
	if (k->avail) {
		k->avail = 0;
		k->svc->avail--;
	}
}

static void
signal_kids(struct service *only, int sig)
{
	size_t i;

	for (i = 0; i < nkids; i++)
		if (only == NULL || kids[i].svc == only) {
			kids[i].termed = 1;
			/* an old process is no client's any more */
			not_avail(&kids[i]);
			kill(kids[i].pid, sig);
		}
}

/*
 * status - what the service processes said on the status pipe: free or
 * busy.  One that master asked to stop stays out of the count, and a
 * message from a process already reaped is dropped.
 */
static void
status(void)
{
	struct svc_status st[64];
	ssize_t r;
	size_t i, j;

	while ((r = read(m.status[0], st, sizeof(st))) > 0) {
		for (j = 0; j < (size_t)r / sizeof(st[0]); j++) {
			for (i = 0; i < nkids && kids[i].pid != st[j].pid;
			    i++)
				;
			if (i == nkids || kids[i].termed ||
			    kids[i].svc->daemon)
				continue;
			if (st[j].avail && !kids[i].avail) {
				kids[i].avail = 1;
				kids[i].svc->avail++;
				kids[i].svc->waiting = 0;
			} else if (!st[j].avail) {
				not_avail(&kids[i]);
			}
		}
	}
}

static void
drop_service(struct service *sv)
{
	size_t i;

	for (i = 0; i < nsvcs; i++)
		if (svcs[i] == sv) {
			memmove(&svcs[i], &svcs[i + 1],
			    (nsvcs - i - 1) * sizeof(*svcs));
			nsvcs--;
			break;
		}
	unbind(sv);
	svc_free(&sv->s);
	free(sv->key);
	free(sv);
}

static void
reap(void)
{
	struct child c;
	struct service *sv;
	long long now;
	size_t i;
	pid_t pid;
	int st, bad;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (i = 0; i < nkids && kids[i].pid != pid; i++)
			;
		if (i == nkids)
			continue;
		not_avail(&kids[i]);
		c = kids[i];
		kids[i] = kids[--nkids];
		sv = c.svc;
		sv->nproc--;
		sv->waiting = 0;
		now = master_now();
		bad = 0;
		if (WIFEXITED(st) && WEXITSTATUS(st) != 0) {
			warn("process %s pid %ld exit status %d",
			    sv->s.command, (long)pid, WEXITSTATUS(st));
			bad = 1;
		} else if (WIFSIGNALED(st) && !(c.termed &&
		    (WTERMSIG(st) == SIGTERM || WTERMSIG(st) == SIGHUP))) {
			warn("process %s pid %ld killed by signal %d",
			    sv->s.command, (long)pid, WTERMSIG(st));
			bad = 1;
		}
		/*
		 * A process that fails at once (its configuration, its
		 * program) would fail again for the next client, and a
		 * daemon that ends at once would be restarted in a loop:
		 * wait.  One killed by a signal after its start (an admin's
		 * kill -9, a crash in a session) says nothing of the next.
		 */
		if (((bad && !WIFSIGNALED(st)) || (sv->daemon && !c.termed))
		    && now - c.start < 1000 && !sv->gone) {
			warn("%s: bad command startup -- throttling",
			    sv->s.command);
			sv->throttle_until = now + m.throttle;
		}
		if (sv->gone && sv->nproc == 0)
			drop_service(sv);
	}
}

/* reload ----------------------------------------------------------------- */

static int
same_service(const struct service *sv, const struct svc *s)
{
	return sv->s.type == s->type && strcmp(sv->s.name, s->name) == 0;
}

/*
 * install - make the table t the running one.  A service that is still
 * there with the same listener keeps its sockets and its processes; a
 * removed one loses its listeners now and its record when its last
 * process ends; a new one is bound (at start a failure is fatal, at a
 * reload it is logged and the service left out).
 */
static void
install(struct svc_table *t, int boot)
{
	struct service *sv;
	char *key;
	size_t i, j;
	int *taken;

	taken = xcalloc(t->n ? t->n : 1, sizeof(*taken));
	for (i = 0; i < nsvcs; i++) {
		sv = svcs[i];
		if (sv->gone)
			continue;
		for (j = 0; j < t->n; j++) {
			if (taken[j] || !same_service(sv, &t->v[j]))
				continue;
			key = svc_key(&t->v[j], m.qdir);
			if (strcmp(key, sv->key) == 0) {
				taken[j] = 1;
				svc_free(&sv->s);
				sv->s = t->v[j];
				memset(&t->v[j], 0, sizeof(t->v[j]));
			}
			free(key);
			break;
		}
		if (j == t->n || !taken[j]) {
			/* a daemon is told to end; a service's processes
			 * to end once their client is served */
			sv->gone = 1;
			unbind(sv);
			signal_kids(sv, sv->daemon ? SIGTERM : SIGHUP);
		}
	}
	for (j = 0; j < t->n; j++) {
		if (taken[j])
			continue;
		sv = xcalloc(1, sizeof(*sv));
		sv->s = t->v[j];
		memset(&t->v[j], 0, sizeof(t->v[j]));
		sv->daemon = svc_is_daemon(&sv->s);
		sv->key = svc_key(&sv->s, m.qdir);
		if (listen_service(sv) < 0) {
			if (boot)
				die("cannot start service %s/%s",
				    sv->s.name, svc_type_name(sv->s.type));
			error("service %s/%s not started", sv->s.name,
			    svc_type_name(sv->s.type));
			svc_free(&sv->s);
			free(sv->key);
			free(sv);
			continue;
		}
		svcs = xreallocarray(svcs, nsvcs + 1, sizeof(*svcs));
		svcs[nsvcs++] = sv;
	}
	for (i = 0; i < nsvcs; i++) {
		sv = svcs[i];
		sv->maxproc = sv->daemon ? 1 : sv->s.maxproc < 0 ? m.limit :
		    sv->s.maxproc;
		sv->next_wake = sv->s.wakeup ? master_now() +
		    sv->s.wakeup * 1000LL : 0;
	}
	/* drop the gone services that have no process left */
	for (i = nsvcs; i-- > 0;)
		if (svcs[i]->gone && svcs[i]->nproc == 0)
			drop_service(svcs[i]);
	free(taken);
	svc_table_free(t);
}

static void
reload(void)
{
	struct svc_table t;
	size_t i;

	if (check_config() < 0) {
		error("reload: configuration errors: the running "
		    "configuration stays in effect");
		return;
	}
	load_main();
	setup_log();
	if (svc_load(m.mcf, &t, 0) < 0) {
		svc_table_free(&t);
		return;
	}
	info("reload -- version %s, configuration %s", MTA_VERSION,
	    m.confdir);
	conf_noop_warn();
	install(&t, 0);
	/*
	 * daemons restart to see the new configuration; service processes
	 * finish the client they have and exit, and new ones (started for
	 * the next client) read it, certificates included
	 */
	for (i = 0; i < nsvcs; i++)
		if (!svcs[i]->gone)
			signal_kids(svcs[i], svcs[i]->daemon ? SIGTERM :
			    SIGHUP);
}

/* start and stop --------------------------------------------------------- */

/* the queue directories, for a master started without postfix start */
static void
queue(void)
{
	struct str err = STR_INIT;

	if (queue_dirs(m.qdir, m.root ? conf_str(P_mail_owner) : NULL, 1,
	    &err) < 0)
		die("queue directory %s: %s", m.qdir, err.s);
	str_free(&err);
}

static void
pid_lock(void)
{
	m.pidfile = xasprintf("%s/pid/master.pid", m.qdir);
	if ((m.pidfd = svc_lock(m.pidfile)) < 0) {
		if (errno == EAGAIN || errno == EACCES)
			die("the mail system is already running: PID: %ld "
			    "(lock file %s)", svc_master_pid(m.qdir),
			    m.pidfile);
		die("lock file %s:", m.pidfile);
	}
	if (m.pidfd > m.maxfd)
		m.maxfd = m.pidfd;
}

static void
stop(int sig)
{
	long long end;
	size_t i;

	info("terminating on signal %d", sig == SIGKILL ? SIGINT : SIGTERM);
	for (i = 0; i < nsvcs; i++)
		unbind(svcs[i]);
	signal_kids(NULL, sig);
	/* give sessions a moment to end, so the pid file goes last */
	end = master_now() + (sig == SIGKILL ? 0 : 3000);
	while (nkids && master_now() < end) {
		got_chld = 0;
		reap();
		if (nkids)
			usleep(20000);
	}
	if (nkids)
		signal_kids(NULL, SIGKILL);
	unlink(m.pidfile);
	exit(0);
}

/*
 * detach - go to the background: the parent waits for the child's word
 * (-w) that the lock is held and the listeners are bound, or returns at
 * once.  The caller of -w gets exit 0 or 1.
 */
static void
detach(int wait_ready)
{
	pid_t pid;
	char c;
	ssize_t n;

	if (pipe(m.ready) < 0)
		die("pipe:");
	if ((pid = fork()) < 0)
		die("fork:");
	if (pid > 0) {
		close(m.ready[1]);
		if (!wait_ready)
			exit(0);
		while ((n = read(m.ready[0], &c, 1)) < 0 && errno == EINTR)
			;
		exit(n == 1 ? 0 : 1);
	}
	close(m.ready[0]);
	fcntl(m.ready[1], F_SETFD, FD_CLOEXEC);
	setsid();
}

static void
ready(void)
{
	int devnull;

	if (m.ready[1] >= 0) {
		if (write(m.ready[1], "", 1) < 0)
			(void)0;
		close(m.ready[1]);
		m.ready[1] = -1;
	}
	if (!m.foreground && (devnull = open("/dev/null", O_RDWR)) >= 0) {
		dup2(devnull, 0);
		dup2(devnull, 1);
		dup2(devnull, 2);
		if (devnull > 2)
			close(devnull);
	}
}

/* the loop --------------------------------------------------------------- */

static void
timers(long long now, long long *next)
{
	struct service *sv;
	size_t i;

	for (i = 0; i < nsvcs; i++) {
		sv = svcs[i];
		if (sv->gone)
			continue;
		if (sv->daemon && sv->nproc == 0) {
			if (now >= sv->throttle_until)
				master_spawn(sv);
			else if (sv->throttle_until < *next)
				*next = sv->throttle_until;
		} else if (!sv->daemon && sv->throttle_until > now &&
		    sv->throttle_until < *next) {
			*next = sv->throttle_until;
		}
		if (sv->s.wakeup && sv->next_wake) {
			if (now >= sv->next_wake) {
				wake(sv);
				sv->next_wake = now + sv->s.wakeup * 1000LL;
			}
			if (sv->next_wake < *next)
				*next = sv->next_wake;
		}
	}
}

static void
loop(void)
{
	struct pollfd *pfd = NULL;
	struct service **who = NULL;
	size_t i, j, n, cap = 0;
	long long now, next;
	char buf[64];
	int r, timeout;

	for (;;) {
		now = master_now();
		next = now + 3600 * 1000LL;
		timers(now, &next);
		for (n = 2, i = 0; i < nsvcs; i++)
			n += svcs[i]->nfd;
		if (n > cap) {
			cap = n;
			pfd = xreallocarray(pfd, cap, sizeof(*pfd));
			who = xreallocarray(who, cap, sizeof(*who));
		}
		pfd[0].fd = sigpipe[0];
		pfd[0].events = POLLIN;
		pfd[1].fd = m.status[0];
		pfd[1].events = POLLIN;
		for (n = 2, i = 0; i < nsvcs; i++) {
			if (!wants(svcs[i], now))
				continue;
			for (j = 0; j < svcs[i]->nfd; j++, n++) {
				pfd[n].fd = svcs[i]->fd[j];
				pfd[n].events = POLLIN;
				who[n] = svcs[i];
			}
		}
		timeout = (int)(next - now);
		if (timeout < 0)
			timeout = 0;
		r = poll(pfd, n, timeout);
		if (r < 0 && errno != EINTR)
			die("poll:");
		while (read(sigpipe[0], buf, sizeof(buf)) > 0)
			;
		if (got_int)
			stop(SIGKILL);
		if (got_term)
			stop(SIGTERM);
		if (got_chld) {
			got_chld = 0;
			reap();
		}
		if (got_hup) {
			got_hup = 0;
			reload();
			continue;
		}
		if (r <= 0)
			continue;
		/* who is free first: a waiting client may have a process */
		if (pfd[1].revents & POLLIN)
			status();
		for (i = 2; i < n; i++)
			if ((pfd[i].revents & (POLLIN | POLLERR | POLLHUP)) &&
			    wants(who[i], now))
				client(who[i], now);
	}
}

/* the status pipe: master reads, its service processes write */
static void
status_pipe(void)
{
	if (pipe(m.status) < 0)
		die("pipe:");
	fcntl(m.status[0], F_SETFL, O_NONBLOCK);
	fcntl(m.status[0], F_SETFD, FD_CLOEXEC);
	fcntl(m.status[1], F_SETFD, FD_CLOEXEC);
	if (m.status[1] > m.maxfd)
		m.maxfd = m.status[1];
	if (m.status[0] > m.maxfd)
		m.maxfd = m.status[0];
}

/* master_main - the master(8) command */
int
master_main(int argc, char **argv)
{
	struct svc_table t;
	const char *dir = NULL;
	int c, test = 0, wait_ready = 0;

	memset(&m, 0, sizeof(m));
	m.ready[0] = m.ready[1] = -1;
	m.pidfd = -1;
	while ((c = getopt(argc, argv, "c:dDe:istvw")) != -1) {
		switch (c) {
		case 'c':
			dir = optarg;
			break;
		case 'd':
		case 'i':
			m.foreground = 1;
			if (c == 'i')
				m.keep_stderr = 1;
			break;
		case 's':
			m.keep_stderr = 1;
			break;
		case 't':
			test = 1;
			break;
		case 'w':
			wait_ready = 1;
			break;
		case 'D':
		case 'e':
		case 'v':
			break;
		default:
			die_status(EX_USAGE, "%s", USAGE);
		}
	}
	if (optind < argc)
		die_status(EX_USAGE, "%s", USAGE);
	m.root = geteuid() == 0;
	m.self = argc > 0 ? argv[0] : NULL;
	if (dir == NULL && (dir = getenv("MAIL_CONFIG")) == NULL)
		dir = CONFIG_DIR;
	m.confdir = xstrdup(dir);
	m.mcf = xasprintf("%s/master.cf", m.confdir);
	load_main();
	if (test)
		return svc_master_pid(m.qdir) > 0 ? 1 : 0;
	/* messages go to the terminal until master is ready */
	conf_log(LOG_TO_STDERR | LOG_TO_SYSLOG);
	if (svc_load(m.mcf, &t, 0) < 0)
		die("%s: configuration errors", m.mcf);
	if (svc_master_pid(m.qdir) > 0)
		die("the mail system is already running: PID: %ld",
		    svc_master_pid(m.qdir));
	if (!m.foreground)
		detach(wait_ready);
	queue();
	pid_lock();
	signals();
	if (sigpipe[1] > m.maxfd)
		m.maxfd = sigpipe[1];
	status_pipe();
	install(&t, 1);
	info("daemon started -- version %s, configuration %s", MTA_VERSION,
	    m.confdir);
	ready();
	setup_log();
	/* once per start, in master's log: its children stay quiet */
	conf_noop_warn();
	loop();
	return 0;
}

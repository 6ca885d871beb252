/* MIT licence: see LICENSE. */
/*
 * postfix.c - control the mail system: start, stop, reload, status, ...
 *
 * Run by the administrator (root, or the user a rootless installation
 * runs as) or by an init script.  It does what Postfix's postfix-script
 * does, without a shell: checks, the queue directories and their modes,
 * postsuper with no options (as postfix-script's check-fatal: queue file
 * names that do not match their inode fixed, corrupt files to corrupt/,
 * the files crashes left half written and a day old removed), data_directory
 * (smtpd's connection limits keep their state there),
 * then master -w (start) or master in the foreground (start-fg), and
 * signals to the running master found through the lock on
 * $queue_directory/pid/master.pid.  Man page: postfix(1).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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
#include "../lib/table/dict.h"
#include "../lib/table/match.h"
#include "../lib/x.h"

extern char **environ;

#define USAGE	"usage: postfix [-Dv] [-c config_dir] command\n" \
	"commands: start start-fg stop abort reload status check flush " \
	"set-permissions"

static const char *confdir;
static const char *qdir;

/*
 * queue - check the queue directories (owners, modes) or, with create,
 * make the missing ones and fix the others (lib/queue/queue.c knows them).
 * Returns the number of problems, each logged.
 */
static int
queue(int create)
{
	struct str err = STR_INIT;
	char *p, *line;
	int bad = 0;

	if (queue_dirs(qdir, geteuid() == 0 ? conf_str(P_mail_owner) : NULL,
	    create, &err) < 0) {
		for (p = err.s; (line = str_token(&p, "\n")) != NULL; bad++)
			warn("%s", line);
		if (bad == 0)
			bad = 1;
	}
	str_free(&err);
	return bad;
}

/* datadir() modes */
#define DD_CHECK	0	/* report what is wrong */
#define DD_CREATE	1	/* make it when missing, report the rest */
#define DD_FIX		2	/* make it, or fix its owner and mode */

/* mkparents - make the missing directories above path, mode 0755 */
static void
mkparents(const char *path)
{
	char *copy = xstrdup(path), *p;

	for (p = copy + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = 0;
		if (mkdir(copy, 0755) < 0 && errno != EEXIST)
			break;
		*p = '/';
	}
	free(copy);
}

/*
 * datadir - data_directory as Postfix's postfix-files has it: owned by
 * mail_owner (when run as root; else by the running user), mode 0700.
 * Without it smtpd cannot enforce the connection count and rate
 * limits.  Returns the number of problems, each logged.
 *
 * Root changes it through a descriptor, and where another account may
 * change the names of its parent, opens it without following a link:
 * else that account could put a link to /etc in its place and have root
 * give /etc to mail_owner.
 */
static int
datadir(int mode)
{
	const char *dir = conf_str(P_data_directory);
	struct stat st;
	uid_t uid = geteuid();
	gid_t gid = getegid();
	int fd, made = 0, flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC, bad = 0;

	if (dir == NULL || *dir != '/') {
		warn("data_directory: not an absolute path: \"%s\"",
		    dir ? dir : "");
		return 1;
	}
	if (uid == 0 && priv_user(conf_str(P_mail_owner), &uid, &gid) < 0)
		return 1;	/* config_errors() names it */
	if (geteuid() == 0 && !priv_root_dir(dir))
		flags |= O_NOFOLLOW;
	if ((fd = open(dir, flags)) < 0 && errno == ENOENT) {
		if (mode == DD_CHECK) {
			/* not a fault: postfix start makes it */
			warn("data_directory %s: %s (postfix start creates "
			    "it)", dir, strerror(errno));
			return 0;
		}
		mkparents(dir);
		if (mkdir(dir, 0700) < 0 || (fd = open(dir, flags)) < 0) {
			warn("data_directory %s: cannot create: %s", dir,
			    strerror(errno));
			return 1;
		}
		made = 1;
	}
	if (fd < 0 || fstat(fd, &st) < 0) {
		if ((errno == ENOTDIR || errno == ELOOP) &&
		    (flags & O_NOFOLLOW) && lstat(dir, &st) == 0 &&
		    S_ISLNK(st.st_mode))
			warn("data_directory %s: a symbolic link in a "
			    "directory that another account may change", dir);
		else
			warn("data_directory %s: %s", dir, errno == ENOTDIR ?
			    "not a directory" : strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	if (made || mode == DD_FIX) {
		if (st.st_uid != uid || (mode == DD_FIX && st.st_gid != gid)) {
			if (fchown(fd, uid, gid) < 0) {
				warn("data_directory %s: chown: %s", dir,
				    strerror(errno));
				bad = 1;
			}
		}
		if (!bad && mode == DD_FIX && (st.st_mode & 07777) != 0700 &&
		    fchmod(fd, 0700) < 0) {
			warn("data_directory %s: chmod: %s", dir,
			    strerror(errno));
			bad = 1;
		}
		close(fd);
		return bad;
	}
	close(fd);
	/* as postfix-script's check: the owner, and no group or other write */
	if (st.st_uid != uid) {
		warn("data_directory %s: not owned by %s", dir,
		    geteuid() == 0 ? conf_str(P_mail_owner) : "this user");
		return 1;
	}
	if (st.st_mode & 022) {
		warn("data_directory %s: group or other writable", dir);
		return 1;
	}
	return 0;
}

/*
 * config_errors - problems of main.cf and master.cf, logged; master.cf
 * as read stays in *tp when tp is not NULL (the caller frees it)
 */
static int
config_errors(struct svc_table *tp)
{
	struct svc_table t;
	char *mcf;
	int bad;

	bad = conf_check();
	mcf = xasprintf("%s/master.cf", confdir);
	if (svc_load(mcf, &t, 0) < 0)
		bad++;
	if (tp)
		*tp = t;
	else
		svc_table_free(&t);
	free(mcf);
	if (geteuid() == 0) {
		uid_t uid;
		gid_t gid;

		if (priv_user(conf_str(P_mail_owner), &uid, &gid) < 0) {
			error("file %s: parameter mail_owner: unknown user "
			    "name value: %s", conf_file(),
			    conf_str(P_mail_owner));
			bad++;
		}
	}
	return bad;
}

/*
 * The tables the configuration names, for `postfix check`.  Every item
 * of a *_maps or *_checks parameter is a table; in any other parameter
 * (restriction lists and classes, match lists such as mynetworks), an
 * item is one when its type is a table type mta knows, except what is
 * a socket there: the address after check_policy_service, and unix:
 * with a path.  *_database, *_map and *_cache_name parameters name
 * caches (and postalias inputs), not tables to read.
 */
struct tables {
	char	**seen;		/* each "type:name" is opened once */
	size_t	n;
	int	bad;		/* problems reported */
};

static int
ends(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);

	return n > m && strcmp(s + n - m, tail) == 0;
}

/* is_list - does every item of the parameter name a table? */
static int
is_list(const char *name)
{
	return ends(name, "_maps") || ends(name, "_checks");
}

/* is_table - an item of a restriction or match list that is a table */
static int
is_table(const char *item)
{
	char *type, *name;
	const char *canon;
	int r;

	while (strncmp(item, "proxy:", 6) == 0)
		item += 6;
	if (*item == '[' || strchr(item, ':') == NULL ||
	    dict_split(item, &type, &name) < 0 || type == NULL)
		return 0;
	canon = dict_resolve(type, name);
	r = canon != NULL && !(strcmp(canon, "unix") == 0 &&
	    strchr(name, '/') != NULL);
	free(type);
	free(name);
	return r;
}

/* table_check - open one table; its problems are logged and counted */
static void
table_check(struct tables *tb, const char *where, const char *spec)
{
	struct str err = STR_INIT;
	struct dict *d;
	size_t i;
	int n;

	for (i = 0; i < tb->n; i++)
		if (strcmp(tb->seen[i], spec) == 0)
			return;
	tb->seen = xreallocarray(tb->seen, tb->n + 1, sizeof(*tb->seen));
	tb->seen[tb->n++] = xstrdup(spec);
	n = log_warnings();
	d = dict_open(spec, DICT_NO_CACHE | DICT_TRY0NUL | DICT_TRY1NUL,
	    &err);
	n = log_warnings() - n;
	if (d == NULL) {
		warn("%s: table %s cannot be opened: %s", where, spec,
		    err.len ? err.s : "unknown error");
		tb->bad++;
	} else if (n > 0) {
		/* each is a rule skipped or a line misread: say whose */
		warn("%s: table %s: %d warning%s above", where, spec, n,
		    n == 1 ? "" : "s");
		tb->bad += n;
	}
	dict_close(d);
	str_free(&err);
}

/* value_check - the tables in the (unexpanded) value of parameter name */
static void
value_check(struct tables *tb, const char *where, const char *name,
    const char *raw)
{
	struct str val = STR_INIT;
	char *copy, *cp, *item;
	int all = is_list(name), skip = 0;

	/* caches (btree:...) are not tables to check */
	if (raw == NULL || *raw == 0 || ends(name, "_database") ||
	    ends(name, "_map") || ends(name, "_cache_name"))
		return;
	if (conf_expand(raw, &val, 0) < 0) {
		str_free(&val);
		return;		/* conf_check() reports it */
	}
	cp = copy = xstrdup(val.s);
	while ((item = match_next(&cp)) != NULL) {
		if (skip) {
			skip = 0;
		} else if (strcasecmp(item, "check_policy_service") == 0) {
			skip = 1;
		} else if (all || is_table(item)) {
			table_check(tb, where, item);
		}
	}
	free(copy);
	str_free(&val);
}

/*
 * tables_check - open every table that main.cf and master.cf's -o
 * overrides name, each once; every bad line is logged with its file and
 * line (Postfix's postfix check opens none).  Returns the problems.
 */
static int
tables_check(const struct svc_table *t)
{
	struct tables tb;
	struct str where = STR_INIT;
	const char **names;
	char *eq;
	size_t i;
	int k;

	memset(&tb, 0, sizeof(tb));
	names = conf_list(0);
	/* the table parameters first, so that they name what they list */
	for (k = 1; k >= 0; k--)
		for (i = 0; names[i]; i++)
			if (is_list(names[i]) == k)
				value_check(&tb, names[i], names[i],
				    conf_raw(names[i]));
	free(names);
	for (i = 0; i < t->n; i++) {
		for (k = 0; k + 1 < t->v[i].argc; k++) {
			if (strcmp(t->v[i].argv[k], "-o") != 0 ||
			    (eq = strchr(t->v[i].argv[k + 1], '=')) == NULL)
				continue;
			*eq = 0;
			str_reset(&where);
			str_addf(&where, "%s, line %d: service %s: -o %s",
			    t->path, t->v[i].line, t->v[i].name,
			    t->v[i].argv[k + 1]);
			value_check(&tb, where.s, t->v[i].argv[k + 1],
			    eq + 1);
			*eq = '=';
		}
	}
	str_free(&where);
	for (i = 0; i < tb.n; i++)
		free(tb.seen[i]);
	free(tb.seen);
	return tb.bad;
}

static long
running(void)
{
	long pid = svc_master_pid(qdir);

	if (pid < 0)
		die("cannot read %s/pid/master.pid:", qdir);
	return pid;
}

static long
need_running(void)
{
	long pid = running();

	if (pid == 0)
		die("the mail system is not running");
	return pid;
}

static volatile pid_t master_pid;

/* start-fg: what an init system sends postfix is meant for master */
static void
forward(int sig)
{
	if (master_pid > 0)
		kill(master_pid, sig);
}

/* master (or another applet) ARGS... as a child; its exit status */
static int
run_self(char **argv, int fg)
{
	struct sigaction sa;
	pid_t pid;
	int st;

	if ((pid = fork()) < 0)
		die("fork:");
	if (pid == 0) {
		svc_exec_self(NULL, argv, environ);
		die("cannot execute %s:", argv[0]);
	}
	if (fg) {
		master_pid = pid;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = forward;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGQUIT, &sa, NULL);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die("waitpid:");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

static void
nap(int ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

static int
start(int fg)
{
	char *argv[6], *postsuper[] = { "postsuper", NULL };
	long pid;
	int n = 0;

	if ((pid = running()) > 0)
		die("the mail system is already running: PID: %ld", pid);
	/*
	 * Postfix's check-fatal runs postsuper before master: nothing runs
	 * yet, so what it finds half written was left by a crash.  It reads
	 * MAIL_CONFIG, as -c set it.
	 */
	if (config_errors(NULL) || queue(1) ||
	    run_self(postsuper, 0) != 0)
		die("mail system integrity check failed");
	/* without it smtpd warns and runs without connection limits */
	(void)datadir(DD_CREATE);
	info("starting the mail system");
	argv[n++] = "master";
	argv[n++] = fg ? (getpid() == 1 ? "-i" : "-ds") : "-w";
	argv[n++] = "-c";
	argv[n++] = (char *)confdir;
	argv[n] = NULL;
	if (fg) {
		/* as Postfix: pid 1 becomes master, others wait for it */
		if (getpid() == 1) {
			svc_exec_self(NULL, argv, environ);
			die("cannot execute master:");
		}
		return run_self(argv, 1);
	}
	if (run_self(argv, 0) != 0)
		die("mail system startup failed");
	return 0;
}

static int
stop(void)
{
	long pid = need_running();
	int i;

	info("stopping the mail system");
	if (kill((pid_t)pid, SIGTERM) < 0)
		die("kill %ld:", pid);
	for (i = 0; i < 100; i++) {
		if (running() == 0)
			return 0;
		if (i % 10 == 9)
			info("waiting for the mail system to terminate");
		nap(100);
	}
	warn("stopping the mail system with force");
	if (kill(-(pid_t)pid, SIGKILL) < 0)
		kill((pid_t)pid, SIGKILL);
	return 0;
}

/* postfix_main - the postfix(1) command */
int
postfix_main(int argc, char **argv)
{
	const char *cmd;
	long pid;
	struct svc_table svcs;
	int c, bad;

	/* as Postfix's "postfix/postfix-script: ..." lines */
	log_init("mta");
	while ((c = getopt(argc, argv, "c:Dv")) != -1) {
		switch (c) {
		case 'c':
			if (setenv("MAIL_CONFIG", optarg, 1) < 0)
				die("setenv:");
			break;
		case 'D':
		case 'v':
			break;
		default:
			die_status(EX_USAGE, "%s", USAGE);
		}
	}
	if (optind != argc - 1)
		die_status(EX_USAGE, "%s", USAGE);
	cmd = argv[optind];
	conf_load(NULL, strcmp(cmd, "check") == 0 ? CONF_NOCHECK : 0);
	conf_log(LOG_TO_STDERR | LOG_TO_SYSLOG);
	confdir = conf_dir();
	qdir = conf_str(P_queue_directory);

	if (strcmp(cmd, "start") == 0)
		return start(0);
	if (strcmp(cmd, "start-fg") == 0)
		return start(1);
	if (strcmp(cmd, "stop") == 0)
		return stop();
	if (strcmp(cmd, "abort") == 0) {
		pid = need_running();
		info("aborting the mail system");
		/* master kills its children at once on SIGINT */
		if (kill((pid_t)pid, SIGINT) < 0)
			die("kill %ld:", pid);
		return 0;
	}
	if (strcmp(cmd, "reload") == 0) {
		pid = need_running();
		info("refreshing the mail system");
		if (kill((pid_t)pid, SIGHUP) < 0)
			die("kill %ld:", pid);
		return 0;
	}
	if (strcmp(cmd, "status") == 0) {
		if ((pid = running()) == 0) {
			info("the mail system is not running");
			return 1;
		}
		info("the mail system is running: PID: %ld", pid);
		return 0;
	}
	if (strcmp(cmd, "check") == 0) {
		bad = config_errors(&svcs);
		bad += queue(0);
		bad += datadir(DD_CHECK);
		bad += tables_check(&svcs);
		/* a warning, as Postfix's unused parameters: not a failure */
		conf_noop_warn();
		svc_table_free(&svcs);
		return bad ? 1 : 0;
	}
	if (strcmp(cmd, "flush") == 0) {
		if (running() == 0)
			die_status(EX_UNAVAILABLE, "Cannot flush mail queue - "
			    "mail system is down");
		/* as postqueue -f: forget dead hosts, scan every queue */
		if (svc_trigger(qdir, "qmgr", "FA") < 0)
			die_status(EX_UNAVAILABLE, "cannot wake qmgr "
			    "(%s/public/qmgr):", qdir);
		return 0;
	}
	if (strcmp(cmd, "set-permissions") == 0) {
		bad = queue(1);
		bad += datadir(DD_FIX);
		return bad ? 1 : 0;
	}
	die("unknown command: '%s'", cmd);
}

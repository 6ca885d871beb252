/* MIT licence: see LICENSE. */
/*
 * postfix.c - control the mail system: start, stop, reload, status, ...
 *
 * Run by the administrator (root, or the user a rootless installation
 * runs as) or by an init script.  It does what Postfix's postfix-script
 * does, without a shell: checks, the queue directories and their modes,
 * data_directory (smtpd's connection limits keep their state there),
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "../config.h"
#include "../lib/conf.h"
#include "../lib/log.h"
#include "../lib/priv.h"
#include "../lib/queue.h"
#include "../lib/str.h"
#include "../lib/svc.h"
#include "../lib/x.h"

extern char **environ;

#define USAGE	"usage: postfix [-Dv] [-c config_dir] command\n" \
	"commands: start start-fg stop abort reload status check flush " \
	"set-permissions"

static const char *confdir;
static const char *qdir;

/*
 * queue - check the queue directories (owners, modes) or, with create,
 * make the missing ones and fix the others (lib/queue.c knows them).
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
 */
static int
datadir(int mode)
{
	const char *dir = conf_str(P_data_directory);
	struct stat st;
	uid_t uid = geteuid();
	gid_t gid = getegid();

	if (dir == NULL || *dir != '/') {
		warn("data_directory: not an absolute path: \"%s\"",
		    dir ? dir : "");
		return 1;
	}
	if (uid == 0 && priv_user(conf_str(P_mail_owner), &uid, &gid) < 0)
		return 1;	/* config_errors() names it */
	if (stat(dir, &st) < 0) {
		if (errno == ENOENT && mode == DD_CHECK) {
			/* not a fault: postfix start makes it */
			warn("data_directory %s: %s (postfix start creates "
			    "it)", dir, strerror(errno));
			return 0;
		}
		if (errno != ENOENT) {
			warn("data_directory %s: %s", dir, strerror(errno));
			return 1;
		}
		mkparents(dir);
		if (mkdir(dir, 0700) < 0 || stat(dir, &st) < 0) {
			warn("data_directory %s: cannot create: %s", dir,
			    strerror(errno));
			return 1;
		}
		if (st.st_uid != uid && chown(dir, uid, gid) < 0) {
			warn("data_directory %s: chown: %s", dir,
			    strerror(errno));
			return 1;
		}
		return 0;
	}
	if (!S_ISDIR(st.st_mode)) {
		warn("data_directory %s: not a directory", dir);
		return 1;
	}
	if (mode == DD_FIX) {
		if ((st.st_uid != uid || st.st_gid != gid) &&
		    chown(dir, uid, gid) < 0) {
			warn("data_directory %s: chown: %s", dir,
			    strerror(errno));
			return 1;
		}
		if ((st.st_mode & 07777) != 0700 && chmod(dir, 0700) < 0) {
			warn("data_directory %s: chmod: %s", dir,
			    strerror(errno));
			return 1;
		}
		return 0;
	}
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

/* config_errors - problems of main.cf and master.cf, logged */
static int
config_errors(void)
{
	struct svc_table t;
	char *mcf;
	int bad;

	bad = conf_check();
	mcf = xasprintf("%s/master.cf", confdir);
	if (svc_load(mcf, &t, 0) < 0)
		bad++;
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

/* master ARGS... as a child; its exit status */
static int
run_master(char **argv, int fg)
{
	struct sigaction sa;
	pid_t pid;
	int st;

	if ((pid = fork()) < 0)
		die("fork:");
	if (pid == 0) {
		svc_exec_self(NULL, argv, environ);
		die("cannot execute master:");
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
	char *argv[6];
	long pid;
	int n = 0;

	if ((pid = running()) > 0)
		die("the mail system is already running: PID: %ld", pid);
	if (config_errors() || queue(1))
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
		return run_master(argv, 1);
	}
	if (run_master(argv, 0) != 0)
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
		bad = config_errors();
		bad += queue(0);
		bad += datadir(DD_CHECK);
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

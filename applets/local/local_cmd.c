/* MIT licence: see LICENSE. */
/*
 * local_cmd.c - identities and commands for the local delivery agent.
 *
 * local_as() runs one delivery in a child process with the rights of the
 * account it is made for (setgroups, setgid, setuid: for good), or, for
 * mbox files in mail_spool_directory, as root with the account's
 * effective ids for the write.  The result comes back through a pipe,
 * so nothing a delivery does can change the agent.  Started as an
 * ordinary user, everything runs as that user.
 *
 * local_command() delivers to a |command or mailbox_command.  The
 * command text comes from the configuration, an alias table, a .forward
 * or a :include: file, never from the envelope: envelope data reach the
 * command only through its environment (SENDER, RECIPIENT, ...), which
 * is otherwise cleaned to export_environment.  A command with shell
 * metacharacters runs under /bin/sh -c (or local_command_shell), as in
 * Postfix; others are split at blanks and run directly.  The message
 * goes to its standard input, its output (limited) comes back for the
 * reason; command_time_limit ends it.  Man page: local(8).
 */
#define _GNU_SOURCE	/* pipe2() */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "../../config.h"
#include "../../lib/conf.h"
#include "../../lib/log.h"
#include "../../lib/queue/agent.h"
#include "../../lib/str.h"
#include "../../lib/x.h"
#include "local.h"

#define RES_MAX		8192	/* longest result from a child */
#define OUTPUT_MAX	2048	/* command output kept for the reason */
#define SHELL_META	"\"'`\\$;&|<>()[]{}*?~#\n\r="
#define DEFPATH		"/usr/bin:/bin"

extern char **environ;

/* local_res_set - fill a result */
void
local_res_set(struct local_res *r, int status, const char *dsn,
    const char *fmt, ...)
{
	va_list ap;

	r->status = status;
	str_copy(r->dsn, dsn, sizeof(r->dsn));
	str_reset(&r->text);
	va_start(ap, fmt);
	str_vaddf(&r->text, fmt, ap);
	va_end(ap);
}

/* local_user_pw - u from a passwd entry (strings allocated) */
int
local_user_pw(struct local_user *u, const struct passwd *pw)
{
	u->set = 1;
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	u->name = xstrdup(pw->pw_name);
	u->home = xstrdup(pw->pw_dir);
	u->shell = xstrdup(pw->pw_shell);
	return 0;
}

/* local_user_free - release what local_user_pw() allocated */
void
local_user_free(struct local_user *u)
{
	if (!u->set)
		return;
	free(u->name);
	free(u->home);
	free(u->shell);
	memset(u, 0, sizeof(*u));
}

/* local_default_privs - the default_privs account; -1 if unknown */
int
local_default_privs(struct local_user *u)
{
	struct passwd *pw;

	memset(u, 0, sizeof(*u));
	if ((pw = getpwnam(conf_str(P_default_privs))) == NULL) {
		warn("unknown default_privs user: %s", conf_str(P_default_privs));
		return -1;
	}
	if (pw->pw_uid == 0) {
		warn("default_privs %s has user ID 0", pw->pw_name);
		return -1;
	}
	return local_user_pw(u, pw);
}

static int
set_groups(const struct local_user *u)
{
	if (u->name && initgroups(u->name, u->gid) == 0)
		return 0;
	return setgroups(1, &u->gid);
}

/*
 * local_become - as root, take u's effective ids (groups too); root can
 * come back with local_unbecome().  Not root: nothing to do.
 */
int
local_become(const struct local_user *u)
{
	if (getuid() != 0 || !u || !u->set)
		return 0;
	if (set_groups(u) < 0 || setegid(u->gid) < 0 || seteuid(u->uid) < 0) {
		warn("cannot change to uid %ld gid %ld: %s", (long)u->uid,
		    (long)u->gid, strerror(errno));
		local_unbecome();
		return -1;
	}
	return 0;
}

/* local_unbecome - back to root after local_become() */
int
local_unbecome(void)
{
	gid_t g = 0;

	if (getuid() != 0)
		return 0;
	if (seteuid(0) < 0 || setegid(0) < 0 || setgroups(1, &g) < 0)
		die("cannot get root back: %s", strerror(errno));
	return 0;
}

/* become u for good (a child); not root: nothing to do */
static int
become_for_good(const struct local_user *u)
{
	if (getuid() != 0 || !u || !u->set)
		return 0;
	if (set_groups(u) < 0 || setgid(u->gid) < 0 || setuid(u->uid) < 0)
		return -1;
	if (u->uid != 0 && (setuid(0) == 0 || geteuid() == 0)) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

static void
write_all(int fd, const char *s, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, s, n)) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		s += w;
		n -= (size_t)w;
	}
}

/*
 * local_as - run fn in a child as u (LOCAL_AS_USER) or as root
 * (LOCAL_AS_ROOT), and give its result in res.  0, or -1 when no result
 * came back (res says why: deferred).
 */
int
local_as(struct local_ctx *c, const struct local_attr *a,
    const struct local_user *u, int mode, local_fn fn, void *arg,
    struct local_res *res)
{
	struct str buf = STR_INIT;
	char tmp[512], *sp;
	int pfd[2], status;
	ssize_t n;
	pid_t pid;

	str_init(&buf);
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		local_res_set(res, AGENT_DEFER, "4.3.0", "cannot create "
		    "pipe: %s", strerror(errno));
		return -1;
	}
	if ((pid = fork()) < 0) {
		close(pfd[0]);
		close(pfd[1]);
		local_res_set(res, AGENT_DEFER, "4.3.0", "cannot fork: %s",
		    strerror(errno));
		return -1;
	}
	if (pid == 0) {
		close(pfd[0]);
		signal(SIGPIPE, SIG_IGN);
		if (mode == LOCAL_AS_USER && become_for_good(u) < 0)
			local_res_set(res, AGENT_DEFER, "4.3.0", "cannot "
			    "change to uid %ld: %s", (long)u->uid,
			    strerror(errno));
		else
			fn(c, a, arg, res);
		str_addf(&buf, "%d %s %s", res->status, res->dsn,
		    res->text.s);
		write_all(pfd[1], buf.s, buf.len);
		_exit(0);
	}
	close(pfd[1]);
	for (;;) {
		n = read(pfd[0], tmp, sizeof(tmp));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (buf.len < RES_MAX)
			str_addmem(&buf, tmp, (size_t)n);
	}
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (buf.len > 4 && (buf.s[0] == '2' || buf.s[0] == '4' ||
	    buf.s[0] == '5') && buf.s[1] == ' ' &&
	    (sp = strchr(buf.s + 2, ' ')) != NULL &&
	    (size_t)(sp - buf.s - 2) < sizeof(res->dsn)) {
		res->status = buf.s[0] - '0';
		memcpy(res->dsn, buf.s + 2, (size_t)(sp - buf.s - 2));
		res->dsn[sp - buf.s - 2] = 0;
		str_set(&res->text, sp + 1);
		str_free(&buf);
		return 0;
	}
	str_free(&buf);
	if (WIFSIGNALED(status))
		local_res_set(res, AGENT_DEFER, "4.3.0", "delivery process "
		    "killed by signal %d", WTERMSIG(status));
	else
		local_res_set(res, AGENT_DEFER, "4.3.0", "delivery process "
		    "exited without a result");
	return -1;
}

/* commands --------------------------------------------------------------- */

struct cmd {
	const char	*cmd;
	const struct local_user *u;
	pid_t		pid;
	int		in, out;	/* its stdin (ours to write), output */
	time_t		deadline;
	int		timeout;	/* the time limit ran out */
	int		gone;		/* it closed its stdin */
	int		copy_flags;	/* LOCAL_COPY_* */
	struct str	output;
};

/* Postfix's sys_exits table: code, dsn, text */
static const struct {
	int		code;
	const char	*dsn, *text;
} sysexits[] = {
	{ EX_USAGE, "5.3.0", "command line usage error" },
	{ EX_DATAERR, "5.6.0", "data format error" },
	{ EX_NOINPUT, "5.3.0", "cannot open input" },
	{ EX_NOUSER, "5.1.1", "user unknown" },
	{ EX_NOHOST, "5.1.2", "host name unknown" },
	{ EX_UNAVAILABLE, "5.3.0", "service unavailable" },
	{ EX_SOFTWARE, "5.3.0", "internal software error" },
	{ EX_OSERR, "4.3.0", "system resource problem" },
	{ EX_OSFILE, "5.3.0", "critical OS file missing" },
	{ EX_CANTCREAT, "5.2.0", "can't create user output file" },
	{ EX_IOERR, "5.3.0", "input/output error" },
	{ EX_TEMPFAIL, "4.3.0", "temporary failure" },
	{ EX_PROTOCOL, "5.5.0", "remote error in protocol" },
	{ EX_NOPERM, "5.7.0", "permission denied" },
	{ EX_CONFIG, "5.3.5", "local configuration error" },
};

/* read what output there is; 0 at its end */
static int
take_output(struct cmd *k)
{
	char buf[4096];
	ssize_t n;

	n = read(k->out, buf, sizeof(buf));
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : 0;
	if (n == 0)
		return 0;
	if (k->output.len < OUTPUT_MAX)
		str_addmem(&k->output, buf, (size_t)n > OUTPUT_MAX -
		    k->output.len ? OUTPUT_MAX - k->output.len : (size_t)n);
	return 1;
}

static int
ms_left(const struct cmd *k)
{
	time_t now = time(NULL);

	return now >= k->deadline ? 0 : (int)(k->deadline - now) * 1000;
}

/* local_copy()'s output: to the command's stdin, draining its output */
static int
cmd_write(void *arg, const char *s, size_t n)
{
	struct cmd *k = arg;
	struct pollfd p[2];
	ssize_t w;
	int r;

	while (n > 0 && !k->gone) {
		p[0].fd = k->in;
		p[0].events = POLLOUT;
		p[1].fd = k->out;
		p[1].events = POLLIN;
		if ((r = poll(p, k->out >= 0 ? 2 : 1, ms_left(k))) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0) {
			k->timeout = 1;
			errno = ETIMEDOUT;
			return -1;
		}
		if (k->out >= 0 && (p[1].revents & (POLLIN | POLLHUP)) &&
		    take_output(k) == 0) {
			close(k->out);
			k->out = -1;
		}
		if (p[0].revents & (POLLERR | POLLHUP)) {
			k->gone = 1;
			break;
		}
		if (!(p[0].revents & POLLOUT))
			continue;
		if ((w = write(k->in, s, n)) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			if (errno == EPIPE) {
				k->gone = 1;
				break;
			}
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static void
env_add(char ***env, size_t *n, const char *name, const char *value)
{
	if (value == NULL)
		return;
	*env = xreallocarray(*env, *n + 2, sizeof(**env));
	(*env)[(*n)++] = xasprintf("%s=%s", name, value);
	(*env)[*n] = NULL;
}

/* the command's environment: export_environment, then the envelope */
static char **
make_env(struct local_ctx *c, const struct local_attr *a,
    const struct local_user *u)
{
	char **env = NULL, *copy, *cp, *w;
	const char *v;
	size_t n = 0;

	env = xcalloc(1, sizeof(*env));
	cp = copy = xstrdup(conf_str(P_export_environment));
	while ((w = str_token(&cp, ", \t\r\n")) != NULL) {
		if (*w && strcmp(w, "PATH") != 0 && (v = getenv(w)) != NULL)
			env_add(&env, &n, w, v);
	}
	free(copy);
	env_add(&env, &n, "PATH", DEFPATH);
	if (u && u->set) {
		env_add(&env, &n, "LOGNAME", u->name);
		env_add(&env, &n, "USER", u->name);
		env_add(&env, &n, "HOME", u->home);
		env_add(&env, &n, "SHELL", u->shell);
	}
	env_add(&env, &n, "SENDER", c->msg->sender);
	env_add(&env, &n, "RECIPIENT", a->addr);
	env_add(&env, &n, "LOCAL", a->local);
	env_add(&env, &n, "EXTENSION", a->ext);
	env_add(&env, &n, "DOMAIN", a->domain);
	env_add(&env, &n, "ORIGINAL_RECIPIENT", c->top->orig ? c->top->orig :
	    c->top->addr);
	env_add(&env, &n, "CLIENT_ADDRESS",
	    agent_msg_attr(c->msg, "client_address"));
	env_add(&env, &n, "CLIENT_HOSTNAME",
	    agent_msg_attr(c->msg, "client_name"));
	env_add(&env, &n, "CLIENT_HELO", agent_msg_attr(c->msg, "helo_name"));
	env_add(&env, &n, "CLIENT_PROTOCOL",
	    agent_msg_attr(c->msg, "protocol"));
	return env;
}

/* the command's argv: shell -c for shell syntax, else words */
static char **
make_argv(const char *cmd)
{
	const char *sh = conf_str(P_local_command_shell);
	char **argv = NULL, *copy, *cp, *w;
	size_t n = 0;

	if (*sh == 0 && strpbrk(cmd, SHELL_META) == NULL) {
		cp = copy = xstrdup(cmd);
		while ((w = str_token(&cp, " \t")) != NULL) {
			if (*w == 0)
				continue;
			argv = xreallocarray(argv, n + 2, sizeof(*argv));
			argv[n++] = xstrdup(w);
			argv[n] = NULL;
		}
		free(copy);
		if (n > 0)
			return argv;
	}
	cp = copy = xstrdup(*sh ? sh : "/bin/sh -c");
	while ((w = str_token(&cp, " \t")) != NULL) {
		if (*w == 0)
			continue;
		argv = xreallocarray(argv, n + 3, sizeof(*argv));
		argv[n++] = xstrdup(w);
	}
	free(copy);
	argv[n++] = xstrdup(cmd);
	argv[n] = NULL;
	return argv;
}

/* the exit status in Postfix's words (pipe_command()) */
static void
cmd_status(struct cmd *k, int status, struct local_res *r)
{
	const char *o = k->output.s, *sep = k->output.len ?
	    ". Command output: " : "";
	size_t i;

	if (k->timeout) {
		local_res_set(r, AGENT_BOUNCE, "5.3.0", "Command time limit "
		    "exceeded: \"%s\"%s%s", k->cmd, sep, o);
		return;
	}
	if (WIFSIGNALED(status)) {
		local_res_set(r, AGENT_DEFER, "4.3.0", "Command died with "
		    "signal %d: \"%s\"%s%s", WTERMSIG(status), k->cmd, sep, o);
		return;
	}
	if (WEXITSTATUS(status) == 0) {
		local_res_set(r, AGENT_SENT, "2.0.0", "delivered to command: "
		    "%s", k->cmd);
		return;
	}
	/* "X.Y.Z text" output speaks for itself */
	if ((o[0] == '4' || o[0] == '5') && o[1] == '.' &&
	    strspn(o + 2, "0123456789") > 0) {
		size_t d = 2 + strspn(o + 2, "0123456789");

		if (o[d] == '.' && strspn(o + d + 1, "0123456789") > 0 &&
		    o[d + 1 + strspn(o + d + 1, "0123456789")] == ' ') {
			size_t e = d + 1 + strspn(o + d + 1, "0123456789");
			char dsn[AGENT_DSN_MAX];

			if (e < sizeof(dsn)) {
				memcpy(dsn, o, e);
				dsn[e] = 0;
				local_res_set(r, o[0] == '4' ? AGENT_DEFER :
				    AGENT_BOUNCE, dsn, "%s", o + e + 1);
				return;
			}
		}
	}
	for (i = 0; i < sizeof(sysexits) / sizeof(sysexits[0]); i++)
		if (sysexits[i].code == WEXITSTATUS(status)) {
			local_res_set(r, sysexits[i].dsn[0] == '4' ?
			    AGENT_DEFER : AGENT_BOUNCE, sysexits[i].dsn,
			    "%s%s%s", sysexits[i].text, sep, o);
			return;
		}
	local_res_set(r, AGENT_BOUNCE, "5.3.0", "Command died with status "
	    "%d: \"%s\"%s%s", WEXITSTATUS(status), k->cmd, sep, o);
}

static void
free_vec(char **v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* in the child, as the user: run the command and feed it the message */
static void
cmd_run(struct local_ctx *c, const struct local_attr *a, void *arg,
    struct local_res *r)
{
	struct cmd *k = arg;
	struct str err = STR_INIT;
	char **argv, **env;
	int in[2], out[2], status = 0, flags, rc;
	pid_t w;

	str_init(&err);
	str_init(&k->output);
	argv = make_argv(k->cmd);
	env = make_env(c, a, k->u);
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0) {
		local_res_set(r, AGENT_DEFER, "4.3.0", "cannot create pipe: "
		    "%s", strerror(errno));
		goto out;
	}
	if ((k->pid = fork()) < 0) {
		local_res_set(r, AGENT_DEFER, "4.3.0", "cannot fork: %s",
		    strerror(errno));
		goto out;
	}
	if (k->pid == 0) {
		setsid();
		signal(SIGPIPE, SIG_DFL);
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 ||
		    dup2(out[1], 2) < 0)
			_exit(EX_OSERR);
		if (!k->u || !k->u->home || chdir(k->u->home) < 0)
			(void)chdir("/");
		if (argv[0][0] == '/') {
			execve(argv[0], argv, env);
		} else {
			environ = env;
			execvp(argv[0], argv);
		}
		dprintf(2, "%s: %s", argv[0], strerror(errno));
		_exit(EX_OSERR);
	}
	close(in[0]);
	close(out[1]);
	k->in = in[1];
	k->out = out[0];
	flags = fcntl(k->in, F_GETFL);
	fcntl(k->in, F_SETFL, flags | O_NONBLOCK);
	k->deadline = time(NULL) + conf_time(P_command_time_limit);
	rc = local_copy(c, a, k->copy_flags, cmd_write, k, &err);
	close(k->in);
	/* the rest of its output, then its exit */
	while (rc != -2 && !k->timeout && k->out >= 0) {
		struct pollfd p = { k->out, POLLIN, 0 };
		int pr = poll(&p, 1, ms_left(k));

		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0) {
			k->timeout = pr == 0;
			break;
		}
		if (take_output(k) == 0)
			break;
	}
	for (;;) {
		if ((w = waitpid(k->pid, &status, WNOHANG)) == k->pid)
			break;
		if (w < 0 && errno != EINTR)
			break;
		if (k->timeout || rc == -2 || ms_left(k) == 0) {
			k->timeout = rc != -2;
			kill(-k->pid, SIGKILL);
			kill(k->pid, SIGKILL);
			waitpid(k->pid, &status, 0);
			break;
		}
		usleep(10000);
	}
	if (k->out >= 0)
		close(k->out);
	if (rc == -2) {
		local_res_set(r, AGENT_DEFER, "4.3.0", "%s", err.s);
		goto out;
	}
	/* one line of printable output, as Postfix logs it */
	for (size_t i = 0; i < k->output.len; i++)
		if ((unsigned char)k->output.s[i] < 32)
			k->output.s[i] = ' ';
	str_trim(&k->output);
	cmd_status(k, status, r);
out:
	free_vec(argv);
	free_vec(env);
	str_free(&k->output);
	str_free(&err);
}

/*
 * local_command - deliver to a command as u (the recipient, the owner
 * of the alias table or include file); root and unknown rights become
 * default_privs
 */
void
local_command(struct local_ctx *c, const struct local_attr *a,
    const char *cmd, const struct local_user *u)
{
	struct local_user dp;
	struct local_res r;
	struct cmd k;

	memset(&dp, 0, sizeof(dp));
	memset(&k, 0, sizeof(k));
	str_init(&r.text);
	if (!u || !u->set || u->uid == 0) {
		if (getuid() == 0 && local_default_privs(&dp) < 0) {
			local_result(c, a, AGENT_DEFER, "4.3.5",
			    "mail system configuration error");
			return;
		}
		u = dp.set ? &dp : u;
	}
	k.cmd = cmd;
	k.u = u;
	k.out = -1;
	k.copy_flags = LOCAL_COPY_FROM | LOCAL_COPY_RETURN | LOCAL_COPY_ORIG |
	    ((local_dh_mask() & LOCAL_DH_COMMAND) ? LOCAL_COPY_DELIVERED : 0);
	local_as(c, a, u, LOCAL_AS_USER, cmd_run, &k, &r);
	local_result(c, a, r.status, r.dsn, "%s", r.text.s);
	str_free(&r.text);
	local_user_free(&dp);
}

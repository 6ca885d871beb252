/* MIT licence: see LICENSE. */
/*
 * postsuper.c - queue maintenance for the administrator: delete (-d),
 * hold (-h), release (-H) and requeue (-r) messages by queue id, ALL,
 * or ids on standard input ("-"); repair the queue (-s) and purge old
 * temporary files (-p).
 *
 * Run by root (or by the owner of a rootless queue); as root it works as
 * mail_owner, as Postfix's does, so that everything it makes or renames
 * stays the daemons'.  Safe while the mail system runs: qmgr keeps the
 * files of active/ open and marks recipients done through its own
 * descriptor, so a rename under it loses nothing; a deleted active file
 * is gone once qmgr closes it, as with Postfix.
 *
 * Requeue (-r) differs from Postfix in its means, not its effect:
 * Postfix moves the file to maildrop/ for pickup to copy; mta's maildrop
 * holds only untrusted submissions, so postsuper hands the envelope (the
 * recipients not yet done) and the content to cleanup itself, and
 * removes the old file and its logs once cleanup answered that the new
 * one is on disk.  Address rewriting and header/body checks run again,
 * the message gets a new queue id, and its arrival time is kept.
 * Man page: postsuper(1).
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "../lib/conf.h"
#include "../lib/log.h"
#include "../lib/priv.h"
#include "../lib/queue/queue.h"
#include "../lib/queue/rcptlog.h"
#include "../lib/queue/submit.h"
#include "../lib/str.h"
#include "../lib/x.h"

#define USAGE	"usage: postsuper [-c config_dir] " \
	"[-d queue_id (delete)] " \
	"[-h queue_id (hold)] [-H queue_id (un-hold)] [-p (purge temporary " \
	"files)] [-r queue_id (requeue)] [-s (structure fix)] [-S " \
	"(redundant structure fix)][-v (verbose)] [queue...]"

/* actions */
#define A_DELETE	1
#define A_HOLD		2
#define A_RELEASE	4
#define A_REQUEUE	8
#define A_STRUCT	16
#define A_PURGE		32
#define A_STRUCT_RED	64

/* the queues postsuper knows; msg: holds messages (else logs) */
static const struct {
	const char	*name;
	int		msg;
} queues[] = {
	{ Q_DEFER, 0 }, { Q_BOUNCE, 0 }, { Q_TRACE, 0 },
	{ Q_MAILDROP, 1 }, { Q_INCOMING, 1 }, { Q_ACTIVE, 1 },
	{ Q_DEFERRED, 1 }, { Q_HOLD, 1 }, { Q_CORRUPT, 1 },
};

static const char *def_queues[] = { Q_DEFER, Q_BOUNCE, Q_TRACE,
	Q_MAILDROP, Q_INCOMING, Q_ACTIVE, Q_DEFERRED, Q_HOLD, NULL };
static const char *def_hold[] = { Q_INCOMING, Q_ACTIVE, Q_DEFERRED, NULL };
static const char *def_release[] = { Q_HOLD, NULL };

static const char *qdir;
static int n_deleted, n_held, n_released, n_requeued, n_fixed;

static int
is_msg_queue(const char *q)
{
	size_t i;

	for (i = 0; i < sizeof(queues) / sizeof(queues[0]); i++)
		if (strcmp(q, queues[i].name) == 0)
			return queues[i].msg;
	return -1;
}

static char *
qpath(const char *q, const char *id)
{
	return xasprintf("%s/%s/%s", qdir, q, id);
}

/* the message file q/id exists as a regular file */
static int
exists(const char *q, const char *id)
{
	struct stat st;
	char *p = qpath(q, id);
	int r = lstat(p, &st) == 0 && S_ISREG(st.st_mode);

	free(p);
	return r;
}

static void
remove_logs(const char *id)
{
	if (rcptlog_remove(qdir, RCPTLOG_DEFER, id) < 0 ||
	    rcptlog_remove(qdir, RCPTLOG_BOUNCE, id) < 0 ||
	    rcptlog_remove(qdir, RCPTLOG_TRACE, id) < 0)
		warn("%s: remove logs: %s", id, strerror(errno));
}

/* move q/id to q2/id (rename, then fsync of the target directory) */
static int
move(const char *q, const char *id, const char *q2)
{
	char *from = qpath(q, id), *to = qpath(q2, id);
	int r = rename(from, to);

	if (r < 0 && errno != ENOENT)
		warn("rename %s to %s: %s", from, to, strerror(errno));
	free(from);
	free(to);
	return r;
}

static int
delete_one(const char *q, const char *id, int quiet)
{
	char *p = qpath(q, id);
	int r;

	/* the logs first, and only when the message file is there */
	remove_logs(id);
	if ((r = unlink(p)) < 0 && errno != ENOENT)
		warn("remove file %s: %s", p, strerror(errno));
	free(p);
	if (r == 0 && !quiet)
		info("%s: removed", id);
	return r == 0;
}

static int
hold_one(const char *q, const char *id, int quiet)
{
	if (move(q, id, Q_HOLD) < 0)
		return 0;
	if (!quiet)
		info("%s: placed on hold", id);
	return 1;
}

static int
release_one(const char *q, const char *id, int quiet)
{
	if (move(q, id, Q_DEFERRED) < 0)
		return 0;
	if (!quiet)
		info("%s: released from hold", id);
	return 1;
}

/* -r: the envelope and the content of q/id through cleanup again */
static int
requeue_one(const char *q, const char *id, int quiet)
{
	struct queue_reader *r;
	struct submit *s = NULL;
	struct str d = STR_INIT, err = STR_INIT, line = STR_INIT;
	struct str orcpt = STR_INIT, notify = STR_INIT;
	long long mesg = -1;
	int type, res, code, in_content, ok = 0, part = 0;

	str_init(&err);
	if ((r = queue_open(qdir, q, id, QUEUE_RDONLY, &err)) == NULL) {
		if (errno != ENOENT && errno != EAGAIN)
			warn("%s", err.s);
		str_free(&err);
		return 0;
	}
	if ((s = submit_open(SUBMIT_CLEANUP, &err)) == NULL) {
		warn("%s: requeue: %s", id, err.s);
		goto out;
	}
	str_init(&d);
	str_init(&line);
	str_init(&orcpt);
	str_init(&notify);
	/* pass 1: the envelope, with recipients written after the content */
	in_content = 0;
	while ((res = queue_get(r, &type, &d, NULL)) == QUEUE_REC) {
		if (type == REC_MESG) {
			mesg = 1;
			in_content = 1;
		} else if (type == REC_XTRA) {
			in_content = 0;
		}
		if (in_content)
			continue;
		switch (type) {
		case REC_TIME:
		case REC_FROM:
		case REC_ATTR:
			submit_rec(s, type, d.s, d.len);
			break;
		case REC_ORCPT:
			str_setmem(&orcpt, d.s, d.len);
			break;
		case REC_NOTIFY:
			str_setmem(&notify, d.s, d.len);
			break;
		case REC_RCPT:
			if (orcpt.len)
				submit_rec(s, REC_ORCPT, orcpt.s, orcpt.len);
			if (notify.len)
				submit_rec(s, REC_NOTIFY, notify.s,
				    notify.len);
			submit_rec(s, REC_RCPT, d.s, d.len);
			/* FALLTHROUGH */
		case REC_DONE:
			str_reset(&orcpt);
			str_reset(&notify);
			break;
		}
	}
	if (res != QUEUE_EOF || mesg < 0 || queue_seek(r, r->size.mesg) < 0) {
		warn("%s: requeue: %s", id, r->err.len ? r->err.s :
		    "no content");
		goto out;
	}
	/* pass 2: the content, pieces joined into their lines */
	while ((res = queue_get(r, &type, &d, NULL)) == QUEUE_REC &&
	    type != REC_XTRA) {
		if (type == REC_PART) {
			str_addmem(&line, d.s, d.len);
			part = 1;
		} else if (type == REC_LINE) {
			if (part) {
				str_addmem(&line, d.s, d.len);
				submit_line(s, line.s, line.len);
				str_reset(&line);
				part = 0;
			} else {
				submit_line(s, d.s, d.len);
			}
		}
	}
	if (res != QUEUE_REC) {
		warn("%s: requeue: %s", id, r->err.s);
		goto out;
	}
	code = submit_close(s, &err);
	s = NULL;
	if (code != 0) {
		warn("%s: requeue: cleanup said: %s", id, err.s);
		goto out;
	}
	queue_close(r);
	r = NULL;
	ok = delete_one(q, id, 1);
	if (ok && !quiet)
		info("%s: requeued", id);
out:
	if (s)
		submit_abort(s);
	queue_close(r);
	str_free(&d);
	str_free(&err);
	str_free(&line);
	str_free(&orcpt);
	str_free(&notify);
	return ok;
}

typedef int (*op_fn)(const char *, const char *, int);

/*
 * by_id - op on the message id, in the first queue of list that has it
 * (skip: a queue the operation does not apply to)
 */
static int
by_id(const char **list, const char *id, op_fn op, const char *skip)
{
	size_t i;

	if (!queue_id_ok(id)) {
		warn("invalid mail queue id: %s", id);
		return 0;
	}
	for (i = 0; list[i]; i++) {
		if (is_msg_queue(list[i]) != 1 ||
		    (skip && strstr(skip, list[i])) ||
		    (op == release_one && strcmp(list[i], Q_HOLD) != 0))
			continue;
		if (exists(list[i], id) && op(list[i], id, 0))
			return 1;
	}
	return 0;
}

/* ids from the command line, "-" reading them from standard input */
static int
by_ids(char **ids, size_t n, const char **list, op_fn op, const char *skip)
{
	struct str line = STR_INIT;
	size_t i;
	int c, count = 0;

	for (i = 0; i < n; i++) {
		if (strcmp(ids[i], "ALL") == 0)
			continue;
		if (strcmp(ids[i], "-") != 0) {
			count += by_id(list, ids[i], op, skip);
			continue;
		}
		str_init(&line);
		while ((c = getchar()) != EOF) {
			if (c != '\n') {
				if (line.len < 256)
					str_addc(&line, c);
				continue;
			}
			count += by_id(list, line.s ? line.s : "", op, skip);
			str_reset(&line);
		}
		if (line.len)
			count += by_id(list, line.s, op, skip);
		str_free(&line);
	}
	return count;
}

/* the inode number a queue id was made from; -1 when it is not one */
static long long
id_inode(const char *id, int *longform)
{
	static const char safe[] =
	    "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz";
	const char *z = strchr(id, 'z'), *p;
	unsigned long long v = 0;
	const char *c;

	*longform = z != NULL;
	if (z) {
		if (z[1] == 0)
			return -1;
		for (p = z + 1; *p; p++) {
			if ((c = strchr(safe, *p)) == NULL || *p == 'z' ||
			    v > (1ULL << 56))
				return -1;
			v = v * 51 + (unsigned long long)(c - safe);
		}
		return (long long)v;
	}
	if (strlen(id) < 6)
		return -1;
	for (p = id + 5; *p; p++) {
		if (!((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'F')) ||
		    v > (1ULL << 56))
			return -1;
		v = v * 16 + (unsigned long long)(*p >= 'A' ? *p - 'A' + 10 :
		    *p - '0');
	}
	return (long long)v;
}

/* -s: give q/id the name its inode calls for; logs first, file last */
static void
fix_name(const char *q, const char *id, const struct stat *st)
{
	static const char *logs[] = { Q_DEFER, Q_BOUNCE, Q_TRACE };
	char newid[QUEUE_ID_MAX], *from, *to;
	size_t i;

	snprintf(newid, sizeof(newid), "%.5s%llX", id,
	    (unsigned long long)st->st_ino);
	if (exists(q, newid)) {
		warn("%s/%s: name/inode mismatch, and %s exists", q, id,
		    newid);
		return;
	}
	for (i = 0; i < 3; i++) {
		from = qpath(logs[i], id);
		to = qpath(logs[i], newid);
		if (rename(from, to) < 0 && errno != ENOENT)
			warn("rename %s to %s: %s", from, to,
			    strerror(errno));
		free(from);
		free(to);
	}
	from = qpath(q, id);
	to = qpath(q, newid);
	if (rename(from, to) == 0) {
		n_fixed++;
		info("%s: renamed to %s to match its inode number", id,
		    newid);
	} else {
		warn("rename %s to %s: %s", from, to, strerror(errno));
	}
	free(from);
	free(to);
}

/* -s: a queue file that cannot be read to its end goes to corrupt/ */
static int
check_file(const char *q, const char *id)
{
	struct queue_reader *r;
	struct str d = STR_INIT, err = STR_INIT;
	int type, res;

	str_init(&err);
	if ((r = queue_open(qdir, q, id, QUEUE_RDONLY, &err)) == NULL) {
		if (errno == EINVAL)
			queue_quarantine(qdir, q, id, err.s);
		str_free(&err);
		return errno == EINVAL ? -1 : 0;
	}
	str_init(&d);
	while ((res = queue_get(r, &type, &d, NULL)) == QUEUE_REC)
		;
	if (res == QUEUE_BAD)
		str_set(&err, r->err.s);
	queue_close(r);
	str_free(&d);
	if (res == QUEUE_BAD)
		queue_quarantine(qdir, q, id, err.s);
	str_free(&err);
	return res == QUEUE_BAD ? -1 : 0;
}

/* one entry of a queue directory, for the ALL and -s -p actions */
static void
super_one(const char *q, int msgq, const char *name, int action)
{
	struct stat st;
	char *path = qpath(q, name);
	long long ino;
	int longform;

	if (lstat(path, &st) < 0)
		goto out;
	if (S_ISDIR(st.st_mode)) {
		if (action & A_STRUCT && rmdir(path) < 0)
			warn("remove subdirectory %s: %s", path,
			    strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		if (action & A_STRUCT && unlink(path) < 0)
			warn("remove %s: %s", path, strerror(errno));
		goto out;
	}
	/*
	 * A file being written: a dot name until it has its id, then, in
	 * incoming/, the id without the "complete" mode bit (queue.c); in
	 * maildrop/, a file not yet group-readable (submit.c).  One
	 * untouched for a day was left by a crash, before any 250 or
	 * sendmail's exit 0: Postfix's rule.  -d ALL takes it as any file.
	 */
	if (name[0] == '.' ||
	    (!(action & A_DELETE) && queue_incomplete(q, &st))) {
		if (action & A_PURGE && msgq &&
		    time(NULL) > st.st_mtime + QUEUE_TEMP_AGE &&
		    unlink(path) == 0)
			info("%s: removed old temporary file", path);
		goto out;
	}
	if (!queue_id_ok(name)) {
		if (action & A_STRUCT)
			warn("bogus file name: %s", path);
		goto out;
	}
	if (action & A_DELETE) {
		if (msgq)
			n_deleted += delete_one(q, name, 1);
		else if (unlink(path) < 0)
			warn("remove file %s: %s", path, strerror(errno));
		goto out;
	}
	if (!msgq)
		goto out;
	if (action & A_STRUCT && strcmp(q, Q_MAILDROP) != 0 &&
	    strcmp(q, Q_CORRUPT) != 0) {
		ino = id_inode(name, &longform);
		if (ino < 0) {
			warn("bogus file name: %s", path);
			goto out;
		}
		if (!longform && (unsigned long long)ino !=
		    (unsigned long long)st.st_ino) {
			fix_name(q, name, &st);
			goto out;
		}
		if (strcmp(q, Q_ACTIVE) != 0 && check_file(q, name) < 0)
			goto out;
	}
	if (action & A_REQUEUE && strcmp(q, Q_MAILDROP) != 0)
		n_requeued += requeue_one(q, name, 1);
	else if (action & A_HOLD && strcmp(q, Q_MAILDROP) != 0 &&
	    strcmp(q, Q_HOLD) != 0)
		n_held += hold_one(q, name, 1);
	else if (action & A_RELEASE && strcmp(q, Q_HOLD) == 0)
		n_released += release_one(q, name, 1);
out:
	free(path);
}

/* the queues in list, for the actions that take every file */
static void
super(const char **list, int action)
{
	struct dirent *de;
	char *path, **names;
	size_t i, n, cap;
	int msgq;
	DIR *dir;

	for (; *list; list++) {
		msgq = is_msg_queue(*list);
		path = xasprintf("%s/%s", qdir, *list);
		if ((dir = opendir(path)) == NULL) {
			if (errno != ENOENT)
				warn("open %s: %s", path, strerror(errno));
			free(path);
			continue;
		}
		/* names first: renames must not be met again by readdir */
		names = NULL;
		n = cap = 0;
		while ((de = readdir(dir)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				names = xreallocarray(names, cap,
				    sizeof(*names));
			}
			names[n++] = xstrdup(de->d_name);
		}
		closedir(dir);
		for (i = 0; i < n; i++) {
			super_one(*list, msgq, names[i], action);
			free(names[i]);
		}
		free(names);
		free(path);
	}
}

static void
add(char ***v, size_t *n, char *s)
{
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = s;
}

static int
has_all(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], "ALL") == 0)
			return 1;
	return 0;
}

static int
allowed(void)
{
	struct stat st;
	char *p;
	int r;

	if (getuid() == 0)
		return 1;
	/* a rootless installation: the queue is the caller's */
	p = xasprintf("%s/%s", qdir, Q_INCOMING);
	r = stat(p, &st) == 0 && st.st_uid == getuid();
	free(p);
	return r;
}

/* Postfix 3's report: for each action asked for, even when it found none */
static void
summary(int asked, int n, const char *what)
{
	if (asked)
		info("%s: %d message%s", what, n, n == 1 ? "" : "s");
}

/* postsuper_main - postsuper(1) */
int
postsuper_main(int argc, char **argv)
{
	char **del = NULL, **hold = NULL, **rel = NULL, **req = NULL;
	size_t ndel = 0, nhold = 0, nrel = 0, nreq = 0;
	const char *confdir = NULL, **list;
	int c, action = 0, all = 0, i;

	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		printf("%s\n", USAGE);
		return 0;
	}
	while ((c = getopt(argc, argv, "c:d:h:H:pr:sSv")) != -1) {
		switch (c) {
		case 'c':
			if (*optarg != '/')
				die("-c requires absolute pathname");
			confdir = optarg;
			break;
		case 'd':
			add(&del, &ndel, optarg);
			break;
		case 'h':
			add(&hold, &nhold, optarg);
			break;
		case 'H':
			add(&rel, &nrel, optarg);
			break;
		case 'p':
			action |= A_PURGE;
			break;
		case 'r':
			add(&req, &nreq, optarg);
			break;
		case 'S':
			action |= A_STRUCT_RED;
			/* FALLTHROUGH */
		case 's':
			action |= A_STRUCT;
			break;
		case 'v':
			break;
		default:
			die("%s", USAGE);
		}
	}
	if (conf_load(confdir, CONF_QUIET) < 0)
		return EX_CONFIG;
	conf_log(LOG_TO_STDERR | LOG_TO_SYSLOG);
	qdir = conf_str(P_queue_directory);
	if (!allowed())
		die("use of this command is reserved for the superuser");
	for (i = optind; i < argc; i++)
		if (is_msg_queue(argv[i]) < 0)
			die("invalid directory name: %s", argv[i]);
	priv_drop(conf_str(P_mail_owner));
	if (chdir(qdir) < 0)
		die("chdir %s:", qdir);
	if (ndel == 0 && nhold == 0 && nrel == 0 && nreq == 0 && action == 0)
		action = A_STRUCT | A_PURGE;

	/* the structure first, then mass operations, then ids */
	list = optind < argc ? (const char **)argv + optind : def_queues;
	if (action & (A_STRUCT | A_PURGE))
		super(list, action & (A_STRUCT | A_PURGE | A_STRUCT_RED));
	if (n_fixed > 0 && (ndel || nhold || nrel || nreq)) {
		error("QUEUE FILE NAMES WERE CHANGED TO MATCH INODE NUMBERS");
		die("CHECK YOUR QUEUE IDS AND RE-ISSUE THE COMMAND");
	}
	if (has_all(del, ndel)) {
		if (ndel > 1)
			warn("option \"-d ALL\" will ignore other command "
			    "line queue IDs");
		super(list, A_DELETE);
		all |= A_DELETE;
	}
	if (has_all(req, nreq)) {
		if (nreq > 1)
			warn("option \"-r ALL\" will ignore other command "
			    "line queue IDs");
		super(list, A_REQUEUE);
		all |= A_REQUEUE;
	}
	if (has_all(hold, nhold)) {
		if (nhold > 1)
			warn("option \"-h ALL\" will ignore other command "
			    "line queue IDs");
		super(optind < argc ? list : def_hold, A_HOLD);
		all |= A_HOLD;
	}
	if (has_all(rel, nrel)) {
		if (nrel > 1)
			warn("option \"-H ALL\" will ignore other command "
			    "line queue IDs");
		super(optind < argc ? list : def_release, A_RELEASE);
		all |= A_RELEASE;
	}
	if (!(all & A_DELETE))
		n_deleted += by_ids(del, ndel, list, delete_one, NULL);
	if (!(all & A_REQUEUE))
		n_requeued += by_ids(req, nreq, list, requeue_one,
		    Q_MAILDROP);
	if (!(all & A_HOLD))
		n_held += by_ids(hold, nhold, optind < argc ? list : def_hold,
		    hold_one, Q_MAILDROP " " Q_HOLD);
	if (!(all & A_RELEASE))
		n_released += by_ids(rel, nrel, optind < argc ? list :
		    def_release, release_one, NULL);
	summary(nreq > 0, n_requeued, "Requeued");
	summary(ndel > 0, n_deleted, "Deleted");
	summary(nhold > 0, n_held, "Placed on hold");
	summary(nrel > 0, n_released, "Released from hold");
	summary(n_fixed > 0, n_fixed, "Renamed to match inode number");
	free(del);
	free(hold);
	free(rel);
	free(req);
	return 0;
}

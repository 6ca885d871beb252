/* MIT licence: see LICENSE. */
/*
 * pickup.c - feed the files of the maildrop directory to cleanup.
 *
 * A daemon run by master (one process, woken by a 'W' trigger on fd 0,
 * its fifo) that also looks at maildrop every few seconds on its own, so
 * it needs no trigger to work; `pickup -1` makes one pass and exits.
 * Maildrop files are owned by their submitters (mta has no set-gid
 * postdrop), mode 0640 once complete (0600 while sendmail writes them:
 * pickup leaves those alone), in a directory nobody else can list (3733,
 * owned by mail_owner and its group): the set-gid bit gives each file
 * mail_owner's group, so pickup, running as mail_owner like the other
 * daemons, reads them and no other user does, and may remove them (the
 * sticky bit allows the directory's owner).  It runs no other program
 * and passes what it reads only to cleanup.  Its trigger takes only
 * wake-ups, harmless from anyone.
 *
 * The submitter is the file's owner, which no user can forge, and must
 * be on authorized_submit_users: sendmail checks it, but anyone can
 * write a maildrop file by hand, so pickup checks it too; a file of an
 * owner off the list goes to corrupt/.
 *
 * Every maildrop file is untrusted input: any local user can write one
 * by hand.  The submitter is the file's owner, never its content; the
 * arrival time is the file's, never a record's.  Only the records a
 * submission may hold pass (T is replaced, S, A with an allowed name and
 * value, O, N, R, then the content).  No envelope record may hold a
 * control character (CR, LF, NUL, ...): it would reach logs, headers
 * and the SMTP envelope.  A content record is one line without its line
 * end, and sendmail splits its input at every LF, so a content record
 * with an LF inside was made by hand to forge a line (an mbox "From "
 * boundary, a line on the wire): it is refused, not split.  A CR inside
 * a line can come from sendmail's input; cleanup replaces it with a
 * space (cleanup_replace_stray_cr_lf).  A file with anything else, a
 * malformed record, no sender or no recipient is moved to corrupt/ with
 * a log line naming it.
 *
 * Cleanup is asked to bounce what it refuses for good (header_checks or
 * body_checks REJECT, message_size_limit, too many hops): sendmail
 * exited 0 long ago, so the sender hears of it through a non-delivery
 * notice, as with Postfix's pickup.  What cleanup still refuses (nothing
 * to bounce to) goes to corrupt/.  The file is removed only after
 * cleanup answered that the message is in the queue (DESIGN.md, law 1),
 * with no flush of its own, as Postfix's pickup: a crash that keeps the
 * file duplicates the message, never loses it.
 * Man page: pickup(8).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "../lib/conf.h"
#include "../lib/io.h"
#include "../lib/log.h"
#include "../lib/num.h"
#include "../lib/priv.h"
#include "../lib/queue/queue.h"
#include "../lib/queue/submit.h"
#include "../lib/str.h"
#include "../lib/svc.h"
#include "../lib/x.h"

int	pickup_main(int, char **);

#define USAGE	"usage: pickup [-1v] [-c config_dir] [-o name=value]"
#define SCAN_EVERY	5	/* seconds between scans without a trigger */
#define SCAN_PASSES	10	/* rescans while files keep coming */
#define SCAN_FILES	10000	/* files looked at in one pass */
#define REJECT_MEMORY	1024	/* refused files not retried (below) */
#define FUTURE_SLACK	7200	/* mtime this far ahead is a lie */

/* what became of one file */
#define PICK_DONE	0	/* queued: remove it */
#define PICK_KEEP	1	/* try again at the next scan */
#define PICK_CORRUPT	2	/* move it to corrupt/ */

/*
 * Files that pickup may not read: each stays in maildrop for the
 * administrator, and is tried again only when it changes or pickup
 * restarts, instead of every few seconds.
 */
static struct refused {
	dev_t	dev;
	ino_t	ino;
	time_t	mtime;
	off_t	size;
} refused[REJECT_MEMORY];
static size_t nrefused, refused_next;

static volatile sig_atomic_t woken;

static void
on_usr1(int sig)
{
	(void)sig;
	woken = 1;
}

static int
was_refused(const struct stat *st)
{
	size_t i;

	for (i = 0; i < nrefused; i++)
		if (refused[i].dev == st->st_dev &&
		    refused[i].ino == st->st_ino &&
		    refused[i].mtime == st->st_mtime &&
		    refused[i].size == st->st_size)
			return 1;
	return 0;
}

static void
remember_refused(const struct stat *st)
{
	refused[refused_next].dev = st->st_dev;
	refused[refused_next].ino = st->st_ino;
	refused[refused_next].mtime = st->st_mtime;
	refused[refused_next].size = st->st_size;
	refused_next = (refused_next + 1) % REJECT_MEMORY;
	if (nrefused < REJECT_MEMORY)
		nrefused++;
}

/* one file being read */
struct pick {
	const char *name;	/* its name in maildrop */
	uid_t	uid;		/* its owner: the submitter */
	struct submit *s;
	struct str why;		/* for PICK_CORRUPT */
	char	*sender;
	int	context;	/* a rewrite_context was given */
	long	nrcpt;
};

/* no control characters (envelope fields end up in logs and headers) */
static int
printable(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/*
 * attr_ok - the attributes a local submission may set, with their
 * values checked: what sendmail's -F, -N, -R, -V, -B and -G write.
 * Anything else (client_address, protocol, uid, ...) would let a user
 * pose as a network client or as someone else, and is dropped.
 */
static int
attr_ok(const char *name, const char *val)
{
	if (strcmp(name, "full_name") == 0)
		return strlen(val) <= 1024;
	if (strcmp(name, ATTR_DSN_ENVID) == 0)
		return *val && strlen(val) <= 100 &&
		    strspn(val, "!\"#$%&'()*+,-./0123456789:;<>?@"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`"
		    "abcdefghijklmnopqrstuvwxyz{|}~") == strlen(val);
	if (strcmp(name, ATTR_DSN_RET) == 0)
		return strcmp(val, "FULL") == 0 || strcmp(val, "HDRS") == 0;
	if (strcmp(name, ATTR_ENCODING) == 0)
		return strcmp(val, "7bit") == 0 || strcmp(val, "8bit") == 0;
	if (strcmp(name, ATTR_SMTPUTF8) == 0)
		return strcmp(val, "yes") == 0;
	/* a local submission is rewritten as local, whatever it says */
	if (strcmp(name, "rewrite_context") == 0)
		return strcmp(val, "local") == 0;
	return 0;
}

static int
corrupt(struct pick *p, const char *fmt, const char *arg)
{
	str_reset(&p->why);
	str_addf(&p->why, fmt, arg);
	return PICK_CORRUPT;
}

/* an envelope record: pass it on, drop it, or refuse the file */
static int
envelope(struct pick *p, int type, struct str *d)
{
	char *eq, tbuf[2] = { 0, 0 };
	long long bits;
	size_t n;

	if (!printable(d->s, d->len)) {
		tbuf[0] = (char)type;
		return corrupt(p, "control character in a record of type "
		    "%s", tbuf);
	}
	switch (type) {
	case REC_TIME:
		/* the arrival time is the file's */
		return -1;
	case REC_FROM:
		if (p->sender)
			return corrupt(p, "%s", "more than one sender record");
		p->sender = xstrdup(d->s);
		break;
	case REC_ATTR:
		if ((eq = strchr(d->s, '=')) == NULL || eq == d->s) {
			warn("uid=%ld: ignoring malformed record: %.200s",
			    (long)p->uid, d->s);
			return -1;
		}
		*eq = 0;
		if (!attr_ok(d->s, eq + 1)) {
			warn("uid=%ld: ignoring attribute record: "
			    "%.200s=%.200s", (long)p->uid, d->s, eq + 1);
			return -1;
		}
		if (strcmp(d->s, "rewrite_context") == 0)
			p->context = 1;
		*eq = '=';
		break;
	case REC_NOTIFY:
		if (num_parse(d->s, 1, DSN_NOTIFY_NEVER | DSN_NOTIFY_SUCCESS |
		    DSN_NOTIFY_FAILURE | DSN_NOTIFY_DELAY, &bits) < 0)
			return corrupt(p, "%s", "malformed NOTIFY record");
		break;
	case REC_RCPT:
		p->nrcpt++;
		break;
	case REC_ORCPT:
		/* "type;address": the type goes on the wire as it is */
		n = strspn(d->s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789-");
		if (n == 0 || d->s[n] != ';')
			return corrupt(p, "%s", "malformed ORCPT record");
		break;
	default:
		tbuf[0] = (char)type;
		return corrupt(p, "unexpected record type %s", tbuf);
	}
	submit_rec(p->s, type, d->s, d->len);
	return -1;
}

/*
 * forward - copy the records of one open maildrop file to cleanup.
 * Returns PICK_*; p->why says why for PICK_CORRUPT.
 */
static int
forward(struct pick *p, int fd, const struct stat *st)
{
	struct str d = STR_INIT, out = STR_INIT;
	struct io in;
	time_t now = time(NULL), t = st->st_mtime;
	char tbuf[2] = { 0, 0 }, num[32];
	int r, type, code, state = REC_FROM, res = PICK_KEEP;

	str_init(&d);
	str_init(&out);
	io_init(&in, fd, 0);
	if ((p->s = submit_open(SUBMIT_CLEANUP, &out)) == NULL) {
		warn("maildrop/%s: cannot reach cleanup: %s", p->name, out.s);
		goto out;
	}
	if (t > now + FUTURE_SLACK) {
		warn("maildrop/%s: dated %ld seconds into the future", p->name,
		    (long)(t - now));
		t = now;
	}
	snprintf(num, sizeof(num), "%lld.000000", (long long)t);
	submit_recs(p->s, REC_TIME, num);
	snprintf(num, sizeof(num), "uid=%ld", (long)p->uid);
	submit_recs(p->s, REC_ATTR, num);

	/* state: REC_FROM (envelope), REC_MESG (content), REC_XTRA, REC_END */
	for (;;) {
		r = queue_io_get(&in, &type, &d, QUEUE_PART_MAX);
		if (r == QUEUE_IOERR) {
			warn("maildrop/%s: read: %s", p->name,
			    strerror(in.err));
			goto out;
		}
		if (r == QUEUE_BAD) {
			res = corrupt(p, "%s", "malformed record");
			goto out;
		}
		if (r == QUEUE_EOF) {
			if (state == REC_END)
				break;
			res = corrupt(p, "%s", "file ends before its end "
			    "record");
			goto out;
		}
		tbuf[0] = (char)type;
		if (state == REC_FROM && type == REC_MESG) {
			if (p->sender == NULL) {
				res = corrupt(p, "%s", "no envelope sender");
				goto out;
			}
			if (!p->context)
				submit_recs(p->s, REC_ATTR,
				    "rewrite_context=local");
			submit_recs(p->s, REC_ATTR, ATTR_CLEANUP_BOUNCE);
			/* as Postfix: after the envelope, before cleanup logs */
			info("%s: uid=%ld from=<%s>", submit_id(p->s),
			    (long)p->uid, p->sender);
			submit_rec(p->s, REC_MESG, "", 0);
			state = REC_MESG;
		} else if (state == REC_FROM) {
			if ((res = envelope(p, type, &d)) >= 0)
				goto out;
			res = PICK_KEEP;
		} else if (state == REC_MESG && (type == REC_LINE ||
		    type == REC_PART) && memchr(d.s, '\n', d.len)) {
			res = corrupt(p, "%s", "line break inside a content "
			    "record");
			goto out;
		} else if (state == REC_MESG && type == REC_LINE) {
			submit_line(p->s, d.s, d.len);
		} else if (state == REC_MESG && type == REC_PART) {
			submit_rec(p->s, REC_PART, d.s, d.len);
		} else if (state == REC_MESG && type == REC_XTRA) {
			state = REC_XTRA;
		} else if (state == REC_XTRA && type == REC_END) {
			state = REC_END;
		} else {
			res = corrupt(p, state == REC_END ? "record of type %s "
			    "after the end record" : "unexpected record type "
			    "%s", tbuf);
			goto out;
		}
	}
	if (p->nrcpt == 0) {
		res = corrupt(p, "%s", "no recipients");
		goto out;
	}
	code = submit_close(p->s, &out);
	p->s = NULL;
	if (code == 0) {
		res = PICK_DONE;
	} else if (code == 5) {
		/* not even a bounce was possible */
		str_set(&p->why, "refused by cleanup: ");
		str_adds(&p->why, out.s);
		res = PICK_CORRUPT;
	} else {
		warn("maildrop/%s: uid=%ld from=<%s>: cleanup: %s; will try "
		    "again", p->name, (long)p->uid, p->sender, out.s);
		res = PICK_KEEP;
	}
out:
	if (p->s)
		submit_abort(p->s);
	p->s = NULL;
	io_free(&in);
	str_free(&d);
	str_free(&out);
	return res;
}

/* move maildrop/name to corrupt/, saying why */
static void
quarantine(const char *name, const char *why)
{
	queue_quarantine(conf_str(P_queue_directory), Q_MAILDROP, name, why);
}

/* pick - one maildrop file; 1 when it left maildrop */
static int
pick(int dfd, const char *name)
{
	struct pick p;
	struct stat st;
	struct str who;
	int fd, res;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT)
			warn("maildrop/%s: stat: %s", name, strerror(errno));
		return 0;
	}
	/*
	 * Not yet group-readable: sendmail is still writing it, or a crash
	 * left it before sendmail said 0 (postsuper -p removes it).  In a
	 * rootless queue pickup could read it all the same: it must not.
	 */
	if (queue_incomplete(Q_MAILDROP, &st) || was_refused(&st))
		return 0;
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		if (errno == ELOOP || errno == EMLINK) {
			warn("maildrop/%s: uid=%ld: symbolic link", name,
			    (long)st.st_uid);
			quarantine(name, "not a regular file");
			return 1;
		}
		/* said once per file, not at every pass */
		warn("maildrop/%s: uid=%ld: open: %s%s", name,
		    (long)st.st_uid, strerror(errno), errno == EACCES ?
		    " (pickup runs as mail_owner)" : "");
		if (errno == EACCES)
			remember_refused(&st);
		return 0;
	}
	if (fstat(fd, &st) < 0) {
		warn("maildrop/%s: fstat: %s", name, strerror(errno));
		close(fd);
		return 0;
	}
	if (queue_incomplete(Q_MAILDROP, &st)) {
		close(fd);
		return 0;
	}
	/* a hard link could name another user's file, or a system file */
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1) {
		warn("maildrop/%s: uid=%ld: %s", name, (long)st.st_uid,
		    S_ISREG(st.st_mode) ? "more than one hard link" :
		    "not a regular file");
		close(fd);
		quarantine(name, "not a regular file");
		return 1;
	}
	memset(&p, 0, sizeof(p));
	p.name = name;
	p.uid = st.st_uid;
	str_init(&p.why);
	/*
	 * sendmail asked authorized_submit_users already, but maildrop is
	 * open to every user's hand: the gate is here (Postfix's postdrop).
	 */
	str_init(&who);
	if ((res = submit_allowed(p.uid, &who)) < 0) {
		warn("maildrop/%s: uid=%ld: %s; will try again", name,
		    (long)p.uid, who.s);
		res = PICK_KEEP;
	} else if (res == 0) {
		str_addf(&p.why, "User %s(%ld) is not allowed to submit mail",
		    who.s, (long)p.uid);
		res = PICK_CORRUPT;
	} else {
		res = forward(&p, fd, &st);
	}
	str_free(&who);
	close(fd);
	switch (res) {
	case PICK_DONE:
		if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
			warn("maildrop/%s: remove: %s", name,
			    strerror(errno));
		break;
	case PICK_CORRUPT:
		warn("maildrop/%s: uid=%ld: %s", name, (long)p.uid, p.why.s);
		quarantine(name, p.why.s);
		break;
	}
	free(p.sender);
	str_free(&p.why);
	return res == PICK_DONE || res == PICK_CORRUPT;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* scan - pass over maildrop until a pass moves nothing (bounded) */
static void
scan(void)
{
	struct dirent *de;
	DIR *dir;
	char *path, **names;
	size_t i, n;
	int dfd, pass, moved;

	path = xasprintf("%s/%s", conf_str(P_queue_directory), Q_MAILDROP);
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		warn("open %s: %s", path, strerror(errno));
		free(path);
		return;
	}
	names = xcalloc(SCAN_FILES, sizeof(*names));
	for (pass = 0, moved = 1; moved && pass < SCAN_PASSES; pass++) {
		moved = 0;
		if ((i = (size_t)dup(dfd)) == (size_t)-1 ||
		    (dir = fdopendir((int)i)) == NULL) {
			warn("%s: %s", path, strerror(errno));
			break;
		}
		rewinddir(dir);
		n = 0;
		while (n < SCAN_FILES && (de = readdir(dir)) != NULL)
			/* an older mta's sendmail wrote under a dot name */
			if (de->d_name[0] != '.' && queue_id_ok(de->d_name))
				names[n++] = xstrdup(de->d_name);
		closedir(dir);
		/* oldest first, roughly: the names are random, so sort */
		qsort(names, n, sizeof(*names), by_name);
		for (i = 0; i < n; i++) {
			moved += pick(dfd, names[i]);
			free(names[i]);
		}
	}
	free(names);
	close(dfd);
	free(path);
}

/* pickup_main - pickup(8) */
int
pickup_main(int argc, char **argv)
{
	struct sigaction sa;
	const char *confdir = NULL;
	char buf[64], *eq, **sets = NULL;
	size_t nsets = 0, i;
	pid_t ppid = getppid();
	time_t last;
	int c, once = 0, trig, n;
	struct stat st;

	while ((c = getopt(argc, argv, "1c:o:v")) != -1) {
		switch (c) {
		case '1':
			once = 1;
			break;
		case 'c':
			confdir = optarg;
			break;
		case 'o':
			if ((eq = strchr(optarg, '=')) == NULL)
				die_status(EX_USAGE, "-o %s: want name=value",
				    optarg);
			sets = xreallocarray(sets, nsets + 1, sizeof(*sets));
			sets[nsets++] = optarg;
			break;
		case 'v':
			break;
		default:
			die_status(EX_USAGE, "%s", USAGE);
		}
	}
	if (optind != argc)
		die_status(EX_USAGE, "unexpected argument: %s", argv[optind]);
	if (conf_load(confdir, CONF_QUIET) < 0)
		return EX_CONFIG;
	for (i = 0; i < nsets; i++)
		(void)conf_override(sets[i]);	/* checked when parsed */
	free(sets);
	conf_log(once ? LOG_TO_STDERR | LOG_TO_SYSLOG : LOG_TO_SYSLOG);
	priv_daemon();
	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);

	/* master gives the fifo (or socket) of the trigger on fd 0 */
	trig = fstat(0, &st) == 0 && (S_ISFIFO(st.st_mode) ||
	    S_ISSOCK(st.st_mode));
	for (;;) {
		woken = 0;
		scan();
		if (once)
			break;
		last = time(NULL);
		for (;;) {
			if (trig) {
				n = svc_trigger_read(0, buf, sizeof(buf),
				    SCAN_EVERY);
				if (n > 0)
					break;
			} else {
				poll(NULL, 0, SCAN_EVERY * 1000);
			}
			/* master is gone: so is its service */
			if (trig && getppid() != ppid)
				return 0;
			if (woken || time(NULL) - last >= SCAN_EVERY)
				break;
			/* a fifo without writers polls ready at once */
			if (trig)
				poll(NULL, 0, 1000);
		}
	}
	return 0;
}

/* MIT licence: see LICENSE. */
/*
 * postqueue.c - queue control for users: list the queue (-p, as mailq
 * and sendmail -bp; -j as JSON) and ask for deliveries now (-f, -i, -s;
 * sendmail -q, -qI, -qR).
 *
 * Run by any user with that user's privileges (no set-id bit).  The
 * listing comes from the showq(8) service: run here on a socketpair when
 * the caller may read the queue (root, mail_owner), else reached at
 * public/showq through master, which runs it as mail_owner.  Flushing
 * sends triggers to qmgr; -i and -s also date the deferred files
 * concerned "now" when the caller may write them.  The checks of
 * authorized_mailq_users and authorized_flush_users here only give
 * Postfix's messages: anyone may connect to public/showq and
 * public/qmgr, so showq and qmgr check the caller's uid themselves.
 * In relay mode (lib/smtp/relay.c: a relay and no queue this user can
 * reach) sendmail keeps nothing, so the queue is empty, not down: mailq
 * says "Mail queue is empty" and a flush does nothing.
 * Output formats, messages and exit codes are Postfix's.
 * Man pages: postqueue(1), mailq(1), showq(8).
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "../lib/conf.h"
#include "../lib/io.h"
#include "../lib/log.h"
#include "../lib/queue/queue.h"
#include "../lib/queue/showq.h"
#include "../lib/smtp/relay.h"
#include "../lib/str.h"
#include "../lib/svc.h"
#include "../lib/table/match.h"
#include "../lib/x.h"

#define USAGE	"usage: postqueue -f | postqueue -i queueid | " \
	"postqueue -j | postqueue -p | postqueue -s site"

#define DOWN	"Cannot flush mail queue - mail system is down"

/* mailq's columns, short and long queue ids (Postfix's showq_compat) */
#define S_HEAD	"-Queue ID-  --Size-- ----Arrival Time---- " \
	"-Sender/Recipient-------\n"
#define L_HEAD	"----Queue ID----- --Size-- ---Arrival Time---- " \
	"--Sender/Recipient------\n"

static const char *qdir;

/* may the caller read (or write) the queue directory q itself? */
static int
can(const char *q, int how)
{
	char *path = xasprintf("%s/%s", qdir, q);
	int r = access(path, how | X_OK) == 0;

	free(path);
	return r;
}

/* the caller is on authorized_*_users, or we say so and exit */
static void
authorize(enum conf_param p, const char *what)
{
	struct str who = STR_INIT;
	int r;

	str_init(&who);
	r = showq_allowed(p, getuid(), &who);
	if (r < 0)
		die_status(EX_TEMPFAIL, "%s", who.s);
	if (r == 0)
		die_status(EX_NOPERM, "User %s(%ld) is not allowed to %s",
		    who.s, (long)getuid(), what);
	str_free(&who);
}

/* one message in mailq's table; returns its size */
static void
table_msg(struct io *out, const struct showq_msg *m, int longids)
{
	struct str id = STR_INIT;
	const char *saved = "", *show;
	char date[64];
	struct tm tm;
	time_t t = (time_t)m->time;
	size_t i;
	int pad;

	str_init(&id);
	str_adds(&id, m->id);
	if (strcmp(m->queue, Q_ACTIVE) == 0)
		str_addc(&id, '*');
	else if (strcmp(m->queue, Q_HOLD) == 0)
		str_addc(&id, '!');
	/* asctime()'s shape, cut as Postfix cuts it */
	localtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a %b %e %H:%M:%S %Y", &tm);
	if (longids)
		io_printf(out, "%-17s %8lld %19.19s %s\n", id.s, m->size,
		    date, m->sender);
	else
		io_printf(out, "%-11s %7lld %20.20s %s\n", id.s, m->size,
		    date, m->sender);
	for (i = 0; i < m->nrcpt; i++) {
		/* a reason line only when it differs from the one above */
		if (strcmp(saved, m->rcpt[i].reason) != 0) {
			saved = m->rcpt[i].reason;
			show = *saved ? saved : "reason unavailable";
			if ((pad = 76 - (int)strlen(show)) < 0)
				pad = 0;
			io_printf(out, "%*s(%s)\n", pad, "", show);
		}
		io_printf(out, "%*s%s\n", longids ? 47 : 41, "",
		    m->rcpt[i].addr);
	}
	str_free(&id);
}

/* a JSON string, as Postfix's json_quote */
static void
json(struct io *out, const char *s)
{
	const unsigned char *p;

	io_write(out, "\"", 1);
	for (p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '\b': io_puts(out, "\\b"); break;
		case '\f': io_puts(out, "\\f"); break;
		case '\n': io_puts(out, "\\n"); break;
		case '\r': io_puts(out, "\\r"); break;
		case '\t': io_puts(out, "\\t"); break;
		case '"': io_puts(out, "\\\""); break;
		case '\\': io_puts(out, "\\\\"); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				io_printf(out, "\\u%04X", *p);
			else
				io_write(out, p, 1);
		}
	}
	io_write(out, "\"", 1);
}

static void
json_msg(struct io *out, const struct showq_msg *m)
{
	size_t i;

	io_puts(out, "{\"queue_name\": ");
	json(out, m->queue);
	io_puts(out, ", \"queue_id\": ");
	json(out, m->id);
	io_printf(out, ", \"arrival_time\": %lld, \"message_size\": %lld, "
	    "\"forced_expire\": %s, \"sender\": ", m->time, m->size,
	    m->expire ? "true" : "false");
	json(out, m->sender);
	io_puts(out, ", \"recipients\": [");
	for (i = 0; i < m->nrcpt; i++) {
		io_puts(out, i ? ", {\"address\": " : "{\"address\": ");
		json(out, m->rcpt[i].addr);
		if (*m->rcpt[i].reason) {
			io_puts(out, ", \"delay_reason\": ");
			json(out, m->rcpt[i].reason);
		}
		io_puts(out, "}");
	}
	io_puts(out, "]}\n");
}

/* -p and -j: the listing from showq, as a table or as JSON */
static int
list(int asjson)
{
	struct showq_msg m;
	struct str err = STR_INIT;
	struct io in, out;
	unsigned long long total = 0, count = 0;
	pid_t pid = 0;
	int fd, r, longids = conf_bool(P_enable_long_queue_ids), st;

	authorize(P_authorized_mailq_users, "view the mail queue");
	str_init(&err);
	if (can(Q_DEFERRED, R_OK)) {
		fd = svc_spawn("showq", &pid, &err);
	} else {
		fd = svc_connect(qdir, "showq", &err);
		if (fd < 0 && (errno == EACCES || errno == EPERM))
			die_status(EX_SOFTWARE, "Connect to the %s %s "
			    "service: %s", conf_str(P_mail_name), "showq",
			    strerror(errno));
		/* relay mode keeps no queue: it is empty, not down */
		if (fd < 0 && smtp_relay_wanted()) {
			str_free(&err);
			if (!asjson)
				printf("Mail queue is empty\n");
			return fflush(stdout) == 0 ? 0 : EX_IOERR;
		}
		if (fd < 0)
			die_status(EX_UNAVAILABLE, "Queue report unavailable "
			    "- mail system is down");
	}
	if (fd < 0)
		die_status(EX_UNAVAILABLE, "showq: %s", err.s);
	io_init(&in, fd, (int)conf_time(P_ipc_timeout));
	io_init(&out, 1, 0);
	while ((r = showq_read(&in, &m, &err)) > 0) {
		if (asjson) {
			json_msg(&out, &m);
		} else {
			if (count > 0)
				io_puts(&out, "\n");
			else
				io_puts(&out, longids ? L_HEAD : S_HEAD);
			table_msg(&out, &m, longids);
			total += (unsigned long long)m.size;
		}
		count++;
		showq_msg_free(&m);
		if (out.wbuf.len > 65536 && io_flush(&out) < 0)
			break;
	}
	if (r == 0 && !asjson) {
		if (count == 0)
			io_puts(&out, "Mail queue is empty\n");
		else
			io_printf(&out, "\n-- %llu Kbytes in %llu Request%s.\n",
			    total / 1024, count, count == 1 ? "" : "s");
	}
	io_flush(&out);
	io_free(&out);
	io_free(&in);
	close(fd);
	if (pid > 0)
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	if (r < 0)
		die_status(EX_SOFTWARE, "%s", err.s);
	str_free(&err);
	return out.err ? EX_IOERR : 0;
}

/*
 * qmgr did not get the request: it is not running, or (EACCES) its
 * master.cf entry is a fifo, which only root and mail_owner may write
 */
static void
trigger_failed(void)
{
	if (errno == EACCES)
		die_status(EX_UNAVAILABLE, "Cannot flush mail queue - qmgr "
		    "is a fifo service: only root and %s may flush",
		    conf_str(P_mail_owner));
	die_status(EX_UNAVAILABLE, DOWN);
}

/* -f, and the fall-back of -i and -s for who cannot touch the files */
static int
flush_all(const char *req)
{
	authorize(P_authorized_flush_users, "flush the mail queue");
	/* relay mode: sendmail sent everything at once; nothing waits */
	if (smtp_relay_wanted())
		return 0;
	if (svc_trigger(qdir, "qmgr", req) < 0)
		trigger_failed();
	/* maildrop too, as Postfix's mail_flush_maildrop() */
	if (svc_trigger(qdir, "pickup", "W") < 0)
		die_status(EX_UNAVAILABLE, DOWN);
	return 0;
}

/* date one deferred file "now": qmgr tries it at its next deferred scan */
static int
touch(const char *id)
{
	char *path = xasprintf("%s/%s/%s", qdir, Q_DEFERRED, id);
	int r = utimensat(AT_FDCWD, path, NULL, 0);

	if (r < 0 && errno != ENOENT)
		warn("%s: %s", path, strerror(errno));
	free(path);
	return r == 0;
}

/* -i: one deferred message */
static int
flush_id(const char *id)
{
	authorize(P_authorized_flush_users, "flush the mail queue");
	if (!queue_id_ok(id))
		die_status(EX_UNAVAILABLE, "Cannot flush queue ID - invalid "
		    "name: \"%s\"", id);
	if (!can(Q_DEFERRED, W_OK))
		return flush_all("A");
	touch(id);
	if (svc_trigger(qdir, "qmgr", "D") < 0)
		trigger_failed();
	return 0;
}

/* does a pending recipient of deferred file id have its domain at site? */
static int
for_site(const char *id, const char *site)
{
	struct queue_reader *r;
	struct str d = STR_INIT, err = STR_INIT;
	const char *at;
	int type, hit = 0;

	str_init(&err);
	if ((r = queue_open(qdir, Q_DEFERRED, id, QUEUE_RDONLY, &err)) ==
	    NULL) {
		str_free(&err);
		return 0;
	}
	str_init(&d);
	while (!hit && queue_get(r, &type, &d, NULL) == QUEUE_REC)
		if (type == REC_RCPT && (at = strrchr(d.s, '@')) != NULL &&
		    strcasecmp(at + 1, site) == 0)
			hit = 1;
	queue_close(r);
	str_free(&d);
	str_free(&err);
	return hit;
}

/* -s: the deferred mail for one destination of fast_flush_domains */
static int
flush_site(const char *site)
{
	struct match_list *ml;
	struct dirent *de;
	char *path;
	DIR *dir;
	int r;

	authorize(P_authorized_flush_users, "flush the mail queue");
	if (*site == 0 || strlen(site) > 255 || strspn(site,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789.-_[]:") != strlen(site))
		die_status(EX_UNAVAILABLE, "Cannot flush mail queue - "
		    "invalid destination: \"%s\"", site);
	ml = match_init("fast_flush_domains", MATCH_DOMAIN |
	    match_parent_style("fast_flush_domains",
	    conf_str(P_parent_domain_matches_subdomains)),
	    conf_str(P_fast_flush_domains));
	r = match_find(ml, site, NULL);
	match_free(ml);
	if (r < 0)
		die_status(EX_UNAVAILABLE, DOWN);
	if (r == 0)
		die_status(EX_UNAVAILABLE, "Flush service is not configured "
		    "for destination \"%s\"", site);
	if (!can(Q_DEFERRED, W_OK))
		return flush_all("A");
	path = xasprintf("%s/%s", qdir, Q_DEFERRED);
	if ((dir = opendir(path)) == NULL)
		die_status(EX_UNAVAILABLE, "open %s:", path);
	while ((de = readdir(dir)) != NULL)
		if (queue_id_ok(de->d_name) && for_site(de->d_name, site))
			touch(de->d_name);
	closedir(dir);
	free(path);
	if (svc_trigger(qdir, "qmgr", "D") < 0)
		trigger_failed();
	return 0;
}

/* postqueue_main - postqueue(1) */
int
postqueue_main(int argc, char **argv)
{
	const char *confdir = NULL, *arg = NULL;
	int c, mode = 0;

	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		printf("%s\n", USAGE);
		return 0;
	}
	while ((c = getopt(argc, argv, "c:fi:jps:v")) != -1) {
		switch (c) {
		case 'c':
			confdir = optarg;
			break;
		case 'f':
		case 'j':
		case 'p':
			if (mode)
				die_status(EX_UNAVAILABLE, USAGE);
			mode = c;
			break;
		case 'i':
		case 's':
			if (mode)
				die_status(EX_UNAVAILABLE, USAGE);
			mode = c;
			arg = optarg;
			break;
		case 'v':
			break;
		default:
			die_status(EX_UNAVAILABLE, USAGE);
		}
	}
	if (mode == 0 || optind < argc)
		die_status(EX_UNAVAILABLE, USAGE);
	if (confdir && setenv("MAIL_CONFIG", confdir, 1) != 0)
		die_status(EX_OSERR, "setenv:");
	if (conf_load(confdir, CONF_QUIET) < 0)
		return EX_CONFIG;
	conf_log(LOG_TO_STDERR | LOG_TO_SYSLOG);
	qdir = conf_str(P_queue_directory);
	switch (mode) {
	case 'p':
	case 'j':
		return list(mode == 'j');
	case 'f':
		return flush_all("FA");
	case 'i':
		return flush_id(arg);
	default:
		return flush_site(arg);
	}
}

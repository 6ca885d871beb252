/* MIT licence: see LICENSE. */
/*
 * showq.c - the queue listing (the stream is described in showq.h).
 *
 * showq_write() runs in the showq(8) service, as mail_owner (master
 * starts it so; postqueue runs it on a socketpair when its caller may
 * read the queue).  It reads the queues in Postfix's order (maildrop,
 * active, incoming, deferred, hold), each file's envelope, and its
 * defer log for the delay reasons.  showq_read() runs in postqueue(1),
 * with the caller's privileges.  Man pages: showq(8), postqueue(1).
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../conf.h"
#include "../io.h"
#include "../log.h"
#include "../num.h"
#include "../priv.h"
#include "../str.h"
#include "../table/match.h"
#include "../x.h"
#include "queue.h"
#include "rcptlog.h"
#include "showq.h"

#define STREAM_REC_MAX	65536	/* longest record postqueue takes */
#define FLUSH_AT	65536

/* a recipient of the file being listed */
struct frcpt {
	char		*addr;
	long long	off;
	int		done;
};

/* the envelope of one file */
struct env {
	long long	time;
	char		*sender;
	struct frcpt	*r;
	size_t		nr;
};

static void
env_free(struct env *e)
{
	size_t i;

	for (i = 0; i < e->nr; i++)
		free(e->r[i].addr);
	free(e->r);
	free(e->sender);
	memset(e, 0, sizeof(*e));
}

static void
env_rcpt(struct env *e, const char *addr, long long off, int done)
{
	e->r = xreallocarray(e->r, e->nr + 1, sizeof(*e->r));
	e->r[e->nr].addr = xstrdup(addr);
	e->r[e->nr].off = off;
	e->r[e->nr].done = done;
	e->nr++;
}

/* the time of a REC_TIME "SEC.USEC" */
static long long
rec_time(const char *s)
{
	long long v = 0;

	while (*s >= '0' && *s <= '9' && v < (1LL << 50))
		v = v * 10 + (*s++ - '0');
	return v;
}

/* does the local part need quoting (RFC 5322 specials, blanks, dots) */
static int
needs_quote(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	if (s[0] == '.' || s[n - 1] == '.')
		return 1;
	for (i = 0; i < n; i++) {
		if (strchr("()<>@,;:\\\".[] ", s[i]) && s[i] != '.')
			return 1;
		if (s[i] == '.' && i + 1 < n && s[i + 1] == '.')
			return 1;
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 1;
	}
	return 0;
}

/*
 * showq_quote - an address as mailq shows it: the local part quoted when
 * it needs it (as Postfix's quote_822_local), control characters as '?'
 */
void
showq_quote(const char *addr, struct str *out)
{
	const char *at = strrchr(addr, '@');
	size_t n = at ? (size_t)(at - addr) : strlen(addr), i, start;

	str_reset(out);
	if (needs_quote(addr, n)) {
		str_addc(out, '"');
		for (i = 0; i < n; i++) {
			if (addr[i] == '"' || addr[i] == '\\')
				str_addc(out, '\\');
			str_addc(out, addr[i]);
		}
		str_addc(out, '"');
		str_adds(out, addr + n);
	} else {
		str_adds(out, addr);
	}
	for (start = 0; start < out->len; start++)
		if ((unsigned char)out->s[start] < 0x20 ||
		    out->s[start] == 0x7f)
			out->s[start] = '?';
}

static void
put(struct io *out, int type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
put(struct io *out, int type, const char *fmt, ...)
{
	struct str t;
	va_list ap;

	str_init(&t);
	va_start(ap, fmt);
	str_vaddf(&t, fmt, ap);
	va_end(ap);
	queue_rec(&out->wbuf, type, t.s, t.len);
	str_free(&t);
	if (out->wbuf.len >= FLUSH_AT)
		io_flush(out);
}

/* the envelope of a maildrop file (no V, no Z; REC_TIME optional) */
static int
read_maildrop(const char *path, struct env *e, struct stat *st)
{
	struct io io;
	struct str d;
	int fd, type;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK)) < 0)
		return -1;
	/* 0600: sendmail is still writing it (queue_incomplete) */
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode) ||
	    queue_incomplete(Q_MAILDROP, st)) {
		close(fd);
		return -1;
	}
	io_init(&io, fd, 0);
	str_init(&d);
	while (queue_io_get(&io, &type, &d, STREAM_REC_MAX) == QUEUE_REC &&
	    type != REC_MESG) {
		if (type == REC_TIME && e->time == 0)
			e->time = rec_time(d.s);
		else if (type == REC_FROM && e->sender == NULL)
			e->sender = xstrdup(d.s);
		else if (type == REC_RCPT)
			env_rcpt(e, d.s, 0, 0);
	}
	str_free(&d);
	io_free(&io);
	close(fd);
	return 0;
}

/* the envelope of a queue file, with the records after the content */
static int
read_qfile(const char *qdir, const char *q, const char *id, struct env *e,
    long long *size, struct stat *st)
{
	struct queue_reader *r;
	struct str d, err;
	long long off;
	int type;

	str_init(&err);
	if ((r = queue_open(qdir, q, id, QUEUE_RDONLY, &err)) == NULL) {
		/* gone, or cleanup is still writing it: not listed */
		if (errno != ENOENT && errno != EAGAIN)
			warn("%s", err.s);
		str_free(&err);
		return -1;
	}
	str_free(&err);
	if (fstat(r->fd, st) < 0) {
		queue_close(r);
		return -1;
	}
	*size = r->size.size;
	str_init(&d);
	while (queue_get(r, &type, &d, &off) == QUEUE_REC) {
		if (type == REC_TIME && e->time == 0)
			e->time = rec_time(d.s);
		else if (type == REC_FROM && e->sender == NULL)
			e->sender = xstrdup(d.s);
		else if (type == REC_RCPT || type == REC_DONE)
			env_rcpt(e, d.s, off, type == REC_DONE);
	}
	str_free(&d);
	queue_close(r);
	return 0;
}

/* the recipients, with the delay reasons of the defer log first */
static void
list_rcpts(struct io *out, const char *qdir, const char *id,
    struct env *e, struct str *q)
{
	struct rcptlog_ent *v = NULL;
	size_t n = 0, i, j, k;
	char *listed;

	if (rcptlog_read(qdir, RCPTLOG_DEFER, id, &v, &n) < 0)
		n = 0;
	listed = xcalloc(n + 1, 1);
	/* a later entry for the same recipient wins; done ones are gone */
	for (i = 0; i < n; i++) {
		for (j = i + 1; j < n; j++)
			if (strcmp(v[i].addr, v[j].addr) == 0)
				break;
		if (j < n)
			continue;
		for (k = 0; k < e->nr; k++)
			if (v[i].off > 0 && e->r[k].off == v[i].off &&
			    e->r[k].done)
				break;
		if (k < e->nr)
			continue;
		listed[i] = 1;
		if (v[i].reason && *v[i].reason)
			put(out, REC_ATTR, "delay_reason=%s", v[i].reason);
		showq_quote(v[i].addr, q);
		queue_rec(&out->wbuf, REC_RCPT, q->s, q->len);
	}
	for (k = 0; k < e->nr; k++) {
		if (e->r[k].done)
			continue;
		for (i = 0; i < n; i++)
			if (listed[i] && strcmp(v[i].addr, e->r[k].addr) == 0)
				break;
		if (i < n)
			continue;
		showq_quote(*e->r[k].addr ? e->r[k].addr :
		    conf_str(P_empty_address_recipient), q);
		queue_rec(&out->wbuf, REC_RCPT, q->s, q->len);
	}
	free(listed);
	rcptlog_free(v, n);
}

static void
list_queue(const char *qdir, const char *q, struct io *out)
{
	struct env e;
	struct stat st;
	struct dirent *de;
	struct str qs;
	long long size;
	char *path;
	DIR *dir;
	int r;

	path = xasprintf("%s/%s", qdir, q);
	dir = opendir(path);
	free(path);
	if (dir == NULL) {
		if (errno != ENOENT)
			warn("open queue %s: %s", q, strerror(errno));
		return;
	}
	str_init(&qs);
	while ((de = readdir(dir)) != NULL) {
		if (!queue_id_ok(de->d_name))
			continue;
		memset(&e, 0, sizeof(e));
		size = 0;
		if (strcmp(q, Q_MAILDROP) == 0) {
			path = xasprintf("%s/%s/%s", qdir, q, de->d_name);
			r = read_maildrop(path, &e, &st);
			free(path);
			size = st.st_size;
		} else {
			r = read_qfile(qdir, q, de->d_name, &e, &size, &st);
		}
		if (r < 0 || e.sender == NULL) {
			env_free(&e);
			continue;
		}
		put(out, REC_ATTR, "queue_name=%s", q);
		put(out, REC_ATTR, "queue_id=%s", de->d_name);
		put(out, REC_ATTR, "arrival_time=%lld", e.time > 0 ? e.time :
		    (long long)st.st_mtime);
		put(out, REC_ATTR, "message_size=%lld", size);
		put(out, REC_ATTR, "forced_expire=0");
		showq_quote(*e.sender ? e.sender :
		    conf_str(P_empty_address_recipient), &qs);
		queue_rec(&out->wbuf, REC_FROM, qs.s, qs.len);
		list_rcpts(out, qdir, de->d_name, &e, &qs);
		queue_rec(&out->wbuf, REC_XTRA, "", 0);
		env_free(&e);
		if (out->wbuf.len >= FLUSH_AT && io_flush(out) < 0)
			break;
	}
	str_free(&qs);
	closedir(dir);
}

/* showq_write - the listing of every queue, in the stream of showq.h */
void
showq_write(const char *qdir, struct io *out)
{
	static const char *const order[] = {
		Q_MAILDROP, Q_ACTIVE, Q_INCOMING, Q_DEFERRED, Q_HOLD,
	};
	size_t i;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		list_queue(qdir, order[i], out);
	queue_rec(&out->wbuf, REC_END, "", 0);
	io_flush(out);
}

/* showq_msg_free - release what showq_read() filled in */
void
showq_msg_free(struct showq_msg *m)
{
	size_t i;

	for (i = 0; i < m->nrcpt; i++) {
		free(m->rcpt[i].addr);
		free(m->rcpt[i].reason);
	}
	free(m->rcpt);
	free(m->queue);
	free(m->id);
	free(m->sender);
	memset(m, 0, sizeof(*m));
}

/*
 * showq_read - the next message of the stream: 1, 0 at its end, -1 with
 * the reason in err (a malformed stream, or "refused: TEXT")
 */
int
showq_read(struct io *in, struct showq_msg *m, struct str *err)
{
	struct str d;
	char *reason = NULL;
	long long v;
	int type, res, ret = -1;

	memset(m, 0, sizeof(*m));
	str_init(&d);
	for (;;) {
		res = queue_io_get(in, &type, &d, STREAM_REC_MAX);
		if (res != QUEUE_REC) {
			str_set(err, res == QUEUE_IOERR && in->err ?
			    strerror(in->err) : "malformed showq server "
			    "response");
			break;
		}
		if (type == REC_END && m->queue == NULL) {
			ret = 0;
			break;
		}
		if (type == REC_XTRA && m->sender) {
			ret = 1;
			break;
		}
		if (type == REC_ATTR) {
			if (strncmp(d.s, "refused=", 8) == 0) {
				str_set(err, d.s + 8);
				break;
			} else if (strncmp(d.s, "queue_name=", 11) == 0) {
				free(m->queue);
				m->queue = xstrdup(d.s + 11);
			} else if (strncmp(d.s, "queue_id=", 9) == 0) {
				free(m->id);
				m->id = xstrdup(d.s + 9);
			} else if (strncmp(d.s, "arrival_time=", 13) == 0 &&
			    num_parse(d.s + 13, 0, 1LL << 60, &v) == 0) {
				m->time = v;
			} else if (strncmp(d.s, "message_size=", 13) == 0 &&
			    num_parse(d.s + 13, 0, 1LL << 60, &v) == 0) {
				m->size = v;
			} else if (strncmp(d.s, "forced_expire=", 14) == 0) {
				m->expire = d.s[14] == '1';
			} else if (strncmp(d.s, "delay_reason=", 13) == 0) {
				free(reason);
				reason = xstrdup(d.s + 13);
			}
			continue;
		}
		if (type == REC_FROM && m->queue && m->id && !m->sender) {
			m->sender = xstrdup(d.s);
			continue;
		}
		if (type == REC_RCPT && m->sender) {
			m->rcpt = xreallocarray(m->rcpt, m->nrcpt + 1,
			    sizeof(*m->rcpt));
			m->rcpt[m->nrcpt].addr = xstrdup(d.s);
			m->rcpt[m->nrcpt].reason = reason ? reason :
			    xstrdup("");
			reason = NULL;
			m->nrcpt++;
			continue;
		}
		str_set(err, "malformed showq server response");
		break;
	}
	free(reason);
	str_free(&d);
	if (ret != 1)
		showq_msg_free(m);
	return ret;
}

/*
 * showq_privileged - 1 for root and mail_owner, whom the
 * authorized_*_users lists never refuse
 */
int
showq_privileged(uid_t uid)
{
	struct passwd *pw;

	if (uid == 0)
		return 1;
	pw = getpwnam(conf_str(P_mail_owner));
	return pw && pw->pw_uid == uid;
}

/*
 * showq_allowed - may uid do what the list parameter pname guards
 * (authorized_mailq_users, authorized_flush_users)?  1 or 0, with the
 * login name (or the number) in who; -1 when the list cannot be read
 * (the reason in who).
 */
int
showq_allowed(enum conf_param p, uid_t uid, struct str *who)
{
	return match_user(p, uid, showq_privileged(uid), who);
}

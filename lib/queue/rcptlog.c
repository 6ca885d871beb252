/* MIT licence: see LICENSE. */
/*
 * rcptlog.c - the defer, bounce and trace logs of a queued message; the
 * format is in rcptlog.h.  Run by qmgr (writes) and postqueue (reads),
 * with no privileges of their own.  Man page: mta-queue(5).
 */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../io.h"
#include "../num.h"
#include "../str.h"
#include "../x.h"
#include "queue.h"
#include "rcptlog.h"

#define ENT_REC_MAX	65536

static char *
log_path(const char *qdir, const char *log, const char *id)
{
	if (!queue_id_ok(id) || strchr(log, '/'))
		return NULL;
	return xasprintf("%s/%s/%s", qdir, log, id);
}

static void
attr(struct str *b, const char *name, const char *v)
{
	struct str t;

	str_init(&t);
	str_addf(&t, "%s=%s", name, v ? v : "");
	queue_rec(b, REC_ATTR, t.s, t.len);
	str_free(&t);
}

/*
 * rcptlog_append - add one entry to log LOG of message ID; with sync,
 * the entry is on disk when this returns.  0, or -1 with errno.
 */
int
rcptlog_append(const char *qdir, const char *log, const char *id,
    const struct rcptlog_ent *e, int sync)
{
	struct str b;
	char num[32], *path;
	size_t off = 0;
	ssize_t n;
	int fd, ret = 0, saved;

	if ((path = log_path(qdir, log, id)) == NULL) {
		errno = EINVAL;
		return -1;
	}
	str_init(&b);
	queue_dsn_put(&b, e->orig, e->orcpt, e->notify);
	snprintf(num, sizeof(num), "%lld", e->off);
	attr(&b, "offset", num);
	attr(&b, "dsn", e->dsn);
	attr(&b, "action", e->action);
	attr(&b, "relay", e->relay);
	snprintf(num, sizeof(num), "%lld", (long long)e->when);
	attr(&b, "time", num);
	attr(&b, "reason", e->reason);
	queue_rec(&b, REC_RCPT, e->addr, strlen(e->addr));
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	free(path);
	if (fd < 0) {
		str_free(&b);
		return -1;
	}
	while (off < b.len) {
		n = write(fd, b.s + off, b.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = -1;
			break;
		}
		off += (size_t)n;
	}
	if (ret == 0 && sync && fsync(fd) < 0)
		ret = -1;
	saved = errno;
	close(fd);
	str_free(&b);
	errno = saved;
	return ret;
}

static void
ent_clear(struct rcptlog_ent *e)
{
	free(e->addr);
	free(e->orig);
	free(e->orcpt);
	free(e->action);
	free(e->relay);
	free(e->reason);
	memset(e, 0, sizeof(*e));
}

/* rcptlog_free - release what rcptlog_read() gave */
void
rcptlog_free(struct rcptlog_ent *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		ent_clear(&v[i]);
	free(v);
}

static void
ent_attr(struct rcptlog_ent *e, const char *s)
{
	long long n;

	if (strncmp(s, "offset=", 7) == 0 &&
	    num_parse(s + 7, 0, 1LL << 60, &n) == 0)
		e->off = n;
	else if (strncmp(s, "dsn=", 4) == 0)
		str_copy(e->dsn, s + 4, sizeof(e->dsn));
	else if (strncmp(s, "action=", 7) == 0)
		free(e->action), e->action = xstrdup(s + 7);
	else if (strncmp(s, "relay=", 6) == 0)
		free(e->relay), e->relay = xstrdup(s + 6);
	else if (strncmp(s, "reason=", 7) == 0)
		free(e->reason), e->reason = xstrdup(s + 7);
	else if (strncmp(s, "time=", 5) == 0 &&
	    num_parse(s + 5, 0, 1LL << 60, &n) == 0)
		e->when = (time_t)n;
}

/*
 * rcptlog_read - every complete entry of log LOG of message ID, oldest
 * first.  A missing log is no entries.  0, or -1 with errno.
 */
int
rcptlog_read(const char *qdir, const char *log, const char *id,
    struct rcptlog_ent **out, size_t *nout)
{
	struct rcptlog_ent cur, *v = NULL;
	struct queue_dsn dsn = { NULL, NULL, 0 };
	struct str d;
	struct io io;
	char *path;
	size_t n = 0;
	int fd, type;

	*out = NULL;
	*nout = 0;
	if ((path = log_path(qdir, log, id)) == NULL) {
		errno = EINVAL;
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	free(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	io_init(&io, fd, 0);
	str_init(&d);
	memset(&cur, 0, sizeof(cur));
	while (queue_io_get(&io, &type, &d, ENT_REC_MAX) == QUEUE_REC) {
		if (queue_dsn_get(&dsn, type, d.s) != 0)
			continue;	/* a bad NOTIFY is none */
		switch (type) {
		case REC_ATTR:
			ent_attr(&cur, d.s);
			break;
		case REC_RCPT:
			cur.addr = xstrdup(d.s);
			cur.orig = dsn.orig;
			cur.orcpt = dsn.orcpt;
			cur.notify = dsn.notify;
			memset(&dsn, 0, sizeof(dsn));
			if (!cur.action)
				cur.action = xstrdup("failed");
			if (!cur.relay)
				cur.relay = xstrdup("none");
			if (!cur.reason)
				cur.reason = xstrdup("");
			v = xreallocarray(v, n + 1, sizeof(*v));
			v[n++] = cur;
			memset(&cur, 0, sizeof(cur));
			break;
		}
	}
	ent_clear(&cur);
	queue_dsn_free(&dsn);
	str_free(&d);
	io_free(&io);
	close(fd);
	*out = v;
	*nout = n;
	return 0;
}

/* rcptlog_remove - delete log LOG of message ID; 0, or -1 (not ENOENT) */
int
rcptlog_remove(const char *qdir, const char *log, const char *id)
{
	char *path;
	int r;

	if ((path = log_path(qdir, log, id)) == NULL)
		return 0;
	r = unlink(path);
	free(path);
	return r < 0 && errno != ENOENT ? -1 : 0;
}

/* MIT licence: see LICENSE. */
/*
 * qmgr_msg.c - qmgr's side of a message: load a queue file into the
 * active queue, record each recipient's result (law 1: REC_DONE only
 * after the agent said sent, or bounced with the bounce log entry on
 * disk), and end the message's turn: notices owed (bounce, success, one
 * delay warning), expiry, then removal or the move to deferred with the
 * time of the next attempt as the file's time.  Runs in qmgr, as
 * mail_owner.  Man page: qmgr(8).
 */
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../config.h"
#include "../../lib/conf.h"
#include "../../lib/log.h"
#include "../../lib/num.h"
#include "../../lib/queue/agent.h"
#include "../../lib/queue/queue.h"
#include "../../lib/queue/rcptlog.h"
#include "../../lib/str.h"
#include "../../lib/x.h"
#include "bounce.h"
#include "qmgr_msg.h"

#define WARNED_BIT	S_IXGRP	/* the delay warning was sent */

#define LOAD_AGAIN	-1	/* read_msg(): try again later */
#define LOAD_BAD	-2	/* read_msg(): a format error */

struct qmgr_queue qmgr_q;

static double
age(const struct qmgr_msg *m)
{
	struct timeval now;

	gettimeofday(&now, NULL);
	return (double)(now.tv_sec - m->arrival.tv_sec);
}

/* messages -------------------------------------------------------------- */

static void
msg_free(struct qmgr_msg *m)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		free(m->r[i].addr);
		free(m->r[i].orig);
		free(m->r[i].orcpt);
	}
	free(m->r);
	free(m->sender);
	queue_close(m->q);
	free(m);
}

static void
msg_unlink(struct qmgr_msg *m)
{
	struct qmgr_msg **pp, *prev = NULL;

	for (pp = &qmgr_q.msgs; *pp; prev = *pp, pp = &(*pp)->next)
		if (*pp == m) {
			*pp = m->next;
			if (qmgr_q.last == m)
				qmgr_q.last = prev;
			qmgr_q.nmsgs--;
			return;
		}
}

/* the log line of a result qmgr decides itself (error, retry, discard) */
void
qmgr_msg_log(struct qmgr_msg *m, struct qmgr_rcpt *r, int status, const char *dsn,
    const char *reason)
{
	struct agent_req req;
	struct agent_rcpt ar;
	struct str line;

	agent_req_init(&req);
	memset(&ar, 0, sizeof(ar));
	req.queue_id = m->id;
	req.arrival = m->arrival;
	req.active = m->active;
	gettimeofday(&req.start, NULL);
	ar.addr = r->addr;
	ar.orig = r->orig;
	ar.status = status;
	str_copy(ar.dsn, dsn, sizeof(ar.dsn));
	ar.relay = "none";
	ar.reason = (char *)reason;
	str_init(&line);
	agent_log_line(&req, &ar, &line);
	info("%s", line.s);
	str_free(&line);
}

static int is_expired(const struct qmgr_msg *);
static void expire(struct qmgr_msg *);

static void
log_entry(struct rcptlog_ent *e, struct qmgr_rcpt *r, const char *action,
    const char *dsn, const char *relay, const char *reason)
{
	memset(e, 0, sizeof(*e));
	e->addr = r->addr;
	e->orig = r->orig;
	e->orcpt = r->orcpt;
	e->notify = r->notify;
	e->off = r->off;
	str_copy(e->dsn, dsn, sizeof(e->dsn));
	e->action = (char *)action;
	e->relay = (char *)(relay ? relay : "none");
	e->reason = (char *)reason;
	e->when = time(NULL);
}

/*
 * r is the message's last recipient not done: when it is done too, the
 * file is removed right after (qmgr_msg_done), so its mark needs no
 * fsync.  Should the removal not come (a notice failed) and the system
 * crash, the recipient is delivered again: a duplicate, never a loss.
 */
static int
last_open(const struct qmgr_msg *m, const struct qmgr_rcpt *r)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (&m->r[i] != r && m->r[i].state != R_DONE)
			return 0;
	return 1;
}

/*
 * result - what happened to recipient r: on disk first (bounce log,
 * REC_DONE), then counted; the message finishes with its last one
 */
void
qmgr_msg_result(struct qmgr_msg *m, struct qmgr_rcpt *r, int status, const char *dsn,
    const char *relay, const char *reason)
{
	struct rcptlog_ent e;

	if (status == AGENT_BOUNCE) {
		log_entry(&e, r, "failed", dsn, relay, reason);
		if (rcptlog_append(qmgr_q.qdir, RCPTLOG_BOUNCE, m->id, &e, 1) < 0) {
			warn("%s: cannot write the bounce log: %s", m->id,
			    strerror(errno));
			status = AGENT_DEFER;
		}
	}
	if (status == AGENT_SENT && (r->notify & DSN_NOTIFY_SUCCESS)) {
		log_entry(&e, r, "delivered", dsn, relay, reason);
		if (rcptlog_append(qmgr_q.qdir, RCPTLOG_TRACE, m->id, &e, 1) < 0)
			warn("%s: cannot write the trace log: %s", m->id,
			    strerror(errno));
	}
	if (status != AGENT_DEFER) {
		if (queue_mark_done(m->q, r->off, !last_open(m, r)) < 0) {
			warn("%s: %s", m->id, m->q->err.s);
			status = AGENT_DEFER;
		} else {
			r->state = R_DONE;
		}
	}
	if (status == AGENT_DEFER) {
		log_entry(&e, r, "delayed", dsn, relay, reason);
		if (rcptlog_append(qmgr_q.qdir, RCPTLOG_DEFER, m->id, &e, 0) < 0)
			warn("%s: cannot write the defer log: %s", m->id,
			    strerror(errno));
		r->state = R_DEFER;
		m->deferred = 1;
	}
	if (m->open > 0 && --m->open == 0 && m->refs == 0)
		qmgr_msg_done(m);
}

/* notices --------------------------------------------------------------- */

/* the last entry of each recipient still in the message's log */
static size_t
latest(struct rcptlog_ent *v, size_t n)
{
	size_t i, j, k = 0;

	for (i = 0; i < n; i++) {
		for (j = i + 1; j < n; j++)
			if (v[j].off == v[i].off)
				break;
		if (j < n)
			continue;
		if (k != i) {
			struct rcptlog_ent t = v[k];

			v[k] = v[i];
			v[i] = t;
		}
		k++;
	}
	return k;
}

/* send the notice of log LOG; 0 when sent (or none was due), -1 */
static int
notice(struct qmgr_msg *m, const char *log, int kind)
{
	struct rcptlog_ent *v;
	struct str out;
	size_t n, k;
	int r = 0;

	if (rcptlog_read(qmgr_q.qdir, log, m->id, &v, &n) < 0) {
		warn("%s: cannot read the %s log: %s", m->id, log,
		    strerror(errno));
		return -1;
	}
	if (n == 0)
		return 0;
	k = latest(v, n);
	str_init(&out);
	if (bounce_send(qmgr_q.qdir, Q_ACTIVE, m->id, kind, v, k, &out) < 0) {
		warn("%s: cannot send the %s notice: %s", m->id, log, out.s);
		r = -1;
	}
	str_free(&out);
	rcptlog_free(v, n);
	return r;
}

/* the delay notice, once: path is the file in active/ */
static void
delay_warning(struct qmgr_msg *m, const char *path)
{
	struct rcptlog_ent *v;
	struct str out;
	struct stat st;
	size_t n, k, i, j;
	long long warn_after = conf_time(P_delay_warning_time);

	if (warn_after <= 0 || age(m) < (double)warn_after ||
	    stat(path, &st) < 0 || (st.st_mode & WARNED_BIT))
		return;
	if (rcptlog_read(qmgr_q.qdir, RCPTLOG_DEFER, m->id, &v, &n) < 0)
		return;
	k = latest(v, n);
	/* only the recipients that are still deferred */
	for (i = j = 0; i < k; i++) {
		size_t x;

		for (x = 0; x < m->n; x++)
			if (m->r[x].off == v[i].off &&
			    m->r[x].state == R_DEFER)
				break;
		if (x == m->n)
			continue;
		if (i != j) {
			struct rcptlog_ent t = v[j];

			v[j] = v[i];
			v[i] = t;
		}
		j++;
	}
	str_init(&out);
	if (j > 0 && bounce_send(qmgr_q.qdir, Q_ACTIVE, m->id, BOUNCE_DELAYED, v,
	    j, &out) < 0)
		warn("%s: cannot send the delay notice: %s", m->id, out.s);
	else
		chmod(path, (st.st_mode & 07777) | WARNED_BIT);
	str_free(&out);
	rcptlog_free(v, n);
}

/*
 * msg_done - every recipient had its turn: send the notices owed,
 * then remove the file, or move it to deferred with its next attempt
 * time
 */
void
qmgr_msg_done(struct qmgr_msg *m)
{
	struct timeval tv[2];
	char *from, *to;
	long long delay;
	int keep;

	if (m->deferred && is_expired(m))
		expire(m);
	keep = m->deferred;
	if (notice(m, RCPTLOG_BOUNCE, BOUNCE_FAILED) == 0)
		rcptlog_remove(qmgr_q.qdir, RCPTLOG_BOUNCE, m->id);
	else
		keep = 1;
	if (notice(m, RCPTLOG_TRACE, BOUNCE_SUCCESS) == 0)
		rcptlog_remove(qmgr_q.qdir, RCPTLOG_TRACE, m->id);
	else
		keep = 1;
	from = xasprintf("%s/%s/%s", qmgr_q.qdir, Q_ACTIVE, m->id);
	if (!keep) {
		rcptlog_remove(qmgr_q.qdir, RCPTLOG_DEFER, m->id);
		if (unlink(from) < 0 && errno != ENOENT)
			warn("%s: remove %s: %s", m->id, from,
			    strerror(errno));
		else
			info("%s: removed", m->id);
	} else {
		if (m->deferred)
			delay_warning(m, from);
		delay = (long long)age(m);
		if (delay > conf_time(P_maximal_backoff_time))
			delay = conf_time(P_maximal_backoff_time);
		if (delay < conf_time(P_minimal_backoff_time))
			delay = conf_time(P_minimal_backoff_time);
		gettimeofday(&tv[0], NULL);
		tv[0].tv_sec += (time_t)delay;
		tv[1] = tv[0];
		utimes(from, tv);
		to = xasprintf("%s/%s/%s", qmgr_q.qdir, Q_DEFERRED, m->id);
		if (rename(from, to) < 0 && errno != ENOENT)
			warn("%s: move to %s: %s", m->id, to,
			    strerror(errno));
		free(to);
	}
	free(from);
	msg_unlink(m);
	msg_free(m);
	qmgr_q.scan_in = 1;		/* a slot is free */
}

static int
is_expired(const struct qmgr_msg *m)
{
	long long life = *m->sender ? conf_time(P_maximal_queue_lifetime) :
	    conf_time(P_bounce_queue_lifetime);

	return age(m) > (double)life;
}

/* the last defer reason of r, for an expired message */
static void
last_reason(struct qmgr_msg *m, struct qmgr_rcpt *r, struct rcptlog_ent *v, size_t n,
    char *dsn, size_t dsnlen, const char **reason)
{
	size_t i;

	str_copy(dsn, "4.4.7", dsnlen);
	*reason = "message expired";
	for (i = n; i-- > 0;)
		if (v[i].off == r->off) {
			if (v[i].dsn[0])
				str_copy(dsn, v[i].dsn, dsnlen);
			*reason = v[i].reason;
			return;
		}
	(void)m;
}

/*
 * expire - the message is older than its queue lifetime: every deferred
 * recipient bounces with its last defer reason, as Postfix's "status=
 * expired, returned to sender"
 */
static void
expire(struct qmgr_msg *m)
{
	struct rcptlog_ent *v = NULL, e;
	const char *reason;
	char dsn[16];
	size_t n = 0, i;

	info("%s: from=<%s>, status=expired, returned to sender", m->id,
	    m->sender);
	(void)rcptlog_read(qmgr_q.qdir, RCPTLOG_DEFER, m->id, &v, &n);
	m->deferred = 0;
	for (i = 0; i < m->n; i++) {
		struct qmgr_rcpt *r = &m->r[i];

		if (r->state != R_DEFER)
			continue;
		last_reason(m, r, v, n, dsn, sizeof(dsn), &reason);
		log_entry(&e, r, "failed", dsn, "none", reason);
		if (rcptlog_append(qmgr_q.qdir, RCPTLOG_BOUNCE, m->id, &e, 1) < 0 ||
		    queue_mark_done(m->q, r->off, 1) < 0) {
			warn("%s: cannot bounce <%s>: %s", m->id, r->addr,
			    strerror(errno));
			m->deferred = 1;
			continue;
		}
		r->state = R_DONE;
	}
	rcptlog_free(v, n);
}

static struct qmgr_rcpt *
add_rcpt(struct qmgr_msg *m, long long off, const char *addr)
{
	struct qmgr_rcpt *r;

	m->r = xreallocarray(m->r, m->n + 1, sizeof(*m->r));
	r = &m->r[m->n++];
	memset(r, 0, sizeof(*r));
	r->off = off;
	r->addr = xstrdup(addr);
	return r;
}

/*
 * read the envelope and the recipients still open: 0, LOAD_AGAIN (a
 * read error: the file may be good) or LOAD_BAD (its format is bad);
 * m->q->err says why
 */
static int
read_msg(struct qmgr_msg *m)
{
	struct str d;
	struct queue_dsn dsn = { NULL, NULL, 0 };
	long long off;
	int type, res, ok = 0;
	struct qmgr_rcpt *r;

	str_init(&d);
	while ((res = queue_get(m->q, &type, &d, &off)) == QUEUE_REC) {
		if (queue_dsn_get(&dsn, type, d.s) != 0)
			continue;	/* a bad NOTIFY is none */
		switch (type) {
		case REC_TIME:
			(void)queue_parse_time(d.s, &m->arrival);
			break;
		case REC_FROM:
			free(m->sender);
			m->sender = xstrdup(d.s);
			break;
		case REC_RCPT:
		case REC_DONE:
			r = add_rcpt(m, off, d.s);
			r->orig = dsn.orig;
			r->orcpt = dsn.orcpt;
			r->notify = dsn.notify;
			r->state = type == REC_DONE ? R_DONE : R_TODO;
			if (type == REC_RCPT)
				m->open++;
			memset(&dsn, 0, sizeof(dsn));
			break;
		case REC_END:
			ok = 1;
			break;
		}
	}
	queue_dsn_free(&dsn);
	str_free(&d);
	if (!ok)
		return m->q->corrupt ? LOAD_BAD : LOAD_AGAIN;
	if (m->sender == NULL) {
		str_set(&m->q->err, "queue file without a sender record");
		return LOAD_BAD;
	}
	return 0;
}

/*
 * a file that may be good could not be read now (no descriptors, no
 * memory, EIO): never corrupt/ for that (DESIGN.md, law 1).  It goes
 * back to incoming/, where the next scan finds it, and loading pauses
 * until the scheduler sees descriptors come free.
 */
static void
load_later(const char *id, const char *why)
{
	char *from, *to;

	from = xasprintf("%s/%s/%s", qmgr_q.qdir, Q_ACTIVE, id);
	to = xasprintf("%s/%s/%s", qmgr_q.qdir, Q_INCOMING, id);
	if (rename(from, to) < 0 && errno != ENOENT)
		warn("%s: move to %s: %s", id, Q_INCOMING, strerror(errno));
	warn("%s: %s; will try again", id, why);
	free(from);
	free(to);
	qmgr_q.pause = 1;
}

/*
 * qmgr_msg_load - take queue file qname/id into the active queue: the
 * message with its open recipients, or NULL (gone; corrupt: moved to
 * corrupt/; unreadable for now: back in incoming/ with qmgr_q.pause
 * set; or already finished: a crash came after its last recipient)
 */
struct qmgr_msg *
qmgr_msg_load(const char *qname, const char *id, int flush)
{
	struct str err;
	struct qmgr_msg *m;
	struct stat st;
	char *from, *to;
	int res;

	from = xasprintf("%s/%s/%s", qmgr_q.qdir, qname, id);
	to = xasprintf("%s/%s/%s", qmgr_q.qdir, Q_ACTIVE, id);
	/* not marked complete: cleanup is writing it (or a crash left it) */
	if (lstat(from, &st) < 0 || queue_incomplete(qname, &st)) {
		free(from);
		free(to);
		return NULL;
	}
	if (rename(from, to) < 0) {
		if (errno != ENOENT)
			warn("%s: move to active: %s", id, strerror(errno));
		free(from);
		free(to);
		return NULL;
	}
	free(from);
	free(to);
	str_init(&err);
	m = xcalloc(1, sizeof(*m));
	str_copy(m->id, id, sizeof(m->id));
	gettimeofday(&m->active, NULL);
	m->flush = flush;
	if ((m->q = queue_open(qmgr_q.qdir, Q_ACTIVE, id, QUEUE_RDWR,
	    &err)) == NULL) {
		if (errno == ENOENT)
			;	/* postsuper took it */
		else if (errno == EINVAL)
			queue_quarantine(qmgr_q.qdir, Q_ACTIVE, id, err.s);
		else
			load_later(id, err.s);
		goto fail;
	}
	if ((res = read_msg(m)) != 0) {
		if (res == LOAD_BAD)
			queue_quarantine(qmgr_q.qdir, Q_ACTIVE, id,
			    m->q->err.s);
		else
			load_later(id, m->q->err.s);
		goto fail;
	}
	/* no descriptor per active message: reopened to mark one done */
	queue_release(m->q);
	str_free(&err);
	if (m->arrival.tv_sec == 0)
		m->arrival = m->active;
	info("%s: from=<%s>, size=%lld, nrcpt=%zu (queue active)", m->id,
	    m->sender, m->q->size.size, m->n);
	if (qmgr_q.last)
		qmgr_q.last->next = m;
	else
		qmgr_q.msgs = m;
	qmgr_q.last = m;
	qmgr_q.nmsgs++;
	if (m->open == 0) {
		qmgr_msg_done(m);	/* finished before a crash: the notices */
		return NULL;
	}
	return m;
fail:
	str_free(&err);
	msg_free(m);
	return NULL;
}


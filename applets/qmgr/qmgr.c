/* MIT licence: see LICENSE. */
/*
 * qmgr - the queue manager: moves mail from incoming and deferred into a
 * bounded active queue, resolves each recipient to transport:nexthop,
 * runs delivery agents with per-destination concurrency, marks
 * recipients done, defers with exponential backoff, and sends bounces.
 *
 * A daemon run by master as mail_owner, one process; its trigger socket
 * or fifo is fd 0 ("I" incoming, "D" deferred, "A" everything now, "F"
 * forget dead destinations, "W" wake up).  Any user may connect to the
 * socket: D, A and F are honoured only from root, mail_owner and
 * authorized_flush_users, by the uid the kernel gives (SO_PEERCRED);
 * master makes a fifo writable by mail_owner only.  Agents are reached
 * at the master.cf service named by the transport ($queue_directory/
 * private/NAME); without master the binary runs itself as smtp, lmtp or
 * local.
 * The request protocol is lib/queue/agent.h; the message side (loading,
 * results, notices, expiry, the end of a message's turn) is
 * qmgr_msg.c.  Man page: qmgr(8).
 *
 * Durability (DESIGN.md, law 1): a recipient becomes REC_DONE only
 * after its agent said sent (or bounced, and the bounce log entry is on
 * disk); the file is removed only when every recipient is done and the
 * notices it owes are queued.  At start, what a crash left in active/
 * goes back to incoming/: at worst a delivery happens twice.
 *
 * A deferred file's modification time is the time of its next attempt,
 * as Postfix's: the backoff is the message's age, between
 * minimal_backoff_time and maximal_backoff_time.  The group-execute bit
 * of a queue file says that its delay warning was sent.
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "../../config.h"
#include "../../lib/conf.h"
#include "../../lib/io.h"
#include "../../lib/log.h"
#include "../../lib/num.h"
#include "../../lib/priv.h"
#include "../../lib/queue/agent.h"
#include "../../lib/queue/queue.h"
#include "../../lib/queue/showq.h"
#include "../../lib/str.h"
#include "../../lib/svc.h"
#include "../../lib/table/match.h"
#include "../../lib/x.h"
#include "qmgr_msg.h"
#include "resolve.h"

#define DEAD_MAX	300	/* seconds a dead destination is skipped */
/* fds kept for all but the jobs, and the trigger clients (svc_trig) */
#define FD_RESERVE	(16 + SVC_TRIG_CONNS)
#define PAUSE		1	/* seconds a transient error stops loading */

struct dent {				/* a message with mail for a dest */
	struct qmgr_msg	*m;
	struct dent	*next;
};

struct dest {
	struct dest	*next;
	char		*transport, *nexthop;
	int		busy, window, limit, rcpt_limit;
	time_t		dead_until;
	char		*dead_why;
	time_t		last_done;	/* a delivery ended (conn caching) */
	struct dent	*head, *tail;
};

struct job {
	struct job	*next;
	struct dest	*d;
	struct qmgr_msg	*m;
	size_t		*idx;		/* into m->r, parallel to req.rcpt */
	struct agent_req req;
	struct io	io;
	pid_t		pid;
};

static struct {
	size_t		limit;
	struct dest	*dests;
	struct job	*jobs;
	size_t		njobs, job_max;	/* agents at work; their bound */
	time_t		pause_until;	/* qmgr_q.pause ends then at last */
	struct match_list *defer_tr;
	time_t		next_deferred;
	int		scan_def, flush;
	int		fifo_safe;	/* fd 0 is a fifo only we may write */
	struct svc_trig	trig;		/* trigger clients yet to write */
} g;

/* parameters ----------------------------------------------------------- */

static long long
param_int(const char *transport, const char *suffix, long long dflt)
{
	char name[256];
	const char *v;
	long long n;

	snprintf(name, sizeof(name), "%s_%s", transport, suffix);
	if ((v = conf_get(name)) != NULL && num_parse(v, 0, 1000000, &n) == 0)
		return n;
	return dflt;
}

/* destinations ---------------------------------------------------------- */

static struct dest *
dest_get(const char *transport, const char *nexthop)
{
	struct dest *d;
	long long init;

	for (d = g.dests; d; d = d->next)
		if (strcmp(d->transport, transport) == 0 &&
		    strcasecmp(d->nexthop, nexthop) == 0)
			return d;
	d = xcalloc(1, sizeof(*d));
	d->transport = xstrdup(transport);
	d->nexthop = xstrdup(nexthop);
	d->limit = (int)param_int(transport, "destination_concurrency_limit",
	    conf_int(P_default_destination_concurrency_limit));
	if (d->limit <= 0)
		d->limit = 1000;
	d->rcpt_limit = (int)param_int(transport,
	    "destination_recipient_limit",
	    conf_int(P_default_destination_recipient_limit));
	if (d->rcpt_limit <= 0)
		d->rcpt_limit = 1000000;
	init = param_int(transport, "initial_destination_concurrency",
	    conf_int(P_initial_destination_concurrency));
	d->window = init < 1 ? 1 : (int)init;
	if (d->window > d->limit)
		d->window = d->limit;
	d->next = g.dests;
	g.dests = d;
	return d;
}

static void
dest_add(struct dest *d, struct qmgr_msg *m)
{
	struct dent *e;

	/* one entry per message and destination */
	if (d->tail && d->tail->m == m)
		return;
	e = xcalloc(1, sizeof(*e));
	e->m = m;
	m->refs++;
	if (d->tail)
		d->tail->next = e;
	else
		d->head = e;
	d->tail = e;
}

/* drop d's first entry; the message may finish */
static void
dest_pop(struct dest *d)
{
	struct dent *e = d->head;
	struct qmgr_msg *m = e->m;

	d->head = e->next;
	if (d->head == NULL)
		d->tail = NULL;
	free(e);
	if (--m->refs == 0 && m->open == 0)
		qmgr_msg_done(m);
}

/* defer every waiting recipient of d with why */
static void
dest_defer_all(struct dest *d, const char *why)
{
	size_t i;

	while (d->head) {
		struct qmgr_msg *m = d->head->m;

		m->refs++;	/* keep m while its recipients finish */
		for (i = 0; i < m->n; i++)
			if (m->r[i].d == d && m->r[i].state == R_TODO) {
				m->r[i].state = R_BUSY;
				qmgr_msg_log(m, &m->r[i], AGENT_DEFER, "4.4.1",
				    why);
				qmgr_msg_result(m, &m->r[i], AGENT_DEFER, "4.4.1",
				    "none", why);
			}
		m->refs--;
		dest_pop(d);
	}
}

/* loading ---------------------------------------------------------------- */

static int
special(struct qmgr_msg *m, struct qmgr_rcpt *r, const struct resolve *res)
{
	const char *t = res->transport.s, *text = res->nexthop.s;
	char dsn[16];
	int status;

	if (strcmp(t, "error") == 0)
		status = AGENT_BOUNCE;
	else if (strcmp(t, "retry") == 0)
		status = AGENT_DEFER;
	else if (strcmp(t, "discard") == 0)
		status = AGENT_SENT;
	else
		return 0;
	/* "X.Y.Z text" picks the code, as error(8) */
	str_copy(dsn, status == AGENT_SENT ? "2.0.0" : status ==
	    AGENT_BOUNCE ? "5.0.0" : "4.0.0", sizeof(dsn));
	if (status != AGENT_SENT && text[0] == dsn[0] && text[1] == '.') {
		size_t k = strcspn(text, " ");

		if (k < sizeof(dsn)) {
			memcpy(dsn, text, k);
			dsn[k] = 0;
			text += k;
			while (*text == ' ')
				text++;
		}
	}
	if (!*text || strcmp(res->nexthop.s, conf_str(P_myhostname)) == 0)
		text = status == AGENT_SENT ? "discarded" : status ==
		    AGENT_BOUNCE ? "delivery failed" : "delivery deferred";
	r->state = R_BUSY;
	qmgr_msg_log(m, r, status, dsn, text);
	qmgr_msg_result(m, r, status, dsn, "none", text);
	return 1;
}

/* resolve each open recipient; queue it on its destination */
static void
route(struct qmgr_msg *m)
{
	struct resolve res;
	size_t i;

	resolve_init(&res);
	m->refs++;
	for (i = 0; i < m->n; i++) {
		struct qmgr_rcpt *r = &m->r[i];

		if (r->state != R_TODO)
			continue;
		if (resolve_rcpt(r->addr, &res) != RESOLVE_DELIVER) {
			r->state = R_BUSY;
			qmgr_msg_log(m, r, res.verdict == RESOLVE_BOUNCE ?
			    AGENT_BOUNCE : AGENT_DEFER, res.dsn,
			    res.reason.s);
			qmgr_msg_result(m, r, res.verdict == RESOLVE_BOUNCE ?
			    AGENT_BOUNCE : AGENT_DEFER, res.dsn, "none",
			    res.reason.s);
			continue;
		}
		if (special(m, r, &res))
			continue;
		if (!m->flush && g.defer_tr &&
		    match_find(g.defer_tr, res.transport.s, NULL) > 0) {
			r->state = R_BUSY;
			qmgr_msg_log(m, r, AGENT_DEFER, "4.3.2",
			    "deferred transport");
			qmgr_msg_result(m, r, AGENT_DEFER, "4.3.2", "none",
			    "deferred transport");
			continue;
		}
		r->d = dest_get(res.transport.s, res.nexthop.s);
		dest_add(r->d, m);
	}
	resolve_free(&res);
	if (--m->refs == 0 && m->open == 0)
		qmgr_msg_done(m);
}

/* take qname/id into the active queue and route its recipients */
static void
load(const char *qname, const char *id)
{
	struct qmgr_msg *m;

	if ((m = qmgr_msg_load(qname, id, g.flush)) != NULL)
		route(m);
}

/*
 * scan qname; with due, skip deferred files whose time has not come.
 * -1 when a transient error stopped it: the caller scans again later;
 * 1 when the active queue filled up before the end: the caller goes on
 * once messages have left it (what was taken is no longer in qname).
 */
static int
scan(const char *qname, int due)
{
	char *dir, *path;
	DIR *dp;
	struct dirent *de;
	struct stat st;
	time_t now = time(NULL);

	dir = xasprintf("%s/%s", qmgr_q.qdir, qname);
	if ((dp = opendir(dir)) == NULL) {
		warn("open %s: %s; will try again", dir, strerror(errno));
		free(dir);
		qmgr_q.pause = 1;
		return -1;
	}
	while (qmgr_q.nmsgs < g.limit && !qmgr_q.pause &&
	    (de = readdir(dp)) != NULL) {
		if (de->d_name[0] == '.' || !queue_id_ok(de->d_name))
			continue;
		if (due) {
			path = xasprintf("%s/%s", dir, de->d_name);
			if (stat(path, &st) < 0 || st.st_mtime > now) {
				free(path);
				continue;
			}
			free(path);
		}
		load(qname, de->d_name);
	}
	closedir(dp);
	free(dir);
	if (qmgr_q.pause)
		return -1;
	return qmgr_q.nmsgs >= g.limit ? 1 : 0;
}

/* at start: what a crash left active goes back to incoming */
static void
recover(void)
{
	char *dir, *from, *to;
	DIR *dp;
	struct dirent *de;
	struct stat st;

	dir = xasprintf("%s/%s", qmgr_q.qdir, Q_ACTIVE);
	if ((dp = opendir(dir)) == NULL) {
		free(dir);
		return;
	}
	while ((de = readdir(dp)) != NULL) {
		if (!queue_id_ok(de->d_name))
			continue;
		from = xasprintf("%s/%s", dir, de->d_name);
		to = xasprintf("%s/%s/%s", qmgr_q.qdir, Q_INCOMING, de->d_name);
		/*
		 * complete, or it would not be active: an older mta's
		 * file, without the bit, must not look incomplete there
		 */
		if (stat(from, &st) == 0 && !QUEUE_READY(&st))
			chmod(from, (st.st_mode & 07777) | QUEUE_MODE_READY);
		if (rename(from, to) < 0)
			warn("%s: move to incoming: %s", de->d_name,
			    strerror(errno));
		free(from);
		free(to);
	}
	closedir(dp);
	free(dir);
}

/* jobs ------------------------------------------------------------------- */

static int
own_agent(const char *name)
{
	return strcmp(name, "smtp") == 0 || strcmp(name, "lmtp") == 0 ||
	    strcmp(name, "local") == 0;
}

/* finish a job: its results into the queue */
static void
job_end(struct job *j, int ok)
{
	struct job **pp;
	struct dest *d = j->d;
	struct qmgr_msg *m = j->m;
	struct str err;
	size_t i;

	str_init(&err);
	if (ok && agent_result_read(&j->io, &j->req, &err) < 0)
		warn("%s: %s: %s", m->id, d->transport, err.s);
	/* its descriptor first: marking the recipients done opens the file */
	if (j->io.fd >= 0)
		close(j->io.fd);
	j->io.fd = -1;
	m->refs++;
	for (i = 0; i < j->req.nrcpt; i++) {
		struct agent_rcpt *a = &j->req.rcpt[i];
		struct qmgr_rcpt *r = &m->r[j->idx[i]];

		if (a->status == AGENT_NONE) {
			qmgr_msg_log(m, r, AGENT_DEFER, "4.3.0",
			    "unknown mail transport error");
			qmgr_msg_result(m, r, AGENT_DEFER, "4.3.0", "none",
			    "unknown mail transport error");
		} else {
			qmgr_msg_result(m, r, a->status, a->dsn, a->relay, a->reason);
		}
	}
	d->busy--;
	d->last_done = time(NULL);
	qmgr_q.pause = 0;	/* a descriptor came free */
	g.pause_until = 0;
	if (j->req.dead) {
		free(d->dead_why);
		d->dead_why = xasprintf("delivery temporarily suspended: %s",
		    j->req.dead);
		d->dead_until = time(NULL) + (conf_time(P_minimal_backoff_time)
		    < DEAD_MAX ? conf_time(P_minimal_backoff_time) : DEAD_MAX);
		d->window = 1;
		dest_defer_all(d, d->dead_why);
	} else if (d->window < d->limit) {
		d->window++;
	}
	for (pp = &g.jobs; *pp; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	g.njobs--;
	io_free(&j->io);
	free(j->idx);
	j->req.queue_id = NULL;	/* borrowed from m */
	agent_req_free(&j->req);
	free(j);
	str_free(&err);
	if (--m->refs == 0 && m->open == 0)
		qmgr_msg_done(m);
}

/* resource shortage: it passes when a job ends (law 1, law 8) */
static int
transient(int e)
{
	return e == EMFILE || e == ENFILE || e == ENOMEM || e == ENOBUFS ||
	    e == EAGAIN;
}

/*
 * start one agent for d's first message, with up to rcpt_limit rcpts;
 * -1 when no descriptor or process could be had for it now (nothing
 * changed: the mail waits for a job to end)
 */
static int
job_start(struct dest *d)
{
	struct qmgr_msg *m = d->head->m;
	struct job *j;
	struct str err;
	size_t i;
	pid_t pid = 0;
	int fd, e, left = 0;

	str_init(&err);
	fd = svc_connect(qmgr_q.qdir, d->transport, &err);
	e = errno;
	if (fd < 0 && (e == ENOENT || e == ECONNREFUSED) &&
	    own_agent(d->transport)) {
		fd = svc_spawn(d->transport, &pid, &err);
		e = errno;
	}
	if (fd < 0 && transient(e)) {
		warn("connect to transport %s/%s: %s; will try again",
		    Q_PRIVATE, d->transport, err.len ? err.s : strerror(e));
		str_free(&err);
		qmgr_q.pause = 1;
		return -1;
	}
	j = xcalloc(1, sizeof(*j));
	j->d = d;
	j->m = m;
	j->pid = pid;
	agent_req_init(&j->req);
	for (i = 0; i < m->n; i++) {
		struct qmgr_rcpt *r = &m->r[i];
		struct agent_rcpt *a;

		if (r->d != d || r->state != R_TODO)
			continue;
		if ((int)j->req.nrcpt >= d->rcpt_limit) {
			left = 1;
			break;
		}
		a = agent_req_add(&j->req, r->off, r->addr);
		a->orig = r->orig ? xstrdup(r->orig) : NULL;
		a->orcpt = r->orcpt ? xstrdup(r->orcpt) : NULL;
		a->notify = r->notify;
		j->idx = xreallocarray(j->idx, j->req.nrcpt, sizeof(*j->idx));
		j->idx[j->req.nrcpt - 1] = i;
		r->state = R_BUSY;
	}
	m->refs++;
	if (!left)
		dest_pop(d);
	/*
	 * more mail waits for d, is on its way there, or went there a moment
	 * ago: the agent keeps its connection (Postfix's on-demand caching)
	 */
	if (left || d->head != NULL || d->busy > 0 ||
	    d->last_done + 1 >= time(NULL))
		j->req.flags |= AGENT_F_CONN_CACHE;
	j->req.transport = xstrdup(d->transport);
	j->req.nexthop = xstrdup(d->nexthop);
	j->req.queue_name = xstrdup(Q_ACTIVE);
	j->req.queue_id = m->id;
	j->req.sender = xstrdup(m->sender);
	j->req.arrival = m->arrival;
	j->req.active = m->active;
	j->next = g.jobs;
	g.jobs = j;
	g.njobs++;
	d->busy++;
	io_init(&j->io, fd, (int)conf_time(P_ipc_timeout));
	if (fd < 0) {
		warn("connect to transport %s/%s: %s", Q_PRIVATE,
		    d->transport, err.len ? err.s : strerror(e));
		for (i = 0; i < j->req.nrcpt; i++) {
			j->req.rcpt[i].status = AGENT_DEFER;
			str_copy(j->req.rcpt[i].dsn, "4.3.0",
			    sizeof(j->req.rcpt[i].dsn));
			j->req.rcpt[i].relay = xstrdup("none");
			j->req.rcpt[i].reason =
			    xstrdup("mail transport unavailable");
			qmgr_msg_log(m, &m->r[j->idx[i]], AGENT_DEFER, "4.3.0",
			    "mail transport unavailable");
		}
		str_free(&err);
		job_end(j, 0);
		m->refs--;
		if (m->refs == 0 && m->open == 0)
			qmgr_msg_done(m);
		return 0;
	}
	str_free(&err);
	agent_req_write(&j->io, &j->req);
	if (io_flush(&j->io) < 0)
		warn("%s: send the request to %s: %s", m->id, d->transport,
		    strerror(j->io.err));
	m->refs--;
	return 0;
}

/* start what the windows allow */
static void
dispatch(void)
{
	struct dest *d;
	time_t now = time(NULL);
	int progress = 1;

	while (progress) {
		progress = 0;
		for (d = g.dests; d; d = d->next) {
			if (d->head == NULL)
				continue;
			if (d->dead_until > now) {
				dest_defer_all(d, d->dead_why);
				progress = 1;
				continue;
			}
			if (d->busy < d->window && g.njobs < g.job_max &&
			    !qmgr_q.pause && job_start(d) == 0)
				progress = 1;
		}
	}
}

/* forget idle destinations (and with all, the dead ones too) */
static void
dest_gc(int all)
{
	struct dest **pp = &g.dests, *d;
	time_t now = time(NULL);

	while ((d = *pp) != NULL) {
		/* kept a second after its last delivery: back to back */
		if (d->busy == 0 && d->head == NULL && (all ||
		    (d->dead_until <= now && d->last_done + 1 < now))) {
			*pp = d->next;
			free(d->transport);
			free(d->nexthop);
			free(d->dead_why);
			free(d);
		} else {
			pp = &d->next;
		}
	}
}

/* the loop --------------------------------------------------------------- */

static void
trigger(const char *buf, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		switch (buf[i]) {
		case SVC_TRIG_INCOMING:
		case SVC_TRIG_WAKEUP:
			qmgr_q.scan_in = 1;
			break;
		case SVC_TRIG_DEFERRED:
			qmgr_q.scan_in = g.scan_def = 1;
			break;
		case SVC_TRIG_ALL:
			qmgr_q.scan_in = g.scan_def = 1;
			g.flush = 1;
			break;
		case SVC_TRIG_FLUSH_DEAD:
			dest_gc(1);
			{
				struct dest *d;

				for (d = g.dests; d; d = d->next)
					d->dead_until = 0;
			}
			break;
		}
	}
}

/*
 * may_flush - may the client uid ((uid_t)-1: a fifo's writer) ask for
 * deliveries now?  Anyone may connect to public/qmgr: root, this
 * process's own account (mail_owner: cleanup, smtpd's ETRN) and
 * authorized_flush_users may; postqueue's check is only a courtesy.
 * A refusal is logged, once a second at most.
 */
static int
may_flush(uid_t uid)
{
	static time_t said;
	struct str who = STR_INIT;
	int r;

	if (uid == (uid_t)-1 ? g.fifo_safe : uid == 0 || uid == geteuid())
		return 1;
	str_init(&who);
	if (uid == (uid_t)-1) {
		str_set(&who, "a fifo that others may write");
		r = 0;
	} else {
		r = showq_allowed(P_authorized_flush_users, uid, &who);
	}
	if (r <= 0 && time(NULL) != said) {
		said = time(NULL);
		if (r < 0 || uid == (uid_t)-1)
			warn("flush request from %s: ignored", who.s);
		else
			warn("User %s(%ld) is not allowed to flush the mail "
			    "queue: request ignored", who.s, (long)uid);
	}
	str_free(&who);
	return r > 0;
}

/*
 * request - the bytes of one trigger.  Wake-ups (I, W) are harmless;
 * D, A and F make qmgr deliver deferred mail before its time, or retry
 * destinations it found dead: a flush, for may_flush() to allow.
 */
static void
request(void *ctx, const char *buf, int n, uid_t uid)
{
	int i;

	(void)ctx;
	for (i = 0; i < n; i++)
		if (buf[i] != SVC_TRIG_INCOMING && buf[i] != SVC_TRIG_WAKEUP)
			break;
	if (i < n && !may_flush(uid))
		return;
	trigger(buf, n);
}

static void
reap(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

static void
work(void)
{
	time_t now = time(NULL);

	if (qmgr_q.pause && g.pause_until && now >= g.pause_until) {
		qmgr_q.pause = 0;
		g.pause_until = 0;
	}
	if (now >= g.next_deferred) {
		g.scan_def = 1;
		qmgr_q.scan_in = 1;
	}
	/*
	 * while paused, or while the active queue is full, the scans wait
	 * (their flags stay set): a queue larger than the active limit is
	 * taken in parts, as messages leave
	 */
	if (qmgr_q.scan_in && !qmgr_q.pause && qmgr_q.nmsgs < g.limit) {
		qmgr_q.scan_in = 0;
		if (scan(Q_INCOMING, 0) != 0)
			qmgr_q.scan_in = 1;
	}
	if (g.scan_def && !qmgr_q.pause && qmgr_q.nmsgs < g.limit) {
		g.scan_def = 0;
		if (scan(Q_DEFERRED, !g.flush) != 0)
			g.scan_def = 1;
		g.next_deferred = time(NULL) + conf_time(P_queue_run_delay);
	}
	if (!g.scan_def)
		g.flush = 0;
	dispatch();
	dest_gc(0);
	if (qmgr_q.pause && g.pause_until == 0)
		g.pause_until = time(NULL) + PAUSE;
}

/*
 * serve - the loop.  trig: fd 0 is master's trigger fifo or socket.
 * The poll set is the trigger listener, the trigger clients yet to
 * write (a client is never waited on alone: svc_trig.c), the agents.
 */
static void
serve(int trig)
{
	struct pollfd *pfd = NULL;
	struct job *j, **byfd = NULL;
	pid_t ppid = getppid();
	struct stat st;
	char buf[64];
	size_t n, i;
	int r, timeout, fifo, ready;

	fifo = trig && fstat(0, &st) == 0 && S_ISFIFO(st.st_mode);
	/* master makes qmgr's fifo 0600 (svc_run.c); an older one may not be */
	g.fifo_safe = fifo && (st.st_mode & 022) == 0;
	for (;;) {
		work();
		n = 0;
		pfd = xreallocarray(pfd, g.njobs + SVC_TRIG_CONNS + 1,
		    sizeof(*pfd));
		byfd = xreallocarray(byfd, g.njobs + SVC_TRIG_CONNS + 1,
		    sizeof(*byfd));
		if (trig) {
			pfd[n].fd = 0;
			pfd[n].events = POLLIN;
			byfd[n++] = NULL;
		}
		for (i = svc_trig_pollfds(&g.trig, pfd + n); i > 0; i--)
			byfd[n++] = NULL;
		for (j = g.jobs; j; j = j->next) {
			pfd[n].fd = j->io.fd;
			pfd[n].events = POLLIN;
			byfd[n++] = j;
		}
		timeout = (int)(g.next_deferred - time(NULL));
		if (timeout < 1)
			timeout = 1;
		if (timeout > 60)
			timeout = 60;
		if ((qmgr_q.pause || g.trig.n > 0) && timeout > PAUSE)
			timeout = PAUSE;
		if ((qmgr_q.scan_in || g.scan_def) &&
		    qmgr_q.nmsgs < g.limit && !qmgr_q.pause)
			timeout = 0;
		r = poll(pfd, n, timeout * 1000);
		reap();
		if (trig && getppid() != ppid)
			break;	/* master is gone: so is its service */
		ready = 0;
		for (i = 0; r > 0 && i < n; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (byfd[i] != NULL)
				job_end(byfd[i], 1);
			else if (trig && i == 0)
				ready = 1;
			else
				svc_trig_ready(&g.trig, pfd[i].fd, request,
				    NULL);
		}
		/* after the loop: a new client may get a closed one's fd */
		if (ready && fifo) {
			int k = svc_trigger_read(0, buf, sizeof(buf), 0);

			if (k > 0)
				request(NULL, buf, k, (uid_t)-1);
		} else if (ready) {
			svc_trig_accept(&g.trig, 0, request, NULL);
		}
		svc_trig_expire(&g.trig);
	}
	free(pfd);
	free(byfd);
}

/*
 * the agents qmgr may talk to at once: a descriptor each, within the
 * process's limit, FD_RESERVE kept for the queue scan, the one queue
 * file open at a time, the logs and the notices
 */
static size_t
job_max(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur > 65536)
		return 65536 - FD_RESERVE;
	if (rl.rlim_cur < FD_RESERVE + 2)
		return 1;
	return (size_t)rl.rlim_cur - FD_RESERVE;
}

int
qmgr_main(int argc, char **argv)
{
	const char *v;
	struct stat st;

	conf_daemon(argc, argv);
	priv_daemon();
	signal(SIGPIPE, SIG_IGN);
	memset(&g, 0, sizeof(g));
	qmgr_q.qdir = conf_str(P_queue_directory);
	g.limit = (size_t)conf_int(P_qmgr_message_active_limit);
	g.job_max = job_max();
	if (*(v = conf_str(P_defer_transports)))
		g.defer_tr = match_init("defer_transports", MATCH_STRING, v);
	if (chdir(qmgr_q.qdir) < 0)
		die_status(EX_CONFIG, "chdir %s:", qmgr_q.qdir);
	recover();
	qmgr_q.scan_in = g.scan_def = 1;
	serve(fstat(0, &st) == 0 && (S_ISFIFO(st.st_mode) ||
	    S_ISSOCK(st.st_mode)));
	return 0;
}

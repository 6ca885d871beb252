/* MIT licence: see LICENSE. */
/*
 * agent.c - the delivery request between qmgr and a delivery agent, the
 * agent's reading of the queue file, and the delivery log line.
 *
 * Used by qmgr (as mail_owner) and by the agents smtp, lmtp (as
 * mail_owner) and local (as root; it changes identity per recipient).
 * The wire format is described in agent.h.  Man page: qmgr(8).
 */
#include <sys/time.h>
#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "../../config.h"
#include "../conf.h"
#include "../io.h"
#include "../log.h"
#include "../num.h"
#include "../priv.h"
#include "../str.h"
#include "../svc.h"
#include "../x.h"
#include "agent.h"
#include "queue.h"

#define REQ_REC_MAX	65536	/* longest request or result record */
#define REQ_RCPT_MAX	100000	/* most recipients in one request */

/* agent_req_init - an empty request */
void
agent_req_init(struct agent_req *r)
{
	memset(r, 0, sizeof(*r));
}

/* agent_req_free - release a request and its results */
void
agent_req_free(struct agent_req *r)
{
	size_t i;

	for (i = 0; i < r->nrcpt; i++) {
		free(r->rcpt[i].addr);
		free(r->rcpt[i].orig);
		free(r->rcpt[i].orcpt);
		free(r->rcpt[i].relay);
		free(r->rcpt[i].reason);
	}
	free(r->rcpt);
	free(r->transport);
	free(r->nexthop);
	free(r->queue_name);
	free(r->queue_id);
	free(r->sender);
	free(r->dead);
	memset(r, 0, sizeof(*r));
}

/* agent_req_add - a new recipient at the end of the request */
struct agent_rcpt *
agent_req_add(struct agent_req *r, long long off, const char *addr)
{
	struct agent_rcpt *p;

	r->rcpt = xreallocarray(r->rcpt, r->nrcpt + 1, sizeof(*r->rcpt));
	p = &r->rcpt[r->nrcpt++];
	memset(p, 0, sizeof(*p));
	p->off = off;
	p->addr = xstrdup(addr);
	return p;
}

static void
put_attr(struct str *b, const char *name, const char *value)
{
	struct str t;

	str_init(&t);
	str_addf(&t, "%s=%s", name, value ? value : "");
	queue_rec(b, REC_ATTR, t.s, t.len);
	str_free(&t);
}

static void
put_time(struct str *b, const char *name, const struct timeval *tv)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%lld.%06ld", (long long)tv->tv_sec,
	    (long)tv->tv_usec);
	put_attr(b, name, buf);
}

/* agent_req_write - send a request (qmgr); the caller flushes */
void
agent_req_write(struct io *io, const struct agent_req *r)
{
	struct str b, t;
	size_t i;
	char num[32];

	str_init(&b);
	str_init(&t);
	put_attr(&b, "transport", r->transport);
	put_attr(&b, "nexthop", r->nexthop);
	put_attr(&b, "queue_name", r->queue_name);
	put_attr(&b, "queue_id", r->queue_id);
	put_attr(&b, "sender", r->sender);
	put_time(&b, "arrival", &r->arrival);
	put_time(&b, "active", &r->active);
	snprintf(num, sizeof(num), "%d", r->flags);
	put_attr(&b, "flags", num);
	for (i = 0; i < r->nrcpt; i++) {
		const struct agent_rcpt *p = &r->rcpt[i];

		queue_dsn_put(&b, p->orig, p->orcpt, p->notify);
		str_reset(&t);
		str_addf(&t, "%lld %s", p->off, p->addr);
		queue_rec(&b, REC_RCPT, t.s, t.len);
	}
	queue_rec(&b, REC_END, "", 0);
	io_write(io, b.s, b.len);
	str_free(&b);
	str_free(&t);
}

/* "OFFSET REST": the offset, and REST in *rest */
static int
split_off(const char *s, long long *off, const char **rest)
{
	const char *sp = strchr(s, ' ');
	char buf[32];

	if (sp == NULL || sp == s || (size_t)(sp - s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, (size_t)(sp - s));
	buf[sp - s] = 0;
	*rest = sp + 1;
	return num_parse(buf, 0, LLONG_MAX, off);
}

static int
req_attr(struct agent_req *r, const char *s)
{
	const char *v = strchr(s, '=');
	size_t n;
	long long f;

	if (v == NULL)
		return -1;
	n = (size_t)(v++ - s);
#define IS(name) (n == strlen(name) && strncmp(s, name, n) == 0)
	if (IS("transport"))
		return free(r->transport), r->transport = xstrdup(v), 0;
	if (IS("nexthop"))
		return free(r->nexthop), r->nexthop = xstrdup(v), 0;
	if (IS("queue_name"))
		return free(r->queue_name), r->queue_name = xstrdup(v), 0;
	if (IS("queue_id"))
		return free(r->queue_id), r->queue_id = xstrdup(v), 0;
	if (IS("sender"))
		return free(r->sender), r->sender = xstrdup(v), 0;
	if (IS("arrival"))
		return queue_parse_time(v, &r->arrival);
	if (IS("active"))
		return queue_parse_time(v, &r->active);
	if (IS("flags")) {
		if (num_parse(v, 0, 1 << 30, &f) < 0)
			return -1;
		r->flags = (int)f;
		return 0;
	}
#undef IS
	return 0;	/* newer qmgr: ignore what we do not know */
}

/*
 * agent_req_read - read one request (the agent, from fd 0).  0, or -1
 * with err.
 */
int
agent_req_read(struct io *io, struct agent_req *r, struct str *err)
{
	struct str d;
	struct queue_dsn dsn = { NULL, NULL, 0 };
	int type, res, ret = -1;
	long long off;
	const char *addr;
	struct agent_rcpt *p;

	str_init(&d);
	gettimeofday(&r->start, NULL);
	while ((res = queue_io_get(io, &type, &d, REQ_REC_MAX)) == QUEUE_REC) {
		switch (type) {
		case REC_ATTR:
			if (req_attr(r, d.s) < 0) {
				str_addf(err, "bad request attribute: %s", d.s);
				goto out;
			}
			break;
		case REC_ORIG:
		case REC_ORCPT:
		case REC_NOTIFY:
			if (queue_dsn_get(&dsn, type, d.s) < 0) {
				str_addf(err, "bad NOTIFY: %s", d.s);
				goto out;
			}
			break;
		case REC_RCPT:
			if (split_off(d.s, &off, &addr) < 0 ||
			    r->nrcpt >= REQ_RCPT_MAX) {
				str_addf(err, "bad recipient record: %s", d.s);
				goto out;
			}
			p = agent_req_add(r, off, addr);
			p->orig = dsn.orig;
			p->orcpt = dsn.orcpt;
			p->notify = dsn.notify;
			memset(&dsn, 0, sizeof(dsn));
			break;
		case REC_END:
			if (!r->queue_id || !queue_id_ok(r->queue_id) ||
			    !r->queue_name || strchr(r->queue_name, '/') ||
			    !r->sender || !r->nexthop || !r->transport) {
				str_set(err, "incomplete request");
				goto out;
			}
			if (r->nrcpt == 0) {
				str_set(err, "request without recipients");
				goto out;
			}
			ret = 0;
			goto out;
		default:
			str_addf(err, "unexpected record type %c", type);
			goto out;
		}
	}
	str_set(err, res == QUEUE_BAD ? "malformed request" :
	    "request ended early");
out:
	queue_dsn_free(&dsn);
	str_free(&d);
	return ret;
}

/* a reason made one printable line */
static char *
clean_text(const char *s)
{
	char *t = xstrdup(s ? s : ""), *p;

	for (p = t; *p; p++)
		if ((unsigned char)*p < 32 || *p == 127)
			*p = ' ';
	return t;
}

/*
 * agent_delay - a delay in Postfix's style: two significant digits
 * below ten seconds ("0.35", "1.3"), whole seconds above ("16", "2464")
 */
void
agent_delay(double d, struct str *out)
{
	char buf[64];
	size_t n;

	if (d < 0)
		d = 0;
	if (d >= 10)
		snprintf(buf, sizeof(buf), "%.0f", d);
	else if (d >= 1)
		snprintf(buf, sizeof(buf), "%.1f", d);
	else
		snprintf(buf, sizeof(buf), "%.2f", d);
	if (strchr(buf, '.')) {
		n = strlen(buf);
		while (n > 0 && buf[n - 1] == '0')
			buf[--n] = 0;
		if (n > 0 && buf[n - 1] == '.')
			buf[--n] = 0;
	}
	str_adds(out, buf);
}

static double
tv_diff(const struct timeval *a, const struct timeval *b)
{
	if (a->tv_sec == 0 || b->tv_sec == 0)
		return 0;
	return (double)(a->tv_sec - b->tv_sec) +
	    (double)(a->tv_usec - b->tv_usec) / 1e6;
}

/*
 * agent_log_line - "ID: to=<a>, orig_to=<o>, relay=R, conn_use=N,
 * delay=D, delays=a/b/c/d, dsn=X.Y.Z, status=S (reason)", Postfix's line
 * (conn_use= only for a reused connection)
 */
void
agent_log_line(const struct agent_req *r, const struct agent_rcpt *p,
    struct str *out)
{
	struct timeval now, conn;
	const char *status;

	gettimeofday(&now, NULL);
	conn = r->conn.tv_sec ? r->conn : r->start;
	status = p->status == AGENT_SENT ? "sent" : p->status ==
	    AGENT_BOUNCE ? "bounced" : "deferred";
	str_addf(out, "%s: to=<%s>, ", r->queue_id, p->addr);
	if (p->orig && strcmp(p->orig, p->addr) != 0)
		str_addf(out, "orig_to=<%s>, ", p->orig);
	str_addf(out, "relay=%s, ", p->relay ? p->relay : "none");
	/* a connection from the cache: the how-manieth use, as Postfix */
	if (r->reuse_count > 0)
		str_addf(out, "conn_use=%d, ", r->reuse_count + 1);
	str_adds(out, "delay=");
	agent_delay(tv_diff(&now, &r->arrival), out);
	str_adds(out, ", delays=");
	agent_delay(tv_diff(&r->active, &r->arrival), out);
	str_addc(out, '/');
	agent_delay(tv_diff(&r->start, &r->active), out);
	str_addc(out, '/');
	agent_delay(tv_diff(&conn, &r->start), out);
	str_addc(out, '/');
	agent_delay(tv_diff(&now, &conn), out);
	str_addf(out, ", dsn=%s, status=%s (%s)", p->dsn, status,
	    p->reason ? p->reason : "");
}

static void
vdone(struct agent_req *r, struct agent_rcpt *p, int status,
    const char *dsn, const char *relay, const char *fmt, va_list ap)
{
	struct str line;

	str_init(&line);
	p->status = status;
	str_copy(p->dsn, dsn && *dsn ? dsn : status == AGENT_SENT ? "2.0.0" :
	    status == AGENT_BOUNCE ? "5.0.0" : "4.0.0", sizeof(p->dsn));
	free(p->relay);
	p->relay = xstrdup(relay && *relay ? relay : "none");
	for (char *c = p->relay; *c; c++)
		if (*c == ' ' || (unsigned char)*c < 33)
			*c = '_';
	str_vaddf(&line, fmt, ap);
	free(p->reason);
	p->reason = clean_text(line.s);
	str_reset(&line);
	agent_log_line(r, p, &line);
	info("%s", line.s);
	str_free(&line);
}

/*
 * agent_done - the result of one recipient: logged now, sent back by
 * agent_reply()
 */
void
agent_done(struct agent_req *r, struct agent_rcpt *p, int status,
    const char *dsn, const char *relay, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdone(r, p, status, dsn, relay, fmt, ap);
	va_end(ap);
}

/* agent_done_all - the same result for every recipient still open */
void
agent_done_all(struct agent_req *r, int status, const char *dsn,
    const char *relay, const char *fmt, ...)
{
	va_list ap;
	size_t i;

	for (i = 0; i < r->nrcpt; i++) {
		if (r->rcpt[i].status != AGENT_NONE)
			continue;
		va_start(ap, fmt);
		vdone(r, &r->rcpt[i], status, dsn, relay, fmt, ap);
		va_end(ap);
	}
}

/* agent_reply - send the results (and dead=) back to qmgr, and flush */
void
agent_reply(struct io *io, const struct agent_req *r)
{
	struct str b, t;
	size_t i;

	str_init(&b);
	str_init(&t);
	for (i = 0; i < r->nrcpt; i++) {
		const struct agent_rcpt *p = &r->rcpt[i];

		if (p->status == AGENT_NONE)
			continue;
		str_reset(&t);
		str_addf(&t, "%lld %s %s %s %s", p->off, p->status ==
		    AGENT_SENT ? "sent" : p->status == AGENT_BOUNCE ?
		    "bounced" : "deferred", p->dsn, p->relay, p->reason);
		queue_rec(&b, REC_RCPT, t.s, t.len);
	}
	if (r->dead) {
		str_reset(&t);
		str_addf(&t, "dead=%s", r->dead);
		queue_rec(&b, REC_ATTR, t.s, t.len);
	}
	queue_rec(&b, REC_END, "", 0);
	io_write(io, b.s, b.len);
	io_flush(io);
	str_free(&b);
	str_free(&t);
}

static struct agent_rcpt *
find_rcpt(struct agent_req *r, long long off)
{
	size_t i;

	for (i = 0; i < r->nrcpt; i++)
		if (r->rcpt[i].off == off)
			return &r->rcpt[i];
	return NULL;
}

/* one result record "OFFSET STATUS DSN RELAY REASON" */
static int
result(struct agent_req *r, const char *s)
{
	struct agent_rcpt *p;
	const char *rest, *f[3];
	size_t len[3], i;
	long long off;
	int status;

	if (split_off(s, &off, &rest) < 0 || (p = find_rcpt(r, off)) == NULL)
		return -1;
	for (i = 0; i < 3; i++) {
		f[i] = rest;
		len[i] = strcspn(rest, " ");
		if (rest[len[i]] != ' ' || len[i] == 0)
			return -1;
		rest += len[i] + 1;
	}
	if (len[0] == 4 && strncmp(f[0], "sent", 4) == 0)
		status = AGENT_SENT;
	else if (len[0] == 8 && strncmp(f[0], "deferred", 8) == 0)
		status = AGENT_DEFER;
	else if (len[0] == 7 && strncmp(f[0], "bounced", 7) == 0)
		status = AGENT_BOUNCE;
	else
		return -1;
	if (len[1] >= AGENT_DSN_MAX || f[1][0] != '0' + status)
		return -1;
	p->status = status;
	memcpy(p->dsn, f[1], len[1]);
	p->dsn[len[1]] = 0;
	free(p->relay);
	p->relay = xstrndup(f[2], len[2]);
	free(p->reason);
	p->reason = clean_text(rest);
	return 0;
}

/*
 * agent_result_read - read the agent's answer into the request's
 * recipients (qmgr).  0 after a complete answer; -1 with err when the
 * answer is cut or malformed (what arrived before is kept).
 */
int
agent_result_read(struct io *io, struct agent_req *r, struct str *err)
{
	struct str d;
	int type, res, ret = -1;

	str_init(&d);
	while ((res = queue_io_get(io, &type, &d, REQ_REC_MAX)) == QUEUE_REC) {
		if (type == REC_END) {
			ret = 0;
			break;
		}
		if (type == REC_RCPT && result(r, d.s) == 0)
			continue;
		if (type == REC_ATTR && strncmp(d.s, "dead=", 5) == 0) {
			free(r->dead);
			r->dead = clean_text(d.s + 5);
			continue;
		}
		str_addf(err, "bad result record: %c %.100s", type, d.s);
		break;
	}
	if (res != QUEUE_REC && ret < 0 && !err->len)
		str_set(err, res == QUEUE_EOF ? "delivery agent ended "
		    "without an answer" : io->err == ETIMEDOUT ?
		    "timeout waiting for the delivery agent" :
		    "malformed answer from the delivery agent");
	str_free(&d);
	return ret;
}

/* message ----------------------------------------------------------------- */

static void
msg_free(struct agent_msg *m)
{
	size_t i;

	queue_close(m->q);
	for (i = 0; i < m->nattr; i++)
		free(m->attr[i]);
	free(m->attr);
	free(m->sender);
	str_free(&m->line);
	memset(m, 0, sizeof(*m));
}

/*
 * agent_msg_open - open the request's queue file read-only and read its
 * envelope; the content follows with agent_msg_line().  0, or -1 with
 * err.
 */
int
agent_msg_open(const char *qdir, const struct agent_req *r,
    struct agent_msg *m, struct str *err)
{
	int type, res;
	long long off;

	memset(m, 0, sizeof(*m));
	str_init(&m->line);
	if ((m->q = queue_open(qdir, r->queue_name, r->queue_id,
	    QUEUE_RDONLY, err)) == NULL) {
		msg_free(m);
		return -1;
	}
	m->size = m->q->size.size;
	m->smtputf8 = (m->q->size.flags & QUEUE_F_SMTPUTF8) != 0;
	m->eightbit = (m->q->size.flags & QUEUE_F_8BITMIME) != 0;
	while ((res = queue_get(m->q, &type, &m->line, &off)) == QUEUE_REC) {
		if (type == REC_FROM) {
			free(m->sender);
			m->sender = xstrdup(m->line.s);
		} else if (type == REC_TIME) {
			(void)queue_parse_time(m->line.s, &m->arrival);
		} else if (type == REC_ATTR) {
			m->attr = xreallocarray(m->attr, m->nattr + 1,
			    sizeof(*m->attr));
			m->attr[m->nattr++] = xstrdup(m->line.s);
		} else if (type == REC_MESG) {
			m->mesg = off;
			break;
		}
	}
	if (res != QUEUE_REC || m->sender == NULL) {
		str_set(err, m->q->err.len ? m->q->err.s :
		    "queue file without content");
		msg_free(m);
		return -1;
	}
	m->envid = (char *)agent_msg_attr(m, ATTR_DSN_ENVID);
	m->ret = (char *)agent_msg_attr(m, ATTR_DSN_RET);
	m->encoding = (char *)agent_msg_attr(m, ATTR_ENCODING);
	if (agent_msg_attr(m, ATTR_SMTPUTF8))
		m->smtputf8 = 1;
	if (m->encoding && strcasecmp(m->encoding, "8bit") == 0)
		m->eightbit = 1;
	return 0;
}

/* agent_msg_attr - the value of attribute NAME, or NULL */
const char *
agent_msg_attr(const struct agent_msg *m, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < m->nattr; i++)
		if (strncmp(m->attr[i], name, n) == 0 && m->attr[i][n] == '=')
			return m->attr[i] + n + 1;
	return NULL;
}

/* agent_msg_rewind - back to the first content line; 0 or -1 */
int
agent_msg_rewind(struct agent_msg *m)
{
	int type;

	if (queue_seek(m->q, m->mesg) < 0 ||
	    queue_get(m->q, &type, &m->line, NULL) != QUEUE_REC ||
	    type != REC_MESG)
		return -1;
	return 0;
}

/*
 * agent_msg_line - the next content line, without its line end, in
 * *line: 1; 0 at the end of the content; -1 when the file is bad (the
 * reason in m->q->err)
 */
int
agent_msg_line(struct agent_msg *m, struct str *line)
{
	int type, res;

	str_reset(line);
	while ((res = queue_get(m->q, &type, &m->line, NULL)) == QUEUE_REC) {
		if (type == REC_PART) {
			str_addmem(line, m->line.s, m->line.len);
			continue;
		}
		if (type == REC_LINE) {
			str_addmem(line, m->line.s, m->line.len);
			return 1;
		}
		if (type == REC_XTRA)
			return 0;
		str_set(&m->q->err, "unexpected record in the content");
		return -1;
	}
	return -1;
}

/* agent_msg_close - release what agent_msg_open() took */
void
agent_msg_close(struct agent_msg *m)
{
	msg_free(m);
}

/* the agent's main ------------------------------------------------------- */

/* agent_init_hook - see agent.h (smtp: the SASL password tables) */
void	(*agent_init_hook)(void);

/* one delivery request: what agent_main() serves to each client */
struct agent_job {
	int	flags;
	void	(*deliver)(struct agent_req *, struct agent_msg *);
};

/* agent_job - one request from fd 0, deliver(), the answer on fd 1 */
static int
agent_job(void *ctx)
{
	struct agent_job *job = ctx;
	struct agent_req req;
	struct agent_msg msg;
	struct io in, out;
	struct str err;

	io_init(&in, 0, (int)conf_time(P_ipc_timeout));
	io_init(&out, 1, (int)conf_time(P_ipc_timeout));
	str_init(&err);
	agent_req_init(&req);
	if (agent_req_read(&in, &req, &err) < 0) {
		warn("bad delivery request: %s", err.s);
		str_free(&err);
		agent_req_free(&req);
		io_free(&in);
		io_free(&out);
		/* the next client is another request: this one is gone */
		return 0;
	}
	if (agent_msg_open(conf_str(P_queue_directory), &req, &msg,
	    &err) < 0) {
		warn("%s: %s", req.queue_id, err.s);
		agent_done_all(&req, AGENT_DEFER, "4.3.0", "none",
		    "cannot read the queue file");
	} else {
		job->deliver(&req, &msg);
		agent_msg_close(&msg);
	}
	agent_done_all(&req, AGENT_DEFER, "4.3.0", "none",
	    "delivery agent finished without a result");
	/* qmgr sends its next request as soon as it has the answer */
	svc_serve_free();
	agent_reply(&out, &req);
	str_free(&err);
	agent_req_free(&req);
	io_free(&in);
	io_free(&out);
	return 0;
}

/*
 * agent_main - the frame of every delivery agent: options, configuration,
 * privileges, then for each client (svc_serve: one, or one after another
 * under master) one request from fd 0, deliver(), the answer on fd 1.
 * Recipients deliver() left open are deferred.
 */
int
agent_main(int argc, char **argv, int flags,
    void (*deliver)(struct agent_req *, struct agent_msg *))
{
	struct agent_job job;

	conf_daemon(argc, argv);
	if (agent_init_hook)
		agent_init_hook();
	if (!(flags & AGENT_KEEP_ROOT))
		priv_daemon();
	job.flags = flags;
	job.deliver = deliver;
	return svc_serve(agent_job, &job);
}

/* MIT licence: see LICENSE. */
/*
 * smtp/relay.c - sendmail's relay mode: when the sendmail command (or
 * `sendmail -bs`) has no queue it can write (no queue_directory, as in a
 * chroot that holds only the binary, or a container without a volume),
 * it sends the message itself to sendmail_relay (else relayhost) with the
 * SMTP client, and succeeds only after the relay's 250 for every
 * recipient.
 *
 * Run inside the sendmail command or smtpd -S, as their user.  The
 * message arrives as the queue records submit.c collected in memory (the
 * envelope, then the content), bounded by message_size_limit.  What
 * cleanup does is done here by the same code (msgfix.c): addresses
 * qualified (append_at_myorigin, append_dot_mydomain) and rewritten
 * (canonical, masquerading, virtual aliases), in the envelope and in
 * From:, To:, Cc:, Sender:, Reply-To:, Resent-*: and the like; Bcc:,
 * Return-Path: and Content-Length: removed; Received: first, and a
 * missing Message-Id:, Date: or From: added; 8-bit content noticed, so
 * that MAIL FROM says BODY=8BITMIME.  header_checks and body_checks are
 * cleanup's alone: HOLD and the rest need a queue.
 *
 * The message gets a queue id of Postfix's shape (from the time and the
 * process id, smtp_relay_id()), and each recipient's result is logged
 * as the smtp delivery agent logs it ("ID: to=<...>, relay=..., delay=,
 * delays=, dsn=, status=sent (250 ...)"), to maillog_file or syslog.
 * A CR or LF inside a line becomes a space, as in cleanup
 * (cleanup_replace_stray_cr_lf).
 * Man pages: sendmail(1), smtp(8), cleanup(8).
 */
#include <sys/time.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../../config.h"
#include "../conf.h"
#include "../log.h"
#include "../num.h"
#include "../queue/agent.h"
#include "../queue/queue.h"
#include "../rewrite/msgfix.h"
#include "../rewrite/rewrite.h"
#include "../str.h"
#include "../table/alias.h"
#include "../x.h"
#include "addr.h"
#include "client.h"
#include "relay.h"

/* records in memory: submit.c's input, then the message as it goes out */
struct recs {
	const char	*buf;
	size_t		len, pos;
};

/* the message being made ready, and its results */
struct relay {
	struct msgfix	mf;
	struct agent_req req;		/* the recipients, their results */
	struct str	out;		/* the content as it goes out */
	long long	size;		/* ... its bytes, LF line ends */
	char		**extracted;	/* sendmail -t: from the headers */
	size_t		nextracted;
	int		code;		/* 0, or 4/5: the message failed */
	struct str	reason;		/* ... "X.Y.Z text" */
};

/* the next record: 1 with type and data; 0 at the end; -1 malformed */
static int
next(struct recs *r, int *type, const char **data, size_t *dlen)
{
	size_t i, n = 0;

	if (r->pos >= r->len)
		return 0;
	*type = (unsigned char)r->buf[r->pos];
	for (i = r->pos + 1; i < r->len && r->buf[i] >= '0' &&
	    r->buf[i] <= '9' && i - r->pos < 12; i++)
		n = n * 10 + (size_t)(r->buf[i] - '0');
	if (i >= r->len || r->buf[i] != ' ' || i == r->pos + 1 ||
	    n > r->len - i - 1 || i + 1 + n >= r->len ||
	    r->buf[i + 1 + n] != '\n')
		return -1;
	*data = r->buf + i + 1;
	*dlen = n;
	r->pos = i + 1 + n + 1;
	return 1;
}

/* the content as it goes out, for the SMTP client */
static int
msg_rewind(void *ctx)
{
	struct recs *r = ctx;

	r->pos = 0;
	return 0;
}

/* one content line, its pieces joined: 1, 0 at the end, -1 */
static int
msg_line(void *ctx, struct str *line)
{
	struct recs *r = ctx;
	const char *d;
	size_t n;
	int t, res;

	str_reset(line);
	while ((res = next(r, &t, &d, &n)) == 1) {
		str_addmem(line, d, n);
		if (t == REC_LINE) {
			msgfix_stray_cr_lf(line->s, line->len);
			return 1;
		}
	}
	return res < 0 ? -1 : 0;
}

/* msgfix's callbacks */
static void
mf_put(void *ctx, const char *s, size_t n)
{
	struct relay *rl = ctx;

	queue_rec_line(&rl->out, s, n);
	rl->size += (long long)n + 1;
}

static void
mf_fail(void *ctx, int code, const char *text)
{
	struct relay *rl = ctx;

	if (rl->code)
		return;
	rl->code = code;
	str_set(&rl->reason, text);
}

static void
mf_extract(void *ctx, const char *addr)
{
	struct relay *rl = ctx;

	rl->extracted = xreallocarray(rl->extracted, rl->nextracted + 1,
	    sizeof(*rl->extracted));
	rl->extracted[rl->nextracted++] = xstrdup(addr);
}

/* a recipient as cleanup writes it: rewritten, expanded, no duplicate */
static void
recipient(struct relay *rl, const char *addr, const char *orcpt,
    int notify)
{
	struct agent_rcpt *p;
	char **list;
	size_t i, j;

	if ((list = msgfix_rcpt(&rl->mf, addr)) == NULL)
		return;
	for (i = 0; list[i]; i++) {
		for (j = 0; j < rl->req.nrcpt && (long long)j <
		    conf_int(P_duplicate_filter_limit); j++)
			if (strcasecmp(rl->req.rcpt[j].addr, list[i]) == 0)
				break;
		if (j < rl->req.nrcpt)
			continue;
		p = agent_req_add(&rl->req, 0, list[i]);
		if (strcmp(addr, list[i]) != 0)
			p->orig = xstrdup(addr);
		p->orcpt = orcpt ? xstrdup(orcpt) : NULL;
		p->notify = notify;
	}
	alias_list_free(list);
}

/* the raw envelope, as submit.c wrote it */
struct env {
	char		*sender;
	char		**rcpt, **orcpt;
	int		*notify;
	size_t		nrcpt;
};

static void
env_free(struct env *e)
{
	size_t i;

	for (i = 0; i < e->nrcpt; i++) {
		free(e->rcpt[i]);
		free(e->orcpt[i]);
	}
	free(e->rcpt);
	free(e->orcpt);
	free(e->notify);
	free(e->sender);
}

/* the envelope records up to REC_MESG: 0, or -1 when malformed */
static int
envelope(struct recs *r, struct env *e, struct relay *rl)
{
	const char *d;
	char num[16], *orcpt = NULL;
	size_t n;
	int t, res, notify = 0;
	long long v;

	while ((res = next(r, &t, &d, &n)) == 1 && t != REC_MESG) {
		if (memchr(d, 0, n))
			return -1;
		if (t == REC_FROM) {
			free(e->sender);
			e->sender = xstrndup(d, n);
		} else if (t == REC_RCPT) {
			e->rcpt = xreallocarray(e->rcpt, e->nrcpt + 1,
			    sizeof(*e->rcpt));
			e->orcpt = xreallocarray(e->orcpt, e->nrcpt + 1,
			    sizeof(*e->orcpt));
			e->notify = xreallocarray(e->notify, e->nrcpt + 1,
			    sizeof(*e->notify));
			e->rcpt[e->nrcpt] = xstrndup(d, n);
			e->orcpt[e->nrcpt] = orcpt;
			e->notify[e->nrcpt++] = notify;
			orcpt = NULL;
			notify = 0;
		} else if (t == REC_ORCPT) {
			free(orcpt);
			orcpt = xstrndup(d, n);
		} else if (t == REC_NOTIFY && n < sizeof(num)) {
			memcpy(num, d, n);
			num[n] = 0;
			if (num_parse(num, 0, 15, &v) == 0)
				notify = (int)v;
		} else if (t == REC_ATTR && memchr(d, '=', n)) {
			rl->mf.attr = xreallocarray(rl->mf.attr,
			    rl->mf.nattr + 1, sizeof(*rl->mf.attr));
			rl->mf.attr[rl->mf.nattr++] = xstrndup(d, n);
		}
	}
	free(orcpt);
	return res == 1 && e->sender ? 0 : -1;
}

/* the content: headers through msgfix, the body as it is */
static int
content(struct recs *r, struct relay *rl)
{
	const char *d;
	size_t n;
	int t, res;

	while ((res = next(r, &t, &d, &n)) == 1 &&
	    (t == REC_LINE || t == REC_PART)) {
		if (msgfix_line(&rl->mf, t, d, n))
			continue;
		queue_rec(&rl->out, t, d, n);
		rl->size += (long long)n + (t == REC_LINE);
	}
	msgfix_end(&rl->mf);
	return res == 1 && t == REC_XTRA ? 0 : -1;
}

/* smtp_relay_host - where sendmail relays: sendmail_relay, relayhost */
const char *
smtp_relay_host(void)
{
	const char *h = conf_str(P_sendmail_relay);

	return *h ? h : conf_str(P_relayhost);
}

/*
 * smtp_relay_wanted - relay mode: a relay is configured and there is no
 * queue this process can write (neither incoming nor maildrop)
 */
int
smtp_relay_wanted(void)
{
	struct str p;
	int ok;

	if (*smtp_relay_host() == 0)
		return 0;
	str_init(&p);
	str_addf(&p, "%s/%s", conf_str(P_queue_directory), Q_MAILDROP);
	ok = access(p.s, W_OK | X_OK) == 0;
	str_reset(&p);
	str_addf(&p, "%s/%s", conf_str(P_queue_directory), Q_INCOMING);
	ok = ok || access(p.s, W_OK | X_OK) == 0;
	str_free(&p);
	return !ok;
}

/*
 * smtp_relay_id - a queue id for a relayed message, of the shape
 * enable_long_queue_ids says, from the time (kept in tv) and the
 * process id: what the log lines and smtpd's reply name it by
 */
void
smtp_relay_id(char *buf, size_t size, struct timeval *tv)
{
	gettimeofday(tv, NULL);
	queue_make_id(buf, size, tv, (unsigned long long)getpid(),
	    conf_bool(P_enable_long_queue_ids));
}

/* each recipient's line, as the smtp agent logs it; and the result */
static int
report(struct relay *rl, struct str *out)
{
	struct str line;
	struct agent_rcpt *p, *first = NULL;
	size_t i;
	int perm = 1;

	str_init(&line);
	for (i = 0; i < rl->req.nrcpt; i++) {
		p = &rl->req.rcpt[i];
		str_reset(&line);
		agent_log_line(&rl->req, p, &line);
		info_log("%s", line.s);
		if (p->status == AGENT_SENT)
			continue;
		if (first == NULL)
			first = p;
		perm &= p->status == AGENT_BOUNCE;
	}
	str_free(&line);
	if (first == NULL)
		return 0;
	str_reset(out);
	str_addf(out, "%s %s", first->dsn, first->reason);
	return perm ? 5 : 4;
}

static void
result(struct agent_rcpt *p, int status, const char *dsn, const char *relay,
    const char *why)
{
	p->status = status == 2 ? AGENT_SENT : status == 5 ? AGENT_BOUNCE :
	    AGENT_DEFER;
	str_copy(p->dsn, dsn && *dsn ? dsn : status == 2 ? "2.0.0" :
	    status == 5 ? "5.0.0" : "4.0.0", sizeof(p->dsn));
	free(p->relay);
	p->relay = xstrdup(relay && *relay ? relay : "none");
	free(p->reason);
	p->reason = xstrdup(why);
}

/* the SMTP transaction with the relay; results in rl->req */
static void
transfer(struct relay *rl, struct smtp_msg *m)
{
	struct smtp_addr_list list = { NULL, 0 };
	struct smtp_sess s;
	struct smtp_rcpt *rc;
	struct str why;
	char dsn[SMTP_DSN_MAX] = "4.4.1", *relay = xstrdup("none");
	size_t i, j, n = rl->req.nrcpt;
	int status = 4, done = 0;

	str_init(&why);
	rc = xcalloc(n, sizeof(*rc));
	for (j = 0; j < n; j++) {
		smtp_rcpt_init(&rc[j], rl->req.rcpt[j].addr);
		rc[j].orcpt = rl->req.rcpt[j].orcpt;
		rc[j].notify = rl->req.rcpt[j].notify;
	}
	smtp_sess_init(&s, 0);
	s.nexthop = smtp_relay_host();
	/* a relay that cannot be found is a setting to fix: try again */
	if (smtp_addr_find(smtp_relay_host(), 0, &list, dsn, sizeof(dsn),
	    &why) != 0 && list.n == 0)
		dsn[0] = '4';
	else
		str_set(&why, "no relay address to try");
	for (i = 0; i < list.n && !done; i++) {
		status = 4;
		free(relay);
		relay = xstrdup("none");
		if (smtp_connect(&s, &list.v[i]) == 0) {
			gettimeofday(&rl->req.conn, NULL);
			free(relay);
			relay = xstrdup(s.relay);
			if (smtp_greet(&s, &list.v[i]) == 0 &&
			    smtp_auth(&s, smtp_relay_host(), m->sender) == 0) {
				/* -1: nothing was delivered, the next one */
				if (smtp_xfer(&s, m, rc, n) == 0)
					done = 1;
				else
					status = s.status;
			}
		}
		if (done) {
			for (j = 0; j < n; j++)
				result(&rl->req.rcpt[j], rc[j].status,
				    rc[j].dsn, s.relay, rc[j].reason.s);
		} else {
			str_set(&why, s.why.s);
			str_copy(dsn, s.dsn, sizeof(dsn));
		}
		smtp_quit(&s);
		smtp_close(&s);
	}
	/* the relay was not reached, or refused the message as a whole */
	for (j = 0; j < n; j++)
		if (rl->req.rcpt[j].status == AGENT_NONE)
			result(&rl->req.rcpt[j], status, dsn, relay, why.s);
	for (j = 0; j < n; j++)
		smtp_rcpt_free(&rc[j]);
	free(rc);
	free(relay);
	smtp_sess_free(&s);
	smtp_addr_free(&list);
	str_free(&why);
}

static void
relay_free(struct relay *rl)
{
	size_t i;

	for (i = 0; i < rl->mf.nattr; i++)
		free(rl->mf.attr[i]);
	free(rl->mf.attr);
	for (i = 0; i < rl->nextracted; i++)
		free(rl->extracted[i]);
	free(rl->extracted);
	msgfix_free(&rl->mf);
	rewrite_free(rl->mf.rw);
	agent_req_free(&rl->req);
	str_free(&rl->out);
	str_free(&rl->reason);
}

/*
 * smtp_relay_send - send the message in the records buf to the relay,
 * as message id (smtp_relay_id(), arrival its time).  0 when the relay
 * took it for every recipient; else 4 or 5 (5: every recipient that
 * did not get it was refused for good) with "X.Y.Z reason" in out.
 * Each recipient's result is logged.
 */
int
smtp_relay_send(const char *id, const struct timeval *arrival,
    const char *buf, size_t len, struct str *out)
{
	struct recs r = { buf, len, 0 }, o;
	struct relay rl;
	struct env e;
	struct smtp_msg m;
	struct str snd;
	size_t i;
	const char *v;
	int code = 4;

	memset(&rl, 0, sizeof(rl));
	memset(&e, 0, sizeof(e));
	str_init(&snd);
	str_init(&rl.out);
	str_init(&rl.reason);
	str_reset(out);
	rl.req.queue_id = xstrdup(id);
	rl.req.arrival = rl.req.active = *arrival;
	gettimeofday(&rl.req.start, NULL);
	rl.mf.id = rl.req.queue_id;
	rl.mf.when = arrival->tv_sec;
	rl.mf.ctx = &rl;
	rl.mf.put = mf_put;
	rl.mf.extract = mf_extract;
	rl.mf.fail = mf_fail;
	msgfix_init(&rl.mf);
	if (envelope(&r, &e, &rl) < 0) {
		str_set(out, "4.3.0 internal protocol error");
		goto done;
	}
	rl.mf.rw = rewrite_init();
	if (msgfix_sender(&rl.mf, e.sender, &snd) == 0)
		for (i = 0; i < e.nrcpt && !rl.code; i++)
			recipient(&rl, e.rcpt[i], e.orcpt[i], e.notify[i]);
	rl.mf.sender = snd.s;
	rl.mf.rcpt1 = e.nrcpt == 1 ? e.rcpt[0] : NULL;
	msgfix_begin(&rl.mf);
	if (content(&r, &rl) < 0) {
		str_set(out, "4.3.0 internal protocol error");
		goto done;
	}
	for (i = 0; i < rl.nextracted && !rl.code; i++)
		recipient(&rl, rl.extracted[i], NULL, 0);
	if (rl.code) {
		code = rl.code;
		str_set(out, rl.reason.s);
		goto done;
	}
	if (rl.req.nrcpt == 0) {
		code = 5;
		str_set(out, "5.1.0 no recipients specified");
		goto done;
	}
	memset(&m, 0, sizeof(m));
	m.sender = snd.s;
	m.envid = msgfix_attr(&rl.mf, ATTR_DSN_ENVID);
	m.ret = msgfix_attr(&rl.mf, ATTR_DSN_RET);
	m.smtputf8 = (v = msgfix_attr(&rl.mf, ATTR_SMTPUTF8)) != NULL &&
	    strcmp(v, "yes") == 0;
	m.eightbit = rl.mf.eightbit;
	m.size = rl.size;
	o.buf = rl.out.s;
	o.len = rl.out.len;
	o.pos = 0;
	m.ctx = &o;
	m.rewind = msg_rewind;
	m.line = msg_line;
	transfer(&rl, &m);
	code = report(&rl, out);
done:
	env_free(&e);
	relay_free(&rl);
	str_free(&snd);
	return code;
}

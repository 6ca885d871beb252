/* MIT licence: see LICENSE. */
/*
 * cleanup.c - canonicalize and enqueue one message: the one writer of
 * queue files.
 *
 * Run by master as a unix service (private/cleanup), or by submit.c on a
 * socketpair when master is not running; either way one stream on fds 0
 * and 1, then exit.  Runs as mail_owner (or as the user that started
 * it).  Man page: cleanup(8); the records: mta-queue(5).
 *
 * Input: the records of queue.h (envelope, REC_MESG, content, REC_XTRA,
 * REC_END).  Processing, as Postfix's cleanup: envelope addresses are
 * qualified and rewritten (rewrite.c: canonical, masquerading, virtual
 * aliases); the primary headers are read as logical headers (with their
 * continuation lines), matched against header_checks, counted
 * (hopcount_limit), their addresses rewritten in the local context;
 * Return-Path:, Bcc: and Content-Length: are dropped; Received: (with the
 * queue id) goes first, and Message-Id:, Date: and From: are added when
 * missing to local mail (always_add_missing_headers: to all); 8-bit
 * content is noticed and recorded (QUEUE_F_8BITMIME).  That work is
 * lib/rewrite/msgfix.c, shared with sendmail's relay mode; header_checks
 * (called back from it), body_checks and the queue file are this file's.
 * A CR or LF inside a content record is replaced with a space
 * (cleanup_replace_stray_cr_lf).
 *
 * Output: "I QUEUEID" at once, when the queue file is created (before
 * any input is read, so the submitter can log the id first, as Postfix's
 * cleanup sends its queue_id on connect); "4 4.3.0 ..." and exit when it
 * cannot be created.  The answer comes only at the end: "0 QUEUEID"
 * after the file is durably in incoming/ (or hold/), "4 X.Y.Z text" or
 * "5 X.Y.Z text" with nothing queued.  A stream that ends without
 * REC_END queues nothing and gets no answer.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "../lib/conf.h"
#include "../lib/io.h"
#include "../lib/log.h"
#include "../lib/num.h"
#include "../lib/priv.h"
#include "../lib/queue/queue.h"
#include "../lib/queue/rcptlog.h"
#include "../lib/rewrite/msgfix.h"
#include "../lib/rewrite/rewrite.h"
#include "../lib/str.h"
#include "../lib/svc.h"
#include "../lib/table/alias.h"
#include "../lib/table/maps.h"
#include "../lib/x.h"

#define ENV_REC_MAX	65536	/* longest envelope or content record */
#define LOG_TEXT_MAX	200	/* as Postfix: "%.200s" of a header */

struct rcpt {
	char	*addr;		/* as received */
	char	*orcpt;		/* DSN ORCPT, or NULL */
	char	*notify;	/* DSN NOTIFY, or NULL */
};

struct cleanup {
	struct io	in, out;
	struct rewrite	*rw;
	struct maps	*hchecks, *bchecks;
	struct queue_writer *w;
	const char	*qdir;
	struct msgfix	mh;		/* header work; mh.attr as received */
	struct str	tmp, tmp2, line, reason;
	char		*sender;	/* as rewritten */
	char		*arrival;	/* REC_TIME, or NULL */
	struct rcpt	*rcpt;
	size_t		nrcpt, nenv;	/* all; from the envelope */
	char		*orcpt, *notify;	/* for the next REC_RCPT */
	char		**done;		/* recipients written, for duplicates */
	long long	*out_off;
	struct rcptlog_ent *out_dsn;	/* their orig, ORCPT, NOTIFY */
	size_t		nout;
	char		*redirect;
	int		code;		/* 0, or 4/5 once the message failed */
	int		filter;		/* header/body checks still apply */
	int		hold, discard;
	int		bounce;		/* ATTR_CLEANUP_BOUNCE: see bounce() */
	int		part;		/* the last record was REC_PART */
	long long	size, body_off, mesg_off;	/* size: as written */
	long long	insize;		/* as received: the limit */
	/* message_size_limit, body_checks_size_limit: read once, as the
	 * content path runs for every line */
	long long	size_limit, bchecks_limit;
};

static const char *
attr(struct cleanup *c, const char *name)
{
	return msgfix_attr(&c->mh, name);
}

/* fail - the message fails with code (4 or 5) and "X.Y.Z text" */
static void
fail(struct cleanup *c, int code, const char *text)
{
	if (c->code)
		return;
	c->code = code;
	str_set(&c->reason, text);
	c->filter = 0;
	c->mh.failed = 1;	/* no more header work */
}

static const char *
qid(struct cleanup *c)
{
	return c->w ? c->w->id : "NOQUEUE";
}

/* Postfix's cleanup_act_log() line */
static void
act_log(struct cleanup *c, const char *action, const char *class,
    const char *what, const char *text)
{
	const char *cn = attr(c, "client_name"), *ca = attr(c,
	    "client_address"), *proto = attr(c, "protocol"),
	    *helo = attr(c, "helo_name");
	struct str l;

	str_init(&l);
	str_addf(&l, "%s: %s: %s %.*s", qid(c), action, class,
	    LOG_TEXT_MAX, what);
	if (ca)
		str_addf(&l, " from %s[%s];", cn ? cn : "unknown", ca);
	else
		str_adds(&l, " from local;");
	str_addf(&l, " from=<%s>", c->sender ? c->sender : "");
	if (c->nrcpt)
		str_addf(&l, " to=<%s>", c->rcpt[0].addr);
	if (proto)
		str_addf(&l, " proto=%s", proto);
	if (helo)
		str_addf(&l, " helo=<%s>", helo);
	if (text && *text)
		str_addf(&l, ": %s", text);
	info("%s", l.s);
	str_free(&l);
}

/*
 * action - apply a header_checks or body_checks result to text; returns
 * 0 keep it, 1 drop it, 2 replace it with c->tmp2
 */
static void put_line(struct cleanup *, const char *);

static int
action(struct cleanup *c, const char *class, const char *text,
    const char *val, const char *mapname)
{
	const char *arg;
	size_t n;

	n = strcspn(val, " \t");
	for (arg = val + n; *arg == ' ' || *arg == '\t'; arg++)
		;
#define IS(s) (n == strlen(s) && strncasecmp(val, s, n) == 0)
	if (IS("REJECT")) {
		str_reset(&c->tmp2);
		if (*arg == 0)
			str_adds(&c->tmp2, "5.7.1 message content rejected");
		else if ((arg[0] == '4' || arg[0] == '5') && arg[1] == '.')
			str_adds(&c->tmp2, arg);
		else
			str_addf(&c->tmp2, "5.7.1 %s", arg);
		act_log(c, "reject", class, text, c->tmp2.s);
		fail(c, c->tmp2.s[0] == '4' ? 4 : 5, c->tmp2.s);
		return 0;
	}
	if (IS("WARN")) {
		act_log(c, "warning", class, text, arg);
		return 0;
	}
	if (IS("DISCARD")) {
		act_log(c, "discard", class, text, arg);
		c->discard = 1;
		c->filter = 0;
		return 0;
	}
	if (IS("HOLD")) {
		if (!c->hold && !c->discard) {
			act_log(c, "hold", class, text, arg);
			c->hold = 1;
		}
		return 0;
	}
	if (IS("PREPEND") || IS("REPLACE")) {
		if (*arg == 0 || (strcmp(class, "header") == 0 &&
		    arg[strcspn(arg, ": \t")] != ':')) {
			warn("bad %s text \"%s\" in %s map", IS("PREPEND") ?
			    "PREPEND" : "REPLACE", arg, mapname);
			return 0;
		}
		act_log(c, IS("PREPEND") ? "prepend" : "replace", class,
		    text, arg);
		if (IS("PREPEND")) {
			put_line(c, arg);
			return 0;
		}
		str_set(&c->tmp2, arg);
		return 2;
	}
	if (IS("REDIRECT")) {
		if (strchr(arg, '@') == NULL) {
			warn("bad REDIRECT target \"%s\" in %s map -- need "
			    "user@domain", arg, mapname);
			return 0;
		}
		free(c->redirect);
		c->redirect = xstrdup(arg);
		act_log(c, "redirect", class, text, arg);
		c->filter = 0;
		return 0;
	}
	if (IS("IGNORE"))
		return 1;
	if (IS("DUNNO") || IS("OK"))
		return 0;
	warn("unknown command in %s map: %s", mapname, val);
	return 0;
#undef IS
}

static int
check(struct cleanup *c, struct maps *m, const char *class, const char *text)
{
	const char *val;
	int r;

	if (m == NULL || !c->filter || c->w == NULL)
		return 0;
	if ((r = maps_find(m, text, MAPS_FULL, &val)) < 0) {
		warn("%s: %s map lookup problem: %s", qid(c), m->title,
		    m->err.s);
		fail(c, 4, "4.3.0 content filter lookup error");
		return 0;
	}
	return r > 0 ? action(c, class, text, val, m->title) : 0;
}

static void
put_line(struct cleanup *c, const char *s)
{
	c->size += (long long)strlen(s) + 1;
	queue_put_line(c->w, s, strlen(s));
}

/*
 * remember a recipient written at offset off: for the duplicate filter,
 * for bounce(), and so that cleanup_free() frees exactly what is there
 */
static void
written(struct cleanup *c, const char *addr, long long off, const char *orig,
    const struct rcpt *r)
{
	long long bits;

	c->done = xreallocarray(c->done, c->nout + 1, sizeof(*c->done));
	c->out_off = xreallocarray(c->out_off, c->nout + 1,
	    sizeof(*c->out_off));
	c->out_dsn = xreallocarray(c->out_dsn, c->nout + 1,
	    sizeof(*c->out_dsn));
	memset(&c->out_dsn[c->nout], 0, sizeof(*c->out_dsn));
	c->out_dsn[c->nout].orig = orig && strcmp(orig, addr) ? xstrdup(orig) :
	    NULL;
	if (r && r->orcpt)
		c->out_dsn[c->nout].orcpt = xstrdup(r->orcpt);
	if (r && r->notify && num_parse(r->notify, 1, 15, &bits) == 0)
		c->out_dsn[c->nout].notify = (int)bits;
	c->out_off[c->nout] = off;
	c->done[c->nout++] = xstrdup(addr);
}

/* write one recipient, unless it is a duplicate */
static void
put_rcpt(struct cleanup *c, const char *addr, const char *orig,
    const struct rcpt *r)
{
	size_t i;

	for (i = 0; i < c->nout && (long long)i < conf_int(
	    P_duplicate_filter_limit); i++)
		if (strcasecmp(c->done[i], addr) == 0)
			return;
	if (orig && strcmp(orig, addr) != 0)
		queue_puts(c->w, REC_ORIG, orig);
	if (r && r->orcpt)
		queue_puts(c->w, REC_ORCPT, r->orcpt);
	if (r && r->notify)
		queue_puts(c->w, REC_NOTIFY, r->notify);
	written(c, addr, queue_puts(c->w, REC_RCPT, addr), orig, r);
}

/* envelope recipient: qualify, canonical, virtual; then write */
static void
recipient(struct cleanup *c, const char *addr, const struct rcpt *r)
{
	char **list;
	size_t i;

	if ((list = msgfix_rcpt(&c->mh, addr)) == NULL)
		return;
	for (i = 0; list[i]; i++)
		put_rcpt(c, list[i], addr, r);
	alias_list_free(list);
}

/*
 * the stream starts: create the file and say its queue id ("I QUEUEID"),
 * so the submitter logs it before anything here does; or say "4 ..."
 */
static int
create(struct cleanup *c)
{
	struct str err;

	str_init(&err);
	c->w = queue_create(c->qdir, Q_INCOMING,
	    conf_bool(P_enable_long_queue_ids), &err);
	if (c->w == NULL) {
		warn("%s", err.s);
		str_free(&err);
		io_printf(&c->out, "4 4.3.0 Queue file write error\n");
		io_flush(&c->out);
		return -1;
	}
	str_free(&err);
	c->mh.id = c->w->id;
	c->mh.when = c->w->ctime.tv_sec;
	io_printf(&c->out, "I %s\n", c->w->id);
	return io_flush(&c->out);
}

/* REC_MESG: write the envelope and Received: */
static void
begin(struct cleanup *c)
{
	size_t i;

	if (c->arrival)
		queue_puts(c->w, REC_TIME, c->arrival);
	else
		queue_putf(c->w, REC_TIME, "%lld.%06ld",
		    (long long)c->w->ctime.tv_sec, (long)c->w->ctime.tv_usec);
	if (c->sender == NULL)
		c->sender = xstrdup("");
	if (msgfix_sender(&c->mh, c->sender, &c->tmp2) < 0)
		return;
	free(c->sender);
	c->sender = xstrdup(c->tmp2.s);
	c->mh.sender = c->sender;
	queue_puts(c->w, REC_FROM, c->sender);
	for (i = 0; i < c->mh.nattr; i++)
		queue_puts(c->w, REC_ATTR, c->mh.attr[i]);
	c->nenv = c->nrcpt;
	for (i = 0; i < c->nrcpt && !c->code; i++)
		recipient(c, c->rcpt[i].addr, &c->rcpt[i]);
	c->mesg_off = queue_put(c->w, REC_MESG, "", 0);
	c->mh.rcpt1 = c->nrcpt == 1 ? c->rcpt[0].addr : NULL;
	msgfix_begin(&c->mh);
}

static void
extract_one(void *ctx, const char *addr)
{
	struct cleanup *c = ctx;

	c->rcpt = xreallocarray(c->rcpt, c->nrcpt + 1, sizeof(*c->rcpt));
	memset(&c->rcpt[c->nrcpt], 0, sizeof(*c->rcpt));
	c->rcpt[c->nrcpt++].addr = xstrdup(addr);
}

/* msgfix's output: one line record */
static void
mh_put(void *ctx, const char *s, size_t n)
{
	struct cleanup *c = ctx;

	c->size += (long long)n + 1;
	queue_put_line(c->w, s, n);
}

/* header_checks on a logical header: 0 keep (maybe replaced), 1 drop */
static int
mh_check(void *ctx, struct str *h)
{
	struct cleanup *c = ctx;
	int r;

	r = check(c, c->hchecks, "header", h->s);
	if (c->code)
		return -1;
	if (r == 2)
		str_set(h, c->tmp2.s);
	return r == 1;
}

static void
mh_fail(void *ctx, int code, const char *text)
{
	fail(ctx, code, text);
}

/* one content record (REC_LINE or REC_PART) */
static void
content(struct cleanup *c, int type, struct str *d)
{
	int cont = c->part, in_hdr, r;
	const char *p;
	size_t n;

	c->part = type == REC_PART;
	c->insize += (long long)d->len + (type == REC_LINE);
	/*
	 * A record is a line without its line end: a CR or LF inside one
	 * (a hand-made maildrop file, a bare CR from SMTP) would become a
	 * line break in a mailbox or on the wire.  As Postfix's cleanup.
	 */
	msgfix_stray_cr_lf(d->s, d->len);
	if (c->size_limit > 0 && c->insize > c->size_limit)
		fail(c, 5, "5.3.4 Message size exceeds fixed limit");
	if (c->code || c->w == NULL)
		return;
	in_hdr = c->mh.in_hdr;
	if (msgfix_line(&c->mh, type, d->s, d->len))
		return;		/* a header line */
	if (in_hdr)
		c->body_off = c->size;	/* after the headers added */
	if (c->code)
		return;
	if (!cont && c->bchecks && (c->bchecks_limit == 0 ||
	    c->size - c->body_off <= c->bchecks_limit)) {
		r = check(c, c->bchecks, "body", d->s);
		if (r == 1 || c->code)
			return;
		if (r == 2)
			str_set(d, c->tmp2.s);
	}
	c->size += (long long)d->len + (type == REC_LINE);
	for (p = d->s, n = d->len; n > QUEUE_PART_MAX; n -= QUEUE_PART_MAX) {
		queue_put(c->w, REC_PART, p, QUEUE_PART_MAX);
		p += QUEUE_PART_MAX;
	}
	queue_put(c->w, type, p, n);
}

/* REC_XTRA: the content ended */
static void
end_content(struct cleanup *c)
{
	size_t i;

	msgfix_end(&c->mh);
	if (c->code || c->w == NULL)
		return;
	queue_put(c->w, REC_XTRA, "", 0);
	if (c->mh.extract) {
		/* the recipients that the headers gave */
		for (i = c->nenv; i < c->nrcpt && !c->code; i++)
			recipient(c, c->rcpt[i].addr, NULL);
	}
	if (c->redirect && !c->code) {
		for (i = 0; i < c->nout; i++)
			queue_patch(c->w, c->out_off[i], REC_DONE);
		rewrite_qualify(c->rw, c->redirect, &c->tmp);
		/* counted as the others are: cleanup_free() frees them all */
		written(c, c->tmp.s, queue_puts(c->w, REC_RCPT, c->tmp.s),
		    NULL, NULL);
	}
	if (c->nout == 0)
		fail(c, 5, "5.1.0 no recipients specified");
}

static void
commit(struct cleanup *c)
{
	struct queue_size sz;
	struct str err;

	if (c->w->err) {
		warn("%s: write queue file: %s", c->w->id,
		    strerror(c->w->err));
		fail(c, 4, "4.3.0 Queue file write error");
		return;
	}
	queue_put(c->w, REC_END, "", 0);
	memset(&sz, 0, sizeof(sz));
	sz.size = c->size;
	sz.mesg = c->mesg_off;
	sz.nrcpt = (long long)c->nout;
	/* the smtp client says BODY=8BITMIME for it */
	if (c->mh.eightbit)
		sz.flags |= QUEUE_F_8BITMIME;
	if (c->hold)
		queue_target(c->w, c->qdir, Q_HOLD);
	str_init(&err);
	str_set(&c->tmp, c->w->id);
	if (queue_commit(c->w, &sz, &err) < 0) {
		c->w = NULL;
		warn("%s", err.s);
		fail(c, 4, "4.3.0 Queue file write error");
	}
	c->w = NULL;
	str_free(&err);
}

/* wake qmgr: one byte to public/qmgr, never waiting */
static void
wake_qmgr(const char *qdir)
{
	struct sockaddr_un sun;
	struct stat st;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if ((size_t)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s/qmgr",
	    qdir, Q_PUBLIC) >= sizeof(sun.sun_path) ||
	    stat(sun.sun_path, &st) < 0)
		return;
	if (S_ISFIFO(st.st_mode)) {
		fd = open(sun.sun_path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	} else if (S_ISSOCK(st.st_mode)) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sun,
		    sizeof(sun)) < 0 && errno != EINPROGRESS) {
			close(fd);
			fd = -1;
		}
	} else
		return;
	if (fd < 0)
		return;
	if (send(fd, "I", 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 &&
	    write(fd, "I", 1) < 0)
		(void)0;
	close(fd);
}

/* one envelope record before REC_MESG */
static void
envelope(struct cleanup *c, int type, struct str *d)
{
	struct rcpt *r;

	switch (type) {
	case REC_TIME:
		free(c->arrival);
		c->arrival = xstrdup(d->s);
		break;
	case REC_FROM:
		free(c->sender);
		c->sender = xstrdup(d->s);
		break;
	case REC_ATTR:
		if (strchr(d->s, '=') == NULL || memchr(d->s, 0, d->len)) {
			fail(c, 4, "4.3.0 internal protocol error");
			break;
		}
		if (strcmp(d->s, ATTR_CLEANUP_BOUNCE) == 0) {
			c->bounce = 1;
			break;
		}
		/* smtpd's HOLD result (an access table said so) */
		if (strncmp(d->s, "hold=", 5) == 0 && !c->discard)
			c->hold = 1;
		c->mh.attr = xreallocarray(c->mh.attr, c->mh.nattr + 1,
		    sizeof(*c->mh.attr));
		c->mh.attr[c->mh.nattr++] = xstrdup(d->s);
		break;
	case REC_ORCPT:
		free(c->orcpt);
		c->orcpt = xstrdup(d->s);
		break;
	case REC_NOTIFY:
		free(c->notify);
		c->notify = xstrdup(d->s);
		break;
	case REC_RCPT:
		c->rcpt = xreallocarray(c->rcpt, c->nrcpt + 1,
		    sizeof(*c->rcpt));
		r = &c->rcpt[c->nrcpt++];
		r->addr = xstrdup(d->s);
		r->orcpt = c->orcpt;
		r->notify = c->notify;
		c->orcpt = c->notify = NULL;
		break;
	default:
		fail(c, 4, "4.3.0 internal protocol error");
	}
}

/* cleanup_free - what one client left: the process's tables stay */
static void
cleanup_free(struct cleanup *c)
{
	size_t i;

	if (c->w)
		queue_abort(c->w);
	for (i = 0; i < c->mh.nattr; i++)
		free(c->mh.attr[i]);
	for (i = 0; i < c->nrcpt; i++) {
		free(c->rcpt[i].addr);
		free(c->rcpt[i].orcpt);
		free(c->rcpt[i].notify);
	}
	for (i = 0; i < c->nout; i++) {
		free(c->done[i]);
		free(c->out_dsn[i].orig);
		free(c->out_dsn[i].orcpt);
	}
	free(c->out_dsn);
	free(c->mh.attr);
	free(c->rcpt);
	free(c->done);
	free(c->out_off);
	free(c->sender);
	free(c->arrival);
	free(c->redirect);
	free(c->orcpt);
	free(c->notify);
	str_free(&c->tmp);
	str_free(&c->tmp2);
	str_free(&c->line);
	msgfix_free(&c->mh);
	str_free(&c->reason);
	io_free(&c->in);
	io_free(&c->out);
}

/*
 * bounce - the message failed for good, and its submitter (pickup: the
 * sendmail that wrote the maildrop file exited 0 long ago) asked for a
 * bounce instead of a refusal.  As Postfix's cleanup does for
 * CLEANUP_FLAG_BOUNCE: the file is queued anyway, as far as it was
 * written, with every recipient done and the reason in its bounce log;
 * qmgr then sends the sender the non-delivery notice (headers only when
 * the message is over bounce_size_limit) and removes it.  0 when queued
 * (c->tmp: the queue id); -1 when it cannot be (no recipient yet: the
 * refusal stands; a write error: c->code says 4).
 */
static int
bounce(struct cleanup *c)
{
	struct rcptlog_ent *e;
	const char *text;
	char dsn[sizeof(e->dsn)];
	size_t i, n;

	if (c->w == NULL || c->nout == 0 || c->mesg_off == 0)
		return -1;
	n = strcspn(c->reason.s, " ");
	str_copy(dsn, c->reason.s, n + 1 < sizeof(dsn) ? n + 1 : sizeof(dsn));
	text = c->reason.s + n + (c->reason.s[n] == ' ');
	/* the content stopped where the message failed */
	queue_put(c->w, REC_XTRA, "", 0);
	for (i = 0; i < c->nout; i++) {
		e = &c->out_dsn[i];
		e->addr = c->done[i];
		e->off = c->out_off[i];
		str_copy(e->dsn, dsn, sizeof(e->dsn));
		e->action = (char *)"failed";
		e->relay = (char *)"none";
		e->reason = (char *)text;
		e->when = time(NULL);
		if (rcptlog_append(c->qdir, RCPTLOG_BOUNCE, c->w->id, e, 1) <
		    0 || queue_patch(c->w, e->off, REC_DONE) < 0) {
			warn("%s: cannot bounce <%s>: %s", qid(c), e->addr,
			    strerror(errno));
			goto fail;
		}
		info("%s: to=<%s>,%s%s%s relay=none, delay=0, dsn=%s, "
		    "status=bounced (%s)", qid(c), e->addr, e->orig ?
		    " orig_to=<" : "", e->orig ? e->orig : "", e->orig ?
		    ">," : "", dsn, text);
	}
	c->code = 0;
	c->hold = 0;
	commit(c);
	if (c->code == 0)
		return 0;
	(void)rcptlog_remove(c->qdir, RCPTLOG_BOUNCE, c->tmp.s);
	return -1;
fail:
	(void)rcptlog_remove(c->qdir, RCPTLOG_BOUNCE, c->w->id);
	c->code = 0;
	fail(c, 4, "4.3.0 Queue file write error");
	return -1;
}

/* serve one stream; the exit status says how it went */
static int
serve(struct cleanup *c)
{
	enum { ENV, CONTENT, XTRA } phase = ENV;
	long long envsize = 0;
	int type, r, ended = 0;

	if (create(c) < 0)
		return EX_TEMPFAIL;
	while ((r = queue_io_get(&c->in, &type, &c->line, ENV_REC_MAX)) ==
	    QUEUE_REC) {
		if (type == REC_END) {
			ended = 1;
			break;
		}
		if (phase == ENV && type == REC_MESG) {
			phase = CONTENT;
			c->filter = 1;
			if (!c->code)
				begin(c);
		} else if (phase == ENV) {
			envsize += (long long)c->line.len + 16;
			if (conf_int(P_message_size_limit) > 0 && envsize >
			    conf_int(P_message_size_limit))
				fail(c, 5, "5.3.4 Message size exceeds fixed "
				    "limit");
			if (!c->code)
				envelope(c, type, &c->line);
		} else if (phase == CONTENT && (type == REC_LINE ||
		    type == REC_PART)) {
			content(c, type, &c->line);
		} else if (phase == CONTENT && type == REC_XTRA) {
			phase = XTRA;
			end_content(c);
		} else if (phase != XTRA) {
			fail(c, 4, "4.3.0 internal protocol error");
		}
	}
	if (!ended) {
		/* the client went away or spoke nonsense: queue nothing */
		if (r == QUEUE_BAD)
			warn("%s: bad record in input stream; message not "
			    "accepted", qid(c));
		return EX_PROTOCOL;
	}
	if (phase != XTRA)
		fail(c, 4, "4.3.0 internal protocol error");
	if (!c->code && c->discard) {
		str_set(&c->tmp, c->w->id);
		queue_abort(c->w);
		c->w = NULL;
		io_printf(&c->out, "0 %s\n", c->tmp.s);
		return io_flush(&c->out) < 0 ? EX_IOERR : 0;
	}
	if (!c->code)
		commit(c);
	else if (c->code == 5 && c->bounce)
		(void)bounce(c);
	if (c->code) {
		io_printf(&c->out, "%d %s\n", c->code, c->reason.s);
		return io_flush(&c->out) < 0 ? EX_IOERR : 0;
	}
	io_printf(&c->out, "0 %s\n", c->tmp.s);
	wake_qmgr(c->qdir);
	return io_flush(&c->out) < 0 ? EX_IOERR : 0;
}

/* what a cleanup process keeps from client to client */
struct cleanup_proc {
	struct rewrite	*rw;
	struct maps	*hchecks, *bchecks;
	int		status;		/* the last client's, see serve() */
};

/* client - one stream on fd 0 and fd 1, from a clean slate */
static int
client(void *ctx)
{
	struct cleanup_proc *p = ctx;
	struct cleanup c;

	memset(&c, 0, sizeof(c));
	str_init(&c.tmp);
	str_init(&c.tmp2);
	str_init(&c.line);
	str_init(&c.reason);
	io_init(&c.in, 0, (int)conf_time(P_ipc_timeout));
	io_init(&c.out, 1, (int)conf_time(P_ipc_timeout));
	c.qdir = conf_str(P_queue_directory);
	c.size_limit = conf_int(P_message_size_limit);
	c.bchecks_limit = conf_int(P_body_checks_size_limit);
	c.rw = p->rw;
	c.hchecks = p->hchecks;
	c.bchecks = p->bchecks;
	c.mh.rw = c.rw;
	c.mh.ctx = &c;
	c.mh.put = mh_put;
	c.mh.check = mh_check;
	c.mh.extract = extract_one;
	c.mh.fail = mh_fail;
	msgfix_init(&c.mh);
	/* a client's failure is its own: the process serves the next */
	p->status = serve(&c);
	cleanup_free(&c);
	return 0;
}

/* cleanup_main - cleanup(8) */
int
cleanup_main(int argc, char **argv)
{
	struct cleanup_proc p;
	const char *v;
	int status, under = getenv(SVC_SERVE_ENV) != NULL;

	conf_daemon(argc, argv);
	priv_daemon();
	memset(&p, 0, sizeof(p));
	p.rw = rewrite_init();
	if (*(v = conf_str(P_header_checks)))
		p.hchecks = maps_open("header_checks", v, 0);
	if (*(v = conf_str(P_body_checks)))
		p.bchecks = maps_open("body_checks", v, 0);
	status = svc_serve(client, &p);
	/* one stream (sendmail, smtpd without master): its status */
	if (!under && status == 0)
		status = p.status;
	rewrite_free(p.rw);
	maps_close(p.hchecks);
	maps_close(p.bchecks);
	return status;
}

/* MIT licence: see LICENSE. */
/*
 * bounce.c - delivery status notifications: what Postfix's bounce(8),
 * defer(8) and trace(8) services send, composed here and handed to
 * cleanup (submit.c) with the null sender.  Run by qmgr as mail_owner;
 * needs to read the queue file and to reach private/cleanup, nothing
 * more.  Man page: bounce(5).
 *
 * A notice is a multipart/report (RFC 3462) in three parts, laid out and
 * worded as Postfix's built-in templates (postconf -t):
 *
 *	text/plain		the template text, then "<addr>: reason" per
 *				recipient, wrapped at 79 columns
 *	message/delivery-status	Reporting-MTA, X-Postfix-Queue-ID, ...;
 *				then per recipient Final-Recipient, Action,
 *				Status, Remote-MTA, Diagnostic-Code, ...
 *	message/rfc822		the original (RET=FULL or no RET, within
 *	or text/rfc822-headers	bounce_size_limit), or its headers only
 *
 * Who gets what, as Postfix: the sender gets the notice, subject to each
 * recipient's DSN NOTIFY; postmaster copies (notify_classes bounce,
 * delay) carry the headers only.  A bounce is never bounced: a failed
 * message from <> goes to 2bounce_notice_recipient as a double bounce
 * when notify_classes has 2bounce or bounce (else it is dropped, as
 * Postfix does), and mail from double_bounce_sender is discarded with a
 * warning.  Postmaster copies and double bounces come from
 * double_bounce_sender, so they cannot loop either.
 *
 * Every line is kept under 998 octets: report text is wrapped, and a
 * longer line of the returned original is cut (a header line goes on as
 * a folded continuation).  When the original carries 8-bit data, the
 * notice says Content-Transfer-Encoding: 8bit.  SMTPUTF8 mail gets the
 * RFC 6533 types (message/global-delivery-status, message/global,
 * message/global-headers) and "utf-8" address types for non-ASCII
 * addresses; otherwise non-ASCII bytes in the report are shown as '?'.
 */
#include <sys/time.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../../lib/conf.h"
#include "../../lib/hdr.h"
#include "../../lib/log.h"
#include "../../lib/queue/agent.h"
#include "../../lib/queue/queue.h"
#include "../../lib/queue/rcptlog.h"
#include "../../lib/queue/submit.h"
#include "../../lib/str.h"
#include "../../lib/x.h"
#include "bounce.h"

#define LINE_MAX_OCTETS	998	/* RFC 5322 2.1.1 */
#define WRAP_WIDTH	79	/* as Postfix's bounce_print_wrap */
#define WRAP_INDENT	4

/* the composition in progress */
struct out {
	bounce_line_fn	fn;
	void		*arg;
	struct str	buf;		/* the line being built */
	struct str	pend;		/* a returned line not yet emitted */
	int		utf8;		/* non-ASCII may stay (SMTPUTF8) */
};

/* the open queue file --------------------------------------------------- */

/*
 * bounce_open - open queue file QDIR/QNAME/ID and read its envelope;
 * the content follows.  0, or -1 with err.
 */
int
bounce_open(struct bounce_orig *o, const char *qdir, const char *qname,
    const char *id, struct str *err)
{
	struct agent_req req;
	struct agent_msg m;
	const char *ret;

	memset(o, 0, sizeof(*o));
	agent_req_init(&req);
	req.queue_name = (char *)qname;
	req.queue_id = (char *)id;
	if (agent_msg_open(qdir, &req, &m, err) < 0)
		return -1;
	o->q = m.q;		/* bounce_compose() reads the content */
	m.q = NULL;
	o->id = xstrdup(id);
	o->sender = xstrdup(m.sender);
	o->envid = m.envid && *m.envid ? xstrdup(m.envid) : NULL;
	if ((ret = m.ret) != NULL)
		o->ret = strcasecmp(ret, "HDRS") == 0 ? BOUNCE_RET_HDRS :
		    BOUNCE_RET_FULL;
	o->eightbit = m.eightbit;
	o->smtputf8 = m.smtputf8;
	o->arrival = m.arrival;
	o->size = m.size;
	o->mesg = m.mesg;
	agent_msg_close(&m);
	return 0;
}

/* bounce_close - release what bounce_open() took */
void
bounce_close(struct bounce_orig *o)
{
	if (o->q)
		queue_close(o->q);
	free(o->id);
	free(o->sender);
	free(o->envid);
	memset(o, 0, sizeof(*o));
}

/*
 * Walk the content from REC_MESG: fn() gets each piece of each line
 * (first: the piece starts a line; last: it ends one), stopping after
 * the headers when hdrs is set.  0 at the end, -1 when the file is bad.
 */
typedef void	(*piece_fn)(void *, const char *, size_t, int, int, int);

static int
is_header(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == ':')
			return i > 0;
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 127)
			return 0;
	}
	return 0;
}

static int
walk(struct bounce_orig *o, int hdrs, piece_fn fn, void *arg)
{
	struct str d = STR_INIT;
	int type, res, first = 1, inhdr = 1;

	str_init(&d);
	if (queue_seek(o->q, o->mesg) < 0 ||
	    queue_get(o->q, &type, &d, NULL) != QUEUE_REC || type != REC_MESG)
		goto bad;
	while ((res = queue_get(o->q, &type, &d, NULL)) == QUEUE_REC) {
		if (type == REC_XTRA)
			break;
		if (type != REC_LINE && type != REC_PART)
			goto bad;
		if (first && inhdr && !(d.len > 0 && (d.s[0] == ' ' ||
		    d.s[0] == '\t')) && !is_header(d.s, d.len)) {
			inhdr = 0;
			if (hdrs)
				break;
		}
		fn(arg, d.s, d.len, first, type == REC_LINE, inhdr);
		first = type == REC_LINE;
	}
	if (res != QUEUE_REC)
		goto bad;
	str_free(&d);
	return 0;
bad:
	str_free(&d);
	return -1;
}

/* which recipients a notice reports ------------------------------------ */

static int
wanted(int kind, int flags, const struct rcptlog_ent *e)
{
	if (flags & BOUNCE_F_ALL)
		return 1;
	if (e->notify & DSN_NOTIFY_NEVER)
		return 0;
	switch (kind) {
	case BOUNCE_FAILED:
		return e->notify == 0 || (e->notify & DSN_NOTIFY_FAILURE);
	case BOUNCE_DELAYED:
		return e->notify == 0 || (e->notify & DSN_NOTIFY_DELAY);
	case BOUNCE_SUCCESS:
		return (e->notify & DSN_NOTIFY_SUCCESS) != 0;
	}
	return 0;
}

/*
 * bounce_count - how many of v[0..n) a notice of this kind reports (DSN
 * NOTIFY; every one with BOUNCE_F_ALL)
 */
size_t
bounce_count(int kind, int flags, const struct rcptlog_ent *v, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		if (wanted(kind, flags, &v[i]))
			c++;
	return c;
}

/* is the returned part headers only? */
static int
hdrs_only(const struct bounce_orig *o, int kind, int flags)
{
	if (o->size <= 0 || o->size > conf_int(P_bounce_size_limit))
		return 1;
	if (flags & BOUNCE_F_HDRS)
		return 1;
	if (flags & BOUNCE_F_FULL)
		return 0;
	if (o->ret)
		return o->ret == BOUNCE_RET_HDRS;
	return kind != BOUNCE_FAILED;	/* Postfix: delay, success: HDRS */
}

static int
high(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 1;
	return 0;
}

static void
scan_piece(void *arg, const char *s, size_t len, int first, int last,
    int inhdr)
{
	int *eight = arg;
	size_t i;

	(void)first;
	(void)last;
	(void)inhdr;
	for (i = 0; i < len && !*eight; i++)
		if ((unsigned char)s[i] >= 0x80)
			*eight = 1;
}

/*
 * bounce_8bit - does the notice (kind and flags as for bounce_compose)
 * carry 8-bit data: 1, 0, or -1 when the queue file is bad
 */
int
bounce_8bit(struct bounce_orig *o, int kind, int flags,
    const struct rcptlog_ent *v, size_t n)
{
	int eight = o->eightbit;
	size_t i;

	if (o->smtputf8) {
		eight |= high(o->sender) || high(o->envid);
		for (i = 0; i < n && !eight; i++)
			if (wanted(kind, flags, &v[i]))
				eight = high(v[i].addr) || high(v[i].orig) ||
				    high(v[i].orcpt) || high(v[i].reason);
	}
	if (!eight && walk(o, hdrs_only(o, kind, flags), scan_piece,
	    &eight) < 0)
		return -1;
	return eight;
}

/* output ------------------------------------------------------------ */

/* one line, cut into pieces of at most LINE_MAX_OCTETS */
static void
emit(struct out *w, const char *s, size_t len)
{
	while (len > LINE_MAX_OCTETS) {
		w->fn(w->arg, s, LINE_MAX_OCTETS);
		s += LINE_MAX_OCTETS;
		len -= LINE_MAX_OCTETS;
	}
	w->fn(w->arg, s, len);
}

static void
put(struct out *w, const char *s)
{
	emit(w, s, strlen(s));
}

static void
putf(struct out *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
putf(struct out *w, const char *fmt, ...)
{
	va_list ap;

	str_reset(&w->buf);
	va_start(ap, fmt);
	str_vaddf(&w->buf, fmt, ap);
	va_end(ap);
	emit(w, w->buf.s, w->buf.len);
}

/*
 * Report text as Postfix prints it: control characters (and non-ASCII,
 * unless the mail is SMTPUTF8) masked, so the text can be trusted.
 */
static void
addsafe(struct out *w, struct str *s, const char *t)
{
	unsigned char c;

	for (; t && *t; t++) {
		c = (unsigned char)*t;
		if (c < ' ' || c == 127 || (c >= 0x80 && !w->utf8))
			c = '?';
		str_addc(s, c);
	}
}

/*
 * Wrap s at WRAP_WIDTH columns on spaces; continuation lines start with
 * WRAP_INDENT blanks (Postfix's line_wrap(), as a header or text line).
 */
static void
wrap(struct out *w, const char *s)
{
	const char *p, *q;
	size_t avail, indent = 0, len;
	struct str l = STR_INIT;

	str_init(&l);
	while (*s) {
		avail = WRAP_WIDTH - indent;
		len = strlen(s);
		if (len <= avail) {
			p = s + len;
		} else {
			for (p = s + avail; p > s && *p != ' '; p--)
				;
			if (p == s) {
				/* one long word: cut at its end, or hard */
				q = strchr(s + avail, ' ');
				p = q ? q : s + len;
			}
			if ((size_t)(p - s) + indent > LINE_MAX_OCTETS)
				p = s + LINE_MAX_OCTETS - indent;
		}
		str_reset(&l);
		str_addf(&l, "%*s", (int)indent, "");
		str_addmem(&l, s, (size_t)(p - s));
		while (l.len > indent && l.s[l.len - 1] == ' ')
			str_trunc(&l, l.len - 1);
		emit(w, l.s, l.len);
		for (s = p; *s == ' '; s++)
			;
		indent = WRAP_INDENT;
	}
	str_free(&l);
}

/* "rfc822" or, for a non-ASCII address of SMTPUTF8 mail, "utf-8" */
static const char *
addr_type(const struct out *w, const char *a)
{
	return w->utf8 && high(a) ? "utf-8" : "rfc822";
}

/* the address as a header wants it: a local part with specials quoted */
static void
add_quoted(struct str *s, const char *a)
{
	const char *at = strrchr(a, '@'), *p, *end;
	int quote = 0;

	end = at ? at : a + strlen(a);
	if (*a != '"')
		for (p = a; p < end; p++)
			if (strchr("()<>[]:;@\\,\" ", *p) ||
			    (unsigned char)*p < ' ')
				quote = 1;
	if (quote)
		str_addc(s, '"');
	for (p = a; *p; p++) {
		if (p == end && quote)
			str_addc(s, '"');
		if (p < end && quote && (*p == '"' || *p == '\\'))
			str_addc(s, '\\');
		/* no control character reaches a header */
		str_addc(s, (unsigned char)*p < ' ' || *p == 127 ? '?' : *p);
	}
	if (quote && *end == 0)
		str_addc(s, '"');
}

/*
 * A remote server's reply inside a reason: "host NAME[IP] said: TEXT (in
 * reply to X command)" gives Remote-MTA NAME and Diagnostic-Code TEXT.
 */
static int
remote_reply(const char *reason, struct str *mta, struct str *text)
{
	const char *p, *said, *end;

	if (reason == NULL || strncmp(reason, "host ", 5) != 0 ||
	    (said = strstr(reason, " said: ")) == NULL)
		return 0;
	p = reason + 5;
	str_reset(mta);
	while (p < said && *p != '[' && *p != ' ')
		str_addc(mta, *p++);
	if (mta->len == 0)
		return 0;
	p = said + 7;
	end = p + strlen(p);
	if ((said = strstr(p, " (in reply to ")) != NULL &&
	    end[-1] == ')')
		end = said;
	str_reset(text);
	str_addmem(text, p, (size_t)(end - p));
	return 1;
}

static const char *const failure_text[] = {
	"I'm sorry to have to inform you that your message could not",
	"be delivered to one or more recipients. It's attached below.",
	"",
	"For further assistance, please send mail to postmaster.",
	"",
	"If you do so, please include this problem report. You can",
	"delete your own text from the attached returned message.",
	NULL
};

static const char *const success_text[] = {
	"Your message was successfully delivered to the destination(s)",
	"listed below. If the message was delivered to mailbox you will",
	"receive no further notifications. Otherwise you may still receive",
	"notifications of mail delivery errors from other systems.",
	NULL
};

static void
boilerplate(struct out *w, int kind)
{
	const char *const *t;

	putf(w, "This is the mail system at host %s.",
	    conf_str(P_myhostname));
	put(w, "");
	if (kind == BOUNCE_FAILED) {
		t = failure_text;
	} else if (kind == BOUNCE_DELAYED) {
		put(w, "#################################################"
		    "###################");
		put(w, "# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO "
		    "RESEND YOUR MESSAGE. #");
		put(w, "#################################################"
		    "###################");
		put(w, "");
		putf(w, "Your message could not be delivered for more than "
		    "%lld hour(s).", conf_time(P_delay_warning_time) / 3600);
		putf(w, "It will be retried until it is %lld day(s) old.",
		    conf_time(P_maximal_queue_lifetime) / 86400);
		put(w, "");
		t = failure_text + 3;
	} else {
		t = success_text;
	}
	for (; *t; t++)
		put(w, *t);
	put(w, "");
	put(w, "                   The mail system");
}

static void
date(struct out *w, const char *name, time_t t)
{
	str_set(&w->buf, name);
	hdr_date(t, &w->buf);
	emit(w, w->buf.s, w->buf.len);
}

/* one returned line, cut under LINE_MAX_OCTETS; a header goes on folded */
static void
copy_piece(void *arg, const char *s, size_t len, int first, int last,
    int inhdr)
{
	struct out *w = arg;
	size_t max;

	(void)first;
	str_addmem(&w->pend, s, len);
	while (w->pend.len > LINE_MAX_OCTETS) {
		max = LINE_MAX_OCTETS;
		/* a folded header line must not end up empty of text */
		w->fn(w->arg, w->pend.s, max);
		memmove(w->pend.s + (inhdr ? 1 : 0), w->pend.s + max,
		    w->pend.len - max);
		if (inhdr)
			w->pend.s[0] = '\t';
		str_trunc(&w->pend, w->pend.len - max + (inhdr ? 1 : 0));
	}
	if (last) {
		w->fn(w->arg, w->pend.s, w->pend.len);
		str_reset(&w->pend);
	}
}

/*
 * bounce_compose - write the notice of KIND about the recipients of v[]
 * it reports (bounce_count()) to TO, one line at a time through fn(arg,
 * line, len), lines without line ends: the headers cleanup does not add
 * (From, Subject, To, Auto-Submitted, MIME), then the body.  flags:
 * BOUNCE_F_*.  NOW names the MIME boundary.  Returns how many recipients
 * it reported (0: nothing was written: the notice is not needed), or -1
 * when the queue file went bad (what was written is incomplete).
 */
int
bounce_compose(struct bounce_orig *o, int kind, int flags, const char *to,
    time_t now, const struct rcptlog_ent *v, size_t n, bounce_line_fn fn,
    void *arg)
{
	struct out w;
	struct str bnd = STR_INIT, mta = STR_INIT, text = STR_INIT;
	const struct rcptlog_ent *e;
	const char *name = conf_str(P_mail_name), *subject, *action;
	int pm = (flags & BOUNCE_F_POSTMASTER) != 0, hdrs, eight, count = 0;
	int undelivered = kind != BOUNCE_SUCCESS;
	size_t i;

	if (bounce_count(kind, flags, v, n) == 0)
		return 0;
	if ((eight = bounce_8bit(o, kind, flags, v, n)) < 0)
		return -1;
	hdrs = hdrs_only(o, kind, flags);
	memset(&w, 0, sizeof(w));
	w.fn = fn;
	w.arg = arg;
	w.utf8 = o->smtputf8;
	str_init(&w.buf);
	str_init(&w.pend);
	str_init(&bnd);
	str_init(&mta);
	str_init(&text);
	str_addf(&bnd, "%s.%lld/%s", o->id, (long long)now,
	    conf_str(P_myhostname));

	/* the headers */
	if (kind == BOUNCE_FAILED)
		subject = pm ? "Postmaster Copy: Undelivered Mail" :
		    "Undelivered Mail Returned to Sender";
	else if (kind == BOUNCE_DELAYED)
		subject = pm ? "Postmaster Warning: Delayed Mail" :
		    "Delayed Mail (still being retried)";
	else
		subject = "Successful Mail Delivery Report";
	putf(&w, "From: Mail Delivery System <MAILER-DAEMON@%s>",
	    conf_str(P_myorigin));
	putf(&w, "Subject: %s", subject);
	str_set(&w.buf, "To: ");
	add_quoted(&w.buf, to);
	emit(&w, w.buf.s, w.buf.len);
	putf(&w, "Auto-Submitted: %s", pm ? "auto-generated" :
	    "auto-replied");
	put(&w, "MIME-Version: 1.0");
	put(&w, "Content-Type: multipart/report; report-type=delivery-status;");
	putf(&w, "\tboundary=\"%s\"", bnd.s);
	putf(&w, "Content-Transfer-Encoding: %s", eight ? "8bit" : "7bit");
	put(&w, "");
	put(&w, "This is a MIME-encapsulated message.");

	/* the text */
	put(&w, "");
	putf(&w, "--%s", bnd.s);
	put(&w, "Content-Description: Notification");
	putf(&w, "Content-Type: text/plain; charset=%s", eight ? "utf-8" :
	    "us-ascii");
	if (eight)
		put(&w, "Content-Transfer-Encoding: 8bit");
	put(&w, "");
	if (!pm)
		boilerplate(&w, kind);
	for (i = 0; i < n; i++) {
		e = &v[i];
		if (!wanted(kind, flags, e))
			continue;
		put(&w, "");
		str_reset(&text);
		str_addc(&text, '<');
		addsafe(&w, &text, e->addr);
		if (e->orig && *e->orig && strcmp(e->orig, e->addr) != 0) {
			str_adds(&text, "> (expanded from <");
			addsafe(&w, &text, e->orig);
			str_adds(&text, ">): ");
		} else {
			str_adds(&text, ">: ");
		}
		addsafe(&w, &text, e->reason ? e->reason : "");
		wrap(&w, text.s);
	}

	/* the delivery report */
	put(&w, "");
	putf(&w, "--%s", bnd.s);
	put(&w, "Content-Description: Delivery report");
	putf(&w, "Content-Type: message/%sdelivery-status", o->smtputf8 ?
	    "global-" : "");
	if (eight && o->smtputf8)
		put(&w, "Content-Transfer-Encoding: 8bit");
	put(&w, "");
	putf(&w, "Reporting-MTA: dns; %s", conf_str(P_myhostname));
	if (o->envid) {
		str_set(&text, "Original-Envelope-Id: ");
		addsafe(&w, &text, o->envid);
		emit(&w, text.s, text.len);
	}
	putf(&w, "X-%s-Queue-ID: %s", name, o->id);
	if (*o->sender) {
		str_reset(&text);
		str_addf(&text, "X-%s-Sender: %s; ", name,
		    addr_type(&w, o->sender));
		addsafe(&w, &text, o->sender);
		emit(&w, text.s, text.len);
	}
	if (o->arrival.tv_sec > 0)
		date(&w, "Arrival-Date: ", o->arrival.tv_sec);
	for (i = 0; i < n; i++) {
		e = &v[i];
		if (!wanted(kind, flags, e))
			continue;
		count++;
		put(&w, "");
		str_reset(&text);
		str_addf(&text, "Final-Recipient: %s; ",
		    addr_type(&w, e->addr));
		addsafe(&w, &text, e->addr);
		emit(&w, text.s, text.len);
		str_reset(&text);
		if (e->orcpt && *e->orcpt) {
			str_adds(&text, "Original-Recipient: ");
			addsafe(&w, &text, e->orcpt);
		} else {
			str_addf(&text, "Original-Recipient: %s; ",
			    addr_type(&w, e->orig && *e->orig ? e->orig :
			    e->addr));
			addsafe(&w, &text, e->orig && *e->orig ? e->orig :
			    e->addr);
		}
		emit(&w, text.s, text.len);
		if (kind == BOUNCE_FAILED)
			action = "failed";
		else if (e->action && *e->action)
			action = e->action;
		else
			action = kind == BOUNCE_DELAYED ? "delayed" :
			    "delivered";
		putf(&w, "Action: %s", action);
		putf(&w, "Status: %s", *e->dsn ? e->dsn :
		    kind == BOUNCE_FAILED ? "5.0.0" :
		    kind == BOUNCE_DELAYED ? "4.0.0" : "2.0.0");
		if (remote_reply(e->reason, &mta, &text)) {
			/* wrap() and emit() leave w.buf alone */
			str_set(&w.buf, "Remote-MTA: dns; ");
			addsafe(&w, &w.buf, mta.s);
			wrap(&w, w.buf.s);
			str_set(&w.buf, "Diagnostic-Code: smtp; ");
			addsafe(&w, &w.buf, text.s);
			wrap(&w, w.buf.s);
		} else {
			str_reset(&text);
			str_addf(&text, "Diagnostic-Code: X-%s; ", name);
			addsafe(&w, &text, e->reason ? e->reason : "");
			wrap(&w, text.s);
		}
		if (kind == BOUNCE_DELAYED && o->arrival.tv_sec > 0)
			date(&w, "Will-Retry-Until: ", o->arrival.tv_sec +
			    (time_t)conf_time(P_maximal_queue_lifetime));
	}

	/* the original */
	put(&w, "");
	putf(&w, "--%s", bnd.s);
	putf(&w, "Content-Description: %s%s", undelivered ? "Undelivered " :
	    "", hdrs ? "Message Headers" : "Message");
	if (o->smtputf8)
		putf(&w, "Content-Type: message/%s", hdrs ?
		    "global-headers" : "global");
	else
		putf(&w, "Content-Type: %s", hdrs ? "text/rfc822-headers" :
		    "message/rfc822");
	if (eight)
		put(&w, "Content-Transfer-Encoding: 8bit");
	put(&w, "");
	str_set(&text, "Return-Path: <");
	addsafe(&w, &text, o->sender);
	str_addc(&text, '>');
	emit(&w, text.s, text.len);
	if (walk(o, hdrs, copy_piece, &w) < 0) {
		count = -1;
		goto out;
	}
	if (w.pend.len)		/* a cut last line */
		emit(&w, w.pend.s, w.pend.len);
	put(&w, "");
	putf(&w, "--%s--", bnd.s);
out:
	str_free(&w.buf);
	str_free(&w.pend);
	str_free(&bnd);
	str_free(&mta);
	str_free(&text);
	return count;
}

/* policy ------------------------------------------------------------ */

/* bounce_class - does notify_classes name this class? */
int
bounce_class(const char *class)
{
	char *list = xstrdup(conf_str(P_notify_classes)), *p = list, *t;
	int found = 0;

	while (!found && (t = str_token(&p, ", \t\r\n")) != NULL)
		found = strcasecmp(t, class) == 0;
	free(list);
	return found;
}

/* bounce_double_sender - is this double_bounce_sender, bare or qualified */
int
bounce_double_sender(const char *sender)
{
	const char *dbs = conf_str(P_double_bounce_sender), *at;
	size_t n = strlen(dbs);

	if (*sender == 0 || *dbs == 0)
		return 0;
	if (strcasecmp(sender, dbs) == 0)
		return 1;
	if (strncasecmp(sender, dbs, n) != 0 || sender[n] != '@')
		return 0;
	at = sender + n + 1;
	return strcasecmp(at, conf_str(P_myorigin)) == 0 ||
	    strcasecmp(at, conf_str(P_myhostname)) == 0 ||
	    strcasecmp(at, conf_str(P_mydomain)) == 0;
}

static void
submit_fn(void *arg, const char *s, size_t len)
{
	submit_line(arg, s, len);
}

static void
attr(struct submit *sub, const char *name, const char *val)
{
	struct str a = STR_INIT;

	str_init(&a);
	str_addf(&a, "%s=%s", name, val);
	submit_rec(sub, REC_ATTR, a.s, a.len);
	str_free(&a);
}

/*
 * Send one notice from FROM to TO.  0 with the new queue id in out ("" if
 * no recipient asked for it); -1 with why in out.
 */
static int
notice(struct bounce_orig *o, int kind, int flags, const char *from,
    const char *to, const struct rcptlog_ent *v, size_t n, struct str *out)
{
	struct submit *sub;
	int eight, count, code;

	str_reset(out);
	if (bounce_count(kind, flags, v, n) == 0)
		return 0;
	if ((eight = bounce_8bit(o, kind, flags, v, n)) < 0)
		goto bad;
	if ((sub = submit_open(SUBMIT_CLEANUP, out)) == NULL)
		return -1;
	submit_recs(sub, REC_FROM, from);
	attr(sub, "rewrite_context", "local");
	attr(sub, ATTR_ENCODING, eight ? "8bit" : "7bit");
	if (o->smtputf8)
		attr(sub, ATTR_SMTPUTF8, "yes");
	submit_recs(sub, REC_RCPT, to);
	count = bounce_compose(o, kind, flags, to, time(NULL), v, n,
	    submit_fn, sub);
	if (count < 0) {
		submit_abort(sub);
		goto bad;
	}
	if ((code = submit_close(sub, out)) != 0) {
		if (out->len == 0)
			str_set(out, "cannot queue the notice");
		return -1;
	}
	return 0;
bad:
	str_set(out, o->q->err.len ? o->q->err.s :
	    "cannot read the queue file");
	return -1;
}

/* a postmaster copy: not critical, so a failure is only logged */
static void
copy(struct bounce_orig *o, int kind, const char *to,
    const struct rcptlog_ent *v, size_t n, const char *what)
{
	struct str id = STR_INIT;

	str_init(&id);
	if (notice(o, kind, BOUNCE_F_POSTMASTER | BOUNCE_F_ALL |
	    BOUNCE_F_HDRS, conf_str(P_double_bounce_sender), to, v, n,
	    &id) < 0)
		warn("%s: postmaster notice failed while %s %s: %s", o->id,
		    what, o->sender, id.s);
	else if (id.len)
		info("%s: postmaster %s notification: %s", o->id,
		    kind == BOUNCE_FAILED ? "non-delivery" : "delay", id.s);
	str_free(&id);
}

int
bounce_send(const char *qdir, const char *qname, const char *id, int kind,
    const struct rcptlog_ent *v, size_t n, struct str *out)
{
	struct bounce_orig o;
	const char *dbs = conf_str(P_double_bounce_sender);
	int r = 0;

	str_reset(out);
	if (bounce_open(&o, qdir, qname, id, out) < 0)
		return -1;
	if (bounce_double_sender(o.sender)) {
		/* never a triple bounce */
		if (kind != BOUNCE_SUCCESS)
			warn("%s: undeliverable postmaster notification "
			    "discarded", id);
		goto done;
	}
	switch (kind) {
	case BOUNCE_FAILED:
		if (*o.sender == 0) {
			/* a bounce bounced: the double bounce, if asked */
			if (!bounce_class("2bounce") && !bounce_class("bounce"))
				break;
			if ((r = notice(&o, kind, BOUNCE_F_POSTMASTER |
			    BOUNCE_F_ALL | BOUNCE_F_FULL, dbs,
			    conf_str(P_2bounce_notice_recipient), v, n,
			    out)) == 0 && out->len)
				info("%s: postmaster non-delivery "
				    "notification: %s", id, out->s);
			break;
		}
		if ((r = notice(&o, kind, 0, "", o.sender, v, n, out)) < 0)
			break;
		if (out->len)
			info("%s: sender non-delivery notification: %s", id,
			    out->s);
		if (bounce_class("bounce"))
			copy(&o, kind, conf_str(P_bounce_notice_recipient), v,
			    n, "bouncing to");
		break;
	case BOUNCE_DELAYED:
		if (*o.sender == 0) {
			if (!bounce_class("delay"))
				break;
			if ((r = notice(&o, kind, BOUNCE_F_POSTMASTER |
			    BOUNCE_F_ALL | BOUNCE_F_FULL, dbs,
			    conf_str(P_delay_notice_recipient), v, n,
			    out)) == 0 && out->len)
				info("%s: postmaster delay notification: %s",
				    id, out->s);
			break;
		}
		if ((r = notice(&o, kind, BOUNCE_F_HDRS, "", o.sender, v, n,
		    out)) < 0)
			break;
		if (out->len)
			info("%s: sender delay notification: %s", id, out->s);
		if (bounce_class("delay"))
			copy(&o, kind, conf_str(P_delay_notice_recipient), v,
			    n, "warning");
		break;
	case BOUNCE_SUCCESS:
		if (*o.sender == 0) {
			info("%s: not sending a delivery status notification "
			    "to the null sender", id);
			break;
		}
		if ((r = notice(&o, kind, 0, "", o.sender, v, n, out)) == 0 &&
		    out->len)
			info("%s: sender delivery status notification: %s",
			    id, out->s);
		break;
	default:
		str_set(out, "unknown notice kind");
		r = -1;
	}
done:
	bounce_close(&o);
	return r;
}

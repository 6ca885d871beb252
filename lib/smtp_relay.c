/* MIT licence: see LICENSE. */
/*
 * smtp_relay.c - sendmail's relay mode: when the sendmail command has
 * no queue it can write (no queue_directory, as in a chroot that holds
 * only the binary), it sends the message itself to sendmail_relay (else
 * relayhost) with the SMTP client, and exits 0 only after the relay's
 * 250 for every recipient; anything else is a temporary failure
 * (EX_TEMPFAIL) with the relay's reply shown.
 *
 * Run inside the sendmail command, as its user.  The message arrives as
 * the queue records submit.c collected in memory (the envelope, then
 * the content), bounded by message_size_limit.  What cleanup would do
 * for a local submission is done here: addresses without a domain get
 * @$myorigin (append_at_myorigin); sendmail -t takes the recipients
 * from To:, Cc: and Bcc:; Bcc:, Resent-Bcc:, Return-Path: and
 * Content-Length: are removed; a missing From:, Date: or Message-ID: is
 * added; a CR inside a line becomes a space (cleanup_replace_stray_cr_lf).
 * Man pages: sendmail(1), smtp(8).
 */
#include <sys/time.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../config.h"
#include "conf.h"
#include "hdr.h"
#include "num.h"
#include "queue.h"
#include "rewrite.h"
#include "smtp_addr.h"
#include "smtp_client.h"
#include "smtp_relay.h"
#include "str.h"
#include "x.h"

/* the records, as submit.c wrote them, and the header fix-ups */
struct recs {
	const char	*buf;
	size_t		len, pos;
	size_t		mesg;		/* where the content starts */
	char		**add;		/* headers to put first */
	size_t		nadd, next_add;
	int		in_hdr;		/* still in the header section */
	int		dropping;	/* in a header that is removed */
};

/* the header a line starts (lower case name in *name), or 0 */
static int
hdr_start(const char *line, size_t n, char *name, size_t size)
{
	size_t i;

	for (i = 0; i < n && i + 1 < size && line[i] > ' ' &&
	    line[i] < 127 && line[i] != ':'; i++)
		name[i] = (char)tolower((unsigned char)line[i]);
	name[i] = 0;
	return i > 0 && i < n && line[i] == ':';
}

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

static int
msg_rewind(void *ctx)
{
	struct recs *r = ctx;

	r->pos = r->mesg;
	r->next_add = 0;
	r->in_hdr = 1;
	r->dropping = 0;
	return 0;
}

/* a bare CR would go out as such: cleanup_replace_stray_cr_lf, as cleanup */
static void
mask_cr_lf(struct str *line)
{
	size_t i;

	if (!conf_bool(P_cleanup_replace_stray_cr_lf))
		return;
	for (i = 0; i < line->len; i++)
		if (line->s[i] == '\r' || line->s[i] == '\n')
			line->s[i] = ' ';
}

/* one content line as submitted, pieces joined: 1, 0 at the end, -1 */
static int
raw_line(struct recs *r, struct str *line)
{
	const char *d;
	size_t n;
	int t, res;

	str_reset(line);
	while ((res = next(r, &t, &d, &n)) == 1) {
		if (t == REC_PART) {
			str_addmem(line, d, n);
			continue;
		}
		if (t == REC_LINE) {
			str_addmem(line, d, n);
			mask_cr_lf(line);
			return 1;
		}
		return 0;	/* REC_XTRA: the end */
	}
	return res < 0 ? -1 : 0;
}

static int
msg_line(void *ctx, struct str *line)
{
	struct recs *r = ctx;
	const struct hdr *h;
	char name[64];
	int res;

	if (r->next_add < r->nadd) {
		str_set(line, r->add[r->next_add++]);
		return 1;
	}
	while ((res = raw_line(r, line)) == 1) {
		if (!r->in_hdr)
			return 1;
		if (line->len == 0) {
			r->in_hdr = 0;
			return 1;
		}
		if (line->s[0] == ' ' || line->s[0] == '\t') {
			if (!r->dropping)
				return 1;
			continue;
		}
		if (!hdr_start(line->s, line->len, name, sizeof(name))) {
			r->in_hdr = 0;	/* the body starts without a blank */
			return 1;
		}
		h = hdr_find(name);
		r->dropping = h && (h->flags & H_DROP);
		if (!r->dropping)
			return 1;
	}
	return res;
}

/* sendmail -t: each address of a To:, Cc: or Bcc: header */
struct extract {
	char	***addrs;
	int	**notes;
	size_t	*n;
};

static char *qualify(const char *, size_t);

static void
extract_one(void *ctx, const char *addr)
{
	struct extract *x = ctx;

	*x->addrs = xreallocarray(*x->addrs, *x->n + 1, sizeof(**x->addrs));
	*x->notes = xreallocarray(*x->notes, *x->n + 1, sizeof(**x->notes));
	(*x->addrs)[*x->n] = qualify(addr, strlen(addr));
	(*x->notes)[(*x->n)++] = 0;
}

/*
 * the header pass: recipients for -t, and the From:, Date: and
 * Message-ID: that a local submission gets when it has none
 */
static void
headers(struct recs *r, int extract, const char *sender, struct extract *x)
{
	struct str line, logical;
	const struct hdr *h = NULL;
	char name[64];
	int seen_from = 0, seen_date = 0, seen_id = 0, res;
	struct timeval tv;
	struct tm tm;
	char stamp[32];

	str_init(&line);
	str_init(&logical);
	r->pos = r->mesg;
	for (;;) {
		res = raw_line(r, &line);
		if (res == 1 && (line.s[0] == ' ' || line.s[0] == '\t') &&
		    logical.len) {
			str_addc(&logical, '\n');
			str_addmem(&logical, line.s, line.len);
			continue;
		}
		/* a logical header is complete */
		if (logical.len && h && (h->flags & H_EXTRACT) && extract)
			rewrite_header_addrs(strchr(logical.s, ':') + 1,
			    extract_one, x);
		str_reset(&logical);
		h = NULL;
		if (res != 1 || line.len == 0 ||
		    !hdr_start(line.s, line.len, name, sizeof(name)))
			break;
		seen_from |= strcmp(name, "from") == 0;
		seen_date |= strcmp(name, "date") == 0;
		seen_id |= strcmp(name, "message-id") == 0;
		h = hdr_find(name);
		str_setmem(&logical, line.s, line.len);
	}
	gettimeofday(&tv, NULL);
	if (!seen_id) {
		gmtime_r(&tv.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%d%H%M%S", &tm);
		r->add = xreallocarray(r->add, r->nadd + 1, sizeof(*r->add));
		r->add[r->nadd++] = xasprintf("Message-Id: <%s.%06ld.%ld@%s>",
		    stamp, (long)tv.tv_usec, (long)getpid(),
		    conf_str(P_myhostname));
	}
	if (!seen_date) {
		str_set(&line, "Date: ");
		hdr_date(tv.tv_sec, &line);
		r->add = xreallocarray(r->add, r->nadd + 1, sizeof(*r->add));
		r->add[r->nadd++] = xstrdup(line.s);
	}
	if (!seen_from) {
		r->add = xreallocarray(r->add, r->nadd + 1, sizeof(*r->add));
		r->add[r->nadd++] = xasprintf("From: %s", *sender ? sender :
		    "MAILER-DAEMON");
	}
	str_free(&line);
	str_free(&logical);
	msg_rewind(r);
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
	str_free(&p);
	return !ok;
}

static char *
qualify(const char *a, size_t n)
{
	char *s = xstrndup(a, n);
	char *q;

	if (*s == 0 || memchr(s, '@', n) || !conf_bool(P_append_at_myorigin))
		return s;
	q = xasprintf("%s@%s", s, conf_str(P_myorigin));
	free(s);
	return q;
}

/*
 * smtp_relay_send - send the message in the records buf to the relay.
 * 0 with the relay's reply in out; 4 with "X.Y.Z reason" in out.
 */
int
smtp_relay_send(const char *buf, size_t len, struct str *out)
{
	struct recs r;
	struct smtp_addr_list list = { NULL, 0 };
	struct smtp_sess s;
	struct smtp_msg m;
	struct smtp_rcpt *rc = NULL;
	char **addrs = NULL, *sender = NULL, *envid = NULL, *ret = NULL;
	char dsn[SMTP_DSN_MAX], num[16];
	struct extract x;
	int extract = 0;
	const char *d;
	size_t n, nrcpt = 0, i;
	int t, res, code = 4, notify = 0, *notes = NULL, eightbit = 0;
	long long v;
	struct str why;

	memset(&r, 0, sizeof(r));
	r.buf = buf;
	r.len = len;
	str_init(&why);
	str_reset(out);
	while ((res = next(&r, &t, &d, &n)) == 1 && t != REC_MESG) {
		if (t == REC_FROM) {
			free(sender);
			sender = qualify(d, n);
		} else if (t == REC_RCPT) {
			addrs = xreallocarray(addrs, nrcpt + 1, sizeof(*addrs));
			notes = xreallocarray(notes, nrcpt + 1, sizeof(*notes));
			addrs[nrcpt] = qualify(d, n);
			notes[nrcpt++] = notify;
			notify = 0;
		} else if (t == REC_NOTIFY && n < sizeof(num)) {
			memcpy(num, d, n);
			num[n] = 0;
			if (num_parse(num, 0, 15, &v) == 0)
				notify = (int)v;
		} else if (t == REC_ATTR) {
			if (n > 10 && strncmp(d, ATTR_DSN_ENVID "=", 10) == 0)
				envid = xstrndup(d + 10, n - 10);
			else if (n > 8 && strncmp(d, ATTR_DSN_RET "=", 8) == 0)
				ret = xstrndup(d + 8, n - 8);
			else if (n == 13 && strncmp(d, ATTR_ENCODING "=8bit",
			    13) == 0)
				eightbit = 1;
			else if (n == 22 && strncmp(d,
			    "extract_recipients=yes", 22) == 0)
				extract = 1;
		}
	}
	if (res != 1 || sender == NULL) {
		str_set(out, "5.3.0 malformed message");
		goto out;
	}
	r.mesg = r.pos;
	x.addrs = &addrs;
	x.notes = &notes;
	x.n = &nrcpt;
	headers(&r, extract, sender, &x);
	if (nrcpt == 0) {
		str_set(out, "5.1.0 no recipients specified");
		goto out;
	}
	memset(&m, 0, sizeof(m));
	m.sender = sender;
	m.envid = envid;
	m.ret = ret;
	m.eightbit = eightbit;
	m.ctx = &r;
	m.rewind = msg_rewind;
	m.line = msg_line;
	/* the size as sent: content bytes with LF line ends */
	while ((res = msg_line(&r, &why)) == 1)
		m.size += (long long)why.len + 1;
	msg_rewind(&r);
	rc = xcalloc(nrcpt, sizeof(*rc));
	for (i = 0; i < nrcpt; i++) {
		smtp_rcpt_init(&rc[i], addrs[i]);
		rc[i].notify = notes[i];
	}
	if (smtp_addr_find(smtp_relay_host(), 0, &list, dsn, sizeof(dsn),
	    &why) != 0 && list.n == 0) {
		str_addf(out, "%s %s", dsn, why.s);
		goto out;
	}
	str_set(out, "4.4.1 no relay address to try");
	smtp_sess_init(&s, 0);
	s.nexthop = smtp_relay_host();
	for (i = 0; i < list.n; i++) {
		if (smtp_connect(&s, &list.v[i]) < 0 ||
		    smtp_greet(&s, &list.v[i]) < 0 ||
		    smtp_auth(&s, smtp_relay_host(), sender) < 0) {
			str_reset(out);
			str_addf(out, "%s %s", s.dsn, s.why.s);
			smtp_quit(&s);
			smtp_close(&s);
			continue;
		}
		res = smtp_xfer(&s, &m, rc, nrcpt);
		smtp_quit(&s);
		smtp_close(&s);
		if (res < 0) {
			str_reset(out);
			str_addf(out, "%s %s", s.dsn, s.why.s);
			continue;	/* nothing was delivered: next */
		}
		code = 0;
		for (n = 0; n < nrcpt; n++)
			if (rc[n].status != 2) {
				code = 4;
				break;
			}
		str_reset(out);
		if (code == 0)
			str_adds(out, rc[0].reason.s);
		else
			str_addf(out, "%s %s", rc[n].dsn, rc[n].reason.s);
		break;
	}
	smtp_sess_free(&s);
out:
	if (code != 0 && out->len && out->s[0] == '5')
		out->s[0] = '4';	/* sendmail's caller may try again */
	for (i = 0; i < nrcpt; i++) {
		if (rc)
			smtp_rcpt_free(&rc[i]);
		free(addrs[i]);
	}
	free(rc);
	free(addrs);
	for (i = 0; i < r.nadd; i++)
		free(r.add[i]);
	free(r.add);
	free(notes);
	free(sender);
	free(envid);
	free(ret);
	smtp_addr_free(&list);
	str_free(&why);
	return code;
}

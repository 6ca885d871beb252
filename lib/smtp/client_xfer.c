/* MIT licence: see LICENSE. */
/*
 * smtp/client_xfer.c - one mail transaction of the SMTP/LMTP client: MAIL,
 * RCPT and DATA pipelined when the server offers PIPELINING, the
 * envelope through smtp_generic_maps and quoted as RFC 5321 wants, DSN
 * parameters, the content dot-stuffed with long lines folded, and a
 * result per recipient in Postfix's words ("host H[ip] said: 550 ...
 * (in reply to RCPT TO command)").
 *
 * Run inside the smtp and lmtp delivery agents (as mail_owner) and the
 * sendmail command's relay mode (as its user).  Man page: smtp(8).
 *
 * Choices where Postfix converts: an 8bit message to a server without
 * 8BITMIME is sent as it is (Postfix with disable_mime_output_conversion
 * = yes); a message that asked for SMTPUTF8 bounces (5.6.7) only when
 * its envelope needs it and the server lacks it.
 */

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../config.h"
#include "../io.h"
#include "../queue/queue.h"
#include "../rewrite/rewrite.h"
#include "../str.h"
#include "../x.h"
#include "client_int.h"
#include "generic.h"

#define PIPE_MAX	100	/* commands in flight when pipelining */
#define BODY_FLUSH	65536	/* content bytes per write */

/* the transaction's commands, in Postfix's words */
enum { C_MAIL, C_RCPT, C_DATA, C_DOT, C_QUIT };
static const char *const state_where[] = {
	"sending MAIL FROM",
	"sending RCPT TO",
	"sending DATA command",
	"sending end of data -- message may be sent more than once",
	"sending QUIT",
};
static const char *const state_cmd[] = {
	"MAIL FROM command",
	"RCPT TO command",
	"DATA command",
	"end of DATA command",
	"QUIT command",
};

/* smtp_rcpt_init - a recipient without a result */
void
smtp_rcpt_init(struct smtp_rcpt *r, const char *addr)
{
	memset(r, 0, sizeof(*r));
	r->addr = addr;
	str_init(&r->reason);
}

/* smtp_rcpt_free - release a recipient's result */
void
smtp_rcpt_free(struct smtp_rcpt *r)
{
	str_free(&r->reason);
}

static void
rcpt_set(struct smtp_rcpt *r, int code, const char *dsn, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

static void
rcpt_set(struct smtp_rcpt *r, int code, const char *dsn, const char *fmt,
    ...)
{
	va_list ap;

	r->status = code / 100 == 2 ? 2 : code / 100 == 5 ? 5 : 4;
	str_copy(r->dsn, dsn, sizeof(r->dsn));
	r->dsn[0] = (char)('0' + r->status);
	str_reset(&r->reason);
	va_start(ap, fmt);
	str_vaddf(&r->reason, fmt, ap);
	va_end(ap);
}

/* RFC 3461 xtext */
static void
xtext(struct str *out, const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++)
		if (*p < 33 || *p > 126 || *p == '+' || *p == '=')
			str_addf(out, "+%02X", *p);
		else
			str_addc(out, *p);
}

/*
 * a control character (CR, LF, NUL, ...) in an envelope address, which
 * no quoting can carry: from a queue file of an older version or made by
 * hand, written raw it would end the command early and smuggle others
 */
static int
bad_addr(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 32 || *s == 127)
			return 1;
	return 0;
}

/* an RFC 5322 atom: RFC 3461 4.2 wants one as ORCPT's addr-type */
static int
dsn_atom(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] == 0 || (!isalnum((unsigned char)s[i]) &&
		    strchr("!#$%&'*+-/=?^_`{|}~", s[i]) == NULL))
			return 0;
	return 1;
}

/* an address as RFC 5321 wants it: the local part quoted when needed */
static void
quote_addr(struct str *out, const char *addr)
{
	const char *at = strrchr(addr, '@'), *p, *end;
	int quote = 0;

	end = at ? at : addr + strlen(addr);
	if (end == addr && at)
		quote = 1;
	for (p = addr; p < end; p++)
		if (strchr(" \t\"(),:;<>@[\\]", *p) || (unsigned char)*p < 32 ||
		    (*p == '.' && (p == addr || p + 1 == end || p[1] == '.')))
			quote = 1;
	if (!quote) {
		str_adds(out, addr);
		return;
	}
	str_addc(out, '"');
	for (p = addr; p < end; p++) {
		if (*p == '"' || *p == '\\')
			str_addc(out, '\\');
		str_addc(out, *p);
	}
	str_addc(out, '"');
	str_adds(out, end);
}

static int
non_ascii(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s > 127)
			return 1;
	return 0;
}

static void
put_mail(struct smtp_sess *s, const struct smtp_msg *m, const char *sender)
{
	struct str b;

	str_init(&b);
	str_adds(&b, "MAIL FROM:<");
	quote_addr(&b, sender);
	str_addc(&b, '>');
	if (s->features & SMTP_F_SIZE)
		str_addf(&b, " SIZE=%lld", m->size);
	if (m->eightbit && (s->features & SMTP_F_8BITMIME))
		str_adds(&b, " BODY=8BITMIME");
	if (m->smtputf8 && (s->features & SMTP_F_SMTPUTF8))
		str_adds(&b, " SMTPUTF8");
	if (s->features & SMTP_F_DSN) {
		/* RET from the queue file goes out only as one of its words */
		if (m->ret && (strcasecmp(m->ret, "FULL") == 0 ||
		    strcasecmp(m->ret, "HDRS") == 0))
			str_addf(&b, " RET=%s", m->ret);
		if (m->envid && *m->envid) {
			str_adds(&b, " ENVID=");
			xtext(&b, m->envid);
		}
	}
	str_adds(&b, "\r\n");
	io_write(&s->io, b.s, b.len);
	str_free(&b);
}

static void
put_rcpt(struct smtp_sess *s, const struct smtp_rcpt *r, const char *addr)
{
	struct str b;
	const char *semi;
	int n = 0;

	str_init(&b);
	str_adds(&b, "RCPT TO:<");
	quote_addr(&b, addr);
	str_addc(&b, '>');
	if (s->features & SMTP_F_DSN) {
		if (r->notify) {
			str_adds(&b, " NOTIFY=");
			if (r->notify & DSN_NOTIFY_NEVER)
				str_adds(&b, "NEVER");
			else {
				if (r->notify & DSN_NOTIFY_SUCCESS)
					str_adds(&b, n++ ? ",SUCCESS" :
					    "SUCCESS");
				if (r->notify & DSN_NOTIFY_FAILURE)
					str_adds(&b, n++ ? ",FAILURE" :
					    "FAILURE");
				if (r->notify & DSN_NOTIFY_DELAY)
					str_adds(&b, n++ ? ",DELAY" : "DELAY");
			}
		}
		/*
		 * the type must be an atom, the address goes out as xtext:
		 * nothing a queue file holds puts a control byte or a space
		 * into the command (no type: ORCPT is left out)
		 */
		if (r->orcpt && (semi = strchr(r->orcpt, ';')) != NULL &&
		    dsn_atom(r->orcpt, (size_t)(semi - r->orcpt))) {
			str_adds(&b, " ORCPT=");
			str_addmem(&b, r->orcpt, (size_t)(semi - r->orcpt) + 1);
			xtext(&b, semi + 1);
		}
	}
	str_adds(&b, "\r\n");
	io_write(&s->io, b.s, b.len);
	str_free(&b);
}

/*
 * one content line: dot-stuffed, CRLF ended; longer than line_limit, it
 * is folded with "CRLF SPACE" as Postfix does (no piece is longer)
 */
static void
put_line(struct smtp_sess *s, const char *p, size_t len)
{
	size_t lim = s->line_limit, room, i;
	struct str c;

	/*
	 * a CR or LF inside a line (a queue file of an older version or one
	 * made by hand; cleanup replaces them) would end the line early on
	 * the wire: SMTP smuggling.  It goes out as a space, as cleanup's
	 * cleanup_replace_stray_cr_lf does.
	 */
	if (memchr(p, '\r', len) != NULL || memchr(p, '\n', len) != NULL) {
		str_init(&c);
		str_addmem(&c, p, len);
		for (i = 0; i < len; i++)
			if (c.s[i] == '\r' || c.s[i] == '\n')
				c.s[i] = ' ';
		put_line(s, c.s, len);
		str_free(&c);
		return;
	}

	if (len && p[0] == '.')
		io_write(&s->io, ".", 1);
	room = lim && len && p[0] == '.' ? lim - 1 : lim;
	while (lim && len > room) {
		io_write(&s->io, p, room);
		io_write(&s->io, "\r\n ", 3);
		p += room;
		len -= room;
		room = lim - 1;
	}
	io_write(&s->io, p, len);
	io_write(&s->io, "\r\n", 2);
}

static void
emit_line(void *ctx, const char *p, size_t len)
{
	put_line(ctx, p, len);
}

/* the content; 0, -1 lost connection, -2 the message could not be read */
static int
put_body(struct smtp_sess *s, struct smtp_msg *m)
{
	struct smtp_generic g;
	struct str line;
	int r;

	str_init(&line);
	if (m->rewind && m->rewind(m->ctx) < 0) {
		str_free(&line);
		return -2;
	}
	smtp_generic_init(&g);
	while ((r = m->line(m->ctx, &line)) == 1) {
		smtp_generic_line(&g, line.s, line.len, emit_line, s);
		if (s->io.wbuf.len >= BODY_FLUSH &&
		    smtp_flush(s, s->t_data_xfer, "sending message body") < 0)
			break;
	}
	smtp_generic_end(&g, r == 0 ? emit_line : NULL, s);
	str_free(&line);
	if (r < 0)
		return -2;
	if (r == 1)
		return -1;
	return 0;
}

static int
cmd_timeout(const struct smtp_sess *s, int c)
{
	return c == C_MAIL ? s->t_mail : c == C_RCPT ? s->t_rcpt :
	    c == C_DATA ? s->t_data_init : c == C_DOT ? s->t_data_done :
	    s->t_quit;
}

/* every recipient still open gets the same result */
static void
all_open(struct smtp_rcpt *r, size_t n, const char *accepted, int code,
    const char *dsn, const char *text)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (r[i].status == 0 && (accepted == NULL || accepted[i]))
			rcpt_set(&r[i], code, dsn, "%s", text);
}

static void
said(struct smtp_sess *s, struct str *t, int c)
{
	str_reset(t);
	str_addf(t, "host %s said: %s (in reply to %s)", s->namaddr,
	    s->reply.text.s, state_cmd[c]);
}

/*
 * smtp_xfer - one mail transaction: MAIL, RCPT each, DATA, content,
 * end of data.  Each recipient gets its result (status 2, 4 or 5 with
 * Postfix's text) when the server gave one; returns 0.  Returns -1 when
 * the session broke (lost connection, timeout, malformed reply): the
 * failure is in status/dsn/why, and recipients without a result were
 * not delivered.
 */
int
smtp_xfer(struct smtp_sess *s, struct smtp_msg *m, struct smtp_rcpt *r,
    size_t n)
{
	struct str t, *env;
	char *acc;
	size_t sent = 0, got = 0, last = n + 1, nacc = 0, nbad, i;
	int pipe = (s->features & SMTP_F_PIPELINING) != 0, mail_ok = 1;
	int c, data_ok = 0, ret = -1, e;

	str_init(&t);
	s->dot_sent = 0;
	acc = xcalloc(n ? n : 1, 1);
	/* the envelope as it leaves: env[0] the sender, env[1..n] */
	env = xcalloc(n + 1, sizeof(*env));
	for (i = 0; i <= n; i++) {
		str_init(&env[i]);
		if (smtp_generic_addr(i ? RW_ENV_RCPT : RW_ENV_SENDER,
		    i ? r[i - 1].addr : m->sender, &env[i]) < 0) {
			all_open(r, n, NULL, 450, "4.3.0",
			    "smtp_generic_maps lookup error");
			ret = 0;
			goto out;
		}
	}
	/* refused here, never written: a control character in an address */
	if (bad_addr(env[0].s)) {
		all_open(r, n, NULL, 550, "5.1.7", "bad sender address syntax");
		ret = 0;
		goto out;
	}
	for (i = 0, nbad = 0; i < n; i++)
		if (bad_addr(env[i + 1].s)) {
			rcpt_set(&r[i], 550, "5.1.3",
			    "bad recipient address syntax");
			nbad++;
		}
	if (n > 0 && nbad == n) {
		ret = 0;
		goto out;
	}
	if ((s->features & SMTP_F_SIZE) && s->size_limit > 0 &&
	    m->size > s->size_limit) {
		str_addf(&t, "message size %lld exceeds size limit %lld of "
		    "server %s", m->size, s->size_limit, s->namaddr);
		all_open(r, n, NULL, 550, "5.3.4", t.s);
		ret = 0;
		goto out;
	}
	if (m->smtputf8 && !(s->features & SMTP_F_SMTPUTF8)) {
		int need = non_ascii(m->sender);

		for (i = 0; i < n && !need; i++)
			need = non_ascii(r[i].addr);
		if (need) {
			str_addf(&t, "SMTPUTF8 is required, but was not "
			    "offered by host %s", s->namaddr);
			all_open(r, n, NULL, 550, "5.6.7", t.s);
			ret = 0;
			goto out;
		}
	}
	/* commands 0 (MAIL), 1..n (RCPT), n + 1 (DATA) */
	while (got <= last) {
		while (sent <= last && (sent == got || (pipe &&
		    sent - got < PIPE_MAX))) {
			if (sent == 0)
				put_mail(s, m, env[0].s);
			else if (sent <= n) {
				if (!bad_addr(env[sent].s))
					put_rcpt(s, &r[sent - 1], env[sent].s);
			} else
				io_puts(&s->io, "DATA\r\n");
			sent++;
		}
		c = got == 0 ? C_MAIL : got <= n ? C_RCPT : C_DATA;
		if (c == C_RCPT && bad_addr(env[got].s))
			;	/* refused above: no command, no reply */
		else if (smtp_flush(s, cmd_timeout(s, c), state_where[c]) < 0 ||
		    smtp_get_reply(s, cmd_timeout(s, c), state_where[c],
		    NULL) < 0)
			goto out;
		else if (c == C_MAIL && s->reply.code / 100 != 2) {
			said(s, &t, C_MAIL);
			all_open(r, n, NULL, s->reply.code, s->reply.dsn, t.s);
			mail_ok = 0;
		} else if (c == C_RCPT && mail_ok) {
			i = got - 1;
			if (s->reply.code / 100 == 2) {
				acc[i] = 1;
				nacc++;
			} else {
				said(s, &t, C_RCPT);
				rcpt_set(&r[i], s->reply.code, s->reply.dsn,
				    "%s", t.s);
			}
		} else if (c == C_DATA) {
			if (s->reply.code == 354 && (!mail_ok || nacc == 0)) {
				/* nothing to send: an empty message, aborted */
				io_puts(&s->io, ".\r\n");
				if (smtp_flush(s, s->t_data_done,
				    state_where[C_DOT]) < 0 ||
				    smtp_get_reply(s, s->t_data_done,
				    state_where[C_DOT], NULL) < 0)
					goto out;
			} else if (mail_ok && nacc && s->reply.code != 354) {
				said(s, &t, C_DATA);
				all_open(r, n, acc, s->reply.code,
				    s->reply.dsn, t.s);
			} else if (mail_ok && nacc)
				data_ok = 1;
		}
		got++;
		/* without pipelining, stop when nothing is left to do */
		if (!pipe && got == sent && (!mail_ok || (got == n + 1 &&
		    nacc == 0)))
			break;
	}
	if (!data_ok) {
		ret = 0;
		goto out;
	}
	if ((e = put_body(s, m)) == -1)
		goto out;
	if (e == -2) {
		/* never "." after part of a message: drop the session */
		all_open(r, n, acc, 450, "4.3.0", "error reading the queue "
		    "file");
		smtp_close(s);
		ret = 0;
		goto out;
	}
	/* from here the server may have taken the message: no retry */
	s->dot_sent = 1;
	io_puts(&s->io, ".\r\n");
	if (smtp_flush(s, s->t_data_xfer, "sending message body") < 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (!acc[i] || r[i].status)
			continue;
		if (smtp_get_reply(s, s->t_data_done, state_where[C_DOT],
		    NULL) < 0)
			goto out;
		if (s->reply.code / 100 == 2) {
			str_reset(&t);
			str_adds(&t, s->reply.text.s);
		} else
			said(s, &t, C_DOT);
		if (s->lmtp)
			rcpt_set(&r[i], s->reply.code, s->reply.dsn, "%s",
			    t.s);
		else {
			all_open(r, n, acc, s->reply.code, s->reply.dsn, t.s);
			break;
		}
	}
	ret = 0;
out:
	for (i = 0; i <= n; i++)
		str_free(&env[i]);
	free(env);
	free(acc);
	str_free(&t);
	return ret;
}

/* MIT licence: see LICENSE. */
/*
 * msgfix.c - the message fix-ups of Postfix's cleanup, in one place for
 * the two programs that make a message ready to leave: the cleanup
 * daemon (as mail_owner, writing a queue file) and sendmail's relay mode
 * (lib/smtp/relay.c, as the submitting user, sending it straight to the
 * relay).  The interface is in msgfix.h.  Man page: cleanup(8).
 *
 * As Postfix's cleanup: envelope addresses are qualified (myorigin,
 * mydomain), then rewritten (canonical, masquerading; virtual aliases
 * for recipients).  The primary headers are read as logical headers
 * (with their continuation lines, at most header_size_limit bytes),
 * given to header_checks (the caller's), counted (hopcount_limit), their
 * addresses rewritten in the local context; Return-Path:, Bcc: and
 * Content-Length: are dropped.  Received: goes first; Message-Id:,
 * Date:, From: and undisclosed_recipients_header are added when missing
 * from local mail (always_add_missing_headers: all mail).  8-bit content
 * is noticed: a byte above 127 in a header or body line, or
 * Content-Transfer-Encoding: 8bit or binary (detect_8bit_encoding_header),
 * so that the smtp client says BODY=8BITMIME (RFC 6152).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../conf.h"
#include "../hdr.h"
#include "../log.h"
#include "../queue/queue.h"
#include "../str.h"
#include "../table/alias.h"
#include "msgfix.h"
#include "rewrite.h"

/*
 * msgfix_stray_cr_lf - a CR or LF inside a content line (a record is a
 * line without its end) becomes a space, so that it cannot become a line
 * break in a mailbox or on the wire (cleanup_replace_stray_cr_lf, as
 * Postfix's cleanup since its SMTP smuggling fixes)
 */
void
msgfix_stray_cr_lf(char *s, size_t n)
{
	size_t i;

	if (!conf_bool(P_cleanup_replace_stray_cr_lf))
		return;
	for (i = 0; i < n; i++)
		if (s[i] == '\r' || s[i] == '\n')
			s[i] = ' ';
}

/* msgfix_attr - the value of envelope attribute name, or NULL */
const char *
msgfix_attr(const struct msgfix *m, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < m->nattr; i++)
		if (strncmp(m->attr[i], name, n) == 0 && m->attr[i][n] == '=')
			return m->attr[i] + n + 1;
	return NULL;
}

static void
fail(struct msgfix *m, int code, const char *text)
{
	if (m->failed)
		return;
	m->failed = 1;
	if (m->fail)
		m->fail(m->ctx, code, text);
}

/* msgfix_init - the state; the caller's fields are set */
void
msgfix_init(struct msgfix *m)
{
	str_init(&m->hdr);
	str_init(&m->tmp);
	str_init(&m->tmp2);
}

/* msgfix_free - the state's memory (not the caller's fields) */
void
msgfix_free(struct msgfix *m)
{
	str_free(&m->hdr);
	str_free(&m->tmp);
	str_free(&m->tmp2);
}

/*
 * msgfix_sender - the envelope sender qualified and rewritten, into out;
 * 0, or -1 when the message failed (a table error)
 */
int
msgfix_sender(struct msgfix *m, const char *in, struct str *out)
{
	str_set(out, in);
	if (*in == 0)
		return 0;
	rewrite_qualify(m->rw, in, &m->tmp);
	if (rewrite_addr(m->rw, RW_ENV_SENDER, m->tmp.s, out) < 0) {
		warn("%s: %s", m->id, rewrite_error(m->rw));
		fail(m, 4, "4.3.0 address rewriting error");
		return -1;
	}
	return 0;
}

/*
 * msgfix_rcpt - an envelope recipient qualified, rewritten and expanded
 * by virtual_alias_maps: the list (alias_list_free()), or NULL when the
 * message failed
 */
char **
msgfix_rcpt(struct msgfix *m, const char *in)
{
	char **list;

	rewrite_qualify(m->rw, in, &m->tmp);
	if (rewrite_addr(m->rw, RW_ENV_RCPT, m->tmp.s, &m->tmp2) < 0) {
		warn("%s: %s", m->id, rewrite_error(m->rw));
		fail(m, 4, "4.3.0 address rewriting error");
		return NULL;
	}
	if ((list = rewrite_virtual(m->rw, m->tmp2.s, &m->tmp)) == NULL) {
		warn("%s: %s -- message not accepted", m->id, m->tmp.s);
		fail(m, 4, "4.3.0 virtual alias expansion error");
		return NULL;
	}
	return list;
}

static void
put(struct msgfix *m, const char *s)
{
	m->put(m->ctx, s, strlen(s));
}

/*
 * msgfix_begin - the content starts, the envelope is complete: read its
 * attributes (the context, -t, a declared encoding); Received: first
 */
void
msgfix_begin(struct msgfix *m)
{
	const char *ca = msgfix_attr(m, "client_address"),
	    *cn = msgfix_attr(m, "client_name"),
	    *helo = msgfix_attr(m, "helo_name"),
	    *uid = msgfix_attr(m, "uid"), *proto = msgfix_attr(m, "protocol"),
	    *tls, *sa;
	const char *host = conf_str(P_myhostname),
	    *name = conf_str(P_mail_name);
	struct str *t = &m->tmp;
	const char *v;

	m->local = ca == NULL;
	v = msgfix_attr(m, "rewrite_context");
	m->hdr_local = v ? strcmp(v, "remote") != 0 : 1;
	v = msgfix_attr(m, "extract_recipients");
	if (v == NULL || strcmp(v, "yes") != 0)
		m->extract = NULL;
	v = msgfix_attr(m, ATTR_ENCODING);
	m->eightbit = v && strcasecmp(v, "8bit") == 0;
	m->in_hdr = 1;
	if (m->failed)
		return;
	str_reset(t);
	if (ca) {
		if (!cn)
			cn = "unknown";
		str_addf(t, "Received: from %s (%s [%s%s])",
		    helo ? helo : cn, cn, strchr(ca, ':') ? "IPv6:" : "", ca);
		put(m, t->s);
		if ((tls = msgfix_attr(m, "tls_info")) != NULL) {
			/* smtpd_tls_received_header, as Postfix */
			str_reset(t);
			str_addf(t, "\t(using %s)", tls);
			put(m, t->s);
			str_reset(t);
			str_addf(t, "\t(%s)", (tls = msgfix_attr(m,
			    "tls_ccert")) != NULL && *tls ? tls :
			    "No client certificate requested");
			put(m, t->s);
		}
		str_reset(t);
		if ((sa = msgfix_attr(m, "sasl_auth_header")) != NULL) {
			str_addf(t, "\t(Authenticated sender: %s)", sa);
			put(m, t->s);
			str_reset(t);
		}
		str_addf(t, "\tby %s (%s) with %s id %s", host, name,
		    proto ? proto : "SMTP", m->id);
		if (m->rcpt1) {
			put(m, t->s);
			str_reset(t);
			str_addf(t, "\tfor <%s>", m->rcpt1);
		}
		str_addc(t, ';');
		put(m, t->s);
		str_set(t, "\t");
	} else {
		str_addf(t, "Received: by %s (%s", host, name);
		if (uid)
			str_addf(t, ", from userid %s", uid);
		str_adds(t, ")");
		put(m, t->s);
		str_reset(t);
		str_addf(t, "\tid %s; ", m->id);
	}
	hdr_date(m->when, t);
	put(m, t->s);
	m->hops = 1;
}

/* write a logical header, one line per physical line */
static void
put_header(struct msgfix *m, const char *h)
{
	const char *nl;

	while ((nl = strchr(h, '\n')) != NULL) {
		m->put(m->ctx, h, (size_t)(nl - h));
		h = nl + 1;
	}
	put(m, h);
}

static int
has8bit(const char *s, size_t n)
{
	while (n-- > 0)
		if ((unsigned char)*s++ & 0x80)
			return 1;
	return 0;
}

/* Content-Transfer-Encoding: 8bit or binary (RFC 2045) */
static void
cte(struct msgfix *m, const char *v)
{
	size_t n;

	if (!conf_bool(P_detect_8bit_encoding_header))
		return;
	v = str_skipws(v);
	for (n = strlen(v); n > 0 && strchr(" \t\r\n", v[n - 1]); n--)
		;
	if ((n == 4 && strncasecmp(v, "8bit", 4) == 0) ||
	    (n == 6 && strncasecmp(v, "binary", 6) == 0))
		m->eightbit = 1;
}

/* one complete logical header (lines joined with '\n') */
static void
header(struct msgfix *m)
{
	const struct hdr *hd;
	struct str *h = &m->hdr;
	const char *v;
	size_t n;
	int r, class;

	if (m->failed)
		return;
	if (m->check) {
		r = m->check(m->ctx, h);
		if (r < 0)
			m->failed = 1;
		if (r != 0)
			return;
	}
	if (has8bit(h->s, h->len))
		m->eightbit = 1;
	n = strcspn(h->s, ":");
	v = h->s + n + (h->s[n] == ':');
	if (strncasecmp(h->s, "received:", 9) == 0 &&
	    ++m->hops >= conf_int(P_hopcount_limit))
		fail(m, 5, "5.4.6 too many hops");
	if (strncasecmp(h->s, "message-id:", 11) == 0) {
		m->seen |= MSGFIX_SEEN_MSGID;
		info_log("%s: message-id=%s", m->id, str_skipws(v));
	}
	if (strncasecmp(h->s, "date:", 5) == 0)
		m->seen |= MSGFIX_SEEN_DATE;
	if (strncasecmp(h->s, "from:", 5) == 0)
		m->seen |= MSGFIX_SEEN_FROM;
	if (strncasecmp(h->s, "to:", 3) == 0 || strncasecmp(h->s, "cc:",
	    3) == 0)
		m->seen |= MSGFIX_SEEN_TO;
	if (strncasecmp(h->s, "content-transfer-encoding:", 26) == 0)
		cte(m, v);
	if ((hd = hdr_find(h->s)) == NULL) {
		put_header(m, h->s);
		return;
	}
	if (m->extract && (hd->flags & H_EXTRACT))
		rewrite_header_addrs(v, m->extract, m->ctx);
	if (hd->flags & H_DROP)
		return;
	class = hd->flags & H_SENDER ? RW_HDR_SENDER :
	    hd->flags & H_RCPT ? RW_HDR_RCPT : 0;
	if (class && m->hdr_local) {
		r = rewrite_header(m->rw, class, 1, v, &m->tmp);
		if (r < 0) {
			warn("%s: %s", m->id, rewrite_error(m->rw));
			fail(m, 4, "4.3.0 address rewriting error");
			return;
		}
		if (r > 0) {
			str_setmem(&m->tmp2, h->s, (size_t)(v - h->s));
			str_adds(&m->tmp2, m->tmp.s);
			put_header(m, m->tmp2.s);
			return;
		}
	}
	put_header(m, h->s);
}

/* the primary headers ended: add what is missing */
static void
headers_done(struct msgfix *m)
{
	char stamp[32];
	struct tm tm;
	int add = m->local || conf_bool(P_always_add_missing_headers);
	const char *fn;
	struct str *t = &m->tmp;

	m->in_hdr = 0;
	if (m->failed)
		return;
	if (add && !(m->seen & MSGFIX_SEEN_MSGID)) {
		gmtime_r(&m->when, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%d%H%M%S", &tm);
		str_reset(t);
		str_addf(t, "Message-Id: <%s.%s@%s>", stamp, m->id,
		    conf_str(P_myhostname));
		put(m, t->s);
		info_log("%s: message-id=<%s.%s@%s>", m->id, stamp, m->id,
		    conf_str(P_myhostname));
	} else if (!(m->seen & MSGFIX_SEEN_MSGID)) {
		info_log("%s: message-id=<>", m->id);
	}
	if (add && !(m->seen & MSGFIX_SEEN_DATE)) {
		str_set(t, "Date: ");
		hdr_date(m->when, t);
		put(m, t->s);
	}
	if (add && !(m->seen & MSGFIX_SEEN_FROM)) {
		str_set(t, "From: ");
		str_adds(t, *m->sender ? m->sender : "MAILER-DAEMON");
		if (*m->sender && (fn = msgfix_attr(m, "full_name")) && *fn)
			str_addf(t, " (%s)", fn);
		put(m, t->s);
	}
	if (add && !(m->seen & MSGFIX_SEEN_TO) &&
	    *conf_str(P_undisclosed_recipients_header))
		put(m, conf_str(P_undisclosed_recipients_header));
}

/*
 * msgfix_line - one content record (REC_LINE, or REC_PART for a piece of
 * a line that goes on).  1: a header line, taken; 0: body, which the
 * caller writes (the first body line comes after what headers_done()
 * added).
 */
int
msgfix_line(struct msgfix *m, int type, const char *s, size_t len)
{
	int cont = m->part, is_cont, sep = 0;
	const char *p;
	size_t n;

	m->part = type == REC_PART;
	if (!m->in_hdr)
		goto body;
	/* a physical line: a new header, a continuation, or the end */
	if (!cont) {
		is_cont = (len > 0 && (s[0] == ' ' || s[0] == '\t')) &&
		    m->hdr.len > 0;
		for (n = 0, p = s; n < len && *p > ' ' && *p < 127 &&
		    *p != ':'; p++)
			n++;
		if (!is_cont && m->hdr.len > 0) {
			header(m);
			str_reset(&m->hdr);
			m->trunc = 0;
		}
		if (!is_cont && (n == 0 || n == len || *p != ':')) {
			headers_done(m);
			goto body;
		}
		sep = is_cont;
	}
	/* a line that does not fit goes, its line break with it */
	if (!m->trunc) {
		if ((long long)(m->hdr.len + (size_t)sep + len) >
		    conf_int(P_header_size_limit)) {
			m->trunc = 1;
			warn("%s: header too long, truncated", m->id);
		} else {
			if (sep)
				str_addc(&m->hdr, '\n');
			str_addmem(&m->hdr, s, len);
		}
	}
	return 1;
body:
	if (!m->eightbit && has8bit(s, len))
		m->eightbit = 1;
	return 0;
}

/* msgfix_end - the content ended: the last header, what is missing */
void
msgfix_end(struct msgfix *m)
{
	if (!m->in_hdr)
		return;
	if (m->hdr.len > 0)
		header(m);
	str_reset(&m->hdr);
	headers_done(m);
}

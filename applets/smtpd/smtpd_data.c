/* MIT licence: see LICENSE. */
/*
 * smtpd_data.c - DATA and BDAT: the message content, and its hand over
 * to cleanup (or, for `sendmail -bs` by an ordinary user, to maildrop;
 * with no queue at all, straight to the relay: lib/smtp/relay.c).
 *
 * Runs in smtpd, unprivileged.  Man pages: smtpd(8), cleanup(8).
 *
 * Only <CR><LF>.<CR><LF> ends DATA: a "." line ended by a bare LF, or
 * after a line ended by a bare LF, is content (law 3).  A bare LF ends a
 * content line (smtpd_forbid_bare_newline = no or normalize) or ends the
 * session (reject); a bare CR is content.  Lines longer than
 * line_length_limit go to cleanup in pieces (REC_PART).  Past
 * message_size_limit the content is read to its end and thrown away,
 * then 552 5.3.4.  "250 2.0.0 Ok: queued as ID" is said only when cleanup
 * answered that the file is on disk (law 1), or, in relay mode, when
 * the relay answered 250 for every recipient; else the relay's refusal
 * (4xx, or 5xx when it refused for good), as cleanup's is said.
 */
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../../lib/conf.h"
#include "../../lib/io.h"
#include "../../lib/log.h"
#include "../../lib/priv.h"
#include "../../lib/queue/queue.h"
#include "../../lib/queue/submit.h"
#include "../../lib/smtp/relay.h"
#include "../../lib/str.h"
#include "../../lib/x.h"
#include "smtpd_sess.h"

/* may this process hand mail to cleanup, or only drop it in maildrop? */
static int
can_write_queue(void)
{
	uid_t euid = geteuid(), uid;
	gid_t gid;
	struct stat st;

	if (euid == 0)
		return 1;
	if (priv_user(conf_str(P_mail_owner), &uid, &gid) == 0 && uid == euid)
		return 1;
	return stat(conf_str(P_queue_directory), &st) == 0 &&
	    st.st_uid == euid;
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

/* start the message: the envelope, then what the restrictions prepend */
static struct submit *
open_submit(struct smtpd_sess *s)
{
	struct str err = STR_INIT, t = STR_INIT;
	struct submit *sub;
	const char *p, *nl;
	size_t i;
	int how;

	str_init(&err);
	how = s->local && !can_write_queue() ? SUBMIT_MAILDROP :
	    SUBMIT_CLEANUP;
	/* sendmail -bs with no queue at all: as sendmail, to the relay */
	if (s->local && smtp_relay_wanted())
		how = SUBMIT_SINK;
	if (how == SUBMIT_SINK)
		sub = submit_open_sink(smtp_relay_id, smtp_relay_send);
	else if ((sub = submit_open(how, &err)) == NULL) {
		warn("%s: cannot queue mail: %s", s->namaddr, err.s);
		str_free(&err);
		return NULL;
	}
	str_free(&err);
	/* as Postfix's smtpd, once the queue id exists: before cleanup logs */
	str_init(&t);
	smtpd_sasl_log(s, &t);
	info("%s: client=%s%s", submit_id(sub), s->namaddr, t.s ? t.s : "");
	str_reset(&t);
	submit_recs(sub, REC_FROM, s->sender);
	if (s->local) {
		attr(sub, "rewrite_context", "local");
		/* in a maildrop file pickup takes the uid from the owner */
		if (how != SUBMIT_MAILDROP) {
			str_addf(&t, "%ld", (long)getuid());
			attr(sub, "uid", t.s);
		}
	} else {
		attr(sub, "rewrite_context", "remote");
		attr(sub, "client_name", s->name);
		attr(sub, "reverse_client_name", s->reverse_name);
		attr(sub, "client_address", s->addr);
		attr(sub, "client_port", s->port);
		if (s->helo)
			attr(sub, "helo_name", s->helo);
		/* for the Received: header (smtpd_sasl_authenticated_header) */
		if (s->sasl_username &&
		    conf_bool(P_smtpd_sasl_authenticated_header))
			attr(sub, "sasl_auth_header", s->sasl_username);
	}
	if (how == SUBMIT_CLEANUP) {
		/*
		 * as Received: says it: ESMTP, ESMTPS, ESMTPSA; RFC 3848
		 * is for ESMTP only (Postfix: HELO over TLS is "SMTP")
		 */
		int e = strcmp(s->proto, "ESMTP") == 0;

		str_reset(&t);
		str_addf(&t, "%s%s%s", s->proto, e && s->tls_info ? "S" : "",
		    e && s->sasl_username ? "A" : "");
		attr(sub, "protocol", t.s);
		str_reset(&t);
	}
	if (s->tls_info && conf_bool(P_smtpd_tls_received_header)) {
		attr(sub, "tls_info", s->tls_info);
		attr(sub, "tls_ccert", s->tls_ccert);
	}
	if (s->body)
		attr(sub, ATTR_ENCODING, strcmp(s->body, "7BIT") == 0 ? "7bit" :
		    "8bit");
	if (s->smtputf8)
		attr(sub, ATTR_SMTPUTF8, "yes");
	if (s->envid)
		attr(sub, ATTR_DSN_ENVID, s->envid);
	if (s->ret)
		attr(sub, ATTR_DSN_RET, s->ret == 1 ? "FULL" : "HDRS");
	if (s->ck.hold)
		attr(sub, "hold", s->ck.hold_reason ? s->ck.hold_reason : "");
	if (s->ck.filter)
		attr(sub, "filter", s->ck.filter);
	if (s->ck.redirect) {
		/* REDIRECT: the one recipient instead of all of them */
		submit_recs(sub, REC_RCPT, s->ck.redirect);
	} else {
		for (i = 0; i < s->nrcpt; i++) {
			if (s->rcpt[i].orcpt)
				submit_recs(sub, REC_ORCPT, s->rcpt[i].orcpt);
			if (s->rcpt[i].notify) {
				str_reset(&t);
				str_addf(&t, "%d", s->rcpt[i].notify);
				submit_recs(sub, REC_NOTIFY, t.s);
			}
			submit_recs(sub, REC_RCPT, s->rcpt[i].addr);
		}
	}
	submit_rec(sub, REC_MESG, "", 0);
	for (p = s->ck.prepend.s; p && *p; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p);
		submit_line(sub, p, (size_t)(nl - p));
		if (*nl == 0)
			break;
	}
	str_free(&t);
	return sub;
}

static void
lost(struct smtpd_rx *rx)
{
	submit_abort(rx->sub);
	rx->sub = NULL;
}

/* one piece of content: a whole line (last) or a piece of a long one */
static void
emit(struct smtpd_rx *rx, int last)
{
	struct str *l = rx->line;

	/*
	 * Dot-unstuffing happens at the first piece of a line, so a line
	 * longer than line_length_limit is unstuffed too (the end-of-data
	 * dot never gets here: it is a whole line of its own).
	 */
	if (rx->unstuff && !rx->part && l->len > 0 && l->s[0] == '.')
		memmove(l->s, l->s + 1, l->len--);
	rx->size += (long long)l->len + (last ? 2 : 0);
	if (rx->s->msg_limit > 0 && rx->size > rx->s->msg_limit &&
	    !rx->toobig) {
		rx->toobig = 1;
		lost(rx);
	}
	if (rx->sub) {
		if (last)
			submit_line(rx->sub, l->s, l->len);
		else
			submit_rec(rx->sub, REC_PART, l->s, l->len);
	}
	rx->part = !last;
	str_reset(l);
}

static void
add(struct smtpd_rx *rx, int c)
{
	str_addc(rx->line, c);
	/* pieces stay within what cleanup reads in one record */
	if (rx->line->len >= rx->s->line_limit ||
	    rx->line->len >= QUEUE_PART_MAX)
		emit(rx, 0);
}

/*
 * the next byte of input, or -1.  Read from the stream's buffer one byte
 * at a time, so that what follows the final dot stays there for the
 * command loop (and for the pipelining check).
 */
static int
getbyte(struct io *io)
{
	unsigned char c;

	if (io->rpos < io->rlen)
		return (unsigned char)io->rbuf[io->rpos++];
	return io_read(io, &c, 1) == 1 ? c : -1;
}

/*
 * span - what add() would do for each of the buffered bytes up to the
 * next CR or LF, at once: how many it took
 */
static size_t
span(struct smtpd_rx *rx, struct io *io)
{
	size_t lim = rx->s->line_limit, k, avail, room;
	const char *b = io->rbuf + io->rpos;

	if (lim == 0 || lim > QUEUE_PART_MAX)
		lim = QUEUE_PART_MAX;
	avail = io->rlen - io->rpos;
	room = rx->line->len < lim ? lim - rx->line->len : 0;
	for (k = 0; k < avail && k < room && b[k] != '\r' && b[k] != '\n';
	    k++)
		;
	if (k == 0)
		return 0;
	str_addmem(rx->line, b, k);
	io->rpos += k;
	if (rx->line->len >= lim)
		emit(rx, 0);
	return k;
}

/* the time-out and lost-connection ends of a transfer */
static void
io_failed(struct smtpd_sess *s, const char *what, long long size)
{
	if (s->in.err == ETIMEDOUT) {
		info("timeout after %s (%lld bytes) from %s", what, size,
		    s->namaddr);
		smtpd_reply(s, "421 4.4.2 %s Error: timeout exceeded",
		    conf_str(P_myhostname));
	} else {
		info("lost connection after %s (%lld bytes) from %s", what,
		    size, s->namaddr);
		s->eof = 1;
	}
}

/* the SMTP code for cleanup's "X.Y.Z text" refusal, as Postfix's */
static const char *
reply_code(int code, const char *dsn)
{
	if (code == 5)
		return strncmp(dsn, "5.3.4", 5) == 0 ? "552" :
		    strncmp(dsn, "5.4.", 4) == 0 ? "554" : "550";
	return strncmp(dsn, "4.3.1", 5) == 0 ? "452" : "451";
}

/*
 * the end of a message (the final dot, or BDAT LAST): the restrictions,
 * then cleanup's answer; 0 when queued
 */
static int
finish(struct smtpd_rx *rx)
{
	struct smtpd_sess *s = rx->s;
	struct str reply = STR_INIT, ans = STR_INIT;
	int code, r = -1;

	str_init(&reply);
	str_init(&ans);
	s->where = "END-OF-MESSAGE";
	s->ck.size = rx->size;
	if (rx->toobig) {
		smtpd_log_reject(s, "END-OF-MESSAGE", "552 5.3.4 Message "
		    "size exceeds fixed limit", NULL);
		smtpd_reply(s, "552 5.3.4 Message size exceeds fixed limit");
	} else if (rx->sub == NULL) {
		smtpd_reply(s, "451 4.3.0 Queue file write error");
	} else if (check_stage(&s->ck, CHECK_EOD, &reply) != CHECK_OK) {
		smtpd_reply_text(s, reply.s);
	} else if (s->ck.discard) {
		/* DISCARD: claim success, as Postfix does; keep nothing */
		smtpd_reply(s, "250 2.0.0 Ok: queued as %s",
		    submit_id(rx->sub));
		r = 0;
	} else {
		code = submit_close(rx->sub, &ans);
		rx->sub = NULL;
		if (code == 0) {
			smtpd_reply(s, "250 2.0.0 Ok: queued as %s", ans.s);
			s->errors = s->junk = 0;
			s->msgs++;
			r = 0;
		} else {
			smtpd_reply(s, "%s %s", reply_code(code, ans.s),
			    ans.s);
		}
	}
	lost(rx);
	smtpd_reset_mail(s);
	str_free(&reply);
	str_free(&ans);
	return r;
}

/*
 * smtpd_data_cmd - DATA: the content up to <CR><LF>.<CR><LF>
 */
int
smtpd_data_cmd(struct smtpd_sess *s, const char *arg)
{
	struct str reply = STR_INIT, line = STR_INIT;
	struct smtpd_rx rx;
	int cr = 0, prev_crlf = 1, c, r = -1;

	if (s->bdat_active) {
		smtpd_reply(s, "503 5.5.1 Error: DATA after BDAT");
		return -1;
	}
	if (s->nrcpt == 0) {
		if (!s->in_mail)
			smtpd_reply(s, "503 5.5.1 Error: need RCPT command");
		else
			smtpd_reply(s, "554 5.5.1 Error: no valid recipients");
		return -1;
	}
	if (*arg) {
		smtpd_reply(s, "501 5.5.4 Syntax: DATA");
		return -1;
	}
	str_init(&reply);
	if (check_stage(&s->ck, CHECK_DATA, &reply) != CHECK_OK) {
		smtpd_reply_text(s, reply.s);
		str_free(&reply);
		return -1;
	}
	str_free(&reply);
	memset(&rx, 0, sizeof(rx));
	rx.s = s;
	str_init(&line);
	rx.line = &line;
	rx.unstuff = 1;
	if ((rx.sub = open_submit(s)) == NULL) {
		smtpd_reply(s, "451 4.3.0 Queue file write error");
		str_free(&line);
		return -1;
	}
	smtpd_reply(s, "354 End data with <CR><LF>.<CR><LF>");
	if (io_flush(&s->out) < 0) {
		io_failed(s, "DATA", 0);
		goto out;
	}
	s->where = "DATA";
	for (;;) {
		/* a run of plain bytes at once: this is every byte of mail */
		if (!cr && span(&rx, &s->in) > 0)
			continue;
		if ((c = getbyte(&s->in)) < 0) {
			io_failed(s, "DATA", rx.size);
			goto out;
		}
		if (c != '\n') {
			if (cr)
				add(&rx, '\r');
			if (!(cr = c == '\r'))
				add(&rx, c);
			continue;
		}
		if (!cr && s->bare_lf == BARE_LF_REJECT) {
			info("disconnect: bare <LF> received from %s after "
			    "DATA", s->namaddr);
			smtpd_reply(s, "%lld 5.5.2 %s Error: bare <LF> "
			    "received",
			    conf_int(P_smtpd_forbid_bare_newline_reject_code),
			    conf_str(P_myhostname));
			s->hangup = 1;
			goto out;
		}
		/* law 3: only <CR><LF>.<CR><LF> */
		if (cr && prev_crlf && !rx.part && line.len == 1 &&
		    line.s[0] == '.')
			break;
		emit(&rx, 1);
		prev_crlf = cr;
		cr = 0;
	}
	/* commands stuffed behind the dot, without PIPELINING */
	if (!s->esmtp || (s->discard & EHLO_PIPELINING))
		smtpd_pipelining_check(s, "END-OF-MESSAGE");
	if (s->ill_pipelining && s->pipe_forbid) {
		smtpd_reply(s, "554 5.5.0 Error: SMTP protocol "
		    "synchronization");
		s->hangup = 1;
		goto out;
	}
	r = finish(&rx);
out:
	lost(&rx);
	if (r < 0)
		smtpd_reset_mail(s);
	str_free(&line);
	return r;
}

/* read and forget n bytes of a chunk nobody wants; -1 on I/O failure */
static int
skip(struct smtpd_sess *s, long long n)
{
	unsigned char buf[IO_BUFSIZE];
	ssize_t k;

	while (n > 0) {
		k = io_read(&s->in, buf, n < (long long)sizeof(buf) ?
		    (size_t)n : sizeof(buf));
		if (k <= 0) {
			io_failed(s, "BDAT", 0);
			return -1;
		}
		n -= k;
	}
	return 0;
}

/* drop the chunked message: nothing of it is left for the next one */
static void
bdat_end(struct smtpd_sess *s)
{
	lost(&s->bdat);
	memset(&s->bdat, 0, sizeof(s->bdat));
	s->bdat_active = 0;
	str_reset(&s->bdat_line);
}

/*
 * smtpd_data_bdat - BDAT count [LAST] (RFC 3030); with arg NULL, drop a
 * message in progress (RSET, end of session)
 */
int
smtpd_data_bdat(struct smtpd_sess *s, const char *arg)
{
	struct str reply = STR_INIT;
	unsigned char buf[IO_BUFSIZE];
	long long count, left;
	const char *err = NULL;
	char *copy, *p, *w;
	int last = 0, bad = 0, c;
	ssize_t n, i;

	if (arg == NULL) {
		if (s->bdat_active)
			bdat_end(s);
		return 0;
	}
	if (s->discard & EHLO_CHUNKING) {
		smtpd_reply(s, "502 5.5.1 Error: command not implemented");
		return -1;
	}
	copy = xstrdup(arg);
	p = copy;
	if ((w = str_token(&p, " \t")) == NULL ||
	    smtpd_parse_size(w, &count) < 0)
		bad = 1;
	else if ((w = str_token(&p, " \t")) != NULL) {
		if (strcasecmp(w, "LAST") != 0 || str_token(&p, " \t"))
			bad = 1;
		last = 1;
	}
	free(copy);
	if (bad) {
		/* the chunk cannot be found: the session cannot go on */
		warn("%s: malformed BDAT command syntax from %s: BDAT %.100s",
		    s->bdat_active ? "" : "NOQUEUE", s->namaddr, arg);
		smtpd_reply(s, "521 5.5.4 Syntax: BDAT count [LAST]");
		bdat_end(s);
		return -1;
	}
	if (!s->bdat_active) {
		str_init(&reply);
		if (s->nrcpt == 0)
			err = s->in_mail ? "554 5.5.1 Error: no valid "
			    "recipients" : "503 5.5.1 Error: need RCPT command";
		else if (check_stage(&s->ck, CHECK_DATA, &reply) != CHECK_OK)
			err = reply.s;
		else if ((s->bdat.sub = open_submit(s)) == NULL)
			err = "451 4.3.0 Queue file write error";
		if (err) {
			if (skip(s, count) == 0)
				smtpd_reply(s, "%s", err);
			str_free(&reply);
			return -1;
		}
		str_free(&reply);
		s->bdat.s = s;
		s->bdat.line = &s->bdat_line;
		s->bdat.size = 0;
		s->bdat.toobig = s->bdat.part = 0;
		s->bdat.cr = 0;
		s->bdat_active = 1;
	}
	s->where = "BDAT";
	for (left = count; left > 0; left -= n) {
		n = io_read(&s->in, buf, left < (long long)sizeof(buf) ?
		    (size_t)left : sizeof(buf));
		if (n <= 0) {
			io_failed(s, "BDAT", s->bdat.size);
			bdat_end(s);
			smtpd_reset_mail(s);
			return -1;
		}
		/* lines end at LF; no dot-stuffing, no end marker */
		for (i = 0; i < n; i++) {
			c = buf[i];
			if (c == '\n') {
				emit(&s->bdat, 1);
				s->bdat.cr = 0;
				continue;
			}
			if (s->bdat.cr)
				add(&s->bdat, '\r');
			if (!(s->bdat.cr = c == '\r'))
				add(&s->bdat, c);
		}
	}
	if (s->bdat.toobig) {
		smtpd_reply(s, "552 5.3.4 Chunk exceeds message size limit");
		bdat_end(s);
		smtpd_reset_mail(s);
		return -1;
	}
	if (!last) {
		smtpd_reply(s, "250 2.0.0 Ok: %lld bytes", count);
		return 0;
	}
	if (s->bdat.cr)
		add(&s->bdat, '\r');
	if (s->bdat_line.len > 0 || s->bdat.part)
		emit(&s->bdat, 1);
	s->bdat_active = 0;
	c = finish(&s->bdat);
	str_reset(&s->bdat_line);
	return c;
}

/* MIT licence: see LICENSE. */
/*
 * smtpd.c - the SMTP server: sessions on fds 0 and 1, one client after
 * another (lib/svc_serve.c).
 *
 * Run by master with its listeners, as mail_owner (or as the user who
 * started master), and argv "smtpd -c DIR -o name=value ...": each
 * accepted connection is put on fds 0 and 1 in turn, and each session
 * starts from nothing: all it learns (login, TLS, HELO, restriction
 * results, counters) lives in its struct smtpd_sess, which serve()
 * clears and frees; only the configuration, the tables, the TLS key and
 * the SASL back end's connection belong to the process.  Or run by hand
 * with one connection on fds 0 and 1; or by `sendmail -bs` with a pipe or
 * terminal on stdin/stdout, as the submitting user: then the client is
 * local (localhost[127.0.0.1], no network checks) and the message goes
 * through maildrop unless this process may write the queue.  Never
 * needs privileges.  Man page: smtpd(8).
 *
 * The protocol, replies and log lines are Postfix's (RFC 5321 ESMTP with
 * PIPELINING, SIZE, VRFY, ETRN, ENHANCEDSTATUSCODES, 8BITMIME, DSN,
 * SMTPUTF8, CHUNKING).  Policy is lib/check/check.c's; DATA and BDAT, and the
 * hand over to cleanup, are in smtpd_data.c.  All output is queued
 * in one buffer and written when the client has nothing more for us to
 * read (one write per batch of pipelined replies).
 */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "../../lib/check/check.h"
#include "../../lib/conf.h"
#include "../../lib/log.h"
#include "../../lib/priv.h"
#include "../../lib/smtp/client.h"
#include "../../lib/smtp/relay.h"
#include "../../lib/str.h"
#include "../../lib/svc.h"
#include "../../lib/table/match.h"
#include "../../lib/x.h"
#include "smtpd_sess.h"

#define USAGE	"usage: smtpd [-v] [-c config_dir] [-n name] [-t type] " \
	"[-o name=value]..."

static const char *const cmd_names[C_NCMD] = {
	"helo", "ehlo", "starttls", "auth", "mail", "rcpt", "data", "bdat",
	"rset", "noop", "vrfy", "etrn", "quit", "unknown",
};

/* Postfix's flags: "last" may not be followed by pipelined input;
 * "junk" counts toward smtpd_junk_command_limit */
#define F_LAST	1
#define F_JUNK	2

static int helo_cmd(struct smtpd_sess *, const char *);
static int ehlo_cmd(struct smtpd_sess *, const char *);
static int rset_cmd(struct smtpd_sess *, const char *);
static int noop_cmd(struct smtpd_sess *, const char *);
static int vrfy_cmd(struct smtpd_sess *, const char *);
static int etrn_cmd(struct smtpd_sess *, const char *);
static int quit_cmd(struct smtpd_sess *, const char *);

static const struct cmd {
	const char	*name;
	enum smtpd_cmd	id;
	int		(*fn)(struct smtpd_sess *, const char *);
	int		flags;
} cmds[] = {
	{ "HELO", C_HELO, helo_cmd, F_LAST | F_JUNK },
	{ "EHLO", C_EHLO, ehlo_cmd, F_LAST | F_JUNK },
	{ "STARTTLS", C_STARTTLS, smtpd_tls_starttls, 0 },
	{ "AUTH", C_AUTH, smtpd_sasl_cmd, 0 },
	{ "MAIL", C_MAIL, smtpd_mail_cmd, 0 },
	{ "RCPT", C_RCPT, smtpd_mail_rcpt, 0 },
	{ "DATA", C_DATA, smtpd_data_cmd, F_LAST },
	{ "BDAT", C_BDAT, smtpd_data_bdat, 0 },
	{ "RSET", C_RSET, rset_cmd, F_JUNK },
	{ "NOOP", C_NOOP, noop_cmd, F_LAST | F_JUNK },
	{ "VRFY", C_VRFY, vrfy_cmd, F_LAST | F_JUNK },
	{ "ETRN", C_ETRN, etrn_cmd, F_JUNK },
	{ "QUIT", C_QUIT, quit_cmd, 0 },
};

static const struct {
	const char	*name;
	unsigned	bit;
} ehlo_words[] = {
	{ "pipelining", EHLO_PIPELINING }, { "size", EHLO_SIZE },
	{ "vrfy", EHLO_VRFY }, { "etrn", EHLO_ETRN },
	{ "starttls", EHLO_STARTTLS }, { "auth", EHLO_AUTH },
	{ "enhancedstatuscodes", EHLO_ENHANCED },
	{ "8bitmime", EHLO_8BITMIME }, { "dsn", EHLO_DSN },
	{ "smtputf8", EHLO_SMTPUTF8 }, { "chunking", EHLO_CHUNKING },
	{ "silent-discard", EHLO_SILENT },
};

/* replies and logs ------------------------------------------------------- */

/* smtpd_reply_text - queue one reply line (text without CRLF) */
void
smtpd_reply_text(struct smtpd_sess *s, const char *text)
{
	str_set(&s->tmp, text);
	/* soft_bounce: every 5XX becomes 4XX, as Postfix does */
	if (conf_bool(P_soft_bounce) && s->tmp.s[0] == '5') {
		s->tmp.s[0] = '4';
		if (s->tmp.len > 4 && s->tmp.s[4] == '5')
			s->tmp.s[4] = '4';
	}
	/* tarpit: past the soft limit every reply waits */
	if (s->errors >= s->soft_limit && s->err_sleep > 0) {
		io_flush(&s->out);
		sleep((unsigned)s->err_sleep);
	}
	io_write(&s->out, s->tmp.s, s->tmp.len);
	io_write(&s->out, "\r\n", 2);
	if (strncmp(s->tmp.s, "421", 3) == 0 ||
	    strncmp(s->tmp.s, "521", 3) == 0)
		s->hangup = 1;
}

/* smtpd_reply - queue one formatted reply line */
void
smtpd_reply(struct smtpd_sess *s, const char *fmt, ...)
{
	struct str t = STR_INIT;
	va_list ap;

	str_init(&t);
	va_start(ap, fmt);
	str_vaddf(&t, fmt, ap);
	va_end(ap);
	smtpd_reply_text(s, t.s);
	str_free(&t);
}

/*
 * smtpd_log_reject - Postfix's "NOQUEUE: reject: MAIL from name[addr]:
 * 552 ...; from=<s> to=<r> proto=ESMTP helo=<h>" for smtpd's own refusals
 */
void
smtpd_log_reject(struct smtpd_sess *s, const char *stage,
    const char *reply, const char *rcpt)
{
	struct str l = STR_INIT;

	str_init(&l);
	str_addf(&l, "NOQUEUE: reject: %s from %s: %s;", stage, s->namaddr,
	    reply);
	if (s->sender)
		str_addf(&l, " from=<%s>", s->sender);
	if (rcpt)
		str_addf(&l, " to=<%s>", rcpt);
	str_addf(&l, " proto=%s", s->proto);
	if (s->helo)
		str_addf(&l, " helo=<%s>", s->helo);
	info("%s", l.s);
	str_free(&l);
}

/*
 * smtpd_peek_input - 1 when the client sent bytes we have not read
 * (buffered, decrypted by TLS, or still in the socket)
 */
int
smtpd_peek_input(struct smtpd_sess *s)
{
	return io_ready(&s->in);
}

/*
 * smtpd_pipelining_check - the client did not wait for our reply to
 * what (RFC 2920): log it once, as Postfix does, for
 * reject_unauth_pipelining and smtpd_forbid_unauth_pipelining
 */
void
smtpd_pipelining_check(struct smtpd_sess *s, const char *what)
{
	struct str e = STR_INIT;
	char peek[100];
	size_t n;

	if (s->local || s->ill_pipelining || !smtpd_peek_input(s))
		return;
	n = io_peek(&s->in, peek, sizeof(peek));
	str_init(&e);
	smtpd_parse_escape(peek, n, &e);
	info("improper command pipelining after %s from %s: %s", what,
	    s->namaddr, e.s);
	str_free(&e);
	s->ill_pipelining = 1;
	s->ck.pipelining_violation = 1;
}

/* smtpd_reset_mail - forget the transaction (RSET, HELO, after DATA) */
void
smtpd_reset_mail(struct smtpd_sess *s)
{
	size_t i;

	for (i = 0; i < s->nrcpt; i++) {
		free(s->rcpt[i].addr);
		free(s->rcpt[i].orcpt);
	}
	free(s->rcpt);
	s->rcpt = NULL;
	s->nrcpt = s->rcpt_overshoot = 0;
	smtpd_sasl_reset_mail(s);
	free(s->sender);
	free(s->envid);
	s->sender = s->envid = NULL;
	s->in_mail = s->ret = s->smtputf8 = 0;
	s->size_decl = 0;
	s->body = NULL;
	s->ck.sender = s->ck.recipient = NULL;
	s->ck.rcpt_count = 0;
	s->ck.size = 0;
	s->ck.queue_id = NULL;
	check_reset_message(&s->ck);
}

/* HELO, EHLO -------------------------------------------------------------- */

static int
hello(struct smtpd_sess *s, const char *arg, int esmtp)
{
	struct str reply = STR_INIT;
	int r;

	if (*arg == 0) {
		smtpd_reply(s, "501 Syntax: %s hostname", esmtp ? "EHLO" :
		    "HELO");
		return -1;
	}
	/* HELO/EHLO end any transaction, a chunked (BDAT) one too */
	smtpd_data_bdat(s, NULL);
	smtpd_reset_mail(s);
	free(s->helo);
	s->helo = xstrdup(arg);
	smtpd_parse_neuter(s->helo);
	s->ck.helo_name = s->helo;
	s->esmtp = esmtp;
	/*
	 * Postfix's protocol name: logs say proto=ESMTP with or without
	 * TLS; the S and A of Received: (RFC 3848) are added at DATA, when
	 * the session's state is known (STARTTLS need not be followed by
	 * EHLO)
	 */
	s->proto = esmtp ? "ESMTP" : "SMTP";
	s->ck.protocol = s->proto;
	str_init(&reply);
	if ((r = check_stage(&s->ck, CHECK_HELO, &reply)) != CHECK_OK) {
		smtpd_reply_text(s, reply.s);
		free(s->helo);
		s->helo = NULL;
		s->ck.helo_name = NULL;
	}
	str_free(&reply);
	return r == CHECK_OK ? 0 : -1;
}

static int
helo_cmd(struct smtpd_sess *s, const char *arg)
{
	if (hello(s, arg, 0) < 0)
		return -1;
	smtpd_reply(s, "250 %s", conf_str(P_myhostname));
	return 0;
}

static int
ehlo_cmd(struct smtpd_sess *s, const char *arg)
{
	unsigned d = s->discard;

	if (hello(s, arg, 1) < 0)
		return -1;
	io_printf(&s->out, "250-%s\r\n", conf_str(P_myhostname));
#define KW(bit, text) \
	if (!(d & (bit))) io_puts(&s->out, "250-" text "\r\n")
	KW(EHLO_PIPELINING, "PIPELINING");
	if (!(d & EHLO_SIZE)) {
		if (s->msg_limit > 0)
			io_printf(&s->out, "250-SIZE %lld\r\n", s->msg_limit);
		else
			io_puts(&s->out, "250-SIZE\r\n");
	}
	if (!conf_bool(P_disable_vrfy_command))
		KW(EHLO_VRFY, "VRFY");
	KW(EHLO_ETRN, "ETRN");
	if (smtpd_tls_offer(s))
		KW(EHLO_STARTTLS, "STARTTLS");
	smtpd_sasl_ehlo(s);
	KW(EHLO_ENHANCED, "ENHANCEDSTATUSCODES");
	KW(EHLO_8BITMIME, "8BITMIME");
	KW(EHLO_DSN, "DSN");
	if (conf_bool(P_smtputf8_enable))
		KW(EHLO_SMTPUTF8, "SMTPUTF8");
#undef KW
	/* the last line is the only one with a space after the code */
	if (!(d & EHLO_CHUNKING)) {
		io_puts(&s->out, "250 CHUNKING\r\n");
	} else {
		/* turn the last "250-" queued into "250 " */
		char *p = s->out.wbuf.s + s->out.wbuf.len - 2;

		while (p > s->out.wbuf.s && p[-1] != '\n')
			p--;
		p[3] = ' ';
	}
	return 0;
}

/* RSET, NOOP, VRFY, ETRN, QUIT ------------------------------------------- */

static int
rset_cmd(struct smtpd_sess *s, const char *arg)
{
	if (*arg) {
		smtpd_reply(s, "501 5.5.4 Syntax: RSET");
		return -1;
	}
	smtpd_data_bdat(s, NULL);
	smtpd_reset_mail(s);
	smtpd_reply(s, "250 2.0.0 Ok");
	return 0;
}

static int
noop_cmd(struct smtpd_sess *s, const char *arg)
{
	smtpd_reply(s, "250 2.0.0 Ok");
	return 0;
}

static int
vrfy_cmd(struct smtpd_sess *s, const char *arg)
{
	struct str addr = STR_INIT, reply = STR_INIT;
	const char *p = arg;
	int r = -1;

	if (conf_bool(P_disable_vrfy_command)) {
		smtpd_reply(s, "502 5.5.1 VRFY command is disabled");
		return -1;
	}
	if (*arg == 0) {
		smtpd_reply(s, "501 5.5.4 Syntax: VRFY address");
		return -1;
	}
	str_init(&addr);
	str_init(&reply);
	if (smtpd_mail_addr(s, &p, &addr, 1, 0) < 0 || *p) {
		smtpd_reply(s, "501 5.1.3 Bad recipient address syntax");
		goto out;
	}
	s->ck.recipient = addr.s;
	if (check_stage(&s->ck, CHECK_VRFY, &reply) != CHECK_OK) {
		smtpd_reply_text(s, reply.s);
		goto out;
	}
	smtpd_reply(s, "252 2.0.0 %s", arg);
	r = 0;
out:
	s->ck.recipient = NULL;
	str_free(&addr);
	str_free(&reply);
	return r;
}

/*
 * ETRN: mta has no fast flush service, so an eligible domain (in
 * fast_flush_domains) gets a scan of the whole deferred queue.
 */
static int
etrn_cmd(struct smtpd_sess *s, const char *arg)
{
	static const char req[] = { SVC_TRIG_DEFERRED, 0 };
	struct str reply = STR_INIT;
	struct match_list *ml;
	int r = -1, m;

	if (s->helo == NULL) {
		smtpd_reply(s, "503 Error: send HELO/EHLO first");
		return -1;
	}
	if (s->in_mail) {
		smtpd_reply(s, "503 Error: MAIL transaction in progress");
		return -1;
	}
	if (*arg == 0 || strpbrk(arg, " \t")) {
		smtpd_reply(s, "500 Syntax: ETRN domain");
		return -1;
	}
	/* Postfix checks the name's syntax; mta at least its bytes */
	if (smtpd_parse_ctl(arg)) {
		smtpd_reply(s, "501 Error: invalid parameter syntax");
		return -1;
	}
	if (s->local) {
		warn("do not use ETRN in \"sendmail -bs\" mode");
		smtpd_reply(s, "458 Unable to queue messages");
		return -1;
	}
	str_init(&reply);
	s->ck.etrn_domain = arg;
	if (check_stage(&s->ck, CHECK_ETRN, &reply) != CHECK_OK) {
		smtpd_reply_text(s, reply.s);
		goto out;
	}
	ml = match_init("fast_flush_domains", MATCH_DOMAIN | MATCH_PARENT,
	    conf_str(P_fast_flush_domains));
	m = match_find(ml, *arg == '@' ? arg + 1 : arg, NULL);
	match_free(ml);
	if (m <= 0) {
		warn("reject: ETRN %.100s... from %s", arg, s->namaddr);
		smtpd_reply(s, "459 <%s>: service unavailable", arg);
	} else if (svc_trigger(conf_str(P_queue_directory), "qmgr", req) < 0) {
		warn("unable to talk to the queue manager");
		smtpd_reply(s, "458 Unable to queue messages");
	} else {
		smtpd_reply(s, "250 Queuing started");
		r = 0;
	}
out:
	s->ck.etrn_domain = NULL;
	str_free(&reply);
	return r;
}

static int
quit_cmd(struct smtpd_sess *s, const char *arg)
{
	smtpd_reply(s, "221 2.0.0 Bye");
	return 0;
}

/* the session ------------------------------------------------------------ */

/* the client's names where the session and the restrictions use them */
static void
peer_names(struct smtpd_sess *s)
{
	free(s->namaddr);
	if (conf_bool(P_smtpd_client_port_logging) && !s->local)
		s->namaddr = xasprintf("%s[%s]:%s", s->name, s->addr, s->port);
	else
		s->namaddr = xasprintf("%s[%s]", s->name, s->addr);
	s->ck.client_name = s->name;
	s->ck.client_reverse_name = s->reverse_name;
	s->ck.client_name_status = s->name_status;
	s->ck.client_reverse_status = s->reverse_status;
}

static void
setup(struct smtpd_sess *s)
{
	struct match_list *ml;
	const char *v;
	char *copy, *p, *w;
	size_t i;

	io_init(&s->in, 0, (int)conf_time(P_smtpd_timeout));
	io_init(&s->out, 1, (int)conf_time(P_smtpd_timeout));
	str_init(&s->line);
	str_init(&s->tmp);
	str_init(&s->bdat_line);
	s->where = "CONNECT";
	s->proto = "SMTP";
	s->line_limit = (size_t)conf_int(P_line_length_limit);
	s->msg_limit = conf_int(P_message_size_limit);
	s->rcpt_limit = (int)conf_int(P_smtpd_recipient_limit);
	s->rcpt_overshoot_limit = (int)conf_int(
	    P_smtpd_recipient_overshoot_limit);
	s->soft_limit = (int)conf_int(P_smtpd_soft_error_limit);
	s->hard_limit = (int)conf_int(P_smtpd_hard_error_limit);
	s->junk_limit = (int)conf_int(P_smtpd_junk_command_limit);
	s->err_sleep = (int)conf_time(P_smtpd_error_sleep_time);
	s->pipe_forbid = conf_bool(P_smtpd_forbid_unauth_pipelining);

	copy = xstrdup(conf_str(P_smtpd_discard_ehlo_keywords));
	for (p = copy; (w = str_token(&p, ", \t\r\n")) != NULL;)
		for (i = 0; i < sizeof(ehlo_words) / sizeof(ehlo_words[0]);
		    i++)
			if (strcasecmp(w, ehlo_words[i].name) == 0)
				s->discard |= ehlo_words[i].bit;
	free(copy);

	smtpd_peer(s);

	v = conf_str(P_smtpd_forbid_bare_newline);
	if (strcasecmp(v, "reject") == 0)
		s->bare_lf = BARE_LF_REJECT;
	else if (strcasecmp(v, "normalize") == 0 || strcasecmp(v, "yes") == 0)
		s->bare_lf = BARE_LF_NORMALIZE;
	else if (strcasecmp(v, "no") != 0)
		die("invalid smtpd_forbid_bare_newline value: \"%s\"", v);
	if (s->bare_lf && !s->local) {
		ml = match_init("smtpd_forbid_bare_newline_exclusions",
		    MATCH_ADDR,
		    conf_str(P_smtpd_forbid_bare_newline_exclusions));
		if (match_find(ml, s->addr, NULL) > 0)
			s->bare_lf = BARE_LF_NO;
		match_free(ml);
	} else if (s->local) {
		s->bare_lf = BARE_LF_NO;
	}

	check_init(&s->ck);
	peer_names(s);
	s->ck.client_addr = s->addr;
	s->ck.client_port = s->port;
	s->ck.protocol = s->proto;
	smtpd_tls_setup(s);
}

static void
disconnect_log(struct smtpd_sess *s)
{
	struct str l = STR_INIT;
	int i, all = 0, ok = 0;

	str_init(&l);
	str_addf(&l, "disconnect from %s", s->namaddr);
	for (i = 0; i < C_NCMD; i++) {
		if (s->ncmd[i] == 0)
			continue;
		all += s->ncmd[i];
		ok += s->nok[i];
		if (s->nok[i] == s->ncmd[i])
			str_addf(&l, " %s=%d", cmd_names[i], s->ncmd[i]);
		else
			str_addf(&l, " %s=%d/%d", cmd_names[i], s->nok[i],
			    s->ncmd[i]);
	}
	/* Postfix says "commands=0/0" for a client that said nothing */
	if (ok == all && all > 0)
		str_addf(&l, " commands=%d", all);
	else
		str_addf(&l, " commands=%d/%d", ok, all);
	info("%s", l.s);
	str_free(&l);
}

/*
 * forbidden - a web proxy or a message sent without the protocol: a verb
 * in smtpd_forbidden_commands, or a line shaped like a header
 * ("Subject: x", "From: y"), as Postfix's smtpd refuses them
 */
static int
forbidden(const char *line, size_t n)
{
	char *list, *p, *w;
	int hit = 0;

	if (n > 1 && line[n - 1] == ':')
		return 1;
	p = list = xstrdup(conf_str(P_smtpd_forbidden_commands));
	while (!hit && (w = str_token(&p, ", \t")) != NULL)
		hit = strlen(w) == n && strncasecmp(w, line, n) == 0;
	free(list);
	return hit;
}

/* one command line: 0 go on, -1 end the session */
static int
command(struct smtpd_sess *s)
{
	const struct cmd *c = NULL;
	const char *arg, *line;
	char *verb;
	size_t i, n;

	line = s->line.s + strspn(s->line.s, " \t");
	if (*line == 0) {
		smtpd_reply(s, "500 5.5.2 Error: bad syntax");
		s->errors++;
		return 0;
	}
	n = strcspn(line, " \t");
	verb = xstrndup(line, n);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcasecmp(verb, cmds[i].name) == 0)
			c = &cmds[i];
	free(verb);
	arg = line + n;
	arg += strspn(arg, " \t");
	if (c == NULL && forbidden(line, n)) {
		warn("non-SMTP command from %s: %.100s", s->namaddr, line);
		smtpd_reply(s, "221 2.7.0 Error: I can break rules, too. "
		    "Goodbye.");
		s->hangup = 1;
		return -1;
	}
	if (c == NULL) {
		s->where = "UNKNOWN";
		s->ncmd[C_UNKNOWN]++;
		s->errors++;
		smtpd_reply(s, "500 5.5.2 Error: command not recognized");
		return 0;
	}
	if (c->id != C_QUIT && c->id != C_BDAT && ((c->flags & F_LAST) ||
	    !s->esmtp || (s->discard & EHLO_PIPELINING)))
		smtpd_pipelining_check(s, c->name);
	s->ncmd[c->id]++;
	if (s->ill_pipelining && s->pipe_forbid) {
		smtpd_reply(s, "554 5.5.0 Error: SMTP protocol "
		    "synchronization");
		s->hangup = 1;
		return -1;
	}
	if (s->access_denied && c->id != C_QUIT) {
		smtpd_reply(s, "503 5.7.0 Error: access denied for %s",
		    s->namaddr);
		s->errors++;
		return 0;
	}
	s->where = c->name;
	if (smtpd_tls_refuse(s, c->id)) {
		s->errors++;
		return 0;
	}
	if (c->fn(s, arg) == 0)
		s->nok[c->id]++;
	else
		s->errors++;
	if ((c->flags & F_JUNK) && s->junk++ > s->junk_limit)
		s->errors++;
	return c->id == C_QUIT ? -1 : 0;
}

/* read and run commands until QUIT, a hangup or the end of input */
static void
session(struct smtpd_sess *s)
{
	ssize_t n;

	for (;;) {
		if (s->hangup || s->eof)
			return;
		if (s->errors >= s->hard_limit) {
			info("too many errors after %s from %s", s->where,
			    s->namaddr);
			smtpd_reply(s, "421 4.7.0 %s Error: too many errors",
			    conf_str(P_myhostname));
			return;
		}
		/* one write per batch of pipelined replies */
		if (io_pending(&s->in) == 0 && io_flush(&s->out) < 0) {
			info("lost connection after %s from %s", s->where,
			    s->namaddr);
			s->eof = 1;
			return;
		}
		n = io_getline(&s->in, &s->line, s->line_limit + 2);
		if (n == IO_EOF || n == IO_ERR) {
			if (s->in.err == ETIMEDOUT) {
				info("timeout after %s from %s", s->where,
				    s->namaddr);
				smtpd_reply(s, "421 4.4.2 %s Error: timeout "
				    "exceeded", conf_str(P_myhostname));
			} else {
				info("lost connection after %s from %s",
				    s->where, s->namaddr);
				s->eof = 1;
			}
			return;
		}
		if (n == IO_TOOLONG) {
			warn("%s: request longer than %zu: %.30s...",
			    s->namaddr, s->line_limit, s->line.s);
			smtpd_reply(s, "500 5.5.2 Error: line too long");
			s->errors++;
			continue;
		}
		if (s->line.len > 0 && s->line.s[s->line.len - 1] == '\n') {
			str_trunc(&s->line, s->line.len - 1);
			if (s->line.len > 0 &&
			    s->line.s[s->line.len - 1] == '\r') {
				str_trunc(&s->line, s->line.len - 1);
			} else if (s->bare_lf == BARE_LF_REJECT) {
				info("disconnect: bare <LF> received from %s "
				    "after %s", s->namaddr, s->where);
				smtpd_reply(s, "%lld 5.5.2 %s Error: bare <LF> "
				    "received", conf_int(
				    P_smtpd_forbid_bare_newline_reject_code),
				    conf_str(P_myhostname));
				s->hangup = 1;
				return;
			}
		}
		if (memchr(s->line.s, 0, s->line.len)) {
			smtpd_reply(s, "500 5.5.2 Error: bad syntax");
			s->errors++;
			continue;
		}
		if (command(s) < 0)
			return;
	}
}

/*
 * pregreet - input before the greeting: logged once as "improper command
 * pipelining after CONNECT"; with smtpd_forbid_unauth_pipelining, 554
 * instead of the greeting and the end of the session (-1).  Not in TLS
 * wrapper mode.
 */
static int
pregreet(struct smtpd_sess *s)
{
	/*
	 * Not in wrapper mode (Postfix: "MUST NOT apply"): clients such
	 * as openssl s_client send what they have as soon as the handshake
	 * is done
	 */
	if (s->tls_wrapper)
		return 0;
	smtpd_pipelining_check(s, "CONNECT");
	if (!s->ill_pipelining || !s->pipe_forbid)
		return 0;
	smtpd_reply(s, "554 5.5.0 Error: SMTP protocol synchronization");
	s->hangup = 1;
	return -1;
}

/*
 * serve - one client on fd 0 and fd 1, from a clean session: its peer,
 * its checks, the dialogue, and everything it leaves freed or reset
 */
static int
serve(void *ctx)
{
	struct smtpd_sess sess, *s = &sess;
	struct str reply = STR_INIT;

	(void)ctx;
	memset(s, 0, sizeof(*s));
	setup(s);
	smtpd_peer_name(s);	/* DNS answers are parsed unprivileged */
	peer_names(s);
	info("connect from %s", s->namaddr);
	str_init(&reply);
	if (smtpd_anvil_connect(s) < 0 || smtpd_tls_wrapper(s) < 0)
		goto done;
	/*
	 * A client that talks before the greeting: looked for where Postfix
	 * looks, and again after the connect stage (DNS, the restrictions'
	 * "sleep"), right before the greeting goes out, so that whatever
	 * arrived before it is seen, however long the stage took
	 */
	if (pregreet(s) < 0)
		goto done;
	if (check_stage(&s->ck, CHECK_CONNECT, &reply) != CHECK_OK) {
		/* Postfix: the refusal replaces the greeting */
		smtpd_reply_text(s, reply.s);
		s->access_denied = 1;
	} else if (pregreet(s) < 0) {
		goto done;
	} else {
		smtpd_reply(s, "220 %s", conf_str(P_smtpd_banner));
	}
	session(s);
done:
	io_flush(&s->out);
	smtpd_tls_end(s);
	smtpd_data_bdat(s, NULL);
	smtpd_reset_mail(s);
	disconnect_log(s);
	/* nothing of this client's login is left for the next client */
	smtpd_sasl_reset(s);
	smtpd_anvil_disconnect(s);
	check_free(&s->ck);
	str_free(&reply);
	str_free(&s->line);
	str_free(&s->tmp);
	str_free(&s->bdat_line);
	io_free(&s->in);
	io_free(&s->out);
	free(s->helo);
	free(s->name);
	free(s->reverse_name);
	free(s->addr);
	free(s->port);
	free(s->namaddr);
	return 0;
}

int
smtpd_main(int argc, char **argv)
{
	struct smtpd_sess sess, *s = &sess;
	const char *dir = NULL;
	char **over = NULL;
	size_t nover = 0, i;
	int ch;

	while ((ch = getopt(argc, argv, "c:dDilmn:o:sSt:uvVz")) != -1) {
		switch (ch) {
		case 'c':
			dir = optarg;
			break;
		case 'o':
			over = xreallocarray(over, nover + 1, sizeof(*over));
			over[nover++] = optarg;
			break;
		case '?':
			die("%s", USAGE);
		default:
			break;	/* Postfix's other daemon options */
		}
	}
	if (optind != argc)
		die("%s", USAGE);
	conf_load(dir, CONF_QUIET);
	for (i = 0; i < nover; i++)
		if (conf_override(over[i]) < 0)
			die("-o: expected name=value, not \"%s\"", over[i]);
	free(over);
	if (conf_check() > 0)
		die("bad configuration: see the messages above");
	conf_log(LOG_TO_SYSLOG);
	signal(SIGPIPE, SIG_IGN);

	/*
	 * What needs privileges is done once, before they go: the TLS key
	 * (read by the first setup, kept for the process's sessions), the
	 * SASL backend, the tables of the restrictions
	 */
	memset(s, 0, sizeof(*s));
	if (getenv(SVC_SERVE_ENV) == NULL)
		smtpd_peer(s);	/* sendmail -bs: s->local */
	smtpd_tls_setup(s);
	free(s->addr);
	free(s->port);
	free(s->name);
	free(s->namaddr);
	free(s->reverse_name);
	smtpd_sasl_setup(s);
	if (check_setup() < 0)
		warn("restriction setup failed: every command that needs a "
		    "policy decision will be deferred");
	/* sendmail -bs without a queue relays: root's password table now */
	if (s->local && smtp_relay_wanted())
		smtp_sasl_open();
	priv_daemon();		/* tables are open: network code unprivileged */
	return svc_serve(serve, NULL);
}

/* MIT licence: see LICENSE. */
/*
 * smtpd_sess.h - the state of one SMTP server session, shared by
 * smtpd.c (commands), smtpd_data.c (DATA, BDAT and the hand
 * over to cleanup), smtpd_parse.c (addresses and ESMTP parameters)
 * and smtpd_anvil.c (connection count and rate limits).  Runs in the
 * smtpd process, unprivileged.  Man page: smtpd(8).
 */
#ifndef MTA_SMTPD_SESS_H
#define MTA_SMTPD_SESS_H

#include "../../lib/check/check.h"
#include "../../lib/io.h"
#include "../../lib/str.h"

struct submit;
struct tls_conf;

/* EHLO keywords that smtpd_discard_ehlo_keywords can remove */
#define EHLO_PIPELINING		0x001
#define EHLO_SIZE		0x002
#define EHLO_VRFY		0x004
#define EHLO_ETRN		0x008
#define EHLO_ENHANCED		0x010
#define EHLO_8BITMIME		0x020
#define EHLO_DSN		0x040
#define EHLO_SMTPUTF8		0x080
#define EHLO_CHUNKING		0x100
#define EHLO_AUTH		0x200
#define EHLO_STARTTLS		0x400
#define EHLO_SILENT		0x800	/* silent-discard: do not log */

/* smtpd_forbid_bare_newline */
#define BARE_LF_NO		0	/* a bare LF ends a line */
#define BARE_LF_NORMALIZE	1	/* the same, CRLF.CRLF still needed */
#define BARE_LF_REJECT		2	/* reply and disconnect */

/* commands, in Postfix's order of the "disconnect" log line */
enum smtpd_cmd {
	C_HELO, C_EHLO, C_STARTTLS, C_AUTH, C_MAIL, C_RCPT, C_DATA, C_BDAT,
	C_RSET, C_NOOP, C_VRFY, C_ETRN, C_QUIT, C_UNKNOWN, C_NCMD
};

/* content being received: DATA's, or BDAT's across its chunks */
struct smtpd_rx {
	struct smtpd_sess *s;
	struct submit	*sub;		/* NULL once the message is lost */
	struct str	*line;		/* the unfinished line */
	long long	size;		/* bytes received, CRLF counted */
	int		toobig;
	int		part;		/* the line went out in pieces */
	int		unstuff;	/* DATA: remove the leading dot */
	int		cr;		/* BDAT: the last chunk ended in CR */
};

struct smtpd_rcpt {
	char	*addr;
	char	*orcpt;			/* "rfc822;x@y" or NULL */
	int	notify;			/* DSN_NOTIFY_* bits, 0: none */
};

struct smtpd_sess {
	struct io	in;		/* fd 0 */
	struct io	out;		/* fd 1 (the same socket, or -bs) */
	int		local;		/* sendmail -bs: no network peer */
	int		lookup_name;	/* smtpd_peer_name() has work */
	int		hangup;		/* a 421/521 reply was sent */
	int		eof;		/* the client went away */
	const char	*where;		/* "CONNECT", "MAIL", "DATA", ... */

	/* the client */
	char		*name;		/* verified name or "unknown" */
	char		*reverse_name;	/* PTR name or "unknown" */
	char		*addr;		/* "192.0.2.1", "2001:db8::1" */
	char		*port;
	int		name_status;	/* CHECK_NAME_* */
	int		reverse_status;	/* CHECK_NAME_*, of reverse_name */
	char		*namaddr;	/* "name[addr]" (":port" if logged) */
	char		*helo;		/* NULL before HELO/EHLO */
	const char	*proto;		/* "SMTP" or "ESMTP" */
	int		esmtp;

	/* policy */
	struct check_ctx ck;
	int		access_denied;	/* the connect stage refused */
	int		ill_pipelining;	/* talked out of turn */
	int		bare_lf;	/* BARE_LF_* for this client */
	unsigned	discard;	/* EHLO_* bits not announced */

	/* the transaction */
	int		in_mail;
	char		*sender;	/* no <>; "" for the null sender */
	long long	size_decl;	/* SIZE=, 0 if none */
	char		*envid;		/* ENVID= decoded */
	int		ret;		/* RET=: 0, 1 FULL, 2 HDRS */
	const char	*body;		/* "7BIT", "8BITMIME" or NULL */
	int		smtputf8;
	struct smtpd_rcpt *rcpt;
	size_t		nrcpt;
	size_t		rcpt_overshoot;

	/* BDAT */
	struct smtpd_rx	bdat;		/* the message being sent in chunks */
	int		bdat_active;	/* a BDAT transaction has begun */
	struct str	bdat_line;	/* an unfinished content line */

	/* SMTP AUTH (smtpd_sasl.c) */
	char		*sasl_username;	/* NULL: not authenticated */
	char		*sasl_method;	/* "PLAIN", "CRAM-MD5", ... */
	char		*sasl_sender;	/* MAIL AUTH=, decoded; NULL: none */

	/* smtpd_anvil.c */
	int		anvil_exempt;	/* 0 not known, 1 exempt, 2 not */

	/* counters */
	int		errors;
	int		junk;
	int		ncmd[C_NCMD], nok[C_NCMD];
	long long	msgs;

	/* settings read once */
	size_t		line_limit;
	long long	msg_limit;
	int		rcpt_limit, rcpt_overshoot_limit;
	int		soft_limit, hard_limit, junk_limit;
	int		err_sleep;
	int		pipe_forbid;

	/* TLS (smtpd_tls.c) */
	struct tls_conf	*tls_conf;	/* NULL: no STARTTLS */
	int		tls_level;	/* SMTPD_TLS_* */
	int		tls_wrapper;	/* smtpd_tls_wrappermode */
	const char	*tls_info;	/* the session; NULL before TLS */
	int		tls_ask;	/* the handshake asks for a cert */
	char		tls_ccert[256];	/* for Received: "No client ..." */

	struct str	line;		/* the current command line */
	struct str	tmp;
};

/* smtpd_tls_security_level */
#define SMTPD_TLS_NONE		0
#define SMTPD_TLS_MAY		1
#define SMTPD_TLS_ENCRYPT	2

/* smtpd.c */
void	smtpd_reply(struct smtpd_sess *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	smtpd_reply_text(struct smtpd_sess *, const char *);
void	smtpd_log_reject(struct smtpd_sess *, const char *, const char *,
	    const char *);
void	smtpd_reset_mail(struct smtpd_sess *);
int	smtpd_peek_input(struct smtpd_sess *);
void	smtpd_pipelining_check(struct smtpd_sess *, const char *);

/* smtpd_mail.c */
int	smtpd_mail_cmd(struct smtpd_sess *, const char *);
int	smtpd_mail_rcpt(struct smtpd_sess *, const char *);
int	smtpd_mail_addr(struct smtpd_sess *, const char **, struct str *, int,
	    int);

/* smtpd_peer.c */
void	smtpd_peer(struct smtpd_sess *);
void	smtpd_peer_name(struct smtpd_sess *);

/* smtpd_data.c */
int	smtpd_data_cmd(struct smtpd_sess *, const char *);
int	smtpd_data_bdat(struct smtpd_sess *, const char *);

/* smtpd_parse.c */
int	smtpd_parse_path(const char **, struct str *, int);
int	smtpd_parse_addr_ok(const char *, int);
int	smtpd_parse_xtext(const char *, struct str *);
int	smtpd_parse_notify(const char *);
int	smtpd_parse_atom(const char *);
int	smtpd_parse_utf8(const char *, size_t);
int	smtpd_parse_ascii(const char *);
int	smtpd_parse_size(const char *, long long *);
void	smtpd_parse_neuter(char *);
int	smtpd_parse_ctl(const char *);
void	smtpd_parse_escape(const char *, size_t, struct str *);

/* smtpd_tls.c */
void	smtpd_tls_setup(struct smtpd_sess *);
int	smtpd_tls_offer(struct smtpd_sess *);
int	smtpd_tls_refuse(struct smtpd_sess *, enum smtpd_cmd);
int	smtpd_tls_wrapper(struct smtpd_sess *);
int	smtpd_tls_starttls(struct smtpd_sess *, const char *);
void	smtpd_tls_end(struct smtpd_sess *);

/* smtpd_sasl.c (SMTP AUTH; s->ck.tls says the session is encrypted) */
void	smtpd_sasl_setup(struct smtpd_sess *);
int	smtpd_sasl_active(struct smtpd_sess *);
void	smtpd_sasl_ehlo(struct smtpd_sess *);
int	smtpd_sasl_cmd(struct smtpd_sess *, const char *);
int	smtpd_sasl_mail_param(struct smtpd_sess *, const char *);
void	smtpd_sasl_reset_mail(struct smtpd_sess *);
void	smtpd_sasl_reset(struct smtpd_sess *);
void	smtpd_sasl_log(struct smtpd_sess *, struct str *);

/* smtpd_anvil.c */
#define SMTPD_ANVIL_MAIL	1	/* smtpd_client_message_rate_limit */
#define SMTPD_ANVIL_RCPT	2	/* smtpd_client_recipient_rate_limit */
#define SMTPD_ANVIL_AUTH	3	/* smtpd_client_auth_rate_limit */
int	smtpd_anvil_connect(struct smtpd_sess *);
int	smtpd_anvil_event(struct smtpd_sess *, int);
void	smtpd_anvil_disconnect(struct smtpd_sess *);

#endif

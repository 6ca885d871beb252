/* MIT licence: see LICENSE. */
/*
 * check.h - smtpd's access policy: the smtpd_*_restrictions lists, the
 * access(5) table actions and the address classification (local,
 * virtual, relay, remote) shared with cleanup and qmgr.  Runs inside
 * smtpd, unprivileged.  Man pages: access(5), mta.conf(5).
 *
 * Usage (smtpd):
 *	check_setup() once per process, after conf_load() and before
 *	privileges are dropped: it opens every table the restrictions name
 *	(-1: a configuration error was logged; each stage then answers
 *	"451 4.3.5 Server configuration error", as Postfix does);
 *	check_init(&ctx) once per session;
 *	fill client_* at connect, helo_name at HELO/EHLO, sender at MAIL,
 *	recipient at RCPT (and rcpt_count, size, ...), then
 *	r = check_stage(&ctx, CHECK_RCPT, &reply);
 *	r == CHECK_OK: go on (send your own 250);
 *	otherwise send reply.s followed by CRLF.  The reply is the whole
 *	reply line WITH its code and enhanced code, no CRLF, e.g.
 *	"554 5.7.1 <u@example.net>: Relay access denied"; smtpd_reject_footer
 *	is NOT appended (smtpd does that if it implements it).
 *	check_reset_message(&ctx) after RSET, after a message is done, and
 *	after a new HELO/EHLO (Postfix forgets the sender then);
 *	check_free(&ctx) at the end of the session.
 *
 * Logging: check_stage() itself logs each reject/defer as Postfix does
 * ("NOQUEUE: reject: RCPT from host[addr]: 554 5.7.1 ...; from=<s>
 * to=<r> proto=ESMTP helo=<h>"), and "warn:", "hold:", "discard:",
 * "filter:", "redirect:", "prepend:" lines for those actions.  smtpd must
 * not log the reject again.  WARN (access tables) and warn_if_reject only
 * log; they never change the result.
 *
 * smtpd_delay_reject=yes (the default): CHECK_CONNECT, CHECK_HELO and
 * CHECK_MAIL return CHECK_OK without looking (unless the stage has
 * something to say at once: smtpd_helo_required at MAIL); their
 * restrictions are evaluated at each CHECK_RCPT (and CHECK_ETRN/VRFY), as
 * Postfix does.  Call every stage anyway: the cost is nil.  With
 * smtpd_delay_reject=no, a reject at CHECK_CONNECT is for smtpd to
 * remember (Postfix answers "503 5.7.0 Error: access denied for
 * name[addr]" to later commands but QUIT).
 *
 * After DISCARD (ctx->discard set), RCPT, DATA and END-OF-DATA checks
 * return CHECK_OK at once: smtpd accepts and drops the message.
 * pipelining_violation: smtpd sets it when reject_unauth_pipelining
 * should fire (Postfix: client input was pending when the reply was due,
 * and the client did not say EHLO or the command is DATA).
 * Addresses are passed in internal form: unquoted, without <>; Postfix's
 * smtpd also strips a source route (@a,@b:user@c) before its checks.
 */
#ifndef MTA_CHECK_H
#define MTA_CHECK_H

#include "../str.h"

enum check_stage {
	CHECK_CONNECT,		/* smtpd_client_restrictions */
	CHECK_HELO,		/* smtpd_helo_restrictions */
	CHECK_MAIL,		/* smtpd_sender_restrictions */
	CHECK_RCPT,		/* smtpd_relay_ + smtpd_recipient_restrictions */
	CHECK_DATA,		/* smtpd_data_restrictions (at DATA/BDAT) */
	CHECK_EOD,		/* smtpd_end_of_data_restrictions */
	CHECK_VRFY,		/* smtpd_recipient_restrictions, recipient= */
	CHECK_ETRN,		/* smtpd_etrn_restrictions, etrn_domain= */
	CHECK_NSTAGES
};

/* check_stage() results: the first digit of the reply */
#define CHECK_OK	0	/* permitted or no decision: go on */
#define CHECK_DEFER	4	/* reply is 4XX: temporary */
#define CHECK_REJECT	5	/* reply is 5XX: permanent */

/* client_name_status */
#define CHECK_NAME_OK		0	/* client_name verified */
#define CHECK_NAME_UNKNOWN	1	/* no name ("unknown"): permanent */
#define CHECK_NAME_TEMP		2	/* no name: DNS temporary failure */

struct check_ctx {
	/* inputs: set by smtpd; check never frees or changes them */
	const char	*client_name;	/* verified name or "unknown" */
	const char	*client_reverse_name; /* PTR name; NULL: client_name */
	const char	*client_addr;	/* "192.0.2.1", "2001:db8::1" */
	const char	*client_port;
	int		client_name_status;	/* CHECK_NAME_* */
	int		client_reverse_status;	/* CHECK_NAME_TEMP: PTR failed */
	const char	*helo_name;	/* NULL before HELO/EHLO */
	const char	*sender;	/* no <>; "" null sender; NULL: no MAIL */
	const char	*recipient;	/* no <>; RCPT or VRFY argument */
	const char	*etrn_domain;	/* ETRN argument */
	const char	*sasl_username;	/* NULL or "": not authenticated */
	const char	*sasl_method;
	int		tls;		/* STARTTLS done */
	const char	*protocol;	/* "SMTP", "ESMTP", "ESMTPS", ... */
	const char	*queue_id;	/* NULL: "NOQUEUE" in logs */
	int		pipelining_violation; /* talked out of turn */
	int		rcpt_count;	/* accepted so far (DATA: total) */
	long long	size;		/* SIZE= at MAIL; bytes at EOD */

	/* outputs for the current message; reset by check_reset_message */
	int		hold;		/* HOLD: put the message on hold */
	char		*hold_reason;	/* ... with this text (or NULL) */
	int		discard;	/* DISCARD: accept and drop it */
	char		*discard_reason;
	char		*filter;	/* FILTER: "transport:destination" */
	char		*redirect;	/* REDIRECT: the one new recipient */
	struct str	prepend;	/* PREPEND: header lines, each \n ended */

	/* private to the files of lib/check/ */
	struct check_defer {
		int		active;
		int		code;
		char		dsn[16];
		struct str	reason;
	}		priv_dip, priv_dir;	/* DEFER_IF_PERMIT/REJECT */
	struct check_cache {
		int		done;		/* evaluated for this message */
		int		dip;		/* it raised DEFER_IF_PERMIT */
	}		priv_cache[3];		/* client, helo, sender */
	int		priv_recursion;
	int		priv_warn_if_reject;
	int		priv_abort;	/* config or table error: stop */
	int		priv_rcptmap_checked;
	int		priv_stage;
	const char	*priv_recipient;	/* what logs show as to= */
	struct str	priv_text;	/* the reply being built */
	struct str	priv_namaddr;
};

int	check_setup(void);
void	check_init(struct check_ctx *);
void	check_reset_message(struct check_ctx *);
void	check_free(struct check_ctx *);
int	check_stage(struct check_ctx *, enum check_stage, struct str *);

/*
 * Address classification (Postfix's trivial-rewrite resolve, class only).
 * check_addr_resolve() parses an envelope address (no <>) the way
 * Postfix's resolver does: quoted local parts, source routes, trailing
 * dots, swap_bangpath, allow_percent_hack, resolve_dequoted_address,
 * and says where mail to it would go.  domain is the final domain
 * (lower case, no trailing dot); "" for an address without one (that is
 * local: myorigin is appended).
 */
enum check_class {
	CHECK_CLASS_LOCAL,	/* mydestination, inet/proxy_interfaces */
	CHECK_CLASS_ALIAS,	/* virtual_alias_domains */
	CHECK_CLASS_VIRTUAL,	/* virtual_mailbox_domains */
	CHECK_CLASS_RELAY,	/* relay_domains */
	CHECK_CLASS_DEFAULT,	/* anything else: remote */
	CHECK_CLASS_ERROR	/* cannot tell now (table error): defer */
};

/* check_resolved.flags */
#define CHECK_RES_ROUTED	1	/* a routing operator after local */
#define CHECK_RES_ERROR		2	/* malformed: "@" in a bad place */
#define CHECK_RES_FAIL		4	/* temporary: a table failed */

struct check_resolved {
	enum check_class class;
	int		flags;
	struct str	local;		/* the local part after rewriting */
	struct str	domain;		/* the final domain */
};

void	check_resolved_init(struct check_resolved *);
void	check_resolved_free(struct check_resolved *);
int	check_addr_resolve(const char *, struct check_resolved *);
int	check_domain_class(const char *);
int	check_mynetworks(const char *);
int	check_is_local_domain(const char *);

#endif

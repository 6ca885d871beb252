/* MIT licence: see LICENSE. */
/*
 * smtp/client.h - one SMTP or LMTP client session over struct io:
 * connect, greeting, EHLO/HELO/LHLO, one mail transaction (pipelined
 * when the server offers PIPELINING), QUIT.  It knows nothing of queue
 * files or qmgr: the message comes through two callbacks, and results
 * come back per recipient in Postfix's words.  Used by the smtp and lmtp
 * delivery agents (applets/smtp.c) and sendmail's relay mode
 * (relay.c).  Man page: smtp(8).
 *
 * Use:
 *	smtp_sess_init(&s, lmtp);		settings from main.cf
 *	smtp_connect(&s, addr) == 0		(else s.status/dsn/why)
 *	smtp_helo(&s) == 0			(else s.status/dsn/why)
 *	smtp_auth(&s, nexthop, sender) == 0	(else s.status/dsn/why)
 *	smtp_xfer(&s, &msg, rcpt, n)		per-recipient results
 *	smtp_quit(&s); smtp_close(&s);
 *
 * The delivery agents keep sessions for reuse (client_cache.c): a
 * session from smtp_sess_new() goes to smtp_cache_put() after a
 * transaction instead of QUIT, and smtp_cache_get() gives it back, after
 * an RSET, to a later delivery request with the same smtp_cache_key().
 */
#ifndef MTA_SMTP_CLIENT_H
#define MTA_SMTP_CLIENT_H

#include "../io.h"
#include "../str.h"

struct smtp_addr;

/* server features, from the EHLO/LHLO reply */
#define SMTP_F_ESMTP		1
#define SMTP_F_PIPELINING	2
#define SMTP_F_SIZE		4
#define SMTP_F_8BITMIME		8
#define SMTP_F_SMTPUTF8		16
#define SMTP_F_DSN		32
#define SMTP_F_AUTH		64
#define SMTP_F_STARTTLS		128

#define SMTP_DSN_MAX		16	/* "X.YYY.ZZZ" and the NUL */
#define SMTP_REPLY_LINES_MAX	1000	/* more lines: a malformed reply */

/* one recipient of the transaction and its result */
struct smtp_rcpt {
	const char	*addr;
	const char	*orcpt;		/* "rfc822;x@y" (decoded), or NULL */
	int		notify;		/* DSN_NOTIFY_* bits; 0: none */
	/* result: 0 none yet, 2 sent, 4 try again, 5 failed */
	int		status;
	char		dsn[SMTP_DSN_MAX];
	struct str	reason;
};

/* the message, read through callbacks */
struct smtp_msg {
	const char	*sender;	/* "" for <> */
	long long	size;		/* content bytes, LF line ends */
	const char	*envid;		/* DSN ENVID (decoded), or NULL */
	const char	*ret;		/* "FULL", "HDRS" or NULL */
	int		eightbit;	/* BODY=8BITMIME */
	int		smtputf8;	/* the sender asked for SMTPUTF8 */
	void		*ctx;
	int		(*rewind)(void *);
	/* next content line without its end: 1; 0 at the end; -1 error */
	int		(*line)(void *, struct str *);
};

struct smtp_reply {
	int		code;		/* 0: none (malformed) */
	char		dsn[SMTP_DSN_MAX];	/* from the text or made up */
	struct str	text;		/* the lines joined with spaces */
};

struct smtp_sess {
	struct io	io;
	int		fd;
	int		lmtp;
	int		features;	/* SMTP_F_* */
	long long	size_limit;	/* SIZE n; 0: none announced */
	char		*host;		/* the server's name */
	char		*addr;		/* its address, or socket path */
	int		port;
	int		best_mx;	/* of the best preference (smtp_addr) */
	char		*namaddr;	/* "host[addr]" */
	char		*relay;		/* "host[addr]:port" for relay= */
	struct smtp_reply reply;	/* the last reply read */
	/* why the last call failed as a whole */
	int		status;		/* 4 or 5 */
	char		dsn[SMTP_DSN_MAX];
	struct str	why;
	int		answered;	/* a greeting arrived */
	/*
	 * The TLS hook: the TLS layer sets tls_active to 1 once the
	 * handshake is done (after STARTTLS, or in wrapper mode); the
	 * EHLO sent then replaces features and auth_mechs, and
	 * smtp_auth() applies smtp_sasl_tls_security_options instead of
	 * smtp_sasl_security_options.  smtp_connect() clears it.
	 */
	int		tls_active;
	int		tls_off;	/* smtp_greet()'s plaintext retry */
	int		tls_retry_plain;	/* "may" handshake failed */
	/* the next hop ("[host]:port", "domain"; not owned): TLS policy */
	const char	*nexthop;
	char		*auth_mechs;	/* AUTH mechanisms offered, or NULL */
	int		authed;		/* AUTH succeeded in this session */
	/* settings, from main.cf by smtp_sess_init(); callers may change */
	int		t_connect, t_helo, t_mail, t_rcpt;
	int		t_data_init, t_data_xfer, t_data_done, t_quit;
	char		*helo_name;
	int		skip_5xx;	/* smtp_skip_5xx_greeting */
	/*
	 * The smtp agent's loop check (not lmtp, not sendmail): on port 25,
	 * a server whose EHLO reply names $myhostname is this host.
	 */
	int		loop_detect;
	size_t		line_limit;	/* smtp_line_length_limit; 0: none */
	size_t		reply_limit;	/* longest reply line kept */
	/* the connection cache (client_cache.c) */
	char		*auth_user;	/* who AUTH logged in as, or NULL */
	long long	born;		/* svc_serve_now() at connect */
	int		reuse_count;	/* times taken from the cache */
	int		dot_sent;	/* smtp_xfer() sent the final dot */
};

void	smtp_sess_init(struct smtp_sess *, int);
int	smtp_connect(struct smtp_sess *, const struct smtp_addr *);
int	smtp_helo(struct smtp_sess *);
int	smtp_greet(struct smtp_sess *, const struct smtp_addr *);
int	smtp_xfer(struct smtp_sess *, struct smtp_msg *, struct smtp_rcpt *,
	    size_t);
void	smtp_sasl_open(void);
int	smtp_auth(struct smtp_sess *, const char *, const char *);
void	smtp_quit(struct smtp_sess *);
void	smtp_close(struct smtp_sess *);
void	smtp_sess_free(struct smtp_sess *);
struct smtp_sess *smtp_sess_new(int);
void	smtp_sess_destroy(struct smtp_sess *);
int	smtp_rset(struct smtp_sess *);
int	smtp_sasl_user(const char *, const char *, const char *, struct str *);

/* the connection cache of a delivery agent process (client_cache.c) */
char	*smtp_cache_key(int, const char *, const struct smtp_addr *,
	    const char *);
int	smtp_cache_has(const char *);
struct smtp_sess *smtp_cache_get(const char *);
void	smtp_cache_put(struct smtp_sess *, const char *);
void	smtp_cache_flush(void);

void	smtp_rcpt_init(struct smtp_rcpt *, const char *);
void	smtp_rcpt_free(struct smtp_rcpt *);

#endif

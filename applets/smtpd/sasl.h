/* MIT licence: see LICENSE. */
/*
 * sasl.h - the SASL server back ends of smtpd(8).  smtpd_sasl_type
 * selects one:
 *   "mta"      built in (sasl_mta.c): PLAIN and LOGIN, checked
 *              against crypt(3) hashes in smtpd_sasl_password_maps
 *              (sasl_crypt.c computes them);
 *   "dovecot"  Dovecot's authentication server (sasl_dovecot.c) on
 *              the socket smtpd_sasl_path: its mechanisms, its users.
 * smtpd_sasl.c speaks SMTP (RFC 4954) and knows no mechanism: it
 * offers what mechs() lists minus what the security options forbid, and
 * relays base64 lines between the client and start()/step().  One
 * exchange at a time; an smtpd process serves one session after
 * another, so what an exchange leaves behind is forgotten by end().
 * Man page: smtpd(8).
 */
#ifndef MTA_SASL_H
#define MTA_SASL_H

#include <stddef.h>

#include "../../lib/str.h"

/* results of start(), step() and sasl_mta_check() */
#define SASL_OK		0	/* authenticated: 235 */
#define SASL_FAIL	1	/* wrong user or password, bad data: 535 */
#define SASL_TEMP	2	/* cannot tell now (table, server): 454 */
#define SASL_MORE	3	/* send the challenge "334 out" */

/* mechanism properties, as Dovecot's MECH lines name them */
#define SASL_SEC_PLAINTEXT	0x01	/* "plaintext": noplaintext */
#define SASL_SEC_ACTIVE		0x02	/* "active": noactive */
#define SASL_SEC_DICTIONARY	0x04	/* "dictionary": nodictionary */
#define SASL_SEC_ANONYMOUS	0x08	/* "anonymous": noanonymous */
#define SASL_SEC_FWD_SECRECY	0x10	/* "forward-secrecy" */
#define SASL_SEC_MUTUAL_AUTH	0x20	/* "mutual-auth" */
#define SASL_SEC_PRIVATE	0x40	/* "private": never offered */

struct sasl_mech {
	char		*name;		/* upper case: "CRAM-MD5" */
	unsigned	flags;		/* SASL_SEC_* */
};

/* what the back end may want to know about the session */
struct sasl_peer {
	const char	*service;	/* smtpd_sasl_service */
	const char	*client_addr;	/* "" if unknown */
	const char	*server_addr;	/* "" if unknown */
	int		tls;		/* the session is encrypted */
};

/*
 * A back end.  open() runs before privileges are dropped.  mechs() lists
 * the mechanisms (-1: the server cannot be reached; it has logged why).
 * start() begins an exchange with mech (one of mechs()) and the client's
 * initial response (base64 as sent, "" for "=", NULL for none); step()
 * takes the client's next line.  Both return SASL_*: with SASL_MORE, out
 * is the base64 challenge; with SASL_FAIL or SASL_TEMP the reason for
 * the reply ("" if none), and user the user name if one is known; with
 * SASL_OK user is the authenticated name.  end() comes at the end of
 * each session (and at STARTTLS): an exchange left half done (the client
 * went away between challenges) is forgotten, and what failed for this
 * session (the server could not be reached) is tried again by the next.
 */
struct sasl_server {
	const char	*type;		/* the smtpd_sasl_type value */
	int	(*open)(void);
	int	(*mechs)(const struct sasl_mech **, size_t *);
	int	(*start)(const char *, const char *, const struct sasl_peer *,
		    struct str *, struct str *);
	int	(*step)(const char *, struct str *, struct str *);
	void	(*end)(void);
};

extern const struct sasl_server sasl_mta_server;
extern const struct sasl_server sasl_dovecot_server;

/* sasl_mta.c */
int	sasl_mta_open(void);
int	sasl_mta_check(const char *, const char *, struct str *);
int	sasl_crypt(const char *, const char *, struct str *);
int	sasl_yescrypt(const char *, const char *, struct str *);

/* sasl_dovecot.c: the parts that a unit test can reach */
unsigned sasl_dovecot_flags(const char *);
int	sasl_dovecot_reply(char *, unsigned, struct str *, struct str *);

#endif

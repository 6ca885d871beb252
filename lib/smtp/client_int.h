/* MIT licence: see LICENSE. */
/*
 * smtp/client_int.h - what the parts of the SMTP/LMTP client share and
 * nobody else sees: the session's failure, one reply, a flush with its
 * timeout, the EHLO exchange, and the client key loaded before
 * privileges drop.  The parts: client.c (connect, replies, EHLO,
 * close), client_tls.c (the TLS policy applied: STARTTLS or wrapper
 * mode, handshake, verification), client_auth.c (SMTP AUTH),
 * client_xfer.c (one mail transaction), client_cache.c (the sessions an
 * agent process keeps for reuse).  Man page: smtp(8).
 */
#ifndef MTA_SMTP_CLIENT_INT_H
#define MTA_SMTP_CLIENT_INT_H

#include "client.h"

void	smtp_fail(struct smtp_sess *, const char *, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
int	smtp_get_reply(struct smtp_sess *, int, const char *, struct str *);
int	smtp_flush(struct smtp_sess *, int, const char *);
int	smtp_hello(struct smtp_sess *, int);
int	smtp_tls_load_keys(void);

#endif

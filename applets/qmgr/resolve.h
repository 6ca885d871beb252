/* MIT licence: see LICENSE. */
/*
 * resolve.h - where a recipient goes: Postfix's trivial-rewrite resolve
 * for qmgr.  The address class (local, virtual alias, virtual mailbox,
 * relay, default; lib/check/addr.c), then transport_maps, relocated_maps,
 * relayhost and the *_transport parameters give transport:nexthop, or a
 * verdict (bounce, defer) with Postfix's reason.  Runs in qmgr.
 * Man pages: qmgr(8), transport(5).
 */
#ifndef MTA_RESOLVE_H
#define MTA_RESOLVE_H

#include "../../lib/str.h"

#define RESOLVE_DELIVER	0	/* transport and nexthop are set */
#define RESOLVE_BOUNCE	5	/* dsn and reason: do not deliver */
#define RESOLVE_DEFER	4	/* dsn and reason: try again later */

struct resolve {
	int		verdict;	/* RESOLVE_* */
	struct str	transport;
	struct str	nexthop;
	char		dsn[16];
	struct str	reason;
};

void	resolve_init(struct resolve *);
void	resolve_free(struct resolve *);
int	resolve_rcpt(const char *, struct resolve *);

#endif

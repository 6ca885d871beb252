/* MIT licence: see LICENSE. */
/*
 * qmgr_msg.h - qmgr's messages: a queue file taken into the active queue,
 * its open recipients, what happened to each (marked done, logged in the
 * defer, bounce and trace logs), and the end of its turn (notices, then
 * removal or the move to deferred).  The scheduler (qmgr.c)
 * routes the recipients and runs the agents.  Runs in qmgr, as
 * mail_owner.  Man page: qmgr(8).
 */
#ifndef MTA_QMGR_MSG_H
#define MTA_QMGR_MSG_H

#include <sys/time.h>
#include <stddef.h>

#include "../../lib/queue/queue.h"

struct dest;

/* recipient states */
enum { R_TODO, R_BUSY, R_DONE, R_DEFER };

struct qmgr_rcpt {
	long long	off;
	char		*addr, *orig, *orcpt;
	int		notify;
	int		state;
	struct dest	*d;	/* qmgr.c's destination, while R_TODO */
};

struct qmgr_msg {
	struct qmgr_msg	*next;
	char		id[QUEUE_ID_MAX];
	struct queue_reader *q;
	char		*sender;
	struct timeval	arrival, active;
	struct qmgr_rcpt *r;
	size_t		n, open;	/* recipients; not finished yet */
	int		deferred;	/* a recipient was deferred */
	int		flush;		/* taken by a flush: no defer_transports */
	int		refs;		/* destination entries naming it */
};

/* the active queue */
struct qmgr_queue {
	const char	*qdir;
	struct qmgr_msg	*msgs, *last;	/* in arrival order */
	size_t		nmsgs;
	int		scan_in;	/* a slot came free: look at incoming */
	int		pause;		/* a load failed for now: wait */
};

extern struct qmgr_queue qmgr_q;

struct qmgr_msg *qmgr_msg_load(const char *, const char *, int);
void	qmgr_msg_result(struct qmgr_msg *, struct qmgr_rcpt *, int,
	    const char *, const char *, const char *);
void	qmgr_msg_log(struct qmgr_msg *, struct qmgr_rcpt *, int,
	    const char *, const char *);
void	qmgr_msg_done(struct qmgr_msg *);

#endif

/* MIT licence: see LICENSE. */
/*
 * bounce.h - delivery status notifications (RFC 3464): the non-delivery,
 * delay and success notices qmgr sends to the sender of a message, and
 * the copies notify_classes asks for, in Postfix's wording and layout.
 * Run by qmgr as mail_owner.  Man page: bounce(5).
 *
 * bounce_send() is what qmgr calls.  The pieces below it compose a notice
 * without sending it (tests/unit/bounce.c drives them).
 */
#ifndef MTA_BOUNCE_H
#define MTA_BOUNCE_H

#include <stddef.h>
#include <sys/time.h>

#include "../../lib/str.h"

struct rcptlog_ent;
struct queue_reader;

#define BOUNCE_FAILED	1	/* "Undelivered Mail Returned to Sender" */
#define BOUNCE_DELAYED	2	/* "Delayed Mail (still being retried)" */
#define BOUNCE_SUCCESS	3	/* "Successful Mail Delivery Report" */

/*
 * bounce_send - tell the sender of queue file QDIR/QNAME/ID about the
 * recipients in v[0..n) (from the bounce, defer or trace log,
 * lib/queue/rcptlog.h; entries with action failed / delayed /
 * delivered), and send the copies notify_classes asks for.  Returns 0 when done (out: the new queue id,
 * or "" when nothing had to be sent), -1 on a temporary failure (out: why;
 * qmgr retries later and must not remove the message).
 */
int	bounce_send(const char *qdir, const char *qname, const char *id,
	    int kind, const struct rcptlog_ent *v, size_t n, struct str *out);

/* the original message, as the notices need it */
struct bounce_orig {
	struct queue_reader *q;
	char		*id;
	char		*sender;	/* "" for <> */
	char		*envid;		/* DSN ENVID, or NULL */
	int		ret;		/* BOUNCE_RET_* from RET=, or 0 */
	int		eightbit;	/* declared 8BITMIME / encoding=8bit */
	int		smtputf8;	/* SMTPUTF8 was asked for */
	struct timeval	arrival;	/* REC_TIME, or 0 */
	long long	size;		/* content bytes */
	long long	mesg;		/* offset of REC_MESG */
};

#define BOUNCE_RET_FULL	1
#define BOUNCE_RET_HDRS	2

/* bounce_compose() flags */
#define BOUNCE_F_POSTMASTER	1	/* a postmaster copy or double bounce */
#define BOUNCE_F_ALL		2	/* every recipient, whatever NOTIFY */
#define BOUNCE_F_HDRS		4	/* return the headers only */
#define BOUNCE_F_FULL		8	/* return it all (bounce_size_limit) */

typedef void	(*bounce_line_fn)(void *, const char *, size_t);

int	bounce_open(struct bounce_orig *, const char *, const char *,
	    const char *, struct str *);
void	bounce_close(struct bounce_orig *);
size_t	bounce_count(int, int, const struct rcptlog_ent *, size_t);
int	bounce_8bit(struct bounce_orig *, int, int,
	    const struct rcptlog_ent *, size_t);
int	bounce_compose(struct bounce_orig *, int, int, const char *, time_t,
	    const struct rcptlog_ent *, size_t, bounce_line_fn, void *);
int	bounce_double_sender(const char *);
int	bounce_class(const char *);

#endif

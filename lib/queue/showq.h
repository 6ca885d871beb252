/* MIT licence: see LICENSE. */
/*
 * showq.h - the queue listing: the showq(8) service (or postqueue, when
 * it may read the queue itself) writes it as a stream of queue.h
 * records, postqueue(1) reads it and prints mailq's table or JSON.
 *
 * The stream, one message after another, then REC_END:
 *
 *	A queue_name=Q  A queue_id=ID  A arrival_time=SEC
 *	A message_size=N  A forced_expire=0|1
 *	S sender		(printable, quoted, MAILER-DAEMON for <>)
 *	( A delay_reason=TEXT?  R recipient )*
 *	X			(the message ends)
 *
 * A refused client gets "A refused=TEXT" and REC_END.  Man page: showq(8).
 */
#ifndef MTA_SHOWQ_H
#define MTA_SHOWQ_H

#include <stddef.h>
#include <sys/types.h>

#include "../conf.h"
#include "../str.h"

struct io;

struct showq_rcpt {
	char	*addr;
	char	*reason;	/* "" when none */
};

struct showq_msg {
	char	*queue, *id, *sender;
	long long time, size;
	int	expire;
	struct showq_rcpt *rcpt;
	size_t	nrcpt;
};

void	showq_write(const char *, struct io *);
int	showq_read(struct io *, struct showq_msg *, struct str *);
void	showq_msg_free(struct showq_msg *);
void	showq_quote(const char *, struct str *);
int	showq_privileged(uid_t);
int	showq_allowed(enum conf_param, uid_t, struct str *);

#endif

/* MIT licence: see LICENSE. */
/*
 * rcptlog.h - per-message recipient logs: why recipients were deferred
 * ($queue_directory/defer/ID, read by mailq), bounced (bounce/ID, read
 * when qmgr writes the non-delivery notice) or delivered with NOTIFY=
 * SUCCESS (trace/ID).  Written by qmgr as mail_owner; read by qmgr and
 * postqueue; removed with the queue file (qmgr, postsuper).
 *
 * A log is a sequence of entries, each made of queue.h records:
 *
 *	U orig?  O orcpt?  N notify?
 *	A offset=N  A dsn=X.Y.Z  A action=failed|delayed|delivered|relayed
 *	A relay=R  A time=SEC  A reason=TEXT
 *	R address		(closes the entry)
 *
 * Entries are appended; a later entry for the same recipient says what
 * happened last.  A cut last entry (a crash while appending) is ignored.
 * Man page: mta-queue(5).
 */
#ifndef MTA_RCPTLOG_H
#define MTA_RCPTLOG_H

#include <stddef.h>
#include <time.h>

#define RCPTLOG_DEFER	"defer"
#define RCPTLOG_BOUNCE	"bounce"
#define RCPTLOG_TRACE	"trace"

struct rcptlog_ent {
	char		*addr;
	char		*orig;		/* or NULL */
	char		*orcpt;		/* DSN ORCPT, or NULL */
	int		notify;		/* DSN_NOTIFY_* bits */
	long long	off;		/* the REC_RCPT offset in the queue file */
	char		dsn[16];	/* X.Y.Z */
	char		*action;	/* failed, delayed, delivered, relayed */
	char		*relay;		/* "host[ip]:port", "local", "none" */
	char		*reason;
	time_t		when;
};

int	rcptlog_append(const char *, const char *, const char *,
	    const struct rcptlog_ent *, int);
int	rcptlog_read(const char *, const char *, const char *,
	    struct rcptlog_ent **, size_t *);
void	rcptlog_free(struct rcptlog_ent *, size_t);
int	rcptlog_remove(const char *, const char *, const char *);

#endif

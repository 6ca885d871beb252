/* MIT licence: see LICENSE. */
/*
 * submit.h - hand one message to the queue: to cleanup (smtpd, pickup,
 * privileged sendmail) or into maildrop (sendmail and postdrop run by an
 * ordinary user).  The records are those of queue.h; the caller sends the
 * envelope (REC_TIME is optional, REC_FROM, REC_ATTR..., REC_ORCPT/
 * REC_NOTIFY before each REC_RCPT), then content lines, then closes.
 *
 * Cleanup is reached at $queue_directory/private/cleanup (master's unix
 * service); when nothing listens there, the binary is re-executed as
 * cleanup on a socketpair, so smtpd works without master too.  Cleanup
 * says "I QUEUEID" as soon as it has created the queue file (submit_open()
 * waits for it, so submit_id() can be logged before the content goes
 * out), and at the end one line: "0 QUEUEID" (accepted and on disk), or
 * "4 X.Y.Z text" / "5 X.Y.Z text" (refused; nothing was queued).
 * submit_allowed() is authorized_submit_users, for sendmail and pickup.
 */
#ifndef MTA_SUBMIT_H
#define MTA_SUBMIT_H

#include <stddef.h>
#include <sys/time.h>
#include <sys/types.h>

#include "../str.h"

#define SUBMIT_CLEANUP	1	/* through cleanup: the caller may write */
#define SUBMIT_MAILDROP	2	/* a maildrop file, picked up later */
#define SUBMIT_SINK	3	/* no queue: the records go to a sink */

/*
 * A sink takes the whole message at submit_close() instead of the queue:
 * sendmail's relay mode (lib/smtp/relay.c) when there is no queue.  The
 * caller chooses it, so the queue code knows no relay: idfn names the
 * message (and notes when, in tv) at submit_open_sink(); sendfn gets the
 * id, that time and the records as a queue file holds them, and returns
 * 0, or 4 or 5 with "X.Y.Z text" in its str.
 */
typedef void submit_idfn(char *, size_t, struct timeval *);
typedef int submit_sendfn(const char *, const struct timeval *,
	    const char *, size_t, struct str *);

struct submit;

struct submit *submit_open(int, struct str *);
struct submit *submit_open_sink(submit_idfn *, submit_sendfn *);
const char *submit_id(const struct submit *);
void	submit_rec(struct submit *, int, const char *, size_t);
void	submit_recs(struct submit *, int, const char *);
void	submit_line(struct submit *, const char *, size_t);
int	submit_close(struct submit *, struct str *);
void	submit_abort(struct submit *);
int	submit_allowed(uid_t, struct str *);

#endif

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
#include <sys/types.h>

#include "../str.h"

#define SUBMIT_CLEANUP	1	/* through cleanup: the caller may write */
#define SUBMIT_MAILDROP	2	/* a maildrop file, picked up later */
#define SUBMIT_RELAY	3	/* no queue: straight to the relay (smtp_relay.c) */

struct submit;

struct submit *submit_open(int, struct str *);
const char *submit_id(const struct submit *);
void	submit_rec(struct submit *, int, const char *, size_t);
void	submit_recs(struct submit *, int, const char *);
void	submit_line(struct submit *, const char *, size_t);
int	submit_close(struct submit *, struct str *);
void	submit_abort(struct submit *);
int	submit_allowed(uid_t, struct str *);

#endif

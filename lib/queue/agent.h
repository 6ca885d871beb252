/* MIT licence: see LICENSE. */
/*
 * agent.h - the delivery request: what qmgr asks of a delivery agent
 * (smtp, lmtp, local) and the result per recipient that comes back, and
 * the agent's side of the work: reading the message from its queue file
 * and logging each result in Postfix's shape.  Man page: qmgr(8).
 *
 * qmgr connects to the agent's master.cf service ($queue_directory/
 * private/TRANSPORT; master runs the program with the connection on fds
 * 0 and 1, as mail_owner, or as root for local).  One request per
 * connection.  Both directions use the records of queue.h:
 *
 *   qmgr -> agent:
 *	A transport=NAME	the master.cf service name ("smtp", "relay")
 *	A nexthop=HOST		"example.com", "[192.0.2.1]:587",
 *				"unix:/path" (lmtp), the local domain (local)
 *	A queue_name=active	where the queue file is
 *	A queue_id=ID
 *	A sender=ADDR		"" for the null sender
 *	A arrival=SEC.USEC	when the message was queued
 *	A active=SEC.USEC	when qmgr took it into the active queue
 *	A flags=N		AGENT_F_* bits
 *	then per recipient:	U orig? O orcpt? N notify? R "OFFSET ADDRESS"
 *	E ""
 *
 *   agent -> qmgr, in any order, one per recipient:
 *	R "OFFSET STATUS DSN RELAY REASON"
 *		STATUS: sent, deferred or bounced; DSN: X.Y.Z; RELAY: a
 *		token without spaces ("none", "local", "host[ip]:port");
 *		REASON: the rest, one line of printable text
 *	A dead=REASON		optional: the whole destination is down (no
 *				server answered); qmgr defers its other mail
 *	E ""
 *
 * A recipient without a result record (the agent died) is deferred by
 * qmgr.  qmgr, not the agent, marks recipients done in the queue file,
 * after the result arrived (DESIGN.md, law 1).  The agent logs the
 * "to=<...>, relay=..., status=..." line of each result itself.
 */
#ifndef MTA_AGENT_H
#define MTA_AGENT_H

#include <sys/time.h>

#include "../str.h"

struct io;
struct queue_reader;

/* agent results */
#define AGENT_NONE	0	/* no result yet */
#define AGENT_SENT	2
#define AGENT_DEFER	4
#define AGENT_BOUNCE	5

/* request flags */
#define AGENT_F_NONE	0
/*
 * more mail waits for the destination, or goes to it back to back: the
 * smtp and lmtp agents keep the connection open for the next request
 * (Postfix's DEL_REQ_FLAG_CONN_STORE; smtp_connection_cache_on_demand)
 */
#define AGENT_F_CONN_CACHE	1

#define AGENT_DSN_MAX	16	/* "X.YYY.ZZZ" and the NUL */

struct agent_rcpt {
	long long	off;	/* its REC_RCPT record in the queue file */
	char		*addr;	/* the recipient */
	char		*orig;	/* before rewriting (orig_to=), or NULL */
	char		*orcpt;	/* DSN ORCPT ("rfc822;x@y"), or NULL */
	int		notify;	/* DSN_NOTIFY_* bits; 0: not given */
	/* the result */
	int		status;	/* AGENT_* */
	char		dsn[AGENT_DSN_MAX];
	char		*relay;	/* "host[ip]:port", "local", "none" */
	char		*reason;
};

struct agent_req {
	char		*transport;
	char		*nexthop;
	char		*queue_name;
	char		*queue_id;
	char		*sender;
	struct timeval	arrival;	/* queued */
	struct timeval	active;		/* taken by qmgr */
	struct timeval	start;		/* the agent got the request */
	struct timeval	conn;		/* the agent was connected (smtp) */
	int		flags;
	/* the connection was used this many times before (conn_use=) */
	int		reuse_count;
	struct agent_rcpt *rcpt;
	size_t		nrcpt;
	char		*dead;		/* the destination is down: why */
};

/*
 * The message as an agent reads it (agent_msg_open): the envelope from
 * the queue file, then the content line by line.
 */
struct agent_msg {
	struct queue_reader *q;
	char		*sender;	/* "" for <> */
	char		*envid;		/* DSN ENVID, or NULL */
	char		*ret;		/* "FULL", "HDRS" or NULL */
	char		*encoding;	/* "7bit", "8bit" or NULL */
	int		smtputf8;	/* SMTPUTF8 was asked for */
	int		eightbit;	/* declared 8BITMIME, or encoding=8bit */
	struct timeval	arrival;	/* REC_TIME, or 0 */
	long long	size;		/* content bytes, LF line ends */
	long long	mesg;		/* offset of REC_MESG */
	char		**attr;		/* every REC_ATTR "name=value" */
	size_t		nattr;
	struct str	line;
};

/* qmgr's side */
void	agent_req_init(struct agent_req *);
void	agent_req_free(struct agent_req *);
struct agent_rcpt *agent_req_add(struct agent_req *, long long,
	    const char *);
void	agent_req_write(struct io *, const struct agent_req *);
int	agent_result_read(struct io *, struct agent_req *, struct str *);

/* the agent's side */
int	agent_req_read(struct io *, struct agent_req *, struct str *);
void	agent_done(struct agent_req *, struct agent_rcpt *, int,
	    const char *, const char *, const char *, ...)
	    __attribute__((format(printf, 6, 7)));
void	agent_done_all(struct agent_req *, int, const char *, const char *,
	    const char *, ...) __attribute__((format(printf, 5, 6)));
void	agent_reply(struct io *, const struct agent_req *);
int	agent_main(int, char **, int,
	    void (*)(struct agent_req *, struct agent_msg *));

/* called by agent_main() after main.cf is read, before privileges drop */
extern void	(*agent_init_hook)(void);

/* agent_main() flags */
#define AGENT_KEEP_ROOT	1	/* local: drops privileges per recipient */

int	agent_msg_open(const char *, const struct agent_req *,
	    struct agent_msg *, struct str *);
int	agent_msg_rewind(struct agent_msg *);
int	agent_msg_line(struct agent_msg *, struct str *);
const char *agent_msg_attr(const struct agent_msg *, const char *);
void	agent_msg_close(struct agent_msg *);

/* both */
void	agent_log_line(const struct agent_req *, const struct agent_rcpt *,
	    struct str *);
void	agent_delay(double, struct str *);

#endif

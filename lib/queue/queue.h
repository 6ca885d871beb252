/* MIT licence: see LICENSE. */
/*
 * queue.h - the queue: directories, queue ids, and the one file format of
 * queue files, maildrop files and the cleanup stream.  The format is
 * documented at the top of queue.c and in mta-queue(5).
 *
 * A file is a sequence of records, each one line:
 *
 *	TYPE LEN ' ' DATA '\n'	(TYPE one byte, LEN decimal, DATA LEN bytes,
 *				 binary-safe: DATA may hold any byte)
 *
 * Envelope records first, then REC_MESG, the content as REC_LINE (a whole
 * line without its CRLF) and REC_PART (a piece of a line that goes on in
 * the next record) records, REC_XTRA, the records written after the
 * content (per-recipient status), and REC_END last: a file without
 * REC_END is incomplete and never delivered.  A recipient is marked done
 * by rewriting its one type byte in place (REC_RCPT -> REC_DONE) and
 * fsyncing, so a crash at any instant leaves either state, never a torn
 * record.
 */
#ifndef MTA_QUEUE_H
#define MTA_QUEUE_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>

#include "../str.h"

/* record types */
#define REC_VERSION	'V'	/* "1": format version, first record */
#define REC_SIZE	'Z'	/* fixed-width: content size, offsets, nrcpt */
#define REC_TIME	'T'	/* arrival time: "SEC.USEC" */
#define REC_FROM	'S'	/* envelope sender; empty for <> */
#define REC_ATTR	'A'	/* "name=value": client, helo, protocol, ... */
#define REC_ORCPT	'O'	/* ORCPT of the next recipient ("rfc822;x@y") */
#define REC_NOTIFY	'N'	/* NOTIFY of the next recipient (DSN bits) */
#define REC_ORIG	'U'	/* the next recipient before rewriting */
#define REC_RCPT	'R'	/* a recipient still to deliver */
#define REC_DONE	'D'	/* a recipient delivered or bounced */
#define REC_MESG	'M'	/* the content starts */
#define REC_LINE	'L'	/* a content line, without its line end */
#define REC_PART	'P'	/* a piece of a line continued next record */
#define REC_XTRA	'X'	/* the content ended */
#define REC_WARN	'W'	/* time of the next delay warning */
#define REC_END		'E'	/* the file is complete */

/*
 * REC_ATTR names shared by the writers (smtpd, sendmail) and the readers
 * (pickup's allow-list, cleanup, qmgr): one spelling each.
 */
#define ATTR_DSN_ENVID	"dsn_envid"	/* ENVID= of MAIL, sendmail -V */
#define ATTR_DSN_RET	"dsn_ret"	/* FULL or HDRS: RET=, sendmail -R */
#define ATTR_ENCODING	"encoding"	/* 7bit or 8bit: BODY=, sendmail -B */
#define ATTR_SMTPUTF8	"smtputf8"	/* yes: MAIL ... SMTPUTF8 */
/*
 * pickup to cleanup only, never written to a queue file: a message
 * cleanup refuses for good is bounced to its sender instead (Postfix's
 * CLEANUP_FLAG_BOUNCE), since its submitter is long gone
 */
#define ATTR_CLEANUP_BOUNCE	"cleanup_flags=bounce"

/* DSN NOTIFY bits (REC_NOTIFY holds them as a decimal number) */
#define DSN_NOTIFY_NEVER	1
#define DSN_NOTIFY_SUCCESS	2
#define DSN_NOTIFY_FAILURE	4
#define DSN_NOTIFY_DELAY	8

/* queue names: subdirectories of queue_directory */
#define Q_MAILDROP	"maildrop"
#define MAILDROP_MODE	03733		/* sticky, set-gid, -wx for others */
#define Q_INCOMING	"incoming"
#define Q_ACTIVE	"active"
#define Q_DEFERRED	"deferred"
#define Q_HOLD		"hold"
#define Q_CORRUPT	"corrupt"
#define Q_DEFER		"defer"		/* per-message delay reasons */
#define Q_BOUNCE	"bounce"	/* per-message bounce reasons */
#define Q_TRACE		"trace"		/* per-message success notices */
#define Q_PRIVATE	"private"	/* unix sockets of internal services */
#define Q_PUBLIC	"public"	/* unix sockets anyone may use */
#define Q_PID		"pid"		/* master.pid and its lock */

struct io;

/* limits */
#define QUEUE_ID_MAX	32		/* longest queue id, with its NUL */
#define QUEUE_PART_MAX	4096		/* content pieces longer are split */
#define QUEUE_REC_MAX	(1024 * 1024)	/* longest record a reader takes */

/*
 * The REC_SIZE record: four fixed-width fields, so the writer can put a
 * placeholder first and fill it in at commit without moving anything.
 */
#define QUEUE_SIZE_FMT	"%15lld %15lld %15lld %15lld"
#define QUEUE_SIZE_LEN	63		/* bytes of the formatted fields */

/*
 * The owner execute bit of a queue file says "complete" (Postfix's
 * MAIL_QUEUE_STAT_READY): cleanup creates the file in incoming/ without
 * it and sets it at commit; readers leave such a file alone (see
 * queue_incomplete).
 */
#define QUEUE_MODE_READY	S_IXUSR
#define QUEUE_READY(st)		(((st)->st_mode & QUEUE_MODE_READY) != 0)
/*
 * A maildrop file says it by its group read bit: sendmail creates it
 * 0600 under its final name and makes it 0640 before its one fsync
 * (submit.c).  Pickup reads through that bit, so an older mta's files
 * and those written by hand (0644) count as complete.
 */
#define MAILDROP_MODE_READY	S_IRGRP
#define QUEUE_TEMP_AGE	(60 * 60 * 24)	/* an incomplete file this old is
					   left by a crash (postsuper -p) */

#define QUEUE_F_SMTPUTF8 1		/* REC_SIZE flags: SMTPUTF8 mail */
#define QUEUE_F_8BITMIME 2		/* ... 8-bit content (cleanup saw it) */

struct queue_size {
	long long	size;	/* content bytes, one LF per line */
	long long	mesg;	/* offset of the REC_MESG record */
	long long	nrcpt;	/* recipients (REC_RCPT and REC_DONE) */
	long long	flags;	/* QUEUE_F_* */
};

/* a queue file being written (cleanup) */
struct queue_writer {
	int		fd;
	char		*dir;		/* $queue_directory/QUEUE */
	char		*tmp;		/* the file's path (its id name) */
	char		*final;		/* commit into this directory */
	char		id[QUEUE_ID_MAX];
	struct timeval	ctime;		/* creation time, in the id */
	long long	off;		/* offset of the next record */
	long long	size_off;	/* offset of REC_SIZE */
	struct str	buf;		/* records not yet written */
	int		err;		/* errno of the first failure */
};

/* a queue file being read (qmgr, postcat, mailq, delivery agents) */
struct queue_reader {
	int		fd;		/* -1 after queue_release() */
	int		flags;		/* QUEUE_RDONLY or QUEUE_RDWR */
	char		*qdir, *qname;
	char		id[QUEUE_ID_MAX];
	struct queue_size size;		/* from REC_SIZE */
	long long	off;		/* offset of the next record */
	int		end;		/* REC_END was read */
	int		corrupt;	/* the last failure was the format */
	struct str	err;		/* why the last call failed */
	struct io	*io;
};

/*
 * The records that go before a recipient (REC_ORIG, REC_ORCPT,
 * REC_NOTIFY), gathered by a reader until its REC_RCPT: queue files,
 * agent requests and the defer/bounce logs all carry them.
 */
struct queue_dsn {
	char		*orig;		/* orig_to, or NULL */
	char		*orcpt;		/* "rfc822;x@y", or NULL */
	int		notify;		/* DSN_NOTIFY_* bits; 0: not given */
};

/* queue_get() and queue_io_get() results */
#define QUEUE_REC	1	/* a record */
#define QUEUE_EOF	0	/* clean end (after REC_END; or stream EOF) */
#define QUEUE_IOERR	-1	/* read error */
#define QUEUE_BAD	-2	/* malformed or truncated */

/* queue_open() flags */
#define QUEUE_RDONLY	0
#define QUEUE_RDWR	1	/* queue_mark_done() will be used */

void	queue_make_id(char *, size_t, const struct timeval *,
	    unsigned long long, int);
int	queue_id_ok(const char *);
int	queue_dirs(const char *, const char *, int, struct str *);

void	queue_rec(struct str *, int, const void *, size_t);
void	queue_rec_line(struct str *, const void *, size_t);
int	queue_io_get(struct io *, int *, struct str *, size_t);

struct queue_writer *queue_create(const char *, const char *, int,
	    struct str *);
long long queue_put(struct queue_writer *, int, const void *, size_t);
long long queue_puts(struct queue_writer *, int, const char *);
long long queue_putf(struct queue_writer *, int, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
long long queue_put_line(struct queue_writer *, const void *, size_t);
int	queue_commit(struct queue_writer *, const struct queue_size *,
	    struct str *);
void	queue_abort(struct queue_writer *);
int	queue_incomplete(const char *, const struct stat *);
void	queue_target(struct queue_writer *, const char *, const char *);
int	queue_patch(struct queue_writer *, long long, int);

struct queue_reader *queue_open(const char *, const char *, const char *,
	    int, struct str *);
int	queue_get(struct queue_reader *, int *, struct str *, long long *);
int	queue_mark_done(struct queue_reader *, long long, int);
int	queue_seek(struct queue_reader *, long long);
int	queue_parse_time(const char *, struct timeval *);
int	queue_dsn_get(struct queue_dsn *, int, const char *);
void	queue_dsn_put(struct str *, const char *, const char *, int);
void	queue_dsn_free(struct queue_dsn *);
void	queue_release(struct queue_reader *);
void	queue_close(struct queue_reader *);
int	queue_quarantine(const char *, const char *, const char *,
	    const char *);

#endif

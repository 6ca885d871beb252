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
#include <sys/types.h>

#include "str.h"

/* record types */
#define REC_VERSION	'V'	/* "1": format version, first record */
#define REC_SIZE	'Z'	/* fixed-width: content size, offsets, nrcpt */
#define REC_TIME	'T'	/* arrival time: "SEC.USEC" */
#define REC_FROM	'S'	/* envelope sender; empty for <> */
#define REC_ATTR	'A'	/* "name=value": client, helo, protocol, ... */
#define REC_ORCPT	'O'	/* ORCPT of the next recipient ("rfc822;x@y") */
#define REC_NOTIFY	'N'	/* NOTIFY of the next recipient (DSN bits) */
#define REC_RCPT	'R'	/* a recipient still to deliver */
#define REC_DONE	'D'	/* a recipient delivered or bounced */
#define REC_MESG	'M'	/* the content starts */
#define REC_LINE	'L'	/* a content line, without its line end */
#define REC_PART	'P'	/* a piece of a line continued next record */
#define REC_XTRA	'X'	/* the content ended */
#define REC_WARN	'W'	/* time of the next delay warning */
#define REC_END		'E'	/* the file is complete */

/* DSN NOTIFY bits (REC_NOTIFY holds them as a decimal number) */
#define DSN_NOTIFY_NEVER	1
#define DSN_NOTIFY_SUCCESS	2
#define DSN_NOTIFY_FAILURE	4
#define DSN_NOTIFY_DELAY	8

/* queue names: subdirectories of queue_directory */
#define Q_MAILDROP	"maildrop"
#define Q_INCOMING	"incoming"
#define Q_ACTIVE	"active"
#define Q_DEFERRED	"deferred"
#define Q_HOLD		"hold"
#define Q_CORRUPT	"corrupt"
#define Q_DEFER		"defer"		/* per-message delay reasons */
#define Q_BOUNCE	"bounce"	/* per-message bounce reasons */
#define Q_PRIVATE	"private"	/* unix sockets of internal services */
#define Q_PUBLIC	"public"	/* unix sockets anyone may use */
#define Q_PID		"pid"		/* master.pid and its lock */

#endif

/* MIT licence: see LICENSE. */
/*
 * msgfix.h - the message fix-ups of Postfix's cleanup, shared by the
 * cleanup daemon and by sendmail's relay mode (lib/smtp/relay.c), so that a
 * message gets the same envelope and headers whichever way it leaves:
 * envelope addresses qualified and rewritten; primary headers read as
 * logical headers, counted, their addresses rewritten, Bcc:/Return-Path:/
 * Content-Length: dropped; Received: first, and Message-Id:, Date:,
 * From: (and undisclosed_recipients_header) added when missing; 8-bit
 * content noticed.  Man page: cleanup(8).
 *
 * Use:
 *	memset(&m, 0, sizeof(m)); set the fields above "state";
 *	msgfix_init(&m);
 *	msgfix_sender(&m, ...), msgfix_rcpt(&m, ...)	the envelope
 *	msgfix_begin(&m)				attributes; Received:
 *	msgfix_line(&m, type, data, len) per content record: 1 taken (a
 *	    header), 0 body (the caller writes it)
 *	msgfix_end(&m)					at the content's end
 *	msgfix_free(&m)
 * Output lines go to put(); a failure goes to fail() once, and every
 * call after it does nothing.
 */
#ifndef MTA_MSGFIX_H
#define MTA_MSGFIX_H

#include <stddef.h>
#include <time.h>

#include "../str.h"

struct rewrite;

/* headers seen, for the ones added when missing */
#define MSGFIX_SEEN_DATE	1
#define MSGFIX_SEEN_FROM	2
#define MSGFIX_SEEN_MSGID	4
#define MSGFIX_SEEN_TO		8

struct msgfix {
	/* the caller's, set before msgfix_init() */
	struct rewrite	*rw;		/* cleanup's rewriting */
	const char	*id;		/* queue id: Received:, Message-Id: */
	time_t		when;		/* arrival: Received:, Date: */
	char		**attr;		/* envelope "name=value" attributes */
	size_t		nattr;
	const char	*sender;	/* envelope sender, as rewritten */
	const char	*rcpt1;		/* the only recipient, or NULL */
	void		*ctx;		/* for the callbacks */
	/* one output line, without its line end */
	void		(*put)(void *, const char *, size_t);
	/* header_checks on a logical header: 0 keep (maybe changed), 1 drop */
	int		(*check)(void *, struct str *);
	/* sendmail -t: an address of To:, Cc: or Bcc: (NULL: none) */
	void		(*extract)(void *, const char *);
	/* the message failed: code 4 or 5, "X.Y.Z text" */
	void		(*fail)(void *, int, const char *);
	/* state */
	int		local;		/* no smtpd client: add headers */
	int		hdr_local;	/* rewrite header addresses */
	int		in_hdr;		/* reading the primary headers */
	int		part;		/* the last record was REC_PART */
	int		trunc;		/* the header went over the limit */
	int		seen;		/* MSGFIX_SEEN_* */
	int		hops;		/* Received: headers */
	int		failed;
	int		eightbit;	/* 8-bit content, or declared 8bit */
	struct str	hdr, tmp, tmp2;
};

const char *msgfix_attr(const struct msgfix *, const char *);
void	msgfix_init(struct msgfix *);
int	msgfix_sender(struct msgfix *, const char *, struct str *);
char	**msgfix_rcpt(struct msgfix *, const char *);
void	msgfix_begin(struct msgfix *);
int	msgfix_line(struct msgfix *, int, const char *, size_t);
void	msgfix_end(struct msgfix *);
void	msgfix_free(struct msgfix *);
void	msgfix_stray_cr_lf(char *, size_t);

#endif

/* MIT licence: see LICENSE. */
/*
 * readl.h - logical lines of Postfix-style text files (main.cf, master.cf,
 * lookup tables, aliases).
 */
#ifndef MTA_READL_H
#define MTA_READL_H

#include <stdio.h>

#include "str.h"

struct readl {
	FILE		*fp;
	const char	*path;		/* for messages: "FILE, line N" */
	int		lineno;		/* first line of the last logical line */
	int		next;		/* physical lines read so far */
	size_t		max;		/* longest physical line accepted */
	int		errors;		/* lines rejected so far */
	int		flags;
	struct str	buf;		/* look-ahead physical line */
	int		have;		/* buf holds an unread line */
	int		crlf;		/* a CRLF line was reported */
};

#define READL_KEEP_BLANK	1	/* master.cf-style: blank lines end */
#define READL_NO_CONT		2	/* no continuation lines (aliases of
					 * regexp/cidr patterns keep them) */

void	readl_init(struct readl *, FILE *, const char *, int);
int	readl_next(struct readl *, struct str *);
void	readl_free(struct readl *);

#endif

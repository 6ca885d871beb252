/* MIT licence: see LICENSE. */
/*
 * smtp/generic.h - smtp_generic_maps in the smtp client (generic.c):
 * envelope addresses, and the primary headers of the
 * content as it is sent.  Man page: smtp(8).
 */
#ifndef MTA_SMTP_GENERIC_H
#define MTA_SMTP_GENERIC_H

#include <stddef.h>

#include "../str.h"

/* where smtp_generic_line() sends lines: one line, without its end */
typedef void (*smtp_generic_emit)(void *, const char *, size_t);

struct smtp_generic {
	int		in_headers;	/* still in the primary headers */
	int		have;		/* hdr holds a header */
	struct str	hdr;		/* its lines, joined with '\n' */
	struct str	tmp, out;
};

int	smtp_generic_active(void);
int	smtp_generic_addr(int, const char *, struct str *);
void	smtp_generic_init(struct smtp_generic *);
void	smtp_generic_line(struct smtp_generic *, const char *, size_t,
	    smtp_generic_emit, void *);
void	smtp_generic_end(struct smtp_generic *, smtp_generic_emit, void *);

#endif

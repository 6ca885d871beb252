/* MIT licence: see LICENSE. */
/*
 * hdr.h - message headers: the ones cleanup treats specially, and the
 * RFC 5322 date as Postfix writes it.  Man page: cleanup(8).
 */
#ifndef MTA_HDR_H
#define MTA_HDR_H

#include <time.h>

#include "str.h"

/* what a known header is */
#define H_DROP		1	/* removed from the message */
#define H_SENDER	2	/* addresses of class header_sender */
#define H_RCPT		4	/* addresses of class header_recipient */
#define H_EXTRACT	8	/* sendmail -t takes recipients from it */

struct hdr {
	const char	*name;		/* lower case, without the colon */
	int		flags;
};

const struct hdr *hdr_find(const char *);
void	hdr_date(time_t, struct str *);

#endif

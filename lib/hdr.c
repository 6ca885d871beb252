/* MIT licence: see LICENSE. */
/*
 * hdr.c - message headers: the table of headers cleanup drops or whose
 * addresses it rewrites (Postfix's header_opts.c, the part mta uses), and
 * the date format of Date: and Received: (Postfix's mail_date()).
 *
 * Used by cleanup's header work (msgfix.c: cleanup, sendmail's relay
 * mode), and by whoever writes a Date: (bounces, local), with the
 * caller's privileges.  Man page: cleanup(8).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "hdr.h"
#include "str.h"

/* Return-Path, Bcc and Content-Length go, as in Postfix (HDR_OPT_DROP) */
static const struct hdr hdrs[] = {
	{ "apparently-to",	H_RCPT },
	{ "bcc",		H_RCPT | H_DROP | H_EXTRACT },
	{ "cc",			H_RCPT | H_EXTRACT },
	{ "content-length",	H_DROP },
	{ "errors-to",		H_SENDER },
	{ "from",		H_SENDER },
	{ "reply-to",		H_SENDER },
	{ "resent-bcc",		H_RCPT | H_DROP },
	{ "resent-cc",		H_RCPT },
	{ "resent-from",	H_SENDER },
	{ "resent-reply-to",	H_SENDER },
	{ "resent-sender",	H_SENDER },
	{ "resent-to",		H_RCPT },
	{ "return-path",	H_DROP },
	{ "return-receipt-to",	H_SENDER },
	{ "sender",		H_SENDER },
	{ "to",			H_RCPT | H_EXTRACT },
};

/* hdr_find - the entry of the header that starts h ("To: ..."), or NULL */
const struct hdr *
hdr_find(const char *h)
{
	size_t n = strcspn(h, ": \t"), i;

	for (i = 0; i < sizeof(hdrs) / sizeof(hdrs[0]); i++)
		if (strlen(hdrs[i].name) == n &&
		    strncasecmp(hdrs[i].name, h, n) == 0)
			return &hdrs[i];
	return NULL;
}

/*
 * hdr_date - append "Thu,  1 Aug 2019 19:52:59 +0200 (CEST)": local
 * time, day of month space-padded, as Postfix's mail_date()
 */
void
hdr_date(time_t t, struct str *out)
{
	struct tm tm;
	char buf[128];
	long off;

	localtime_r(&t, &tm);
	off = tm.tm_gmtoff / 60;
	strftime(buf, sizeof(buf), "%a, %e %b %Y %H:%M:%S ", &tm);
	str_adds(out, buf);
	str_addf(out, "%c%02ld%02ld", off < 0 ? '-' : '+',
	    (off < 0 ? -off : off) / 60, (off < 0 ? -off : off) % 60);
	strftime(buf, sizeof(buf), " (%Z)", &tm);
	str_adds(out, buf);
}

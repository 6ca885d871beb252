/* MIT licence: see LICENSE. */
/*
 * smtp/generic.c - smtp_generic_maps (generic(5)): the smtp client's
 * mapping of local addresses to ones valid on the Internet, as mail
 * leaves: the envelope (MAIL FROM, RCPT TO) and the addresses in the
 * primary message headers (From:, To:, Cc:, Reply-To:, ...).  The queue
 * file and the log keep the original addresses.  Lookups are generic(5)'s
 * (user@domain, user for local domains, @domain), done by
 * lib/rewrite/rewrite.c.
 *
 * Run inside the smtp and lmtp agents (as mail_owner) and the sendmail
 * command's relay mode, which stands in for them.  Man page: smtp(8).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../conf.h"
#include "../hdr.h"
#include "../log.h"
#include "../rewrite/rewrite.h"
#include "../x.h"
#include "generic.h"

static struct rewrite *rw;
static int opened;

/* the tables, opened once per process; NULL: no smtp_generic_maps */
static struct rewrite *
tables(void)
{
	if (!opened) {
		opened = 1;
		rw = rewrite_init_generic(P_smtp_generic_maps);
	}
	return rw;
}

/* smtp_generic_active - smtp_generic_maps is set */
int
smtp_generic_active(void)
{
	return tables() != NULL;
}

/*
 * smtp_generic_addr - the envelope address in (class RW_ENV_SENDER or
 * RW_ENV_RCPT) as it leaves, in out; 0, or -1 on a table error (logged)
 */
int
smtp_generic_addr(int class, const char *in, struct str *out)
{
	if (tables() == NULL || *in == 0) {
		str_set(out, in);
		return 0;
	}
	if (rewrite_addr(rw, class, in, out) < 0) {
		warn("smtp_generic_maps: %s", rewrite_error(rw));
		return -1;
	}
	return 0;
}

/* smtp_generic_init - a message's header state, before its first line */
void
smtp_generic_init(struct smtp_generic *g)
{
	memset(g, 0, sizeof(*g));
	str_init(&g->hdr);
	str_init(&g->tmp);
	str_init(&g->out);
	g->in_headers = 1;
}

/* the header gathered so far, rewritten when it holds addresses */
static void
flush(struct smtp_generic *g, smtp_generic_emit emit, void *ctx)
{
	const struct hdr *hd;
	const char *v, *p, *nl;
	size_t n;
	int class, r;

	if (!g->have)
		return;
	g->have = 0;
	p = g->hdr.s;
	hd = hdr_find(p);
	class = hd == NULL ? 0 : hd->flags & H_SENDER ? RW_HDR_SENDER :
	    hd->flags & H_RCPT ? RW_HDR_RCPT : 0;
	if (class) {
		n = strcspn(p, ":");
		v = p + n + (p[n] == ':');
		r = rewrite_header(rw, class, 0, v, &g->tmp);
		if (r < 0)
			warn("smtp_generic_maps: %s", rewrite_error(rw));
		if (r > 0) {
			str_setmem(&g->out, p, (size_t)(v - p));
			str_adds(&g->out, g->tmp.s);
			p = g->out.s;
		}
	}
	while ((nl = strchr(p, '\n')) != NULL) {
		emit(ctx, p, (size_t)(nl - p));
		p = nl + 1;
	}
	emit(ctx, p, strlen(p));
}

/*
 * smtp_generic_line - one content line on its way out: in the primary
 * headers it is held until the header is complete, then passed to emit
 * (rewritten when smtp_generic_maps changes its addresses); after them,
 * at once
 */
void
smtp_generic_line(struct smtp_generic *g, const char *line, size_t len,
    smtp_generic_emit emit, void *ctx)
{
	if (!g->in_headers || tables() == NULL) {
		emit(ctx, line, len);
		return;
	}
	if (len > 0 && (line[0] == ' ' || line[0] == '\t') && g->have) {
		str_addc(&g->hdr, '\n');
		str_addmem(&g->hdr, line, len);
		return;
	}
	flush(g, emit, ctx);
	if (len == 0 || memchr(line, ':', len) == NULL) {
		/* the end of the headers, or a line that is none */
		g->in_headers = 0;
		emit(ctx, line, len);
		return;
	}
	str_setmem(&g->hdr, line, len);
	g->have = 1;
}

/* smtp_generic_end - the content ended: pass what is held, free g */
void
smtp_generic_end(struct smtp_generic *g, smtp_generic_emit emit, void *ctx)
{
	if (emit)
		flush(g, emit, ctx);
	str_free(&g->hdr);
	str_free(&g->tmp);
	str_free(&g->out);
}

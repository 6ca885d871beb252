/* MIT licence: see LICENSE. */
/*
 * readl.c - read Postfix-style logical lines.
 *
 * Every applet that reads main.cf or a table.  As Postfix's readllines():
 * a logical line starts with a non-blank; a line that starts with white
 * space continues it; comment lines (first non-blank is '#') and blank
 * lines are skipped, also inside a continuation.  Hostile input is
 * reported, never crashed on: a NUL byte, a line longer than the limit
 * (the line is dropped), a CR before the LF (stripped; said once per
 * file), and invalid UTF-8 each get a warning naming file and line.
 */
#include <string.h>

#include "log.h"
#include "readl.h"
#include "str.h"

#include "../config.h"

/* readl_init - read logical lines from fp; path names it in messages */
void
readl_init(struct readl *rp, FILE *fp, const char *path, int flags)
{
	memset(rp, 0, sizeof(*rp));
	rp->fp = fp;
	rp->path = path;
	rp->flags = flags;
	rp->max = CONF_LINE_MAX;
	str_init(&rp->buf);
}

/* readl_free - release the look-ahead buffer (the FILE is the caller's) */
void
readl_free(struct readl *rp)
{
	str_free(&rp->buf);
}

static int
utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0, k, more;
	unsigned c;

	while (i < n) {
		c = s[i++];
		if (c < 0x80)
			continue;
		if (c >= 0xc2 && c <= 0xdf)
			more = 1;
		else if (c >= 0xe0 && c <= 0xef)
			more = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			more = 3;
		else
			return 0;
		for (k = 0; k < more; k++, i++)
			if (i >= n || (s[i] & 0xc0) != 0x80)
				return 0;
	}
	return 1;
}

/*
 * physical - read one physical line into rp->buf, without its newline.
 * Returns 1, 0 at end of file, -1 on a read error.  Bad lines are
 * reported here and returned empty, so they end up skipped.
 */
static int
physical(struct readl *rp)
{
	char chunk[256];
	size_t n = 0;
	int c;
	int nul = 0, toolong = 0;

	/* bytes go through a small chunk: one append per 256, not per byte */
	str_reset(&rp->buf);
	while ((c = getc_unlocked(rp->fp)) != EOF && c != '\n') {
		if (c == 0) {
			nul = 1;
			continue;
		}
		if (rp->buf.len + n >= rp->max) {
			toolong = 1;
			continue;
		}
		chunk[n++] = (char)c;
		if (n == sizeof(chunk)) {
			str_addmem(&rp->buf, chunk, n);
			n = 0;
		}
	}
	str_addmem(&rp->buf, chunk, n);
	if (ferror(rp->fp))
		return -1;
	if (c == EOF && rp->buf.len == 0 && !nul && !toolong)
		return 0;
	rp->next++;
	if (rp->buf.len && rp->buf.s[rp->buf.len - 1] == '\r') {
		str_trunc(&rp->buf, rp->buf.len - 1);
		if (!rp->crlf)
			warn("%s, line %d: CRLF line ending: the CR is "
			    "ignored (said once per file)", rp->path, rp->next);
		rp->crlf = 1;
	}
	if (toolong) {
		warn("%s, line %d: line longer than %zu bytes: skipped",
		    rp->path, rp->next, rp->max);
		rp->errors++;
		str_reset(&rp->buf);
	} else if (nul) {
		warn("%s, line %d: NUL byte in line: skipped", rp->path,
		    rp->next);
		rp->errors++;
		str_reset(&rp->buf);
	} else if (!utf8_ok((unsigned char *)rp->buf.s, rp->buf.len)) {
		warn("%s, line %d: invalid UTF-8 in line", rp->path, rp->next);
	}
	return 1;
}

static int
blank_or_comment(const struct str *sp)
{
	const char *p = str_skipws(sp->s);

	return *p == 0 || *p == '#';
}

/*
 * readl_next - the next logical line, continuation lines appended as
 * written (only the newline goes), as Postfix's readllines() does.  Returns 1, 0 at the
 * end, -1 on a read error.  rp->lineno is where the logical line began.
 */
int
readl_next(struct readl *rp, struct str *line)
{
	int r;

	str_reset(line);
	for (;;) {
		if (!rp->have && (r = physical(rp)) <= 0)
			return r == 0 && line->len ? 1 : r;
		rp->have = 0;
		if (blank_or_comment(&rp->buf)) {
			if ((rp->flags & READL_KEEP_BLANK) && line->len)
				return 1;
			continue;
		}
		if (rp->buf.s[0] == ' ' || rp->buf.s[0] == '\t') {
			if (line->len == 0 || (rp->flags & READL_NO_CONT)) {
				/* Postfix: text without a logical line */
				str_addmem(line, rp->buf.s, rp->buf.len);
				rp->lineno = rp->next;
				if (rp->flags & READL_NO_CONT)
					return 1;
				continue;
			}
			str_addmem(line, rp->buf.s, rp->buf.len);
			continue;
		}
		if (line->len) {
			rp->have = 1;
			return 1;
		}
		str_addmem(line, rp->buf.s, rp->buf.len);
		rp->lineno = rp->next;
	}
}

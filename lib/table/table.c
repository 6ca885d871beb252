/* MIT licence: see LICENSE. */
/*
 * table.c - the text form of lookup tables: "key whitespace value".
 *
 * Used by postmap (building a table, with the caller's privileges or the
 * source file owner's) and by texthash: tables (in whichever process opens
 * them).  As Postfix's postmap: logical lines come from readl (comments,
 * continuation lines, hostile bytes reported by file and line); the key
 * ends at the first white space outside double quotes, and keeps its
 * quotes and backslashes, so that "user name"@example.com can be a key;
 * the value is the rest, trimmed.  Man page: postmap(1).
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "../log.h"
#include "../readl.h"
#include "../str.h"
#include "table.h"

/* table_split - split a logical line in place into key and value */
int
table_split(char *line, char **keyp, char **valp)
{
	char *key, *p, *end;
	int inq = 0;

	key = str_skipws(line);
	for (p = key; *p; p++) {
		if (*p == '\\') {
			if (*++p == 0)
				break;
		} else if (isspace((unsigned char)*p)) {
			if (!inq)
				break;
		} else if (*p == '"') {
			inq = !inq;
		}
	}
	if (inq)
		return TABLE_UNBALANCED;
	if (*p)
		*p++ = 0;
	p = str_skipws(p);
	end = p + strlen(p);
	while (end > p && isspace((unsigned char)end[-1]))
		*--end = 0;
	if (*key == 0 || *p == 0)
		return TABLE_NOVALUE;
	*keyp = key;
	*valp = p;
	return TABLE_OK;
}

/* entry - one logical line: split, report or hand to fn */
static int
entry(struct str *line, const char *path, int lineno, int flags,
    table_fn fn, void *ctx)
{
	char *key, *val;

	struct str shown = STR_INIT;
	size_t i;

	switch (table_split(line->s, &key, &val)) {
	case TABLE_UNBALANCED:
		/* as Postfix's log: control characters show as '?' */
		str_setmem(&shown, line->s, line->len);
		for (i = 0; i < shown.len; i++)
			if ((unsigned char)shown.s[i] < 0x20 ||
			    shown.s[i] == 0x7f)
				shown.s[i] = '?';
		warn("%s, line %d: unbalanced '\"' in '%s' -- ignoring this "
		    "line", path, lineno, shown.s);
		str_free(&shown);
		return 0;
	case TABLE_NOVALUE:
		warn("%s, line %d: expected format: key whitespace value%s",
		    path, lineno, (flags & TABLE_TEXTHASH) ?
		    " -- ignoring this line" : "");
		return 0;
	}
	if (key[strlen(key) - 1] == ':')
		warn("%s, line %d: record is in \"key: value\" format; is "
		    "this an alias file?", path, lineno);
	if (flags & TABLE_FOLD)
		str_lcase(key);
	return fn(ctx, key, val, lineno);
}

/*
 * table_read - call fn for each entry of a table source file.  Bad lines
 * are reported and skipped, as Postfix does.  Returns 0, or -1 when fn
 * asked to stop or the file could not be read (errno says why).
 */
int
table_read(FILE *fp, const char *path, int flags, table_fn fn, void *ctx)
{
	struct readl rl;
	struct str line = STR_INIT;
	int r, ret = 0;

	readl_init(&rl, fp, path, 0);
	while ((r = readl_next(&rl, &line)) > 0) {
		if (entry(&line, path, rl.lineno, flags, fn, ctx) < 0) {
			ret = -1;
			break;
		}
	}
	if (r < 0) {
		if (errno == 0)
			errno = EIO;
		ret = -1;
	}
	readl_free(&rl);
	str_free(&line);
	return ret;
}

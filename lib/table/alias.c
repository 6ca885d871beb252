/* MIT licence: see LICENSE. */
/*
 * alias.c - aliases(5) text.
 *
 * Run by postalias and newaliases (the caller's privileges) to turn an
 * aliases file into name/value pairs, and by the local delivery agent to
 * split a stored value into destinations.  Man page: aliases(5).
 *
 * Postfix does not store the value as written: it cuts the logical line
 * into RFC 822 tokens, takes the name from the tokens before the first
 * ':' and writes the tokens after it back out in quoted form, with its
 * own spacing ("a,b" is stored as "a, b", "x : y" as "x:y").  A table is
 * only interchangeable with Postfix's when the same bytes are stored, so
 * this file carries a small copy of that tokenizer (tok822_scan) and of
 * its two printers (tok822_externalize for values, tok822_internalize for
 * names and for the destinations of alias_split).
 */
#include <sys/stat.h>
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "../conf.h"
#include "../log.h"
#include "../priv.h"
#include "../readl.h"
#include "../str.h"
#include "../x.h"
#include "alias.h"
#include "dict.h"

/* token types; operators are their own character */
#define T_ATOM		256
#define T_QSTRING	257
#define T_COMMENT	258	/* kept with its parentheses */
#define T_DOMLIT	259	/* kept without its brackets */

/* Postfix's tok822_opchar: RFC 822 specials plus | % ! */
static const char opchars[] = "|%!()<>@,;:\\\".[]";

struct tok {
	int		type;
	char		*text;	/* NULL for operators */
};

struct toks {
	struct tok	*v;
	size_t		n, cap;
};

static void
toks_add(struct toks *tl, int type, struct str *text)
{
	if (tl->n == tl->cap) {
		tl->cap = tl->cap ? tl->cap * 2 : 16;
		tl->v = xreallocarray(tl->v, tl->cap, sizeof(*tl->v));
	}
	tl->v[tl->n].type = type;
	tl->v[tl->n].text = text ? xstrndup(text->s, text->len) : NULL;
	tl->n++;
}

static void
toks_free(struct toks *tl)
{
	size_t i;

	for (i = 0; i < tl->n; i++)
		free(tl->v[i].text);
	free(tl->v);
	tl->v = NULL;
	tl->n = tl->cap = 0;
}

static int
is_space(int c)
{
	return c < 0x80 && isspace(c);
}

static int
is_op(int c)
{
	return c != 0 && strchr(opchars, c) != NULL;
}

/*
 * collect - gather bytes while ok(c) holds; a backslash quotes the next
 * byte and is dropped; quoted white space becomes a space (COLLECT).
 */
static const char *
collect(const char *s, struct str *out, int stop, int atom)
{
	int c;

	while ((c = (unsigned char)*s) != 0) {
		if (c == '\\') {
			if ((c = (unsigned char)*++s) == 0)
				break;
		} else if (atom ? (is_space(c) || is_op(c)) : c == stop) {
			break;
		}
		str_addc(out, c == '\t' || c == '\r' || c == '\n' ? ' ' : c);
		s++;
	}
	return s;
}

/* tokenize - Postfix's tok822_scan, without the tree */
static void
tokenize(const char *s, struct toks *tl)
{
	struct str buf = STR_INIT;
	int c, level;
	size_t i;

	str_init(&buf);
	while ((c = (unsigned char)*s++) != 0) {
		if (is_space(c))
			continue;
		str_reset(&buf);
		if (c == '(') {
			/* comments nest and are kept in external form */
			str_addc(&buf, c);
			level = 1;
			while ((c = (unsigned char)*s) != 0) {
				str_addc(&buf, c);
				s++;
				if (c == '(') {
					level++;
				} else if (c == ')') {
					if (--level == 0)
						break;
				} else if (c == '\\') {
					if ((c = (unsigned char)*s) == 0)
						break;
					str_addc(&buf, c);
					s++;
				}
			}
			toks_add(tl, T_COMMENT, &buf);
		} else if (c == '[') {
			s = collect(s, &buf, ']', 0);
			if (*s)
				s++;
			toks_add(tl, T_DOMLIT, &buf);
		} else if (c == '"') {
			s = collect(s, &buf, '"', 0);
			if (*s)
				s++;
			toks_add(tl, T_QSTRING, &buf);
		} else if (c != '\\' && is_op(c)) {
			toks_add(tl, c, NULL);
		} else {
			s = collect(s - 1, &buf, 0, 1);
			/* an atom that needs quotes becomes a quoted string */
			c = T_ATOM;
			for (i = 0; i < buf.len; i++)
				if (buf.s[i] == ' ' || is_op(buf.s[i]) ||
				    ((unsigned char)buf.s[i] < 0x80 &&
				    iscntrl((unsigned char)buf.s[i])))
					c = T_QSTRING;
			toks_add(tl, c, &buf);
		}
	}
	str_free(&buf);
}

static int
non_op(int type)
{
	return type == T_ATOM || type == T_QSTRING || type == T_COMMENT ||
	    type == T_DOMLIT;
}

/* space_after - tok822_append_space: where Postfix puts a blank */
static int
space_after(const struct tok *v, size_t i, size_t end)
{
	if (i + 1 >= end)
		return 0;
	if (v[i].type == ',' || v[i + 1].type == '<')
		return 1;
	return non_op(v[i].type) && non_op(v[i + 1].type);
}

static void
add_quoted(struct str *out, const char *s, const char *special)
{
	for (; *s; s++) {
		if (strchr(special, *s))
			str_addc(out, '\\');
		str_addc(out, *s);
	}
}

/* externalize - tok822_externalize: the quoted form Postfix stores */
static void
externalize(struct str *out, const struct tok *v, size_t beg, size_t end)
{
	size_t i;

	for (i = beg; i < end; i++) {
		switch (v[i].type) {
		case T_ATOM:
			add_quoted(out, v[i].text, "\\\r\n");
			break;
		case T_QSTRING:
			str_addc(out, '"');
			add_quoted(out, v[i].text, "\"\\\r\n");
			str_addc(out, '"');
			break;
		case T_DOMLIT:
			str_addc(out, '[');
			add_quoted(out, v[i].text, "\\\r\n");
			str_addc(out, ']');
			break;
		case T_COMMENT:
			str_adds(out, v[i].text);
			break;
		case '<':
			if (i + 1 < end && v[i + 1].type == '>') {
				str_adds(out, "<>");
				i++;
				continue;
			}
			/* FALLTHROUGH */
		default:
			str_addc(out, v[i].type);
			break;
		}
		if (space_after(v, i, end))
			str_addc(out, ' ');
	}
}

/* internalize - tok822_internalize: the unquoted form */
static void
internalize(struct str *out, const struct tok *v, size_t beg, size_t end)
{
	size_t i;

	for (i = beg; i < end; i++) {
		switch (v[i].type) {
		case T_ATOM:
		case T_QSTRING:
		case T_COMMENT:
			str_adds(out, v[i].text);
			break;
		case T_DOMLIT:
			str_addc(out, '[');
			str_adds(out, v[i].text);
			str_addc(out, ']');
			break;
		default:
			str_addc(out, v[i].type);
			break;
		}
		if (space_after(v, i, end))
			str_addc(out, ' ');
	}
}

/*
 * alias_line - split one logical aliases(5) line into its name (internal
 * form, case kept) and value (Postfix's stored form).  Returns ALIAS_OK,
 * ALIAS_NOPAIR or ALIAS_NOTLOCAL, with Postfix's rules: the name is what
 * precedes the first ':' outside quotes; it must be there, hold no ','
 * and no '@' or '%'; the value must not be empty.
 */
int
alias_line(const char *line, struct str *name, struct str *value)
{
	struct toks tl = { NULL, 0, 0 };
	size_t colon, i;
	int r = ALIAS_OK;

	str_reset(name);
	str_reset(value);
	tokenize(line, &tl);
	for (colon = 0; colon < tl.n; colon++)
		if (tl.v[colon].type == ':')
			break;
	if (colon == tl.n || colon == 0 || colon + 1 == tl.n) {
		r = ALIAS_NOPAIR;
		goto out;
	}
	for (i = 0; i < colon; i++)
		if (tl.v[i].type == ',') {
			r = ALIAS_NOPAIR;
			goto out;
		}
	for (i = 0; i < colon; i++)
		if (tl.v[i].type == '@' || tl.v[i].type == '%') {
			r = ALIAS_NOTLOCAL;
			goto out;
		}
	internalize(name, tl.v, 0, colon);
	externalize(value, tl.v, colon + 1, tl.n);
out:
	toks_free(&tl);
	return r;
}

/*
 * alias_parse - read aliases(5) text from fp (path names it in
 * messages) and call fn(ctx, name, value, lineno) for each entry, in file
 * order, the name folded to lower case unless flags has ALIAS_NOFOLD.
 * Bad lines get Postfix's warnings and are skipped; repeated names are
 * passed on (the table writer warns, as Postfix's does).  Returns 0, -1
 * on a read error (errno set) or when fn returns non-zero.
 */
int
alias_parse(FILE *fp, const char *path, int flags, alias_fn fn, void *ctx)
{
	struct readl rl;
	struct str line = STR_INIT, name = STR_INIT, value = STR_INIT;
	int r, ret = 0;

	readl_init(&rl, fp, path, 0);
	str_init(&line);
	str_init(&name);
	str_init(&value);
	while ((r = readl_next(&rl, &line)) > 0) {
		if (is_space((unsigned char)line.s[0])) {
			warn("%s: logical line must not start with whitespace: "
			    "\"%.30s%s\"", path, line.s,
			    line.len > 30 ? "..." : "");
			continue;
		}
		switch (alias_line(line.s, &name, &value)) {
		case ALIAS_NOPAIR:
			warn("%s, line %d: need name:value pair", path,
			    rl.lineno);
			continue;
		case ALIAS_NOTLOCAL:
			warn("%s, line %d: name must be local", path,
			    rl.lineno);
			continue;
		}
		if (!(flags & ALIAS_NOFOLD))
			str_lower(&name);
		if (fn(ctx, name.s, value.s, rl.lineno) != 0) {
			ret = -1;
			break;
		}
	}
	if (r < 0)
		ret = -1;
	str_free(&line);
	str_free(&name);
	str_free(&value);
	readl_free(&rl);
	return ret;
}

/* add_dest - internalize tokens [beg, end) less comments into the list */
static void
add_dest(char ***list, size_t *n, const struct tok *v, size_t beg,
    size_t end)
{
	struct toks tl = { NULL, 0, 0 };
	struct str s = STR_INIT;
	size_t i, lt = end, gt = end;

	/* "Phrase <addr>": the address is what the brackets hold */
	for (i = beg; i < end; i++)
		if (v[i].type == '<') {
			lt = i;
			break;
		}
	if (lt < end) {
		for (i = lt + 1; i < end; i++)
			if (v[i].type == '>') {
				gt = i;
				break;
			}
		beg = lt + 1;
		end = gt;
	}
	for (i = beg; i < end; i++) {
		if (v[i].type == T_COMMENT)
			continue;
		if (tl.n == tl.cap) {
			tl.cap = tl.cap ? tl.cap * 2 : 8;
			tl.v = xreallocarray(tl.v, tl.cap, sizeof(*tl.v));
		}
		tl.v[tl.n++] = v[i];	/* borrowed: not freed below */
	}
	str_init(&s);
	internalize(&s, tl.v, 0, tl.n);
	free(tl.v);
	if (s.len == 0) {
		str_free(&s);
		return;
	}
	/*
	 * An address with a control character (a CR from a .forward or
	 * :include: file, a quoted ESC) would reach the queue file and the
	 * next hop's RCPT TO: refused here, for local(8) and the virtual
	 * alias expansion alike.  Commands and files are the owner's own.
	 */
	if (alias_kind(s.s) == ALIAS_K_ADDR)
		for (i = 0; i < s.len; i++)
			if ((unsigned char)s.s[i] < 0x20 || s.s[i] == 0x7f) {
				warn("address with a control character in an "
				    "alias or forward list: ignored");
				str_free(&s);
				return;
			}
	*list = xreallocarray(*list, *n + 2, sizeof(**list));
	(*list)[(*n)++] = str_steal(&s);
	(*list)[*n] = NULL;
}

/*
 * alias_split - the destinations of a stored alias value, unquoted as
 * Postfix's local(8) sees them: commas inside quotes do not split,
 * comments and "Phrase <...>" wrappers go, `"|cmd arg"` becomes
 * `|cmd arg`.  Returns a NULL-terminated list (free with
 * alias_list_free()); *np gets the count when np is not NULL.
 */
char **
alias_split(const char *value, size_t *np)
{
	struct toks tl = { NULL, 0, 0 };
	char **list;
	size_t n = 0, i, beg = 0;

	list = xcalloc(1, sizeof(*list));
	tokenize(value, &tl);
	for (i = 0; i <= tl.n; i++) {
		if (i < tl.n && tl.v[i].type != ',')
			continue;
		add_dest(&list, &n, tl.v, beg, i);
		beg = i + 1;
	}
	toks_free(&tl);
	if (np)
		*np = n;
	return list;
}

/* alias_list_free - release a list from alias_split() */
void
alias_list_free(char **list)
{
	size_t i;

	if (list == NULL)
		return;
	for (i = 0; list[i]; i++)
		free(list[i]);
	free(list);
}

/* alias_kind - what a destination from alias_split() names */
int
alias_kind(const char *dest)
{
	if (dest[0] == '/')
		return ALIAS_K_FILE;
	if (dest[0] == '|')
		return ALIAS_K_PIPE;
	if (strncasecmp(dest, ":include:", 9) == 0)
		return ALIAS_K_INCLUDE;
	return ALIAS_K_ADDR;
}

static int
put_one(void *ctx, const char *name, const char *value, int lineno)
{
	(void)lineno;
	return dict_put(ctx, name, strlen(name), value, strlen(value)) < 0;
}

/*
 * put_signatures - what Postfix's postalias appends: "@" -> "@", which
 * tells sendmail-style NIS clients that the table is complete, and the
 * NIS time stamp and master name (Debian's Postfix is built with NIS).
 */
static int
put_signatures(struct dict_writer *w)
{
	char stamp[32];
	const char *host = conf_str(P_myhostname);

	if (dict_put(w, "@", 1, "@", 1) < 0)
		return -1;
	snprintf(stamp, sizeof(stamp), "%010lld", (long long)time(NULL));
	if (dict_put(w, "YP_LAST_MODIFIED", 16, stamp, strlen(stamp)) < 0)
		return -1;
	if (host && *host &&
	    dict_put(w, "YP_MASTER_NAME", 14, host, strlen(host)) < 0)
		return -1;
	return 0;
}

/*
 * alias_build - postalias's job for one [type:]file: read the aliases
 * text FILE and replace FILE.cdb with its entries, atomically (a reader
 * sees the old table or the new one).  dflags are the writer's
 * (DICT_TRY1NUL for postalias -N, DICT_DUP_*); aflags ALIAS_*.  As
 * Postfix, root builds the table as the owner of the text file unless
 * ALIAS_KEEPPRIV, and the table gets the text file's permissions unless
 * ALIAS_NOPERM.  Returns 0, or -1 after an error message naming the file.
 */
int
alias_build(const char *spec, int dflags, int aflags)
{
	struct dict_writer *w = NULL;
	struct str err = STR_INIT;
	struct stat st;
	char *type = NULL, *name = NULL;
	FILE *fp = NULL;
	int ret = -1, su = 0;

	str_init(&err);
	if (dict_split(spec, &type, &name) < 0) {
		error("open dictionary: expecting \"type:name\" form instead "
		    "of \"%s\"", spec);
		goto out;
	}
	if ((fp = priv_fopen(name)) == NULL || fstat(fileno(fp), &st) < 0) {
		error("open %s: %s", name, strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		error("open %s: %s", name, strerror(EISDIR));
		goto out;
	}
	if (!(aflags & ALIAS_KEEPPRIV) && geteuid() == 0 && st.st_uid != 0) {
		if (setgroups(1, &st.st_gid) < 0 || setegid(st.st_gid) < 0 ||
		    seteuid(st.st_uid) < 0) {
			error("set effective uid %ld: %s", (long)st.st_uid,
			    strerror(errno));
			goto out;
		}
		su = 1;
	}
	if ((w = dict_create(spec, dflags & ~DICT_FOLD, &err)) == NULL) {
		error("%s", err.s);
		goto out;
	}
	if (alias_parse(fp, name, aflags, put_one, w) < 0) {
		if (ferror(fp))
			error("read %s: %s", name, strerror(errno));
		goto out;
	}
	if (put_signatures(w) < 0)
		goto out;
	/* on the descriptor: by name, root could chmod a link's target */
	if (!(aflags & ALIAS_NOPERM))
		dict_writer_mode(w, st.st_mode & 0777);
	ret = dict_commit(w, &err);
	w = NULL;
	if (ret < 0) {
		error("%s", err.s);
		goto out;
	}
out:
	if (w)
		dict_abort(w);
	if (su && (seteuid(0) < 0 || setegid(0) < 0))
		die("cannot restore root privileges:");
	if (fp)
		fclose(fp);
	str_free(&err);
	free(type);
	free(name);
	return ret;
}

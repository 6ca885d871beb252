/* MIT licence: see LICENSE. */
/*
 * dict_regexp.c - regexp: tables, POSIX regular expressions (TRE).
 *
 * Any process that looks up a regexp: table (smtpd, cleanup, trivial-
 * rewrite, postmap), with its privileges; the file is read once at open.
 * As Postfix's dict_regexp.c: rules "/pattern/flags result" and
 * "!/pattern/ result", "if /pattern/" ... "endif" blocks that nest, $n
 * substitution, first match wins, the key is not folded.  A rule that
 * cannot be used (bad pattern, bad flag, bad $n) is, as in Postfix, a
 * warning "regexp map FILE, line N: ...: skipping this rule" and the rest
 * of the table works; `postfix check` lists every such line.  An IF whose
 * pattern cannot be used never matches, so the rules it guards are
 * skipped with it (Postfix drops the IF alone, which lets them match
 * unguarded and pairs its ENDIF with an outer IF).  Man page:
 * regexp_table(5).
 *
 * TRE is called by its own names (tre_regcomp ...) so that it is TRE, not
 * the C library's regex, that gets linked; do not include <regex.h>.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <tre.h>

#include "../log.h"
#include "../priv.h"
#include "../readl.h"
#include "../str.h"
#include "../x.h"
#include "dict.h"

#define OP_MATCH	0
#define OP_IF		1
#define OP_ENDIF	2

struct rule {
	int		op;
	int		lineno;
	int		match;		/* 0 for "!/pattern/" */
	int		compiled;	/* re holds a compiled pattern; an
					 * OP_IF without one never matches */
	regex_t		re;
	size_t		max_sub;	/* highest $n in the result */
	char		*result;	/* OP_MATCH */
	size_t		skip;		/* OP_IF: its ENDIF */
};

struct retab {
	struct rule	*r;
	size_t		n;
	size_t		cap;
	regmatch_t	*pm;		/* largest max_sub + 1 entries */
	size_t		npm;
};

/* the parser's state for one open */
struct load {
	const char	*path;
	int		lineno;
	size_t		*stack;		/* indices of open IFs */
	size_t		depth;
	int		flags;		/* dict_open() flags */
};

static void
fatal_at(struct load *lp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * fatal_at - the rule of this line cannot be used (fatal for the rule,
 * not the table): "regexp map FILE, line N: text: skipping this rule"
 */
static void
fatal_at(struct load *lp, const char *fmt, ...)
{
	struct str msg = STR_INIT;
	va_list ap;

	va_start(ap, fmt);
	str_vaddf(&msg, fmt, ap);
	va_end(ap);
	dict_warn("regexp", lp->path, lp->lineno, "%s: skipping this rule",
	    msg.s);
	str_free(&msg);
}

/*
 * ref_parse - one "$" reference at *sp (which points at the '$' and is
 * not "$$"), in Postfix's mac_parse() syntax: $name, ${name}, $(name);
 * the name must be a number of 1 or more.  Advances *sp past it.
 * Returns 0 with the number in *np, or -1 with the reason in why.
 */
static int
ref_parse(const char **sp, size_t *np, struct str *why)
{
	const char *s = *sp + 1, *name, *end;
	size_t n, len;
	int level;

	if (*s == '{' || *s == '(') {
		int open = *s, close = open == '{' ? '}' : ')';

		name = ++s;
		for (level = 1; level > 0; s++) {
			if (*s == 0) {
				str_set(why, "truncated $ reference");
				return -1;
			}
			if (*s == open)
				level++;
			else if (*s == close)
				level--;
		}
		end = s - 1;
	} else {
		name = s;
		while (isalnum((unsigned char)*s) || *s == '_')
			s++;
		end = s;
	}
	len = (size_t)(end - name);
	if (len == 0) {
		str_set(why, "empty name after $ (write $$ for a $)");
		return -1;
	}
	if (strspn(name, "0123456789") < len) {
		str_reset(why);
		str_addf(why, "non-numeric replacement index \"%.*s\"",
		    (int)len, name);
		return -1;
	}
	for (n = 0; name < end && n < 100000; name++)
		n = n * 10 + (size_t)(*name - '0');
	if (n < 1) {
		str_set(why, "out-of-range replacement index \"0\"");
		return -1;
	}
	*np = n;
	*sp = s;
	return 0;
}

/* prescan - check a result's $ references; the highest in *maxp */
static int
prescan(const char *s, size_t *maxp, struct str *why)
{
	size_t n;

	*maxp = 0;
	while ((s = strchr(s, '$')) != NULL) {
		if (s[1] == '$') {
			s += 2;
			continue;
		}
		if (ref_parse(&s, &n, why) < 0)
			return -1;
		if (n > *maxp)
			*maxp = n;
	}
	return 0;
}

/*
 * get_pat - "[!...]/pattern/flags" at *pp: the negations, the pattern
 * (any non-alphanumeric delimiter; a backslash hides the next byte),
 * and the flags, each of which toggles a default: i (REG_ICASE, on),
 * x (REG_EXTENDED, on), m (REG_NEWLINE, off).  Leaves *pp after the
 * white space that follows.  The pattern is cut out of the line.
 */
static int
get_pat(struct load *lp, char **pp, char **patp, int *matchp, int *optp)
{
	char *p = *pp, delim;

	*matchp = 1;
	for (;; p++) {
		if (*p == '!')
			*matchp = !*matchp;
		else if (!isspace((unsigned char)*p))
			break;
	}
	if (*p == 0) {
		fatal_at(lp, "no regexp");
		return -1;
	}
	delim = *p++;
	*patp = p;
	while (*p) {
		if (*p == '\\') {
			if (p[1] == 0)
				break;
			p++;
		} else if (*p == delim)
			break;
		p++;
	}
	if (*p == 0) {
		fatal_at(lp, "no closing regexp delimiter \"%c\"", delim);
		return -1;
	}
	*p++ = 0;
	*optp = REG_EXTENDED | REG_ICASE;
	for (; *p && !isspace((unsigned char)*p); p++) {
		switch (*p) {
		case 'i':
			*optp ^= REG_ICASE;
			break;
		case 'm':
			*optp ^= REG_NEWLINE;
			break;
		case 'x':
			*optp ^= REG_EXTENDED;
			break;
		default:
			fatal_at(lp, "unknown regexp option \"%c\"", *p);
			return -1;
		}
	}
	*pp = str_skipws(p);
	return 0;
}

static int
compile(struct load *lp, struct rule *rp, const char *pat, int opts)
{
	char buf[256];
	int e;

	if ((e = tre_regcomp(&rp->re, pat, opts)) != 0) {
		/* Postfix's text: the regerror() message alone */
		tre_regerror(e, &rp->re, buf, sizeof(buf));
		dict_warn("regexp", lp->path, lp->lineno, "%s", buf);
		return -1;
	}
	rp->compiled = 1;
	return 0;
}

static struct rule *
add_rule(struct retab *tp, int op, int lineno)
{
	struct rule *rp;

	if (tp->n == tp->cap) {
		tp->cap = tp->cap ? tp->cap * 2 : 16;
		tp->r = xreallocarray(tp->r, tp->cap, sizeof(*tp->r));
	}
	rp = &tp->r[tp->n++];
	memset(rp, 0, sizeof(*rp));
	rp->op = op;
	rp->lineno = lineno;
	rp->match = 1;
	return rp;
}

/* drop_last - forget the rule add_rule() just made (it proved bad) */
static void
drop_last(struct retab *tp)
{
	struct rule *rp = &tp->r[--tp->n];

	if (rp->compiled)
		tre_regfree(&rp->re);
	free(rp->result);
}

/* bad_if - an IF that cannot be used: it stays, never matching */
static void
bad_if(struct load *lp, struct retab *tp, int match)
{
	struct rule *rp;

	dict_warn("regexp", lp->path, lp->lineno, "skipping the rules "
	    "up to this IF's ENDIF");
	rp = add_rule(tp, OP_IF, lp->lineno);
	rp->match = match;
	lp->stack = xreallocarray(lp->stack, lp->depth + 1,
	    sizeof(*lp->stack));
	lp->stack[lp->depth++] = tp->n - 1;
}

static void
trim_right(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = 0;
}

/*
 * parse_line - one logical line into tp; -1 when it was skipped (the
 * caller then drops the rule it had begun)
 */
static int
parse_line(struct load *lp, struct retab *tp, char *p)
{
	struct rule *rp;
	struct str why = STR_INIT;
	char *pat;
	int match, opts;

	p = str_skipws(p);
	if (!isalnum((unsigned char)*p)) {
		if (get_pat(lp, &p, &pat, &match, &opts) < 0)
			return -1;
		trim_right(p);
		if (*p == 0)
			dict_warn("regexp", lp->path, lp->lineno, "no "
			    "replacement text: using empty string");
		rp = add_rule(tp, OP_MATCH, lp->lineno);
		rp->match = match;
		if (prescan(p, &rp->max_sub, &why) < 0) {
			/* as Postfix: the reason, then the verdict */
			dict_warn("regexp", lp->path, lp->lineno, "%s",
			    why.s);
			fatal_at(lp, "bad replacement syntax");
			str_free(&why);
			return -1;
		}
		if (!match && rp->max_sub > 0) {
			fatal_at(lp, "$number found in negative match "
			    "replacement text");
			return -1;
		}
		/* Postfix's DICT_FLAG_NO_REGSUB: no key text in the result */
		if (rp->max_sub > 0 && (lp->flags & DICT_NO_REGSUB)) {
			warn("regexp map %s, line %d: regular expression "
			    "substitution is not allowed: skipping this rule",
			    lp->path, lp->lineno);
			tp->n--;
			return 0;
		}
		if (compile(lp, rp, pat,
		    opts | (rp->max_sub ? 0 : REG_NOSUB)) < 0)
			return -1;
		if (rp->max_sub > rp->re.re_nsub) {
			fatal_at(lp, "out of range replacement index \"%zu\"",
			    rp->max_sub);
			return -1;
		}
		rp->result = xstrdup(p);
		if (rp->max_sub + 1 > tp->npm)
			tp->npm = rp->max_sub + 1;
		return 0;
	}
	if (strncasecmp(p, "if", 2) == 0 && !isalnum((unsigned char)p[2])) {
		p += 2;
		if (get_pat(lp, &p, &pat, &match, &opts) < 0) {
			bad_if(lp, tp, match);
			return -1;
		}
		if (*p) {
			trim_right(p);
			dict_warn("regexp", lp->path, lp->lineno, "ignoring "
			    "extra text after IF statement: \"%s\"", p);
			dict_warn("regexp", lp->path, lp->lineno, "do not "
			    "prepend whitespace to statements between IF and "
			    "ENDIF");
		}
		rp = add_rule(tp, OP_IF, lp->lineno);
		rp->match = match;
		if (compile(lp, rp, pat, opts | REG_NOSUB) < 0) {
			drop_last(tp);
			bad_if(lp, tp, match);
			return -1;
		}
		lp->stack = xreallocarray(lp->stack, lp->depth + 1,
		    sizeof(*lp->stack));
		lp->stack[lp->depth++] = tp->n - 1;
		return 0;
	}
	if (strncasecmp(p, "endif", 5) == 0 &&
	    !isalnum((unsigned char)p[5])) {
		if (lp->depth == 0) {
			dict_warn("regexp", lp->path, lp->lineno, "ignoring "
			    "ENDIF without matching IF");
			return 0;
		}
		if (*str_skipws(p + 5))
			dict_warn("regexp", lp->path, lp->lineno, "ignoring "
			    "extra text after ENDIF");
		add_rule(tp, OP_ENDIF, lp->lineno);
		tp->r[lp->stack[--lp->depth]].skip = tp->n - 1;
		return 0;
	}
	dict_warn("regexp", lp->path, lp->lineno, "ignoring unrecognized "
	    "request");
	return -1;
}

static void
retab_free(struct retab *tp)
{
	size_t i;

	for (i = 0; i < tp->n; i++) {
		if (tp->r[i].compiled)
			tre_regfree(&tp->r[i].re);
		free(tp->r[i].result);
	}
	free(tp->r);
	free(tp->pm);
	free(tp);
}

/*
 * expand - the result of rule rp for key, with $n replaced by group n
 * (empty when the group did not take part in the match) and $$ by $.
 */
static void
expand(const struct rule *rp, const regmatch_t *pm, const char *key,
    struct str *out)
{
	const char *s = rp->result, *d;
	struct str why = STR_INIT;
	size_t n;

	str_reset(out);
	while ((d = strchr(s, '$')) != NULL) {
		str_addmem(out, s, (size_t)(d - s));
		s = d;
		if (s[1] == '$') {
			str_addc(out, '$');
			s += 2;
			continue;
		}
		if (ref_parse(&s, &n, &why) < 0)
			bug("regexp result \"%s\" passed prescan", rp->result);
		if (n <= rp->max_sub && pm[n].rm_so >= 0 &&
		    pm[n].rm_eo > pm[n].rm_so)
			str_addmem(out, key + pm[n].rm_so,
			    (size_t)(pm[n].rm_eo - pm[n].rm_so));
	}
	str_adds(out, s);
	str_free(&why);
}

/* run - 1 when rule rp's pattern matches key, 0 when not, -1 on error */
static int
run(struct dict *d, const struct rule *rp, const char *key, regmatch_t *pm,
    size_t npm)
{
	char buf[256];
	int e;

	e = tre_regexec(&rp->re, key, npm, npm ? pm : NULL, 0);
	if (e == 0)
		return 1;
	if (e == REG_NOMATCH)
		return 0;
	tre_regerror(e, &rp->re, buf, sizeof(buf));
	str_reset(&d->err);
	str_addf(&d->err, "%s, line %d: regexec: %s", d->file, rp->lineno,
	    buf);
	return -1;
}

static int
regexp_lookup(struct dict *d, const char *key, struct str *val)
{
	struct retab *tp = d->priv;
	const struct rule *rp;
	size_t i, npm;
	int m;

	for (i = 0; i < tp->n; i++) {
		rp = &tp->r[i];
		switch (rp->op) {
		case OP_IF:
			if (!rp->compiled) {
				i = rp->skip;
				break;
			}
			if ((m = run(d, rp, key, NULL, 0)) < 0)
				return -1;
			if (m != rp->match)
				i = rp->skip;
			break;
		case OP_MATCH:
			npm = rp->match && rp->max_sub ? rp->max_sub + 1 : 0;
			if ((m = run(d, rp, key, tp->pm, npm)) < 0)
				return -1;
			if (m == rp->match) {
				expand(rp, tp->pm, key, val);
				return 1;
			}
			break;
		}
	}
	return 0;
}

static void
regexp_close(struct dict *d)
{
	if (d->priv)
		retab_free(d->priv);
	dict_free(d);
}

/*
 * dict_regexp_open - read and compile a regexp: table.  NULL with the
 * reason in err only when the file cannot be read; bad rules, a missing
 * ENDIF or a stray one are warnings (dict_warn()), as in Postfix.
 */
struct dict *
dict_regexp_open(const char *name, int flags, struct str *err)
{
	struct retab *tp;
	struct readl rl;
	struct load ld;
	struct str line = STR_INIT;
	struct dict *d;
	struct stat st;
	uid_t owner = (uid_t)-1;
	FILE *fp;
	size_t n;
	int r;

	if ((fp = priv_fopen(name)) == NULL) {
		str_reset(err);
		str_addf(err, "open %s: %s", name, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(fp), &st) == 0)
		owner = st.st_uid;
	tp = xcalloc(1, sizeof(*tp));
	memset(&ld, 0, sizeof(ld));
	ld.path = name;
	ld.flags = flags;
	readl_init(&rl, fp, name, 0);
	while ((r = readl_next(&rl, &line)) > 0) {
		ld.lineno = rl.lineno;
		n = tp->n;
		if (parse_line(&ld, tp, line.s) < 0)
			while (tp->n > n && tp->r[tp->n - 1].op == OP_MATCH)
				drop_last(tp);
	}
	if (r < 0) {
		str_reset(err);
		str_addf(err, "read %s: %s", name, strerror(errno));
	}
	readl_free(&rl);
	str_free(&line);
	fclose(fp);
	if (r != 0) {
		free(ld.stack);
		retab_free(tp);
		return NULL;
	}
	while (ld.depth > 0) {
		size_t i = ld.stack[--ld.depth];

		dict_warn("regexp", name, tp->r[i].lineno, "IF has no "
		    "matching ENDIF");
		tp->r[i].skip = tp->n;
	}
	free(ld.stack);
	tp->pm = xcalloc(tp->npm ? tp->npm : 1, sizeof(*tp->pm));

	/* keys are matched as given: DICT_FOLD is for fixed tables */
	d = dict_alloc("regexp", name, (flags & ~DICT_FOLD) | DICT_PATTERN,
	    sizeof(*d));
	d->file = xstrdup(name);
	d->owner = owner;
	d->lookup = regexp_lookup;
	d->close = regexp_close;
	d->priv = tp;
	return d;
}

/* MIT licence: see LICENSE. */
/*
 * dict_cidr.c - cidr: tables, IPv4 and IPv6 network blocks.
 *
 * Any process that looks up a cidr: table (smtpd for client checks,
 * postmap), with its privileges; the file is read once at open.  As
 * Postfix's dict_cidr.c (3.2 and later): rules "network/prefix result",
 * "address result" and "!network/prefix result", "if network/prefix"
 * ... "endif" blocks that nest, first match wins.  A bad rule is a
 * warning naming file and line, "cidr map FILE, line N: ...: skipping
 * this rule", and the rule is skipped, as in Postfix.  An IF whose
 * network is bad never matches, so the rules it guards are skipped with
 * it (Postfix drops the IF alone, letting them match unguarded and
 * pairing its ENDIF with an outer IF): a skipped rule can only make the
 * table match less.  `postfix check` lists every such line.  The key is an
 * address as Postfix's smtpd writes it: no brackets; a key that is not an
 * address matches nothing.  Man page: cidr_table(5).
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../inet.h"
#include "../log.h"
#include "../priv.h"
#include "../readl.h"
#include "../str.h"
#include "../x.h"
#include "dict.h"

#define OP_MATCH	0
#define OP_IF		1
#define OP_ENDIF	2

struct crule {
	int		op;
	int		match;		/* 0 for "!network" */
	int		never;		/* OP_IF with a bad network */
	struct inet_cidr net;
	char		*result;	/* OP_MATCH */
	size_t		skip;		/* OP_IF: its ENDIF */
	int		lineno;
};

struct ctab {
	struct crule	*r;
	size_t		n;
	size_t		cap;
};

static void
trim_right(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = 0;
}

/* negations - skip white space and '!'s; the polarity they leave */
static int
negations(char **pp)
{
	char *p = *pp;
	int match = 1;

	for (;; p++) {
		if (*p == '!')
			match = !match;
		else if (!isspace((unsigned char)*p))
			break;
	}
	*pp = p;
	return match;
}

/*
 * parse_rule - one logical line into *rp, after Postfix's
 * dict_cidr_parse_rule(); -1 with the reason in why.
 */
static int
parse_rule(char *p, size_t nesting, struct crule *rp, struct str *why)
{
	char *pattern;

	memset(rp, 0, sizeof(*rp));
	p = str_skipws(p);
	if (strncasecmp(p, "if", 2) == 0 && !isalnum((unsigned char)p[2])) {
		p += 2;
		rp->op = OP_IF;
		rp->match = negations(&p);
		if (*p == 0) {
			str_set(why, "no address pattern");
			return -1;
		}
		trim_right(p);
		return inet_cidr_parse(p, &rp->net, why);
	}
	if (strncasecmp(p, "endif", 5) == 0 &&
	    !isalnum((unsigned char)p[5])) {
		rp->op = OP_ENDIF;
		if (*str_skipws(p + 5) != 0) {
			str_set(why, "garbage after ENDIF");
			return -1;
		}
		if (nesting == 0) {
			str_set(why, "ENDIF without IF");
			return -1;
		}
		return 0;
	}
	rp->op = OP_MATCH;
	rp->match = negations(&p);
	pattern = p;
	while (*p && !isspace((unsigned char)*p))
		p++;
	if (*p)
		*p++ = 0;
	p = str_skipws(p);
	trim_right(p);
	if (*pattern == 0) {
		str_set(why, "no address pattern");
		return -1;
	}
	if (*p == 0) {
		str_set(why, "no lookup result");
		return -1;
	}
	if (inet_cidr_parse(pattern, &rp->net, why) < 0)
		return -1;
	rp->result = xstrdup(p);
	return 0;
}

static void
ctab_free(struct ctab *tp)
{
	size_t i;

	for (i = 0; i < tp->n; i++)
		free(tp->r[i].result);
	free(tp->r);
	free(tp);
}

/* hit - does the address fall in (or, negated, outside) the rule's net? */
static int
hit(const struct crule *rp, int family, const unsigned char *addr)
{
	/* a negated rule, too, only ever matches its own address family */
	if (family != rp->net.family)
		return 0;
	return inet_cidr_match(&rp->net, family, addr) == rp->match;
}

static int
cidr_lookup(struct dict *d, const char *key, struct str *val)
{
	struct ctab *tp = d->priv;
	const struct crule *rp;
	unsigned char addr[INET_ADDR_LEN];
	int family;
	size_t i;

	if (inet_addr_pton(key, &family, addr) < 0)
		return 0;
	for (i = 0; i < tp->n; i++) {
		rp = &tp->r[i];
		switch (rp->op) {
		case OP_IF:
			if (rp->never || !hit(rp, family, addr))
				i = rp->skip;
			break;
		case OP_MATCH:
			if (hit(rp, family, addr)) {
				str_set(val, rp->result);
				return 1;
			}
			break;
		}
	}
	return 0;
}

static void
cidr_close(struct dict *d)
{
	if (d->priv)
		ctab_free(d->priv);
	dict_free(d);
}

/*
 * dict_cidr_open - read a cidr: table.  NULL with the reason in err only
 * when the file cannot be read; bad rules are warned about and skipped.
 */
struct dict *
dict_cidr_open(const char *name, int flags, struct str *err)
{
	struct ctab *tp;
	struct crule rule;
	struct readl rl;
	struct str line = STR_INIT, why = STR_INIT;
	struct dict *d;
	size_t *stack = NULL, depth = 0;
	struct stat st;
	uid_t owner = (uid_t)-1;
	FILE *fp;
	int r;

	if ((fp = priv_fopen(name)) == NULL) {
		str_reset(err);
		str_addf(err, "open %s: %s", name, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(fp), &st) == 0)
		owner = st.st_uid;
	tp = xcalloc(1, sizeof(*tp));
	readl_init(&rl, fp, name, 0);
	while ((r = readl_next(&rl, &line)) > 0) {
		if (parse_rule(line.s, depth, &rule, &why) < 0) {
			dict_warn("cidr", name, rl.lineno, "%s: skipping this "
			    "rule", why.s);
			if (rule.op != OP_IF)
				continue;
			dict_warn("cidr", name, rl.lineno, "skipping the "
			    "rules up to this IF's ENDIF");
			rule.never = 1;
		}
		rule.lineno = rl.lineno;
		if (tp->n == tp->cap) {
			tp->cap = tp->cap ? tp->cap * 2 : 16;
			tp->r = xreallocarray(tp->r, tp->cap, sizeof(*tp->r));
		}
		tp->r[tp->n++] = rule;
		if (rule.op == OP_IF) {
			stack = xreallocarray(stack, depth + 1,
			    sizeof(*stack));
			stack[depth++] = tp->n - 1;
		} else if (rule.op == OP_ENDIF)
			tp->r[stack[--depth]].skip = tp->n - 1;
	}
	readl_free(&rl);
	str_free(&line);
	str_free(&why);
	if (r < 0) {
		str_reset(err);
		str_addf(err, "read %s: %s", name, strerror(errno));
		fclose(fp);
		free(stack);
		ctab_free(tp);
		return NULL;
	}
	fclose(fp);
	while (depth > 0) {
		size_t i = stack[--depth];

		dict_warn("cidr", name, tp->r[i].lineno, "IF has no "
		    "matching ENDIF");
		tp->r[i].skip = tp->n;
	}
	free(stack);

	/* keys are matched as given: DICT_FOLD is for fixed tables */
	d = dict_alloc("cidr", name, (flags & ~DICT_FOLD) | DICT_PATTERN,
	    sizeof(*d));
	d->file = xstrdup(name);
	d->owner = owner;
	d->lookup = cidr_lookup;
	d->close = cidr_close;
	d->priv = tp;
	return d;
}

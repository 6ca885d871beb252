/* MIT licence: see LICENSE. */
/*
 * match.c - Postfix's match lists (match_list, match_ops): the lists of
 * names, domains and networks in mydestination, relay_domains,
 * mynetworks, debug_peer_list, ...
 *
 * Used by every process that reads such a parameter, with that
 * process's privileges (tables and /file/name includes are opened at
 * match_init(), before a daemon drops privileges).  Man page: mta.conf(5).
 *
 * A list is items separated by commas or white space.  An item is a
 * pattern, "!pattern" (a match returns "no" and ends the search), a
 * type:table (looked up), or a /file/name whose logical lines hold more
 * items (a "!" before the file name negates each of them).  Evaluation
 * stops at the first pattern that matches.  A table that fails, and a
 * file that could not be read, make the match fail with -1 instead of
 * answering "no": a caller that treated a broken table as "not listed"
 * would relay or bounce mail it should have deferred.
 *
 * match_user() says whether a uid is on a list of users such as
 * authorized_submit_users or authorized_flush_users (submit.c, showq.c).
 */
#include <ctype.h>
#include <pwd.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "../conf.h"
#include "../inet.h"
#include "../log.h"
#include "../priv.h"
#include "../readl.h"
#include "../str.h"
#include "../x.h"
#include "dict.h"
#include "match.h"

#define PAT_STRING	0	/* a literal, folded to lower case */
#define PAT_DICT	1	/* type:table */
#define PAT_BROKEN	2	/* a table or file that could not be opened */

struct match_pat {
	int		kind;
	int		neg;
	char		*text;		/* literal, or "type:name" */
	struct dict	*dict;
	char		*why;		/* PAT_BROKEN: the open error */
};

#define SEPARATORS	", \t\r\n"

/* Postfix's MATCH_DICTIONARY(): [::1] is an address, not a table */
static int
is_table(const char *item)
{
	return item[0] != '[' && strchr(item, ':') != NULL;
}

static struct match_pat *
add_pat(struct match_list *ml, int kind, int neg, const char *text)
{
	struct match_pat *p;

	ml->pat = xreallocarray(ml->pat, ml->npat + 1, sizeof(*ml->pat));
	p = &ml->pat[ml->npat++];
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->neg = neg;
	p->text = xstrdup(text);
	return p;
}

/*
 * match_next - the next item of a list in *sp (which it cuts up): commas
 * and white space separate, except inside { braces } (Postfix's
 * mystrtokq with CHARS_BRACE, as in inline:{ a=b, c=d }); NULL at the
 * end.  Shared by every parser of a Postfix list parameter.
 */
char *
match_next(char **sp)
{
	char *s = *sp, *item;
	int level = 0;

	s += strspn(s, SEPARATORS);
	if (*s == 0) {
		*sp = s;
		return NULL;
	}
	item = s;
	for (; *s; s++) {
		if (*s == '{')
			level++;
		else if (*s == '}' && level > 0)
			level--;
		else if (level == 0 && strchr(SEPARATORS, *s))
			break;
	}
	if (*s)
		*s++ = 0;
	*sp = s;
	return item;
}

static void parse(struct match_list *, char *, int, int);

static void
parse_file(struct match_list *ml, const char *path, int neg, int depth)
{
	struct readl rl;
	struct str line = STR_INIT;
	struct match_pat *p;
	FILE *fp;
	int r;

	if (depth > 20 || (fp = priv_fopen(path)) == NULL) {
		p = add_pat(ml, PAT_BROKEN, neg, path);
		p->why = depth > 20 ?
		    xasprintf("%s: /file/name includes nest too deep: %s",
		    ml->pname, path) :
		    xasprintf("open file %s: %s", path, strerror(errno));
		warn("%s", p->why);
		return;
	}
	readl_init(&rl, fp, path, 0);
	str_init(&line);
	while ((r = readl_next(&rl, &line)) > 0)
		parse(ml, line.s, neg, depth + 1);
	if (r < 0) {
		p = add_pat(ml, PAT_BROKEN, neg, path);
		p->why = xasprintf("read file %s: %s", path, strerror(errno));
		warn("%s", p->why);
	}
	str_free(&line);
	readl_free(&rl);
	fclose(fp);
}

static void
parse(struct match_list *ml, char *list, int neg, int depth)
{
	struct match_pat *p;
	struct str err = STR_INIT;
	char *item;
	int n;

	while ((item = match_next(&list)) != NULL) {
		if (item[0] == '#') {
			warn("%s: comment at end of line is not supported: %s",
			    ml->pname, item);
			break;
		}
		for (n = neg; *item == '!'; item++)
			n = !n;
		if (*item == 0) {
			p = add_pat(ml, PAT_BROKEN, n, "!");
			p->why = xasprintf("%s: no pattern after '!'",
			    ml->pname);
			warn("%s", p->why);
		} else if (*item == '/') {
			parse_file(ml, item, n, depth);
		} else if (is_table(item)) {
			str_init(&err);
			p = add_pat(ml, PAT_DICT, n, item);
			/* keys are folded here, as Postfix's match lists do */
			p->dict = dict_open(item, DICT_TRY0NUL | DICT_TRY1NUL,
			    &err);
			if (p->dict == NULL) {
				p->kind = PAT_BROKEN;
				p->why = xasprintf("%s: %s", ml->pname,
				    err.len ? err.s : "cannot open table");
				warn("%s", p->why);
			}
			str_free(&err);
		} else {
			p = add_pat(ml, PAT_STRING, n, item);
			str_lcase(p->text);
		}
	}
}

/*
 * match_init - a list named pname (for messages) of type flags
 * (MATCH_STRING, MATCH_DOMAIN, MATCH_ADDR or MATCH_NAMADR, plus
 * MATCH_PARENT when pname is in parent_domain_matches_subdomains) from
 * the text patterns, $names already expanded.  Tables and files are
 * opened now; one that fails is reported now and makes each match that
 * reaches it fail.
 */
struct match_list *
match_init(const char *pname, int flags, const char *patterns)
{
	struct match_list *ml;
	char *copy;

	ml = xcalloc(1, sizeof(*ml));
	ml->pname = xstrdup(pname);
	ml->flags = flags;
	str_init(&ml->err);
	str_init(&ml->fold);
	copy = xstrdup(patterns ? patterns : "");
	parse(ml, copy, 0, 0);
	free(copy);
	return ml;
}

/* match_free - release a list and close its tables */
void
match_free(struct match_list *ml)
{
	size_t i;

	if (ml == NULL)
		return;
	for (i = 0; i < ml->npat; i++) {
		if (ml->pat[i].dict)
			dict_close(ml->pat[i].dict);
		free(ml->pat[i].text);
		free(ml->pat[i].why);
	}
	free(ml->pat);
	free(ml->pname);
	str_free(&ml->err);
	str_free(&ml->fold);
	free(ml);
}

/*
 * match_parent_style - does pname appear in pdms (the value of
 * parent_domain_matches_subdomains)?  MATCH_PARENT or 0.
 */
int
match_parent_style(const char *pname, const char *pdms)
{
	char *copy, *cp, *tok;
	int r = 0;

	if (pdms == NULL)
		return 0;
	cp = copy = xstrdup(pdms);
	while ((tok = str_token(&cp, SEPARATORS)) != NULL)
		if (strcasecmp(tok, pname) == 0) {
			r = MATCH_PARENT;
			break;
		}
	free(copy);
	return r;
}

static int
table_error(struct match_list *ml, struct dict *d)
{
	str_reset(&ml->err);
	str_addf(&ml->err, "%s:%s: table lookup problem%s%s", d->type,
	    d->name, d->err.len ? ": " : "", d->err.len ? d->err.s : "");
	return -1;
}

static int
lookup(struct match_list *ml, struct dict *d, const char *key)
{
	struct str val = STR_INIT;
	int r;

	str_init(&val);
	r = dict_lookup(d, key, &val);
	str_free(&val);
	if (r < 0)
		return table_error(ml, d);
	return r > 0;
}

static int
m_string(struct match_list *ml, const char *s, struct match_pat *p)
{
	if (p->kind == PAT_DICT)
		return lookup(ml, p->dict, s);
	return strcmp(s, p->text) == 0;
}

/* m_hostname - Postfix's match_hostname() */
static int
m_hostname(struct match_list *ml, const char *name, struct match_pat *p)
{
	const char *entry, *next, *pd;
	size_t n, m;
	int r;

	if (p->kind == PAT_DICT) {
		for (entry = name; *entry; entry = next) {
			/* parent domains only from fixed-string tables */
			if (entry == name || (p->dict->flags & DICT_FIXED)) {
				if ((r = lookup(ml, p->dict, entry)) != 0)
					return r;
			}
			if ((next = strchr(entry + 1, '.')) == NULL)
				break;
			if (ml->flags & MATCH_PARENT)
				next++;
		}
		return 0;
	}
	if (strcmp(name, p->text) == 0)
		return 1;
	n = strlen(name);
	m = strlen(p->text);
	if (m >= n)
		return 0;
	pd = name + n - m;
	if (ml->flags & MATCH_PARENT)
		return pd[-1] == '.' && strcmp(pd, p->text) == 0;
	return p->text[0] == '.' && strcmp(pd, p->text) == 0;
}

#define V4CHARS	"0123456789."
#define V6CHARS	V4CHARS "abcdefABCDEF:"

/* m_hostaddr - Postfix's match_hostaddr() */
static int
m_hostaddr(struct match_list *ml, const char *addr, struct match_pat *p)
{
	struct inet_cidr c;
	struct str err = STR_INIT;
	unsigned char a[INET_ADDR_LEN];
	const char *pat = p->text;
	size_t n;
	int fam, r;

	if (*addr == 0 || addr[strspn(addr, V6CHARS)] != 0)
		return 0;
	if (p->kind == PAT_DICT)
		return lookup(ml, p->dict, addr);
	if (pat[0] != '[') {
		if (strcasecmp(addr, pat) == 0)
			return 1;
	} else {
		n = strlen(addr);
		if (strncasecmp(addr, pat + 1, n) == 0 &&
		    strcmp(pat + 1 + n, "]") == 0)
			return 1;
	}
	/*
	 * Only an IPv6 address or a net/mask of the address's family can
	 * still match; other text (a domain name in a host list) is no
	 * error.
	 */
	if (!strchr(addr, ':') != !strchr(pat, ':') ||
	    pat[strcspn(pat, ":/")] == 0 ||
	    pat[strspn(pat, V4CHARS)] == 0 ||
	    pat[strspn(pat, V6CHARS "[]/")] != 0)
		return 0;
	str_init(&err);
	if (inet_cidr_parse(pat, &c, &err) != 0) {
		str_reset(&ml->err);
		str_addf(&ml->err, "%s: %s", ml->pname,
		    err.len ? err.s : "bad net/mask pattern");
		str_free(&err);
		return -1;
	}
	str_free(&err);
	if (inet_addr_parse(addr, &fam, a) != 0)
		return 0;
	r = inet_cidr_match(&c, fam, a);
	return r;
}

/*
 * match_find - match a string, a domain name or an address (a), or for
 * a MATCH_NAMADR list the host name a and then its address b, against
 * the list.  Returns 1 when the first matching pattern is positive, 0
 * when it is negated or nothing matched, -1 when a table or file failed
 * first (the reason in ml->err; a temporary failure for the caller).
 */
int
match_find(struct match_list *ml, const char *a, const char *b)
{
	struct str bfold = STR_INIT;
	struct match_pat *p = NULL;
	size_t i;
	int r = 0, type = ml->flags & MATCH_TYPE;

	str_reset(&ml->err);
	str_set(&ml->fold, a ? a : "");
	str_lower(&ml->fold);
	str_init(&bfold);
	str_set(&bfold, b ? b : "");
	str_lower(&bfold);
	for (i = 0; i < ml->npat; i++) {
		p = &ml->pat[i];
		if (p->kind == PAT_BROKEN) {
			str_set(&ml->err, p->why);
			r = -1;
			break;
		}
		switch (type) {
		case MATCH_STRING:
			r = m_string(ml, ml->fold.s, p);
			break;
		case MATCH_DOMAIN:
			r = m_hostname(ml, ml->fold.s, p);
			break;
		case MATCH_ADDR:
			r = m_hostaddr(ml, ml->fold.s, p);
			break;
		default:
			if ((r = m_hostname(ml, ml->fold.s, p)) == 0)
				r = m_hostaddr(ml, bfold.s, p);
			break;
		}
		if (r != 0)
			break;
	}
	str_free(&bfold);
	if (r > 0 && p->neg)
		r = 0;
	return r;
}

/*
 * match_user - is uid (its login name, else its number) on the user list
 * that parameter p holds?  exempt: yes without asking (root, mail_owner).
 * 1 or 0 with the name in who; -1 when the list cannot be read (the
 * reason after the name in who).
 */
int
match_user(enum conf_param p, uid_t uid, int exempt, struct str *who)
{
	struct match_list *ml;
	struct passwd *pw;
	int r;

	str_reset(who);
	if ((pw = getpwuid(uid)) != NULL)
		str_set(who, pw->pw_name);
	else
		str_addf(who, "%ld", (long)uid);
	if (exempt)
		return 1;
	ml = match_init(conf_rows[p].name, MATCH_STRING, conf_str(p));
	r = match_find(ml, who->s, NULL);
	if (r < 0)
		str_addf(who, ": %s: %s", conf_rows[p].name, ml->err.s);
	match_free(ml);
	return r < 0 ? -1 : r > 0;
}

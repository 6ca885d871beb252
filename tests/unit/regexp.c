/* MIT licence: see LICENSE. */
/*
 * regexp.c - unit tests of lib/table/dict_regexp.c, through its constructor:
 * rules, flags, $n substitution, IF/ENDIF, and bad rules: each is
 * skipped with a warning naming file and line, the others still work.
 * The differential checks against Postfix are in tests/t-regexp.sh.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../lib/log.h"
#include "../../lib/str.h"
#include "../../lib/table/dict.h"
#include "t.h"

static char path[64];

/* table - write text to a scratch file and open it as a regexp: table */
static struct dict *
table(const char *text, struct str *err)
{
	FILE *fp;
	int fd;

	snprintf(path, sizeof(path), "/tmp/mta-unit-re.XXXXXX");
	if ((fd = mkstemp(path)) < 0 || (fp = fdopen(fd, "w")) == NULL) {
		perror("mkstemp");
		exit(2);
	}
	fputs(text, fp);
	fclose(fp);
	str_reset(err);
	return dict_regexp_open(path, 0, err);
}

static void
done(struct dict *d)
{
	if (d)
		d->close(d);
	unlink(path);
}

/* q - look key up: "=VALUE" when found, "-" when not, "!" on error */
static const char *
q(struct dict *d, const char *key)
{
	static struct str out = STR_INIT;
	struct str val = STR_INIT;
	int r;

	if (d == NULL)
		return "(no table)";
	r = d->lookup(d, key, &val);
	str_reset(&out);
	if (r > 0) {
		str_addc(&out, '=');
		str_adds(&out, val.s);
	} else
		str_adds(&out, r == 0 ? "-" : "!");
	str_free(&val);
	return out.s;
}

/* lookups: table text, key, answer as q() writes it */
static const struct {
	const char	*name;
	const char	*table;
	const char	*key;
	const char	*want;
} cases[] = {
	{ "plain match", "/^a$/ A\n", "a", "=A" },
	{ "no match", "/^a$/ A\n", "b", "-" },
	{ "case-insensitive by default", "/^a$/ A\n", "A", "=A" },
	{ "i makes it case-sensitive", "/^a$/i A\n", "A", "-" },
	{ "ii toggles back", "/^a$/ii A\n", "A", "=A" },
	{ "key is not folded", "/^(.*)$/ $1\n", "MiXeD", "=MiXeD" },
	{ "result keeps case", "/./ ResULT\n", "x", "=ResULT" },
	{ "first match wins", "/a/ one\n/a/ two\n", "a", "=one" },
	{ "unanchored", "/b/ B\n", "abc", "=B" },
	{ "$1", "/^(.*)@(.*)$/ $2 $1\n", "u@d", "=d u" },
	{ "${1} and $(1)", "/^(.)(.)$/ ${2}${1}$(2)\n", "xy", "=yxy" },
	{ "$$", "/^(a)$/ $$$1$$\n", "a", "=$a$" },
	{ "$01 is $1", "/^(a)$/ x$01-y\n", "a", "=xa-y" },
	{ "$10", "/^(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)$/ $10$1\n", "abcdefghij",
	    "=ja" },
	{ "unmatched group is empty", "/^(a)|(b)$/ [$1][$2]\n", "b",
	    "=[][b]" },
	{ "empty group is empty", "/^(z*)w$/ [$1]\n", "w", "=[]" },
	{ "negation", "!/^a/ notA\n", "b", "=notA" },
	{ "negation no match", "!/^a/ notA\n", "abc", "-" },
	{ "double negation", "!!/^(a)/ $1\n", "ab", "=a" },
	{ "negation with $$", "!/^a/ $$\n", "b", "=$" },
	{ "other delimiter", ",^a/b$, X\n", "a/b", "=X" },
	{ "escaped delimiter", "/^a\\/b$/ X\n", "a/b", "=X" },
	{ "x: basic syntax", "/^a+$/x X\n", "a+", "=X" },
	{ "x: basic + not special", "/^a+$/x X\n", "aa", "-" },
	{ "x: basic \\{\\}", "/^a\\{2\\}$/x X\n", "aa", "=X" },
	{ "m: ^ after newline", "/^b$/m X\n", "a\nb", "=X" },
	{ "no m: ^ only at start", "/^b$/ X\n", "a\nb", "-" },
	{ "no m: . matches newline", "/^a.b$/ X\n", "a\nb", "=X" },
	{ "m: . does not match newline", "/^a.b$/m X\n", "a\nb", "-" },
	{ "trailing white space trimmed", "/a/ X  \t\n", "a", "=X" },
	{ "inner white space kept", "/a/ X  Y\n", "a", "=X  Y" },
	{ "tab separator", "/a/\tX\n", "a", "=X" },
	{ "comments and blanks", "# c\n\n/a/ A\n  # c2\n", "a", "=A" },
	{ "continued result", "/a/ X\n Y\n", "a", "=X Y" },
	{ "if", "if /a/\n/b/ AB\nendif\n/b/ B\n", "ab", "=AB" },
	{ "if skips", "if /a/\n/b/ AB\nendif\n/b/ B\n", "b", "=B" },
	{ "if !", "if !/a/\n/b/ notA\nendif\n", "b", "=notA" },
	{ "if ! skips", "if !/a/\n/b/ notA\nendif\n", "ab", "-" },
	{ "IF upper case", "IF /a/\n/b/ AB\nENDIF\n", "ab", "=AB" },
	{ "if/ no space", "if/a/\n/b/ AB\nendif\n", "ab", "=AB" },
	{ "nested if", "if /a/\nif /b/\n/c/ ABC\nendif\n/c/ AC\nendif\n",
	    "ac", "=AC" },
	{ "nested if inner", "if /a/\nif /b/\n/c/ ABC\nendif\n/c/ AC\n"
	    "endif\n", "abc", "=ABC" },
	{ "if with i flag", "if /^A/i\n/./ X\nendif\n", "a", "-" },
	{ "unclosed if guards", "if /a/\n/b/ B\n", "b", "-" },
	{ "unclosed if works", "if /a/\n/b/ B\n", "ab", "=B" },
	{ "stray endif ignored", "endif\n/b/ B\n", "b", "=B" },
	{ "empty result", "/a/\n", "a", "=" },
	/* Postfix reads a trailing backslash as the closing delimiter */
	{ "trailing backslash", "/a\\\n", "a", "=" },
	{ "bracket class", "/^[[:digit:]]+$/ N\n", "123", "=N" },
	{ "alternation", "/^(foo|bar)$/ $1\n", "BAR", "=BAR" },
};

/*
 * bad rules: the table, the line the warning must name, and its reason.
 * Each table also has "/^ok$/ OK" somewhere, which must still work, and
 * no rule that matches "a" but the bad one.
 */
static const struct {
	const char	*name;
	const char	*table;
	int		line;
	const char	*why;
} bad[] = {
	{ "unbalanced (", "/^ok$/ OK\n/a(b/ X\n", 2, ")" },
	{ "bad range", "/^ok$/ OK\n\n# c\n/[z-a]/ X\n", 4, "range" },
	{ "bad repetition", "/^ok$/ OK\n/a{2,1}/ X\n", 2, "" },
	{ "$2 of one group", "/^(a)$/ $2\n/^ok$/ OK\n", 1, "out of range" },
	{ "$1 of no group", "/^a$/ $1\n/^ok$/ OK\n", 1, "out of range" },
	{ "$0", "/^(a)$/ $0\n/^ok$/ OK\n", 1, "out-of-range" },
	{ "$x", "/^(a)$/ $x\n/^ok$/ OK\n", 1, "non-numeric" },
	{ "$1a", "/^(a)$/ $1a\n/^ok$/ OK\n", 1, "non-numeric" },
	{ "lone $", "/^(a)$/ $\n/^ok$/ OK\n", 1, "empty name" },
	{ "$ space", "/^(a)$/ $ 1\n/^ok$/ OK\n", 1, "empty name" },
	{ "${}", "/^(a)$/ ${}\n/^ok$/ OK\n", 1, "empty name" },
	{ "${1", "/^(a)$/ ${1\n/^ok$/ OK\n", 1, "truncated" },
	{ "$1 in negation", "!/^(a)$/ $1\n/^ok$/ OK\n", 1, "negative" },
	{ "unknown flag", "/a/q X\n/^ok$/ OK\n", 1,
	    "unknown regexp option \"q\": skipping this rule" },
	{ "flag glued to result", "/a/iX\n/^ok$/ OK\n", 1,
	    "unknown regexp option" },
	{ "no closing delimiter", "/a X\n/^ok$/ OK\n", 1, "no closing" },
	{ "word line", "/^ok$/ OK\nfoo bar\n", 2, "ignoring unrecognized" },
	{ "if without pattern", "if\n/a/ A\nendif\n/^ok$/ OK\n", 1,
	    "no regexp: skipping this rule" },
	{ "bad if pattern", "if /(/\n/a/ A\nendif\n/^ok$/ OK\n", 1,
	    "skipping the rules up to this IF's ENDIF" },
	{ "bad if flag", "if /a/q\n/a/ A\nendif\n/^ok$/ OK\n", 1,
	    "unknown regexp option \"q\": skipping this rule" },
	{ "bad if pattern: its ENDIF is its own",
	    "if /o/\nif /(/\n/a/ A\nendif\n/^ok$/ OK\nendif\n", 2,
	    "skipping the rules up to" },
	{ "bad line after continuation", "/^x$/ A\n B\n/(/ X\n/^ok$/ OK\n",
	    3, "" },
	{ "continued bad pattern", "/^x$/ A\n/(\n  / X\n/^ok$/ OK\n", 2,
	    "" },
};

/*
 * open_bad - open text as a table with stderr caught in *log; the
 * warnings logged in *nwarn
 */
static struct dict *
open_bad(const char *text, struct str *err, struct str *log,
    int *nwarn)
{
	char lpath[] = "/tmp/mta-unit-relog.XXXXXX";
	struct dict *d;
	int before = log_warnings();
	char buf[512];
	ssize_t n;
	int fd, save;

	fflush(stderr);
	if ((fd = mkstemp(lpath)) < 0 || (save = dup(2)) < 0) {
		perror("mkstemp");
		exit(2);
	}
	dup2(fd, 2);
	d = table(text, err);
	fflush(stderr);
	dup2(save, 2);
	close(save);
	str_reset(log);
	lseek(fd, 0, SEEK_SET);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		str_addmem(log, buf, (size_t)n);
	close(fd);
	unlink(lpath);
	*nwarn = log_warnings() - before;
	return d;
}

/* has_line - does a line of text hold head and, after it, tail? */
static int
has_line(const char *text, const char *head, const char *tail)
{
	const char *w, *e, *r;

	for (w = text; (w = strstr(w, head)) != NULL; w++) {
		e = strchr(w, '\n');
		r = strstr(w + strlen(head), tail);
		if (r && (e == NULL || r < e))
			return 1;
	}
	return 0;
}

int
main(void)
{
	struct str err = STR_INIT, want = STR_INIT, name = STR_INIT;
	struct str log = STR_INIT;
	struct dict *d;
	int nwarn;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		d = table(cases[i].table, &err);
		T_STR(cases[i].name, q(d, cases[i].key), cases[i].want);
		done(d);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		d = open_bad(bad[i].table, &err, &log, &nwarn);
		str_set(&name, "bad: ");
		str_adds(&name, bad[i].name);
		str_adds(&name, ": the table opens");
		T_OK(name.s, d != NULL);
		str_set(&name, "bad: ");
		str_adds(&name, bad[i].name);
		str_adds(&name, ": the other rules work");
		T_STR(name.s, q(d, "ok"), "=OK");
		str_set(&name, "bad: ");
		str_adds(&name, bad[i].name);
		str_adds(&name, ": the bad rule is skipped");
		T_STR(name.s, q(d, "a"), "-");
		str_set(&name, "bad: ");
		str_adds(&name, bad[i].name);
		str_adds(&name, ": counted");
		T_OK(name.s, nwarn > 0);
		str_set(&want, "warning: regexp map ");
		str_adds(&want, path);
		str_addf(&want, ", line %d: ", bad[i].line);
		str_set(&name, "bad: ");
		str_adds(&name, bad[i].name);
		str_adds(&name, ": warning names file, line and reason");
		T_OK(name.s, has_line(log.s, want.s, bad[i].why));
		if (!has_line(log.s, want.s, bad[i].why))
			printf("# got \"%s\", want \"%s...%s\"\n", log.s,
			    want.s, bad[i].why);
		done(d);
	}

	/* the dict itself */
	d = table("/a/ A\n", &err);
	T_OK("type is regexp", d && strcmp(d->type, "regexp") == 0);
	T_OK("pattern flag set", d && (d->flags & DICT_PATTERN));
	T_OK("file is the path", d && strcmp(d->file, path) == 0);
	done(d);

	str_reset(&err);
	d = dict_regexp_open("/nonexistent/mta-unit.re", 0, &err);
	T_OK("missing file: NULL", d == NULL);
	T_OK("missing file: error names it",
	    strstr(err.s, "/nonexistent/mta-unit.re") != NULL);

	/* DICT_NO_REGSUB (alias_maps): rules with $n are skipped, not fatal */
	{
		struct dict *plain;

		plain = table("/^(.+)\\.old$/ $1\n/^team$/ dave\n"
		    "/^cost$/ $$1\n", &err);
		str_reset(&err);
		d = dict_regexp_open(path, DICT_NO_REGSUB, &err);
		T_OK("no_regsub: the table opens", d != NULL);
		T_STR("no_regsub: the $1 rule is gone", q(d, "x.old"), "-");
		T_STR("no_regsub: other rules stay", q(d, "team"), "=dave");
		T_STR("no_regsub: $$ is no substitution", q(d, "cost"), "=$1");
		T_STR("without it: $1 works", q(plain, "x.old"), "=x");
		if (d)
			d->close(d);
		done(plain);
	}

	/* many lookups on one table reuse its state correctly */
	d = table("/^(x+)(y*)$/ [$1|$2]\n/^(.)/ first $1\n", &err);
	T_STR("reuse 1", q(d, "xxy"), "=[xx|y]");
	T_STR("reuse 2", q(d, "x"), "=[x|]");
	T_STR("reuse 3", q(d, "zq"), "=first z");
	T_STR("reuse 4", q(d, ""), "-");
	done(d);

	/* a long table and a long key */
	{
		struct str big = STR_INIT, key = STR_INIT;

		for (i = 0; i < 2000; i++)
			str_addf(&big, "/^k%zu$/ v%zu\n", i, i);
		d = table(big.s, &err);
		T_STR("2000 rules: last", q(d, "k1999"), "=v1999");
		T_STR("2000 rules: none", q(d, "k2000"), "-");
		done(d);
		for (i = 0; i < 100000; i++)
			str_addc(&key, 'a');
		d = table("/^(a*)$/ ok\n", &err);
		T_STR("100000-byte key", q(d, key.s), "=ok");
		done(d);
		str_free(&big);
		str_free(&key);
	}

	str_free(&err);
	str_free(&want);
	str_free(&name);
	str_free(&log);
	T_DONE();
}

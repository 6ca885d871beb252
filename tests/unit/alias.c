/* MIT licence: see LICENSE. */
/*
 * alias.c - unit tests of lib/table/alias.c: how an aliases(5) line becomes
 * the name and value stored in the table (the expected values are what
 * Debian's postalias 3.x stores, read back from its .cdb files), how a
 * file is read, and how a stored value splits into destinations.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/log.h"
#include "../../lib/str.h"
#include "../../lib/table/alias.h"
#include "t.h"

static const struct {
	const char	*line;
	int		result;
	const char	*name, *value;
} lines[] = {
	{ "a:b,c,   d", ALIAS_OK, "a", "b, c, d" },
	{ "b :  x  ,  y ", ALIAS_OK, "b", "x, y" },
	{ "c: \"quoted local\"@example.com, <angle@x.y>, Name <n@x>",
	    ALIAS_OK, "c",
	    "\"quoted local\"@example.com, <angle@x.y>, Name <n@x>" },
	{ "d: x (comment) , y", ALIAS_OK, "d", "x (comment), y" },
	{ "e: /var/mail/file", ALIAS_OK, "e", "/var/mail/file" },
	{ "f: |/usr/bin/procmail -a \"$EXTENSION\"", ALIAS_OK, "f",
	    "|/usr/bin/procmail -a \"$EXTENSION\"" },
	{ "g: user@", ALIAS_OK, "g", "user@" },
	{ "h@x: y", ALIAS_NOTLOCAL, NULL, NULL },
	{ "i%j: k", ALIAS_NOTLOCAL, NULL, NULL },
	{ "k: ", ALIAS_NOPAIR, NULL, NULL },
	{ "nocolon cont, more", ALIAS_NOPAIR, NULL, NULL },
	{ ":novalue", ALIAS_NOPAIR, NULL, NULL },
	{ "a, b: c", ALIAS_NOPAIR, NULL, NULL },
	{ "l:\"\":x", ALIAS_OK, "l", "\"\":x" },
	{ "\"m n\": o", ALIAS_OK, "m n", "o" },
	{ "\"P Q\": r", ALIAS_OK, "P Q", "r" },
	{ "s: t # not a comment u: v", ALIAS_OK, "s",
	    "t # not a comment u:v" },
	{ "x:y:z", ALIAS_OK, "x", "y:z" },
	{ "v: :include:/etc/x, \"|prog arg\"", ALIAS_OK, "v",
	    ":include:/etc/x, \"|prog arg\"" },
	{ "q: \\joe", ALIAS_OK, "q", "joe" },
	{ "r: \"\\\\joe\"", ALIAS_OK, "r", "\"\\\\joe\"" },
	{ "t: [1.2.3.4]", ALIAS_OK, "t", "[1.2.3.4]" },
	{ "u2: a;b", ALIAS_OK, "u2", "a;b" },
	{ "ws:\ttab\tsep", ALIAS_OK, "ws", "tab sep" },
	{ "bad: x, y: z", ALIAS_OK, "bad", "x, y:z" },
	{ "a: | /bin/x", ALIAS_OK, "a", "|/bin/x" },
	{ "b: x . y", ALIAS_OK, "b", "x.y" },
	{ "c: x % y ! z = w | v", ALIAS_OK, "c", "x%y!z = w|v" },
	{ "d: a\\ b, \"a b\", a\"b\"c, x\"y", ALIAS_OK, "d",
	    "\"a b\", \"a b\", a \"b\" c, x \"y\"" },
	{ "e: a ; b : c", ALIAS_OK, "e", "a;b:c" },
	{ "f: \"\" , \"\"@x", ALIAS_OK, "f", "\"\", \"\"@x" },
	{ "g: a(b)c", ALIAS_OK, "g", "a (b) c" },
	{ "h: a\\(b", ALIAS_OK, "h", "\"a(b\"" },
	{ "i: x\t(tab)", ALIAS_OK, "i", "x (tab)" },
	{ "j: a\001b", ALIAS_OK, "j", "\"a\001b\"" },
	{ "e f: g", ALIAS_OK, "e f", "g" },
	{ "g (c): h", ALIAS_OK, "g (c)", "h" },
	{ "\"h@x\": i", ALIAS_OK, "h@x", "i" },
	{ "j: x,,y", ALIAS_OK, "j", "x, , y" },
	{ "k: \"a\\\"b\", 'single quote'", ALIAS_OK, "k",
	    "\"a\\\"b\", 'single quote'" },
	{ "l: [ 1.2.3.4 ], x@[1.2.3.4]", ALIAS_OK, "l",
	    "[ 1.2.3.4 ], x@[1.2.3.4]" },
	{ "m: x <> y, <>", ALIAS_OK, "m", "x <>y, <>" },
	{ "n: \"unterminated", ALIAS_OK, "n", "\"unterminated\"" },
	{ "o: (unterminated", ALIAS_OK, "o", "(unterminated" },
	{ "p: a,b;c", ALIAS_OK, "p", "a, b;c" },
	{ "q: a\\,b", ALIAS_OK, "q", "\"a,b\"" },
	{ "r\\:s: t", ALIAS_OK, "r:s", "t" },
	{ "u: \xc3\xbc@ex\xc3\xa4mple", ALIAS_OK, "u",
	    "\xc3\xbc@ex\xc3\xa4mple" },
	{ "v: a\\", ALIAS_OK, "v", "a" },
	{ "w: <a@b", ALIAS_OK, "w", "<a@b" },
};

static void
test_lines(void)
{
	struct str name = STR_INIT, value = STR_INIT;
	char label[300];
	size_t i;
	int r;

	str_init(&name);
	str_init(&value);
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		r = alias_line(lines[i].line, &name, &value);
		snprintf(label, sizeof(label), "line [%s]: result",
		    lines[i].line);
		T_OK(label, r == lines[i].result);
		if (lines[i].result != ALIAS_OK || r != ALIAS_OK)
			continue;
		snprintf(label, sizeof(label), "line [%s]: name",
		    lines[i].line);
		T_STR(label, name.s, lines[i].name);
		snprintf(label, sizeof(label), "line [%s]: value",
		    lines[i].line);
		T_STR(label, value.s, lines[i].value);
	}
	str_free(&name);
	str_free(&value);
}

static const struct {
	const char	*value;
	const char	*want;	/* destinations joined with " | " */
} splits[] = {
	{ "a, b, c", "a | b | c" },
	{ "root", "root" },
	{ "\"d,e\"@x, c", "d,e@x | c" },
	{ "|\"/usr/bin/x y\"", "|/usr/bin/x y" },
	{ "\"|prog arg\"", "|prog arg" },
	{ "|/usr/bin/procmail -a \"$EXTENSION\"",
	    "|/usr/bin/procmail -a $EXTENSION" },
	{ ":include:/etc/mail/list, /var/log/mail.copy",
	    ":include:/etc/mail/list | /var/log/mail.copy" },
	{ "Name <n@x>, x (comment), y", "n@x | x | y" },
	{ "x, , y", "x | y" },
	{ "\"quoted local\"@example.com", "quoted local@example.com" },
	{ "", "" },
};

static void
test_split(void)
{
	struct str got = STR_INIT;
	char **list, label[300];
	size_t i, j, n;

	str_init(&got);
	for (i = 0; i < sizeof(splits) / sizeof(splits[0]); i++) {
		list = alias_split(splits[i].value, &n);
		str_reset(&got);
		for (j = 0; list[j]; j++) {
			if (j)
				str_adds(&got, " | ");
			str_adds(&got, list[j]);
		}
		snprintf(label, sizeof(label), "split [%s]", splits[i].value);
		T_STR(label, got.s, splits[i].want);
		T_OK("split count", n == j);
		alias_list_free(list);
	}
	T_OK("kind: pipe", alias_kind("|cmd") == ALIAS_K_PIPE);
	T_OK("kind: file", alias_kind("/var/x") == ALIAS_K_FILE);
	T_OK("kind: include", alias_kind(":INCLUDE:/x") == ALIAS_K_INCLUDE);
	T_OK("kind: address", alias_kind("user@x") == ALIAS_K_ADDR);
	str_free(&got);
}

struct seen {
	struct str	s;
};

static int
record(void *ctx, const char *name, const char *value, int lineno)
{
	struct seen *sp = ctx;

	str_addf(&sp->s, "%d:%s=%s;", lineno, name, value);
	return 0;
}

static void
test_parse(void)
{
	static const char text[] =
	    "# comment\n"
	    "Root: admin\r\n"
	    "list: a,\n"
	    "  # comment inside a continuation\n"
	    "\tb,\r\n"
	    "  c\n"
	    "\n"
	    "nocolon\n"
	    "user@dom: x\n"
	    "\"Quoted Name\": q\n"
	    "root: again\n";
	struct seen sn;
	FILE *fp;
	int w0, r;

	str_init(&sn.s);
	fp = fmemopen((void *)text, sizeof(text) - 1, "r");
	w0 = log_warnings();
	r = alias_parse(fp, "test-aliases", 0, record, &sn);
	fclose(fp);
	T_OK("parse: no error", r == 0);
	T_STR("parse: entries, names folded, continuations joined", sn.s.s,
	    "2:root=admin;3:list=a, b, c;10:quoted name=q;11:root=again;");
	T_OK("parse: two bad lines and the CRLF warned",
	    log_warnings() - w0 == 3);

	str_reset(&sn.s);
	fp = fmemopen((void *)text, sizeof(text) - 1, "r");
	r = alias_parse(fp, "test-aliases", ALIAS_NOFOLD, record, &sn);
	fclose(fp);
	T_STR("parse: ALIAS_NOFOLD keeps case", sn.s.s,
	    "2:Root=admin;3:list=a, b, c;10:Quoted Name=q;11:root=again;");

	str_reset(&sn.s);
	fp = fmemopen("  leading: x\nb: c\n", 18, "r");
	w0 = log_warnings();
	r = alias_parse(fp, "lead", 0, record, &sn);
	fclose(fp);
	T_STR("parse: line starting with white space is skipped", sn.s.s,
	    "2:b=c;");
	T_OK("parse: ... with a warning", log_warnings() - w0 == 1);
	str_free(&sn.s);
}

int
main(void)
{
	test_lines();
	test_split();
	test_parse();
	T_DONE();
}

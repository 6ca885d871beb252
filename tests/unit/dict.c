/* MIT licence: see LICENSE. */
/*
 * dict.c - unit tests of lib/table/dict.c, dict_cdb.c, dict_simple.c and
 * table.c: the table types, key folding, the synonyms, the cdb writer
 * and reader.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../lib/log.h"
#include "../../lib/str.h"
#include "../../lib/table/dict.h"
#include "../../lib/table/table.h"
#include "t.h"

static char dir[] = "/tmp/mta-unit-dict.XXXXXX";

/* look key up in spec; the value, "(none)" or "(error)" */
static const char *
q(const char *spec, int flags, const char *key)
{
	static struct str val;
	struct str err = STR_INIT;
	struct dict *d;
	int r;

	if ((d = dict_open(spec, flags, &err)) == NULL) {
		str_free(&err);
		return "(open error)";
	}
	r = dict_lookup(d, key, &val);
	dict_close(d);
	str_free(&err);
	return r > 0 ? val.s : r == 0 ? "(none)" : "(error)";
}

/* the reason spec does not open, or "" */
static const char *
open_err(const char *spec)
{
	static struct str err;
	struct dict *d;

	str_reset(&err);
	if ((d = dict_open(spec, DICT_FOLD, &err)) != NULL) {
		dict_close(d);
		return "";
	}
	return err.s;
}

static void
test_static(void)
{
	T_STR("static: any key", q("static:OK", DICT_FOLD, "x"), "OK");
	T_STR("static:{ text with spaces }", q("static:{ 550 no way }",
	    DICT_FOLD, "y"), "550 no way");
	T_OK("static:{ without } is an error",
	    strstr(open_err("static:{ a b"), "missing '}'") != NULL);
	T_OK("static:{x}junk is an error",
	    strstr(open_err("static:{x}junk"), "after '}'") != NULL);
	T_OK("static: without a value is an error",
	    strstr(open_err("static:"), "type:name") != NULL);
}

static void
test_inline(void)
{
	const char *m = "inline:{ k=v, {k2=a , b}, { k3 = x y }, K4=Z }";

	T_STR("inline: plain", q(m, DICT_FOLD, "k"), "v");
	T_STR("inline: braces keep commas", q(m, DICT_FOLD, "K2"), "a , b");
	T_STR("inline: braces allow spaces", q(m, DICT_FOLD, "k3"), "x y");
	T_STR("inline: keys folded at open", q(m, DICT_FOLD, "k4"), "Z");
	T_STR("inline: unknown key", q(m, DICT_FOLD, "k5"), "(none)");
	T_OK("inline: bare 'a = b' is an error",
	    strstr(open_err("inline:{a = b}"), "missing '='") != NULL);
	T_OK("inline: no braces is an error",
	    strstr(open_err("inline:a=b"), "bad syntax") != NULL);
	T_OK("inline: unbalanced is an error",
	    strstr(open_err("inline:{a=b"), "bad syntax") != NULL);
	T_OK("inline: empty is an error",
	    strstr(open_err("inline:{}"), "bad syntax") != NULL);
}

static void
test_split(void)
{
	char l1[] = "key   value with  spaces  ", l2[] = "\"a b\"@x v",
	    l3[] = "\"a b v", l4[] = "lonely   ", l5[] = "a\\ b c";
	char *k, *v;

	T_OK("table_split key", table_split(l1, &k, &v) == TABLE_OK &&
	    strcmp(k, "key") == 0 && strcmp(v, "value with  spaces") == 0);
	T_OK("table_split keeps quotes in the key", table_split(l2, &k, &v)
	    == TABLE_OK && strcmp(k, "\"a b\"@x") == 0 &&
	    strcmp(v, "v") == 0);
	T_OK("table_split unbalanced quote",
	    table_split(l3, &k, &v) == TABLE_UNBALANCED);
	T_OK("table_split no value", table_split(l4, &k, &v) ==
	    TABLE_NOVALUE);
	T_OK("table_split backslash", table_split(l5, &k, &v) == TABLE_OK &&
	    strcmp(k, "a\\ b") == 0 && strcmp(v, "c") == 0);
}

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL)
		die("%s:", path);
	fputs(text, fp);
	fclose(fp);
}

static void
test_texthash(void)
{
	char path[256], spec[300];

	snprintf(path, sizeof(path), "%s/th", dir);
	write_file(path, "# comment\nFoo bar\nfoo baz\nlong first\n"
	    "  second\nnovalue\n");
	snprintf(spec, sizeof(spec), "texthash:%s", path);
	T_STR("texthash: folded key", q(spec, DICT_FOLD, "FOO"), "bar");
	T_STR("texthash: continuation", q(spec, DICT_FOLD, "long"),
	    "first  second");
	T_STR("texthash: without DICT_FOLD", q(spec, DICT_NO_CACHE, "foo"),
	    "baz");
	T_STR("texthash: replace", q(spec, DICT_FOLD | DICT_DUP_REPLACE |
	    DICT_NO_CACHE, "foo"), "baz");
	T_STR("texthash: bad line skipped", q(spec, DICT_FOLD, "novalue"),
	    "(none)");
	T_OK("texthash: missing file",
	    strstr(open_err("texthash:/nonexistent/x"), "open") != NULL);
}

static int
put(struct dict_writer *w, const char *k, const char *v)
{
	return dict_put(w, k, strlen(k), v, strlen(v));
}

static void
test_cdb(void)
{
	struct str err = STR_INIT, k = STR_INIT, v = STR_INIT;
	struct dict_writer *w;
	struct dict *d;
	struct stat st;
	char spec[300], tmp[300];
	int n, r, how;

	snprintf(spec, sizeof(spec), "cdb:%s/t", dir);
	w = dict_create(spec, DICT_DUP_WARN, &err);
	T_OK("cdb: create", w != NULL);
	if (w == NULL)
		return;
	T_OK("cdb: put", put(w, "alpha", "one") == 0);
	T_OK("cdb: put mixed case", put(w, "MiXed", "two") == 0);
	T_OK("cdb: duplicate reported", put(w, "alpha", "three") == 1);
	snprintf(tmp, sizeof(tmp), "%s/t.cdb", dir);
	T_OK("cdb: nothing in place before commit", stat(tmp, &st) < 0);
	T_OK("cdb: commit", dict_commit(w, &err) == 0);
	T_OK("cdb: in place after commit", stat(tmp, &st) == 0);
	T_STR("cdb: first duplicate kept", q(spec, DICT_FOLD, "ALPHA"),
	    "one");
	T_STR("cdb: folded lookup misses a mixed-case key",
	    q(spec, DICT_FOLD, "MiXed"), "(none)");
	T_STR("cdb: exact lookup without DICT_FOLD",
	    q(spec, DICT_NO_CACHE, "MiXed"), "two");
	T_STR("cdb: hash: is a synonym", q("hash:/nonexistent/z",
	    DICT_FOLD, "x"), "(open error)");
	snprintf(tmp, sizeof(tmp), "hash:%s/t", dir);
	T_STR("cdb: hash:NAME reads NAME.cdb", q(tmp, DICT_FOLD, "alpha"),
	    "one");
	snprintf(tmp, sizeof(tmp), "proxy:btree:%s/t", dir);
	T_STR("cdb: proxy:btree: reads NAME.cdb", q(tmp, DICT_FOLD,
	    "alpha"), "one");
	snprintf(tmp, sizeof(tmp), "%s/t", dir);
	T_STR("cdb: a bare name is default_database_type",
	    q(tmp, DICT_FOLD, "alpha"), "one");

	d = dict_open(spec, DICT_FOLD, &err);
	n = 0;
	for (how = DICT_SEQ_FIRST; (r = dict_seq(d, how, &k, &v)) > 0;
	    how = DICT_SEQ_NEXT)
		n++;
	T_OK("cdb: dict_seq lists both entries", r == 0 && n == 2);
	T_OK("cdb: dict_open shares a handle",
	    dict_open(spec, DICT_FOLD, &err) == d);
	dict_close(d);
	dict_close(d);

	/* the NUL form: written with -N, found by the default reader */
	w = dict_create(spec, DICT_TRY1NUL, &err);
	put(w, "k", "v");
	dict_commit(w, &err);
	T_STR("cdb: NUL-terminated table read", q(spec, DICT_NO_CACHE, "k"),
	    "v");
	T_STR("cdb: NUL table, reader told no NUL",
	    q(spec, DICT_NO_CACHE | DICT_TRY0NUL, "k"), "(none)");

	w = dict_create(spec, DICT_DUP_REPLACE, &err);
	put(w, "a", "1");
	put(w, "a", "2");
	dict_commit(w, &err);
	T_STR("cdb: DICT_DUP_REPLACE", q(spec, DICT_NO_CACHE, "a"), "2");

	w = dict_create(spec, 0, &err);
	put(w, "gone", "1");
	dict_abort(w);
	T_STR("cdb: abort keeps the old table", q(spec, DICT_NO_CACHE, "a"),
	    "2");
	T_OK("cdb: create of regexp refused",
	    dict_create("regexp:/x", 0, &err) == NULL &&
	    strstr(err.s, "bulk-mode") != NULL);
	str_free(&err);
	str_free(&k);
	str_free(&v);
}

static void
test_misc(void)
{
	T_OK("unknown type", strcmp(open_err("nosuch:x"),
	    "unsupported dictionary type: nosuch") == 0);
	T_STR("fail: lookups fail", q("fail:x", DICT_FOLD, "k"), "(error)");
	T_OK("unix: unknown map", strstr(open_err("unix:foo"),
	    "unknown table") != NULL);
	T_OK("unix:passwd.byname root", strncmp(q("unix:passwd.byname",
	    DICT_FOLD, "ROOT"), "root:", 5) == 0);
	T_STR("unix:passwd.byname unknown user", q("unix:passwd.byname",
	    DICT_FOLD, "no-such-user-here"), "(none)");
	T_OK("dict_types sorted, has cdb and hash",
	    strstr(dict_types(), "cdb\ncidr\n") != NULL &&
	    strstr(dict_types(), "\nhash\n") != NULL);
}

int
main(void)
{
	char cmd[300];

	log_init("unit-dict");
	if (mkdtemp(dir) == NULL)
		die("mkdtemp:");
	test_static();
	test_inline();
	test_split();
	test_texthash();
	test_cdb();
	test_misc();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		warn("could not remove %s", dir);
	T_DONE();
}

/* MIT licence: see LICENSE. */
/*
 * base.c - unit tests of lib/str.c, lib/num.c and lib/readl.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/log.h"
#include "../../lib/num.h"
#include "../../lib/readl.h"
#include "../../lib/str.h"
#include "t.h"

static void
test_str(void)
{
	struct str s = STR_INIT;
	char buf[4], *p, *tok, text[] = " a, b ,,c ";

	str_init(&s);
	str_addmem(&s, "a\0b", 3);
	T_OK("str keeps NUL bytes", s.len == 3 && s.s[1] == 0 && s.s[3] == 0);
	str_reset(&s);
	str_addf(&s, "%s-%d", "x", 42);
	T_STR("str_addf", s.s, "x-42");
	str_set(&s, "  MiXed Case \t");
	str_trim(&s);
	str_lower(&s);
	T_STR("str_trim and str_lower", s.s, "mixed case");
	str_reset(&s);
	for (int i = 0; i < 10000; i++)
		str_addc(&s, 'a' + i % 26);
	T_OK("str grows", s.len == 10000 && s.s[10000] == 0);
	T_OK("str_copy reports truncation", str_copy(buf, "hello",
	    sizeof(buf)) >= sizeof(buf) && strcmp(buf, "hel") == 0);
	p = text;
	tok = str_token(&p, ", ");
	T_STR("str_token first", tok, "a");
	tok = str_token(&p, ", ");
	T_STR("str_token skips empty", tok, "b");
	tok = str_token(&p, ", ");
	T_STR("str_token third", tok, "c");
	T_OK("str_token end", str_token(&p, ", ") == NULL);
	T_OK("str_casesuffix", str_casesuffix("x.EXAMPLE.com", ".example.COM"));
	str_free(&s);
}

static void
test_num(void)
{
	long long v;

	T_OK("num_parse 10240000", num_parse("10240000", 0, 1LL << 40, &v) == 0
	    && v == 10240000);
	T_OK("num_parse rejects trailing junk", num_parse("12abc", 0, 100, &v)
	    == -1 && errno == EINVAL);
	T_OK("num_parse rejects empty", num_parse("", 0, 100, &v) == -1);
	T_OK("num_parse range", num_parse("-1", 0, 100, &v) == -1 &&
	    errno == ERANGE);
	T_OK("num_parse overflow", num_parse("99999999999999999999", 0,
	    9223372036854775807LL, &v) == -1 && errno == ERANGE);
	T_OK("num_time 5d", num_time("5d", 's', &v) == 0 && v == 432000);
	T_OK("num_time bare number takes the default unit",
	    num_time("7", 'd', &v) == 0 && v == 7 * 86400);
	T_OK("num_time 1w", num_time("1w", 's', &v) == 0 && v == 604800);
	T_OK("num_time bad unit", num_time("5x", 's', &v) == -1);
	T_OK("num_time two units", num_time("5ss", 's', &v) == -1);
	T_OK("num_time negative", num_time("-5s", 's', &v) == -1);
}

static int
lines(const char *text, size_t n, char out[][64], int *lineno, int max)
{
	FILE *fp = fmemopen((void *)text, n, "r");
	struct readl r;
	struct str line = STR_INIT;
	int k = 0;

	readl_init(&r, fp, "test.cf", 0);
	r.max = 100;
	while (k < max && readl_next(&r, &line) == 1) {
		str_copy(out[k], line.s, 64);
		lineno[k++] = r.lineno;
	}
	readl_free(&r);
	str_free(&line);
	fclose(fp);
	return k;
}

static void
test_readl(void)
{
	char out[8][64];
	int ln[8], n;
	static const char text[] =
	    "# comment\n"
	    "a = 1\n"
	    "  continued\n"
	    "# inside\n"
	    "\n"
	    "\tmore\n"
	    "b = 2\r\n"
	    "c = x\0y\n"
	    "d = last";
	char big[300];

	n = lines(text, sizeof(text) - 1, out, ln, 8);
	T_OK("readl: three logical lines, NUL line dropped", n == 3);
	T_STR("readl joins continuations", out[0], "a = 1  continued\tmore");
	T_OK("readl: line number of the start", ln[0] == 2);
	T_STR("readl strips CR", out[1], "b = 2");
	T_OK("readl: line 7", ln[1] == 7);
	T_STR("readl: last line without newline", out[2], "d = last");
	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 1] = '\n';
	n = lines(big, sizeof(big), out, ln, 8);
	T_OK("readl drops an over-long line", n == 0);
}

int
main(void)
{
	log_init("unit");
	test_str();
	test_num();
	test_readl();
	T_DONE();
}

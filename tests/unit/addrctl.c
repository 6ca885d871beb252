/* MIT licence: see LICENSE. */
/*
 * addrctl.c - unit tests: no control character gets through the address
 * parsers of lib/ (smtpd's paths and xtext, the header addresses that
 * cleanup and sendmail's relay mode extract).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../applets/smtpd/smtpd_sess.h"
#include "../../lib/log.h"
#include "../../lib/rewrite/rewrite.h"
#include "../../lib/str.h"
#include "../../lib/table/alias.h"
#include "t.h"

static int
path_ok(const char *in, const char *want)
{
	struct str out = STR_INIT;
	const char *p = in;
	int r;

	str_init(&out);
	r = smtpd_parse_path(&p, &out, 0);
	if (want == NULL)
		r = r < 0;
	else
		r = r == 0 && strcmp(out.s, want) == 0;
	str_free(&out);
	return r;
}

static void
test_path(void)
{
	T_OK("path: quoted pair of a printable kept",
	    path_ok("<\"a\\\"b\"@x>", "a\"b@x"));
	T_OK("path: quoted pair of a space kept",
	    path_ok("<\"a\\ b\"@x>", "a b@x"));
	T_OK("path: quoted pair of a CR refused",
	    path_ok("<\"evil\\\rX-Injected: yes\"@x>", NULL));
	T_OK("path: quoted pair of a LF refused", path_ok("<\"a\\\nb\"@x>",
	    NULL));
	T_OK("path: quoted pair of a TAB refused", path_ok("<\"a\\\tb\"@x>",
	    NULL));
	T_OK("path: quoted pair of DEL refused", path_ok("<\"a\\\177\"@x>",
	    NULL));
	T_OK("path: quoted pair of ESC refused", path_ok("<\"a\\\033\"@x>",
	    NULL));
	T_OK("path: raw CR in quotes refused", path_ok("<\"a\rb\"@x>", NULL));
	T_OK("path: raw SOH refused", path_ok("<a\001b@x>", NULL));
	T_OK("path: source route dropped", path_ok("<@a,@b:u@c>", "u@c"));
	T_OK("path: route with an address literal dropped",
	    path_ok("<@[IPv6:::1]:u@c>", "u@c"));
	T_OK("path: a route alone is the empty address", path_ok("<@a:>",
	    ""));
	T_OK("path: \"@a\" is kept", path_ok("<@a>", "@a"));
	T_OK("path: 8-bit kept (SMTPUTF8 decides)",
	    path_ok("<\"\xc3\xa9\"@x>", "\xc3\xa9@x"));
}

static int
xtext_ok(const char *in, const char *want)
{
	struct str out = STR_INIT;
	int r;

	str_init(&out);
	r = smtpd_parse_xtext(in, &out);
	if (want == NULL)
		r = r < 0;
	else
		r = r == 0 && strcmp(out.s, want) == 0;
	str_free(&out);
	return r;
}

static void
test_xtext(void)
{
	T_OK("xtext: +40 decodes", xtext_ok("a+40b", "a@b"));
	T_OK("xtext: +2B decodes", xtext_ok("x+2By", "x+y"));
	T_OK("xtext: +0D refused", xtext_ok("a+0Db", NULL));
	T_OK("xtext: +0A refused", xtext_ok("a+0Ab", NULL));
	T_OK("xtext: +00 refused", xtext_ok("a+00b", NULL));
	T_OK("xtext: +7F refused", xtext_ok("a+7Fb", NULL));
	T_OK("xtext: +1B refused", xtext_ok("a+1Bb", NULL));
}

struct got {
	char	buf[512];
	int	n;
};

static void
collect(void *ctx, const char *a)
{
	struct got *g = ctx;
	size_t len = strlen(g->buf);

	snprintf(g->buf + len, sizeof(g->buf) - len, "%s%s", g->n++ ? "|" :
	    "", a);
}

static void
test_header(void)
{
	struct got g;

	memset(&g, 0, sizeof(g));
	rewrite_header_addrs(" a@x, Joe <b@y>, \"c d\"@z", collect, &g);
	T_STR("header: plain addresses found", g.buf, "a@x|b@y|\"c d\"@z");
	memset(&g, 0, sizeof(g));
	rewrite_header_addrs(" a@x, <\"evil\\\rX\"@y>, b\001c@z, d@w",
	    collect, &g);
	T_STR("header: addresses with control characters ignored", g.buf,
	    "a@x|d@w");
	memset(&g, 0, sizeof(g));
	rewrite_header_addrs(" <a\n b@x>, e@v", collect, &g);
	T_STR("header: folding inside <> ignored", g.buf, "e@v");
}

static void
test_escape(void)
{
	struct str e = STR_INIT;

	str_init(&e);
	smtpd_parse_escape("EHLO x\r\n\\\033\0", 11, &e);
	T_STR("escape: as Postfix's escape()", e.s,
	    "EHLO x\\r\\n\\\\\\033\\000");
	str_free(&e);
	T_OK("ctl: ETRN name with SOH", smtpd_parse_ctl("a\001b"));
	T_OK("ctl: a plain name", !smtpd_parse_ctl("example.com"));
}

static void
test_alias(void)
{
	char **l;
	size_t n, i;
	struct got g;

	memset(&g, 0, sizeof(g));
	l = alias_split("a@x, \"ev\\\ril\"@y, b\033c@z, \"|cmd\targ\", d", &n);
	for (i = 0; i < n; i++)
		collect(&g, l[i]);
	alias_list_free(l);
	/* CR, LF and TAB are blanks to this tokenizer (as tok822's) */
	T_STR("alias/forward list: an address with ESC ignored, CR a blank",
	    g.buf, "a@x|ev il@y||cmd arg|d");
}

int
main(void)
{
	log_init("unit");
	test_path();
	test_xtext();
	test_header();
	test_alias();
	test_escape();
	T_DONE();
}

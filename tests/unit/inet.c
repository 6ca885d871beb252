/* MIT licence: see LICENSE. */
/*
 * inet.c - unit tests of lib/inet.c: address and prefix parsing, the
 * formatter, matching, and the inet_interfaces-style address sets.
 * The accepted and rejected texts are those glibc's inet_pton() (and so
 * Debian's Postfix) accepts and rejects.
 */
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../lib/inet.h"
#include "../../lib/str.h"
#include "../../lib/table/dict.h"
#include "t.h"

/* good addresses: text, family, and the text inet_ntop() gives back */
static const struct {
	const char	*in;
	int		family;
	const char	*out;
} good[] = {
	{ "1.2.3.4", AF_INET, "1.2.3.4" },
	{ "0.0.0.0", AF_INET, "0.0.0.0" },
	{ "255.255.255.255", AF_INET, "255.255.255.255" },
	{ "10.0.200.1", AF_INET, "10.0.200.1" },
	{ "::", AF_INET6, "::" },
	{ "::1", AF_INET6, "::1" },
	{ "1::", AF_INET6, "1::" },
	{ "2001:db8::1", AF_INET6, "2001:db8::1" },
	{ "2001:DB8::A:1", AF_INET6, "2001:db8::a:1" },
	{ "2001:0db8:0000:0000:0000:0000:0000:0001", AF_INET6,
	    "2001:db8::1" },
	{ "1:2:3:4:5:6:7:8", AF_INET6, "1:2:3:4:5:6:7:8" },
	{ "1:0:3:4:5:6:7:8", AF_INET6, "1:0:3:4:5:6:7:8" },
	{ "1:2:3:4:5:6:7::", AF_INET6, "1:2:3:4:5:6:7:0" },
	{ "::2:3:4:5:6:7:8", AF_INET6, "0:2:3:4:5:6:7:8" },
	{ "1:0:0:4:0:0:0:8", AF_INET6, "1:0:0:4::8" },
	{ "1:0:0:4:5:0:0:8", AF_INET6, "1::4:5:0:0:8" },
	{ "::ffff:1.2.3.4", AF_INET6, "::ffff:1.2.3.4" },
	{ "::FFFF:1.2.3.4", AF_INET6, "::ffff:1.2.3.4" },
	{ "::1.2.3.4", AF_INET6, "::1.2.3.4" },
	{ "::0.0.0.1", AF_INET6, "::1" },
	{ "64:ff9b::192.0.2.33", AF_INET6, "64:ff9b::c000:221" },
	{ "1:2:3:4:5:6:1.2.3.4", AF_INET6, "1:2:3:4:5:6:102:304" },
	{ "fe80::", AF_INET6, "fe80::" },
	{ "0:0:0:0:0:1:0:0", AF_INET6, "::1:0:0" },
	{ "::ffff:0:0", AF_INET6, "::ffff:0.0.0.0" },
	{ "0::0", AF_INET6, "::" },
	{ "::0001", AF_INET6, "::1" },
};

/* bad addresses, for inet_addr_pton() */
static const char *bad[] = {
	"", "1", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.04", "01.2.3.4",
	"1.2.3.4 ", " 1.2.3.4", "1.2.3.-1", "1..2.3", "1.2.3.", ".1.2.3",
	"0x1.2.3.4", "1.2.3.4/32", "foo", "[1.2.3.4]", "[::1]",
	":", ":::", "1:::2", "1::2::3", ":1::", "1::2:", "12345::",
	"1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8",
	"1:2:3:4:5:6:7", "g::1", "fe80::1%eth0", "::1.2.3", "::1.2.3.4.5",
	"::256.1.1.1", "::1.2.3.4:5", "1:2:3:4:5:6:7:1.2.3.4",
	"::ffff:01.2.3.4",
	"00000::1", "::1.2.3.04",
};

/* good prefixes: text, the family, the bits, and the canonical form */
static const struct {
	const char	*in;
	int		bits;
	const char	*out;
} goodnet[] = {
	{ "1.2.3.0/24", 24, "1.2.3.0/24" },
	{ "1.2.3.4", 32, "1.2.3.4/32" },
	{ "1.2.3.4/32", 32, "1.2.3.4/32" },
	{ "0.0.0.0/0", 0, "0.0.0.0/0" },
	{ "10.0.0.0/8", 8, "10.0.0.0/8" },
	{ "1.0.0.0/08", 8, "1.0.0.0/8" },
	{ "192.168.1.128/25", 25, "192.168.1.128/25" },
	{ "[1.2.3.4]", 32, "1.2.3.4/32" },
	{ "[1.2.3.0]/24", 24, "1.2.3.0/24" },
	{ "[1.2.3.0/24]", 24, "1.2.3.0/24" },
	{ "::1", 128, "::1/128" },
	{ "[::1]", 128, "::1/128" },
	{ "[::1]/128", 128, "::1/128" },
	{ "[::1/128]", 128, "::1/128" },
	{ "::/0", 0, "::/0" },
	{ "2001:db8::/32", 32, "2001:db8::/32" },
	{ "2001:DB8::/32", 32, "2001:db8::/32" },
	{ "2001:db8:8000::/33", 33, "2001:db8:8000::/33" },
	{ "::ffff:0.0.0.0/96", 96, "::ffff:0.0.0.0/96" },
	{ "::ffff:1.2.3.0/120", 120, "::ffff:1.2.3.0/120" },
	{ "fe80::/10", 10, "fe80::/10" },
};

/* bad prefixes and Postfix's reason */
static const struct {
	const char	*in;
	const char	*why;
} badnet[] = {
	{ "1.2.3.4/24", "non-null host address bits in \"1.2.3.4/24\", "
	    "perhaps you should use \"1.2.3.0/24\" instead" },
	{ "1.2.7.0/0", "non-null host address bits in \"1.2.7.0/0\", "
	    "perhaps you should use \"0.0.0.0/0\" instead" },
	{ "2001:dba::1/32", "non-null host address bits in "
	    "\"2001:dba::1/32\", perhaps you should use \"2001:dba::/32\" "
	    "instead" },
	{ "::ffff:1.2.3.4/96", "non-null host address bits in "
	    "\"::ffff:1.2.3.4/96\", perhaps you should use "
	    "\"::ffff:0.0.0.0/96\" instead" },
	{ "1.2.5.5/33", "bad mask length in \"1.2.5.5/33\"" },
	{ "300.1.2.3/40", "bad mask length in \"300.1.2.3/40\"" },
	{ "::/129", "bad mask length in \"::/129\"" },
	{ "1.2.3.0/99999999999999999999", "bad mask length in "
	    "\"1.2.3.0/99999999999999999999\"" },
	{ "1.2.3.5/", "bad mask value in \"1.2.3.5/\"" },
	{ "1.2.3.6/+8", "bad mask value in \"1.2.3.6/+8\"" },
	{ "::/-1", "bad mask value in \"::/-1\"" },
	{ "1.2.3.4/33x", "bad mask value in \"1.2.3.4/33x\"" },
	{ "::8/64/64", "bad mask value in \"::8/64/64\"" },
	{ "1.2.3.0/24 x", "bad mask value in \"1.2.3.0/24 x\"" },
	{ "300.1.2.3/8", "bad network value in \"300.1.2.3/8\"" },
	{ "/8", "bad network value in \"/8\"" },
	{ "300.1.2.3", "bad address pattern: \"300.1.2.3\"" },
	{ "1.2.3", "bad address pattern: \"1.2.3\"" },
	{ "01.2.3.7", "bad address pattern: \"01.2.3.7\"" },
	{ "", "bad address pattern: \"\"" },
	{ "1::2::3", "bad address pattern: \"1::2::3\"" },
	{ "::7]", "bad address pattern: \"::7]\"" },
	{ "[::6", "missing ']' character after \"[::6\"" },
	{ "[::1]x", "garbage after \"[::1]\"" },
};

static void
test_addr(void)
{
	struct str s = STR_INIT, name = STR_INIT;
	unsigned char a[INET_ADDR_LEN], b[INET_ADDR_LEN];
	int fam, fam2;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		str_set(&name, "pton good ");
		str_adds(&name, good[i].in);
		memset(a, 0xaa, sizeof(a));
		T_OK(name.s, inet_addr_pton(good[i].in, &fam, a) == 0 &&
		    fam == good[i].family);
		str_set(&name, "format ");
		str_adds(&name, good[i].in);
		inet_addr_format(fam, a, &s);
		T_STR(name.s, s.s, good[i].out);
		/* the formatted text reads back as the same address */
		str_set(&name, "round trip ");
		str_adds(&name, good[i].in);
		T_OK(name.s, inet_addr_pton(s.s, &fam2, b) == 0 &&
		    fam2 == fam && memcmp(a, b, fam == AF_INET ? 4 : 16) == 0);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		str_set(&name, "pton bad \"");
		str_adds(&name, bad[i]);
		str_adds(&name, "\"");
		T_OK(name.s, inet_addr_pton(bad[i], &fam, a) < 0);
	}

	/* the bytes, in network order */
	T_OK("pton v4 bytes", inet_addr_pton("192.0.2.1", &fam, a) == 0 &&
	    memcmp(a, "\xc0\x00\x02\x01", 4) == 0);
	T_OK("pton v6 bytes", inet_addr_pton("2001:db8::102:304", &fam,
	    a) == 0 && memcmp(a, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0"
	    "\x01\x02\x03\x04", 16) == 0);
	T_OK("pton v4-mapped bytes", inet_addr_pton("::ffff:1.2.3.4", &fam,
	    a) == 0 && memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff"
	    "\x01\x02\x03\x04", 16) == 0);
	T_OK("pton bad leaves addr alone", (memset(a, 7, 16),
	    inet_addr_pton("1.2.3.x", &fam, a) < 0) && a[0] == 7 && a[3] == 7);

	/* inet_addr_parse also takes [brackets], and only whole ones */
	T_OK("parse bare v4", inet_addr_parse("1.2.3.4", &fam, a) == 0 &&
	    fam == AF_INET);
	T_OK("parse [v4]", inet_addr_parse("[1.2.3.4]", &fam, a) == 0 &&
	    fam == AF_INET && memcmp(a, "\1\2\3\4", 4) == 0);
	T_OK("parse [v6]", inet_addr_parse("[2001:db8::1]", &fam, a) == 0 &&
	    fam == AF_INET6 && a[15] == 1);
	T_OK("parse [::ffff:1.2.3.4]", inet_addr_parse("[::ffff:1.2.3.4]",
	    &fam, a) == 0 && fam == AF_INET6);
	T_OK("parse [] bad", inet_addr_parse("[]", &fam, a) < 0);
	T_OK("parse [ bad", inet_addr_parse("[::1", &fam, a) < 0);
	T_OK("parse ] bad", inet_addr_parse("::1]", &fam, a) < 0);
	T_OK("parse [[::1]] bad", inet_addr_parse("[[::1]]", &fam, a) < 0);
	T_OK("parse [::1]x bad", inet_addr_parse("[::1]x", &fam, a) < 0);

	/* unmapping ::ffff:a.b.c.d, and only that */
	inet_addr_pton("::ffff:10.1.2.3", &fam, a);
	T_OK("unmap mapped", inet_addr_unmap(&fam, a) == 1 &&
	    fam == AF_INET && memcmp(a, "\x0a\1\2\3", 4) == 0);
	inet_addr_pton("::10.1.2.3", &fam, a);
	T_OK("unmap compat untouched", inet_addr_unmap(&fam, a) == 0 &&
	    fam == AF_INET6);
	inet_addr_pton("10.1.2.3", &fam, a);
	T_OK("unmap v4 untouched", inet_addr_unmap(&fam, a) == 0 &&
	    fam == AF_INET);
	str_free(&s);
	str_free(&name);
}

static void
test_cidr(void)
{
	struct str s = STR_INIT, why = STR_INIT, name = STR_INIT;
	struct inet_cidr c;
	size_t i;

	for (i = 0; i < sizeof(goodnet) / sizeof(goodnet[0]); i++) {
		str_set(&name, "cidr good ");
		str_adds(&name, goodnet[i].in);
		memset(&c, 0, sizeof(c));
		T_OK(name.s, inet_cidr_parse(goodnet[i].in, &c, &why) == 0 &&
		    c.bits == goodnet[i].bits);
		inet_cidr_format(&c, &s);
		str_set(&name, "cidr format ");
		str_adds(&name, goodnet[i].in);
		T_STR(name.s, s.s, goodnet[i].out);
	}
	for (i = 0; i < sizeof(badnet) / sizeof(badnet[0]); i++) {
		str_set(&name, "cidr bad \"");
		str_adds(&name, badnet[i].in);
		str_adds(&name, "\"");
		str_reset(&why);
		T_OK(name.s, inet_cidr_parse(badnet[i].in, &c, &why) < 0);
		str_adds(&name, " reason");
		T_STR(name.s, why.s, badnet[i].why);
	}
	T_OK("cidr bad with NULL err", inet_cidr_parse("1.2.3.4/24", &c,
	    NULL) < 0);
	T_OK("cidr host bits /08", inet_cidr_parse("1.2.3.0/08", &c, &why) < 0
	    && strstr(why.s, "\"1.0.0.0/8\"") != NULL);

	/* the mask bytes */
	inet_cidr_parse("10.0.0.0/12", &c, &why);
	T_OK("mask /12", c.family == AF_INET && memcmp(c.mask,
	    "\xff\xf0\0\0", 4) == 0);
	inet_cidr_parse("2001:db8::/33", &c, &why);
	T_OK("mask /33", c.family == AF_INET6 && memcmp(c.mask,
	    "\xff\xff\xff\xff\x80\0\0\0\0\0\0\0\0\0\0\0", 16) == 0);
	inet_cidr_parse("0.0.0.0/0", &c, &why);
	T_OK("mask /0", memcmp(c.mask, "\0\0\0\0", 4) == 0);

	str_free(&s);
	str_free(&why);
	str_free(&name);
}

/* matching: prefix, address, expected */
static const struct {
	const char	*net;
	const char	*addr;
	int		want;
} matches[] = {
	{ "1.2.3.0/24", "1.2.3.0", 1 },
	{ "1.2.3.0/24", "1.2.3.255", 1 },
	{ "1.2.3.0/24", "1.2.4.0", 0 },
	{ "1.2.3.0/24", "1.2.2.255", 0 },
	{ "10.0.0.0/8", "10.255.255.255", 1 },
	{ "10.0.0.0/8", "11.0.0.0", 0 },
	{ "172.16.0.0/12", "172.31.1.1", 1 },
	{ "172.16.0.0/12", "172.32.0.1", 0 },
	{ "192.168.1.128/25", "192.168.1.127", 0 },
	{ "192.168.1.128/25", "192.168.1.128", 1 },
	{ "1.2.3.4", "1.2.3.4", 1 },
	{ "1.2.3.4", "1.2.3.5", 0 },
	{ "0.0.0.0/0", "255.1.2.3", 1 },
	{ "0.0.0.0/0", "::1", 0 },		/* families never mix */
	{ "::/0", "1.2.3.4", 0 },
	{ "::/0", "::ffff:1.2.3.4", 1 },
	{ "::ffff:1.2.3.0/120", "1.2.3.4", 0 },
	{ "::ffff:1.2.3.0/120", "::ffff:1.2.3.4", 1 },
	{ "1.2.3.0/24", "::ffff:1.2.3.4", 0 },
	{ "2001:db8::/32", "2001:db8:ffff::1", 1 },
	{ "2001:db8::/32", "2001:db9::1", 0 },
	{ "2001:db8:8000::/33", "2001:db8:7fff::1", 0 },
	{ "2001:db8:8000::/33", "2001:db8:8000::1", 1 },
	{ "::1", "::1", 1 },
	{ "::1", "::2", 0 },
	{ "fe80::/10", "febf::1", 1 },
	{ "fe80::/10", "fec0::1", 0 },
};

static void
test_match(void)
{
	struct str why = STR_INIT, name = STR_INIT;
	struct inet_cidr c;
	unsigned char a[INET_ADDR_LEN];
	int fam;
	size_t i;

	for (i = 0; i < sizeof(matches) / sizeof(matches[0]); i++) {
		str_set(&name, "match ");
		str_adds(&name, matches[i].addr);
		str_adds(&name, matches[i].want ? " in " : " not in ");
		str_adds(&name, matches[i].net);
		T_OK(name.s, inet_cidr_parse(matches[i].net, &c, &why) == 0 &&
		    inet_addr_pton(matches[i].addr, &fam, a) == 0 &&
		    inet_cidr_match(&c, fam, a) == matches[i].want);
	}
	/* every prefix length of an all-ones address */
	for (i = 0; i <= 32; i++) {
		char buf[32];

		snprintf(buf, sizeof(buf), "0.0.0.0/%zu", i);
		inet_cidr_parse(buf, &c, &why);
		inet_addr_pton("0.0.0.0", &fam, a);
		if (!inet_cidr_match(&c, fam, a))
			break;
		inet_addr_pton("255.255.255.255", &fam, a);
		if (inet_cidr_match(&c, fam, a) != (i == 0))
			break;
	}
	T_OK("every v4 prefix length", i == 33);
	for (i = 0; i <= 128; i++) {
		char buf[32];

		snprintf(buf, sizeof(buf), "::/%zu", i);
		inet_cidr_parse(buf, &c, &why);
		inet_addr_pton("::", &fam, a);
		if (!inet_cidr_match(&c, fam, a))
			break;
		inet_addr_pton("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		    &fam, a);
		if (inet_cidr_match(&c, fam, a) != (i == 0))
			break;
	}
	T_OK("every v6 prefix length", i == 129);
	str_free(&why);
	str_free(&name);
}

/* the cidr: table type, through its constructor */
static void
test_table(void)
{
	static const char text[] =
	    "# comment\n"
	    "1.2.3.0/24 net\n"
	    "1.2.4.5/24 host bits: skipped\n"
	    "!10.0.0.0/8 not ten\n"
	    "if 2001:db8::/32\n"
	    "[2001:db8::1] one\n"
	    "endif\n"
	    "::/0 any v6\n";
	char path[] = "/tmp/mta-unit-cidr.XXXXXX";
	struct str err = STR_INIT, val = STR_INIT;
	struct dict *d;
	FILE *fp;
	int fd;

	if ((fd = mkstemp(path)) < 0 || (fp = fdopen(fd, "w")) == NULL)
		return;
	fputs(text, fp);
	fclose(fp);
	str_init(&err);
	str_init(&val);
	d = dict_cidr_open(path, 0, &err);
	T_OK("cidr table opens", d != NULL);
	if (d == NULL)
		goto out;
	T_OK("cidr type", strcmp(d->type, "cidr") == 0 &&
	    (d->flags & DICT_PATTERN));
	T_OK("cidr net", d->lookup(d, "1.2.3.9", &val) == 1 &&
	    strcmp(val.s, "net") == 0);
	T_OK("cidr skipped rule", d->lookup(d, "1.2.4.5", &val) == 1 &&
	    strcmp(val.s, "not ten") == 0);
	T_OK("cidr negation miss", d->lookup(d, "10.9.9.9", &val) == 0);
	T_OK("cidr if", d->lookup(d, "2001:db8::1", &val) == 1 &&
	    strcmp(val.s, "one") == 0);
	T_OK("cidr after if", d->lookup(d, "2001:db8::2", &val) == 1 &&
	    strcmp(val.s, "any v6") == 0);
	T_OK("cidr bracket key not found", d->lookup(d, "[::1]", &val) == 0);
	T_OK("cidr word key not found", d->lookup(d, "localhost", &val) == 0);
	d->close(d);
out:
	unlink(path);
	str_reset(&err);
	T_OK("cidr missing file", dict_cidr_open("/nonexistent/x.cidr", 0,
	    &err) == NULL && strstr(err.s, "/nonexistent/x.cidr") != NULL);
	str_free(&err);
	str_free(&val);
}

static void
test_list(void)
{
	struct inet_addr_list l = { NULL, 0 };

	inet_addr_list_iface(&l, "192.0.2.1, [2001:db8::1]\t198.51.100.7", 0);
	T_OK("list: three addresses", l.n == 3);
	T_OK("list: has 192.0.2.1", inet_addr_list_has(&l, "192.0.2.1"));
	T_OK("list: has [2001:db8::1] as 2001:db8::1",
	    inet_addr_list_has(&l, "2001:db8::1"));
	T_OK("list: v4-mapped counts as v4",
	    inet_addr_list_has(&l, "::ffff:198.51.100.7"));
	T_OK("list: not 192.0.2.2", !inet_addr_list_has(&l, "192.0.2.2"));
	T_OK("list: not a name", !inet_addr_list_has(&l, "example.com"));
	inet_addr_list_iface(&l, "192.0.2.1 ::ffff:192.0.2.1", 0);
	T_OK("list: each address once", l.n == 3);
	inet_addr_list_free(&l);
	inet_addr_list_iface(&l, "loopback-only", 1);
	T_OK("list: loopback-only", l.n == 2 &&
	    inet_addr_list_has(&l, "127.0.0.1") &&
	    inet_addr_list_has(&l, "::1"));
	inet_addr_list_free(&l);
	inet_addr_list_iface(&l, "all", 0);
	T_OK("list: all only where allowed (inet_interfaces)", l.n == 0);
	if (T_IFADDRS("list: all")) {
		inet_addr_list_iface(&l, "all", 1);
		T_OK("list: all has the loopback interface",
		    inet_addr_list_has(&l, "127.0.0.1"));
		inet_addr_list_free(&l);
	}
}

int
main(void)
{
	test_addr();
	test_cidr();
	test_match();
	test_table();
	test_list();
	T_DONE();
}

/* MIT licence: see LICENSE. */
/*
 * match.c - unit tests of lib/table/match.c: Postfix's match lists as used by
 * mydestination, relay_domains, mynetworks and the like.  Each case is a
 * list, what it is matched against, and the answer Postfix's
 * match_list.c / match_ops.c would give.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../lib/str.h"
#include "../../lib/table/match.h"
#include "t.h"

static char dir[] = "/tmp/mta-unit-match.XXXXXX";

/* expand "@D" in a list to the scratch directory */
static char *
expand(const char *list)
{
	struct str s = STR_INIT;
	const char *p;

	str_init(&s);
	for (p = list; *p; p++) {
		if (p[0] == '@' && p[1] == 'D') {
			str_adds(&s, dir);
			p++;
		} else {
			str_addc(&s, *p);
		}
	}
	return str_steal(&s);
}

static void
put(const char *name, const char *text)
{
	char path[300];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fp = fopen(path, "w")) == NULL)
		return;
	fputs(text, fp);
	fclose(fp);
}

static const struct {
	const char	*name;
	int		flags;
	const char	*list;
	const char	*a, *b;
	int		want;
} cases[] = {
	/* domain lists */
	{ "domain: exact", MATCH_DOMAIN, "example.com, other.org",
	    "example.com", NULL, 1 },
	{ "domain: case-insensitive", MATCH_DOMAIN, "Example.COM",
	    "EXAMPLE.com", NULL, 1 },
	{ "domain: second item", MATCH_DOMAIN, "a.org other.org",
	    "other.org", NULL, 1 },
	{ "domain: no match", MATCH_DOMAIN, "example.com", "example.net",
	    NULL, 0 },
	{ "domain: subdomain without parent style", MATCH_DOMAIN,
	    "example.com", "mail.example.com", NULL, 0 },
	{ "domain: subdomain with parent style", MATCH_DOMAIN | MATCH_PARENT,
	    "example.com", "mail.example.com", NULL, 1 },
	{ "domain: parent style needs a label boundary",
	    MATCH_DOMAIN | MATCH_PARENT, "example.com", "badexample.com",
	    NULL, 0 },
	{ "domain: .domain matches subdomains", MATCH_DOMAIN,
	    ".example.com", "a.b.example.com", NULL, 1 },
	{ "domain: .domain does not match the domain", MATCH_DOMAIN,
	    ".example.com", "example.com", NULL, 0 },
	{ "domain: .domain under parent style (Postfix: no)",
	    MATCH_DOMAIN | MATCH_PARENT, ".example.com", "a.example.com",
	    NULL, 0 },
	{ "domain: negation stops the search", MATCH_DOMAIN | MATCH_PARENT,
	    "!bad.example.com, example.com", "bad.example.com", NULL, 0 },
	{ "domain: negation only for its pattern", MATCH_DOMAIN |
	    MATCH_PARENT, "!bad.example.com, example.com", "ok.example.com",
	    NULL, 1 },
	{ "domain: double negation", MATCH_DOMAIN, "!!example.com",
	    "example.com", NULL, 1 },
	{ "domain: table exact", MATCH_DOMAIN, "texthash:@D/domains",
	    "listed.org", NULL, 1 },
	{ "domain: table parent as .domain", MATCH_DOMAIN,
	    "texthash:@D/domains", "a.dotted.org", NULL, 1 },
	{ "domain: table parent bare under parent style",
	    MATCH_DOMAIN | MATCH_PARENT, "texthash:@D/domains",
	    "x.listed.org", NULL, 1 },
	{ "domain: table parent bare without parent style", MATCH_DOMAIN,
	    "texthash:@D/domains", "x.listed.org", NULL, 0 },
	{ "domain: regexp table gets the full name only",
	    MATCH_DOMAIN | MATCH_PARENT, "regexp:@D/re", "x.retest.org",
	    NULL, 0 },
	{ "domain: regexp table full name", MATCH_DOMAIN,
	    "regexp:@D/re", "retest.org", NULL, 1 },
	{ "domain: negated table", MATCH_DOMAIN,
	    "!texthash:@D/domains, listed.org", "listed.org", NULL, 0 },
	{ "domain: /file include", MATCH_DOMAIN, "a.org, @D/list",
	    "fromfile.net", NULL, 1 },
	{ "domain: /file second line, two items", MATCH_DOMAIN, "@D/list",
	    "third.net", NULL, 1 },
	{ "domain: /file comment ignored", MATCH_DOMAIN, "@D/list",
	    "commented.net", NULL, 0 },
	{ "domain: !/file negates its items", MATCH_DOMAIN,
	    "!@D/list, fromfile.net", "fromfile.net", NULL, 0 },
	{ "domain: negation inside a file", MATCH_DOMAIN,
	    "@D/list, notme.net", "notme.net", NULL, 0 },
	{ "domain: missing file is an error", MATCH_DOMAIN,
	    "@D/nosuchfile, example.com", "example.com", NULL, -1 },
	{ "domain: missing table is an error", MATCH_DOMAIN,
	    "cdb:@D/nosuchtable, example.com", "example.com", NULL, -1 },
	{ "domain: error after a match is not reached", MATCH_DOMAIN,
	    "example.com, cdb:@D/nosuchtable", "example.com", NULL, 1 },
	{ "domain: failing table is an error", MATCH_DOMAIN,
	    "fail:x", "example.com", NULL, -1 },
	{ "domain: separators comma, space, tab, newline", MATCH_DOMAIN,
	    "a.org,b.org\tc.org\n d.org", "d.org", NULL, 1 },
	{ "domain: empty list", MATCH_DOMAIN, "", "example.com", NULL, 0 },
	/* address lists */
	{ "addr: exact IPv4", MATCH_ADDR, "127.0.0.1", "127.0.0.1", NULL,
	    1 },
	{ "addr: IPv4 net/mask", MATCH_ADDR, "10.0.0.0/8, 192.168.0.0/16",
	    "192.168.7.9", NULL, 1 },
	{ "addr: IPv4 outside", MATCH_ADDR, "192.168.0.0/24",
	    "192.168.1.1", NULL, 0 },
	{ "addr: IPv6 in brackets", MATCH_ADDR, "[::1]/128", "::1", NULL,
	    1 },
	{ "addr: IPv6 net in brackets", MATCH_ADDR, "[2001:db8::]/32",
	    "2001:db8:ffff::1", NULL, 1 },
	{ "addr: IPv6 other net", MATCH_ADDR, "[2001:db8::]/32",
	    "2001:db9::1", NULL, 0 },
	{ "addr: [address]", MATCH_ADDR, "[::1]", "::1", NULL, 1 },
	{ "addr: IPv6 long form equals short", MATCH_ADDR,
	    "[0:0:0:0:0:0:0:1]", "::1", NULL, 1 },
	{ "addr: IPv4 pattern never matches IPv6", MATCH_ADDR,
	    "0.0.0.0/0", "::1", NULL, 0 },
	{ "addr: negated net", MATCH_ADDR, "!10.1.0.0/16, 10.0.0.0/8",
	    "10.1.2.3", NULL, 0 },
	{ "addr: negated net, other address", MATCH_ADDR,
	    "!10.1.0.0/16, 10.0.0.0/8", "10.2.2.3", NULL, 1 },
	{ "addr: cidr table", MATCH_ADDR, "cidr:@D/nets", "172.16.5.5",
	    NULL, 1 },
	{ "addr: cidr table miss", MATCH_ADDR, "cidr:@D/nets", "172.32.5.5",
	    NULL, 0 },
	{ "addr: bad net/mask is an error", MATCH_ADDR, "10.0.0.1/8",
	    "10.0.0.1", NULL, -1 },
	{ "addr: file of networks", MATCH_ADDR, "@D/nets.list",
	    "100.64.1.1", NULL, 1 },
	/* host name/address lists */
	{ "namadr: name", MATCH_NAMADR | MATCH_PARENT, "example.com",
	    "mx.example.com", "10.9.9.9", 1 },
	{ "namadr: address", MATCH_NAMADR, "example.com, 10.0.0.0/8",
	    "mx.example.net", "10.9.9.9", 1 },
	{ "namadr: neither", MATCH_NAMADR, "example.com, 10.0.0.0/8",
	    "mx.example.net", "11.9.9.9", 0 },
	{ "namadr: domain pattern is no address error", MATCH_NAMADR,
	    "example.com", "unknown", "10.9.9.9", 0 },
	/* string lists */
	{ "string: exact", MATCH_STRING, "root, postfix", "Root", NULL,
	    1 },
	{ "string: no parent magic", MATCH_STRING | MATCH_PARENT,
	    "example.com", "a.example.com", NULL, 0 },
	{ "string: table", MATCH_STRING, "texthash:@D/domains",
	    "listed.org", NULL, 1 },
	{ "string: static:anyone", MATCH_STRING, "static:anyone", "joe",
	    NULL, 1 },
};

int
main(void)
{
	struct match_list *ml;
	char *list, name[200], cmd[300];
	size_t i;
	int r;

	if (mkdtemp(dir) == NULL)
		return 2;
	put("domains", "listed.org ok\n.dotted.org ok\n");
	put("re", "/^retest\\.org$/ ok\n");
	put("nets", "172.16.0.0/12 ok\n");
	put("nets.list", "# carrier-grade NAT\n100.64.0.0/10\n");
	put("list", "# a comment\n#commented.net\nfromfile.net\n"
	    "second.net, third.net\n!notme.net\n");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		list = expand(cases[i].list);
		ml = match_init("test_list", cases[i].flags, list);
		r = match_find(ml, cases[i].a, cases[i].b);
		snprintf(name, sizeof(name), "%s (got %d)", cases[i].name, r);
		T_OK(name, r == cases[i].want);
		if (r < 0)
			T_OK("error text is set", ml->err.len > 0);
		match_free(ml);
		free(list);
	}
	T_OK("parent style: listed", match_parent_style("relay_domains",
	    "debug_peer_list, relay_domains smtpd_access_maps") ==
	    MATCH_PARENT);
	T_OK("parent style: not listed", match_parent_style("mydestination",
	    "debug_peer_list, relay_domains") == 0);
	T_OK("parent style: no prefix match", match_parent_style("relay",
	    "relay_domains") == 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("FAIL - cleanup of %s\n", dir);
	T_DONE();
}

/* MIT licence: see LICENSE. */
/*
 * maps.c - unit tests of lib/table/maps.c: the order in which the access(5)
 * and virtual(5)/canonical(5) searches ask for keys, which keys regexp
 * and cidr tables see, and real lookups through inline:, texthash:,
 * regexp: and missing cdb: tables.
 *
 * The key orders are recorded by a table that answers "not found" and
 * writes down every key it is asked; the expected orders are those of
 * Postfix's smtpd_check.c and mail_addr_find.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../lib/str.h"
#include "../../lib/table/alias.h"
#include "../../lib/table/dict.h"
#include "../../lib/table/maps.h"
#include "../../lib/x.h"
#include "t.h"

/* the recording table: keys asked so far, joined with '|' */
static struct str asked;
static const char *rec_hit;	/* a key that is found, or NULL */
static const char *rec_val = "FOUND";

static int
rec_lookup(struct dict *d, const char *key, struct str *val)
{
	(void)d;
	if (asked.len)
		str_addc(&asked, '|');
	str_adds(&asked, key);
	if (rec_hit && strcmp(key, rec_hit) == 0) {
		str_set(val, rec_val);
		return 1;
	}
	return 0;
}

static void
rec_close(struct dict *d)
{
	dict_free(d);
}

/* a maps of one recording table; fixed-string or pattern */
static struct maps *
rec_maps(int fixed)
{
	struct maps *m = maps_open("test_maps", "", 0);
	struct dict *d;

	d = dict_alloc("rec", "order", fixed ? DICT_FIXED : DICT_PATTERN,
	    sizeof(*d));
	d->lookup = rec_lookup;
	d->close = rec_close;
	m->tab = xreallocarray(m->tab, 1, sizeof(*m->tab));
	m->tab[0].spec = xstrdup("rec:order");
	m->tab[0].dict = d;
	m->tab[0].why = NULL;
	m->n = 1;
	return m;
}

static int
yes(const char *domain, void *ctx)
{
	(void)ctx;
	return strcmp(domain, "example.com") == 0;
}

static int
broken(const char *domain, void *ctx)
{
	(void)domain;
	(void)ctx;
	return -1;
}

static const struct {
	const char	*name;
	int		fixed;
	int		kind;	/* 0 mail 1 domain 2 ip 3 host 4 addr_find */
	const char	*in, *in2, *delim;
	int		flags;
	const char	*want;
} orders[] = {
	{ "access mail: extension, .parent domains", 1, 0,
	    "user+ext@sub.example.com", NULL, "+", 0,
	    "user+ext@sub.example.com|user@sub.example.com|sub.example.com|"
	    ".example.com|.com|user+ext@|user@" },
	{ "access mail: parent_domain_matches_subdomains", 1, 0,
	    "user+ext@sub.example.com", NULL, "+", MAPS_PARENT,
	    "user+ext@sub.example.com|user@sub.example.com|sub.example.com|"
	    "example.com|com|user+ext@|user@" },
	{ "access mail: no recipient_delimiter", 1, 0,
	    "user+ext@example.com", NULL, "", 0,
	    "user+ext@example.com|example.com|.com|user+ext@" },
	{ "access mail: no extension in the address", 1, 0,
	    "user@example.com", NULL, "+", 0,
	    "user@example.com|example.com|.com|user@" },
	{ "access mail: delimiter set +-", 1, 0,
	    "a-b@x.org", NULL, "+-", 0,
	    "a-b@x.org|a@x.org|x.org|.org|a-b@|a@" },
	{ "access mail: postmaster is never split", 1, 0,
	    "postmaster@x.org", NULL, "+", 0,
	    "postmaster@x.org|x.org|.org|postmaster@" },
	{ "access mail: regexp sees the whole address only", 0, 0,
	    "user+ext@sub.example.com", NULL, "+", 0,
	    "user+ext@sub.example.com" },
	{ "access mail: null sender is the lookup key", 1, 0,
	    "", "<>", "+", 0, "<>" },
	{ "access mail: numerical domain has no parents", 1, 0,
	    "u@1.2.3.4", NULL, "", 0, "u@1.2.3.4|1.2.3.4|u@" },
	{ "access domain: name then .parents", 1, 1,
	    "a.b.example.com", NULL, NULL, 0,
	    "a.b.example.com|.b.example.com|.example.com|.com" },
	{ "access domain: parent style", 1, 1,
	    "a.b.example.com", NULL, NULL, MAPS_PARENT,
	    "a.b.example.com|b.example.com|example.com|com" },
	{ "access domain: regexp sees the full name only", 0, 1,
	    "a.b.example.com", NULL, NULL, 0, "a.b.example.com" },
	{ "access domain: trailing dot", 1, 1,
	    "example.com.", NULL, NULL, 0, "example.com.|.com.|." },
	{ "access ip: IPv4 octet prefixes", 1, 2,
	    "192.168.1.20", NULL, NULL, 0,
	    "192.168.1.20|192.168.1|192.168|192" },
	{ "access ip: IPv6 group prefixes", 1, 2,
	    "2001:db8:1:2::1", NULL, NULL, 0,
	    "2001:db8:1:2::1|2001:db8:1:2:|2001:db8:1:2|2001:db8:1|"
	    "2001:db8|2001" },
	{ "access ip: cidr sees the address only", 0, 2,
	    "192.168.1.20", NULL, NULL, 0, "192.168.1.20" },
	{ "access host: name, parents, address, prefixes", 1, 3,
	    "mail.example.com", "10.1.2.3", NULL, 0,
	    "mail.example.com|.example.com|.com|10.1.2.3|10.1.2|10.1|10" },
	{ "access host: pattern table gets name and address", 0, 3,
	    "mail.example.com", "10.1.2.3", NULL, 0,
	    "mail.example.com|10.1.2.3" },
	{ "virtual: local domain, extension", 1, 4,
	    "user+ext@example.com", NULL, "+", 0,
	    "user+ext@example.com|user@example.com|user+ext|user|"
	    "@example.com" },
	{ "virtual: remote domain skips the bare user", 1, 4,
	    "user+ext@example.org", NULL, "+", 0,
	    "user+ext@example.org|user@example.org|@example.org" },
	{ "virtual: no delimiter", 1, 4,
	    "user+ext@example.com", NULL, "", 0,
	    "user+ext@example.com|user+ext|@example.com" },
	{ "virtual: bare user name", 1, 4,
	    "user+ext", NULL, "+", 0, "user+ext|user" },
	{ "virtual: regexp sees the whole address only", 0, 4,
	    "user+ext@example.com", NULL, "+", 0, "user+ext@example.com" },
};

static void
test_orders(void)
{
	struct maps *m;
	const char *val;
	size_t i;
	char name[200];

	for (i = 0; i < sizeof(orders) / sizeof(orders[0]); i++) {
		m = rec_maps(orders[i].fixed);
		str_reset(&asked);
		rec_hit = NULL;
		switch (orders[i].kind) {
		case 0:
			maps_access_mail(m, orders[i].in, orders[i].delim,
			    orders[i].in2, orders[i].flags, &val);
			break;
		case 1:
			maps_access_domain(m, orders[i].in, orders[i].flags,
			    &val);
			break;
		case 2:
			maps_access_ip(m, orders[i].in, orders[i].flags, &val);
			break;
		case 3:
			maps_access_host(m, orders[i].in, orders[i].in2,
			    orders[i].flags, &val);
			break;
		case 4:
			maps_addr_find(m, orders[i].in, orders[i].delim, yes,
			    NULL, &val, NULL);
			break;
		}
		snprintf(name, sizeof(name), "order: %s", orders[i].name);
		T_STR(name, asked.s, orders[i].want);
		maps_close(m);
	}
}

/* the first key found ends the search, and the value comes back */
static void
test_first_hit(void)
{
	struct maps *m = rec_maps(1);
	struct str ext = STR_INIT;
	const char *val = NULL;
	int r;

	str_init(&ext);
	str_reset(&asked);
	rec_hit = ".example.com";
	r = maps_access_mail(m, "u+x@a.example.com", "+", "<>", 0, &val);
	T_OK("access stops at the first hit", r == 1);
	T_STR("access stops at the first hit: keys",
	    asked.s, "u+x@a.example.com|u@a.example.com|a.example.com|"
	    ".example.com");
	T_STR("access returns the value", val, "FOUND");

	str_reset(&asked);
	rec_hit = "user@example.com";
	r = maps_addr_find(m, "user+ext@example.com", "+", yes, NULL, &val,
	    &ext);
	T_OK("virtual: user@domain found", r == 1);
	T_STR("virtual: extension cut off is reported", ext.s, "+ext");

	rec_hit = "user+ext@example.com";
	r = maps_addr_find(m, "user+ext@example.com", "+", yes, NULL, &val,
	    &ext);
	T_OK("virtual: full match", r == 1);
	T_STR("virtual: full match has no extension to propagate", ext.s,
	    "");

	rec_hit = "user";
	r = maps_addr_find(m, "user+ext@example.com", "+", yes, NULL, &val,
	    &ext);
	T_OK("virtual: bare user found for a local domain", r == 1);
	T_STR("virtual: bare user match reports the extension", ext.s,
	    "+ext");

	r = maps_addr_find(m, "user+ext@example.com", "+", broken, NULL,
	    &val, &ext);
	T_OK("virtual: 'is it local?' failing is a lookup error", r == -1);

	/* an empty result is a configuration error, as in Postfix */
	rec_hit = "e@x.org";
	rec_val = "";
	r = maps_find(m, "e@x.org", MAPS_FULL, &val);
	T_OK("empty value is an error", r == -1 && m->error);
	rec_val = "FOUND";
	maps_close(m);
	str_free(&ext);
}

static void
test_map(void)
{
	struct maps *m;
	char **list;
	int st;

	m = maps_open("virtual_alias_maps", "inline:{ "
	    "{ user@example.com = a@x.org, \"b, c\"@y.org }, "
	    "@example.net=@example.org, "
	    "{ local@example.com = dest, other@z.org } }", DICT_FOLD);
	list = maps_addr_map(m, "user+foo@example.com", "+", yes, NULL, 1,
	    &st);
	T_OK("map: found", st == 1 && list != NULL);
	if (list) {
		T_STR("map: extension propagated to first", list[0],
		    "a+foo@x.org");
		T_STR("map: quoted comma is not a separator", list[1],
		    "b, c+foo@y.org");
		T_OK("map: two results", list[2] == NULL);
	}
	alias_list_free(list);

	list = maps_addr_map(m, "user+foo@example.com", "+", yes, NULL, 0,
	    &st);
	T_STR("map: no propagation when not asked", list ? list[0] : NULL,
	    "a@x.org");
	alias_list_free(list);

	list = maps_addr_map(m, "joe+foo@example.net", "+", yes, NULL, 1,
	    &st);
	T_STR("map: @domain result keeps the user and extension",
	    list ? list[0] : NULL, "joe+foo@example.org");
	alias_list_free(list);

	/* the envelope's local part stays one address (Postfix 3.5) */
	list = maps_addr_map(m, "evil@victim.example,x@example.net", "+",
	    yes, NULL, 1, &st);
	T_STR("map: @domain keeps a local part with , and @ whole",
	    list ? list[0] : NULL, "evil@victim.example,x@example.org");
	T_OK("map: ... as one address", list && list[1] == NULL);
	alias_list_free(list);
	list = maps_addr_map(m, "a\"b\\c d@example.net", "+", yes, NULL, 1,
	    &st);
	T_STR("map: @domain keeps quotes, backslashes and blanks",
	    list ? list[0] : NULL, "a\"b\\c d@example.org");
	alias_list_free(list);

	list = maps_addr_map(m, "local+x@example.com", "+", yes, NULL, 1,
	    &st);
	T_STR("map: extension appended to an address without domain",
	    list ? list[0] : NULL, "dest+x");
	alias_list_free(list);

	list = maps_addr_map(m, "nobody@example.com", "+", yes, NULL, 1,
	    &st);
	T_OK("map: not found", list == NULL && st == 0);
	maps_close(m);
}

static void
test_tables(const char *dir)
{
	struct maps *m;
	FILE *fp;
	char path[512], spec[1200], re[512];
	const char *val = NULL;
	int r;

	snprintf(path, sizeof(path), "%s/access", dir);
	fp = fopen(path, "w");
	fprintf(fp, "example.com REJECT domain\n"
	    ".example.org OK subdomains\n"
	    "bad@ REJECT user\n"
	    "10.1 REJECT net\n"
	    "<> OK null\n");
	fclose(fp);
	snprintf(re, sizeof(re), "%s/re", dir);
	fp = fopen(re, "w");
	fprintf(fp, "/^joe@/ DISCARD regexp\n/^example/ REJECT partial\n");
	fclose(fp);
	snprintf(spec, sizeof(spec), "regexp:%s, texthash:%s", re, path);
	m = maps_open("smtpd_sender_access", spec, DICT_FOLD);
	r = maps_access_mail(m, "Someone@Example.COM", "+", "<>", 0, &val);
	T_OK("texthash: domain entry", r == 1 && strcmp(val,
	    "REJECT domain") == 0);
	r = maps_access_mail(m, "joe@example.com", "+", "<>", 0, &val);
	T_OK("regexp table first in the list wins", r == 1 &&
	    strcmp(val, "DISCARD regexp") == 0);
	r = maps_access_mail(m, "x@a.b.example.org", "+", "<>", 0, &val);
	T_OK("texthash: .parent entry", r == 1 && strcmp(val,
	    "OK subdomains") == 0);
	r = maps_access_mail(m, "x@example.org", "+", "<>", 0, &val);
	T_OK(".example.org does not match example.org itself", r == 0);
	r = maps_access_mail(m, "x@a.example.org", "+", "<>",
	    MAPS_PARENT, &val);
	T_OK("parent style ignores .domain entries", r == 0);
	r = maps_access_mail(m, "bad+tag@elsewhere.net", "+", "<>", 0, &val);
	T_OK("user@ entry after stripping the extension", r == 1 &&
	    strcmp(val, "REJECT user") == 0);
	r = maps_access_mail(m, "", "+", "<>", 0, &val);
	T_OK("null sender key", r == 1 && strcmp(val, "OK null") == 0);
	r = maps_access_ip(m, "10.1.200.3", 0, &val);
	T_OK("ip prefix entry", r == 1 && strcmp(val, "REJECT net") == 0);
	r = maps_access_domain(m, "example.com", 0, &val);
	T_OK("regexp sees a full host name", r == 1 &&
	    strcmp(val, "REJECT partial") == 0);
	r = maps_access_mail(m, "x@example.com", "+", "<>", 0, &val);
	T_OK("regexp does not see the partial key 'example.com'", r == 1 &&
	    strcmp(val, "REJECT domain") == 0);
	maps_close(m);

	/* a missing table is an error where the search reaches it */
	snprintf(spec, sizeof(spec), "texthash:%s cdb:%s/missing", path, dir);
	m = maps_open("smtpd_sender_access", spec, DICT_FOLD);
	r = maps_find(m, "example.com", MAPS_FULL, &val);
	T_OK("missing table: earlier table still answers", r == 1);
	T_OK("hit: the table that had the key", m->hit == &m->tab[0]);
	r = maps_find(m, "nothere", MAPS_FULL, &val);
	T_OK("missing table: lookup that reaches it fails", r == -1 &&
	    m->error);
	T_OK("hit: none after a failed search", m->hit == NULL);
	T_OK("missing table: the error names it", strstr(m->err.s,
	    "missing") != NULL);
	r = maps_access_mail(m, "a@nowhere.net", "+", "<>", 0, &val);
	T_OK("missing table: access search fails, not 'not found'", r == -1);
	maps_close(m);

	/* hit names the second table when the first lacks the key */
	m = maps_open("alias_maps", "inline:{a=1} inline:{b=2}", DICT_FOLD);
	r = maps_find(m, "b", MAPS_FULL, &val);
	T_OK("hit: the second table", r == 1 && m->hit == &m->tab[1]);
	maps_close(m);

	m = maps_open("t", "fail:x", 0);
	r = maps_access_ip(m, "1.2.3.4", 0, &val);
	T_OK("fail: table makes the search fail", r == -1);
	maps_close(m);
}

static void
test_strip(void)
{
	struct str bare = STR_INIT, ext = STR_INIT;
	static const struct {
		const char *in, *delim, *bare, *ext;
	} c[] = {
		{ "user+ext@x", "+", "user@x", "+ext" },
		{ "user+a+b@x", "+", "user@x", "+a+b" },
		{ "user+ext", "+", "user", "+ext" },
		{ "+ext@x", "+", NULL, NULL },
		{ "user@x", "+", NULL, NULL },
		{ "postmaster+x@y", "+", "postmaster@y", "+x" },
		{ "MAILER-DAEMON@y", "-", NULL, NULL },
		{ "double-bounce@y", "-", NULL, NULL },
		{ "owner-list@x", "-", NULL, NULL },
		{ "list-request@x", "-", NULL, NULL },
		{ "owner-list@x", "+", NULL, NULL },
		{ "a-b@x", "-+", "a@x", "-b" },
		{ "a@b+c", "+", NULL, NULL },
	};
	size_t i;
	char name[200];
	int r;

	str_init(&bare);
	str_init(&ext);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		r = maps_strip_addr(c[i].in, c[i].delim, &bare, &ext);
		snprintf(name, sizeof(name), "strip_addr %s (%s)", c[i].in,
		    c[i].delim);
		if (c[i].bare == NULL) {
			T_OK(name, r == 0);
			continue;
		}
		T_OK(name, r == 1 && strcmp(bare.s, c[i].bare) == 0 &&
		    strcmp(ext.s, c[i].ext) == 0);
	}
	str_free(&bare);
	str_free(&ext);
}

int
main(void)
{
	char dir[] = "/tmp/mta-unit-maps.XXXXXX";
	char cmd[300];

	str_init(&asked);
	if (mkdtemp(dir) == NULL)
		return 2;
	test_orders();
	test_first_hit();
	test_map();
	test_tables(dir);
	test_strip();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("FAIL - cleanup of %s\n", dir);
	str_free(&asked);
	T_DONE();
}

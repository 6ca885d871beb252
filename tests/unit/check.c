/* MIT licence: see LICENSE. */
/*
 * check.c - unit tests of lib/check/: smtpd's restrictions with the
 * replies Postfix 3.7 gives (texts checked against a real Postfix smtpd
 * through XCLIENT), the open-relay address tricks, access(5) actions,
 * smtpd_delay_reject, restriction classes, DEFER_IF_*, warn_if_reject,
 * and reject_rbl_client / reject_unknown_*_domain over a fake resolver.
 *
 * check_setup() reads the configuration once per process, so each
 * scenario runs in a child process with its own main.cf settings
 * (conf_set); the child prints its ok/FAIL lines and exits with its
 * failure count.
 */
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../lib/check/check.h"
#include "../../lib/conf.h"
#include "../../lib/dns.h"
#include "../../lib/log.h"
#include "../../lib/str.h"
#include "t.h"

static char tmpdir[] = "/tmp/mta-check.XXXXXX";
static struct check_ctx ctx;
static struct str reply;

/* the fake DNS: "name type" -> records */
static const char *dns_table[][3] = {
	{ "9.2.0.192.zen.test", "A", "127.0.0.2" },
	{ "9.2.0.192.zen.test", "TXT", "listed, see http://zen.test/q" },
	{ "9.2.0.192.multi.test", "A", "127.0.0.4" },
	{ "9.2.0.192.down.test", "RETRY", "" },
	{ "spam.example.dbl.test", "A", "127.0.1.2" },
	{ "spam.example", "A", "192.0.2.7" },
	{ "good.example", "MX", "mx.good.example" },
	{ "client.example", "A", "192.0.2.9" },
	{ "a-only.example", "A", "192.0.2.80" },
	{ "v6-only.example", "AAAA", "2001:db8::80" },
	{ "broken.example", "RETRY", "" },
	{ NULL, NULL, NULL }
};

static int
fake_dns(const char *name, int type, struct str *out)
{
	const char *t = type == DNS_T_A ? "A" : type == DNS_T_AAAA ? "AAAA" :
	    type == DNS_T_MX ? "MX" : type == DNS_T_TXT ? "TXT" : "?";
	int i, exists = 0;

	for (i = 0; dns_table[i][0]; i++) {
		if (strcasecmp(dns_table[i][0], name) != 0)
			continue;
		if (strcmp(dns_table[i][1], "RETRY") == 0)
			return DNS_RETRY;
		exists = 1;
		if (strcmp(dns_table[i][1], t) == 0) {
			if (out)
				str_set(out, dns_table[i][2]);
			return DNS_OK;
		}
	}
	(void)exists;
	return DNS_NOTFOUND;
}

/* a table file in the scenario's directory; returns "texthash:path" */
static const char *
table(const char *name, const char *text)
{
	static char spec[8][300];
	static int n;
	char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	if ((fp = fopen(path, "w")) == NULL)
		return "fail:cannot";
	fputs(text, fp);
	fclose(fp);
	n = (n + 1) % 8;
	snprintf(spec[n], sizeof(spec[n]), "texthash:%s", path);
	return spec[n];
}

/* the session a default client opens: outside mynetworks */
static void
session(const char *addr, const char *name)
{
	check_free(&ctx);
	check_init(&ctx);
	ctx.client_addr = addr;
	ctx.client_name = name;
	ctx.client_name_status = strcmp(name, "unknown") == 0 ?
	    CHECK_NAME_UNKNOWN : CHECK_NAME_OK;
	ctx.client_port = "4711";
	ctx.protocol = "ESMTP";
	ctx.helo_name = "client.example";
	ctx.sender = "s@sender.example";
}

/* one RCPT: the reply, "" when accepted */
static const char *
rcpt(const char *addr)
{
	ctx.recipient = addr;
	(void)check_stage(&ctx, CHECK_RCPT, &reply);
	ctx.recipient = NULL;
	return reply.s;
}

static const char *
stage(enum check_stage s)
{
	(void)check_stage(&ctx, s, &reply);
	return reply.s;
}

static void
base(void)
{
	conf_set("myhostname", "mx.example.com");
	conf_set("mydomain", "example.com");
	conf_set("myorigin", "$myhostname");
	conf_set("mynetworks", "127.0.0.0/8 [::1]/128");
	conf_set("inet_interfaces", "127.0.0.1, 192.0.2.1");
	conf_set("alias_maps", "");
	conf_set("local_recipient_maps",
	    "inline:{ u=1, root=1, list=1, user=1 }");
	conf_set("parent_domain_matches_subdomains",
	    conf_default("parent_domain_matches_subdomains"));
}

#define RELAY(a)	"454 4.7.1 <" a ">: Relay access denied"

/* the default configuration is no open relay */
static void
t_relay(void)
{
	static const char *tricks[] = {
		"u@other.example",
		"u%other.example@mx.example.com",
		"other.example!u@mx.example.com",
		"u@other.example@mx.example.com",	/* "u@other.example"@ */
		"@mx.example.com:u@other.example",
		"@mx.example.com,@x.example:u@other.example",
		"u@other.example.",
		"u@[192.0.2.99]",
		"u@[ipv6:2001:db8::99]",
		"u%other.example@[192.0.2.1]",
		"u@other.example@[127.0.0.1]",
		"u%other.example%mx.example.com@mx.example.com",
		"u@other.example%mx.example.com@mx.example.com",
		"other.example!u%mx.example.com@mx.example.com",
		"u@MX.EXAMPLE.COM@other.example",
		"mx.example.com!other.example!u@mx.example.com",
		NULL
	};
	char want[300];
	int i;

	base();
	session("192.0.2.9", "unknown");
	for (i = 0; tricks[i]; i++) {
		snprintf(want, sizeof(want), RELAY("%s"), tricks[i]);
		T_STR(tricks[i], rcpt(tricks[i]), want);
	}
	T_STR("own domain", rcpt("u@mx.example.com"), "");
	T_STR("own domain, trailing dot", rcpt("u@mx.example.com."), "");
	T_STR("own address literal", rcpt("u@[192.0.2.1]"), "");
	T_STR("postmaster", rcpt("postmaster"), "");
	T_STR("bare local part", rcpt("u"), "");
	T_STR("localhost", rcpt("u@localhost"), "");
	T_STR("unknown local user",
	    rcpt("nobody-here@mx.example.com"),
	    "550 5.1.1 <nobody-here@mx.example.com>: Recipient address "
	    "rejected: User unknown in local recipient table");
	T_STR("percent hack to own domain",
	    rcpt("u%mx.example.com@mx.example.com"), "");
	T_STR("mailer-daemon is exempt", rcpt("MAILER-DAEMON@mx.example.com"),
	    "");

	/* from mynetworks the same addresses relay */
	session("127.0.0.1", "localhost");
	T_STR("mynetworks relays", rcpt("u@other.example"), "");
	T_STR("mynetworks relays tricks",
	    rcpt("u%other.example@mx.example.com"), "");
	/* SASL */
	session("192.0.2.9", "unknown");
	ctx.sasl_username = "alice";
	T_STR("sasl relays", rcpt("u@other.example"), "");
}

/* the knobs that make tricks local: still no relay, and ROUTED */
static void
t_relay_knobs(void)
{
	base();
	conf_set("allow_percent_hack", "no");
	conf_set("swap_bangpath", "no");
	conf_set("resolve_dequoted_address", "no");
	session("192.0.2.9", "unknown");
	T_STR("no percent hack",
	    rcpt("u%other.example@mx.example.com"),
	    RELAY("u%other.example@mx.example.com"));
	T_STR("no bang path", rcpt("other.example!u@mx.example.com"),
	    RELAY("other.example!u@mx.example.com"));
	T_STR("quoted @ not dequoted", rcpt("u@other.example@mx.example.com"),
	    RELAY("u@other.example@mx.example.com"));
	T_STR("plain local still fine", rcpt("u@mx.example.com"), "");
}

static void
t_resolve(void)
{
	static const struct {
		const char *addr, *local, *domain;
		int class, flags;
	} r[] = {
		{ "u@other.example", "u", "other.example",
		    CHECK_CLASS_DEFAULT, 0 },
		{ "U@MX.Example.COM", "u", "mx.example.com",
		    CHECK_CLASS_LOCAL, 0 },
		{ "u", "u", "mx.example.com", CHECK_CLASS_LOCAL, 0 },
		{ "u%other.example@mx.example.com", "u", "other.example",
		    CHECK_CLASS_DEFAULT, 0 },
		{ "other.example!u@mx.example.com", "u", "other.example",
		    CHECK_CLASS_DEFAULT, 0 },
		{ "u@other.example@mx.example.com", "u", "other.example",
		    CHECK_CLASS_DEFAULT, 0 },
		{ "@mx.example.com:u@other.example", "u", "other.example",
		    CHECK_CLASS_DEFAULT, 0 },
		{ "u@other.example.", "u", "other.example",
		    CHECK_CLASS_DEFAULT, 0 },
		{ "u@[192.0.2.1]", "u", "[192.0.2.1]", CHECK_CLASS_LOCAL, 0 },
		{ "u@[192.0.2.2]", "u", "[192.0.2.2]", CHECK_CLASS_DEFAULT, 0 },
		{ "u@relay.example", "u", "relay.example", CHECK_CLASS_RELAY,
		    0 },
		{ "u@sub.relay.example", "u", "sub.relay.example",
		    CHECK_CLASS_RELAY, 0 },
		{ "u@alias.example", "u", "alias.example", CHECK_CLASS_ALIAS,
		    0 },
		{ "u@box.example", "u", "box.example", CHECK_CLASS_VIRTUAL, 0 },
		{ "u!v@other.example", "u!v", "other.example",
		    CHECK_CLASS_DEFAULT, CHECK_RES_ROUTED },
		{ "u@bad_do main", "u", "bad_do main", CHECK_CLASS_DEFAULT,
		    CHECK_RES_ERROR },
		{ "u@[1.2.3]", "u", "[1.2.3]", CHECK_CLASS_DEFAULT,
		    CHECK_RES_ERROR },
		{ "", "mailer-daemon", "mx.example.com", CHECK_CLASS_LOCAL,
		    0 },
	};
	struct check_resolved res;
	char name[300];
	size_t i;

	base();
	conf_set("relay_domains", "relay.example");
	conf_set("virtual_alias_domains", "alias.example");
	conf_set("virtual_mailbox_domains", "box.example");
	check_resolved_init(&res);
	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		check_addr_resolve(r[i].addr, &res);
		snprintf(name, sizeof(name), "resolve <%s>", r[i].addr);
		T_OK(name, res.class == (enum check_class)r[i].class &&
		    res.flags == r[i].flags &&
		    strcmp(res.local.s, r[i].local) == 0 &&
		    strcmp(res.domain.s, r[i].domain) == 0);
		if (res.class != (enum check_class)r[i].class ||
		    res.flags != r[i].flags)
			printf("#   class %d flags %d local %s domain %s\n",
			    res.class, res.flags, res.local.s, res.domain.s);
	}
	check_resolved_free(&res);
	T_OK("mynetworks 127.0.0.5", check_mynetworks("127.0.0.5") == 1);
	T_OK("mynetworks 192.0.2.9", check_mynetworks("192.0.2.9") == 0);
	T_OK("domain class relay", check_domain_class("relay.example") ==
	    CHECK_CLASS_RELAY);
	T_OK("local domain", check_is_local_domain("localhost") == 1);

	/* relay_domains permit from outside */
	session("192.0.2.9", "unknown");
	T_STR("relay_domains accepted", rcpt("u@relay.example"), "");
	T_STR("relay_domains subdomain", rcpt("u@sub.relay.example"), "");
	T_STR("virtual alias domain unknown user", rcpt("u@alias.example"),
	    "550 5.1.1 <u@alias.example>: Recipient address rejected: "
	    "User unknown in virtual alias table");
	T_STR("routed into relay domain", rcpt("u!v@relay.example"),
	    RELAY("u!v@relay.example"));
}

static void
t_texts(void)
{
	base();
	conf_set("smtpd_client_restrictions",
	    "reject_unknown_client_hostname");
	session("192.0.2.9", "unknown");
	T_STR("unknown client (delayed to RCPT)", rcpt("u@mx.example.com"),
	    "450 4.7.25 Client host rejected: cannot find your hostname, "
	    "[192.0.2.9]");
	T_STR("connect says nothing with delay_reject",
	    stage(CHECK_CONNECT), "");
	T_STR("mail says nothing with delay_reject", stage(CHECK_MAIL), "");
	session("192.0.2.9", "client.example");
	T_STR("known client passes", rcpt("u@mx.example.com"), "");
	session("192.0.2.9", "unknown");
	ctx.client_name_status = CHECK_NAME_TEMP;
	T_STR("temp failure is 450", rcpt("u@mx.example.com"),
	    "450 4.7.25 Client host rejected: cannot find your hostname, "
	    "[192.0.2.9]");
}

static void
t_helo(void)
{
	base();
	conf_set("smtpd_helo_restrictions", "reject_invalid_helo_hostname, "
	    "reject_non_fqdn_helo_hostname");
	session("192.0.2.9", "unknown");
	ctx.helo_name = "bad_name!";
	T_STR("invalid helo", rcpt("u@mx.example.com"),
	    "501 5.5.2 <bad_name!>: Helo command rejected: Invalid name");
	check_reset_message(&ctx);
	ctx.helo_name = "localhost";
	T_STR("non-fqdn helo", rcpt("u@mx.example.com"),
	    "504 5.5.2 <localhost>: Helo command rejected: need "
	    "fully-qualified hostname");
	check_reset_message(&ctx);
	ctx.helo_name = "[192.0.2.300]";
	T_STR("bad helo literal", rcpt("u@mx.example.com"),
	    "501 5.5.2 <[192.0.2.300]>: Helo command rejected: invalid ip "
	    "address");
	check_reset_message(&ctx);
	ctx.helo_name = "[192.0.2.30]";
	T_STR("helo literal ok", rcpt("u@mx.example.com"), "");
	check_reset_message(&ctx);
	ctx.helo_name = "host.example.";
	T_STR("helo fqdn with dot ok", rcpt("u@mx.example.com"), "");
}

static void
t_nofqdn(void)
{
	base();
	conf_set("smtpd_sender_restrictions", "reject_non_fqdn_sender");
	conf_set("smtpd_recipient_restrictions", "reject_non_fqdn_recipient");
	session("192.0.2.9", "unknown");
	ctx.sender = "s@localhost";
	T_STR("non-fqdn sender", rcpt("u@mx.example.com"),
	    "504 5.5.2 <s@localhost>: Sender address rejected: need "
	    "fully-qualified address");
	check_reset_message(&ctx);
	ctx.sender = "";
	T_STR("null sender passes", rcpt("u@mx.example.com"), "");
	T_STR("non-fqdn recipient", rcpt("u"),
	    "504 5.5.2 <u>: Recipient address rejected: need "
	    "fully-qualified address");
}

static void
t_delay(void)
{
	const char *t;

	base();
	conf_set("smtpd_delay_reject", "no");
	t = table("clients", "192.0.2.9 REJECT go away\n");
	conf_set("smtpd_client_restrictions", t);
	conf_set("smtpd_sender_restrictions",
	    table("senders", "bad@sender.example REJECT\n"));
	session("192.0.2.9", "unknown");
	T_STR("client rejected at connect", stage(CHECK_CONNECT),
	    "554 5.7.1 <unknown[192.0.2.9]>: Client host rejected: go away");
	T_OK("a 554 is CHECK_REJECT", check_stage(&ctx, CHECK_CONNECT,
	    &reply) == CHECK_REJECT);
	session("192.0.2.10", "unknown");
	T_STR("other client ok at connect", stage(CHECK_CONNECT), "");
	ctx.sender = "bad@sender.example";
	T_STR("sender rejected at MAIL", stage(CHECK_MAIL),
	    "554 5.7.1 <bad@sender.example>: Sender address rejected: "
	    "Access denied");
	ctx.sender = "good@sender.example";
	check_reset_message(&ctx);
	T_STR("good sender at MAIL", stage(CHECK_MAIL), "");
	T_STR("rcpt ok", rcpt("u@mx.example.com"), "");
}

static void
t_actions(void)
{
	const char *t;

	base();
	t = table("access",
	    "rej@x.example REJECT\n"
	    "rejtext@x.example REJECT No thanks\n"
	    "rejdsn@x.example REJECT 5.7.9 Dsn given\n"
	    "def@x.example DEFER\n"
	    "deftext@x.example DEFER later please\n"
	    "num@x.example 450 4.2.0 busy\n"
	    "num5@x.example 521 closed\n"
	    "numonly@x.example 550\n"
	    "ok@x.example OK\n"
	    "digits@x.example 12345\n"
	    "relay@x.example RELAY\n"
	    "dunno@x.example DUNNO\n"
	    "x.example REJECT domain wide\n"
	    "hold@y.example HOLD held for review\n"
	    "disc@y.example DISCARD\n"
	    "filt@y.example FILTER smtp:[127.0.0.1]:10025\n"
	    "badfilt@y.example FILTER nocolon\n"
	    "redir@y.example REDIRECT other@mx.example.com\n"
	    "prep@y.example PREPEND X-Tag: yes\n"
	    "warn@y.example WARN look at this\n"
	    "dip@y.example DEFER_IF_PERMIT not now\n"
	    "dir@y.example DEFER_IF_REJECT maybe later\n"
	    "cls@y.example myclass\n"
	    "list@y.example reject_unauth_destination, permit\n"
	    "loop@y.example looper\n"
	    "tbl@y.example inline:{a=b}\n"
	    "<> REJECT no bounces\n"
	    "user@ REJECT any user@\n"
	    "ext@y.example REJECT extension matched\n");
	conf_set("smtpd_restriction_classes", "myclass, looper");
	conf_set("myclass", "reject_non_fqdn_recipient, permit");
	conf_set("looper", "check_sender_access $access_tbl");
	conf_set("access_tbl", t);
	conf_set("recipient_delimiter", "+");
	conf_set("smtpd_sender_restrictions", t);
	session("192.0.2.9", "unknown");
#define S(s, want, why) do {						\
	check_reset_message(&ctx);					\
	ctx.sender = (s);						\
	T_STR(why, rcpt("u@mx.example.com"), want);			\
} while (0)
	S("rej@x.example", "554 5.7.1 <rej@x.example>: Sender address "
	    "rejected: Access denied", "REJECT");
	S("rejtext@x.example", "554 5.7.1 <rejtext@x.example>: Sender "
	    "address rejected: No thanks", "REJECT text");
	S("rejdsn@x.example", "554 5.7.9 <rejdsn@x.example>: Sender "
	    "address rejected: Dsn given", "REJECT dsn text");
	S("def@x.example", "450 4.7.1 <def@x.example>: Sender address "
	    "rejected: Access denied", "DEFER");
	S("deftext@x.example", "450 4.7.1 <deftext@x.example>: Sender "
	    "address rejected: later please", "DEFER text");
	S("num@x.example", "450 4.2.0 <num@x.example>: Sender address "
	    "rejected: busy", "450 dsn text");
	S("num5@x.example", "521 5.7.1 <num5@x.example>: Sender address "
	    "rejected: closed", "5NN text");
	S("numonly@x.example", "", "all digits means OK");
	S("ok@x.example", "", "OK");
	S("digits@x.example", "", "digits OK");
	S("relay@x.example", "", "RELAY");
	S("dunno@x.example", "", "DUNNO stops the search");
	S("other@x.example", "554 5.7.1 <other@x.example>: Sender address "
	    "rejected: domain wide", "domain key");
	S("other@sub.x.example", "554 5.7.1 <other@sub.x.example>: Sender "
	    "address rejected: domain wide", "parent domain key");
	S("user@z.example", "554 5.7.1 <user@z.example>: Sender address "
	    "rejected: any user@", "user@ key");
	S("ext+foo@y.example", "554 5.7.1 <ext+foo@y.example>: Sender "
	    "address rejected: extension matched", "extension stripped");
	S("", "554 5.7.1 <>: Sender address rejected: no bounces",
	    "null sender key");
	S("hold@y.example", "", "HOLD accepts");
	T_OK("HOLD sets hold", ctx.hold == 1 && ctx.hold_reason &&
	    strcmp(ctx.hold_reason, "held for review") == 0);
	S("disc@y.example", "", "DISCARD accepts");
	T_OK("DISCARD sets discard", ctx.discard == 1);
	S("filt@y.example", "", "FILTER accepts");
	T_STR("FILTER value", ctx.filter ? ctx.filter : "",
	    "smtp:[127.0.0.1]:10025");
	S("badfilt@y.example", "", "FILTER without colon ignored");
	T_OK("bad FILTER not set", ctx.filter == NULL);
	S("redir@y.example", "", "REDIRECT accepts");
	T_STR("REDIRECT value", ctx.redirect ? ctx.redirect : "",
	    "other@mx.example.com");
	S("prep@y.example", "", "PREPEND accepts");
	T_STR("PREPEND header", ctx.prepend.s, "X-Tag: yes\n");
	T_STR("second RCPT does not prepend twice",
	    rcpt("user@mx.example.com"), "");
	T_STR("PREPEND once", ctx.prepend.s, "X-Tag: yes\n");
	S("warn@y.example", "", "WARN only logs");
	S("dip@y.example", "450 4.7.1 <dip@y.example>: Sender address "
	    "rejected: not now", "DEFER_IF_PERMIT then permitted: defer");
	S("dir@y.example", "", "DEFER_IF_REJECT then accepted");
	S("cls@y.example", "", "restriction class permits");
	check_reset_message(&ctx);
	ctx.sender = "cls@y.example";
	T_STR("restriction class rejects", rcpt("u"),
	    "504 5.5.2 <u>: Recipient address rejected: need "
	    "fully-qualified address");
	S("list@y.example", "", "list in RHS, local rcpt");
	check_reset_message(&ctx);
	ctx.sender = "list@y.example";
	T_STR("list in RHS sees the recipient (delay_reject)",
	    rcpt("u@other.example"),
	    "554 5.7.1 <u@other.example>: Relay access denied");
	S("loop@y.example", "451 4.3.5 Server configuration error",
	    "recursion is a config error");
	S("tbl@y.example", "451 4.3.5 Server configuration error",
	    "table in RHS is a config error");
}

static void
t_dir(void)
{
	base();
	conf_set("smtpd_recipient_restrictions",
	    "check_recipient_access inline:{dir@mx.example.com=DEFER_IF_REJECT}, "
	    "reject_unauth_destination, reject");
	session("192.0.2.9", "unknown");
	T_STR("DEFER_IF_REJECT then reject: defer",
	    rcpt("dir@mx.example.com"), "450 4.7.1 <dir@mx.example.com>: "
	    "Recipient address rejected: Service unavailable");
	T_STR("plain reject", rcpt("u@mx.example.com"),
	    "554 5.7.1 <u@mx.example.com>: Recipient address rejected: "
	    "Access denied");
	T_STR("relay list first", rcpt("u@other.example"),
	    RELAY("u@other.example"));
}

static void
t_warn_if_reject(void)
{
	base();
	conf_set("smtpd_recipient_restrictions",
	    "warn_if_reject reject_non_fqdn_recipient, "
	    "warn_if_reject reject, permit");
	session("192.0.2.9", "unknown");
	T_STR("warn_if_reject only warns", rcpt("u"), "");
	conf_set("smtpd_data_restrictions", "");
}

static void
t_stages(void)
{
	base();
	conf_set("smtpd_helo_required", "yes");
	conf_set("smtpd_data_restrictions",
	    "reject_unauth_pipelining, reject_multi_recipient_bounce");
	conf_set("smtpd_end_of_data_restrictions",
	    "check_sender_access inline:{{eod@x.example=REJECT too big}}");
	conf_set("smtpd_etrn_restrictions",
	    "check_etrn_access inline:{bad.example=REJECT}, permit");
	session("192.0.2.9", "unknown");
	ctx.helo_name = NULL;
	T_STR("helo required", stage(CHECK_MAIL),
	    "503 5.5.1 Error: send HELO/EHLO first");
	ctx.helo_name = "client.example";
	T_STR("helo given", stage(CHECK_MAIL), "");
	ctx.pipelining_violation = 1;
	T_STR("pipelining", stage(CHECK_DATA), "503 5.5.0 <DATA>: Data "
	    "command rejected: Improper use of SMTP command pipelining");
	ctx.pipelining_violation = 0;
	ctx.sender = "";
	ctx.rcpt_count = 2;
	T_STR("multi-recipient bounce", stage(CHECK_DATA), "550 5.5.3 "
	    "<DATA>: Data command rejected: Multi-recipient bounce");
	ctx.rcpt_count = 1;
	T_STR("single-recipient bounce", stage(CHECK_DATA), "");
	ctx.sender = "eod@x.example";
	T_STR("end of data", stage(CHECK_EOD), "554 5.7.1 <eod@x.example>: "
	    "Sender address rejected: too big");
	ctx.etrn_domain = "bad.example";
	T_STR("etrn reject", stage(CHECK_ETRN), "554 5.7.1 <bad.example>: "
	    "Etrn command rejected: Access denied");
	ctx.etrn_domain = "good.example";
	T_STR("etrn ok", stage(CHECK_ETRN), "");
}

static void
t_config_errors(void)
{
	base();
	conf_set("smtpd_recipient_restrictions",
	    "permit_mynetworks, no_such_restriction, "
	    "reject_unauth_destination");
	session("192.0.2.9", "unknown");
	T_STR("unknown restriction", rcpt("u@mx.example.com"),
	    "451 4.3.5 Server configuration error");
	ctx.recipient = "u@mx.example.com";
	T_OK("a 451 is CHECK_DEFER", check_stage(&ctx, CHECK_RCPT,
	    &reply) == CHECK_DEFER);
	ctx.recipient = NULL;
	session("127.0.0.1", "localhost");
	T_STR("permit before it", rcpt("u@other.example"), "");
}

static void
t_open_relay_config(void)
{
	base();
	conf_set("smtpd_relay_restrictions", "permit_mynetworks");
	conf_set("smtpd_recipient_restrictions", "permit");
	session("192.0.2.9", "unknown");
	T_OK("open relay config refused", check_setup() == -1);
	T_STR("everything deferred", rcpt("u@mx.example.com"),
	    "451 4.3.5 Server configuration error");
}

static void
t_dns(void)
{
	base();
	dns_query_hook = fake_dns;
	conf_set("smtpd_client_restrictions", "reject_rbl_client down.test, "
	    "reject_rbl_client multi.test=127.0.0.2, "
	    "reject_rbl_client zen.test");
	conf_set("smtpd_sender_restrictions",
	    "reject_unknown_sender_domain, reject_rhsbl_sender dbl.test");
	conf_set("smtpd_helo_restrictions", "reject_unknown_helo_hostname");
	conf_set("smtpd_recipient_restrictions",
	    "reject_unknown_recipient_domain, permit");
	conf_set("smtpd_relay_restrictions", "permit_mynetworks, "
	    "permit_sasl_authenticated, reject_unauth_destination");
	session("192.0.2.9", "unknown");
	T_STR("rbl listed with TXT", rcpt("u@mx.example.com"),
	    "554 5.7.1 Service unavailable; Client host [192.0.2.9] blocked "
	    "using zen.test; listed, see http://zen.test/q");
	session("192.0.2.10", "unknown");
	ctx.sender = "s@good.example";
	T_STR("not listed", rcpt("u@mx.example.com"), "");
	check_reset_message(&ctx);
	ctx.sender = "s@nowhere.example";
	T_STR("unknown sender domain", rcpt("u@mx.example.com"),
	    "450 4.1.8 <s@nowhere.example>: Sender address rejected: "
	    "Domain not found");
	check_reset_message(&ctx);
	ctx.sender = "s@a-only.example";
	T_STR("A record is enough", rcpt("u@mx.example.com"), "");
	check_reset_message(&ctx);
	ctx.sender = "s@v6-only.example";
	T_STR("AAAA record is enough", rcpt("u@mx.example.com"), "");
	check_reset_message(&ctx);
	ctx.sender = "s@broken.example";
	T_STR("dns failure: defer_if_permit", rcpt("u@mx.example.com"),
	    "450 4.1.8 <s@broken.example>: Sender address rejected: "
	    "Domain not found");
	check_reset_message(&ctx);
	ctx.sender = "s@spam.example";
	T_STR("rhsbl sender", rcpt("u@mx.example.com"),
	    "554 5.7.1 Service unavailable; Sender address [s@spam.example] "
	    "blocked using dbl.test");
	check_reset_message(&ctx);
	ctx.sender = "s@good.example";
	ctx.sasl_username = "a";
	T_STR("unknown recipient domain", rcpt("u@nowhere.example"),
	    "450 4.1.2 <u@nowhere.example>: Recipient address rejected: "
	    "Domain not found");
	T_STR("known recipient domain", rcpt("u@good.example"), "");
	T_STR("local recipient domain not looked up",
	    rcpt("u@mx.example.com"), "");
	/* reject_unknown_helo_hostname */
	session("192.0.2.10", "unknown");
	ctx.sender = "s@good.example";
	ctx.helo_name = "nowhere.example";
	T_STR("unknown helo", rcpt("u@mx.example.com"), "450 4.7.1 "
	    "<nowhere.example>: Helo command rejected: Host not found");
	ctx.helo_name = "good.example";
	T_STR("known helo", rcpt("u@mx.example.com"), "");
	session("192.0.2.9", "unknown");
	conf_set("unknown_address_reject_code", "550");
	conf_set("maps_rbl_reject_code", "521");
	T_STR("rbl code", rcpt("u@mx.example.com"),
	    "521 5.7.1 Service unavailable; Client host [192.0.2.9] blocked "
	    "using zen.test; listed, see http://zen.test/q");
}

static void
t_soft_bounce(void)
{
	base();
	conf_set("soft_bounce", "yes");
	conf_set("smtpd_relay_restrictions", "reject_unauth_destination");
	session("192.0.2.9", "unknown");
	T_STR("soft_bounce", rcpt("u@other.example"),
	    "454 4.7.1 <u@other.example>: Relay access denied");
}

/* run fn in a child with a fresh configuration */
static void
scenario(const char *name, void (*fn)(void))
{
	pid_t pid;
	int st;

	fflush(stdout);
	if ((pid = fork()) == 0) {
		t_failed = 0;
		conf_load(tmpdir, CONF_QUIET);
		str_init(&reply);
		fn();
		check_free(&ctx);
		str_free(&reply);
		fflush(stdout);
		exit(t_failed ? 1 : 0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0) {
		printf("FAIL - scenario %s\n", name);
		t_failed++;
	}
}

int
main(void)
{
	char cmd[300];

	log_init("smtpd");
	if (mkdtemp(tmpdir) == NULL)
		return 2;
	/* logs go to a file: the replies are what these tests check */
	snprintf(cmd, sizeof(cmd), "%s/log", tmpdir);
	if (freopen(cmd, "w", stderr) == NULL)
		return 2;
	scenario("relay", t_relay);
	scenario("relay knobs", t_relay_knobs);
	scenario("resolve", t_resolve);
	scenario("texts", t_texts);
	scenario("helo", t_helo);
	scenario("nofqdn", t_nofqdn);
	scenario("delay", t_delay);
	scenario("actions", t_actions);
	scenario("defer_if_reject", t_dir);
	scenario("warn_if_reject", t_warn_if_reject);
	scenario("stages", t_stages);
	scenario("config errors", t_config_errors);
	scenario("open relay config", t_open_relay_config);
	scenario("dns", t_dns);
	scenario("soft_bounce", t_soft_bounce);
	snprintf(cmd, sizeof(cmd), "grep -c 'reject_warning: RCPT from "
	    "unknown\\[192.0.2.9\\]: 504 5.5.2 <u>' %s/log >/dev/null", tmpdir);
	T_OK("warn_if_reject logged", system(cmd) == 0);
	snprintf(cmd, sizeof(cmd), "grep -q 'NOQUEUE: warn: RCPT from "
	    "unknown\\[192.0.2.9\\]: look at this; from=<warn@y.example> "
	    "to=<u@mx.example.com> proto=ESMTP helo=<client.example>' "
	    "%s/log", tmpdir);
	T_OK("WARN logged", system(cmd) == 0);
	snprintf(cmd, sizeof(cmd), "grep -q 'NOQUEUE: reject: RCPT from "
	    "unknown\\[192.0.2.9\\]: 454 4.7.1 <u@other.example>: Relay "
	    "access denied; from=<s@sender.example> to=<u@other.example> "
	    "proto=ESMTP helo=<client.example>' %s/log", tmpdir);
	T_OK("reject logged", system(cmd) == 0);
	snprintf(cmd, sizeof(cmd), "grep -q 'unknown smtpd restriction: "
	    "\"no_such_restriction\"' %s/log", tmpdir);
	T_OK("unknown restriction logged", system(cmd) == 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (getenv("CHECK_KEEP") == NULL)
		(void)system(cmd);
	T_DONE();
}

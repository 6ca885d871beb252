/* MIT licence: see LICENSE. */
/*
 * msgfix.c - unit tests of lib/rewrite/msgfix.c, cleanup's header work as both
 * cleanup and sendmail's relay mode run it: each case is an envelope
 * (attributes, sender), content records and the exact output (what
 * cleanup writes: the headers as fixed, the body as given), with the
 * 8-bit verdict and the failure, if any.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../lib/conf.h"
#include "../../lib/queue/queue.h"
#include "../../lib/rewrite/msgfix.h"
#include "../../lib/rewrite/rewrite.h"
#include "../../lib/str.h"
#include "t.h"

#define NOW	1700000000	/* Tue, 14 Nov 2023 22:13:20 UTC */
#define DATE	"Tue, 14 Nov 2023 22:13:20 +0000 (UTC)"
#define RCVD	"Received: by mx.example.com (Postfix, from userid 0)\n" \
		"\tid ID1; " DATE "\n"
#define ADDED	"Message-Id: <20231114221320.ID1@mx.example.com>\n" \
		"Date: " DATE "\n"

struct fixcase {
	const char	*name;
	const char	*attr[4];	/* "name=value" */
	const char	*lines[12];	/* "P:" first: a REC_PART piece */
	const char	*want;		/* the output, each line + LF */
	int		eightbit;
	const char	*fail;		/* "5 5.4.6 ...", or NULL */
	const char	*extracted;	/* sendmail -t: the addresses */
};

static const struct fixcase cases[] = {
	{ "local: From: qualified, Date: and Message-Id: added",
	    { "uid=0", NULL },
	    { "From: root", "To: user, Other <o@example.org>", "Subject: s",
	    "", "body", NULL },
	    RCVD "From: root@origin.example\n"
	    "To: user@origin.example, Other <o@example.org>\nSubject: s\n"
	    ADDED "\nbody\n", 0, NULL, NULL },
	{ "local: no From: gets the sender with the full name",
	    { "uid=0", "full_name=Char Root", NULL },
	    { "Subject: s", "", "b", NULL },
	    RCVD "Subject: s\n" ADDED
	    "From: me@origin.example (Char Root)\n\nb\n", 0, NULL, NULL },
	{ "local: continuation lines, Bcc: and Return-Path: removed",
	    { "uid=0", NULL },
	    { "To: a,", "\tb", "Bcc: hidden", "\tmore", "Return-Path: <x>",
	    "Cc: c@host", "From: f", "Date: given", "Message-ID: <m@x>", "",
	    NULL },
	    RCVD "To: a@origin.example,\n\tb@origin.example\n"
	    "Cc: c@host.example.com\nFrom: f@origin.example\n"
	    "Date: given\nMessage-ID: <m@x>\n\n", 0, NULL, NULL },
	{ "Sender:, Reply-To:, Resent-From:, Resent-To: qualified",
	    { "uid=0", NULL },
	    { "Sender: s", "Reply-To: \"R\" <r>", "Resent-From: rf",
	    "Resent-To: rt", "X-Other: keep", "", NULL },
	    RCVD "Sender: s@origin.example\n"
	    "Reply-To: \"R\" <r@origin.example>\n"
	    "Resent-From: rf@origin.example\nResent-To: rt@origin.example\n"
	    "X-Other: keep\n" ADDED "From: me@origin.example\n\n", 0, NULL,
	    NULL },
	{ "remote: addresses left alone, nothing added",
	    { "client_address=192.0.2.1", "client_name=c.example",
	    "helo_name=h", "rewrite_context=remote" },
	    { "From: root", "", "x", NULL },
	    "Received: from h (c.example [192.0.2.1])\n"
	    "\tby mx.example.com (Postfix) with SMTP id ID1\n"
	    "\tfor <rcpt@example.org>;\n\t" DATE "\n"
	    "From: root\n\nx\n", 0, NULL, NULL },
	{ "the body starts without a blank line: headers added before it",
	    { "uid=0", NULL },
	    { "Subject: s", "not a header", "From: body", NULL },
	    RCVD "Subject: s\n" ADDED "From: me@origin.example\n"
	    "not a header\nFrom: body\n", 0, NULL, NULL },
	{ "the content ends in the headers: headers added at the end",
	    { "uid=0", NULL },
	    { "From: f@example.org", "Subject: s", NULL },
	    RCVD "From: f@example.org\nSubject: s\n" ADDED, 0, NULL, NULL },
	{ "a header in pieces (REC_PART) is one header",
	    { "uid=0", NULL },
	    { "P:To: a", "b, c", "", NULL },
	    RCVD "To: ab@origin.example, c@origin.example\n" ADDED
	    "From: me@origin.example\n\n", 0, NULL, NULL },
	{ "8-bit body: 8BITMIME",
	    { "uid=0", NULL },
	    { "From: f@x.example", "Date: d", "Message-Id: <i@x>", "",
	    "caf\303\251", NULL },
	    RCVD "From: f@x.example\nDate: d\nMessage-Id: <i@x>\n\n"
	    "caf\303\251\n", 1, NULL, NULL },
	{ "8-bit header: 8BITMIME",
	    { "uid=0", NULL },
	    { "Subject: caf\303\251", "From: f@x.example", "Date: d",
	    "Message-Id: <i@x>", "", "b", NULL },
	    NULL, 1, NULL, NULL },
	{ "Content-Transfer-Encoding: 8bit: 8BITMIME",
	    { "uid=0", NULL },
	    { "Content-Transfer-Encoding:  8BIT ", "", "b", NULL },
	    NULL, 1, NULL, NULL },
	{ "Content-Transfer-Encoding: binary: 8BITMIME",
	    { "uid=0", NULL },
	    { "Content-Transfer-Encoding: binary", "", "b", NULL },
	    NULL, 1, NULL, NULL },
	{ "Content-Transfer-Encoding: quoted-printable: 7 bits",
	    { "uid=0", NULL },
	    { "Content-Transfer-Encoding: quoted-printable", "", "b=E9",
	    NULL },
	    NULL, 0, NULL, NULL },
	{ "encoding=8bit declared: 8BITMIME",
	    { "uid=0", "encoding=8bit", NULL },
	    { "Subject: s", "", "b", NULL },
	    NULL, 1, NULL, NULL },
	{ "hopcount_limit: 5.4.6 too many hops",
	    { "uid=0", NULL },
	    { "Received: 1", "Received: 2", "Received: 3", "", "b", NULL },
	    NULL, 0, "5 5.4.6 too many hops", NULL },
	{ "header_size_limit: the excess is dropped",
	    { "uid=0", NULL },
	    { "Subject: 0123456789", "\t0123456789", "\t0123456789",
	    "From: f@x.example", "Date: d", "Message-Id: <i@x>", "", NULL },
	    RCVD "Subject: 0123456789\n\t0123456789\nFrom: f@x.example\n"
	    "Date: d\nMessage-Id: <i@x>\n\n", 0, NULL, NULL },
	{ "extract_recipients=yes: To:, Cc:, Bcc: addresses",
	    { "uid=0", "extract_recipients=yes", NULL },
	    { "To: a, B <b@example.org>", "Cc: c", "Bcc: d", "Subject: s",
	    "", NULL },
	    NULL, 0, NULL, "a b@example.org c d " },
};

static struct str out, failed, extracted;

static void
put(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	str_addmem(&out, s, n);
	str_addc(&out, '\n');
}

static void
fail(void *ctx, int code, const char *text)
{
	(void)ctx;
	str_addf(&failed, "%d %s", code, text);
}

static void
extract(void *ctx, const char *addr)
{
	(void)ctx;
	str_addf(&extracted, "%s ", addr);
}

static void
run(const struct fixcase *c, struct rewrite *rw)
{
	struct msgfix m;
	struct str name;
	const char *l;
	size_t i;
	int type;

	memset(&m, 0, sizeof(m));
	str_reset(&out);
	str_reset(&failed);
	str_reset(&extracted);
	str_init(&name);
	m.rw = rw;
	m.id = "ID1";
	m.when = NOW;
	m.attr = (char **)c->attr;
	for (m.nattr = 0; m.nattr < 4 && c->attr[m.nattr]; m.nattr++)
		;
	m.sender = "me@origin.example";
	m.rcpt1 = "rcpt@example.org";
	m.put = put;
	m.fail = fail;
	m.extract = extract;
	msgfix_init(&m);
	msgfix_begin(&m);
	for (i = 0; (l = c->lines[i]) != NULL; i++) {
		type = strncmp(l, "P:", 2) == 0 ? REC_PART : REC_LINE;
		if (type == REC_PART)
			l += 2;
		if (msgfix_line(&m, type, l, strlen(l)) == 0) {
			str_adds(&out, l);
			if (type == REC_LINE)
				str_addc(&out, '\n');
		}
	}
	msgfix_end(&m);
	if (c->want) {
		str_addf(&name, "%s: output", c->name);
		T_STR(name.s, out.s, c->want);
	}
	str_set(&name, c->name);
	str_adds(&name, ": 8-bit verdict");
	T_OK(name.s, m.eightbit == c->eightbit);
	str_set(&name, c->name);
	str_adds(&name, ": failure");
	T_STR(name.s, failed.s, c->fail ? c->fail : "");
	if (c->extracted) {
		str_set(&name, c->name);
		str_adds(&name, ": extracted");
		T_STR(name.s, extracted.s, c->extracted);
	}
	msgfix_free(&m);
	str_free(&name);
}

/* the envelope: qualified, canonical, virtual */
static void
envelope(struct rewrite *rw)
{
	struct msgfix m;
	struct str s;
	char **list;

	memset(&m, 0, sizeof(m));
	m.rw = rw;
	m.id = "ID1";
	m.fail = fail;
	msgfix_init(&m);
	str_init(&s);
	T_OK("msgfix_sender: ok", msgfix_sender(&m, "root", &s) == 0);
	T_STR("msgfix_sender: root@$myorigin", s.s, "root@origin.example");
	T_OK("msgfix_sender: <> stays empty", msgfix_sender(&m, "", &s) == 0
	    && s.len == 0);
	list = msgfix_rcpt(&m, "user@host");
	T_OK("msgfix_rcpt: append_dot_mydomain", list && list[0] &&
	    strcmp(list[0], "user@host.example.com") == 0 && !list[1]);
	free(list ? list[0] : NULL);
	free(list);
	str_free(&s);
	msgfix_free(&m);
}

int
main(void)
{
	struct rewrite *rw;
	size_t i;

	setenv("TZ", "UTC", 1);
	tzset();
	conf_load(NULL, CONF_NOFILE);
	conf_set("myhostname", "mx.example.com");
	conf_set("mydomain", "example.com");
	conf_set("myorigin", "origin.example");
	conf_set("append_dot_mydomain", "yes");
	conf_set("hopcount_limit", "3");
	conf_set("header_size_limit", "40");
	str_init(&out);
	str_init(&failed);
	str_init(&extracted);
	rw = rewrite_init();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run(&cases[i], rw);
	envelope(rw);
	rewrite_free(rw);
	str_free(&out);
	str_free(&failed);
	str_free(&extracted);
	T_DONE();
}

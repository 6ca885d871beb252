/* MIT licence: see LICENSE. */
/*
 * bounce.c - unit tests of applets/qmgr/bounce.c: queue files built here, each
 * kind of notice composed and its key lines checked; bounce_send()'s
 * policy (double bounces, double_bounce_sender, <> and success) and, when
 * $MTA names the binary, a notice submitted through the real cleanup.
 *
 * With $BOUNCE_OUT set, every composed notice is also written to
 * $BOUNCE_OUT/NAME.eml (LF line ends) for tests/t-bounce.sh, which parses
 * them with Python's email package.
 *
 * submit.c's fallback re-executes /proc/self/exe as "cleanup": that is
 * this program, which then hands over to $MTA under the same name.
 */
#include <sys/stat.h>
#include <sys/time.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../applets/qmgr/bounce.h"
#include "../../lib/conf.h"
#include "../../lib/log.h"
#include "../../lib/queue/queue.h"
#include "../../lib/queue/rcptlog.h"
#include "../../lib/str.h"
#include "../../lib/x.h"
#include "t.h"

static char top[] = "/tmp/mta-ub.XXXXXX";
static char qdir[64];
static struct str got;		/* the last notice, LF line ends */
static size_t longest;		/* its longest line */
static int cut_lines;		/* lines that hold a NUL or CR */

#define NOW	1700000000

/* a queue file in incoming/: envelope attributes, then the content */
struct msg {
	const char	*sender;
	const char	*attrs[6];	/* "name=value" */
	long long	flags;		/* QUEUE_F_* */
	const char	*lines[12];	/* NULL ends; "LONG": 3000 octets */
	int		big;		/* a body of 60000 bytes */
};

static int
make(const struct msg *m, char *id)
{
	struct str err = STR_INIT;
	struct queue_writer *w;
	struct queue_size sz;
	char longl[3000];
	const char *const *l;
	long long mesg, size = 0;
	int i;

	str_init(&err);
	if ((w = queue_create(qdir, "incoming", 0, &err)) == NULL) {
		fprintf(stderr, "queue_create: %s\n", err.s);
		str_free(&err);
		return -1;
	}
	str_copy(id, w->id, QUEUE_ID_MAX);
	queue_putf(w, REC_TIME, "%d.000001", NOW - 7200);
	queue_puts(w, REC_FROM, m->sender);
	for (i = 0; m->attrs[i]; i++)
		queue_puts(w, REC_ATTR, m->attrs[i]);
	queue_puts(w, REC_RCPT, "x@example.net");
	mesg = queue_put(w, REC_MESG, "", 0);
	memset(longl, 'L', sizeof(longl));
	memcpy(longl, "X-Long: ", 8);
	for (l = m->lines; *l; l++) {
		if (strcmp(*l, "LONG") == 0) {
			queue_put_line(w, longl, sizeof(longl));
			size += sizeof(longl) + 1;
		} else {
			queue_put_line(w, *l, strlen(*l));
			size += (long long)strlen(*l) + 1;
		}
	}
	for (i = 0; m->big && i < 1000; i++) {
		queue_put_line(w, "0123456789012345678901234567890123456789"
		    "012345678901234567", 58);
		size += 59;
	}
	queue_put(w, REC_XTRA, "", 0);
	queue_put(w, REC_END, "", 0);
	memset(&sz, 0, sizeof(sz));
	sz.size = size;
	sz.mesg = mesg;
	sz.nrcpt = 1;
	sz.flags = m->flags;
	if (queue_commit(w, &sz, &err) < 0) {
		fprintf(stderr, "queue_commit: %s\n", err.s);
		str_free(&err);
		return -1;
	}
	str_free(&err);
	return 0;
}

static void
line(void *arg, const char *s, size_t len)
{
	(void)arg;
	if (len > longest)
		longest = len;
	if (memchr(s, 0, len) || memchr(s, '\r', len) || memchr(s, '\n',
	    len))
		cut_lines++;
	str_addmem(&got, s, len);
	str_addc(&got, '\n');
}

static void
save(const char *name)
{
	const char *dir = getenv("BOUNCE_OUT");
	char path[512];
	FILE *fp;

	if (dir == NULL || *dir == 0 || got.len == 0)
		return;
	snprintf(path, sizeof(path), "%s/%s.eml", dir, name);
	if ((fp = fopen(path, "w")) == NULL)
		return;
	fwrite(got.s, 1, got.len, fp);
	fclose(fp);
}

/* compose the notice; its recipient count, or -1 */
static int
compose(const char *name, const struct msg *m, int kind, int flags,
    const char *to, const struct rcptlog_ent *v, size_t n)
{
	struct bounce_orig o;
	struct str err = STR_INIT;
	char id[QUEUE_ID_MAX];
	int r;

	str_init(&err);
	str_reset(&got);
	longest = 0;
	cut_lines = 0;
	if (make(m, id) < 0 || bounce_open(&o, qdir, "incoming", id,
	    &err) < 0) {
		fprintf(stderr, "%s: %s\n", name, err.s);
		str_free(&err);
		return -1;
	}
	r = bounce_compose(&o, kind, flags, to, NOW, v, n, line, NULL);
	bounce_close(&o);
	save(name);
	str_free(&err);
	return r;
}

/* the notice has this whole line */
static int
has(const char *l)
{
	size_t n = strlen(l);
	const char *p = got.s;

	while ((p = strstr(p, l)) != NULL) {
		if ((p == got.s || p[-1] == '\n') && p[n] == '\n')
			return 1;
		p += n;
	}
	return 0;
}

/* ... or a line that starts so */
static int
has_start(const char *l)
{
	size_t n = strlen(l);
	const char *p = got.s;

	while ((p = strstr(p, l)) != NULL) {
		if (p == got.s || p[-1] == '\n')
			return 1;
		p += n;
	}
	return 0;
}

static struct rcptlog_ent
ent(const char *addr, const char *orig, const char *orcpt, int notify,
    const char *dsn, const char *action, const char *relay,
    const char *reason)
{
	struct rcptlog_ent e;

	memset(&e, 0, sizeof(e));
	e.addr = (char *)addr;
	e.orig = (char *)orig;
	e.orcpt = (char *)orcpt;
	e.notify = notify;
	str_copy(e.dsn, dsn, sizeof(e.dsn));
	e.action = (char *)action;
	e.relay = (char *)relay;
	e.reason = (char *)reason;
	e.when = NOW;
	return e;
}

static const struct msg plain = {
	"a@example.com",
	{ "dsn_envid=ENV-1234", NULL },
	0,
	{ "From: A <a@example.com>", "To: b@example.org",
	    "Subject: hello", "", "the body line", "the second line", NULL },
	0
};

static void
test_failed(void)
{
	struct rcptlog_ent v[5];
	int n;

	v[0] = ent("b@example.org", NULL, "rfc822;B@example.org", 0,
	    "5.1.1", "failed", "mx.example.org[192.0.2.1]:25",
	    "host mx.example.org[192.0.2.1] said: 550 5.1.1 <b@example.org>: "
	    "Recipient address rejected: User unknown in local recipient "
	    "table (in reply to RCPT TO command)");
	v[1] = ent("joe@h.example.com", "alias@h.example.com", NULL,
	    DSN_NOTIFY_FAILURE | DSN_NOTIFY_DELAY, "5.1.1", "failed", "local",
	    "unknown user: \"joe\"");
	v[2] = ent("never@example.org", NULL, NULL, DSN_NOTIFY_NEVER,
	    "5.1.1", "failed", "none", "no");
	v[3] = ent("succ@example.org", NULL, NULL, DSN_NOTIFY_SUCCESS,
	    "5.1.1", "failed", "none", "no");
	v[4] = ent("c@example.org", NULL, NULL, 0, "5.4.4", "failed",
	    "none", "Host or domain name not found. Name service error for "
	    "name=example.org type=MX: Host not found, try again");

	T_OK("bounce_count: NOTIFY=NEVER and SUCCESS-only are left out",
	    bounce_count(BOUNCE_FAILED, 0, v, 5) == 3);
	T_OK("bounce_count: the postmaster copy gets them all",
	    bounce_count(BOUNCE_FAILED, BOUNCE_F_ALL, v, 5) == 5);
	n = compose("failed", &plain, BOUNCE_FAILED, 0, "a@example.com", v,
	    5);
	T_OK("failed: three recipients reported", n == 3);
	T_OK("failed: From", has("From: Mail Delivery System "
	    "<MAILER-DAEMON@h.example.com>"));
	T_OK("failed: Subject", has("Subject: Undelivered Mail Returned to "
	    "Sender"));
	T_OK("failed: To", has("To: a@example.com"));
	T_OK("failed: Auto-Submitted", has("Auto-Submitted: auto-replied"));
	T_OK("failed: multipart/report", has("Content-Type: multipart/report;"
	    " report-type=delivery-status;"));
	T_OK("failed: Postfix's boundary", has_start("\tboundary=\"") &&
	    strstr(got.s, ".1700000000/h.example.com\"\n") != NULL);
	T_OK("failed: the template text", has("This is the mail system at "
	    "host h.example.com.") && has("I'm sorry to have to inform you "
	    "that your message could not") && has("                   The "
	    "mail system"));
	T_OK("failed: reason line, wrapped at 79 with 4 blanks",
	    has("<b@example.org>: host mx.example.org[192.0.2.1] said: 550 "
	    "5.1.1") && has("    <b@example.org>: Recipient address rejected:"
	    " User unknown in local"));
	T_OK("failed: expanded from", has("<joe@h.example.com> (expanded "
	    "from <alias@h.example.com>): unknown user: \"joe\""));
	T_OK("failed: NOTIFY=NEVER recipient not reported",
	    strstr(got.s, "never@example.org") == NULL &&
	    strstr(got.s, "succ@example.org") == NULL);
	T_OK("failed: Reporting-MTA", has("Reporting-MTA: dns; "
	    "h.example.com"));
	T_OK("failed: Original-Envelope-Id", has("Original-Envelope-Id: "
	    "ENV-1234"));
	T_OK("failed: X-Postfix-Sender", has("X-Postfix-Sender: rfc822; "
	    "a@example.com"));
	T_OK("failed: X-Postfix-Queue-ID", has_start("X-Postfix-Queue-ID: "));
	T_OK("failed: Arrival-Date", has_start("Arrival-Date: "));
	T_OK("failed: Final-Recipient", has("Final-Recipient: rfc822; "
	    "b@example.org"));
	T_OK("failed: Original-Recipient from ORCPT",
	    has("Original-Recipient: rfc822;B@example.org"));
	T_OK("failed: Original-Recipient from the address before "
	    "rewriting", has("Original-Recipient: rfc822; "
	    "alias@h.example.com"));
	T_OK("failed: Action", has("Action: failed"));
	T_OK("failed: Status", has("Status: 5.1.1") && has("Status: 5.4.4"));
	T_OK("failed: Remote-MTA", has("Remote-MTA: dns; mx.example.org"));
	T_OK("failed: Diagnostic-Code smtp", has_start("Diagnostic-Code: "
	    "smtp; 550 5.1.1 <b@example.org>: Recipient address rejected:"));
	T_OK("failed: Diagnostic-Code X-Postfix", has("Diagnostic-Code: "
	    "X-Postfix; unknown user: \"joe\""));
	T_OK("failed: no Remote-MTA for a local failure",
	    strstr(got.s, "Remote-MTA: dns; local") == NULL);
	T_OK("failed: no Will-Retry-Until", !has_start("Will-Retry-Until:"));
	T_OK("failed: the whole original returned",
	    has("Content-Description: Undelivered Message") &&
	    has("Content-Type: message/rfc822") &&
	    has("Return-Path: <a@example.com>") && has("the second line"));
	T_OK("failed: 7bit", has("Content-Transfer-Encoding: 7bit") &&
	    has("Content-Type: text/plain; charset=us-ascii"));
	T_OK("failed: closing boundary", has_start("--") &&
	    got.len > 3 && strcmp(got.s + got.len - 3, "--\n") == 0);
	T_OK("failed: lines under 80 in the report, 998 anywhere",
	    longest <= 79);

	n = compose("postmaster-copy", &plain, BOUNCE_FAILED,
	    BOUNCE_F_POSTMASTER | BOUNCE_F_ALL | BOUNCE_F_HDRS, "postmaster",
	    v, 5);
	T_OK("postmaster copy: every recipient", n == 5 &&
	    strstr(got.s, "never@example.org") != NULL);
	T_OK("postmaster copy: Subject", has("Subject: Postmaster Copy: "
	    "Undelivered Mail"));
	T_OK("postmaster copy: auto-generated", has("Auto-Submitted: "
	    "auto-generated"));
	T_OK("postmaster copy: no template text",
	    strstr(got.s, "I'm sorry") == NULL);
	T_OK("postmaster copy: headers only",
	    has("Content-Type: text/rfc822-headers") &&
	    has("Content-Description: Undelivered Message Headers") &&
	    has("Subject: hello") && strstr(got.s, "the body line") == NULL);

	v[0].notify = DSN_NOTIFY_NEVER;
	v[1].notify = DSN_NOTIFY_DELAY;
	v[4].notify = DSN_NOTIFY_SUCCESS;
	n = compose("nobody", &plain, BOUNCE_FAILED, 0, "a@example.com", v, 5);
	T_OK("no recipient wants a failure notice: nothing composed",
	    n == 0 && got.len == 0);
}

static void
test_ret(void)
{
	struct rcptlog_ent v[1];
	static const struct msg hdrs = {
		"a@example.com",
		{ "dsn_ret=HDRS", NULL },
		0,
		{ "Subject: hdrs", "X-Folded: one", "  two", "", "body here",
		    NULL },
		0
	};
	static const struct msg big = {
		"a@example.com",
		{ NULL },
		0,
		{ "Subject: big", "", NULL },
		1
	};
	int n;

	v[0] = ent("b@example.org", NULL, NULL, 0, "5.1.1", "failed", "none",
	    "unknown user");
	n = compose("ret-hdrs", &hdrs, BOUNCE_FAILED, 0, "a@example.com", v,
	    1);
	T_OK("RET=HDRS: headers only", n == 1 &&
	    has("Content-Type: text/rfc822-headers") && has("  two") &&
	    strstr(got.s, "body here") == NULL);
	T_OK("RET=HDRS: no Original-Envelope-Id without ENVID",
	    !has_start("Original-Envelope-Id:"));
	n = compose("too-big", &big, BOUNCE_FAILED, 0, "a@example.com", v, 1);
	T_OK("over bounce_size_limit: headers only", n == 1 &&
	    has("Content-Type: text/rfc822-headers") &&
	    has("Subject: big") && strstr(got.s, "0123456789") == NULL);
	conf_set("bounce_size_limit", "100000");
	n = compose("big-ok", &big, BOUNCE_FAILED, 0, "a@example.com", v, 1);
	T_OK("within a raised bounce_size_limit: all of it", n == 1 &&
	    has("Content-Type: message/rfc822") &&
	    strstr(got.s, "0123456789") != NULL);
	conf_set("bounce_size_limit", "50000");
}

static void
test_delayed(void)
{
	struct rcptlog_ent v[3];
	int n;

	v[0] = ent("slow@example.org", NULL, NULL, 0, "4.4.1", "delayed",
	    "none", "connect to mx.example.org[192.0.2.2]:25: Connection "
	    "refused");
	v[1] = ent("d@example.org", NULL, NULL, DSN_NOTIFY_DELAY, "4.7.1",
	    "delayed", "mx.example.org[192.0.2.2]:25",
	    "host mx.example.org[192.0.2.2] said: 450 4.7.1 Try again later "
	    "(in reply to RCPT TO command)");
	v[2] = ent("f@example.org", NULL, NULL, DSN_NOTIFY_FAILURE, "4.4.1",
	    "delayed", "none", "x");
	n = compose("delayed", &plain, BOUNCE_DELAYED, BOUNCE_F_HDRS,
	    "a@example.com", v, 3);
	T_OK("delayed: NOTIFY without DELAY left out", n == 2 &&
	    strstr(got.s, "f@example.org") == NULL);
	T_OK("delayed: Subject", has("Subject: Delayed Mail (still being "
	    "retried)"));
	T_OK("delayed: the warning text", has("# THIS IS A WARNING ONLY.  "
	    "YOU DO NOT NEED TO RESEND YOUR MESSAGE. #") &&
	    has("It will be retried until it is 5 day(s) old."));
	T_OK("delayed: Action delayed, Status 4.x", has("Action: delayed") &&
	    has("Status: 4.4.1") && has("Status: 4.7.1"));
	T_OK("delayed: Will-Retry-Until", has_start("Will-Retry-Until: "));
	T_OK("delayed: Diagnostic-Code smtp; 450", has("Diagnostic-Code: "
	    "smtp; 450 4.7.1 Try again later"));
	T_OK("delayed: headers only", has("Content-Description: Undelivered "
	    "Message Headers") && strstr(got.s, "the body line") == NULL);
	n = compose("delay-copy", &plain, BOUNCE_DELAYED,
	    BOUNCE_F_POSTMASTER | BOUNCE_F_ALL | BOUNCE_F_HDRS, "postmaster",
	    v, 3);
	T_OK("delayed: postmaster warning", n == 3 && has("Subject: "
	    "Postmaster Warning: Delayed Mail"));
}

static void
test_success(void)
{
	struct rcptlog_ent v[2];
	int n;

	v[0] = ent("ok@example.org", NULL, "rfc822;ok@example.org",
	    DSN_NOTIFY_SUCCESS | DSN_NOTIFY_FAILURE, "2.0.0", "delivered",
	    "local", "delivered to mailbox");
	v[1] = ent("no@example.org", NULL, NULL, 0, "2.0.0", "delivered",
	    "local", "delivered to mailbox");
	n = compose("success", &plain, BOUNCE_SUCCESS, 0, "a@example.com", v,
	    2);
	T_OK("success: only NOTIFY=SUCCESS", n == 1 &&
	    strstr(got.s, "no@example.org") == NULL);
	T_OK("success: Subject", has("Subject: Successful Mail Delivery "
	    "Report"));
	T_OK("success: text", has("Your message was successfully delivered "
	    "to the destination(s)"));
	T_OK("success: Action delivered", has("Action: delivered") &&
	    has("Status: 2.0.0"));
	T_OK("success: message headers by default",
	    has("Content-Description: Message Headers") &&
	    has("Content-Type: text/rfc822-headers"));
}

static void
test_8bit(void)
{
	struct rcptlog_ent v[1];
	static const struct msg eight = {
		"a@example.com",
		{ NULL },
		0,
		{ "Subject: caf\xc3\xa9", "", "na\xc3\xafve body", "LONG",
		    NULL },
		0
	};
	static const struct msg longhdr = {
		"a@example.com",
		{ NULL },
		0,
		{ "Subject: long", "LONG", "", "body", NULL },
		0
	};
	static const struct msg utf8 = {
		"j\xc3\xb6rg@example.com",
		{ "smtputf8=yes", NULL },
		QUEUE_F_SMTPUTF8,
		{ "Subject: utf8", "", "body", NULL },
		0
	};
	int n;

	v[0] = ent("b@example.org", NULL, NULL, 0, "5.1.1", "failed", "none",
	    "unknown user");
	n = compose("eightbit", &eight, BOUNCE_FAILED, 0, "a@example.com", v,
	    1);
	T_OK("8-bit original: Content-Transfer-Encoding 8bit", n == 1 &&
	    has("Content-Transfer-Encoding: 8bit") &&
	    has("Content-Type: text/plain; charset=utf-8") &&
	    has("na\xc3\xafve body"));
	T_OK("a 3000-octet body line is cut under 998", longest <= 998 &&
	    cut_lines == 0 && strstr(got.s, "LLLL\nLLLL") != NULL);
	n = compose("longhdr", &longhdr, BOUNCE_FAILED, 0, "a@example.com", v,
	    1);
	T_OK("a 3000-octet header line is folded under 998", n == 1 &&
	    longest <= 998 && strstr(got.s, "LLLL\n\tLLLL") != NULL &&
	    has("body"));
	v[0] = ent("m\xc3\xbcller@example.org", NULL, NULL, 0, "5.1.1",
	    "failed", "none", "unknown user");
	n = compose("smtputf8", &utf8, BOUNCE_FAILED, 0, "j\xc3\xb6rg@example"
	    ".com", v, 1);
	T_OK("SMTPUTF8: global types", n == 1 &&
	    has("Content-Type: message/global-delivery-status") &&
	    has("Content-Type: message/global"));
	T_OK("SMTPUTF8: utf-8 address type", has("Final-Recipient: utf-8; "
	    "m\xc3\xbcller@example.org") && has("X-Postfix-Sender: utf-8; "
	    "j\xc3\xb6rg@example.com"));
	n = compose("quoted", &plain, BOUNCE_FAILED, 0, "john smith\r@example"
	    ".com", v, 1);
	T_OK("To: a local part with specials quoted, control characters "
	    "masked", n == 1 && has("To: \"john smith?\"@example.com"));
	n = compose("masked", &plain, BOUNCE_FAILED, 0, "a@example.com", v, 1);
	T_OK("not SMTPUTF8: non-ASCII in the report masked", n == 1 &&
	    has("Final-Recipient: rfc822; m??ller@example.org") &&
	    has("Content-Transfer-Encoding: 7bit"));
}

static void
test_policy(void)
{
	struct rcptlog_ent v[1];
	struct str out = STR_INIT;
	static const struct msg dbl = {
		"double-bounce@h.example.com",
		{ NULL },
		0,
		{ "Subject: x", "", NULL },
		0
	};
	static const struct msg null = {
		"",
		{ NULL },
		0,
		{ "Subject: a bounce", "", "text", NULL },
		0
	};
	char id[QUEUE_ID_MAX];

	str_init(&out);
	T_OK("double_bounce_sender, bare and qualified",
	    bounce_double_sender("double-bounce") &&
	    bounce_double_sender("Double-Bounce@h.example.com") &&
	    !bounce_double_sender("double-bounce@elsewhere.example") &&
	    !bounce_double_sender(""));
	T_OK("notify_classes default: resource, software",
	    bounce_class("software") && !bounce_class("bounce"));
	v[0] = ent("b@example.org", NULL, NULL, 0, "5.1.1", "failed", "none",
	    "unknown user");
	T_OK("mail from double_bounce_sender: discarded, no notice",
	    make(&dbl, id) == 0 && bounce_send(qdir, "incoming", id,
	    BOUNCE_FAILED, v, 1, &out) == 0 && out.len == 0);
	T_OK("a bounce bounced, no 2bounce class: dropped as Postfix does",
	    make(&null, id) == 0 && bounce_send(qdir, "incoming", id,
	    BOUNCE_FAILED, v, 1, &out) == 0 && out.len == 0);
	T_OK("no delay notice to <>", bounce_send(qdir, "incoming", id,
	    BOUNCE_DELAYED, v, 1, &out) == 0 && out.len == 0);
	T_OK("no success notice to <>", bounce_send(qdir, "incoming", id,
	    BOUNCE_SUCCESS, v, 1, &out) == 0 && out.len == 0);
	T_OK("no queue file: a temporary failure", bounce_send(qdir,
	    "incoming", "NOSUCHID", BOUNCE_FAILED, v, 1, &out) < 0 &&
	    out.len > 0);
	T_OK("double bounce composition", compose("double", &null,
	    BOUNCE_FAILED, BOUNCE_F_POSTMASTER | BOUNCE_F_ALL | BOUNCE_F_FULL,
	    "postmaster", v, 1) == 1 && has("Subject: Postmaster Copy: "
	    "Undelivered Mail") && has("Return-Path: <>") && has("text") &&
	    !has_start("X-Postfix-Sender:"));
	str_free(&out);
}

static int
count_dir(const char *sub)
{
	char path[256];
	struct dirent *e;
	DIR *dp;
	int n = 0;

	snprintf(path, sizeof(path), "%s/%s", qdir, sub);
	if ((dp = opendir(path)) == NULL)
		return -1;
	while ((e = readdir(dp)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(dp);
	return n;
}

/* a notice through the real cleanup: the queue file it makes */
static void
test_send(void)
{
	struct rcptlog_ent v[1];
	struct str out = STR_INIT, d = STR_INIT, log = STR_INIT;
	struct queue_reader *r;
	char id[QUEUE_ID_MAX], path[512], buf[4096];
	int type, from_null = 0, rcpt = 0, subj = 0, before;
	size_t k;
	FILE *fp;

	if (getenv("MTA") == NULL) {
		printf("ok - bounce_send through cleanup (skipped: no $MTA)\n");
		return;
	}
	str_init(&out);
	str_init(&d);
	str_init(&log);
	v[0] = ent("b@example.org", NULL, NULL, 0, "5.1.1", "failed", "none",
	    "unknown user");
	before = count_dir("incoming");
	T_OK("bounce_send: 0 and the new queue id", make(&plain, id) == 0 &&
	    bounce_send(qdir, "incoming", id, BOUNCE_FAILED, v, 1,
	    &out) == 0 && queue_id_ok(out.s));
	T_OK("bounce_send: one more file in incoming",
	    count_dir("incoming") == before + 2);
	if ((r = queue_open(qdir, "incoming", out.s, QUEUE_RDONLY,
	    &d)) != NULL) {
		while (queue_get(r, &type, &d, NULL) == QUEUE_REC) {
			if (type == REC_FROM && d.len == 0)
				from_null = 1;
			if (type == REC_RCPT && strcmp(d.s,
			    "a@example.com") == 0)
				rcpt = 1;
			if (type == REC_LINE && strcmp(d.s, "Subject: "
			    "Undelivered Mail Returned to Sender") == 0)
				subj = 1;
		}
		queue_close(r);
	}
	T_OK("the notice: from <> to the sender", from_null && rcpt);
	T_OK("the notice: its Subject", subj);
	snprintf(path, sizeof(path), "%s/log", top);
	if ((fp = fopen(path, "r")) != NULL) {
		while ((k = fread(buf, 1, sizeof(buf), fp)) > 0)
			str_addmem(&log, buf, k);
		fclose(fp);
	}
	str_reset(&d);
	str_addf(&d, "%s: sender non-delivery notification: %s", id, out.s);
	T_OK("the log line", strstr(log.s, d.s) != NULL);

	/* a double bounce when notify_classes asks */
	conf_set("notify_classes", "2bounce");
	T_OK("a bounce bounced with 2bounce: to postmaster",
	    make(&(struct msg){ "", { NULL }, 0, { "Subject: b", "", "t",
	    NULL }, 0 }, id) == 0 && bounce_send(qdir, "incoming", id,
	    BOUNCE_FAILED, v, 1, &out) == 0 && queue_id_ok(out.s));
	conf_set("notify_classes", "resource, software");
	str_free(&out);
	str_free(&d);
	str_free(&log);
}

int
main(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 :
	    argv[0];
	struct str err = STR_INIT;
	char path[512];
	FILE *fp;

	(void)argc;
	if (strcmp(base, "cleanup") == 0 && getenv("MTA")) {
		execv(getenv("MTA"), argv);
		return 71;
	}
	if (mkdtemp(top) == NULL)
		return 2;
	chmod(top, 0755);
	snprintf(qdir, sizeof(qdir), "%s/q", top);
	mkdir(qdir, 0755);
	str_init(&err);
	if (queue_dirs(qdir, "postfix", 1, &err) < 0)
		fprintf(stderr, "queue_dirs: %s\n", err.s);
	str_free(&err);
	snprintf(path, sizeof(path), "%s/main.cf", top);
	if ((fp = fopen(path, "w")) == NULL)
		return 2;
	fprintf(fp, "queue_directory = %s/q\nmyhostname = h.example.com\n"
	    "maillog_file = %s/log\n", top, top);
	t_daemon_dir(fp);
	fclose(fp);
	if (conf_load(top, CONF_QUIET) < 0)
		return 2;
	conf_log(LOG_TO_SYSLOG);	/* to maillog_file */
	str_init(&got);
	test_failed();
	test_ret();
	test_delayed();
	test_success();
	test_8bit();
	test_policy();
	test_send();
	str_free(&got);
	snprintf(path, sizeof(path), "rm -rf '%s'", top);
	if (system(path) != 0)
		(void)0;
	T_DONE();
}

/* MIT licence: see LICENSE. */
/*
 * svc.c - unit tests of lib/svc.c: master.cf lines (columns, '-'
 * defaults, host:port, -o in both forms, Postfix 3 "{ ... }" words),
 * whole files (continuation lines, comments, skipped programs, errors),
 * the compiled default table, and triggers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "t.h"
#include "../../lib/conf.h"
#include "../../lib/str.h"
#include "../../lib/svc.h"

static char dir[] = "/tmp/mta-unit-svc.XXXXXX";

static const char *
args(const struct svc *s)
{
	static struct str out = STR_INIT;
	int i;

	str_reset(&out);
	for (i = 0; i < s->argc; i++)
		str_addf(&out, "%s[%s]", i ? " " : "", s->argv[i]);
	return out.s;
}

static void
write_file(const char *path, const char *text)
{
	FILE *fp;

	if ((fp = fopen(path, "w")) == NULL) {
		perror(path);
		exit(2);
	}
	fputs(text, fp);
	fclose(fp);
}

static const char *const bad_lines[][2] = {
	{ "smtp inet n - n - -", "expected 8 fields, found 7" },
	{ "smtp tcp n - n - - smtpd", "bad transport type: tcp" },
	{ "smtp inet x - n - - smtpd", "bad private field" },
	{ "smtp inet n - n soon - smtpd", "bad wakeup time: soon" },
	{ "smtp inet n - n - many smtpd", "bad process limit: many" },
	{ "smtp inet n - n - - smtpd -o", "-o without name=value" },
	{ "smtp inet n - n - - smtpd -o novalue", "expected name=value" },
	{ "smtp inet n - n - - smtpd -o { a = b", "missing '}'" },
	{ ":25 inet n - n - - smtpd", "bad inet service" },
	{ "a/b unix n - n - - smtp", "bad service name" },
};

static void
lines(void)
{
	struct str err = STR_INIT;
	struct svc s;
	char name[128];
	size_t i;
	int r;

	r = svc_parse("smtp inet n - y - - smtpd", &s, &err);
	T_OK("plain inet line", r == 0);
	T_STR("name", s.name, "smtp");
	T_OK("inet type", s.type == SVC_INET);
	T_OK("no host", s.host == NULL);
	T_STR("port is the name", s.port, "smtp");
	T_OK("private n", s.private == 0);
	T_OK("unpriv default y", s.unpriv == 1);
	T_OK("chroot y read", s.chroot == 1);
	T_OK("wakeup default none", s.wakeup == 0);
	T_OK("maxproc default", s.maxproc == -1);
	T_STR("command", s.command, "smtpd");
	T_OK("no args", s.argc == 0 && s.argv && s.argv[0] == NULL);
	svc_free(&s);

	r = svc_parse("127.0.0.1:2525 inet n - n - 3 smtpd -v "
	    "-o smtpd_banner=$myhostname -osyslog_name=x", &s, &err);
	T_OK("host:port line", r == 0);
	T_STR("host", s.host, "127.0.0.1");
	T_STR("port", s.port, "2525");
	T_OK("maxproc 3", s.maxproc == 3);
	T_STR("args, -o split, $ kept", args(&s),
	    "[-v] [-o] [smtpd_banner=$myhostname] [-o] [syslog_name=x]");
	svc_free(&s);

	r = svc_parse("[::1]:587 inet n - n - - smtpd", &s, &err);
	T_OK("[v6]:port line", r == 0);
	T_STR("v6 host", s.host, "::1");
	T_STR("v6 port", s.port, "587");
	svc_free(&s);

	r = svc_parse("relay unix - - n - - smtp -o { smtp_helo_name = "
	    "a b  c } -o {x=}  { one arg }", &s, &err);
	T_OK("braced -o line", r == 0);
	T_STR("braced -o trimmed, spaces kept", args(&s),
	    "[-o] [smtp_helo_name=a b  c] [-o] [x=] [one arg]");
	T_OK("private default y", s.private == 1);
	svc_free(&s);

	r = svc_parse("pickup fifo n - n 60? 1 /usr/lib/postfix/pickup", &s,
	    &err);
	T_OK("fifo line", r == 0 && s.type == SVC_FIFO);
	T_OK("wakeup 60?", s.wakeup == 60);
	T_STR("command by base name", s.command, "pickup");
	T_OK("pickup is a daemon", svc_is_daemon(&s));
	svc_free(&s);

	r = svc_parse("smtpd pass - - y - - smtpd", &s, &err);
	T_OK("pass type is skipped, not an error", r == 1);
	T_OK("pass reason", strstr(err.s, "type pass is not supported"));
	r = svc_parse("postlog unix-dgram n - n - 1 postlogd", &s, &err);
	T_OK("unix-dgram skipped", r == 1);

	for (i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++) {
		snprintf(name, sizeof(name), "bad line: %s", bad_lines[i][0]);
		r = svc_parse(bad_lines[i][0], &s, &err);
		T_OK(name, r == -1 && strstr(err.s, bad_lines[i][1]));
		if (r != -1 || !strstr(err.s, bad_lines[i][1]))
			printf("# got: %s\n", err.s);
	}
	str_free(&err);
}

static void
files(void)
{
	struct svc_table t;
	char path[256];
	int r;

	snprintf(path, sizeof(path), "%s/master.cf", dir);
	write_file(path,
	    "# comment\n"
	    "smtp      inet  n       -       y       -       -       smtpd\n"
	    "  -o smtpd_banner=one\n"
	    "# a comment inside the continuation\n"
	    "  -o { smtpd_helo_required = yes }\n"
	    "tlsmgr    unix  -       -       y       1000?   1       tlsmgr\n"
	    "\n"
	    "relay     unix  -       -       y       -       -       smtp\n"
	    "        -o syslog_name=postfix/$service_name\n"
	    "postlog   unix-dgram n  -       n       -       1       postlogd\n"
	    "pickup    unix  n       -       y       60      1       pickup\n");
	r = svc_load(path, &t, 0);
	T_OK("file loads", r == 0);
	T_OK("three services kept", t.n == 3);
	if (t.n == 3) {
		T_STR("continuation args", args(&t.v[0]),
		    "[-o] [smtpd_banner=one] [-o] [smtpd_helo_required=yes]");
		T_OK("first line number", t.v[0].line == 2);
		T_STR("relay kept", t.v[1].name, "relay");
		T_OK("relay line number", t.v[1].line == 8);
		T_STR("relay -o", args(&t.v[1]),
		    "[-o] [syslog_name=postfix/$service_name]");
		T_OK("pickup wakeup", t.v[2].wakeup == 60);
	}
	svc_table_free(&t);
	r = svc_load(path, &t, SVC_KEEP_ALL);
	T_OK("SVC_KEEP_ALL keeps tlsmgr", r == 0 && t.n == 4);
	svc_table_free(&t);

	write_file(path,
	    "smtp inet n - n - - smtpd\n"
	    "smtp inet n - n - 2 smtpd\n"
	    "bad  line\n"
	    "smtp unix - - n - - smtp\n");
	r = svc_load(path, &t, 0);
	T_OK("errors reported", r == -1);
	T_OK("good lines kept, same name other type ok", t.n == 2);
	svc_table_free(&t);

	snprintf(path, sizeof(path), "%s/none.cf", dir);
	r = svc_load(path, &t, 0);
	T_OK("no file: defaults", r == 0 && t.n >= 7);
	T_STR("default first is smtp", t.n ? t.v[0].name : NULL, "smtp");
	T_OK("default smtp is inet", t.n && t.v[0].type == SVC_INET);
	T_STR("default second is pickup", t.n > 1 ? t.v[1].name : NULL,
	    "pickup");
	T_OK("submission is commented out",
	    strstr(svc_default_text, "#submission inet") != NULL);
	svc_table_free(&t);
}

static void
triggers(void)
{
	struct sockaddr_un sun;
	char path[256], buf[8];
	int fd, n;

	snprintf(path, sizeof(path), "%s/public", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/public/qmgr", dir);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	str_copy(sun.sun_path, path, sizeof(sun.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	T_OK("listen", fd >= 0 && bind(fd, (struct sockaddr *)&sun,
	    sizeof(sun)) == 0 && listen(fd, 5) == 0);
	T_OK("trigger a socket", svc_trigger(dir, "qmgr", "FA") == 0);
	n = svc_trigger_read(fd, buf, sizeof(buf), 1);
	T_OK("socket trigger read", n == 2 && memcmp(buf, "FA", 2) == 0);
	T_OK("nothing more: timeout", svc_trigger_read(fd, buf, 8, 0) == 0);
	close(fd);
	T_OK("no such daemon", svc_trigger(dir, "nonesuch", "W") == -1);
}

static void
cleanup(void)
{
	static const char *const files[] = { "master.cf", "public/qmgr",
	    "public", "" };
	char path[256];
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (unlink(path) < 0)
			rmdir(path);
	}
}

int
main(void)
{
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	setenv("MAIL_CONFIG", dir, 1);
	conf_load(dir, CONF_QUIET);
	lines();
	files();
	triggers();
	cleanup();
	T_DONE();
}

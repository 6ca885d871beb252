/* MIT licence: see LICENSE. */
/*
 * conf.c - unit tests of lib/conf*.c: $name expansion (nested, ?/:, the
 * Postfix 3 {}-forms, $$, undefined names, the recursion limit), lazy
 * evaluation, typed values, conf_set(), conf_alias_prefix() and the
 * rows table itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "t.h"
#include "../../lib/conf.h"
#include "../../lib/str.h"

static char dir[] = "/tmp/mta-unit-conf.XXXXXX";

static void
write_main(const char *text)
{
	char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/main.cf", dir);
	if ((fp = fopen(path, "w")) == NULL) {
		perror(path);
		exit(2);
	}
	fputs(text, fp);
	fclose(fp);
}

static const char *
exp1(const char *text)
{
	static struct str out = STR_INIT;

	if (conf_expand(text, &out, 0) < 0)
		return "ERROR";
	return out.s;
}

static const char *const expansions[][2] = {
	{ "plain text", "plain text" },
	{ "$a", "1" },
	{ "${a}", "1" },
	{ "$(a)", "1" },
	{ "x$a.y", "x1.y" },
	{ "$a$a", "11" },
	{ "$$a", "$a" },
	{ "$$$a", "$1" },
	{ "$undefined_name_zz", "" },
	{ "<${undefined_name_zz}>", "<>" },
	{ "${a?yes}", "yes" },
	{ "${e?yes}", "" },
	{ "${a:no}", "" },
	{ "${e:no}", "no" },
	{ "${undefined_zz:dflt}", "dflt" },
	{ "${a?$b}", "1-2" },
	{ "${a?{Y}:{N}}", "Y" },
	{ "${e?{Y}:{N}}", "N" },
	{ "${a?{ spaced }}", "spaced" },
	{ "${e:{ $a }}", "1" },
	{ "${{$a} == {1} ? {eq} : {ne}}", "eq" },
	{ "${{$a} != {1} ? {eq} : {ne}}", "ne" },
	{ "$nested", "1-2-3" },
	{ "$early", "late value" },
	{ "$emptyref", "" },
	{ "${emptyref?set}", "set" },	/* raw value tested, as Postfix */
};

int
main(void)
{
	char name[128];
	struct str out = STR_INIT;
	size_t i;
	int sorted = 1;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	for (i = 1; i < P_COUNT; i++)
		if (strcmp(conf_rows[i - 1].name, conf_rows[i].name) >= 0)
			sorted = 0;
	T_OK("rows sorted by strcmp", sorted);
	T_OK("conf_row finds a row",
	    conf_row("message_size_limit") == &conf_rows[P_message_size_limit]);
	T_OK("conf_row misses a non-row", conf_row("nosuch_param") == NULL);

	/* no main.cf: compiled defaults */
	conf_load(dir, 0);
	T_STR("no main.cf: default", conf_str(P_myorigin),
	    conf_str(P_myhostname));
	T_OK("no main.cf: int default",
	    conf_int(P_message_size_limit) == 10240000);
	T_OK("no main.cf: time default in seconds",
	    conf_time(P_maximal_queue_lifetime) == 5 * 86400);
	T_OK("no main.cf: bool default", conf_bool(P_biff) == 1);
	T_OK("myhostname has a dot", strchr(conf_str(P_myhostname), '.'));
	T_OK("config_directory from -c is set", conf_isset("config_directory"));

	write_main("# comment\n"
	    "early = $late\n"
	    "a = 1\n"
	    "b = $a-2\n"
	    "c = $b-3\n"
	    "nested = $c\n"
	    "e =\n"
	    "emptyref = $e\n"
	    "loop1 = $loop2\n"
	    "loop2 = $loop1\n"
	    "trunc = ${a\n"
	    "late = late value\n"
	    "cont = late\n"
	    "   value\n"
	    "myhostname = mx.example.org\n"
	    "smtpd_timeout = 2m\n"
	    "delay_warning_time = 4\n"
	    "message_size_limit = $late_size\n"
	    "late_size = 2048\n"
	    "smtpd_restriction_classes = early, nested\n");
	conf_load(dir, CONF_NOCHECK | CONF_QUIET);
	if (!T_IFADDRS("mynetworks computed by conf_check"))
		conf_set("mynetworks", "127.0.0.0/8");
	for (i = 0; i < sizeof(expansions) / sizeof(expansions[0]); i++) {
		snprintf(name, sizeof(name), "expand %s", expansions[i][0]);
		T_STR(name, exp1(expansions[i][0]), expansions[i][1]);
	}
	T_OK("continuation joined", strncmp(conf_raw("cont"), "late", 4) == 0 &&
	    strcmp(conf_raw("cont") + strlen(conf_raw("cont")) - 6, " value")
	    == 0);
	T_STR("lazy: set later, used earlier", conf_get("early"),
	    "late value");
	T_STR("mydomain computed from myhostname", conf_str(P_mydomain),
	    "example.org");
	T_STR("myorigin follows myhostname", conf_str(P_myorigin),
	    "mx.example.org");
	T_OK("time with unit", conf_time(P_smtpd_timeout) == 120);
	T_OK("bare time takes the default's unit (h)",
	    conf_time(P_delay_warning_time) == 4 * 3600);
	T_OK("int through $name", conf_int(P_message_size_limit) == 2048);
	T_OK("loop is an error", conf_expand("$loop1", &out, 0) == -1);
	T_OK("loop error names the nesting",
	    strstr(out.s, "unreasonable macro call nesting") != NULL);
	T_OK("truncated ${ is an error", conf_expand("$trunc", &out, 0) == -1);
	T_OK("lone $ is an error", conf_expand("a $ b", &out, 0) == -1);
	T_OK("$ at the end is an error", conf_expand("a$", &out, 0) == -1);
	T_OK("conf_check counts the loops and the truncation",
	    conf_check() == 3);
	T_OK("user parameter is known (class)", conf_known("early"));
	T_OK("user parameter is known ($ref)", conf_known("late"));
	T_OK("row is known", conf_known("relayhost"));
	T_OK("unreferenced user parameter is not known",
	    !conf_known("loop9"));

	/* conf_set overrides and flushes the cache */
	conf_set("a", "7");
	T_STR("conf_set overrides", exp1("$nested"), "7-2-3");
	conf_set("myhostname", "host");
	T_STR("myhostname without a dot: as set", conf_str(P_myhostname),
	    "host");
	T_STR("mydomain of a dotless host", conf_str(P_mydomain),
	    "localdomain");
	conf_set("smtpd_timeout", "10x");
	T_OK("bad time counted by conf_check", conf_check() >= 1);
	conf_set("smtpd_timeout", "300");

	/* computed mynetworks */
	if (T_IFADDRS("computed mynetworks")) {
		conf_set("mynetworks_style", "host");
		T_OK("mynetworks host style has 127.0.0.1/32",
		    strstr(conf_str(P_mynetworks), "127.0.0.1/32") != NULL);
		conf_set("mynetworks_style", "subnet");
		T_OK("mynetworks subnet style has 127.0.0.0/8",
		    strstr(conf_str(P_mynetworks), "127.0.0.0/8") != NULL);
		conf_set("inet_protocols", "ipv4");
		T_OK("inet_protocols ipv4: no IPv6 networks",
		    strchr(conf_str(P_mynetworks), '[') == NULL);
	}

	/* NOFILE: defaults only */
	conf_load(dir, CONF_NOFILE);
	T_OK("CONF_NOFILE ignores main.cf", !conf_isset("smtpd_timeout"));
	conf_free();

	/* conf_alias_prefix: the lmtp agent reads lmtp_* for smtp_* */
	write_main("smtp_tls_security_level = encrypt\n"
	    "smtp_helo_name = helo.example\n"
	    "lmtp_lhlo_name = lhlo.example\n"
	    "smtp_connect_timeout = 7s\n"
	    "smtp_sasl_auth_enable = yes\n");
	conf_load(dir, CONF_QUIET);
	T_STR("before aliasing: smtp_tls_security_level",
	    conf_str(P_smtp_tls_security_level), "encrypt");
	conf_alias_prefix("smtp_", "lmtp_");
	conf_alias_prefix("smtp_helo_", "lmtp_lhlo_");
	T_STR("aliased: lmtp_tls_security_level, not smtp's",
	    conf_str(P_smtp_tls_security_level), "");
	T_STR("aliased: helo_ reads lhlo_", conf_str(P_smtp_helo_name),
	    "lhlo.example");
	T_OK("aliased: lmtp_connect_timeout's default (0s)",
	    conf_time(P_smtp_connect_timeout) == 0);
	T_OK("aliased: lmtp_sasl_auth_enable's default",
	    conf_bool(P_smtp_sasl_auth_enable) == 0);
	T_STR("aliased: $lmtp_ names in lmtp defaults",
	    conf_str(P_smtp_sasl_tls_security_options),
	    "noplaintext, noanonymous");
	T_STR("not aliased: other rows", conf_str(P_myhostname),
	    conf_get("myhostname"));
	T_STR("conf_get is not aliased", conf_get("smtp_helo_name"),
	    "helo.example");
	conf_free();
	str_free(&out);
	write_main("");
	{
		char path[256];

		snprintf(path, sizeof(path), "%s/main.cf", dir);
		unlink(path);
		rmdir(dir);
	}
	T_DONE();
}

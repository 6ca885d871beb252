/* MIT licence: see LICENSE. */
/*
 * sasl_dovecot.c - unit tests of applets/smtpd/sasl_dovecot.c's parsers: the
 * properties of a MECH line and the server's answers (OK, CONT, FAIL)
 * to one request, with the lines of other requests ignored.
 */
#include <stdio.h>
#include <string.h>

#include "../../applets/smtpd/sasl.h"
#include "../../lib/str.h"
#include "t.h"

/* parse a copy of line as the answer to request id */
static int
reply(const char *line, unsigned id, struct str *out, struct str *user)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "%s", line);
	return sasl_dovecot_reply(buf, id, out, user);
}

int
main(void)
{
	struct str out = STR_INIT, user = STR_INIT;

	str_init(&out);
	str_init(&user);
	T_OK("flags: none", sasl_dovecot_flags("") == 0);
	T_OK("flags: plaintext", sasl_dovecot_flags("plaintext") ==
	    SASL_SEC_PLAINTEXT);
	T_OK("flags: dictionary active",
	    sasl_dovecot_flags("dictionary\tactive") ==
	    (SASL_SEC_DICTIONARY | SASL_SEC_ACTIVE));
	T_OK("flags: every one", sasl_dovecot_flags("anonymous\tPLAINTEXT\t"
	    "forward-secrecy\tmutual-auth\tprivate\tunknown") ==
	    (SASL_SEC_ANONYMOUS | SASL_SEC_PLAINTEXT | SASL_SEC_FWD_SECRECY |
	    SASL_SEC_MUTUAL_AUTH | SASL_SEC_PRIVATE));
	T_OK("flags: no prefix match", sasl_dovecot_flags("plain") == 0);

	T_OK("OK", reply("OK\t7\tuser=alice\tfoo=bar", 7, &out, &user) ==
	    SASL_OK);
	T_STR("OK: user", user.s, "alice");
	T_OK("OK without user", reply("OK\t7", 7, &out, &user) ==
	    SASL_FAIL);
	T_STR("OK without user: reason", out.s,
	    "Authentication backend error");
	T_OK("CONT", reply("CONT\t7\tVXNlcm5hbWU6", 7, &out, &user) ==
	    SASL_MORE);
	T_STR("CONT: challenge", out.s, "VXNlcm5hbWU6");
	T_OK("CONT empty", reply("CONT\t7\t", 7, &out, &user) == SASL_MORE &&
	    out.len == 0);
	T_OK("CONT: no control characters", reply("CONT\t7\ta\rb", 7, &out,
	    &user) == SASL_MORE);
	T_STR("CONT: control characters replaced", out.s, "a?b");
	T_OK("CONT without field", reply("CONT\t7", 7, &out, &user) ==
	    SASL_FAIL);
	T_OK("FAIL", reply("FAIL\t7\tuser=bob", 7, &out, &user) ==
	    SASL_FAIL);
	T_OK("FAIL: no reason", out.len == 0);
	T_STR("FAIL: user", user.s, "bob");
	T_OK("FAIL temp", reply("FAIL\t7\treason=db down\ttemp", 7, &out,
	    &user) == SASL_TEMP);
	T_STR("FAIL temp: reason", out.s, "db down");
	T_OK("FAIL temp: no user", user.len == 0);
	T_OK("FAIL: control characters", reply("FAIL\t7\treason=a\rb\x01",
	    7, &out, &user) == SASL_FAIL);
	T_STR("FAIL: control characters replaced", out.s, "a?b?");
	T_OK("another id ignored", reply("OK\t6\tuser=x", 7, &out, &user) ==
	    -1);
	T_OK("bad id ignored", reply("FAIL\t7x", 7, &out, &user) == -1);
	T_OK("no id ignored", reply("FAIL", 7, &out, &user) == -1);
	T_OK("other lines ignored", reply("SPID\t7", 7, &out, &user) == -1);
	T_OK("empty line ignored", reply("", 7, &out, &user) == -1);
	str_free(&out);
	str_free(&user);
	T_DONE();
}

/* MIT licence: see LICENSE. */
/*
 * dns.c - unit tests of lib/dns.c's name checks: dns_valid_hostname()
 * as Postfix's valid_hostname(), with its reasons, and
 * dns_valid_hostaddr().
 */
#include <stdio.h>
#include <string.h>

#include "../../lib/dns.h"
#include "../../lib/str.h"
#include "t.h"

static const struct {
	const char	*name;
	int		ok;
	const char	*why;
} names[] = {
	{ "mx.example.com", 1, NULL },
	{ "a", 1, NULL },
	{ "_dmarc.example.com", 1, NULL },	/* '_' as Postfix */
	{ "2.0.0.127.bl.test", 1, NULL },
	{ "x-y.example", 1, NULL },
	{ "", 0, "valid_hostname: empty hostname" },
	{ "x\n0 mx.good.test", 0,
	    "valid_hostname: invalid character 10(decimal): x" },
	{ "a b", 0, "valid_hostname: invalid character 32(decimal): a b" },
	{ "a\\010b", 0,
	    "valid_hostname: invalid character 92(decimal): a\\010b" },
	{ "1.2.3.4", 0, "valid_hostname: numeric hostname: 1.2.3.4" },
	{ "12345", 0, "valid_hostname: numeric hostname: 12345" },
	{ ".example", 0, "valid_hostname: misplaced delimiter: .example" },
	{ "example.", 0, "valid_hostname: misplaced delimiter: example." },
	{ "a..b", 0, "valid_hostname: misplaced delimiter: a..b" },
	{ "-a.b", 0, "valid_hostname: misplaced hyphen: -a.b" },
	{ "a-.b", 0, "valid_hostname: misplaced hyphen: a-.b" },
	{ "a.b-", 0, "valid_hostname: misplaced hyphen: a.b-" },
};

int
main(void)
{
	struct str why = STR_INIT, n = STR_INIT;
	char label[80];
	size_t i;

	str_init(&why);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		str_set(&why, "");
		/* a line feed in a check's name would split its line */
		T_OK(strchr(names[i].name, '\n') ? "a line feed in a name" :
		    names[i].name, dns_valid_hostname(names[i].name, &why) ==
		    names[i].ok);
		if (names[i].why)
			T_OK("the reason", strncmp(why.s, names[i].why,
			    strlen(names[i].why)) == 0);
	}
	memset(label, 'a', 63);
	label[63] = 0;
	T_OK("a label of 63", dns_valid_hostname(label, NULL) == 1);
	label[63] = 'a';
	label[64] = 0;
	T_OK("a label of 64", dns_valid_hostname(label, &why) == 0 &&
	    strncmp(why.s, "valid_hostname: hostname label too long: ",
	    41) == 0);
	str_init(&n);
	for (i = 0; i < 64; i++)
		str_adds(&n, "abc.");
	str_trunc(&n, 255);	/* 255 ends in a label, not a dot */
	T_OK("255 characters", n.s[254] != '.' &&
	    dns_valid_hostname(n.s, NULL) == 1);
	str_adds(&n, "x");
	T_OK("256 characters", dns_valid_hostname(n.s, &why) == 0 &&
	    strncmp(why.s, "valid_hostname: bad length 256 for ", 35) == 0);
	T_OK("hostaddr: 127.0.0.1", dns_valid_hostaddr("127.0.0.1"));
	T_OK("hostaddr: ::1", dns_valid_hostaddr("::1"));
	T_OK("hostaddr: 1.2.3 is not", !dns_valid_hostaddr("1.2.3"));
	T_OK("hostaddr: a name is not", !dns_valid_hostaddr("a.b"));
	str_free(&why);
	str_free(&n);
	T_DONE();
}

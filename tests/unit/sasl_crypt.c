/* MIT licence: see LICENSE. */
/*
 * sasl_crypt.c - unit tests of applets/smtpd/sasl_crypt.c: SHA-512-crypt and
 * SHA-256-crypt against Drepper's test vectors and `openssl passwd`,
 * yescrypt against hashes made by Debian's libxcrypt.
 */
#include <stdio.h>
#include <string.h>

#include "../../applets/smtpd/sasl.h"
#include "../../lib/str.h"
#include "t.h"

static const struct {
	const char *key, *setting, *want;
} v[] = {
	{ "Hello world!", "$6$saltstring",
	    "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQ"
	    "JuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1" },
	{ "Hello world!", "$6$rounds=10000$saltstringsaltstring",
	    "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0"
	    "sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v." },
	{ "Hello world!", "$5$saltstring",
	    "$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5" },
	{ "secret pw", "$6$abcdefghijklmnopqrst",
	    "$6$abcdefghijklmnop$9/C4/BnghuAqFJ2fDYJ6c1lRhwMOIiivh7fDevBQS/83u5"
	    "8dB6fe963P.2LU7YOnj7WuNpeSt/GhVGX.7p3Gz1" },
	/* yescrypt, as Debian's libxcrypt makes it (Debian's default "j9T") */
	{ "secret", "$y$j9T$F5Jx5fExrKuPp53xLKQ..1",
	    "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$GmcwIgvdUC9qLWcKCi6gklUa1dM3ziD43Yx"
	    "YNURLKy0" },
	{ "pw", "$y$jBT$LdJMENpBABJJ3hIHjB1Bi.$whatever",
	    "$y$jBT$LdJMENpBABJJ3hIHjB1Bi.$ImD1jwTjGhGKcW9KA9hIkTHgSsi7/8eBBZs"
	    "KgB2ZT/2" },
	{ "pw", "$y$j7T$abcdefgh",
	    "$y$j7T$abcdefgh$pjqWn2Ma7Fj3b8G/DZKpmeBU.fCLVXAbck7tGV0A.xC" },
	/* the hash itself works as the setting */
	{ "Hello world!", "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/"
	    "O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1",
	    "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQ"
	    "JuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1" },
};

int
main(void)
{
	struct str out = STR_INIT;
	char name[64];
	size_t i;

	str_init(&out);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		snprintf(name, sizeof(name), "sasl_crypt vector %zu", i);
		T_OK(name, sasl_crypt(v[i].key, v[i].setting, &out) == 0);
		T_STR(name, out.s, v[i].want);
	}
	/* a salt that is not yescrypt's base-64 (as libxcrypt: "*0") */
	T_OK("sasl_crypt refuses a bad $y$ salt",
	    sasl_crypt("x", "$y$j9T$saltstring", &out) < 0);
	/* 2^40 blocks: more memory than YESCRYPT_MEM_MAX */
	T_OK("sasl_crypt refuses a huge $y$ N",
	    sasl_crypt("x", "$y$jeT$F5Jx5fExrKuPp53xLKQ..1", &out) < 0);
	T_OK("sasl_crypt refuses a $y$ ROM",
	    sasl_crypt("x", "$y$j9T5.$F5Jx5fExrKuPp53xLKQ..1", &out) < 0);
	T_OK("sasl_crypt refuses DES", sasl_crypt("x", "ab", &out) < 0);
	str_free(&out);
	T_DONE();
}

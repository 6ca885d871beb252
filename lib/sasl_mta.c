/* MIT licence: see LICENSE. */
/*
 * sasl_mta.c - the built-in SASL back end (smtpd_sasl_type = mta): the
 * tables in smtpd_sasl_password_maps map a user name to a crypt(3) hash,
 * as /etc/shadow holds them.  yescrypt ($y$, lib/sasl_yescrypt.c),
 * SHA-512-crypt ($6$) and SHA-256-crypt ($5$) are supported
 * (lib/sasl_crypt.c; Debian's musl has no crypt(3)); other hashes
 * (bcrypt, MD5, DES) never match, and are logged.  Generate hashes with
 * `mkpasswd` (yescrypt) or `openssl passwd -6`.
 * The tables are opened before smtpd drops privileges.
 */
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "maps.h"
#include "sasl.h"

static struct maps *users;

/* sasl_mta_open - open smtpd_sasl_password_maps (while privileged) */
int
sasl_mta_open(void)
{
	if (users == NULL)
		users = maps_open("smtpd_sasl_password_maps",
		    conf_str(P_smtpd_sasl_password_maps), 0);
	return users ? 0 : -1;
}

/* sasl_mta_check - SASL_OK when pass is user's password; why says not */
int
sasl_mta_check(const char *user, const char *pass, struct str *why)
{
	const char *hash = NULL, *h;
	struct str out = STR_INIT;
	unsigned char d = 0;
	size_t n, i;
	int x, ok;

	if (sasl_mta_open() < 0 || users->n == 0) {
		str_set(why, "smtpd_sasl_password_maps is empty");
		return SASL_TEMP;
	}
	if ((x = maps_find(users, user, MAPS_FULL, &hash)) < 0) {
		warn("smtpd_sasl_password_maps: %s", users->err.s);
		str_set(why, "authentication table lookup failed");
		return SASL_TEMP;
	}
	if (x == 0 || *hash == 0 || *hash == '!' || *hash == '*') {
		/* still hash something: a missing user costs the same */
		(void)sasl_crypt(pass, "$6$nosuchuser$", why);
		str_set(why, "authentication failure");
		return SASL_FAIL;
	}
	str_init(&out);
	if (sasl_crypt(pass, hash, &out) < 0) {
		str_free(&out);
		warn("smtpd_sasl_password_maps: user %s: unsupported hash "
		    "\"%.4s...\"", user, hash);
		str_set(why, "authentication failure");
		return SASL_FAIL;
	}
	h = out.s;
	n = strlen(hash);
	ok = strlen(h) == n;
	/* look at every byte, whatever the first difference */
	for (i = 0; i < n && h[i]; i++)
		d |= (unsigned char)(h[i] ^ hash[i]);
	ok = ok && d == 0;
	str_free(&out);
	if (!ok) {
		str_set(why, "authentication failure");
		return SASL_FAIL;
	}
	return SASL_OK;
}

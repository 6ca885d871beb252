/* MIT licence: see LICENSE. */
/*
 * sasl_mta.c - the built-in SASL back end (smtpd_sasl_type = mta): the
 * tables in smtpd_sasl_password_maps map a user name to a crypt(3) hash,
 * as /etc/shadow holds them.  yescrypt ($y$, sasl_yescrypt.c),
 * SHA-512-crypt ($6$) and SHA-256-crypt ($5$) are supported
 * (sasl_crypt.c; Debian's musl has no crypt(3)); other hashes
 * (bcrypt, MD5, DES) never match, and are logged.  Generate hashes with
 * `mkpasswd` (yescrypt) or `openssl passwd -6`.
 * The tables are opened before smtpd drops privileges.
 *
 * The mechanisms are PLAIN (RFC 4616: authzid NUL authcid NUL password
 * in one response) and LOGIN (user name and password each answering a
 * challenge, "Username:" and "Password:"), both flagged plaintext.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../lib/b64.h"
#include "../../lib/conf.h"
#include "../../lib/log.h"
#include "../../lib/table/maps.h"
#include "../../lib/x.h"
#include "sasl.h"

static struct maps *users;

/* the exchange in progress */
static int login;		/* LOGIN (else PLAIN) */
static char *login_user;	/* LOGIN's first answer */

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

static void
forget(struct str *dec)
{
	if (dec->s)
		memset(dec->s, 0, dec->len);
	str_free(dec);
	if (login_user) {
		memset(login_user, 0, strlen(login_user));
		free(login_user);
		login_user = NULL;
	}
}

/* check user and password; the user is named in failures */
static int
check(const char *u, const char *pw, struct str *out, struct str *user)
{
	if (*u == 0) {
		str_set(out, "authentication failure");
		return SASL_FAIL;
	}
	str_set(user, u);
	return sasl_mta_check(u, pw, out);
}

/* the step: one decoded answer */
static int
mta_step(const char *resp, struct str *out, struct str *user)
{
	struct str dec = STR_INIT;
	const char *authz, *u, *pw;
	int r;

	str_init(&dec);
	str_reset(out);
	str_reset(user);
	if (b64_decode(resp, strlen(resp), &dec) < 0) {
		str_set(out, "Invalid base64 data in continued response");
		r = SASL_FAIL;
	} else if (!login) {
		/* authzid NUL authcid NUL passwd */
		authz = dec.s;
		u = memchr(dec.s, 0, dec.len);
		pw = u ? memchr(u + 1, 0, dec.len - (size_t)(u + 1 -
		    dec.s)) : NULL;
		if (u == NULL || pw == NULL || memchr(pw + 1, 0,
		    dec.len - (size_t)(pw + 1 - dec.s))) {
			str_set(out, "Invalid authentication data");
			r = SASL_FAIL;
		} else if (*authz && strcmp(authz, u + 1) != 0) {
			str_set(out, "authorization failure");
			r = SASL_FAIL;
		} else {
			r = check(u + 1, pw + 1, out, user);
		}
	} else if (memchr(dec.s, 0, dec.len)) {
		str_set(out, "Invalid authentication data");
		r = SASL_FAIL;
	} else if (login_user == NULL) {
		login_user = xstrdup(dec.s);
		str_set(out, "UGFzc3dvcmQ6");	/* "Password:" */
		str_free(&dec);
		return SASL_MORE;
	} else {
		r = check(login_user, dec.s, out, user);
	}
	forget(&dec);
	return r;
}

/* the start: PLAIN or LOGIN, with or without an initial response */
static int
mta_start(const char *mech, const char *init, const struct sasl_peer *p,
    struct str *out, struct str *user)
{
	(void)p;
	login = strcmp(mech, "LOGIN") == 0;
	free(login_user);
	login_user = NULL;
	str_reset(user);
	if (init)
		return mta_step(init, out, user);
	str_set(out, login ? "VXNlcm5hbWU6" : "");	/* "Username:" */
	return SASL_MORE;
}

static const struct sasl_mech mta_mech[] = {
	{ (char *)"PLAIN", SASL_SEC_PLAINTEXT },
	{ (char *)"LOGIN", SASL_SEC_PLAINTEXT },
};

static int
mta_mechs(const struct sasl_mech **m, size_t *n)
{
	*m = mta_mech;
	*n = sizeof(mta_mech) / sizeof(mta_mech[0]);
	return 0;
}

/* the session is over: LOGIN's user name, if the password never came */
static void
mta_end(void)
{
	struct str none = STR_INIT;

	str_init(&none);
	forget(&none);
	login = 0;
}

static int
mta_open(void)
{
	if (sasl_mta_open() < 0) {
		warn("smtpd_sasl_password_maps: cannot open");
		return -1;
	}
	return 0;
}

const struct sasl_server sasl_mta_server = {
	"mta", mta_open, mta_mechs, mta_start, mta_step, mta_end,
};

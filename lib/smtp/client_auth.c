/* MIT licence: see LICENSE. */
/*
 * smtp/client_auth.c - SMTP AUTH for the SMTP client: the login from
 * smtp_sasl_password_maps (sender-dependent when asked), the mechanisms
 * the server offers and smtp_sasl_mechanism_filter leaves, the limits of
 * smtp_sasl_security_options, and the CRAM-MD5, PLAIN or LOGIN exchange.
 * The password is never logged and is wiped after use.
 *
 * Run inside the smtp and lmtp delivery agents (as mail_owner; the
 * tables are opened before privileges drop) and the sendmail command's
 * relay mode (as its user).  Man page: smtp(8).
 */

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <bearssl_hash.h>
#include <bearssl_hmac.h>

#include "../../config.h"
#include "../b64.h"
#include "../conf.h"
#include "../io.h"
#include "../log.h"
#include "../str.h"
#include "../table/maps.h"
#include "../x.h"
#include "client_int.h"

/* is word one of the list's words (commas or white space, any case)? */
static int
in_list(const char *list, const char *word)
{
	size_t n, w = strlen(word);

	while (*list) {
		list += strspn(list, ", \t\n");
		n = strcspn(list, ", \t\n");
		if (n == w && strncasecmp(list, word, n) == 0)
			return 1;
		list += n;
	}
	return 0;
}

/*
 * the login for this server: sender first (sender-dependent
 * authentication: the address, then @domain), then the server's host
 * name, then the next hop as given ("[host]:port"), as Postfix's
 * smtp_sasl_passwd_lookup(); then, as mta's addition, the next hop
 * without its port ("[host]") and without brackets.  1 found, 0 not,
 * -1 table error.
 */
static int
sasl_lookup(const char *host, struct maps *m, const char *nexthop,
    const char *sender, const char **val)
{
	char *k, *c;
	int r;

	if (sender && *sender &&
	    conf_bool(P_smtp_sender_dependent_authentication) &&
	    (r = maps_addr_find(m, sender, NULL, NULL, NULL, val, NULL)) != 0)
		return r;
	if (host && (r = maps_find(m, host, MAPS_FULL, val)) != 0)
		return r;
	if (nexthop == NULL || *nexthop == 0)
		return 0;
	if ((r = maps_find(m, nexthop, MAPS_FULL, val)) != 0)
		return r;
	k = xstrdup(nexthop);
	if ((c = strrchr(k, ':')) != NULL && (k[0] != '[' ||
	    (c > k && c[-1] == ']'))) {
		*c = 0;
		if ((r = maps_find(m, k, MAPS_FULL, val)) != 0)
			goto out;
	}
	r = 0;
	if (k[0] == '[' && (c = strchr(k, ']')) != NULL) {
		*c = 0;
		r = maps_find(m, k + 1, MAPS_FULL, val);
	}
out:
	free(k);
	return r;
}

/*
 * sasl_opts_check - every word of the security options is one Postfix
 * knows: a misspelt "noplaintext" must not let a password go out in
 * plaintext (Postfix's smtp stops with a fatal error).  -1 with the
 * failure.
 */
static int
sasl_opts_check(struct smtp_sess *s, const char *opts)
{
	static const char *const known[] = {
		"noplaintext", "noactive", "nodictionary", "noanonymous",
		"mutual_auth", "forward_secrecy",
	};
	const char *p = opts;
	size_t n, i;

	for (; *p; p += n) {
		p += strspn(p, ", \t\n");
		if ((n = strcspn(p, ", \t\n")) == 0)
			break;
		for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (strlen(known[i]) == n &&
			    strncasecmp(p, known[i], n) == 0)
				break;
		if (i == sizeof(known) / sizeof(known[0])) {
			warn("unknown %s_sasl_%ssecurity_options value "
			    "\"%.*s\" in \"%s\"", s->lmtp ? "lmtp" : "smtp",
			    s->tls_active ? "tls_" : "", (int)n, p, opts);
			smtp_fail(s, "4.7.0", "SASL authentication failed; "
			    "cannot authenticate to server %s: SASL "
			    "configuration problem", s->namaddr);
			return -1;
		}
	}
	return 0;
}

static struct maps *sasl_maps;	/* smtp_sasl_password_maps, once */

/*
 * smtp_sasl_open - open smtp_sasl_password_maps when SMTP AUTH is on
 * (the smtp agent calls it before dropping privileges, so the tables may
 * be root's alone, as Postfix's SASL_README advises); smtp_auth() opens
 * them itself otherwise.  The TLS client key is read then too.
 */
void
smtp_sasl_open(void)
{
	smtp_tls_load_keys();
	if (sasl_maps == NULL && conf_bool(P_smtp_sasl_auth_enable) &&
	    *conf_str(P_smtp_sasl_password_maps))
		sasl_maps = maps_open("smtp_sasl_password_maps",
		    conf_str(P_smtp_sasl_password_maps), DICT_FOLD);
}

/*
 * smtp_sasl_user - the login name smtp_auth() would use with server host
 * for nexthop and sender (the connection cache keeps sessions of
 * different logins apart): 1 with it in user, 0 when there is none (no
 * AUTH), -1 on a table error.  The password is not kept.
 */
int
smtp_sasl_user(const char *host, const char *nexthop, const char *sender,
    struct str *user)
{
	const char *val;
	int r;

	str_reset(user);
	if (!conf_bool(P_smtp_sasl_auth_enable) ||
	    *conf_str(P_smtp_sasl_password_maps) == 0)
		return 0;
	smtp_sasl_open();
	if ((r = sasl_lookup(host, sasl_maps, nexthop, sender, &val)) <= 0)
		return r;
	str_setmem(user, val, strcspn(val, ":"));
	return 1;
}

/* one AUTH exchange step: send line (not logged), read the reply */
static int
auth_step(struct smtp_sess *s, const struct str *line)
{
	io_write(&s->io, line->s, line->len);
	if (smtp_flush(s, s->t_helo, "performing the AUTH handshake") < 0 ||
	    smtp_get_reply(s, s->t_helo, "performing the AUTH handshake",
	    NULL) < 0)
		return -1;
	return 0;
}

/* answer a 334 challenge with data in base64 (line is the buffer) */
static int
auth_answer(struct smtp_sess *s, struct str *line, const void *data,
    size_t len)
{
	str_reset(line);
	b64_encode(data, len, line);
	str_adds(line, "\r\n");
	return auth_step(s, line);
}

/* AUTH PLAIN with the initial response (RFC 4616) */
static int
auth_plain(struct smtp_sess *s, struct str *line, const char *user,
    const char *pass)
{
	struct str cred = STR_INIT;

	str_init(&cred);
	str_addc(&cred, 0);
	str_adds(&cred, user);
	str_addc(&cred, 0);
	str_adds(&cred, pass);
	str_reset(line);
	str_adds(line, "AUTH PLAIN ");
	b64_encode(cred.s, cred.len, line);
	str_adds(line, "\r\n");
	memset(cred.s, 0, cred.len);
	str_free(&cred);
	return auth_step(s, line);
}

/* AUTH CRAM-MD5 (RFC 2195): the password stays here */
static int
auth_cram(struct smtp_sess *s, struct str *line, const char *user,
    const char *pass)
{
	br_hmac_key_context kc;
	br_hmac_context hc;
	unsigned char mac[16];
	struct str ch = STR_INIT;
	size_t n;
	int r;

	str_set(line, "AUTH CRAM-MD5\r\n");
	if (auth_step(s, line) < 0)
		return -1;
	if (s->reply.code != 334)
		return 0;
	str_init(&ch);
	if (s->reply.text.len < 4 || b64_decode(s->reply.text.s + 4,
	    strcspn(s->reply.text.s + 4, " "), &ch) < 0) {
		str_free(&ch);
		io_puts(&s->io, "*\r\n");
		smtp_fail(s, "4.7.0", "SASL authentication failed; cannot "
		    "authenticate to server %s: malformed challenge",
		    s->namaddr);
		(void)smtp_flush(s, s->t_helo, "performing the AUTH handshake");
		return -1;
	}
	br_hmac_key_init(&kc, &br_md5_vtable, pass, strlen(pass));
	br_hmac_init(&hc, &kc, 0);
	br_hmac_update(&hc, ch.s, ch.len);
	br_hmac_out(&hc, mac);
	str_free(&ch);
	str_adds(&ch, user);
	str_addc(&ch, ' ');
	for (n = 0; n < sizeof(mac); n++)
		str_addf(&ch, "%02x", mac[n]);
	memset(&kc, 0, sizeof(kc));
	memset(&hc, 0, sizeof(hc));
	r = auth_answer(s, line, ch.s, ch.len);
	str_free(&ch);
	return r;
}

/* AUTH LOGIN: the user name and the password, each asked for */
static int
auth_login(struct smtp_sess *s, struct str *line, const char *user,
    const char *pass)
{
	str_set(line, "AUTH LOGIN\r\n");
	if (auth_step(s, line) < 0)
		return -1;
	if (s->reply.code == 334 &&
	    auth_answer(s, line, user, strlen(user)) < 0)
		return -1;
	if (s->reply.code == 334 &&
	    auth_answer(s, line, pass, strlen(pass)) < 0)
		return -1;
	return 0;
}

/*
 * smtp_auth - SMTP AUTH after EHLO, when smtp_sasl_auth_enable is on,
 * the server offers AUTH (or AUTH=) and smtp_sasl_password_maps has a
 * "user:password" for it (nexthop as qmgr gave it, sender for
 * smtp_sender_dependent_authentication).  Mechanisms PLAIN and LOGIN,
 * among those smtp_sasl_mechanism_filter leaves, and only when
 * smtp_sasl_security_options (smtp_sasl_tls_security_options once
 * tls_active is set) allow them: "noplaintext" forbids both on a
 * connection that is not encrypted.  The password is never logged.
 * 0: authenticated, or nothing to do; -1 with status/dsn/why
 * ("SASL authentication failed; server H[ip] said: 535 ...").
 */
int
smtp_auth(struct smtp_sess *s, const char *nexthop, const char *sender)
{
	struct str line, mechs;
	const char *val, *filter, *opts, *p, *pass;
	char *user = NULL, *mech = NULL;
	size_t n, ulen = 0;
	int r, ret = -1;

	s->authed = 0;
	free(s->auth_user);
	s->auth_user = NULL;
	if (!conf_bool(P_smtp_sasl_auth_enable) ||
	    !(s->features & SMTP_F_AUTH) || s->auth_mechs == NULL ||
	    *conf_str(P_smtp_sasl_password_maps) == 0)
		return 0;
	str_init(&line);
	str_init(&mechs);
	/* the offered mechanisms the filter leaves */
	filter = conf_str(P_smtp_sasl_mechanism_filter);
	for (p = s->auth_mechs; *p; p += n) {
		p += strspn(p, " \t");
		if ((n = strcspn(p, " \t")) == 0)
			break;
		str_setmem(&line, p, n);
		if (*filter && !in_list(filter, line.s))
			continue;
		if (mechs.len)
			str_addc(&mechs, ' ');
		str_adds(&mechs, line.s);
	}
	if (mechs.len == 0) {
		ret = 0;	/* Postfix: no supported mechanisms, no AUTH */
		goto out;
	}
	smtp_sasl_open();
	r = sasl_lookup(s->host, sasl_maps, nexthop, sender, &val);
	if (r > 0) {
		user = xstrdup(val);
		ulen = strlen(user);
	}
	if (r < 0) {
		smtp_fail(s, "4.3.0", "SASL authentication failed; cannot "
		    "authenticate to server %s: table lookup error",
		    s->namaddr);
		goto out;
	}
	if (r == 0) {
		ret = 0;	/* no login for this server: no AUTH */
		goto out;
	}
	if ((p = strchr(user, ':')) != NULL) {
		user[p - user] = 0;
		pass = p + 1;
	} else
		pass = "";
	opts = conf_str(s->tls_active ? P_smtp_sasl_tls_security_options :
	    P_smtp_sasl_security_options);
	if (sasl_opts_check(s, opts) < 0)
		goto out;
	if (in_list(mechs.s, "CRAM-MD5") && !in_list(opts, "nodictionary"))
		mech = "CRAM-MD5";	/* the password stays here */
	else if (!in_list(opts, "noplaintext")) {
		if (in_list(mechs.s, "PLAIN"))
			mech = "PLAIN";
		else if (in_list(mechs.s, "LOGIN"))
			mech = "LOGIN";
	}
	if (mech == NULL) {
		smtp_fail(s, "4.7.0", "SASL authentication failed; cannot "
		    "authenticate to server %s: no mechanism available",
		    s->namaddr);
		goto out;
	}
	if ((strcmp(mech, "PLAIN") == 0 ? auth_plain(s, &line, user, pass) :
	    strcmp(mech, "CRAM-MD5") == 0 ? auth_cram(s, &line, user, pass) :
	    auth_login(s, &line, user, pass)) < 0)
		goto out;
	if (s->reply.code / 100 == 2) {
		s->authed = 1;
		free(s->auth_user);
		s->auth_user = xstrdup(user);
		ret = 0;
		goto out;
	}
	{
		char dsn[SMTP_DSN_MAX];

		/* a refused login defers: the password may be fixed */
		str_copy(dsn, s->reply.dsn, sizeof(dsn));
		dsn[0] = '4';
		smtp_fail(s, dsn, "SASL authentication failed; server %s "
		    "said: %s", s->namaddr, s->reply.text.s);
	}
out:
	if (line.s)
		memset(line.s, 0, line.len);
	if (user) {
		memset(user, 0, ulen);
		free(user);
	}
	str_free(&line);
	str_free(&mechs);
	return ret;
}

/* the transaction ---------------------------------------------------------- */

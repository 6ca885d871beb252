/* MIT licence: see LICENSE. */
/*
 * smtpd_sasl.c - SMTP AUTH in smtpd (RFC 4954) with the mechanisms PLAIN
 * (RFC 4616) and LOGIN: the EHLO keyword, the AUTH command and its
 * challenges, the AUTH= parameter of MAIL, and the sasl_method=/
 * sasl_username= part of the "client=" log line, with Postfix's reply
 * texts.  Passwords are checked by a back end (lib/sasl.h).
 *
 * Whether the session is encrypted is s->ck.tls (set by the STARTTLS
 * code): smtpd_sasl_security_options apply while it is 0, and
 * smtpd_sasl_tls_security_options once it is 1.  "noplaintext" there
 * hides PLAIN and LOGIN (the only mechanisms), so no AUTH is offered;
 * smtpd_tls_auth_only = yes refuses AUTH without TLS altogether.
 *
 * The state is one session's (smtpd serves one per process).  A failed
 * AUTH counts as an error, as in Postfix: past smtpd_soft_error_limit
 * each reply waits smtpd_error_sleep_time, and smtpd_hard_error_limit
 * errors end the session.  Man page: smtpd(8).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "log.h"
#include "sasl.h"
#include "smtpd_sess.h"
#include "x.h"

static char *username;		/* NULL: not authenticated */
static char *method;		/* "PLAIN" or "LOGIN" */
static char *auth_sender;	/* MAIL AUTH=, decoded; NULL: none */

/* the back end is usable: smtpd_sasl_type names one mta has */
static int
backend_ok(void)
{
	return strcmp(conf_str(P_smtpd_sasl_type), "mta") == 0;
}

/* plaintext mechanisms allowed by the security options in force */
static int
plaintext_ok(struct smtpd_sess *s)
{
	char *list, *p, *w;
	int ok = 1;

	p = list = xstrdup(conf_str(s->ck.tls ?
	    P_smtpd_sasl_tls_security_options :
	    P_smtpd_sasl_security_options));
	while ((w = str_token(&p, ", \t")) != NULL)
		if (strcasecmp(w, "noplaintext") == 0)
			ok = 0;
	free(list);
	return ok;
}

/* smtpd_sasl_active - AUTH is offered to this client in this state */
int
smtpd_sasl_active(struct smtpd_sess *s)
{
	if (s->local || !conf_bool(P_smtpd_sasl_auth_enable) ||
	    (s->discard & EHLO_AUTH) || !backend_ok())
		return 0;
	if (conf_bool(P_smtpd_tls_auth_only) && !s->ck.tls)
		return 0;
	return plaintext_ok(s);
}

/* smtpd_sasl_setup - open the back end (before privileges are dropped) */
void
smtpd_sasl_setup(struct smtpd_sess *s)
{
	(void)s;
	if (!conf_bool(P_smtpd_sasl_auth_enable))
		return;
	if (!backend_ok())
		warn("smtpd_sasl_type = %s is not supported (use mta): "
		    "AUTH is not offered", conf_str(P_smtpd_sasl_type));
	else if (sasl_mta_open() < 0)
		warn("smtpd_sasl_password_maps: cannot open");
}

/* smtpd_sasl_ehlo - queue the AUTH line of the EHLO reply */
void
smtpd_sasl_ehlo(struct smtpd_sess *s)
{
	if (smtpd_sasl_active(s))
		io_puts(&s->out, "250-AUTH PLAIN LOGIN\r\n");
}

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void
b64_encode(const char *in, struct str *out)
{
	size_t n = strlen(in), i;
	unsigned v;

	str_reset(out);
	for (i = 0; i < n; i += 3) {
		v = (unsigned char)in[i] << 16;
		if (i + 1 < n)
			v |= (unsigned char)in[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)in[i + 2];
		str_addc(out, b64[v >> 18 & 63]);
		str_addc(out, b64[v >> 12 & 63]);
		str_addc(out, i + 1 < n ? b64[v >> 6 & 63] : '=');
		str_addc(out, i + 2 < n ? b64[v & 63] : '=');
	}
}

/* strict RFC 4648 base64; 0 ok, -1 bad */
static int
b64_decode(const char *in, struct str *out)
{
	size_t n = strlen(in), i, j;
	unsigned v, pad = 0;
	const char *p;
	int c;

	str_reset(out);
	if (n % 4)
		return -1;
	for (i = 0; i < n; i += 4) {
		v = 0;
		for (j = 0; j < 4; j++) {
			c = in[i + j];
			if (c == '=' && i + 4 == n && j >= 2 &&
			    (j == 3 || in[i + 3] == '=')) {
				pad++;
				v <<= 6;
				continue;
			}
			if (c == 0 || pad || (p = strchr(b64, c)) == NULL)
				return -1;
			v = v << 6 | (unsigned)(p - b64);
		}
		str_addc(out, (int)(v >> 16 & 255));
		if (pad < 2)
			str_addc(out, (int)(v >> 8 & 255));
		if (pad < 1)
			str_addc(out, (int)(v & 255));
	}
	return 0;
}

/* send "334 challenge", read the answer: 0 ok, -1 session over */
static int
challenge(struct smtpd_sess *s, const char *text, struct str *ans)
{
	struct str e = STR_INIT;
	ssize_t n;

	str_init(&e);
	b64_encode(text, &e);
	smtpd_reply(s, "334 %s", e.s);
	str_free(&e);
	if (io_flush(&s->out) < 0) {
		s->eof = 1;
		return -1;
	}
	n = io_getline(&s->in, ans, s->line_limit + 2);
	if (n == IO_EOF || n == IO_ERR) {
		info("%s after AUTH from %s", s->in.err == ETIMEDOUT ?
		    "timeout" : "lost connection", s->namaddr);
		s->eof = 1;
		return -1;
	}
	while (ans->len > 0 && (ans->s[ans->len - 1] == '\n' ||
	    ans->s[ans->len - 1] == '\r'))
		str_trunc(ans, ans->len - 1);
	return 0;
}

/* smtpd_sasl_cmd - AUTH mechanism [initial-response] */
int
smtpd_sasl_cmd(struct smtpd_sess *s, const char *arg)
{
	struct str ans = STR_INIT, dec = STR_INIT, why = STR_INIT;
	char *args, *p, *mech, *init, *extra;
	char *user = NULL, *pass = NULL;
	const char *authz, *u, *pw;
	int r = -1, x;

	if (conf_bool(P_smtpd_helo_required) && s->helo == NULL) {
		smtpd_reply(s, "503 5.5.1 Error: send HELO/EHLO first");
		return -1;
	}
	if (conf_bool(P_smtpd_tls_auth_only) && !s->ck.tls &&
	    conf_bool(P_smtpd_sasl_auth_enable) && !s->local) {
		smtpd_reply(s, "504 5.5.4 Encryption required for requested "
		    "authentication mechanism");
		return -1;
	}
	if (!smtpd_sasl_active(s)) {
		smtpd_reply(s, "503 5.5.1 Error: authentication not enabled");
		return -1;
	}
	if (s->in_mail) {
		smtpd_reply(s, "503 5.5.1 Error: MAIL transaction in progress");
		return -1;
	}
	if (username) {
		smtpd_reply(s, "503 5.5.1 Error: already authenticated");
		return -1;
	}
	p = args = xstrdup(arg);
	mech = str_token(&p, " \t");
	init = str_token(&p, " \t");
	extra = str_token(&p, " \t");
	if (mech == NULL || extra) {
		smtpd_reply(s, "501 5.5.4 Syntax: AUTH mechanism");
		free(args);
		return -1;
	}
	for (x = 0; mech[x]; x++)
		mech[x] = (char)toupper((unsigned char)mech[x]);
	str_init(&ans);
	str_init(&dec);
	str_init(&why);
	if (strcmp(mech, "PLAIN") != 0 && strcmp(mech, "LOGIN") != 0) {
		str_set(&why, "Invalid authentication mechanism");
		goto failed;
	}
	/* the first answer: the initial response, or one asked for */
	if (init) {
		str_set(&ans, strcmp(init, "=") == 0 ? "" : init);
	} else if (challenge(s, strcmp(mech, "PLAIN") == 0 ? "" :
	    "Username:", &ans) < 0) {
		goto out;
	}
	for (x = 0;; x++) {
		if (strcmp(ans.s, "*") == 0) {
			warn("%s: SASL %s authentication aborted",
			    s->namaddr, mech);
			smtpd_reply(s, "501 5.7.0 Authentication aborted");
			goto out;
		}
		if (b64_decode(ans.s, &dec) < 0) {
			str_set(&why, "Invalid base64 data in continued "
			    "response");
			goto failed;
		}
		if (strcmp(mech, "PLAIN") == 0) {
			/* authzid NUL authcid NUL passwd */
			authz = dec.s;
			u = memchr(dec.s, 0, dec.len);
			pw = u ? memchr(u + 1, 0, dec.len - (size_t)(u + 1 -
			    dec.s)) : NULL;
			if (u == NULL || pw == NULL || memchr(pw + 1, 0,
			    dec.len - (size_t)(pw + 1 - dec.s))) {
				str_set(&why, "Invalid authentication data");
				goto failed;
			}
			u++;
			pw++;
			if (*authz && strcmp(authz, u) != 0) {
				str_set(&why, "authorization failure");
				goto failed;
			}
			user = xstrdup(u);
			pass = xstrdup(pw);
			break;
		}
		if (memchr(dec.s, 0, dec.len)) {
			str_set(&why, "Invalid authentication data");
			goto failed;
		}
		if (x == 0) {
			user = xstrdup(dec.s);
			if (challenge(s, "Password:", &ans) < 0)
				goto out;
			continue;
		}
		pass = xstrdup(dec.s);
		break;
	}
	if (*user == 0) {
		str_set(&why, "authentication failure");
		goto failed;
	}
	x = sasl_mta_check(user, pass, &why);
	if (x == SASL_OK) {
		username = user;
		user = NULL;
		method = xstrdup(mech);
		s->ck.sasl_username = username;
		s->ck.sasl_method = method;
		smtpd_reply(s, "235 2.7.0 Authentication successful");
		r = 0;
		goto out;
	}
	warn("%s: SASL %s authentication failed: %s%s%s", s->namaddr, mech,
	    why.s, user ? ", sasl_username=" : "", user ? user : "");
	if (x == SASL_TEMP)
		smtpd_reply(s, "454 4.7.0 Temporary authentication failure: "
		    "%s", why.s);
	else
		smtpd_reply(s, "535 5.7.8 Error: authentication failed: %s",
		    why.s);
	goto out;
failed:
	warn("%s: SASL %s authentication failed: %s", s->namaddr, mech,
	    why.s);
	smtpd_reply(s, "535 5.7.8 Error: authentication failed: %s", why.s);
out:
	if (pass) {
		memset(pass, 0, strlen(pass));
		free(pass);
	}
	if (dec.s)
		memset(dec.s, 0, dec.len);
	free(user);
	free(args);
	str_free(&ans);
	str_free(&dec);
	str_free(&why);
	return r;
}

/* smtpd_sasl_mail_param - MAIL ... AUTH=value: 0 ok, -1 replied */
int
smtpd_sasl_mail_param(struct smtpd_sess *s, const char *v)
{
	if (auth_sender) {
		smtpd_reply(s, "503 5.5.4 Error: too many AUTH parameters");
		return -1;
	}
	if (smtpd_parse_xtext(v, &s->tmp) < 0 || memchr(s->tmp.s, 0,
	    s->tmp.len) || !smtpd_parse_ascii(s->tmp.s)) {
		smtpd_reply(s, "501 5.5.4 Bad AUTH parameter syntax");
		return -1;
	}
	/* RFC 4954 5: without authentication the parameter is ignored */
	if (username && strcmp(s->tmp.s, "<>") != 0)
		auth_sender = xstrdup(s->tmp.s);
	return 0;
}

/* smtpd_sasl_reset_mail - forget AUTH= at the end of a transaction */
void
smtpd_sasl_reset_mail(void)
{
	free(auth_sender);
	auth_sender = NULL;
}

/* smtpd_sasl_log - append ", sasl_method=M, sasl_username=U" for logs */
void
smtpd_sasl_log(struct str *l)
{
	if (username == NULL)
		return;
	str_addf(l, ", sasl_method=%s, sasl_username=%s", method, username);
	if (auth_sender)
		str_addf(l, ", sasl_sender=%s", auth_sender);
}

/* smtpd_sasl_username - the authenticated user, or NULL */
const char *
smtpd_sasl_username(void)
{
	return username;
}

/* MIT licence: see LICENSE. */
/*
 * smtpd_sasl.c - SMTP AUTH in smtpd (RFC 4954): the EHLO keyword, the
 * AUTH command and its challenges, the AUTH= parameter of MAIL, and the
 * sasl_method=/sasl_username= part of the "client=" log line, with
 * Postfix's reply texts.  The mechanisms and the passwords belong to the
 * back end that smtpd_sasl_type names (sasl.h): "mta" (PLAIN and
 * LOGIN against smtpd_sasl_password_maps) or "dovecot" (whatever
 * Dovecot's authentication server offers); this file only relays the
 * base64 lines between the client and the back end.
 *
 * Whether the session is encrypted is s->ck.tls (set by the STARTTLS
 * code): smtpd_sasl_security_options filter the back end's mechanisms
 * while it is 0, and smtpd_sasl_tls_security_options once it is 1
 * (noplaintext, noactive, nodictionary, noanonymous drop mechanisms with
 * that property; forward_secrecy and mutual_auth keep only those that
 * have it).  When nothing is left no AUTH is offered;
 * smtpd_tls_auth_only = yes refuses AUTH without TLS altogether.
 * Clients in smtpd_sasl_exceptions_networks are not shown AUTH in the
 * EHLO reply (they may still use it, as in Postfix);
 * broken_sasl_auth_clients adds the "AUTH=mech..." line that old
 * Microsoft clients look for.
 *
 * The login is the session's (s->sasl_username, s->sasl_method,
 * s->sasl_sender), never the process's: an smtpd process serves client
 * after client, and the next one starts unauthenticated.  A failed
 * AUTH counts as an error, as in Postfix: past smtpd_soft_error_limit
 * each reply waits smtpd_error_sleep_time, and smtpd_hard_error_limit
 * errors end the session.  Man page: smtpd(8).
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/conf.h"
#include "../../lib/inet.h"
#include "../../lib/log.h"
#include "../../lib/table/match.h"
#include "../../lib/x.h"
#include "sasl.h"
#include "smtpd_sess.h"

static const struct sasl_server *const servers[] = {
	&sasl_mta_server, &sasl_dovecot_server,
};

/* the back end smtpd_sasl_type names, or NULL */
static const struct sasl_server *
backend(void)
{
	const char *t = conf_str(P_smtpd_sasl_type);
	size_t i;

	for (i = 0; i < sizeof(servers) / sizeof(servers[0]); i++)
		if (strcmp(t, servers[i]->type) == 0)
			return servers[i];
	return NULL;
}

/* the security options in force: SASL_SEC_* to refuse and to require */
static void
sec_options(struct smtpd_sess *s, unsigned *no, unsigned *need)
{
	static const struct {
		const char	*name;
		unsigned	bit;
		int		need;
	} opt[] = {
		{ "noplaintext", SASL_SEC_PLAINTEXT, 0 },
		{ "noactive", SASL_SEC_ACTIVE, 0 },
		{ "nodictionary", SASL_SEC_DICTIONARY, 0 },
		{ "noanonymous", SASL_SEC_ANONYMOUS, 0 },
		{ "forward_secrecy", SASL_SEC_FWD_SECRECY, 1 },
		{ "mutual_auth", SASL_SEC_MUTUAL_AUTH, 1 },
	};
	char *list, *p, *w;
	size_t i;

	*no = *need = 0;
	p = list = xstrdup(conf_str(s->ck.tls ?
	    P_smtpd_sasl_tls_security_options :
	    P_smtpd_sasl_security_options));
	while ((w = str_token(&p, ", \t\r\n")) != NULL)
		for (i = 0; i < sizeof(opt) / sizeof(opt[0]); i++)
			if (strcasecmp(w, opt[i].name) == 0)
				*(opt[i].need ? need : no) |= opt[i].bit;
	free(list);
}

/*
 * the mechanisms offered in this state, space-separated, into out; 0, or
 * -1 when the back end cannot say (out is then empty)
 */
static int
offered(struct smtpd_sess *s, struct str *out)
{
	const struct sasl_server *b = backend();
	const struct sasl_mech *m;
	unsigned no, need;
	size_t n, i;

	str_reset(out);
	if (b == NULL || b->mechs(&m, &n) < 0)
		return -1;
	sec_options(s, &no, &need);
	for (i = 0; i < n; i++) {
		if ((m[i].flags & no) || (m[i].flags & need) != need)
			continue;
		if (out->len)
			str_addc(out, ' ');
		str_adds(out, m[i].name);
	}
	return 0;
}

/* the mechanism is one of those offered */
static int
is_offered(struct smtpd_sess *s, const char *mech)
{
	struct str l = STR_INIT;
	char *p, *w;
	int r = 0;

	str_init(&l);
	if (offered(s, &l) == 0)
		for (p = l.s; !r && (w = str_token(&p, " ")) != NULL;)
			r = strcmp(w, mech) == 0;
	str_free(&l);
	return r;
}

/* smtpd_sasl_active - AUTH is offered to this client in this state */
int
smtpd_sasl_active(struct smtpd_sess *s)
{
	struct str l = STR_INIT;
	int r;

	if (s->local || !conf_bool(P_smtpd_sasl_auth_enable) ||
	    (s->discard & EHLO_AUTH) || backend() == NULL)
		return 0;
	if (conf_bool(P_smtpd_tls_auth_only) && !s->ck.tls)
		return 0;
	str_init(&l);
	r = offered(s, &l) == 0 && l.len > 0;
	str_free(&l);
	return r;
}

/* smtpd_sasl_setup - open the back end (before privileges are dropped) */
void
smtpd_sasl_setup(struct smtpd_sess *s)
{
	const struct sasl_server *b;

	(void)s;
	if (!conf_bool(P_smtpd_sasl_auth_enable))
		return;
	if ((b = backend()) == NULL)
		warn("smtpd_sasl_type = %s is not supported (use mta or "
		    "dovecot): AUTH is not offered",
		    conf_str(P_smtpd_sasl_type));
	else
		(void)b->open();
}

/* smtpd_sasl_ehlo - queue the AUTH line(s) of the EHLO reply */
void
smtpd_sasl_ehlo(struct smtpd_sess *s)
{
	struct match_list *ex;
	struct str l = STR_INIT;
	int x;

	if (!smtpd_sasl_active(s))
		return;
	if (*conf_str(P_smtpd_sasl_exceptions_networks)) {
		ex = match_init("smtpd_sasl_exceptions_networks",
		    MATCH_NAMADR, conf_str(P_smtpd_sasl_exceptions_networks));
		x = match_find(ex, s->name, s->addr);
		match_free(ex);
		if (x > 0)
			return;
	}
	str_init(&l);
	(void)offered(s, &l);
	io_printf(&s->out, "250-AUTH %s\r\n", l.s);
	if (conf_bool(P_broken_sasl_auth_clients))
		io_printf(&s->out, "250-AUTH=%s\r\n", l.s);
	str_free(&l);
}

/*
 * the address the client connected to, for the back end ("" when
 * unknown): asked for each session, since the clients of one process may
 * reach it through different addresses of a wildcard listener
 */
static void
server_addr(struct str *a)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	unsigned char b[INET_ADDR_LEN];
	int family;

	str_set(a, "");
	memset(b, 0, sizeof(b));
	if (getsockname(0, (struct sockaddr *)&ss, &len) < 0)
		return;
	family = ss.ss_family;
	if (family == AF_INET)
		memcpy(b, &((struct sockaddr_in *)&ss)->sin_addr, 4);
	else if (family == AF_INET6)
		memcpy(b, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
	else
		return;
	(void)inet_addr_unmap(&family, b);
	inet_addr_format(family, b, a);
}

/* send "334 challenge", read the answer: 0 ok, -1 session over */
static int
challenge(struct smtpd_sess *s, const char *text, struct str *ans)
{
	ssize_t n;

	smtpd_reply(s, "334 %s", text);
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
	struct str ans = STR_INIT, out = STR_INIT, user = STR_INIT;
	struct str lip = STR_INIT;
	const struct sasl_server *b;
	struct sasl_peer peer;
	char *args, *p, *mech, *init, *extra;
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
	if (s->sasl_username) {
		smtpd_reply(s, "503 5.5.1 Error: already authenticated");
		return -1;
	}
	if (smtpd_anvil_event(s, SMTPD_ANVIL_AUTH) < 0)
		return -1;
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
	str_init(&out);
	str_init(&user);
	str_init(&lip);
	b = backend();
	if (!is_offered(s, mech)) {
		str_set(&out, "Invalid authentication mechanism");
		x = SASL_FAIL;
		goto done;
	}
	if (init && strcmp(init, "*") == 0)
		goto aborted;
	peer.service = conf_str(P_smtpd_sasl_service);
	peer.client_addr = s->addr ? s->addr : "";
	server_addr(&lip);
	peer.server_addr = lip.s;
	peer.tls = s->ck.tls;
	x = b->start(mech, init == NULL ? NULL : strcmp(init, "=") == 0 ?
	    "" : init, &peer, &out, &user);
	while (x == SASL_MORE) {
		if (challenge(s, out.s, &ans) < 0)
			goto out;
		if (strcmp(ans.s, "*") == 0)
			goto aborted;
		x = b->step(ans.s, &out, &user);
	}
done:
	if (x == SASL_OK) {
		s->sasl_username = str_steal(&user);
		s->sasl_method = xstrdup(mech);
		s->ck.sasl_username = s->sasl_username;
		s->ck.sasl_method = s->sasl_method;
		smtpd_reply(s, "235 2.7.0 Authentication successful");
		r = 0;
		goto out;
	}
	warn("%s: SASL %s authentication failed: %s%s%s", s->namaddr, mech,
	    out.len ? out.s : "(reason unavailable)",
	    user.len ? ", sasl_username=" : "", user.len ? user.s : "");
	if (x == SASL_TEMP)
		smtpd_reply(s, "454 4.7.0 Temporary authentication failure: "
		    "%s", out.s);
	else
		smtpd_reply(s, "535 5.7.8 Error: authentication failed: %s",
		    out.s);
	goto out;
aborted:
	warn("%s: SASL %s authentication aborted", s->namaddr, mech);
	smtpd_reply(s, "501 5.7.0 Authentication aborted");
out:
	if (ans.s)
		memset(ans.s, 0, ans.len);
	free(args);
	str_free(&ans);
	str_free(&out);
	str_free(&user);
	str_free(&lip);
	return r;
}

/* smtpd_sasl_mail_param - MAIL ... AUTH=value: 0 ok, -1 replied */
int
smtpd_sasl_mail_param(struct smtpd_sess *s, const char *v)
{
	if (s->sasl_sender) {
		smtpd_reply(s, "503 5.5.4 Error: too many AUTH parameters");
		return -1;
	}
	if (smtpd_parse_xtext(v, &s->tmp) < 0 || memchr(s->tmp.s, 0,
	    s->tmp.len) || !smtpd_parse_ascii(s->tmp.s)) {
		smtpd_reply(s, "501 5.5.4 Bad AUTH parameter syntax");
		return -1;
	}
	/* RFC 4954 5: without authentication the parameter is ignored */
	if (s->sasl_username && strcmp(s->tmp.s, "<>") != 0)
		s->sasl_sender = xstrdup(s->tmp.s);
	return 0;
}

/* smtpd_sasl_reset_mail - forget AUTH= at the end of a transaction */
void
smtpd_sasl_reset_mail(struct smtpd_sess *s)
{
	free(s->sasl_sender);
	s->sasl_sender = NULL;
}

/*
 * smtpd_sasl_reset - forget the login: at the end of the session, and
 * after STARTTLS (RFC 3207 4.2: nothing learned in plaintext counts; a
 * man in the middle must not hand over a session logged in with its own
 * account).  The back end forgets any exchange left half done.
 */
void
smtpd_sasl_reset(struct smtpd_sess *s)
{
	const struct sasl_server *b = backend();

	smtpd_sasl_reset_mail(s);
	free(s->sasl_username);
	free(s->sasl_method);
	s->sasl_username = NULL;
	s->sasl_method = NULL;
	s->ck.sasl_username = NULL;
	s->ck.sasl_method = NULL;
	if (b != NULL && conf_bool(P_smtpd_sasl_auth_enable))
		b->end();
}

/* smtpd_sasl_log - append ", sasl_method=M, sasl_username=U" for logs */
void
smtpd_sasl_log(struct smtpd_sess *s, struct str *l)
{
	if (s->sasl_username == NULL)
		return;
	str_addf(l, ", sasl_method=%s, sasl_username=%s", s->sasl_method,
	    s->sasl_username);
	if (s->sasl_sender)
		str_addf(l, ", sasl_sender=%s", s->sasl_sender);
}

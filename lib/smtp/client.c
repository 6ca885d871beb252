/* MIT licence: see LICENSE. */
/*
 * smtp/client.c - the SMTP/LMTP client session: connect, greeting,
 * EHLO (HELO fallback) or LHLO, MAIL/RCPT/DATA pipelined when offered,
 * the content dot-stuffed with long lines folded, per-recipient results,
 * SMTP AUTH (CRAM-MD5, PLAIN, LOGIN) after EHLO when configured,
 * QUIT.  Every read and write has its Postfix timeout (smtp_*_timeout);
 * replies are parsed strictly and kept bounded.  Failure texts are
 * Postfix's: "connect to H[ip]:25: Connection refused", "host H[ip]
 * said: 550 ... (in reply to RCPT TO command)", "lost connection with
 * H[ip] while sending message body", "conversation with H[ip] timed out
 * while receiving the initial server greeting".  With loop_detect (the
 * smtp agent, port 25), an EHLO reply that names $myhostname is "mail
 * for NEXTHOP loops back to myself": 5.4.6 from a best MX host, 4.4.6
 * (try the next) from another; a greeting that names it is only logged.
 *
 * Run inside the smtp and lmtp delivery agents (as mail_owner) and the
 * sendmail command's relay mode (as its user).  Man page: smtp(8).
 *
 * Choices where Postfix converts: an 8bit message to a server without
 * 8BITMIME is sent as it is (Postfix with disable_mime_output_conversion
 * = yes); a message that asked for SMTPUTF8 bounces (5.6.7) only when
 * its envelope needs it and the server lacks it.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <bearssl_hash.h>
#include <bearssl_hmac.h>

#include "../../config.h"
#include "../b64.h"
#include "../conf.h"
#include "../io.h"
#include "../log.h"
#include "../num.h"
#include "../queue/queue.h"
#include "../rewrite/rewrite.h"
#include "../str.h"
#include "../table/maps.h"
#include "../tls.h"
#include "../x.h"
#include "addr.h"
#include "client.h"
#include "generic.h"
#include "tlspol.h"

#define PIPE_MAX	100	/* commands in flight when pipelining */
#define BODY_FLUSH	65536	/* content bytes per write */

/* the transaction's commands, in Postfix's words */
enum { C_MAIL, C_RCPT, C_DATA, C_DOT, C_QUIT };
static const char *const state_where[] = {
	"sending MAIL FROM",
	"sending RCPT TO",
	"sending DATA command",
	"sending end of data -- message may be sent more than once",
	"sending QUIT",
};
static const char *const state_cmd[] = {
	"MAIL FROM command",
	"RCPT TO command",
	"DATA command",
	"end of DATA command",
	"QUIT command",
};

/* smtp_rcpt_init - a recipient without a result */
void
smtp_rcpt_init(struct smtp_rcpt *r, const char *addr)
{
	memset(r, 0, sizeof(*r));
	r->addr = addr;
	str_init(&r->reason);
}

/* smtp_rcpt_free - release a recipient's result */
void
smtp_rcpt_free(struct smtp_rcpt *r)
{
	str_free(&r->reason);
}

/* smtp_sess_init - a session not yet connected, settings from main.cf */
void
smtp_sess_init(struct smtp_sess *s, int lmtp)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->lmtp = lmtp;
	io_init(&s->io, -1, 0);
	str_init(&s->reply.text);
	str_init(&s->why);
	s->t_connect = (int)conf_time(P_smtp_connect_timeout);
	s->t_helo = (int)conf_time(P_smtp_helo_timeout);
	s->t_mail = (int)conf_time(P_smtp_mail_timeout);
	s->t_rcpt = (int)conf_time(P_smtp_rcpt_timeout);
	s->t_data_init = (int)conf_time(P_smtp_data_init_timeout);
	s->t_data_xfer = (int)conf_time(P_smtp_data_xfer_timeout);
	s->t_data_done = (int)conf_time(P_smtp_data_done_timeout);
	s->t_quit = (int)conf_time(P_smtp_quit_timeout);
	s->helo_name = xstrdup(conf_str(P_smtp_helo_name));
	s->skip_5xx = conf_bool(P_smtp_skip_5xx_greeting);
	s->line_limit = (size_t)conf_int(P_smtp_line_length_limit);
	s->reply_limit = (size_t)conf_int(P_line_length_limit);
}

static void
fail(struct smtp_sess *s, const char *dsn, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
fail(struct smtp_sess *s, const char *dsn, const char *fmt, ...)
{
	va_list ap;

	s->status = dsn[0] == '5' ? 5 : 4;
	str_copy(s->dsn, dsn, sizeof(s->dsn));
	str_reset(&s->why);
	va_start(ap, fmt);
	str_vaddf(&s->why, fmt, ap);
	va_end(ap);
}

static void
rcpt_set(struct smtp_rcpt *r, int code, const char *dsn, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

static void
rcpt_set(struct smtp_rcpt *r, int code, const char *dsn, const char *fmt,
    ...)
{
	va_list ap;

	r->status = code / 100 == 2 ? 2 : code / 100 == 5 ? 5 : 4;
	str_copy(r->dsn, dsn, sizeof(r->dsn));
	r->dsn[0] = (char)('0' + r->status);
	str_reset(&r->reason);
	va_start(ap, fmt);
	str_vaddf(&r->reason, fmt, ap);
	va_end(ap);
}

/* errno in the words Postfix's logs show (glibc's) */
static const char *
errtext(int e)
{
	switch (e) {
	case ETIMEDOUT:
		return "Connection timed out";
	case ENETUNREACH:
		return "Network is unreachable";
	case EHOSTUNREACH:
		return "No route to host";
	case ECONNRESET:
		return "Connection reset by peer";
	case ENOENT:
		return "No such file or directory";
	case EACCES:
		return "Permission denied";
	}
	return strerror(e);
}

/* connect ---------------------------------------------------------------- */

static int
bind_source(struct smtp_sess *s, int family)
{
	const char *b = conf_str(family == AF_INET6 ?
	    P_smtp_bind_address6 : P_smtp_bind_address);
	struct sockaddr_storage ss;
	socklen_t len;

	if (*b == 0 || (family != AF_INET && family != AF_INET6))
		return 0;
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		if (inet_pton(AF_INET, b, &sin->sin_addr) != 1)
			return -1;
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		if (inet_pton(AF_INET6, b, &sin6->sin6_addr) != 1)
			return -1;
		len = sizeof(*sin6);
	}
	return bind(s->fd, (struct sockaddr *)&ss, len);
}

/*
 * smtp_connect - a connection to one server address within
 * smtp_connect_timeout.  0, or -1 with status, dsn and why ("connect to
 * H[ip]:port: Connection refused").
 */
int
smtp_connect(struct smtp_sess *s, const struct smtp_addr *a)
{
	struct sockaddr_storage ss;
	struct pollfd p;
	socklen_t len;
	int fl, r, e = 0;

	smtp_close(s);
	free(s->host);
	free(s->addr);
	free(s->namaddr);
	free(s->relay);
	s->host = xstrdup(a->host);
	s->addr = xstrdup(a->addr);
	s->port = a->port;
	s->best_mx = a->best;
	s->namaddr = xasprintf("%s[%s]", a->host, a->addr);
	s->relay = a->family == AF_UNIX ? xstrdup(s->namaddr) :
	    xasprintf("%s:%d", s->namaddr, a->port);
	s->features = 0;
	s->size_limit = 0;
	s->tls_active = 0;
	s->authed = 0;
	free(s->auth_mechs);
	s->auth_mechs = NULL;
	memset(&ss, 0, sizeof(ss));
	if (a->family == AF_UNIX) {
		struct sockaddr_un *sun = (struct sockaddr_un *)&ss;

		if (strlen(a->addr) >= sizeof(sun->sun_path)) {
			fail(s, "4.3.5", "connect to %s: %s", s->namaddr,
			    "File name too long");
			return -1;
		}
		sun->sun_family = AF_UNIX;
		str_copy(sun->sun_path, a->addr, sizeof(sun->sun_path));
		len = sizeof(*sun);
	} else if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((unsigned short)a->port);
		inet_pton(AF_INET, a->addr, &sin->sin_addr);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((unsigned short)a->port);
		inet_pton(AF_INET6, a->addr, &sin6->sin6_addr);
		len = sizeof(*sin6);
	}
	if ((s->fd = socket(a->family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		e = errno;
		goto fail;
	}
	if (bind_source(s, a->family) < 0) {
		e = errno ? errno : EINVAL;
		goto fail;
	}
	fl = fcntl(s->fd, F_GETFL);
	(void)fcntl(s->fd, F_SETFL, fl | O_NONBLOCK);
	if (connect(s->fd, (struct sockaddr *)&ss, len) < 0) {
		if (errno != EINPROGRESS && errno != EAGAIN) {
			e = errno;
			goto fail;
		}
		p.fd = s->fd;
		p.events = POLLOUT;
		do
			r = poll(&p, 1, s->t_connect > 0 ?
			    s->t_connect * 1000 : -1);
		while (r < 0 && errno == EINTR);
		if (r == 0) {
			e = ETIMEDOUT;
			goto fail;
		}
		len = sizeof(e);
		if (r < 0 || getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &e,
		    &len) < 0)
			e = errno;
		if (e)
			goto fail;
	}
	(void)fcntl(s->fd, F_SETFL, fl & ~O_NONBLOCK);
	io_free(&s->io);
	io_init(&s->io, s->fd, s->t_helo);
	return 0;
fail:
	if (a->family == AF_UNIX)
		fail(s, "4.4.1", "connect to %s: %s", s->namaddr, errtext(e));
	else
		fail(s, "4.4.1", "connect to %s:%d: %s", s->namaddr, a->port,
		    errtext(e));
	smtp_close(s);
	return -1;
}

/* replies ----------------------------------------------------------------- */

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* "X.Y.Z" at the start of text (RFC 3463): its length, or 0 */
static size_t
dsn_len(const char *t, int cls)
{
	size_t i = 0, n;

	if (t[0] != cls || t[1] != '.')
		return 0;
	i = 2;
	for (n = 0; n < 3 && is_digit(t[i]); n++, i++)
		;
	if (n == 0 || t[i++] != '.')
		return 0;
	for (n = 0; n < 3 && is_digit(t[i]); n++, i++)
		;
	if (n == 0 || (t[i] != ' ' && t[i] != 0))
		return 0;
	return i;
}

static void
lost(struct smtp_sess *s, const char *where)
{
	if (s->io.err == ETIMEDOUT)
		fail(s, "4.4.2", "conversation with %s timed out while %s",
		    s->namaddr, where);
	else
		fail(s, "4.4.2", "lost connection with %s while %s",
		    s->namaddr, where);
}

/*
 * one reply into s->reply (every line, when lines is not NULL, LF
 * separated): 0, or -1 with the session's failure (lost connection,
 * timeout, malformed reply)
 */
static int
get_reply(struct smtp_sess *s, int timeout, const char *where,
    struct str *lines)
{
	struct str line;
	ssize_t n;
	size_t count = 0, k;
	int code = 0, c;

	str_init(&line);
	str_reset(&s->reply.text);
	s->reply.code = 0;
	if (lines)
		str_reset(lines);
	s->io.timeout = timeout;
	for (;;) {
		n = io_getline(&s->io, &line, s->reply_limit);
		if (n == IO_EOF || n == IO_ERR ||
		    (n >= 0 && (line.len == 0 || line.s[line.len - 1] !=
		    '\n'))) {
			lost(s, where);
			goto bad;
		}
		if (n == IO_TOOLONG || ++count > SMTP_REPLY_LINES_MAX)
			goto malformed;
		str_trunc(&line, line.len - 1);
		if (line.len && line.s[line.len - 1] == '\r')
			str_trunc(&line, line.len - 1);
		if (line.len < 3 || !is_digit(line.s[0]) ||
		    !is_digit(line.s[1]) || !is_digit(line.s[2]) ||
		    (line.len > 3 && line.s[3] != ' ' && line.s[3] != '-') ||
		    line.s[0] < '2' || line.s[0] > '5')
			goto malformed;
		c = (line.s[0] - '0') * 100 + (line.s[1] - '0') * 10 +
		    (line.s[2] - '0');
		if (code && c != code)
			goto malformed;
		code = c;
		if (memchr(line.s, 0, line.len))
			goto malformed;
		/* keep what a log line can hold: s->reply_limit bytes */
		if (s->reply.text.len < s->reply_limit) {
			if (s->reply.text.len)
				str_addc(&s->reply.text, ' ');
			str_addmem(&s->reply.text, line.s, line.len);
		}
		if (lines && lines->len < 65536) {
			str_addmem(lines, line.s, line.len);
			str_addc(lines, '\n');
		}
		if (line.len == 3 || line.s[3] == ' ')
			break;
	}
	s->reply.code = code;
	if (s->reply.text.len > s->reply_limit)
		str_trunc(&s->reply.text, s->reply_limit);
	for (k = 0; k < s->reply.text.len; k++)
		if ((unsigned char)s->reply.text.s[k] < 32 ||
		    s->reply.text.s[k] == 127)
			s->reply.text.s[k] = ' ';
	k = s->reply.text.len > 4 ? dsn_len(s->reply.text.s + 4,
	    '0' + code / 100) : 0;
	if (k && k < SMTP_DSN_MAX) {
		memcpy(s->reply.dsn, s->reply.text.s + 4, k);
		s->reply.dsn[k] = 0;
	} else
		snprintf(s->reply.dsn, sizeof(s->reply.dsn), "%d.0.0",
		    code / 100);
	str_free(&line);
	return 0;
malformed:
	fail(s, "4.5.0", "malformed reply from %s while %s", s->namaddr,
	    where);
bad:
	str_free(&line);
	smtp_close(s);
	return -1;
}

/* send what is queued within timeout; -1 with the failure */
static int
flush(struct smtp_sess *s, int timeout, const char *where)
{
	s->io.timeout = timeout;
	if (io_flush(&s->io) == 0)
		return 0;
	lost(s, where);
	smtp_close(s);
	return -1;
}

/* greeting and EHLO ---------------------------------------------------- */

static void
features(struct smtp_sess *s, const char *lines)
{
	const char *p, *nl;
	char kw[32];
	size_t n;
	long long v;

	/* a new EHLO (after STARTTLS, too) replaces what the last said */
	s->features = SMTP_F_ESMTP;
	s->size_limit = 0;
	free(s->auth_mechs);
	s->auth_mechs = NULL;
	for (p = lines; *p; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			break;
		if (p == lines || nl - p < 5)	/* the first names the host */
			continue;
		n = strcspn(p + 4, " =\n");
		if (n >= sizeof(kw))
			continue;
		memcpy(kw, p + 4, n);
		kw[n] = 0;
		if (strcasecmp(kw, "PIPELINING") == 0)
			s->features |= SMTP_F_PIPELINING;
		else if (strcasecmp(kw, "8BITMIME") == 0)
			s->features |= SMTP_F_8BITMIME;
		else if (strcasecmp(kw, "SMTPUTF8") == 0)
			s->features |= SMTP_F_SMTPUTF8;
		else if (strcasecmp(kw, "DSN") == 0)
			s->features |= SMTP_F_DSN;
		else if (strcasecmp(kw, "STARTTLS") == 0)
			s->features |= SMTP_F_STARTTLS;
		else if (strcasecmp(kw, "AUTH") == 0 && (p[4 + n] == ' ' ||
		    p[4 + n] == '=')) {
			/* "AUTH PLAIN LOGIN" or the old "AUTH=PLAIN LOGIN" */
			s->features |= SMTP_F_AUTH;
			free(s->auth_mechs);
			s->auth_mechs = xstrndup(p + 5 + n,
			    (size_t)(nl - (p + 5 + n)));
		}
		else if (strcasecmp(kw, "SIZE") == 0) {
			char num[32];
			const char *a = p + 4 + n;
			size_t m;

			s->features |= SMTP_F_SIZE;
			while (*a == ' ' || *a == '=')
				a++;
			m = strcspn(a, " \n");
			if (m > 0 && m < sizeof(num)) {
				memcpy(num, a, m);
				num[m] = 0;
				if (num_parse(num, 0, (1LL << 62), &v) == 0)
					s->size_limit = v;
			}
		}
	}
}

static int
refused(struct smtp_sess *s, int soft)
{
	char dsn[SMTP_DSN_MAX];

	str_copy(dsn, s->reply.dsn, sizeof(dsn));
	if (soft)
		dsn[0] = '4';
	fail(s, dsn, "host %s refused to talk to me: %s", s->namaddr,
	    s->reply.text.s);
	return -1;
}

/*
 * Does the reply (its first line) name this host: the word after the
 * code, up to one of delim, is $myhostname?  Only with the loop check on
 * the SMTP port, as Postfix's SMTP_MISC_FLAG_LOOP_DETECT.
 */
static int
names_me(const struct smtp_sess *s, const char *reply, const char *delim)
{
	const char *me = conf_str(P_myhostname);
	size_t n;

	if (!s->loop_detect || s->port != 25 || *me == 0 ||
	    strlen(reply) < 3)
		return 0;
	reply += 3;
	reply += strspn(reply, "- \t");
	n = strcspn(reply, delim);
	return n == strlen(me) && strncasecmp(reply, me, n) == 0;
}

/* the greeting (when greet), then EHLO, HELO or LHLO */
static int
hello(struct smtp_sess *s, int greet)
{
	struct str lines;
	int ret = -1;

	str_init(&lines);
	if (greet) {
		if (get_reply(s, s->t_helo,
		    "receiving the initial server greeting", NULL) < 0)
			goto out;
		s->answered = 1;
		if (s->reply.code / 100 != 2) {
			refused(s, s->reply.code / 100 == 5 ? s->skip_5xx :
			    1);
			goto out;
		}
		if (names_me(s, s->reply.text.s, " \t\n"))
			warn("host %s greeted me with my own hostname %s",
			    s->relay, conf_str(P_myhostname));
	}
	if (s->lmtp) {
		io_printf(&s->io, "LHLO %s\r\n", s->helo_name);
		if (flush(s, s->t_helo, "performing the LHLO handshake") < 0 ||
		    get_reply(s, s->t_helo, "performing the LHLO handshake",
		    &lines) < 0)
			goto out;
		if (s->reply.code / 100 != 2) {
			refused(s, 0);
			goto out;
		}
		features(s, lines.s);
		ret = 0;
		goto out;
	}
	io_printf(&s->io, "EHLO %s\r\n", s->helo_name);
	if (flush(s, s->t_helo, "performing the EHLO handshake") < 0 ||
	    get_reply(s, s->t_helo, "performing the EHLO handshake",
	    &lines) < 0)
		goto out;
	if (s->reply.code / 100 == 2 && names_me(s, lines.s, " \t=\n")) {
		warn("host %s replied to HELO/EHLO with my own hostname %s",
		    s->relay, conf_str(P_myhostname));
		fail(s, s->best_mx ? "5.4.6" : "4.4.6", "mail for %s loops "
		    "back to myself", s->nexthop ? s->nexthop : s->host);
		goto out;
	}
	if (s->reply.code / 100 == 2) {
		features(s, lines.s);
		ret = 0;
		goto out;
	}
	if (s->reply.code == 421) {
		refused(s, 0);
		goto out;
	}
	io_printf(&s->io, "HELO %s\r\n", s->helo_name);
	if (flush(s, s->t_helo, "performing the HELO handshake") < 0 ||
	    get_reply(s, s->t_helo, "performing the HELO handshake",
	    NULL) < 0)
		goto out;
	if (s->reply.code / 100 != 2) {
		refused(s, 0);
		goto out;
	}
	ret = 0;
out:
	str_free(&lines);
	return ret;
}

/* TLS (STARTTLS and wrapper mode) ------------------------------------- */

#define CA_BUNDLE	"/etc/ssl/certs/ca-certificates.crt"

static struct tls_conf *tls_plain;	/* no trust anchors */
static struct tls_conf *tls_ca;		/* smtp_tls_CAfile, smtp_tls_CApath */
static int tls_ca_tried;		/* tls_ca loaded (or failed) once */
static struct str tls_ca_err;		/* why it failed, logged once */
static struct tls_conf *tls_keys;	/* the client certificate */
static int tls_keys_state;		/* tls_load_keys(): 1 done, -1 failed */

/*
 * tls_load_keys - smtp_tls_cert_file, smtp_tls_key_file and
 * smtp_tls_chain_files into tls_keys, once (smtp_sasl_open(), the smtp
 * agent's setup hook, calls it before privileges drop: the key may be
 * root's alone); -1 when they cannot be loaded (logged once)
 */
static int
tls_load_keys(void)
{
	const char *cert = conf_str(P_smtp_tls_cert_file);
	const char *chain = conf_str(P_smtp_tls_chain_files);
	struct str err;

	if (tls_keys_state == 0 && (*cert || *chain)) {
		str_init(&err);
		tls_keys = tls_client_conf(NULL, NULL, &err);
		if (tls_conf_client_cert(tls_keys, cert,
		    conf_str(P_smtp_tls_key_file), chain, &err) < 0) {
			warn("cannot load client certificate and key: %s",
			    err.s);
			tls_conf_free(tls_keys);
			tls_keys = NULL;
			tls_keys_state = -1;
		}
		str_free(&err);
	}
	if (tls_keys_state == 0)
		tls_keys_state = 1;
	return tls_keys_state < 0 ? -1 : 0;
}

/*
 * tls_prepare - the configuration for a session at level: the trust
 * anchors (smtp_tls_CAfile and smtp_tls_CApath, loaded once; when both
 * are empty none at may and encrypt, where they would only tell Trusted
 * from Untrusted, and the system bundle at verify and secure), the
 * protocols and ciphers of the level (smtp_tls_mandatory_* from encrypt
 * up), the client certificate.  NULL when TLS cannot be used: with the
 * session's failure at encrypt and up, a warning at may (the caller goes
 * on in plaintext).
 */
static struct tls_conf *
tls_prepare(struct smtp_sess *s, int level, const struct smtp_tls_pol *at)
{
	const char *ca = conf_str(P_smtp_tls_CAfile);
	const char *cp = conf_str(P_smtp_tls_CApath);
	const char *pr, *ci;
	struct tls_conf *tc = NULL;
	struct str err;
	int r, dflt = *ca == 0 && *cp == 0;

	str_init(&err);
	if (!tls_ca_tried && (!dflt || level >= TLS_VERIFY)) {
		tls_ca_tried = 1;
		if ((tls_ca = tls_client_conf(dflt ? CA_BUNDLE : ca, cp,
		    &tls_ca_err)) == NULL)
			warn("%s: %s", dflt ? "smtp_tls_CAfile" :
			    "smtp_tls_CAfile, smtp_tls_CApath", tls_ca_err.s);
	}
	if (!dflt || level >= TLS_VERIFY)
		tc = tls_ca;
	if (tc == NULL && level < TLS_VERIFY) {
		/* nothing to check against: every chain is untrusted */
		if (tls_plain == NULL)
			tls_plain = tls_client_conf(NULL, NULL, &err);
		tc = tls_plain;
	}
	if (tc != NULL && tls_load_keys() < 0) {
		if (level < TLS_ENCRYPT) {
			tc = NULL;	/* may: plaintext, as warned */
			goto out;
		}
		tc = NULL;
	}
	if (tc != NULL && tls_keys != NULL)
		tls_conf_share_keys(tc, tls_keys);
	if (tc == NULL) {
		fail(s, "4.7.5", "client TLS configuration problem");
		goto out;
	}
	pr = conf_str(level >= TLS_ENCRYPT ? P_smtp_tls_mandatory_protocols :
	    P_smtp_tls_protocols);
	ci = conf_str(level >= TLS_ENCRYPT ? P_smtp_tls_mandatory_ciphers :
	    P_smtp_tls_ciphers);
	r = tls_conf_params(tc, at->protocols ? at->protocols : pr,
	    at->ciphers ? at->ciphers : ci, at->exclude ? at->exclude :
	    conf_str(P_smtp_tls_exclude_ciphers), &err);
	if (r != 0) {
		warn("%s: %s: %s", s->namaddr, level >= TLS_ENCRYPT ?
		    "smtp_tls_mandatory_protocols, smtp_tls_mandatory_ciphers"
		    : "smtp_tls_protocols, smtp_tls_ciphers", err.s);
		if (level >= TLS_ENCRYPT)
			fail(s, "4.7.5", "client TLS configuration problem");
		tc = NULL;
	}
out:
	str_free(&err);
	return tc;
}

/* the handshake on the open connection; the session's failure on -1 */
static int
tls_begin(struct smtp_sess *s, struct tls_conf *tc, int level,
    const struct smtp_tls_pol *at)
{
	static const char *const how[] = {
		"Anonymous", "Untrusted", "Trusted", "Verified"
	};
	const char *sn;
	struct str err;
	char *name = NULL, **match = NULL;
	size_t i;
	int verify = level >= TLS_VERIFY, ret = -1, r;

	str_init(&err);
	if (verify)
		match = smtp_tls_pol_names(at, s->host, s->nexthop);
	sn = at->servername ? at->servername :
	    conf_str(P_smtp_tls_servername);
	if (strcasecmp(sn, "hostname") == 0)
		name = xstrdup(s->host);
	else if (strcasecmp(sn, "nexthop") == 0)
		name = smtp_tls_nexthop_name(s->nexthop);
	else if (*sn != 0)
		name = xstrdup(sn);
	for (i = 0; name == NULL && match != NULL && match[i] != NULL; i++)
		/* verify, secure: SNI is the first name checked */
		if (match[i][0] != '.' && match[i][0] != 0)
			name = xstrdup(match[i]);
	if (name == NULL)
		name = xstrdup("");	/* no SNI, as Postfix */
	/* no SNI with an address (RFC 6066) */
	if (strchr(name, ':') || strspn(name, "0123456789.") == strlen(name))
		name[0] = 0;
	if (conf_int(P_smtp_tls_loglevel) >= 2)
		info("setting up TLS connection to %s", s->relay);
	s->io.timeout = (int)conf_time(P_smtp_starttls_timeout);
	if ((r = tls_client_start(&s->io, tc, name,
	    (const char *const *)match, &err)) < 0) {
		if (r == -2) {
			/* Postfix's words: "server" for the dates, names */
			info("%scertificate verification failed for %s: %s",
			    strncmp(err.s, "certificate", 11) == 0 ||
			    strncmp(err.s, "num=", 4) == 0 ? "server " : "",
			    s->relay, err.s);
			fail(s, "4.7.5", "Server certificate not verified");
		} else {
			if (conf_int(P_smtp_tls_loglevel) >= 1 || verify)
				info("SSL_connect error to %s: %s", s->relay,
				    err.s);
			fail(s, "4.7.5", "Cannot start TLS: handshake "
			    "failure");
		}
		/* the stream is in an unknown state: no QUIT */
		s->io.wbuf.len = 0;
		close(s->fd);
		s->fd = -1;
		goto out;
	}
	s->tls_active = 1;
	if (conf_int(P_smtp_tls_loglevel) >= 1)
		info("%s TLS connection established to %s: %s",
		    how[tls_peer_status(&s->io)], s->relay,
		    tls_session_info(&s->io));
	ret = 0;
out:
	free(name);
	smtp_tls_names_free(match);
	str_free(&err);
	return ret;
}

/*
 * smtp_helo - the greeting, then EHLO (HELO when EHLO is refused) or
 * LHLO; the server's features in s->features.  With TLS
 * (smtp_tls_security_level, smtp_tls_policy_maps): the handshake at
 * connect (smtp_tls_wrappermode), or STARTTLS and EHLO again.  0, or -1
 * with the failure ("host H[ip] refused to talk to me: 554 ...", "TLS
 * is required, but was not offered by host H[ip]").
 */
int
smtp_helo(struct smtp_sess *s)
{
	struct tls_conf *tc = NULL;
	struct smtp_tls_pol at;
	int level, ret = -1;

	s->tls_retry_plain = 0;
	memset(&at, 0, sizeof(at));
	if (s->tls_off)
		level = TLS_NONE;
	else if (smtp_tls_pol_find(&at, s->nexthop, s->lmtp) < 0) {
		fail(s, "4.7.5", "client TLS configuration problem");
		goto out;
	} else
		level = at.level;
	if (level > TLS_NONE && conf_bool(P_smtp_tls_wrappermode)) {
		if (level < TLS_ENCRYPT)
			level = TLS_ENCRYPT;
		if ((tc = tls_prepare(s, level, &at)) == NULL ||
		    tls_begin(s, tc, level, &at) < 0)
			goto out;
		ret = hello(s, 1);
		goto out;
	}
	if (hello(s, 1) < 0)
		goto out;
	if (level == TLS_NONE && (s->features & SMTP_F_STARTTLS) &&
	    !s->tls_off &&
	    conf_bool(P_smtp_tls_note_starttls_offer))
		info("Host offered STARTTLS: [%s]", s->host);
	if (level > TLS_NONE && (s->features & SMTP_F_STARTTLS) &&
	    (tc = tls_prepare(s, level, &at)) == NULL) {
		if (level >= TLS_ENCRYPT)
			goto out;
		level = TLS_NONE;	/* may: plaintext, as warned */
	}
	if (level == TLS_NONE) {
		ret = 0;
		goto out;
	}
	if (!(s->features & SMTP_F_STARTTLS)) {
		if (level >= TLS_ENCRYPT) {
			fail(s, "4.7.4", "TLS is required, but was not "
			    "offered by host %s", s->namaddr);
			goto out;
		}
		ret = 0;
		goto out;
	}
	io_puts(&s->io, "STARTTLS\r\n");
	if (flush(s, s->t_helo, "sending the STARTTLS command") < 0 ||
	    get_reply(s, s->t_helo, "receiving the STARTTLS response",
	    NULL) < 0)
		goto out;
	if (s->reply.code / 100 != 2) {
		if (level >= TLS_ENCRYPT) {
			fail(s, "4.7.4", "TLS is required, but host %s "
			    "refused to start TLS: %s", s->namaddr,
			    s->reply.text.s);
			goto out;
		}
		ret = 0;	/* opportunistic: go on in plaintext */
		goto out;
	}
	if (io_pending(&s->io) > 0) {
		/* bytes after "220 Ready": an injection attempt */
		io_discard(&s->io);
		fail(s, "4.7.5", "Cannot start TLS: handshake failure "
		    "(unexpected data after STARTTLS reply from %s)",
		    s->namaddr);
		close(s->fd);
		s->fd = -1;
		goto out;
	}
	if (tls_begin(s, tc, level, &at) < 0) {
		/* opportunistic: Postfix tries the server again in plaintext */
		if (level == TLS_MAY && s->why.len > 0 &&
		    strstr(s->why.s, "Server certificate") == NULL)
			s->tls_retry_plain = 1;
		goto out;
	}
	ret = hello(s, 0);
out:
	smtp_tls_pol_free(&at);
	return ret;
}

/*
 * smtp_greet - smtp_helo(); when an opportunistic ("may") TLS handshake
 * failed, a new connection to a without TLS and smtp_helo() again, as
 * Postfix does.  0, or -1 with the failure.
 */
int
smtp_greet(struct smtp_sess *s, const struct smtp_addr *a)
{
	int r;

	if (smtp_helo(s) == 0)
		return 0;
	if (!s->tls_retry_plain)
		return -1;
	info("%s: %s; trying again without TLS", s->relay, s->why.s);
	smtp_close(s);
	s->tls_off = 1;
	r = smtp_connect(s, a) < 0 ? -1 : smtp_helo(s);
	s->tls_off = 0;
	return r;
}

/* SMTP AUTH (SASL PLAIN and LOGIN) ------------------------------------ */

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
sasl_lookup(struct smtp_sess *s, struct maps *m, const char *nexthop,
    const char *sender, const char **val)
{
	char *k, *c;
	int r;

	if (sender && *sender && conf_bool(P_smtp_sender_dependent_authentication)
	    && (r = maps_addr_find(m, sender, NULL, NULL, NULL, val, NULL)) != 0)
		return r;
	if (s->host && (r = maps_find(m, s->host, MAPS_FULL, val)) != 0)
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
			warn("unknown %s_sasl_%ssecurity_options value \"%.*s\" "
			    "in \"%s\"", s->lmtp ? "lmtp" : "smtp",
			    s->tls_active ? "tls_" : "", (int)n, p, opts);
			fail(s, "4.7.0", "SASL authentication failed; cannot "
			    "authenticate to server %s: SASL configuration "
			    "problem", s->namaddr);
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
	tls_load_keys();
	if (sasl_maps == NULL && conf_bool(P_smtp_sasl_auth_enable) &&
	    *conf_str(P_smtp_sasl_password_maps))
		sasl_maps = maps_open("smtp_sasl_password_maps",
		    conf_str(P_smtp_sasl_password_maps), DICT_FOLD);
}

/* one AUTH exchange step: send line (not logged), read the reply */
static int
auth_step(struct smtp_sess *s, const struct str *line)
{
	io_write(&s->io, line->s, line->len);
	if (flush(s, s->t_helo, "performing the AUTH handshake") < 0 ||
	    get_reply(s, s->t_helo, "performing the AUTH handshake",
	    NULL) < 0)
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
	r = sasl_lookup(s, sasl_maps, nexthop, sender, &val);
	if (r > 0) {
		user = xstrdup(val);
		ulen = strlen(user);
	}
	if (r < 0) {
		fail(s, "4.3.0", "SASL authentication failed; cannot "
		    "authenticate to server %s: table lookup error", s->namaddr);
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
		fail(s, "4.7.0", "SASL authentication failed; cannot "
		    "authenticate to server %s: no mechanism available",
		    s->namaddr);
		goto out;
	}
	str_reset(&line);
	if (strcmp(mech, "PLAIN") == 0) {
		struct str cred = STR_INIT;

		str_init(&cred);
		str_addc(&cred, 0);
		str_adds(&cred, user);
		str_addc(&cred, 0);
		str_adds(&cred, pass);
		str_adds(&line, "AUTH PLAIN ");
		b64_encode(cred.s, cred.len, &line);
		str_adds(&line, "\r\n");
		memset(cred.s, 0, cred.len);
		str_free(&cred);
		if (auth_step(s, &line) < 0)
			goto out;
	} else if (strcmp(mech, "CRAM-MD5") == 0) {
		str_adds(&line, "AUTH CRAM-MD5\r\n");
		if (auth_step(s, &line) < 0)
			goto out;
		if (s->reply.code == 334) {
			br_hmac_key_context kc;
			br_hmac_context hc;
			unsigned char mac[16];
			struct str ch = STR_INIT;

			str_init(&ch);
			str_reset(&line);
			if (s->reply.text.len < 4 ||
			    b64_decode(s->reply.text.s + 4,
			    strcspn(s->reply.text.s + 4, " "), &ch) < 0) {
				str_free(&ch);
				io_puts(&s->io, "*\r\n");
				fail(s, "4.7.0", "SASL authentication failed; "
				    "cannot authenticate to server %s: "
				    "malformed challenge", s->namaddr);
				(void)flush(s, s->t_helo, "performing the AUTH "
				    "handshake");
				goto out;
			}
			br_hmac_key_init(&kc, &br_md5_vtable, pass,
			    strlen(pass));
			br_hmac_init(&hc, &kc, 0);
			br_hmac_update(&hc, ch.s, ch.len);
			br_hmac_out(&hc, mac);
			str_free(&ch);
			str_adds(&ch, user);
			str_addc(&ch, ' ');
			for (n = 0; n < sizeof(mac); n++)
				str_addf(&ch, "%02x", mac[n]);
			b64_encode(ch.s, ch.len, &line);
			str_adds(&line, "\r\n");
			str_free(&ch);
			memset(&kc, 0, sizeof(kc));
			memset(&hc, 0, sizeof(hc));
			if (auth_step(s, &line) < 0)
				goto out;
		}
	} else {
		str_adds(&line, "AUTH LOGIN\r\n");
		if (auth_step(s, &line) < 0)
			goto out;
		if (s->reply.code == 334) {
			str_reset(&line);
			b64_encode(user, strlen(user), &line);
			str_adds(&line, "\r\n");
			if (auth_step(s, &line) < 0)
				goto out;
		}
		if (s->reply.code == 334) {
			str_reset(&line);
			b64_encode(pass, strlen(pass), &line);
			str_adds(&line, "\r\n");
			if (auth_step(s, &line) < 0)
				goto out;
		}
	}
	if (s->reply.code / 100 == 2) {
		s->authed = 1;
		ret = 0;
		goto out;
	}
	{
		char dsn[SMTP_DSN_MAX];

		/* a refused login defers: the password may be fixed */
		str_copy(dsn, s->reply.dsn, sizeof(dsn));
		dsn[0] = '4';
		fail(s, dsn, "SASL authentication failed; server %s said: %s",
		    s->namaddr, s->reply.text.s);
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

/* RFC 3461 xtext */
static void
xtext(struct str *out, const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++)
		if (*p < 33 || *p > 126 || *p == '+' || *p == '=')
			str_addf(out, "+%02X", *p);
		else
			str_addc(out, *p);
}

/*
 * a control character (CR, LF, NUL, ...) in an envelope address, which
 * no quoting can carry: from a queue file of an older version or made by
 * hand, written raw it would end the command early and smuggle others
 */
static int
bad_addr(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 32 || *s == 127)
			return 1;
	return 0;
}

/* an RFC 5322 atom: RFC 3461 4.2 wants one as ORCPT's addr-type */
static int
dsn_atom(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] == 0 || (!isalnum((unsigned char)s[i]) &&
		    strchr("!#$%&'*+-/=?^_`{|}~", s[i]) == NULL))
			return 0;
	return 1;
}

/* an address as RFC 5321 wants it: the local part quoted when needed */
static void
quote_addr(struct str *out, const char *addr)
{
	const char *at = strrchr(addr, '@'), *p, *end;
	int quote = 0;

	end = at ? at : addr + strlen(addr);
	if (end == addr && at)
		quote = 1;
	for (p = addr; p < end; p++)
		if (strchr(" \t\"(),:;<>@[\\]", *p) || (unsigned char)*p < 32 ||
		    (*p == '.' && (p == addr || p + 1 == end || p[1] == '.')))
			quote = 1;
	if (!quote) {
		str_adds(out, addr);
		return;
	}
	str_addc(out, '"');
	for (p = addr; p < end; p++) {
		if (*p == '"' || *p == '\\')
			str_addc(out, '\\');
		str_addc(out, *p);
	}
	str_addc(out, '"');
	str_adds(out, end);
}

static int
non_ascii(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s > 127)
			return 1;
	return 0;
}

static void
put_mail(struct smtp_sess *s, const struct smtp_msg *m, const char *sender)
{
	struct str b;

	str_init(&b);
	str_adds(&b, "MAIL FROM:<");
	quote_addr(&b, sender);
	str_addc(&b, '>');
	if (s->features & SMTP_F_SIZE)
		str_addf(&b, " SIZE=%lld", m->size);
	if (m->eightbit && (s->features & SMTP_F_8BITMIME))
		str_adds(&b, " BODY=8BITMIME");
	if (m->smtputf8 && (s->features & SMTP_F_SMTPUTF8))
		str_adds(&b, " SMTPUTF8");
	if (s->features & SMTP_F_DSN) {
		/* RET from the queue file goes out only as one of its words */
		if (m->ret && (strcasecmp(m->ret, "FULL") == 0 ||
		    strcasecmp(m->ret, "HDRS") == 0))
			str_addf(&b, " RET=%s", m->ret);
		if (m->envid && *m->envid) {
			str_adds(&b, " ENVID=");
			xtext(&b, m->envid);
		}
	}
	str_adds(&b, "\r\n");
	io_write(&s->io, b.s, b.len);
	str_free(&b);
}

static void
put_rcpt(struct smtp_sess *s, const struct smtp_rcpt *r, const char *addr)
{
	struct str b;
	const char *semi;
	int n = 0;

	str_init(&b);
	str_adds(&b, "RCPT TO:<");
	quote_addr(&b, addr);
	str_addc(&b, '>');
	if (s->features & SMTP_F_DSN) {
		if (r->notify) {
			str_adds(&b, " NOTIFY=");
			if (r->notify & DSN_NOTIFY_NEVER)
				str_adds(&b, "NEVER");
			else {
				if (r->notify & DSN_NOTIFY_SUCCESS)
					str_adds(&b, n++ ? ",SUCCESS" :
					    "SUCCESS");
				if (r->notify & DSN_NOTIFY_FAILURE)
					str_adds(&b, n++ ? ",FAILURE" :
					    "FAILURE");
				if (r->notify & DSN_NOTIFY_DELAY)
					str_adds(&b, n++ ? ",DELAY" : "DELAY");
			}
		}
		/*
		 * the type must be an atom, the address goes out as xtext:
		 * nothing a queue file holds puts a control byte or a space
		 * into the command (no type: ORCPT is left out)
		 */
		if (r->orcpt && (semi = strchr(r->orcpt, ';')) != NULL &&
		    dsn_atom(r->orcpt, (size_t)(semi - r->orcpt))) {
			str_adds(&b, " ORCPT=");
			str_addmem(&b, r->orcpt, (size_t)(semi - r->orcpt) + 1);
			xtext(&b, semi + 1);
		}
	}
	str_adds(&b, "\r\n");
	io_write(&s->io, b.s, b.len);
	str_free(&b);
}

/*
 * one content line: dot-stuffed, CRLF ended; longer than line_limit, it
 * is folded with "CRLF SPACE" as Postfix does (no piece is longer)
 */
static void
put_line(struct smtp_sess *s, const char *p, size_t len)
{
	size_t lim = s->line_limit, room, i;
	struct str c;

	/*
	 * a CR or LF inside a line (a queue file of an older version or one
	 * made by hand; cleanup replaces them) would end the line early on
	 * the wire: SMTP smuggling.  It goes out as a space, as cleanup's
	 * cleanup_replace_stray_cr_lf does.
	 */
	if (memchr(p, '\r', len) != NULL || memchr(p, '\n', len) != NULL) {
		str_init(&c);
		str_addmem(&c, p, len);
		for (i = 0; i < len; i++)
			if (c.s[i] == '\r' || c.s[i] == '\n')
				c.s[i] = ' ';
		put_line(s, c.s, len);
		str_free(&c);
		return;
	}

	if (len && p[0] == '.')
		io_write(&s->io, ".", 1);
	room = lim && len && p[0] == '.' ? lim - 1 : lim;
	while (lim && len > room) {
		io_write(&s->io, p, room);
		io_write(&s->io, "\r\n ", 3);
		p += room;
		len -= room;
		room = lim - 1;
	}
	io_write(&s->io, p, len);
	io_write(&s->io, "\r\n", 2);
}

static void
emit_line(void *ctx, const char *p, size_t len)
{
	put_line(ctx, p, len);
}

/* the content; 0, -1 lost connection, -2 the message could not be read */
static int
put_body(struct smtp_sess *s, struct smtp_msg *m)
{
	struct smtp_generic g;
	struct str line;
	int r;

	str_init(&line);
	if (m->rewind && m->rewind(m->ctx) < 0) {
		str_free(&line);
		return -2;
	}
	smtp_generic_init(&g);
	while ((r = m->line(m->ctx, &line)) == 1) {
		smtp_generic_line(&g, line.s, line.len, emit_line, s);
		if (s->io.wbuf.len >= BODY_FLUSH &&
		    flush(s, s->t_data_xfer, "sending message body") < 0)
			break;
	}
	smtp_generic_end(&g, r == 0 ? emit_line : NULL, s);
	str_free(&line);
	if (r < 0)
		return -2;
	if (r == 1)
		return -1;
	return 0;
}

static int
cmd_timeout(const struct smtp_sess *s, int c)
{
	return c == C_MAIL ? s->t_mail : c == C_RCPT ? s->t_rcpt :
	    c == C_DATA ? s->t_data_init : c == C_DOT ? s->t_data_done :
	    s->t_quit;
}

/* every recipient still open gets the same result */
static void
all_open(struct smtp_rcpt *r, size_t n, const char *accepted, int code,
    const char *dsn, const char *text)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (r[i].status == 0 && (accepted == NULL || accepted[i]))
			rcpt_set(&r[i], code, dsn, "%s", text);
}

static void
said(struct smtp_sess *s, struct str *t, int c)
{
	str_reset(t);
	str_addf(t, "host %s said: %s (in reply to %s)", s->namaddr,
	    s->reply.text.s, state_cmd[c]);
}

/*
 * smtp_xfer - one mail transaction: MAIL, RCPT each, DATA, content,
 * end of data.  Each recipient gets its result (status 2, 4 or 5 with
 * Postfix's text) when the server gave one; returns 0.  Returns -1 when
 * the session broke (lost connection, timeout, malformed reply): the
 * failure is in status/dsn/why, and recipients without a result were
 * not delivered.
 */
int
smtp_xfer(struct smtp_sess *s, struct smtp_msg *m, struct smtp_rcpt *r,
    size_t n)
{
	struct str t, *env;
	char *acc;
	size_t sent = 0, got = 0, last = n + 1, nacc = 0, nbad, i;
	int pipe = (s->features & SMTP_F_PIPELINING) != 0, mail_ok = 1;
	int c, data_ok = 0, ret = -1, e;

	str_init(&t);
	acc = xcalloc(n ? n : 1, 1);
	/* the envelope as it leaves: env[0] the sender, env[1..n] */
	env = xcalloc(n + 1, sizeof(*env));
	for (i = 0; i <= n; i++) {
		str_init(&env[i]);
		if (smtp_generic_addr(i ? RW_ENV_RCPT : RW_ENV_SENDER,
		    i ? r[i - 1].addr : m->sender, &env[i]) < 0) {
			all_open(r, n, NULL, 450, "4.3.0",
			    "smtp_generic_maps lookup error");
			ret = 0;
			goto out;
		}
	}
	/* refused here, never written: a control character in an address */
	if (bad_addr(env[0].s)) {
		all_open(r, n, NULL, 550, "5.1.7", "bad sender address syntax");
		ret = 0;
		goto out;
	}
	for (i = 0, nbad = 0; i < n; i++)
		if (bad_addr(env[i + 1].s)) {
			rcpt_set(&r[i], 550, "5.1.3",
			    "bad recipient address syntax");
			nbad++;
		}
	if (n > 0 && nbad == n) {
		ret = 0;
		goto out;
	}
	if ((s->features & SMTP_F_SIZE) && s->size_limit > 0 &&
	    m->size > s->size_limit) {
		str_addf(&t, "message size %lld exceeds size limit %lld of "
		    "server %s", m->size, s->size_limit, s->namaddr);
		all_open(r, n, NULL, 550, "5.3.4", t.s);
		ret = 0;
		goto out;
	}
	if (m->smtputf8 && !(s->features & SMTP_F_SMTPUTF8)) {
		int need = non_ascii(m->sender);

		for (i = 0; i < n && !need; i++)
			need = non_ascii(r[i].addr);
		if (need) {
			str_addf(&t, "SMTPUTF8 is required, but was not "
			    "offered by host %s", s->namaddr);
			all_open(r, n, NULL, 550, "5.6.7", t.s);
			ret = 0;
			goto out;
		}
	}
	/* commands 0 (MAIL), 1..n (RCPT), n + 1 (DATA) */
	while (got <= last) {
		while (sent <= last && (sent == got || (pipe &&
		    sent - got < PIPE_MAX))) {
			if (sent == 0)
				put_mail(s, m, env[0].s);
			else if (sent <= n) {
				if (!bad_addr(env[sent].s))
					put_rcpt(s, &r[sent - 1], env[sent].s);
			} else
				io_puts(&s->io, "DATA\r\n");
			sent++;
		}
		c = got == 0 ? C_MAIL : got <= n ? C_RCPT : C_DATA;
		if (c == C_RCPT && bad_addr(env[got].s))
			;	/* refused above: no command, no reply */
		else if (flush(s, cmd_timeout(s, c), state_where[c]) < 0 ||
		    get_reply(s, cmd_timeout(s, c), state_where[c], NULL) < 0)
			goto out;
		else if (c == C_MAIL && s->reply.code / 100 != 2) {
			said(s, &t, C_MAIL);
			all_open(r, n, NULL, s->reply.code, s->reply.dsn, t.s);
			mail_ok = 0;
		} else if (c == C_RCPT && mail_ok) {
			i = got - 1;
			if (s->reply.code / 100 == 2) {
				acc[i] = 1;
				nacc++;
			} else {
				said(s, &t, C_RCPT);
				rcpt_set(&r[i], s->reply.code, s->reply.dsn,
				    "%s", t.s);
			}
		} else if (c == C_DATA) {
			if (s->reply.code == 354 && (!mail_ok || nacc == 0)) {
				/* nothing to send: an empty message, aborted */
				io_puts(&s->io, ".\r\n");
				if (flush(s, s->t_data_done,
				    state_where[C_DOT]) < 0 ||
				    get_reply(s, s->t_data_done,
				    state_where[C_DOT], NULL) < 0)
					goto out;
			} else if (mail_ok && nacc && s->reply.code != 354) {
				said(s, &t, C_DATA);
				all_open(r, n, acc, s->reply.code,
				    s->reply.dsn, t.s);
			} else if (mail_ok && nacc)
				data_ok = 1;
		}
		got++;
		/* without pipelining, stop when nothing is left to do */
		if (!pipe && got == sent && (!mail_ok || (got == n + 1 &&
		    nacc == 0)))
			break;
	}
	if (!data_ok) {
		ret = 0;
		goto out;
	}
	if ((e = put_body(s, m)) == -1)
		goto out;
	if (e == -2) {
		/* never "." after part of a message: drop the session */
		all_open(r, n, acc, 450, "4.3.0", "error reading the queue "
		    "file");
		smtp_close(s);
		ret = 0;
		goto out;
	}
	io_puts(&s->io, ".\r\n");
	if (flush(s, s->t_data_xfer, "sending message body") < 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (!acc[i] || r[i].status)
			continue;
		if (get_reply(s, s->t_data_done, state_where[C_DOT], NULL) < 0)
			goto out;
		if (s->reply.code / 100 == 2) {
			str_reset(&t);
			str_adds(&t, s->reply.text.s);
		} else
			said(s, &t, C_DOT);
		if (s->lmtp)
			rcpt_set(&r[i], s->reply.code, s->reply.dsn, "%s",
			    t.s);
		else {
			all_open(r, n, acc, s->reply.code, s->reply.dsn, t.s);
			break;
		}
	}
	ret = 0;
out:
	for (i = 0; i <= n; i++)
		str_free(&env[i]);
	free(env);
	free(acc);
	str_free(&t);
	return ret;
}

/* smtp_quit - say QUIT (Postfix does not wait for the reply) */
void
smtp_quit(struct smtp_sess *s)
{
	if (s->fd < 0)
		return;
	io_puts(&s->io, "QUIT\r\n");
	s->io.timeout = s->t_quit;
	(void)io_flush(&s->io);
}

/* smtp_close - drop the connection */
void
smtp_close(struct smtp_sess *s)
{
	if (s->io.ctx != NULL)
		tls_stop(&s->io);
	s->tls_active = 0;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	io_free(&s->io);
	io_init(&s->io, -1, 0);
}

/* smtp_sess_free - close and release everything */
void
smtp_sess_free(struct smtp_sess *s)
{
	smtp_close(s);
	io_free(&s->io);
	free(s->host);
	free(s->addr);
	free(s->namaddr);
	free(s->relay);
	free(s->helo_name);
	free(s->auth_mechs);
	s->auth_mechs = NULL;
	str_free(&s->reply.text);
	str_free(&s->why);
	s->host = s->addr = s->namaddr = s->relay = s->helo_name = NULL;
}

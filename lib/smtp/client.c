/* MIT licence: see LICENSE. */
/*
 * smtp/client.c - the SMTP/LMTP client session: connect, greeting, EHLO
 * (HELO fallback) or LHLO and the features it names, replies, QUIT,
 * close.  Every read and write has its Postfix timeout (smtp_*_timeout);
 * replies are parsed strictly and kept bounded.  Failure texts are
 * Postfix's: "connect to H[ip]:25: Connection refused", "lost connection
 * with H[ip] while sending message body", "conversation with H[ip] timed
 * out while receiving the initial server greeting".  With loop_detect
 * (the smtp agent, port 25), an EHLO reply that names $myhostname is
 * "mail for NEXTHOP loops back to myself": 5.4.6 from a best MX host,
 * 4.4.6 (try the next) from another; a greeting that names it is only
 * logged.  TLS is in client_tls.c, SMTP AUTH in client_auth.c, the mail
 * transaction in client_xfer.c.
 *
 * Run inside the smtp and lmtp delivery agents (as mail_owner) and the
 * sendmail command's relay mode (as its user).  Man page: smtp(8).
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../../config.h"
#include "../conf.h"
#include "../io.h"
#include "../log.h"
#include "../num.h"
#include "../str.h"
#include "../svc.h"
#include "../tls.h"
#include "../x.h"
#include "addr.h"
#include "client_int.h"

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

/*
 * smtp_fail - the session's failure as a whole: status from the DSN's
 * class, the DSN, the text
 */
void
smtp_fail(struct smtp_sess *s, const char *dsn, const char *fmt, ...)
{
	va_list ap;

	s->status = dsn[0] == '5' ? 5 : 4;
	str_copy(s->dsn, dsn, sizeof(s->dsn));
	str_reset(&s->why);
	va_start(ap, fmt);
	str_vaddf(&s->why, fmt, ap);
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
	free(s->auth_user);
	s->auth_user = NULL;
	s->born = svc_serve_now();
	s->reuse_count = 0;
	memset(&ss, 0, sizeof(ss));
	if (a->family == AF_UNIX) {
		struct sockaddr_un *sun = (struct sockaddr_un *)&ss;

		if (strlen(a->addr) >= sizeof(sun->sun_path)) {
			smtp_fail(s, "4.3.5", "connect to %s: %s", s->namaddr,
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
		smtp_fail(s, "4.4.1", "connect to %s: %s", s->namaddr,
		    errtext(e));
	else
		smtp_fail(s, "4.4.1", "connect to %s:%d: %s", s->namaddr,
		    a->port, errtext(e));
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
		smtp_fail(s, "4.4.2", "conversation with %s timed out while %s",
		    s->namaddr, where);
	else
		smtp_fail(s, "4.4.2", "lost connection with %s while %s",
		    s->namaddr, where);
}

/*
 * smtp_get_reply - one reply into s->reply (every line, when lines is
 * not NULL, LF separated): 0, or -1 with the session's failure (lost
 * connection, timeout, malformed reply)
 */
int
smtp_get_reply(struct smtp_sess *s, int timeout, const char *where,
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
	smtp_fail(s, "4.5.0", "malformed reply from %s while %s", s->namaddr,
	    where);
bad:
	str_free(&line);
	smtp_close(s);
	return -1;
}

/* smtp_flush - send what is queued within timeout; -1 with the failure */
int
smtp_flush(struct smtp_sess *s, int timeout, const char *where)
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
	smtp_fail(s, dsn, "host %s refused to talk to me: %s", s->namaddr,
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

/* smtp_hello - the greeting (when greet), then EHLO, HELO or LHLO */
int
smtp_hello(struct smtp_sess *s, int greet)
{
	struct str lines;
	int ret = -1;

	str_init(&lines);
	if (greet) {
		if (smtp_get_reply(s, s->t_helo,
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
		if (smtp_flush(s, s->t_helo,
		    "performing the LHLO handshake") < 0 ||
		    smtp_get_reply(s, s->t_helo,
		    "performing the LHLO handshake", &lines) < 0)
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
	if (smtp_flush(s, s->t_helo, "performing the EHLO handshake") < 0 ||
	    smtp_get_reply(s, s->t_helo, "performing the EHLO handshake",
	    &lines) < 0)
		goto out;
	if (s->reply.code / 100 == 2 && names_me(s, lines.s, " \t=\n")) {
		warn("host %s replied to HELO/EHLO with my own hostname %s",
		    s->relay, conf_str(P_myhostname));
		smtp_fail(s, s->best_mx ? "5.4.6" : "4.4.6", "mail for %s "
		    "loops back to myself", s->nexthop ? s->nexthop : s->host);
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
	if (smtp_flush(s, s->t_helo, "performing the HELO handshake") < 0 ||
	    smtp_get_reply(s, s->t_helo, "performing the HELO handshake",
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

/*
 * smtp_rset - RSET, as Postfix probes a cached connection before it uses
 * it again: 0 after a 2xx reply; -1 with the failure when the connection
 * is gone or the server refused (the caller closes it).
 */
int
smtp_rset(struct smtp_sess *s)
{
	int t = (int)conf_time(P_smtp_rset_timeout);

	if (s->fd < 0) {
		smtp_fail(s, "4.4.2", "lost connection with %s while sending "
		    "RSET", s->namaddr);
		return -1;
	}
	io_puts(&s->io, "RSET\r\n");
	if (smtp_flush(s, t, "sending RSET") < 0 ||
	    smtp_get_reply(s, t, "receiving the RSET response", NULL) < 0)
		return -1;
	if (s->reply.code / 100 != 2) {
		smtp_fail(s, s->reply.code / 100 == 5 ? "5.5.0" : "4.5.0",
		    "host %s said: %s (in reply to RSET command)",
		    s->namaddr, s->reply.text.s);
		return -1;
	}
	return 0;
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
	free(s->auth_user);
	s->auth_user = NULL;
	str_free(&s->reply.text);
	str_free(&s->why);
	s->host = s->addr = s->namaddr = s->relay = s->helo_name = NULL;
}

/* smtp_sess_new - smtp_sess_init() on the heap (sessions the cache keeps) */
struct smtp_sess *
smtp_sess_new(int lmtp)
{
	struct smtp_sess *s = xmalloc(sizeof(*s));

	smtp_sess_init(s, lmtp);
	return s;
}

/* smtp_sess_destroy - smtp_sess_free() and the memory of smtp_sess_new() */
void
smtp_sess_destroy(struct smtp_sess *s)
{
	if (s == NULL)
		return;
	smtp_sess_free(s);
	free(s);
}

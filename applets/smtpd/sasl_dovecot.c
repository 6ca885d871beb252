/* MIT licence: see LICENSE. */
/*
 * sasl_dovecot.c - the Dovecot SASL back end (smtpd_sasl_type =
 * dovecot): the client side of Dovecot's authentication protocol,
 * version 1, on the socket smtpd_sasl_path ("private/auth" is relative
 * to queue_directory, "/run/dovecot/auth-client" absolute, "unix:path"
 * the same, "inet:host:port" TCP).
 *
 * The handshake: we send "VERSION 1 1" and "CPID pid"; the server
 * answers VERSION (the major number must be 1), a MECH line per
 * mechanism with its properties (plaintext, dictionary, ...), SPID,
 * CUID, COOKIE and DONE.  An exchange: "AUTH id mech service=smtp
 * nologin lip= rip= [secured] [resp=base64]", then the server's "CONT
 * id base64" (a challenge; the client's answer goes back as "CONT id
 * base64"), "OK id user=name ..." or "FAIL id [reason=text] [temp]
 * [user=name]".  Fields are tab-separated; lines end with LF.
 *
 * As in Postfix: the socket is opened when first needed (at EHLO, so
 * with smtpd's lowered privileges) and kept for the process's later
 * sessions (a failed one is tried again by the next session); a request
 * that cannot be sent reconnects once; every read and write has a
 * 10-second limit.  Postfix's warnings ("SASL: Connect to Dovecot auth
 * socket '...' failed: ...") and reply texts ("Connection lost to
 * authentication server") are kept.  Unlike Postfix, whose smtpd exits
 * ("fatal: no SASL authentication mechanisms") when Dovecot cannot be
 * reached, smtpd then offers no AUTH for the session.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../lib/conf.h"
#include "../../lib/io.h"
#include "../../lib/log.h"
#include "../../lib/num.h"
#include "../../lib/x.h"
#include "sasl.h"

#define DC_TIMEOUT	10		/* seconds per read or write */
#define DC_LINE_MAX	65536		/* longest line from the server */

static struct io dc;			/* the connection; fd -1: none */
static int dc_open;
static int dc_tried;			/* the handshake was tried */
static int dc_ok;			/* ... and it worked */
static struct sasl_mech *mech;
static size_t nmech;
static unsigned req_id;			/* the exchange in progress */

static const struct {
	const char	*name;
	unsigned	bit;
} props[] = {
	{ "plaintext", SASL_SEC_PLAINTEXT },
	{ "active", SASL_SEC_ACTIVE },
	{ "dictionary", SASL_SEC_DICTIONARY },
	{ "anonymous", SASL_SEC_ANONYMOUS },
	{ "forward-secrecy", SASL_SEC_FWD_SECRECY },
	{ "mutual-auth", SASL_SEC_MUTUAL_AUTH },
	{ "private", SASL_SEC_PRIVATE },
};

/* sasl_dovecot_flags - the SASL_SEC_* bits of MECH's tab-separated words */
unsigned
sasl_dovecot_flags(const char *words)
{
	const char *p = words, *e;
	unsigned f = 0;
	size_t i, n;

	while (*p) {
		e = strchr(p, '\t');
		n = e ? (size_t)(e - p) : strlen(p);
		for (i = 0; i < sizeof(props) / sizeof(props[0]); i++)
			if (strlen(props[i].name) == n &&
			    strncasecmp(props[i].name, p, n) == 0)
				f |= props[i].bit;
		p += n;
		if (*p)
			p++;
	}
	return f;
}

/* a SASL mechanism name (RFC 4422 3.1, either case): 1 or 0 */
static int
mech_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= 20 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_") == n;
}

/* forget the mechanisms */
static void
mech_free(void)
{
	size_t i;

	for (i = 0; i < nmech; i++)
		free(mech[i].name);
	nmech = 0;
}

/* the next tab-separated field of *p (in place), or NULL */
static char *
field(char **p)
{
	char *f = *p, *t;

	if (f == NULL)
		return NULL;
	if ((t = strchr(f, '\t')) != NULL) {
		*t = 0;
		*p = t + 1;
	} else {
		*p = NULL;
	}
	return f;
}

/* replace what a log line should not hold */
static void
printable(struct str *s)
{
	size_t i;

	for (i = 0; i < s->len; i++)
		if ((unsigned char)s->s[i] < 0x20 || s->s[i] == 0x7f)
			s->s[i] = '?';
}

/*
 * sasl_dovecot_reply - one line from the server (changed in place) as
 * the answer to request id: SASL_OK (user), SASL_MORE (out: the
 * challenge), SASL_FAIL or SASL_TEMP (out: the reason, user if named);
 * -1 when the line is not such an answer (ignore it).
 */
int
sasl_dovecot_reply(char *line, unsigned id, struct str *out,
    struct str *user)
{
	char *p = line, *cmd, *sid, *f;
	long long n;
	int temp = 0;

	cmd = field(&p);
	if (strcmp(cmd, "OK") != 0 && strcmp(cmd, "CONT") != 0 &&
	    strcmp(cmd, "FAIL") != 0)
		return -1;
	sid = field(&p);
	if (sid == NULL || num_parse(sid, 0, 0xffffffffLL, &n) < 0 ||
	    (unsigned)n != id)
		return -1;
	str_reset(out);
	if (strcmp(cmd, "CONT") == 0) {
		if (p == NULL) {
			warn("missing Dovecot server %s reply field", cmd);
			str_set(out, "Authentication backend error");
			return SASL_FAIL;
		}
		str_set(out, p);
		printable(out);		/* it goes to the client as is */
		return SASL_MORE;
	}
	str_reset(user);
	while ((f = field(&p)) != NULL) {
		if (strncmp(f, "user=", 5) == 0) {
			str_set(user, f + 5);
			printable(user);
		} else if (strncmp(f, "reason=", 7) == 0 && *cmd == 'F') {
			str_set(out, f + 7);
			printable(out);
		} else if (strcmp(f, "temp") == 0) {
			temp = 1;
		}
	}
	if (*cmd == 'F')
		return temp ? SASL_TEMP : SASL_FAIL;
	if (user->len == 0) {
		warn("missing Dovecot server %s username field", cmd);
		str_set(out, "Authentication backend error");
		return SASL_FAIL;
	}
	return SASL_OK;
}

static void
dc_close(void)
{
	if (dc_open) {
		close(dc.fd);
		io_free(&dc);
		dc_open = 0;
	}
}

/* wait for a non-blocking connect; 0 or -1 with errno */
static int
connect_wait(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct pollfd p;
	socklen_t el = sizeof(int);
	int r, e = 0;

	if (connect(fd, sa, len) == 0)
		return 0;
	if (errno != EINPROGRESS && errno != EAGAIN)
		return -1;
	p.fd = fd;
	p.events = POLLOUT;
	do
		r = poll(&p, 1, DC_TIMEOUT * 1000);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		errno = ETIMEDOUT;
	if (r <= 0)
		return -1;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0)
		return -1;
	if (e) {
		errno = e;
		return -1;
	}
	return 0;
}

/* "host:port" or "[host]:port" over TCP; fd or -1 with errno */
static int
connect_inet(const char *spec)
{
	struct addrinfo hints, *res = NULL, *ai;
	char *host, *port;
	int fd = -1, e = ECONNREFUSED;

	host = xstrdup(spec);
	if ((port = strrchr(host, ':')) == NULL) {
		free(host);
		errno = EINVAL;
		return -1;
	}
	*port++ = 0;
	if (*host == '[' && port - host >= 3 && port[-2] == ']') {
		port[-2] = 0;
		memmove(host, host + 1, strlen(host + 1) + 1);
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, &res) != 0) {
		free(host);
		errno = EHOSTUNREACH;
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, 0);
		if (fd < 0) {
			e = errno;
			continue;
		}
		if (connect_wait(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		e = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	free(host);
	if (fd < 0)
		errno = e;
	return fd;
}

/* a UNIX-domain socket; fd or -1 with errno */
static int
connect_unix(const char *path)
{
	struct sockaddr_un sun;
	struct str full = STR_INIT;
	int fd, e;

	str_init(&full);
	if (*path != '/')
		str_addf(&full, "%s/", conf_str(P_queue_directory));
	str_adds(&full, path);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (str_copy(sun.sun_path, full.s, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		str_free(&full);
		errno = ENAMETOOLONG;
		return -1;
	}
	str_free(&full);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) < 0)
		return -1;
	if (connect_wait(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* connect and do the handshake (the mechanisms are kept); 0 or -1 */
static int
dc_connect(void)
{
	const char *path = conf_str(P_smtpd_sasl_path);
	struct str line = STR_INIT;
	char *p, *cmd, *name, *maj;
	long long major;
	int fd, have_mech = 0, r = -1;
	unsigned flags;
	ssize_t n;

	dc_close();
	if (strncmp(path, "inet:", 5) == 0)
		fd = connect_inet(path + 5);
	else
		fd = connect_unix(strncmp(path, "unix:", 5) == 0 ?
		    path + 5 : path);
	if (fd < 0) {
		warn("SASL: Connect to Dovecot auth socket '%s' failed: %s",
		    path, strerror(errno));
		return -1;
	}
	(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	io_init(&dc, fd, DC_TIMEOUT);
	dc_open = 1;
	io_printf(&dc, "VERSION\t1\t1\nCPID\t%ld\n", (long)getpid());
	if (io_flush(&dc) < 0) {
		warn("SASL: Couldn't send handshake: %s", strerror(dc.err));
		goto out;
	}
	mech_free();
	str_init(&line);
	for (;;) {
		n = io_getline(&dc, &line, DC_LINE_MAX);
		if (n == IO_TOOLONG)
			continue;
		if (n < 0) {
			warn("SASL: Dovecot auth socket '%s': %s during the "
			    "handshake", path, n == IO_EOF ? "connection "
			    "closed" : strerror(dc.err));
			break;
		}
		if (line.len && line.s[line.len - 1] == '\n')
			str_trunc(&line, line.len - 1);
		p = line.s;
		cmd = field(&p);
		if (strcmp(cmd, "VERSION") == 0) {
			maj = field(&p);
			if (maj == NULL || p == NULL ||
			    num_parse(maj, 0, 1000000, &major) < 0) {
				warn("SASL: Protocol version error");
				break;
			}
			if (major != 1) {
				warn("SASL: Protocol version mismatch "
				    "(%lld vs. 1)", major);
				break;
			}
		} else if (strcmp(cmd, "MECH") == 0 && p) {
			name = field(&p);
			have_mech = 1;
			flags = p ? sasl_dovecot_flags(p) : 0;
			if ((flags & SASL_SEC_PRIVATE) || !mech_name_ok(name))
				continue;
			mech = xreallocarray(mech, nmech + 1, sizeof(*mech));
			mech[nmech].name = xstrdup(name);
			mech[nmech].flags = flags;
			for (p = mech[nmech].name; *p; p++)
				if (*p >= 'a' && *p <= 'z')
					*p = (char)(*p - 'a' + 'A');
			nmech++;
		} else if (strcmp(cmd, "SPID") == 0 && !have_mech) {
			warn("SASL: Connected to wrong auth socket "
			    "(auth-master instead of auth-client)");
			break;
		} else if (strcmp(cmd, "DONE") == 0) {
			r = 0;
			break;
		}
	}
out:
	str_free(&line);
	if (r < 0) {
		mech_free();
		dc_close();
	}
	return r;
}

static int
dc_mechs(const struct sasl_mech **m, size_t *n)
{
	if (!dc_tried) {
		dc_tried = 1;
		dc_ok = dc_connect() == 0;
	}
	*m = mech;
	*n = nmech;
	return dc_ok ? 0 : -1;
}

/* read until the answer to the request in progress */
static int
dc_answer(struct str *out, struct str *user)
{
	struct str line = STR_INIT;
	ssize_t n;
	int r;

	str_init(&line);
	for (;;) {
		n = io_getline(&dc, &line, DC_LINE_MAX);
		if (n == IO_TOOLONG)
			continue;
		if (n < 0) {
			if (n == IO_ERR)
				warn("SASL: Dovecot auth socket '%s': %s",
				    conf_str(P_smtpd_sasl_path),
				    strerror(dc.err));
			dc_close();
			str_set(out, "Connection lost to authentication "
			    "server");
			r = SASL_TEMP;
			break;
		}
		if (line.len && line.s[line.len - 1] == '\n')
			str_trunc(&line, line.len - 1);
		if ((r = sasl_dovecot_reply(line.s, req_id, out, user)) >= 0)
			break;
	}
	str_free(&line);
	return r;
}

/* only base64's letters: nothing that could end a field or a line */
static int
base64_chars(const char *s)
{
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= 'A' && *s <= 'Z') || *s == '+' || *s == '/' ||
		    *s == '='))
			return 0;
	return 1;
}

static int
dc_start(const char *m, const char *init, const struct sasl_peer *peer,
    struct str *out, struct str *user)
{
	int i;

	str_reset(user);
	if (init && !base64_chars(init)) {
		str_set(out, "Invalid base64 data in initial response");
		return SASL_FAIL;
	}
	for (i = 0; i < 2; i++) {
		if (!dc_open && dc_connect() < 0) {
			str_set(out, "Can't connect to authentication server");
			return SASL_TEMP;
		}
		req_id++;
		io_printf(&dc, "AUTH\t%u\t%s\tservice=%s\tnologin\tlip=%s\t"
		    "rip=%s", req_id, m, peer->service, peer->server_addr,
		    peer->client_addr);
		if (peer->tls)
			io_puts(&dc, "\tsecured");
		if (init)
			io_printf(&dc, "\tresp=%s", init);
		io_puts(&dc, "\n");
		if (io_flush(&dc) == 0)
			return dc_answer(out, user);
		dc_close();
	}
	str_set(out, "Can't connect to authentication server");
	return SASL_TEMP;
}

static int
dc_step(const char *resp, struct str *out, struct str *user)
{
	str_reset(user);
	if (!base64_chars(resp)) {
		str_set(out, "Invalid base64 data in continued response");
		return SASL_FAIL;
	}
	if (!dc_open) {
		str_set(out, "Connection lost to authentication server");
		return SASL_TEMP;
	}
	io_printf(&dc, "CONT\t%u\t%s\n", req_id, resp);
	if (io_flush(&dc) < 0) {
		dc_close();
		str_set(out, "Connection lost to authentication server");
		return SASL_TEMP;
	}
	return dc_answer(out, user);
}

static int
dc_setup(void)
{
	return 0;
}

/*
 * the session is over: the connection and the mechanisms stay for the
 * next one (as Postfix's smtpd keeps them), but a server that could not
 * be reached is tried again, so that one failure does not leave the
 * process's later clients without AUTH; an exchange left half done
 * needs nothing: its late answers carry an old id, and are skipped
 */
static void
dc_end(void)
{
	if (!dc_ok)
		dc_tried = 0;
}

const struct sasl_server sasl_dovecot_server = {
	"dovecot", dc_setup, dc_mechs, dc_start, dc_step, dc_end,
};

/* MIT licence: see LICENSE. */
/*
 * sendmail.c - the sendmail(1) command line, as Postfix's: post the
 * message on standard input, or with -b run another program of the mail
 * system (mailq, newaliases, an SMTP session on stdin, postqueue -f).
 *
 * Run by any user, with that user's privileges: mta has no set-id bit.
 * A caller who may write the queue (root, mail_owner, the owner of a
 * rootless queue) hands the message to cleanup; anyone else writes a
 * maildrop file through lib/queue/submit.c (the caller's, mode 0640, group
 * mail_owner's by the set-gid maildrop directory: no other user can
 * list, read or change it), which pickup(8) turns into a queue file.
 * The exit status is 0 only once the message is on disk in one of the
 * two places.
 * Also run as mailq (-bp) and, through postdrop.c, as postdrop.
 * Man pages: sendmail(1), postdrop(1).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "../config.h"
#include "../lib/conf.h"
#include "../lib/log.h"
#include "../lib/queue/queue.h"
#include "../lib/queue/submit.h"
#include "../lib/smtp/relay.h"
#include "../lib/str.h"
#include "../lib/svc.h"
#include "../lib/x.h"

extern char **environ;

int	newaliases_main(int, char **);
int	sendmail_main(int, char **);

/* the longest envelope field: pickup reads records up to QUEUE_PART_MAX */
#define FIELD_MAX	(QUEUE_PART_MAX - 64)

#define USAGE	"usage: sendmail [-bimpqstv] [-B type] [-C config] " \
	"[-F name] [-f sender] [-N dsn] [-R ret] [-V envid] [-o opt] " \
	"[recipient ...]"

/* queue attribute names (REC_ATTR "name=value"), as Postfix's */
#define ATTR_ENVID	ATTR_DSN_ENVID
#define ATTR_RET	ATTR_DSN_RET
#define ATTR_FULLNAME	"full_name"
#define ATTR_CONTEXT	"rewrite_context"
#define ATTR_UID	"uid"

/* what the command line asked for */
struct opts {
	int	mode;		/* -b letter: m (post), i, p, s, d; q */
	int	extract;	/* -t */
	int	dot;		/* a lone "." ends input (not -i, -oi) */
	int	verbose;	/* -v */
	int	maildrop;	/* postdrop: never through cleanup */
	int	notify;		/* -N: DSN_NOTIFY_* bits, 0 if none */
	const char *sender;	/* -f, -r */
	const char *fullname;	/* -F */
	const char *ret;	/* -R: "FULL" or "HDRS" */
	const char *envid;	/* -V */
	const char *encoding;	/* -B: "7bit" or "8bit" */
	const char *context;	/* "local", or "remote" with -G */
	const char *flush;	/* -q: postqueue option "-f", "-s", "-i" */
	const char *flush_arg;	/* ... and its argument */
	char	*confdir;	/* -C */
};

/* the recipients, as internalized addresses */
struct rcpts {
	char	**v;
	size_t	n, max;
};

static void
rcpt_add(void *ctx, const char *addr)
{
	struct rcpts *r = ctx;

	if (r->n == r->max) {
		r->max = r->max ? 2 * r->max : 16;
		r->v = xreallocarray(r->v, r->max, sizeof(*r->v));
	}
	r->v[r->n++] = xstrdup(addr);
}

static void
rcpt_free(struct rcpts *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->v[i]);
	free(r->v);
}

/* address lists ---------------------------------------------------------- */

/*
 * parse_addrs - the addresses of an RFC 5322 address list (a header
 * value, or a command-line argument, which MUAs may write as "Name
 * <addr>, other"), each in internal form (quotes and comments removed),
 * passed to fn.  Groups ("undisclosed-recipients:;") give their members.
 * Returns how many addresses were found; "<>" counts, as an empty one.
 */
static int
parse_addrs(const char *s, size_t len, void (*fn)(void *, const char *),
    void *ctx)
{
	struct str cur = STR_INIT, ang = STR_INIT, *dst;
	size_t i;
	int depth, inang = 0, hasang = 0, n = 0;
	char c;

	str_init(&cur);
	str_init(&ang);
	for (i = 0; i <= len; i++) {
		c = i < len ? s[i] : ',';
		dst = inang ? &ang : &cur;
		if (c == '\\' && i + 1 < len) {
			str_addc(dst, s[++i]);
		} else if (c == '"') {
			for (i++; i < len && s[i] != '"'; i++) {
				if (s[i] == '\\' && i + 1 < len)
					i++;
				str_addc(dst, s[i]);
			}
			if (i >= len)
				i = len - 1;	/* unterminated: end here */
		} else if (c == '(') {
			/* comments nest; a backslash quotes one byte */
			for (depth = 1, i++; i < len && depth > 0; i++) {
				if (s[i] == '\\' && i + 1 < len)
					i++;
				else if (s[i] == '(')
					depth++;
				else if (s[i] == ')')
					depth--;
			}
			i--;
		} else if (c == '<' && !inang) {
			inang = hasang = 1;
			str_reset(&ang);
		} else if (c == '>' && inang) {
			inang = 0;
		} else if (inang) {
			if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
				str_addc(&ang, c);
		} else if (c == ':') {
			/* a group's display name */
			str_reset(&cur);
		} else if (c == ',' || c == ';') {
			dst = hasang ? &ang : &cur;
			if (dst->len > 0 || hasang) {
				fn(ctx, dst->s);
				n++;
			}
			str_reset(&cur);
			str_reset(&ang);
			hasang = 0;
		} else if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
			str_addc(&cur, c);
		}
	}
	str_free(&cur);
	str_free(&ang);
	return n;
}

/* the envelope sender of -f text: its first address, or "" for <> */
static char *
sender_of(const char *text)
{
	struct rcpts r = { NULL, 0, 0 };
	char *s;

	if (parse_addrs(text, strlen(text), rcpt_add, &r) == 0)
		s = xstrdup("");
	else
		s = xstrdup(r.v[0]);
	if (r.n > 1)
		warn("-f option specified malformed sender: %s", text);
	rcpt_free(&r);
	return s;
}

/* standard input --------------------------------------------------------- */

struct rd {
	int	fd;
	int	eof, err;
	size_t	pos, len;
	char	buf[8192];
};

/* piece results */
#define RD_EOF	0	/* no more input */
#define RD_LINE	1	/* a whole line, its line end removed */
#define RD_PART	2	/* limit bytes of a line that goes on */
#define RD_ERR	-1

static int
rd_fill(struct rd *r)
{
	ssize_t n;

	if (r->pos < r->len || r->eof || r->err)
		return r->pos < r->len;
	do
		n = read(r->fd, r->buf, sizeof(r->buf));
	while (n < 0 && errno == EINTR);
	r->pos = 0;
	r->len = n > 0 ? (size_t)n : 0;
	if (n == 0)
		r->eof = 1;
	else if (n < 0)
		r->err = errno;
	return n > 0;
}

/*
 * rd_piece - the next line of input into out, or its next limit bytes
 * when it is longer (RD_PART).  CRs before the LF are removed, as
 * Postfix's sendmail_fix_line_endings = always; a last line without LF
 * counts as a whole line.
 */
static int
rd_piece(struct rd *r, struct str *out, size_t limit)
{
	char *nl;
	size_t n;

	str_reset(out);
	for (;;) {
		if (!rd_fill(r)) {
			if (r->err) {
				errno = r->err;
				return RD_ERR;
			}
			break;
		}
		if (out->len == limit) {
			/* a line of exactly limit bytes is still whole */
			if (r->buf[r->pos] == '\n') {
				r->pos++;
				goto line;
			}
			return RD_PART;
		}
		n = r->len - r->pos;
		if (n > limit - out->len)
			n = limit - out->len;
		if ((nl = memchr(r->buf + r->pos, '\n', n)) != NULL) {
			n = (size_t)(nl - (r->buf + r->pos));
			str_addmem(out, r->buf + r->pos, n);
			r->pos += n + 1;
			goto line;
		}
		str_addmem(out, r->buf + r->pos, n);
		r->pos += n;
	}
	if (out->len == 0)
		return RD_EOF;
line:
	while (out->len > 0 && out->s[out->len - 1] == '\r')
		str_trunc(out, out->len - 1);
	return RD_LINE;
}

/* the message ------------------------------------------------------------ */

struct msg {
	struct opts *o;
	struct submit *s;
	struct rd in;
	size_t	limit;		/* line_length_limit: record size */
	long long maxsize;	/* message_size_limit, 0: none */
	long long size;		/* content bytes so far */
	const char *who;	/* "sender(uid)" for messages */
};

/* the content: text of one line (or a piece of one, if !whole) */
static void
put_text(struct msg *m, const char *s, size_t len, int whole)
{
	m->size += (long long)len + (whole ? 1 : 0);
	if (m->maxsize > 0 && m->size > m->maxsize) {
		submit_abort(m->s);
		die_status(EX_DATAERR, "%s: message file too big", m->who);
	}
	while (len > m->limit || (!whole && len > 0)) {
		size_t n = len > m->limit ? m->limit : len;

		submit_rec(m->s, REC_PART, s, n);
		s += n;
		len -= n;
	}
	if (whole)
		submit_line(m->s, s, len);
}

/* the length of the header name at the start of s, or 0 */
static size_t
header_name(const char *s, size_t len)
{
	size_t i, n;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] > '~' ||
		    s[i] == ':')
			break;
	n = i;
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return n > 0 && i < len && s[i] == ':' ? n : 0;
}

/* the recipients of one logical header (name: value, unfolded) */
static void
extract(const char *h, size_t len, struct rcpts *to, struct rcpts *rto,
    int *resent)
{
	static const char *const names[] = {
		"to", "cc", "bcc", "resent-to", "resent-cc", "resent-bcc",
	};
	size_t i, n = header_name(h, len);
	const char *v;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == n && strncasecmp(h, names[i], n) == 0)
			break;
	if (i == sizeof(names) / sizeof(names[0]))
		return;
	v = memchr(h, ':', len) + 1;
	/* Resent- headers, when there are any, replace the others */
	if (i >= 3) {
		*resent = 1;
		parse_addrs(v, len - (size_t)(v - h), rcpt_add, rto);
	} else if (!*resent) {
		parse_addrs(v, len - (size_t)(v - h), rcpt_add, to);
	}
}

/*
 * read_headers - collect the header block into hdr (lines separated by
 * LF; the last one unfinished if *prevp is RD_PART), extracting the
 * recipients for -t.  Stops at the first line that is neither a header
 * nor a continuation, at the end of input, or past header_size_limit;
 * what follows is body: its first piece is left in line, and its
 * rd_piece() result returned.
 */
static int
read_headers(struct msg *m, struct str *hdr, struct str *line,
    struct rcpts *to, struct rcpts *rto, int *resent, int *prevp)
{
	struct str cur = STR_INIT;	/* the logical header being read */
	size_t k, hmax = (size_t)conf_int(P_header_size_limit);
	int r, skip_from = 1, inhdr = 0, prev = RD_LINE;

	str_init(&cur);
	for (;;) {
		r = rd_piece(&m->in, line, m->limit);
		if (r == RD_LINE && prev == RD_LINE && m->o->dot &&
		    line->len == 1 && line->s[0] == '.')
			r = RD_EOF;
		if (r == RD_EOF || r == RD_ERR)
			break;
		/* mbox "From " lines before the headers are dropped */
		if (skip_from && r == RD_LINE) {
			k = strspn(line->s, ">");
			if (line->len - k >= 5 &&
			    strncmp(line->s + k, "From ", 5) == 0)
				continue;
		}
		skip_from = 0;
		if (prev == RD_LINE) {
			if (inhdr && line->len > 0 && (line->s[0] == ' ' ||
			    line->s[0] == '\t')) {
				/* a continuation line */
			} else if (header_name(line->s, line->len) > 0) {
				if (m->o->extract && cur.len > 0)
					extract(cur.s, cur.len, to, rto,
					    resent);
				str_reset(&cur);
				inhdr = 1;
			} else {
				break;
			}
		}
		if (hdr->len + line->len > hmax)
			break;
		str_addmem(hdr, line->s, line->len);
		str_addmem(&cur, line->s, line->len);
		if (r == RD_LINE)
			str_addc(hdr, '\n');
		prev = r;
	}
	if (m->o->extract && cur.len > 0)
		extract(cur.s, cur.len, to, rto, resent);
	str_free(&cur);
	*prevp = prev;
	return r;
}

/* send the collected header lines; the last may be incomplete */
static void
put_headers(struct msg *m, const struct str *hdr)
{
	const char *p = hdr->s, *end = hdr->s + hdr->len, *nl;

	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL) {
			put_text(m, p, (size_t)(end - p), 0);
			break;
		}
		put_text(m, p, (size_t)(nl - p), 1);
		p = nl + 1;
	}
}

/* the rest of the input, after the first body piece in line */
static void
put_body(struct msg *m, struct str *line, int r, int prev)
{
	for (;;) {
		if (r == RD_LINE && prev == RD_LINE && m->o->dot &&
		    line->len == 1 && line->s[0] == '.')
			return;
		if (r == RD_EOF)
			return;
		if (r == RD_ERR) {
			submit_abort(m->s);
			die_status(EX_DATAERR, "%s: error reading input:",
			    m->who);
		}
		put_text(m, line->s, line->len, r == RD_LINE);
		prev = r;
		r = rd_piece(&m->in, line, m->limit);
	}
}

/* an envelope attribute record "name=value" */
static void
put_attr(struct submit *s, const char *name, const char *value)
{
	struct str a = STR_INIT;

	str_init(&a);
	str_addf(&a, "%s=%s", name, value);
	submit_rec(s, REC_ATTR, a.s, a.len);
	str_free(&a);
}

/* the login name of uid, as the default sender; NULL if none */
static char *
login_name(uid_t uid, char **gecos)
{
	struct passwd *pw;

	*gecos = NULL;
	if ((pw = getpwuid(uid)) == NULL)
		return NULL;
	if (pw->pw_gecos)
		*gecos = xstrdup(pw->pw_gecos);
	return xstrdup(pw->pw_name);
}

/*
 * check_field - an envelope field must fit one queue record, and holds
 * no control characters: pickup would take the file for corrupt
 */
static void
check_field(const struct msg *m, const char *what, const char *s)
{
	const char *p;

	if (strlen(s) > FIELD_MAX)
		die_status(EX_DATAERR, "%s: %s too long", m->who, what);
	for (p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			die_status(EX_DATAERR, "%s: control character in %s",
			    m->who, what);
}

/*
 * check_arg - an address on the command line (-f, -r, a recipient) with
 * a control character in it is refused before it is parsed: the parser
 * takes CR and LF for white space and would make other addresses of it
 * than the one the caller wrote.  A tab is white space there.
 */
static void
check_arg(const char *what, const char *s)
{
	for (; *s; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			die_status(EX_DATAERR, "control character in %s "
			    "argument", what);
}

/* the full name: -F, $NAME, or the GECOS field with & as the login */
static char *
full_name(const char *opt, const char *gecos, const char *login)
{
	struct str s = STR_INIT;
	const char *p;

	if (opt)
		return xstrdup(opt);
	if ((p = getenv("NAME")) != NULL && *p)
		return xstrdup(p);
	if (gecos == NULL || *gecos == 0 || *gecos == ',')
		return NULL;
	str_init(&s);
	for (p = gecos; *p && *p != ','; p++) {
		if (*p == '&' && login && *login) {
			str_addc(&s, *login >= 'a' && *login <= 'z' ?
			    *login - 'a' + 'A' : *login);
			str_adds(&s, login + 1);
		} else {
			str_addc(&s, *p);
		}
	}
	return str_steal(&s);
}

/* may this process write queue files itself (and so talk to cleanup)? */
static int
may_write_queue(void)
{
	struct str path = STR_INIT;
	int ok;

	str_init(&path);
	str_addf(&path, "%s/%s", conf_str(P_queue_directory), Q_INCOMING);
	ok = access(path.s, W_OK | X_OK) == 0;
	str_free(&path);
	return ok;
}

/*
 * the line Postfix's pickup logs for every sendmail submission: mail that
 * goes straight to cleanup logs it here, under pickup's name, so that log
 * readers (pflogsumm) count it as Postfix's would
 */
static void
log_as_pickup(const char *id, long uid, const char *sender)
{
	const char *self = log_applet;

	log_applet = "pickup";
	conf_log(LOG_TO_SYSLOG);
	info_log("%s: uid=%ld from=<%s>", id, uid, sender);
	log_applet = self;
	conf_log(LOG_TO_STDERR | LOG_TO_SYSLOG);
}

/* authorized_submit_users (pickup asks again for maildrop files) */
static void
check_submit(uid_t uid)
{
	struct str who = STR_INIT;
	int r;

	str_init(&who);
	r = submit_allowed(uid, &who);
	if (r < 0)
		die_status(EX_TEMPFAIL, "%s", who.s);
	if (r == 0)
		die_status(EX_NOPERM, "User %s(%ld) is not allowed to submit "
		    "mail", who.s, (long)uid);
	str_free(&who);
}

/* discard the rest of the input, so a pipe writer sees no SIGPIPE */
static void
drain(struct rd *in)
{
	while (rd_fill(in))
		in->pos = in->len;
}

/* post - the default mode: the message on stdin into the queue */
static int
post(struct opts *o, int argc, char **argv)
{
	struct rcpts rcpt = { NULL, 0, 0 }, to = { NULL, 0, 0 },
	    rto = { NULL, 0, 0 }, *xr;
	struct str err = STR_INIT, hdr = STR_INIT, line = STR_INIT,
	    who = STR_INIT;
	struct msg m;
	char *login, *gecos, *sender, *fname, nbuf[16];
	uid_t uid = getuid();
	size_t i;
	int r, prev, how, resent = 0;

	str_init(&err);
	str_init(&hdr);
	str_init(&line);
	str_init(&who);
	login = login_name(uid, &gecos);
	check_submit(uid);
	if (o->sender) {
		check_arg("sender address", o->sender);
		sender = sender_of(o->sender);
	} else if (login)
		sender = xstrdup(login);
	else
		die_status(EX_OSERR, "no login name found for user ID %lu",
		    (unsigned long)uid);
	fname = full_name(o->fullname, gecos, login);
	str_addf(&who, "%s(%ld)", sender, (long)uid);

	memset(&m, 0, sizeof(m));
	m.o = o;
	m.who = who.s;
	m.in.fd = 0;
	/* content records: line_length_limit pieces, as Postfix's */
	m.limit = (size_t)conf_int(P_line_length_limit);
	if (m.limit > QUEUE_PART_MAX)
		m.limit = QUEUE_PART_MAX;
	m.maxsize = conf_int(P_message_size_limit);
	for (i = 0; i < (size_t)argc; i++) {
		check_arg("recipient address", argv[i]);
		if (argv[i][0] == '-' && !conf_bool(P_allow_min_user))
			die_status(EX_USAGE, "%s: unknown option", argv[i]);
		/* an argument with no address is the empty recipient */
		if (parse_addrs(argv[i], strlen(argv[i]), rcpt_add,
		    &rcpt) == 0)
			rcpt_add(&rcpt, "");
	}
	check_field(&m, "sender address", sender);
	for (i = 0; i < rcpt.n; i++)
		check_field(&m, "recipient address", rcpt.v[i]);
	if (fname && strlen(fname) > 1024) {
		warn("%s: full name longer than 1024 bytes: ignored", m.who);
		free(fname);
		fname = NULL;
	}
	if (fname)
		check_field(&m, "full name", fname);

	/* fail before reading the message when the queue is unreachable */
	how = o->maildrop || !may_write_queue() ? SUBMIT_MAILDROP :
	    SUBMIT_CLEANUP;
	/* no queue at all: sendmail, not the queue code, picks the relay */
	if (how == SUBMIT_MAILDROP && !o->maildrop && smtp_relay_wanted())
		how = SUBMIT_SINK;
	if (how == SUBMIT_SINK)
		m.s = submit_open_sink(smtp_relay_id, smtp_relay_send);
	else if ((m.s = submit_open(how, &err)) == NULL &&
	    how == SUBMIT_CLEANUP) {
		warn("%s: cannot reach cleanup: %s; using maildrop", m.who,
		    err.s);
		how = SUBMIT_MAILDROP;
		m.s = submit_open(how, &err);
	}
	if (m.s == NULL)
		die_status(EX_TEMPFAIL, "%s: %s", m.who, err.s);

	r = read_headers(&m, &hdr, &line, &to, &rto, &resent, &prev);
	xr = resent ? &rto : &to;
	for (i = 0; i < xr->n; i++) {
		if (xr->v[i][0] == 0)
			continue;
		check_field(&m, "recipient address", xr->v[i]);
		rcpt_add(&rcpt, xr->v[i]);
	}
	if (rcpt.n == 0) {
		submit_abort(m.s);
		drain(&m.in);
		die_status(EX_USAGE, o->extract ? "%s: No recipient addresses "
		    "found in message header" : "Recipient addresses must be "
		    "specified on the command line or via the -t option",
		    m.who);
	}

	/* the envelope, in the order of Postfix's sendmail */
	if (o->envid)
		put_attr(m.s, ATTR_ENVID, o->envid);
	if (o->ret)
		put_attr(m.s, ATTR_RET, o->ret);
	put_attr(m.s, ATTR_CONTEXT, o->context);
	if (how != SUBMIT_MAILDROP) {
		/* pickup says this for maildrop files, from their owner */
		snprintf(nbuf, sizeof(nbuf), "%ld", (long)uid);
		put_attr(m.s, ATTR_UID, nbuf);
	}
	if (fname)
		put_attr(m.s, ATTR_FULLNAME, fname);
	submit_recs(m.s, REC_FROM, sender);
	if (o->encoding)
		put_attr(m.s, ATTR_ENCODING, o->encoding);
	for (i = 0; i < rcpt.n; i++) {
		if (o->notify) {
			snprintf(nbuf, sizeof(nbuf), "%d", o->notify);
			submit_recs(m.s, REC_NOTIFY, nbuf);
		}
		submit_recs(m.s, REC_RCPT, rcpt.v[i]);
	}
	if (how == SUBMIT_CLEANUP)
		log_as_pickup(submit_id(m.s), (long)uid, sender);
	submit_rec(m.s, REC_MESG, "", 0);
	put_headers(&m, &hdr);
	put_body(&m, &line, r, prev);

	str_reset(&err);
	if ((r = submit_close(m.s, &err)) != 0 && how == SUBMIT_SINK &&
	    err.s[0] == '5') {
		/* nothing keeps the message here: the caller may try again */
		err.s[0] = '4';
		r = 4;
	}
	if (r != 0)
		die_status(r == 5 ? EX_UNAVAILABLE : EX_TEMPFAIL, "%s: %s",
		    m.who, err.s);
	/* pickup looks every few seconds anyway: a failed wake-up is fine */
	if (how == SUBMIT_MAILDROP)
		(void)svc_trigger(conf_str(P_queue_directory), "pickup", "W");
	if (o->verbose)
		fprintf(stderr, "sendmail: queued as %s%s\n", err.s,
		    how == SUBMIT_MAILDROP ? " (maildrop)" : "");
	rcpt_free(&rcpt);
	rcpt_free(&to);
	rcpt_free(&rto);
	str_free(&err);
	str_free(&hdr);
	str_free(&line);
	str_free(&who);
	free(login);
	free(gecos);
	free(sender);
	free(fname);
	return 0;
}

/* other programs --------------------------------------------------------- */

/*
 * run_applet - replace this process by applet name of the same binary
 * (argv[0] picks the applet), with args after the name: the file
 * /proc/self/exe names, else command_directory's mta, else
 * daemon_directory's (svc_exec_self)
 */
static int
run_applet(const char *name, char **args)
{
	char *av[16];
	size_t i;

	av[0] = (char *)name;
	for (i = 0; args && args[i] && i < 14; i++)
		av[i + 1] = args[i];
	av[i + 1] = NULL;
	fflush(NULL);
	svc_exec_self(COMMAND_DIR "/mta", av, environ);
	die_status(EX_UNAVAILABLE, "execute mta as %s:", name);
}

/* -N: "never", or a list of success, delay, failure */
static int
notify_mask(const char *arg)
{
	char *copy, *cp, *w;
	int mask = 0;

	cp = copy = xstrdup(arg);
	while ((w = str_token(&cp, ", \t")) != NULL) {
		if (strcasecmp(w, "never") == 0)
			mask |= DSN_NOTIFY_NEVER;
		else if (strcasecmp(w, "success") == 0)
			mask |= DSN_NOTIFY_SUCCESS;
		else if (strcasecmp(w, "delay") == 0)
			mask |= DSN_NOTIFY_DELAY;
		else if (strcasecmp(w, "failure") == 0)
			mask |= DSN_NOTIFY_FAILURE;
		else
			mask = -1;
		if (mask < 0)
			break;
	}
	free(copy);
	if (mask < 0 || ((mask & DSN_NOTIFY_NEVER) && mask != DSN_NOTIFY_NEVER))
		return 0;
	return mask;
}

/* the directory of -C: main.cf's directory, or the directory itself */
static char *
conf_arg(const char *arg)
{
	struct stat st;
	const char *slash;

	if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode))
		return xstrdup(arg);
	if ((slash = strrchr(arg, '/')) == NULL)
		return xstrdup(".");
	if (slash == arg)
		return xstrdup("/");
	return xstrndup(arg, (size_t)(slash - arg));
}

/* option letters that take an argument and are ignored, as Postfix's */
#define IGNORED_ARG	"AhLOpX"
#define IGNORED		"cemnUx"

/* sendmail_main - sendmail(1), mailq(1) (-bp); postdrop(1) calls it too */
int
sendmail_main(int argc, char **argv)
{
	struct opts o;
	const char *base;
	char *args[4];
	int c, verbose = 0;

	memset(&o, 0, sizeof(o));
	o.mode = 'm';
	o.dot = 1;
	o.context = "local";
	base = argc > 0 && argv[0] ? argv[0] : "sendmail";
	if (strrchr(base, '/'))
		base = strrchr(base, '/') + 1;
	if (strcmp(base, "mailq") == 0)
		o.mode = 'p';
	else if (strcmp(base, "newaliases") == 0)
		o.mode = 'i';
	else if (strcmp(base, "postdrop") == 0)
		o.maildrop = 1;
	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		printf("%s\n", USAGE);
		return 0;
	}
	opterr = 0;
	while ((c = getopt(argc, argv,
	    "+A:B:C:F:GIL:N:O:R:UV:X:b:ce:f:h:imno:p:q::r:tvx")) != -1) {
		if (c != '?' && c != ':' && strchr(IGNORED_ARG IGNORED, c))
			continue;
		switch (c) {
		case 'B':
			if (strcmp(optarg, "8BITMIME") == 0)
				o.encoding = "8bit";
			else if (strcmp(optarg, "7BIT") == 0)
				o.encoding = "7bit";
			else
				die_status(EX_USAGE, "-B option needs "
				    "8BITMIME or 7BIT");
			break;
		case 'C':
			free(o.confdir);
			o.confdir = conf_arg(optarg);
			break;
		case 'F':
			o.fullname = optarg;
			break;
		case 'G':
			o.context = "remote";
			break;
		case 'I':
			o.mode = 'i';
			break;
		case 'N':
			if ((o.notify = notify_mask(optarg)) == 0)
				warn("bad -N option value -- ignored");
			break;
		case 'R':
			if (strcasecmp(optarg, "full") == 0)
				o.ret = "FULL";
			else if (strcasecmp(optarg, "hdrs") == 0)
				o.ret = "HDRS";
			else
				die_status(EX_USAGE, "bad -R option value: "
				    "%s", optarg);
			break;
		case 'V':
			if (*optarg == 0 || strlen(optarg) > 100 ||
			    strspn(optarg, "!\"#$%&'()*+,-./0123456789:;<>?"
			    "@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`"
			    "abcdefghijklmnopqrstuvwxyz{|}~") !=
			    strlen(optarg))
				die_status(EX_USAGE, "Invalid envid: \"%s\"",
				    optarg);
			o.envid = optarg;
			break;
		case 'b':
			if (optarg[0] == 0 || optarg[1] != 0 ||
			    strchr("dimps", optarg[0]) == NULL)
				die_status(EX_USAGE, "unsupported: -b%s",
				    optarg);
			o.mode = optarg[0];
			break;
		case 'f':
		case 'r':
			o.sender = optarg;
			break;
		case 'i':
			o.dot = 0;
			break;
		case 'o':
			/* -oi as -i; -oA, -o7, -o8, -om and the rest ignored */
			if (optarg[0] == 'i' && optarg[1] == 0)
				o.dot = 0;
			break;
		case 'q':
			o.mode = 'q';
			if (optarg == NULL || *optarg == 0) {
				o.flush = "-f";
			} else if (optarg[0] == 'R' && optarg[1]) {
				o.flush = "-s";
				o.flush_arg = optarg + 1;
			} else if (optarg[0] == 'I' && optarg[1]) {
				o.flush = "-i";
				o.flush_arg = optarg + 1;
			} else if (optarg[0] >= '0' && optarg[0] <= '9') {
				/* -q1h: an interval, for -bd only */
				o.flush = NULL;
			} else {
				die_status(EX_USAGE, "-q%s is not supported",
				    optarg);
			}
			break;
		case 't':
			o.extract = 1;
			break;
		case 'v':
			verbose++;
			break;
		default:
			if (optopt && strchr("ABCFLNORVXbefhopr", optopt))
				die_status(EX_USAGE, "option requires an "
				    "argument -- '%c'", optopt);
			die_status(EX_USAGE, "-%c: unknown option; %s",
			    optopt, USAGE);
		}
	}
	o.verbose = verbose;
	argc -= optind;
	argv += optind;
	if (o.confdir && setenv("MAIL_CONFIG", o.confdir, 1) != 0)
		die_status(EX_OSERR, "setenv:");
	if (conf_load(o.confdir, CONF_QUIET) < 0)
		return EX_CONFIG;
	conf_log(LOG_TO_STDERR | LOG_TO_SYSLOG);

	switch (o.mode) {
	case 'i':
		/* newaliases reads $MAIL_CONFIG, set above for -C */
		args[0] = "newaliases";
		args[1] = verbose ? "-v" : NULL;
		args[2] = NULL;
		free(o.confdir);
		optind = 0;
		return newaliases_main(verbose ? 2 : 1, args);
	case 'p':
		args[0] = "-p";
		args[1] = NULL;
		return run_applet("postqueue", args);
	case 's':
		args[0] = "-S";
		args[1] = NULL;
		return run_applet("smtpd", args);
	case 'd':
		args[0] = "start";
		args[1] = NULL;
		return run_applet("postfix", args);
	case 'q':
		if (o.flush == NULL)
			return 0;
		args[0] = (char *)o.flush;
		args[1] = (char *)o.flush_arg;
		args[2] = NULL;
		return run_applet("postqueue", args);
	}
	c = post(&o, argc, argv);
	free(o.confdir);
	return c;
}

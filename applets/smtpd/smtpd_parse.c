/* MIT licence: see LICENSE. */
/*
 * smtpd_parse.c - the syntax of what SMTP clients send: the path of MAIL
 * FROM and RCPT TO, xtext (RFC 3461), NOTIFY, SIZE, UTF-8 checks, and
 * Postfix's neutering of HELO names.  Pure functions on strings: no I/O,
 * no configuration.  Runs in smtpd, unprivileged.  Man page: smtpd(8).
 *
 * Addresses are kept in Postfix's internal form: the <> and the quotes
 * of a quoted local part are removed ("a b"@x -> a b@x), so that tables
 * and cleanup see one spelling of each address.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "../../lib/str.h"
#include "smtpd_sess.h"

#define PATH_MAX_LEN	1024	/* longer paths are refused (RFC: 256) */

/*
 * smtpd_parse_path - read the path at *sp (after "FROM:" or "TO:"; blanks
 * before it allowed) into out, internal form; *sp moves past it.  strict
 * (strict_rfc821_envelopes) requires the <>.  0 ok, -1 bad syntax.
 */
int
smtpd_parse_path(const char **sp, struct str *out, int strict)
{
	const char *s = *sp;
	int angle = 0, quoted = 0, c;

	str_reset(out);
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '<') {
		angle = 1;
		s++;
	} else if (strict || *s == 0) {
		return -1;
	}
	/*
	 * A source route (<@a,@b:u@c>) is accepted and ignored (RFC 5321
	 * 4.1.1.3 and appendix C), as Postfix drops it: replies, logs,
	 * tables and the queue file see u@c; <@a:> is the empty address
	 */
	if (angle && *s == '@') {
		const char *r = s;
		int lit = 0;

		for (; *r && *r != '>' && (lit || *r != ':'); r++) {
			if (*r == '"' || (unsigned char)*r < 0x20 ||
			    *r == 0x7f)
				break;
			if (*r == '[')
				lit = 1;
			else if (*r == ']')
				lit = 0;
		}
		if (*r == ':')
			s = r + 1;
	}
	for (;; s++) {
		c = (unsigned char)*s;
		if (c == 0) {
			if (angle || quoted)
				return -1;
			break;
		}
		if (c < 0x20 || c == 0x7f)
			return -1;
		if (quoted) {
			if (c == '"') {
				quoted = 0;
			} else if (c == '\\') {
				/*
				 * quoted-pairSMTP is %d92 %d32-126 (RFC 5321
				 * 4.1.2): "\<CR>" would carry a raw CR into
				 * Return-Path:, mbox From_ lines and the
				 * commands of the next hop
				 */
				c = (unsigned char)s[1];
				if (c < 0x20 || c == 0x7f)
					return -1;
				str_addc(out, *++s);
			} else {
				str_addc(out, c);
			}
			continue;
		}
		if (c == '"') {
			quoted = 1;
			continue;
		}
		if (angle && c == '>') {
			s++;
			break;
		}
		if (c == ' ' || c == '\t') {
			if (angle)
				return -1;
			break;
		}
		if (strchr("<>()\\;", c))
			return -1;
		str_addc(out, c);
		if (out->len > PATH_MAX_LEN)
			return -1;
	}
	/* a path is followed by blanks or the end, never by more of it */
	if (*s != 0 && *s != ' ' && *s != '\t')
		return -1;
	*sp = s;
	return 0;
}

/*
 * smtpd_parse_addr_ok - the shape of an address from smtpd_parse_path():
 * 1 good, 0 bad.  An empty address is good for a sender only.
 */
int
smtpd_parse_addr_ok(const char *a, int rcpt)
{
	const char *at;

	if (*a == 0)
		return !rcpt;
	/* a source route was dropped; "@" alone is no address */
	if ((at = strrchr(a, '@')) != NULL && at[1] == 0 && at == a)
		return 0;
	return 1;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * smtpd_parse_xtext - decode RFC 3461 xtext into out; -1 on bad syntax.
 * ENVID, ORCPT and AUTH= are printable text, so "+0D" and the like are
 * bad syntax too: a control character decoded here would reach queue
 * files, logs, DSN reports and the next hop's commands.
 */
int
smtpd_parse_xtext(const char *s, struct str *out)
{
	int hi, lo;

	str_reset(out);
	for (; *s; s++) {
		if ((unsigned char)*s < 33 || (unsigned char)*s > 126 ||
		    *s == '=')
			return -1;
		if (*s != '+') {
			str_addc(out, *s);
			continue;
		}
		if ((hi = hexval(s[1])) < 0 || (lo = hexval(s[2])) < 0 ||
		    hi * 16 + lo < 0x20 || hi * 16 + lo == 0x7f)
			return -1;
		str_addc(out, hi * 16 + lo);
		s += 2;
	}
	return 0;
}

/*
 * smtpd_parse_atom - s is an RFC 5322 atom (atext only, not empty): what
 * RFC 3461 4.2 allows as ORCPT's addr-type.  Kept as given in the queue
 * file and written into the next hop's RCPT TO, so no control byte,
 * space or ';' may pass.
 */
int
smtpd_parse_atom(const char *s)
{
	if (*s == 0)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) &&
		    strchr("!#$%&'*+-/=?^_`{|}~", *s) == NULL)
			return 0;
	return 1;
}

/* smtpd_parse_notify - NOTIFY=value as DSN_NOTIFY_* bits; -1 when bad */
int
smtpd_parse_notify(const char *v)
{
	static const struct {
		const char *name;
		int bit;
	} words[] = {
		{ "NEVER", 1 }, { "SUCCESS", 2 }, { "FAILURE", 4 },
		{ "DELAY", 8 },
	};
	size_t i, n;
	int bits = 0, b;

	for (;;) {
		n = strcspn(v, ",");
		for (b = 0, i = 0; i < sizeof(words) / sizeof(words[0]); i++)
			if (n == strlen(words[i].name) &&
			    strncasecmp(v, words[i].name, n) == 0)
				b = words[i].bit;
		if (b == 0 || (bits & b))
			return -1;
		bits |= b;
		if (v[n] == 0)
			break;
		v += n + 1;
	}
	/* NEVER stands alone (RFC 3461 4.1) */
	if ((bits & 1) && bits != 1)
		return -1;
	return bits;
}

/* smtpd_parse_utf8 - 1 when s[0..n) is well-formed UTF-8 */
int
smtpd_parse_utf8(const char *s, size_t n)
{
	static const unsigned long min[4] = { 0, 0x80, 0x800, 0x10000 };
	const unsigned char *p = (const unsigned char *)s, *e = p + n;
	unsigned long cp;
	int k, len;

	while (p < e) {
		if (*p < 0x80) {
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0) {
			len = 1;
			cp = *p & 0x1f;
		} else if ((*p & 0xf0) == 0xe0) {
			len = 2;
			cp = *p & 0x0f;
		} else if ((*p & 0xf8) == 0xf0) {
			len = 3;
			cp = *p & 0x07;
		} else {
			return 0;
		}
		if (e - p <= len)
			return 0;
		for (p++, k = len; k > 0; k--, p++) {
			if ((*p & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (*p & 0x3f);
		}
		/* overlong forms, surrogates, beyond Unicode */
		if (cp < min[len] || (cp >= 0xd800 && cp <= 0xdfff) ||
		    cp > 0x10ffff)
			return 0;
	}
	return 1;
}

/* smtpd_parse_ascii - 1 when s has no byte above 127 */
int
smtpd_parse_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s > 127)
			return 0;
	return 1;
}

/* smtpd_parse_size - SIZE=value: digits only; -1 when bad or too big */
int
smtpd_parse_size(const char *v, long long *out)
{
	long long n = 0;

	if (*v == 0 || strlen(v) > 18)
		return -1;
	for (; *v; v++) {
		if (!isdigit((unsigned char)*v))
			return -1;
		n = n * 10 + (*v - '0');
	}
	*out = n;
	return 0;
}

/*
 * smtpd_parse_neuter - as Postfix does to a HELO name: unprintable bytes
 * and the characters that could break a Received: header become '?'
 */
void
smtpd_parse_neuter(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f ||
		    strchr(" <>()\\\";@", *s))
			*s = '?';
}

/* smtpd_parse_ctl - 1 when s has a control character (0-31, 127) */
int
smtpd_parse_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/*
 * smtpd_parse_escape - s[0..n) for a log line as Postfix's escape()
 * writes it: "EHLO x\r\n", "\\" for a backslash, "\033" for others
 */
void
smtpd_parse_escape(const char *s, size_t n, struct str *out)
{
	static const char named[] = "\aa\bb\ff\nn\rr\tt\vv";
	const char *p;
	size_t i;
	int c;

	str_reset(out);
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '\\')
			str_adds(out, "\\\\");
		else if (c >= 0x20 && c < 0x7f)
			str_addc(out, c);
		else if (c != 0 && (p = strchr(named, c)) != NULL)
			str_addf(out, "\\%c", p[1]);
		else
			str_addf(out, "\\%03o", c);
	}
}

/* MIT licence: see LICENSE. */
/*
 * inet.c - IPv4/IPv6 addresses and CIDR prefixes in text form.
 *
 * Used by any process that reads a cidr: table or matches mynetworks
 * (smtpd, cleanup, postmap); no privileges.  The parsers accept what
 * glibc's inet_pton() accepts, which is what Postfix (on Debian) accepts:
 * dotted quads without leading zeros, and RFC 4291 IPv6 text with at most
 * one "::" and an optional trailing dotted quad.  We do not call the C
 * library's inet_pton() because musl and glibc disagree on corner cases
 * (leading zeros), and a table must mean the same thing on every system.
 * The formatter writes what glibc's inet_ntop() writes, so our messages
 * match Postfix's.  See cidr_table(5).
 *
 * The inet_addr_list functions are Postfix's own_inet_addr(): the
 * addresses an inet_interfaces or proxy_interfaces value names ("all":
 * every interface address, from getifaddrs(); "loopback-only"; numeric
 * addresses; host names, through getaddrinfo()).  Used by the address
 * resolver (user@[192.0.2.1] is local) and the smtp client's "mail loops
 * back to myself" check.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "inet.h"
#include "str.h"
#include "x.h"

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * pton4 - a dotted quad into 4 bytes.  As glibc: exactly four decimal
 * parts of at most 255, no leading zero, nothing else.
 */
static int
pton4(const char *s, unsigned char *out)
{
	unsigned char tmp[4];
	int parts = 0, digits = 0;
	unsigned val = 0;

	for (;; s++) {
		if (*s >= '0' && *s <= '9') {
			if (digits > 0 && val == 0)
				return -1;	/* leading zero */
			val = val * 10 + (unsigned)(*s - '0');
			if (val > 255)
				return -1;
			digits++;
			continue;
		}
		if (digits == 0 || parts == 4)
			return -1;
		tmp[parts++] = (unsigned char)val;
		if (*s == 0)
			break;
		if (*s != '.')
			return -1;
		val = 0;
		digits = 0;
	}
	if (parts != 4)
		return -1;
	memcpy(out, tmp, 4);
	return 0;
}

/*
 * pton6 - IPv6 text into 16 bytes, after BIND's inet_pton6() as glibc
 * has it: 1-4 hex digits per group, one "::" that stands for at least
 * one zero group, an optional dotted quad in the last 32 bits.
 */
static int
pton6(const char *s, unsigned char *out)
{
	unsigned char tmp[16];
	unsigned char *tp = tmp, *end = tmp + 16, *colonp = NULL;
	const char *curtok;
	unsigned val = 0;
	int ndig = 0, d;
	size_t n;

	memset(tmp, 0, sizeof(tmp));
	if (*s == ':' && *++s != ':')
		return -1;
	curtok = s;
	while (*s) {
		int ch = (unsigned char)*s++;

		if ((d = hexval(ch)) >= 0) {
			if (ndig == 4)
				return -1;
			val = (val << 4) | (unsigned)d;
			ndig++;
			continue;
		}
		if (ch == ':') {
			curtok = s;
			if (ndig == 0) {
				if (colonp != NULL)
					return -1;
				colonp = tp;
				continue;
			}
			if (*s == 0)
				return -1;	/* a trailing single colon */
			if (tp + 2 > end)
				return -1;
			*tp++ = (unsigned char)(val >> 8);
			*tp++ = (unsigned char)val;
			ndig = 0;
			val = 0;
			continue;
		}
		if (ch == '.' && tp + 4 <= end && pton4(curtok, tp) == 0) {
			tp += 4;
			ndig = 0;
			break;	/* the dotted quad ends the text */
		}
		return -1;
	}
	if (ndig > 0) {
		if (tp + 2 > end)
			return -1;
		*tp++ = (unsigned char)(val >> 8);
		*tp++ = (unsigned char)val;
	}
	if (colonp != NULL) {
		if (tp == end)
			return -1;	/* "::" must stand for something */
		n = (size_t)(tp - colonp);
		memmove(end - n, colonp, n);
		memset(colonp, 0, (size_t)(end - n - colonp));
		tp = end;
	}
	if (tp != end)
		return -1;
	memcpy(out, tmp, 16);
	return 0;
}

/*
 * inet_addr_pton - an address as a cidr: lookup key is written: no
 * brackets, IPv6 when there is a ':'.  0 on success, -1 on bad input.
 */
int
inet_addr_pton(const char *s, int *family, unsigned char *addr)
{
	unsigned char tmp[INET_ADDR_LEN];

	memset(tmp, 0, sizeof(tmp));
	if (strchr(s, ':') != NULL) {
		if (pton6(s, tmp) < 0)
			return -1;
		*family = AF_INET6;
	} else {
		if (pton4(s, tmp) < 0)
			return -1;
		*family = AF_INET;
	}
	memcpy(addr, tmp, INET_ADDR_LEN);
	return 0;
}

/*
 * inet_addr_parse - an IPv4 or IPv6 address, optionally in [brackets]
 * (as in mynetworks and SMTP address literals).  0 or -1.
 */
int
inet_addr_parse(const char *s, int *family, unsigned char *addr)
{
	size_t n;
	char *inner;
	int r;

	if (*s != '[')
		return inet_addr_pton(s, family, addr);
	n = strlen(s);
	if (n < 3 || s[n - 1] != ']')
		return -1;
	inner = xstrndup(s + 1, n - 2);
	r = inet_addr_pton(inner, family, addr);
	free(inner);
	return r;
}

/*
 * inet_addr_unmap - turn an IPv4-mapped IPv6 address (::ffff:a.b.c.d)
 * into IPv4 in place.  Returns 1 when it did, 0 when there was nothing
 * to do.
 */
int
inet_addr_unmap(int *family, unsigned char *addr)
{
	static const unsigned char prefix[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};

	if (*family != AF_INET6 || memcmp(addr, prefix, 12) != 0)
		return 0;
	memmove(addr, addr + 12, 4);
	memset(addr + 4, 0, INET_ADDR_LEN - 4);
	*family = AF_INET;
	return 1;
}

static void
add_v4(struct str *out, const unsigned char *a)
{
	str_addf(out, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
}

/*
 * inet_addr_format - the text of an address into out (replacing what
 * was there), written as glibc's inet_ntop() writes it: lower-case hex,
 * the first longest run of two or more zero groups as "::", and the
 * last 32 bits as a dotted quad for ::a.b.c.d and ::ffff:a.b.c.d.
 */
void
inet_addr_format(int family, const unsigned char *addr, struct str *out)
{
	unsigned words[8];
	int i, base = -1, len = 0, cbase = -1, clen = 0;

	str_reset(out);
	if (family != AF_INET6) {
		add_v4(out, addr);
		return;
	}
	for (i = 0; i < 8; i++)
		words[i] = (unsigned)addr[2 * i] << 8 | addr[2 * i + 1];
	for (i = 0; i < 8; i++) {
		if (words[i] == 0) {
			if (cbase < 0) {
				cbase = i;
				clen = 0;
			}
			clen++;
			if (clen > len) {
				base = cbase;
				len = clen;
			}
		} else
			cbase = -1;
	}
	if (len < 2)
		base = -1;
	for (i = 0; i < 8; i++) {
		if (base >= 0 && i >= base && i < base + len) {
			if (i == base)
				str_addc(out, ':');
			continue;
		}
		if (i != 0)
			str_addc(out, ':');
		if (i == 6 && base == 0 &&
		    (len == 6 || (len == 5 && words[5] == 0xffff))) {
			add_v4(out, addr + 12);
			return;
		}
		str_addf(out, "%x", words[i]);
	}
	if (base >= 0 && base + len == 8)
		str_addc(out, ':');
}

static void
set_err(struct str *err, const char *fmt, const char *a, const char *b)
{
	if (err == NULL)
		return;
	str_reset(err);
	str_addf(err, fmt, a, b);
}

/*
 * inet_cidr_parse - "net/len", "[net]/len", "[net/len]", or a bare
 * address (a full-length prefix).  As Postfix's cidr_match_parse(),
 * with its messages: host bits beyond the prefix must be zero.  0 on
 * success, -1 with the reason in err.
 */
int
inet_cidr_parse(const char *text, struct inet_cidr *cp, struct str *err)
{
	char *copy, *pattern, *mask_search, *mask, *p;
	struct inet_cidr c;
	unsigned long bits;
	struct str net = STR_INIT;
	int i, maxbits, ret = -1;

	memset(&c, 0, sizeof(c));
	copy = xstrdup(text);
	pattern = copy;
	if (*pattern == '[') {
		pattern++;
		if ((p = strchr(pattern, ']')) == NULL) {
			set_err(err, "missing ']' character after \"[%s\"%s",
			    pattern, "");
			goto out;
		}
		*p++ = 0;
		if (*p != '/') {
			if (*p != 0) {
				set_err(err, "garbage after \"[%s]\"%s",
				    pattern, "");
				goto out;
			}
			mask_search = pattern;
		} else
			mask_search = p;
	} else
		mask_search = pattern;

	c.family = strchr(pattern, ':') != NULL ? AF_INET6 : AF_INET;
	maxbits = c.family == AF_INET6 ? 128 : 32;
	if ((mask = strchr(mask_search, '/')) != NULL) {
		*mask++ = 0;
		if (*mask == 0 || strspn(mask, "0123456789") != strlen(mask)) {
			set_err(err, "bad mask value in \"%s/%s\"", pattern,
			    mask);
			goto out;
		}
		/* leading zeros are fine ("/08"), as with Postfix's atoi() */
		for (bits = 0, p = mask; *p && bits <= 128; p++)
			bits = bits * 10 + (unsigned long)(*p - '0');
		if (bits > (unsigned long)maxbits) {
			set_err(err, "bad mask length in \"%s/%s\"", pattern,
			    mask);
			goto out;
		}
		c.bits = (int)bits;
		if ((c.family == AF_INET6 ? pton6(pattern, c.addr) :
		    pton4(pattern, c.addr)) < 0) {
			set_err(err, "bad network value in \"%s/%s\"",
			    pattern, mask);
			goto out;
		}
	} else {
		if ((c.family == AF_INET6 ? pton6(pattern, c.addr) :
		    pton4(pattern, c.addr)) < 0) {
			set_err(err, "bad address pattern: \"%s\"%s", pattern,
			    "");
			goto out;
		}
		c.bits = maxbits;
	}
	for (i = 0; i < maxbits / 8; i++) {
		int left = c.bits - i * 8;

		if (left >= 8)
			c.mask[i] = 0xff;
		else if (left > 0)
			c.mask[i] = (unsigned char)(0xff << (8 - left));
	}
	for (i = 0; i < maxbits / 8; i++)
		if (c.addr[i] & ~c.mask[i])
			break;
	if (i < maxbits / 8) {
		for (i = 0; i < maxbits / 8; i++)
			c.addr[i] &= c.mask[i];
		inet_addr_format(c.family, c.addr, &net);
		if (err != NULL) {
			str_reset(err);
			str_addf(err, "non-null host address bits in "
			    "\"%s/%s\", perhaps you should use \"%s/%d\" "
			    "instead", pattern, mask, net.s, c.bits);
		}
		goto out;
	}
	*cp = c;
	ret = 0;
out:
	str_free(&net);
	free(copy);
	return ret;
}

/* inet_cidr_match - is the address inside the prefix (same family)? */
int
inet_cidr_match(const struct inet_cidr *cp, int family,
    const unsigned char *addr)
{
	int i, n;

	if (family != cp->family)
		return 0;
	n = family == AF_INET6 ? 16 : 4;
	for (i = 0; i < n; i++)
		if ((addr[i] & cp->mask[i]) != cp->addr[i])
			return 0;
	return 1;
}

/* inet_cidr_format - "net/len" into out, replacing what was there */
void
inet_cidr_format(const struct inet_cidr *cp, struct str *out)
{
	inet_addr_format(cp->family, cp->addr, out);
	str_addf(out, "/%d", cp->bits);
}

/* this host's addresses ------------------------------------------------- */

static void
list_add(struct inet_addr_list *l, int family, const unsigned char *addr)
{
	unsigned char a[INET_ADDR_LEN];
	size_t i;

	memset(a, 0, sizeof(a));
	memcpy(a, addr, family == AF_INET ? 4 : 16);
	inet_addr_unmap(&family, a);
	for (i = 0; i < l->n; i++)
		if (l->v[i].family == family &&
		    memcmp(l->v[i].addr, a, INET_ADDR_LEN) == 0)
			return;
	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	l->v[l->n].family = family;
	memcpy(l->v[l->n++].addr, a, INET_ADDR_LEN);
}

static void
list_add_sa(struct inet_addr_list *l, const struct sockaddr *sa)
{
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET)
		list_add(l, AF_INET, (const unsigned char *)
		    &((const struct sockaddr_in *)(const void *)sa)->sin_addr);
	else if (sa->sa_family == AF_INET6)
		list_add(l, AF_INET6, (const unsigned char *)
		    &((const struct sockaddr_in6 *)(const void *)sa)->
		    sin6_addr);
}

static void
list_add_text(struct inet_addr_list *l, const char *s)
{
	unsigned char a[INET_ADDR_LEN];
	int family;

	if (inet_addr_pton(s, &family, a) == 0)
		list_add(l, family, a);
}

/*
 * inet_addr_list_iface - add to l the addresses of an inet_interfaces
 * style list (commas or white space): "all" (when all_ok) for every
 * interface address, "loopback-only" and "localhost" for 127.0.0.1 and
 * ::1, an address (in [brackets] or not), or a host name to look up.  A
 * name that does not resolve adds nothing.
 */
void
inet_addr_list_iface(struct inet_addr_list *l, const char *list, int all_ok)
{
	struct ifaddrs *ifa, *i;
	struct addrinfo hints, *res, *ai;
	unsigned char a[INET_ADDR_LEN];
	char *copy, *p, *item;
	size_t len;
	int family;

	p = copy = xstrdup(list);
	while ((item = str_token(&p, ", \t\r\n")) != NULL) {
		len = strlen(item);
		if (item[0] == '[' && len > 2 && item[len - 1] == ']') {
			item[len - 1] = 0;
			item++;
		}
		if (all_ok && strcasecmp(item, "all") == 0) {
			if (getifaddrs(&ifa) < 0)
				continue;
			for (i = ifa; i; i = i->ifa_next)
				list_add_sa(l, i->ifa_addr);
			freeifaddrs(ifa);
		} else if (strcasecmp(item, "loopback-only") == 0 ||
		    strcasecmp(item, "localhost") == 0) {
			list_add_text(l, "127.0.0.1");
			list_add_text(l, "::1");
		} else if (inet_addr_pton(item, &family, a) == 0) {
			list_add(l, family, a);
		} else {
			memset(&hints, 0, sizeof(hints));
			hints.ai_family = AF_UNSPEC;
			hints.ai_socktype = SOCK_STREAM;
			if (getaddrinfo(item, NULL, &hints, &res) != 0)
				continue;
			for (ai = res; ai; ai = ai->ai_next)
				list_add_sa(l, ai->ai_addr);
			freeaddrinfo(res);
		}
	}
	free(copy);
}

/*
 * inet_addr_list_has - 1 when the address text (no brackets; an
 * IPv4-mapped IPv6 address counts as IPv4) is one of l's, else 0
 */
int
inet_addr_list_has(const struct inet_addr_list *l, const char *s)
{
	unsigned char a[INET_ADDR_LEN];
	size_t i;
	int family;

	if (inet_addr_pton(s, &family, a) < 0)
		return 0;
	inet_addr_unmap(&family, a);
	for (i = 0; i < l->n; i++)
		if (l->v[i].family == family &&
		    memcmp(l->v[i].addr, a, INET_ADDR_LEN) == 0)
			return 1;
	return 0;
}

/* inet_addr_list_free - release a set */
void
inet_addr_list_free(struct inet_addr_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* MIT licence: see LICENSE. */
/*
 * smtp/addr.c - the server addresses of a next hop, as Postfix's
 * smtp_addr.c and smtp_connect.c find them.
 *
 * Run by the smtp and lmtp delivery agents (as mail_owner) and by the
 * sendmail command in relay mode (as its user).  Man page: smtp(8).
 *
 * Next hops: "domain" (MX lookup; the domain's own A/AAAA records when
 * it has no MX), "[host]" (no MX lookup), "[192.0.2.1]", "[ipv6:::1]",
 * each with an optional ":port" (a number or a service name); for lmtp
 * also "unix:/path" and "inet:host:port", never with MX lookups.  DNS
 * answers are read here (dns.c reads MX without its preference): MX
 * hosts in preference order, equal preferences in random order, a null
 * MX ("0 .") bounces.  smtp_host_lookup = native uses getaddrinfo(), so
 * /etc/hosts works; "dns, native" tries DNS first.  inet_protocols
 * filters the families, smtp_address_preference orders them within one
 * preference, smtp_mx_address_limit cuts the list, and the hosts of
 * smtp_fallback_relay come last.
 *
 * Loops (SMTP_ADDR_LOOP, the smtp agent on port 25, as Postfix's
 * SMTP_MISC_FLAG_LOOP_DETECT): this host is an address of
 * inet_interfaces ("all": every interface's) or proxy_interfaces.  MX
 * hosts as good as or worse than the best one that is this host are
 * dropped, and no fallback relay is tried; when none is left, "mail for
 * DOMAIN loops back to myself" (5.4.6), or "unable to find primary relay
 * for DOMAIN" (4.4.4) when better MX hosts have no address.  A next hop
 * without MX ("[host]", a domain with A records only) that is this host
 * loops too (5.4.6).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../../config.h"
#include "../conf.h"
#include "../dns.h"
#include "../inet.h"
#include "../num.h"
#include "../str.h"
#include "../x.h"
#include "addr.h"


/* how to look up, from the configuration */
struct how {
	int	dns, native;	/* smtp_host_lookup */
	int	v4, v6;		/* inet_protocols */
	int	prefer;		/* smtp_address_preference: 0, 4 or 6 */
};

static void
how_init(struct how *h)
{
	char *s, *p, *w;

	memset(h, 0, sizeof(*h));
	s = xstrdup(conf_str(P_smtp_host_lookup));
	for (p = s; (w = str_token(&p, ", \t")) != NULL; ) {
		if (strcasecmp(w, "dns") == 0)
			h->dns = 1;
		else if (strcasecmp(w, "native") == 0)
			h->native = 1;
	}
	free(s);
	if (conf_bool(P_disable_dns_lookups) || (!h->dns && !h->native)) {
		h->dns = 0;
		h->native = 1;
	}
	s = xstrdup(conf_str(P_inet_protocols));
	for (p = s; (w = str_token(&p, ", \t")) != NULL; ) {
		if (strcasecmp(w, "all") == 0)
			h->v4 = h->v6 = 1;
		else if (strcasecmp(w, "ipv4") == 0)
			h->v4 = 1;
		else if (strcasecmp(w, "ipv6") == 0)
			h->v6 = 1;
	}
	free(s);
	if (!h->v4 && !h->v6)
		h->v4 = 1;
	s = (char *)conf_str(P_smtp_address_preference);
	h->prefer = strcasecmp(s, "ipv4") == 0 ? 4 :
	    strcasecmp(s, "ipv6") == 0 ? 6 : 0;
}

/* DNS --------------------------------------------------------------------- */

/* the records of one type; MX as "PREF HOST"; *nx says NXDOMAIN */
static int
lookup(const char *name, int type, struct str *out, int *nx)
{
	return dns_lookup(name, type, DNS_F_MXPREF, out, nx);
}

/* the "PREF HOST" lines of an MX answer into mx[] (the caller frees) */
static void
mx_parse(char *text, struct smtp_mx **mx, size_t *n)
{
	char *p, *line, *sp;
	long long pref;

	for (p = text; (line = str_token(&p, "\n")) != NULL; ) {
		if ((sp = strchr(line, ' ')) == NULL)
			continue;
		*sp = 0;
		if (num_parse(line, 0, 65535, &pref) < 0)
			continue;
		*mx = xreallocarray(*mx, *n + 1, sizeof(**mx));
		(*mx)[*n].pref = (int)pref;
		(*mx)[(*n)++].host = xstrdup(sp + 1);
	}
}

/*
 * smtp_addr_mx - the MX records of name with their preferences (the
 * caller frees each host and the array)
 */
int
smtp_addr_mx(const char *name, struct smtp_mx **mx, size_t *n)
{
	struct str out;
	int r, nx;

	*mx = NULL;
	*n = 0;
	str_init(&out);
	if ((r = lookup(name, DNS_T_MX, &out, &nx)) == DNS_OK)
		mx_parse(out.s, mx, n);
	str_free(&out);
	return r;
}

/* this host: inet_interfaces and proxy_interfaces, learnt once */
static int
is_self(const char *addr)
{
	static struct inet_addr_list self;
	static int ready;

	if (!ready) {
		ready = 1;
		inet_addr_list_iface(&self, conf_str(P_inet_interfaces), 1);
		inet_addr_list_iface(&self, conf_str(P_proxy_interfaces), 0);
	}
	return inet_addr_list_has(&self, addr);
}

/* the list ------------------------------------------------------------ */

/* 1 added, 0 already there */
static int
add(struct smtp_addr_list *l, const char *host, const char *addr,
    int family, int port, int pref)
{
	struct smtp_addr *a;
	size_t i;

	for (i = 0; i < l->n; i++)	/* each address once */
		if (l->v[i].port == port && strcmp(l->v[i].addr, addr) == 0)
			return 0;
	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	a = &l->v[l->n++];
	memset(a, 0, sizeof(*a));
	a->host = xstrdup(host);
	a->addr = xstrdup(addr);
	a->family = family;
	a->port = port;
	a->pref = pref;
	return 1;
}

/* smtp_addr_free - release a list */
void
smtp_addr_free(struct smtp_addr_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].host);
		free(l->v[i].addr);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void
set_why(char *dsn, size_t dsnlen, struct str *why, const char *code,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
set_why(char *dsn, size_t dsnlen, struct str *why, const char *code,
    const char *fmt, ...)
{
	va_list ap;

	str_copy(dsn, code, dsnlen);
	str_reset(why);
	va_start(ap, fmt);
	str_vaddf(why, fmt, ap);
	va_end(ap);
}

/*
 * the addresses of one host: DNS (A, AAAA as inet_protocols allows),
 * then getaddrinfo() when smtp_host_lookup says native.  0 found, else
 * the DNS status with why.
 */
static int
host_addrs(const struct how *h, const char *host, int port, int pref,
    struct smtp_addr_list *l, char *dsn, size_t dsnlen, struct str *why)
{
	struct str out;
	struct addrinfo hints, *res, *ai;
	char *p, *line, abuf[INET6_ADDRSTRLEN];
	int r, nx, found = 0, retry = 0, types[2], nt = 0, i, e;

	str_init(&out);
	if (h->dns) {
		if (h->v6 && h->prefer == 6)
			types[nt++] = DNS_T_AAAA;
		if (h->v4)
			types[nt++] = DNS_T_A;
		if (h->v6 && h->prefer != 6)
			types[nt++] = DNS_T_AAAA;
		for (i = 0; i < nt; i++) {
			r = lookup(host, types[i], &out, &nx);
			if (r == DNS_RETRY)
				retry = 1;
			if (r != DNS_OK)
				continue;
			for (p = out.s; (line = str_token(&p, "\n")); found++)
				add(l, host, line, types[i] == DNS_T_A ?
				    AF_INET : AF_INET6, port, pref);
		}
		if (!found && !h->native) {
			set_why(dsn, dsnlen, why, retry ? "4.4.3" : "5.4.4",
			    "Host or domain name not found. Name service "
			    "error for name=%s type=%s: Host not found%s",
			    host, h->v4 ? "A" : "AAAA", retry ?
			    ", try again" : "");
			str_free(&out);
			return retry ? DNS_RETRY : DNS_NOTFOUND;
		}
	}
	str_free(&out);
	if (found)
		return 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = h->v4 && h->v6 ? AF_UNSPEC : h->v4 ? AF_INET :
	    AF_INET6;
	hints.ai_socktype = SOCK_STREAM;
	if ((e = getaddrinfo(host, NULL, &hints, &res)) != 0) {
		set_why(dsn, dsnlen, why, e == EAI_NONAME ? "5.4.4" : "4.4.3",
		    "unable to look up host %s: %s", host, gai_strerror(e));
		return e == EAI_NONAME ? DNS_NOTFOUND : DNS_RETRY;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET && h->v4)
			inet_ntop(AF_INET, &((struct sockaddr_in *)
			    (void *)ai->ai_addr)->sin_addr, abuf, sizeof(abuf));
		else if (ai->ai_family == AF_INET6 && h->v6)
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)
			    (void *)ai->ai_addr)->sin6_addr, abuf,
			    sizeof(abuf));
		else
			continue;
		add(l, host, abuf, ai->ai_family, port, pref);
		found++;
	}
	freeaddrinfo(res);
	if (!found) {
		set_why(dsn, dsnlen, why, "5.4.4", "unable to look up host "
		    "%s: %s", host, "No address associated with hostname");
		return DNS_NOTFOUND;
	}
	return 0;
}

static int
parse_port(const char *s, int lmtp, int *port)
{
	struct servent *se;
	long long n;

	if (s == NULL || *s == 0) {
		*port = lmtp ? 24 : 25;
		return 0;
	}
	if (num_parse(s, 1, 65535, &n) == 0) {
		*port = (int)n;
		return 0;
	}
	if ((se = getservbyname(s, "tcp")) != NULL) {
		*port = ntohs((unsigned short)se->s_port);
		return 0;
	}
	if (strcmp(s, "smtp") == 0 || strcmp(s, "lmtp") == 0 ||
	    strcmp(s, "submission") == 0 || strcmp(s, "smtps") == 0) {
		*port = s[0] == 'l' ? 24 : s[1] == 'u' ? 587 :
		    s[4] == 's' ? 465 : 25;
		return 0;
	}
	return -1;
}

static unsigned int rnd_state;

static unsigned int
rnd(void)
{
	struct timeval tv;

	if (rnd_state == 0) {
		gettimeofday(&tv, NULL);
		rnd_state = (unsigned int)tv.tv_usec ^
		    (unsigned int)getpid() << 16 ^ (unsigned int)tv.tv_sec;
		if (rnd_state == 0)
			rnd_state = 1;
	}
	/* xorshift32: the order of equal MX hosts needs no more */
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

static const struct how *sort_how;

static int
rank(const struct smtp_addr *a)
{
	if (sort_how->prefer == 0 || a->family == AF_UNIX)
		return 0;
	return (sort_how->prefer == 6) == (a->family == AF_INET6) ? 0 : 1;
}

/* stable: insertion sort by (fallback, pref, family rank) */
static void
sort_list(const struct how *h, struct smtp_addr_list *l)
{
	struct smtp_addr t;
	size_t i, j;

	sort_how = h;
	for (i = 1; i < l->n; i++) {
		t = l->v[i];
		for (j = i; j > 0; j--) {
			struct smtp_addr *p = &l->v[j - 1];

			if (p->fallback < t.fallback || (p->fallback ==
			    t.fallback && (p->pref < t.pref || (p->pref ==
			    t.pref && rank(p) <= rank(&t)))))
				break;
			l->v[j] = *p;
		}
		l->v[j] = t;
	}
}

static int find(const char *, int, struct smtp_addr_list *, char *,
	    size_t, struct str *, int *);

static void
add_fallback(struct smtp_addr_list *l, int flags)
{
	struct smtp_addr_list fl = { NULL, 0 };
	struct str why;
	char dsn[16], *s, *p, *w;
	size_t i;
	int self;

	str_init(&why);
	s = xstrdup(conf_str(P_smtp_fallback_relay));
	for (p = s; (w = str_token(&p, ", \t")) != NULL; ) {
		if (find(w, SMTP_ADDR_NOFALLBACK | (flags & SMTP_ADDR_LOOP),
		    &fl, dsn, sizeof(dsn), &why, &self) != 0)
			continue;
		for (i = 0; i < fl.n; i++) {
			if (!add(l, fl.v[i].host, fl.v[i].addr,
			    fl.v[i].family, fl.v[i].port, 65536))
				continue;
			l->v[l->n - 1].fallback = 1;
			l->v[l->n - 1].best = fl.v[i].best;
		}
		smtp_addr_free(&fl);
	}
	free(s);
	str_free(&why);
}

/* with SMTP_ADDR_LOOP: does l hold this host?  Then it goes, and 1 */
static int
drop_self(struct smtp_addr_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (is_self(l->v[i].addr))
			break;
	if (i == l->n)
		return 0;
	smtp_addr_free(l);
	return 1;
}

/*
 * MX hosts: the addresses as good as or worse than the best that is this
 * host go (Postfix's smtp_truncate_self()).  1 when this host was there.
 */
static int
cut_self(struct smtp_addr_list *l)
{
	size_t i, k;
	int cut = -1;

	for (i = 0; i < l->n; i++)
		if (is_self(l->v[i].addr) && (cut < 0 || l->v[i].pref < cut))
			cut = l->v[i].pref;
	if (cut < 0)
		return 0;
	for (i = k = 0; i < l->n; i++) {
		if (l->v[i].pref < cut) {
			l->v[k++] = l->v[i];
			continue;
		}
		free(l->v[i].host);
		free(l->v[i].addr);
	}
	l->n = k;
	return 1;
}

/*
 * the addresses of nexthop into l, not yet with the fallback relays;
 * *self says this host is one of them (then no fallback relay either)
 */
static int
find(const char *nexthop, int flags, struct smtp_addr_list *l, char *dsn,
    size_t dsnlen, struct str *why, int *self)
{
	struct how h;
	struct smtp_mx *mx = NULL;
	size_t nmx = 0, i, j;
	char *hop, *host, *portp = NULL, *e, abuf[INET6_ADDRSTRLEN];
	unsigned char bin[16];
	int lmtp = flags & SMTP_ADDR_LMTP, nomx = flags & SMTP_ADDR_NOMX;
	int port, r, family, ret = 0, retry = 0, loop, best_found;
	long long limit;

	*self = 0;
	how_init(&h);
	hop = xstrdup(nexthop);
	host = hop;
	if (lmtp && strncmp(host, "unix:", 5) == 0) {
		if (host[5] == 0) {
			set_why(dsn, dsnlen, why, "4.3.5", "bad LMTP "
			    "destination: %s", nexthop);
			ret = 4;
			goto out;
		}
		add(l, conf_str(P_myhostname), host + 5, AF_UNIX, 0, 0);
		goto out;
	}
	if (lmtp && strncmp(host, "inet:", 5) == 0)
		host += 5;
	if (lmtp)
		nomx = 1;
	if (*host == '[') {
		if ((e = strchr(host, ']')) == NULL || (e[1] && e[1] != ':'))
			goto bad;
		*e = 0;
		host++;
		if (e[1] == ':')
			portp = e + 2;
		nomx = 1;
		if (strncasecmp(host, "ipv6:", 5) == 0)
			host += 5;
	} else if ((e = strrchr(host, ':')) != NULL) {
		if (strchr(host, ':') != e)
			goto bad;	/* an IPv6 address needs [] */
		*e = 0;
		portp = e + 1;
	}
	if (*host == 0 || parse_port(portp, lmtp, &port) < 0)
		goto bad;
	/* Postfix looks for loops on the SMTP port only, never with LMTP */
	loop = (flags & SMTP_ADDR_LOOP) && !lmtp && port == 25;
	if (inet_pton(AF_INET, host, bin) == 1 ||
	    inet_pton(AF_INET6, host, bin) == 1) {
		family = strchr(host, ':') ? AF_INET6 : AF_INET;
		if ((family == AF_INET && !h.v4) ||
		    (family == AF_INET6 && !h.v6)) {
			set_why(dsn, dsnlen, why, "4.4.4", "%s: address "
			    "family disabled by inet_protocols", host);
			ret = 4;
			goto out;
		}
		inet_ntop(family, bin, abuf, sizeof(abuf));
		add(l, abuf, abuf, family, port, 0);
		if (loop && (*self = drop_self(l)) != 0)
			goto loops;
		goto out;
	}
	if (!nomx && h.dns) {
		int nx;
		struct str t;

		str_init(&t);
		r = lookup(host, DNS_T_MX, &t, &nx);
		if (r == DNS_OK)
			mx_parse(t.s, &mx, &nmx);
		str_free(&t);
		if (r == DNS_OK && nmx == 0)
			r = DNS_RETRY;	/* no MX line in an answer of MX */
		if (r == DNS_INVAL) {
			/* only malformed MX names (dns.c logged them) */
			set_why(dsn, dsnlen, why, "5.4.4", "Name service "
			    "error for name=%s type=MX: Malformed or "
			    "unexpected name server reply", host);
			ret = 5;
			goto out;
		}
		if (r == DNS_RETRY || (r == DNS_NOTFOUND && nx &&
		    !h.native)) {
			set_why(dsn, dsnlen, why, r == DNS_RETRY ? "4.4.3" :
			    "5.4.4", "Host or domain name not found. Name "
			    "service error for name=%s type=MX: Host not "
			    "found%s", host, r == DNS_RETRY ? ", try again" :
			    "");
			ret = r == DNS_RETRY ? 4 : 5;
			goto out;
		}
	}
	if (nmx == 0) {
		r = host_addrs(&h, host, port, 0, l, dsn, dsnlen, why);
		ret = r == 0 ? 0 : r == DNS_RETRY ? 4 : 5;
		if (ret == 0 && loop && (*self = drop_self(l)) != 0)
			goto loops;
		goto out;
	}
	for (i = 0; i < nmx; i++)
		if (mx[i].host[0] == 0 || strcmp(mx[i].host, ".") == 0) {
			set_why(dsn, dsnlen, why, "5.1.0", "Domain %s does "
			    "not accept mail (nullMX)", host);
			ret = 5;
			goto out;
		}
	/* random among equals, then (stably) by preference */
	for (i = nmx; i > 1; i--) {
		struct smtp_mx t;

		j = rnd() % i;
		t = mx[i - 1];
		mx[i - 1] = mx[j];
		mx[j] = t;
	}
	for (i = 1; i < nmx; i++)
		for (j = i; j > 0 && mx[j - 1].pref > mx[j].pref; j--) {
			struct smtp_mx t = mx[j];

			mx[j] = mx[j - 1];
			mx[j - 1] = t;
		}
	for (i = 0; i < nmx; i++) {
		/* as Postfix: a numeric MX name (dns.c warned) is the
		 * address; DNS is never asked about an address */
		if (inet_pton(AF_INET, mx[i].host, bin) == 1 ||
		    inet_pton(AF_INET6, mx[i].host, bin) == 1) {
			family = strchr(mx[i].host, ':') ? AF_INET6 : AF_INET;
			if ((family == AF_INET && h.v4) ||
			    (family == AF_INET6 && h.v6)) {
				inet_ntop(family, bin, abuf, sizeof(abuf));
				add(l, mx[i].host, abuf, family, port,
				    mx[i].pref);
			} else {
				set_why(dsn, dsnlen, why, "4.4.4", "%s: "
				    "address family disabled by "
				    "inet_protocols", mx[i].host);
				retry = 1;
			}
			continue;
		}
		r = host_addrs(&h, mx[i].host, port, mx[i].pref, l, dsn,
		    dsnlen, why);
		if (r == DNS_RETRY)
			retry = 1;
	}
	if (l->n == 0)
		ret = retry ? 4 : 5;
	if (l->n == 0 && retry)
		dsn[0] = '4';
	for (i = 0, best_found = 65536; i < l->n; i++)
		if (l->v[i].pref < best_found)
			best_found = l->v[i].pref;
	if (l->n > 0 && loop && (*self = cut_self(l)) != 0 && l->n == 0) {
		/* an MX better than this host, but without an address */
		if (best_found != mx[0].pref) {
			set_why(dsn, dsnlen, why, "4.4.4", "unable to find "
			    "primary relay for %s", host);
			ret = 4;
			goto out;
		}
		goto loops;
	}
out:
	if (ret == 0 && l->n > 1)
		sort_list(&h, l);
	for (i = 0; i < l->n; i++)
		l->v[i].best = l->v[i].pref == l->v[0].pref;
	limit = conf_int(P_smtp_mx_address_limit);
	if (ret == 0 && !lmtp && limit > 0 && l->n > (size_t)limit) {
		for (i = (size_t)limit; i < l->n; i++) {
			free(l->v[i].host);
			free(l->v[i].addr);
		}
		l->n = (size_t)limit;
	}
	for (i = 0; i < nmx; i++)
		free(mx[i].host);
	free(mx);
	free(hop);
	return ret;
loops:
	set_why(dsn, dsnlen, why, "5.4.6", "mail for %s loops back to myself",
	    host);
	ret = 5;
	goto out;
bad:
	set_why(dsn, dsnlen, why, "4.3.5", "bad %s destination: %s",
	    lmtp ? "LMTP" : "SMTP", nexthop);
	ret = 4;
	goto out;
}

/*
 * smtp_addr_find - the addresses to try for nexthop, in order, with
 * the fallback relays last (unless SMTP_ADDR_NOFALLBACK).  0, or 4/5
 * with dsn and why (then the list may still hold fallback relays: try
 * them when the result is 4).
 */
int
smtp_addr_find(const char *nexthop, int flags, struct smtp_addr_list *l,
    char *dsn, size_t dsnlen, struct str *why)
{
	int r, self;

	l->v = NULL;
	l->n = 0;
	r = find(nexthop, flags, l, dsn, dsnlen, why, &self);
	/* an MX host (or the loop) does not pass mail to a fallback relay */
	if ((r == 0 || r == 4) && !self && !(flags & (SMTP_ADDR_NOFALLBACK |
	    SMTP_ADDR_LMTP)))
		add_fallback(l, flags);
	return r;
}

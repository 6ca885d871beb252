/* MIT licence: see LICENSE. */
/*
 * smtpd_peer.c - who the SMTP client is: its address and port from the
 * socket on fd 0 (an IPv4-mapped IPv6 address is IPv4, as in Postfix),
 * and its name, verified as Postfix does: the PTR name must resolve back
 * to the address, else the client is "unknown".  A stdin that is not an
 * IP socket is `sendmail -bs`: localhost[127.0.0.1], a local client.
 * Runs in smtpd, unprivileged.  Man page: smtpd(8).
 *
 * The lookups are /etc/hosts first, then DNS (dns.c), the order of the
 * C library's getnameinfo/getaddrinfo, but with Postfix's three outcomes
 * kept apart: found; not found (permanent: "unknown", and
 * unknown_client_reject_code applies); temporary failure (the name
 * server did not answer: "unknown" too, but reject_unknown_client_hostname
 * says 450).  musl's getnameinfo() cannot tell the last two apart.
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <netinet/in.h>

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../lib/check/check.h"
#include "../../lib/conf.h"
#include "../../lib/dns.h"
#include "../../lib/inet.h"
#include "../../lib/log.h"
#include "../../lib/str.h"
#include "../../lib/x.h"
#include "smtpd_sess.h"

#define HOSTS_FILE	"/etc/hosts"

/* the PTR query name of an address: 4.3.2.1.in-addr.arpa, or ip6.arpa */
static void
ptr_name(int fam, const unsigned char *a, struct str *out)
{
	static const char hex[] = "0123456789abcdef";
	int i;

	str_reset(out);
	if (fam == AF_INET) {
		str_addf(out, "%u.%u.%u.%u.in-addr.arpa", a[3], a[2], a[1],
		    a[0]);
		return;
	}
	for (i = 15; i >= 0; i--)
		str_addf(out, "%c.%c.", hex[a[i] & 15], hex[a[i] >> 4]);
	str_adds(out, "ip6.arpa");
}

/* the next "address name..." line of the hosts file: 1, or 0 at its end */
static int
hosts_line(FILE *fp, char *buf, size_t size, char **addr, char **names)
{
	char *p;

	while (fgets(buf, (int)size, fp) != NULL) {
		if ((p = strchr(buf, '#')) != NULL)
			*p = 0;
		p = buf + strspn(buf, " \t\r\n");
		if (*p == 0)
			continue;
		*addr = p;
		p += strcspn(p, " \t\r\n");
		if (*p == 0)
			continue;
		*p++ = 0;
		*names = p;
		return 1;
	}
	return 0;
}

/* the hosts file's first name for an address; 1 when there is one */
static int
hosts_reverse(int fam, const unsigned char *a, struct str *name)
{
	char buf[1024], *addr, *names;
	unsigned char b[INET_ADDR_LEN];
	int fam2, found = 0;
	size_t n;
	FILE *fp;

	if ((fp = fopen(HOSTS_FILE, "re")) == NULL)
		return 0;
	while (!found && hosts_line(fp, buf, sizeof(buf), &addr, &names)) {
		if (inet_addr_parse(addr, &fam2, b) < 0 || fam2 != fam ||
		    memcmp(a, b, fam == AF_INET ? 4 : 16) != 0)
			continue;
		names += strspn(names, " \t");
		if ((n = strcspn(names, " \t\r\n")) == 0)
			continue;
		str_setmem(name, names, n);
		found = 1;
	}
	fclose(fp);
	return found;
}

/*
 * the addresses the hosts file gives a name: -1 when it does not know the
 * name (ask DNS), 1 when one of them is the client's, 0 when none is
 */
static int
hosts_forward(const char *host, int fam, const unsigned char *a)
{
	char buf[1024], *addr, *names, *w;
	unsigned char b[INET_ADDR_LEN];
	int fam2, r = -1;
	FILE *fp;

	if ((fp = fopen(HOSTS_FILE, "re")) == NULL)
		return -1;
	while (r < 1 && hosts_line(fp, buf, sizeof(buf), &addr, &names)) {
		for (w = strtok(names, " \t\r\n"); w; w = strtok(NULL,
		    " \t\r\n"))
			if (strcasecmp(w, host) == 0)
				break;
		if (w == NULL || inet_addr_parse(addr, &fam2, b) < 0)
			continue;
		r = 0;
		if (inet_addr_unmap(&fam2, b) == 0 && fam2 == fam &&
		    memcmp(a, b, fam == AF_INET ? 4 : 16) == 0)
			r = 1;
	}
	fclose(fp);
	return r;
}

/*
 * do host's addresses include the client's?  1 yes, 0 no, -1 the lookup
 * failed for now, -2 the name has no address
 */
static int
forward_ok(const char *host, int fam, const unsigned char *a)
{
	unsigned char b[INET_ADDR_LEN];
	struct str t = STR_INIT;
	const char *p, *nl;
	char one[INET_ADDR_STRLEN];
	int fam2, r;

	if ((r = hosts_forward(host, fam, a)) >= 0)
		return r;	/* the C library does not ask DNS then */
	str_init(&t);
	r = dns_query(host, fam == AF_INET ? DNS_T_A : DNS_T_AAAA, &t);
	if (r != DNS_OK) {
		str_free(&t);
		return r == DNS_RETRY ? -1 : -2;
	}
	for (r = 0, p = t.s; r == 0 && *p; p = *nl ? nl + 1 : nl) {
		nl = p + strcspn(p, "\n");
		if ((size_t)(nl - p) >= sizeof(one))
			continue;
		memcpy(one, p, (size_t)(nl - p));
		one[nl - p] = 0;
		if (inet_addr_parse(one, &fam2, b) == 0 && fam2 == fam &&
		    memcmp(a, b, fam == AF_INET ? 4 : 16) == 0)
			r = 1;
	}
	str_free(&t);
	return r;
}

/*
 * smtpd_peer - the client's address and port (no network I/O: this runs
 * before privileges are dropped); its names are "unknown" until
 * smtpd_peer_name()
 */
void
smtpd_peer(struct smtpd_sess *s)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[NI_MAXHOST], serv[NI_MAXSERV];
	unsigned char a[INET_ADDR_LEN];
	struct str t = STR_INIT;
	int fam;

	s->name_status = s->reverse_status = CHECK_NAME_OK;
	if (getpeername(0, (struct sockaddr *)&ss, &len) < 0 ||
	    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6)) {
		s->local = 1;
		s->name = xstrdup("localhost");
		s->reverse_name = xstrdup("localhost");
		s->addr = xstrdup("127.0.0.1");
		s->port = xstrdup("0");
		return;
	}
	getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host), serv,
	    sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV);
	/* as Postfix: an IPv4-mapped IPv6 client is an IPv4 client */
	str_init(&t);
	if (inet_addr_parse(host, &fam, a) == 0 &&
	    inet_addr_unmap(&fam, a) == 0) {
		inet_addr_format(fam, a, &t);
		str_copy(host, t.s, sizeof(host));
	} else {
		fam = AF_UNSPEC;
	}
	s->addr = xstrdup(host);
	s->port = xstrdup(serv);
	s->name = xstrdup("unknown");
	s->reverse_name = xstrdup("unknown");
	s->name_status = s->reverse_status = CHECK_NAME_UNKNOWN;
	s->lookup_name = conf_bool(P_smtpd_peername_lookup) &&
	    fam != AF_UNSPEC;
	str_free(&t);
}

/*
 * smtpd_peer_name - the client's names: the reverse name (the hosts
 * file, else PTR) and the forward-confirmed name, with Postfix's three
 * outcomes.  DNS answers are parsed here, so this runs unprivileged.
 */
void
smtpd_peer_name(struct smtpd_sess *s)
{
	unsigned char a[INET_ADDR_LEN], b[INET_ADDR_LEN];
	struct str t = STR_INIT, name = STR_INIT;
	int fam, fam2, r;

	if (s->local || !s->lookup_name ||
	    inet_addr_parse(s->addr, &fam, a) < 0)
		return;
	str_init(&t);
	str_init(&name);
	free(s->name);
	free(s->reverse_name);
	s->name = s->reverse_name = NULL;
	s->name_status = s->reverse_status = CHECK_NAME_OK;

	/* the reverse name: the hosts file, else the first PTR record */
	if (!hosts_reverse(fam, a, &name)) {
		ptr_name(fam, a, &t);
		r = dns_query(t.s, DNS_T_PTR, &name);
		if (r != DNS_OK) {
			s->name_status = s->reverse_status = r == DNS_RETRY ?
			    CHECK_NAME_TEMP : CHECK_NAME_UNKNOWN;
			goto unknown;
		}
		str_trunc(&name, strcspn(name.s, "\n"));
	}
	if (name.len > 1 && name.s[name.len - 1] == '.')
		str_trunc(&name, name.len - 1);
	str_lcase(name.s);
	if (name.len == 0 || name.len >= NI_MAXHOST || inet_addr_parse(name.s,
	    &fam2, b) == 0 || strspn(name.s, "abcdefghijklmnopqrstuvwxyz"
	    "0123456789-._") != name.len) {
		warn("malformed or numeric hostname in PTR record for %s: %s",
		    s->addr, name.s);
		s->name_status = s->reverse_status = CHECK_NAME_UNKNOWN;
		goto unknown;
	}
	s->reverse_name = xstrdup(name.s);

	/* forward-confirm the name, as Postfix does */
	r = forward_ok(name.s, fam, a);
	if (r > 0) {
		s->name = xstrdup(name.s);
		goto out;
	}
	if (r == -1) {
		warn("hostname %s does not resolve to address %s: Temporary "
		    "failure in name resolution", name.s, s->addr);
		s->name_status = CHECK_NAME_TEMP;
	} else if (r == -2) {
		warn("hostname %s does not resolve to address %s: Name or "
		    "service not known", name.s, s->addr);
		s->name_status = CHECK_NAME_UNKNOWN;
	} else {
		warn("hostname %s does not resolve to address %s", name.s,
		    s->addr);
		s->name_status = CHECK_NAME_UNKNOWN;
	}
unknown:
	s->name = xstrdup("unknown");
	if (s->reverse_name == NULL)
		s->reverse_name = xstrdup("unknown");
out:
	str_free(&t);
	str_free(&name);
}

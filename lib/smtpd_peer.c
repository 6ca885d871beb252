/* MIT licence: see LICENSE. */
/*
 * smtpd_peer.c - who the SMTP client is: its address and port from the
 * socket on fd 0 (an IPv4-mapped IPv6 address is IPv4, as in Postfix),
 * and its name, verified as Postfix does: the PTR name must resolve back
 * to the address, else the client is "unknown".  A stdin that is not an
 * IP socket is `sendmail -bs`: localhost[127.0.0.1], a local client.
 * Runs in smtpd, unprivileged.  Man page: smtpd(8).
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <netinet/in.h>

#include <netdb.h>
#include <string.h>

#include "check.h"
#include "conf.h"
#include "inet.h"
#include "log.h"
#include "smtpd_sess.h"
#include "str.h"
#include "x.h"

/* smtpd_peer - fill in the client's address, port and names */
void
smtpd_peer(struct smtpd_sess *s)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[NI_MAXHOST], serv[NI_MAXSERV];
	unsigned char a[INET_ADDR_LEN], b[INET_ADDR_LEN];
	struct addrinfo hints, *res, *ai;
	struct str t = STR_INIT;
	int fam, fam2, e;

	s->name_status = CHECK_NAME_OK;
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
	}
	str_free(&t);
	s->addr = xstrdup(host);
	s->port = xstrdup(serv);
	s->name = s->reverse_name = NULL;
	if (!conf_bool(P_smtpd_peername_lookup)) {
		s->name_status = CHECK_NAME_UNKNOWN;
		goto unknown;
	}
	e = getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host),
	    NULL, 0, NI_NAMEREQD);
	if (e != 0) {
		s->name_status = e == EAI_AGAIN ? CHECK_NAME_TEMP :
		    CHECK_NAME_UNKNOWN;
		goto unknown;
	}
	str_lcase(host);
	s->reverse_name = xstrdup(host);
	/* forward-confirm the name, as Postfix does */
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if ((e = getaddrinfo(host, NULL, &hints, &res)) != 0) {
		s->name_status = e == EAI_AGAIN ? CHECK_NAME_TEMP :
		    CHECK_NAME_UNKNOWN;
		goto unknown;
	}
	inet_addr_parse(s->addr, &fam, a);
	for (ai = res; ai; ai = ai->ai_next) {
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, serv,
		    sizeof(serv), NULL, 0, NI_NUMERICHOST) != 0 ||
		    inet_addr_parse(serv, &fam2, b) < 0 ||
		    inet_addr_unmap(&fam2, b) < 0)
			continue;
		if (fam2 == fam && memcmp(a, b, fam == AF_INET ? 4 : 16) == 0)
			break;
	}
	freeaddrinfo(res);
	if (ai != NULL) {
		s->name = xstrdup(host);
		return;
	}
	warn("hostname %s does not resolve to address %s", host, s->addr);
	s->name_status = CHECK_NAME_UNKNOWN;
unknown:
	s->name = xstrdup("unknown");
	if (s->reverse_name == NULL)
		s->reverse_name = xstrdup("unknown");
}

/* MIT licence: see LICENSE. */
/*
 * smtp/addr.h - from a next hop to the list of server addresses the
 * smtp and lmtp clients try, in order: MX lookup with preferences (RFC
 * 5321 section 5), A/AAAA, getaddrinfo (smtp_host_lookup = native),
 * null MX (RFC 7505), this host's own addresses (the "mail loops back to
 * myself" check), smtp_mx_address_limit, smtp_fallback_relay.  Used by
 * the smtp and lmtp delivery agents and sendmail's relay mode,
 * unprivileged.  Man page: smtp(8).
 */
#ifndef MTA_SMTP_ADDR_H
#define MTA_SMTP_ADDR_H

#include "../str.h"

/* one server address */
struct smtp_addr {
	char	*host;		/* the name in relay= ("mx.example.com") */
	char	*addr;		/* "192.0.2.1", "2001:db8::1", or a path */
	int	family;		/* AF_INET, AF_INET6 or AF_UNIX */
	int	port;		/* host order; 0 for AF_UNIX */
	int	pref;		/* MX preference; fallback relays after */
	int	fallback;	/* from smtp_fallback_relay */
	int	best;		/* of its next hop's best preference left */
};

struct smtp_addr_list {
	struct smtp_addr *v;
	size_t	n;
};

/* smtp_addr_find() flags */
#define SMTP_ADDR_LMTP		1	/* lmtp forms, port 24, no MX */
#define SMTP_ADDR_NOMX		2	/* as if the next hop were [host] */
#define SMTP_ADDR_NOFALLBACK	4	/* leave smtp_fallback_relay out */
#define SMTP_ADDR_LOOP		8	/* port 25: no MX but better than us */

/*
 * Results: 0 with the list; else 4 (try later) or 5 (never), with an
 * enhanced status code in dsn and Postfix's text in why.
 */
int	smtp_addr_find(const char *, int, struct smtp_addr_list *,
	    char *, size_t, struct str *);
void	smtp_addr_free(struct smtp_addr_list *);

/* MX records with preferences; DNS_OK, DNS_NOTFOUND or DNS_RETRY */
struct smtp_mx {
	int	pref;
	char	*host;		/* "" for a null MX (".") */
};
int	smtp_addr_mx(const char *, struct smtp_mx **, size_t *);

#endif

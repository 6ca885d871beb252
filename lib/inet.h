/* MIT licence: see LICENSE. */
/*
 * inet.h - IPv4/IPv6 address and CIDR prefix parsing and matching, shared
 * by cidr: tables, mynetworks and the access(5) search order; and the
 * addresses of this host (inet_interfaces, proxy_interfaces), shared by
 * the address resolver and the smtp client's loop check.
 *
 * Addresses are kept in network byte order in 16 bytes; an IPv4 address
 * uses the first 4.  The family is AF_INET or AF_INET6 (<sys/socket.h>),
 * chosen as Postfix does: a text with a ':' is IPv6.  An IPv4-mapped
 * IPv6 address (::ffff:1.2.3.4) stays IPv6 here; callers that want
 * Postfix's smtpd behaviour convert it with inet_addr_unmap().
 */
#ifndef MTA_INET_H
#define MTA_INET_H

#include "str.h"

#define INET_ADDR_LEN	16	/* bytes of an address buffer */
#define INET_ADDR_STRLEN 46	/* longest formatted address, with NUL */

struct inet_cidr {
	int		family;		/* AF_INET or AF_INET6 */
	unsigned char	addr[16];	/* network address, host bits zero */
	unsigned char	mask[16];
	int		bits;		/* prefix length */
};

/* 0 on success, -1 on bad input; addr has room for INET_ADDR_LEN bytes */
int	inet_addr_parse(const char *, int *, unsigned char *);
int	inet_addr_pton(const char *, int *, unsigned char *);
int	inet_addr_unmap(int *, unsigned char *);
void	inet_addr_format(int, const unsigned char *, struct str *);

/* 0 on success, -1 with the reason in the str (which may be NULL) */
int	inet_cidr_parse(const char *, struct inet_cidr *, struct str *);
/* 1 when the address is inside the prefix, 0 otherwise */
int	inet_cidr_match(const struct inet_cidr *, int, const unsigned char *);
void	inet_cidr_format(const struct inet_cidr *, struct str *);

/* a set of addresses (IPv4-mapped IPv6 ones stored as IPv4) */
struct inet_addr_list {
	struct inet_addr {
		int		family;
		unsigned char	addr[INET_ADDR_LEN];
	}		*v;
	size_t		n;
};

/* adds the addresses an inet_interfaces-style list names */
void	inet_addr_list_iface(struct inet_addr_list *, const char *, int);
/* 1 when the address (text, no brackets) is in the set, else 0 */
int	inet_addr_list_has(const struct inet_addr_list *, const char *);
void	inet_addr_list_free(struct inet_addr_list *);

#endif
